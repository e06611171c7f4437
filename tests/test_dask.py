"""The monthly run on Dask: same reports as the local executor, nothing lost when a worker dies.

Real clusters only: a ``LocalCluster`` started by the executor, and a ``dask scheduler``
with two ``dask worker`` processes on 127.0.0.1 (random ports) started here. Workers do
not share the driver's folders in these tests (the default): the shared results and the
notebooks travel to them and the pages come back.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import psutil
import pytest

from kpilib.cli import EXIT_INVALID, EXIT_OK, main, run_command
from kpilib.report.store import MANIFEST
from kpilib.run.dask_executor import DaskExecutor
from kpilib.sample.generate import generate

# One group: the clusters of this module run one at a time, on one xdist worker.
pytestmark = [pytest.mark.notebook, pytest.mark.slow, pytest.mark.xdist_group("dask")]

MONTH = "2026-10"
TEST_NOTEBOOKS = Path(__file__).parent / "notebooks" / "runner"
REPORTS = {"summary", "sampling_plan", "unit_X01", "unit_X02", "unit_Z01"}
DASK = Path(sys.executable).parent / "dask"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Two counties and one centre, one month: five reports with the summary and plan."""
    data = tmp_path_factory.mktemp("data")
    generate(data, months=1, end=MONTH, counties=2, centres=1, seed=11)
    return data


def _run(**kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_command(month=MONTH, progress=False, **kwargs)
    return code, out.getvalue(), err.getvalue()


def _manifest(month_dir: Path) -> dict:
    return json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))


class _Text(HTMLParser):
    """Every piece of text of a page and every table cell, images and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        if tag in ("td", "th", "tr", "table"):
            self.parts.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(（[^）]*）)?")


def _page_content(path: Path) -> list[str]:
    """The page's text and tables; the generation time (stamped per render) left out."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return [_STAMP.sub("<time>", part) for part in parser.parts]


def _notebook_content(path: Path, out_root: Path) -> list[tuple]:
    """Cells of an executed notebook: type, source, tags and text outputs (paths as OUT)."""
    nb = nbformat.read(path, as_version=4)

    def text(output) -> str:
        return output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))

    return [
        (
            cell.cell_type,
            cell.source.replace(str(out_root), "OUT"),
            tuple(cell.metadata.get("tags", [])),
            tuple(text(o).replace(str(out_root), "OUT") for o in cell.get("outputs", [])),
        )
        for cell in nb.cells
    ]


# --------------------------------------------------------------------------- LocalCluster


def test_a_local_cluster_makes_the_reports_the_warm_executor_makes(sample, tmp_path):
    """The project's notebooks, the whole month, both executors: same statuses, same pages."""
    warm_out, dask_out = tmp_path / "warm", tmp_path / "dask"
    code_warm, _, err_warm = _run(data_dir=sample, out_dir=warm_out, jobs=2)
    code_dask, _, err_dask = _run(data_dir=sample, out_dir=dask_out, jobs=2, executor_kind="dask")
    assert code_dask == code_warm, (err_warm, err_dask)

    warm_dir, dask_dir = warm_out / MONTH, dask_out / MONTH
    warm_reports, dask_reports = _manifest(warm_dir)["reports"], _manifest(dask_dir)["reports"]
    assert set(dask_reports) == set(warm_reports) == REPORTS
    statuses = {k: e["status"] for k, e in dask_reports.items()}
    assert statuses == {k: e["status"] for k, e in warm_reports.items()}
    ok = sorted(k for k, status in statuses.items() if status == "ok")
    assert ok, statuses  # someone else's broken notebook would fail both alike
    for key in ok:
        html = dask_reports[key]["html"]
        assert _page_content(dask_dir / html) == _page_content(warm_dir / html), key
        executed = dask_reports[key]["executed_notebook"]
        assert _notebook_content(dask_dir / executed, dask_out) == _notebook_content(
            warm_dir / executed, warm_out
        ), key
    # the executed notebook names the driver's paths, not the worker's folder
    nb = nbformat.read(dask_dir / dask_reports[ok[0]]["executed_notebook"], as_version=4)
    assert nb.metadata["papermill"]["parameters"]["results_dir"] == str(
        (dask_dir / "data").resolve()
    )
    assert "kpilib-dask-" not in json.dumps(nb.metadata["papermill"])
    # pages moved out of staging, no temporary file left
    assert not (dask_dir / ".staging").exists()
    assert not [p for p in dask_dir.rglob("*") if ".tmp" in p.name]

    # unchanged: the Dask run skips everything, as the local one does
    code, stdout, _ = _run(data_dir=sample, out_dir=dask_out, jobs=2, executor_kind="dask")
    assert code == code_warm
    failed = sum(status == "failed" for status in statuses.values())  # failed ones run again
    assert f": {failed} report(s) run" in stdout, stdout


# --------------------------------------------------------------------------- a real cluster


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DASK), *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill_tree(process: psutil.Process) -> None:
    tree = [process, *process.children(recursive=True)]
    for p in tree:
        with contextlib.suppress(psutil.Error):
            p.send_signal(signal.SIGKILL)
    psutil.wait_procs(tree, timeout=10)


@pytest.fixture
def cluster(tmp_path):
    """A ``dask scheduler`` and two ``dask worker`` processes (no nanny) on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [
        _start(
            ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], tmp_path
        )
    ]
    try:
        for i in range(2):
            space = tmp_path / f"worker{i}"
            space.mkdir()
            processes.append(
                _start(
                    [
                        *f"worker {address} --nthreads 1 --no-nanny --no-dashboard".split(),
                        *["--host", "127.0.0.1", "--local-directory", str(space)],
                    ],
                    space,
                )
            )
        yield address, processes
    finally:
        for process in reversed(processes):
            with contextlib.suppress(psutil.Error):
                _kill_tree(psutil.Process(process.pid))
            process.wait(10)


def _wait_for_workers(executor: DaskExecutor, count: int, timeout_s: float = 120) -> None:
    executor.client.wait_for_workers(count, timeout=timeout_s)


def _slow_notebooks(folder: Path, seconds: float) -> Path:
    """The runner's test notebooks; the unit report sleeps ``seconds`` in a last cell."""
    folder.mkdir()
    for path in TEST_NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(path, folder / path.name)
    unit = folder / "unit_report.ipynb"
    nb = nbformat.read(unit, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
    nbformat.write(nb, unit)
    return folder


class _KillOnFirstReport:
    """The Dask executor; when the first report is recorded, one busy worker is killed."""

    def __init__(self, inner: DaskExecutor, workers: dict[str, psutil.Process]) -> None:
        self.inner = inner
        self.workers = workers  # worker address -> its process
        self.killed: tuple[str, list[str]] | None = None
        self.results = []

    def run(self, jobs, *, on_done=None, deadline=None):
        def done(result):
            if self.killed is None:
                busy = {a: list(keys) for a, keys in self.inner.client.processing().items() if keys}
                if busy:
                    address = next(iter(busy))
                    _kill_tree(self.workers[address])
                    self.killed = (address, busy[address])
            if on_done is not None:
                on_done(result)

        self.results = self.inner.run(jobs, on_done=done, deadline=deadline)
        return self.results

    def close(self):
        self.inner.close()


def test_a_worker_killed_mid_run_loses_no_report(cluster, sample, tmp_path):
    address, processes = cluster
    notebooks = _slow_notebooks(tmp_path / "notebooks", 2)
    executor = DaskExecutor(scheduler=address)
    _wait_for_workers(executor, 2)
    pids = {p.pid for p in processes[1:]}
    workers = {
        a: psutil.Process(pid) for a, pid in executor.client.run(os.getpid).items() if pid in pids
    }
    assert len(workers) == 2
    killer = _KillOnFirstReport(executor, workers)
    out = tmp_path / "outputs"
    code, stdout, stderr = _run(
        data_dir=sample, out_dir=out, jobs=2, notebooks_dir=notebooks, executor=killer
    )
    assert killer.killed is not None, "no worker was busy when the first report was recorded"
    dead, lost = killer.killed
    assert code == EXIT_OK, stderr
    month_dir = out / MONTH
    reports = _manifest(month_dir)["reports"]
    assert set(reports) == REPORTS
    assert {k: e["status"] for k, e in reports.items()} == dict.fromkeys(REPORTS, "ok")
    for entry in reports.values():
        assert (month_dir / entry["html"]).is_file()
        assert (month_dir / entry["executed_notebook"]).is_file()
    assert "5 report(s) run (5 ok, 0 failed)" in stdout
    assert not (month_dir / ".staging").exists()
    # the reports the dead worker was running were run again by the other one
    ran_on = {r.key: r.worker.split()[0] for r in killer.results}
    lost_reports = {key.removeprefix("kpilib-").rsplit("-", 1)[0] for key in lost}
    assert lost_reports and lost_reports <= REPORTS
    survivor = next(a for a in workers if a != dead)
    assert {ran_on[key] for key in lost_reports} == {survivor}


def test_an_unreachable_scheduler_is_one_line_and_exit_2(sample, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    out = tmp_path / "outputs"
    kpi = Path(sys.executable).parent / "kpi"
    completed = subprocess.run(
        [
            *[str(kpi), "run", "--month", MONTH, "--data", str(sample), "--out", str(out)],
            *["--executor", "dask", "--scheduler", address],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == EXIT_INVALID
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert address in lines[0] and "cannot be reached" in lines[0]
    assert not (out / MONTH).exists() or not list((out / MONTH).iterdir())  # no work done


def test_scheduler_options_need_the_dask_executor(capsys):
    assert main(["run", "--month", MONTH, "--scheduler", "tcp://127.0.0.1:1"]) == EXIT_INVALID
    assert "--executor dask" in capsys.readouterr().err
