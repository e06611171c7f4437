"""Benchmark: score_month's scoring step on 1,000,000 staff x indicator rows.

Times :func:`kpilib.scorecard.score_rows` (the vectorised per-indicator scoring that
:func:`kpilib.scorecard.score_month` runs) on 1,000,000 synthetic rows covering every
method of ``params/scheme-2026.yaml`` except ``rank`` (a rank needs the whole group, so
it has no row-wise form), and a plain row-wise ``DataFrame.apply`` implementation of
the same rules (raw score, applicability, cap/floor flag). The row-wise version is timed
on a random subsample and extrapolated linearly to 1,000,000 rows (printed as such).
Both are checked to give the same scores and flags on the subsample.

Run: ``.venv/bin/python bench/scoring.py [--rows 1000000] [--sample 20000]``
Target (issue 3): <= 1 s for 1M rows and >= 50x the row-wise baseline.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kpilib.scheme import Indicator, Scheme, load_scheme
from kpilib.scorecard import score_rows

ROOT = Path(__file__).resolve().parents[1]


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
    print(
        f"{'vectorised kpilib.scorecard.score_rows':<44} {t_vec:>26.3f}   (best of {args.repeat})"
    )
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
    if not (same_scores and same_flags):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
