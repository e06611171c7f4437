"""Charts: Chinese titles and labels, drawn cleanly (also when empty), names drawn as written.

Warnings are errors in this suite, so a "Glyph missing" warning while drawing fails.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

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
    "p_chart": lambda s: figures.p_chart(s["quality_pchart"], "X01"),
    "rank_intervals": lambda s: figures.rank_intervals(
        s["rank_intervals"][s["rank_intervals"]["unit_type"] == "county"], "X02"
    ),
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


# Names as a hostile month could carry them: mathtext (a formula, an unknown command that
# stops matplotlib's parser, an empty formula), TeX specials, an escaped dollar that
# mathtext would unescape, HTML. Each must be drawn exactly as written.
HOSTILE_NAMES = [
    r"$\undefinedcommand$",
    "A$x^2$B",
    r"$\frac{1}{0}$单位",
    "$$",
    r"a\$b",
    "反斜杠\\与\\n",
    "50%_^{}#&~",
    "<b>名</b>",
]


def _cycle(column: pd.Series) -> list[str]:
    return [HOSTILE_NAMES[i % len(HOSTILE_NAMES)] for i in range(len(column))]


def _hostile_trend(s):
    frame = s["history_units"].copy()
    frame.loc[frame["unit_code"] == "X01", "unit_name"] = HOSTILE_NAMES[1]
    return figures.trend(frame, "X01"), [HOSTILE_NAMES[1]]


def _labelled(frame: pd.DataFrame, name: str, code: str) -> list[str]:
    return [f"{n}（{c}）" for n, c in zip(frame[name], frame[code], strict=True)]


def _hostile_ranks(s):
    frame = s["rank_intervals"][s["rank_intervals"]["unit_type"] == "county"].copy()
    frame["unit_name"] = _cycle(frame["unit_name"])
    return figures.rank_intervals(frame, "X02"), _labelled(frame, "unit_name", "unit_code")


def _hostile_funnel(s):
    frame = s["funnel_units"].copy()
    frame["unit_name"] = _cycle(frame["unit_name"])
    return figures.funnel(frame, s["funnel_limits"]), list(frame["unit_name"])


def _hostile_league(s):
    frame = s["headline"].copy()
    frame["unit_name"] = _cycle(frame["unit_name"])
    centres = frame[frame["unit_type"] == "centre"]
    return figures.league(frame, "centre"), _labelled(centres, "unit_name", "unit_code")


def _hostile_leniency(s):
    frame = s["inspector_leniency"].copy()
    frame["name"] = _cycle(frame["name"])
    return figures.leniency(frame), _labelled(frame, "name", "inspector_id")


def _hostile_budget(s):
    frame = s["expenses_budget"].copy()
    frame["category"] = _cycle(frame["category"])
    return figures.budget(frame), list(frame["category"])


def _hostile_business(s):
    frame = s["business_results"].copy()
    frame["unit_name"] = _cycle(frame["unit_name"])
    shown = frame[frame.filter(regex=r"^(?!ytd_).*_completion$").notna().any(axis=1)]
    labels = [f"{n}（{c}）" if c else n for n, c in zip(shown["unit_name"], shown["unit_code"])]
    return figures.business(frame), labels


HOSTILE_CHARTS = {
    "trend": _hostile_trend,
    "rank_intervals": _hostile_ranks,
    "funnel": _hostile_funnel,
    "league": _hostile_league,
    "leniency": _hostile_leniency,
    "budget": _hostile_budget,
    "business": _hostile_business,
}


def _drawn_texts(fig: Figure) -> set[str]:
    """The strings an SVG of ``fig`` draws, each as one run of characters (fonts not outlined).

    Text matplotlib typesets as mathtext is written glyph by glyph, so a name appears
    here whole only if it was drawn literally.
    """
    import xml.etree.ElementTree as ET

    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    root = ET.fromstring(buffer.getvalue())
    return {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}


@pytest.mark.parametrize("name", HOSTILE_CHARTS)
def test_names_with_mathtext_and_tex_specials_are_drawn_as_written(shared, name):
    fig, expected = HOSTILE_CHARTS[name](shared)
    assert expected, "the case puts no hostile name into the chart"
    _check(fig)  # draws a PNG: an unknown command between dollars would raise here
    texts = {t.get_text() for t in fig.findobj(Text)}  # after drawing: categorical ticks
    assert set(expected) <= texts, f"labels differ from the names: {set(expected) - texts}"
    drawn = _drawn_texts(fig)
    assert set(expected) <= drawn, f"drawn differently from the names: {set(expected) - drawn}"


def test_trend_title_starts_with_the_hostile_name_as_written(shared):
    fig, (name,) = _hostile_trend(shared)
    assert fig.axes[0].get_title().startswith(f"{name}（X01）")
    assert any(text.startswith(f"{name}（X01）") for text in _drawn_texts(fig))


def test_all_hostile_names_reach_some_chart(shared):
    used = set()
    for make in HOSTILE_CHARTS.values():
        used.update(make(shared)[1])
    reached = {n for n in HOSTILE_NAMES if any(n in label for label in used)}
    assert reached == set(HOSTILE_NAMES)


def _visible_label_boxes(fig: Figure) -> dict[str, object]:
    """The drawn boxes of the point labels of ``fig``'s only axes, by label text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return {
        t.get_text(): t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_visible()
    }


def _crowded_funnel(units: int, outside: set[int]) -> tuple[Figure, pd.DataFrame]:
    """``units`` units with nearly the same inspections and pass rate: labels must collide."""
    frame = pd.DataFrame(
        {
            "unit_code": [f"X{i:02d}" for i in range(units)],
            "unit_name": [f"测试县分公司{i}号" for i in range(units)],
            "inspected": [40 + i % 5 for i in range(units)],
            "pass_rate": [0.90 + 0.002 * (i % 7) for i in range(units)],
            "position": ["低于控制限" if i in outside else "在控制限内" for i in range(units)],
        }
    )
    limits = pd.DataFrame(
        [
            {"level": level, "n": n, "lower": 0.8, "upper": 1.0, "target": 0.93}
            for level in (0.95, 0.998)
            for n in (10, 100)
        ]
    )
    return figures.funnel(frame, limits), frame


@pytest.mark.parametrize(("units", "outside"), [(20, {3, 11}), (45, {0, 7, 30})])
def test_funnel_labels_never_overlap_and_units_outside_the_limits_keep_their_names(units, outside):
    fig, frame = _crowded_funnel(units, outside)
    boxes = _visible_label_boxes(fig)
    names = list(boxes)
    overlapping = [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if boxes[a].overlaps(boxes[b])
    ]
    assert overlapping == []
    assert {frame.loc[i, "unit_name"] for i in outside} <= set(boxes)
    if units > figures.FUNNEL_NAMES_MAX:  # only the units outside the limits are named
        assert set(boxes) == {frame.loc[i, "unit_name"] for i in outside}


@pytest.mark.parametrize("units", [12, 60])
def test_rank_interval_names_never_overlap(units):
    intervals = pd.DataFrame(
        {
            "unit_code": [f"X{i:02d}" for i in range(units)],
            "unit_name": [f"测试县分公司{i}号" for i in range(units)],
            "unit_type": "county",
            "rank": range(1, units + 1),
            "rank_low": [max(1, i - 3) for i in range(1, units + 1)],
            "rank_high": [min(units, i + 3) for i in range(1, units + 1)],
        }
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = figures.rank_intervals(intervals, "X03")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels()]
    assert len(boxes) == units
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_rank_intervals_draw_one_unit_type_only(shared):
    """Counties and centres are ranked apart (docs/methods.md rank intervals): a centre's
    chart never lists counties, also when the centre itself has no inspections."""
    both = shared["rank_intervals"]
    assert set(both["unit_type"]) == {"county", "centre"}
    with pytest.raises(ValueError, match="several unit types"):
        figures.rank_intervals(both, "X01")
    fig = figures.rank_intervals(both, "Z99", unit_type="centre")
    names = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    centres = both[both["unit_type"] == "centre"]
    assert names == {f"{n}（{c}）" for n, c in zip(centres["unit_name"], centres["unit_code"])}
    assert "中心" in fig.axes[0].get_title()


def _ranked(units: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": [f"X{i:03d}" for i in range(1, units + 1)],
            "unit_name": [f"县{i}" for i in range(1, units + 1)],
            "unit_type": "county",
            "rank": [float(i) for i in range(1, units + 1)],
            "rank_low": [float(max(1, i - 2)) for i in range(1, units + 1)],
            "rank_high": [float(min(units, i + 2)) for i in range(1, units + 1)],
        }
    )


@pytest.mark.parametrize(
    ("unit", "expected_first"),
    [("X001", 1), ("X030", 23), ("X060", 46), ("X999", 1)],
)
def test_a_unit_report_draws_the_ranks_around_the_unit(unit, expected_first):
    """60 counties, window 15: the 15 ranks centred on the unit (clipped at either end),
    and the title says how many there are in all."""
    fig = figures.rank_intervals(_ranked(60), unit, window=15)
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert names == [f"县{i}（X{i:03d}）" for i in range(expected_first, expected_first + 15)]
    assert fig.axes[0].get_title().endswith("：60个中排名相邻的15个")


def test_a_window_wider_than_the_league_draws_it_all():
    fig = figures.rank_intervals(_ranked(12), "X005", window=15)
    assert len(fig.axes[0].get_yticklabels()) == 12
    assert "排名相邻" not in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="window=0"):
        figures.rank_intervals(_ranked(12), "X005", window=0)


def _png_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(data)).size


def test_business_labels_a_missed_target_below_100_percent(shared):
    """A completion of 99.6 % is drawn red (below target) and labelled 99.6%, not a rounded
    100%; the tables show rates with one decimal as well (labels._rate)."""
    frame = shared["business_results"].copy()
    first = frame.index[0]
    frame.loc[first, "revenue_completion"] = 0.996
    frame.loc[first, "new_members_completion"] = 1.0
    revenue_panel, members_panel = figures.business(frame).axes[:2]
    assert "99.6%" in {t.get_text() for t in revenue_panel.texts}
    assert "100%" not in {t.get_text() for t in revenue_panel.texts}
    assert "100.0%" in {t.get_text() for t in members_panel.texts}


def test_rate_axes_label_each_tick_exactly():
    """p chart: ticks every 2.5 % read 2.5%, 5%, 7.5%; '.0%' printed 2% and 8% for them."""
    rows = pd.DataFrame(
        {
            "unit_code": "X01",
            "month": ["2026-08", "2026-09", "2026-10"],
            "fail_rate": [0.02, 0.09, 0.115],
            "ucl": 0.175,
            "lcl": 0.0,
            "p_bar": 0.06,
            "signal": False,
        }
    )
    fig = figures.p_chart(rows, "X01")
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    ticks = ax.get_yticks()
    assert any(round(t * 100, 6) % 1 for t in ticks), f"no tick between whole percents: {ticks}"
    for tick, label in zip(ticks, ax.get_yticklabels(), strict=True):
        assert float(label.get_text().rstrip("%")) == pytest.approx(tick * 100)


def test_png_once_is_the_tight_picture_drawn_once(shared):
    """What the warm kernels display: about the size of matplotlib's own tight bounding
    box (the reference, ``savefig(bbox_inches="tight")``). png_once crops to the drawn
    pixels, the reference to the texts' boxes (antialiased edges spill a pixel or two
    past those): both add ``savefig.pad_inches``."""
    fig = figures.trend(shared["history_units"], "X01")
    reference = io.BytesIO()
    fig.savefig(reference, format="png", bbox_inches="tight")
    once = figures.png_once(fig)
    (w, h), (rw, rh) = _png_size(once), _png_size(reference.getvalue())
    assert abs(w - rw) <= 4 and abs(h - rh) <= 4


def test_png_once_crops_to_the_drawing_with_the_pad_around_it(shared):
    import matplotlib as mpl
    from PIL import Image

    fig = figures.p_chart(shared["quality_pchart"], "X01")
    picture = np.asarray(Image.open(io.BytesIO(figures.png_once(fig))).convert("RGB"))
    pad = round(mpl.rcParams["savefig.pad_inches"] * fig.dpi)
    inked = (picture != picture[0, 0]).any(axis=2)
    rows, columns = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    height, width = inked.shape
    # exactly the pad of background on every side: nothing cut, no more margin
    assert (rows[0], columns[0]) == (pad, pad)
    assert (height - 1 - rows[-1], width - 1 - columns[-1]) == (pad, pad)


def test_png_once_keeps_the_alpha_channel_only_when_something_is_see_through(shared):
    from PIL import Image

    fig = figures.p_chart(shared["quality_pchart"], "X01")
    opaque = Image.open(io.BytesIO(figures.png_once(fig)))
    assert opaque.mode == "RGB"
    reference = io.BytesIO()
    fig.savefig(reference, format="png", bbox_inches="tight")
    # the same colours as matplotlib's own RGBA picture (both cropped to the drawing):
    # the colours that fill at least 0.2 % of it (background, grid, lines, markers);
    # anti-aliased edges differ, the tight box being placed a fraction of a pixel apart
    drawn = np.asarray(Image.open(reference).convert("RGB"))
    assert _main_colours(np.asarray(opaque)) == _main_colours(drawn)
    assert len(_main_colours(drawn)) >= 4
    fig.patch.set_alpha(0.0)  # a see-through background is kept see-through
    clear = Image.open(io.BytesIO(figures.png_once(fig)))
    assert clear.mode == "RGBA" and np.asarray(clear)[0, 0, 3] == 0


def _main_colours(pixels: np.ndarray, share: float = 0.002) -> set[tuple[int, ...]]:
    colours, counts = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0, return_counts=True)
    return {tuple(int(v) for v in c) for c in colours[counts >= share * counts.sum()]}


def test_png_once_saves_a_figure_whose_labels_leave_the_canvas_the_usual_way():
    fig = figures.rank_intervals(_ranked(3).assign(unit_name="很长的单位名称" * 12), "X001")
    reference = io.BytesIO()
    fig.savefig(reference, format="png", bbox_inches="tight")
    once = figures.png_once(fig)
    assert _png_size(once) == _png_size(reference.getvalue())
    assert _png_size(once)[0] > fig.get_size_inches()[0] * fig.dpi  # grown, not clipped
    assert figures.png_once(Figure()) is None
