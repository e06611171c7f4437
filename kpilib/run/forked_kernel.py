"""Report kernels forked from their worker instead of started from a new interpreter.

A warm kernel (:mod:`kpilib.run.warm`) started as ``python -m ipykernel_launcher`` spends
about 2.5 s of one core importing IPython, pandas, matplotlib, seaborn and kpilib before
its first report, while the run computes its shared results on the same two cores. The
report workers are forked from the run's fork server, which imports those modules once
(:mod:`kpilib.run.kernel_modules`, preloaded by :mod:`kpilib.run.fork_server`); a worker that
forks its kernel gives it all of them at no cost (the pages are shared until written),
and the kernel only starts ipykernel's application.

:class:`ForkingProvisioner` is a jupyter_client kernel provisioner (entry point
``kpilib-fork`` in pyproject.toml) whose launch forks and runs the kernel command's
``ipykernel_launcher`` in the child, as the command would in a new process: its own
session (Ctrl-C in the terminal does not reach it), the command's working directory,
environment, standard streams and arguments, the ``sys.path`` of a new interpreter,
default signal handlers, no exit handlers of the worker, the warning filters a new
kernel has after the same imports, matplotlib's backend chosen by the environment as a
new kernel's, and numpy's global random state seeded afresh. A command that is not
``ipykernel_launcher`` on this interpreter, or a process that did not preload the
kernels' modules first (a Dask worker), starts the kernel the usual way.
:class:`ForkedKernelManager` is the kernel manager that asks for it.

The parent's threads are not copied by a fork: a worker has its watch on the caller
(sleeping, or reading ``/proc``) and zmq's I/O threads, neither of which holds a lock
the kernel takes; the kernel makes its own zmq context (pyzmq's ``Context.instance``
is per process).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import setproctitle
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

#: The provisioner's entry point name (``[project.entry-points]`` in pyproject.toml).
PROVISIONER = "kpilib-fork"
#: The backend a new kernel gives matplotlib when the environment names none (ipykernel's).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Seconds between two looks at a forked kernel that :meth:`ForkedProcess.wait` waits for.
_WAIT_STEP_S = 0.01


class ForkedProcess:
    """A forked kernel's process, with the part of :class:`subprocess.Popen` that
    jupyter_client and the warm executor use (``pid``, ``returncode``, ``poll``, ``wait``,
    ``send_signal``, ``terminate``, ``kill``). It has no pipes."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, args: Sequence[str]) -> None:
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code once the process ended (reaping it), else None."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere, as Popen assumes too
                self.returncode = 0
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end; :class:`subprocess.TimeoutExpired` after ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(_WAIT_STEP_S)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the process unless it has already ended."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """Ask the process to end (SIGTERM)."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """End the process at once (SIGKILL)."""
        self.send_signal(signal.SIGKILL)


@cache
def fresh_sys_path() -> tuple[str, ...]:
    """``sys.path`` of a new interpreter of this Python, without its first entry.

    What a kernel started from its command has: ``python -m`` puts the working folder
    first as ``""``, which ``ipykernel_launcher`` removes (IPython adds ``""`` back
    later, in the forked kernel too). A forked process has its parent's instead, with
    whatever that program added to it.
    """
    probe = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
        capture_output=True,
        check=True,
        text=True,
    )
    return tuple(json.loads(probe.stdout))


def kernel_warning_filters() -> tuple | None:
    """The warning filters a new kernel has after its imports, when this process imported
    :mod:`kpilib.run.kernel_modules` before its own modules (else None: see there)."""
    preloaded = sys.modules.get("kpilib.run.kernel_modules")
    return None if preloaded is None else preloaded.WARNING_FILTERS


def _launcher_arguments(cmd: Sequence[str]) -> list[str] | None:
    """The arguments of ``python -m ipykernel_launcher ARGS`` on this interpreter, or None."""
    if len(cmd) < 3 or list(cmd[1:3]) != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same = os.path.samefile(os.path.expanduser(cmd[0]), sys.executable)
    except OSError:
        return None
    return list(cmd[3:]) if same else None


def _fd(stream: Any) -> int | None:
    """The file descriptor of a stream argument: None (inherited), a descriptor or a file.

    Raises
    ------
    ValueError
        For anything else (Popen's PIPE, DEVNULL): :func:`_forkable` sends those to Popen.
    """
    if stream is None:
        return None
    if isinstance(stream, int) and not isinstance(stream, bool) and stream >= 0:
        return stream
    if hasattr(stream, "fileno"):
        return stream.fileno()
    raise ValueError(f"stream {stream!r}: give None, a file descriptor or a file")


def _forkable(kwargs: dict[str, Any]) -> bool:
    """Whether launch keywords are ones :func:`fork_kernel` honours (else Popen starts it)."""
    known = {"stdin", "stdout", "stderr", "env", "cwd", "independent"}
    if not hasattr(os, "fork") or not set(kwargs) <= known:
        return False
    try:
        for name in ("stdin", "stdout", "stderr"):
            _fd(kwargs.get(name))
    except ValueError:
        return False
    return True


def fork_kernel(
    arguments: Sequence[str],
    *,
    cmd: Sequence[str],
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    stdin: Any = None,
    stdout: Any = None,
    stderr: Any = None,
    independent: bool = False,
    warning_filters: Sequence[Any] = (),
) -> ForkedProcess:
    """Fork a process that runs ``ipykernel_launcher`` with ``arguments``.

    The keywords are those of :func:`jupyter_client.launcher.launch_kernel` (``stdin``
    None is no input, as there); ``warning_filters`` replace this process's in the kernel
    (:func:`kernel_warning_filters`). Returns once the child has its own session, so
    that its process group is its own id before anyone signals it.
    """
    env = dict(os.environ if env is None else env)
    arguments = list(arguments)
    if not independent:  # the kernel ends when this process does
        env["JPY_PARENT_PID"] = str(os.getpid())
        # ipykernel reads JPY_PARENT_PID when its application module is imported, which
        # the fork server did before this variable was set: given as an option instead
        arguments.append(f"--IPKernelApp.parent_handle={os.getpid()}")
    working = os.path.abspath(cwd if cwd is not None else os.getcwd())
    path = list(fresh_sys_path())
    fds = (_fd(stdin), _fd(stdout), _fd(stderr))
    ready_r, ready_w = os.pipe()
    sys.stdout.flush()  # nothing buffered here is written twice, by both processes
    sys.stderr.flush()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns of forking a process that has threads: see the module's
            # text for a worker's threads and why the child needs none of their locks.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(ready_r)
        os.close(ready_w)
        raise
    if pid == 0:
        os.close(ready_r)
        _run_kernel(
            arguments,
            env=env,
            cwd=working,
            path=path,
            fds=fds,
            ready=ready_w,
            warning_filters=warning_filters,
            title=" ".join([*cmd[:3], *arguments]),
        )
    os.close(ready_w)
    try:
        os.read(ready_r, 1)  # the child's new session, or its end
    finally:
        os.close(ready_r)
    return ForkedProcess(pid, cmd)


def _run_kernel(
    arguments: Sequence[str],
    *,
    env: dict[str, str],
    cwd: str,
    path: list[str],
    fds: tuple[int | None, int | None, int | None],
    ready: int,
    warning_filters: Sequence[Any],
    title: str,
) -> NoReturn:
    """The forked child: become the kernel the command would start, run it, exit."""
    code = 1
    try:
        os.setsid()
        # what ps, top and psutil show: the command the kernel would have been started with
        setproctitle.setproctitle(title)
        os.write(ready, b"1")
        os.close(ready)
        atexit._clear()  # the worker's exit handlers are not the kernel's
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        # The fork happened inside the worker's running event loop (jupyter_client
        # launches from a coroutine): the kernel starts without one, as a new process
        # (what Python 3.12's own fork handler in asyncio does).
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop_policy(None)
        stdin = fds[0] if fds[0] is not None else os.open(os.devnull, os.O_RDONLY)
        for target, fd in enumerate((stdin, fds[1], fds[2])):
            if fd is not None and fd != target:
                os.dup2(fd, target)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.path[:] = path
        warnings.filters[:] = warning_filters
        warnings._filters_mutated()  # what filterwarnings() does: cached verdicts go
        _fresh_library_state(env)
        # imported here, as the launcher does: the run's own process imports this module
        # and needs no kernel; the fork server has imported it for the workers' kernels
        import ipykernel_launcher
        from ipykernel import kernelapp

        sys.argv = [ipykernel_launcher.__file__, *arguments]
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # the kernel's own failure: written to its stderr, as a process's
        traceback.print_exc(file=sys.__stderr__)
    finally:
        try:
            atexit._run_exitfuncs()  # the kernel's own exit handlers
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _fresh_library_state(env: dict[str, str]) -> None:
    """What a new interpreter would have for the libraries the worker already imported."""
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:  # read from the environment when matplotlib is imported
        matplotlib.rcParams["backend"] = env.get("MPLBACKEND") or INLINE_BACKEND
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:  # seeded from the OS when numpy is imported
        numpy_random.seed()


class ForkingProvisioner(LocalProvisioner):
    """A local provisioner that forks ``ipykernel_launcher`` kernels of this interpreter.

    Everything but the launch is :class:`~jupyter_client.provisioning.LocalProvisioner`'s
    (connection file, ports, signals to the kernel's process group, shutdown).
    """

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork the kernel when ``cmd`` is ``ipykernel_launcher`` here and this process
        has the kernel's modules from the fork server; else start it the usual way."""
        arguments = _launcher_arguments(cmd)
        launch = self._scrub_kwargs(kwargs)
        filters = kernel_warning_filters()
        if arguments is None or filters is None or not _forkable(launch):
            return await super().launch_kernel(cmd, **kwargs)
        self.process = fork_kernel(arguments, cmd=cmd, warning_filters=filters, **launch)
        self.pid = self.pgid = self.process.pid  # its own session (see fork_kernel)
        self.cwd = kwargs.get("cwd", Path.cwd())
        return self.connection_info


class ForkedKernelManager(AsyncKernelManager):
    """An async kernel manager whose kernels are launched by :class:`ForkingProvisioner`."""

    @property
    def kernel_spec(self) -> Any:
        """The kernel's spec, naming :data:`PROVISIONER` unless it names a provisioner."""
        spec = super().kernel_spec
        if spec is not None:
            spec.metadata.setdefault("kernel_provisioner", {"provisioner_name": PROVISIONER})
        return spec
