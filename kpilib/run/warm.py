"""Warm kernels: each report runs through Papermill on a kernel that is already started.

A fresh kernel per report costs about 1.5 s to start and stop and 2.6 s to import
kpilib, pandas, matplotlib and seaborn, against about 2 s of real work. A
:class:`WarmKernel` is started once, imports those once and then runs report after
report; where the fork server preloaded those modules, the kernel is forked from its
worker with them (:mod:`kpilib.run.forked_kernel`). Papermill still parameterises every
notebook and records what it records (the ``parameters`` and ``injected-parameters``
cells, cell metadata, the error cell of a failure), through a Papermill engine
(``kpilib-warm``) whose notebook client drives the warm kernel instead of starting one.
Before each report, :func:`kpilib.run.sandbox.restore` runs in the kernel, so every
report starts from the same clean state (namespace, figures, rcParams, options, kpilib
module attributes).

A kernel is replaced after ``reports_per_kernel`` reports, when its memory exceeds
``memory_limit_mb``, when it died, or when a cell timed out (it may still be busy).

:class:`WarmKernelExecutor` runs ``jobs`` worker processes, each with one warm kernel
that it keeps between reports; a worker renders the HTML of its reports itself. The
workers and their kernels can be started ahead of the reports
(:meth:`WarmKernelExecutor.start`), so that their start overlaps the runner's own work.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from kpilib.report import render
from kpilib.run.executors import (
    KERNEL_NAME,
    TRACEBACK_EXCERPT,
    Failure,
    ReportJob,
    ReportResult,
    Status,
    execute_job,
    on_worker_stop,
    render_job,
    run_in_pool,
    start_pool,
    stop_pool,
)
from kpilib.run.forked_kernel import ForkedKernelManager

ENGINE = "kpilib-warm"

#: What a warm kernel runs once: the modules every report needs
#: (:mod:`kpilib.run.kernel_modules`, already there in a forked kernel), the font's
#: registration, one chart drawn and closed under its own rcParams (so that loading the
#: font and first-use caches are not a report's time) and the display of figures drawn
#: once (the same picture, a third of the layout work): no other state a fresh kernel
#: would not have after its first figure.
WARM_UP = """\
import kpilib.run.kernel_modules
import matplotlib
import seaborn
from kpilib.report import figures
from kpilib.report.fonts import register_cjk_font, use_cjk_font
from kpilib.run import sandbox
register_cjk_font()
with matplotlib.rc_context():  # the charts' settings (kpilib.report.figures), then restored
    seaborn.set_theme(style="whitegrid", context="notebook")
    use_cjk_font()
    chart = matplotlib.figure.Figure(dpi=96)
    chart.add_subplot().set_title("考核得分 0.5")
    figures.png_once(chart)
# figures are shown drawn once (kpilib.report.figures.png_once), not laid out three
# times by the inline backend's tight bounding box; pyplot's first figure loads that
# backend, which registers its own display first and turns interactive mode on, as
# a fresh kernel's first figure does (so a figure a report leaves open is shown)
matplotlib.pyplot.close(matplotlib.pyplot.figure())
get_ipython().display_formatter.formatters["image/png"].for_type(
    matplotlib.figure.Figure, figures.png_once
)
sandbox.remember()
"""
#: Options of a warm kernel's process. No input history: a report's cells are recorded in
#: its notebook, and IPython's SQLite history of thousands of batch cells is written to
#: the user's home for nothing (about a third of a short cell's round trip). No sleep
#: before each reply: ipykernel waits 0.5 ms after flushing a cell's output, for clients
#: that stop reading output at the reply; nbclient reads until the kernel says it is
#: idle, which ipykernel sends after the output. A report's 24 cells waited 12 ms.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False", "--Kernel._execute_sleep=0"]
#: What runs (unrecorded) before each report.
RESET = "from kpilib.run import sandbox; sandbox.restore()"


@dataclass(frozen=True)
class KernelPolicy:
    """When a warm kernel is replaced, and how long a cell may run."""

    reports_per_kernel: int = 50
    memory_limit_mb: int = 1500
    cell_timeout: int | None = 600
    startup_timeout: int = 60

    def __post_init__(self) -> None:
        if self.reports_per_kernel < 1:
            raise ValueError(
                f"reports_per_kernel must be at least 1, got {self.reports_per_kernel!r}"
            )
        if self.memory_limit_mb < 100:
            raise ValueError(f"memory_limit_mb must be at least 100, got {self.memory_limit_mb!r}")


class _WarmClient(PapermillNotebookClient):
    """Papermill's notebook client on an already started kernel, which it does not stop."""

    def __init__(self, nb_man: Any, *, warm: WarmKernel, **kwargs: Any) -> None:
        super().__init__(nb_man, km=warm.km, **kwargs)
        self.kc = warm.kc


class WarmEngine(NBClientEngine):
    """Papermill engine ``kpilib-warm``: executes on the ``warm`` kernel it is given."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        *,
        warm: WarmKernel,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        return _WarmClient(
            nb_man,
            warm=warm,
            timeout=execution_timeout,
            kernel_name=kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
        ).execute()


papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """One started kernel with the reports' libraries imported, running in ``cwd``.

    Attributes
    ----------
    reports : reports run on it so far.
    log_path : file receiving the kernel's stderr (for a kernel that died).
    """

    def __init__(self, cwd: Path, *, policy: KernelPolicy = KernelPolicy()) -> None:
        self.cwd = Path(cwd)
        self.policy = policy
        self.reports = 0
        handle, name = tempfile.mkstemp(prefix="kpilib-kernel-", suffix=".log")
        self.log_path = Path(name)
        self._log = os.fdopen(handle, "wb")
        self._client = NotebookClient(
            new_notebook(),
            kernel_name=KERNEL_NAME,
            kernel_manager_class=ForkedKernelManager,
            extra_arguments=KERNEL_ARGUMENTS,
            startup_timeout=policy.startup_timeout,
            # The warm-up and the resets run here, not the reports' cells.
            timeout=policy.startup_timeout,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        started = time.perf_counter()
        with self._client.setup_kernel(cleanup_kc=False, stderr=self._log):
            pass
        self.km, self.kc = self._client.km, self._client.kc
        self._run(WARM_UP, "warm-up")
        self.start_s = time.perf_counter() - started

    def _run(self, code: str, what: str) -> None:
        cell = new_code_cell(code)
        self._client.nb.cells = [cell]
        try:
            self._client.execute_cell(cell, 0, store_history=False)
        except CellExecutionError as exc:
            raise RuntimeError(f"kernel {what} failed: {exc.ename}: {exc.evalue}") from None

    @property
    def pid(self) -> int | None:
        """The kernel process's id, or None when it has none."""
        process = getattr(self.km.provisioner, "process", None)
        return getattr(process, "pid", None)

    def alive(self) -> bool:
        """Whether the kernel process still runs."""
        process = None if self.km is None else getattr(self.km.provisioner, "process", None)
        return process is not None and process.poll() is None

    def memory_mb(self) -> float:
        """Resident memory of the kernel process in MiB (0 when it is gone)."""
        try:
            return psutil.Process(self.pid).memory_info().rss / 2**20
        except (psutil.Error, TypeError, ValueError):
            return 0.0

    def worn_out(self) -> str:
        """Why the kernel should be replaced before the next report ("" when it should not)."""
        if not self.alive():
            return "kernel died"
        if self.reports >= self.policy.reports_per_kernel:
            return f"{self.reports} reports run"
        memory = self.memory_mb()
        if memory > self.policy.memory_limit_mb:
            return f"memory {memory:.0f} MiB above {self.policy.memory_limit_mb} MiB"
        return ""

    def reset(self) -> None:
        """Give the next report a clean kernel state (see :mod:`kpilib.run.sandbox`)."""
        self._run(RESET, "reset")

    def log_tail(self, limit: int = TRACEBACK_EXCERPT) -> str:
        """The end of what the kernel wrote to stderr."""
        self._log.flush()
        text = self.log_path.read_bytes().decode("utf-8", errors="replace")
        return text if len(text) <= limit else "…" + text[-(limit - 1) :]

    def shutdown(self) -> None:
        """Stop the kernel (killing it when it does not stop) and remove its log."""
        try:
            if self._client.km is not None:
                self._client.kc = self.kc
                self._client._cleanup_kernel()
        finally:
            self.km = self.kc = None
            self._log.close()
            self.log_path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- a worker


_KERNEL: WarmKernel | None = None
_POLICY = KernelPolicy()


def _set_policy(policy: KernelPolicy) -> None:
    global _POLICY
    _POLICY = policy


def _kernel_for(job: ReportJob) -> WarmKernel:
    """This process's warm kernel, replaced when worn out or started in another folder."""
    return _kernel_in(Path(job.cwd))


def _kernel_in(cwd: Path) -> WarmKernel:
    global _KERNEL
    if _KERNEL is not None and (_KERNEL.worn_out() or _KERNEL.cwd != cwd):
        _KERNEL.shutdown()
        _KERNEL = None
    if _KERNEL is None:
        _KERNEL = WarmKernel(cwd, policy=_POLICY)
    return _KERNEL


def _retire_kernel() -> None:
    global _KERNEL
    if _KERNEL is not None:
        _KERNEL.shutdown()
        _KERNEL = None


def run_warm_job(job: ReportJob) -> ReportResult:
    """Execute and render ``job`` on this process's warm kernel; never raises for a report.

    A kernel that died or timed out during the report is replaced before the next one;
    only this report fails, with the end of the kernel's log in its traceback.
    """
    started = time.perf_counter()
    try:
        kernel = _kernel_for(job)
        kernel.reset()
    except Exception as exc:  # the kernel cannot be started or reset: this report fails
        _retire_kernel()
        failure = Failure(stage="execute", ename=type(exc).__name__, evalue=str(exc))
        return ReportResult(job.key, "failed", time.perf_counter() - started, failure=failure)
    failure = execute_job(
        job, cell_timeout=_POLICY.cell_timeout, engine=ENGINE, engine_kwargs={"warm": kernel}
    )
    kernel.reports += 1
    execute_s = time.perf_counter() - started
    unusable = {"CellTimeoutError", DeadKernelError.__name__}
    if failure is not None and (
        failure.ename in unusable or failure.cell_index is None or not kernel.alive()
    ):
        # Dead, hung or timed out: the kernel's state is unknown, so it is not reused.
        dead = not kernel.alive() or failure.ename in (DeadKernelError.__name__,)
        log = kernel.log_tail()
        _retire_kernel()
        if dead or log:
            failure = replace(failure, traceback=(failure.traceback + "\n" + log).strip())
    if failure is not None:
        if job.html is not None:
            job.html.unlink(missing_ok=True)
        return ReportResult(job.key, "failed", execute_s, failure=failure, worker=str(os.getpid()))
    started = time.perf_counter()
    failure = render_job(job)
    render_s = time.perf_counter() - started
    status: Status = "ok" if failure is None else "failed"
    return ReportResult(job.key, status, execute_s, render_s, failure, worker=str(os.getpid()))


def _kill_kernel() -> None:
    """Kill this worker's kernel at once (the worker is being stopped)."""
    if _KERNEL is not None and _KERNEL.pid:
        os.kill(_KERNEL.pid, 9)


def _worker_init(policy: KernelPolicy, cwd: str | None = None) -> None:
    _set_policy(policy)
    on_worker_stop(_kill_kernel)
    # Stop this worker's kernel when the pool shuts the worker down.
    multiprocessing.util.Finalize(None, _retire_kernel, exitpriority=10)
    if cwd is not None:  # started ahead of the reports: warm the kernel and renderer now
        try:
            _kernel_in(Path(cwd))
        except Exception:  # the first report starts it again and fails with the reason
            _retire_kernel()
        with suppress(Exception):  # only a head start: the first page renders it anyway
            render.warm_up()


# --------------------------------------------------------------------------- the strategy


def _in_background(start: Callable[[], ProcessPoolExecutor]) -> Future[ProcessPoolExecutor]:
    """``start()`` run in a thread of its own; its pool (or its exception) in the future."""
    future: Future[ProcessPoolExecutor] = Future()

    def target() -> None:
        try:
            future.set_result(start())
        except BaseException as exc:  # handed to whoever asks for the pool
            future.set_exception(exc)

    threading.Thread(target=target, name="kpilib-start-workers", daemon=True).start()
    return future


class WarmKernelExecutor:
    """``jobs`` worker processes, each keeping one warm kernel across its reports.

    Parameters
    ----------
    jobs : worker processes (and so kernels) at once.
    policy : when kernels are replaced, and the cell timeout.
    """

    def __init__(self, jobs: int = 1, *, policy: KernelPolicy = KernelPolicy()) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs!r}")
        self.jobs = jobs
        self.policy = policy
        self._pool: Future[ProcessPoolExecutor] | None = None

    def start(self, cwd: Path, *, workers: int | None = None) -> None:
        """Start the worker processes and their kernels (in ``cwd``) ahead of :meth:`run`.

        The runner calls it before it computes the shared results, so that the kernels'
        start overlaps that work. Returns at once: the workers are started from a
        thread, which waits while the fork server imports the kernels' modules
        (:mod:`kpilib.run.fork_server`). ``workers``: at most ``jobs`` (default). A
        started executor is stopped by :meth:`run` when done, or by :meth:`close`.
        """
        if self._pool is None:
            count = self.jobs if workers is None else max(1, min(workers, self.jobs))
            self._pool = _in_background(
                partial(
                    start_pool, count, initializer=_worker_init, initargs=(self.policy, str(cwd))
                )
            )

    def close(self) -> None:
        """Stop the workers :meth:`start` started, if :meth:`run` has not used them."""
        pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool.result())

    def run(
        self,
        jobs: Sequence[ReportJob],
        *,
        on_done: Callable[[ReportResult], None] | None = None,
        deadline: float | None = None,
    ) -> list[ReportResult]:
        """See :meth:`kpilib.run.executors.Executor.run`."""
        started, self._pool = self._pool, None
        pool = None if started is None else started.result()
        return run_in_pool(
            jobs,
            run_warm_job,
            workers=self.jobs,
            on_done=on_done,
            initializer=_worker_init,
            initargs=(self.policy,),
            deadline=deadline,
            pool=pool,
        )
