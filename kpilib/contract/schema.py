"""The data contract: every input table of a month, declared once.

Each :class:`Table` lists its columns with the canonical name used throughout
kpilib, the Chinese header that exports carry, the kind of value, the unit and
the constraints. The loader (:mod:`kpilib.contract.load`), the sample-data generator and
``docs/data-contract.md`` are all derived from these declarations, so a column
is renamed or constrained in exactly one place.

Kinds
-----
``str``       text, stripped; ``pattern`` optionally constrains it.
``int``       whole number.
``float``     real number.
``money``     amount in yuan in the file (at most 2 decimals); held as int64 fen.
``date``      calendar date (``YYYY-MM-DD``).
``datetime``  date and time (``YYYY-MM-DD HH:MM[:SS]``).
``bool``      是/否 (also true/false, 1/0, Y/N).
``category``  one of ``choices``: the file may hold the Chinese label or the code;
              the loaded frame holds the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

ColumnKind = Literal["str", "int", "float", "money", "date", "datetime", "bool", "category"]

UNIT_TYPES = {"county": "县市公司", "centre": "中心"}
ROLES = {
    "customer_manager": "集团客户经理",
    "service_staff": "服务人员",
    "support_staff": "支撑人员",
}
TARGET_INDICATORS = {
    "revenue": "业务收入",
    "new_members": "新发展成员",
    "new_customers": "新发展集团客户",
    "visits": "客户拜访",
}
TICKET_KINDS = {"complaint": "投诉", "order": "业务受理"}
TICKET_STAGES = {"accept": "受理", "handle": "处理", "callback": "回访", "close": "归档"}
ARCHIVE_STATUSES = {"archived": "已归档", "partial": "部分归档", "missing": "未归档"}
EXPENSE_STATUSES = {"paid": "已报销", "pending": "审批中", "rejected": "已退回"}
SEVERITIES = {"major": "严重", "minor": "一般", "observation": "观察项"}
COURSE_TYPES = {"qualification": "任职资格认证", "skills": "技能培训"}
ENTITY_TYPES = {"staff": "人员", "unit": "单位"}
#: Kinds of an approved adjustment (考核调整/申诉), in the order scoring applies them
#: (docs/methods.md §6.9).
ADJUSTMENT_KINDS = {
    "exclude_record": "剔除记录",
    "replace_actual": "替换实际值",
    "add_points": "加分",
    "deduct_points": "扣分",
    "cancel_veto": "取消否决",
}
#: The input tables whose records an adjustment may exclude: table -> its record number.
EXCLUDABLE_RECORDS = {
    "revenue": "record_id",
    "tickets": "ticket_id",
    "inspections": "inspection_id",
}

#: dtype of each kind in a loaded frame (what :func:`kpilib.contract.load.load_month` returns).
LOADED_DTYPES: dict[str, str] = {
    "str": "str",
    "category": "str",
    "int": "int64",
    "money": "int64",
    "float": "float64",
    "date": "datetime64[ns]",
    "datetime": "datetime64[ns]",
    "bool": "boolean",
}

#: The value of ``centre_results.indicator`` that carries a staff member's total.
TOTAL_INDICATOR = "total"


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Attributes
    ----------
    name : canonical name in loaded frames.
    alias : Chinese header as exports carry it.
    kind : see the module docstring.
    unit : unit shown in the data contract ("" when none).
    nullable : whether a blank cell is allowed.
    ge, le : inclusive numeric bounds (None: unbounded).
    pattern : regular expression a ``str`` value must match in full.
    choices : code -> Chinese label, for ``category`` columns.
    in_month : the date must fall inside the month being loaded.
    not_after_month_end : the date must not be later than the month's last day.
    optional : the file may leave the column out (it then loads blank); only for
        a ``nullable`` column.
    description : what the column means, in English.
    """

    name: str
    alias: str
    kind: ColumnKind
    description: str
    unit: str = ""
    nullable: bool = False
    ge: float | None = None
    le: float | None = None
    pattern: str | None = None
    choices: dict[str, str] | None = None
    in_month: bool = False
    not_after_month_end: bool = False
    optional: bool = False

    def __post_init__(self) -> None:
        if self.optional and not self.nullable:
            raise ValueError(f"column {self.name!r}: an optional column must be nullable")


@dataclass(frozen=True)
class Reference:
    """A foreign key: ``column`` of this table must exist in ``table.target_column``."""

    column: str
    table: str
    target_column: str


@dataclass(frozen=True)
class Table:
    """One input file of a month.

    ``file_stem`` is looked up as ``<stem>.csv`` or ``<stem>.xlsx`` in the month folder;
    an ``optional`` table may be absent (it then loads as an empty frame).
    """

    name: str
    file_stem: str
    title: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = field(default_factory=tuple)
    optional: bool = False

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (canonical), or raise KeyError."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [col.name for col in self.columns]

    @property
    def aliases(self) -> dict[str, str]:
        """Chinese header -> canonical name."""
        return {col.alias: col.name for col in self.columns}


@dataclass(frozen=True)
class AdjustmentVocabulary:
    """What a row of the adjustments register may name, from the year's scoring scheme.

    The contract does not read the scheme (a higher layer); whoever has the scheme
    (``kpi validate``, ``kpi run``) builds this with
    :meth:`kpilib.scoring.scheme.Scheme.adjustment_vocabulary` and passes it to
    :func:`kpilib.contract.load.load_month`, so that an unknown or inapplicable
    indicator is a finding with its file, row, column and value.

    Attributes
    ----------
    names : every Chinese name and code of an indicator, bonus, deduction or veto ->
        its code.
    weighted : indicator code -> the roles and unit types whose weights include it
        (whose actual a 替换实际值 row may replace).
    percent : codes of the indicators whose actual is a rate (written with %).
    vetoes : veto code -> the roles and unit types it applies to.
    max_points : the scheme's maximum total; a 加分/扣分 row may not exceed it.
    """

    names: dict[str, str]
    weighted: dict[str, frozenset[str]]
    percent: frozenset[str]
    vetoes: dict[str, frozenset[str]]
    max_points: float

    def code_of(self, name: str) -> str | None:
        """The code a name stands for (surrounding and inner spaces ignored), or None."""
        return self.names.get("".join(str(name).split()))


_STAFF_ID = r"S\d{5,7}"
_UNIT_CODE = r"(X|Z)\d{2,4}"
#: Separators between the roles of a 培训对象 cell (``集团客户经理、服务人员``).
ROLE_SEPARATORS = "、;；,，/"
_ONE_ROLE = "|".join(map(re.escape, [*ROLES.values(), *ROLES]))
#: A 培训对象 cell: one or more roles (Chinese label or code), separated as above.
ROLE_LIST_PATTERN = rf"(?:{_ONE_ROLE})(?:\s*[{ROLE_SEPARATORS}]\s*(?:{_ONE_ROLE}))*"


def role_codes(text: str) -> tuple[str, ...]:
    """The role codes a 培训对象 cell names, in its order, each once.

    Raises
    ------
    ValueError
        Naming the part that is not a role of :data:`ROLES` (label or code).

    >>> role_codes("集团客户经理、support_staff")
    ('customer_manager', 'support_staff')
    """
    by_label = {label: code for code, label in ROLES.items()}
    out: list[str] = []
    for part in re.split(rf"[{ROLE_SEPARATORS}]", str(text)):
        name = part.strip()
        code = by_label.get(name, name if name in ROLES else None)
        if code is None:
            raise ValueError(f"{name!r} is not a role ({', '.join(ROLES.values())})")
        if code not in out:
            out.append(code)
    return tuple(out)


def _staff_ref(col: str = "staff_id") -> Reference:
    return Reference(col, "staff", "staff_id")


def _unit_ref(col: str = "unit_code") -> Reference:
    return Reference(col, "units", "unit_code")


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "units",
            "units",
            "单位",
            "Counties (县市公司) and centres (中心) of the department.",
            (
                Column(
                    "unit_code", "单位编码", "str", "X01… county, Z01… centre", pattern=_UNIT_CODE
                ),
                Column("unit_name", "单位名称", "str", "Chinese name of the unit"),
                Column("unit_type", "单位类型", "category", "county or centre", choices=UNIT_TYPES),
            ),
            key=("unit_code",),
        ),
        Table(
            "staff",
            "staff",
            "人员",
            "Everyone employed in the month, from the HR export. Phone and ID numbers "
            "are personal data: reports show them masked only.",
            (
                Column("staff_id", "工号", "str", "staff number", pattern=_STAFF_ID),
                Column("name", "姓名", "str", "full name"),
                Column("unit_code", "单位编码", "str", "unit the person belongs to"),
                Column("role", "岗位", "category", "role, decides the weights", choices=ROLES),
                Column(
                    "phone",
                    "手机号码",
                    "str",
                    "mobile number, masked in reports",
                    pattern=r"1[3-9]\d{9}",
                ),
                Column(
                    "id_number",
                    "身份证号",
                    "str",
                    "resident ID number, masked in reports",
                    pattern=r"\d{17}[\dX]",
                ),
                Column(
                    "hire_date",
                    "入职日期",
                    "date",
                    "first day of employment",
                    not_after_month_end=True,
                ),
                Column("leave_date", "离职日期", "date", "last day of employment", nullable=True),
            ),
            key=("staff_id",),
            references=(_unit_ref(),),
        ),
        Table(
            "targets",
            "targets",
            "目标",
            "Monthly targets of customer managers: base, target and challenge values.",
            (
                Column("staff_id", "工号", "str", "staff number"),
                Column(
                    "indicator",
                    "指标编码",
                    "category",
                    "indicator the target is for",
                    choices=TARGET_INDICATORS,
                ),
                Column("base", "基础值", "float", "base value (基础值)", nullable=True, ge=0),
                Column(
                    "target",
                    "目标值",
                    "float",
                    "target value (目标值); 0 means no target set",
                    ge=0,
                ),
                Column(
                    "challenge", "挑战值", "float", "challenge value (挑战值)", nullable=True, ge=0
                ),
            ),
            key=("staff_id", "indicator"),
            references=(_staff_ref(),),
        ),
        Table(
            "activity",
            "activity",
            "业务量",
            "One row per staff member: the month's development, retention and collection figures.",
            (
                Column("staff_id", "工号", "str", "staff number"),
                Column(
                    "new_customers",
                    "新发展集团客户数",
                    "int",
                    "new group customers",
                    unit="户",
                    ge=0,
                ),
                Column("new_members", "新发展成员数", "int", "new member lines", unit="户", ge=0),
                Column("visits", "拜访次数", "int", "customer visits made", unit="次", ge=0),
                Column(
                    "churned_members",
                    "离网成员数",
                    "int",
                    "member lines that left",
                    unit="户",
                    ge=0,
                ),
                Column(
                    "base_members",
                    "成员基数",
                    "int",
                    "member lines at the start of the month",
                    unit="户",
                    ge=0,
                ),
                Column(
                    "archived_customers",
                    "已建档客户数",
                    "int",
                    "customers with a complete file",
                    unit="户",
                    ge=0,
                ),
                Column(
                    "total_customers",
                    "客户总数",
                    "int",
                    "customers in the portfolio",
                    unit="户",
                    ge=0,
                ),
                Column(
                    "collected_fen", "回款金额(元)", "money", "payments collected", unit="元", ge=0
                ),
                Column(
                    "billed_fen", "应收金额(元)", "money", "amounts billed and due", unit="元", ge=0
                ),
            ),
            key=("staff_id",),
            references=(_staff_ref(),),
        ),
        Table(
            "revenue",
            "revenue",
            "收入",
            "Revenue records credited to staff for business they developed.",
            (
                Column("record_id", "流水号", "str", "revenue record number"),
                Column("staff_id", "工号", "str", "credited staff member"),
                Column("customer_id", "集团客户编码", "str", "group customer"),
                Column("contract_id", "合同编号", "str", "contract"),
                Column("product", "产品名称", "str", "product"),
                Column("amount_fen", "金额(元)", "money", "amount credited", unit="元", ge=0),
                Column("booked_date", "入账日期", "date", "booking date", in_month=True),
            ),
            key=("record_id",),
            references=(_staff_ref(),),
        ),
        Table(
            "finance_revenue",
            "finance_revenue",
            "财务入账收入",
            "Revenue the finance/billing system booked in the month, as its voucher export "
            "lists it: one line per voucher line (contract and product booked). The staff "
            "revenue records are reconciled against it per unit and product, to the fen "
            "(docs/methods.md §6.10). A product that no revenue record of the month names "
            "is a warning (named otherwise than in revenue?).",
            (
                Column("voucher_id", "凭证号", "str", "finance voucher line number"),
                Column("booked_date", "入账日期", "date", "booking date", in_month=True),
                Column("unit_code", "单位编码", "str", "unit the revenue is booked under"),
                Column("customer_id", "集团客户编码", "str", "group customer"),
                Column("contract_id", "合同编号", "str", "contract"),
                Column("product", "产品名称", "str", "product, named as in revenue"),
                Column("amount_fen", "入账金额(元)", "money", "amount booked", unit="元", ge=0),
            ),
            key=("voucher_id",),
            references=(_unit_ref(),),
        ),
        Table(
            "contracts",
            "contracts",
            "合同档案",
            "The group customers' contract archive.",
            (
                Column("contract_id", "合同编号", "str", "contract"),
                Column("customer_id", "集团客户编码", "str", "group customer"),
                Column("customer_name", "集团客户名称", "str", "customer name"),
                Column("staff_id", "客户经理工号", "str", "responsible customer manager"),
                Column("signed_date", "签约日期", "date", "signing date", not_after_month_end=True),
                Column(
                    "archive_status",
                    "归档状态",
                    "category",
                    "archive status",
                    choices=ARCHIVE_STATUSES,
                ),
                Column(
                    "missing_documents",
                    "缺失材料",
                    "str",
                    "missing documents, ';'-separated",
                    nullable=True,
                ),
            ),
            key=("contract_id",),
            references=(_staff_ref(),),
        ),
        Table(
            "tickets",
            "tickets",
            "工单",
            "Complaints and business-acceptance orders opened in the month.",
            (
                Column("ticket_id", "工单编号", "str", "ticket number"),
                Column("kind", "工单类型", "category", "complaint or order", choices=TICKET_KINDS),
                Column("staff_id", "处理人工号", "str", "staff member handling it"),
                Column(
                    "stage", "当前环节", "category", "current process stage", choices=TICKET_STAGES
                ),
                Column("opened_at", "受理时间", "datetime", "opened", in_month=True),
                Column(
                    "closed_at", "办结时间", "datetime", "closed (blank while open)", nullable=True
                ),
                Column(
                    "time_limit_hours", "处理时限(小时)", "float", "time limit", unit="小时", ge=0.5
                ),
                Column(
                    "satisfaction",
                    "满意度评分",
                    "float",
                    "customer satisfaction",
                    unit="分",
                    nullable=True,
                    ge=0,
                    le=100,
                ),
            ),
            key=("ticket_id",),
            references=(_staff_ref(),),
        ),
        Table(
            "inspections",
            "inspections",
            "质量抽检",
            "Sampled work records checked by quality inspectors (质检员).",
            (
                Column("inspection_id", "抽检编号", "str", "inspection number"),
                Column("record_id", "被检记录编号", "str", "the call, ticket or visit inspected"),
                Column("staff_id", "被检人工号", "str", "staff member inspected"),
                Column("inspector_id", "质检员工号", "str", "inspector"),
                Column("inspected_date", "抽检日期", "date", "inspection date", in_month=True),
                Column("score", "检查得分", "float", "checklist score", unit="分", ge=0, le=100),
                Column("passed", "是否合格", "bool", "pass or fail"),
                Column(
                    "inspector_note",
                    "检查意见",
                    "str",
                    "the inspector's notes, free text (usually blank when passed)",
                    nullable=True,
                    optional=True,
                ),
            ),
            key=("inspection_id",),
            references=(_staff_ref(), _staff_ref("inspector_id")),
        ),
        Table(
            "training",
            "training",
            "培训",
            "Training attended and qualification assessments (任职资格认证).",
            (
                Column("staff_id", "工号", "str", "staff number"),
                Column("course", "课程名称", "str", "course"),
                Column(
                    "course_type",
                    "课程类型",
                    "category",
                    "qualification or skills",
                    choices=COURSE_TYPES,
                ),
                Column("hours", "学时", "float", "hours attended", unit="小时", ge=0, le=200),
                Column(
                    "exam_score",
                    "考试成绩",
                    "float",
                    "exam score",
                    unit="分",
                    nullable=True,
                    ge=0,
                    le=100,
                ),
                Column(
                    "qualified",
                    "是否达标",
                    "bool",
                    "qualification attained (qualification courses only)",
                    nullable=True,
                ),
            ),
            key=("staff_id", "course"),
            references=(_staff_ref(),),
        ),
        Table(
            "submissions",
            "submissions",
            "报表报送",
            "Reports each county company owes the department, and when they arrived.",
            (
                Column("unit_code", "单位编码", "str", "submitting county"),
                Column("report", "报表名称", "str", "report"),
                Column("due_date", "截止日期", "date", "deadline", in_month=True),
                Column(
                    "submitted_at",
                    "提交时间",
                    "datetime",
                    "received (blank: not received)",
                    nullable=True,
                ),
            ),
            key=("unit_code", "report"),
            references=(_unit_ref(),),
        ),
        Table(
            "centre_results",
            "centre_results",
            "中心考核结果",
            f"Each centre's own assessment of its staff: one row per staff member and indicator, "
            f"and one row with indicator '{TOTAL_INDICATOR}' for the total.",
            (
                Column("unit_code", "单位编码", "str", "submitting centre"),
                Column("staff_id", "工号", "str", "staff member"),
                Column("indicator", "指标编码", "str", f"indicator code, or '{TOTAL_INDICATOR}'"),
                Column("score", "得分", "float", "submitted score", unit="分", ge=0, le=200),
            ),
            key=("staff_id", "indicator"),
            references=(_staff_ref(), _unit_ref()),
        ),
        Table(
            "expenses",
            "expenses",
            "报销台帐",
            "The department's reimbursement claims (帐务报销台帐).",
            (
                Column("claim_id", "报销单号", "str", "claim number"),
                Column("unit_code", "单位编码", "str", "claiming unit"),
                Column(
                    "category",
                    "费用类别",
                    "str",
                    "budget category, as named in params/budget-2026.yaml",
                ),
                Column("amount_fen", "金额(元)", "money", "amount claimed", unit="元", ge=0),
                Column("status", "状态", "category", "claim status", choices=EXPENSE_STATUSES),
                Column("claim_date", "申请日期", "date", "claim date", in_month=True),
            ),
            key=("claim_id",),
            references=(_unit_ref(),),
        ),
        Table(
            "audit_findings",
            "audit_findings",
            "贯标审核发现",
            "Internal quality-system (贯标) audit findings still open at the start of the month "
            "or raised during it.",
            (
                Column("finding_id", "发现编号", "str", "finding number"),
                Column("unit_code", "单位编码", "str", "audited unit"),
                Column("process", "过程", "str", "audited process"),
                Column("clause", "条款", "str", "ISO 9001 clause", pattern=r"\d+(\.\d+)*"),
                Column("severity", "严重程度", "category", "severity", choices=SEVERITIES),
                Column("raised_date", "提出日期", "date", "raised", not_after_month_end=True),
                Column("due_date", "整改期限", "date", "corrective action due"),
                Column(
                    "closed_date", "关闭日期", "date", "closed (blank while open)", nullable=True
                ),
            ),
            key=("finding_id",),
            references=(_unit_ref(),),
        ),
        Table(
            "adjustments",
            "adjustments",
            "考核调整登记",
            "Optional. The approved corrections of the month's assessment (考核调整/申诉): "
            "a record excluded, an actual replaced, points added or deducted, a veto "
            "cancelled. Scoring applies them in the order of docs/methods.md §6.9; every "
            "report shows those of its unit with the scores before and after.",
            (
                Column("adjustment_id", "调整编号", "str", "adjustment number"),
                Column(
                    "entity_type", "对象类型", "category", "staff or unit", choices=ENTITY_TYPES
                ),
                Column("entity_id", "对象编码", "str", "工号 of the staff member or 单位编码"),
                Column(
                    "indicator",
                    "指标",
                    "str",
                    "the scheme's indicator, veto, bonus or deduction, by its Chinese name or "
                    "code (required to replace an actual or cancel a veto)",
                    nullable=True,
                ),
                Column(
                    "kind", "调整类型", "category", "what is adjusted", choices=ADJUSTMENT_KINDS
                ),
                Column(
                    "value",
                    "调整值",
                    "str",
                    "剔除记录: the record number (流水号, 工单编号 or 抽检编号); 替换实际值: the "
                    "actual in the indicator's unit, a rate with % (96.5%); 加分/扣分: the "
                    "points (> 0); 取消否决: blank",
                    nullable=True,
                ),
                Column("reason", "调整原因", "str", "why, in words"),
                Column("appeal_no", "申诉单号", "str", "appeal number", nullable=True),
                Column("approved_by", "审批人", "str", "who approved it"),
                Column("approved_on", "审批日期", "date", "when it was approved"),
            ),
            key=("adjustment_id",),
            optional=True,
        ),
        Table(
            "training_plan",
            "training_plan",
            "培训计划",
            "Optional. The month's training plan (培训计划): one row per unit and course "
            "planned, with the roles it is meant for and the attendees planned. Each row "
            "is compared with the training records (delivered attendees and passes of the "
            "unit's staff, docs/methods.md §6.5a). A course that no training record of the "
            "month names is a warning (not held anywhere, or named otherwise than in the "
            "training records?).",
            (
                Column("unit_code", "单位编码", "str", "unit that plans the course"),
                Column("course", "课程名称", "str", "course, named as in the training records"),
                Column(
                    "course_type",
                    "课程类型",
                    "category",
                    "qualification or skills",
                    choices=COURSE_TYPES,
                ),
                Column(
                    "target_roles",
                    "培训对象",
                    "str",
                    "roles the course is meant for, separated by 、 (集团客户经理、服务人员)",
                    pattern=ROLE_LIST_PATTERN,
                ),
                Column(
                    "planned_attendees", "计划人数", "int", "attendees planned", unit="人", ge=0
                ),
                Column("planned_date", "计划日期", "date", "date planned", in_month=True),
            ),
            key=("unit_code", "course"),
            references=(_unit_ref(),),
            optional=True,
        ),
    )
}


def require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    """Raise unless ``frame`` has every one of ``columns``.

    Raises
    ------
    ValueError
        ``"{name} is missing column(s) [...]"``, naming the absent columns in order.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"staff_id": []}), "staff", ("staff_id", "unit_code"))
    Traceback (most recent call last):
    ...
    ValueError: staff is missing column(s) ['unit_code']
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing}")


def typed_frame(table_name: str, rows: Iterable[tuple] = ()) -> pd.DataFrame:
    """A canonical table as loaded, from tuples in the contract's column order.

    For building months in memory (tests, examples) with the dtypes of
    :data:`LOADED_DTYPES`. Trailing optional columns may be left out of a tuple: they
    are blank, as when a file leaves them out.

    Examples
    --------
    >>> typed_frame("units", [("X01", "临源县", "county")]).dtypes.astype(str).tolist()
    ['str', 'str', 'str']
    """
    table = TABLES[table_name]
    width = len(table.columns)
    full = []
    for row in rows:
        row = tuple(row)
        if len(row) < width and all(col.optional for col in table.columns[len(row) :]):
            row += (None,) * (width - len(row))
        full.append(row)
    frame = pd.DataFrame(full, columns=table.column_names)
    return frame.astype({col.name: LOADED_DTYPES[col.kind] for col in table.columns})


def unit_type_order(column: pd.Series) -> pd.Series:
    """Sort key putting counties before centres (the order of :data:`UNIT_TYPES`).

    For ``DataFrame.sort_values(key=...)``: a column named ``unit_type`` becomes each
    type's position (unknown types last); any other column is returned unchanged.

    >>> pd.Series(["centre", "county"], name="unit_type").pipe(unit_type_order).tolist()
    [1, 0]
    """
    if column.name != "unit_type":
        return column
    return column.map({code: i for i, code in enumerate(UNIT_TYPES)}).fillna(len(UNIT_TYPES))
