"""The month's facts for scoring, from the duty modules' own judgements, and the scorecard.

:func:`month_facts` builds the :class:`~kpilib.scoring.facts.MonthFacts` of a month from
the same per-record judgements the duty tables of the reports are counted from, so a
score can always be explained by a table:

- tickets: :func:`kpilib.duties.process.judge_tickets` at the month's closing instant
  (closed, closed_on_time; a ticket closed after it is still open; complaint: a
  complaint opened in the month, counted for the handling staff member and their unit);
- report submissions: :func:`kpilib.duties.timeliness.judge_submissions` (due, on_time);
- audit findings: :func:`kpilib.duties.audit.judge_findings` (overdue in the month =
  open past due at the closing instant, or closed late during the month; major_overdue);
- contracts: :func:`kpilib.duties.archive.judge_contracts` (archived);
- training and qualification: :func:`kpilib.duties.training.judge_training` (assessed,
  qualified under the ``"any"`` rule, qualifications passed, training hours);
- revenue: :func:`kpilib.scoring.scorecard.revenue_by_staff` (integer fen, reconciled);
- activity figures: the ``activity`` table as given; inspections: the ``inspections``
  table (passed as recorded, the lowest score).

:func:`score_month` is facts, then :func:`kpilib.scoring.scorecard.score_facts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.month_data import MonthData
from kpilib.duties.adjustments import overrides, without_excluded
from kpilib.duties.archive import judge_contracts
from kpilib.duties.audit import judge_findings
from kpilib.duties.process import judge_tickets
from kpilib.duties.timeliness import judge_submissions
from kpilib.duties.training import judge_training
from kpilib.scoring.facts import EVIDENCE_COLUMNS, STAFF_FACTS, UNIT_FACTS, MonthFacts
from kpilib.scoring.scheme import SOURCES, Scheme
from kpilib.scoring.scorecard import Scorecard, revenue_by_staff, score_facts

__all__ = ["adjusted_facts", "month_facts", "score_month"]

_ACTIVITY = (
    "new_customers", "new_members", "visits", "churned_members", "base_members",
    "archived_customers", "total_customers", "collected_fen", "billed_fen",
)  # fmt: skip


def score_month(data: MonthData, scheme: Scheme, *, adjusted: bool = True) -> Scorecard:
    """Score every staff member and every unit of a month under ``scheme``.

    ``score_facts(month_facts(without_excluded(data)), scheme, overrides=...)``: the
    month's adjustments register acts in the order of docs/methods.md §6.9
    (:mod:`kpilib.duties.adjustments`).

    Parameters
    ----------
    data : MonthData
        The month's validated tables (``centre_results`` is not used: see
        :func:`kpilib.duties.checks.reconcile_centre_results`).
    scheme : Scheme
        From :func:`kpilib.scoring.scheme.load_scheme`.
    adjusted : False scores the month as if it had no adjustments register (the
        "before" of the adjustments' effects).

    Returns
    -------
    Scorecard
        ``long``, ``staff``, ``units``, ``events`` and ``revenue`` tables; their columns
        are listed in :class:`kpilib.scoring.scorecard.Scorecard`.

    Raises
    ------
    ReconciliationError
        When revenue per staff member does not add up to the revenue file's total.
    ValueError
        When a record cannot be judged (see the duty modules' ``judge_*`` functions), or
        a role or unit type is unknown to the scheme.
    """
    if not adjusted:
        return score_facts(month_facts(data), scheme)
    acting = overrides(data.adjustments, scheme)
    return score_facts(adjusted_facts(data), scheme, overrides=acting)


def adjusted_facts(data: MonthData) -> MonthFacts:
    """The facts the month is scored on: :func:`month_facts` without the records the
    adjustments register excludes (docs/methods.md §6.9, step 1).

    Returns
    -------
    MonthFacts
        As :func:`month_facts`.
    """
    return month_facts(without_excluded(data))


def month_facts(data: MonthData) -> MonthFacts:
    """The facts of every staff member and unit of a month, judged at ``data.as_of``.

    Parameters
    ----------
    data : MonthData
        The month's validated tables.

    Returns
    -------
    MonthFacts
        ``staff`` (one row per staff member: ``staff_id``, ``name``, ``unit_code``,
        ``role`` and the columns of :data:`kpilib.scoring.facts.STAFF_FACTS`), ``units``
        (one row per unit: ``unit_code``, ``unit_name``, ``unit_type`` and the columns of
        :data:`kpilib.scoring.facts.UNIT_FACTS`), ``targets``, ``revenue`` and
        ``evidence`` (the findings, inspections and courses behind the counted facts).

    Raises
    ------
    ReconciliationError
        When revenue per staff member does not add up to the revenue file's total.
    ValueError
        When a record cannot be judged (e.g. a ticket of someone not on the staff list).
    """
    revenue = revenue_by_staff(data)
    staff, staff_evidence = _staff_facts(data, revenue)
    units, unit_evidence = _unit_facts(data, staff, staff_evidence)
    evidence = pd.concat([staff_evidence, unit_evidence], ignore_index=True)
    return MonthFacts(
        month=data.month,
        staff=staff,
        units=units,
        targets=data.targets,
        revenue=revenue,
        evidence=evidence[list(EVIDENCE_COLUMNS)],
    )


# ------------------------------------------------------------------------------------------
# staff
# ------------------------------------------------------------------------------------------
def _per(keys: pd.Series, values: dict[str, object], index: pd.Index) -> pd.DataFrame:
    """Sum ``values`` (arrays aligned with ``keys``) per key, 0 for keys without rows."""
    frame = pd.DataFrame({"key": keys.to_numpy(), **values})
    return frame.groupby("key").sum().reindex(index, fill_value=0).astype(float)


def _staff_facts(data: MonthData, revenue: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per staff member with :data:`STAFF_FACTS`, and the staff evidence rows."""
    people = data.staff.reset_index(drop=True)
    index = pd.Index(people["staff_id"].to_numpy(), name="staff_id")
    facts = pd.DataFrame(index=index)
    fen = revenue.set_index("staff_id")["amount_fen"].reindex(index, fill_value=0)
    facts["revenue_yuan"] = fen.to_numpy(dtype=np.int64) / 100
    activity = data.activity.set_index("staff_id")
    for col in _ACTIVITY:
        facts[col] = activity[col].reindex(index).astype(float)

    tickets = judge_tickets(data.tickets, data.staff, as_of=data.as_of)
    sat = tickets["satisfaction"]
    facts = facts.join(
        _per(
            tickets["staff_id"],
            {
                "tickets_closed": tickets["closed"].to_numpy(),
                "tickets_on_time": tickets["closed_on_time"].to_numpy(),
                "satisfaction_sum": sat.fillna(0.0).to_numpy(),
                "satisfaction_scored": sat.notna().to_numpy(),
                "complaints": tickets["complaint"].to_numpy(),
            },
            index,
        )
    )

    ins = data.inspections
    passed = ins["passed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    facts = facts.join(
        _per(
            ins["staff_id"],
            {"inspections": np.ones(len(ins)), "inspections_passed": passed},
            index,
        ).assign(inspections_failed=lambda f: f["inspections"] - f["inspections_passed"])
    )
    lowest = ins.groupby("staff_id")["score"].min()
    facts["min_inspection_score"] = lowest.reindex(index).astype(float)

    trained = judge_training(data.training, data.staff).set_index("staff_id").reindex(index)
    facts["staff_assessed"] = trained["assessed"].astype(float)
    facts["staff_qualified"] = trained["qualified"].fillna(False).astype(float)
    facts["qualifications_passed"] = trained["qualifications_passed"].astype(float)
    facts["training_hours"] = trained["training_hours"].astype(float)

    contracts = judge_contracts(data.contracts, data.staff)
    facts = facts.join(
        _per(
            contracts["staff_id"],
            {
                "contracts": np.ones(len(contracts)),
                "contracts_archived": contracts["archived"].to_numpy(),
            },
            index,
        )
    )
    out = people[["staff_id", "name", "unit_code", "role"]].assign(role=people["role"].astype(str))
    out = pd.concat([out, facts[list(STAFF_FACTS)].reset_index(drop=True)], axis=1)
    return out, _staff_evidence(data)


def _staff_evidence(data: MonthData) -> pd.DataFrame:
    """The inspections and passed qualification courses behind the staff's counted facts."""
    ins = data.inspections
    tr = data.training
    passed_course = (tr["course_type"].astype(str) == "qualification").to_numpy(bool) & tr[
        "qualified"
    ].astype("boolean").fillna(False).to_numpy(bool)
    failed = ~ins["passed"].astype("boolean").fillna(False).to_numpy(bool)
    parts = [
        _evidence("staff", ins["staff_id"], "min_inspection_score", ins["inspection_id"],
                  ins["score"].astype(float)),
        _evidence("staff", ins.loc[failed, "staff_id"], "failed_inspections",
                  ins.loc[failed, "inspection_id"]),
        _evidence("staff", tr.loc[passed_course, "staff_id"], "qualified_courses",
                  tr.loc[passed_course, "course"]),
    ]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def _evidence(
    entity_type: str,
    entity_ids: pd.Series,
    source: str,
    record_ids: pd.Series,
    values: pd.Series | None = None,
) -> pd.DataFrame:
    if source not in SOURCES:  # pragma: no cover - a programming error
        raise ValueError(f"evidence for an unknown source {source!r}")
    n = len(entity_ids)
    return pd.DataFrame(
        {
            "entity_type": np.full(n, entity_type, dtype=object),
            "entity_id": entity_ids.astype(str).to_numpy(dtype=object),
            "source": np.full(n, source, dtype=object),
            "record_id": record_ids.astype(str).to_numpy(dtype=object),
            "value": np.ones(n) if values is None else values.to_numpy(dtype=float),
        },
        columns=list(EVIDENCE_COLUMNS),
    )


# ------------------------------------------------------------------------------------------
# units
# ------------------------------------------------------------------------------------------
def _unit_facts(
    data: MonthData, staff: pd.DataFrame, staff_evidence: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per unit with :data:`UNIT_FACTS`, and the unit evidence rows."""
    units = data.units.reset_index(drop=True)
    index = pd.Index(units["unit_code"].to_numpy(), name="unit_code")
    additive = [c for c in STAFF_FACTS if c != "min_inspection_score"]
    facts = staff.groupby("unit_code")[additive].sum(min_count=1).reindex(index)
    # a unit without staff: counts 0 (so its rates are not applicable), activity unknown
    counted = [c for c in additive if c not in _ACTIVITY and c != "revenue_yuan"]
    facts[counted] = facts[counted].fillna(0.0)

    reports = judge_submissions(data.submissions, data.units, as_of=data.as_of)
    findings = judge_findings(data.audit_findings, as_of=data.as_of)
    counted_per_unit = (
        (reports, {"reports_due": "due", "reports_on_time": "on_time"}),
        (findings, {"findings_overdue": "overdue", "major_findings_overdue": "major_overdue"}),
    )
    for judged, columns in counted_per_unit:
        values = {fact: judged[flag].to_numpy() for fact, flag in columns.items()}
        facts = facts.join(_per(judged["unit_code"], values, index))
    out = units[["unit_code", "unit_name", "unit_type"]].assign(
        unit_type=units["unit_type"].astype(str)
    )
    out = pd.concat([out, facts[list(UNIT_FACTS)].reset_index(drop=True)], axis=1)

    unit_of = staff.set_index("staff_id")["unit_code"]
    unit_sources = [code for code, source in SOURCES.items() if "unit" in source.levels]
    from_staff = staff_evidence[staff_evidence["source"].isin(unit_sources)].assign(
        entity_type="unit"
    )
    from_staff["entity_id"] = from_staff["entity_id"].map(unit_of).astype(object)
    over = findings[findings["overdue"]]
    major = findings[findings["major_overdue"]]
    evidence = pd.concat(
        [
            from_staff,
            _evidence("unit", over["unit_code"], "overdue_findings", over["finding_id"]),
            _evidence("unit", major["unit_code"], "overdue_major_findings", major["finding_id"]),
        ],
        ignore_index=True,
    )
    return out, evidence
