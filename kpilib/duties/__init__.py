"""The assessment manager's supervision duties, one module each.

Layer 3: imports :mod:`kpilib.contract`, :mod:`kpilib.scoring` and :mod:`kpilib.stats`.
Each module owns the facts of its duty (a ticket on time or overdue, a report late, a
finding overdue, a contract archived, a person qualified), and both the scorecard and
the reports use those facts: ``process`` (流程监督), ``timeliness`` (报表报送),
``audit`` (贯标), ``archive`` (合同档案), ``training`` (任职资格), ``ledger`` (报销台帐),
``checks`` (汇总检查 and duplicate revenue), ``revenue`` (revenue per person and product),
``finance`` (revenue reconciled against the finance books), ``business`` (经营业绩
against target), ``adjustments`` (the approved adjustments register), ``facts`` (the
month's facts for scoring, with the register applied).
"""
