"""Rendered output: executed notebooks to self-contained HTML, and the index page.

A report is the executed notebook exported with nbconvert's ``lab`` template,
without code cells, prompts or scripts loaded from the internet: figures are
already ``data:`` URIs in the notebook's outputs, the page declares
``<html lang="zh-CN">`` and a CJK font stack for its text (the figures carry
their own font, see :mod:`kpilib.report.fonts`).

Pages are written with :func:`kpilib.report.store.write_text_atomic`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import pandas as pd

from kpilib.report.fonts import WEB_FONT_FAMILY, FontSubset, embedded_font_face
from kpilib.report.store import write_text_atomic

#: CSS font stack for Chinese text in the browser: the reader's own Chinese fonts
#: (Windows, macOS, Linux), then the subset embedded in the page (kpilib.report.fonts).
FONT_STACK = (
    '"Microsoft YaHei", "微软雅黑", "PingFang SC", "Hiragino Sans GB", '
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    f'"{WEB_FONT_FAMILY}", sans-serif'
)

_REPORT_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block header -%}
{{ super() | replace('<html lang="zh">', '<html lang="zh-CN">') }}
{%- endblock header -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
:root {
  --jp-content-font-family: FONT_STACK;
  --jp-ui-font-family: FONT_STACK;
}
body { max-width: 1200px; margin: 0 auto; padding: 1em 2em; }
.kpi-page-header { border-bottom: 1px solid #ccc; margin-bottom: 1em; padding-bottom: .5em;
  font-size: 90%; color: #444; font-family: FONT_STACK; }
.kpi-page-header dl { display: flex; flex-wrap: wrap; gap: .2em 1.5em; margin: .4em 0 0; }
.kpi-page-header dt { font-weight: bold; }
.kpi-page-header dt::after { content: "："; }
.kpi-page-header dd { margin: 0 0 0 -1.3em; }
.kpi-page-header code { font-size: 95%; }
.jp-RenderedHTMLCommon table.kpi-table td, .jp-RenderedHTMLCommon table.kpi-table th {
  text-align: left; white-space: nowrap; }
.jp-RenderedHTMLCommon table.kpi-table td.num { text-align: right; }
.jp-RenderedHTMLCommon table.kpi-table td.long { white-space: normal; min-width: 16em; }
</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
{%- set h = resources.kpi_header -%}
{%- if h %}
<header class="kpi-page-header">
<nav><a href="{{ h.index_href | e }}">← 返回本月报告目录</a></nav>
<dl>
<dt>单位</dt><dd>{{ h.unit | e }}</dd>
<dt>考核月份</dt><dd>{{ h.month | e }}</dd>
<dt>生成时间</dt><dd>{{ h.generated_at | e }}</dd>
<dt>考核方案</dt><dd>{{ h.scheme_version | e }}</dd>
<dt>数据指纹</dt><dd><code>{{ h.data_fingerprint | e }}</code></dd>
</dl>
</header>
{%- endif %}
{%- endblock body_header -%}
""".replace("FONT_STACK", FONT_STACK)

# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class PageHeader:
    """What the top of a report page tells its reader, besides the notebook's content.

    ``unit`` is the unit's name and code (or the page's subject, e.g. 部门汇总);
    ``scheme_version`` names the scoring scheme file and its content hash;
    ``data_fingerprint`` is the hash of the data the report read (the manifest's
    ``data_hash``), so two pages with the same fingerprint show the same numbers.
    The generation time is stamped when the page is rendered.
    """

    unit: str
    month: str
    scheme_version: str
    data_fingerprint: str
    index_href: str = "index.html"

    def fields(self) -> dict[str, str]:
        """The header's values for the page template, generation time included."""
        now = datetime.now().astimezone()
        offset = now.strftime("%z")
        return {
            "unit": self.unit,
            "month": self.month,
            "generated_at": f"{now:%Y-%m-%d %H:%M:%S}（UTC{offset[:3]}:{offset[3:]}）",
            "scheme_version": self.scheme_version,
            "data_fingerprint": self.data_fingerprint[:16],
            "index_href": self.index_href,
        }


#: Start tags nbconvert's HTML exporter amends after rendering (see :func:`_exporter`).
_DIV_OR_IMG = re.compile(r"<(div|img)\b([^<>]*)>", re.IGNORECASE)
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_HAS_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)
_HAS_TABINDEX = re.compile(r"\stabindex\s*=", re.IGNORECASE)
_NO_ALT = "No description has been provided for this image"


def _accessible(page: str) -> str:
    """What nbconvert's ``HTMLExporter`` does to a page after its template, without a parser.

    It gives every ``<img>`` without ``alt`` the text "No description has been provided
    for this image" and every ``div.jp-Cell-inputWrapper`` and ``div.jp-OutputArea-output``
    ``tabindex="0"``, by parsing and re-serialising the whole page with BeautifulSoup (two
    thirds of a report's rendering time). Here the same attributes are added to those
    start tags in place; the page's document tree is the same (tests/test_fast_render.py).
    ``<style>`` and ``<script>`` contents hold no such tags, and text and attribute values
    are HTML-escaped by the template, so a ``<`` only starts a tag.
    """

    def amend(match: re.Match) -> str:
        name, attrs, slash = match.group(1).lower(), match.group(2), ""
        if attrs.endswith("/"):
            attrs, slash = attrs[:-1], "/"
        if name == "img":
            if _HAS_ALT.search(attrs):
                return match.group(0)
            return f'<{match.group(1)}{attrs} alt="{_NO_ALT}"{slash}>'
        found = _CLASS.search(attrs)
        classes = "" if found is None else next(g for g in found.groups() if g is not None)
        wanted = {"jp-OutputArea-output", "jp-Cell-inputWrapper"}
        if wanted.isdisjoint(classes.split()) or _HAS_TABINDEX.search(attrs):
            return match.group(0)
        return f'<{match.group(1)}{attrs} tabindex="0"{slash}>'

    return _DIV_OR_IMG.sub(amend, page)


@cache
def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter with its BeautifulSoup pass done by :func:`_accessible`."""

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7) up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _accessible(page), resources

    return ReportExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"kpilib_report.html.j2": _REPORT_TEMPLATE})],
        template_file="kpilib_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        # validate the notebook once after the preprocessors, not after each of them
        optimistic_validation=True,
        language_code="zh",
    )


def warm_up() -> None:
    """Build the exporter and compile its templates now (a worker does it before its
    first report, while nothing waits for it: the first page otherwise takes ~0.6 s more)."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    _exporter().from_notebook_node(new_notebook(cells=[new_markdown_cell("# 考核")]))


def notebook_to_html(
    notebook: str | Path,
    *,
    title: str,
    font: FontSubset | None = None,
    header: PageHeader | None = None,
) -> str:
    """Return an executed notebook as a self-contained HTML page without code.

    Markdown and outputs are kept; code cells' inputs, prompts and the cells
    papermill adds on failure are dropped. ``font``: see :func:`with_embedded_font`.
    ``header``: the page's header line and link back to the index (none without it).
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [
        cell
        for cell in nb.cells
        if "papermill-error-cell-tag" not in cell.metadata.get("tags", [])
        and "remove-cell" not in cell.metadata.get("tags", [])
    ]
    body, _ = _exporter().from_notebook_node(
        nb,
        resources={
            "metadata": {"name": title, "path": str(Path(notebook).parent)},
            "kpi_header": header.fields() if header else None,
        },
    )
    return with_embedded_font(body, font)


def with_embedded_font(page: str, font: FontSubset | None = None) -> str:
    """Return ``page`` with the CJK glyphs it uses embedded in its ``<head>``.

    Without this a reader whose machine has no Chinese font sees empty boxes.
    ``font`` is a subset made once for many pages (:func:`run_font_text`); the
    characters of ``page`` it lacks get a subset of their own.
    """
    rules = [] if font is None else [font.css]
    rest = page if font is None else font.missing(page)
    rules.append(embedded_font_face(rest) if rest else "")
    rule = "\n".join(r for r in rules if r)
    if not rule:
        return page
    head_end = page.index("</head>")
    return f"{page[:head_end]}<style>{rule}</style>\n{page[head_end:]}"


#: General punctuation, CJK symbols and punctuation, half- and full-width forms.
_PUNCTUATION_BLOCKS = ((0x2010, 0x2027), (0x2030, 0x205E), (0x3000, 0x303F), (0xFF01, 0xFF5E))


def run_font_text(tables: Iterable[pd.DataFrame], notebooks: Iterable[str | Path]) -> str:
    """The characters a run's pages can show: its tables' text, notebooks and labels.

    Every text value of ``tables``, every cell of ``notebooks``, the library's source
    (headers, labels and sentences live there) and the punctuation blocks, once each.
    """
    chars: set[str] = set()
    for frame in tables:
        for column in frame.columns:
            chars.update(str(column))
            values = frame[column]
            # numbers and dates are written in ASCII, which the page's own fonts show
            if not (
                pd.api.types.is_numeric_dtype(values)
                or pd.api.types.is_datetime64_any_dtype(values)
                or pd.api.types.is_timedelta64_dtype(values)
            ):
                values = values.drop_duplicates().tolist()
                chars.update("".join(map(str, values)))  # one string: a column has thousands
    for path in notebooks:
        chars.update(Path(path).read_text(encoding="utf-8"))
    # Every label, header and message of the library (the data contract's headers and
    # codes included), and the punctuation blocks, so a page rarely needs a glyph more.
    for path in Path(__file__).parents[1].rglob("*.py"):
        chars.update(path.read_text(encoding="utf-8"))
    for first, last in _PUNCTUATION_BLOCKS:
        chars.update(chr(c) for c in range(first, last + 1))
    return "".join(sorted(c for c in chars if ord(c) >= 0x2000))


def render_report(
    notebook: str | Path,
    html_path: str | Path,
    *,
    title: str,
    font: FontSubset | None = None,
    header: PageHeader | None = None,
) -> Path:
    """Render an executed notebook to ``html_path`` (written atomically); return the path."""
    page = notebook_to_html(notebook, title=title, font=font, header=header)
    write_text_atomic(html_path, page)
    return Path(html_path)


# --------------------------------------------------------------------------- index page


@dataclass(frozen=True)
class IndexRow:
    """One line of the index page.

    ``score`` and ``grade`` are None until the scorecard provides them;
    ``href`` is relative to the index page (None: nothing to link), and so is
    ``actions_href``, the unit's 整改清单 workbook (None: the row has none).
    """

    section: str
    code: str
    name: str
    status: str
    href: str | None
    score: float | None = None
    grade: str | None = None
    detail: str = ""
    actions_href: str | None = None


_STATUS_LABELS = {
    "ok": "完成",
    "skipped": "未变更 (沿用)",
    "failed": "失败",
    "stale": "输入已变更，报告未重新生成",
}

_INDEX_CSS = f"""
body {{ font-family: {FONT_STACK}; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2em; }}
th, td {{ border: 1px solid #ccc; padding: 0.35em 0.7em; text-align: left; }}
th {{ background: #f0f3f7; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.failed td {{ background: #fdecea; }}
.status-failed {{ color: #b00020; font-weight: bold; }}
tr.stale td {{ background: #fff8e1; }}
.status-stale {{ color: #8a6d00; font-weight: bold; }}
.detail {{ color: #666; font-size: 0.9em; }}
"""


def index_html(
    month: str,
    rows: Sequence[IndexRow],
    *,
    note: str = "",
    font: FontSubset | None = None,
    workbooks: Sequence[tuple[str, str]] = (),
) -> str:
    """Return the month's index page: one table per section, every report linked.

    Each unit's row links its 整改清单 (``IndexRow.actions_href``); ``workbooks`` are the
    month's other Excel files as (title, path relative to the index), listed after.
    """
    esc = html.escape
    sections: dict[str, list[IndexRow]] = {}
    for row in rows:
        sections.setdefault(row.section, []).append(row)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        f"<title>{esc(month)} 月度考核报告</title>",
        f"<style>{_INDEX_CSS}</style></head>",
        "<body>",
        f"<h1>{esc(month)} 月度考核报告</h1>",
    ]
    if note:
        parts.append(f"<p>{esc(note)}</p>")
    for section, section_rows in sections.items():
        parts += [
            f"<h2>{esc(section)}</h2>",
            "<table><thead><tr><th>编码</th><th>名称</th><th>综合得分</th><th>等级</th>"
            "<th>状态</th><th>报告</th><th>整改清单</th></tr></thead><tbody>",
        ]
        for row in section_rows:
            score = "—" if row.score is None else f"{row.score:.2f}"
            link = (
                f'<a href="{esc(row.href, quote=True)}">打开</a>' if row.href is not None else "—"
            )
            detail = f'<div class="detail">{esc(row.detail)}</div>' if row.detail else ""
            actions = (
                f'<a href="{esc(row.actions_href, quote=True)}">整改清单</a>'
                if row.actions_href is not None
                else "—"
            )
            parts.append(
                f'<tr class="{esc(row.status)}"><td>{esc(row.code or "—")}</td>'
                f"<td>{esc(row.name)}</td>"
                f'<td class="num">{score}</td><td>{esc(row.grade or "—")}</td>'
                f'<td class="status-{esc(row.status)}">'
                f"{esc(_STATUS_LABELS.get(row.status, row.status))}{detail}</td>"
                f"<td>{link}</td><td>{actions}</td></tr>"
            )
        parts.append("</tbody></table>")
    if workbooks:
        parts += ["<h2>本月表格文件</h2>", "<ul>"]
        parts += [
            f'<li><a href="{esc(href, quote=True)}">{esc(title)}</a></li>'
            for title, href in workbooks
        ]
        parts.append("<li>各单位的整改清单：见上表“整改清单”一列。</li></ul>")
    parts += ["</body>", "</html>", ""]
    return with_embedded_font("\n".join(parts), font)
