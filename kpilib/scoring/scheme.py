"""The year's scoring scheme (考核方案): load a YAML file, validate all of it, freeze it.

The scheme lists the indicators (code, Chinese name, unit, direction, data source,
scoring method and its parameters), the weights per role and per unit type, the bonus
and deduction items with their caps, the veto conditions and the grade shares of the
forced distribution. :func:`load_scheme` checks everything and raises one
:class:`~kpilib.errors.SchemeError` that lists every problem found, each naming the
place in the file (``indicators.revenue.params.cap``) and the wrong value.

Conventions (also stated at the top of ``params/scheme-2026.yaml``):

- every scoring method yields a raw score in percent of the indicator's weight;
  weighted score = weight x raw / 100;
- the weights of a role or a unit type sum to exactly 100 (checked in exact decimal
  arithmetic, so ``33.3 + 33.3 + 33.4`` is accepted and ``0.1 + 0.2`` style noise is not
  an issue);
- ``target: targets`` takes each person's target from the month's targets file; a number
  is the same target for everyone.

Example
-------
>>> scheme = load_scheme("params/scheme-2026.yaml")
>>> scheme.role_weights["customer_manager"]["revenue"]
40.0
>>> scheme.indicators["churn_rate"].method, scheme.indicators["churn_rate"].name
('reverse', '成员离网率')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import yaml

from kpilib.contract.schema import ROLES, TARGET_INDICATORS, UNIT_TYPES, AdjustmentVocabulary
from kpilib.errors import SchemeError

Level = Literal["staff", "unit"]
Direction = Literal["higher", "lower"]

METHODS = ("completion", "tiered", "reverse", "efficacy", "efficacy_tiered", "rank", "step")
VETO_EFFECTS = ("zero", "lowest_grade")
GRADE_POLICIES = ("largest_remainder", "strict")
GRADE_TIES = ("admit_all", "admit_none")


SourceKind = Literal["value", "count", "min", "ratio"]
SOURCE_KINDS = ("value", "count", "min", "ratio")


@dataclass(frozen=True)
class Source:
    """A way of computing an actual value from a month's facts: the one registry of them.

    The facts are the columns of :class:`kpilib.scoring.facts.MonthFacts` (``staff`` and
    ``units`` frames), decided by the duty modules of :mod:`kpilib.duties`; the scorecard
    reads a source's value from them and nothing else.

    Attributes
    ----------
    levels : where the source can be computed: ``staff``, ``unit`` or both.
    description : what the value is, in English.
    kind : ``value`` (a figure, e.g. revenue in yuan), ``count`` (a number of records,
        e.g. overdue findings; the records are named in the events), ``min`` (the lowest
        value of some records, e.g. the lowest inspection score; the records are named),
        or ``ratio`` (``scale`` x numerator / denominator).
    numerator : the facts column holding the value (the numerator of a ratio).
    denominator : the facts column of the denominator; None unless ``kind == "ratio"``.
    not_applicable : Chinese reason the source is not applicable for an entity (its value
        is missing, or the ratio's denominator is 0), e.g. ``成员基数为0``.
    scale : what a ratio is expressed per: 1 for a fraction (shown as %), 10,000 for a
        rate per 10,000 (e.g. complaints per 10,000 member lines, 件/万户); a positive
        finite number, and 1 for every other kind.

    Examples
    --------
    >>> SOURCES["complaint_rate"].value(3.0, 4000.0)
    7.5
    >>> SOURCES["churn_rate"].value(24.0, 1000.0), SOURCES["churn_rate"].value(1.0, 0.0)
    (0.024, nan)
    """

    levels: tuple[Level, ...]
    description: str
    kind: SourceKind
    numerator: str
    denominator: str | None
    not_applicable: str
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"kind must be one of {SOURCE_KINDS}, got {self.kind!r}")
        if (self.kind == "ratio") != (self.denominator is not None):
            raise ValueError(
                f"a ratio source needs a denominator and no other kind has one, got kind "
                f"{self.kind!r} with denominator {self.denominator!r}"
            )
        scale = self.scale
        if isinstance(scale, bool) or not isinstance(scale, int | float):
            raise TypeError(f"scale must be a number, got {scale!r}")
        if not math.isfinite(scale) or scale <= 0:
            raise ValueError(f"scale must be a positive finite number, got {scale!r}")
        if self.kind != "ratio" and scale != 1:
            raise ValueError(
                f"only a ratio source has a scale, got kind {self.kind!r} with scale {scale!r}"
            )

    def value(self, numerator: Any, denominator: Any = None) -> Any:
        """The source's value from its facts: ``scale`` x numerator / denominator for a
        ratio (NaN where the denominator is not positive or either is missing, §0.5), the
        numerator itself otherwise. Scalars or arrays (float)."""
        num = np.asarray(numerator, dtype=float)
        if self.denominator is None:
            return num if num.ndim else float(num)
        den = np.asarray(denominator, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(den > 0, self.scale * num / np.where(den > 0, den, 1.0), np.nan)
        return out if out.ndim else float(out)

    @property
    def rate(self) -> bool:
        """Whether the value is numerator / denominator (denominator 0: not applicable)."""
        return self.kind == "ratio"


_BOTH: tuple[Level, ...] = ("staff", "unit")

#: Data sources an indicator, bonus, deduction or veto can use, at which levels, and the
#: facts columns they are computed from.
SOURCES: dict[str, Source] = {
    "revenue": Source(
        _BOTH, "sum of revenue.amount_fen of the person, in yuan", "value", "revenue_yuan",
        None, "无收入数据",
    ),
    "new_members": Source(
        _BOTH, "activity.new_members", "value", "new_members", None, "无业务量记录"
    ),
    "new_customers": Source(
        _BOTH, "activity.new_customers", "value", "new_customers", None, "无业务量记录"
    ),
    "visits": Source(_BOTH, "activity.visits", "value", "visits", None, "无业务量记录"),
    "churn_rate": Source(
        _BOTH, "churned_members / base_members", "ratio", "churned_members", "base_members",
        "成员基数为0",
    ),
    "archive_rate": Source(
        _BOTH, "archived_customers / total_customers", "ratio", "archived_customers",
        "total_customers", "客户总数为0",
    ),
    "collection_rate": Source(
        _BOTH, "collected_fen / billed_fen", "ratio", "collected_fen", "billed_fen",
        "应收金额为0",
    ),
    "satisfaction": Source(
        _BOTH, "mean satisfaction of handled tickets", "ratio", "satisfaction_sum",
        "satisfaction_scored", "本月无满意度评价",
    ),
    "on_time_rate": Source(
        _BOTH, "tickets closed by as_of within time_limit_hours / closed by as_of", "ratio",
        "tickets_on_time", "tickets_closed", "本月无已办结工单",
    ),
    "pass_rate": Source(
        _BOTH, "inspections passed / inspected", "ratio", "inspections_passed",
        "inspections", "本月无质检记录",
    ),
    "qualification": Source(
        _BOTH, "qualified / assessed staff in qualification courses", "ratio",
        "staff_qualified", "staff_assessed", "本月无任职资格认证",
    ),
    "qualified_courses": Source(
        _BOTH, "qualification courses passed this month", "count", "qualifications_passed",
        None, "无培训记录",
    ),
    "training_hours": Source(
        _BOTH, "hours of training attended this month", "value", "training_hours", None,
        "无培训记录",
    ),
    "failed_inspections": Source(
        _BOTH, "number of failed inspections", "count", "inspections_failed", None,
        "无质检记录",
    ),
    "min_inspection_score": Source(
        ("staff",), "lowest inspection score", "min", "min_inspection_score", None,
        "本月无质检记录",
    ),
    "staff_mean": Source(
        ("unit",), "mean total of the unit's scored staff", "ratio", "staff_total_sum",
        "staff_scored", "无可计分人员",
    ),
    "report_timeliness": Source(
        ("unit",), "reports submitted by the end of the due date / due", "ratio",
        "reports_on_time", "reports_due", "本月无应报报表",
    ),
    "contract_archive": Source(
        _BOTH, "contracts archived / contracts of the responsible staff", "ratio",
        "contracts_archived", "contracts", "无合同档案",
    ),
    "overdue_findings": Source(
        ("unit",), "audit findings overdue in the month (open past due, or closed late)",
        "count", "findings_overdue", None, "无审核记录",
    ),
    "overdue_major_findings": Source(
        ("unit",), "major audit findings overdue in the month", "count",
        "major_findings_overdue", None, "无审核记录",
    ),
    "complaint_rate": Source(
        ("unit",), "complaints opened in the month per 10,000 member lines: 10,000 x "
        "complaints (process.judge_tickets) / base_members", "ratio", "complaints",
        "base_members", "成员基数为0", scale=10_000,
    ),
}  # fmt: skip

# method -> (required params, optional params with defaults)
_METHOD_PARAMS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "completion": ((), {"cap": 1.2, "threshold": 0.0, "floor_score": 0.0}),
    "tiered": (
        (),
        {
            "low": 60.0,
            "mid": 100.0,
            "high": 120.0,
            "base": None,
            "target": None,
            "challenge": None,
            "base_ratio": None,
            "challenge_ratio": None,
        },
    ),
    "reverse": ((), {"method": "ratio", "cap": 1.2}),
    "efficacy": (("satisfactory", "not_allowed"), {"clip": None}),
    "efficacy_tiered": (("standards",), {"coefficients": (1.0, 0.8, 0.6, 0.4, 0.2)}),
    "rank": ((), {"best": 100.0, "worst": 60.0, "ties": "min"}),
    "step": (("brackets",), {"basis": "actual"}),
}
_NEEDS_TARGET = {"completion", "reverse"}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the scheme.

    ``target`` is ``"targets"`` (each person's value from the targets file), a positive
    number, or None when the method needs none. ``params`` holds every parameter of the
    method, defaults filled in.
    """

    code: str
    name: str
    unit: str
    direction: Direction
    source: str
    method: str
    target: str | float | None
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Adjustment:
    """A bonus (加分) or deduction (扣分) item.

    points = min(cap, per_unit x max(0, actual - above)).
    """

    code: str
    name: str
    applies_to: tuple[str, ...]
    source: str
    per_unit: float
    above: float
    cap: float


@dataclass(frozen=True)
class Veto:
    """A veto condition (一票否决): triggered when the source's value is below ``below``
    or at least ``at_least`` (exactly one is set)."""

    code: str
    name: str
    applies_to: tuple[str, ...]
    source: str
    below: float | None
    at_least: float | None
    effect: Literal["zero", "lowest_grade"]


@dataclass(frozen=True)
class Grades:
    """Forced distribution: grade -> share (best grade first), quota policy and tie policy."""

    shares: Mapping[str, Fraction]
    policy: str
    ties: str

    @property
    def lowest(self) -> str:
        """The lowest grade (listed last)."""
        return list(self.shares)[-1]


@dataclass(frozen=True)
class Scheme:
    """A validated scoring scheme.

    ``role_weights`` maps each role of :data:`kpilib.contract.schema.ROLES` to indicator -> weight
    (summing to 100); ``unit_weights`` does the same for each unit type.
    """

    name: str
    year: int
    max_total: float
    indicators: Mapping[str, Indicator]
    role_weights: Mapping[str, Mapping[str, float]]
    unit_weights: Mapping[str, Mapping[str, float]]
    bonuses: tuple[Adjustment, ...]
    bonus_cap: float
    deductions: tuple[Adjustment, ...]
    deduction_cap: float
    vetoes: tuple[Veto, ...]
    grades: Grades
    origin: str = "<dict>"

    def weights_for(self, group: str) -> Mapping[str, float]:
        """Return indicator -> weight of a role or a unit type."""
        if group in self.role_weights:
            return self.role_weights[group]
        if group in self.unit_weights:
            return self.unit_weights[group]
        raise KeyError(f"no weights for {group!r}")

    def adjustment_vocabulary(self) -> AdjustmentVocabulary:
        """What the adjustments register may name under this scheme (see
        :class:`kpilib.contract.schema.AdjustmentVocabulary`)."""
        names: dict[str, str] = {}
        items = [*self.indicators.values(), *self.bonuses, *self.deductions, *self.vetoes]
        for item in items:
            names.setdefault(item.code, item.code)
            names.setdefault("".join(item.name.split()), item.code)
        weighted: dict[str, set[str]] = {}
        for group, weights in (*self.role_weights.items(), *self.unit_weights.items()):
            for code in weights:
                weighted.setdefault(code, set()).add(group)
        return AdjustmentVocabulary(
            names=names,
            weighted={code: frozenset(groups) for code, groups in weighted.items()},
            percent=frozenset(c for c, ind in self.indicators.items() if ind.unit == "%"),
            vetoes={veto.code: frozenset(veto.applies_to) for veto in self.vetoes},
            max_points=float(self.max_total),
        )


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate a scheme YAML file.

    Raises
    ------
    SchemeError
        Listing every problem found (one per line), or when the file is not YAML.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemeError(f"{path}: not valid YAML: {exc}") from exc
    return scheme_from_dict(raw, origin=str(path))


def scheme_from_dict(raw: Any, *, origin: str = "<dict>") -> Scheme:
    """Validate a scheme given as the mapping a YAML file parses into.

    >>> scheme_from_dict({"name": "x"})
    Traceback (most recent call last):
    ...
    kpilib.errors.SchemeError: <dict>: 5 problem(s) in the scheme:
    - grades: missing
    - indicators: missing
    - max_total: missing
    - weights: missing
    - year: missing
    """
    v = _Validator()
    scheme = v.scheme(raw, origin)
    if v.problems:
        lines = "\n".join(f"- {p}" for p in v.problems)
        raise SchemeError(f"{origin}: {len(v.problems)} problem(s) in the scheme:\n{lines}")
    assert scheme is not None  # no problems implies a scheme was built
    return scheme


def _freeze(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


class _Validator:
    """Collects every problem; each method returns a value or None when it is invalid."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    # -- primitives ---------------------------------------------------------------------
    def mapping(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(where, f"must be a mapping, got {value!r}")
            return None
        return value

    def keys(self, value: dict[str, Any], where: str, required: set[str], optional: set[str]):
        for key in sorted(required - set(value)):
            self.bad(f"{where}.{key}" if where else key, "missing")
        for key in sorted(set(value) - required - optional, key=str):
            prefix = f"{where}.{key}" if where else str(key)
            self.bad(prefix, f"unknown key {key!r}")

    def number(
        self, value: Any, where: str, *, positive: bool = False, non_negative: bool = False
    ) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(where, f"must be a number, got {value!r}")
            return None
        if value != value:  # NaN
            self.bad(where, "must be a number, got NaN")
            return None
        if positive and value <= 0:
            self.bad(where, f"must be positive, got {value!r}")
            return None
        if non_negative and value < 0:
            self.bad(where, f"must not be negative, got {value!r}")
            return None
        return float(value)

    def text(self, value: Any, where: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.bad(where, f"must be non-empty text, got {value!r}")
            return None
        return value.strip()

    def choice(self, value: Any, where: str, choices: tuple[str, ...]) -> str | None:
        if value not in choices:
            self.bad(where, f"must be one of {', '.join(choices)}; got {value!r}")
            return None
        return value

    # -- the scheme ---------------------------------------------------------------------
    def scheme(self, raw: Any, origin: str) -> Scheme | None:
        top = self.mapping(raw, "scheme")
        if top is None:
            return None
        self.keys(
            top,
            "",
            {"name", "year", "max_total", "indicators", "weights", "grades"},
            {"bonuses", "deductions", "vetoes"},
        )
        name = self.text(top.get("name"), "name") if "name" in top else None
        year = top.get("year")
        if "year" in top and (isinstance(year, bool) or not isinstance(year, int)):
            self.bad("year", f"must be a whole number, got {year!r}")
        max_total = (
            self.number(top["max_total"], "max_total", positive=True)
            if "max_total" in top
            else None
        )
        indicators = self.indicators(top.get("indicators")) if "indicators" in top else {}
        role_w, unit_w = self.weights(top["weights"], indicators) if "weights" in top else ({}, {})
        bonuses, bonus_cap = self.adjustments(top.get("bonuses"), "bonuses")
        deductions, deduction_cap = self.adjustments(top.get("deductions"), "deductions")
        vetoes = self.vetoes(top.get("vetoes"))
        grades = self.grades(top.get("grades")) if "grades" in top else None
        if self.problems:
            return None
        return Scheme(
            name=name or "",
            year=int(year),
            max_total=float(max_total or 0),
            indicators=_freeze(indicators),
            role_weights=_freeze(role_w),
            unit_weights=_freeze(unit_w),
            bonuses=bonuses,
            bonus_cap=bonus_cap,
            deductions=deductions,
            deduction_cap=deduction_cap,
            vetoes=vetoes,
            grades=grades,  # type: ignore[arg-type]
            origin=origin,
        )

    # -- indicators ---------------------------------------------------------------------
    def indicators(self, raw: Any) -> dict[str, Indicator]:
        block = self.mapping(raw, "indicators")
        if block is None:
            return {}
        if not block:
            self.bad("indicators", "no indicator defined")
        out: dict[str, Indicator] = {}
        for code, spec in block.items():
            ind = self.indicator(str(code), spec)
            if ind is not None:
                out[str(code)] = ind
        return out

    def indicator(self, code: str, raw: Any) -> Indicator | None:
        where = f"indicators.{code}"
        spec = self.mapping(raw, where)
        if spec is None:
            return None
        n0 = len(self.problems)
        self.keys(
            spec, where, {"名称", "unit", "direction", "source", "method"}, {"target", "params"}
        )
        name = self.text(spec.get("名称"), f"{where}.名称") if "名称" in spec else None
        unit = spec.get("unit", "")
        if "unit" in spec and not isinstance(unit, str):
            self.bad(f"{where}.unit", f"must be text, got {unit!r}")
        direction = (
            self.choice(spec.get("direction"), f"{where}.direction", ("higher", "lower"))
            if "direction" in spec
            else None
        )
        source = spec.get("source")
        if "source" in spec and source not in SOURCES:
            self.bad(
                f"{where}.source",
                f"unknown data source {source!r}; known: {', '.join(SOURCES)}",
            )
        method = spec.get("method")
        if "method" in spec and method not in METHODS:
            self.bad(f"{where}.method", f"unknown method {method!r}; known: {', '.join(METHODS)}")
            method = None
        target = self.target(spec, where, method, source)
        params = self.params(spec.get("params", {}), where, method, direction, target)
        if len(self.problems) > n0 or method is None:
            return None
        return Indicator(
            code=code,
            name=name or code,
            unit=unit,
            direction=direction,  # type: ignore[arg-type]
            source=source,
            method=method,
            target=target,
            params=_freeze(params),
        )

    def target(self, spec: dict[str, Any], where: str, method: str | None, source: Any):
        if "target" not in spec:
            if method in _NEEDS_TARGET or (
                method == "step" and (spec.get("params") or {}).get("basis") == "ratio"
            ):
                self.bad(f"{where}.target", f"method {method!r} needs a target")
            return None
        value = spec["target"]
        if value == "targets":
            if source not in TARGET_INDICATORS:
                self.bad(
                    f"{where}.target",
                    f"'targets' is only available for {', '.join(TARGET_INDICATORS)}; "
                    f"source is {source!r}",
                )
            return "targets"
        return self.number(value, f"{where}.target", positive=True)

    def params(self, raw: Any, where: str, method: str | None, direction, target) -> dict:
        where = f"{where}.params"
        params = self.mapping(raw, where)
        if params is None or method is None:
            return {}
        required, optional = _METHOD_PARAMS[method]
        for key in required:
            if key not in params:
                self.bad(f"{where}.{key}", f"missing (method {method!r} needs it)")
        for key in params:
            if key not in required and key not in optional:
                known = ", ".join((*required, *optional))
                self.bad(
                    f"{where}.{key}", f"unknown parameter for method {method!r}; known: {known}"
                )
        out = {**optional, **{k: v for k, v in params.items() if k in required or k in optional}}
        if all(key in params for key in required):
            check = getattr(self, f"_check_{method}")
            check(out, where, direction, target)
        return out

    def _check_completion(self, p, where, direction, target):
        p["cap"] = self.number(p["cap"], f"{where}.cap", positive=True)
        p["threshold"] = self.number(p["threshold"], f"{where}.threshold", non_negative=True)
        p["floor_score"] = self.number(p["floor_score"], f"{where}.floor_score", non_negative=True)
        if None not in (p["cap"], p["threshold"]) and p["threshold"] > p["cap"]:
            self.bad(
                f"{where}.threshold",
                f"thresholds out of order: threshold {p['threshold']} above cap {p['cap']}",
            )
        if direction == "lower":
            self.bad(where, "method 'completion' is for higher-is-better indicators; use reverse")

    def _check_tiered(self, p, where, direction, target):
        for key in ("low", "mid", "high"):
            p[key] = self.number(p[key], f"{where}.{key}", non_negative=True)
        if None not in (p["low"], p["mid"], p["high"]) and not p["low"] <= p["mid"] <= p["high"]:
            self.bad(
                where,
                f"thresholds out of order: need low <= mid <= high, got "
                f"{p['low']}/{p['mid']}/{p['high']}",
            )
        fixed = [p[k] is not None for k in ("base", "target", "challenge")]
        if target == "targets":
            if any(fixed):
                self.bad(where, "give base/target/challenge either here or via target: targets")
            for key, default, ok in (
                ("base_ratio", 0.8, lambda r: 0 < r < 1),
                ("challenge_ratio", 1.2, lambda r: r > 1),
            ):
                if p[key] is None:
                    p[key] = default
                value = self.number(p[key], f"{where}.{key}", positive=True)
                if value is not None and not ok(value):
                    self.bad(f"{where}.{key}", f"out of range, got {value!r}")
            return
        if target is not None:
            self.bad(where, "tiered takes base/target/challenge in params, or target: targets")
            return
        if not all(fixed):
            self.bad(where, "tiered needs base, target and challenge (or target: targets)")
            return
        for key in ("base_ratio", "challenge_ratio"):
            if p[key] is not None:
                self.bad(f"{where}.{key}", "only used with target: targets")
        b, t, c = (self.number(p[k], f"{where}.{k}") for k in ("base", "target", "challenge"))
        if None in (b, t, c):
            return
        if direction == "higher" and not b < t < c:
            self.bad(
                where, f"thresholds out of order: need base < target < challenge, got {b}/{t}/{c}"
            )
        if direction == "lower" and not b > t > c:
            self.bad(
                where,
                f"thresholds out of order: a lower-is-better indicator needs "
                f"base > target > challenge, got {b}/{t}/{c}",
            )
        p.update(base=b, target=t, challenge=c)

    def _check_reverse(self, p, where, direction, target):
        p["method"] = self.choice(p["method"], f"{where}.method", ("ratio", "difference"))
        p["cap"] = self.number(p["cap"], f"{where}.cap", positive=True)
        if direction == "higher":
            self.bad(where, "method 'reverse' is for lower-is-better indicators")

    def _check_efficacy(self, p, where, direction, target):
        s = self.number(p["satisfactory"], f"{where}.satisfactory")
        n = self.number(p["not_allowed"], f"{where}.not_allowed")
        if s is not None and n is not None:
            if s == n:
                self.bad(where, f"satisfactory and not_allowed must differ, both {s}")
            elif direction == "higher" and s < n:
                self.bad(
                    where,
                    f"thresholds out of order: higher is better but satisfactory {s} "
                    f"< not_allowed {n}",
                )
            elif direction == "lower" and s > n:
                self.bad(
                    where,
                    f"thresholds out of order: lower is better but satisfactory {s} "
                    f"> not_allowed {n}",
                )
        p.update(satisfactory=s, not_allowed=n)
        clip = p["clip"]
        if clip is not None:
            ok = (
                isinstance(clip, list | tuple)
                and len(clip) == 2
                and all(isinstance(c, int | float) and not isinstance(c, bool) for c in clip)
                and clip[0] < clip[1]
            )
            if not ok:
                self.bad(f"{where}.clip", f"must be [low, high] with low < high, got {clip!r}")
            else:
                p["clip"] = (float(clip[0]), float(clip[1]))

    def _check_efficacy_tiered(self, p, where, direction, target):
        std, coef = p["standards"], p["coefficients"]
        if not _numbers(std) or len(std) < 2:
            self.bad(f"{where}.standards", f"must be a list of at least 2 numbers, got {std!r}")
            return
        if not _numbers(coef) or len(coef) != len(std):
            self.bad(
                f"{where}.coefficients",
                f"must be {len(std)} numbers (one per standard), got {coef!r}",
            )
            return
        pairs = list(pairwise(std))
        if direction == "higher" and not all(a > b for a, b in pairs):
            self.bad(
                f"{where}.standards",
                f"thresholds out of order: must fall strictly from excellent to poor, got {std}",
            )
        if direction == "lower" and not all(a < b for a, b in pairs):
            self.bad(
                f"{where}.standards",
                f"thresholds out of order: a lower-is-better indicator's standards must rise "
                f"strictly from excellent to poor, got {std}",
            )
        if not all(a > b for a, b in pairwise(coef)):
            self.bad(f"{where}.coefficients", f"must fall strictly, got {coef}")
        p.update(standards=tuple(map(float, std)), coefficients=tuple(map(float, coef)))

    def _check_rank(self, p, where, direction, target):
        best = self.number(p["best"], f"{where}.best", non_negative=True)
        worst = self.number(p["worst"], f"{where}.worst", non_negative=True)
        if best is not None and worst is not None and best < worst:
            self.bad(where, f"thresholds out of order: best {best} below worst {worst}")
        p.update(best=best, worst=worst)
        p["ties"] = self.choice(p["ties"], f"{where}.ties", ("min", "average", "dense"))

    def _check_step(self, p, where, direction, target):
        p["basis"] = self.choice(p["basis"], f"{where}.basis", ("actual", "ratio"))
        br = p["brackets"]
        ok = (
            isinstance(br, list | tuple)
            and br
            and all(isinstance(b, list | tuple) and len(b) == 2 and _numbers(b) for b in br)
        )
        if not ok:
            self.bad(
                f"{where}.brackets",
                f"must be a list of [lower_bound, score] pairs, got {br!r}",
            )
            return
        lows = [b[0] for b in br]
        if not all(a < b for a, b in pairwise(lows)):
            self.bad(
                f"{where}.brackets",
                f"thresholds out of order: lower bounds must rise strictly, got {lows}",
            )
        scores = [b[1] for b in br]
        monotone = (
            all(a <= b for a, b in pairwise(scores))
            if direction != "lower"
            else all(a >= b for a, b in pairwise(scores))
        )
        if not monotone:
            self.bad(
                f"{where}.brackets",
                f"scores must not get worse as the value gets better, got {scores}",
            )
        p["brackets"] = tuple((float(a), float(b)) for a, b in br)

    # -- weights ------------------------------------------------------------------------
    def weights(self, raw: Any, indicators: dict[str, Indicator]):
        block = self.mapping(raw, "weights")
        if block is None:
            return {}, {}
        if block:
            self.keys(block, "weights", {"roles", "unit_types"}, set())
        roles = self.weight_groups(
            block.get("roles", {}), "weights.roles", ROLES, "staff", indicators
        )
        units = self.weight_groups(
            block.get("unit_types", {}), "weights.unit_types", UNIT_TYPES, "unit", indicators
        )
        return roles, units

    def weight_groups(self, raw, where, known, level, indicators):
        block = self.mapping(raw, where)
        if block is None:
            return {}
        missing = [k for k in known if k not in block]
        if missing:
            self.bad(
                where, f"every {_GROUP_WORD[level]} needs weights, missing: {', '.join(missing)}"
            )
        out = {}
        for group, weights in block.items():
            gw = f"{where}.{group}"
            if group not in known:
                self.bad(gw, f"unknown {_GROUP_WORD[level]} {group!r}; known: {', '.join(known)}")
                continue
            wmap = self.mapping(weights, gw)
            if wmap is None:
                continue
            total = Decimal(0)
            numbers_ok = True
            clean = {}
            for code, w in wmap.items():
                value = self.number(w, f"{gw}.{code}", positive=True)
                if value is None:
                    numbers_ok = False
                else:
                    total += _decimal(w)
                if code not in indicators:
                    self.bad(f"{gw}.{code}", f"weight for an unknown or invalid indicator {code!r}")
                    continue
                src = SOURCES.get(indicators[code].source)
                if src is not None and level not in src.levels:
                    self.bad(
                        f"{gw}.{code}",
                        f"indicator {code!r} (source {indicators[code].source!r}) "
                        f"cannot be computed for a {level}",
                    )
                if level == "unit" and indicators[code].target == "targets":
                    self.bad(f"{gw}.{code}", "'target: targets' exists for staff only")
                if value is not None:
                    clean[code] = value
            if wmap and numbers_ok and total != 100:
                self.bad(gw, f"weights must sum to 100, got {_fmt(total)}")
            out[group] = _freeze(clean)
        return out

    # -- bonuses, deductions, vetoes, grades --------------------------------------------
    def adjustments(self, raw: Any, where: str) -> tuple[tuple[Adjustment, ...], float]:
        if raw is None:
            return (), 0.0
        block = self.mapping(raw, where)
        if block is None:
            return (), 0.0
        self.keys(block, where, {"cap", "items"}, set())
        cap = self.number(block.get("cap", 0), f"{where}.cap", non_negative=True) or 0.0
        items = self.mapping(block.get("items", {}), f"{where}.items") or {}
        out = []
        for code, spec in items.items():
            iw = f"{where}.items.{code}"
            s = self.mapping(spec, iw)
            if s is None:
                continue
            n0 = len(self.problems)
            self.keys(s, iw, {"名称", "applies_to", "source", "per_unit", "cap"}, {"above"})
            applies = self.applies_to(s.get("applies_to"), iw, s.get("source"))
            per_unit = self.number(s.get("per_unit"), f"{iw}.per_unit", positive=True)
            item_cap = self.number(s.get("cap"), f"{iw}.cap", positive=True)
            above = self.number(s.get("above", 0), f"{iw}.above", non_negative=True)
            name = self.text(s.get("名称"), f"{iw}.名称")
            if len(self.problems) == n0:
                out.append(Adjustment(code, name, applies, s["source"], per_unit, above, item_cap))
        return tuple(out), cap

    def applies_to(self, raw: Any, where: str, source: Any) -> tuple[str, ...]:
        if source not in SOURCES:
            self.bad(
                f"{where}.source", f"unknown data source {source!r}; known: {', '.join(SOURCES)}"
            )
        if not isinstance(raw, list) or not raw:
            self.bad(f"{where}.applies_to", f"must be a list of roles or unit types, got {raw!r}")
            return ()
        for group in raw:
            level = "staff" if group in ROLES else "unit" if group in UNIT_TYPES else None
            if level is None:
                self.bad(
                    f"{where}.applies_to",
                    f"unknown role or unit type {group!r}; known: "
                    f"{', '.join([*ROLES, *UNIT_TYPES])}",
                )
            elif source in SOURCES and level not in SOURCES[source].levels:
                self.bad(f"{where}.source", f"source {source!r} cannot be computed for {group!r}")
        return tuple(raw)

    def vetoes(self, raw: Any) -> tuple[Veto, ...]:
        if raw is None:
            return ()
        block = self.mapping(raw, "vetoes") or {}
        out = []
        for code, spec in block.items():
            vw = f"vetoes.{code}"
            s = self.mapping(spec, vw)
            if s is None:
                continue
            n0 = len(self.problems)
            self.keys(s, vw, {"名称", "applies_to", "source"}, {"below", "at_least", "effect"})
            applies = self.applies_to(s.get("applies_to"), vw, s.get("source"))
            name = self.text(s.get("名称"), f"{vw}.名称")
            if ("below" in s) == ("at_least" in s):
                self.bad(vw, "give exactly one of below / at_least")
            below = self.number(s["below"], f"{vw}.below") if "below" in s else None
            at_least = self.number(s["at_least"], f"{vw}.at_least") if "at_least" in s else None
            effect = self.choice(s.get("effect", "zero"), f"{vw}.effect", VETO_EFFECTS)
            if len(self.problems) == n0:
                out.append(Veto(code, name, applies, s["source"], below, at_least, effect))
        return tuple(out)

    def grades(self, raw: Any) -> Grades | None:
        block = self.mapping(raw, "grades")
        if block is None:
            return None
        self.keys(block, "grades", {"shares"}, {"policy", "ties"})
        shares = self.mapping(block.get("shares"), "grades.shares") or {}
        exact: dict[str, Fraction] = {}
        for grade, share in shares.items():
            value = self.number(share, f"grades.shares.{grade}", non_negative=True)
            if value is not None:
                exact[str(grade)] = Fraction(_decimal(share))
        total = sum(exact.values(), Fraction(0))
        if shares and len(exact) == len(shares) and total != 1:
            exact_total = Decimal(total.numerator) / Decimal(total.denominator)
            self.bad("grades.shares", f"must sum to 1, got {_fmt(exact_total)}")
        policy = self.choice(
            block.get("policy", "largest_remainder"), "grades.policy", GRADE_POLICIES
        )
        ties = self.choice(block.get("ties", "admit_all"), "grades.ties", GRADE_TIES)
        return Grades(_freeze(exact), policy or "", ties or "")


_GROUP_WORD = {"staff": "role", "unit": "unit type"}


def _numbers(values: Any) -> bool:
    return isinstance(values, list | tuple) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - numbers are checked before
        return Decimal(0)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
