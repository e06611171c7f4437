"""Checks of the month (汇总检查): centres' submitted results and the revenue records.

- :func:`reconcile_centre_results` compares what each centre submitted for its staff
  with the recomputation in a :class:`~kpilib.scoring.scorecard.Scorecard`;
- :func:`duplicate_revenue` finds revenue records entered twice (identical in all but
  the record number).

The revenue records are reconciled against finance's booked revenue in
:mod:`kpilib.duties.finance`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpilib.contract.schema import TABLES, TOTAL_INDICATOR
from kpilib.scoring.scorecard import Scorecard

__all__ = ["duplicate_revenue", "reconcile_centre_results"]

CENTRE_ISSUES = ("mismatch", "indicator_mismatch", "missing", "extra")
_CENTRE_COLUMNS = [
    "unit_code",
    "staff_id",
    "name",
    "issue",
    "submitted_total",
    "recomputed_total",
    "difference",
    "indicator",
    "submitted_score",
    "recomputed_score",
    "differing_indicators",
    "differing_indicator_names",
    "message",
]


def reconcile_centre_results(
    scorecard: Scorecard, centre_results: pd.DataFrame, *, tolerance: float = 0.01
) -> pd.DataFrame:
    """Compare each centre's submitted scores with the recomputed ones (汇总检查).

    Every centre is expected to submit, for each of its staff members, the weighted score
    of each applicable indicator and the total (``indicator == "total"``,
    :data:`kpilib.contract.schema.TOTAL_INDICATOR`).

    Parameters
    ----------
    scorecard : Scorecard
        The month recomputed by :func:`kpilib.duties.facts.score_month`.
    centre_results : DataFrame
        Canonical ``centre_results`` table: ``unit_code``, ``staff_id``, ``indicator``,
        ``score``.
    tolerance : float, default 0.01
        Largest absolute difference in points that is not reported.

    Returns
    -------
    DataFrame
        One row per problem, sorted by unit and staff. Columns:

        - ``unit_code``: the submitting centre (for ``missing``: the staff's centre);
        - ``staff_id``, ``name`` (name "" when the id is not a staff member);
        - ``issue``: ``mismatch`` (submitted total differs from the recomputed one by more
          than ``tolerance``), ``indicator_mismatch`` (totals agree but an indicator
          differs), ``missing`` (a scored staff member of a centre without a submitted
          total), ``extra`` (submitted for someone who is not a scored staff member of
          that centre, or a row without a total);
        - ``submitted_total``, ``recomputed_total``, ``difference`` (submitted minus
          recomputed; NaN where one side is absent);
        - ``indicator``: the indicator that alone explains the difference (its own
          difference is within ``tolerance`` of the total's), else None;
        - ``submitted_score``, ``recomputed_score``: that indicator's two weighted scores;
        - ``differing_indicators``: every indicator differing beyond the tolerance,
          comma-separated ("" when none);
        - ``differing_indicator_names``: the same indicators by their Chinese names,
          separated by "、" (what the reports show);
        - ``message``: the finding in Chinese.

    Examples
    --------
    An empty submission against an empty scorecard finds nothing:

    >>> from kpilib.scoring.scorecard import Scorecard
    >>> empty = pd.DataFrame(columns=["staff_id", "name", "unit_code", "role", "total"])
    >>> units = pd.DataFrame(columns=["unit_code", "unit_type"])
    >>> long = pd.DataFrame(columns=["entity_type", "entity_id", "indicator",
    ...                              "indicator_name", "weighted_score", "applicable"])
    >>> sc = Scorecard("2026-10", long, empty, units, pd.DataFrame(), pd.DataFrame())
    >>> cr = pd.DataFrame(columns=["unit_code", "staff_id", "indicator", "score"])
    >>> len(reconcile_centre_results(sc, cr))
    0
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance!r}")
    missing_cols = {"unit_code", "staff_id", "indicator", "score"} - set(centre_results.columns)
    if missing_cols:
        raise ValueError(f"centre_results lacks the columns {sorted(missing_cols)}")
    staff = scorecard.staff.set_index("staff_id")
    centres = set(scorecard.units.loc[scorecard.units["unit_type"] == "centre", "unit_code"])
    scored = staff[staff["total"].notna()]
    cr = centre_results.assign(
        unit_code=centre_results["unit_code"].astype(str),
        staff_id=centre_results["staff_id"].astype(str),
        indicator=centre_results["indicator"].astype(str),
        score=centre_results["score"].astype(float),
    )
    recomputed, names = _recomputed_scores(scorecard)
    totals = cr[cr["indicator"] == TOTAL_INDICATOR]
    parts = cr[cr["indicator"] != TOTAL_INDICATOR]
    # a total is valid when it is for a scored staff member of the submitting centre
    valid = totals["staff_id"].isin(scored.index) & (
        totals["staff_id"].map(staff["unit_code"]).astype(object) == totals["unit_code"]
    )
    findings = _extra_findings(totals[~valid], parts, totals, staff, scored)
    findings += _missing_findings(scored, centres, set(totals.loc[valid, "staff_id"]))
    submitted = _by_staff(parts["staff_id"], parts["indicator"], parts["score"], "submitted")
    rec_by_staff = _by_staff(
        recomputed.index.get_level_values(0),
        recomputed.index.get_level_values(1),
        recomputed,
        "recomputed",
    )
    for row in totals[valid].itertuples(index=False):
        found = _mismatch_finding(
            row,
            staff,
            submitted.get(row.staff_id, {}),
            rec_by_staff.get(row.staff_id, {}),
            names,
            tolerance,
        )
        if found is not None:
            findings.append(found)
    out = pd.DataFrame(findings, columns=_CENTRE_COLUMNS)
    return out.sort_values(["unit_code", "staff_id", "issue"], kind="stable").reset_index(drop=True)


def _name_of(staff: pd.DataFrame, sid: str) -> str:
    """The staff member's name, "" when ``sid`` is not a staff member."""
    return str(staff.loc[sid, "name"]) if sid in staff.index else ""


def _recomputed_scores(scorecard: Scorecard) -> tuple[pd.Series, dict[str, str]]:
    """Recomputed weighted scores of staff by (staff_id, indicator), applicable only; and
    indicator code -> Chinese name."""
    long = scorecard.long
    names = dict(zip(long["indicator"], long["indicator_name"], strict=True))
    sl = long[(long["entity_type"] == "staff") & long["applicable"].astype(bool)]
    recomputed = pd.Series(
        sl["weighted_score"].to_numpy(dtype=float),
        index=pd.MultiIndex.from_arrays([sl["entity_id"], sl["indicator"]]),
    )
    return recomputed, names


def _extra_findings(
    invalid_totals: pd.DataFrame,
    parts: pd.DataFrame,
    totals: pd.DataFrame,
    staff: pd.DataFrame,
    scored: pd.DataFrame,
) -> list[dict[str, object]]:
    """``extra``: totals for someone not a scored staff member of the submitting centre,
    and indicator scores submitted without a total."""
    findings = []
    for row in invalid_totals.itertuples(index=False):
        sid = row.staff_id
        if sid not in staff.index:
            why = "不是在册人员"
        elif staff.loc[sid, "unit_code"] != row.unit_code:
            why = f"属于{staff.loc[sid, 'unit_code']}，不属于{row.unit_code}"
        else:
            why = "本月无可计分指标，不应报送总分"
        rec = staff.loc[sid, "total"] if sid in scored.index else np.nan
        findings.append(
            _finding(row.unit_code, sid, _name_of(staff, sid), "extra", row.score, rec, message=why)
        )
    without_total = parts[~parts["staff_id"].isin(totals["staff_id"])]
    for (unit, sid), _ in without_total.groupby(["unit_code", "staff_id"], sort=True):
        findings.append(
            _finding(
                unit,
                sid,
                _name_of(staff, sid),
                "extra",
                np.nan,
                np.nan,
                message="报送了指标得分但无总分",
            )
        )
    return findings


def _missing_findings(
    scored: pd.DataFrame, centres: set[str], submitted_ids: set[str]
) -> list[dict[str, object]]:
    """``missing``: scored staff of a centre without a valid submitted total."""
    expected = scored[scored["unit_code"].isin(centres)]
    return [
        _finding(
            row["unit_code"],
            sid,
            row["name"],
            "missing",
            np.nan,
            row["total"],
            message="中心未报送该人员的考核结果",
        )
        for sid, row in expected[~expected.index.isin(submitted_ids)].iterrows()
    ]


def _by_staff(
    staff_ids: Any, indicators: Any, scores: Any, what: str
) -> dict[str, dict[str, float]]:
    """Scores by staff member, then indicator (in row order), read once for all totals.

    Raises ValueError naming a staff member with two scores for one indicator.
    """
    out: dict[str, dict[str, float]] = {}
    values = np.asarray(scores, dtype=float)
    for sid, code, score in zip(staff_ids, indicators, values, strict=True):
        own = out.setdefault(sid, {})
        if code in own:
            raise ValueError(f"{what} scores name staff {sid!r} indicator {code!r} twice")
        own[code] = float(score)
    return out


def _mismatch_finding(
    row: Any,
    staff: pd.DataFrame,
    sub_parts: dict[str, float],
    rec_parts: dict[str, float],
    names: dict[str, str],
    tolerance: float,
) -> dict[str, object] | None:
    """``mismatch`` or ``indicator_mismatch`` for one valid submitted total, or None.

    ``sub_parts``, ``rec_parts``: the staff member's submitted and recomputed weighted
    scores by indicator (:func:`_by_staff`).
    """
    sid = row.staff_id
    rec_total = float(staff.loc[sid, "total"])
    diff = row.score - rec_total
    codes = list(dict.fromkeys([*rec_parts, *sub_parts]))
    s = {c: sub_parts.get(c, np.nan) for c in codes}
    r = {c: rec_parts.get(c, np.nan) for c in codes}
    # a missing or NaN score counts as 0 in the difference (and makes the indicator differ)
    d = {c: (0.0 if s[c] != s[c] else s[c]) - (0.0 if r[c] != r[c] else r[c]) for c in codes}
    differing = [c for c in codes if abs(d[c]) > tolerance or s[c] != s[c] or r[c] != r[c]]
    if abs(diff) <= tolerance and not differing:
        return None
    issue = "mismatch" if abs(diff) > tolerance else "indicator_mismatch"
    explain = _explaining_indicator(issue, differing, d, diff, tolerance)
    return _finding(
        row.unit_code,
        sid,
        _name_of(staff, sid),
        issue,
        row.score,
        rec_total,
        indicator=explain,
        submitted_score=s.get(explain, np.nan) if explain else np.nan,
        recomputed_score=r.get(explain, np.nan) if explain else np.nan,
        differing=differing,
        names=names,
    )


def _explaining_indicator(
    issue: str, differing: list[str], d: dict[str, float], diff: float, tolerance: float
) -> str | None:
    """The indicator that alone explains the difference: for a total mismatch, the
    largest differing indicator whose own difference is within ``tolerance`` of the
    total's; for an indicator mismatch, the only differing indicator."""
    if issue == "mismatch":
        close = [c for c in differing if abs(d[c] - diff) <= tolerance]
        return max(close, key=lambda c: abs(d[c])) if close else None
    return differing[0] if len(differing) == 1 else None


def _finding(
    unit: str,
    sid: str,
    name: str,
    issue: str,
    submitted: float,
    recomputed: float,
    *,
    indicator: str | None = None,
    submitted_score: float = np.nan,
    recomputed_score: float = np.nan,
    differing: list[str] | None = None,
    names: dict[str, str] | None = None,
    message: str = "",
) -> dict[str, object]:
    diff = submitted - recomputed
    if not message:
        # the reader sees indicators named as the scheme names them in Chinese (the
        # ``indicator`` column keeps the code)
        named = {code: (names or {}).get(code, code) for code in differing or []}
        if indicator:
            named[indicator] = (names or {}).get(indicator, indicator)
        message = f"报送总分{submitted:.2f}，复核总分{recomputed:.2f}，相差{diff:+.2f}"
        if issue == "indicator_mismatch":
            message = f"总分一致，但指标得分不一致：{'、'.join(named.values())}"
        elif indicator:
            message += (
                f"；差异来自指标{named[indicator]}（报送{submitted_score:.2f}，"
                f"复核{recomputed_score:.2f}）"
            )
        elif differing:
            message += f"；多个指标不一致：{'、'.join(named[c] for c in differing)}"
    return {
        "unit_code": unit,
        "staff_id": sid,
        "name": name,
        "issue": issue,
        "submitted_total": submitted,
        "recomputed_total": recomputed,
        "difference": diff,
        "indicator": indicator,
        "submitted_score": submitted_score,
        "recomputed_score": recomputed_score,
        "differing_indicators": ",".join(differing or []),
        "differing_indicator_names": "、".join((names or {}).get(c, c) for c in differing or []),
        "message": message,
    }


def duplicate_revenue(revenue: pd.DataFrame) -> pd.DataFrame:
    """Revenue records identical in every column but the record number (流水号).

    Parameters
    ----------
    revenue : DataFrame
        Canonical ``revenue`` table.

    Returns
    -------
    DataFrame
        One row per record that belongs to a group of two or more identical records,
        sorted by group. Columns: ``group`` (1, 2, ... per set of identical records),
        ``records`` (size of the group), ``record_id``, then the other revenue columns
        (``staff_id``, ``customer_id``, ``contract_id``, ``product``, ``amount_fen``,
        ``booked_date``). ``amount_fen`` of the surplus copies
        (``records - 1`` x amount) is what the group over-counts.

    Examples
    --------
    >>> rev = pd.DataFrame({"record_id": ["R1", "R2", "R3"], "staff_id": "S00001",
    ...     "customer_id": "G1", "contract_id": "K1", "product": "专线",
    ...     "amount_fen": [5000, 5000, 7000], "booked_date": pd.Timestamp("2026-10-05")})
    >>> duplicate_revenue(rev)[["group", "records", "record_id"]].to_dict("records")
    [{'group': 1, 'records': 2, 'record_id': 'R1'}, {'group': 1, 'records': 2, 'record_id': 'R2'}]
    """
    others = [c for c in TABLES["revenue"].column_names if c != "record_id"]
    missing = [c for c in ["record_id", *others] if c not in revenue.columns]
    if missing:
        raise ValueError(f"revenue lacks the columns {missing}")
    dup = revenue[revenue.duplicated(subset=others, keep=False)]
    if dup.empty:
        return pd.DataFrame(columns=["group", "records", "record_id", *others])
    group = dup.groupby(others, sort=True, dropna=False).ngroup() + 1
    dup = dup.assign(group=group.to_numpy())
    dup = dup.assign(records=dup.groupby("group")["record_id"].transform("size").to_numpy())
    dup = dup.sort_values(["group", "record_id"], kind="stable")
    return dup[["group", "records", "record_id", *others]].reset_index(drop=True)
