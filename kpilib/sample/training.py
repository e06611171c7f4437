"""The sample branch's training plan (培训计划), made to fit the training it delivers.

Each unit plans the month's qualification assessments and skills courses for the
staff it expects to send: :func:`training_plan` plans, per unit and course of the
month's training records, the staff who were sent (attendees and absentees) and now
and then one or two more who did not come; online learning (网上大学) and new hires'
induction are not planned courses (everyone logs online hours; induction follows
hiring). The county that reports late (``late_county`` of ``planted.json``) also plans
about half as many attendees again as it sends, so that it under-delivers its plan
clearly on every course.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.schema import ROLES
from kpilib.sample.branch import ROLE_CODES, Branch, Month
from kpilib.sample.canonical import empty_frame, frame
from kpilib.sample.duties import _INDUCTION_COURSE, _ONLINE_COURSE, _SKILLS_COURSES

__all__ = ["training_plan"]

#: Chance that a planned course had one or two planned attendees more than were sent.
_EXTRA_PLANNED = 0.15
#: The under-delivering county plans this share more attendees than it sends (rounded up).
_OVER_PLAN = 0.5
#: Course -> the roles it is meant for (Chinese labels, as the plan export lists them).
_TARGET_ROLES = {
    **{f"{label}任职资格认证": label for label in ROLES.values()},
    **{
        name: "、".join(ROLES[ROLE_CODES[r]] for r in roles)
        for name, _hours, _exam, roles in _SKILLS_COURSES
    },
}


def training_plan(
    b: Branch, mo: Month, training: pd.DataFrame, staff: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """The month's ``training_plan`` table, consistent with its ``training`` records.

    Parameters
    ----------
    b, mo : the branch and the month.
    training, staff : the month's canonical training records and staff.
    rng : the month's training-plan stream.

    Returns
    -------
    DataFrame, the canonical ``training_plan`` table, ordered by unit, course type
    (qualification first) and course.
    """
    sent = training[~training["course"].isin((_ONLINE_COURSE, _INDUCTION_COURSE))]
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    sent = sent.assign(unit_code=sent["staff_id"].map(unit_of).to_numpy())
    groups = (
        sent.groupby(["unit_code", "course"], sort=True)
        .agg(course_type=("course_type", "first"), sent=("staff_id", "size"))
        .reset_index()
    )
    if groups.empty:
        return empty_frame("training_plan")
    n = len(groups)
    sent_n = groups["sent"].to_numpy(np.int64)
    extra = np.where(rng.random(n) < _EXTRA_PLANNED, rng.integers(1, 3, n), 0)
    late = groups["unit_code"].to_numpy(dtype=object) == b.unit_code[b.late_county]
    planned = np.where(
        late, np.ceil(sent_n * (1 + _OVER_PLAN)).astype(np.int64) + 1, sent_n + extra
    )
    day = rng.integers(0, mo.days, n)
    groups = groups.assign(
        order=(groups["course_type"] != "qualification").astype(int)
    ).sort_values(["unit_code", "order", "course"], kind="stable")
    index = groups.index.to_numpy()
    return frame(
        "training_plan",
        {
            "unit_code": groups["unit_code"].to_numpy(dtype=object),
            "course": groups["course"].to_numpy(dtype=object),
            "course_type": groups["course_type"].to_numpy(dtype=object),
            "target_roles": groups["course"].map(_TARGET_ROLES).to_numpy(dtype=object),
            "planned_attendees": planned[index],
            "planned_date": mo.start + day[index].astype("timedelta64[D]"),
        },
    )
