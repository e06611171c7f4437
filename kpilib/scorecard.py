"""Scorecards: every indicator, score and total of a month (methods-spec §1.7).

:func:`score_month` turns a month's validated input (:class:`~kpilib.month.MonthData`)
and the year's scheme (:class:`~kpilib.scheme.Scheme`) into a :class:`Scorecard`:

1. the *facts* of every staff member (revenue in fen, activity figures, tickets closed
   and closed on time, inspections passed, qualification ...) and of every unit (the sums
   of its staff's facts plus its own: reports due and on time, audit findings overdue);
2. one row per entity and indicator of its role's (or unit type's) weights, with the
   actual value and target from the indicator's data source. A rate whose denominator
   is 0, or a target that is 0 or missing, makes the indicator *not applicable* for
   that entity (methods-spec §0): it is left out and the remaining weights are scaled
   up to 100, with a note; never scored 0 or 100;
3. :func:`score_rows`: each indicator scored by its method, vectorised over all its rows
   (one call of a :mod:`kpilib.scoring` function per indicator);
4. totals in the order of methods-spec §1.7: base = sum of weighted scores,
   + min(sum of bonuses, bonus cap), - min(sum of deductions, deduction cap),
   clamp to [0, max_total], then vetoes (total 0, or the lowest grade), ranks within the
   role or unit type, and the forced distribution of grades.

Staff are scored first; a unit's ``staff_mean`` indicator is the mean total of its staff.
Every cap, floor, clamp, veto and not-applicable indicator is written to
``Scorecard.events`` in Chinese words, so a report can explain each number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpilib import scoring
from kpilib.errors import ReconciliationError
from kpilib.month import MonthData
from kpilib.schema import ROLES, UNIT_TYPES
from kpilib.scheme import Indicator, Scheme

__all__ = ["ReconciliationError", "Scorecard", "score_month", "score_rows"]

#: Columns :func:`score_rows` needs.
ROW_COLUMNS = (
    "entity_id",
    "role",
    "indicator",
    "actual",
    "target",
    "base",
    "challenge",
    "applicable",
)
FLAGS = ("", "cap", "floor", "not_applicable")
EVENT_COLUMNS = ["entity_type", "entity_id", "name", "unit_code", "item", "kind", "message"]
LONG_COLUMNS = [
    "entity_type",
    "entity_id",
    "unit_code",
    "role",
    "indicator",
    "indicator_name",
    "actual",
    "target",
    "ratio",
    "method",
    "raw_score",
    "weight",
    "effective_weight",
    "weighted_score",
    "applicable",
    "flag",
    "note",
]
_TOTAL_DECIMALS = 6


@dataclass(frozen=True)
class Scorecard:
    """The scored month.

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    long : DataFrame
        One row per entity and indicator of its weights. Columns:
        ``entity_type`` (``staff`` | ``unit``), ``entity_id`` (staff id or unit code),
        ``unit_code``, ``role`` (role code for staff, unit type for units),
        ``indicator`` (code), ``indicator_name`` (Chinese), ``actual`` (the indicator's
        value: yuan for revenue, a fraction for rates), ``target`` (NaN when the method
        uses none), ``ratio`` (actual / target; for reverse indicators the achievement
        ratio r), ``method``, ``raw_score`` (percent of the weight; NaN when not
        applicable), ``weight`` (the scheme's), ``effective_weight`` (after re-normalising
        over the applicable indicators; 0 when not applicable), ``weighted_score``
        (raw_score x effective_weight / 100; NaN when not applicable), ``applicable``
        (bool), ``flag`` (``""``, ``cap``, ``floor``, ``not_applicable``), ``note``
        (Chinese explanation of caps, floors, not-applicable and re-normalised weights).
    staff : DataFrame
        One row per staff member. Columns: ``staff_id``, ``name``, ``unit_code``,
        ``role``, one column per indicator used by any role holding its weighted score
        (NaN when not applicable or not in the role), ``base``, ``bonus``,
        ``deduction``, ``total`` (all rounded to 6 decimals; ``base`` and ``total`` NaN
        when no indicator applies and no veto), ``vetoed`` (bool), ``veto_reason``
        (Chinese, "" when not vetoed), ``rank`` (Int64, 1 = best within the role, ties
        share the best rank), ``grade`` (forced distribution within the role; missing
        when not scored).
    units : DataFrame
        One row per unit, the same layout with ``unit_code``, ``name``, ``unit_type``
        instead of ``staff_id``, ``name``, ``unit_code``, ``role``; ranks and grades are
        within the unit type.
    events : DataFrame
        Every veto, cap, floor, clamp, not-applicable indicator, bonus and deduction
        applied, in words. Columns: ``entity_type``, ``entity_id``, ``name``,
        ``unit_code``, ``item`` (indicator, bonus, deduction or veto code; "" for the
        total), ``kind`` (``not_applicable``, ``cap``, ``floor``, ``bonus``,
        ``deduction``, ``bonus_cap``, ``deduction_cap``, ``clamp``, ``veto``,
        ``grade``, ``not_scored``), ``message`` (Chinese).
    revenue : DataFrame
        Revenue credited per staff member, exact to the fen. Columns: ``staff_id``,
        ``name``, ``unit_code``, ``records`` (int), ``amount_fen`` (int64),
        ``amount_yuan`` (text with two decimals, from the integer fen).
    """

    month: str
    long: pd.DataFrame
    staff: pd.DataFrame
    units: pd.DataFrame
    events: pd.DataFrame
    revenue: pd.DataFrame


# ------------------------------------------------------------------------------------------
# facts
# ------------------------------------------------------------------------------------------
_ACTIVITY = (
    "new_customers",
    "new_members",
    "visits",
    "churned_members",
    "base_members",
    "archived_customers",
    "total_customers",
    "collected_fen",
    "billed_fen",
)

# source -> (kind, numerator/value column, denominator column, note when not applicable)
_FORMULAS: dict[str, tuple[str, str, str | None, str]] = {
    "revenue": ("value", "revenue_yuan", None, "无收入数据"),
    "new_members": ("value", "new_members", None, "无业务量记录"),
    "new_customers": ("value", "new_customers", None, "无业务量记录"),
    "visits": ("value", "visits", None, "无业务量记录"),
    "churn_rate": ("ratio", "churned_members", "base_members", "成员基数为0"),
    "archive_rate": ("ratio", "archived_customers", "total_customers", "客户总数为0"),
    "collection_rate": ("ratio", "collected_fen", "billed_fen", "应收金额为0"),
    "satisfaction": ("ratio", "sat_sum", "sat_n", "本月无满意度评价"),
    "on_time_rate": ("ratio", "on_time", "closed", "本月无已办结工单"),
    "pass_rate": ("ratio", "passed", "inspected", "本月无质检记录"),
    "qualification": ("ratio", "qual_passed", "qual_assessed", "本月无任职资格认证"),
    "qualified_courses": ("value", "qual_courses", None, "无培训记录"),
    "training_hours": ("value", "training_hours", None, "无培训记录"),
    "failed_inspections": ("value", "failed", None, "无质检记录"),
    "min_inspection_score": ("value", "min_score", None, "本月无质检记录"),
    "staff_mean": ("ratio", "staff_total_sum", "staff_scored", "无可计分人员"),
    "report_timeliness": ("ratio", "reports_on_time", "reports_due", "本月无应报报表"),
    "contract_archive": ("ratio", "contracts_archived", "contracts", "无合同档案"),
    "overdue_findings": ("value", "overdue_findings", None, "无审核记录"),
    "overdue_major_findings": ("value", "overdue_major", None, "无审核记录"),
}


def _count_by(keys: pd.Series, values: Mapping[str, Any], index: pd.Index) -> pd.DataFrame:
    frame = pd.DataFrame({"key": keys.to_numpy(), **values})
    out = frame.groupby("key").sum()
    return out.reindex(index, fill_value=0).astype(float)


def _staff_facts(data: MonthData) -> pd.DataFrame:
    """One row per staff member (index staff_id) with the additive facts as floats."""
    index = pd.Index(data.staff["staff_id"].to_numpy(), name="entity_id")
    facts = pd.DataFrame(index=index)
    rev = data.revenue.groupby("staff_id")["amount_fen"].sum()
    facts["revenue_yuan"] = rev.reindex(index, fill_value=0).to_numpy(dtype=np.int64) / 100
    activity = data.activity.set_index("staff_id")
    for col in _ACTIVITY:
        facts[col] = activity[col].reindex(index).astype(float)

    t = data.tickets
    opened = pd.to_datetime(t["opened_at"])
    closed_at = pd.to_datetime(t["closed_at"])
    closed = closed_at.notna().to_numpy()
    limit = pd.to_timedelta(t["time_limit_hours"].astype(float), unit="h")
    on_time = closed & ((closed_at - opened) <= limit).fillna(False).to_numpy(dtype=bool)
    sat = t["satisfaction"].astype(float)
    facts = facts.join(
        _count_by(
            t["staff_id"],
            {
                "closed": closed,
                "on_time": on_time,
                "sat_sum": sat.fillna(0).to_numpy(),
                "sat_n": sat.notna().to_numpy(),
            },
            index,
        )
    )

    ins = data.inspections
    passed = ins["passed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    facts = facts.join(
        _count_by(
            ins["staff_id"],
            {"inspected": np.ones(len(ins)), "passed": passed, "failed": ~passed},
            index,
        )
    )
    facts["min_score"] = ins.groupby("staff_id")["score"].min().reindex(index).astype(float)

    tr = data.training
    qual = tr["course_type"].astype(str).to_numpy() == "qualification"
    q = tr["qualified"].astype("boolean")
    assessed = qual & q.notna().to_numpy()
    ok = qual & q.fillna(False).to_numpy(dtype=bool)
    hours = tr["hours"].astype(float).fillna(0.0).to_numpy()
    per = _count_by(tr["staff_id"], {"assessed": assessed, "ok": ok, "hours": hours}, index)
    facts["qual_assessed"] = (per["assessed"] > 0).astype(float)
    facts["qual_passed"] = (per["ok"] > 0).astype(float)
    facts["qual_courses"] = per["ok"]
    facts["training_hours"] = per["hours"]  # no training rows: 0 hours (applicable)

    c = data.contracts
    archived = c["archive_status"].astype(str).to_numpy() == "archived"
    facts = facts.join(
        _count_by(
            c["staff_id"], {"contracts": np.ones(len(c)), "contracts_archived": archived}, index
        )
    )
    return facts


def _unit_facts(data: MonthData, staff_facts: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """One row per unit (index unit_code): sums of its staff's facts and its own."""
    index = pd.Index(data.units["unit_code"].to_numpy(), name="entity_id")
    unit_of = data.staff.set_index("staff_id")["unit_code"]
    additive = staff_facts.drop(columns=["min_score"])
    additive = additive.assign(unit=unit_of.reindex(additive.index).to_numpy())
    facts = additive.groupby("unit").sum(min_count=1).reindex(index)
    # 0 staff -> counts 0 (so rates are not applicable), activity unknown (NaN)
    for col in ("closed", "on_time", "sat_sum", "sat_n", "inspected", "passed", "failed"):
        facts[col] = facts[col].fillna(0.0)
    for col in ("qual_assessed", "qual_passed", "qual_courses", "training_hours", "contracts"):
        facts[col] = facts[col].fillna(0.0)
    facts["contracts_archived"] = facts["contracts_archived"].fillna(0.0)

    scored = totals.dropna()
    by_unit = pd.DataFrame(
        {"unit": unit_of.reindex(scored.index).to_numpy(), "total": scored.to_numpy()}
    ).groupby("unit")["total"]
    facts["staff_total_sum"] = by_unit.sum().reindex(index).fillna(0.0)
    facts["staff_scored"] = by_unit.count().reindex(index).fillna(0).astype(float)

    s = data.submissions
    due_end = pd.to_datetime(s["due_date"]) + pd.Timedelta(days=1)
    sub_at = pd.to_datetime(s["submitted_at"])
    on_time = (sub_at.notna() & (sub_at < due_end)).to_numpy(dtype=bool)
    facts = facts.join(
        _count_by(
            s["unit_code"], {"reports_due": np.ones(len(s)), "reports_on_time": on_time}, index
        )
    )

    a = data.audit_findings
    due = pd.to_datetime(a["due_date"])
    closed = pd.to_datetime(a["closed_date"])
    month_start = pd.Timestamp(f"{data.month}-01")
    month_end = month_start + pd.offsets.MonthEnd(0)
    overdue = (closed.isna() & (due < month_end)) | (
        closed.notna() & (closed > due) & (closed >= month_start)
    )
    overdue = overdue.to_numpy(dtype=bool)
    major = a["severity"].astype(str).to_numpy() == "major"
    facts = facts.join(
        _count_by(
            a["unit_code"],
            {"overdue_findings": overdue, "overdue_major": overdue & major},
            index,
        )
    )
    return facts


def _source_values(facts: pd.DataFrame, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Actual values of a source for every row of ``facts`` and the not-applicable note."""
    kind, num_col, den_col, na_note = _FORMULAS[source]
    num = facts[num_col].to_numpy(dtype=float)
    note = np.full(len(facts), "", dtype=object)
    if kind == "value":
        note[np.isnan(num)] = f"{na_note}，不适用"
        return num, note
    den = facts[den_col].to_numpy(dtype=float)
    unknown = np.isnan(den) | np.isnan(num)
    zero = ~unknown & (den <= 0)
    note[unknown] = "无业务量记录，不适用"
    note[zero] = f"{na_note}，不适用"
    with np.errstate(divide="ignore", invalid="ignore"):
        actual = np.where(unknown | zero, np.nan, num / np.where(den > 0, den, 1.0))
    return actual, note


# ------------------------------------------------------------------------------------------
# rows: entity x indicator
# ------------------------------------------------------------------------------------------
def _build_rows(
    entities: pd.DataFrame,
    facts: pd.DataFrame,
    weights: Mapping[str, Mapping[str, float]],
    scheme: Scheme,
    targets: pd.DataFrame | None,
    entity_type: str,
) -> pd.DataFrame:
    """One row per entity and weighted indicator, with actual/target and applicability."""
    pieces = []
    target_table = None
    if targets is not None:
        target_table = targets.set_index(["staff_id", "indicator"])[["base", "target", "challenge"]]
    for group, gweights in weights.items():
        ents = entities[entities["role"] == group]
        if ents.empty:
            continue
        f = facts.reindex(ents["entity_id"].to_numpy())
        n = len(ents)
        for code, weight in gweights.items():
            ind = scheme.indicators[code]
            actual, note = _source_values(f, ind.source)
            target = np.full(n, np.nan)
            base = np.full(n, np.nan)
            challenge = np.full(n, np.nan)
            params = ind.params
            if ind.target == "targets" and target_table is not None:
                keys = pd.MultiIndex.from_arrays(
                    [ents["entity_id"].to_numpy(), np.full(n, ind.source, dtype=object)]
                )
                tt = target_table.reindex(keys)
                target = tt["target"].to_numpy(dtype=float)
                base = tt["base"].to_numpy(dtype=float)
                challenge = tt["challenge"].to_numpy(dtype=float)
                if ind.method == "tiered":
                    base = np.where(np.isnan(base), target * params["base_ratio"], base)
                    challenge = np.where(
                        np.isnan(challenge), target * params["challenge_ratio"], challenge
                    )
                ok = note == ""
                note[ok & np.isnan(target)] = "未下达目标值，不适用"
                note[ok & (target == 0)] = "目标值为0（未下达目标，如新入职首月），不适用"
            elif isinstance(ind.target, float):
                target[:] = ind.target
            if ind.method == "tiered" and ind.target is None:
                base[:] = params["base"]
                target[:] = params["target"]
                challenge[:] = params["challenge"]
            if ind.method == "tiered":
                ok = note == ""
                if ind.direction == "higher":
                    ordered = (base < target) & (target < challenge)
                else:
                    ordered = (base > target) & (target > challenge)
                note[ok & ~ordered] = (
                    f"基础值/目标值/挑战值未按顺序设置"
                    f"（{_join3(base, target, challenge, ok & ~ordered)}），不适用"
                )
            pieces.append(
                pd.DataFrame(
                    {
                        "entity_type": entity_type,
                        "entity_id": ents["entity_id"].to_numpy(),
                        "unit_code": ents["unit_code"].to_numpy(),
                        "role": group,
                        "indicator": code,
                        "actual": actual,
                        "target": target,
                        "base": base,
                        "challenge": challenge,
                        "weight": float(weight),
                        "applicable": note == "",
                        "na_note": note,
                    }
                )
            )
    if not pieces:
        return pd.DataFrame(
            columns=[
                *("entity_type", "entity_id", "unit_code", "role", "indicator"),
                *("actual", "target", "base", "challenge", "weight", "applicable", "na_note"),
            ]
        )
    return pd.concat(pieces, ignore_index=True)


def _join3(b: np.ndarray, t: np.ndarray, c: np.ndarray, mask: np.ndarray) -> str:
    if not mask.any():
        return ""
    i = int(np.flatnonzero(mask)[0])
    return f"{b[i]:g}/{t[i]:g}/{c[i]:g}"


# ------------------------------------------------------------------------------------------
# the vectorised scoring step
# ------------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def score_rows(rows: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Score every (entity, indicator) row by its indicator's method, vectorised.

    Rows are grouped by indicator and each group is scored with one call of the
    :mod:`kpilib.scoring` function of its method on whole arrays (rank indicators: one
    call per role or unit type). Rows not applicable on input stay so; an applicable row
    whose actual is missing, or whose target is missing or not positive where the method
    needs one, becomes not applicable.

    Parameters
    ----------
    rows : DataFrame
        Columns ``entity_id``, ``role`` (the group ranks are computed in), ``indicator``
        (a code of ``scheme.indicators``), ``actual``, ``target``, ``base``,
        ``challenge`` (floats, NaN where unused), ``applicable`` (bool).
    scheme : Scheme

    Returns
    -------
    DataFrame
        ``rows`` with these columns added or replaced: ``ratio`` (actual / target; the
        achievement ratio r for reverse indicators; NaN without a target), ``raw_score``
        (percent of the weight; NaN when not applicable), ``applicable`` (bool),
        ``flag`` (categorical: ``""``, ``cap``, ``floor``, ``not_applicable``),
        ``score_note`` (categorical, Chinese: the cap or floor applied; "" otherwise).

    Examples
    --------
    >>> from kpilib.scheme import load_scheme
    >>> scheme = load_scheme("params/scheme-2026.yaml")
    >>> rows = pd.DataFrame({"entity_id": ["S00001", "S00002"], "role": "customer_manager",
    ...     "indicator": "new_members", "actual": [20.0, 9.0], "target": [15.0, 15.0],
    ...     "base": np.nan, "challenge": np.nan, "applicable": True})
    >>> out = score_rows(rows, scheme)
    >>> out["raw_score"].tolist(), out["flag"].tolist()
    ([120.0, 60.0], ['cap', ''])
    """
    missing = [c for c in ROW_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack the columns {missing}")
    n = len(rows)
    actual = rows["actual"].to_numpy(dtype=float)
    target = rows["target"].to_numpy(dtype=float)
    base = rows["base"].to_numpy(dtype=float)
    challenge = rows["challenge"].to_numpy(dtype=float)
    applicable = rows["applicable"].to_numpy(dtype=bool) & ~np.isnan(actual)
    ratio = np.full(n, np.nan)
    raw = np.full(n, np.nan)
    flag = np.zeros(n, dtype=np.int8)  # index into FLAGS
    notes: list[str] = [""]
    note_code = np.zeros(n, dtype=np.int32)

    def mark(pos: np.ndarray, mask: np.ndarray, which: str, text: str) -> None:
        if mask.any():
            flag[pos[mask]] = FLAGS.index(which)
            notes.append(text)
            note_code[pos[mask]] = len(notes) - 1

    groups = rows.groupby("indicator", sort=False).indices
    for code, pos_all in groups.items():
        if code not in scheme.indicators:
            raise ValueError(f"indicator {code!r} is not in the scheme")
        ind: Indicator = scheme.indicators[code]
        p = ind.params
        uses_target = ind.method in ("completion", "reverse", "tiered") or (
            ind.method == "step" and p["basis"] == "ratio"
        )
        if uses_target:
            t_all = target[pos_all]
            bad_target = ~(t_all > 0)  # NaN or <= 0
            applicable[pos_all[bad_target]] = False
        pos = pos_all[applicable[pos_all]]
        if pos.size == 0:
            continue
        x = actual[pos]
        t = target[pos]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = x / t if uses_target else np.full(pos.size, np.nan)
        if ind.method == "completion":
            ratio[pos] = r
            raw[pos] = scoring.completion(
                x,
                t,
                weight=100.0,
                cap=p["cap"],
                threshold=p["threshold"],
                floor_score=p["floor_score"],
            )
            mark(pos, r > p["cap"], "cap", f"完成率超过封顶{_pct(p['cap'])}，按封顶计分")
            mark(
                pos,
                r < p["threshold"],
                "floor",
                f"完成率低于门槛{_pct(p['threshold'])}，按{p['floor_score']:g}%计分",
            )
        elif ind.method == "tiered":
            ratio[pos] = r
            b, c = base[pos], challenge[pos]
            raw[pos] = scoring.tiered(
                x, base=b, target=t, challenge=c, low=p["low"], mid=p["mid"], high=p["high"]
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                below = (x - b) / (t - b) < 0
                above = (x - t) / (c - t) > 1
            mark(pos, below, "floor", "低于基础值，得0分")
            mark(pos, above, "cap", f"超过挑战值，按封顶{p['high']:g}%计分")
        elif ind.method == "reverse":
            rr = scoring.reverse(x, t, method=p["method"], cap=p["cap"])
            ratio[pos] = rr
            raw[pos] = 100.0 * rr
            with np.errstate(divide="ignore", invalid="ignore"):
                free = t / x if p["method"] == "ratio" else 1.0 - (x - t) / t
            zero = x == 0
            mark(pos, zero, "cap", f"实际值为0，按封顶{p['cap']:g}计分")
            mark(pos, ~zero & (free > p["cap"]), "cap", f"达成比超过封顶{p['cap']:g}，按封顶计分")
            mark(pos, ~zero & (free < 0), "floor", "达成比低于0，按0计分")
        elif ind.method == "efficacy":
            d = scoring.efficacy(x, satisfactory=p["satisfactory"], not_allowed=p["not_allowed"])
            if p["clip"] is not None:
                lo, hi = p["clip"]
                raw[pos] = np.clip(d, lo, hi)
                mark(pos, d > hi, "cap", f"功效分高于上限{hi:g}，按{hi:g}计")
                mark(pos, d < lo, "floor", f"功效分低于下限{lo:g}，按{lo:g}计")
            else:
                raw[pos] = d
        elif ind.method == "efficacy_tiered":
            std = p["standards"]
            raw[pos] = scoring.efficacy_tiered(
                x, standards=std, weight=100.0, coefficients=p["coefficients"]
            )
            sign = 1.0 if std[0] > std[-1] else -1.0
            mark(pos, sign * x > sign * std[0], "cap", "超过优秀值，按满分计")
            mark(pos, sign * x < sign * std[-1], "floor", "低于较差值，得0分")
        elif ind.method == "rank":
            roles = rows["role"].to_numpy()[pos]
            for role in pd.unique(roles):
                sel = roles == role
                raw[pos[sel]] = scoring.rank_score(
                    x[sel],
                    best=p["best"],
                    worst=p["worst"],
                    ties=p["ties"],
                    higher_is_better=ind.direction == "higher",
                )
        elif ind.method == "step":
            v = r if p["basis"] == "ratio" else x
            if p["basis"] == "ratio":
                ratio[pos] = r
            lowest = p["brackets"][0][0]
            raw[pos] = scoring.step(v, brackets=list(p["brackets"]), below=0.0)
            mark(pos, v < lowest, "floor", "低于最低档，得0分")
        else:  # pragma: no cover - the scheme validates methods
            raise ValueError(f"unknown method {ind.method!r}")
    flag[~applicable] = FLAGS.index("not_applicable")
    note_code[~applicable] = 0
    raw[~applicable] = np.nan
    out = rows.copy()
    out["applicable"] = applicable
    out["ratio"] = ratio
    out["raw_score"] = raw
    out["flag"] = pd.Categorical.from_codes(flag, categories=list(FLAGS))
    uniq = list(dict.fromkeys(notes))
    remap = np.array([uniq.index(s) for s in notes], dtype=np.int32)
    out["score_note"] = pd.Categorical.from_codes(remap[note_code], categories=uniq)
    return out


# ------------------------------------------------------------------------------------------
# weights, totals, ranks, grades
# ------------------------------------------------------------------------------------------
def _weigh(rows: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Re-normalise weights over the applicable indicators and compute weighted scores."""
    applicable = rows["applicable"].to_numpy(dtype=bool)
    weight = rows["weight"].to_numpy(dtype=float)
    key = rows["entity_type"].astype(str) + "|" + rows["entity_id"].astype(str)
    w_app = pd.Series(np.where(applicable, weight, 0.0)).groupby(key.to_numpy()).transform("sum")
    w_app = w_app.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(applicable & (w_app > 0), weight * 100.0 / w_app, 0.0)
    rows = rows.assign(
        effective_weight=eff,
        weighted_score=np.where(applicable, rows["raw_score"].to_numpy() * eff / 100.0, np.nan),
    )
    # notes
    na_note = rows["na_note"].to_numpy(dtype=object)
    score_note = rows["score_note"].astype(str).to_numpy(dtype=object)
    note = np.where(applicable, score_note, na_note)
    renorm = applicable & (w_app < pd.Series(weight).groupby(key.to_numpy()).transform("sum"))
    if renorm.any():
        na_names = (
            rows.loc[~applicable, ["indicator"]]
            .assign(key=key[~applicable].to_numpy())
            .groupby("key")["indicator"]
            .agg(lambda s: "、".join(names[c] for c in s))
        )
        for i in np.flatnonzero(renorm):
            extra = f"因{na_names[key.iloc[i]]}不适用，权重由{weight[i]:g}按比例调整为{eff[i]:.4g}"
            note[i] = f"{note[i]}；{extra}" if note[i] else extra
    rows["note"] = note
    return rows


def _adjust(
    entities: pd.DataFrame, facts: pd.DataFrame, items, cap: float, kind: str, events: list
) -> np.ndarray:
    """Sum of bonus or deduction items per entity, each item capped, the sum capped."""
    n = len(entities)
    total = np.zeros(n)
    ids = entities["entity_id"].to_numpy()
    groups = entities["role"].to_numpy()
    f = facts.reindex(ids)
    word = "加分" if kind == "bonus" else "扣分"
    for item in items:
        applies = np.isin(groups, item.applies_to)
        if not applies.any():
            continue
        actual, _ = _source_values(f, item.source)
        raw = item.per_unit * np.maximum(np.nan_to_num(actual, nan=0.0) - item.above, 0.0)
        pts = np.where(applies, np.minimum(raw, item.cap), 0.0)
        total += pts
        for i in np.flatnonzero(pts > 0):
            capped = raw[i] > item.cap
            msg = f"{item.name}：实际值{actual[i]:g}，{word}{pts[i]:g}分"
            if capped:
                msg += f"（按单项上限{item.cap:g}分，原为{raw[i]:g}分）"
            events.append(_event(entities.iloc[i], item.code, kind, msg))
    capped_total = np.minimum(total, cap)
    for i in np.flatnonzero(total > cap):
        msg = f"{word}合计{total[i]:g}分，超过上限{cap:g}分，按{cap:g}分计"
        events.append(_event(entities.iloc[i], "", f"{kind}_cap", msg))
    return capped_total


def _event(entity: pd.Series, item: str, kind: str, message: str) -> dict[str, Any]:
    return {
        "entity_type": entity["entity_type"],
        "entity_id": entity["entity_id"],
        "name": entity["name"],
        "unit_code": entity["unit_code"],
        "item": item,
        "kind": kind,
        "message": message,
    }


def _totals(
    entities: pd.DataFrame, rows: pd.DataFrame, facts: pd.DataFrame, scheme: Scheme, events: list
) -> pd.DataFrame:
    """Base, bonus, deduction, clamp, veto, rank and grade per entity (methods-spec §1.7)."""
    out = entities.copy().reset_index(drop=True)
    key = rows["entity_id"].to_numpy()
    base = (
        pd.Series(rows["weighted_score"].to_numpy())
        .groupby(key)
        .sum(min_count=1)
        .reindex(out["entity_id"].to_numpy())
        .to_numpy()
    )
    bonus = _adjust(out, facts, scheme.bonuses, scheme.bonus_cap, "bonus", events)
    deduction = _adjust(out, facts, scheme.deductions, scheme.deduction_cap, "deduction", events)
    unclamped = base + bonus - deduction
    total = np.clip(unclamped, 0.0, scheme.max_total)
    for i in np.flatnonzero(~np.isnan(unclamped) & (unclamped != total)):
        msg = (
            f"基础分{base[i]:.4g}+加分{bonus[i]:g}-扣分{deduction[i]:g}={unclamped[i]:.4g}，"
            f"限定在[0, {scheme.max_total:g}]内，按{total[i]:.4g}计"
        )
        events.append(_event(out.iloc[i], "", "clamp", msg))
    for i in np.flatnonzero(np.isnan(base)):
        events.append(_event(out.iloc[i], "", "not_scored", "所有指标均不适用，本月不计总分"))

    vetoed = np.zeros(len(out), dtype=bool)
    zeroed = np.zeros(len(out), dtype=bool)
    reasons = [[] for _ in range(len(out))]
    f = facts.reindex(out["entity_id"].to_numpy())
    groups = out["role"].to_numpy()
    for veto in scheme.vetoes:
        if not np.isin(groups, veto.applies_to).any():
            continue
        value, _ = _source_values(f, veto.source)
        with np.errstate(invalid="ignore"):
            hit = (value < veto.below) if veto.below is not None else (value >= veto.at_least)
        hit = hit & np.isin(groups, veto.applies_to) & ~np.isnan(value)
        for i in np.flatnonzero(hit):
            vetoed[i] = True
            zeroed[i] |= veto.effect == "zero"
            reasons[i].append(f"{veto.name}（{_FORMULAS[veto.source][1]}={value[i]:g}）")
            effect = "总分计0分" if veto.effect == "zero" else f"等级定为{scheme.grades.lowest}"
            msg = f"一票否决：{veto.name}，实际值{value[i]:g}，{effect}"
            events.append(_event(out.iloc[i], veto.code, "veto", msg))
    total = np.where(zeroed, 0.0, total)

    out["base"] = np.round(base, _TOTAL_DECIMALS)
    out["bonus"] = np.round(bonus, _TOTAL_DECIMALS)
    out["deduction"] = np.round(deduction, _TOTAL_DECIMALS)
    out["total"] = np.round(total, _TOTAL_DECIMALS)
    out["vetoed"] = vetoed
    out["veto_reason"] = ["；".join(r) for r in reasons]
    rank = out.groupby("role")["total"].rank(method="min", ascending=False)
    out["rank"] = rank.astype("Int64")
    grade = pd.Series([None] * len(out), index=out.index, dtype=object)
    shares = dict(scheme.grades.shares)
    for _, idx in out.groupby("role").groups.items():
        res = scoring.forced_distribution(
            out.loc[idx, "total"],
            shares=shares,
            policy=scheme.grades.policy,
            ties=scheme.grades.ties,
            nan_policy="omit",
        )
        grade.loc[idx] = res.grades.to_numpy()
        for note in res.notes:
            events.append(
                {
                    "entity_type": out.loc[idx[0], "entity_type"],
                    "entity_id": "",
                    "name": "",
                    "unit_code": "",
                    "item": "",
                    "kind": "grade",
                    "message": f"{out.loc[idx[0], 'role']}强制分布：{note}",
                }
            )
    lowest = scheme.grades.lowest
    for i in np.flatnonzero(vetoed):
        if grade.iloc[i] != lowest:
            msg = f"一票否决，等级由{grade.iloc[i]}调整为{lowest}"
            events.append(_event(out.iloc[i], "", "grade", msg))
        grade.iloc[i] = lowest
    out["grade"] = grade.to_numpy()
    return out


def _wide(entities: pd.DataFrame, rows: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    scores = rows.pivot_table(
        index="entity_id", columns="indicator", values="weighted_score", aggfunc="first"
    )
    scores = scores.reindex(index=entities["entity_id"].to_numpy(), columns=codes)
    middle = pd.DataFrame(scores.to_numpy(dtype=float), columns=codes, index=entities.index)
    tail = ["base", "bonus", "deduction", "total", "vetoed", "veto_reason", "rank", "grade"]
    return pd.concat([entities.drop(columns=tail), middle, entities[tail]], axis=1)


# ------------------------------------------------------------------------------------------
# revenue
# ------------------------------------------------------------------------------------------
def _fen_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def revenue_by_staff(data: MonthData) -> pd.DataFrame:
    """Revenue credited per staff member, exact to the fen, reconciled with the file.

    Returns
    -------
    DataFrame
        Columns ``staff_id``, ``name``, ``unit_code``, ``records`` (int),
        ``amount_fen`` (int64), ``amount_yuan`` (text, two decimals).

    Raises
    ------
    ReconciliationError
        When amounts are not integer fen, or the per-staff amounts do not add up to
        the revenue file's total (a record credited to someone not in the staff list).
    """
    rev = data.revenue
    if not pd.api.types.is_integer_dtype(rev["amount_fen"].dtype):
        raise ReconciliationError(
            f"revenue.amount_fen must hold integer fen, got dtype {rev['amount_fen'].dtype}"
        )
    staff = data.staff[["staff_id", "name", "unit_code"]].reset_index(drop=True)
    grouped = rev.groupby("staff_id")["amount_fen"].agg(["sum", "count"])
    grouped = grouped.reindex(staff["staff_id"].to_numpy())
    amounts = [int(v) if pd.notna(v) else 0 for v in grouped["sum"].tolist()]
    out = staff.assign(
        records=grouped["count"].fillna(0).astype(int).to_numpy(),
        amount_fen=np.array(amounts, dtype=np.int64),
    )
    out["amount_yuan"] = [_fen_text(v) for v in amounts]
    file_total = sum(int(v) for v in rev["amount_fen"].tolist())
    computed = sum(amounts)
    if computed != file_total:
        known = set(staff["staff_id"])
        stray = rev.loc[~rev["staff_id"].isin(known), ["record_id", "staff_id", "amount_fen"]]
        raise ReconciliationError(
            f"revenue per staff member adds up to {_fen_text(computed)} yuan but the revenue "
            f"file totals {_fen_text(file_total)} yuan (difference "
            f"{_fen_text(file_total - computed)}); records credited to staff not in the staff "
            f"list: {stray.to_dict('records')[:20]}"
        )
    return out


# ------------------------------------------------------------------------------------------
# the month
# ------------------------------------------------------------------------------------------
def score_month(data: MonthData, scheme: Scheme) -> Scorecard:
    """Score every staff member and every unit of a month under ``scheme``.

    Parameters
    ----------
    data : MonthData
        The month's validated tables (``centre_results`` is not used: see
        :func:`kpilib.checks.reconcile_centre_results`).
    scheme : Scheme
        From :func:`kpilib.scheme.load_scheme`.

    Returns
    -------
    Scorecard
        ``long``, ``staff``, ``units``, ``events`` and ``revenue`` tables; their columns
        are listed in :class:`Scorecard`.

    Raises
    ------
    ReconciliationError
        When revenue per staff member does not add up to the revenue file's total.
    """
    events: list[dict[str, Any]] = []
    revenue = revenue_by_staff(data)
    names = {code: ind.name for code, ind in scheme.indicators.items()}

    staff = data.staff.reset_index(drop=True)
    staff_entities = pd.DataFrame(
        {
            "entity_type": "staff",
            "entity_id": staff["staff_id"].to_numpy(),
            "name": staff["name"].to_numpy(),
            "unit_code": staff["unit_code"].to_numpy(),
            "role": staff["role"].astype(str).to_numpy(),
        }
    )
    unknown_roles = sorted(set(staff_entities["role"]) - set(ROLES))
    if unknown_roles:
        raise ValueError(f"staff with roles the scheme does not know: {unknown_roles}")
    sfacts = _staff_facts(data)
    srows = _build_rows(staff_entities, sfacts, scheme.role_weights, scheme, data.targets, "staff")
    srows = _weigh(score_rows(srows, scheme), names)
    stotals = _totals(staff_entities, srows, sfacts, scheme, events)

    units = data.units.reset_index(drop=True)
    unit_entities = pd.DataFrame(
        {
            "entity_type": "unit",
            "entity_id": units["unit_code"].to_numpy(),
            "name": units["unit_name"].to_numpy(),
            "unit_code": units["unit_code"].to_numpy(),
            "role": units["unit_type"].astype(str).to_numpy(),
        }
    )
    unknown_types = sorted(set(unit_entities["role"]) - set(UNIT_TYPES))
    if unknown_types:
        raise ValueError(f"units of types the scheme does not know: {unknown_types}")
    totals = pd.Series(stotals["total"].to_numpy(), index=stotals["entity_id"].to_numpy())
    ufacts = _unit_facts(data, sfacts, totals)
    urows = _build_rows(unit_entities, ufacts, scheme.unit_weights, scheme, None, "unit")
    urows = _weigh(score_rows(urows, scheme), names)
    utotals = _totals(unit_entities, urows, ufacts, scheme, events)

    long = pd.concat([srows, urows], ignore_index=True)
    long["indicator_name"] = long["indicator"].map(names)
    long["method"] = long["indicator"].map({c: i.method for c, i in scheme.indicators.items()})
    long["flag"] = long["flag"].astype(str)
    long = long[LONG_COLUMNS]

    entity_names = pd.concat([staff_entities, unit_entities]).set_index(
        ["entity_type", "entity_id"]
    )["name"]
    for row in long.loc[long["flag"] != ""].itertuples(index=False):
        kind = row.flag
        events.append(
            {
                "entity_type": row.entity_type,
                "entity_id": row.entity_id,
                "name": entity_names.get((row.entity_type, row.entity_id), ""),
                "unit_code": row.unit_code,
                "item": row.indicator,
                "kind": kind,
                "message": f"{row.indicator_name}：{row.note}",
            }
        )

    role_codes = list(dict.fromkeys(c for w in scheme.role_weights.values() for c in w))
    unit_codes = list(dict.fromkeys(c for w in scheme.unit_weights.values() for c in w))
    staff_wide = _wide(stotals, srows, role_codes).drop(columns=["entity_type"])
    staff_wide = staff_wide.rename(columns={"entity_id": "staff_id"})
    units_wide = _wide(utotals, urows, unit_codes).drop(columns=["entity_type", "unit_code"])
    units_wide = units_wide.rename(columns={"entity_id": "unit_code", "role": "unit_type"})
    order = {k: i for i, k in enumerate(["veto", "not_scored", "clamp", "bonus_cap"])}
    ev = pd.DataFrame(events, columns=EVENT_COLUMNS)
    ev = ev.sort_values(
        ["entity_type", "entity_id", "kind"],
        key=lambda s: s.map(order).fillna(len(order)) if s.name == "kind" else s,
        kind="stable",
    ).reset_index(drop=True)
    return Scorecard(
        month=data.month,
        long=long.reset_index(drop=True),
        staff=staff_wide.reset_index(drop=True),
        units=units_wide.reset_index(drop=True),
        events=ev,
        revenue=revenue,
    )
