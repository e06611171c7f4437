"""Masking personal data and keeping each unit's report to its own staff.

Personal columns (:data:`PERSONAL_COLUMNS`) are masked whole (:func:`masked`); any
mobile or ID number written into free text (a customer name, a note, a message) is
masked where it stands (:func:`mask_text`), in every text column of every table
(:func:`mask_free_text`, :func:`mask_tables`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from itertools import accumulate

import numpy as np
import pandas as pd

#: Columns that hold personal numbers and are masked wherever they are shown.
PERSONAL_COLUMNS = ("phone", "id_number")

_PHONE = re.compile(r"^(\d{3})\d{4}(\d{4})$")
_ID_NUMBER = re.compile(r"^(\d{6})\d{8}(\d{3}[\dXx])$")
# Already masked values pass through unchanged, so masking twice is harmless.
_MASKED_PHONE = re.compile(r"^\d{3}\*{4}\d{4}$")
_MASKED_ID_NUMBER = re.compile(r"^\d{6}\*{8}\d{3}[\dXx]$")
#: A mobile number inside text: 11 digits ``1[3-9]…`` not inside a longer run of
#: digits, also written 3-4-4 with spaces or hyphens or after a +86/0086 prefix.
_PHONE_IN_TEXT = re.compile(
    r"(?:(?<!\d)|(?<=(?<!\d)86)|(?<=(?<!\d)0086))1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"
)
#: An ID number inside text: 17 digits and a digit or X, not inside a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
#: What every match of :data:`_PHONE_IN_TEXT` contains: the number without the look-arounds
#: around it, which the regular expression engine would try at every character.
_PHONE_CORE = re.compile(r"1[3-9]\d(?:[ -]?\d{4}){2}")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－", "0123456789Xx-")


def mask_phone(phone: str | None) -> str | None:
    """Mask the middle four digits of an 11-digit mobile number.

    Anything that is not an 11-digit number is masked whole, so a malformed value
    never leaks; an already masked number is returned unchanged.

    Examples
    --------
    >>> mask_phone("13812345678")
    '138****5678'
    >>> mask_phone("138****5678")
    '138****5678'
    >>> mask_phone("12345")
    '*****'
    """
    return _mask(phone, _PHONE, _MASKED_PHONE, hidden=4)


def mask_id_number(id_number: str | None) -> str | None:
    """Keep the region code and the last four characters of an 18-character ID number.

    Examples
    --------
    >>> mask_id_number("11010519491231002X")
    '110105********002X'
    >>> mask_id_number("110105********002X")
    '110105********002X'
    """
    return _mask(id_number, _ID_NUMBER, _MASKED_ID_NUMBER, hidden=8)


def _mask(value: str | None, shape: re.Pattern, masked: re.Pattern, *, hidden: int) -> str | None:
    """``value`` with the ``hidden`` characters between ``shape``'s two groups starred.

    None/NA stays None, an already ``masked`` value passes unchanged, and a value not of
    ``shape`` is starred whole.
    """
    if value is None or pd.isna(value):
        return None
    text = str(value)
    if masked.match(text):
        return text
    match = shape.match(text)
    return f"{match[1]}{'*' * hidden}{match[2]}" if match else "*" * len(text)


def mask_text(text: object) -> object:
    """Mask every mobile and ID number inside ``text``; anything not a str is returned as is.

    Examples
    --------
    >>> mask_text("号码 13812345678，身份证 11010519491231002X")
    '号码 138****5678，身份证 110105********002X'
    >>> mask_text("+86 138-1234-5678 / 8613812345678 / 客户13812345678号")
    '+86 138****5678 / 86138****5678 / 客户138****5678号'
    >>> mask_text("流水 R202610000001, 20 位 13812345678901234567"), mask_text(5)
    ('流水 R202610000001, 20 位 13812345678901234567', 5)
    """
    if not isinstance(text, str):
        return text
    text = _masked_matches(_ID_IN_TEXT, text, lambda found: mask_id_number(found.upper()))
    return _masked_matches(
        _PHONE_IN_TEXT, text, lambda found: mask_phone(re.sub("[ -]", "", found))
    )


def _masked_matches(pattern: re.Pattern, text: str, mask: Callable[[str], str | None]) -> str:
    """``text`` with each match of ``pattern`` replaced by ``mask`` of it.

    Matched on a copy with full-width digits as ASCII (one character for one, so the
    positions hold); the text outside the matches is kept as written.
    """
    probe = text.translate(_FULL_WIDTH)
    parts, end = [], 0
    for match in pattern.finditer(probe):
        parts += [text[end : match.start()], mask(match.group(0)) or ""]
        end = match.end()
    return "".join([*parts, text[end:]]) if parts else text


def _with_numbers(strings: Iterable[str]) -> list[str]:
    """Those of ``strings`` in which :func:`mask_text` finds a number to mask, or may.

    One pass of :data:`_ID_IN_TEXT` and :data:`_PHONE_CORE` over all the strings joined by
    line breaks (no pattern matches across one, and a line break is no digit for their
    look-arounds), instead of two passes per string: a column of thousands of names
    usually holds no number. A string without a match is one :func:`mask_text` returns
    unchanged.

    >>> _with_numbers(["城东", "客户13812345678", "１３８１２３４５６７８"])
    ['客户13812345678', '１３８１２３４５６７８']
    """
    strings = list(strings)
    probe = "\n".join(strings)
    if not probe.isascii():  # codes and numbers are ASCII: nothing to translate there
        probe = probe.translate(_FULL_WIDTH)
    starts = list(accumulate((len(text) + 1 for text in strings[:-1]), initial=0))
    hits = {
        bisect_right(starts, match.start()) - 1
        for pattern in (_ID_IN_TEXT, _PHONE_CORE)
        for match in pattern.finditer(probe)
    }
    return [strings[i] for i in sorted(hits)]


def _mask_container(value: object) -> object:
    """A list, tuple or object array with :func:`mask_text` applied to each item."""
    if isinstance(value, list | tuple):
        return type(value)(mask_text(v) for v in value)
    return np.array([mask_text(v) for v in value], dtype=object)


def _is_text(dtype: object) -> bool:
    """Whether a column of ``dtype`` may hold text: object or string, not categorical."""
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _mask_series(values: pd.Series | pd.Index) -> pd.Series | pd.Index | None:
    """``values`` with every number in their text masked; None when nothing changed."""
    if not _is_text(values.dtype):
        return None
    if pd.api.types.is_object_dtype(values.dtype):
        items = values.to_numpy(dtype=object)
        containers = [
            i
            for i, v in enumerate(items)
            if isinstance(v, list | tuple) or (isinstance(v, np.ndarray) and v.dtype.kind in "OUS")
        ]
    else:
        # a string column holds no lists: only its distinct values need a look
        items = values.unique().to_numpy(dtype=object)
        containers = []
    strings = {v for v in items if isinstance(v, str)}
    masks = {v: new for v in _with_numbers(strings) if (new := mask_text(v)) != v}
    if not masks and not containers:
        return None
    if not pd.api.types.is_object_dtype(values.dtype):
        items = values.to_numpy(dtype=object)
    out = np.array([masks.get(v, v) if isinstance(v, str) else v for v in items], dtype=object)
    for i in containers:
        out[i] = _mask_container(items[i])
    if isinstance(values, pd.Index):
        return pd.Index(out, dtype=values.dtype, name=values.name)
    return pd.Series(out, index=values.index, dtype=values.dtype, name=values.name)


def mask_free_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every mobile and ID number in its text masked (:func:`mask_text`).

    Every text column is scanned (str values, and lists of str such as a contract's
    missing documents), and a text index; categorical columns (closed sets of codes)
    and numbers are left alone. Columns without a number keep their values and dtype;
    ``frame`` itself is returned when nothing needs masking.

    >>> t = pd.DataFrame({"customer_name": ["客户13812345678", "城东"], "n": [1, 2]})
    >>> mask_free_text(t)["customer_name"].tolist()
    ['客户138****5678', '城东']
    """
    out = None
    for position, dtype in enumerate(frame.dtypes.tolist()):
        if not _is_text(dtype):
            continue  # numbers, dates, codes: not worth taking the column out
        new = _mask_series(frame.iloc[:, position])
        if new is not None:
            out = frame.copy() if out is None else out
            out.isetitem(position, new)
    index = _mask_series(frame.index) if not isinstance(frame.index, pd.MultiIndex) else None
    if index is not None:
        out = frame.copy() if out is None else out
        out.index = index
    return frame if out is None else out


def mask_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """:func:`mask_free_text` of every table, by name (what the shared results store)."""
    return {name: mask_free_text(frame) for name, frame in tables.items()}


def masked(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with every personal column present masked.

    Returns
    -------
    DataFrame with the same columns; ``phone`` and ``id_number`` masked.
    """
    out = frame.copy()
    if "phone" in out:
        out["phone"] = out["phone"].map(mask_phone)
    if "id_number" in out:
        out["id_number"] = out["id_number"].map(mask_id_number)
    return out


def for_unit(
    frame: pd.DataFrame, unit_code: str, *, unit_column: str = "unit_code"
) -> pd.DataFrame:
    """Rows of one unit only, personal columns masked: what a unit's report may show.

    Raises
    ------
    ValueError
        If ``frame`` has no ``unit_column``: staff-level rows without a unit cannot be
        shown safely in a unit's report.

    Returns
    -------
    DataFrame, the rows whose ``unit_column`` equals ``unit_code``, masked.
    """
    if unit_column not in frame.columns:
        raise ValueError(
            f"cannot restrict rows to unit {unit_code!r}: no column {unit_column!r} "
            f"(columns are {list(frame.columns)})"
        )
    return masked(frame[frame[unit_column] == unit_code])
