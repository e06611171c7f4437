"""The ``kpi`` command line: ``sample-data``, ``validate`` and ``run``.

The library raises; this module catches, reports in words and chooses the exit code:
0 success, 1 some reports failed, 2 invalid input or arguments.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from kpilib.errors import InputError, KpiError

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"month must look like 2026-10, got {text!r}")
    return text


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
    return parser


def _cmd_sample_data(args: argparse.Namespace) -> int:
    from kpilib.sample_data import generate

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
    from kpilib.io import validate_month

    findings = validate_month(args.data, args.month)
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding)
        errors = sum(f.severity == "error" for f in findings)
        print(f"{args.month}: {errors} error(s), {len(findings) - errors} warning(s)")
    return EXIT_INVALID if any(f.severity == "error" for f in findings) else EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from kpilib.runner import run_month

    return run_month(
        month=args.month,
        data_dir=args.data,
        out_dir=args.out,
        units=args.units,
        jobs=args.jobs,
        force=args.force,
        only_failed=args.only_failed,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kpi`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler = {"sample-data": _cmd_sample_data, "validate": _cmd_validate, "run": _cmd_run}[
        args.command
    ]
    try:
        return handler(args)
    except InputError as exc:
        print(exc, file=sys.stderr)
        print("请修正以上输入文件后重新运行 (fix the files above and run again).", file=sys.stderr)
        return EXIT_INVALID
    except KpiError as exc:
        print(f"kpi {args.command}: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
