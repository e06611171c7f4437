"""kpilib: scoring, statistics and reports for the monthly assessment of a group-customer department."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kpilib")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
