"""Every Config choice has a readable label, and labels never fall back to ids where one exists."""

from __future__ import annotations

import pytest

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
    assert labels.label("lr", 0.001) == "0.001"
    assert labels.label("hidden", (64, 32)) == "64,32"
