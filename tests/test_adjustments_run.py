"""The adjustments register end to end: `kpi run`, confirm a duplicate, run again.

Real kernels through the default executor, real HTML. The duplicate is the one the
generator plants (planted.json, ``duplicated_revenue``); excluding it through the
register must change that staff member's revenue and score, rerun the reports whose
content changes and only those, and show the adjustment in the unit report and the
summary (docs/methods.md §6.9).
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from kpilib.cli import run_command
from kpilib.report.store import read_result
from kpilib.sample.generate import generate

# every test reads the three runs of one module fixture: on one xdist worker, made once
pytestmark = pytest.mark.xdist_group("adjustments_run")

MONTH = "2026-10"


def manifest(out: Path) -> dict:
    return json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))["reports"]


def page_text(out: Path, key: str) -> str:
    html = (out / MONTH / f"{key}.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser").get_text(" ")


def add_row(register: Path, row: list[str]) -> None:
    book = openpyxl.load_workbook(register)
    book.active.append(row)
    book.save(register)


@pytest.fixture(scope="module")
def confirmed(tmp_path_factory) -> dict:
    """Three runs: the month as generated; then 0.01 points deducted from the best
    county (which moves no rank and no median); then the duplicate confirmed."""
    root = tmp_path_factory.mktemp("adjust")
    data, out = root / "data", root / "out"
    generate(data, months=2, end=MONTH, counties=3, centres=1, seed=11)
    original, copy = json.loads((data / "planted.json").read_text())["duplicated_revenue"][MONTH]
    register = data / MONTH / "adjustments.xlsx"
    results = out / MONTH / "data"
    assert run_command(month=MONTH, data_dir=data, out_dir=out, progress=False) == 0
    first = manifest(out)
    counties = read_result(results, "headline").query("unit_type == 'county'")
    best = counties.sort_values("total", ascending=False)
    assert best["total"].iloc[0] - best["total"].iloc[1] > 0.01  # no rank can move
    top = str(best["unit_code"].iloc[0])
    deduction = [
        "TZ-UNIT",
        "单位",
        top,
        "",
        "扣分",
        "0.01",
        "通报扣分",
        "",
        "考核管理岗",
        "2026-11-06",
    ]
    add_row(register, deduction)
    assert run_command(month=MONTH, data_dir=data, out_dir=out, progress=False) == 0
    second = manifest(out)

    before = read_result(results, "staff_revenue_products")
    scores_before = read_result(results, "staff_scorecard")
    revenue = pd.read_csv(data / MONTH / "revenue.csv", encoding="utf-8-sig", dtype=str)
    record = revenue[revenue["流水号"] == copy].iloc[0]
    add_row(
        register,
        ["TZ-DUP", "人员", record["工号"], "业务收入", "剔除记录", copy,
         f"重复录入，与 {original} 相同，经核实确认", "", "考核管理岗", "2026-11-06"],
    )  # fmt: skip
    assert run_command(month=MONTH, data_dir=data, out_dir=out, progress=False) == 0
    return {
        "out": out,
        "top": top,
        "staff_id": record["工号"],
        "copy": copy,
        "amount_fen": round(float(record["金额(元)"]) * 100),
        "first": first,
        "second": second,
        "third": manifest(out),
        "before": before,
        "after": read_result(results, "staff_revenue_products"),
        "scores_before": scores_before,
        "scores_after": read_result(results, "staff_scorecard"),
    }


def test_the_excluded_duplicate_leaves_the_staff_members_revenue(confirmed):
    staff_id = confirmed["staff_id"]

    def subtotal(table: pd.DataFrame) -> pd.Series:
        return table[(table["staff_id"] == staff_id) & (table["product"] == "合计")].iloc[0]

    before, after = subtotal(confirmed["before"]), subtotal(confirmed["after"])
    assert int(before["amount_fen"]) - int(after["amount_fen"]) == confirmed["amount_fen"]
    assert int(after["excluded_records"]) == 1 and confirmed["copy"] in after["excluded_reasons"]
    assert int(before["suspected_duplicates"]) == 1 and int(after["suspected_duplicates"]) == 0


def test_the_score_moves_with_the_revenue(confirmed):
    staff_id = confirmed["staff_id"]
    before = confirmed["scores_before"].set_index("staff_id").loc[staff_id]
    after = confirmed["scores_after"].set_index("staff_id").loc[staff_id]
    assert after["revenue"] <= before["revenue"]
    assert (
        after["total"]
        == pytest.approx(before["total"] - (before["revenue"] - after["revenue"]), abs=1e-6)
        or after["total"] == 0.0
    )  # clamped or vetoed totals aside, only revenue moved


def test_only_the_affected_reports_are_rerun(confirmed):
    """0.01 points off the best county changes its report and the department's, no other."""
    second = confirmed["second"]
    rerun = {k for k, e in second.items() if e["status"] == "ok"}
    assert rerun == {f"unit_{confirmed['top']}", "summary", "sampling_plan"}
    assert all(e["status"] == "skipped" for k, e in second.items() if k not in rerun)


def test_a_report_is_rerun_exactly_when_what_it_reads_changed(confirmed):
    third, second = confirmed["third"], confirmed["second"]
    unit = confirmed["scores_after"].set_index("staff_id").loc[confirmed["staff_id"], "unit_code"]
    assert third[f"unit_{unit}"]["status"] == "ok" and third["summary"]["status"] == "ok"
    for key, entry in third.items():
        changed = entry["data_hash"] != second[key]["data_hash"]
        assert (entry["status"] == "ok") == changed, key


def test_the_adjustment_is_shown_in_the_unit_report_and_the_summary(confirmed):
    out = confirmed["out"]
    unit = str(
        confirmed["scores_after"].set_index("staff_id").loc[confirmed["staff_id"], "unit_code"]
    )
    for key in (f"unit_{unit}", "summary"):
        text = page_text(out, key)
        assert "TZ-DUP" in text and "剔除记录" in text and "考核调整与申诉" in text, key
        assert confirmed["copy"] in text, key
    top = page_text(out, f"unit_{confirmed['top']}")
    assert "TZ-UNIT" in top and "通报扣分" in top
