"""The fork server of the report workers, and what it imports before it forks them.

Report workers are started with ``forkserver`` (no copy of the caller's threads or
warning filters). The fork server imports :data:`PRELOAD` once; every worker forked from
it has those modules, and so has every kernel a worker forks
(:mod:`kpilib.run.forked_kernel`). The kernels' modules come first, while nothing else
is imported, so that :mod:`kpilib.run.kernel_modules` can record the warning filters a
new kernel has.

This module is light on purpose: the ``kpi`` console script (:mod:`kpilib.launch`)
starts the fork server with it before it imports anything heavy.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from multiprocessing.context import ForkServerContext

#: What the fork server imports: the caller's main module (for what it pickles), the
#: kernels' modules, then the workers' (:func:`kpilib.run.warm.run_warm_job` and the
#: Papermill executor's :func:`kpilib.run.executors.run_job`).
PRELOAD = ("__main__", "kpilib.run.kernel_modules", "kpilib.run.warm")


def context() -> ForkServerContext:
    """The ``forkserver`` context with :data:`PRELOAD` (for a fork server not yet started)."""
    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload(list(PRELOAD))
    return server


def start() -> None:
    """Start the fork server now, so that its imports overlap the caller's own."""
    context()
    forkserver.ensure_running()
