"""The per-report content hash (kpilib/report/content.py): what decides a rerun."""

from __future__ import annotations

import pandas as pd

from kpilib.paths import NOTEBOOKS_DIR
from kpilib.report import content
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


def test_each_units_rows_are_hashed_as_that_units_own_table_in_their_order():
    # the per-unit digests come from one stable sort of the unit column; the reference is
    # the plain definition: the unit's rows picked by a mask, in the table's order
    frame = pd.DataFrame(
        {"unit_code": ["X02", "X01", "X02", "X03", "X01"], "total": [1.0, 2.0, 3.0, 4.0, 5.0]}
    )
    rows = content._row_hashes(frame)
    wanted = ["X01", "X02", "X03", "X09"]  # X09 has no rows
    got = content._unit_digests("scores", frame, rows, wanted)
    for code in wanted:
        mask = frame["unit_code"].to_numpy() == code
        assert got[code] == content._table_digest("scores", frame, rows[mask]), code
    swapped = frame.iloc[[2, 1, 0, 3, 4]].reset_index(drop=True)  # X02's two rows swapped
    again = content._unit_digests("scores", swapped, content._row_hashes(swapped), wanted)
    assert again["X02"] != got["X02"]
    assert {k: again[k] for k in ("X01", "X03", "X09")} == {
        k: got[k] for k in ("X01", "X03", "X09")
    }
    empty = frame.iloc[:0]
    none = content._unit_digests("scores", empty, content._row_hashes(empty), wanted)
    assert none == {
        code: content._table_digest("scores", empty, content._row_hashes(empty)) for code in wanted
    }
