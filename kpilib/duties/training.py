"""Staff training (人员培训) and the staff qualification attainment rate (员工任职资格达标率).

:func:`judge_training` decides the facts of every staff member; :func:`staff_training`,
:func:`qualification_attainment` and the scorecard's training facts
(:func:`kpilib.duties.facts.month_facts`: 任职资格认证, 任职资格达标率, 培训学时 and the
取得任职资格加分 bonus) are all counted from it. Every function takes the canonical
``training`` and ``staff`` tables (see :mod:`kpilib.contract.schema`). The rules:

- a staff member is *assessed* when they have at least one qualification-course row
  (``course_type == "qualification"``) whose ``qualified`` is not blank;
  ``qualified`` on a skills-course row is not an assessment and is ignored;
- *qualified* follows ``rule``: ``"any"`` (default: one attained qualification is
  enough, so a passed retake counts) or ``"all"`` (every assessed qualification
  course attained); it is <NA> for someone not assessed;
- *qualifications passed* counts the qualification-course rows attained;
- *training hours* are the hours of every course attended (0 with no training row);
- the attainment rate is qualified / assessed staff (docs/methods.md §1.10), NaN when
  nobody was assessed.

:func:`qualification_base` states that rate's base beside it: the staff *in scope*
(every staff member whose role requires the qualification), of whom assessed this month,
not assessed, and qualified / in scope. :func:`plan_delivery` and :func:`plan_units`
compare the month's ``training_plan`` with the training delivered (docs/methods.md §6.5):

- a course is *delivered* to a staff member with a training row of that course and
  hours > 0 (an absentee's row, 0 hours, is not a delivery);
- *passed* counts the qualification-course rows attained; a skills course has no
  verdict, so its passed is <NA> (not 0);
- delivered courses that no unit planned (online learning, induction) are not part of
  the comparison; a course the department planned but a unit delivered without
  planning it is listed with 0 planned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd

from kpilib.contract.schema import ROLES, require_columns, role_codes
from kpilib.duties.tally import rate

Rule = Literal["any", "all"]
_RULES = ("any", "all")
_TRAINING_COLUMNS = ("staff_id", "course", "course_type", "hours", "exam_score", "qualified")
_PLAN_COLUMNS = (
    "unit_code", "course", "course_type", "target_roles", "planned_attendees", "planned_date",
)  # fmt: skip


def judge_training(
    training: pd.DataFrame, staff: pd.DataFrame, *, rule: Rule = "any"
) -> pd.DataFrame:
    """The training and qualification facts of every staff member (module docstring).

    Parameters
    ----------
    training, staff : the month's canonical tables.
    rule : ``"any"`` or ``"all"``, see the module docstring.

    Returns
    -------
    DataFrame, one row per staff member of ``staff`` in its order, columns
        staff_id, unit_code : str; role : str when ``staff`` has it.
        courses : int, training rows (courses attended).
        qualification_courses : int, of which qualification courses.
        qualifications_passed : int, qualification-course rows attained.
        training_hours : float, hours attended (0 without training).
        exam_score_sum : float, sum of the exam scores; exams : int, how many.
        assessed : bool, has a qualification-course verdict.
        any_passed, any_failed : bool, some qualification verdict attained / not.
        qualified : boolean, attained the qualification under ``rule``; <NA> when not
            assessed.
        mean_exam_score : float, exam_score_sum / exams (NaN when no exam score).

    Raises
    ------
    ValueError
        If a column is missing, a training row's staff member is not in ``staff`` or
        ``rule`` is unknown.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001", "S00002"], "unit_code": ["X01", "X01"]})
    >>> training = pd.DataFrame({"staff_id": ["S00001", "S00001"],
    ...     "course": ["任职资格认证", "任职资格认证补考"], "course_type": ["qualification"] * 2,
    ...     "hours": [8.0, 4.0], "exam_score": [50.0, 80.0],
    ...     "qualified": pd.array([False, True], dtype="boolean")})
    >>> judge_training(training, staff)[["staff_id", "assessed", "qualified",
    ...     "qualifications_passed", "training_hours"]]
      staff_id  assessed  qualified  qualifications_passed  training_hours
    0   S00001      True       True                      1            12.0
    1   S00002     False       <NA>                      0             0.0
    """
    if rule not in _RULES:
        raise ValueError(f"rule must be one of {_RULES}, got {rule!r}")
    require_columns(training, "training", _TRAINING_COLUMNS)
    if "staff_id" not in staff.columns or "unit_code" not in staff.columns:
        raise ValueError("staff must have columns 'staff_id' and 'unit_code'")
    unknown = ~training["staff_id"].isin(staff["staff_id"])
    if unknown.any():
        raise ValueError(
            f"training rows of staff not in the staff table: "
            f"{sorted(map(str, training.loc[unknown, 'staff_id'].unique()))[:10]}"
        )
    qualification = (training["course_type"] == "qualification").to_numpy(bool)
    verdict = training["qualified"].astype("boolean")
    assessed_row = qualification & verdict.notna().to_numpy(bool)
    rows = pd.DataFrame(
        {
            "staff_id": training["staff_id"],
            "course": 1,
            "qualification": qualification.astype("int64"),
            "hours": pd.to_numeric(training["hours"]).astype(float),
            "exam_score": pd.to_numeric(training["exam_score"]).astype(float),
            "assessed_row": assessed_row,
            "passed_row": (assessed_row & verdict.fillna(False).to_numpy(bool)).astype("int64"),
            "failed_row": assessed_row & ~verdict.fillna(True).to_numpy(bool),
        }
    )
    per = rows.groupby("staff_id").agg(
        courses=("course", "sum"),
        qualification_courses=("qualification", "sum"),
        training_hours=("hours", "sum"),
        exam_score_sum=("exam_score", "sum"),
        exams=("exam_score", "count"),
        assessed=("assessed_row", "any"),
        qualifications_passed=("passed_row", "sum"),
        any_failed=("failed_row", "any"),
    )
    base = staff.drop_duplicates("staff_id")
    keep = [c for c in ("staff_id", "unit_code", "role") if c in base.columns]
    out = base[keep].merge(per, left_on="staff_id", right_index=True, how="left")
    for column in ("courses", "qualification_courses", "qualifications_passed", "exams"):
        out[column] = out[column].fillna(0).astype("int64")
    out["any_passed"] = out["qualifications_passed"] > 0
    for column in ("training_hours", "exam_score_sum"):
        out[column] = out[column].fillna(0.0).astype(float)
    for column in ("assessed", "any_failed"):
        out[column] = out[column].astype("boolean").fillna(False).astype(bool)
    attained = out["any_passed"] if rule == "any" else out["any_passed"] & ~out["any_failed"]
    out["qualified"] = attained.astype("boolean").where(out["assessed"], pd.NA)
    out["mean_exam_score"] = rate(out["exam_score_sum"], out["exams"])
    return out.reset_index(drop=True)


def staff_training(
    training: pd.DataFrame, staff: pd.DataFrame, *, rule: Rule = "any"
) -> pd.DataFrame:
    """Training and qualification of every staff member.

    Parameters
    ----------
    training, staff : the month's canonical tables.
    rule : ``"any"`` or ``"all"``, see the module docstring.

    Returns
    -------
    DataFrame, one row per staff member of ``staff`` (zeros when untrained), ordered by
    unit_code and staff_id, columns
        staff_id, unit_code : str; role : str when ``staff`` has it.
        courses : int, training rows (courses attended).
        qualification_courses : int, of which qualification courses.
        training_hours : float, hours attended.
        mean_exam_score : float, mean exam score (NaN when no exam score).
        assessed : bool, has a qualification-course verdict.
        qualified : boolean, attained the qualification; <NA> when not assessed.

    Raises
    ------
    ValueError
        If a training row's staff member is not in ``staff`` or ``rule`` is unknown.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001", "S00002"], "unit_code": ["X01", "X01"]})
    >>> training = pd.DataFrame({"staff_id": ["S00001", "S00001"],
    ...     "course": ["任职资格认证", "营销技能"], "course_type": ["qualification", "skills"],
    ...     "hours": [8.0, 4.0], "exam_score": [85.0, None],
    ...     "qualified": pd.array([True, pd.NA], dtype="boolean")})
    >>> staff_training(training, staff)[["staff_id", "courses", "training_hours", "qualified"]]
      staff_id  courses  training_hours  qualified
    0   S00001        2            12.0       True
    1   S00002        0             0.0       <NA>
    """
    out = judge_training(training, staff, rule=rule)
    keep = [c for c in ("staff_id", "unit_code", "role") if c in out.columns]
    columns = [
        *keep, "courses", "qualification_courses", "training_hours", "mean_exam_score",
        "assessed", "qualified",
    ]  # fmt: skip
    return out[columns].sort_values(["unit_code", "staff_id"]).reset_index(drop=True)


def qualification_attainment(
    training: pd.DataFrame, staff: pd.DataFrame, *, rule: Rule = "any"
) -> pd.DataFrame:
    """Staff qualification attainment rate (员工任职资格达标率) and training per unit.

    Parameters
    ----------
    training, staff : the month's canonical tables.
    rule : ``"any"`` or ``"all"``, see the module docstring.

    Returns
    -------
    DataFrame, one row per unit of ``staff``, columns
        unit_code : str.
        staff : int, staff members of the unit.
        trained : int, staff with at least one training row.
        assessed : int, staff with a qualification-course verdict.
        qualified : int, of which attained the qualification.
        attainment_rate : float, qualified / assessed; NaN when nobody was assessed.
        training_hours : float, hours attended by the unit's staff.
        hours_per_staff : float, training_hours / staff.
        mean_exam_score : float, mean of all exam scores of the unit (NaN when none).

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001", "S00002", "S00003"],
    ...     "unit_code": ["X01", "X01", "Z01"]})
    >>> training = pd.DataFrame({"staff_id": ["S00001", "S00002"],
    ...     "course": ["任职资格认证"] * 2, "course_type": ["qualification"] * 2,
    ...     "hours": [8.0, 8.0], "exam_score": [85.0, 55.0],
    ...     "qualified": pd.array([True, False], dtype="boolean")})
    >>> qualification_attainment(training, staff)[["unit_code", "staff", "assessed",
    ...     "qualified", "attainment_rate", "mean_exam_score"]]
      unit_code  staff  assessed  qualified  attainment_rate  mean_exam_score
    0       X01      2         2          1              0.5             70.0
    1       Z01      1         0          0              NaN              NaN
    """
    per = judge_training(training, staff, rule=rule)
    per = per.assign(
        member=1,
        trained=per["courses"] > 0,
        qualified_n=per["qualified"].fillna(False).astype(bool),
    )
    out = per.groupby("unit_code", sort=True).agg(
        staff=("member", "sum"),
        trained=("trained", "sum"),
        assessed=("assessed", "sum"),
        qualified=("qualified_n", "sum"),
        training_hours=("training_hours", "sum"),
        exam_score_sum=("exam_score_sum", "sum"),
        exams=("exams", "sum"),
    )
    for column in ("staff", "trained", "assessed", "qualified", "exams"):
        out[column] = out[column].astype("int64")
    out["attainment_rate"] = rate(out["qualified"], out["assessed"])
    out["hours_per_staff"] = out["training_hours"] / out["staff"]
    out["mean_exam_score"] = rate(out["exam_score_sum"], out["exams"])
    columns = [
        "staff", "trained", "assessed", "qualified", "attainment_rate", "training_hours",
        "hours_per_staff", "mean_exam_score",
    ]  # fmt: skip
    return out[columns].reset_index()


def qualification_base(
    training: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    required_roles: Iterable[str] | None = None,
    rule: Rule = "any",
) -> pd.DataFrame:
    """任职资格达标率 per unit with its base: the staff in scope, assessed and not.

    The rate is the one the scorecard scores (qualified / assessed staff, docs/methods.md
    §1.10 and §6.5, from :func:`judge_training`); beside it stand the staff in scope
    (every staff member whose role requires the qualification), how many of them were
    assessed this month and how many were not, and qualified / in scope, so that a unit
    with 10 staff of whom 3 were assessed and qualified shows 100 % *of 3*, 30 % of 10.

    Parameters
    ----------
    training, staff : the month's canonical tables (``staff`` with ``role``).
    required_roles : role codes whose staff must hold the qualification; None: every
        role of the contract (each role has its 任职资格认证). With the default the
        counts equal the scorecard's.
    rule : ``"any"`` or ``"all"``, see the module docstring.

    Returns
    -------
    DataFrame, one row per unit of ``staff`` (sorted), columns
        unit_code : str.
        in_scope : int, staff whose role requires the qualification.
        assessed : int, of whom with a qualification verdict this month.
        not_assessed : int, in_scope − assessed.
        qualified : int, of the assessed, attained the qualification.
        attainment_rate : float, qualified / assessed (the scored 任职资格达标率); NaN
            when nobody was assessed.
        assessed_share : float, assessed / in_scope; NaN when nobody is in scope.
        qualified_share : float, qualified / in_scope; NaN when nobody is in scope.

    Raises
    ------
    ValueError
        If ``staff`` has no ``role``, a role of ``required_roles`` is unknown, or as
        :func:`judge_training`.

    Examples
    --------
    Ten staff of X01, three assessed this month and all three qualified (the case of
    issue 12):

    >>> staff = pd.DataFrame({"staff_id": [f"S{i:05d}" for i in range(1, 11)],
    ...     "unit_code": "X01", "role": "customer_manager"})
    >>> training = pd.DataFrame({"staff_id": ["S00001", "S00002", "S00003"],
    ...     "course": "集团客户经理任职资格认证", "course_type": "qualification",
    ...     "hours": 4.0, "exam_score": 80.0,
    ...     "qualified": pd.array([True] * 3, dtype="boolean")})
    >>> base = qualification_base(training, staff)
    >>> base[["in_scope", "assessed", "not_assessed", "qualified"]]
       in_scope  assessed  not_assessed  qualified
    0        10         3             7          3
    >>> base[["attainment_rate", "assessed_share", "qualified_share"]]
       attainment_rate  assessed_share  qualified_share
    0              1.0             0.3              0.3
    """
    if "role" not in staff.columns:
        raise ValueError("staff must have column 'role' to decide who is in scope")
    roles = list(ROLES) if required_roles is None else list(required_roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"required_roles must be role codes {list(ROLES)}, got {unknown}")
    per = judge_training(training, staff, rule=rule)
    per = per[per["role"].isin(roles)]
    per = per.assign(
        member=1,
        assessed_n=per["assessed"].astype("int64"),
        qualified_n=per["qualified"].fillna(False).astype(bool).astype("int64"),
    )
    index = pd.Index(sorted(staff["unit_code"].dropna().astype(str).unique()), name="unit_code")
    out = per.groupby("unit_code").agg(
        in_scope=("member", "sum"), assessed=("assessed_n", "sum"), qualified=("qualified_n", "sum")
    )
    out = out.reindex(index).fillna(0).astype("int64")
    out["not_assessed"] = out["in_scope"] - out["assessed"]
    out["attainment_rate"] = rate(out["qualified"], out["assessed"])
    out["assessed_share"] = rate(out["assessed"], out["in_scope"])
    out["qualified_share"] = rate(out["qualified"], out["in_scope"])
    columns = [
        "in_scope", "assessed", "not_assessed", "qualified", "attainment_rate",
        "assessed_share", "qualified_share",
    ]  # fmt: skip
    return out[columns].reset_index()


def plan_delivery(
    training_plan: pd.DataFrame, training: pd.DataFrame, staff: pd.DataFrame
) -> pd.DataFrame:
    """Planned against delivered and passed, per unit and course (module docstring).

    Parameters
    ----------
    training_plan, training, staff : the month's canonical tables.

    Returns
    -------
    DataFrame, one row per planned unit and course, then per course the department
    planned that a unit delivered without planning it; ordered by unit_code, course
    type (qualification first) and course; columns
        unit_code, course : str.
        course_type : str, ``qualification`` or ``skills``.
        target_roles : str, role codes joined by ``;`` ("" when not planned).
        planned : int, attendees planned (0 when not planned).
        delivered : int, the unit's staff with hours > 0 in the course.
        passed : Int64, qualification-course rows attained; <NA> for a skills course.
        delivery_rate : float, delivered / planned; NaN when nothing was planned.
        shortfall : int, planned − delivered when positive, else 0.
        in_plan : bool, the unit planned the course.

    Raises
    ------
    ValueError
        If a column is missing, a training row's staff member is not in ``staff``, or a
        plan row's 培训对象 names no role.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001", "S00002"], "unit_code": ["X01", "X01"]})
    >>> plan = pd.DataFrame({"unit_code": ["X01"], "course": ["集团客户经理任职资格认证"],
    ...     "course_type": ["qualification"], "target_roles": ["集团客户经理"],
    ...     "planned_attendees": [3], "planned_date": [pd.Timestamp("2026-10-15")]})
    >>> training = pd.DataFrame({"staff_id": ["S00001", "S00002"],
    ...     "course": "集团客户经理任职资格认证", "course_type": "qualification",
    ...     "hours": [4.0, 0.0], "exam_score": [80.0, None],
    ...     "qualified": pd.array([True, False], dtype="boolean")})
    >>> plan_delivery(plan, training, staff)[["planned", "delivered", "passed", "shortfall"]]
       planned  delivered  passed  shortfall
    0        3          1       1          2
    """
    require_columns(training_plan, "training_plan", _PLAN_COLUMNS)
    require_columns(training, "training", _TRAINING_COLUMNS)
    require_columns(staff, "staff", ("staff_id", "unit_code"))
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    unknown = ~training["staff_id"].isin(unit_of.index)
    if unknown.any():
        raise ValueError(
            f"training rows of staff not in the staff table: "
            f"{sorted(map(str, training.loc[unknown, 'staff_id'].unique()))[:10]}"
        )
    planned_courses = set(training_plan["course"].astype(str))
    rows = training[training["course"].astype(str).isin(planned_courses)]
    qualification = (rows["course_type"] == "qualification").to_numpy(bool)
    verdict = rows["qualified"].astype("boolean").fillna(False).to_numpy(bool)
    rows = pd.DataFrame(
        {
            "unit_code": rows["staff_id"].map(unit_of).astype(str).to_numpy(),
            "course": rows["course"].astype(str).to_numpy(),
            "course_type": rows["course_type"].astype(str).to_numpy(),
            "delivered": (pd.to_numeric(rows["hours"]).to_numpy(float) > 0).astype("int64"),
            "passed": (qualification & verdict).astype("int64"),
            "qualification": qualification,
        }
    )
    done = rows.groupby(["unit_code", "course"], sort=False).agg(
        delivered=("delivered", "sum"),
        passed=("passed", "sum"),
        delivered_type=("course_type", "first"),
    )
    plan = training_plan.assign(
        unit_code=training_plan["unit_code"].astype(str),
        course=training_plan["course"].astype(str),
        target_roles=[";".join(role_codes(t)) for t in training_plan["target_roles"]],
        planned=training_plan["planned_attendees"].astype("int64"),
        in_plan=True,
    ).set_index(["unit_code", "course"])[["course_type", "target_roles", "planned", "in_plan"]]
    out = plan.join(done, how="outer")
    out["in_plan"] = out["in_plan"].astype("boolean").fillna(False).astype(bool)
    out["course_type"] = out["course_type"].fillna(out["delivered_type"]).astype(str)
    out["target_roles"] = out["target_roles"].fillna("").astype(str)
    for column in ("planned", "delivered", "passed"):
        out[column] = out[column].fillna(0).astype("int64")
    out["passed"] = (
        out["passed"].astype("Int64").where(out["course_type"] == "qualification", pd.NA)
    )
    out["delivery_rate"] = rate(out["delivered"], out["planned"])
    out["shortfall"] = (out["planned"] - out["delivered"]).clip(lower=0).astype("int64")
    out = out.reset_index()
    out["order"] = (out["course_type"] != "qualification").astype("int64")
    out = out.sort_values(["unit_code", "order", "course"], kind="stable")
    columns = [
        "unit_code", "course", "course_type", "target_roles", "planned", "delivered", "passed",
        "delivery_rate", "shortfall", "in_plan",
    ]  # fmt: skip
    return out[columns].reset_index(drop=True)


def plan_units(delivery: pd.DataFrame, *, units: Iterable[str]) -> pd.DataFrame:
    """Planned against delivered and passed per unit, from :func:`plan_delivery`.

    Parameters
    ----------
    delivery : :func:`plan_delivery`'s table.
    units : every unit to list (a unit without a plan shows zeros).

    Returns
    -------
    DataFrame, one row per unit of ``units`` (sorted), columns
        unit_code : str.
        courses_planned : int, courses the unit planned.
        courses_short : int, of which delivered to fewer than planned.
        planned, delivered : int, attendees planned and delivered, over the courses
            the unit planned.
        passed : Int64, qualification courses of the plan attained; <NA> when the
            unit planned no qualification course.
        delivery_rate : float, delivered / planned (a course delivered beyond its plan
            offsets another's shortfall; ``shortfall`` does not); NaN when nothing was
            planned.
        shortfall : int, the courses' shortfalls summed.
        unplanned : int, attendees of courses the unit delivered without planning them.

    Examples
    --------
    >>> d = pd.DataFrame({"unit_code": ["X01", "X01"], "course": ["a", "b"],
    ...     "course_type": ["qualification", "skills"], "planned": [3, 2],
    ...     "delivered": [1, 2], "passed": pd.array([1, pd.NA], dtype="Int64"),
    ...     "shortfall": [2, 0], "in_plan": [True, True]})
    >>> plan_units(d, units=["X01", "X02"])[["unit_code", "courses_short", "planned",
    ...     "delivered", "passed", "delivery_rate"]]
      unit_code  courses_short  planned  delivered  passed  delivery_rate
    0       X01              1        5          3       1            0.6
    1       X02              0        0          0    <NA>            NaN
    """
    require_columns(
        delivery,
        "delivery",
        ("unit_code", "planned", "delivered", "passed", "shortfall", "in_plan"),
    )
    index = pd.Index(sorted({str(u) for u in units}), name="unit_code")
    in_plan = delivery["in_plan"].astype(bool)
    rows = delivery.assign(
        planned_row=in_plan.astype("int64"),
        short_row=(in_plan & (delivery["delivered"] < delivery["planned"])).astype("int64"),
        delivered_in_plan=delivery["delivered"].where(in_plan, 0),
        unplanned=delivery["delivered"].where(~in_plan, 0),
        passed_known=(delivery["passed"].notna() & in_plan).astype("int64"),
        passed_n=delivery["passed"].fillna(0).where(in_plan, 0).astype("int64"),
    )
    out = rows.groupby("unit_code").agg(
        courses_planned=("planned_row", "sum"),
        courses_short=("short_row", "sum"),
        planned=("planned", "sum"),
        delivered=("delivered_in_plan", "sum"),
        passed_n=("passed_n", "sum"),
        passed_known=("passed_known", "sum"),
        shortfall=("shortfall", "sum"),
        unplanned=("unplanned", "sum"),
    )
    out = out.reindex(index).fillna(0).astype("int64")
    out["passed"] = out["passed_n"].astype("Int64").where(out["passed_known"] > 0, pd.NA)
    out["delivery_rate"] = rate(out["delivered"], out["planned"])
    columns = [
        "courses_planned", "courses_short", "planned", "delivered", "passed", "delivery_rate",
        "shortfall", "unplanned",
    ]  # fmt: skip
    return out[columns].reset_index()
