"""score_month: hand-computed months, not-applicable rules, totals in spec order, revenue to
the fen, and the vectorised scoring agreeing with an independent row-wise implementation."""

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import TABLES
from kpilib.contract.schema import typed_frame as frame
from kpilib.duties.facts import score_month
from kpilib.scoring.scheme import load_scheme, scheme_from_dict
from kpilib.scoring.scorecard import (
    LONG_COLUMNS,
    ReconciliationError,
    revenue_by_staff,
    score_rows,
)

SCHEME_PATH = Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml"
SCHEME = load_scheme(SCHEME_PATH)


def spec_scheme(**top):
    """The 2026 scheme with satisfaction in the customer manager's last slot, as in the
    worked example of docs/methods.md §1.7 (the 2026 file puts the collection rate there)."""
    raw = yaml.safe_load(SCHEME_PATH.read_text(encoding="utf-8"))
    weights = raw["weights"]["roles"]["customer_manager"]
    del weights["collection_rate"]
    weights["satisfaction"] = 10
    raw.update(top)
    return scheme_from_dict(raw)


SPEC = spec_scheme()


def make_month(month="2026-10", **tables):
    return MonthData(month=month, **{n: frame(n, tables.get(n, ())) for n in TABLES})


def person(sid, unit="X01", role="customer_manager", name="张三"):
    return (sid, name, unit, role, "13800000000", "110101199001011234", "2020-01-01", None)


def inspection(iid, sid, score, passed):
    return (iid, "T1", sid, "S09999", "2026-10-03", score, passed)


def worked_example(**extra):
    """docs/methods.md §1.7: one customer manager reproducing the worked example.

    revenue 530 against base/target/challenge 400/500/600 -> 106 % of 40 = 42.4;
    new members 18 of 15, cap 1.2 -> 24.0; churn 24/1000 = 2.4 % against 2.0 %, ratio
    method -> 12.5; visits 23 of 25 = 92 % -> step 80 % of 10 = 8; archive 47/50 -> 4.7;
    satisfaction 86 with x_s 80, x_h 95 -> 76 % of 10 = 7.6. Bonuses: 5 new customers
    (1 point each, item cap 3) -> 3, a qualification passed -> 2; 3 + 2 capped at 4.
    Deduction: 3 failed inspections x 0.5 = 1.5.
    """
    tables = dict(
        units=[("X01", "甲县", "county")],
        staff=[person("S00001")],
        targets=[
            ("S00001", "revenue", 400.0, 500.0, 600.0),
            ("S00001", "new_members", None, 15.0, None),
            ("S00001", "visits", None, 25.0, None),
            ("S00001", "new_customers", None, 2.0, None),
        ],
        activity=[("S00001", 5, 18, 23, 24, 1000, 47, 50, 100_00, 100_00)],
        revenue=[("R1", "S00001", "G1", "K1", "专线", 530_00, "2026-10-05")],
        tickets=[
            (
                "T1",
                "complaint",
                "S00001",
                "close",
                "2026-10-02 09:00",
                "2026-10-02 10:00",
                24.0,
                86.0,
            )
        ],
        training=[("S00001", "任职资格认证", "qualification", 10.0, 90.0, True)],
        inspections=[
            inspection("I1", "S00001", 70.0, False),
            inspection("I2", "S00001", 80.0, False),
            inspection("I3", "S00001", 80.0, False),
        ],
    )
    tables.update(extra)
    return make_month(**tables)


def test_worked_example_of_methods_spec_1_7():
    # docs/methods.md §1.7 [C]: 42.4, 24.0, 12.5, 8, 4.7, 7.6; base 99.2; bonuses 3 + 2 capped
    # at 4; deduction 1.5 -> 101.7 (clamp [0, 120])
    sc = score_month(worked_example(), SPEC)
    row = sc.staff.iloc[0]
    expected = {
        "revenue": 42.4,
        "new_members": 24.0,
        "churn_rate": 12.5,
        "visits": 8.0,
        "archive_rate": 4.7,
        "satisfaction": 7.6,
    }
    for code, value in expected.items():
        assert row[code] == pytest.approx(value, abs=1e-9), code
    assert row["base"] == pytest.approx(99.2)
    assert row["bonus"] == pytest.approx(4.0)
    assert row["deduction"] == pytest.approx(1.5)
    assert row["total"] == pytest.approx(101.7)
    assert not row["vetoed"]
    assert row["veto_reason"] == ""
    assert row["rank"] == 1
    kinds = set(sc.events["kind"])
    assert "bonus_cap" in kinds
    msg = sc.events.loc[sc.events["kind"] == "bonus_cap", "message"].item()
    assert msg == "加分合计5分，超过上限4分，按4分计"
    item_cap = sc.events[(sc.events["item"] == "new_customers")]["message"].item()
    assert "按单项上限3分" in item_cap
    long = sc.long[sc.long["entity_type"] == "staff"].set_index("indicator")
    assert long.loc["churn_rate", "ratio"] == pytest.approx(2.0 / 2.4)
    assert long.loc["revenue", "actual"] == 530.0
    assert long.loc["satisfaction", "raw_score"] == pytest.approx(76.0)
    assert (long["effective_weight"] == long["weight"]).all()


def test_worked_example_with_a_veto_scores_zero():
    # docs/methods.md §1.7: "with a veto -> 0"; the triggering item is recorded
    month = worked_example(
        inspections=[
            inspection("I1", "S00001", 70.0, False),
            inspection("I2", "S00001", 35.0, False),
        ]
    )
    sc = score_month(month, SPEC)
    row = sc.staff.iloc[0]
    assert row["base"] == pytest.approx(99.2)
    assert row["total"] == 0.0
    assert row["vetoed"]
    assert "严重服务违规" in row["veto_reason"]
    assert "35" in row["veto_reason"]
    assert row["grade"] == "C"
    veto = sc.events[sc.events["kind"] == "veto"]
    assert veto["item"].tolist() == ["serious_violation"]
    assert "总分计0分" in veto["message"].item()


def test_clamp_to_max_total_is_recorded():
    sc = score_month(worked_example(), spec_scheme(max_total=100))
    assert sc.staff.loc[0, "total"] == 100.0
    # the staff member's clamp (X01 is clamped too: its 万户投诉率 scores 120 %)
    staff_events = sc.events[sc.events["entity_type"] == "staff"]
    clamp = staff_events[staff_events["kind"] == "clamp"]["message"].item()
    assert "101.7" in clamp and "[0, 100]" in clamp


def test_zero_target_is_not_applicable_and_weights_are_renormalised():
    # a new hire's first month: new_members target 0 -> not applicable, never inf or 0 points
    month = worked_example(
        targets=[
            ("S00001", "revenue", 400.0, 500.0, 600.0),
            ("S00001", "new_members", None, 0.0, None),
            ("S00001", "visits", None, 25.0, None),
        ]
    )
    sc = score_month(month, SPEC)
    long = sc.long[sc.long["entity_type"] == "staff"].set_index("indicator")
    nm = long.loc["new_members"]
    assert not nm["applicable"]
    assert nm["flag"] == "not_applicable"
    assert "目标值为0" in nm["note"]
    assert math.isnan(nm["weighted_score"]) and math.isnan(nm["raw_score"])
    applicable = long[long["applicable"]]
    assert applicable["effective_weight"].sum() == pytest.approx(100)
    assert long.loc["revenue", "effective_weight"] == pytest.approx(40 * 100 / 80)
    assert "新发展成员不适用" in long.loc["revenue", "note"]
    base = (applicable["raw_score"] * applicable["weight"] / 80).sum()
    assert sc.staff.loc[0, "base"] == pytest.approx(base)
    assert np.isfinite(sc.long["weighted_score"].dropna()).all()
    assert sc.staff.loc[0, "new_members"] != sc.staff.loc[0, "new_members"]  # NaN
    assert "not_applicable" in set(sc.events["kind"])


@pytest.mark.parametrize(
    ("activity", "indicator", "note"),
    [
        # churn with no member base: 0/0 is not applicable, not 0 % or 100 %
        (("S00001", 5, 18, 23, 0, 0, 47, 50, 100, 100), "churn_rate", "成员基数为0"),
        (("S00001", 5, 18, 23, 24, 1000, 0, 0, 100, 100), "archive_rate", "客户总数为0"),
    ],
)
def test_zero_denominator_is_not_applicable(activity, indicator, note):
    sc = score_month(worked_example(activity=[activity]), SPEC)
    row = sc.long.set_index(["entity_type", "indicator"]).loc[("staff", indicator)]
    assert not row["applicable"]
    assert note in row["note"]
    assert math.isnan(row["actual"])


def test_missing_target_row_is_not_applicable():
    sc = score_month(worked_example(targets=[]), SPEC)
    long = sc.long[sc.long["entity_type"] == "staff"].set_index("indicator")
    for code in ("revenue", "new_members", "visits"):
        assert not long.loc[code, "applicable"]
        assert "未下达目标值" in long.loc[code, "note"]
    assert long.loc["churn_rate", "applicable"]


def test_person_with_nothing_applicable_has_no_total():
    month = worked_example(staff=[person("S00001"), person("S00002", role="service_staff")])
    sc = score_month(month, SPEC)
    row = sc.staff.set_index("staff_id").loc["S00002"]
    assert math.isnan(row["base"]) and math.isnan(row["total"])
    assert pd.isna(row["rank"]) and pd.isna(row["grade"])
    assert "not_scored" in set(sc.events.loc[sc.events["entity_id"] == "S00002", "kind"])


def test_support_staff_without_tickets_are_scored_on_training_and_qualification():
    # an administrator: 6 + 4.5 training hours, qualified this month, no tickets or
    # inspections; a colleague with no training rows at all (0 hours, still applicable)
    month = make_month(
        units=[("Z06", "综合管理中心", "centre")],
        staff=[
            person("S00001", unit="Z06", role="support_staff"),
            person("S00002", unit="Z06", role="support_staff", name="李四"),
        ],
        training=[
            ("S00001", "网上大学在线学习", "skills", 6.0, None, None),
            ("S00001", "支撑人员任职资格认证", "qualification", 4.5, 80.0, True),
        ],
    )
    sc = score_month(month, SCHEME)
    long = sc.long[sc.long["entity_type"] == "staff"].set_index(["entity_id", "indicator"])
    one = long.loc["S00001"]
    assert one.loc["training_hours", "actual"] == 10.5
    # efficacy: 60 + 40 (10.5 - 4) / (14 - 4) = 86
    assert one.loc["training_hours", "raw_score"] == pytest.approx(86.0)
    assert one.loc["qualified", "raw_score"] == 100.0
    for code in ("on_time_rate", "satisfaction", "pass_rate"):
        assert not one.loc[code, "applicable"]
    # 10 and 25 re-normalised to 100: 100 x 10/35 + 86 x 25/35
    assert one.loc["qualified", "effective_weight"] == pytest.approx(1000 / 35)
    staff = sc.staff.set_index("staff_id")
    assert staff.loc["S00001", "total"] == pytest.approx(100 * 10 / 35 + 86 * 25 / 35 + 2)
    two = long.loc["S00002"]
    assert two.loc["training_hours", "actual"] == 0.0
    assert two.loc["training_hours", "raw_score"] == pytest.approx(44.0)  # 60 - 40 x 4/10
    assert not two.loc["qualified", "applicable"]  # not assessed this month
    assert staff.loc["S00002", "total"] == pytest.approx(44.0)
    assert staff["grade"].notna().all()
    assert "not_scored" not in set(sc.events["kind"])


def test_caps_and_floors_are_flagged_with_notes():
    month = worked_example(
        activity=[("S00001", 5, 30, 10, 0, 1000, 47, 50, 100, 100)],
        revenue=[("R1", "S00001", "G1", "K1", "专线", 300_00, "2026-10-05")],
    )
    sc = score_month(month, SPEC)
    long = sc.long[sc.long["entity_type"] == "staff"].set_index("indicator")
    assert long.loc["new_members", "flag"] == "cap"  # 30/15 = 200 % -> 120 %
    assert long.loc["new_members", "raw_score"] == 120.0
    assert "封顶120%" in long.loc["new_members", "note"]
    assert long.loc["revenue", "flag"] == "floor"  # 300 < base 400
    assert long.loc["revenue", "raw_score"] == 0.0
    assert long.loc["churn_rate", "flag"] == "cap"  # nobody left: ratio = cap
    assert long.loc["churn_rate", "raw_score"] == pytest.approx(120.0)
    # visits 10/25 = 40 %: the bracket [0 %, 80 %) scores 0; a bracket, not a floor
    assert long.loc["visits", "raw_score"] == 0.0 and long.loc["visits", "flag"] == ""
    kinds = sc.events.groupby("item")["kind"].first()
    assert kinds["new_members"] == "cap" and kinds["revenue"] == "floor"


def test_unit_scores_weigh_staff_mean_with_own_duties():
    month = worked_example(
        staff=[person("S00001"), person("S00002", name="李四")],
        activity=[
            ("S00001", 5, 18, 23, 24, 1000, 47, 50, 100_00, 100_00),
            ("S00002", 0, 15, 25, 20, 1000, 50, 50, 50_00, 100_00),
        ],
        targets=[
            ("S00001", "revenue", 400.0, 500.0, 600.0),
            ("S00001", "new_members", None, 15.0, None),
            ("S00001", "visits", None, 25.0, None),
            ("S00001", "new_customers", None, 2.0, None),
            ("S00002", "revenue", 400.0, 500.0, 600.0),
            ("S00002", "new_members", None, 15.0, None),
            ("S00002", "visits", None, 25.0, None),
        ],
        revenue=[
            ("R1", "S00001", "G1", "K1", "专线", 530_00, "2026-10-05"),
            ("R2", "S00002", "G2", "K2", "专线", 500_00, "2026-10-06"),
        ],
        submissions=[
            ("X01", "月报", "2026-10-05", "2026-10-05 18:00"),
            ("X01", "周报", "2026-10-10", "2026-10-12 09:00"),
        ],
        contracts=[
            ("K1", "G1", "甲公司", "S00001", "2026-01-01", "archived", None),
            ("K2", "G2", "乙公司", "S00002", "2026-01-01", "archived", None),
        ],
    )
    sc = score_month(month, SPEC)
    staff = sc.staff.set_index("staff_id")
    mean_total = staff["total"].mean()
    unit = sc.units.iloc[0]
    assert unit["unit_code"] == "X01" and unit["unit_type"] == "county" and unit["name"] == "甲县"
    long = sc.long[sc.long["entity_type"] == "unit"].set_index("indicator")
    assert long.loc["staff_mean", "actual"] == pytest.approx(mean_total)
    # report timeliness 1 of 2 on time = 0.5; efficacy 60 + 40 (0.5 - 0.6)/0.4 = 50
    assert long.loc["report_timeliness", "actual"] == 0.5
    assert long.loc["report_timeliness", "raw_score"] == pytest.approx(50.0)
    # contracts 2/2 archived: tiered 0.8/0.95/1.0 with high 110 -> 110
    assert long.loc["contract_archive", "raw_score"] == pytest.approx(110.0)
    # a single county: rank score = best
    assert long.loc["unit_collection", "actual"] == pytest.approx(150 / 200)
    assert long.loc["unit_collection", "raw_score"] == 100.0
    # 万户投诉率: the one complaint T1 over 1000 + 1000 member lines = 5 per 10,000 against
    # 70: r = 14, capped at 1.2 -> 120 % (the 2026 county weights, issue 9 part 6)
    assert long.loc["complaint_rate", "actual"] == pytest.approx(5.0)
    assert long.loc["complaint_rate", "raw_score"] == pytest.approx(120.0)
    base = (
        0.65 * min(mean_total, 120) + 0.1 * 50 + 0.1 * 110 + 0.05 * 100 + 0.1 * 120
    )  # staff_mean: completion against 100, cap 1.2
    assert unit["base"] == pytest.approx(base)
    assert unit["total"] == pytest.approx(base)


def test_unit_veto_for_an_overdue_major_finding():
    month = worked_example(
        audit_findings=[
            ("F1", "X01", "合同管理", "8.5.1", "major", "2026-08-01", "2026-09-30", None),
            ("F2", "X01", "合同管理", "8.5.1", "minor", "2026-08-01", "2026-09-30", None),
        ]
    )
    sc = score_month(month, SPEC)
    unit = sc.units.iloc[0]
    assert unit["vetoed"] and unit["total"] == 0.0
    assert "严重审核发现整改逾期" in unit["veto_reason"]
    assert unit["deduction"] == 2.0


def test_table_layouts():
    sc = score_month(worked_example(), SCHEME)
    assert list(sc.long.columns) == LONG_COLUMNS
    role_codes = list(dict.fromkeys(c for w in SCHEME.role_weights.values() for c in w))
    tail = [
        *("base", "bonus", "deduction", "adjustment", "total"),
        *("vetoed", "veto_reason", "rank", "grade"),
    ]
    assert list(sc.staff.columns) == ["staff_id", "name", "unit_code", "role", *role_codes, *tail]
    unit_codes = list(dict.fromkeys(c for w in SCHEME.unit_weights.values() for c in w))
    assert list(sc.units.columns) == ["unit_code", "name", "unit_type", *unit_codes, *tail]
    assert list(sc.events.columns) == [
        "entity_type",
        "entity_id",
        "name",
        "unit_code",
        "item",
        "kind",
        "message",
    ]
    assert list(sc.revenue.columns) == [
        "staff_id",
        "name",
        "unit_code",
        "records",
        "amount_fen",
        "amount_yuan",
    ]
    assert sc.month == "2026-10"


# ----------------------------------------------------------------------------------------
# revenue to the fen
# ----------------------------------------------------------------------------------------
def test_revenue_is_exact_to_the_fen():
    amounts = [10_000_00 // 3, 10_000_00 // 3, 10_000_00 - 2 * (10_000_00 // 3), 1, 99]
    month = worked_example(
        revenue=[
            (f"R{i}", "S00001", "G1", "K1", "专线", a, "2026-10-05") for i, a in enumerate(amounts)
        ]
    )
    sc = score_month(month, SCHEME)
    assert sc.revenue["amount_fen"].dtype == np.int64
    assert int(sc.revenue["amount_fen"].sum()) == sum(amounts) == 1_000_100
    assert sc.revenue.loc[0, "amount_yuan"] == "10001.00"


def test_revenue_credited_to_an_unknown_person_is_an_error():
    month = worked_example(
        revenue=[
            ("R1", "S00001", "G1", "K1", "专线", 530_00, "2026-10-05"),
            ("R2", "S07777", "G1", "K1", "专线", 1, "2026-10-05"),
        ]
    )
    with pytest.raises(ReconciliationError, match=r"difference 0\.01.*S07777"):
        score_month(month, SCHEME)


def test_revenue_in_float_is_refused():
    month = worked_example()
    bad = MonthData(
        **{
            **{n: getattr(month, n) for n in TABLES},
            "month": month.month,
            "revenue": month.revenue.assign(amount_fen=month.revenue["amount_fen"] / 1.0),
        }
    )
    with pytest.raises(ReconciliationError, match="integer fen"):
        score_month(bad, SCHEME)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 10**11), min_size=0, max_size=30), st.randoms())
def test_revenue_sums_to_the_file_total_property(amounts, rnd):
    staff_ids = ["S00001", "S00002", "S00003"]
    month = worked_example(
        staff=[person(s) for s in staff_ids],
        revenue=[
            (f"R{i}", rnd.choice(staff_ids), "G1", "K1", "专线", a, "2026-10-05")
            for i, a in enumerate(amounts)
        ],
    )
    per_staff = revenue_by_staff(month)  # the step score_month takes its revenue from
    assert sum(int(v) for v in per_staff["amount_fen"]) == sum(amounts)
    assert per_staff["amount_fen"].dtype == np.int64


# ----------------------------------------------------------------------------------------
# random months: totals within [0, max_total]
# ----------------------------------------------------------------------------------------
def random_month(seed, n=12):
    rng = np.random.default_rng(seed)
    roles = ["customer_manager", "service_staff", "support_staff"]
    units = [("X01", "甲县", "county"), ("X02", "乙县", "county"), ("Z01", "投诉中心", "centre")]
    staff, targets, activity, revenue, tickets, inspections, training = [], [], [], [], [], [], []
    for i in range(n):
        sid = f"S{i + 1:05d}"
        unit = units[int(rng.integers(0, 3))][0]
        staff.append(person(sid, unit=unit, role=roles[int(rng.integers(0, 3))]))
        for ind in ("revenue", "new_members", "visits", "new_customers"):
            t = float(rng.choice([0, rng.integers(1, 600)]))
            targets.append((sid, ind, None, t, None))
        base_m = int(rng.integers(0, 500))
        billed = int(rng.integers(0, 10**6))
        total_c = int(rng.integers(0, 60))
        activity.append(
            (
                sid,
                int(rng.integers(0, 10)),
                int(rng.integers(0, 40)),
                int(rng.integers(0, 40)),
                int(rng.integers(0, base_m + 1)),
                base_m,
                int(rng.integers(0, total_c + 1)),
                total_c,
                int(rng.integers(0, billed + 1)),
                billed,
            )
        )
        for j in range(int(rng.integers(0, 4))):
            revenue.append(
                (f"R{i}-{j}", sid, "G", "K", "P", int(rng.integers(0, 10**6)), "2026-10-05")
            )
        for j in range(int(rng.integers(0, 5))):
            hours = float(rng.integers(1, 72))
            closed = None if rng.random() < 0.2 else f"2026-10-0{1 + int(rng.integers(1, 8))} 10:00"
            sat = None if rng.random() < 0.3 else float(rng.integers(40, 101))
            tickets.append(
                (f"T{i}-{j}", "complaint", sid, "close", "2026-10-01 09:00", closed, hours, sat)
            )
        for j in range(int(rng.integers(0, 4))):
            score = float(rng.integers(20, 101))
            inspections.append(inspection(f"I{i}-{j}", sid, score, bool(score >= 60)))
        if rng.random() < 0.3:
            training.append((sid, "认证", "qualification", 8.0, 80.0, bool(rng.random() < 0.7)))
    return make_month(
        units=units,
        staff=staff,
        targets=targets,
        activity=activity,
        revenue=revenue,
        tickets=tickets,
        inspections=inspections,
        training=training,
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_totals_stay_within_0_and_max_total(seed):
    sc = score_month(random_month(seed), SCHEME)
    for table in (sc.staff, sc.units):
        totals = table["total"].dropna()
        assert ((totals >= 0) & (totals <= SCHEME.max_total)).all()
        assert (table.loc[table["vetoed"], "total"] == 0).all()
    assert np.isfinite(sc.long["weighted_score"].dropna()).all()
    applicable = sc.long[sc.long["applicable"]]
    per_entity = applicable.groupby(["entity_type", "entity_id"])["effective_weight"].sum()
    assert np.allclose(per_entity, 100)


# ----------------------------------------------------------------------------------------
# the vectorised scoring agrees with an independent row-wise implementation
# ----------------------------------------------------------------------------------------
def rowwise_raw_score(row, ind):
    """docs/methods.md §1, written from the formulas, one row at a time (percent of weight)."""
    p, x, t = ind.params, row["actual"], row["target"]
    if ind.method == "completion":
        r = x / t
        return 100 * min(r, p["cap"]) if r >= p["threshold"] else p["floor_score"]
    if ind.method == "tiered":
        b, c = row["base"], row["challenge"]
        frac = (x - b) / (t - b)
        if frac < 0:
            return 0.0
        if frac <= 1:
            return p["low"] + (p["mid"] - p["low"]) * frac
        return p["mid"] + (p["high"] - p["mid"]) * min((x - t) / (c - t), 1)
    if ind.method == "reverse":
        ratio = p["cap"] if x == 0 else t / x
        r = ratio if p["method"] == "ratio" else 1 - (x - t) / t
        return 100 * min(max(r, 0.0), p["cap"])
    if ind.method == "efficacy":
        d = 60 + 40 * (x - p["not_allowed"]) / (p["satisfactory"] - p["not_allowed"])
        if p["clip"] is not None:
            d = min(max(d, p["clip"][0]), p["clip"][1])
        return d
    if ind.method == "efficacy_tiered":
        v, c = list(p["standards"]), list(p["coefficients"])
        if x >= v[0]:
            return 100.0 * c[0]
        if x < v[-1]:
            return 0.0
        for k in range(len(v) - 1):  # v[k] > x >= v[k + 1]
            if v[k] > x >= v[k + 1]:
                own, up = v[k + 1], v[k]
                return 100 * c[k + 1] + (x - own) / (up - own) * 100 * (c[k] - c[k + 1])
    if ind.method == "step":
        value = x / t if p["basis"] == "ratio" else x
        score = 0.0
        for lower, s in p["brackets"]:
            if value >= lower:
                score = s
        return score
    raise AssertionError(ind.method)


def random_rows(rng, n):
    codes = [c for c, i in SCHEME.indicators.items() if i.method != "rank"]
    code = rng.choice(codes, n)
    target = rng.choice([0.0, 0.02, 1.0, 15.0, 500.0], n) * rng.uniform(0.5, 1.5, n)
    actual = target * rng.uniform(0, 2.5, n)
    # rates and satisfaction on their own scales
    rate_like = np.isin(code, ["on_time_rate", "pass_rate", "archive_rate", "collection_rate"])
    actual = np.where(rate_like, rng.uniform(0.5, 1.0, n), actual)
    actual = np.where(code == "satisfaction", rng.uniform(50, 100, n), actual)
    actual = np.where(code == "churn_rate", rng.choice([0.0, 0.01, 0.02, 0.03, 0.07], n), actual)
    target = np.where(np.isin(code, ["archive_rate", "collection_rate"]), 1.0, target)
    target = np.where(code == "churn_rate", 0.02, target)
    actual = np.where(rng.random(n) < 0.05, np.nan, actual)
    return pd.DataFrame(
        {
            "entity_id": [f"S{i:06d}" for i in range(n)],
            "role": "customer_manager",
            "indicator": code,
            "actual": actual,
            "target": target,
            "base": target * 0.8,
            "challenge": target * 1.2,
            "applicable": rng.random(n) > 0.05,
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_scoring_agrees_with_rowwise(seed):
    rows = random_rows(np.random.default_rng(seed), 3000)
    out = score_rows(rows, SCHEME)
    for i, row in rows.iterrows():
        ind = SCHEME.indicators[row["indicator"]]
        needs_target = ind.method in ("completion", "tiered", "reverse") or (
            ind.method == "step" and ind.params["basis"] == "ratio"
        )
        ok = row["applicable"] and not np.isnan(row["actual"])
        ok = ok and (not needs_target or row["target"] > 0)
        assert out.loc[i, "applicable"] == ok
        if ok:
            expected = rowwise_raw_score(row, ind)
            assert out.loc[i, "raw_score"] == pytest.approx(expected, abs=1e-9), (i, dict(row))
        else:
            assert np.isnan(out.loc[i, "raw_score"])
            assert out.loc[i, "flag"] == "not_applicable"


def test_rank_indicator_ranks_within_each_group():
    rows = pd.DataFrame(
        {
            "entity_id": ["X01", "X02", "X03", "X04", "X05", "Z01", "Z02"],
            "role": ["county"] * 5 + ["centre"] * 2,
            "indicator": "unit_collection",
            "actual": [0.95, 0.88, 0.88, 0.70, 0.60, 0.5, 0.9],
            "target": np.nan,
            "base": np.nan,
            "challenge": np.nan,
            "applicable": True,
        }
    )
    out = score_rows(rows, SCHEME)
    # docs/methods.md §1.5 [C]: [95, 88, 88, 70, 60] ties min -> [100, 90, 90, 70, 60]
    assert out["raw_score"].tolist() == [100.0, 90.0, 90.0, 70.0, 60.0, 60.0, 100.0]


def test_score_rows_refuses_an_unknown_indicator():
    rows = random_rows(np.random.default_rng(0), 3).assign(indicator="smiles")
    with pytest.raises(ValueError, match="'smiles' is not in the scheme"):
        score_rows(rows, SCHEME)


def test_score_rows_does_not_modify_its_input():
    rows = random_rows(np.random.default_rng(0), 50)
    before = copy.deepcopy(rows)
    score_rows(rows, SCHEME)
    pd.testing.assert_frame_equal(rows, before)


def test_veto_with_lowest_grade_effect_keeps_the_total():
    raw = yaml.safe_load(SCHEME_PATH.read_text(encoding="utf-8"))
    raw["vetoes"]["serious_violation"]["effect"] = "lowest_grade"
    weights = raw["weights"]["roles"]["customer_manager"]
    del weights["collection_rate"]
    weights["satisfaction"] = 10
    month = worked_example(
        staff=[person("S00001"), person("S00002", name="李四")],
        inspections=[inspection("I1", "S00001", 35.0, False)],
    )
    sc = score_month(month, scheme_from_dict(raw)).staff.set_index("staff_id")
    assert sc.loc["S00001", "vetoed"] and sc.loc["S00001", "grade"] == "C"
    assert sc.loc["S00001", "total"] == pytest.approx(99.2 + 4 - 0.5)


# ----------------------------------------------------------------------------------------
# the generated sample: every role is scored
# ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_every_role_is_scored_on_the_generated_sample(tmp_path):
    """Everyone present the whole month gets a total, rank and grade; the few not scored
    joined during the month and have nothing applicable, each with the reasons in words."""
    from kpilib.contract.load import load_month
    from kpilib.sample.generate import generate

    for folder in generate(tmp_path, months=2):
        month = load_month(tmp_path, folder.name)
        sc = score_month(month, SCHEME)
        staff = sc.staff.merge(month.staff[["staff_id", "hire_date", "leave_date"]])
        start = pd.Timestamp(f"{folder.name}-01")
        whole_month = (staff["hire_date"] < start) & staff["leave_date"].isna()
        for role, group in staff[whole_month].groupby("role"):
            assert len(group) >= 10, role
            assert group["total"].notna().all(), (folder.name, role)
            assert group["rank"].notna().all() and group["grade"].notna().all(), role
        assert set(staff["role"]) == {"customer_manager", "service_staff", "support_staff"}
        assert sc.units["total"].notna().all()
        not_scored = sc.events[sc.events["kind"] == "not_scored"]
        assert len(not_scored) <= 9, folder.name
        assert set(not_scored["entity_type"]) <= {"staff"}
        hired = staff.set_index("staff_id").loc[not_scored["entity_id"], "hire_date"]
        assert (hired >= start).all()  # joined this month: nothing applicable yet
        reasons = sc.long[sc.long["entity_id"].isin(not_scored["entity_id"])]
        assert (~reasons["applicable"]).all()
        assert reasons["note"].str.contains("不适用").all()
        # support staff: technical support on tickets and inspections, the general
        # administration centre (administrators, inspectors) on training and qualification
        long = sc.long[sc.long["role"] == "support_staff"]
        applied = long[long["applicable"]].groupby("unit_code")["indicator"].agg(set)
        assert {"on_time_rate", "pass_rate", "training_hours"} <= applied["Z03"]
        assert applied["Z06"] <= {"training_hours", "qualified"}
        support = sc.staff[sc.staff["role"] == "support_staff"]
        assert set(support["unit_code"]) == {"Z03", "Z06"}


# ------------------------------------------------------------------------------------------
# 万户投诉率: complaints per 10,000 member lines, reverse scoring (issue 9 part 6)
# ------------------------------------------------------------------------------------------
def _complaint(tid, sid, opened="2026-10-03 09:00"):
    return (tid, "complaint", sid, "close", opened, "2026-10-31 10:00", 720.0, None)


def _complaint_month(complaints, base, *, carried_over=0):
    """X01: a customer manager with ``base`` member lines; a service member handling
    ``complaints`` complaints opened in October and ``carried_over`` opened in September;
    an order ticket too (not a complaint)."""
    tickets = [_complaint(f"C{i}", "S00002") for i in range(complaints)]
    tickets += [_complaint(f"P{i}", "S00002", "2026-09-30 23:59") for i in range(carried_over)]
    tickets.append(("O1", "order", "S00002", "close", "2026-10-04 09:00", "2026-10-04 10:00",
                    24.0, None))  # fmt: skip
    return worked_example(
        staff=[person("S00001"), person("S00002", role="service_staff", name="李四")],
        activity=[("S00001", 5, 18, 23, 24, base, 47, 50, 100_00, 100_00)],
        tickets=tickets,
    )


@pytest.mark.parametrize(
    ("complaints", "base", "actual", "raw", "flag"),
    [
        # 0 complaints: the best possible, r = cap 1.2 (methods §1.3a), never not applicable
        (0, 1000, 0.0, 120.0, "cap"),
        # 3 x 10,000 / 4,000 = 7.5 per 10,000; r = 70 / 7.5 = 9.33 -> cap 1.2
        (3, 4000, 7.5, 120.0, "cap"),
        # at target: 7 x 10,000 / 1,000 = 70; r = 70 / 70 = 1 -> 100 %
        (7, 1000, 70.0, 100.0, ""),
        # above target: 14 x 10,000 / 1,000 = 140; r = 70 / 140 = 0.5 -> 50 %
        (14, 1000, 140.0, 50.0, ""),
    ],
)
def test_complaints_per_10000_member_lines(complaints, base, actual, raw, flag):
    sc = score_month(_complaint_month(complaints, base, carried_over=2), SCHEME)
    unit = sc.long[(sc.long["entity_type"] == "unit")].set_index("indicator")
    row = unit.loc["complaint_rate"]
    assert row["indicator_name"] == "万户投诉率" and row["method"] == "reverse"
    assert row["applicable"] and row["target"] == 70.0
    assert row["actual"] == pytest.approx(actual)  # September's 2 complaints not counted
    assert row["raw_score"] == pytest.approx(raw)
    assert row["flag"] == flag
    assert row["weight"] == 10.0
    if complaints == 0:
        assert "实际值为0" in row["note"]
    # no staff member has the indicator (it is the county's)
    assert "complaint_rate" not in set(sc.long.loc[sc.long["entity_type"] == "staff", "indicator"])


def test_complaints_without_member_lines_are_not_applicable():
    sc = score_month(_complaint_month(3, 0), SCHEME)
    unit = sc.long[(sc.long["entity_type"] == "unit")].set_index("indicator")
    row = unit.loc["complaint_rate"]
    assert not row["applicable"] and np.isnan(row["raw_score"])
    assert "成员基数为0" in row["note"]
