"""What a report kernel imports, imported once in the run's fork server.

The fork server of the report workers imports this module first
(:data:`kpilib.run.fork_server.PRELOAD`), then the workers' own modules, and
forks the workers; a worker forks its kernels (:mod:`kpilib.run.forked_kernel`), so every
kernel starts with these modules imported instead of importing them itself (about 1.7 s
of one core per kernel). Imports only: no figure, no IPython shell, no other state a new
kernel would not have (matplotlib's backend is set in the kernel, from its environment,
and pyplot loads it with the kernel's first figure).

:data:`WARNING_FILTERS` are the warning filters after these imports, taken when nothing
but them had been imported (the fork server's case): what a new kernel has after
importing the same modules, without the filters the workers' own modules add (urllib3's
and requests', for Papermill). None when imported after those: a worker then starts its
kernels the usual way.
"""

from __future__ import annotations

import sys
import warnings

import ipykernel.ipkernel
import ipykernel.kernelapp  # noqa: F401
import ipykernel_launcher  # noqa: F401
import matplotlib.pyplot  # noqa: F401
import pyarrow.parquet  # noqa: F401
import seaborn  # noqa: F401

import kpilib.run.open
import kpilib.run.sandbox  # noqa: F401
from kpilib.report import actions, exports, figures, inspection, labels, training  # noqa: F401

#: Modules only the report workers import (Papermill, nbclient and what they load).
_WORKER_ONLY = ("papermill", "nbclient", "kpilib.run.warm")

WARNING_FILTERS: tuple | None = (
    None if any(name in sys.modules for name in _WORKER_ONLY) else tuple(warnings.filters)
)
