"""The ``kpi`` command line: ``sample-data``, ``validate`` and ``run``.

The library raises; this module catches, reports in words and chooses the exit code:
0 success, 1 some reports failed (the others are written), 2 invalid input, arguments,
settings or output folder, or the month is locked by another run, 130 interrupted
(Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from kpilib.contract.calendar import check_month
from kpilib.contract.load import validate_month
from kpilib.contract.month_data import MonthData
from kpilib.errors import InputError, KpiError, ParameterError, printable
from kpilib.report.shared import vocabulary_for
from kpilib.run.executors import Executor
from kpilib.run.runner import RunOutcome, default_executor, execute_run, prepare_run
from kpilib.sample.generate import generate

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _month(text: str) -> str:
    try:
        return check_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``kpi``."""
    parser = argparse.ArgumentParser(prog="kpi", description="Monthly assessment workbench.")
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser(
        "sample-data", help="write a fictional city branch's monthly exports"
    )
    sample.add_argument(
        "--out", type=Path, required=True, help="folder to write YYYY-MM/ folders into"
    )
    sample.add_argument(
        "--months", type=_positive_int, default=24, help="months ending --end (default 24)"
    )
    sample.add_argument(
        "--end", type=_month, default="2026-10", help="last month (default 2026-10)"
    )
    sample.add_argument(
        "--counties", type=_positive_int, default=12, help="county companies (default 12)"
    )
    sample.add_argument("--centres", type=_positive_int, default=6, help="centres (default 6)")
    sample.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    validate = commands.add_parser(
        "validate", help="check one month's input files against the data contract"
    )
    validate.add_argument("--month", type=_month, required=True)
    validate.add_argument(
        "--data", type=Path, default=Path("data/sample"), help="folder holding YYYY-MM/"
    )
    validate.add_argument("--json", action="store_true", help="print findings as a JSON list")

    run = commands.add_parser("run", help="validate, score and render every report of a month")
    run.add_argument("--month", type=_month, required=True)
    run.add_argument(
        "--data", type=Path, default=Path("data/sample"), help="folder holding YYYY-MM/"
    )
    run.add_argument(
        "--out", type=Path, default=Path("outputs"), help="folder for YYYY-MM/ reports"
    )
    run.add_argument("--units", nargs="+", metavar="CODE", help="only these unit codes")
    run.add_argument("--jobs", type=_positive_int, default=2, help="reports executed at once")
    run.add_argument("--force", action="store_true", help="rerun reports even if unchanged")
    run.add_argument(
        "--only-failed", action="store_true", help="rerun only reports that failed last time"
    )
    run.add_argument(
        "--executor",
        choices=("warm", "papermill", "dask"),
        default="warm",
        help="warm: long-lived kernels (default); papermill: a fresh kernel per report; "
        "dask: a Dask cluster (a LocalCluster of --jobs workers unless --scheduler)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: a running Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    run.add_argument(
        "--shared-fs",
        action="store_true",
        help="with --executor dask: workers see this machine's files at the same paths "
        "(nothing is sent to them)",
    )
    return parser


def _cmd_sample_data(args: argparse.Namespace) -> int:
    written = generate(
        args.out,
        months=args.months,
        end=args.end,
        counties=args.counties,
        centres=args.centres,
        seed=args.seed,
    )
    print(f"wrote {len(written)} month folders under {args.out}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    findings = validate_month(args.data, args.month, vocabulary=vocabulary_for(args.month))
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding)
        errors = sum(f.severity == "error" for f in findings)
        print(f"{args.month}: {errors} error(s), {len(findings) - errors} warning(s)")
    return EXIT_INVALID if any(f.severity == "error" for f in findings) else EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    if (args.scheduler or args.shared_fs) and args.executor != "dask":
        print("kpi run: --scheduler and --shared-fs need --executor dask", file=sys.stderr)
        return EXIT_INVALID
    return run_command(
        month=args.month,
        data_dir=args.data,
        out_dir=args.out,
        units=args.units,
        jobs=args.jobs,
        force=args.force,
        only_failed=args.only_failed,
        executor_kind=args.executor,
        scheduler=args.scheduler,
        shared_fs=args.shared_fs,
    )


def run_command(
    *,
    month: str,
    data_dir: str | Path,
    out_dir: str | Path,
    units: list[str] | None = None,
    jobs: int = 2,
    force: bool = False,
    only_failed: bool = False,
    notebooks_dir: str | Path | None = None,
    executor: Executor | None = None,
    executor_kind: str = "warm",
    scheduler: str | None = None,
    shared_fs: bool = False,
    progress: bool = True,
) -> int:
    """``kpi run``: prepare, say what was read, execute, say what happened; the exit code.

    ``notebooks_dir`` and ``executor`` are for tests and embedding (the command line
    uses the project's notebooks and the default executor).
    """
    # SIGTERM stops a run as Ctrl-C does: workers and kernels stopped, manifest kept.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        prepared = prepare_run(
            month=month,
            data_dir=data_dir,
            out_dir=out_dir,
            units=units,
            notebooks_dir=notebooks_dir,
        )
        _print_inputs(prepared.data, file=sys.stdout)
        executor = executor or default_executor(
            jobs, prepared.settings, kind=executor_kind, scheduler=scheduler, shared_fs=shared_fs
        )
        outcome = execute_run(
            prepared,
            full=units is None,
            jobs=jobs,
            force=force,
            only_failed=only_failed,
            executor=executor,
            progress=progress,
        )
    except KpiError as exc:
        return _report_error("run", exc)
    except OSError as exc:  # e.g. a folder named manifest.json, a file named data, disk full
        path = printable(str(exc.filename2 or exc.filename or Path(out_dir) / month))
        print(
            f"kpi run: stopped at {path}: {exc.strerror or exc}; fix that path (or choose "
            "another --out) and run again",
            file=sys.stderr,
        )
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(
            f"kpi run: interrupted; the reports finished so far are recorded in "
            f"{Path(out_dir) / month / 'manifest.json'}; run again to finish "
            f"(unchanged reports are skipped)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if outcome.note:
        print(outcome.note)
    _print_summary(month, outcome)
    return EXIT_FAILED if outcome.failed else EXIT_OK


def _report_error(command: str, exc: KpiError) -> int:
    """Say what was wrong with the input, settings or parameters; exit code 2."""
    if isinstance(exc, InputError):
        print(exc, file=sys.stderr)
        print("请修正以上输入文件后重新运行 (fix the files above and run again).", file=sys.stderr)
    elif isinstance(exc, ParameterError):
        print(f"kpi {command}: invalid notebook parameters:\n{exc}", file=sys.stderr)
    else:
        print(f"kpi {command}: {exc}", file=sys.stderr)
    return EXIT_INVALID


def _print_inputs(data: MonthData, *, file: Any, most: int = 20) -> None:
    """Print what was read: rows per input table and the validation warnings."""
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in data.tables().items())
    print(f"{data.month} 输入数据 (rows per file): {rows}", file=file)
    print(f"{data.month}: {len(data.warnings)} 条提示 (warnings)", file=file)
    for finding in data.warnings[:most]:
        print(f"  {finding}", file=file)
    if len(data.warnings) > most:
        print(f"  … 另有 {len(data.warnings) - most} 条，见汇总报告的数据质量部分", file=file)


def _print_summary(month: str, outcome: RunOutcome) -> None:
    """Print what the run did and, on stderr, every failed report with its cell and error."""
    ran, failed = len(outcome.results), outcome.failed
    skipped = len(outcome.selected) - ran
    not_selected = len(outcome.planned) - len(outcome.selected)
    rate = f", {ran / outcome.wall_s:.2f} reports/s" if ran and outcome.wall_s > 0 else ""
    print(
        f"{month}: {ran} report(s) run ({ran - len(failed)} ok, {len(failed)} failed), "
        f"{skipped} unchanged and skipped, {not_selected} not selected; "
        f"{outcome.wall_s:.1f} s wall{rate} -> {outcome.index}"
    )
    reports, month_dir = outcome.reports, outcome.month_dir
    for result in failed:
        error = reports[result.key].get("error") or {}
        cell = error.get("cell_index")
        where = "" if cell is None else f"cell {cell}: "  # e.g. a worker stopped at the deadline
        executed = month_dir / reports[result.key]["executed_notebook"]
        see = f" (see {executed})" if executed.is_file() else ""
        print(
            f"  FAILED {result.key}: {where}{error.get('ename')}: {error.get('evalue')}{see}",
            file=sys.stderr,
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kpi`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler = {"sample-data": _cmd_sample_data, "validate": _cmd_validate, "run": _cmd_run}[
        args.command
    ]
    try:
        return handler(args)
    except KpiError as exc:
        return _report_error(args.command, exc)
    except KeyboardInterrupt:
        print(f"kpi {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
