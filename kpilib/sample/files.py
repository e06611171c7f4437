"""Writing a month's tables as the real exports come: CSV in GBK, UTF-8 or UTF-8 with
a BOM and one-sheet .xlsx workbooks, Chinese headers and labels, every cell text.

Every file goes through the project's one atomic writer
(:func:`kpilib.report.store.write_bytes_atomic`), so a reader never sees a
half-written file and a crash leaves only temporary names that
:func:`kpilib.report.store.remove_stale_temp_files` removes.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from kpilib.contract.schema import TABLES, Table
from kpilib.report.store import write_bytes_atomic

#: Table name -> (file suffix, text encoding or None for Excel), as the real exports come.
FILE_FORMATS: dict[str, tuple[str, str | None]] = {
    "units": (".csv", "utf-8"),
    "staff": (".xlsx", None),
    "targets": (".csv", "gbk"),
    "activity": (".csv", "gbk"),
    "revenue": (".csv", "utf-8-sig"),
    "finance_revenue": (".xlsx", None),
    "contracts": (".csv", "gbk"),
    "tickets": (".csv", "utf-8"),
    "inspections": (".csv", "gbk"),
    "training": (".csv", "utf-8"),
    "training_plan": (".xlsx", None),
    "submissions": (".csv", "gbk"),
    "centre_results": (".xlsx", None),
    "expenses": (".csv", "utf-8-sig"),
    "audit_findings": (".csv", "utf-8"),
    "adjustments": (".xlsx", None),
}


def write_month(folder: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Write each canonical frame of ``frames`` into ``folder`` in its export's format."""
    for name, frame in frames.items():
        table = TABLES[name]
        suffix, encoding = FILE_FORMATS[name]
        text = _export(table, frame)
        if encoding is None:
            data = _xlsx_bytes(text, title=table.title)
        else:
            data = text.to_csv(index=False, lineterminator="\n").encode(encoding)
        write_bytes_atomic(folder / f"{table.file_stem}{suffix}", data)


def write_json(path: Path, content: object) -> None:
    """Write ``content`` as indented UTF-8 JSON (Chinese kept readable), atomically."""
    text = json.dumps(content, ensure_ascii=False, indent=2) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


def _export(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as the export shows it: Chinese headers, every cell a string."""
    out = {}
    for col in table.columns:
        s = frame[col.name]
        if col.kind == "str":
            text = s.fillna("")
        elif col.kind == "category":
            text = s.map(col.choices).fillna("")  # type: ignore[arg-type]
        elif col.kind == "int":
            text = s.astype(np.int64).astype(str)
        elif col.kind == "money":
            fen = s.to_numpy(dtype=np.int64)
            text = (
                pd.Series(fen // 100).astype(str)
                + "."
                + pd.Series(fen % 100).astype(str).str.zfill(2)
            )
        elif col.kind == "float":
            text = pd.Series(_format_floats(s.to_numpy(dtype=float)), dtype=object)
        elif col.kind == "bool":
            text = s.map({True: "是", False: "否"}).fillna("")
        else:
            unit = "D" if col.kind == "date" else "s"
            stamps = s.to_numpy().astype(f"datetime64[{unit}]")
            values = np.datetime_as_string(stamps, unit=unit)
            if unit == "s":
                values = np.strings.replace(values, "T", " ")
            values = values.astype(object)
            values[np.isnat(stamps)] = ""
            text = pd.Series(values, dtype=object)
        out[col.alias] = pd.Series(text.to_numpy(dtype=object), dtype=object)
    return pd.DataFrame(out, columns=[c.alias for c in table.columns])


def _format_floats(values: np.ndarray) -> np.ndarray:
    """Format floats for an export: at most two decimals, no trailing zeros, blank for NaN.

    >>> _format_floats(np.array([87.0, 45600.0, 0.5, 1.25, np.nan])).tolist()
    ['87', '45600', '0.5', '1.25', '']
    """
    out = np.full(len(values), "", dtype=object)
    finite = np.isfinite(values)
    whole = finite & (values == np.round(values))
    out[whole] = values[whole].astype(np.int64).astype(str)
    rest = np.flatnonzero(finite & ~whole)
    out[rest] = [f"{v:.2f}".rstrip("0").rstrip(".") for v in values[rest]]
    return out


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _xlsx_bytes(text: pd.DataFrame, *, title: str) -> bytes:
    """Return a one-sheet .xlsx holding ``text`` (header row, then every cell as text).

    The workbook is written directly (inline strings, fixed timestamps), which is
    much faster than a general writer and gives the same bytes for the same data.
    """
    letters = [chr(ord("A") + j) for j in range(len(text.columns))]
    if len(letters) > 26:
        raise ValueError(f"at most 26 columns fit this writer, got {len(text.columns)}")
    rows = pd.Series(np.arange(2, len(text) + 2)).astype(str)
    body = pd.Series("", index=rows.index, dtype=object)
    for letter, name in zip(letters, text.columns, strict=True):
        values = text[name].astype(object)
        cells = (
            f'<c r="{letter}'
            + rows
            + '" t="inlineStr"><is><t>'
            + values.map(escape)
            + "</t></is></c>"
        )
        body = body + cells.where(values != "", "")
    header = "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
        for letter, name in zip(letters, text.columns, strict=True)
    )
    sheet = "".join(
        [
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
            f'<sheetData><row r="1">{header}</row>',
            "".join(('<row r="' + rows + '">' + body + "</row>").tolist()),
            "</sheetData></worksheet>",
        ]
    )
    parts = dict(_XLSX_PARTS)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace("{title}", escape(title))
    parts["xl/worksheets/sheet1.xml"] = sheet
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml
            archive.writestr(info, data.encode("utf-8"))
    return buffer.getvalue()
