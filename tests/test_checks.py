"""汇总检查: centre results against the recomputation; duplicated revenue.

The revenue records against finance's booked revenue: tests/test_finance.py."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import TABLES, TOTAL_INDICATOR
from kpilib.contract.schema import typed_frame as frame
from kpilib.duties.checks import duplicate_revenue, reconcile_centre_results
from kpilib.duties.facts import score_month
from kpilib.scoring.scheme import load_scheme

SCHEME = load_scheme(Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml")


def person(sid, unit, role="service_staff"):
    return (
        sid,
        f"员工{sid[-2:]}",
        unit,
        role,
        "13800000000",
        "110101199001011234",
        "2020-01-01",
        None,
    )


def centre_month():
    """A centre Z01 with four service staff, a county X01 with one, each with tickets and
    inspections so that every indicator applies."""
    staff = [person(f"S0000{i}", "Z01") for i in range(1, 5)] + [person("S00009", "X01")]
    tickets, inspections = [], []
    for k, (sid, *_rest) in enumerate(staff):
        for j in range(4):
            closed = f"2026-10-0{2 + j} 10:00"
            tickets.append(
                (
                    f"T{k}{j}",
                    "complaint",
                    sid,
                    "close",
                    "2026-10-02 09:00",
                    closed,
                    48.0,
                    80.0 + k + j,
                )
            )
            inspections.append(
                (f"I{k}{j}", f"T{k}{j}", sid, "S09999", "2026-10-03", 90.0, j != k % 4)
            )
    tables = dict(
        units=[("Z01", "投诉管理中心", "centre"), ("X01", "甲县", "county")],
        staff=staff,
        tickets=tickets,
        inspections=inspections,
    )
    return MonthData(month="2026-10", **{n: frame(n, tables.get(n, ())) for n in TABLES})


def submitted(scorecard, unit="Z01"):
    """What an honest centre submits: the recomputed weighted scores and totals."""
    staff = scorecard.staff[scorecard.staff["unit_code"] == unit]
    long = scorecard.long[
        (scorecard.long["entity_type"] == "staff")
        & scorecard.long["applicable"]
        & scorecard.long["entity_id"].isin(staff["staff_id"])
    ]
    parts = pd.DataFrame(
        {
            "unit_code": unit,
            "staff_id": long["entity_id"],
            "indicator": long["indicator"],
            "score": long["weighted_score"],
        }
    )
    totals = pd.DataFrame(
        {
            "unit_code": unit,
            "staff_id": staff["staff_id"],
            "indicator": TOTAL_INDICATOR,
            "score": staff["total"],
        }
    )
    return pd.concat([parts, totals], ignore_index=True)


@pytest.fixture(scope="module")
def scorecard():
    return score_month(centre_month(), SCHEME)


def test_an_honest_submission_raises_nothing(scorecard):
    out = reconcile_centre_results(scorecard, submitted(scorecard))
    assert out.empty
    assert list(out.columns) == [
        "unit_code",
        "staff_id",
        "name",
        "issue",
        "submitted_total",
        "recomputed_total",
        "difference",
        "indicator",
        "submitted_score",
        "recomputed_score",
        "differing_indicators",
        "differing_indicator_names",
        "message",
    ]


def test_differences_within_tolerance_are_not_reported(scorecard):
    cr = submitted(scorecard)
    cr["score"] = cr["score"] + 0.004
    assert reconcile_centre_results(scorecard, cr).empty
    assert len(reconcile_centre_results(scorecard, cr, tolerance=0.001)) == 4


def test_a_changed_indicator_is_found_and_explains_the_total(scorecard):
    cr = submitted(scorecard)
    hit = (cr["staff_id"] == "S00002") & cr["indicator"].isin(["pass_rate", TOTAL_INDICATOR])
    cr.loc[hit, "score"] += 3.0
    out = reconcile_centre_results(scorecard, cr)
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["unit_code"], row["staff_id"], row["issue"]) == ("Z01", "S00002", "mismatch")
    assert row["difference"] == pytest.approx(3.0)
    assert row["indicator"] == "pass_rate"
    assert row["submitted_score"] - row["recomputed_score"] == pytest.approx(3.0)
    assert "差异来自指标质检合格率（" in row["message"]
    assert row["differing_indicator_names"].split("、") == ["质检合格率"]


def test_two_changed_indicators_are_listed_without_a_single_explanation(scorecard):
    cr = submitted(scorecard)
    for code, delta in (("pass_rate", 2.0), ("satisfaction", 1.0), (TOTAL_INDICATOR, 3.0)):
        cr.loc[(cr["staff_id"] == "S00003") & (cr["indicator"] == code), "score"] += delta
    row = reconcile_centre_results(scorecard, cr).iloc[0]
    assert row["issue"] == "mismatch" and row["indicator"] is None
    assert set(row["differing_indicators"].split(",")) == {"pass_rate", "satisfaction"}


def test_compensating_indicator_errors_are_reported(scorecard):
    cr = submitted(scorecard)
    for code, delta in (("pass_rate", 2.0), ("satisfaction", -2.0)):
        cr.loc[(cr["staff_id"] == "S00001") & (cr["indicator"] == code), "score"] += delta
    row = reconcile_centre_results(scorecard, cr).iloc[0]
    assert row["issue"] == "indicator_mismatch"


def test_missing_and_extra_staff(scorecard):
    cr = submitted(scorecard)
    cr = cr[cr["staff_id"] != "S00004"]  # missing
    extra = pd.DataFrame(
        {
            "unit_code": ["Z01", "Z01"],
            "staff_id": ["S00009", "S07777"],  # a county's staff member; nobody
            "indicator": TOTAL_INDICATOR,
            "score": [90.0, 80.0],
        }
    )
    out = reconcile_centre_results(scorecard, pd.concat([cr, extra], ignore_index=True))
    got = {(r.staff_id, r.issue) for r in out.itertuples()}
    assert got == {("S00004", "missing"), ("S00009", "extra"), ("S07777", "extra")}
    msg = out.set_index("staff_id")["message"]
    assert msg["S00009"] == "属于X01，不属于Z01"
    assert msg["S07777"] == "不是在册人员"


def test_negative_tolerance_is_refused(scorecard):
    with pytest.raises(ValueError, match="tolerance must not be negative"):
        reconcile_centre_results(scorecard, submitted(scorecard), tolerance=-1)


# ----------------------------------------------------------------------------------------
# revenue
# ----------------------------------------------------------------------------------------
def revenue_records():
    rows = [
        ("R1", "S00001", "G1", "K1", "专线", 5000_00, "2026-10-05"),
        ("R2", "S00001", "G1", "K1", "专线", 5000_00, "2026-10-05"),  # R1 entered twice
        ("R3", "S00002", "G2", "K2", "云", 1234_56, "2026-10-07"),
        ("R4", "S00002", "G2", "K2", "云", 1234_56, "2026-10-08"),  # another day: not a copy
        ("R5", "S00003", "G3", "K3", "IDC", 1, "2026-10-09"),
        ("R6", "S00003", "G3", "K3", "IDC", 1, "2026-10-09"),
        ("R7", "S00003", "G3", "K3", "IDC", 1, "2026-10-09"),
    ]
    return frame("revenue", rows)


def test_duplicate_revenue_groups():
    out = duplicate_revenue(revenue_records())
    assert out[["group", "records", "record_id"]].values.tolist() == [
        [1, 2, "R1"],
        [1, 2, "R2"],
        [2, 3, "R5"],
        [2, 3, "R6"],
        [2, 3, "R7"],
    ]
    assert out["amount_fen"].dtype == np.int64


def test_no_duplicates():
    out = duplicate_revenue(revenue_records().iloc[[0, 2, 3, 4]])
    assert out.empty
    assert list(out.columns)[:3] == ["group", "records", "record_id"]


# ----------------------------------------------------------------------------------------
# the generated sample: planted anomalies found, nothing else
# ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    sample_data = pytest.importorskip("kpilib.sample.generate")
    io = pytest.importorskip("kpilib.contract.load")
    out = tmp_path_factory.mktemp("sample")
    sample_data.generate(out, months=1, end="2026-10", counties=3, centres=3, seed=7)
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    month = io.load_month(out, "2026-10")
    return month, planted


@pytest.mark.slow
def test_planted_centre_mismatches_are_all_found_and_nothing_else(sample):
    month, planted = sample
    sc = score_month(month, SCHEME)
    out = reconcile_centre_results(sc, month.centre_results)
    plants = _planted_mismatches(planted, month.month)
    assert 3 <= len(plants) <= 6
    found = {(r.unit_code, r.staff_id, r.indicator) for r in out.itertuples()}
    assert found == plants
    assert set(out["issue"]) == {"mismatch"}


def _planted_mismatches(planted, month):
    entry = planted.get("centre_mismatch")
    if isinstance(entry, dict) and month in entry:
        entry = entry[month]
    if isinstance(entry, dict):
        entry = [entry]
    return {(e["unit_code"], sid, e["indicator"]) for e in entry for sid in e["staff_ids"]}


@pytest.mark.slow
def test_duplicated_revenue_record_is_reported(sample):
    month, planted = sample
    out = duplicate_revenue(month.revenue)
    # planted.json: month -> [original record_id, copy record_id]
    assert out["record_id"].tolist() == planted["duplicated_revenue"][month.month]
    assert out["group"].tolist() == [1, 1]
