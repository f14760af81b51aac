"""The house rules of docs/design.md, as tests that fail when broken (issue 12).

The layers are read from the import contract (``.importlinter``, which
``make test`` also checks with import-linter), so the rule has one copy.
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dxsim"
#: Longest function (lines, decorators and docstring included) outside declarative tables.
MAX_FUNCTION_LINES = 90
#: Most attributes a class sets on ``self`` (declared fields of dataclasses and pydantic models are tables).
MAX_INSTANCE_ATTRIBUTES = 16


def layers() -> list[tuple[list[str], bool]]:
    """``[(modules, independent), ...]`` from the top layer down, as ``.importlinter`` states them."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    out = []
    for line in config["importlinter:contract:layers"]["layers"].strip().splitlines():
        independent = "|" in line
        out.append(([m.strip() for m in line.replace("|", ":").split(":")], independent))
    return out


def layer_of(module: str) -> tuple[int, str] | None:
    for i, (modules, _) in enumerate(layers()):
        for top in modules:
            if module == top or module.startswith(top + "."):
                return i, top
    return None


def build() -> grimp.ImportGraph:
    return grimp.build_graph("dxsim", include_external_packages=True, exclude_type_checking_imports=True)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return build()


def upward_imports(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    """Imports from a lower layer to a higher one, or between independent siblings."""
    independent = {i for i, (_, ind) in enumerate(layers()) if ind}
    bad = []
    for importer in sorted(m for m in graph.modules if m.startswith("dxsim")):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            a, b = layer_of(importer), layer_of(imported)
            if a is None or b is None:
                continue
            if b[0] < a[0] or (a[0] == b[0] and a[0] in independent and a[1] != b[1]):
                bad.append((importer, imported))
    return bad


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one dxsim module (Tarjan)."""
    nodes = sorted(m for m in graph.modules if m.startswith("dxsim"))
    edges = {m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n.startswith("dxsim")) for m in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in nodes:
        if v not in index:
            visit(v)
    return found


def test_data_flows_one_way(graph):
    assert upward_imports(graph) == []


def test_an_upward_import_is_caught():
    graph = build()
    graph.add_import(importer="dxsim.scenario.schema", imported="dxsim.results.dataset")
    graph.add_import(importer="dxsim.analysis.metrics", imported="dxsim.experiment.simulate")
    assert {
        ("dxsim.analysis.metrics", "dxsim.experiment.simulate"),
        ("dxsim.scenario.schema", "dxsim.results.dataset"),
    } <= set(upward_imports(graph))


def test_no_import_circle(graph):
    assert circles(graph) == []


def test_a_circle_is_caught():
    graph = build()
    graph.add_import(importer="dxsim.finance", imported="dxsim.random")
    graph.add_import(importer="dxsim.random", imported="dxsim.finance")
    assert ["dxsim.finance", "dxsim.random"] in circles(graph)


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def underscore_imports(tree: ast.Module) -> list[str]:
    """``from dxsim... import _name`` (dunders such as ``__version__`` are not private)."""
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dxsim")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_no_underscore_name_imported_from_another_module():
    bad = {str(path.relative_to(ROOT)): names for path, tree in modules() if (names := underscore_imports(tree))}
    assert bad == {}


def test_an_underscore_import_is_caught():
    assert underscore_imports(ast.parse("from dxsim.model.world import _private, __version__, public")) == [
        "dxsim.model.world._private"
    ]


def test_simpy_only_in_the_model():
    users = set()
    for path, tree in modules():
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "simpy" or n.startswith("simpy.") for n in names):
                users.add(path.relative_to(PACKAGE).parts[0])
    assert users <= {"model"}


def long_functions(tree: ast.Module) -> list[tuple[str, int]]:
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_no_long_function():
    bad = {str(path.relative_to(ROOT)): found for path, tree in modules() if (found := long_functions(tree))}
    assert bad == {}


def instance_attributes(cls: ast.ClassDef) -> set[str]:
    return {
        target.attr
        for node in ast.walk(cls)
        for target in (node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)])
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }


def test_no_class_with_too_many_attributes():
    bad = {
        f"{path.relative_to(ROOT)}:{node.name}": len(attrs)
        for path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and len(attrs := instance_attributes(node)) > MAX_INSTANCE_ATTRIBUTES
    }
    assert bad == {}


HEAVY = ["simpy", "SALib", "scipy.optimize", "dask", "distributed", "zarr", "matplotlib", "openpyxl", "loky", "optuna"]


def loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_import_dxsim_is_lazy():
    assert loaded_after("import dxsim") == []


def test_summarize_does_not_load_simpy():
    assert "simpy" not in loaded_after("from dxsim.analysis.metrics import summarize")


def test_a_lazy_name_loads_its_module():
    assert "simpy" in loaded_after("import dxsim; dxsim.simulate")


def test_every_public_name_resolves():
    import dxsim

    for name in dxsim.__all__:
        assert getattr(dxsim, name) is not None, name


def test_all_lists_every_lazy_name():
    import dxsim

    assert sorted(dxsim.__all__) == sorted(["__version__", *dxsim._WHERE])
