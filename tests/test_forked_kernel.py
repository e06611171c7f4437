"""Forked report kernels (kpilib.run.forked_kernel).

A warm kernel is forked from its report worker, which the fork server started with the
kernels' modules imported. These tests run real ipykernels: that a warm kernel is
forked (it has its worker's modules, its worker is its parent, it shows the kernel
command), that a process which did not preload the kernels' modules starts its kernel
the usual way, and that the forked process's handle reports exits as
:class:`subprocess.Popen` does (the reference). That a forked kernel starts in the state
of a kernel started by its command is tests/test_warm.py's leak test (the probe).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from kpilib.run.executors import ReportJob
from kpilib.run.forked_kernel import ForkedKernelManager, ForkedProcess, kernel_warning_filters
from kpilib.run.warm import WarmKernelExecutor

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("warm")]

#: What a kernel says of itself: a forked kernel has its worker's modules (Papermill).
IDENTITY = """\
import json, os, sys
import psutil
print(json.dumps({
    "has_worker_modules": "papermill" in sys.modules,
    "parent": os.getppid(),
    "command": psutil.Process().cmdline(),
}))
"""


def _identity(notebook: nbformat.NotebookNode) -> dict:
    [output] = [
        o for c in notebook.cells for o in c.get("outputs", []) if o.get("name") == "stdout"
    ]
    return json.loads(output["text"])


def test_a_warm_kernel_is_forked_from_its_worker(tmp_path):
    source = new_notebook(cells=[new_code_cell('tag = "x"', metadata={"tags": ["parameters"]})])
    source.cells.append(new_code_cell(IDENTITY))
    source.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(source, tmp_path / "identity.ipynb")
    job = ReportJob(
        key="identity",
        notebook=tmp_path / "identity.ipynb",
        parameters={"tag": "identity"},
        output_notebook=tmp_path / "out" / "identity.ipynb",
        html=None,
        title="identity",
        cwd=tmp_path,
    )
    [result] = WarmKernelExecutor(jobs=1).run([job])
    assert result.ok, result.failure
    seen = _identity(nbformat.read(job.output_notebook, as_version=4))
    assert seen["has_worker_modules"] is True
    assert seen["parent"] == int(result.worker)
    # what ps and psutil show is the command it would have been started with
    command = " ".join(seen["command"])
    assert "-m ipykernel_launcher -f " in command and "--HistoryManager.enabled=False" in command


def test_without_the_kernel_modules_preloaded_a_kernel_is_started_from_its_command(tmp_path):
    # this test process imported Papermill before kpilib.run.kernel_modules, if at all:
    # a fork would give the kernel Papermill's warning filters, so it is not forked
    assert kernel_warning_filters() is None
    notebook = new_notebook(cells=[new_code_cell(IDENTITY)])
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        kernel_manager_class=ForkedKernelManager,
        resources={"metadata": {"path": str(tmp_path)}},
        timeout=120,
    )
    client.execute()
    seen = _identity(notebook)
    assert seen["has_worker_modules"] is False
    assert seen["parent"] == os.getpid()
    assert seen["command"][1:3] == ["-m", "ipykernel_launcher"]


def _child(code: str) -> int:
    """Fork a child of this process that runs ``code`` and exits with 0 (or its SystemExit)."""
    with warnings.catch_warnings():  # Python 3.12+: this process has threads; the child
        warnings.simplefilter("ignore", DeprecationWarning)  # only runs ``code``
        pid = os.fork()
    if pid == 0:
        status = 0
        try:
            exec(code)
        except SystemExit as exc:
            status = exc.code
        finally:
            os._exit(status)
    return pid


@pytest.mark.parametrize(
    ("code", "stop"),
    [
        ("raise SystemExit(3)", None),
        ("import time; time.sleep(60)", "kill"),
        ("import time; time.sleep(60)", "terminate"),
    ],
)
def test_a_forked_process_reports_its_end_as_popen_does(code, stop):
    reference = subprocess.Popen([sys.executable, "-c", code])
    forked = ForkedProcess(_child(code), ["child"])
    for process in (reference, forked):
        if stop is None:
            process.wait(timeout=60)
        else:
            assert process.poll() is None
            with pytest.raises(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)
            getattr(process, stop)()
            process.wait(timeout=60)
    assert forked.returncode == reference.returncode
    assert forked.poll() == reference.poll()
    forked.send_signal(signal.SIGKILL)  # ended: nothing is signalled, as with Popen
    reference.send_signal(signal.SIGKILL)
    assert forked.returncode == reference.returncode
