"""The month's facts the scorecard scores: one container, filled by :mod:`kpilib.duties`.

A *fact* is what a month's records say about a staff member or a unit before any
scoring: revenue credited, tickets closed on time, inspections passed, a qualification
attained, contracts archived, reports on time, audit findings overdue. Each duty module
decides its facts once (``kpilib.duties.process.judge_tickets``,
``kpilib.duties.audit.judge_findings``, ...) and ``kpilib.duties.facts.month_facts``
assembles them into a :class:`MonthFacts`; :func:`kpilib.scoring.scorecard.score_facts`
only scores it. The data sources of the scheme (:data:`kpilib.scoring.scheme.SOURCES`)
name the columns declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "EVIDENCE_COLUMNS",
    "STAFF_FACTS",
    "STAFF_KEYS",
    "UNIT_FACTS",
    "UNIT_KEYS",
    "MonthFacts",
]

#: Identity columns of ``MonthFacts.staff``.
STAFF_KEYS = ("staff_id", "name", "unit_code", "role")
#: Identity columns of ``MonthFacts.units``.
UNIT_KEYS = ("unit_code", "unit_name", "unit_type")

#: Fact columns of a staff member (floats), and what each holds.
STAFF_FACTS: dict[str, str] = {
    "revenue_yuan": "revenue credited, in yuan (from integer fen; 0 without records)",
    "new_customers": "activity.new_customers (NaN without an activity row)",
    "new_members": "activity.new_members (NaN without an activity row)",
    "visits": "activity.visits (NaN without an activity row)",
    "churned_members": "activity.churned_members (NaN without an activity row)",
    "base_members": "activity.base_members (NaN without an activity row)",
    "archived_customers": "activity.archived_customers (NaN without an activity row)",
    "total_customers": "activity.total_customers (NaN without an activity row)",
    "collected_fen": "activity.collected_fen (NaN without an activity row)",
    "billed_fen": "activity.billed_fen (NaN without an activity row)",
    "tickets_closed": "tickets closed by as_of (process.judge_tickets: closed)",
    "tickets_on_time": "of which closed within the time limit (closed_on_time)",
    "satisfaction_sum": "sum of the satisfaction scores of the person's tickets",
    "satisfaction_scored": "number of the person's tickets with a satisfaction score",
    "complaints": "complaints opened in the month the person handles (judge_tickets: complaint)",
    "inspections": "inspections of the person's work",
    "inspections_passed": "of which passed",
    "inspections_failed": "of which failed",
    "min_inspection_score": "lowest inspection score (NaN without inspections)",
    "staff_assessed": "1 when assessed in a qualification course (training.judge_training)",
    "staff_qualified": "1 when assessed and qualified, else 0",
    "qualifications_passed": "qualification-course rows attained",
    "training_hours": "hours of training attended (0 without training)",
    "contracts": "contracts the person is responsible for (archive.judge_contracts)",
    "contracts_archived": "of which archived",
}

#: Fact columns of a unit (floats): the sums of its staff's additive facts (every staff
#: fact except ``min_inspection_score``; activity figures NaN for a unit without staff,
#: counts 0) and the unit's own facts below.
UNIT_FACTS: dict[str, str] = {
    **{k: v for k, v in STAFF_FACTS.items() if k != "min_inspection_score"},
    "reports_due": "reports due by as_of (timeliness.judge_submissions: due)",
    "reports_on_time": "of which received by the end of the due date (on_time)",
    "findings_overdue": "audit findings overdue in the month (audit.judge_findings: overdue)",
    "major_findings_overdue": "major findings overdue in the month (major_overdue)",
}

#: Columns of ``MonthFacts.evidence``.
EVIDENCE_COLUMNS = ("entity_type", "entity_id", "source", "record_id", "value")


@dataclass(frozen=True)
class MonthFacts:
    """The facts of one month, per staff member and per unit, ready to be scored.

    Built by ``kpilib.duties.facts.month_facts``; scored by
    :func:`kpilib.scoring.scorecard.score_facts`. The frames are checked for their
    columns on creation.

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    staff : DataFrame
        One row per staff member: ``staff_id``, ``name``, ``unit_code``, ``role`` and
        every column of :data:`STAFF_FACTS` (float).
    units : DataFrame
        One row per unit: ``unit_code``, ``unit_name``, ``unit_type`` and every column of
        :data:`UNIT_FACTS` (float).
    targets : DataFrame
        The month's canonical ``targets`` table (``staff_id``, ``indicator``, ``base``,
        ``target``, ``challenge``).
    revenue : DataFrame
        Revenue per staff member, exact to the fen
        (:func:`kpilib.scoring.scorecard.revenue_by_staff`): ``staff_id``, ``name``,
        ``unit_code``, ``records``, ``amount_fen``, ``amount_yuan``.
    evidence : DataFrame
        The records behind the facts a bonus, deduction or veto can count, so that the
        scorecard's events can name them. Columns: ``entity_type`` (``staff`` |
        ``unit``), ``entity_id``, ``source`` (a key of
        :data:`kpilib.scoring.scheme.SOURCES` of kind ``count`` or ``min``),
        ``record_id`` (finding, inspection or course), ``value`` (float: 1 for a
        counted record, the record's value for a ``min`` source).
    """

    month: str
    staff: pd.DataFrame
    units: pd.DataFrame
    targets: pd.DataFrame
    revenue: pd.DataFrame
    evidence: pd.DataFrame

    def __post_init__(self) -> None:
        for name, frame, columns in (
            ("staff", self.staff, (*STAFF_KEYS, *STAFF_FACTS)),
            ("units", self.units, (*UNIT_KEYS, *UNIT_FACTS)),
            ("targets", self.targets, ("staff_id", "indicator", "base", "target", "challenge")),
            ("evidence", self.evidence, EVIDENCE_COLUMNS),
        ):
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"MonthFacts.{name} must be a DataFrame, got {type(frame)!r}")
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"MonthFacts.{name} is missing column(s) {missing}")
