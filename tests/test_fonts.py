"""Chinese text in charts renders in the CJK font shipped by a Python package."""

import io
import warnings

import matplotlib as mpl
import pytest

mpl.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager

from kpilib.fonts import FONT_FAMILY, cjk_font_path, use_cjk_font


@pytest.fixture
def rc():
    with mpl.rc_context():
        yield
    plt.close("all")


def test_font_file_comes_from_the_mplfonts_package():
    path = cjk_font_path()
    assert path.is_file()
    assert "site-packages" in path.parts or "dist-packages" in path.parts
    assert path.parent.parent.name == "mplfonts"


def test_chinese_figure_renders_without_missing_glyphs_in_the_shipped_font(rc):
    use_cjk_font()
    fig, ax = plt.subplots()
    ax.bar(["县市公司", "中心"], [-3.5, 92.0])
    ax.set_title("各单位综合得分 (考核月份 2026-10)")
    ax.set_xlabel("单位类型")
    ax.set_ylabel("得分")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" is a UserWarning
        fig.savefig(io.BytesIO(), format="png")
    used = font_manager.findfont(ax.title.get_fontproperties(), fallback_to_default=False)
    assert used == str(cjk_font_path())
    for label in ax.get_xticklabels():
        assert font_manager.findfont(label.get_fontproperties()) == str(cjk_font_path())


def test_settings_are_those_a_chinese_chart_needs(rc):
    use_cjk_font()
    use_cjk_font()  # idempotent
    assert mpl.rcParams["font.family"] == ["sans-serif"]
    assert mpl.rcParams["font.sans-serif"][0] == FONT_FAMILY
    assert mpl.rcParams["font.sans-serif"].count(FONT_FAMILY) == 1
    assert mpl.rcParams["axes.unicode_minus"] is False


def test_without_the_font_chinese_glyphs_are_missing(rc):
    """The check above is meaningful: no system font covers Chinese here."""
    mpl.rcParams["font.family"] = ["DejaVu Sans"]
    fig, ax = plt.subplots()
    ax.set_title("得分")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(io.BytesIO(), format="png")
