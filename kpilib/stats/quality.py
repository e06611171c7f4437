"""Monthly quality-inspection summaries (质量抽检): pass rates that can be compared fairly.

Built on :mod:`kpilib.stats.inference`; every function takes the month's canonical
``inspections`` table (see :mod:`kpilib.contract.schema`) and returns a DataFrame.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from kpilib.stats import inference as stats

IntervalMethod = Literal["wilson", "wilson_cc", "clopper_pearson"]
_INTERVAL_METHODS = ("wilson", "wilson_cc", "clopper_pearson")


def _check_inspections(inspections: pd.DataFrame) -> None:
    required = {"inspection_id", "record_id", "staff_id", "inspector_id", "passed"}
    missing = required - set(inspections.columns)
    if missing:
        raise ValueError(f"inspections is missing column(s) {sorted(missing)}")
    if inspections["passed"].isna().any():
        raise ValueError("inspections.passed has blanks; every inspection must be pass or fail")


def pass_rates(
    inspections: pd.DataFrame,
    *,
    by: str | list[str],
    method: IntervalMethod = "wilson",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Pass rate with a confidence interval per group.

    Parameters
    ----------
    inspections : canonical inspections table; it may carry extra columns to group by
        (for example ``unit_code`` joined from staff).
    by : column(s) to group by, e.g. ``"unit_code"``, ``"staff_id"``, ``"inspector_id"``.
    method : interval method of :func:`kpilib.stats.inference.proportion_ci`.
    confidence : interval level.

    Returns
    -------
    DataFrame, one row per group, with the group column(s) and
        inspected : int, inspections in the group.
        passed : int, of which passed.
        pass_rate : float, passed / inspected.
        ci_low, ci_high : float, confidence interval of the pass rate.

    Examples
    --------
    >>> df = pd.DataFrame({"inspection_id": ["a", "b", "c"], "record_id": ["r1", "r2", "r3"],
    ...     "staff_id": ["S1", "S1", "S2"], "inspector_id": ["Q1"] * 3,
    ...     "passed": [True, False, True]})
    >>> pass_rates(df, by="staff_id")[["staff_id", "inspected", "passed", "pass_rate"]]
      staff_id  inspected  passed  pass_rate
    0       S1          2       1        0.5
    1       S2          1       1        1.0
    """
    _check_inspections(inspections)
    if method not in _INTERVAL_METHODS:
        raise ValueError(f"method must be one of {_INTERVAL_METHODS}, got {method!r}")
    keys = [by] if isinstance(by, str) else list(by)
    grouped = inspections.assign(_passed=inspections["passed"].astype(bool)).groupby(
        keys, sort=True, observed=True
    )
    out = grouped["_passed"].agg(inspected="size", passed="sum").reset_index()
    out["inspected"] = out["inspected"].astype("int64")
    out["passed"] = out["passed"].astype("int64")
    out["pass_rate"] = out["passed"] / out["inspected"]
    low, high = stats.proportion_ci(
        out["passed"].to_numpy(), out["inspected"].to_numpy(), method=method, confidence=confidence
    )
    out["ci_low"] = np.asarray(low, dtype=float)
    out["ci_high"] = np.asarray(high, dtype=float)
    return out


def unit_quality(
    inspections: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    previous: pd.DataFrame | None = None,
    previous_staff: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Pass rate per unit with interval, p-chart signal and month-over-month test.

    The p-chart is drawn on the failure proportion (limits p̄ ± 3σ with each
    unit's own n, docs/methods.md §4.2); ``signal`` marks units outside them.

    Parameters
    ----------
    inspections, staff : the month's canonical tables (staff gives each inspected
        person's ``unit_code``).
    previous, previous_staff : last month's tables, for the change test; omitted → no test.
    confidence : interval level.

    Returns
    -------
    DataFrame, one row per unit with inspections, columns
        unit_code : str.
        inspected, passed : int.
        pass_rate, ci_low, ci_high : float, as in :func:`pass_rates`.
        fail_rate : float, 1 − pass_rate.
        p_bar, lcl, ucl : float, centre line and 3σ limits of the failure p-chart.
        z : float, standardised distance of the unit's failure rate from p_bar.
        signal : bool, the unit is outside the control limits.
        prev_pass_rate : float, last month's pass rate (NaN when unknown).
        change_p : float, Fisher exact two-sided p-value of the change (NaN when unknown).
    """
    by_unit = pass_rates(_with_unit(inspections, staff), by="unit_code", confidence=confidence)
    failures = by_unit["inspected"] - by_unit["passed"]
    chart = stats.p_chart(failures.to_numpy(), by_unit["inspected"].to_numpy())
    by_unit["fail_rate"] = 1.0 - by_unit["pass_rate"]
    for column in ("p_bar", "lcl", "ucl", "z", "signal"):
        by_unit[column] = np.asarray(chart[column])
    by_unit["signal"] = by_unit["signal"].astype(bool)
    by_unit["prev_pass_rate"] = np.nan
    by_unit["change_p"] = np.nan
    if previous is not None and len(previous):
        if previous_staff is None:
            raise ValueError("previous_staff is required with previous inspections")
        before = pass_rates(_with_unit(previous, previous_staff), by="unit_code")
        merged = by_unit.merge(before, on="unit_code", how="left", suffixes=("", "_prev"))
        known = merged["inspected_prev"].notna().to_numpy()
        by_unit.loc[known, "prev_pass_rate"] = merged.loc[known, "pass_rate_prev"].to_numpy()
        by_unit.loc[known, "change_p"] = [
            stats.compare_rates(int(x1), int(n1), int(x2), int(n2)).p_fisher
            for x1, n1, x2, n2 in merged.loc[
                known, ["passed", "inspected", "passed_prev", "inspected_prev"]
            ].itertuples(index=False)
        ]
    return by_unit


def _with_unit(inspections: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    unit_of = staff.set_index("staff_id")["unit_code"]
    units = inspections["staff_id"].map(unit_of)
    unknown = inspections.loc[units.isna(), "staff_id"].unique()
    if len(unknown):
        raise ValueError(f"inspected staff not in the staff table: {sorted(unknown)[:10]}")
    return inspections.assign(unit_code=units)


def inspector_leniency(
    inspections: pd.DataFrame,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each inspector's pass rate against the other inspectors' on comparable records.

    Records are comparable when they belong to the same inspected staff member:
    each inspector is compared with the other inspectors' verdicts on the staff
    members that inspector also inspected, combined across staff members with the
    Cochran–Mantel–Haenszel test (so an inspector who happened to draw strong
    staff is not called lenient). Holm's correction is applied across inspectors.

    One very lenient inspector would make everybody else look strict when they are
    part of the reference, so the test runs in rounds: the most significant
    inspector of a round is flagged and leaves the reference pool, and the rest
    are tested again against the remaining inspectors, until no one is significant.

    Parameters
    ----------
    inspections : canonical inspections table of one month (or several).
    alpha : family-wise error rate for the flag.

    Returns
    -------
    DataFrame, one row per inspector, columns
        inspector_id : str.
        inspected, passed : int, the inspector's own inspections.
        pass_rate : float.
        others_inspected, others_passed : int, reference inspectors' inspections of the
            same staff.
        others_pass_rate : float.
        odds_ratio : float, Mantel–Haenszel common odds ratio of passing (inspector vs
            reference; NaN when undefined, e.g. an inspector who failed no one).
        excess_passes : float, the inspector's passes minus those expected if they judged
            like the reference on the same staff (Σ a − Σ E[a]); its sign gives the verdict.
        p_value : float, two-sided CMH test p-value (NaN when no comparable records).
        p_holm : float, Holm-adjusted p-value within the round that decided the verdict.
        verdict : str, "lenient" (passes significantly more), "strict" (significantly
            fewer) or "consistent".
    """
    _check_inspections(inspections)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    cells = (
        inspections.assign(passed=inspections["passed"].astype(bool))
        .groupby(["staff_id", "inspector_id"], observed=True)["passed"]
        .agg(n="size", x="sum")
        .reset_index()
    )
    flagged: list[pd.DataFrame] = []
    pool = cells
    while True:
        round_result = _leniency_round(pool)
        round_result["p_holm"] = _holm(round_result["p_value"].to_numpy())
        best = round_result["p_holm"].idxmin() if round_result["p_holm"].notna().any() else None
        if best is None or not round_result.loc[best, "p_holm"] < alpha:
            break
        flagged.append(round_result.loc[[best]])
        pool = pool[pool["inspector_id"] != round_result.loc[best, "inspector_id"]]
        if pool["inspector_id"].nunique() < 2:
            round_result = _leniency_round(pool)
            round_result["p_holm"] = _holm(round_result["p_value"].to_numpy())
            break
    out = pd.concat([*flagged, round_result], ignore_index=True)
    out["pass_rate"] = out["passed"] / out["inspected"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["others_pass_rate"] = np.where(
            out["others_inspected"] > 0, out["others_passed"] / out["others_inspected"], np.nan
        )
    significant = out["p_holm"] < alpha
    out["verdict"] = np.select(
        [significant & (out["excess_passes"] > 0), significant & (out["excess_passes"] < 0)],
        ["lenient", "strict"],
        default="consistent",
    )
    columns = [
        "inspector_id", "inspected", "passed", "pass_rate", "others_inspected",
        "others_passed", "others_pass_rate", "odds_ratio", "excess_passes", "p_value",
        "p_holm", "verdict",
    ]  # fmt: skip
    return out[columns].sort_values("inspector_id", ignore_index=True)


def _leniency_round(cells: pd.DataFrame) -> pd.DataFrame:
    """CMH test of each inspector in ``cells`` against the other inspectors in ``cells``."""
    staff_totals = cells.groupby("staff_id")[["n", "x"]].sum()
    rows = []
    for inspector, own in cells.groupby("inspector_id", sort=True):
        totals = staff_totals.loc[own["staff_id"]].to_numpy()
        a = own["x"].to_numpy(dtype=float)  # own passes
        n1 = own["n"].to_numpy(dtype=float)
        c = totals[:, 1] - a  # reference passes on the same staff
        n2 = totals[:, 0] - n1
        keep = n2 > 0
        a, n1, c, n2 = a[keep], n1[keep], c[keep], n2[keep]
        odds_ratio, excess, p_value = _mantel_haenszel(a, n1 - a, c, n2 - c, n1 + n2)
        rows.append(
            {
                "inspector_id": inspector,
                "inspected": int(own["n"].sum()),
                "passed": int(own["x"].sum()),
                "others_inspected": int(n2.sum()),
                "others_passed": int(c.sum()),
                "odds_ratio": odds_ratio,
                "excess_passes": excess,
                "p_value": p_value,
            }
        )
    return pd.DataFrame(rows)


def _mantel_haenszel(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, t: np.ndarray
) -> tuple[float, float, float]:
    """Common odds ratio, observed − expected a, and two-sided CMH p-value (uncorrected).

    Hand-written rather than statsmodels' ``StratifiedTable`` (``oddsratio_pooled``,
    ``test_null_odds(correction=False)``), which the tests compare it with: statsmodels is
    a test-only dependency and the run does not pull it in for one formula (Mantel &
    Haenszel 1959; docs/methods.md §5.2).
    """
    if len(a) == 0:
        return float("nan"), float("nan"), float("nan")
    r = np.sum(a * d / t)
    s = np.sum(b * c / t)
    odds_ratio = r / s if s > 0 else float("nan")
    n1, n2, m1, m0 = a + b, c + d, a + c, b + d
    expected = n1 * m1 / t
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.where(t > 1, n1 * n2 * m1 * m0 / (t**2 * (t - 1)), 0.0)
    v = variance.sum()
    excess = float(a.sum() - expected.sum())
    if v <= 0:
        return float(odds_ratio), excess, 1.0
    return float(odds_ratio), excess, float(sps.chi2.sf(excess**2 / v, df=1))


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN stays NaN (Holm 1979; docs/methods.md §5.2).

    Hand-written rather than statsmodels' ``multipletests(method="holm")``, which the tests
    compare it with: statsmodels is a test-only dependency and the run does not pull it in
    for one formula.
    """
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    values = p[ok]
    order = np.argsort(values)
    m = len(values)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * values[order])
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[ok] = result
    return out


def inspector_agreement(inspections: pd.DataFrame) -> pd.DataFrame:
    """Agreement between inspectors on records inspected twice (复检一致性).

    For every record inspected by two different inspectors, the first and second
    verdicts (ordered by inspection id) form a 2×2 table; Cohen's κ summarises it.

    Returns
    -------
    DataFrame, one row per inspector plus a row ``inspector_id == "全部"`` for all pairs,
    columns
        inspector_id : str.
        double_checked : int, records this inspector judged that someone else also judged.
        agreement : float, share of those records with the same verdict.
        passed_other_failed : int, records this inspector passed and the other failed.
        failed_other_passed : int, records this inspector failed and the other passed.
        kappa : float, Cohen's κ over those records (NaN when undefined); for the
            overall row, κ between first and second verdicts.
    """
    _check_inspections(inspections)
    twice = inspections.sort_values("inspection_id").assign(
        passed=inspections["passed"].astype(bool)
    )
    twice = twice[twice.duplicated("record_id", keep=False)]
    first = twice.groupby("record_id").nth(0).set_index("record_id")
    second = twice.groupby("record_id").nth(1).set_index("record_id")
    pairs = first[["inspector_id", "passed"]].join(
        second[["inspector_id", "passed"]], suffixes=("", "_2"), how="inner"
    )
    pairs = pairs[pairs["inspector_id"] != pairs["inspector_id_2"]]
    # Each pair seen from both inspectors' side.
    both = pd.concat(
        [
            pd.DataFrame(
                {
                    "inspector_id": pairs["inspector_id"],
                    "own": pairs["passed"],
                    "other": pairs["passed_2"],
                }
            ),
            pd.DataFrame(
                {
                    "inspector_id": pairs["inspector_id_2"],
                    "own": pairs["passed_2"],
                    "other": pairs["passed"],
                }
            ),
        ],
        ignore_index=True,
    )
    rows = [
        _agreement_row(group["own"], group["other"], inspector)
        for inspector, group in both.groupby("inspector_id", sort=True)
    ]
    rows.append(_agreement_row(pairs["passed"], pairs["passed_2"], "全部"))
    return pd.DataFrame(rows)


def _agreement_row(own: pd.Series, other: pd.Series, inspector: str) -> dict[str, object]:
    own_b, other_b = own.to_numpy(bool), other.to_numpy(bool)
    table = np.array(
        [
            [np.sum(own_b & other_b), np.sum(own_b & ~other_b)],
            [np.sum(~own_b & other_b), np.sum(~own_b & ~other_b)],
        ]
    )
    n = int(table.sum())
    kappa = float("nan")
    if n:
        p_o = np.trace(table) / n
        p_e = float(table.sum(axis=1) @ table.sum(axis=0)) / n**2
        if p_e < 1:
            kappa = float(stats.cohen_kappa(table))
    return {
        "inspector_id": inspector,
        "double_checked": n,
        "agreement": float(p_o) if n else float("nan"),
        "passed_other_failed": int(table[0, 1]),
        "failed_other_passed": int(table[1, 0]),
        "kappa": kappa,
    }
