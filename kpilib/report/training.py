"""The training section of the reports: plan against delivery, and 任职资格达标率 with
its base.

Each report shows it through one call: :func:`show_unit` in the unit report,
:func:`show_department` in the department summary. The tables they show come from
:func:`plan_table`, :func:`plan_units_table` and :func:`qualification_table`
(Chinese headers, percentages, "—" for what does not apply), the sentence stating the
rate's base from :func:`qualification_text`; the figures are the shared results
``training_delivery``, ``training_plan_units`` and ``qualification_base``
(:mod:`kpilib.duties.training`, docs/methods.md §6.5).
"""

from __future__ import annotations

import pandas as pd

from kpilib.contract.schema import ROLES
from kpilib.report import labels
from kpilib.report.labels import MISSING, for_display, markdown_text

__all__ = [
    "plan_table",
    "plan_text",
    "plan_units_table",
    "qualification_table",
    "qualification_text",
    "show_department",
    "show_unit",
]

#: Headers that say more here than the general ones of
#: :data:`kpilib.report.labels.HEADERS` (which hold the other columns of this section).
TRAINING_HEADERS = {
    "passed": "认证通过人数",
    "assessed": "本月参加认证人数",
    "qualified": "达标人数",
    "attainment_rate": "任职资格达标率(达标/参加认证)",
}
_RATES = ("delivery_rate", "attainment_rate", "assessed_share", "qualified_share")
_NO_PLAN = "本月没有培训计划（培训计划未列本单位的课程），本节不适用。"


def _roles_text(codes: str) -> str:
    """``customer_manager;support_staff`` -> ``集团客户经理、支撑人员``; "" -> "—"."""
    parts = [ROLES.get(code, code) for code in str(codes).split(";") if code]
    return "、".join(parts) if parts else MISSING


def plan_table(delivery: pd.DataFrame, *, with_unit: bool = False) -> pd.DataFrame:
    """Planned against delivered and passed per course, as a report shows it.

    Parameters
    ----------
    delivery : the shared ``training_delivery`` table (one unit's rows, or all).
    with_unit : show the unit code first (a table of several units).

    Returns
    -------
    DataFrame with Chinese headers: [单位编码,] 课程名称, 课程类型, 培训对象, 计划人数,
    实际参训人数, 认证通过人数 ("—" for a skills course, which has no verdict),
    计划完成率, 未完成人数, 计划内 (否: delivered without being planned).

    Examples
    --------
    >>> d = pd.DataFrame({"unit_code": ["X01"], "course": ["集团客户经理任职资格认证"],
    ...     "course_type": ["qualification"], "target_roles": ["customer_manager"],
    ...     "planned": [4], "delivered": [3], "passed": pd.array([2], dtype="Int64"),
    ...     "delivery_rate": [0.75], "shortfall": [1], "in_plan": [True]})
    >>> plan_table(d).iloc[0].tolist()
    ['集团客户经理任职资格认证', '任职资格认证', '集团客户经理', 4, 3, 2, '75.0%', 1, '是']
    """
    return for_display(*_plan_rows(delivery, with_unit), rates=_RATES, headers=TRAINING_HEADERS)


def _plan_rows(delivery: pd.DataFrame, with_unit: bool) -> tuple[pd.DataFrame, list[str]]:
    columns = [
        *(["unit_code"] if with_unit else []), "course", "course_type", "target_roles",
        "planned", "delivered", "passed", "delivery_rate", "shortfall", "in_plan",
    ]  # fmt: skip
    return delivery.assign(target_roles=delivery["target_roles"].map(_roles_text)), columns


def plan_units_table(plan_units: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Planned against delivered and passed per unit, as the summary shows it.

    Parameters
    ----------
    plan_units : the shared ``training_plan_units`` table.
    units : the ``units`` table (for the names).

    Returns
    -------
    DataFrame with Chinese headers: 单位编码, 单位名称, 计划课程数, 未完成计划的课程数,
    计划人数, 实际参训人数, 认证通过人数, 计划完成率, 未完成人数, 计划外参训人数; units
    with the lowest completion first, units without a plan last.
    """
    return for_display(*_units_rows(plan_units, units), rates=_RATES, headers=TRAINING_HEADERS)


def _units_rows(plan_units: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    table = plan_units.merge(units[["unit_code", "unit_name"]], on="unit_code", how="left")
    table = table.sort_values(["delivery_rate", "unit_code"], na_position="last", kind="stable")
    columns = [
        "unit_code", "unit_name", "courses_planned", "courses_short", "planned", "delivered",
        "passed", "delivery_rate", "shortfall", "unplanned",
    ]  # fmt: skip
    return table, columns


def qualification_table(base: pd.DataFrame, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """任职资格达标率 with its base per unit, as a report shows it.

    Parameters
    ----------
    base : the shared ``qualification_base`` table.
    units : the ``units`` table, to show the unit names (None: codes only).

    Returns
    -------
    DataFrame with Chinese headers: 单位编码, [单位名称,] 应持证人数, 本月参加认证人数,
    本月未参加认证人数, 达标人数, 任职资格达标率(达标/参加认证), 达标人数占应持证人数.

    Examples
    --------
    >>> b = pd.DataFrame({"unit_code": ["X01"], "in_scope": [10], "assessed": [3],
    ...     "not_assessed": [7], "qualified": [3], "attainment_rate": [1.0],
    ...     "assessed_share": [0.3], "qualified_share": [0.3]})
    >>> qualification_table(b).iloc[0].tolist()
    ['X01', 10, 3, 7, 3, '100.0%', '30.0%']
    """
    return for_display(*_base_rows(base, units), rates=_RATES, headers=TRAINING_HEADERS)


def _base_rows(base: pd.DataFrame, units: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    table = base
    names: list[str] = []
    if units is not None:
        table = base.merge(units[["unit_code", "unit_name"]], on="unit_code", how="left")
        names = ["unit_name"]
    columns = [
        "unit_code", *names, "in_scope", "assessed", "not_assessed", "qualified",
        "attainment_rate", "qualified_share",
    ]  # fmt: skip
    return table, columns


def _show(rows: tuple[pd.DataFrame, list[str]]) -> None:
    """Show a table as every table of the reports is shown (:func:`labels.display`)."""
    labels.display(*rows, rates=_RATES, headers=TRAINING_HEADERS)


def qualification_text(base: pd.DataFrame, unit_code: str) -> str:
    """The unit's 任职资格达标率 in one sentence, with the base it is computed on (Markdown).

    Examples
    --------
    >>> b = pd.DataFrame({"unit_code": ["X01"], "in_scope": [10], "assessed": [3],
    ...     "not_assessed": [7], "qualified": [3], "attainment_rate": [1.0],
    ...     "assessed_share": [0.3], "qualified_share": [0.3]})
    >>> for part in qualification_text(b, "X01").split("；"):
    ...     print(part)
    任职资格达标率 **100.0%**：本月参加任职资格认证 3 人，达标 3 人（达标率的基数是参加认证的 3 人）
    本单位岗位要求任职资格的应持证人员 10 人，本月未参加认证 7 人，达标人数占应持证人数 30.0%。
    >>> qualification_text(b.assign(assessed=0, qualified=0, not_assessed=10,
    ...     attainment_rate=float("nan")), "X01")
    '本月本单位无人参加任职资格认证，任职资格达标率不适用（不计分）；应持证人员 10 人均未参加认证。'
    """
    rows = base[base["unit_code"].astype(str) == str(unit_code)]
    if rows.empty:
        return f"没有单位 {markdown_text(unit_code)} 的任职资格数据。"
    row = rows.iloc[0]
    in_scope, assessed = int(row["in_scope"]), int(row["assessed"])
    qualified, not_assessed = int(row["qualified"]), int(row["not_assessed"])
    if in_scope == 0:
        return "本单位没有岗位要求任职资格的人员，任职资格达标率不适用。"
    if assessed == 0:
        return (
            "本月本单位无人参加任职资格认证，任职资格达标率不适用（不计分）；"
            f"应持证人员 {in_scope} 人均未参加认证。"
        )
    return (
        f"任职资格达标率 **{row['attainment_rate']:.1%}**：本月参加任职资格认证 {assessed} 人，"
        f"达标 {qualified} 人（达标率的基数是参加认证的 {assessed} 人）；本单位岗位要求任职资格的"
        f"应持证人员 {in_scope} 人，本月未参加认证 {not_assessed} 人，"
        f"达标人数占应持证人数 {row['qualified_share']:.1%}。"
    )


def plan_text(plan_units: pd.DataFrame, unit_code: str) -> str:
    """The unit's training plan against delivery in one sentence (Markdown).

    Examples
    --------
    >>> u = pd.DataFrame({"unit_code": ["X03"], "courses_planned": [4], "courses_short": [4],
    ...     "planned": [27], "delivered": [15], "passed": pd.array([8], dtype="Int64"),
    ...     "delivery_rate": [15 / 27], "shortfall": [12], "unplanned": [2]})
    >>> for part in plan_text(u, "X03").split("。")[0].split("；"):
    ...     print(part)
    本月计划 4 门课程、27 人次，实际参训 15 人次（计划完成率 55.6%）
    4 门课程未按计划人数完成，共差 12 人次
    另有计划外参训 2 人次
    >>> plan_text(u.assign(courses_planned=0), "X03") == _NO_PLAN
    True
    """
    mine = plan_units[plan_units["unit_code"].astype(str) == str(unit_code)]
    if mine.empty or int(mine["courses_planned"].iloc[0]) == 0:
        return _NO_PLAN
    row = mine.iloc[0]
    completion = row["delivery_rate"]
    shown = MISSING if pd.isna(completion) else f"{float(completion):.1%}"
    unplanned = int(row["unplanned"])
    return (
        f"本月计划 {int(row['courses_planned'])} 门课程、{int(row['planned'])} 人次，"
        f"实际参训 {int(row['delivered'])} 人次（计划完成率 {shown}）；"
        f"{int(row['courses_short'])} 门课程未按计划人数完成，共差 {int(row['shortfall'])} 人次"
        + (f"；另有计划外参训 {unplanned} 人次" if unplanned else "")
        + "。参训指本单位人员有该课程的培训记录且学时大于 0；认证通过只对任职资格认证课程计数。"
    )


def show_unit(
    delivery: pd.DataFrame, plan_units: pd.DataFrame, base: pd.DataFrame, unit_code: str
) -> None:
    """Show one unit's training section: the rate with its base, and the plan per course.

    Parameters
    ----------
    delivery, plan_units, base : the unit's rows of the shared ``training_delivery``,
        ``training_plan_units`` and ``qualification_base`` tables.
    unit_code : the unit.
    """
    from IPython.display import Markdown, display

    display(Markdown("### 任职资格达标率及其基数"))
    display(Markdown(qualification_text(base, unit_code)))
    _show(_base_rows(base[base["unit_code"].astype(str) == str(unit_code)], None))
    display(Markdown("### 培训计划执行：计划、实际参训与认证通过"))
    text = plan_text(plan_units, unit_code)
    display(Markdown(text))
    if text != _NO_PLAN:
        _show(_plan_rows(delivery, False))


def show_department(plan_units: pd.DataFrame, base: pd.DataFrame, units: pd.DataFrame) -> None:
    """Show the department's training section: the plan per unit, and the rate with its
    base per unit.

    Parameters
    ----------
    plan_units, base : the shared ``training_plan_units`` and ``qualification_base``.
    units : the ``units`` table.
    """
    from IPython.display import Markdown, display

    display(Markdown("### 培训计划执行（按单位，计划完成率低者在前）"))
    if int(plan_units["courses_planned"].sum()) == 0:
        display(Markdown("本月未提供培训计划，本节不适用。"))
    else:
        planned, delivered = int(plan_units["planned"].sum()), int(plan_units["delivered"].sum())
        short = int((plan_units["courses_short"] > 0).sum())
        display(
            Markdown(
                f"全部门计划 {planned} 人次，实际参训 {delivered} 人次"
                f"（计划完成率 {delivered / planned:.1%}）；{short} 个单位有课程未按计划人数完成。"
                if planned
                else "本月培训计划的计划人数均为 0。"
            )
        )
        _show(_units_rows(plan_units, units))
    display(Markdown("### 任职资格达标率及其基数（按单位）"))
    display(
        Markdown(
            "任职资格达标率 = 达标人数 ÷ 本月参加认证人数（即考核计分所用口径）；"
            "每人约每季度认证一次，故同列应持证人数、本月未参加认证人数与"
            "达标人数占应持证人数，供判断达标率的基数。"
        )
    )
    _show(_base_rows(base, units))
