"""Report submissions of the county companies (报表报送): who submitted what, when, how late.

:func:`judge_submissions` decides the facts of every report; :func:`submission_timeliness`,
:func:`late_submissions` and the scorecard's report facts
(:func:`kpilib.duties.facts.month_facts`: reports due and on time, the 报表报送及时率)
are all counted from it. Every function takes the canonical ``submissions`` and
``units`` tables (see :mod:`kpilib.contract.schema`) and an explicit ``as_of``, normally
the month's closing instant (last day, 23:59:59). The rules:

- the deadline of a report is the *end* of its due date: submitted at 23:59:59 on the
  due date is on time, at 00:00 the next day it is late;
- a report is *due* when its due date is on or before the date of ``as_of``; reports
  due later are counted apart (``not_yet_due``) and are neither on time nor late;
- a report is *received* when ``submitted_at`` is set and not later than ``as_of``
  (a submission after ``as_of`` had not arrived at ``as_of``);
- a due report is *on time* when received by the end of its due date, *late* when
  received after it, and *not submitted* when not received; so
  due = on time + late + not submitted;
- the timeliness rate is on time / due; with nothing due it is not applicable (NaN);
- ``days_late`` counts calendar days: submitted the day after the due date is 1 day
  late. A report not yet received counts as if it arrived the day after ``as_of``,
  the earliest it still can (a lower bound).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.calendar import as_of_timestamp
from kpilib.contract.schema import require_columns
from kpilib.duties.tally import rate, tally

_DAY = pd.Timedelta(days=1)


def _counties(units: pd.DataFrame) -> list[str]:
    require_columns(units, "units", ("unit_code", "unit_type"))
    return sorted(units.loc[units["unit_type"] == "county", "unit_code"].unique())


def judge_submissions(
    submissions: pd.DataFrame, units: pd.DataFrame, *, as_of: object
) -> pd.DataFrame:
    """The facts of every report submission at ``as_of`` (the module docstring's rules).

    Parameters
    ----------
    submissions, units : the month's canonical tables.
    as_of : the moment the month is judged at (normally the month's closing instant).

    Returns
    -------
    DataFrame, one row per submission in the input order, the input's columns
    (``due_date`` as a date at midnight; ``submitted_at`` NaT when not received at
    ``as_of``) and
        due : bool, due by the date of ``as_of``.
        on_time : bool, due and received by the end of the due date.
        late : bool, due and received after the due date, by ``as_of``.
        not_submitted : bool, due and not received at ``as_of``.
        not_yet_due : bool, due after the date of ``as_of``.
        days_late : float, calendar days late (lower bound when not received); NaN
            unless late or not submitted.

    Raises
    ------
    ValueError
        If a column is missing, a submission comes from a unit that is not a county of
        ``units``, a due date is blank, or ``as_of`` is not a time.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["X01"], "unit_type": ["county"]})
    >>> submissions = pd.DataFrame({"unit_code": ["X01"] * 3, "report": ["A", "B", "C"],
    ...     "due_date": pd.to_datetime(["2026-10-05", "2026-10-05", "2026-10-30"]),
    ...     "submitted_at": pd.to_datetime(["2026-10-05 23:59:59", "2026-10-06 00:00:00",
    ...         "2026-11-01 09:00:00"])})
    >>> judge_submissions(submissions, units, as_of="2026-10-31 23:59:59")[
    ...     ["report", "on_time", "late", "not_submitted", "days_late"]]
      report  on_time   late  not_submitted  days_late
    0      A     True  False          False        NaN
    1      B    False   True          False        1.0
    2      C    False  False           True        2.0
    """
    stamp = as_of_timestamp(as_of)
    require_columns(submissions, "submissions", ("unit_code", "report", "due_date", "submitted_at"))
    counties = _counties(units)
    outside = ~submissions["unit_code"].isin(counties)
    if outside.any():
        raise ValueError(
            f"submissions from units that are not counties in the units table: "
            f"{sorted(map(str, submissions.loc[outside, 'unit_code'].unique()))}"
        )
    due_date = pd.to_datetime(submissions["due_date"]).dt.normalize()
    if due_date.isna().any():
        reports = submissions.loc[due_date.isna(), ["unit_code", "report"]]
        raise ValueError(f"submissions without due_date: {reports.to_numpy().tolist()[:10]}")
    submitted_at = pd.to_datetime(submissions["submitted_at"])
    received = (submitted_at.notna() & (submitted_at <= stamp)).to_numpy(bool)
    deadline = due_date + _DAY  # exclusive: the first moment that is late
    due = (due_date <= stamp.normalize()).to_numpy(bool)
    on_time = received & (submitted_at < deadline).to_numpy(bool)
    late = received & ~on_time
    not_submitted = due & ~received
    arrival_day = submitted_at.dt.normalize().where(received, stamp.normalize() + _DAY)
    days_late = np.where(late | not_submitted, (arrival_day - due_date) / _DAY, np.nan)
    return submissions.assign(
        due_date=due_date,
        submitted_at=submitted_at.where(received),
        due=due,
        on_time=due & on_time,
        late=due & late,
        not_submitted=not_submitted,
        not_yet_due=~due,
        days_late=days_late,
    )


def submission_timeliness(
    submissions: pd.DataFrame, units: pd.DataFrame, *, as_of: object
) -> pd.DataFrame:
    """Report timeliness rate (报表及时率) per county company.

    Parameters
    ----------
    submissions, units : the month's canonical tables.
    as_of : the moment the month is judged at (normally the month's last day, 23:59:59).

    Returns
    -------
    DataFrame, one row per county of ``units`` (zeros when it owes nothing), columns
        unit_code : str.
        due : int, reports due by the date of ``as_of``; due = on_time + late + not_submitted.
        on_time : int, received by the end of the due date.
        late : int, received after the due date, by ``as_of``.
        not_submitted : int, due and not received at ``as_of``.
        timeliness_rate : float, on_time / due; NaN when nothing was due (not applicable).
        mean_days_late : float, mean days_late over late and not-submitted reports (the
            latter with their lower bound); NaN when there are none.
        not_yet_due : int, reports due after the date of ``as_of`` (not in ``due``).

    Raises
    ------
    ValueError
        If a submission comes from a unit that is not a county of ``units``.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["X01", "X02", "Z01"],
    ...     "unit_type": ["county", "county", "centre"]})
    >>> submissions = pd.DataFrame({"unit_code": ["X01", "X01"], "report": ["月报", "周报"],
    ...     "due_date": pd.to_datetime(["2026-10-05", "2026-10-10"]),
    ...     "submitted_at": pd.to_datetime(["2026-10-05 23:59", "2026-10-11 00:00"])})
    >>> submission_timeliness(submissions, units, as_of="2026-10-31 23:59:59")[
    ...     ["unit_code", "due", "on_time", "late", "timeliness_rate", "mean_days_late"]]
      unit_code  due  on_time  late  timeliness_rate  mean_days_late
    0       X01    2        1     1              0.5             1.0
    1       X02    0        0     0              NaN             NaN
    """
    judged = judge_submissions(submissions, units, as_of=as_of)
    index = pd.Index(_counties(units), name="unit_code")
    out = tally(
        judged,
        index,
        sums={
            "due": "due",
            "on_time": "on_time",
            "late": "late",
            "not_submitted": "not_submitted",
            "not_yet_due": "not_yet_due",
        },
        means={"mean_days_late": "days_late"},
    )
    out["timeliness_rate"] = rate(out["on_time"], out["due"])
    out["mean_days_late"] = out["mean_days_late"].astype(float)
    columns = [
        "due", "on_time", "late", "not_submitted", "timeliness_rate", "mean_days_late",
        "not_yet_due",
    ]  # fmt: skip
    return out[columns].reset_index()


def late_submissions(
    submissions: pd.DataFrame, units: pd.DataFrame, *, as_of: object
) -> pd.DataFrame:
    """The individual reports received late or still missing at ``as_of``.

    Parameters
    ----------
    submissions, units : the month's canonical tables.
    as_of : the moment the month is judged at.

    Returns
    -------
    DataFrame, one row per late or missing report, most days late first, columns
        unit_code, report : str.
        due_date : datetime64, the due date (the deadline is the end of that day).
        submitted_at : datetime64, NaT when not received at ``as_of``.
        status : str, ``"late"`` or ``"not_submitted"``.
        days_late : int, calendar days after the due date (for a missing report, as if
            it arrived the day after ``as_of``: a lower bound).

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["X01"], "unit_type": ["county"]})
    >>> submissions = pd.DataFrame({"unit_code": ["X01", "X01"], "report": ["月报", "周报"],
    ...     "due_date": pd.to_datetime(["2026-10-05", "2026-10-30"]),
    ...     "submitted_at": pd.to_datetime(["2026-10-07 09:00", None])})
    >>> late_submissions(submissions, units, as_of="2026-10-31 23:59:59")[
    ...     ["status", "days_late"]]
              status  days_late
    0  not_submitted          2
    1           late          2
    """
    judged = judge_submissions(submissions, units, as_of=as_of)
    rows = judged[judged["late"] | judged["not_submitted"]]
    out = rows.assign(
        status=np.where(rows["late"], "late", "not_submitted"),
        days_late=rows["days_late"].astype("int64"),
    )
    columns = ["unit_code", "report", "due_date", "submitted_at", "status", "days_late"]
    return (
        out[columns]
        .sort_values(["days_late", "unit_code", "report"], ascending=[False, True, True])
        .reset_index(drop=True)
    )
