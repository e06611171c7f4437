"""The ``kpi`` console script: starts the report workers' fork server, then the CLI.

``kpi run`` executes reports in worker processes forked from a ``forkserver``
(:mod:`kpilib.run.executors`). The fork server imports what the workers run once, and
by default it imports the script's ``__main__`` first. Started from :mod:`kpilib.cli`,
that fork server began only once the command line had imported the whole library
(pandas, pandera, scipy: about 3 s of one core) and then spent as long importing it
again, so the warm kernels, which start only in the workers, were ready seconds after
the shared results. Started here, before anything heavy is imported, the fork server
loads the workers' module on the second core while this process loads the command
line on the first.

This module imports only the light :mod:`kpilib.run.fork_server` at its top, so that the
fork server's ``__main__`` stays light; :func:`main` then imports the command line. It
is the only module allowed a function-level kpilib import (``tests/test_layers.py``),
for that reason. The fork server also imports the kernels' modules, which the workers
fork their kernels with (:mod:`kpilib.run.forked_kernel`).
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn

from kpilib.run import fork_server


def start_worker_server(argv: list[str]) -> bool:
    """Start the fork server of the report workers when ``argv`` asks for a run.

    Returns whether it was started. Other commands start no worker, and a fork server
    that no worker uses exits with this process.
    """
    if not argv or argv[0] != "run":
        return False
    fork_server.start()
    return True


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kpi`` console script; returns the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    start_worker_server(arguments)
    from kpilib.cli import main as cli_main  # after the fork server: see the module's text

    return cli_main(arguments)


def console() -> NoReturn:
    """The ``kpi`` console script: :func:`main`, then the end of the process at once.

    When the command returns, what it writes is written and closed; the interpreter's
    teardown would then free every module and every table one by one, which took 0.35 s
    after ``kpi --help`` and about 0.65 s after a month's run of 68 reports, with nothing
    waiting for it but the user. So the exit handlers run (logging's, and
    multiprocessing's, which stop the workers' fork server), the output is flushed, and
    the process ends with :func:`os._exit`. :func:`main` itself returns normally (the
    tests call it).
    """
    code = main()
    atexit._run_exitfuncs()  # what the interpreter runs first when it exits
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
