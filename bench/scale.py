"""Benchmark: the monthly run at 300 units, local warm kernels against Dask, and what 3,000 cost.

Prints:

(a) the shared results (validated load, scoring, statistics, parquet; the serial work of
    the driver) at 300 units over 13 months, cold (no history cache) and warm;
(b) ``kpi run --units <N units> --force --jobs 2`` on the 300-unit month with the local
    warm executor and with ``--executor dask`` (LocalCluster of 2 workers), side by side,
    from the same caches: wall, the reports phase (the run's wall after its shared
    results, which ``--force`` recomputes), seconds per report, median execute and
    render per report, Dask's overhead (difference of the reports phases per report,
    cluster start included), peak memory of each worker
    (its process and its kernel; for Dask the worker process under its nanny) and of
    the driver;
(c) the driver's own per-report cost at 3,000 units: one page and one executed notebook
    written atomically, as ``record`` does, and one rewrite of the 3,000-entry manifest
    (rewritten at most once a second, ``MANIFEST_WRITE_INTERVAL_S``, whatever the rate);
(d) the shared results at 3,000 units (no reports), against 300 units over the same
    months (``--big-months``, default 1: a 3,000-unit sample of 13 months is ~2.6 GB and
    takes hours to generate on a small machine), and the 13-month figure estimated from
    the ratio;
(e) a projection of the wall time of 3,000 units on 1, 4, 16 and 64 workers.

Run: ``.venv/bin/python bench/scale.py [--work DIR] [--reports 40]``. Data generated in
``--work`` is reused by the next run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

from kpilib.report.store import write_bytes_atomic, write_manifest
from kpilib.run.open import ensure_results, validated_cache_for, validated_month
from kpilib.run.runner import MANIFEST_WRITE_INTERVAL_S
from kpilib.sample.generate import generate

MONTH = "2026-10"
CENTRES = 6
KPI = Path(sys.executable).parent / "kpi"


class WorkerMemory:
    """Samples, every ``every_s``, the memory of a process tree, of its root, and of
    each worker: a process running a kernel (``ipykernel``), counted with its kernel."""

    def __init__(self, pid: int, every_s: float = 0.25) -> None:
        self.pid, self.every_s = pid, every_s
        self.total = self.driver = 0
        self.workers: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                tree = [root, *root.children(recursive=True)]
                rss = {}
                for p in tree:
                    with contextlib.suppress(psutil.Error):
                        rss[p.pid] = (p.memory_info().rss, p.ppid(), " ".join(p.cmdline()))
                self.total = max(self.total, sum(r for r, _, _ in rss.values()))
                self.driver = max(self.driver, rss.get(self.pid, (0,))[0])
                for mem, parent, cmd in rss.values():
                    if "ipykernel" in cmd and parent in rss:
                        both = mem + rss[parent][0]
                        self.workers[parent] = max(self.workers.get(parent, 0), both)
            except psutil.Error:
                pass
            self._stop.wait(self.every_s)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def kpi_run(data: Path, out: Path, units: list[str], *extra: str) -> dict:
    """``kpi run`` of ``units`` as a user runs it; wall, manifest and memory figures."""
    command = [
        str(KPI), "run", "--month", MONTH, "--data", str(data), "--out", str(out),
        "--jobs", "2", "--force", "--units", *units, *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with WorkerMemory(process.pid) as memory:
        _, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"kpi run failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    manifest = json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))
    ran = [manifest["reports"][f"unit_{code}"] for code in units]
    return {
        "wall": wall,
        # the run's own wall after its shared results: what the executor changes
        "phase": manifest["wall_s"] - manifest["shared_results_s"],
        "reports": len(ran),
        "ok": sum(e["status"] == "ok" for e in ran),
        "execute": statistics.median(e["execute_s"] for e in ran),
        "render": statistics.median(e["render_s"] for e in ran),
        "worker_peak": max(memory.workers.values(), default=0),
        "workers_seen": len(memory.workers),
        "driver_peak": memory.driver,
        "total_peak": memory.total,
    }


def shared_results_s(data: Path, out: Path) -> float:
    """Seconds of the month's shared results into ``out`` (a fresh folder: cold cache)."""
    started = time.perf_counter()
    ensure_results(data, MONTH, out / MONTH / "data")
    return time.perf_counter() - started


def driver_record_s(month_dir: Path, entries: int) -> tuple[float, float]:
    """The driver's per-report writing at ``entries`` reports: (files s, manifest s)."""
    page = next(month_dir.glob("unit_*.html")).read_bytes()
    executed = next((month_dir / "notebooks").glob("unit_*.ipynb")).read_bytes()
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["reports"].values() if e["kind"] == "unit")
    manifest["reports"] = {
        f"unit_{i:05d}": {**entry, "key": f"unit_{i:05d}"} for i in range(entries)
    }
    scratch = Path(tempfile.mkdtemp(prefix="kpilib-record-"))
    try:
        rounds = 20
        started = time.perf_counter()
        for i in range(rounds):
            write_bytes_atomic(scratch / f"p{i}.html", page)
            write_bytes_atomic(scratch / f"n{i}.ipynb", executed)
        files = (time.perf_counter() - started) / rounds
        started = time.perf_counter()
        for _ in range(rounds):
            write_manifest(scratch, manifest)
        return files, (time.perf_counter() - started) / rounds
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="work folder to keep (default: a temp one)")
    parser.add_argument("--units", type=int, default=300, help="units of the sample (300)")
    parser.add_argument("--reports", type=int, default=40, help="unit reports per executor")
    parser.add_argument("--big", type=int, default=3000, help="units of the big sample")
    parser.add_argument("--big-months", type=int, default=1, help="months of the big sample")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kpilib-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"data{args.units}"
    started = time.perf_counter()
    if not (data / MONTH).is_dir():
        generate(data, months=13, end=MONTH, counties=args.units - CENTRES, centres=CENTRES)
    print(f"sample: {args.units} units, 13 months ({time.perf_counter() - started:.0f} s)")

    # (a) shared results at 300 units, cold then warm history cache
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    cold = shared_results_s(data, out)
    shutil.rmtree(out / MONTH, ignore_errors=True)
    warm_cache = shared_results_s(data, out)

    # (b) the same reports, warm executor then Dask; shared results already current
    table = pd.read_parquet(out / MONTH / "data" / "units.parquet")
    units = sorted(table["unit_code"].astype(str))[: args.reports]
    # both runs start from the same caches: the validated month is primed here, not by
    # whichever executor runs first
    validated_month(data, MONTH, cache_dir=validated_cache_for(out))
    local = kpi_run(data, out, units)
    dask = kpi_run(data, out, units, "--executor", "dask")

    # (c) the driver's writing per report at 3,000 reports
    files_s, manifest_s = driver_record_s(out / MONTH, args.big)

    # (d) shared results at the big size, against this size over the same months
    big = work / f"data{args.big}_{args.big_months}m"
    started = time.perf_counter()
    if not (big / MONTH).is_dir():
        generate(
            big, months=args.big_months, end=MONTH, counties=args.big - CENTRES, centres=CENTRES
        )
    print(
        f"sample: {args.big} units, {args.big_months} month(s) "
        f"({time.perf_counter() - started:.0f} s)"
    )
    small = work / f"data{args.units}_{args.big_months}m"
    if not small.is_dir():  # the last months of the 300-unit sample
        small.mkdir()
        months = sorted(p.name for p in data.iterdir() if p.is_dir())[-args.big_months :]
        for month in months:
            os.symlink(data / month, small / month)
    small_s = shared_results_s(small, work / "out_small")
    big_s = shared_results_s(big, work / "out_big")
    shutil.rmtree(work / "out_small", ignore_errors=True)
    shutil.rmtree(work / "out_big", ignore_errors=True)
    big_13 = warm_cache * big_s / small_s  # the month at the big size, history cached

    mib = 2**20
    print()
    print(
        f"(a) shared results, {args.units} units, 13 months: cold {cold:.1f} s, "
        f"history cached {warm_cache:.1f} s"
    )
    print(f"(b) {args.reports} unit reports of the {args.units}-unit month, jobs 2:")
    print(f"    {'':28s}{'local warm':>12s}{'dask local':>12s}")
    rows = [
        ("wall s", "wall", "{:12.1f}"),
        ("reports phase s", "phase", "{:12.1f}"),
        ("reports ok", "ok", "{:12d}"),
        ("execute s (median)", "execute", "{:12.2f}"),
        ("render s (median)", "render", "{:12.2f}"),
    ]
    for label, key, fmt in rows:
        print(f"    {label:28s}" + fmt.format(local[key]) + fmt.format(dask[key]))
    per = [r["wall"] / r["reports"] for r in (local, dask)]
    print(f"    {'s per report (wall/reports)':28s}{per[0]:12.2f}{per[1]:12.2f}")
    for label, key in (
        ("peak per worker MiB", "worker_peak"),
        ("peak driver MiB", "driver_peak"),
        ("peak whole tree MiB", "total_peak"),
    ):
        print(f"    {label:28s}{local[key] / mib:12.0f}{dask[key] / mib:12.0f}")
    overhead = (dask["phase"] - local["phase"]) / args.reports
    print(
        f"    Dask overhead: {dask['phase'] - local['phase']:+.1f} s of the reports phase, "
        f"{overhead:+.2f} s per report (cluster start included); "
        f"execute {dask['execute'] - local['execute']:+.2f} s per report (median)"
    )
    print(
        f"(c) driver per report at {args.big} reports: page + notebook written "
        f"{files_s * 1000:.1f} ms, manifest rewritten {manifest_s * 1000:.1f} ms"
    )
    print(
        f"(d) shared results, {args.big_months} month(s): {args.units} units {small_s:.1f} s, "
        f"{args.big} units {big_s:.1f} s (x{big_s / small_s:.1f}); "
        f"{args.big} units, 13 months (history cached), estimated {big_13:.0f} s"
    )
    report_s = dask["execute"] + dask["render"]
    # the driver spends manifest_s of every (interval + manifest_s) seconds on the manifest
    busy = manifest_s / (MANIFEST_WRITE_INTERVAL_S + manifest_s)
    record_s = files_s / (1 - busy)
    print(
        f"(e) {args.big} units projected (shared {big_13:.0f} s + reports; "
        f"{report_s:.2f} s per report per worker, driver {record_s * 1000:.0f} ms per report):"
    )
    for workers in (1, 4, 16, 64):
        reports = args.big * report_s / workers
        driver = args.big * record_s
        total = big_13 + max(reports, driver)
        print(
            f"    {workers:3d} workers: {total / 60:7.1f} min "
            f"(shared {big_13 / 60:.1f}, reports {reports / 60:.1f}, "
            f"driver floor {driver / 60:.1f})"
        )
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
