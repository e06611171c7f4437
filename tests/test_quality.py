"""Monthly quality summaries: pass rates, p-chart signals, leniency and agreement."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from kpilib.stats import quality


def _simulate(seed: int, *, lenient: str | None = "Q3", n_staff: int = 120, per_staff: int = 4):
    """Inspections where every inspector draws records at random; one may be lenient."""
    rng = np.random.default_rng(seed)
    inspectors = ["Q1", "Q2", "Q3", "Q4", "Q5"]
    staff = pd.DataFrame(
        {
            "staff_id": [f"S{i:05d}" for i in range(n_staff)],
            "unit_code": [f"X{i % 6 + 1:02d}" for i in range(n_staff)],
        }
    )
    ability = rng.uniform(0.75, 0.95, n_staff)
    rows = []
    k = 0
    for i, staff_id in enumerate(staff["staff_id"]):
        for _ in range(per_staff):
            inspector = inspectors[rng.integers(len(inspectors))]
            p = 0.99 if inspector == lenient else ability[i]
            k += 1
            rows.append((f"I{k:06d}", f"T{k:06d}", staff_id, inspector, bool(rng.random() < p)))
    frame = pd.DataFrame(
        rows, columns=["inspection_id", "record_id", "staff_id", "inspector_id", "passed"]
    )
    return frame, staff


def test_pass_rates_match_statsmodels_wilson_interval():
    # Independent implementation: statsmodels.stats.proportion.proportion_confint.
    inspections, staff = _simulate(1)
    table = quality.pass_rates(inspections.merge(staff, on="staff_id"), by="unit_code")
    low, high = proportion_confint(table["passed"], table["inspected"], method="wilson")
    np.testing.assert_allclose(table["ci_low"], low, atol=1e-12)
    np.testing.assert_allclose(table["ci_high"], high, atol=1e-12)
    assert table["inspected"].sum() == len(inspections)


def test_pass_rates_refuse_blank_verdicts():
    inspections, _ = _simulate(2)
    inspections["passed"] = inspections["passed"].astype("boolean")
    inspections.loc[3, "passed"] = pd.NA
    with pytest.raises(ValueError, match="blanks"):
        quality.pass_rates(inspections, by="staff_id")


def test_leniency_matches_statsmodels_mantel_haenszel():
    # Independent implementation: statsmodels StratifiedTable (CMH test without correction,
    # Mantel–Haenszel pooled odds ratio), strata = inspected staff members.
    inspections, _ = _simulate(3)
    # With no lenient inspector every round-one comparison uses all other inspectors.
    inspections, _ = _simulate(3, lenient=None)
    result = quality.inspector_leniency(inspections).set_index("inspector_id")
    for inspector in ["Q1", "Q3"]:
        tables = []
        for _, group in inspections.groupby("staff_id"):
            own = group[group["inspector_id"] == inspector]
            others = group[group["inspector_id"] != inspector]
            if own.empty or others.empty:
                continue
            tables.append(
                [
                    [own["passed"].sum(), (~own["passed"]).sum()],
                    [others["passed"].sum(), (~others["passed"]).sum()],
                ]
            )
        st = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
        with np.errstate(divide="ignore", invalid="ignore"):  # strata with empty cells
            test = st.test_null_odds(correction=False)
            pooled = st.oddsratio_pooled
        assert result.loc[inspector, "p_value"] == pytest.approx(test.pvalue, rel=1e-9)
        assert result.loc[inspector, "odds_ratio"] == pytest.approx(pooled, rel=1e-9)


def test_holm_adjustment_matches_statsmodels():
    inspections, _ = _simulate(4, lenient=None)
    result = quality.inspector_leniency(inspections)
    expected = multipletests(result["p_value"], method="holm")[1]
    np.testing.assert_allclose(result["p_holm"], expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_only_the_lenient_inspector_is_flagged(seed):
    inspections, _ = _simulate(seed)
    result = quality.inspector_leniency(inspections)
    flagged = result.loc[result["verdict"] != "consistent", "inspector_id"].tolist()
    assert flagged == ["Q3"]
    assert result.set_index("inspector_id").loc["Q3", "verdict"] == "lenient"


def test_no_inspector_is_flagged_when_all_judge_alike():
    flagged = 0
    for seed in range(10):
        inspections, _ = _simulate(100 + seed, lenient=None)
        flagged += (quality.inspector_leniency(inspections)["verdict"] != "consistent").sum()
    # Holm at 5 % family-wise: at most a rare false alarm over ten months.
    assert flagged <= 1


def test_unit_quality_signals_a_unit_far_off_the_others():
    inspections, staff = _simulate(5, lenient=None, n_staff=300, per_staff=6)
    bad_staff = staff.loc[staff["unit_code"] == "X02", "staff_id"]
    # Three in ten of X02's records failed on top of the usual rate.
    rng = np.random.default_rng(0)
    worse = inspections["staff_id"].isin(bad_staff) & (rng.random(len(inspections)) < 0.2)
    inspections.loc[worse, "passed"] = False
    result = quality.unit_quality(inspections, staff).set_index("unit_code")
    assert result.loc["X02", "signal"]
    assert result["z"].idxmax() == "X02"
    # Centre line is the pooled failure proportion, as docs/methods.md §4.2 defines it.
    pooled = 1 - inspections["passed"].mean()
    assert result["p_bar"].iloc[0] == pytest.approx(pooled)


def test_unit_quality_month_over_month_uses_fisher_exact():
    from scipy.stats import fisher_exact

    now, staff = _simulate(6, lenient=None)
    before, _ = _simulate(7, lenient=None)
    result = quality.unit_quality(now, staff, previous=before, previous_staff=staff)
    row = result.iloc[0]
    unit_staff = staff.loc[staff["unit_code"] == row["unit_code"], "staff_id"]
    prev = before[before["staff_id"].isin(unit_staff)]
    table = [
        [row["passed"], row["inspected"] - row["passed"]],
        [prev["passed"].sum(), len(prev) - prev["passed"].sum()],
    ]
    assert row["change_p"] == pytest.approx(fisher_exact(table).pvalue)
    assert row["prev_pass_rate"] == pytest.approx(prev["passed"].mean())


def test_agreement_kappa_matches_statsmodels():
    # Records inspected twice by different inspectors; κ against statsmodels' cohens_kappa.
    rng = np.random.default_rng(8)
    n = 200
    first = rng.random(n) < 0.8
    second = np.where(rng.random(n) < 0.85, first, ~first)
    rows = []
    for i in range(n):
        rows.append((f"I{2 * i:05d}", f"R{i:04d}", "S00001", "Q1", bool(first[i])))
        rows.append((f"I{2 * i + 1:05d}", f"R{i:04d}", "S00001", "Q2", bool(second[i])))
    frame = pd.DataFrame(
        rows, columns=["inspection_id", "record_id", "staff_id", "inspector_id", "passed"]
    )
    result = quality.inspector_agreement(frame).set_index("inspector_id")
    table = pd.crosstab(first, second).to_numpy()
    assert result.loc["全部", "kappa"] == pytest.approx(sm_cohens_kappa(table).kappa)
    assert result.loc["全部", "double_checked"] == n
    assert result.loc["Q1", "passed_other_failed"] == int(np.sum(first & ~second))
    assert result.loc["全部", "agreement"] == pytest.approx(np.mean(first == second))


@pytest.mark.slow
def test_on_generated_months_only_the_planted_inspector_is_flagged(tmp_path):
    # Issue 4's acceptance: on the sample data the planted lenient inspector is flagged,
    # every month, and no one else is (lenient or strict).
    import json

    from kpilib.contract.load import load_month
    from kpilib.sample.generate import generate

    generate(tmp_path, months=6, end="2026-10")
    planted = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))
    for month in planted["months"]:
        result = quality.inspector_leniency(load_month(tmp_path, month).inspections)
        flagged = result.loc[result["verdict"] != "consistent", ["inspector_id", "verdict"]]
        assert flagged.values.tolist() == [[planted["lenient_inspector"], "lenient"]], month


# ---------------------------------------------------------------------------------------
# The hand-written Holm and Mantel–Haenszel helpers against statsmodels, directly
# (docs/methods.md §5.2; statsmodels is a test-only dependency of the project).
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_holm_matches_multipletests_on_random_p_values(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 30))
    p = rng.uniform(0, 1, m) ** 3  # many small p-values, some adjusted up to 1
    expected = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(quality._holm(p), expected, rtol=1e-12, atol=0)


def test_holm_ties_ones_and_nan():
    p = np.array([0.01, np.nan, 0.01, 0.04, 1.0, 0.0])
    got = quality._holm(p)
    ok = ~np.isnan(p)
    np.testing.assert_allclose(got[ok], multipletests(p[ok], method="holm")[1], rtol=1e-12)
    assert np.isnan(got[1])  # NaN stays NaN and does not count in m
    assert quality._holm(np.array([])).size == 0


@pytest.mark.parametrize("seed", range(6))
def test_mantel_haenszel_matches_stratified_table(seed):
    # Stratified 2 x 2 tables [[a, b], [c, d]] with every cell positive, some strata of
    # two records only (t = 2) to exercise the variance term.
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 40))
    cells = rng.integers(1, 12, size=(k, 4)).astype(float)
    a, b, c, d = cells.T
    t = a + b + c + d
    odds_ratio, excess, p_value = quality._mantel_haenszel(a, b, c, d, t)
    st = StratifiedTable(np.stack([[a, b], [c, d]]))
    test = st.test_null_odds(correction=False)
    assert p_value == pytest.approx(test.pvalue, rel=1e-9)
    assert odds_ratio == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    # observed minus expected passes: Σ a − Σ (a + b)(a + c)/t
    assert excess == pytest.approx(a.sum() - ((a + b) * (a + c) / t).sum(), rel=1e-12)


def test_mantel_haenszel_edges():
    # no comparable stratum: everything undefined
    empty = np.array([])
    assert all(np.isnan(v) for v in quality._mantel_haenszel(empty, empty, empty, empty, empty))
    # one record per stratum (t = 1) carries no variance: p = 1, never a division by zero
    one = np.array([1.0])
    zero = np.array([0.0])
    odds_ratio, excess, p_value = quality._mantel_haenszel(one, zero, zero, zero, one)
    assert p_value == 1.0 and excess == 0.0 and np.isnan(odds_ratio)
