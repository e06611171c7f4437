"""Canonical frames: a table's columns in contract order and dtypes, and numbered ids.

Every part of the generator hands its table over in this form (money in int64 fen,
category codes, ``datetime64`` dates, ``boolean`` flags); only :mod:`kpilib.sample.files`
turns it into what an export shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.schema import TABLES


def frame(table_name: str, data: dict[str, object]) -> pd.DataFrame:
    """Build a canonical frame of ``table_name`` from column -> values, in contract order."""
    table = TABLES[table_name]
    columns = {}
    for col in table.columns:
        values = data[col.name]
        if col.kind in ("str", "category"):
            series = pd.Series(np.asarray(values, dtype=object), dtype="str")
        elif col.kind in ("int", "money"):
            series = pd.Series(np.asarray(values, dtype=np.int64))
        elif col.kind == "float":
            series = pd.Series(np.asarray(values, dtype=float))
        elif col.kind == "bool":
            series = pd.Series(pd.array(values, dtype="boolean"))
        else:  # date or datetime
            series = pd.Series(np.asarray(values, dtype="datetime64[us]"))
        columns[col.name] = series
    return pd.DataFrame(columns)


def empty_frame(table_name: str) -> pd.DataFrame:
    """The canonical frame of ``table_name`` without rows."""
    return frame(table_name, {c: [] for c in TABLES[table_name].column_names})


def numbered(prefix: str, n: int, *, width: int = 6) -> np.ndarray:
    """Return ``n`` identifiers ``prefix`` + 1, 2, ... zero-padded to at least ``width`` digits.

    >>> numbered("GD202610", 2).tolist()
    ['GD202610000001', 'GD202610000002']
    """
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
