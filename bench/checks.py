"""Benchmark: the 汇总检查 of one generated month (score, then reconcile the centres).

Times :func:`kpilib.duties.facts.score_month` followed by
:func:`kpilib.duties.checks.reconcile_centre_results` on a generated month (the measurement
``tests/test_checks.py`` used to assert with a 30 s bound; timing is not a test, since a
loaded machine fails it), best of ``--repeat`` runs, and prints the figures beside that
baseline. It also checks that the planted centre mismatches are found and nothing else.

Run: ``.venv/bin/python bench/checks.py [--counties 3] [--centres 3] [--repeat 3]``
Baseline: score + reconcile of the 3-county, 3-centre sample within 30 s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kpilib.contract.load import load_month
from kpilib.duties.checks import reconcile_centre_results
from kpilib.duties.facts import score_month
from kpilib.sample.generate import generate
from kpilib.scoring.scheme import load_scheme

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-10"
#: The former test's bound (seconds) for score + reconcile of the 3 x 3 sample.
BASELINE_SECONDS = 30.0


def planted_mismatches(planted: dict, month: str) -> set[tuple[str, str, str]]:
    """(unit, staff, indicator) of every centre mismatch planted in ``month``."""
    entry = planted.get("centre_mismatch")
    if isinstance(entry, dict) and month in entry:
        entry = entry[month]
    if isinstance(entry, dict):
        entry = [entry]
    return {(e["unit_code"], sid, e["indicator"]) for e in entry or [] for sid in e["staff_ids"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=3)
    parser.add_argument("--centres", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scheme = load_scheme(ROOT / "params" / "scheme-2026.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        generate(
            tmp, months=1, end=MONTH, counties=args.counties, centres=args.centres, seed=args.seed
        )
        planted = json.loads((Path(tmp) / "planted.json").read_text(encoding="utf-8"))
        month = load_month(tmp, MONTH)

    t_score, t_check = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        card = score_month(month, scheme)
        middle = time.perf_counter()
        found = reconcile_centre_results(card, month.centre_results)
        t_score.append(middle - start)
        t_check.append(time.perf_counter() - middle)
    best_score, best_check = min(t_score), min(t_check)
    total = best_score + best_check

    found_keys = {(r.unit_code, r.staff_id, r.indicator) for r in found.itertuples()}
    plants = planted_mismatches(planted, MONTH)
    correct = found_keys == plants and set(found["issue"]) <= {"mismatch"}

    print(
        f"month {MONTH}: {args.counties} counties, {args.centres} centres, "
        f"{len(month.staff):,} staff, {len(month.centre_results):,} centre result rows"
    )
    print(f"{'step':<48} {'seconds':>9} {'baseline':>9}")
    print(f"{'score_month':<48} {best_score:>9.3f}")
    print(f"{'reconcile_centre_results':<48} {best_check:>9.3f}")
    print(
        f"{'score + reconcile (best of ' + str(args.repeat) + ')':<48} {total:>9.3f} "
        f"{BASELINE_SECONDS:>9.1f}"
    )
    print(
        f"planted mismatches found, nothing else: {correct} "
        f"({len(found_keys)} found, {len(plants)} planted)"
    )
    ok = total <= BASELINE_SECONDS and correct
    verdict = "met" if ok else "NOT met"
    print(f"target <= {BASELINE_SECONDS:g} s, planted mismatches exactly: {verdict}")
    if not correct:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
