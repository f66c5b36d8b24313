"""What the chart modules share (explorer/charts/base.py): thinning, compact frames, and the rule that keeps the
pages' chart modules apart: shared things are defined in base.py only, and no page module imports another."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer.charts import base

CHARTS = Path(base.__file__).parent
MODULES = {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in CHARTS.glob("*.py")}
SHARED = {
    "Spec",
    "Chart",
    "CANVAS",
    "PALETTE",
    "scheme",
    "thin_indices",
    "finite",
    "compact_frame",
    "EPOCH_X",
    "EPOCH_TIP",
    "with_latest",
    "noise_sentence",
}
PARTS = {"train": {"insides", "network"}, "network": {"insides"}}  # the Train page's own parts; no other page's


@pytest.mark.parametrize("n", [0, 1, 299, 300, 301, 599, 2_000, 5_000])
def test_thinning_keeps_at_most_max_points_with_the_first_and_last(n: int):
    kept = base.thin_indices(n, 300)
    assert len(kept) <= 300 and len(kept) == min(n, len(kept))
    if n:
        assert kept[0] == 0 and kept[-1] == n - 1
        assert np.all(np.diff(kept) > 0)


def test_thinned_points_stay_put_as_a_run_grows():
    """Between stride doublings the kept epochs of a longer run include those of a shorter one."""
    short, longer = set(base.thin_indices(1_000)), set(base.thin_indices(1_100))
    assert len(short - longer) <= 1  # only the old "last" point may go


def test_a_compact_frame_sends_text_as_categories_and_floats_as_float32():
    frame = base.compact_frame(
        {"name": np.array(["a", "b", "a"], dtype=object), "x": np.array([1.0, 2.0, 3.0]), "n": np.arange(3)}
    )
    assert isinstance(frame["name"].dtype, pd.CategoricalDtype) and list(frame["name"]) == ["a", "b", "a"]
    assert frame["x"].dtype == np.float32 and frame["n"].dtype == np.int64
    assert base.finite([1.0, np.inf, 0.0], positive=True).tolist()[0] == 1.0
    assert np.isnan(base.finite([1.0, np.inf, 0.0], positive=True)[1:]).all()


def _defined(tree: ast.Module) -> set[str]:
    """Top-level names a module defines itself (functions, classes, assignments), not those it imports."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"base", "__init__"}))
def test_shared_things_are_defined_in_base_only(module: str):
    again = {name.lstrip("_") for name in _defined(MODULES[module])} & SHARED
    assert not again, f"explorer/charts/{module}.py defines {sorted(again)}: import them from base.py"
    assert _defined(MODULES["base"]) >= SHARED


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"__init__"}))
def test_no_page_module_imports_another_pages_module(module: str):
    siblings = set(MODULES) - {"base", "__init__", module}
    used = set()
    for node in ast.walk(MODULES[module]):
        if isinstance(node, ast.ImportFrom) and node.module == "explorer.charts":
            used |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("explorer.charts."):
            used.add(node.module.rsplit(".", 1)[1])
        elif isinstance(node, ast.Import):
            used |= {a.name.rsplit(".", 1)[1] for a in node.names if a.name.startswith("explorer.charts.")}
    wrong = (used & siblings) - PARTS.get(module, set())
    assert not wrong, f"explorer/charts/{module}.py imports {sorted(wrong)}: share it through base.py instead"
