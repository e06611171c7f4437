"""The duties the assessment manager supervises, as the sample branch performs them:
training, the counties' report submissions, expense claims, quality-system audit
findings, and the results each centre submits for its staff.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import ROLES, TABLES, TOTAL_INDICATOR
from kpilib.duties.facts import score_month
from kpilib.paths import PARAMS_DIR
from kpilib.sample import anomalies
from kpilib.sample.branch import CM, COUNTY, ROLE_CODES, SERVICE, SUPPORT, Branch, Month, hired_in
from kpilib.sample.canonical import empty_frame, frame, numbered
from kpilib.sample.days import month_bounds
from kpilib.scoring.scheme import load_scheme

#: The scheme the centres score their staff with (the sample's centres follow it).
_SCHEME_FILE = PARAMS_DIR / "scheme-2026.yaml"

#: Expense category -> annual budget assumed for the sample data, in yuan.
#: ``params/budget-2026.yaml`` should list the same categories.
EXPENSE_CATEGORIES: dict[str, int] = {
    "差旅费": 360_000,
    "业务招待费": 240_000,
    "办公费": 120_000,
    "培训费": 180_000,
    "会议费": 96_000,
    "通信费": 60_000,
    "车辆使用费": 150_000,
    "营销宣传费": 300_000,
}

#: The reports every county owes each month: (name, day of the month it is due).
COUNTY_REPORTS: tuple[tuple[str, int], ...] = (
    ("集团客户发展情况月报", 5),
    ("合同归档情况月报", 10),
    ("服务质量分析月报", 20),
)

_QUALIFICATION_MARK = 65.0
_LEARNING_HOURS = 8.0  # online learning hours a month the department requires
_NO_LEARNING = 0.03  # share of people who log no online learning in a month
_ONLINE_COURSE = "网上大学在线学习"
_INDUCTION_COURSE = "新员工入职培训"
_INDUCTION_HOURS = 8.0
#: Skills courses: (name, hours, has an exam, roles it is meant for).
_SKILLS_COURSES = (
    ("政企产品知识培训", 8.0, True, (CM,)),
    ("5G专网解决方案培训", 6.0, True, (CM, SUPPORT)),
    ("客户走访与商机挖掘", 4.0, False, (CM,)),
    ("合同管理与归档规范", 3.0, True, (CM,)),
    ("投诉处理技巧", 4.0, True, (SERVICE,)),
    ("业务受理规范", 6.0, True, (SERVICE,)),
    ("服务礼仪与沟通", 3.0, False, (SERVICE,)),
    ("ISO 9001质量管理体系贯标培训", 8.0, True, (CM, SERVICE, SUPPORT)),
    ("网络与信息安全意识", 2.0, False, (CM, SERVICE, SUPPORT)),
    ("数据分析与报表基础", 6.0, False, (SUPPORT,)),
)
#: Audited processes of the quality system (贯标) and the ISO 9001 clause they fall under.
_PROCESSES = (
    ("合同评审过程", "8.2.3"),
    ("客户投诉处理过程", "9.1.2"),
    ("业务受理过程", "8.5.1"),
    ("客户走访过程", "8.2.1"),
    ("文件控制过程", "7.5.3"),
    ("记录控制过程", "7.5.3.2"),
    ("培训管理过程", "7.2"),
    ("内部审核过程", "9.2"),
    ("不合格输出控制过程", "8.7"),
    ("纠正措施过程", "10.2"),
    ("监视和测量资源管理", "7.1.5"),
    ("外部提供过程控制", "8.4"),
)
_SEVERITY_CODES = ("major", "minor", "observation")
_SEVERITY_DAYS = np.array([15, 30, 60])  # days allowed for corrective action


def training(b: Branch, mo: Month, rng: np.random.Generator) -> pd.DataFrame:
    """The month's training records: qualification assessments, skills courses,
    online learning and new hires' induction."""
    people = mo.people
    role = b.seat_role[b.p_seat[people]]
    n = len(people)
    staff = np.array(b.staff_id, dtype=object)
    # Qualification assessment: each person once a quarter, a third of them each month.
    due = (people + mo.m) % 3 == 0
    q = people[due]
    absent = rng.random(len(q)) < 0.02
    exam = np.clip(np.round(rng.normal(78.0 + 6.0 * b.p_exam[q], 8.0)), 0, 100)
    qual = pd.DataFrame(
        {
            "i": q,
            "course": [f"{ROLES[ROLE_CODES[r]]}任职资格认证" for r in role[due]],
            "course_type": "qualification",
            "hours": np.where(absent, 0.0, 4.0),
            "exam_score": np.where(absent, np.nan, exam),
            "qualified": pd.array(~absent & (exam >= _QUALIFICATION_MARK), dtype="boolean"),
        }
    )
    parts = [qual]
    offered = rng.choice(len(_SKILLS_COURSES), size=3, replace=False)
    for c in np.sort(offered):
        name, hours, has_exam, roles = _SKILLS_COURSES[c]
        attend = rng.random(n) < np.where(np.isin(role, roles), 0.3, 0.03)
        a = people[attend]
        score = np.clip(np.round(rng.normal(82.0 + 4.0 * b.p_exam[a], 8.0)), 0, 100)
        parts.append(
            pd.DataFrame(
                {
                    "i": a,
                    "course": name,
                    "course_type": "skills",
                    "hours": hours,
                    "exam_score": score if has_exam else np.nan,
                    "qualified": pd.array([pd.NA] * len(a), dtype="boolean"),
                }
            )
        )
    # Online learning (网上大学), logged in hours to 2 decimals: everyone's monthly requirement,
    # met more or less by diligence; a few log nothing. New hires attend the induction.
    logged = rng.random(n) >= _NO_LEARNING
    online = _LEARNING_HOURS * mo.frac * np.exp(b.p_learn[people] + rng.normal(0.0, 0.2, n))
    online = np.round(np.minimum(online, 3 * _LEARNING_HOURS), 2)
    logged &= online >= 0.01
    new_hire = hired_in(b, people, mo.m)
    no_verdict = pd.array([pd.NA] * n, dtype="boolean")
    for course, mask, hours in (
        (_ONLINE_COURSE, logged, online),
        (_INDUCTION_COURSE, new_hire, np.full(n, _INDUCTION_HOURS)),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "i": people[mask],
                    "course": course,
                    "course_type": "skills",
                    "hours": hours[mask],
                    "exam_score": np.nan,
                    "qualified": no_verdict[mask],
                }
            )
        )
    table = pd.concat(parts, ignore_index=True).sort_values("i", kind="stable")
    return frame(
        "training",
        {
            "staff_id": staff[table["i"].to_numpy()],
            "course": table["course"].to_numpy(dtype=object),
            "course_type": table["course_type"].to_numpy(dtype=object),
            "hours": table["hours"].to_numpy(dtype=float),
            "exam_score": table["exam_score"].to_numpy(dtype=float),
            "qualified": table["qualified"].array,
        },
    )


def submissions(b: Branch, mo: Month, rng: np.random.Generator) -> pd.DataFrame:
    """Every county's monthly reports: mostly on time, the late county's always late."""
    counties = np.flatnonzero(b.unit_kind == COUNTY)
    n_reports = len(COUNTY_REPORTS)
    unit = np.repeat(counties, n_reports)
    report = np.tile(np.arange(n_reports), len(counties))
    n = len(unit)
    due_day = np.array([d for _, d in COUNTY_REPORTS])[report]
    late_county = unit == b.late_county
    late = rng.random(n) < 0.03
    shift = np.where(
        late_county,
        rng.integers(1, 7, n),
        np.where(late, rng.integers(1, 3, n), -rng.integers(0, 4, n)),
    )
    day = np.clip(due_day + shift, 1, mo.days)
    seconds = (day - 1) * 86400 + rng.integers(9 * 3600, 18 * 3600, n)
    received = late_county | (rng.random(n) >= 0.005)
    at = mo.start.astype("datetime64[s]") + seconds
    return frame(
        "submissions",
        {
            "unit_code": b.unit_code[unit],
            "report": np.array([r for r, _ in COUNTY_REPORTS], dtype=object)[report],
            "due_date": mo.start + (due_day - 1),
            "submitted_at": np.where(received, at, np.datetime64("NaT", "s")),
        },
    )


def expenses(b: Branch, mo: Month, rng: np.random.Generator) -> pd.DataFrame:
    """The month's expense claims, spending about a twelfth of each category's budget."""
    names = list(EXPENSE_CATEGORIES)
    budget = np.array(list(EXPENSE_CATEGORIES.values()), dtype=float)
    n = int(rng.integers(30, 61))
    share = np.sqrt(budget) / np.sqrt(budget).sum()
    category = rng.choice(len(names), size=n, p=share)
    month_no = int(mo.month[5:])
    season = {2: 0.6, 12: 1.35}.get(month_no, 1.0)
    # Divided by the log-normal's mean, exp(0.5**2 / 2), so the noise averages 1.
    noise = rng.lognormal(0.0, 0.5, n) / np.exp(0.125)
    yuan = budget[category] / 12.0 * season / (n * share[category]) * noise
    fen = np.maximum(1000, np.round(yuan * 100)).astype(np.int64)
    day = np.sort(rng.integers(1, mo.days + 1, n))
    pending = rng.random(n) < np.where(day > mo.days - 7, 0.6, 0.05)
    rejected = ~pending & (rng.random(n) < 0.05)
    status = np.where(pending, "pending", np.where(rejected, "rejected", "paid"))
    unit = rng.choice(len(b.unit_code), size=n, p=b.unit_size / b.unit_size.sum())
    return frame(
        "expenses",
        {
            "claim_id": numbered(f"BX{mo.yyyymm}", n, width=4),
            "unit_code": b.unit_code[unit],
            "category": np.array(names, dtype=object)[category],
            "amount_fen": fen,
            "status": status,
            "claim_date": mo.start + (day - 1),
        },
    )


def audit_findings(
    rng: np.random.Generator, months: list[str], unit_code: np.ndarray
) -> pd.DataFrame:
    """Every quality-system audit finding raised from four months before the first month on."""
    first = np.datetime64(months[0], "M")
    rows: dict[str, list] = {k: [] for k in TABLES["audit_findings"].column_names}
    n_units = len(unit_code)
    rate = max(3.0, 0.15 * n_units)
    for k in range(-4, len(months)):
        month = str(first + k)
        start, days = month_bounds(month)
        n = int(rng.poisson(rate))
        raised = np.sort(start + rng.integers(0, days, n))
        sev = rng.choice(3, size=n, p=[0.1, 0.6, 0.3])
        due = raised + _SEVERITY_DAYS[sev]
        window = _SEVERITY_DAYS[sev]
        outcome = rng.choice(3, size=n, p=[0.65, 0.25, 0.10])
        late = np.select(
            [outcome == 0, outcome == 1],
            [-(window * (1 - rng.uniform(0.2, 1.0, n))).astype(int), rng.integers(5, 60, n)],
            rng.integers(90, 400, n),
        )
        process = rng.integers(len(_PROCESSES), size=n)
        width = max(3, len(str(n)))
        rows["finding_id"] += [f"GB{month.replace('-', '')}{i:0{width}d}" for i in range(1, n + 1)]
        rows["unit_code"] += list(unit_code[rng.integers(n_units, size=n)])
        rows["process"] += [_PROCESSES[p][0] for p in process]
        rows["clause"] += [_PROCESSES[p][1] for p in process]
        rows["severity"] += [_SEVERITY_CODES[s] for s in sev]
        rows["raised_date"] += list(raised)
        rows["due_date"] += list(due)
        rows["closed_date"] += list(due + late)
    return frame("audit_findings", rows)


def audit_month(b: Branch, mo: Month) -> pd.DataFrame:
    """The findings open at some time in the month; closing dates after it are not known yet."""
    start = pd.Timestamp(mo.start)
    end = start + pd.Timedelta(days=mo.days - 1)
    audit = b.audit
    keep = (audit["raised_date"] <= end) & (audit["closed_date"] >= start)
    table = audit[keep].reset_index(drop=True)
    closed = table["closed_date"].where(table["closed_date"] <= end)
    return table.assign(closed_date=closed)


def centre_results(
    frames: dict[str, pd.DataFrame], month: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Return each centre's submitted assessment results for ``month`` and the planted
    mismatch.

    Every centre submits, for each of its staff members with a score, the weighted
    score of each applicable indicator and the total (``indicator == "total"``), exactly
    as :func:`~kpilib.duties.facts.score_month` computes them under
    ``params/scheme-2026.yaml`` from ``frames`` (rounded to 2 decimals, as the export
    writes them), but for the one centre of
    :func:`~kpilib.sample.anomalies.plant_centre_mismatch`. ``rng`` is a stream of its
    own, so drawing from it changes no other table.
    """
    inputs = {
        name: frames[name]
        for name, table in TABLES.items()
        if name != "centre_results" and (name in frames or not table.optional)
    }
    data = MonthData(month=month, **inputs, centre_results=empty_frame("centre_results"))
    scheme = load_scheme(_SCHEME_FILE)
    card = score_month(data, scheme)
    centres = card.units.loc[card.units["unit_type"] == "centre", "unit_code"]
    staff = card.staff[card.staff["unit_code"].isin(centres) & card.staff["total"].notna()]
    long = card.long[
        (card.long["entity_type"] == "staff")
        & card.long["applicable"]
        & card.long["entity_id"].isin(staff["staff_id"])
    ]
    parts = pd.DataFrame(
        {
            "unit_code": long["unit_code"].to_numpy(dtype=object),
            "staff_id": long["entity_id"].to_numpy(dtype=object),
            "indicator": long["indicator"].to_numpy(dtype=object),
            "score": long["weighted_score"].to_numpy(dtype=float),
            "weight": long["effective_weight"].to_numpy(dtype=float),
        }
    )
    totals = pd.DataFrame(
        {
            "unit_code": staff["unit_code"].to_numpy(dtype=object),
            "staff_id": staff["staff_id"].to_numpy(dtype=object),
            "indicator": TOTAL_INDICATOR,
            "score": staff["total"].to_numpy(dtype=float),
            "weight": np.nan,
        }
    )
    table = pd.concat([parts, totals], ignore_index=True)
    total_of = dict(zip(staff["staff_id"], staff["total"], strict=True))
    order = {sid: i for i, sid in enumerate(staff["staff_id"])}
    table = table.assign(
        total=table["staff_id"].map(total_of),
        _k=table["staff_id"].map(order),
        _t=table["indicator"] == TOTAL_INDICATOR,
    )
    table = table.sort_values(["_k", "_t"], kind="stable").drop(columns=["_k", "_t"])
    table = table.reset_index(drop=True)
    table, mismatch = anomalies.plant_centre_mismatch(table, scheme.max_total, rng)
    table["score"] = np.round(table["score"].to_numpy(dtype=float), 2)
    columns = TABLES["centre_results"].column_names
    return frame("centre_results", {c: table[c].to_numpy() for c in columns}), mismatch
