"""Staff training and qualification attainment (kpilib.duties.training).

员工任职资格达标率 = qualified / assessed staff (docs/methods.md §1.10); expectations by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpilib.duties import training

STAFF = pd.DataFrame(
    {
        "staff_id": ["S00001", "S00002", "S00003", "S00004", "S00005", "S00006"],
        "unit_code": ["X01", "X01", "X01", "X01", "Z01", "Z02"],
        "role": ["customer_manager"] * 4 + ["service_staff", "support_staff"],
    }
)


def rows(data: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        data, columns=["staff_id", "course", "course_type", "hours", "exam_score", "qualified"]
    )
    return frame.astype({"hours": float, "exam_score": float, "qualified": "boolean"})


TRAINING = rows(
    [
        ("S00001", "客户经理任职资格(初级)", "qualification", 8, 90, True),
        ("S00001", "营销技能", "skills", 4, None, None),
        ("S00002", "客户经理任职资格(初级)", "qualification", 8, 50, False),
        ("S00002", "客户经理任职资格(初级)补考", "qualification", 4, 80, True),  # passed retake
        ("S00003", "客户经理任职资格(初级)", "qualification", 8, 40, False),
        ("S00004", "客户经理任职资格(中级)", "qualification", 8, None, None),  # no verdict yet
        ("S00005", "服务礼仪", "skills", 2, 70, True),  # a skills row is not an assessment
    ]
)


def test_attainment_per_unit_any_rule():
    table = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    assert table.index.tolist() == ["X01", "Z01", "Z02"]
    x01 = table.loc["X01"]
    assert (x01["staff"], x01["trained"], x01["assessed"], x01["qualified"]) == (4, 4, 3, 2)
    assert x01["attainment_rate"] == pytest.approx(2 / 3)
    assert x01["training_hours"] == 40.0  # 8+4+8+4+8+8
    assert x01["hours_per_staff"] == 10.0
    assert x01["mean_exam_score"] == pytest.approx((90 + 50 + 80 + 40) / 4)
    for column in ("staff", "trained", "assessed", "qualified"):
        assert table[column].dtype == "int64"


def test_all_rule_counts_the_failed_first_attempt():
    table = training.qualification_attainment(TRAINING, STAFF, rule="all").set_index("unit_code")
    assert table.loc["X01", "qualified"] == 1
    assert table.loc["X01", "attainment_rate"] == pytest.approx(1 / 3)


def test_nobody_assessed_is_not_applicable():
    table = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    z01 = table.loc["Z01"]  # only a skills course with a stray verdict
    assert (z01["staff"], z01["trained"], z01["assessed"], z01["qualified"]) == (1, 1, 0, 0)
    assert np.isnan(z01["attainment_rate"])
    z02 = table.loc["Z02"]  # no training at all, still listed
    assert (z02["staff"], z02["trained"], z02["training_hours"]) == (1, 0, 0.0)
    assert np.isnan(z02["attainment_rate"])
    assert np.isnan(z02["mean_exam_score"])


def test_empty_training_lists_every_unit():
    table = training.qualification_attainment(TRAINING.iloc[0:0], STAFF)
    assert table["unit_code"].tolist() == ["X01", "Z01", "Z02"]
    assert table["staff"].tolist() == [4, 1, 1]
    assert (table["assessed"] == 0).all()
    assert table["attainment_rate"].isna().all()


def test_staff_table():
    table = training.staff_training(TRAINING, STAFF).set_index("staff_id")
    assert len(table) == 6
    assert table.loc["S00001", "courses"] == 2
    assert table.loc["S00001", "qualification_courses"] == 1
    assert table.loc["S00001", "training_hours"] == 12.0
    assert table.loc["S00001", "mean_exam_score"] == 90.0  # skills row has no score
    assert table["assessed"].tolist() == [True, True, True, False, False, False]
    assert table["qualified"].dtype == "boolean"
    assert table["qualified"].tolist()[:3] == [True, True, False]
    assert table["qualified"].iloc[3:].isna().all()  # not assessed: unknown, not False
    assert table.loc["S00006", "courses"] == 0
    assert np.isnan(table.loc["S00006", "mean_exam_score"])
    assert table.loc["S00005", "role"] == "service_staff"
    all_rule = training.staff_training(TRAINING, STAFF, rule="all").set_index("staff_id")
    assert not all_rule.loc["S00002", "qualified"]


def test_unit_table_agrees_with_staff_table():
    per_staff = training.staff_training(TRAINING, STAFF)
    per_unit = training.qualification_attainment(TRAINING, STAFF).set_index("unit_code")
    grouped = per_staff.groupby("unit_code")
    assert (grouped["assessed"].sum() == per_unit["assessed"]).all()
    assert (grouped["qualified"].sum() == per_unit["qualified"]).all()
    assert (grouped["training_hours"].sum() == per_unit["training_hours"]).all()


def test_unknown_staff_and_rule_are_refused():
    bad = TRAINING.copy()
    bad.loc[0, "staff_id"] = "S09999"
    with pytest.raises(ValueError, match=r"\['S09999'\]"):
        training.qualification_attainment(bad, STAFF)
    with pytest.raises(ValueError, match="rule must be one of"):
        training.staff_training(TRAINING, STAFF, rule="most")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="qualified"):
        training.staff_training(TRAINING.drop(columns="qualified"), STAFF)
