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
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from kpilib.contract.schema import require_columns
from kpilib.duties.tally import rate

Rule = Literal["any", "all"]
_RULES = ("any", "all")
_TRAINING_COLUMNS = ("staff_id", "course", "course_type", "hours", "exam_score", "qualified")


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
