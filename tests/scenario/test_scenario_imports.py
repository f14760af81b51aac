"""The scenario layer's modules import one way: no circle, no underscore name from another module.

Imports inside functions count; only an ``if TYPE_CHECKING:`` block is left out
(the package's lazy ``__init__`` names its targets there, for type checkers).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import dxsim.scenario

SCENARIO_DIR = Path(dxsim.scenario.__file__).parent

#: Each module of dxsim/scenario and the modules of the layer it may import.
ORDER = {
    "base": set(),
    "errors": set(),
    "limits": set(),
    "bounds": set(),
    "dists": {"base", "errors"},
    "overrides": {"errors"},
    "resolve": {"errors", "limits"},
    "uncertain": {"base", "bounds", "dists", "errors", "overrides"},
    "schema": {"base", "bounds", "dists", "errors", "limits", "overrides", "resolve", "uncertain"},
    "load": {"errors", "limits", "schema"},
    "variants": {"load", "schema"},
    "__init__": set(),  # lazy: names load when first used
}
#: Modules below the layer that it may import (the utilities).
UTILITIES = {"dxsim.random", "dxsim.finance", "dxsim.atomic"}


def imports(module: str, *, type_checking: bool = True) -> list[tuple[str, list[str]]]:
    """Every ``dxsim`` import of ``module``, at any depth: (module imported, names imported from it)."""
    tree = ast.parse((SCENARIO_DIR / f"{module}.py").read_text(encoding="utf-8"))
    if not type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                node.body = [ast.Pass()]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dxsim"):
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("dxsim")]
    return found


def test_every_module_of_the_layer_is_placed():
    assert {p.stem for p in SCENARIO_DIR.glob("*.py")} == set(ORDER)


@pytest.mark.parametrize("module", sorted(ORDER))
def test_imports_inside_the_layer_go_one_way(module):
    for imported, _ in imports(module, type_checking=False):
        if imported in UTILITIES:
            continue
        assert imported.startswith("dxsim.scenario."), f"{module} imports {imported}, outside the layer"
        assert imported.removeprefix("dxsim.scenario.") in ORDER[module], f"{module} imports {imported}"


@pytest.mark.parametrize("module", sorted(ORDER))
def test_no_underscore_name_is_imported_from_another_module(module):
    for imported, names in imports(module):
        assert not [n for n in names if n.startswith("_")], f"{module} imports {names} from {imported}"


def test_the_allowed_imports_have_no_circle():
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module not in done:
            for below in ORDER[module]:
                visit(below, (*path, module))
            done.add(module)

    for module in ORDER:
        visit(module, ())
