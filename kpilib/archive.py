"""Contract archive (合同档案): completeness per unit and the documents still missing.

Both functions take the canonical ``contracts`` and ``staff`` tables (see
:mod:`kpilib.schema`); a contract belongs to the unit of its responsible customer
manager. ``missing_documents`` in the input is a ``;``-separated list (the full-width
``；`` and ``、`` are accepted too).
"""

from __future__ import annotations

import pandas as pd

from kpilib.schema import ARCHIVE_STATUSES

_SEPARATORS = r"[;；、]"
_CONTRACT_COLUMNS = ("contract_id", "staff_id", "archive_status", "missing_documents")


def _with_unit(contracts: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _CONTRACT_COLUMNS if c not in contracts.columns]
    if missing:
        raise ValueError(f"contracts is missing column(s) {missing}")
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
    return contracts.assign(unit_code=units, documents=_documents(contracts["missing_documents"]))


def _documents(text: pd.Series) -> pd.Series:
    """Split the ';'-separated lists into Python lists (blank → empty list)."""
    parts = text.astype("string").fillna("").str.split(_SEPARATORS, regex=True)
    return parts.map(lambda items: [item.strip() for item in items if item.strip()]).astype(object)


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
    frame = _with_unit(contracts, staff)
    units = pd.Index(sorted(staff["unit_code"].dropna().unique()), name="unit_code")
    counts = (
        pd.crosstab(frame["unit_code"], frame["archive_status"])
        .reindex(index=units, columns=list(ARCHIVE_STATUSES), fill_value=0)
        .astype("int64")
    )
    out = counts.rename_axis(columns=None)
    out.insert(0, "contracts", out.sum(axis=1).astype("int64"))
    out["completeness"] = out["archived"] / out["contracts"].where(out["contracts"] > 0)
    listed = frame["documents"].map(len).groupby(frame["unit_code"]).sum()
    out["documents_missing"] = listed.reindex(units, fill_value=0).astype("int64")
    return out.reset_index()


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
    frame = _with_unit(contracts, staff)
    listed = frame["documents"].map(len).astype("int64")
    status = frame["archive_status"]
    conflict = ((status == "archived") & (listed > 0)) | ((status == "partial") & (listed == 0))
    keep = (status != "archived") | conflict
    out = frame.assign(documents_missing=listed, status_conflict=conflict.astype(bool))[keep]
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
