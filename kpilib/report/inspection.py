"""What the inspection plan's switching rules mean for a unit, in the reports' words.

GB/T 2828.1-2012 (= ISO 2859-1:1999) clause 9, as applied by
:func:`kpilib.stats.plan.plan_tables` (docs/methods.md §3.7):

- :func:`unit_inspection_text` — the unit report's paragraph: this month's severity and
  why, this month's lot verdict, what a rejected lot means for the unit, and what its
  next month looks like (severity and why).
- :func:`severity_calendar` — each unit's severity month by month (the sampling plan).
"""

from __future__ import annotations

import pandas as pd

from kpilib.report.labels import HEADERS, markdown_text
from kpilib.stats.plan import ACCEPT, REJECT
from kpilib.stats.switching import DISCONTINUED, NAMES, NORMAL, REDUCED, TIGHTENED

__all__ = ["REJECTION_MEANS", "severity_calendar", "unit_inspection_text"]

#: What one rejected lot (拒收, "not accepted on original inspection") means, by severity.
REJECTION_MEANS = {
    NORMAL: (
        "正常检验下，若最近连续不超过5批中有2批拒收，自下一批（下月）起转为加严检验"
        "（GB/T 2828.1 第9.3.1条）：样本更大或接收数更小，更难判接收；一批拒收还会使转移得分清零"
        "（第9.3.3.2条），推迟转入放宽检验。"
    ),
    TIGHTENED: (
        "加严检验下，每批拒收都计入累计数，累计5批拒收即暂停按本标准抽样验收（第9.4条），"
        "须采取纠正措施；一批拒收也中断“连续5批接收恢复正常检验”的计数（第9.3.2条）。"
    ),
    REDUCED: "放宽检验下，一批拒收即自下月起恢复正常检验（第9.3.4条a）。",
    DISCONTINUED: (
        "本单位已暂停按本标准抽样验收（第9.4条）：抽取的记录仍须检查，供核查整改，"
        "但在纠正措施经考核管理确认前，批判定不改变检验严格度；恢复后采用加严检验。"
    ),
}


def _verdict_sentence(verdict: pd.Series | None) -> str:
    if verdict is None or pd.isna(verdict.get("verdict", pd.NA)):
        note = "" if verdict is None else str(verdict.get("note", "") or "")
        return "本月无可判定的批" + (f"（{markdown_text(note)}）" if note else "") + "。"
    word = {ACCEPT: "接收", REJECT: "拒收"}.get(str(verdict["verdict"]), str(verdict["verdict"]))
    return (
        f"本月抽检计入判定 {int(verdict['judged'])} 条，不合格 {int(verdict['defects'])} 条，"
        f"方案 Ac={int(verdict['ac'])}、Re={int(verdict['re'])}：判定**{word}**。"
    )


def unit_inspection_text(
    sampling_plan: pd.DataFrame, lot_verdicts: pd.DataFrame, *, unit_code: str
) -> str:
    """The unit report's paragraph on its inspection severity, in Markdown.

    Parameters
    ----------
    sampling_plan : the shared ``sampling_plan`` (:func:`kpilib.stats.plan.plan_tables`),
        all units or the unit's rows.
    lot_verdicts : the shared ``lot_verdicts``.
    unit_code : the unit.

    Returns
    -------
    str
        Markdown: this month's severity and its basis (clause cited), this month's lot
        verdict, what a rejected lot means under the current severity, and next month's
        severity with the reason. Every value from the tables is escaped.

    Raises
    ------
    ValueError
        When ``unit_code`` has no row in ``sampling_plan``.

    Examples
    --------
    >>> plan = pd.DataFrame({"unit_code": ["X01"], "inspection_severity": ["normal"],
    ...     "plan_table": ["2-A"], "severity_reason": ["检验开始时采用正常检验（第9.1条）"],
    ...     "inspection_severity_next": ["tightened"], "next_reason": ["转为加严检验"],
    ...     "n": [20], "aql": [2.5]})
    >>> verdicts = pd.DataFrame({"unit_code": ["X01"], "verdict": ["拒收"], "judged": [20],
    ...     "defects": [3], "ac": [1], "re": [2], "note": [""]})
    >>> print(unit_inspection_text(plan, verdicts, unit_code="X01").splitlines()[0])
    - 本月检验严格度：**正常检验**（GB/T 2828.1 表2-A）。依据：检验开始时采用正常检验（第9.1条）
    """
    rows = sampling_plan[sampling_plan["unit_code"].astype(str) == str(unit_code)]
    if rows.empty:
        raise ValueError(f"no unit {unit_code!r} in the sampling plan")
    row = rows.iloc[0]
    verdicts = lot_verdicts[lot_verdicts["unit_code"].astype(str) == str(unit_code)]
    verdict = verdicts.iloc[0] if len(verdicts) else None
    severity = str(row["inspection_severity"])
    following = str(row["inspection_severity_next"])
    table = "表2-B（按加严方案抽取）" if severity == DISCONTINUED else f"表{row['plan_table']}"
    lines = [
        f"- 本月检验严格度：**{NAMES.get(severity, severity)}**（GB/T 2828.1 {table}）。"
        f"依据：{markdown_text(row['severity_reason'])}",
        f"- {_verdict_sentence(verdict)}",
        f"- 拒收意味着什么：拒收表示本单位本月办结工单这一批的抽检不合格数达到拒收数 Re，"
        f"批质量未达到接收质量限 AQL {markdown_text(row['aql'])}% 的要求。"
        f"{REJECTION_MEANS.get(severity, '')}",
        f"- 下月检验严格度：**{NAMES.get(following, following)}**。"
        f"{markdown_text(row['next_reason'])}",
    ]
    if severity == TIGHTENED or following == TIGHTENED:
        lines.append("- 加严检验下连续5批被接收，即恢复正常检验（第9.3.2条）。")
    if following == REDUCED and severity != REDUCED:
        lines.append("- 放宽检验的样本量约为正常检验的四成；一批拒收即恢复正常检验。")
    lines.append(f"- 下月应检记录：{int(row['n'])} 条（按本月方案抽取）。")
    return "\n".join(lines)


def severity_calendar(switching: pd.DataFrame) -> pd.DataFrame:
    """Each unit's inspection severity month by month, Chinese, for the sampling plan.

    Parameters
    ----------
    switching : the shared ``inspection_switching`` (:func:`kpilib.stats.plan.switching_states`).

    Returns
    -------
    DataFrame, one row per unit (in the table's order), columns
        单位编码 : str, the unit.
        one column per month (``YYYY-MM``) : str, that month's severity (正常检验 …),
            with "→" and next month's severity where it switched after the month.

    Examples
    --------
    >>> sw = pd.DataFrame({"unit_code": ["X01", "X01"], "month": ["2026-09", "2026-10"],
    ...     "inspection_severity": ["normal", "normal"],
    ...     "inspection_severity_next": ["normal", "tightened"], "switched": [False, True]})
    >>> severity_calendar(sw).iloc[0].tolist()
    ['X01', '正常检验', '正常检验→加严检验']
    """
    text = [
        NAMES.get(str(now), str(now)) + (f"→{NAMES.get(str(nxt), str(nxt))}" if moved else "")
        for now, nxt, moved in zip(
            switching["inspection_severity"],
            switching["inspection_severity_next"],
            switching["switched"],
            strict=True,
        )
    ]
    wide = (
        switching.assign(text=text)
        .pivot(index="unit_code", columns="month", values="text")
        .reindex(pd.unique(switching["unit_code"]))
    )
    wide = wide.fillna("—").reset_index()
    wide.columns.name = None
    return wide.rename(columns={"unit_code": HEADERS.get("unit_code", "单位编码")})
