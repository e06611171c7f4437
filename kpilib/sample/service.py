"""Service of a month: the tickets service staff and technical support handle, and the
quality inspections of closed tickets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.sample.branch import Branch, Month
from kpilib.sample.canonical import empty_frame, frame, numbered
from kpilib.sample.days import days_between

_INSPECTIONS_PER_STAFF = 5
_SECOND_INSPECTION = 0.10  # share of inspected tickets that a second inspector scores again
_PASS_MARK = 80.0
#: What an inspector writes about a failed inspection (检查意见), one or two of these.
_FAIL_NOTES = (
    "未按规范核实客户身份",
    "回访记录缺失",
    "工单办结未经客户确认",
    "超时未说明原因",
    "处理过程记录不完整",
    "服务用语不规范",
    "未按流程升级处理",
    "答复口径与业务规定不一致",
    "问题定位不准确，重复派单",
    "归档材料不全",
)
#: A passed inspection's occasional remark.
_PASS_NOTES = ("记录完整", "处理及时，客户认可", "个别用语可更规范", "回访及时")
_TWO_SHORTCOMINGS = 0.3  # share of failed inspections whose note names two shortcomings
_PHONE_IN_NOTE = 0.05  # share of failed inspections whose note carries a phone number
_PASS_REMARKED = 0.15  # share of passed inspections with a remark


def tickets(b: Branch, mo: Month, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the month's tickets and, per ticket, the handling person's number."""
    seats = b.p_seat[mo.people]
    volume = 1.0 + 0.4 * (mo.season - 1.0)
    n = rng.poisson(b.seat_tickets[seats] * volume * mo.frac)
    owner = np.repeat(np.arange(len(mo.people)), n)
    person = mo.people[owner]
    total = len(owner)
    day = days_between(rng, mo.first_day[owner], mo.last_day[owner])
    hour = 8.0 + 14.0 * rng.beta(2.2, 2.8, total)  # working hours, busiest late morning
    opened = (day - 1) * 86400 + (hour * 3600).astype(np.int64) + rng.integers(0, 60, total)
    complaint = rng.random(total) < b.seat_complaint[seats[owner]]
    limit = np.where(complaint, 48.0, 24.0)
    log_factor = (
        np.log(0.35)
        + b.unit_slow[b.seat_unit[seats[owner]]]
        + b.p_speed[person]
        + rng.normal(0.0, 0.6, total)
    )
    hours = limit * np.exp(log_factor) * np.where(rng.random(total) < 0.015, 6.0, 1.0)
    duration = np.maximum(60, (hours * 3600).astype(np.int64))
    closed = opened + duration
    month_seconds = mo.days * 86400
    is_open = closed >= month_seconds
    elapsed = (month_seconds - opened) / duration
    stage = np.where(
        ~is_open,
        "close",
        np.where(elapsed < 0.15, "accept", np.where(elapsed < 0.85, "handle", "callback")),
    )
    surveyed = ~is_open & (rng.random(total) < np.where(complaint, 0.7, 0.5))
    overdue = hours > limit
    mean = 93.0 - 18.0 * overdue - 4.0 * complaint + b.p_quality[person]
    satisfaction = np.clip(np.round(rng.normal(mean, 9.0)), 0, 100)
    order = np.lexsort((owner, opened))
    base = mo.start.astype("datetime64[s]")
    opened_at = base + opened[order]
    closed_at = np.where(is_open[order], np.datetime64("NaT", "s"), base + closed[order])
    table = frame(
        "tickets",
        {
            "ticket_id": numbered(f"GD{mo.yyyymm}", total),
            "kind": np.where(complaint, "complaint", "order")[order],
            "staff_id": np.array(b.staff_id, dtype=object)[person[order]],
            "stage": stage[order],
            "opened_at": opened_at,
            "closed_at": closed_at,
            "time_limit_hours": limit[order],
            "satisfaction": np.where(surveyed, satisfaction, np.nan)[order],
        },
    )
    return table, person[order]


def inspections(
    b: Branch, mo: Month, ticket_table: pd.DataFrame, person: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Inspections of up to five closed tickets per staff member, a few scored twice.

    ``person`` holds the handling person's number of each ticket. Each inspector's
    bias (:attr:`Branch.inspector_bias`) is added to the scores they give.
    """
    n_insp = len(b.inspectors)
    closed = ticket_table["closed_at"].notna().to_numpy()
    idx = np.flatnonzero(closed)
    if n_insp < 2 or not len(idx):
        return empty_frame("inspections")
    # Up to five randomly chosen closed tickets per staff member.
    key = rng.random(len(idx))
    order = np.lexsort((key, person[idx]))
    idx = idx[order]
    group = person[idx]
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    rank = np.arange(len(idx)) - np.repeat(starts, np.diff(np.r_[starts, len(idx)]))
    idx = np.sort(idx[rank < _INSPECTIONS_PER_STAFF])
    first = rng.integers(n_insp, size=len(idx))
    again = rng.random(len(idx)) < _SECOND_INSPECTION
    second = (first[again] + rng.integers(1, n_insp, again.sum())) % n_insp
    closed_day = (
        ticket_table["closed_at"].to_numpy()[idx].astype("datetime64[D]") - mo.start
    ).astype(np.int64) + 1
    day1 = np.minimum(mo.days, closed_day + rng.integers(0, 4, len(idx)))
    day2 = np.minimum(mo.days, day1[again] + rng.integers(0, 3, again.sum()))
    true_score = 87.0 + b.p_quality[person[idx]] + rng.normal(0.0, 5.0, len(idx))
    record = np.r_[idx, idx[again]]
    inspector = np.r_[first, second]
    day = np.r_[day1, day2]
    truth = np.r_[true_score, true_score[again]]
    score = np.clip(
        np.round(truth + b.inspector_bias[inspector] + rng.normal(0.0, 3.0, len(record))), 0, 100
    )
    order = np.lexsort((np.arange(len(record)) >= len(idx), record, day))
    return frame(
        "inspections",
        {
            "inspection_id": numbered(f"ZJ{mo.yyyymm}", len(record), width=5),
            "record_id": ticket_table["ticket_id"].to_numpy(dtype=object)[record[order]],
            "staff_id": ticket_table["staff_id"].to_numpy(dtype=object)[record[order]],
            "inspector_id": np.array(b.staff_id, dtype=object)[b.inspectors[inspector[order]]],
            "inspected_date": mo.start + (day[order] - 1),
            "score": score[order],
            "passed": score[order] >= _PASS_MARK,
            "inspector_note": np.full(len(record), None, dtype=object),
        },
    )


def inspection_notes(inspections: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``inspections`` with the inspector's notes (检查意见) written in.

    A failed inspection names one or two shortcomings of :data:`_FAIL_NOTES`, now and
    then with the customer's callback number written into the note (as inspectors do);
    a passed one is mostly blank, sometimes a short remark of :data:`_PASS_NOTES`.
    ``rng`` is the month's own stream for the notes, so the other tables are unchanged.
    """
    n = len(inspections)
    first = rng.integers(len(_FAIL_NOTES), size=n)
    second = (first + rng.integers(1, len(_FAIL_NOTES), size=n)) % len(_FAIL_NOTES)
    two = rng.random(n) < _TWO_SHORTCOMINGS
    with_phone = rng.random(n) < _PHONE_IN_NOTE
    second_digit, tail = rng.integers(3, 10, n), rng.integers(0, 10**9, n)
    phone = [f"1{d}{t:09d}" for d, t in zip(second_digit, tail, strict=True)]
    remark = rng.integers(len(_PASS_NOTES), size=n)
    remarked = rng.random(n) < _PASS_REMARKED
    notes: list[str | None] = []
    for i, passed in enumerate(inspections["passed"].astype(bool).to_numpy()):
        if passed:
            notes.append(_PASS_NOTES[remark[i]] if remarked[i] else None)
            continue
        note = _FAIL_NOTES[first[i]] + (f"；{_FAIL_NOTES[second[i]]}" if two[i] else "")
        notes.append(note + (f"（客户回访电话{phone[i]}未接通）" if with_phone[i] else ""))
    note_column = pd.Series(np.array(notes, dtype=object), index=inspections.index, dtype="str")
    return inspections.assign(inspector_note=note_column)
