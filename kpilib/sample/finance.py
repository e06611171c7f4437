"""The finance system's booked revenue of a month (财务入账收入) and the differences
planted in it.

Finance books every real revenue record once, as one voucher line, under the unit of the
contract's responsible customer manager (the unit of the seat the customer belongs to,
which is the unit of the person the record is credited to), a few days after the
business side records it but within the month. The record entered twice on the
business side (:func:`kpilib.sample.anomalies.book_twice`) is one real record: finance
books it once. Then, each month, :func:`finance_revenue` plants one difference of each
kind below (when the month has records to plant it on) and records it as it must appear
in that month's reconciliation (:func:`kpilib.duties.finance.reconcile_finance`):

``wrong_unit``
    a real record that finance books under another unit with revenue this month
    (单位归属不一致).
``not_booked``
    a record finance never books (财务未入账).
``missing_record``
    a finance line on a real contract, for no record of the business side (业务侧缺记录).
``other_month``
    last month's deferred record (see below), booked by finance in the first days of
    this month (跨月入账): finance has it this month, the business side last month.

and one record of the month's last days that finance books only next month: this month
it is not booked (``not_booked``, with ``"booked_in"`` the next month), next month it is
the ``other_month`` line. The chosen records are distinct and are not the duplicated
pair; the ``missing_record`` line is on a contract with no record this month or last
month (of a product some record of the month names, so the loader has nothing to warn
of), so that no difference can explain another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpilib.sample.branch import Branch, Month
from kpilib.sample.canonical import frame, numbered
from kpilib.sample.portfolio import PRODUCTS, Portfolio, contract_ids, customer_ids

_LAG_DAYS = 3  # finance books a record 0-2 days after the business side, within the month
_DEFERRED_DAYS = 3  # a deferred record is from the month's last 3 days, booked by the 3rd


@dataclass
class FinanceState:
    """What one month hands the next: the line finance books late, the month's contracts."""

    #: the finance line of last month's deferred record (canonical columns but
    #: ``voucher_id``), with ``record_id``, ``unit_code``, ``product`` of the record
    deferred: pd.DataFrame | None = None
    deferred_month: str = ""
    #: contract ids of last month's revenue records
    contracts: set[str] = field(default_factory=set)


def finance_revenue(
    b: Branch,
    pf: Portfolio,
    mo: Month,
    revenue: pd.DataFrame,
    staff: pd.DataFrame,
    duplicated: list[str],
    state: FinanceState,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Return the month's ``finance_revenue`` table and the differences planted in it.

    ``revenue`` and ``staff`` are the month's canonical tables, ``duplicated`` the ids of
    the record booked twice (the later id is the copy finance does not book). ``state``
    carries last month's deferred record in and this month's out. Each planted
    difference is ``{"kind", "unit_code", "product", "record_ids", "voucher_ids",
    "amount_fen"}`` (``wrong_unit`` adds ``"finance_unit_code"``, the deferred record
    ``"booked_in"``), as ``planted.json`` holds it.
    """
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    rec = revenue.assign(unit_code=revenue["staff_id"].map(unit_of).to_numpy())
    copy = max(duplicated) if duplicated else None
    booked = rec[rec["record_id"] != copy].reset_index(drop=True)
    free = np.flatnonzero(~booked["record_id"].isin(duplicated).to_numpy())
    rng_pick = rng.permutation(free)
    days = booked["booked_date"].to_numpy().astype("datetime64[D]")
    last_days = days >= mo.start + (mo.days - _DEFERRED_DAYS)
    planted: list[dict[str, object]] = []

    deferred_at = -1
    late = [i for i in rng_pick if last_days[i]]
    if late:
        deferred_at = int(late[0])
    picks = [int(i) for i in rng_pick if i != deferred_at]
    not_booked_at = picks[0] if picks else -1
    # booked under another unit that develops revenue (another county, say)
    units = sorted(set(booked["unit_code"])) if len(set(booked["unit_code"])) > 1 else []
    wrong_at = picks[1] if len(picks) > 1 and units else -1

    lag = rng.integers(0, _LAG_DAYS, len(booked))
    month_end = mo.start + (mo.days - 1)
    lines = pd.DataFrame(
        {
            "booked_date": np.minimum(days + lag, month_end),
            "unit_code": booked["unit_code"].to_numpy(dtype=object),
            "customer_id": booked["customer_id"].to_numpy(dtype=object),
            "contract_id": booked["contract_id"].to_numpy(dtype=object),
            "product": booked["product"].to_numpy(dtype=object),
            "amount_fen": booked["amount_fen"].to_numpy(dtype=np.int64),
            "record_id": booked["record_id"].to_numpy(dtype=object),
            "plant": "",
        }
    )
    if wrong_at >= 0:
        own = lines.loc[wrong_at, "unit_code"]
        others = [u for u in units if u != own]
        lines.loc[wrong_at, "unit_code"] = others[int(rng.integers(len(others)))]
        lines.loc[wrong_at, "plant"] = "wrong_unit"
    drop = [i for i in (not_booked_at, deferred_at) if i >= 0]
    keep = lines.drop(index=drop)

    missing = _missing_record(b, pf, mo, rec, state, rng)
    extra = [] if missing is None else [missing]
    if state.deferred is not None:
        carried = state.deferred.copy()
        carried["booked_date"] = mo.start + rng.integers(0, _DEFERRED_DAYS, len(carried))
        carried["plant"] = "other_month"
        extra.append(carried)
    lines = pd.concat([keep, *extra], ignore_index=True)
    order = np.lexsort((rng.random(len(lines)), lines["booked_date"].to_numpy()))
    lines = lines.iloc[order].reset_index(drop=True)
    lines["voucher_id"] = numbered(f"PZ{mo.yyyymm}", len(lines))

    for line in lines[lines["plant"] != ""].itertuples(index=False):
        entry = {
            "kind": line.plant,
            "unit_code": str(line.unit_code),
            "product": str(line.product),
            "record_ids": [] if line.plant == "missing_record" else [str(line.record_id)],
            "voucher_ids": [str(line.voucher_id)],
            "amount_fen": int(line.amount_fen),
        }
        if line.plant == "wrong_unit":
            entry["unit_code"] = str(booked.loc[wrong_at, "unit_code"])
            entry["finance_unit_code"] = str(line.unit_code)
        if line.plant == "other_month":
            entry["recorded_in"] = state.deferred_month
        planted.append(entry)
    for at, booked_in in ((not_booked_at, None), (deferred_at, _next_month(mo.month))):
        if at < 0:
            continue
        row = booked.iloc[at]
        entry = {
            "kind": "not_booked",
            "unit_code": str(row["unit_code"]),
            "product": str(row["product"]),
            "record_ids": [str(row["record_id"])],
            "voucher_ids": [],
            "amount_fen": int(row["amount_fen"]),
        }
        if booked_in:
            entry["booked_in"] = booked_in
        planted.append(entry)

    state.deferred = None if deferred_at < 0 else _deferred_line(booked, deferred_at)
    state.deferred_month = mo.month
    state.contracts = set(rec["contract_id"])
    table = frame("finance_revenue", {c: lines[c].to_numpy() for c in lines.columns})
    planted.sort(key=lambda p: (p["kind"], p["unit_code"], p["product"], p["amount_fen"]))
    return table, planted


def _deferred_line(booked: pd.DataFrame, at: int) -> pd.DataFrame:
    row = booked.iloc[[at]]
    return pd.DataFrame(
        {
            "booked_date": row["booked_date"].to_numpy(),
            "unit_code": row["unit_code"].to_numpy(dtype=object),
            "customer_id": row["customer_id"].to_numpy(dtype=object),
            "contract_id": row["contract_id"].to_numpy(dtype=object),
            "product": row["product"].to_numpy(dtype=object),
            "amount_fen": row["amount_fen"].to_numpy(dtype=np.int64),
            "record_id": row["record_id"].to_numpy(dtype=object),
        }
    )


def _missing_record(
    b: Branch,
    pf: Portfolio,
    mo: Month,
    rec: pd.DataFrame,
    state: FinanceState,
    rng: np.random.Generator,
) -> pd.DataFrame | None:
    """One finance line on a real contract for which the business side has no record
    this month or last, of a product some record of the month names (None when there is
    no such contract)."""
    signed = np.flatnonzero(pf.con_signed <= mo.start + (mo.days - 1))
    ids = np.array(contract_ids(pf, signed), dtype=object)
    taken = set(rec["contract_id"]) | state.contracts
    names = np.array([p[0] for p in PRODUCTS], dtype=object)[pf.con_product[signed]]
    sold = pd.Series(names).isin(set(rec["product"])).to_numpy()  # else the loader warns
    candidates = signed[~pd.Series(ids).isin(taken).to_numpy() & sold]
    if not len(candidates):
        return None
    c = int(candidates[int(rng.integers(len(candidates)))])
    product = int(pf.con_product[c])
    yuan = PRODUCTS[product][1] * float(np.exp(rng.normal(0.0, 0.5)))
    day = max(mo.start + int(rng.integers(0, mo.days)), pf.con_signed[c].astype("datetime64[D]"))
    return pd.DataFrame(
        {
            "booked_date": [day],
            "unit_code": [str(b.unit_code[b.seat_unit[pf.cust_seat[pf.con_customer[c]]]])],
            "customer_id": customer_ids(pf, pf.con_customer[[c]]),
            "contract_id": contract_ids(pf, np.array([c])),
            "product": [PRODUCTS[product][0]],
            "amount_fen": [max(100, round(yuan * 100))],
            "record_id": [""],
            "plant": ["missing_record"],
        }
    )


def _next_month(month: str) -> str:
    """The month after ``month``.

    >>> _next_month("2026-12")
    '2027-01'
    """
    return str(pd.Period(month, freq="M") + 1)
