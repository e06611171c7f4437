"""Tests of kpilib.scoring.weights against docs/methods.md §2 (sources cited per case)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.scoring import weights as wt

CONSISTENT = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]
# docs/methods.md §2.1 [L] Wang & Chin (2011) Inf. Sci. 181:5240, via pymcdm's tests
WANG_CHIN = [
    [1, 4, 3, 1, 3, 4],
    [1 / 4, 1, 7, 3, 1 / 5, 1],
    [1 / 3, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 6],
    [1, 1 / 3, 5, 1, 1, 1 / 3],
    [1 / 3, 5, 5, 1, 1, 3],
    [1 / 4, 1, 6, 3, 1 / 3, 1],
]


def _power_iteration(a: np.ndarray, iterations: int = 500) -> tuple[np.ndarray, float]:
    """Independent principal eigenpair by power iteration (not numpy.linalg.eig)."""
    w = np.ones(len(a)) / len(a)
    for _ in range(iterations):
        w = a @ w
        w = w / w.sum()
    lam = float(np.mean((a @ w) / w))
    return w, lam


# --------------------------------------------------------------------------
# §2.1 AHP
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["eigen", "geometric", "column"])
def test_ahp_consistent_matrix(method):
    # docs/methods.md §2.1 [C] w = (4/7, 2/7, 1/7), lambda 3, CR 0 (every method is exact here)
    res = wt.ahp(CONSISTENT, method=method)
    assert res.weights.tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-9)
    assert res.lambda_max == pytest.approx(3.0, abs=1e-9)
    assert res.ci == pytest.approx(0.0, abs=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.consistent
    assert res.ri == 0.58


def test_ahp_wang_chin_inconsistent():
    res = wt.ahp(WANG_CHIN)
    # docs/methods.md §2.1 [L] Wang & Chin (2011) Inf. Sci. 181:5240 via pymcdm tests
    assert res.weights.tolist() == pytest.approx(
        [0.3208, 0.1395, 0.0348, 0.1285, 0.2374, 0.1391], abs=5e-5
    )
    # docs/methods.md §2.1 [C] lambda_max and CR (RI 1.24)
    assert res.lambda_max == pytest.approx(7.419870, abs=1e-6)
    assert res.cr == pytest.approx(0.229011, abs=1e-6)
    assert res.ri == 1.24
    assert not res.consistent


def test_ahp_eigen_matches_power_iteration():
    # independent check: power iteration written here
    a = np.array(WANG_CHIN)
    w, lam = _power_iteration(a)
    res = wt.ahp(a)
    np.testing.assert_allclose(res.weights, w, atol=1e-10)
    assert res.lambda_max == pytest.approx(lam, abs=1e-9)


@pytest.mark.parametrize(
    ("method", "check"),
    [
        # independent: geometric mean of rows, normalised
        ("geometric", lambda a: np.prod(a, axis=1) ** (1 / len(a))),
        # independent: mean of the column-normalised matrix
        ("column", lambda a: (a / a.sum(axis=0)).mean(axis=1)),
    ],
)
def test_ahp_alternative_methods(method, check):
    a = np.array(WANG_CHIN)
    expected = check(a)
    expected = expected / expected.sum()
    res = wt.ahp(a, method=method)
    np.testing.assert_allclose(res.weights, expected, atol=1e-12)
    assert res.lambda_max == pytest.approx(float(np.mean(a @ expected / expected)))
    # close to the eigenvector weights on this matrix
    np.testing.assert_allclose(res.weights, wt.ahp(a).weights, atol=0.03)


def test_ahp_tummala_ling_table():
    res = wt.ahp(WANG_CHIN, ri="tummala_ling")
    # docs/methods.md §2.1 RI(6) = 1.2358 (Tummala & Ling 1998)
    assert res.ri == 1.2358
    assert res.cr == pytest.approx(res.ci / 1.2358)


def test_ri_tables_from_spec():
    # docs/methods.md §2.1
    assert wt.RI_SAATY == (
        0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
    )  # fmt: skip
    assert wt.RI_TUMMALA_LING[2] == 0.5799
    assert wt.RI_TUMMALA_LING[-1] == 1.5831
    assert len(wt.RI_TUMMALA_LING) == 15


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ([[1]], [1.0]),  # n = 1
        ([[1, 3], [1 / 3, 1]], [0.75, 0.25]),  # n = 2: any judgement is consistent
    ],
)
def test_ahp_small_n_has_zero_cr(matrix, expected):
    res = wt.ahp(matrix)
    assert res.weights.tolist() == pytest.approx(expected)
    assert res.cr == 0.0
    assert res.consistent


def test_ahp_string_fractions_and_frame():
    labels = ["收入", "新增", "满意度"]
    frame = pd.DataFrame(
        [["1", "2", "4"], ["1/2", "1", "2"], ["1/4", "1/2", "1"]], index=labels, columns=labels
    )
    res = wt.ahp(frame)
    assert isinstance(res.weights, pd.Series)
    assert list(res.weights.index) == labels
    assert res.weights.tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7])


@pytest.mark.parametrize(
    ("matrix", "exc", "match"),
    [
        ([[1, 7], [0.143, 1]], ValueError, "not reciprocal"),  # rounded 1/7
        ([[1, 2], [0.5, 2]], ValueError, "not reciprocal"),  # diagonal not 1
        ([[1, -2], [-0.5, 1]], ValueError, "positive"),
        ([[1, 0], [0, 1]], ValueError, "positive"),
        ([[1, 2, 3], [0.5, 1, 1]], ValueError, "square"),
        ([[1, np.nan], [np.nan, 1]], ValueError, "positive and finite"),
        (np.ones((16, 16)), ValueError, "1..15"),
        ("1,2;3,4", TypeError, "square array"),
        ([[True, 1], [1, 1]], TypeError, "bool"),
    ],
)
def test_ahp_invalid(matrix, exc, match):
    with pytest.raises(exc, match=match):
        wt.ahp(matrix)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"method": "power"}, "'power'"), ({"ri": "x"}, "'x'")]
)
def test_ahp_bad_choices(kwargs, match):
    with pytest.raises(ValueError, match=match):
        wt.ahp(CONSISTENT, **kwargs)


def test_hierarchy_weights():
    # docs/methods.md §2.1: global weight = product of local weights along the path
    got = wt.hierarchy_weights({"a": 0.6, "b": 0.4}, {"a": {"x": 0.25, "y": 0.75}, "b": {"z": 1}})
    assert got == pytest.approx({("a", "x"): 0.15, ("a", "y"): 0.45, ("b", "z"): 0.4})
    with pytest.raises(ValueError, match="missing"):
        wt.hierarchy_weights({"a": 1.0}, {})


# --------------------------------------------------------------------------
# §2.2 entropy
# --------------------------------------------------------------------------
Y_ENTROPY = [[95, 2.0, 80], [88, 1.5, 90], [102, 3.0, 70], [110, 2.5, 85]]


def _entropy_reference(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hand-written reference with explicit loops."""
    m, k = y.shape
    e = np.zeros(k)
    for j in range(k):
        col = y[:, j] / y[:, j].sum()
        e[j] = -sum(p * np.log(p) for p in col if p > 0) / np.log(m)
    d = 1 - e
    return e, d / d.sum()


def test_entropy_spec_example():
    w = wt.entropy_weights(Y_ENTROPY, cost=[False, True, False])
    # docs/methods.md §2.2 [C] min-max variant, criterion 2 a cost
    assert w.tolist() == pytest.approx([0.353279, 0.346194, 0.300527], abs=1e-6)
    y = np.array(Y_ENTROPY, float)
    y = (y - y.min(0)) / (y.max(0) - y.min(0))
    y[:, 1] = 1 - y[:, 1]
    e, w_ref = _entropy_reference(y)
    assert e.tolist() == pytest.approx(
        [0.724040, 0.729574, 0.765247], abs=1e-6
    )  # docs/methods.md §2.2 [C]
    np.testing.assert_allclose(w, w_ref, atol=1e-12)


def test_entropy_sum_variant_xu_2004():
    # [L] Xu (2004) EJOR 156:530 via pyrepo-mcda tests / crispyn docs: [0.463, 0.3992, 0.1378, 0]
    x = [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]]
    w = wt.entropy_weights(x, normalise="sum")
    assert w.tolist() == pytest.approx([0.463, 0.3992, 0.1378, 0.0], abs=5e-5)


def test_entropy_constant_column_gets_zero_and_frame_labels():
    df = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 3.0, 3.0], "c": [0.0, 1.0, 0.0]})
    w = wt.entropy_weights(df)
    assert isinstance(w, pd.Series)
    assert list(w.index) == ["a", "b", "c"]
    assert w["b"] == 0.0
    assert w.sum() == pytest.approx(1.0)
    # a zero is an ordinary value (0 ln 0 = 0): column c keeps a positive weight
    assert w["c"] > 0


@pytest.mark.parametrize(
    ("matrix", "kwargs", "match"),
    [
        ([[1, 2], [1, 2]], {}, "every criterion is constant"),
        ([[1, 2]], {}, "at least 2"),
        ([[1, 2], [3, 4]], {"cost": [True, False], "normalise": "sum"}, "minmax"),
        ([[-1, 2], [3, 4]], {"normalise": "sum"}, "non-negative"),
        ([[1, 2], [3, np.nan]], {}, "missing"),
        ([[1, 2], [3, 4]], {"cost": [True]}, "one entry per criterion"),
        ([[1, 2], [3, 4]], {"normalise": "vector"}, "'vector'"),
    ],
)
def test_entropy_invalid(matrix, kwargs, match):
    with pytest.raises(ValueError, match=match):
        wt.entropy_weights(matrix, **kwargs)


def test_entropy_cost_must_be_bool():
    with pytest.raises(TypeError, match="bools"):
        wt.entropy_weights([[1, 2], [3, 4]], cost=[1, 0])


def test_entropy_nan_omit_drops_rows():
    full = wt.entropy_weights(Y_ENTROPY, cost=[False, True, False])
    with_gap = wt.entropy_weights(
        [*Y_ENTROPY, [np.nan, 1.0, 1.0]], cost=[False, True, False], nan_policy="omit"
    )
    np.testing.assert_allclose(full, with_gap)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 100), min_size=3, max_size=3), min_size=2, max_size=8).filter(
        lambda rows: len({tuple(r) for r in rows}) > 1
    )
)
def test_entropy_weights_are_a_distribution(rows):
    w = wt.entropy_weights(rows)
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------
# §2.3 CRITIC
# --------------------------------------------------------------------------
def _critic_reference(x: np.ndarray, cost: list[bool]) -> np.ndarray:
    """Hand-written reference with pandas' Pearson correlation."""
    df = pd.DataFrame(x)
    for j, c in enumerate(cost):
        col = df[j]
        df[j] = (
            (col.max() - col) / (col.max() - col.min())
            if c
            else (col - col.min()) / (col.max() - col.min())
        )
    corr = df.corr()
    c = df.std(ddof=1) * (1 - corr).sum()
    return (c / c.sum()).to_numpy()


def test_critic_jmcdm_reference():
    x = [
        [12.9918, 0.7264, -1.1009, 1.598139592],
        [4.1201, 5.8824, 3.4483, 1.021563567],
        [4.1039, 0.0000, -0.5076, 0.984469444],
    ]
    w = wt.critic_weights(x, cost=[False, False, True, False])
    # [L] JMcDM test/testcritic.jl (jbytecode/JMcDM), tolerance 1e-4 as there
    assert w.tolist() == pytest.approx(
        [0.16883925, 0.418444976, 0.249124763, 0.163591012], abs=1e-4
    )
    np.testing.assert_allclose(w, _critic_reference(np.array(x), [False, False, True, False]))


def test_critic_tus_aytac_adali_2019():
    x = [
        [5000, 3, 3, 4, 3, 2],
        [680, 5, 3, 2, 2, 1],
        [2000, 3, 2, 3, 4, 3],
        [600, 4, 3, 1, 2, 2],
        [800, 2, 4, 3, 3, 4],
    ]
    # [L] Tuş & Aytaç Adalı (2019) Opsearch 56:528 via pyrepo-mcda tests (all criteria
    # normalised as benefit there): [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], 3 decimals
    w = wt.critic_weights(x)
    assert w.tolist() == pytest.approx([0.157, 0.249, 0.168, 0.121, 0.154, 0.151], abs=6e-4)


def test_critic_constant_column_excluded():
    x = np.array([[1.0, 5.0, 2.0], [2.0, 5.0, 9.0], [4.0, 5.0, 3.0], [3.0, 5.0, 1.0]])
    w = wt.critic_weights(x)
    assert w[1] == 0.0
    keep = [0, 2]
    np.testing.assert_allclose(w[keep], _critic_reference(x[:, keep], [False, False]))


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1, 2], [1, 2], [1, 2]], "undefined"),  # all constant
        ([[1, 2], [2, 4], [3, 6]], "undefined"),  # perfectly correlated
        ([[1, 2], [2, 3]], "at least 3"),
    ],
)
def test_critic_invalid(matrix, match):
    with pytest.raises(ValueError, match=match):
        wt.critic_weights(matrix)


# --------------------------------------------------------------------------
# §2.4 TOPSIS
# --------------------------------------------------------------------------
def _topsis_reference(x, w, cost, normalise):
    """Textbook TOPSIS written with explicit loops."""
    x = np.array(x, float)
    m, k = x.shape
    r = np.zeros_like(x)
    for j in range(k):
        col = x[:, j]
        if normalise == "vector":
            r[:, j] = col / np.sqrt(sum(v * v for v in col))
        else:
            r[:, j] = (col - col.min()) / (col.max() - col.min())
    v = r * (np.array(w) / sum(w))
    out = []
    for i in range(m):
        dp = dm = 0.0
        for j in range(k):
            best = v[:, j].min() if cost[j] else v[:, j].max()
            worst = v[:, j].max() if cost[j] else v[:, j].min()
            dp += (v[i, j] - best) ** 2
            dm += (v[i, j] - worst) ** 2
        out.append(np.sqrt(dm) / (np.sqrt(dp) + np.sqrt(dm)))
    return np.array(out)


def test_topsis_pymcdm_reference():
    x = [[1, 3000], [2, 3750], [5, 4500]]
    got = wt.topsis(x, [0.5, 0.5], cost=[True, False], normalise="minmax")
    # docs/methods.md §2.4 [L] pymcdm's test, citing Opricovic & Tzeng (2004)
    assert got.tolist() == pytest.approx([0.500, 0.617, 0.500], abs=5e-4)


@pytest.mark.parametrize("normalise", ["vector", "minmax"])
def test_topsis_matches_hand_written_reference(normalise):
    x = [[250, 16, 12, 5], [200, 16, 8, 3], [300, 32, 16, 4], [275, 32, 8, 4], [225, 16, 16, 2]]
    w = [0.25, 0.25, 0.25, 0.25]
    cost = [True, False, False, False]
    got = wt.topsis(x, w, cost=cost, normalise=normalise)
    np.testing.assert_allclose(got, _topsis_reference(x, w, cost, normalise), atol=1e-12)


def test_topsis_frame_labels_and_scale_invariance():
    df = pd.DataFrame({"收入": [1.0, 2.0, 3.0], "投诉": [3.0, 1.0, 2.0]}, index=["甲", "乙", "丙"])
    got = wt.topsis(df, [1, 1], cost=[False, True])
    assert isinstance(got, pd.Series)
    assert list(got.index) == ["甲", "乙", "丙"]
    np.testing.assert_allclose(got, wt.topsis(df, [0.5, 0.5], cost=[False, True]))


@pytest.mark.parametrize(
    "matrix",
    [
        [[5.0, 5.0]],  # one alternative
        [[5.0, 5.0], [5.0, 5.0]],  # identical alternatives
    ],
)
def test_topsis_both_distances_zero_gives_half(matrix):
    got = wt.topsis(matrix, [0.5, 0.5])
    assert got.tolist() == [0.5] * len(matrix)


def test_topsis_nan_omit():
    got = wt.topsis([[1.0, 2.0], [np.nan, 1.0], [3.0, 1.0]], [1, 1], nan_policy="omit")
    assert np.isnan(got[1])
    np.testing.assert_allclose(got[[0, 2]], wt.topsis([[1.0, 2.0], [3.0, 1.0]], [1, 1]))


@pytest.mark.parametrize(
    ("weights", "exc"),
    [
        ([1.0], ValueError),
        ([0.0, 0.0], ValueError),
        ([-1.0, 2.0], ValueError),
        (["a", "b"], TypeError),
    ],
)
def test_topsis_invalid_weights(weights, exc):
    with pytest.raises(exc):
        wt.topsis([[1.0, 2.0], [2.0, 1.0]], weights)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 100), min_size=3, max_size=3), min_size=1, max_size=8),
    st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_topsis_closeness_in_unit_interval(rows, cost):
    got = wt.topsis(rows, [1, 2, 3], cost=cost)
    assert np.all((got >= 0) & (got <= 1))
