"""Rendering: self-contained HTML without code, the index page, atomic writes."""

import base64
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kpilib.report import labels
from kpilib.report.fonts import use_cjk_font
from kpilib.report.render import IndexRow, index_html, notebook_to_html, render_report
from kpilib.report.store import (
    atomic_path,
    remove_stale_temp_files,
    write_bytes_atomic,
    write_text_atomic,
)

SECRET_CODE = "secret_variable_name = read_result(results_dir, 'staff')"


def _chart_png() -> str:
    with mpl.rc_context():
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["县市公司", "中心"], [1, 2])
        ax.set_title("各单位人数")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory) -> Path:
    """An executed notebook as papermill leaves it: outputs, prompts, parameters cells."""
    params = new_code_cell('month: str = "2026-10"  # 考核月份', execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('month = "2026-10"\n', execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    table = new_code_cell(SECRET_CODE + "\nframe", execution_count=3)
    table.outputs = [
        new_output(
            "execute_result",
            data={
                "text/html": "<table class='dataframe'><tr><th>工号</th><th>得分</th></tr>"
                "<tr><td>S00001</td><td>95.5</td></tr></table>",
                "text/plain": "frame",
            },
            execution_count=3,
        )
    ]
    chart = new_code_cell("ax = frame.plot.bar(title='各单位人数')", execution_count=4)
    chart.outputs = [
        new_output("display_data", data={"image/png": _chart_png(), "text/plain": "<Figure>"})
    ]
    nb = new_notebook(
        cells=[new_markdown_cell("# 单位月度考核报告"), params, injected, table, chart],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    path = tmp_path_factory.mktemp("render") / "unit_X01.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def page(executed_notebook) -> str:
    return notebook_to_html(executed_notebook, title="2026-10 城东县 (X01) 月度考核报告")


def _body(page: str) -> str:
    return page[page.index("<main>") :]


def test_page_declares_simplified_chinese_and_title(page):
    assert re.search(r"<html lang=\"zh-CN\">", page)
    assert "<title>2026-10 城东县 (X01) 月度考核报告</title>" in page
    assert "Microsoft YaHei" in page  # a CJK font stack for the text


def test_no_code_cells_prompts_or_sources(page):
    body = _body(page)
    assert SECRET_CODE not in page
    assert "secret_variable_name" not in page
    assert "jp-InputPrompt" not in body
    assert "jp-OutputPrompt" not in body
    assert "cm-editor" not in body
    assert "In&nbsp;[" not in body
    # markdown is kept, code cells render outputs only
    assert "<h1" in body and "单位月度考核报告" in body
    code_cells = re.findall(r'<div\b[^>]*\sclass="jp-Cell jp-CodeCell[^"]*"', body)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)


def test_outputs_kept_and_figure_embedded_as_data_uri(page):
    body = _body(page)
    assert "<th>工号</th>" in body and "95.5" in body
    assert re.search(r'<img[^>]+src="data:image/png;base64,[A-Za-z0-9+/]{100}', body)


def test_page_loads_nothing_from_the_network(page):
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"https?:", page)
    assert not re.search(r"<img[^>]+src=\"https?:", page)


def test_papermill_error_markers_are_dropped(tmp_path, executed_notebook):
    nb = nbformat.read(executed_notebook, as_version=4)
    marker = new_markdown_cell("<span>An Exception was encountered</span>")
    marker.metadata["tags"] = ["papermill-error-cell-tag"]
    nb.cells.insert(0, marker)
    path = tmp_path / "marked.ipynb"
    nbformat.write(nb, path)
    assert "An Exception was encountered" not in notebook_to_html(path, title="t")


def test_render_report_writes_atomically(tmp_path, executed_notebook):
    html = tmp_path / "out" / "unit_X01.html"
    assert render_report(executed_notebook, html, title="X01") == html
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in html.parent.iterdir()] == ["unit_X01.html"]


def test_atomic_path_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("旧版本", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("半个文件", encoding="utf-8")
        assert tmp.parent == target.parent and tmp.suffix == ".html"
        raise RuntimeError("crash while writing")
    assert target.read_text(encoding="utf-8") == "旧版本"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_helpers_replace_whole_files(tmp_path):
    write_text_atomic(tmp_path / "a" / "index.html", "新")
    write_bytes_atomic(tmp_path / "a" / "b.bin", b"\x00\x01")
    write_text_atomic(tmp_path / "a" / "index.html", "更新")
    assert (tmp_path / "a" / "index.html").read_text(encoding="utf-8") == "更新"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.bin", "index.html"]


def test_stale_temp_files_of_a_crashed_run_are_removed(tmp_path):
    (tmp_path / "notebooks").mkdir()
    stale = [tmp_path / ".unit_X01.1a2b3c4d.tmp.html", tmp_path / "notebooks" / ".x.0.tmp.ipynb"]
    for path in stale:
        path.write_text("half")
    (tmp_path / "unit_X01.html").write_text("whole")
    assert sorted(remove_stale_temp_files(tmp_path)) == sorted(stale)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["unit_X01.html"]


def test_index_links_every_report_with_score_grade_and_status():
    rows = [
        IndexRow("县市公司", "X01", "城东<县>", "ok", "unit_X01.html", 91.256, "A"),
        IndexRow("县市公司", "X02", "城西县", "skipped", "unit_X02.html"),
        IndexRow(
            "中心",
            "Z01",
            "客户服务中心",
            "failed",
            "notebooks/unit_Z01.ipynb",
            detail="第3格 RuntimeError: 失败",
        ),
    ]
    page = index_html("2026-10", rows)
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert page.count("<h2>") == 2
    assert '<a href="unit_X01.html">' in page and '<a href="unit_X02.html">' in page
    assert '<a href="notebooks/unit_Z01.ipynb">' in page
    assert "城东&lt;县&gt;" in page  # escaped
    assert "91.26" in page and ">A<" in page
    assert "失败" in page and "第3格 RuntimeError" in page
    assert "未变更" in page  # skipped


# --------------------------------------------------------------------------- hostile names

#: Names, notes and parameters as an adversary would write them (issue #10, item 3).
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[点我](javascript:alert(1))",
    "![图](javascript:alert(1))",
    "<a href='javascript:alert(1)'>点我</a>",
    "<javascript:alert(1)>",
    "**粗**_斜_`代码`$x$~~删~~|表|",
    "1. 列表\n# 标题\n---\n> 引用",
    "&lt;已转义&gt; a\\b",
    "http://example.com/?q=<x>",
]


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(page)
    return parsed


def _live_markup(parsed: _Parsed) -> list[str]:
    """Scripts, event handlers, javascript: URLs, links and images not embedded in a page."""
    found = []
    for tag, attrs in parsed.tags:
        if tag == "script":
            found.append("<script>")
        found += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        found += [
            f"<{tag} {name}={value!r}>"
            for name, value in attrs.items()
            if re.sub(r"\s", "", value or "").lower().startswith("javascript:")
        ]
        if tag == "img" and not (attrs.get("src") or "").startswith("data:image/png;base64,"):
            found.append(f"<img src={attrs.get('src')!r}>")
        if tag == "a" and not (attrs.get("href") or "").startswith("#"):  # heading anchors
            found.append(f"<a href={attrs.get('href')!r}>")
    return found


def _headline(name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["X01"], "unit_name": [name], "unit_type": ["county"], "total": [80.5],
            "rank": [3], "grade": ["A"], "vetoed": [True], "veto_reason": [name], "peers": [12],
            "prev_total": [78.0], "prev_rank": [5], "prev_grade": ["B"], "change": [2.5],
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory) -> str:
    """A report whose Markdown sentences and tables carry every :data:`HOSTILE` value."""
    cells = [new_markdown_cell("# 单位月度考核报告")]
    for count, name in enumerate(HOSTILE, start=1):
        markdown = "\n\n".join(
            [
                labels.unit_heading(_headline(name), "2026-10"),
                labels.headline_text(_headline(name), "X01"),
                labels.note(pd.DataFrame({"key": ["k"], "text": [name]}), "k"),
            ]
        )
        cell = new_code_cell("display(Markdown(...))", execution_count=count)
        cell.outputs = [new_output("display_data", data={"text/markdown": markdown})]
        cells.append(cell)
    table = labels.for_display(
        pd.DataFrame({"name": HOSTILE, "customer_name": HOSTILE[::-1], "total": range(10)})
    )
    cell = new_code_cell("labels.display(frame)", execution_count=len(HOSTILE) + 1)
    # what IPython shows for a DataFrame: its _repr_html_ (pandas escapes every cell)
    cell.outputs = [new_output("display_data", data={"text/html": table._repr_html_()})]
    cells.append(cell)
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    path = tmp_path_factory.mktemp("hostile") / "unit_X01.ipynb"
    nbformat.write(nb, path)
    return notebook_to_html(path, title=f"2026-10 {HOSTILE[0]} (X01) 月度考核报告")


def test_hostile_names_render_as_text_never_as_markup(hostile_page):
    parsed = _parse(hostile_page)
    assert _live_markup(parsed) == []
    text = "".join(parsed.text)
    for name in HOSTILE:
        shown = re.sub(r"\s+", " ", name)
        assert f"{shown}（X01）2026-10 月度考核报告" in text, name  # heading
        assert f"一票否决：{shown}" in text, name  # the headline's veto reason
    assert "<title>2026-10 &lt;script&gt;alert(1)&lt;/script&gt; (X01)" in hostile_page
    headings = [tag for tag, _ in parsed.tags if tag == "h1"]
    assert len(headings) == 1 + len(HOSTILE)  # a name cannot open a heading of its own
    assert not [tag for tag, _ in parsed.tags if tag in {"ol", "ul", "blockquote", "hr", "em"}]


def test_unescaped_markdown_would_be_caught(tmp_path):
    """The checks above see live markup when a name goes into Markdown raw."""
    cell = new_code_cell("display(Markdown(name))", execution_count=1)
    raw = f"# {HOSTILE[0]} {HOSTILE[1]} {HOSTILE[2]}"
    cell.outputs = [new_output("display_data", data={"text/markdown": raw})]
    path = tmp_path / "raw.ipynb"
    nbformat.write(new_notebook(cells=[cell]), path)
    found = _live_markup(_parse(notebook_to_html(path, title="t")))
    assert "<script>" in found and "<img onerror>" in found
    assert "<a href='javascript:alert(1)'>" in found


@pytest.mark.parametrize("name", HOSTILE)
def test_every_markdown_sentence_escapes_its_free_text(name):
    from nbconvert.filters.markdown import markdown2html

    tables = {
        "sampling_plan": pd.DataFrame({"seed": [202610]}),
        "sampling_list": pd.DataFrame({"ticket_id": ["GD1"]}),
    }
    sentences = [
        labels.markdown_text(name),
        labels.unit_heading(_headline(name), "2026-10"),
        labels.headline_text(_headline(name), "X01"),
        labels.note(pd.DataFrame({"key": ["k"], "text": [name]}), "k"),
        labels.sampling_basis_text(tables, month="2026-10", aql=2.5, level=name),
    ]
    for sentence in sentences:
        parsed = _parse(markdown2html(sentence))
        assert _live_markup(parsed) == [], sentence
        assert re.sub(r"\s+", " ", name) in "".join(parsed.text), sentence
