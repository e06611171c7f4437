"""KPI scoring rules, vectorised over staff or units (docs/methods.md §1).

Every per-indicator rule takes scalars, NumPy arrays or pandas Series and
returns the same shape: a Python ``float`` for scalar inputs, an ``ndarray``
for arrays, a ``Series`` (same index) when any input is a Series. Inputs are
broadcast against each other, so a per-staff target array works as well as a
single target. Two Series inputs must carry identical indexes (no silent
alignment).

Policies (docs/methods.md §0):

* a zero or negative denominator raises ``ValueError`` unless the rule
  documents a fallback; nothing silently returns ``inf``;
* ``nan_policy="raise"`` (default) rejects missing values and names the first
  one; ``"omit"`` leaves the element out, i.e. its result is NaN;
* infinite inputs are rejected;
* head counts (:func:`quota`, :func:`forced_distribution`) and money
  (:func:`split_fen`, integer fen) use exact arithmetic.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from kpilib.exact import largest_remainder, to_fraction

__all__ = [
    "ForcedDistribution",
    "completion",
    "composite",
    "deduction",
    "efficacy",
    "efficacy_tiered",
    "forced_distribution",
    "normalise",
    "quota",
    "rank_score",
    "rate",
    "reverse",
    "split_fen",
    "step",
    "tiered",
]

ArrayLike: TypeAlias = float | int | np.ndarray | pd.Series | Sequence[float]
NanPolicy = Literal["raise", "omit"]

#: Number of decimals a ratio is rounded to before ``floor``/``ceil`` so that
#: ``(0.3 - 0.1) / 0.1 == 2.0000000000000004`` still counts as 2 steps.
_STEP_DECIMALS = 9


# --------------------------------------------------------------------------
# internal helpers
# --------------------------------------------------------------------------
def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _real(name: str, value: object) -> float:
    """A finite real scalar parameter (bool rejected)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def _describe(mask: np.ndarray, index: pd.Index | None, values: np.ndarray) -> str:
    """Human description of the first True position of ``mask``."""
    first = np.argwhere(mask)[0]
    value = values[tuple(first)] if values.ndim else values.item()
    if index is not None:
        where = f"index label {index[int(first[0])]!r}"
    elif values.ndim == 0:
        where = "the scalar"
    elif values.ndim == 1:
        where = f"position {int(first[0])}"
    else:
        where = f"position {tuple(int(i) for i in first)}"
    count = int(mask.sum())
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"{float(value)!r} at {where}{more}"


@dataclass
class _Input:
    name: str
    data: np.ndarray
    index: pd.Index | None
    scalar: bool


def _coerce(name: str, value: Any) -> _Input:
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be numeric, got bool {value!r}")
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name} must be a scalar, array or Series, got a DataFrame")
    if isinstance(value, pd.Series):
        if pd.api.types.is_bool_dtype(value.dtype) or not pd.api.types.is_numeric_dtype(
            value.dtype
        ):
            raise TypeError(f"{name} must be numeric, got a Series of dtype {value.dtype}")
        return _Input(name, value.to_numpy(dtype=float, na_value=np.nan), value.index, False)
    if isinstance(value, numbers.Real):
        return _Input(name, np.asarray(float(value)), None, True)
    if isinstance(value, np.ndarray | list | tuple):
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
        return _Input(name, arr.astype(float, copy=False), None, arr.ndim == 0)
    raise TypeError(
        f"{name} must be a number, a numpy array or a pandas Series, got {type(value).__name__}"
    )


@dataclass
class _Prepared:
    arrays: list[np.ndarray]
    missing: np.ndarray  # broadcast bool mask of elements with a NaN input
    index: pd.Index | None
    scalar: bool

    def wrap(self, result: np.ndarray) -> Any:
        result = np.where(self.missing, np.nan, result)
        if self.scalar:
            return float(result)
        if self.index is not None:
            return pd.Series(result, index=self.index)
        return result


def _prepare(nan_policy: str, **inputs: Any) -> _Prepared:
    """Coerce, check NaN/inf, check indexes and broadcast the data inputs."""
    _check_choice("nan_policy", nan_policy, ("raise", "omit"))
    items = [_coerce(name, value) for name, value in inputs.items()]
    index: pd.Index | None = None
    for item in items:
        nan = np.isnan(item.data)
        if nan_policy == "raise" and nan.any():
            raise ValueError(
                f"{item.name} has missing values: {_describe(nan, item.index, item.data)}; "
                "pass nan_policy='omit' to leave them out (their result is NaN)"
            )
        inf = np.isinf(item.data)
        if inf.any():
            raise ValueError(
                f"{item.name} must be finite, got {_describe(inf, item.index, item.data)}"
            )
        if item.index is not None:
            if index is None:
                index = item.index
            elif not index.equals(item.index):
                raise ValueError(
                    f"{item.name} has a different index from the other Series inputs; "
                    "align them first (no silent alignment)"
                )
    try:
        arrays = list(np.broadcast_arrays(*(item.data for item in items)))
    except ValueError as exc:
        shapes = {item.name: item.data.shape for item in items}
        raise ValueError(f"inputs cannot be broadcast together: {shapes}") from exc
    if index is not None and arrays[0].shape != (len(index),):
        raise ValueError(
            f"Series inputs have length {len(index)} but the broadcast shape is {arrays[0].shape}"
        )
    missing = np.zeros(arrays[0].shape, dtype=bool)
    for arr in arrays:
        missing |= np.isnan(arr)
    return _Prepared(arrays, missing, index, all(item.scalar for item in items))


def _require(
    condition: np.ndarray, missing: np.ndarray, values: np.ndarray, index: pd.Index | None
) -> str | None:
    """Description of the first non-missing element violating ``condition``."""
    bad = ~condition & ~missing
    if bad.any():
        return _describe(bad, index, values)
    return None


# --------------------------------------------------------------------------
# §1.1 completion rate
# --------------------------------------------------------------------------
def completion(
    actual: ArrayLike,
    target: ArrayLike,
    *,
    weight: float,
    cap: float = 1.2,
    threshold: float = 0.0,
    floor_score: float = 0.0,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Completion-rate score (完成率计分), docs/methods.md §1.1.

    ``r = actual / target``; the score is ``weight * min(r, cap)`` when
    ``r >= threshold`` (inclusive) and ``floor_score`` otherwise.

    Parameters
    ----------
    actual, target : scalar, array or Series
        Achieved value and target; broadcast together. ``target`` must be
        positive everywhere.
    weight : float
        Indicator weight W (points), ``>= 0``.
    cap : float, default 1.2
        Upper limit of the rate, ``> 0``.
    threshold : float, default 0.0
        Minimum rate (inclusive) below which ``floor_score`` is given, ``>= 0``.
    floor_score : float, default 0.0
        Score below the threshold; must lie in ``[0, weight * min(threshold, cap)]``
        so that a better actual never lowers the score.
    nan_policy : {"raise", "omit"}
        ``"omit"`` gives NaN where an input is missing.

    Returns
    -------
    float, ndarray or Series
        Score in points, same shape as the broadcast inputs.

    Raises
    ------
    ValueError
        If a target is zero or negative (score such indicators with
        :func:`tiered`, which accepts any base/target/challenge, or with a
        difference rule, docs/methods.md §1.3b).

    Examples
    --------
    >>> completion(560, 500, weight=30, threshold=0.6)
    33.6
    >>> completion(np.array([650, 500, 300, 280]), 500, weight=30, threshold=0.6).round(6).tolist()
    [36.0, 30.0, 18.0, 0.0]
    """
    weight = _real("weight", weight)
    cap = _real("cap", cap)
    threshold = _real("threshold", threshold)
    floor_score = _real("floor_score", floor_score)
    if weight < 0:
        raise ValueError(f"weight must be >= 0, got {weight!r}")
    if cap <= 0:
        raise ValueError(f"cap must be positive, got {cap!r}")
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold!r}")
    if not 0 <= floor_score <= weight * min(threshold, cap):
        raise ValueError(
            f"floor_score must lie in [0, weight * min(threshold, cap)] = "
            f"[0, {weight * min(threshold, cap)!r}], got {floor_score!r}: otherwise a better "
            "actual could lower the score"
        )
    prep = _prepare(nan_policy, actual=actual, target=target)
    x, t = prep.arrays
    problem = _require(t > 0, prep.missing, t, prep.index)
    if problem is not None:
        raise ValueError(
            f"completion rate needs a positive target, got {problem}; score a zero or "
            "negative target with tiered() (docs/methods.md §1.2) or a difference rule (§1.3b)"
        )
    with np.errstate(all="ignore"):
        r = x / t
        score = np.where(r >= threshold, weight * np.minimum(r, cap), floor_score)
    return prep.wrap(score)


# --------------------------------------------------------------------------
# §1.2 three tiers
# --------------------------------------------------------------------------
def tiered(
    x: ArrayLike,
    *,
    base: ArrayLike,
    target: ArrayLike,
    challenge: ArrayLike,
    low: float = 60.0,
    mid: float = 100.0,
    high: float = 120.0,
    below_base: float = 0.0,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Three-tier score (基础值/目标值/挑战值), in percent of the weight, §1.2.

    With ``t = (x - B) / (T - B)``: ``t < 0`` gives ``below_base``;
    ``0 <= t <= 1`` gives ``low + (mid - low) * t``; beyond the target
    ``mid + (high - mid) * min((x - T) / (C - T), 1)``. The same formula serves
    reverse indicators (lower is better) when ``B > T > C``.

    Parameters
    ----------
    x : scalar, array or Series
        Achieved value.
    base, target, challenge : scalar, array or Series
        B, T, C; arrays give per-staff values. Must be strictly monotone
        (``B < T < C`` or ``B > T > C``) at every position.
    low, mid, high : float
        Percentages at base, target and challenge; ``low <= mid <= high``.
    below_base : float, default 0.0
        Percentage for values worse than the base; ``<= low``.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series
        Percent of the weight (multiply by ``W / 100`` for points).

    Examples
    --------
    >>> tiered([380, 400, 450, 500, 550, 600, 700], base=400, target=500, challenge=600).tolist()
    [0.0, 60.0, 80.0, 100.0, 110.0, 120.0, 120.0]
    >>> tiered(2.5, base=3.0, target=2.0, challenge=1.5)  # churn: lower is better
    80.0
    """
    low, mid, high = _real("low", low), _real("mid", mid), _real("high", high)
    below_base = _real("below_base", below_base)
    if not low <= mid <= high:
        raise ValueError(f"need low <= mid <= high, got {low!r}, {mid!r}, {high!r}")
    if below_base > low:
        raise ValueError(f"below_base must be <= low ({low!r}), got {below_base!r}")
    prep = _prepare(nan_policy, x=x, base=base, target=target, challenge=challenge)
    xv, b, t, c = prep.arrays
    d1, d2 = t - b, c - t
    for name, d in (("target - base", d1), ("challenge - target", d2)):
        problem = _require(d != 0, prep.missing, d, prep.index)
        if problem is not None:
            raise ValueError(f"{name} must not be zero, got {problem}")
    problem = _require(np.sign(d1) == np.sign(d2), prep.missing, d2, prep.index)
    if problem is not None:
        raise ValueError(
            "base, target and challenge must be strictly monotone (B < T < C, or B > T > C "
            f"for a reverse indicator); challenge - target has the wrong sign: {problem}"
        )
    with np.errstate(all="ignore"):
        frac_low = (xv - b) / d1
        frac_high = np.minimum((xv - t) / d2, 1.0)
        score = np.where(
            frac_low < 0,
            below_base,
            np.where(frac_low <= 1, low + (mid - low) * frac_low, mid + (high - mid) * frac_high),
        )
    return prep.wrap(score)


# --------------------------------------------------------------------------
# §1.3 reverse indicators
# --------------------------------------------------------------------------
def reverse(
    actual: ArrayLike,
    target: ArrayLike,
    *,
    method: Literal["ratio", "difference"] = "ratio",
    cap: float = 1.2,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Achievement ratio ``r`` of a reverse indicator (churn, complaints), §1.3 a/b.

    * ``"ratio"``: ``r = target / actual``; ``actual == 0`` gives ``cap``
      (the documented fallback: nothing could be better).
    * ``"difference"``: ``r = 1 - (actual - target) / target``.

    Both are capped at ``cap`` and floored at 0. Multiply by the weight for
    points (``reverse(...) * W``).

    Parameters
    ----------
    actual : scalar, array or Series
        Achieved value, ``>= 0``.
    target : scalar, array or Series
        Target, ``> 0`` (for a zero-tolerance target use :func:`deduction`).
    method : {"ratio", "difference"}
    cap : float, default 1.2
        Upper limit of ``r``, ``> 0``.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series
        The ratio ``r`` in ``[0, cap]``.

    Examples
    --------
    >>> reverse(2.5, 2.0)
    0.8
    >>> reverse(2.5, 2.0, method="difference")
    0.75
    >>> reverse([0.0, 1.0, 7.0], 2.0, method="difference").tolist()
    [1.2, 1.2, 0.0]
    """
    _check_choice("method", method, ("ratio", "difference"))
    cap = _real("cap", cap)
    if cap <= 0:
        raise ValueError(f"cap must be positive, got {cap!r}")
    prep = _prepare(nan_policy, actual=actual, target=target)
    a, t = prep.arrays
    problem = _require(t > 0, prep.missing, t, prep.index)
    if problem is not None:
        raise ValueError(
            f"a reverse indicator needs a positive target, got {problem}; "
            "use deduction() for a zero-tolerance target"
        )
    problem = _require(a >= 0, prep.missing, a, prep.index)
    if problem is not None:
        raise ValueError(f"actual must be >= 0 for a reverse indicator, got {problem}")
    with np.errstate(all="ignore"):
        # ratio: actual 0 -> cap (documented fallback); difference: 1 - (a - t) / t
        r = np.where(a == 0, cap, t / a) if method == "ratio" else 1.0 - (a - t) / t
    return prep.wrap(np.clip(r, 0.0, cap))


def deduction(
    actual: ArrayLike,
    target: ArrayLike,
    *,
    weight: float,
    k: float,
    step: float,
    per_step: Literal["proportional", "started", "completed"] = "proportional",
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Deduction rule for a reverse indicator, docs/methods.md §1.3c.

    ``score = max(0, W - k * excess / step)`` with ``excess = max(0, actual - target)``.

    Parameters
    ----------
    actual, target : scalar, array or Series
        Any finite values (a target of 0 is a zero-tolerance rule).
    weight : float
        W, ``>= 0``.
    k : float
        Points deducted per ``step`` of excess, ``>= 0``.
    step : float
        Size of one step, ``> 0``.
    per_step : {"proportional", "started", "completed"}
        ``"proportional"`` (docs/methods.md §1.3c) deducts pro rata; ``"started"``
        deducts ``k`` for every started step (``ceil``); ``"completed"`` only
        for completed steps (``floor``). The step count is rounded to 9
        decimals first, so ``(0.3 - 0.1) / 0.1`` counts as exactly 2 steps.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series
        Points in ``[0, W]``.

    Examples
    --------
    >>> deduction([1, 2, 4, 12], 2, weight=10, k=2, step=1).tolist()
    [10.0, 10.0, 6.0, 0.0]
    >>> deduction(2.5, 2.0, weight=10, k=1, step=1, per_step="started")
    9.0
    """
    _check_choice("per_step", per_step, ("proportional", "started", "completed"))
    weight, k, step = _real("weight", weight), _real("k", k), _real("step", step)
    if weight < 0 or k < 0:
        raise ValueError(f"weight and k must be >= 0, got weight={weight!r}, k={k!r}")
    if step <= 0:
        raise ValueError(f"step must be positive, got {step!r}")
    prep = _prepare(nan_policy, actual=actual, target=target)
    a, t = prep.arrays
    with np.errstate(all="ignore"):
        steps = np.maximum(a - t, 0.0) / step
        if per_step == "started":
            steps = np.ceil(np.round(steps, _STEP_DECIMALS))
        elif per_step == "completed":
            steps = np.floor(np.round(steps, _STEP_DECIMALS))
        score = np.maximum(weight - k * steps, 0.0)
    return prep.wrap(score)


def rate(
    numerator: ArrayLike,
    denominator: ArrayLike,
    *,
    per: float = 1.0,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Rate ``per * numerator / denominator`` with a zero-denominator guard (§0, §1.3).

    A zero denominator (no users, no reports due) makes the rate *not
    applicable*: the result is NaN there, not 0 % and not 100 %. Test with
    ``np.isnan`` / ``Series.isna`` to flag those rows.

    Parameters
    ----------
    numerator, denominator : scalar, array or Series
        Counts, both ``>= 0``.
    per : float, default 1.0
        Scale, e.g. ``10_000`` for complaints per 10,000 users.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series
        The rate; NaN where the denominator is 0.

    Examples
    --------
    >>> rate([3, 0, 5], [12_000, 0, 50_000], per=10_000).round(4).tolist()
    [2.5, nan, 1.0]
    """
    per = _real("per", per)
    if per <= 0:
        raise ValueError(f"per must be positive, got {per!r}")
    prep = _prepare(nan_policy, numerator=numerator, denominator=denominator)
    num, den = prep.arrays
    for name, arr in (("numerator", num), ("denominator", den)):
        problem = _require(arr >= 0, prep.missing, arr, prep.index)
        if problem is not None:
            raise ValueError(f"{name} must be >= 0, got {problem}")
    with np.errstate(all="ignore"):
        out = np.where(den > 0, per * num / den, np.nan)
    return prep.wrap(out)


# --------------------------------------------------------------------------
# §1.4 efficacy coefficient
# --------------------------------------------------------------------------
def efficacy(
    x: ArrayLike,
    *,
    satisfactory: ArrayLike,
    not_allowed: ArrayLike,
    clip: tuple[float, float] | None = None,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Efficacy coefficient score (功效系数法), docs/methods.md §1.4.

    ``d = 60 + 40 * (x - x_s) / (x_h - x_s)`` with ``x_h`` the satisfactory
    value (满意值) and ``x_s`` the not-allowed value (不允许值). Works for
    reverse indicators when ``x_h < x_s``.

    Parameters
    ----------
    x : scalar, array or Series
    satisfactory : scalar, array or Series
        ``x_h``.
    not_allowed : scalar, array or Series
        ``x_s``; must differ from ``x_h`` everywhere.
    clip : tuple (lo, hi) or None, default None
        Optional clipping of ``d``, e.g. ``(0, 100)`` or ``(60, 100)``.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series
        The efficacy score ``d`` (60 at the not-allowed value, 100 at the
        satisfactory value).

    Examples
    --------
    >>> round(efficacy(5.81, satisfactory=12, not_allowed=6), 4)
    58.7333
    >>> efficacy([2.8, 1.0], satisfactory=1.5, not_allowed=3.5).round(6).tolist()
    [74.0, 110.0]
    >>> efficacy(1.0, satisfactory=1.5, not_allowed=3.5, clip=(0, 100))
    100.0
    """
    lo = hi = 0.0
    if clip is not None:
        if not isinstance(clip, tuple) or len(clip) != 2:
            raise TypeError(f"clip must be None or a (lo, hi) tuple, got {clip!r}")
        lo, hi = _real("clip[0]", clip[0]), _real("clip[1]", clip[1])
        if lo >= hi:
            raise ValueError(f"clip must have lo < hi, got {clip!r}")
    prep = _prepare(nan_policy, x=x, satisfactory=satisfactory, not_allowed=not_allowed)
    xv, xh, xs = prep.arrays
    span = xh - xs
    problem = _require(span != 0, prep.missing, xh, prep.index)
    if problem is not None:
        raise ValueError(f"satisfactory must differ from not_allowed, both equal {problem}")
    with np.errstate(all="ignore"):
        d = 60.0 + 40.0 * (xv - xs) / span
    if clip is not None:
        d = np.clip(d, lo, hi)
    return prep.wrap(d)


def efficacy_tiered(
    x: ArrayLike,
    *,
    standards: Sequence[float],
    weight: float,
    coefficients: Sequence[float] = (1.0, 0.8, 0.6, 0.4, 0.2),
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Tiered efficacy score (国资发评价〔2006〕157号), docs/methods.md §1.4.

    ``standards`` are the standard values Excellent, Good, Average, Low, Poor
    (best first) with ``coefficients`` 1.0/0.8/0.6/0.4/0.2. A value's own tier
    is the worse of the two standards bracketing it; then
    ``score = W * c_own + (x - v_own) / (v_up - v_own) * W * (c_up - c_own)``.
    ``x`` at or beyond Excellent gives ``W * coefficients[0]`` (= W with the
    standard coefficients); ``x`` worse than Poor gives 0.

    Parameters
    ----------
    x : scalar, array or Series
    standards : sequence of float
        Best first; strictly decreasing (higher is better) or strictly
        increasing (lower is better). Same length as ``coefficients``.
    weight : float
        W, ``>= 0``.
    coefficients : sequence of float
        Strictly decreasing, in ``(0, 1]``.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series
        Points in ``[0, W]``.

    Examples
    --------
    >>> efficacy_tiered(7.5, standards=(12, 9, 6, 3, 0), weight=20)
    14.0
    >>> efficacy_tiered([13, 12, 0, -1], standards=(12, 9, 6, 3, 0), weight=20).tolist()
    [20.0, 20.0, 4.0, 0.0]
    """
    weight = _real("weight", weight)
    if weight < 0:
        raise ValueError(f"weight must be >= 0, got {weight!r}")
    if isinstance(standards, str | bytes) or not isinstance(standards, Sequence | np.ndarray):
        raise TypeError(f"standards must be a sequence of numbers, got {standards!r}")
    if isinstance(coefficients, str | bytes) or not isinstance(coefficients, Sequence | np.ndarray):
        raise TypeError(f"coefficients must be a sequence of numbers, got {coefficients!r}")
    v = np.array([_real("standards", s) for s in standards])
    c = np.array([_real("coefficients", s) for s in coefficients])
    if len(v) != len(c) or len(v) < 2:
        raise ValueError(
            f"need as many standards as coefficients (at least 2), got {len(v)} and {len(c)}"
        )
    if not (np.all(np.diff(c) < 0) and c[-1] > 0 and c[0] <= 1):
        raise ValueError(f"coefficients must be strictly decreasing in (0, 1], got {tuple(c)}")
    dv = np.diff(v)
    if np.all(dv < 0):
        sign = 1.0
    elif np.all(dv > 0):
        sign = -1.0  # lower is better: mirror values and standards
    else:
        raise ValueError(f"standards must be strictly monotone (best first), got {tuple(v)}")
    prep = _prepare(nan_policy, x=x)
    (xv,) = prep.arrays
    asc = (sign * v)[::-1]  # Poor ... Excellent, ascending
    c_asc = c[::-1]
    xs = sign * xv
    j = np.searchsorted(asc, np.where(np.isnan(xs), asc[0], xs), side="right") - 1
    jj = np.clip(j, 0, len(asc) - 2)
    own, up = asc[jj], asc[jj + 1]
    with np.errstate(all="ignore"):
        score = weight * c_asc[jj] + (xs - own) / (up - own) * weight * (c_asc[jj + 1] - c_asc[jj])
    score = np.where(j < 0, 0.0, np.where(j >= len(asc) - 1, weight * c[0], score))
    return prep.wrap(score)


# --------------------------------------------------------------------------
# §1.5 ranking
# --------------------------------------------------------------------------
def rank_score(
    values: ArrayLike,
    *,
    best: float = 100.0,
    worst: float = 60.0,
    ties: Literal["min", "average", "dense"] = "min",
    higher_is_better: bool = True,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Ranking score (排名法), docs/methods.md §1.5.

    ``S = best - (rank - 1) * (best - worst) / (N - 1)``; ``N = 1`` gives
    ``best``. Ranks are 1 for the best value. With ``ties="dense"`` the
    ranks run to the number of distinct values, so the worst score can stay
    above ``worst`` (the formula keeps ``N``, the head count).

    Parameters
    ----------
    values : 1-D array or Series (a scalar is a field of one)
    best, worst : float
        Scores of rank 1 and rank N; ``best >= worst``.
    ties : {"min", "average", "dense"}
        Tie method (scipy.stats.rankdata).
    higher_is_better : bool, default True
    nan_policy : {"raise", "omit"}
        ``"omit"``: missing values get NaN and are not counted in ``N``.

    Returns
    -------
    float, ndarray or Series

    Examples
    --------
    >>> rank_score([95, 88, 88, 70, 60]).tolist()
    [100.0, 90.0, 90.0, 70.0, 60.0]
    >>> rank_score([95, 88, 88, 70, 60], ties="average").tolist()
    [100.0, 85.0, 85.0, 70.0, 60.0]
    """
    _check_choice("ties", ties, ("min", "average", "dense"))
    if not isinstance(higher_is_better, bool | np.bool_):
        raise TypeError(f"higher_is_better must be a bool, got {higher_is_better!r}")
    best, worst = _real("best", best), _real("worst", worst)
    if best < worst:
        raise ValueError(f"best must be >= worst, got best={best!r}, worst={worst!r}")
    prep = _prepare(nan_policy, values=values)
    (v,) = prep.arrays
    if v.ndim > 1:
        raise ValueError(f"values must be one-dimensional, got shape {v.shape}")
    flat = np.atleast_1d(v)
    ok = ~np.isnan(flat)
    out = np.full(flat.shape, np.nan)
    n = int(ok.sum())
    if n == 1:
        out[ok] = best
    elif n > 1:
        key = -flat[ok] if higher_is_better else flat[ok]
        ranks = rankdata(key, method=ties)
        out[ok] = best - (ranks - 1) * (best - worst) / (n - 1)
    return prep.wrap(out.reshape(v.shape))


# --------------------------------------------------------------------------
# §1.6 step
# --------------------------------------------------------------------------
def step(
    x: ArrayLike,
    *,
    brackets: Sequence[tuple[float, float]],
    below: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Step score (阶梯计分), docs/methods.md §1.6.

    Each bracket ``(lower_bound, score)`` covers ``[lower_bound, next bound)``
    (closed on the left); the highest bracket is open upwards. Brackets are
    sorted by bound, so any order is accepted; bounds must be distinct. Since
    each bracket ends where the next begins, there are no gaps or overlaps.

    Parameters
    ----------
    x : scalar, array or Series
    brackets : sequence of (lower_bound, score)
        Bounds finite or ``-inf``; scores finite.
    below : float or None, default None
        Score for values below the lowest bound; ``None`` raises for such
        values. Alternatively give a bracket ``(-inf, score)``.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    float, ndarray or Series

    Examples
    --------
    >>> rule = [(1.0, 10), (0.9, 8), (0.8, 6)]
    >>> step([1.05, 1.00, 0.95, 0.90, 0.85, 0.79], brackets=rule, below=0).tolist()
    [10.0, 10.0, 8.0, 8.0, 6.0, 0.0]
    >>> step(0.92, brackets=[*rule, (-np.inf, 0)])
    8.0
    """
    if isinstance(brackets, str | bytes | Mapping) or not isinstance(
        brackets, Sequence | np.ndarray
    ):
        raise TypeError(
            f"brackets must be a sequence of (lower_bound, score) pairs, got {brackets!r}"
        )
    if len(brackets) == 0:
        raise ValueError("brackets must not be empty")
    pairs = []
    for item in brackets:
        if not isinstance(item, Sequence | np.ndarray) or len(item) != 2:
            raise TypeError(f"each bracket must be a (lower_bound, score) pair, got {item!r}")
        bound, score = item
        if isinstance(bound, bool | np.bool_) or not isinstance(bound, numbers.Real):
            raise TypeError(f"bracket bound must be a real number, got {bound!r}")
        bound = float(bound)
        if math.isnan(bound) or bound == math.inf:
            raise ValueError(f"bracket bound must be finite or -inf, got {bound!r}")
        pairs.append((bound, _real("bracket score", score)))
    pairs.sort()
    bounds = np.array([p[0] for p in pairs])
    scores = np.array([p[1] for p in pairs])
    dup = bounds[1:][np.diff(bounds) == 0]
    if dup.size:
        raise ValueError(f"bracket bounds must be distinct, {dup[0]!r} appears twice")
    below_score = None if below is None else _real("below", below)
    prep = _prepare(nan_policy, x=x)
    (xv,) = prep.arrays
    j = np.searchsorted(bounds, xv, side="right") - 1
    under = (j < 0) & ~prep.missing
    if under.any() and below_score is None:
        raise ValueError(
            f"x below the lowest bracket bound {bounds[0]!r}: {_describe(under, prep.index, xv)}; "
            "pass below=<score> or add a (-inf, score) bracket"
        )
    out = np.where(j < 0, np.nan if below_score is None else below_score, scores[j.clip(0)])
    return prep.wrap(out)


# --------------------------------------------------------------------------
# §1.7 composite
# --------------------------------------------------------------------------
def _block(name: str, value: Any, n_rows: int, one_person: bool, index: pd.Index | None):
    """Per-row sums of a bonus/deduction input and its (n_rows, k) matrix."""
    if isinstance(value, pd.DataFrame):
        if index is not None and not value.index.equals(index):
            raise ValueError(f"{name} must have the same index as item_scores")
        if any(
            pd.api.types.is_bool_dtype(t) or not pd.api.types.is_numeric_dtype(t)
            for t in value.dtypes
        ):
            raise TypeError(f"{name} must hold numeric columns only")
        mat = value.to_numpy(dtype=float, na_value=np.nan)
    else:
        item = _coerce(name, value)
        if item.index is not None and index is not None and not item.index.equals(index):
            raise ValueError(f"{name} must have the same index as item_scores")
        mat = item.data
        if mat.ndim == 0:
            mat = np.full((n_rows, 1), float(mat))
        elif mat.ndim == 1:
            mat = mat.reshape(1, -1) if one_person else mat.reshape(-1, 1)
    if mat.ndim != 2 or mat.shape[0] != n_rows:
        raise ValueError(
            f"{name} must have one row per item_scores row ({n_rows}), got {mat.shape}"
        )
    return mat


def composite(
    item_scores: pd.DataFrame | np.ndarray | pd.Series | Sequence[float],
    *,
    bonus: Any = 0.0,
    bonus_cap: float,
    deduction: Any = 0.0,
    deduction_cap: float,
    max_total: float,
    veto: Any = False,
    veto_policy: Literal["zero", "lowest_grade"] = "zero",
    nan_policy: NanPolicy = "raise",
) -> pd.DataFrame:
    """Composite total with bonus, deduction and veto (加减分, 一票否决), §1.7.

    Order: ``base = Σ item scores`` → ``+ min(Σ bonus, bonus_cap)`` →
    ``- min(Σ deduction, deduction_cap)`` → clamp to ``[0, max_total]`` → veto.

    Parameters
    ----------
    item_scores : DataFrame, 2-D array, or 1-D sequence/Series
        Rows are staff (or units), columns are indicator scores in points.
        A 1-D input is *one person's* item scores (one result row); then
        ``bonus``, ``deduction`` and ``veto`` may also be 1-D lists of that
        person's items.
    bonus, deduction : scalar, 1-D (per row) or 2-D/DataFrame (rows × items)
        Non-negative points; 2-D inputs are summed across their columns.
        Deductions are given as positive amounts.
    bonus_cap, deduction_cap : float
        Caps on the summed bonus and deduction, ``>= 0``.
    max_total : float
        Upper clamp of the total, ``> 0``.
    veto : bool, 1-D bool (per row) or 2-D bool/DataFrame (rows × veto items)
        Veto triggers (一票否决). Column names of a DataFrame are reported in
        ``veto_items``.
    veto_policy : {"zero", "lowest_grade"}
        ``"zero"`` sets a vetoed total to 0; ``"lowest_grade"`` keeps the total
        and only flags the row (the grading step must force the lowest grade).
    nan_policy : {"raise", "omit"}
        ``"omit"``: a row with a missing item or bonus/deduction gets NaN
        ``base`` and ``total`` (never a silently partial sum).

    Returns
    -------
    DataFrame
        One row per input row (same index as a DataFrame input), columns:

        ``base``               sum of item scores;
        ``bonus``              sum of bonus points before the cap;
        ``bonus_applied``      ``min(bonus, bonus_cap)``;
        ``deduction``          sum of deductions before the cap;
        ``deduction_applied``  ``min(deduction, deduction_cap)``;
        ``clamped``            bool, the clamp to ``[0, max_total]`` changed the value;
        ``vetoed``             bool, a veto was triggered;
        ``veto_items``         names of the triggered veto items (``""`` if none);
        ``total``              final total.

    Examples
    --------
    >>> items = [42.4, 24.0, 12.5, 8.0, 4.7, 7.6]
    >>> out = composite(items, bonus=[3, 2], bonus_cap=4, deduction=1.5,
    ...                 deduction_cap=10, max_total=120)
    >>> out[["base", "bonus_applied", "deduction_applied", "total"]].round(6).to_numpy().tolist()
    [[99.2, 4.0, 1.5, 101.7]]
    >>> vetoed = composite(items, bonus=[3, 2], bonus_cap=4, deduction=1.5,
    ...                    deduction_cap=10, max_total=120, veto=True)
    >>> float(vetoed.loc[0, "total"]), bool(vetoed.loc[0, "vetoed"])
    (0.0, True)
    """
    _check_choice("veto_policy", veto_policy, ("zero", "lowest_grade"))
    _check_choice("nan_policy", nan_policy, ("raise", "omit"))
    bonus_cap, deduction_cap, max_total = _composite_limits(bonus_cap, deduction_cap, max_total)
    items, index, one_person = _item_matrix(item_scores)
    n_rows = items.shape[0]
    out_index = index if index is not None else pd.RangeIndex(n_rows)
    blocks = {
        "item_scores": items,
        "bonus": _block("bonus", bonus, n_rows, one_person, index),
        "deduction": _block("deduction", deduction, n_rows, one_person, index),
    }
    missing = _missing_rows(blocks, nan_policy, out_index)
    vmat, vnames = _veto_matrix(veto, n_rows, one_person, index)

    base = items.sum(axis=1)
    bonus_sum = blocks["bonus"].sum(axis=1)
    deduction_sum = blocks["deduction"].sum(axis=1)
    bonus_applied = np.minimum(bonus_sum, bonus_cap)
    deduction_applied = np.minimum(deduction_sum, deduction_cap)
    raw = base + bonus_applied - deduction_applied
    total = np.clip(raw, 0.0, max_total)
    clamped = (total != raw) & ~missing
    vetoed = vmat.any(axis=1)
    if veto_policy == "zero":
        total = np.where(vetoed, 0.0, total)
    nan_rows = np.where(missing, np.nan, 0.0)
    return pd.DataFrame(
        {
            "base": base + nan_rows,
            "bonus": bonus_sum + nan_rows,
            "bonus_applied": bonus_applied + nan_rows,
            "deduction": deduction_sum + nan_rows,
            "deduction_applied": deduction_applied + nan_rows,
            "clamped": clamped,
            "vetoed": vetoed,
            "veto_items": _veto_items(vmat, vnames),
            "total": total + nan_rows,
        },
        index=out_index,
    )


def _composite_limits(
    bonus_cap: float, deduction_cap: float, max_total: float
) -> tuple[float, float, float]:
    """The caps and the upper clamp of :func:`composite`, checked."""
    bonus_cap = _real("bonus_cap", bonus_cap)
    deduction_cap = _real("deduction_cap", deduction_cap)
    max_total = _real("max_total", max_total)
    if bonus_cap < 0 or deduction_cap < 0:
        raise ValueError(
            f"bonus_cap and deduction_cap must be >= 0, got {bonus_cap!r}, {deduction_cap!r}"
        )
    if max_total <= 0:
        raise ValueError(f"max_total must be positive, got {max_total!r}")
    return bonus_cap, deduction_cap, max_total


def _item_matrix(item_scores: Any) -> tuple[np.ndarray, pd.Index | None, bool]:
    """(rows x items matrix, index of a DataFrame input, 1-D input = one person)."""
    if isinstance(item_scores, pd.DataFrame):
        if not all(pd.api.types.is_numeric_dtype(t) for t in item_scores.dtypes) or any(
            pd.api.types.is_bool_dtype(t) for t in item_scores.dtypes
        ):
            raise TypeError("item_scores must hold numeric columns only")
        return item_scores.to_numpy(dtype=float, na_value=np.nan), item_scores.index, False
    items = _coerce("item_scores", item_scores).data
    one_person = items.ndim == 1
    if one_person:
        items = items.reshape(1, -1)
    if items.ndim != 2:
        raise ValueError(f"item_scores must be 1-D or 2-D, got shape {items.shape}")
    return items, None, one_person


def _missing_rows(
    blocks: dict[str, np.ndarray], nan_policy: str, out_index: pd.Index
) -> np.ndarray:
    """Rows with a missing item, bonus or deduction; checks finiteness and signs."""
    missing = np.zeros(len(out_index), dtype=bool)
    for name, mat in blocks.items():
        nan = np.isnan(mat)
        if nan.any() and nan_policy == "raise":
            row, col = np.argwhere(nan)[0]
            raise ValueError(
                f"{name} has missing values (first at row {out_index[row]!r}, column {col}); "
                "pass nan_policy='omit' to give such rows a NaN total"
            )
        if np.isinf(mat).any():
            raise ValueError(f"{name} must be finite")
        missing |= nan.any(axis=1)
        if name != "item_scores" and (mat < 0).any():
            raise ValueError(f"{name} must be non-negative (give deductions as positive points)")
    return missing


def _veto_matrix(
    veto: Any, n_rows: int, one_person: bool, index: pd.Index | None
) -> tuple[np.ndarray, list[str]]:
    """(rows x veto items bool matrix, names of the veto items)."""
    if isinstance(veto, pd.DataFrame):
        if index is not None and not veto.index.equals(index):
            raise ValueError("veto must have the same index as item_scores")
        if not all(pd.api.types.is_bool_dtype(t) for t in veto.dtypes):
            raise TypeError("veto must hold bool columns")
        vmat = veto.to_numpy(dtype=bool)
        vnames = [str(c) for c in veto.columns]
    else:
        varr = np.asarray(veto)
        if varr.dtype != bool:
            raise TypeError(f"veto must be bool (scalar, 1-D or 2-D), got dtype {varr.dtype}")
        if varr.ndim == 0:
            vmat = np.full((n_rows, 1), bool(varr))
        elif varr.ndim == 1:
            vmat = varr.reshape(1, -1) if one_person else varr.reshape(-1, 1)
        else:
            vmat = varr
        vnames = ["veto"] if vmat.shape[1] == 1 else [f"veto_{j}" for j in range(vmat.shape[1])]
    if vmat.ndim != 2 or vmat.shape[0] != n_rows:
        raise ValueError(f"veto must have one row per item_scores row ({n_rows}), got {vmat.shape}")
    return vmat, vnames


def _veto_items(vmat: np.ndarray, vnames: list[str]) -> np.ndarray:
    """Per row, the names of the triggered veto items joined by ", " ("" when none)."""
    out = np.full(vmat.shape[0], "", dtype=object)
    for row in np.flatnonzero(vmat.any(axis=1)):
        out[row] = ", ".join(n for n, hit in zip(vnames, vmat[row], strict=True) if hit)
    return out


# --------------------------------------------------------------------------
# §1.8 quotas and forced distribution; §1.10 money
# --------------------------------------------------------------------------
def _parse_shares(shares: Mapping[Hashable, Any]) -> dict[Hashable, Fraction]:
    if not isinstance(shares, Mapping):
        raise TypeError(
            "shares must be a mapping grade -> share (best grade first), "
            f"got {type(shares).__name__}"
        )
    if not shares:
        raise ValueError("shares must not be empty")
    exact = {
        g: to_fraction(s, name=f"share of grade {g!r}", nonnegative=True) for g, s in shares.items()
    }
    total = sum(exact.values(), Fraction(0))
    if total == 100:
        return {g: s / 100 for g, s in exact.items()}
    if total != 1:
        raise ValueError(
            f"shares must sum to exactly 1 (fractions) or 100 (percentages), got {total} "
            f"(= {float(total)!r}); write them as strings like '0.2' or as Fractions"
        )
    return exact


def quota(
    n: int,
    shares: Mapping[Hashable, Any],
    *,
    policy: Literal["largest_remainder", "strict"] = "largest_remainder",
) -> dict[Hashable, int]:
    """Head-count quotas of a forced distribution, in exact arithmetic (§1.8).

    ``q_g = share_g * n`` as a ``Fraction``.

    * ``"largest_remainder"``: floor every quota, then give the leftover
      places by descending fractional part, ties to the grade listed first.
    * ``"strict"``: the first (best) grade gets ``floor(q)`` (never above its
      quota), the last (worst) grade ``ceil(q)`` (never below its quota);
      grades in between get ``floor(q)`` plus the remaining places by largest
      remainder, so each stays within ``floor(q)..ceil(q)``. With two grades
      this is simply floor / ceil.

    Parameters
    ----------
    n : int
        Head count, ``>= 0``.
    shares : mapping grade -> share, best grade first
        Numbers (floats are read through their decimal repr, so ``0.2`` is
        exactly 1/5), ``Fraction``/``Decimal``, or strings like ``"0.2"``,
        ``"1/5"``. They must sum to exactly 1, or to exactly 100 (percentages).
    policy : {"largest_remainder", "strict"}

    Returns
    -------
    dict
        Grade -> head count; the counts sum to ``n``.

    Examples
    --------
    >>> quota(23, {"A": 0.2, "B": 0.7, "C": 0.1})
    {'A': 5, 'B': 16, 'C': 2}
    >>> quota(23, {"A": "20", "B": "70", "C": "10"}, policy="strict")
    {'A': 4, 'B': 16, 'C': 3}
    """
    _check_choice("policy", policy, ("largest_remainder", "strict"))
    if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int, got {type(n).__name__} {n!r}")
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    parsed = _parse_shares(shares)
    grades = list(parsed)
    exact = [parsed[g] * n for g in grades]
    if policy == "largest_remainder" or len(grades) == 1:
        counts = largest_remainder(exact)
    else:
        counts = [math.floor(q) for q in exact]
        counts[-1] = math.ceil(exact[-1])
        left = n - sum(counts)  # 0 <= left <= number of middle grades
        middle = sorted(range(1, len(grades) - 1), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in middle[:left]:
            counts[i] += 1
    return dict(zip(grades, counts, strict=True))


@dataclass(frozen=True)
class ForcedDistribution:
    """Result of :func:`forced_distribution`.

    Attributes
    ----------
    grades : Series
        Grade per row, aligned with the scores (same index); ``None`` for
        rows omitted because of a missing score.
    quota : dict
        Grade -> head count from :func:`quota`.
    assigned : dict
        Grade -> head count actually assigned.
    overflow : dict
        Grade -> ``assigned - quota`` for grades where the tie policy moved
        the boundary (empty when the quotas were met exactly).
    notes : tuple of str
        One sentence per boundary that split a tie, saying what was done.
    """

    grades: pd.Series
    quota: dict[Hashable, int]
    assigned: dict[Hashable, int]
    overflow: dict[Hashable, int]
    notes: tuple[str, ...]


def forced_distribution(
    scores: pd.Series | np.ndarray | Sequence[float],
    *,
    shares: Mapping[Hashable, Any],
    policy: Literal["largest_remainder", "strict"] = "largest_remainder",
    ties: Literal["secondary", "admit_all", "admit_none"] = "secondary",
    secondary: pd.Series | np.ndarray | Sequence[float] | None = None,
    higher_is_better: bool = True,
    nan_policy: NanPolicy = "raise",
) -> ForcedDistribution:
    """Forced distribution of grades (强制分布), docs/methods.md §1.8.

    Quotas come from :func:`quota`; grades are handed out down the ranking.
    When a quota boundary falls inside a group of equal scores:

    * ``"secondary"``: order by ``secondary`` (higher is better) within equal
      scores; a tie that remains across a boundary raises ``ValueError``;
    * ``"admit_all"``: the whole tied group gets the better grade (over quota);
    * ``"admit_none"``: the whole tied group gets the worse grade (under quota).

    Boundaries are cumulative, so an overflow in one grade is taken from the
    next grade. Every moved boundary is reported in ``overflow`` and ``notes``.

    Parameters
    ----------
    scores : 1-D array or Series
    shares : mapping grade -> share, best grade first
        As for :func:`quota`.
    policy : {"largest_remainder", "strict"}
    ties : {"secondary", "admit_all", "admit_none"}
    secondary : 1-D array or Series, optional
        Tie-break key (higher is better), required for ``ties="secondary"``.
    higher_is_better : bool, default True
        Direction of ``scores``.
    nan_policy : {"raise", "omit"}
        ``"omit"``: rows with a missing score (or secondary key) get no grade
        and are not counted in N.

    Returns
    -------
    ForcedDistribution
        ``grades`` (Series aligned with ``scores``), ``quota``, ``assigned``,
        ``overflow``, ``notes``.

    Examples
    --------
    >>> res = forced_distribution([90, 85, 85, 70, 60], shares={"A": "0.2", "B": "0.6",
    ...                           "C": "0.2"}, ties="admit_all")
    >>> res.grades.tolist(), res.overflow
    (['A', 'B', 'B', 'B', 'C'], {})
    >>> res = forced_distribution([90, 90, 85, 70, 60], shares={"A": "0.2", "B": "0.6",
    ...                           "C": "0.2"}, ties="admit_all")
    >>> res.grades.tolist(), res.overflow
    (['A', 'A', 'B', 'B', 'C'], {'A': 1, 'B': -1})
    """
    _check_choice("ties", ties, ("secondary", "admit_all", "admit_none"))
    _check_choice("nan_policy", nan_policy, ("raise", "omit"))
    if not isinstance(higher_is_better, bool | np.bool_):
        raise TypeError(f"higher_is_better must be a bool, got {higher_is_better!r}")
    inputs: dict[str, Any] = {"scores": scores}
    if ties == "secondary":
        if secondary is None:
            raise ValueError("ties='secondary' needs a secondary key; or choose another ties")
        inputs["secondary"] = secondary
    elif secondary is not None:
        raise ValueError(f"secondary is only used with ties='secondary', got ties={ties!r}")
    prep = _prepare(nan_policy, **inputs)
    s = prep.arrays[0]
    if s.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {s.shape}")
    index = prep.index if prep.index is not None else pd.RangeIndex(len(s))
    ok = np.flatnonzero(~prep.missing)
    counts = quota(len(ok), shares, policy=policy)
    grades = list(counts)
    key1 = -s[ok] if higher_is_better else s[ok]
    if ties == "secondary":
        key2 = -prep.arrays[1][ok]
        order = np.lexsort((key2, key1))
        keys = np.column_stack((key1[order], key2[order]))
    else:
        order = np.lexsort((key1,))
        keys = key1[order].reshape(-1, 1)
    n = len(ok)
    new_group = np.ones(n, dtype=bool)
    if n > 1:
        new_group[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0)) if n else new_group
    label = np.empty(n, dtype=object)
    notes: list[str] = []
    start, boundary = 0, 0
    for g in grades[:-1]:
        boundary += counts[g]
        end = max(start, boundary)
        if 0 < end < n and not new_group[end]:
            first = int(group_start[end])
            last = end
            while last < n and not new_group[last]:
                last += 1
            tied = [index[ok[order[i]]] for i in range(first, last)]
            value = float(s[ok[order[end]]])
            if ties == "secondary":
                raise ValueError(
                    f"the boundary of grade {g!r} splits rows tied on score {value!r} and on "
                    f"the secondary key: {tied!r}; add a further key or choose "
                    "ties='admit_all' / 'admit_none'"
                )
            end = last if ties == "admit_all" else max(first, start)
            verb = "admitted all" if ties == "admit_all" else "admitted none"
            notes.append(
                f"grade {g!r}: {len(tied)} rows tied at score {value!r} across the boundary "
                f"({tied!r}); {verb}"
            )
        label[start:end] = g
        start = end
    label[start:] = grades[-1]
    out = np.full(len(s), None, dtype=object)
    out[ok[order]] = label
    assigned = {g: int(np.sum(label == g)) for g in grades}
    overflow = {g: assigned[g] - counts[g] for g in grades if assigned[g] != counts[g]}
    return ForcedDistribution(
        grades=pd.Series(out, index=index, dtype=object),
        quota=counts,
        assigned=assigned,
        overflow=overflow,
        notes=tuple(notes),
    )


def split_fen(total_fen: int, weights: Sequence[Any]) -> list[int]:
    """Split an amount in integer fen by weights, parts summing exactly (§1.10).

    Exact shares ``total * w_i / Σw`` (``Fraction``) are floored and the
    leftover fen go to the largest remainders, ties to the earlier position.
    A negative total (a claw-back) is split like its absolute value and
    negated, so all parts are ``<= 0``.

    Parameters
    ----------
    total_fen : int
        Amount in fen (分), an integer.
    weights : sequence of numbers or numeric strings
        Non-negative, not all zero. Floats are read through their decimal repr.

    Returns
    -------
    list of int
        Parts in fen, summing exactly to ``total_fen``.

    Examples
    --------
    >>> split_fen(1_000_000, [1, 1, 1])
    [333334, 333333, 333333]
    >>> split_fen(-100, [1, 2])
    [-33, -67]
    """
    if isinstance(total_fen, bool | np.bool_) or not isinstance(total_fen, numbers.Integral):
        raise TypeError(
            f"total_fen must be an int amount in fen, got {type(total_fen).__name__} {total_fen!r}"
        )
    if isinstance(weights, str | bytes | Mapping) or not isinstance(
        weights, Sequence | np.ndarray | pd.Series
    ):
        raise TypeError(f"weights must be a sequence of numbers, got {type(weights).__name__}")
    exact = [
        to_fraction(w, name=f"weights[{i}]", nonnegative=True) for i, w in enumerate(list(weights))
    ]
    if not exact:
        raise ValueError("weights must not be empty")
    denom = sum(exact, Fraction(0))
    if denom == 0:
        raise ValueError("weights must not all be zero")
    total = int(total_fen)
    sign = -1 if total < 0 else 1
    parts = largest_remainder([abs(total) * w / denom for w in exact])
    return [sign * p for p in parts]


# --------------------------------------------------------------------------
# §1.9 normalisation
# --------------------------------------------------------------------------
def normalise(
    x: pd.Series | pd.DataFrame | np.ndarray | Sequence[float],
    *,
    method: Literal["minmax", "z", "t"] = "minmax",
    reverse: bool = False,
    ddof: int = 1,
    constant: float = 0.0,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Normalise across units (column-wise for 2-D input), docs/methods.md §1.9.

    * ``"minmax"``: ``(x - min) / (max - min)``; with ``reverse=True``
      ``(max - x) / (max - min)``. A constant column gives ``constant``
      (default 0.0: it carries no information, so it adds nothing).
    * ``"z"``: ``(x - mean) / sd`` with ``ddof``; ``sd = 0`` (or fewer than
      ``ddof + 1`` values) gives 0. ``reverse=True`` negates.
    * ``"t"``: ``50 + 10 z``.

    Parameters
    ----------
    x : 1-D or 2-D array, Series or DataFrame
    method : {"minmax", "z", "t"}
    reverse : bool, default False
        Lower is better.
    ddof : int, default 1
    constant : float, default 0.0
        Min-max value of a constant column.
    nan_policy : {"raise", "omit"}
        ``"omit"``: statistics over the present values; missing stay NaN.

    Returns
    -------
    ndarray, Series or DataFrame
        Same shape and labels as ``x``.

    Examples
    --------
    >>> x = [80, 90, 100, 110, 120]
    >>> normalise(x).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> normalise(x, method="z").round(6).tolist()
    [-1.264911, -0.632456, 0.0, 0.632456, 1.264911]
    >>> normalise(x, method="t").round(6).tolist()
    [37.350889, 43.675445, 50.0, 56.324555, 62.649111]
    """
    _check_choice("method", method, ("minmax", "z", "t"))
    _check_choice("nan_policy", nan_policy, ("raise", "omit"))
    if not isinstance(reverse, bool | np.bool_):
        raise TypeError(f"reverse must be a bool, got {reverse!r}")
    if isinstance(ddof, bool | np.bool_) or not isinstance(ddof, numbers.Integral) or ddof < 0:
        raise ValueError(f"ddof must be a non-negative int, got {ddof!r}")
    constant = _real("constant", constant)
    frame: pd.DataFrame | None = None
    if isinstance(x, pd.DataFrame):
        frame = x
        prep = None
        cols = [_prepare(nan_policy, **{f"x[{c!r}]": x[c]}).arrays[0] for c in x.columns]
        arr = np.column_stack(cols) if cols else np.empty((len(x), 0))
    else:
        prep = _prepare(nan_policy, x=x)
        arr = prep.arrays[0]
        if arr.ndim > 2:
            raise ValueError(f"x must be 1-D or 2-D, got shape {arr.shape}")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    count = np.sum(~np.isnan(arr), axis=0)
    if method == "minmax":
        with np.errstate(all="ignore"):
            lo = np.min(arr, axis=0, initial=np.inf, where=~np.isnan(arr))
            hi = np.max(arr, axis=0, initial=-np.inf, where=~np.isnan(arr))
            span = hi - lo
            scaled = (hi - arr) / span if reverse else (arr - lo) / span
        out = np.where(span > 0, scaled, constant)
    else:
        with np.errstate(all="ignore"):
            mean = np.sum(np.where(np.isnan(arr), 0.0, arr), axis=0) / np.maximum(count, 1)
            dev = np.where(np.isnan(arr), 0.0, arr - mean)
            var = np.sum(dev**2, axis=0) / np.maximum(count - ddof, 1)
            sd = np.sqrt(var)
            z = np.where((sd > 0) & (count > ddof), (arr - mean) / sd, 0.0)
        if reverse:
            z = -z
        out = z if method == "z" else 50.0 + 10.0 * z
    out = np.where(np.isnan(arr), np.nan, out)
    if frame is not None:
        return pd.DataFrame(out, index=frame.index, columns=frame.columns)
    if prep is not None and prep.scalar:
        return float(out[0])
    if prep is not None and prep.index is not None:
        return pd.Series(out, index=prep.index, name=getattr(x, "name", None))
    return out
