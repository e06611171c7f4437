"""The reports' charts: each function takes shared-result tables and returns a Figure.

Every chart has a Chinese title and axis labels drawn in the CJK font the project
ships (:func:`kpilib.report.fonts.use_cjk_font`) on seaborn's ``whitegrid`` style. Figures
are closed in pyplot before they are returned, so a notebook cell that ends with one
shows it exactly once (as an embedded PNG). The charts of one axes have a fixed plot
area and no layout engine: they are meant to be shown or saved with a tight bounding box
(``bbox_inches="tight"``, as the notebook display does), which takes in long labels.

Names and notes come from the month's files, so no text of a chart is read as
mathtext or TeX: every chart sets ``text.parse_math`` and ``text.usetex`` off
(:data:`LITERAL_TEXT`, with the style, for the session, as seaborn's ``set_theme`` does),
so that every text made for it, tick labels made when it is drawn included, is drawn as
written, and a unit called ``A$x^2$B`` is drawn as ``A$x^2$B`` (a ``$`` pair would otherwise
be typeset as a formula, ``\\$`` lose its backslash, and an unknown ``\\command``
between dollars stop the drawing with a ValueError).
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from kpilib.contract.schema import UNIT_TYPES
from kpilib.report.fonts import use_cjk_font

__all__ = [
    "CANVAS_MARGIN_IN",
    "UNIT_RANK_WINDOW",
    "budget",
    "business",
    "funnel",
    "league",
    "leniency",
    "p_chart",
    "png_once",
    "rank_intervals",
    "sample_sizes",
    "trend",
]

#: Room added on every side of a figure drawn by :func:`png_once`, for labels longer than
#: its margins (inches).
CANVAS_MARGIN_IN = 1.5
#: A unit's report draws this many ranks around the unit (all of them when there are fewer).
UNIT_RANK_WINDOW = 15
#: The funnel plot names every unit up to this many; above, only units outside the limits.
FUNNEL_NAMES_MAX = 30
_GRADE_COLOURS = {"A": "#2a9d8f", "B": "#8ab6d6", "C": "#e76f51"}
_HIGHLIGHT, _OTHER = "#d62828", "#6c757d"


def png_once(fig: Figure) -> bytes | None:
    """``fig`` as PNG bytes cropped to what it draws, laid out and drawn once.

    The picture of ``savefig(bbox_inches="tight")`` (the notebook display's default),
    which lays the figure out three times (once to measure, once to find the box, once
    to draw). Here the figure is drawn once on a canvas with :data:`CANVAS_MARGIN_IN`
    more room on every side (the axes keep their size and place), and the pixels are
    cropped to the drawn ones with ``savefig.pad_inches`` around them (within a few
    pixels of the tight box, which bounds the texts' boxes rather than their ink). A
    figure with a layout engine, or whose drawing reaches the edge of even that room,
    is saved the usual way. ``fig`` is left as it was. The warm report kernels display
    figures with it (:mod:`kpilib.run.warm`). None for a figure without axes, which
    IPython's own display does not show either.
    """
    if not fig.axes:
        return None
    buffer = io.BytesIO()
    if fig.get_layout_engine() is not None:
        FigureCanvasAgg(fig).print_figure(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    width, height = fig.get_size_inches()
    margin = CANVAS_MARGIN_IN
    axes = {ax: ax.get_position(original=True) for ax in fig.axes}
    texts = {t: t.get_position() for t in fig.texts if t.get_transform() == fig.transSubfigure}

    def grown_x(x: float) -> float:
        return (x * width + margin) / (width + 2 * margin)

    def grown_y(y: float) -> float:
        return (y * height + margin) / (height + 2 * margin)

    try:
        fig.set_size_inches(width + 2 * margin, height + 2 * margin)
        for ax, box in axes.items():
            ax.set_position(
                [grown_x(box.x0), grown_y(box.y0), grown_x(box.x1) - grown_x(box.x0),
                 grown_y(box.y1) - grown_y(box.y0)]
            )  # fmt: skip
        for text, (x, y) in texts.items():
            text.set_position((grown_x(x), grown_y(y)))
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
        box = _inked_box(pixels, round(mpl.rcParams["savefig.pad_inches"] * fig.dpi))
        if box is not None:
            top, bottom, left, right = box
            picture = pixels[top:bottom, left:right]
            if (picture[..., 3] == 255).all():  # opaque: an alpha channel would say nothing
                picture = picture[..., :3]  # a third less to encode, a tenth smaller
            # zlib's fastest level: half the encoding time of the default (a tenth of a
            # chart's time) for pictures about a tenth larger
            Image.fromarray(picture).save(
                buffer, format="png", dpi=(fig.dpi, fig.dpi), compress_level=1
            )
    finally:
        fig.set_size_inches(width, height)
        for ax, box in axes.items():
            ax.set_position(box)
        for text, position in texts.items():
            text.set_position(position)
    if not buffer.getvalue():
        FigureCanvasAgg(fig).print_figure(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _inked_box(pixels: np.ndarray, pad: int) -> tuple[int, int, int, int] | None:
    """Rows and columns (top, bottom, left, right; ends excluded) of the pixels that differ
    from the background (the top left pixel), ``pad`` pixels added around them.

    The drawing's own extent, found in the drawn pixels: asking matplotlib for the tight
    bounding box lays every text out again (a tenth of a chart's time). None when nothing
    is drawn, or when the drawing touches the canvas's edge (it may reach beyond it).
    """
    colours = pixels.view(np.uint32)[:, :, 0]
    inked = colours != colours[0, 0]
    rows, columns = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if not len(rows):
        return None
    top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
    height, width = inked.shape
    if top == 0 or left == 0 or bottom == height or right == width:
        return None
    return (
        max(0, top - pad),
        min(height, bottom + pad),
        max(0, left - pad),
        min(width, right + pad),
    )


#: rcParams under which a text is drawn exactly as written: no mathtext, no TeX.
LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}


def _chart_style() -> None:
    """Seaborn's ``whitegrid``, the CJK font and :data:`LITERAL_TEXT`, for the session.

    Set as rcParams rather than on each text once a chart is made: the tick labels are
    made when the chart is drawn, and walking a figure's texts to make them literal
    created its ticks twice (a sixth of a chart's time).
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    use_cjk_font()
    mpl.rcParams.update(LITERAL_TEXT)


def _axes(width: float = 8.0, height: float = 4.2) -> tuple[Figure, plt.Axes]:
    _chart_style()
    # No layout engine: the display's tight bounding box (the inline backend's
    # default, and what ``savefig(bbox_inches="tight")`` does) already takes in every
    # label, and a layout engine on top of it would lay the figure out three more times:
    # it was a third of a report's time.
    fig, ax = plt.subplots(figsize=(width, height), dpi=96)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.12, top=0.9)
    return fig, ax


def _finish(fig: Figure, ax: plt.Axes, title: str, xlabel: str, ylabel: str) -> Figure:
    """Give ``ax`` its (Chinese) title and axis labels, and close ``fig`` for returning."""
    # a fixed title height: no chart has tick labels on top, and finding where the
    # title clears them costs a text layout per drawing
    ax.set_title(title, y=1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    plt.close(fig)
    return fig


def _percent(value: float, _position: object = None) -> str:
    """A rate's tick label, as exact as the tick: 0.025 is "2.5%", never a rounded "2%".

    >>> _percent(0.025), _percent(0.95), _percent(0.07500000000000001), _percent(1.0)
    ('2.5%', '95%', '7.5%', '100%')
    """
    return f"{round(value * 100, 6):g}%"


def _no_data(ax: plt.Axes, text: str = "本月无数据") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])


def trend(
    history_units: pd.DataFrame, unit_code: str, *, peer_medians: pd.DataFrame | None = None
) -> Figure:
    """The unit's monthly total against the median of its peers (same unit type).

    ``peer_medians`` (month, unit_code, median_total: the shared ``history_peers``)
    spares a unit's report the other units' rows; without it the medians are taken
    from ``history_units``.
    """
    fig, ax = _axes()
    own = history_units[history_units["unit_code"] == unit_code].sort_values("month")
    name = own["unit_name"].iloc[-1] if len(own) else unit_code
    if own.empty:
        _no_data(ax)
    else:
        kind = own["unit_type"].iloc[-1]
        if peer_medians is None:
            peers = history_units[history_units["unit_type"] == kind]
            median = peers.groupby("month")["total"].median().sort_index()
        else:
            peers = peer_medians[peer_medians["unit_code"] == unit_code]
            median = peers.set_index("month")["median_total"].sort_index()
        ax.plot(median.index, median.to_numpy(), "--", color=_OTHER, label="同类单位中位数")
        ax.plot(own["month"], own["total"], "o-", color=_HIGHLIGHT, label=f"{name}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)  # never on a point
        ax.tick_params(axis="x", rotation=45)
    return _finish(
        fig,
        ax,
        f"{name}（{unit_code}）近{own['month'].nunique()}个月综合得分趋势",
        "月份",
        "综合得分（分）",
    )


def p_chart(quality_pchart: pd.DataFrame, unit_code: str) -> Figure:
    """p-chart of the unit's monthly inspection failure rate with 3σ limits."""
    fig, ax = _axes()
    rows = quality_pchart[quality_pchart["unit_code"] == unit_code].sort_values("month")
    if rows.empty:
        _no_data(ax, "无质检抽检记录")
    else:
        x = rows["month"].to_numpy()
        ax.step(x, rows["ucl"], where="mid", color=_HIGHLIGHT, lw=1, label="控制上限 (3σ)")
        ax.step(x, rows["lcl"], where="mid", color=_HIGHLIGHT, lw=1, ls=":", label="控制下限")
        ax.axhline(rows["p_bar"].iloc[0], color=_OTHER, ls="--", label="中心线（平均不合格率）")
        ax.plot(x, rows["fail_rate"], "o-", color="#1d3557", label="不合格率")
        out = rows[rows["signal"].astype(bool)]
        if len(out):
            ax.plot(out["month"], out["fail_rate"], "s", color=_HIGHLIGHT, ms=10, label="失控点")
        ax.yaxis.set_major_formatter(_percent)
        ax.tick_params(axis="x", rotation=45)
        # below the axis label, in one row: inside the plot, with the limits at the top
        # and the points anywhere, even the best place covers a point
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=5, fontsize=9)
    return _finish(fig, ax, f"{unit_code} 质检不合格率 p 控制图（按月）", "月份", "不合格率")


def rank_intervals(
    intervals: pd.DataFrame,
    unit_code: str | None = None,
    *,
    unit_type: str | None = None,
    window: int | None = None,
) -> Figure:
    """Rank of each unit's pass rate with its 95 % bootstrap interval, one unit type.

    Units are ranked among their own type (counties, centres): with ``unit_type`` only
    that type's rows are drawn; otherwise ``intervals`` must hold one type (ValueError).
    ``unit_code`` is highlighted. With ``window`` and more units than that, only the
    ``window`` ranks around ``unit_code`` are drawn (a unit's report at a provincial
    scale: its neighbours, not a chart of hundreds of rows), and the title says so.
    """
    if window is not None and window < 1:
        raise ValueError(f"window={window!r}: give at least 1 row, or None for all")
    if unit_type is not None:
        intervals = intervals[intervals["unit_type"] == unit_type]
    types = sorted(intervals["unit_type"].unique())
    if len(types) > 1:
        raise ValueError(f"rank intervals of several unit types {types}: pass unit_type=")
    rows = intervals.sort_values("rank", kind="stable").reset_index(drop=True)
    peers = len(rows)
    if window is not None and peers > window:
        own = np.flatnonzero(rows["unit_code"].to_numpy() == unit_code)
        centre = int(own[0]) if len(own) else 0
        first = min(max(0, centre - window // 2), peers - window)
        rows = rows.iloc[first : first + window].reset_index(drop=True)
    fig, ax = _axes(height=max(3.0, 0.35 * len(rows) + 1.5))
    if rows.empty:
        _no_data(ax, "同类单位本月均无质检抽检记录")
        title = f"{UNIT_TYPES.get(unit_type, '')}质检合格率排名区间"
    else:
        y = np.arange(len(rows))
        colours = [_HIGHLIGHT if u == unit_code else "#1d3557" for u in rows["unit_code"]]
        ax.hlines(y, rows["rank_low"], rows["rank_high"], colors=colours, lw=3)
        ax.scatter(rows["rank"], y, color=colours, zorder=3)
        ax.set_yticks(
            y, [f"{n}（{c}）" for n, c in zip(rows["unit_name"], rows["unit_code"], strict=True)]
        )
        ax.invert_yaxis()
        kind = UNIT_TYPES.get(rows["unit_type"].iloc[0], "")
        title = f"{kind}质检合格率排名及95%区间（自助法）"
        if len(rows) < peers:
            title += f"：{peers}个中排名相邻的{len(rows)}个"
    return _finish(fig, ax, title, "排名（1 = 合格率最高）", "单位")


def funnel(funnel_units: pd.DataFrame, funnel_limits: pd.DataFrame) -> Figure:
    """Funnel plot: each unit's pass rate against its inspections, 95 % and 99.8 % limits."""
    fig, ax = _axes(9, 5.5)
    title, xlabel, ylabel = "各单位质检合格率漏斗图", "抽检数", "合格率"
    if funnel_units.empty or funnel_limits.empty:
        _no_data(ax, "无质检抽检记录")
    else:
        for level, style in ((0.95, "--"), (0.998, "-")):
            lim = funnel_limits[funnel_limits["level"] == level].sort_values("n")
            label = f"{level:.1%}控制限".replace(".0%", "%")
            ax.plot(lim["n"], lim["lower"], style, color=_OTHER, lw=1, label=label)
            ax.plot(lim["n"], lim["upper"], style, color=_OTHER, lw=1)
        ax.axhline(funnel_limits["target"].iloc[0], color="#1d3557", lw=1, label="全部门合格率")
        outside = funnel_units["position"] != "在控制限内"
        ax.scatter(
            funnel_units["inspected"],
            funnel_units["pass_rate"],
            c=np.where(outside, _HIGHLIGHT, "#1d3557"),
        )
        # every unit named while they fit, beyond that only those outside the limits;
        # units outside the limits are placed first, so they keep their names
        named = funnel_units if len(funnel_units) <= FUNNEL_NAMES_MAX else funnel_units[outside]
        named = named.assign(_inside=~outside[named.index]).sort_values("_inside", kind="stable")
        ax.set_ylim(max(0.0, float(funnel_units["pass_rate"].min()) - 0.15), 1.01)
        ax.yaxis.set_major_formatter(_percent)
        ax.legend(loc="lower right")
        # titles first: they change the layout the labels are placed in
        ax.set_title(title, y=1.0)
        ax.set(xlabel=xlabel, ylabel=ylabel)
        _place_labels(ax, named["inspected"], named["pass_rate"], named["unit_name"])
    return _finish(fig, ax, title, xlabel, ylabel)


def _place_labels(ax: plt.Axes, x: pd.Series, y: pd.Series, names: pd.Series) -> None:
    """Name the points (x, y), first names first, with no two labels overlapping.

    adjustText moves each label away from the others and from the points, with a thin
    line back to its point; a label it could not free from an earlier one is hidden
    (with its line), so a crowded cluster never prints names over each other.
    """
    # imported here: adjustText loads scipy.spatial (about 0.5 s), which only the
    # department summary's funnel plot needs, not every unit report's kernel
    from adjustText import adjust_text, get_renderer

    texts = [
        ax.text(px, py, str(name), fontsize=8, parse_math=False)
        for px, py, name in zip(x, y, names, strict=True)
    ]
    if not texts:
        return
    _, lines = adjust_text(
        texts,
        x=x.to_numpy(float),
        y=y.to_numpy(float),
        ax=ax,
        ensure_inside_axes=True,
        arrowprops={"arrowstyle": "-", "color": _OTHER, "lw": 0.5},
    )
    renderer = get_renderer(ax.figure)
    placed = []
    for text in texts:
        box = text.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            text.set_visible(False)
        else:
            placed.append(box)
    for line in lines:
        label = getattr(line, "patchA", None)
        if label is not None and not label.get_visible():
            line.set_visible(False)


def league(headline: pd.DataFrame, unit_type: str) -> Figure:
    """Totals of one unit type, best first, coloured by grade."""
    rows = headline[headline["unit_type"] == unit_type].sort_values("total", ascending=False)
    fig, ax = _axes(height=max(3.0, 0.38 * len(rows) + 1.5))
    kind = UNIT_TYPES.get(unit_type, unit_type)
    if rows.empty:
        _no_data(ax)
    else:
        colours = [_GRADE_COLOURS.get(str(g), _OTHER) for g in rows["grade"]]
        labels = [f"{n}（{c}）" for n, c in zip(rows["unit_name"], rows["unit_code"], strict=True)]
        ax.barh(labels, rows["total"].fillna(0), color=colours)
        ax.invert_yaxis()
        for grade, colour in _GRADE_COLOURS.items():
            ax.bar(0, 0, color=colour, label=f"等级 {grade}")
        ax.legend(loc="lower right")
    return _finish(fig, ax, f"{kind}综合得分排名", "综合得分（分）", kind)


#: The measures of :func:`business`: completion column, panel title.
_BUSINESS_PANELS = {
    "revenue": "收入",
    "new_members": "新发展成员",
    "churn": "离网率（达成比：目标÷实际）",
    "collection": "回款率",
}


def business(business_results: pd.DataFrame) -> Figure:
    """Completion against target per unit: the month (bars, red below target) and the
    year to date (diamonds), one panel per measure, a line at 100 %; counties, then
    centres, each best revenue completion first, then the department. Units without any
    target or member base are left out."""
    table = business_results
    month_cols = [f"{m}_completion" for m in _BUSINESS_PANELS]
    rows = table[table[month_cols].notna().any(axis=1)] if not table.empty else table
    title = "各单位经营业绩完成率（柱：本月，红色为未达目标；◆：年累计；竖线：目标100%）"
    if rows.empty:
        fig, ax = _axes()
        _no_data(ax, "本月无经营目标与业务数据")
        return _finish(fig, ax, title, "完成率", "单位")
    _chart_style()
    height = max(3.5, 0.32 * len(rows) + 2.2)
    fig, axes = plt.subplots(1, 4, figsize=(13, height), sharey=True, dpi=96)
    # margins in inches, whatever the height: the title and panel titles above, the
    # axis labels below (names on the left are taken in by the tight bounding box)
    fig.subplots_adjust(
        left=0.12, right=0.98, bottom=0.65 / height, top=1 - 0.85 / height, wspace=0.12
    )
    groups = []  # (heading, rows), counties then centres, then the department
    for unit_type, heading in (("county", UNIT_TYPES["county"]), ("centre", UNIT_TYPES["centre"])):
        part = rows[rows["unit_type"] == unit_type]
        if not part.empty:
            groups.append(
                (heading, part.sort_values("revenue_completion", ascending=False, kind="stable"))
            )
    rest = rows[~rows["unit_type"].isin(["county", "centre"])]
    if not rest.empty:
        groups.append(("", rest))
    ticks, tick_labels, y, order, y_pos = [], [], [], [], 0.0
    for heading, part in groups:
        if heading:
            ticks.append(y_pos)
            tick_labels.append(f"【{heading}】")
            y_pos += 1
        for row in part.itertuples(index=False):
            code = f"（{row.unit_code}）" if row.unit_code else ""
            ticks.append(y_pos)
            tick_labels.append(f"{row.unit_name}{code}")
            y.append(y_pos)
            order.append(row)
            y_pos += 1
        y_pos += 0.4
    shown = pd.DataFrame(order)
    y_arr = np.array(y)
    values = shown[month_cols + [f"ytd_{c}" for c in month_cols]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    right = float(np.clip(finite.max() * 1.12 if finite.size else 1.3, 1.3, 2.0))
    for ax, (measure, panel) in zip(axes, _BUSINESS_PANELS.items(), strict=True):
        month = shown[f"{measure}_completion"].to_numpy(dtype=float)
        ytd = shown[f"ytd_{measure}_completion"].to_numpy(dtype=float)
        colours = np.where(month >= 1.0, _GRADE_COLOURS["A"], _HIGHLIGHT)
        ax.barh(y_arr, np.nan_to_num(month), color=colours, height=0.7)
        ax.scatter(ytd, y_arr, marker="D", s=18, color="#1d3557", zorder=3)
        ax.axvline(1.0, color="k", lw=1)
        for yy, value in zip(y_arr, month, strict=True):  # the month's value, in a column
            # one decimal, as the tables show rates: a whole percent would print a
            # missed target of 99.6 % as "100%" beside its red bar
            text = "—" if np.isnan(value) else f"{value:.1%}"
            ax.text(right + 0.04, yy, text, va="center", fontsize=8)
        ax.set_xlim(0, right + 0.3)
        ax.set_xticks([0, 0.5, 1.0] + ([1.5] if right >= 1.5 else []))
        ax.xaxis.set_major_formatter(_percent)
        ax.set_title(panel, fontsize=11, y=1.0)
        ax.set_xlabel("完成率")
    axes[0].set_yticks(ticks, tick_labels, fontsize=9)
    axes[0].invert_yaxis()
    fig.suptitle(title)
    return _finish(fig, axes[0], _BUSINESS_PANELS["revenue"], "完成率", "单位")


def budget(expenses_budget: pd.DataFrame) -> Figure:
    """Paid to date against the budget to date, per expense category (yuan)."""
    fig, ax = _axes(9, 4.5)
    if expenses_budget.empty or "ytd_budget_fen" not in expenses_budget:
        _no_data(ax, "无预算或报销数据")
    else:
        rows = expenses_budget
        x = np.arange(len(rows))
        paid = pd.to_numeric(rows["ytd_paid_fen"], errors="coerce").fillna(0) / 100
        ax.bar(x - 0.2, rows["ytd_budget_fen"] / 100, 0.4, color="#dee2e6", label="累计预算")
        over = rows["over_budget"].fillna(False).astype(bool).to_numpy()
        ax.bar(x + 0.2, paid, 0.4, color=np.where(over, _HIGHLIGHT, "#1d3557"), label="累计已报销")
        ax.set_xticks(x, rows["category"], rotation=30)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v / 10000:.0f}万")
        ax.legend(loc="best")
    return _finish(
        fig, ax, "报销台帐：年度累计支出与预算进度（红色为超进度）", "费用类别", "金额（元）"
    )


def leniency(inspector_leniency: pd.DataFrame) -> Figure:
    """Each inspector's pass rate against the other inspectors' on the same staff."""
    fig, ax = _axes()
    if inspector_leniency.empty or "pass_rate" not in inspector_leniency:
        _no_data(ax, "质检员不足两人，无法比较")
    else:
        rows = inspector_leniency.reset_index(drop=True)
        flagged = (rows["verdict"] != "consistent").to_numpy()
        labels = [
            f"{n}（{i}）"
            for n, i in zip(rows["name"].fillna(""), rows["inspector_id"], strict=True)
        ]
        x = np.arange(len(rows))
        ax.bar(
            x, rows["pass_rate"], color=np.where(flagged, _HIGHLIGHT, "#1d3557"), label="本人合格率"
        )
        ax.scatter(x, rows["others_pass_rate"], marker="_", s=600, color="k", zorder=3,
                   label="其他质检员对同批人员的合格率")  # fmt: skip
        for i in np.flatnonzero(flagged):
            word = "偏宽松" if rows.loc[i, "verdict"] == "lenient" else "偏严格"
            ax.annotate(
                word,
                (i, rows.loc[i, "pass_rate"]),
                ha="center",
                va="bottom",
                color=_HIGHLIGHT,
                fontsize=12,
                xytext=(0, 4),
                textcoords="offset points",
            )
        ax.set_xticks(x, labels, rotation=20)
        ax.set_ylim(max(0.0, float(rows["pass_rate"].min()) - 0.15), 1.05)
        ax.yaxis.set_major_formatter(_percent)
        ax.legend(loc="lower right", fontsize=9)
    return _finish(fig, ax, "质检员宽严度：本人合格率与他人对比", "质检员", "合格率")


def sample_sizes(sampling_plan: pd.DataFrame, *, month: str, aql: float, level: str) -> Figure:
    """Next month's sample size per unit, each bar labelled with its size."""
    next_month = str(pd.Period(month, freq="M") + 1)
    fig, ax = _axes(width=max(8.0, 0.45 * len(sampling_plan) + 2))
    if sampling_plan.empty:
        _no_data(ax)
    else:
        bars = ax.bar(sampling_plan["unit_code"], sampling_plan["n"], color=_OTHER)
        ax.bar_label(bars)
    return _finish(
        fig,
        ax,
        f"{next_month} 各单位抽检样本量 (AQL {aql}%, 检验水平 {level})",
        "单位编码",
        "样本量（条）",
    )
