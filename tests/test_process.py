"""Process supervision (kpilib.duties.process): tickets against their time limits.

All expectations are computed by hand from the small tables below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpilib.duties import process

AS_OF = pd.Timestamp("2026-10-31 23:59:59")

STAFF = pd.DataFrame(
    {"staff_id": ["S00001", "S00002", "S00003"], "unit_code": ["X01", "X01", "Z01"]}
)


def tickets(rows: list[tuple]) -> pd.DataFrame:
    """rows: (ticket_id, kind, staff_id, stage, opened_at, closed_at, limit, satisfaction)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "ticket_id", "kind", "staff_id", "stage", "opened_at", "closed_at",
            "time_limit_hours", "satisfaction",
        ],
    )  # fmt: skip
    return frame.astype(
        {
            "opened_at": "datetime64[ns]",
            "closed_at": "datetime64[ns]",
            "time_limit_hours": float,
            "satisfaction": float,
        }
    )


T = tickets(
    [
        # closed exactly at the 24 h limit: on time
        ("T1", "complaint", "S00001", "close", "2026-10-01 08:00", "2026-10-02 08:00", 24, 90),
        # closed one second after the limit: late by 1/3600 h
        ("T2", "complaint", "S00001", "close", "2026-10-01 08:00", "2026-10-02 08:00:01", 24, 70),
        # open, exactly at the limit at as_of: not overdue
        ("T3", "complaint", "S00002", "handle", "2026-10-30 23:59:59", None, 48, None),
        # open, past the limit: overdue by 36 h (opened 2026-10-30 00:00 → as_of is 47:59:59;
        # limit 12 h → 35:59:59 over)
        ("T4", "order", "S00002", "handle", "2026-10-30 00:00", None, 12, None),
        # closed after as_of: still open at as_of, and overdue (limit 2 h)
        ("T5", "order", "S00001", "callback", "2026-10-31 12:00", "2026-11-01 09:00", 2, 100),
    ]
)


def row(table: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for key, value in keys.items():
        mask &= (table[key] == value).to_numpy()
    assert mask.sum() == 1, keys
    return table[mask].iloc[0]


def test_every_unit_kind_and_stage_is_listed():
    table = process.ticket_timeliness(T, STAFF, as_of=AS_OF)
    assert len(table) == 2 * 2 * 4  # units X01, Z01 × 2 kinds × 4 stages
    assert table[["unit_code", "kind", "stage"]].drop_duplicates().shape[0] == 16
    z01 = table[table["unit_code"] == "Z01"]
    assert (z01[["opened", "closed", "closed_on_time", "still_open", "open_overdue"]] == 0).all(
        axis=None
    )
    assert z01["on_time_rate"].isna().all()  # no ticket closed: not applicable
    assert z01["mean_satisfaction"].isna().all()
    for column in ("opened", "closed", "closed_on_time", "still_open", "open_overdue"):
        assert table[column].dtype == "int64"


def test_closed_exactly_at_limit_is_on_time_one_second_later_is_late():
    table = process.ticket_timeliness(T, STAFF, as_of=AS_OF)
    close = row(table, unit_code="X01", kind="complaint", stage="close")
    assert close["opened"] == 2
    assert close["closed"] == 2
    assert close["closed_on_time"] == 1
    assert close["on_time_rate"] == 0.5
    assert close["mean_satisfaction"] == 80.0  # (90 + 70) / 2


def test_open_at_limit_is_not_overdue_past_limit_is():
    table = process.ticket_timeliness(T, STAFF, as_of=AS_OF)
    handle = row(table, unit_code="X01", kind="complaint", stage="handle")
    assert (handle["still_open"], handle["open_overdue"]) == (1, 0)
    assert np.isnan(handle["on_time_rate"])  # open only: no denominator
    order = row(table, unit_code="X01", kind="order", stage="handle")
    assert (order["still_open"], order["open_overdue"]) == (1, 1)


def test_closed_after_as_of_counts_as_open():
    table = process.ticket_timeliness(T, STAFF, as_of=AS_OF)
    callback = row(table, unit_code="X01", kind="order", stage="callback")
    assert (callback["opened"], callback["closed"], callback["still_open"]) == (1, 0, 1)
    assert callback["open_overdue"] == 1
    # judged a day later, it is closed (late: 21 h against 2 h)
    later = process.ticket_timeliness(T, STAFF, as_of="2026-11-01 23:59:59")
    callback = row(later, unit_code="X01", kind="order", stage="callback")
    assert (callback["closed"], callback["closed_on_time"], callback["still_open"]) == (1, 0, 0)
    assert callback["on_time_rate"] == 0.0


def test_each_ticket_has_exactly_one_of_four_outcomes():
    # by hand from T: close/complaint T1 on time, T2 late; handle/complaint T3 open in
    # time; handle/order T4 open overdue; callback/order T5 open overdue at as_of
    table = process.ticket_timeliness(T, STAFF, as_of=AS_OF)
    outcomes = ["closed_on_time", "closed_late", "open_in_time", "open_overdue"]
    expected = {
        ("complaint", "close"): [1, 1, 0, 0],
        ("complaint", "handle"): [0, 0, 1, 0],
        ("order", "handle"): [0, 0, 0, 1],
        ("order", "callback"): [0, 0, 0, 1],
    }
    for (kind, stage), counts in expected.items():
        assert row(table, unit_code="X01", kind=kind, stage=stage)[outcomes].tolist() == counts
    assert (table[outcomes].sum(axis=1) == table["opened"]).all()
    for column in ("closed_late", "open_in_time"):
        assert table[column].dtype == "int64"


def test_unit_summary_totals():
    summary = process.unit_ticket_summary(T, STAFF, as_of=AS_OF).set_index("unit_code")
    x01 = summary.loc["X01"]
    assert x01["opened"] == 5
    assert x01["closed"] == 2
    assert x01["closed_on_time"] == 1
    assert x01["on_time_rate"] == 0.5
    assert x01["still_open"] == 3
    assert x01["open_overdue"] == 2  # T4, T5
    assert x01["closed_late"] == 1  # T2
    assert x01["overdue"] == 3
    # mean over the unit's scored tickets, not a mean of means: (90 + 70 + 100) / 3
    assert x01["mean_satisfaction"] == pytest.approx(260 / 3)
    z01 = summary.loc["Z01"]
    assert z01["opened"] == 0 and z01["overdue"] == 0
    assert np.isnan(z01["on_time_rate"])


def test_overdue_tickets_lists_late_and_open_overdue_with_hours():
    table = process.overdue_tickets(T, STAFF, as_of=AS_OF)
    assert table["ticket_id"].tolist() == ["T4", "T5", "T2"]  # most overdue first
    by_id = table.set_index("ticket_id")
    # T4: opened 10-30 00:00, as_of 10-31 23:59:59 → 47.99972 h elapsed, limit 12
    assert by_id.loc["T4", "elapsed_hours"] == pytest.approx(48 - 1 / 3600)
    assert by_id.loc["T4", "hours_over_limit"] == pytest.approx(36 - 1 / 3600)
    assert by_id.loc["T4", "status"] == "open_overdue"
    # T5 closed after as_of: open at as_of, closed_at hidden, 11:59:59 elapsed against 2 h
    assert pd.isna(by_id.loc["T5", "closed_at"])
    assert by_id.loc["T5", "hours_over_limit"] == pytest.approx(12 - 1 / 3600 - 2)
    assert by_id.loc["T2", "status"] == "closed_late"
    assert by_id.loc["T2", "hours_over_limit"] == pytest.approx(1 / 3600)
    assert by_id.loc["T2", "unit_code"] == "X01"
    assert "T1" not in by_id.index and "T3" not in by_id.index
    summary = process.unit_ticket_summary(T, STAFF, as_of=AS_OF).set_index("unit_code")
    assert (table.groupby("unit_code").size() == summary.loc[["X01"], "overdue"]).all()


def test_empty_tickets_give_zeros_for_every_unit():
    empty = T.iloc[0:0]
    summary = process.unit_ticket_summary(empty, STAFF, as_of=AS_OF)
    assert summary["unit_code"].tolist() == ["X01", "Z01"]
    assert (summary["opened"] == 0).all()
    assert summary["on_time_rate"].isna().all()
    assert len(process.ticket_timeliness(empty, STAFF, as_of=AS_OF)) == 16
    assert process.overdue_tickets(empty, STAFF, as_of=AS_OF).empty


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"staff_id": "S09999"}, r"staff not in the staff table: \['S09999'\]"),
        ({"opened_at": pd.Timestamp("2026-11-01")}, r"opened after as_of .*\['T1'\]"),
        ({"closed_at": pd.Timestamp("2026-09-30")}, r"closed before .*\['T1'\]"),
        ({"stage": "unknown"}, r"outside the data contract: \['T1'\]"),
        ({"time_limit_hours": np.nan}, r"positive time_limit_hours: \['T1'\]"),
    ],
)
def test_bad_tickets_are_refused_naming_them(edit, message):
    bad = T.copy()
    for column, value in edit.items():
        bad.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        process.ticket_timeliness(bad, STAFF, as_of=AS_OF)


@pytest.mark.parametrize("as_of", [None, "not a date", pd.NaT])
def test_as_of_is_required_and_checked(as_of):
    with pytest.raises(ValueError, match="as_of"):
        process.unit_ticket_summary(T, STAFF, as_of=as_of)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="time_limit_hours"):
        process.overdue_tickets(T.drop(columns="time_limit_hours"), STAFF, as_of=AS_OF)
