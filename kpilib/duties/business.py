"""Business results (经营业绩): what the units sold and kept, against target, for the director.

:func:`business_results` puts four measures of every county and centre (and of the whole
department) side by side for the month, the year to date and last year's same month:

- revenue (收入): the revenue credited to the unit's staff, exact in integer fen
  (``MonthFacts.revenue``, docs/methods.md §0.4), against the sum of its staff's revenue
  targets from the month's ``targets`` file (yuan, converted to fen exactly);
- new members (新发展成员): ``activity.new_members`` summed over the unit's staff, against
  the sum of their ``new_members`` targets;
- churn (离网率): churned / base member lines, against the target of the scheme's
  indicator on the ``churn_rate`` source (lower is better);
- collection (回款率): collected / billed, against the target of the scheme's indicator on
  the ``collection_rate`` source.

Every figure comes from the months' facts (:func:`kpilib.duties.facts.month_facts`), so it
agrees with what the scorecard scores. Over several months, money and counts are summed
and a rate is the ratio of the sums, Σ numerator / Σ denominator: the monthly rates
weighted by their denominators, never their plain mean (docs/methods.md §6.11). A month
the data does not have is left out and named in ``note``; it is never counted as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from kpilib.duties.tally import rate
from kpilib.exact import to_fraction
from kpilib.scoring.facts import MonthFacts
from kpilib.scoring.rules import reverse
from kpilib.scoring.scheme import Indicator, Scheme

__all__ = [
    "BUSINESS_COLUMNS",
    "DEPARTMENT",
    "DEPARTMENT_NAME",
    "business_results",
    "months_needed",
]

#: ``unit_code`` and ``unit_name`` of the department's total row (the last row).
DEPARTMENT = ""
DEPARTMENT_NAME = "全部门合计"

#: The columns of :func:`business_results`, in order.
BUSINESS_COLUMNS = [
    "unit_code", "unit_name", "unit_type",
    "revenue_fen", "revenue_target_fen", "revenue_completion",
    "ytd_revenue_fen", "ytd_revenue_target_fen", "ytd_revenue_completion",
    "ly_revenue_fen", "revenue_yoy",
    "new_members", "new_members_target", "new_members_completion",
    "ytd_new_members", "ytd_new_members_target", "ytd_new_members_completion",
    "ly_new_members", "new_members_yoy",
    "churned_members", "base_members", "churn_rate", "churn_target", "churn_completion",
    "ytd_churned_members", "ytd_base_members", "ytd_churn_rate", "ytd_churn_completion",
    "ly_churn_rate", "churn_yoy",
    "collected_fen", "billed_fen", "collection_rate", "collection_target",
    "collection_completion",
    "ytd_collected_fen", "ytd_billed_fen", "ytd_collection_rate", "ytd_collection_completion",
    "ly_collection_rate", "collection_yoy",
    "ytd_months", "last_year_month", "note",
]  # fmt: skip

#: The per-unit sums of one month (or of several) that every measure is computed from.
_SUMS = (
    "revenue_fen", "revenue_target_fen", "new_members", "new_members_target",
    "churned_members", "base_members", "collected_fen", "billed_fen",
)  # fmt: skip
_INTEGER = ("revenue_fen", "revenue_target_fen", "new_members")
_RATES = ("churn_rate", "collection_rate")


def months_needed(month: str) -> list[str]:
    """The earlier months :func:`business_results` uses for ``month``, oldest first:
    last year's same month, then this year's months before ``month``.

    >>> months_needed("2026-03")
    ['2025-03', '2026-01', '2026-02']
    >>> months_needed("2026-01")
    ['2025-01']
    """
    period = _period(month, "month")
    ytd = [str(p) for p in pd.period_range(f"{period.year}-01", period, freq="M")][:-1]
    return [str(period - 12), *ytd]


def business_results(
    facts: MonthFacts, scheme: Scheme, *, earlier: Sequence[MonthFacts] = ()
) -> pd.DataFrame:
    """Revenue, new members, churn and collection per unit against target: the month, the
    year to date and last year's same month.

    Year to date is January to ``facts.month`` of the same year, over the months given
    (this one and those of ``earlier`` in the year); last year's same month is
    ``facts.month`` minus 12 months when ``earlier`` holds it. Other months of
    ``earlier`` are ignored. Money and counts are summed over the months, a rate is
    Σ numerator / Σ denominator over them (docs/methods.md §6.11), and a unit's target is
    the sum of its staff's targets (revenue, new members) or the scheme's target (churn,
    collection rate). Completion (完成率) is value / target; for churn, lower is better,
    it is the scheme's reverse achievement ratio (target / rate, the indicator's cap when
    the rate is 0; docs/methods.md §1.3a). The department row sums every unit of each
    month, units that are no longer in the month's ``units`` table included.

    Parameters
    ----------
    facts : MonthFacts
        The month's facts (:func:`kpilib.duties.facts.month_facts`).
    scheme : Scheme
        The year's scheme: the targets of its indicators on the ``churn_rate`` and
        ``collection_rate`` sources (one target each) and the churn indicator's reverse
        parameters.
    earlier : sequence of MonthFacts, keyword-only
        Earlier months' facts, each month at most once (e.g. those of
        :func:`months_needed`); a month missing here is left out of the year to date (or
        leaves last year's columns empty) and named in ``note``.

    Returns
    -------
    DataFrame
        One row per unit of ``facts.units`` in its order, then the department's total
        (``unit_code`` :data:`DEPARTMENT`, ``unit_name`` :data:`DEPARTMENT_NAME`,
        ``unit_type`` ""). Columns (:data:`BUSINESS_COLUMNS`); ``ytd_`` columns are the
        year to date, ``ly_`` columns last year's same month:

        - unit_code, unit_name, unit_type : str.
        - revenue_fen, ytd_revenue_fen, ly_revenue_fen : Int64, revenue in fen (a unit
          without records: 0; last year: NA without that month or unit).
        - revenue_target_fen, ytd_revenue_target_fen : Int64, sum of the staff's revenue
          targets in fen (a target in yuan with more than two decimals is rounded to the
          fen, half away from zero); NA when no target is set (all 0).
        - revenue_completion, ytd_revenue_completion : float, revenue / target.
        - revenue_yoy : float, revenue / last year's − 1 (NaN when last year's is 0 or NA).
        - new_members, ytd_new_members, ly_new_members : Int64, new member lines (NA for a
          unit without activity rows).
        - new_members_target, ytd_new_members_target : float, sum of the staff's targets
          (NaN when none is set); new_members_completion, ytd_new_members_completion :
          float; new_members_yoy : float, relative change as for revenue.
        - churned_members, base_members, ytd_churned_members, ytd_base_members : float,
          the numerator and denominator of the churn rate.
        - churn_rate, ytd_churn_rate, ly_churn_rate : float, churned / base (NaN when the
          base is 0 or unknown); churn_target : float, the scheme's (the same for the
          year to date); churn_completion, ytd_churn_completion : float, reverse
          achievement ratio; churn_yoy : float, churn_rate − ly_churn_rate.
        - collected_fen, billed_fen, ytd_collected_fen, ytd_billed_fen : float, fen.
        - collection_rate, ytd_collection_rate, ly_collection_rate : float, collected /
          billed (NaN when nothing is billed); collection_target : float, the scheme's;
          collection_completion, ytd_collection_completion : float, rate / target;
          collection_yoy : float, collection_rate − ly_collection_rate.
        - ytd_months : int64, the months counted in the year to date (this one included).
        - last_year_month : str, ``YYYY-MM``.
        - note : str, Chinese: every reason a value is missing or partial (months not in
          the data, no target, no activity, a zero denominator); "" when none.

    Raises
    ------
    TypeError
        When ``facts`` or an element of ``earlier`` is not a MonthFacts.
    ValueError
        When a month of ``earlier`` is not before ``facts.month`` or appears twice, a
        target names a staff member not in that month's staff list, or the scheme has no
        single target for the churn or collection rate.

    Examples
    --------
    See ``tests/test_business.py`` for months computed by hand.
    """
    if not isinstance(facts, MonthFacts):
        raise TypeError(f"facts must be a MonthFacts, got {type(facts).__name__}")
    month = _period(facts.month, "facts.month")
    by_month: dict[pd.Period, MonthFacts] = {}
    for i, item in enumerate(earlier):
        if not isinstance(item, MonthFacts):
            raise TypeError(f"earlier[{i}] must be a MonthFacts, got {type(item).__name__}")
        p = _period(item.month, f"earlier[{i}].month")
        if p >= month:
            raise ValueError(f"earlier[{i}] is {item.month}, not before {facts.month}")
        if p in by_month:
            raise ValueError(f"earlier holds {item.month} twice")
        by_month[p] = item
    churn = _scheme_indicator(scheme, "churn_rate")
    collection = _scheme_indicator(scheme, "collection_rate")

    ytd_periods = list(pd.period_range(f"{month.year}-01", month, freq="M"))[:-1]
    ytd_earlier = [by_month[p] for p in ytd_periods if p in by_month]
    ytd_absent = [str(p) for p in ytd_periods if p not in by_month]
    last_year = month - 12
    ly_facts = by_month.get(last_year)

    units = facts.units[["unit_code", "unit_name", "unit_type"]].astype(str)
    codes = pd.Index(units["unit_code"], name="unit_code")
    this = _figures(facts)
    # money and counts are whole numbers held in float64: their sums are exact below 2**53
    ytd_sums = pd.concat([this, *map(_figures, ytd_earlier)]).groupby(level=0).sum(min_count=1)
    ly_sums = _figures(ly_facts) if ly_facts is not None else this.iloc[0:0]

    def measures(per_unit: pd.DataFrame) -> pd.DataFrame:
        """The units of this month in order, then the department (every unit summed)."""
        total = per_unit.sum(min_count=1).to_frame(DEPARTMENT).T
        return _measures(pd.concat([per_unit.reindex(codes), total]), churn, collection)

    now, ytd, ly = measures(this), measures(ytd_sums), measures(ly_sums)
    total_row = {"unit_code": DEPARTMENT, "unit_name": DEPARTMENT_NAME, "unit_type": ""}
    out = pd.concat([units, pd.DataFrame([total_row])], ignore_index=True)
    periods = {"ytd_": ytd, "ly_": ly}  # column prefix -> its table; no prefix: the month
    for col in BUSINESS_COLUMNS[3:-3]:
        if col.endswith("_yoy"):
            continue
        prefix = next((p for p in periods if col.startswith(p)), "")
        name = col.removeprefix(prefix)
        values = periods.get(prefix, now)[name].to_numpy(dtype=float)
        out[col] = _integers(values) if name in _INTEGER else values
    for measure in ("revenue", "new_members"):
        out[f"{measure}_yoy"] = _growth(now, ly, "revenue_fen" if measure == "revenue" else measure)
    for measure in ("churn", "collection"):
        out[f"{measure}_yoy"] = (now[f"{measure}_rate"] - ly[f"{measure}_rate"]).to_numpy()
    out["ytd_months"] = np.int64(1 + len(ytd_earlier))
    out["last_year_month"] = str(last_year)
    known_ly = set() if ly_facts is None else set(ly_facts.units["unit_code"].astype(str))
    out["note"] = [
        _note(row, ytd_absent, last_year, ly_facts is not None, known_ly)
        for row in out.itertuples(index=False)
    ]
    return out[BUSINESS_COLUMNS]


# ------------------------------------------------------------------------------------------
def _period(month: object, name: str) -> pd.Period:
    if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
        raise ValueError(f"{name} must be a month YYYY-MM, got {month!r}")
    try:
        return pd.Period(month, freq="M")
    except ValueError as exc:
        raise ValueError(f"{name} must be a month YYYY-MM, got {month!r}") from exc


def _scheme_indicator(scheme: Scheme, source: str) -> Indicator:
    """The scheme's indicator on ``source`` with a fixed target (exactly one target)."""
    if not isinstance(scheme, Scheme):
        raise TypeError(f"scheme must be a Scheme, got {type(scheme).__name__}")
    found = [
        ind
        for ind in scheme.indicators.values()
        if ind.source == source and isinstance(ind.target, float)
    ]
    targets = {ind.target for ind in found}
    if len(targets) != 1:
        raise ValueError(
            f"the scheme {scheme.name!r} needs one target for the {source!r} source, "
            f"got {sorted(targets) or 'none'} (indicators {[i.code for i in found]})"
        )
    return found[0]


def _fen(yuan: object, staff_id: object) -> int:
    """A target in yuan as integer fen, from the value as written, half away from zero."""
    if isinstance(yuan, float) and math.isfinite(yuan):
        # the usual case, computed as below but in C: the decimal as written
        # (to_fraction's repr, at most 17 digits, held exactly) times 100, rounded
        written = Decimal(repr(float(yuan))) * 100
        return int(written.to_integral_value(rounding=ROUND_HALF_UP))
    exact = to_fraction(yuan, name=f"revenue target of {staff_id}") * 100
    whole = abs(exact)
    fen = int(whole) + (1 if whole - int(whole) >= Fraction(1, 2) else 0)
    return fen if exact >= 0 else -fen


def _figures(facts: MonthFacts) -> pd.DataFrame:
    """One month's sums per unit (index ``unit_code``): the columns of :data:`_SUMS`."""
    units = pd.Index(facts.units["unit_code"].astype(str), name="unit_code")
    out = pd.DataFrame(index=units)
    revenue = facts.revenue.groupby(facts.revenue["unit_code"].astype(str))["amount_fen"].sum()
    out["revenue_fen"] = revenue.reindex(units, fill_value=0).astype("int64").astype(float)

    unit_of = facts.staff.set_index(facts.staff["staff_id"].astype(str))["unit_code"].astype(str)
    targets = facts.targets.assign(staff_id=facts.targets["staff_id"].astype(str))
    # membership on plain objects: isin on an Arrow-backed column converts every staff id
    # of ``unit_of`` to an Arrow scalar, one by one
    ids = pd.Series(targets["staff_id"].to_numpy(dtype=object), dtype=object)
    unknown = ~ids.isin(unit_of.index.to_numpy(dtype=object)).to_numpy()
    if unknown.any():
        raise ValueError(
            f"{facts.month}: targets for staff not in the staff list: "
            f"{sorted(targets.loc[unknown, 'staff_id'].unique())[:10]}"
        )
    targets = targets.assign(unit_code=targets["staff_id"].map(unit_of))
    kind = targets["indicator"].astype(str)
    set_ = targets["target"].astype(float) > 0  # 0 means no target (data contract)
    rev = targets[(kind == "revenue") & set_]
    fen_of: dict[tuple[type, object], int] = {}  # many staff share a target: convert once
    for value, staff_id in zip(rev["target"].tolist(), rev["staff_id"].tolist(), strict=True):
        if (type(value), value) not in fen_of:
            fen_of[type(value), value] = _fen(value, staff_id)
    fen = pd.Series(
        [fen_of[type(value), value] for value in rev["target"].tolist()],
        index=rev.index,
        dtype="int64",
    )
    rev_target = fen.groupby(rev["unit_code"]).sum().reindex(units)
    out["revenue_target_fen"] = rev_target.astype(float)
    new = targets[(kind == "new_members") & set_]
    out["new_members_target"] = (
        new["target"].astype(float).groupby(new["unit_code"]).sum().reindex(units)
    )
    unit_facts = facts.units.set_index(units)
    for col in ("new_members", "churned_members", "base_members", "collected_fen", "billed_fen"):
        out[col] = unit_facts[col].astype(float)
    return out[list(_SUMS)]


def _measures(sums: pd.DataFrame, churn: Indicator, collection: Indicator) -> pd.DataFrame:
    """Rates and completions of per-unit sums (one month's, or several months' summed)."""
    out = sums.copy()
    out["revenue_completion"] = rate(sums["revenue_fen"], sums["revenue_target_fen"])
    out["new_members_completion"] = rate(sums["new_members"], sums["new_members_target"])
    out["churn_rate"] = rate(sums["churned_members"], sums["base_members"])
    out["churn_target"] = float(churn.target)  # type: ignore[arg-type]
    known = out["churn_rate"].notna()
    out["churn_completion"] = np.nan
    if known.any():
        out.loc[known, "churn_completion"] = reverse(
            out.loc[known, "churn_rate"].to_numpy(),
            float(churn.target),  # type: ignore[arg-type]
            method=churn.params["method"],
            cap=churn.params["cap"],
        )
    out["collection_rate"] = rate(sums["collected_fen"], sums["billed_fen"])
    out["collection_target"] = float(collection.target)  # type: ignore[arg-type]
    out["collection_completion"] = out["collection_rate"] / out["collection_target"]
    return out


def _growth(now: pd.DataFrame, before: pd.DataFrame, column: str) -> np.ndarray:
    """now / before − 1 of ``column``; NaN when ``before`` is not positive or missing."""
    return (rate(now[column], before[column]) - 1.0).to_numpy()


def _integers(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as float (NaN: missing) as Int64."""
    return pd.array(np.round(values), dtype="Float64").astype("Int64")


def _note(row, ytd_absent: list[str], last_year: pd.Period, has_ly: bool, known_ly) -> str:
    parts = []
    if ytd_absent:
        parts.append(f"年累计缺少{'、'.join(ytd_absent)}的数据，累计值只含其余{row.ytd_months}个月")
    if not has_ly:
        parts.append(f"数据中没有去年同月（{last_year}），不计算同比")
    elif row.unit_code != DEPARTMENT and row.unit_code not in known_ly:
        parts.append(f"去年同月（{last_year}）没有该单位，不计算同比")
    no_business = (
        pd.isna(row.revenue_target_fen)
        and pd.isna(row.new_members_target)
        and not row.base_members > 0
        and not row.revenue_fen > 0
    )
    if no_business:
        parts.append("本月无收入、经营目标和成员业务，各项不适用")
        return "；".join(parts)
    if pd.isna(row.revenue_target_fen):
        parts.append("未下达收入目标，收入完成率不适用")
    if pd.isna(row.base_members):
        parts.append("本月无业务量记录，新发展成员、离网率、回款率不适用")
    else:
        if pd.isna(row.new_members_target):
            parts.append("未下达新发展成员目标，完成率不适用")
        if not row.base_members > 0:
            parts.append("成员基数为0，离网率不适用")
        if not row.billed_fen > 0:
            parts.append("应收金额为0，回款率不适用")
    return "；".join(parts)
