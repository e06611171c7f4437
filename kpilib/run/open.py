"""Open a month's shared results from a notebook: built when absent or stale.

:func:`open_results` is what every report notebook calls first. It returns the
:class:`~kpilib.report.results.Results` of the month, building them exactly as
``kpi run`` does (under ``params/run.yaml``) when they are missing or were computed
from other library code or other input files (their fingerprint), so a notebook opened
in JupyterLab before ``kpi run``, or after a corrected export, never shows stale numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from kpilib.contract.load import load_month
from kpilib.contract.month_data import MonthData
from kpilib.paths import PARAMS_DIR, RUN_SETTINGS, from_project
from kpilib.report.results import Results
from kpilib.report.shared import (
    SHARED_TABLES,
    build_shared_results,
    scheme_for,
    vocabulary_for,
)
from kpilib.report.store import (
    cache_key,
    library_hash,
    month_input_hashes,
    read_cached,
    read_fingerprint,
    result_path,
    results_fingerprint,
    write_cached,
    write_fingerprint,
    write_results,
)
from kpilib.run.settings import RunSettings, load_run_settings
from kpilib.stats import plan
from kpilib.stats.sampling import InspectionLevel


def history_cache_for(results_dir: Path) -> Path:
    """Where earlier months' scored inputs are cached: ``OUT/.cache/history`` for
    results in ``OUT/YYYY-MM/data`` (shared by every month of that output folder)."""
    return Path(results_dir).resolve().parent.parent / ".cache" / "history"


def _validated_key(data_dir: Path, month: str) -> str:
    return cache_key(
        {
            "inputs": month_input_hashes(data_dir / month),
            # the vocabulary comes from the scheme under params/ (its repr holds sets,
            # whose order changes from one process to the next)
            "params": month_input_hashes(PARAMS_DIR),
            "kpilib": library_hash(),
        }
    )


def cached_month(data_dir: str | Path, month: str, *, cache_dir: Path) -> MonthData | None:
    """The month as :func:`validated_month` last stored it in ``cache_dir``, while the
    month's files, ``params/`` and the library code are unchanged since; else None."""
    data_dir = Path(data_dir)
    if not (data_dir / month).is_dir():
        return None
    cached = read_cached(cache_dir, month, _validated_key(data_dir, month))
    return cached if isinstance(cached, MonthData) else None


def store_month(data_dir: str | Path, data: MonthData, *, cache_dir: Path) -> None:
    """Keep the validated ``data`` in ``cache_dir`` for the next run (:func:`cached_month`)."""
    write_cached(cache_dir, data.month, _validated_key(Path(data_dir), data.month), data)


def validated_month(data_dir: str | Path, month: str, *, cache_dir: Path | None) -> MonthData:
    """:func:`~kpilib.contract.load.load_month` of ``month``, with the year's vocabulary,
    reused from ``cache_dir`` while the month's files, ``params/`` and the library code
    are the ones it was validated from (reading and checking the files is seconds a month;
    the pickle is milliseconds). A month that fails validation is never cached. ``kpi
    run`` reads the cache when it prepares and stores the month only once it starts
    (:func:`cached_month`, :func:`store_month`): a run refused before then writes nothing.

    Raises
    ------
    InputError, ValueError
        As :func:`~kpilib.contract.load.load_month`.
    """
    if cache_dir is not None:
        cached = cached_month(data_dir, month, cache_dir=cache_dir)
        if cached is not None:
            return cached
    data = load_month(data_dir, month, vocabulary=vocabulary_for(month))
    if cache_dir is not None:
        store_month(data_dir, data, cache_dir=cache_dir)
    return data


def validated_cache_for(out_dir: Path) -> Path:
    """Where validated months are cached: ``OUT/.cache/validated`` (beside the history)."""
    return Path(out_dir).resolve() / ".cache" / "validated"


def shared_results_for(
    data: MonthData,
    *,
    data_dir: str | Path | None,
    settings: RunSettings,
    results_dir: Path,
) -> dict[str, pd.DataFrame]:
    """Every shared table of the month under ``settings`` (what ``kpi run`` stores).

    Earlier months are read through the history cache beside ``results_dir``
    (:func:`history_cache_for`).

    Returns
    -------
    dict of name -> DataFrame, as :func:`kpilib.report.shared.build_shared_results`.
    """
    return build_shared_results(
        data,
        data_dir=data_dir,
        scheme=scheme_for(int(data.month[:4])),
        history_months=settings.history_months,
        centre_tolerance=settings.centre_results_tolerance,
        aql=settings.aql,
        level=settings.level,
        steady_production=settings.steady_production,
        reduced_approved=settings.reduced_approved,
        cache_dir=history_cache_for(results_dir),
    )


def ensure_results(data_dir: str | Path, month: str, results_dir: str | Path) -> Path:
    """Build the month's shared results into ``results_dir`` unless they are current.

    Relative paths are read against the project folder. Returns ``results_dir`` as an
    absolute path.

    Raises
    ------
    FileNotFoundError
        When ``data_dir`` holds no folder for ``month`` (generate the sample data with
        ``make sample`` or ``kpi sample-data``).
    """
    data_dir, results_dir = from_project(data_dir), from_project(results_dir)
    if not (data_dir / month).is_dir():
        raise FileNotFoundError(
            f"no input data for {month} in {data_dir}; "
            "generate the sample data with `make sample` (kpi sample-data --out data/sample)"
        )
    settings = load_run_settings(RUN_SETTINGS)
    fingerprint = results_fingerprint(data_dir, month, history_months=settings.history_months)
    complete = all(result_path(results_dir, name).is_file() for name in SHARED_TABLES)
    if complete and read_fingerprint(results_dir) == fingerprint:
        return results_dir
    data = load_month(data_dir, month, vocabulary=vocabulary_for(month))
    shared = shared_results_for(data, data_dir=data_dir, settings=settings, results_dir=results_dir)
    write_results(results_dir, shared)
    write_fingerprint(results_dir, fingerprint)
    return results_dir


def open_results(
    month: str,
    *,
    data_dir: str | Path = "data/sample",
    results_dir: str | Path | None = None,
) -> Results:
    """The month's shared results as a :class:`~kpilib.report.results.Results`.

    Parameters
    ----------
    month : ``YYYY-MM``.
    data_dir : folder holding one ``YYYY-MM/`` folder per month.
    results_dir : the shared results folder; default ``outputs/YYYY-MM/data``.
    """
    folder = results_dir if results_dir is not None else f"outputs/{month}/data"
    return Results(ensure_results(data_dir, month, folder))


def plan_results(
    results: Results,
    *,
    month: str,
    data_dir: str | Path,
    aql: float,
    level: InspectionLevel,
    seed: int,
) -> dict[str, pd.DataFrame]:
    """Next month's inspection plan tables under ``aql``, ``level`` and ``seed``.

    The stored tables are used when they were made with the same settings (the
    monthly run stores them under ``params/run.yaml`` and the month's default seed);
    otherwise the month is loaded from ``data_dir`` and
    :func:`kpilib.stats.plan.plan_tables` computes them. ``seed`` 0 means the month's
    default seed.

    Returns
    -------
    dict of name -> DataFrame: ``sampling_plan``, ``sampling_list``, ``lot_verdicts``.
    """
    seed = seed or plan.default_seed(month)
    stored = {name: results.table(name) for name in plan.TABLE_NAMES if name in results.names}
    if len(stored) == len(plan.TABLE_NAMES) and len(stored["sampling_plan"]):
        made = stored["sampling_plan"].iloc[0]
        if (
            math.isclose(float(made["aql"]), float(aql))
            and made["level"] == level
            and int(made["seed"]) == seed
        ):
            return stored
    data = load_month(from_project(data_dir), month, vocabulary=vocabulary_for(month))
    return plan.plan_tables(data, aql=aql, level=level, seed=seed)
