"""Reports: the shared results, their store, labels, privacy, figures and HTML.

Layer 4: imports every layer below it. ``store`` is the only module here that touches
the disk; ``shared`` builds every table the reports show, once; ``results`` is the
object notebooks read them through.
"""
