"""The monthly inspection plan (质量抽检计划): per unit GB/T 2828.1 plans, the drawn list, verdicts.

Built on :mod:`kpilib.stats.sampling` (docs/methods.md §3). The sampling frame of a month is
its **closed tickets** (``tickets.closed_at`` given): the records subject to
inspection. Each unit (county or centre, via the handling staff member's
``unit_code``) is one lot. The plan computed on month M's data serves twice:

* as the yardstick for month M's own inspections (:func:`lot_verdicts`), and
* as next month's work: the records drawn from month M's closed tickets
  (:func:`draw_records`) are inspected in month M+1, each by an assigned inspector
  (:func:`assign_inspectors`).

- :func:`inspection_plan` — lot size, code letter, n, Ac/Re per unit, under each unit's
  inspection severity (normal, tightened or reduced: Tables 2-A, 2-B, 2-C).
- :func:`switching_states` — each unit's severity this month from its lot history
  (GB/T 2828.1 clause 9, :mod:`kpilib.stats.switching`), the history replayed month by
  month.
- :func:`draw_records` — exactly the records to inspect, stratified by unit, seeded.
- :func:`assign_inspectors` — a balanced random inspector per drawn record, never oneself.
- :func:`lot_verdicts` — this month's inspections judged against the plan (接收/拒收).
- :func:`precision` — Cochran sample sizes for a pass rate to ±margin, beside the plan.
- :func:`replay_history` — the earlier months replayed once, for :func:`plan_tables` to
  continue from (the runner keeps it between runs).
- :func:`plan_tables` — the three tables of a month for the runner's shared results.
- :func:`sampling_list_export` — the sheets of ``sampling_list.xlsx`` with Chinese headers.

Edge cases, decided here:

* A unit without closed tickets is listed with ``lot_size`` 0, ``n`` 0, no plan and a note.
* A lot of one record is below GB/T 2828.1 Table 1 (which starts at 2): it is inspected
  whole (``n`` 1, ``full_inspection``), Ac/Re taken from the plan of a lot of 2.
* Two cells of Table 2-A have an arrow pointing out of the table (code letter A at
  AQL 10, R at AQL 0.015), where :func:`kpilib.stats.sampling.single_plan` raises. Fallback:
  the nearest plan of the same AQL column in the opposite direction, i.e. the lot is
  treated like the lots of the neighbouring code letter (A/10 → C: n 5, Ac 1, Re 2, as
  for B; R/0.015 → P: n 800, Ac 0, Re 1, as for Q), recorded in the note. The same
  fallback serves the same cells of Table 2-C and R/0.015 of Table 2-B.
* A unit whose inspection is discontinued (GB/T 2828.1 9.4) is listed with the tightened
  plan and the suspension in words: its records are still drawn, for the department to
  check the corrective action, but its lots move no switching rule until the action is
  accepted (``resumed``).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats as _sps

from kpilib.contract.schema import TABLES, unit_type_order
from kpilib.stats import sampling, switching

if TYPE_CHECKING:
    from kpilib.contract.month_data import MonthData

__all__ = [
    "ACCEPT",
    "REJECT",
    "SHEETS",
    "STANDARD",
    "TABLE_NAMES",
    "SwitchingHistory",
    "assign_inspectors",
    "default_seed",
    "draw_records",
    "inspection_plan",
    "lot_verdicts",
    "plan_tables",
    "precision",
    "replay_history",
    "switching_states",
]

InspectionLevel = Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]

#: Verdicts of a lot (GB/T 2828.1: accept with at most Ac nonconforming, reject with Re or more).
ACCEPT, REJECT = "接收", "拒收"
#: Names of the tables :func:`plan_tables` returns (and the runner stores).
TABLE_NAMES = ("sampling_plan", "sampling_list", "lot_verdicts", "inspection_switching")
#: Sheet names of ``sampling_list.xlsx``, by table name, plus the basis sheet.
SHEETS = {
    "basis": "抽样依据",
    "sampling_plan": "抽检计划",
    "sampling_list": "抽检清单",
    "lot_verdicts": "本月批判定",
    "inspection_switching": "检验严格度转移",
}
STANDARD = (
    "GB/T 2828.1-2012（等同 ISO 2859-1:1999）一次抽样方案，"
    "按第9章转移规则在正常、加严、放宽检验间转移"
)
_TABLE_OF = {"normal": "2-A", "tightened": "2-B", "reduced": "2-C"}

_TICKET = TABLES["tickets"]
_LIST_COLUMNS = ["ticket_id", "unit_code", "staff_id", "kind", "stage", "opened_at", "closed_at"]


# ----------------------------------------------------------------------------- checks
def _require(frame: pd.DataFrame, table: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} is missing column(s) {missing} (has {list(frame.columns)})")


def _aql_key(aql: float | str) -> str:
    try:
        value = float(aql)
    except (TypeError, ValueError):
        raise ValueError(f"aql must be one of {sampling.AQLS}, got {aql!r}") from None
    for key in sampling.AQLS:
        if math.isclose(value, float(key), rel_tol=1e-9):
            return key
    raise ValueError(f"aql must be one of the AQLs of GB/T 2828.1 {sampling.AQLS}, got {aql!r}")


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _unit_of(frame: pd.DataFrame, staff: pd.DataFrame, table: str) -> pd.Series:
    """Unit of each row's ``staff_id``; ValueError naming staff absent from ``staff``."""
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    units = frame["staff_id"].map(unit_of)
    unknown = sorted(frame.loc[units.isna(), "staff_id"].astype(str).unique())
    if unknown:
        raise ValueError(f"{table}: staff not in the staff table: {unknown[:10]}")
    return units.astype("string")


def _closed_tickets(tickets: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    _require(tickets, "tickets", [c for c in _LIST_COLUMNS if c != "unit_code"])
    _require(staff, "staff", ["staff_id", "unit_code"])
    closed = tickets[tickets["closed_at"].notna()]
    return closed.assign(unit_code=_unit_of(closed, staff, "tickets"))[_LIST_COLUMNS]


# ----------------------------------------------------------------------------- the plan
def _fallback(letter: str, key: str, severity: str = "normal") -> tuple[str, int]:
    """Nearest plan of column ``key`` from ``letter``, against the arrow that leaves the table."""
    table = {
        "normal": sampling.table_2a,
        "tightened": sampling.table_2b,
        "reduced": sampling.table_2c,
    }[severity]()
    column = table[key]
    row = list(table.index).index(letter)
    step = 1 if column.iloc[row] == "↑" else -1
    row += step
    while not isinstance(column.iloc[row], int | np.integer):
        row += step
    return str(table.index[row]), int(column.iloc[row])


def _sizes(severity: str) -> dict[str, int]:
    return {
        "normal": sampling.SAMPLE_SIZES,
        "tightened": sampling.TIGHTENED_SAMPLE_SIZES,
        "reduced": sampling.REDUCED_SAMPLE_SIZES,
    }[severity]


def _unit_plan(lot: int, key: str, level: str, severity: str = "normal") -> dict[str, object]:
    """One row of :func:`inspection_plan` for a lot of ``lot`` records under ``severity``."""
    if lot == 0:
        return {
            "code_letter": pd.NA,
            "letter": pd.NA,
            "n": 0,
            "ac": pd.NA,
            "re": pd.NA,
            "full_inspection": False,
            "note": "本月无已办结工单，无需抽检",
        }
    table = "tightened" if severity == switching.DISCONTINUED else severity
    table_lot = max(lot, 2)
    code = sampling.code_letter(table_lot, level=level)
    note = ""
    try:
        p = sampling.single_plan(table_lot, key, level=level, severity=table)
        letter, ac, n_plan = p.letter, p.ac, _sizes(table)[p.letter]
    except ValueError:  # level and AQL are checked before: only the cells without a plan
        letter, ac = _fallback(code, key, table)
        n_plan = _sizes(table)[letter]
        note = (
            f"表{_TABLE_OF[table]}在字码{code}、AQL {key}处无方案（箭头指出表外或指向空格），"
            f"改用同列最近方案{letter}（n={n_plan}, Ac={ac}, Re={ac + 1}）"
        )
    full = n_plan >= lot
    if lot == 1:
        code = pd.NA
        note = "；".join(
            filter(None, ["批量为1，低于GB/T 2828.1表1的最小批量2：全检，Ac/Re取批量2的方案", note])
        )
    elif full and not note:
        note = f"方案样本量{n_plan}不小于批量：全检"
    return {
        "code_letter": code,
        "letter": letter,
        "n": lot if full else n_plan,
        "ac": ac,
        "re": ac + 1,
        "full_inspection": full,
        "note": note,
    }


def inspection_plan(
    tickets: pd.DataFrame,
    staff: pd.DataFrame,
    units: pd.DataFrame,
    *,
    aql: float = 2.5,
    level: InspectionLevel = "II",
    severity: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """GB/T 2828.1 single sampling plan per unit, the lot being its closed tickets.

    Parameters
    ----------
    tickets, staff, units : the month's canonical tables (:mod:`kpilib.contract.schema`); a
        ticket's unit is its handling staff member's ``unit_code``.
    aql : acceptance quality limit in percent, one of :data:`kpilib.stats.sampling.AQLS`.
    level : inspection level of GB/T 2828.1 Table 1.
    severity : unit_code -> "normal", "tightened", "reduced" or "discontinued" (clause 9,
        :func:`switching_states`); units not named, and None, are on normal inspection.
        Normal uses Table 2-A, tightened Table 2-B, reduced Table 2-C; a discontinued
        unit is listed with the tightened plan (9.4).

    Returns
    -------
    DataFrame, one row per unit of ``units`` (counties first, then by code), columns
        unit_code, unit_name, unit_type : str, from ``units``.
        lot_size : int, the unit's closed tickets of the month (0 when none).
        code_letter : str, Table 1 letter of the lot (<NA> for lots of 0 or 1).
        letter : str, letter of the Table 2-A plan used, after the arrows (<NA> for lot 0).
        n : int, records to inspect (the lot itself under full inspection; 0 for lot 0).
        ac, re : Int64, acceptance and rejection numbers (<NA> for lot 0).
        full_inspection : bool, the whole lot is inspected (n = lot size).
        aql : float, the AQL used.
        level : str, the inspection level used.
        inspection_severity : str, normal / tightened / reduced / discontinued.
        plan_table : str, the table of the plan: 2-A, 2-B or 2-C.
        note : str, why a row departs from the plain table lookup ("" otherwise).

    Raises
    ------
    ValueError
        Unknown level, AQL or severity, missing columns, or tickets handled by staff not
        in ``staff``.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["X01", "Z01"], "unit_name": ["甲", "乙"],
    ...                       "unit_type": ["county", "centre"]})
    >>> staff = pd.DataFrame({"staff_id": ["S1"], "unit_code": ["X01"]})
    >>> tickets = pd.DataFrame({"ticket_id": [f"T{i:03d}" for i in range(60)],
    ...     "staff_id": "S1", "kind": "order", "stage": "close",
    ...     "opened_at": pd.Timestamp("2026-10-01"), "closed_at": pd.Timestamp("2026-10-02")})
    >>> inspection_plan(tickets, staff, units)[["unit_code", "lot_size", "letter", "n", "ac", "re"]]
      unit_code  lot_size letter   n    ac    re
    0       X01        60      F  20     1     2
    1       Z01         0   <NA>   0  <NA>  <NA>
    """
    key = _aql_key(aql)
    sampling.code_letter(2, level=level)  # raises on an unknown level, naming it
    _require(units, "units", ["unit_code", "unit_name", "unit_type"])
    closed = _closed_tickets(tickets, staff)
    unknown = sorted(set(closed["unit_code"]) - set(units["unit_code"]))
    if unknown:
        raise ValueError(f"tickets belong to units not in the units table: {unknown}")
    out = (
        units[["unit_code", "unit_name", "unit_type"]]
        .astype("string")
        .sort_values(["unit_type", "unit_code"], key=unit_type_order)
        .reset_index(drop=True)
    )
    lots = closed.groupby("unit_code").size()
    out["lot_size"] = out["unit_code"].map(lots).fillna(0).astype("int64")
    severity = dict(severity or {})
    bad = {u: v for u, v in severity.items() if v not in switching.NAMES}
    if bad:
        raise ValueError(f"severity must be one of {list(switching.NAMES)}, got {bad!r}")
    chosen = [severity.get(u, switching.NORMAL) for u in out["unit_code"]]
    rows = pd.DataFrame(
        [
            _unit_plan(int(lot), key, level, sev)
            for lot, sev in zip(out["lot_size"], chosen, strict=True)
        ],
        columns=["code_letter", "letter", "n", "ac", "re", "full_inspection", "note"],
    )
    out["code_letter"] = rows["code_letter"].astype("string")
    out["letter"] = rows["letter"].astype("string")
    out["n"] = rows["n"].astype("int64")
    out["ac"] = rows["ac"].astype("Int64")
    out["re"] = rows["re"].astype("Int64")
    out["full_inspection"] = rows["full_inspection"].astype(bool)
    out["aql"] = float(key)
    out["level"] = level
    out["inspection_severity"] = pd.Series(chosen, index=out.index, dtype="string")
    out["plan_table"] = (
        out["inspection_severity"]
        .map(lambda v: _TABLE_OF.get(str(v), _TABLE_OF["tightened"]))
        .astype("string")
    )
    out["note"] = rows["note"].astype("string")
    return out


def draw_records(
    tickets: pd.DataFrame, staff: pd.DataFrame, plan: pd.DataFrame, *, seed: int
) -> pd.DataFrame:
    """The records to inspect: ``n`` closed tickets per unit, drawn at random.

    A simple random sample without replacement in each unit (stratified by unit) with
    :func:`kpilib.stats.sampling.draw`: reproducible from ``seed``, independent of the order of
    the rows, and one unit's draw does not change when another unit's lot changes.

    Parameters
    ----------
    tickets, staff : the month's canonical tables.
    plan : :func:`inspection_plan` of the same tickets (its ``lot_size`` must match).
    seed : non-negative seed of the draw; record it with the list.

    Returns
    -------
    DataFrame, exactly ``plan.n`` rows per unit, sorted by unit and ticket, columns
        ticket_id : str.
        unit_code : str, the handling staff member's unit.
        staff_id : str, the handling staff member.
        kind, stage : str, ticket kind and current stage (codes of the contract).
        opened_at, closed_at : datetime64, opened and closed.

    Raises
    ------
    ValueError
        Negative seed, missing columns, or a plan whose lot sizes are not these tickets'.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["X01"], "unit_name": ["甲"], "unit_type": ["county"]})
    >>> staff = pd.DataFrame({"staff_id": ["S1"], "unit_code": ["X01"]})
    >>> tickets = pd.DataFrame({"ticket_id": [f"T{i:03d}" for i in range(60)],
    ...     "staff_id": "S1", "kind": "order", "stage": "close",
    ...     "opened_at": pd.Timestamp("2026-10-01"), "closed_at": pd.Timestamp("2026-10-02")})
    >>> plan = inspection_plan(tickets, staff, units)
    >>> drawn = draw_records(tickets, staff, plan, seed=202610)
    >>> len(drawn), drawn.equals(draw_records(tickets[::-1], staff, plan, seed=202610))
    (20, True)
    """
    seed = _check_seed(seed)
    _require(plan, "plan", ["unit_code", "lot_size", "n"])
    closed = _closed_tickets(tickets, staff)
    lots = closed.groupby("unit_code").size()
    planned = plan.set_index("unit_code")
    mismatch = [
        f"{unit}: plan {int(planned.loc[unit, 'lot_size'])}, tickets {int(lots.get(unit, 0))}"
        for unit in planned.index
        if int(planned.loc[unit, "lot_size"]) != int(lots.get(unit, 0))
    ]
    mismatch += [f"{unit}: not in the plan" for unit in lots.index if unit not in planned.index]
    if mismatch:
        raise ValueError(f"the plan does not match these tickets' lots ({'; '.join(mismatch)})")
    sizes = {unit: int(planned.loc[unit, "n"]) for unit in lots.index}
    drawn = sampling.draw(closed, sizes, strata="unit_code", seed=seed, key="ticket_id")
    return drawn.reset_index(drop=True)


def assign_inspectors(drawn: pd.DataFrame, inspectors: Iterable[str], *, seed: int) -> pd.DataFrame:
    """Assign one inspector to each drawn record: balanced, random, never oneself.

    The records (ordered by ``ticket_id``) are shuffled with ``seed``; the inspectors (in
    a seeded random order) take them in turn, so their counts differ by at most one.
    A record that falls to the staff member who handled it is swapped with another
    record whose swap breaks no rule, which keeps the counts. The result depends on
    neither the order of the rows nor the order of ``inspectors``.

    Parameters
    ----------
    drawn : :func:`draw_records` output (needs ``ticket_id`` and ``staff_id``).
    inspectors : staff ids of the inspectors (duplicates ignored), e.g. those who
        inspected this month.
    seed : non-negative seed.

    Returns
    -------
    DataFrame, ``drawn`` in its row order with one more column
        inspector_id : str, the inspector assigned; never the record's ``staff_id``.

    Raises
    ------
    ValueError
        Negative seed, duplicated ``ticket_id``, records but no inspectors, or no
        balanced assignment that avoids self-inspection (one inspector handled too
        many of the drawn records).

    Examples
    --------
    >>> drawn = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"], "staff_id": ["S1", "S2", "S3"]})
    >>> out = assign_inspectors(drawn, ["S1", "S9"], seed=1)
    >>> sorted(out["inspector_id"].value_counts().tolist())
    [1, 2]
    >>> bool((out["inspector_id"] != out["staff_id"]).all())
    True
    """
    seed = _check_seed(seed)
    _require(drawn, "drawn", ["ticket_id", "staff_id"])
    if drawn["ticket_id"].duplicated().any():
        raise ValueError("drawn has duplicated ticket_id values")
    names = sorted({str(i) for i in inspectors})
    if len(drawn) and not names:
        raise ValueError("no inspectors to assign the drawn records to")
    out = drawn.copy()
    out["inspector_id"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if not len(drawn):
        return out
    rng = np.random.default_rng([seed, zlib.crc32(b"assign_inspectors")])
    order = np.argsort(drawn["ticket_id"].astype(str).to_numpy(), kind="stable")
    sequence = order[rng.permutation(len(order))]
    turns = np.array(names, dtype=object)[rng.permutation(len(names))]
    slots = turns[np.arange(len(sequence)) % len(turns)]
    handler = drawn["staff_id"].astype(str).to_numpy(dtype=object)[sequence]
    for i in np.flatnonzero(slots == handler):
        if slots[i] != handler[i]:  # already repaired by an earlier swap
            continue
        partner = np.flatnonzero((slots != handler[i]) & (handler != slots[i]))
        if not partner.size:
            raise ValueError(
                f"cannot assign inspectors in balance without self-inspection: inspector "
                f"{slots[i]!r} handled too many of the {len(drawn)} drawn records"
            )
        j = partner[0]
        slots[i], slots[j] = slots[j], slots[i]
    assigned = np.empty(len(sequence), dtype=object)
    assigned[sequence] = slots
    out["inspector_id"] = pd.array(assigned, dtype="string")
    return out


# ----------------------------------------------------------------------------- verdicts
def lot_verdicts(
    inspections: pd.DataFrame, staff: pd.DataFrame, plan: pd.DataFrame
) -> pd.DataFrame:
    """This month's inspections per unit, judged against the unit's plan (接收/拒收).

    A sample unit is an inspected record (``record_id``); it is nonconforming when any
    of its inspections failed (a re-inspection that finds a defect counts). Its unit is
    the inspected staff member's. The verdict uses the first ``n`` records inspected
    (by first inspection date, then inspection id): at most ``ac`` nonconforming →
    接收, ``re`` or more → 拒收. Records inspected beyond ``n`` are counted but not judged.

    Parameters
    ----------
    inspections, staff : the month's canonical tables.
    plan : :func:`inspection_plan` of the month.

    Returns
    -------
    DataFrame, one row per unit of ``plan`` in its order, columns
        unit_code, unit_name : str.
        lot_size, n : int, from the plan.
        ac, re : Int64, from the plan.
        inspected : int, distinct records inspected this month.
        judged : int, records counted for the verdict, min(inspected, n).
        defects : int, nonconforming records among those judged.
        verdict : str, 接收 or 拒收; <NA> when nothing was judged (no plan or no inspection).
        note : str, fewer (or more) records inspected than ``n``, no plan, no inspection.

    Raises
    ------
    ValueError
        Missing columns, blank ``passed``, or inspected staff not in ``staff``.

    Examples
    --------
    >>> plan = pd.DataFrame({"unit_code": ["X01"], "unit_name": ["甲"], "lot_size": [60],
    ...     "n": [3], "ac": pd.array([0], dtype="Int64"), "re": pd.array([1], dtype="Int64")})
    >>> staff = pd.DataFrame({"staff_id": ["S1"], "unit_code": ["X01"]})
    >>> inspections = pd.DataFrame({"inspection_id": ["I1", "I2", "I3"],
    ...     "record_id": ["T1", "T2", "T3"], "staff_id": "S1",
    ...     "inspected_date": pd.Timestamp("2026-10-09"), "passed": [True, True, False]})
    >>> lot_verdicts(inspections, staff, plan)[["inspected", "defects", "ac", "re", "verdict"]]
       inspected  defects  ac  re verdict
    0          3        1   0   1      拒收
    """
    _require(inspections, "inspections", ["inspection_id", "record_id", "staff_id", "passed"])
    _require(staff, "staff", ["staff_id", "unit_code"])
    _require(plan, "plan", ["unit_code", "unit_name", "lot_size", "n", "ac", "re"])
    if inspections["passed"].isna().any():
        raise ValueError("inspections.passed has blanks; every inspection must be pass or fail")
    order = [c for c in ("inspected_date", "inspection_id") if c in inspections.columns]
    ins = inspections.assign(
        unit_code=_unit_of(inspections, staff, "inspections"),
        failed=~inspections["passed"].astype(bool),
    ).sort_values(order, kind="mergesort")
    records = ins.groupby("record_id", sort=False).agg(
        unit_code=("unit_code", "first"), failed=("failed", "max")
    )
    rank = records.groupby("unit_code").cumcount()
    n_of = plan.set_index("unit_code")["n"]
    judged = rank.to_numpy() < records["unit_code"].map(n_of).fillna(0).to_numpy()
    records = records.assign(judged=judged, defect=judged & records["failed"].to_numpy())
    counts = records.groupby("unit_code").agg(
        inspected=("failed", "size"), judged=("judged", "sum"), defects=("defect", "sum")
    )
    out = plan[["unit_code", "unit_name", "lot_size", "n", "ac", "re"]].reset_index(drop=True)
    for column in ("inspected", "judged", "defects"):
        out[column] = out["unit_code"].map(counts[column]).fillna(0).astype("int64")
    reject = (out["judged"] > 0) & (out["defects"] >= out["re"]).fillna(False)
    accept = (out["judged"] > 0) & (out["defects"] <= out["ac"]).fillna(False)
    verdict = pd.Series(pd.NA, index=out.index, dtype="string")
    verdict[accept] = ACCEPT
    verdict[reject] = REJECT
    out["verdict"] = verdict
    out["note"] = pd.Series(
        [
            _verdict_note(n, inspected)
            for n, inspected in zip(out["n"], out["inspected"], strict=True)
        ],
        dtype="string",
    )
    return out


def _verdict_note(n: int, inspected: int) -> str:
    if n == 0:
        return "无抽检计划（本月无已办结工单）" + (
            f"，另有{inspected}条抽检记录" if inspected else ""
        )
    if inspected == 0:
        return f"本月未抽检（计划样本量{n}）"
    if inspected < n:
        return f"实检{inspected}条，少于样本量{n}：判定仅依据已检记录"
    if inspected > n:
        return f"实检{inspected}条，多于样本量{n}：按最先检查的{n}条判定"
    return ""


# ----------------------------------------------------------------------------- precision
def precision(
    plan: pd.DataFrame, *, margin: float = 0.05, p: float = 0.5, confidence: float = 0.95
) -> pd.DataFrame:
    """Cochran's sample size to estimate each unit's pass rate to ±``margin``, beside the plan.

    ``n_cochran`` is :func:`kpilib.stats.sampling.sample_size` with the lot as finite population
    (Cochran 1977, eq. 4.2); ``margin_at_n`` is the half-width the plan's ``n`` achieves,
    z·√(p(1−p)/n · (N−n)/(N−1)). An acceptance plan controls the lot's risk, not the
    precision of its pass rate: the two numbers show how far apart those goals are.

    Parameters
    ----------
    plan : :func:`inspection_plan` output.
    margin : wanted half-width of the pass rate's interval, 0 < margin < 1.
    p : anticipated pass rate (0.5 when unknown gives the largest sample).
    confidence : two-sided confidence level.

    Returns
    -------
    DataFrame, one row per unit of ``plan``, columns
        unit_code : str.
        lot_size, n : int, from the plan.
        n_cochran : int, sample size for ±margin (0 for an empty lot).
        margin_at_n : float, half-width achieved with the plan's n (NaN when n is 0).

    Examples
    --------
    >>> plan = pd.DataFrame({"unit_code": ["X01", "X02"], "lot_size": [1000, 0], "n": [80, 0]})
    >>> precision(plan).round(3)
      unit_code  lot_size   n  n_cochran  margin_at_n
    0       X01      1000  80        278        0.105
    1       X02         0   0          0          NaN
    """
    _require(plan, "plan", ["unit_code", "lot_size", "n"])
    z = float(_sps.norm.ppf(0.5 + confidence / 2)) if 0 < confidence < 1 else math.nan
    out = plan[["unit_code", "lot_size", "n"]].reset_index(drop=True)
    out["n_cochran"] = pd.Series(
        [
            sampling.sample_size(margin, p=p, population=int(lot), confidence=confidence)
            if lot > 0
            else 0
            for lot in out["lot_size"]
        ],
        dtype="int64",
    )
    lot = out["lot_size"].to_numpy(dtype=float)
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fpc = np.where(lot > 1, (lot - n) / np.maximum(lot - 1, 1), 0.0)
        half = z * np.sqrt(p * (1 - p) / n * fpc)
    out["margin_at_n"] = np.where(n > 0, half, np.nan)
    return out


# ----------------------------------------------------------------------------- the month
def default_seed(month: str) -> int:
    """The month's default seed: its digits, ``"2026-10"`` → 202610.

    >>> default_seed("2026-10")
    202610
    """
    digits = str(month).replace("-", "")
    if len(digits) != 6 or not digits.isdigit():
        raise ValueError(f"month must be of the form YYYY-MM, got {month!r}")
    return int(digits)


def _lot_input(row: pd.Series, verdict: pd.Series | None, key: str) -> dict[str, object]:
    """What :func:`kpilib.stats.switching.step` needs of one unit's lot of the month."""
    if verdict is None or pd.isna(verdict["verdict"]):
        return {"accepted": None, "ac": None, "defects": None, "ac_tighter": None}
    ac = int(verdict["ac"])
    letter = row["letter"]
    tighter = (
        sampling.tighter_ac(str(letter), key)
        if ac >= 2 and pd.notna(letter) and str(letter) in sampling.LETTERS
        else None
    )
    return {
        "accepted": verdict["verdict"] == ACCEPT,
        "ac": ac,
        "defects": int(verdict["defects"]),
        "ac_tighter": tighter,
    }


_SWITCHING_COLUMNS = [
    "unit_code", "month", "inspection_severity", "plan_table", "letter", "lot_size", "n", "ac",
    "re", "defects", "verdict", "switching_score", "severity_reason", "inspection_severity_next",
    "switching_score_next", "switched", "clause", "event",
]  # fmt: skip


@dataclass(frozen=True)
class SwitchingHistory:
    """Months already replayed through the switching rules, to continue from.

    Attributes
    ----------
    first_month : the first month replayed: every unit started at normal inspection there
        (9.1), and a unit first seen later starts there too.
    months : the months replayed, oldest first.
    states : unit_code -> :class:`kpilib.stats.switching.UnitState` after the last month.
    table : :func:`switching_states` of those months.
    key, level, approved, steady, resumed : the conditions they were replayed under.
    """

    first_month: str
    months: tuple[str, ...]
    states: Mapping[str, switching.UnitState]
    table: pd.DataFrame
    key: str
    level: str
    approved: bool
    steady: bool
    resumed: tuple[tuple[str, str], ...]


def _replay(
    months: Sequence[MonthData],
    *,
    key: str,
    level: str,
    approved: bool,
    steady: bool,
    resumed: Mapping[str, str],
    earlier: SwitchingHistory | None = None,
) -> tuple[SwitchingHistory, pd.DataFrame, pd.DataFrame]:
    """Replay the months (oldest first) through the switching rules, continuing from
    ``earlier`` (months replayed before, all earlier than these) when given.

    Returns where the replay leaves the units (its ``table`` is the switching table of
    every month replayed, ``earlier``'s included), and the last month's plan and lot
    verdicts under the severities the replay gave it."""
    if not months and earlier is None:
        raise ValueError("switching needs at least one month of data")
    ordered = sorted(months, key=lambda m: str(m.month))
    if earlier is not None and ordered and str(ordered[0].month) <= earlier.months[-1]:
        raise ValueError(
            f"month {ordered[0].month} is not after the months already replayed "
            f"({earlier.months[0]} to {earlier.months[-1]})"
        )
    first = earlier.first_month if earlier is not None else str(ordered[0].month)
    start = switching.UnitState(
        reason=f"自{first}（所载历史的首月）起按GB/T 2828.1-2012第9.1条从正常检验开始"
    )
    states: dict[str, switching.UnitState] = dict(earlier.states) if earlier is not None else {}
    rows: list[dict[str, object]] = []
    plan = verdicts = pd.DataFrame()
    for data in ordered:
        month = str(data.month)
        codes = data.units["unit_code"].astype(str)
        before = {u: states.get(u, start) for u in codes}
        plan = inspection_plan(
            data.tickets,
            data.staff,
            data.units,
            aql=float(key),
            level=level,
            severity={u: st.severity for u, st in before.items()},
        )
        verdicts = lot_verdicts(data.inspections, data.staff, plan)
        by_unit = verdicts.set_index("unit_code")
        for _, row in plan.iterrows():
            unit = str(row["unit_code"])
            state = before[unit]
            verdict = by_unit.loc[unit] if unit in by_unit.index else None
            lot = _lot_input(row, verdict, key)
            after, event = switching.step(
                state,
                month=month,
                approved=approved,
                steady=steady,
                resumed=resumed.get(unit) == month,
                **lot,
            )
            states[unit] = after
            rows.append(
                {
                    "unit_code": unit,
                    "month": month,
                    "inspection_severity": state.severity,
                    "plan_table": row["plan_table"],
                    "letter": row["letter"],
                    "lot_size": int(row["lot_size"]),
                    "n": int(row["n"]),
                    "ac": row["ac"],
                    "re": row["re"],
                    "defects": pd.NA if verdict is None else int(verdict["defects"]),
                    "verdict": pd.NA if verdict is None else verdict["verdict"],
                    "switching_score": state.score,
                    "severity_reason": state.reason,
                    "inspection_severity_next": after.severity,
                    "switching_score_next": after.score,
                    "switched": after.severity != state.severity,
                    "clause": after.clause,
                    "event": event,
                }
            )
    table = _switching_table(rows)
    if earlier is not None and len(earlier.table):
        table = pd.concat([earlier.table, table], ignore_index=True) if rows else earlier.table
    replayed = SwitchingHistory(
        first_month=first,
        months=(*(earlier.months if earlier is not None else ()), *(str(m.month) for m in ordered)),
        states=states,
        table=table,
        key=key,
        level=level,
        approved=approved,
        steady=steady,
        resumed=tuple(sorted(resumed.items())),
    )
    return replayed, plan, verdicts


def _switching_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=_SWITCHING_COLUMNS)
    for col in ("lot_size", "n", "switching_score", "switching_score_next"):
        table[col] = table[col].astype("int64")
    for col in ("ac", "re", "defects"):
        table[col] = table[col].astype("Int64")
    table["switched"] = table["switched"].astype(bool)
    strings = [c for c in _SWITCHING_COLUMNS if table[c].dtype == object]
    table[strings] = table[strings].astype("string")
    return table


def replay_history(
    months: Sequence[MonthData],
    *,
    aql: float = 2.5,
    level: InspectionLevel = "II",
    approved: bool = True,
    steady: bool = True,
    resumed: Mapping[str, str] | None = None,
) -> SwitchingHistory:
    """Replay ``months`` through the switching rules once, for :func:`plan_tables`.

    The earlier months of a report month do not change from one run to the next: the
    runner keeps this replay (keyed by their input files) and gives it to
    :func:`plan_tables` as ``replayed``, which then replays the report month only. The
    result is the same as giving those months as ``history``.

    Parameters
    ----------
    months, aql, level, approved, steady, resumed : as in :func:`switching_states`.

    Returns
    -------
    SwitchingHistory
        The units' states after the last month, and the switching table of the months
        (the columns of :func:`switching_states`).

    Raises
    ------
    ValueError
        No months, unknown AQL or level.
    """
    key = _aql_key(aql)
    sampling.code_letter(2, level=level)
    replayed, _, _ = _replay(
        months, key=key, level=level, approved=approved, steady=steady, resumed=dict(resumed or {})
    )
    return replayed


def switching_states(
    months: Sequence[MonthData],
    *,
    aql: float = 2.5,
    level: InspectionLevel = "II",
    approved: bool = True,
    steady: bool = True,
    resumed: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each unit's inspection severity month by month, GB/T 2828.1 clause 9.

    The months are replayed oldest first: every unit starts at normal inspection in the
    first month given (9.1); each month's plan uses the unit's severity (Table 2-A, 2-B or
    2-C), its lot is judged by :func:`lot_verdicts` under that plan, and the verdict moves
    the unit by the switching rules (:func:`kpilib.stats.switching.step`: 9.3.1 to
    tightened, 9.3.2 back to normal, 9.3.3 to reduced on a switching score of 30, 9.3.4
    back to normal, 9.4 discontinuation).

    Parameters
    ----------
    months : the validated months (:func:`kpilib.contract.load.load_month`), any order.
    aql, level : as in :func:`inspection_plan`.
    approved : the responsible authority approves reduced inspection (9.3.3 c; False
        also ends reduced inspection, 9.3.4 c). Default True.
    steady : production (the units' ticket flow) is at a steady rate (9.3.3 b; False
        also ends reduced inspection, 9.3.4 b). Default True.
    resumed : unit_code -> month (``YYYY-MM``) in which the unit's corrective action was
        accepted after a discontinuation (9.4): from the month after, it resumes at
        tightened inspection.

    Returns
    -------
    DataFrame, one row per unit and month, sorted by month then by the plan's unit order,
    columns
        unit_code, month : str.
        inspection_severity : str, the severity of the month's plan: normal, tightened,
            reduced or discontinued (Chinese names: :data:`kpilib.stats.switching.NAMES`).
        plan_table : str, 2-A, 2-B or 2-C.
        letter : str, code letter of the plan used (<NA> without a lot).
        lot_size, n : int; ac, re : Int64 (<NA> without a plan), the month's plan.
        defects : Int64, nonconforming records judged; verdict : str, 接收/拒收/<NA>.
        switching_score : int, the switching score at the start of the month (normal only).
        severity_reason : str, why the unit is at its severity this month (Chinese,
            clause cited).
        inspection_severity_next : str, the severity of the month after.
        switching_score_next : int, the switching score after the month's lot.
        switched : bool, the severity changes after this month.
        clause : str, the clause of the unit's latest switch ("9.1" when none).
        event : str, what the month's lot did, in words (Chinese, clause cited).

    Raises
    ------
    ValueError
        No months, unknown AQL or level.
    """
    return replay_history(
        months, aql=aql, level=level, approved=approved, steady=steady, resumed=resumed
    ).table


def plan_tables(
    data: MonthData,
    *,
    aql: float = 2.5,
    level: InspectionLevel = "II",
    seed: int | None = None,
    history: Sequence[MonthData] = (),
    replayed: SwitchingHistory | None = None,
    approved: bool = True,
    steady: bool = True,
    resumed: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The month's plan tables, for the runner's shared results.

    Each unit's inspection severity this month comes from its lots of the earlier months
    in ``history`` (GB/T 2828.1 clause 9, :func:`switching_states`); the plan uses the
    table of that severity, and says why the unit is there and what follows this month's
    verdict.

    Parameters
    ----------
    data : the month's validated input (:func:`kpilib.contract.load.load_month`).
    aql, level : as in :func:`inspection_plan`.
    seed : seed of the draw and of the inspector assignment; None (default) →
        :func:`default_seed` of the month, so the list is reproducible.
    history : the earlier months the runner loaded (any order; months at or after
        ``data.month`` are ignored). Every unit starts at normal inspection in the first
        of them (9.1), or this month when there are none.
    replayed : instead of ``history``, those months already replayed
        (:func:`replay_history`, under the same conditions): the same tables, with
        only this month replayed.
    approved, steady, resumed : the conditions of 9.3.3 b/c, 9.3.4 b/c and 9.4
        (:func:`switching_states`); by default reduced inspection is approved and
        production steady.

    Returns
    -------
    dict with the keys of :data:`TABLE_NAMES`:
        ``sampling_plan`` : :func:`inspection_plan` under this month's severities, with
            seed : int, the seed of the draw.
            switching_score : int, the switching score at the start of the month.
            severity_reason : str, why the unit is at this severity (clause cited).
            inspection_severity_next : str, next month's severity.
            next_reason : str, what this month's verdict means for next month.
        ``sampling_list`` : :func:`draw_records` with ``inspector_id`` of
            :func:`assign_inspectors`, the inspectors being everyone who inspected
            this month (<NA> throughout when nobody did).
        ``lot_verdicts`` : :func:`lot_verdicts` of the month's inspections under the
            month's plan.
        ``inspection_switching`` : :func:`switching_states` of the history and this month.

    Raises
    ------
    ValueError
        Unknown AQL or level; both ``history`` and ``replayed`` given; ``replayed``
        under other conditions, or reaching this month.
    """
    seed = default_seed(data.month) if seed is None else _check_seed(seed)
    key = _aql_key(aql)
    sampling.code_letter(2, level=level)
    resumed = dict(resumed or {})
    if replayed is not None:
        if history:
            raise ValueError("give the earlier months as history or as replayed, not both")
        conditions = (key, level, approved, steady, tuple(sorted(resumed.items())))
        given = (
            replayed.key, replayed.level, replayed.approved, replayed.steady, replayed.resumed
        )  # fmt: skip
        if given != conditions:
            raise ValueError(
                f"replayed under {given} (aql key, level, approved, steady, resumed), "
                f"this plan is under {conditions}: replay the history under the plan's conditions"
            )
    earlier = [m for m in history if str(m.month) < str(data.month)]
    replay, plan, verdicts = _replay(
        [*earlier, data],
        key=key,
        level=level,
        approved=approved,
        steady=steady,
        resumed=resumed,
        earlier=replayed,
    )
    switched = replay.table
    now = switched[switched["month"] == str(data.month)].set_index("unit_code")
    units = plan["unit_code"]
    plan = plan.assign(
        seed=np.int64(seed),
        switching_score=units.map(now["switching_score"]).astype("int64"),
        severity_reason=units.map(now["severity_reason"]).astype("string"),
        inspection_severity_next=units.map(now["inspection_severity_next"]).astype("string"),
        next_reason=units.map(now["event"]).astype("string"),
    )
    drawn = draw_records(data.tickets, data.staff, plan, seed=seed)
    inspectors = data.inspections["inspector_id"].dropna().unique()
    if len(inspectors):
        listed = assign_inspectors(drawn, inspectors, seed=seed)
    else:
        listed = drawn.assign(inspector_id=pd.Series(pd.NA, index=drawn.index, dtype="string"))
    return {
        "sampling_plan": plan,
        "sampling_list": listed,
        "lot_verdicts": verdicts,
        "inspection_switching": switched,
    }
