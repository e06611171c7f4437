"""The customer managers' business of a month: targets, activity, revenue and the
contracts table, drawn from the portfolio (:mod:`kpilib.sample.portfolio`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.schema import TARGET_INDICATORS
from kpilib.sample import anomalies
from kpilib.sample.branch import CM, CR, Branch, Month, hired_in
from kpilib.sample.canonical import frame, numbered
from kpilib.sample.days import days_between
from kpilib.sample.portfolio import (
    DOCUMENTS,
    PRODUCTS,
    Portfolio,
    archive_status,
    contract_ids,
    customer_ids,
)

_AMOUNT_SIGMA = 0.7  # log-normal spread of a revenue record's amount around its median


def contracts(b: Branch, pf: Portfolio, mo: Month) -> pd.DataFrame:
    """Every contract of the portfolio at the month end, with its archive status."""
    status = archive_status(pf, mo)
    every = ";".join(DOCUMENTS)
    lookup = np.array(
        [
            ";".join(d for j, d in enumerate(DOCUMENTS) if mask >> j & 1) or None
            for mask in range(1 << len(DOCUMENTS))
        ],
        dtype=object,
    )
    missing = np.where(status == 0, None, np.where(status == 1, lookup[pf.con_missing], every))
    holder = mo.end_holder[pf.cust_seat[pf.con_customer]]
    return frame(
        "contracts",
        {
            "contract_id": contract_ids(pf, np.arange(len(pf.con_customer))),
            "customer_id": customer_ids(pf, pf.con_customer),
            "customer_name": pf.cust_name[pf.con_customer],
            "staff_id": np.array(b.staff_id, dtype=object)[holder],
            "signed_date": pf.con_signed,
            "archive_status": np.array(["archived", "partial", "missing"], dtype=object)[status],
            "missing_documents": missing,
        },
    )


def revenue(
    b: Branch, pf: Portfolio, mo: Month, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[str]]:
    """The month's revenue records and the ids of the record booked twice (see
    :func:`kpilib.sample.anomalies.book_twice`)."""
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
    day = days_between(rng, mo.first_day[owner], mo.last_day[owner])
    signed_day = (pf.con_signed[contract] - mo.start).astype(np.int64) + 1
    day = np.maximum(day, signed_day)
    product = pf.con_product[contract]
    median = np.array([p[1] for p in PRODUCTS])[product]
    yuan = median * np.exp(rng.normal(0.0, _AMOUNT_SIGMA, len(owner))) * np.sqrt(mo.season)
    fen = np.maximum(100, np.round(yuan * 100)).astype(np.int64)
    dup, (owner, contract, day, product, fen) = anomalies.book_twice(
        rng, (owner, contract, day, product, fen)
    )
    order = np.lexsort((rng.random(len(owner)), day))
    record_id = np.empty(len(owner), dtype=object)
    record_id[order] = numbered(f"R{mo.yyyymm}", len(owner))
    duplicated = [] if dup < 0 else sorted([record_id[dup], record_id[-1]])
    staff = np.array(b.staff_id, dtype=object)[mo.people[owner]]
    table = frame(
        "revenue",
        {
            "record_id": record_id[order],
            "staff_id": staff[order],
            "customer_id": customer_ids(pf, pf.con_customer[contract[order]]),
            "contract_id": contract_ids(pf, contract[order]),
            "product": np.array([p[0] for p in PRODUCTS], dtype=object)[product[order]],
            "amount_fen": fen[order],
            "booked_date": mo.start + (day[order] - 1),
        },
    )
    return table, duplicated


def activity(
    b: Branch,
    pf: Portfolio,
    mo: Month,
    rng: np.random.Generator,
    new_customers: np.ndarray,
) -> pd.DataFrame:
    """Everyone's activity of the month; updates the member lines carried to the next."""
    people = mo.people
    seats = b.p_seat[people]
    cm = b.seat_role[seats] == CM
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
    status = archive_status(pf, mo)
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
    return frame(
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


def targets(b: Branch, pf: Portfolio, mo: Month, rng: np.random.Generator) -> pd.DataFrame:
    """The customer managers' targets (base, target, challenge) for every target indicator."""
    people = mo.people[b.seat_role[b.p_seat[mo.people]] == CM]
    seats = b.p_seat[people]
    n = len(people)
    ability = b.p_ability[people]
    kind = b.unit_kind[b.seat_unit[seats]]
    mean_amount = sum(p[1] * p[2] for p in PRODUCTS) / sum(p[2] for p in PRODUCTS)
    mean_amount *= np.exp(_AMOUNT_SIGMA**2 / 2)
    has_contracts = np.isin(seats, pf.cust_seat)
    expected = {
        "revenue": b.seat_rev_rate[seats] * ability * mo.season * mean_amount * has_contracts,
        "new_members": (20.0 * ability + 12.0 * b.seat_cust_rate[seats] * ability) * mo.season,
        "new_customers": b.seat_cust_rate[seats] * ability * mo.season,
        "visits": 18.0 * b.seat_visit[seats] * mo.season,
    }
    new_hire = hired_in(b, people, mo.m)
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
        none = new_hire | ((indicator == "new_customers") & (kind == CR))
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
    return frame(
        "targets",
        {
            "staff_id": np.array(b.staff_id, dtype=object)[table["i"].to_numpy()],
            "indicator": table["indicator"].to_numpy(dtype=object),
            "base": table["base"].to_numpy(),
            "target": table["target"].to_numpy(),
            "challenge": table["challenge"].to_numpy(),
        },
    )
