"""Quality-system audits (贯标): open, overdue and closed findings per unit.

Both functions take the canonical ``audit_findings`` table (see :mod:`kpilib.schema`)
and an explicit ``as_of``, normally the month's last day at 23:59:59. Dates are
compared as calendar days:

- a finding is *open* at ``as_of`` when it was raised on or before the date of
  ``as_of`` and is not closed by then (a closing date after ``as_of`` is not yet known
  to the month);
- an open finding is *overdue* when its due date is earlier than the date of ``as_of``
  (a finding due today is not overdue yet);
- "this month" is the calendar month of ``as_of``, up to ``as_of``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.schema import SEVERITIES
from kpilib.tally import tally

_DAY = pd.Timedelta(days=1)
_FINDING_COLUMNS = ("finding_id", "unit_code", "severity", "raised_date", "due_date", "closed_date")


def _as_of(as_of: object) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(as_of) if as_of is not None else pd.NaT
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"as_of must be a date and time, got {as_of!r}")
    return stamp


def _judged(findings: pd.DataFrame, as_of: object) -> pd.DataFrame:
    stamp = _as_of(as_of)
    today = stamp.normalize()
    month_start = today.replace(day=1)
    missing = [c for c in _FINDING_COLUMNS if c not in findings.columns]
    if missing:
        raise ValueError(f"audit_findings is missing column(s) {missing}")
    raised = pd.to_datetime(findings["raised_date"]).dt.normalize()
    due = pd.to_datetime(findings["due_date"]).dt.normalize()
    closed = pd.to_datetime(findings["closed_date"]).dt.normalize()
    checks = {
        "have no raised_date": raised.isna(),
        "have no due_date": due.isna(),
        "are closed before they were raised": closed < raised,
        f"have a severity outside {list(SEVERITIES)}": ~findings["severity"].isin(SEVERITIES),
    }
    for problem, bad in checks.items():
        if bad.any():
            ids = sorted(map(str, findings.loc[bad.to_numpy(bool), "finding_id"]))
            raise ValueError(f"audit findings {ids[:10]} {problem}")
    raised_by_now = (raised <= today).to_numpy(bool)
    closed_by_now = (closed.notna() & (closed <= today)).to_numpy(bool)
    is_open = raised_by_now & ~closed_by_now
    closed_this_month = closed_by_now & (closed >= month_start).to_numpy(bool)
    return findings.assign(
        raised_date=raised,
        due_date=due,
        closed_date=closed.where(closed_by_now),
        open=is_open,
        overdue=is_open & (due < today).to_numpy(bool),
        major_open=is_open & (findings["severity"] == "major").to_numpy(bool),
        raised_this_month=raised_by_now & (raised >= month_start).to_numpy(bool),
        closed_this_month=closed_this_month,
        days_to_close=np.where(closed_this_month, (closed - raised) / _DAY, np.nan),
        days_overdue=np.where(is_open, np.maximum((today - due) / _DAY, 0), np.nan),
    )


def audit_status(findings: pd.DataFrame, units: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """Audit findings per unit at ``as_of``.

    Parameters
    ----------
    findings : the month's canonical ``audit_findings`` table.
    units : the canonical ``units`` table; every unit is listed, zeros when it has no
        finding.
    as_of : the moment the month is judged at (normally the month's last day, 23:59:59).

    Returns
    -------
    DataFrame, one row per unit of ``units``, columns
        unit_code : str.
        open : int, findings open at ``as_of``.
        overdue : int, open findings whose due date has passed.
        major_open : int, open findings of severity ``major`` (严重).
        raised_this_month : int, findings raised in the month of ``as_of``.
        closed_this_month : int, findings closed in the month of ``as_of``.
        mean_days_to_close : float, mean days from raised to closed of the findings
            closed this month; NaN when none was closed.

    Raises
    ------
    ValueError
        If a finding's unit is not in ``units``, it lacks a raised or due date, it is
        closed before it was raised, or its severity is unknown.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["X01", "Z01"]})
    >>> findings = pd.DataFrame({"finding_id": ["F1", "F2"], "unit_code": ["X01"] * 2,
    ...     "severity": ["major", "minor"],
    ...     "raised_date": pd.to_datetime(["2026-09-10", "2026-10-02"]),
    ...     "due_date": pd.to_datetime(["2026-10-10", "2026-10-31"]),
    ...     "closed_date": pd.to_datetime([None, "2026-10-12"])})
    >>> audit_status(findings, units, as_of="2026-10-31 23:59:59")[
    ...     ["unit_code", "open", "overdue", "closed_this_month", "mean_days_to_close"]]
      unit_code  open  overdue  closed_this_month  mean_days_to_close
    0       X01     1        1                  1                10.0
    1       Z01     0        0                  0                 NaN
    """
    if "unit_code" not in units.columns:
        raise ValueError("units is missing column 'unit_code'")
    judged = _judged(findings, as_of)
    unknown = ~judged["unit_code"].isin(units["unit_code"])
    if unknown.any():
        raise ValueError(
            f"audit findings of units not in the units table: "
            f"{sorted(map(str, judged.loc[unknown, 'unit_code'].unique()))}"
        )
    index = pd.Index(sorted(units["unit_code"].unique()), name="unit_code")
    out = tally(
        judged,
        index,
        sums={
            "open": "open",
            "overdue": "overdue",
            "major_open": "major_open",
            "raised_this_month": "raised_this_month",
            "closed_this_month": "closed_this_month",
        },
        means={"mean_days_to_close": "days_to_close"},
    )
    return out.reset_index()


def open_findings(findings: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """The findings open at ``as_of``, most overdue first.

    Parameters
    ----------
    findings : the month's canonical ``audit_findings`` table.
    as_of : the moment the month is judged at.

    Returns
    -------
    DataFrame, one row per open finding, ordered by days_overdue (descending), severity
    (major first) and finding_id, with the input's columns (``closed_date`` dropped) and
        overdue : bool, the due date has passed.
        days_overdue : int, days from the due date to the date of ``as_of``; 0 when not
            overdue.

    Examples
    --------
    >>> findings = pd.DataFrame({"finding_id": ["F1", "F2"], "unit_code": ["X01"] * 2,
    ...     "severity": ["minor", "major"],
    ...     "raised_date": pd.to_datetime(["2026-09-10", "2026-10-02"]),
    ...     "due_date": pd.to_datetime(["2026-10-10", "2026-11-30"]),
    ...     "closed_date": pd.to_datetime([None, None])})
    >>> open_findings(findings, as_of="2026-10-31 23:59:59")[
    ...     ["finding_id", "overdue", "days_overdue"]]
      finding_id  overdue  days_overdue
    0         F1     True            21
    1         F2    False             0
    """
    judged = _judged(findings, as_of)
    rows = judged[judged["open"]]
    rank = rows["severity"].map({code: i for i, code in enumerate(SEVERITIES)})
    out = rows.assign(days_overdue=rows["days_overdue"].astype("int64"), _rank=rank)
    out = out.sort_values(
        ["days_overdue", "_rank", "finding_id"], ascending=[False, True, True], kind="stable"
    )
    flags = ["open", "major_open", "raised_this_month", "closed_this_month", "days_to_close"]
    return out.drop(columns=["closed_date", "_rank", *flags]).reset_index(drop=True)
