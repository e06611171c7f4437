"""A CJK font for matplotlib, taken from a Python package the project installs.

No system font is assumed: :func:`use_cjk_font` registers the Noto Sans CJK SC
font file shipped inside the ``mplfonts`` wheel with matplotlib's font manager
and makes it the default sans-serif font, so Chinese titles, labels and tick
labels render as real glyphs (no empty boxes, no "Glyph missing" warnings).

``mplfonts`` is located without importing it (its import pulls in ``fontmeta``
and nothing of it is needed here), and nothing is copied into matplotlib's own
folders: the font is added to the running process's font manager only.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

#: The font file used, inside the ``mplfonts`` package's ``fonts/`` folder.
FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: The family name matplotlib reads from that file.
FONT_FAMILY = "Noto Sans CJK SC"


def cjk_font_path() -> Path:
    """Return the path of the CJK font file shipped by the ``mplfonts`` package.

    Raises FileNotFoundError, naming the package, when it is not installed or
    no longer ships the file.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the Python package 'mplfonts' (a dependency of kpilib) is not installed; "
            "it ships the CJK font that charts use"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"package 'mplfonts' at {list(spec.submodule_search_locations)} ships no fonts/{FONT_FILE}"
    )


@cache
def _register() -> str:
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_cjk_font() -> None:
    """Make the shipped CJK font matplotlib's default font (:data:`FONT_FAMILY`).

    Sets ``font.family`` to sans-serif with the CJK font first (DejaVu Sans
    after it for the few symbols the CJK font lacks) and ``axes.unicode_minus``
    to False, because the CJK font has no U+2212 minus sign. Safe to call
    repeatedly; the font file is registered once per process. Returns None,
    so that a notebook cell ending with the call displays nothing.
    """
    import matplotlib as mpl

    family = _register()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [
        family,
        *[f for f in mpl.rcParams["font.sans-serif"] if f != family],
    ]
    mpl.rcParams["axes.unicode_minus"] = False
