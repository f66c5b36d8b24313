"""Overfitting is named when the test loss climbs while the train loss falls, and only then."""

from __future__ import annotations

import pytest

from explorer.config import Config
from explorer.runs.diagnosis import overfitting
from explorer.runs.training import Trainer


def _curve(train: list[float], test: list[float]) -> list[dict[str, float]]:
    return [{"epoch": i + 1, "train_loss": a, "test_loss": b} for i, (a, b) in enumerate(zip(train, test, strict=True))]


def test_rising_test_loss_with_falling_train_loss_is_overfitting() -> None:
    found = overfitting(_curve([1.0, 0.8, 0.6, 0.5, 0.4, 0.3], [1.0, 0.7, 0.75, 0.8, 0.85, 0.9]))
    assert found is not None
    assert found.best_epoch == 2
    assert found.rise == pytest.approx(0.9 / 0.7 - 1)
    assert "29%" in found.sentence() and "epoch 2" in found.sentence()


@pytest.mark.parametrize(
    ("train", "test"),
    [
        ([1.0, 0.8, 0.6, 0.5, 0.4, 0.3], [1.0, 0.7, 0.6, 0.55, 0.5, 0.45]),  # both fall: learning
        ([1.0, 0.8, 0.6, 0.5, 0.4, 0.3], [1.0, 0.7, 0.72, 0.73, 0.74, 0.75]),  # within 10%: noise
        ([1.0, 0.8, 0.6, 0.5, 0.4, 0.3], [1.0, 0.9, 0.8, 0.7, 0.6, 0.9]),  # rose only at the last epoch
        ([1.0, 0.8, 0.9, 1.0, 1.1, 1.2], [1.0, 0.7, 0.8, 0.9, 1.0, 1.1]),  # both rise: diverging, not overfitting
        ([1.0, 0.8], [1.0, 0.9]),
    ],
)
def test_no_overfitting_named_otherwise(train: list[float], test: list[float]) -> None:
    assert overfitting(_curve(train, test)) is None


def test_diabetes_without_weight_decay_is_caught_overfitting() -> None:
    trainer = Trainer(Config(dataset="diabetes", optimizer="adam", lr=0.01, norm="none", epochs=40, weight_decay=0.0))
    trainer.advance(epochs=40)
    assert overfitting(trainer.curve) is not None
