"""Scorecards: every indicator, score and total of a month (docs/methods.md §1.7).

:func:`score_facts` turns a month's facts (:class:`~kpilib.scoring.facts.MonthFacts`,
decided by the duty modules and assembled by :func:`kpilib.duties.facts.month_facts`)
and the year's scheme (:class:`~kpilib.scoring.scheme.Scheme`) into a :class:`Scorecard`.
It decides no fact itself (what is on time, overdue, archived or qualified): it reads
each data source's value from the facts columns the source registry
(:data:`kpilib.scoring.scheme.SOURCES`) names. ``kpilib.duties.facts.score_month`` is
facts, then this.

1. one row per entity and indicator of its role's (or unit type's) weights, with the
   actual value and target from the indicator's data source. A rate whose denominator
   is 0, or a target that is 0 or missing, makes the indicator *not applicable* for
   that entity (docs/methods.md §0): it is left out and the remaining weights are scaled
   up to 100, with a note; never scored 0 or 100;
2. :func:`score_rows`: each indicator scored by its method, vectorised over all its rows
   (one call of a :mod:`kpilib.scoring.rules` function per indicator, through the
   table of per-method scorers);
3. totals in the order of docs/methods.md §1.7: base = sum of weighted scores,
   + min(sum of bonuses, bonus cap), - min(sum of deductions, deduction cap),
   + the points of approved adjustments (docs/methods.md §6.9),
   clamp to [0, max_total], then vetoes (total 0, or the lowest grade; unless an
   adjustment cancels one), ranks within the role or unit type, and the forced
   distribution of grades.

Staff are scored first; a unit's ``staff_mean`` indicator is the mean total of its staff.
Every cap, floor, clamp, veto and not-applicable indicator is written to
``Scorecard.events`` in Chinese words, so a report can explain each number; a bonus,
deduction or veto counting records names them (e.g. the ids of the overdue major audit
findings behind a veto).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import ROLES, UNIT_TYPES
from kpilib.errors import ReconciliationError
from kpilib.scoring import rules as scoring
from kpilib.scoring.facts import MonthFacts
from kpilib.scoring.scheme import SOURCES, Indicator, Scheme, Veto

__all__ = [
    "OVERRIDE_COLUMNS",
    "OVERRIDE_KINDS",
    "ReconciliationError",
    "Scorecard",
    "revenue_by_staff",
    "score_facts",
    "score_rows",
]

#: Columns of the ``overrides`` of :func:`score_facts`: the approved adjustments that act
#: on scoring (an excluded record acts on the facts instead). ``code`` is the indicator
#: (replace_actual) or veto (cancel_veto) code, "" for points; ``number`` the new actual
#: or the points (NaN for cancel_veto); ``label`` how the events name the adjustment.
OVERRIDE_COLUMNS = ("adjustment_id", "entity_type", "entity_id", "kind", "code", "number", "label")
#: The kinds of override, in the order they act (docs/methods.md §6.9).
OVERRIDE_KINDS = ("replace_actual", "add_points", "deduct_points", "cancel_veto")

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
_ROW_OUT = [
    *("entity_type", "entity_id", "unit_code", "role", "indicator"),
    *("actual", "target", "base", "challenge", "weight", "applicable", "na_note"),
    "adjusted_note",
]
#: How many record ids an event names before "等N条".
_NAMED_RECORDS = 10


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
        ``deduction``, ``adjustment`` (points added, negative when deducted, by the
        adjustments register), ``total`` (all rounded to 6 decimals; ``base`` and ``total`` NaN
        when no indicator applies and no veto), ``vetoed`` (bool), ``veto_reason``
        (Chinese, "" when not vetoed; names the records behind the veto), ``rank``
        (Int64, 1 = best within the role, ties share the best rank), ``grade`` (forced
        distribution within the role; missing when not scored).
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
        ``grade``, ``not_scored``, ``adjustment``), ``message`` (Chinese; a bonus, deduction or veto
        counting records names them, e.g. ``相关记录：F1、F2``).
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
# sources and the records behind them
# ------------------------------------------------------------------------------------------
def _source_values(facts: pd.DataFrame, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Actual values of a source for every row of ``facts`` and the not-applicable note."""
    if source not in SOURCES:
        raise ValueError(f"unknown data source {source!r}; known: {', '.join(SOURCES)}")
    src = SOURCES[source]
    num = facts[src.numerator].to_numpy(dtype=float)
    note = np.full(len(facts), "", dtype=object)
    if src.denominator is None:
        note[np.isnan(num)] = f"{src.not_applicable}，不适用"
        return num, note
    den = facts[src.denominator].to_numpy(dtype=float)
    unknown = np.isnan(den) | np.isnan(num)
    zero = ~unknown & (den <= 0)
    note[unknown] = "无业务量记录，不适用"
    note[zero] = f"{src.not_applicable}，不适用"
    actual = np.where(unknown | zero, np.nan, src.value(num, den))  # scale x num / den
    return actual, note


class _Records:
    """The evidence of a :class:`MonthFacts`, looked up per entity and source."""

    def __init__(self, evidence: pd.DataFrame) -> None:
        self._groups: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
        if evidence.empty:
            return
        keys = ["entity_type", "entity_id", "source"]
        for key, rows in evidence.groupby(keys, sort=False):
            ids = rows["record_id"].astype(str).to_numpy(dtype=object)
            self._groups[tuple(map(str, key))] = (ids, rows["value"].to_numpy(dtype=float))

    def named(
        self, entity: pd.Series, source: str, keep: Callable[[np.ndarray], np.ndarray] | None
    ) -> str:
        """``相关记录：a、b`` for the entity's records of ``source`` (those ``keep`` selects
        by value), or "" when there are none."""
        key = (str(entity["entity_type"]), str(entity["entity_id"]), source)
        if key not in self._groups:
            return ""
        ids, values = self._groups[key]
        if keep is not None:
            with np.errstate(invalid="ignore"):
                ids = ids[keep(values)]
        ids = sorted(dict.fromkeys(ids))
        if not ids:
            return ""
        shown = "、".join(ids[:_NAMED_RECORDS])
        more = f"等{len(ids)}条" if len(ids) > _NAMED_RECORDS else ""
        return f"相关记录：{shown}{more}"


def _veto_keep(veto: Veto) -> Callable[[np.ndarray], np.ndarray] | None:
    """Which records of the veto's source triggered it: all counted ones, or for a
    ``min`` source those whose own value meets the condition."""
    if SOURCES[veto.source].kind != "min":
        return None
    if veto.below is not None:
        return lambda v: v < veto.below
    return lambda v: v >= veto.at_least


# ------------------------------------------------------------------------------------------
# approved adjustments (the register's overrides)
# ------------------------------------------------------------------------------------------
class _Overrides:
    """The register's overrides of one scoring, looked up per entity."""

    def __init__(self, overrides: pd.DataFrame | None, scheme: Scheme) -> None:
        if overrides is None:
            overrides = pd.DataFrame(columns=list(OVERRIDE_COLUMNS))
        if not isinstance(overrides, pd.DataFrame):
            raise TypeError(f"overrides must be a DataFrame, got {type(overrides).__name__}")
        missing = [c for c in OVERRIDE_COLUMNS if c not in overrides.columns]
        if missing:
            raise ValueError(f"overrides is missing column(s) {missing}")
        unknown = sorted(set(overrides["kind"]) - set(OVERRIDE_KINDS))
        if unknown:
            raise ValueError(f"unknown override kind(s) {unknown}; known: {OVERRIDE_KINDS}")
        self._frame = overrides.reset_index(drop=True)
        self._scheme = scheme
        known = {
            "replace_actual": set(scheme.indicators),
            "cancel_veto": {veto.code for veto in scheme.vetoes},
        }
        for kind, codes in known.items():
            bad = sorted(set(self._of(kind)["code"]) - codes)
            if bad:
                raise ValueError(f"{kind} names code(s) the scheme does not have: {bad}")

    def _of(self, kind: str) -> pd.DataFrame:
        return self._frame[self._frame["kind"] == kind]

    def replace(
        self,
        entity_type: str,
        entity_ids: np.ndarray,
        code: str,
        actual: np.ndarray,
        note: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``actual`` and ``note`` with the replaced actuals of indicator ``code`` (their
        not-applicable reasons cleared), and each row's note naming its adjustment ("" for
        the others)."""
        said = np.full(len(entity_ids), "", dtype=object)
        replaced = self._of("replace_actual")
        replaced = replaced[(replaced["entity_type"] == entity_type) & (replaced["code"] == code)]
        if replaced.empty:
            return actual, note, said
        actual, note = actual.copy(), note.copy()
        position = pd.Series(np.arange(len(entity_ids)), index=entity_ids)
        for adj in replaced.itertuples(index=False):
            i = position.get(adj.entity_id)
            if i is None:
                continue  # not weighted for this entity: the loader refuses such a row
            before = "无" if np.isnan(actual[i]) else f"{actual[i]:g}"
            said[i] = f"{adj.label}：实际值由{before}替换为{float(adj.number):g}"
            actual[i] = float(adj.number)
            note[i] = ""
        return actual, note, said

    def points(self, entities: pd.DataFrame, events: list) -> np.ndarray:
        """Points added (+) or deducted (-) per entity, each an event."""
        manual = np.zeros(len(entities))
        moved = self._frame[self._frame["kind"].isin(["add_points", "deduct_points"])]
        if moved.empty:
            return manual
        key = entities["entity_type"].astype(str) + "|" + entities["entity_id"].astype(str)
        position = pd.Series(np.arange(len(entities)), index=key.to_numpy())
        for adj in moved.itertuples(index=False):
            i = position.get(f"{adj.entity_type}|{adj.entity_id}")
            if i is None:
                continue
            sign = 1.0 if adj.kind == "add_points" else -1.0
            manual[i] += sign * float(adj.number)
            word = "加" if sign > 0 else "扣"
            msg = f"{adj.label}：{word}{float(adj.number):g}分（不计入方案加扣分上限）"
            events.append(_event(entities.iloc[i], str(adj.adjustment_id), "adjustment", msg))
        return manual

    def cancels(self, entity: pd.Series, veto: Veto, value: float, events: list) -> bool:
        """Whether an approved adjustment cancels ``veto`` for ``entity`` (an event)."""
        cancelled = self._of("cancel_veto")
        hit = cancelled[
            (cancelled["entity_type"] == entity["entity_type"])
            & (cancelled["entity_id"] == entity["entity_id"])
            & (cancelled["code"] == veto.code)
        ]
        if hit.empty:
            return False
        adj = hit.iloc[0]
        msg = f"{adj['label']}：取消一票否决“{veto.name}”（实际值{value:g}）"
        events.append(_event(entity, str(adj["adjustment_id"]), "adjustment", msg))
        return True


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
    over: _Overrides,
) -> pd.DataFrame:
    """One row per entity and weighted indicator, with actual/target and applicability
    (a replaced actual in place of the computed one)."""
    target_table = None
    if targets is not None:
        target_table = targets.set_index(["staff_id", "indicator"])[["base", "target", "challenge"]]
    pieces = []
    for group, gweights in weights.items():
        ents = entities[entities["role"] == group]
        if ents.empty:
            continue
        f = facts.reindex(ents["entity_id"].to_numpy())
        for code, weight in gweights.items():
            ind = scheme.indicators[code]
            actual, note = _source_values(f, ind.source)
            ids = ents["entity_id"].to_numpy()
            actual, note, adjusted = over.replace(entity_type, ids, code, actual, note)
            base, target, challenge = _thresholds(ind, ents, target_table, note)
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
                        "adjusted_note": adjusted,
                    }
                )
            )
    if not pieces:
        return pd.DataFrame(columns=_ROW_OUT)
    return pd.concat(pieces, ignore_index=True)


def _thresholds(
    ind: Indicator, ents: pd.DataFrame, target_table: pd.DataFrame | None, note: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base, target and challenge of an indicator for ``ents``; writes the
    not-applicable reasons (no target, target 0, thresholds out of order) into ``note``."""
    n = len(ents)
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
            challenge = np.where(np.isnan(challenge), target * params["challenge_ratio"], challenge)
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
    return base, target, challenge


def _join3(b: np.ndarray, t: np.ndarray, c: np.ndarray, mask: np.ndarray) -> str:
    if not mask.any():
        return ""
    i = int(np.flatnonzero(mask)[0])
    return f"{b[i]:g}/{t[i]:g}/{c[i]:g}"


# ------------------------------------------------------------------------------------------
# the vectorised scoring step: one scorer per method
# ------------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{x * 100:g}%"


class _Block(NamedTuple):
    """The applicable rows of one indicator, as arrays."""

    x: np.ndarray  # actual
    target: np.ndarray
    base: np.ndarray
    challenge: np.ndarray
    ratio: np.ndarray  # x / target (NaN when the method uses no target)
    roles: np.ndarray  # the group ranks are computed in


class _Scored(NamedTuple):
    """A scorer's result: raw scores, the ratio to report (None: none) and the marks
    (mask, flag, Chinese note) applied in order, a later mark overriding an earlier one."""

    raw: np.ndarray
    ratio: np.ndarray | None
    marks: list[tuple[np.ndarray, str, str]]


def _score_completion(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    raw = scoring.completion(
        b.x,
        b.target,
        weight=100.0,
        cap=p["cap"],
        threshold=p["threshold"],
        floor_score=p["floor_score"],
    )
    marks = [
        (b.ratio > p["cap"], "cap", f"完成率超过封顶{_pct(p['cap'])}，按封顶计分"),
        (
            b.ratio < p["threshold"],
            "floor",
            f"完成率低于门槛{_pct(p['threshold'])}，按{p['floor_score']:g}%计分",
        ),
    ]
    return _Scored(raw, b.ratio, marks)


def _score_tiered(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    x, t, lo, hi = b.x, b.target, b.base, b.challenge
    raw = scoring.tiered(
        x, base=lo, target=t, challenge=hi, low=p["low"], mid=p["mid"], high=p["high"]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        below = (x - lo) / (t - lo) < 0
        above = (x - t) / (hi - t) > 1
    marks = [
        (below, "floor", "低于基础值，得0分"),
        (above, "cap", f"超过挑战值，按封顶{p['high']:g}%计分"),
    ]
    return _Scored(raw, b.ratio, marks)


def _score_reverse(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    x, t = b.x, b.target
    rr = scoring.reverse(x, t, method=p["method"], cap=p["cap"])
    with np.errstate(divide="ignore", invalid="ignore"):
        free = t / x if p["method"] == "ratio" else 1.0 - (x - t) / t
    zero = x == 0
    marks = [
        (zero, "cap", f"实际值为0，按封顶{p['cap']:g}计分"),
        (~zero & (free > p["cap"]), "cap", f"达成比超过封顶{p['cap']:g}，按封顶计分"),
        (~zero & (free < 0), "floor", "达成比低于0，按0计分"),
    ]
    return _Scored(100.0 * rr, rr, marks)


def _score_efficacy(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    d = scoring.efficacy(b.x, satisfactory=p["satisfactory"], not_allowed=p["not_allowed"])
    if p["clip"] is None:
        return _Scored(d, None, [])
    lo, hi = p["clip"]
    marks = [
        (d > hi, "cap", f"功效分高于上限{hi:g}，按{hi:g}计"),
        (d < lo, "floor", f"功效分低于下限{lo:g}，按{lo:g}计"),
    ]
    return _Scored(np.clip(d, lo, hi), None, marks)


def _score_efficacy_tiered(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    std = p["standards"]
    raw = scoring.efficacy_tiered(b.x, standards=std, weight=100.0, coefficients=p["coefficients"])
    sign = 1.0 if std[0] > std[-1] else -1.0
    marks = [
        (sign * b.x > sign * std[0], "cap", "超过优秀值，按满分计"),
        (sign * b.x < sign * std[-1], "floor", "低于较差值，得0分"),
    ]
    return _Scored(raw, None, marks)


def _score_rank(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    raw = np.full(b.x.size, np.nan)
    for role in pd.unique(b.roles):
        sel = b.roles == role
        raw[sel] = scoring.rank_score(
            b.x[sel],
            best=p["best"],
            worst=p["worst"],
            ties=p["ties"],
            higher_is_better=ind.direction == "higher",
        )
    return _Scored(raw, None, [])


def _score_step(ind: Indicator, b: _Block) -> _Scored:
    p = ind.params
    by_ratio = p["basis"] == "ratio"
    v = b.ratio if by_ratio else b.x
    lowest = p["brackets"][0][0]
    raw = scoring.step(v, brackets=list(p["brackets"]), below=0.0)
    return _Scored(raw, b.ratio if by_ratio else None, [(v < lowest, "floor", "低于最低档，得0分")])


#: method -> scorer of an indicator's applicable rows (docs/methods.md §1.1-1.6).
_SCORERS: dict[str, Callable[[Indicator, _Block], _Scored]] = {
    "completion": _score_completion,
    "tiered": _score_tiered,
    "reverse": _score_reverse,
    "efficacy": _score_efficacy,
    "efficacy_tiered": _score_efficacy_tiered,
    "rank": _score_rank,
    "step": _score_step,
}


def _uses_target(ind: Indicator) -> bool:
    return ind.method in ("completion", "reverse", "tiered") or (
        ind.method == "step" and ind.params["basis"] == "ratio"
    )


def score_rows(rows: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Score every (entity, indicator) row by its indicator's method, vectorised.

    Rows are grouped by indicator and each group is scored by the scorer of its method
    (one call of the :mod:`kpilib.scoring.rules` function on whole arrays; rank
    indicators: one call per role or unit type). Rows not applicable on input stay so;
    an applicable row whose actual is missing, or whose target is missing or not
    positive where the method needs one, becomes not applicable.

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

    Raises
    ------
    ValueError
        When a column is missing, an indicator is not in the scheme, or its method has
        no scorer.

    Examples
    --------
    >>> from kpilib.scoring.scheme import load_scheme
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
    roles = rows["role"].to_numpy()
    applicable = rows["applicable"].to_numpy(dtype=bool) & ~np.isnan(actual)
    ratio = np.full(n, np.nan)
    raw = np.full(n, np.nan)
    flag = np.zeros(n, dtype=np.int8)  # index into FLAGS
    notes: list[str] = [""]
    note_code = np.zeros(n, dtype=np.int32)

    for code, pos_all in rows.groupby("indicator", sort=False).indices.items():
        if code not in scheme.indicators:
            raise ValueError(f"indicator {code!r} is not in the scheme")
        ind: Indicator = scheme.indicators[code]
        scorer = _SCORERS.get(ind.method)
        if scorer is None:  # pragma: no cover - the scheme validates methods
            raise ValueError(f"unknown method {ind.method!r} of indicator {code!r}")
        uses_target = _uses_target(ind)
        if uses_target:
            applicable[pos_all[~(target[pos_all] > 0)]] = False  # NaN or <= 0
        pos = pos_all[applicable[pos_all]]
        if pos.size == 0:
            continue
        x, t = actual[pos], target[pos]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = x / t if uses_target else np.full(pos.size, np.nan)
        scored = scorer(ind, _Block(x, t, base[pos], challenge[pos], r, roles[pos]))
        raw[pos] = scored.raw
        if scored.ratio is not None:
            ratio[pos] = scored.ratio
        for mask, which, text in scored.marks:
            if mask.any():
                flag[pos[mask]] = FLAGS.index(which)
                notes.append(text)
                note_code[pos[mask]] = len(notes) - 1
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
    if "adjusted_note" in rows:
        adjusted = rows["adjusted_note"].to_numpy(dtype=object)
        for i in np.flatnonzero(adjusted != ""):
            note[i] = f"{adjusted[i]}；{note[i]}" if note[i] else adjusted[i]
    rows["note"] = note
    return rows


def _adjust(
    entities: pd.DataFrame,
    facts: pd.DataFrame,
    items,
    cap: float,
    kind: str,
    records: _Records,
    events: list,
) -> np.ndarray:
    """Sum of bonus or deduction items per entity, each item capped, the sum capped."""
    total = np.zeros(len(entities))
    groups = entities["role"].to_numpy()
    f = facts.reindex(entities["entity_id"].to_numpy())
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
            entity = entities.iloc[i]
            msg = f"{item.name}：实际值{actual[i]:g}，{word}{pts[i]:g}分"
            if raw[i] > item.cap:
                msg += f"（按单项上限{item.cap:g}分，原为{raw[i]:g}分）"
            named = records.named(entity, item.source, None)
            events.append(_event(entity, item.code, kind, f"{msg}；{named}" if named else msg))
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
    entities: pd.DataFrame,
    rows: pd.DataFrame,
    facts: pd.DataFrame,
    scheme: Scheme,
    records: _Records,
    events: list,
    over: _Overrides,
) -> pd.DataFrame:
    """Base, bonus, deduction, clamp, veto, rank and grade per entity (docs/methods.md §1.7)."""
    out = entities.copy().reset_index(drop=True)
    base = (
        pd.Series(rows["weighted_score"].to_numpy())
        .groupby(rows["entity_id"].to_numpy())
        .sum(min_count=1)
        .reindex(out["entity_id"].to_numpy())
        .to_numpy()
    )
    bonus = _adjust(out, facts, scheme.bonuses, scheme.bonus_cap, "bonus", records, events)
    deduction = _adjust(
        out, facts, scheme.deductions, scheme.deduction_cap, "deduction", records, events
    )
    manual = over.points(out, events)
    total = _clamp(out, base, bonus, deduction, manual, scheme.max_total, events)
    vetoed, zeroed, reasons = _vetoes(out, facts, scheme, records, events, over)
    total = np.where(zeroed, 0.0, total)

    out["base"] = np.round(base, _TOTAL_DECIMALS)
    out["bonus"] = np.round(bonus, _TOTAL_DECIMALS)
    out["deduction"] = np.round(deduction, _TOTAL_DECIMALS)
    out["adjustment"] = np.round(manual, _TOTAL_DECIMALS)
    out["total"] = np.round(total, _TOTAL_DECIMALS)
    out["vetoed"] = vetoed
    out["veto_reason"] = reasons
    rank = out.groupby("role")["total"].rank(method="min", ascending=False)
    out["rank"] = rank.astype("Int64")
    out["grade"] = _grades(out, scheme, events)
    return out


def _clamp(
    out: pd.DataFrame,
    base: np.ndarray,
    bonus: np.ndarray,
    deduction: np.ndarray,
    manual: np.ndarray,
    max_total: float,
    events: list,
) -> np.ndarray:
    """base + bonus - deduction + manual (the register's points) clamped to
    [0, max_total]; NaN (not scored) when no indicator applies. Records each clamp and
    each entity not scored."""
    unclamped = base + bonus - deduction + manual
    total = np.clip(unclamped, 0.0, max_total)
    for i in np.flatnonzero(~np.isnan(unclamped) & (unclamped != total)):
        adjusted = f"{manual[i]:+g}（调整）" if manual[i] else ""
        msg = (
            f"基础分{base[i]:.4g}+加分{bonus[i]:g}-扣分{deduction[i]:g}{adjusted}"
            f"={unclamped[i]:.4g}，限定在[0, {max_total:g}]内，按{total[i]:.4g}计"
        )
        events.append(_event(out.iloc[i], "", "clamp", msg))
    for i in np.flatnonzero(np.isnan(base)):
        events.append(_event(out.iloc[i], "", "not_scored", "所有指标均不适用，本月不计总分"))
    return total


def _vetoes(
    out: pd.DataFrame,
    facts: pd.DataFrame,
    scheme: Scheme,
    records: _Records,
    events: list,
    over: _Overrides,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Which entities a veto hits (and which are zeroed), with the reasons in words
    naming the records behind each veto."""
    vetoed = np.zeros(len(out), dtype=bool)
    zeroed = np.zeros(len(out), dtype=bool)
    reasons: list[list[str]] = [[] for _ in range(len(out))]
    f = facts.reindex(out["entity_id"].to_numpy())
    groups = out["role"].to_numpy()
    for veto in scheme.vetoes:
        applies = np.isin(groups, veto.applies_to)
        if not applies.any():
            continue
        value, _ = _source_values(f, veto.source)
        with np.errstate(invalid="ignore"):
            hit = (value < veto.below) if veto.below is not None else (value >= veto.at_least)
        hit = hit & applies & ~np.isnan(value)
        effect = "总分计0分" if veto.effect == "zero" else f"等级定为{scheme.grades.lowest}"
        for i in np.flatnonzero(hit):
            if over.cancels(out.iloc[i], veto, value[i], events):
                continue
            vetoed[i] = True
            zeroed[i] |= veto.effect == "zero"
            named = records.named(out.iloc[i], veto.source, _veto_keep(veto))
            reasons[i].append(f"{veto.name}（实际值{value[i]:g}{'；' + named if named else ''}）")
            msg = f"一票否决：{veto.name}，实际值{value[i]:g}，{effect}"
            events.append(
                _event(out.iloc[i], veto.code, "veto", f"{msg}；{named}" if named else msg)
            )
    return vetoed, zeroed, ["；".join(r) for r in reasons]


def _grades(out: pd.DataFrame, scheme: Scheme, events: list) -> np.ndarray:
    """Forced distribution of grades within each role or unit type; vetoed entities get
    the lowest grade."""
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
    for i in np.flatnonzero(out["vetoed"].to_numpy(dtype=bool)):
        if grade.iloc[i] != lowest:
            msg = f"一票否决，等级由{grade.iloc[i]}调整为{lowest}"
            events.append(_event(out.iloc[i], "", "grade", msg))
        grade.iloc[i] = lowest
    return grade.to_numpy()


def _wide(entities: pd.DataFrame, rows: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    scores = rows.pivot_table(
        index="entity_id", columns="indicator", values="weighted_score", aggfunc="first"
    )
    scores = scores.reindex(index=entities["entity_id"].to_numpy(), columns=codes)
    middle = pd.DataFrame(scores.to_numpy(dtype=float), columns=codes, index=entities.index)
    tail = [
        *("base", "bonus", "deduction", "adjustment", "total"),
        *("vetoed", "veto_reason", "rank", "grade"),
    ]
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
def score_facts(
    facts: MonthFacts, scheme: Scheme, *, overrides: pd.DataFrame | None = None
) -> Scorecard:
    """Score every staff member and every unit of a month's facts under ``scheme``.

    Parameters
    ----------
    facts : MonthFacts
        From :func:`kpilib.duties.facts.month_facts`.
    scheme : Scheme
        From :func:`kpilib.scoring.scheme.load_scheme`.
    overrides : approved adjustments acting on scoring, columns :data:`OVERRIDE_COLUMNS`
        (``kpilib.duties.adjustments.overrides``), applied in this order
        (docs/methods.md §6.9): a replaced actual is scored instead of the computed one
        (and is applicable); points added or deducted act on the total after the
        scheme's capped bonuses and deductions and before the clamp to
        [0, max_total]; a cancelled veto does not act. Each one is an event of kind
        ``adjustment``. None: no adjustments.

    Returns
    -------
    Scorecard
        ``long``, ``staff``, ``units``, ``events`` and ``revenue`` tables; their columns
        are listed in :class:`Scorecard`.

    Raises
    ------
    TypeError
        When ``facts`` is not a :class:`MonthFacts`.
    ValueError
        When a staff member's role or a unit's type is unknown to the scheme.
    """
    if not isinstance(facts, MonthFacts):
        raise TypeError(f"facts must be a MonthFacts, got {type(facts).__name__}")
    over = _Overrides(overrides, scheme)
    events: list[dict[str, Any]] = []
    names = {code: ind.name for code, ind in scheme.indicators.items()}
    records = _Records(facts.evidence)

    staff_entities = _entities(facts.staff, "staff", ("staff_id", "name", "unit_code", "role"))
    unknown_roles = sorted(set(staff_entities["role"]) - set(ROLES))
    if unknown_roles:
        raise ValueError(f"staff with roles the scheme does not know: {unknown_roles}")
    sfacts = facts.staff.set_index("staff_id")
    srows = _build_rows(
        staff_entities, sfacts, scheme.role_weights, scheme, facts.targets, "staff", over
    )
    srows = _weigh(score_rows(srows, scheme), names)
    stotals = _totals(staff_entities, srows, sfacts, scheme, records, events, over)

    unit_entities = _entities(
        facts.units, "unit", ("unit_code", "unit_name", "unit_code", "unit_type")
    )
    unknown_types = sorted(set(unit_entities["role"]) - set(UNIT_TYPES))
    if unknown_types:
        raise ValueError(f"units of types the scheme does not know: {unknown_types}")
    ufacts = _with_staff_totals(facts.units.set_index("unit_code"), stotals)
    urows = _build_rows(unit_entities, ufacts, scheme.unit_weights, scheme, None, "unit", over)
    urows = _weigh(score_rows(urows, scheme), names)
    utotals = _totals(unit_entities, urows, ufacts, scheme, records, events, over)

    long = pd.concat([srows, urows], ignore_index=True)
    long["indicator_name"] = long["indicator"].map(names)
    long["method"] = long["indicator"].map({c: i.method for c, i in scheme.indicators.items()})
    long["flag"] = long["flag"].astype(str)
    long = long[LONG_COLUMNS].reset_index(drop=True)
    events.extend(_flag_events(long, pd.concat([staff_entities, unit_entities])))

    role_codes = list(dict.fromkeys(c for w in scheme.role_weights.values() for c in w))
    unit_codes = list(dict.fromkeys(c for w in scheme.unit_weights.values() for c in w))
    staff_wide = _wide(stotals, srows, role_codes).drop(columns=["entity_type"])
    staff_wide = staff_wide.rename(columns={"entity_id": "staff_id"})
    units_wide = _wide(utotals, urows, unit_codes).drop(columns=["entity_type", "unit_code"])
    units_wide = units_wide.rename(columns={"entity_id": "unit_code", "role": "unit_type"})
    return Scorecard(
        month=facts.month,
        long=long,
        staff=staff_wide.reset_index(drop=True),
        units=units_wide.reset_index(drop=True),
        events=_sorted_events(events),
        revenue=facts.revenue,
    )


def _entities(frame: pd.DataFrame, entity_type: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Entity table (entity_type, entity_id, name, unit_code, role) of a facts frame;
    ``columns`` names the frame's id, name, unit and group columns."""
    ident, name, unit, group = columns
    frame = frame.reset_index(drop=True)
    return pd.DataFrame(
        {
            "entity_type": entity_type,
            "entity_id": frame[ident].to_numpy(),
            "name": frame[name].to_numpy(),
            "unit_code": frame[unit].to_numpy(),
            "role": frame[group].astype(str).to_numpy(),
        }
    )


def _with_staff_totals(unit_facts: pd.DataFrame, staff_totals: pd.DataFrame) -> pd.DataFrame:
    """The unit facts with ``staff_total_sum`` and ``staff_scored`` (the ``staff_mean``
    source): the sum and number of the unit's staff totals that are not NaN."""
    scored = staff_totals.dropna(subset=["total"]).groupby("unit_code")["total"]
    return unit_facts.assign(
        staff_total_sum=scored.sum().reindex(unit_facts.index).fillna(0.0),
        staff_scored=scored.count().reindex(unit_facts.index).fillna(0).astype(float),
    )


def _flag_events(long: pd.DataFrame, entities: pd.DataFrame) -> list[dict[str, Any]]:
    """One event per flagged (capped, floored or not applicable) indicator row."""
    entity_names = entities.set_index(["entity_type", "entity_id"])["name"]
    return [
        {
            "entity_type": row.entity_type,
            "entity_id": row.entity_id,
            "name": entity_names.get((row.entity_type, row.entity_id), ""),
            "unit_code": row.unit_code,
            "item": row.indicator,
            "kind": row.flag,
            "message": f"{row.indicator_name}：{row.note}",
        }
        for row in long.loc[long["flag"] != ""].itertuples(index=False)
    ]


def _sorted_events(events: list[dict[str, Any]]) -> pd.DataFrame:
    """Events by entity, vetoes first, then not scored, clamps and bonus caps."""
    order = {k: i for i, k in enumerate(["veto", "not_scored", "clamp", "bonus_cap"])}
    ev = pd.DataFrame(events, columns=EVENT_COLUMNS)
    return ev.sort_values(
        ["entity_type", "entity_id", "kind"],
        key=lambda s: s.map(order).fillna(len(order)) if s.name == "kind" else s,
        kind="stable",
    ).reset_index(drop=True)
