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
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from kpilib.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, main, run_command
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
    # every process that could write a page (the run, its workers, their kernels) is in
    # the tree taken mid-run and gone: no waiting for a straggler
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

    for damage, note in [
        ("[1, 2, 3]", "does not have the shape of a kpilib manifest"),
        ('{"reports": {"summary": {"sta', "is unreadable (JSONDecodeError); rebuilt"),  # cut
    ]:
        (month_dir / MANIFEST).write_text(damage, encoding="utf-8")
        code, stdout, stderr = _run(**args)
        assert code == EXIT_OK, stderr
        assert note in stdout
        manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
        statuses = {k: e["status"] for k, e in manifest["reports"].items()}
        assert statuses == dict.fromkeys(REPORTS, "ok")


def test_reports_outside_a_run_are_marked_stale_when_the_inputs_changed(
    sample, notebooks, tmp_path
):
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    out = tmp_path / "outputs"
    args = {"data_dir": data, "out_dir": out, "notebooks_dir": notebooks}
    assert _run(**args, units=["X01"])[0] == EXIT_OK
    units = data / MONTH / "units.csv"
    text = units.read_text(encoding="utf-8")
    renamed = text.replace("\nX01,", "\nX01,更名", 1)  # X01's own data changes: its report too
    assert renamed != text
    units.write_text(renamed, encoding="utf-8")
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


# ---------------------------------------------------------------------------
# the real command line on a copy of the project: Ctrl-C, the run deadline
# ---------------------------------------------------------------------------

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project as a user has it, with the fast test notebooks as its notebooks.

    ``python -m kpilib.cli`` started with this copy first on the path reads the copy's
    own ``params/run.yaml``, so a test changes a run setting the way a user does.
    """
    root = tmp_path / "project"
    shutil.copytree(
        PROJECT / "kpilib", root / "kpilib", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(PROJECT / "params", root / "params")
    (root / "notebooks").mkdir()
    for path in TEST_NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(path, root / "notebooks" / path.name)
    return root


@pytest.fixture
def kpi_run(project, sample):
    """Start ``kpi run`` of the copy as a terminal does (its own process group).

    Returns a function of the output folder (and further arguments) giving the started
    process; a run still going when the test ends (it failed half-way) is stopped.
    """
    path = os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")]))
    started: list[subprocess.Popen] = []

    def start(out: Path, *extra: str) -> subprocess.Popen:
        args = ["run", "--month", MONTH, "--data", str(sample), "--out", str(out), "--jobs", "2"]
        args += extra
        child = subprocess.Popen(
            [sys.executable, "-m", "kpilib.cli", *args],
            cwd=project,
            env={**os.environ, "PYTHONPATH": path},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(child)
        return child

    yield start
    for child in started:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)  # its workers stop their kernels and exit
        child.communicate()


def _wait_for_kernels(pid: int, timeout_s: float = 300) -> list[psutil.Process]:
    """The run's process tree once its workers have started their kernels."""
    limit = time.monotonic() + timeout_s
    while time.monotonic() < limit:
        if _kernels_of(psutil.Process(pid)):
            return _tree(pid)
        time.sleep(0.2)
    raise AssertionError(f"no kernel started in {timeout_s} s")


def _set_kernel_settings(project: Path, **values: object) -> None:
    """Edit ``kernels.<key>: value`` in the copy's ``params/run.yaml``, as a user would."""
    settings = project / "params" / "run.yaml"
    text = settings.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^(\s*{key}:)\s*\S+", rf"\g<1> {value}", text)
        assert count == 1, f"params/run.yaml has no kernels.{key}"
    settings.write_text(text, encoding="utf-8")


def _messages(stderr: str) -> list[str]:
    """The lines of ``stderr`` that are not the progress bar's redrawn line."""
    lines = [part.strip() for line in stderr.splitlines() for part in line.split("\r")]
    return [line for line in lines if line and not line.startswith(f"{MONTH} 报告")]


def test_ctrl_c_stops_the_run_with_130_and_one_line_and_the_rerun_finishes(
    project, kpi_run, tmp_path
):
    out = tmp_path / "outputs"
    month_dir = out / MONTH
    (project / "notebooks" / "SLOW").write_text("4")
    child = kpi_run(out)
    _wait_for_reports(month_dir, 1, timeout_s=300)
    processes = _tree(child.pid)
    assert len(processes) >= 3  # the run, its workers and their kernels
    os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == EXIT_INTERRUPTED
    messages = _messages(stderr)
    assert len(messages) == 1 and messages[0].startswith("kpi run: interrupted"), stderr
    assert str(month_dir / MANIFEST) in messages[0]
    assert _all_gone(processes) == []
    assert not (month_dir / LOCK).exists()
    # every process that could write (the run, its workers, their kernels) is gone
    manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
    finished = manifest["reports"]  # the reports finished before Ctrl-C, and only those
    assert manifest["month"] == MONTH and finished and set(finished) < REPORTS
    assert {entry["status"] for entry in finished.values()} == {"ok"}
    recorded, on_disk = _html_recorded(month_dir)
    assert on_disk == recorded, f"reports on disk the manifest does not record: {on_disk}"

    (project / "notebooks" / "SLOW").unlink()
    rerun = kpi_run(out)
    _, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == EXIT_OK, stderr
    recorded, on_disk = _html_recorded(month_dir)
    assert on_disk == recorded == {f"{key}.html" for key in REPORTS}


@pytest.mark.slow
def test_the_run_deadline_of_params_run_yaml_fails_the_unfinished_reports(
    project, kpi_run, tmp_path
):
    """Unit reports hang (a cell sleeps far longer than the cell timeout): the run stops at
    ``kernels.run_deadline_min`` (its minimum, 1 minute), fails what is unfinished, says
    why, and leaves no process behind. Takes a little over a minute."""
    _set_kernel_settings(project, run_deadline_min=1, cell_timeout_s=3600)
    (project / "notebooks" / "SLOW").write_text("3600")  # every unit report hangs
    out = tmp_path / "outputs"
    month_dir = out / MONTH
    child = kpi_run(out)
    processes = _wait_for_kernels(child.pid)
    _, stderr = child.communicate(timeout=600)  # a guard only: the deadline is 1 minute

    assert child.returncode == EXIT_FAILED, stderr
    assert "Traceback" not in stderr
    assert _all_gone(processes) == []
    assert not (month_dir / LOCK).exists()
    manifest = json.loads((month_dir / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["reports"]) == REPORTS
    failed = {k: e["error"] for k, e in manifest["reports"].items() if e["status"] == "failed"}
    units = {key for key in REPORTS if key.startswith("unit_")}
    # the summary and the sampling plan do not hang: done in time unless the machine crawls
    assert units <= set(failed) and {e["ename"] for e in failed.values()} == {"RunDeadline"}
    lines = [line for line in _messages(stderr) if line.startswith("FAILED")]
    assert sorted(line.split(":")[0] for line in lines) == sorted(f"FAILED {k}" for k in failed)
    assert all("RunDeadline" in line and "kernels.run_deadline_min" in line for line in lines)
    assert "cell None" not in stderr  # no cell to name: the worker was stopped
    recorded, on_disk = _html_recorded(month_dir)
    assert on_disk == recorded == {f"{key}.html" for key in REPORTS.difference(failed)}


def test_the_cell_timeout_of_params_run_yaml_fails_a_hung_report_naming_its_cell(
    project, kpi_run, tmp_path
):
    _set_kernel_settings(project, cell_timeout_s=2)
    (project / "notebooks" / "SLOW").write_text("60")  # a unit report hangs in one cell
    source = json.loads((TEST_NOTEBOOKS / "unit_report.ipynb").read_text(encoding="utf-8"))
    hung = next(
        i for i, cell in enumerate(source["cells"]) if 'Path("SLOW")' in "".join(cell["source"])
    )
    out = tmp_path / "outputs"
    child = kpi_run(out, "--units", "X01")
    _, stderr = child.communicate(timeout=300)

    assert child.returncode == EXIT_FAILED, stderr
    assert "Traceback" not in stderr
    failed = [line for line in _messages(stderr) if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith(f"FAILED unit_X01: cell {hung}: "), stderr
    assert "CellTimeoutError" in failed[0] and "cell timeout of 2 s (params/run.yaml)" in failed[0]
    manifest = json.loads((out / MONTH / MANIFEST).read_text(encoding="utf-8"))
    error = manifest["reports"]["unit_X01"]["error"]
    assert error["cell_index"] == hung and "time.sleep" in error["source"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("run_deadline_min", "0.5"), ("cell_timeout_s", "0")],
)
def test_a_bad_kernel_setting_is_one_line_naming_it_and_exit_2(
    project, kpi_run, tmp_path, key, value
):
    _set_kernel_settings(project, **{key: value})
    out = tmp_path / "outputs"
    child = kpi_run(out)
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == EXIT_INVALID
    messages = _messages(stderr)
    assert len(messages) == 1, stderr
    assert messages[0].startswith("kpi run: ") and "params/run.yaml" in messages[0]
    assert f"kernels.{key} must be a whole number" in messages[0] and f"got {value}" in messages[0]
    assert not (out / MONTH).exists()


@pytest.mark.parametrize("in_the_way", ["a folder named manifest.json", "a file named data"])
def test_something_in_the_way_in_the_month_folder_is_one_line_and_exit_2(
    sample, notebooks, tmp_path, in_the_way
):
    out = tmp_path / "outputs"
    month_dir = out / MONTH
    month_dir.mkdir(parents=True)
    if in_the_way == "a folder named manifest.json":
        blocked = month_dir / MANIFEST
        blocked.mkdir()
    else:
        blocked = month_dir / "data"
        blocked.write_text("not the shared results", encoding="utf-8")
    code, _, stderr = _run(data_dir=sample, out_dir=out, notebooks_dir=notebooks)
    assert code == EXIT_INVALID
    messages = _messages(stderr)
    assert len(messages) == 1 and "Traceback" not in stderr, stderr
    assert messages[0].startswith(f"kpi run: stopped at {blocked}: ")
    assert not (month_dir / LOCK).exists()
    assert _kernels_left() == []


def _kernels_left(limit_s: float = 60) -> list[int]:
    """The kernels below this process once none is left, or at ``limit_s`` those still
    there (polls: a kernel being stopped on a loaded machine is not yet a leaked one,
    and a leaked one is still there after a minute)."""
    limit = time.monotonic() + limit_s
    while (kernels := _kernels_of(psutil.Process())) and time.monotonic() < limit:
        time.sleep(0.2)
    return kernels


def _kernels_of(process: psutil.Process) -> list[int]:
    found = []
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # it may end while looked at
            if "ipykernel" in " ".join(child.cmdline()):
                found.append(child.pid)
    return found
