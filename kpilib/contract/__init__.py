"""The data contract: what a month's input files hold, how they are read and validated.

Layer 1, the lowest after :mod:`kpilib.errors` and :mod:`kpilib.paths`: it imports no
other layer. ``schema`` declares every table and column once; ``load`` reads and
validates a month into a :class:`~kpilib.contract.month_data.MonthData`; ``calendar``
holds the month pattern and the instant a month is judged at; ``doc`` renders
``docs/data-contract.md``.
"""
