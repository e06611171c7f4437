"""The adjustments register (考核调整/申诉): refused rows, and what each kind does to scores.

Expected values are worked by hand from the tiny month of tests/conftest.py and the
rules of docs/methods.md §1.7 (totals) and §6.9 (the register's order).
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpilib.contract.load import adjustment_number, load_month, validate_month
from kpilib.duties.adjustments import adjustment_effects, excluded_records, overrides
from kpilib.duties.facts import score_month
from kpilib.paths import PARAMS_DIR
from kpilib.scoring.scheme import load_scheme

SCHEME = load_scheme(PARAMS_DIR / "scheme-2026.yaml")
VOCABULARY = SCHEME.adjustment_vocabulary()
HEADER = [
    "调整编号",
    "对象类型",
    "对象编码",
    "指标",
    "调整类型",
    "调整值",
    "调整原因",
    "申诉单号",
    "审批人",
    "审批日期",
]
VETO = "严重服务违规（质检得分低于40分）"


def row(entity_type, entity, indicator, kind, value, *, number="TZ01", approver="李静"):
    return [
        number,
        entity_type,
        entity,
        indicator,
        kind,
        value,
        "经核实",
        "",
        approver,
        "2026-11-05",
    ]


def load(tiny_month, *rows, vocabulary=VOCABULARY):
    tiny_month.write("adjustments.csv", [HEADER, *rows])
    return load_month(tiny_month.data_dir, tiny_month.month, vocabulary=vocabulary)


# ------------------------------------------------------------------------------ refused rows
BAD_ROWS = {
    "unknown staff": (row("人员", "S99999", "业务收入", "剔除记录", "R0001"), "对象编码", "S99999"),
    "unknown unit": (row("单位", "X99", "", "扣分", "2"), "对象编码", "X99"),
    "unknown record": (row("人员", "S00001", "业务收入", "剔除记录", "R9999"), "调整值", "R9999"),
    "another's record": (row("人员", "S00001", "业务收入", "剔除记录", "R0002"), "调整值", "R0002"),
    "another unit's record": (row("单位", "Z01", "", "剔除记录", "R0001"), "调整值", "R0001"),
    "exclusion without record": (row("人员", "S00001", "", "剔除记录", ""), "调整值", ""),
    "unknown indicator": (
        row("人员", "S00001", "不存在的指标", "替换实际值", "3"),
        "指标",
        "不存在的指标",
    ),
    "indicator not of the role": (
        row("人员", "S00001", "客户满意度", "替换实际值", "90"),
        "指标",
        "客户满意度",
    ),
    "replacement without indicator": (row("人员", "S00001", "", "替换实际值", "3"), "指标", ""),
    "rate without %": (row("人员", "S00001", "成员离网率", "替换实际值", "0.5"), "调整值", "0.5"),
    "not a number": (row("人员", "S00001", "客户拜访", "替换实际值", "abc"), "调整值", "abc"),
    "negative actual": (row("人员", "S00001", "客户拜访", "替换实际值", "-3"), "调整值", "-3"),
    "zero points": (row("人员", "S00001", "", "加分", "0"), "调整值", "0"),
    "points above the maximum": (row("单位", "X01", "", "扣分", "200"), "调整值", "200"),
    "not a veto": (row("人员", "S00003", "业务收入", "取消否决", ""), "指标", "业务收入"),
    "veto of another group": (
        row("人员", "S00003", "严重审核发现整改逾期", "取消否决", ""),
        "指标",
        "严重审核发现整改逾期",
    ),
    "veto with a value": (row("人员", "S00003", VETO, "取消否决", "1"), "调整值", "1"),
    "unknown kind": (row("人员", "S00001", "", "删除", "1"), "调整类型", "删除"),
    "unknown entity type": (row("部门", "X01", "", "扣分", "1"), "对象类型", "部门"),
    "no approver": (row("人员", "S00001", "", "加分", "1", approver=""), "审批人", ""),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_is_refused_naming_file_row_column_and_value(tiny_month, case):
    bad, column, value = BAD_ROWS[case]
    tiny_month.write("adjustments.csv", [HEADER, bad])
    findings = validate_month(tiny_month.data_dir, tiny_month.month, vocabulary=VOCABULARY)
    errors = [f for f in findings if f.severity == "error"]
    assert [(f.file, f.row, f.column, f.value or "") for f in errors] == [
        ("adjustments.csv", 2, column, value)
    ], errors


def test_the_same_record_excluded_twice_is_refused_on_the_second_row(tiny_month):
    rows = [
        row("人员", "S00001", "业务收入", "剔除记录", "R0001", number="TZ01"),
        row("人员", "S00001", "业务收入", "剔除记录", "R0001", number="TZ02"),
    ]
    tiny_month.write("adjustments.csv", [HEADER, *rows])
    findings = validate_month(tiny_month.data_dir, tiny_month.month, vocabulary=VOCABULARY)
    errors = [(f.row, f.column, f.value) for f in findings if f.severity == "error"]
    assert errors == [(3, "调整值", "R0001")]


def test_the_register_is_optional_and_loads_empty(tiny_month):
    data = load_month(tiny_month.data_dir, tiny_month.month, vocabulary=VOCABULARY)
    assert data.adjustments.empty
    assert list(data.adjustments.columns)[:3] == ["adjustment_id", "entity_type", "entity_id"]


def test_without_the_scheme_scoring_names_the_unknown_indicator(tiny_month):
    data = load(
        tiny_month, row("人员", "S00001", "不存在的指标", "替换实际值", "3"), vocabulary=None
    )
    with pytest.raises(ValueError, match=r"TZ01.*不存在的指标"):
        score_month(data, SCHEME)


@pytest.mark.parametrize(
    ("text", "percent", "expected"),
    [("96.5%", True, 0.965), ("12,500.5", False, 12500.5), ("3", False, 3.0), ("0%", True, 0.0)],
)
def test_adjustment_numbers(text, percent, expected):
    assert adjustment_number(text, percent=percent) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize(("text", "percent"), [("96.5", True), ("5%", False), ("1,50", False)])
def test_ambiguous_adjustment_numbers_are_refused(text, percent):
    with pytest.raises(ValueError, match=text.replace("%", "")):
        adjustment_number(text, percent=percent)


# ------------------------------------------------------------------------------ effects
def staff_row(card, staff_id):
    return card.staff.set_index("staff_id").loc[staff_id]


def actual(card, entity_id, indicator):
    long = card.long.set_index(["entity_id", "indicator"])
    return long.loc[(entity_id, indicator)]


def test_an_excluded_revenue_record_leaves_the_revenue_and_its_score(tiny_month):
    targets = tiny_month.rows("targets.csv")
    targets[1][2:5] = ["30000", "40000", "50000"]  # 50,000 yuan reaches the challenge value
    tiny_month.write("targets.csv", targets)
    data = load(tiny_month, row("人员", "S00001", "业务收入", "剔除记录", "R0001"))
    before = score_month(data, SCHEME, adjusted=False)
    after = score_month(data, SCHEME)
    revenue = after.revenue.set_index("staff_id")
    # R0001 is S00001's only record (50,000.00 yuan): nothing is left to credit
    assert int(before.revenue.set_index("staff_id").loc["S00001", "amount_fen"]) == 5_000_000
    assert int(revenue.loc["S00001", "amount_fen"]) == 0
    assert actual(before, "S00001", "revenue")["actual"] == 50_000.0
    assert actual(after, "S00001", "revenue")["actual"] == 0.0
    # tiered 60/100/120 (docs/methods.md §1.2): 120 % of the weight at the challenge
    # value, 0 below the base value
    assert actual(before, "S00001", "revenue")["raw_score"] == 120.0
    assert actual(after, "S00001", "revenue")["raw_score"] == 0.0
    assert staff_row(after, "S00001")["total"] < staff_row(before, "S00001")["total"]
    # S00002 is untouched
    assert staff_row(after, "S00002")["total"] == staff_row(before, "S00002")["total"]
    excluded = excluded_records(data)
    assert excluded[["table", "record_id", "staff_id"]].values.tolist() == [
        ["revenue", "R0001", "S00001"]
    ]


def test_an_excluded_failed_inspection_raises_the_pass_rate(tiny_month):
    # S00003 has I0001 passed and I0002 failed: 1/2 before, 1/1 after (an upheld appeal)
    data = load(tiny_month, row("人员", "S00003", "质检合格率", "剔除记录", "I0002"))
    before = score_month(data, SCHEME, adjusted=False)
    after = score_month(data, SCHEME)
    assert actual(before, "S00003", "pass_rate")["actual"] == 0.5
    assert actual(after, "S00003", "pass_rate")["actual"] == 1.0
    # the failed-inspection deduction (0.5 points per failed inspection) goes too
    assert staff_row(before, "S00003")["deduction"] == 0.5
    assert staff_row(after, "S00003")["deduction"] == 0.0


def test_a_replaced_actual_is_scored_and_named(tiny_month):
    data = load(tiny_month, row("人员", "S00001", "客户拜访", "替换实际值", "25"))
    after = score_month(data, SCHEME)
    visits = actual(after, "S00001", "visits")
    assert visits["actual"] == 25.0
    assert "考核调整TZ01：实际值由22替换为25" in visits["note"]
    # step method on actual/target = 25/20 = 1.25 >= 1.0 -> 100 % of the weight
    assert visits["raw_score"] == 100.0


def test_a_replaced_rate_is_written_with_percent(tiny_month):
    data = load(tiny_month, row("人员", "S00001", "成员离网率", "替换实际值", "1.5%"))
    assert actual(score_month(data, SCHEME), "S00001", "churn_rate")["actual"] == 0.015


def test_points_act_after_the_capped_bonuses_and_before_the_clamp(tiny_month):
    data = load(
        tiny_month,
        row("人员", "S00001", "", "扣分", "5", number="TZ01"),
        row("人员", "S00002", "", "加分", "10", number="TZ02"),
    )
    before = score_month(data, SCHEME, adjusted=False)
    after = score_month(data, SCHEME)
    for staff_id, points in (("S00001", -5.0), ("S00002", 10.0)):
        b, a = staff_row(before, staff_id), staff_row(after, staff_id)
        expected = min(max(b["base"] + b["bonus"] - b["deduction"] + points, 0.0), 120.0)
        assert a["total"] == pytest.approx(expected, abs=1e-6)
        assert a["adjustment"] == points
        assert a["bonus"] == b["bonus"] and a["deduction"] == b["deduction"]
    # 10 points although the scheme's bonus cap is 4: the register is not a bonus item
    assert SCHEME.bonus_cap == 4
    events = after.events[after.events["kind"] == "adjustment"]
    assert set(events["item"]) == {"TZ01", "TZ02"}


def test_a_cancelled_veto_does_not_act(tiny_month):
    rows = tiny_month.rows("inspections.csv")
    rows[2][5] = "35"  # I0002 scored 35 < 40: the serious-violation veto
    tiny_month.write("inspections.csv", rows)
    data = load(tiny_month, row("人员", "S00003", VETO, "取消否决", ""))
    before, after = staff_row(score_month(data, SCHEME, adjusted=False), "S00003"), None
    after = staff_row(score_month(data, SCHEME), "S00003")
    assert before["vetoed"] and before["total"] == 0.0
    assert not after["vetoed"] and after["veto_reason"] == ""
    expected = min(max(after["base"] + after["bonus"] - after["deduction"], 0.0), 120.0)
    assert after["total"] == pytest.approx(expected, abs=1e-6) and after["total"] > 0


def test_unit_points_move_the_unit_total(tiny_month):
    data = load(tiny_month, row("单位", "X01", "", "扣分", "2"))
    before = score_month(data, SCHEME, adjusted=False).units.set_index("unit_code")
    after = score_month(data, SCHEME).units.set_index("unit_code")
    assert after.loc["X01", "total"] == pytest.approx(before.loc["X01", "total"] - 2.0, abs=1e-6)
    assert after.loc["Z01", "total"] == before.loc["Z01", "total"]


def test_the_effects_table_shows_each_adjustment_before_and_after(tiny_month):
    data = load(
        tiny_month,
        row("人员", "S00001", "", "剔除记录", "R0001", number="TZ01"),
        row("单位", "X01", "", "扣分", "2", number="TZ02"),
    )
    before = score_month(data, SCHEME, adjusted=False)
    after = score_month(data, SCHEME)
    effects = adjustment_effects(data, SCHEME, before=before, after=after).set_index(
        "adjustment_id"
    )
    first = effects.loc["TZ01"]
    assert (first["kind_name"], first["indicator"], first["indicator_name"]) == (
        "剔除记录",
        "revenue",
        "业务收入",
    )
    assert (first["actual_before"], first["actual_after"]) == (50_000.0, 0.0)
    assert first["total_before"] == staff_row(before, "S00001")["total"]
    assert first["total_after"] == staff_row(after, "S00001")["total"]
    assert first["unit_code"] == "X01" and first["name"] == "张三"
    second = effects.loc["TZ02"]
    assert second["entity_type_name"] == "单位" and second["indicator"] == ""
    assert second["total_after"] == after.units.set_index("unit_code").loc["X01", "total"]
    assert pd.isna(second["actual_before"])


def test_overrides_resolve_names_to_codes(tiny_month):
    data = load(
        tiny_month,
        row("人员", "S00001", "客户拜访", "替换实际值", "25", number="TZ01"),
        row("人员", "S00003", VETO, "取消否决", "", number="TZ02"),
        row("人员", "S00001", "", "剔除记录", "R0001", number="TZ03"),
    )
    acting = overrides(data.adjustments, SCHEME)
    assert acting[["adjustment_id", "kind", "code"]].values.tolist() == [
        ["TZ01", "replace_actual", "visits"],
        ["TZ02", "cancel_veto", "serious_violation"],
    ]
