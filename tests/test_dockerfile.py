"""The Dockerfile, read statically (no Docker engine runs here): what the image must get right."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}


def test_torch_is_the_cpu_build_of_the_pinned_release():
    pin = re.search(r"^torch==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    install = re.search(r"pip install torch==(\S+) --index-url (\S+)", DOCKERFILE)
    assert install.group(1) == pin
    assert install.group(2).endswith("/whl/cpu")
    assert DOCKERFILE.index("--index-url") < DOCKERFILE.index("-r requirements.txt")  # CPU torch first


def test_serves_app_py_on_8501_as_a_non_root_user_with_a_health_check():
    assert "EXPOSE 8501" in DOCKERFILE
    assert re.search(r"^USER (?!root)\w+", DOCKERFILE, re.M)
    assert "HEALTHCHECK" in DOCKERFILE and "/_stcore/health" in DOCKERFILE
    assert '"app.py"' in DOCKERFILE and "--server.port=8501" in DOCKERFILE


def test_the_image_keeps_what_the_app_imports():
    for needed in ("app.py", "explorer", "pages", "ui", "requirements.txt"):
        assert needed not in IGNORED
