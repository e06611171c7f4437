"""Deterministic sample data: the monthly exports of a fictional city branch.

:func:`generate` writes one folder per month, ``<out_dir>/YYYY-MM/``, holding one
file per table of :data:`kpilib.contract.schema.TABLES` with the Chinese headers, labels
and encodings that real exports carry (see :data:`kpilib.sample.files.FILE_FORMATS`).

The data come from a small generating process, not from hard-coded answers:
seats (positions) in units, people holding the seats (joining and leaving),
customer portfolios and contracts attached to customer-manager seats, tickets
handled by service staff and the technical-support centre and inspected by quality
inspectors, training (qualification assessments once a quarter, skills courses,
everyone's monthly online learning, new hires' induction), and so on. A few
anomalies are planted *through that process* so that the reports have something
to find; they are recorded in ``<out_dir>/planted.json`` as ground truth for the
tests (see :mod:`kpilib.sample.anomalies`).

Each month is built as a dict of *canonical* frames (the columns of
:mod:`kpilib.contract.schema`, money in int64 fen, category codes, ``datetime64``
dates, ``boolean`` flags) and only then written; nothing of an earlier month is
kept but the small state of seats, people and portfolios.

The parts, one module each: :mod:`~kpilib.sample.organisation` (units, seats, people),
:mod:`~kpilib.sample.portfolio` (customers and contracts), :mod:`~kpilib.sample.business`
(targets, activity, revenue, contracts), :mod:`~kpilib.sample.service` (tickets,
inspections), :mod:`~kpilib.sample.duties` (training, submissions, expenses, audit
findings, centre results), :mod:`~kpilib.sample.finance` (the finance system's booked
revenue and the differences planted in it), :mod:`~kpilib.sample.training` (the training
plan, fitted to the training delivered), :mod:`~kpilib.sample.anomalies` (what is
planted) and
:mod:`~kpilib.sample.files` (the export formats).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from kpilib.contract.calendar import MONTH_PATTERN, months_back
from kpilib.contract.schema import TABLES
from kpilib.sample import (
    anomalies,
    business,
    duties,
    finance,
    organisation,
    register,
    service,
    training,
)
from kpilib.sample.branch import Branch, presence
from kpilib.sample.duties import EXPENSE_CATEGORIES
from kpilib.sample.files import write_json, write_month
from kpilib.sample.portfolio import Portfolio, grow_portfolio, initial_portfolio

# EXPENSE_CATEGORIES stays importable from here: the budget's tests compare against it.
__all__ = ["EXPENSE_CATEGORIES", "generate"]

# One random stream per part of a month, so that changing one part (for example
# the centre-results step) leaves the bytes of every other table unchanged.
_STREAMS = (
    "portfolio",
    "revenue",
    "activity",
    "targets",
    "tickets",
    "inspections",
    "training",
    "submissions",
    "expenses",
    "no_activity",
    "centre_results",
    "register",  # appended: the streams before it are unchanged (spawned by position)
    "finance",  # appended likewise
    "training_plan",  # appended likewise
    "inspection_notes",  # appended likewise
)


def generate(
    out_dir: str | os.PathLike[str],
    *,
    months: int = 24,
    end: str = "2026-10",
    counties: int = 12,
    centres: int = 6,
    seed: int = 2026,
) -> list[Path]:
    """Write a fictional city branch's monthly exports, one folder per month.

    Parameters
    ----------
    out_dir : folder that receives ``YYYY-MM/`` folders and ``planted.json``.
    months : number of months, ending with ``end``.
    end : last month, ``YYYY-MM``.
    counties : county companies (codes ``X01``..., ``X0001``... beyond 99).
    centres : centres; the first ``centres`` of :data:`kpilib.sample.branch.CENTRES`,
        numbered variants beyond 6.
    seed : random seed; the same arguments give byte-identical files (CSV and Excel).

    Every file is written to a temporary name beside its target and then renamed,
    so a reader never sees a half-written file. Months are built and written one at
    a time; memory holds one month's tables and the branch's running state.

    Returns
    -------
    list of Path
        The month folders written, oldest first.

    Raises
    ------
    ValueError
        When an argument is out of range or ``end`` is not a ``YYYY-MM`` month.
    """
    if not isinstance(end, str) or not MONTH_PATTERN.fullmatch(end):
        raise ValueError(f"end must be a month like '2026-10', got {end!r}")
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months!r}")
    if not 1 <= counties <= 9999:
        raise ValueError(f"counties must be between 1 and 9999, got {counties!r}")
    if not 0 <= centres <= 9999:
        raise ValueError(f"centres must be between 0 and 9999, got {centres!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    month_list = months_back(end, months)
    out = Path(out_dir)
    branch_seq, months_seq = np.random.SeedSequence(seed).spawn(2)
    branch_rng = np.random.default_rng(branch_seq)
    branch = organisation.build_branch(branch_rng, month_list, counties=counties, centres=centres)
    portfolio = initial_portfolio(branch, branch_rng)
    duplicated: dict[str, list[str]] = {}
    no_activity: dict[str, list[str]] = {}
    centre_mismatch: dict[str, dict[str, object]] = {}
    finance_differences: dict[str, list[dict[str, object]]] = {}
    finance_state = finance.FinanceState()
    written = []
    for m, month_seq in enumerate(months_seq.spawn(len(month_list))):
        month = month_list[m]
        streams = (np.random.default_rng(s) for s in month_seq.spawn(len(_STREAMS)))
        rngs = dict(zip(_STREAMS, streams, strict=True))
        frames, facts = _month_frames(branch, portfolio, m, rngs)
        frames["finance_revenue"], finance_differences[month] = finance.finance_revenue(
            branch,
            portfolio,
            presence(branch, m),
            frames["revenue"],
            frames["staff"],
            facts["duplicated_revenue"],
            finance_state,
            rngs["finance"],
        )
        frames["adjustments"] = register.adjustments(
            frames,
            month,
            rngs["register"],
            duplicate=facts["duplicated_revenue"],
            confirm_duplicate=m < len(month_list) - 1,
        )
        frames["training_plan"] = training.training_plan(
            branch,
            presence(branch, m),
            frames["training"],
            frames["staff"],
            rngs["training_plan"],
        )
        frames["centre_results"], mismatch = duties.centre_results(
            frames, month, rngs["centre_results"]
        )
        folder = out / month
        write_month(folder, {name: frames[name] for name in TABLES})
        written.append(folder)
        if facts["duplicated_revenue"]:
            duplicated[month] = facts["duplicated_revenue"]
        no_activity[month] = facts["no_activity_staff"]
        if mismatch:
            centre_mismatch[month] = mismatch
    truth = anomalies.planted(
        branch,
        seed=seed,
        duplicated_revenue=duplicated,
        no_activity_staff=no_activity,
        centre_mismatch=centre_mismatch,
        finance_differences=finance_differences,
    )
    write_json(out / "planted.json", truth)
    return written


def _month_frames(
    b: Branch, pf: Portfolio, m: int, rngs: dict[str, np.random.Generator]
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """Return the canonical frames of month ``m`` (all tables but centre_results)
    and the planted facts of the month (duplicated revenue, staff without activity)."""
    mo = presence(b, m)
    new_customers = grow_portfolio(b, pf, mo, rngs["portfolio"])
    revenue, duplicated = business.revenue(b, pf, mo, rngs["revenue"])
    activity = business.activity(b, pf, mo, rngs["activity"], new_customers)
    activity, skipped = anomalies.leave_out_new_hires(b, mo, activity, rngs["no_activity"])
    tickets, ticket_people = service.tickets(b, mo, rngs["tickets"])
    frames = {
        "units": organisation.units(b),
        "staff": organisation.staff(b, mo),
        "targets": business.targets(b, pf, mo, rngs["targets"]),
        "activity": activity,
        "revenue": revenue,
        "contracts": business.contracts(b, pf, mo),
        "tickets": tickets,
        "inspections": service.inspection_notes(
            service.inspections(b, mo, tickets, ticket_people, rngs["inspections"]),
            rngs["inspection_notes"],
        ),
        "training": duties.training(b, mo, rngs["training"]),
        "submissions": duties.submissions(b, mo, rngs["submissions"]),
        "expenses": duties.expenses(b, mo, rngs["expenses"]),
        "audit_findings": duties.audit_month(b, mo),
    }
    facts = {"duplicated_revenue": duplicated, "no_activity_staff": skipped}
    return frames, facts
