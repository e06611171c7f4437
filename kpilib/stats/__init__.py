"""Statistics for comparing units fairly and for planning inspections.

Layer 2 (beside :mod:`kpilib.scoring`): imports only :mod:`kpilib.contract`.
``inference`` (intervals, control charts, funnel limits, rate comparisons, rank tests,
agreement, rank intervals), ``sampling`` (GB/T 2828.1 tables, Cochran, allocation),
``plan`` (next month's inspection plan per unit) and ``quality`` (pass rates and
inspector summaries).
"""
