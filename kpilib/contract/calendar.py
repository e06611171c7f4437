"""Months and the instant a month is judged at, declared once.

A month is written ``YYYY-MM`` everywhere (folders, parameters, the command line).
A month is judged at its closing instant, the last day at 23:59:59 (:func:`month_as_of`):
every time-based fact (a ticket on time, a report late, a finding overdue) is decided
against that instant, never against the wall clock.
"""

from __future__ import annotations

import re

import pandas as pd

#: A month as ``YYYY-MM``.
MONTH_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def check_month(month: object) -> str:
    """Return ``month`` if it is a ``YYYY-MM`` month; raise ValueError naming it otherwise.

    >>> check_month("2026-10")
    '2026-10'
    >>> check_month("2026-13")
    Traceback (most recent call last):
    ...
    ValueError: month must look like 2026-10 (YYYY-MM), got '2026-13'
    """
    if not isinstance(month, str) or not MONTH_PATTERN.fullmatch(month):
        raise ValueError(f"month must look like 2026-10 (YYYY-MM), got {month!r}")
    return month


def month_start(month: str) -> pd.Timestamp:
    """The first day of ``month`` at midnight."""
    return pd.Timestamp(f"{check_month(month)}-01")


def month_end(month: str) -> pd.Timestamp:
    """The last day of ``month`` at midnight."""
    return month_start(month) + pd.offsets.MonthEnd(0)


def month_as_of(month: str) -> pd.Timestamp:
    """The month's closing instant: its last day at 23:59:59.

    >>> month_as_of("2026-02")
    Timestamp('2026-02-28 23:59:59')
    """
    return month_end(month) + pd.Timedelta(hours=23, minutes=59, seconds=59)


def months_back(month: str, count: int) -> list[str]:
    """The ``count`` months ending with ``month``, oldest first.

    >>> months_back("2026-02", 3)
    ['2025-12', '2026-01', '2026-02']
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count!r}")
    period = pd.Period(check_month(month), freq="M")
    return [str(period - k) for k in range(count - 1, -1, -1)]


def as_of_timestamp(as_of: object) -> pd.Timestamp:
    """``as_of`` as a timestamp; ValueError naming it when it is not a date and time.

    What every duty function calls on its ``as_of`` argument.

    >>> as_of_timestamp("2026-10-31 23:59:59")
    Timestamp('2026-10-31 23:59:59')
    """
    try:
        stamp = pd.Timestamp(as_of) if as_of is not None else pd.NaT
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"as_of must be a date and time, got {as_of!r}")
    return stamp
