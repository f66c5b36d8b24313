"""One label and one help text per control, on every page."""

from __future__ import annotations

import ast
from pathlib import Path

from explorer.config import KEYS
from ui.help import HELP, LABELS

ROOT = Path(__file__).resolve().parents[2]


def test_every_config_key_has_a_control_name_and_a_help_text():
    assert set(LABELS) == set(KEYS)
    assert set(KEYS) - {"csv_path"} <= set(HELP)  # the file itself is chosen with the upload ("csv_upload")
    assert all(len(text) > 40 and text.endswith(".") for text in HELP.values())


def test_no_page_keeps_a_help_or_label_table_of_its_own():
    """A second `HELP = {...}` or `LABELS = {...}` in ui/ would let two pages explain one control differently."""
    tables = []
    for path in (ROOT / "ui").rglob("*.py"):
        if path.name == "help.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                tables += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in ("HELP", "LABELS")]
    assert not tables, tables
