"""The docs against the code: docs/reference.md documents every Config key with its true default, every
value of the choice keys and every environment variable the code reads; every repository path that
README.md and docs/ name exists, and every link between them lands."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from explorer import config as cfg

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
REFERENCE = ROOT / "docs" / "reference.md"
DOCS = (README, ARCHITECTURE, REFERENCE)
EMPTY = "(empty)"  # how a table shows a default that is the empty string

# Where the environment variables the project reads are named: the code, its deployment files and the tests.
ENV_SOURCES = ("explorer", "ui", "pages", "app.py", "bench", "deploy", "tests", "docker-compose.yml", "Dockerfile")
ENV_NAME = re.compile(r"\bEXPLORER_[A-Z0-9_]*[A-Z0-9]\b")


# ---- reading markdown, simply ----------------------------------------------------------------------------
def _without_fences(text: str) -> str:
    """The text with its fenced code blocks blanked (their lines are commands and schemas, not prose)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def _cells(line: str) -> list[str]:
    """A table row's cells; a `|` inside backticks or escaped as `\\|` does not split."""
    line = line.strip().removeprefix("|")
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells, current, in_code, previous = [], "", False, ""
    for char in line:
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code and previous != "\\":
            cells.append(current.strip())
            current = ""
        else:
            current += char
        previous = char
    cells.append(current.strip())
    return cells


def tables(text: str) -> list[list[list[str]]]:
    """Every table of a markdown text as rows of cells, the header first, without the `|---|` line."""
    found, rows = [], []
    for line in [*_without_fences(text).splitlines(), ""]:
        if line.lstrip().startswith("|"):
            if not re.fullmatch(r"\|?[\s:|-]+\|?", line.strip()):
                rows.append(_cells(line))
        elif rows:
            found.append(rows)
            rows = []
    return found


def _plain(cell: str) -> str:
    return cell.replace("`", "").strip()


def tables_headed(text: str, first: str) -> list[list[list[str]]]:
    return [t for t in tables(text) if t and _plain(t[0][0]).lower() == first]


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def key_table() -> tuple[list[str], dict[str, list[str]]]:
    """reference.md's table of Config keys: its header and, per key, its row."""
    candidates = [t for t in tables_headed(_read(REFERENCE), "key") if "default" in map(str.lower, t[0])]
    assert len(candidates) == 1, "docs/reference.md needs exactly one table headed | key | … | default | …"
    header, *rows = candidates[0]
    by_key: dict[str, list[str]] = {}
    for row in rows:
        name = _plain(row[0])
        assert name not in by_key, f"docs/reference.md documents key {name!r} twice"
        by_key[name] = row
    return [h.lower() for h in header], by_key


# ---- keys -------------------------------------------------------------------------------------------------
def test_every_key_is_documented_and_every_documented_key_exists():
    _, rows = key_table()
    missing = [name for name in cfg.KEYS if name not in rows]
    unknown = [name for name in rows if name not in cfg.KEYS]
    assert not missing, f"keys in explorer.config.KEYS missing from docs/reference.md's key table: {missing}"
    assert not unknown, f"docs/reference.md documents keys that explorer.config.KEYS does not have: {unknown}"


def test_the_keys_are_documented_in_config_order():
    _, rows = key_table()
    assert list(rows) == [name for name in cfg.KEYS if name in rows], (
        "docs/reference.md's key table should list the keys in Config order: " + ", ".join(cfg.KEYS)
    )


def test_every_documented_default_is_the_configs_default():
    header, rows = key_table()
    column = header.index("default")
    defaults = cfg.Config()
    wrong = []
    for name, row in rows.items():
        if name not in cfg.KEYS:
            continue
        shown = _plain(row[column])
        shown = "" if shown == EMPTY else shown
        expected = cfg.format_value(getattr(defaults, name))
        if shown != expected:
            wrong.append(f"{name}: documented {shown or EMPTY!r}, Config() has {expected or EMPTY!r}")
    assert not wrong, "docs/reference.md's defaults differ from Config(): " + "; ".join(wrong)


def test_every_documented_group_is_the_keys_group():
    header, rows = key_table()
    column = header.index("group")
    wrong = [
        f"{name}: documented {_plain(row[column])!r}, KEYS says {cfg.KEYS[name].group!r}"
        for name, row in rows.items()
        if name in cfg.KEYS and _plain(row[column]) != cfg.KEYS[name].group
    ]
    assert not wrong, "docs/reference.md's key groups differ from explorer.config.KEYS: " + "; ".join(wrong)


def test_the_live_keys_are_the_ones_documented_live():
    header, rows = key_table()
    column = header.index("on change")
    documented = sorted(name for name, row in rows.items() if _plain(row[column]) == "live")
    assert documented == sorted(cfg.LIVE_KEYS), (
        f"docs/reference.md marks {documented} live; explorer.config.LIVE_KEYS is {sorted(cfg.LIVE_KEYS)}"
    )


@pytest.mark.parametrize("name", ["DATASETS", "SCALERS", "ACTIVATIONS", "NORMS", "OPTIMIZERS", "INITS"])
def test_every_value_of_a_choice_key_is_documented(name):
    text = _read(REFERENCE)
    missing = [value for value in getattr(cfg, name) if f"`{value}`" not in text]
    assert not missing, f"explorer.config.{name} values missing from docs/reference.md: {missing}"


def test_every_init_shape_is_documented():
    missing = [shape for shape in cfg.INIT_SHAPES if f"`{shape}:<std>`" not in _read(REFERENCE)]
    assert not missing, f"init=<shape>:<std> forms missing from docs/reference.md: {missing}"


def test_every_skew_kind_is_documented():
    from explorer.config.skew_grammar import KINDS

    documented = {_plain(row[0]) for t in tables_headed(_read(REFERENCE), "kind") for row in t[1:]}
    missing = [kind for kind in KINDS if kind not in documented]
    unknown = sorted(documented - set(KINDS))
    assert not missing, f"skew kinds missing from docs/reference.md's table of kinds: {missing}"
    assert not unknown, f"docs/reference.md's table of kinds has kinds the grammar does not: {unknown}"


# ---- environment variables --------------------------------------------------------------------------------
def _env_names_in_code() -> dict[str, str]:
    """Every EXPLORER_* name in the project's code and deployment files, with one file that names it."""
    names: dict[str, str] = {}
    for source in ENV_SOURCES:
        path = ROOT / source
        files = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for file in files:
            if not file.is_file() or file.suffix not in ("", ".py", ".yml", ".yaml", ".conf", ".toml", ".sh"):
                continue
            if file.resolve() == Path(__file__).resolve() or "__pycache__" in file.parts:
                continue
            for found in ENV_NAME.findall(file.read_text(encoding="utf-8", errors="replace")):
                names.setdefault(found, str(file.relative_to(ROOT)))
    return names


def test_every_environment_variable_is_documented():
    documented = {_plain(row[0]) for t in tables_headed(_read(REFERENCE), "variable") for row in t[1:]}
    names = _env_names_in_code()
    assert {"EXPLORER_TRAINING_WORKERS", "EXPLORER_DASK_SCHEDULER"} <= set(names), "the scan found no code"
    missing = [f"{name} (in {where})" for name, where in sorted(names.items()) if name not in documented]
    assert not missing, f"environment variables missing from docs/reference.md's variable tables: {missing}"


# ---- paths and links --------------------------------------------------------------------------------------
@cache
def _tracked() -> frozenset[str]:
    """Files git tracks (a checkout may lack some, e.g. CI's own scripts); empty without git."""
    if shutil.which("git") is None:
        return frozenset()
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    return frozenset(done.stdout.splitlines()) if done.returncode == 0 else frozenset()


def _exists(relative: str) -> bool:
    if (ROOT / relative).exists():
        return True
    relative = relative.rstrip("/")
    return any(path == relative or path.startswith(relative + "/") for path in _tracked())


PATHLIKE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.\-]+)*/?")
FILE_SUFFIXES = (".py", ".md", ".toml", ".yml", ".yaml", ".conf", ".txt", ".png", ".json", ".cfg", ".ini")
TOP_FILES = ("Dockerfile", "Makefile")


def quoted_paths(text: str) -> set[str]:
    """Repository paths quoted in `backticks` outside code blocks: with a `/`, or a file name with a suffix.

    Placeholders (`ui/<page>/`, `pages/*.py`), absolute paths, URLs, commands and module names are skipped.
    """
    paths = set()
    for quoted in re.findall(r"`([^`\n]+)`", _without_fences(text)):
        if not PATHLIKE.fullmatch(quoted) or quoted.startswith(("/", "..")):
            continue
        if "/" in quoted or quoted.endswith(FILE_SUFFIXES) or quoted in TOP_FILES:
            paths.add(quoted)
    return paths


def _bare_file_names(paths: set[str]) -> set[str]:
    """Names such as `sections.py` given beside their folder (`ui/learn/` (`sections.py`, …)): not paths."""
    return {p for p in paths if "/" not in p and not (ROOT / p).exists() and p not in TOP_FILES}


@pytest.mark.parametrize("doc", [README, ARCHITECTURE, REFERENCE], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quoted_path_exists(doc):
    paths = quoted_paths(_read(doc))
    paths -= _bare_file_names(paths)
    missing = sorted(p for p in paths if not _exists(p))
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_architecture_names_every_module_in_its_folder():
    """A bare module name in architecture.md is one of the files of a folder it names: it must exist there."""
    text = _without_fences(_read(ARCHITECTURE))
    missing = []
    for folder, listed in re.findall(r"`((?:explorer|ui|pages)/(?:[a-z_]+/)*)` \(([^)]*)\)", text):
        for name in re.findall(r"`([a-z_]+\.py)`", listed):
            if not (ROOT / folder / name).exists():
                missing.append(folder + name)
    assert not missing, f"docs/architecture.md lists modules that do not exist: {missing}"


def test_the_architecture_lists_every_engine_module():
    """A new module in an engine package is named beside its folder's listing (or the layer table lies)."""
    text = _without_fences(_read(ARCHITECTURE))
    listed = {
        folder + name
        for folder, names in re.findall(r"`(explorer/[a-z_]+/)` \(([^)]*)\)", text)
        for name in re.findall(r"`([a-z_]+\.py)`", names)
    }
    modules = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "explorer").glob("*/*.py")
        if path.name != "__init__.py" and path.parent.name != "__pycache__"
    }
    assert not modules - listed, f"docs/architecture.md does not list: {sorted(modules - listed)}"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_lands(doc):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _without_fences(_read(doc))):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            broken.append(target)
            continue
        if anchor and path.suffix == ".md":
            headings = re.findall(r"^#+\s+(.+)$", _without_fences(path.read_text(encoding="utf-8")), re.M)
            if anchor not in {_slug(h) for h in headings}:
                broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)} has links that land nowhere: {broken}"


def test_the_docs_point_at_the_repository_not_the_old_design_file():
    stale = [str(d.relative_to(ROOT)) for d in DOCS if "../shared" in _read(d) or "DESIGN.md" in _read(d)]
    assert not stale, f"these still send readers to ../shared/DESIGN.md, which a checkout lacks: {stale}"


def test_the_readme_starts_with_the_two_set_up_commands():
    fences = re.findall(r"^```\w*\n(.*?)^```", _read(README), flags=re.S | re.M)
    assert fences, "README.md has no code block"
    commands = [line.split("#")[0].strip() for line in fences[0].splitlines() if line.strip()]
    assert commands[:2] == ["make run", "make test"], f"README.md's first commands are {commands[:2]}"
    assert "docs/architecture.md" in _read(README), "README.md should link docs/architecture.md"
    assert "docs/reference.md" in _read(README), "README.md should link docs/reference.md"
