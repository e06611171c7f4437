"""Statistics for comparing units fairly (docs/methods.md §4).

- :func:`proportion_ci` — Wilson, Wilson with continuity correction, Clopper–Pearson.
- :func:`p_chart` — p-chart with varying subgroup sizes.
- :func:`funnel_limits`, :func:`overdispersion` — funnel plots (Spiegelhalter 2005).
- :func:`compare_rates` — month-over-month change in a rate (z, Yates χ², Fisher).
- :func:`kruskal_test`, :func:`mann_whitney` — rank tests with an all-identical guard.
- :func:`cohen_kappa`, :func:`fleiss_kappa`, :func:`icc` — auditor agreement.
- :func:`rank_intervals` — bootstrap uncertainty of league-table ranks.

Zero denominators raise ``ValueError`` unless a function documents a fallback (docs/methods.md §0).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _sps

__all__ = [
    "OverdispersionResult",
    "RankTestResult",
    "RateComparison",
    "cohen_kappa",
    "compare_rates",
    "fleiss_kappa",
    "funnel_limits",
    "icc",
    "kruskal_test",
    "mann_whitney",
    "overdispersion",
    "p_chart",
    "proportion_ci",
    "rank_intervals",
]

NanPolicy = Literal["raise", "omit"]


# ----------------------------------------------------------------------------- helpers
def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(_sps.norm.ppf(0.5 + confidence / 2))


def _check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in ("raise", "omit"):
        raise ValueError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")


def _counts(x: ArrayLike, n: ArrayLike, *, allow_zero_n: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validate and broadcast counts: 0 ≤ x ≤ n, no NaN."""
    xa = np.asarray(x, dtype=float)
    na = np.asarray(n, dtype=float)
    xa, na = np.broadcast_arrays(xa, na)
    if np.isnan(xa).any() or np.isnan(na).any():
        raise ValueError("x and n must not contain NaN")
    if (na < 0).any() or (not allow_zero_n and (na == 0).any()):
        bad = na[na <= 0] if not allow_zero_n else na[na < 0]
        raise ValueError(f"n must be {'≥ 0' if allow_zero_n else '> 0'}, got {bad.tolist()!r}")
    if (xa < 0).any() or (xa > na).any():
        raise ValueError("x must satisfy 0 ≤ x ≤ n")
    return xa, na


def _index_of(*values: object) -> pd.Index | None:
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def _drop_nan(
    x: ArrayLike, n: ArrayLike, nan_policy: str
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """1-D counts as float arrays plus their index, NaN pairs raised or dropped."""
    _check_nan_policy(nan_policy)
    index = _index_of(x, n)
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    na = np.atleast_1d(np.asarray(n, dtype=float))
    if xa.ndim != 1 or xa.shape != na.shape:
        raise ValueError(f"x and n must be 1-D of equal length, got {xa.shape} and {na.shape}")
    if index is None:
        index = pd.RangeIndex(xa.size)
    bad = np.isnan(xa) | np.isnan(na)
    if bad.any():
        if nan_policy == "raise":
            raise ValueError(f"{int(bad.sum())} unit(s) have a missing x or n (nan_policy='raise')")
        xa, na, index = xa[~bad], na[~bad], index[~bad]
    return xa, na, index


# ------------------------------------------------------------------------ §4.1 intervals
def proportion_ci(
    x: ArrayLike,
    n: ArrayLike,
    *,
    method: Literal["wilson", "wilson_cc", "clopper_pearson"] = "wilson",
    confidence: float = 0.95,
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Confidence interval for a pass rate x/n, vectorised (docs/methods.md §4.1).

    ``wilson`` is the score interval; ``wilson_cc`` the score interval with continuity
    correction (Newcombe 1998, method 4); ``clopper_pearson`` the exact interval from beta
    quantiles. x = 0 gives lower 0 and x = n gives upper 1 for every method.
    Hand-written rather than statsmodels' ``proportion_confint`` (the tests compare the two):
    statsmodels is a test-only dependency and the run does not pull it in for one formula,
    and it has no Wilson interval with continuity correction.

    n = 0 policy: the rate is not applicable (docs/methods.md §0); the interval returned is the
    uninformative (0, 1), never NaN, and the caller flags ``n == 0`` as "not applicable"
    rather than reading a rate from it.

    Parameters
    ----------
    x, n : array_like
        Successes and trials, broadcast together; 0 ≤ x ≤ n, n ≥ 0, no NaN.
    method : {"wilson", "wilson_cc", "clopper_pearson"}
        Interval.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays of the broadcast shape otherwise; within [0, 1].

    Examples
    --------
    >>> low, high = proportion_ci(81, 263)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    >>> [round(v, 4) for v in proportion_ci(81, 263, method="clopper_pearson")]
    [0.2527, 0.3676]
    >>> proportion_ci(0, 0)
    (0.0, 1.0)
    """
    if method not in ("wilson", "wilson_cc", "clopper_pearson"):
        raise ValueError(
            f"method must be 'wilson', 'wilson_cc' or 'clopper_pearson', got {method!r}"
        )
    z = _z(confidence)
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xa, na = _counts(x, n, allow_zero_n=True)
    empty = na == 0
    ns = np.where(empty, 1.0, na)  # safe denominator; empty cells are overwritten below
    xs = np.where(empty, 0.0, xa)
    p = xs / ns
    z2 = z * z
    if method == "wilson":
        centre = (xs + z2 / 2) / (ns + z2)
        half = z / (ns + z2) * np.sqrt(np.maximum(xs * (ns - xs) / ns, 0.0) + z2 / 4)
        low, high = centre - half, centre + half
    elif method == "wilson_cc":
        q = 1 - p
        arg_lo = np.maximum(z2 - 2 - 1 / ns + 4 * p * (ns * q + 1), 0.0)
        arg_hi = np.maximum(z2 + 2 - 1 / ns + 4 * p * (ns * q - 1), 0.0)
        low = (2 * ns * p + z2 - 1 - z * np.sqrt(arg_lo)) / (2 * (ns + z2))
        high = (2 * ns * p + z2 + 1 + z * np.sqrt(arg_hi)) / (2 * (ns + z2))
    else:
        alpha = 1 - confidence
        low = _sps.beta.ppf(alpha / 2, np.maximum(xs, 1), ns - xs + 1)
        high = _sps.beta.ppf(1 - alpha / 2, xs + 1, np.maximum(ns - xs, 1))
    low = np.where((xs == 0) | empty, 0.0, np.clip(low, 0.0, 1.0))
    high = np.where((xs == ns) | empty, 1.0, np.clip(high, 0.0, 1.0))
    if scalar:
        return float(low), float(high)
    return low, high


# ------------------------------------------------------------------------- §4.2 p-chart
def p_chart(x: ArrayLike, n: ArrayLike, *, nan_policy: NanPolicy = "raise") -> pd.DataFrame:
    """p-chart with varying subgroup sizes (docs/methods.md §4.2).

    p̄ = Σx/Σn; limits p̄ ± 3·√(p̄(1−p̄)/nᵢ), the lower clamped at 0 and the upper at 1;
    zᵢ = (pᵢ − p̄)/√(p̄(1−p̄)/nᵢ). When p̄ is 0 or 1 every unit equals it: z = 0, the limits
    are p̄ and nothing signals.

    Parameters
    ----------
    x, n : array_like or pandas.Series
        Nonconforming counts and subgroup sizes per unit (n > 0). A Series index is kept.
    nan_policy : {"raise", "omit"}
        Units with a missing x or n raise, or are dropped.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``p`` the unit's rate, ``p_bar`` the centre line, ``lcl`` and
        ``ucl`` the 3-sigma limits, ``z`` the standardised deviation, ``signal`` True when
        ``p`` is outside the limits.

    Examples
    --------
    >>> chart = p_chart([12, 30, 9, 25, 8], [100, 250, 60, 150, 40])
    >>> chart[["lcl", "ucl", "z"]].round(6).iloc[[0, 4]]
            lcl       ucl         z
    0  0.035904  0.244096 -0.576390
    4  0.000000  0.304590  1.093624
    """
    xa, na, index = _drop_nan(x, n, nan_policy)
    xa, na = _counts(xa, na, allow_zero_n=False)
    p = xa / na
    p_bar = xa.sum() / na.sum()
    sd = np.sqrt(p_bar * (1 - p_bar) / na)
    z = np.zeros_like(p) if p_bar in (0.0, 1.0) else (p - p_bar) / sd
    lcl = np.maximum(p_bar - 3 * sd, 0.0)
    ucl = np.minimum(p_bar + 3 * sd, 1.0)
    return pd.DataFrame(
        {
            "p": p,
            "p_bar": np.full_like(p, p_bar),
            "lcl": lcl,
            "ucl": ucl,
            "z": z,
            "signal": (p < lcl) | (p > ucl),
        },
        index=index,
    )


# ------------------------------------------------------------------ §4.3 funnel plots
def _exact_binomial_limit(prob: float, n: np.ndarray, target: float) -> np.ndarray:
    """Spiegelhalter (2005) App. A.1.1: interpolated binomial quantile, as a proportion."""
    r = _sps.binom.ppf(prob, n, target)
    f_r = _sps.binom.cdf(r, n, target)
    f_prev = np.where(r > 0, _sps.binom.cdf(r - 1, n, target), 0.0)
    step = f_r - f_prev
    alpha = np.where(step > 0, (f_r - prob) / np.where(step > 0, step, 1.0), 0.0)
    return np.clip((r - alpha) / n, 0.0, 1.0)


def funnel_limits(
    n: ArrayLike,
    *,
    target: float,
    levels: Sequence[float] = (0.95, 0.998),
    method: Literal["exact", "normal"] = "exact",
) -> pd.DataFrame:
    """Funnel plot control limits for a proportion (Spiegelhalter 2005, Stat Med 24:1185).

    ``exact``: for p = (1 − level)/2 and 1 − p, r is the smallest count with
    F(r) ≥ p under Bin(n, target), α = (F(r) − p)/(F(r) − F(r − 1)) and the limit is
    (r − α)/n (Appendix A.1.1). ``normal``: target ± z·√(target(1 − target)/n). Limits
    are clipped to [0, 1].

    Parameters
    ----------
    n : array_like
        Denominators (integers ≥ 1) at which to draw the funnel.
    target : float
        Target proportion θ₀, 0 < θ₀ < 1.
    levels : sequence of float
        Two-sided coverage of each pair of limits, e.g. 0.95 and 0.998.
    method : {"exact", "normal"}
        Binomial limits with interpolation, or the normal approximation.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per (level, n): ``n``, ``level``, ``lower``, ``upper``.

    Examples
    --------
    >>> funnel_limits([100], target=0.2).round(6)
         n  level     lower     upper
    0  100  0.950  0.119742  0.276476
    1  100  0.998  0.080978  0.326766
    """
    if method not in ("exact", "normal"):
        raise ValueError(f"method must be 'exact' or 'normal', got {method!r}")
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1), got {target!r}")
    na = np.atleast_1d(np.asarray(n, dtype=float))
    if na.ndim != 1 or np.isnan(na).any() or (na < 1).any() or (na != np.round(na)).any():
        raise ValueError("n must be a 1-D array of integers ≥ 1")
    frames = []
    for level in levels:
        if not 0 < level < 1:
            raise ValueError(f"each level must be in (0, 1), got {level!r}")
        tail = (1 - level) / 2
        if method == "exact":
            lower = _exact_binomial_limit(tail, na, target)
            upper = _exact_binomial_limit(1 - tail, na, target)
        else:
            half = _z(level) * np.sqrt(target * (1 - target) / na)
            lower, upper = np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
        frames.append(
            pd.DataFrame({"n": na.astype(int), "level": level, "lower": lower, "upper": upper})
        )
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class OverdispersionResult:
    """Overdispersion of unit rates around a target (Spiegelhalter 2005, QSHC 14:347).

    Attributes
    ----------
    phi : float
        Overdispersion factor φ = mean of the (winsorised) squared z-scores.
    tau2 : float
        Additive random-effects variance τ² ≥ 0 (0 when φ ≤ 1).
    target : float
        θ₀ the limits are centred on.
    n_units : int
        Number of units I.
    winsorize : float
        Fraction of z-scores winsorised at each end.
    """

    phi: float
    tau2: float
    target: float
    n_units: int
    winsorize: float

    @property
    def overdispersed(self) -> bool:
        """True when φ > 1, i.e. when the limits are inflated."""
        return self.phi > 1

    def limits(
        self,
        n: ArrayLike,
        *,
        level: float = 0.998,
        method: Literal["multiplicative", "additive"] = "multiplicative",
    ) -> pd.DataFrame:
        """Inflated funnel limits at denominators ``n`` (normal approximation).

        Multiplicative: θ₀ ± z·√φ·sᵢ; additive: θ₀ ± z·√(sᵢ² + τ²), with
        sᵢ = √(θ₀(1 − θ₀)/nᵢ). φ ≤ 1 means no inflation (the plain normal limits).

        Parameters
        ----------
        n : array_like
            Denominators (> 0).
        level : float
            Two-sided coverage.
        method : {"multiplicative", "additive"}
            Inflation model.

        Returns
        -------
        pandas.DataFrame
            ``n``, ``level``, ``lower``, ``upper`` (clipped to [0, 1]).

        Examples
        --------
        >>> res = OverdispersionResult(phi=4.0, tau2=0.0, target=0.2, n_units=10, winsorize=0.0)
        >>> res.limits([100], level=0.95).round(6)
             n  level     lower     upper
        0  100   0.95  0.043203  0.356797
        """
        if method not in ("multiplicative", "additive"):
            raise ValueError(f"method must be 'multiplicative' or 'additive', got {method!r}")
        n_out = np.atleast_1d(np.asarray(n))
        na = n_out.astype(float)
        if na.ndim != 1 or np.isnan(na).any() or (na <= 0).any():
            raise ValueError("n must be a 1-D array of positive numbers")
        s = np.sqrt(self.target * (1 - self.target) / na)
        z = _z(level)
        if method == "multiplicative":
            half = z * math.sqrt(max(self.phi, 1.0)) * s
        else:
            half = z * np.sqrt(s * s + (self.tau2 if self.phi > 1 else 0.0))
        return pd.DataFrame(
            {
                "n": n_out,
                "level": level,
                "lower": np.clip(self.target - half, 0.0, 1.0),
                "upper": np.clip(self.target + half, 0.0, 1.0),
            }
        )


def _winsorize(z: np.ndarray, fraction: float) -> np.ndarray:
    """Set the ⌊fraction·I⌋ lowest and highest values to the next value inwards."""
    k = math.floor(fraction * z.size + 1e-9)
    if k == 0:
        return z.copy()
    s = np.sort(z)
    return np.clip(z, s[k], s[z.size - 1 - k])


def overdispersion(
    x: ArrayLike,
    n: ArrayLike,
    *,
    target: float | None = None,
    winsorize: float = 0.1,
    nan_policy: NanPolicy = "raise",
) -> OverdispersionResult:
    """Estimate overdispersion of unit proportions (Spiegelhalter 2005, QSHC 14:347).

    zᵢ = (yᵢ − θ₀)/sᵢ with yᵢ = xᵢ/nᵢ, sᵢ = √(θ₀(1 − θ₀)/nᵢ). The z-scores are winsorised
    (the ⌊w·I⌋ most extreme at each end set to the next value inwards; none for I < 10 at
    w = 0.1), φ = mean(z²) and τ² = max(0, (Iφ − (I − 1))/(Σw − Σw²/Σw)), wᵢ = 1/sᵢ².

    Parameters
    ----------
    x, n : array_like
        Counts and denominators per unit (n > 0), at least 2 units.
    target : float, optional
        θ₀ in (0, 1); default the pooled rate Σx/Σn.
    winsorize : float
        Fraction winsorised at each end, 0 ≤ w < 0.5; 0 for the raw φ.
    nan_policy : {"raise", "omit"}
        Units with a missing x or n raise, or are dropped.

    Returns
    -------
    OverdispersionResult
        ``phi``, ``tau2``, ``target``, ``n_units``, ``winsorize``; ``.limits(n, level=,
        method=)`` gives the multiplicative or additive inflated limits.

    Examples
    --------
    >>> res = overdispersion([12, 30, 9, 25, 8], [100, 250, 60, 150, 40])
    >>> round(res.phi, 6), res.tau2
    (0.658915, 0.0)
    """
    if not 0 <= winsorize < 0.5:
        raise ValueError(f"winsorize must be in [0, 0.5), got {winsorize!r}")
    xa, na, _ = _drop_nan(x, n, nan_policy)
    xa, na = _counts(xa, na, allow_zero_n=False)
    if xa.size < 2:
        raise ValueError(f"overdispersion needs at least 2 units, got {xa.size}")
    theta = xa.sum() / na.sum() if target is None else float(target)
    if not 0 < theta < 1:
        raise ValueError(f"target must be in (0, 1), got {theta!r} (pooled when not given)")
    s2 = theta * (1 - theta) / na
    z = (xa / na - theta) / np.sqrt(s2)
    phi = float(np.mean(_winsorize(z, winsorize) ** 2))
    w = 1 / s2
    units = xa.size
    denominator = w.sum() - (w * w).sum() / w.sum()
    if denominator <= 0:  # all n equal and I = 1 cannot happen; equal w gives (I−1)·w > 0
        raise ValueError("τ² is undefined for these denominators")
    tau2 = max(0.0, float((units * phi - (units - 1)) / denominator))
    return OverdispersionResult(
        phi=phi, tau2=tau2, target=theta, n_units=units, winsorize=float(winsorize)
    )


# --------------------------------------------------------------- §4.4 change in a rate
@dataclass(frozen=True)
class RateComparison:
    """Comparison of two proportions x1/n1 and x2/n2 (docs/methods.md §4.4).

    Attributes
    ----------
    z, p_z : float
        Pooled two-proportion z statistic and its two-sided p-value. z is NaN and p 1
        when the pooled rate is 0 or 1.
    chi2_yates, p_yates : float
        Pearson χ² with Yates' continuity correction and its p-value (NaN and 1 when a
        margin of the 2×2 table is 0).
    p_fisher : float
        Fisher's exact test, two-sided.
    odds_ratio : float
        Sample odds ratio x1(n2 − x2)/(x2(n1 − x1)); NaN when a cell in its denominator
        is 0 (never inf).
    min_expected : float
        Smallest expected cell count under independence.
    prefer_fisher : bool
        True when ``min_expected`` < 5: read ``p_fisher``.
    """

    z: float
    p_z: float
    chi2_yates: float
    p_yates: float
    p_fisher: float
    odds_ratio: float
    min_expected: float
    prefer_fisher: bool


def compare_rates(x1: int, n1: int, x2: int, n2: int) -> RateComparison:
    """Compare two rates, e.g. this month's failure rate with last month's (docs/methods.md §4.4).

    Parameters
    ----------
    x1, n1 : int
        Events and trials of the first period (n1 > 0).
    x2, n2 : int
        Events and trials of the second period (n2 > 0).

    Returns
    -------
    RateComparison
        ``z``, ``p_z``, ``chi2_yates``, ``p_yates``, ``p_fisher``, ``odds_ratio``,
        ``min_expected``, ``prefer_fisher``.

    Examples
    --------
    >>> r = compare_rates(81, 263, 58, 250)
    >>> round(r.z, 6), round(r.p_z, 6), round(r.p_fisher, 6), round(r.odds_ratio, 6)
    (1.935486, 0.052931, 0.059144, 1.473285)
    """
    for name, (xv, nv) in {"1": (x1, n1), "2": (x2, n2)}.items():
        if nv is None or xv is None or np.isnan(nv) or np.isnan(xv):
            raise ValueError(f"x{name} and n{name} must not be missing")
        if nv <= 0:
            raise ValueError(f"n{name} must be positive, got {nv!r}")
        if not 0 <= xv <= nv:
            raise ValueError(f"x{name} must be in [0, n{name}], got {xv!r} of {nv!r}")
        if int(xv) != xv or int(nv) != nv:
            raise ValueError(f"x{name} and n{name} must be whole counts, got {xv!r}, {nv!r}")
    x1, n1, x2, n2 = int(x1), int(n1), int(x2), int(n2)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    pooled = (x1 + x2) / (n1 + n2)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if 0 < pooled < 1:
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        p_z = float(2 * _sps.norm.sf(abs(z)))
        chi2, p_yates, _, _ = _sps.chi2_contingency(table, correction=True)
        chi2, p_yates = float(chi2), float(p_yates)
    else:
        z, p_z, chi2, p_yates = math.nan, 1.0, math.nan, 1.0
    p_fisher = float(_sps.fisher_exact(table).pvalue)
    num, den = x1 * (n2 - x2), x2 * (n1 - x1)
    odds = num / den if den > 0 else math.nan
    min_expected = float(expected.min())
    return RateComparison(
        z=float(z),
        p_z=p_z,
        chi2_yates=chi2,
        p_yates=p_yates,
        p_fisher=p_fisher,
        odds_ratio=float(odds),
        min_expected=min_expected,
        prefer_fisher=min_expected < 5,
    )


# --------------------------------------------------------------------- §4.5 rank tests
@dataclass(frozen=True)
class RankTestResult:
    """Result of a rank test: ``statistic`` and ``pvalue`` (NaN when all values are equal)."""

    statistic: float
    pvalue: float


def _rank_groups(groups: Sequence[ArrayLike], nan_policy: str) -> list[np.ndarray]:
    _check_nan_policy(nan_policy)
    out = []
    for i, g in enumerate(groups):
        a = np.asarray(g, dtype=float).ravel()
        if np.isnan(a).any():
            if nan_policy == "raise":
                raise ValueError(f"group {i} contains NaN (nan_policy='raise')")
            a = a[~np.isnan(a)]
        if a.size == 0:
            raise ValueError(f"group {i} is empty")
        out.append(a)
    return out


def _all_identical(groups: list[np.ndarray], test: str) -> bool:
    values = np.concatenate(groups)
    if np.all(values == values[0]):
        warnings.warn(
            f"all values are identical; the {test} statistic is undefined (NaN)",
            RuntimeWarning,
            stacklevel=3,
        )
        return True
    return False


def kruskal_test(*groups: ArrayLike, nan_policy: NanPolicy = "raise") -> RankTestResult:
    """Kruskal–Wallis H test with tie correction (scipy), guarded for identical values.

    Parameters
    ----------
    *groups : array_like
        Scores of each unit or group (at least 2 groups, none empty).
    nan_policy : {"raise", "omit"}
        NaN scores raise, or are dropped.

    Returns
    -------
    RankTestResult
        ``statistic`` (H) and ``pvalue``; both NaN, with a ``RuntimeWarning``, when every
        value is identical.

    Examples
    --------
    >>> r = kruskal_test([1, 2, 3], [4, 5, 6])
    >>> round(r.statistic, 4), round(r.pvalue, 4)
    (3.8571, 0.0495)
    """
    if len(groups) < 2:
        raise ValueError(f"kruskal_test needs at least 2 groups, got {len(groups)}")
    arrays = _rank_groups(groups, nan_policy)
    if _all_identical(arrays, "Kruskal-Wallis"):
        return RankTestResult(math.nan, math.nan)
    res = _sps.kruskal(*arrays)
    return RankTestResult(float(res.statistic), float(res.pvalue))


def mann_whitney(
    x: ArrayLike,
    y: ArrayLike,
    *,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    nan_policy: NanPolicy = "raise",
) -> RankTestResult:
    """Mann–Whitney U test (scipy, tie-corrected), guarded for identical values.

    Parameters
    ----------
    x, y : array_like
        The two samples, non-empty.
    alternative : {"two-sided", "less", "greater"}
        Alternative hypothesis.
    nan_policy : {"raise", "omit"}
        NaN scores raise, or are dropped.

    Returns
    -------
    RankTestResult
        ``statistic`` (U of ``x``) and ``pvalue``; both NaN, with a ``RuntimeWarning``,
        when every value is identical.

    Examples
    --------
    >>> r = mann_whitney([1, 2, 3], [4, 5, 6])
    >>> r.statistic, round(r.pvalue, 4)
    (0.0, 0.1)
    """
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be two-sided, less or greater, got {alternative!r}")
    a, b = _rank_groups([x, y], nan_policy)
    if _all_identical([a, b], "Mann-Whitney"):
        return RankTestResult(math.nan, math.nan)
    res = _sps.mannwhitneyu(a, b, alternative=alternative)
    return RankTestResult(float(res.statistic), float(res.pvalue))


# ----------------------------------------------------------------- §4.6 agreement
def cohen_kappa(
    table: ArrayLike, *, weights: Literal["linear", "quadratic"] | None = None
) -> float:
    """Cohen's κ from a k×k contingency table of two auditors (docs/methods.md §4.6).

    κ = (p_o − p_e)/(1 − p_e) with agreement weights w_ij = 1 (unweighted: i = j only),
    1 − |i − j|/(k − 1) (linear) or 1 − (i − j)²/(k − 1)² (quadratic); categories are
    ordered as the rows. p_e = 1 (both auditors use a single category) gives NaN.
    Hand-written rather than statsmodels' ``inter_rater.cohens_kappa`` (the tests compare
    the two): statsmodels is a test-only dependency the run does not pull in for one formula.

    Parameters
    ----------
    table : array_like
        Square table of counts, rows auditor 1, columns auditor 2; total > 0.
    weights : {None, "linear", "quadratic"}
        Weighting for ordinal categories.

    Returns
    -------
    float
        κ (NaN when p_e = 1).

    Examples
    --------
    >>> round(cohen_kappa([[20, 5], [10, 15]]), 6)
    0.4
    """
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError(f"table must be square, got shape {t.shape}")
    if np.isnan(t).any() or (t < 0).any():
        raise ValueError("table must hold non-negative counts without NaN")
    total = t.sum()
    if total <= 0:
        raise ValueError("table is empty (total 0)")
    k = t.shape[0]
    i, j = np.indices((k, k))
    if weights is None or k == 1:
        w = (i == j).astype(float)
    elif weights == "linear":
        w = 1 - np.abs(i - j) / (k - 1)
    else:
        w = 1 - (i - j) ** 2 / (k - 1) ** 2
    p = t / total
    p_o = float((w * p).sum())
    p_e = float((w * np.outer(p.sum(axis=1), p.sum(axis=0))).sum())
    if math.isclose(p_e, 1.0, rel_tol=0, abs_tol=1e-12):
        return math.nan
    return (p_o - p_e) / (1 - p_e)


def fleiss_kappa(counts: ArrayLike) -> float:
    """Fleiss' κ for many raters (docs/methods.md §4.6).

    P̄ = meanᵢ (Σⱼ nᵢⱼ² − m)/(m(m − 1)), P̄ₑ = Σⱼ pⱼ², κ = (P̄ − P̄ₑ)/(1 − P̄ₑ), with m
    raters per subject, equal for every subject. P̄ₑ = 1 gives NaN.
    Hand-written rather than statsmodels' ``inter_rater.fleiss_kappa`` (the tests compare
    the two): statsmodels is a test-only dependency the run does not pull in for one formula.

    Parameters
    ----------
    counts : array_like
        Subjects × categories: how many raters put subject i in category j.

    Returns
    -------
    float
        κ (NaN when every rating falls in one category).

    Examples
    --------
    >>> round(fleiss_kappa([[0, 3], [3, 0], [1, 2]]), 6)
    0.55
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.shape[0] < 1:
        raise ValueError(f"counts must be a 2-D subjects × categories table, got {c.shape}")
    if np.isnan(c).any() or (c < 0).any():
        raise ValueError("counts must be non-negative without NaN")
    raters = c.sum(axis=1)
    if not np.all(raters == raters[0]):
        raise ValueError(f"every subject needs the same number of raters, got {raters.tolist()}")
    m = raters[0]
    if m < 2:
        raise ValueError(f"Fleiss' κ needs at least 2 raters per subject, got {m:g}")
    p_i = ((c * c).sum(axis=1) - m) / (m * (m - 1))
    p_j = c.sum(axis=0) / c.sum()
    p_bar, p_e = float(p_i.mean()), float((p_j * p_j).sum())
    if math.isclose(p_e, 1.0, rel_tol=0, abs_tol=1e-12):
        return math.nan
    return (p_bar - p_e) / (1 - p_e)


_ICC_DESCRIPTION = {
    "ICC1": "single rater, one-way random",
    "ICC2": "single rater, two-way random, absolute agreement",
    "ICC3": "single rater, two-way mixed, consistency",
    "ICC1k": "mean of k raters, one-way random",
    "ICC2k": "mean of k raters, two-way random, absolute agreement",
    "ICC3k": "mean of k raters, two-way mixed, consistency",
}


def icc(
    ratings: ArrayLike | pd.DataFrame,
    *,
    targets: str | None = None,
    raters: str | None = None,
    scores: str | None = None,
    confidence: float = 0.95,
    nan_policy: NanPolicy = "raise",
) -> pd.DataFrame:
    """Intraclass correlations, the six Shrout & Fleiss (1979) forms (docs/methods.md §4.6).

    From the two-way ANOVA of n targets × k raters: MSR (targets), MSC (raters), MSE
    (residual) and MSW = (SSC + SSE)/(n(k − 1)) (within targets). F tests and confidence
    intervals follow Shrout & Fleiss (1979) and McGraw & Wong (1996), as in pingouin:
    ICC1/ICC1k use F = MSR/MSW on (n − 1, n(k − 1)) df; ICC2, ICC3 and their k forms use
    F = MSR/MSE on (n − 1, (n − 1)(k − 1)) df; the ICC2 interval uses Satterthwaite's df.

    Parameters
    ----------
    ratings : array_like or pandas.DataFrame
        A targets × raters matrix (wide), or a long DataFrame with the columns named by
        ``targets``, ``raters`` and ``scores`` (one row per rating).
    targets, raters, scores : str, optional
        Column names of the long format; all three or none.
    confidence : float
        Coverage of the intervals.
    nan_policy : {"raise", "omit"}
        Missing ratings raise, or the targets with a missing rating are dropped.

    Returns
    -------
    pandas.DataFrame
        Indexed ``ICC1``, ``ICC2``, ``ICC3``, ``ICC1k``, ``ICC2k``, ``ICC3k``, columns:
        ``description``, ``icc``, ``F``, ``df1``, ``df2``, ``pval``, ``ci_low``,
        ``ci_high``.

    Examples
    --------
    >>> data = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
    ...         [6, 2, 4, 7]]
    >>> icc(data)["icc"].round(2).tolist()
    [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    """
    _check_nan_policy(nan_policy)
    given = [c is not None for c in (targets, raters, scores)]
    if any(given) and not all(given):
        raise ValueError("give all of targets, raters and scores for long data, or none")
    if all(given):
        if not isinstance(ratings, pd.DataFrame):
            raise ValueError("targets/raters/scores need ratings to be a long DataFrame")
        missing = [c for c in (targets, raters, scores) if c not in ratings.columns]
        if missing:
            raise ValueError(f"columns {missing!r} are not in ratings")
        if ratings.duplicated(subset=[targets, raters]).any():
            raise ValueError("each (target, rater) pair must appear at most once")
        wide = ratings.pivot(index=targets, columns=raters, values=scores)
        y = wide.to_numpy(dtype=float)
    else:
        y = np.asarray(ratings, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"ratings must be 2-D targets × raters, got shape {y.shape}")
    bad = np.isnan(y).any(axis=1)
    if bad.any():
        if nan_policy == "raise":
            raise ValueError(f"{int(bad.sum())} target(s) have missing ratings")
        y = y[~bad]
    n, k = y.shape
    if n < 2 or k < 2:
        raise ValueError(f"ICC needs at least 2 targets and 2 raters, got {n} × {k}")
    grand = y.mean()
    ss_r = k * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_c = n * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_e = ((y - grand) ** 2).sum() - ss_r - ss_c
    df_r, df_c, df_e, df_w = n - 1, k - 1, (n - 1) * (k - 1), n * (k - 1)
    msr, msc, mse, msw = ss_r / df_r, ss_c / df_c, ss_e / df_e, (ss_c + ss_e) / df_w
    if msw == 0 or mse <= 0 or msr == 0:
        raise ValueError("ICC is undefined: the ratings have no variation within or between")

    icc1 = (msr - msw) / (msr + (k - 1) * msw)
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    icc1k = (msr - msw) / msr
    icc2k = (msr - mse) / (msr + (msc - mse) / n)
    icc3k = (msr - mse) / msr

    alpha = 1 - confidence
    if not 0 < alpha < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    f1 = msr / msw
    f3 = msr / mse
    p1 = float(_sps.f.sf(f1, df_r, df_w))
    p3 = float(_sps.f.sf(f3, df_r, df_e))
    q = 1 - alpha / 2
    f1l, f1u = f1 / _sps.f.ppf(q, df_r, df_w), f1 * _sps.f.ppf(q, df_w, df_r)
    f3l, f3u = f3 / _sps.f.ppf(q, df_r, df_e), f3 * _sps.f.ppf(q, df_e, df_r)
    ci1 = ((f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1))
    ci1k = (1 - 1 / f1l, 1 - 1 / f1u)
    ci3 = ((f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1))
    ci3k = (1 - 1 / f3l, 1 - 1 / f3u)
    fj = msc / mse
    a = k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2
    v = df_e * a**2 / (df_r * (k * icc2 * fj) ** 2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2)
    f2u, f2l = _sps.f.ppf(q, df_r, v), _sps.f.ppf(q, v, df_r)
    c = k * msc + (k * n - k - n) * mse
    l2 = n * (msr - f2u * mse) / (f2u * c + n * msr)
    u2 = n * (f2l * msr - mse) / (c + n * f2l * msr)
    ci2 = (l2, u2)
    ci2k = (l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1)))

    rows = {
        "ICC1": (icc1, f1, df_r, df_w, p1, ci1),
        "ICC2": (icc2, f3, df_r, df_e, p3, ci2),
        "ICC3": (icc3, f3, df_r, df_e, p3, ci3),
        "ICC1k": (icc1k, f1, df_r, df_w, p1, ci1k),
        "ICC2k": (icc2k, f3, df_r, df_e, p3, ci2k),
        "ICC3k": (icc3k, f3, df_r, df_e, p3, ci3k),
    }
    out = pd.DataFrame(
        {
            "description": [_ICC_DESCRIPTION[name] for name in rows],
            "icc": [float(r[0]) for r in rows.values()],
            "F": [float(r[1]) for r in rows.values()],
            "df1": [int(r[2]) for r in rows.values()],
            "df2": [int(r[3]) for r in rows.values()],
            "pval": [r[4] for r in rows.values()],
            "ci_low": [float(r[5][0]) for r in rows.values()],
            "ci_high": [float(r[5][1]) for r in rows.values()],
        },
        index=pd.Index(list(rows), name="type"),
    )
    out.attrs["mean_squares"] = {"MSR": msr, "MSC": msc, "MSE": mse, "MSW": msw}
    return out


# ----------------------------------------------------------- §4.7 rank uncertainty
def rank_intervals(
    x: ArrayLike,
    n: ArrayLike,
    *,
    n_boot: int = 10000,
    seed: int | None = None,
    lower_is_better: bool = True,
    confidence: float = 0.95,
    nan_policy: NanPolicy = "raise",
) -> pd.DataFrame:
    """Bootstrap intervals for the league-table rank of each unit (docs/methods.md §4.7).

    Each replicate draws xᵢ* ~ Bin(nᵢ, xᵢ/nᵢ) for all units at once (an ``(n_boot, k)``
    matrix), ranks each row with average ties (rank 1 = best), and the interval is the
    (1 − confidence)/2 and 1 − (1 − confidence)/2 percentiles of each unit's ranks.
    Caution: bootstrap rank intervals are unreliable for near-ties (Hall & Miller 2009,
    J Comput Graph Stat 18:280); a unit with x = 0 or x = n never varies in the bootstrap.

    Parameters
    ----------
    x, n : array_like or pandas.Series
        Events and denominators per unit (n > 0). A Series index is kept.
    n_boot : int
        Bootstrap replicates.
    seed : int, optional
        Seed of the generator; the same seed gives the same output.
    lower_is_better : bool
        Rank 1 goes to the lowest rate (complaints, churn) or, if False, the highest.
    confidence : float
        Coverage of the rank interval.
    nan_policy : {"raise", "omit"}
        Units with a missing x or n raise, or are dropped.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``rate`` (x/n), ``rank`` (observed, average ties),
        ``rank_low`` and ``rank_high`` (bootstrap percentiles), ``p_best`` (share of
        replicates in which the unit is ranked 1 alone).

    Examples
    --------
    >>> out = rank_intervals([5, 50, 100], [1000, 1000, 1000], n_boot=200, seed=1)
    >>> out[["rank", "rank_low", "rank_high", "p_best"]]
       rank  rank_low  rank_high  p_best
    0   1.0       1.0        1.0     1.0
    1   2.0       2.0        2.0     0.0
    2   3.0       3.0        3.0     0.0
    """
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    xa, na, index = _drop_nan(x, n, nan_policy)
    xa, na = _counts(xa, na, allow_zero_n=False)
    if (na != np.round(na)).any() or (xa != np.round(xa)).any():
        raise ValueError("x and n must be whole counts")
    rate = xa / na
    rng = np.random.default_rng(seed)
    boot = rng.binomial(na.astype(np.int64), rate, size=(int(n_boot), rate.size)) / na
    sign = 1.0 if lower_is_better else -1.0
    ranks = _sps.rankdata(sign * boot, method="average", axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(ranks, [tail, 1 - tail], axis=0)
    return pd.DataFrame(
        {
            "rate": rate,
            "rank": _sps.rankdata(sign * rate, method="average"),
            "rank_low": low,
            "rank_high": high,
            "p_best": (ranks == 1.0).mean(axis=0),
        },
        index=index,
    )
