"""How report notebooks are executed: one small interface, one strategy per class.

The runner hands an :class:`Executor` a list of :class:`ReportJob` and gets back
one :class:`ReportResult` per job, in the same order. A job's failure is a
result, never an exception, so one report cannot stop the others. Jobs and
results are plain picklable dataclasses, so a strategy may run them in other
processes or on other machines.

Contract of a strategy, for each job:

1. execute ``job.notebook`` with ``job.parameters`` in a ``python3`` kernel of
   this environment (working directory ``job.cwd``) and store the executed
   notebook at ``job.output_notebook`` - also when it failed, so the error can
   be read in it;
2. on success, render ``job.html`` from it (:func:`kpilib.report.render.render_report`);
   on failure, remove a ``job.html`` left by an earlier run, so no stale report
   looks current;
3. write every file atomically.

:func:`run_job` does exactly that with Papermill and is what
:class:`PapermillExecutor` runs in a process pool; a warm-kernel or Dask
strategy replaces the execution and keeps :func:`render_job`.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol

import nbformat
import psutil

from kpilib.errors import ReportError
from kpilib.report.fonts import FontSubset
from kpilib.report.render import PageHeader, render_report
from kpilib.report.store import replace_with, temp_path_for
from kpilib.run import fork_server

#: The kernel every report runs in: the ipykernel of the Python running kpilib
#: (jupyter_client starts the ``python3`` kernelspec with ``sys.executable``).
KERNEL_NAME = "python3"
#: Characters of the failing cell's source kept in the result.
SOURCE_EXCERPT = 600
#: Characters of the traceback's end kept in the result.
TRACEBACK_EXCERPT = 2000

Status = Literal["ok", "failed"]
Stage = Literal["execute", "render"]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class ReportJob:
    """One notebook to execute and render.

    ``key`` names the report uniquely within the month (``unit_X01``,
    ``summary``, ``sampling_plan``); ``title`` is the HTML page title.
    """

    key: str
    notebook: Path
    parameters: Mapping[str, Any]
    output_notebook: Path
    html: Path | None
    title: str
    cwd: Path
    #: The CJK glyphs made once for the run's pages (None: each page makes its own).
    font: FontSubset | None = None
    #: The page's header: unit, month, scheme, data fingerprint, link to the index.
    header: PageHeader | None = None


@dataclass(frozen=True)
class Failure:
    """Why a report failed.

    ``cell_index`` counts the cells of the source notebook from 0 and
    ``execution_count`` is the ``In [n]`` of the executed one; both are None
    when the failure is not in a cell (kernel died, rendering failed).
    """

    stage: Stage
    ename: str
    evalue: str
    cell_index: int | None = None
    execution_count: int | None = None
    source: str = ""
    traceback: str = ""

    def to_error(self, report: str) -> ReportError:
        """The failure as the exception kpilib raises for a failed report."""
        return ReportError(report, cell=self.cell_index, ename=self.ename, evalue=self.evalue)


@dataclass(frozen=True)
class ReportResult:
    """What became of one job; ``duration_s`` is ``execute_s + render_s``."""

    key: str
    status: Status
    execute_s: float
    render_s: float = 0.0
    failure: Failure | None = None
    worker: str = field(default="", compare=False)

    @property
    def duration_s(self) -> float:
        return self.execute_s + self.render_s

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Executor(Protocol):
    """An execution strategy: run every job, report each result as it arrives."""

    def run(
        self,
        jobs: Sequence[ReportJob],
        *,
        on_done: Callable[[ReportResult], None] | None = None,
        deadline: float | None = None,
    ) -> list[ReportResult]:
        """Execute and render ``jobs``; return their results in the order of ``jobs``.

        ``on_done`` is called in the caller's process once per job, as soon as
        its result is known (in completion order). Never raises for a job's failure.
        ``deadline`` (a :func:`time.monotonic` instant): jobs not done by then fail.
        """
        ...


# --------------------------------------------------------------------------- one job


def run_job(job: ReportJob, *, cell_timeout: int | None = 600) -> ReportResult:
    """Execute ``job`` with Papermill and render it; never raises for a report's failure."""
    started = time.perf_counter()
    with _kernel_stderr() as kernel_log:
        failure = execute_job(job, cell_timeout=cell_timeout)
    execute_s = time.perf_counter() - started
    if failure is not None and failure.cell_index is None and kernel_log:
        failure = replace(failure, traceback=_tail(kernel_log[0], TRACEBACK_EXCERPT))
    if failure is not None:
        if job.html is not None:
            job.html.unlink(missing_ok=True)
        return ReportResult(job.key, "failed", execute_s, failure=failure, worker=str(os.getpid()))
    started = time.perf_counter()
    failure = render_job(job)
    render_s = time.perf_counter() - started
    status: Status = "ok" if failure is None else "failed"
    return ReportResult(job.key, status, execute_s, render_s, failure, worker=str(os.getpid()))


def execute_job(
    job: ReportJob,
    *,
    cell_timeout: int | None = 600,
    engine: str | None = None,
    engine_kwargs: Mapping[str, Any] | None = None,
) -> Failure | None:
    """Execute the notebook of ``job`` into ``job.output_notebook``; return the failure if any.

    By default Papermill starts a fresh kernel in ``job.cwd``; with ``engine`` (a
    registered Papermill engine, e.g. :data:`kpilib.run.warm.ENGINE`) and its
    ``engine_kwargs``, that engine executes the cells and the working directory is
    the engine's kernel's.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    job.output_notebook.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(job.output_notebook)
    failure = None
    try:
        try:
            papermill.execute_notebook(
                str(job.notebook),
                str(tmp),
                parameters=dict(job.parameters),
                kernel_name=KERNEL_NAME,
                engine_name=engine,
                cwd=None if engine else str(job.cwd),
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=cell_timeout,
                **dict(engine_kwargs or {}),
            )
        except PapermillExecutionError as exc:
            failure = Failure(
                stage="execute",
                ename=exc.ename,
                evalue=exc.evalue,
                cell_index=_source_cell_index(job, exc.cell_index),
                execution_count=exc.exec_count,
                source=_excerpt(exc.source, SOURCE_EXCERPT),
                traceback=_tail(_ANSI.sub("", "\n".join(exc.traceback)), TRACEBACK_EXCERPT),
            )
        except Exception as exc:  # kernel died, timed out, notebook unreadable: still a result
            failure = _failure_of(job, exc, cell_timeout)
        if tmp.exists():
            replace_with(tmp, job.output_notebook)
        elif failure is not None:
            job.output_notebook.unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    return failure


def _failure_of(job: ReportJob, exc: Exception, cell_timeout: int | None) -> Failure:
    """A failure outside a cell's own error; a timed-out cell is found and named."""
    if type(exc).__name__ != "CellTimeoutError":
        return Failure(stage="execute", ename=type(exc).__name__, evalue=str(exc))
    # nbclient's message previews the cell's first lines; find that cell in the notebook.
    first = _preview_line(str(exc))
    cells = nbformat.read(job.notebook, as_version=4).cells
    index = next(
        (
            i
            for i, cell in enumerate(cells)
            if cell.cell_type == "code" and first and first in cell.source
        ),
        None,
    )
    where = f"第 {index} 格 (cell {index})" if index is not None else "某一格 (a cell)"
    source = cells[index].source if index is not None else ""
    return Failure(
        stage="execute",
        ename="CellTimeoutError",
        evalue=f"{where} ran longer than the cell timeout of {cell_timeout} s (params/run.yaml)",
        cell_index=index,
        source=_excerpt(source, SOURCE_EXCERPT),
        traceback=_tail(str(exc), TRACEBACK_EXCERPT),
    )


def _preview_line(message: str) -> str:
    """The first line of the cell preview in nbclient's timeout message ("" if none).

    >>> _preview_line("...preview of the cell contents:\\n----\\nimport time\\nx\\n----\\n")
    'import time'
    >>> _preview_line("...preview of the cell contents:\\n----\\n['a = 1', 'b']\\n----\\n")
    'a = 1'
    """
    section = message.split("preview of the cell contents:")[-1]
    body = [line.strip() for line in section.splitlines() if line.strip("- \t")]
    if not body:
        return ""
    quoted = re.match(r"\[\s*'((?:[^'\\]|\\.)*)'", body[0])
    return quoted.group(1).strip() if quoted else body[0]


def render_job(job: ReportJob) -> Failure | None:
    """Render the executed notebook of ``job`` to ``job.html``; return the failure if any."""
    if job.html is None:
        return None
    try:
        render_report(
            job.output_notebook, job.html, title=job.title, font=job.font, header=job.header
        )
    except Exception as exc:
        return Failure(stage="render", ename=type(exc).__name__, evalue=str(exc))
    return None


@contextmanager
def _kernel_stderr() -> Iterator[list[str]]:
    """Send file descriptor 2 (inherited by the kernel) to a temporary file meanwhile.

    Kernels log start-up notices and shutdown interrupts there; they would
    garble the progress bar. The text is yielded (as the list's one item,
    after the block) so a kernel that died can be explained.
    """
    import tempfile

    captured: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            log.seek(0)
            captured.append(log.read().decode("utf-8", errors="replace"))


def _source_cell_index(job: ReportJob, executed_index: int) -> int:
    """Map a cell index of the executed notebook back to the source notebook.

    Papermill inserts one cell (tagged ``injected-parameters``) after the
    ``parameters`` cell when parameters are given.
    """
    import nbformat

    if not job.parameters:
        return executed_index
    cells = nbformat.read(job.notebook, as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    injected_at = tagged[0] + 1 if tagged else 0
    return executed_index - 1 if executed_index > injected_at else executed_index


def _excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


# --------------------------------------------------------------------------- strategies


class PapermillExecutor:
    """Papermill in a pool of ``jobs`` worker processes, one fresh kernel per report.

    Workers are started with ``forkserver`` (no copy of the caller's threads
    or warning filters) and each runs one report at a time, so Papermill's
    change of working directory never races.
    """

    def __init__(self, jobs: int = 1, *, cell_timeout: int | None = 600):
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs!r}")
        self.jobs = jobs
        self.cell_timeout = cell_timeout

    def run(
        self,
        jobs: Sequence[ReportJob],
        *,
        on_done: Callable[[ReportResult], None] | None = None,
        deadline: float | None = None,
    ) -> list[ReportResult]:
        """See :meth:`Executor.run`."""
        work = partial(run_job, cell_timeout=self.cell_timeout)
        return run_in_pool(jobs, work, workers=self.jobs, on_done=on_done, deadline=deadline)


def start_pool(
    workers: int,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for :func:`run_in_pool`, started now.

    Each process runs :func:`worker_setup` and ``initializer`` at once, so what they
    start (a warm kernel) is ready when the jobs come, e.g. started while the caller
    computes the shared results. Stop it with :func:`stop_pool` if it is not used.
    """
    pool = _new_pool(workers, initializer, initargs)
    for _ in range(workers):
        # no process is idle yet, so each submission starts one
        pool.submit(os.getpid)
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the processes of a pool :func:`start_pool` started (and their kernels)."""
    _stop_workers(pool)


def _new_pool(
    workers: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=fork_server.context(),
        initializer=worker_setup,
        initargs=(os.getpid(), initializer, initargs),
    )


def run_in_pool(
    jobs: Sequence[ReportJob],
    work: Callable[[ReportJob], ReportResult],
    *,
    workers: int,
    on_done: Callable[[ReportResult], None] | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    deadline: float | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[ReportResult]:
    """Run ``work`` on every job in a pool of ``workers`` processes; results in job order.

    Workers are started with ``forkserver`` (no copy of the caller's threads or
    warning filters), each runs one report at a time, ignores Ctrl-C (the caller
    decides), stops its kernel and exits on SIGTERM, and exits by itself when the
    caller's process is gone (see :func:`worker_setup`). A worker process that dies
    fails its report, never the run. ``deadline`` is a :func:`time.monotonic` instant:
    reports not done by then fail with ``RunDeadline``. ``pool``: one that
    :func:`start_pool` started (``workers``, ``initializer`` and ``initargs`` are then
    its own); it is shut down at the end like a pool made here.

    Raises
    ------
    KeyboardInterrupt, SystemExit
        As received; every worker is stopped first (so no report is written after).
    """
    if not jobs:
        if pool is not None:
            pool.shutdown(wait=True)
        return []
    results: list[ReportResult | None] = [None] * len(jobs)
    if pool is None:
        pool = _new_pool(min(workers, len(jobs)), initializer, initargs)
    futures = {pool.submit(work, job): i for i, job in enumerate(jobs)}
    try:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            for future in as_completed(futures, timeout=timeout):
                i = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker process itself died
                    failure = Failure(stage="execute", ename=type(exc).__name__, evalue=str(exc))
                    result = ReportResult(jobs[i].key, "failed", 0.0, failure=failure)
                results[i] = result
                if on_done is not None:
                    on_done(result)
        except TimeoutError:
            _stop_workers(pool)
            for i in futures.values():
                if results[i] is None:
                    failure = Failure(
                        stage="execute",
                        ename="RunDeadline",
                        evalue="the run reached its deadline (kernels.run_deadline_min, "
                        "params/run.yaml) before this report finished",
                    )
                    results[i] = ReportResult(jobs[i].key, "failed", 0.0, failure=failure)
                    if on_done is not None:
                        on_done(results[i])
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]


def _stop_workers(pool: ProcessPoolExecutor, grace_s: float = 5.0) -> None:
    """Stop every worker now: SIGTERM (each stops its kernel), then SIGKILL if needed."""
    processes = list((pool._processes or {}).values())  # no public way to reach them
    for process in processes:
        if process.is_alive():
            process.terminate()
    limit = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, limit - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)
    pool.shutdown(wait=False, cancel_futures=True)


#: Called in a worker when it must stop at once (e.g. to kill its kernel).
_ON_STOP: list[Callable[[], object]] = []


def on_worker_stop(callback: Callable[[], object]) -> None:
    """Register what a worker does before it exits on SIGTERM or its caller's death."""
    _ON_STOP.append(callback)


def _stop_now(*_: object) -> None:
    for callback in _ON_STOP:
        with suppress(Exception):  # stopping anyway; nothing is left to report to
            callback()
    os._exit(1)


def _watch_caller(caller_pid: int, every_s: float = 0.5) -> None:
    # A caller killed with SIGKILL may linger as a zombie until reaped: that is gone too.
    while True:
        time.sleep(every_s)
        try:
            gone = psutil.Process(caller_pid).status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            gone = True
        if gone:
            _stop_now()


def worker_setup(
    caller_pid: int,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> None:
    """Prepare a worker process: signals, a watch on the caller, then ``initializer``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_now)
    threading.Thread(target=_watch_caller, args=(caller_pid,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)
