"""The department's expense reimbursement ledger (帐务报销台帐) against the year's budget.

Money is integer fen throughout (docs/methods.md §0). The annual budget per category
lives in ``params/budget-<year>.yaml`` as yuan with at most two decimals; reading the
file is I/O (:mod:`kpilib.contract.load`), :func:`budget_from_mapping` converts its mapping to
fen exactly. Each month's budget is the annual amount split into twelve parts by the
largest remainder (:func:`monthly_budget`), so the months sum exactly to the year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from kpilib.contract.calendar import check_month, month_end, month_start
from kpilib.contract.schema import EXPENSE_STATUSES, require_columns

_EXPENSE_COLUMNS = ("claim_id", "category", "amount_fen", "status", "claim_date")


def budget_from_mapping(mapping: Mapping[str, object]) -> dict[str, int]:
    """Convert a category -> annual budget in yuan mapping to int fen, exactly.

    Amounts may be ints, decimal strings, :class:`~decimal.Decimal` or floats as YAML
    parses them (``180000.50``); a float is read through its shortest decimal repr, so
    ``0.1`` is 10 fen, not 10.000000000000000555 fen.

    Parameters
    ----------
    mapping : category name -> annual budget in yuan (at most 2 decimals, ≥ 0), for
        example ``yaml.safe_load(open("params/budget-2026.yaml"))``.

    Returns
    -------
    dict, category -> annual budget in fen (int), in the mapping's order.

    Raises
    ------
    ValueError
        If the mapping is empty, a category name is blank or not a string, or an amount
        is not a number, is negative, infinite, or has more than two decimals; the message
        names the category and the value.

    Examples
    --------
    >>> budget_from_mapping({"差旅费": 180000.5, "业务招待费": "96000", "培训费": 1})
    {'差旅费': 18000050, '业务招待费': 9600000, '培训费': 100}
    >>> budget_from_mapping({"差旅费": 1.005})
    Traceback (most recent call last):
    ...
    ValueError: budget of category '差旅费' must be yuan with at most 2 decimals, got 1.005
    """
    if not isinstance(mapping, Mapping) or not mapping:
        raise ValueError(f"budget must be a non-empty mapping category -> yuan, got {mapping!r}")
    out: dict[str, int] = {}
    for category, value in mapping.items():
        if not isinstance(category, str) or not category.strip():
            raise ValueError(f"budget category names must be non-blank text, got {category!r}")
        if category.strip() != category:
            raise ValueError(f"budget category {category!r} has surrounding spaces")
        out[category] = _yuan_to_fen(category, value)
    return out


def _yuan_to_fen(category: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"budget of category {category!r} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"budget of category {category!r} must be finite, got {value!r}")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(
            f"budget of category {category!r} must be a number, got {value!r}"
        ) from None
    if not amount.is_finite():
        raise ValueError(f"budget of category {category!r} must be finite, got {value!r}")
    if amount < 0:
        raise ValueError(f"budget of category {category!r} must not be negative, got {value!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(
            f"budget of category {category!r} must be yuan with at most 2 decimals, got {value!r}"
        )
    return int(fen)


def monthly_budget(annual_fen: int) -> tuple[int, ...]:
    """Split an annual amount in fen into 12 monthly amounts that sum to it exactly.

    Largest remainder: every month gets ``annual_fen // 12``; the remaining fen (all
    fractions being equal) go one each to the earliest months.

    Examples
    --------
    >>> monthly_budget(100)
    (9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8)
    >>> sum(monthly_budget(18000050)) == 18000050
    True
    """
    if isinstance(annual_fen, bool) or not isinstance(annual_fen, int | np.integer):
        raise ValueError(f"annual_fen must be an int number of fen, got {annual_fen!r}")
    if annual_fen < 0:
        raise ValueError(f"annual_fen must not be negative, got {annual_fen!r}")
    base, left = divmod(int(annual_fen), 12)
    return tuple(base + (1 if i < left else 0) for i in range(12))


def _parse_month(month: object) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    check_month(month)
    return month_start(month), month_end(month), int(month[5:])


def _check_claims(claims: pd.DataFrame, name: str, first: pd.Timestamp, last: pd.Timestamp) -> None:
    require_columns(claims, name, _EXPENSE_COLUMNS)
    if not pd.api.types.is_integer_dtype(claims["amount_fen"]) or claims["amount_fen"].isna().any():
        raise ValueError(
            f"{name}.amount_fen must be whole fen (integer dtype, no blanks), "
            f"got dtype {claims['amount_fen'].dtype}"
        )
    checks = {
        "have a negative amount": claims["amount_fen"] < 0,
        f"have a status outside {list(EXPENSE_STATUSES)}": ~claims["status"].isin(EXPENSE_STATUSES),
        "have a blank category": claims["category"].isna(),
        f"are dated outside {first:%Y-%m-%d} – {last:%Y-%m-%d}": ~pd.to_datetime(
            claims["claim_date"]
        ).between(first, last),
        "appear more than once": claims["claim_id"].duplicated(keep=False),
    }
    for problem, bad in checks.items():
        if bad.any():
            ids = sorted(map(str, claims.loc[bad.to_numpy(bool), "claim_id"].unique()))
            raise ValueError(f"{name}: claims {ids[:10]} {problem}")


def _by_category(claims: pd.DataFrame) -> pd.DataFrame:
    """claims, claimed_fen and fen per status for each category (int64)."""
    table = claims.pivot_table(
        index="category",
        columns="status",
        values="amount_fen",
        aggfunc="sum",
        fill_value=0,
        observed=True,
    ).reindex(columns=list(EXPENSE_STATUSES), fill_value=0)
    table.columns = [f"{status}_fen" for status in EXPENSE_STATUSES]
    table = table.astype("int64")
    table.insert(0, "claimed_fen", table.sum(axis=1).astype("int64"))
    table.insert(0, "claims", claims.groupby("category").size().astype("int64"))
    return table


def expenses_vs_budget(
    expenses: pd.DataFrame,
    budget: Mapping[str, int],
    *,
    month: str,
    year_to_date: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The month's claims per budget category, and the year's spending against plan.

    A claim whose category is not in the budget is not dropped: its category gets a
    row with ``in_budget`` False and a budget of 0, so any payment flags it over budget.

    Parameters
    ----------
    expenses : the month's canonical ``expenses`` table (amounts in int fen).
    budget : category -> annual budget in fen, as :func:`budget_from_mapping` returns.
    month : the month, ``"YYYY-MM"``; every claim of ``expenses`` must be dated in it.
    year_to_date : the year's claims up to the end of ``month``: the earlier months'
        tables concatenated, with or without this month's (a claim id present in both
        is counted once, with this month's row). Omitted: known only in January (the
        month is the year); for later months the year-to-date columns are <NA>.

    Returns
    -------
    DataFrame, one row per budget category (budget order), then the unknown categories
    (sorted), columns
        category : str.
        in_budget : bool, the category is in the budget.
        claims : int, claims of the month.
        claimed_fen : int, amount of the month's claims, any status.
        paid_fen, pending_fen, rejected_fen : int, of which paid (已报销), in approval
            (审批中), rejected (已退回); they sum to claimed_fen.
        annual_budget_fen : int, the year's budget (0 when not in the budget).
        month_budget_fen : int, this month's share of it (:func:`monthly_budget`).
        ytd_budget_fen : int, the shares of January to ``month``.
        ytd_paid_fen : Int64, paid from January to ``month``; <NA> when unknown.
        used_share : float, ytd_paid_fen / annual_budget_fen (预算执行率); NaN when the
            annual budget is 0 or the year-to-date is unknown.
        over_budget : boolean, ytd_paid_fen > ytd_budget_fen (spending ahead of the
            monthly plan); <NA> when the year-to-date is unknown.

    Raises
    ------
    ValueError
        If ``month`` is malformed, a budget amount is not a non-negative int, or a claim
        is dated outside the month (year-to-date: outside January to ``month``), has an
        unknown status, a negative or non-integer amount, or a duplicate id; the message
        names the claims.

    Examples
    --------
    >>> expenses = pd.DataFrame({"claim_id": ["B1", "B2", "B3"],
    ...     "category": ["差旅费", "差旅费", "会议费"], "amount_fen": [150000, 20000, 5000],
    ...     "status": ["paid", "pending", "paid"],
    ...     "claim_date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-01-21"])})
    >>> expenses_vs_budget(expenses, {"差旅费": 1200000}, month="2026-01")[
    ...     ["category", "in_budget", "paid_fen", "month_budget_fen", "over_budget"]]
      category  in_budget  paid_fen  month_budget_fen  over_budget
    0      差旅费       True    150000            100000         True
    1      会议费      False      5000                 0         True
    """
    start, end, m = _parse_month(month)
    if not isinstance(budget, Mapping):
        raise ValueError(f"budget must be a mapping category -> fen, got {type(budget).__name__}")
    for category, amount in budget.items():
        if isinstance(amount, bool) or not isinstance(amount, int | np.integer) or amount < 0:
            raise ValueError(
                f"budget of category {category!r} must be a non-negative int of fen, "
                f"got {amount!r} (convert yuan with budget_from_mapping)"
            )
    _check_claims(expenses, "expenses", start, end)
    month_table = _by_category(expenses)

    ytd_claims: pd.DataFrame | None = None
    if year_to_date is not None:
        year_start = start.replace(month=1)
        _check_claims(year_to_date, "year_to_date", year_start, end)
        earlier = year_to_date[~year_to_date["claim_id"].isin(expenses["claim_id"])]
        ytd_claims = pd.concat([expenses[list(_EXPENSE_COLUMNS)], earlier[list(_EXPENSE_COLUMNS)]])
    elif m == 1:
        ytd_claims = expenses
    ytd_table = _by_category(ytd_claims) if ytd_claims is not None else None

    seen = set(month_table.index) | (set(ytd_table.index) if ytd_table is not None else set())
    unknown = sorted(map(str, seen - set(budget)))
    categories = pd.Index([*budget, *unknown], name="category")

    out = month_table.reindex(categories, fill_value=0).astype("int64")
    out.insert(0, "in_budget", categories.isin(list(budget)))
    annual = pd.Series([int(budget.get(c, 0)) for c in categories], index=categories)
    shares = np.array([monthly_budget(int(a)) for a in annual], dtype="int64").reshape(-1, 12)
    out["annual_budget_fen"] = annual.astype("int64")
    out["month_budget_fen"] = shares[:, m - 1]
    out["ytd_budget_fen"] = shares[:, :m].sum(axis=1).astype("int64")
    if ytd_table is not None:
        ytd_paid = ytd_table["paid_fen"].reindex(categories, fill_value=0).astype("Int64")
    else:
        ytd_paid = pd.Series(pd.NA, index=categories, dtype="Int64")
    out["ytd_paid_fen"] = ytd_paid
    annual_known = out["annual_budget_fen"].where(out["annual_budget_fen"] > 0)
    out["used_share"] = ytd_paid.astype(float) / annual_known  # NaN: no budget or unknown
    out["over_budget"] = (ytd_paid > out["ytd_budget_fen"]).astype("boolean")
    columns = [
        "in_budget", "claims", "claimed_fen", "paid_fen", "pending_fen", "rejected_fen",
        "annual_budget_fen", "month_budget_fen", "ytd_budget_fen", "ytd_paid_fen",
        "used_share", "over_budget",
    ]  # fmt: skip
    return out[columns].reset_index()
