"""统计: every staff member's development revenue, by product, exact to the fen.

:func:`revenue_by_product` counts each revenue record once, in integer fen, per staff
member and product, and says for every record that is not counted why it is not
(``excluded``: the record ids an approved adjustment excludes, with its reason), and
which counted records are suspected duplicates still awaiting a decision
(:func:`kpilib.duties.checks.duplicate_revenue`: identical in all but the record number;
they stay counted until an adjustment excludes them). Money is integer fen throughout
(docs/methods.md §0.4); ``amount_yuan`` is the same amount as text with two decimals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.schema import require_columns

__all__ = ["REVENUE_COLUMNS", "SUBTOTAL", "fen_text", "revenue_by_product"]

#: ``product`` of each staff member's subtotal row.
SUBTOTAL = "合计"
#: Columns of :func:`revenue_by_product`.
REVENUE_COLUMNS = [
    "staff_id", "name", "unit_code", "product", "records", "amount_fen", "amount_yuan",
    "excluded_records", "excluded_fen", "excluded_reasons", "suspected_duplicates",
    "suspected_fen", "suspected_records",
]  # fmt: skip


def fen_text(fen: int) -> str:
    """Integer fen as yuan with two decimals, exactly.

    >>> fen_text(123456), fen_text(-5), fen_text(0)
    ('1234.56', '-0.05', '0.00')
    """
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def revenue_by_product(
    revenue: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    excluded: pd.DataFrame | None = None,
    duplicates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Revenue per staff member and product, with a subtotal row per staff member.

    Parameters
    ----------
    revenue : canonical ``revenue`` records (``record_id``, ``staff_id``, ``product``,
        ``amount_fen`` int fen).
    staff : canonical ``staff`` table (``staff_id``, ``name``, ``unit_code``).
    excluded : records not counted: ``record_id``, ``reason`` (Chinese); None: none.
    duplicates : :func:`kpilib.duties.checks.duplicate_revenue` of ``revenue``; None:
        none suspected. In each group the copies after the first record number are the
        suspected surplus.

    Returns
    -------
    DataFrame
        Columns :data:`REVENUE_COLUMNS`, one row per staff member with records and
        product, then a row with ``product == "合计"`` (:data:`SUBTOTAL`) per staff
        member; sorted by unit, staff and product. ``records`` and ``amount_fen``
        (int64) are what is counted; ``amount_yuan`` is ``amount_fen`` as text;
        ``excluded_records``, ``excluded_fen`` and ``excluded_reasons`` (``记录号：原因``
        joined with "；") what is not counted; ``suspected_duplicates``,
        ``suspected_fen`` and ``suspected_records`` the counted records suspected to be
        duplicates (not excluded: awaiting confirmation).

    Raises
    ------
    ValueError
        When amounts are not integer fen, a record is credited to someone not on the
        staff list, or ``excluded`` names a record that is not in ``revenue``.

    Examples
    --------
    >>> rev = pd.DataFrame({"record_id": ["R1", "R2", "R3"], "staff_id": "S00001",
    ...     "product": ["专线", "专线", "云"], "amount_fen": [5000, 5001, 700]})
    >>> staff = pd.DataFrame({"staff_id": ["S00001"], "name": ["甲"], "unit_code": ["X01"]})
    >>> out = revenue_by_product(rev, staff, excluded=pd.DataFrame(
    ...     {"record_id": ["R3"], "reason": ["重复录入"]}))
    >>> out[["product", "records", "amount_yuan", "excluded_records"]].values.tolist()
    [['专线', 2, '100.01', 0], ['云', 0, '0.00', 1], ['合计', 2, '100.01', 1]]
    """
    require_columns(revenue, "revenue", ["record_id", "staff_id", "product", "amount_fen"])
    require_columns(staff, "staff", ["staff_id", "name", "unit_code"])
    if not pd.api.types.is_integer_dtype(revenue["amount_fen"].dtype):
        raise ValueError(
            f"revenue.amount_fen must hold integer fen, got dtype {revenue['amount_fen'].dtype}"
        )
    people = staff.drop_duplicates("staff_id").set_index("staff_id")
    stray = revenue.loc[~revenue["staff_id"].isin(people.index), "record_id"].tolist()
    if stray:
        raise ValueError(f"revenue records credited to staff not on the staff list: {stray[:20]}")
    reasons = pd.Series(dtype=object)
    if excluded is not None and len(excluded):
        require_columns(excluded, "excluded", ["record_id", "reason"])
        unknown = sorted(set(excluded["record_id"]) - set(revenue["record_id"]))
        if unknown:
            raise ValueError(f"excluded records that are not in the revenue file: {unknown}")
        reasons = excluded.groupby("record_id")["reason"].agg("、".join)
    suspects: dict[str, str] = {}
    if duplicates is not None and len(duplicates):
        for _, group in duplicates.groupby("group"):
            ids = sorted(group["record_id"])
            suspects.update({rid: ids[0] for rid in ids[1:]})
    rec = revenue.assign(
        reason=revenue["record_id"].map(reasons),
        suspect=revenue["record_id"].map(suspects),
    )
    rec = rec.assign(excluded=rec["reason"].notna())
    rec = rec.assign(suspected=rec["suspect"].notna() & ~rec["excluded"])
    by_product = _sums(rec, ["staff_id", "product"])
    by_staff = _sums(rec, ["staff_id"]).assign(product=SUBTOTAL)
    rows = pd.concat([by_product, by_staff], ignore_index=True).to_dict("records")
    for row in rows:
        row["amount_yuan"] = fen_text(int(row["amount_fen"]))
    # built from plain rows, so that every column has the dtype a table of rows gets
    out = pd.DataFrame(rows, columns=[c for c in REVENUE_COLUMNS if c not in ("name", "unit_code")])
    # the staff table's own dtypes, as the stored (parquet) table has them
    out["name"] = out["staff_id"].map(people["name"])
    out["unit_code"] = out["staff_id"].map(people["unit_code"])
    out["_subtotal"] = out["product"] == SUBTOTAL
    out = out.sort_values(["unit_code", "staff_id", "_subtotal", "product"], kind="stable")
    for col in ("records", "amount_fen", "excluded_records", "excluded_fen"):
        out[col] = out[col].astype(np.int64)
    for col in ("suspected_duplicates", "suspected_fen"):
        out[col] = out[col].astype(np.int64)
    return out[REVENUE_COLUMNS].reset_index(drop=True)


def _sums(rec: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: records and fen counted, excluded and suspected, and the
    excluded and suspected records in words, in record order."""
    rec = rec.sort_values([*keys, "record_id"])
    amount = rec["amount_fen"].to_numpy(dtype=np.int64)
    if len(amount) and int(np.abs(amount).max()) * len(amount) >= 2**63:
        raise ValueError("revenue.amount_fen sums beyond 64-bit integers")  # exactness
    excluded, suspected = rec["excluded"].to_numpy(), rec["suspected"].to_numpy()
    parts = pd.DataFrame(
        {
            **{key: rec[key].to_numpy() for key in keys},
            "records": ~excluded,
            "amount_fen": np.where(excluded, 0, amount),
            "excluded_records": excluded,
            "excluded_fen": np.where(excluded, amount, 0),
            "suspected_duplicates": suspected,
            "suspected_fen": np.where(suspected, amount, 0),
        }
    )
    sums = parts.groupby(keys, sort=True).sum().astype(np.int64)
    dropped = rec[excluded]
    notes = [f"{r}：{why}" for r, why in zip(dropped["record_id"], dropped["reason"], strict=True)]
    reasons = pd.Series(notes, index=dropped.index, dtype=object)
    sums["excluded_reasons"] = _joined(reasons, dropped, keys, sums.index)
    doubles = rec[suspected]
    notes = [
        f"{r}（与{first}相同，待确认）"
        for r, first in zip(doubles["record_id"], doubles["suspect"], strict=True)
    ]
    sums["suspected_records"] = _joined(
        pd.Series(notes, index=doubles.index, dtype=object), doubles, keys, sums.index
    )
    return sums.reset_index()


def _joined(notes: pd.Series, rows: pd.DataFrame, keys: list[str], index: pd.Index) -> list[str]:
    """``notes`` joined with "；" per group of ``keys``, "" for a group without any."""
    if rows.empty:
        return [""] * len(index)
    joined = notes.groupby([rows[key] for key in keys], sort=True).agg("；".join)
    return joined.reindex(index, fill_value="").tolist()
