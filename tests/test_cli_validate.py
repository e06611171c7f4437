"""``kpi validate``: exit codes, the printed findings, ``--json``, and no writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpilib.cli import EXIT_INVALID, EXIT_OK, main

MONTH = "2026-10"


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def bad_month(tiny_month):
    """The tiny month with three errors in two files and one warning."""
    tiny_month.edit("revenue.csv", 2, "金额(元)", "12.345")
    staff = tiny_month.rows("staff.csv")
    staff[2][4] = "1391234"  # 手机号码 of row 3
    staff[4][2] = "X99"  # 单位编码 of row 5
    tiny_month.write("staff.csv", staff)
    tiny_month.write("units.csv", [[*r, "x"] for r in tiny_month.rows("units.csv")])
    return tiny_month


def test_valid_month_exits_0(tiny_month, capsys):
    code = main(["validate", "--month", MONTH, "--data", str(tiny_month.data_dir)])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.strip() == f"{MONTH}: 0 error(s), 0 warning(s)"


def test_invalid_month_exits_2_printing_file_row_column_and_value(bad_month, capsys):
    code = main(["validate", "--month", MONTH, "--data", str(bad_month.data_dir)])
    lines = capsys.readouterr().out.splitlines()
    assert code == EXIT_INVALID
    assert lines[-1] == f"{MONTH}: 3 error(s), 1 warning(s)"
    expected = [
        ("WARNING: units.csv", "[x]"),
        ("ERROR: staff.csv, 第3行 (row 3)", "[手机号码]", "'1391234'"),
        ("ERROR: staff.csv, 第5行 (row 5)", "[单位编码]", "'X99'", "units.csv"),
        ("ERROR: revenue.csv, 第2行 (row 2)", "[金额(元)]", "'12.345'", "at most 2 decimals"),
    ]
    assert len(lines) == len(expected) + 1
    for line, words in zip(lines, expected):
        for word in words:
            assert word in line, (word, line)


def test_json_prints_a_list_of_findings(bad_month, capsys):
    code = main(["validate", "--month", MONTH, "--data", str(bad_month.data_dir), "--json"])
    findings = json.loads(capsys.readouterr().out)
    assert code == EXIT_INVALID
    assert all(set(f) == {"file", "row", "column", "value", "rule", "severity"} for f in findings)
    assert [(f["file"], f["row"], f["column"], f["value"], f["severity"]) for f in findings] == [
        ("units.csv", None, "x", None, "warning"),
        ("staff.csv", 3, "手机号码", "1391234", "error"),
        ("staff.csv", 5, "单位编码", "X99", "error"),
        ("revenue.csv", 2, "金额(元)", "12.345", "error"),
    ]


def test_json_of_a_valid_month_is_an_empty_list(tiny_month, capsys):
    code = main(["validate", "--month", MONTH, "--data", str(tiny_month.data_dir), "--json"])
    assert code == EXIT_OK
    assert json.loads(capsys.readouterr().out) == []


def test_missing_month_folder_exits_2(tmp_path, capsys):
    code = main(["validate", "--month", MONTH, "--data", str(tmp_path)])
    assert code == EXIT_INVALID
    assert "not found" in capsys.readouterr().out


@pytest.mark.parametrize("fixture", ["tiny_month", "bad_month"])
def test_validation_writes_nothing(request, fixture, tmp_path, monkeypatch, capsys):
    month = request.getfixturevalue(fixture)
    monkeypatch.chdir(tmp_path)  # nothing may appear in the working folder either
    before = snapshot(tmp_path)
    for extra in ([], ["--json"]):
        main(["validate", "--month", MONTH, "--data", str(month.data_dir), *extra])
    capsys.readouterr()
    assert snapshot(tmp_path) == before


def test_kpi_validate_as_a_process(bad_month):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "kpilib.cli", "validate", "--month", MONTH, "--data", "."],
        cwd=bad_month.data_dir,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )
    assert done.returncode == EXIT_INVALID, done.stderr
    assert "staff.csv, 第5行 (row 5), 列 [单位编码], 值 'X99'" in done.stdout
