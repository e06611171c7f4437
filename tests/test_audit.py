"""Quality-system audit findings (kpilib.duties.audit): open, overdue, closed per unit.

Expectations are counted by hand from the small table below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpilib.duties import audit

AS_OF = pd.Timestamp("2026-10-31 23:59:59")

UNITS = pd.DataFrame({"unit_code": ["X01", "X02", "Z01"], "unit_type": ["county"] * 2 + ["centre"]})


def findings(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=[
            "finding_id", "unit_code", "process", "clause", "severity", "raised_date",
            "due_date", "closed_date",
        ],
    )  # fmt: skip
    return frame.astype(
        {
            "raised_date": "datetime64[ns]",
            "due_date": "datetime64[ns]",
            "closed_date": "datetime64[ns]",
        }
    )


F = findings(
    [
        # open, due 10-30: overdue by 1 day at 10-31
        ("F1", "X01", "合同管理", "7.5.3", "major", "2026-09-01", "2026-10-30", None),
        # open, due on as_of's day: not overdue yet
        ("F2", "X01", "投诉处理", "8.2.1", "minor", "2026-10-05", "2026-10-31", None),
        # closed this month after 14 days
        ("F3", "X01", "合同管理", "7.5.3", "minor", "2026-10-01", "2026-10-20", "2026-10-15"),
        # closed this month after 40 days (raised last month)
        ("F4", "X01", "培训管理", "7.2", "observation", "2026-09-10", "2026-10-10", "2026-10-20"),
        # closed after as_of: open at as_of, overdue since 10-15 (16 days), major
        ("F5", "Z01", "工单处理", "8.5.1", "major", "2026-09-20", "2026-10-15", "2026-11-03"),
        # closed last month: neither open nor closed this month
        ("F6", "Z01", "工单处理", "8.5.1", "minor", "2026-08-01", "2026-09-01", "2026-09-30"),
    ]
)


def test_status_per_unit():
    table = audit.audit_status(F, UNITS, as_of=AS_OF).set_index("unit_code")
    assert table.index.tolist() == ["X01", "X02", "Z01"]
    x01 = table.loc["X01"]
    assert (x01["open"], x01["open_overdue"], x01["major_open"]) == (2, 1, 1)
    # Fact corrected (issue #8): F4, due 10-10 and closed 10-20, was overdue during the
    # month, so "overdue" counts it (closed_late) beside F1 (open_overdue); it used to
    # count open findings only, while the scorecard's deduction counted both.
    assert (x01["closed_late"], x01["overdue"]) == (1, 2)
    assert (x01["major_overdue"]) == 1  # F1
    assert (x01["raised_this_month"], x01["closed_this_month"]) == (2, 2)  # F2, F3 / F3, F4
    assert x01["mean_days_to_close"] == 27.0  # (14 + 40) / 2
    z01 = table.loc["Z01"]
    assert (z01["open"], z01["overdue"], z01["major_open"]) == (1, 1, 1)
    assert (z01["closed_late"], z01["major_overdue"]) == (0, 1)  # F5 closes after as_of
    assert (z01["raised_this_month"], z01["closed_this_month"]) == (0, 0)
    assert np.isnan(z01["mean_days_to_close"])  # nothing closed this month
    counts = ("open", "open_overdue", "closed_late", "overdue", "major_open", "major_overdue")
    for column in (*counts, "raised_this_month", "closed_this_month"):
        assert table[column].dtype == "int64"
    assert (table["overdue"] == table["open_overdue"] + table["closed_late"]).all()


def test_unit_without_findings_is_listed_with_zeros():
    x02 = audit.audit_status(F, UNITS, as_of=AS_OF).set_index("unit_code").loc["X02"]
    assert (
        x02[["open", "overdue", "major_open", "raised_this_month", "closed_this_month"]].eq(0).all()
    )
    assert np.isnan(x02["mean_days_to_close"])


def test_earlier_as_of_ignores_what_happened_later():
    # at 10-10 23:59:59: F3 is open (closed 10-15) and not overdue; F4 is due today, open
    table = audit.audit_status(F, UNITS, as_of="2026-10-10 23:59:59").set_index("unit_code")
    x01 = table.loc["X01"]
    assert (x01["open"], x01["overdue"]) == (4, 0)
    assert x01["closed_this_month"] == 0
    # at 09-15: F2, F3 and F5 not raised yet; F6 closes only on 09-30 → open and overdue
    table = audit.audit_status(F, UNITS, as_of="2026-09-15 23:59:59").set_index("unit_code")
    assert (table.loc["X01", "open"], table.loc["X01", "raised_this_month"]) == (2, 2)
    assert (table.loc["Z01", "open"], table.loc["Z01", "overdue"]) == (1, 1)


def test_open_findings_with_days_overdue():
    table = audit.open_findings(F, as_of=AS_OF)
    assert table["finding_id"].tolist() == ["F5", "F1", "F2"]
    assert table["days_overdue"].tolist() == [16, 1, 0]
    assert table["overdue"].tolist() == [True, True, False]
    assert table["days_overdue"].dtype == "int64"
    assert "closed_date" not in table.columns
    assert {"unit_code", "process", "clause", "severity", "due_date"} <= set(table.columns)


def test_overdue_findings_lists_open_overdue_and_closed_late():
    table = audit.overdue_findings(F, as_of=AS_OF)
    # F5 16 days past due (open at as_of), F4 closed 10 days late, F1 1 day past due
    assert table["finding_id"].tolist() == ["F5", "F4", "F1"]
    assert table["status"].tolist() == ["open_overdue", "closed_late", "open_overdue"]
    assert table["days_overdue"].tolist() == [16, 10, 1]
    assert table["days_overdue"].dtype == "int64"
    status = audit.audit_status(F, UNITS, as_of=AS_OF).set_index("unit_code")
    assert (table.groupby("unit_code").size() == status.loc[["X01", "Z01"], "overdue"]).all()
    # F6 was closed late (09-30 against 09-01) but in September: not overdue in October
    assert "F6" not in set(table["finding_id"])


def test_open_findings_ties_put_major_first():
    tied = F.copy()
    tied.loc[1, "due_date"] = pd.Timestamp("2026-10-30")  # F2 now as overdue as F1
    tied.loc[1, "finding_id"] = "F0"
    table = audit.open_findings(tied, as_of=AS_OF)
    assert table["finding_id"].tolist() == ["F5", "F1", "F0"]  # F1 major before F0 minor


def test_empty_findings():
    table = audit.audit_status(F.iloc[0:0], UNITS, as_of=AS_OF)
    assert table["unit_code"].tolist() == ["X01", "X02", "Z01"]
    assert (table["open"] == 0).all()
    assert table["mean_days_to_close"].isna().all()
    assert audit.open_findings(F.iloc[0:0], as_of=AS_OF).empty


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("closed_date", pd.Timestamp("2026-08-01"), r"\['F1'\] are closed before they were raised"),
        ("severity", "critical", r"\['F1'\] have a severity outside"),
        ("due_date", pd.NaT, r"\['F1'\] have no due_date"),
    ],
)
def test_bad_findings_are_refused_naming_them(column, value, message):
    bad = F.copy()
    bad.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        audit.audit_status(bad, UNITS, as_of=AS_OF)
    with pytest.raises(ValueError, match=message):
        audit.open_findings(bad, as_of=AS_OF)


def test_unknown_unit_and_as_of_are_refused():
    bad = F.copy()
    bad.loc[0, "unit_code"] = "X99"
    with pytest.raises(ValueError, match=r"not in the units table: \['X99'\]"):
        audit.audit_status(bad, UNITS, as_of=AS_OF)
    with pytest.raises(ValueError, match="as_of"):
        audit.open_findings(F, as_of=None)
