"""Every table the month's reports show, computed once (the shared results of ``kpi run``).

:func:`build_shared_results` turns one validated month (plus the earlier months found
in the data folder) into plain DataFrames with canonical column names; the runner
stores them as parquet (:mod:`kpilib.report.store`) and the notebooks read them through
:class:`kpilib.report.results.Results`.

Privacy by construction: the ``staff`` table and every staff-level table carry phone
and ID numbers masked (:func:`kpilib.report.privacy.masked`), and any phone or ID number
written into the text of any table (a customer name, a note, a message) is masked
(:func:`kpilib.report.privacy.mask_tables`), so raw numbers never reach the parquet files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from kpilib.contract.load import load_month
from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import AdjustmentVocabulary
from kpilib.duties import (
    adjustments,
    archive,
    audit,
    checks,
    finance,
    ledger,
    process,
    revenue,
    timeliness,
    training,
)
from kpilib.duties.business import business_results, months_needed
from kpilib.duties.facts import adjusted_facts, score_month
from kpilib.errors import KpiError
from kpilib.paths import PARAMS_DIR
from kpilib.report import detail, privacy
from kpilib.report.content import tables_digest
from kpilib.report.detail import value_text
from kpilib.report.labels import CODES
from kpilib.report.store import (
    cache_key,
    library_hash,
    month_input_hashes,
    read_cached,
    write_cached,
)
from kpilib.scoring.facts import MonthFacts
from kpilib.scoring.scheme import Scheme, load_scheme
from kpilib.scoring.scorecard import Scorecard
from kpilib.stats import inference as stats
from kpilib.stats import plan, quality
from kpilib.stats.sampling import InspectionLevel

__all__ = [
    "RANK_BOOTSTRAP",
    "SHARED_TABLES",
    "build_shared_results",
    "load_budget",
    "scheme_for",
    "vocabulary_for",
]

#: Bootstrap replicates of the rank intervals.
RANK_BOOTSTRAP = 10_000
#: What the rank interval is computed on, in the reports' words.
RANK_BASIS = (
    "排名区间依据质检合格率（合格数/抽检数）：在同类单位（县市公司或中心）内，"
    f"按各单位的二项分布做参数自助抽样 {RANK_BOOTSTRAP} 次，取排名的 2.5% 与 97.5% 分位数。"
    "综合得分是全员普查计算，没有抽样误差模型，故只给名次、不给区间。"
    "注意：合格率接近并列时，自助法排名区间并不可靠（Hall & Miller 2009）；"
    "全部合格或全部不合格的单位在自助抽样中不会变化。"
)


@dataclass(frozen=True)
class _Scored:
    month: str
    data: MonthData
    card: Scorecard
    facts: MonthFacts | None = None  # the business results' figures (adjusted_facts)


# --------------------------------------------------------------------------- inputs


def scheme_path(year: int, *, params_dir: Path = PARAMS_DIR) -> Path:
    """Where the scoring scheme of ``year`` lives: ``params/scheme-<year>.yaml``."""
    return params_dir / f"scheme-{year}.yaml"


def scheme_for(year: int, *, params_dir: Path = PARAMS_DIR) -> Scheme:
    """Load ``params/scheme-<year>.yaml``; FileNotFoundError naming the file when absent."""
    path = scheme_path(year, params_dir=params_dir)
    if not path.is_file():
        raise FileNotFoundError(f"no scoring scheme for {year}: {path} does not exist")
    return load_scheme(path)


def vocabulary_for(month: str, *, params_dir: Path = PARAMS_DIR) -> AdjustmentVocabulary | None:
    """What the month's adjustments register may name, from its year's scheme; None when
    the year has no scheme file (:func:`kpilib.contract.load.load_month` reports that)."""
    path = params_dir / f"scheme-{month[:4]}.yaml"
    return load_scheme(path).adjustment_vocabulary() if path.is_file() else None


def load_budget(year: int, *, params_dir: Path = PARAMS_DIR) -> dict[str, int] | None:
    """Category -> annual budget in fen from ``params/budget-<year>.yaml``; None when absent."""
    import yaml

    path = params_dir / f"budget-{year}.yaml"
    if not path.is_file():
        return None
    return ledger.budget_from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")))


def _previous_months(month: str, count: int) -> list[str]:
    """The ``count`` months before ``month``, oldest first.

    >>> _previous_months("2026-02", 3)
    ['2025-11', '2025-12', '2026-01']
    """
    end = pd.Period(month, freq="M")
    return [str(end - k) for k in range(count, 0, -1)]


def _note(unit_code: str, source: str, message: str, severity: str = "warning") -> dict:
    return {
        "unit_code": unit_code,
        "source": source,
        "row": pd.NA,
        "column": "",
        "value": "",
        "severity": severity,
        "message": message,
    }


def _scored_month(
    data_dir: Path, month: str, scheme: Scheme, scheme_hash: str, cache_dir: Path | None
) -> _Scored:
    """Load and score one earlier month, from the cache when its inputs are unchanged.

    The cache entry's key is the month's input file hashes, the scheme and the
    library code, so correcting one month's file recomputes that month only.
    """
    key = ""
    if cache_dir is not None:
        key = cache_key(
            {
                "inputs": month_input_hashes(data_dir / month),
                "scheme": scheme_hash,
                "kpilib": library_hash(),
            }
        )
        cached = read_cached(cache_dir, month, key)
        if cached is not None:
            return cached
    # Earlier months are scored under the report month's scheme: their own year's
    # scheme and budget need not exist (a January report trends back into December).
    data = load_month(data_dir, month, params_dir=None, vocabulary=scheme.adjustment_vocabulary())
    scored = _Scored(
        month, replace(data, warnings=()), score_month(data, scheme), adjusted_facts(data)
    )
    if cache_dir is not None:
        write_cached(cache_dir, month, key, scored)
    return scored


def _scored_report_month(
    data: MonthData, scheme: Scheme, cache_dir: Path | None
) -> tuple[Scorecard, Scorecard, MonthFacts]:
    """The report month scored with its adjustments register and without it (the same
    card when it has none), and its adjusted facts (the business results' figures), from
    the cache while the month's tables, the scheme and the library code are the ones
    they were computed from: a rerun of an unchanged month (``kpi run --force``, a
    corrected earlier month) does not compute them again.
    """
    key = ""
    name = f"{data.month}.report"  # beside the month's own entry as an earlier month
    if cache_dir is not None:
        key = cache_key(
            {
                "month": data.month,
                "tables": tables_digest(data.tables()),
                "scheme": cache_key({"scheme": repr(scheme)}),
                "kpilib": library_hash(),
            }
        )
        cached = read_cached(cache_dir, name, key)
        if cached is not None:
            return cached
    card = score_month(data, scheme)
    unadjusted = score_month(data, scheme, adjusted=False) if len(data.adjustments) else card
    computed = (card, unadjusted, adjusted_facts(data))
    if cache_dir is not None:
        write_cached(cache_dir, name, key, computed)
    return computed


def _switching_history(
    scored: list[_Scored],
    data_dir: Path | None,
    month: str,
    *,
    aql: float,
    level: InspectionLevel,
    steady: bool,
    approved: bool,
    cache_dir: Path | None,
) -> plan.SwitchingHistory | None:
    """The earlier months replayed through the switching rules (None when there are
    none), from the cache while their input files, the conditions and the library code
    are unchanged: a month's plan then replays that month only."""
    if not scored:
        return None
    key = ""
    name = f"{month}.switching"  # beside the report month's entries
    if cache_dir is not None and data_dir is not None:
        key = cache_key(
            {
                "months": {s.month: month_input_hashes(data_dir / s.month) for s in scored},
                "conditions": [aql, level, steady, approved],
                "kpilib": library_hash(),
            }
        )
        cached = read_cached(cache_dir, name, key)
        if cached is not None:
            return cached
    replayed = plan.replay_history(
        [s.data for s in scored], aql=aql, level=level, steady=steady, approved=approved
    )
    if key:
        write_cached(cache_dir, name, key, replayed)
    return replayed


def _history(
    data_dir: Path | None,
    month: str,
    scheme: Scheme,
    count: int,
    cache_dir: Path | None = None,
) -> tuple[list[_Scored], list[dict]]:
    """Load and score the ``count`` months before ``month``; problems become notes."""
    scored: list[_Scored] = []
    notes: list[dict] = []
    if data_dir is None or count <= 0:
        return scored, notes
    scheme_hash = cache_key({"scheme": repr(scheme)})
    missing = []
    for earlier in _previous_months(month, count):
        if not (Path(data_dir) / earlier).is_dir():
            missing.append(earlier)
            continue
        try:
            scored.append(_scored_month(Path(data_dir), earlier, scheme, scheme_hash, cache_dir))
        except (KpiError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            notes.append(
                _note("", f"{earlier} 历史数据", f"{earlier} 的数据未通过校验，未计入趋势：{first}")
            )
    if missing:
        notes.append(
            _note(
                "",
                "历史数据",
                f"数据目录中缺少 {len(missing)} 个月（{missing[0]} 至 {missing[-1]} 之间："
                f"{'、'.join(missing)}），趋势图中这些月份空缺",
            )
        )
    return scored, notes


def _business_months(
    data_dir: Path | None,
    month: str,
    scheme: Scheme,
    history: list[_Scored],
    tried: set[str],
    cache_dir: Path | None = None,
) -> tuple[list[_Scored], list[dict]]:
    """The earlier months of the business results (:func:`months_needed`: this year's
    and last year's same month): those of ``history``, the others loaded and scored
    through the same cache as the history (months in ``tried`` were attempted by the
    history already). Every month the results go without becomes a note."""
    have = {s.month: s for s in history}
    notes: list[dict] = []
    wanted = months_needed(month)
    if data_dir is not None:
        scheme_hash = cache_key({"scheme": repr(scheme)})
        for earlier in wanted:
            if earlier in have or earlier in tried or not (data_dir / earlier).is_dir():
                continue
            try:
                have[earlier] = _scored_month(data_dir, earlier, scheme, scheme_hash, cache_dir)
            except (KpiError, ValueError) as exc:
                first = str(exc).splitlines()[0]
                notes.append(
                    _note(
                        "",
                        f"{earlier} 历史数据",
                        f"{earlier} 的数据未通过校验，未计入经营业绩：{first}",
                    )
                )
    last_year, *year_to_date = wanted
    if last_year not in have:
        notes.append(
            _note("", "经营业绩", f"数据中没有去年同月 {last_year} 的数据，经营业绩不计算同比")
        )
    absent = [m for m in year_to_date if m not in have]
    if absent:
        notes.append(
            _note(
                "",
                "经营业绩",
                f"年累计缺少 {'、'.join(absent)} 的数据，经营业绩的累计值只含其余月份",
            )
        )
    return [have[m] for m in wanted if m in have], notes


# --------------------------------------------------------------------------- tables


def _with_unit(frame: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    unit_of = staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    return frame.assign(unit_code=frame["staff_id"].map(unit_of))


def _headline(current: Scorecard, previous: Scorecard | None) -> pd.DataFrame:
    units = current.units
    out = units[
        ["unit_code", "name", "unit_type", "total", "rank", "grade", "vetoed", "veto_reason"]
    ].rename(columns={"name": "unit_name"})
    out["peers"] = out.groupby("unit_type")["unit_code"].transform("size").astype("int64")
    if previous is not None:
        prev = previous.units.set_index("unit_code")
        out["prev_total"] = out["unit_code"].map(prev["total"]).astype("float64")
        out["prev_rank"] = out["unit_code"].map(prev["rank"]).astype("Int64")
        out["prev_grade"] = out["unit_code"].map(prev["grade"]).astype("string")
    else:
        out["prev_total"] = np.nan
        out["prev_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["prev_grade"] = pd.array([pd.NA] * len(out), dtype="string")
    out["change"] = out["total"] - out["prev_total"]
    out["grade"] = out["grade"].astype("string")
    return out.reset_index(drop=True)


def _explain(row: pd.Series, scheme: Scheme) -> str:
    ind = scheme.indicators.get(row["indicator"])
    unit = ind.unit if ind is not None else ""
    name = row["indicator_name"]
    if not row["applicable"]:
        return f"{name}：本月不适用（{row['note'] or '无数据'}），其权重按比例分给其余指标。"
    target = "" if pd.isna(row["target"]) else f"，目标 {value_text(row['target'], unit)}"
    text = (
        f"{name}：实际 {value_text(row['actual'], unit)}{target}，"
        f"按{CODES['method'].get(row['method'], row['method'])}得 {row['raw_score']:.1f}%，"
        f"权重 {row['weight']:g}"
    )
    if abs(row["effective_weight"] - row["weight"]) > 1e-9:
        text += f"（重新分配后 {row['effective_weight']:.2f}）"
    text += f"，计 {row['weighted_score']:.2f} 分。"
    if row["note"]:
        text += f"{row['note']}。"
    return text


def _unit_indicators(
    current: Scorecard, previous: Scorecard | None, scheme: Scheme
) -> pd.DataFrame:
    long = current.long[current.long["entity_type"] == "unit"].copy()
    cols = [
        "unit_code", "indicator", "indicator_name", "method", "actual", "target", "ratio",
        "raw_score", "weight", "effective_weight", "weighted_score", "applicable", "flag", "note",
    ]  # fmt: skip
    long = long.rename(columns={"entity_id": "unit_code_"}).drop(columns=["unit_code"])
    long = long.rename(columns={"unit_code_": "unit_code"})[cols]
    if previous is not None:
        prev = previous.long[previous.long["entity_type"] == "unit"]
        prev = prev.rename(
            columns={"actual": "prev_actual", "weighted_score": "prev_weighted_score"}
        )[["entity_id", "indicator", "prev_actual", "prev_weighted_score"]]
        long = long.merge(
            prev.rename(columns={"entity_id": "unit_code"}),
            on=["unit_code", "indicator"],
            how="left",
        )
    else:
        long["prev_actual"] = np.nan
        long["prev_weighted_score"] = np.nan
    units_of = {code: ind.unit for code, ind in scheme.indicators.items()}
    unit = long["indicator"].map(units_of).fillna("")
    for col in ("actual", "target", "prev_actual"):
        long[f"{col}_text"] = [value_text(v, u) for v, u in zip(long[col], unit, strict=True)]
    long["explanation"] = [_explain(r, scheme) for _, r in long.iterrows()]
    return long.reset_index(drop=True)


def _staff_scorecard(card: Scorecard, staff: pd.DataFrame) -> pd.DataFrame:
    phones = privacy.masked(staff[["staff_id", "phone"]]).rename(columns={"phone": "phone_masked"})
    out = card.staff.merge(phones, on="staff_id", how="left")
    first = ["staff_id", "name", "unit_code", "role", "phone_masked"]
    out = out[first + [c for c in out.columns if c not in first]]
    out["grade"] = out["grade"].astype("string")
    return out


def _history_tables(scored: list[_Scored]) -> dict[str, pd.DataFrame]:
    units, indicators, insp = [], [], []
    for item in scored:
        u = item.card.units[["unit_code", "name", "unit_type", "total", "rank", "grade", "vetoed"]]
        units.append(u.rename(columns={"name": "unit_name"}).assign(month=item.month))
        long = item.card.long[item.card.long["entity_type"] == "unit"]
        indicators.append(
            long[["entity_id", "indicator", "indicator_name", "actual", "weighted_score"]]
            .rename(columns={"entity_id": "unit_code"})
            .assign(month=item.month)
        )
        with_unit = _with_unit(item.data.inspections, item.data.staff)
        rates = quality.pass_rates(with_unit, by="unit_code")[["unit_code", "inspected", "passed"]]
        insp.append(rates.assign(month=item.month))
    history = pd.concat(units, ignore_index=True)
    history["grade"] = history["grade"].astype("string")
    history_ind = pd.concat(indicators, ignore_index=True)
    qh = pd.concat(insp, ignore_index=True)
    qh = qh[qh["inspected"] > 0].copy()
    charts = []
    for _, group in qh.groupby("unit_code", sort=True):
        chart = stats.p_chart(
            (group["inspected"] - group["passed"]).to_numpy(), group["inspected"].to_numpy()
        )
        charts.append(
            group.reset_index(drop=True).assign(
                fail_rate=chart["p"].to_numpy(),
                p_bar=chart["p_bar"].to_numpy(),
                lcl=chart["lcl"].to_numpy(),
                ucl=chart["ucl"].to_numpy(),
                signal=chart["signal"].to_numpy(),
            )
        )
    pchart = (
        pd.concat(charts, ignore_index=True)
        if charts
        else pd.DataFrame(
            columns=[
                *("unit_code", "inspected", "passed", "month", "fail_rate"),
                *("p_bar", "lcl", "ucl", "signal"),
            ]
        )
    )
    first = ["month"]
    return {
        "history_units": history[first + [c for c in history.columns if c != "month"]],
        "history_indicators": history_ind[first + [c for c in history_ind if c != "month"]],
        "quality_pchart": pchart[first + [c for c in pchart.columns if c != "month"]],
    }


def _peer_medians(history_units: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Each unit's peer median (units of its type) for each month of the history."""
    medians = (
        history_units.groupby(["month", "unit_type"], observed=True)["total"]
        .median()
        .rename("median_total")
        .reset_index()
    )
    grid = units[["unit_code", "unit_type"]].merge(
        pd.DataFrame({"month": sorted(history_units["month"].unique())}), how="cross"
    )
    out = grid.merge(medians, on=["month", "unit_type"], how="left")
    return out[["month", "unit_code", "unit_type", "median_total"]].sort_values(
        ["unit_code", "month"], ignore_index=True
    )


def _with_actual_texts(effects: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """The effects of the adjustments with ``actual_before_text``/``actual_after_text``:
    the actuals with their indicator's unit (rates as %), "" without an indicator."""
    units = {code: ind.unit for code, ind in scheme.indicators.items()}
    out = effects.copy()
    for when in ("before", "after"):
        out[f"actual_{when}_text"] = [
            value_text(value, units[code]) if code in units else ""
            for value, code in zip(out[f"actual_{when}"], out["indicator"], strict=True)
        ]
    return out


def _quality_tables(
    data: MonthData, previous: MonthData | None, names: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Quality summaries of the month; empty tables (with their columns) without inspections."""
    insp = _with_unit(data.inspections, data.staff)
    if insp.empty:
        return {
            "quality_units": pd.DataFrame(
                columns=["unit_code", "inspected", "passed", "pass_rate", "ci_low", "ci_high"]
            ).astype({"inspected": "int64", "passed": "int64", "pass_rate": "float64"}),
            "quality_staff": pd.DataFrame(
                columns=["staff_id", "inspected", "passed", "pass_rate", "name", "unit_code"]
            ),
            "inspector_leniency": pd.DataFrame(
                columns=["inspector_id", "inspected", "passed", "pass_rate", "verdict", "name"]
            ),
            "inspector_agreement": pd.DataFrame(columns=["inspector_id", "double_checked"]),
        }
    has_previous = previous is not None and not previous.inspections.empty
    unit_q = quality.unit_quality(
        data.inspections,
        data.staff,
        previous=previous.inspections if has_previous else None,
        previous_staff=previous.staff if has_previous else None,
    )
    if data.inspections["inspector_id"].nunique() >= 2:
        leniency = quality.inspector_leniency(data.inspections)
    else:
        leniency = pd.DataFrame(columns=["inspector_id", "inspected", "passed", "verdict"])
    return {
        "quality_units": unit_q,
        "quality_staff": quality.pass_rates(insp, by="staff_id").join(names, on="staff_id"),
        "inspector_leniency": leniency.join(names, on="inspector_id"),
        "inspector_agreement": quality.inspector_agreement(data.inspections),
    }


def _rank_intervals(unit_q: pd.DataFrame, units: pd.DataFrame, month: str) -> pd.DataFrame:
    table = unit_q[["unit_code", "inspected", "passed"]].merge(
        units[["unit_code", "unit_name", "unit_type"]], on="unit_code"
    )
    table = table[table["inspected"] > 0]
    seed = int(month.replace("-", ""))
    parts = []
    for _, group in table.groupby("unit_type", sort=True):
        group = group.reset_index(drop=True)
        if len(group) == 1:
            ranks = pd.DataFrame(
                {"rate": group["passed"] / group["inspected"], "rank": 1.0, "rank_low": 1.0}
            ).assign(rank_high=1.0, p_best=1.0)
        else:
            ranks = stats.rank_intervals(
                group["passed"].to_numpy(),
                group["inspected"].to_numpy(),
                n_boot=RANK_BOOTSTRAP,
                seed=seed,
                lower_is_better=False,
            )
        parts.append(
            pd.concat([group, ranks.reset_index(drop=True)], axis=1).assign(peers=len(group))
        )
    columns = [
        "unit_code", "unit_name", "unit_type", "inspected", "passed", "rate", "rank",
        "rank_low", "rank_high", "p_best", "peers",
    ]  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    return out.rename(columns={"rate": "pass_rate"})


def _funnel(unit_q: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = unit_q[unit_q["inspected"] > 0][["unit_code", "inspected", "passed", "pass_rate"]]
    table = table.merge(units[["unit_code", "unit_name", "unit_type"]], on="unit_code")
    total_n, total_x = int(table["inspected"].sum()), int(table["passed"].sum())
    empty_limits = pd.DataFrame(columns=["n", "level", "lower", "upper", "target"])
    if total_n == 0 or total_x in (0, total_n):
        return table.assign(target=np.nan, position="无法判定"), empty_limits
    target = total_x / total_n
    grid = np.unique(np.linspace(1, max(int(table["inspected"].max()) * 1.15, 10), 120).round())
    limits = stats.funnel_limits(grid.astype(int), target=target).assign(target=target)
    own = stats.funnel_limits(table["inspected"].to_numpy(), target=target)
    wide = own.pivot_table(index="n", columns="level", values=["lower", "upper"])
    at = table["inspected"].to_numpy()
    lo95, hi95 = wide[("lower", 0.95)].loc[at].to_numpy(), wide[("upper", 0.95)].loc[at].to_numpy()
    lo99, hi99 = (
        wide[("lower", 0.998)].loc[at].to_numpy(),
        wide[("upper", 0.998)].loc[at].to_numpy(),
    )
    rate = table["pass_rate"].to_numpy()
    position = np.select(
        [rate > hi99, rate > hi95, rate < lo99, rate < lo95],
        ["高于99.8%上限", "高于95%上限", "低于99.8%下限", "低于95%下限"],
        default="在控制限内",
    )
    table = table.assign(
        target=target, lower95=lo95, upper95=hi95, lower998=lo99, upper998=hi99, position=position
    )
    return table.reset_index(drop=True), limits


def _grade_distribution(card: Scorecard, scheme: Scheme) -> pd.DataFrame:
    rows = []
    for entity, frame, group_col in (
        ("unit", card.units, "unit_type"),
        ("staff", card.staff, "role"),
    ):
        graded = frame[frame["grade"].notna()]
        counts = graded.groupby([group_col, "grade"]).size()
        for group in sorted(graded[group_col].unique()):
            scored = int((graded[group_col] == group).sum())
            for grade, share in scheme.grades.shares.items():
                count = int(counts.get((group, grade), 0))
                rows.append(
                    {
                        "entity_type": entity,
                        "group": group,
                        "grade": grade,
                        "count": count,
                        "scored": scored,
                        "share": count / scored if scored else np.nan,
                        "quota_share": float(Fraction(share)),
                    }
                )
    return pd.DataFrame(rows)


def _data_quality(data: MonthData, history_notes: list[dict]) -> pd.DataFrame:
    staff_unit = data.staff.drop_duplicates("staff_id").set_index("staff_id")["unit_code"]
    owner: dict[str, str] = {str(u): str(u) for u in data.units["unit_code"]}
    owner.update({str(k): str(v) for k, v in staff_unit.items()})
    for table, key in (
        ("revenue", "record_id"),
        ("contracts", "contract_id"),
        ("tickets", "ticket_id"),
        ("inspections", "inspection_id"),
        ("training", None),
    ):
        frame = getattr(data, table)
        if key is not None and len(frame):
            owner.update(
                {
                    str(k): str(u)
                    for k, u in zip(frame[key], frame["staff_id"].map(staff_unit), strict=True)
                    if pd.notna(u)
                }
            )
    for table, key in (("expenses", "claim_id"), ("audit_findings", "finding_id")):
        frame = getattr(data, table)
        owner.update({str(k): str(u) for k, u in zip(frame[key], frame["unit_code"], strict=True)})
    rows = []
    for finding in data.warnings:
        value = "" if finding.value is None else str(finding.value)
        rows.append(
            {
                "unit_code": owner.get(value, ""),
                "source": finding.file,
                "row": finding.row if finding.row is not None else pd.NA,
                "column": finding.column or "",
                "value": value,
                "severity": finding.severity,
                "message": finding.rule,
            }
        )
    out = pd.DataFrame(
        rows + history_notes,
        columns=["unit_code", "source", "row", "column", "value", "severity", "message"],
    )
    for col in ("value", "message", "column", "source"):
        out[col] = out[col].map(privacy.mask_text).astype(str)
    out["row"] = out["row"].astype("Int64")
    return out


def build_shared_results(
    data: MonthData,
    *,
    data_dir: str | Path | None,
    scheme: Scheme,
    history_months: int = 12,
    budget: Mapping[str, int] | None = None,
    centre_tolerance: float = 0.01,
    aql: float = 2.5,
    level: InspectionLevel = "II",
    cache_dir: str | Path | None = None,
    steady_production: bool = True,
    reduced_approved: bool = True,
) -> dict[str, pd.DataFrame]:
    """Compute every table the month's reports show, once.

    Parameters
    ----------
    data : the month's validated input (:func:`kpilib.contract.load.load_month`).
    data_dir : folder holding one ``YYYY-MM/`` folder per month; the earlier months of
        the history and of the year to date are read from it (None: no history).
        A month that is missing or fails validation becomes a note in ``data_quality``.
    scheme : the year's scoring scheme (:func:`scheme_for`).
    history_months : months in the trends, this month included.
    budget : category -> annual budget in fen; default ``params/budget-<year>.yaml``.
    centre_tolerance : points by which a centre's submitted score may differ from the
        recomputation before 汇总检查 reports it.
    aql, level : acceptance quality limit and inspection level of next month's
        inspection plan (:func:`kpilib.stats.plan.plan_tables`, with the month's seed).
    cache_dir : where each earlier month's validated tables and scorecard are kept
        between runs (:func:`kpilib.report.store.read_cached`); None: no cache.
    steady_production, reduced_approved : GB/T 2828.1 9.3.3 b) and c) for the switching
        rules of the inspection plan (``params/run.yaml`` ``sampling``; both True by default).

    Returns
    -------
    dict of name -> DataFrame
        The month's validated input tables under their contract names (``units``,
        ``targets``, ``activity``, ``revenue``, ``contracts``, ``tickets``,
        ``inspections``, ``training``, ``submissions``, ``centre_results``,
        ``expenses``, ``audit_findings``) and ``staff`` with ``phone`` and
        ``id_number`` masked; then:

        - ``headline``: unit_code, unit_name, unit_type, total, rank, grade, vetoed,
          veto_reason, peers (units of the type), prev_total, prev_rank, prev_grade,
          change (total − prev_total).
        - ``unit_scores``: :attr:`Scorecard.units` (unit_code, name, unit_type, one
          weighted score per indicator, base, bonus, deduction, total, vetoed,
          veto_reason, rank, grade).
        - ``unit_indicators``: unit_code, indicator, indicator_name, method, actual,
          target, ratio, raw_score, weight, effective_weight, weighted_score, applicable,
          flag, note, prev_actual, prev_weighted_score, actual_text, target_text,
          prev_actual_text (values with their unit, rates as %), explanation (Chinese).
        - ``staff_scorecard``: staff_id, name, unit_code, role, phone_masked (masked
          once; named apart so that :func:`kpilib.report.privacy.for_unit` keeps it), one
          weighted score per indicator, base, bonus, deduction, total, vetoed,
          veto_reason, rank, grade.
        - ``score_events``: :attr:`Scorecard.events` (entity_type, entity_id, name,
          unit_code, item, kind, message).
        - ``staff_revenue``: staff_id, name, unit_code, records, amount_fen, amount_yuan.
        - ``staff_indicators``, ``staff_totals``: every staff member's indicators with
          the reason for each capped, floored, not-applicable or zero score, and how the
          total follows from them (:mod:`kpilib.report.detail`).
        - ``staff_revenue_products``: revenue per staff member and product, exact to the
          fen, records counted, excluded and suspected duplicates
          (:func:`kpilib.duties.revenue.revenue_by_product`).
        - ``history_units``: month, unit_code, unit_name, unit_type, total, rank, grade,
          vetoed (the available months of the history, this month included).
        - ``history_peers``: month, unit_code, unit_type, median_total (for each unit
          and month of the history, the median total of the units of its type: what
          the unit's trend compares it with, as one unit's rows).
        - ``history_indicators``: month, unit_code, indicator, indicator_name, actual,
          weighted_score.
        - ``quality_pchart``: month, unit_code, inspected, passed, fail_rate, p_bar,
          lcl, ucl, signal (each unit's months as the subgroups of its p-chart).
        - ``rank_intervals``: unit_code, unit_name, unit_type, inspected, passed,
          pass_rate, rank, rank_low, rank_high, p_best, peers (see :data:`RANK_BASIS`).
        - ``funnel_units``: unit_code, inspected, passed, pass_rate, unit_name,
          unit_type, target, lower95, upper95, lower998, upper998, position;
          ``funnel_limits``: n, level, lower, upper, target.
        - ``quality_units``: :func:`kpilib.stats.quality.unit_quality` with last month.
        - ``quality_staff``: staff_id, inspected, passed, pass_rate, ci_low, ci_high,
          name, unit_code.
        - ``inspector_leniency``: :func:`kpilib.stats.quality.inspector_leniency` plus name,
          unit_code; ``inspector_agreement``: :func:`kpilib.stats.quality.inspector_agreement`.
        - ``tickets_by_stage``, ``tickets_units``, ``tickets_overdue``:
          :mod:`kpilib.duties.process` at the month's closing instant.
        - ``audit_status``, ``audit_open`` (findings open at the month's end),
          ``audit_overdue`` (findings overdue in the month, closed late included):
          :mod:`kpilib.duties.audit`.
        - ``archive_units``, ``archive_missing`` (missing_documents joined with "；"):
          :mod:`kpilib.duties.archive`.
        - ``submission_timeliness``, ``submissions_late``: :mod:`kpilib.duties.timeliness`.
        - ``qualification``, ``staff_training``: :mod:`kpilib.duties.training`.
        - ``qualification_base``: 任职资格达标率 with its base (staff in scope, assessed,
          not assessed; :func:`kpilib.duties.training.qualification_base`).
        - ``training_delivery``, ``training_plan_units``: the training plan
          (``training_plan``, optional input) against the training delivered, per unit
          and course and per unit (:func:`kpilib.duties.training.plan_delivery`,
          :func:`kpilib.duties.training.plan_units`).
        - ``expenses_budget``: :func:`kpilib.duties.ledger.expenses_vs_budget` with the year
          to date from the same year's months in ``data_dir``.
        - ``centre_checks``: :func:`kpilib.duties.checks.reconcile_centre_results`;
          ``revenue_duplicates``: :func:`kpilib.duties.checks.duplicate_revenue`.
        - ``finance_reconciliation``, ``finance_differences``: the revenue records
          against finance's booked revenue (``finance_revenue``), per unit and product to
          the fen, with last month's records and lines when the history has them
          (:func:`kpilib.duties.finance.reconcile_finance`). ``finance_reconciliation``:
          unit_code, product, staff_records, staff_fen, finance_lines, finance_fen,
          difference_fen, explained_fen, unexplained_fen, ok. ``finance_differences``:
          unit_code, product, kind, record_ids, voucher_ids, contract_id, staff_fen,
          finance_fen, difference_fen, explanation.
        - ``adjustments``: the month's adjustments register with what each changed,
          before and after (:func:`kpilib.duties.adjustments.adjustment_effects`) and
          ``actual_before_text``, ``actual_after_text`` (the actuals with their unit; the
          input register itself is not kept under this name).
        - ``grade_distribution``: entity_type, group, grade, count, scored, share,
          quota_share (forced distribution against its quotas).
        - ``business_results``: revenue, new members, churn and collection per unit and
          for the department against target, for the month, the year to date and last
          year's same month (:func:`kpilib.duties.business.business_results`; the earlier
          months are this year's and last year's same month from ``data_dir``, loaded
          through the history's cache even beyond ``history_months``).
        - ``data_quality``: unit_code ("" for the department), source, row, column,
          value, severity, message (validation warnings mapped to units, and the
          history's missing or invalid months).
        - ``notes``: key, text (texts the reports quote, e.g. the rank basis).
        - ``sampling_plan``, ``sampling_list``, ``lot_verdicts``, ``inspection_switching``:
          next month's inspection plan, its drawn records, this month's lot verdicts and
          each unit's inspection severity month by month from the history's lots
          (GB/T 2828.1 switching rules, :func:`kpilib.stats.plan.plan_tables`).
    """
    as_of = data.as_of
    card, unadjusted, facts = _scored_report_month(
        data, scheme, None if cache_dir is None else Path(cache_dir)
    )
    scored, notes = _history(
        None if data_dir is None else Path(data_dir),
        data.month,
        scheme,
        history_months - 1,
        None if cache_dir is None else Path(cache_dir),
    )
    previous = (
        scored[-1] if scored and scored[-1].month == _previous_months(data.month, 1)[0] else None
    )
    staff = privacy.masked(data.staff)
    units = data.units
    out: dict[str, pd.DataFrame] = dict(data.tables())
    out["staff"] = staff

    out["headline"] = _headline(card, previous.card if previous else None)
    out["unit_scores"] = card.units.assign(grade=card.units["grade"].astype("string"))
    out["unit_indicators"] = _unit_indicators(card, previous.card if previous else None, scheme)
    out["staff_scorecard"] = _staff_scorecard(card, data.staff)
    out["score_events"] = card.events
    out["staff_revenue"] = card.revenue
    out["staff_indicators"] = detail.staff_indicators(card, scheme)
    out["staff_totals"] = detail.staff_totals(card, scheme)
    out.update(_history_tables([*scored, _Scored(data.month, data, card)]))
    out["history_peers"] = _peer_medians(out["history_units"], units)

    names = data.staff.set_index("staff_id")[["name", "unit_code"]]
    out.update(_quality_tables(data, previous.data if previous else None, names))
    out["rank_intervals"] = _rank_intervals(out["quality_units"], units, data.month)
    out["funnel_units"], out["funnel_limits"] = _funnel(out["quality_units"], units)

    out["tickets_by_stage"] = process.ticket_timeliness(data.tickets, data.staff, as_of=as_of)
    out["tickets_units"] = process.unit_ticket_summary(data.tickets, data.staff, as_of=as_of)
    out["tickets_overdue"] = process.overdue_tickets(data.tickets, data.staff, as_of=as_of)
    out["audit_status"] = audit.audit_status(data.audit_findings, units, as_of=as_of)
    out["audit_open"] = audit.open_findings(data.audit_findings, as_of=as_of)
    out["audit_overdue"] = audit.overdue_findings(data.audit_findings, as_of=as_of)
    out["archive_units"] = archive.contract_archive(data.contracts, data.staff)
    missing = archive.missing_documents(data.contracts, data.staff)
    out["archive_missing"] = missing.assign(
        missing_documents=missing["missing_documents"].map("；".join)
    )
    out["submission_timeliness"] = timeliness.submission_timeliness(
        data.submissions, units, as_of=as_of
    )
    out["submissions_late"] = timeliness.late_submissions(data.submissions, units, as_of=as_of)
    out["qualification"] = training.qualification_attainment(data.training, data.staff)
    out["staff_training"] = training.staff_training(data.training, data.staff).join(
        names[["name"]], on="staff_id"
    )
    out["qualification_base"] = training.qualification_base(data.training, data.staff)
    out["training_delivery"] = training.plan_delivery(data.training_plan, data.training, data.staff)
    out["training_plan_units"] = training.plan_units(
        out["training_delivery"], units=units["unit_code"]
    )

    year = int(data.month[:4])
    budget = load_budget(year) if budget is None else budget
    if budget is None:
        notes.append(
            _note("", "预算", f"没有 {year} 年度预算文件 params/budget-{year}.yaml，未对比预算")
        )
        out["expenses_budget"] = pd.DataFrame(columns=["category", "claims", "claimed_fen"])
    else:
        same_year = [s for s in scored if s.month[:4] == data.month[:4]]
        expected = int(data.month[5:]) - 1
        if len(same_year) < expected:
            have = {s.month for s in same_year}
            absent = [
                f"{year}-{m:02d}" for m in range(1, expected + 1) if f"{year}-{m:02d}" not in have
            ]
            notes.append(
                _note("", "报销台帐", f"年度累计缺少 {'、'.join(absent)} 的报销数据，累计支出偏低")
            )
        ytd = (
            pd.concat([s.data.expenses for s in same_year], ignore_index=True)
            if same_year
            else data.expenses.iloc[0:0]
        )
        out["expenses_budget"] = ledger.expenses_vs_budget(
            data.expenses, budget, month=data.month, year_to_date=ytd
        )

    centre_checks = checks.reconcile_centre_results(
        card, data.centre_results, tolerance=centre_tolerance
    )
    names = {code: ind.name for code, ind in scheme.indicators.items()}
    out["centre_checks"] = centre_checks.assign(
        indicator_name=centre_checks["indicator"].map(names).fillna(centre_checks["indicator"])
    )
    out["revenue_duplicates"] = checks.duplicate_revenue(data.revenue)
    excluded = adjustments.excluded_records(data)
    out["staff_revenue_products"] = revenue.revenue_by_product(
        data.revenue,
        data.staff,
        excluded=excluded.loc[excluded["table"] == "revenue", ["record_id", "reason"]],
        duplicates=out["revenue_duplicates"],
    )
    out["adjustments"] = _with_actual_texts(
        adjustments.adjustment_effects(data, scheme, before=unadjusted, after=card), scheme
    )
    reconciled = finance.reconcile_finance(
        data.revenue,
        data.finance_revenue,
        data.staff,
        month=data.month,
        duplicates=out["revenue_duplicates"],
        previous_revenue=previous.data.revenue if previous else None,
        previous_finance=previous.data.finance_revenue if previous else None,
        excluded=excluded.loc[excluded["table"] == "revenue", ["record_id", "reason"]],
    )
    out["finance_reconciliation"] = reconciled.pairs
    out["finance_differences"] = reconciled.differences
    out["grade_distribution"] = _grade_distribution(card, scheme)
    earlier, business_notes = _business_months(
        None if data_dir is None else Path(data_dir),
        data.month,
        scheme,
        scored,
        set(_previous_months(data.month, max(history_months - 1, 0))),
        None if cache_dir is None else Path(cache_dir),
    )
    notes.extend(business_notes)
    out["business_results"] = business_results(
        facts, scheme, earlier=[s.facts for s in earlier if s.facts is not None]
    )
    out["data_quality"] = _data_quality(data, notes)
    out["notes"] = pd.DataFrame({"key": ["rank_basis"], "text": [RANK_BASIS]})
    # each unit's inspection severity (GB/T 2828.1 clause 9) from the history's lots
    out.update(
        plan.plan_tables(
            data,
            aql=aql,
            level=level,
            replayed=_switching_history(
                scored,
                None if data_dir is None else Path(data_dir),
                data.month,
                aql=aql,
                level=level,
                steady=steady_production,
                approved=reduced_approved,
                cache_dir=None if cache_dir is None else Path(cache_dir),
            ),
            steady=steady_production,
            approved=reduced_approved,
        )
    )
    return privacy.mask_tables(out)  # numbers in any text of any table, new tables included


#: Every table :func:`build_shared_results` returns (what :func:`ensure_results` checks).
SHARED_TABLES = (
    "units", "staff", "headline", "unit_scores", "unit_indicators", "staff_scorecard",
    "score_events", "staff_revenue", "history_units", "history_peers", "history_indicators",
    "quality_pchart",
    "staff_indicators", "staff_totals", "staff_revenue_products",
    "quality_units", "rank_intervals", "funnel_units", "funnel_limits", "quality_staff",
    "inspector_leniency", "inspector_agreement", "tickets_by_stage", "tickets_units",
    "tickets_overdue", "audit_status", "audit_open", "audit_overdue", "archive_units",
    "archive_missing",
    "submission_timeliness", "submissions_late", "qualification", "staff_training",
    "qualification_base", "training_delivery", "training_plan_units",
    "expenses_budget", "centre_checks", "revenue_duplicates", "adjustments",
    "finance_reconciliation", "finance_differences",
    "grade_distribution", "business_results", "data_quality", "notes", *plan.TABLE_NAMES,
)  # fmt: skip
