"""Contract archive (kpilib.duties.archive): completeness per unit and missing documents.

Expectations are counted by hand from the small tables below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpilib.duties import archive

STAFF = pd.DataFrame(
    {
        "staff_id": ["S00001", "S00002", "S00003", "S00004"],
        "unit_code": ["X01", "X01", "X02", "Z01"],
    }
)

CONTRACTS = pd.DataFrame(
    {
        "contract_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "customer_id": ["G1", "G2", "G3", "G4", "G5", "G6"],
        "customer_name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司"],
        "staff_id": ["S00001", "S00001", "S00002", "S00002", "S00003", "S00003"],
        "signed_date": pd.to_datetime(["2025-01-01"] * 6),
        "archive_status": ["archived", "partial", "missing", "archived", "archived", "partial"],
        "missing_documents": [
            None,
            "盖章页;授权书",
            None,
            None,
            "",
            "营业执照； 授权书、 资费确认单",
        ],
    }
)


def test_completeness_per_unit():
    table = archive.contract_archive(CONTRACTS, STAFF).set_index("unit_code")
    assert table.index.tolist() == ["X01", "X02", "Z01"]
    x01 = table.loc["X01"]
    # X01: C1 archived, C2 partial, C3 missing, C4 archived
    assert (x01["contracts"], x01["archived"], x01["partial"], x01["missing"]) == (4, 2, 1, 1)
    assert x01["completeness"] == 0.5
    assert x01["documents_missing"] == 2
    x02 = table.loc["X02"]
    assert (x02["contracts"], x02["archived"], x02["partial"], x02["missing"]) == (2, 1, 1, 0)
    assert x02["documents_missing"] == 3  # full-width separators are split too
    for column in ("contracts", "archived", "partial", "missing", "documents_missing"):
        assert table[column].dtype == "int64"


def test_unit_without_contracts_is_listed_not_applicable():
    z01 = archive.contract_archive(CONTRACTS, STAFF).set_index("unit_code").loc["Z01"]
    assert z01["contracts"] == 0
    assert np.isnan(z01["completeness"])  # 0 contracts: not 0 %, not 100 %


def test_empty_contracts():
    table = archive.contract_archive(CONTRACTS.iloc[0:0], STAFF)
    assert table["unit_code"].tolist() == ["X01", "X02", "Z01"]
    assert (table["contracts"] == 0).all()
    assert table["completeness"].isna().all()
    assert archive.missing_documents(CONTRACTS.iloc[0:0], STAFF).empty


def test_contracts_listing_the_same_documents_each_get_their_own_list():
    # C7 is C2 again (盖章页;授权书): equal lists, but not one list object shared by both
    contracts = pd.concat(
        [CONTRACTS, CONTRACTS.iloc[[1]].assign(contract_id="C7")], ignore_index=True
    )
    documents = archive.judge_contracts(contracts, STAFF)["documents"]
    assert documents.iloc[1] == documents.iloc[6] == ["盖章页", "授权书"]
    assert documents.iloc[1] is not documents.iloc[6]


def test_all_archived_is_complete():
    done = CONTRACTS.assign(archive_status="archived", missing_documents=None)
    table = archive.contract_archive(done, STAFF).set_index("unit_code")
    assert table.loc["X01", "completeness"] == 1.0
    assert archive.missing_documents(done, STAFF).empty


def test_missing_documents_lists_each_unarchived_contract():
    table = archive.missing_documents(CONTRACTS, STAFF)
    assert table["contract_id"].tolist() == ["C2", "C3", "C6"]
    by_id = table.set_index("contract_id")
    assert by_id.loc["C2", "missing_documents"] == ["盖章页", "授权书"]
    assert by_id.loc["C3", "missing_documents"] == []  # whole file absent
    assert by_id.loc["C6", "missing_documents"] == ["营业执照", "授权书", "资费确认单"]
    assert by_id["documents_missing"].tolist() == [2, 0, 3]
    assert by_id.loc["C6", "unit_code"] == "X02"
    assert by_id.loc["C2", "customer_name"] == "乙公司"
    assert not by_id["status_conflict"].any()


def test_contradictory_status_is_shown_not_dropped():
    odd = CONTRACTS.copy()
    odd.loc[0, "missing_documents"] = "授权书"  # archived, yet a document is missing
    odd.loc[1, "missing_documents"] = None  # partial, yet nothing listed
    table = archive.missing_documents(odd, STAFF).set_index("contract_id")
    assert table.loc["C1", "status_conflict"]
    assert table.loc["C1", "archive_status"] == "archived"
    assert table.loc["C2", "status_conflict"]
    assert not table.loc["C3", "status_conflict"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("staff_id", "S09999", r"staff not in the staff table: \['S09999'\]"),
        ("archive_status", "已归档", r"archive_status must be one of .*\['C1'\]"),
    ],
)
def test_bad_contracts_are_refused(column, value, message):
    bad = CONTRACTS.copy()
    bad.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        archive.contract_archive(bad, STAFF)
    with pytest.raises(ValueError, match=message):
        archive.missing_documents(bad, STAFF)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="missing_documents"):
        archive.contract_archive(CONTRACTS.drop(columns="missing_documents"), STAFF)
