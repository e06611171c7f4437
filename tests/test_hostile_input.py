"""Hostile input is normal input: ``kpi validate`` and ``kpi run`` on corrupted months.

Each test copies a real sample month, corrupts it the way an adversarial tester did
(issue #10), runs the command line and checks the answer a user gets: exit code 2,
no traceback, and the file, row, column and value named.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpilib.cli import EXIT_INVALID, EXIT_OK, main
from kpilib.paths import PROJECT_DIR

MONTH = "2026-10"


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    """Folder of the pristine sample month for 2026-10 and 2025-10 (generated if absent)."""
    from kpilib.sample.generate import generate

    found = {}
    for month in (MONTH, "2025-10"):
        folder = PROJECT_DIR / "data" / "sample" / month
        if not folder.is_dir():
            target = tmp_path_factory.mktemp(f"sample-{month}")
            generate(target, months=1, end=month)
            folder = target / month
        found[month] = folder
    return found


@pytest.fixture
def month_dir(samples, tmp_path) -> Path:
    """A fresh copy of the sample month 2026-10 under ``tmp_path``, to corrupt."""
    return Path(shutil.copytree(samples[MONTH], tmp_path / "data" / MONTH))


def validate(month_dir: Path, capsys, *extra: str) -> tuple[int, str]:
    """Run ``kpi validate`` on the month; its exit code and output (never a traceback)."""
    code = main(["validate", "--month", month_dir.name, "--data", str(month_dir.parent), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def read_rows(path: Path) -> tuple[list[list[str]], str]:
    """The rows of a sample CSV and its encoding."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(io.StringIO(data.decode(encoding), newline=""))), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GB18030")


def write_rows(path: Path, rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def set_cell(month_dir: Path, file: str, row: int, header: str, value: str) -> None:
    """Write ``value`` into spreadsheet ``row`` (header is row 1) under ``header``."""
    path = month_dir / file
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        headers = [c.value for c in sheet[1]]
        sheet.cell(row=row, column=headers.index(header) + 1, value=value)
        book.save(path)
        return
    rows, encoding = read_rows(path)
    rows[row - 1][rows[0].index(header)] = value
    write_rows(path, rows, encoding)


def cell_line(severity: str, file: str, row: int, header: str, value: str) -> str:
    """The start of the line ``kpi validate`` prints for one cell."""
    return f"{severity}: {file}, 第{row}行 (row {row}), 列 [{header}], 值 {value!r}"


def line_with(out: str, start: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith(start)]
    assert lines, f"no line starting {start!r} in:\n{out}"
    return lines[0]


# ---------------------------------------------------------------------------
# 1. values
# ---------------------------------------------------------------------------

BAD_VALUES = [
    # (file, header, written, words in the rule)
    # money: only well-formed thousands separators
    ("revenue.csv", "金额(元)", "1,50", "misplaced comma"),
    ("revenue.csv", "金额(元)", "1,5", "misplaced comma"),
    ("revenue.csv", "金额(元)", "12,3456.78", "misplaced comma"),
    ("revenue.csv", "金额(元)", "1.234,56", "misplaced comma"),
    ("activity.csv", "拜访次数", "1,50", "misplaced comma"),
    # full-width digits: refused in money, integer and number columns, never "blank"
    ("revenue.csv", "金额(元)", "１２３", "full-width"),
    ("revenue.csv", "金额(元)", "１２３.５０", "full-width"),
    ("activity.csv", "回款金额(元)", "１，２３４", "full-width"),
    ("activity.csv", "拜访次数", "１２", "full-width"),
    ("inspections.csv", "检查得分", "９５", "full-width"),
    ("revenue.csv", "入账日期", "２０２６-10-05", "full-width"),
    ("units.csv", "单位编码", "X０１", "wrong format"),  # patterns take ASCII digits only
    # placeholders in key and identifier columns
    ("revenue.csv", "工号", "#N/A", "Excel error value"),
    ("revenue.csv", "工号", "N/A", "placeholder"),
    ("revenue.csv", "工号", "null", "placeholder"),
    ("revenue.csv", "工号", "NULL", "placeholder"),
    ("revenue.csv", "工号", "None", "placeholder"),
    ("revenue.csv", "工号", "nan", "placeholder"),
    ("revenue.csv", "工号", "-", "placeholder"),
    ("revenue.csv", "流水号", "None", "placeholder"),
    ("expenses.csv", "单位编码", "N/A", "placeholder"),
    ("contracts.csv", "集团客户名称", "#REF!", "Excel error value"),
    # dates outside a plausible range
    ("revenue.csv", "入账日期", "9999-12-31", "implausible date"),
    ("contracts.csv", "签约日期", "1999-12-31", "implausible date"),
    ("contracts.csv", "签约日期", "1900-01-01", "implausible date"),
    ("tickets.csv", "受理时间", "9999-12-31 23:59:59", "implausible date"),
    ("audit_findings.csv", "整改期限", "2999/1/1", "implausible date"),
    # NUL bytes
    ("revenue.csv", "产品名称", "数据\x00专线", "NUL byte"),
    ("revenue.csv", "工号", "S00\x00196", "NUL byte"),
]


@pytest.mark.parametrize(("file", "header", "written", "words"), BAD_VALUES)
def test_bad_value_is_named_by_file_row_column_and_value(
    month_dir, capsys, file, header, written, words
):
    set_cell(month_dir, file, 2, header, written)
    code, out = validate(month_dir, capsys)
    assert code == EXIT_INVALID
    line = line_with(out, cell_line("ERROR", file, 2, header, written))
    assert words in line


def test_xlsx_formula_without_cached_value_is_refused(month_dir, capsys):
    formula = '=CONCATENATE("138","12345678")'  # openpyxl stores no cached value
    set_cell(month_dir, "staff.xlsx", 2, "手机号码", formula)
    code, out = validate(month_dir, capsys)
    assert code == EXIT_INVALID
    line = line_with(out, cell_line("ERROR", "staff.xlsx", 2, "手机号码", formula))
    assert "formula without a cached value" in line
    assert "required value is blank" not in out


def test_implausible_amount_is_a_warning(month_dir, capsys):
    set_cell(month_dir, "revenue.csv", 2, "金额(元)", "20000000.00")
    code, out = validate(month_dir, capsys)
    assert code == EXIT_OK  # a warning only: the amount may be real
    line = line_with(out, cell_line("WARNING", "revenue.csv", 2, "金额(元)", "20000000.00"))
    assert "implausible" in line and "10,000,000" in line


def test_well_formed_thousands_separators_still_load(month_dir, capsys):
    set_cell(month_dir, "revenue.csv", 2, "金额(元)", "1,234.56")
    set_cell(month_dir, "activity.csv", 2, "拜访次数", "1,234")
    code, out = validate(month_dir, capsys)
    assert code == EXIT_OK, out


# ---------------------------------------------------------------------------
# 1. encodings and what a file is
# ---------------------------------------------------------------------------


def _big5(month_dir: Path) -> None:
    rows, _ = read_rows(month_dir / "contracts.csv")
    rows[1][2] = "城東製造有限公司"  # Traditional, as a Big5 export writes it
    text = "\r\n".join(",".join(r) for r in rows)
    (month_dir / "contracts.csv").write_bytes(text.encode("big5", errors="replace"))


def _utf16_without_bom(month_dir: Path) -> None:
    rows, _ = read_rows(month_dir / "revenue.csv")
    write_rows(month_dir / "revenue.csv", rows, "utf-16-le")


def _binary(month_dir: Path) -> None:
    (month_dir / "revenue.csv").write_bytes(random.Random(10).randbytes(4096))


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("revenue.csv", "流水号,工号\r\n")


def _workbook_as_csv(month_dir: Path) -> None:
    (month_dir / "revenue.csv").unlink()
    shutil.copy(month_dir / "staff.xlsx", month_dir / "revenue.csv")


def _csv_as_xlsx(month_dir: Path) -> None:
    (month_dir / "centre_results.xlsx").write_text("单位编码,工号,指标编码,得分\r\n", "utf-8")


BAD_FILES = [
    # (corruption, file, words in the rule)
    (_big5, "contracts.csv", ("wrong encoding", "Big5", "UTF-8", "GB18030")),
    (_utf16_without_bom, "revenue.csv", ("UTF-16", "without byte-order mark")),
    (_binary, "revenue.csv", ("binary file",)),
    (lambda d: _zip(d / "revenue.csv"), "revenue.csv", ("zip archive named .csv",)),
    (_workbook_as_csv, "revenue.csv", ("Excel workbook named .csv",)),
    (lambda d: _zip(d / "centre_results.xlsx"), "centre_results.xlsx", ("not a workbook",)),
    (_csv_as_xlsx, "centre_results.xlsx", ("comma-separated text named .xlsx",)),
]


@pytest.mark.parametrize(("corrupt", "file", "words"), BAD_FILES)
def test_file_that_is_not_what_its_name_says(month_dir, capsys, corrupt, file, words):
    corrupt(month_dir)
    code, out = validate(month_dir, capsys)
    assert code == EXIT_INVALID
    line = line_with(out, f"ERROR: {file}")
    for word in words:
        assert word in line, (word, line)
    assert sum(line.startswith(f"ERROR: {file}") for line in out.splitlines()) == 1


# ---------------------------------------------------------------------------
# 2. files that are not regular files; control characters
# ---------------------------------------------------------------------------

SECRET = "TOP-SECRET-CONTENT"


def _symlink(path: Path) -> None:
    target = path.parent.parent / "elsewhere.csv"
    target.write_text(f"流水号\r\n{SECRET}\r\n", encoding="utf-8")
    path.symlink_to(target)


def _fifo(path: Path) -> None:
    os.mkfifo(path)  # reading it would block for ever


NOT_REGULAR = [
    pytest.param(_symlink, "symbolic link", id="symlink"),
    pytest.param(
        _fifo,
        "not a regular file",
        id="fifo",
        marks=pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here"),
    ),
    pytest.param(lambda p: p.mkdir(), "a folder named like a file", id="folder"),
]


@pytest.mark.parametrize(("make", "words"), NOT_REGULAR)
def test_non_regular_input_is_refused_unread(month_dir, capsys, make, words):
    path = month_dir / "revenue.csv"
    path.unlink()
    make(path)
    code, out = validate(month_dir, capsys)
    assert code == EXIT_INVALID
    assert words in line_with(out, "ERROR: revenue.csv")
    assert SECRET not in out and "elsewhere" not in out


def test_control_characters_are_escaped_in_everything_printed(month_dir, capsys):
    rows, encoding = read_rows(month_dir / "revenue.csv")
    rows[0].append("\x1b[2J备注\r")  # an unknown column: a warning naming its header
    for row in rows[1:]:
        row.append("")
    rows[1][1] = "S\x1b[31m001\x9b\r"  # an unknown staff number: an error naming the value
    write_rows(month_dir / "revenue.csv", rows, encoding)
    (month_dir / "notes\x1b]0;owned\x07.csv").write_text("x", encoding="utf-8")

    code, out = validate(month_dir, capsys)
    assert code == EXIT_INVALID
    for raw in ("\x1b", "\x9b", "\x07", "\r"):
        assert raw not in out
    assert "WARNING: notes\\x1b]0;owned\\x07.csv" in out
    assert "列 [\\x1b[2J备注]" in out
    assert "值 'S\\x1b[31m001\\x9b\\r'" in out

    code, out = validate(month_dir, capsys, "--json")
    assert code == EXIT_INVALID
    assert "\x1b" not in out and "\x9b" not in out and "\\u001b" not in out


# ---------------------------------------------------------------------------
# 3. validate catches what would stop kpi run
# ---------------------------------------------------------------------------


def test_month_without_scoring_scheme_fails_validate_and_run_before_any_report(
    samples, tmp_path, capsys
):
    month = "2025-10"  # params/ holds scheme-2026.yaml only
    data = tmp_path / "data"
    shutil.copytree(samples[month], data / month)
    code, out = validate(data / month, capsys)
    assert code == EXIT_INVALID
    line = line_with(out, "ERROR: params/scheme-2025.yaml")
    assert "no scoring scheme for 2025" in line and "'2025-10'" in line

    out_dir = tmp_path / "out"
    code = main(["run", "--month", month, "--data", str(data), "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID
    assert "Traceback" not in out + err
    assert "params/scheme-2025.yaml" in err and "no scoring scheme for 2025" in err
    assert not (out_dir / month).exists()  # nothing rendered, nothing written


def test_expense_category_not_in_the_budget_is_an_error(month_dir, capsys):
    set_cell(month_dir, "expenses.csv", 2, "费用类别", "咨询费")
    code, out = validate(month_dir, capsys)
    assert code == EXIT_INVALID
    line = line_with(out, cell_line("ERROR", "expenses.csv", 2, "费用类别", "咨询费"))
    assert "not a category of the 2026 budget" in line and "budget-2026.yaml" in line
