"""The customer portfolio carried from month to month: customers, their contracts
(with the products sold and how soon each gets archived) and member lines per seat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kpilib.sample.branch import CM, Branch, Month
from kpilib.sample.days import days_between, month_bounds

#: Products: (name, median amount of a revenue record in yuan, share of contracts).
PRODUCTS = (
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
#: The documents a contract's archive holds.
DOCUMENTS = (
    "合同原件",
    "营业执照复印件",
    "法人身份证复印件",
    "授权委托书",
    "业务受理单",
    "资费确认单",
    "开户审批表",
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


@dataclass
class Portfolio:
    """The state carried from month to month: customers, contracts, member lines."""

    cust_seat: np.ndarray
    cust_name: np.ndarray
    con_customer: np.ndarray
    con_signed: np.ndarray  # datetime64[D]
    con_product: np.ndarray
    con_partial: np.ndarray  # months after signing until partly archived (inf: never)
    con_full: np.ndarray  # months after signing until fully archived (inf: never)
    con_missing: np.ndarray  # bit mask over DOCUMENTS missing while partly archived
    seat_members: np.ndarray


def initial_portfolio(b: Branch, rng: np.random.Generator) -> Portfolio:
    """Draw the customers and contracts the customer managers hold before the first month."""
    first_start, _ = month_bounds(b.months[0])
    initial_seats = b.p_seat[~b.p_new]
    cm_seats = initial_seats[b.seat_role[initial_seats] == CM]
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
    return Portfolio(
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


def grow_portfolio(b: Branch, pf: Portfolio, mo: Month, rng: np.random.Generator) -> np.ndarray:
    """Add the month's new customers and contracts; return new customers per present person."""
    cm = b.seat_role[b.p_seat[mo.people]] == CM
    seats = b.p_seat[mo.people]
    lam = b.seat_cust_rate[seats] * b.p_ability[mo.people] * mo.season * mo.frac * cm
    n_new = rng.poisson(lam)
    owner = np.repeat(np.arange(len(mo.people)), n_new)
    day = days_between(rng, mo.first_day[owner], mo.last_day[owner])
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


def archive_status(pf: Portfolio, mo: Month) -> np.ndarray:
    """0 archived, 1 partial, 2 missing, for every contract at the month end."""
    age = (
        np.datetime64(mo.month, "M").astype(np.int64)
        - pf.con_signed.astype("datetime64[M]").astype(np.int64)
    ).astype(float)
    return np.where(age >= pf.con_full, 0, np.where(age >= pf.con_partial, 1, 2))


def customer_ids(pf: Portfolio, customers: np.ndarray) -> list[str]:
    """Customer ids (``JT`` + number) of the customer numbers ``customers``."""
    width = max(8, len(str(len(pf.cust_seat))))
    return [f"JT{c + 1:0{width}d}" for c in customers]


def contract_ids(pf: Portfolio, contracts: np.ndarray) -> list[str]:
    """Contract ids (``HT`` + number) of the contract numbers ``contracts``."""
    width = max(8, len(str(len(pf.con_customer))))
    return [f"HT{c + 1:0{width}d}" for c in contracts]


def _archive_delays(
    rng: np.random.Generator, never_share: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months until each contract is partly and fully archived, and the documents missing."""
    n = len(never_share)
    partial = (rng.geometric(0.6, n) - 1).astype(float)
    full = partial + rng.geometric(0.5, n)
    never = rng.random(n) < never_share
    full[never] = np.inf
    partial[never & (rng.random(n) < 0.3)] = np.inf
    bits = rng.random((n, len(DOCUMENTS))) < 0.25
    bits[np.arange(n), rng.integers(len(DOCUMENTS), size=n)] = True
    mask = bits.astype(np.int64) @ (1 << np.arange(len(DOCUMENTS)))
    return partial, full, mask


def _draw_products(rng: np.random.Generator, n: int) -> np.ndarray:
    share = np.array([p[2] for p in PRODUCTS])
    return rng.choice(len(PRODUCTS), size=n, p=share / share.sum())


def _customer_names(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """Fictional company and institution names, each after its place."""
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
