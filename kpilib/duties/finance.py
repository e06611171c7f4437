"""统计, 真实准确: the staff revenue records reconciled against the finance system's
booked revenue, per unit and product, to the fen.

:func:`reconcile_finance` compares the month's ``revenue`` records (the business side:
each record counted under the unit of the staff member it is credited to) with the
month's ``finance_revenue`` lines (what finance booked, under the unit it booked them),
and explains every difference by the records and voucher lines that make it: a record
entered twice, a record finance did not book, a finance line without a record, a record
booked in the other month, a record booked under another unit, an amount that differs.
Whatever the records do not explain is stated as an unexplained remainder, never
dropped. Money is integer fen throughout (docs/methods.md §0.4); the method is
docs/methods.md §6.10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpilib.contract.calendar import check_month
from kpilib.contract.schema import require_columns
from kpilib.duties.checks import duplicate_revenue

__all__ = [
    "DIFFERENCE_COLUMNS",
    "DIFFERENCE_KINDS",
    "PAIR_COLUMNS",
    "FinanceReconciliation",
    "reconcile_finance",
]

#: Kind of a difference line -> its name in the reports.
DIFFERENCE_KINDS = {
    "duplicate": "重复录入",
    "not_booked": "财务未入账",
    "missing_record": "业务侧缺记录",
    "other_month": "跨月入账",
    "wrong_unit": "单位归属不一致",
    "amount_mismatch": "金额不一致",
    "unexplained": "未解释差额",
}
#: A record and a finance line are the same booking when these agree.
MATCH_KEY = ["contract_id", "product", "amount_fen"]
#: Columns of :attr:`FinanceReconciliation.pairs`.
PAIR_COLUMNS = [
    "unit_code", "product", "staff_records", "staff_fen", "finance_lines", "finance_fen",
    "difference_fen", "explained_fen", "unexplained_fen", "ok",
]  # fmt: skip
#: Columns of :attr:`FinanceReconciliation.differences`.
DIFFERENCE_COLUMNS = [
    "unit_code", "product", "kind", "record_ids", "voucher_ids", "contract_id", "staff_fen",
    "finance_fen", "difference_fen", "explanation",
]  # fmt: skip
_REVENUE = ["record_id", "staff_id", "contract_id", "product", "amount_fen", "booked_date"]
_FINANCE = ["voucher_id", "unit_code", "contract_id", "product", "amount_fen", "booked_date"]
_SEP = "、"


@dataclass(frozen=True)
class FinanceReconciliation:
    """The month's revenue records against finance (:func:`reconcile_finance`).

    Attributes
    ----------
    pairs : one row per unit and product on either side (see :data:`PAIR_COLUMNS`).
    differences : one row per difference line (see :data:`DIFFERENCE_COLUMNS`).
    """

    pairs: pd.DataFrame
    differences: pd.DataFrame


def reconcile_finance(
    revenue: pd.DataFrame,
    finance: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    month: str,
    duplicates: pd.DataFrame | None = None,
    previous_revenue: pd.DataFrame | None = None,
    previous_finance: pd.DataFrame | None = None,
    excluded: pd.DataFrame | None = None,
) -> FinanceReconciliation:
    """Reconcile the month's revenue records with finance's booked revenue, to the fen.

    A record and a finance line are the same booking when contract, product and amount
    agree (:data:`MATCH_KEY`); records and lines are paired in that order, the k-th
    record of a key (by booking date, then record number) with the k-th line (by
    booking date, then voucher number). What stays unpaired is explained in this order
    (docs/methods.md §6.10):

    1. a paired record and line under different units: 单位归属不一致, one line for each
       unit (the record's unit has the amount more than finance, the line's unit less);
    2. a record whose booking finance made last month, or a line whose record the
       business side entered last month (paired with last month's unpaired lines and
       records): 跨月入账;
    3. a record and a line of the same unit, contract and product with different
       amounts: 金额不一致;
    4. an unpaired record identical to another record but for its number (``duplicates``)
       and not the first of them: 重复录入; any other unpaired record: 财务未入账; any
       other unpaired line: 业务侧缺记录.

    Parameters
    ----------
    revenue : canonical ``revenue`` records (``record_id``, ``staff_id``,
        ``contract_id``, ``product``, ``amount_fen`` int fen, ``booked_date``).
    finance : canonical ``finance_revenue`` lines (``voucher_id``, ``unit_code``,
        ``contract_id``, ``product``, ``amount_fen`` int fen, ``booked_date``).
    staff : canonical ``staff`` (``staff_id``, ``unit_code``): a record's unit is its
        staff member's.
    month : the month reconciled, ``YYYY-MM`` (named in the explanations).
    duplicates : :func:`kpilib.duties.checks.duplicate_revenue` of ``revenue``; None:
        computed here.
    previous_revenue, previous_finance : last month's records and lines; None (either):
        booking across months is not looked for, and the explanations say so.
    excluded : records an approved adjustment excludes from the scored revenue
        (``record_id``, ``reason``); they stay in the reconciliation (it compares the
        records as entered) and the explanation of their line says they are excluded.
        None: none.

    Returns
    -------
    FinanceReconciliation
        ``pairs``: one row per unit and product with records or lines, sorted by unit
        and product: ``unit_code``, ``product``, ``staff_records`` (int), ``staff_fen``
        (int, the records' sum), ``finance_lines`` (int), ``finance_fen`` (int, the
        lines' sum), ``difference_fen`` (staff − finance), ``explained_fen`` (the sum of
        the unit and product's difference lines), ``unexplained_fen`` (difference −
        explained), ``ok`` (bool, difference exactly 0).

        ``differences``: one row per difference line, sorted by unit, product and kind:
        ``unit_code``, ``product``, ``kind`` (a code of :data:`DIFFERENCE_KINDS`),
        ``record_ids`` and ``voucher_ids`` (the records and finance lines that explain
        it, joined with "、", "" when none), ``contract_id``, ``staff_fen`` and
        ``finance_fen`` (what those records and lines add to this unit and product),
        ``difference_fen`` (staff − finance), ``explanation`` (Chinese). Each pair's
        lines sum to its difference; a remainder the records do not explain is a line
        of kind ``unexplained``.

    Raises
    ------
    ValueError
        When a column is missing, ``month`` is not ``YYYY-MM``, a record names a staff
        member not in ``staff``, or an amount is not integer fen.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S1", "S2"], "unit_code": ["X01", "X02"]})
    >>> day = pd.Timestamp("2026-10-05")
    >>> rev = pd.DataFrame({"record_id": ["R1", "R2"], "staff_id": ["S1", "S2"],
    ...     "customer_id": "G1", "contract_id": ["K1", "K2"], "product": "专线",
    ...     "amount_fen": [500000, 12345], "booked_date": day})
    >>> fin = pd.DataFrame({"voucher_id": ["V1"], "unit_code": ["X01"],
    ...     "contract_id": ["K1"], "product": ["专线"], "amount_fen": [500000],
    ...     "booked_date": day})
    >>> out = reconcile_finance(rev, fin, staff, month="2026-10")
    >>> out.pairs[["unit_code", "staff_fen", "finance_fen", "ok"]].values.tolist()
    [['X01', 500000, 500000, True], ['X02', 12345, 0, False]]
    >>> out.differences[["unit_code", "kind", "record_ids", "difference_fen"]].values.tolist()
    [['X02', 'not_booked', 'R2', 12345]]
    """
    check_month(month)
    require_columns(revenue, "revenue", _REVENUE)
    require_columns(finance, "finance_revenue", _FINANCE)
    require_columns(staff, "staff", ["staff_id", "unit_code"])
    previous = None
    if previous_revenue is not None and previous_finance is not None:
        require_columns(previous_revenue, "previous revenue", _REVENUE)
        require_columns(previous_finance, "previous finance_revenue", _FINANCE)
        previous = (_records(previous_revenue), _lines(previous_finance))
    rec = _with_units(_records(revenue), staff)
    fin = _lines(finance)
    if duplicates is None:
        duplicates = duplicate_revenue(revenue)
    last = str(pd.Period(month, freq="M") - 1)
    ctx = _Context(rec, fin, last, previous is not None)

    r_pair, f_pair = _pair(rec, fin, MATCH_KEY)
    lines = ctx.wrong_unit(r_pair, f_pair)
    rec_left = rec.drop(index=r_pair)
    fin_left = fin.drop(index=f_pair)
    if previous is not None:
        prev_rec, prev_fin = previous
        p_r, p_f = _pair(prev_rec, prev_fin, MATCH_KEY)
        prev_rec, prev_fin = prev_rec.drop(index=p_r), prev_fin.drop(index=p_f)
        r_now, f_then = _pair(rec_left, prev_fin, MATCH_KEY)
        lines += ctx.booked_last_month(r_now, prev_fin.loc[f_then])
        r_then, f_now = _pair(prev_rec, fin_left, MATCH_KEY)
        lines += ctx.recorded_last_month(prev_rec.loc[r_then], f_now)
        rec_left, fin_left = rec_left.drop(index=r_now), fin_left.drop(index=f_now)
    r_amt, f_amt = _pair(rec_left, fin_left, ["unit_code", "contract_id", "product"])
    lines += ctx.amount_mismatch(r_amt, f_amt)
    rec_left, fin_left = rec_left.drop(index=r_amt), fin_left.drop(index=f_amt)
    lines += ctx.unpaired_records(rec_left, duplicates, dict(zip(r_pair, f_pair, strict=True)))
    lines += ctx.unpaired_lines(fin_left)

    differences = _difference_frame(lines)
    if excluded is not None and len(excluded):
        require_columns(excluded, "excluded", ["record_id", "reason"])
        differences = _note_excluded(differences, excluded)
    pairs = _pairs(rec, fin, differences)
    differences = _with_remainders(pairs, differences)
    return FinanceReconciliation(pairs, differences)


# --------------------------------------------------------------------------- inputs


def _fen(values: pd.Series, name: str) -> np.ndarray:
    if not pd.api.types.is_integer_dtype(values.dtype):
        raise ValueError(f"{name}.amount_fen must be integer fen, got dtype {values.dtype}")
    return values.to_numpy(dtype=np.int64)


def _records(revenue: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "record_id": revenue["record_id"].astype(str).to_numpy(dtype=object),
            "staff_id": revenue["staff_id"].astype(str).to_numpy(dtype=object),
            "contract_id": revenue["contract_id"].astype(str).to_numpy(dtype=object),
            "product": revenue["product"].astype(str).to_numpy(dtype=object),
            "amount_fen": _fen(revenue["amount_fen"], "revenue"),
            "booked_date": pd.to_datetime(revenue["booked_date"]).to_numpy(),
        }
    )
    return out.sort_values(["booked_date", "record_id"], kind="stable").reset_index(drop=True)


def _lines(finance: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "voucher_id": finance["voucher_id"].astype(str).to_numpy(dtype=object),
            "unit_code": finance["unit_code"].astype(str).to_numpy(dtype=object),
            "contract_id": finance["contract_id"].astype(str).to_numpy(dtype=object),
            "product": finance["product"].astype(str).to_numpy(dtype=object),
            "amount_fen": _fen(finance["amount_fen"], "finance_revenue"),
            "booked_date": pd.to_datetime(finance["booked_date"]).to_numpy(),
        }
    )
    return out.sort_values(["booked_date", "voucher_id"], kind="stable").reset_index(drop=True)


def _with_units(rec: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    unit = rec["staff_id"].map(unit_of)
    unknown = rec.loc[unit.isna(), "record_id"].tolist()
    if unknown:
        raise ValueError(f"revenue records {unknown} name staff not in the staff table")
    return rec.assign(unit_code=unit.astype(str).to_numpy(dtype=object))


def _pair(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> tuple[list, list]:
    """Index labels of the paired rows: the k-th ``left`` row of a key with the k-th
    ``right`` row of it, in each frame's order.

    >>> a = pd.DataFrame({"k": ["x", "x", "y"]}, index=[10, 11, 12])
    >>> b = pd.DataFrame({"k": ["x", "z"]}, index=[20, 21])
    >>> _pair(a, b, ["k"])
    ([10], [20])
    """
    if left.empty or right.empty:
        return [], []
    lhs = left[keys].assign(_n=left.groupby(keys, sort=False).cumcount(), _l=left.index)
    rhs = right[keys].assign(_n=right.groupby(keys, sort=False).cumcount(), _r=right.index)
    paired = lhs.merge(rhs, on=[*keys, "_n"], how="inner", sort=False)
    return paired["_l"].tolist(), paired["_r"].tolist()


# --------------------------------------------------------------------------- lines


def _yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals and thousands separators, exactly.

    >>> _yuan(123456789), _yuan(-45), _yuan(0)
    ('1,234,567.89', '-0.45', '0.00')
    """
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _line(
    unit: str,
    product: str,
    kind: str,
    *,
    records: list[str],
    vouchers: list[str],
    contract: str,
    staff_fen: int,
    finance_fen: int,
    explanation: str,
) -> dict[str, object]:
    return {
        "unit_code": unit,
        "product": product,
        "kind": kind,
        "record_ids": _SEP.join(records),
        "voucher_ids": _SEP.join(vouchers),
        "contract_id": contract,
        "staff_fen": int(staff_fen),
        "finance_fen": int(finance_fen),
        "difference_fen": int(staff_fen) - int(finance_fen),
        "explanation": explanation,
    }


@dataclass(frozen=True)
class _Context:
    """The month's records and lines, for writing the difference lines."""

    rec: pd.DataFrame
    fin: pd.DataFrame
    last: str  # last month, YYYY-MM
    has_previous: bool

    @property
    def _unchecked(self) -> str:
        return "" if self.has_previous else f"（未提供 {self.last} 的数据，未核对是否跨月入账）"

    def wrong_unit(self, r_idx: list, f_idx: list) -> list[dict[str, object]]:
        # Nearly every record pairs, and few pairs cross units: compare the units of all
        # pairs at once and write lines for the crossing ones only, in pair order.
        paired_rec = self.rec.loc[r_idx]
        paired_fin = self.fin.loc[f_idx]
        crossing = paired_rec["unit_code"].to_numpy() != paired_fin["unit_code"].to_numpy()
        out = []
        for r, f in zip(
            paired_rec[crossing].to_dict("records"),
            paired_fin[crossing].to_dict("records"),
            strict=True,
        ):
            amount, yuan = int(r["amount_fen"]), _yuan(int(r["amount_fen"]))
            common = dict(records=[r["record_id"]], vouchers=[f["voucher_id"]])
            out.append(
                _line(
                    r["unit_code"],
                    r["product"],
                    "wrong_unit",
                    **common,
                    contract=r["contract_id"],
                    staff_fen=amount,
                    finance_fen=0,
                    explanation=f"流水 {r['record_id']}（工号 {r['staff_id']}）属于本单位，"
                    f"财务以凭证 {f['voucher_id']} 入账到 {f['unit_code']}：本单位财务少 {yuan} 元",
                )
            )
            out.append(
                _line(
                    f["unit_code"],
                    f["product"],
                    "wrong_unit",
                    **common,
                    contract=f["contract_id"],
                    staff_fen=0,
                    finance_fen=amount,
                    # this line is shown to unit f: it names the other unit, not its staff
                    explanation=f"财务凭证 {f['voucher_id']} 入账到本单位，对应流水 "
                    f"{r['record_id']} 属于 {r['unit_code']}：本单位财务多 {yuan} 元",
                )
            )
        return out

    def booked_last_month(self, r_idx: list, then: pd.DataFrame) -> list[dict[str, object]]:
        out = []
        for i, f in zip(r_idx, then.itertuples(index=False), strict=True):
            r = self.rec.loc[i]
            yuan = _yuan(int(r["amount_fen"]))
            out.append(
                _line(
                    r["unit_code"],
                    r["product"],
                    "other_month",
                    records=[r["record_id"]],
                    vouchers=[f.voucher_id],
                    contract=r["contract_id"],
                    staff_fen=int(r["amount_fen"]),
                    finance_fen=0,
                    explanation=f"流水 {r['record_id']}（{_day(r['booked_date'])}）财务已于 "
                    f"{self.last} 以凭证 {f.voucher_id}（{_day(f.booked_date)}）入账，"
                    f"本月财务无此笔：业务侧多 {yuan} 元",
                )
            )
        return out

    def recorded_last_month(self, then: pd.DataFrame, f_idx: list) -> list[dict[str, object]]:
        out = []
        for r, j in zip(then.itertuples(index=False), f_idx, strict=True):
            f = self.fin.loc[j]
            yuan = _yuan(int(f["amount_fen"]))
            out.append(
                _line(
                    f["unit_code"],
                    f["product"],
                    "other_month",
                    records=[r.record_id],
                    vouchers=[f["voucher_id"]],
                    contract=f["contract_id"],
                    staff_fen=0,
                    finance_fen=int(f["amount_fen"]),
                    explanation=f"财务凭证 {f['voucher_id']}（{_day(f['booked_date'])}）入账的是 "
                    f"{self.last} 已录入的流水 {r.record_id}（工号 {r.staff_id}，"
                    f"{_day(r.booked_date)}，上月财务未入账）：本月财务多 {yuan} 元",
                )
            )
        return out

    def amount_mismatch(self, r_idx: list, f_idx: list) -> list[dict[str, object]]:
        out = []
        for i, j in zip(r_idx, f_idx, strict=True):
            r, f = self.rec.loc[i], self.fin.loc[j]
            diff = int(r["amount_fen"]) - int(f["amount_fen"])
            out.append(
                _line(
                    r["unit_code"],
                    r["product"],
                    "amount_mismatch",
                    records=[r["record_id"]],
                    vouchers=[f["voucher_id"]],
                    contract=r["contract_id"],
                    staff_fen=int(r["amount_fen"]),
                    finance_fen=int(f["amount_fen"]),
                    explanation=f"流水 {r['record_id']} 金额 {_yuan(int(r['amount_fen']))} 元，"
                    f"财务凭证 {f['voucher_id']} 入账 {_yuan(int(f['amount_fen']))} 元："
                    f"相差 {_yuan(diff)} 元",
                )
            )
        return out

    def unpaired_records(
        self, left: pd.DataFrame, duplicates: pd.DataFrame, voucher_of: dict
    ) -> list[dict[str, object]]:
        groups = {}
        if not duplicates.empty:
            for _, g in duplicates.groupby("group", sort=True):
                ids = sorted(g["record_id"].astype(str))
                groups.update({rid: ids for rid in ids})
        index_of = pd.Series(self.rec.index, index=self.rec["record_id"])
        out = []
        for _, r in left.iterrows():
            rid, yuan = r["record_id"], _yuan(int(r["amount_fen"]))
            group = groups.get(rid, [])
            if group and rid != group[0]:
                booked = [
                    self.fin.loc[voucher_of[index_of[g]], "voucher_id"]
                    for g in group
                    if index_of[g] in voucher_of
                ]
                where = (
                    f"财务只入账 {len(booked)} 次（凭证 {_SEP.join(booked)}）"
                    if booked
                    else ("财务未入账")
                )
                out.append(
                    _line(
                        r["unit_code"],
                        r["product"],
                        "duplicate",
                        records=group,
                        vouchers=booked,
                        contract=r["contract_id"],
                        staff_fen=int(r["amount_fen"]),
                        finance_fen=0,
                        explanation=f"流水 {rid} 与 {group[0]} 除流水号外完全相同（工号 "
                        f"{r['staff_id']}，{_day(r['booked_date'])}），{where}："
                        f"业务侧重复计 {yuan} 元",
                    )
                )
                continue
            out.append(
                _line(
                    r["unit_code"],
                    r["product"],
                    "not_booked",
                    records=[rid],
                    vouchers=[],
                    contract=r["contract_id"],
                    staff_fen=int(r["amount_fen"]),
                    finance_fen=0,
                    explanation=f"流水 {rid}（工号 {r['staff_id']}，{_day(r['booked_date'])}）"
                    f"本月财务未入账：业务侧多 {yuan} 元{self._unchecked}",
                )
            )
        return out

    def unpaired_lines(self, left: pd.DataFrame) -> list[dict[str, object]]:
        return [
            _line(
                f["unit_code"],
                f["product"],
                "missing_record",
                records=[],
                vouchers=[f["voucher_id"]],
                contract=f["contract_id"],
                staff_fen=0,
                finance_fen=int(f["amount_fen"]),
                explanation=f"财务凭证 {f['voucher_id']}（{_day(f['booked_date'])}）入账 "
                f"{_yuan(int(f['amount_fen']))} 元，业务侧本月无对应流水{self._unchecked}",
            )
            for _, f in left.iterrows()
        ]


# --------------------------------------------------------------------------- tables


def _difference_frame(lines: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(lines, columns=DIFFERENCE_COLUMNS)
    for col in ("staff_fen", "finance_fen", "difference_fen"):
        frame[col] = frame[col].astype(np.int64)
    return frame


def _note_excluded(differences: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    reason_of = dict(
        zip(excluded["record_id"].astype(str), excluded["reason"].astype(str), strict=True)
    )
    notes = [
        "".join(
            f"；流水 {r} 已剔除（{reason_of[r]}），不计入考核收入"
            for r in ids.split(_SEP)
            if r in reason_of
        )
        for ids in differences["record_ids"]
    ]
    return differences.assign(explanation=differences["explanation"] + notes)


def _pairs(rec: pd.DataFrame, fin: pd.DataFrame, differences: pd.DataFrame) -> pd.DataFrame:
    keys = ["unit_code", "product"]
    staff = rec.groupby(keys).agg(
        staff_records=("record_id", "size"), staff_fen=("amount_fen", "sum")
    )
    books = fin.groupby(keys).agg(
        finance_lines=("voucher_id", "size"), finance_fen=("amount_fen", "sum")
    )
    explained = differences.groupby(keys)["difference_fen"].sum().rename("explained_fen")
    index = staff.index.union(books.index)
    out = pd.concat(
        [staff.reindex(index, fill_value=0), books.reindex(index, fill_value=0)], axis=1
    )
    out = out.astype(np.int64)
    out["difference_fen"] = out["staff_fen"] - out["finance_fen"]
    out["explained_fen"] = explained.reindex(index, fill_value=0).astype(np.int64)
    out["unexplained_fen"] = out["difference_fen"] - out["explained_fen"]
    out["ok"] = out["difference_fen"] == 0
    out = out.rename_axis(keys).reset_index().sort_values(keys, kind="stable")
    return out[PAIR_COLUMNS].reset_index(drop=True)


def _with_remainders(pairs: pd.DataFrame, differences: pd.DataFrame) -> pd.DataFrame:
    """``differences`` plus one ``unexplained`` line per pair whose lines do not sum to
    its difference, sorted by unit, product and kind (the order of
    :data:`DIFFERENCE_KINDS`).

    >>> pairs = pd.DataFrame({"unit_code": ["X01"], "product": ["专线"], "staff_fen": [500],
    ...     "finance_fen": [200], "difference_fen": [300], "explained_fen": [100],
    ...     "unexplained_fen": [200]})
    >>> out = _with_remainders(pairs, _difference_frame([]))
    >>> out[["kind", "difference_fen"]].values.tolist()
    [['unexplained', 200]]
    """
    rows = [
        _line(
            p.unit_code,
            p.product,
            "unexplained",
            records=[],
            vouchers=[],
            contract="",
            staff_fen=p.unexplained_fen,
            finance_fen=0,
            explanation=f"业务侧 {_yuan(p.staff_fen)} 元，财务入账 "
            f"{_yuan(p.finance_fen)} 元，相差 {_yuan(p.difference_fen)} 元；其中 "
            f"{_yuan(p.explained_fen)} 元由所列记录解释，余 "
            f"{_yuan(p.unexplained_fen)} 元未能由记录解释，需人工核查",
        )
        for p in pairs[pairs["unexplained_fen"] != 0].itertuples(index=False)
    ]
    out = (
        pd.concat([differences, _difference_frame(rows)], ignore_index=True)
        if rows
        else differences
    )
    if out.empty:
        return _difference_frame([])
    order = {kind: i for i, kind in enumerate(DIFFERENCE_KINDS)}
    out = out.assign(_k=out["kind"].map(order))
    out = out.sort_values(["unit_code", "product", "_k", "record_ids", "voucher_ids"])
    out = out.drop(columns="_k").reset_index(drop=True)
    for col in ("staff_fen", "finance_fen", "difference_fen"):
        out[col] = out[col].astype(np.int64)
    return out
