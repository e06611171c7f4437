"""Tests of kpilib.stats.sampling: GB/T 2828.1 tables, Cochran sizes, allocation, the draw."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.stats.sampling import (
    AQLS,
    LETTERS,
    SAMPLE_SIZES,
    SamplingPlan,
    allocate,
    code_letter,
    draw,
    sample_size,
    single_plan,
    table_2a,
)

# --------------------------------------------------------------------------------------
# GB/T 2828.1-2012 (= ISO 2859-1:1999) Table 1, sample size code letters, every cell as
# printed in the standard (identical in ANSI/ASQ Z1.4-2008 Table I and MIL-STD-105E
# Table I). docs/methods.md §3.1 describes it.
# --------------------------------------------------------------------------------------
LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
TABLE_1 = [
    # (low, high)         S-1  S-2  S-3  S-4  I    II   III
    ((2, 8), "A A A A A A B"),
    ((9, 15), "A A A A A B C"),
    ((16, 25), "A A B B B C D"),
    ((26, 50), "A B B C C D E"),
    ((51, 90), "B B C C C E F"),
    ((91, 150), "B B C D D F G"),
    ((151, 280), "B C D E E G H"),
    ((281, 500), "B C D E F H J"),
    ((501, 1200), "C C E F G J K"),
    ((1201, 3200), "C D E G H K L"),
    ((3201, 10000), "C D F G J L M"),
    ((10001, 35000), "C D F H K M N"),
    ((35001, 150000), "D E G J L N P"),
    ((150001, 500000), "D E G J M P Q"),
    ((500001, 10**9), "D E H K N Q R"),  # "500001 and over"
]
TABLE_1_CASES = [
    pytest.param(lot, level, letter, id=f"{level}-{lot}")
    for (low, high), row in TABLE_1
    for level, letter in zip(LEVELS, row.split(), strict=True)
    for lot in (low, high)
]


@pytest.mark.parametrize(("lot_size", "level", "expected"), TABLE_1_CASES)
def test_code_letter_every_cell_of_table_1(lot_size, level, expected):
    # GB/T 2828.1-2012 Table 1 (both ends of every lot-size range)
    assert code_letter(lot_size, level=level) == expected


def test_code_letter_default_level_is_ii():
    assert code_letter(60) == "E"  # docs/methods.md §3.2 (lot 60, level II → E)


@pytest.mark.parametrize(
    ("lot_size", "level"),
    [(1, "II"), (0, "II"), (-5, "I"), (10.5, "II"), (True, "II"), (50, "IV"), (50, "s-1")],
)
def test_code_letter_rejects_bad_input(lot_size, level):
    with pytest.raises(ValueError):
        code_letter(lot_size, level=level)


def test_sample_sizes_by_letter():
    # docs/methods.md §3.1; GB/T 2828.1 Table 2-A second column
    assert SAMPLE_SIZES == {
        "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50, "J": 80,
        "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
    }  # fmt: skip


# --------------------------------------------------------------------------------------
# GB/T 2828.1-2012 Table 2-A, single sampling plans for normal inspection, written row by
# row from the standard: "v" = ↓ (use the first plan below), "^" = ↑ (first plan above),
# a number = Ac with Re = Ac + 1. Columns are the 26 AQLs 0.010 … 1000.
# --------------------------------------------------------------------------------------
AQL_COLUMNS = [
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40",
    "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65",
    "100", "150", "250", "400", "650", "1000",
]  # fmt: skip
TABLE_2A = {
    # AQL: .010 … .65  1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 150 250 400 650 1000
    "A": "v v v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30",
    "B": "v v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44",
    "C": "v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^",
    "D": "v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^ ^",
    "E": "v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^ ^ ^",
    "F": "v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^",
    "G": "v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^",
    "H": "v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^",
    "J": "v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "K": "v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "L": "v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "M": "v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "N": "v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "P": "v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "Q": "0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "R": "^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
}
_SYMBOL = {"v": "↓", "^": "↑"}


def _literal(letter: str, aql: str) -> int | str:
    token = TABLE_2A[letter].split()[AQL_COLUMNS.index(aql)]
    return _SYMBOL.get(token) or int(token)


def test_table_2a_literal_is_well_formed():
    assert tuple(AQL_COLUMNS) == AQLS
    assert all(len(row.split()) == 26 for row in TABLE_2A.values())
    assert "".join(TABLE_2A) == LETTERS


TABLE_2A_CELLS = [
    pytest.param(letter, aql, id=f"{letter}-{aql}") for letter in LETTERS for aql in AQL_COLUMNS
]


@pytest.mark.parametrize(("letter", "aql"), TABLE_2A_CELLS)
def test_table_2a_every_cell(letter, aql):
    # GB/T 2828.1-2012 Table 2-A, cell by cell
    assert table_2a().loc[letter, aql] == _literal(letter, aql)


# A lot size whose level-II (or level-III for R) code letter is each letter, large enough
# that no plan it can point to is a 100 % inspection.
_LOT_FOR_LETTER = {
    letter: (high, level)
    for (_, high), row in TABLE_1
    for level, letter in zip(("II", "III"), row.split()[5:], strict=True)
    if level == "II" or letter == "R"
}


def _follow(letter: str, aql: str) -> str | None:
    """Follow the arrows of the literal table; None when the arrow leaves the table."""
    i = LETTERS.index(letter)
    while True:
        cell = _literal(LETTERS[i], aql)
        if isinstance(cell, int):
            return LETTERS[i]
        i += 1 if cell == "↓" else -1
        if not 0 <= i < len(LETTERS):
            return None


@pytest.mark.parametrize(("letter", "aql"), TABLE_2A_CELLS)
def test_single_plan_follows_arrows_every_cell(letter, aql):
    # GB/T 2828.1-2012 §10.2 / Table 2-A legend: follow the arrow to the first plan,
    # use that plan's sample size; 100 % inspection when it reaches the lot size.
    lot, level = _LOT_FOR_LETTER[letter]
    if lot > 10**8:
        lot = 500001
    target = _follow(letter, aql)
    if target is None:
        with pytest.raises(ValueError, match="points out of the table"):
            single_plan(lot, aql, level=level)
        return
    ac = _literal(target, aql)
    n = SAMPLE_SIZES[target]
    full = n >= lot
    expected = SamplingPlan(target, lot if full else n, ac, ac + 1, full)
    assert single_plan(lot, aql, level=level) == expected
    assert single_plan(lot, float(aql), level=level) == expected


@pytest.mark.parametrize(
    ("lot_size", "aql", "expected"),
    [
        # docs/methods.md §3.2, level II worked examples
        (60, 2.5, SamplingPlan("F", 20, 1, 2, False)),
        (100, 2.5, SamplingPlan("F", 20, 1, 2, False)),
        (200, 2.5, SamplingPlan("G", 32, 2, 3, False)),
        (20, 4.0, SamplingPlan("B", 3, 0, 1, False)),
        (40, 4.0, SamplingPlan("E", 13, 1, 2, False)),
        (12, 6.5, SamplingPlan("A", 2, 0, 1, False)),
        (20, 6.5, SamplingPlan("D", 8, 1, 2, False)),
        (5, 1.0, SamplingPlan("E", 5, 0, 1, True)),  # plan E, n 13 ≥ lot 5 → 100 %
        # GB/T 2828.1 Tables 1 and 2-A, read by hand
        (1000, 0.65, SamplingPlan("J", 80, 1, 2, False)),  # J at 0.65 → 1/2
        (1000, 1.0, SamplingPlan("J", 80, 2, 3, False)),  # J at 1.0 → 2/3
        (1000, 0.40, SamplingPlan("K", 125, 1, 2, False)),  # J ↓ → K 1/2
        (5000, 0.10, SamplingPlan("K", 125, 0, 1, False)),  # L ↑ → K 0/1
        (50000, 4.0, SamplingPlan("M", 315, 21, 22, False)),  # N ↑ → M 21/22
        # elsmar.com forum thread 20240 (citing MIL-STD-105E Table II-A): letter N at
        # AQL 6.5 has no plan; the arrows lead to letter L, n = 200, Ac 21 / Re 22.
        (50000, 6.5, SamplingPlan("L", 200, 21, 22, False)),
        (3, 6.5, SamplingPlan("A", 2, 0, 1, False)),  # n 2 < lot 3: a real sample
        (2, 6.5, SamplingPlan("A", 2, 0, 1, True)),  # n 2 ≥ lot 2 → 100 %
        (9, 0.010, SamplingPlan("Q", 9, 0, 1, True)),  # B ↓ … Q 0/1, n 1250 ≥ 9
        (15, 1000, SamplingPlan("B", 3, 44, 45, False)),  # B at 1000 → 44/45
        (25, 1000, SamplingPlan("B", 3, 44, 45, False)),  # C ↑ → B 44/45
    ],
)
def test_single_plan_worked_examples(lot_size, aql, expected):
    assert single_plan(lot_size, aql) == expected


@pytest.mark.parametrize(
    ("lot_size", "aql", "level"),
    [
        # The two cells of Table 2-A whose arrow points out of the table: A at AQL 10
        # (↑ in the first row) and R at AQL 0.015 (↓ in the last row).
        (8, 10, "II"),
        (50, 10, "S-1"),  # S-1, lot 26–50 → A
        (600000, 0.015, "III"),
    ],
)
def test_single_plan_dead_end_arrows_raise(lot_size, aql, level):
    with pytest.raises(ValueError, match="points out of the table"):
        single_plan(lot_size, aql, level=level)


@pytest.mark.parametrize(
    ("lot_size", "aql", "level"),
    [(100, 3.0, "II"), (100, "abc", "II"), (100, 2.5, "IV"), (1, 2.5, "II"), (100, None, "II")],
)
def test_single_plan_rejects_bad_input(lot_size, aql, level):
    with pytest.raises(ValueError):
        single_plan(lot_size, aql, level=level)


def test_single_plan_is_frozen():
    plan = single_plan(60, 2.5)
    with pytest.raises(AttributeError):
        plan.n = 3  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# §3.3 sample size for a proportion
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # docs/methods.md §3.3 [C]: z = 1.959964, e 0.05, p 0.5: n0 = 384.1459 → 385
        ({"margin": 0.05}, 385),
        # docs/methods.md §3.3 [C]: N = 1000 → 277.7335 → 278 (Cochran 1977 eq. 4.2)
        ({"margin": 0.05, "population": 1000}, 278),
        # n0/(1 + n0/N) = 384.1459/1.3841459 = 277.53 → 278 [C]
        ({"margin": 0.05, "population": 1000, "fpc": "simple"}, 278),
        # [C] n0 = 1.959964² · 0.1 · 0.9 / 0.03² = 384.1459 → 385
        ({"margin": 0.03, "p": 0.1}, 385),
        # [C] 99 %: 2.575829² · 0.25 / 0.05² = 663.4897 → 664
        ({"margin": 0.05, "confidence": 0.99}, 664),
        # n > N → N (docs/methods.md §3.3); N = 1 → 1
        ({"margin": 0.01, "population": 50, "fpc": "simple"}, 50),
        ({"margin": 0.05, "population": 1}, 1),
        # [C] N = 100: 384.1459/(1 + 383.1459/100) = 79.5 → 80
        ({"margin": 0.05, "population": 100}, 80),
    ],
)
def test_sample_size(kwargs, expected):
    assert sample_size(**kwargs) == expected


def test_sample_size_matches_formula_on_a_grid():
    # Cochran (1977) eq. 4.1/4.2 computed directly with scipy's normal quantile.
    from scipy.stats import norm

    for e in (0.01, 0.02, 0.05, 0.1):
        for p in (0.05, 0.3, 0.5):
            for big_n in (10, 500, 10**6):
                n0 = norm.ppf(0.975) ** 2 * p * (1 - p) / e**2
                want = min(math.ceil(n0 / (1 + (n0 - 1) / big_n) - 1e-9), big_n)
                assert sample_size(e, p=p, population=big_n) == max(want, 1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"margin": 0},
        {"margin": -0.1},
        {"margin": 1.0},
        {"margin": 0.05, "p": 0},
        {"margin": 0.05, "p": 1.2},
        {"margin": 0.05, "population": 0},
        {"margin": 0.05, "confidence": 1.0},
        {"margin": 0.05, "fpc": "kish"},
    ],
)
def test_sample_size_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        sample_size(**kwargs)


# --------------------------------------------------------------------------------------
# §3.4 allocation
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        # docs/methods.md §3.4 [C]: proportional [90, 45, 15]
        ((150, [1200, 600, 200]), {}, [90, 45, 15]),
        # docs/methods.md §3.4 [C]: Neyman exact [77.142857, 51.428571, 21.428571] → [77, 52, 21]
        # (the tie 3/7 = 3/7 in the fractions goes to the stratum listed first)
        ((150, [1200, 600, 200]), {"sd": [0.3, 0.4, 0.5], "method": "neyman"}, [77, 52, 21]),
        # no bound binds: 65.57/32.79/1.64 → largest remainder [65, 33, 2] [C]
        ((100, [400, 200, 10]), {"minimum": 0}, [65, 33, 2]),
        # cap: Neyman weights 100·1 : 10·50 give stratum 2 a share of 50 > 10 → capped at
        # 10 and the other 50 re-allocated to stratum 1 [C]
        ((60, [100, 10]), {"sd": [1, 50], "method": "neyman"}, [50, 10]),
        # minimum: 100·5/1005 = 0.5 < 2 → 2, the rest 98 split 500:500 [C]
        ((100, [500, 500, 5]), {}, [49, 49, 2]),
        # minimum capped at the stratum size (1 unit) [C]
        ((10, [100, 1]), {}, [9, 1]),
        # largest remainder: 10 over 3 equal strata → 4, 3, 3 (tie to the first) [C]
        ((10, [5, 5, 5]), {"minimum": 0}, [4, 3, 3]),
        # Neyman with a constant stratum (S = 0): it gets only the minimum [C]
        ((20, [100, 100]), {"sd": [0.0, 0.5], "method": "neyman"}, [2, 18]),
        # n = N: everybody [C]
        ((30, [10, 20]), {}, [10, 20]),
        ((0, [10, 20]), {"minimum": 0}, [0, 0]),
        # empty stratum gets 0 [C]
        ((10, [0, 20]), {}, [0, 10]),
    ],
)
def test_allocate(args, kwargs, expected):
    assert allocate(*args, **kwargs) == expected


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((31, [10, 20]), {}),  # n > N
        ((-1, [10, 20]), {}),
        ((2.5, [10, 20]), {}),
        ((10, [10, -1]), {}),
        ((10, []), {}),
        ((3, [10, 10]), {}),  # minimums 2 + 2 > 3
        ((10, [10, 10]), {"method": "neyman"}),  # sd missing
        ((10, [10, 10]), {"method": "neyman", "sd": [1.0]}),
        ((10, [10, 10]), {"method": "neyman", "sd": [0.0, 0.0], "minimum": 0}),
        ((10, [10, 10]), {"method": "optimal"}),
    ],
)
def test_allocate_rejects_bad_input(args, kwargs):
    with pytest.raises(ValueError):
        allocate(*args, **kwargs)


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 300), min_size=1, max_size=8),
    sds=st.lists(st.floats(0.01, 5.0, allow_nan=False), min_size=8, max_size=8),
    frac=st.floats(0, 1),
    minimum=st.integers(0, 3),
    neyman=st.booleans(),
)
def test_allocate_properties(sizes, sds, frac, minimum, neyman):
    total = sum(sizes)
    floor_total = sum(min(minimum, s) for s in sizes)
    n = floor_total + round(frac * (total - floor_total))
    kwargs = {"sd": sds[: len(sizes)], "method": "neyman"} if neyman else {}
    out = allocate(n, sizes, minimum=minimum, **kwargs)
    assert sum(out) == n
    assert all(min(minimum, s) <= k <= s for k, s in zip(out, sizes, strict=True))


@settings(max_examples=100, deadline=None)
@given(sizes=st.lists(st.integers(1, 500), min_size=1, max_size=6), frac=st.floats(0, 1))
def test_allocate_proportional_within_one_of_exact_share_when_no_bound_binds(sizes, frac):
    n = round(frac * sum(sizes))
    out = allocate(n, sizes, minimum=0)
    for k, s in zip(out, sizes, strict=True):
        assert abs(k - n * s / sum(sizes)) < 1  # caps cannot bind: n·N_h/N ≤ N_h


# --------------------------------------------------------------------------------------
# draw
# --------------------------------------------------------------------------------------
@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    units = np.repeat(["C01", "C02", "C03"], [40, 25, 10])
    return pd.DataFrame(
        {"record_id": [f"R{i:04d}" for i in range(75)], "unit": units, "v": rng.random(75)}
    ).set_index("record_id")


def test_draw_sizes_and_subset(frame):
    out = draw(frame, {"C01": 5, "C02": 3, "C03": 0}, strata="unit", seed=42)
    assert out.groupby("unit").size().to_dict() == {"C01": 5, "C02": 3}
    assert out.index.is_unique and out.index.isin(frame.index).all()
    pd.testing.assert_frame_equal(out, frame.loc[out.index])


def test_draw_is_reproducible_and_order_independent(frame):
    first = draw(frame, 4, strata="unit", seed=2024)
    again = draw(frame, 4, strata="unit", seed=2024)
    shuffled = draw(frame.sample(frac=1, random_state=3), 4, strata="unit", seed=2024)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, shuffled)
    other = draw(frame, 4, strata="unit", seed=2025)
    assert not first.index.equals(other.index)


def test_draw_by_key_column_ignores_index(frame):
    flat = frame.reset_index()
    a = draw(flat, 3, strata="unit", seed=1, key="record_id")
    b = draw(flat.sample(frac=1, random_state=9).reset_index(drop=True), 3, strata="unit",
             seed=1, key="record_id")  # fmt: skip
    assert a["record_id"].tolist() == b["record_id"].tolist()


def test_draw_stratum_is_independent_of_other_strata(frame):
    a = draw(frame, {"C01": 5, "C02": 3, "C03": 2}, strata="unit", seed=5)
    b = draw(frame[frame["unit"] != "C03"], {"C01": 5, "C02": 8}, strata="unit", seed=5)
    assert a[a["unit"] == "C01"].index.equals(b[b["unit"] == "C01"].index)


def test_draw_everything_and_nothing(frame):
    assert len(draw(frame, {"C01": 40, "C02": 25, "C03": 10}, strata="unit", seed=0)) == 75
    assert draw(frame, 0, strata="unit", seed=0).empty


@pytest.mark.parametrize(
    ("n_per_stratum", "kwargs"),
    [
        ({"C01": 1, "C02": 1, "C03": 1, "C09": 1}, {}),  # unknown stratum
        ({"C01": 1, "C02": 1}, {}),  # C03 not given
        ({"C01": 1, "C02": 1, "C03": 11}, {}),  # more than the 10 records
        (11, {}),
        (-1, {}),
        (1, {"strata": "county"}),
        (1, {"key": "nope"}),
    ],
)
def test_draw_rejects_bad_input(frame, n_per_stratum, kwargs):
    kw = {"strata": "unit", "seed": 0} | kwargs
    with pytest.raises(ValueError):
        draw(frame, n_per_stratum, **kw)


def test_draw_rejects_duplicate_index_and_missing_labels(frame):
    dup = pd.concat([frame, frame.iloc[:1]])
    with pytest.raises(ValueError, match="not unique"):
        draw(dup, 1, strata="unit", seed=0)
    holed = frame.copy()
    holed.iloc[0, holed.columns.get_loc("unit")] = None
    with pytest.raises(ValueError, match="missing"):
        draw(holed, 1, strata="unit", seed=0)
