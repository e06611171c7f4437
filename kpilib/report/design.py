"""What the scheme-design notebook shows: Chinese tables, sentences and charts.

The numbers come from :mod:`kpilib.scoring.design`; here they get Chinese headers,
percentages and words (:func:`weights_table`, :func:`rank_table`, ...) and the two
charts (:func:`weights_chart`, :func:`rank_chart`), drawn in the shipped CJK font with
every text literal (no mathtext), like :mod:`kpilib.report.figures`. Names and paths
that go into Markdown pass through :func:`kpilib.report.labels.markdown_text`.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from kpilib.contract.schema import UNIT_TYPES
from kpilib.report.fonts import use_cjk_font
from kpilib.report.labels import MISSING, markdown_text
from kpilib.scoring.design import CR_LIMIT, METHODS, Design
from kpilib.scoring.scheme import Scheme

__all__ = [
    "METHOD_NAMES",
    "basis_text",
    "consistency_table",
    "judgements_table",
    "matrix_table",
    "rank_chart",
    "rank_table",
    "saved_text",
    "weights_chart",
    "weights_table",
]

#: Column and legend names of the weighting methods.
METHOD_NAMES = {
    "current": "现行权重",
    "ahp": "AHP权重",
    "entropy": "熵权",
    "critic": "CRITIC权重",
    "proposed": "建议权重",
}
_PROPOSAL_WORDS = {
    "ahp": "层次分析法（AHP）权重",
    "entropy": "熵权法权重",
    "critic": "CRITIC法权重",
    "combined": "组合权重",
}
_DIRECTION = {"higher": "越高越好", "lower": "越低越好"}
_COLOURS = {
    "current": "#6c757d",
    "ahp": "#e9c46a",
    "entropy": "#8ab6d6",
    "critic": "#2a9d8f",
    "proposed": "#d62828",
}


def _index(frame: pd.DataFrame) -> pd.DataFrame:
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _percent(value: float, decimals: int = 1) -> str:
    return MISSING if pd.isna(value) else f"{100 * float(value):.{decimals}f}%"


def _fixed(value: float, decimals: int) -> str:
    return MISSING if pd.isna(value) else f"{float(value):.{decimals}f}"


def _unit_type(code: str) -> str:
    return UNIT_TYPES.get(code, code)


# --------------------------------------------------------------------------- tables
def consistency_table(consistency: pd.DataFrame) -> pd.DataFrame:
    """AHP consistency per unit type, as the notebook shows it (:func:`ahp_consistency`)."""
    return _index(
        pd.DataFrame(
            {
                "单位类型": consistency["unit_type"].map(_unit_type),
                "指标个数": consistency["criteria"].astype(int),
                "最大特征值λmax": consistency["lambda_max"].map(lambda v: _fixed(v, 4)),
                "一致性指标CI": consistency["ci"].map(lambda v: _fixed(v, 4)),
                "随机一致性指标RI": consistency["ri"].map(lambda v: _fixed(v, 2)),
                "一致性比率CR": consistency["cr"].map(lambda v: _fixed(v, 4)),
                "检验结果": consistency["consistent"].map(
                    lambda ok: f"通过（CR＜{CR_LIMIT}）" if ok else f"未通过（CR≥{CR_LIMIT}）"
                ),
            }
        )
    )


def judgements_table(design: Design, *, unit_type: str, scheme: Scheme) -> pd.DataFrame:
    """A unit type's pairwise comparison matrix as written, rows and columns by name.

    Raises
    ------
    KeyError
        When the design has no matrix for ``unit_type``.
    """
    if unit_type not in design.judgements:
        raise KeyError(f"no judgements for {unit_type!r} (have {', '.join(design.judgements)})")
    matrix = design.judgements[unit_type]
    names = [scheme.indicators[c].name for c in matrix.columns]
    out = matrix.map(str).set_axis(names, axis=1)
    out.insert(0, "指标（行比列）", names)
    return _index(out.reset_index(drop=True))


def matrix_table(matrix: pd.DataFrame, *, scheme: Scheme, names: Mapping[str, str]) -> pd.DataFrame:
    """A unit type's indicator matrix (:func:`indicator_matrix`) with Chinese headers.

    Rates (indicators measured in %) as percentages, other figures with two decimals
    and their unit in the header; "—" where the indicator never applied to the unit.
    """
    out = {
        "单位编码": matrix.index.astype(str),
        "单位名称": [names.get(c, c) for c in matrix.index],
    }
    for code in matrix.columns:
        ind = scheme.indicators[code]
        if ind.unit == "%":
            out[f"{ind.name}（%）"] = matrix[code].map(_percent).to_numpy()
        else:
            out[f"{ind.name}（{ind.unit}）"] = matrix[code].map(lambda v: _fixed(v, 2)).to_numpy()
    return _index(pd.DataFrame(out))


def weights_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The weights of every method side by side (:func:`weight_comparison`), in percent."""
    out = {
        "单位类型": comparison["unit_type"].map(_unit_type),
        "指标编码": comparison["indicator"],
        "指标名称": comparison["indicator_name"],
        "方向": comparison["direction"].map(_DIRECTION),
    }
    for column in ("current", *METHODS, "proposed"):
        out[METHOD_NAMES[column]] = comparison[column].map(_percent)
    out["建议分值"] = comparison["points"].astype(int)
    out["较现行（分）"] = (comparison["points"] - 100 * comparison["current"]).map(
        lambda v: f"{v:+.0f}" if round(v) else "0"
    )
    return _index(pd.DataFrame(out))


def _move(change: int) -> str:
    if change > 0:
        return f"上升{change}位"
    if change < 0:
        return f"下降{-change}位"
    return "不变"


def rank_table(stability: pd.DataFrame) -> pd.DataFrame:
    """Each unit's rank now, under the proposal, and its interval (:func:`rank_stability`)."""
    return _index(
        pd.DataFrame(
            {
                "单位类型": stability["unit_type"].map(_unit_type),
                "单位编码": stability["unit_code"],
                "单位名称": stability["unit_name"],
                "现行权重得分": stability["score_current"].map(lambda v: _fixed(v, 2)),
                "现行排名": stability["rank_current"].astype(int),
                "建议权重得分": stability["score_proposed"].map(lambda v: _fixed(v, 2)),
                "建议排名": stability["rank_proposed"].astype(int),
                "名次变化": stability["rank_change"].astype(int).map(_move),
                "排名区间": [
                    f"{lo}" if lo == hi else f"{lo}–{hi}"
                    for lo, hi in zip(stability["rank_low"], stability["rank_high"], strict=True)
                ],
                "保持建议排名的概率": stability["p_same_rank"].map(_percent),
                "同类单位数": stability["peers"].astype(int),
            }
        )
    )


# --------------------------------------------------------------------------- sentences
def basis_text(
    history: pd.DataFrame,
    *,
    proposal: str,
    ahp_share: float,
    n_draws: int,
    concentration: float,
    seed: int,
    level: float = 0.95,
) -> str:
    """Markdown: the months and units the design uses and how the proposal is made."""
    months = sorted(history["month"].unique())
    counts = history.drop_duplicates("unit_code")["unit_type"].value_counts()
    units = "、".join(f"{_unit_type(t)}{int(counts.get(t, 0))}个" for t in counts.index)
    if proposal == "combined":
        how = (
            f"组合权重 = {ahp_share:.0%} × AHP权重 + {1 - ahp_share:.0%} × "
            "（熵权 + CRITIC权重）÷ 2，兼顾管理判断与数据本身的区分度"
        )
    else:
        how = f"直接采用{_PROPOSAL_WORDS.get(proposal, markdown_text(proposal))}"
    return "\n".join(
        [
            f"- 数据区间：{markdown_text(months[0])} 至 {markdown_text(months[-1])}，"
            f"共 {len(months)} 个月；单位：{units}。",
            "- 客观权重（熵权、CRITIC）基于各单位近12个月各指标实际值的均值；"
            "某指标对某单位从未适用时（如无合同的中心），以其他单位的均值代替。",
            f"- 建议权重：{how}；按最大余数法取整为合计100分的整数分值。",
            "- 排名：各单位近12个月加权基础分的均值（不含加减分与否决，它们不随权重变化），"
            "同类单位内排名，1为最好。",
            f"- 排名稳定性：以建议权重为均值做 {n_draws} 次狄利克雷（Dirichlet）随机扰动"
            f"（集中度 {concentration:g}，随机种子 {seed}），给出每个单位排名的"
            f"{level:.0%}区间。",
        ]
    )


def saved_text(path: str, scheme: Scheme) -> str:
    """Markdown: where the proposed scheme was written and its unit weights as reloaded."""
    lines = [
        f"建议方案已写入 {markdown_text(path)}，并已由项目的考核方案加载器"
        f"重新读入、校验通过：**{markdown_text(scheme.name)}**"
        f"（{scheme.year}年）。",
        "",
    ]
    for unit_type, weights in scheme.unit_weights.items():
        parts = "、".join(
            f"{markdown_text(scheme.indicators[c].name)} {w:g}" for c, w in weights.items()
        )
        lines.append(f"- {_unit_type(unit_type)}：{parts}")
    lines.append("- 人员岗位权重、计分方法、加减分与否决条件沿用现行方案。")
    return "\n".join(lines)


# --------------------------------------------------------------------------- charts
def _figure(rows: int, height: float) -> tuple[Figure, np.ndarray]:
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    use_cjk_font()
    fig, axes = plt.subplots(
        rows, 1, figsize=(9.0, height), layout="constrained", dpi=96, squeeze=False
    )
    return fig, axes[:, 0]


def _done(fig: Figure, title: str) -> Figure:
    fig.suptitle(title)
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)
    plt.close(fig)
    return fig


def weights_chart(comparison: pd.DataFrame) -> Figure:
    """Grouped bars: each indicator's weight under every method, one panel per unit type."""
    types = list(dict.fromkeys(comparison["unit_type"]))
    sizes = [int((comparison["unit_type"] == t).sum()) for t in types]
    fig, axes = _figure(len(types), 1.4 + sum(0.75 * n + 0.9 for n in sizes))
    series = ("current", *METHODS, "proposed")
    bar = 0.8 / len(series)
    for ax, unit_type in zip(axes, types, strict=True):
        rows = comparison[comparison["unit_type"] == unit_type].reset_index(drop=True)
        y = np.arange(len(rows))
        for k, column in enumerate(series):
            ax.barh(
                y + (k - (len(series) - 1) / 2) * bar,
                100 * rows[column].to_numpy(dtype=float),
                height=bar,
                color=_COLOURS[column],
                label=METHOD_NAMES[column],
            )
        ax.set_yticks(y, list(rows["indicator_name"]))
        ax.invert_yaxis()
        ax.set_title(f"{_unit_type(unit_type)}")
        ax.set_xlabel("权重（%）")
        ax.set_ylabel("指标")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=len(series), fontsize=9)
    return _done(fig, "各方法的指标权重与现行方案对比")


def rank_chart(stability: pd.DataFrame, *, level: float = 0.95) -> Figure:
    """Each unit's proposed rank with its interval under weight perturbation, and its
    current rank, one panel per unit type."""
    types = list(dict.fromkeys(stability["unit_type"]))
    sizes = [int((stability["unit_type"] == t).sum()) for t in types]
    fig, axes = _figure(len(types), 1.2 + sum(0.34 * n + 1.0 for n in sizes))
    for ax, unit_type in zip(axes, types, strict=True):
        rows = stability[stability["unit_type"] == unit_type].sort_values("rank_proposed")
        rows = rows.reset_index(drop=True)
        y = np.arange(len(rows))
        ax.hlines(y, rows["rank_low"], rows["rank_high"], colors="#1d3557", lw=4, alpha=0.6,
                  label=f"{level:.0%}排名区间（权重扰动）")  # fmt: skip
        ax.scatter(rows["rank_proposed"], y, color="#d62828", zorder=3, label="建议权重排名")
        ax.scatter(rows["rank_current"], y, facecolors="none", edgecolors="#6c757d", zorder=4,
                   s=60, label="现行权重排名")  # fmt: skip
        ax.set_yticks(
            y, [f"{n}（{c}）" for n, c in zip(rows["unit_name"], rows["unit_code"], strict=True)]
        )
        ax.invert_yaxis()
        ax.set_xticks(np.arange(1, len(rows) + 1))
        ax.set_xlim(0.5, len(rows) + 0.5)
        ax.set_title(_unit_type(unit_type))
        ax.set_xlabel("排名（1 = 最好）")
        ax.set_ylabel("单位")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=3, fontsize=9)
    return _done(fig, "各单位排名：现行权重、建议权重及其稳定性")
