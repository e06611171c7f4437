"""Process supervision (流程监督): tickets and orders against their time limits.

:func:`judge_tickets` decides the facts of every ticket; the summaries here
(:func:`ticket_timeliness`, :func:`unit_ticket_summary`, :func:`overdue_tickets`) and the
scorecard's facts (:func:`kpilib.duties.facts.month_facts`) are all counted from it.
Every function takes the month's canonical ``tickets`` and ``staff`` tables (see
:mod:`kpilib.contract.schema`); a ticket belongs to the unit of the staff member handling it.
Time is judged at an explicit ``as_of`` (normally the month's closing instant, its last
day at 23:59:59), never the wall clock. The rules:

- a ticket is *closed* when ``closed_at`` is set and not later than ``as_of``;
  a ticket closed after ``as_of`` is still open at ``as_of`` (the month does not know
  its closing yet);
- a closed ticket is *on time* (``closed_on_time``) when
  ``closed_at - opened_at <= time_limit_hours`` (closed exactly at the limit is on
  time), else *closed late*;
- an open ticket is *open overdue* when ``as_of - opened_at > time_limit_hours``;
- a ticket is *overdue* when it is closed late or open overdue;
- the on-time rate (工单及时率) is closed on time / closed; with nothing closed it is not
  applicable (NaN), neither 0 % nor 100 %;
- satisfaction is the mean of the scores present on the month's tickets, whether or not
  the ticket is closed at ``as_of``;
- a ticket is a *complaint of the month* (``complaint``) when its kind is ``complaint``
  (投诉) and it was opened in the calendar month of ``as_of`` (from the first day 00:00
  to ``as_of``), whether closed or not; it counts for the handling staff member's unit.
  A complaint carried over from an earlier month was counted in the month it was opened.
  The 万户投诉率 indicator is these complaints per 10,000 of the unit's member lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.calendar import as_of_timestamp
from kpilib.contract.schema import TICKET_KINDS, TICKET_STAGES, require_columns
from kpilib.duties.tally import rate, tally

_HOUR = pd.Timedelta(hours=1)
_TICKET_COLUMNS = (
    "ticket_id", "kind", "staff_id", "stage", "opened_at", "closed_at",
    "time_limit_hours", "satisfaction",
)  # fmt: skip


def _sample(ids: pd.Series) -> list[str]:
    return sorted(map(str, ids.unique()))[:10]


def judge_tickets(tickets: pd.DataFrame, staff: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """The facts of every ticket at ``as_of`` (the rules of the module docstring).

    Every summary of this module and the scorecard's ticket facts are counted from
    these rows.

    Parameters
    ----------
    tickets, staff : the month's canonical tables.
    as_of : the moment the month is judged at (normally the month's closing instant).

    Returns
    -------
    DataFrame, one row per ticket in the input order, the input's columns
    (``opened_at``, ``closed_at`` as datetime64, ``time_limit_hours`` and
    ``satisfaction`` as float) and
        unit_code : str, the handling staff member's unit.
        closed : bool, closed by ``as_of``.
        closed_on_time : bool, closed within the time limit.
        closed_late : bool, closed after the time limit.
        still_open : bool, not closed by ``as_of``.
        open_overdue : bool, open and past the time limit at ``as_of``.
        overdue : bool, closed_late or open_overdue.
        elapsed_hours : float, opened → closed, or opened → ``as_of`` while open.
        hours_over_limit : float, elapsed_hours − time_limit_hours (negative: within it).
        complaint : bool, a complaint (kind ``complaint``) opened in the calendar month
            of ``as_of``.

    Raises
    ------
    ValueError
        If a column is missing, a ticket's staff member is not in ``staff``, a ticket
        has no opened_at or no positive time limit, was opened after ``as_of`` or closed
        before it was opened, or ``as_of`` is not a time.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001"], "unit_code": ["X01"]})
    >>> tickets = pd.DataFrame({"ticket_id": ["T1", "T2"], "kind": ["order"] * 2,
    ...     "staff_id": ["S00001"] * 2, "stage": ["close", "callback"],
    ...     "opened_at": pd.to_datetime(["2026-10-01 08:00", "2026-10-31 12:00"]),
    ...     "closed_at": pd.to_datetime(["2026-10-01 20:00", "2026-11-01 09:00"]),
    ...     "time_limit_hours": [24.0, 2.0], "satisfaction": [None, None]})
    >>> judge_tickets(tickets, staff, as_of="2026-10-31 23:59:59")[
    ...     ["ticket_id", "closed", "closed_on_time", "open_overdue", "overdue"]]
      ticket_id  closed  closed_on_time  open_overdue  overdue
    0        T1    True            True         False    False
    1        T2   False           False          True     True

    A complaint opened in September is not one of October's complaints:

    >>> tickets = tickets.assign(kind="complaint", opened_at=pd.to_datetime(
    ...     ["2026-09-30 23:00", "2026-10-01 00:00"]))
    >>> judge_tickets(tickets, staff, as_of="2026-10-31 23:59:59")["complaint"].tolist()
    [False, True]
    """
    stamp = as_of_timestamp(as_of)
    require_columns(tickets, "tickets", _TICKET_COLUMNS)
    require_columns(staff, "staff", ("staff_id", "unit_code"))
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    units = tickets["staff_id"].map(unit_of)
    if units.isna().any():
        raise ValueError(
            f"tickets handled by staff not in the staff table: "
            f"{_sample(tickets.loc[units.isna(), 'staff_id'])}"
        )
    opened = pd.to_datetime(tickets["opened_at"])
    closed_at = pd.to_datetime(tickets["closed_at"])
    if opened.isna().any():
        raise ValueError(
            f"tickets without opened_at: {_sample(tickets.loc[opened.isna(), 'ticket_id'])}"
        )
    future = opened > stamp
    if future.any():
        raise ValueError(
            f"tickets opened after as_of {stamp}: {_sample(tickets.loc[future, 'ticket_id'])}"
        )
    backwards = closed_at < opened
    if backwards.any():
        raise ValueError(
            f"tickets closed before they were opened: "
            f"{_sample(tickets.loc[backwards, 'ticket_id'])}"
        )
    hours = pd.to_numeric(tickets["time_limit_hours"]).astype(float)
    no_limit = ~(hours > 0)
    if no_limit.any():
        raise ValueError(
            f"tickets without a positive time_limit_hours: "
            f"{_sample(tickets.loc[no_limit, 'ticket_id'])}"
        )
    month_start = stamp.normalize().replace(day=1)
    complaint = (tickets["kind"].astype(str) == "complaint").to_numpy(bool) & (
        opened >= month_start
    ).to_numpy(bool)
    limit = pd.to_timedelta(hours, unit="h")
    is_closed = (closed_at.notna() & (closed_at <= stamp)).to_numpy(bool)
    end = closed_at.where(is_closed, stamp)
    elapsed = end - opened
    over = elapsed > limit
    out = tickets.assign(
        opened_at=opened,
        closed_at=closed_at,
        time_limit_hours=hours,
        unit_code=units,
        closed=is_closed,
        closed_on_time=is_closed & ~over.to_numpy(bool),
        closed_late=is_closed & over.to_numpy(bool),
        still_open=~is_closed,
        open_overdue=~is_closed & over.to_numpy(bool),
        overdue=over.to_numpy(bool),
        elapsed_hours=elapsed / _HOUR,
        hours_over_limit=(elapsed - limit) / _HOUR,
        satisfaction=pd.to_numeric(tickets["satisfaction"]).astype(float),
        complaint=complaint,
    )
    return out


def _summarise(judged: pd.DataFrame, index: pd.MultiIndex | pd.Index) -> pd.DataFrame:
    out = tally(
        judged,
        index,
        size="opened",
        sums={
            "closed": "closed",
            "closed_on_time": "closed_on_time",
            "still_open": "still_open",
            "open_overdue": "open_overdue",
        },
        means={"mean_satisfaction": "satisfaction"},
    )
    out["on_time_rate"] = rate(out["closed_on_time"], out["closed"])
    columns = [
        "opened", "closed", "closed_on_time", "on_time_rate", "still_open", "open_overdue",
        "mean_satisfaction",
    ]  # fmt: skip
    return out[columns].reset_index()


def _units(staff: pd.DataFrame) -> list[str]:
    return sorted(staff["unit_code"].dropna().unique())


def ticket_timeliness(tickets: pd.DataFrame, staff: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """Tickets against their time limits per unit, ticket kind and current stage.

    Every unit of ``staff`` is listed with every kind and stage of the data contract,
    with zeros where it has no tickets.

    Parameters
    ----------
    tickets, staff : the month's canonical tables.
    as_of : the moment the month is judged at (normally the month's last day, 23:59:59).

    Returns
    -------
    DataFrame, one row per unit_code × kind × stage, columns
        unit_code : str, the handling staff member's unit.
        kind : str, ticket kind code (``complaint``, ``order``).
        stage : str, current process stage code (``accept``, ``handle``, ``callback``, ``close``).
        opened : int, tickets opened.
        closed : int, of which closed by ``as_of``.
        closed_on_time : int, closed within the time limit (closed exactly at it counts).
        on_time_rate : float, closed_on_time / closed; NaN when none closed (not applicable).
        still_open : int, not closed by ``as_of``.
        open_overdue : int, open and past the time limit at ``as_of``.
        mean_satisfaction : float, mean satisfaction score (NaN when none scored).
        closed_late : int, closed after the time limit (closed − closed_on_time).
        open_in_time : int, open and within the time limit (still_open − open_overdue).

    Raises
    ------
    ValueError
        If a ticket's staff member is not in ``staff``, a ticket was opened after
        ``as_of`` or closed before it was opened, or ``as_of`` is not a time.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001"], "unit_code": ["X01"]})
    >>> tickets = pd.DataFrame({"ticket_id": ["T1", "T2"], "kind": ["complaint"] * 2,
    ...     "staff_id": ["S00001"] * 2, "stage": ["close", "handle"],
    ...     "opened_at": pd.to_datetime(["2026-10-01 08:00", "2026-10-30 08:00"]),
    ...     "closed_at": pd.to_datetime(["2026-10-02 08:00", None]),
    ...     "time_limit_hours": [24.0, 24.0], "satisfaction": [90.0, None]})
    >>> table = ticket_timeliness(tickets, staff, as_of="2026-10-31 23:59:59")
    >>> table.loc[table["opened"] > 0, ["stage", "closed_on_time", "on_time_rate", "open_overdue"]]
        stage  closed_on_time  on_time_rate  open_overdue
    1  handle               0           NaN             1
    3   close               1           1.0             0
    """
    judged = judge_tickets(tickets, staff, as_of=as_of)
    index = pd.MultiIndex.from_product(
        [_units(staff), list(TICKET_KINDS), list(TICKET_STAGES)],
        names=["unit_code", "kind", "stage"],
    )
    unknown = ~judged["kind"].isin(TICKET_KINDS) | ~judged["stage"].isin(TICKET_STAGES)
    if unknown.any():
        raise ValueError(
            f"tickets with a kind or stage outside the data contract: "
            f"{_sample(judged.loc[unknown, 'ticket_id'])}"
        )
    # the four outcomes of a ticket, each counted once (the unit report's bars stack them)
    outcomes = tally(
        judged.assign(open_in_time=judged["still_open"] & ~judged["open_overdue"]),
        index,
        sums={"closed_late": "closed_late", "open_in_time": "open_in_time"},
    )
    return _summarise(judged, index).join(outcomes, on=["unit_code", "kind", "stage"])


def unit_ticket_summary(
    tickets: pd.DataFrame, staff: pd.DataFrame, *, as_of: object
) -> pd.DataFrame:
    """Tickets against their time limits per unit, all kinds and stages together.

    Parameters
    ----------
    tickets, staff : the month's canonical tables.
    as_of : the moment the month is judged at.

    Returns
    -------
    DataFrame, one row per unit of ``staff`` (zeros when it has no tickets), columns
        unit_code : str.
        opened, closed, closed_on_time : int, as in :func:`ticket_timeliness`.
        on_time_rate : float, closed_on_time / closed; NaN when none closed.
        still_open, open_overdue : int.
        mean_satisfaction : float, mean over the unit's scored tickets (NaN when none).
        closed_late : int, closed after the time limit.
        overdue : int, closed_late + open_overdue (the rows of :func:`overdue_tickets`).
    """
    judged = judge_tickets(tickets, staff, as_of=as_of)
    out = _summarise(judged, pd.Index(_units(staff), name="unit_code"))
    extra = tally(
        judged,
        pd.Index(_units(staff), name="unit_code"),
        sums={"closed_late": "closed_late", "overdue": "overdue"},
    )
    return out.join(extra, on="unit_code")


def overdue_tickets(tickets: pd.DataFrame, staff: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """The individual tickets that broke their time limit: closed late, or open past it.

    Parameters
    ----------
    tickets, staff : the month's canonical tables.
    as_of : the moment the month is judged at.

    Returns
    -------
    DataFrame, one row per overdue ticket, most overdue first, columns
        ticket_id, unit_code, staff_id, kind, stage : str.
        opened_at, closed_at : datetime64 (closed_at NaT while open at ``as_of``).
        time_limit_hours : float.
        elapsed_hours : float, opened → closed, or opened → ``as_of`` while open.
        hours_over_limit : float, elapsed_hours − time_limit_hours (> 0).
        status : str, ``"closed_late"`` or ``"open_overdue"``.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001"], "unit_code": ["X01"]})
    >>> tickets = pd.DataFrame({"ticket_id": ["T1", "T2"], "kind": ["order"] * 2,
    ...     "staff_id": ["S00001"] * 2, "stage": ["close", "close"],
    ...     "opened_at": pd.to_datetime(["2026-10-01 08:00", "2026-10-01 08:00"]),
    ...     "closed_at": pd.to_datetime(["2026-10-01 20:00", "2026-10-03 08:00"]),
    ...     "time_limit_hours": [12.0, 24.0], "satisfaction": [None, None]})
    >>> overdue_tickets(tickets, staff, as_of="2026-10-31 23:59:59")[
    ...     ["ticket_id", "hours_over_limit", "status"]]
      ticket_id  hours_over_limit       status
    0        T2              24.0  closed_late
    """
    judged = judge_tickets(tickets, staff, as_of=as_of)
    late = judged[judged["overdue"]]
    out = late.assign(
        closed_at=late["closed_at"].where(late["closed"]),
        status=np.where(late["closed"], "closed_late", "open_overdue"),
    )
    columns = [
        "ticket_id", "unit_code", "staff_id", "kind", "stage", "opened_at", "closed_at",
        "time_limit_hours", "elapsed_hours", "hours_over_limit", "status",
    ]  # fmt: skip
    return (
        out[columns]
        .sort_values(["hours_over_limit", "ticket_id"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
