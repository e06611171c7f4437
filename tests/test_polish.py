"""Every page of the default sample month reads as a finished Chinese report (issue 12, part 2).

One real ``kpi run`` of the bundled sample month (``data/sample``, as ``make report``
writes it), then every rendered page is read as its reader reads it: the visible text
(scripts, styles and embedded images left out) and its tables.

- no English or template text meant for developers: no parenthesised English gloss, no
  code such as ``churn_rate`` or ``unit_report``, no "(unit report)";
- no row index, ``NaN``, ``<NA>``, ``None``, and no ratio printed as a raw decimal;
- a section that does not apply says so once and nothing contradicts it;
- a page header (unit, month, generation time, scheme, data fingerprint) with a link back
  to the index, and an index linking every report and every Excel file of the month.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from kpilib.cli import run_command

pytestmark = [pytest.mark.xdist_group("polish"), pytest.mark.slow]

MONTH = "2026-10"
#: Parenthesised English for the terminal, e.g. "(no row in activity.csv)", "(unit report)".
#: (A method's name in brackets, e.g. "（Cochran）", is a citation and stays.)
ENGLISH_GLOSS = re.compile(r"[(（][a-z][A-Za-z0-9_ .,;:'/-]*[)）]")
#: Identifiers of the code (indicator codes, column or notebook names): ``churn_rate``.
CODE_NAME = re.compile(r"(?<![\w./])[a-z]+(?:_[a-z0-9]+)+(?![\w.])")
MISSING_MARKERS = re.compile(r"(?<![\w])(NaN|nan|<NA>|None|NaT|null)(?![\w])")
#: A ratio or score printed with more decimals than a reader needs (0.196251).
RAW_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{4,}(?![\w])")


@pytest.fixture(scope="module")
def month_dir(bundled_sample, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("polish") / "outputs"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run_command(
            month=MONTH, data_dir=bundled_sample, out_dir=out, jobs=2, progress=False
        )
    assert code == 0, stderr.getvalue()
    return out / MONTH


@pytest.fixture(scope="module")
def pages(month_dir) -> dict[str, BeautifulSoup]:
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    names = [entry["html"] for entry in manifest["reports"].values()]
    assert len(names) == 20  # 12 counties, 6 centres, the summary, the sampling plan
    return {name: _page(month_dir / name) for name in [*names, "index.html"]}


def _page(path: Path) -> BeautifulSoup:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["script", "style", "img", "head"]):
        hidden.decompose()
    return soup


def _lines(soup: BeautifulSoup) -> list[str]:
    return [line.strip() for line in soup.get_text("\n").splitlines() if line.strip()]


def _findings(pages: dict[str, BeautifulSoup], pattern: re.Pattern) -> list[str]:
    return [
        f"{name}: {line[:120]}"
        for name, soup in pages.items()
        for line in _lines(soup)
        if pattern.search(line)
    ]


def test_no_english_gloss_template_text_or_code_names(pages):
    assert _findings(pages, ENGLISH_GLOSS) == []
    # file names (revenue.csv, docs/methods.md) are what the reader opens: allowed
    assert _findings(pages, CODE_NAME) == []


def test_no_missing_markers_or_raw_decimals(pages):
    assert _findings(pages, MISSING_MARKERS) == []
    assert _findings(pages, RAW_DECIMAL) == []


def test_tables_have_no_row_index(pages):
    found = []
    for name, soup in pages.items():
        for table in soup.find_all("table"):
            body = table.find("tbody")
            if body is not None and body.find("th") is not None:
                found.append(f"{name}: row header {body.find('th').get_text()!r}")
            head = table.find("thead")
            if head is not None and any(not th.get_text(strip=True) for th in head.find_all("th")):
                found.append(f"{name}: a column without a header")
    assert found == []


def test_every_report_page_has_its_header_and_a_link_back_to_the_index(month_dir, pages):
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["reports"].values():
        soup = pages[entry["html"]]
        header = soup.find("header", class_="kpi-page-header")
        assert header is not None, entry["html"]
        fields = {
            dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
            for dt in header.find_all("dt")
        }
        assert fields["考核月份"] == MONTH
        unit = f"{entry['name']}（{entry['code']}）"
        assert fields["单位"] == (unit if entry["kind"] == "unit" else entry["name"])
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（UTC[+-]\d\d:\d\d）", fields["生成时间"]
        )
        assert fields["考核方案"].startswith("scheme-2026.yaml")
        assert fields["数据指纹"] == entry["data_hash"][:16]
        assert header.find("a", href="index.html") is not None


def test_the_index_links_every_report_and_every_excel_file(month_dir, pages):
    links = {a["href"] for a in pages["index.html"].find_all("a", href=True)}
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    assert {entry["html"] for entry in manifest["reports"].values()} <= links
    workbooks = {p.relative_to(month_dir).as_posix() for p in month_dir.rglob("*.xlsx")}
    assert len(workbooks) >= 2 and workbooks <= links
    assert not _findings({"index.html": pages["index.html"]}, ENGLISH_GLOSS)


def test_a_section_that_does_not_apply_says_so_once_and_nothing_contradicts_it(pages):
    for name, soup in pages.items():
        text = "\n".join(_lines(soup))
        if "本节不适用" not in text:
            continue
        assert text.count("中心不向部门报送县市报表，本节不适用。") <= 1, name
        if "中心不向部门报送县市报表" in text:
            assert "本月无迟报或未报的报表" not in text, name
        if "本单位本月无合同，本节不适用。" in text:
            assert "本单位合同均已完整归档" not in text, name
    centres = [name for name, soup in pages.items() if "（Z" in _header_unit(soup)]
    assert centres and all("本节不适用" in "\n".join(_lines(pages[c])) for c in centres)


def _header_unit(soup: BeautifulSoup) -> str:
    header = soup.find("header", class_="kpi-page-header")
    return "" if header is None else header.find("dd").get_text(strip=True)
