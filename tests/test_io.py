"""Loading and validating a month: every bad input is named by file, row, column and value."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpilib.contract.load import load_month, validate_month
from kpilib.contract.schema import TABLES
from kpilib.errors import Finding, InputError

MONTH = "2026-10"


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings_(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "warning"]


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, "\n".join(map(str, findings))
    return findings[0]


# ---------------------------------------------------------------------------
# the valid month
# ---------------------------------------------------------------------------


def test_tiny_month_is_clean_and_loads_with_contract_dtypes(tiny_month):
    assert validate_month(tiny_month.data_dir, MONTH) == []
    month = load_month(tiny_month.data_dir, MONTH)
    assert month.month == MONTH and month.warnings == ()
    expected = {
        "str": "str",
        "category": "str",
        "int": "int64",
        "money": "int64",
        "float": "float64",
        "date": "datetime64[ns]",
        "datetime": "datetime64[ns]",
        "bool": "boolean",
    }
    for name, table in TABLES.items():
        frame = month.tables()[name]
        assert list(frame.columns) == table.column_names, name
        assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
        for col in table.columns:
            assert str(frame[col.name].dtype) == expected[col.kind], (name, col.name)


def test_an_optional_column_may_be_left_out_or_given(tiny_month):
    """检查意见 is an optional column of inspections.csv (docs/data-contract.md): a file
    without it loads with the column blank and no finding; given, its text is kept."""
    month = load_month(tiny_month.data_dir, MONTH)
    assert month.inspections["inspector_note"].isna().all() and month.warnings == ()
    rows = tiny_month.rows("inspections.csv")
    rows[0].append("检查意见")
    rows[1].append("")
    rows[2].append("回访记录缺失")
    tiny_month.write("inspections.csv", rows)
    assert validate_month(tiny_month.data_dir, MONTH) == []
    notes = load_month(tiny_month.data_dir, MONTH).inspections["inspector_note"]
    assert notes.isna().tolist() == [True, False] and notes.iloc[1] == "回访记录缺失"


def test_values_are_converted_exactly(tiny_month):
    month = load_month(tiny_month.data_dir, MONTH)
    # money: yuan as written -> int fen, no float on the way
    assert month.activity["collected_fen"].tolist() == [1234560, 980050, 0, 0]
    assert month.revenue["amount_fen"].tolist() == [5000000, 120050]
    # categories: Chinese label or code -> code
    assert month.units["unit_type"].tolist() == ["county", "centre"]
    assert month.staff["role"].tolist()[:2] == ["customer_manager", "customer_manager"]
    assert month.targets["indicator"].tolist() == ["revenue", "visits", "new_members"]
    # bool (nullable), dates, datetimes with and without seconds
    assert month.inspections["passed"].tolist() == [True, False]
    assert month.training["qualified"].isna().tolist() == [True, False]
    assert month.tickets["opened_at"].tolist() == [
        pd.Timestamp("2026-10-03 09:00"),
        pd.Timestamp("2026-10-20 10:00"),
    ]
    assert month.tickets["closed_at"].isna().tolist() == [False, True]
    assert month.staff["leave_date"].isna().all()
    # str: blank -> missing; the xlsx numbers read as written
    assert month.contracts["missing_documents"].isna().tolist() == [True, False]
    assert month.centre_results["score"].tolist() == [95.0, 90.5]


@pytest.mark.parametrize(
    ("written", "fen"),
    [
        ("0", 0),
        ("12", 1200),
        ("12.3", 1230),
        ("12.30", 1230),
        ("0.01", 1),
        ("1,234.56", 123456),  # thousands separators
        ("12.300", 1230),  # trailing zero: still whole fen
        ("1E+3", 100000),  # scientific notation, parsed with Decimal
        ("  7.05 ", 705),  # surrounding spaces
        ("99999999999.99", 9999999999999),  # beyond float's exact cents? not here: exact
    ],
)
def test_money_is_parsed_to_fen_exactly(tiny_month, written, fen):
    tiny_month.edit("revenue.csv", 2, "金额(元)", written)
    assert load_month(tiny_month.data_dir, MONTH).revenue["amount_fen"].iloc[0] == fen


def test_headers_may_be_canonical_names_mixed_with_aliases_and_full_width(tiny_month):
    rows = tiny_month.rows("revenue.csv")
    rows[0] = [
        "record_id",
        "工号",
        "Customer_ID",
        "合同 编号",
        "产品名称",
        "金额（元）",
        "入账日期",
    ]
    tiny_month.write("revenue.csv", rows)
    assert validate_month(tiny_month.data_dir, MONTH) == []
    month = load_month(tiny_month.data_dir, MONTH)
    assert month.revenue["amount_fen"].tolist() == [5000000, 120050]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_load_identically(tiny_month, encoding):
    reference = load_month(tiny_month.data_dir, MONTH)
    for file in ("staff.csv", "activity.csv", "contracts.csv"):
        tiny_month.write(file, tiny_month.rows(file), encoding)
    month = load_month(tiny_month.data_dir, MONTH)
    for name in ("staff", "activity", "contracts"):
        pd.testing.assert_frame_equal(month.tables()[name], reference.tables()[name])
    assert month.staff["name"].tolist() == ["张三", "李四", "王五", "赵六"]


def test_xlsx_with_typed_cells_loads_like_csv(tiny_month):
    folder = tiny_month.folder
    (folder / "expenses.csv").unlink()
    (folder / "inspections.csv").unlink()
    tiny_month.write(
        "expenses.xlsx",
        [
            tiny_month.rows("expenses.csv")[0],
            [
                "E0001",
                "X01",
                "差旅费",
                1234.56,
                "已报销",
                pd.Timestamp("2026-10-09").to_pydatetime(),
            ],
        ],
    )
    tiny_month.write(
        "inspections.xlsx",
        [
            tiny_month.rows("inspections.csv")[0],
            ["I0001", "T0001", "S00003", "S00004", pd.Timestamp("2026-10-05").date(), 92.5, True],
            ["I0002", "T0002", "S00003", "S00004", "2026-10-21", 55, False],
        ],
    )
    assert validate_month(tiny_month.data_dir, MONTH) == []
    month = load_month(tiny_month.data_dir, MONTH)
    assert month.expenses["amount_fen"].tolist() == [123456]
    assert month.expenses["claim_date"].tolist() == [pd.Timestamp("2026-10-09")]
    assert month.inspections["passed"].tolist() == [True, False]
    assert month.inspections["score"].tolist() == [92.5, 55.0]


# ---------------------------------------------------------------------------
# one bad cell: file, row, column as the file names it, value as written, rule
# ---------------------------------------------------------------------------

BAD_CELLS = [
    # (file, row, header, written, words of the rule)
    ("activity.csv", 2, "拜访次数", "十二", "whole number"),  # wrong type
    ("activity.csv", 3, "新发展成员数", "2.5", "whole number"),
    ("activity.csv", 2, "回款金额(元)", "12,34x", "amount in yuan"),
    ("revenue.csv", 2, "金额(元)", "-5.00", "must not be negative"),  # negative amount
    ("revenue.csv", 3, "金额(元)", "1200.555", "at most 2 decimals"),  # three decimals
    ("staff.csv", 3, "单位编码", "X09", "not found in units.csv"),  # unknown unit
    ("revenue.csv", 2, "工号", "S09999", "not found in staff.csv"),  # unknown staff
    ("inspections.csv", 3, "质检员工号", "S07777", "not found in staff.csv"),  # inspector
    ("revenue.csv", 2, "入账日期", "2026-09-30", "outside the month"),  # date outside month
    ("expenses.csv", 2, "申请日期", "2026-11-01", "outside the month"),
    ("staff.csv", 5, "入职日期", "2026-11-01", "after the end of 2026-10"),
    ("units.csv", 2, "单位类型", "分公司", "not a valid unit_type"),  # bad category label
    ("contracts.csv", 3, "归档状态", "done", "not a valid archive_status"),
    ("inspections.csv", 2, "是否合格", "合格", "yes or no"),  # bad bool
    ("staff.csv", 2, "姓名", "", "required"),  # nullable violation
    ("revenue.csv", 3, "入账日期", "", "required"),
    ("staff.csv", 2, "手机号码", "1381234567", "wrong format"),  # phone pattern
    ("staff.csv", 4, "身份证号", "11010119850505123x", "wrong format"),
    ("audit_findings.csv", 2, "条款", "7.5.a", "wrong format"),
    ("tickets.csv", 2, "办结时间", "2026-10-02 08:00", "must not be before opened_at"),
    ("staff.csv", 2, "离职日期", "2019-12-31", "must not be before hire_date"),
    ("audit_findings.csv", 2, "整改期限", "2026-09-01", "must not be before raised_date"),
    ("targets.csv", 2, "挑战值", "90000", "must not be less than target"),
    ("targets.csv", 4, "目标值", "5", "must not be less than base"),
    ("expenses.csv", 2, "申请日期", "2026-10-32", "no such calendar date"),
    ("audit_findings.csv", 2, "提出日期", "15/09/2026", "date expected"),
    ("tickets.csv", 3, "受理时间", "昨天", "date and time expected"),
    ("tickets.csv", 3, "受理时间", "2026-10-20 25:00", "date and time expected"),
    ("staff.csv", 3, "入职日期", "2021-07-15 08:30", "date expected"),
    ("tickets.csv", 2, "处理时限(小时)", "abc", "number expected"),
    ("tickets.csv", 2, "处理时限(小时)", "0.25", "at least 0.5"),
    ("inspections.csv", 2, "检查得分", "101", "at most 100"),
    ("training.csv", 2, "学时", "nan", "number expected"),
]


@pytest.mark.parametrize(("file", "row", "header", "written", "words"), BAD_CELLS)
def test_bad_cell_is_named_by_file_row_column_and_value(
    tiny_month, file, row, header, written, words
):
    tiny_month.edit(file, row, header, written)
    finding = only(errors(validate_month(tiny_month.data_dir, MONTH)))
    assert (finding.file, finding.row, finding.column, finding.value) == (
        file,
        row,
        header,
        written,
    )
    assert words in finding.rule


def test_load_month_raises_with_every_finding(tiny_month):
    tiny_month.edit("revenue.csv", 2, "金额(元)", "-1")
    tiny_month.edit("units.csv", 2, "单位类型", "分公司")
    tiny_month.write("revenue.csv", [[*r, "x"] for r in tiny_month.rows("revenue.csv")])
    found = validate_month(tiny_month.data_dir, MONTH)
    assert [f.severity for f in found] == ["error", "warning"]
    with pytest.raises(InputError) as raised:
        load_month(tiny_month.data_dir, MONTH)
    assert raised.value.findings == found
    assert "units.csv" in str(raised.value) and "分公司" in str(raised.value)


def test_value_is_reported_as_written_with_its_spaces(tiny_month):
    tiny_month.edit("activity.csv", 2, "拜访次数", " 12次 ")
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.row, finding.column, finding.value) == (2, "拜访次数", " 12次 ")


def test_canonical_header_is_named_as_the_file_names_it(tiny_month):
    rows = tiny_month.rows("revenue.csv")
    rows[0][1] = "staff_id"
    rows[1][1] = "S09999"
    tiny_month.write("revenue.csv", rows)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column, finding.value) == (
        "revenue.csv",
        2,
        "staff_id",
        "S09999",
    )


def test_duplicate_key_names_both_rows(tiny_month):
    tiny_month.edit("revenue.csv", 4, "产品名称", "另一个产品")  # row 4 repeats R0002 of row 3
    found = errors(validate_month(tiny_month.data_dir, MONTH))
    assert [(f.file, f.row, f.column, f.value) for f in found] == [
        ("revenue.csv", 3, "流水号", "R0002"),
        ("revenue.csv", 4, "流水号", "R0002"),
    ]
    assert "same as row 4" in found[0].rule and "same as row 3" in found[1].rule


def test_duplicate_composite_key_names_all_key_columns(tiny_month):
    tiny_month.edit("targets.csv", 5, "目标值", "25")  # repeats S00002 / 新发展成员
    found = errors(validate_month(tiny_month.data_dir, MONTH))
    assert [(f.row, f.column, f.value) for f in found] == [
        (4, "工号 + 指标编码", "S00002 / 新发展成员"),
        (5, "工号 + 指标编码", "S00002 / 新发展成员"),
    ]


def test_several_errors_in_several_files_are_reported_in_one_pass(tiny_month):
    folder = tiny_month.folder
    (folder / "tickets.csv").unlink()  # missing file
    units = tiny_month.rows("units.csv")
    units[2][2] = "分公司"
    tiny_month.write("units.csv", units)
    staff = tiny_month.rows("staff.csv")
    staff[1][4] = "12345"
    staff[3][2] = "X77"
    tiny_month.write("staff.csv", staff)
    revenue = tiny_month.rows("revenue.csv")
    revenue[1][5] = "1.005"
    revenue[2][1] = "S00999"
    tiny_month.write("revenue.csv", revenue)
    (folder / "contracts.csv").write_bytes(b"")
    found = errors(validate_month(tiny_month.data_dir, MONTH))
    assert [(f.file, f.row, f.column, f.value) for f in found] == [
        ("units.csv", 3, "单位类型", "分公司"),
        ("staff.csv", 2, "手机号码", "12345"),
        ("staff.csv", 4, "单位编码", "X77"),
        ("revenue.csv", 2, "金额(元)", "1.005"),
        ("revenue.csv", 3, "工号", "S00999"),
        ("contracts.csv", None, None, None),
        ("tickets.csv", None, None, None),
    ]


def test_a_failing_row_still_serves_as_reference_target(tiny_month):
    # S00004's phone is wrong, yet inspections naming S00004 raise no reference error
    tiny_month.edit("staff.csv", 5, "手机号码", "000")
    assert [f.file for f in validate_month(tiny_month.data_dir, MONTH)] == ["staff.csv"]


# ---------------------------------------------------------------------------
# whole files
# ---------------------------------------------------------------------------


def test_missing_file(tiny_month):
    (tiny_month.folder / "tickets.csv").unlink()
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column, finding.severity) == (
        "tickets.csv",
        None,
        None,
        "error",
    )
    assert "tickets.xlsx" in finding.rule and "missing file" in finding.rule


def test_missing_month_folder(tmp_path):
    finding = only(validate_month(tmp_path, MONTH))
    assert finding.file == f"{MONTH}/" and "not found" in finding.rule


def test_bad_month_argument_raises():
    with pytest.raises(ValueError, match="2026-13"):
        validate_month(Path("."), "2026-13")


def test_both_csv_and_xlsx_present(tiny_month):
    tiny_month.write("units.xlsx", tiny_month.rows("units.csv"))
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert finding.file == "units.csv" and finding.severity == "error"
    assert "units.xlsx" in finding.rule and "keep exactly one" in finding.rule


def test_missing_column(tiny_month):
    rows = [r[:4] + r[5:] for r in tiny_month.rows("expenses.csv")]  # drop 状态
    tiny_month.write("expenses.csv", rows)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column, finding.value) == (
        "expenses.csv",
        None,
        "状态",
        None,
    )
    assert "missing column" in finding.rule and "status" in finding.rule


def test_unknown_extra_column_is_a_warning_and_dropped(tiny_month):
    rows = [[*r, note] for r, note in zip(tiny_month.rows("revenue.csv"), ["备注", "加急", ""])]
    tiny_month.write("revenue.csv", rows)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column, finding.severity) == (
        "revenue.csv",
        None,
        "备注",
        "warning",
    )
    month = load_month(tiny_month.data_dir, MONTH)
    assert list(month.revenue.columns) == TABLES["revenue"].column_names
    assert month.warnings == (finding,)


def test_duplicated_column_is_an_error(tiny_month):
    rows = [[*r, r[0]] for r in tiny_month.rows("units.csv")]
    rows[0][-1] = "unit_code"
    tiny_month.write("units.csv", rows)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.column, finding.severity) == ("units.csv", "unit_code", "error")
    assert "twice" in finding.rule


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(tiny_month, content):
    (tiny_month.folder / "contracts.csv").write_bytes(content)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.severity) == ("contracts.csv", None, "error")
    assert "empty file" in finding.rule


@pytest.mark.parametrize(
    ("file", "severity"),
    [
        ("units.csv", "error"),
        ("staff.csv", "error"),
        ("activity.csv", "error"),
        ("revenue.csv", "warning"),
        ("tickets.csv", "warning"),
        ("audit_findings.csv", None),
        ("expenses.csv", None),
        ("training.csv", None),
    ],
)
def test_header_only(tiny_month, file, severity):
    tiny_month.write(file, tiny_month.rows(file)[:1])
    found = [f for f in validate_month(tiny_month.data_dir, MONTH) if f.file == file]
    if severity is None:
        assert found == []
        name = file.removesuffix(".csv")
        frame = load_month(tiny_month.data_dir, MONTH).tables()[name]
        assert frame.empty and list(frame.columns) == TABLES[name].column_names
    else:
        finding = only(found)
        assert (finding.row, finding.severity) == (None, severity)
        assert "header only" in finding.rule


def test_header_only_centre_results_xlsx_is_fine(tiny_month):
    tiny_month.write("centre_results.xlsx", tiny_month.rows("centre_results.xlsx")[:1])
    assert validate_month(tiny_month.data_dir, MONTH) == []
    frame = load_month(tiny_month.data_dir, MONTH).centre_results
    assert frame.empty and str(frame["score"].dtype) == "float64"


def test_undecodable_bytes_in_utf8_file_named_by_row_and_column(tiny_month):
    rows = tiny_month.rows("contracts.csv")
    data = tiny_month.write("contracts.csv", rows).read_bytes()
    data = data.replace("城东物流".encode(), "城东".encode() + b"\xff\xfe" + "物流".encode())
    (tiny_month.folder / "contracts.csv").write_bytes(data)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column) == ("contracts.csv", 3, "集团客户名称")
    assert finding.value == "城东\\xff\\xfe物流有限公司"
    assert "undecodable" in finding.rule and "byte offset" in finding.rule


def test_undecodable_bytes_in_gbk_file(tiny_month):
    data = tiny_month.write("staff.csv", tiny_month.rows("staff.csv"), "gbk").read_bytes()
    data = data.replace("赵六".encode("gbk"), b"\xff" + "六".encode("gbk"))
    (tiny_month.folder / "staff.csv").write_bytes(data)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column) == ("staff.csv", 5, "姓名")
    assert "undecodable" in finding.rule


def test_xlsx_header_not_on_first_row_is_an_error_naming_the_row(tiny_month):
    rows = tiny_month.rows("centre_results.xlsx")
    rows[2][3] = "250"  # data row on spreadsheet row 5 once two title rows are added
    tiny_month.write(
        "centre_results.xlsx",
        [["2026年10月中心考核结果"], [], *rows],
    )
    found = validate_month(tiny_month.data_dir, MONTH)
    assert [(f.file, f.row, f.column, f.value) for f in found] == [
        ("centre_results.xlsx", 3, None, "2026年10月中心考核结果"),
        ("centre_results.xlsx", 5, "得分", "250"),
    ]
    assert "header found on row 3" in found[0].rule and "delete the title rows" in found[0].rule


def test_file_without_any_header(tiny_month):
    tiny_month.write("submissions.csv", tiny_month.rows("submissions.csv")[1:])
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row) == ("submissions.csv", 1)
    assert "no header row" in finding.rule


def test_corrupt_xlsx(tiny_month):
    (tiny_month.folder / "centre_results.xlsx").write_bytes(b"not a workbook")
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert finding.file == "centre_results.xlsx" and "cannot open" in finding.rule


def test_blank_rows_are_skipped_but_keep_row_numbers(tiny_month):
    rows = tiny_month.rows("revenue.csv")
    rows.insert(2, ["", "", "", "", "", "", ""])
    rows[3][5] = "-1"  # R0002 is now on spreadsheet row 4
    tiny_month.write("revenue.csv", rows)
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.row, finding.column, finding.value) == (4, "金额(元)", "-1")


def test_ragged_rows_are_read(tiny_month):
    rows = tiny_month.rows("units.csv")
    rows[2] = [*rows[2], "", ""]  # trailing empty cells beyond the header
    tiny_month.write("units.csv", rows)
    assert validate_month(tiny_month.data_dir, MONTH) == []


def test_unknown_file_in_month_folder_is_a_warning(tiny_month):
    tiny_month.write("staff (1).csv", tiny_month.rows("staff.csv"))
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.severity) == ("staff (1).csv", "warning")


# ---------------------------------------------------------------------------
# warnings across rows and tables
# ---------------------------------------------------------------------------


def test_staff_without_activity_row_is_a_warning(tiny_month):
    tiny_month.write("activity.csv", tiny_month.rows("activity.csv")[:-1], "utf-8-sig")
    finding = only(validate_month(tiny_month.data_dir, MONTH))
    assert (finding.file, finding.row, finding.column, finding.value, finding.severity) == (
        "staff.csv",
        5,
        "工号",
        "S00004",
        "warning",
    )
    assert load_month(tiny_month.data_dir, MONTH).warnings == (finding,)


def test_identical_content_under_different_keys_is_a_warning_naming_both_rows(tiny_month):
    tiny_month.edit("revenue.csv", 4, "流水号", "R0003")  # row 3 again, new record number
    found = validate_month(tiny_month.data_dir, MONTH)
    assert [(f.file, f.row, f.column, f.value, f.severity) for f in found] == [
        ("revenue.csv", 3, "流水号", "R0002", "warning"),
        ("revenue.csv", 4, "流水号", "R0003", "warning"),
    ]
    assert "row 4" in found[0].rule and "row 3" in found[1].rule
    assert len(load_month(tiny_month.data_dir, MONTH).revenue) == 3


def test_findings_are_capped_per_rule(tiny_month):
    header, row = tiny_month.rows("revenue.csv")[:2]
    rows = [header] + [[f"R{i:05d}", row[1], f"G{i}", *row[3:5], "-1", row[6]] for i in range(250)]
    tiny_month.write("revenue.csv", rows)
    found = [f for f in validate_month(tiny_month.data_dir, MONTH) if f.column == "金额(元)"]
    assert len(found) == 201
    assert found[0].row is None and "50 more rows" in found[0].rule
    assert [f.row for f in found[1:]] == list(range(2, 202))


# ---------------------------------------------------------------------------
# months at size (how fast they load: bench/io.py)
# ---------------------------------------------------------------------------


def write_synthetic_month(folder: Path, *, units: int, staff_per_unit: int, seed: int = 1) -> int:
    """Overwrite the tiny month in ``folder`` with a valid one of ``units`` counties.

    Returns the number of data rows written.
    """
    rng = np.random.default_rng(seed)
    codes = [f"X{i:02d}" for i in range(1, units + 1)]
    n = units * staff_per_unit
    ids = [f"S{i:05d}" for i in range(1, n + 1)]  # includes the tiny month's S00001-S00004
    unit_of = np.repeat(codes, staff_per_unit)

    def day(k: int) -> pd.Series:
        offsets = pd.to_timedelta(rng.integers(0, 31, k), unit="D")
        return pd.Series(pd.Timestamp(f"{MONTH}-01") + offsets).dt.strftime("%Y-%m-%d")

    def money(k: int) -> pd.Series:
        fen = pd.Series(rng.integers(0, 10_000_000, k))
        return (fen // 100).astype(str) + "." + (fen % 100).astype(str).str.zfill(2)

    tables = {
        "units": pd.DataFrame(
            {
                "单位编码": [*codes, "Z01"],
                "单位名称": [f"第{i}县市公司" for i in range(units)] + ["客户服务中心"],
                "单位类型": ["县市公司"] * units + ["中心"],
            }
        ),
        "staff": pd.DataFrame(
            {
                "工号": ids,
                "姓名": [f"员工{i}" for i in range(n)],
                "单位编码": unit_of,
                "岗位": rng.choice(["集团客户经理", "服务人员", "支撑人员"], n),
                "手机号码": [f"138{i:08d}" for i in range(n)],
                "身份证号": [f"110101199001{i:06d}" for i in range(n)],
                "入职日期": "2020-01-01",
                "离职日期": "",
            }
        ),
        "activity": pd.DataFrame(
            {
                "工号": ids,
                **{
                    h: rng.integers(0, 50, n)
                    for h in [
                        "新发展集团客户数",
                        "新发展成员数",
                        "拜访次数",
                        "离网成员数",
                        "成员基数",
                        "已建档客户数",
                        "客户总数",
                    ]
                },
                "回款金额(元)": money(n),
                "应收金额(元)": money(n),
            }
        ),
        "revenue": pd.DataFrame(
            {
                "流水号": [f"R{i:08d}" for i in range(4 * n)],
                "工号": np.repeat(ids, 4),
                "集团客户编码": [f"G{i:07d}" for i in range(4 * n)],
                "合同编号": [f"C{i:07d}" for i in range(4 * n)],
                "产品名称": rng.choice(["互联网专线", "物联网卡", "云服务"], 4 * n),
                "金额(元)": money(4 * n),
                "入账日期": day(4 * n),
            }
        ),
        "tickets": pd.DataFrame(
            {
                "工单编号": [f"T{i:08d}" for i in range(3 * n)],
                "工单类型": rng.choice(["投诉", "业务受理"], 3 * n),
                "处理人工号": np.repeat(ids, 3),
                "当前环节": "归档",
                "受理时间": day(3 * n) + " 09:00:00",
                "办结时间": "",
                "处理时限(小时)": "24",
                "满意度评分": rng.integers(60, 101, 3 * n),
            }
        ),
    }
    rows = 0
    for name, frame in tables.items():
        frame.to_csv(
            folder / f"{name}.csv", index=False, encoding="gbk" if name == "staff" else "utf-8"
        )
        rows += len(frame)
    return rows


def test_a_month_of_400_staff_loads(tiny_month):
    write_synthetic_month(tiny_month.folder, units=20, staff_per_unit=20)
    month = load_month(tiny_month.data_dir, MONTH)
    assert len(month.staff) == 400 and len(month.revenue) == 1600


@pytest.mark.slow
def test_a_month_of_a_million_rows_loads(tiny_month):
    rows = write_synthetic_month(tiny_month.folder, units=3000, staff_per_unit=34)
    assert rows > 800_000
    month = load_month(tiny_month.data_dir, MONTH)
    assert len(month.staff) == 102_000


# ---------------------------------------------------------------------------
# the generated sample data
# ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("kpilib.sample.generate") is None,
    reason="kpilib.sample.generate (the generator) is not written yet",
)
def test_every_generated_month_loads_without_errors(tmp_path):
    from kpilib.sample.generate import generate

    generate(tmp_path, months=2, end=MONTH, counties=3, centres=2, seed=7)
    planted = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))
    months = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert len(months) == 2
    for month in months:
        loaded = load_month(tmp_path, month)  # raises InputError on any error
        assert len(loaded.staff) > 0
        # the planted anomalies are exactly what the warnings name
        duplicated = [w.value for w in loaded.warnings if w.file.startswith("revenue.")]
        assert duplicated == planted["duplicated_revenue"].get(month, []), month
        idle = [w.value for w in loaded.warnings if w.file.startswith("staff.")]
        assert idle == planted["no_activity_staff"].get(month, []), month
