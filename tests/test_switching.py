"""GB/T 2828.1-2012 (= ISO 2859-1:1999) switching rules (clause 9) and Tables 2-B, 2-C.

Sources named per test:
- The clauses: GB/T 2828.1-2012 / ISO 2859-1:1999 clause 9 (9.1 start at normal; 9.3.1
  normal → tightened on 2 of 5 or fewer consecutive lots not accepted; 9.3.2 tightened →
  normal on 5 consecutive lots accepted; 9.3.3 normal → reduced on a switching score of at
  least 30 with steady production and the responsible authority's approval; 9.3.3.2 the
  switching score; 9.3.4 reduced → normal; 9.4 discontinuation after 5 lots not accepted
  on tightened inspection), as also summarised by sqconline.com "Switching Rules (ISO
  2859-1)" and the AQL Inspector's Rule manual (aqlrule.com/manual/switch.html).
- Table 2-B cells: ISO 2859-1 / MIL-STD-105E Table II-B (single sampling, tightened) as
  reproduced in the NIBS/DPW table "Single Tightened" (rows F to K, AQL 0.65 to 15), and
  the AQL Inspector's Rule note on AQL 0.025 (rows Q and R point to row S, n 3150, 1/2).
- Table 2-C: the AQL Inspector's Rule note "reduced inspection, AQL 0.015, code letter R:
  move to letter P, sample size 315, Ac 0, Re 1".
Every expected state in the lot histories below is worked out by hand from the clauses.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpilib.contract.load import load_month
from kpilib.sample.generate import generate
from kpilib.stats import plan, sampling, switching
from kpilib.stats.switching import (
    DISCONTINUED,
    NORMAL,
    REDUCED,
    TIGHTENED,
    UnitState,
    step,
    switching_history,
)

DOWN, UP = "↓", "↑"


def _months(count: int, start: str = "2025-01") -> list[str]:
    first = pd.Period(start, freq="M")
    return [str(first + k) for k in range(count)]


def _lots(accepted: list[bool | None], *, ac: int = 1, defects=None, ac_tighter=None, unit="X01"):
    """One unit's lots, one a month; defects default to 0 (accepted) / ac + 1 (not)."""
    if defects is None:
        defects = [0 if ok in (True, None) else ac + 1 for ok in accepted]
    return pd.DataFrame(
        {
            "unit_code": unit,
            "month": _months(len(accepted)),
            "accepted": pd.array(accepted, dtype="boolean"),
            "ac": ac,
            "defects": defects,
            "ac_tighter": pd.array(
                [ac_tighter] * len(accepted) if not isinstance(ac_tighter, list) else ac_tighter,
                dtype="Int64",
            ),
        }
    )


# ------------------------------------------------------------------------- Table 2-B
# ISO 2859-1 Table 2-B (= MIL-STD-105E II-B), rows F-K, columns AQL 0.65 … 15.
TABLE_2B_ROWS = {
    #     0.65  1.0   1.5   2.5   4.0  6.5 10 15
    "F": [DOWN, 0, DOWN, DOWN, 1, 2, 3, 5],
    "G": [0, DOWN, DOWN, 1, 2, 3, 5, 8],
    "H": [DOWN, DOWN, 1, 2, 3, 5, 8, 12],
    "J": [DOWN, 1, 2, 3, 5, 8, 12, 18],
    "K": [1, 2, 3, 5, 8, 12, 18, UP],
}
COLUMNS_2B = ["0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15"]


@pytest.mark.parametrize(
    ("letter", "aql", "expected"),
    [
        pytest.param(letter, aql, value, id=f"2-B-{letter}-{aql}")
        for letter, row in TABLE_2B_ROWS.items()
        for aql, value in zip(COLUMNS_2B, row, strict=True)
    ],
)
def test_table_2b_cell(letter, aql, expected):
    # GB/T 2828.1 Table 2-B, cell (letter, AQL): Ac (Re = Ac + 1) or arrow
    assert sampling.table_2b().loc[letter, aql] == expected


def test_table_2b_row_s_and_aql_0025():
    # Table 2-B, AQL 0.025: 0/1 at P, arrows at Q and R down to row S (n 3150, Ac 1 Re 2)
    t = sampling.table_2b()
    assert [t.loc[x, "0.025"] for x in "PQRS"] == [0, DOWN, DOWN, 1]
    assert sampling.TIGHTENED_SAMPLE_SIZES["S"] == 3150
    for level in ("II", "III"):  # lot 500001 → Q (level II), R (level III), Table 1
        p = sampling.single_plan(500_001, 0.025, level=level, severity="tightened")
        assert (p.letter, p.n, p.ac, p.re) == ("S", 3150, 1, 2)


def test_table_2b_sample_sizes_are_those_of_table_2a_plus_s():
    # Table 2-B second column: A 2 … R 2000 as Table 2-A, then S 3150
    assert {k: v for k, v in sampling.TIGHTENED_SAMPLE_SIZES.items() if k != "S"} == (
        sampling.SAMPLE_SIZES
    )


# ------------------------------------------------------------------------- Table 2-C
def test_table_2c_sample_sizes():
    # Table 2-C second column: A 2, B 2, C 2, D 3, E 5, F 8, G 13, H 20, J 32, K 50,
    # L 80, M 125, N 200, P 315, Q 500, R 800
    assert list(sampling.REDUCED_SAMPLE_SIZES.values()) == [
        2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800,
    ]  # fmt: skip


def test_table_2c_aql_0015_letter_r_moves_to_p():
    # Table 2-C, AQL 0.015: R ↓ leaves the table; P holds 0/1 at n 315 (AQL Inspector's Rule)
    t = sampling.table_2c()
    assert t.loc["P", "0.015"] == 0 and t.loc["R", "0.015"] == DOWN
    with pytest.raises(ValueError, match="Table 2-C has no plan"):
        sampling.single_plan(600_000, 0.015, level="III", severity="reduced")  # R
    row = plan._unit_plan(600_000, "0.015", "III", "reduced")
    assert (row["letter"], row["n"], row["ac"], row["re"]) == ("P", 315, 0, 1)


def test_table_2c_cells_stand_where_those_of_table_2a_do():
    # ISO 2859-1:1999 Table 2-C: Re = Ac + 1 and the Ac/arrows of Table 2-A's cells
    assert sampling.table_2c().equals(sampling.table_2a())


def test_tighter_ac_is_the_next_tighter_column_of_table_2a():
    # Table 2-A row K (n 125): AQL 2.5 → 7/8, one step tighter (1.5) → 5/6;
    # row J (n 80): AQL 4.0 → 7/8, one step tighter (2.5) → 5/6
    assert sampling.tighter_ac("K", 2.5) == 5
    assert sampling.table_2a().loc["K", "1.5"] == 5
    assert sampling.tighter_ac("J", 4.0) == 5
    assert sampling.tighter_ac("F", 2.5) is None  # F at AQL 1.5 is ↓


# ------------------------------------------------------------------------- rules
def test_starts_at_normal_9_1():
    # 9.1: normal inspection at the start
    assert UnitState().severity == NORMAL and UnitState().clause == "9.1"


def test_two_of_five_not_accepted_switches_to_tightened_9_3_1():
    # 9.3.1: lots 1 and 5 not accepted (2 of 5 consecutive) → tightened from lot 6
    out = switching_history(_lots([False, True, True, True, False, True]))
    assert out["severity"].tolist() == [NORMAL] * 5 + [TIGHTENED]
    assert out["switched"].tolist() == [False, False, False, False, True, False]
    assert "第9.3.1条" in out.loc[4, "event"] and "最近5批中有2批未被接收" in out.loc[4, "event"]


def test_two_not_accepted_six_lots_apart_do_not_switch_9_3_1():
    # 9.3.1: lots 1 and 6 not accepted lie in no window of 5 consecutive lots
    out = switching_history(_lots([False, True, True, True, True, False]))
    assert out["severity_next"].tolist() == [NORMAL] * 6


def test_tightened_and_back_to_normal_9_3_1_and_9_3_2():
    # 9.3.1 on lots 1-2; on tightened, lot 5 not accepted resets the run (9.3.2 needs 5
    # consecutive accepted); lots 6-10 accepted → normal from lot 11
    accepted = [False, False, True, True, False, True, True, True, True, True, True]
    out = switching_history(_lots(accepted))
    assert out["severity"].tolist() == [NORMAL, NORMAL] + [TIGHTENED] * 8 + [NORMAL]
    assert "第9.3.2条" in out.loc[9, "event"] and out.loc[9, "clause"] == "9.3.2"
    assert out.loc[10, "score"] == 0  # the switching score restarts with normal inspection


def test_switching_score_ac_0_or_1_adds_2_and_reaches_reduced_9_3_3():
    # 9.3.3.2 a) 2): Ac 1, each accepted lot +2 → 30 after 15 lots → reduced from lot 16
    out = switching_history(_lots([True] * 16, ac=1))
    assert out["score_next"].tolist()[:15] == list(range(2, 32, 2))
    assert out["severity"].tolist() == [NORMAL] * 15 + [REDUCED]
    assert out.loc[14, "clause"] == "9.3.3" and "转移得分达到30" in out.loc[14, "event"]


def test_switching_score_ac_2_or_more_adds_3_when_a_tighter_aql_accepts_9_3_3_2():
    # 9.3.3.2 a) 1): Ac 5, one step tighter Ac 3. Defects 3 → +3; defects 4 (accepted at
    # Ac 5, not at Ac 3) → reset to 0; then 10 lots of ≤ 3 → 30 → reduced.
    defects = [3, 3, 4] + [1] * 10
    out = switching_history(_lots([True] * 13, ac=5, defects=defects, ac_tighter=3))
    assert out["score_next"].tolist() == [3, 6, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
    assert out["severity_next"].iloc[-1] == REDUCED


def test_switching_score_resets_on_a_lot_not_accepted_9_3_3_2():
    # 9.3.3.2 a) 2): Ac 0, accepted +2, not accepted → 0
    out = switching_history(_lots([True, True, False, True], ac=0))
    assert out["score_next"].tolist() == [2, 4, 0, 2]


def test_reduced_needs_steady_production_and_approval_9_3_3():
    # 9.3.3 b), c): score 30 is not enough without them
    for kwargs in ({"steady": False}, {"approved": False}):
        out = switching_history(_lots([True] * 16, ac=1), **kwargs)
        assert (out["severity_next"] == NORMAL).all()
        assert "仍为正常检验" in out.loc[14, "event"]


def test_reduced_back_to_normal_on_a_lot_not_accepted_9_3_4():
    # 9.3.3 after 15 accepted lots; 9.3.4 a): lot 18 not accepted → normal from lot 19
    accepted = [True] * 17 + [False, True]
    out = switching_history(_lots(accepted, ac=1))
    assert out["severity"].tolist() == [NORMAL] * 15 + [REDUCED] * 3 + [NORMAL]
    assert out.loc[17, "clause"] == "9.3.4" and "第9.3.4条a" in out.loc[17, "event"]


def test_reduced_back_to_normal_when_production_irregular_9_3_4_b():
    state = UnitState(severity=REDUCED, reason="", clause="9.3.3")
    after, event = step(state, month="2026-01", accepted=True, steady=False)
    assert after.severity == NORMAL and "第9.3.4条b" in event


def test_discontinuation_after_five_not_accepted_on_tightened_9_4():
    # 9.3.1 on lots 1-2; on tightened, lots 3-7 alternate so that no 5 consecutive are
    # accepted; the 5th lot not accepted on tightened (lot 11) discontinues inspection.
    accepted = [False, False, False, True, False, True, False, True, False, True, False]
    out = switching_history(_lots(accepted))
    assert out["severity"].tolist() == [NORMAL] * 2 + [TIGHTENED] * 9
    assert out["severity_next"].iloc[-1] == DISCONTINUED
    assert out["clause"].iloc[-1] == "9.4" and "纠正措施" in out["event"].iloc[-1]


def test_discontinued_unit_stays_suspended_until_its_action_is_accepted_9_4():
    state = UnitState(severity=DISCONTINUED, reason="", clause="9.4")
    same, event = step(state, month="2026-02", accepted=True)
    assert same == state and "暂停" in event
    after, event = step(state, month="2026-03", accepted=None, resumed=True)
    assert after.severity == TIGHTENED and after.accepted_run == 0 and "第9.4条" in event


def test_a_month_without_a_lot_changes_nothing():
    # the rules count lots: R, no lot, R → still 2 of 2 judged lots → tightened
    out = switching_history(_lots([False, None, False]))
    assert out["severity_next"].tolist() == [NORMAL, NORMAL, TIGHTENED]


def test_missing_ac_on_normal_inspection_is_refused():
    with pytest.raises(ValueError, match=r"9\.3\.3\.2"):
        step(UnitState(), month="2026-01", accepted=True, ac=None)


# ------------------------------------------------------------------------- the plan
def test_plan_uses_the_table_of_each_units_severity():
    # lot 60, level II → E. 2-A AQL 2.5: F n 20 1/2; 2-B: E ↓ ↓ to G n 32 1/2;
    # 2-C: E ↓ to F n 8 1/2 (reduced sample size of F)
    units = pd.DataFrame(
        {"unit_code": ["X01", "X02", "X03"], "unit_name": ["甲", "乙", "丙"], "unit_type": "county"}
    )
    staff = pd.DataFrame({"staff_id": ["S1", "S2", "S3"], "unit_code": ["X01", "X02", "X03"]})
    tickets = pd.DataFrame(
        {
            "ticket_id": [f"T{i:04d}" for i in range(180)],
            "staff_id": ["S1"] * 60 + ["S2"] * 60 + ["S3"] * 60,
            "kind": "order",
            "stage": "close",
            "opened_at": pd.Timestamp("2026-10-01"),
            "closed_at": pd.Timestamp("2026-10-02"),
        }
    )
    table = plan.inspection_plan(
        tickets, staff, units, severity={"X02": TIGHTENED, "X03": REDUCED}
    ).set_index("unit_code")
    assert table.loc["X01", ["letter", "n", "ac", "plan_table"]].tolist() == ["F", 20, 1, "2-A"]
    assert table.loc["X02", ["letter", "n", "ac", "plan_table"]].tolist() == ["G", 32, 1, "2-B"]
    assert table.loc["X03", ["letter", "n", "ac", "plan_table"]].tolist() == ["F", 8, 1, "2-C"]
    with pytest.raises(ValueError, match="severity must be one of"):
        plan.inspection_plan(tickets, staff, units, severity={"X01": "strict"})


@pytest.fixture(scope="module")
def three_months(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("switching_data")
    generate(data_dir, months=3, end="2026-10", counties=3, centres=2, seed=5)
    return [load_month(data_dir, m) for m in ("2026-08", "2026-09", "2026-10")]


def test_plan_tables_carry_the_severity_from_the_history(three_months):
    *history, data = three_months
    tables = plan.plan_tables(data, history=history)
    switched = tables["inspection_switching"]
    assert sorted(switched["month"].unique()) == ["2026-08", "2026-09", "2026-10"]
    # replay: each month's verdict fed to switching_history (9.3.3.2 needs the tighter Ac)
    tighter = [
        sampling.tighter_ac(letter, 2.5) if pd.notna(ac) and ac >= 2 else pd.NA
        for letter, ac in zip(switched["letter"], switched["ac"], strict=True)
    ]
    lots = switched.assign(
        accepted=switched["verdict"].map({plan.ACCEPT: True, plan.REJECT: False}).astype("boolean"),
        ac_tighter=pd.array(tighter, dtype="Int64"),
    )
    replay = switching_history(
        lots[["unit_code", "month", "accepted", "ac", "defects", "ac_tighter"]]
    )
    merged = switched.merge(replay, on=["unit_code", "month"])
    assert len(merged) == len(switched)
    assert (merged["inspection_severity"] == merged["severity"]).all()
    assert (merged["inspection_severity_next"] == merged["severity_next"]).all()
    assert (merged["switching_score_next"] == merged["score_next"]).all()
    now = switched[switched["month"] == "2026-10"].set_index("unit_code")
    table = tables["sampling_plan"].set_index("unit_code")
    assert (table["inspection_severity"] == now["inspection_severity"]).all()
    assert (table["inspection_severity_next"] == now["inspection_severity_next"]).all()
    assert table["severity_reason"].str.contains("第9").all()
    expected_table = table["inspection_severity"].map(
        {NORMAL: "2-A", TIGHTENED: "2-B", REDUCED: "2-C", DISCONTINUED: "2-B"}
    )
    assert (table["plan_table"] == expected_table).all()
    # without history every unit starts at normal (9.1) this month
    alone = plan.plan_tables(data)["sampling_plan"]
    assert (alone["inspection_severity"] == NORMAL).all()
    assert set(switching.NAMES) >= set(alone["inspection_severity_next"])


def test_plan_tables_from_a_replayed_history_are_those_from_the_history(three_months):
    # the runner keeps the earlier months' replay between runs (kpilib.report.shared):
    # continuing it must give exactly what replaying every month gives
    *history, data = three_months
    expected = plan.plan_tables(data, history=history)
    replayed = plan.replay_history(history)
    assert replayed.months == ("2026-08", "2026-09")
    got = plan.plan_tables(data, replayed=replayed)
    assert set(got) == set(expected)
    for name, table in expected.items():
        pd.testing.assert_frame_equal(got[name], table, check_exact=True)
    # the replay of one month continued by the next is the replay of both
    first = plan.replay_history(history[:1])
    both = plan.plan_tables(history[1], replayed=first)["inspection_switching"]
    pd.testing.assert_frame_equal(both, plan.switching_states(history))


def test_plan_tables_refuse_a_replay_that_does_not_fit(three_months):
    *history, data = three_months
    replayed = plan.replay_history(history)
    with pytest.raises(ValueError, match="not both"):
        plan.plan_tables(data, history=history, replayed=replayed)
    with pytest.raises(ValueError, match="replay the history under the plan's conditions"):
        plan.plan_tables(data, replayed=replayed, approved=False)
    with pytest.raises(ValueError, match="replay the history under the plan's conditions"):
        plan.plan_tables(data, replayed=replayed, aql=1.0)
    with pytest.raises(ValueError, match="is not after the months already replayed"):
        plan.plan_tables(history[0], replayed=replayed)
