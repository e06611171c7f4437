"""kpilib.stats.plan: GB/T 2828.1 plans per unit, drawn list, inspectors, lot verdicts.

References: GB/T 2828.1-2012 (= ISO 2859-1:1999) Table 1 (sample size code letters) and
Table 2-A (single sampling plans, normal inspection); docs/methods.md §3.1–3.3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpilib.contract.load import load_month
from kpilib.report.excel import write_excel
from kpilib.report.exports import sampling_list_export
from kpilib.report.results import Results
from kpilib.report.store import write_results
from kpilib.run.open import plan_results
from kpilib.sample.generate import generate
from kpilib.stats import plan, sampling

MONTH = "2026-10"
T0 = pd.Timestamp("2026-10-01 09:00")


def _month(lots: dict[str, int], *, open_tickets: int = 0, staff_per_unit: int = 3):
    """Canonical units, staff and tickets: ``lots[unit]`` closed tickets per unit.

    Units whose code starts with X are counties, the others centres. Tickets are spread
    over the unit's staff; ``open_tickets`` more per unit have no ``closed_at``.
    """
    codes = sorted(lots)
    units = pd.DataFrame(
        {
            "unit_code": codes,
            "unit_name": [f"单位{c}" for c in codes],
            "unit_type": ["county" if c.startswith("X") else "centre" for c in codes],
        }
    )
    staff = pd.DataFrame(
        {
            "staff_id": [f"S{u}{k}" for u in codes for k in range(staff_per_unit)],
            "unit_code": [u for u in codes for _ in range(staff_per_unit)],
        }
    )
    rows = []
    for u in codes:
        for i in range(lots[u] + open_tickets):
            closed = i < lots[u]
            rows.append(
                {
                    "ticket_id": f"T{u}{i:06d}",
                    "kind": "complaint" if i % 3 == 0 else "order",
                    "staff_id": f"S{u}{i % staff_per_unit}",
                    "stage": "close" if closed else "handle",
                    "opened_at": T0 + pd.Timedelta(minutes=i),
                    "closed_at": T0 + pd.Timedelta(hours=3, minutes=i) if closed else pd.NaT,
                    "time_limit_hours": 24.0,
                    "satisfaction": np.nan,
                }
            )
    columns = ["ticket_id", "kind", "staff_id", "stage", "opened_at", "closed_at"]
    tickets = pd.DataFrame(rows, columns=[*columns, "time_limit_hours", "satisfaction"])
    tickets["closed_at"] = pd.to_datetime(tickets["closed_at"])
    return units, staff, tickets


def _row(frame: pd.DataFrame, unit: str) -> pd.Series:
    return frame.set_index("unit_code").loc[unit]


# --------------------------------------------------------------------------- the plan

# Level II examples of docs/methods.md §3.2 and further cells read from GB/T 2828.1
# Table 1 (lot → letter) and Table 2-A (letter, AQL → n, Ac/Re; arrows followed):
# (lot, aql, code letter, plan letter, n, Ac, Re, full inspection)
HAND_CELLS = [
    (60, 2.5, "E", "F", 20, 1, 2, False),  # spec §3.2: E at 2.5 is ↓ to F
    (100, 2.5, "F", "F", 20, 1, 2, False),  # spec §3.2
    (200, 2.5, "G", "G", 32, 2, 3, False),  # spec §3.2
    (20, 4.0, "C", "B", 3, 0, 1, False),  # spec §3.2: C at 4.0 is ↑ to B
    (40, 4.0, "D", "E", 13, 1, 2, False),  # spec §3.2: D at 4.0 is ↓ to E
    (12, 6.5, "B", "A", 2, 0, 1, False),  # spec §3.2
    (20, 6.5, "C", "D", 8, 1, 2, False),  # spec §3.2
    (5, 1.0, "A", "E", 5, 0, 1, True),  # spec §3.2: plan E, n 13 ≥ lot 5 → 100 %
    (395, 2.5, "H", "H", 50, 3, 4, False),  # Table 1: 281–500 → H; Table 2-A H/2.5: 3/4
    (1046, 2.5, "J", "J", 80, 5, 6, False),  # 501–1200 → J; J/2.5: 5/6
    (1533, 2.5, "K", "K", 125, 7, 8, False),  # 1201–3200 → K; K/2.5: 7/8
    (3201, 0.65, "L", "L", 200, 3, 4, False),  # 3201–10000 → L; L/0.65: 3/4
    (2, 2.5, "A", "C", 2, 0, 1, True),  # A at 2.5 is ↓ to C (n 5 ≥ 2) → 100 %
]


@pytest.mark.parametrize(("lot", "aql", "code", "letter", "n", "ac", "re", "full"), HAND_CELLS)
def test_plan_matches_hand_computed_cells_of_tables_1_and_2a(
    lot, aql, code, letter, n, ac, re, full
):
    units, staff, tickets = _month({"X01": lot})
    row = _row(plan.inspection_plan(tickets, staff, units, aql=aql), "X01")
    assert (row["lot_size"], row["code_letter"], row["letter"]) == (lot, code, letter)
    assert (row["n"], row["ac"], row["re"], row["full_inspection"]) == (n, ac, re, full)


LOTS = [2, 8, 9, 15, 16, 25, 26, 50, 51, 90, 91, 150, 151, 280, 281, 500, 501, 1200, 1201]


@pytest.fixture(scope="module")
def every_range():
    """One unit per lot-size boundary of Table 1 up to 1201, with one open ticket each."""
    lots = {f"X{i:02d}": lot for i, lot in enumerate(LOTS, start=1)}
    return lots, *_month(lots, open_tickets=1)


@pytest.mark.parametrize("level", ["S-1", "S-2", "S-3", "S-4", "I", "II", "III"])
@pytest.mark.parametrize("aql", [0.65, 1.0, 2.5, 4.0, 6.5])
def test_plan_per_unit_agrees_with_sampling_single_plan(every_range, level, aql):
    lots, units, staff, tickets = every_range
    table = plan.inspection_plan(tickets, staff, units, aql=aql, level=level).set_index("unit_code")
    for unit, lot in lots.items():
        expected = sampling.single_plan(lot, aql, level=level)
        row = table.loc[unit]
        assert row["lot_size"] == lot
        assert row["code_letter"] == sampling.code_letter(lot, level=level)
        got = (row["letter"], row["n"], row["ac"], row["re"], row["full_inspection"])
        assert got == (
            expected.letter,
            expected.n,
            expected.ac,
            expected.re,
            expected.full_inspection,
        )
        if not expected.full_inspection:
            assert row["note"] == ""
    assert (table["aql"] == aql).all() and (table["level"] == level).all()


def test_plan_columns_order_and_types():
    units, staff, tickets = _month({"Z01": 30, "X02": 0, "X01": 60})
    table = plan.inspection_plan(tickets, staff, units)
    assert list(table.columns) == [
        "unit_code",
        "unit_name",
        "unit_type",
        "lot_size",
        "code_letter",
        "letter",
        "n",
        "ac",
        "re",
        "full_inspection",
        "aql",
        "level",
        "inspection_severity",
        "plan_table",
        "note",
    ]
    assert table["unit_code"].tolist() == ["X01", "X02", "Z01"]  # counties first, by code
    assert str(table["ac"].dtype) == "Int64" and table["n"].dtype == "int64"


def test_unit_without_records_has_lot_0_n_0_and_a_note():
    units, staff, tickets = _month({"X01": 60, "Z01": 0}, open_tickets=4)
    row = _row(plan.inspection_plan(tickets, staff, units), "Z01")
    assert row["lot_size"] == 0 and row["n"] == 0 and not row["full_inspection"]
    assert pd.isna(row["ac"]) and pd.isna(row["re"]) and pd.isna(row["letter"])
    assert "无已办结工单" in row["note"]


def test_open_tickets_are_not_in_the_lot():
    units, staff, tickets = _month({"X01": 60}, open_tickets=40)
    assert _row(plan.inspection_plan(tickets, staff, units), "X01")["lot_size"] == 60


# Ac of a lot of 2: II/2.5 A ↓ C 0/1; II/10 A has no plan → fallback C 1/2; III/0.65 B ↓ F 0/1
@pytest.mark.parametrize(("aql", "level", "ac"), [(2.5, "II", 0), (10, "II", 1), (0.65, "III", 0)])
def test_lot_of_one_is_inspected_whole(aql, level, ac):
    # Table 1 starts at lot size 2: the single record is inspected (100 %), Ac/Re of lot 2.
    units, staff, tickets = _month({"X01": 1})
    row = _row(plan.inspection_plan(tickets, staff, units, aql=aql, level=level), "X01")
    assert (row["lot_size"], row["n"], row["full_inspection"]) == (1, 1, True)
    assert pd.isna(row["code_letter"])
    assert row["ac"] == ac and row["re"] == ac + 1
    assert "批量为1" in row["note"]


def test_cell_a_at_aql_10_falls_back_to_the_plan_of_letter_c():
    # Level II, lot 2–8 → A (Table 1); Table 2-A A/10 is ↑ with no plan above.
    with pytest.raises(ValueError, match="no plan for code letter 'A' at AQL 10"):
        sampling.single_plan(8, 10)
    units, staff, tickets = _month({"X01": 8, "X02": 4})
    table = plan.inspection_plan(tickets, staff, units, aql=10)
    big, small = _row(table, "X01"), _row(table, "X02")
    # C/10 is Ac 1, Re 2 with n 5 (what letter B's lots get: B/10 is ↓ to C)
    assert (big["code_letter"], big["letter"], big["n"], big["ac"], big["re"]) == (
        "A",
        "C",
        5,
        1,
        2,
    )
    assert not big["full_inspection"] and "无方案" in big["note"]
    assert (small["letter"], small["n"], small["full_inspection"]) == ("C", 4, True)
    assert _row(plan.inspection_plan(tickets, staff, units, aql=10), "X01")["ac"] == 1


def test_cell_r_at_aql_0_015_falls_back_to_the_plan_of_letter_p():
    # Level III, lot ≥ 500001 → R (Table 1); Table 2-A R/0.015 is ↓ with no plan below.
    lot = 500_001
    with pytest.raises(ValueError, match=r"no plan for code letter 'R' at AQL 0\.015"):
        sampling.single_plan(lot, 0.015, level="III")
    units = pd.DataFrame({"unit_code": ["X01"], "unit_name": ["甲"], "unit_type": ["county"]})
    staff = pd.DataFrame({"staff_id": ["S1"], "unit_code": ["X01"]})
    tickets = pd.DataFrame(
        {
            "ticket_id": np.char.add("T", np.arange(lot).astype(str)),
            "staff_id": "S1",
            "kind": "order",
            "stage": "close",
            "opened_at": T0,
            "closed_at": T0,
        }
    )
    row = _row(plan.inspection_plan(tickets, staff, units, aql=0.015, level="III"), "X01")
    # P/0.015 is Ac 0, Re 1 with n 800 (what letter Q's lots get: Q/0.015 is ↑ to P)
    assert (row["code_letter"], row["letter"], row["n"], row["ac"], row["re"]) == (
        "R",
        "P",
        800,
        0,
        1,
    )
    assert "无方案" in row["note"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aql": 3.0}, r"aql must be one of .* got 3\.0"),
        ({"aql": "x"}, r"aql must be one of .* got 'x'"),
        ({"level": "IV"}, r"level must be one of .* got 'IV'"),
    ],
)
def test_plan_refuses_wrong_options_naming_them(kwargs, message):
    units, staff, tickets = _month({"X01": 10})
    with pytest.raises(ValueError, match=message):
        plan.inspection_plan(tickets, staff, units, **kwargs)


def test_plan_refuses_tickets_of_unknown_staff_and_missing_columns():
    units, staff, tickets = _month({"X01": 10})
    with pytest.raises(ValueError, match=r"staff not in the staff table: \['S99'\]"):
        plan.inspection_plan(tickets.assign(staff_id="S99"), staff, units)
    with pytest.raises(ValueError, match=r"tickets is missing column\(s\) \['closed_at'\]"):
        plan.inspection_plan(tickets.drop(columns="closed_at"), staff, units)


# --------------------------------------------------------------------------- the draw

LIST_COLUMNS = ["ticket_id", "unit_code", "staff_id", "kind", "stage", "opened_at", "closed_at"]


@pytest.fixture
def month_lots():
    lots = {"X01": 395, "X02": 60, "X03": 1, "Z01": 0, "Z02": 1046, "Z03": 5}
    units, staff, tickets = _month(lots, open_tickets=7)
    return lots, units, staff, tickets, plan.inspection_plan(tickets, staff, units)


def test_draw_gives_exactly_n_closed_records_per_unit(month_lots):
    _, _, staff, tickets, table = month_lots
    drawn = plan.draw_records(tickets, staff, table, seed=202610)
    assert list(drawn.columns) == LIST_COLUMNS
    counts = drawn.groupby("unit_code").size()
    expected = table.set_index("unit_code")["n"]
    assert counts.to_dict() == expected[expected > 0].to_dict()
    assert counts.to_dict() == {"X01": 50, "X02": 20, "X03": 1, "Z02": 80, "Z03": 5}
    assert drawn["closed_at"].notna().all() and drawn["ticket_id"].is_unique
    assert set(drawn["ticket_id"]) <= set(tickets["ticket_id"])
    owner = staff.set_index("staff_id")["unit_code"]
    assert (drawn["staff_id"].map(owner) == drawn["unit_code"]).all()


def test_draw_is_reproducible_and_independent_of_row_order(month_lots):
    _, _, staff, tickets, table = month_lots
    first = plan.draw_records(tickets, staff, table, seed=7)
    shuffled = tickets.sample(frac=1, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, plan.draw_records(shuffled, staff, table, seed=7))
    pd.testing.assert_frame_equal(first, plan.draw_records(tickets, staff, table, seed=7))
    other = plan.draw_records(tickets, staff, table, seed=8)
    assert set(other["ticket_id"]) != set(first["ticket_id"])


def test_draw_refuses_a_plan_of_other_tickets_and_a_negative_seed(month_lots):
    _, _, staff, tickets, table = month_lots
    with pytest.raises(ValueError, match=r"does not match .*X01: plan 395, tickets 394"):
        plan.draw_records(tickets.iloc[1:], staff, table, seed=1)
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer, got -1"):
        plan.draw_records(tickets, staff, table, seed=-1)


# --------------------------------------------------------------------------- inspectors


def _drawn(handlers: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"ticket_id": [f"T{i:04d}" for i in range(len(handlers))], "staff_id": handlers}
    )


@pytest.mark.parametrize("seed", range(25))
def test_assignment_is_balanced_and_never_self(seed):
    # 3 inspectors; two of them handled some of the drawn records themselves.
    handlers = ["Q1"] * 4 + ["Q2"] * 3 + [f"S{i}" for i in range(10)]
    out = plan.assign_inspectors(_drawn(handlers), ["Q1", "Q2", "Q3"], seed=seed)
    counts = out["inspector_id"].value_counts()
    assert set(counts.index) == {"Q1", "Q2", "Q3"}
    assert counts.max() - counts.min() <= 1
    assert (out["inspector_id"] != out["staff_id"]).all()


def test_assignment_is_reproducible_and_independent_of_order():
    handlers = ["Q1"] * 3 + [f"S{i}" for i in range(20)]
    drawn = _drawn(handlers)
    one = plan.assign_inspectors(drawn, ["Q1", "Q2", "Q3", "Q4"], seed=5)
    two = plan.assign_inspectors(drawn.iloc[::-1], ["Q4", "Q3", "Q2", "Q1", "Q1"], seed=5)
    assert one.set_index("ticket_id")["inspector_id"].equals(
        two.set_index("ticket_id")["inspector_id"].loc[one["ticket_id"]]
    )
    assert list(two["ticket_id"]) == list(drawn["ticket_id"][::-1])  # rows keep their order
    three = plan.assign_inspectors(drawn, ["Q1", "Q2", "Q3", "Q4"], seed=6)
    assert not one["inspector_id"].equals(three["inspector_id"])


def test_assignment_edge_cases():
    empty = plan.assign_inspectors(_drawn([]), [], seed=1)
    assert list(empty.columns) == ["ticket_id", "staff_id", "inspector_id"] and empty.empty
    with pytest.raises(ValueError, match="no inspectors"):
        plan.assign_inspectors(_drawn(["S1"]), [], seed=1)
    with pytest.raises(ValueError, match=r"inspector 'Q1' handled too many"):
        plan.assign_inspectors(_drawn(["Q1", "S1"]), ["Q1"], seed=1)
    with pytest.raises(ValueError, match=r"inspector 'Q1' handled too many"):
        # balance gives Q1 two of four records, but three of the four are Q1's own
        plan.assign_inspectors(_drawn(["Q1", "Q1", "Q1", "S1"]), ["Q1", "Q2"], seed=1)


# --------------------------------------------------------------------------- verdicts


def _verdict_plan(n: int = 5, ac: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["X01", "Z01"],
            "unit_name": ["甲", "乙"],
            "lot_size": [60, 0],
            "n": [n, 0],
            "ac": pd.array([ac, None], dtype="Int64"),
            "re": pd.array([ac + 1, None], dtype="Int64"),
        }
    )


VERDICT_STAFF = pd.DataFrame({"staff_id": ["S1", "S2"], "unit_code": ["X01", "Z01"]})


def _inspections(passed: list[bool], *, records: list[str] | None = None) -> pd.DataFrame:
    k = len(passed)
    return pd.DataFrame(
        {
            "inspection_id": [f"I{i:03d}" for i in range(k)],
            "record_id": records or [f"T{i:03d}" for i in range(k)],
            "staff_id": "S1",
            "inspector_id": "Q1",
            "inspected_date": pd.date_range("2026-10-01", periods=k, freq="D"),
            "score": 90.0,
            "passed": pd.array(passed, dtype="boolean"),
        }
    )


# (passed flags, Ac of the plan (n 5, Re = Ac + 1), defects, verdict): Ac/Re rule of GB/T 2828.1
VERDICTS = [
    ([True] * 5, 0, 0, plan.ACCEPT),  # 0 ≤ Ac 0
    ([True] * 4 + [False], 0, 1, plan.REJECT),  # 1 ≥ Re 1
    ([True] * 4 + [False], 1, 1, plan.ACCEPT),  # 1 ≤ Ac 1
    ([True] * 3 + [False] * 2, 1, 2, plan.REJECT),  # 2 ≥ Re 2
    ([False] * 5, 3, 5, plan.REJECT),  # 5 ≥ Re 4
]


@pytest.mark.parametrize(("passed", "ac", "defects", "verdict"), VERDICTS)
def test_lot_is_accepted_up_to_ac_and_rejected_from_re(passed, ac, defects, verdict):
    out = plan.lot_verdicts(_inspections(passed), VERDICT_STAFF, _verdict_plan(ac=ac))
    row = _row(out, "X01")
    assert (row["inspected"], row["judged"], row["defects"]) == (5, 5, defects)
    assert (row["ac"], row["re"], row["verdict"], row["note"]) == (ac, ac + 1, verdict, "")


def test_verdict_columns_and_units_without_plan_or_inspection():
    out = plan.lot_verdicts(_inspections([True]), VERDICT_STAFF, _verdict_plan())
    assert list(out.columns) == [
        "unit_code",
        "unit_name",
        "lot_size",
        "n",
        "ac",
        "re",
        "inspected",
        "judged",
        "defects",
        "verdict",
        "note",
    ]
    z01 = _row(out, "Z01")
    assert pd.isna(z01["verdict"]) and z01["inspected"] == 0 and "无抽检计划" in z01["note"]
    none = plan.lot_verdicts(_inspections([]), VERDICT_STAFF, _verdict_plan())
    assert pd.isna(_row(none, "X01")["verdict"]) and "未抽检" in _row(none, "X01")["note"]


def test_fewer_than_n_inspected_is_judged_with_a_note():
    out = _row(plan.lot_verdicts(_inspections([True] * 3), VERDICT_STAFF, _verdict_plan()), "X01")
    assert (out["inspected"], out["judged"], out["verdict"]) == (3, 3, plan.ACCEPT)
    assert "少于样本量5" in out["note"]
    rejected = plan.lot_verdicts(_inspections([False] * 2), VERDICT_STAFF, _verdict_plan())
    assert _row(rejected, "X01")["verdict"] == plan.REJECT  # Re reached before n: reject


def test_more_than_n_inspected_judges_the_first_n_in_date_order():
    # n 5, Ac 1: the first five are 1 defect → accept; the two later failures are not judged.
    passed = [True, False, True, True, True, False, False]
    out = _row(plan.lot_verdicts(_inspections(passed), VERDICT_STAFF, _verdict_plan()), "X01")
    assert (out["inspected"], out["judged"], out["defects"], out["verdict"]) == (
        7,
        5,
        1,
        plan.ACCEPT,
    )
    assert "多于样本量5" in out["note"]


def test_a_record_inspected_twice_counts_once_and_fails_if_either_failed():
    records = ["T1", "T2", "T3", "T1"]
    out = plan.lot_verdicts(
        _inspections([True, True, True, False], records=records), VERDICT_STAFF, _verdict_plan()
    )
    assert (_row(out, "X01")["inspected"], _row(out, "X01")["defects"]) == (3, 1)


def test_verdicts_refuse_blank_results_and_unknown_staff():
    blank = _inspections([True, True])
    blank.loc[1, "passed"] = pd.NA
    with pytest.raises(ValueError, match="passed has blanks"):
        plan.lot_verdicts(blank, VERDICT_STAFF, _verdict_plan())
    with pytest.raises(ValueError, match=r"staff not in the staff table: \['S9'\]"):
        plan.lot_verdicts(
            _inspections([True]).assign(staff_id="S9"), VERDICT_STAFF, _verdict_plan()
        )


# --------------------------------------------------------------------------- precision


def test_precision_uses_cochran_with_the_lot_as_population():
    table = pd.DataFrame({"unit_code": ["A", "B", "C"], "lot_size": [1000, 1, 0], "n": [80, 1, 0]})
    out = plan.precision(table)
    # docs/methods.md §3.3: e 0.05, p 0.5, N 1000 → 277.7335 → 278
    assert out["n_cochran"].tolist() == [278, 1, 0]
    z = 1.959963984540054
    assert out.loc[0, "margin_at_n"] == pytest.approx(z * np.sqrt(0.25 / 80 * 920 / 999))
    assert out.loc[1, "margin_at_n"] == 0 and np.isnan(out.loc[2, "margin_at_n"])


# --------------------------------------------------------------------------- the month


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("plan_data")
    generate(data_dir, months=1, end=MONTH, counties=2, centres=6, seed=21)
    return data_dir, load_month(data_dir, MONTH)


def test_plan_tables_on_a_generated_month(generated):
    _, data = generated
    tables = plan.plan_tables(data)
    assert tuple(tables) == plan.TABLE_NAMES
    table, listed = tables["sampling_plan"], tables["sampling_list"]
    assert (table["seed"] == 202610).all()
    assert set(table["unit_code"]) == set(data.units["unit_code"])
    n = table.set_index("unit_code")["n"]
    assert listed.groupby("unit_code").size().to_dict() == n[n > 0].to_dict()
    assert list(listed.columns) == [*LIST_COLUMNS, "inspector_id"]
    inspectors = set(data.inspections["inspector_id"])
    assert set(listed["inspector_id"]) == inspectors
    counts = listed["inspector_id"].value_counts()
    assert counts.max() - counts.min() <= 1
    assert (listed["inspector_id"] != listed["staff_id"]).all()
    verdicts = tables["lot_verdicts"]
    judged = verdicts[verdicts["judged"] > 0]
    assert set(judged["verdict"]) <= {plan.ACCEPT, plan.REJECT}
    assert (judged["verdict"] == plan.REJECT).eq(judged["defects"] >= judged["re"]).all()
    again = plan.plan_tables(data, seed=202610)
    for name in plan.TABLE_NAMES:
        pd.testing.assert_frame_equal(tables[name], again[name])


def test_plan_tables_without_inspections_leave_inspectors_blank(generated):
    _, data = generated
    from dataclasses import replace

    quiet = replace(data, inspections=data.inspections.iloc[:0])
    tables = plan.plan_tables(quiet, seed=3)
    assert tables["sampling_list"]["inspector_id"].isna().all()
    assert tables["lot_verdicts"]["verdict"].isna().all()


def test_export_sheets_have_chinese_headers_and_write_to_excel(generated, tmp_path):
    _, data = generated
    sheets = sampling_list_export(plan.plan_tables(data))
    assert list(sheets) == ["抽样依据", "抽检计划", "抽检清单", "本月批判定", "检验严格度转移"]
    assert {"单位编码", "批量(本月办结工单)", "样本量", "接收数Ac", "拒收数Re"} <= set(
        sheets["抽检计划"].columns
    )
    # GB/T 2828.1 clause 9: severities in Chinese, never the codes
    names = {"正常检验", "加严检验", "放宽检验", "暂停检验"}
    assert set(sheets["抽检计划"]["本月检验严格度"]) <= names
    assert {"本月检验严格度", "下月检验严格度", "本批判定与转移"} <= set(
        sheets["检验严格度转移"].columns
    )
    assert list(sheets["抽检清单"].columns) == [
        "工单编号",
        "单位编码",
        "处理人工号",
        "工单类型",
        "当前环节",
        "受理时间",
        "办结时间",
        "指派质检员工号",
    ]
    assert set(sheets["抽检清单"]["工单类型"]) <= {"投诉", "业务受理"}
    assert {"抽检数", "不合格数", "判定"} <= set(sheets["本月批判定"].columns)
    basis = sheets["抽样依据"].set_index("项目")["内容"]
    assert "GB/T 2828.1-2012" in basis["抽样标准"] and basis["随机种子"] == "202610"
    path = write_excel(tmp_path / "sampling_list.xlsx", sheets)
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == list(sheets) and len(back["抽检清单"]) == len(sheets["抽检清单"])
    with pytest.raises(ValueError, match=r"tables is missing \['lot_verdicts'\]"):
        sampling_list_export({"sampling_plan": 1, "sampling_list": 2})


def test_plan_results_reads_stored_tables_only_when_they_fit(generated, tmp_path, monkeypatch):
    data_dir, data = generated
    stored = plan.plan_tables(data)
    stored["sampling_plan"] = stored["sampling_plan"].assign(note="STORED")
    write_results(tmp_path, stored)
    results = Results(tmp_path)
    options = {"month": MONTH, "data_dir": data_dir, "aql": 2.5, "level": "II", "seed": 0}
    got = plan_results(results, **options)  # seed 0 = the month's default seed
    assert (got["sampling_plan"]["note"] == "STORED").all()
    # other options: computed from the input files (load_month replaced by the loaded month)
    monkeypatch.setattr("kpilib.run.open.load_month", lambda folder, month, **_: data)
    for changed in ({"aql": 1.0}, {"level": "I"}, {"seed": 5}):
        fresh = plan_results(results, **{**options, **changed})
        assert not (fresh["sampling_plan"]["note"] == "STORED").any()
        assert fresh["sampling_plan"]["seed"].iloc[0] == changed.get("seed", 202610)
    monkeypatch.undo()
    computed = plan_results(Results(tmp_path / "none"), **options)
    pd.testing.assert_frame_equal(
        computed["sampling_list"], plan.plan_tables(data)["sampling_list"]
    )


def test_default_seed():
    assert plan.default_seed("2026-10") == 202610
    with pytest.raises(ValueError, match=r"month must be of the form YYYY-MM, got '2026-1'"):
        plan.default_seed("2026-1")
