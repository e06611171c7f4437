"""Code that runs inside a warm report kernel: the clean state every report starts from.

A warm kernel (:mod:`kpilib.run.warm`) imports kpilib, pandas, matplotlib and seaborn
once, then :func:`remember` records the state a fresh kernel would have after those
imports. Before each report, :func:`restore` puts that state back, so that nothing one
report did reaches the next:

- the IPython user namespace is emptied and the execution count restarts at 1 (the
  executed notebook numbers its cells as a fresh kernel would);
- every open figure is closed and matplotlib's rcParams are restored;
- pandas options, numpy print options and warning filters are restored;
- every attribute of a kpilib module that a report set, replaced or deleted is put
  back, and the working directory and ``sys.path`` are restored.

Modules a report imported stay in ``sys.modules`` (importing is not a change of state);
names it bound to them go with the namespace.

:func:`remember` also moves everything the warm-up created into the garbage collector's
permanent generation (:func:`gc.freeze`): IPython's namespace reset runs a full collection,
which would otherwise walk every object of pandas, matplotlib and seaborn before each
report (about 0.4 s of CPU); the imported libraries' objects live as long as the kernel
anyway.
"""

from __future__ import annotations

import copy
import gc
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


@dataclass
class _Baseline:
    rc_params: dict[str, Any] = field(default_factory=dict)
    print_options: dict[str, Any] = field(default_factory=dict)
    warning_filters: list[Any] = field(default_factory=list)
    module_dicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    cwd: str = ""
    path: list[str] = field(default_factory=list)


_BASELINE: _Baseline | None = None


def _kpilib_modules() -> dict[str, Any]:
    return {
        name: module
        for name, module in list(sys.modules.items())
        if module is not None
        and (name == "kpilib" or name.startswith("kpilib."))
        and name != __name__  # this module holds the baseline itself
    }


def remember() -> None:
    """Record the state every report starts from (after the warm-up imports)."""
    global _BASELINE
    _BASELINE = _Baseline(
        rc_params=copy.deepcopy(dict(mpl.rcParams)),
        print_options=np.get_printoptions(),
        warning_filters=list(warnings.filters),
        module_dicts={name: dict(vars(m)) for name, m in _kpilib_modules().items()},
        cwd=os.getcwd(),
        path=list(sys.path),
    )
    gc.collect()
    gc.freeze()


def _restore_module(module: Any, saved: dict[str, Any]) -> None:
    current = vars(module)
    for name in [n for n in current if n not in saved]:
        delattr(module, name)
    for name, value in saved.items():
        if current.get(name, _MISSING) is not value:
            setattr(module, name, value)


_MISSING = object()


def restore() -> None:
    """Put back the state :func:`remember` recorded; a fresh start for the next report."""
    baseline = _BASELINE
    if baseline is None:
        raise RuntimeError("sandbox.restore() before sandbox.remember()")
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=False)
        shell.execution_count = 1
    plt.close("all")
    dict.update(mpl.rcParams, copy.deepcopy(baseline.rc_params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.reset_option("all")
    np.set_printoptions(**baseline.print_options)
    warnings.filters[:] = baseline.warning_filters
    warnings._filters_mutated()  # what filterwarnings() does: cached verdicts go
    for name, saved in baseline.module_dicts.items():
        module = sys.modules.get(name)
        if module is not None:
            _restore_module(module, saved)
    os.chdir(baseline.cwd)
    sys.path[:] = baseline.path
