"""The ``kpi`` console script (kpilib/launch.py): the report workers' fork server is
started before the library is imported, and with the workers' module preloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("pandas", "scipy", "pandera", "kpilib.cli", "kpilib.run.warm")

PROBE = """
import json, sys
import psutil
from kpilib.launch import start_worker_server
started = {"validate": start_worker_server(["validate", "--month", "2026-10"])}
children_before = [" ".join(c.cmdline()) for c in psutil.Process().children()]
started["run"] = start_worker_server(["run", "--month", "2026-10"])
children = [" ".join(c.cmdline()) for c in psutil.Process().children()]
heavy = [m for m in %r if m in sys.modules]
print(json.dumps({"started": started, "before": children_before, "after": children,
                  "heavy": heavy}))
"""


def _probe() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_entry_point_imports_nothing_heavy_before_the_fork_server_starts():
    assert _probe()["heavy"] == []


def test_only_a_run_starts_the_fork_server_with_the_workers_module_preloaded():
    probe = _probe()
    assert probe["started"] == {"validate": False, "run": True}
    assert not any("forkserver" in c for c in probe["before"])
    servers = [c for c in probe["after"] if "multiprocessing.forkserver" in c]
    assert len(servers) == 1
    assert "'kpilib.run.warm'" in servers[0]


def test_the_console_script_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from kpilib.launch import main; sys.exit(main())",
         "validate", "--help"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--month" in done.stdout


def test_the_console_script_ends_at_once_with_its_code_and_output_and_exit_handlers(tmp_path):
    # kpilib.launch.console ends the process with os._exit: the command's output is
    # flushed, the exit handlers have run (here one writing a file), the code is kept
    marker = tmp_path / "exit_handler_ran"
    script = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "from kpilib.launch import console\n"
        "sys.argv = ['kpi', 'validate', '--month', '2026-10', '--data', sys.argv[1]]\n"
        "console()\n"
    )
    # buffered output, as in a pipe: os._exit would lose what is not flushed first
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "no-data")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    # the code the command returned (2: the month's files are missing), not a crash's
    assert done.returncode == 2, done.stderr
    assert "2026-10: 1 error(s)" in done.stdout + done.stderr
    assert marker.read_text() == "yes"
