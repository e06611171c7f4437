"""The report page without nbconvert's BeautifulSoup pass is the same document.

nbconvert's ``HTMLExporter`` re-parses every page it renders to add ``alt`` text to images
and ``tabindex`` to cells and outputs; :func:`kpilib.report.render.notebook_to_html` adds
the same attributes without a parser. The reference here is nbconvert's own exporter with
the same template and options: both pages, parsed, must be the same tree (serialisation
details such as ``<br>`` against ``<br/>`` aside).
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kpilib.report import labels
from kpilib.report.render import _REPORT_TEMPLATE, notebook_to_html, with_embedded_font

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<div class="jp-OutputArea-output">伪造</div>',
    "[点我](javascript:alert(1))",
    "1. 列表\n# 标题\n---\n> 引用",
    "&lt;已转义&gt; a\\b",
]


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2], [2, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """Every kind of output a report has, hostile text in each, images with and without alt."""
    cells = [new_markdown_cell("# 报告\n\n![图](data:image/png;base64,AAAA)\n\n说明 <br> 文字")]
    table = labels.for_display(pd.DataFrame({"name": HOSTILE, "total": range(len(HOSTILE))}))
    outputs = [
        new_output("execute_result", data={"text/html": table._repr_html_(), "text/plain": "t"},
                   execution_count=1),
        new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"}),
        new_output("display_data", data={"image/png": _png()}, metadata={"image/png": {
            "width": 100, "height": 50}}),
        new_output("display_data", data={"text/html": '<p>x</p><img src="data:image/png;'
                                         'base64,AAAA"><img alt="有" src="data:,">'}),
        new_output("stream", name="stdout", text="打印 <b>不是标记</b>\n"),
        *[new_output("display_data", data={"text/markdown": labels.markdown_text(name)})
          for name in HOSTILE],
    ]  # fmt: skip
    for count, output in enumerate(outputs, start=1):
        cell = new_code_cell("secret_source()", execution_count=count)
        cell.outputs = [output]
        cells.append(cell)
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    path = tmp_path_factory.mktemp("fast") / "unit_X01.ipynb"
    nbformat.write(nb, path)
    return path


def _nbconvert_page(path) -> str:
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"kpilib_report.html.j2": _REPORT_TEMPLATE})],
        template_file="kpilib_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        language_code="zh",
    )
    body, _ = exporter.from_notebook_node(
        nbformat.read(path, as_version=4), resources={"metadata": {"name": "t", "path": "."}}
    )
    return with_embedded_font(body)  # as notebook_to_html does after the exporter


def test_the_page_is_the_document_nbconvert_makes(notebook):
    ours = BeautifulSoup(notebook_to_html(notebook, title="t"), "html.parser")
    reference = BeautifulSoup(_nbconvert_page(notebook), "html.parser")
    assert ours == reference
    # what the BeautifulSoup pass adds is there: alt text and focusable outputs
    assert not ours.select("img:not([alt])") and len(ours.select("img")) >= 5
    outputs = ours.select("div.jp-OutputArea-output")
    assert outputs and all(div.get("tabindex") == "0" for div in outputs)
    assert "secret_source" not in str(ours)
