"""The adjustments register (考核调整/申诉): approved corrections, turned into what scoring uses.

A month's optional ``adjustments`` file (validated by :mod:`kpilib.contract.load`) lists
corrections a manager approved: an appeal upheld, a duplicate confirmed, an actual
corrected. They act in this order (docs/methods.md §6.9):

1. ``exclude_record``: the record leaves the month's revenue, tickets or inspections
   before any fact is judged (:func:`without_excluded`), so every fact, table and score
   built from it agrees;
2. ``replace_actual``: the indicator is scored on the approved actual instead of the
   computed one (:func:`overrides`, then :func:`kpilib.scoring.scorecard.score_facts`);
3. ``add_points`` / ``deduct_points``: points on the total after the scheme's capped
   bonuses and deductions, before the clamp to [0, max_total];
4. ``cancel_veto``: the named veto does not act.

The register is never applied twice: records are excluded here only, overrides act in
scoring only.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from kpilib.contract.load import adjustment_number
from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import ADJUSTMENT_KINDS, ENTITY_TYPES, EXCLUDABLE_RECORDS
from kpilib.scoring.scheme import Scheme
from kpilib.scoring.scorecard import OVERRIDE_COLUMNS, OVERRIDE_KINDS, Scorecard

__all__ = [
    "EFFECT_COLUMNS",
    "EXCLUSION_COLUMNS",
    "adjustment_effects",
    "excluded_records",
    "label",
    "overrides",
    "without_excluded",
]

#: Columns of :func:`excluded_records`.
EXCLUSION_COLUMNS = ["table", "record_id", "staff_id", "adjustment_id", "reason"]
#: Columns of :func:`adjustment_effects`.
EFFECT_COLUMNS = [
    "adjustment_id", "entity_type", "entity_type_name", "entity_id", "name", "unit_code",
    "kind", "kind_name", "indicator", "indicator_name", "value", "reason", "appeal_no",
    "approved_by", "approved_on", "actual_before", "actual_after", "score_before",
    "score_after", "total_before", "total_after", "rank_before", "rank_after",
    "vetoed_before", "vetoed_after", "unit_total_before", "unit_total_after",
]  # fmt: skip
#: The scheme sources fed by the records of each excludable table: an exclusion that
#: names no indicator is shown against the entity's indicator of such a source.
_RECORD_SOURCES = {
    "revenue": ("revenue",),
    "tickets": ("on_time_rate", "satisfaction"),
    "inspections": ("pass_rate",),
}


def label(adjustment_id: str) -> str:
    """How reports and events name an adjustment.

    >>> label("TZ001")
    '考核调整TZ001'
    """
    return f"考核调整{adjustment_id}"


def excluded_records(data: MonthData) -> pd.DataFrame:
    """The records the register excludes, with the table they come from.

    Parameters
    ----------
    data : the month's validated tables (``adjustments`` may be empty).

    Returns
    -------
    DataFrame
        One row per excluded record: ``table`` (``revenue``, ``tickets`` or
        ``inspections``), ``record_id``, ``staff_id`` (whose record it is),
        ``adjustment_id``, ``reason`` (``考核调整<id>：<reason>``, Chinese).

    Raises
    ------
    ValueError
        When an exclusion names a record that is in none of those tables (the loader
        refuses such a row; this guards frames built in memory).
    """
    register = data.adjustments
    wanted = register[register["kind"] == "exclude_record"]
    rows = []
    found: set[str] = set()
    for table, id_column in EXCLUDABLE_RECORDS.items():
        frame = getattr(data, table)
        hits = frame[frame[id_column].isin(wanted["value"])]
        for record, staff_id in zip(hits[id_column], hits["staff_id"], strict=True):
            adj = wanted[wanted["value"] == record].iloc[0]
            found.add(str(record))
            reason = f"{label(adj['adjustment_id'])}：{adj['reason']}"
            rows.append((table, str(record), str(staff_id), str(adj["adjustment_id"]), reason))
    missing = sorted(set(wanted["value"].astype(str)) - found)
    if missing:
        raise ValueError(f"adjustments exclude records that are in no table: {missing}")
    return pd.DataFrame(rows, columns=EXCLUSION_COLUMNS)


def without_excluded(data: MonthData) -> MonthData:
    """``data`` with the register's excluded records removed from their tables.

    Returns
    -------
    MonthData
        The same month; ``revenue``, ``tickets`` and ``inspections`` without the
        excluded records (fresh ``RangeIndex``), every other table unchanged. ``data``
        itself when nothing is excluded.
    """
    excluded = excluded_records(data)
    if excluded.empty:
        return data
    changes = {}
    for table, records in excluded.groupby("table")["record_id"]:
        frame = getattr(data, table)
        keep = ~frame[EXCLUDABLE_RECORDS[table]].isin(records)
        changes[table] = frame[keep].reset_index(drop=True)
    return replace(data, **changes)


def overrides(register: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """The register's rows that act on scoring, as :func:`score_facts` takes them.

    Parameters
    ----------
    register : the month's canonical ``adjustments`` table.
    scheme : the year's scheme (indicator and veto names resolve to codes; a rate's
        value is written with %).

    Returns
    -------
    DataFrame
        Columns :data:`kpilib.scoring.scorecard.OVERRIDE_COLUMNS`: ``adjustment_id``,
        ``entity_type``, ``entity_id``, ``kind`` (``replace_actual``, ``add_points``,
        ``deduct_points``, ``cancel_veto``), ``code`` (indicator or veto code, "" for
        points), ``number`` (the actual or the points; NaN for a cancelled veto),
        ``label`` (:func:`label`). Excluded records are not here (see
        :func:`without_excluded`).

    Raises
    ------
    ValueError
        Naming the adjustment, when an indicator or veto is not the scheme's or a value
        is not a number (the loader refuses such rows when given the scheme's
        vocabulary).
    """
    vocabulary = scheme.adjustment_vocabulary()
    acting = register[register["kind"].isin(OVERRIDE_KINDS)]
    rows = []
    for adj in acting.itertuples(index=False):
        code = ""
        number = np.nan
        written = "" if pd.isna(adj.indicator) else str(adj.indicator)
        if adj.kind in ("replace_actual", "cancel_veto"):
            code = vocabulary.code_of(written) or ""
            if not code:
                raise ValueError(
                    f"adjustment {adj.adjustment_id}: {written!r} is not an indicator or veto "
                    f"of {scheme.name}"
                )
        if adj.kind != "cancel_veto":
            try:
                number = adjustment_number(str(adj.value), percent=code in vocabulary.percent)
            except ValueError as exc:
                raise ValueError(f"adjustment {adj.adjustment_id}: {exc}") from None
        rows.append(
            (adj.adjustment_id, adj.entity_type, adj.entity_id, adj.kind, code, number,
             label(adj.adjustment_id))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(OVERRIDE_COLUMNS)).astype({"number": float})


def adjustment_effects(
    data: MonthData, scheme: Scheme, *, before: Scorecard, after: Scorecard
) -> pd.DataFrame:
    """Every adjustment of the register with the scores it changed, before and after.

    Parameters
    ----------
    data : the month's validated tables (its ``adjustments`` register).
    scheme : the year's scheme.
    before : the month scored without the register
        (``kpilib.duties.facts.score_month(data, scheme, adjusted=False)``).
    after : the month scored with it (``score_month(data, scheme)``).

    Returns
    -------
    DataFrame
        One row per adjustment, in register order. Columns :data:`EFFECT_COLUMNS`:
        ``adjustment_id``; ``entity_type`` (``staff``/``unit``) and
        ``entity_type_name`` (人员/单位); ``entity_id``; ``name``; ``unit_code`` (the
        staff member's unit, or the unit itself); ``kind`` and ``kind_name`` (Chinese);
        ``indicator`` (code; for an exclusion without one, the entity's indicator its
        record feeds; "" when none) and ``indicator_name``; ``value``, ``reason``,
        ``appeal_no``, ``approved_by``, ``approved_on`` as registered;
        ``actual_before``/``actual_after`` and ``score_before``/``score_after`` (the
        indicator's actual and weighted score; NaN without an indicator);
        ``total_before``/``total_after``, ``rank_before``/``rank_after`` (Int64),
        ``vetoed_before``/``vetoed_after`` of the entity; ``unit_total_before``/
        ``unit_total_after`` of its unit.
    """
    register = data.adjustments.reset_index(drop=True)
    excluded = excluded_records(data).set_index("record_id")["table"]
    names = {code: ind.name for code, ind in scheme.indicators.items()}
    names |= {veto.code: veto.name for veto in scheme.vetoes}
    vocabulary = scheme.adjustment_vocabulary()
    totals = {
        "before": _entity_totals(before),
        "after": _entity_totals(after),
    }
    long = {
        "before": before.long.set_index(["entity_type", "entity_id", "indicator"]),
        "after": after.long.set_index(["entity_type", "entity_id", "indicator"]),
    }
    unit_of = dict(zip(data.staff["staff_id"], data.staff["unit_code"], strict=True))
    rows = []
    for adj in register.itertuples(index=False):
        etype, entity = str(adj.entity_type), str(adj.entity_id)
        unit = unit_of.get(entity, "") if etype == "staff" else entity
        written = "" if pd.isna(adj.indicator) else str(adj.indicator)
        code = (vocabulary.code_of(written) or "") if written else ""
        if adj.kind == "exclude_record" and not code and str(adj.value) in excluded.index:
            code = _fed_indicator(after, etype, entity, excluded[str(adj.value)], scheme)
        row = {
            "adjustment_id": adj.adjustment_id,
            "entity_type": etype,
            "entity_type_name": ENTITY_TYPES.get(etype, etype),
            "entity_id": entity,
            "name": totals["after"].get((etype, entity), {}).get("name", ""),
            "unit_code": unit,
            "kind": adj.kind,
            "kind_name": ADJUSTMENT_KINDS.get(adj.kind, adj.kind),
            "indicator": code,
            "indicator_name": names.get(code, ""),
            "value": "" if pd.isna(adj.value) else str(adj.value),
            "reason": adj.reason,
            "appeal_no": "" if pd.isna(adj.appeal_no) else str(adj.appeal_no),
            "approved_by": adj.approved_by,
            "approved_on": adj.approved_on,
        }
        for when in ("before", "after"):
            key = (etype, entity, code)
            found = code and key in long[when].index and code in scheme.indicators
            row[f"actual_{when}"] = float(long[when].loc[key, "actual"]) if found else np.nan
            score = long[when].loc[key, "weighted_score"] if found else np.nan
            row[f"score_{when}"] = float(score)
            mine = totals[when].get((etype, entity), {})
            row[f"total_{when}"] = mine.get("total", np.nan)
            row[f"rank_{when}"] = mine.get("rank", pd.NA)
            row[f"vetoed_{when}"] = bool(mine.get("vetoed", False))
            row[f"unit_total_{when}"] = totals[when].get(("unit", unit), {}).get("total", np.nan)
        rows.append(row)
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    return out.astype({"rank_before": "Int64", "rank_after": "Int64"})


def _entity_totals(card: Scorecard) -> dict[tuple[str, str], dict[str, object]]:
    """(entity type, id) -> name, total, rank, vetoed of a scorecard."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    for etype, frame, key in (("staff", card.staff, "staff_id"), ("unit", card.units, "unit_code")):
        for rec in frame[[key, "name", "total", "rank", "vetoed"]].to_dict("records"):
            out[(etype, str(rec[key]))] = rec
    return out


def _fed_indicator(card: Scorecard, etype: str, entity: str, table: str, scheme: Scheme) -> str:
    """The entity's weighted indicator that records of ``table`` feed, or ""."""
    sources = _RECORD_SOURCES.get(table, ())
    mine = card.long[(card.long["entity_type"] == etype) & (card.long["entity_id"] == entity)]
    for code in mine["indicator"]:
        if scheme.indicators[code].source in sources:
            return str(code)
    return ""
