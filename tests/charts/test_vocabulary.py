"""Chart display words for Config values and metrics come from explorer.teaching.labels, so a norm or a metric
reads the same on every page: no chart module keeps its own table of them, and what the charts show matches it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from explorer import config as cfg
from explorer.charts import base, compare, insides, learn, train
from explorer.teaching import labels

CHARTS = Path(base.__file__).parent
METRIC_NAMES = ("test_accuracy", "test_r2")
WORDED = (set(cfg.NORMS) - {"none"}) | set(METRIC_NAMES) | {"linear", "norm", "act"}  # "none" is a scaler too


@pytest.mark.parametrize("path", sorted(CHARTS.glob("*.py")), ids=lambda p: p.name)
def test_no_chart_module_keeps_its_own_words_for_norms_metrics_or_stages(path: Path):
    tables = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict):
            continue
        keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
        worded = all(isinstance(value, ast.Constant) and isinstance(value.value, str) for value in node.values)
        if keys & WORDED and worded:
            tables.append((node.lineno, sorted(keys & WORDED)))
    assert not tables, f"{path.name} names these itself (use explorer.teaching.labels): {tables}"


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_names_on_every_page_are_the_labels(metric: str):
    words = labels.METRICS[metric]
    assert train.metric_spec(metric)["title"]["text"] == labels.capitalised(words)
    assert compare.metric_title([metric]) == words
    assert compare.curve_spec("metric", ("a",), (metric,))["title"]["text"] == labels.capitalised(words)
    assert compare.heatmap_spec("r", "c", ("x",), ("y",), (metric,))["title"]["text"].startswith(f"Median {words}")
    row = {"name": metric, "median": 0.9, "ci95_low": 0.8, "ci95_high": 0.95, "n": 3, "n_diverged": 0}
    chart = learn.summary_chart([row], ["a"], "t")
    assert chart.spec["layer"][1]["encoding"]["x"]["title"].startswith(f"{words}:")


@pytest.mark.parametrize("norm", sorted(set(cfg.NORMS) - {"none"}))
def test_norm_stage_names_on_every_page_are_the_labels(norm: str):
    words = labels.NORM_STAGES[norm]
    assert insides.stage_name("norm", "relu", norm) == words
    assert compare.stage_title("norm", {"relu"}, {"none", norm}) == words
    assert compare.stage_title("linear", {"relu"}) == insides.stage_name("linear", "relu") == labels.STAGES["linear"]


def test_norm_names_in_the_learn_charts_are_the_labels():
    trajectory = {"unit_percentiles": {"p15": [0.0], "p50": [0.0], "p85": [0.0]}, "epochs": [1]}
    chart = learn.percentile_chart({"none": trajectory, "bn_before": trajectory})
    assert set(chart.data["placement"]) == {labels.NORMS["none"], labels.NORMS["bn_before"]}
    assert set(labels.NORMS.values()) >= set(chart.spec["facet"]["row"]["sort"])
