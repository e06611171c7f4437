"""Weights and multi-criteria methods (docs/methods.md §2): AHP, entropy, CRITIC, TOPSIS.

Decision matrices have alternatives (units, staff) in rows and criteria in
columns. They may be NumPy arrays or DataFrames; a DataFrame gives Series
results labelled by its columns (weights) or its index (TOPSIS closeness).
``cost`` is a boolean sequence marking lower-is-better criteria.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "RI_SAATY",
    "RI_TUMMALA_LING",
    "AHPResult",
    "ahp",
    "critic_weights",
    "entropy_weights",
    "hierarchy_weights",
    "topsis",
]

#: Saaty's random consistency index, n = 1..15 (docs/methods.md §2.1).
RI_SAATY: tuple[float, ...] = (
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
)  # fmt: skip
#: Tummala & Ling (1998) random consistency index, n = 1..15 (docs/methods.md §2.1).
RI_TUMMALA_LING: tuple[float, ...] = (
    0.0, 0.0, 0.5799, 0.8921, 1.1159, 1.2358, 1.3322, 1.3952, 1.4537, 1.4882,
    1.5117, 1.5356, 1.5571, 1.5714, 1.5831,
)  # fmt: skip
_RI = {"saaty": RI_SAATY, "tummala_ling": RI_TUMMALA_LING}

#: Relative tolerance of the reciprocity check a_ij * a_ji == 1.
RECIPROCAL_RTOL = 1e-9


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _matrix(matrix: Any, name: str = "matrix") -> tuple[np.ndarray, pd.DataFrame | None]:
    """A 2-D float array from an array, nested sequence or numeric DataFrame."""
    if isinstance(matrix, pd.DataFrame):
        for col, dtype in matrix.dtypes.items():
            if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
                raise TypeError(f"{name} column {col!r} must be numeric, got dtype {dtype}")
        arr = matrix.to_numpy(dtype=float, na_value=np.nan)
        frame: pd.DataFrame | None = matrix
    elif isinstance(matrix, np.ndarray | list | tuple):
        arr = np.asarray(matrix)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
        arr = arr.astype(float)
        frame = None
    else:
        raise TypeError(f"{name} must be a 2-D array or DataFrame, got {type(matrix).__name__}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}")
    if np.isinf(arr).any():
        i, j = np.argwhere(np.isinf(arr))[0]
        raise ValueError(f"{name} must be finite, got {arr[i, j]!r} at ({i}, {j})")
    return arr, frame


def _rows_complete(arr: np.ndarray, nan_policy: str, name: str = "matrix") -> np.ndarray:
    """Boolean mask of rows without NaN; raises under nan_policy='raise'."""
    _check_choice("nan_policy", nan_policy, ("raise", "omit"))
    nan = np.isnan(arr)
    if nan.any() and nan_policy == "raise":
        i, j = np.argwhere(nan)[0]
        raise ValueError(
            f"{name} has missing values (first at row {i}, column {j}); "
            "pass nan_policy='omit' to leave incomplete rows out"
        )
    return ~nan.any(axis=1)


def _cost_mask(cost: Sequence[bool] | np.ndarray | None, n: int) -> np.ndarray:
    if cost is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(cost)
    if arr.dtype != bool:
        raise TypeError(f"cost must be a sequence of bools (True = lower is better), got {cost!r}")
    if arr.shape != (n,):
        raise ValueError(f"cost must have one entry per criterion ({n}), got shape {arr.shape}")
    return arr


def _complete_rows(
    matrix: Any, cost: Sequence[bool] | np.ndarray | None, nan_policy: str
) -> tuple[np.ndarray, pd.DataFrame | None, np.ndarray]:
    """The complete rows of ``matrix`` as floats, its DataFrame (or None) and the cost mask."""
    arr, frame = _matrix(matrix)
    arr = arr[_rows_complete(arr, nan_policy)]
    return arr, frame, _cost_mask(cost, arr.shape[1])


def _minmax(arr: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Direction-aware min-max per column; constant columns -> 0. Returns (y, varying)."""
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    span = hi - lo
    varying = span > 0
    safe = np.where(varying, span, 1.0)
    y = np.where(cost, hi - arr, arr - lo) / safe
    return np.where(varying, y, 0.0), varying


def _label(values: np.ndarray, labels: pd.Index | None, name: str) -> np.ndarray | pd.Series:
    if labels is None:
        return values
    return pd.Series(values, index=labels, name=name)


# --------------------------------------------------------------------------
# §2.1 AHP
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class AHPResult:
    """Result of :func:`ahp`.

    Attributes
    ----------
    weights : ndarray or Series
        Priority vector, sums to 1 (Series labelled by the DataFrame's columns).
    lambda_max : float
        Principal eigenvalue (for "geometric"/"column", the usual estimate
        ``mean((A w)_i / w_i)``).
    ci : float
        Consistency index ``(lambda_max - n) / (n - 1)``; 0 for ``n <= 2``.
    cr : float
        Consistency ratio ``ci / RI[n]``; 0 for ``n <= 2``.
    consistent : bool
        ``cr < 0.1``.
    ri : float
        The random index used.
    """

    weights: np.ndarray | pd.Series
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    ri: float


def _to_float(value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"AHP judgements must be numbers, got bool {value!r}")
    if isinstance(value, str):
        return float(Fraction(value.strip()))
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"AHP judgements must be numbers or strings like '1/7', got {value!r}")


def ahp(
    matrix: Any,
    *,
    method: Literal["eigen", "geometric", "column"] = "eigen",
    ri: Literal["saaty", "tummala_ling"] = "saaty",
) -> AHPResult:
    """Analytic hierarchy process weights and consistency (层次分析法), §2.1.

    Parameters
    ----------
    matrix : square array, nested list or DataFrame
        Pairwise comparison matrix, ``a_ij > 0`` and ``a_ji = 1 / a_ij``
        (relative tolerance 1e-9). Write reciprocals exactly (``1/7`` in
        Python, or strings such as ``"1/7"``); a rounded ``0.143`` is rejected
        as non-reciprocal.
    method : {"eigen", "geometric", "column"}
        Principal eigenvector (default), geometric mean of rows (方根法), or
        mean of the column-normalised matrix (和积法).
    ri : {"saaty", "tummala_ling"}
        Random index table (default Saaty), defined for n = 1..15.

    Returns
    -------
    AHPResult
        ``weights``, ``lambda_max``, ``ci``, ``cr``, ``consistent`` (CR < 0.1), ``ri``.

    Examples
    --------
    >>> res = ahp([[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]])
    >>> res.weights.round(6).tolist(), round(res.lambda_max, 6), round(res.cr, 6)
    ([0.571429, 0.285714, 0.142857], 3.0, 0.0)
    >>> ahp([["1", "3"], ["1/3", "1"]], method="geometric").weights.round(4).tolist()
    [0.75, 0.25]
    """
    _check_choice("method", method, ("eigen", "geometric", "column"))
    _check_choice("ri", ri, ("saaty", "tummala_ling"))
    labels: pd.Index | None = None
    if isinstance(matrix, pd.DataFrame):
        if not matrix.index.equals(matrix.columns):
            raise ValueError("an AHP DataFrame must have the same labels on rows and columns")
        labels = matrix.columns
        raw = matrix.to_numpy(dtype=object)
    elif isinstance(matrix, np.ndarray | list | tuple):
        raw = np.asarray(matrix, dtype=object)
    else:
        raise TypeError(f"matrix must be a square array or DataFrame, got {type(matrix).__name__}")
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.shape[0] == 0:
        raise ValueError(f"matrix must be square and non-empty, got shape {raw.shape}")
    a = np.vectorize(_to_float, otypes=[float])(raw)
    n = a.shape[0]
    table = _RI[ri]
    if n > len(table):
        raise ValueError(f"the {ri} RI table covers n = 1..{len(table)}, got n = {n}")
    if not np.isfinite(a).all() or (a <= 0).any():
        i, j = np.argwhere(~(np.isfinite(a) & (a > 0)))[0]
        raise ValueError(f"judgements must be positive and finite, got {a[i, j]!r} at ({i}, {j})")
    product = a * a.T
    bad = np.abs(product - 1.0) > RECIPROCAL_RTOL
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"matrix is not reciprocal: a[{i},{j}] * a[{j},{i}] = {a[i, j]!r} * {a[j, i]!r} "
            f"= {product[i, j]!r} != 1; write reciprocals exactly (1/7, or the string '1/7')"
        )
    if method == "eigen":
        values, vectors = np.linalg.eig(a)
        k = int(np.argmax(values.real))
        w = np.abs(vectors[:, k].real)
        w = w / w.sum()
        lam = float(values[k].real)
    else:
        if method == "geometric":
            w = np.exp(np.log(a).mean(axis=1))
        else:
            w = (a / a.sum(axis=0)).mean(axis=1)
        w = w / w.sum()
        lam = float(np.mean(a @ w / w))
    if n <= 2:
        ci = cr = 0.0
    else:
        # lambda_max >= n for a positive reciprocal matrix (Saaty); a tiny
        # negative CI is rounding.
        ci = max((lam - n) / (n - 1), 0.0)
        cr = ci / table[n - 1]
    return AHPResult(
        weights=_label(w, labels, "weight"),
        lambda_max=lam,
        ci=float(ci),
        cr=float(cr),
        consistent=bool(cr < 0.1),
        ri=float(table[n - 1]),
    )


def hierarchy_weights(
    criteria: dict[str, float], sub: dict[str, dict[str, float]]
) -> dict[tuple[str, str], float]:
    """Global weights in a two-level hierarchy: product of local weights (§2.1).

    Parameters
    ----------
    criteria : dict criterion -> local weight
    sub : dict criterion -> (dict sub-criterion -> local weight)
        Every criterion needs its sub-criteria.

    Returns
    -------
    dict
        ``(criterion, sub-criterion) -> global weight``.

    Examples
    --------
    >>> hierarchy_weights({"业绩": 0.6, "服务": 0.4}, {"业绩": {"收入": 0.5, "新增": 0.5},
    ...                   "服务": {"满意度": 1.0}})
    {('业绩', '收入'): 0.3, ('业绩', '新增'): 0.3, ('服务', '满意度'): 0.4}
    """
    missing = set(criteria) - set(sub)
    if missing:
        raise ValueError(f"sub-criteria missing for {sorted(missing)!r}")
    return {(c, s): float(wc) * float(ws) for c, wc in criteria.items() for s, ws in sub[c].items()}


# --------------------------------------------------------------------------
# §2.2 entropy, §2.3 CRITIC
# --------------------------------------------------------------------------
def entropy_weights(
    matrix: Any,
    *,
    cost: Sequence[bool] | np.ndarray | None = None,
    normalise: Literal["minmax", "sum"] = "minmax",
    nan_policy: Literal["raise", "omit"] = "raise",
) -> np.ndarray | pd.Series:
    """Entropy weights (熵权法), docs/methods.md §2.2.

    ``p_ij = y_ij / Σ_i y_ij``; ``e_j = -(1/ln m) Σ_i p_ij ln p_ij`` with
    ``0 ln 0 = 0``; ``d_j = 1 - e_j``; ``w_j = d_j / Σ d``.

    Parameters
    ----------
    matrix : 2-D array or DataFrame
        Alternatives in rows (at least 2), criteria in columns.
    cost : sequence of bool, optional
        Lower-is-better criteria (reversed min-max). Only with ``"minmax"``.
    normalise : {"minmax", "sum"}
        ``"minmax"`` (usual practice) gives ``y`` by direction-aware min-max;
        ``"sum"`` uses the raw non-negative values (``p = x / Σx``).
    nan_policy : {"raise", "omit"}
        ``"omit"`` leaves incomplete rows out.

    Returns
    -------
    ndarray or Series
        Weights summing to 1; a constant column gets weight 0. Raises if every
        column is constant.

    Examples
    --------
    >>> y = [[95, 2.0, 80], [88, 1.5, 90], [102, 3.0, 70], [110, 2.5, 85]]
    >>> entropy_weights(y, cost=[False, True, False]).round(6).tolist()
    [0.353279, 0.346194, 0.300527]
    """
    _check_choice("normalise", normalise, ("minmax", "sum"))
    arr, frame, cmask = _complete_rows(matrix, cost, nan_policy)
    m = arr.shape[0]
    if m < 2:
        raise ValueError(f"entropy weights need at least 2 complete rows, got {m}")
    if normalise == "minmax":
        y, varying = _minmax(arr, cmask)
    else:
        if cmask.any():
            raise ValueError(
                "cost criteria need normalise='minmax' (the sum rule has no direction)"
            )
        if (arr < 0).any():
            raise ValueError("normalise='sum' needs non-negative values")
        y = arr
        varying = arr.max(axis=0) > arr.min(axis=0)
    if not varying.any():
        raise ValueError("every criterion is constant: entropy weights are undefined")
    col_sum = y.sum(axis=0)
    p = y / np.where(col_sum > 0, col_sum, 1.0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = np.where(varying, 1.0 - e, 0.0)
    w = d / d.sum()
    return _label(w, None if frame is None else frame.columns, "weight")


def critic_weights(
    matrix: Any,
    *,
    cost: Sequence[bool] | np.ndarray | None = None,
    nan_policy: Literal["raise", "omit"] = "raise",
) -> np.ndarray | pd.Series:
    """CRITIC weights, docs/methods.md §2.3.

    Direction-aware min-max; ``σ_j`` sample sd (ddof 1); ``C_j = σ_j Σ_k (1 - r_jk)``
    with Pearson ``r`` among non-constant criteria; ``w = C / Σ C``.

    Parameters
    ----------
    matrix : 2-D array or DataFrame
        Alternatives in rows (at least 3 complete rows), criteria in columns.
    cost : sequence of bool, optional
    nan_policy : {"raise", "omit"}

    Returns
    -------
    ndarray or Series
        Weights summing to 1; a constant column gets 0 and is excluded from
        the correlations. Raises when ``Σ C = 0`` (every criterion constant,
        or all informative criteria perfectly correlated).

    Examples
    --------
    >>> x = [[12.9918, 0.7264, -1.1009, 1.598139592], [4.1201, 5.8824, 3.4483, 1.021563567],
    ...      [4.1039, 0.0, -0.5076, 0.984469444]]
    >>> critic_weights(x, cost=[False, False, True, False]).round(4).tolist()
    [0.1688, 0.4184, 0.2491, 0.1636]
    """
    arr, frame, cmask = _complete_rows(matrix, cost, nan_policy)
    m, k = arr.shape
    if m < 3:
        raise ValueError(f"CRITIC needs at least 3 complete rows for correlations, got {m}")
    y, varying = _minmax(arr, cmask)
    c = np.zeros(k)
    if varying.any():
        yv = y[:, varying]
        sd = yv.std(axis=0, ddof=1)
        r = np.atleast_2d(np.corrcoef(yv, rowvar=False))
        c[varying] = sd * (1.0 - r).sum(axis=0)
    total = c.sum()
    if not total > 1e-12:
        raise ValueError(
            "CRITIC weights are undefined: every criterion is constant or all informative "
            "criteria are perfectly correlated"
        )
    return _label(c / total, None if frame is None else frame.columns, "weight")


# --------------------------------------------------------------------------
# §2.4 TOPSIS
# --------------------------------------------------------------------------
def topsis(
    matrix: Any,
    weights: Sequence[float] | np.ndarray | pd.Series,
    *,
    cost: Sequence[bool] | np.ndarray | None = None,
    normalise: Literal["vector", "minmax"] = "vector",
    nan_policy: Literal["raise", "omit"] = "raise",
) -> np.ndarray | pd.Series:
    """TOPSIS closeness coefficients, docs/methods.md §2.4.

    Normalise each column (``x / ||x||``, or ``(x - min) / (max - min)``);
    ``v = w r``; the ideal takes the column max (min for cost criteria), the
    anti-ideal the opposite; ``C_i = D⁻ / (D⁺ + D⁻)``, and 0.5 when both
    distances are zero. An all-zero column (vector) or constant column
    (min-max) normalises to 0 and so does not separate alternatives.

    Parameters
    ----------
    matrix : 2-D array or DataFrame
        Alternatives in rows, criteria in columns.
    weights : sequence of float
        Non-negative, not all zero; rescaled to sum 1 (closeness does not
        depend on the scale).
    cost : sequence of bool, optional
    normalise : {"vector", "minmax"}
    nan_policy : {"raise", "omit"}
        ``"omit"``: incomplete rows are left out and get NaN.

    Returns
    -------
    ndarray or Series
        Closeness in ``[0, 1]`` per alternative (Series labelled by the
        DataFrame's index).

    Examples
    --------
    >>> x = [[1, 3000], [2, 3750], [5, 4500]]
    >>> topsis(x, [0.5, 0.5], cost=[True, False], normalise="minmax").round(3).tolist()
    [0.5, 0.617, 0.5]
    """
    _check_choice("normalise", normalise, ("vector", "minmax"))
    arr, frame = _matrix(matrix)
    rows = _rows_complete(arr, nan_policy)
    sub = arr[rows]
    m, k = arr.shape
    if sub.shape[0] == 0:
        raise ValueError("topsis needs at least one complete row")
    cmask = _cost_mask(cost, k)
    w = np.asarray(weights)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"weights must be numeric, got {weights!r}")
    w = w.astype(float)
    if w.shape != (k,):
        raise ValueError(f"weights must have one entry per criterion ({k}), got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be finite, non-negative and not all zero, got {w!r}")
    w = w / w.sum()
    if normalise == "vector":
        norm = np.sqrt((sub**2).sum(axis=0))
        r = np.where(norm > 0, sub / np.where(norm > 0, norm, 1.0), 0.0)
    else:
        r, _ = _minmax(sub, np.zeros(k, dtype=bool))
    v = r * w
    col_max, col_min = v.max(axis=0), v.min(axis=0)
    ideal = np.where(cmask, col_min, col_max)
    anti = np.where(cmask, col_max, col_min)
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    denom = d_plus + d_minus
    closeness = np.where(denom > 0, d_minus / np.where(denom > 0, denom, 1.0), 0.5)
    out = np.full(m, np.nan)
    out[rows] = closeness
    return _label(out, None if frame is None else frame.index, "closeness")
