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

This module imports nothing of kpilib at its top, so that the fork server's ``__main__``
stays light; :func:`main` then imports the command line. It is the only module allowed
a function-level kpilib import (``tests/test_layers.py``), for that reason.
"""

from __future__ import annotations

import sys
from multiprocessing import forkserver

#: What the report workers run (:func:`kpilib.run.warm.run_warm_job` and the Papermill
#: executor's :func:`kpilib.run.executors.run_job`), imported once by the fork server.
WORKER_MODULE = "kpilib.run.warm"


def start_worker_server(argv: list[str]) -> bool:
    """Start the fork server of the report workers when ``argv`` asks for a run.

    Returns whether it was started. Other commands start no worker, and a fork server
    that no worker uses exits with this process.
    """
    if not argv or argv[0] != "run":
        return False
    forkserver.set_forkserver_preload(["__main__", WORKER_MODULE])
    forkserver.ensure_running()
    return True


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kpi`` console script; returns the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    start_worker_server(arguments)
    from kpilib.cli import main as cli_main  # after the fork server: see the module's text

    return cli_main(arguments)
