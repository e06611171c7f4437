"""A CJK font for matplotlib and for the HTML reports, from a package the project installs.

No system font is assumed: :func:`use_cjk_font` registers the Noto Sans CJK SC
font file shipped inside the ``mplfonts`` wheel with matplotlib's font manager
and makes it the default sans-serif font, so Chinese titles, labels and tick
labels render as real glyphs (no empty boxes, no "Glyph missing" warnings).

``mplfonts`` is located without importing it (its import pulls in ``fontmeta``
and nothing of it is needed here), and nothing is copied into matplotlib's own
folders: the font is added to the running process's font manager only.

A reader's browser may have no Chinese font either (a bare Linux machine shows
empty boxes), so :func:`embedded_font_face` subsets the same font to the
characters a page uses and returns an ``@font-face`` rule carrying it as a data
URI: the HTML stays self-contained and readable anywhere.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: The font file used, inside the ``mplfonts`` package's ``fonts/`` folder.
FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: The family name matplotlib reads from that file.
FONT_FAMILY = "Noto Sans CJK SC"
#: The CSS family name of the subset embedded in HTML reports.
WEB_FONT_FAMILY = "kpilib CJK"
#: Characters from here on are served by the embedded font (CJK, full-width, dashes).
_FIRST_EMBEDDED = 0x2000
#: One such character (found by a regular expression: a page is megabytes of text).
_EMBEDDED_CHARS = re.compile(f"[{chr(_FIRST_EMBEDDED)}-{chr(0x10FFFF)}]")


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
def register_cjk_font() -> str:
    """Register the shipped CJK font with matplotlib (once per process); its family name.

    Changes no rcParams: a warm kernel calls it ahead of its reports.
    """
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_cjk_font() -> None:
    """Make the shipped CJK font matplotlib's default font (:data:`FONT_FAMILY`).

    Sets ``font.family`` to sans-serif with the CJK font first (DejaVu Sans
    after it for the few symbols the CJK font lacks), ``axes.unicode_minus``
    to False, because the CJK font has no U+2212 minus sign, and ``text.hinting``
    to ``"no_hinting"``: matplotlib's default runs FreeType's autohinter on every glyph
    it loads, a quarter of a Chinese chart's drawing time, and the outline font's
    unhinted glyphs look the same at the reports' 96 dpi (matplotlib's own image tests
    draw unhinted). Safe to call
    repeatedly; the font file is registered once per process. Returns None,
    so that a notebook cell ending with the call displays nothing.
    """
    import matplotlib as mpl

    family = register_cjk_font()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [
        family,
        *[f for f in mpl.rcParams["font.sans-serif"] if f != family],
    ]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["text.hinting"] = "no_hinting"


@dataclass(frozen=True)
class FontSubset:
    """The CJK glyphs of some characters, as an ``@font-face`` rule ready for a page.

    ``codepoints`` are the characters it covers (U+2000 and up); ``css`` is the rule
    (empty when it covers none).
    """

    codepoints: frozenset[int]
    css: str

    def missing(self, text: str) -> str:
        """The characters of ``text`` this subset does not cover, sorted, once each."""
        wanted = {ord(c) for c in set(_EMBEDDED_CHARS.findall(text))} - self.codepoints
        return "".join(chr(c) for c in sorted(wanted))


def font_subset(text: str) -> FontSubset:
    """The CJK glyphs ``text`` uses, embedded (see :func:`embedded_font_face`).

    Subsetting reads the whole 16 MB font and takes seconds: a run makes one subset
    for the text of all its pages and reuses it for each page.

    >>> subset = font_subset("考核")
    >>> sorted(subset.codepoints) == [ord("核"), ord("考")], subset.missing("考核月")
    (True, '月')
    """
    codepoints = frozenset(ord(c) for c in text if ord(c) >= _FIRST_EMBEDDED)
    return FontSubset(codepoints, embedded_font_face(text))


def embedded_font_face(text: str) -> str:
    """Return an ``@font-face`` rule embedding the CJK font's glyphs that ``text`` uses.

    Only characters from U+2000 up are kept (Chinese, full-width punctuation,
    dashes); Latin text keeps the page's own fonts. The subset is WOFF (zlib),
    base64-encoded in a data URI, with a ``unicode-range`` so browsers use it
    only for those characters. Empty string when ``text`` has none.

    Examples
    --------
    >>> rule = embedded_font_face("考核 report")
    >>> rule.startswith('@font-face { font-family: "kpilib CJK"')
    True
    >>> "unicode-range: U+6838, U+8003" in rule
    True
    >>> embedded_font_face("plain ASCII")
    ''
    """
    import base64
    import io

    from fontTools import subset

    codepoints = sorted({ord(c) for c in text if ord(c) >= _FIRST_EMBEDDED})
    if not codepoints:
        return ""
    options = subset.Options()
    options.flavor = "woff"
    options.notdef_outline = True
    font = subset.load_font(str(cjk_font_path()), options)
    buffer = io.BytesIO()
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        subset.save_font(font, buffer, options)
    finally:
        font.close()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    ranges = ", ".join(f"U+{c:04X}" for c in codepoints)
    return (
        f'@font-face {{ font-family: "{WEB_FONT_FAMILY}"; '
        f'src: url(data:font/woff;base64,{data}) format("woff"); unicode-range: {ranges}; }}'
    )
