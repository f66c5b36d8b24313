import json

import numpy as np
import pytest
import torch

from explorer.config import Config
from explorer.core.members import Members
from explorer.runs.training import MAX_DETAILED_EPOCHS, PROBE_ROWS, Trainer, update_ratios

SMALL = Config(n_samples=300, epochs=6, hidden=(16, 16), norm="bn_before", optimizer="adam")
STATS_KEYS = {
    "mean", "std", "skew", "p15", "p50", "p85", "min", "max", "frac_dead", "frac_saturated", "hist",
    "unit_percentiles",
}  # fmt: skip


def test_same_config_gives_identical_numbers():
    a, b = Trainer(SMALL), Trainer(SMALL)
    a.advance(epochs=6)
    b.advance(epochs=6)
    assert json.dumps(a.report()) == json.dumps(b.report())


def test_advancing_in_slices_equals_advancing_at_once():
    whole, sliced = Trainer(SMALL), Trainer(SMALL)
    whole.advance(epochs=3)
    for _ in range(100):
        sliced.advance(steps=7)
        if sliced.epoch >= 3:
            break
    assert sliced.epoch == 3 and sliced.steps == whole.steps
    assert whole.curve == sliced.curve


def test_advance_stops_at_steps_epochs_seconds_and_the_end():
    trainer = Trainer(SMALL)
    trainer.advance(steps=3)
    assert (trainer.steps, trainer.epoch) == (3, 0)
    assert trainer.advance(epochs=2) == 2
    trainer.advance(seconds=0.0)  # always makes progress: at least one step
    assert trainer.steps > 3
    trainer.advance(epochs=100)
    assert trainer.epoch == SMALL.epochs and trainer.done
    assert trainer.advance(epochs=1) == 0


def test_learning_rate_changes_mid_run():
    trainer = Trainer(SMALL)
    trainer.advance(epochs=1)
    trainer.set_lr(0.5)
    assert trainer.optimizer.lr == 0.5 and trainer.config.lr == 0.5
    trainer.advance(epochs=1)
    assert trainer.report()["config"]["lr"] == 0.5


@pytest.mark.parametrize(("norm", "order"), [
    ("none", ["linear", "act"]),
    ("bn_before", ["linear", "norm", "act"]),
    ("bn_after", ["linear", "act", "norm"]),
])  # fmt: skip
def test_report_has_the_design_schema(norm, order):
    trainer = Trainer(SMALL.replace(norm=norm, epochs=2))
    trainer.advance(epochs=2)
    report = json.loads(json.dumps(trainer.report()))
    assert set(report) >= {"config", "task", "diverged", "final", "epochs"}
    assert set(report["final"]) == {"epochs_run", "train_loss", "train_loss_eval", "test_loss", "test_accuracy"}
    epoch = report["epochs"][-1]
    assert set(epoch) == {
        "epoch", "train_loss", "train_loss_eval", "test_loss", "test_accuracy", "layers", "update_ratio",
    }  # fmt: skip
    assert len(epoch["update_ratio"]) == len(epoch["layers"]) + 1  # every hidden layer, then the output layer
    assert all(0 < ratio < 1 for ratio in epoch["update_ratio"])
    for index, layer in enumerate(epoch["layers"]):
        assert layer["index"] == index and layer["width"] == 16 and layer["order"] == order
        assert layer["grad_norm"] > 0
        assert list(layer["stages"]) == order
        for stats in layer["stages"].values():
            assert set(stats) == STATS_KEYS
            assert len(stats["hist"]["edges"]) == len(stats["hist"]["counts"]) + 1
            assert sum(stats["hist"]["counts"]) == trainer.probe_rows * 16
            assert len(stats["unit_percentiles"]["p50"]) == 16
            assert stats["p15"] <= stats["p50"] <= stats["p85"]


def test_regression_reports_r2():
    trainer = Trainer(Config(dataset="regression", n_features=4, n_samples=400, epochs=30, noise=0.1))
    trainer.advance(epochs=30)
    final = trainer.report()["final"]
    assert "test_r2" in final and final["test_r2"] > 0.8


def test_histogram_edges_stay_fixed_across_epochs():
    trainer = Trainer(SMALL)
    trainer.advance(epochs=6)
    first, last = trainer.records[0]["layers"][1]["stages"], trainer.records[-1]["layers"][1]["stages"]
    for stage in first:
        assert np.array_equal(first[stage]["hist"]["edges"], last[stage]["hist"]["edges"])


def test_probe_uses_the_same_test_rows_every_epoch():
    trainer = Trainer(Config(n_samples=12_000, epochs=1, batch_size=512))
    assert trainer.probe_rows == PROBE_ROWS
    assert trainer.probe_x.data_ptr() == trainer.members.X_test.data_ptr()


def test_relu_dead_units_and_sigmoid_saturation_are_counted():
    dead = Trainer(Config(n_samples=200, epochs=1, norm="none", init="normal:3", hidden=(32,), scaler="none",
                          skew="all:shift:-20"))  # fmt: skip
    dead.advance(epochs=1)
    assert dead.records[-1]["layers"][0]["stages"]["act"]["frac_dead"] > 0.2
    saturated = Trainer(Config(n_samples=200, epochs=1, norm="none", init="normal:3", hidden=(32,),
                               activation="sigmoid", skew="all:scale:10", scaler="none"))  # fmt: skip
    saturated.advance(epochs=1)
    assert saturated.records[-1]["layers"][0]["stages"]["act"]["frac_saturated"] > 0.5


def test_divergence_stops_the_run_with_a_message_and_valid_json():
    trainer = Trainer(Config(scaler="none", skew="all:scale:1000", norm="none", optimizer="sgd", lr=10, epochs=5))
    trainer.advance(epochs=5)
    assert trainer.diverged and trainer.done
    assert "Lower the learning rate" in trainer.message
    report = trainer.report()
    assert report["diverged"] is True
    json.dumps(report, allow_nan=False)  # no NaN reaches the report


def test_memory_stays_bounded_over_long_runs():
    config = Config(n_samples=100, epochs=3 * MAX_DETAILED_EPOCHS, batch_size=100, hidden=(4,))
    trainer = Trainer(config)
    trainer.advance(epochs=config.epochs)
    assert len(trainer.curve) == config.epochs  # the loss curve keeps every epoch
    assert len(trainer.records) <= MAX_DETAILED_EPOCHS
    epochs = [r["epoch"] for r in trainer.records]
    assert epochs[0] == 1 and epochs[-1] == config.epochs and epochs == sorted(epochs)


def test_batch_of_one_row_is_skipped_with_batch_norm():
    trainer = Trainer(
        Config(n_samples=132, test_size=0.25, batch_size=32, epochs=1, norm="bn_before")
    )  # 99 train rows: 3×32 + 3
    trainer.advance(epochs=1)
    trainer = Trainer(
        Config(n_samples=129, test_size=0.2, batch_size=34, epochs=2, norm="bn_before")
    )  # 103 rows: 3×34 + 1
    trainer.advance(epochs=2)
    assert trainer.epoch == 2 and trainer.steps == 6


def test_predict_gives_probabilities_and_regression_in_target_units():
    trainer = Trainer(SMALL)
    probabilities = trainer.predict(trainer.prepared.X_test[:5])
    np.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-5)
    regression = Trainer(Config(dataset="diabetes", epochs=20))
    regression.advance(epochs=20)
    predictions = regression.predict(regression.prepared.X_test)
    assert abs(predictions.mean() - regression.prepared.y_test.mean()) < 40  # in the target's units, not z-scores


def test_batch_norm_with_a_single_training_row_is_a_config_error_not_a_crash():
    from explorer.config import ConfigError
    from explorer.data.datasets import Dataset
    from explorer.data.pipeline import prepare

    rows = np.arange(11, dtype=np.float64)  # test_size 0.9 leaves one training row
    data = Dataset(np.column_stack([rows, rows**2]), rows * 3, "regression", ("a", "b"))
    config = Config(dataset="regression", test_size=0.9, epochs=2, norm="bn_before")
    with pytest.raises(ConfigError, match="at least 2 training rows"):
        Trainer(config, prepare(config, data))
    plain = Trainer(config.replace(norm="none"), prepare(config, data))  # without batch norm one row can train
    plain.advance(epochs=2)
    assert plain.epoch == 2


def test_nan_in_batch_norm_statistics_counts_as_divergence():
    trainer = Trainer(SMALL)
    trainer.network.layers[0].norm.running_var.fill_(float("nan"))
    trainer.advance(epochs=1)
    assert trainer.diverged


def test_train_loss_in_eval_mode_is_the_training_split_measured_like_the_test_split():
    trainer = Trainer(SMALL.replace(norm="bn_before", epochs=3))
    trainer.advance(epochs=3)
    record = trainer.records[-1]
    members = trainer.members
    assert record["train_loss_eval"] == pytest.approx(float(members.train_loss_eval()[0]))
    assert record["train_loss_eval"] != record["train_loss"]  # eval mode on fixed weights, not the running mean
    assert trainer.report()["final"]["train_loss_eval"] == record["train_loss_eval"]


# ---- update-to-weight ratio --------------------------------------------------------------------
def _weights(trainer: Trainer) -> list[np.ndarray]:
    return [layer.weight[0].clone().numpy() for layer in (*trainer.network.layers, trainer.network.head)]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_update_ratio_is_one_steps_change_of_each_layer_at_the_epochs_last_full_batch(optimizer: str):
    config = Config(n_samples=300, epochs=2, hidden=(16, 8), optimizer=optimizer)  # 225 rows: 7 × 32, 1 left out
    trainer = Trainer(config)
    per_epoch = trainer._steps_per_epoch
    trainer.advance(epochs=1)
    trainer.advance(steps=trainer._measured_step)
    before = _weights(trainer)
    trainer.advance(steps=1)
    after = _weights(trainer)
    expected = [np.linalg.norm(a - b) / np.linalg.norm(b) for a, b in zip(after, before, strict=True)]
    trainer.advance(epochs=1)
    assert trainer.steps == 2 * per_epoch
    assert trainer.records[-1]["update_ratio"] == pytest.approx(expected, rel=1e-4)
    assert trainer.records[0]["update_ratio"] != trainer.records[-1]["update_ratio"]  # measured every epoch


def test_the_measured_step_is_the_last_full_size_batch():
    short_last = Trainer(Config(n_samples=200, test_size=0.2, batch_size=32, epochs=1, norm="none"))  # 160 = 5 × 32
    assert (short_last._steps_per_epoch, short_last._measured_step) == (5, 4)
    remainder = Trainer(Config(n_samples=200, test_size=0.25, batch_size=32, epochs=1, norm="none"))  # 150 = 4×32+22
    assert (remainder._steps_per_epoch, remainder._measured_step) == (5, 3)


def test_a_larger_learning_rate_gives_a_larger_update_ratio():
    small, large = (Trainer(SMALL.replace(optimizer="sgd", lr=lr, epochs=1)) for lr in (0.001, 0.1))
    small.advance(epochs=1)
    large.advance(epochs=1)
    for slow, fast in zip(small.records[-1]["update_ratio"], large.records[-1]["update_ratio"], strict=True):
        assert 30 < fast / slow < 300  # SGD's step is lr × gradient: ~100× here


def test_measuring_the_update_ratio_leaves_training_unchanged():
    trainer = Trainer(SMALL)
    plain = Members([SMALL], [trainer.prepared])
    trainer.advance(epochs=3)
    plain.advance(epochs=3)
    assert trainer.curve == plain.curves[0]
    assert torch.equal(trainer.network.flat, plain.network.flat)


def test_update_ratios_of_zero_or_non_finite_weights_are_nan():
    before = torch.tensor([0.0, 0.0, 1.0, 2.0, float("nan")])
    after = torch.tensor([0.1, 0.0, 1.0, 2.2, 1.0])
    ratios = update_ratios(before, after, [(0, 2), (2, 4), (4, 5)])
    assert np.isnan(ratios[0]) and np.isnan(ratios[2])
    assert ratios[1] == pytest.approx(0.2 / np.sqrt(5))
