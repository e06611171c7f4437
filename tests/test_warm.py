"""Warm kernels (kpilib.run.warm): no state leaks between reports, kernels recycled and replaced.

Every test runs real ipykernels through Papermill. The reference for "no leak" is a
fresh kernel: a probe notebook records the kernel state it sees (user names, open
figures, rcParams, pandas and numpy options, warning filters, a kpilib module
attribute, the working directory, the execution count); run right after a notebook
that changes all of those on the same warm kernel, it must record exactly what it
records on a fresh kernel started by the Papermill executor.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from PIL import Image

from kpilib.run.executors import PapermillExecutor, ReportJob
from kpilib.run.warm import KernelPolicy, WarmKernelExecutor

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("warm")]

POLLUTE = """\
import json as polluting_alias
import os
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import kpilib.report.labels

secret = 42
figure = plt.figure()
mpl.rcParams["lines.linewidth"] = 9
pd.set_option("display.max_rows", 3)
np.set_printoptions(precision=1)
warnings.simplefilter("ignore")
kpilib.report.labels.MISSING = "LEAK"
os.chdir("/")
"""

PROBE = """\
import base64
import io
import json
import os
import sys
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import kpilib.report.labels

state = {
    "names": sorted(n for n in globals() if not n.startswith("_")),
    "figures": plt.get_fignums(),
    "rc": {k: repr(v) for k, v in mpl.rcParams.items()},
    "max_rows": pd.get_option("display.max_rows"),
    "precision": np.get_printoptions()["precision"],
    "filters": sorted(repr(f) for f in warnings.filters),
    "missing": kpilib.report.labels.MISSING,
    "cwd": os.getcwd(),
    "path": sys.path,
    "count": get_ipython().execution_count,
    "own_session": os.getsid(0) == os.getpid(),
    "environment": sorted(set(os.environ) - {"JPY_PARENT_PID"}),
}
print(json.dumps(state))
"""


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell(f"# {name}")])
    parameters = new_code_cell('tag = "default"  # 标记 (tag)', metadata={"tags": ["parameters"]})
    nb.cells.append(parameters)
    nb.cells += [new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _job(folder: Path, notebook: Path, key: str, **parameters) -> ReportJob:
    return ReportJob(
        key=key,
        notebook=notebook,
        parameters={"tag": key, **parameters},
        output_notebook=folder / "out" / f"{key}.ipynb",
        html=folder / "out" / f"{key}.html",
        title=key,
        cwd=folder,
    )


def _output_text(output: dict) -> str:
    return output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))


def _printed(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [
        output.get("text", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    ]


def test_no_state_leaks_from_one_report_to_the_next(tmp_path):
    probe = _notebook(tmp_path, "probe", PROBE)
    polluter = _notebook(tmp_path, "polluter", POLLUTE)

    fresh = _job(tmp_path, probe, "fresh_probe")
    [reference] = PapermillExecutor(jobs=1).run([fresh])
    assert reference.ok, reference.failure

    jobs = [_job(tmp_path, polluter, "polluter"), _job(tmp_path, probe, "warm_probe")]
    results = WarmKernelExecutor(jobs=1).run(jobs)
    assert [r.ok for r in results] == [True, True], [r.failure for r in results]
    assert results[0].worker == results[1].worker  # the same warm kernel ran both

    expected = json.loads(_printed(fresh.output_notebook)[0])
    seen = json.loads(_printed(jobs[1].output_notebook)[0])
    rc_fresh, rc_warm = expected.pop("rc"), seen.pop("rc")
    # A fresh kernel turns interactive mode on when it draws its first figure (the
    # inline backend loads then); a warm kernel has drawn one in its warm-up, so that
    # every report shows the figures it leaves open (test_..._figure_left_open below).
    assert rc_fresh.pop("interactive") == "False" and rc_warm.pop("interactive") == "True"
    assert {k: (v, rc_warm.get(k)) for k, v in rc_fresh.items() if rc_warm.get(k) != v} == {}
    assert seen == expected
    assert seen["missing"] == "—" and seen["figures"] == [] and "secret" not in seen["names"]


def test_the_executed_notebook_is_the_one_papermill_makes(tmp_path):
    notebook = _notebook(tmp_path, "hello", "print(tag)", "1 + 1")
    cold, warm = _job(tmp_path, notebook, "cold"), _job(tmp_path, notebook, "warm")
    assert PapermillExecutor(jobs=1).run([cold])[0].ok
    assert WarmKernelExecutor(jobs=1).run([warm])[0].ok

    def shape(path: Path) -> list[tuple]:
        nb = nbformat.read(path, as_version=4)
        return [
            (
                c.cell_type,
                c.source.replace("warm", "cold"),
                tuple(c.metadata.get("tags", [])),
                c.get("execution_count"),
                tuple(_output_text(o).replace("warm", "cold") for o in c.get("outputs", [])),
            )
            for c in nb.cells
        ]

    assert shape(warm.output_notebook) == shape(cold.output_notebook)
    injected = nbformat.read(warm.output_notebook, as_version=4).cells[2]
    assert "injected-parameters" in injected.metadata["tags"] and 'tag = "warm"' in injected.source
    assert "papermill" in nbformat.read(warm.output_notebook, as_version=4).metadata


def test_a_warm_kernel_keeps_no_input_history(tmp_path):
    # thousands of batch cells a month: IPython's SQLite history in the user's home
    # would record them all for nobody (kpilib.run.warm.KERNEL_ARGUMENTS)
    notebook = _notebook(tmp_path, "history", "print(get_ipython().history_manager.enabled)")
    job = _job(tmp_path, notebook, "history")
    [result] = WarmKernelExecutor(jobs=1).run([job])
    assert result.ok, result.failure
    assert _printed(job.output_notebook) == ["False\n"]


def test_a_kernel_is_recycled_after_its_reports_and_above_its_memory_limit(tmp_path):
    notebook = _notebook(tmp_path, "pid", "import os\nprint(os.getpid())")
    jobs = [_job(tmp_path, notebook, f"r{i}") for i in range(5)]
    results = WarmKernelExecutor(jobs=1, policy=KernelPolicy(reports_per_kernel=2)).run(jobs)
    assert all(r.ok for r in results)
    pids = [_printed(job.output_notebook)[0] for job in jobs]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]

    small = KernelPolicy(memory_limit_mb=100)  # every warm kernel holds more than 100 MiB
    jobs = [_job(tmp_path, notebook, f"m{i}") for i in range(3)]
    assert all(r.ok for r in WarmKernelExecutor(jobs=1, policy=small).run(jobs))
    assert len({_printed(job.output_notebook)[0] for job in jobs}) == 3


def test_a_killed_kernel_fails_only_its_report_with_the_kernels_log(tmp_path):
    dies = _notebook(
        tmp_path,
        "dies",
        "import os, signal, sys\nprint('last words', file=sys.stderr, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)",
    )
    fine = _notebook(tmp_path, "fine", "print('still here')")
    jobs = [_job(tmp_path, dies, "dies"), _job(tmp_path, fine, "after")]
    results = WarmKernelExecutor(jobs=1).run(jobs)
    assert [r.status for r in results] == ["failed", "ok"]
    failure = results[0].failure
    assert failure.ename == "DeadKernelError", failure
    assert not jobs[0].html.exists()
    assert _printed(jobs[1].output_notebook) == ["still here\n"]


def test_a_hung_cell_times_out_and_the_next_report_gets_a_new_kernel(tmp_path):
    hangs = _notebook(tmp_path, "hangs", "import time\ntime.sleep(120)")
    fine = _notebook(tmp_path, "fine", "import os\nprint(os.getpid())")
    jobs = [
        _job(tmp_path, fine, "before"),
        _job(tmp_path, hangs, "hangs"),
        _job(tmp_path, fine, "after"),
    ]
    policy = KernelPolicy(cell_timeout=3)
    results = WarmKernelExecutor(jobs=1, policy=policy).run(jobs)
    assert [r.status for r in results] == ["ok", "failed", "ok"], [r.failure for r in results]
    failure = results[1].failure
    assert failure.ename == "CellTimeoutError"
    # the cell is named: markdown 0, parameters 1, the sleeping cell 2 (source notebook)
    assert failure.cell_index == 2 and "time.sleep(120)" in failure.source
    assert "cell 2" in failure.evalue and "3 s" in failure.evalue
    assert _printed(jobs[0].output_notebook) != _printed(jobs[2].output_notebook)


def test_reports_not_done_by_the_run_deadline_fail_and_leave_no_kernel(tmp_path):
    import time

    slow = _notebook(tmp_path, "slow", "import time\ntime.sleep(60)")
    jobs = [_job(tmp_path, slow, "first"), _job(tmp_path, slow, "second")]
    # The cells sleep 60 s; a deadline 20 s away must stop both reports, whatever the load.
    results = WarmKernelExecutor(jobs=1).run(jobs, deadline=time.monotonic() + 20)
    assert [(r.status, r.failure.ename) for r in results] == [
        ("failed", "RunDeadline"),
        ("failed", "RunDeadline"),
    ]
    assert _kernels_left() == []  # a kernel outliving its worker would still be here


def _kernels() -> list:
    import psutil

    kernels = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "ipykernel" in " ".join(process.cmdline()):
                kernels.append(process)
        except psutil.Error:  # gone meanwhile
            pass
    return kernels


def _wait_for_kernels(count: int, limit_s: float = 300) -> list:
    """The kernels below this process once there are ``count`` of them (polls, no timing)."""
    import time

    deadline = time.monotonic() + limit_s
    while len(kernels := _kernels()) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return kernels


def _kernels_left(limit_s: float = 60) -> list:
    """The kernels below this process once none is left, or at ``limit_s`` those still
    there (polls: a kernel being stopped on a loaded machine is not yet a leaked one)."""
    import time

    deadline = time.monotonic() + limit_s
    while (kernels := _kernels()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return kernels


def test_kernels_started_ahead_run_the_reports_and_are_stopped_when_unused(tmp_path):
    notebook = _notebook(tmp_path, "pid", "import os\nprint(os.getpid())")
    jobs = [_job(tmp_path, notebook, f"r{i}") for i in range(2)]
    executor = WarmKernelExecutor(jobs=1)
    executor.start(tmp_path)  # as the runner does before computing the shared results
    [ahead] = _wait_for_kernels(1)  # started before any report was submitted
    results = executor.run(jobs)
    assert all(r.ok for r in results), [r.failure for r in results]
    assert [_printed(job.output_notebook)[0] for job in jobs] == [f"{ahead.pid}\n"] * 2

    unused = WarmKernelExecutor(jobs=1)
    unused.start(tmp_path)
    [kernel] = _wait_for_kernels(1)
    unused.close()  # the run stopped before its reports (e.g. the shared results failed)
    kernel.wait(timeout=30)
    assert _kernels() == []


def test_a_warm_kernel_shows_a_figure_drawn_once_as_the_reference_shows_it(tmp_path):
    """Warm kernels display figures with kpilib.report.figures.png_once: the picture has
    about the size of the inline backend's tight one (the papermill executor's fresh kernel)."""
    chart = (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(6, 3))\n"
        "ax.plot([1, 2, 3], [3, 1, 2])\n"
        "plt.close(fig)\n"
        'ax.set_title("考核得分趋势")\n'
        "fig"
    )
    notebook = _notebook(tmp_path, "chart", chart)
    cold, warm = _job(tmp_path, notebook, "cold"), _job(tmp_path, notebook, "warm")
    assert PapermillExecutor(jobs=1).run([cold])[0].ok
    assert WarmKernelExecutor(jobs=1).run([warm])[0].ok

    def png(path: Path) -> bytes:
        outputs = nbformat.read(path, as_version=4).cells[-1].outputs
        [data] = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
        return base64.b64decode(data)

    warm_png, cold_png = png(warm.output_notebook), png(cold.output_notebook)
    (w, h), (cw, ch) = Image.open(io.BytesIO(warm_png)).size, Image.open(io.BytesIO(cold_png)).size
    assert abs(w - cw) <= 4 and abs(h - ch) <= 4  # drawn pixels vs texts' boxes
    # matplotlib's own PNG writer signs the file; png_once's (Pillow's) does not
    assert b"Matplotlib" in cold_png and b"Matplotlib" not in warm_png


def test_every_report_on_a_warm_kernel_shows_the_figure_it_left_open(tmp_path):
    """As a fresh kernel does: a pyplot figure still open at the end of a cell is shown,
    in the first report a kernel runs and in the next (interactive mode survives the reset)."""
    chart = 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title("图")\nNone'
    notebook = _notebook(tmp_path, "open_chart", chart)
    jobs = [_job(tmp_path, notebook, "first"), _job(tmp_path, notebook, "second")]
    results = WarmKernelExecutor(jobs=1).run(jobs)
    assert [r.ok for r in results] == [True, True] and results[0].worker == results[1].worker
    for job in jobs:
        outputs = nbformat.read(job.output_notebook, as_version=4).cells[-1].outputs
        assert any("image/png" in o.get("data", {}) for o in outputs), job.key
