"""Reports on a Dask cluster: warm kernels on every worker, nothing lost when one dies.

:class:`DaskExecutor` is the :class:`~kpilib.run.executors.Executor` of
``kpi run --executor dask [--scheduler ADDRESS]``. Without an address it starts a
``LocalCluster`` of ``jobs`` worker processes (one thread each) on this machine; with
one, it connects to the running cluster, and a scheduler that cannot be reached is one
:class:`SchedulerError` before any work.

Each worker holds the plugin :data:`PLUGIN_NAME` (class ``WarmKernels``): one warm
kernel (:mod:`kpilib.run.warm`, the same one the local executor keeps) that runs the
worker's reports one at a time, and a private folder. A report on a worker therefore
costs what it costs in the local warm executor.

Workers need not share the driver's disk. The run's *bundle* - the shared results
(``OUT/MONTH/data/*.parquet``), the notebooks, the page font, the kpilib version and
the hashes of ``params/`` - goes to every worker once per run, as a worker plugin (so a
worker that replaces a dead one gets it too). A worker writes it into its folder on
its first report of the run, runs each report there, and returns the executed notebook and the
HTML as bytes; the driver writes them atomically to ``job.output_notebook`` and
``job.html`` and calls ``on_done`` as reports finish. The executed notebook reads as if
it had run on the driver: its injected parameters and Papermill metadata name the
driver's paths. With ``shared_fs=True`` (``--shared-fs``) nothing travels: workers read
the inputs and write the outputs where the driver's jobs say.

The input files of the month do not travel: a worker reads the shared results only.
Their fingerprint (:func:`kpilib.report.store.results_fingerprint`) is restamped, before
each report, for the worker's stand-in input folder, after checking that the worker's
kpilib version and ``params/`` files are the driver's (a report fails naming the
difference otherwise), so that :func:`kpilib.open_results` in the notebook takes them as
current. (The library's source hash is not compared: in a working tree it changes while
a run goes on, and the local executors do not compare it either.)

Faults: a worker that dies while running a report loses nothing: the scheduler runs
the report again on another worker (at most ``retries`` more times on a LocalCluster;
on an existing cluster its ``distributed.scheduler.allowed-failures``), after which
the report is a failed result with the reason. Reports not finished by the deadline
are failed results (``RunDeadline``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nbformat

from kpilib import __version__
from kpilib.errors import KpiError
from kpilib.paths import RUN_SETTINGS
from kpilib.report import render
from kpilib.report.fonts import FontSubset
from kpilib.report.store import (
    input_hashes,
    read_fingerprint,
    results_fingerprint,
    write_bytes_atomic,
    write_fingerprint,
)
from kpilib.run import warm
from kpilib.run.executors import Failure, ReportJob, ReportResult, render_job
from kpilib.run.settings import load_run_settings

#: Name of the worker plugin holding the warm kernel.
PLUGIN_NAME = "kpilib-warm-kernels"
#: Runs of a report after the first when its worker dies (LocalCluster).
RETRIES = 2
#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT_S = 10
#: Bundles a worker keeps on disk (older ones are removed).
BUNDLES_KEPT = 2
_STAND_IN = "inputs"  # the worker's stand-in for the driver's input folder


class SchedulerError(KpiError):
    """The Dask scheduler cannot be reached or the cluster cannot start; says which."""


# --------------------------------------------------------------------------- the bundle


@dataclass(frozen=True)
class Bundle:
    """What every worker needs once per run when it does not share the driver's disk.

    ``files`` maps ``data/<table>.parquet`` and ``notebooks/<i>/<name>.ipynb`` to their
    bytes; ``notebooks`` maps the driver's notebook paths to those keys; ``digest``
    names the bundle (SHA-256 of the files).
    """

    month: str
    results_dir: str
    files: Mapping[str, bytes]
    notebooks: Mapping[str, str]
    kpilib_version: str
    params_hashes: Mapping[str, str]
    font: FontSubset | None
    digest: str


def make_bundle(jobs: Sequence[ReportJob]) -> Bundle:
    """The bundle of ``jobs``: their shared results folder, notebooks and font.

    Every job must read the same ``results_dir`` for the same ``month``.
    """
    results = {str(job.parameters.get("results_dir")) for job in jobs}
    months = {str(job.parameters.get("month")) for job in jobs}
    if len(results) != 1 or len(months) != 1:
        raise ValueError(
            f"jobs must share one month and results_dir, got months {sorted(months)} "
            f"and results_dir {sorted(results)}"
        )
    [results_dir], [month] = results, months
    files: dict[str, bytes] = {}
    folder = Path(results_dir)
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            files[f"data/{path.name}"] = path.read_bytes()
    notebooks: dict[str, str] = {}
    for job in jobs:
        if str(job.notebook) not in notebooks:
            key = f"notebooks/{len(notebooks)}/{job.notebook.name}"
            notebooks[str(job.notebook)] = key
            files[key] = job.notebook.read_bytes()
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    params = {
        k: v
        for k, v in input_hashes(Path(tempfile.gettempdir()), month).items()
        if k.startswith("params/")
    }
    return Bundle(
        month=month,
        results_dir=results_dir,
        files=files,
        notebooks=notebooks,
        kpilib_version=__version__,
        params_hashes=params,
        font=next((job.font for job in jobs if job.font is not None), None),
        digest=digest.hexdigest(),
    )


# --------------------------------------------------------------------------- on a worker


class _WorkerState:
    """A worker's folder and lock; one report runs at a time on the worker's kernel."""

    def __init__(self, address: str, folder: str | None = None) -> None:
        self.address = address
        # in the worker's own folder when it has one (Dask removes those of dead workers)
        self.root = Path(tempfile.mkdtemp(prefix="kpilib-dask-", dir=folder))
        self.cwd = self.root / "cwd"  # the warm kernel's working directory, kept across runs
        self.cwd.mkdir()
        self.lock = threading.Lock()
        self.bundles: list[str] = []

    def unpack(self, bundle: Bundle) -> Path:
        """The bundle's folder on this worker, written on its first use."""
        folder = self.root / "runs" / bundle.digest[:20]
        if bundle.digest in self.bundles:
            return folder
        mismatch = _mismatch(bundle)
        if mismatch:
            raise RuntimeError(mismatch)
        shutil.rmtree(folder, ignore_errors=True)
        for name, data in bundle.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (folder / "data").mkdir(exist_ok=True)
        (folder / _STAND_IN / bundle.month).mkdir(parents=True)
        self.bundles.append(bundle.digest)
        for old in self.bundles[:-BUNDLES_KEPT]:
            shutil.rmtree(self.root / "runs" / old[:20], ignore_errors=True)
        self.bundles = self.bundles[-BUNDLES_KEPT:]
        return folder

    @staticmethod
    def restamp(folder: Path, month: str) -> None:
        """Stamp the bundle's shared results as made from the stand-in input folder.

        Done before each report: :func:`kpilib.open_results` compares the fingerprint
        with the library as it is when the report runs.
        """
        results = folder / "data"
        history = load_run_settings(RUN_SETTINGS).history_months
        fingerprint = results_fingerprint(folder / _STAND_IN, month, history_months=history)
        if read_fingerprint(results) != fingerprint:
            write_fingerprint(results, fingerprint)

    def forget(self, bundle: Bundle) -> None:
        """Remove the bundle's folder (its run is over)."""
        with self.lock:
            if bundle.digest in self.bundles:
                self.bundles.remove(bundle.digest)
            shutil.rmtree(self.root / "runs" / bundle.digest[:20], ignore_errors=True)

    def close(self) -> None:
        warm._retire_kernel()
        shutil.rmtree(self.root, ignore_errors=True)


def _mismatch(bundle: Bundle) -> str:
    """Why this worker cannot use ``bundle`` ("" when it can)."""
    if __version__ != bundle.kpilib_version:
        return (
            f"this worker's kpilib {__version__} differs from the driver's "
            f"{bundle.kpilib_version}; install the same kpilib on every worker"
        )
    here = {
        k: v
        for k, v in input_hashes(Path(tempfile.gettempdir()), bundle.month).items()
        if k.startswith("params/")
    }
    if here != dict(bundle.params_hashes):
        differ = sorted(set(here.items()) ^ set(bundle.params_hashes.items()))
        names = sorted({k for k, _ in differ})
        return (
            f"this worker's params/ differ from the driver's ({', '.join(names)}); "
            "give every worker the driver's params/ folder"
        )
    return ""


def _plugin_classes() -> dict[str, type]:
    """The worker plugin classes (built on first use: importing distributed takes a while)."""
    from distributed import WorkerPlugin

    class WarmKernels(WorkerPlugin):
        """Keeps one warm kernel and a private folder on each worker (see the module)."""

        idempotent = True  # registered again by each run: a worker keeps its kernel

        def __init__(self) -> None:
            self.state: _WorkerState | None = None

        def setup(self, worker: Any) -> None:
            self.state = _WorkerState(worker.address, getattr(worker, "local_directory", None))

        def teardown(self, worker: Any) -> None:
            if self.state is not None:
                self.state.close()

    class RunBundle(WorkerPlugin):
        """Carries a run's :class:`Bundle` to every worker, those that join later included.

        The scheduler keeps it and hands it to each worker once (a worker that replaces
        a dead one gets it too); the worker unpacks it on its first report.
        """

        idempotent = True  # the same bundle (by digest) is not sent twice

        def __init__(self, bundle: Bundle) -> None:
            self.bundle = bundle

        def teardown(self, worker: Any) -> None:
            warm_plugin = worker.plugins.get(PLUGIN_NAME)
            if warm_plugin is not None and warm_plugin.state is not None:
                warm_plugin.state.forget(self.bundle)

    for cls in (WarmKernels, RunBundle):
        cls.__module__ = __name__
    return {"WarmKernels": WarmKernels, "RunBundle": RunBundle}


_CLASSES: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    # The plugin classes are module attributes for pickle (by reference), made on first use.
    if name in ("WarmKernels", "RunBundle"):
        if not _CLASSES:
            _CLASSES.update(_plugin_classes())
        return _CLASSES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bundle_plugin_name(bundle: Bundle) -> str:
    """Name of the worker plugin carrying ``bundle``."""
    return f"kpilib-bundle-{bundle.digest[:20]}"


def _state() -> _WorkerState:
    from distributed import get_worker

    plugin = get_worker().plugins[PLUGIN_NAME]
    if plugin.state is None:  # setup not run (never by distributed itself)
        raise RuntimeError(f"worker plugin {PLUGIN_NAME} was not set up")
    return plugin.state


def warm_worker(policy: warm.KernelPolicy, cwd: str | None) -> str:
    """Start this worker's kernel and renderer now (``cwd``: shared filesystem only)."""
    state = _state()
    with state.lock:
        warm._set_policy(policy)
        try:
            warm._kernel_in(Path(cwd) if cwd else state.cwd)
        except Exception:  # only a head start: the first report starts it and says why
            warm._retire_kernel()
        with suppress(Exception):  # only a head start: the first page renders it anyway
            render.warm_up()
    return state.address


def run_on_worker(
    job: ReportJob, bundle_name: str | None, policy: warm.KernelPolicy
) -> tuple[ReportResult, bytes | None, bytes | None]:
    """Run ``job`` on this worker's warm kernel (task of :class:`DaskExecutor`).

    With ``bundle_name`` (the plugin carrying the run's :class:`Bundle`), the job runs
    in the worker's folder and the executed notebook and HTML come back as bytes (None
    when not made); without (shared filesystem), they are written where the job says
    and None, None come back.
    """
    from distributed import get_worker

    state = _state()
    bundle = None if bundle_name is None else get_worker().plugins[bundle_name].bundle
    with state.lock:
        warm._set_policy(policy)
        worker = f"{state.address} pid {os.getpid()}"
        if bundle is None:
            return replace(warm.run_warm_job(job), worker=worker), None, None
        try:
            folder = state.unpack(bundle)
            state.restamp(folder, bundle.month)
        except Exception as exc:
            failure = Failure(stage="execute", ename=type(exc).__name__, evalue=str(exc))
            return ReportResult(job.key, "failed", 0.0, failure=failure, worker=worker), None, None
        local = _local_job(job, bundle, folder, state.cwd)
        try:
            result = warm.run_warm_job(replace(local, html=None))
            execute_s, render_s, failure = result.execute_s, 0.0, result.failure
            if local.output_notebook.is_file():
                _as_on_driver(local.output_notebook, job)
            if failure is None and local.html is not None:
                started = time.perf_counter()
                failure = render_job(local)
                render_s = time.perf_counter() - started
            notebook = _read(local.output_notebook)
            html = _read(local.html) if failure is None and local.html is not None else None
        finally:
            shutil.rmtree(local.output_notebook.parent, ignore_errors=True)
        status = "ok" if failure is None else "failed"
        result = ReportResult(job.key, status, execute_s, render_s, failure, worker=worker)
        return result, notebook, html


def _local_job(job: ReportJob, bundle: Bundle, folder: Path, cwd: Path) -> ReportJob:
    """``job`` pointed at the worker's copies; outputs go to a folder of its own."""
    parameters = dict(job.parameters)
    parameters["results_dir"] = str(folder / "data")
    if "data_dir" in parameters:
        parameters["data_dir"] = str(folder / _STAND_IN)
    out = Path(tempfile.mkdtemp(prefix=f"{job.key}-", dir=folder))
    return replace(
        job,
        notebook=folder / bundle.notebooks[str(job.notebook)],
        parameters=parameters,
        output_notebook=out / job.output_notebook.name,
        html=None if job.html is None else out / job.html.name,
        cwd=cwd,
        font=bundle.font,
    )


def _as_on_driver(executed: Path, job: ReportJob) -> None:
    """Make the executed notebook name the driver's paths and parameters, as if run there."""
    from papermill.translators import translate_parameters

    nb = nbformat.read(executed, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = translate_parameters(kernel, language, dict(job.parameters), "Parameters")
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["parameters"] = dict(job.parameters)
        meta["input_path"] = str(job.notebook)
        meta["output_path"] = str(job.output_notebook)
    nbformat.write(nb, executed)


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None and path.is_file() else None


# --------------------------------------------------------------------------- the strategy


class DaskExecutor:
    """Reports on a Dask cluster, one warm kernel per worker (see the module).

    Parameters
    ----------
    jobs : workers of the LocalCluster started when ``scheduler`` is None.
    scheduler : address of a running scheduler (``tcp://host:8786``); it is
        connected to at once, so an unreachable one raises before any work.
    policy : when kernels are replaced, and the cell timeout.
    shared_fs : workers see the driver's files at the same paths; nothing travels.
    retries : runs of a report after the first when its worker dies (LocalCluster;
        an existing cluster applies its own ``allowed-failures``).

    Raises
    ------
    SchedulerError
        When ``scheduler`` cannot be reached.
    """

    def __init__(
        self,
        jobs: int = 2,
        *,
        scheduler: str | None = None,
        policy: warm.KernelPolicy | None = None,
        shared_fs: bool = False,
        retries: int = RETRIES,
    ) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs!r}")
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, got {retries!r}")
        self.jobs = jobs
        self.scheduler = scheduler
        self.policy = policy or warm.KernelPolicy()
        self.shared_fs = shared_fs
        self.retries = retries
        self._cluster: Any = None
        self._client: Any = None
        self._warming: list[Any] = []
        if scheduler is not None:
            self._connect()

    # ----------------------------------------------------------------- cluster

    def _connect(self) -> Any:
        """The client, connecting (or starting the LocalCluster) on first use."""
        if self._client is not None:
            return self._client
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise SchedulerError(
                f"--executor dask needs Dask ({exc}); install it: pip install 'kpilib[dask]'"
            ) from None

        if self.scheduler is not None:
            try:
                client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SchedulerError(
                    f"Dask scheduler {self.scheduler!r} cannot be reached ({reason}); "
                    "start it (dask scheduler) or give the right --scheduler address"
                ) from None
        else:
            with dask.config.set({"distributed.scheduler.allowed-failures": self.retries}):
                try:
                    cluster = LocalCluster(
                        n_workers=self.jobs,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                except Exception as exc:
                    raise SchedulerError(f"Dask LocalCluster could not start: {exc}") from exc
            self._cluster = cluster
            client = Client(cluster, set_as_default=False)
        client.register_plugin(__getattr__("WarmKernels")(), name=PLUGIN_NAME)
        self._client = client
        return client

    def start(self, cwd: Path, *, workers: int | None = None) -> None:
        """Start the cluster (LocalCluster) and every worker's kernel now, ahead of :meth:`run`.

        The runner calls it before it computes the shared results, so that the kernels'
        start overlaps that work. ``workers`` is ignored: every worker warms up.
        """
        client = self._connect()
        where = str(cwd) if self.shared_fs else None
        self._warming = [
            client.submit(warm_worker, self.policy, where, workers=[address], pure=False)
            for address in client.scheduler_info()["workers"]
        ]

    def close(self) -> None:
        """Disconnect; stop the LocalCluster (and its workers' kernels) if one was started."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        self._warming = []
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (connecting on first use)."""
        return self._connect()

    # ----------------------------------------------------------------- run

    def run(
        self,
        jobs: Sequence[ReportJob],
        *,
        on_done: Callable[[ReportResult], None] | None = None,
        deadline: float | None = None,
    ) -> list[ReportResult]:
        """See :meth:`kpilib.run.executors.Executor.run`."""
        if not jobs:
            return []
        from distributed import as_completed

        client = self._connect()
        if self.shared_fs:
            name = None
            sent = list(jobs)
        else:  # sent once to every worker (and to any that joins), not with each report
            bundle = make_bundle(jobs)
            name = bundle_plugin_name(bundle)
            client.register_plugin(__getattr__("RunBundle")(bundle), name=name)
            sent = [replace(job, font=None) for job in jobs]
        futures = {
            client.submit(
                run_on_worker,
                job,
                name,
                self.policy,
                key=f"kpilib-{job.key}-{os.urandom(4).hex()}",
                retries=self.retries,
                pure=False,
            ): i
            for i, job in enumerate(sent)
        }
        results: list[ReportResult | None] = [None] * len(jobs)

        def finish(i: int, result: ReportResult) -> None:
            results[i] = result
            if on_done is not None:
                on_done(result)

        try:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                for future in as_completed(list(futures), loop=client.loop, timeout=timeout):
                    i = futures[future]
                    finish(i, self._collect(jobs[i], future))
            except TimeoutError:
                for future, i in futures.items():
                    if results[i] is None:
                        future.cancel()
                        failure = Failure(
                            stage="execute",
                            ename="RunDeadline",
                            evalue="the run reached its deadline (kernels.run_deadline_min, "
                            "params/run.yaml) before this report finished",
                        )
                        finish(i, ReportResult(jobs[i].key, "failed", 0.0, failure=failure))
        except BaseException:
            client.cancel(list(futures))
            self.close()
            raise
        finally:
            if name is not None and self._client is not None:
                with suppress(Exception):  # only frees the workers' copies
                    client.unregister_worker_plugin(name)
        return [r for r in results if r is not None]

    def _collect(self, job: ReportJob, future: Any) -> ReportResult:
        """The finished report: files written atomically on the driver, or its failure."""
        try:
            result, notebook, html = future.result()
        except Exception as exc:  # the worker died too often, or the task broke
            name = type(exc).__name__
            evalue = str(exc).splitlines()[0] if str(exc) else name
            if name == "KilledWorker":
                evalue = (
                    f"every worker that ran this report died ({self.retries + 1} tries "
                    f"on a LocalCluster; the scheduler's allowed-failures otherwise): {evalue}"
                )
            failure = Failure(stage="execute", ename=name, evalue=evalue)
            result, notebook, html = (
                ReportResult(job.key, "failed", 0.0, failure=failure),
                None,
                None,
            )
        if not self.shared_fs:
            if notebook is not None:
                write_bytes_atomic(job.output_notebook, notebook)
            elif not result.ok:
                job.output_notebook.unlink(missing_ok=True)
            if job.html is not None:
                if result.ok and html is not None:
                    write_bytes_atomic(job.html, html)
                else:
                    job.html.unlink(missing_ok=True)
        elif not result.ok and job.html is not None:
            job.html.unlink(missing_ok=True)
        return result


__all__ = [
    "PLUGIN_NAME",
    "Bundle",
    "DaskExecutor",
    "SchedulerError",
    "make_bundle",
    "run_on_worker",
    "warm_worker",
]
