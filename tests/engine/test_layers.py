"""The layout keeps its promise: imports point down the layers, no cycles, and a thin top level."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# explorer's layers, bottom first: a module may import its own layer and those below, never above.
LAYERS = ("errors", "config", "data", "core", "runs", "sweeps", "rooms", "teaching", "charts", "cli", "__main__")
TOP_LEVEL_MODULES_MAX = 5


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, prefixes: tuple[str, ...]) -> set[str]:
    """The project modules `path` imports at run time (`from explorer import config` counts as explorer.config)."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in prefixes)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in prefixes:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node but those under `if TYPE_CHECKING:` (type hints import nothing at run time)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        yield node
        yield from _runtime_nodes(node)


def graph(package: str) -> dict[str, set[str]]:
    files = {module_name(p): p for p in (ROOT / package).rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in files.items():
        edges[name] = {target for target in imports_of(path, (package,)) if target in files and target != name}
    return edges


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_explorer_imports_point_down_the_layers():
    upward = [
        f"{source} imports {target}"
        for source, targets in graph("explorer").items()
        for target in targets
        if layer(source) in LAYERS
        and layer(target) in LAYERS
        and LAYERS.index(layer(target)) > LAYERS.index(layer(source))
    ]
    assert not upward, "imports against the layers: " + "; ".join(sorted(upward))


def test_every_explorer_package_has_a_layer():
    packages = {layer(name) for name in graph("explorer")} - {"__init__"}
    assert packages <= set(LAYERS), f"place these in LAYERS: {sorted(packages - set(LAYERS))}"


def test_the_rooms_reach_only_the_contracts_and_the_statistics():
    """The rooms' database side needs the Config and medians over seeds, never training (nor torch with it)."""
    allowed = ("explorer.errors", "explorer.config", "explorer.sweeps.stats", "explorer.rooms")
    packages = ("explorer", "explorer.sweeps")  # `from explorer.sweeps import stats` names the package too
    wrong = [
        f"{source} imports {target}"
        for source, targets in graph("explorer").items()
        if layer(source) == "rooms"
        for target in targets
        if target not in packages and not any(target == a or target.startswith(a + ".") for a in allowed)
    ]
    assert not wrong, "; ".join(sorted(wrong))


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    seen: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in seen:
            return
        seen.add(node)
        for target in sorted(edges.get(node, ())):
            visit(target, [*path, node])

    for start in sorted(edges):
        visit(start, [])
    return found


def test_no_import_cycles_in_the_engine_or_the_ui():
    for package in ("explorer", "ui"):
        edges = graph(package)
        # a package's __init__ re-exporting its modules is not a cycle of behaviour
        edges = {s: {t for t in ts if not s.startswith(t + ".")} for s, ts in edges.items()}
        cycles = _cycles(edges)
        assert not cycles, f"{package}: import cycle {' → '.join(cycles[0])}"


def test_the_engine_imports_no_streamlit_and_the_top_level_stays_thin():
    for path in (ROOT / "explorer").rglob("*.py"):
        assert not {m for m in imports_of(path, ("streamlit",))}, f"{path.relative_to(ROOT)} imports streamlit"
    top = sorted(p.name for p in (ROOT / "explorer").glob("*.py"))
    assert len(top) <= TOP_LEVEL_MODULES_MAX, f"explorer/ holds {top}: move modules into its sub-packages"


def test_a_page_package_does_not_reach_into_another_pages_views_or_state():
    """Pages share through ui/'s top level; a page package may only call another's documented handoff."""
    handoffs = {"ui.compare.controls.ask"}  # Learn opens a comparison on Compare
    pages = ("train", "data", "compare", "learn", "rooms")
    crossing = []
    for own in pages:
        for path in (ROOT / "ui" / own).rglob("*.py"):
            for target in imports_of(path, ("ui",)):
                parts = target.split(".")
                other_page = len(parts) > 1 and parts[1] in pages and parts[1] != own
                if other_page and not any(h == target or h.startswith(target + ".") for h in handoffs):
                    crossing.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not crossing, "; ".join(crossing)


def test_tests_share_helpers_through_support_only_and_never_import_bench():
    """A test module imported by another runs its tests twice and hides where a helper lives."""
    wrong = []
    for path in (ROOT / "tests").rglob("*.py"):
        for target in imports_of(path, ("tests", "bench")):
            if target.startswith("bench") or not target.startswith(("tests.support", "tests.conftest")):
                wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not wrong, "; ".join(sorted(wrong))
