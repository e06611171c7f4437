"""Sampling inspection (抽检): GB/T 2828.1 plans, sample sizes, allocation and the draw.

docs/methods.md §3. GB/T 2828.1-2012 is identical to ISO 2859-1:1999 (and, for the two
tables used here, to ANSI/ASQ Z1.4 and MIL-STD-105E).

- :func:`code_letter` — Table 1, sample size code letters.
- :func:`table_2a`, :func:`table_2b`, :func:`table_2c` — Tables 2-A, 2-B and 2-C, single
  sampling plans for normal, tightened and reduced inspection.
- :func:`single_plan` — the single sampling plan of a lot under normal, tightened or reduced
  inspection (the inspection severity follows the switching rules of clause 9,
  :mod:`kpilib.stats.switching`).
- :func:`tighter_ac` — the acceptance number one AQL step tighter (switching score, 9.3.3.2).
- :func:`sample_size` — sample size for estimating a proportion (Cochran 1977, ch. 4).
- :func:`allocate` — proportional or Neyman allocation over strata, integer, capped.
- :func:`draw` — the reproducible stratified draw of the records to inspect.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _sps

from kpilib.exact import largest_remainder, to_fraction

__all__ = [
    "AQLS",
    "LETTERS",
    "REDUCED_SAMPLE_SIZES",
    "SAMPLE_SIZES",
    "SEVERITIES",
    "TIGHTENED_LETTERS",
    "TIGHTENED_SAMPLE_SIZES",
    "SamplingPlan",
    "allocate",
    "code_letter",
    "draw",
    "sample_size",
    "single_plan",
    "table_2a",
    "table_2b",
    "table_2c",
    "tighter_ac",
]

InspectionLevel = Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]
Severity = Literal["normal", "tightened", "reduced"]
#: Inspection severities of GB/T 2828.1 clause 9 with a table of plans: 2-A, 2-B, 2-C.
SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")

#: Sample size code letters in order (the standard skips I and O).
LETTERS = "ABCDEFGHJKLMNPQR"

#: Sample size of each code letter (GB/T 2828.1 Table 2-A, second column).
SAMPLE_SIZES: dict[str, int] = dict(
    zip(LETTERS, (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000), strict=True)
)
#: Table 2-B (tightened) has one more row below R: code letter S, sample size 3150.
TIGHTENED_LETTERS = LETTERS + "S"
#: Sample size of each code letter under tightened inspection (Table 2-B, second column).
TIGHTENED_SAMPLE_SIZES: dict[str, int] = {**SAMPLE_SIZES, "S": 3150}
#: Sample size of each code letter under reduced inspection (Table 2-C, second column):
#: the normal sample size two letters up, 2 for A to C.
REDUCED_SAMPLE_SIZES: dict[str, int] = dict(
    zip(LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True)
)

# --------------------------------------------------------------------------------------
# Table 1: sample size code letters. Lot-size ranges (lower bounds) and, per inspection
# level, the letter of each range, top to bottom, as printed in the standard.
# --------------------------------------------------------------------------------------
_LOT_LOWER = (2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001, 150001, 500001)
_TABLE_1: dict[str, str] = {
    #        2  9  16 26 51 91 151 281 501 1201 3201 10001 35001 150001 500001
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}

# --------------------------------------------------------------------------------------
# Table 2-A: single sampling plans, normal inspection.
# Every AQL column reads, from the letter of its (Ac 0, Re 1) plan downward:
#   0/1, ↑, ↓, 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22, 30/31, 44/45, then ↑,
# with ↓ above the start letter. The 30/31 and 44/45 plans are printed only in rows A to E
# (sample sizes 2 to 13), so they occur only in the columns AQL 100 to 1000; from row F
# down, the cell after 21/22 is ↑. Re = Ac + 1 throughout (single sampling, normal).
# --------------------------------------------------------------------------------------
#: The 26 AQL columns of Table 2-A, as printed.
AQLS: tuple[str, ...] = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40",
    "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65",
    "100", "150", "250", "400", "650", "1000",
)  # fmt: skip
_UP, _DOWN = "↑", "↓"
_COLUMN_SEQUENCE: tuple[int | str, ...] = (0, _UP, _DOWN, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44)
_LAST_ROW_ABOVE_21 = LETTERS.index("E")
# Row index (A = 0) of the (0, 1) plan of each column; negative = above row A.
_START_ROW: dict[str, int] = {aql: 14 - j for j, aql in enumerate(AQLS)}


def _cell(row: int, aql: str) -> int | str:
    """Entry of Table 2-A at letter index ``row`` and column ``aql``: Ac, ``"↑"`` or ``"↓"``."""
    k = row - _START_ROW[aql]
    if k < 0:
        return _DOWN
    if k >= len(_COLUMN_SEQUENCE):
        return _UP
    entry = _COLUMN_SEQUENCE[k]
    if isinstance(entry, int) and entry > 21 and row > _LAST_ROW_ABOVE_21:
        return _UP
    return entry


def table_2a() -> pd.DataFrame:
    """GB/T 2828.1 Table 2-A (normal inspection, single sampling) as printed.

    Returns
    -------
    pandas.DataFrame
        Indexed by code letter ``A`` … ``R``, one column per AQL (the strings of
        :data:`AQLS`); each cell is the acceptance number ``Ac`` (``Re = Ac + 1``) as an
        ``int``, or ``"↑"`` / ``"↓"``.

    Examples
    --------
    >>> t = table_2a()
    >>> t.loc["E", "1.0"], t.loc["F", "1.0"], t.loc["G", "1.0"], t.loc["H", "1.0"]
    (0, '↑', '↓', 1)
    """
    return _table(_cell, LETTERS)


# --------------------------------------------------------------------------------------
# Table 2-B: single sampling plans, tightened inspection. Every AQL column reads, from the
# letter of its (Ac 0, Re 1) plan downward:
#   0/1, ↓, ↓, 1/2, 2/3, 3/4, 5/6, 8/9, 12/13, 18/19, 27/28, 41/42, then ↑,
# with ↓ above the start letter, which is one letter below that of the same column of
# Table 2-A (AQL 1.0: 0/1 at F under tightened, at E under normal). As in Table 2-A the two
# largest plans (27/28, 41/42) are printed only in rows A to E. Row S (sample size 3150)
# holds one plan, 1/2 at AQL 0.025, reached by the arrows of rows Q and R of that column;
# its other cells are empty (no plan). Re = Ac + 1 throughout.
# --------------------------------------------------------------------------------------
_TIGHTENED_SEQUENCE: tuple[int | str, ...] = (0, _DOWN, _DOWN, 1, 2, 3, 5, 8, 12, 18, 27, 41)
_ROW_S = TIGHTENED_LETTERS.index("S")
_EMPTY = ""


def _cell_2b(row: int, aql: str) -> int | str:
    """Entry of Table 2-B at letter index ``row`` (A = 0 … S = 16): Ac, arrow or ``""``."""
    if row == _ROW_S:
        return 1 if aql == "0.025" else _EMPTY
    k = row - (_START_ROW[aql] + 1)
    if k < 0:
        return _DOWN
    if k >= len(_TIGHTENED_SEQUENCE):
        return _UP
    entry = _TIGHTENED_SEQUENCE[k]
    if isinstance(entry, int) and entry > 18 and row > _LAST_ROW_ABOVE_21:
        return _UP
    return entry


# --------------------------------------------------------------------------------------
# Table 2-C: single sampling plans, reduced inspection (ISO 2859-1:1999 and GB/T 2828.1-2012,
# where Re = Ac + 1 as in the other two tables; the gapped Ac/Re of the 1989 edition and of
# ANSI/ASQ Z1.4 are gone). Its Ac/Re and arrows stand in the same cells as those of
# Table 2-A; only the sample size of each letter is smaller (REDUCED_SAMPLE_SIZES).
# --------------------------------------------------------------------------------------
def _cell_2c(row: int, aql: str) -> int | str:
    """Entry of Table 2-C at letter index ``row`` and column ``aql``: Ac, ``"↑"`` or ``"↓"``."""
    return _cell(row, aql)


def _table(cell, letters: str) -> pd.DataFrame:
    return pd.DataFrame(
        [[cell(i, aql) for aql in AQLS] for i in range(len(letters))],
        index=pd.Index(list(letters), name="letter"),
        columns=list(AQLS),
        dtype=object,
    )


def table_2b() -> pd.DataFrame:
    """GB/T 2828.1 Table 2-B (tightened inspection, single sampling) as printed.

    Returns
    -------
    pandas.DataFrame
        Indexed by code letter ``A`` … ``S`` (row S, sample size 3150, exists only in this
        table), one column per AQL (:data:`AQLS`); each cell is the acceptance number
        ``Ac`` (``Re = Ac + 1``) as an ``int``, ``"↑"`` / ``"↓"``, or ``""`` (an empty
        cell of row S).

    Examples
    --------
    >>> t = table_2b()
    >>> t.loc["F", "1.0"], t.loc["G", "1.0"], t.loc["J", "1.0"], t.loc["N", "1.0"]
    (0, '↓', 1, 8)
    """
    return _table(_cell_2b, TIGHTENED_LETTERS)


def table_2c() -> pd.DataFrame:
    """GB/T 2828.1 Table 2-C (reduced inspection, single sampling) as printed.

    Returns
    -------
    pandas.DataFrame
        Indexed by code letter ``A`` … ``R``, one column per AQL (:data:`AQLS`); each
        cell is ``Ac`` (``Re = Ac + 1``) as an ``int``, or ``"↑"`` / ``"↓"``. The sample
        size of each letter is :data:`REDUCED_SAMPLE_SIZES`.

    Examples
    --------
    >>> t = table_2c()
    >>> t.loc["K", "1.0"], t.loc["F", "1.0"], t.loc["G", "1.0"]
    (3, '↑', '↓')
    """
    return _table(_cell_2c, LETTERS)


_TABLES = {
    "normal": (_cell, LETTERS, SAMPLE_SIZES, "2-A"),
    "tightened": (_cell_2b, TIGHTENED_LETTERS, TIGHTENED_SAMPLE_SIZES, "2-B"),
    "reduced": (_cell_2c, LETTERS, REDUCED_SAMPLE_SIZES, "2-C"),
}


def _check_severity(severity: str) -> None:
    if severity not in _TABLES:
        raise ValueError(f"severity must be one of {list(SEVERITIES)}, got {severity!r}")


def tighter_ac(letter: str, aql: float | str) -> int | None:
    """Acceptance number of Table 2-A at ``letter`` one AQL step tighter than ``aql``.

    What GB/T 2828.1 clause 9.3.3.2 a) 1) asks for a plan with Ac ≥ 2: would the lot have
    been accepted "if the AQL had been one step tighter", at the same sample size (the
    same code letter). None when the cell holds an arrow or ``aql`` is the tightest AQL.

    Examples
    --------
    >>> tighter_ac("K", 2.5), tighter_ac("F", 2.5), tighter_ac("J", 6.5)
    (5, None, 7)
    """
    key = _aql_key(aql)
    j = AQLS.index(key)
    if letter not in LETTERS:
        raise ValueError(f"letter must be one of {LETTERS!r}, got {letter!r}")
    if j == 0:
        return None
    entry = _cell(LETTERS.index(letter), AQLS[j - 1])
    return entry if isinstance(entry, int) else None


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan of GB/T 2828.1 (normal, tightened or reduced inspection).

    Attributes
    ----------
    letter : str
        Code letter of the plan actually used (after following the arrows of Table 2-A,
        2-B or 2-C).
    n : int
        Number of units to inspect; the lot size when ``full_inspection``.
    ac, re : int
        Acceptance and rejection numbers: accept the lot with at most ``ac``
        nonconforming units, reject it with ``re`` or more.
    full_inspection : bool
        True when the plan's sample size equals or exceeds the lot size, in which case the
        whole lot is inspected (100 %).
    """

    letter: str
    n: int
    ac: int
    re: int
    full_inspection: bool


def _check_level(level: str) -> None:
    if level not in _TABLE_1:
        raise ValueError(f"level must be one of {sorted(_TABLE_1)}, got {level!r}")


def _check_lot_size(lot_size: int) -> None:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int | np.integer):
        raise ValueError(f"lot_size must be an integer, got {lot_size!r}")
    if lot_size < 2:
        raise ValueError(f"lot_size must be at least 2 (GB/T 2828.1 Table 1), got {lot_size!r}")


def code_letter(lot_size: int, *, level: InspectionLevel = "II") -> str:
    """Sample size code letter, GB/T 2828.1-2012 (= ISO 2859-1:1999) Table 1.

    Parameters
    ----------
    lot_size : int
        Number of units in the lot (批量), at least 2.
    level : {"S-1", "S-2", "S-3", "S-4", "I", "II", "III"}
        Inspection level; general level II is the default of the standard.

    Returns
    -------
    str
        One of ``A`` … ``R`` (no I, no O).

    Raises
    ------
    ValueError
        Unknown level, non-integer lot size or lot size below 2.

    Examples
    --------
    >>> code_letter(60), code_letter(60, level="S-1"), code_letter(600000, level="III")
    ('E', 'B', 'R')
    """
    _check_level(level)
    _check_lot_size(lot_size)
    i = int(np.searchsorted(_LOT_LOWER, lot_size, side="right")) - 1
    return _TABLE_1[level][i]


def _aql_key(aql: float | str) -> str:
    try:
        value = float(aql)
    except (TypeError, ValueError):
        raise ValueError(f"aql must be one of {AQLS}, got {aql!r}") from None
    for key in AQLS:
        if math.isclose(value, float(key), rel_tol=1e-9):
            return key
    raise ValueError(f"aql must be one of the AQLs of GB/T 2828.1 {AQLS}, got {aql!r}")


def single_plan(
    lot_size: int,
    aql: float | str,
    *,
    level: InspectionLevel = "II",
    severity: Severity = "normal",
) -> SamplingPlan:
    """Single sampling plan of a lot, GB/T 2828.1 Table 1 and Table 2-A, 2-B or 2-C.

    The code letter comes from Table 1; the arrows of the table of ``severity`` (2-A
    normal, 2-B tightened, 2-C reduced) are followed to the plan they point to, whose
    letter and sample size (of that table) are used. When that sample size equals or
    exceeds the lot size, the whole lot is inspected (``full_inspection``, ``n`` = lot
    size; ``ac``/``re`` are those of the plan).

    Some cells hold an arrow that points out of the table (Table 2-A and 2-C: code letter
    A at AQL 10 ↑, R at AQL 0.015 ↓; Table 2-B: R at AQL 0.015 ↓ to an empty cell of
    row S). The standard gives no plan for them, so this function raises rather than
    invent one; choose another AQL or inspection level.

    Parameters
    ----------
    lot_size : int
        Number of units in the lot, at least 2.
    aql : float or str
        Acceptance quality limit, one of the 26 columns of the tables (0.010 … 1000),
        e.g. ``2.5`` or ``"2.5"``.
    level : {"S-1", "S-2", "S-3", "S-4", "I", "II", "III"}
        Inspection level.
    severity : {"normal", "tightened", "reduced"}
        Inspection severity (GB/T 2828.1 clause 9), which selects the table.

    Returns
    -------
    SamplingPlan
        ``letter``, ``n``, ``ac``, ``re``, ``full_inspection``.

    Raises
    ------
    ValueError
        Unknown level, AQL or severity, lot size below 2, or a cell without a plan.

    Examples
    --------
    >>> single_plan(60, 2.5)
    SamplingPlan(letter='F', n=20, ac=1, re=2, full_inspection=False)
    >>> single_plan(60, 2.5, severity="tightened")
    SamplingPlan(letter='G', n=32, ac=1, re=2, full_inspection=False)
    >>> single_plan(60, 2.5, severity="reduced")
    SamplingPlan(letter='F', n=8, ac=1, re=2, full_inspection=False)
    >>> single_plan(5, 1.0)
    SamplingPlan(letter='E', n=5, ac=0, re=1, full_inspection=True)
    """
    _check_severity(severity)
    key = _aql_key(aql)
    letter = code_letter(lot_size, level=level)
    cell, letters, sizes, name = _TABLES[severity]
    row = letters.index(letter)
    entry = cell(row, key)
    while not isinstance(entry, int):
        if entry == _EMPTY:
            raise ValueError(
                f"GB/T 2828.1 Table {name} has no plan for code letter {letter!r} at AQL {key}: "
                "the arrow points to an empty cell; choose another AQL or level"
            )
        row += 1 if entry == _DOWN else -1
        if not 0 <= row < len(letters):
            raise ValueError(
                f"GB/T 2828.1 Table {name} has no plan for code letter {letter!r} at AQL {key}: "
                f"the arrow ({entry}) points out of the table; choose another AQL or level"
            )
        entry = cell(row, key)
    used = letters[row]
    n = sizes[used]
    full = n >= lot_size
    return SamplingPlan(
        letter=used, n=int(lot_size) if full else n, ac=entry, re=entry + 1, full_inspection=full
    )


def sample_size(
    margin: float,
    *,
    p: float = 0.5,
    population: int | None = None,
    confidence: float = 0.95,
    fpc: Literal["cochran", "simple"] = "cochran",
) -> int:
    """Sample size to estimate a proportion within ``±margin`` (Cochran 1977, ch. 4).

    n₀ = z²·p(1−p)/e², z the two-sided normal quantile of ``confidence``. With a finite
    population N, ``fpc="cochran"`` gives n = n₀/(1 + (n₀ − 1)/N) (Cochran's eq. 4.2) and
    ``fpc="simple"`` gives n = n₀/(1 + n₀/N). The result is rounded up and capped at N.

    Parameters
    ----------
    margin : float
        Absolute margin of error e, 0 < e < 1 (0.05 for ±5 percentage points).
    p : float
        Anticipated proportion, 0 < p < 1; 0.5 (the default) when unknown is the largest
        sample.
    population : int, optional
        Population size N ≥ 1; None for an infinite population.
    confidence : float
        Two-sided confidence level, 0 < confidence < 1.
    fpc : {"cochran", "simple"}
        Finite population correction.

    Returns
    -------
    int
        The sample size.

    Examples
    --------
    >>> sample_size(0.05), sample_size(0.05, population=1000)
    (385, 278)
    """
    if fpc not in ("cochran", "simple"):
        raise ValueError(f"fpc must be 'cochran' or 'simple', got {fpc!r}")
    if not 0 < margin < 1:
        raise ValueError(f"margin must be in (0, 1), got {margin!r}")
    if not 0 < p < 1:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if population is not None and (isinstance(population, bool) or population < 1):
        raise ValueError(f"population must be at least 1, got {population!r}")
    z = float(_sps.norm.ppf(0.5 + confidence / 2))
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None:
        n = n0
    elif fpc == "cochran":
        n = n0 / (1 + (n0 - 1) / population)
    else:
        n = n0 / (1 + n0 / population)
    size = max(1, math.ceil(round(n, 9)))  # round(…, 9): 1e-12 float noise must not add a unit
    return size if population is None else min(size, int(population))


def allocate(
    n: int,
    sizes: Sequence[int],
    *,
    sd: Sequence[float] | None = None,
    method: Literal["proportional", "neyman"] = "proportional",
    minimum: int = 2,
) -> list[int]:
    """Allocate a total sample over strata (docs/methods.md §3.4), in exact arithmetic.

    Proportional: n_h ∝ N_h; Neyman: n_h ∝ N_h·S_h (for a proportion S_h = √(P_h(1−P_h))).
    A stratum whose share exceeds its size N_h is capped at N_h, a stratum whose share is
    below ``min(minimum, N_h)`` is raised to it, and the rest is re-allocated over the
    other strata until no bound is violated. The exact shares are then rounded by largest
    remainder (ties to the stratum listed first), so the result sums to ``n`` exactly.

    Parameters
    ----------
    n : int
        Total sample size, 0 ≤ n ≤ ΣN_h.
    sizes : sequence of int
        Stratum sizes N_h ≥ 0.
    sd : sequence of float, optional
        Stratum standard deviations S_h ≥ 0, required for ``method="neyman"``. Floats are
        taken as written (0.3 is 3/10), so printed ties stay ties.
    method : {"proportional", "neyman"}
        Allocation rule.
    minimum : int
        Minimum sample per stratum (capped at the stratum size), default 2.

    Returns
    -------
    list of int
        n_h per stratum, in the order of ``sizes``; sums to ``n``, each 0 ≤ n_h ≤ N_h.

    Raises
    ------
    ValueError
        Unknown method, negative sizes, n above ΣN_h, the minimums exceeding n, ``sd``
        missing or of the wrong length for Neyman, or all remaining weights zero.

    Examples
    --------
    >>> allocate(150, [1200, 600, 200])
    [90, 45, 15]
    >>> allocate(150, [1200, 600, 200], sd=[0.3, 0.4, 0.5], method="neyman")
    [77, 52, 21]
    """
    if method not in ("proportional", "neyman"):
        raise ValueError(f"method must be 'proportional' or 'neyman', got {method!r}")
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise ValueError("sizes must not be empty")
    if any(s < 0 for s in sizes):
        raise ValueError(f"stratum sizes must be non-negative, got {sizes!r}")
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    n = int(n)
    if n > sum(sizes):
        raise ValueError(f"n = {n} exceeds the population size {sum(sizes)}")
    if minimum < 0:
        raise ValueError(f"minimum must be non-negative, got {minimum!r}")
    if method == "neyman":
        if sd is None:
            raise ValueError("method='neyman' needs sd, the standard deviation of each stratum")
        if len(sd) != len(sizes):
            raise ValueError(f"sd has {len(sd)} values for {len(sizes)} strata")
        sds = [to_fraction(s, name=f"sd[{h}]") for h, s in enumerate(sd)]
        if any(s < 0 for s in sds):
            raise ValueError(f"sd must be non-negative, got {list(sd)!r}")
        weights = [size * s for size, s in zip(sizes, sds, strict=True)]
    else:
        weights = [Fraction(size) for size in sizes]
    floor = [min(int(minimum), size) for size in sizes]
    if sum(floor) > n:
        raise ValueError(f"the minimum of {minimum} per stratum needs {sum(floor)} > n = {n}")

    fixed: dict[int, int] = {}
    while True:
        free = [h for h in range(len(sizes)) if h not in fixed]
        remaining = n - sum(fixed.values())
        total_w = sum(weights[h] for h in free)
        if not free:
            quotas = {}
            break
        if total_w == 0:
            if remaining == 0:
                quotas = {h: Fraction(0) for h in free}
                break
            raise ValueError("all remaining strata have weight 0; cannot allocate the sample")
        quotas = {h: remaining * weights[h] / total_w for h in free}
        over = [h for h in free if quotas[h] > sizes[h]]
        if over:
            fixed.update({h: sizes[h] for h in over})
            continue
        under = [h for h in free if quotas[h] < floor[h]]
        if under:
            fixed.update({h: floor[h] for h in under})
            continue
        break
    free = sorted(quotas)
    rounded = dict(zip(free, largest_remainder([quotas[h] for h in free]), strict=True))
    return [fixed.get(h, rounded.get(h, 0)) for h in range(len(sizes))]


def draw(
    records: pd.DataFrame,
    n_per_stratum: Mapping[object, int] | int,
    *,
    strata: str,
    seed: int,
    key: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Draw the records to inspect: a simple random sample without replacement per stratum.

    The draw is reproducible from ``seed`` and does not depend on the order of the input
    rows: the records are first sorted by ``key`` (default: the index), and each stratum
    gets its own generator seeded by ``(seed, CRC-32 of the stratum label)``, so the
    records drawn in one stratum do not change when another stratum is added or resized.

    Parameters
    ----------
    records : pandas.DataFrame
        The sampling frame, one row per unit.
    n_per_stratum : mapping or int
        Sample size of every stratum present in ``records`` (0 allowed), or one int for
        all strata.
    strata : str
        Column holding the stratum label.
    seed : int
        Seed of the draw; record it with the results.
    key : str or sequence of str, optional
        Column(s) identifying a record uniquely, used to sort before drawing. Default: the
        index, which must then be unique.

    Returns
    -------
    pandas.DataFrame
        The selected rows of ``records`` (original index and columns), sorted by stratum
        and then by ``key``.

    Raises
    ------
    ValueError
        Missing ``strata`` column or missing labels, a non-unique key, a stratum of the
        mapping absent from the records, a stratum of the records absent from the
        mapping, or a sample size that is negative or exceeds its stratum.

    Examples
    --------
    >>> frame = pd.DataFrame({"unit": list("AAABBB"), "id": range(6)}).set_index("id")
    >>> picked = draw(frame, {"A": 2, "B": 1}, strata="unit", seed=7)
    >>> picked.groupby("unit").size().to_dict()
    {'A': 2, 'B': 1}
    >>> picked.equals(draw(frame.iloc[::-1], {"A": 2, "B": 1}, strata="unit", seed=7))
    True
    """
    if strata not in records.columns:
        raise ValueError(f"strata column {strata!r} is not in the records")
    if records[strata].isna().any():
        raise ValueError(f"column {strata!r} has missing stratum labels")
    if key is None:
        if not records.index.is_unique:
            raise ValueError("the index of records is not unique; pass key=<id column(s)>")
        ordered = records.sort_index(kind="mergesort")
    else:
        cols = [key] if isinstance(key, str) else list(key)
        missing = [c for c in cols if c not in records.columns]
        if missing:
            raise ValueError(f"key column(s) {missing!r} are not in the records")
        if records.duplicated(subset=cols).any():
            raise ValueError(f"key {cols!r} does not identify records uniquely")
        ordered = records.sort_values(cols, kind="mergesort")
    present = sorted(ordered[strata].unique(), key=lambda s: (str(type(s)), s))
    if isinstance(n_per_stratum, Mapping):
        unknown = [s for s in n_per_stratum if s not in set(present)]
        if unknown:
            raise ValueError(f"strata {unknown!r} are not in column {strata!r}")
        absent = [s for s in present if s not in n_per_stratum]
        if absent:
            raise ValueError(f"no sample size given for strata {absent!r} (give 0 to skip)")
        wanted = {s: n_per_stratum[s] for s in present}
    else:
        wanted = dict.fromkeys(present, n_per_stratum)
    positions: list[np.ndarray] = []
    labels = ordered[strata].to_numpy()
    for s in present:
        k = wanted[s]
        if isinstance(k, bool) or int(k) != k or k < 0:
            raise ValueError(f"sample size for stratum {s!r} must be a non-negative int, got {k!r}")
        where = np.flatnonzero(labels == s)
        if k > where.size:
            raise ValueError(f"sample size {k} for stratum {s!r} exceeds its {where.size} records")
        rng = np.random.default_rng([int(seed), zlib.crc32(str(s).encode("utf-8"))])
        positions.append(np.sort(rng.choice(where, size=int(k), replace=False)))
    chosen = np.concatenate(positions) if positions else np.array([], dtype=int)
    return ordered.iloc[chosen]
