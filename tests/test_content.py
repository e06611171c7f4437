"""The per-report content hash (kpilib/report/content.py): what decides a rerun."""

from __future__ import annotations

import pandas as pd

from kpilib.paths import NOTEBOOKS_DIR
from kpilib.report.content import TablesRead, report_hashes, tables_read

READ = TablesRead(via_unit=frozenset({"scores", "limits"}), whole=frozenset({"peers"}))


def shared(**changes) -> dict[str, pd.DataFrame]:
    tables = {
        "scores": pd.DataFrame({"unit_code": ["X01", "X02"], "total": [80.0, 90.0]}),
        "limits": pd.DataFrame({"n": [10], "upper": [0.9]}),
        "peers": pd.DataFrame({"unit_code": ["X01", "X02"], "rank": [2, 1]}),
        "unread": pd.DataFrame({"unit_code": ["X01"], "x": [1]}),
    }
    return tables | changes


def hashes(tables):
    return report_hashes(tables, units=["X01", "X02"], read=READ)


def test_a_change_to_one_units_rows_changes_that_units_hash_only():
    before = hashes(shared())
    scores = pd.DataFrame({"unit_code": ["X01", "X02"], "total": [80.0, 91.0]})
    after = hashes(shared(scores=scores))
    assert after["X01"] == before["X01"]
    assert after["X02"] != before["X02"]
    assert after[""] != before[""]  # the department's reports read everything


def test_a_table_read_whole_or_without_units_changes_every_hash():
    before = hashes(shared())
    for change in (
        {"peers": pd.DataFrame({"unit_code": ["X01", "X02"], "rank": [1, 2]})},
        {"limits": pd.DataFrame({"n": [10], "upper": [0.95]})},
    ):
        after = hashes(shared(**change))
        assert after["X01"] != before["X01"] and after["X02"] != before["X02"]


def test_a_table_no_unit_report_reads_changes_only_the_department_hash():
    before = hashes(shared())
    after = hashes(shared(unread=pd.DataFrame({"unit_code": ["X01"], "x": [2]})))
    assert (after["X01"], after["X02"]) == (before["X01"], before["X02"])
    assert after[""] != before[""]


def test_the_unit_notebook_reads_its_view_and_a_few_whole_tables():
    read = tables_read(NOTEBOOKS_DIR / "unit_report.ipynb")
    assert {"staff_scorecard", "adjustments", "headline"} <= read.via_unit
    assert read.whole == {"notes", "rank_intervals"}
