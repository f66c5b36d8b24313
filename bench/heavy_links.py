"""Heavy and hostile links on one server: how long each page takes to draw, and what it costs another session.

Starts the app as `make run` does (`python -m ui.serve`, training processes on) and opens each link with the
websocket client (tests/support/ws_client.py, which draws nothing, so the cores are the server's). A page is
drawn when its first whole run has finished (the browser would then show it). The reference, measured in the
same run: a bystander session loading the default Train page on the idle server; meanwhile-ratios read "while
this link loaded, another learner's page took this many idle loads". "charts s" is when the link's first chart
arrived (where work waits for a training or helper process, the page is drawn first with placeholders).

Then the heaviest setup the limits allow plays for a while: what its epoch counter shows (within-epoch
progress once an epoch takes more than a second), and a bystander's Train page load meanwhile.

    python -m bench.heavy_links [--app-root PATH] [--play 30] [--timeout 90]

`--app-root` serves another checkout (e.g. an export of the commit before a change) with this checkout's clients.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

try:
    from tests.support.browser import _free_port, stop, wait_for_http
    from tests.support.ws_client import StreamlitClient
except ModuleNotFoundError as err:  # run as a file: the checkout's root is not on sys.path
    raise SystemExit(f"{err}; run it from the checkout's root: python -m bench.heavy_links") from None

ROOT = Path(__file__).resolve().parents[1]
HEAVIEST = "hidden=" + ",".join(["512"] * 12) + "&n_samples=50000&batch_size=1&epochs=5000"
HEAVY_DATA = (
    "dataset=classification&n_samples=50000&n_features=100&scaler=box_cox&skew="
    + ";".join(["all:heavy_tail:10"] * 10)
    + "&hidden="
    + ",".join(["512"] * 12)
    + "&batch_size=1&epochs=5000"
)
LINKS = {  # name: (page, query)
    "skew of 300 items": ("train", "skew=" + ";".join(["all:lognormal:1.5"] * 300)),
    "skew of 3,000 items": ("train", "skew=" + ";".join(["all:lognormal:1.5"] * 3000)),
    "heaviest network and rows": ("train", HEAVIEST),
    "heaviest data (box_cox, 10 heavy_tail skews, 50,000 × 100)": ("train", HEAVY_DATA),
    "Data: heaviest data": ("data", HEAVY_DATA.split("&hidden")[0]),
    "Compare: heaviest data": ("compare", HEAVY_DATA),
}


async def load(url: str, page: str, query: str, timeout: float) -> tuple[float, StreamlitClient]:
    """Seconds until the page's first whole run finished (inf past `timeout`), and its client (open)."""
    client = StreamlitClient(url, page=page, query=query)
    start = time.perf_counter()
    await client.connect()
    try:
        done = await client.wait_for(lambda: bool(client.full_runs_finished), timeout)
    except TimeoutError:
        return math.inf, client
    return done - start, client


async def bystander(url: str, timeout: float) -> float:
    seconds, client = await load(url, "train", "", timeout)
    await client.close()
    return seconds


async def idle(url: str, repeats: int, timeout: float) -> float:
    return statistics.median([await bystander(url, timeout) for _ in range(repeats)])


async def heavy_and_bystander(url: str, page: str, query: str, timeout: float) -> tuple[float, float, float, str]:
    """The link's draw time, a bystander's Train load started 0.5 s after it, when the link's first chart
    arrived (inf: none within `timeout`; Compare draws none before Run), and the link's notice or placeholder."""
    heavy = asyncio.create_task(load(url, page, query, timeout))
    await asyncio.sleep(0.5)
    other = await bystander(url, timeout)
    seconds, client = await heavy
    start = client.full_runs_finished[0] - seconds if client.full_runs_finished else math.nan
    if page != "compare":
        with contextlib.suppress(TimeoutError):
            await client.wait_for(lambda: client.first_chart is not None, timeout)
    charts = math.inf if client.first_chart is None else client.first_chart - start
    notice = next((a for a in client.alerts if "link" in a.lower() or "helper" in a or "Preparing" in a), "")
    await client.close()
    return seconds, other, charts, notice.splitlines()[1] if notice.count("\n") else notice


def _playable(client: StreamlitClient) -> bool:
    button = client.widgets.get("train.play")
    return button is not None and not button.proto.disabled


async def play(url: str, query: str, seconds: float, timeout: float) -> tuple[list[str], float]:
    """Play the link's run for `seconds`; what its counter showed, and a bystander's load meanwhile."""
    _, client = await load(url, "train", query, timeout)
    try:
        await client.wait_for(lambda: _playable(client), timeout)
        client.click("train.play")
        shown = []
        for _ in range(3):
            await asyncio.sleep(seconds / 6)
            shown.append(f"{client.metrics.get('train-epoch')}, {client.deltas.get('train-epoch')}")
        other = await bystander(url, timeout)
        for _ in range(3):
            await asyncio.sleep(seconds / 6)
            shown.append(f"{client.metrics.get('train-epoch')}, {client.deltas.get('train-epoch')}")
        return shown, other
    finally:
        await client.close()


async def measure(url: str, args: argparse.Namespace) -> None:
    reference = await idle(url, 3, args.timeout)
    print(f"idle server: a bystander's Train page drawn in {reference:.2f} s (median of 3): the reference")
    print(f"{'link':60} | page     | drawn s | charts s | bystander s | × idle | notice")
    for name, (page, query) in LINKS.items():
        seconds, other, charts, notice = await heavy_and_bystander(url, page, query, args.timeout)
        shown = "–" if page == "compare" else f"{charts:.1f}"  # Compare draws no chart before Run
        print(f"{name:60} | {page:8} | {seconds:7.1f} | {shown:>8} | {other:11.2f} | {other / reference:5.1f}× | "
              f"{notice[:90]}")  # fmt: skip
    if args.play:
        shown, other = await play(url, HEAVIEST, args.play, args.timeout)
        print(f"heaviest setup playing {args.play:g} s: counter {shown}; a bystander's Train page meanwhile "
              f"{other:.2f} s ({other / reference:.1f}× idle)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--play", type=float, default=30.0, help="seconds to play the heaviest setup (0: skip)")
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "EXPLORER_TRAINING_WORKERS"}
    env["PYTHONPATH"] = str(args.app_root)
    command = [
        sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=args.app_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/_stcore/health", "streamlit", 180, dead=lambda: server.poll() is not None,
                      logs=lambda: server.stderr.read().decode()[-2000:])  # fmt: skip
        asyncio.run(measure(url, args))
    finally:
        stop(server, timeout=10)


if __name__ == "__main__":
    main()
