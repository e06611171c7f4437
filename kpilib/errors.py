"""Exceptions and findings: everything kpilib raises derives from :class:`KpiError`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


def printable(text: str) -> str:
    r"""``text`` with every character a terminal could act on escaped, ``repr``-style.

    Control characters (C0, C1, DEL), format characters such as bidirectional
    overrides, line and paragraph separators and unassigned code points become
    ``\x1b``, ``\r``, ``\u202e``...; everything else, Chinese included, is kept.
    A file name, header or cell of a hostile file thus cannot move the cursor,
    recolour or rewrite what ``kpi validate`` prints.

    >>> print(printable("工号\x1b[31m\r"))
    工号\x1b[31m\r
    >>> printable("城东 有限公司")
    '城东 有限公司'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Finding:
    """One problem found in an input file.

    ``row`` is the row as a spreadsheet shows it (header on row 1, first data
    row is row 2), or None when the finding concerns the whole file or column.
    ``column`` is the header as the user's file names it. Printed (``str``) and
    exported (:meth:`to_dict`) text has its control characters escaped
    (:func:`printable`); the attributes hold the text as found.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, object]:
        """Return the finding as a JSON-ready dict, control characters escaped."""

        def shown(text: str | None) -> str | None:
            return None if text is None else printable(text)

        return {
            "file": shown(self.file),
            "row": self.row,
            "column": shown(self.column),
            "value": shown(self.value),
            "rule": shown(self.rule),
            "severity": self.severity,
        }

    def __str__(self) -> str:
        where = printable(self.file)
        if self.row is not None:
            where += f", 第{self.row}行 (row {self.row})"
        if self.column is not None:
            where += f", 列 [{printable(self.column)}]"
        value = "" if self.value is None else f", 值 {self.value!r}"  # repr escapes
        return f"{self.severity.upper()}: {where}{value}: {printable(self.rule)}"


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


class OutputError(KpiError):
    """The output folder cannot be used (not writable, or a file); the message says which."""


class RunLockedError(KpiError):
    """Another run is working on the same month's output folder; names its process."""


class RunInterrupted(KpiError):
    """The run was stopped (Ctrl-C, SIGTERM) or reached its deadline; says what finished."""
