"""Exact arithmetic for head counts, sample sizes and money (docs/methods.md §0, §1.8).

One small base module shared by :mod:`kpilib.scoring.rules` (quotas, forced distribution,
splitting money in fen) and :mod:`kpilib.stats.sampling` (allocating a sample over strata),
which are siblings and may not import each other.

- :func:`to_fraction` — the exact value of a number *as written* (``0.2`` is 1/5, not the
  binary double), refusing bools, NaN, infinities and unreadable strings by name.
- :func:`largest_remainder` — integers from exact quotas whose sum is an integer: floor
  every quota, then one more unit to the largest fractional parts, ties to the first listed
  (docs/methods.md §1.8, the largest-remainder or Hamilton method).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np

__all__ = ["largest_remainder", "to_fraction"]


def to_fraction(value: object, *, name: str = "value", nonnegative: bool = False) -> Fraction:
    """The exact value of ``value`` as written, as a :class:`~fractions.Fraction`.

    Floats are read through their shortest decimal ``repr``, so ``0.2`` is exactly 1/5 and
    ``0.7 * 90`` problems never arise downstream; ``0.1 + 0.2`` stays
    ``0.30000000000000004``, which is what was written. Ints (NumPy's too), ``Fraction``,
    ``Decimal`` and numeric strings (``"0.2"``, ``"1/5"``, ``" 3 "``) are exact already.

    Parameters
    ----------
    value : int, float, Fraction, Decimal or str
        The number.
    name : str, default "value"
        What the number is, for the error message (e.g. ``"share of grade 'A'"``).
    nonnegative : bool, default False
        Refuse negative values.

    Returns
    -------
    Fraction

    Raises
    ------
    TypeError
        A bool, or a value of another type (None, a list, ...).
    ValueError
        NaN, an infinity, an unreadable string, or a negative value with ``nonnegative``.

    Examples
    --------
    >>> to_fraction(0.2), to_fraction("1/5"), to_fraction(Decimal("0.20"))
    (Fraction(1, 5), Fraction(1, 5), Fraction(1, 5))
    >>> 90 * to_fraction(0.7)
    Fraction(63, 1)
    >>> to_fraction(-1, name="weights[2]", nonnegative=True)
    Traceback (most recent call last):
    ...
    ValueError: weights[2] must be >= 0, got -1
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a number or numeric string, got bool {value!r}")
    try:
        if isinstance(value, np.integer):
            out = Fraction(int(value))
        elif isinstance(value, Fraction | int | Decimal):
            out = Fraction(value)
        elif isinstance(value, float | np.floating):
            if not math.isfinite(float(value)):
                raise ValueError(f"{name} must be finite, got {value!r}")
            out = Fraction(repr(float(value)))
        elif isinstance(value, str):
            out = Fraction(value.strip())
        elif isinstance(value, numbers.Rational):
            out = Fraction(value.numerator, value.denominator)
        else:
            raise TypeError(
                f"{name} must be a number or numeric string, got {type(value).__name__} {value!r}"
            )
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"{name}: cannot read {value!r} as an exact number ({exc})") from exc
    if nonnegative and out < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return out


def largest_remainder(quotas: Sequence[Fraction | int]) -> list[int]:
    """Round exact quotas to integers with the same (integer) sum, by largest remainder.

    Every quota is floored; the units left over (``Σ quotas − Σ floors``, fewer than the
    number of quotas) go one each to the quotas with the largest fractional parts, ties to
    the quota listed first. Each result is therefore ``floor(q)`` or ``ceil(q)``.

    Parameters
    ----------
    quotas : sequence of Fraction or int
        Non-negative exact quotas whose sum is a whole number (e.g. ``share * n`` with
        shares summing to 1). Floats are refused: convert them with :func:`to_fraction`.

    Returns
    -------
    list of int
        In the order of ``quotas``, summing exactly to ``Σ quotas``.

    Raises
    ------
    TypeError
        A quota that is not an int or Fraction.
    ValueError
        A negative quota, or quotas whose sum is not a whole number.

    Examples
    --------
    N = 23 staff in grades of 20 % / 70 % / 10 %: quotas 4.6 / 16.1 / 2.3.

    >>> largest_remainder([Fraction(23, 5), Fraction(161, 10), Fraction(23, 10)])
    [5, 16, 2]
    >>> largest_remainder([Fraction(3, 2), Fraction(3, 2), Fraction(7)])  # tie: first listed
    [2, 1, 7]
    """
    exact: list[Fraction] = []
    for i, q in enumerate(quotas):
        if isinstance(q, bool | np.bool_) or not isinstance(q, Fraction | int | np.integer):
            raise TypeError(
                f"quotas[{i}] must be an int or Fraction, got {type(q).__name__} {q!r}; "
                "convert floats with to_fraction()"
            )
        q = Fraction(int(q)) if isinstance(q, np.integer) else Fraction(q)
        if q < 0:
            raise ValueError(f"quotas[{i}] must be >= 0, got {q}")
        exact.append(q)
    total = sum(exact, Fraction(0))
    if total.denominator != 1:
        raise ValueError(f"the quotas must sum to a whole number, got {total} (= {float(total)!r})")
    floors = [q.numerator // q.denominator for q in exact]
    left = int(total) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors
