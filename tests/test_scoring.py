"""Tests of kpilib.scoring.rules against docs/methods.md §1 (sources cited per case)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.scoring import rules as sc

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------
# §1.1 completion
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        # docs/methods.md §1.1 [C] W=30, target 500, cap 1.2, threshold 0.6
        (560, 33.6),
        (650, 36.0),
        (500, 30.0),
        (300, 18.0),  # exactly at the threshold: inclusive
        (280, 0.0),
    ],
)
def test_completion_spec_examples(actual, expected):
    got = sc.completion(actual, 500, weight=30, cap=1.2, threshold=0.6)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, abs=1e-9)


def test_completion_floor_score_below_threshold():
    # hand computation: r = 0.5 < 0.6 -> floor 5; r = 0.6 -> 18
    got = sc.completion([250, 300], 500, weight=30, threshold=0.6, floor_score=5)
    assert got.tolist() == pytest.approx([5.0, 18.0])


def test_completion_shapes_and_index():
    s = pd.Series([560.0, 280.0], index=["张三", "李四"])
    out = sc.completion(s, pd.Series([500.0, 400.0], index=s.index), weight=30)
    assert isinstance(out, pd.Series)
    assert list(out.index) == ["张三", "李四"]
    assert out.tolist() == pytest.approx([33.6, 21.0])
    arr = sc.completion(np.array([[500.0, 600.0]]), np.array([500.0, 500.0]), weight=10)
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (1, 2)


@pytest.mark.parametrize("target", [0, -5.0])
def test_completion_non_positive_target_raises(target):
    with pytest.raises(ValueError, match=r"positive target.*position 1.*tiered"):
        sc.completion([1.0, 2.0], [1.0, target], weight=10)


def test_completion_error_names_series_label():
    with pytest.raises(ValueError, match="index label 'b'"):
        sc.completion(
            pd.Series([1.0, 1.0], index=["a", "b"]),
            pd.Series([1.0, 0.0], index=["a", "b"]),
            weight=1,
        )


def test_completion_nan_policy():
    with pytest.raises(ValueError, match=r"missing values.*position 1"):
        sc.completion([1.0, np.nan], 1.0, weight=10)
    out = sc.completion([1.0, np.nan], 1.0, weight=10, nan_policy="omit")
    assert out[0] == 10.0
    assert np.isnan(out[1])


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"weight": -1}, ValueError),
        ({"weight": 10, "cap": 0}, ValueError),
        ({"weight": 10, "threshold": -0.1}, ValueError),
        ({"weight": 10, "threshold": 0.5, "floor_score": 6}, ValueError),  # 6 > 10*0.5
        ({"weight": True}, TypeError),
        ({"weight": "10"}, TypeError),
        ({"weight": 10, "nan_policy": "ignore"}, ValueError),
    ],
)
def test_completion_bad_parameters(kwargs, exc):
    with pytest.raises(exc):
        sc.completion(1.0, 1.0, **kwargs)


@pytest.mark.parametrize(
    ("actual", "target", "exc"),
    [
        (np.inf, 1.0, ValueError),
        ("5", 1.0, TypeError),
        (np.array(["a"]), 1.0, TypeError),
        (pd.DataFrame({"a": [1.0]}), 1.0, TypeError),
        (pd.Series([True]), 1.0, TypeError),
        ([1.0, 2.0, 3.0], [1.0, 2.0], ValueError),  # not broadcastable
    ],
)
def test_completion_bad_inputs(actual, target, exc):
    with pytest.raises(exc):
        sc.completion(actual, target, weight=1)


def test_series_with_different_indexes_rejected():
    with pytest.raises(ValueError, match="different index"):
        sc.completion(pd.Series([1.0], index=["a"]), pd.Series([1.0], index=["b"]), weight=1)


@settings(max_examples=60, deadline=None)
@given(a=finite, delta=st.floats(0, 1e6), target=positive)
def test_completion_monotone(a, delta, target):
    lo = sc.completion(a, target, weight=30, threshold=0.6, floor_score=5)
    hi = sc.completion(a + delta, target, weight=30, threshold=0.6, floor_score=5)
    assert hi >= lo
    assert 0 <= lo <= 30 * 1.2 + 1e-9


# --------------------------------------------------------------------------
# §1.2 tiered
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # docs/methods.md §1.2 [C] B/T/C = 400/500/600
        (380, 0.0),
        (400, 60.0),
        (450, 80.0),
        (500, 100.0),
        (550, 110.0),
        (600, 120.0),
        (700, 120.0),
    ],
)
def test_tiered_spec_examples(x, expected):
    assert sc.tiered(x, base=400, target=500, challenge=600) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # hand computation, reverse direction B/T/C = 3.0/2.0/1.5 (mirror of the above)
        (3.2, 0.0),
        (3.0, 60.0),
        (2.5, 80.0),
        (2.0, 100.0),
        (1.75, 110.0),
        (1.5, 120.0),
        (0.5, 120.0),
    ],
)
def test_tiered_reverse_direction(x, expected):
    assert sc.tiered(x, base=3.0, target=2.0, challenge=1.5) == pytest.approx(expected)


def test_tiered_per_staff_arrays_and_below_base():
    out = sc.tiered(
        np.array([450.0, 90.0]),
        base=np.array([400.0, 100.0]),
        target=np.array([500.0, 200.0]),
        challenge=np.array([600.0, 300.0]),
        below_base=30.0,
    )
    assert out.tolist() == pytest.approx([80.0, 30.0])


@pytest.mark.parametrize(
    ("b", "t", "c", "match"),
    [
        (500, 500, 600, "target - base"),
        (400, 500, 500, "challenge - target"),
        (400, 500, 450, "monotone"),
        ([400, 400], [500, 500], [600, 500], "challenge - target.*position 1"),
    ],
)
def test_tiered_degenerate_tiers_raise(b, t, c, match):
    with pytest.raises(ValueError, match=match):
        sc.tiered(450, base=b, target=t, challenge=c)


@pytest.mark.parametrize("kwargs", [{"low": 110}, {"mid": 130}, {"below_base": 70}])
def test_tiered_bad_levels(kwargs):
    with pytest.raises(ValueError):
        sc.tiered(450, base=400, target=500, challenge=600, **kwargs)


@settings(max_examples=60, deadline=None)
@given(x=finite, delta=st.floats(0, 1e6), reverse=st.booleans())
def test_tiered_monotone(x, delta, reverse):
    if reverse:  # lower is better: a better actual is a smaller one
        lo = sc.tiered(x + delta, base=600, target=500, challenge=400)
        hi = sc.tiered(x, base=600, target=500, challenge=400)
    else:
        lo = sc.tiered(x, base=400, target=500, challenge=600)
        hi = sc.tiered(x + delta, base=400, target=500, challenge=600)
    assert hi >= lo - 1e-9
    assert 0 <= lo <= 120


# --------------------------------------------------------------------------
# §1.3 reverse indicators
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actual", "target", "method", "expected"),
    [
        (2.5, 2.0, "ratio", 0.8),  # docs/methods.md §1.3 [C] (a)
        (2.5, 2.0, "difference", 0.75),  # docs/methods.md §1.3 [C] (b)
        (2.4, 2.0, "ratio", 2.0 / 2.4),  # docs/methods.md §1.7 churn item
        (0.0, 2.0, "ratio", 1.2),  # actual 0 -> cap (documented fallback)
        (1.0, 2.0, "ratio", 1.2),  # 2.0 capped at 1.2
        (1.0, 2.0, "difference", 1.2),  # 1.5 capped at 1.2
        (5.0, 2.0, "difference", 0.0),  # -0.5 floored at 0
        (1.9, 2.0, "difference", 1.05),  # hand computation
    ],
)
def test_reverse(actual, target, method, expected):
    assert sc.reverse(actual, target, method=method) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("actual", "target", "match"),
    [(1.0, 0.0, "positive target"), (1.0, -1.0, "positive target"), (-0.1, 2.0, "actual")],
)
def test_reverse_invalid(actual, target, match):
    with pytest.raises(ValueError, match=match):
        sc.reverse(actual, target)


def test_reverse_bad_method():
    with pytest.raises(ValueError, match="'ratios'"):
        sc.reverse(1.0, 1.0, method="ratios")


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0, 1e3), delta=st.floats(0, 1e3), method=st.sampled_from(["ratio", "difference"])
)
def test_reverse_monotone(a, delta, method):
    # lower actual is better
    assert sc.reverse(a, 2.0, method=method) >= sc.reverse(a + delta, 2.0, method=method)


@pytest.mark.parametrize(
    ("actual", "per_step", "expected"),
    [
        # hand computation: W 10, target 2, k 2 per 1
        (1.0, "proportional", 10.0),
        (2.0, "proportional", 10.0),
        (2.5, "proportional", 9.0),
        (4.0, "proportional", 6.0),
        (12.0, "proportional", 0.0),  # floored at 0
        (2.5, "started", 8.0),
        (2.5, "completed", 10.0),
        (4.0, "started", 6.0),
    ],
)
def test_deduction(actual, per_step, expected):
    got = sc.deduction(actual, 2.0, weight=10, k=2, step=1, per_step=per_step)
    assert got == pytest.approx(expected)


def test_deduction_step_count_survives_float_noise():
    # (0.3 - 0.1) / 0.1 == 2.0000000000000004 in floating point: still 2 steps
    assert sc.deduction(0.3, 0.1, weight=10, k=1, step=0.1, per_step="started") == 8.0


@pytest.mark.parametrize("kwargs", [{"step": 0}, {"k": -1}, {"per_step": "each"}])
def test_deduction_invalid(kwargs):
    args = {"weight": 10, "k": 1, "step": 1} | kwargs
    with pytest.raises(ValueError):
        sc.deduction(3.0, 2.0, **args)


def test_rate_zero_denominator_not_applicable():
    # docs/methods.md §0: a rate with denominator 0 is not applicable (NaN), not 0 %
    out = sc.rate(pd.Series([3, 0, 5]), pd.Series([12_000, 0, 50_000]), per=10_000)
    assert out.iloc[0] == pytest.approx(2.5)
    assert np.isnan(out.iloc[1])
    assert out.iloc[2] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="denominator"):
        sc.rate(1, -1)


# --------------------------------------------------------------------------
# §1.4 efficacy
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "xh", "xs", "clip", "expected"),
    [
        (5.81, 12, 6, None, 58.733333),  # docs/methods.md §1.4 [P] statistics examination item
        (2.8, 1.5, 3.5, None, 74.0),  # docs/methods.md §1.4 [C] churn
        (1.0, 1.5, 3.5, None, 110.0),  # docs/methods.md §1.4 [C] unclipped
        (1.0, 1.5, 3.5, (0, 100), 100.0),  # clip policy
        (4.0, 1.5, 3.5, (60, 100), 60.0),  # hand computation: 50 clipped to 60
        (86, 95, 80, None, 76.0),  # docs/methods.md §1.7 satisfaction item
    ],
)
def test_efficacy(x, xh, xs, clip, expected):
    got = sc.efficacy(x, satisfactory=xh, not_allowed=xs, clip=clip)
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"satisfactory": 3, "not_allowed": 3}, ValueError),
        ({"satisfactory": 5, "not_allowed": 3, "clip": (100, 0)}, ValueError),
        ({"satisfactory": 5, "not_allowed": 3, "clip": [0, 100]}, TypeError),
    ],
)
def test_efficacy_invalid(kwargs, exc):
    with pytest.raises(exc):
        sc.efficacy(4, **kwargs)


@settings(max_examples=60, deadline=None)
@given(x=finite, delta=st.floats(0, 1e6), reverse=st.booleans())
def test_efficacy_monotone(x, delta, reverse):
    if reverse:
        lo = sc.efficacy(x + delta, satisfactory=1.5, not_allowed=3.5)
        hi = sc.efficacy(x, satisfactory=1.5, not_allowed=3.5)
    else:
        lo = sc.efficacy(x, satisfactory=95, not_allowed=80)
        hi = sc.efficacy(x + delta, satisfactory=95, not_allowed=80)
    assert hi >= lo - 1e-6


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (7.5, 14.0),  # docs/methods.md §1.4 [C] W 20, standards 12/9/6/3/0
        (12.0, 20.0),  # at Excellent
        (15.0, 20.0),  # beyond Excellent
        (9.0, 16.0),  # at Good: 0.8 W
        (6.0, 12.0),  # at Average: 0.6 W
        (1.5, 6.0),  # hand: 0.2*20 + 0.5*20*0.2
        (0.0, 4.0),  # at Poor: 0.2 W
        (-0.5, 0.0),  # below Poor
    ],
)
def test_efficacy_tiered(x, expected):
    got = sc.efficacy_tiered(x, standards=(12, 9, 6, 3, 0), weight=20)
    assert got == pytest.approx(expected)


def test_efficacy_tiered_lower_is_better_mirrors():
    x = np.array([-1.0, 0.0, 1.5, 4.5, 7.5, 12.0, 13.0])
    higher = sc.efficacy_tiered(x, standards=(12, 9, 6, 3, 0), weight=20)
    lower = sc.efficacy_tiered(-x, standards=(-12, -9, -6, -3, 0), weight=20)
    np.testing.assert_allclose(higher, lower)


@pytest.mark.parametrize(
    ("standards", "coefficients"),
    [
        ((12, 9, 9, 3, 0), (1.0, 0.8, 0.6, 0.4, 0.2)),  # not strict
        ((12, 9, 10, 3, 0), (1.0, 0.8, 0.6, 0.4, 0.2)),  # not monotone
        ((12, 9, 6), (1.0, 0.8, 0.6, 0.4, 0.2)),  # length mismatch
        ((12, 9, 6, 3, 0), (1.0, 0.8, 0.8, 0.4, 0.2)),  # coefficients not falling
    ],
)
def test_efficacy_tiered_invalid(standards, coefficients):
    with pytest.raises(ValueError):
        sc.efficacy_tiered(5, standards=standards, weight=20, coefficients=coefficients)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-5, 20), delta=st.floats(0, 20))
def test_efficacy_tiered_monotone(x, delta):
    lo = sc.efficacy_tiered(x, standards=(12, 9, 6, 3, 0), weight=20)
    hi = sc.efficacy_tiered(x + delta, standards=(12, 9, 6, 3, 0), weight=20)
    assert hi >= lo - 1e-9
    assert 0 <= lo <= 20


# --------------------------------------------------------------------------
# §1.5 ranking
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "kwargs", "expected"),
    [
        # docs/methods.md §1.5 [C] ties = min
        ([95, 88, 88, 70, 60], {}, [100, 90, 90, 70, 60]),
        # hand computation: average ranks [1, 2.5, 2.5, 4, 5]
        ([95, 88, 88, 70, 60], {"ties": "average"}, [100, 85, 85, 70, 60]),
        # hand computation: dense ranks [1, 2, 2, 3, 4], N kept at 5
        ([95, 88, 88, 70, 60], {"ties": "dense"}, [100, 90, 90, 80, 70]),
        # hand: lower is better, ranks [5, 3, 3, 2, 1]
        ([95, 88, 88, 70, 60], {"higher_is_better": False}, [60, 80, 80, 90, 100]),
        ([42.0], {}, [100.0]),  # N = 1 -> best
        ([5, 5, 5], {}, [100, 100, 100]),  # all tied
        ([], {}, []),  # empty field
    ],
)
def test_rank_score(values, kwargs, expected):
    got = sc.rank_score(np.array(values, dtype=float), **kwargs)
    assert got.tolist() == pytest.approx(expected)


def test_rank_score_scalar_and_series():
    assert sc.rank_score(7.0) == 100.0
    s = pd.Series([1.0, 3.0, 2.0], index=["a", "b", "c"])
    assert sc.rank_score(s).to_dict() == pytest.approx({"a": 60.0, "b": 100.0, "c": 80.0})


def test_rank_score_nan_policy():
    with pytest.raises(ValueError, match="missing"):
        sc.rank_score([1.0, np.nan])
    out = sc.rank_score([3.0, np.nan, 1.0], nan_policy="omit")
    assert out[0] == 100.0
    assert np.isnan(out[1])
    assert out[2] == 60.0  # N counts present values only


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"ties": "max"}, ValueError),
        ({"best": 50}, ValueError),
        ({"higher_is_better": 1}, TypeError),
    ],
)
def test_rank_score_invalid(kwargs, exc):
    with pytest.raises(exc):
        sc.rank_score([1.0, 2.0], **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=2, max_size=12),
    i=st.integers(0, 11),
    ties=st.sampled_from(["min", "average", "dense"]),
)
def test_rank_score_monotone(values, i, ties):
    i %= len(values)
    before = sc.rank_score(np.array(values, float), ties=ties)
    better = list(values)
    better[i] += 1
    after = sc.rank_score(np.array(better, float), ties=ties)
    assert after[i] >= before[i] - 1e-9
    assert np.all((before >= 60 - 1e-9) & (before <= 100 + 1e-9))


# --------------------------------------------------------------------------
# §1.6 step
# --------------------------------------------------------------------------
RULE = [(1.0, 10), (0.9, 8), (0.8, 6)]


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # docs/methods.md §1.6 [C]
        (1.05, 10.0),
        (1.00, 10.0),
        (0.95, 8.0),
        (0.90, 8.0),
        (0.85, 6.0),
        (0.79, 0.0),
        (0.92, 8.0),  # docs/methods.md §1.7 visits item
    ],
)
def test_step_spec_examples(x, expected):
    assert sc.step(x, brackets=RULE, below=0) == expected
    assert sc.step(x, brackets=[(-np.inf, 0), *RULE[::-1]]) == expected


def test_step_below_lowest_bound_raises_without_below():
    with pytest.raises(ValueError, match=r"below the lowest.*position 1"):
        sc.step([0.95, 0.5], brackets=RULE)


@pytest.mark.parametrize(
    ("brackets", "exc"),
    [
        ([(1.0, 10), (1.0, 8)], ValueError),  # duplicate bound
        ([], ValueError),
        ([(np.nan, 1)], ValueError),
        ([(np.inf, 1)], ValueError),
        ([(1.0,)], TypeError),
        ({1.0: 10}, TypeError),
        ([("1.0", 10)], TypeError),
    ],
)
def test_step_invalid_brackets(brackets, exc):
    with pytest.raises(exc):
        sc.step(1.0, brackets=brackets, below=0)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-2, 3), delta=st.floats(0, 3))
def test_step_monotone(x, delta):
    assert sc.step(x + delta, brackets=RULE, below=0) >= sc.step(x, brackets=RULE, below=0)


# --------------------------------------------------------------------------
# §1.7 composite: the customer-manager example end to end
# --------------------------------------------------------------------------
def _customer_manager_items() -> list[float]:
    # docs/methods.md §1.7 [C] weights 40/20/15/10/5/10
    return [
        40 * sc.tiered(530, base=400, target=500, challenge=600) / 100,  # 42.4
        sc.completion(18, 15, weight=20, cap=1.2),  # 24.0
        15 * sc.reverse(2.4, 2.0, method="ratio"),  # 12.5
        sc.step(0.92, brackets=RULE, below=0),  # 8
        sc.completion(47, 50, weight=5),  # 4.7
        10 * sc.efficacy(86, satisfactory=95, not_allowed=80) / 100,  # 7.6
    ]


def test_composite_customer_manager_example():
    items = _customer_manager_items()
    # docs/methods.md §1.7 [C] item scores
    assert items == pytest.approx([42.4, 24.0, 12.5, 8.0, 4.7, 7.6], abs=1e-9)
    out = sc.composite(
        items, bonus=[3, 2], bonus_cap=4, deduction=[1.5], deduction_cap=10, max_total=120
    )
    row = out.iloc[0]
    assert row["base"] == pytest.approx(99.2)  # docs/methods.md §1.7 [C]
    assert row["bonus"] == pytest.approx(5.0)
    assert row["bonus_applied"] == pytest.approx(4.0)
    assert row["deduction_applied"] == pytest.approx(1.5)
    assert row["total"] == pytest.approx(101.7)  # docs/methods.md §1.7 [C]
    assert not row["clamped"]
    assert not row["vetoed"]
    assert row["veto_items"] == ""

    vetoed = sc.composite(
        items,
        bonus=[3, 2],
        bonus_cap=4,
        deduction=1.5,
        deduction_cap=10,
        max_total=120,
        veto=[False, True],
    )
    assert vetoed.loc[0, "total"] == 0.0  # docs/methods.md §1.7 [C] with a veto -> 0
    assert vetoed.loc[0, "vetoed"]
    assert vetoed.loc[0, "veto_items"] == "veto_1"


def test_composite_frame_columns_and_named_vetoes():
    items = pd.DataFrame({"a": [50.0, 100.0, 5.0], "b": [30.0, 30.0, 0.0]}, index=["x", "y", "z"])
    veto = pd.DataFrame(
        {"安全生产": [False, False, True], "廉洁": [False, False, True]}, index=items.index
    )
    out = sc.composite(
        items,
        bonus=pd.Series([0.0, 10.0, 0.0], index=items.index),
        bonus_cap=5,
        deduction=np.array([0.0, 0.0, 20.0]),
        deduction_cap=10,
        max_total=120,
        veto=veto,
        veto_policy="lowest_grade",
    )
    assert list(out.columns) == [
        "base",
        "bonus",
        "bonus_applied",
        "deduction",
        "deduction_applied",
        "clamped",
        "vetoed",
        "veto_items",
        "total",
    ]
    assert list(out.index) == ["x", "y", "z"]
    # hand computation: 80; 130 + 5 -> clamp 120; 5 - 10 -> clamp 0 (vetoed, total kept)
    assert out["total"].tolist() == pytest.approx([80.0, 120.0, 0.0])
    assert out["clamped"].tolist() == [False, True, True]
    assert out["vetoed"].tolist() == [False, False, True]
    assert out.loc["z", "veto_items"] == "安全生产, 廉洁"


def test_composite_lowest_grade_policy_keeps_total():
    out = sc.composite(
        [[50.0, 40.0]],
        bonus_cap=0,
        deduction_cap=0,
        max_total=100,
        veto=np.array([True]),
        veto_policy="lowest_grade",
    )
    assert out.loc[0, "total"] == 90.0
    assert out.loc[0, "vetoed"]


def test_composite_nan_policy():
    with pytest.raises(ValueError, match="missing"):
        sc.composite([[1.0, np.nan]], bonus_cap=0, deduction_cap=0, max_total=10)
    out = sc.composite(
        [[1.0, np.nan], [1.0, 2.0]], bonus_cap=0, deduction_cap=0, max_total=10, nan_policy="omit"
    )
    assert np.isnan(out.loc[0, "total"])
    assert out.loc[1, "total"] == 3.0


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"bonus": -1.0}, ValueError),
        ({"deduction": -1.0}, ValueError),
        ({"bonus_cap": -1}, ValueError),
        ({"max_total": 0}, ValueError),
        ({"veto": 1}, TypeError),
        ({"veto_policy": "grade"}, ValueError),
        ({"bonus": [1.0, 2.0, 3.0]}, ValueError),  # wrong length for 2 rows
    ],
)
def test_composite_invalid(kwargs, exc):
    args = {"bonus_cap": 5, "deduction_cap": 5, "max_total": 100} | kwargs
    with pytest.raises(exc):
        sc.composite([[1.0, 2.0], [3.0, 4.0]], **args)


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(st.floats(-50, 200), min_size=1, max_size=6),
    bonus=st.lists(st.floats(0, 50), max_size=3),
    ded=st.lists(st.floats(0, 50), max_size=3),
    veto=st.booleans(),
)
def test_composite_total_within_bounds(items, bonus, ded, veto):
    out = sc.composite(
        items,
        bonus=bonus or 0.0,
        bonus_cap=5,
        deduction=ded or 0.0,
        deduction_cap=10,
        max_total=120,
        veto=veto,
    )
    total = out.loc[0, "total"]
    assert 0.0 <= total <= 120.0
    if veto:
        assert total == 0.0


# --------------------------------------------------------------------------
# §1.8 quotas and forced distribution
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "shares", "policy", "expected"),
    [
        # docs/methods.md §1.8 [C] N = 23: 4.6/16.1/2.3
        (23, {"A": 0.2, "B": 0.7, "C": 0.1}, "largest_remainder", [5, 16, 2]),
        (23, {"A": 0.2, "B": 0.7, "C": 0.1}, "strict", [4, 16, 3]),
        (23, {"A": "20", "B": "70", "C": "10"}, "largest_remainder", [5, 16, 2]),
        (23, {"A": Fraction(1, 5), "B": "0.7", "C": "1/10"}, "largest_remainder", [5, 16, 2]),
        # 0.7 * 90 is 62.999... in floats, exactly 63 here (docs/methods.md §0)
        (90, {"A": 0.2, "B": 0.7, "C": 0.1}, "largest_remainder", [18, 63, 9]),
        # hand: 10 x 0.15/0.15/0.7 -> 1.5/1.5/7: tie -> first grade
        (10, {"A": 0.15, "B": 0.15, "C": 0.7}, "largest_remainder", [2, 1, 7]),
        # strict: A floor 1, C ceil 7, leftover 1 to middle B
        (10, {"A": 0.15, "B": 0.15, "C": 0.7}, "strict", [1, 2, 7]),
        (0, {"A": 0.2, "B": 0.8}, "strict", [0, 0]),
        (7, {"A": 1}, "strict", [7]),
        (3, {"A": 0.5, "B": 0.5}, "strict", [1, 2]),
    ],
)
def test_quota(n, shares, policy, expected):
    got = sc.quota(n, shares, policy=policy)
    assert list(got) == list(shares)
    assert list(got.values()) == expected


@pytest.mark.parametrize(
    ("n", "shares", "exc"),
    [
        (10, {"A": 0.3, "B": 0.3}, ValueError),  # sums to 0.6
        (10, {"A": 0.1 + 0.2, "B": 0.7}, ValueError),  # 0.30000000000000004 is not 0.3
        (10, {"A": -0.2, "B": 1.2}, ValueError),
        (10, {"A": "x", "B": 1}, ValueError),
        (10, {}, ValueError),
        (10, [0.2, 0.8], TypeError),
        (10.0, {"A": 1}, TypeError),
        (-1, {"A": 1}, ValueError),
        (True, {"A": 1}, TypeError),
    ],
)
def test_quota_invalid(n, shares, exc):
    with pytest.raises(exc):
        sc.quota(n, shares)


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(0, 500),
    parts=st.lists(st.integers(0, 20), min_size=1, max_size=6).filter(lambda p: sum(p) > 0),
    policy=st.sampled_from(["largest_remainder", "strict"]),
)
def test_quota_sums_to_n_and_stays_near_quota(n, parts, policy):
    total = sum(parts)
    shares = {f"g{i}": Fraction(p, total) for i, p in enumerate(parts)}
    got = sc.quota(n, shares, policy=policy)
    assert sum(got.values()) == n
    for g, count in got.items():
        exact = shares[g] * n
        assert exact - 1 < count < exact + 1
    if policy == "strict" and len(parts) > 1:
        assert got["g0"] <= shares["g0"] * n
        assert got[f"g{len(parts) - 1}"] >= shares[f"g{len(parts) - 1}"] * n


def test_forced_distribution_no_ties():
    scores = pd.Series(np.arange(23, 0, -1, dtype=float), index=[f"p{i}" for i in range(23)])
    res = sc.forced_distribution(scores, shares={"A": 0.2, "B": 0.7, "C": 0.1}, ties="admit_all")
    assert isinstance(res, sc.ForcedDistribution)
    assert res.grades.index.equals(scores.index)
    assert res.grades.value_counts().to_dict() == {"A": 5, "B": 16, "C": 2}
    assert res.grades.iloc[:5].eq("A").all()
    assert res.overflow == {}
    assert res.notes == ()


@pytest.mark.parametrize(
    ("ties", "expected", "overflow"),
    [
        # hand: quota 1/3/1; 90 and 90 tie at the A boundary
        ("admit_all", ["A", "A", "B", "B", "C"], {"A": 1, "B": -1}),
        ("admit_none", ["B", "B", "B", "B", "C"], {"A": -1, "B": 1}),
    ],
)
def test_forced_distribution_tie_policies(ties, expected, overflow):
    res = sc.forced_distribution(
        [90, 90, 85, 70, 60], shares={"A": "0.2", "B": "0.6", "C": "0.2"}, ties=ties
    )
    assert res.grades.tolist() == expected
    assert res.overflow == overflow
    assert res.quota == {"A": 1, "B": 3, "C": 1}
    assert len(res.notes) == 1
    assert "tied" in res.notes[0]


def test_forced_distribution_secondary_key():
    res = sc.forced_distribution(
        [90, 90, 85, 70, 60],
        shares={"A": "0.2", "B": "0.6", "C": "0.2"},
        secondary=[1.0, 2.0, 0.0, 0.0, 0.0],
    )
    assert res.grades.tolist() == ["B", "A", "B", "B", "C"]
    assert res.overflow == {}
    with pytest.raises(ValueError, match="secondary key"):
        sc.forced_distribution(
            [90, 90, 85, 70, 60],
            shares={"A": "0.2", "B": "0.6", "C": "0.2"},
            secondary=[1.0, 1.0, 0.0, 0.0, 0.0],
        )
    with pytest.raises(ValueError, match="needs a secondary"):
        sc.forced_distribution([1.0, 2.0], shares={"A": 0.5, "B": 0.5})


def test_forced_distribution_lower_is_better_and_nan():
    res = sc.forced_distribution(
        [3.0, np.nan, 1.0, 2.0],
        shares={"A": 0.5, "B": 0.5},
        ties="admit_all",
        higher_is_better=False,
        nan_policy="omit",
    )
    assert res.grades.tolist() == ["B", None, "A", "A"]
    with pytest.raises(ValueError, match="missing"):
        sc.forced_distribution([3.0, np.nan], shares={"A": 0.5, "B": 0.5}, ties="admit_all")


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(st.integers(0, 5), min_size=0, max_size=30),
    ties=st.sampled_from(["admit_all", "admit_none"]),
)
def test_forced_distribution_properties(scores, ties):
    shares = {"A": "0.2", "B": "0.7", "C": "0.1"}
    res = sc.forced_distribution(np.array(scores, float), shares=shares, ties=ties)
    assert sum(res.assigned.values()) == len(scores)
    assert res.grades.notna().all()
    # a better score never gets a worse grade
    rank = {"A": 0, "B": 1, "C": 2}
    g = res.grades.map(rank).to_numpy()
    s = np.array(scores)
    for i in range(len(s)):
        assert np.all(g[s > s[i]] <= g[i])
        assert np.all(g[s == s[i]] == g[i])  # tied scores share a grade


# --------------------------------------------------------------------------
# §1.10 money
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        # docs/methods.md §1.10 [C] 10,000.00 yuan in thirds
        (1_000_000, [1, 1, 1], [333_334, 333_333, 333_333]),
        (100, [1, 2], [33, 67]),  # hand: 33.33 / 66.67
        (-100, [1, 2], [-33, -67]),  # claw-back: mirror of the above
        (0, [1, 1], [0, 0]),
        (5, [0, 1, 0], [0, 5, 0]),
        (2, [1, 1, 1], [1, 1, 0]),  # ties go to the earlier position
        (10, ["0.1", "0.2", 0.7], [1, 2, 7]),
    ],
)
def test_split_fen(total, weights, expected):
    assert sc.split_fen(total, weights) == expected


@pytest.mark.parametrize(
    ("total", "weights", "exc"),
    [
        (100.0, [1, 1], TypeError),  # money must already be int fen
        (True, [1], TypeError),
        (100, [], ValueError),
        (100, [0, 0], ValueError),
        (100, [1, -1], ValueError),
        (100, [float("nan")], ValueError),
        (100, "12", TypeError),
    ],
)
def test_split_fen_invalid(total, weights, exc):
    with pytest.raises(exc):
        sc.split_fen(total, weights)


@settings(max_examples=100, deadline=None)
@given(
    total=st.integers(-(10**9), 10**9),
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_split_fen_sums_exactly(total, weights):
    parts = sc.split_fen(total, weights)
    assert sum(parts) == total
    assert all(isinstance(p, int) for p in parts)
    w = sum(weights)
    for p, wi in zip(parts, weights):
        assert abs(p - Fraction(total * wi, w)) < 1


# --------------------------------------------------------------------------
# §1.9 normalisation
# --------------------------------------------------------------------------
X9 = [80, 90, 100, 110, 120]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # docs/methods.md §1.9 [C]
        ({"method": "minmax"}, [0, 0.25, 0.5, 0.75, 1]),
        ({"method": "minmax", "reverse": True}, [1, 0.75, 0.5, 0.25, 0]),
        ({"method": "z"}, [-1.264911, -0.632456, 0, 0.632456, 1.264911]),
        ({"method": "t"}, [37.350889, 43.675445, 50, 56.324555, 62.649111]),
        # hand computation: population sd sqrt(200)
        ({"method": "z", "ddof": 0}, [-1.414214, -0.707107, 0, 0.707107, 1.414214]),
    ],
)
def test_normalise_spec_examples(kwargs, expected):
    assert sc.normalise(X9, **kwargs).tolist() == pytest.approx(expected, abs=1e-6)


def test_normalise_z_matches_scipy():
    from scipy.stats import zscore

    x = np.array([3.0, 7.0, 1.0, 9.0, 4.0])
    np.testing.assert_allclose(sc.normalise(x, method="z"), zscore(x, ddof=1))


@pytest.mark.parametrize(
    ("method", "expected"),
    [("minmax", 0.0), ("z", 0.0), ("t", 50.0)],
)
def test_normalise_constant_column(method, expected):
    assert sc.normalise([5.0, 5.0, 5.0], method=method).tolist() == [expected] * 3
    assert sc.normalise([5.0], method=method).tolist() == [expected]


def test_normalise_constant_value_is_configurable():
    assert sc.normalise([5.0, 5.0], constant=1.0).tolist() == [1.0, 1.0]


def test_normalise_frame_and_nan():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]}, index=["x", "y", "z"])
    out = sc.normalise(df)
    assert out.index.equals(df.index)
    assert out["a"].tolist() == [0.0, 0.5, 1.0]
    assert out["b"].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="missing"):
        sc.normalise([1.0, np.nan, 3.0])
    got = sc.normalise(pd.Series([1.0, np.nan, 3.0]), nan_policy="omit")
    assert got.iloc[0] == 0.0
    assert np.isnan(got.iloc[1])
    assert got.iloc[2] == 1.0
