"""A fictional city branch's monthly exports, with planted anomalies, for demos and tests.

Sits beside :mod:`kpilib.run`: it imports the contract (to write files in its shape),
the scorecard (centres submit scores computed under the scheme) and the report
layer's store (every file goes through its atomic writer). :func:`generate.generate`
is the entry point; the other modules are its parts, one job each.
"""
