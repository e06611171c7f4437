"""kpilib: scoring, statistics and reports for a group-customer department's monthly assessment.

Layers, imports running one way only (a test enforces it)::

    errors, paths -> contract -> scoring, stats -> duties -> report -> sample, run -> cli

Notebooks start with :func:`open_results`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kpilib")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__", "open_results"]


def __getattr__(name: str):
    # PEP 562: `import kpilib` stays light (every module imports the package first);
    # the notebooks' entry point loads the run layer only when it is asked for.
    if name == "open_results":
        from kpilib.run.open import open_results

        return open_results
    raise AttributeError(f"module 'kpilib' has no attribute {name!r}")
