"""Days of a month: where it starts, how long it is, random days within a span."""

from __future__ import annotations

import numpy as np


def month_bounds(month: str) -> tuple[np.datetime64, int]:
    """Return the first day (``datetime64[D]``) and the number of days of ``month``.

    >>> month_bounds("2026-02")
    (np.datetime64('2026-02-01'), 28)
    """
    first = np.datetime64(month, "M")
    start = first.astype("datetime64[D]")
    days = int(((first + 1).astype("datetime64[D]") - start).astype(int))
    return start, days


def days_between(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Uniform day numbers in ``[first, last]``, element-wise."""
    return first + (rng.random(len(first)) * (last - first + 1)).astype(np.int64)
