"""Benchmark: ``kpi run`` on warm kernels against the plain Papermill loop a user would write.

Generates a sample of 60 counties and 6 centres over 13 months, then prints side by side:

(a) the plain loop: serial ``papermill.execute_notebook`` (a fresh kernel per report) plus
    nbconvert HTML without input, over 8 unit reports, seconds per report;
(b) ``kpi run --force --jobs 2`` over all 68 reports (66 units, the summary and the
    sampling plan), seconds per report (wall / reports), with the shared-results time
    of a cold run (no history cache) and of a warm one;
(c) the ratio (a) / (b);
(d) the peak memory of the whole process tree of the warm run (kernels included): the
    sum of RSS, checked against the target, and the sum of PSS beside it;

and checks that (a) and (b) produce the same report content for those 8 units: every
executed cell's text outputs (tables, Markdown, printed text) are equal; images may
differ in bytes.

Run: ``.venv/bin/python bench/monthly_run.py [--keep DIR]``. Targets (issue 11): ratio at
least 10x, peak memory at most 2 GiB, identical content.
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import papermill
import psutil
from nbconvert import HTMLExporter

from kpilib.run.open import ensure_results
from kpilib.sample.generate import generate

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "unit_report.ipynb"
MONTH = "2026-10"
PLAIN_UNITS = ["X01", "X02", "X03", "X04", "X05", "X06", "Z01", "Z02"]
TARGET_RATIO, TARGET_MEMORY_GIB = 10.0, 2.0


class PeakMemory:
    """Samples the memory of a process and all its children until stopped.

    ``peak``: the largest sum of resident set sizes (RSS), the figure the target is
    checked against. It counts a page shared by several processes once in each: the
    kernels forked from their worker share much of it. ``peak_pss``: the largest sum of
    proportional set sizes (a shared page divided among its sharers), the tree's own
    memory, sampled every ``pss_every`` samples: reading a process's PSS costs the
    kernel about 3 ms, which at every sample would take a tenth of a core from the run.
    """

    def __init__(self, pid: int, every_s: float = 0.2, pss_every: int = 5) -> None:
        self.pid, self.every_s, self.pss_every = pid, every_s, pss_every
        self.peak = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        samples = 0
        while not self._stop.is_set():
            with_pss = samples % self.pss_every == 0
            samples += 1
            rss = pss = 0
            try:
                root = psutil.Process(self.pid)
                for process in [root, *root.children(recursive=True)]:
                    try:
                        if with_pss:
                            memory = process.memory_full_info()
                            pss += memory.pss
                        else:
                            memory = process.memory_info()
                    except psutil.Error:  # ended meanwhile
                        continue
                    rss += memory.rss
            except psutil.Error:
                pass
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def kpi_run(data: Path, out: Path) -> tuple[float, dict, PeakMemory]:
    """``kpi run --force --jobs 2`` as a user runs it: wall seconds, manifest, peak memory."""
    command = [
        str(Path(sys.executable).parent / "kpi"),
        "run", "--month", MONTH, "--data", str(data), "--out", str(out), "--jobs", "2",
        "--force",
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with PeakMemory(process.pid) as memory:
        _, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"kpi run failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    manifest = json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))
    return wall, manifest, memory


def plain_loop(data: Path, results: Path, out: Path) -> float:
    """Serial papermill + nbconvert (no input cells) over the 8 units; seconds per report."""
    exporter = HTMLExporter(exclude_input=True)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for code in PLAIN_UNITS:
        executed = out / f"unit_{code}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(executed),
            parameters={
                "month": MONTH,
                "unit_code": code,
                "results_dir": str(results),
                "data_dir": str(data),
            },
            cwd=str(NOTEBOOK.parent),
            progress_bar=False,
        )
        body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
        (out / f"unit_{code}.html").write_text(body, encoding="utf-8")
    return (time.perf_counter() - started) / len(PLAIN_UNITS)


def text_outputs(path: Path) -> list[list[str]]:
    """Each code cell's outputs as text (tables, Markdown, streams); images left out."""
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts.append(output.get("text", ""))
            texts += [data[k] for k in ("text/html", "text/markdown", "text/plain") if k in data]
        cells.append(texts)
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp one)")
    args = parser.parse_args()
    # both loops import the library compiled, as after its first import on a machine
    # that writes bytecode (here PYTHONDONTWRITEBYTECODE may be set: see the Makefile)
    compileall.compile_dir(ROOT / "kpilib", quiet=1)
    work = args.keep or Path(tempfile.mkdtemp(prefix="kpilib-bench-"))
    data, out = work / "data", work / "outputs"
    shutil.rmtree(out, ignore_errors=True)

    started = time.perf_counter()
    if not (data / MONTH).is_dir():
        generate(data, months=13, end=MONTH, counties=60, centres=6, seed=2026)
    print(f"sample: 60 counties + 6 centres, 13 months in {time.perf_counter() - started:.1f} s")

    cold_wall, cold, _ = kpi_run(data, out)
    warm_wall, warm, peak = kpi_run(data, out)
    reports = len(warm["reports"])
    per_report_kpi = warm_wall / reports

    results = ensure_results(data, MONTH, out / MONTH / "data")
    per_report_plain = plain_loop(data, results, work / "plain")

    same = all(
        text_outputs(work / "plain" / f"unit_{code}.ipynb")
        == text_outputs(out / MONTH / "notebooks" / f"unit_{code}.ipynb")
        for code in PLAIN_UNITS
    )
    ratio = per_report_plain / per_report_kpi
    print()
    print(f"{'':44s}{'seconds':>10s}")
    print(f"{'(a) plain papermill loop, per report':44s}{per_report_plain:10.2f}")
    print(f"{'(b) kpi run --force --jobs 2, per report':44s}{per_report_kpi:10.2f}")
    for label, wall in (("cold", cold_wall), ("warm", warm_wall)):
        print(f"{f'    kpi run wall, {reports} reports, {label} cache':44s}{wall:10.1f}")
    print(f"{'    shared results, cold (no history cache)':44s}{cold['shared_results_s']:10.1f}")
    print(f"{'    shared results, warm (history cached)':44s}{warm['shared_results_s']:10.1f}")
    units = [e for e in warm["reports"].values() if e["kind"] == "unit"]
    for part in ("execute_s", "render_s"):
        median = statistics.median(e[part] for e in units)
        print(f"{f'    unit report {part[:-2]}, median (warm run)':44s}{median:10.2f}")
    print(f"(c) ratio (a)/(b): {ratio:.2f}x   target >= {TARGET_RATIO:.0f}x")
    print(
        f"(d) peak memory, warm run's process tree: {peak.peak / 2**30:.2f} GiB (sum of RSS)"
        f"   target <= 2 GiB; {peak.peak_pss / 2**30:.2f} GiB (sum of PSS: shared pages once)"
    )
    print(f"same report content for {len(PLAIN_UNITS)} units (text, tables): {same}")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
