"""Quality-system audits (贯标): open, overdue and closed findings per unit.

:func:`judge_findings` decides the facts of every finding; :func:`audit_status`,
:func:`open_findings`, :func:`overdue_findings` and the scorecard's finding facts
(:func:`kpilib.duties.facts.month_facts`: the 贯标审核整改逾期 deduction and the
严重审核发现整改逾期 veto) are all counted from it. Every function takes the canonical
``audit_findings`` table (see :mod:`kpilib.contract.schema`) and an explicit ``as_of``,
normally the month's closing instant (last day, 23:59:59). Dates are compared as
calendar days; "the month" is the calendar month of ``as_of``, up to ``as_of``. The rules:

- a finding is *open* at ``as_of`` when it was raised on or before the date of
  ``as_of`` and is not closed by then (a closing date after ``as_of`` is not yet known
  to the month);
- it is *open overdue* when it is open and its due date is earlier than the date of
  ``as_of`` (a finding due today is not overdue yet);
- it is *closed late* when it was closed during the month (on or after the month's
  first day, by ``as_of``) on a date after its due date (closed on the due date is in
  time);
- it is *overdue in the month* when it is open overdue or closed late: it was overdue
  during the month even if it is closed at ``as_of``. A finding closed late in an
  earlier month is not overdue in this one;
- a *major* finding is one of severity ``major`` (严重); *major overdue* = major and
  overdue in the month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.calendar import as_of_timestamp
from kpilib.contract.schema import SEVERITIES, require_columns
from kpilib.duties.tally import tally

_DAY = pd.Timedelta(days=1)
_FINDING_COLUMNS = ("finding_id", "unit_code", "severity", "raised_date", "due_date", "closed_date")
_FLAGS = (
    "open", "open_overdue", "closed_late", "overdue", "major", "major_open", "major_overdue",
    "raised_this_month", "closed_this_month", "days_to_close", "days_overdue",
)  # fmt: skip


def judge_findings(findings: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """The facts of every audit finding at ``as_of`` (the rules of the module docstring).

    Parameters
    ----------
    findings : the month's canonical ``audit_findings`` table.
    as_of : the moment the month is judged at (normally the month's closing instant).

    Returns
    -------
    DataFrame, one row per finding in the input order, the input's columns (dates
    normalised to midnight; ``closed_date`` NaT when not closed by ``as_of``) and
        open : bool, open at ``as_of``.
        open_overdue : bool, open and past its due date at ``as_of``.
        closed_late : bool, closed in the month after its due date.
        overdue : bool, overdue in the month: open_overdue or closed_late.
        major : bool, severity ``major``.
        major_open : bool, major and open.
        major_overdue : bool, major and overdue in the month.
        raised_this_month : bool, raised in the month, by ``as_of``.
        closed_this_month : bool, closed in the month, by ``as_of``.
        days_to_close : float, raised → closed for findings closed this month; else NaN.
        days_overdue : float, due date → date of ``as_of`` for open findings (0 when not
            yet due), due date → closing date for findings closed late; else NaN.

    Raises
    ------
    ValueError
        If a column is missing, a finding lacks a raised or due date, is closed before
        it was raised, its severity is unknown, or ``as_of`` is not a time.

    Examples
    --------
    A major finding due on the 10th and closed on the 20th was overdue during the month:

    >>> findings = pd.DataFrame({"finding_id": ["F1", "F2"], "unit_code": ["X01"] * 2,
    ...     "severity": ["major", "minor"],
    ...     "raised_date": pd.to_datetime(["2026-09-10", "2026-10-02"]),
    ...     "due_date": pd.to_datetime(["2026-10-10", "2026-10-31"]),
    ...     "closed_date": pd.to_datetime(["2026-10-20", None])})
    >>> judge_findings(findings, as_of="2026-10-31 23:59:59")[
    ...     ["finding_id", "open", "closed_late", "overdue", "major_overdue", "days_overdue"]]
      finding_id   open  closed_late  overdue  major_overdue  days_overdue
    0         F1  False         True     True           True          10.0
    1         F2   True        False    False          False           0.0
    """
    stamp = as_of_timestamp(as_of)
    today = stamp.normalize()
    month_start = today.replace(day=1)
    require_columns(findings, "audit_findings", _FINDING_COLUMNS)
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
    open_overdue = is_open & (due < today).to_numpy(bool)
    closed_late = closed_this_month & (closed > due).to_numpy(bool)
    overdue = open_overdue | closed_late
    major = (findings["severity"] == "major").to_numpy(bool)
    days_overdue = np.where(
        is_open,
        np.maximum((today - due) / _DAY, 0),
        np.where(closed_late, (closed - due) / _DAY, np.nan),
    )
    return findings.assign(
        raised_date=raised,
        due_date=due,
        closed_date=closed.where(closed_by_now),
        open=is_open,
        open_overdue=open_overdue,
        closed_late=closed_late,
        overdue=overdue,
        major=major,
        major_open=is_open & major,
        major_overdue=overdue & major,
        raised_this_month=raised_by_now & (raised >= month_start).to_numpy(bool),
        closed_this_month=closed_this_month,
        days_to_close=np.where(closed_this_month, (closed - raised) / _DAY, np.nan),
        days_overdue=days_overdue,
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
        open_overdue : int, open findings whose due date has passed.
        closed_late : int, findings closed this month after their due date.
        overdue : int, findings overdue in the month: open_overdue + closed_late (the
            rows of :func:`overdue_findings`; what the 贯标 deduction counts).
        major_open : int, open findings of severity ``major`` (严重).
        major_overdue : int, major findings overdue in the month (what the
            严重审核发现整改逾期 veto counts).
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
    ...     ["unit_code", "open", "overdue", "major_overdue", "mean_days_to_close"]]
      unit_code  open  overdue  major_overdue  mean_days_to_close
    0       X01     1        1              1                10.0
    1       Z01     0        0              0                 NaN
    """
    if "unit_code" not in units.columns:
        raise ValueError("units is missing column 'unit_code'")
    judged = judge_findings(findings, as_of=as_of)
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
            "open_overdue": "open_overdue",
            "closed_late": "closed_late",
            "overdue": "overdue",
            "major_open": "major_open",
            "major_overdue": "major_overdue",
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
        overdue : bool, the due date has passed (for an open finding, overdue in the
            month and open overdue are the same).
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
    judged = judge_findings(findings, as_of=as_of)
    out = _most_overdue_first(judged[judged["open"]])
    flags = [f for f in _FLAGS if f not in ("overdue", "days_overdue")]
    return out.drop(columns=["closed_date", *flags]).reset_index(drop=True)


def overdue_findings(findings: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """The findings overdue in the month of ``as_of``: open past due, or closed late.

    These are the findings the 贯标 deduction and the 严重审核发现整改逾期 veto count
    (their ids are named in the scorecard's events).

    Parameters
    ----------
    findings : the month's canonical ``audit_findings`` table.
    as_of : the moment the month is judged at.

    Returns
    -------
    DataFrame, one row per overdue finding, ordered by days_overdue (descending),
    severity (major first) and finding_id, with the input's columns and
        status : str, ``"open_overdue"`` or ``"closed_late"``.
        days_overdue : int, due date → date of ``as_of`` (open), or due date → closing
            date (closed late).

    Examples
    --------
    >>> findings = pd.DataFrame({"finding_id": ["F1", "F2"], "unit_code": ["X01"] * 2,
    ...     "severity": ["major", "minor"],
    ...     "raised_date": pd.to_datetime(["2026-09-10", "2026-09-10"]),
    ...     "due_date": pd.to_datetime(["2026-10-10", "2026-10-20"]),
    ...     "closed_date": pd.to_datetime(["2026-10-20", None])})
    >>> overdue_findings(findings, as_of="2026-10-31 23:59:59")[
    ...     ["finding_id", "status", "days_overdue"]]
      finding_id        status  days_overdue
    0         F2  open_overdue            11
    1         F1   closed_late            10
    """
    judged = judge_findings(findings, as_of=as_of)
    rows = judged[judged["overdue"]]
    rows = rows.assign(status=np.where(rows["closed_late"], "closed_late", "open_overdue"))
    out = _most_overdue_first(rows)
    return out.drop(columns=list(_FLAGS[:-1])).reset_index(drop=True)


def _most_overdue_first(rows: pd.DataFrame) -> pd.DataFrame:
    rank = rows["severity"].map({code: i for i, code in enumerate(SEVERITIES)})
    out = rows.assign(days_overdue=rows["days_overdue"].astype("int64"), _rank=rank)
    out = out.sort_values(
        ["days_overdue", "_rank", "finding_id"], ascending=[False, True, True], kind="stable"
    )
    return out.drop(columns="_rank")
