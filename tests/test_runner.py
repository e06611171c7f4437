"""The monthly run: validation first, shared results once, reports, manifest, index, reruns.

The end-to-end tests execute the test-only notebooks of ``tests/notebooks/runner/``
(fast, stable, and ``unit_report.ipynb`` fails when a file ``FAIL_<unit_code>``
exists in the notebooks folder, the kernel's working directory) in real kernels
through Papermill, once per module: a first run with one failing unit, a rerun
with ``only_failed`` after the cause is removed, a third run that skips everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from kpilib import __version__
from kpilib.cli import EXIT_FAILED, EXIT_INVALID, EXIT_OK, run_command
from kpilib.report.excel import write_excel
from kpilib.report.store import (
    MANIFEST,
    inputs_digest,
    library_hash,
    notebook_hash,
    read_result,
)
from kpilib.run.executors import ReportResult
from kpilib.run.runner import INDEX, _run_font, plan_reports
from kpilib.sample.generate import generate

# One group: under ``pytest -n N --dist loadgroup`` the module's runs execute once, on one worker.
pytestmark = pytest.mark.xdist_group("runner")

MONTH = "2026-10"
TEST_NOTEBOOKS = Path(__file__).parent / "notebooks" / "runner"
FAILING_UNIT = "X02"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Two counties and one centre, one month: five reports with the summary and plan."""
    data = tmp_path_factory.mktemp("data")
    generate(data, months=1, end=MONTH, counties=2, centres=1, seed=11)
    return data


def _copy_notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in TEST_NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(path, folder / path.name)
    return folder


def _run(**kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_command(month=MONTH, progress=False, **kwargs)
    return code, out.getvalue(), err.getvalue()


def _reports(month_dir: Path) -> dict[str, int]:
    """Report file name -> modification time (ns), the index excluded."""
    return {p.name: p.stat().st_mtime_ns for p in month_dir.glob("*.html") if p.name != INDEX}


class RecordingExecutor:
    """Records the jobs it is given and fails the test if any kernel would start."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def run(self, jobs, *, on_done=None, deadline=None):
        self.calls.append([job.key for job in jobs])
        if jobs:
            raise AssertionError(f"no report should execute, got {[j.key for j in jobs]}")
        return []


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def runs(sample, tmp_path_factory, request):
    """Three runs of the same month; each entry is (exit code, stdout, stderr, manifest)."""
    root = tmp_path_factory.mktemp("run")
    notebooks = _copy_notebooks(root / "notebooks")
    out = root / "outputs"
    args = {"data_dir": sample, "out_dir": out, "jobs": 2, "notebooks_dir": notebooks}
    month_dir = out / MONTH
    snapshots = {}
    # Others may edit kpilib while this runs; the runs must see one library version.
    frozen = library_hash()
    patch = pytest.MonkeyPatch()
    patch.setattr("kpilib.run.runner.library_hash", lambda: frozen)
    request.addfinalizer(patch.undo)

    (notebooks / f"FAIL_{FAILING_UNIT}").touch()
    code, stdout, stderr = _run(**args)
    snapshots["first"] = (code, stdout, stderr, json.loads((month_dir / MANIFEST).read_text()))
    snapshots["first_files"] = _reports(month_dir)
    snapshots["first_index"] = (month_dir / INDEX).read_text(encoding="utf-8")

    (notebooks / f"FAIL_{FAILING_UNIT}").unlink()
    code, stdout, stderr = _run(**args, only_failed=True)
    snapshots["repair"] = (code, stdout, stderr, json.loads((month_dir / MANIFEST).read_text()))
    snapshots["repair_files"] = _reports(month_dir)

    recorder = RecordingExecutor()
    code, stdout, stderr = _run(**args, executor=recorder)
    snapshots["again"] = (code, stdout, stderr, json.loads((month_dir / MANIFEST).read_text()))
    snapshots["again_files"] = _reports(month_dir)
    snapshots["again_calls"] = recorder.calls
    snapshots["month_dir"] = month_dir
    snapshots["notebooks"] = notebooks
    snapshots["library_hash"] = frozen
    return snapshots


REPORTS = {"summary", "sampling_plan", "unit_X01", "unit_X02", "unit_Z01"}


@pytest.mark.notebook
def test_first_run_renders_every_report_but_the_failing_one(runs):
    code, stdout, stderr, manifest = runs["first"]
    assert code == EXIT_FAILED
    assert set(manifest["reports"]) == REPORTS
    statuses = {k: e["status"] for k, e in manifest["reports"].items()}
    assert statuses == {k: "failed" if k == f"unit_{FAILING_UNIT}" else "ok" for k in REPORTS}
    assert set(runs["first_files"]) == {f"{k}.html" for k in REPORTS - {f"unit_{FAILING_UNIT}"}}
    # the failed notebook is kept beside the others, with its error
    assert (runs["month_dir"] / "notebooks" / f"unit_{FAILING_UNIT}.ipynb").is_file()
    assert f"FAILED unit_{FAILING_UNIT}" in stderr and "RuntimeError" in stderr
    assert "4 ok, 1 failed" in stdout
    # what was read is printed first: rows per input file and the warnings
    rows_line = next(line for line in stdout.splitlines() if "rows per file" in line)
    assert "units 3" in rows_line and "staff " in rows_line
    assert "条提示 (warnings)" in stdout


@pytest.mark.notebook
def test_manifest_names_the_failing_cell_and_error(runs):
    entry = runs["first"][3]["reports"][f"unit_{FAILING_UNIT}"]
    error = entry["error"]
    source = nbformat.read(TEST_NOTEBOOKS / "unit_report.ipynb", as_version=4)
    assert error["stage"] == "execute"
    assert error["cell_index"] == 3  # in the source notebook, not counting the injected cell
    assert "raise RuntimeError" in source.cells[error["cell_index"]].source
    assert "raise RuntimeError" in error["source"]
    assert error["ename"] == "RuntimeError"
    assert error["evalue"] == f"单位 {FAILING_UNIT} 按测试要求失败 (failing on purpose)"
    assert "RuntimeError" in error["traceback"] and "\x1b[" not in error["traceback"]


@pytest.mark.notebook
def test_manifest_records_hashes_version_duration_and_parameters(runs, sample):
    manifest = runs["first"][3]
    entry = manifest["reports"]["unit_X01"]
    files = sorted((sample / MONTH).iterdir())
    expected = {f"{MONTH}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    inputs = {k: v for k, v in manifest["input_hashes"].items() if k.startswith(MONTH)}
    assert inputs == expected
    assert any(k.startswith("params/") for k in manifest["input_hashes"])
    # each entry names the set of inputs it was made from by one digest, not a copy
    assert entry["inputs_digest"] == inputs_digest(manifest["input_hashes"])
    assert "input_hashes" not in entry
    assert entry["kpilib_version"] == __version__
    assert entry["kpilib_hash"] == runs["library_hash"]
    assert entry["notebook_hash"] == notebook_hash(runs["notebooks"] / "unit_report.ipynb")
    assert entry["duration_s"] > 0
    assert entry["duration_s"] == pytest.approx(entry["execute_s"] + entry["render_s"], abs=0.01)
    month_dir = runs["month_dir"]
    assert entry["parameters"] == {
        "month": MONTH,
        "unit_code": "X01",
        "results_dir": str((month_dir / "data").resolve()),
        "data_dir": str(sample.resolve()),
    }
    assert entry["html"] == "unit_X01.html"
    assert entry["executed_notebook"] == "notebooks/unit_X01.ipynb"
    assert set(manifest["reports"]["summary"]["parameters"]) == {"month", "results_dir", "data_dir"}


@pytest.mark.notebook
def test_shared_results_are_stored_once_as_parquet(runs, sample):
    from kpilib.contract.load import load_month

    data = load_month(sample, MONTH)
    units = read_result(runs["month_dir"] / "data", "units")
    pd.testing.assert_frame_equal(units, data.units)
    with pytest.raises(FileNotFoundError, match=r"no shared result 'nothing'.*have: .*units"):
        read_result(runs["month_dir"] / "data", "nothing")


@pytest.mark.notebook
def test_index_links_every_report_with_its_status(runs):
    page = runs["first_index"]
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    for key in REPORTS - {f"unit_{FAILING_UNIT}"}:
        assert f'<a href="{key}.html">' in page
    assert f'<a href="notebooks/unit_{FAILING_UNIT}.ipynb">' in page
    assert "失败" in page and "第3格 RuntimeError" in page
    assert page.count("<tr class=") == len(REPORTS)


@pytest.mark.notebook
def test_reports_are_html_without_code_with_an_embedded_figure(runs):
    for name in runs["first_files"]:
        page = (runs["month_dir"] / name).read_text(encoding="utf-8")
        body = page[page.index("<main>") :]
        assert '<html lang="zh-CN">' in page
        assert "jp-InputPrompt" not in body and "cm-editor" not in body
        assert "read_result(" not in page and "use_cjk_font" not in page
        assert not re.search(r"<script[^>]+src=", page)
    unit = (runs["month_dir"] / "unit_X01.html").read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="data:image/png;base64,[A-Za-z0-9+/]{100}', unit)
    assert "<th>单位名称</th>" in unit


@pytest.mark.notebook
def test_kernel_is_this_environments_python_running_in_the_notebooks_folder(runs):
    nb = nbformat.read(runs["month_dir"] / "notebooks" / "summary.ipynb", as_version=4)
    text = "".join(
        output.get("text", "") for cell in nb.cells for output in cell.get("outputs", [])
    )
    assert f"KERNEL {sys.executable}\n" in text
    assert f"CWD {runs['notebooks'].resolve()}\n" in text


@pytest.mark.notebook
def test_only_failed_reruns_just_the_failed_report_and_repairs_it(runs):
    code, stdout, _, manifest = runs["repair"]
    first = runs["first"][3]["reports"]
    assert code == EXIT_OK
    assert "1 report(s) run (1 ok, 0 failed)" in stdout
    key = f"unit_{FAILING_UNIT}"
    assert manifest["reports"][key]["status"] == "ok"
    assert manifest["reports"][key]["error"] is None
    assert f"{key}.html" in runs["repair_files"]
    for other in REPORTS - {key}:  # untouched: same entry, same file
        assert manifest["reports"][other] == first[other]
        assert runs["repair_files"][f"{other}.html"] == runs["first_files"][f"{other}.html"]


@pytest.mark.notebook
def test_an_unchanged_month_is_skipped_entirely(runs):
    code, stdout, _, manifest = runs["again"]
    assert code == EXIT_OK
    assert runs["again_calls"] == [] or runs["again_calls"] == [[]]
    assert {e["status"] for e in manifest["reports"].values()} == {"skipped"}
    assert runs["again_files"] == runs["repair_files"]
    assert f"0 report(s) run (0 ok, 0 failed), {len(REPORTS)} unchanged and skipped" in stdout


@pytest.mark.notebook
def test_no_temporary_file_is_left_behind(runs):
    leftovers = [p for p in runs["month_dir"].rglob("*") if ".tmp" in p.name]
    assert leftovers == []


# --------------------------------------------------------------------------- refusals


def test_invalid_input_exits_2_and_writes_nothing(sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(sample / MONTH, data / MONTH)
    units = next((data / MONTH).glob("units.*"))
    units.write_text("单位编码,单位名称,单位类型\nX01,泰原市,不存在的类型\n", encoding="utf-8")
    units.rename(units.with_suffix(".csv"))
    code, _, stderr = _run(data_dir=data, out_dir=tmp_path / "out", executor=RecordingExecutor())
    assert code == EXIT_INVALID
    assert "ERROR" in stderr and "units" in stderr
    assert not (tmp_path / "out").exists()


def test_wrong_notebook_parameters_exit_2_before_any_kernel_starts(sample, tmp_path):
    notebooks = _copy_notebooks(tmp_path / "notebooks")
    nb = nbformat.read(notebooks / "unit_report.ipynb", as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("unit_code: str", "unit_code: int")
    nb.cells[1].source = nb.cells[1].source.replace('"X01"', "1")
    nbformat.write(nb, notebooks / "unit_report.ipynb")
    recorder = RecordingExecutor()
    code, _, stderr = _run(
        data_dir=sample, out_dir=tmp_path / "out", notebooks_dir=notebooks, executor=recorder
    )
    assert code == EXIT_INVALID
    assert "unit_report.ipynb: parameter 'unit_code' = 'X01' is str, expected int" in stderr
    assert recorder.calls == []
    assert not (tmp_path / "out").exists()


def test_missing_notebook_and_unknown_unit_exit_2(sample, tmp_path):
    notebooks = _copy_notebooks(tmp_path / "notebooks")
    (notebooks / "sampling_plan.ipynb").unlink()
    code, _, stderr = _run(data_dir=sample, out_dir=tmp_path / "out", notebooks_dir=notebooks)
    assert code == EXIT_INVALID and "sampling_plan.ipynb does not exist" in stderr
    code, _, stderr = _run(
        data_dir=sample, out_dir=tmp_path / "out", notebooks_dir=notebooks, units=["X99"]
    )
    assert code == EXIT_INVALID and "no unit X99" in stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- planning


def test_plan_names_reports_by_unit_code_and_runs_in_the_notebooks_folder(sample, tmp_path):
    from kpilib.contract.load import load_month

    data = load_month(sample, MONTH)
    plans = plan_reports(
        data, data_dir=sample, month_dir=tmp_path / MONTH, notebooks_dir=TEST_NOTEBOOKS
    )
    assert [p.job.key for p in plans] == [
        "summary",
        "sampling_plan",
        "unit_X01",
        "unit_X02",
        "unit_Z01",
    ]
    assert [p.job.html.name for p in plans][2:] == [
        "unit_X01.html",
        "unit_X02.html",
        "unit_Z01.html",
    ]
    assert all(p.job.html.name.isascii() for p in plans)
    assert {p.job.cwd for p in plans} == {TEST_NOTEBOOKS}
    assert plans[2].job.output_notebook == tmp_path / MONTH / "notebooks" / "unit_X01.ipynb"
    only = plan_reports(
        data,
        data_dir=sample,
        month_dir=tmp_path / MONTH,
        notebooks_dir=TEST_NOTEBOOKS,
        units=["Z01"],
    )
    assert [p.job.key for p in only] == ["unit_Z01"]


def test_library_hash_changes_with_any_source_file(tmp_path):
    package = tmp_path / "kpilib"
    shutil.copytree(Path(__file__).parent.parent / "kpilib", package)
    before = library_hash(package)
    assert before == library_hash(package)
    # the running library's hash (taken once per process) is that of its sources
    assert library_hash() == before
    (package / "runner.py").write_text("# changed\n", encoding="utf-8")
    assert library_hash(package) != before


def test_notebook_hash_ignores_outputs_and_counts_but_not_sources(tmp_path):
    path = tmp_path / "nb.ipynb"
    shutil.copy(TEST_NOTEBOOKS / "department_summary.ipynb", path)
    before = notebook_hash(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].execution_count = 7
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="KERNEL x\n")]
    nbformat.write(nb, path)
    assert notebook_hash(path) == before
    nb.cells[2].source += "\nprint(1)"
    nbformat.write(nb, path)
    assert notebook_hash(path) != before


def test_only_failed_without_a_previous_run_runs_nothing(sample, tmp_path):
    recorder = RecordingExecutor()
    code, stdout, _ = _run(
        data_dir=sample,
        out_dir=tmp_path / "out",
        notebooks_dir=TEST_NOTEBOOKS,
        executor=recorder,
        only_failed=True,
    )
    assert code == EXIT_OK
    assert "nothing failed before" in stdout
    assert recorder.calls in ([], [[]])


def test_excel_workbook_is_written_atomically_with_one_sheet_per_table(tmp_path):
    frame = pd.DataFrame({"单位编码": ["X01", "Z01"], "综合得分": [91.5, 88.0]})
    path = write_excel(tmp_path / "department_scorecard.xlsx", {"单位得分": frame})
    assert [p.name for p in tmp_path.iterdir()] == ["department_scorecard.xlsx"]
    pd.testing.assert_frame_equal(pd.read_excel(path, sheet_name="单位得分"), frame)


def test_result_objects_are_plain_and_picklable():
    import pickle

    from kpilib.run.executors import Failure

    result = ReportResult("unit_X01", "failed", 1.5, 0.0, Failure("execute", "E", "v", 3, 4))
    assert pickle.loads(pickle.dumps(result)) == result
    assert result.duration_s == 1.5 and not result.ok
    assert str(result.failure.to_error("unit_X01")) == "unit_X01: cell 3: E: v"


@pytest.mark.notebook
def test_project_notebooks_run_for_one_unit(sample, tmp_path):
    """The committed notebooks accept the runner's parameters and render (one unit only)."""
    code, _, stderr = _run(data_dir=sample, out_dir=tmp_path / "out", units=["X01"])
    assert code == EXIT_OK, stderr
    page = (tmp_path / "out" / MONTH / "unit_X01.html").read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)
    text = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page[page.index("<main>") :])
    assert not re.search(r"1[3-9]\d{9}", text), "unmasked phone number"


@pytest.mark.notebook
def test_a_dead_kernel_is_a_failed_result_and_the_other_jobs_still_run(tmp_path):
    from kpilib.run.executors import PapermillExecutor, ReportJob

    def notebook(name: str, source: str) -> Path:
        nb = nbformat.v4.new_notebook(
            metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}}
        )
        nb.cells = [nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, tmp_path / name)
        return tmp_path / name

    jobs = [
        ReportJob(
            key,
            notebook(f"{key}.ipynb", source),
            {},
            tmp_path / "out" / f"{key}.ipynb",
            tmp_path / "out" / f"{key}.html",
            key,
            tmp_path,
        )
        for key, source in [("dies", "import os\nos._exit(3)"), ("fine", "print('好')")]
    ]
    seen = []
    results = PapermillExecutor(jobs=2).run(jobs, on_done=lambda r: seen.append(r.key))
    assert [r.key for r in results] == ["dies", "fine"] and sorted(seen) == ["dies", "fine"]
    dead, fine = results
    assert dead.status == "failed" and dead.failure.cell_index is None
    assert dead.failure.ename == "DeadKernelError"
    assert not (tmp_path / "out" / "dies.html").exists()
    assert fine.ok and (tmp_path / "out" / "fine.html").is_file()


def test_run_font_is_named_by_the_results_fingerprint_and_the_notebooks(tmp_path):
    # The subset is kept under what the run's text is made from (runner._run_font):
    # the shared results' fingerprint and the notebooks. 龘 and 䶮 are in no kpilib source.
    notebook = tmp_path / "report.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("报告")]), notebook
    )
    plans = [SimpleNamespace(job=SimpleNamespace(notebook=notebook))]
    cache, fingerprint = (
        tmp_path / "fonts",
        {"kpilib_hash": "a", "inputs": {"2026-10/units.csv": "1"}},
    )

    first = _run_font(
        {"units": pd.DataFrame({"unit_name": ["龘县"]})}, plans, cache, fingerprint=fingerprint
    )
    assert ord("龘") in first.codepoints
    # the same fingerprint and notebooks: the stored subset, without reading the tables
    again = _run_font(
        {"units": pd.DataFrame({"unit_name": ["䶮县"]})}, plans, cache, fingerprint=fingerprint
    )
    assert again.codepoints == first.codepoints
    # other inputs: the tables are read again
    changed = {**fingerprint, "inputs": {"2026-10/units.csv": "2"}}
    other = _run_font(
        {"units": pd.DataFrame({"unit_name": ["䶮县"]})}, plans, cache, fingerprint=changed
    )
    assert ord("䶮") in other.codepoints and ord("龘") not in other.codepoints
    # an edited notebook: made again too
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("䶮")]), notebook)
    edited = _run_font(
        {"units": pd.DataFrame({"unit_name": ["县"]})}, plans, cache, fingerprint=fingerprint
    )
    assert ord("䶮") in edited.codepoints and ord("龘") not in edited.codepoints
