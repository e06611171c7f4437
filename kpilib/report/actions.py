"""整改清单: everything one unit must act on this month, one table per kind.

Every row comes from the shared results the run already stores, and every judgement in
it (late, overdue, missing, failed, differing) was made by the duty that owns it:

- ``contracts``: ``archive_missing``, :func:`kpilib.duties.archive.missing_documents`;
- ``tickets``: ``tickets_overdue``, :func:`kpilib.duties.process.overdue_tickets`;
- ``submissions``: ``submissions_late``, :func:`kpilib.duties.timeliness.late_submissions`;
- ``audit``: ``audit_open`` (:func:`kpilib.duties.audit.open_findings`) and the
  closed-late rows of ``audit_overdue`` (:func:`kpilib.duties.audit.overdue_findings`);
- ``inspections``: the month's ``inspections`` the inspector judged 不合格 (是否合格 = 否
  in the input: the verdict is the inspector's, as every pass rate counts it);
- ``centre_checks``: ``centre_checks``, :func:`kpilib.duties.checks.reconcile_centre_results`.

Nothing is judged again here: the tables are restricted to the unit, names are added
from the (masked) staff table, and phone and ID numbers are masked
(:func:`kpilib.report.privacy.for_unit`, :func:`kpilib.report.privacy.mask_free_text`).
:func:`action_sheets` turns them into the workbook's sheets (Chinese sheet names and
headers, two columns 处理状态 and 处理说明 left empty for the unit to fill in);
the store writes them (:func:`kpilib.report.excel.write_excel`). The unit report links
the workbook (:func:`workbook_link_text`) and says, for every list it shortens, where
the rest is (:func:`list_count_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kpilib.report.labels import for_display, markdown_text
from kpilib.report.privacy import for_unit, mask_free_text, masked

__all__ = [
    "ACTIONS_FOLDER",
    "ACTION_KINDS",
    "ACTION_SHEETS",
    "action_overview",
    "action_sheets",
    "action_sheets_by_unit",
    "action_tables",
    "action_tables_by_unit",
    "list_count_text",
    "workbook_href",
    "workbook_link_text",
    "workbook_path",
]

#: The kinds of action, in the workbook's order.
ACTION_KINDS = ("contracts", "tickets", "submissions", "audit", "inspections", "centre_checks")
#: Kind -> sheet name (Chinese, at most 31 characters, none of ``[]:*?/\``).
ACTION_SHEETS = {
    "contracts": "合同缺失材料",
    "tickets": "超时工单",
    "submissions": "迟报未报报表",
    "audit": "贯标审核发现",
    "inspections": "质检不合格",
    "centre_checks": "汇总检查不符",
}
#: Kind -> what puts a row on the sheet, in the reader's words (the owning duty's rule).
ACTION_BASIS = {
    "contracts": "合同归档状态为部分归档或未归档，或归档状态与所列缺失材料矛盾",
    "tickets": "工单超过处理时限：超时办结，或至月末仍未办结且已超时",
    "submissions": "报表迟于截止日报送，或至月末仍未报送",
    "audit": "至月末仍未关闭的审核发现（已逾期与未到期），以及本月逾期后才整改的",
    "inspections": "本月质量抽检中质检员判为不合格的记录",
    "centre_checks": "中心上报的考核结果与部门复算不一致（总分或指标得分不符、漏报或多报人员）",
}
#: The sheet of a workbook without any action.
NOTHING_SHEET = "整改清单"
#: The overview sheet, first in a workbook with actions.
OVERVIEW_SHEET = "整改汇总"
#: The columns the unit fills in, appended to every action sheet (empty).
STATUS_COLUMN = "处理状态"
NOTE_COLUMN = "处理说明"
#: Folder of the workbooks under the month folder.
ACTIONS_FOLDER = "actions"
_SAFE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_UNIT = "unit_code"

#: Kind -> the canonical columns of its table (see :func:`action_tables`).
COLUMNS = {
    "contracts": [
        "unit_code", "contract_id", "customer_name", "staff_id", "name", "signed_date",
        "archive_status", "missing_documents", "documents_missing", "status_conflict",
    ],
    "tickets": [
        "unit_code", "ticket_id", "staff_id", "name", "kind", "stage", "opened_at", "closed_at",
        "time_limit_hours", "elapsed_hours", "hours_over_limit", "status",
    ],
    "submissions": ["unit_code", "report", "due_date", "submitted_at", "status", "days_late"],
    "audit": [
        "unit_code", "finding_id", "process", "clause", "severity", "raised_date", "due_date",
        "closed_date", "status", "days_overdue",
    ],
    "inspections": [
        "unit_code", "inspection_id", "record_id", "staff_id", "name", "inspector_id",
        "inspected_date", "score", "inspector_note",
    ],
    "centre_checks": [
        "unit_code", "staff_id", "name", "issue", "submitted_total", "recomputed_total",
        "difference", "indicator_name", "submitted_score", "recomputed_score",
        "differing_indicators", "message",
    ],
}  # fmt: skip

#: Headers of the action sheets that differ from :data:`kpilib.report.labels.HEADERS`.
_HEADERS = {
    "kind": "工单类型",
    "status": "状态",
    "due_date": "截止日期",
    "score": "检查得分",
    "inspector_note": "检查意见",
    "indicator_name": "解释差异的指标",
    "missing_documents": "缺失材料",
}
_AUDIT_HEADERS = {"due_date": "整改期限", "status": "整改状态", "severity": "严重程度"}
_AUDIT_STATUS = {
    "open_overdue": "未整改已逾期",
    "open": "未整改未到期",
    "closed_late": "逾期后整改",
}
#: Sources each kind needs (a missing table leaves the kind out as 不适用).
_SOURCES = {
    "contracts": ("archive_missing",),
    "tickets": ("tickets_overdue",),
    "submissions": ("submissions_late", "submission_timeliness"),
    "audit": ("audit_open", "audit_overdue"),
    "inspections": ("inspections",),
    "centre_checks": ("centre_checks",),
}


def _check_unit(units: pd.DataFrame, unit_code: str) -> pd.Series:
    if not isinstance(unit_code, str):
        raise TypeError(f"unit_code must be a str, got {type(unit_code).__name__}")
    match = units[units["unit_code"].astype(str) == unit_code]
    if match.empty:
        known = ", ".join(sorted(units["unit_code"].astype(str)))
        raise ValueError(f"no unit {unit_code!r} in the month's units (units are {known})")
    return match.iloc[0]


def _names(staff: pd.DataFrame) -> pd.Series:
    return staff.drop_duplicates("staff_id").set_index("staff_id")["name"]


def _applies(kind: str, unit: pd.Series, shared: Mapping[str, pd.DataFrame]) -> bool:
    """Whether ``kind`` concerns the unit at all (reports are due from counties only,
    results are submitted by centres only), as the owning duties define it."""
    if any(name not in shared for name in _SOURCES[kind]):
        return False
    if kind == "submissions":  # timeliness lists every unit that owes reports
        owing = shared["submission_timeliness"]["unit_code"].astype(str)
        return bool((owing == str(unit["unit_code"])).any())
    if kind == "centre_checks":  # reconcile_centre_results: every centre submits
        return str(unit["unit_type"]) == "centre"
    return True


def action_tables(
    shared: Mapping[str, pd.DataFrame], unit_code: str
) -> dict[str, pd.DataFrame | None]:
    """Every row ``unit_code`` must act on this month, one table per kind.

    Parameters
    ----------
    shared : the month's shared results (:func:`kpilib.report.shared.build_shared_results`,
        or the same tables read back); needs ``units`` and ``staff``, and for each kind
        its source tables (see the module docstring): a kind whose source is absent is
        left out (None).
    unit_code : the county or centre.

    Returns
    -------
    dict kind -> DataFrame or None, for every kind of :data:`ACTION_KINDS`; None when the
    kind does not concern the unit (reports for a centre, 汇总检查 for a county). Only
    the unit's rows, personal numbers masked, in the owning duty's order; columns:

        contracts : unit_code, contract_id, customer_name, staff_id, name (str),
            signed_date (datetime64), archive_status (str), missing_documents (str,
            joined with "；"), documents_missing (int), status_conflict (bool).
        tickets : unit_code, ticket_id, staff_id, name, kind, stage (str), opened_at,
            closed_at (datetime64, NaT while open), time_limit_hours, elapsed_hours,
            hours_over_limit (float), status (``closed_late`` / ``open_overdue``).
        submissions : unit_code, report (str), due_date, submitted_at (datetime64, NaT
            when not received), status (``late`` / ``not_submitted``), days_late (int).
        audit : unit_code, finding_id, process, clause, severity (str), raised_date,
            due_date, closed_date (datetime64, NaT while open), status (``open_overdue``,
            ``open`` or ``closed_late``), days_overdue (int): every finding open at the
            month's end, then those closed late in the month.
        inspections : unit_code, inspection_id, record_id, staff_id, name, inspector_id
            (str), inspected_date (datetime64), score (float), inspector_note (str, the
            inspector's notes, NA when blank): the month's inspections of the unit's
            staff judged 不合格, by date and inspection.
        centre_checks : unit_code, staff_id, name, issue (str), submitted_total,
            recomputed_total, difference (float), indicator_name (str), submitted_score,
            recomputed_score (float), differing_indicators, message (str).

    Raises
    ------
    ValueError
        If ``unit_code`` is not a unit of ``shared["units"]``.
    """
    return action_tables_by_unit(shared, [unit_code])[unit_code]


def action_tables_by_unit(
    shared: Mapping[str, pd.DataFrame], unit_codes: Iterable[str]
) -> dict[str, dict[str, pd.DataFrame | None]]:
    """:func:`action_tables` of every unit of ``unit_codes``: unit -> kind -> table.

    The same tables as one call per unit, at the cost of one: each kind's table is
    built, named and masked once for all units, then cut into the units' rows.

    Raises
    ------
    ValueError
        If a code is not a unit of ``shared["units"]``.
    """
    codes = list(unit_codes)
    units = {code: _check_unit(shared["units"], code) for code in codes}
    names = _names(shared["staff"])
    tables: dict[str, dict[str, pd.DataFrame | None]] = {code: {} for code in codes}
    for kind in ACTION_KINDS:
        concerned = [code for code in codes if _applies(kind, units[code], shared)]
        for code in codes:
            tables[code][kind] = None
        if not concerned:
            continue
        if kind == "audit":
            overdue = shared["audit_overdue"]
            late = overdue[overdue["status"] == "closed_late"]
            opened = shared["audit_open"]
            still_open = pd.Series(pd.NaT, index=opened.index).astype(late["closed_date"].dtype)
            opened = opened.assign(
                status=np.where(opened["overdue"].astype(bool), "open_overdue", "open"),
                closed_date=still_open,
            )
            parts = [part for part in (opened, late) if len(part)] or [opened]
            frame = pd.concat(parts, ignore_index=True, sort=False)
        elif kind == "inspections":
            inspections = shared["inspections"]
            unit_of = shared["staff"].drop_duplicates("staff_id").set_index("staff_id")
            failed = inspections[~inspections["passed"].astype(bool)]
            frame = failed.assign(unit_code=failed["staff_id"].map(unit_of["unit_code"]))
            frame = frame.sort_values(["inspected_date", "inspection_id"], kind="stable")
        else:
            frame = shared[_SOURCES[kind][0]]
        # every step below works value by value: done on all units' rows, then cut
        if _UNIT not in frame.columns:
            for_unit(frame, concerned[0])  # raises: rows without a unit
        rows = {
            code: (frame[_UNIT] == code).to_numpy(dtype=bool, na_value=False) for code in concerned
        }
        keep = np.logical_or.reduce(list(rows.values()))  # the units' rows only, in order
        frame, rows = frame[keep], {code: mask[keep] for code, mask in rows.items()}
        frame = masked(frame)  # what for_unit masks in the unit's rows
        if "name" in COLUMNS[kind] and "name" not in frame.columns:
            frame = frame.assign(name=frame["staff_id"].map(names))
        for column in ("customer_name", "indicator_name", "inspector_note"):  # optional
            if column in COLUMNS[kind] and column not in frame.columns:
                frame = frame.assign(**{column: pd.NA})
        frame = mask_free_text(frame[COLUMNS[kind]].reset_index(drop=True))
        for code in concerned:
            tables[code][kind] = frame[rows[code]].reset_index(drop=True)
    return tables


def _sheet(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    headers = {**_HEADERS, **(_AUDIT_HEADERS if kind == "audit" else {})}
    if kind == "audit":
        frame = frame.assign(status=frame["status"].map(_AUDIT_STATUS))
    shown = [column for column in frame.columns if column != _UNIT]  # the workbook is the unit's
    out = for_display(frame, shown, headers=headers, as_text=False).reset_index(drop=True)
    out[STATUS_COLUMN] = None
    out[NOTE_COLUMN] = None
    return out


def action_overview(
    tables: Mapping[str, pd.DataFrame | None], unit_code: str, *, unit_name: str, month: str
) -> pd.DataFrame:
    """The 整改汇总 sheet: one row per kind of action, with its count and sheet.

    Parameters
    ----------
    tables : :func:`action_tables` of the unit.
    unit_code, unit_name, month : what the rows name.

    Returns
    -------
    DataFrame, one row per kind of :data:`ACTION_KINDS`, columns 单位编码, 单位名称,
    考核月份, 事项 (the kind in Chinese), 条数 (int, 0 when none or not applicable),
    工作表 (the sheet holding the rows; "本月无" or "不适用" when there is none),
    判定依据 (what puts a row on the sheet).
    """
    rows = []
    for kind in ACTION_KINDS:
        frame = tables.get(kind)
        count = 0 if frame is None else len(frame)
        where = "不适用" if frame is None else (ACTION_SHEETS[kind] if count else "本月无")
        rows.append(
            {
                "单位编码": unit_code,
                "单位名称": unit_name,
                "考核月份": month,
                "事项": ACTION_SHEETS[kind],
                "条数": count,
                "工作表": where,
                "判定依据": ACTION_BASIS[kind],
            }
        )
    return pd.DataFrame(rows).astype({"条数": "int64"})


def action_sheets(
    shared: Mapping[str, pd.DataFrame], unit_code: str, *, month: str
) -> dict[str, pd.DataFrame]:
    """The sheets of the unit's 整改清单 workbook: sheet name -> table, in order.

    Parameters
    ----------
    shared : the month's shared results (see :func:`action_tables`).
    unit_code : the county or centre.
    month : the assessment month, ``YYYY-MM`` (named on the overview sheet).

    Returns
    -------
    dict sheet name -> DataFrame. With something to act on: 整改汇总
    (:func:`action_overview`), then one sheet per kind with rows (names in
    :data:`ACTION_SHEETS`), each with the Chinese headers of the reports (the unit code
    left out: the workbook is the unit's), codes as Chinese labels, dates as text, money
    in yuan and numbers as numbers, and the empty columns 处理状态 and 处理说明 last.
    With nothing: one sheet 整改清单 with one column 说明 and one line saying so.
    """
    return action_sheets_by_unit(shared, [unit_code], month=month)[unit_code]


def action_sheets_by_unit(
    shared: Mapping[str, pd.DataFrame], unit_codes: Iterable[str], *, month: str
) -> dict[str, dict[str, pd.DataFrame]]:
    """:func:`action_sheets` of every unit of ``unit_codes``: unit -> sheet name -> table
    (the tables of :func:`action_tables_by_unit`)."""
    if not re.fullmatch(r"\d{4}-\d{2}", str(month)):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    codes = list(unit_codes)
    tables = action_tables_by_unit(shared, codes)
    return {code: _unit_sheets(shared, code, tables[code], month=month) for code in codes}


def _unit_sheets(
    shared: Mapping[str, pd.DataFrame],
    unit_code: str,
    tables: Mapping[str, pd.DataFrame | None],
    *,
    month: str,
) -> dict[str, pd.DataFrame]:
    unit = _check_unit(shared["units"], unit_code)
    name = unit.get("unit_name")
    name = "" if name is None or pd.isna(name) else str(name)
    if not any(frame is not None and len(frame) for frame in tables.values()):
        text = f"{' '.join(filter(None, [unit_code, name]))} {month}：本月没有需要整改的事项。"
        return {NOTHING_SHEET: mask_free_text(pd.DataFrame({"说明": [text]}))}
    sheets = {
        OVERVIEW_SHEET: mask_free_text(
            action_overview(tables, unit_code, unit_name=name, month=month)
        )
    }
    for kind in ACTION_KINDS:
        frame = tables[kind]
        if frame is not None and len(frame):
            sheets[ACTION_SHEETS[kind]] = _sheet(kind, frame)
    return sheets


def workbook_path(unit_code: str) -> str:
    """The unit's workbook, relative to the month folder (``actions/整改清单_X01.xlsx``).

    >>> workbook_path("X01")
    'actions/整改清单_X01.xlsx'

    Raises
    ------
    ValueError
        If ``unit_code`` has characters a file name should not have.
    """
    if not isinstance(unit_code, str) or not _SAFE_CODE.fullmatch(unit_code):
        raise ValueError(f"unit_code {unit_code!r} cannot name a file: use letters, digits, _ or -")
    return f"{ACTIONS_FOLDER}/整改清单_{unit_code}.xlsx"


def workbook_href(unit_code: str) -> str:
    """The link to the unit's workbook from a page of the month folder (the index, the
    unit's report): :func:`workbook_path` as it is, UTF-8 (browsers encode it; the index
    and Markdown escape it), so that a link reads as the file it opens.

    >>> workbook_href("X01")
    'actions/整改清单_X01.xlsx'
    """
    return workbook_path(unit_code)


def _link(unit_code: str) -> str:
    label = markdown_text(f"整改清单（{unit_code}）")
    return f"[{label}]({workbook_href(unit_code)})"


def workbook_link_text(unit_code: str) -> str:
    """Markdown for a unit report: where its 整改清单 is and what it holds.

    The link is relative to the report's page (``OUT/MONTH/unit_X01.html``).

    >>> print(workbook_link_text("X01"))  # doctest: +ELLIPSIS
    **整改清单**：本单位本月须整改的全部事项见 [整改清单（X01）](actions/...)...
    """
    kinds = "、".join(ACTION_SHEETS[k] for k in ACTION_KINDS)
    return (
        f"**整改清单**：本单位本月须整改的全部事项见 {_link(unit_code)}"
        f"（{kinds}，每类一张工作表；末两列“{STATUS_COLUMN}”“{NOTE_COLUMN}”"
        "请逐条填写后反馈）。"
    )


def list_count_text(
    frame: pd.DataFrame, unit_code: str, *, kind: str, shown: int | None = None
) -> str:
    """Markdown stating a list's full count and, when the report shows only its first
    ``shown`` rows, where the rest is (the kind's sheet of the unit's 整改清单).

    Parameters
    ----------
    frame : the unit's whole list (e.g. ``unit.tickets_overdue``), before any cut.
    unit_code : the unit whose workbook holds the rest.
    kind : one of :data:`ACTION_KINDS`.
    shown : how many rows the report shows (None: all).

    Returns
    -------
    str, "" for an empty list (the report says so itself).

    >>> rows = pd.DataFrame({"ticket_id": [f"T{i}" for i in range(66)]})
    >>> print(list_count_text(rows, "X01", kind="tickets", shown=30))  # doctest: +ELLIPSIS
    共 66 条，下表列出前 30 条；全部 66 条见...的“超时工单”工作表。
    """
    if kind not in ACTION_SHEETS:
        raise ValueError(f"kind must be one of {list(ACTION_KINDS)}, got {kind!r}")
    if shown is not None and (not isinstance(shown, int) or shown < 0):
        raise ValueError(f"shown must be a non-negative int or None, got {shown!r}")
    count = len(frame)
    if count == 0:
        return ""
    sheet = ACTION_SHEETS[kind]
    if shown is not None and count > shown:
        return (
            f"共 {count} 条，下表列出前 {shown} 条；全部 {count} 条见 {_link(unit_code)} "
            f"的“{sheet}”工作表。"
        )
    return f"共 {count} 条，全部列于下表（亦见 {_link(unit_code)} 的“{sheet}”工作表）。"
