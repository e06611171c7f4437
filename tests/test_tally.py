"""tally: every expected group listed, counts as int, averages NaN when empty."""

import pandas as pd
import pytest

from kpilib.duties.tally import tally


def test_groups_without_rows_count_zero_and_average_nan():
    rows = pd.DataFrame(
        {"unit_code": ["X02", "X02", "X09"], "late": [1, 1, 0], "days": [3.0, 1.0, 0.0]}
    )
    out = tally(
        rows,
        pd.Index(["X01", "X02"], name="unit_code"),
        size="n",
        sums={"late": "late"},
        means={"mean_days": "days"},
    )
    assert out.index.tolist() == ["X01", "X02"]  # X09 is not an expected group
    assert out["n"].tolist() == [0, 2]
    assert out["late"].dtype == "int64"
    assert out.loc["X02", "mean_days"] == 2.0
    assert pd.isna(out.loc["X01", "mean_days"])


def test_two_level_groups():
    rows = pd.DataFrame({"unit_code": ["X01"], "kind": ["order"], "closed": [1]})
    index = pd.MultiIndex.from_product(
        [["X01"], ["complaint", "order"]], names=["unit_code", "kind"]
    )
    out = tally(rows, index, sums={"closed": "closed"})
    assert out["closed"].tolist() == [0, 1]


def test_unknown_column_is_named():
    with pytest.raises(ValueError, match=r"no column\(s\) \['late'\]"):
        tally(
            pd.DataFrame({"unit_code": []}), pd.Index([], name="unit_code"), sums={"late": "late"}
        )
