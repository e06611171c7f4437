"""One definition per fact (issue #8): the scorecard and the duty tables the reports show
agree, because both are counted from the duty modules' ``judge_*`` functions.

Each test builds a tiny month in memory, scores it (``kpilib.duties.facts.score_month``)
and computes the duty table of the reports, and checks that they tell the same story:
the same counts, and the records behind a bonus, deduction or veto named in its event.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import TABLES
from kpilib.contract.schema import typed_frame as frame
from kpilib.duties import archive, audit, process, timeliness, training
from kpilib.duties.facts import month_facts, score_month
from kpilib.scoring.facts import STAFF_FACTS, UNIT_FACTS, MonthFacts
from kpilib.scoring.scheme import load_scheme
from kpilib.scoring.scorecard import score_facts

SCHEME = load_scheme(Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml")
UNITS = [("X01", "甲县", "county"), ("Z01", "客户服务中心", "centre")]


def person(sid, unit, role, name="张三"):
    return (sid, name, unit, role, "13800000000", "110101199001011234", "2020-01-01", None)


STAFF = [
    person("S00001", "X01", "customer_manager"),
    person("S00002", "Z01", "service_staff", "李四"),
    person("S00003", "Z01", "support_staff", "王五"),
    person("S00004", "Z01", "support_staff", "赵六"),
]


def make_month(**tables):
    tables = {"units": UNITS, "staff": STAFF, **tables}
    return MonthData(month="2026-10", **{n: frame(n, tables.get(n, ())) for n in TABLES})


def long_row(card, entity_id, indicator):
    long = card.long.set_index(["entity_id", "indicator"])
    return long.loc[(entity_id, indicator)]


def events(card, entity_id, kind):
    ev = card.events
    return ev[(ev["entity_id"] == entity_id) & (ev["kind"] == kind)]


# ------------------------------------------------------------------------------------------
# tickets (process.judge_tickets)
# ------------------------------------------------------------------------------------------
TICKETS = [
    # closed exactly at the 24 h limit: on time
    ("T1", "complaint", "S00002", "close", "2026-10-01 08:00", "2026-10-02 08:00", 24.0, 90.0),
    # closed one hour late
    ("T2", "complaint", "S00002", "close", "2026-10-05 08:00", "2026-10-06 09:00", 24.0, 80.0),
    # closed after the month's closing instant: still open at it, and past its 2 h limit
    ("T3", "order", "S00002", "callback", "2026-10-31 12:00", "2026-11-01 09:00", 2.0, None),
]


def test_ticket_on_time_and_closed_late_agree():
    month = make_month(tickets=TICKETS)
    card = score_month(month, SCHEME)
    summary = process.unit_ticket_summary(month.tickets, month.staff, as_of=month.as_of)
    z01 = summary.set_index("unit_code").loc["Z01"]
    assert (z01["closed"], z01["closed_on_time"], z01["closed_late"]) == (2, 1, 1)
    row = long_row(card, "S00002", "on_time_rate")
    assert row["actual"] == z01["on_time_rate"] == 0.5
    facts = month_facts(month).staff.set_index("staff_id").loc["S00002"]
    assert (facts["tickets_closed"], facts["tickets_on_time"]) == (2, 1)


def test_ticket_closed_after_as_of_is_open_and_overdue():
    # The scorecard used to count T3 as closed (on its closed_at alone) and late, while
    # the process table showed it open: both now judge it at the closing instant.
    month = make_month(tickets=TICKETS)
    card = score_month(month, SCHEME)
    overdue = process.overdue_tickets(month.tickets, month.staff, as_of=month.as_of)
    by_id = overdue.set_index("ticket_id")["status"]
    assert by_id.to_dict() == {"T3": "open_overdue", "T2": "closed_late"}
    judged = process.judge_tickets(month.tickets, month.staff, as_of=month.as_of)
    t3 = judged.set_index("ticket_id").loc["T3"]
    assert not t3["closed"] and t3["open_overdue"] and t3["overdue"]
    # on time rate 1 of 2 closed, T3 not in the denominator
    assert long_row(card, "S00002", "on_time_rate")["actual"] == 0.5
    # judged a day later, T3 is closed late: the same function, a different instant
    later = process.judge_tickets(month.tickets, month.staff, as_of="2026-11-01 23:59:59")
    assert later.set_index("ticket_id").loc["T3", "closed_late"]


# ------------------------------------------------------------------------------------------
# report submissions (timeliness.judge_submissions)
# ------------------------------------------------------------------------------------------
def test_report_late_and_not_submitted_agree():
    month = make_month(
        submissions=[
            ("X01", "月报", "2026-10-05", "2026-10-05 23:59:59"),  # on time
            ("X01", "周报", "2026-10-10", "2026-10-11 00:00:00"),  # 1 day late
            ("X01", "走访表", "2026-10-20", None),  # not submitted
            ("X01", "季报", "2026-10-30", "2026-11-02 09:00"),  # arrives after as_of: missing
            ("X01", "年报", "2026-11-05", None),  # due next month: not due yet
        ]
    )
    card = score_month(month, SCHEME)
    table = timeliness.submission_timeliness(month.submissions, month.units, as_of=month.as_of)
    x01 = table.set_index("unit_code").loc["X01"]
    assert (x01["due"], x01["on_time"], x01["late"], x01["not_submitted"]) == (4, 1, 1, 2)
    assert x01["not_yet_due"] == 1
    row = long_row(card, "X01", "report_timeliness")
    # the scorecard used to count the report due next month as due (1/5): now 1/4
    assert row["actual"] == x01["timeliness_rate"] == 0.25
    late = timeliness.late_submissions(month.submissions, month.units, as_of=month.as_of)
    assert sorted(late["report"]) == ["周报", "季报", "走访表"]


# ------------------------------------------------------------------------------------------
# audit findings (audit.judge_findings)
# ------------------------------------------------------------------------------------------
FINDINGS = [
    # major, due on the 10th, closed on the 20th: overdue during the month (closed late)
    ("F1", "X01", "合同管理", "8.5.1", "major", "2026-09-01", "2026-10-10", "2026-10-20"),
    # minor, closed late last month: not overdue in October
    ("F2", "X01", "合同管理", "8.5.1", "minor", "2026-08-01", "2026-09-01", "2026-09-20"),
    # minor, closed on its due date: in time
    ("F3", "X01", "投诉处理", "8.2.1", "minor", "2026-10-01", "2026-10-15", "2026-10-15"),
]


def test_finding_closed_late_within_the_month_is_overdue_and_named_by_the_veto():
    month = make_month(audit_findings=FINDINGS)
    card = score_month(month, SCHEME)
    status = audit.audit_status(month.audit_findings, month.units, as_of=month.as_of)
    x01 = status.set_index("unit_code").loc["X01"]
    # the 贯标 table explains the veto: 1 finding overdue in the month, major, closed late
    assert (x01["open"], x01["open_overdue"], x01["closed_late"]) == (0, 0, 1)
    assert (x01["overdue"], x01["major_overdue"]) == (1, 1)
    listed = audit.overdue_findings(month.audit_findings, as_of=month.as_of)
    assert listed[["finding_id", "status"]].values.tolist() == [["F1", "closed_late"]]
    # ... and the scorecard's veto and deduction name F1
    unit = card.units.set_index("unit_code").loc["X01"]
    assert unit["vetoed"] and unit["total"] == 0.0
    assert "严重审核发现整改逾期" in unit["veto_reason"] and "F1" in unit["veto_reason"]
    veto = events(card, "X01", "veto")
    assert veto["item"].tolist() == ["overdue_major_finding"]
    assert veto["message"].item().endswith("相关记录：F1")
    deduction = events(card, "X01", "deduction")["message"].item()
    assert "扣分1分" in deduction and deduction.endswith("相关记录：F1")
    assert unit["deduction"] == x01["overdue"] * 1.0  # 1 point per overdue finding


def test_finding_open_past_due_and_closed_after_as_of_is_overdue():
    month = make_month(
        audit_findings=[
            ("F4", "Z01", "工单处理", "8.5.1", "minor", "2026-09-01", "2026-10-20", None),
            ("F5", "Z01", "工单处理", "8.5.1", "minor", "2026-09-01", "2026-10-20", "2026-11-02"),
            ("F6", "Z01", "工单处理", "8.5.1", "minor", "2026-10-01", "2026-10-31", None),
        ]
    )
    card = score_month(month, SCHEME)
    status = audit.audit_status(month.audit_findings, month.units, as_of=month.as_of)
    z01 = status.set_index("unit_code").loc["Z01"]
    assert (z01["open"], z01["open_overdue"], z01["overdue"], z01["major_overdue"]) == (3, 2, 2, 0)
    unit = card.units.set_index("unit_code").loc["Z01"]
    assert not unit["vetoed"] and unit["deduction"] == 2.0
    deduction = events(card, "Z01", "deduction")["message"].item()
    assert deduction.endswith("相关记录：F4、F5")  # F6 is due today: not overdue yet


# ------------------------------------------------------------------------------------------
# contracts (archive.judge_contracts)
# ------------------------------------------------------------------------------------------
def test_contract_archived_agrees():
    month = make_month(
        contracts=[
            ("K1", "G1", "甲公司", "S00001", "2026-01-01", "archived", None),
            ("K2", "G2", "乙公司", "S00001", "2026-01-01", "partial", "授权书"),
            ("K3", "G3", "丙公司", "S00001", "2026-01-01", "missing", None),
            # archived though a document is listed: archived by its status (a conflict
            # the missing-documents table shows)
            ("K4", "G4", "丁公司", "S00001", "2026-01-01", "archived", "盖章页"),
        ]
    )
    card = score_month(month, SCHEME)
    table = archive.contract_archive(month.contracts, month.staff).set_index("unit_code")
    assert (table.loc["X01", "contracts"], table.loc["X01", "archived"]) == (4, 2)
    assert long_row(card, "X01", "contract_archive")["actual"] == table.loc["X01", "completeness"]
    assert table.loc["X01", "completeness"] == 0.5
    missing = archive.missing_documents(month.contracts, month.staff).set_index("contract_id")
    assert missing.loc["K4", "status_conflict"]
    # Z01's staff hold no contract: not applicable on both sides
    assert math.isnan(table.loc["Z01", "completeness"])
    assert not long_row(card, "Z01", "contract_archive")["applicable"]


# ------------------------------------------------------------------------------------------
# training and qualification (training.judge_training)
# ------------------------------------------------------------------------------------------
def test_staff_qualified_agrees():
    month = make_month(
        training=[
            # S00003 fails, then passes the retake: qualified (rule "any")
            ("S00003", "支撑人员任职资格", "qualification", 8.0, 50.0, False),
            ("S00003", "支撑人员任职资格补考", "qualification", 4.0, 80.0, True),
            # S00004 fails: assessed, not qualified
            ("S00004", "支撑人员任职资格", "qualification", 8.0, 40.0, False),
            # S00002: a skills course is not an assessment
            ("S00002", "服务礼仪", "skills", 2.0, 70.0, True),
        ]
    )
    card = score_month(month, SCHEME)
    per_staff = training.staff_training(month.training, month.staff).set_index("staff_id")
    assert per_staff.loc["S00003", "qualified"] == True  # noqa: E712 (a nullable boolean)
    assert per_staff.loc["S00004", "qualified"] == False  # noqa: E712
    assert per_staff.loc["S00002", "qualified"] is pd.NA  # not assessed
    assert not long_row(card, "S00002", "pass_rate")["applicable"]  # (no inspections)
    assert long_row(card, "S00003", "qualified")["raw_score"] == 100.0
    assert long_row(card, "S00004", "qualified")["raw_score"] == 0.0
    units = training.qualification_attainment(month.training, month.staff).set_index("unit_code")
    assert (units.loc["Z01", "assessed"], units.loc["Z01", "qualified"]) == (2, 1)
    assert long_row(card, "Z01", "qualification")["actual"] == units.loc["Z01", "attainment_rate"]
    # the 取得任职资格加分 bonus names the course passed
    bonus = events(card, "S00003", "bonus")["message"].item()
    assert bonus.endswith("相关记录：支撑人员任职资格补考")
    assert events(card, "S00004", "bonus").empty


# ------------------------------------------------------------------------------------------
# inspections and the container
# ------------------------------------------------------------------------------------------
def test_serious_violation_veto_names_the_inspection():
    month = make_month(
        inspections=[
            ("I1", "T1", "S00002", "S09999", "2026-10-03", 35.0, False),
            ("I2", "T2", "S00002", "S09999", "2026-10-04", 90.0, True),
        ]
    )
    card = score_month(month, SCHEME)
    veto = events(card, "S00002", "veto")["message"].item()
    assert "实际值35" in veto and veto.endswith("相关记录：I1")  # not I2 (90 >= 40)
    deduction = events(card, "S00002", "deduction")["message"].item()
    assert deduction.endswith("相关记录：I1")


def test_month_facts_has_every_declared_column():
    facts = month_facts(make_month(tickets=TICKETS, audit_findings=FINDINGS))
    assert set(STAFF_FACTS) <= set(facts.staff.columns)
    assert set(UNIT_FACTS) <= set(facts.units.columns)
    assert facts.staff["staff_id"].tolist() == ["S00001", "S00002", "S00003", "S00004"]
    assert facts.units.set_index("unit_code").loc["X01", "major_findings_overdue"] == 1
    # score_month is month_facts, then score_facts
    direct = score_facts(facts, SCHEME)
    pd.testing.assert_frame_equal(
        direct.units,
        score_month(make_month(tickets=TICKETS, audit_findings=FINDINGS), SCHEME).units,
    )


def test_month_facts_container_is_checked():
    facts = month_facts(make_month())
    with pytest.raises(
        ValueError, match=r"MonthFacts.units is missing column\(s\) \['reports_due'\]"
    ):
        MonthFacts(
            month=facts.month,
            staff=facts.staff,
            units=facts.units.drop(columns="reports_due"),
            targets=facts.targets,
            revenue=facts.revenue,
            evidence=facts.evidence,
        )
    with pytest.raises(TypeError, match="facts must be a MonthFacts, got MonthData"):
        score_facts(make_month(), SCHEME)  # type: ignore[arg-type]
