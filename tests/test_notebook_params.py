"""Notebook parameters are read from the typed ``parameters`` cell and checked without a kernel."""

from pathlib import Path

import nbformat
import pytest

from kpilib.errors import ParameterError
from kpilib.run.executors import ReportJob
from kpilib.run.parameters import notebook_parameters, validate_parameters
from kpilib.run.runner import PlannedReport, validate_plan

HERE = Path(__file__).parent
DEMO = HERE / "notebooks" / "params_demo.ipynb"
PROJECT_NOTEBOOKS = sorted((HERE.parent / "notebooks").glob("*.ipynb"))


def _notebook(tmp_path: Path, source: str, *, tag: str = "parameters") -> Path:
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}}
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [tag]
    nb.cells = [cell]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_declaration_is_read_with_type_default_and_help():
    params = notebook_parameters(DEMO)
    assert list(params) == ["month", "jobs", "threshold", "strict", "units", "weights"]
    month = params["month"]
    assert (month.type_name, month.default) == ("str", '"2026-10"')
    assert month.help == "考核月份 (assessment month, YYYY-MM)"
    assert params["units"].type_name == "list[str]"


GOOD = {
    "month": "2026-11",
    "jobs": 4,
    "threshold": 1,  # an int is a valid float
    "strict": True,
    "units": ["X01", "Z02"],
    "weights": {"revenue": 0.5, "visits": 1},
}


def test_good_parameters_pass():
    validate_parameters(DEMO, GOOD)
    validate_parameters(DEMO, {"units": []})
    validate_parameters(DEMO, {})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("month", 202611, "expected str"),
        ("month", None, "expected str"),
        ("jobs", "4", "expected int"),
        ("jobs", True, "expected int"),  # bool is an int subclass, still refused
        ("jobs", 2.0, "expected int"),
        ("threshold", "0.9", "expected float"),
        ("strict", 1, "expected bool"),
        ("units", "X01", "expected list[str]"),
        ("units", ["X01", 2], "expected list[str]"),
        ("units", None, "expected list[str]"),
        ("weights", {"revenue": "0.5"}, "expected dict[str, float]"),
    ],
)
def test_wrong_type_is_refused_naming_notebook_parameter_value_and_type(name, value, expected):
    with pytest.raises(ParameterError) as info:
        validate_parameters(DEMO, {**GOOD, name: value})
    message = str(info.value)
    assert message.startswith("params_demo.ipynb: ")
    assert f"parameter {name!r} = {value!r} is {type(value).__name__}" in message
    assert expected in message


def test_unknown_name_is_refused_listing_the_declared_ones():
    with pytest.raises(ParameterError, match=r"unknown parameter 'unit' = 'X01'") as info:
        validate_parameters(DEMO, {"unit": "X01", "month": "2026-10"})
    assert "month: str" in str(info.value)
    assert "params_demo.ipynb" in str(info.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as info:
        validate_parameters(DEMO, {"jobs": "2", "colour": "red", "month": 1})
    assert len(str(info.value).splitlines()) == 3


def test_optional_and_typing_generics(tmp_path):
    path = _notebook(
        tmp_path,
        "from typing import List, Optional\n"
        "units: Optional[List[str]] = None  # 单位编码 (unit codes)\n"
        "limit: Optional[int] = None  # 上限",
    )
    validate_parameters(path, {"units": None, "limit": 3})
    validate_parameters(path, {"units": ["X01"], "limit": None})
    with pytest.raises(ParameterError, match=r"expected Optional\[int\]"):
        validate_parameters(path, {"limit": "3"})


def test_a_line_papermill_cannot_read_is_refused_not_dropped(tmp_path):
    """ruff's pyupgrade rewrites Optional[X] to X | None, which papermill does not parse."""
    path = _notebook(tmp_path, 'month: str = "2026-10"  # 月份\nunits: list[str] | None = None')
    with pytest.raises(ParameterError, match=r"cannot read the parameter line\(s\) of \['units'\]"):
        notebook_parameters(path)


def test_untyped_parameter_in_the_notebook_is_refused(tmp_path):
    path = _notebook(tmp_path, 'month = "2026-10"  # 考核月份')
    with pytest.raises(ParameterError, match=r"nb.ipynb: parameter 'month' has no type annotation"):
        validate_parameters(path, {"month": "2026-10"})


def test_unsupported_annotation_is_refused(tmp_path):
    path = _notebook(tmp_path, "when: datetime = None  # 时间")
    with pytest.raises(ParameterError, match=r"unsupported type 'datetime'"):
        notebook_parameters(path)


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    path = _notebook(tmp_path, 'month: str = "2026-10"', tag="setup")
    with pytest.raises(ParameterError, match=r"nb.ipynb: no cell tagged 'parameters'"):
        notebook_parameters(path)


@pytest.mark.parametrize("notebook", PROJECT_NOTEBOOKS, ids=lambda p: p.name)
def test_project_notebooks_declare_month_and_results_dir_typed_with_help(notebook):
    params = notebook_parameters(notebook)
    assert params["month"].type_name == "str"
    assert params["results_dir"].type_name == "str"
    assert all(p.help for p in params.values()), "every parameter needs a help comment"


def _plan(key: str, notebook: Path, parameters: dict) -> PlannedReport:
    job = ReportJob(
        key, notebook, parameters, notebook.with_suffix(".out.ipynb"), None, key, notebook.parent
    )
    return PlannedReport(job, "unit", "", key, key)


def test_a_plan_names_every_problem_once(tmp_path):
    bad = _notebook(tmp_path, 'month: str = "2026-10"', tag="setup")
    plans = [
        _plan("unit_X01", bad, {"month": "2026-10"}),
        _plan("unit_X02", bad, {"month": "2026-11"}),
        _plan("demo_ok", DEMO, {"month": "2026-10", "jobs": 2}),
        _plan("demo_bad", DEMO, {"month": "2026-10", "jobs": "two"}),
        _plan("gone", tmp_path / "gone.ipynb", {}),
    ]
    with pytest.raises(ParameterError) as raised:
        validate_plan(plans)
    lines = str(raised.value).splitlines()
    # the notebook without a parameters cell is named once, not once per unit
    assert lines.count("nb.ipynb: no cell tagged 'parameters'") == 1
    assert any("parameter 'jobs' = 'two' is str, expected int" in line for line in lines)
    assert any(line.startswith("gone: notebook") for line in lines)
    assert len(lines) == 3
    validate_plan(plans[2:3])  # a good plan passes
