"""Shared fixtures: a tiny, valid, hand-made month of input files.

``TINY_MONTH`` maps each file to its rows (Chinese headers first). The files are
written the way exports arrive: staff.csv in GBK, activity.csv in UTF-8 with BOM,
centre_results.xlsx as a workbook, everything else in UTF-8.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from filelock import FileLock

MONTH = "2026-10"

TINY_MONTH: dict[str, list[list[str]]] = {
    "units.csv": [
        ["单位编码", "单位名称", "单位类型"],
        ["X01", "城东县市公司", "县市公司"],
        ["Z01", "客户服务中心", "centre"],
    ],
    "staff.csv": [
        ["工号", "姓名", "单位编码", "岗位", "手机号码", "身份证号", "入职日期", "离职日期"],
        [
            "S00001",
            "张三",
            "X01",
            "集团客户经理",
            "13812345678",
            "110101199001011234",
            "2020-03-01",
            "",
        ],
        [
            "S00002",
            "李四",
            "X01",
            "customer_manager",
            "13912345678",
            "11010119910202123X",
            "2021-07-15",
            "",
        ],
        [
            "S00003",
            "王五",
            "Z01",
            "服务人员",
            "13712345678",
            "110101198505051234",
            "2019-01-01",
            "",
        ],
        [
            "S00004",
            "赵六",
            "Z01",
            "支撑人员",
            "15012345678",
            "110101199212121234",
            "2026-10-08",
            "",
        ],
    ],
    "targets.csv": [
        ["工号", "指标编码", "基础值", "目标值", "挑战值"],
        ["S00001", "revenue", "80000", "100000", "120000"],
        ["S00001", "客户拜访", "", "20", ""],
        ["S00002", "新发展成员", "10", "20", "30"],
    ],
    "activity.csv": [
        [
            "工号",
            "新发展集团客户数",
            "新发展成员数",
            "拜访次数",
            "离网成员数",
            "成员基数",
            "已建档客户数",
            "客户总数",
            "回款金额(元)",
            "应收金额(元)",
        ],
        ["S00001", "2", "15", "22", "3", "400", "38", "40", "12345.60", "13000"],
        ["S00002", "1", "22", "18", "1", "350", "30", "35", "9800.5", "10000.00"],
        ["S00003", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["S00004", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
    ],
    "revenue.csv": [
        ["流水号", "工号", "集团客户编码", "合同编号", "产品名称", "金额(元)", "入账日期"],
        ["R0001", "S00001", "G001", "C001", "互联网专线", "50000.00", "2026-10-10"],
        ["R0002", "S00002", "G002", "C002", "物联网卡", "1200.5", "2026-10-12"],
    ],
    "finance_revenue.csv": [
        ["凭证号", "入账日期", "单位编码", "集团客户编码", "合同编号", "产品名称", "入账金额(元)"],
        ["PZ0001", "2026-10-11", "X01", "G001", "C001", "互联网专线", "50000.00"],
        ["PZ0002", "2026-10-13", "X01", "G002", "C002", "物联网卡", "1200.50"],
    ],
    "contracts.csv": [
        [
            "合同编号",
            "集团客户编码",
            "集团客户名称",
            "客户经理工号",
            "签约日期",
            "归档状态",
            "缺失材料",
        ],
        ["C001", "G001", "城东制造有限公司", "S00001", "2025-01-01", "已归档", ""],
        ["C002", "G002", "城东物流有限公司", "S00002", "2026-10-02", "partial", "盖章页;授权书"],
    ],
    "tickets.csv": [
        [
            "工单编号",
            "工单类型",
            "处理人工号",
            "当前环节",
            "受理时间",
            "办结时间",
            "处理时限(小时)",
            "满意度评分",
        ],
        ["T0001", "投诉", "S00003", "归档", "2026-10-03 09:00", "2026-10-03 15:30", "24", "95"],
        ["T0002", "order", "S00003", "处理", "2026-10-20 10:00:00", "", "48", ""],
    ],
    "inspections.csv": [
        [
            "抽检编号",
            "被检记录编号",
            "被检人工号",
            "质检员工号",
            "抽检日期",
            "检查得分",
            "是否合格",
        ],
        ["I0001", "T0001", "S00003", "S00004", "2026-10-05", "92.5", "是"],
        ["I0002", "T0002", "S00003", "S00004", "2026-10-21", "55", "否"],
    ],
    "training.csv": [
        ["工号", "课程名称", "课程类型", "学时", "考试成绩", "是否达标"],
        ["S00003", "客户服务礼仪", "技能培训", "4", "88", ""],
        ["S00004", "支撑人员任职资格(初级)", "qualification", "8", "75", "是"],
    ],
    "submissions.csv": [
        ["单位编码", "报表名称", "截止日期", "提交时间"],
        ["X01", "月度经营分析", "2026-10-05", "2026-10-04 17:00"],
        ["X01", "集团客户走访表", "2026-10-10", ""],
    ],
    "centre_results.xlsx": [
        ["单位编码", "工号", "指标编码", "得分"],
        ["Z01", "S00003", "satisfaction", "95"],
        ["Z01", "S00003", "total", "90.5"],
    ],
    "expenses.csv": [
        ["报销单号", "单位编码", "费用类别", "金额(元)", "状态", "申请日期"],
        ["E0001", "X01", "差旅费", "1234.56", "已报销", "2026-10-09"],
    ],
    "audit_findings.csv": [
        ["发现编号", "单位编码", "过程", "条款", "严重程度", "提出日期", "整改期限", "关闭日期"],
        ["F0001", "X01", "合同管理", "7.5.3", "一般", "2026-09-15", "2026-10-15", "2026-10-10"],
    ],
}

#: Encoding each CSV of the tiny month is written in (default UTF-8).
ENCODINGS = {"staff.csv": "gbk", "activity.csv": "utf-8-sig"}


@dataclass(frozen=True)
class TinyMonth:
    """The tiny month written under ``data_dir``, with helpers to spoil it."""

    data_dir: Path
    month: str = MONTH

    @property
    def folder(self) -> Path:
        return self.data_dir / self.month

    def rows(self, file: str) -> list[list[str]]:
        """A fresh copy of the rows of ``file`` (header first)."""
        return [list(row) for row in TINY_MONTH[file]]

    def write(self, file: str, rows: list[list[object]], encoding: str | None = None) -> Path:
        """Write ``rows`` as ``file`` (CSV in ``encoding`` or the file's usual one, or xlsx)."""
        path = self.folder / file
        if path.suffix == ".xlsx":
            book = openpyxl.Workbook()
            for row in rows:
                book.active.append(row)
            book.save(path)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerows(rows)
            path.write_bytes(buffer.getvalue().encode(encoding or ENCODINGS.get(file, "utf-8")))
        return path

    def edit(self, file: str, row: int, header: str, value: str) -> Path:
        """Set one cell; ``row`` is the spreadsheet row (header is row 1).

        ``row`` one past the end appends a copy of the last row first.
        """
        rows = self.rows(file)
        if row == len(rows) + 1:
            rows.append(list(rows[-1]))
        rows[row - 1][rows[0].index(header)] = value
        return self.write(file, rows)


@pytest.fixture
def tiny_month(tmp_path: Path) -> TinyMonth:
    """The tiny valid month ``MONTH`` written under ``tmp_path``."""
    tiny = TinyMonth(tmp_path)
    tiny.folder.mkdir(parents=True)
    for file, rows in TINY_MONTH.items():
        tiny.write(file, rows)
    return tiny


@pytest.fixture(scope="session")
def bundled_sample() -> Path:
    """``data/sample`` as ``make report`` makes it (git-ignored), generated when absent.

    Generated once, by whichever xdist worker asks first: the others wait on a file lock
    and find it complete (it is generated beside its place and moved there whole).
    """
    from kpilib.paths import PROJECT_DIR
    from kpilib.sample.generate import generate

    data_dir = PROJECT_DIR / "data" / "sample"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(data_dir.parent / ".sample.lock"):
        if not (data_dir / "2026-10").is_dir():
            partial = Path(tempfile.mkdtemp(prefix=".sample-", dir=data_dir.parent))
            generate(partial)
            shutil.rmtree(data_dir, ignore_errors=True)  # a folder left by an older layout
            partial.rename(data_dir)
    return data_dir
