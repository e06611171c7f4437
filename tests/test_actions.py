"""整改清单 (kpilib.report.actions) and the Excel layout of every workbook.

The workbooks' rows are checked against the owning duties called directly on the
generated month (kpilib.duties.*), and against the ground truth the generator plants
(``planted.json``: the county that submits every report late, the centre whose
submitted results differ); the files are read back with openpyxl for their layout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpilib.contract.load import load_month
from kpilib.duties import archive, audit, process, timeliness
from kpilib.report import actions
from kpilib.report.excel import write_excel
from kpilib.report.exports import (
    MONEY_FORMAT,
    PERCENT_FORMAT,
    TEXT_FORMAT,
    action_workbooks,
    column_layout,
    department_workbooks,
    excel_exports,
)
from kpilib.report.render import IndexRow, index_html
from kpilib.report.shared import build_shared_results, scheme_for
from kpilib.sample.generate import generate

MONTH = "2026-10"
HOSTILE = '=HYPERLINK("http://example.com","点我")'


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    generate(folder, months=1, end=MONTH, counties=2, centres=6, seed=7)
    return folder


@pytest.fixture(scope="module")
def planted(sample) -> dict:
    return json.loads((sample / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data(sample):
    return load_month(sample, MONTH)


@pytest.fixture(scope="module")
def shared(sample, data) -> dict[str, pd.DataFrame]:
    return build_shared_results(data, data_dir=None, scheme=scheme_for(2026))


@pytest.fixture(scope="module")
def written(shared, tmp_path_factory) -> dict[str, Path]:
    """Every unit's 整改清单 as the run writes it."""
    folder = tmp_path_factory.mktemp("out")
    books = action_workbooks(shared, month=MONTH)
    return {name: write_excel(folder / name, sheets) for name, sheets in books.items()}


def read_back(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)


def units_of(data) -> list[str]:
    return data.units["unit_code"].astype(str).tolist()


def sheet_ids(path: Path, kind: str, column: str) -> list[str]:
    sheets = read_back(path)
    sheet = actions.ACTION_SHEETS[kind]
    return sheets[sheet][column].tolist() if sheet in sheets else []


# --------------------------------------------------------------------------- rows = duty facts


def test_every_unit_has_a_workbook_named_by_its_code(data, written):
    assert sorted(written) == sorted(f"actions/整改清单_{u}.xlsx" for u in units_of(data))
    assert all(p.is_file() for p in written.values())


def test_contract_rows_are_the_archive_duty_missing_documents(data, written):
    missing = archive.missing_documents(data.contracts, data.staff)
    assert len(missing) > 0  # the generated month has incomplete contracts to list
    for unit in units_of(data):
        expected = missing.loc[missing["unit_code"] == unit, "contract_id"].tolist()
        path = written[actions.workbook_path(unit)]
        assert sheet_ids(path, "contracts", "合同编号") == expected, unit


def test_ticket_rows_are_the_process_duty_overdue_tickets(data, written):
    overdue = process.overdue_tickets(data.tickets, data.staff, as_of=data.as_of)
    assert len(overdue) > 0
    for unit in units_of(data):
        expected = overdue.loc[overdue["unit_code"] == unit, "ticket_id"].tolist()
        path = written[actions.workbook_path(unit)]
        assert sheet_ids(path, "tickets", "工单编号") == expected, unit


def test_late_reports_are_the_timeliness_duty_and_the_planted_late_county(data, planted, written):
    late = timeliness.late_submissions(data.submissions, data.units, as_of=data.as_of)
    for unit in units_of(data):
        expected = late.loc[late["unit_code"] == unit, "report"].tolist()
        path = written[actions.workbook_path(unit)]
        assert sheet_ids(path, "submissions", "报表名称") == expected, unit
    # planted.json: this county submits every report due in the month 1-6 days late
    county = planted["late_county"]
    own = data.submissions[data.submissions["unit_code"] == county]
    due = own[own["due_date"] <= data.as_of]
    rows = read_back(written[actions.workbook_path(county)])["迟报未报报表"]
    assert sorted(rows["报表名称"]) == sorted(due["report"])
    assert set(rows["状态"]) <= {"迟报", "未报送"}
    assert all(1 <= int(d) <= 6 for d in rows.loc[rows["状态"] == "迟报", "迟报天数"])


def test_audit_rows_are_open_findings_then_those_closed_late(data, written):
    opened = audit.open_findings(data.audit_findings, as_of=data.as_of)
    overdue = audit.overdue_findings(data.audit_findings, as_of=data.as_of)
    late = overdue[overdue["status"] == "closed_late"]
    for unit in units_of(data):
        expected = [
            *opened.loc[opened["unit_code"] == unit, "finding_id"],
            *late.loc[late["unit_code"] == unit, "finding_id"],
        ]
        path = written[actions.workbook_path(unit)]
        assert sheet_ids(path, "audit", "发现编号") == expected, unit


def test_audit_sheet_by_hand_open_overdue_then_closed_late():
    """F1 due 2026-10-01 still open: 未整改已逾期 (30 days at 2026-10-31); F2 closed on
    2026-10-05, 4 days after its due date: 逾期后整改; F3 due 2026-12-01: 未整改未到期."""
    day = pd.Timestamp
    findings = pd.DataFrame(
        {
            "finding_id": ["F1", "F2", "F3"],
            "unit_code": ["X01"] * 3,
            "process": ["合同管理过程"] * 3,
            "clause": ["8.2", "8.5", "9.1"],
            "severity": ["major", "minor", "minor"],
            "raised_date": [day("2026-09-01")] * 3,
            "due_date": [day("2026-10-01"), day("2026-10-01"), day("2026-12-01")],
            "closed_date": [pd.NaT, day("2026-10-05"), pd.NaT],
        }
    )
    as_of = "2026-10-31 23:59:59"
    shared = {
        "units": pd.DataFrame(
            {"unit_code": ["X01"], "unit_name": ["一县"], "unit_type": ["county"]}
        ),
        "staff": pd.DataFrame({"staff_id": ["S1"], "name": ["张三"], "unit_code": ["X01"]}),
        "audit_open": audit.open_findings(findings, as_of=as_of),
        "audit_overdue": audit.overdue_findings(findings, as_of=as_of),
    }
    sheet = actions.action_sheets(shared, "X01", month=MONTH)["贯标审核发现"]
    assert sheet["发现编号"].tolist() == ["F1", "F3", "F2"]
    assert sheet["整改状态"].tolist() == ["未整改已逾期", "未整改未到期", "逾期后整改"]
    assert sheet["逾期天数"].tolist() == [30, 0, 4]


def test_failed_inspections_are_the_inspectors_fails_of_the_units_staff(data, written):
    unit_of = data.staff.set_index("staff_id")["unit_code"]
    failed = data.inspections[~data.inspections["passed"].astype(bool)]
    failed = failed.sort_values(["inspected_date", "inspection_id"])
    assert len(failed) > 0
    for unit in units_of(data):
        expected = failed.loc[failed["staff_id"].map(unit_of) == unit, "inspection_id"].tolist()
        path = written[actions.workbook_path(unit)]
        assert sheet_ids(path, "inspections", "抽检编号") == expected, unit


def test_failed_inspections_show_the_inspectors_note_next_to_the_score(data, shared, written):
    unit_of = data.staff.set_index("staff_id")["unit_code"]
    failed = data.inspections[~data.inspections["passed"].astype(bool)]
    plain = failed[failed["inspector_note"].notna() & ~failed["inspector_note"].str.contains(r"\d")]
    row = plain.iloc[0]
    unit = unit_of[row["staff_id"]]
    sheet = read_back(written[actions.workbook_path(unit)])["质检不合格"]
    headers = sheet.columns.tolist()
    assert headers.index("检查意见") == headers.index("检查得分") + 1
    shown = sheet.set_index("抽检编号").loc[row["inspection_id"], "检查意见"]
    assert shown == row["inspector_note"]
    # A callback number an inspector wrote into the note is masked (hand-masked here).
    tampered = shared["inspections"].copy()
    is_row = tampered["inspection_id"] == row["inspection_id"]
    tampered.loc[is_row, "inspector_note"] = "回访记录缺失（客户回访电话13912345678未接通）"
    sheets = actions.action_sheets({**shared, "inspections": tampered}, unit, month=MONTH)
    shown = sheets["质检不合格"].set_index("抽检编号").loc[row["inspection_id"], "检查意见"]
    assert shown == "回访记录缺失（客户回访电话139****5678未接通）"


def test_centre_mismatches_name_the_planted_staff_and_only_centres_have_the_sheet(
    data, planted, shared, written
):
    planted_mismatch = planted["centre_mismatch"][MONTH]
    centre = planted_mismatch["unit_code"]
    rows = read_back(written[actions.workbook_path(centre)])["汇总检查不符"]
    assert set(planted_mismatch["staff_ids"]) <= set(rows["工号"])
    checks = shared["centre_checks"]
    assert rows["工号"].tolist() == checks.loc[checks["unit_code"] == centre, "staff_id"].tolist()
    for unit in units_of(data):
        overview = read_back(written[actions.workbook_path(unit)]).get("整改汇总")
        if overview is None:
            continue
        where = overview.set_index("事项")["工作表"]
        county = unit.startswith("X")
        assert (where["汇总检查不符"] == "不适用") == county, unit
        assert (where["迟报未报报表"] == "不适用") == (not county), unit


def test_overview_counts_every_sheet_and_rows_carry_empty_status_columns(written):
    for path in written.values():
        sheets = read_back(path)
        if "整改汇总" not in sheets:
            continue
        overview = sheets["整改汇总"]
        for _, row in overview.iterrows():
            if int(row["条数"]):
                assert len(sheets[row["工作表"]]) == int(row["条数"])
            else:
                assert row["工作表"] in {"本月无", "不适用"}
                assert row["事项"] not in sheets
        for name, sheet in sheets.items():
            if name != "整改汇总":
                assert sheet.columns[-2:].tolist() == ["处理状态", "处理说明"]
                assert (sheet[["处理状态", "处理说明"]] == "").all().all()


def test_a_unit_with_nothing_to_act_on_gets_a_workbook_saying_so(shared, data, tmp_path):
    unit = units_of(data)[0]
    calm = dict(shared)
    for name in ("archive_missing", "tickets_overdue", "submissions_late", "audit_open"):
        calm[name] = shared[name][shared[name]["unit_code"] != unit]
    calm["audit_overdue"] = shared["audit_overdue"].iloc[0:0]
    calm["inspections"] = shared["inspections"].assign(passed=True)
    calm["centre_checks"] = shared["centre_checks"][shared["centre_checks"]["unit_code"] != unit]
    sheets = actions.action_sheets(calm, unit, month=MONTH)
    path = write_excel(tmp_path / actions.workbook_path(unit), sheets)
    back = read_back(path)
    assert list(back) == ["整改清单"]
    assert len(back["整改清单"]) == 1
    assert "本月没有需要整改的事项" in back["整改清单"].iloc[0, 0]
    assert unit in back["整改清单"].iloc[0, 0]


def test_rows_are_the_units_own_with_phone_numbers_masked(shared, data):
    unit = units_of(data)[0]
    staff = shared["staff"].copy()
    mine = staff.index[staff["unit_code"] == unit][0]
    other = staff.index[staff["unit_code"] != unit][0]
    staff.loc[mine, "name"] = "李四 13912345678"
    tampered = {**shared, "staff": staff}
    tables = actions.action_tables(tampered, unit)
    for kind, frame in tables.items():
        if frame is not None:
            assert (frame["unit_code"] == unit).all(), kind
            if "staff_id" in frame.columns:
                assert staff.loc[other, "staff_id"] not in set(frame["staff_id"]), kind
    text = " ".join(str(v) for f in tables.values() if f is not None for v in f.to_numpy().ravel())
    assert "13912345678" not in text


def test_unknown_unit_and_unsafe_codes_are_refused(shared):
    with pytest.raises(ValueError, match="no unit 'X99'"):
        actions.action_tables(shared, "X99")
    with pytest.raises(ValueError, match="cannot name a file"):
        actions.workbook_path("../X01")
    with pytest.raises(ValueError, match="month must be YYYY-MM"):
        actions.action_sheets(shared, "X01", month="2026/10")


# --------------------------------------------------------------------------- report texts


def test_list_count_text_states_the_full_count_and_where_the_rest_is():
    rows = pd.DataFrame({"ticket_id": [f"T{i}" for i in range(66)]})
    href = actions.workbook_href("X03")
    cut = actions.list_count_text(rows, "X03", kind="contracts", shown=30)
    assert "共 66 条" in cut and "前 30 条" in cut and "合同缺失材料" in cut and href in cut
    whole = actions.list_count_text(rows.head(12), "X03", kind="tickets", shown=30)
    assert "共 12 条" in whole and "全部列于下表" in whole and "前" not in whole
    assert actions.list_count_text(rows.iloc[0:0], "X03", kind="tickets", shown=30) == ""
    with pytest.raises(ValueError, match="kind must be one of"):
        actions.list_count_text(rows, "X03", kind="nothing")


def test_workbook_link_is_relative_to_the_unit_page():
    text = actions.workbook_link_text("Z02")
    assert "](actions/整改清单_Z02.xlsx)" in text
    words = re.sub(r"\[[^\]]*\]\([^)]*\)", "", text)  # reader-facing text but the link
    assert not re.search(r"[A-Za-z]", words), words


def test_index_links_each_units_workbook_and_every_other_excel_file():
    rows = [
        IndexRow("县市公司", "X01", "<b>一县</b>", "ok", "unit_X01.html", 90.0, "A",
                 actions_href=actions.workbook_href("X01")),
        IndexRow("部门", "", "部门汇总", "ok", "summary.html"),
    ]  # fmt: skip
    exports = ["sampling_list.xlsx", "department_scorecard.xlsx", actions.workbook_path("X01")]
    page = index_html(MONTH, rows, workbooks=department_workbooks(exports))
    assert f'<a href="{actions.workbook_href("X01")}">整改清单</a>' in page
    assert '<a href="sampling_list.xlsx">' in page
    assert '<a href="department_scorecard.xlsx">' in page
    assert "<b>一县</b>" not in page
    assert page.count("整改清单</a>") == 1  # the department's row has none


# --------------------------------------------------------------------------- Excel layout


def test_column_layout_by_hand():
    frame = pd.DataFrame(
        {
            "金额(元)": [1234.5, 2.0],  # header 2+2+1+2+1 = 8, widest value "1,234.50" = 8
            "合格率": [0.5, 1.0],  # header 3 CJK = 6, widest value "100.0%" = 6
            "姓名": ["张三丰", "x" * 80],  # 80 characters: capped
            "条数": [1, 2],  # header 4, values "2.00" = 4: raised to the minimum
        }
    )
    layout = column_layout(frame).set_index("header")
    # widths: the widest of header and values (CJK counts two) + 2, within [8, 60]
    assert layout.loc["金额(元)", "width"] == 8 + 2
    assert layout.loc["合格率", "width"] == 8  # 6 + 2
    assert layout.loc["姓名", "width"] == 60
    assert layout.loc["条数", "width"] == 8
    assert layout["number_format"].tolist() == [MONEY_FORMAT, PERCENT_FORMAT, TEXT_FORMAT, "0"]


def test_every_workbook_has_a_frozen_filtered_header_widths_and_typed_cells(shared, tmp_path):
    staff = shared["staff"].copy()
    overdue = shared["tickets_overdue"]
    hostile_id = overdue["staff_id"].iloc[0]
    unit = overdue["unit_code"].iloc[0]
    staff.loc[staff["staff_id"] == hostile_id, "name"] = HOSTILE
    tampered = {**shared, "staff": staff}
    books = excel_exports(tampered, month=MONTH)
    paths = {name: write_excel(tmp_path / name, sheets) for name, sheets in books.items()}
    assert {"department_scorecard.xlsx", "sampling_list.xlsx"} <= set(paths)
    formats: dict[str, set[str]] = {}
    for name, path in paths.items():
        book = load_workbook(path)
        for sheet in book.worksheets:
            assert re.search(r"[\u4e00-\u9fff]", sheet.title), (name, sheet.title)
            assert sheet.freeze_panes == "A2", (name, sheet.title)
            assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
            for cell in sheet[1]:
                assert re.search(r"[\u4e00-\u9fff]", str(cell.value)), (name, cell.value)
                width = sheet.column_dimensions[cell.column_letter].width
                assert 8 <= width <= 60, (name, sheet.title, cell.value)
            for row in sheet.iter_rows(min_row=2, max_row=min(sheet.max_row, 50)):
                for cell in row:
                    header = sheet.cell(1, cell.column).value
                    if "(元)" in header and isinstance(cell.value, (int, float)):
                        formats.setdefault("money", set()).add(cell.number_format)
                    if header in ("合格率", "达成比") and isinstance(cell.value, (int, float)):
                        formats.setdefault("share", set()).add(cell.number_format)
                    assert cell.data_type != "f", (name, sheet.title, cell.value)
    assert formats["money"] == {MONEY_FORMAT} and formats["share"] == {PERCENT_FORMAT}
    # the hostile name stays text, marked so that editing the cell keeps it text
    book = load_workbook(paths[actions.workbook_path(unit)])
    tickets = book["超时工单"]
    headers = [c.value for c in tickets[1]]
    column = tickets.cell(1, headers.index("姓名") + 1).column_letter
    names = [c for c in tickets[column][1:] if c.value == HOSTILE]
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)
    status = headers.index("处理状态") + 1
    assert tickets.column_dimensions[tickets.cell(1, status).column_letter].number_format == "@"
    # numbers are numbers: hours over the limit read back as floats
    over = headers.index("超时(小时)") + 1
    values = [tickets.cell(r, over).value for r in range(2, tickets.max_row + 1)]
    assert values and all(isinstance(v, float) for v in values)


# --------------------------------------------------------------------------- the run


@pytest.mark.notebook
def test_run_writes_every_units_workbook_records_and_links_it(tmp_path):
    """Two units' reports with the project's notebooks: the workbooks exist, are in the
    manifest's exports, and the index and the unit pages link them."""
    import contextlib
    import io
    from urllib.parse import quote, unquote

    from kpilib.cli import EXIT_OK, run_command

    data_dir = tmp_path / "data"
    generate(data_dir, months=1, end=MONTH, counties=2, centres=1, seed=11)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_command(
            month=MONTH,
            data_dir=data_dir,
            out_dir=tmp_path / "out",
            units=["X01", "Z01"],
            jobs=2,
            progress=False,
        )
    assert code == EXIT_OK, err.getvalue()
    month_dir = tmp_path / "out" / MONTH
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    index = (month_dir / "index.html").read_text(encoding="utf-8")
    for unit in ("X01", "Z01"):
        path = actions.workbook_path(unit)
        assert (month_dir / path).is_file()
        assert path in manifest["exports"]
        href = actions.workbook_href(unit)
        assert f'<a href="{href}">整改清单</a>' in index
        page = (month_dir / f"unit_{unit}.html").read_text(encoding="utf-8")
        # Markdown renders the link percent-encoded: the same path for a browser
        assert f'href="{quote(href)}"' in page
        assert (month_dir / unquote(href)).is_file()  # the link, as a browser reads it
    for other in ("department_scorecard.xlsx", "sampling_list.xlsx"):
        assert other in manifest["exports"] and (month_dir / other).is_file()
        assert f'<a href="{other}">' in index
