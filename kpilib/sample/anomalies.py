"""What is planted in the sample data for the reports to find, and the record of it.

Each anomaly is planted *through* the generating process (a biased inspector scores
real tickets, a real revenue record is booked twice, ...), and :func:`planted`
records it as ground truth for the tests in ``<out_dir>/planted.json`` (reports never
read it):

``late_county``
    the county that submits every report 1-6 days late, every month.
``lenient_inspector``
    the inspector whose scores carry a strong positive bias (passes ~99 %).
``duplicated_revenue``
    month -> ``[original record_id, copy record_id]``: a revenue record booked twice.
``no_activity_staff``
    month -> staff ids of the new hires left out of ``activity`` (the loader warns).
``centre_mismatch``
    month -> ``{"unit_code", "indicator", "staff_ids", "differences"}``: the centre
    whose submitted results differ from the recomputation for 3-6 staff members in
    one indicator (and so in the total), each by 30-80 % of the indicator's weight
    (at least 2 points); see :func:`plant_centre_mismatch`.
``finance_differences``
    month -> list of ``{"kind", "unit_code", "product", "record_ids", "voucher_ids",
    "amount_fen"}``: the differences between the revenue records and the finance
    system's booked revenue (``finance_revenue``) that the month's reconciliation must
    list besides the duplicated record, with ``kind`` one of ``wrong_unit`` (plus
    ``finance_unit_code``), ``not_booked`` (plus ``booked_in`` when finance books it
    next month), ``missing_record``, ``other_month`` (plus ``recorded_in``); see
    :mod:`kpilib.sample.finance`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.schema import TOTAL_INDICATOR
from kpilib.sample.branch import Branch, Month, hired_in

_LENIENT_BIAS = 11.0  # points added to every score of the lenient inspector
_MISMATCH_SHARE = (0.3, 0.8)  # a planted centre-result difference, as a share of the weight
_MISMATCH_MIN = 2.0  # points: clearly beyond the reconciliation tolerance (0.01)


def inspector_biases(rng: np.random.Generator, inspectors: np.ndarray) -> tuple[np.ndarray, int]:
    """Return each inspector's scoring bias and the lenient one (-1 when there are none).

    The others judge alike up to a small personal drift; only the planted one is lenient.
    """
    bias = rng.normal(0.0, 0.3, len(inspectors))
    lenient = -1
    if len(inspectors):
        k = int(rng.integers(len(inspectors)))
        bias[k] = _LENIENT_BIAS
        lenient = int(inspectors[k])
    return bias, lenient


def late_county(rng: np.random.Generator, counties: int) -> int:
    """Return the number of the county that submits every report late."""
    return int(rng.integers(counties))


def book_twice(
    rng: np.random.Generator, columns: tuple[np.ndarray, ...]
) -> tuple[int, tuple[np.ndarray, ...]]:
    """Append a copy of one random record to the aligned ``columns``.

    Returns the copied record's position (-1 when there are no records) and the
    columns; the copy is the last record and enters the export like any other.
    """
    if not len(columns[0]):
        return -1, columns
    dup = int(rng.integers(len(columns[0])))
    return dup, tuple(np.r_[a, a[dup]] for a in columns)


def leave_out_new_hires(
    b: Branch, mo: Month, activity: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[str]]:
    """Drop one or two of the month's new hires from ``activity``; return it and their ids."""
    hired = mo.people[hired_in(b, mo.people, mo.m)]
    skip = np.sort(rng.choice(hired, size=min(len(hired), int(rng.integers(1, 3))), replace=False))
    skipped = [b.staff_id[i] for i in skip]
    activity = activity[~activity["staff_id"].isin(skipped)].reset_index(drop=True)
    return activity, skipped


def plant_centre_mismatch(
    table: pd.DataFrame, max_total: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Make one centre's submitted scores differ from the recomputation.

    ``table`` holds the honest submissions, one row per staff member and indicator
    (``unit_code``, ``staff_id``, ``indicator``, ``score``, ``weight``: the indicator's
    effective weight, ``total``: the staff member's total) and one total row per staff
    member. One centre gets 3-6 staff members whose score in one indicator, and
    therefore their total, is off by 30-80 % of that indicator's effective weight and
    at least ``_MISMATCH_MIN`` points, in steps of 0.1, keeping the submitted score
    within [0, weight] and the total within [0, ``max_total``], so that no submitted
    number is impossible on its own.

    Returns the table and ``{"unit_code", "indicator", "staff_ids", "differences"}``
    (empty when no centre has three scored staff whose indicator leaves room for
    such a difference).
    """
    table = table.copy()
    parts = table[table["indicator"] != TOTAL_INDICATOR]
    weight = parts["weight"].to_numpy(dtype=float)
    score = parts["score"].to_numpy(dtype=float)
    total = parts["total"].to_numpy(dtype=float)
    room_up = np.minimum(weight - score, max_total - total)
    room_down = np.minimum(score, total)
    low = np.ceil(np.maximum(_MISMATCH_MIN, _MISMATCH_SHARE[0] * weight) * 10 - 1e-9)
    high = np.floor(np.minimum(_MISMATCH_SHARE[1] * weight, np.maximum(room_up, room_down)) * 10)
    ok = high >= low
    eligible = parts[ok].assign(
        low=low[ok], high=high[ok], room_up=room_up[ok], room_down=room_down[ok]
    )
    counts = eligible.groupby(["unit_code", "indicator"])["staff_id"].nunique()
    candidates = counts[counts >= 3]
    if not len(candidates):
        return table, {}
    unit, indicator = candidates.index[int(rng.integers(len(candidates)))]
    pool = eligible[(eligible["unit_code"] == unit) & (eligible["indicator"] == indicator)]
    pool = pool.sort_values("staff_id").reset_index(drop=True)
    k = int(min(len(pool), rng.integers(3, 7)))
    chosen = pool.iloc[np.sort(rng.choice(len(pool), size=k, replace=False))]
    differences = {}
    for p in chosen.itertuples(index=False):
        size = int(rng.integers(int(p.low), int(p.high) + 1)) / 10
        up_ok, down_ok = size <= p.room_up, size <= p.room_down
        delta = -size if not up_ok or (down_ok and rng.random() < 0.5) else size
        row = (table["staff_id"] == p.staff_id) & (table["indicator"] == indicator)
        tot = (table["staff_id"] == p.staff_id) & (table["indicator"] == TOTAL_INDICATOR)
        table.loc[row, "score"] += delta
        table.loc[tot, "score"] += delta
        differences[str(p.staff_id)] = delta
    mismatch = {
        "unit_code": str(unit),
        "indicator": str(indicator),
        "staff_ids": [str(s) for s in chosen["staff_id"]],
        "differences": differences,
    }
    return table, mismatch


def planted(
    b: Branch,
    *,
    seed: int,
    duplicated_revenue: dict[str, list[str]],
    no_activity_staff: dict[str, list[str]],
    centre_mismatch: dict[str, dict[str, object]],
    finance_differences: dict[str, list[dict[str, object]]],
) -> dict[str, object]:
    """Return the ground truth of a run, as ``planted.json`` holds it."""
    return {
        "seed": seed,
        "months": b.months,
        "late_county": str(b.unit_code[b.late_county]),
        "lenient_inspector": (None if b.lenient_inspector < 0 else b.staff_id[b.lenient_inspector]),
        "inspectors": [b.staff_id[i] for i in b.inspectors],
        "duplicated_revenue": duplicated_revenue,
        "no_activity_staff": no_activity_staff,
        "centre_mismatch": centre_mismatch,
        "finance_differences": finance_differences,
    }
