"""Contract archive (合同档案): completeness per unit and the documents still missing.

:func:`judge_contracts` decides the facts of every contract; :func:`contract_archive`,
:func:`missing_documents` and the scorecard's contract facts
(:func:`kpilib.duties.facts.month_facts`: the 合同归档率) are all counted from it. Every
function takes the canonical ``contracts`` and ``staff`` tables (see
:mod:`kpilib.contract.schema`). The rules:

- a contract belongs to its responsible customer manager and to that person's unit;
- a contract is *archived* when its ``archive_status`` is ``archived``; the status
  decides, also when the file still lists missing documents (that contradiction is
  shown by :func:`missing_documents` as ``status_conflict``, for the data to be fixed);
- the completeness (建档率 / 合同归档率) is archived / contracts; with no contract it is
  not applicable (NaN).

``missing_documents`` in the input is a ``;``-separated list (the full-width ``；`` and
``、`` are accepted too).
"""

from __future__ import annotations

import re

import pandas as pd

from kpilib.contract.schema import ARCHIVE_STATUSES, require_columns
from kpilib.duties.tally import rate, tally

_SEPARATORS = r"[;；、]"
_CONTRACT_COLUMNS = ("contract_id", "staff_id", "archive_status", "missing_documents")


def judge_contracts(contracts: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    """The facts of every contract (the rules of the module docstring).

    Parameters
    ----------
    contracts, staff : the month's canonical tables.

    Returns
    -------
    DataFrame, one row per contract in the input order, the input's columns and
        unit_code : str, the responsible staff member's unit.
        documents : list of str, the missing documents listed (may be empty).
        documents_missing : int, length of that list.
        archived : bool, status ``archived``.
        partly_archived : bool, status ``partial``.
        not_archived : bool, status ``missing``.
        status_conflict : bool, ``archived`` with documents listed, or ``partial``
            with none.

    Raises
    ------
    ValueError
        If a column is missing, a contract's staff member is not in ``staff`` or its
        status is unknown.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001"], "unit_code": ["X01"]})
    >>> contracts = pd.DataFrame({"contract_id": ["C1", "C2"], "staff_id": ["S00001"] * 2,
    ...     "archive_status": ["archived", "archived"],
    ...     "missing_documents": [None, "授权书"]})
    >>> judge_contracts(contracts, staff)[["contract_id", "archived", "status_conflict"]]
      contract_id  archived  status_conflict
    0          C1      True            False
    1          C2      True             True
    """
    require_columns(contracts, "contracts", _CONTRACT_COLUMNS)
    if "unit_code" not in staff.columns or "staff_id" not in staff.columns:
        raise ValueError("staff must have columns 'staff_id' and 'unit_code'")
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    units = contracts["staff_id"].map(unit_of)
    if units.isna().any():
        unknown = sorted(map(str, contracts.loc[units.isna(), "staff_id"].unique()))
        raise ValueError(f"contracts of staff not in the staff table: {unknown[:10]}")
    bad = ~contracts["archive_status"].isin(ARCHIVE_STATUSES)
    if bad.any():
        raise ValueError(
            f"archive_status must be one of {list(ARCHIVE_STATUSES)}, got "
            f"{sorted(map(str, contracts.loc[bad, 'archive_status'].unique()))} "
            f"(contracts {sorted(map(str, contracts.loc[bad, 'contract_id']))[:10]})"
        )
    documents = _documents(contracts["missing_documents"])
    listed = documents.map(len).astype("int64")
    status = contracts["archive_status"]
    return contracts.assign(
        unit_code=units,
        documents=documents,
        documents_missing=listed,
        archived=(status == "archived").to_numpy(bool),
        partly_archived=(status == "partial").to_numpy(bool),
        not_archived=(status == "missing").to_numpy(bool),
        status_conflict=(
            ((status == "archived") & (listed > 0)) | ((status == "partial") & (listed == 0))
        ).to_numpy(bool),
    )


def _documents(text: pd.Series) -> pd.Series:
    """Split the ';'-separated lists into Python lists (blank → empty list)."""
    texts = text.astype("string").fillna("")
    # Contracts share few distinct lists (most list none): split each distinct text once,
    # then give every contract its own copy of its list.
    split = {
        value: [item.strip() for item in re.split(_SEPARATORS, value) if item.strip()]
        for value in texts.unique()
    }
    return pd.Series(
        [list(split[value]) for value in texts.tolist()],
        index=text.index,
        dtype=object,
        name=text.name,
    )


def contract_archive(contracts: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    """Archive completeness (建档率) per unit of the responsible customer managers.

    Parameters
    ----------
    contracts, staff : the month's canonical tables.

    Returns
    -------
    DataFrame, one row per unit of ``staff`` (zeros when it has no contracts), columns
        unit_code : str.
        contracts : int, contracts in the archive.
        archived : int, fully archived (``archived``).
        partial : int, partly archived (``partial``).
        missing : int, not archived at all (``missing``).
        completeness : float, archived / contracts; NaN when the unit has no contract.
        documents_missing : int, missing documents listed across the unit's contracts.

    Raises
    ------
    ValueError
        If a contract's staff member is not in ``staff`` or its status is unknown.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001", "S00002"], "unit_code": ["X01", "Z01"]})
    >>> contracts = pd.DataFrame({"contract_id": ["C1", "C2"], "staff_id": ["S00001"] * 2,
    ...     "archive_status": ["archived", "partial"],
    ...     "missing_documents": [None, "营业执照;授权书"]})
    >>> contract_archive(contracts, staff)[["unit_code", "contracts", "completeness",
    ...     "documents_missing"]]
      unit_code  contracts  completeness  documents_missing
    0       X01          2           0.5                  2
    1       Z01          0           NaN                  0
    """
    judged = judge_contracts(contracts, staff)
    units = pd.Index(sorted(staff["unit_code"].dropna().unique()), name="unit_code")
    out = tally(
        judged,
        units,
        size="contracts",
        sums={
            "archived": "archived",
            "partial": "partly_archived",
            "missing": "not_archived",
            "documents_missing": "documents_missing",
        },
    )
    out["completeness"] = rate(out["archived"], out["contracts"])
    columns = ["contracts", "archived", "partial", "missing", "completeness", "documents_missing"]
    return out[columns].reset_index()


def missing_documents(contracts: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    """One row per contract that is not fully archived, or whose status and list disagree.

    A contract marked ``archived`` that still lists missing documents, or marked
    ``partial`` with no document listed, is included with ``status_conflict`` set so
    that the contradiction is seen rather than dropped.

    Parameters
    ----------
    contracts, staff : the month's canonical tables.

    Returns
    -------
    DataFrame, ordered by unit_code, staff_id and contract_id, columns
        contract_id, unit_code, staff_id : str.
        customer_id, customer_name : str (when present in ``contracts``).
        signed_date : datetime64 (when present in ``contracts``).
        archive_status : str, ``partial``, ``missing`` or (with a conflict) ``archived``.
        missing_documents : list of str, the documents listed as missing (may be empty:
            a ``missing`` contract's whole file is absent).
        documents_missing : int, length of that list.
        status_conflict : bool, the status contradicts the list.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S00001"], "unit_code": ["X01"]})
    >>> contracts = pd.DataFrame({"contract_id": ["C1", "C2", "C3"], "staff_id": ["S00001"] * 3,
    ...     "archive_status": ["archived", "partial", "missing"],
    ...     "missing_documents": [None, "营业执照; 授权书", None]})
    >>> table = missing_documents(contracts, staff)
    >>> table["contract_id"].tolist(), table["missing_documents"].tolist()
    (['C2', 'C3'], [['营业执照', '授权书'], []])
    """
    judged = judge_contracts(contracts, staff)
    out = judged[~judged["archived"] | judged["status_conflict"]]
    out = out.drop(columns="missing_documents").rename(columns={"documents": "missing_documents"})
    optional = [c for c in ("customer_id", "customer_name", "signed_date") if c in out.columns]
    columns = [
        "contract_id", "unit_code", "staff_id", *optional, "archive_status",
        "missing_documents", "documents_missing", "status_conflict",
    ]  # fmt: skip
    return (
        out[columns]
        .sort_values(["unit_code", "staff_id", "contract_id"], kind="stable")
        .reset_index(drop=True)
    )
