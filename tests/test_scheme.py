"""The scheme file: the real one loads; each kind of mistake is named in the SchemeError."""

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from kpilib.contract.schema import ROLES, UNIT_TYPES
from kpilib.errors import SchemeError
from kpilib.scoring.facts import STAFF_FACTS, UNIT_FACTS
from kpilib.scoring.scheme import SOURCES, Source, load_scheme, scheme_from_dict

SCHEME = Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml"


@pytest.fixture()
def raw():
    return yaml.safe_load(SCHEME.read_text(encoding="utf-8"))


def test_the_2026_scheme_loads():
    scheme = load_scheme(SCHEME)
    assert set(scheme.role_weights) == set(ROLES)
    assert set(scheme.unit_weights) == set(UNIT_TYPES)
    for weights in [*scheme.role_weights.values(), *scheme.unit_weights.values()]:
        assert sum(weights.values()) == pytest.approx(100)
    # docs/methods.md §1.7: customer manager 40/20/15/10/5/10 (collection rate in the last slot)
    assert dict(scheme.role_weights["customer_manager"]) == {
        "revenue": 40,
        "new_members": 20,
        "churn_rate": 15,
        "visits": 10,
        "archive_rate": 5,
        "collection_rate": 10,
    }
    # support staff: tickets and inspections (技术支撑中心), training and qualification (all)
    assert dict(scheme.role_weights["support_staff"]) == {
        "on_time_rate": 30,
        "satisfaction": 15,
        "pass_rate": 20,
        "qualified": 10,
        "training_hours": 25,
    }
    assert scheme.bonus_cap == 4
    assert scheme.max_total == 120
    assert [str(g) for g in scheme.grades.shares] == ["A", "B", "C"]
    assert sum(scheme.grades.shares.values()) == 1
    assert scheme.grades.lowest == "C"
    methods = {ind.method for ind in scheme.indicators.values()}
    assert methods == {
        "completion",
        "tiered",
        "reverse",
        "efficacy",
        "efficacy_tiered",
        "rank",
        "step",
    }


def test_scheme_is_frozen():
    scheme = load_scheme(SCHEME)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scheme.max_total = 100  # type: ignore[misc]
    with pytest.raises(TypeError):
        scheme.role_weights["customer_manager"]["revenue"] = 50  # type: ignore[index]
    with pytest.raises(TypeError):
        scheme.indicators["revenue"].params["cap"] = 2  # type: ignore[index]


def test_every_source_reads_declared_facts():
    # one registry (issue #8): each source names the facts columns it is computed from,
    # and those are declared by the facts container at every level the source serves
    derived = {"staff_total_sum", "staff_scored"}  # the scorecard's, from staff totals
    for code, source in SOURCES.items():
        columns = {source.numerator} | ({source.denominator} if source.denominator else set())
        for level in source.levels:
            declared = set(STAFF_FACTS) if level == "staff" else set(UNIT_FACTS) | derived
            assert columns <= declared, (code, level, columns - declared)
        assert source.rate == (source.kind == "ratio")
        assert source.not_applicable


@pytest.mark.parametrize(
    ("kind", "denominator", "message"),
    [("ratio", None, "needs a denominator"), ("value", "x", "needs a denominator"),
     ("share", None, "kind must be one of")],
)  # fmt: skip
def test_a_source_is_checked(kind, denominator, message):
    with pytest.raises(ValueError, match=message):
        Source(("staff",), "x", kind, "x", denominator, "无")


@pytest.mark.parametrize(
    ("kind", "denominator", "scale", "error", "message"),
    [("ratio", "y", 0, ValueError, "positive finite"), ("ratio", "y", -1.0, ValueError,
      "positive finite"), ("ratio", "y", float("inf"), ValueError, "positive finite"),
     ("ratio", "y", True, TypeError, "must be a number"), ("ratio", "y", "1", TypeError,
      "must be a number"), ("value", None, 100, ValueError, "only a ratio source")],
)  # fmt: skip
def test_a_source_scale_is_checked(kind, denominator, scale, error, message):
    with pytest.raises(error, match=message):
        Source(("unit",), "x", kind, "x", denominator, "无", scale=scale)


def test_a_ratio_per_10000():
    # hand computation: 3 complaints over 4,000 member lines = 3 x 10,000 / 4,000 = 7.5
    # per 10,000 lines; 0 complaints = 0 (scored, not "not applicable"); 0 lines = NaN
    src = SOURCES["complaint_rate"]
    assert (src.kind, src.numerator, src.denominator, src.scale) == (
        "ratio", "complaints", "base_members", 10_000
    )  # fmt: skip
    assert src.value(3, 4000) == 7.5
    values = src.value(np.array([3.0, 0.0, 5.0, np.nan]), np.array([4000.0, 250.0, 0.0, 10.0]))
    np.testing.assert_array_equal(values, [7.5, 0.0, np.nan, np.nan])
    # every other source is a plain fraction or value: scale 1
    assert SOURCES["churn_rate"].value(24.0, 1000.0) == pytest.approx(0.024)
    assert {s.scale for code, s in SOURCES.items() if code != "complaint_rate"} == {1.0}


def test_counties_score_complaints_in_2026():
    scheme = load_scheme(SCHEME)
    ind = scheme.indicators["complaint_rate"]
    assert (ind.name, ind.unit, ind.direction, ind.method) == ("万户投诉率", "件/万户", "lower",
                                                               "reverse")  # fmt: skip
    assert ind.target == 70.0 and ind.params["cap"] == 1.2
    assert scheme.unit_weights["county"]["complaint_rate"] == 10.0
    assert sum(scheme.unit_weights["county"].values()) == 100.0
    assert "complaint_rate" not in scheme.unit_weights["centre"]


def _error(raw) -> str:
    with pytest.raises(SchemeError) as info:
        scheme_from_dict(raw)
    return str(info.value)


# Each case: (description, mutation of the parsed YAML, words the message must contain).
def _set(path, value):
    def apply(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return apply


def _delete(path):
    def apply(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return apply


BAD = [
    (
        "role weights not summing to 100",
        _set(["weights", "roles", "customer_manager", "revenue"], 45),
        "weights.roles.customer_manager: weights must sum to 100, got 105",
    ),
    (
        "unit weights not summing to 100",
        _set(["weights", "unit_types", "centre", "staff_mean"], 79.9),
        "weights.unit_types.centre: weights must sum to 100, got 99.9",
    ),
    (
        "tiered thresholds out of order",
        _set(["indicators", "contract_archive", "params", "base"], 0.96),
        "indicators.contract_archive.params: thresholds out of order: need base < target "
        "< challenge, got 0.96/0.95/1.0",
    ),
    (
        "tiered percentages out of order",
        _set(["indicators", "revenue", "params", "high"], 90),
        "thresholds out of order: need low <= mid <= high, got 60.0/100.0/90.0",
    ),
    (
        "completion threshold above cap",
        _set(["indicators", "collection_rate", "params", "threshold"], 1.5),
        "indicators.collection_rate.params.threshold: thresholds out of order",
    ),
    (
        "unknown method",
        _set(["indicators", "visits", "method"], "magic"),
        "indicators.visits.method: unknown method 'magic'",
    ),
    (
        "indicator without a data source",
        _delete(["indicators", "pass_rate", "source"]),
        "indicators.pass_rate.source: missing",
    ),
    (
        "unknown data source",
        _set(["indicators", "pass_rate", "source"], "happiness"),
        "indicators.pass_rate.source: unknown data source 'happiness'",
    ),
    (
        "unknown parameter",
        _set(["indicators", "new_members", "params", "capp"], 1.3),
        "indicators.new_members.params.capp: unknown parameter for method 'completion'",
    ),
    (
        "YAML 1.1 reads a key `on` as True: reported, not ignored",
        _set(["indicators", "visits", "params", True], "ratio"),
        "indicators.visits.params.True: unknown parameter for method 'step'",
    ),
    (
        "missing required parameter",
        _delete(["indicators", "satisfaction", "params", "not_allowed"]),
        "indicators.satisfaction.params.not_allowed: missing (method 'efficacy' needs it)",
    ),
    (
        "efficacy values equal",
        _set(["indicators", "satisfaction", "params", "not_allowed"], 95),
        "satisfactory and not_allowed must differ, both 95.0",
    ),
    (
        "efficacy values in the wrong direction",
        _set(["indicators", "satisfaction", "params", "not_allowed"], 99),
        "thresholds out of order: higher is better but satisfactory 95.0 < not_allowed 99.0",
    ),
    (
        "tiered efficacy standards not monotone",
        _set(["indicators", "on_time_rate", "params", "standards"], [0.98, 0.9, 0.95, 0.85, 0.8]),
        "indicators.on_time_rate.params.standards: thresholds out of order",
    ),
    (
        "step brackets not rising",
        _set(["indicators", "pass_rate", "params", "brackets"], [[0, 0], [0.9, 80], [0.8, 60]]),
        "lower bounds must rise strictly, got [0, 0.9, 0.8]",
    ),
    (
        "step with a ratio basis but no target",
        _set(["indicators", "pass_rate", "params", "basis"], "ratio"),
        "indicators.pass_rate.target: method 'step' needs a target",
    ),
    (
        "reverse method on a higher-is-better indicator",
        _set(["indicators", "churn_rate", "direction"], "higher"),
        "method 'reverse' is for lower-is-better indicators",
    ),
    (
        "per-person targets for a source that has none",
        _set(["indicators", "churn_rate", "target"], "targets"),
        "'targets' is only available for revenue, new_members, new_customers, visits",
    ),
    (
        "weight for an unknown indicator",
        _set(["weights", "roles", "service_staff", "smiles"], 0),
        "weights.roles.service_staff.smiles: must be positive, got 0",
    ),
    (
        "a role without weights",
        _delete(["weights", "roles", "support_staff"]),
        "weights.roles: every role needs weights, missing: support_staff",
    ),
    (
        "an unknown role",
        _set(["weights", "roles", "janitor"], {"pass_rate": 100}),
        "weights.roles.janitor: unknown role 'janitor'",
    ),
    (
        "a unit indicator in a role's weights",
        lambda raw: raw["weights"]["roles"].__setitem__(
            "support_staff", {"on_time_rate": 40, "pass_rate": 40, "staff_mean": 20}
        ),
        "indicator 'staff_mean' (source 'staff_mean') cannot be computed for a staff",
    ),
    (
        "grade shares not summing to 1",
        _set(["grades", "shares", "C"], 0.2),
        "grades.shares: must sum to 1, got 1.1",
    ),
    (
        "unknown grade policy",
        _set(["grades", "policy"], "lottery"),
        "grades.policy: must be one of largest_remainder, strict; got 'lottery'",
    ),
    (
        "veto with both below and at_least",
        _set(["vetoes", "serious_violation", "at_least"], 1),
        "vetoes.serious_violation: give exactly one of below / at_least",
    ),
    (
        "bonus item without a cap",
        _delete(["bonuses", "items", "new_customers", "cap"]),
        "bonuses.items.new_customers.cap: must be a number, got None",
    ),
    (
        "unknown top-level key",
        _set(["bonus"], {"cap": 3}),
        "bonus: unknown key 'bonus'",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_each_mistake_is_named(raw, mutate, expected):
    mutate(raw)
    message = _error(raw)
    assert expected in message
    assert message.startswith("<dict>: ")


def test_all_problems_are_collected_into_one_error(raw):
    raw["weights"]["roles"]["customer_manager"]["revenue"] = 45
    raw["indicators"]["visits"]["method"] = "magic"
    raw["grades"]["shares"]["C"] = 0.2
    message = _error(raw)
    assert "4 problem(s)" in message  # the bad method also voids the weight of visits
    assert "weights must sum to 100" in message
    assert "unknown method 'magic'" in message
    assert "must sum to 1" in message


def test_weights_are_summed_exactly(raw):
    # 33.3 + 33.3 + 33.4 is 100 in decimal, 99.99999999999999 in binary floating point
    raw["weights"]["roles"]["service_staff"] = {
        "on_time_rate": 33.3,
        "satisfaction": 33.3,
        "pass_rate": 33.4,
    }
    scheme = scheme_from_dict(copy.deepcopy(raw))
    assert scheme.role_weights["service_staff"]["pass_rate"] == 33.4


def test_not_a_mapping():
    with pytest.raises(SchemeError, match="scheme: must be a mapping"):
        scheme_from_dict(["a", "list"])


def test_invalid_yaml_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("indicators: [unclosed", encoding="utf-8")
    with pytest.raises(SchemeError, match="not valid YAML"):
        load_scheme(path)
