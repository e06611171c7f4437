"""Hostile input values: nobody is injected, numbers stay masked (issue #10, item 3).

From the user's side: one sample month is copied and its free-text columns (unit
names, staff names, a customer name, a missing-documents note) are given HTML,
Markdown links, spreadsheet formulas and raw phone and ID numbers, keeping the files
valid otherwise. The shared results are built, the unit reports of two units and the
summary run in real kernels and are rendered to HTML, and the Excel exports are
written. Then:

- no ``<script>``, event handler or ``javascript:`` link survives as markup in any
  page (escaped text is fine, and the names do show as text);
- every xlsx cell holding a hostile name is a string cell, and no workbook holds a
  formula;
- no raw phone or ID number appears in any page, shared result or workbook.

The helpers behind it (Markdown escaping, masking, typed Excel cells) have unit tests
here too, in test_render.py and in test_privacy.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from kpilib.report.excel import write_excel
from kpilib.report.exports import excel_exports, sampling_list_export
from kpilib.report.store import read_result, stored_tables
from kpilib.run.executors import ReportJob
from kpilib.run.open import ensure_results
from kpilib.run.warm import WarmKernelExecutor

pytestmark = pytest.mark.xdist_group("injection")

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOKS = PROJECT / "notebooks"
MONTH = "2026-10"

#: Unit code -> hostile unit name (X01 and Z01 get unit reports; all show in the summary).
UNIT_NAMES = {
    "X01": "<script>alert(1)</script>",
    "X02": "<img src=x onerror=alert(1)>",
    "Z01": "[点我](javascript:alert(1))",
}
RAW_PHONE, RAW_ID, OTHER_PHONE = "13812345678", "11010519491231002X", "13912345678"
#: Names of X01's first staff members, in file order (the last carries a phone number).
STAFF_NAMES = ['=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3", f"周{OTHER_PHONE}"]
FORMULA_NAMES = STAFF_NAMES[:4]
CUSTOMER = f"客户{RAW_PHONE}（法人身份证{RAW_ID}）<b>有限公司</b>"
MISSING_DOCUMENTS = f"授权书;联系人手机{OTHER_PHONE}补交"
RAW_NUMBERS = (RAW_PHONE, RAW_ID, OTHER_PHONE)


# --------------------------------------------------------------------------- the month


def _read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [row for row in csv.reader(io.StringIO(text)) if row]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _edit_csv(path: Path, key_header: str, header: str, values: dict[str, str]) -> None:
    """Set ``header`` of the rows whose ``key_header`` is a key of ``values``."""
    rows = _read_csv(path)
    key, column = rows[0].index(key_header), rows[0].index(header)
    for row in rows[1:]:
        if row[key] in values:
            row[column] = values[row[key]]
    _write_csv(path, rows)


def _hostile_staff(path: Path) -> list[str]:
    """Give X01's first staff members the names of :data:`STAFF_NAMES`; return their ids.

    The cells stay text cells, as an HR export writes them (openpyxl would take a
    leading ``=`` for a formula).
    """
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    id_col, name_col, unit_col = (header.index(h) for h in ("工号", "姓名", "单位编码"))
    ids = []
    for row in sheet.iter_rows(min_row=2):
        if row[unit_col].value == "X01" and len(ids) < len(STAFF_NAMES):
            row[name_col].value = STAFF_NAMES[len(ids)]
            row[name_col].data_type = "s"
            ids.append(row[id_col].value)
    book.save(path)
    return ids


def _contract_of(folder: Path, staff_ids: list[str]) -> str:
    """A contract of one of ``staff_ids`` shown as not (fully) archived in the unit report."""
    rows = _read_csv(folder / "contracts.csv")
    header = rows[0]
    staff, status = header.index("客户经理工号"), header.index("归档状态")
    chosen = next(r for r in rows[1:] if r[staff] in staff_ids and r[status] != "已归档")
    return chosen[header.index("合同编号")]


@pytest.fixture(scope="module")
def hostile(bundled_sample, tmp_path_factory) -> dict:
    """One sample month with hostile free text, and its shared results."""
    root = tmp_path_factory.mktemp("injection")
    data_dir = root / "data"
    folder = data_dir / MONTH
    shutil.copytree(bundled_sample / MONTH, folder)
    _edit_csv(folder / "units.csv", "单位编码", "单位名称", UNIT_NAMES)
    staff_ids = _hostile_staff(folder / "staff.xlsx")
    contract = _contract_of(folder, staff_ids)
    _edit_csv(folder / "contracts.csv", "合同编号", "集团客户名称", {contract: CUSTOMER})
    _edit_csv(folder / "contracts.csv", "合同编号", "归档状态", {contract: "部分归档"})
    _edit_csv(folder / "contracts.csv", "合同编号", "缺失材料", {contract: MISSING_DOCUMENTS})
    results = ensure_results(data_dir, MONTH, root / "results")
    return {"root": root, "data_dir": data_dir, "results": results, "contract": contract}


@pytest.fixture(scope="module")
def shared(hostile) -> dict[str, pd.DataFrame]:
    return {
        name: read_result(hostile["results"], name) for name in stored_tables(hostile["results"])
    }


@pytest.fixture(scope="module")
def workbooks(hostile, shared) -> dict[str, Path]:
    """The Excel exports of the hostile month, written as the runner writes them."""
    out = hostile["root"] / "xlsx"
    return {name: write_excel(out / name, sheets) for name, sheets in excel_exports(shared).items()}


@pytest.fixture(scope="module")
def pages(hostile) -> dict[str, str]:
    """Unit reports of X01 and Z01 and the summary, executed and rendered: key -> HTML."""
    root = hostile["root"]
    common = {
        "month": MONTH,
        "results_dir": str(hostile["results"]),
        "data_dir": str(hostile["data_dir"]),
    }
    jobs = [
        ReportJob(
            f"unit_{code}",
            NOTEBOOKS / "unit_report.ipynb",
            {**common, "unit_code": code},
            root / "out" / f"unit_{code}.ipynb",
            root / "out" / f"unit_{code}.html",
            f"{MONTH} {UNIT_NAMES[code]} ({code}) 月度考核报告",
            NOTEBOOKS,
        )
        for code in ("X01", "Z01")
    ]
    jobs.append(
        ReportJob(
            "summary",
            NOTEBOOKS / "department_summary.ipynb",
            common,
            root / "out" / "summary.ipynb",
            root / "out" / "summary.html",
            f"{MONTH} 集团客户部月度考核汇总",
            NOTEBOOKS,
        )
    )
    done = WarmKernelExecutor(jobs=2).run(jobs)
    failed = [(r.key, r.failure) for r in done if not r.ok]
    assert not failed, failed
    return {job.key: job.html.read_text(encoding="utf-8") for job in jobs}


# --------------------------------------------------------------------------- HTML


class _Markup(HTMLParser):
    """The elements, attributes, script bodies and text of a page, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def _markup(page: str) -> _Markup:
    parser = _Markup()
    parser.feed(page)
    parser.close()
    return parser


def injected_markup(page: str) -> list[str]:
    """What in ``page`` is live markup a hostile value could have made: empty when safe."""
    parsed = _markup(page)
    found = [f"script: {body[:60]!r}" for body in parsed.scripts if "alert(" in body]
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"<{tag} {name}=…>")
            if re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith("javascript:"):
                found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            found.append("<img src=x>")
    return found


def shown_text(page: str) -> str:
    """The page's text as a reader sees it (entities decoded, no markup)."""
    return "".join(_markup(page).text)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", []),
        ("<td>&lt;img src=x onerror=alert(1)&gt;</td>", []),
        ("<p>[点我](javascript:alert(1))</p>", []),
        ("<script>alert(1)</script>", ["script: 'alert(1)'"]),
        ("<img src=x onerror=alert(1)>", ["<img onerror=…>", "<img src=x>"]),
        ('<a href=" JavaScript:alert(1)">点我</a>', ["<a href=' JavaScript:alert(1)'>"]),
    ],
)
def test_injected_markup_finds_live_markup_only(page, expected):
    assert injected_markup(page) == expected


@pytest.mark.notebook
def test_pages_carry_no_injected_markup_and_show_the_names_as_text(pages):
    for key, page in pages.items():
        assert injected_markup(page) == [], key
    heading = _markup(pages["unit_X01"])
    assert UNIT_NAMES["X01"] in shown_text(pages["unit_X01"])
    assert any(tag == "h1" for tag, _ in heading.tags)
    assert f"{UNIT_NAMES['X01']}（X01）{MONTH} 月度考核报告" in shown_text(pages["unit_X01"])
    assert f"{UNIT_NAMES['Z01']}（Z01）" in shown_text(pages["unit_Z01"])
    summary = shown_text(pages["summary"])
    assert all(name in summary for name in UNIT_NAMES.values())
    staff = shown_text(pages["unit_X01"])
    assert all(name in staff for name in FORMULA_NAMES)
    assert f"<title>{MONTH} &lt;script&gt;" in pages["unit_X01"]  # the page title too


@pytest.mark.notebook
def test_pages_show_no_raw_phone_or_id_number(pages):
    for key, page in pages.items():
        text = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)
        assert not [n for n in RAW_NUMBERS if n in text], key
    x01 = shown_text(pages["unit_X01"])
    assert "客户138****5678（法人身份证110105********002X）<b>有限公司</b>" in x01
    assert f"周{OTHER_PHONE[:3]}****{OTHER_PHONE[-4:]}" in x01


# --------------------------------------------------------------------------- shared results


def _cells(frame: pd.DataFrame) -> list[str]:
    values = [str(v) for v in frame.index]
    for column in frame.columns:
        values += [str(v) for v in frame[column].tolist()]
    return values


@pytest.mark.slow
def test_shared_results_hold_no_raw_number(shared, hostile):
    leaks = [
        (name, number)
        for name, frame in shared.items()
        for number in RAW_NUMBERS
        if any(number in value for value in _cells(frame))
    ]
    assert not leaks
    contracts = shared["contracts"].set_index("contract_id")
    assert contracts.loc[hostile["contract"], "customer_name"] == (
        "客户138****5678（法人身份证110105********002X）<b>有限公司</b>"
    )
    missing = shared["archive_missing"].set_index("contract_id")
    assert "联系人手机139****5678补交" in missing.loc[hostile["contract"], "missing_documents"]
    # names are stored as written (escaping is the reports' job), numbers only masked
    units = shared["units"].set_index("unit_code")["unit_name"]
    assert units[list(UNIT_NAMES)].tolist() == list(UNIT_NAMES.values())


# --------------------------------------------------------------------------- Excel


def _xlsx_cells(path: Path) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


@pytest.mark.slow
def test_workbooks_keep_hostile_names_as_text_and_hold_no_formula(workbooks):
    cells = {name: _xlsx_cells(path) for name, path in workbooks.items()}
    scorecard = cells["department_scorecard.xlsx"]
    for hostile in [*FORMULA_NAMES, *UNIT_NAMES.values()]:
        holding = [c for c in scorecard if c.value == hostile]
        assert holding, f"{hostile!r} not exported"
        assert {c.data_type for c in holding} == {"s"}, hostile
    assert all(c.quotePrefix for c in scorecard if c.value in FORMULA_NAMES)
    for name, path in workbooks.items():
        assert not [c.coordinate for c in cells[name] if c.data_type == "f"], name
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


@pytest.mark.slow
def test_workbooks_hold_no_raw_number(workbooks):
    for name, path in workbooks.items():
        with zipfile.ZipFile(path) as archive:
            xml = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
        assert not [n for n in RAW_NUMBERS if n in xml], name
    values = [str(c.value) for c in _xlsx_cells(workbooks["department_scorecard.xlsx"])]
    assert f"周{OTHER_PHONE[:3]}****{OTHER_PHONE[-4:]}" in values


# --------------------------------------------------------------------------- helpers


def test_write_excel_keeps_text_as_text_and_numbers_as_numbers(tmp_path):
    names = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1", "张三"]
    frame = pd.DataFrame(
        {"姓名": names, "得分": [91.5, 80, 0.0, -3.25, 1e6, 7, 2], "人数": range(len(names))}
    )
    path = write_excel(tmp_path / "book.xlsx", {"人员": frame})
    sheet = openpyxl.load_workbook(path)["人员"]
    rows = list(sheet.iter_rows(min_row=2, values_only=False))
    # as written: no quote or space added; a CR is stored as the OOXML escape _x000D_,
    # which Excel reads back as CR and openpyxl leaves as it is (unescape: as Excel reads)
    assert [unescape(r[0].value) for r in rows] == names
    assert {r[0].data_type for r in rows} == {"s"}
    assert [r[0].quotePrefix for r in rows] == [True] * 6 + [False]
    assert [r[1].value for r in rows] == [91.5, 80, 0, -3.25, 1e6, 7, 2]
    assert {r[1].data_type for r in rows} == {"n"} and {r[2].data_type for r in rows} == {"n"}
    assert [c.value for c in sheet[1]] == ["姓名", "得分", "人数"]


def _columns(sheet) -> dict[str, tuple[float, str]]:
    """Column letter -> (width, default number format), a range of columns expanded."""
    return {
        get_column_letter(i): (dim.width, dim.number_format)
        for dim in sheet.column_dimensions.values()
        for i in range(dim.min, dim.max + 1)
    }


def test_write_excel_types_formats_and_layout_of_hostile_values(tmp_path):
    frame = pd.DataFrame(
        {
            "姓名": ['=HYPERLINK("http://x","y")', "\x01张三", "", None, "_x0041_"],
            "金额(元)": [1234.5, np.nan, -np.inf, 0.0, 7.0],
            "合格率": [0.5, 1.0, np.nan, 0.25, 0.0],
            "人数": [1, 2, 3, 4, 5],
            "是否否决": [True, False, True, False, True],
            "备注": [dt.datetime(2026, 10, 1, 8, 30), dt.date(2026, 10, 2), 3, "x", pd.NA],
        }
    )
    long_name = "很长的工作表名" * 5  # 35 characters
    sheets = {"人员": frame, long_name: frame.iloc[:0, :2]}
    path = write_excel(tmp_path / "book.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["人员", long_name[:31]]
    sheet = book["人员"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F6"
    # widths by hand: widest of header and values shown (CJK counts two) + 2, within [8, 60]
    # 姓名: the formula text, 26; 金额(元): header 2*2+3 = 7+1 and "1,234.50" = 8;
    # 合格率: "100.0%" = 6, raised to 8; 人数: "5.00" = 4, raised to 8; 是否否决: header 8;
    # 备注: "2026-10-01 08:30:00" = 19
    assert _columns(sheet) == {
        "A": (28, "@"), "B": (10, "0.00"), "C": (8, "0.0%"), "D": (8, "0"), "E": (10, "@"),
        "F": (21, "@"),
    }  # fmt: skip
    cells = [[(c.value, c.data_type, c.number_format, c.quotePrefix) for c in row]
             for row in sheet.iter_cols(min_row=2, max_row=6)]  # fmt: skip
    name, money, share, count, vetoed, note = cells
    assert [(v, t, q) for v, t, _, q in name] == [
        ('=HYPERLINK("http://x","y")', "s", True), ("\\x01张三", "s", False),
        (None, "n", False), (None, "n", False), ("_x0041_", "s", False),
    ]  # fmt: skip
    assert {f for *_, f, _ in name} == {"General"}  # text cells keep General, the column @
    assert [(v, f, q) for v, _, f, q in money] == [
        (1234.5, "0.00", False), (None, "0.00", False), ("-inf", "0.00", True),
        (0, "0.00", False), (7, "0.00", False),
    ]  # fmt: skip
    assert [(v, f) for v, _, f, _ in share] == [
        (0.5, "0.0%"), (1, "0.0%"), (None, "0.0%"), (0.25, "0.0%"), (0, "0.0%")
    ]  # fmt: skip
    assert [(v, t, f) for v, t, f, _ in count] == [(i, "n", "General") for i in range(1, 6)]
    assert [(v, t) for v, t, *_ in vetoed] == [(True, "b"), (False, "b")] * 2 + [(True, "b")]
    assert [(v, f) for v, _, f, _ in note] == [
        (dt.datetime(2026, 10, 1, 8, 30), "YYYY-MM-DD HH:MM:SS"),
        (dt.datetime(2026, 10, 2), "YYYY-MM-DD"), (3, "General"), ("x", "General"),
        (None, "General"),
    ]  # fmt: skip
    # a header-only sheet: a filter over the header and one empty row to type into
    empty = book[long_name[:31]]
    assert empty.auto_filter.ref == "A1:B2" and empty.freeze_panes == "A2"
    assert _columns(empty) == {"A": (8, "@"), "B": (10, "0.00")}
    assert [(c.value, c.number_format) for c in empty[2]] == [(None, "General"), (None, "0.00")]
    with zipfile.ZipFile(path) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if "worksheets/" in n)
    assert b"<f>" not in xml and b"<f " not in xml  # no formula anywhere
    with pytest.raises(ValueError, match="31 characters"):
        write_excel(tmp_path / "twice.xlsx", {long_name: frame, long_name + "二": frame})
    with pytest.raises(ValueError, match="cannot name a sheet"):
        write_excel(tmp_path / "bad.xlsx", {"人员[1]": frame})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_excel_exports_mask_numbers_in_text():
    headline = pd.DataFrame(
        {
            "unit_code": ["X01"], "unit_name": [f"城东{RAW_PHONE}"], "unit_type": ["county"],
            "total": [90.0], "rank": [1], "peers": [1], "grade": ["A"], "vetoed": [False],
            "veto_reason": [f"身份证{RAW_ID}"], "prev_total": [None], "prev_rank": [None],
            "change": [None],
        }
    )  # fmt: skip
    staff = pd.DataFrame(
        {
            "staff_id": ["S00001"], "name": ['=HYPERLINK("x")'], "unit_code": ["X01"],
            "role": ["customer_manager"], "phone_masked": ["138****5678"], "base": [90.0],
            "bonus": [0.0], "deduction": [0.0], "total": [90.0], "vetoed": [False],
            "veto_reason": [""], "rank": [1], "grade": ["A"],
        }
    )  # fmt: skip
    checks = pd.DataFrame(
        columns=[
            "unit_code", "staff_id", "name", "issue", "submitted_total", "recomputed_total",
            "difference", "indicator", "differing_indicators", "message",
        ]
    )  # fmt: skip
    sheets = excel_exports(
        {"headline": headline, "staff_scorecard": staff, "centre_checks": checks}
    )
    league = sheets["department_scorecard.xlsx"]["单位考核排名"]
    assert league["单位名称"].tolist() == ["城东138****5678"]
    assert league["否决原因"].tolist() == ["身份证110105********002X"]
    assert sheets["department_scorecard.xlsx"]["人员考核得分"]["姓名"].tolist() == [
        '=HYPERLINK("x")'
    ]  # exported as written: write_excel keeps it text


def test_sampling_list_export_masks_numbers_in_text():
    tables = {
        "sampling_plan": pd.DataFrame(
            {"unit_code": ["X01"], "level": ["II"], "aql": [2.5], "seed": [202610]}
        ),
        "sampling_list": pd.DataFrame(
            {"ticket_id": ["GD1"], "staff_id": ["S00001"], "note": [f"回访 {RAW_PHONE}"]}
        ),
        "lot_verdicts": pd.DataFrame({"unit_code": ["X01"], "verdict": ["accept"]}),
    }
    sheets = sampling_list_export(tables)
    assert not [n for s in sheets.values() for v in _cells(s) for n in RAW_NUMBERS if n in v]
