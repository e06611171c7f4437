"""The branch's state: its units, seats and people for the whole run, and who is
present in one month.

:class:`Branch` is fixed once built (see :mod:`kpilib.sample.organisation`);
:func:`presence` reads from it who works in month ``m`` and on which days. The codes
of unit kinds and roles that every part of the generator uses are declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpilib.contract.schema import ROLES
from kpilib.sample.days import month_bounds

#: The centres of the department: (name, role of its staff, typical head count).
CENTRES: tuple[tuple[str, str, int], ...] = (
    ("业务拓展中心", "customer_manager", 20),
    ("客户关系中心", "customer_manager", 18),
    ("技术支撑中心", "support_staff", 15),
    ("投诉管理中心", "service_staff", 24),
    ("业务受理中心", "service_staff", 26),
    ("综合管理中心", "support_staff", 7),
)
BD, CR, TS, CP, OA, GA = range(6)  # centre kinds, in the order of CENTRES
COUNTY = -1  # unit kind of a county company

ROLE_CODES = tuple(ROLES)  # customer_manager, service_staff, support_staff
CM, SERVICE, SUPPORT = range(3)

# Calendar effects: Spring Festival dip in February, year-end push in December.
_SEASON = np.array([0.92, 0.72, 1.0, 1.0, 1.02, 1.08, 0.96, 0.95, 1.0, 0.94, 1.04, 1.3])


@dataclass
class Branch:
    """Everything that is fixed for the whole run: units, seats and people.

    Seats are positions in units; people hold seats between their hire and
    leave months. Arrays are indexed by unit, seat or person number.
    """

    months: list[str]
    unit_code: np.ndarray
    unit_name: np.ndarray
    unit_kind: np.ndarray  # COUNTY or a centre kind
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


@dataclass(frozen=True)
class Month:
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


def hired_in(b: Branch, people: np.ndarray, m: int) -> np.ndarray:
    """Mask over ``people`` (person numbers): hired during month number ``m``."""
    return b.p_new[people] & (b.p_start[people] == m)


def presence(b: Branch, m: int) -> Month:
    """Return who is present in month number ``m`` of ``b.months``, and on which days."""
    month = b.months[m]
    start, days = month_bounds(month)
    present = (b.p_start <= m) & (b.p_end >= m)
    people = np.flatnonzero(present)
    joined = hired_in(b, people, m)
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
    return Month(
        m, month, start, days, season, people, first_day, last_day, start_holder, end_holder
    )
