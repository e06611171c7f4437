"""Per-person indicator detail and development revenue (issue #9, parts 1 and 2).

Checked on the stored shared results as each unit's report reads them
(``Results.for_unit``), for every staff member of every unit of a generated sample
(three counties, six centres); ``planted.json`` is read here only, as ground truth.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpilib.contract.load import load_month
from kpilib.duties.facts import score_month
from kpilib.duties.revenue import SUBTOTAL, fen_text, revenue_by_product
from kpilib.report.detail import STAFF_INDICATOR_COLUMNS, staff_indicators
from kpilib.report.exports import excel_exports
from kpilib.report.results import Results
from kpilib.report.shared import scheme_for
from kpilib.run.open import ensure_results
from kpilib.sample.generate import generate

pytestmark = pytest.mark.xdist_group("staff_detail")

MONTH = "2026-10"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("data")
    generate(data, months=2, end=MONTH, counties=3, centres=6, seed=11)
    return data


@pytest.fixture(scope="module")
def results(sample, tmp_path_factory) -> Results:
    return Results(ensure_results(sample, MONTH, tmp_path_factory.mktemp("results")))


@pytest.fixture(scope="module")
def scheme():
    return scheme_for(2026)


@pytest.fixture(scope="module")
def units(results) -> list[str]:
    return results.units["unit_code"].tolist()


# --------------------------------------------------------------------------- indicators


def test_every_total_is_the_sum_of_the_points_shown(results, units, scheme):
    """total = Σ indicator points + bonus − deduction + register points, clamped to
    [0, max], veto → 0 (docs/methods.md §1.7, §6.9), for every staff member of every
    unit's report."""
    checked = 0
    for code in units:
        unit = results.for_unit(code)
        detail, totals = unit.staff_indicators, unit.staff_totals
        scorecard = unit.staff_scorecard.set_index("staff_id")
        assert set(totals["staff_id"]) == set(scorecard.index)
        assert set(detail["staff_id"]) <= set(totals["staff_id"])
        for row in totals.itertuples(index=False):
            mine = detail[detail["staff_id"] == row.staff_id]
            shown = mine.loc[mine["applicable"], "weighted_score"]
            if shown.empty:
                assert np.isnan(row.total) and np.isnan(scorecard.loc[row.staff_id, "total"])
                continue
            assert mine.loc[~mine["applicable"], "weighted_score"].isna().all()
            unclamped = shown.sum() + row.bonus - row.deduction + row.adjustment
            expected = min(max(unclamped, 0.0), scheme.max_total)
            if row.veto_zeroes:
                expected = 0.0
            assert row.total == pytest.approx(expected, abs=1e-6), row.staff_id
            assert scorecard.loc[row.staff_id, "total"] == pytest.approx(row.total, abs=1e-9)
            assert f"综合得分 {row.total:.2f}" in row.calculation
            checked += 1
    assert checked > 50


def test_every_indicator_of_the_role_appears_for_every_person(results, units, scheme):
    for code in units:
        unit = results.for_unit(code)
        roles = unit.staff_scorecard.set_index("staff_id")["role"]
        shown = unit.staff_indicators.groupby("staff_id")["indicator"].agg(list)
        for staff_id, role in roles.items():
            assert shown[staff_id] == list(scheme.role_weights[role]), staff_id


def test_every_capped_floored_not_applicable_or_zero_score_has_a_reason(results):
    detail = results.staff_indicators
    needs = (detail["flag"] != "") | (detail["raw_score"] == 0)
    assert needs.any() and (detail["flag"] == "not_applicable").any()
    assert (detail.loc[needs, "reason"].str.len() > 4).all()
    assert (detail.loc[~needs, "reason"] == "").all()
    prefixes = {"cap": "封顶：", "floor": "低于下限：", "not_applicable": "不适用："}
    for flag, prefix in prefixes.items():
        assert detail.loc[detail["flag"] == flag, "reason"].str.startswith(prefix).all()
    zero = detail[(detail["flag"] == "") & (detail["raw_score"] == 0)]
    assert zero["reason"].str.startswith("得0分：").all()


def test_a_zero_step_score_names_the_bracket_it_missed(results):
    detail = results.staff_indicators
    zero = detail[(detail["indicator"] == "visits") & (detail["raw_score"] == 0)]
    if zero.empty:
        pytest.skip("no zero visits score in this sample")
    assert zero["reason"].str.contains("最低得分档为80.0%").all()


def test_rows_needing_no_reason_and_no_rows_at_all(sample, scheme):
    # only the rows whose score needs no reason: every reason is ""; no staff row: empty
    card = score_month(load_month(sample, MONTH), scheme)
    long = card.long
    plain = (long["entity_type"] != "staff") | (
        long["applicable"] & ~long["flag"].isin(["cap", "floor"]) & (long["raw_score"] != 0)
    )
    out = staff_indicators(replace(card, long=long[plain]), scheme)
    assert len(out) and (out["reason"] == "").all()
    none = staff_indicators(replace(card, long=long[long["entity_type"] != "staff"]), scheme)
    assert none.empty and list(none.columns) == STAFF_INDICATOR_COLUMNS


def test_excel_has_the_detail_with_chinese_indicator_names(results, scheme):
    shared = {name: results.table(name) for name in results.names}
    book = excel_exports(shared)["department_scorecard.xlsx"]
    sheet = book["人员指标明细"]
    assert len(sheet) == len(results.staff_indicators)
    assert set(sheet["指标"]) <= {ind.name for ind in scheme.indicators.values()}
    codes = set(scheme.indicators)
    text = sheet.astype(str).to_numpy().ravel()
    assert not [v for v in text if v in codes], "indicator codes in the sheet"
    assert "指标编码" not in sheet.columns and "得分原因" in sheet.columns
    totals = book["人员总分计算"]
    expected = results.staff_totals["total"].round(2).set_axis(totals.index)
    pd.testing.assert_series_equal(totals["综合得分"], expected, check_names=False)


# --------------------------------------------------------------------------- revenue


def test_revenue_per_person_and_product_adds_up_to_the_fen(results, sample, units):
    data = load_month(sample, MONTH)
    card = score_month(data, scheme_for(2026))
    per_staff = card.revenue.set_index("staff_id")["amount_fen"]
    seen = 0
    for code in units:
        table = results.for_unit(code).staff_revenue_products
        sub = table[table["product"] == SUBTOTAL].set_index("staff_id")
        parts = table[table["product"] != SUBTOTAL].groupby("staff_id")
        assert (parts["amount_fen"].sum() == sub["amount_fen"]).all()
        assert (parts["records"].sum() == sub["records"]).all()
        for staff_id, fen in sub["amount_fen"].items():
            assert int(fen) == int(per_staff[staff_id]), staff_id
            assert sub.loc[staff_id, "amount_yuan"] == fen_text(int(fen))
        seen += int(sub["amount_fen"].sum())
    assert seen == int(data.revenue["amount_fen"].sum())


def test_the_planted_duplicate_is_shown_as_suspected(results, sample):
    planted = json.loads((sample / "planted.json").read_text(encoding="utf-8"))
    original, copy = planted["duplicated_revenue"][MONTH]
    table = results.staff_revenue_products
    rows = table[table["suspected_records"].str.contains(copy) & (table["product"] != SUBTOTAL)]
    assert len(rows) == 1 and rows["suspected_duplicates"].iloc[0] >= 1
    assert original in rows["suspected_records"].iloc[0]
    assert (
        "人员发展收入"
        in excel_exports({name: results.table(name) for name in results.names})[
            "department_scorecard.xlsx"
        ]
    )


STAFF = pd.DataFrame({"staff_id": ["S00001", "S00002"], "name": ["甲", "乙"], "unit_code": "X01"})


def _rev(rows):
    return pd.DataFrame(rows, columns=["record_id", "staff_id", "product", "amount_fen"]).astype(
        {"amount_fen": "int64"}
    )


def test_revenue_by_product_excludes_with_reasons_exactly():
    rev = _rev(
        [
            ("R1", "S00001", "专线", 1),
            ("R2", "S00001", "专线", 2),
            ("R3", "S00001", "云", 10_000_000_01),
            ("R4", "S00002", "云", 333),
        ]
    )
    out = revenue_by_product(
        rev, STAFF, excluded=pd.DataFrame({"record_id": ["R2"], "reason": ["重复录入（申诉A1）"]})
    )
    one = out[out["staff_id"] == "S00001"].set_index("product")
    counted = ["records", "amount_fen", "excluded_records", "excluded_fen"]
    assert one.loc["专线", counted].tolist() == [1, 1, 1, 2]
    assert one.loc["专线", "excluded_reasons"] == "R2：重复录入（申诉A1）"
    assert one.loc[SUBTOTAL, "amount_fen"] == 10_000_000_02
    assert one.loc[SUBTOTAL, "amount_yuan"] == "10000000.02"
    assert out["product"].tolist() == ["专线", "云", SUBTOTAL, "云", SUBTOTAL]


@pytest.mark.parametrize(
    ("rev", "excluded", "message"),
    [
        (_rev([("R1", "S09999", "云", 1)]), None, "not on the staff list"),
        (_rev([("R1", "S00001", "云", 1)]), pd.DataFrame({"record_id": ["R9"], "reason": ["x"]}),
         "not in the revenue file"),
        (_rev([("R1", "S00001", "云", 1)]).astype({"amount_fen": float}), None, "integer fen"),
    ],
)  # fmt: skip
def test_revenue_by_product_refuses_bad_input(rev, excluded, message):
    with pytest.raises(ValueError, match=message):
        revenue_by_product(rev, STAFF, excluded=excluded)


def test_revenue_by_product_of_no_records_is_empty():
    out = revenue_by_product(_rev([]), STAFF)
    assert out.empty and "amount_fen" in out.columns
