"""The month's adjustments register (考核调整登记) as the assessment manager keeps it.

Each month records the corrections approved after the month closed: an upheld appeal
against a failed inspection (the inspection is excluded), a customer manager's visits
corrected after a CRM outage (the actual replaced), and points deducted from one county
for a circulated service incident. Every month but the last also confirms that month's
double-booked revenue record (:func:`kpilib.sample.anomalies.book_twice`) and excludes
the copy; in the last month the duplicate is left pending, for the reports to flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.schema import typed_frame

_APPROVER = "考核管理岗 李静"
_APPROVAL_DAY = 5  # day of the next month on which the month's adjustments are approved


def adjustments(
    frames: dict[str, pd.DataFrame],
    month: str,
    rng: np.random.Generator,
    *,
    duplicate: list[str],
    confirm_duplicate: bool,
) -> pd.DataFrame:
    """The canonical ``adjustments`` table of ``month``.

    Parameters
    ----------
    frames : the month's canonical tables (staff, units, activity, revenue,
        inspections).
    month : ``YYYY-MM``.
    rng : the register's own stream (drawing from it changes no other table).
    duplicate : ``[original, copy]`` record ids of the month's double-booked revenue
        record, or ``[]``.
    confirm_duplicate : whether the copy is excluded this month.

    Returns
    -------
    DataFrame
        The contract's ``adjustments`` columns, one row per approved adjustment.
    """
    stamp = month.replace("-", "")
    approved = pd.Timestamp(f"{month}-01") + pd.offsets.MonthBegin(1)
    approved += pd.Timedelta(days=_APPROVAL_DAY - 1)
    rows: list[dict[str, object]] = []

    def add(
        entity_type: str,
        entity: str,
        indicator: str,
        kind: str,
        value: str,
        reason: str,
        appeal: str | None = None,
    ) -> None:
        rows.append(
            {
                "adjustment_id": f"TZ{stamp}{len(rows) + 1:02d}",
                "entity_type": entity_type,
                "entity_id": entity,
                "indicator": indicator,
                "kind": kind,
                "value": value,
                "reason": reason,
                "appeal_no": appeal,
                "approved_by": _APPROVER,
                "approved_on": approved,
            }
        )

    if duplicate and confirm_duplicate:
        original, copy = duplicate
        revenue = frames["revenue"].set_index("record_id")
        reason = f"重复录入：与流水号 {original} 除流水号外完全相同，经核实为同一笔收入"
        add("staff", str(revenue.loc[copy, "staff_id"]), "业务收入", "exclude_record", copy, reason)

    failed = frames["inspections"][~frames["inspections"]["passed"].astype(bool)]
    if len(failed):
        record = failed.iloc[int(rng.integers(len(failed)))]
        add(
            "staff",
            str(record["staff_id"]),
            "质检合格率",
            "exclude_record",
            str(record["inspection_id"]),
            "申诉成立：复听录音，服务过程符合规范，原评分有误",
            f"SS{stamp}{int(rng.integers(1, 100)):03d}",
        )

    staff = frames["staff"]
    managers = staff.loc[staff["role"] == "customer_manager", "staff_id"]
    activity = frames["activity"][frames["activity"]["staff_id"].isin(managers)]
    if len(activity):
        person = activity.iloc[int(rng.integers(len(activity)))]
        missed = int(rng.integers(2, 6))
        add(
            "staff",
            str(person["staff_id"]),
            "客户拜访",
            "replace_actual",
            str(int(person["visits"]) + missed),
            f"CRM系统故障期间漏记拜访{missed}次，凭拜访签到单补录",
        )

    counties = frames["units"][frames["units"]["unit_type"] == "county"]
    if len(counties):
        unit = str(counties.iloc[int(rng.integers(len(counties)))]["unit_code"])
        add("unit", unit, "", "deduct_points", "2", "重大客户投诉被省公司通报，按通报要求扣2分")

    frame = typed_frame("adjustments")
    if not rows:
        return frame
    return pd.DataFrame(rows).astype(frame.dtypes.to_dict())[list(frame.columns)]
