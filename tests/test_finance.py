"""统计, 真实准确: the revenue records reconciled against finance's booked revenue.

The hand-made month below has one difference of every kind; each expected line and
each unit x product total is worked out by hand in the comments (amounts in fen). The
generated sample's reconciliation must list exactly the differences planted in it
(``planted.json``, ground truth written by the generator) and the duplicated record.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kpilib.contract.load import load_month, validate_month
from kpilib.contract.schema import typed_frame
from kpilib.duties.checks import duplicate_revenue
from kpilib.duties.finance import (
    DIFFERENCE_COLUMNS,
    DIFFERENCE_KINDS,
    PAIR_COLUMNS,
    _difference_frame,
    _with_remainders,
    reconcile_finance,
)

MONTH = "2026-10"
STAFF = pd.DataFrame({"staff_id": ["S00001", "S00002"], "unit_code": ["X01", "X02"]})


def revenue(*rows: tuple) -> pd.DataFrame:
    """Records (record_id, staff_id, contract_id, product, fen, date)."""
    return typed_frame(
        "revenue",
        [(r, s, f"G{c}", c, p, fen, pd.Timestamp(d)) for r, s, c, p, fen, d in rows],
    )


def finance(*rows: tuple) -> pd.DataFrame:
    """Lines (voucher_id, unit_code, contract_id, product, fen, date)."""
    return typed_frame(
        "finance_revenue",
        [(v, pd.Timestamp(d), u, f"G{c}", c, p, fen) for v, u, c, p, fen, d in rows],
    )


# Last month: P1 was entered but not booked (finance books it this month as F6); finance
# booked V0902 on K8 early (the business side enters it this month as R7); P2 agrees.
PREVIOUS_REVENUE = revenue(
    ("P1", "S00001", "K9", "专线", 300000, "2026-09-30"),
    ("P2", "S00001", "K1", "专线", 100000, "2026-09-10"),
)
PREVIOUS_FINANCE = finance(
    ("V0901", "X01", "K1", "专线", 100000, "2026-09-11"),
    ("V0902", "X01", "K8", "云", 50000, "2026-09-29"),
)
REVENUE = revenue(
    ("R1", "S00001", "K1", "专线", 100000, "2026-10-05"),  # booked as F1
    ("R2", "S00001", "K2", "专线", 20000, "2026-10-06"),  # booked as F2
    ("R3", "S00001", "K2", "专线", 20000, "2026-10-06"),  # R2 entered twice
    ("R4", "S00001", "K3", "宽带", 15000, "2026-10-07"),  # booked under X02 (F3)
    ("R5", "S00002", "K4", "专线", 70000, "2026-10-08"),  # never booked
    ("R6", "S00002", "K5", "云", 12345, "2026-10-09"),  # booked as 123.00 yuan (F5)
    ("R7", "S00001", "K8", "云", 50000, "2026-10-02"),  # booked last month (V0902)
)
FINANCE = finance(
    ("F1", "X01", "K1", "专线", 100000, "2026-10-06"),
    ("F2", "X01", "K2", "专线", 20000, "2026-10-07"),
    ("F3", "X02", "K3", "宽带", 15000, "2026-10-08"),
    ("F5", "X02", "K5", "云", 12300, "2026-10-10"),
    ("F6", "X01", "K9", "专线", 300000, "2026-10-02"),  # P1 of last month
    ("F7", "X02", "K7", "专线", 8800, "2026-10-12"),  # no record of the business side
)


def reconcile(rev=REVENUE, fin=FINANCE, *, previous=True, **kwargs):
    if previous:
        kwargs.update(previous_revenue=PREVIOUS_REVENUE, previous_finance=PREVIOUS_FINANCE)
    return reconcile_finance(rev, fin, STAFF, month=MONTH, **kwargs)


def lines(differences: pd.DataFrame) -> list[tuple]:
    cols = ["unit_code", "product", "kind", "record_ids", "voucher_ids", "difference_fen"]
    return [tuple(row) for row in differences[cols].itertuples(index=False)]


def test_every_kind_of_difference_is_named_with_its_records():
    out = reconcile()
    assert list(out.differences.columns) == DIFFERENCE_COLUMNS
    # Worked by hand from the tables above: staff − finance of each line.
    assert lines(out.differences) == [
        ("X01", "专线", "duplicate", "R2、R3", "F2", 20000),
        ("X01", "专线", "other_month", "P1", "F6", -300000),
        ("X01", "云", "other_month", "R7", "V0902", 50000),
        ("X01", "宽带", "wrong_unit", "R4", "F3", 15000),
        ("X02", "专线", "not_booked", "R5", "", 70000),
        ("X02", "专线", "missing_record", "", "F7", -8800),
        ("X02", "云", "amount_mismatch", "R6", "F5", 45),
        ("X02", "宽带", "wrong_unit", "R4", "F3", -15000),
    ]
    text = out.differences.set_index(["unit_code", "kind"])["explanation"]
    assert "R3 与 R2 除流水号外完全相同" in text[("X01", "duplicate")]
    assert "2026-09 已录入的流水 P1" in text[("X01", "other_month")].iloc[0]
    assert "财务已于 2026-09 以凭证 V0902" in text[("X01", "other_month")].iloc[1]
    assert "入账到 X02" in text[("X01", "wrong_unit")]
    assert "属于 X01" in text[("X02", "wrong_unit")]
    assert "相差 0.45 元" in text[("X02", "amount_mismatch")]
    assert "未提供" not in "".join(text)


def test_unit_product_totals_to_the_fen():
    pairs = reconcile().pairs
    assert list(pairs.columns) == PAIR_COLUMNS
    table = pairs.set_index(["unit_code", "product"])
    # X01 专线: R1 + R2 + R3 = 100000 + 20000 + 20000 = 140000; F1 + F2 + F6 = 420000.
    # X02 专线: R5 = 70000; F7 = 8800. X02 云: R6 = 12345; F5 = 12300.
    expected = {
        ("X01", "专线"): (3, 140000, 3, 420000, -280000),
        ("X01", "云"): (1, 50000, 0, 0, 50000),
        ("X01", "宽带"): (1, 15000, 0, 0, 15000),
        ("X02", "专线"): (1, 70000, 1, 8800, 61200),
        ("X02", "云"): (1, 12345, 1, 12300, 45),
        ("X02", "宽带"): (0, 0, 1, 15000, -15000),
    }
    assert set(table.index) == set(expected)
    cols = ["staff_records", "staff_fen", "finance_lines", "finance_fen", "difference_fen"]
    for key, values in expected.items():
        assert tuple(int(v) for v in table.loc[key, cols]) == values, key
    assert (table["explained_fen"] == table["difference_fen"]).all()
    assert (table["unexplained_fen"] == 0).all()
    assert not table["ok"].any()
    for col in ("staff_fen", "finance_fen", "difference_fen", "explained_fen"):
        assert table[col].dtype == np.int64
    # Department: 287345 fen recorded, 456100 booked.
    assert int(table["staff_fen"].sum()) == 287345 == int(REVENUE["amount_fen"].sum())
    assert int(table["finance_fen"].sum()) == 456100 == int(FINANCE["amount_fen"].sum())


def test_agreeing_month_has_no_difference():
    rev = REVENUE.iloc[[0, 1]]
    fin = FINANCE.iloc[[0, 1]]
    out = reconcile(rev, fin)
    assert out.differences.empty and list(out.differences.columns) == DIFFERENCE_COLUMNS
    assert out.pairs["ok"].all() and out.pairs["difference_fen"].eq(0).all()
    assert out.pairs[["staff_fen", "finance_fen"]].values.tolist() == [[120000, 120000]]


def test_a_month_finance_booked_nothing_has_no_pair_and_no_wrong_unit():
    # No line to pair with: every record is 财务未入账 but R3, R2 entered twice (重复录入,
    # R2 counted once as not booked). X01 专线: 100000 (R1) + 20000 (R2) + 20000 (R3).
    out = reconcile(fin=FINANCE.iloc[0:0], previous=False)
    assert lines(out.differences) == [
        ("X01", "专线", "duplicate", "R2、R3", "", 20000),
        ("X01", "专线", "not_booked", "R1", "", 100000),
        ("X01", "专线", "not_booked", "R2", "", 20000),
        ("X01", "云", "not_booked", "R7", "", 50000),
        ("X01", "宽带", "not_booked", "R4", "", 15000),
        ("X02", "专线", "not_booked", "R5", "", 70000),
        ("X02", "云", "not_booked", "R6", "", 12345),
    ]
    assert (out.pairs["unexplained_fen"] == 0).all()


def test_one_fen_apart_is_a_difference():
    fin = FINANCE.iloc[[0]].assign(amount_fen=np.int64(100001))  # 1000.01 yuan for 1000.00
    out = reconcile(REVENUE.iloc[[0]], fin)
    assert lines(out.differences) == [("X01", "专线", "amount_mismatch", "R1", "F1", -1)]
    assert not out.pairs["ok"].iloc[0]


def test_without_last_month_booking_across_months_is_not_guessed():
    out = reconcile(previous=False)
    found = lines(out.differences)
    assert ("X01", "云", "not_booked", "R7", "", 50000) in found
    assert ("X01", "专线", "missing_record", "", "F6", -300000) in found
    assert not (out.differences["kind"] == "other_month").any()
    r7 = out.differences.set_index("record_ids").loc["R7"]
    assert r7["kind"] == "not_booked" and "未提供 2026-09 的数据" in r7["explanation"]
    assert out.pairs["unexplained_fen"].eq(0).all()


def test_duplicate_that_finance_never_booked_counts_once_as_not_booked():
    rev = REVENUE.iloc[[1, 2]]  # R2 and its copy R3
    out = reconcile(rev, FINANCE.iloc[0:0])
    assert lines(out.differences) == [
        ("X01", "专线", "duplicate", "R2、R3", "", 20000),
        ("X01", "专线", "not_booked", "R2", "", 20000),
    ]
    assert "财务未入账" in out.differences["explanation"].iloc[0]


def test_a_record_excluded_by_an_adjustment_stays_listed_and_says_so():
    excluded = pd.DataFrame({"record_id": ["R3"], "reason": ["考核调整A001：重复录入已确认"]})
    out = reconcile(excluded=excluded)
    assert lines(out.differences) == lines(reconcile().differences)
    text = out.differences.set_index("kind")["explanation"]
    assert text["duplicate"].endswith(
        "；流水 R3 已剔除（考核调整A001：重复录入已确认），不计入考核收入"
    )
    assert "已剔除" not in "".join(text.drop(index="duplicate"))


def test_duplicates_passed_in_are_those_computed():
    given = reconcile(duplicates=duplicate_revenue(REVENUE))
    pd.testing.assert_frame_equal(given.differences, reconcile().differences)


def test_a_remainder_the_records_do_not_explain_is_stated():
    # Worked case: 500 fen recorded, 200 booked, lines explaining 100: 200 unexplained.
    pairs = pd.DataFrame(
        {
            "unit_code": ["X01"],
            "product": ["专线"],
            "staff_fen": [500],
            "finance_fen": [200],
            "difference_fen": [300],
            "explained_fen": [100],
            "unexplained_fen": [200],
        }
    )
    explained = _difference_frame(
        [
            {
                "unit_code": "X01",
                "product": "专线",
                "kind": "not_booked",
                "record_ids": "R9",
                "voucher_ids": "",
                "contract_id": "K9",
                "staff_fen": 100,
                "finance_fen": 0,
                "difference_fen": 100,
                "explanation": "",
            }
        ]
    )
    out = _with_remainders(pairs, explained)
    assert out[["kind", "difference_fen"]].values.tolist() == [
        ["not_booked", 100],
        ["unexplained", 200],
    ]
    assert "余 2.00 元未能由记录解释" in out["explanation"].iloc[1]
    assert set(DIFFERENCE_KINDS) >= set(out["kind"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"month": "2026-13"}, "month must look like"),
        ({"rev": REVENUE.assign(staff_id="S09999")}, r"name staff not in the staff table"),
        ({"rev": REVENUE.assign(amount_fen=REVENUE["amount_fen"] / 1.0)}, "integer fen"),
        ({"fin": FINANCE.drop(columns="unit_code")}, r"finance_revenue is missing.*unit_code"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    rev, fin = kwargs.pop("rev", REVENUE), kwargs.pop("fin", FINANCE)
    month = kwargs.pop("month", MONTH)
    with pytest.raises(ValueError, match=message):
        reconcile_finance(rev, fin, STAFF, month=month)


# ----------------------------------------------------------------------------------------
# the finance file against the data contract
# ----------------------------------------------------------------------------------------
FINANCE_FILE = "finance_revenue.csv"


def test_tiny_month_finance_file_loads_in_fen(tiny_month):
    loaded = load_month(tiny_month.data_dir, MONTH).finance_revenue
    assert loaded["amount_fen"].tolist() == [5000000, 120050]
    assert loaded["amount_fen"].dtype == np.int64


@pytest.mark.parametrize(
    ("header", "value", "severity", "rule"),
    [
        ("单位编码", "X99", "error", "not found in units.csv"),
        ("入账金额(元)", "12.345", "error", ""),
        ("入账日期", "2026-09-30", "error", "outside the month"),
        ("产品名称", "互联网专线(100M)", "warning", "no record in revenue.csv names"),
    ],
)
def test_bad_finance_cell_is_named_by_file_row_column_and_value(
    tiny_month, header, value, severity, rule
):
    tiny_month.edit(FINANCE_FILE, 3, header, value)
    findings = validate_month(tiny_month.data_dir, MONTH)
    found = [f for f in findings if f.file == FINANCE_FILE and f.column == header]
    assert [(f.row, f.value, f.severity) for f in found] == [(3, value, severity)]
    assert rule in found[0].rule


# ----------------------------------------------------------------------------------------
# the generated sample: exactly the planted differences and the duplicate
# ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from kpilib.sample.generate import generate

    out = tmp_path_factory.mktemp("finance")
    folders = generate(out, months=3, end=MONTH, counties=3, centres=6, seed=7)
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    months = {f.name: load_month(out, f.name, params_dir=None) for f in folders}
    return months, planted


def expected_lines(data, planted: dict, month: str) -> list[tuple]:
    """The difference lines ``planted.json`` says the month must show."""
    out = []
    for p in planted["finance_differences"][month]:
        records, vouchers = "、".join(p["record_ids"]), "、".join(p["voucher_ids"])
        fen = p["amount_fen"]
        if p["kind"] == "wrong_unit":
            out.append((p["unit_code"], p["product"], "wrong_unit", records, vouchers, fen))
            out.append(
                (p["finance_unit_code"], p["product"], "wrong_unit", records, vouchers, -fen)
            )
        else:
            sign = 1 if p["kind"] == "not_booked" else -1  # the others: finance has it
            out.append((p["unit_code"], p["product"], p["kind"], records, vouchers, sign * fen))
    original, copy = planted["duplicated_revenue"][month]
    record = data.revenue.set_index("record_id").loc[copy]
    unit = data.staff.set_index("staff_id").loc[record["staff_id"], "unit_code"]
    fin = data.finance_revenue
    voucher = fin.loc[
        (fin["contract_id"] == record["contract_id"])
        & (fin["product"] == record["product"])
        & (fin["amount_fen"] == record["amount_fen"]),
        "voucher_id",
    ]
    assert len(voucher) == 1  # finance booked the real record once
    out.append(
        (
            unit,
            record["product"],
            "duplicate",
            f"{original}、{copy}",
            voucher.iloc[0],
            int(record["amount_fen"]),
        )
    )
    return sorted(out)


@pytest.mark.parametrize("month", ["2026-08", "2026-09", "2026-10"])
def test_generated_month_lists_exactly_the_planted_differences(sample, month):
    months, planted = sample
    data = months[month]
    last = str(pd.Period(month, freq="M") - 1)
    previous = months.get(last)
    out = reconcile_finance(
        data.revenue,
        data.finance_revenue,
        data.staff,
        month=month,
        previous_revenue=None if previous is None else previous.revenue,
        previous_finance=None if previous is None else previous.finance_revenue,
    )
    kinds = {p["kind"] for p in planted["finance_differences"][month]}
    assert len(kinds) >= 2  # at least two kinds besides the duplicate
    assert sorted(lines(out.differences)) == expected_lines(data, planted, month)
    pairs = out.pairs
    assert pairs["unexplained_fen"].eq(0).all()
    assert int(pairs["staff_fen"].sum()) == int(data.revenue["amount_fen"].sum())
    assert int(pairs["finance_fen"].sum()) == int(data.finance_revenue["amount_fen"].sum())
    assert pairs["ok"].sum() > len(pairs) / 2  # most pairs agree; the summary lists the rest
    assert set(out.differences["unit_code"] + out.differences["product"]) == set(
        pairs.loc[~pairs["ok"], "unit_code"] + pairs.loc[~pairs["ok"], "product"]
    )
