"""What a report kernel imports, imported once in the run's fork server.

The fork server of the report workers imports this module first
(:data:`kpilib.run.fork_server.PRELOAD`), then the workers' own modules, and
forks the workers; a worker forks its kernels (:mod:`kpilib.run.forked_kernel`), so every
kernel starts with these modules imported instead of importing them itself (about 1.7 s
of one core per kernel). Imports only: no figure, no IPython shell, no other state a new
kernel would not have (matplotlib's backend is set in the kernel, from its environment,
and pyplot loads it with the kernel's first figure). A warm kernel started from its
command imports this module in its warm-up (:data:`kpilib.run.warm.WARM_UP`), so both
kinds of kernel import the same modules.

:data:`WARNING_FILTERS` are the warning filters after these imports, taken when nothing
but them had been imported (the fork server's case): what a new kernel has after
importing the same modules, without the filters the workers' own modules add (urllib3's
and requests', for Papermill). None when imported after those: a worker then starts its
kernels the usual way.
"""

# ruff: noqa: F401 - the imports are this module's purpose (see above)
from __future__ import annotations

import sys
import warnings

import ipykernel.kernelapp
import ipykernel_launcher
import matplotlib.pyplot
import numpy
import pandas
import pyarrow.parquet
import seaborn

import kpilib.run.open
import kpilib.run.sandbox
from kpilib.report import actions, exports, figures, inspection, labels, training

#: Modules only the report workers import (Papermill, nbclient and what they load).
_WORKER_ONLY = ("papermill", "nbclient", "kpilib.run.warm")

WARNING_FILTERS: tuple | None = (
    None if any(name in sys.modules for name in _WORKER_ONLY) else tuple(warnings.filters)
)
