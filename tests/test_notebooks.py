"""The report notebooks: thin, output-free in git, run in real kernels, show what they must.

- static: no ``def``, ``class``, loops or comprehensions; no outputs committed; a typed
  ``parameters`` cell that ``papermill --help-notebook`` can document;
- defaults: nbval (``pytest --nbval-lax``) runs every notebook with no injected
  parameter against the bundled sample (``data/sample``, generated first when absent,
  as ``make report`` does), in a pytest of its own so its cells stay in one kernel;
- injected parameters: every unit of a small generated sample and the summary,
  executed with Papermill and rendered with nbconvert through the project's executor;
  key numbers, the planted anomalies (read from ``planted.json`` here only) and privacy
  are checked in the executed notebooks and the HTML.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kpilib.report import labels
from kpilib.report.privacy import mask_id_number, mask_phone
from kpilib.report.store import read_result
from kpilib.run.executors import ReportJob
from kpilib.run.open import ensure_results
from kpilib.run.warm import WarmKernelExecutor
from kpilib.sample.generate import generate

pytestmark = pytest.mark.xdist_group("report_notebooks")

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOKS = PROJECT / "notebooks"
REPORTS = ("unit_report.ipynb", "department_summary.ipynb")
#: Every notebook of the project: all of them must stay thin.
ALL_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
MONTH = "2026-10"
FORBIDDEN = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.AsyncFor,
    ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)  # fmt: skip


# --------------------------------------------------------------------------- static


def test_every_notebook_is_checked():
    assert set(REPORTS) < set(ALL_NOTEBOOKS) and "sampling_plan.ipynb" in ALL_NOTEBOOKS


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_is_thin_and_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, f"cell {index} has outputs"
        found = [
            type(n).__name__ for n in ast.walk(ast.parse(cell.source)) if isinstance(n, FORBIDDEN)
        ]
        assert not found, f"{name} cell {index}: {found} belong in kpilib"
        assert "read_result(" not in cell.source, f"{name} cell {index}: use open_results"


@pytest.mark.parametrize("name", REPORTS)
def test_parameters_are_typed_and_documented(name):
    import papermill

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    params = papermill.inspect_notebook(str(NOTEBOOKS / name))
    expected = {"month", "results_dir", "data_dir"} | ({"unit_code"} if "unit" in name else set())
    assert set(params) == expected
    for param in params.values():
        assert param["inferred_type_name"] == "str"
        assert re.search(r"[\u4e00-\u9fff]", param["help"]) and re.search(
            r"[a-z]{3}", param["help"]
        )


# --------------------------------------------------------------------------- executions


def _outputs_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(output.get("text", "") + data.get("text/markdown", ""))
            parts.append(data.get("text/html", "") + data.get("text/plain", ""))
    return "\n".join(parts)


def _stderr(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [
        output.get("text", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr" or output.get("output_type") == "error"
    ]


def _html_text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    return re.sub(r"base64,[A-Za-z0-9+/=]+", "", page[page.index("<main>") :])


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict:
    """Three counties, six centres, three months; results built once."""
    root = tmp_path_factory.mktemp("notebooks")
    data_dir = root / "data"
    generate(data_dir, months=3, end=MONTH, counties=3, centres=6, seed=7)
    results = ensure_results(data_dir, MONTH, root / "results")
    planted = json.loads((data_dir / "planted.json").read_text(encoding="utf-8"))
    return {"root": root, "data_dir": data_dir, "results": results, "planted": planted}


@pytest.fixture(scope="module")
def rendered(small) -> dict[str, tuple[Path, Path]]:
    """Every unit's report and the summary, executed and rendered: key -> (ipynb, html)."""
    root, results = small["root"], small["results"]
    common = {"month": MONTH, "results_dir": str(results), "data_dir": str(small["data_dir"])}
    units = read_result(results, "units")["unit_code"].tolist()
    jobs = [
        ReportJob(
            f"unit_{code}",
            NOTEBOOKS / "unit_report.ipynb",
            {**common, "unit_code": code},
            root / "out" / f"unit_{code}.ipynb",
            root / "out" / f"unit_{code}.html",
            code,
            NOTEBOOKS,
        )
        for code in units
    ]
    jobs.append(
        ReportJob(
            "summary",
            NOTEBOOKS / "department_summary.ipynb",
            common,
            root / "out" / "summary.ipynb",
            root / "out" / "summary.html",
            "summary",
            NOTEBOOKS,
        )
    )
    results_ = WarmKernelExecutor(jobs=2).run(jobs)
    failed = [(r.key, r.failure) for r in results_ if not r.ok]
    assert not failed, failed
    small["durations"] = {r.key: r.duration_s for r in results_}
    return {job.key: (job.output_notebook, job.html) for job in jobs}


@pytest.mark.notebook
def test_reports_render_with_embedded_charts_and_no_kernel_warnings(rendered):
    for key, (notebook, html) in rendered.items():
        assert _stderr(notebook) == [], f"{key}: {_stderr(notebook)[:1]}"
        page = html.read_text(encoding="utf-8")
        assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) >= 3, key
        assert "Glyph" not in page and "read_result(" not in page


@pytest.mark.notebook
def test_county_report_shows_its_score_and_late_submissions(small, rendered):
    county = small["planted"]["late_county"]
    text = _outputs_text(rendered[f"unit_{county}"][0])
    head = read_result(small["results"], "headline").set_index("unit_code").loc[county]
    assert f"本月综合得分 **{head['total']:.2f}** 分" in text
    rate = read_result(small["results"], "submission_timeliness").set_index("unit_code")
    shown = labels.for_display(rate.loc[[county]].reset_index(), ["timeliness_rate"]).iloc[0, 0]
    assert rate.loc[county, "timeliness_rate"] < 1 and f'<td class="num">{shown}</td>' in text
    late = read_result(small["results"], "submissions_late")
    page = _html_text(rendered[f"unit_{county}"][1])
    assert all(report in page for report in late.loc[late["unit_code"] == county, "report"])
    assert "迟报" in _section(page, "十、报表报送及时率", "十一、")


@pytest.mark.notebook
def test_centre_report_shows_its_score_rank_and_no_timeliness(small, rendered):
    centre = small["planted"]["centre_mismatch"][MONTH]["unit_code"]
    text = _outputs_text(rendered[f"unit_{centre}"][0])
    head = read_result(small["results"], "headline").set_index("unit_code").loc[centre]
    assert f"本月综合得分 **{head['total']:.2f}** 分" in text
    assert f"个中心中排第 **{int(head['rank'])}** 名" in text
    assert "中心不向部门报送县市报表，本节不适用。" in text


@pytest.mark.notebook
def test_summary_shows_the_planted_anomalies(small, rendered):
    planted = small["planted"]
    page = _html_text(rendered["summary"][1])
    checks = _section(page, "五、汇总检查", "六、强制分布")
    mismatch = planted["centre_mismatch"][MONTH]
    assert all(staff_id in checks for staff_id in mismatch["staff_ids"])
    duplicates = _section(page, "七、收入核对", "八、报销台帐")
    assert all(record in duplicates for record in planted["duplicated_revenue"][MONTH])
    leniency = _section(page, "十、质检员一致性", "复检一致性")
    row = re.search(
        rf"<tr>(?:(?!</tr>).)*{planted['lenient_inspector']}(?:(?!</tr>).)*</tr>", leniency, re.S
    )
    assert row and "偏宽松" in row.group(0)
    timeliness = _section(page, "十一、县市公司报表报送及时率", "十二、")
    assert planted["late_county"] in timeliness


@pytest.mark.notebook
def test_unit_reports_carry_no_other_units_staff_and_no_raw_numbers(small, rendered):
    from kpilib.contract.load import load_month

    staff = load_month(small["data_dir"], MONTH).staff
    raw = set(staff["phone"]) | set(staff["id_number"])
    for key, (_, html) in rendered.items():
        page = _html_text(html)
        assert not [v for v in raw if v in page], f"{key}: raw phone or ID number"
        if key == "summary":
            continue
        unit = key.removeprefix("unit_")
        own, others = staff[staff["unit_code"] == unit], staff[staff["unit_code"] != unit]
        shared_names = set(own["name"])
        cells = set(re.findall(r">\s*([^<>]*?)\s*<", page))  # names only as whole cells
        leaks = [
            value
            for value in (
                *others["staff_id"],
                *others["phone"].map(mask_phone),
                *others["id_number"].map(mask_id_number),
            )
            if value in page
        ] + [n for n in others["name"] if n not in shared_names and n in cells]
        assert not leaks, f"{key} shows other units' staff: {leaks[:5]}"
        assert any(staff_id in page for staff_id in own["staff_id"]), key


# --------------------------------------------------------------------------- defaults


@pytest.mark.notebook
def test_every_notebook_passes_nbval_with_its_defaults(bundled_sample):
    """Run All works with the committed defaults, checked by nbval itself.

    A separate pytest process: nbval's items are the cells of one kernel, which must
    not be spread over this run's xdist workers.
    """
    import subprocess
    import sys

    notebooks = sorted(str(p.relative_to(PROJECT)) for p in NOTEBOOKS.glob("*.ipynb"))
    assert len(notebooks) == 4  # units, summary, sampling plan, scheme design
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
         *notebooks],
        cwd=PROJECT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", run.stdout) and "failed" not in run.stdout


@pytest.mark.notebook
def test_defaults_show_the_bundled_samples_numbers(bundled_sample, tmp_path):
    """The unit report's defaults (county X01) show X01's total from the stored results."""
    import papermill

    out = tmp_path / "unit_report.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "unit_report.ipynb"), str(out), kernel_name="python3",
        cwd=str(NOTEBOOKS), progress_bar=False,
    )  # fmt: skip
    assert _stderr(out) == []
    head = pd.read_parquet(PROJECT / "outputs" / MONTH / "data" / "headline.parquet")
    expected = head.set_index("unit_code").loc["X01", "total"]
    assert f"本月综合得分 **{expected:.2f}** 分" in _outputs_text(out)
