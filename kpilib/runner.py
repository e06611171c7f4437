"""The monthly run behind ``kpi run``: every report of a month, from validated input to index.

:func:`run_month` does, in this order:

1. validate the month's input files (:func:`kpilib.io.load_month`) and every
   planned notebook's parameters against its typed ``parameters`` cell
   (:mod:`kpilib.notebook_params`); any error: message, exit 2, nothing written;
2. compute the shared results once (:func:`build_shared_results`) and store
   them as parquet under ``OUT/YYYY-MM/data/``; notebooks read them with
   :func:`read_result` from their ``results_dir`` parameter;
3. plan one report per county and centre (``unit_report.ipynb``), the
   department summary and the sampling plan; skip those whose fingerprint
   (input files, library code, scheme files, notebook, parameters) matches the
   previous manifest and whose HTML is present, unless ``force``;
4. execute the rest with an :class:`~kpilib.executors.Executor` under a
   progress bar; one failure never stops the others;
5. write ``manifest.json`` (after every finished report), ``index.html`` and
   the Excel exports. Every file is written atomically.

Layout of ``OUT/YYYY-MM/``::

    index.html  manifest.json  unit_X01.html … summary.html  sampling_plan.html
    department_scorecard.xlsx  sampling_list.xlsx      (when the seams provide them)
    data/<name>.parquet        shared results (the hand-over to the notebooks)
    notebooks/<report>.ipynb   executed notebooks, failed ones included

Notebooks run with the notebooks folder as working directory, as in
JupyterLab; the runner passes absolute paths, and relative ones given to a
notebook are read against the project folder (:func:`kpilib.paths.from_project`).

Exit codes: 0 every report ok or unchanged, 1 a report failed, 2 invalid input.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kpilib.errors import InputError, KpiError, ParameterError, SettingsError
from kpilib.executors import Executor, PapermillExecutor, ReportJob, ReportResult
from kpilib.month import MonthData
from kpilib.paths import NOTEBOOKS_DIR, PARAMS_DIR, RUN_SETTINGS
from kpilib.render import (
    IndexRow,
    atomic_path,
    index_html,
    remove_stale_temp_files,
    write_text_atomic,
)
from kpilib.settings import RunSettings, load_run_settings

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

PACKAGE_DIR = Path(__file__).resolve().parent

UNIT_NOTEBOOK = "unit_report.ipynb"
SUMMARY_NOTEBOOK = "department_summary.ipynb"
SAMPLING_NOTEBOOK = "sampling_plan.ipynb"
MANIFEST = "manifest.json"
INDEX = "index.html"
RESULTS_FOLDER = "data"
#: What the shared results were computed from, stored beside them.
FINGERPRINT = "fingerprint.json"
EXECUTED_FOLDER = "notebooks"
MANIFEST_VERSION = 1

SECTION_DEPARTMENT = "部门汇总与抽检计划 (department)"
SECTION_COUNTY = "县市公司 (counties)"
SECTION_CENTRE = "中心 (centres)"


# --------------------------------------------------------------------------- the hand-over


def result_path(results_dir: str | Path, name: str) -> Path:
    """Path of the shared result ``name`` in ``results_dir``."""
    return Path(results_dir) / f"{name}.parquet"


def read_result(results_dir: str | Path, name: str) -> pd.DataFrame:
    """Read one shared result a run stored; what notebooks call.

    Raises FileNotFoundError listing the results that exist, e.g. when
    ``kpi run`` has not been run for the month a notebook points at.
    """
    path = result_path(results_dir, name)
    if not path.is_file():
        have = sorted(p.stem for p in Path(results_dir).glob("*.parquet"))
        raise FileNotFoundError(
            f"no shared result {name!r} at {path} (have: {', '.join(have) or 'none'}); "
            "run `kpi run --month …` first"
        )
    return pd.read_parquet(path)


def write_results(results_dir: str | Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Store every table as ``<name>.parquet``, each written atomically; return the paths."""
    written = []
    for name, frame in tables.items():
        path = result_path(results_dir, name)
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp)
        written.append(path)
    return written


# --------------------------------------------------------------------------- seams


def build_shared_results(
    data: MonthData,
    *,
    data_dir: str | Path | None = None,
    settings: RunSettings | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the tables computed once per run for every notebook, by name.

    :func:`kpilib.report_data.build_shared_results` under the scheme of the month's
    year (``params/scheme-YYYY.yaml``), with the history read from ``data_dir``. The
    month's validated input tables are included under their contract names
    (``units``, ``staff`` with phone and ID numbers masked …); the tables and their
    columns are listed there. Next month's inspection plan, its drawn list and this
    month's lot verdicts come from :func:`kpilib.plan.plan_tables` with the AQL and
    inspection level of the run settings and the month's seed.
    """
    from kpilib.plan import plan_tables
    from kpilib.report_data import build_shared_results as build
    from kpilib.report_data import scheme_for

    settings = settings or RunSettings()
    shared = build(
        data,
        data_dir=data_dir,
        scheme=scheme_for(int(data.month[:4])),
        history_months=settings.history_months,
        centre_tolerance=settings.centre_results_tolerance,
    )
    return {**shared, **plan_tables(data, aql=settings.aql, level=settings.level)}


def headline_scores(shared: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Return each unit's headline total and grade for the index page.

    Returns
    -------
    DataFrame indexed by ``unit_code`` with columns ``score`` (float) and
    ``grade`` (str), from the shared ``headline`` table; empty (the index then
    shows "—") when the shared results carry none.
    """
    if "headline" not in shared:
        return pd.DataFrame(
            {"score": pd.Series(dtype="float64"), "grade": pd.Series(dtype="string")},
            index=pd.Index([], name="unit_code", dtype="string"),
        )
    head = shared["headline"]
    return pd.DataFrame(
        {
            "score": head["total"].astype("float64").round(2).to_numpy(),
            "grade": head["grade"].astype("string").to_numpy(),
        },
        index=pd.Index(head["unit_code"].astype("string"), name="unit_code"),
    )


def excel_exports(shared: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """Return the Excel workbooks to write: file name -> sheet name -> table.

    ``department_scorecard.xlsx`` with Chinese headers: the units' league table
    (单位考核排名), the staff scorecard with masked phones (人员考核得分) and the
    汇总检查 findings (centre results against the recomputation); and
    ``sampling_list.xlsx``, next month's inspection plan and drawn records
    (:func:`kpilib.plan.sampling_list_export`).
    """
    from kpilib.labels import for_display
    from kpilib.plan import sampling_list_export

    workbooks = {}
    if "sampling_list" in shared:
        workbooks["sampling_list.xlsx"] = sampling_list_export(shared)

    if "headline" not in shared:
        return workbooks
    league = shared["headline"].sort_values(["unit_type", "rank"], key=_county_first)
    staff = shared["staff_scorecard"].sort_values(["unit_code", "staff_id"])
    checks = shared["centre_checks"]
    staff_columns = [
        "staff_id", "name", "unit_code", "role", "phone_masked", "base", "bonus", "deduction",
        "total", "vetoed", "veto_reason", "rank", "grade",
    ]  # fmt: skip
    league_columns = [
        "unit_code", "unit_name", "unit_type", "total", "rank", "peers", "grade", "vetoed",
        "veto_reason", "prev_total", "prev_rank", "change",
    ]  # fmt: skip
    check_columns = [
        "unit_code", "staff_id", "name", "issue", "submitted_total", "recomputed_total",
        "difference", "indicator", "differing_indicators", "message",
    ]  # fmt: skip
    workbooks["department_scorecard.xlsx"] = {
        "单位考核排名": for_display(league, league_columns, as_text=False),
        "人员考核得分": for_display(staff, staff_columns, as_text=False),
        "汇总检查": for_display(checks, check_columns, as_text=False),
    }
    return workbooks


def write_excel(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write one workbook, one sheet per table, atomically; return its path."""
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet[:31], index=False)
    return Path(path)


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
    table = data.units.sort_values(["unit_type", "unit_code"], key=_county_first)
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


def _county_first(column: pd.Series) -> pd.Series:
    return (
        column.map({"county": 0, "centre": 1}).fillna(2) if column.name == "unit_type" else column
    )


def validate_plan(plans: Iterable[PlannedReport]) -> None:
    """Check every job's notebook exists and accepts its parameters; raise ParameterError."""
    from kpilib.notebook_params import validate_parameters

    problems = []
    for plan in plans:
        if not plan.job.notebook.is_file():
            problems.append(f"{plan.job.key}: notebook {plan.job.notebook} does not exist")
            continue
        try:
            validate_parameters(plan.job.notebook, plan.job.parameters)
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        raise ParameterError("\n".join(dict.fromkeys(problems)))


# --------------------------------------------------------------------------- fingerprints


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_hashes(data_dir: Path, month: str, *, history_months: int = 12) -> dict[str, str]:
    """SHA-256 of every input file the month's results read, and of every file under ``params/``.

    The results read the month itself, the months of its trend window
    (``history_months``, the month included) and the earlier months of its year
    (expenses to date), so all of those count: a corrected earlier month reruns
    the reports. Keys are ``YYYY-MM/<file>`` and ``params/<file>``.
    """
    period = pd.Period(month, freq="M")
    back = max(history_months, period.month)
    months = [str(period - k) for k in range(back - 1, -1, -1)]
    roots = [(data_dir / m, m) for m in months] + [(PARAMS_DIR, "params")]
    hashes = {}
    for root, prefix in roots:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                hashes[f"{prefix}/{path.relative_to(root).as_posix()}"] = file_sha256(path)
    return hashes


def results_fingerprint(data_dir: Path, month: str, settings: RunSettings) -> dict[str, Any]:
    """What the shared results of ``month`` depend on: library code and every input read."""
    return {
        "kpilib_hash": library_hash(),
        "inputs": input_hashes(data_dir, month, history_months=settings.history_months),
    }


def write_fingerprint(results_dir: str | Path, fingerprint: Mapping[str, Any]) -> None:
    """Store the fingerprint beside the shared results (atomically)."""
    write_text_atomic(Path(results_dir) / FINGERPRINT, json.dumps(fingerprint, indent=1))


def read_fingerprint(results_dir: str | Path) -> dict[str, Any] | None:
    """The stored fingerprint of the shared results, or None when there is none."""
    path = Path(results_dir) / FINGERPRINT
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def library_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the kpilib source files (relative path and bytes of each)."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def notebook_hash(path: str | Path) -> str:
    """SHA-256 of a notebook's cells (type, tags, source) and kernel: outputs and ids ignored."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    content = {
        "kernel": nb.metadata.get("kernelspec", {}).get("name"),
        "cells": [[c.cell_type, sorted(c.metadata.get("tags", [])), c.source] for c in nb.cells],
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


# --------------------------------------------------------------------------- manifest


def read_manifest(month_dir: Path) -> dict[str, Any]:
    """The previous run's manifest of ``month_dir``, or an empty one."""
    path = month_dir / MANIFEST
    if not path.is_file():
        return {"reports": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:  # cannot happen with atomic writes; rerun everything
        return {"reports": {}}
    manifest.setdefault("reports", {})
    return manifest


def _fingerprint(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        entry.get("input_hashes"),
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


def run_month(
    *,
    month: str,
    data_dir: str | Path,
    out_dir: str | Path,
    units: Sequence[str] | None = None,
    jobs: int = 2,
    force: bool = False,
    only_failed: bool = False,
    notebooks_dir: str | Path | None = None,
    executor: Executor | None = None,
    progress: bool = True,
) -> int:
    """Produce every report of ``month``; return the exit code (0 ok, 1 failed, 2 invalid).

    ``units`` restricts the run to those units' reports; ``force`` reruns
    unchanged reports; ``only_failed`` reruns only the reports the previous
    manifest marks failed. ``notebooks_dir`` and ``executor`` default to the
    project's notebooks and :class:`~kpilib.executors.PapermillExecutor` with
    ``jobs`` workers. Reports outside this run keep their manifest entries.
    """
    from kpilib import __version__
    from kpilib.io import load_month

    started = time.perf_counter()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    notebooks_dir = Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS_DIR
    month_dir = out_dir / month
    log = sys.stdout

    # 1. validate everything before writing anything or starting a kernel
    try:
        settings = load_run_settings(RUN_SETTINGS)
        data = load_month(data_dir, month)
        plans = plan_reports(
            data,
            data_dir=data_dir,
            month_dir=month_dir,
            notebooks_dir=notebooks_dir,
            units=units,
            settings=settings,
        )
        validate_plan(plans)
    except SettingsError as exc:
        print(f"kpi run: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except InputError as exc:
        print(exc, file=sys.stderr)
        print("请修正以上输入文件后重新运行 (fix the files above and run again).", file=sys.stderr)
        return EXIT_INVALID
    except ParameterError as exc:
        print(f"kpi run: invalid notebook parameters:\n{exc}", file=sys.stderr)
        return EXIT_INVALID

    _print_inputs(data, file=log)
    inputs = input_hashes(data_dir, month, history_months=settings.history_months)
    lib_hash = library_hash()
    nb_hashes = {p.job.notebook: notebook_hash(p.job.notebook) for p in plans}
    manifest = read_manifest(month_dir)
    previous: dict[str, Any] = manifest["reports"]
    entries = {
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
            "input_hashes": inputs,
            "kpilib_version": __version__,
            "kpilib_hash": lib_hash,
            "html": p.job.html.relative_to(month_dir).as_posix() if p.job.html else None,
            "executed_notebook": p.job.output_notebook.relative_to(month_dir).as_posix(),
        }
        for p in plans
    }

    if units is None:  # a full run: forget reports of units the month no longer has
        for key in set(previous) - set(entries):
            del previous[key]

    # 2. choose what to run
    if only_failed:
        selected = [p for p in plans if previous.get(p.job.key, {}).get("status") == "failed"]
        if not previous:
            print(f"{month}: no previous manifest in {month_dir}: nothing failed before", file=log)
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

    # 3. shared results, computed once
    month_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(month_dir)
    stored = sorted((month_dir / RESULTS_FOLDER).glob("*.parquet"))
    if not to_run and stored:
        # Every report is current, so are the results they were made from.
        shared = {path.stem: pd.read_parquet(path) for path in stored}
    else:
        try:
            shared = build_shared_results(data, data_dir=data_dir, settings=settings)
        except KpiError as exc:
            print(f"kpi run: {exc}", file=sys.stderr)
            return EXIT_INVALID
        write_results(month_dir / RESULTS_FOLDER, shared)
        write_fingerprint(
            month_dir / RESULTS_FOLDER,
            {"kpilib_hash": lib_hash, "inputs": inputs},
        )

    manifest.update(
        {
            "manifest_version": MANIFEST_VERSION,
            "month": month,
            "kpilib_version": __version__,
            "kpilib_hash": lib_hash,
            "input_hashes": inputs,
            "started_at": _now(),
        }
    )

    def save_manifest() -> None:
        write_text_atomic(
            month_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        )

    def record(result: ReportResult) -> None:
        previous[result.key] = {**entries[result.key], **_result_fields(result)}
        save_manifest()

    # 4. execute
    executor = executor or PapermillExecutor(jobs=jobs)
    results = _execute(
        executor, [p.job for p in to_run], on_result=record, progress=progress, month=month
    )

    # 5. manifest, index, exports
    written = []
    for name, sheets in excel_exports(shared).items():
        written.append(write_excel(month_dir / name, sheets).name)
    manifest["exports"] = written
    manifest["finished_at"] = _now()
    manifest["wall_s"] = round(time.perf_counter() - started, 3)
    save_manifest()
    write_text_atomic(
        month_dir / INDEX, index_html(month, _index_rows(manifest, shared, month_dir))
    )

    failed = [r for r in results if not r.ok]
    _print_summary(month, plans, selected, results, failed, previous, month_dir, manifest["wall_s"])
    return EXIT_FAILED if failed else EXIT_OK


def _execute(
    executor: Executor,
    jobs: Sequence[ReportJob],
    *,
    on_result: Callable[[ReportResult], object],
    progress: bool,
    month: str,
) -> list[ReportResult]:
    from tqdm import tqdm

    if not jobs:
        return []
    with tqdm(
        total=len(jobs), desc=f"{month} 报告", unit="份", file=sys.stderr, disable=not progress
    ) as bar:

        def done(result: ReportResult) -> None:
            on_result(result)
            bar.set_postfix_str(f"{result.key} {result.status}", refresh=False)
            bar.update(1)

        return executor.run(jobs, on_done=done)


def _index_rows(
    manifest: Mapping[str, Any], shared: Mapping[str, pd.DataFrame], month_dir: Path
) -> list[IndexRow]:
    headline = headline_scores(shared)
    order = {SECTION_DEPARTMENT: 0, SECTION_COUNTY: 1, SECTION_CENTRE: 2}
    entries = sorted(
        manifest["reports"].values(), key=lambda e: (order.get(e["section"], 3), e["code"])
    )
    rows = []
    for entry in entries:
        status, error = entry["status"], entry.get("error")
        href = entry.get("html") if status != "failed" else None
        detail = ""
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
        rows.append(
            IndexRow(
                section=entry["section"],
                code=entry["code"],
                name=entry["name"],
                status=status,
                href=href,
                score=score,
                grade=grade,
                detail=detail,
            )
        )
    return rows


def _print_inputs(data: MonthData, *, file: Any, most: int = 20) -> None:
    """Print what was read: rows per input table and the validation warnings."""
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in data.tables().items())
    print(f"{data.month} 输入数据 (rows per file): {rows}", file=file)
    print(f"{data.month}: {len(data.warnings)} 条提示 (warnings)", file=file)
    for finding in data.warnings[:most]:
        print(f"  {finding}", file=file)
    if len(data.warnings) > most:
        print(f"  … 另有 {len(data.warnings) - most} 条，见汇总报告的数据质量部分", file=file)


def _print_summary(
    month: str,
    plans: Sequence[PlannedReport],
    selected: Sequence[PlannedReport],
    results: Sequence[ReportResult],
    failed: Sequence[ReportResult],
    reports: Mapping[str, Any],
    month_dir: Path,
    wall_s: float,
) -> None:
    ran = len(results)
    skipped = len(selected) - ran
    per_report = f", {sum(r.duration_s for r in results) / ran:.1f} s per report" if ran else ""
    print(
        f"{month}: {ran} report(s) run ({ran - len(failed)} ok, {len(failed)} failed), "
        f"{skipped} unchanged and skipped, {len(plans) - len(selected)} not selected; "
        f"{wall_s:.1f} s{per_report} -> {month_dir / INDEX}"
    )
    for result in failed:
        error = reports[result.key].get("error") or {}
        cell = error.get("cell_index")
        print(
            f"  FAILED {result.key}: cell {cell}: {error.get('ename')}: {error.get('evalue')} "
            f"(see {month_dir / reports[result.key]['executed_notebook']})",
            file=sys.stderr,
        )
