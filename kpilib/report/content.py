"""What a report reads, hashed: the fingerprint that decides whether it must be rerun.

A unit's report reads the tables its notebook names: through the unit's view
(``unit = results.for_unit(unit_code)``, then ``unit.<table>``: its own rows of a
unit-level table, a table without units whole) and whole (``results.<table>``, e.g.
every peer's rank interval). :func:`tables_read` finds those names in the notebook's
code and :func:`report_hashes` hashes exactly that per report, so an input change that
moves one unit's figures reruns that unit's report (and the summary), not the other
units' whose content is unchanged.
The department's reports (summary, sampling plan) read everything.

Hashes are of the table contents (column names, dtypes and values, row order
included) with :func:`pandas.util.hash_pandas_object`; masking (``for_unit``) is a
function of the content, so it need not be applied before hashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["TablesRead", "report_hashes", "tables_digest", "tables_read"]

_UNIT = "unit_code"
_VIEW = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*results\.for_unit\(")
_METHODS = frozenset({"for_unit", "names", "folder", "unit_code"})


@dataclass(frozen=True)
class TablesRead:
    """The tables a unit report's notebook reads: through the unit's view, and whole."""

    via_unit: frozenset[str]
    whole: frozenset[str]
    #: the notebook reads stored tables some other way (``read_result``, parquet):
    #: what it reads is unknown, so every table counts
    everything: bool = False


def tables_read(notebook: str | Path) -> TablesRead:
    """The tables a unit report's notebook names in its code cells.

    ``results.<name>`` is read whole; ``<view>.<name>``, where
    ``<view> = results.for_unit(...)``, through the unit's view. Methods and
    properties of :class:`kpilib.report.results.Results` are left out.
    """
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")

    def attributes(name: str) -> frozenset[str]:
        found = re.findall(rf"\b{re.escape(name)}\.([a-z_][a-z0-9_]*)\b", code)
        return frozenset(found) - _METHODS

    views = set(_VIEW.findall(code))
    via_unit = frozenset().union(*(attributes(v) for v in views)) if views else frozenset()
    opaque = re.search(r"\b(read_result|read_parquet|read_result_once)\(", code) is not None
    return TablesRead(via_unit=via_unit, whole=attributes("results"), everything=opaque)


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _layout(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    return list(map(str, frame.columns)), [str(t) for t in frame.dtypes]


def _table_digest(name: str, frame: pd.DataFrame, rows: np.ndarray) -> str:
    return _rows_digest(name, _layout(frame), rows)


def _rows_digest(name: str, layout: tuple[list[str], list[str]], rows: np.ndarray) -> str:
    return _digest(name, layout, hashlib.sha256(rows.tobytes()).hexdigest())


def _unit_digests(
    name: str, frame: pd.DataFrame, rows: np.ndarray, wanted: list[str]
) -> dict[str, str]:
    """:func:`_table_digest` of each wanted unit's rows of ``frame`` (in their order)."""
    codes = frame[_UNIT].astype(str).to_numpy()
    # one stable sort instead of one comparison of the whole column per unit: the
    # runner hashes every unit's rows of every table before each run
    order = np.argsort(codes, kind="stable")
    present, starts = np.unique(codes[order], return_index=True)
    ends = [*starts[1:], len(codes)] if len(codes) else []
    slices = {str(c): order[a:b] for c, a, b in zip(present, starts, ends, strict=True)}
    layout = _layout(frame)
    none = np.array([], dtype=np.intp)
    return {code: _rows_digest(name, layout, rows[slices.get(code, none)]) for code in wanted}


def tables_digest(tables: Mapping[str, pd.DataFrame]) -> str:
    """One hash of several tables' names, columns, dtypes and values (row order included).

    What a cache of work done on a month's tables is keyed by (e.g. its scoring,
    :func:`kpilib.report.shared.build_shared_results`): equal for equal tables, whoever
    made them, and different as soon as one value is.
    """
    return _digest(
        *(_table_digest(name, tables[name], _row_hashes(tables[name])) for name in sorted(tables))
    )


def report_hashes(
    shared: Mapping[str, pd.DataFrame], *, units: Iterable[str], read: TablesRead
) -> dict[str, str]:
    """One content hash per unit's report and one for the department's reports.

    Parameters
    ----------
    shared : the month's shared results (table name -> DataFrame).
    units : unit codes whose report hash is wanted.
    read : what the unit report's notebook reads (:func:`tables_read`); a name that is
        not a shared table (a typo in a notebook) is hashed as absent.

    Returns
    -------
    dict
        unit code -> hash of what its report reads, and ``""`` -> hash of all tables
        (what the summary and the sampling plan read).
    """
    common: list[str] = []
    everything: list[str] = []
    per_unit_tables: list[tuple[str, pd.DataFrame, np.ndarray]] = []
    for name in sorted(shared):
        frame = shared[name]
        rows = _row_hashes(frame)
        digest = _table_digest(name, frame, rows)
        everything.append(digest)
        restricted = name in read.via_unit and _UNIT in frame.columns
        if name in read.whole or (name in read.via_unit and not restricted):
            common.append(digest)
        if restricted:
            per_unit_tables.append((name, frame, rows))
    common.append(_digest(sorted(read.via_unit - set(shared)), sorted(read.whole - set(shared))))
    wanted = [str(u) for u in units]
    parts: dict[str, list[str]] = {code: list(common) for code in wanted}
    for name, frame, rows in per_unit_tables:
        for code, digest in _unit_digests(name, frame, rows, wanted).items():
            parts[code].append(digest)
    out = {code: _digest(*digests) for code, digests in parts.items()}
    out[""] = _digest(*everything)
    if read.everything:
        out = dict.fromkeys(out, out[""])
    return out
