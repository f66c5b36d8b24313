"""Every Config choice has a readable label, and labels never fall back to ids where one exists."""

from __future__ import annotations

import pytest

from explorer import config as cfg
from explorer.teaching import labels


@pytest.mark.parametrize("key", sorted(labels.CHOICES))
def test_every_choice_has_a_label(key: str) -> None:
    table = labels.BY_KEY[key]
    assert set(table) == set(labels.CHOICES[key])
    assert len(set(table.values())) == len(table), "two values share a label"


def test_label_reads_ids_as_words() -> None:
    assert labels.label("scaler", "yeo_johnson") == "Yeo-Johnson power transform"
    assert labels.label("scaler", "pca_whiten") == "PCA whitening"
    assert labels.label("norm", "bn_before") == "BN before the activation"
    assert labels.label("init", "normal:0.5") == "Normal, std 0.5"
    assert labels.label("init", "he") == "He / Kaiming"
    assert labels.label("init", "uniform:0.1") == "Uniform, std 0.1"
    assert labels.label("init", "he_uniform") == "He / Kaiming, uniform"


def test_every_init_the_train_page_offers_has_a_label() -> None:
    offered = (*cfg.INITS, *cfg.INIT_SHAPES)  # ui/train/controls.py's selectbox
    assert set(labels.INITS) == set(offered)
    assert len(set(labels.INITS.values())) == len(labels.INITS)
    assert labels.label("lr", 0.001) == "0.001"
    assert labels.label("hidden", (64, 32)) == "64,32"


def test_every_norm_with_a_stage_has_a_stage_name() -> None:
    assert set(labels.NORM_STAGES) == set(cfg.NORMS) - {"none"}
    assert labels.norm_stage("ln_after") == "layer norm" and labels.norm_stage("bn_noisy") == "noisy batch norm"
    assert labels.norm_stage("none") == labels.NORM_STAGES["bn_before"] == "batch norm"  # a value with no stage
    assert set(labels.STAGES) == {"linear", "norm", "act"}


def test_metric_names_and_their_headings() -> None:
    assert set(labels.METRICS) == set(labels.METRICS_SHORT) == {"test_accuracy", "test_r2"}
    assert labels.capitalised(labels.METRICS["test_r2"]) == "Test R²"  # str.capitalize would give "Test r²"
    assert labels.capitalised(labels.METRICS["test_accuracy"]) == "Test accuracy"
    assert labels.capitalised("") == ""
