"""Deterministic sample data: the monthly exports of a fictional city branch.

:func:`generate` writes one folder per month, ``<out_dir>/YYYY-MM/``, holding one
file per table of :data:`kpilib.schema.TABLES` with the Chinese headers, labels
and encodings that real exports carry (see :data:`FILE_FORMATS`).

The data come from a small generating process, not from hard-coded answers:
seats (positions) in units, people holding the seats (joining and leaving),
customer portfolios and contracts attached to customer-manager seats, tickets
handled by service staff and the technical-support centre and inspected by quality
inspectors, training (qualification assessments once a quarter, skills courses,
everyone's monthly online learning, new hires' induction), and so on. A few
anomalies are planted *through that process* so that the reports have something
to find; they are recorded in ``<out_dir>/planted.json`` as ground truth for the
tests (reports never read it):

``late_county``
    the county that submits every report 1-6 days late, every month.
``lenient_inspector``
    the inspector whose scores carry a strong positive bias (passes ~99 %).
``duplicated_revenue``
    month -> ``[original record_id, copy record_id]``: a revenue record booked twice.
``no_activity_staff``
    month -> staff ids of the new hires left out of ``activity`` (the loader warns).
``centre_mismatch``
    month -> ``{"unit_code", "indicator", "staff_ids", "differences"}``: the centre
    whose submitted results differ from the recomputation for 3-6 staff members in
    one indicator (and so in the total), each by 30-80 % of the indicator's weight
    (at least 2 points); see :func:`_centre_results`.

Each month is built as a dict of *canonical* frames (the columns of
:mod:`kpilib.schema`, money in int64 fen, category codes, ``datetime64``
dates, ``boolean`` flags) and only then written; nothing of an earlier month is
kept but the small state of seats, people and portfolios.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kpilib.month import MonthData
from kpilib.schema import (
    ROLES,
    TABLES,
    TARGET_INDICATORS,
    TOTAL_INDICATOR,
    Table,
)
from kpilib.scheme import load_scheme
from kpilib.scorecard import score_month

#: The scheme the centres score their staff with (the sample's centres follow it).
_SCHEME_FILE = Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml"

#: Table name -> (file suffix, text encoding or None for Excel), as the real exports come.
FILE_FORMATS: dict[str, tuple[str, str | None]] = {
    "units": (".csv", "utf-8"),
    "staff": (".xlsx", None),
    "targets": (".csv", "gbk"),
    "activity": (".csv", "gbk"),
    "revenue": (".csv", "utf-8-sig"),
    "contracts": (".csv", "gbk"),
    "tickets": (".csv", "utf-8"),
    "inspections": (".csv", "gbk"),
    "training": (".csv", "utf-8"),
    "submissions": (".csv", "gbk"),
    "centre_results": (".xlsx", None),
    "expenses": (".csv", "utf-8-sig"),
    "audit_findings": (".csv", "utf-8"),
}

#: Expense category -> annual budget assumed for the sample data, in yuan.
#: ``params/budget-2026.yaml`` should list the same categories.
EXPENSE_CATEGORIES: dict[str, int] = {
    "差旅费": 360_000,
    "业务招待费": 240_000,
    "办公费": 120_000,
    "培训费": 180_000,
    "会议费": 96_000,
    "通信费": 60_000,
    "车辆使用费": 150_000,
    "营销宣传费": 300_000,
}

#: The centres of the department: (name, role of its staff, typical head count).
CENTRES: tuple[tuple[str, str, int], ...] = (
    ("业务拓展中心", "customer_manager", 20),
    ("客户关系中心", "customer_manager", 18),
    ("技术支撑中心", "support_staff", 15),
    ("投诉管理中心", "service_staff", 24),
    ("业务受理中心", "service_staff", 26),
    ("综合管理中心", "support_staff", 7),
)
_BD, _CR, _TS, _CP, _OA, _GA = range(6)  # centre kinds, in the order of CENTRES
_COUNTY = -1  # unit kind of a county company

#: The reports every county owes each month: (name, day of the month it is due).
COUNTY_REPORTS: tuple[tuple[str, int], ...] = (
    ("集团客户发展情况月报", 5),
    ("合同归档情况月报", 10),
    ("服务质量分析月报", 20),
)

_ROLE_CODES = tuple(ROLES)  # customer_manager, service_staff, support_staff
_CM, _SERVICE, _SUPPORT = range(3)

# Calendar effects: Spring Festival dip in February, year-end push in December.
_SEASON = np.array([0.92, 0.72, 1.0, 1.0, 1.02, 1.08, 0.96, 0.95, 1.0, 0.94, 1.04, 1.3])
_TURNOVER = 0.012  # monthly probability that a seat's holder leaves and is replaced
_GROWTH = 0.002  # new seats a month, as a share of the initial seats
_INSPECTIONS_PER_STAFF = 5
_SECOND_INSPECTION = 0.10
_PASS_MARK = 80.0
_LENIENT_BIAS = 11.0
_QUALIFICATION_MARK = 65.0
_LEARNING_HOURS = 8.0  # online learning hours a month the department requires
_NO_LEARNING = 0.03  # share of people who log no online learning in a month
_ONLINE_COURSE = "网上大学在线学习"
_INDUCTION_COURSE = "新员工入职培训"
_INDUCTION_HOURS = 8.0
_MISMATCH_SHARE = (0.3, 0.8)  # a planted centre-result difference, as a share of the weight
_MISMATCH_MIN = 2.0  # points: clearly beyond the reconciliation tolerance (0.01)
_CITY = "云州"  # the branch's (fictional) city, place name of the centres' customers

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万"
    "钱严武戴莫孔向汤"
)
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国"
    "志文博晨昊然轩峰亮成东海毅晓立新振"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕红婷雪琳颖倩欣佳慧婕晶洁莉萍丹蕾薇岚怡梅琴璐瑶悦彤涵思雨月"
_PLACE_FIRST = (
    "安宝昌辰崇川大丹德定东丰凤福阜高广桂海汉合和鹤衡洪华怀淮会吉嘉建江金晋荆靖九开康兰乐黎莲临灵"
    "隆鹿罗绵明南宁平清庆泉仁瑞三尚韶石寿双顺松泰桃天通万文西仙祥新兴秀阳永玉元樟镇"
)
_PLACE_SECOND = (
    "安昌城川德都丰宫谷和河湖化江康口乐林陵宁平浦坪山水台田溪阳原源远州泽泉峰岭丘兴定清宜津滨"
)
_BRANDS = (  # space-separated
    "恒达 鑫源 华瑞 宏图 泰和 永盛 金鼎 天成 瑞丰 嘉禾 东方 明德 新业 远航 "
    "盛世 和信 正通 中联 长青 汇通 博远 锦程 安信 兴隆 富源 宏昌 德润 润丰 "
    "新宇 凯盛 信诚 海纳 普惠 万象 同创 聚能 启明 卓越"
)
_INDUSTRIES = (  # space-separated
    "科技 物流 建材 医药 食品 电子 机械 纺织 商贸 置业 能源 化工 农业 旅游 "
    "传媒 环保 汽车服务 包装 酒店管理 建设工程 信息技术 物业管理 餐饮管理 印务 "
    "矿业"
)
_COMPANY_SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司")
_INSTITUTIONS = (  # space-separated
    "第一人民医院 中医院 妇幼保健院 实验中学 第一中学 职业技术学校 人民法院 "
    "人民检察院 公安局 自来水公司 供电公司 农村商业银行 税务局 市场监督管理局"
)
#: Products: (name, median amount of a revenue record in yuan, share of contracts).
_PRODUCTS = (
    ("互联网专线", 6000.0, 0.18),
    ("数据专线", 9000.0, 0.08),
    ("集团V网", 2500.0, 0.15),
    ("企业宽带", 1500.0, 0.14),
    ("物联网卡", 1200.0, 0.10),
    ("云视讯", 2200.0, 0.07),
    ("移动云", 8000.0, 0.07),
    ("IDC托管", 12000.0, 0.04),
    ("5G专网", 30000.0, 0.03),
    ("千里眼", 1800.0, 0.06),
    ("和对讲", 1000.0, 0.05),
    ("云电脑", 3000.0, 0.03),
)
_AMOUNT_SIGMA = 0.7
_DOCUMENTS = (
    "合同原件",
    "营业执照复印件",
    "法人身份证复印件",
    "授权委托书",
    "业务受理单",
    "资费确认单",
    "开户审批表",
)
#: Skills courses: (name, hours, has an exam, roles it is meant for).
_SKILLS_COURSES = (
    ("政企产品知识培训", 8.0, True, (_CM,)),
    ("5G专网解决方案培训", 6.0, True, (_CM, _SUPPORT)),
    ("客户走访与商机挖掘", 4.0, False, (_CM,)),
    ("合同管理与归档规范", 3.0, True, (_CM,)),
    ("投诉处理技巧", 4.0, True, (_SERVICE,)),
    ("业务受理规范", 6.0, True, (_SERVICE,)),
    ("服务礼仪与沟通", 3.0, False, (_SERVICE,)),
    ("ISO 9001质量管理体系贯标培训", 8.0, True, (_CM, _SERVICE, _SUPPORT)),
    ("网络与信息安全意识", 2.0, False, (_CM, _SERVICE, _SUPPORT)),
    ("数据分析与报表基础", 6.0, False, (_SUPPORT,)),
)
#: Audited processes of the quality system (贯标) and the ISO 9001 clause they fall under.
_PROCESSES = (
    ("合同评审过程", "8.2.3"),
    ("客户投诉处理过程", "9.1.2"),
    ("业务受理过程", "8.5.1"),
    ("客户走访过程", "8.2.1"),
    ("文件控制过程", "7.5.3"),
    ("记录控制过程", "7.5.3.2"),
    ("培训管理过程", "7.2"),
    ("内部审核过程", "9.2"),
    ("不合格输出控制过程", "8.7"),
    ("纠正措施过程", "10.2"),
    ("监视和测量资源管理", "7.1.5"),
    ("外部提供过程控制", "8.4"),
)
_SEVERITY_CODES = ("major", "minor", "observation")
_SEVERITY_DAYS = np.array([15, 30, 60])  # days allowed for corrective action
_MOBILE_PREFIXES = np.array(
    [134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 178, 182, 183, 184, 187, 188]
)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))

# One random stream per part of a month, so that changing one part (for example
# the centre-results step) leaves the bytes of every other table unchanged.
_STREAMS = (
    "portfolio",
    "revenue",
    "activity",
    "targets",
    "tickets",
    "inspections",
    "training",
    "submissions",
    "expenses",
    "no_activity",
    "centre_results",
)


# --------------------------------------------------------------------------- public


def generate(
    out_dir: str | os.PathLike[str],
    *,
    months: int = 24,
    end: str = "2026-10",
    counties: int = 12,
    centres: int = 6,
    seed: int = 2026,
) -> list[Path]:
    """Write a fictional city branch's monthly exports, one folder per month.

    Parameters
    ----------
    out_dir : folder that receives ``YYYY-MM/`` folders and ``planted.json``.
    months : number of months, ending with ``end``.
    end : last month, ``YYYY-MM``.
    counties : county companies (codes ``X01``..., ``X0001``... beyond 99).
    centres : centres; the first ``centres`` of :data:`CENTRES`, numbered variants beyond 6.
    seed : random seed; the same arguments give byte-identical files (CSV and Excel).

    Every file is written to a temporary name beside its target and then renamed,
    so a reader never sees a half-written file. Months are built and written one at
    a time; memory holds one month's tables and the branch's running state.

    Returns
    -------
    list of Path
        The month folders written, oldest first.

    Raises
    ------
    ValueError
        When an argument is out of range or ``end`` is not a ``YYYY-MM`` month.
    """
    month_list = _month_range(end, months)
    if not 1 <= counties <= 9999:
        raise ValueError(f"counties must be between 1 and 9999, got {counties!r}")
    if not 0 <= centres <= 9999:
        raise ValueError(f"centres must be between 0 and 9999, got {centres!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    out = Path(out_dir)
    branch_seq, months_seq = np.random.SeedSequence(seed).spawn(2)
    branch_rng = np.random.default_rng(branch_seq)
    branch = _build_branch(branch_rng, month_list, counties=counties, centres=centres)
    portfolio = _initial_portfolio(branch, branch_rng)
    duplicated: dict[str, list[str]] = {}
    no_activity: dict[str, list[str]] = {}
    centre_mismatch: dict[str, dict[str, object]] = {}
    written = []
    for m, month_seq in enumerate(months_seq.spawn(len(month_list))):
        month = month_list[m]
        rngs = dict(
            zip(
                _STREAMS,
                (np.random.default_rng(s) for s in month_seq.spawn(len(_STREAMS))),
                strict=True,
            )
        )
        frames, facts = _month_frames(branch, portfolio, m, rngs)
        frames["centre_results"], mismatch = _centre_results(frames, month, rngs["centre_results"])
        folder = out / month
        _write_month(folder, {name: frames[name] for name in TABLES})
        written.append(folder)
        if facts["duplicated_revenue"]:
            duplicated[month] = facts["duplicated_revenue"]
        no_activity[month] = facts["no_activity_staff"]
        if mismatch:
            centre_mismatch[month] = mismatch
    planted = {
        "seed": seed,
        "months": month_list,
        "late_county": str(branch.unit_code[branch.late_county]),
        "lenient_inspector": (
            None if branch.lenient_inspector < 0 else branch.staff_id[branch.lenient_inspector]
        ),
        "inspectors": [branch.staff_id[i] for i in branch.inspectors],
        "duplicated_revenue": duplicated,
        "no_activity_staff": no_activity,
        "centre_mismatch": centre_mismatch,
    }
    _write_atomic(
        out / "planted.json",
        (json.dumps(planted, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
    )
    return written


# --------------------------------------------------------------------------- months


def _month_range(end: str, months: int) -> list[str]:
    """Return ``months`` consecutive months ending with ``end``, oldest first.

    >>> _month_range("2026-02", 3)
    ['2025-12', '2026-01', '2026-02']
    """
    if not isinstance(end, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end):
        raise ValueError(f"end must be a month like '2026-10', got {end!r}")
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months!r}")
    last = np.datetime64(end, "M")
    return [str(last - k) for k in range(months - 1, -1, -1)]


def _month_bounds(month: str) -> tuple[np.datetime64, int]:
    """Return the first day (``datetime64[D]``) and the number of days of ``month``."""
    first = np.datetime64(month, "M")
    start = first.astype("datetime64[D]")
    days = int(((first + 1).astype("datetime64[D]") - start).astype(int))
    return start, days


# --------------------------------------------------------------------------- branch


@dataclass
class _Branch:
    """Everything that is fixed for the whole run: units, seats and people.

    Seats are positions in units; people hold seats between their hire and
    leave months. Arrays are indexed by unit, seat or person number.
    """

    months: list[str]
    unit_code: np.ndarray
    unit_name: np.ndarray
    unit_kind: np.ndarray  # _COUNTY or a centre kind
    unit_place: np.ndarray  # place name used in customer names
    unit_slow: np.ndarray  # log-factor on ticket handling time
    unit_never: np.ndarray  # share of contracts that never get fully archived
    unit_size: np.ndarray
    seat_unit: np.ndarray
    seat_role: np.ndarray
    seat_rev_rate: np.ndarray
    seat_cust_rate: np.ndarray
    seat_visit: np.ndarray
    seat_churn: np.ndarray
    seat_arpu: np.ndarray
    seat_collect: np.ndarray
    seat_tickets: np.ndarray
    seat_complaint: np.ndarray
    p_seat: np.ndarray
    p_new: np.ndarray  # hired within the generated months
    p_start: np.ndarray  # first month index present
    p_end: np.ndarray  # month index of leaving (len(months) when staying)
    p_hire: np.ndarray  # datetime64[D]
    p_leave: np.ndarray  # datetime64[D], NaT when staying
    p_ability: np.ndarray
    p_quality: np.ndarray
    p_speed: np.ndarray
    p_exam: np.ndarray
    p_learn: np.ndarray  # log-factor on online learning hours
    staff_id: list[str]
    name: list[str]
    phone: list[str]
    id_number: list[str]
    inspectors: np.ndarray  # person numbers
    inspector_bias: np.ndarray
    lenient_inspector: int  # person number, -1 when there are no inspectors
    late_county: int  # unit number
    audit: pd.DataFrame  # every finding of the run, canonical columns


def _build_branch(
    rng: np.random.Generator, months: list[str], *, counties: int, centres: int
) -> _Branch:
    n_months = len(months)
    first_start, _ = _month_bounds(months[0])

    # Units: counties first, then centres.
    width = 2 if counties <= 99 else 4
    county_codes = [f"X{i:0{width}d}" for i in range(1, counties + 1)]
    county_bases = _county_bases(rng, counties)
    county_names = [
        b + ("市" if u < 0.3 else "县")
        for b, u in zip(county_bases, rng.random(counties), strict=True)
    ]
    cwidth = 2 if centres <= 99 else 4
    centre_kinds = [i % len(CENTRES) for i in range(centres)]
    centre_codes = [f"Z{i:0{cwidth}d}" for i in range(1, centres + 1)]
    centre_names = [_centre_name(i) for i in range(centres)]
    unit_code = np.array(county_codes + centre_codes, dtype=object)
    unit_name = np.array(county_names + centre_names, dtype=object)
    unit_kind = np.array([_COUNTY] * counties + centre_kinds, dtype=np.int64)
    unit_place = np.array(county_bases + [_CITY] * centres, dtype=object)
    n_units = counties + centres

    # Seats: skewed county sizes, centre sizes around their typical head count.
    county_size = np.clip(np.round(rng.lognormal(np.log(20.0), 0.45, counties)), 6, 90).astype(int)
    county_cm = np.clip(np.round(county_size * rng.uniform(0.5, 0.65, counties)), 2, None)
    county_cm = np.minimum(county_cm, county_size - 1).astype(int)
    typical = np.array([CENTRES[k][2] for k in centre_kinds], dtype=float)
    centre_size = np.maximum(3, np.round(typical * rng.lognormal(0.0, 0.15, centres))).astype(int)
    # Inspected workforce: service staff and the technical-support centre's staff.
    n_service = int((county_size - county_cm).sum()) + int(
        sum(
            s
            for s, k in zip(centre_size, centre_kinds, strict=True)
            if CENTRES[k][1] == "service_staff" or k == _TS
        )
    )
    first_ga = next((i for i, k in enumerate(centre_kinds) if k == _GA), None)
    n_inspectors = max(5, -(-n_service // 40)) if first_ga is not None else 0
    if first_ga is not None:
        centre_size[first_ga] += n_inspectors
    unit_size = np.concatenate([county_size, centre_size]).astype(int)

    seat_unit = np.repeat(np.arange(n_units), unit_size)
    role_parts = []
    for u in range(counties):
        cm = county_cm[u]
        role_parts.append(np.r_[np.full(cm, _CM), np.full(county_size[u] - cm, _SERVICE)])
    for i, k in enumerate(centre_kinds):
        role_parts.append(np.full(centre_size[i], _ROLE_CODES.index(CENTRES[k][1])))
    seat_role = np.concatenate(role_parts).astype(np.int64) if role_parts else np.zeros(0, int)
    inspector_seats = (
        np.flatnonzero(seat_unit == counties + first_ga)[:n_inspectors]
        if first_ga is not None
        else np.zeros(0, dtype=np.int64)
    )
    n_seats0 = len(seat_unit)

    # People: one per initial seat, then turnover and growth month by month.
    p_seat = [np.arange(n_seats0)]
    p_new = [np.zeros(n_seats0, bool)]
    p_start = [np.zeros(n_seats0, np.int64)]
    back = np.minimum(rng.exponential(6 * 365.0, n_seats0), 20 * 365.0).astype(np.int64) + 1
    p_hire = [first_start - back]
    leave_day = np.zeros(n_seats0, np.int64)  # grows with people; 0: not leaving
    end = np.full(n_seats0, n_months, np.int64)
    holder = np.arange(n_seats0)
    protected = np.zeros(n_seats0, bool)
    protected[inspector_seats] = True
    unit_weight = unit_size / unit_size.sum()
    cm_share = np.r_[county_cm / county_size, np.zeros(centres)]
    n_people = n_seats0
    for m, month in enumerate(months):
        start, days = _month_bounds(month)
        candidates = np.flatnonzero((holder >= 0) & ~protected)
        turn = candidates[rng.random(len(candidates)) < _TURNOVER]
        n_growth = int(rng.poisson(_GROWTH * n_seats0))
        n_growth = max(n_growth, 2 - len(turn))
        # New seats: a unit by size, the role its unit employs.
        g_unit = rng.choice(n_units, size=n_growth, p=unit_weight)
        g_role = np.where(
            unit_kind[g_unit] == _COUNTY,
            np.where(rng.random(n_growth) < cm_share[g_unit], _CM, _SERVICE),
            [_ROLE_CODES.index(CENTRES[k][1]) for k in np.maximum(unit_kind[g_unit], 0)],
        ).astype(np.int64)
        g_seats = np.arange(len(seat_unit), len(seat_unit) + n_growth)
        seat_unit = np.r_[seat_unit, g_unit]
        seat_role = np.r_[seat_role, g_role]
        holder = np.r_[holder, np.full(n_growth, -1)]
        protected = np.r_[protected, np.zeros(n_growth, bool)]
        # Leavers hand over the next day; growth hires start any day.
        leave = rng.integers(1, days, size=len(turn))
        leavers = holder[turn]
        leave_day[leavers] = leave
        end[leavers] = m
        seats = np.r_[turn, g_seats]
        hire = np.r_[leave + 1, rng.integers(1, days + 1, size=n_growth)]
        order = np.lexsort((seats, hire))
        seats, hire = seats[order], hire[order]
        newcomers = np.arange(n_people, n_people + len(seats))
        n_people += len(seats)
        holder[seats] = newcomers
        p_seat.append(seats)
        p_new.append(np.ones(len(seats), bool))
        p_start.append(np.full(len(seats), m, np.int64))
        p_hire.append(start + (hire - 1))
        leave_day = np.r_[leave_day, np.zeros(len(seats), np.int64)]
        end = np.r_[end, np.full(len(seats), n_months, np.int64)]

    p_seat_a = np.concatenate(p_seat)
    p_start_a = np.concatenate(p_start)
    p_hire_a = np.concatenate(p_hire)
    month_starts = np.array([_month_bounds(mo)[0] for mo in months])
    p_leave = np.full(n_people, np.datetime64("NaT"), dtype="datetime64[D]")
    leaving = end < n_months
    p_leave[leaving] = month_starts[end[leaving]] + (leave_day[leaving] - 1)

    seat_params = _seat_params(rng, seat_unit, seat_role, unit_kind)
    staff_width = max(5, len(str(n_people)))
    staff_id = [f"S{i:0{staff_width}d}" for i in range(1, n_people + 1)]
    names, phones, ids = _people_strings(rng, p_hire_a, p_new=np.concatenate(p_new))

    inspectors = np.sort(holder[inspector_seats]) if len(inspector_seats) else np.zeros(0, int)
    # The others judge alike up to a small personal drift; only the planted one is lenient.
    bias = rng.normal(0.0, 0.3, len(inspectors))
    lenient = -1
    if len(inspectors):
        k = int(rng.integers(len(inspectors)))
        bias[k] = _LENIENT_BIAS
        lenient = int(inspectors[k])
    late_county = int(rng.integers(counties))
    audit = _audit_findings(rng, months, unit_code)
    return _Branch(
        months=months,
        unit_code=unit_code,
        unit_name=unit_name,
        unit_kind=unit_kind,
        unit_place=unit_place,
        unit_slow=rng.normal(0.0, 0.25, n_units),
        unit_never=rng.beta(1.2, 12.0, n_units),
        unit_size=unit_size,
        seat_unit=seat_unit,
        seat_role=seat_role,
        **seat_params,
        p_seat=p_seat_a,
        p_new=np.concatenate(p_new),
        p_start=p_start_a,
        p_end=end,
        p_hire=p_hire_a,
        p_leave=p_leave,
        p_ability=rng.lognormal(0.0, 0.3, n_people),
        p_quality=rng.normal(0.0, 3.0, n_people),
        p_speed=rng.normal(0.0, 0.15, n_people),
        p_exam=rng.normal(0.0, 1.0, n_people),
        staff_id=staff_id,
        name=names,
        phone=phones,
        id_number=ids,
        inspectors=inspectors,
        inspector_bias=bias,
        lenient_inspector=lenient,
        late_county=late_county,
        audit=audit,
        p_learn=rng.normal(0.0, 0.2, n_people),
    )


def _county_bases(rng: np.random.Generator, n: int) -> list[str]:
    """Return ``n`` distinct fictional place names (two characters, then three)."""
    first = "".join(dict.fromkeys(_PLACE_FIRST))
    second = "".join(dict.fromkeys(_PLACE_SECOND))
    pairs = [a + b for a in first for b in second if a != b]
    names = [pairs[i] for i in rng.permutation(len(pairs))[:n]]
    for k in range(n - len(names)):
        a = first[k % len(first)]
        mid = second[(k // len(first)) % len(second)]
        b = second[(k // (len(first) * len(second))) % len(second)]
        names.append(a + mid + b)
    return names


def _centre_name(i: int) -> str:
    """Return the name of centre number ``i`` (0-based); numbered variants beyond six.

    >>> _centre_name(0), _centre_name(6)
    ('业务拓展中心', '业务拓展二中心')
    """
    name = CENTRES[i % len(CENTRES)][0]
    copy = i // len(CENTRES) + 1
    if copy == 1:
        return name
    number = "〇一二三四五六七八九十"[copy] if copy <= 10 else str(copy)
    return name[:-2] + number + "中心"


def _seat_params(
    rng: np.random.Generator, seat_unit: np.ndarray, seat_role: np.ndarray, unit_kind: np.ndarray
) -> dict[str, np.ndarray]:
    n = len(seat_unit)
    kind = unit_kind[seat_unit]
    cm = seat_role == _CM
    rev = np.where(kind == _BD, 7.0, 5.0) * rng.lognormal(0.0, 0.25, n)
    cust = np.select([kind == _BD, kind == _CR], [1.2, 0.2], 0.7) * rng.lognormal(0.0, 0.3, n)
    # Technical support (Z03) handles the technical stage of orders (line installation,
    # configuration) and technical complaints (faults), inspected like service staff.
    tickets = np.select([kind == _CP, kind == _OA, kind == _TS], [45.0, 60.0, 30.0], 25.0)
    complaint = np.select([kind == _CP, kind == _OA, kind == _TS], [0.92, 0.04, 0.2], 0.35)
    handles = (seat_role == _SERVICE) | ((seat_role == _SUPPORT) & (kind == _TS))
    return {
        "seat_rev_rate": np.where(cm, rev, 0.0),
        "seat_cust_rate": np.where(cm, cust, 0.0),
        "seat_visit": np.where(kind == _CR, 1.5, 1.0),
        "seat_churn": rng.beta(2.0, 220.0, n),
        "seat_arpu": rng.lognormal(np.log(55.0), 0.3, n),
        "seat_collect": rng.beta(30.0, 2.0, n),
        "seat_tickets": np.where(handles, tickets * rng.lognormal(0.0, 0.25, n), 0.0),
        "seat_complaint": complaint,
    }


def _people_strings(
    rng: np.random.Generator, hire: np.ndarray, *, p_new: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    """Return names, mobile numbers and resident ID numbers of everyone."""
    n = len(hire)
    rank = np.arange(len(_SURNAMES))
    weight = 1.0 / (rank + 4.0)
    surname = rng.choice(len(_SURNAMES), size=n, p=weight / weight.sum())
    male = rng.random(n) < 0.5
    two = rng.random(n) < 0.65
    pool = np.where(male, 0, 1)
    chars = (_MALE_CHARS, _FEMALE_CHARS)
    g1 = rng.random(n)
    g2 = rng.random(n)
    names = []
    for i in range(n):
        c = chars[pool[i]]
        given = c[int(g1[i] * len(c))] + (c[int(g2[i] * len(c))] if two[i] else "")
        names.append(_SURNAMES[surname[i]] + given)
    prefix = rng.choice(_MOBILE_PREFIXES, size=n)
    tail = rng.integers(0, 100_000_000, size=n)
    phones = [f"{p}{t:08d}" for p, t in zip(prefix, tail, strict=True)]
    # Resident ID: area code, birth date, sequence (odd for men), check digit.
    age_days = np.where(p_new, rng.uniform(21, 35, n), rng.uniform(21, 40, n)) * 365.25
    birth = hire - age_days.astype(np.int64)
    area = rng.integers(11, 66, n) * 10_000 + rng.integers(1, 20, n) * 100 + rng.integers(1, 30, n)
    seq = rng.integers(0, 500, n) * 2 + male
    body = [
        f"{a:06d}{str(b).replace('-', '')}{s:03d}"
        for a, b, s in zip(area, birth.astype(str), seq, strict=True)
    ]
    digits = np.array([[ord(ch) - 48 for ch in text] for text in body], dtype=np.int64)
    check = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11] if n else np.zeros(0, dtype=str)
    ids = [b + c for b, c in zip(body, check, strict=True)]
    return names, phones, ids


def _audit_findings(
    rng: np.random.Generator, months: list[str], unit_code: np.ndarray
) -> pd.DataFrame:
    """Every quality-system audit finding raised from four months before the first month on."""
    first = np.datetime64(months[0], "M")
    rows: dict[str, list] = {k: [] for k in TABLES["audit_findings"].column_names}
    n_units = len(unit_code)
    rate = max(3.0, 0.15 * n_units)
    for k in range(-4, len(months)):
        month = str(first + k)
        start, days = _month_bounds(month)
        n = int(rng.poisson(rate))
        raised = np.sort(start + rng.integers(0, days, n))
        sev = rng.choice(3, size=n, p=[0.1, 0.6, 0.3])
        due = raised + _SEVERITY_DAYS[sev]
        window = _SEVERITY_DAYS[sev]
        outcome = rng.choice(3, size=n, p=[0.65, 0.25, 0.10])
        late = np.select(
            [outcome == 0, outcome == 1],
            [-(window * (1 - rng.uniform(0.2, 1.0, n))).astype(int), rng.integers(5, 60, n)],
            rng.integers(90, 400, n),
        )
        process = rng.integers(len(_PROCESSES), size=n)
        width = max(3, len(str(n)))
        rows["finding_id"] += [f"GB{month.replace('-', '')}{i:0{width}d}" for i in range(1, n + 1)]
        rows["unit_code"] += list(unit_code[rng.integers(n_units, size=n)])
        rows["process"] += [_PROCESSES[p][0] for p in process]
        rows["clause"] += [_PROCESSES[p][1] for p in process]
        rows["severity"] += [_SEVERITY_CODES[s] for s in sev]
        rows["raised_date"] += list(raised)
        rows["due_date"] += list(due)
        rows["closed_date"] += list(due + late)
    return _frame("audit_findings", rows)


# --------------------------------------------------------------------------- portfolio


@dataclass
class _Portfolio:
    """The state carried from month to month: customers, contracts, member lines."""

    cust_seat: np.ndarray
    cust_name: np.ndarray
    con_customer: np.ndarray
    con_signed: np.ndarray  # datetime64[D]
    con_product: np.ndarray
    con_partial: np.ndarray  # months after signing until partly archived (inf: never)
    con_full: np.ndarray  # months after signing until fully archived (inf: never)
    con_missing: np.ndarray  # bit mask over _DOCUMENTS missing while partly archived
    seat_members: np.ndarray


def _initial_portfolio(b: _Branch, rng: np.random.Generator) -> _Portfolio:
    first_start, _ = _month_bounds(b.months[0])
    initial_seats = b.p_seat[~b.p_new]
    cm_seats = initial_seats[b.seat_role[initial_seats] == _CM]
    size = np.clip(np.round(rng.lognormal(np.log(18.0), 0.5, len(cm_seats))), 3, 120).astype(int)
    cust_seat = np.repeat(cm_seats, size)
    n_cust = len(cust_seat)
    span = int((first_start - np.datetime64("2012-01-01")).astype(int))
    first_signed = first_start - rng.integers(1, span, n_cust)
    order = np.argsort(first_signed, kind="stable")
    cust_seat, first_signed = cust_seat[order], first_signed[order]
    extra = rng.poisson(0.3, n_cust)
    con_customer = np.r_[np.arange(n_cust), np.repeat(np.arange(n_cust), extra)]
    later = np.repeat((first_start - first_signed).astype(np.int64), extra)
    con_signed = np.r_[
        first_signed,
        np.repeat(first_signed, extra) + (rng.random(len(later)) * later).astype(np.int64),
    ]
    # A customer signs at most one contract a day (else two rows would look duplicated).
    day_key = con_customer * 100_000 + (con_signed - first_start).astype(np.int64)
    _, keep = np.unique(day_key, return_index=True)
    con_customer, con_signed = con_customer[keep], con_signed[keep]
    order = np.argsort(con_signed, kind="stable")
    con_customer, con_signed = con_customer[order], con_signed[order]
    unit = b.seat_unit[cust_seat[con_customer]]
    partial, full, missing = _archive_delays(rng, b.unit_never[unit])
    members = rng.lognormal(np.log(25.0), 0.8, n_cust)
    return _Portfolio(
        cust_seat=cust_seat,
        cust_name=_customer_names(rng, b.unit_place[b.seat_unit[cust_seat]]),
        con_customer=con_customer,
        con_signed=con_signed,
        con_product=_draw_products(rng, len(con_customer)),
        con_partial=partial,
        con_full=full,
        con_missing=missing,
        seat_members=np.round(
            np.bincount(cust_seat, weights=members, minlength=len(b.seat_unit))
        ).astype(np.int64),
    )


def _archive_delays(
    rng: np.random.Generator, never_share: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(never_share)
    partial = (rng.geometric(0.6, n) - 1).astype(float)
    full = partial + rng.geometric(0.5, n)
    never = rng.random(n) < never_share
    full[never] = np.inf
    partial[never & (rng.random(n) < 0.3)] = np.inf
    bits = rng.random((n, len(_DOCUMENTS))) < 0.25
    bits[np.arange(n), rng.integers(len(_DOCUMENTS), size=n)] = True
    mask = bits.astype(np.int64) @ (1 << np.arange(len(_DOCUMENTS)))
    return partial, full, mask


def _draw_products(rng: np.random.Generator, n: int) -> np.ndarray:
    share = np.array([p[2] for p in _PRODUCTS])
    return rng.choice(len(_PRODUCTS), size=n, p=share / share.sum())


def _customer_names(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    n = len(place)
    brands, industries, institutions = _BRANDS.split(), _INDUSTRIES.split(), _INSTITUTIONS.split()
    institution = rng.random(n) < 0.15
    brand = rng.integers(len(brands), size=n)
    industry = rng.integers(len(industries), size=n)
    suffix = rng.choice(3, size=n, p=[0.75, 0.15, 0.10])
    inst = rng.integers(len(institutions), size=n)
    return np.array(
        [
            p + institutions[j]
            if is_inst
            else p + brands[br] + industries[ind] + _COMPANY_SUFFIXES[suf]
            for p, is_inst, br, ind, suf, j in zip(
                place, institution, brand, industry, suffix, inst, strict=True
            )
        ],
        dtype=object,
    )


# --------------------------------------------------------------------------- one month


@dataclass(frozen=True)
class _Month:
    """Who is present in month ``m`` and on which days."""

    m: int
    month: str
    start: np.datetime64
    days: int
    season: float
    people: np.ndarray  # person numbers present, ascending
    first_day: np.ndarray  # first day present (1-based), aligned with people
    last_day: np.ndarray
    start_holder: np.ndarray  # per seat: person holding it at the month start, -1 none
    end_holder: np.ndarray  # per seat: person holding it at the month end

    @property
    def frac(self) -> np.ndarray:
        return (self.last_day - self.first_day + 1) / self.days

    @property
    def yyyymm(self) -> str:
        return self.month.replace("-", "")


def _month_frames(
    b: _Branch, pf: _Portfolio, m: int, rngs: dict[str, np.random.Generator]
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """Return the canonical frames of month ``m`` (all tables but centre_results)
    and the planted facts of the month (duplicated revenue, staff without activity)."""
    mo = _presence(b, m)
    new_customers = _grow_portfolio(b, pf, mo, rngs["portfolio"])
    revenue, duplicated = _revenue(b, pf, mo, rngs["revenue"])
    activity = _activity(b, pf, mo, rngs["activity"], new_customers)
    hired = mo.people[b.p_new[mo.people] & (b.p_start[mo.people] == m)]
    rng = rngs["no_activity"]
    skip = np.sort(rng.choice(hired, size=min(len(hired), int(rng.integers(1, 3))), replace=False))
    skipped = [b.staff_id[i] for i in skip]
    activity = activity[~activity["staff_id"].isin(skipped)].reset_index(drop=True)
    tickets, ticket_people = _tickets(b, mo, rngs["tickets"])
    frames = {
        "units": _frame(
            "units",
            {
                "unit_code": b.unit_code,
                "unit_name": b.unit_name,
                "unit_type": np.where(b.unit_kind == _COUNTY, "county", "centre"),
            },
        ),
        "staff": _staff(b, mo),
        "targets": _targets(b, pf, mo, rngs["targets"]),
        "activity": activity,
        "revenue": revenue,
        "contracts": _contracts(b, pf, mo),
        "tickets": tickets,
        "inspections": _inspections(b, mo, tickets, ticket_people, rngs["inspections"]),
        "training": _training(b, mo, rngs["training"]),
        "submissions": _submissions(b, mo, rngs["submissions"]),
        "expenses": _expenses(b, mo, rngs["expenses"]),
        "audit_findings": _audit_month(b, mo),
    }
    facts = {"duplicated_revenue": duplicated, "no_activity_staff": skipped}
    return frames, facts


def _presence(b: _Branch, m: int) -> _Month:
    month = b.months[m]
    start, days = _month_bounds(month)
    present = (b.p_start <= m) & (b.p_end >= m)
    people = np.flatnonzero(present)
    joined = b.p_new[people] & (b.p_start[people] == m)
    leaving = b.p_end[people] == m
    first_day = np.where(joined, (b.p_hire[people] - start).astype(np.int64) + 1, 1)
    last_day = np.where(leaving, (b.p_leave[people] - start).astype(np.int64) + 1, days)
    n_seats = len(b.seat_unit)
    start_holder = np.full(n_seats, -1)
    at_start = people[~joined]
    start_holder[b.p_seat[at_start]] = at_start
    end_holder = np.full(n_seats, -1)
    at_end = people[~leaving]
    end_holder[b.p_seat[at_end]] = at_end
    season = float(_SEASON[int(month[5:]) - 1]) * 1.04 ** (int(month[:4]) - 2024)
    return _Month(
        m, month, start, days, season, people, first_day, last_day, start_holder, end_holder
    )


def _numbered(prefix: str, n: int, *, width: int = 6) -> np.ndarray:
    """Return ``n`` identifiers ``prefix`` + 1, 2, ... zero-padded to at least ``width`` digits.

    >>> _numbered("GD202610", 2).tolist()
    ['GD202610000001', 'GD202610000002']
    """
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _days_between(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Uniform day numbers in ``[first, last]``, element-wise."""
    return first + (rng.random(len(first)) * (last - first + 1)).astype(np.int64)


def _grow_portfolio(b: _Branch, pf: _Portfolio, mo: _Month, rng: np.random.Generator) -> np.ndarray:
    """Add the month's new customers and contracts; return new customers per present person."""
    cm = b.seat_role[b.p_seat[mo.people]] == _CM
    seats = b.p_seat[mo.people]
    lam = b.seat_cust_rate[seats] * b.p_ability[mo.people] * mo.season * mo.frac * cm
    n_new = rng.poisson(lam)
    owner = np.repeat(np.arange(len(mo.people)), n_new)
    day = _days_between(rng, mo.first_day[owner], mo.last_day[owner])
    order = np.argsort(day, kind="stable")
    owner, day = owner[order], day[order]
    new_seat = seats[owner]
    first_new = len(pf.cust_seat)
    pf.cust_seat = np.r_[pf.cust_seat, new_seat]
    pf.cust_name = np.r_[pf.cust_name, _customer_names(rng, b.unit_place[b.seat_unit[new_seat]])]
    # Existing customers sign the odd further contract.
    again = np.flatnonzero(rng.random(first_new) < 0.004)
    again = again[mo.end_holder[pf.cust_seat[again]] >= 0]
    customer = np.r_[np.arange(first_new, first_new + len(owner)), again]
    signed_day = np.r_[day, rng.integers(1, mo.days + 1, len(again))]
    order = np.argsort(signed_day, kind="stable")
    customer, signed_day = customer[order], signed_day[order]
    partial, full, missing = _archive_delays(rng, b.unit_never[b.seat_unit[pf.cust_seat[customer]]])
    pf.con_customer = np.r_[pf.con_customer, customer]
    pf.con_signed = np.r_[pf.con_signed, mo.start + (signed_day - 1)]
    pf.con_product = np.r_[pf.con_product, _draw_products(rng, len(customer))]
    pf.con_partial = np.r_[pf.con_partial, partial]
    pf.con_full = np.r_[pf.con_full, full]
    pf.con_missing = np.r_[pf.con_missing, missing]
    return np.bincount(owner, minlength=len(mo.people))


def _archive_status(pf: _Portfolio, mo: _Month) -> np.ndarray:
    """0 archived, 1 partial, 2 missing, for every contract at the month end."""
    age = (
        np.datetime64(mo.month, "M").astype(np.int64)
        - pf.con_signed.astype("datetime64[M]").astype(np.int64)
    ).astype(float)
    return np.where(age >= pf.con_full, 0, np.where(age >= pf.con_partial, 1, 2))


def _contracts(b: _Branch, pf: _Portfolio, mo: _Month) -> pd.DataFrame:
    status = _archive_status(pf, mo)
    width = max(8, len(str(len(pf.con_customer))))
    cwidth = max(8, len(str(len(pf.cust_seat))))
    every = ";".join(_DOCUMENTS)
    lookup = np.array(
        [
            ";".join(d for j, d in enumerate(_DOCUMENTS) if mask >> j & 1) or None
            for mask in range(1 << len(_DOCUMENTS))
        ],
        dtype=object,
    )
    missing = np.where(status == 0, None, np.where(status == 1, lookup[pf.con_missing], every))
    holder = mo.end_holder[pf.cust_seat[pf.con_customer]]
    return _frame(
        "contracts",
        {
            "contract_id": [f"HT{i:0{width}d}" for i in range(1, len(pf.con_customer) + 1)],
            "customer_id": [f"JT{i + 1:0{cwidth}d}" for i in pf.con_customer],
            "customer_name": pf.cust_name[pf.con_customer],
            "staff_id": np.array(b.staff_id, dtype=object)[holder],
            "signed_date": pf.con_signed,
            "archive_status": np.array(["archived", "partial", "missing"], dtype=object)[status],
            "missing_documents": missing,
        },
    )


def _revenue(
    b: _Branch, pf: _Portfolio, mo: _Month, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[str]]:
    seats = b.p_seat[mo.people]
    con_seat = pf.cust_seat[pf.con_customer]
    n_seats = len(b.seat_unit)
    count = np.bincount(con_seat, minlength=n_seats)
    first = np.cumsum(count) - count
    by_seat = np.argsort(con_seat, kind="stable")
    # Seasonality acts half on the number of deals and half on their size.
    lam = b.seat_rev_rate[seats] * b.p_ability[mo.people] * np.sqrt(mo.season) * mo.frac
    n = rng.poisson(lam * (count[seats] > 0))
    owner = np.repeat(np.arange(len(mo.people)), n)
    s = seats[owner]
    contract = by_seat[first[s] + (rng.random(len(owner)) * count[s]).astype(np.int64)]
    day = _days_between(rng, mo.first_day[owner], mo.last_day[owner])
    signed_day = (pf.con_signed[contract] - mo.start).astype(np.int64) + 1
    day = np.maximum(day, signed_day)
    product = pf.con_product[contract]
    median = np.array([p[1] for p in _PRODUCTS])[product]
    yuan = median * np.exp(rng.normal(0.0, _AMOUNT_SIGMA, len(owner))) * np.sqrt(mo.season)
    fen = np.maximum(100, np.round(yuan * 100)).astype(np.int64)
    # A record booked twice: the copy enters the export like any other record.
    dup = -1
    if len(owner):
        dup = int(rng.integers(len(owner)))
        owner, contract, day, product, fen = (
            np.r_[a, a[dup]] for a in (owner, contract, day, product, fen)
        )
    order = np.lexsort((rng.random(len(owner)), day))
    ids = np.array(_numbered(f"R{mo.yyyymm}", len(owner)), dtype=object)
    record_id = np.empty(len(owner), dtype=object)
    record_id[order] = ids
    duplicated = [] if dup < 0 else sorted([record_id[dup], record_id[-1]])
    sort = order
    cwidth = max(8, len(str(len(pf.cust_seat))))
    width_c = max(8, len(str(len(pf.con_customer))))
    staff = np.array(b.staff_id, dtype=object)[mo.people[owner]]
    frame = _frame(
        "revenue",
        {
            "record_id": record_id[sort],
            "staff_id": staff[sort],
            "customer_id": [f"JT{c + 1:0{cwidth}d}" for c in pf.con_customer[contract[sort]]],
            "contract_id": [f"HT{c + 1:0{width_c}d}" for c in contract[sort]],
            "product": np.array([p[0] for p in _PRODUCTS], dtype=object)[product[sort]],
            "amount_fen": fen[sort],
            "booked_date": mo.start + (day[sort] - 1),
        },
    )
    return frame, duplicated


def _activity(
    b: _Branch,
    pf: _Portfolio,
    mo: _Month,
    rng: np.random.Generator,
    new_customers: np.ndarray,
) -> pd.DataFrame:
    people = mo.people
    seats = b.p_seat[people]
    cm = b.seat_role[seats] == _CM
    n = len(people)
    ability = b.p_ability[people]
    new_members = (
        rng.poisson(ability * 20.0 * mo.season * mo.frac) + rng.poisson(12.0 * new_customers)
    ) * cm
    visits = rng.poisson(18.0 * b.seat_visit[seats] * np.sqrt(ability) * mo.season * mo.frac) * cm
    at_start = cm & (mo.start_holder[seats] == people)
    at_end = cm & (mo.end_holder[seats] == people)
    base = np.where(at_start, pf.seat_members[seats], 0)
    churned = rng.binomial(base, b.seat_churn[seats])
    # Customers and archive completeness of the seat, credited to the holder at month end.
    status = _archive_status(pf, mo)
    open_contracts = np.bincount(pf.con_customer, weights=status != 0, minlength=len(pf.cust_seat))
    n_seats = len(b.seat_unit)
    customers = np.bincount(pf.cust_seat, minlength=n_seats)
    archived = np.bincount(pf.cust_seat, weights=open_contracts == 0, minlength=n_seats)
    total_customers = np.where(at_end, customers[seats], 0)
    archived_customers = np.where(at_end, archived[seats], 0).astype(np.int64)
    billed = np.round(
        base * b.seat_arpu[seats] * 100 * rng.lognormal(0.0, 0.08, n) * (0.9 + 0.1 * mo.season)
    ).astype(np.int64)
    mean = b.seat_collect[seats]
    rate = rng.beta(mean * 60.0, (1.0 - mean) * 60.0)
    collected = np.round(billed * rate).astype(np.int64)
    # Member lines carried into next month.
    np.add.at(pf.seat_members, seats, new_members - churned)
    np.maximum(pf.seat_members, 0, out=pf.seat_members)
    return _frame(
        "activity",
        {
            "staff_id": np.array(b.staff_id, dtype=object)[people],
            "new_customers": new_customers * cm,
            "new_members": new_members,
            "visits": visits,
            "churned_members": churned,
            "base_members": base,
            "archived_customers": archived_customers,
            "total_customers": total_customers,
            "collected_fen": collected,
            "billed_fen": billed,
        },
    )


def _targets(b: _Branch, pf: _Portfolio, mo: _Month, rng: np.random.Generator) -> pd.DataFrame:
    people = mo.people[b.seat_role[b.p_seat[mo.people]] == _CM]
    seats = b.p_seat[people]
    n = len(people)
    ability = b.p_ability[people]
    kind = b.unit_kind[b.seat_unit[seats]]
    mean_amount = sum(p[1] * p[2] for p in _PRODUCTS) / sum(p[2] for p in _PRODUCTS)
    mean_amount *= np.exp(_AMOUNT_SIGMA**2 / 2)
    has_contracts = np.isin(seats, pf.cust_seat)
    expected = {
        "revenue": b.seat_rev_rate[seats] * ability * mo.season * mean_amount * has_contracts,
        "new_members": (20.0 * ability + 12.0 * b.seat_cust_rate[seats] * ability) * mo.season,
        "new_customers": b.seat_cust_rate[seats] * ability * mo.season,
        "visits": 18.0 * b.seat_visit[seats] * mo.season,
    }
    new_hire = b.p_new[people] & (b.p_start[people] == mo.m)
    parts = []
    for k, indicator in enumerate(TARGET_INDICATORS):
        stretch = rng.uniform(0.95, 1.2, n)
        if indicator == "revenue":
            target = np.maximum(5000.0, np.round(expected[indicator] * stretch, -2))
            base = np.round(0.85 * target, -2)
            challenge = np.round(1.2 * target, -2)
        else:
            target = np.maximum(1.0, np.round(expected[indicator] * stretch))
            step = np.maximum(1.0, np.round(0.2 * target))
            base = np.maximum(0.0, target - step)
            challenge = target + step
        # No target: a new hire's first month; customer relations develops no new customers.
        none = new_hire | ((indicator == "new_customers") & (kind == _CR))
        parts.append(
            pd.DataFrame(
                {
                    "i": people,
                    "k": k,
                    "indicator": indicator,
                    "base": np.where(none, np.nan, base),
                    "target": np.where(none, 0.0, target),
                    "challenge": np.where(none, np.nan, challenge),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True).sort_values(["i", "k"], kind="stable")
    return _frame(
        "targets",
        {
            "staff_id": np.array(b.staff_id, dtype=object)[table["i"].to_numpy()],
            "indicator": table["indicator"].to_numpy(dtype=object),
            "base": table["base"].to_numpy(),
            "target": table["target"].to_numpy(),
            "challenge": table["challenge"].to_numpy(),
        },
    )


def _staff(b: _Branch, mo: _Month) -> pd.DataFrame:
    people = mo.people
    leave = b.p_leave[people].copy()
    leave[b.p_end[people] != mo.m] = np.datetime64("NaT")
    return _frame(
        "staff",
        {
            "staff_id": [b.staff_id[i] for i in people],
            "name": [b.name[i] for i in people],
            "unit_code": b.unit_code[b.seat_unit[b.p_seat[people]]],
            "role": np.array(_ROLE_CODES, dtype=object)[b.seat_role[b.p_seat[people]]],
            "phone": [b.phone[i] for i in people],
            "id_number": [b.id_number[i] for i in people],
            "hire_date": b.p_hire[people],
            "leave_date": leave,
        },
    )


def _tickets(b: _Branch, mo: _Month, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the month's tickets and, per ticket, the handling person's number."""
    seats = b.p_seat[mo.people]
    volume = 1.0 + 0.4 * (mo.season - 1.0)
    n = rng.poisson(b.seat_tickets[seats] * volume * mo.frac)
    owner = np.repeat(np.arange(len(mo.people)), n)
    person = mo.people[owner]
    total = len(owner)
    day = _days_between(rng, mo.first_day[owner], mo.last_day[owner])
    hour = 8.0 + 14.0 * rng.beta(2.2, 2.8, total)  # working hours, busiest late morning
    opened = (day - 1) * 86400 + (hour * 3600).astype(np.int64) + rng.integers(0, 60, total)
    complaint = rng.random(total) < b.seat_complaint[seats[owner]]
    limit = np.where(complaint, 48.0, 24.0)
    log_factor = (
        np.log(0.35)
        + b.unit_slow[b.seat_unit[seats[owner]]]
        + b.p_speed[person]
        + rng.normal(0.0, 0.6, total)
    )
    hours = limit * np.exp(log_factor) * np.where(rng.random(total) < 0.015, 6.0, 1.0)
    duration = np.maximum(60, (hours * 3600).astype(np.int64))
    closed = opened + duration
    month_seconds = mo.days * 86400
    is_open = closed >= month_seconds
    elapsed = (month_seconds - opened) / duration
    stage = np.where(
        ~is_open,
        "close",
        np.where(elapsed < 0.15, "accept", np.where(elapsed < 0.85, "handle", "callback")),
    )
    surveyed = ~is_open & (rng.random(total) < np.where(complaint, 0.7, 0.5))
    overdue = hours > limit
    mean = 93.0 - 18.0 * overdue - 4.0 * complaint + b.p_quality[person]
    satisfaction = np.clip(np.round(rng.normal(mean, 9.0)), 0, 100)
    order = np.lexsort((owner, opened))
    base = mo.start.astype("datetime64[s]")
    opened_at = base + opened[order]
    closed_at = np.where(is_open[order], np.datetime64("NaT", "s"), base + closed[order])
    frame = _frame(
        "tickets",
        {
            "ticket_id": _numbered(f"GD{mo.yyyymm}", total),
            "kind": np.where(complaint, "complaint", "order")[order],
            "staff_id": np.array(b.staff_id, dtype=object)[person[order]],
            "stage": stage[order],
            "opened_at": opened_at,
            "closed_at": closed_at,
            "time_limit_hours": limit[order],
            "satisfaction": np.where(surveyed, satisfaction, np.nan)[order],
        },
    )
    return frame, person[order]


def _inspections(
    b: _Branch, mo: _Month, tickets: pd.DataFrame, person: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    n_insp = len(b.inspectors)
    closed = tickets["closed_at"].notna().to_numpy()
    idx = np.flatnonzero(closed)
    if n_insp < 2 or not len(idx):
        return _frame("inspections", {c: [] for c in TABLES["inspections"].column_names})
    # Up to five randomly chosen closed tickets per staff member.
    key = rng.random(len(idx))
    order = np.lexsort((key, person[idx]))
    idx = idx[order]
    group = person[idx]
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    rank = np.arange(len(idx)) - np.repeat(starts, np.diff(np.r_[starts, len(idx)]))
    idx = np.sort(idx[rank < _INSPECTIONS_PER_STAFF])
    first = rng.integers(n_insp, size=len(idx))
    again = rng.random(len(idx)) < _SECOND_INSPECTION
    second = (first[again] + rng.integers(1, n_insp, again.sum())) % n_insp
    closed_day = (tickets["closed_at"].to_numpy()[idx].astype("datetime64[D]") - mo.start).astype(
        np.int64
    ) + 1
    day1 = np.minimum(mo.days, closed_day + rng.integers(0, 4, len(idx)))
    day2 = np.minimum(mo.days, day1[again] + rng.integers(0, 3, again.sum()))
    true_score = 87.0 + b.p_quality[person[idx]] + rng.normal(0.0, 5.0, len(idx))
    record = np.r_[idx, idx[again]]
    inspector = np.r_[first, second]
    day = np.r_[day1, day2]
    truth = np.r_[true_score, true_score[again]]
    score = np.clip(
        np.round(truth + b.inspector_bias[inspector] + rng.normal(0.0, 3.0, len(record))), 0, 100
    )
    order = np.lexsort((np.arange(len(record)) >= len(idx), record, day))
    return _frame(
        "inspections",
        {
            "inspection_id": _numbered(f"ZJ{mo.yyyymm}", len(record), width=5),
            "record_id": tickets["ticket_id"].to_numpy(dtype=object)[record[order]],
            "staff_id": tickets["staff_id"].to_numpy(dtype=object)[record[order]],
            "inspector_id": np.array(b.staff_id, dtype=object)[b.inspectors[inspector[order]]],
            "inspected_date": mo.start + (day[order] - 1),
            "score": score[order],
            "passed": score[order] >= _PASS_MARK,
        },
    )


def _training(b: _Branch, mo: _Month, rng: np.random.Generator) -> pd.DataFrame:
    people = mo.people
    role = b.seat_role[b.p_seat[people]]
    n = len(people)
    staff = np.array(b.staff_id, dtype=object)
    # Qualification assessment: each person once a quarter, a third of them each month.
    due = (people + mo.m) % 3 == 0
    q = people[due]
    absent = rng.random(len(q)) < 0.02
    exam = np.clip(np.round(rng.normal(78.0 + 6.0 * b.p_exam[q], 8.0)), 0, 100)
    qual = pd.DataFrame(
        {
            "i": q,
            "course": [f"{ROLES[_ROLE_CODES[r]]}任职资格认证" for r in role[due]],
            "course_type": "qualification",
            "hours": np.where(absent, 0.0, 4.0),
            "exam_score": np.where(absent, np.nan, exam),
            "qualified": pd.array(~absent & (exam >= _QUALIFICATION_MARK), dtype="boolean"),
        }
    )
    parts = [qual]
    offered = rng.choice(len(_SKILLS_COURSES), size=3, replace=False)
    for c in np.sort(offered):
        name, hours, has_exam, roles = _SKILLS_COURSES[c]
        attend = rng.random(n) < np.where(np.isin(role, roles), 0.3, 0.03)
        a = people[attend]
        score = np.clip(np.round(rng.normal(82.0 + 4.0 * b.p_exam[a], 8.0)), 0, 100)
        parts.append(
            pd.DataFrame(
                {
                    "i": a,
                    "course": name,
                    "course_type": "skills",
                    "hours": hours,
                    "exam_score": score if has_exam else np.nan,
                    "qualified": pd.array([pd.NA] * len(a), dtype="boolean"),
                }
            )
        )
    # Online learning (网上大学), logged in hours to 2 decimals: everyone's monthly requirement,
    # met more or less by diligence; a few log nothing. New hires attend the induction.
    logged = rng.random(n) >= _NO_LEARNING
    online = _LEARNING_HOURS * mo.frac * np.exp(b.p_learn[people] + rng.normal(0.0, 0.2, n))
    online = np.round(np.minimum(online, 3 * _LEARNING_HOURS), 2)
    logged &= online >= 0.01
    new_hire = b.p_new[people] & (b.p_start[people] == mo.m)
    no_verdict = pd.array([pd.NA] * n, dtype="boolean")
    for course, mask, hours in (
        (_ONLINE_COURSE, logged, online),
        (_INDUCTION_COURSE, new_hire, np.full(n, _INDUCTION_HOURS)),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "i": people[mask],
                    "course": course,
                    "course_type": "skills",
                    "hours": hours[mask],
                    "exam_score": np.nan,
                    "qualified": no_verdict[mask],
                }
            )
        )
    table = pd.concat(parts, ignore_index=True).sort_values("i", kind="stable")
    return _frame(
        "training",
        {
            "staff_id": staff[table["i"].to_numpy()],
            "course": table["course"].to_numpy(dtype=object),
            "course_type": table["course_type"].to_numpy(dtype=object),
            "hours": table["hours"].to_numpy(dtype=float),
            "exam_score": table["exam_score"].to_numpy(dtype=float),
            "qualified": table["qualified"].array,
        },
    )


def _submissions(b: _Branch, mo: _Month, rng: np.random.Generator) -> pd.DataFrame:
    counties = np.flatnonzero(b.unit_kind == _COUNTY)
    n_reports = len(COUNTY_REPORTS)
    unit = np.repeat(counties, n_reports)
    report = np.tile(np.arange(n_reports), len(counties))
    n = len(unit)
    due_day = np.array([d for _, d in COUNTY_REPORTS])[report]
    late_county = unit == b.late_county
    late = rng.random(n) < 0.03
    shift = np.where(
        late_county,
        rng.integers(1, 7, n),
        np.where(late, rng.integers(1, 3, n), -rng.integers(0, 4, n)),
    )
    day = np.clip(due_day + shift, 1, mo.days)
    seconds = (day - 1) * 86400 + rng.integers(9 * 3600, 18 * 3600, n)
    received = late_county | (rng.random(n) >= 0.005)
    at = mo.start.astype("datetime64[s]") + seconds
    return _frame(
        "submissions",
        {
            "unit_code": b.unit_code[unit],
            "report": np.array([r for r, _ in COUNTY_REPORTS], dtype=object)[report],
            "due_date": mo.start + (due_day - 1),
            "submitted_at": np.where(received, at, np.datetime64("NaT", "s")),
        },
    )


def _expenses(b: _Branch, mo: _Month, rng: np.random.Generator) -> pd.DataFrame:
    names = list(EXPENSE_CATEGORIES)
    budget = np.array(list(EXPENSE_CATEGORIES.values()), dtype=float)
    n = int(rng.integers(30, 61))
    share = np.sqrt(budget) / np.sqrt(budget).sum()
    category = rng.choice(len(names), size=n, p=share)
    month_no = int(mo.month[5:])
    season = {2: 0.6, 12: 1.35}.get(month_no, 1.0)
    noise = rng.lognormal(0.0, 0.5, n) / np.exp(0.125)
    yuan = budget[category] / 12.0 * season / (n * share[category]) * noise
    fen = np.maximum(1000, np.round(yuan * 100)).astype(np.int64)
    day = np.sort(rng.integers(1, mo.days + 1, n))
    pending = rng.random(n) < np.where(day > mo.days - 7, 0.6, 0.05)
    rejected = ~pending & (rng.random(n) < 0.05)
    status = np.where(pending, "pending", np.where(rejected, "rejected", "paid"))
    unit = rng.choice(len(b.unit_code), size=n, p=b.unit_size / b.unit_size.sum())
    return _frame(
        "expenses",
        {
            "claim_id": _numbered(f"BX{mo.yyyymm}", n, width=4),
            "unit_code": b.unit_code[unit],
            "category": np.array(names, dtype=object)[category],
            "amount_fen": fen,
            "status": status,
            "claim_date": mo.start + (day - 1),
        },
    )


def _audit_month(b: _Branch, mo: _Month) -> pd.DataFrame:
    start = pd.Timestamp(mo.start)
    end = start + pd.Timedelta(days=mo.days - 1)
    audit = b.audit
    keep = (audit["raised_date"] <= end) & (audit["closed_date"] >= start)
    frame = audit[keep].reset_index(drop=True)
    closed = frame["closed_date"].where(frame["closed_date"] <= end)
    return frame.assign(closed_date=closed)


def _centre_results(
    frames: dict[str, pd.DataFrame], month: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Return each centre's submitted assessment results for ``month`` and the planted
    mismatch.

    Every centre submits, for each of its staff members with a score, the weighted
    score of each applicable indicator and the total (``indicator == "total"``), exactly
    as :func:`kpilib.scorecard.score_month` computes them under
    ``params/scheme-2026.yaml`` from ``frames`` (rounded to 2 decimals, as the export
    writes them). One centre then gets 3-6 staff members whose score in one indicator,
    and therefore their total, is off by 30-80 % of that indicator's effective weight
    (at least 2 points, the submitted score staying within [0, weight] and the total
    within [0, max_total]); they are returned as
    ``{"unit_code", "indicator", "staff_ids", "differences"}`` (empty when no centre has
    three scored staff whose indicator leaves room for such a difference). ``rng`` is a
    stream of its own, so drawing from it changes no other table.
    """
    columns = TABLES["centre_results"].column_names
    empty = _frame("centre_results", {c: [] for c in columns})
    inputs = {name: frames[name] for name in TABLES if name != "centre_results"}
    data = MonthData(month=month, **inputs, centre_results=empty)
    scheme = load_scheme(_SCHEME_FILE)
    card = score_month(data, scheme)
    centres = card.units.loc[card.units["unit_type"] == "centre", "unit_code"]
    staff = card.staff[card.staff["unit_code"].isin(centres) & card.staff["total"].notna()]
    long = card.long[
        (card.long["entity_type"] == "staff")
        & card.long["applicable"]
        & card.long["entity_id"].isin(staff["staff_id"])
    ]
    parts = pd.DataFrame(
        {
            "unit_code": long["unit_code"].to_numpy(dtype=object),
            "staff_id": long["entity_id"].to_numpy(dtype=object),
            "indicator": long["indicator"].to_numpy(dtype=object),
            "score": long["weighted_score"].to_numpy(dtype=float),
        }
    )
    totals = pd.DataFrame(
        {
            "unit_code": staff["unit_code"].to_numpy(dtype=object),
            "staff_id": staff["staff_id"].to_numpy(dtype=object),
            "indicator": TOTAL_INDICATOR,
            "score": staff["total"].to_numpy(dtype=float),
        }
    )
    table = pd.concat([parts, totals], ignore_index=True)
    order = {sid: i for i, sid in enumerate(staff["staff_id"])}
    table = table.assign(_k=table["staff_id"].map(order), _t=table["indicator"] == TOTAL_INDICATOR)
    table = table.sort_values(["_k", "_t"], kind="stable").drop(columns=["_k", "_t"])
    table = table.reset_index(drop=True)

    # Plant: one centre, 3-6 staff, one indicator off by a plausible amount: 30-80 % of
    # the indicator's (effective) weight and at least _MISMATCH_MIN points, in steps of
    # 0.1, keeping the submitted score within [0, effective weight] and the total within
    # [0, max_total], so that no submitted number is impossible on its own.
    weight = long["effective_weight"].to_numpy(dtype=float)
    score = parts["score"].to_numpy(dtype=float)
    total = parts["staff_id"].map(dict(zip(staff["staff_id"], staff["total"], strict=True)))
    total = total.to_numpy(dtype=float)
    room_up = np.minimum(weight - score, scheme.max_total - total)
    room_down = np.minimum(score, total)
    low = np.ceil(np.maximum(_MISMATCH_MIN, _MISMATCH_SHARE[0] * weight) * 10 - 1e-9)
    high = np.floor(np.minimum(_MISMATCH_SHARE[1] * weight, np.maximum(room_up, room_down)) * 10)
    ok = high >= low
    eligible = parts[ok].assign(
        low=low[ok], high=high[ok], room_up=room_up[ok], room_down=room_down[ok]
    )
    counts = eligible.groupby(["unit_code", "indicator"])["staff_id"].nunique()
    candidates = counts[counts >= 3]
    mismatch: dict[str, object] = {}
    if len(candidates):
        unit, indicator = candidates.index[int(rng.integers(len(candidates)))]
        pool = eligible[(eligible["unit_code"] == unit) & (eligible["indicator"] == indicator)]
        pool = pool.sort_values("staff_id").reset_index(drop=True)
        k = int(min(len(pool), rng.integers(3, 7)))
        chosen = pool.iloc[np.sort(rng.choice(len(pool), size=k, replace=False))]
        differences = {}
        for p in chosen.itertuples(index=False):
            size = int(rng.integers(int(p.low), int(p.high) + 1)) / 10
            up_ok, down_ok = size <= p.room_up, size <= p.room_down
            delta = -size if not up_ok or (down_ok and rng.random() < 0.5) else size
            row = (table["staff_id"] == p.staff_id) & (table["indicator"] == indicator)
            tot = (table["staff_id"] == p.staff_id) & (table["indicator"] == TOTAL_INDICATOR)
            table.loc[row, "score"] += delta
            table.loc[tot, "score"] += delta
            differences[str(p.staff_id)] = delta
        mismatch = {
            "unit_code": str(unit),
            "indicator": str(indicator),
            "staff_ids": [str(s) for s in chosen["staff_id"]],
            "differences": differences,
        }
    table["score"] = np.round(table["score"].to_numpy(dtype=float), 2)
    frame = _frame("centre_results", {c: table[c].to_numpy() for c in columns})
    return frame, mismatch


# --------------------------------------------------------------------------- frames and files


def _frame(table_name: str, data: dict[str, object]) -> pd.DataFrame:
    """Build a canonical frame of ``table_name`` from column -> values, in contract order."""
    table = TABLES[table_name]
    columns = {}
    for col in table.columns:
        values = data[col.name]
        if col.kind in ("str", "category"):
            series = pd.Series(np.asarray(values, dtype=object), dtype="str")
        elif col.kind in ("int", "money"):
            series = pd.Series(np.asarray(values, dtype=np.int64))
        elif col.kind == "float":
            series = pd.Series(np.asarray(values, dtype=float))
        elif col.kind == "bool":
            series = pd.Series(pd.array(values, dtype="boolean"))
        else:  # date or datetime
            series = pd.Series(np.asarray(values, dtype="datetime64[us]"))
        columns[col.name] = series
    return pd.DataFrame(columns)


def _export(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as the export shows it: Chinese headers, every cell a string."""
    out = {}
    for col in table.columns:
        s = frame[col.name]
        if col.kind == "str":
            text = s.fillna("")
        elif col.kind == "category":
            text = s.map(col.choices).fillna("")  # type: ignore[arg-type]
        elif col.kind == "int":
            text = s.astype(np.int64).astype(str)
        elif col.kind == "money":
            fen = s.to_numpy(dtype=np.int64)
            text = (
                pd.Series(fen // 100).astype(str)
                + "."
                + pd.Series(fen % 100).astype(str).str.zfill(2)
            )
        elif col.kind == "float":
            text = pd.Series(_format_floats(s.to_numpy(dtype=float)), dtype=object)
        elif col.kind == "bool":
            text = s.map({True: "是", False: "否"}).fillna("")
        else:
            unit = "D" if col.kind == "date" else "s"
            stamps = s.to_numpy().astype(f"datetime64[{unit}]")
            values = np.datetime_as_string(stamps, unit=unit)
            if unit == "s":
                values = np.strings.replace(values, "T", " ")
            values = values.astype(object)
            values[np.isnat(stamps)] = ""
            text = pd.Series(values, dtype=object)
        out[col.alias] = pd.Series(text.to_numpy(dtype=object), dtype=object)
    return pd.DataFrame(out, columns=[c.alias for c in table.columns])


def _format_floats(values: np.ndarray) -> np.ndarray:
    """Format floats for an export: at most two decimals, no trailing zeros, blank for NaN.

    >>> _format_floats(np.array([87.0, 45600.0, 0.5, 1.25, np.nan])).tolist()
    ['87', '45600', '0.5', '1.25', '']
    """
    out = np.full(len(values), "", dtype=object)
    finite = np.isfinite(values)
    whole = finite & (values == np.round(values))
    out[whole] = values[whole].astype(np.int64).astype(str)
    rest = np.flatnonzero(finite & ~whole)
    out[rest] = [f"{v:.2f}".rstrip("0").rstrip(".") for v in values[rest]]
    return out


def _write_month(folder: Path, frames: dict[str, pd.DataFrame]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        table = TABLES[name]
        suffix, encoding = FILE_FORMATS[name]
        path = folder / f"{table.file_stem}{suffix}"
        text = _export(table, frame)
        if encoding is None:
            _write_atomic(path, _xlsx_bytes(text, title=table.title))
        else:
            data = text.to_csv(index=False, lineterminator="\n")
            _write_atomic(path, data.encode(encoding))


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _xlsx_bytes(text: pd.DataFrame, *, title: str) -> bytes:
    """Return a one-sheet .xlsx holding ``text`` (header row, then every cell as text).

    The workbook is written directly (inline strings, fixed timestamps), which is
    much faster than a general writer and gives the same bytes for the same data.
    """
    import io
    import zipfile
    from xml.sax.saxutils import escape

    letters = [chr(ord("A") + j) for j in range(len(text.columns))]
    if len(letters) > 26:
        raise ValueError(f"at most 26 columns fit this writer, got {len(text.columns)}")
    rows = pd.Series(np.arange(2, len(text) + 2)).astype(str)
    body = pd.Series("", index=rows.index, dtype=object)
    for letter, name in zip(letters, text.columns, strict=True):
        values = text[name].astype(object)
        cells = (
            f'<c r="{letter}'
            + rows
            + '" t="inlineStr"><is><t>'
            + values.map(escape)
            + "</t></is></c>"
        )
        body = body + cells.where(values != "", "")
    header = "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
        for letter, name in zip(letters, text.columns, strict=True)
    )
    sheet = "".join(
        [
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
            f'<sheetData><row r="1">{header}</row>',
            "".join(('<row r="' + rows + '">' + body + "</row>").tolist()),
            "</sheetData></worksheet>",
        ]
    )
    parts = dict(_XLSX_PARTS)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace("{title}", escape(title))
    parts["xl/worksheets/sheet1.xml"] = sheet
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml
            archive.writestr(info, data.encode("utf-8"))
    return buffer.getvalue()


def _temp_path(path: Path) -> Path:
    """Create and return an empty temporary file beside ``path`` (permissions per umask)."""
    for attempt in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{attempt}.tmp")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary file name beside {path}")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
