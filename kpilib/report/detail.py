"""Per-person detail of the scorecard: every indicator of every staff member, in words.

:func:`staff_indicators` is one row per staff member and indicator of the person's role
(the scorecard's ``long`` table, so every indicator of the scheme appears for everyone
it applies to, not-applicable ones included) with the reason in words for every
capped, floored, not-applicable or zero score; :func:`staff_totals` is one row per
staff member with how the total follows from those rows (docs/methods.md §1.7):
indicator points + bonus − deduction, clamped to [0, max_total], then the veto. The unit
report and ``department_scorecard.xlsx`` show both tables as they are stored.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpilib.scoring.scheme import Scheme
from kpilib.scoring.scorecard import Scorecard

__all__ = [
    "STAFF_INDICATOR_COLUMNS",
    "STAFF_TOTAL_COLUMNS",
    "staff_indicators",
    "staff_totals",
    "value_text",
]

#: Columns of :func:`staff_indicators`.
STAFF_INDICATOR_COLUMNS = [
    "staff_id", "name", "unit_code", "role", "indicator", "indicator_name", "method",
    "actual", "target", "actual_text", "target_text", "ratio", "raw_score", "weight",
    "effective_weight", "weighted_score", "applicable", "flag", "reason", "note",
]  # fmt: skip
#: What :func:`_reason` reads of a row.
_REASON_FIELDS = ["indicator", "actual", "ratio", "raw_score", "applicable", "flag", "note"]
#: Columns of :func:`staff_totals`.
STAFF_TOTAL_COLUMNS = [
    "staff_id", "name", "unit_code", "role", "indicators", "applicable_indicators",
    "indicator_points", "bonus", "deduction", "adjustment", "unclamped", "max_total", "clamped",
    "vetoed", "veto_zeroes", "veto_reason", "total", "adjustments", "calculation",
]  # fmt: skip


def value_text(value: float, unit: str) -> str:
    """An indicator's value with its unit: rates as percentages, yuan with two decimals.

    >>> value_text(0.8125, "%"), value_text(1234.5, "元"), value_text(12.0, "次")
    ('81.2%', '1,234.50元', '12次')
    >>> value_text(float("nan"), "元")
    '—'
    """
    if pd.isna(value):
        return "—"
    if unit == "%":
        return f"{value:.1%}"
    if unit == "元":
        return f"{value:,.2f}元"
    return f"{value:,.2f}".rstrip("0").rstrip(".") + unit


def _zero_reason(row: Mapping[str, object], scheme: Scheme, unit: str) -> str:
    """Why an applicable, unflagged indicator scored 0, in words."""
    ind = scheme.indicators[row["indicator"]]
    p = ind.params
    actual = value_text(row["actual"], unit)
    if ind.method == "step":
        first = next((low for low, points in p["brackets"] if points > 0), None)
        if p["basis"] == "ratio":
            value = f"达成比{row['ratio']:.1%}"
            needed = "" if first is None else f"，最低得分档为{first:.1%}"
        else:
            value = f"实际值{actual}"
            needed = "" if first is None else f"，最低得分档为{value_text(first, unit)}"
        return f"{value}未达到得分档{needed}，得0分"
    if ind.method == "completion" and row["actual"] == 0:
        return "实际值为0，完成率0%，得0分"
    return f"实际值{actual}，按{ind.method}计分为0分"


def _reason(row: Mapping[str, object], scheme: Scheme, unit: str) -> str:
    """The reason in words for a capped, floored, not-applicable or zero score; else ""."""
    note = str(row["note"]).split("；")[0].removesuffix("，不适用")
    if not row["applicable"]:
        return f"不适用：{note or '无数据'}；该指标不计分，权重按比例分给本人其余指标"
    if row["flag"] == "cap":
        return f"封顶：实际值{value_text(row['actual'], unit)}，{note}"
    if row["flag"] == "floor":
        return f"低于下限：实际值{value_text(row['actual'], unit)}，{note}"
    if row["raw_score"] == 0:
        return f"得0分：{_zero_reason(row, scheme, unit)}"
    return ""


def staff_indicators(card: Scorecard, scheme: Scheme) -> pd.DataFrame:
    """One row per staff member and indicator of the person's role, with reasons.

    Parameters
    ----------
    card : the month's scorecard (:func:`kpilib.duties.facts.score_month`).
    scheme : the scheme it was scored under.

    Returns
    -------
    DataFrame
        Columns :data:`STAFF_INDICATOR_COLUMNS`: ``staff_id``, ``name``, ``unit_code``,
        ``role``, ``indicator`` (code), ``indicator_name`` (Chinese), ``method``,
        ``actual``, ``target`` (as in :attr:`Scorecard.long`), ``actual_text``,
        ``target_text`` (with the indicator's unit; "—" when none), ``ratio`` (actual /
        target, the achievement ratio for reverse indicators; NaN without a target),
        ``raw_score`` (percent of the weight), ``weight``, ``effective_weight``,
        ``weighted_score`` (the points counted in the total; NaN when not applicable),
        ``applicable``, ``flag``, ``reason`` (Chinese: why the score is capped,
        floored, not applicable or 0; "" otherwise) and ``note`` (the scorecard's note,
        re-distributed weights included). Sorted by unit, staff and the scheme's order
        of the role's indicators.
    """
    long = card.long[card.long["entity_type"] == "staff"]
    names = card.staff.set_index("staff_id")["name"]
    order = {(role, code): i for role, w in scheme.role_weights.items() for i, code in enumerate(w)}
    out = long.rename(columns={"entity_id": "staff_id"}).copy()
    out["name"] = out["staff_id"].map(names)
    pairs = zip(out["role"].tolist(), out["indicator"].tolist(), strict=True)
    out["_order"] = [order.get(k, 0) for k in pairs]
    out = out.sort_values(["unit_code", "staff_id", "_order"], kind="stable")
    units = out["indicator"].map({c: i.unit for c, i in scheme.indicators.items()}).fillna("")
    unit_list = units.tolist()  # iterating an Arrow-backed column item by item is slow
    out["actual_text"] = [value_text(v, u) for v, u in zip(out["actual"], unit_list, strict=True)]
    out["target_text"] = [value_text(v, u) for v, u in zip(out["target"], unit_list, strict=True)]
    out["applicable"] = out["applicable"].astype(bool)
    out["flag"] = out["flag"].astype(str)
    # Most scores need no reason (_reason returns ""): word only the not-applicable,
    # capped, floored and zero ones, as plain dicts (a Series per row is many times slower).
    needs = ~out["applicable"] | out["flag"].isin(["cap", "floor"]) | (out["raw_score"] == 0)
    reasons = [""] * len(out)
    for position, row, unit in zip(
        np.flatnonzero(needs.to_numpy()),
        out.loc[needs, _REASON_FIELDS].to_dict("records"),
        units[needs].tolist(),
        strict=True,
    ):
        reasons[position] = _reason(row, scheme, unit)
    out["reason"] = reasons
    return out[STAFF_INDICATOR_COLUMNS].reset_index(drop=True)


def staff_totals(card: Scorecard, scheme: Scheme) -> pd.DataFrame:
    """How each staff member's total follows from the indicator points (§1.7).

    Returns
    -------
    DataFrame
        Columns :data:`STAFF_TOTAL_COLUMNS`: ``staff_id``, ``name``, ``unit_code``,
        ``role``, ``indicators`` (indicators of the role), ``applicable_indicators``,
        ``indicator_points`` (sum of the weighted scores; NaN when none applies),
        ``bonus``, ``deduction`` (after their caps), ``adjustment`` (points of the
        adjustments register, negative when deducted; docs/methods.md §6.9),
        ``unclamped`` (points + bonus − deduction + adjustment), ``max_total``,
        ``clamped`` (to [0, max_total]), ``vetoed``,
        ``veto_zeroes`` (a veto that sets the total to 0), ``veto_reason``, ``total``
        (the scorecard's), ``adjustments`` (the bonus, deduction, cap and register
        events of the person, "；"-joined) and ``calculation`` (the sum in words).
    """
    rows = card.long[card.long["entity_type"] == "staff"]
    grouped = rows.groupby("entity_id")
    staff = card.staff.set_index("staff_id")
    ids = staff.index
    points = grouped["weighted_score"].sum(min_count=1).reindex(ids)
    zero_vetoes = {v.code for v in scheme.vetoes if v.effect == "zero"}
    events = card.events[card.events["entity_type"] == "staff"]
    zeroing = events[(events["kind"] == "veto") & events["item"].isin(zero_vetoes)]
    kinds = ["bonus", "deduction", "bonus_cap", "deduction_cap", "adjustment"]
    shown = events[events["kind"].isin(kinds)]
    adjustments = shown.groupby("entity_id")["message"].agg("；".join).reindex(ids).fillna("")
    out = pd.DataFrame(
        {
            "staff_id": ids,
            "name": staff["name"].to_numpy(),
            "unit_code": staff["unit_code"].to_numpy(),
            "role": staff["role"].astype(str).to_numpy(),
            "indicators": grouped.size().reindex(ids).fillna(0).astype("int64").to_numpy(),
            "applicable_indicators": grouped["applicable"]
            .sum()
            .reindex(ids)
            .fillna(0)
            .astype("int64")
            .to_numpy(),
            "indicator_points": points.to_numpy(dtype=float),
            "bonus": staff["bonus"].to_numpy(dtype=float),
            "deduction": staff["deduction"].to_numpy(dtype=float),
            "adjustment": staff["adjustment"].to_numpy(dtype=float),
        }
    )
    out["unclamped"] = out["indicator_points"] + out["bonus"] - out["deduction"] + out["adjustment"]
    out["max_total"] = float(scheme.max_total)
    out["clamped"] = out["unclamped"].clip(0.0, scheme.max_total)
    out["vetoed"] = staff["vetoed"].astype(bool).to_numpy()
    out["veto_zeroes"] = out["staff_id"].isin(zeroing["entity_id"]).to_numpy()
    out["veto_reason"] = staff["veto_reason"].fillna("").to_numpy()
    out["total"] = staff["total"].to_numpy(dtype=float)
    out["adjustments"] = adjustments.to_numpy()
    # plain dicts per row: iterrows builds a Series per row, many times slower
    out["calculation"] = [_calculation(r, scheme.max_total) for r in out.to_dict("records")]
    return out.sort_values(["unit_code", "staff_id"]).reset_index(drop=True)[STAFF_TOTAL_COLUMNS]


def _calculation(row: Mapping[str, object], max_total: float) -> str:
    """The total as a sum in words, e.g. ``指标得分合计 82.35 + 加分 2.00 − 扣分 0.00 = 84.35``."""
    if np.isnan(row["indicator_points"]):
        text = "所有指标均不适用，本月不计总分"
    else:
        adjusted = f" {row['adjustment']:+.2f}（考核调整）" if row["adjustment"] else ""
        text = (
            f"指标得分合计 {row['indicator_points']:.2f} + 加分 {row['bonus']:.2f} − "
            f"扣分 {row['deduction']:.2f}{adjusted} = {row['unclamped']:.2f}"
        )
        if row["clamped"] != row["unclamped"]:
            text += f"，限定在 [0, {max_total:g}] 内为 {row['clamped']:.2f}"
    if row["veto_zeroes"]:
        text += f"；一票否决（{row['veto_reason']}），总分计 0"
    elif row["vetoed"]:
        text += f"；一票否决（{row['veto_reason']}），等级定为最低档"
    total = "—" if np.isnan(row["total"]) else f"{row['total']:.2f}"
    return f"{text}；综合得分 {total}"
