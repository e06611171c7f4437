"""Tests of kpilib.exact: exact values as written and largest-remainder rounding.

Worked examples from docs/methods.md §1.8 (forced distribution), §1.10 (money in fen) and
§3.4 (stratified allocation); each is also checked through the caller that uses it.
"""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.exact import largest_remainder, to_fraction
from kpilib.scoring import rules
from kpilib.stats import sampling


# --------------------------------------------------------------------------------- to_fraction
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.2, Fraction(1, 5)),  # the decimal as written, not the binary double
        (0.7, Fraction(7, 10)),
        (0.1 + 0.2, Fraction("0.30000000000000004")),  # what was computed is what is read
        (np.float64(0.3), Fraction(3, 10)),
        (3, Fraction(3)),
        (np.int64(7), Fraction(7)),
        (Fraction(1, 3), Fraction(1, 3)),
        (Decimal("0.20"), Fraction(1, 5)),
        ("0.2", Fraction(1, 5)),
        (" 1/5 ", Fraction(1, 5)),
        ("20", Fraction(20)),
        (-0.5, Fraction(-1, 2)),  # negatives allowed unless nonnegative=True
        (0.0, Fraction(0)),
    ],
)
def test_to_fraction_reads_the_value_as_written(value, expected):
    assert to_fraction(value) == expected


def test_floats_times_a_head_count_are_exact():
    # docs/methods.md §0: in floats 0.7 * 90 == 62.99999999999999; exactly 63 here
    assert 0.7 * 90 != 63
    assert to_fraction(0.7) * 90 == 63


@pytest.mark.parametrize(
    ("value", "exc", "match"),
    [
        (True, TypeError, "share of grade 'A' must be a number.*bool"),
        (np.bool_(False), TypeError, "bool"),
        (None, TypeError, "share of grade 'A'.*NoneType"),
        ([0.2], TypeError, "list"),
        (float("nan"), ValueError, "share of grade 'A'.*finite"),
        (float("inf"), ValueError, "finite"),
        ("x", ValueError, r"share of grade 'A': cannot read 'x'"),
        ("1/0", ValueError, "cannot read '1/0'"),
        ("", ValueError, "cannot read ''"),
    ],
)
def test_to_fraction_names_the_bad_value(value, exc, match):
    with pytest.raises(exc, match=match):
        to_fraction(value, name="share of grade 'A'")


def test_to_fraction_nonnegative():
    assert to_fraction(0, nonnegative=True) == 0
    with pytest.raises(ValueError, match=r"weights\[1\] must be >= 0, got -0.2"):
        to_fraction(-0.2, name="weights[1]", nonnegative=True)
    with pytest.raises(ValueError, match=">= 0"):
        to_fraction("-1/3", nonnegative=True)


# --------------------------------------------------------------------------- largest_remainder
@pytest.mark.parametrize(
    ("quotas", "expected"),
    [
        # docs/methods.md §1.8 worked example: N = 23 at 20/70/10 % -> 4.6/16.1/2.3 -> 5/16/2
        ([Fraction(23, 5), Fraction(161, 10), Fraction(23, 10)], [5, 16, 2]),
        # docs/methods.md §1.10: 1,000,000 fen in thirds -> 333,334/333,333/333,333
        ([Fraction(1_000_000, 3)] * 3, [333_334, 333_333, 333_333]),
        # docs/methods.md §3.4: proportional 150 over 1200/600/200 is exact already
        ([Fraction(90), Fraction(45), Fraction(15)], [90, 45, 15]),
        # docs/methods.md §3.4: Neyman 77.142857/51.428571/21.428571 -> 77/52/21
        ([Fraction(540, 7), Fraction(360, 7), Fraction(150, 7)], [77, 52, 21]),
        # ties go to the first listed: 1.5/1.5/7 -> 2/1/7
        ([Fraction(3, 2), Fraction(3, 2), Fraction(7)], [2, 1, 7]),
        ([Fraction(2, 3)] * 3, [1, 1, 0]),
        # ints pass through; zero quotas stay zero
        ([3, 0, 4], [3, 0, 4]),
        ([Fraction(0), Fraction(0)], [0, 0]),
        ([np.int64(2), Fraction(1, 2), Fraction(1, 2)], [2, 1, 0]),
        # edge: nothing to round
        ([], []),
        ([Fraction(5)], [5]),
    ],
)
def test_largest_remainder(quotas, expected):
    got = largest_remainder(quotas)
    assert got == expected
    assert all(type(v) is int for v in got)


@pytest.mark.parametrize(
    ("quotas", "exc", "match"),
    [
        ([Fraction(1, 2)], ValueError, "whole number, got 1/2"),
        ([Fraction(1, 3), Fraction(1, 3)], ValueError, "whole number"),
        ([Fraction(-1), Fraction(2)], ValueError, r"quotas\[0\] must be >= 0"),
        ([0.5, 0.5], TypeError, r"quotas\[0\].*float.*to_fraction"),
        ([True, 1], TypeError, "bool"),
        (["1", "1"], TypeError, "str"),
    ],
)
def test_largest_remainder_invalid(quotas, exc, match):
    with pytest.raises(exc, match=match):
        largest_remainder(quotas)


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(0, 10**6),
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_sums_exactly_and_stays_within_one(total, weights):
    quotas = [Fraction(total * w, sum(weights)) for w in weights]
    got = largest_remainder(quotas)
    assert sum(got) == total
    for count, q in zip(got, quotas, strict=True):
        assert q - 1 < count < q + 1
    # the leftover goes to the largest remainders: no unit rounded up has a smaller
    # fractional part than a unit rounded down
    up = [q - int(q) for c, q in zip(got, quotas, strict=True) if c > q]
    down = [q - int(q) for c, q in zip(got, quotas, strict=True) if c < q]
    if up and down:
        assert min(up) >= max(down)


# ------------------------------------------------------------------- the callers share it
def test_quota_forced_distribution_split_fen_and_allocate_use_the_same_rounding():
    # docs/methods.md §1.8: N = 23 shares 0.2/0.7/0.1 -> 5/16/2
    assert rules.quota(23, {"A": 0.2, "B": 0.7, "C": 0.1}) == {"A": 5, "B": 16, "C": 2}
    graded = rules.forced_distribution(
        list(range(23, 0, -1)), shares={"A": 0.2, "B": 0.7, "C": 0.1}, ties="admit_all"
    )
    assert graded.assigned == {"A": 5, "B": 16, "C": 2}
    # docs/methods.md §1.10: 10,000.00 yuan in thirds -> 3,333.34 / 3,333.33 / 3,333.33
    assert rules.split_fen(1_000_000, [1, 1, 1]) == [333_334, 333_333, 333_333]
    # docs/methods.md §3.4: Neyman [77.142857, 51.428571, 21.428571] -> [77, 52, 21]
    assert sampling.allocate(150, [1200, 600, 200], sd=[0.3, 0.4, 0.5], method="neyman") == [
        77,
        52,
        21,
    ]
    # the same tie rule everywhere: first listed wins
    assert rules.split_fen(2, [1, 1, 1]) == [1, 1, 0]
    assert sampling.allocate(2, [10, 10, 10], minimum=0) == [1, 1, 0]


def test_sampling_reads_sd_as_written():
    # 0.3 and 0.1 * 3 differ as written; "0.3" and Fraction(3, 10) are the same number
    as_float = sampling.allocate(100, [50, 50], sd=[0.3, 0.3], method="neyman", minimum=0)
    as_text = sampling.allocate(100, [50, 50], sd=["0.3", Fraction(3, 10)], method="neyman")
    assert as_float == as_text == [50, 50]
    with pytest.raises(ValueError, match=r"sd\[1\].*finite"):
        sampling.allocate(10, [50, 50], sd=[0.3, float("nan")], method="neyman")
