"""Tests of kpilib.stats.inference: docs/methods.md §4, published values, scipy, statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats import inter_rater as sm_ir
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from kpilib.stats.inference import (
    OverdispersionResult,
    RateComparison,
    cohen_kappa,
    compare_rates,
    fleiss_kappa,
    funnel_limits,
    icc,
    kruskal_test,
    mann_whitney,
    overdispersion,
    p_chart,
    proportion_ci,
    rank_intervals,
)

RNG_SEED = 20240601


# --------------------------------------------------------------------------------------
# §4.1 proportion intervals
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "low", "high", "tol"),
    [
        # docs/methods.md §4.1 [P] Newcombe (1998) Stat Med 17:857, Table I, 81/263 (4 d.p.)
        ("wilson", 0.2553, 0.3662, 5e-5),
        ("clopper_pearson", 0.2527, 0.3676, 5e-5),
        ("wilson_cc", 0.2535, 0.3682, 5e-5),
        # docs/methods.md §4.1 [C] (7 d.p.)
        ("wilson", 0.2552885, 0.3662096, 1e-7),
        ("clopper_pearson", 0.2527367, 0.3676219, 1e-7),
    ],
)
def test_proportion_ci_newcombe_81_of_263(method, low, high, tol):
    lo, hi = proportion_ci(81, 263, method=method)
    assert isinstance(lo, float) and isinstance(hi, float)
    assert lo == pytest.approx(low, abs=tol)
    assert hi == pytest.approx(high, abs=tol)


@pytest.mark.parametrize(
    ("x", "n", "method", "low", "high"),
    [
        # Newcombe (1998) Table I, further examples (4 d.p.) [P]
        (15, 148, "wilson", 0.0624, 0.1605),
        (15, 148, "wilson_cc", 0.0598, 0.1644),
        (15, 148, "clopper_pearson", 0.0578, 0.1617),
        (0, 20, "wilson", 0.0000, 0.1611),
        (0, 20, "wilson_cc", 0.0000, 0.2005),
        (0, 20, "clopper_pearson", 0.0000, 0.1684),
        (1, 29, "wilson", 0.0061, 0.1718),
        (1, 29, "wilson_cc", 0.0018, 0.1963),
        (1, 29, "clopper_pearson", 0.0009, 0.1776),
    ],
)
def test_proportion_ci_newcombe_table_i(x, n, method, low, high):
    lo, hi = proportion_ci(x, n, method=method)
    assert (lo, hi) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(
    ("method", "sm_method"), [("wilson", "wilson"), ("clopper_pearson", "beta")]
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_proportion_ci_agrees_with_statsmodels(method, sm_method, confidence):
    # statsmodels.stats.proportion.proportion_confint on random inputs
    rng = np.random.default_rng(RNG_SEED)
    n = rng.integers(1, 2000, size=300)
    x = rng.binomial(n, rng.random(300))
    lo, hi = proportion_ci(x, n, method=method, confidence=confidence)
    sm_lo, sm_hi = proportion_confint(x, n, alpha=1 - confidence, method=sm_method)
    np.testing.assert_allclose(lo, np.clip(sm_lo, 0, 1), atol=1e-9)
    np.testing.assert_allclose(hi, np.clip(sm_hi, 0, 1), atol=1e-9)


@pytest.mark.parametrize("method", ["wilson", "wilson_cc", "clopper_pearson"])
def test_proportion_ci_edges(method):
    # docs/methods.md §4.1: x = 0 → lower 0; x = n → upper 1; n = 0 → (0, 1)
    lo, hi = proportion_ci([0, 7, 7, 0, 1], [7, 7, 10, 0, 1], method=method)
    assert lo[0] == 0 and hi[1] == 1
    assert (lo[3], hi[3]) == (0.0, 1.0)
    assert 0 < lo[4] < 1 and hi[4] == 1 and 0 < lo[1] < 1 and 0 < hi[0] < 1  # 1/1
    assert np.all((lo >= 0) & (lo <= hi) & (hi <= 1))
    assert proportion_ci(0, 0, method=method) == (0.0, 1.0)


def test_proportion_ci_wilson_cc_is_wider_than_wilson():
    rng = np.random.default_rng(1)
    n = rng.integers(1, 500, size=200)
    x = rng.binomial(n, 0.3)
    lo, hi = proportion_ci(x, n)
    lo_cc, hi_cc = proportion_ci(x, n, method="wilson_cc")
    assert np.all(lo_cc <= lo + 1e-12) and np.all(hi_cc >= hi - 1e-12)


def test_proportion_ci_broadcasts():
    lo, hi = proportion_ci(np.array([[1, 2], [3, 4]]), 10)
    assert lo.shape == hi.shape == (2, 2)


@pytest.mark.parametrize(
    ("x", "n", "kwargs"),
    [
        (5, 4, {}),
        (-1, 4, {}),
        (1, -2, {}),
        (float("nan"), 4, {}),
        (1, 4, {"method": "agresti"}),
        (1, 4, {"confidence": 1.5}),
    ],
)
def test_proportion_ci_rejects_bad_input(x, n, kwargs):
    with pytest.raises(ValueError):
        proportion_ci(x, n, **kwargs)


# --------------------------------------------------------------------------------------
# §4.2 p-chart
# --------------------------------------------------------------------------------------
P_X, P_N = [12, 30, 9, 25, 8], [100, 250, 60, 150, 40]


def test_p_chart_spec_example():
    # docs/methods.md §4.2 [C]
    chart = p_chart(P_X, P_N)
    assert list(chart.columns) == ["p", "p_bar", "lcl", "ucl", "z", "signal"]
    assert chart["p_bar"].eq(0.14).all()
    assert (chart.loc[0, "lcl"], chart.loc[0, "ucl"]) == pytest.approx(
        (0.035904, 0.244096), abs=1e-6
    )
    assert (chart.loc[4, "lcl"], chart.loc[4, "ucl"]) == pytest.approx((0.0, 0.304590), abs=1e-6)
    np.testing.assert_allclose(
        chart["z"], [-0.576390, -0.911353, 0.223235, 0.941242, 1.093624], atol=1e-6
    )
    assert not chart["signal"].any()


def test_p_chart_signals_and_keeps_series_index():
    x = pd.Series([10, 12, 40, 11], index=["C01", "C02", "C03", "C04"])
    n = pd.Series([100, 100, 100, 100], index=x.index)
    chart = p_chart(x, n)
    assert chart.index.tolist() == ["C01", "C02", "C03", "C04"]
    assert chart["signal"].tolist() == [False, False, True, False]


@pytest.mark.parametrize("x", [[0, 0, 0], [10, 20, 5]])
def test_p_chart_all_zero_or_all_one(x):
    n = [10, 20, 5]
    chart = p_chart([0, 0, 0] if x[0] == 0 else n, n)
    assert (chart["z"] == 0).all() and not chart["signal"].any()
    assert (chart["lcl"] == chart["p_bar"]).all() and (chart["ucl"] == chart["p_bar"]).all()


def test_p_chart_one_unit():
    chart = p_chart([3], [10])
    assert chart.loc[0, "z"] == 0 and chart.loc[0, "p_bar"] == pytest.approx(0.3)


def test_p_chart_nan_policy():
    with pytest.raises(ValueError, match="missing"):
        p_chart([1, np.nan, 3], [10, 10, 10])
    chart = p_chart([1, np.nan, 3], [10, 10, 10], nan_policy="omit")
    assert chart.index.tolist() == [0, 2]
    with pytest.raises(ValueError):
        p_chart([1, 2], [10, 0])


# --------------------------------------------------------------------------------------
# §4.3 funnel limits and overdispersion
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "method", "low", "high"),
    [
        # docs/methods.md §4.3 [C] θ0 = 0.2, n = 100
        (0.95, "exact", 0.119742, 0.276476),
        (0.998, "exact", 0.080978, 0.326766),
        (0.95, "normal", 0.121601, 0.278399),
    ],
)
def test_funnel_limits_spec(level, method, low, high):
    out = funnel_limits([100], target=0.2, levels=[level], method=method)
    assert list(out.columns) == ["n", "level", "lower", "upper"]
    assert (out.loc[0, "lower"], out.loc[0, "upper"]) == pytest.approx((low, high), abs=1e-6)


def test_funnel_limits_exact_interpolation_formula():
    # Spiegelhalter (2005) Stat Med 24:1185, App. A.1.1, recomputed directly with scipy.
    rng = np.random.default_rng(RNG_SEED)
    ns = rng.integers(1, 3000, size=60)
    target = 0.07
    out = funnel_limits(ns, target=target, levels=[0.998])
    for (_, row), n in zip(out.iterrows(), ns, strict=True):
        for p, col in ((0.001, "lower"), (0.999, "upper")):
            cdf = sps.binom.cdf(np.arange(n + 1), n, target)
            r = int(np.argmax(cdf >= p))
            prev = cdf[r - 1] if r > 0 else 0.0
            want = min(max((r - (cdf[r] - p) / (cdf[r] - prev)) / n, 0.0), 1.0)
            assert row[col] == pytest.approx(want, abs=1e-9)


def test_funnel_limits_shape_and_monotone():
    ns = np.arange(10, 2001, 10)
    out = funnel_limits(ns, target=0.1)
    assert len(out) == 2 * len(ns)
    assert set(out["level"]) == {0.95, 0.998}
    for _, grp in out.groupby("level"):
        assert (grp["lower"] <= 0.1).all() and (grp["upper"] >= 0.1).all()
    wide = out[out.level == 0.998].reset_index(drop=True)
    narrow = out[out.level == 0.95].reset_index(drop=True)
    assert (wide["upper"] >= narrow["upper"]).all() and (wide["lower"] <= narrow["lower"]).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target": 0.0},
        {"target": 1.0},
        {"target": 0.2, "method": "poisson"},
        {"target": 0.2, "levels": [1.2]},
    ],
)
def test_funnel_limits_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        funnel_limits([100], **kwargs)


def test_funnel_limits_rejects_bad_n():
    for bad in ([0], [10.5], [np.nan]):
        with pytest.raises(ValueError):
            funnel_limits(bad, target=0.2)


def test_overdispersion_spec_example():
    # docs/methods.md §4.3 [C]: the 4.2 data, φ = 0.658915 → τ² = 0
    res = overdispersion(P_X, P_N)
    assert res.phi == pytest.approx(0.658915, abs=1e-6)
    assert res.tau2 == 0.0 and not res.overdispersed
    assert res.target == pytest.approx(0.14)
    # φ ≤ 1 → no inflation: multiplicative and additive equal the plain normal limits
    plain = funnel_limits([100], target=0.14, levels=[0.998], method="normal")
    for method in ("multiplicative", "additive"):
        lim = res.limits([100], level=0.998, method=method)
        assert lim.loc[0, "lower"] == pytest.approx(plain.loc[0, "lower"], abs=1e-12)
        assert lim.loc[0, "upper"] == pytest.approx(plain.loc[0, "upper"], abs=1e-12)


def test_overdispersion_formulae_on_overdispersed_data():
    # Spiegelhalter (2005) QSHC 14:347, formulas recomputed with numpy (no winsorising)
    rng = np.random.default_rng(RNG_SEED)
    n = rng.integers(50, 500, size=30)
    rates = rng.beta(4, 16, size=30)  # between-unit variation → φ > 1
    x = rng.binomial(n, rates)
    res = overdispersion(x, n, target=0.2, winsorize=0.0)
    s2 = 0.2 * 0.8 / n
    z = (x / n - 0.2) / np.sqrt(s2)
    phi = np.mean(z**2)
    w = 1 / s2
    tau2 = max(0.0, (30 * phi - 29) / (w.sum() - (w**2).sum() / w.sum()))
    assert res.phi == pytest.approx(phi) and res.tau2 == pytest.approx(tau2)
    assert res.overdispersed and res.tau2 > 0
    lim_m = res.limits([100, 400], level=0.95)
    s = np.sqrt(0.2 * 0.8 / np.array([100, 400]))
    z95 = sps.norm.ppf(0.975)
    np.testing.assert_allclose(lim_m["upper"], 0.2 + z95 * np.sqrt(phi) * s)
    lim_a = res.limits([100, 400], level=0.95, method="additive")
    np.testing.assert_allclose(lim_a["lower"], np.clip(0.2 - z95 * np.sqrt(s**2 + tau2), 0, 1))
    assert lim_a.loc[0, "lower"] == 0.0  # clipped at 0


def test_overdispersion_winsorising():
    # 20 units: ⌊0.1·20⌋ = 2 z-scores at each end pulled in to the 3rd value.
    rng = np.random.default_rng(3)
    n = np.full(20, 200)
    x = rng.binomial(n, 0.1)
    x[0], x[1] = 80, 0  # two outliers
    raw = overdispersion(x, n, target=0.1, winsorize=0.0)
    win = overdispersion(x, n, target=0.1, winsorize=0.1)
    z = np.sort((x / n - 0.1) / np.sqrt(0.1 * 0.9 / n))
    zw = np.clip(z, z[2], z[17])
    assert win.phi == pytest.approx(np.mean(zw**2))
    assert win.phi < raw.phi


@pytest.mark.parametrize(
    ("x", "n", "kwargs"),
    [
        ([1], [10], {}),  # one unit
        ([0, 0], [10, 10], {}),  # pooled rate 0
        ([1, 2], [10, 10], {"target": 1.0}),
        ([1, 2], [10, 0], {}),
        ([1, 2], [10, 10], {"winsorize": 0.5}),
    ],
)
def test_overdispersion_rejects_bad_input(x, n, kwargs):
    with pytest.raises(ValueError):
        overdispersion(x, n, **kwargs)


def test_overdispersion_result_is_frozen():
    res = OverdispersionResult(1.2, 0.0, 0.1, 5, 0.1)
    with pytest.raises(AttributeError):
        res.phi = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.limits([100], method="both")


# --------------------------------------------------------------------------------------
# §4.4 comparing two rates
# --------------------------------------------------------------------------------------
def test_compare_rates_spec_example():
    # docs/methods.md §4.4 [C]: failures 81/263 vs 58/250
    r = compare_rates(81, 263, 58, 250)
    assert isinstance(r, RateComparison)
    assert r.z == pytest.approx(1.935486, abs=1e-6)
    assert r.p_z == pytest.approx(0.052931, abs=1e-6)
    assert r.chi2_yates == pytest.approx(3.371322, abs=1e-6)
    assert r.p_yates == pytest.approx(0.066340, abs=1e-6)
    assert r.p_fisher == pytest.approx(0.059144, abs=1e-6)
    assert r.odds_ratio == pytest.approx(1.473285, abs=1e-6)
    assert not r.prefer_fisher


def test_compare_rates_agrees_with_scipy_and_statsmodels():
    # statsmodels proportions_ztest (pooled), scipy chi2_contingency (Yates), fisher_exact
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(60):
        n1, n2 = rng.integers(5, 400, size=2)
        x1, x2 = rng.binomial(n1, 0.3), rng.binomial(n2, 0.4)
        if x1 + x2 in (0, n1 + n2):
            continue
        r = compare_rates(x1, n1, x2, n2)
        z, p = proportions_ztest([x1, x2], [n1, n2])
        assert r.z == pytest.approx(z, rel=1e-9) and r.p_z == pytest.approx(p, rel=1e-9)
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        chi2, p_chi2, _, expected = sps.chi2_contingency(table, correction=True)
        assert r.chi2_yates == pytest.approx(chi2) and r.p_yates == pytest.approx(p_chi2)
        assert r.p_fisher == pytest.approx(sps.fisher_exact(table).pvalue)
        assert r.min_expected == pytest.approx(expected.min())
        assert r.prefer_fisher == (expected.min() < 5)


@pytest.mark.parametrize(
    ("args", "z_nan", "odds_nan"),
    [
        ((0, 10, 0, 12), True, True),  # pooled 0 → z undefined, p = 1 (docs/methods.md §4.4)
        ((10, 10, 12, 12), True, True),  # pooled 1
        ((0, 10, 3, 12), False, False),  # x1 = 0: OR = 0
        ((3, 10, 0, 12), False, True),  # x2 = 0: OR undefined, NaN not inf (docs/methods.md §0)
    ],
)
def test_compare_rates_edges(args, z_nan, odds_nan):
    r = compare_rates(*args)
    assert math.isnan(r.z) == z_nan
    if z_nan:
        assert r.p_z == 1.0 and r.p_yates == 1.0 and r.p_fisher == 1.0
    assert math.isnan(r.odds_ratio) == odds_nan
    assert not math.isinf(r.odds_ratio)
    assert r.prefer_fisher


@pytest.mark.parametrize("args", [(1, 0, 1, 5), (6, 5, 1, 5), (-1, 5, 1, 5), (1.5, 5, 1, 5)])
def test_compare_rates_rejects_bad_input(args):
    with pytest.raises(ValueError):
        compare_rates(*args)


# --------------------------------------------------------------------------------------
# §4.5 rank tests
# --------------------------------------------------------------------------------------
def test_rank_tests_agree_with_scipy():
    rng = np.random.default_rng(RNG_SEED)
    groups = [rng.integers(60, 100, size=k) for k in (8, 12, 10)]  # integer scores → ties
    r = kruskal_test(*groups)
    ref = sps.kruskal(*groups)
    assert (r.statistic, r.pvalue) == pytest.approx((ref.statistic, ref.pvalue))
    m = mann_whitney(groups[0], groups[1], alternative="less")
    ref = sps.mannwhitneyu(groups[0], groups[1], alternative="less")
    assert (m.statistic, m.pvalue) == pytest.approx((ref.statistic, ref.pvalue))


def test_rank_tests_all_identical_give_nan_with_warning():
    # docs/methods.md §4.5: all values identical → NaN with a warning
    with pytest.warns(RuntimeWarning, match="identical"):
        r = kruskal_test([5, 5], [5, 5, 5])
    assert math.isnan(r.statistic) and math.isnan(r.pvalue)
    with pytest.warns(RuntimeWarning, match="identical"):
        m = mann_whitney([3, 3], [3])
    assert math.isnan(m.statistic) and math.isnan(m.pvalue)


def test_rank_tests_nan_policy_and_bad_input():
    with pytest.raises(ValueError):
        kruskal_test([1, np.nan], [2, 3])
    r = kruskal_test([1, np.nan, 2], [3, 4], nan_policy="omit")
    ref = sps.kruskal([1, 2], [3, 4])
    assert r.pvalue == pytest.approx(ref.pvalue)
    for bad in (([1, 2],), ([1, 2], [])):
        with pytest.raises(ValueError):
            kruskal_test(*bad)
    with pytest.raises(ValueError):
        mann_whitney([1], [2], alternative="bigger")


# --------------------------------------------------------------------------------------
# §4.6 agreement
# --------------------------------------------------------------------------------------
def test_cohen_kappa_spec_example():
    # docs/methods.md §4.6 [P]: [[20, 5], [10, 15]] → κ = 0.4
    assert cohen_kappa([[20, 5], [10, 15]]) == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_agrees_with_statsmodels(weights):
    # statsmodels.stats.inter_rater.cohens_kappa (wt=None/'linear'/'quadratic')
    rng = np.random.default_rng(RNG_SEED)
    for k in (2, 3, 4, 5):
        for _ in range(10):
            table = rng.integers(0, 30, size=(k, k)) + np.diag(rng.integers(5, 40, size=k))
            ref = sm_ir.cohens_kappa(table, wt=weights).kappa
            assert cohen_kappa(table, weights=weights) == pytest.approx(ref, abs=1e-12)


def test_cohen_kappa_edges():
    # p_e = 1 (one category used by both) → NaN (docs/methods.md §4.6)
    assert math.isnan(cohen_kappa([[10, 0], [0, 0]]))
    assert math.isnan(cohen_kappa([[7]]))
    assert cohen_kappa([[10, 0], [0, 10]]) == 1.0  # perfect agreement
    assert cohen_kappa([[0, 10], [10, 0]]) == -1.0  # perfect disagreement
    for bad in ([[1, 2, 3], [4, 5, 6]], [[0, 0], [0, 0]], [[1, -1], [0, 2]]):
        with pytest.raises(ValueError):
            cohen_kappa(bad)
    with pytest.raises(ValueError):
        cohen_kappa([[1, 0], [0, 1]], weights="cicchetti")


FLEISS_TABLE = [
    (0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7),
]  # fmt: skip


def test_fleiss_kappa_spec_example():
    # docs/methods.md §4.6 [P] Fleiss (1971) 10 subjects × 14 raters → κ = 0.209931
    assert fleiss_kappa(FLEISS_TABLE) == pytest.approx(0.209931, abs=1e-6)


def test_fleiss_kappa_agrees_with_statsmodels():
    # statsmodels.stats.inter_rater.fleiss_kappa(method="fleiss")
    rng = np.random.default_rng(RNG_SEED)
    for cats in (2, 3, 5):
        for _ in range(10):
            probs = rng.dirichlet(np.ones(cats), size=25)
            counts = np.array([rng.multinomial(6, p) for p in probs])
            ref = sm_ir.fleiss_kappa(counts, method="fleiss")
            assert fleiss_kappa(counts) == pytest.approx(ref, abs=1e-12)


def test_fleiss_kappa_edges():
    assert math.isnan(fleiss_kappa([[3, 0], [3, 0]]))  # one category only: p_e = 1
    assert fleiss_kappa([[3, 0], [0, 3]]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([[3, 0], [1, 1]])
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 0], [0, 1]])  # one rater


SF_DATA = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def test_icc_spec_example():
    # docs/methods.md §4.6 [P] Shrout & Fleiss (1979) data, [C] mean squares and ICCs
    out = icc(SF_DATA)
    ms = out.attrs["mean_squares"]
    assert ms["MSR"] == pytest.approx(11.241667, abs=1e-6)
    assert ms["MSC"] == pytest.approx(32.486111, abs=1e-6)
    assert ms["MSE"] == pytest.approx(1.019444, abs=1e-6)
    assert ms["MSW"] == pytest.approx(6.263889, abs=1e-6)
    assert out.loc["ICC1", "icc"] == pytest.approx(0.165742, abs=1e-6)
    assert out.loc["ICC2", "icc"] == pytest.approx(0.289764, abs=1e-6)
    assert out.index.tolist() == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    for col in ("icc", "F", "df1", "df2", "pval", "ci_low", "ci_high"):
        assert col in out.columns


@pytest.mark.parametrize(
    ("form", "value", "low", "high", "f", "df2"),
    [
        # Shrout & Fleiss (1979) Psychol Bull 86:420, Table 4 (ICC, 2 d.p.) [P]; F, df and
        # 95 % limits (2 d.p.) as printed by R psych::ICC(sf) in its help example [L]
        ("ICC1", 0.17, -0.13, 0.72, 1.79, 18),
        ("ICC2", 0.29, 0.02, 0.76, 11.03, 15),
        ("ICC3", 0.71, 0.34, 0.95, 11.03, 15),
        ("ICC1k", 0.44, -0.88, 0.91, 1.79, 18),
        ("ICC2k", 0.62, 0.07, 0.93, 11.03, 15),
        ("ICC3k", 0.91, 0.68, 0.99, 11.03, 15),
    ],
)
def test_icc_shrout_fleiss_table(form, value, low, high, f, df2):
    row = icc(SF_DATA).loc[form]
    assert row["icc"] == pytest.approx(value, abs=0.005)
    assert row["ci_low"] == pytest.approx(low, abs=0.005)
    assert row["ci_high"] == pytest.approx(high, abs=0.005)
    assert row["F"] == pytest.approx(f, abs=0.005)
    assert row["df1"] == 5 and row["df2"] == df2


def test_icc_f_tests_and_intervals_recomputed():
    # F-test p-values from scipy.stats.f; ICC(3,1) interval Shrout & Fleiss (1979) eq. 13
    rng = np.random.default_rng(RNG_SEED)
    y = rng.normal(size=(15, 1)) * 2 + rng.normal(size=(15, 3))
    out = icc(y)
    n, k = y.shape
    grand = y.mean()
    msr = k * ((y.mean(1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((y.mean(0) - grand) ** 2).sum() / (k - 1)
    sse = ((y - grand) ** 2).sum() - msr * (n - 1) - msc * (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    f3 = msr / mse
    assert out.loc["ICC3", "pval"] == pytest.approx(sps.f.sf(f3, n - 1, (n - 1) * (k - 1)))
    fl = f3 / sps.f.ppf(0.975, n - 1, (n - 1) * (k - 1))
    assert out.loc["ICC3", "ci_low"] == pytest.approx((fl - 1) / (fl + k - 1))
    assert (out["ci_low"] <= out["icc"]).all() and (out["icc"] <= out["ci_high"]).all()


def test_icc_long_format_equals_wide():
    long = pd.DataFrame(
        [(t, r, SF_DATA[t][r]) for t in range(6) for r in range(4)],
        columns=["archive", "auditor", "score"],
    ).sample(frac=1, random_state=0)
    a = icc(long, targets="archive", raters="auditor", scores="score")
    pd.testing.assert_frame_equal(a, icc(SF_DATA))


def test_icc_missing_and_bad_input():
    data = np.array(SF_DATA, dtype=float)
    data[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        icc(data)
    omitted = icc(data, nan_policy="omit")
    pd.testing.assert_frame_equal(omitted, icc(np.array(SF_DATA)[1:]))
    with pytest.raises(ValueError):
        icc([[1, 2, 3]])  # one target
    with pytest.raises(ValueError):
        icc(np.ones((5, 3)))  # all equal
    with pytest.raises(ValueError):
        icc(pd.DataFrame({"t": [1], "r": [1], "s": [1]}), targets="t", raters="r")


# --------------------------------------------------------------------------------------
# §4.7 rank intervals
# --------------------------------------------------------------------------------------
def test_rank_intervals_same_seed_same_output():
    x, n = [12, 30, 9, 25, 8], [100, 250, 60, 150, 40]
    a = rank_intervals(x, n, n_boot=2000, seed=11)
    b = rank_intervals(x, n, n_boot=2000, seed=11)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["rate", "rank", "rank_low", "rank_high", "p_best"]
    assert a["rank"].tolist() == [1.5, 1.5, 3.0, 4.0, 5.0]  # 0.12, 0.12 tie → 1.5
    assert ((a["rank_low"] <= a["rank_high"]) & (a["rank_low"] >= 1)).all()
    assert a["p_best"].sum() <= 1.0


@settings(max_examples=15, deadline=None)
@given(
    x=st.lists(st.integers(0, 50), min_size=2, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_rank_intervals_reproducible_property(x, seed):
    n = [50] * len(x)
    a = rank_intervals(x, n, n_boot=200, seed=seed)
    b = rank_intervals(x, n, n_boot=200, seed=seed)
    pd.testing.assert_frame_equal(a, b)
    assert (a["rank_low"] <= a["rank"] + len(x)).all()


def test_rank_intervals_collapse_with_large_n():
    # docs/methods.md §4.7: as n grows with distinct rates the interval collapses to the point rank
    rates = np.array([0.02, 0.05, 0.10, 0.20])
    n = np.full(4, 100000)
    out = rank_intervals(rates * n, n, n_boot=500, seed=0)
    assert (out["rank_low"] == out["rank"]).all() and (out["rank_high"] == out["rank"]).all()
    assert out["p_best"].tolist() == [1.0, 0.0, 0.0, 0.0]
    higher = rank_intervals(rates * n, n, n_boot=500, seed=0, lower_is_better=False)
    assert higher["rank"].tolist() == [4.0, 3.0, 2.0, 1.0]


def test_rank_intervals_identical_units_identical_distributions():
    # docs/methods.md §4.7: identical (x, n) → identical distributions (same interval, same p_best
    # up to Monte Carlo error)
    out = rank_intervals([10, 10, 30], [100, 100, 100], n_boot=20000, seed=4)
    assert out.loc[0, "rank_low"] == out.loc[1, "rank_low"]
    assert out.loc[0, "rank_high"] == out.loc[1, "rank_high"]
    assert out.loc[0, "p_best"] == pytest.approx(out.loc[1, "p_best"], abs=0.02)


def test_rank_intervals_keeps_series_index_and_handles_edges():
    x = pd.Series([0, 5, 5], index=["C01", "C02", "C03"])
    out = rank_intervals(x, [20, 20, 20], n_boot=500, seed=1)
    assert out.index.tolist() == ["C01", "C02", "C03"]
    assert out.loc["C01", "p_best"] > 0.9  # x = 0 never varies in the bootstrap
    one = rank_intervals([3], [10], n_boot=50, seed=1)  # one unit: rank 1 always
    assert one.loc[0, ["rank", "rank_low", "rank_high", "p_best"]].tolist() == [1, 1, 1, 1]
    for bad in ({"n_boot": 0}, {"confidence": 1.0}):
        with pytest.raises(ValueError):
            rank_intervals([1, 2], [10, 10], **bad)
    with pytest.raises(ValueError):
        rank_intervals([1, 2], [10, 0])
    with pytest.raises(ValueError):
        rank_intervals([1, np.nan], [10, 10])
    omitted = rank_intervals([1, np.nan, 2], [10, 10, 10], n_boot=50, seed=1, nan_policy="omit")
    assert omitted.index.tolist() == [0, 2]
