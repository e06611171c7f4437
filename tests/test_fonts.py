"""Chinese text in charts renders in the CJK font shipped by a Python package."""

import io
import warnings

import matplotlib as mpl
import pytest

mpl.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager

from kpilib.report.fonts import FONT_FAMILY, cjk_font_path, use_cjk_font


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
    assert mpl.rcParams["text.hinting"] == "no_hinting"


def test_without_the_font_chinese_glyphs_are_missing(rc):
    """The check above is meaningful: no system font covers Chinese here."""
    mpl.rcParams["font.family"] = ["DejaVu Sans"]
    fig, ax = plt.subplots()
    ax.set_title("得分")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(io.BytesIO(), format="png")


def test_embedded_font_covers_every_chinese_character_of_a_page():
    # A reader without any Chinese font must still see glyphs, not boxes: the page
    # carries a subset of the shipped font whose character map covers its text.
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from kpilib.report.render import IndexRow, index_html

    page = index_html(
        "2026-10",
        [IndexRow("县市公司", "X01", "临源县", "ok", "unit_X01.html", 80.4, "A")],
    )
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert data, "no embedded font in the page"
    font = TTFont(io.BytesIO(base64.b64decode(data.group(1))))
    covered = set(font.getBestCmap())
    needed = {ord(c) for c in page if ord(c) >= 0x2000}
    assert {ord(c) for c in "临源县考核"} <= needed
    assert needed <= covered
