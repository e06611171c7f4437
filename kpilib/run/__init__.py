"""The monthly run: settings, notebook parameters, executors and the runner.

Layer 5, the top of the library: only :mod:`kpilib.cli` imports it.
"""
