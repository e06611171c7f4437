"""Run state under faults: locks, kills, interrupted runs, damaged results and manifests.

Each test drives ``kpi run`` as a user would (the CLI's ``run_command`` in a child
process when the test kills it) on a small generated month, with the fast test-only
notebooks of ``tests/notebooks/runner/`` (a file ``SLOW`` in their folder makes each
unit report sleep, so a run can be caught mid-way), and then reads the files on disk.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from kpilib.cli import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, main, run_command
from kpilib.report.store import LOCK, MANIFEST
from kpilib.sample.generate import generate

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("run_state")]

MONTH = "2026-10"
TEST_NOTEBOOKS = Path(__file__).parent / "notebooks" / "runner"
REPORTS = {"summary", "sampling_plan", "unit_X01", "unit_X02", "unit_Z01"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("data")
    generate(data, months=1, end=MONTH, counties=2, centres=1, seed=11)
    return data


@pytest.fixture
def notebooks(tmp_path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in TEST_NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(path, folder / path.name)
    return folder


def _run(**kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_command(month=MONTH, progress=False, jobs=2, **kwargs)
    return code, out.getvalue(), err.getvalue()


def _child_run(sample: Path, out: Path, notebooks: Path) -> subprocess.Popen:
    """``kpi run`` in a child process (the test notebooks instead of the project's)."""
    code = textwrap.dedent(
        f"""
        import sys
        from kpilib.cli import run_command
        sys.exit(run_command(month={MONTH!r}, data_dir={str(sample)!r}, out_dir={str(out)!r},
                             notebooks_dir={str(notebooks)!r}, jobs=2, progress=False))
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_for_reports(month_dir: Path, count: int, timeout_s: float = 120) -> dict:
    limit = time.monotonic() + timeout_s
    while time.monotonic() < limit:
        with contextlib.suppress(OSError, json.JSONDecodeError):
            manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
            done = [e for e in manifest["reports"].values() if e.get("status") == "ok"]
            if len(done) >= count:
                return manifest
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} reports finished in {timeout_s} s")


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _all_gone(processes: list[psutil.Process], timeout_s: float = 15) -> list[int]:
    limit = time.monotonic() + timeout_s
    alive = processes
    while alive and time.monotonic() < limit:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    return [p.pid for p in alive]


def _html_recorded(month_dir: Path) -> tuple[set[str], set[str]]:
    manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
    done = ("ok", "skipped")
    recorded = {e["html"] for e in manifest["reports"].values() if e.get("status") in done}
    on_disk = {p.name for p in month_dir.glob("*.html")} - {"index.html"}
    return recorded, on_disk


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_no_process_and_no_unrecorded_report_and_reruns(
    sample, notebooks, tmp_path, how
):
    out = tmp_path / "outputs"
    month_dir = out / MONTH
    (notebooks / "SLOW").write_text("4")
    child = _child_run(sample, out, notebooks)
    _wait_for_reports(month_dir, 1)
    processes = _tree(child.pid)
    assert len(processes) >= 3  # the run, its workers and their kernels
    os.kill(child.pid, getattr(signal, how))
    child.wait(timeout=60)
    assert _all_gone(processes) == []
    stderr = child.stderr.read()
    child.stderr.close()
    if how == "SIGTERM":
        assert child.returncode == EXIT_INTERRUPTED
        assert b"interrupted" in stderr and b"Traceback" not in stderr
        assert not (month_dir / LOCK).exists()
    time.sleep(2)  # a straggler would write now
    recorded, on_disk = _html_recorded(month_dir)
    assert on_disk <= recorded, (
        f"reports on disk the manifest does not record: {on_disk - recorded}"
    )

    (notebooks / "SLOW").unlink()
    code, stdout, stderr = _run(data_dir=sample, out_dir=out, notebooks_dir=notebooks)
    assert code == EXIT_OK, stderr
    manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["reports"]) == REPORTS
    assert {e["status"] for e in manifest["reports"].values()} <= {"ok", "skipped"}
    recorded, on_disk = _html_recorded(month_dir)
    assert on_disk == recorded == {f"{key}.html" for key in REPORTS}
    if how == "SIGKILL":
        assert "recovered the lock" in stdout  # the killed run's lock was stale


def test_a_second_run_on_the_same_month_is_refused_naming_the_first(sample, notebooks, tmp_path):
    out = tmp_path / "outputs"
    (notebooks / "SLOW").write_text("3")
    child = _child_run(sample, out, notebooks)
    limit = time.monotonic() + 60
    while not (out / MONTH / LOCK).exists() and time.monotonic() < limit:
        time.sleep(0.1)
    code, _, stderr = _run(data_dir=sample, out_dir=out, notebooks_dir=notebooks)
    assert code == EXIT_INVALID
    assert f"another kpi run (pid {child.pid}" in stderr and "Traceback" not in stderr
    child.communicate(timeout=180)
    assert child.returncode == EXIT_OK
    manifest = json.loads((out / MONTH / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["reports"]) == REPORTS


def test_damaged_shared_results_and_manifest_are_rebuilt(sample, notebooks, tmp_path):
    out = tmp_path / "outputs"
    month_dir = out / MONTH
    args = {"data_dir": sample, "out_dir": out, "notebooks_dir": notebooks}
    assert _run(**args)[0] == EXIT_OK

    (month_dir / "data" / "headline.parquet").unlink()
    (month_dir / "data" / "units.parquet").write_bytes(b"not parquet")
    code, _, stderr = _run(**args)
    assert code == EXIT_OK, stderr
    assert (month_dir / "data" / "headline.parquet").is_file()
    assert (month_dir / "data" / "units.parquet").read_bytes()[:4] == b"PAR1"

    (month_dir / MANIFEST).write_text("[1, 2, 3]", encoding="utf-8")
    code, stdout, stderr = _run(**args)
    assert code == EXIT_OK, stderr
    assert "does not have the shape of a kpilib manifest" in stdout
    manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
    assert {k: e["status"] for k, e in manifest["reports"].items()} == dict.fromkeys(REPORTS, "ok")


def test_reports_outside_a_run_are_marked_stale_when_the_inputs_changed(
    sample, notebooks, tmp_path
):
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    out = tmp_path / "outputs"
    args = {"data_dir": data, "out_dir": out, "notebooks_dir": notebooks}
    assert _run(**args, units=["X01"])[0] == EXIT_OK
    revenue = data / MONTH / "revenue.csv"
    revenue.write_bytes(revenue.read_bytes() + b"\n")  # same rows, new bytes: a new export
    assert _run(**args, units=["X02"])[0] == EXIT_OK
    manifest = json.loads((out / MONTH / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["reports"]["unit_X01"]["status"] == "stale"
    assert manifest["reports"]["unit_X02"]["status"] == "ok"
    index = (out / MONTH / "index.html").read_text(encoding="utf-8")
    assert "输入已变更，报告未重新生成" in index and "kpi run --units X01" in index


@pytest.mark.parametrize("kind", ["file", "read-only"])
def test_an_unusable_output_folder_is_one_line_and_exit_2(sample, tmp_path, kind, capsys):
    if kind == "file":
        out = tmp_path / "outputs"
        out.write_text("a file, not a folder")
    else:
        if os.geteuid() == 0:
            out = Path("/proc/kpilib-cannot-write-here")
        else:
            out = tmp_path / "ro"
            out.mkdir()
            out.chmod(0o500)
    code = main(["run", "--month", MONTH, "--data", str(sample), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert "cannot write reports to" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
