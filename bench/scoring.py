"""Benchmark: score_month's scoring step on 1,000,000 staff x indicator rows.

Times :func:`kpilib.scoring.scorecard.score_rows` (the vectorised per-indicator scoring that
:func:`kpilib.duties.facts.score_month` runs) on 1,000,000 synthetic rows covering every
method of ``params/scheme-2026.yaml`` except ``rank`` (a rank needs the whole group, so
it has no row-wise form), and a plain row-wise ``DataFrame.apply`` implementation of
the same rules (raw score, applicability, cap/floor flag). The row-wise version is timed
on a random subsample and extrapolated linearly to 1,000,000 rows (printed as such).
Both are checked to give the same scores and flags on the subsample.

It also times the three rules of :mod:`kpilib.scoring.rules` called directly on a
1,000,000-value Series (``completion``, ``tiered``, ``step``: the measurement
``tests/test_scoring.py`` used to assert with a 2 s bound; timing is not a test, since a
loaded machine fails it) beside that bound and a plain Python loop over the same values.

Run: ``.venv/bin/python bench/scoring.py [--rows 1000000] [--sample 20000]``
Target (issue 3): <= 1 s for 1M rows and >= 50x the row-wise baseline; the three rules
on 1M values within the former test's 2 s.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kpilib.scoring import rules
from kpilib.scoring.scheme import Indicator, Scheme, load_scheme
from kpilib.scoring.scorecard import score_rows

ROOT = Path(__file__).resolve().parents[1]
#: Step rule of docs/methods.md §1.6 (ratio basis).
STEP_RULE = [(1.0, 10.0), (0.9, 8.0), (0.8, 6.0)]
#: The former test's bound (seconds) for the three rules on 1,000,000 values.
RULES_BASELINE_SECONDS = 2.0


def synthetic_rows(scheme: Scheme, n: int, seed: int = 2026) -> pd.DataFrame:
    """``n`` rows of random entities and indicators (no rank indicators), a few not
    applicable, a few zero targets, actual values spread over every bracket and cap."""
    rng = np.random.default_rng(seed)
    codes = np.array([c for c, i in scheme.indicators.items() if i.method != "rank"])
    code = codes[rng.integers(0, len(codes), n)]
    target = rng.choice([0.0, 15.0, 25.0, 100.0, 500.0], n, p=[0.02, 0.3, 0.3, 0.2, 0.18])
    actual = np.round(target * rng.uniform(0.0, 1.6, n))
    rate = np.isin(code, ["on_time_rate", "pass_rate", "archive_rate", "collection_rate"])
    actual = np.where(rate, rng.uniform(0.5, 1.0, n), actual)
    fixed_one = np.isin(code, ["archive_rate", "collection_rate"])
    target = np.where(fixed_one, 1.0, target)
    actual = np.where(code == "satisfaction", rng.uniform(60, 100, n), actual)
    actual = np.where(code == "report_timeliness", rng.uniform(0.4, 1.0, n), actual)
    actual = np.where(code == "qualification", rng.uniform(0.3, 1.0, n), actual)
    target = np.where(code == "qualification", 0.9, target)
    actual = np.where(code == "contract_archive", rng.uniform(0.7, 1.0, n), actual)
    churn = code == "churn_rate"
    actual = np.where(churn, rng.choice([0.0, 0.01, 0.02, 0.025, 0.05], n), actual)
    target = np.where(churn, 0.02, target)
    target = np.where(code == "staff_mean", 100.0, target)
    actual = np.where(code == "staff_mean", rng.uniform(40, 125, n), actual)
    base = target * 0.8
    challenge = target * 1.2
    ca = code == "contract_archive"
    base, target, challenge = (
        np.where(ca, 0.8, base),
        np.where(ca, 0.95, target),
        np.where(ca, 1.0, challenge),
    )
    no_target = np.isin(code, ["satisfaction", "on_time_rate", "pass_rate", "report_timeliness"])
    target = np.where(no_target, np.nan, target)
    return pd.DataFrame(
        {
            "entity_id": np.char.add("S", (np.arange(n) // 8).astype(str)),
            "role": "customer_manager",
            "indicator": code,
            "actual": actual,
            "target": target,
            "base": base,
            "challenge": challenge,
            "applicable": rng.random(n) > 0.01,
        }
    )


def rowwise(row: pd.Series, indicators: dict[str, Indicator]) -> tuple[float, str]:
    """The same rules, one row at a time: (raw score in percent of weight, flag)."""
    ind = indicators[row["indicator"]]
    p, x, t = ind.params, row["actual"], row["target"]
    needs_target = ind.method in ("completion", "tiered", "reverse") or (
        ind.method == "step" and p["basis"] == "ratio"
    )
    if not row["applicable"] or math.isnan(x) or (needs_target and not t > 0):
        return math.nan, "not_applicable"
    if ind.method == "completion":
        r = x / t
        if r < p["threshold"]:
            return p["floor_score"], "floor"
        return 100.0 * min(r, p["cap"]), "cap" if r > p["cap"] else ""
    if ind.method == "tiered":
        b, c = row["base"], row["challenge"]
        frac = (x - b) / (t - b)
        if frac < 0:
            return 0.0, "floor"
        if frac <= 1:
            return p["low"] + (p["mid"] - p["low"]) * frac, ""
        over = (x - t) / (c - t)
        return p["mid"] + (p["high"] - p["mid"]) * min(over, 1.0), "cap" if over > 1 else ""
    if ind.method == "reverse":
        if x == 0:
            return 100.0 * p["cap"], "cap"
        r = t / x if p["method"] == "ratio" else 1.0 - (x - t) / t
        if r > p["cap"]:
            return 100.0 * p["cap"], "cap"
        if r < 0:
            return 0.0, "floor"
        return 100.0 * r, ""
    if ind.method == "efficacy":
        d = 60.0 + 40.0 * (x - p["not_allowed"]) / (p["satisfactory"] - p["not_allowed"])
        if p["clip"] is not None:
            lo, hi = p["clip"]
            if d > hi:
                return hi, "cap"
            if d < lo:
                return lo, "floor"
        return d, ""
    if ind.method == "efficacy_tiered":
        v, c = p["standards"], p["coefficients"]
        if x > v[0]:
            return 100.0 * c[0], "cap"
        if x == v[0]:
            return 100.0 * c[0], ""
        if x < v[-1]:
            return 0.0, "floor"
        for k in range(len(v) - 1):
            if v[k] > x >= v[k + 1]:
                own, up = v[k + 1], v[k]
                return 100.0 * c[k + 1] + (x - own) / (up - own) * 100.0 * (c[k] - c[k + 1]), ""
    if ind.method == "step":
        value = x / t if p["basis"] == "ratio" else x
        score, flag = 0.0, "floor"
        for lower, s in p["brackets"]:
            if value >= lower:
                score, flag = s, ""
        return score, flag
    raise ValueError(f"no row-wise rule for method {ind.method!r}")


def loop_rules(values: np.ndarray) -> list[tuple[float, float, float]]:
    """completion (W 30, target 500, cap 1.2, threshold 0.6), tiered (400/500/600) and
    step on ``values / 500``, one value at a time in plain Python."""
    out = []
    for x in values:
        r = x / 500.0
        comp = 30.0 * min(r, 1.2) if r >= 0.6 else 0.0
        frac = (x - 400.0) / 100.0
        if frac < 0:
            tier = 0.0
        elif frac <= 1:
            tier = 60.0 + 40.0 * frac
        else:
            tier = 100.0 + 20.0 * min((x - 500.0) / 100.0, 1.0)
        stp = 0.0
        for lower, score in sorted(STEP_RULE):
            if r >= lower:
                stp = score
        out.append((comp, tier, stp))
    return out


def bench_rules(n: int, sample: int, repeat: int) -> bool:
    """Time the three rules on ``n`` values; print beside the 2 s bound and a Python loop."""
    x = pd.Series(np.random.default_rng(0).uniform(0, 800, n))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        comp = rules.completion(x, 500.0, weight=30, threshold=0.6)
        tier = rules.tiered(x, base=400, target=500, challenge=600)
        stp = rules.step(x / 500, brackets=STEP_RULE, below=0)
        times.append(time.perf_counter() - start)
    t_vec = min(times)
    sub = x.sample(n=min(sample, n), random_state=1)
    start = time.perf_counter()
    slow = np.array(loop_rules(sub.to_numpy()))
    t_sample = time.perf_counter() - start
    t_loop = t_sample * n / len(sub)
    got = np.column_stack([comp[sub.index], tier[sub.index], stp[sub.index]])
    same = np.allclose(got, slow, rtol=0, atol=1e-9)
    print()
    print(f"rules on {n:,} values (completion, tiered, step)")
    print(f"{'implementation':<44} {'seconds':>10} {'baseline':>10}")
    print(
        f"{'kpilib.scoring.rules, vectorised':<44} {t_vec:>10.3f} {RULES_BASELINE_SECONDS:>10.1f}"
        f"   (best of {repeat}; baseline: the former test's bound)"
    )
    print(
        f"{'plain Python loop':<44} {t_loop:>10.1f} {'':>10}   (extrapolated from "
        f"{len(sub):,} values timed at {t_sample:.2f} s)"
    )
    print(f"same scores on the subsample: {same}")
    print(
        f"target <= {RULES_BASELINE_SECONDS:g} s: "
        f"{'met' if t_vec <= RULES_BASELINE_SECONDS and same else 'NOT met'}"
    )
    return bool(same)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scheme = load_scheme(ROOT / "params" / "scheme-2026.yaml")
    rows = synthetic_rows(scheme, args.rows)
    methods = sorted({scheme.indicators[c].method for c in rows["indicator"].unique()})

    score_rows(rows.head(1000), scheme)  # warm-up (imports, first calls)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        vec = score_rows(rows, scheme)
        times.append(time.perf_counter() - start)
    t_vec = min(times)

    sample = rows.sample(n=min(args.sample, len(rows)), random_state=1)
    indicators = dict(scheme.indicators)
    start = time.perf_counter()
    slow = sample.apply(rowwise, axis=1, result_type="expand", indicators=indicators)
    t_sample = time.perf_counter() - start
    t_row = t_sample * len(rows) / len(sample)

    got = vec.loc[sample.index]
    same_scores = np.allclose(
        got["raw_score"].to_numpy(dtype=float),
        slow[0].to_numpy(dtype=float),
        rtol=0,
        atol=1e-9,
        equal_nan=True,
    )
    same_flags = (got["flag"].astype(str).to_numpy() == slow[1].to_numpy(dtype=object)).all()

    print(f"rows: {len(rows):,} staff x indicator rows, methods {', '.join(methods)}")
    print(f"{'implementation':<44} {'seconds for ' + format(len(rows), ',') + ' rows':>26}")
    label = "vectorised kpilib.scoring.scorecard.score_rows"
    print(f"{label:<48} {t_vec:>22.3f}   (best of {args.repeat})")
    print(
        f"{'row-wise DataFrame.apply':<44} {t_row:>26.1f}   (extrapolated linearly from "
        f"{len(sample):,} rows timed at {t_sample:.2f} s)"
    )
    print(f"{'speed-up (row-wise / vectorised)':<44} {t_row / t_vec:>25.0f}x")
    print(
        f"same raw scores on the {len(sample):,}-row subsample: {same_scores}; "
        f"same cap/floor/not-applicable flags: {bool(same_flags)}"
    )
    ok = t_vec <= 1.0 and t_row / t_vec >= 50 and same_scores and same_flags
    print(f"target <= 1 s and >= 50x, identical results: {'met' if ok else 'NOT met'}")
    same_rules = bench_rules(args.rows, args.sample, args.repeat)
    if not (same_scores and same_flags and same_rules):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
