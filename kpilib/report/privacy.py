"""Masking personal data and keeping each unit's report to its own staff."""

from __future__ import annotations

import re

import pandas as pd

#: Columns that hold personal numbers and are masked wherever they are shown.
PERSONAL_COLUMNS = ("phone", "id_number")

_PHONE = re.compile(r"^(\d{3})\d{4}(\d{4})$")
_ID_NUMBER = re.compile(r"^(\d{6})\d{8}(\d{3}[\dXx])$")
# Already masked values pass through unchanged, so masking twice is harmless.
_MASKED_PHONE = re.compile(r"^\d{3}\*{4}\d{4}$")
_MASKED_ID_NUMBER = re.compile(r"^\d{6}\*{8}\d{3}[\dXx]$")


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
