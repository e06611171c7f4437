"""The Excel writer: workbooks whose numbers stay numbers and whose text stays text.

With :mod:`kpilib.report.store` (whose atomic writer it goes through), the one place
the report layer writes to disk. Kept apart from the store because the workbooks' column
layout (:func:`kpilib.report.exports.column_layout`) brings the report labels and the
statistics with it, which the store's other readers (the report workers, which only
execute and render) need not import.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
import xlsxwriter.exceptions
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.utility import xl_rowcol_to_cell

from kpilib.report.exports import INTEGER_FORMAT, TEXT_FORMAT, column_layout
from kpilib.report.store import atomic_path

#: Leading characters with which a spreadsheet takes typed text for a formula or command.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Number formats of date and time cells (those pandas gave them when it wrote the exports).
DATETIME_FORMAT, DATE_FORMAT, TIMEDELTA_FORMAT = "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD", "0"


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: repr(m.group())[1:-1], value)
    return value


def write_excel(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write one workbook, one sheet per table, atomically; return its path.

    Numbers stay numbers; every text cell is stored as text, never as a formula, a
    link or a number (a name ``=HYPERLINK(…)`` stays that string), and text starting
    with one of :data:`FORMULA_PREFIXES` is marked quote-prefixed, so Excel keeps it
    text when the cell is edited. Control characters, which the xlsx format cannot
    hold, are written escaped (``\\x01``). Missing values (None, NaN, NA, NaT) are
    blank cells; infinities are the texts ``inf`` and ``-inf``; booleans are Excel
    booleans; dates and times are Excel dates (:data:`DATETIME_FORMAT`,
    :data:`DATE_FORMAT`); numbers have 16 significant digits. Every sheet
    (its name cut to 31 characters) has its header row frozen, a filter on the header
    and rows (a header-only sheet: on one empty row to type into), and the column
    widths and number formats of :func:`kpilib.report.exports.column_layout` (money
    ``0.00``, shares ``0.0%``, text ``@``): the money, share and other decimal
    formats on every cell of the column, every format as the column's default (what
    is typed in later).

    Raises ValueError when two sheet names are the same once cut to 31 characters, or a
    name cannot name a sheet (``[]:*?/\\``).
    """
    names = [str(sheet)[:31] for sheet in sheets]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"sheet names {repeated} repeat once cut to Excel's 31 characters "
            f"(sheets: {list(sheets)}); give the sheets shorter distinct names"
        )
    with (
        atomic_path(path) as tmp,
        xlsxwriter.Workbook(str(tmp), {"in_memory": True, **_AS_GIVEN}) as book,
    ):
        formats = _Formats(book)
        for name, frame in zip(names, sheets.values(), strict=True):
            try:
                worksheet = book.add_worksheet(name)
            except xlsxwriter.exceptions.XlsxWriterException as error:  # e.g. "[" or ":"
                raise ValueError(f"sheet name {name!r} cannot name a sheet: {error}") from error
            _write_sheet(worksheet, _escaped(frame), formats)
    return Path(path)


#: NumPy dtypes ``map`` keeps (it makes float64 of float32, int64 of int32).
_KEPT_BY_MAP = (np.dtype("float64"), np.dtype("int64"), np.dtype("bool"))


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.map(_xlsx_safe)`` (``frame`` itself when empty), mapping only the columns
    that can hold text: numbers and booleans are kept, a string column only when a value
    needs escaping; other columns (object) are mapped, their dtype inferred as ``map`` does.
    """
    if not len(frame):
        return frame
    out = frame
    for position, (_, values) in enumerate(frame.items()):
        dtype = values.dtype
        if dtype in _KEPT_BY_MAP or (
            isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
        ):
            continue
        if isinstance(dtype, pd.StringDtype):
            texts = [v for v in values.unique().tolist() if isinstance(v, str)]
            if not ILLEGAL_CHARACTERS_RE.search("\n".join(texts)):  # "\n" itself is legal
                continue
        out = frame.copy() if out is frame else out
        out.isetitem(position, values.map(_xlsx_safe))
    return out


#: Workbook options: xlsxwriter turns no text into a number, formula or link.
_AS_GIVEN = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


class _Formats:
    """The workbook's cell formats, made once each: number format and quote prefix."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._made: dict[tuple[str | None, bool], Any] = {}

    def get(self, number_format: str | None, *, quoted: bool = False) -> Any:
        key = (number_format, quoted)
        if key not in self._made:
            properties: dict[str, Any] = {"quote_prefix": True} if quoted else {}
            if number_format is not None:
                properties["num_format"] = number_format
            self._made[key] = self._book.add_format(properties)
        return self._made[key]


def _write_sheet(worksheet: Any, frame: pd.DataFrame, formats: _Formats) -> None:
    """Write the header and the cells column by column, then the layout (see write_excel)."""
    layout = column_layout(frame)
    last_row = max(len(frame) + 1, 2)  # a header-only sheet keeps one row to type into
    for col, ((header, values), width, number_format) in enumerate(
        zip(frame.items(), layout["width"], layout["number_format"], strict=True)
    ):
        # what is typed in later; pixels of width * 7 are stored as exactly `width` characters
        worksheet.set_column_pixels(
            col, col, width * worksheet.max_digit_width, formats.get(number_format)
        )
        # money, shares and other decimals on every cell; text and whole numbers: General
        cell_format = None if number_format in (TEXT_FORMAT, INTEGER_FORMAT) else number_format
        _write_cells(worksheet, 0, col, [_xlsx_safe(header)], None, formats)
        _write_cells(worksheet, 1, col, values.tolist(), cell_format, formats)
        if not len(frame) and cell_format is not None:
            worksheet.write_blank(1, col, None, formats.get(cell_format))
    worksheet.freeze_panes(1, 0)
    if len(frame.columns):
        worksheet.autofilter(0, 0, last_row - 1, len(frame.columns) - 1)


def _write_cells(
    worksheet: Any, first_row: int, col: int, values: list, number_format: str | None,
    formats: _Formats,
) -> None:  # fmt: skip
    """Write ``values`` down column ``col`` from ``first_row``, each as its type.

    Text as text (quote-prefixed when it starts with :data:`FORMULA_PREFIXES`), numbers
    as numbers, booleans as booleans, dates as dates, missing values as blank cells;
    anything else as its ``str``. Cells get ``number_format`` (None: General); dates and
    times theirs.
    """
    plain = formats.get(number_format)
    quoted = formats.get(number_format, quoted=True)
    write_string, write_number = worksheet.write_string, worksheet.write_number
    for row, value in enumerate(values, start=first_row):
        kind = type(value)
        if kind is str and value:
            write_string(row, col, value, quoted if value.startswith(FORMULA_PREFIXES) else plain)
        elif kind is float and not math.isinf(value):
            if value == value:
                write_number(row, col, value, plain)
            else:
                worksheet.write_blank(row, col, None, plain)
        elif kind is int:
            write_number(row, col, value, plain)
        else:
            _write_other(worksheet, row, col, value, number_format, formats)


def _write_other(
    worksheet: Any, row: int, col: int, value: Any, number_format: str | None, formats: _Formats
) -> None:
    """One cell of any other type, as pandas turned it into a cell (see _write_cells)."""
    plain = formats.get(number_format)
    blank = isinstance(value, str) and not value
    if blank or value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        worksheet.write_blank(row, col, None, plain)
    elif isinstance(value, bool | np.bool_):
        worksheet.write_boolean(row, col, bool(value), plain)
    elif pd.api.types.is_integer(value):
        worksheet.write_number(row, col, int(value), plain)
    elif pd.api.types.is_float(value) and not math.isinf(value):
        worksheet.write_number(row, col, float(value), plain)
    elif pd.api.types.is_float(value):
        text = "inf" if value > 0 else "-inf"
        _write_cells(worksheet, row, col, [text], number_format, formats)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(
                f"cell {xl_rowcol_to_cell(row, col)} of sheet {worksheet.name!r} holds "
                f"{value!r} with a time zone, which Excel cannot hold; remove the time zone"
            )
        worksheet.write_datetime(row, col, value, formats.get(DATETIME_FORMAT))
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, value, formats.get(DATE_FORMAT))
    elif isinstance(value, dt.timedelta):
        days = value.total_seconds() / 86400
        worksheet.write_number(row, col, days, formats.get(TIMEDELTA_FORMAT))
    else:
        _write_cells(worksheet, row, col, [_xlsx_safe(str(value))], number_format, formats)
