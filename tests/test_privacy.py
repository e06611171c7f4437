"""Personal numbers are masked and unit reports see their own staff only."""

import pandas as pd
import pytest

from kpilib.report.privacy import for_unit, mask_id_number, mask_phone, masked


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("13812345678", "138****5678"),
        ("19900001111", "199****1111"),
        ("1381234567", "**********"),  # ten digits: not a mobile number, masked whole
        ("+8613812345678", "**************"),
        ("138****5678", "138****5678"),  # masking twice changes nothing
        ("138*****678", "***********"),
        (None, None),
    ],
)
def test_mask_phone(phone, expected):
    assert mask_phone(phone) == expected


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [
        ("11010519491231002X", "110105********002X"),
        ("440301199001011234", "440301********1234"),
        ("4403011990", "**********"),
        ("440301********1234", "440301********1234"),
    ],
)
def test_mask_id_number(id_number, expected):
    assert mask_id_number(id_number) == expected


def test_for_unit_keeps_one_unit_and_masks():
    staff = pd.DataFrame(
        {
            "staff_id": ["S00001", "S00002"],
            "unit_code": ["X01", "X02"],
            "phone": ["13812345678", "13987654321"],
            "id_number": ["11010519491231002X", "440301199001011234"],
        }
    )
    shown = for_unit(staff, "X01")
    assert shown["staff_id"].tolist() == ["S00001"]
    assert shown["phone"].tolist() == ["138****5678"]
    assert "13812345678" not in shown.to_string()
    assert masked(staff)["id_number"].tolist() == ["110105********002X", "440301********1234"]


def test_for_unit_refuses_rows_without_unit():
    with pytest.raises(ValueError, match="no column 'unit_code'"):
        for_unit(pd.DataFrame({"staff_id": ["S1"]}), "X01")
