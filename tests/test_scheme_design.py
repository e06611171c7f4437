"""Scheme design (docs/methods.md §2.5): kpilib.scoring.design, kpilib.report.design and
notebooks/scheme_design.ipynb.

References, named per test: Saaty (1980) for AHP and the random index; Saaty (1990) for
the house example; Shannon entropy weights (Hwang & Yoon 1981) and CRITIC (Diakoulaki,
Mavrotas & Papayannakis 1995) against closed forms computed by hand below.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from kpilib.errors import SchemeError
from kpilib.paths import PARAMS_DIR
from kpilib.report import design as view
from kpilib.report import store
from kpilib.run.parameters import notebook_parameters
from kpilib.scoring import design
from kpilib.scoring.scheme import load_scheme, scheme_from_dict

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOK = PROJECT / "notebooks" / "scheme_design.ipynb"
MONTH = "2026-10"

# Saaty (1980) The Analytic Hierarchy Process, ch. 2 (first in Saaty 1977, J. Math.
# Psych. 15:234): the brightness of four chairs judged by an observer. Published:
# lambda_max = 4.39, weights 0.61, 0.24, 0.10, 0.05; with RI(4) = 0.90, CI = 0.13 and
# CR = 0.13 / 0.90 = 0.14 (above 0.1).
SAATY_LIGHT = [
    [1, 5, 6, 7],
    ["1/5", 1, 4, 6],
    ["1/6", "1/4", 1, 4],
    ["1/7", "1/6", "1/4", 1],
]
# Saaty (1990) How to make a decision: the analytic hierarchy process, EJOR 48:9-26,
# the house example (8 criteria). Published: lambda_max = 9.669, CI = 0.238, CR = 0.169.
SAATY_HOUSE = [
    [1, 5, 3, 7, 6, 6, "1/3", "1/4"],
    ["1/5", 1, "1/3", 5, 3, 3, "1/5", "1/7"],
    ["1/3", 3, 1, 6, 3, 4, 6, "1/5"],
    ["1/7", "1/5", "1/6", 1, "1/3", "1/4", "1/7", "1/8"],
    ["1/6", "1/3", "1/3", 3, 1, "1/2", "1/5", "1/6"],
    ["1/6", "1/3", "1/4", 4, 2, 1, "1/5", "1/6"],
    [3, 5, "1/6", 7, 5, 5, 1, "1/2"],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def _frame(matrix: list, codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(matrix, index=codes, columns=codes, dtype=object)


def _design(judgements: dict[str, tuple[list, list[str]]]) -> design.Design:
    frames = {t: _frame(m, codes) for t, (m, codes) in judgements.items()}
    return design.Design("试行方案", 2027, frames, "design.yaml")


@pytest.fixture(scope="module")
def current() -> dict:
    return store.read_yaml(PARAMS_DIR / "scheme-2026.yaml")


@pytest.fixture(scope="module")
def small_scheme(current):
    """The 2026 scheme with two county indicators and one centre indicator."""
    raw = {**current, "weights": {**current["weights"]}}
    raw["weights"]["unit_types"] = {
        "county": {"staff_mean": 50, "complaint_rate": 50},
        "centre": {"staff_mean": 100},
    }
    return scheme_from_dict(raw)


# --------------------------------------------------------------------------- AHP
def test_consistency_of_saaty_light_example_and_its_refusal():
    codes = ["c1", "c2", "c3", "c4"]
    plan = _design({"county": (SAATY_LIGHT, codes)})
    row = design.ahp_consistency(plan).iloc[0]
    # Saaty (1980): lambda_max 4.39, CI 0.13, RI(4) 0.90, CR 0.14 (two decimals published)
    assert round(row["lambda_max"], 2) == 4.39
    assert round(row["ci"], 2) == 0.13
    assert row["ri"] == 0.90
    assert round(row["cr"], 2) == 0.14
    assert not row["consistent"]
    with pytest.raises(SchemeError) as info:
        design.ahp_weights(plan)
    message = str(info.value)
    assert message.startswith("design.yaml: ahp.county: the consistency ratio CR = 0.145")
    assert "not below 0.1" in message and "revise the matrix" in message
    # the judgement farthest from the weights is named with the ratio the weights imply
    assert re.search(r"most of all c\d against c\d \(given [\d/]+, the weights imply [\d.]+\)",
                     message)  # fmt: skip


def test_consistency_of_saaty_house_example():
    codes = [f"k{i}" for i in range(1, 9)]
    row = design.ahp_consistency(_design({"county": (SAATY_HOUSE, codes)})).iloc[0]
    # Saaty (1990) EJOR 48:9-26: lambda_max 9.669, CI 0.238, CR 0.169 (RI(8) = 1.41)
    assert row["lambda_max"] == pytest.approx(9.669, abs=5e-4)
    assert row["ci"] == pytest.approx(0.238, abs=5e-4)
    assert row["cr"] == pytest.approx(0.169, abs=5e-4)
    assert row["ri"] == 1.41


def test_consistent_matrix_is_accepted_with_its_exact_weights():
    # hand computation: a_ij = w_i / w_j with w = (4/7, 2/7, 1/7) is perfectly consistent
    codes = ["a", "b", "c"]
    plan = _design({"centre": ([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]], codes)})
    got = design.ahp_weights(plan)
    assert got["indicator"].tolist() == codes
    assert got["ahp"].tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert design.ahp_consistency(plan)["cr"].iloc[0] == pytest.approx(0.0, abs=1e-12)


def test_bundled_design_parameters_pass_with_cr_by_power_iteration():
    scheme = load_scheme(PARAMS_DIR / "scheme-2026.yaml")
    path = PARAMS_DIR / "scheme_design.yaml"
    plan = design.design_from_mapping(store.read_yaml(path), scheme=scheme, origin=str(path))
    table = design.ahp_consistency(plan).set_index("unit_type")
    for unit_type, matrix in plan.judgements.items():
        # independent: power iteration, lambda = mean((A w)_i / w_i), CR = CI / RI(n)
        a = matrix.map(lambda v: float(eval(str(v)))).to_numpy(dtype=float)
        w = np.ones(len(a))
        for _ in range(200):
            w = a @ w / (a @ w).sum()
        lam = float(np.mean(a @ w / w))
        n = len(a)
        ri = {3: 0.58, 5: 1.12}[n]  # Saaty (1980) random index
        assert table.loc[unit_type, "cr"] == pytest.approx((lam - n) / (n - 1) / ri, abs=1e-9)
        assert table.loc[unit_type, "consistent"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: r["ahp"].pop("centre"), "ahp.centre: missing"),
        (lambda r: r["ahp"].update(region={}), "ahp.region: unknown unit type"),
        (lambda r: r["ahp"]["county"]["indicators"].pop(), "ahp.county.indicators: must list"),
        (lambda r: r["ahp"]["centre"]["matrix"].pop(), "ahp.centre.matrix: must be 3 rows of 3"),
        (lambda r: r["ahp"]["centre"]["matrix"][2].__setitem__(0, 0.26), "not reciprocal"),
        (lambda r: r.update(year="明年"), "year: the proposed scheme's year"),
    ],
)
def test_bad_design_parameters_are_refused_naming_file_and_place(edit, expected):
    scheme = load_scheme(PARAMS_DIR / "scheme-2026.yaml")
    raw = store.read_yaml(PARAMS_DIR / "scheme_design.yaml")
    edit(raw)
    with pytest.raises(SchemeError, match=re.escape(expected)) as info:
        design.design_from_mapping(raw, scheme=scheme, origin="params/scheme_design.yaml")
    assert str(info.value).startswith("params/scheme_design.yaml: ")


# --------------------------------------------------------------------------- weights
def _history(rows: list[tuple]) -> pd.DataFrame:
    """(month, unit, type, indicator, direction, actual, raw) -> design_history's layout."""
    frame = pd.DataFrame(
        rows, columns=["month", "unit_code", "unit_type", "indicator", "direction", "actual",
                       "raw_score"],
    )  # fmt: skip
    frame["unit_name"] = frame["unit_code"] + "名"
    frame["indicator_name"] = frame["indicator"]
    frame["applicable"] = frame["raw_score"].notna()
    return frame[design.HISTORY_COLUMNS]


#: Three counties, one month: staff_mean actual 70/80/90 (higher is better), complaint_rate
#: 60/40/40 (lower is better); three centres with staff_mean only.
HAND = _history(
    [
        (MONTH, "X01", "county", "staff_mean", "higher", 70.0, 70.0),
        (MONTH, "X01", "county", "complaint_rate", "lower", 60.0, 120.0),
        (MONTH, "X02", "county", "staff_mean", "higher", 80.0, 80.0),
        (MONTH, "X02", "county", "complaint_rate", "lower", 40.0, 100.0),
        (MONTH, "X03", "county", "staff_mean", "higher", 90.0, 90.0),
        (MONTH, "X03", "county", "complaint_rate", "lower", 40.0, 100.0),
        (MONTH, "Z01", "centre", "staff_mean", "higher", 70.0, 70.0),
        (MONTH, "Z02", "centre", "staff_mean", "higher", 80.0, 80.0),
        (MONTH, "Z03", "centre", "staff_mean", "higher", 85.0, 85.0),
    ]
)
HAND_DESIGN = _design(
    {
        "county": ([[1, 3], ["1/3", 1]], ["staff_mean", "complaint_rate"]),
        "centre": ([[1]], ["staff_mean"]),
    }
)
# Min-max normalised (complaints reversed): a = (0, 1/2, 1), b = (0, 1, 1).
# Entropy (Shannon; Hwang & Yoon 1981): p_a = (0, 1/3, 2/3), e_a = 1 - 2 ln2 / (3 ln3);
# p_b = (0, 1/2, 1/2), e_b = ln2 / ln3; w = (1 - e) / sum(1 - e).
_D_A, _D_B = 2 * math.log(2) / (3 * math.log(3)), 1 - math.log(2) / math.log(3)
ENTROPY_HAND = (_D_A / (_D_A + _D_B), _D_B / (_D_A + _D_B))
# CRITIC (Diakoulaki et al. 1995): sd_a = 1/2, sd_b = 1/sqrt(3) (ddof 1); r_ab = sqrt(3)/2;
# C_j = sd_j (1 - r_ab), so w_a = sd_a / (sd_a + sd_b) = sqrt(3) / (sqrt(3) + 2).
CRITIC_HAND = (math.sqrt(3) / (math.sqrt(3) + 2), 2 / (math.sqrt(3) + 2))


def test_entropy_and_critic_weights_against_hand_computation(small_scheme):
    got = design.weight_comparison(
        HAND, scheme=small_scheme, design=HAND_DESIGN, proposal="combined", ahp_share=0.5
    )
    county = got[got["unit_type"] == "county"].set_index("indicator")
    assert county.loc[["staff_mean", "complaint_rate"], "entropy"].tolist() == pytest.approx(
        ENTROPY_HAND, abs=1e-12
    )
    assert county.loc[["staff_mean", "complaint_rate"], "critic"].tolist() == pytest.approx(
        CRITIC_HAND, abs=1e-12
    )
    assert county["ahp"].tolist() == pytest.approx([0.75, 0.25])  # 3 : 1
    assert county["current"].tolist() == [0.5, 0.5]
    # combined = 1/2 AHP + 1/2 (entropy + CRITIC) / 2
    proposed_a = 0.5 * 0.75 + 0.25 * (ENTROPY_HAND[0] + CRITIC_HAND[0])
    assert county.loc["staff_mean", "proposed"] == pytest.approx(proposed_a, abs=1e-12)
    assert county["points"].tolist() == [round(100 * proposed_a), 100 - round(100 * proposed_a)]
    centre = got[got["unit_type"] == "centre"].iloc[0]
    # a single indicator takes the whole weight under every method
    assert (centre["ahp"], centre["entropy"], centre["critic"], centre["points"]) == (1, 1, 1, 100)


@pytest.mark.parametrize(("proposal", "column"), [("ahp", "ahp"), ("entropy", "entropy"),
                                                  ("critic", "critic")])  # fmt: skip
def test_single_method_proposal(small_scheme, proposal, column):
    got = design.weight_comparison(HAND, scheme=small_scheme, design=HAND_DESIGN,
                                   proposal=proposal)  # fmt: skip
    np.testing.assert_allclose(got["proposed"], got[column])
    assert got.groupby("unit_type")["points"].sum().tolist() == [100, 100]


def test_never_applicable_indicator_takes_the_mean_of_the_others(small_scheme):
    extra = _history(
        [
            (MONTH, "X04", "county", "staff_mean", "higher", 75.0, 75.0),
            (MONTH, "X04", "county", "complaint_rate", "lower", np.nan, np.nan),
        ]
    )
    got = (
        design.weight_comparison(
            pd.concat([HAND, extra], ignore_index=True), scheme=small_scheme, design=HAND_DESIGN
        )
        .query("unit_type == 'county'")
        .set_index("indicator")
    )
    # by hand: X04's complaint rate is the mean of 60, 40, 40; entropy of that matrix
    filled = np.array([[70, 60], [80, 40], [90, 40], [75, 140 / 3]], dtype=float)
    y = (filled - filled.min(0)) / (filled.max(0) - filled.min(0))
    y[:, 1] = 1 - y[:, 1]
    p = y / y.sum(0)
    e = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0).sum(0) / np.log(4)
    assert got.loc[["staff_mean", "complaint_rate"], "entropy"].tolist() == pytest.approx(
        ((1 - e) / (1 - e).sum()).tolist(), abs=1e-12
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"proposal": "mean"}, "proposal must be one of"), ({"ahp_share": 1.5}, r"\[0, 1\]")],
)
def test_bad_proposal_options(small_scheme, kwargs, match):
    with pytest.raises(ValueError, match=match):
        design.weight_comparison(HAND, scheme=small_scheme, design=HAND_DESIGN, **kwargs)


# --------------------------------------------------------------------------- ranks
def test_ranks_by_hand_and_ties(small_scheme):
    comparison = design.weight_comparison(HAND, scheme=small_scheme, design=HAND_DESIGN)
    got = design.rank_stability(HAND, comparison, n_draws=50, seed=1).set_index("unit_code")
    # current weights 1/2, 1/2: X01 (70 + 120) / 2 = 95, X02 90, X03 95 -> ranks 1, 3, 1
    assert got.loc[["X01", "X02", "X03"], "score_current"].tolist() == [95.0, 90.0, 95.0]
    assert got.loc[["X01", "X02", "X03"], "rank_current"].tolist() == [1, 3, 1]
    county = comparison[comparison["unit_type"] == "county"].set_index("indicator")
    w = county.loc[["staff_mean", "complaint_rate"], "proposed"]
    by_hand = {u: w.iloc[0] * s + w.iloc[1] * c for u, s, c in
               [("X01", 70, 120), ("X02", 80, 100), ("X03", 90, 100)]}  # fmt: skip
    assert got.loc[list(by_hand), "score_proposed"].tolist() == pytest.approx(
        list(by_hand.values())
    )
    assert got.loc[["X03", "X01", "X02"], "rank_proposed"].tolist() == [1, 2, 3]
    assert (got["rank_change"] == got["rank_current"] - got["rank_proposed"]).all()
    assert got.loc["X01", "rank_change"] == -1  # 1 -> 2
    assert (got["rank_low"] <= got["rank_proposed"]).all()
    assert (got["rank_proposed"] <= got["rank_high"]).all()


def test_not_applicable_indicator_renormalises_the_weights():
    rows = _history(
        [
            ("2026-09", "X01", "county", "a", "higher", 1.0, 80.0),
            ("2026-09", "X01", "county", "b", "higher", np.nan, np.nan),
            ("2026-10", "X01", "county", "a", "higher", 1.0, 60.0),
            ("2026-10", "X01", "county", "b", "higher", 1.0, 100.0),
            ("2026-10", "X02", "county", "a", "higher", 1.0, 90.0),
            ("2026-10", "X02", "county", "b", "higher", 1.0, 90.0),
        ]
    )
    comparison = pd.DataFrame(
        {"unit_type": "county", "indicator": ["a", "b"], "current": [0.25, 0.75],
         "proposed": [0.5, 0.5]}
    )  # fmt: skip
    got = design.rank_stability(rows, comparison, n_draws=10).set_index("unit_code")
    # X01: 2026-09 only a applies -> 80; 2026-10 -> 0.25 * 60 + 0.75 * 100 = 90; mean 85.
    # X02 has no 2026-09 row: its mean is over 2026-10 only -> 90.
    assert got.loc["X01", "score_current"] == pytest.approx(85.0)
    assert got.loc["X02", "score_current"] == pytest.approx(90.0)
    assert got.loc["X01", "score_proposed"] == pytest.approx((80 + 80) / 2)


def test_monte_carlo_is_reproducible_with_a_seed(small_scheme):
    comparison = design.weight_comparison(HAND, scheme=small_scheme, design=HAND_DESIGN)
    first = design.rank_stability(HAND, comparison, n_draws=500, concentration=5.0, seed=11)
    again = design.rank_stability(HAND, comparison, n_draws=500, concentration=5.0, seed=11)
    other = design.rank_stability(HAND, comparison, n_draws=500, concentration=5.0, seed=12)
    pd.testing.assert_frame_equal(first, again)
    assert not first["p_same_rank"].equals(other["p_same_rank"])
    # a loose Dirichlet moves the close counties; a very tight one never does
    assert first.loc[first["unit_type"] == "county", "p_same_rank"].min() < 1
    tight = design.rank_stability(HAND, comparison, n_draws=200, concentration=1e9, seed=11)
    assert (tight["p_same_rank"] == 1).all()
    assert (tight["rank_low"] == tight["rank_proposed"]).all()
    assert (tight["rank_high"] == tight["rank_proposed"]).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_draws": 0}, "n_draws"), ({"concentration": 0.0}, "concentration"),
     ({"level": 1.0}, "level")],
)  # fmt: skip
def test_bad_monte_carlo_options(small_scheme, kwargs, match):
    comparison = design.weight_comparison(HAND, scheme=small_scheme, design=HAND_DESIGN)
    with pytest.raises(ValueError, match=match):
        design.rank_stability(HAND, comparison, **kwargs)


# --------------------------------------------------------------------------- scheme
def test_proposed_scheme_reloads_through_the_scheme_loader(current, tmp_path):
    scheme = load_scheme(PARAMS_DIR / "scheme-2026.yaml")
    comparison = pd.DataFrame(
        {
            "unit_type": ["county"] * 5 + ["centre"] * 3,
            "indicator": [*scheme.unit_weights["county"], *scheme.unit_weights["centre"]],
            "points": [40, 20, 20, 0, 20, 50, 25, 25],
        }
    )
    plan = design.Design("集团客户业务部2027年度月度考核方案（建议稿）", 2027, {}, "x")
    raw = design.proposed_scheme(current, comparison, design=plan)
    path = store.write_yaml(tmp_path / "out" / "proposed.yaml", raw, header="建议稿\nline 2")
    assert path.read_text(encoding="utf-8").startswith("# 建议稿\n# line 2\n")
    reloaded = load_scheme(path)
    assert (reloaded.name, reloaded.year) == (plan.name, 2027)
    # 0 points: the indicator leaves the unit type's weights (weights must be positive)
    assert dict(reloaded.unit_weights["county"]) == {
        "staff_mean": 40, "report_timeliness": 20, "contract_archive": 20, "complaint_rate": 20,
    }  # fmt: skip
    assert dict(reloaded.unit_weights["centre"]) == {
        "staff_mean": 50, "contract_archive": 25, "qualification": 25,
    }  # fmt: skip
    # everything else is the current scheme's
    assert reloaded.role_weights == scheme.role_weights
    assert reloaded.indicators == scheme.indicators
    assert reloaded.vetoes == scheme.vetoes
    assert current["year"] == 2026  # the input mapping is not changed


def test_proposed_scheme_that_does_not_validate_is_refused(current):
    comparison = pd.DataFrame(
        {"unit_type": ["county", "centre"], "indicator": ["revenue_x", "staff_mean"],
         "points": [100, 100]}
    )  # fmt: skip
    plan = design.Design("方案", 2027, {}, "x")
    with pytest.raises(SchemeError, match=re.escape("weights.unit_types.county.revenue_x")):
        design.proposed_scheme(current, comparison, design=plan)


# --------------------------------------------------------------------------- report views
def test_tables_have_chinese_headers_and_formatted_values(small_scheme):
    comparison = design.weight_comparison(HAND, scheme=small_scheme, design=HAND_DESIGN)
    table = view.weights_table(comparison)
    assert list(table.columns[:4]) == ["单位类型", "指标编码", "指标名称", "方向"]
    assert table.iloc[0]["现行权重"] == "50.0%" and table.iloc[0]["单位类型"] == "县市公司"
    assert table.iloc[1]["方向"] == "越低越好"
    ranks = view.rank_table(design.rank_stability(HAND, comparison, n_draws=50, seed=1))
    assert set(ranks["名次变化"]) <= {"不变", "上升1位", "下降1位", "上升2位", "下降2位"}
    assert not ranks.isna().any().any()
    assert not [c for c in [*table.columns, *ranks.columns] if re.search(r"[a-z]{4}", c)]


def test_judgements_table_shows_the_matrix_as_written():
    scheme = load_scheme(PARAMS_DIR / "scheme-2026.yaml")
    raw = store.read_yaml(PARAMS_DIR / "scheme_design.yaml")
    plan = design.design_from_mapping(raw, scheme=scheme)
    table = view.judgements_table(plan, unit_type="centre", scheme=scheme)
    names = [scheme.indicators[c].name for c in raw["ahp"]["centre"]["indicators"]]
    assert list(table.columns) == ["指标（行比列）", *names]
    assert table.iloc[:, 1:].to_numpy().tolist() == [
        [str(v) for v in row] for row in raw["ahp"]["centre"]["matrix"]
    ]
    with pytest.raises(KeyError, match="region"):
        view.judgements_table(plan, unit_type="region", scheme=scheme)


def test_yaml_files_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "none.yaml"))):
        store.read_yaml(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("ahp: [1, 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{broken}: not valid YAML")):
        store.read_yaml(broken)


# --------------------------------------------------------------------------- notebook
FORBIDDEN = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For,
             ast.AsyncFor, ast.While, ast.comprehension)  # fmt: skip


def test_notebook_is_thin_typed_and_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        bad = [type(n).__name__ for n in ast.walk(ast.parse(cell.source))
               if isinstance(n, FORBIDDEN)]  # fmt: skip
        assert not bad, f"{bad}: logic belongs in kpilib"
    params = notebook_parameters(NOTEBOOK)
    assert {name: p.type_name for name, p in params.items()} == {
        "month": "str", "results_dir": "str", "data_dir": "str", "design_path": "str",
        "output_path": "str", "months": "int", "proposal": "str", "ahp_share": "float",
        "n_draws": "int", "concentration": "float", "seed": "int",
    }  # fmt: skip
    assert all(re.search(r"[\u4e00-\u9fff]", p.help) for p in params.values())
    assert (params["month"].default, params["data_dir"].default) == ('"2026-10"', '"data/sample"')


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    """Four counties, six centres, three months; shared results built once."""
    from kpilib.run.open import ensure_results
    from kpilib.sample.generate import generate

    root = tmp_path_factory.mktemp("scheme_design")
    data_dir = root / "data"
    generate(data_dir, months=3, end=MONTH, counties=4, centres=6, seed=7)
    return {
        "root": root,
        "data": data_dir,
        "results": ensure_results(data_dir, MONTH, root / "results"),
    }


@pytest.mark.slow
def test_raw_scores_recovered_from_the_history_match_the_scorecard(small):
    results = small["results"]
    scheme = load_scheme(PARAMS_DIR / "scheme-2026.yaml")
    history = design.design_history(
        store.read_result(results, "history_indicators"),
        store.read_result(results, "history_units"),
        scheme=scheme, month=MONTH, months=3,
    )  # fmt: skip
    assert sorted(history["month"].unique()) == ["2026-08", "2026-09", MONTH]
    # the month's scorecard stores each unit's raw score: the recovery must give it back
    stored = store.read_result(results, "unit_indicators")
    both = history[history["month"] == MONTH].merge(
        stored[["unit_code", "indicator", "raw_score", "applicable"]],
        on=["unit_code", "indicator"], suffixes=("", "_stored"), validate="one_to_one",
    )  # fmt: skip
    assert len(both) == len(stored)
    assert (both["applicable"] == both["applicable_stored"]).all()
    np.testing.assert_allclose(both["raw_score"], both["raw_score_stored"], atol=1e-9)
    # under the current weights, a one-month score is the scorecard's weighted sum
    one = history[history["month"] == MONTH]
    comparison = design.weight_comparison(
        one, scheme=scheme, design=design.design_from_mapping(
            store.read_yaml(PARAMS_DIR / "scheme_design.yaml"), scheme=scheme),
    )  # fmt: skip
    scores = design.rank_stability(one, comparison, n_draws=10).set_index("unit_code")
    weighted = store.read_result(results, "history_indicators")
    weighted = weighted[weighted["month"] == MONTH].groupby("unit_code")["weighted_score"].sum()
    np.testing.assert_allclose(scores["score_current"], weighted.loc[scores.index], atol=1e-9)
    with pytest.raises(ValueError, match="lacks 2026-07 of the 4 months ending 2026-10"):
        design.design_history(
            store.read_result(results, "history_indicators"),
            store.read_result(results, "history_units"),
            scheme=scheme, month=MONTH, months=4,
        )  # fmt: skip


@pytest.mark.notebook
def test_notebook_runs_through_papermill_and_renders(small):
    import papermill

    from kpilib.report.render import render_report

    tmp_path = small["root"]
    out, proposed = tmp_path / "scheme_design.ipynb", tmp_path / "proposed.yaml"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out),
        parameters={"month": MONTH, "data_dir": str(small["data"]),
                    "results_dir": str(small["results"]), "output_path": str(proposed),
                    "months": 3, "n_draws": 300},
        cwd=str(NOTEBOOK.parent), progress_bar=False, kernel_name="python3",
    )  # fmt: skip
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    markdown = "".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    for header in ("一致性比率CR", "AHP权重", "熵权", "CRITIC权重", "建议分值", "排名区间"):
        assert header in html
    assert "共 3 个月" in markdown and "2026-08 至 2026-10" in markdown
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2
    # the proposed scheme reloads, and its weights are the ones the notebook showed
    reloaded = load_scheme(proposed)
    assert reloaded.year == 2027 and "建议稿" in reloaded.name
    assert "校验通过" in markdown
    assert all(sum(w.values()) == 100 for w in reloaded.unit_weights.values())
    page = render_report(out, tmp_path / "scheme_design.html", title="考核方案设计")
    text = page.read_text(encoding="utf-8")
    assert "下一年度考核方案设计" in text and "<img" in text
    body = re.sub(r"base64,[A-Za-z0-9+/=]+", "", text[text.index("<main>") :])
    assert not re.search(r">\s*(NaN|nan|None|<NA>)\s*<", body)


@pytest.mark.notebook
def test_notebook_shows_the_cr_and_stops_on_inconsistent_judgements(small):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    root = small["root"]
    raw = store.read_yaml(PARAMS_DIR / "scheme_design.yaml")
    # 人员考核均分 9x 报表报送, 报表报送 9x 合同归档, yet 合同归档 9x 人员考核均分: a cycle
    raw["ahp"]["county"]["matrix"] = [
        [1, 9, "1/9", 1, 1],
        ["1/9", 1, 9, 1, 1],
        [9, "1/9", 1, 1, 1],
        [1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1],
    ]
    bad = store.write_yaml(root / "bad_design.yaml", raw)
    out = root / "refused.ipynb"
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(NOTEBOOK), str(out),
            parameters={"month": MONTH, "data_dir": str(small["data"]),
                        "results_dir": str(small["results"]), "design_path": str(bad),
                        "output_path": str(root / "never.yaml"), "months": 3},
            cwd=str(NOTEBOOK.parent), progress_bar=False, kernel_name="python3",
        )  # fmt: skip
    assert info.value.ename == "SchemeError"
    assert f"{bad}: ahp.county: the consistency ratio CR = " in info.value.evalue
    assert "revise the matrix" in info.value.evalue
    executed = nbformat.read(out, as_version=4)
    shown = "".join(
        o.get("data", {}).get("text/html", "")
        for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )  # fmt: skip
    assert "一致性比率CR" in shown and "未通过（CR≥0.1）" in shown
    assert not (root / "never.yaml").exists()
