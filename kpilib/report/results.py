"""The month's shared results as one object: what a notebook reads.

In a notebook::

    results = kpilib.open_results("2026-10")       # a Results
    results.headline                                # the units' league table
    results.for_unit("X03").staff_scorecard         # X03's staff only, masked

Every table is an attribute (tab completion in JupyterLab lists them); a table is read
from its parquet file on first use and kept, and read once per process while the file is
unchanged (:func:`kpilib.report.store.read_result_once`), so the reports of a warm kernel
do not read the same tables again. :meth:`Results.for_unit` returns the same
object restricted to one unit: every table with a ``unit_code`` column keeps that unit's
rows only, with phone and ID numbers masked (:func:`kpilib.report.privacy.for_unit`);
department-wide tables without a unit (the rank basis, the funnel limits) are unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpilib.report.privacy import for_unit
from kpilib.report.store import read_result_once, stored_tables


class Results:
    """The shared results stored in ``folder``, one attribute per table.

    Parameters
    ----------
    folder : the run's shared results folder (``outputs/YYYY-MM/data``).
    unit_code : when given, every unit-level table is restricted to this unit.

    Raises
    ------
    AttributeError
        On a table the folder does not hold, naming the tables it has.
    """

    def __init__(self, folder: str | Path, *, unit_code: str | None = None) -> None:
        self._folder = Path(folder)
        self._unit_code = unit_code
        self._cache: dict[str, pd.DataFrame] = {}

    @property
    def folder(self) -> Path:
        """Where the tables are stored."""
        return self._folder

    @property
    def unit_code(self) -> str | None:
        """The unit the tables are restricted to, or None for the department."""
        return self._unit_code

    @property
    def names(self) -> list[str]:
        """The names of the stored tables, sorted."""
        return stored_tables(self._folder)

    def for_unit(self, unit_code: str) -> Results:
        """The same results restricted to ``unit_code`` (personal numbers masked).

        Raises
        ------
        ValueError
            If ``unit_code`` is not a unit of the month's ``units`` table.
        """
        known = set(self.table("units")["unit_code"].astype(str))
        if unit_code not in known:
            raise ValueError(
                f"no unit {unit_code!r} in the results at {self._folder} "
                f"(units are {', '.join(sorted(known))})"
            )
        return Results(self._folder, unit_code=unit_code)

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (restricted to the unit when there is one); a copy."""
        if name not in self._cache:
            # read once per process (a warm kernel's reports share it); never modified here
            frame = read_result_once(self._folder, name)
            if self._unit_code is not None and "unit_code" in frame.columns:
                frame = for_unit(frame, self._unit_code).reset_index(drop=True)
            self._cache[name] = frame
        return self._cache[name].copy()

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.table(name)
        except FileNotFoundError as exc:
            raise AttributeError(str(exc)) from None

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.names})

    def __repr__(self) -> str:
        unit = f", unit_code={self._unit_code!r}" if self._unit_code else ""
        return f"Results({str(self._folder)!r}{unit}: {len(self.names)} tables)"
