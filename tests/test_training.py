"""Staff training and qualification attainment (kpilib.duties.training).

员工任职资格达标率 = qualified / assessed staff (docs/methods.md §1.10) with its base (staff in
scope, assessed, not assessed), and the training plan against delivery (docs/methods.md §6.5a);
expectations by hand, as spelled out beside each.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kpilib.contract.load import load_month, validate_month
from kpilib.contract.schema import typed_frame
from kpilib.duties import training
from kpilib.duties.facts import score_month
from kpilib.errors import InputError
from kpilib.paths import PARAMS_DIR
from kpilib.report import training as training_report
from kpilib.scoring.scheme import load_scheme

MONTH = "2026-10"

STAFF = pd.DataFrame(
    {
        "staff_id": ["S00001", "S00002", "S00003", "S00004", "S00005", "S00006"],
        "unit_code": ["X01", "X01", "X01", "X01", "Z01", "Z02"],
        "role": ["customer_manager"] * 4 + ["service_staff", "support_staff"],
    }
)


def rows(data: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        data, columns=["staff_id", "course", "course_type", "hours", "exam_score", "qualified"]
    )
    return frame.astype({"hours": float, "exam_score": float, "qualified": "boolean"})


TRAINING = rows(
    [
        ("S00001", "客户经理任职资格(初级)", "qualification", 8, 90, True),
        ("S00001", "营销技能", "skills", 4, None, None),
        ("S00002", "客户经理任职资格(初级)", "qualification", 8, 50, False),
        ("S00002", "客户经理任职资格(初级)补考", "qualification", 4, 80, True),  # passed retake
        ("S00003", "客户经理任职资格(初级)", "qualification", 8, 40, False),
        ("S00004", "客户经理任职资格(中级)", "qualification", 8, None, None),  # no verdict yet
        ("S00005", "服务礼仪", "skills", 2, 70, True),  # a skills row is not an assessment
    ]
)


def test_attainment_per_unit_any_rule():
    table = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    assert table.index.tolist() == ["X01", "Z01", "Z02"]
    x01 = table.loc["X01"]
    assert (x01["staff"], x01["trained"], x01["assessed"], x01["qualified"]) == (4, 4, 3, 2)
    assert x01["attainment_rate"] == pytest.approx(2 / 3)
    assert x01["training_hours"] == 40.0  # 8+4+8+4+8+8
    assert x01["hours_per_staff"] == 10.0
    assert x01["mean_exam_score"] == pytest.approx((90 + 50 + 80 + 40) / 4)
    for column in ("staff", "trained", "assessed", "qualified"):
        assert table[column].dtype == "int64"


def test_all_rule_counts_the_failed_first_attempt():
    table = training.qualification_attainment(TRAINING, STAFF, rule="all").set_index("unit_code")
    assert table.loc["X01", "qualified"] == 1
    assert table.loc["X01", "attainment_rate"] == pytest.approx(1 / 3)


def test_nobody_assessed_is_not_applicable():
    table = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    z01 = table.loc["Z01"]  # only a skills course with a stray verdict
    assert (z01["staff"], z01["trained"], z01["assessed"], z01["qualified"]) == (1, 1, 0, 0)
    assert np.isnan(z01["attainment_rate"])
    z02 = table.loc["Z02"]  # no training at all, still listed
    assert (z02["staff"], z02["trained"], z02["training_hours"]) == (1, 0, 0.0)
    assert np.isnan(z02["attainment_rate"])
    assert np.isnan(z02["mean_exam_score"])


def test_empty_training_lists_every_unit():
    table = training.qualification_attainment(TRAINING.iloc[0:0], STAFF)
    assert table["unit_code"].tolist() == ["X01", "Z01", "Z02"]
    assert table["staff"].tolist() == [4, 1, 1]
    assert (table["assessed"] == 0).all()
    assert table["attainment_rate"].isna().all()


def test_staff_table():
    table = training.staff_training(TRAINING, STAFF).set_index("staff_id")
    assert len(table) == 6
    assert table.loc["S00001", "courses"] == 2
    assert table.loc["S00001", "qualification_courses"] == 1
    assert table.loc["S00001", "training_hours"] == 12.0
    assert table.loc["S00001", "mean_exam_score"] == 90.0  # skills row has no score
    assert table["assessed"].tolist() == [True, True, True, False, False, False]
    assert table["qualified"].dtype == "boolean"
    assert table["qualified"].tolist()[:3] == [True, True, False]
    assert table["qualified"].iloc[3:].isna().all()  # not assessed: unknown, not False
    assert table.loc["S00006", "courses"] == 0
    assert np.isnan(table.loc["S00006", "mean_exam_score"])
    assert table.loc["S00005", "role"] == "service_staff"
    all_rule = training.staff_training(TRAINING, STAFF, rule="all").set_index("staff_id")
    assert not all_rule.loc["S00002", "qualified"]


def test_unit_table_agrees_with_staff_table():
    per_staff = training.staff_training(TRAINING, STAFF)
    per_unit = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    grouped = per_staff.groupby("unit_code")
    assert (grouped["assessed"].sum() == per_unit["assessed"]).all()
    assert (grouped["qualified"].sum() == per_unit["qualified"]).all()
    assert (grouped["training_hours"].sum() == per_unit["training_hours"]).all()


def test_unknown_staff_and_rule_are_refused():
    bad = TRAINING.copy()
    bad.loc[0, "staff_id"] = "S09999"
    with pytest.raises(ValueError, match=r"\['S09999'\]"):
        training.qualification_attainment(bad, STAFF)
    with pytest.raises(ValueError, match="rule must be one of"):
        training.staff_training(TRAINING, STAFF, rule="most")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="qualified"):
        training.staff_training(TRAINING.drop(columns="qualified"), STAFF)


# ----------------------------------------------------------------------------------------
# 任职资格达标率 with its base (issue 12): hand-computed
# ----------------------------------------------------------------------------------------
def test_qualification_base_states_the_base_beside_the_rate():
    # X01: 4 customer managers in scope; S00001 qualified, S00002 qualified on the retake,
    # S00003 failed, S00004 has no verdict yet -> assessed 3, qualified 2, not assessed 1.
    # Rate 2/3 (qualified / assessed, docs/methods.md §1.10), qualified / in scope 2/4.
    table = training.qualification_base(TRAINING, STAFF).set_index("unit_code")
    x01 = table.loc["X01"]
    assert (x01["in_scope"], x01["assessed"], x01["not_assessed"], x01["qualified"]) == (
        4, 3, 1, 2,
    )  # fmt: skip
    assert x01["attainment_rate"] == pytest.approx(2 / 3)
    assert x01["assessed_share"] == pytest.approx(3 / 4)
    assert x01["qualified_share"] == pytest.approx(2 / 4)
    # Z01: one service staff member in scope, a skills verdict is no assessment
    z01 = table.loc["Z01"]
    assert (z01["in_scope"], z01["assessed"], z01["not_assessed"], z01["qualified"]) == (
        1, 0, 1, 0,
    )  # fmt: skip
    assert np.isnan(z01["attainment_rate"])
    assert z01["qualified_share"] == 0.0
    for column in ("in_scope", "assessed", "not_assessed", "qualified"):
        assert table[column].dtype == "int64"


def test_issue_example_ten_staff_three_assessed():
    # Issue 12: "a county with 10 staff, 3 assessed, shows 100 % without saying so".
    # By hand: rate 3/3 = 100 %, in scope 10, not assessed 7, qualified / in scope 30 %.
    staff = pd.DataFrame(
        {
            "staff_id": [f"S{i:05d}" for i in range(1, 11)],
            "unit_code": "X07",
            "role": "customer_manager",
        }
    )
    done = rows(
        [(f"S{i:05d}", "集团客户经理任职资格认证", "qualification", 4, 80, True) for i in (1, 2, 3)]
    )
    row = training.qualification_base(done, staff).iloc[0]
    assert (row["in_scope"], row["assessed"], row["not_assessed"], row["qualified"]) == (
        10,
        3,
        7,
        3,
    )
    assert row["attainment_rate"] == 1.0
    assert row["qualified_share"] == pytest.approx(0.3)
    text = training_report.qualification_text(training.qualification_base(done, staff), "X07")
    assert "100.0%" in text and "参加认证的 3 人" in text and "应持证人员 10 人" in text
    assert "未参加认证 7 人" in text and "30.0%" in text


def test_base_rate_is_the_scored_rate():
    # one rule: the base table's rate is qualification_attainment's (what the scheme's
    # 任职资格达标率 divides, staff_qualified / staff_assessed) whenever every role is in scope
    base = training.qualification_base(TRAINING, STAFF).set_index("unit_code")
    attained = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    pd.testing.assert_series_equal(base["attainment_rate"], attained["attainment_rate"])
    assert (base["assessed"] == attained["assessed"]).all()
    assert (base["in_scope"] == attained["staff"]).all()


def test_required_roles_narrow_the_scope():
    table = training.qualification_base(TRAINING, STAFF, required_roles=["customer_manager"])
    table = table.set_index("unit_code")
    assert table.loc["X01", "in_scope"] == 4
    assert (table.loc["Z01", "in_scope"], table.loc["Z02", "in_scope"]) == (0, 0)
    assert np.isnan(table.loc["Z01", "qualified_share"])
    with pytest.raises(ValueError, match="manager"):
        training.qualification_base(TRAINING, STAFF, required_roles=["manager"])
    with pytest.raises(ValueError, match="role"):
        training.qualification_base(TRAINING, STAFF.drop(columns="role"))


# ----------------------------------------------------------------------------------------
# the training plan against delivery: the example of docs/methods.md §6.5a, by hand
# ----------------------------------------------------------------------------------------
PLAN = typed_frame(
    "training_plan",
    [
        ("X01", "集团客户经理任职资格认证", "qualification", "集团客户经理", 4, "2026-10-15"),
        ("X01", "政企产品知识培训", "skills", "集团客户经理、支撑人员", 3, "2026-10-20"),
        ("Z01", "服务人员任职资格认证", "qualification", "service_staff", 2, "2026-10-16"),
    ],
)
DELIVERED = rows(
    [
        ("S00001", "集团客户经理任职资格认证", "qualification", 4, 90, True),
        ("S00002", "集团客户经理任职资格认证", "qualification", 4, 70, True),
        ("S00003", "集团客户经理任职资格认证", "qualification", 4, 50, False),
        ("S00004", "集团客户经理任职资格认证", "qualification", 0, None, False),  # absent
        *[(s, "政企产品知识培训", "skills", 8, 85, None) for s in ("S00001", "S00002", "S00003")],
        ("S00004", "政企产品知识培训", "skills", 8, None, None),
        ("S00006", "政企产品知识培训", "skills", 8, None, None),  # Z02 did not plan it
        ("S00005", "网上大学在线学习", "skills", 6.5, None, None),  # no unit plans it
    ]
)


def test_plan_delivery_by_hand():
    table = training.plan_delivery(PLAN, DELIVERED, STAFF)
    keys = list(zip(table["unit_code"], table["course"], strict=True))
    assert keys == [
        ("X01", "集团客户经理任职资格认证"),
        ("X01", "政企产品知识培训"),
        ("Z01", "服务人员任职资格认证"),
        ("Z02", "政企产品知识培训"),
    ]
    t = table.set_index(["unit_code", "course"])
    q = t.loc[("X01", "集团客户经理任职资格认证")]
    # 4 planned; 3 attended (the absentee's row has 0 hours); 2 qualified
    assert (q["planned"], q["delivered"], q["passed"], q["shortfall"]) == (4, 3, 2, 1)
    assert q["delivery_rate"] == 0.75
    s = t.loc[("X01", "政企产品知识培训")]
    assert (s["planned"], s["delivered"], s["shortfall"]) == (3, 4, 0)
    assert s["delivery_rate"] == pytest.approx(4 / 3)
    assert pd.isna(s["passed"])  # a skills course has no verdict: not applicable, not 0
    assert s["target_roles"] == "customer_manager;support_staff"
    z01 = t.loc[("Z01", "服务人员任职资格认证")]  # planned, nobody came
    assert (z01["planned"], z01["delivered"], z01["passed"], z01["shortfall"]) == (2, 0, 0, 2)
    z02 = t.loc[("Z02", "政企产品知识培训")]  # delivered without a plan
    assert (z02["planned"], z02["delivered"], bool(z02["in_plan"])) == (0, 1, False)
    assert np.isnan(z02["delivery_rate"])
    assert z02["target_roles"] == ""
    assert table["passed"].dtype == "Int64"
    assert "网上大学在线学习" not in set(table["course"])


def test_plan_units_by_hand():
    delivery = training.plan_delivery(PLAN, DELIVERED, STAFF)
    table = training.plan_units(delivery, units=["X01", "Z01", "Z02", "Z03"]).set_index("unit_code")
    x01 = table.loc["X01"]
    # planned 4 + 3 = 7, delivered 3 + 4 = 7 (100 %), shortfall 1 + 0, 1 course short
    assert (x01["courses_planned"], x01["courses_short"], x01["planned"], x01["delivered"]) == (
        2, 1, 7, 7,
    )  # fmt: skip
    assert (x01["delivery_rate"], x01["shortfall"], x01["passed"], x01["unplanned"]) == (
        1.0, 1, 2, 0,
    )  # fmt: skip
    z01 = table.loc["Z01"]
    assert (z01["planned"], z01["delivered"], z01["delivery_rate"], z01["passed"]) == (2, 0, 0, 0)
    z02 = table.loc["Z02"]  # no plan: its unplanned delivery is apart, the rate not applicable
    assert (z02["courses_planned"], z02["planned"], z02["delivered"], z02["unplanned"]) == (
        0, 0, 0, 1,
    )  # fmt: skip
    assert np.isnan(table.loc["Z02", "delivery_rate"]) and pd.isna(table.loc["Z02", "passed"])
    assert table.loc["Z03", "planned"] == 0  # listed without any row


def test_no_plan_gives_empty_delivery_and_zero_units():
    empty = typed_frame("training_plan")
    delivery = training.plan_delivery(empty, DELIVERED, STAFF)
    assert delivery.empty
    units = training.plan_units(delivery, units=["X01"])
    assert units["planned"].tolist() == [0] and units["delivery_rate"].isna().all()


def test_plan_with_unknown_staff_or_role_is_refused():
    bad = DELIVERED.copy()
    bad.loc[0, "staff_id"] = "S09999"
    with pytest.raises(ValueError, match="S09999"):
        training.plan_delivery(PLAN, bad, STAFF)
    wrong = PLAN.assign(target_roles=["经理", "集团客户经理", "服务人员"])
    with pytest.raises(ValueError, match="经理"):
        training.plan_delivery(wrong, DELIVERED, STAFF)


# ----------------------------------------------------------------------------------------
# the reports' tables: Chinese headers, percentages, no NaN
# ----------------------------------------------------------------------------------------
def test_report_tables_are_formatted():
    delivery = training.plan_delivery(PLAN, DELIVERED, STAFF)
    table = training_report.plan_table(delivery, with_unit=True)
    assert table.columns.tolist() == [
        "单位编码", "课程名称", "课程类型", "培训对象", "计划人数", "实际参训人数",
        "认证通过人数", "计划完成率", "未完成人数", "计划内",
    ]  # fmt: skip
    assert table["计划完成率"].tolist() == ["75.0%", "133.3%", "0.0%", "—"]
    assert table["培训对象"].tolist()[:2] == ["集团客户经理", "集团客户经理、支撑人员"]
    assert table["认证通过人数"].tolist() == [2, "—", 0, "—"]
    units = typed_frame(
        "units",
        [("X01", "城东县", "county"), ("Z01", "服务中心", "centre"), ("Z02", "拓展中心", "centre")],
    )
    per_unit = training_report.plan_units_table(
        training.plan_units(delivery, units=units["unit_code"]), units
    )
    assert per_unit["单位编码"].tolist() == ["Z01", "X01", "Z02"]  # lowest completion first
    base = training_report.qualification_table(training.qualification_base(TRAINING, STAFF), units)
    assert base.columns.tolist() == [
        "单位编码", "单位名称", "应持证人数", "本月参加认证人数", "本月未参加认证人数", "达标人数",
        "任职资格达标率(达标/参加认证)", "达标人数占应持证人数",
    ]  # fmt: skip
    assert base.iloc[0, 6:].tolist() == ["66.7%", "50.0%"]
    for shown in (table, per_unit, base):
        text = shown.to_string()
        assert "NaN" not in text and "<NA>" not in text and "nan" not in text


# ----------------------------------------------------------------------------------------
# the training_plan file against the data contract: file, row, column and value named
# ----------------------------------------------------------------------------------------
PLAN_FILE = "training_plan.csv"
PLAN_ROWS = [
    ["单位编码", "课程名称", "课程类型", "培训对象", "计划人数", "计划日期"],
    ["Z01", "支撑人员任职资格(初级)", "任职资格认证", "支撑人员", "1", "2026-10-20"],
    ["Z01", "客户服务礼仪", "技能培训", "服务人员、support_staff", "3", "2026-10-08"],
]


def write_plan(tiny_month, row: int | None = None, header: str = "", value: str = ""):
    plan = [list(r) for r in PLAN_ROWS]
    if row is not None:
        plan[row - 1][plan[0].index(header)] = value
    tiny_month.write(PLAN_FILE, plan)


def test_tiny_plan_loads(tiny_month):
    write_plan(tiny_month)
    data = load_month(tiny_month.data_dir, MONTH)
    plan = data.training_plan
    assert plan["planned_attendees"].tolist() == [1, 3]
    assert plan["course_type"].tolist() == ["qualification", "skills"]
    assert plan["planned_attendees"].dtype == np.int64
    assert not [w for w in data.warnings if w.file == PLAN_FILE]
    delivery = training.plan_delivery(plan, data.training, data.staff).set_index("course")
    # S00004 (Z01) attended the qualification and passed; S00003 (Z01) the skills course
    assert delivery.loc["支撑人员任职资格(初级)", ["planned", "delivered", "passed"]].tolist() == [
        1, 1, 1,
    ]  # fmt: skip
    assert delivery.loc["客户服务礼仪", ["planned", "delivered", "shortfall"]].tolist() == [3, 1, 2]


def test_plan_file_is_optional(tiny_month):
    data = load_month(tiny_month.data_dir, MONTH)
    assert data.training_plan.empty
    assert data.training_plan.columns.tolist() == [
        "unit_code", "course", "course_type", "target_roles", "planned_attendees", "planned_date",
    ]  # fmt: skip
    assert not [f for f in validate_month(tiny_month.data_dir, MONTH) if f.file == PLAN_FILE]


@pytest.mark.parametrize(
    ("header", "value", "severity", "rule"),
    [
        ("单位编码", "X99", "error", "not found in units.csv"),
        ("培训对象", "经理", "error", "roles: 集团客户经理, 服务人员, 支撑人员"),
        ("培训对象", "服务人员、保安", "error", "wrong format"),
        ("计划人数", "-2", "error", "must not be negative"),
        ("计划人数", "两人", "error", ""),
        ("计划日期", "2026-09-30", "error", "outside the month"),
        ("课程类型", "讲座", "error", "not a valid course_type"),
        (
            "课程名称",
            "客户服务礼仪(进阶)",
            "warning",
            "no record in training.csv names this course",
        ),
    ],
)
def test_bad_plan_cell_is_named_by_file_row_column_and_value(
    tiny_month, header, value, severity, rule
):
    write_plan(tiny_month, 3, header, value)
    findings = validate_month(tiny_month.data_dir, MONTH)
    found = [f for f in findings if f.file == PLAN_FILE and f.column == header]
    assert [(f.row, f.value, f.severity) for f in found] == [(3, value, severity)]
    assert rule in found[0].rule
    if severity == "error":
        with pytest.raises(InputError):
            load_month(tiny_month.data_dir, MONTH)


def test_duplicate_plan_row_is_named(tiny_month):
    write_plan(tiny_month, 3, "课程名称", "支撑人员任职资格(初级)")
    findings = [f for f in validate_month(tiny_month.data_dir, MONTH) if f.file == PLAN_FILE]
    assert [f.row for f in findings] == [2, 3]
    assert all("duplicate key" in f.rule for f in findings)


# ----------------------------------------------------------------------------------------
# the generated sample: a plan that fits the training delivered, one county under-delivers
# ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_month(tmp_path_factory):
    from kpilib.sample.generate import generate

    out = tmp_path_factory.mktemp("training_plan")
    generate(out, months=2, end=MONTH, counties=3, centres=6, seed=7)
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    return load_month(out, MONTH, params_dir=None), planted


def test_sample_plan_fits_the_training_and_one_county_under_delivers(sample_month):
    data, planted = sample_month
    plan = data.training_plan
    assert len(plan) > 0
    assert not [w for w in data.warnings if w.file.startswith("training_plan")]
    delivery = training.plan_delivery(plan, data.training, data.staff)
    assert delivery["in_plan"].all()  # every course delivered in a unit was planned there
    units = training.plan_units(delivery, units=data.units["unit_code"]).set_index("unit_code")
    late = planted["late_county"]
    assert units.loc[late, "courses_short"] == units.loc[late, "courses_planned"] > 0
    assert units.loc[late, "delivery_rate"] < 0.75
    others = units.drop(index=late)
    assert (others["delivery_rate"] > units.loc[late, "delivery_rate"]).all()


def test_sample_rate_is_the_scorecards(sample_month):
    # the centres' scored 任职资格达标率 (scheme indicator ``qualification``) is the rate
    # the reports show beside its base
    data, _ = sample_month
    card = score_month(data, load_scheme(PARAMS_DIR / "scheme-2026.yaml"))
    scored = card.long.query("entity_type == 'unit' and indicator == 'qualification'")
    scored = scored.set_index("entity_id")["actual"]
    base = training.qualification_base(data.training, data.staff).set_index("unit_code")
    assert len(scored) > 0
    pd.testing.assert_series_equal(
        base.loc[scored.index, "attainment_rate"], scored, check_names=False
    )


def test_show_functions_state_the_rate_base_and_the_plan(monkeypatch):
    # what the notebook cell displays, collected as text (Markdown, HTML or a table)
    import IPython.display

    shown: list[str] = []
    monkeypatch.setattr(
        IPython.display,
        "display",
        lambda *objects: shown.extend(
            o.to_string() if isinstance(o, pd.DataFrame) else str(o.data) for o in objects
        ),
    )
    delivery = training.plan_delivery(PLAN, DELIVERED, STAFF)
    units = typed_frame(
        "units",
        [("X01", "城东县", "county"), ("Z01", "服务中心", "centre"), ("Z02", "拓展中心", "centre")],
    )
    per_unit = training.plan_units(delivery, units=units["unit_code"])
    base = training.qualification_base(TRAINING, STAFF)
    training_report.show_unit(delivery[delivery["unit_code"] == "X01"], per_unit, base, "X01")
    text = "\n".join(shown)
    assert "任职资格达标率 **66.7%**" in text and "应持证人员 4 人" in text
    assert "本月计划 2 门课程、7 人次，实际参训 7 人次（计划完成率 100.0%）" in text
    assert "集团客户经理任职资格认证" in text and "75.0%" in text and "133.3%" in text
    shown.clear()
    training_report.show_unit(delivery.iloc[0:0], per_unit, base, "Z02")
    assert "本节不适用" in "\n".join(shown)
    shown.clear()
    training_report.show_department(per_unit, base, units)
    text = "\n".join(shown)
    assert "全部门计划 9 人次，实际参训 7 人次（计划完成率 77.8%）；2 个单位" in text
    assert "应持证人数" in text and "66.7%" in text
    for missing in ("NaN", "<NA>", "nan%"):
        assert missing not in text
