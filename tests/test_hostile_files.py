"""Hostile files beyond ``test_hostile_input.py``: old ``.xls``, UTF-16 with BOM, CSV quoting.

Each test corrupts a copy of the sample month 2026-10 the way an export can arrive and
runs ``kpi validate`` as a user does (issue #10). Two tests guard defects found with
them, both fixed in ``kpilib/contract/load.py``:

* an unclosed quote in a free-text last column swallows every later row of the file
  into that one cell, and the month loads without a finding (when the rest of the file
  is longer than 128 KiB, the slow CSV path stops with a traceback instead);
* a cell longer than the ``csv`` module's field limit (128 KiB) in a file with a ragged
  row stops ``kpi validate`` with a traceback.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from kpilib.cli import EXIT_INVALID, main
from kpilib.paths import PROJECT_DIR

MONTH = "2026-10"
_OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Office compound-file format


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The pristine sample month (the bundled one, or generated if absent)."""
    folder = PROJECT_DIR / "data" / "sample" / MONTH
    if folder.is_dir():
        return folder
    from kpilib.sample.generate import generate

    target = tmp_path_factory.mktemp("sample")
    generate(target, months=1, end=MONTH)
    return target / MONTH


@pytest.fixture
def month_dir(sample, tmp_path) -> Path:
    return Path(shutil.copytree(sample, tmp_path / "data" / MONTH))


def _validate(month_dir: Path, capsys) -> tuple[int, str]:
    code = main(["validate", "--month", MONTH, "--data", str(month_dir.parent)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def _errors_of(out: str, file: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"ERROR: {file}")]


def _text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GB18030")


def _xls(path: Path) -> None:
    path.write_bytes(_OLE_HEADER + bytes(4096))


def _utf16_with_bom(path: Path) -> None:
    text, _ = _text(path)
    path.write_bytes(text.encode("utf-16"))  # Python writes the byte-order mark


@pytest.mark.parametrize(
    ("corrupt", "file", "words"),
    [
        (_xls, "revenue.csv", "an old-format .xls workbook named .csv"),
        (_xls, "centre_results.xlsx", "cannot open as .xlsx: an old-format .xls workbook"),
        (_utf16_with_bom, "revenue.csv", "UTF-16 text, with or without byte-order mark"),
    ],
)
def test_old_excel_and_utf16_with_bom_are_named_for_what_they_are(
    month_dir, capsys, corrupt, file, words
):
    corrupt(month_dir / file)
    code, out = _validate(month_dir, capsys)
    assert code == EXIT_INVALID
    errors = _errors_of(out, file)
    assert len(errors) == 1 and words in errors[0], out


def test_an_unclosed_quote_that_swallows_later_rows_is_an_error(month_dir, capsys):
    path = month_dir / "contracts.csv"
    text, encoding = _text(path)
    lines = text.splitlines()
    assert lines[0].endswith("缺失材料")  # the last column: free text, may be blank
    lines[1] += '"补交授权书'  # the note opens a quote and never closes it
    path.write_bytes("\r\n".join(lines).encode(encoding.removesuffix("-sig")))
    code, out = _validate(month_dir, capsys)
    assert code == EXIT_INVALID, "the month loads with one contract, the others swallowed"
    assert any("第2行" in line and "缺失材料" in line for line in _errors_of(out, "contracts.csv"))


def test_a_cell_longer_than_128_kib_in_a_ragged_file_is_a_finding(month_dir, capsys):
    path = month_dir / "revenue.csv"
    text, encoding = _text(path)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    amount = rows[0].index("金额(元)")
    rows[1][amount] = "9" * 200_000  # not an amount: must be named like any other
    rows[2].append("多出的一格")  # a ragged row: read by the slow path
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding.removesuffix("-sig")))
    code, out = _validate(month_dir, capsys)
    assert code == EXIT_INVALID
    assert any("第2行" in line and "金额(元)" in line for line in _errors_of(out, "revenue.csv"))
