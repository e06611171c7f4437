"""Typed notebook parameters, read and checked before any kernel starts.

Every notebook declares its parameters in its first cell tagged ``parameters``,
in papermill's typed form::

    month: str = "2026-10"  # 考核月份 (assessment month, YYYY-MM)

:func:`notebook_parameters` reads that cell with :func:`papermill.inspect_notebook`
(no kernel involved) and :func:`validate_parameters` refuses unknown names and
values of the wrong type with a :class:`~kpilib.errors.ParameterError` naming the
notebook, the parameter, the value and the expected type.

Supported annotations: ``str``, ``int``, ``float`` (an ``int`` value is accepted),
``bool``, ``list``/``List[X]``/``list[X]``, ``dict``/``Dict[K, V]``/``dict[K, V]``,
and ``Optional[X]`` for any of them (annotations run in the kernel: import ``typing``
names at the top of the cell). papermill's parser does not read ``X | None``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kpilib.errors import ParameterError

_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}
_GENERIC = re.compile(r"^(?P<outer>\w+)\[(?P<inner>.*)\]$")


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter declared in a notebook's ``parameters`` cell.

    ``type_name`` is the annotation as written, ``default`` the source text of
    the default value, ``help`` the trailing comment.
    """

    name: str
    type_name: str
    default: str
    help: str

    def accepts(self, value: object) -> bool:
        """Whether ``value`` has the declared type.

        >>> NotebookParameter("jobs", "int", "2", "").accepts(True)
        False
        >>> NotebookParameter("units", "Optional[List[str]]", "None", "").accepts(["X01", "Z02"])
        True
        """
        return _accepts(self.type_name, value)


def notebook_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """Return the parameters a notebook declares, by name, in the cell's order.

    Raises ParameterError when the notebook has no cell tagged ``parameters``
    or a parameter lacks a supported type annotation.
    """
    import papermill

    path = Path(notebook)
    found = papermill.inspect_notebook(str(path))
    if not found and not _has_parameters_cell(path):
        raise ParameterError(f"{path.name}: no cell tagged 'parameters'")
    unparsed = [name for name in _assigned_names(path) if name not in found]
    if unparsed:
        raise ParameterError(
            f"{path.name}: papermill cannot read the parameter line(s) of {unparsed}; "
            "write each as `name: type = value  # help` on one line, with type one of "
            f"{', '.join(_SCALARS)}, List[X], Dict[K, V], Optional[X] (not `X | None`)"
        )
    declared: dict[str, NotebookParameter] = {}
    for name, info in found.items():
        param = NotebookParameter(
            name=name,
            type_name=info["inferred_type_name"],
            default=info["default"],
            help=info["help"],
        )
        if param.type_name in ("None", ""):
            raise ParameterError(
                f"{path.name}: parameter {name!r} has no type annotation; "
                f"declare it as `{name}: str = {param.default}  # help text`"
            )
        if not _supported(param.type_name):
            raise ParameterError(
                f"{path.name}: parameter {name!r} has unsupported type {param.type_name!r}; "
                f"use one of {', '.join(_SCALARS)}, List[X], Dict[K, V] or Optional[X]"
            )
        declared[name] = param
    return declared


def validate_parameters(
    notebook: str | Path,
    parameters: Mapping[str, object],
    *,
    declared: Mapping[str, NotebookParameter] | None = None,
) -> dict[str, NotebookParameter]:
    """Check ``parameters`` against the notebook's declaration; return the declaration.

    ``declared``: the notebook's :func:`notebook_parameters`, when the caller has read
    them already (a run checks every unit's parameters against one notebook).

    Every problem is reported in one ParameterError, one line each:
    an unknown name, or a value whose type differs from the annotation.
    """
    path = Path(notebook)
    declared = dict(notebook_parameters(path) if declared is None else declared)
    problems = []
    for name, value in parameters.items():
        param = declared.get(name)
        if param is None:
            known = ", ".join(f"{p.name}: {p.type_name}" for p in declared.values()) or "none"
            problems.append(
                f"{path.name}: unknown parameter {name!r} = {value!r} "
                f"(the notebook declares {known})"
            )
        elif not param.accepts(value):
            problems.append(
                f"{path.name}: parameter {name!r} = {value!r} is {type(value).__name__}, "
                f"expected {param.type_name} ({param.help})"
            )
    if problems:
        raise ParameterError("\n".join(problems))
    return declared


def _parameters_source(path: Path) -> str | None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            return cell.source
    return None


def _has_parameters_cell(path: Path) -> bool:
    return _parameters_source(path) is not None


def _assigned_names(path: Path) -> list[str]:
    """Names the parameters cell assigns at top level, as Python reads it.

    A line papermill's pattern cannot read (``units: list[str] | None = None``)
    would otherwise silently stop being a parameter.
    """
    source = _parameters_source(path)
    try:
        tree = ast.parse(source or "")
    except SyntaxError:  # IPython magics: leave the cell to papermill
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _split_args(inner: str) -> list[str]:
    """Split ``"str, List[int]"`` at top-level commas."""
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current += char
    parts.append(current.strip())
    return parts


def _parse(type_name: str) -> tuple[str, list[str]]:
    text = type_name.strip()
    match = _GENERIC.match(text)
    if match is None:
        return text.lower() if text in ("List", "Dict") else text, []
    outer = match["outer"]
    outer = {"List": "list", "Dict": "dict"}.get(outer, outer)
    return outer, _split_args(match["inner"])


def _supported(type_name: str) -> bool:
    outer, args = _parse(type_name)
    if outer == "Optional":
        return len(args) == 1 and _supported(args[0])
    if outer == "list":
        return len(args) <= 1 and all(_supported(a) for a in args)
    if outer == "dict":
        return len(args) in (0, 2) and all(_supported(a) for a in args)
    return outer in _SCALARS and not args


def _accepts(type_name: str, value: object) -> bool:
    outer, args = _parse(type_name)
    if outer == "Optional":
        return value is None or _accepts(args[0], value)
    if isinstance(value, bool) and outer != "bool":
        return False  # bool is an int subclass, but True is no count
    if not isinstance(value, _SCALARS[outer]):
        return False
    if outer == "list" and args:
        return all(_accepts(args[0], item) for item in value)  # type: ignore[union-attr]
    if outer == "dict" and args:
        return all(
            _accepts(args[0], k) and _accepts(args[1], v)
            for k, v in value.items()  # type: ignore[union-attr]
        )
    return True
