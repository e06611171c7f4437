"""Exceptions and findings: everything kpilib raises derives from :class:`KpiError`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem found in an input file.

    ``row`` is the row as a spreadsheet shows it (header on row 1, first data
    row is row 2), or None when the finding concerns the whole file or column.
    ``column`` is the header as the user's file names it.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, object]:
        """Return the finding as a JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", 第{self.row}行 (row {self.row})"
        if self.column is not None:
            where += f", 列 [{self.column}]"
        value = "" if self.value is None else f", 值 {self.value!r}"
        return f"{self.severity.upper()}: {where}{value}: {self.rule}"


class KpiError(Exception):
    """Base class of every error kpilib raises on purpose."""


class InputError(KpiError, ValueError):
    """Input files of a month broke the data contract; carries every finding."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        lines = "\n".join(str(f) for f in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} error(s) in the input files:\n{lines}{more}")


class SchemeError(KpiError, ValueError):
    """The scoring scheme file is invalid; the message names what is wrong."""


class ReconciliationError(KpiError, ValueError):
    """Computed money does not add up to the source total to the fen."""


class SettingsError(KpiError, ValueError):
    """The run settings file (``params/run.yaml``) is invalid; the message names what."""


class ParameterError(KpiError, ValueError):
    """A notebook parameter is unknown or of the wrong type."""


class ReportError(KpiError):
    """A report failed to execute or render; carries the failing cell and error."""

    def __init__(self, report: str, *, cell: int | None, ename: str, evalue: str):
        self.report = report
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        super().__init__(f"{report}: cell {cell}: {ename}: {evalue}")
