"""Shared results of the month: every table once, staff masked, history, checks, exports.

The months come from the sample-data generator (three counties, six centres, three
months); ``planted.json`` is read here, in the tests only, as ground truth.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpilib.contract.load import load_month
from kpilib.duties.facts import score_month
from kpilib.report import labels
from kpilib.report.excel import write_excel
from kpilib.report.exports import excel_exports, headline_scores
from kpilib.report.shared import SHARED_TABLES, build_shared_results, scheme_for
from kpilib.report.store import read_result
from kpilib.run.open import ensure_results
from kpilib.sample.generate import generate

pytestmark = pytest.mark.xdist_group("report_data")

MONTH = "2026-10"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("data")
    generate(data, months=3, end=MONTH, counties=3, centres=6, seed=7)
    return data


@pytest.fixture(scope="module")
def planted(sample) -> dict:
    return json.loads((sample / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data(sample):
    return load_month(sample, MONTH)


@pytest.fixture(scope="module")
def shared(sample, data) -> dict[str, pd.DataFrame]:
    return build_shared_results(data, data_dir=sample, scheme=scheme_for(2026))


def test_every_declared_table_is_built(shared):
    assert set(SHARED_TABLES) <= set(shared)
    assert all(isinstance(frame, pd.DataFrame) for frame in shared.values())


def test_no_raw_phone_or_id_number_in_any_table(shared, data):
    raw = set(data.staff["phone"]) | set(data.staff["id_number"])
    for name, frame in shared.items():
        text = frame.astype(str).to_csv()
        leaked = {value for value in raw if value in text}
        assert not leaked, f"{name} carries raw personal numbers: {sorted(leaked)[:3]}"
    assert shared["staff"]["phone"].str.fullmatch(r"1\d\d\*{4}\d{4}").all()
    assert shared["staff_scorecard"]["phone_masked"].str.fullmatch(r"1\d\d\*{4}\d{4}").all()


def test_headline_equals_the_scorecard_and_last_month(shared, data, sample):
    card = score_month(data, scheme_for(2026))
    head = shared["headline"].set_index("unit_code")
    pd.testing.assert_series_equal(
        head["total"], card.units.set_index("unit_code")["total"], check_names=False
    )
    previous = score_month(load_month(sample, "2026-09"), scheme_for(2026))
    pd.testing.assert_series_equal(
        head["prev_total"], previous.units.set_index("unit_code")["total"], check_names=False
    )
    assert (head["peers"] == head.groupby("unit_type")["total"].transform("size")).all()
    scores = headline_scores(shared)
    assert scores.loc["X01", "score"] == round(float(head.loc["X01", "total"]), 2)
    assert scores.loc["X01", "grade"] == head.loc["X01", "grade"]


def test_history_has_every_available_month_and_notes_the_missing(shared):
    history = shared["history_units"]
    assert sorted(history["month"].unique()) == ["2026-08", "2026-09", "2026-10"]
    notes = shared["data_quality"]
    missing = notes[notes["source"] == "历史数据"]
    assert len(missing) == 1 and "2025-11" in missing["message"].iloc[0]
    assert set(shared["quality_pchart"]["month"]) <= set(history["month"])


def test_a_month_that_fails_validation_is_a_note_not_a_crash(sample, data, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(sample, copy)
    (copy / "2026-09" / "units.csv").write_text("单位编码,单位名称,单位类型\n", encoding="utf-8")
    shared = build_shared_results(data, data_dir=copy, scheme=scheme_for(2026))
    notes = shared["data_quality"]
    assert notes["message"].str.contains("2026-09 的数据未通过校验").any()
    assert "2026-09" not in set(shared["history_units"]["month"])
    assert shared["headline"]["prev_total"].isna().all()  # no last month to compare with


def test_planted_anomalies_are_in_the_tables(shared, planted):
    mismatch = planted["centre_mismatch"][MONTH]
    checks = shared["centre_checks"]
    assert set(mismatch["staff_ids"]) <= set(checks["staff_id"])
    assert set(checks.loc[checks["staff_id"].isin(mismatch["staff_ids"]), "unit_code"]) == {
        mismatch["unit_code"]
    }
    assert set(planted["duplicated_revenue"][MONTH]) <= set(
        shared["revenue_duplicates"]["record_id"]
    )
    differences = shared["finance_differences"]  # exactly so: tests/test_finance.py
    for planted_difference in planted["finance_differences"][MONTH]:
        for record in planted_difference["record_ids"] + planted_difference["voucher_ids"]:
            assert differences["explanation"].str.contains(record).any(), record
    leniency = shared["inspector_leniency"].set_index("inspector_id")
    assert leniency.loc[planted["lenient_inspector"], "verdict"] == "lenient"
    late = shared["submission_timeliness"].set_index("unit_code")
    assert late.loc[planted["late_county"], "timeliness_rate"] < 1
    assert planted["late_county"] in set(shared["submissions_late"]["unit_code"])


def test_rank_intervals_within_unit_type_contain_the_rank(shared):
    ranks = shared["rank_intervals"]
    assert (ranks["rank_low"] <= ranks["rank"]).all() and (
        ranks["rank"] <= ranks["rank_high"]
    ).all()
    assert (
        ranks.groupby("unit_type")["rank"].max() <= ranks.groupby("unit_type")["peers"].max()
    ).all()
    assert "Hall & Miller 2009" in shared["notes"].set_index("key").loc["rank_basis", "text"]


def test_unit_indicators_explain_every_score_in_words(shared):
    ind = shared["unit_indicators"]
    assert ind["explanation"].str.len().gt(10).all()
    na = ind[~ind["applicable"]]
    assert na["explanation"].str.contains("不适用").all()
    scored = ind[ind["applicable"]]
    assert scored["explanation"].str.contains("计 ").all()


def test_data_quality_notes_are_mapped_to_units(shared, planted, data):
    notes = shared["data_quality"]
    for staff_id in planted["no_activity_staff"][MONTH]:
        unit = data.staff.set_index("staff_id").loc[staff_id, "unit_code"]
        assert ((notes["value"] == staff_id) & (notes["unit_code"] == unit)).any()


def test_year_to_date_expenses_note_the_missing_months(shared):
    budget = shared["expenses_budget"]
    assert (budget["ytd_paid_fen"] >= budget["paid_fen"]).all()
    assert shared["data_quality"]["message"].str.contains("年度累计缺少 2026-01").any()


def test_a_month_without_inspections_still_builds(tmp_path):
    generate(tmp_path, months=1, end=MONTH, counties=2, centres=1, seed=11)
    month = load_month(tmp_path, MONTH)
    assert month.inspections.empty
    shared = build_shared_results(month, data_dir=tmp_path, scheme=scheme_for(2026))
    assert shared["quality_units"].empty and shared["rank_intervals"].empty
    assert shared["funnel_limits"].empty


def test_excel_export_has_chinese_headers_and_masked_phones(shared, tmp_path):
    books = excel_exports(shared)
    sheets = books["department_scorecard.xlsx"]
    assert list(sheets) == [
        *("单位考核排名", "人员考核得分", "汇总检查"),
        *("人员指标明细", "人员总分计算", "人员发展收入"),
        *("收入财务核对", "收入核对差异"),
    ]
    path = write_excel(tmp_path / "department_scorecard.xlsx", sheets)
    staff = pd.read_excel(path, sheet_name="人员考核得分", dtype=str)
    assert {"工号", "姓名", "手机号码(脱敏)", "综合得分"} <= set(staff.columns)
    assert staff["手机号码(脱敏)"].str.fullmatch(r"1\d\d\*{4}\d{4}").all()
    league = pd.read_excel(path, sheet_name="单位考核排名")
    assert league.columns[:4].tolist() == ["单位编码", "单位名称", "单位类型", "综合得分"]
    assert set(league["单位类型"]) == {"县市公司", "中心"}


def test_ensure_results_builds_once_and_then_reuses(sample, tmp_path):
    results = tmp_path / "results"
    assert ensure_results(sample, MONTH, results) == results
    stamp = (results / "headline.parquet").stat().st_mtime_ns
    ensure_results(sample, MONTH, results)
    assert (results / "headline.parquet").stat().st_mtime_ns == stamp
    assert read_result(results, "headline")["unit_code"].tolist()[:3] == ["X01", "X02", "X03"]
    with pytest.raises(FileNotFoundError, match="make sample"):
        ensure_results(tmp_path / "nowhere", MONTH, tmp_path / "other")


def test_ensure_results_rebuilds_when_an_input_of_the_trend_changes(sample, tmp_path):
    # The trend reads last month too: a corrected earlier export must not leave stale
    # results behind (their fingerprint covers every month they read).
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    results = tmp_path / "results"
    ensure_results(data, MONTH, results)
    stamp = (results / "headline.parquet").stat().st_mtime_ns
    previous = str(pd.Period(MONTH, freq="M") - 1)
    units = data / previous / "units.csv"
    units.write_bytes(units.read_bytes() + b"\n")  # same content, new bytes: a re-export
    ensure_results(data, MONTH, results)
    assert (results / "headline.parquet").stat().st_mtime_ns != stamp


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("paid_fen", [123456789], "1,234,567.89"),  # fen to yuan exactly
        ("difference_fen", [-5], "-0.05"),
        ("amount_fen", [None], "—"),
        ("pass_rate", [0.98765], "98.8%"),
        ("pass_rate", [float("nan")], "—"),  # not applicable, never 0 %
        ("role", ["customer_manager"], "集团客户经理"),
        ("verdict", ["lenient"], "偏宽松 ⚠"),
        ("total", [80.274333], "80.27"),
        ("vetoed", [True], "是"),
    ],
)
def test_for_display_formats(column, values, expected):
    shown = labels.for_display(pd.DataFrame({column: values}))
    assert shown.iloc[0, 0] == expected
    assert shown.columns[0] == labels.HEADERS[column]


def test_for_display_shows_every_kind_of_missing_value_as_a_dash_and_keeps_the_rest():
    frame = pd.DataFrame(
        {
            "staff_id": pd.array(["S1", None, "S3", "S4"], dtype="str"),
            "records": pd.array([3, None, 0, 7], dtype="Int64"),
            "role": ["customer_manager", None, "unknown_role", float("nan")],
            "record_ids": [["R1", "R2"], None, [], pd.NA],
            "due": pd.to_datetime(["2026-10-05", None, "2026-10-07", "2026-10-08"]),
        }
    )
    shown = labels.for_display(frame)
    assert shown.to_dict("list") == {
        labels.HEADERS["staff_id"]: ["S1", "—", "S3", "S4"],
        labels.HEADERS["records"]: [3, "—", 0, 7],
        labels.HEADERS["role"]: ["集团客户经理", "—", "unknown_role", "—"],
        labels.HEADERS["record_ids"]: [["R1", "R2"], "—", [], "—"],  # lists shown as lists
        labels.HEADERS["due"]: ["2026-10-05", "—", "2026-10-07", "2026-10-08"],
    }
    assert list(shown.index) == [1, 2, 3, 4]
    assert labels.for_display(frame.head(0)).shape == (0, 5)


@pytest.mark.parametrize(
    "stamps",
    [
        ["2026-10-05", None, "2026-10-07"],
        ["2026-10-05 14:30:59", None, "2026-10-07"],  # any time of day: every value timed
        ["2026-10-05 00:00:30", "2026-10-06"],  # seconds alone count as a time of day
        ["2026-10-05 23:59:59.999"],  # cut to the minute, never rounded up
        ["1999-01-01 01:02", "2100-12-31"],
        [None, None],
    ],
)
@pytest.mark.parametrize("zone", [None, "Asia/Shanghai"])
def test_for_display_shows_dates_as_pandas_strftime_does(stamps, zone):
    values = pd.Series(pd.to_datetime(stamps, format="ISO8601"), index=range(5, 5 + len(stamps)))
    if zone:
        values = values.dt.tz_localize(zone)
    # the reference: pandas' strftime, in the value's own zone
    timed = bool(((values.dt.hour + values.dt.minute + values.dt.second) > 0).any())
    expected = values.dt.strftime("%Y-%m-%d %H:%M" if timed else "%Y-%m-%d").fillna("—")
    shown = labels.for_display(pd.DataFrame({"due": values}))
    assert shown.iloc[:, 0].tolist() == expected.tolist()


def test_display_html_is_table_html_of_for_display_for_every_shared_table(shared):
    # display_html makes the page from the formatted columns directly; the reference is
    # the table for_display builds, rendered by table_html (two separate paths)
    for name, table in shared.items():
        if table.empty or name in {"notes", "funnel_limits"}:
            continue
        assert labels.display_html(table) == labels.table_html(labels.for_display(table)), name


def test_display_html_keeps_every_cell_kind_escaped_and_the_bar():
    frame = pd.DataFrame(
        {
            "name": ["<script>alert(1)</script>", None, "=HYPERLINK(x)"],
            "records": pd.array([3, None, 0], dtype="Int64"),
            "pass_rate": [0.9523, float("nan"), 1.0],
            "paid_fen": [123456, 0, -5],
            "vetoed": [False, True, None],
            "record_ids": [["R1", "R2"], None, []],
            "due": pd.to_datetime(["2026-10-05", None, "2026-10-07"]),
        }
    )
    bar = labels.DataBar("记录", (("records", "记录数", "#1d3557"),))
    page = labels.display_html(frame, rates=["records"], headers={"name": "名称"}, bar=bar)
    expected = labels.table_html(
        labels.for_display(frame, rates=["records"], headers={"name": "名称"}),
        bar=bar.cells(frame),
    )
    assert page == expected
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count('<td class="bar">') == 3
    # a table of the bar alone keeps one row per row of the frame
    assert labels.display_html(frame, [], bar=bar).count('<td class="bar">') == 3


def test_for_display_names_unknown_columns():
    with pytest.raises(KeyError, match=r"no column\(s\) \['nope'\]"):
        labels.for_display(pd.DataFrame({"a": [1]}), ["nope"])


def test_every_shared_column_has_a_chinese_header(shared):
    internal = {"notes", "funnel_limits"}  # read by code and charts, never shown as tables
    missing = {
        (name, column)
        for name, frame in shared.items()
        if name not in internal
        for column in frame.columns
        if column not in labels.HEADERS and re.fullmatch(r"[a-z_]+", column)
    }
    scorecard_codes = set(scheme_for(2026).indicators)
    missing = {(n, c) for n, c in missing if c not in scorecard_codes}
    assert not missing, sorted(missing)[:20]
