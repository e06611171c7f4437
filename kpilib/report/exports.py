"""The month's Excel workbooks and the index page's headline scores, from the shared results.

Sheets carry the reports' Chinese headers and labels (:mod:`kpilib.report.labels`),
with any phone or ID number in their text masked (:func:`kpilib.report.privacy.mask_free_text`);
the store writes them, every text cell as text (:func:`kpilib.report.excel.write_excel`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kpilib.contract.schema import TABLES, unit_type_order
from kpilib.report.actions import ACTIONS_FOLDER, action_sheets_by_unit, workbook_path
from kpilib.report.labels import HEADERS, RATES, for_display
from kpilib.report.privacy import mask_free_text
from kpilib.stats.plan import SHEETS, STANDARD, TABLE_NAMES


def headline_scores(shared: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Return each unit's headline total and grade for the index page.

    Returns
    -------
    DataFrame indexed by ``unit_code`` with columns ``score`` (float) and
    ``grade`` (str), from the shared ``headline`` table; empty (the index then
    shows "—") when the shared results carry none.
    """
    if "headline" not in shared:
        return pd.DataFrame(
            {"score": pd.Series(dtype="float64"), "grade": pd.Series(dtype="string")},
            index=pd.Index([], name="unit_code", dtype="string"),
        )
    head = shared["headline"]
    return pd.DataFrame(
        {
            "score": head["total"].astype("float64").round(2).to_numpy(),
            "grade": head["grade"].astype("string").to_numpy(),
        },
        index=pd.Index(head["unit_code"].astype("string"), name="unit_code"),
    )


def excel_exports(
    shared: Mapping[str, pd.DataFrame], *, month: str | None = None
) -> dict[str, dict[str, pd.DataFrame]]:
    """Return the Excel workbooks to write: file name -> sheet name -> table.

    With ``month``, also every unit's 整改清单 (:func:`action_workbooks`), named by its
    path relative to the month folder (``actions/整改清单_X01.xlsx``).

    ``department_scorecard.xlsx`` with Chinese headers: the units' league table
    (单位考核排名), the staff scorecard with masked phones (人员考核得分), the
    汇总检查 findings (centre results against the recomputation), every staff
    member's indicators and total (人员指标明细, 人员总分计算:
    :func:`staff_detail_sheets`), development revenue by product (人员发展收入) and the
    revenue records against finance (收入财务核对, 收入核对差异: :func:`finance_sheets`); and
    ``sampling_list.xlsx``, next month's inspection plan and drawn records
    (:func:`sampling_list_export`).
    """
    workbooks = {}
    if "sampling_list" in shared:
        workbooks["sampling_list.xlsx"] = sampling_list_export(shared)
    if month is not None:
        workbooks.update(action_workbooks(shared, month=month))

    if "headline" not in shared:
        return _masked(workbooks)
    league = shared["headline"].sort_values(["unit_type", "rank"], key=unit_type_order)
    staff = shared["staff_scorecard"].sort_values(["unit_code", "staff_id"])
    checks = shared["centre_checks"]
    staff_columns = [
        "staff_id", "name", "unit_code", "role", "phone_masked", "base", "bonus", "deduction",
        "total", "vetoed", "veto_reason", "rank", "grade",
    ]  # fmt: skip
    league_columns = [
        "unit_code", "unit_name", "unit_type", "total", "rank", "peers", "grade", "vetoed",
        "veto_reason", "prev_total", "prev_rank", "change",
    ]  # fmt: skip
    check_columns = [
        "unit_code", "staff_id", "name", "issue", "submitted_total", "recomputed_total",
        "difference", "indicator", "differing_indicators", "message",
    ]  # fmt: skip
    workbooks["department_scorecard.xlsx"] = {
        "单位考核排名": for_display(league, league_columns, as_text=False),
        "人员考核得分": for_display(staff, staff_columns, as_text=False),
        "汇总检查": for_display(checks, check_columns, as_text=False),
    }
    if "staff_indicators" in shared:
        workbooks["department_scorecard.xlsx"].update(staff_detail_sheets(shared))
    if "staff_revenue_products" in shared:
        workbooks["department_scorecard.xlsx"]["人员发展收入"] = for_display(
            shared["staff_revenue_products"], REVENUE_COLUMNS, as_text=False
        )
    if "finance_reconciliation" in shared:
        workbooks["department_scorecard.xlsx"].update(finance_sheets(shared))
    return _masked(workbooks)


def action_workbooks(
    shared: Mapping[str, pd.DataFrame], *, month: str, units: Iterable[str] | None = None
) -> dict[str, dict[str, pd.DataFrame]]:
    """Every unit's 整改清单: workbook path (relative to the month folder) -> sheets.

    Parameters
    ----------
    shared : the month's shared results.
    month : the assessment month, ``YYYY-MM``.
    units : the units to write (default every unit of ``shared["units"]``).

    Returns
    -------
    dict ``actions/整改清单_<unit>.xlsx`` -> :func:`kpilib.report.actions.action_sheets`
    of the unit (a workbook for every unit, one saying so when there is nothing to do).
    """
    codes = shared["units"]["unit_code"].astype(str).tolist() if units is None else list(units)
    paths = {code: workbook_path(code) for code in codes}
    sheets = action_sheets_by_unit(shared, codes, month=month)
    return {paths[code]: sheets[code] for code in codes}


#: Reader-facing titles of the month's department workbooks, by file name.
WORKBOOK_TITLES = {
    "department_scorecard.xlsx": "部门考核成绩表（单位排名、人员得分、指标明细、收入核对）",
    "sampling_list.xlsx": "下月质检抽样清单（抽检计划、抽检记录、本月批判定）",
}


def department_workbooks(exports: Iterable[str]) -> list[tuple[str, str]]:
    """The month's workbooks other than the units' 整改清单, for the index page.

    Parameters
    ----------
    exports : the manifest's ``exports`` (paths relative to the month folder).

    Returns
    -------
    list of (title, path) in the order given: the title from :data:`WORKBOOK_TITLES`,
    else the file name.

    >>> department_workbooks(["sampling_list.xlsx", "actions/整改清单_X01.xlsx"])
    [('下月质检抽样清单（抽检计划、抽检记录、本月批判定）', 'sampling_list.xlsx')]
    """
    return [
        (WORKBOOK_TITLES.get(path, path), path)
        for path in exports
        if not path.startswith(f"{ACTIONS_FOLDER}/")
    ]


def _masked(workbooks: Mapping[str, Mapping[str, pd.DataFrame]]) -> dict:
    """Every sheet of every workbook with the phone and ID numbers in its text masked."""
    return {
        name: {sheet: mask_free_text(frame) for sheet, frame in sheets.items()}
        for name, sheets in workbooks.items()
    }


#: Columns of the 人员发展收入 sheet (per staff member and product, then a 合计 row).
REVENUE_COLUMNS = [
    "unit_code", "staff_id", "name", "product", "records", "amount_fen", "excluded_records",
    "excluded_fen", "excluded_reasons", "suspected_duplicates", "suspected_fen",
    "suspected_records",
]  # fmt: skip
#: Columns of the 收入财务核对 sheet (one row per unit and product).
FINANCE_PAIR_COLUMNS = [
    "unit_code", "product", "staff_records", "staff_fen", "finance_lines", "finance_fen",
    "difference_fen", "explained_fen", "unexplained_fen", "ok",
]  # fmt: skip
#: Columns of the 收入核对差异 sheet (one row per difference line).
FINANCE_DIFFERENCE_COLUMNS = [
    "unit_code", "product", "kind", "record_ids", "voucher_ids", "contract_id", "staff_fen",
    "finance_fen", "difference_fen", "explanation",
]  # fmt: skip
#: Columns of the 人员指标明细 sheet (one row per staff member and indicator).
STAFF_DETAIL_COLUMNS = [
    "unit_code", "staff_id", "name", "role", "indicator_name", "method", "actual_text",
    "target_text", "ratio", "raw_score", "weight", "effective_weight", "weighted_score",
    "applicable", "reason", "note",
]  # fmt: skip
#: Columns of the 人员总分计算 sheet (one row per staff member).
STAFF_TOTAL_COLUMNS = [
    "unit_code", "staff_id", "name", "role", "indicators", "applicable_indicators",
    "indicator_points", "bonus", "deduction", "unclamped", "clamped", "vetoed",
    "veto_reason", "total", "adjustments", "calculation",
]  # fmt: skip


def finance_sheets(shared: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The revenue reconciliation against finance, Chinese headers and labels.

    收入财务核对: ``finance_reconciliation``, every unit and product with both sides' sums
    (agreeing ones included); 收入核对差异: ``finance_differences``, every difference
    with the records and voucher lines that explain it
    (:func:`kpilib.duties.finance.reconcile_finance`).
    """
    return {
        "收入财务核对": for_display(
            shared["finance_reconciliation"], FINANCE_PAIR_COLUMNS, as_text=False
        ),
        "收入核对差异": for_display(
            shared["finance_differences"],
            FINANCE_DIFFERENCE_COLUMNS,
            headers={"kind": "差异类型", "explanation": "差异说明"},
            as_text=False,
        ),
    }


def staff_detail_sheets(shared: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The per-person sheets of ``department_scorecard.xlsx``, Chinese headers and labels.

    人员指标明细: ``staff_indicators``, one row per staff member and indicator (indicator
    names in Chinese, no codes), with the reason for every capped, floored,
    not-applicable or zero score; 人员总分计算: ``staff_totals``, how each total follows.
    """
    detail = shared["staff_indicators"]
    totals = shared["staff_totals"]
    return {
        "人员指标明细": for_display(detail, STAFF_DETAIL_COLUMNS, rates=["ratio"], as_text=False),
        "人员总分计算": for_display(totals, STAFF_TOTAL_COLUMNS, as_text=False),
    }


#: The drawn records are tickets: their columns keep the tickets file's own headers.
_LIST_HEADERS = {
    **{column.name: column.alias for column in TABLES["tickets"].columns},
    "inspector_id": "指派质检员工号",
}


def _chinese(frame: pd.DataFrame, headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    return for_display(frame, headers=headers, as_text=False)


def sampling_list_export(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Sheets of ``sampling_list.xlsx``: the tables with Chinese headers and labels.

    Parameters
    ----------
    tables : :func:`plan_tables` output (or the same tables read back from parquet).

    Returns
    -------
    dict sheet name → DataFrame, in this order (names in :data:`SHEETS`):
        抽样依据 : two columns 项目, 内容: standard, inspection level, AQL, seed,
            sampling frame, method, records drawn.
        抽检计划 : ``sampling_plan`` with the headers of :data:`HEADERS`.
        抽检清单 : ``sampling_list``, kinds and stages as Chinese labels.
        本月批判定 : ``lot_verdicts``.
        检验严格度转移 : ``inspection_switching``, each unit's severity month by month
            (when given).
    """
    # inspection_switching is optional: tables stored before the switching rules lack it
    required = [name for name in TABLE_NAMES if name != "inspection_switching"]
    missing = [name for name in required if name not in tables]
    if missing:
        raise ValueError(f"tables is missing {missing} (has {sorted(tables)})")
    plan = tables["sampling_plan"]
    first = plan.iloc[0] if len(plan) else {}
    basis = pd.DataFrame(
        {
            "项目": [
                "抽样标准",
                "检验水平",
                "接收质量限AQL(%)",
                "随机种子",
                "抽样框",
                "抽取方法",
                "抽取记录数",
            ],
            "内容": [
                STANDARD,
                str(first.get("level", "")),
                str(first.get("aql", "")),
                str(first.get("seed", "")),
                "本月已办结工单，每个单位为一批",
                "按单位分层，各单位内简单随机不放回抽样；质检员均衡随机指派，不检本人",
                str(len(tables["sampling_list"])),
            ],
        }
    )
    sheets = {
        SHEETS["basis"]: basis,
        SHEETS["sampling_plan"]: _chinese(plan, {"aql": "接收质量限AQL(%)"}),
        SHEETS["sampling_list"]: _chinese(tables["sampling_list"], _LIST_HEADERS),
        SHEETS["lot_verdicts"]: _chinese(tables["lot_verdicts"]),
    }
    if "inspection_switching" in tables:
        sheets[SHEETS["inspection_switching"]] = _chinese(tables["inspection_switching"])
    return {sheet: mask_free_text(frame) for sheet, frame in sheets.items()}


# --------------------------------------------------------------------------- Excel layout

#: Number formats of the sheets' cells: money in yuan, shares, other numbers, text.
MONEY_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "0"
NUMBER_FORMAT = "0.00"
TEXT_FORMAT = "@"
#: Headers of the columns holding a share in [0, 1] (as :func:`for_display` names them).
PERCENT_HEADERS = frozenset(HEADERS.get(c, c) for c in RATES) | {HEADERS["ratio"]}
#: Narrowest and widest column, in characters.
MIN_WIDTH, MAX_WIDTH = 8.0, 60.0


def _text_width(text: str) -> int:
    """Display width of a text: a character beyond Latin-1 (CJK, full-width) counts two.

    >>> _text_width("金额(元)"), _text_width("abc")
    (8, 3)
    """
    return 2 * len(text) - len(text.encode("latin-1", "ignore"))


def _shown(values: pd.Series, pattern: str | None) -> set[str]:
    """The distinct texts a column shows: its values present, numbers formatted by
    ``pattern`` (None: not numbers, each value as ``str``)."""
    if pattern is not None and isinstance(values.dtype, np.dtype):  # NumPy numbers
        array = values.to_numpy()
        if array.dtype.kind in "fc":
            array = array[~np.isnan(array)]
        return {pattern.format(v) for v in array.tolist()}
    if isinstance(values.dtype, pd.StringDtype):  # missing values are not str
        return {v for v in values.unique().tolist() if isinstance(v, str)}
    present = values.dropna()
    if pattern is not None:
        return {pattern.format(v) for v in present.tolist()}
    return set(present.astype(str).tolist())


def column_layout(frame: pd.DataFrame) -> pd.DataFrame:
    """How each column of a sheet is laid out in Excel: width and number format.

    Applied by :func:`kpilib.report.excel.write_excel` to every workbook the project
    writes (with a frozen header row and a filter on it). Money columns are those whose
    header names yuan (``(元)``), shares those of :data:`PERCENT_HEADERS`, as
    :func:`kpilib.report.labels.for_display` names them.

    Parameters
    ----------
    frame : a sheet as written (headers as the reader sees them).

    Returns
    -------
    DataFrame, one row per column of ``frame`` in order, columns
        header : str, the column's header.
        width : float, characters: the widest of header and values (a CJK character
            counts two) plus two, within [:data:`MIN_WIDTH`, :data:`MAX_WIDTH`].
        number_format : str, :data:`MONEY_FORMAT` (numeric, header with ``(元)``),
            :data:`PERCENT_FORMAT` (numeric, header in :data:`PERCENT_HEADERS`),
            :data:`INTEGER_FORMAT` (other integers), :data:`NUMBER_FORMAT` (other
            numbers), :data:`TEXT_FORMAT` (everything else, kept as text).

    >>> column_layout(pd.DataFrame({"金额(元)": [12.5], "合格率": [0.5], "姓名": ["张三"]}))
      header  width number_format
    0  金额(元)   10.0          0.00
    1    合格率    8.0          0.0%
    2     姓名    8.0             @
    """
    headers, widths, formats = [], [], []
    for header, values in frame.items():
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not (
            pd.api.types.is_bool_dtype(values.dtype)
        )
        name = str(header)
        if numeric and "(元)" in name:
            fmt = MONEY_FORMAT
        elif numeric and name in PERCENT_HEADERS:
            fmt = PERCENT_FORMAT
        elif numeric and pd.api.types.is_integer_dtype(values.dtype):
            fmt = INTEGER_FORMAT
        elif numeric:
            fmt = NUMBER_FORMAT
        else:
            fmt = TEXT_FORMAT
        pattern = ("{:,.1%}" if fmt == PERCENT_FORMAT else "{:,.2f}") if numeric else None
        widest = float(max(map(_text_width, _shown(values, pattern)), default=0))
        widest = max(float(_text_width(name)), widest)
        headers.append(name)
        widths.append(min(max(widest + 2, MIN_WIDTH), MAX_WIDTH))
        formats.append(fmt)
    if not headers:  # object columns, as pandas makes them for no rows
        columns = ["header", "width", "number_format"]
        return pd.DataFrame(columns=columns).astype({"width": "float64"})
    return pd.DataFrame(
        {
            "header": headers,
            "width": np.array(widths, dtype="float64"),
            "number_format": formats,
        }
    )
