"""notebooks/sampling_plan.ipynb: a thin notebook (static checks) that runs on a small month."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from kpilib.run.parameters import notebook_parameters
from kpilib.sample.generate import generate

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK = NOTEBOOKS / "sampling_plan.ipynb"
MONTH = "2026-10"


def _code_cells() -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def test_first_code_cell_is_the_typed_parameters_cell_with_sample_defaults():
    first = _code_cells()[0]
    assert "parameters" in first.metadata.get("tags", [])
    params = notebook_parameters(NOTEBOOK)
    assert {name: p.type_name for name, p in params.items()} == {
        "month": "str",
        "results_dir": "str",
        "data_dir": "str",
        "aql": "float",
        "level": "str",
        "seed": "int",
    }
    assert all(p.help for p in params.values())
    assert params["month"].default == '"2026-10"'
    assert params["data_dir"].default == '"data/sample"'
    assert (params["aql"].default, params["level"].default) == ("2.5", '"II"')


FORBIDDEN = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.comprehension,
)


def test_notebook_is_thin_and_committed_without_outputs():
    for cell in _code_cells():
        assert cell.outputs == [] and cell.execution_count is None, "outputs committed"
        found = [type(node).__name__ for node in ast.walk(ast.parse(cell.source))]
        bad = [name for name in found if name in {f.__name__ for f in FORBIDDEN}]
        assert not bad, f"cell {cell.get('id')} has {bad}: logic belongs in kpilib"


@pytest.mark.notebook
def test_notebook_runs_on_a_small_generated_month(tmp_path):
    import papermill

    data_dir = tmp_path / "data"
    generate(data_dir, months=2, end=MONTH, counties=2, centres=6, seed=17)
    out = tmp_path / "sampling_plan.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={
            "month": MONTH,
            "results_dir": str(tmp_path / "no_results"),  # no stored tables: computed
            "data_dir": str(data_dir),
        },
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Glyph" not in streams and "Warning" not in streams
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    markdown = "".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    plan_table = re.search(r"<table.*?</table>", html, re.S).group(0)
    for header in ("单位编码", "单位名称", "批量(本月办结工单)", "样本量字码", "样本量"):
        assert f"<th>{header}</th>" in plan_table
    assert "接收数Ac" in plan_table and "拒收数Re" in plan_table
    for unit in ("X01", "X02", "Z01", "Z06"):
        assert f"<td>{unit}</td>" in plan_table
    assert "GB/T 2828.1-2012" in markdown and "AQL：2.5%" in markdown
    assert "随机种子 202610" in markdown
    assert "判定" in html and "指派质检员工号" in html and "Cochran样本量" in html
    assert any("image/png" in o.get("data", {}) for o in outputs), "the sample-size chart"
