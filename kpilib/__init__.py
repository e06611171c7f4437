"""kpilib: scoring, statistics and reports for a group-customer department's monthly assessment."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kpilib")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
