"""Business results (经营业绩, kpilib.duties.business): a quarter computed by hand, months
the data does not have, and the table of the shared results on generated sample months.

Source of every expected value: hand computation, spelled out beside each assertion; the
rate over several months is the ratio of totals Σ numerator / Σ denominator
(docs/methods.md §6.11; Cochran 1977, ch. 6), which the test tells apart from the mean of
the monthly rates.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from kpilib.contract.load import load_month
from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import TABLES
from kpilib.contract.schema import typed_frame as frame
from kpilib.duties.business import (
    BUSINESS_COLUMNS,
    DEPARTMENT,
    DEPARTMENT_NAME,
    business_results,
    months_needed,
)
from kpilib.duties.facts import month_facts
from kpilib.report import figures
from kpilib.scoring.scheme import load_scheme, scheme_from_dict

SCHEME_PATH = Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml"
SCHEME = load_scheme(SCHEME_PATH)


def person(sid, unit):
    return (sid, sid, unit, "customer_manager", "13800000000", "110101199001011234",
            "2020-01-01", None)  # fmt: skip


def activity(sid, new_members, churned, base, collected_fen, billed_fen):
    # staff_id, new_customers, new_members, visits, churned, base, archived, total, collected,
    # billed
    return (sid, 0, new_members, 0, churned, base, 0, 0, collected_fen, billed_fen)


def revenue(rid, sid, fen, month):
    return (rid, sid, "G1", "K1", "专线", fen, f"{month}-05")


def target(sid, indicator, value):
    return (sid, indicator, None, value, None)


def month_of(month, *, units, staff, targets=(), activity_rows=(), revenue_rows=()):
    tables = {
        "units": units,
        "staff": staff,
        "targets": targets,
        "activity": activity_rows,
        "revenue": revenue_rows,
    }
    data = MonthData(month=month, **{n: frame(n, tables.get(n, ())) for n in TABLES})
    return month_facts(data)


UNITS = [("X01", "甲县", "county"), ("Z01", "业务拓展中心", "centre")]
STAFF = [person("S1", "X01"), person("S2", "X01"), person("S3", "Z01")]

# 2026-03. X01: revenue 1,000.01 + 500.00 (S1) + 2,000.10 (S2) = 350,011 fen; targets
# 2,000 yuan (S1) and 1,500.005 yuan (S2: 150,000.5 fen, rounded half away from zero to
# 150,001) = 350,001 fen. New members 10 + 5 = 15 against 8 + 12 = 20. Churn (3 + 1) /
# (100 + 300) = 1 %. Collection (90 + 50) / (100 + 100) yuan = 70 %.
# Z01: no revenue, no revenue target (0 = none); new members 4 of 5; churn 10 / 400 = 2.5 %;
# nothing billed.
MARCH = month_of(
    "2026-03",
    units=UNITS,
    staff=STAFF,
    targets=[
        target("S1", "revenue", 2000.0),
        target("S2", "revenue", 1500.005),
        target("S3", "revenue", 0.0),
        target("S1", "new_members", 8.0),
        target("S2", "new_members", 12.0),
        target("S3", "new_members", 5.0),
    ],
    activity_rows=[
        activity("S1", 10, 3, 100, 90_00, 100_00),
        activity("S2", 5, 1, 300, 50_00, 100_00),
        activity("S3", 4, 10, 400, 0, 0),
    ],
    revenue_rows=[
        revenue("R1", "S1", 1000_01, "2026-03"),
        revenue("R2", "S1", 500_00, "2026-03"),
        revenue("R3", "S2", 2000_10, "2026-03"),
    ],
)
# 2026-01. X01: revenue 1,000.00 (S1) against 2,000 + 1,000 yuan; new members 6 + 2 of
# 10 + 10; churn (8 + 0) / (100 + 100) = 4 %; collection (100 + 0) / (100 + 0) = 100 %.
# Z01: new members 3 of 5, churn 0 / 400, nothing billed. (February is not in the data.)
JANUARY = month_of(
    "2026-01",
    units=UNITS,
    staff=STAFF,
    targets=[
        target("S1", "revenue", 2000.0),
        target("S2", "revenue", 1000.0),
        target("S1", "new_members", 10.0),
        target("S2", "new_members", 10.0),
        target("S3", "new_members", 5.0),
    ],
    activity_rows=[
        activity("S1", 6, 8, 100, 100_00, 100_00),
        activity("S2", 2, 0, 100, 0, 0),
        activity("S3", 3, 0, 400, 0, 0),
    ],
    revenue_rows=[revenue("R1", "S1", 1000_00, "2026-01")],
)
# 2025-03, before Z01 existed. X01: revenue 3,000.00; new members 12; churn 2 / 400 =
# 0.5 %; collection 50 / 100 = 50 %.
LAST_YEAR = month_of(
    "2025-03",
    units=UNITS[:1],
    staff=STAFF[:2],
    targets=[target("S1", "revenue", 2500.0)],
    activity_rows=[
        activity("S1", 12, 2, 200, 50_00, 100_00),
        activity("S2", 0, 0, 200, 0, 0),
    ],
    revenue_rows=[revenue("R1", "S1", 3000_00, "2025-03")],
)


@pytest.fixture(scope="module")
def quarter() -> pd.DataFrame:
    table = business_results(MARCH, SCHEME, earlier=[LAST_YEAR, JANUARY])
    return table.set_index("unit_code")


def test_layout_and_order(quarter):
    assert list(quarter.reset_index().columns) == BUSINESS_COLUMNS
    assert list(quarter.index) == ["X01", "Z01", DEPARTMENT]
    assert quarter.loc[DEPARTMENT, "unit_name"] == DEPARTMENT_NAME
    assert str(quarter["revenue_fen"].dtype) == "Int64"


def test_the_month_against_target(quarter):
    x = quarter.loc["X01"]
    assert x["revenue_fen"] == 350_011 and x["revenue_target_fen"] == 350_001
    assert x["revenue_completion"] == pytest.approx(350_011 / 350_001)
    assert x["new_members"] == 15 and x["new_members_target"] == 20.0
    assert x["new_members_completion"] == pytest.approx(0.75)
    assert x["churn_rate"] == pytest.approx(0.01)
    # lower is better: reverse ratio 0.02 / 0.01 = 2, capped at the scheme's 1.2 (§1.3a)
    assert x["churn_target"] == 0.02 and x["churn_completion"] == pytest.approx(1.2)
    assert x["collection_rate"] == pytest.approx(0.7)
    assert x["collection_completion"] == pytest.approx(0.7)  # target 100 %
    z = quarter.loc["Z01"]
    assert z["revenue_fen"] == 0 and pd.isna(z["revenue_target_fen"])
    assert np.isnan(z["revenue_completion"])
    assert z["churn_rate"] == pytest.approx(0.025)
    assert z["churn_completion"] == pytest.approx(0.02 / 0.025)  # 0.8
    assert np.isnan(z["collection_rate"])  # nothing billed: not applicable, not 0 %
    assert "未下达收入目标" in z["note"] and "应收金额为0" in z["note"]


def test_the_department_sums_the_units(quarter):
    d = quarter.loc[DEPARTMENT]
    assert d["revenue_fen"] == 350_011 and d["revenue_target_fen"] == 350_001
    assert d["new_members"] == 19 and d["new_members_target"] == 25.0  # 15 + 4, 20 + 5
    assert d["churn_rate"] == pytest.approx(14 / 800)  # (4 + 10) / (400 + 400)
    assert d["churn_completion"] == pytest.approx(0.02 / (14 / 800))  # 1.142857
    assert d["collection_rate"] == pytest.approx(140 / 200)


def test_year_to_date_sums_and_pools_the_months(quarter):
    x = quarter.loc["X01"]
    assert x["ytd_months"] == 2  # January and March; February is not in the data
    assert x["ytd_revenue_fen"] == 100_000 + 350_011
    assert x["ytd_revenue_target_fen"] == 300_000 + 350_001
    assert x["ytd_revenue_completion"] == pytest.approx(450_011 / 650_001)
    assert x["ytd_new_members"] == 8 + 15 and x["ytd_new_members_target"] == 20 + 20
    # churn (8 + 4) / (200 + 400) = 2 %, so completion 0.02 / 0.02 = 1; the mean of the
    # monthly rates (4 % and 1 %) would be 2.5 % and give 0.8
    assert x["ytd_churned_members"] == 12 and x["ytd_base_members"] == 600
    assert x["ytd_churn_rate"] == pytest.approx(0.02)
    assert x["ytd_churn_completion"] == pytest.approx(1.0)
    # collection (100 + 140) / (100 + 200) = 80 %; the mean of 100 % and 70 % would be 85 %
    assert x["ytd_collection_rate"] == pytest.approx(0.8)
    assert x["ytd_collected_fen"] == 240_00 and x["ytd_billed_fen"] == 300_00
    z = quarter.loc["Z01"]
    assert z["ytd_churn_rate"] == pytest.approx(10 / 800)  # (0 + 10) / (400 + 400)
    assert z["ytd_new_members_completion"] == pytest.approx(7 / 10)
    # February is named in every row's note, never counted as zero silently
    assert quarter["note"].str.contains("年累计缺少2026-02的数据").all()


def test_last_years_same_month(quarter):
    x = quarter.loc["X01"]
    assert x["ly_revenue_fen"] == 300_000
    assert x["revenue_yoy"] == pytest.approx(350_011 / 300_000 - 1)
    assert x["ly_new_members"] == 12 and x["new_members_yoy"] == pytest.approx(15 / 12 - 1)
    assert x["ly_churn_rate"] == pytest.approx(2 / 400)
    assert x["churn_yoy"] == pytest.approx(0.01 - 0.005)  # a difference of rates
    assert x["ly_collection_rate"] == pytest.approx(0.5)
    assert x["collection_yoy"] == pytest.approx(0.2)
    assert x["last_year_month"] == "2025-03"
    z = quarter.loc["Z01"]  # not a unit last year
    assert pd.isna(z["ly_revenue_fen"]) and np.isnan(z["revenue_yoy"])
    assert "去年同月（2025-03）没有该单位" in z["note"]


def test_months_missing():
    alone = business_results(MARCH, SCHEME).set_index("unit_code")
    x = alone.loc["X01"]
    assert x["ytd_months"] == 1
    assert x["ytd_revenue_fen"] == x["revenue_fen"] == 350_011
    assert x["ytd_churn_rate"] == pytest.approx(x["churn_rate"])
    assert pd.isna(x["ly_revenue_fen"]) and np.isnan(x["revenue_yoy"])
    assert np.isnan(x["ly_churn_rate"]) and np.isnan(x["churn_yoy"])
    assert "年累计缺少2026-01、2026-02的数据" in x["note"]
    assert "数据中没有去年同月（2025-03），不计算同比" in x["note"]
    # a January has no earlier month of its year: nothing is missing but last year
    january = business_results(JANUARY, SCHEME).set_index("unit_code")
    assert january.loc["X01", "note"] == "数据中没有去年同月（2025-01），不计算同比"


def test_months_needed():
    assert months_needed("2026-10") == ["2025-10", *(f"2026-{m:02d}" for m in range(1, 10))]


@pytest.mark.parametrize(
    ("earlier", "message"),
    [
        ([JANUARY, JANUARY], "2026-01 twice"),
        ([MARCH], "not before 2026-03"),
        (["2026-01"], "must be a MonthFacts"),
    ],
)
def test_bad_months_are_refused(earlier, message):
    with pytest.raises((ValueError, TypeError), match=message):
        business_results(MARCH, SCHEME, earlier=earlier)


def test_the_targets_come_from_the_scheme():
    raw = load_scheme_raw()
    raw["indicators"]["churn_rate"]["target"] = 0.05
    strict = business_results(MARCH, scheme_from_dict(raw)).set_index("unit_code")
    # Z01 churn 2.5 % against 5 %: 0.05 / 0.025 = 2 -> cap 1.2
    assert strict.loc["Z01", "churn_target"] == 0.05
    assert strict.loc["Z01", "churn_completion"] == pytest.approx(1.2)
    raw["indicators"]["unit_collection"]["method"] = "completion"
    raw["indicators"]["unit_collection"]["target"] = 0.9
    raw["indicators"]["unit_collection"]["params"] = {"cap": 1.2}
    with pytest.raises(ValueError, match="one target for the 'collection_rate' source"):
        business_results(MARCH, scheme_from_dict(raw))


def test_staff_sharing_a_target_value_each_count_it():
    # S1 and S2 both 1,500.005 yuan = 150,000.5 fen, each rounded half away from zero to
    # 150,001: X01 300,002 fen. An infinite target is refused naming the first staff of it.
    def with_targets(*targets):
        return month_of("2026-03", units=UNITS, staff=STAFF, targets=targets)

    same = with_targets(target("S1", "revenue", 1500.005), target("S2", "revenue", 1500.005))
    table = business_results(same, SCHEME).set_index("unit_code")
    assert table.loc["X01", "revenue_target_fen"] == 300_002
    endless = with_targets(
        target("S1", "revenue", 100.0),
        target("S2", "revenue", float("inf")),
        target("S3", "revenue", float("inf")),
    )
    with pytest.raises(ValueError, match="revenue target of S2 must be finite"):
        business_results(endless, SCHEME)


def load_scheme_raw() -> dict:
    return yaml.safe_load(SCHEME_PATH.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------
# the table of the shared results, on generated months
# ------------------------------------------------------------------------------------------
MONTH = "2026-10"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Three months to 2026-10 and, generated apart, last year's 2025-10."""
    from kpilib.sample.generate import generate

    data = tmp_path_factory.mktemp("business")
    generate(data, months=3, end=MONTH, counties=3, centres=6, seed=7)
    last = tmp_path_factory.mktemp("last_year")
    generate(last, months=1, end="2025-10", counties=3, centres=6, seed=7)
    shutil.copytree(last / "2025-10", data / "2025-10")
    return data


def _fen_in_file(sample: Path, month: str) -> int:
    """The revenue file's total in fen, minus the records the month's adjustments
    register excludes (kpilib.duties.adjustments)."""
    from kpilib.duties.adjustments import excluded_records

    data = load_month(sample, month, params_dir=None)
    excluded = excluded_records(data)
    ids = set(excluded.loc[excluded["table"] == "revenue", "record_id"])
    kept = data.revenue[~data.revenue["record_id"].isin(ids)]
    return int(kept["amount_fen"].sum())


@pytest.mark.parametrize("history_months", [12, 2])
def test_shared_results_carry_the_business_table(sample, history_months):
    from kpilib.report.shared import SHARED_TABLES, build_shared_results, scheme_for

    data = load_month(sample, MONTH)
    shared = build_shared_results(
        data, data_dir=sample, scheme=scheme_for(2026), history_months=history_months
    )
    assert "business_results" in SHARED_TABLES
    table = shared["business_results"].set_index("unit_code")
    assert list(table.index) == [*data.units["unit_code"], DEPARTMENT]
    dept = table.loc[DEPARTMENT]
    # the department's revenue is the revenue file's, to the fen
    assert dept["revenue_fen"] == _fen_in_file(sample, MONTH)
    assert dept["revenue_fen"] == table["revenue_fen"].iloc[:-1].sum()
    # year to date: August to October (January to July are not in the data), loaded
    # beyond a 2-month history window too
    assert dept["ytd_months"] == 3
    assert dept["ytd_revenue_fen"] == sum(_fen_in_file(sample, m) for m in
                                          ("2026-08", "2026-09", MONTH))  # fmt: skip
    # last year's same month: 2025-10 is outside the history window and still loaded
    assert dept["ly_revenue_fen"] == _fen_in_file(sample, "2025-10")
    months = [f"2026-{m:02d}" for m in range(1, 8)]
    assert f"年累计缺少{'、'.join(months)}的数据" in dept["note"]
    notes = shared["data_quality"]
    business_notes = notes.loc[notes["source"] == "经营业绩", "message"]
    assert business_notes.str.contains("2026-01").any()
    assert not business_notes.str.contains("去年同月").any()  # 2025-10 is there
    # the history's window is unchanged by the extra months
    assert sorted(shared["history_units"]["month"].unique()) == (
        ["2026-08", "2026-09", MONTH] if history_months == 12 else ["2026-09", MONTH]
    )


# ------------------------------------------------------------------------------------------
# the director's chart
# ------------------------------------------------------------------------------------------
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _drawn(fig: Figure) -> None:
    ax = fig.axes[0]
    for text in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()):
        assert _CHINESE.search(text), f"not Chinese: {text!r}"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # warnings are errors: a missing glyph fails here
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_the_chart_shows_each_unit_once_per_measure(quarter):
    fig = figures.business(quarter.reset_index())
    _drawn(fig)
    assert [ax.get_title() for ax in fig.axes] == [
        "收入", "新发展成员", "离网率（达成比：目标÷实际）", "回款率"
    ]  # fmt: skip
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # counties, then centres, then the department; group headings in 【】
    assert ticks == ["【县市公司】", "甲县（X01）", "【中心】", "业务拓展中心（Z01）", "全部门合计"]
    # the month's revenue completion: X01 and the department 350,011 / 350,001 fen; Z01
    # has no revenue target, so its bar is empty (not 0 %: its label reads "—")
    widths = [b.get_width() for b in fig.axes[0].patches]
    assert widths == pytest.approx([350_011 / 350_001, 0.0, 350_011 / 350_001])
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["100.0%", "—", "100.0%"]  # one decimal, as the tables show rates


def test_the_chart_without_business():
    _drawn(figures.business(business_results(MARCH, SCHEME).iloc[0:0]))
