"""The Train page's Export menu: the run report, the per-epoch metrics, the charts and a PyTorch script.

Each file is made when its button is clicked (deferred `data`), not on every tick of a playing run: the
report of a long run is megabytes. A click downloads without rerunning the page (`on_click="ignore"`), so
a playing run goes on undisturbed. Each chart's PNG is Streamlit's own chart toolbar ("Download as PNG");
the HTML file here redraws every chart with Vega-Embed's menu, which saves each one as SVG or PNG.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from explorer.charts.base import Chart
from explorer.runs import export
from explorer.runs.training import Trainer
from ui.train import state


@dataclass(frozen=True)
class Download:
    """One file of the Export menu; `make` builds its text at click time."""

    key: str
    label: str
    file_name: str
    mime: str
    help: str
    make: Callable[[], str]


def files(run: state.Run) -> list[Download]:
    """The menu's files for this run, named `normexp-<dataset>-<hash of its config>.<ext>`."""
    stem = export.file_stem(run.config)

    def locked(build: Callable[[Trainer], str]) -> Callable[[], str]:
        def make() -> str:
            with run.lock:  # a playing run's tick may be inside `advance` on another thread
                return build(run.trainer)

        return make

    def charts_html(trainer: Trainer) -> str:
        charts = list(run.charts.build(trainer).values())
        return charts_page(charts, f"{stem}: {trainer.epoch} epochs")

    return [
        Download("report", "Run report (JSON)", f"{stem}.json", "application/json",
                 "The run report of `python -m explorer train --json`: config, final numbers and every epoch's "
                 "per-layer statistics.", locked(export.report_json)),
        Download("metrics", "Metrics per epoch (CSV)", f"{stem}-metrics.csv", "text/csv",
                 "One row per epoch: train loss, train loss in eval mode, test loss and the test metric.",
                 locked(export.metrics_csv)),
        Download("script", "PyTorch script (.py)", f"{stem}.py", "text/x-python",
                 "This run's whole recipe in plain PyTorch and scikit-learn (data, skews, split, scaler, network, "
                 "training loop). Run it: it prints the final test metric, equal to this page's within about 0.01.",
                 locked(export.pytorch_script)),
        Download("charts", "Charts (HTML, save as SVG/PNG)", f"{stem}-charts.html", "text/html",
                 "Every chart of this page in one web page; each chart's … menu saves it as SVG or PNG (it loads "
                 "Vega-Embed from a CDN). For one PNG, use the download icon above any chart here.",
                 locked(charts_html)),
    ]  # fmt: skip


VEGA_SCRIPTS = (
    "https://cdn.jsdelivr.net/npm/vega@6",
    "https://cdn.jsdelivr.net/npm/vega-lite@6",
    "https://cdn.jsdelivr.net/npm/vega-embed@7",
)


def charts_page(charts: list[Chart], title: str) -> str:
    """A standalone HTML page that draws each chart with its rows inlined and Vega-Embed's export menu on."""
    specs = []
    for chart in charts:
        spec = dict(chart.spec)
        spec["data"] = {"values": json.loads(chart.data.to_json(orient="records", date_format="iso"))}
        spec.pop("usermeta", None)  # Streamlit's embed options; the page sets its own
        specs.append(spec)
    scripts = "\n".join(f'<script src="{src}"></script>' for src in VEGA_SCRIPTS)
    payload = json.dumps(specs).replace("</", "<\\/")  # no "</script>" can end the script early
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{_escape(title)}</title>
{scripts}
<style>body {{ font-family: sans-serif; margin: 24px; }} .chart {{ margin: 0 0 32px; }}</style>
</head><body>
<h1>{_escape(title)}</h1>
<p>Each chart's … menu (top right) saves it as SVG or PNG.</p>
<div id="charts"></div>
<script>
const specs = {payload};
for (const spec of specs) {{
  const box = document.createElement("div");
  box.className = "chart";
  document.getElementById("charts").appendChild(box);
  vegaEmbed(box, spec, {{actions: {{export: true, source: false, compiled: false, editor: true}}}});
}}
</script>
</body></html>
"""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def downloads(run: state.Run) -> None:
    """The Export menu: one download button per file; a click downloads without rerunning the page. Off while
    a training process prepares the run's data (there is nothing to export yet)."""
    if not run.ready:
        st.button("Export", key="train.export.waiting", icon=":material/download:", disabled=True,
                  help="available once the data is prepared")  # fmt: skip
        return
    with st.popover("Export", icon=":material/download:", help="download this run: report, metrics, charts, script"):
        for item in files(run):
            st.download_button(
                item.label,
                data=item.make,
                file_name=item.file_name,
                mime=item.mime,
                key=f"train.export.{item.key}",
                help=item.help,
                on_click="ignore",
                icon=":material/download:",
            )
