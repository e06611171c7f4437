"""kpilib's layers: imports run one way only.

contract -> scoring, stats -> duties -> report -> sample, run -> cli.

Every ``import kpilib...`` statement of every module, at any depth (a function-level
import dodging a cycle is an upward import all the same), must target the importing
module's own layer or a lower one. Scoring and stats sit side by side and do not
import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kpilib"

#: Layer of each top-level part of kpilib: higher numbers may import lower ones only.
LAYERS = {
    "errors": 0,
    "exact": 0,
    "paths": 0,
    "contract": 1,
    "scoring": 2,
    "stats": 2,
    "duties": 3,
    "report": 4,
    "sample": 5,
    "run": 5,
    "cli": 6,
    "launch": 7,
}

#: The one function-level kpilib import allowed: the console script starts the report
#: workers' fork server before it imports the library (see kpilib/launch.py).
DEFERRED = {("kpilib.launch", "kpilib.cli")}
#: Parts on the same layer that must not import each other.
SIBLINGS = [{"scoring", "stats"}, {"sample", "run"}]


def _part(module: str) -> str:
    """'kpilib.report.store' -> 'report'; 'kpilib' -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, imported kpilib module, inside a function) of every kpilib import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend(
                    (child.lineno, a.name, in_function)
                    for a in child.names
                    if a.name.split(".")[0] == "kpilib"
                )
            elif (
                isinstance(child, ast.ImportFrom)
                and child.level == 0
                and (child.module or "").split(".")[0] == "kpilib"
            ):
                targets = [child.module]
                if child.module == "kpilib":  # from kpilib import contract, ...
                    targets = [f"kpilib.{a.name}" for a in child.names]
                found.extend((child.lineno, t, in_function) for t in targets)
            visit(child, nested)

    visit(tree, False)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_part_of_kpilib_has_a_layer():
    parts = {_part(_module_name(p)) for p in MODULES} - {""}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_run_downward_only(path):
    source = _module_name(path)
    source_part = _part(source)
    if source_part == "":  # kpilib/__init__.py: the facade may name any layer
        return
    problems = []
    for line, target, in_function in _imports(path):
        target_part = _part(target)
        if target_part in ("", "__version__"):
            continue
        if LAYERS[target_part] > LAYERS[source_part]:
            problems.append(f"line {line}: {source} imports {target} (a higher layer)")
        elif target_part != source_part and {source_part, target_part} in SIBLINGS:
            problems.append(f"line {line}: {source} imports its sibling {target}")
        if in_function and (source, target) not in DEFERRED:
            problems.append(f"line {line}: {source} imports {target} inside a function")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_an_upward_import(tmp_path):
    # The test must be able to fail: a contract module importing the runner is caught.
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from kpilib.run.runner import execute_run\n")
    assert _imports(bad) == [(2, "kpilib.run.runner", True)]
    assert LAYERS[_part("kpilib.run.runner")] > LAYERS["contract"]
