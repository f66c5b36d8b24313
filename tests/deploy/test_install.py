"""`pip install .` (not editable) into a fresh venv: the `explorer` command it installs trains and lists its
sub-commands from a directory outside the checkout, on the installed package, not the checkout's code.

No network: the new venv sees this interpreter's site-packages (the requirements, and setuptools, which torch
requires) through a .pth file, and pip installs with --no-deps --no-build-isolation. pip builds from a copy of
the checkout, so setuptools' build/ and *.egg-info never land in the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "*.egg-info", "build", "dist", "tmp"
)
COMMANDS = ("train", "describe", "sweep", "landscape")


class Installed:
    def __init__(self, base: Path) -> None:
        self.source = base / "source"
        shutil.copytree(ROOT, self.source, ignore=NOT_SOURCE, symlinks=True)
        self.venv = base / "venv"
        self.elsewhere = base / "elsewhere"  # the working directory of every command: neither checkout nor copy
        self.elsewhere.mkdir()
        # Nothing from the caller's environment may put the checkout on the path, or reach an index.
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
        self.env.update(PYTHONNOUSERSITE="1", PIP_NO_INDEX="1", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        self.run(sys.executable, "-m", "venv", "--without-pip", str(self.venv))
        self.python = str(self.venv / ("Scripts" if os.name == "nt" else "bin") / "python")
        paths = self.run(self.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout
        self.site_packages = Path(paths.strip())
        # This interpreter's site directories, as plain lines rather than site.addsitedir: the .pth files in them
        # (an editable install's, as `make` sets up) stay unread, so the checkout is not importable.
        ours = [path for path in dict.fromkeys(sys.path) if Path(path).name in ("site-packages", "dist-packages")]
        assert ours, sys.path
        (self.site_packages / "_requirements_from_the_test_venv.pth").write_text("\n".join(ours) + "\n")
        # --ignore-installed: an editable install of the project in the test venv is left alone, not "upgraded".
        self.run(
            self.python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--ignore-installed", "--quiet",
            str(self.source),
        )  # fmt: skip
        scripts = self.run(self.python, "-c", "import sysconfig; print(sysconfig.get_path('scripts'))").stdout
        self.explorer = str(Path(scripts.strip()) / "explorer")

    def run(self, *argv: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            argv, cwd=getattr(self, "elsewhere", None), env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check:
            assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return Installed(tmp_path_factory.mktemp("install"))


def test_the_explorer_command_trains_and_prints_a_report(installed: Installed) -> None:
    out = installed.run(installed.explorer, "train", "--epochs", "2").stdout
    assert "epochs run   2 in " in out, out
    for line in ("train_loss", "test_loss", "test_accuracy", "layer  stage"):
        assert line in out, out


def test_the_help_lists_the_sub_commands_under_the_commands_name(installed: Installed) -> None:
    out = installed.run(installed.explorer, "--help").stdout
    assert out.startswith("usage: explorer "), out
    for command in COMMANDS:
        assert command in out, out
    wrong = installed.run(installed.explorer, "fly", check=False)
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("explorer: error: argument command: invalid choice: 'fly'"), wrong.stderr
    assert wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr


def test_python_dash_m_explorer_is_the_same_program_under_its_own_name(installed: Installed) -> None:
    wrong = installed.run(installed.python, "-m", "explorer", "train", "--lr", "abc", check=False)
    assert wrong.returncode == 2 and wrong.stderr.startswith("python -m explorer train: error: "), wrong.stderr


def test_the_package_comes_from_the_new_venv_whole(installed: Installed) -> None:
    where = installed.run(installed.python, "-c", "import explorer.cli; print(explorer.__file__)").stdout.strip()
    package = Path(where).parent
    assert package == installed.site_packages / "explorer", where
    assert not package.resolve().is_relative_to(ROOT.resolve())
    source = installed.source / "explorer"
    modules = {path.relative_to(source) for path in source.rglob("*.py")}
    assert modules, source
    assert modules <= {path.relative_to(package) for path in package.rglob("*.py")}  # every sub-package
