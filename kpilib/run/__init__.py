"""The monthly run: settings, notebook parameters, executors and the runner.

Layer 5, the top of the library: only :mod:`kpilib.cli` imports it.
"""

import sys

# jsonschema, which nbformat and papermill load, builds a parser for RFC 3987 IRIs when
# it is imported and the optional package rfc3987-syntax is installed (the Jupyter stack
# installs it): about 3 s at the start of every `kpi run` and of every report worker.
# Its only use is jsonschema's "iri" format check, which no notebook schema asks for;
# with the package marked absent, jsonschema leaves that one check out.
sys.modules.setdefault("rfc3987_syntax", None)
