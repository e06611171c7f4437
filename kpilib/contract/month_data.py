"""The typed container of one month's validated input tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kpilib.contract.calendar import month_as_of, month_end, month_start
from kpilib.contract.schema import TABLES, typed_frame
from kpilib.errors import Finding


@dataclass(frozen=True)
class MonthData:
    """One month of validated input, each table with the canonical columns of
    :mod:`kpilib.contract.schema` and the dtypes of :data:`kpilib.contract.schema.LOADED_DTYPES`
    (money as int64 fen, categories as codes, dates as ``datetime64``, booleans as
    ``boolean``); :func:`kpilib.contract.schema.typed_frame` builds such a table in memory.

    ``warnings`` holds the non-blocking findings of validation.
    """

    month: str
    units: pd.DataFrame
    staff: pd.DataFrame
    targets: pd.DataFrame
    activity: pd.DataFrame
    revenue: pd.DataFrame
    finance_revenue: pd.DataFrame
    contracts: pd.DataFrame
    tickets: pd.DataFrame
    inspections: pd.DataFrame
    training: pd.DataFrame
    submissions: pd.DataFrame
    centre_results: pd.DataFrame
    expenses: pd.DataFrame
    audit_findings: pd.DataFrame
    #: optional: an empty register when the month has no adjustments file
    adjustments: pd.DataFrame = field(default_factory=lambda: typed_frame("adjustments"))
    #: optional: an empty plan when the month has no training plan file
    training_plan: pd.DataFrame = field(default_factory=lambda: typed_frame("training_plan"))
    warnings: tuple[Finding, ...] = field(default_factory=tuple)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return table name -> DataFrame, in the order of the data contract."""
        return {name: getattr(self, name) for name in TABLES}

    @property
    def month_start(self) -> pd.Timestamp:
        """The first day of the month (midnight)."""
        return month_start(self.month)

    @property
    def month_end(self) -> pd.Timestamp:
        """The last day of the month (midnight)."""
        return month_end(self.month)

    @property
    def as_of(self) -> pd.Timestamp:
        """The month's closing instant (last day, 23:59:59): what time-based checks use."""
        return month_as_of(self.month)
