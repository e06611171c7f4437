"""Personal numbers are masked and unit reports see their own staff only."""

import pandas as pd
import pytest

from kpilib.report.privacy import (
    for_unit,
    mask_free_text,
    mask_id_number,
    mask_phone,
    mask_tables,
    mask_text,
    masked,
)


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


# --------------------------------------------------------------------------- numbers in free text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客户13812345678", "客户138****5678"),
        ("13812345678", "138****5678"),
        ("法人身份证11010519491231002X", "法人身份证110105********002X"),
        ("id 11010519491231002x.", "id 110105********002X."),  # lower-case x as well
        ("ID11010519491231002X号", "ID110105********002X号"),  # letters around it
        ("电话:138-1234-5678；或 138 1234 5678", "电话:138****5678；或 138****5678"),
        ("+8613812345678 / 008613812345678", "+86138****5678 / 0086138****5678"),
        ("手机１３８１２３４５６７８，３楼", "手机138****5678，３楼"),  # full-width digits
        ("两个 13812345678、13912345678", "两个 138****5678、139****5678"),
        ("已脱敏 138****5678 / 110105********002X", "已脱敏 138****5678 / 110105********002X"),
        ("12812345678 不是手机号", "12812345678 不是手机号"),  # second digit 2
        ("138123456789 十二位", "138123456789 十二位"),  # inside a longer number
        ("1101051949123100212 十九位", "1101051949123100212 十九位"),
        ("流水 R202610000001 工单 GD202610000094", "流水 R202610000001 工单 GD202610000094"),
        ("", ""),
        (None, None),
        (13812345678, 13812345678),  # numbers are not text
    ],
)
def test_mask_text(text, expected):
    assert mask_text(text) == expected


def test_mask_free_text_scans_every_text_column_and_keeps_dtypes():
    frame = pd.DataFrame(
        {
            "customer_name": pd.array(["客户13812345678", "城东", None], dtype="str"),
            "note": pd.array(["身份证 11010519491231002X", pd.NA, "无"], dtype="string"),
            "documents": [["授权书", "手机13912345678"], [], ("营业执照",)],
            "message": ["ok", 5, "回访13812345678"],  # mixed object column
            "kind": pd.Categorical(["a", "b", "a"]),
            "amount": [13812345678, 2, 3],
        },
        index=pd.Index(["13812345678", "x", "y"], name="key"),
    )
    out = mask_free_text(frame)
    assert out["customer_name"].tolist()[:2] == ["客户138****5678", "城东"]
    assert pd.isna(out["customer_name"].iloc[2])
    assert out["note"].tolist()[0] == "身份证 110105********002X" and pd.isna(out["note"].iloc[1])
    assert out["documents"].tolist() == [["授权书", "手机139****5678"], [], ("营业执照",)]
    assert out["message"].tolist() == ["ok", 5, "回访138****5678"]
    assert out["amount"].tolist() == [13812345678, 2, 3]  # numbers are not text
    assert out.index.tolist() == ["138****5678", "x", "y"] and out.index.name == "key"
    assert out.dtypes.equals(frame.dtypes)
    assert frame["customer_name"].iloc[0] == "客户13812345678"  # the input is not changed


def test_mask_free_text_returns_a_clean_table_itself():
    frame = pd.DataFrame({"name": ["张三"], "phone": ["138****5678"], "n": [1]})
    assert mask_free_text(frame) is frame
    assert mask_free_text(frame.iloc[0:0]) is not None


def test_mask_free_text_finds_numbers_in_ascii_and_full_width_columns():
    # "code" is all ASCII, "text" is Chinese with full-width digits: both are masked
    table = pd.DataFrame(
        {"code": ["R1", "13812345678"], "text": ["城东", "手机１３８１２３４５６７８，３楼"]}
    )
    out = mask_free_text(table)
    assert out["code"].tolist() == ["R1", "138****5678"]
    assert out["text"].tolist() == ["城东", "手机138****5678，３楼"]


def test_mask_tables_masks_every_table():
    tables = {
        "a": pd.DataFrame({"x": ["13812345678"]}),
        "b": pd.DataFrame({"y": ["11010519491231002X"]}),
    }
    out = mask_tables(tables)
    assert out["a"]["x"].tolist() == ["138****5678"]
    assert out["b"]["y"].tolist() == ["110105********002X"]


def test_shared_results_mask_numbers_in_every_text_column(tiny_month):
    """Whatever table a number's text reaches, the stored results hold it masked."""
    from kpilib.contract.load import load_month
    from kpilib.report.shared import build_shared_results, scheme_for

    contracts = tiny_month.rows("contracts.csv")
    contracts[2][2] = "城东物流13812345678有限公司"
    contracts[2][6] = "盖章页;法人身份证11010519491231002X"
    tiny_month.write("contracts.csv", contracts)
    units = tiny_month.rows("units.csv")
    units[1][1] = "城东13912345678"
    tiny_month.write("units.csv", units)
    data = load_month(tiny_month.data_dir, tiny_month.month)
    shared = build_shared_results(data, data_dir=None, scheme=scheme_for(2026))
    raw = ("13812345678", "13912345678", "11010519491231002X")
    for name, frame in shared.items():
        text = frame.astype(str).to_string() + " ".join(map(str, frame.index))
        assert not [n for n in raw if n in text], name
    assert shared["contracts"]["customer_name"].tolist()[1] == "城东物流138****5678有限公司"
    assert "法人身份证110105********002X" in shared["archive_missing"]["missing_documents"].iloc[0]
    assert shared["headline"].set_index("unit_code").loc["X01", "unit_name"] == "城东139****5678"
