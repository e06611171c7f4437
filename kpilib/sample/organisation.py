"""The branch's organisation: counties and centres, their seats, and the people who
hold the seats over the run (hires, leavers, growth); the units and staff tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.sample import anomalies
from kpilib.sample.branch import (
    BD,
    CENTRES,
    CM,
    COUNTY,
    CP,
    CR,
    GA,
    OA,
    ROLE_CODES,
    SERVICE,
    SUPPORT,
    TS,
    Branch,
    Month,
)
from kpilib.sample.canonical import frame
from kpilib.sample.days import month_bounds
from kpilib.sample.duties import audit_findings
from kpilib.sample.people import people_strings

_TURNOVER = 0.012  # monthly probability that a seat's holder leaves and is replaced
_GROWTH = 0.002  # new seats a month, as a share of the initial seats
_CITY = "云州"  # the branch's (fictional) city, place name of the centres' customers
_PLACE_FIRST = (
    "安宝昌辰崇川大丹德定东丰凤福阜高广桂海汉合和鹤衡洪华怀淮会吉嘉建江金晋荆靖九开康兰乐黎莲临灵"
    "隆鹿罗绵明南宁平清庆泉仁瑞三尚韶石寿双顺松泰桃天通万文西仙祥新兴秀阳永玉元樟镇"
)
_PLACE_SECOND = (
    "安昌城川德都丰宫谷和河湖化江康口乐林陵宁平浦坪山水台田溪阳原源远州泽泉峰岭丘兴定清宜津滨"
)


def build_branch(
    rng: np.random.Generator, months: list[str], *, counties: int, centres: int
) -> Branch:
    """Draw the branch of the whole run: units, seats, people and their turnover.

    Also draws what is fixed for the run: the inspectors' biases, the late county
    (see :mod:`kpilib.sample.anomalies`) and every audit finding.
    """
    n_months = len(months)
    first_start, _ = month_bounds(months[0])

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
    centre_names = [centre_name(i) for i in range(centres)]
    unit_code = np.array(county_codes + centre_codes, dtype=object)
    unit_name = np.array(county_names + centre_names, dtype=object)
    unit_kind = np.array([COUNTY] * counties + centre_kinds, dtype=np.int64)
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
            if CENTRES[k][1] == "service_staff" or k == TS
        )
    )
    first_ga = next((i for i, k in enumerate(centre_kinds) if k == GA), None)
    n_inspectors = max(5, -(-n_service // 40)) if first_ga is not None else 0
    if first_ga is not None:
        centre_size[first_ga] += n_inspectors
    unit_size = np.concatenate([county_size, centre_size]).astype(int)

    seat_unit = np.repeat(np.arange(n_units), unit_size)
    role_parts = []
    for u in range(counties):
        cm = county_cm[u]
        role_parts.append(np.r_[np.full(cm, CM), np.full(county_size[u] - cm, SERVICE)])
    for i, k in enumerate(centre_kinds):
        role_parts.append(np.full(centre_size[i], ROLE_CODES.index(CENTRES[k][1])))
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
        start, days = month_bounds(month)
        candidates = np.flatnonzero((holder >= 0) & ~protected)
        turn = candidates[rng.random(len(candidates)) < _TURNOVER]
        n_growth = int(rng.poisson(_GROWTH * n_seats0))
        n_growth = max(n_growth, 2 - len(turn))
        # New seats: a unit by size, the role its unit employs.
        g_unit = rng.choice(n_units, size=n_growth, p=unit_weight)
        g_role = np.where(
            unit_kind[g_unit] == COUNTY,
            np.where(rng.random(n_growth) < cm_share[g_unit], CM, SERVICE),
            [ROLE_CODES.index(CENTRES[k][1]) for k in np.maximum(unit_kind[g_unit], 0)],
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
    month_starts = np.array([month_bounds(mo)[0] for mo in months])
    p_leave = np.full(n_people, np.datetime64("NaT"), dtype="datetime64[D]")
    leaving = end < n_months
    p_leave[leaving] = month_starts[end[leaving]] + (leave_day[leaving] - 1)

    seat_params = _seat_params(rng, seat_unit, seat_role, unit_kind)
    staff_width = max(5, len(str(n_people)))
    staff_id = [f"S{i:0{staff_width}d}" for i in range(1, n_people + 1)]
    names, phones, ids = people_strings(rng, p_hire_a, p_new=np.concatenate(p_new))

    inspectors = np.sort(holder[inspector_seats]) if len(inspector_seats) else np.zeros(0, int)
    bias, lenient = anomalies.inspector_biases(rng, inspectors)
    late = anomalies.late_county(rng, counties)
    audit = audit_findings(rng, months, unit_code)
    return Branch(
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
        late_county=late,
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


def centre_name(i: int) -> str:
    """Return the name of centre number ``i`` (0-based); numbered variants beyond six.

    >>> centre_name(0), centre_name(6)
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
    """Return the ``seat_*`` rates of :class:`Branch`: what each seat's holder does a month."""
    n = len(seat_unit)
    kind = unit_kind[seat_unit]
    cm = seat_role == CM
    rev = np.where(kind == BD, 7.0, 5.0) * rng.lognormal(0.0, 0.25, n)
    cust = np.select([kind == BD, kind == CR], [1.2, 0.2], 0.7) * rng.lognormal(0.0, 0.3, n)
    # Technical support (Z03) handles the technical stage of orders (line installation,
    # configuration) and technical complaints (faults), inspected like service staff.
    tickets = np.select([kind == CP, kind == OA, kind == TS], [45.0, 60.0, 30.0], 25.0)
    complaint = np.select([kind == CP, kind == OA, kind == TS], [0.92, 0.04, 0.2], 0.35)
    handles = (seat_role == SERVICE) | ((seat_role == SUPPORT) & (kind == TS))
    return {
        "seat_rev_rate": np.where(cm, rev, 0.0),
        "seat_cust_rate": np.where(cm, cust, 0.0),
        "seat_visit": np.where(kind == CR, 1.5, 1.0),
        "seat_churn": rng.beta(2.0, 220.0, n),
        "seat_arpu": rng.lognormal(np.log(55.0), 0.3, n),
        "seat_collect": rng.beta(30.0, 2.0, n),
        "seat_tickets": np.where(handles, tickets * rng.lognormal(0.0, 0.25, n), 0.0),
        "seat_complaint": complaint,
    }


def units(b: Branch) -> pd.DataFrame:
    """The units table: every county and centre, the same every month."""
    return frame(
        "units",
        {
            "unit_code": b.unit_code,
            "unit_name": b.unit_name,
            "unit_type": np.where(b.unit_kind == COUNTY, "county", "centre"),
        },
    )


def staff(b: Branch, mo: Month) -> pd.DataFrame:
    """The staff table of the month: everyone present; a leaving date only in its month."""
    people = mo.people
    leave = b.p_leave[people].copy()
    leave[b.p_end[people] != mo.m] = np.datetime64("NaT")
    return frame(
        "staff",
        {
            "staff_id": [b.staff_id[i] for i in people],
            "name": [b.name[i] for i in people],
            "unit_code": b.unit_code[b.seat_unit[b.p_seat[people]]],
            "role": np.array(ROLE_CODES, dtype=object)[b.seat_role[b.p_seat[people]]],
            "phone": [b.phone[i] for i in people],
            "id_number": [b.id_number[i] for i in people],
            "hire_date": b.p_hire[people],
            "leave_date": leave,
        },
    )
