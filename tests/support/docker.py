"""Shared by the Docker tests: a Docker daemon, a base image, the project's image and a running container.

No image registry is reachable from the machines this project is tested on, so `python:3.11-slim` cannot
be pulled. The tests build the project's Dockerfile on a stand-in instead: Debian 12 (Python 3.11) made
with debootstrap from the apt mirror this machine already uses, with `python`/`pip` on PATH from a venv
and the CPU build of torch pre-installed from wherever this machine's pip finds it (its local wheel), so
the build downloads no torch. It is cached under a tag that hashes its recipe, so only the first run pays
for it. `EXPLORER_DOCKER_BASE_IMAGE=python:3.11-slim` builds on the real base instead, where it can be
pulled.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "normalization-explorer:test"
BASE_REPOSITORY = "normalization-explorer-base"
SUITE = "bookworm"  # Debian 12: its python3 is 3.11, the Python of python:3.11-slim
PACKAGES = ("python3", "python3-venv", "ca-certificates")  # minbase plus these: nothing the build does not use
VENV = "/opt/python"  # `python` and `pip` on PATH, as in python:3.11-slim; Debian's own pip refuses system installs
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# The host's CA bundle, so pip in the build trusts what the host's pip trusts (this network re-signs TLS).
# Not /etc/ssl/certs/ca-certificates.crt: Debian's ca-certificates package rewrites that one.
IMAGE_CA = "/usr/local/share/host-ca/ca-bundle.crt"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DOCKERD_LOG = Path(tempfile.gettempdir()) / "explorer-test-dockerd.log"


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`docker ARGS`, text output captured; a failure shows docker's own stderr."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        pytest.fail(f"docker {' '.join(args)} exited {done.returncode}:\n{(done.stdout + done.stderr)[-4000:]}")
    return done


def _daemon_answers() -> bool:
    try:
        return docker("info", timeout=20, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@contextlib.contextmanager
def docker_daemon() -> Iterator[None]:
    """A Docker daemon for the tests: the running one, or a `dockerd` started here and stopped after.

    Skips (with the reason) only where no daemon runs and none can be started.
    """
    if shutil.which("docker") is None:
        pytest.skip("no docker client on PATH (apt-get install docker.io; .ci/run does)")
    if _daemon_answers():
        yield
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        pytest.skip("no Docker daemon runs and dockerd is not installed (apt-get install docker.io; .ci/run does)")
    if os.geteuid() != 0:
        pytest.skip("no Docker daemon runs and starting dockerd needs root")
    # No --storage-driver: dockerd takes overlay2 where the kernel allows it and falls back to vfs (slow:
    # every layer is a full copy) where it does not, as inside some containers.
    with DOCKERD_LOG.open("wb") as log:
        daemon = subprocess.Popen([dockerd], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _daemon_answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                tail = DOCKERD_LOG.read_text(errors="replace")[-1500:]
                pytest.skip(f"dockerd could not start (exit {daemon.poll()}); its log ends:\n{tail}")
            time.sleep(0.5)
        yield
    finally:
        stop(daemon, timeout=30)


def _torch_pin() -> str:
    return re.search(r"^torch==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)


def debian_mirror() -> str:
    """The Debian archive apt uses here (debootstrap needs one; deb.debian.org may not be reachable)."""
    if mirror := os.environ.get("EXPLORER_DEBIAN_MIRROR"):
        return mirror
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        text = source.read_text(errors="replace") if source.is_file() else ""
        for uri in re.findall(r"(?:^URIs:\s*|^deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text, re.M):
            if uri.rstrip("/").endswith("/debian"):
                return uri
    return DEFAULT_MIRROR


def _chroot(rootfs: Path, *command: str) -> None:
    """COMMAND inside ROOTFS with a clean environment: the host's pip settings (its wheel folders,
    constraints) name paths that do not exist there."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"  # looked up here: ENV's PATH has no sbin
    done = subprocess.run([chroot, str(rootfs), *command], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"in the stand-in base, {' '.join(command)} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def _download_torch(into: Path) -> None:
    """torch==PIN and its dependencies as wheels, from wherever this machine's pip takes them.

    Here that is a local CPU wheel; a CUDA build would cost gigabytes and is refused.
    """
    pin = _torch_pin()
    command = [sys.executable, "-m", "pip", "download", f"torch=={pin}", "--only-binary=:all:", "-d", str(into)]
    subprocess.run([*command, "--quiet"], check=True, capture_output=True, timeout=900)
    wheels = [wheel.name for wheel in into.glob("torch-*.whl")]
    if not any(f"{pin}+cpu" in name for name in wheels):
        pytest.fail(f"pip here resolves torch=={pin} to {wheels}, not a CPU build: set EXPLORER_DOCKER_BASE_IMAGE")


def _build_base(tag: str) -> None:
    """Debian minbase + Python 3.11 venv + CPU torch + the host's CA bundle, imported as TAG."""
    for tool in ("debootstrap", "chroot", "tar"):
        if shutil.which(tool) is None:
            pytest.fail(f"the stand-in base image needs {tool} (apt-get install debootstrap; .ci/run does)")
    with tempfile.TemporaryDirectory(prefix="explorer-base-", dir="/var/tmp") as tmp:
        rootfs, wheels = Path(tmp) / "rootfs", Path(tmp) / "rootfs" / "tmp" / "wheels"
        debootstrap = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(rootfs)]
        done = subprocess.run([*debootstrap, debian_mirror()], capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            pytest.fail(f"debootstrap failed:\n{(done.stdout + done.stderr)[-3000:]}")
        _download_torch(wheels)
        _chroot(rootfs, "python3", "-m", "venv", VENV)
        pip = [f"{VENV}/bin/pip", "install", "--no-index", "--find-links", "/tmp/wheels", f"torch=={_torch_pin()}"]
        _chroot(rootfs, *pip)
        shutil.rmtree(wheels)
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):  # as in python:3.11-slim: no apt caches
            for item in (rootfs / cache).glob("*"):
                if item.is_file():
                    item.unlink()
        ca = rootfs / IMAGE_CA.lstrip("/")
        ca.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HOST_CA, ca)
        changes = [
            f"ENV PATH={VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ENV LANG=C.UTF-8",
            f"ENV PIP_CERT={IMAGE_CA}",
            'CMD ["python"]',
        ]
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["docker", "import", *(f"--change={change}" for change in changes), "-", tag],
            stdin=tar.stdout, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            pytest.fail(f"docker import of the stand-in base failed: {imported.stderr[-2000:]}")


def base_image() -> str:
    """The image to build FROM: EXPLORER_DOCKER_BASE_IMAGE, or the stand-in, built once per recipe.

    Its tag hashes what decides its content (this recipe's code, the package list, the torch pin, the CA
    bundle), so an unchanged recipe reuses the image `docker image inspect` finds.
    """
    if named := os.environ.get("EXPLORER_DOCKER_BASE_IMAGE"):
        return named
    recipe = hashlib.sha256()
    for part in (inspect.getsource(_build_base), inspect.getsource(_download_torch), SUITE, *PACKAGES, VENV):
        recipe.update(part.encode())
    recipe.update(_torch_pin().encode())
    recipe.update(HOST_CA.read_bytes() if HOST_CA.exists() else b"no host CA")
    tag = f"{BASE_REPOSITORY}:{recipe.hexdigest()[:16]}"
    if docker("image", "inspect", tag, check=False).returncode != 0:
        if os.geteuid() != 0:
            pytest.fail("the stand-in base image needs root (debootstrap, chroot); or set EXPLORER_DOCKER_BASE_IMAGE")
        _build_base(tag)
        stale = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", BASE_REPOSITORY).stdout.split()
        for old in set(stale) - {tag}:  # earlier recipes' bases: a GB each, never used again
            docker("rmi", old, check=False)
    return tag


def build_image(base: str) -> None:
    """The project's Dockerfile, as a user builds it, FROM BASE; torch's index stays the default."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}  # the classic builder: no buildx plugin needed
    command = ["docker", "build", "--build-arg", f"BASE_IMAGE={base}", "-t", IMAGE, str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    if done.returncode != 0:
        pytest.fail(f"docker build failed:\n{(done.stdout + done.stderr)[-5000:]}")


def _wait_healthy(url: str, container: str, seconds: float = 120) -> None:
    def logs() -> str:
        logged = docker("logs", container, check=False)
        return (logged.stdout + logged.stderr)[-3000:]

    def dead() -> bool:
        return docker("inspect", "-f", "{{.State.Running}}", container, check=False).stdout.strip() != "true"

    wait_for_http(f"{url}/_stcore/health", "the container", seconds, dead=dead, logs=logs, pause=0.5)


@contextlib.contextmanager
def running_container() -> Iterator[tuple[str, str]]:
    """The image run as a user runs it (port 8501 published to a free loopback port); yields (id, base URL)
    once /_stcore/health answers, and removes the container after."""
    container = docker("run", "-d", "-p", "127.0.0.1::8501", IMAGE).stdout.strip()
    try:
        published = docker("port", container, "8501/tcp").stdout.split()[0]  # "127.0.0.1:49153"
        url = f"http://{published}"
        _wait_healthy(url, container)
        yield container, url
    finally:
        docker("rm", "-f", container, check=False)
