"""Charts: Chinese titles and labels, drawn without missing glyphs, also when empty.

Warnings are errors in this suite, so a "Glyph missing" warning while drawing fails.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure

from kpilib.contract.load import load_month
from kpilib.report import figures
from kpilib.report.shared import build_shared_results, scheme_for
from kpilib.sample.generate import generate

pytestmark = pytest.mark.xdist_group("figures")

MONTH = "2026-10"
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> dict[str, pd.DataFrame]:
    data_dir = tmp_path_factory.mktemp("data")
    generate(data_dir, months=2, end=MONTH, counties=3, centres=6, seed=7)
    return build_shared_results(
        load_month(data_dir, MONTH), data_dir=data_dir, scheme=scheme_for(2026)
    )


CHARTS = {
    "trend": lambda s: figures.trend(s["history_units"], "X01"),
    "indicator_scores": lambda s: figures.indicator_scores(s["unit_indicators"], "Z01"),
    "p_chart": lambda s: figures.p_chart(s["quality_pchart"], "X01"),
    "rank_intervals": lambda s: figures.rank_intervals(
        s["rank_intervals"][s["rank_intervals"]["unit_type"] == "county"], "X02"
    ),
    "tickets_by_stage": lambda s: figures.tickets_by_stage(s["tickets_by_stage"], "X01"),
    "funnel": lambda s: figures.funnel(s["funnel_units"], s["funnel_limits"]),
    "league": lambda s: figures.league(s["headline"], "centre"),
    "budget": lambda s: figures.budget(s["expenses_budget"]),
    "leniency": lambda s: figures.leniency(s["inspector_leniency"]),
}


def _check(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    for text in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()):
        assert _CHINESE.search(text), f"not Chinese: {text!r}"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # a missing glyph would warn, i.e. fail here
    assert buffer.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", CHARTS)
def test_chart_has_chinese_title_and_labels_and_draws_cleanly(shared, name):
    _check(CHARTS[name](shared))


@pytest.mark.parametrize("name", CHARTS)
def test_chart_of_empty_tables_says_so(shared, name):
    empty = {key: frame.iloc[0:0] for key, frame in shared.items()}
    fig = CHARTS[name](empty)
    _check(fig)


def test_lenient_inspector_stands_out(shared):
    fig = figures.leniency(shared["inspector_leniency"])
    words = [t.get_text() for t in fig.axes[0].texts]
    lenient = (shared["inspector_leniency"]["verdict"] == "lenient").sum()
    assert lenient >= 1 and words.count("偏宽松") == lenient


def test_figures_are_closed_in_pyplot(shared):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figures.trend(shared["history_units"], "X01")
    assert plt.get_fignums() == before
