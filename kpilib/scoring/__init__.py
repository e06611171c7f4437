"""Scoring: the year's scheme, the per-indicator scoring rules, weights and the scorecard.

Layer 2 (beside :mod:`kpilib.stats`): imports only :mod:`kpilib.contract`. The
scorecard scores facts it is given; the facts themselves (a ticket on time, a finding
overdue, ...) are decided by the duty modules of :mod:`kpilib.duties`.
"""
