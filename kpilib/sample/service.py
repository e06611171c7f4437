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
        },
    )
