"""Read and validate one month of input files against the data contract.

This is the only module that reads the month's exports. Every table of
:data:`kpilib.contract.schema.TABLES` is looked up as ``data_dir/YYYY-MM/<file_stem>.csv``
or ``.xlsx``; all cells are read as text first (nothing is coerced silently),
converted per column kind, then validated with a pandera schema derived from the
contract. Every problem becomes a :class:`~kpilib.errors.Finding` that names the
file as on disk, the row as a spreadsheet shows it (header on row 1, first data
row is row 2), the column as the file names it, and the value as written.

Decisions recorded here (and to be mirrored in ``docs/data-contract.md``):

* The header must be on row 1. If it is found further down the first
  :data:`HEADER_SEARCH_ROWS` rows (title rows above it), that is an **error**
  naming the row; the rows under it are still checked so that one pass reports
  everything.
* A table with a header but no data rows is an error for :data:`MUST_HAVE_ROWS`,
  fine for :data:`MAY_BE_EMPTY`, and a warning for every other table.
* Unknown extra columns are a warning and are dropped from the loaded frame.
* Rows that are entirely blank are skipped silently (their row numbers are kept).
* At most :data:`MAX_FINDINGS_PER_RULE` findings are listed per file, column and
  rule; one more finding then says how many further rows break the same rule.

Hostile input is normal input: whatever a file holds, the result is findings, never a
traceback.

* Only regular files are read. A symbolic link, folder, FIFO, device or socket under a
  table's file name is an error and is not opened (nor is its target named).
* A CSV must be text: a zip (an Excel workbook or another archive), an old ``.xls``,
  UTF-16 (with or without byte-order mark) or a binary file is an error naming what
  it is. An ``.xlsx`` that is CSV text, a plain zip or an ``.xls`` likewise.
* Text decoded without error but holding private-use or U+FFFD replacement
  characters was written in another encoding (Big5, for one, decodes as GB18030
  into such characters): an error naming the encodings tried; the file is not read
  further.
* Numbers, money and dates take ASCII digits only: full-width (``１２３``) or other
  non-ASCII digits are refused with the cell named, never normalised silently.
  Thousands separators must group three digits (``1,234,567.89``); ``1,50`` is refused.
* Dates must lie in :data:`EARLIEST_DATE` .. :data:`LATEST_DATE`.
* Cells that are not data are refused with the cell named: a NUL byte, an Excel
  error value (``#N/A``, ``#REF!``...), an xlsx formula without a cached value, and
  in key and identifier columns a placeholder (``N/A``, ``null``, ``None``, ``-``...).
* Money above :data:`IMPLAUSIBLE_YUAN` in a single row is a warning.
* Unless ``params_dir`` is None, the month is also checked against the parameter
  files ``kpi run`` needs: ``scheme-YYYY.yaml`` must exist (an error otherwise) and
  every expense category must be in ``budget-YYYY.yaml`` (a warning when the year has
  no budget file).
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pandera.pandas as pa
import yaml
from pandera.errors import SchemaErrors

from kpilib.contract.calendar import MONTH_PATTERN
from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import (
    ADJUSTMENT_KINDS,
    EXCLUDABLE_RECORDS,
    ROLE_LIST_PATTERN,
    TABLES,
    AdjustmentVocabulary,
    Column,
    Table,
    typed_frame,
)
from kpilib.errors import Finding, InputError, Severity
from kpilib.paths import PARAMS_DIR, PROJECT_DIR

__all__ = ["adjustment_number", "load_month", "validate_month"]

#: The header row is looked for in this many rows at the top of a file.
HEADER_SEARCH_ROWS = 10
#: Findings listed per (file, column, rule) before the rest are summarised.
MAX_FINDINGS_PER_RULE = 200
#: Tables that must hold at least one data row (header only is an error).
MUST_HAVE_ROWS = frozenset({"units", "staff", "activity"})
#: Tables that may legitimately be empty in a month (header only is fine).
MAY_BE_EMPTY = frozenset({"audit_findings", "expenses", "training", "centre_results"})

#: Plausible dates: a date outside this range is an error (9999-12-31 is a placeholder,
#: 1900-01-01 an Excel zero). Raise EARLIEST_DATE if staff hired before 2000 appear.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)

#: (table, money column) -> yuan above which a single row is a warning (implausible,
#: probably fen written as yuan or a typo). Not in params/run.yaml: the run settings
#: loader accepts no other keys.
IMPLAUSIBLE_YUAN = {
    ("revenue", "amount_fen"): 10_000_000,
    ("finance_revenue", "amount_fen"): 10_000_000,
    ("expenses", "amount_fen"): 1_000_000,
    ("activity", "collected_fen"): 100_000_000,
    ("activity", "billed_fen"): 100_000_000,
}

#: Placeholders refused in key and identifier columns (compared case-insensitively,
#: after NFKC, so full-width forms are caught too).
PLACEHOLDERS = frozenset(
    {"#n/a", "n/a", "na", "n.a.", "null", "none", "nan", "nil", "-", "--", "—", "/", "?"}
)
#: Excel's error values: never data, in any column.
EXCEL_ERRORS = frozenset(
    {
        "#n/a",
        "#value!",
        "#ref!",
        "#div/0!",
        "#num!",
        "#name?",
        "#null!",
        "#getting_data",
        "#spill!",
        "#calc!",
        "#field!",
        "#blocked!",
        "#unknown!",
        "#busy!",
    }
)

#: Accepted spellings of booleans (compared case-insensitively).
BOOL_WORDS = {
    "是": True,
    "否": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
}


@dataclass(frozen=True)
class _Order:
    """Cross-field rule: ``later`` must not be less than ``earlier`` when both are given.

    Rows where ``unless_zero`` is 0 are exempt (a target of 0 means "no target").
    """

    table: str
    earlier: str
    later: str
    unless_zero: str | None = None


#: Cross-field rules; candidates for a declaration in :mod:`kpilib.contract.schema`.
ORDER_RULES = (
    _Order("staff", "hire_date", "leave_date"),
    _Order("targets", "base", "target", unless_zero="target"),
    _Order("targets", "target", "challenge", unless_zero="target"),
    _Order("tickets", "opened_at", "closed_at"),
    _Order("audit_findings", "raised_date", "due_date"),
    _Order("audit_findings", "raised_date", "closed_date"),
)

#: Friendlier words for the contract's patterns; the regular expression is the fallback.
_PATTERN_HINTS = {
    r"1[3-9]\d{9}": "11位手机号, 如 13812345678 (11-digit mobile number starting with 1)",
    r"\d{17}[\dX]": "18位身份证号, 末位可为X (18-character resident ID, last may be X)",
    r"S\d{5,7}": "工号为 S 加5至7位数字, 如 S00012 (S followed by 5-7 digits)",
    r"(X|Z)\d{2,4}": "单位编码为 X 或 Z 加2至4位数字, 如 X01 (X or Z followed by 2-4 digits)",
    r"\d+(\.\d+)*": "条款号如 7.5.3 (clause number such as 7.5.3)",
    ROLE_LIST_PATTERN: "岗位名称, 多个岗位用、分隔, 如 集团客户经理、服务人员 "
    "(roles: 集团客户经理, 服务人员, 支撑人员, separated by 、): 更正为岗位名称",
}

#: dtype of each kind while validating (nullable, so unparsable cells can be NA).
_VALIDATION_DTYPE = {
    "str": "str",
    "category": "str",
    "int": "Int64",
    "money": "Int64",
    "float": "float64",
    "date": "datetime64[ns]",
    "datetime": "datetime64[ns]",
    "bool": "boolean",
}

# ASCII digits only ([0-9], never \d, which matches full-width and other digits too).
_INT_RE = r"[+-]?(?:[0-9]{1,15}|[0-9]{1,3}(?:,[0-9]{3}){1,4})(?:\.0*)?"
_GROUPED_RE = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
_MONEY_RE = r"[+-]?(?:[0-9]{1,13}|[0-9]{1,3}(?:,[0-9]{3}){1,4})(?:\.[0-9]{0,2})?"
#: money the fast pattern leaves to Decimal: more decimals, scientific notation, grouping
_MONEY_SLOW_RE = re.compile(
    r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]{1,3})?"
)
_DATE_RE = (
    r"^(?P<year>[0-9]{4})\s*[-/.年]\s*(?P<month>[0-9]{1,2})\s*[-/.月]\s*(?P<day>[0-9]{1,2})"
    r"\s*日?(?:[ T]+(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])"
    r"(?::(?P<second>[0-5][0-9])(?:\.[0-9]+)?)?)?$"
)
#: a non-ASCII digit (full-width １, Arabic-Indic ١...) or a full-width sign or letter
_WIDE_RE = r"(?![0-9])\d|[\uff01-\uff5e]"
#: characters a correct decoding does not produce: private use and U+FFFD
_MISDECODED_RE = re.compile("[\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")
#: digits, dots and commas: a number, were it not for the commas (1,50 or 1.234,56)
_COMMA_SHAPE_RE = re.compile(r"[+-]?[0-9.,]*[0-9][0-9.,]*")
_COMMA_RULE = (
    "千位分隔符位置不对 (misplaced comma: thousands separators must group three digits, "
    "e.g. 1,234,567.89; a decimal comma such as 1,50 is not accepted): 更正该值 (correct it)"
)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def validate_month(
    data_dir: str | Path,
    month: str,
    *,
    params_dir: str | Path | None = PARAMS_DIR,
    vocabulary: AdjustmentVocabulary | None = None,
) -> list[Finding]:
    """Check one month's input files and return every finding.

    Parameters
    ----------
    data_dir : folder holding one ``YYYY-MM/`` folder per month.
    month : the month, ``YYYY-MM``.
    params_dir : folder of ``scheme-YYYY.yaml`` and ``budget-YYYY.yaml``, checked as
        ``kpi run`` needs them; None skips them (an earlier month read for a trend).
    vocabulary : the year's indicators and vetoes
        (:meth:`kpilib.scoring.scheme.Scheme.adjustment_vocabulary`), against which the
        adjustments register is checked; None checks its rows without the scheme (its
        indicators are then checked when it is scored).

    Returns
    -------
    list of Finding
        Errors and warnings of all files, in the order of the data contract,
        then by row. Empty when the month is clean. Nothing is written anywhere.

    Raises
    ------
    ValueError
        If ``month`` is not of the form ``YYYY-MM``.
    """
    findings, _ = _check_month(Path(data_dir), month, params_dir, vocabulary)
    return findings


def load_month(
    data_dir: str | Path,
    month: str,
    *,
    params_dir: str | Path | None = PARAMS_DIR,
    vocabulary: AdjustmentVocabulary | None = None,
) -> MonthData:
    """Read, convert and validate one month's input files.

    Parameters
    ----------
    data_dir : folder holding one ``YYYY-MM/`` folder per month.
    month : the month, ``YYYY-MM``.
    params_dir : folder of ``scheme-YYYY.yaml`` and ``budget-YYYY.yaml``, checked as
        ``kpi run`` needs them; None skips them (an earlier month read for a trend).
    vocabulary : the year's indicators and vetoes
        (:meth:`kpilib.scoring.scheme.Scheme.adjustment_vocabulary`), against which the
        adjustments register is checked; None checks its rows without the scheme (its
        indicators are then checked when it is scored).

    Returns
    -------
    MonthData
        Each table with the canonical columns of :mod:`kpilib.contract.schema` in contract
        order and a fresh ``RangeIndex``: ``str`` and ``category`` columns as
        pandas ``str`` (categories hold codes), ``int`` and ``money`` as
        ``int64`` (money in fen), ``float`` as ``float64``, ``date`` and
        ``datetime`` as ``datetime64[ns]``, ``bool`` as nullable ``boolean``.
        ``warnings`` holds the non-blocking findings.

    Raises
    ------
    InputError
        If any file breaks the contract; ``.findings`` lists every finding.
    ValueError
        If ``month`` is not of the form ``YYYY-MM``.
    """
    findings, reads = _check_month(Path(data_dir), month, params_dir, vocabulary)
    if any(f.severity == "error" for f in findings):
        raise InputError(findings)
    frames = {name: _finalise(reads[name]) for name in TABLES}
    return MonthData(month=month, **frames, warnings=tuple(findings))


# ---------------------------------------------------------------------------
# one table as read
# ---------------------------------------------------------------------------


@dataclass
class _TableRead:
    """A table on its way from the file to a typed frame, with its findings."""

    table: Table
    file: str
    #: cells as written, canonical column names, index = spreadsheet row number
    raw: pd.DataFrame | None = None
    #: the same cells stripped of surrounding whitespace
    text: pd.DataFrame | None = None
    #: converted values, same index and columns as ``raw``
    typed: pd.DataFrame | None = None
    #: canonical name -> header as the file names it
    headers: dict[str, str] = field(default_factory=dict)
    #: canonical name -> rows whose cell could not be converted (already reported)
    unparsed: dict[str, pd.Index] = field(default_factory=dict)
    #: (spreadsheet row, column position) -> xlsx formula that has no cached value
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    #: canonical name -> data rows holding such a formula
    formula_rows: dict[str, list[int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        row: int | None,
        column: str | None,
        value: str | None,
        rule: str,
        severity: Severity = "error",
    ) -> None:
        self.findings.append(Finding(self.file, row, column, value, rule, severity))

    def header(self, name: str) -> str:
        """The header the file uses for canonical column ``name``."""
        return self.headers.get(name) or self.table.column(name).alias

    def add_cells(self, name: str, rows: pd.Index, rule: str, severity: Severity = "error") -> None:
        """Add one finding per row of column ``name``, capped per rule."""
        assert self.raw is not None
        values = self.raw[name]
        shown = rows[:MAX_FINDINGS_PER_RULE]
        column = self.header(name)
        for row in shown:
            self.add(int(row), column, str(values.loc[row]), rule, severity)
        if len(rows) > len(shown):
            more = len(rows) - len(shown)
            self.add(
                None, column, None, f"…另有 {more} 行同样问题 ({more} more rows): {rule}", severity
            )

    @property
    def usable(self) -> bool:
        return self.typed is not None


# ---------------------------------------------------------------------------
# the month
# ---------------------------------------------------------------------------


def _check_month(
    data_dir: Path,
    month: str,
    params_dir: str | Path | None,
    vocabulary: AdjustmentVocabulary | None,
) -> tuple[list[Finding], dict[str, _TableRead]]:
    if not MONTH_PATTERN.fullmatch(str(month)):
        raise ValueError(f"month must look like 2026-10, got {month!r}")
    month_dir = data_dir / month
    if not month_dir.is_dir():
        finding = Finding(
            f"{month}/",
            None,
            None,
            str(month_dir),
            f"月份文件夹不存在 (month folder not found): 把 {month} 的文件放进 {month_dir}/",
        )
        return [finding], {}
    start = pd.Timestamp(f"{month}-01")
    bounds = (month, start, start + pd.offsets.MonthBegin(1))

    reads = {name: _read_table(month_dir, table) for name, table in TABLES.items()}
    for tr in reads.values():
        if tr.usable:
            _validate_table(tr, reads, bounds)
    _warn_staff_without_activity(reads)
    _warn_unknown_products(reads)
    _warn_unknown_courses(reads)
    _check_adjustments(reads, vocabulary)
    for tr in reads.values():
        if tr.usable:
            _warn_identical_content(tr)
            _warn_implausible_amounts(tr)

    findings = _unknown_files(month_dir)
    if params_dir is not None:
        findings.extend(_check_params(Path(params_dir), month, reads["expenses"]))
    for tr in reads.values():
        positions = {h: i for i, h in enumerate(tr.headers.values())}
        findings.extend(
            sorted(
                tr.findings,
                key=lambda f: (f.row is not None, f.row or 0, positions.get(f.column or "", -1)),
            )
        )
    return findings, reads


def _unknown_files(month_dir: Path) -> list[Finding]:
    expected = {f"{t.file_stem}{ext}" for t in TABLES.values() for ext in (".csv", ".xlsx")}
    return [
        Finding(
            path.name,
            None,
            None,
            None,
            "文件不在数据约定中, 已忽略 (file not in the data contract, ignored): "
            "检查文件名 (check its name if it should be read)",
            "warning",
        )
        for path in sorted(month_dir.iterdir())
        if path.is_file() and not path.name.startswith((".", "~$")) and path.name not in expected
    ]


def _entry_kind(path: Path) -> str | None:
    """What is at ``path`` without following a link: 'file', 'link', 'folder', 'special'.

    None when nothing is there.
    """
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError:
        return "special"  # e.g. a name too long or a folder without permission
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


_NOT_A_FILE = {
    "link": "是符号链接, 未读取 (a symbolic link, not read: inputs must be regular files): "
    "把实际文件复制到此处 (copy the real file here)",
    "folder": "是文件夹而非文件 (a folder named like a file, not read): "
    "放入导出的文件本身 (put the exported file itself here)",
    "special": "不是普通文件, 未读取 (not a regular file: a FIFO, device or socket, not read): "
    "放入导出的文件本身 (put the exported file itself here)",
}


def _read_table(month_dir: Path, table: Table) -> _TableRead:
    csv_path = month_dir / f"{table.file_stem}.csv"
    xlsx_path = month_dir / f"{table.file_stem}.xlsx"
    tr = _TableRead(table, csv_path.name)
    present = [p for p in (csv_path, xlsx_path) if _entry_kind(p) is not None]
    if len(present) == 2:
        tr.add(
            None,
            None,
            None,
            f"{csv_path.name} 与 {xlsx_path.name} 同时存在 (both files exist): "
            "只保留一个 (keep exactly one)",
        )
        return tr
    if not present and table.optional:
        tr.typed = typed_frame(table.name)
        return tr
    if not present:
        tr.add(
            None,
            None,
            None,
            f"缺少文件 (missing file): 需要 {csv_path.name} 或 {xlsx_path.name} "
            f"({table.title}, put one of them in {month_dir.name}/)",
        )
        return tr
    path = present[0]
    tr.file = path.name
    data = _read_bytes(path, tr)
    if data is None:
        return tr
    if not data:
        tr.add(None, None, None, "文件为空 (empty file, 0 bytes): 重新导出 (export it again)")
        return tr
    cells = _read_csv_cells(data, tr) if path.suffix == ".csv" else _read_xlsx_cells(data, tr)
    if cells is None:
        return tr
    if not _take_header(cells, tr):
        return tr
    tr.typed = _convert(tr)
    return tr


def _read_bytes(path: Path, tr: _TableRead) -> bytes | None:
    """The bytes of ``path`` if it is a regular file; otherwise a finding and None.

    The file is opened without following a link and without blocking (a FIFO would
    wait for a writer), and checked again once open.
    """
    kind = _entry_kind(path)
    if kind != "file":
        tr.add(None, None, None, _NOT_A_FILE[kind or "special"])
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        tr.add(
            None,
            None,
            None,
            f"无法读取 (cannot read the file: {exc.strerror}): "
            "检查文件权限 (check its permissions)",
        )
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            tr.add(None, None, None, _NOT_A_FILE["special"])
            return None
        return file.read()


# ---------------------------------------------------------------------------
# reading cells as text
# ---------------------------------------------------------------------------


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old Office format
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _zip_kind(data: bytes) -> str:
    """'workbook' for an xlsx (a zip holding ``xl/workbook.xml``), 'zip' for another zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    return "workbook" if "xl/workbook.xml" in names else "zip"


def _utf16_without_bom(data: bytes) -> bool:
    r"""Whether ``data`` reads as comma-separated UTF-16 text (little or big endian).

    >>> _utf16_without_bom("工号,姓名\r\n".encode("utf-16-le"))
    True
    >>> _utf16_without_bom(b"S0001,\x00,1\r\n")
    False
    """
    sample = data[: 1 << 16]
    sample = sample[: len(sample) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = sample.decode(encoding, errors="replace")
        readable = sum(c.isprintable() or c in "\r\n\t" for c in text)
        if "," in text and "\n" in text and "\x00" not in text and readable > 0.95 * len(text):
            return True
    return False


def _binary(data: bytes) -> bool:
    r"""Whether ``data`` is not text: many control bytes (tab, line breaks, ESC excepted).

    >>> _binary(bytes(range(256)) * 4), _binary("工号,姓名\r\nS0001,张\x00三\r\n".encode())
    (True, False)
    """
    sample = data[: 1 << 16]
    controls = sum(sample.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(sample)


def _read_csv_cells(data: bytes, tr: _TableRead) -> pd.DataFrame | None:
    if not data.lstrip(b"\xef\xbb\xbf").strip():
        tr.add(None, None, None, "文件为空 (empty file, no content): 重新导出 (export it again)")
        return None
    if data.startswith(_ZIP_MAGIC):
        if _zip_kind(data) == "workbook":
            rule = (
                "这是 Excel 工作簿而非 CSV (an Excel workbook named .csv): 改名为 .xlsx (rename it)"
            )
        else:
            rule = (
                "这是 ZIP 压缩包而非 CSV (a zip archive named .csv, not a table): "
                "解压后放入其中的 CSV 或 xlsx 文件 (unpack it and put the table file here)"
            )
        tr.add(None, None, None, rule)
        return None
    if data.startswith(_OLE_MAGIC):
        tr.add(
            None,
            None,
            None,
            "这是旧版 Excel (.xls) 文件而非 CSV (an old-format .xls workbook named .csv): "
            "用 Excel 另存为 .xlsx 或 CSV UTF-8 (save it as .xlsx or CSV UTF-8)",
        )
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (b"\x00" in data and _utf16_without_bom(data)):
        tr.add(
            None,
            None,
            None,
            "UTF-16 编码不受支持 (UTF-16 text, with or without byte-order mark, is not "
            "supported; tried UTF-8 and GB18030/GBK): 另存为 CSV UTF-8 或 GBK "
            "(save as CSV UTF-8 or GBK)",
        )
        return None
    if _binary(data):
        tr.add(
            None,
            None,
            None,
            "不是文本文件 (a binary file named .csv, not comma-separated text): "
            "重新导出为 CSV 或 xlsx (export it again as CSV or .xlsx)",
        )
        return None
    text, encoding = _decode(data, tr)
    # a cell may be as long as the file (the csv module's default limit is 128 KiB)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    if '"' in text and _unclosed_quote(text, tr):
        return None
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError:  # rows longer than the first: parse the slow way
        rows = list(csv.reader(io.StringIO(text)))
        width = max(map(len, rows))
        cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype="str")
    except pd.errors.EmptyDataError:
        tr.add(None, None, None, "文件为空 (empty file, no content): 重新导出 (export it again)")
        return None
    cells = cells.fillna("").astype("str")
    cells.columns = range(cells.shape[1])
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    if encoding is not None and _MISDECODED_RE.search(text):
        _report_misdecoded(cells, encoding, tr)
        return None
    return cells


def _unclosed_quote(text: str, tr: _TableRead) -> bool:
    """Report a quote opened in a cell and never closed: the reader would swallow every
    later row into that cell (a CSV reader takes it for one multi-line value)."""
    try:
        for _ in csv.reader(io.StringIO(text), strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return False  # other quoting oddities are read leniently, as exports write them
    else:
        return False
    rows = list(csv.reader(io.StringIO(text)))
    last = rows[-1]
    column = next((i for i, cell in enumerate(last) if "\n" in cell or "\r" in cell), None)
    header = rows[0][column] if rows and column is not None and column < len(rows[0]) else None
    swallowed = text.count("\n") + 1 - len(rows)
    value = last[column] if column is not None else ""
    shown = value.splitlines()[0][:40] if value else ""
    tr.add(
        len(rows),
        header,
        shown,
        f"引号未闭合 (a quote opened in this cell is never closed): 其后约 {swallowed} 行被并入"
        f"此格 (the next {swallowed} lines would be read as part of it); 删除该引号或补上闭合引号 "
        "(remove the quote or close it)",
    )
    return True


def _report_misdecoded(cells: pd.DataFrame, encoding: str, tr: _TableRead) -> None:
    """One finding at the first cell a decoding without errors still got wrong."""
    suspect = cells.apply(lambda s: s.str.contains(_MISDECODED_RE.pattern, regex=True))
    row = int(suspect.any(axis=1).idxmax())
    pos = int(np.argmax(suspect.loc[row].to_numpy(dtype=bool)))
    header = cells.iloc[0, pos].strip()
    column = header if row > 1 and header and not _MISDECODED_RE.search(header) else None
    tr.add(
        row,
        column or _column_letter(pos),
        cells.loc[row, pos],
        f"编码不对 (wrong encoding: read as {encoding} without error, the text still holds "
        "private-use or U+FFFD replacement characters, so the file is in another encoding "
        "such as Big5; tried UTF-8, then GB18030/GBK): 另存为 CSV UTF-8 或 GBK "
        "(save it as CSV UTF-8 or GBK)",
    )


def _decode(data: bytes, tr: _TableRead) -> tuple[str, str | None]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or GB18030 (a superset of GBK).

    Undecodable bytes are reported (with row and column) and replaced, so the
    rest of the file is still checked. Returns the text and the encoding it
    decoded from without error (None when bytes had to be replaced).
    """
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8-sig", errors="replace")
    replaced = as_utf8.count("\ufffd")
    non_ascii = len(as_utf8) - len(as_utf8.encode("ascii", "ignore"))
    if non_ascii - replaced > replaced:  # mostly valid UTF-8 with a few broken bytes
        _report_undecodable(data, "utf-8", tr)
        return as_utf8, None
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        _report_undecodable(data, "gb18030", tr)
        return data.decode("gb18030", errors="replace"), None


def _report_undecodable(data: bytes, encoding: str, tr: _TableRead) -> None:
    first_line = data.split(b"\n", 1)[0].decode(encoding, errors="replace").lstrip("\ufeff")
    headers = next(csv.reader([first_line.rstrip("\r")]), [])
    seen: set[tuple[int, int]] = set()
    pos = 0
    while pos < len(data) and len(seen) < MAX_FINDINGS_PER_RULE:
        try:
            data[pos:].decode(encoding)
            break
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
            pos = end
        row = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", start)
        line_end = len(data) if line_end < 0 else line_end
        prefix = data[line_start:start].decode(encoding, errors="replace")
        col = max(len(next(csv.reader([prefix]), [])) - 1, 0)
        if (row, col) in seen:
            continue
        seen.add((row, col))
        line = data[line_start:line_end].decode(encoding, errors="backslashreplace")
        fields = next(csv.reader([line.rstrip("\r")]), [])
        column = headers[col].strip() if col < len(headers) else _column_letter(col)
        value = fields[col] if col < len(fields) else line
        tr.add(
            row,
            column,
            value,
            f"无法识别的字节 {data[start:end]!r} (undecodable bytes at byte offset {start}, "
            f"neither UTF-8 nor GBK): 检查该单元格并另存为 UTF-8 或 GBK (fix the cell, "
            "save as UTF-8 or GBK)",
        )


def _not_a_workbook(data: bytes) -> str | None:
    """Why ``data`` is not an xlsx workbook, or None when it looks like one."""
    if data.startswith(_ZIP_MAGIC):
        if _zip_kind(data) == "workbook":
            return None
        return (
            "这是 ZIP 压缩包而非 Excel 工作簿 (cannot open as .xlsx: a zip archive that is "
            "not a workbook): 解压后放入其中的表格文件 (unpack it and put the table file here)"
        )
    if data.startswith(_OLE_MAGIC):
        return (
            "这是旧版 Excel (.xls) 文件 (cannot open as .xlsx: an old-format .xls workbook): "
            "用 Excel 另存为 .xlsx (save it as .xlsx)"
        )
    if not _binary(data) and b"," in data[:4096]:
        return (
            "这是 CSV 文本而非 Excel 工作簿 (cannot open as .xlsx: comma-separated text named "
            ".xlsx): 改名为 .csv (rename it)"
        )
    return (
        "不是 Excel 工作簿 (cannot open as .xlsx: not a workbook): "
        "用 Excel 重新另存为 .xlsx (re-save it as .xlsx)"
    )


#: an XML formula element, with or without a namespace prefix
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _read_xlsx_cells(data: bytes, tr: _TableRead) -> pd.DataFrame | None:
    problem = _not_a_workbook(data)
    if problem is not None:
        tr.add(None, None, None, problem)
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            sheets, rows = _xlsx_rows(data, data_only=True)
            if rows and _has_formulas(data):
                _, formulas = _xlsx_rows(data, data_only=False)
                for r, (shown, written) in enumerate(zip(rows, formulas, strict=False), start=1):
                    for pos, (value, formula) in enumerate(zip(shown, written, strict=False)):
                        if value == "" and formula.startswith("="):
                            tr.formulas[(r, pos)] = formula
    except Exception as exc:  # any failure to parse a hostile workbook is a finding
        tr.add(
            None,
            None,
            None,
            f"无法作为 Excel 工作簿打开 (cannot open as .xlsx: {type(exc).__name__}: {exc}): "
            "用 Excel 重新另存为 .xlsx (re-save it as .xlsx)",
        )
        return None
    if len(sheets) > 1:
        tr.add(
            None,
            None,
            sheets[0],
            f"工作簿有 {len(sheets)} 个工作表, 只读取第一个 (only the first sheet "
            f"{sheets[0]!r} is read): 确认数据在第一个工作表 (make sure the data is there)",
            "warning",
        )
    if not tr.formulas and not any(any(cell.strip() for cell in row) for row in rows):
        tr.add(None, None, None, "文件为空 (empty workbook): 重新导出 (export it again)")
        return None
    width = max(map(len, rows))
    cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype="str")
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    return cells


def _xlsx_rows(data: bytes, *, data_only: bool) -> tuple[list[str], list[list[str]]]:
    """Sheet names and the first sheet's cells as text (formulas as written unless data_only)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        sheets = book.sheetnames
        rows = [
            [_xlsx_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    return sheets, rows


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the xlsx ``data`` holds a formula (a cheap look first)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as member:
                    if _FORMULA_TAG.search(member.read()):
                        return True
    return False


def _xlsx_text(value: object) -> str:
    """Render an Excel cell as the text a user sees in a General-format cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")  # Excel shows 15 significant digits
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(getattr(value, "text", None), str):  # an array formula, as written
        return value.text  # type: ignore[attr-defined]
    return str(value)


# ---------------------------------------------------------------------------
# header
# ---------------------------------------------------------------------------


def _header_key(text: str) -> str:
    """Normalise a header for matching: full-width forms, spaces, BOM, case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lstrip("\ufeff").casefold()


def _column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position.

    >>> _column_letter(0), _column_letter(25), _column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _take_header(cells: pd.DataFrame, tr: _TableRead) -> bool:
    """Find the header, map it to canonical names, keep the data rows in ``tr.raw``."""
    table = tr.table
    names = {_header_key(c.alias): c.name for c in table.columns}
    names.update({_header_key(c.name): c.name for c in table.columns})
    top = cells.head(HEADER_SEARCH_ROWS)
    scores = [sum(_header_key(v) in names for v in row) for row in top.itertuples(index=False)]
    best = int(np.argmax(scores))
    if scores[best] == 0:
        expected = ", ".join(c.alias for c in table.columns[:4])
        tr.add(
            1,
            None,
            " ".join(v for v in cells.iloc[0] if v.strip())[:60],
            f"前{HEADER_SEARCH_ROWS}行中找不到表头 (no header row found; expected columns "
            f"such as {expected}): 第1行应为列名 (row 1 must hold the column names; "
            "is the file comma-separated?)",
        )
        return False
    header_row = int(top.index[best])
    if header_row != 1:
        title = " ".join(v.strip() for v in cells.iloc[0] if v.strip())
        tr.add(
            header_row,
            None,
            title,
            f"表头在第{header_row}行 (header found on row {header_row}, must be on row 1): "
            "删除表头上方的标题行 (delete the title rows above it)",
        )

    data = cells.loc[header_row + 1 :]
    text = data.apply(lambda s: s.str.strip())
    nonblank = text.ne("").any(axis=1)
    positions: dict[str, int] = {}
    for pos, written in enumerate(cells.loc[header_row]):
        shown = written.strip().lstrip("\ufeff").strip()
        name = names.get(_header_key(written))
        if name is None:
            if shown:
                tr.add(
                    None,
                    shown,
                    None,
                    "未知列, 已忽略 (unknown column, dropped): 若应为约定中的列请检查拼写 "
                    "(check the spelling if it is meant to be a contract column)",
                    "warning",
                )
            elif text[pos].ne("").any():
                tr.add(
                    None,
                    _column_letter(pos),
                    None,
                    f"第{_column_letter(pos)}列有数据但没有表头, 已忽略 (column without a "
                    "header, dropped): 补上列名或删除该列 (name it or delete it)",
                    "warning",
                )
        elif name in positions:
            tr.add(
                None,
                shown,
                None,
                f"列重复, 与 {tr.headers[name]} 同义 (the same column as {tr.headers[name]} "
                "appears twice): 删除其中一列 (delete one)",
            )
        else:
            positions[name] = pos
            tr.headers[name] = shown
    for col in table.columns:
        if col.name not in positions and not col.optional:
            tr.add(
                None,
                col.alias,
                None,
                f"缺少列 {col.alias} (missing column {col.name!r}: {col.description}): "
                f"添加该列, 表头可写 {col.alias} 或 {col.name} (add it)",
            )

    for row, _ in tr.formulas:  # a formula's row is not blank
        if row > header_row:
            nonblank.loc[row] = True
    tr.raw = data.loc[nonblank, list(positions.values())].set_axis(list(positions), axis=1)
    tr.text = text.loc[nonblank, list(positions.values())].set_axis(list(positions), axis=1)
    for col in table.columns:  # an optional column left out loads blank
        if col.optional and col.name not in positions:
            tr.raw[col.name] = ""
            tr.text[col.name] = ""
    names_at = {pos: name for name, pos in positions.items()}
    for (row, pos), formula in tr.formulas.items():
        if row > header_row and pos in names_at:
            tr.raw.loc[row, names_at[pos]] = formula  # what the user wrote, for the finding
            tr.formula_rows.setdefault(names_at[pos], []).append(row)
    if tr.raw.empty:
        if table.name in MUST_HAVE_ROWS:
            tr.add(
                None,
                None,
                None,
                "只有表头没有数据 (header only, no data rows): 此表不能为空, 重新导出 "
                "(this table must not be empty; export it again)",
            )
        elif table.name not in MAY_BE_EMPTY:
            tr.add(
                None,
                None,
                None,
                "只有表头没有数据 (header only, no data rows): 确认本月确实没有记录 "
                "(check that the month really has none)",
                "warning",
            )
    return True


# ---------------------------------------------------------------------------
# converting text to typed values
# ---------------------------------------------------------------------------


def _convert(tr: _TableRead) -> pd.DataFrame:
    assert tr.text is not None
    typed = {}
    for name in tr.text.columns:
        col = tr.table.column(name)
        text = tr.text[name]
        refused = _refuse_cells(tr, col, text)
        if len(refused):
            text = text.copy()
            text.loc[refused] = ""  # reported already: neither converted nor "blank"
        values, failures = _CONVERTERS[col.kind](text, col)
        typed[name] = values
        bad_rows = [refused] if len(refused) else []
        for mask, rule in failures:
            rows = text.index[np.asarray(mask, dtype=bool)]
            if len(rows):
                tr.add_cells(name, rows, rule)
                bad_rows.append(rows)
        if bad_rows:
            tr.unparsed[name] = bad_rows[0].append(bad_rows[1:])
    return pd.DataFrame(typed, index=tr.text.index)


_FORMULA_RULE = (
    "公式没有计算结果 (a formula without a cached value: the workbook was not saved by "
    "Excel, so the cell reads as blank): 在 Excel 中打开并保存, 或粘贴为数值 "
    "(open and save it in Excel, or paste the values)"
)
_NUL_RULE = (
    "含有空字符 NUL (the cell holds a NUL byte \\x00: the export is corrupt): "
    "重新导出 (export it again)"
)
_EXCEL_ERROR_RULE = (
    "Excel 错误值, 不是数据 (an Excel error value, not data): "
    "修正公式或填入实际值 (fix the formula or enter the value)"
)
_PLACEHOLDER_RULE = (
    "占位符不是有效编号 (a placeholder, not an identifier): "
    "填写实际编号或删除该行 (write the real identifier, or delete the row)"
)
_WIDE_RULE = (
    "含全角或非 ASCII 数字 (full-width or non-ASCII digits or signs, e.g. １２３): "
    "改为半角, 如 123 (retype with ASCII digits 0-9)"
)


def _identifier(table: Table, col: Column) -> bool:
    """Whether ``col`` identifies something: a key, a reference, an ID or unit code."""
    referencing = {ref.column for ref in table.references}
    return (
        col.name in table.key
        or col.name in referencing
        or col.name.endswith("_id")
        or col.name == "unit_code"
    )


def _refuse_cells(tr: _TableRead, col: Column, text: pd.Series) -> pd.Index:
    """Report the cells that are not data at all; return their rows (each reported once)."""
    refused = pd.Index(tr.formula_rows.get(col.name, []), dtype="int64")
    if len(refused):
        tr.add_cells(col.name, refused, _FORMULA_RULE)
    nonblank = text.ne("")
    if not nonblank.any():
        return refused
    words = text[nonblank]

    def folded(cells: pd.Series) -> pd.Series:
        return cells.str.normalize("NFKC").str.strip().str.casefold()

    hashed = words.str.startswith(("#", "\uff03"))  # '#' or full-width '＃'
    excel_error = hashed & folded(words.where(hashed, "")).isin(EXCEL_ERRORS)
    rules = [
        (words.str.contains("\x00", regex=False), _NUL_RULE),
        (excel_error, _EXCEL_ERROR_RULE),
    ]
    if col.kind in ("str", "category") and _identifier(tr.table, col):
        rules.append((folded(words).isin(PLACEHOLDERS), _PLACEHOLDER_RULE))
    if col.kind in ("int", "money", "float", "date", "datetime", "bool"):
        rules.append((words.str.contains(_WIDE_RE, regex=True), _WIDE_RULE))
    for mask, rule in rules:
        rows = words.index[mask.to_numpy(dtype=bool)].difference(refused)
        if len(rows):
            tr.add_cells(col.name, rows, rule)
            refused = refused.append(rows)
    return refused


_Failures = list[tuple[pd.Series, str]]


def _to_str(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    return text.where(text.ne("")), []


def _to_category(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    assert col.choices is not None
    exact = {label: code for code, label in col.choices.items()} | {c: c for c in col.choices}
    loose = {_header_key(k): code for k, code in exact.items()}
    codes = text.map(exact)
    odd = codes.isna() & text.ne("")
    if odd.any():  # full-width forms, inner spaces, upper case: the slow way, few cells
        codes[odd] = text[odd].map(lambda v: loose.get(_header_key(v), v))
    # unknown values stay as written, for the pandera choice check to name them
    return codes.where(text.ne("")).astype("str"), []


def _bad_commas(text: pd.Series) -> pd.Series:
    """Number-like cells with a comma that is not a well-formed thousands separator."""
    shaped = text.str.fullmatch(_COMMA_SHAPE_RE.pattern).astype(bool)
    return text.str.contains(",", regex=False) & shaped & ~text.str.fullmatch(_GROUPED_RE)


def _to_int(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    blank = text.eq("")
    ok = text.str.fullmatch(_INT_RE).astype(bool)
    numbers = pd.to_numeric(text.where(ok).str.replace(",", "", regex=False), errors="coerce")
    commas = ~ok & _bad_commas(text)
    rule = "应为整数 (whole number expected): 改为整数, 如 12 (write a whole number)"
    return numbers.astype("Int64"), [(commas, _COMMA_RULE), (~blank & ~ok & ~commas, rule)]


def _to_float(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    blank = text.eq("")
    grouped = text.str.fullmatch(_GROUPED_RE).astype(bool)
    commas = _bad_commas(text)
    plain = text.str.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
    clean = text.where(~grouped, text.str.replace(",", "", regex=False))
    readable = ~blank & (grouped | plain.astype(bool))
    numbers = pd.to_numeric(clean.where(readable), errors="coerce").astype("float64")
    bad = ~blank & ~commas & ~np.isfinite(numbers)
    rule = "应为数字 (number expected): 改为数字, 如 12.5 (write a number)"
    return numbers.where(~bad & ~commas), [(commas, _COMMA_RULE), (bad, rule)]


def _to_money(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    """Yuan as written -> int fen, exactly: integer arithmetic on the digits, never float."""
    blank = text.eq("")
    ok = text.str.fullmatch(_MONEY_RE).astype(bool)
    fen = pd.Series(pd.NA, index=text.index, dtype="Int64")
    if ok.any():
        written = text[ok].str.replace(",", "", regex=False)
        negative = written.str.startswith("-").to_numpy(dtype=bool)
        digits = written.str.lstrip("+-")
        whole = pd.to_numeric(digits.str.replace(r"\..*$", "", regex=True)).astype("int64")
        cents = digits.str.replace(r"^\d*\.?", "", regex=True).str.pad(2, "right", "0")
        amount = whole * 100 + pd.to_numeric(cents).astype("int64")
        fen[ok] = np.where(negative, -amount, amount)
    not_number, decimals, commas = [], [], []
    for row, written in text[~blank & ~ok].items():  # only the odd cells, e.g. "1E+3"
        if not _MONEY_SLOW_RE.fullmatch(written):
            commas_only = "," in written and _COMMA_SHAPE_RE.fullmatch(written)
            (commas if commas_only else not_number).append(row)
            continue
        try:
            amount = Decimal(written.replace(",", "")) * 100
        except InvalidOperation:
            not_number.append(row)
            continue
        if not amount.is_finite() or abs(amount) >= 10**15:
            not_number.append(row)
        elif amount != amount.to_integral_value():
            decimals.append(row)
        else:
            fen.loc[row] = int(amount)
    return fen, [
        (text.index.isin(commas), _COMMA_RULE),
        (
            text.index.isin(not_number),
            "应为金额(元) (amount in yuan expected, e.g. 1234.50): 只写数字 (digits only)",
        ),
        (
            text.index.isin(decimals),
            "金额最多两位小数 (at most 2 decimals): 四舍五入到分 (round to fen)",
        ),
    ]


def _to_date(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    return _to_timestamp(text, with_time=False)


def _to_datetime(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    return _to_timestamp(text, with_time=True)


_FAR_RULE = (
    f"日期不在合理范围内 (implausible date, outside {EARLIEST_DATE} .. {LATEST_DATE}): "
    "更正该值; 没有日期时留空, 不要写 9999-12-31 之类的占位 (correct it; where the column "
    "may be blank, leave it blank rather than writing a placeholder date)"
)


def _to_timestamp(text: pd.Series, *, with_time: bool) -> tuple[pd.Series, _Failures]:
    blank = text.eq("")
    fast = "%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d"
    stamps = pd.to_datetime(text, format=fast, errors="coerce")
    lowest, highest = pd.Timestamp(EARLIEST_DATE), pd.Timestamp(LATEST_DATE) + pd.Timedelta(days=1)
    far = stamps.notna() & (stamps.lt(lowest) | stamps.ge(highest))
    stamps = stamps.where(~far).astype("datetime64[ns]")
    rest = ~blank & stamps.isna() & ~far
    unreadable = pd.Series(False, index=text.index)
    impossible = pd.Series(False, index=text.index)
    if rest.any():
        parts = text[rest].str.extract(_DATE_RE)
        if not with_time:  # a date may carry a midnight time (Excel), nothing else
            midnight = parts["hour"].isna() | (
                parts["hour"].astype(float).eq(0)
                & parts["minute"].astype(float).eq(0)
                & parts["second"].fillna("0").astype(float).eq(0)
            )
            parts = parts.where(midnight)
        matched = parts["year"].notna()
        years = parts["year"].astype(float)
        out_of_range = matched & (years.lt(EARLIEST_DATE.year) | years.gt(LATEST_DATE.year))
        far.loc[out_of_range.index[out_of_range]] = True
        matched &= ~out_of_range
        parsed = pd.to_datetime(
            parts[matched].fillna({"hour": "0", "minute": "0", "second": "0"}).astype("int64"),
            errors="coerce",
        ).astype("datetime64[ns]")
        stamps.loc[parsed.index] = parsed
        unreadable.loc[parts.index[parts["year"].isna()]] = True
        impossible.loc[parsed.index[parsed.isna()]] = True
    if with_time:
        fmt = "时间格式应为 YYYY-MM-DD HH:MM[:SS] (date and time expected, e.g. 2026-10-05 14:30)"
    else:
        fmt = "日期格式应为 YYYY-MM-DD (date expected, e.g. 2026-10-05)"
    return stamps, [
        (unreadable, f"{fmt}: 更正该值 (correct the value)"),
        (impossible, "不是有效日期 (no such calendar date): 更正该值 (correct the value)"),
        (far, _FAR_RULE),
    ]


def _to_bool(text: pd.Series, col: Column) -> tuple[pd.Series, _Failures]:
    blank = text.eq("")
    values = text.str.lower().map(BOOL_WORDS).astype("boolean")
    rule = "应为 是/否 (yes or no expected: 是/否, true/false, 1/0, Y/N): 更正该值"
    return values, [(~blank & values.isna(), rule)]


_CONVERTERS = {
    "str": _to_str,
    "category": _to_category,
    "int": _to_int,
    "float": _to_float,
    "money": _to_money,
    "date": _to_date,
    "datetime": _to_datetime,
    "bool": _to_bool,
}


# ---------------------------------------------------------------------------
# validation with pandera
# ---------------------------------------------------------------------------

_ORDER_PREFIX = "order:"
_REQUIRED = "必填项为空 (required value is blank): 填写该值 (fill it in)"


def _isin(values: pd.Series, known: pd.Index) -> pd.Series:
    """``values.isin(known)`` for unique ``known``; faster than isin on arrow strings."""
    return pd.Series(known.get_indexer(values) >= 0, index=values.index)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _column_checks(
    col: Column,
    tr: _TableRead,
    reads: dict[str, _TableRead],
    bounds: tuple[str, pd.Timestamp, pd.Timestamp],
) -> list[pa.Check]:
    """The pandera checks of one column; each check's ``error`` is its rule in words."""
    month, start, next_start = bounds
    scale = 100 if col.kind == "money" else 1
    checks = []
    if col.ge is not None:
        if col.ge == 0:
            rule = "不能为负数 (must not be negative): 更正该值 (correct the value)"
        else:
            rule = f"不能小于 {_number(col.ge)}{col.unit} (must be at least {_number(col.ge)})"
        checks.append(pa.Check.ge(col.ge * scale, error=rule))
    if col.le is not None:
        rule = f"不能大于 {_number(col.le)}{col.unit} (must be at most {_number(col.le)})"
        checks.append(pa.Check.le(col.le * scale, error=rule))
    if col.pattern is not None:
        hint = _PATTERN_HINTS.get(col.pattern, f"须匹配 {col.pattern} (must match {col.pattern})")
        checks.append(
            pa.Check(
                lambda s, p=col.pattern: s.str.fullmatch(p, flags=re.ASCII),
                error=f"格式不符 (wrong format): {hint}",
            )
        )
    if col.choices is not None:
        allowed = ", ".join(f"{label}/{code}" for code, label in col.choices.items())
        codes = pd.Index(list(col.choices))
        checks.append(
            pa.Check(
                lambda s, c=codes: _isin(s, c),
                error=f"不是有效的{col.alias} (not a valid {col.name}); 可选 (allowed): {allowed}",
            )
        )
    if col.in_month:
        checks.append(
            pa.Check(
                lambda s: s.ge(start) & s.lt(next_start),
                error=f"日期不在 {month} 内 (outside the month {month}): "
                "检查是否放错了月份或写错了日期 (wrong month's file, or a typo?)",
            )
        )
    if col.not_after_month_end:
        checks.append(
            pa.Check(
                lambda s: s.lt(next_start),
                error=f"日期晚于 {month} 月末 (after the end of {month}): 更正日期 (correct it)",
            )
        )
    for ref in tr.table.references:
        target = reads[ref.table]
        if ref.column != col.name or not target.usable:
            continue
        assert target.typed is not None
        if ref.target_column not in target.typed or target.typed.empty:
            continue  # the target file's own findings say why
        known = pd.Index(target.typed[ref.target_column].dropna().unique())
        header = target.header(ref.target_column)
        checks.append(
            pa.Check(
                lambda s, k=known: _isin(s, k),
                error=f"在 {target.file} 的 {header} 中找不到 (not found in {target.file}): "
                f"更正编号或在 {target.file} 中补充 (correct it, or add it to {target.file})",
            )
        )
    return checks


def _pandera_schema(
    tr: _TableRead,
    reads: dict[str, _TableRead],
    bounds: tuple[str, pd.Timestamp, pd.Timestamp],
) -> pa.DataFrameSchema:
    """The pandera schema of one table, derived from the contract (present columns only)."""
    assert tr.typed is not None
    present = set(tr.typed.columns)
    columns = {
        col.name: pa.Column(
            _VALIDATION_DTYPE[col.kind],
            _column_checks(col, tr, reads, bounds),
            nullable=col.nullable,
        )
        for col in tr.table.columns
        if col.name in present
    }
    frame_checks = [
        pa.Check(_order_check(rule), error=f"{_ORDER_PREFIX}{i}")
        for i, rule in enumerate(ORDER_RULES)
        if rule.table == tr.table.name
        and {rule.earlier, rule.later, rule.unless_zero or rule.later} <= present
    ]
    key = list(tr.table.key) if set(tr.table.key) <= present else None
    return pa.DataFrameSchema(
        columns, checks=frame_checks, unique=key, report_duplicates="all", name=tr.table.name
    )


def _order_check(rule: _Order):
    def check(frame: pd.DataFrame) -> pd.Series:
        earlier, later = frame[rule.earlier], frame[rule.later]
        ok = earlier.isna() | later.isna() | later.ge(earlier)
        if rule.unless_zero is not None:
            ok |= frame[rule.unless_zero].eq(0)
        return ok.fillna(True).astype(bool)

    return check


def _validate_table(
    tr: _TableRead,
    reads: dict[str, _TableRead],
    bounds: tuple[str, pd.Timestamp, pd.Timestamp],
) -> None:
    assert tr.typed is not None
    schema = _pandera_schema(tr, reads, bounds)
    try:
        schema.validate(tr.typed, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return
    duplicate_rows: set[int] = set()
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        rows = pd.Index(group["index"].dropna().astype("int64").unique()).sort_values()
        if check == "multiple_fields_uniqueness":
            duplicate_rows.update(rows)
        elif check.startswith(_ORDER_PREFIX):
            if column == ORDER_RULES[int(check.removeprefix(_ORDER_PREFIX))].later:
                _report_order(tr, ORDER_RULES[int(check.removeprefix(_ORDER_PREFIX))], rows)
        elif check == "not_nullable":
            rows = rows.difference(tr.unparsed.get(column, pd.Index([])))
            tr.add_cells(column, rows, _REQUIRED)
        elif column in tr.typed and not check.startswith(("dtype(", "column_in")):
            tr.add_cells(column, rows, check)
        else:  # a dtype or structure failure is a bug in this module, not in the file
            raise AssertionError(f"{tr.file}: unexpected pandera failure {column}: {check}")
    if duplicate_rows:
        _report_duplicate_keys(tr, pd.Index(sorted(duplicate_rows)))


def _report_order(tr: _TableRead, rule: _Order, rows: pd.Index) -> None:
    assert tr.raw is not None
    kind = tr.table.column(rule.later).kind
    verb = "不得早于" if kind in ("date", "datetime") else "不得小于"
    verb_en = "must not be before" if kind in ("date", "datetime") else "must not be less than"
    later, earlier = tr.header(rule.later), tr.header(rule.earlier)
    values = tr.raw[rule.later]
    for row in rows[:MAX_FINDINGS_PER_RULE]:
        other = tr.raw.loc[row, rule.earlier].strip()
        tr.add(
            int(row),
            later,
            str(values.loc[row]),
            f"{later} {verb} {earlier} {other} ({rule.later} {verb_en} {rule.earlier}): "
            "更正其中一个值 (correct one of them)",
        )
    if len(rows) > MAX_FINDINGS_PER_RULE:
        more = len(rows) - MAX_FINDINGS_PER_RULE
        tr.add(None, later, None, f"…另有 {more} 行 {later} {verb} {earlier} ({more} more rows)")


def _report_duplicate_keys(tr: _TableRead, rows: pd.Index) -> None:
    assert tr.typed is not None and tr.raw is not None
    key = list(tr.table.key)
    keys = tr.typed.loc[rows, key].dropna()
    column = " + ".join(tr.header(k) for k in key)
    reported = 0
    by = key if len(key) > 1 else key[0]
    for group in keys.groupby(by, sort=False).groups.values():
        for row in group:
            if reported == MAX_FINDINGS_PER_RULE:
                more = len(keys) - reported
                tr.add(None, column, None, f"…另有 {more} 行键重复 ({more} more duplicate rows)")
                return
            others = "、".join(str(r) for r in group if r != row)
            value = " / ".join(str(tr.raw.loc[row, k]).strip() for k in key)
            tr.add(
                int(row),
                column,
                value,
                f"键重复, 与第 {others} 行相同 (duplicate key, same as row {others}): "
                "删除重复行或更正编号 (delete the duplicate or correct the key)",
            )
            reported += 1


# ---------------------------------------------------------------------------
# warnings across rows and tables
# ---------------------------------------------------------------------------


def _warn_staff_without_activity(reads: dict[str, _TableRead]) -> None:
    activity = reads["activity"].file
    _warn_absent_in(
        reads, "staff", "activity", "staff_id",
        f"在 {activity} 中没有此人的记录 (no row in {activity}): "
        "确认业务量导出是否完整 (check that the activity export is complete)",
    )  # fmt: skip


def _warn_absent_in(
    reads: dict[str, _TableRead], table: str, other: str, column: str, rule: str
) -> None:
    """Warn on the cells of ``table.column`` whose value no row of ``other`` holds."""
    this, that = reads[table], reads[other]
    if not (this.usable and that.usable):
        return
    assert this.typed is not None and that.typed is not None
    if column not in this.typed or column not in that.typed:
        return
    values = this.typed[column]
    known = pd.Index(that.typed[column].dropna().unique())
    this.add_cells(column, values.index[values.notna() & ~_isin(values, known)], rule, "warning")


def adjustment_number(text: str, *, percent: bool) -> float:
    """The number a 调整值 cell holds: points, or an actual in its indicator's unit.

    A rate (``percent``) must be written with its percent sign, ``96.5%`` -> 0.965, so
    that 0.965 and 96.5 cannot be confused; other values are plain numbers. Thousands
    separators follow the money rule (``12,500.5``).

    >>> adjustment_number("96.5%", percent=True), adjustment_number("12,500.5", percent=False)
    (0.965, 12500.5)

    Raises
    ------
    ValueError
        Naming the text and how to write it.
    """
    cleaned = str(text).strip()
    how = "写成百分数, 如 96.5% (write a rate as a percentage)" if percent else "写成数字"
    if percent != cleaned.endswith(("%", "％")):
        raise ValueError(f"{cleaned!r}: {how}")
    number = cleaned.rstrip("%％").strip()
    if _bad_commas(pd.Series([number])).iloc[0]:
        raise ValueError(f"{cleaned!r}: 千分位逗号位置不对 (misplaced thousands separator)")
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{cleaned!r} 不是数字 (not a number): {how}") from None
    if not value.is_finite():
        raise ValueError(f"{cleaned!r} 不是数字 (not a number): {how}")
    return float(value / 100) if percent else float(value)


def _check_adjustments(
    reads: dict[str, _TableRead], vocabulary: AdjustmentVocabulary | None
) -> None:
    """Row rules of the adjustments register that span tables (docs/methods.md §6.9).

    The entity exists; a 剔除记录 names a record of the entity's in revenue, tickets or
    inspections, excluded once; a 替换实际值 names an indicator weighted for the entity
    and a number in its unit, once per entity and indicator; 加分/扣分 are positive
    points not above the scheme's maximum; a 取消否决 names a veto that applies to the
    entity and leaves 调整值 blank. Without ``vocabulary`` the indicator rules wait for
    scoring.
    """
    tr = reads["adjustments"]
    staff, units = reads["staff"], reads["units"]
    if not (tr.usable and staff.usable and units.usable) or tr.typed is None or tr.typed.empty:
        return
    assert staff.typed is not None and units.typed is not None
    register = _Register(
        groups={
            "staff": dict(zip(staff.typed["staff_id"], staff.typed["role"], strict=True)),
            "unit": dict(zip(units.typed["unit_code"], units.typed["unit_type"], strict=True)),
        },
        unit_of_staff=dict(zip(staff.typed["staff_id"], staff.typed["unit_code"], strict=True)),
        owners=_record_owners(reads),
        files={"staff": (staff.file, staff.header("staff_id")),
               "unit": (units.file, units.header("unit_code"))},
        vocabulary=vocabulary,
    )  # fmt: skip
    seen: dict[tuple[str, ...], int] = {}
    for row, adj in tr.typed.iterrows():
        if adj["kind"] not in ADJUSTMENT_KINDS or adj["entity_type"] not in register.groups:
            continue  # the column checks already named the cell
        if pd.isna(adj["entity_id"]):
            continue
        outcome = register.judge(adj)
        if isinstance(outcome, _Refusal):
            tr.add(int(row), tr.header(outcome.column), outcome.value, outcome.rule)
        elif outcome in seen:
            column = "value" if adj["kind"] == "exclude_record" else "indicator"
            shown = "" if pd.isna(adj[column]) else str(adj[column])
            tr.add(
                int(row),
                tr.header(column),
                shown,
                f"与第 {seen[outcome]} 行重复或冲突 (duplicates row {seen[outcome]}): 删除其中一行",
            )
        else:
            seen[outcome] = int(row)


@dataclass(frozen=True)
class _Refusal:
    column: str
    value: str
    rule: str


@dataclass(frozen=True)
class _Register:
    """What the rows of an adjustments register are checked against."""

    groups: dict[str, dict[str, str]]  # entity type -> id -> role or unit type
    unit_of_staff: dict[str, str]
    owners: dict[str, tuple[str, str]]  # record number -> (file, staff id)
    files: dict[str, tuple[str, str]]  # entity type -> (file, header of its id)
    vocabulary: AdjustmentVocabulary | None

    def judge(self, adj: pd.Series) -> _Refusal | tuple[str, ...]:
        """The refusal of one row, or the key that two rows may not share."""
        kind, etype, entity = adj["kind"], adj["entity_type"], str(adj["entity_id"])
        value = "" if pd.isna(adj["value"]) else str(adj["value"]).strip()
        indicator = "" if pd.isna(adj["indicator"]) else str(adj["indicator"]).strip()
        vocab = self.vocabulary
        if entity not in self.groups[etype]:
            file, header = self.files[etype]
            return _Refusal(
                "entity_id",
                entity,
                f"在 {file} 的 {header} 中找不到 (no such {etype}): 更正编码 (correct the code)",
            )
        group = self.groups[etype][entity]
        code = vocab.code_of(indicator) if vocab and indicator else None
        if vocab and indicator and code is None:
            return _Refusal(
                "indicator",
                indicator,
                "不是本年度考核方案中的指标、加扣分项或否决项 (not an indicator, bonus, "
                "deduction or veto of the year's scheme): 按方案中的名称填写",
            )
        if kind == "exclude_record":
            return self._exclusion(etype, entity, value)
        if kind == "replace_actual":
            if not indicator:
                return _Refusal("indicator", "", "替换实际值须填写指标 (name the indicator)")
            if vocab is not None:
                if group not in vocab.weighted.get(str(code), frozenset()):
                    return _Refusal(
                        "indicator",
                        indicator,
                        f"该指标不是 {entity} 的考核指标 (not an indicator of this {etype}'s "
                        "role or unit type): 更正指标或对象",
                    )
                try:
                    number = adjustment_number(value, percent=code in vocab.percent)
                except ValueError as exc:
                    return _Refusal("value", value, f"实际值无效 (invalid actual) {exc}")
                if number < 0:
                    return _Refusal("value", value, "实际值不能为负数 (must not be negative)")
            return ("replace", entity, code or indicator)
        if kind in ("add_points", "deduct_points"):
            try:
                points = adjustment_number(value, percent=False)
            except ValueError as exc:
                return _Refusal("value", value, f"分值无效 (invalid points) {exc}")
            top = vocab.max_points if vocab else float("inf")
            if not 0 < points <= top:
                rule = f"分值须大于 0 且不超过 {top:g} (points must be in (0, {top:g}])"
                return _Refusal("value", value, rule)
            return ("points", str(adj["adjustment_id"]))
        # cancel_veto
        if not indicator:
            return _Refusal("indicator", "", "取消否决须填写否决项名称 (name the veto)")
        if value:
            return _Refusal("value", value, "取消否决时调整值留空 (leave 调整值 blank)")
        if vocab is not None and group not in vocab.vetoes.get(str(code), frozenset()):
            return _Refusal(
                "indicator",
                indicator,
                f"不是适用于 {entity} 的否决项 (not a veto that applies to this {etype}): "
                "按方案中的否决项名称填写",
            )
        return ("veto", entity, code or indicator)

    def _exclusion(self, etype: str, entity: str, record: str) -> _Refusal | tuple[str, ...]:
        if not record:
            return _Refusal("value", "", "剔除记录须填写记录编号 (the record number is required)")
        found = self.owners.get(record)
        if found is None:
            return _Refusal(
                "value",
                record,
                "在本月的收入流水、工单和质检记录中都找不到此编号 (no such record in revenue, "
                "tickets or inspections): 更正记录编号",
            )
        file, owner = found
        mine = owner == entity if etype == "staff" else self.unit_of_staff.get(owner) == entity
        if not mine:
            return _Refusal(
                "value",
                record,
                f"{file} 中此记录属于 {owner}, 不属于 {entity} (the record is not the entity's): "
                "更正对象编码或记录编号",
            )
        return ("exclude", record)


def _record_owners(reads: dict[str, _TableRead]) -> dict[str, tuple[str, str]]:
    """Record number -> (file, staff id) for every record an adjustment may exclude."""
    owners: dict[str, tuple[str, str]] = {}
    for name, id_column in EXCLUDABLE_RECORDS.items():
        tr = reads[name]
        if not tr.usable or tr.typed is None or "staff_id" not in tr.typed:
            continue
        for record, owner in zip(tr.typed[id_column], tr.typed["staff_id"], strict=True):
            if pd.notna(record):
                owners.setdefault(str(record), (tr.file, str(owner)))
    return owners


def _warn_unknown_products(reads: dict[str, _TableRead]) -> None:
    """Warn on finance lines whose product no revenue record of the month names (the
    contract has no product list; a product named otherwise than in revenue would make
    every such line a reconciliation difference)."""
    revenue = reads["revenue"].file
    _warn_absent_in(
        reads, "finance_revenue", "revenue", "product",
        f"本月 {revenue} 中没有此产品 (no record in {revenue} names this product): "
        f"核对产品名称是否与 {revenue} 一致 (check that it is named as in {revenue})",
    )  # fmt: skip


def _warn_unknown_courses(reads: dict[str, _TableRead]) -> None:
    """Warn on planned courses that no training record of the month names (the contract
    has no course list: a course not held anywhere, or named otherwise than in the
    training records, which would show it as undelivered)."""
    if reads["training_plan"].raw is None:
        return  # no plan file this month
    training = reads["training"].file
    _warn_absent_in(
        reads, "training_plan", "training", "course",
        f"本月 {training} 中没有此课程的培训记录 (no record in {training} names this course): "
        f"核对课程名称是否与 {training} 一致; 本月未开课则无需处理 (check that it is named "
        f"as in {training}; nothing to do if the course was not held)",
    )  # fmt: skip


def _warn_identical_content(tr: _TableRead) -> None:
    """Warn on rows identical in everything but a surrogate key (a known double-entry anomaly)."""
    assert tr.typed is not None
    table = tr.table
    referencing = {ref.column for ref in table.references}
    if len(table.key) != 1 or table.key[0] in referencing:
        return
    if set(tr.typed.columns) != set(table.column_names) or len(tr.typed) < 2:
        return
    key = table.key[0]
    others = [c for c in table.column_names if c != key]
    frame = tr.typed[~tr.typed[key].duplicated(keep=False)]
    same = frame[frame.duplicated(subset=others, keep=False)]
    if same.empty:
        return
    header = tr.header(key)
    rows: list[int] = []
    partners: dict[int, str] = {}
    by = others if len(others) > 1 else others[0]
    for group in same.groupby(by, sort=False, dropna=False).groups.values():
        for row in group:
            rows.append(int(row))
            partners[int(row)] = "、".join(str(r) for r in group if r != row)
    rows.sort()
    for row in rows[:MAX_FINDINGS_PER_RULE]:
        tr.add(
            row,
            header,
            str(tr.raw.loc[row, key]) if tr.raw is not None else None,
            f"除{header}外与第 {partners[row]} 行完全相同 (identical to row {partners[row]} "
            f"except {key}): 可能重复录入, 请核实 (possibly entered twice; check it)",
            "warning",
        )
    if len(rows) > MAX_FINDINGS_PER_RULE:
        more = len(rows) - MAX_FINDINGS_PER_RULE
        tr.add(None, header, None, f"…另有 {more} 行内容重复 ({more} more rows)", "warning")


def _warn_implausible_amounts(tr: _TableRead) -> None:
    """Warn on money above :data:`IMPLAUSIBLE_YUAN` in a single row."""
    assert tr.typed is not None
    for (table, name), yuan in IMPLAUSIBLE_YUAN.items():
        if table != tr.table.name or name not in tr.typed:
            continue
        fen = tr.typed[name]
        rows = fen.index[fen.gt(yuan * 100).fillna(False).to_numpy(dtype=bool)]
        tr.add_cells(
            name,
            rows,
            f"金额超过 {yuan:,} 元, 不太可能 (implausible: more than {yuan:,} yuan in one row): "
            "核实是否把分当成了元或多写了位数 (check for fen written as yuan, or a typo)",
            "warning",
        )


# ---------------------------------------------------------------------------
# the parameter files kpi run needs for the month
# ---------------------------------------------------------------------------


def _shown_path(path: Path) -> str:
    """``path`` as a user finds it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return str(path)


def _check_params(params_dir: Path, month: str, expenses: _TableRead) -> list[Finding]:
    """The year's scoring scheme must exist; expense categories must be in its budget."""
    year = month[:4]
    findings = []
    scheme = params_dir / f"scheme-{year}.yaml"
    if _entry_kind(scheme) != "file":
        findings.append(
            Finding(
                _shown_path(scheme),
                None,
                None,
                month,
                f"没有 {year} 年的考核方案 (no scoring scheme for {year}: {scheme.name} is "
                f"missing, so kpi run cannot score {month}): 添加 {year} 年的方案文件 "
                f"(add params/{scheme.name}, e.g. a reviewed copy of an earlier year's)",
            )
        )
    budget = params_dir / f"budget-{year}.yaml"
    categories, problem = _budget_categories(budget)
    if problem is not None:
        findings.append(problem)
        return findings
    if not expenses.usable or expenses.typed is None or "category" not in expenses.typed:
        return findings
    claimed = expenses.typed["category"]
    if categories is None:
        if claimed.notna().any():
            findings.append(
                Finding(
                    _shown_path(budget),
                    None,
                    None,
                    month,
                    f"没有 {year} 年度预算文件, 费用类别未核对 (no budget for {year}: the "
                    f"expense categories of {expenses.file} were not checked, and the "
                    f"reports compare no budget): 添加 params/{budget.name} (add it)",
                    "warning",
                )
            )
        return findings
    unknown = claimed.index[claimed.notna() & ~claimed.isin(categories)]
    listed = "、".join(categories)
    expenses.add_cells(
        "category",
        unknown,
        f"不是 params/{budget.name} 中的费用类别 (not a category of the {year} budget; "
        f"its categories: {listed}): 更正类别或补充到预算中 "
        "(correct the category, or add it to the budget)",
    )
    return findings


def _budget_categories(path: Path) -> tuple[list[str] | None, Finding | None]:
    """The category names of a budget file (None when there is none), or a finding why not.

    Only the names are read here; :func:`kpilib.duties.ledger.budget_from_mapping`
    checks the amounts when the ledger is computed.
    """
    kind = _entry_kind(path)
    if kind is None:
        return None, None
    shown = _shown_path(path)

    def broken(rule: str, row: int | None = None) -> tuple[None, Finding]:
        return None, Finding(shown, row, None, None, rule)

    if kind != "file":
        return broken(_NOT_A_FILE[kind])
    try:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return broken("预算文件不是 UTF-8 (the budget file is not UTF-8): 另存为 UTF-8 (save it)")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = None if mark is None else mark.line + 1
        return broken(
            f"预算文件不是有效的 YAML (invalid YAML: {getattr(exc, 'problem', exc)}): "
            "更正该文件 (correct the file)",
            row,
        )
    if not isinstance(mapping, dict) or not mapping:
        return broken(
            "预算文件应为 类别: 金额 的列表 (the budget must map each expense category to its "
            "annual amount in yuan, e.g. 差旅费: 360000.00): 更正该文件 (correct the file)"
        )
    names = [name for name in mapping if not isinstance(name, str) or not name.strip()]
    if names:
        return broken(
            f"预算类别名称应为文字 (category names must be text, got {names[0]!r}): "
            "更正该文件 (correct the file)"
        )
    return list(mapping), None


# ---------------------------------------------------------------------------
# the loaded frame
# ---------------------------------------------------------------------------


def _finalise(tr: _TableRead) -> pd.DataFrame:
    assert tr.typed is not None
    frame = tr.typed[tr.table.column_names].reset_index(drop=True)
    for col in tr.table.columns:
        if col.kind in ("int", "money") and not col.nullable:
            frame[col.name] = frame[col.name].astype("int64")
    return frame
