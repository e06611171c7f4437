"""Run settings of the monthly job, read from ``params/run.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kpilib.errors import SettingsError
from kpilib.stats.sampling import AQLS

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")


@dataclass(frozen=True)
class RunSettings:
    """What ``params/run.yaml`` says; the defaults are the documented ones."""

    history_months: int = 12
    aql: float = 2.5
    level: str = "II"
    #: GB/T 2828.1 9.3.3 b) production at a steady rate, c) reduced inspection approved by
    #: the responsible authority (docs/methods.md §3.7); False also ends reduced (9.3.4).
    steady_production: bool = True
    reduced_approved: bool = True
    centre_results_tolerance: float = 0.01
    #: Warm kernels: reports a kernel runs before it is replaced, and its memory limit.
    reports_per_kernel: int = 50
    kernel_memory_mb: int = 1500
    #: Seconds one notebook cell may run before its report fails.
    cell_timeout_s: int = 600
    #: Minutes the whole run may take; reports not done by then fail.
    run_deadline_min: int = 240


def settings_from_mapping(raw: Any, *, source: str = "params/run.yaml") -> RunSettings:
    """Validate a parsed settings mapping; every problem is named in one SettingsError.

    Examples
    --------
    >>> settings = settings_from_mapping({"history_months": 6, "sampling": {"aql": 1.0}})
    >>> settings.history_months, settings.aql, settings.level, settings.cell_timeout_s
    (6, 1.0, 'II', 600)
    """
    if not isinstance(raw, dict):
        raise SettingsError(f"{source}: expected a mapping of settings, got {type(raw).__name__}")
    problems = []
    known = {"history_months", "sampling", "centre_results_tolerance", "kernels"}
    problems += [
        f"unknown setting {key!r} (known: {sorted(known)})" for key in raw if key not in known
    ]
    defaults = RunSettings()
    history = raw.get("history_months", defaults.history_months)
    if isinstance(history, bool) or not isinstance(history, int) or not 1 <= history <= 60:
        problems.append(f"history_months must be a whole number from 1 to 60, got {history!r}")
    sampling = raw.get("sampling", {})
    if not isinstance(sampling, dict):
        problems.append(f"sampling must be a mapping with aql and level, got {sampling!r}")
        sampling = {}
    problems += [
        f"unknown setting 'sampling.{key}' "
        "(known: ['aql', 'level', 'reduced_approved', 'steady_production'])"
        for key in sampling
        if key not in ("aql", "level", "reduced_approved", "steady_production")
    ]
    switches = {
        key: sampling.get(key, getattr(defaults, key))
        for key in ("steady_production", "reduced_approved")
    }
    problems += [
        f"sampling.{key} must be true or false, got {value!r}"
        for key, value in switches.items()
        if not isinstance(value, bool)
    ]
    aql = sampling.get("aql", defaults.aql)
    if (
        isinstance(aql, bool)
        or not isinstance(aql, int | float)
        or float(aql) not in {float(a) for a in AQLS}
    ):
        problems.append(f"sampling.aql must be an AQL of GB/T 2828.1 Table 2-A, got {aql!r}")
    level = sampling.get("level", defaults.level)
    if level not in LEVELS:
        problems.append(f"sampling.level must be one of {list(LEVELS)}, got {level!r}")
    tolerance = raw.get("centre_results_tolerance", defaults.centre_results_tolerance)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        problems.append(f"centre_results_tolerance must be a number >= 0, got {tolerance!r}")
    kernels = raw.get("kernels", {})
    if not isinstance(kernels, dict):
        problems.append(f"kernels must be a mapping, got {kernels!r}")
        kernels = {}
    limits = {
        "reports_per_kernel": (1, 10_000),
        "memory_mb": (200, 65_536),
        "cell_timeout_s": (1, 86_400),
        "run_deadline_min": (1, 10_080),
    }
    problems += [
        f"unknown setting 'kernels.{key}' (known: {sorted(limits)})"
        for key in kernels
        if key not in limits
    ]
    defaults_of = {
        "reports_per_kernel": defaults.reports_per_kernel,
        "memory_mb": defaults.kernel_memory_mb,
        "cell_timeout_s": defaults.cell_timeout_s,
        "run_deadline_min": defaults.run_deadline_min,
    }
    chosen = {}
    for key, (low, high) in limits.items():
        value = kernels.get(key, defaults_of[key])
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(
                f"kernels.{key} must be a whole number from {low} to {high}, got {value!r}"
            )
        chosen[key] = value
    if problems:
        raise SettingsError(f"{source}: " + "; ".join(problems))
    return RunSettings(
        history_months=history,
        aql=float(aql),
        level=level,
        steady_production=bool(switches["steady_production"]),
        reduced_approved=bool(switches["reduced_approved"]),
        centre_results_tolerance=float(tolerance),
        reports_per_kernel=chosen["reports_per_kernel"],
        kernel_memory_mb=chosen["memory_mb"],
        cell_timeout_s=chosen["cell_timeout_s"],
        run_deadline_min=chosen["run_deadline_min"],
    )


def load_run_settings(path: str | Path) -> RunSettings:
    """Read and validate ``params/run.yaml``; a missing file is an error naming it."""
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"{path}: run settings file not found; restore it from git")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML: {exc}") from exc
    return settings_from_mapping(raw, source=str(path))
