"""Where the project's folders are, and how a relative path is read.

A relative data or results path is read against the project folder, whatever the
working directory: JupyterLab runs a notebook in ``notebooks/``, the papermill
command line wherever it is started, and both must find ``data/sample``.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
PARAMS_DIR = PROJECT_DIR / "params"
RUN_SETTINGS = PARAMS_DIR / "run.yaml"


def from_project(path: str | Path) -> Path:
    """Return ``path`` made absolute: a relative path is taken from the project folder.

    Examples
    --------
    >>> from_project("data/sample") == PROJECT_DIR / "data" / "sample"
    True
    >>> from_project("/srv/exports")
    PosixPath('/srv/exports')
    """
    path = Path(path)
    return path if path.is_absolute() else PROJECT_DIR / path
