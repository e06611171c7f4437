"""Counting per group with every expected group present: the duty tables' common step.

:func:`tally` counts per group; :func:`rate` divides two of its counts.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def tally(
    frame: pd.DataFrame,
    index: pd.Index,
    *,
    sums: Mapping[str, str],
    means: Mapping[str, str] | None = None,
    size: str | None = None,
) -> pd.DataFrame:
    """Sum counts and average values per group, listing every group of ``index``.

    A group with no rows counts 0 and averages NaN: a unit with nothing to count is
    shown, never dropped.

    Parameters
    ----------
    frame : rows to count; it has the column(s) named by ``index.names``.
    index : every group to report, named after the grouping column(s).
    sums : output column -> column of ``frame`` to sum (0/1 flags or counts); int64.
    means : output column -> column of ``frame`` to average; float64.
    size : output column for the number of rows of each group (int64), first; None: none.

    Returns
    -------
    DataFrame indexed by ``index``: the ``size`` column, the ``sums`` columns, then the
    ``means`` columns.

    Examples
    --------
    >>> rows = pd.DataFrame({"unit_code": ["X01", "X01"], "late": [1, 0], "days": [2.0, 0.0]})
    >>> tally(rows, pd.Index(["X01", "X02"], name="unit_code"), size="due",
    ...       sums={"late": "late"}, means={"mean_days": "days"}).reset_index()
      unit_code  due  late  mean_days
    0       X01    2     1        1.0
    1       X02    0     0        NaN
    """
    means = dict(means or {})
    keys = list(index.names)
    missing = sorted({*sums.values(), *means.values(), *keys} - set(frame.columns))
    if missing:
        raise ValueError(
            f"cannot tally: no column(s) {missing} (columns are {list(frame.columns)})"
        )
    aggregations = {size: (keys[0], "size")} if size else {}
    aggregations |= {out: (col, "sum") for out, col in sums.items()}
    aggregations |= {out: (col, "mean") for out, col in means.items()}
    counted = frame.groupby(keys, observed=True).agg(**aggregations).reindex(index)
    for column in [size, *sums] if size else sums:
        counted[column] = counted[column].fillna(0).astype("int64")
    for column in means:
        counted[column] = counted[column].astype("float64")
    return counted


def rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator``, NaN where the denominator is 0.

    With nothing to count (nothing closed, nothing due, nobody assessed) a rate is not
    applicable: NaN, neither 0 % nor 100 %.

    Parameters
    ----------
    numerator, denominator : aligned counts (or sums), e.g. two columns of :func:`tally`.

    Returns
    -------
    Series of float, the quotient; NaN where ``denominator`` is not positive.

    Examples
    --------
    >>> rate(pd.Series([1, 0]), pd.Series([2, 0])).tolist()
    [0.5, nan]
    """
    return numerator / denominator.where(denominator > 0)
