"""Switching rules of GB/T 2828.1-2012 (= ISO 2859-1:1999) clause 9: inspection severity per unit.

docs/methods.md §3.7. Each unit's lots (one a month: its closed tickets, judged by
:func:`kpilib.stats.plan.lot_verdicts`) move it between normal, tightened and reduced
inspection, and may discontinue its inspection:

* 9.1 — inspection starts at **normal**.
* 9.3.1 normal → tightened — as soon as 2 out of 5 or fewer consecutive lots have not
  been accepted on original inspection.
* 9.3.2 tightened → normal — when 5 consecutive lots have been accepted on original
  inspection.
* 9.3.3 normal → reduced — when all of: a) the switching score (9.3.3.2) is at least 30;
  b) production is at a steady rate; c) the responsible authority considers reduced
  inspection desirable. b) and c) are not in the data: they are the run's parameters
  ``steady`` and ``approved``, both True by default (production steady, reduced
  inspection approved), so by default the switching score alone decides.
* 9.3.3.2 switching score — 0 at the start of normal inspection; after each lot on
  original normal inspection: with Ac ≥ 2, +3 when the lot would have been accepted had
  the AQL been one step tighter (at most the Ac of :func:`kpilib.stats.sampling.tighter_ac`
  nonconforming), otherwise reset to 0; with Ac 0 or 1, +2 when the lot is accepted,
  otherwise reset to 0.
* 9.3.4 reduced → normal — when on original inspection a) a lot is not accepted, b)
  production becomes irregular or delayed (``steady`` False), or c) other conditions
  warrant it (``approved`` False: the responsible authority withdraws reduced inspection).
* 9.4 discontinuation — when the cumulative number of lots not accepted in a sequence of
  consecutive lots on original tightened inspection reaches 5, the acceptance procedures
  are discontinued: the unit's inspection under the standard is suspended until it has
  taken action to improve its quality (and the responsible authority accepts that
  action); it then resumes at tightened inspection, as if 9.3.1 had been invoked.

A month without a judged lot (no closed tickets, or nothing inspected) changes nothing:
the rules count lots, not months. Each switch applies from the next lot, i.e. from the
next month.

- :class:`UnitState` — where a unit stands after its lots so far.
- :func:`step` — one lot: the state before → the state after, with the reason in words.
- :func:`switching_history` — every lot of every unit replayed from 9.1 (DataFrame in/out).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

__all__ = [
    "DISCONTINUED",
    "NAMES",
    "NORMAL",
    "REDUCED",
    "TIGHTENED",
    "UnitState",
    "next_month",
    "step",
    "switching_history",
]

NORMAL, TIGHTENED, REDUCED, DISCONTINUED = "normal", "tightened", "reduced", "discontinued"
Severity = Literal["normal", "tightened", "reduced", "discontinued"]
#: The severities in the reports' words.
NAMES = {
    NORMAL: "正常检验",
    TIGHTENED: "加严检验",
    REDUCED: "放宽检验",
    DISCONTINUED: "暂停检验",
}
STANDARD = "GB/T 2828.1-2012"
#: Clause numbers (GB/T 2828.1-2012 = ISO 2859-1:1999).
TO_TIGHTENED, TO_NORMAL, TO_REDUCED, SCORE, FROM_REDUCED, DISCONTINUE = (
    "9.3.1", "9.3.2", "9.3.3", "9.3.3.2", "9.3.4", "9.4",
)  # fmt: skip
_START_TEXT = f"检验开始时采用正常检验（{STANDARD} 第9.1条）"
_RESUME_TEXT = (
    f"已采取纠正措施并经确认，按{STANDARD}第9.4条恢复检验，"
    "恢复后采用加严检验（如同按第9.3.1条转入）"
)
SUSPENDED_TEXT = (
    "暂停按GB/T 2828.1抽样验收：单位须采取改进质量的纠正措施，"
    "经考核管理确认有效后，按加严检验恢复（第9.4条）"
)


@dataclass(frozen=True)
class UnitState:
    """Where a unit stands before its next lot.

    Attributes
    ----------
    severity : {"normal", "tightened", "reduced", "discontinued"}
        Inspection severity for the next lot.
    score : int
        Switching score (9.3.3.2); counted on normal inspection only, 0 otherwise.
    recent : tuple of (month, accepted)
        The last lots (at most 5) since normal inspection began: the window of 9.3.1.
    accepted_run : int
        Consecutive lots accepted on tightened inspection (9.3.2).
    rejected_on_tightened : int
        Lots not accepted in the current sequence of tightened inspection (9.4).
    reason : str
        Why the unit is at ``severity`` (Chinese, with the clause).
    clause : str
        The clause of the last switch ("9.1" at the start).
    """

    severity: Severity = NORMAL
    score: int = 0
    recent: tuple[tuple[str, bool], ...] = ()
    accepted_run: int = 0
    rejected_on_tightened: int = 0
    reason: str = _START_TEXT
    clause: str = "9.1"


def next_month(month: str) -> str:
    """The month after ``month`` (``YYYY-MM``).

    >>> next_month("2026-12")
    '2027-01'
    """
    try:
        return str(pd.Period(str(month), freq="M") + 1)
    except (ValueError, TypeError):
        raise ValueError(f"month must be of the form YYYY-MM, got {month!r}") from None


def _fresh(severity: Severity, reason: str, clause: str) -> UnitState:
    return UnitState(severity=severity, reason=reason, clause=clause)


def _score(score: int, *, accepted: bool, ac: int, defects: int, ac_tighter: int | None) -> int:
    """9.3.3.2 a): the switching score after one lot on original normal inspection."""
    if ac >= 2:
        return score + 3 if ac_tighter is not None and defects <= ac_tighter else 0
    return score + 2 if accepted else 0


def step(
    state: UnitState,
    *,
    month: str,
    accepted: bool | None,
    ac: int | None = None,
    defects: int | None = None,
    ac_tighter: int | None = None,
    approved: bool = True,
    steady: bool = True,
    resumed: bool = False,
) -> tuple[UnitState, str]:
    """Apply the switching rules to one lot of one unit.

    Parameters
    ----------
    state : the unit's state before the lot (``UnitState()`` at the start, 9.1).
    month : the lot's month, ``YYYY-MM`` (switches apply from the month after).
    accepted : the lot's verdict on original inspection; None when there was no lot to
        judge (then nothing changes, except that 9.3.4 b/c still end reduced inspection).
    ac : the acceptance number of the lot's plan; needed on normal inspection (9.3.3.2).
    defects : nonconforming items in the lot's sample; needed on normal inspection
        when ``ac`` ≥ 2.
    ac_tighter : Ac of Table 2-A one AQL step tighter at the plan's code letter
        (:func:`kpilib.stats.sampling.tighter_ac`); needed when ``ac`` ≥ 2.
    approved : the responsible authority approves reduced inspection (9.3.3 c, 9.3.4 c).
    steady : production is at a steady rate (9.3.3 b, 9.3.4 b).
    resumed : for a discontinued unit: its corrective action was accepted this month
        (9.4), so it resumes at tightened inspection.

    Returns
    -------
    (UnitState, str)
        The state for the next lot, and what this lot did, in words (Chinese, with the
        clause); the state's ``reason`` says why the unit is at its severity.

    Raises
    ------
    ValueError
        Unknown severity, or ``ac``/``defects`` missing where the score needs them.

    Examples
    --------
    >>> s = UnitState()
    >>> s, _ = step(s, month="2026-01", accepted=False, ac=1, defects=2)
    >>> s, event = step(s, month="2026-02", accepted=False, ac=1, defects=3)
    >>> s.severity
    'tightened'
    >>> event  # doctest: +NORMALIZE_WHITESPACE
    '最近2批中有2批未被接收（2026-01、2026-02），按GB/T 2828.1-2012第9.3.1条自2026-03起转为加严检验'

    """
    if state.severity not in NAMES:
        raise ValueError(f"unknown severity {state.severity!r} (known: {list(NAMES)})")
    following = next_month(month)
    if state.severity == DISCONTINUED:
        if resumed:
            new = _fresh(TIGHTENED, f"{_RESUME_TEXT}，自{following}起", DISCONTINUE)
            return new, new.reason
        return state, f"{month}：{SUSPENDED_TEXT}"
    if state.severity == REDUCED and (not steady or not approved):
        why = (
            "生产不稳定或延迟（第9.3.4条b）"
            if not steady
            else "负责部门不再同意放宽检验（第9.3.4条c）"
        )
        new = _fresh(NORMAL, f"{why}，自{following}起恢复正常检验", FROM_REDUCED)
        return new, new.reason
    if accepted is None:
        return state, f"{month}：本月无判定批，检验严格度不变（转移规则按批计数）"
    accepted = bool(accepted)
    verdict = "被接收" if accepted else "未被接收"

    if state.severity == NORMAL:
        if ac is None or (ac >= 2 and defects is None):
            raise ValueError(
                f"{month}: a lot on normal inspection needs its ac (and defects when ac >= 2) "
                f"for the switching score (GB/T 2828.1 9.3.3.2), got ac={ac!r}, defects={defects!r}"
            )
        recent = (*state.recent, (month, accepted))[-5:]
        rejected = [m for m, ok in recent if not ok]
        if len(rejected) >= 2:
            first = next(i for i, (_, ok) in enumerate(recent) if not ok)
            window = recent[first:] if len(rejected) == 2 else recent[-5:]
            span = "、".join(m for m, ok in window if not ok)
            new = _fresh(
                TIGHTENED,
                f"最近{len(window)}批中有{len(rejected)}批未被接收（{span}），"
                f"按{STANDARD}第9.3.1条自{following}起转为加严检验",
                TO_TIGHTENED,
            )
            return new, new.reason
        score = _score(
            state.score,
            accepted=accepted,
            ac=int(ac),
            defects=int(defects) if defects is not None else 0,
            ac_tighter=ac_tighter,
        )
        how = (
            f"Ac={ac}，按AQL加严一档的Ac={ac_tighter if ac_tighter is not None else '无'}"
            f"{'可接收，+3' if score else '不可接收，清零'}"
            if ac >= 2
            else f"Ac={ac}，{'批被接收，+2' if accepted else '批未被接收，清零'}"
        )
        if score >= 30 and steady and approved:
            new = replace(
                _fresh(
                    REDUCED,
                    f"转移得分达到{score}（不少于30，第9.3.3.2条），生产稳定且负责部门同意，"
                    f"按{STANDARD}第9.3.3条自{following}起转为放宽检验",
                    TO_REDUCED,
                ),
                score=score,  # kept to show why; reduced inspection counts no score
            )
            return new, new.reason
        held = []
        if score >= 30:
            held = [w for w, ok in (("生产不稳定", steady), ("负责部门未同意", approved)) if not ok]
        new = replace(state, score=score, recent=recent)
        event = f"{month}批{verdict}；转移得分{state.score}→{score}（{how}，第9.3.3.2条）" + (
            f"；得分已达30，但{'、'.join(held)}，仍为正常检验（第9.3.3条）" if held else ""
        )
        return new, event

    if state.severity == TIGHTENED:
        if accepted:
            run = state.accepted_run + 1
            if run >= 5:
                new = _fresh(
                    NORMAL,
                    f"加严检验下连续5批被接收，按{STANDARD}第9.3.2条自{following}起恢复正常检验",
                    TO_NORMAL,
                )
                return new, new.reason
            new = replace(state, accepted_run=run)
            return new, (
                f"{month}批{verdict}；加严检验下已连续{run}批被接收（满5批恢复正常检验），"
                f"本轮加严累计{state.rejected_on_tightened}批未被接收（满5批暂停检验）"
            )
        count = state.rejected_on_tightened + 1
        if count >= 5:
            new = _fresh(
                DISCONTINUED,
                f"加严检验下累计{count}批未被接收，按{STANDARD}第9.4条自{following}起{SUSPENDED_TEXT}",
                DISCONTINUE,
            )
            return new, new.reason
        new = replace(state, accepted_run=0, rejected_on_tightened=count)
        return new, (
            f"{month}批{verdict}；加严检验下累计{count}批未被接收（累计5批即暂停检验，第9.4条）"
        )

    # reduced
    if not accepted:
        new = _fresh(
            NORMAL,
            f"放宽检验下{month}批未被接收，按{STANDARD}第9.3.4条a自{following}起恢复正常检验",
            FROM_REDUCED,
        )
        return new, new.reason
    return state, f"{month}批{verdict}；继续放宽检验"


def switching_history(
    lots: pd.DataFrame, *, approved: bool = True, steady: bool = True
) -> pd.DataFrame:
    """Replay every unit's lots from the start (9.1) through the switching rules.

    Parameters
    ----------
    lots : DataFrame, one row per unit and month, columns
        unit_code : str.
        month : str, ``YYYY-MM``; each unit's rows are taken in month order.
        accepted : bool or <NA>, the lot's verdict on original inspection (<NA>: no lot).
        ac : int, the acceptance number of the lot's plan (needed on normal inspection).
        defects : int, nonconforming items in the sample (needed when ac ≥ 2).
        ac_tighter : int or <NA>, Ac one AQL step tighter (needed when ac ≥ 2).
        resumed : bool, optional; a discontinued unit's corrective action was accepted.
    approved, steady : the conditions b) and c) of 9.3.3 (see the module docstring).

    Returns
    -------
    DataFrame, one row per input row, sorted by unit_code and month, columns
        unit_code, month : str.
        severity : str, the severity the lot was inspected under.
        score : int, the switching score before the lot.
        accepted : boolean, as given.
        severity_next : str, the severity for the unit's next lot.
        score_next : int, the switching score after the lot.
        clause : str, the clause of the unit's current severity (of its last switch).
        switched : bool, severity_next differs from severity.
        event : str, what the lot did, in words (Chinese, clause cited).

    Raises
    ------
    ValueError
        Missing columns, duplicated unit and month, or a lot on normal inspection
        without ``ac`` (or ``defects``/``ac_tighter`` when ac ≥ 2).

    Examples
    --------
    >>> lots = pd.DataFrame({"unit_code": "X01", "month": ["2026-01", "2026-02", "2026-03"],
    ...     "accepted": [False, True, False], "ac": 1, "defects": [2, 0, 3]})
    >>> switching_history(lots)[["month", "severity", "severity_next"]]
         month severity severity_next
    0  2026-01   normal        normal
    1  2026-02   normal        normal
    2  2026-03   normal     tightened
    """
    missing = [c for c in ("unit_code", "month", "accepted") if c not in lots.columns]
    if missing:
        raise ValueError(f"lots is missing column(s) {missing} (has {list(lots.columns)})")
    if lots.duplicated(["unit_code", "month"]).any():
        raise ValueError("lots has more than one row for a unit and month")
    ordered = lots.sort_values(["unit_code", "month"], kind="mergesort").reset_index(drop=True)

    def value(row: pd.Series, column: str) -> int | None:
        if column not in row.index or pd.isna(row[column]):
            return None
        return int(row[column])

    rows = []
    states: dict[str, UnitState] = {}
    for _, row in ordered.iterrows():
        unit = str(row["unit_code"])
        before = states.get(unit, UnitState())
        accepted = None if pd.isna(row["accepted"]) else bool(row["accepted"])
        resumed = (
            bool(row["resumed"]) if "resumed" in row.index and pd.notna(row["resumed"]) else False
        )
        after, event = step(
            before,
            month=str(row["month"]),
            accepted=accepted,
            ac=value(row, "ac"),
            defects=value(row, "defects"),
            ac_tighter=value(row, "ac_tighter"),
            approved=approved,
            steady=steady,
            resumed=resumed,
        )
        states[unit] = after
        rows.append(
            {
                "unit_code": unit,
                "month": str(row["month"]),
                "severity": before.severity,
                "score": before.score,
                "accepted": accepted,
                "severity_next": after.severity,
                "score_next": after.score,
                "clause": after.clause,
                "switched": after.severity != before.severity,
                "event": event,
            }
        )
    columns = [
        "unit_code", "month", "severity", "score", "accepted", "severity_next", "score_next",
        "clause", "switched", "event",
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    for col in ("unit_code", "month", "severity", "severity_next", "clause", "event"):
        out[col] = out[col].astype("string")
    out["score"] = out["score"].astype("int64")
    out["score_next"] = out["score_next"].astype("int64")
    out["accepted"] = out["accepted"].astype("boolean")
    out["switched"] = out["switched"].astype(bool)
    return out
