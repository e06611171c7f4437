"""Report submissions (kpilib.duties.timeliness): on time, late, not submitted, per county.

Expectations are computed by hand; the last test runs on generated sample months.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kpilib.duties import timeliness

AS_OF = pd.Timestamp("2026-10-31 23:59:59")

UNITS = pd.DataFrame(
    {
        "unit_code": ["X01", "X02", "X03", "Z01"],
        "unit_name": ["甲县", "乙县", "丙县", "客户服务中心"],
        "unit_type": ["county", "county", "county", "centre"],
    }
)


def submissions(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit_code", "report", "due_date", "submitted_at"])
    return frame.astype({"due_date": "datetime64[ns]", "submitted_at": "datetime64[ns]"})


S = submissions(
    [
        ("X01", "A", "2026-10-05", "2026-10-05 23:59:59"),  # last second of the due day: on time
        ("X01", "B", "2026-10-05", "2026-10-06 00:00:00"),  # first second after: 1 day late
        ("X01", "C", "2026-10-20", "2026-10-02 10:00"),  # early: on time
        ("X01", "D", "2026-10-10", None),  # never arrived: 22 days late at least
        ("X02", "A", "2026-10-05", "2026-10-05 23:59"),  # 23:59 on the due date: on time
        ("X02", "B", "2026-10-31", None),  # due on as_of's day, blank: not submitted, 1 day
        ("X02", "C", "2026-10-10", "2026-11-02 09:00"),  # arrives after as_of: missing at as_of
    ]
)


def test_boundaries_and_counts():
    table = timeliness.submission_timeliness(S, UNITS, as_of=AS_OF).set_index("unit_code")
    assert table.index.tolist() == ["X01", "X02", "X03"]  # counties only, all of them
    x01 = table.loc["X01"]
    assert (x01["due"], x01["on_time"], x01["late"], x01["not_submitted"]) == (4, 2, 1, 1)
    assert x01["timeliness_rate"] == 0.5
    # days late: B 1, D (31 - 10) + 1 = 22 → mean 11.5
    assert x01["mean_days_late"] == 11.5
    x02 = table.loc["X02"]
    assert (x02["due"], x02["on_time"], x02["late"], x02["not_submitted"]) == (3, 1, 0, 2)
    assert x02["timeliness_rate"] == pytest.approx(1 / 3)
    # B: due 10-31 → 1; C: due 10-10, not received at as_of → 22; mean 11.5
    assert x02["mean_days_late"] == 11.5
    for column in ("due", "on_time", "late", "not_submitted", "not_yet_due"):
        assert table[column].dtype == "int64"
    assert (table["due"] == table["on_time"] + table["late"] + table["not_submitted"]).all()


def test_county_with_nothing_due_is_not_applicable():
    x03 = timeliness.submission_timeliness(S, UNITS, as_of=AS_OF).set_index("unit_code").loc["X03"]
    assert x03["due"] == 0
    assert np.isnan(x03["timeliness_rate"])
    assert np.isnan(x03["mean_days_late"])


def test_reports_not_yet_due_are_counted_apart():
    # judged mid-month: X01's C (due 10-20) was sent early, X02's B (due 10-31) not yet due
    as_of = pd.Timestamp("2026-10-15 23:59:59")
    table = timeliness.submission_timeliness(S, UNITS, as_of=as_of).set_index("unit_code")
    x01 = table.loc["X01"]
    assert (x01["due"], x01["on_time"], x01["late"], x01["not_submitted"]) == (3, 1, 1, 1)
    assert x01["not_yet_due"] == 1
    x02 = table.loc["X02"]
    assert (x02["due"], x02["not_submitted"], x02["not_yet_due"]) == (2, 1, 1)
    # D due 10-10, not received by 10-15 → at least (15 - 10) + 1 = 6 days late
    late = timeliness.late_submissions(S, UNITS, as_of=as_of)
    d = late[(late["unit_code"] == "X01") & (late["report"] == "D")].iloc[0]
    assert d["days_late"] == 6


def test_late_submissions_lists_late_and_missing():
    late = timeliness.late_submissions(S, UNITS, as_of=AS_OF)
    assert list(zip(late["unit_code"], late["report"], late["status"], late["days_late"])) == [
        ("X01", "D", "not_submitted", 22),
        ("X02", "C", "not_submitted", 22),
        ("X01", "B", "late", 1),
        ("X02", "B", "not_submitted", 1),
    ]
    assert late["days_late"].dtype == "int64"
    # a report received after as_of shows as not received at as_of
    assert late["submitted_at"].iloc[1] is pd.NaT


def test_empty_submissions():
    table = timeliness.submission_timeliness(S.iloc[0:0], UNITS, as_of=AS_OF)
    assert table["unit_code"].tolist() == ["X01", "X02", "X03"]
    assert (table["due"] == 0).all()
    assert table["timeliness_rate"].isna().all()
    assert timeliness.late_submissions(S.iloc[0:0], UNITS, as_of=AS_OF).empty


def test_submission_from_a_non_county_is_refused():
    bad = S.copy()
    bad.loc[0, "unit_code"] = "Z01"
    with pytest.raises(ValueError, match=r"not counties .*\['Z01'\]"):
        timeliness.submission_timeliness(bad, UNITS, as_of=AS_OF)


@pytest.mark.parametrize("as_of", [None, "yesterday-ish"])
def test_as_of_is_checked(as_of):
    with pytest.raises(ValueError, match="as_of"):
        timeliness.late_submissions(S, UNITS, as_of=as_of)


@pytest.mark.slow  # ~7 s: generates and loads two months
def test_planted_late_county_on_generated_months(tmp_path):
    # The generator plants one county that submits every report 1-6 days late, every month.
    io = pytest.importorskip("kpilib.contract.load")
    sample_data = pytest.importorskip("kpilib.sample.generate")
    sample_data.generate(tmp_path, months=2, end="2026-10", counties=3, seed=11)
    late_county = json.loads((tmp_path / "planted.json").read_text("utf-8"))["late_county"]
    for month in ("2026-09", "2026-10"):
        data = io.load_month(tmp_path, month)
        as_of = data.month_end + pd.Timedelta(hours=23, minutes=59, seconds=59)
        table = timeliness.submission_timeliness(data.submissions, data.units, as_of=as_of)
        table = table.set_index("unit_code")
        assert len(table) == 3
        rates = table["timeliness_rate"]
        assert rates.idxmin() == late_county
        assert (rates.drop(late_county) > rates[late_county]).all()
        assert table.loc[late_county, "due"] > 0
        assert table.loc[late_county, "on_time"] == 0
        late = timeliness.late_submissions(data.submissions, data.units, as_of=as_of)
        assert (late.loc[late["unit_code"] == late_county, "days_late"] >= 1).all()
        assert (late["unit_code"] == late_county).sum() == table.loc[late_county, "due"]
