"""Designing next year's scheme (docs/methods.md §2.5): weights from the last months' data.

From the shared results' ``history_indicators`` and ``history_units`` tables of a month
(the unit scorecards of the last months) and the current :class:`~kpilib.scoring.scheme.Scheme`:

- :func:`design_history`: each unit's actual value and raw score (percent of the
  weight) of every indicator of its unit type, month by month;
- :func:`indicator_matrix`: each unit's mean actual over those months (the decision
  matrix of the objective weights);
- :func:`design_from_mapping`, :func:`ahp_consistency`: the analysts' pairwise
  comparison matrices (AHP) per unit type, checked, with their consistency ratios;
- :func:`weight_comparison`: the current weights against AHP, entropy and CRITIC
  weights and the proposal, in fractions and in whole points summing to 100;
- :func:`rank_stability`: each unit's rank under the current and the proposed weights,
  and its rank interval when the proposed weights are perturbed (Monte Carlo, Dirichlet);
- :func:`proposed_scheme`: the current scheme's mapping with the proposed unit
  weights, validated by :func:`~kpilib.scoring.scheme.scheme_from_dict`.

Only the unit-type weights are designed here; the staff weights, scoring methods,
bonuses, deductions and vetoes are carried over unchanged. Reading and writing the
YAML files is :mod:`kpilib.report.store`'s job.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from kpilib.contract.calendar import months_back
from kpilib.contract.schema import UNIT_TYPES
from kpilib.errors import SchemeError
from kpilib.exact import largest_remainder
from kpilib.scoring.scheme import Scheme, scheme_from_dict
from kpilib.scoring.weights import AHPResult, ahp, critic_weights, entropy_weights

__all__ = [
    "CR_LIMIT",
    "METHODS",
    "PROPOSALS",
    "Design",
    "ahp_consistency",
    "ahp_weights",
    "design_from_mapping",
    "design_history",
    "indicator_matrix",
    "proposed_scheme",
    "rank_stability",
    "weight_comparison",
]

#: AHP judgements are refused unless their consistency ratio is below this (Saaty 1980).
CR_LIMIT = 0.1
#: The weighting methods compared, in the order of the comparison table's columns.
METHODS = ("ahp", "entropy", "critic")
#: What the proposal can be: one method, or ``combined`` (see :func:`weight_comparison`).
PROPOSALS = ("ahp", "entropy", "critic", "combined")
Proposal = Literal["ahp", "entropy", "critic", "combined"]


# --------------------------------------------------------------------------- design file
@dataclass(frozen=True)
class Design:
    """The design parameters (``params/scheme_design.yaml``), checked.

    Attributes
    ----------
    name : the proposed scheme's name.
    year : the proposed scheme's year.
    judgements : unit type -> pairwise comparison matrix (DataFrame labelled by the
        indicator codes on rows and columns; entries as written, e.g. ``"1/5"``).
    origin : where the parameters came from (the file), for error messages.
    """

    name: str
    year: int
    judgements: Mapping[str, pd.DataFrame]
    origin: str = "<dict>"


def design_from_mapping(raw: Any, *, scheme: Scheme, origin: str = "<dict>") -> Design:
    """Check the design parameters given as the mapping their YAML file parses into.

    The file holds ``name``, ``year`` and, under ``ahp``, one block per unit type of
    the scheme with ``indicators`` (the unit type's indicator codes, each once, in the
    order of the matrix) and ``matrix`` (the pairwise comparisons, Saaty's 1-9 scale,
    reciprocals written exactly as ``1/5`` or ``"1/5"``).

    Raises
    ------
    SchemeError
        Naming the file, the place in it (``ahp.county.matrix``) and the wrong value,
        with every problem found. The consistency ratio is not checked here (see
        :func:`ahp_weights`).
    """
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise SchemeError(f"{origin}: the design parameters must be a mapping, got {raw!r}")
    name, year, block = raw.get("name"), raw.get("year"), raw.get("ahp")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"name: the proposed scheme's name must be a text, got {name!r}")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(f"year: the proposed scheme's year must be a year like 2027, got {year!r}")
    judgements: dict[str, pd.DataFrame] = {}
    if not isinstance(block, Mapping):
        problems.append(f"ahp: one block per unit type ({', '.join(UNIT_TYPES)}), got {block!r}")
        block = {}
    for unit_type in [t for t in block if t not in scheme.unit_weights]:
        problems.append(
            f"ahp.{unit_type}: unknown unit type; the scheme has {', '.join(scheme.unit_weights)}"
        )
    for unit_type, weights in scheme.unit_weights.items():
        where = f"ahp.{unit_type}"
        spec = block.get(unit_type)
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: missing (indicators and matrix of the unit type)")
            continue
        codes, matrix = spec.get("indicators"), spec.get("matrix")
        expected = sorted(weights)
        if (
            not isinstance(codes, list)
            or len(set(map(str, codes))) != len(codes)
            or sorted(map(str, codes)) != expected
        ):
            problems.append(
                f"{where}.indicators: must list each of {', '.join(expected)} once, got {codes!r}"
            )
            continue
        n = len(codes)
        if (
            not isinstance(matrix, list)
            or len(matrix) != n
            or not all(isinstance(row, list) and len(row) == n for row in matrix)
        ):
            problems.append(f"{where}.matrix: must be {n} rows of {n} judgements, got {matrix!r}")
            continue
        frame = pd.DataFrame(matrix, index=list(codes), columns=list(codes), dtype=object)
        try:
            ahp(frame)
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}.matrix: {exc}")
            continue
        judgements[unit_type] = frame
    if problems:
        lines = "\n".join(f"- {p}" for p in problems)
        raise SchemeError(
            f"{origin}: {len(problems)} problem(s) in the design parameters:\n{lines}"
        )
    return Design(str(name), int(year), judgements, origin)


def _worst_judgement(matrix: pd.DataFrame, res: AHPResult) -> str:
    """The judgement farthest (in log ratio) from the one the weights imply."""
    a = np.asarray(pd.DataFrame(matrix).map(_as_float), dtype=float)
    w = np.asarray(res.weights, dtype=float)
    gap = np.abs(np.log(a * w[None, :] / w[:, None]))
    i, j = np.unravel_index(int(np.argmax(np.triu(gap, 1))), gap.shape)
    codes = list(matrix.columns)
    return (
        f"{codes[i]} against {codes[j]} (given {matrix.iloc[i, j]}, the weights imply "
        f"{w[i] / w[j]:.2f})"
    )


def _as_float(value: Any) -> float:
    return float(Fraction(value.strip())) if isinstance(value, str) else float(value)


def ahp_consistency(design: Design) -> pd.DataFrame:
    """Consistency of each unit type's pairwise comparisons (AHP, principal eigenvector).

    Returns
    -------
    DataFrame, one row per unit type: ``unit_type``, ``criteria`` (n), ``lambda_max``,
    ``ci`` ((λmax − n) / (n − 1)), ``ri`` (Saaty's random index for n), ``cr`` (CI / RI),
    ``consistent`` (CR < :data:`CR_LIMIT`).
    """
    rows = []
    for unit_type, matrix in design.judgements.items():
        res = ahp(matrix)
        rows.append(
            {
                "unit_type": unit_type,
                "criteria": len(matrix),
                "lambda_max": res.lambda_max,
                "ci": res.ci,
                "ri": res.ri,
                "cr": res.cr,
                "consistent": bool(res.cr < CR_LIMIT),
            }
        )
    columns = ["unit_type", "criteria", "lambda_max", "ci", "ri", "cr", "consistent"]
    return pd.DataFrame(rows, columns=columns)


def ahp_weights(design: Design) -> pd.DataFrame:
    """AHP weights of every unit type; refused when a matrix's CR is not below 0.1.

    Returns
    -------
    DataFrame: ``unit_type``, ``indicator``, ``ahp`` (weight, summing to 1 per unit type).

    Raises
    ------
    SchemeError
        When a unit type's consistency ratio is at least :data:`CR_LIMIT`, naming the
        file, the unit type, CR, λmax, CI, RI and the judgement that departs most from
        the weights, and saying what to do.
    """
    frames = []
    for unit_type, matrix in design.judgements.items():
        res = ahp(matrix)
        if not res.cr < CR_LIMIT:
            raise SchemeError(
                f"{design.origin}: ahp.{unit_type}: the consistency ratio CR = {res.cr:.3f} is "
                f"not below {CR_LIMIT} (lambda_max = {res.lambda_max:.3f}, CI = {res.ci:.3f}, "
                f"RI = {res.ri}); the judgements contradict each other, most of all "
                f"{_worst_judgement(matrix, res)}: revise the matrix and run again"
            )
        frames.append(
            pd.DataFrame(
                {
                    "unit_type": unit_type,
                    "indicator": list(matrix.columns),
                    "ahp": np.asarray(res.weights, dtype=float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- history
HISTORY_COLUMNS = [
    *("month", "unit_code", "unit_name", "unit_type", "indicator", "indicator_name"),
    *("direction", "actual", "raw_score", "applicable"),
]


def design_history(
    history_indicators: pd.DataFrame,
    history_units: pd.DataFrame,
    *,
    scheme: Scheme,
    month: str,
    months: int = 12,
) -> pd.DataFrame:
    """Every unit's indicators of the ``months`` months ending with ``month``.

    The raw score (percent of the weight, docs/methods.md §1.7) is recovered from the
    stored weighted score: ``raw_j = weighted_j × Σ_applicable w / w_j`` with the
    scheme's weights of the unit type (the effective weight re-normalises the weights
    over the applicable indicators). The history must have been scored under
    ``scheme`` (the shared results are: every month of a run is scored under the report
    year's scheme).

    Parameters
    ----------
    history_indicators : the shared table (month, unit_code, indicator, indicator_name,
        actual, weighted_score).
    history_units : the shared table (month, unit_code, unit_name, unit_type, ...).
    scheme : the scheme the history was scored under.
    month : the last month, ``YYYY-MM``.
    months : how many months, at least 1.

    Returns
    -------
    DataFrame, one row per month, unit and indicator of its unit type: ``month``,
    ``unit_code``, ``unit_name``, ``unit_type``, ``indicator``, ``indicator_name``,
    ``direction`` (``higher`` | ``lower``), ``actual`` (NaN when not applicable),
    ``raw_score`` (NaN when not applicable), ``applicable`` (bool).

    Raises
    ------
    ValueError
        When a month of the window is missing from the history, naming it.
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"months must be a whole number of at least 1, got {months!r}")
    window = months_back(month, months)
    have = set(history_units["month"].astype(str))
    missing = [m for m in window if m not in have]
    if missing:
        raise ValueError(
            f"the history lacks {', '.join(missing)} of the {months} months ending {month}; "
            "lower months, or set history_months in params/run.yaml and run the month again"
        )
    units = history_units.loc[
        history_units["month"].astype(str).isin(window), ["month", "unit_code", "unit_name",
                                                           "unit_type"]
    ].astype({"month": str, "unit_code": str, "unit_type": str})  # fmt: skip
    ind = history_indicators.loc[history_indicators["month"].astype(str).isin(window)].astype(
        {"month": str, "unit_code": str, "indicator": str}
    )
    rows = units.merge(ind, on=["month", "unit_code"], how="inner", validate="one_to_many")
    weight = np.array(
        [
            scheme.unit_weights.get(t, {}).get(code, np.nan)
            for t, code in zip(rows["unit_type"], rows["indicator"], strict=True)
        ],
        dtype=float,
    )
    rows = rows.loc[~np.isnan(weight)].copy()
    weight = weight[~np.isnan(weight)]
    applicable = rows["weighted_score"].notna().to_numpy()
    rows["_w"] = np.where(applicable, weight, 0.0)
    total = rows.groupby(["month", "unit_code"])["_w"].transform("sum").to_numpy()
    rows["raw_score"] = np.where(
        applicable, rows["weighted_score"].to_numpy(dtype=float) * total / weight, np.nan
    )
    rows["actual"] = rows["actual"].where(applicable)
    rows["applicable"] = applicable
    rows["direction"] = [scheme.indicators[c].direction for c in rows["indicator"]]
    order = {code: k for t in scheme.unit_weights.values() for k, code in enumerate(t)}
    rows["_order"] = rows["indicator"].map(order)
    rows = rows.sort_values(["unit_type", "unit_code", "month", "_order"], kind="stable")
    return rows[HISTORY_COLUMNS].reset_index(drop=True)


def indicator_matrix(history: pd.DataFrame, *, unit_type: str) -> pd.DataFrame:
    """Each unit's mean actual over the months it was applicable, one unit type.

    Parameters
    ----------
    history : :func:`design_history`.
    unit_type : ``county`` or ``centre``.

    Returns
    -------
    DataFrame indexed by ``unit_code``, one column per indicator of the unit type (in
    the scheme's order): the mean of the monthly actuals (a rate as a fraction, a
    figure in its unit); NaN when the indicator never applied to the unit.
    """
    part = history[history["unit_type"] == unit_type]
    if part.empty:
        raise ValueError(
            f"no units of type {unit_type!r} in the history "
            f"(types: {', '.join(sorted(history['unit_type'].unique()))})"
        )
    codes = list(dict.fromkeys(part["indicator"]))
    wide = part.pivot_table(
        index="unit_code", columns="indicator", values="actual", aggfunc="mean", dropna=False
    )
    return wide.reindex(columns=codes).rename_axis(columns=None)


# --------------------------------------------------------------------------- weights
COMPARISON_COLUMNS = [
    *("unit_type", "indicator", "indicator_name", "direction", "current"),
    *METHODS,
    "proposed",
    "points",
]


def _objective(method: Any, matrix: pd.DataFrame, cost: np.ndarray) -> np.ndarray:
    """``method``'s weights of ``matrix``; a single indicator takes the whole weight."""
    if matrix.shape[1] == 1:
        return np.ones(1)
    return np.asarray(method(matrix, cost=cost), dtype=float)


def weight_comparison(
    history: pd.DataFrame,
    *,
    scheme: Scheme,
    design: Design,
    proposal: Proposal = "combined",
    ahp_share: float = 0.5,
) -> pd.DataFrame:
    """The current weights against AHP, entropy, CRITIC and the proposal, per unit type.

    Entropy (§2.2) and CRITIC (§2.3) weights are computed on :func:`indicator_matrix`
    (min-max normalised; ``direction: lower`` indicators as costs). An indicator that
    never applied to a unit (a centre without contracts) takes the mean of the units
    it applied to: a neutral value that adds no spread, so the unit still counts for
    the other indicators. The proposal
    is one method's weights, or ``combined``: ``ahp_share × AHP + (1 − ahp_share) ×
    (entropy + CRITIC) / 2`` (subjective judgement and the data's own information).
    ``points`` are the proposal in whole points summing exactly to 100 (largest
    remainder); an indicator with 0 points would leave the unit type's weights.

    Returns
    -------
    DataFrame, one row per unit type and indicator (the scheme's order): ``unit_type``,
    ``indicator``, ``indicator_name``, ``direction``, ``current``, ``ahp``, ``entropy``,
    ``critic``, ``proposed`` (fractions summing to 1 per unit type), ``points`` (int).

    Raises
    ------
    SchemeError
        From :func:`ahp_weights` (consistency ratio not below 0.1).
    ValueError
        On an unknown ``proposal`` or an ``ahp_share`` outside [0, 1].
    """
    if proposal not in PROPOSALS:
        raise ValueError(f"proposal must be one of {PROPOSALS}, got {proposal!r}")
    if (
        isinstance(ahp_share, bool)
        or not isinstance(ahp_share, int | float)
        or not (0 <= ahp_share <= 1)
    ):
        raise ValueError(f"ahp_share must be a number in [0, 1], got {ahp_share!r}")
    subjective = ahp_weights(design).set_index(["unit_type", "indicator"])["ahp"]
    frames = []
    for unit_type, weights in scheme.unit_weights.items():
        codes = list(weights)
        matrix = indicator_matrix(history, unit_type=unit_type)[codes]
        matrix = matrix.fillna(matrix.mean())
        cost = np.array([scheme.indicators[c].direction == "lower" for c in codes])
        out = pd.DataFrame(
            {
                "unit_type": unit_type,
                "indicator": codes,
                "indicator_name": [scheme.indicators[c].name for c in codes],
                "direction": [scheme.indicators[c].direction for c in codes],
                "current": np.array([weights[c] for c in codes], dtype=float) / 100.0,
                "ahp": [float(subjective[(unit_type, c)]) for c in codes],
                "entropy": _objective(entropy_weights, matrix, cost),
                "critic": _objective(critic_weights, matrix, cost),
            }
        )
        if proposal == "combined":
            mixed = ahp_share * out["ahp"] + (1 - ahp_share) * (out["entropy"] + out["critic"]) / 2
        else:
            mixed = out[proposal]
        out["proposed"] = mixed / mixed.sum()
        exact = [Fraction(float(v)) for v in out["proposed"]]
        total = sum(exact, Fraction(0))
        out["points"] = largest_remainder([q * 100 / total for q in exact])
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[COMPARISON_COLUMNS]


# --------------------------------------------------------------------------- ranks
STABILITY_COLUMNS = [
    *("unit_code", "unit_name", "unit_type", "score_current", "rank_current"),
    *("score_proposed", "rank_proposed", "rank_change", "rank_low", "rank_high"),
    *("p_same_rank", "peers"),
]


def _unit_scores(raw: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean over months of the weighted base score, for each row of ``weights``.

    ``raw``: units x months x indicators (NaN = not applicable); ``weights``:
    draws x indicators. Returns draws x units: ``mean_m Σ_j w_j r_umj / Σ_j w_j``
    (sums over the applicable indicators, §1.7); months with nothing applicable are
    left out of the mean.
    """
    applicable = ~np.isnan(raw)
    num = np.einsum("umk,dk->dum", np.where(applicable, raw, 0.0), weights)
    den = np.einsum("umk,dk->dum", applicable.astype(float), weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    counted = (~np.isnan(base)).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counted > 0, np.nansum(base, axis=2) / np.maximum(counted, 1), np.nan)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, ties share the best rank, per row (``min`` method)."""
    return rankdata(-scores, axis=-1, method="min")


def rank_stability(
    history: pd.DataFrame,
    comparison: pd.DataFrame,
    *,
    n_draws: int = 2000,
    concentration: float = 100.0,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Each unit's rank under the current and the proposed weights, and how firm it is.

    A unit's score under weights ``w`` is the mean, over the months of ``history``, of
    its weighted base score ``Σ_j w_j raw_j / Σ_j w_j`` over the applicable indicators
    (§1.7; bonuses, deductions and vetoes do not depend on the weights and are left
    out). Units are ranked within their type (1 = best). The proposed weights are then
    perturbed ``n_draws`` times, ``w ~ Dirichlet(concentration × proposed)`` over the
    indicators with a positive proposal (mean: the proposal; the larger
    ``concentration``, the closer the draws), and each unit's ranks over the draws give
    its interval.

    Parameters
    ----------
    history : :func:`design_history`.
    comparison : :func:`weight_comparison` (``current`` and ``proposed`` are used).
    n_draws : number of weight draws, at least 1.
    concentration : Dirichlet concentration, positive.
    seed : seed of NumPy's default generator: the same seed, the same draws.
    level : coverage of the rank interval, in (0, 1).

    Returns
    -------
    DataFrame, one row per unit (by unit type, then proposed rank): ``unit_code``,
    ``unit_name``, ``unit_type``, ``score_current``, ``rank_current``,
    ``score_proposed``, ``rank_proposed``, ``rank_change`` (rank_current −
    rank_proposed: positive moves up), ``rank_low``, ``rank_high`` (the central
    ``level`` interval of the ranks over the draws, from the draws' order statistics),
    ``p_same_rank`` (share of draws keeping the proposed rank), ``peers`` (units of
    the type).
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
        raise ValueError(f"n_draws must be a whole number of at least 1, got {n_draws!r}")
    if isinstance(concentration, bool) or not concentration > 0:
        raise ValueError(f"concentration must be a positive number, got {concentration!r}")
    if isinstance(level, bool) or not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    rng = np.random.default_rng(seed)
    frames = []
    for unit_type, weights in comparison.groupby("unit_type", sort=False):
        codes = list(weights["indicator"])
        part = history[history["unit_type"] == unit_type]
        cube = part.pivot_table(
            index=["unit_code", "month"], columns="indicator", values="raw_score",
            aggfunc="first", dropna=False,
        ).reindex(columns=codes)  # fmt: skip
        unit_codes = list(cube.index.get_level_values(0).unique())
        month_list = sorted(cube.index.get_level_values(1).unique())
        full = pd.MultiIndex.from_product([unit_codes, month_list])
        raw = (
            cube.reindex(full)
            .to_numpy(dtype=float)
            .reshape(len(unit_codes), len(month_list), len(codes))
        )
        current = weights["current"].to_numpy(dtype=float)
        proposed = weights["proposed"].to_numpy(dtype=float)
        fixed = _unit_scores(raw, np.vstack([current, proposed]))
        positive = proposed > 0
        draws = np.zeros((n_draws, len(codes)))
        draws[:, positive] = rng.dirichlet(concentration * proposed[positive], size=n_draws)
        ranks = _ranks(_unit_scores(raw, draws))
        tail = (1 - level) / 2
        names = part.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
        rank_now, rank_new = _ranks(fixed[0]), _ranks(fixed[1])
        frames.append(
            pd.DataFrame(
                {
                    "unit_code": unit_codes,
                    "unit_name": names.reindex(unit_codes).to_numpy(),
                    "unit_type": unit_type,
                    "score_current": fixed[0],
                    "rank_current": rank_now.astype(int),
                    "score_proposed": fixed[1],
                    "rank_proposed": rank_new.astype(int),
                    "rank_change": (rank_now - rank_new).astype(int),
                    "rank_low": np.quantile(ranks, tail, axis=0, method="lower").astype(int),
                    "rank_high": np.quantile(ranks, 1 - tail, axis=0, method="higher").astype(int),
                    "p_same_rank": (ranks == rank_new[None, :]).mean(axis=0),
                    "peers": len(unit_codes),
                }
            ).sort_values(["rank_proposed", "unit_code"], kind="stable")
        )
    return pd.concat(frames, ignore_index=True)[STABILITY_COLUMNS]


# --------------------------------------------------------------------------- scheme
def proposed_scheme(
    current: Mapping[str, Any], comparison: pd.DataFrame, *, design: Design
) -> dict[str, Any]:
    """The current scheme's mapping with the proposed unit weights, name and year.

    Parameters
    ----------
    current : the mapping the current scheme's YAML file parses into.
    comparison : :func:`weight_comparison`; its ``points`` become
        ``weights.unit_types`` (an indicator with 0 points is left out).
    design : gives the proposed ``name`` and ``year``.

    Returns
    -------
    dict, ready to be written as YAML; it passes
    :func:`~kpilib.scoring.scheme.scheme_from_dict`.

    Raises
    ------
    SchemeError
        When the result does not validate (listing every problem).
    """
    out = copy.deepcopy(dict(current))
    out["name"], out["year"] = design.name, design.year
    weights = dict(out.get("weights") or {})
    weights["unit_types"] = {
        str(unit_type): {
            str(code): int(points)
            for code, points in zip(rows["indicator"], rows["points"], strict=True)
            if points > 0
        }
        for unit_type, rows in comparison.groupby("unit_type", sort=False)
    }
    out["weights"] = weights
    scheme_from_dict(out, origin=f"proposed scheme {design.name}")
    return out
