"""Chinese headers and display formats of the reports' tables, declared once.

:data:`HEADERS` maps every canonical column name the shared results use to the header
a report shows; :func:`for_display` renames and formats a table for a report (money in
fen as yuan with two decimals, rates as percentages, codes as Chinese labels, dates
as ``YYYY-MM-DD``, booleans as 是/否, missing values as "—"); :func:`display` shows it.
The few sentences the reports build from numbers (:func:`headline_text`,
:func:`rank_text`) live here too, so that notebooks stay free of logic.

Names, notes and other free text go into those Markdown sentences through
:func:`markdown_text` only, so a unit called ``<script>…`` or ``[x](javascript:…)``
shows as those characters and never becomes markup or a link; tables go through
:func:`table_html`, which escapes every cell. A table may carry a data bar
(:class:`DataBar`): the numbers of a row drawn as a bar in its last column, which a
report shows instead of a chart of the same few numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpilib.contract.schema import (
    ARCHIVE_STATUSES,
    COURSE_TYPES,
    EXPENSE_STATUSES,
    ROLES,
    SEVERITIES,
    TABLES,
    TICKET_KINDS,
    TICKET_STAGES,
    UNIT_TYPES,
)
from kpilib.duties.finance import DIFFERENCE_KINDS
from kpilib.stats.plan import ACCEPT, REJECT, STANDARD
from kpilib.stats.sampling import sample_size
from kpilib.stats.switching import NAMES as SWITCHING_NAMES

__all__ = [
    "CODES",
    "HEADERS",
    "RATES",
    "SCORE_BAR",
    "TICKET_OUTCOMES_BAR",
    "DataBar",
    "cochran_text",
    "counts",
    "display",
    "display_html",
    "finance_text",
    "for_display",
    "headline_text",
    "lot_verdicts_text",
    "markdown_text",
    "note",
    "rank_text",
    "sampling_basis_text",
    "unit_heading",
]

MISSING = "—"

#: Canonical column -> Chinese header. Input columns take the data contract's headers.
HEADERS: dict[str, str] = {
    **{c.name: c.alias for t in TABLES.values() for c in t.columns},
    "amount_fen": "金额(元)",
    "unit_code": "单位编码",
    "unit_name": "单位名称",
    "unit_type": "单位类型",
    "name": "姓名",
    "phone": "手机号码(脱敏)",
    "phone_masked": "手机号码(脱敏)",
    "actual_text": "实际值",
    "target_text": "目标值",
    "prev_actual_text": "上月实际值",
    "id_number": "身份证号(脱敏)",
    "role": "岗位",
    "total": "综合得分",
    "base": "基础得分",
    "bonus": "加分",
    "deduction": "扣分",
    "adjustment": "考核调整分",
    "median_total": "同类单位中位数",
    "adjustment_id": "调整编号",
    "entity_type_name": "对象类型",
    "kind_name": "调整类型",
    "appeal_no": "申诉单号",
    "approved_by": "审批人",
    "approved_on": "审批日期",
    "actual_before": "调整前实际值",
    "actual_after": "调整后实际值",
    "actual_before_text": "调整前实际值",
    "actual_after_text": "调整后实际值",
    "score_before": "调整前指标得分",
    "score_after": "调整后指标得分",
    "total_before": "调整前综合得分",
    "total_after": "调整后综合得分",
    "rank_before": "调整前排名",
    "rank_after": "调整后排名",
    "vetoed_before": "调整前否决",
    "vetoed_after": "调整后否决",
    "unit_total_before": "所在单位调整前得分",
    "unit_total_after": "所在单位调整后得分",
    "rank": "排名",
    "grade": "等级",
    "vetoed": "是否否决",
    "veto_reason": "否决原因",
    "peers": "同类单位数",
    "prev_total": "上月得分",
    "prev_rank": "上月排名",
    "prev_grade": "上月等级",
    "change": "环比变化",
    "indicator": "指标编码",
    "indicator_name": "指标",
    "method": "计分方法",
    "actual": "实际值",
    "target": "目标值",
    "ratio": "达成比",
    "raw_score": "得分率(%)",
    "weight": "权重",
    "effective_weight": "有效权重",
    "weighted_score": "加权得分",
    "applicable": "是否适用",
    "flag": "标记",
    "note": "说明",
    "prev_actual": "上月实际值",
    "prev_weighted_score": "上月加权得分",
    "explanation": "得分说明",
    "entity_type": "对象",
    "entity_id": "编码",
    "item": "项目",
    "kind": "类型",
    "message": "说明",
    "records": "记录数",
    "amount_yuan": "金额(元)",
    "month": "月份",
    "inspected": "抽检数",
    "passed": "合格数",
    "pass_rate": "合格率",
    "ci_low": "95%区间下限",
    "ci_high": "95%区间上限",
    "fail_rate": "不合格率",
    "p_bar": "中心线",
    "lcl": "控制下限",
    "ucl": "控制上限",
    "z": "标准化偏差",
    "signal": "是否失控",
    "prev_pass_rate": "上月合格率",
    "change_p": "环比检验p值",
    "rank_low": "排名区间下界",
    "rank_high": "排名区间上界",
    "p_best": "排第一的概率",
    "lower95": "95%下限",
    "upper95": "95%上限",
    "lower998": "99.8%下限",
    "upper998": "99.8%上限",
    "position": "位置",
    "inspector_id": "质检员工号",
    "others_inspected": "其他质检员抽检数",
    "others_passed": "其他质检员合格数",
    "others_pass_rate": "其他质检员合格率",
    "odds_ratio": "比值比",
    "excess_passes": "超额合格数",
    "p_value": "p值",
    "p_holm": "Holm校正p值",
    "verdict": "判定",
    "double_checked": "复检记录数",
    "agreement": "一致率",
    "passed_other_failed": "本人判合格他人判不合格",
    "failed_other_passed": "本人判不合格他人判合格",
    "kappa": "Cohen κ",
    "opened": "受理数",
    "closed": "办结数",
    "closed_on_time": "按时办结数",
    "on_time_rate": "及时率",
    "still_open": "未办结数",
    "open_overdue": "未办结已超时",
    "mean_satisfaction": "平均满意度",
    "closed_late": "超时办结数",
    "open_in_time": "未办结未超时数",
    "overdue": "超时合计",
    "major_overdue": "严重项逾期",
    "elapsed_hours": "已用时长(小时)",
    "hours_over_limit": "超时(小时)",
    "status": "状态",
    "open": "未关闭",
    "major_open": "严重项未关闭",
    "raised_this_month": "本月提出",
    "closed_this_month": "本月关闭",
    "mean_days_to_close": "平均关闭天数",
    "days_overdue": "逾期天数",
    "contracts": "合同数",
    "archived": "已归档",
    "partial": "部分归档",
    "missing": "未归档",
    "completeness": "归档完整率",
    "documents_missing": "缺失材料数",
    "status_conflict": "状态与材料矛盾",
    "due": "应报数",
    "on_time": "按时报送",
    "late": "迟报",
    "not_submitted": "未报送",
    "timeliness_rate": "报送及时率",
    "mean_days_late": "平均迟报天数",
    "not_yet_due": "未到期",
    "days_late": "迟报天数",
    "staff": "人数",
    "trained": "参训人数",
    "assessed": "参加认证人数",
    "qualified": "达标",
    "attainment_rate": "任职资格达标率",
    "training_hours": "培训学时",
    "hours_per_staff": "人均学时",
    "mean_exam_score": "平均考试成绩",
    "courses": "课程数",
    "qualification_courses": "认证课程数",
    # training plan and the qualification base (kpilib.report.training)
    "in_scope": "应持证人数",
    "not_assessed": "本月未参加认证人数",
    "assessed_share": "参加认证人数占应持证人数",
    "qualified_share": "达标人数占应持证人数",
    "planned": "计划人数",
    "delivered": "实际参训人数",
    "delivery_rate": "计划完成率",
    "shortfall": "未完成人数",
    "in_plan": "计划内",
    "courses_planned": "计划课程数",
    "courses_short": "未完成计划的课程数",
    "unplanned": "计划外参训人数",
    "category": "费用类别",
    "in_budget": "预算内类别",
    "claims": "报销单数",
    "claimed_fen": "本月申请(元)",
    "paid_fen": "本月已报销(元)",
    "pending_fen": "审批中(元)",
    "rejected_fen": "已退回(元)",
    "annual_budget_fen": "年度预算(元)",
    "month_budget_fen": "本月预算(元)",
    "ytd_budget_fen": "累计预算(元)",
    "ytd_paid_fen": "累计已报销(元)",
    "used_share": "预算执行率",
    "over_budget": "超进度",
    "issue": "问题类型",
    "submitted_total": "上报总分",
    "recomputed_total": "复算总分",
    "difference": "差异",
    "submitted_score": "上报指标得分",
    "recomputed_score": "复算指标得分",
    "differing_indicators": "不一致指标",
    "differing_indicator_names": "不一致指标",
    "group": "组别",
    # revenue records against finance's booked revenue (kpilib.duties.finance)
    "staff_records": "业务侧流水数",
    "staff_fen": "业务侧金额(元)",
    "finance_lines": "财务入账笔数",
    "finance_fen": "财务入账金额(元)",
    "difference_fen": "差额(业务−财务)(元)",
    "explained_fen": "已解释差额(元)",
    "unexplained_fen": "未解释差额(元)",
    "record_ids": "收入流水号",
    "voucher_ids": "财务凭证号",
    "ok": "是否一致",
    "count": "人数/单位数",
    "scored": "参评数",
    "share": "实际占比",
    "quota_share": "规定占比",
    "source": "来源",
    "row": "行号",
    "column": "列",
    "value": "值",
    "severity": "级别",
    "score": "得分",
    # next month's inspection plan (GB/T 2828.1)
    "lot_size": "批量(本月办结工单)",
    "code_letter": "样本量字码",
    "letter": "采用方案字码",
    "n": "样本量",
    "ac": "接收数Ac",
    "re": "拒收数Re",
    "full_inspection": "全检",
    "aql": "AQL(%)",
    "level": "检验水平",
    "seed": "随机种子",
    "judged": "计入判定数",
    "defects": "不合格数",
    "n_cochran": "Cochran样本量",
    "margin_at_n": "计划样本量的误差限(±)",
    # GB/T 2828.1 switching rules (kpilib.stats.switching)
    "inspection_severity": "本月检验严格度",
    "plan_table": "方案表",
    "switching_score": "转移得分",
    "switching_score_next": "判定后转移得分",
    "severity_reason": "本月严格度依据",
    "inspection_severity_next": "下月检验严格度",
    "next_reason": "本月批判定的后果",
    "switched": "是否转移",
    "clause": "依据条款",
    "event": "本批判定与转移",
    # per-person indicator detail (kpilib.report.detail)
    "reason": "得分原因",
    "indicators": "考核指标数",
    "applicable_indicators": "适用指标数",
    "indicator_points": "指标得分合计",
    "unclamped": "加减分后",
    "max_total": "总分上限",
    "clamped": "限定区间后",
    "veto_zeroes": "否决计0分",
    "adjustments": "加减分明细",
    "calculation": "总分计算",
    # revenue per staff member and product (kpilib.duties.revenue)
    "excluded_records": "剔除记录数",
    "excluded_fen": "剔除金额(元)",
    "excluded_reasons": "剔除原因",
    "suspected_duplicates": "疑似重复记录数",
    "suspected_fen": "疑似重复金额(元)",
    "suspected_records": "疑似重复记录",
    # business results (kpilib.duties.business); ytd_ = 年累计, ly_ = 去年同月
    "revenue_fen": "收入(元)",
    "revenue_target_fen": "收入目标(元)",
    "revenue_completion": "收入完成率",
    "ytd_revenue_fen": "年累计收入(元)",
    "ytd_revenue_target_fen": "年累计收入目标(元)",
    "ytd_revenue_completion": "年累计收入完成率",
    "ly_revenue_fen": "去年同月收入(元)",
    "revenue_yoy": "收入同比增长",
    "new_members_target": "新发展成员目标",
    "new_members_completion": "新发展完成率",
    "ytd_new_members": "年累计新发展成员",
    "ytd_new_members_target": "年累计新发展目标",
    "ytd_new_members_completion": "年累计新发展完成率",
    "ly_new_members": "去年同月新发展成员",
    "new_members_yoy": "新发展同比增长",
    "churn_rate": "离网率",
    "churn_target": "离网率目标",
    "churn_completion": "离网率达成比",
    "ytd_churned_members": "年累计离网成员数",
    "ytd_base_members": "年累计成员基数(各月之和)",
    "ytd_churn_rate": "年累计离网率",
    "ytd_churn_completion": "年累计离网率达成比",
    "ly_churn_rate": "去年同月离网率",
    "churn_yoy": "离网率同比增减",
    "collection_rate": "回款率",
    "collection_target": "回款率目标",
    "collection_completion": "回款完成率",
    "ytd_collected_fen": "年累计回款(元)",
    "ytd_billed_fen": "年累计应收(元)",
    "ytd_collection_rate": "年累计回款率",
    "ytd_collection_completion": "年累计回款完成率",
    "ly_collection_rate": "去年同月回款率",
    "collection_yoy": "回款率同比增减",
    "ytd_months": "年累计月数",
    "last_year_month": "去年同月",
}

#: Columns holding a share in [0, 1], shown as a percentage.
RATES = frozenset(
    {
        "pass_rate", "ci_low", "ci_high", "fail_rate", "p_bar", "lcl", "ucl", "prev_pass_rate",
        "lower95", "upper95", "lower998", "upper998", "others_pass_rate", "agreement",
        "on_time_rate", "completeness", "timeliness_rate", "attainment_rate", "used_share",
        "share", "quota_share", "p_best", "delivery_rate", "assessed_share", "qualified_share",
        # business results: completions, rates and their year-on-year changes
        "revenue_completion", "ytd_revenue_completion", "revenue_yoy",
        "new_members_completion", "ytd_new_members_completion", "new_members_yoy",
        "churn_rate", "churn_target", "churn_completion", "ytd_churn_rate",
        "ytd_churn_completion", "ly_churn_rate", "churn_yoy", "collection_rate",
        "collection_target", "collection_completion", "ytd_collection_rate",
        "ytd_collection_completion", "ly_collection_rate", "collection_yoy",
    }
)  # fmt: skip

#: Column -> code -> Chinese label.
CODES: dict[str, dict[str, str]] = {
    "role": ROLES,
    "unit_type": UNIT_TYPES,
    "group": {**ROLES, **UNIT_TYPES},
    "entity_type": {"staff": "人员", "unit": "单位"},
    "kind": {
        **TICKET_KINDS,
        "not_applicable": "不适用",
        "cap": "封顶",
        "floor": "低于下限",
        "bonus": "加分",
        "deduction": "扣分",
        "bonus_cap": "加分封顶",
        "deduction_cap": "扣分封顶",
        "clamp": "总分截断",
        "veto": "一票否决",
        "grade": "等级调整",
        "not_scored": "未计分",
        **DIFFERENCE_KINDS,
        "adjustment": "考核调整",
    },
    "flag": {"cap": "封顶", "floor": "低于下限", "not_applicable": "不适用", "": ""},
    "stage": TICKET_STAGES,
    "severity": {**SEVERITIES, "warning": "提示", "error": "错误"},
    "status": {
        **EXPENSE_STATUSES,
        "closed_late": "超时办结",
        "open_overdue": "未办结已超时",
        "late": "迟报",
        "not_submitted": "未报送",
    },
    "archive_status": ARCHIVE_STATUSES,
    "inspection_severity": SWITCHING_NAMES,
    "inspection_severity_next": SWITCHING_NAMES,
    "course_type": COURSE_TYPES,
    "verdict": {"lenient": "偏宽松 ⚠", "strict": "偏严格 ⚠", "consistent": "与他人一致"},
    "issue": {
        "mismatch": "总分不符",
        "indicator_mismatch": "指标得分不符",
        "missing": "漏报人员",
        "extra": "多报人员",
    },
    "method": {
        "completion": "完成率法",
        "tiered": "三档计分法",
        "reverse": "逆向指标法",
        "efficacy": "功效系数法",
        "efficacy_tiered": "分档功效系数法",
        "rank": "排名计分法",
        "step": "阶梯计分法",
    },
}


def _yuan(value: object) -> str:
    """Integer fen as yuan with two decimals and thousands separators, exactly.

    >>> _yuan(123456789), _yuan(-5), _yuan(None)
    ('1,234,567.89', '-0.05', '—')
    """
    if value is None or pd.isna(value):
        return MISSING
    fen = int(value)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def _rate(value: object) -> str:
    return MISSING if value is None or pd.isna(value) else f"{float(value):.1%}"


def _number(value: object) -> str:
    return MISSING if value is None or pd.isna(value) else f"{float(value):,.2f}"


def _boolean(value: object) -> str:
    return MISSING if value is None or pd.isna(value) else ("是" if bool(value) else "否")


#: Columns whose text the library writes bilingually for the command line ("中文 (english)");
#: a report shows the Chinese only. Names and free text from the input are never trimmed.
BILINGUAL = {"message"}
_ENGLISH_GLOSS = re.compile(r"\s*\((?=[^()]*[A-Za-z]{3})[^()\u3400-\u9fff]*\)")


def chinese_only(text: object) -> object:
    """``text`` without the parenthesised English glosses the library adds for the terminal.

    >>> chinese_only("在 activity.csv 中没有此人的记录 (no row in activity.csv): 请核实 (check it)")
    '在 activity.csv 中没有此人的记录: 请核实'
    >>> chinese_only("合格率 (95%)"), chinese_only(None)
    ('合格率 (95%)', None)
    """
    return _ENGLISH_GLOSS.sub("", text) if isinstance(text, str) else text


def _is_missing(value: object) -> bool:
    """Whether a cell is missing (None, NaN, NA, NaT); a list or other container is not."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _column_kind(column: str, dtype: object, rates: Iterable[str]) -> str:
    """How a column is shown: by its name first (codes, money, rates), then its type."""
    if column in CODES:
        return "code"
    if column.endswith("_fen"):
        return "fen"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if column in rates:
        return "rate"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "other"


def _dates(values: pd.Series) -> pd.Series:
    """Dates as ``YYYY-MM-DD``, or ``YYYY-MM-DD HH:MM`` for every value when any has a
    time of day; missing ones as :data:`MISSING`.

    NumPy's ISO text of the values cut to the day or the minute: what
    ``values.dt.strftime(...)`` gives, in a seventh of the time strftime and the
    ``.dt`` accessors took (an export formats hundreds of date columns). Values with a
    time zone are shown in their own zone, as strftime does.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    seconds = values.to_numpy(dtype="datetime64[s]")
    missing = np.isnat(seconds)
    known = seconds[~missing]
    has_time = bool((known != known.astype("datetime64[D]")).any())
    texts = np.datetime_as_string(seconds, unit="m" if has_time else "D").astype(object)
    if has_time:
        texts = np.array([t.replace("T", " ") for t in texts], dtype=object)
    texts[missing] = MISSING
    return pd.Series(texts, index=values.index, dtype="str")


def _text(kind: str, column: str, values: pd.Series) -> pd.Series:
    """The column as a report shows it: a value per cell, on plain Python lists.

    A report formats about twenty small tables; pandas' per-operation overhead was
    most of that time, so cells are formatted one by one here (same values).
    """
    if kind == "datetime":
        return _dates(values)
    cells = values.tolist()
    if kind == "code":
        names = CODES[column]
        cells = [names.get(v, v) if isinstance(v, str) else v for v in cells]
    format_cell = {"fen": _yuan, "bool": _boolean, "rate": _rate, "float": _number}.get(kind)
    if format_cell is not None:  # typed as Series.map types them (an empty column keeps its type)
        if not cells:
            return values.map(format_cell)
        return pd.Series([format_cell(v) for v in cells], index=values.index)
    shown = np.empty(len(cells), dtype=object)  # cells may be lists: kept as they are
    shown[:] = [MISSING if _is_missing(v) else v for v in cells]
    return pd.Series(shown, index=values.index, dtype=object, copy=False)


def _format(column: str, values: pd.Series, rates: Iterable[str], as_text: bool) -> pd.Series:
    if column in BILINGUAL:
        values = values.map(chinese_only)
    kind = _column_kind(column, values.dtype, rates)
    if as_text:
        return _text(kind, column, values)
    if kind == "code":
        return values.map(lambda v: CODES[column].get(v, v) if isinstance(v, str) else v)
    if kind == "fen":
        return values.map(lambda v: np.nan if pd.isna(v) else int(v) / 100)
    if kind == "bool":
        return values.map(_boolean)
    if kind == "datetime":
        return _dates(values)
    if kind == "float":
        return values.round(2)
    return values


def for_display(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    rates: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    as_text: bool = True,
) -> pd.DataFrame:
    """Return ``frame`` as a report shows it: chosen columns, formatted, Chinese headers.

    Parameters
    ----------
    frame : a table with canonical column names.
    columns : the columns to show, in order (default all).
    rates : further columns to show as percentages (besides :data:`RATES`).
    headers : per-call headers overriding :data:`HEADERS`.
    as_text : True (reports): every value as text. False (Excel): numbers stay
        numbers, money in yuan as float, rates as fractions; codes and headers as for text.

    Returns
    -------
    DataFrame with headers from :data:`HEADERS` (a column without one keeps its name)
    and an index counting rows from 1.

    Examples
    --------
    >>> t = pd.DataFrame({"unit_code": ["X01"], "role": ["service_staff"],
    ...     "pass_rate": [0.9523], "paid_fen": [123456], "vetoed": [False]})
    >>> for_display(t).iloc[0].tolist()
    ['X01', '服务人员', '95.2%', '1,234.56', '否']
    >>> for_display(t).columns.tolist()
    ['单位编码', '岗位', '合格率', '本月已报销(元)', '是否否决']
    """
    shown = _formatted(frame, columns, rates=rates, headers=headers, as_text=as_text)
    # every column on the one index the table gets: aligning the columns' own indexes
    # cost more than formatting them
    index = pd.RangeIndex(1, len(frame) + 1 if shown else 1)
    return pd.DataFrame({name: values.set_axis(index) for name, values in shown}, index=index)


def _formatted(
    frame: pd.DataFrame,
    columns: Sequence[str] | None,
    *,
    rates: Iterable[str],
    headers: Mapping[str, str] | None,
    as_text: bool,
) -> list[tuple[str, pd.Series]]:
    """(header, formatted values) of each shown column: :func:`for_display`'s columns
    before they become one table (a column whose header repeats keeps the last one)."""
    columns = list(frame.columns if columns is None else columns)
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise KeyError(f"no column(s) {unknown} to display (columns are {list(frame.columns)})")
    all_rates = RATES | set(rates)
    names = {**HEADERS, **(headers or {})}
    shown = {names.get(c, c): _format(c, frame[c], all_rates, as_text) for c in columns}
    return list(shown.items())


@dataclass(frozen=True)
class DataBar:
    """A bar in a table's last column: each row's ``parts`` stacked on a grey ``track``.

    Every length is a share of the table's longest track or stack, so rows compare with
    each other, as the bars of a chart do; the bar's title (shown on hover) gives the
    numbers. A report shows it instead of a chart of the same few numbers.

    Attributes
    ----------
    header : the column's Chinese header; the parts' names and colours follow it.
    parts : (column, Chinese name, colour) of each stacked part, in order.
    track : column giving each row's full length (e.g. the weight a score is out of),
        drawn in grey behind the parts; None for no track.
    """

    header: str
    parts: tuple[tuple[str, str, str], ...]
    track: str | None = None

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("a DataBar needs at least one part")
        for _, _, colour in self.parts:
            if not _COLOUR.fullmatch(colour):
                raise ValueError(f"colour {colour!r} is not of the form #rrggbb")

    def cells(self, frame: pd.DataFrame) -> tuple[str, list[str]]:
        """The header and one cell per row of ``frame``, as HTML (names escaped)."""
        columns = [c for c, _, _ in self.parts] + ([self.track] if self.track else [])
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise KeyError(
                f"no column(s) {unknown} for the bar (columns are {list(frame.columns)})"
            )
        parts = frame[[c for c, _, _ in self.parts]].astype(float).fillna(0.0).clip(lower=0.0)
        track = (
            frame[self.track].astype(float).fillna(0.0).clip(lower=0.0)
            if self.track
            else pd.Series(0.0, index=frame.index)
        )
        longest = float(max(parts.sum(axis=1).max(), track.max(), 0.0)) or 1.0
        legend = "".join(
            f'<span style="{_KEY}background:{colour}"></span>{html.escape(name)}'
            for _, name, colour in self.parts
        )
        if self.track:
            legend += f'<span style="{_KEY}background:{_TRACK}"></span>'
            legend += html.escape(HEADERS.get(self.track, self.track))
        header = f"{html.escape(self.header)}<br>{legend}"
        counts = [pd.api.types.is_integer_dtype(frame[c]) for c in columns]
        names = [name for _, name, _ in self.parts] + (
            [HEADERS.get(self.track, self.track)] if self.track else []
        )
        rows = []
        for (_, values), full in zip(parts.iterrows(), track, strict=True):
            spans = "".join(
                f'<span style="{_PART}width:{100 * v / longest:.2f}%;background:{colour}"></span>'
                for v, (_, _, colour) in zip(values, self.parts, strict=True)
            )
            numbers = [*values, full] if self.track else list(values)
            title = "，".join(
                f"{name} {v:,.0f}" if whole else f"{name} {v:,.2f}"
                for name, v, whole in zip(names, numbers, counts, strict=True)
            )
            shade = f"linear-gradient(to right,{_TRACK} {100 * full / longest:.2f}%,transparent 0)"
            rows.append(
                f'<div class="kpi-bar" title="{html.escape(title)}" '
                f'style="{_BAR}background:{shade}">{spans}</div>'
            )
        return header, rows


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_TRACK = "#dee2e6"
# inline styles: the same bar in the rendered page and in JupyterLab, with no style sheet
_BAR = "display:flex;width:12em;height:0.9em;"
_PART = "display:block;height:100%;"
_KEY = "display:inline-block;width:0.8em;height:0.8em;margin:0 0.2em 0 0.6em;"

#: A unit's indicators: each weighted score against the weight it is out of.
SCORE_BAR = DataBar(
    "得分与有效权重", (("weighted_score", "加权得分", "#1d3557"),), track="effective_weight"
)
#: Tickets per kind and stage by outcome (kpilib.duties.process.ticket_timeliness).
TICKET_OUTCOMES_BAR = DataBar(
    "工单处理情况",
    (
        ("closed_on_time", "按时办结", "#2a9d8f"),
        ("closed_late", "超时办结", "#f4a261"),
        ("open_in_time", "未办结未超时", "#8ab6d6"),
        ("open_overdue", "未办结已超时", "#d62828"),
    ),
)


def display(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    rates: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    empty: str | None = "（本月无记录）",
    bar: DataBar | None = None,
) -> None:
    """Show :func:`for_display` of ``frame`` in the notebook, with ``bar`` in a last
    column; the note ``empty`` when it is empty (nothing at all when ``empty`` is None,
    e.g. after a section said it does not apply).
    """
    from IPython.display import HTML, Markdown
    from IPython.display import display as show

    if frame.empty:
        if empty is not None:
            show(Markdown(markdown_text(empty)))
        return
    show(HTML(display_html(frame, columns, rates=rates, headers=headers, bar=bar)))


def display_html(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    rates: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    bar: DataBar | None = None,
) -> str:
    """The HTML table :func:`display` shows: ``table_html(for_display(frame, ...))`` with
    ``bar``'s cells, made from the formatted columns without building a DataFrame of
    them and iterating it again (a report shows about twenty tables)."""
    shown = _formatted(frame, columns, rates=rates, headers=headers, as_text=True)
    return _table_html(
        [name for name, _ in shown],
        [values.tolist() for _, values in shown],
        rows=len(frame),
        bar=None if bar is None else bar.cells(frame),
    )


def when_present(frame: pd.DataFrame, text: str) -> str | None:
    """``text`` when ``frame`` has rows, else None: the note of a follow-up table is
    shown only when its section applies (see :func:`display`).

    >>> when_present(pd.DataFrame({"a": [1]}), "本月无迟报。"), when_present(pd.DataFrame(), "x")
    ('本月无迟报。', None)
    """
    return text if len(frame) else None


#: A displayed value that is a number (amounts, counts, rates, scores, with their unit).
_NUMERIC_TEXT = re.compile(r"^[-+−±]?[\d,]+(\.\d+)?\s*(%|元|分|户|次|条|人|天|小时|个)?$")
#: Longer texts (reasons, explanations) wrap; shorter cells keep to one line.
_WRAP_FROM = 16


def table_html(shown: pd.DataFrame, *, bar: tuple[str, list[str]] | None = None) -> str:
    """A displayed table as HTML: every value escaped, no row numbers, blanks as "—".

    Numbers are right-aligned (class ``num``), long texts may wrap (class ``long``),
    every other cell stays on one line (the page's style sheet, kpilib.report.render).
    ``bar``: the header and per-row cells of a :class:`DataBar` (HTML it made, with
    every name escaped), added as the last column.

    >>> page = table_html(pd.DataFrame({"名称": ["<b>甲</b>"], "得分": ["95.50"]}))
    >>> "<td>&lt;b&gt;甲&lt;/b&gt;</td>" in page, '<td class="num">95.50</td>' in page
    (True, True)
    """
    columns = [values.tolist() for _, values in shown.items()]
    return _table_html(list(shown.columns), columns, rows=len(shown), bar=bar)


def _table_html(
    headers: Sequence[object],
    columns: Sequence[list[object]],
    *,
    rows: int,
    bar: tuple[str, list[str]] | None,
) -> str:
    """:func:`table_html` of a table given as its headers and its columns' values
    (``rows`` each; a table without columns still has its rows, e.g. for a bar)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in headers)
    if bar is not None:
        if len(bar[1]) != rows:
            raise ValueError(f"{len(bar[1])} bar cells for a table of {rows} rows")
        head += f'<th class="bar">{bar[0]}</th>'
    body = []
    for number, values in enumerate(zip(*columns, strict=True) if columns else [()] * rows):
        cells = []
        for value in values:
            text = MISSING if value is None or value is pd.NA or value != value else str(value)
            if _NUMERIC_TEXT.match(text):
                cells.append(f'<td class="num">{html.escape(text)}</td>')
            elif len(text) >= _WRAP_FROM:
                cells.append(f'<td class="long">{html.escape(text)}</td>')
            else:
                cells.append(f"<td>{html.escape(text)}</td>")
        if bar is not None:
            cells.append(f'<td class="bar">{bar[1][number]}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="dataframe kpi-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


#: Characters that are markup anywhere in a line of Markdown: backslash-escaped, or
#: for ``& < >`` written as HTML entities (raw HTML passes through Markdown).
_MARKDOWN_INLINE = re.compile(r"[\\`*_\[\]()#!|~$:&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: Markup at the start of a line only: list items ("1. ", "- "), rules and underlines.
_MARKDOWN_LINE_START = re.compile(r"^(\d+)([.)])(?=\s|$)|^([-+=])(?=[\s\-+=]|$)")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")


def markdown_text(value: object) -> str:
    r"""``value`` as literal text inside Markdown: it renders as written, never as markup.

    HTML special characters become entities, Markdown's inline markup (emphasis,
    code, links, images, math, tables) is backslash-escaped, line breaks become
    spaces and a leading list marker is escaped, so a name can neither inject HTML
    nor become a link. Missing values show as "—". Every name, code, note or
    parameter the sentences below put into Markdown goes through it.

    Examples
    --------
    >>> markdown_text("<script>alert(1)</script>")
    '&lt;script&gt;alert\\(1\\)&lt;/script&gt;'
    >>> markdown_text("[点我](javascript:alert(1))")
    '\\[点我\\]\\(javascript\\:alert\\(1\\)\\)'
    >>> markdown_text("临源县"), markdown_text("2026-10"), markdown_text(None)
    ('临源县', '2026-10', '—')
    >>> markdown_text("1. 城东\n# 城西"), markdown_text("- 城北"), markdown_text("2.5")
    ('1\\. 城东 \\# 城西', '\\- 城北', '2.5')
    """
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _MARKDOWN_INLINE.sub(lambda m: _ENTITIES.get(m[0], "\\" + m[0]), text)
    return _MARKDOWN_LINE_START.sub(
        lambda m: f"{m[1]}\\{m[2]}" if m[1] is not None else f"\\{m[3]}", text
    )


def headline_text(headline: pd.DataFrame, unit_code: str) -> str:
    """One unit's headline in Markdown: total, grade, rank among peers, change on last month.

    Examples
    --------
    >>> h = pd.DataFrame({"unit_code": ["X01"], "unit_name": ["临源县"],
    ...     "unit_type": ["county"], "total": [80.274], "rank": [3], "grade": ["A"],
    ...     "vetoed": [False], "veto_reason": [""], "peers": [12], "prev_total": [78.0],
    ...     "prev_rank": [5], "prev_grade": ["B"], "change": [2.274]})
    >>> text = headline_text(h, "X01")
    >>> text.split("；")[0]
    '**临源县（X01）** 本月综合得分 **80.27** 分，等级 **A**，在 12 个县市公司中排第 **3** 名'
    >>> text.split("；")[1]
    '上月 78.00 分（第 5 名，等级 B），环比 +2.27 分。'
    """
    row = headline.set_index("unit_code").loc[unit_code]
    kind = markdown_text(UNIT_TYPES.get(row["unit_type"], row["unit_type"]))
    total = "未计分" if pd.isna(row["total"]) else f"**{row['total']:.2f}** 分"
    grade = markdown_text(row["grade"])
    rank = MISSING if pd.isna(row["rank"]) else int(row["rank"])
    text = (
        f"**{markdown_text(row['unit_name'])}（{markdown_text(unit_code)}）** "
        f"本月综合得分 {total}，等级 **{grade}**，"
        f"在 {int(row['peers'])} 个{kind}中排第 **{rank}** 名"
    )
    if pd.isna(row["prev_total"]):
        text += "；上月无可比数据。"
    else:
        text += (
            f"；上月 {row['prev_total']:.2f} 分（第 {int(row['prev_rank'])} 名，"
            f"等级 {markdown_text(row['prev_grade'])}），环比 {row['change']:+.2f} 分。"
        )
    if bool(row["vetoed"]):
        text += f"\n\n⚠ **一票否决**：{markdown_text(row['veto_reason'])}"
    return text


def rank_text(intervals: pd.DataFrame, unit_code: str) -> str:
    """The unit's quality pass-rate rank with its interval, in Markdown.

    Examples
    --------
    >>> r = pd.DataFrame({"unit_code": ["X01"], "pass_rate": [0.8333], "inspected": [24],
    ...     "rank": [11.0], "rank_low": [2.0], "rank_high": [12.0], "peers": [12]})
    >>> print(rank_text(r, "X01"))
    质检合格率 83.3%（抽检 24 件）在 12 个同类单位中排第 11 名，95% 排名区间为第 2 至第 12 名。
    """
    rows = intervals[intervals["unit_code"] == unit_code]
    if rows.empty:
        return "本月本单位无质检抽检记录，不参与合格率排名。"
    row = rows.iloc[0]
    rank = f"{row['rank']:g}"
    return (
        f"质检合格率 {row['pass_rate']:.1%}（抽检 {int(row['inspected'])} 件）在 "
        f"{int(row['peers'])} 个同类单位中排第 {rank} 名，95% 排名区间为第 "
        f"{row['rank_low']:g} 至第 {row['rank_high']:g} 名。"
    )


def finance_text(pairs: pd.DataFrame, differences: pd.DataFrame) -> str:
    """The revenue reconciliation against finance in one Markdown sentence.

    ``pairs`` and ``differences`` are :func:`kpilib.duties.finance.reconcile_finance`'s
    tables: the department's (counted in units x products), or one unit's (in products).

    Examples
    --------
    >>> pairs = pd.DataFrame({"unit_code": ["X01", "X02"],
    ...     "staff_fen": [500000, 12345], "finance_fen": [500000, 0],
    ...     "difference_fen": [0, 12345], "unexplained_fen": [0, 0], "ok": [True, False]})
    >>> for part in finance_text(pairs, pd.DataFrame({"kind": ["not_booked"]})).split("；"):
    ...     print(part)
    收入流水与财务入账按单位×产品逐一核对到分：2 组中 1 组一致、1 组不一致
    业务侧合计 5,123.45 元，财务入账合计 5,000.00 元，差额（业务−财务）123.45 元
    下列 1 条差异（财务未入账 1 条）全部由所列记录解释。
    >>> finance_text(pairs.iloc[[0]], pd.DataFrame({"kind": []})).split("；")[0]
    '收入流水与财务入账按产品逐一核对到分：1 个产品中 1 个一致、0 个不一致'
    """
    if pairs.empty:
        return "本月无收入流水，财务也无入账。"
    staff, books = int(pairs["staff_fen"].sum()), int(pairs["finance_fen"].sum())
    agree = int(pairs["ok"].sum())
    kinds = differences["kind"].value_counts(sort=False)
    order = [k for k in DIFFERENCE_KINDS if k in kinds.index]
    listed = "、".join(f"{DIFFERENCE_KINDS[k]} {int(kinds[k])} 条" for k in order)
    one_unit = "unit_code" in pairs and len(set(pairs["unit_code"])) == 1
    what, whole, unit = ("产品", "个产品", "个") if one_unit else ("单位×产品", "组", "组")
    text = (
        f"收入流水与财务入账按{what}逐一核对到分：{len(pairs)} {whole}中 {agree} {unit}一致、"
        f"{len(pairs) - agree} {unit}不一致；业务侧合计 {_yuan(staff)} 元，财务入账合计 "
        f"{_yuan(books)} 元，差额（业务−财务）{_yuan(staff - books)} 元"
    )
    if differences.empty:
        return text + "。"
    unexplained = int((pairs["unexplained_fen"] != 0).sum())
    if unexplained:
        return (
            text + f"；下列 {len(differences)} 条差异（{listed}）中，{unexplained} {unit}的差额"
            "有未能由记录解释的部分（未解释差额），需人工核查。"
        )
    return text + f"；下列 {len(differences)} 条差异（{listed}）全部由所列记录解释。"


def unit_heading(headline: pd.DataFrame, month: str) -> str:
    """The unit report's title in Markdown, from the unit's one-row headline.

    >>> unit_heading(pd.DataFrame({"unit_code": ["X01"], "unit_name": ["临源县"]}), "2026-10")
    '# 临源县（X01）2026-10 月度考核报告'
    """
    if len(headline) != 1:
        raise ValueError(f"expected the headline of one unit, got {len(headline)} rows")
    row = headline.iloc[0]
    name, code = markdown_text(row["unit_name"]), markdown_text(row["unit_code"])
    return f"# {name}（{code}）{markdown_text(month)} 月度考核报告"


def note(notes: pd.DataFrame, key: str) -> str:
    """The text the reports quote under ``key`` in the shared ``notes`` table, as Markdown.

    >>> note(pd.DataFrame({"key": ["rank_basis"], "text": ["依据……"]}), "rank_basis")
    '依据……'
    """
    texts = notes.set_index("key")["text"]
    if key not in texts.index:
        raise KeyError(f"no note {key!r} (notes are {sorted(texts.index)})")
    return markdown_text(texts[key])


def counts(frame: pd.DataFrame, column: str, count_header: str) -> pd.DataFrame:
    """Rows per value of ``column`` in first-seen order, as a table with Chinese headers.

    >>> table = counts(pd.DataFrame({"unit_code": ["X02", "X01", "X02"]}), "unit_code", "条数")
    >>> table.columns.tolist(), table.to_numpy().tolist()
    (['单位编码', '条数'], [['X02', 2], ['X01', 1]])
    """
    table = frame[column].value_counts(sort=False).rename_axis(column).reset_index()
    return for_display(table, [column, "count"], headers={"count": count_header})


def sampling_basis_text(
    tables: Mapping[str, pd.DataFrame], *, month: str, aql: float, level: str
) -> str:
    """The sampling plan's basis in Markdown: standard, level, AQL, lot, draw, seed, count."""
    next_month = markdown_text(pd.Period(month, freq="M") + 1)
    seed = int(tables["sampling_plan"]["seed"].iloc[0])
    month, level, aql_text = markdown_text(month), markdown_text(level), markdown_text(aql)
    return (
        f"## 抽样依据\n\n"
        f"- 标准：{STANDARD}\n"
        f"- 检验水平：{level}；接收质量限 AQL：{aql_text}%\n"
        f"- 批：每个单位 {month} 已办结的工单；样本量字码查表 1，方案按该单位的检验严格度查表 "
        f"2-A（正常）、2-B（加严）或 2-C（放宽），沿箭头取所指方案\n"
        f"- 检验严格度按第9章转移规则由该单位此前各月的批判定逐月确定：正常检验下连续不超过5批中"
        f"有2批未被接收转加严（9.3.1），加严下连续5批接收恢复正常（9.3.2），转移得分达30转放宽"
        f"（9.3.3），放宽下一批未被接收恢复正常（9.3.4），加严下累计5批未被接收暂停检验（9.4）\n"
        f"- 方案样本量不小于批量时全检；批量为 1 时全检\n"
        f"- 抽取：各单位内简单随机不放回抽样，随机种子 {seed}，可复现；"
        f"质检员均衡随机指派，不检本人\n"
        f"- 应检记录共 {len(tables['sampling_list'])} 条，于 {next_month} 完成检查"
    )


def lot_verdicts_text(verdicts: pd.DataFrame, *, month: str) -> str:
    """This month's lot verdicts against the plan, in Markdown."""
    accepted = int((verdicts["verdict"] == ACCEPT).sum())
    rejected = int((verdicts["verdict"] == REJECT).sum())
    return (
        f"## {markdown_text(month)} 抽检对照计划的批判定\n\n"
        f"不合格数 ≤ Ac 判接收，≥ Re 判拒收；一条记录任一次检查不合格即计为不合格。"
        f"本月接收 {accepted} 个单位，拒收 {rejected} 个单位。"
    )


def cochran_text() -> str:
    """Why the inspection plan's samples are smaller than a pass-rate estimate needs."""
    return (
        f"## 估计合格率所需样本量（Cochran）\n\n"
        f"若要以 95% 置信度把合格率估计到 ±5 个百分点（p 取 0.5，最保守），"
        f"总体很大时需 {sample_size(0.05)} 条（Cochran 1977，n₀ = z²p(1−p)/e²）；"
        f"有限批量按 n = n₀/(1 + (n₀ − 1)/N) 修正。抽检方案控制的是批的接收风险，"
        f"样本量通常远小于此，据其估计的合格率误差限见最后一列。"
    )
