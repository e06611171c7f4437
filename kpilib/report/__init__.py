"""Reports: the shared results, their store, labels, privacy, figures and HTML.

Layer 4: imports every layer below it. ``store`` and ``excel`` (the workbook writer)
are the only modules here that touch the disk; ``shared`` builds every table the
reports show, once; ``results`` is the object notebooks read them through.
"""
