"""The monthly run behind ``kpi run``: every report of a month, from validated input to index.

:func:`prepare_run` then :func:`execute_run` (``kpi run`` is
:func:`kpilib.cli.run_command`) do, in this order:

1. validate the month's input files (:func:`kpilib.contract.load.load_month`) and every
   planned notebook's parameters against its typed ``parameters`` cell
   (:mod:`kpilib.run.parameters`); any error is raised, nothing written;
2. compute the shared results once (:func:`kpilib.run.open.shared_results_for`) and
   store them as parquet under ``OUT/YYYY-MM/data/``; notebooks read them through
   :func:`kpilib.open_results` from their ``results_dir`` parameter;
3. plan one report per county and centre (``unit_report.ipynb``), the
   department summary and the sampling plan; skip those whose fingerprint
   (input files, library code, scheme files, notebook, parameters) matches the
   previous manifest and whose HTML is present, unless ``force``;
4. execute the rest with an :class:`~kpilib.run.executors.Executor` under a
   progress bar; one failure never stops the others;
5. write ``manifest.json`` (after every finished report), ``index.html`` and
   the Excel exports. Every file is written atomically.

Layout of ``OUT/YYYY-MM/``::

    index.html  manifest.json  unit_X01.html … summary.html  sampling_plan.html
    department_scorecard.xlsx  sampling_list.xlsx      (when the seams provide them)
    data/<name>.parquet        shared results (the hand-over to the notebooks)
    notebooks/<report>.ipynb   executed notebooks, failed ones included
    .staging/<report>.html     pages rendered but not yet recorded (during a run only)

Notebooks run with the notebooks folder as working directory, as in
JupyterLab; the runner passes absolute paths, and relative ones given to a
notebook are read against the project folder (:func:`kpilib.paths.from_project`).
The runner raises and returns a :class:`RunOutcome`; the CLI prints and picks exit codes.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from kpilib import __version__
from kpilib.contract.load import load_month
from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import TABLES, unit_type_order
from kpilib.errors import ParameterError
from kpilib.paths import NOTEBOOKS_DIR, RUN_SETTINGS
from kpilib.report.actions import ACTIONS_FOLDER, workbook_href, workbook_path
from kpilib.report.content import report_hashes, tables_read
from kpilib.report.excel import write_excel
from kpilib.report.exports import department_workbooks, excel_exports, headline_scores
from kpilib.report.fonts import FONT_FILE, FontSubset, font_subset
from kpilib.report.render import IndexRow, PageHeader, index_html, run_font_text
from kpilib.report.shared import SHARED_TABLES, scheme_path, vocabulary_for
from kpilib.report.store import (
    cache_key,
    check_writable,
    file_sha256,
    input_hashes,
    inputs_digest,
    library_hash,
    month_lock,
    notebook_hash,
    read_cached,
    read_fingerprint,
    read_manifest,
    read_result,
    remove_stale_temp_files,
    stored_tables,
    write_cached,
    write_fingerprint,
    write_manifest,
    write_results,
    write_text_atomic,
)
from kpilib.run.dask_executor import DaskExecutor
from kpilib.run.executors import Executor, PapermillExecutor, ReportJob, ReportResult
from kpilib.run.open import cached_month, shared_results_for, store_month, validated_cache_for
from kpilib.run.parameters import NotebookParameter, notebook_parameters, validate_parameters
from kpilib.run.settings import RunSettings, load_run_settings
from kpilib.run.warm import KernelPolicy, WarmKernelExecutor

UNIT_NOTEBOOK = "unit_report.ipynb"
SUMMARY_NOTEBOOK = "department_summary.ipynb"
SAMPLING_NOTEBOOK = "sampling_plan.ipynb"
INDEX = "index.html"
RESULTS_FOLDER = "data"
EXECUTED_FOLDER = "notebooks"
#: Rendered pages wait here until the manifest records them, so a run killed at
#: any instant leaves no page on display that the manifest does not know.
STAGING_FOLDER = ".staging"
MANIFEST_VERSION = 1

SECTION_DEPARTMENT = "部门汇总与抽检计划"
SECTION_COUNTY = "县市公司"
SECTION_CENTRE = "中心"


# --------------------------------------------------------------------------- the hand-over


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlannedReport:
    """A report of the month: the job to run plus what the index and manifest show."""

    job: ReportJob
    kind: str  # "unit", "summary" or "sampling_plan"
    section: str
    code: str
    name: str


def plan_reports(
    data: MonthData,
    *,
    data_dir: Path,
    month_dir: Path,
    notebooks_dir: Path,
    units: Sequence[str] | None = None,
    settings: RunSettings | None = None,
) -> list[PlannedReport]:
    """Plan the month's reports: the summary, the sampling plan, then every unit by code.

    With ``units``, only those units' reports (no summary, no sampling plan).
    The sampling plan gets the AQL and inspection level of ``settings``.
    Raises ParameterError naming unknown unit codes.
    """
    settings = settings or RunSettings()
    month = data.month
    results_dir = str((month_dir / RESULTS_FOLDER).resolve())
    common = {"month": month, "results_dir": results_dir, "data_dir": str(data_dir.resolve())}
    table = data.units.sort_values(["unit_type", "unit_code"], key=unit_type_order)
    if units is not None:
        unknown = sorted(set(units) - set(table["unit_code"]))
        if unknown:
            raise ParameterError(
                f"--units: no unit {', '.join(unknown)} in {month} "
                f"(units are {', '.join(table['unit_code'])})"
            )
        table = table[table["unit_code"].isin(units)]

    def job(key: str, notebook: str, parameters: dict[str, Any], title: str) -> ReportJob:
        return ReportJob(
            key=key,
            notebook=notebooks_dir / notebook,
            parameters=parameters,
            output_notebook=month_dir / EXECUTED_FOLDER / f"{key}.ipynb",
            html=month_dir / f"{key}.html",
            title=title,
            cwd=notebooks_dir,
        )

    plans = []
    if units is None:
        plans += [
            PlannedReport(
                job("summary", SUMMARY_NOTEBOOK, common, f"{month} 集团客户部考核汇总"),
                "summary",
                SECTION_DEPARTMENT,
                "summary",
                "部门考核汇总",
            ),
            PlannedReport(
                job(
                    "sampling_plan",
                    SAMPLING_NOTEBOOK,
                    {**common, "aql": settings.aql, "level": settings.level},
                    f"{month} 下月质量抽检计划",
                ),
                "sampling_plan",
                SECTION_DEPARTMENT,
                "sampling_plan",
                "下月质量抽检计划",
            ),
        ]
    for row in table.itertuples():
        code, name = str(row.unit_code), str(row.unit_name)
        section = SECTION_COUNTY if row.unit_type == "county" else SECTION_CENTRE
        parameters = {**common, "unit_code": code}
        title = f"{month} {name} ({code}) 月度考核报告"
        plans.append(
            PlannedReport(
                job(f"unit_{code}", UNIT_NOTEBOOK, parameters, title), "unit", section, code, name
            )
        )
    return plans


def validate_plan(plans: Iterable[PlannedReport]) -> None:
    """Check every job's notebook exists and accepts its parameters; raise ParameterError.

    Each notebook's declaration is read once, not once per unit (4 ms a read).
    """
    problems = []
    declarations: dict[Path, dict[str, NotebookParameter]] = {}
    for notebook in dict.fromkeys(p.job.notebook for p in plans if p.job.notebook.is_file()):
        try:
            declarations[notebook] = notebook_parameters(notebook)
        except ParameterError as exc:  # said once, for all the notebook's reports
            problems.append(str(exc))
    for plan in plans:
        notebook = plan.job.notebook
        if not notebook.is_file():
            problems.append(f"{plan.job.key}: notebook {notebook} does not exist")
        elif notebook in declarations:
            try:
                validate_parameters(notebook, plan.job.parameters, declared=declarations[notebook])
            except ParameterError as exc:
                problems.append(str(exc))
    if problems:
        raise ParameterError("\n".join(dict.fromkeys(problems)))


# --------------------------------------------------------------------------- fingerprints


# --------------------------------------------------------------------------- manifest


#: While reports finish, the manifest is rewritten after each one while a rewrite takes
#: less than MANIFEST_CHEAP_WRITE_S, else at most every MANIFEST_WRITE_INTERVAL_S (and
#: always at the end): a 3,000-entry manifest takes about 0.2 s to write.
MANIFEST_WRITE_INTERVAL_S = 1.0
MANIFEST_CHEAP_WRITE_S = 0.05


def _fingerprint(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a report is made from: the data it reads (not the whole month's inputs, so
    that a change touching one unit reruns that unit's report only), code, notebook and
    parameters."""
    return (
        entry.get("data_hash"),
        entry.get("kpilib_version"),
        entry.get("kpilib_hash"),
        entry.get("notebook_hash"),
        entry.get("parameters"),
    )


def _is_current(
    previous: Mapping[str, Any] | None, entry: Mapping[str, Any], month_dir: Path
) -> bool:
    return (
        previous is not None
        and previous.get("status") in ("ok", "skipped")
        and _fingerprint(previous) == _fingerprint(entry)
        and previous.get("html") is not None
        and (month_dir / previous["html"]).is_file()
    )


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _result_fields(result: ReportResult) -> dict[str, Any]:
    failure = result.failure
    return {
        "status": result.status,
        "duration_s": round(result.duration_s, 3),
        "execute_s": round(result.execute_s, 3),
        "render_s": round(result.render_s, 3),
        "error": None
        if failure is None
        else {
            "stage": failure.stage,
            "cell_index": failure.cell_index,
            "execution_count": failure.execution_count,
            "source": failure.source,
            "ename": failure.ename,
            "evalue": failure.evalue,
            "traceback": failure.traceback,
        },
        "executed_at": _now(),
    }


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class PreparedRun:
    """A month's run after validation, before anything is written or any kernel starts."""

    month: str
    data: MonthData
    plans: list[PlannedReport]
    settings: RunSettings
    data_dir: Path
    month_dir: Path
    #: The month was validated from its files (not read from the cache): the run
    #: stores it for the next one once it starts.
    validated_now: bool = False


@dataclass(frozen=True)
class RunOutcome:
    """What a run did; the CLI reports it and picks the exit code.

    Attributes
    ----------
    month_dir : the month's output folder (``index.html`` is in it).
    planned : every report of the month's plan.
    selected : the reports chosen (all, or the failed ones with ``only_failed``).
    results : one per report executed, in completion order.
    reports : the manifest's report entries after the run, by key.
    wall_s : wall time of the run in seconds.
    note : a remark for the reader ("" when none).
    """

    month_dir: Path
    planned: list[PlannedReport]
    selected: list[PlannedReport]
    results: list[ReportResult]
    reports: dict[str, Any]
    wall_s: float
    note: str = ""

    @property
    def failed(self) -> list[ReportResult]:
        """The executed reports that failed."""
        return [r for r in self.results if not r.ok]

    @property
    def index(self) -> Path:
        """The month's index page."""
        return self.month_dir / INDEX


def prepare_run(
    *,
    month: str,
    data_dir: str | Path,
    out_dir: str | Path,
    units: Sequence[str] | None = None,
    notebooks_dir: str | Path | None = None,
) -> PreparedRun:
    """Validate the run settings, the month's inputs and every planned notebook's parameters.

    Raises
    ------
    SettingsError, InputError, ParameterError, OutputError
        On any problem; nothing has been written.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    notebooks_dir = Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS_DIR
    month_dir = out_dir / month
    settings = load_run_settings(RUN_SETTINGS)
    check_writable(month_dir)
    data = cached_month(data_dir, month, cache_dir=validated_cache_for(out_dir))
    validated_now = data is None
    if data is None:
        data = load_month(data_dir, month, vocabulary=vocabulary_for(month))
    plans = plan_reports(
        data,
        data_dir=data_dir,
        month_dir=month_dir,
        notebooks_dir=notebooks_dir,
        units=units,
        settings=settings,
    )
    validate_plan(plans)
    return PreparedRun(month, data, plans, settings, data_dir, month_dir, validated_now)


def _manifest_entries(
    prepared: PreparedRun, inputs: dict[str, str], lib_hash: str, data_hashes: Mapping[str, str]
) -> dict:
    month_dir = prepared.month_dir
    notebooks = {p.job.notebook for p in prepared.plans}
    nb_hashes = {notebook: notebook_hash(notebook) for notebook in notebooks}
    digest = inputs_digest(inputs)
    return {
        p.job.key: {
            "key": p.job.key,
            "kind": p.kind,
            "section": p.section,
            "code": p.code,
            "name": p.name,
            "title": p.job.title,
            "notebook": p.job.notebook.name,
            "notebook_hash": nb_hashes[p.job.notebook],
            "parameters": dict(p.job.parameters),
            "inputs_digest": digest,
            "data_hash": data_hashes[p.code if p.kind == "unit" else ""],
            "kpilib_version": __version__,
            "kpilib_hash": lib_hash,
            "html": p.job.html.relative_to(month_dir).as_posix() if p.job.html else None,
            "executed_notebook": p.job.output_notebook.relative_to(month_dir).as_posix(),
        }
        for p in prepared.plans
    }


def execute_run(
    prepared: PreparedRun,
    *,
    full: bool,
    jobs: int = 2,
    force: bool = False,
    only_failed: bool = False,
    executor: Executor | None = None,
    progress: bool = True,
) -> RunOutcome:
    """Produce the prepared reports: shared results, notebooks, manifest, index, exports.

    ``full`` says the plan covers every unit (reports of units the month no longer
    has are then forgotten); ``force`` reruns unchanged reports and recomputes the
    shared results; ``only_failed`` reruns only the reports the previous manifest marks
    failed. ``executor`` defaults to :func:`default_executor` with ``jobs`` workers.
    Reports outside this run keep their manifest entries, marked ``stale`` when the
    inputs or the library changed since they were made.

    The month folder is locked for the run (:func:`kpilib.report.store.month_lock`).

    Raises
    ------
    RunLockedError
        When another run holds the month folder.
    KpiError
        When the shared results cannot be computed (nothing is executed then).
    KeyboardInterrupt
        When stopped; every worker is stopped first and the manifest records each
        report finished before.
    """
    holder = {"pid": os.getpid(), "started_at": _now(), "month": prepared.month}
    executor = executor or default_executor(jobs, prepared.settings)
    with month_lock(prepared.month_dir, holder=holder) as lock_note:
        try:
            outcome = _execute_locked(
                prepared,
                full=full,
                jobs=jobs,
                force=force,
                only_failed=only_failed,
                executor=executor,
                progress=progress,
            )
        finally:  # workers started ahead (see _start_ahead) and never used
            getattr(executor, "close", lambda: None)()
    notes = [n for n in (lock_note, outcome.note) if n]
    return replace(outcome, note="; ".join(notes))


def _execute_locked(
    prepared: PreparedRun,
    *,
    full: bool,
    jobs: int,
    force: bool,
    only_failed: bool,
    executor: Executor,
    progress: bool,
) -> RunOutcome:
    started = time.perf_counter()
    # the run's deadline counts from here, shared results included (params/run.yaml)
    deadline = time.monotonic() + prepared.settings.run_deadline_min * 60
    month, month_dir, plans = prepared.month, prepared.month_dir, prepared.plans
    settings = prepared.settings
    inputs = input_hashes(prepared.data_dir, month, history_months=settings.history_months)
    lib_hash = library_hash()
    manifest, manifest_problem = read_manifest(month_dir)
    notes = [manifest_problem] if manifest_problem else []
    previous: dict[str, Any] = manifest["reports"]

    if prepared.validated_now:
        store_month(
            prepared.data_dir, prepared.data, cache_dir=validated_cache_for(month_dir.parent)
        )
    # shared results, computed once (reused while their fingerprint holds)
    remove_stale_temp_files(month_dir)
    results_dir = month_dir / RESULTS_FOLDER
    fingerprint = {"kpilib_hash": lib_hash, "inputs": inputs}
    shared_started = time.perf_counter()
    shared = None if force else _stored_shared(results_dir, fingerprint)
    if shared is None:
        _start_ahead(executor, prepared.plans, jobs)
        shared = shared_results_for(
            prepared.data,
            data_dir=prepared.data_dir,
            settings=settings,
            results_dir=results_dir,
        )
        write_results(results_dir, shared)
        write_fingerprint(results_dir, fingerprint)
    shared_s = round(time.perf_counter() - shared_started, 3)

    unit_notebook = next(
        (p.job.notebook for p in plans if p.kind == "unit"), NOTEBOOKS_DIR / UNIT_NOTEBOOK
    )
    codes = {str(c) for c in shared["units"]["unit_code"]}
    codes |= {str(e.get("code")) for e in previous.values() if e.get("kind") == "unit"}
    data_hashes = report_hashes(shared, units=sorted(codes), read=tables_read(unit_notebook))
    entries = _manifest_entries(prepared, inputs, lib_hash, data_hashes)
    if full:
        for key in set(previous) - set(entries):
            del previous[key]
    _mark_stale(previous, set(entries), data_hashes, lib_hash)

    selected, to_run = _select(
        plans, entries, previous, month_dir, force=force, only_failed=only_failed
    )
    if only_failed and not previous:
        notes.append(f"{month}: no previous manifest in {month_dir}: nothing failed before")
    manifest.update(
        {
            "shared_results_s": shared_s,
            "manifest_version": MANIFEST_VERSION,
            "month": month,
            "kpilib_version": __version__,
            "kpilib_hash": lib_hash,
            "input_hashes": inputs,
            "started_at": _now(),
        }
    )

    staging = month_dir / STAGING_FOLDER
    shutil.rmtree(staging, ignore_errors=True)  # pages of a killed run were never recorded
    staging.mkdir(parents=True)
    pages = {p.job.key: p.job.html for p in to_run}

    finished: list[ReportResult] = []  # recorded in memory, not yet in manifest.json
    written_at, write_s = 0.0, 0.0  # when the manifest was last written, and how long it took

    def flush() -> None:
        nonlocal written_at, write_s
        # Old pages gone, then the manifest, then the new pages: whenever the run is
        # killed, every page on display is one the manifest records as current.
        for result in finished:
            page = pages[result.key]
            if page is not None:
                page.unlink(missing_ok=True)
        started = time.monotonic()
        write_manifest(month_dir, manifest)
        written_at = time.monotonic()
        write_s = written_at - started
        for result in finished:
            page = pages[result.key]
            if page is not None and result.ok and (staging / page.name).is_file():
                os.replace(staging / page.name, page)
        finished.clear()

    def record(result: ReportResult) -> None:
        previous[result.key] = {**entries[result.key], **_result_fields(result)}
        finished.append(result)
        # A cheap rewrite is done at once; at thousands of reports a rewrite per report
        # would be the run's bottleneck, so an expensive one waits for the interval.
        cheap = write_s < MANIFEST_CHEAP_WRITE_S
        if cheap or time.monotonic() - written_at >= MANIFEST_WRITE_INTERVAL_S:
            flush()

    scheme_file = scheme_path(int(month[:4]))
    scheme_version = f"{scheme_file.name}（内容校验 {file_sha256(scheme_file)[:8]}）"
    exports = _Exports(shared, month_dir, month=month)  # written while the reports run
    font = _run_font(shared, plans, month_dir.parent / ".cache" / "fonts", fingerprint=fingerprint)
    try:
        results = _execute(
            executor,
            [
                replace(
                    p.job,
                    font=font,
                    html=p.job.html and staging / p.job.html.name,
                    header=_page_header(p, entries[p.job.key], scheme_version),
                )
                for p in to_run
            ],
            on_result=record,
            progress=progress,
            month=month,
            deadline=deadline,
        )
    finally:
        flush()
    shutil.rmtree(staging, ignore_errors=True)

    manifest["exports"] = exports.written()
    manifest["finished_at"] = _now()
    manifest["wall_s"] = round(time.perf_counter() - started, 3)
    write_manifest(month_dir, manifest)
    index = index_html(
        month,
        _index_rows(manifest, shared, month_dir),
        font=font,
        workbooks=department_workbooks(manifest["exports"]),
    )
    write_text_atomic(month_dir / INDEX, index)
    return RunOutcome(
        month_dir=month_dir,
        planned=list(plans),
        selected=selected,
        results=results,
        reports=dict(previous),
        wall_s=manifest["wall_s"],
        note="; ".join(notes),
    )


def _mark_stale(
    previous: dict[str, Any], planned: set[str], data_hashes: Mapping[str, str], lib_hash: str
) -> None:
    """Mark the reports outside this run that were made from other data or code."""
    for key, entry in previous.items():
        if key in planned or entry.get("status") not in ("ok", "skipped"):
            continue
        current = data_hashes.get(str(entry.get("code")) if entry.get("kind") == "unit" else "")
        if entry.get("data_hash") != current or entry.get("kpilib_hash") != lib_hash:
            previous[key] = {**entry, "status": "stale"}


def _select(
    plans: Sequence[PlannedReport],
    entries: Mapping[str, Any],
    previous: dict[str, Any],
    month_dir: Path,
    *,
    force: bool,
    only_failed: bool,
) -> tuple[list[PlannedReport], list[PlannedReport]]:
    """The reports chosen and, of those, the ones to run; the others are marked skipped."""
    if only_failed:
        selected = [p for p in plans if previous.get(p.job.key, {}).get("status") == "failed"]
    else:
        selected = list(plans)
    to_run = [
        p
        for p in selected
        if force or not _is_current(previous.get(p.job.key), entries[p.job.key], month_dir)
    ]
    run_keys = {p.job.key for p in to_run}
    for plan in selected:
        if plan.job.key not in run_keys:
            previous[plan.job.key] = {
                **previous[plan.job.key],
                "status": "skipped",
                "duration_s": 0.0,
                "skipped_at": _now(),
            }
    return selected, to_run


def _stored_shared(
    results_dir: Path, fingerprint: Mapping[str, Any]
) -> dict[str, pd.DataFrame] | None:
    """The stored shared results when complete, readable and made from the same inputs."""
    if read_fingerprint(results_dir) != fingerprint:
        return None
    names = list(dict.fromkeys([*TABLES, *SHARED_TABLES]))  # what build_shared_results makes
    if not set(names) <= set(stored_tables(results_dir)):
        return None
    try:  # a leftover table of an older version is not read: it would change no report
        return {name: read_result(results_dir, name) for name in names}
    except Exception:  # a damaged parquet file: recompute rather than trust it
        return None


def _start_ahead(executor: Executor, plans: Sequence[PlannedReport], jobs: int) -> None:
    """Let an executor that can (:meth:`kpilib.run.warm.WarmKernelExecutor.start`) start
    its kernels now: their start and imports then overlap the shared results."""
    start = getattr(executor, "start", None)
    if start is not None and plans:
        start(plans[0].job.cwd, workers=min(jobs, len(plans)))


class _Exports:
    """The month's Excel workbooks, written by a thread while the reports run.

    Their rows are many (every staff member's indicators), and writing them is single
    threaded Python work that the reports' kernels need not wait for.
    """

    def __init__(self, shared: Mapping[str, pd.DataFrame], month_dir: Path, *, month: str) -> None:
        self._written: list[str] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._write,
            args=(shared, month_dir, month),
            name="kpilib-exports",
            daemon=True,
        )
        self._thread.start()

    def _write(self, shared: Mapping[str, pd.DataFrame], month_dir: Path, month: str) -> None:
        # every unit's 整改清单 too (kpilib.report.actions), rewritten on every run so
        # that none the index links is older than the month's data
        try:
            for name, sheets in excel_exports(shared, month=month).items():
                write_excel(month_dir / name, sheets)
                self._written.append(name)
            actions = month_dir / ACTIONS_FOLDER
            for old in actions.glob("*.xlsx") if actions.is_dir() else ():
                if f"{ACTIONS_FOLDER}/{old.name}" not in self._written:
                    old.unlink()  # a unit the month no longer has
        except BaseException as exc:  # raised in the run's thread by written()
            self._error = exc

    def written(self) -> list[str]:
        """The workbooks' paths relative to the month folder, once written; raises what
        writing them raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return list(self._written)


def default_executor(
    jobs: int,
    settings: RunSettings,
    *,
    kind: str = "warm",
    scheduler: str | None = None,
    shared_fs: bool = False,
) -> Executor:
    """The executor of ``kpi run``: warm kernels (default), a fresh kernel per report, or
    a Dask cluster (``scheduler``: a running one's address; ``shared_fs``: its workers see
    this machine's files). Raises SchedulerError when ``scheduler`` cannot be reached."""
    if kind == "papermill":
        return PapermillExecutor(jobs=jobs, cell_timeout=settings.cell_timeout_s)
    if kind not in ("warm", "dask"):
        raise ValueError(f"executor must be 'warm', 'papermill' or 'dask', got {kind!r}")
    policy = KernelPolicy(
        reports_per_kernel=settings.reports_per_kernel,
        memory_limit_mb=settings.kernel_memory_mb,
        cell_timeout=settings.cell_timeout_s,
    )
    if kind == "dask":
        return DaskExecutor(jobs, scheduler=scheduler, policy=policy, shared_fs=shared_fs)
    return WarmKernelExecutor(jobs=jobs, policy=policy)


def _run_font(
    shared: Mapping[str, pd.DataFrame],
    plans: Sequence[PlannedReport],
    cache_dir: Path,
    *,
    fingerprint: Mapping[str, Any],
) -> FontSubset:
    """The CJK glyphs of every page of the run, made once (and kept for the same text).

    The run's text is a function of the shared results' ``fingerprint`` (library code,
    inputs, settings) and the notebooks, so those name the cached subset: reading every
    text cell of the shared tables to find it again cost seconds at a province's scale.
    """
    notebooks = sorted({p.job.notebook for p in plans})
    key = cache_key(
        {
            "results": fingerprint,
            "notebooks": {str(path): notebook_hash(path) for path in notebooks},
            "font": FONT_FILE,
        }
    )
    font = read_cached(cache_dir, "font", key)
    if font is None:
        font = font_subset(run_font_text(shared.values(), notebooks))
        write_cached(cache_dir, "font", key, font)
    return font


def _page_header(plan: PlannedReport, entry: Mapping[str, Any], scheme_version: str) -> PageHeader:
    """The header of ``plan``'s page: the unit (or the department), month, scheme, data hash."""
    subject = f"{plan.name}（{plan.code}）" if plan.kind == "unit" else plan.name
    return PageHeader(
        unit=subject,
        month=entry["parameters"]["month"],
        scheme_version=scheme_version,
        data_fingerprint=entry["data_hash"],
        index_href=INDEX,
    )


def _execute(
    executor: Executor,
    jobs: Sequence[ReportJob],
    *,
    on_result: Callable[[ReportResult], object],
    progress: bool,
    month: str,
    deadline: float | None = None,
) -> list[ReportResult]:
    if not jobs:
        return []
    with tqdm(
        total=len(jobs), desc=f"{month} 报告", unit="份", file=sys.stderr, disable=not progress
    ) as bar:

        def done(result: ReportResult) -> None:
            on_result(result)
            bar.set_postfix_str(f"{result.key} {result.status}", refresh=False)
            bar.update(1)

        return executor.run(jobs, on_done=done, deadline=deadline)


def _index_rows(
    manifest: Mapping[str, Any], shared: Mapping[str, pd.DataFrame], month_dir: Path
) -> list[IndexRow]:
    headline = headline_scores(shared)
    exports = set(manifest.get("exports", []))
    order = {SECTION_DEPARTMENT: 0, SECTION_COUNTY: 1, SECTION_CENTRE: 2}
    entries = sorted(
        manifest["reports"].values(), key=lambda e: (order.get(e["section"], 3), e["code"])
    )
    rows = []
    for entry in entries:
        status, error = entry["status"], entry.get("error")
        href = entry.get("html") if status != "failed" else None
        detail = ""
        if status == "stale":
            detail = f"本报告依据的输入或程序已变更，请重新生成：kpi run --units {entry['code']}"
        if status == "failed":
            if (month_dir / entry["executed_notebook"]).is_file():
                href = entry["executed_notebook"]
            if error:
                cell = "" if error.get("cell_index") is None else f"第{error['cell_index']}格 "
                detail = f"{cell}{error['ename']}: {error['evalue']}"[:300]
        score = grade = None
        if entry["kind"] == "unit" and entry["code"] in headline.index:
            score = float(headline.loc[entry["code"], "score"])
            grade = str(headline.loc[entry["code"], "grade"])
        actions_href = None
        if entry["kind"] == "unit" and workbook_path(entry["code"]) in exports:
            actions_href = workbook_href(entry["code"])
        rows.append(
            IndexRow(
                section=entry["section"],
                code=entry["code"] if entry["kind"] == "unit" else "",
                name=entry["name"],
                status=status,
                href=href,
                score=score,
                grade=grade,
                detail=detail,
                actions_href=actions_href,
            )
        )
    return rows
