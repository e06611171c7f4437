"""Expense ledger against budget (kpilib.duties.ledger): exact fen, flagged categories."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kpilib.duties import ledger

BUDGET_FILE = Path(__file__).resolve().parents[1] / "params" / "budget-2026.yaml"


def claims(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["claim_id", "unit_code", "category", "amount_fen", "status", "claim_date"]
    )
    return frame.astype({"amount_fen": "int64", "claim_date": "datetime64[ns]"})


# ---------------------------------------------------------------- budget_from_mapping
@pytest.mark.parametrize(
    ("value", "fen"),
    [
        (360000, 36000000),
        (360000.0, 36000000),
        (0.1, 10),  # through the float's repr, not its binary expansion
        (0.29, 29),  # 0.29 * 100 == 28.999999999999996 in floating point
        (1234.56, 123456),
        ("96000.5", 9600050),
        (" 7.00 ", 700),
        (Decimal("0.01"), 1),
        (0, 0),
    ],
)
def test_budget_yuan_to_fen_exact(value, fen):
    got = ledger.budget_from_mapping({"差旅费": value})
    assert got == {"差旅费": fen}
    assert type(got["差旅费"]) is int


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"差旅费": 1.005}, r"'差旅费' must be yuan with at most 2 decimals, got 1.005"),
        ({"差旅费": "0.001"}, "at most 2 decimals"),
        ({"差旅费": -1}, "must not be negative"),
        ({"差旅费": True}, "must be a number, got True"),
        ({"差旅费": None}, "must be a number, got None"),
        ({"差旅费": "十万"}, "must be a number"),
        ({"差旅费": float("nan")}, "must be finite"),
        ({"差旅费": float("inf")}, "must be finite"),
        ({"差旅费": "Infinity"}, "must be finite"),
        ({"": 100}, "non-blank"),
        ({" 差旅费": 100}, "surrounding spaces"),
        ({1: 100}, "non-blank text"),
        ({}, "non-empty mapping"),
        ([("差旅费", 100)], "non-empty mapping"),
    ],
)
def test_budget_refuses_bad_values_naming_them(mapping, message):
    with pytest.raises(ValueError, match=message):
        ledger.budget_from_mapping(mapping)


def test_budget_file_matches_generator_categories_and_converts():
    budget = ledger.budget_from_mapping(yaml.safe_load(BUDGET_FILE.read_text("utf-8")))
    assert budget["差旅费"] == 36_000_000
    assert sum(budget.values()) == 150_600_000  # 1,506,000.00 yuan, as the file's comment says
    sample_data = pytest.importorskip("kpilib.sample.generate")
    assert list(budget) == list(sample_data.EXPENSE_CATEGORIES)


# ---------------------------------------------------------------- monthly_budget
@pytest.mark.parametrize(
    ("annual", "expected"),
    [
        (0, (0,) * 12),
        (1, (1,) + (0,) * 11),
        (11, (1,) * 11 + (0,)),
        (12, (1,) * 12),
        (13, (2,) + (1,) * 11),
        (100, (9,) * 4 + (8,) * 8),  # 100 = 12·8 + 4: the first four months get a fen more
        (36_000_000, (3_000_000,) * 12),
        (18_000_050, (1_500_005,) * 2 + (1_500_004,) * 10),
    ],
)
def test_monthly_budget_hand_cases(annual, expected):
    assert ledger.monthly_budget(annual) == expected
    assert sum(expected) == annual


@given(st.integers(min_value=0, max_value=10**15))
def test_monthly_budget_sums_exactly(annual):
    months = ledger.monthly_budget(annual)
    assert len(months) == 12
    assert sum(months) == annual
    assert max(months) - min(months) <= 1
    assert list(months) == sorted(months, reverse=True)


@pytest.mark.parametrize("annual", [-1, 1.5, True, "100"])
def test_monthly_budget_refuses_non_fen(annual):
    with pytest.raises(ValueError, match="annual_fen"):
        ledger.monthly_budget(annual)


# ---------------------------------------------------------------- expenses_vs_budget
BUDGET = {"差旅费": 1_200_000, "会议费": 100, "培训费": 0}  # fen

MARCH = claims(
    [
        ("B1", "X01", "差旅费", 30_000, "paid", "2026-03-02"),
        ("B2", "X01", "差旅费", 12_345, "pending", "2026-03-15"),
        ("B3", "Z01", "差旅费", 1, "rejected", "2026-03-31"),
        ("B4", "Z01", "会议费", 50, "paid", "2026-03-10"),
        ("B5", "Z01", "礼品费", 999, "paid", "2026-03-11"),  # not in the budget
    ]
)
EARLIER = claims(
    [
        ("A1", "X01", "差旅费", 250_000, "paid", "2026-01-20"),
        ("A2", "X01", "差旅费", 5_000, "rejected", "2026-02-03"),
        ("A3", "Z01", "会议费", 10, "paid", "2026-02-28"),
        ("A4", "Z01", "培训费", 500, "paid", "2026-02-10"),
    ]
)


def test_month_amounts_and_budget_shares():
    out = ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=EARLIER)
    assert out["category"].tolist() == ["差旅费", "会议费", "培训费", "礼品费"]
    travel = out.set_index("category").loc["差旅费"]
    assert (travel["claims"], travel["claimed_fen"]) == (3, 42_346)
    assert travel[["paid_fen", "pending_fen", "rejected_fen"]].tolist() == [30_000, 12_345, 1]
    assert travel["annual_budget_fen"] == 1_200_000
    assert travel["month_budget_fen"] == 100_000
    assert travel["ytd_budget_fen"] == 300_000
    assert travel["ytd_paid_fen"] == 280_000  # 250,000 in January + 30,000 in March
    assert travel["used_share"] == pytest.approx(280_000 / 1_200_000)
    assert not travel["over_budget"]
    meetings = out.set_index("category").loc["会议费"]
    # 100 fen a year: 9,9,9,9,8,… → March 9, January–March 27
    assert (meetings["month_budget_fen"], meetings["ytd_budget_fen"]) == (9, 27)
    assert meetings["ytd_paid_fen"] == 60
    assert meetings["over_budget"]
    assert meetings["used_share"] == 0.6
    for column in ("claims", "claimed_fen", "paid_fen", "pending_fen", "rejected_fen",
                   "annual_budget_fen", "month_budget_fen", "ytd_budget_fen"):  # fmt: skip
        assert out[column].dtype == "int64", column
    assert out["ytd_paid_fen"].dtype == "Int64"
    assert out["over_budget"].dtype == "boolean"
    assert (out["claimed_fen"] == out["paid_fen"] + out["pending_fen"] + out["rejected_fen"]).all()
    assert out["claimed_fen"].sum() == MARCH["amount_fen"].sum()  # nothing dropped


def test_unknown_category_is_flagged_not_dropped():
    out = ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=EARLIER)
    gift = out.set_index("category").loc["礼品费"]
    assert not gift["in_budget"]
    assert gift["paid_fen"] == 999
    assert gift["annual_budget_fen"] == 0
    assert np.isnan(gift["used_share"])  # zero budget: not applicable
    assert gift["over_budget"]
    assert out.set_index("category")["in_budget"].tolist() == [True, True, True, False]


def test_zero_budget_category_without_claims():
    training = (
        ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=EARLIER)
        .set_index("category")
        .loc["培训费"]
    )
    assert (training["claims"], training["claimed_fen"]) == (0, 0)
    assert training["ytd_paid_fen"] == 500
    assert np.isnan(training["used_share"])
    assert training["over_budget"]


def test_year_to_date_may_include_the_month_counted_once():
    both = pd.concat([EARLIER, MARCH], ignore_index=True)
    with_month = ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=both)
    without = ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=EARLIER)
    pd.testing.assert_frame_equal(with_month, without)


def test_without_year_to_date():
    # January: the month is the year so far
    january = claims([("J1", "X01", "差旅费", 120_000, "paid", "2026-01-31")])
    out = ledger.expenses_vs_budget(january, BUDGET, month="2026-01").set_index("category")
    assert out.loc["差旅费", "ytd_paid_fen"] == 120_000
    assert out.loc["差旅费", "ytd_budget_fen"] == 100_000
    assert out.loc["差旅费", "over_budget"]
    # later months: unknown, shown as <NA>, never as 0
    out = ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03")
    assert out["ytd_paid_fen"].isna().all()
    assert out["over_budget"].isna().all()
    assert out["used_share"].isna().all()
    assert out["ytd_budget_fen"].tolist() == [300_000, 27, 0, 0]


def test_empty_month_lists_every_budget_category():
    out = ledger.expenses_vs_budget(MARCH.iloc[0:0], BUDGET, month="2026-03", year_to_date=EARLIER)
    assert out["category"].tolist() == ["差旅费", "会议费", "培训费"]
    assert (out["claimed_fen"] == 0).all()
    assert out["ytd_paid_fen"].tolist() == [250_000, 10, 500]


def test_twelve_months_of_budget_sum_to_the_annual_amount():
    budget = {"差旅费": 36_000_013, "会议费": 7}
    empty = MARCH.iloc[0:0]
    months = [
        ledger.expenses_vs_budget(empty, budget, month=f"2026-{m:02d}").set_index("category")
        for m in range(1, 13)
    ]
    monthly = sum(t["month_budget_fen"] for t in months)
    assert monthly.to_dict() == budget
    assert months[-1]["ytd_budget_fen"].to_dict() == budget


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"claim_date": pd.Timestamp("2026-04-01")}, r"claims \['B1'\] are dated outside"),
        ({"status": "approved"}, r"claims \['B1'\] have a status outside"),
        ({"claim_id": "B2"}, r"claims \['B2'\] appear more than once"),
    ],
)
def test_bad_claims_are_refused_naming_them(edit, message):
    bad = MARCH.copy()
    for column, value in edit.items():
        bad.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        ledger.expenses_vs_budget(bad, BUDGET, month="2026-03")


def test_bad_year_to_date_and_arguments_are_refused():
    later = claims([("Z9", "X01", "差旅费", 1, "paid", "2026-04-01")])
    with pytest.raises(ValueError, match=r"year_to_date: claims \['Z9'\] are dated outside"):
        ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=later)
    last_year = claims([("Z8", "X01", "差旅费", 1, "paid", "2025-12-31")])
    with pytest.raises(ValueError, match=r"\['Z8'\]"):
        ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-03", year_to_date=last_year)
    with pytest.raises(ValueError, match="month must look like"):
        ledger.expenses_vs_budget(MARCH, BUDGET, month="2026-3")
    with pytest.raises(ValueError, match="amount_fen must be whole fen"):
        ledger.expenses_vs_budget(MARCH.astype({"amount_fen": float}), BUDGET, month="2026-03")
    with pytest.raises(ValueError, match="budget_from_mapping"):
        ledger.expenses_vs_budget(MARCH, {"差旅费": 12000.00}, month="2026-03")
