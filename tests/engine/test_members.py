"""One training core: every member of a sweep group trains exactly as the single-run Trainer would train it
alone, a diverging member drops out without disturbing the others, and only stackable members share a group."""

import pytest
import torch

from explorer.config import Config
from explorer.core import backprop
from explorer.core import members as members_module
from explorer.core.members import Members
from explorer.data.pipeline import prepare
from explorer.runs.training import Trainer
from explorer.sweeps.sweep import GroupRun, Member, Sweep, train_group

EPOCHS = 5
TASKS = {
    "classification": Config(dataset="moons", n_samples=300, hidden=(16, 16), epochs=EPOCHS),
    "regression": Config(dataset="regression", n_features=4, n_samples=300, hidden=(16, 16), epochs=EPOCHS),
}


def _trainer_curve(config: Config) -> list[dict[str, float]]:
    trainer = Trainer(config)
    trainer.advance(epochs=config.epochs)
    return trainer.curve


def _assert_curves_match(member: list[dict[str, float]], single: list[dict[str, float]], metric: str,
                         epochs: int = EPOCHS) -> None:  # fmt: skip
    assert len(member) == len(single) == epochs
    for got, want in zip(member, single, strict=True):
        assert got["epoch"] == want["epoch"]
        for key in ("train_loss", "test_loss", metric):
            assert got[key] == pytest.approx(want[key], rel=1e-4, abs=1e-7), (key, got["epoch"])


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("norm", ["none", "bn_before", "bn_after"])
def test_each_member_equals_the_single_run_trainer(task, norm):
    base = TASKS[task].replace(norm=norm, optimizer="momentum", lr=0.05)
    # per-member keys (scaler, skew, seed) all differ inside one group
    sweep = Sweep(base, (("scaler", ("none", "standard", "quantile_normal")), ("skew", ("", "0:lognormal:1.5"))), 2)
    groups = sweep.groups()
    assert len(groups) == 1 and len(groups[0]) == 12
    runs = train_group(groups[0])
    assert len(runs) == 12 and len({(r.index, r.seed) for r in runs}) == 12
    metric = "test_accuracy" if task == "classification" else "test_r2"
    for run in runs:
        assert run.task == task and run.metric_name == metric and not run.diverged
        _assert_curves_match(run.curve, _trainer_curve(run.config), metric)


def test_per_member_lr_momentum_and_weight_decay_each_match_their_own_trainer():
    base = TASKS["classification"].replace(optimizer="momentum", norm="bn_before", hidden=(8, 8))
    grid = (("lr", (0.01, 0.1)), ("momentum", (0.5, 0.9)), ("weight_decay", (0.0, 0.01)))
    sweep = Sweep(base, grid, seeds=1)
    (group,) = sweep.groups()
    configs = [m.config for m in group]
    members = Members(configs, [prepare(c) for c in configs])
    members.advance(epochs=EPOCHS)
    assert members.done
    for i, config in enumerate(configs):
        _assert_curves_match(members.curves[i], _trainer_curve(config), "test_accuracy")
    # and they really differ: a mix-up between members would not go unnoticed
    finals = {round(members.curves[i][-1]["train_loss"], 6) for i in range(len(configs))}
    assert len(finals) == len(configs)


def test_per_member_adam_learning_rates_match_their_own_trainer():
    base = TASKS["regression"].replace(optimizer="adam", norm="bn_after", hidden=(8, 8))
    configs = [base.replace(lr=lr, seed=seed) for lr, seed in ((0.001, 0), (0.01, 1), (0.05, 2))]
    members = Members(configs, [prepare(c) for c in configs])
    members.advance(epochs=EPOCHS)
    for i, config in enumerate(configs):
        _assert_curves_match(members.curves[i], _trainer_curve(config), "test_r2")


@pytest.mark.parametrize(
    ("changes", "diverged_epochs"),
    [
        # a linear net with plain SGD at lr 2 blows up in its second epoch, every seed
        ({"norm": "none", "activation": "linear"}, 1),
        # tanh with BN after it at lr 10 lasts three epochs
        ({"norm": "bn_after", "activation": "tanh"}, 3),
    ],
)
def test_a_diverging_member_is_marked_and_stops_while_the_others_continue(changes, diverged_epochs):
    base = Config(n_samples=300, hidden=(8, 8), epochs=EPOCHS, optimizer="sgd", scaler="standard", **changes)
    wild = 2.0 if changes["activation"] == "linear" else 10.0
    sweep = Sweep(base, (("lr", (0.05, wild)),), seeds=2)
    (group,) = sweep.groups()
    runs = sorted(train_group(group), key=lambda r: (r.index, r.seed))
    calm, diverged = runs[:2], runs[2:]
    for run in diverged:
        assert run.config.lr == wild and run.diverged
        assert len(run.curve) == diverged_epochs  # the curve stops where the loss stopped being finite
        assert run.message.startswith(f"diverged at epoch {diverged_epochs + 1}: the loss became")
        assert run.final["epochs_run"] == diverged_epochs
        single = Trainer(run.config)
        single.advance(epochs=EPOCHS)
        assert single.diverged
        _assert_curves_match(run.curve, single.curve, "test_accuracy", epochs=diverged_epochs)
    for run in calm:
        assert not run.diverged and run.message == ""
        _assert_curves_match(run.curve, _trainer_curve(run.config), "test_accuracy")


def test_a_group_whose_members_all_diverge_is_done():
    config = Config(
        n_samples=300, hidden=(8, 8), epochs=EPOCHS, optimizer="sgd", norm="none", activation="linear", lr=2
    )
    members = Members([config, config.replace(seed=1)], [prepare(config), prepare(config.replace(seed=1))])
    members.advance(epochs=EPOCHS)
    assert members.done and members.diverged.all() and members.epoch < EPOCHS


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("hidden", ((8, 8), (16, 16))),
        ("norm", ("none", "bn_before", "bn_after")),
        ("activation", ("relu", "tanh")),
        ("batch_size", (16, 32)),
        ("optimizer", ("sgd", "adam")),
        ("epochs", (2, 3)),
        ("dataset", ("moons", "circles")),
        ("n_samples", (200, 300)),
        ("n_features", (3, 4)),
        ("test_size", (0.2, 0.3)),
    ],
)
def test_members_that_differ_in_architecture_data_or_training_run_as_separate_groups(key, values):
    base = Config(dataset="classification", n_samples=200, hidden=(8, 8), epochs=2)
    sweep = Sweep(base, ((key, values), ("scaler", ("none", "standard"))), seeds=2)
    groups = sweep.groups()
    assert len(groups) == len(values)
    for group in groups:
        assert len(group) == 4  # two scalers × two seeds stack together
        assert len({getattr(m.config, key) for m in group}) == 1


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("scaler", ("none", "standard", "quantile_normal")),
        ("skew", ("", "0:scale:1000", "all:lognormal:1.5")),
        ("lr", (0.001, 0.01, 0.1)),
        ("momentum", (0.5, 0.9)),
        ("weight_decay", (0.0, 0.01)),
        ("init", ("default", "he")),
        ("noise", (0.1, 0.3)),
    ],
)
def test_members_that_differ_only_per_member_share_one_group(key, values):
    sweep = Sweep(Config(n_samples=200, hidden=(8, 8), epochs=2), ((key, values),), seeds=3)
    groups = sweep.groups()
    assert len(groups) == 1 and len(groups[0]) == 3 * len(values)
    assert {m.seed for m in groups[0]} == {0, 1, 2}


def test_a_group_run_splits_members_whose_data_shapes_differ():
    base = Config(dataset="classification", n_samples=200, hidden=(8, 8), epochs=2)
    members = [
        Member(0, 0, base.replace(n_features=3)),
        Member(1, 0, base.replace(n_features=5)),
        Member(0, 1, base.replace(n_features=3, seed=1)),
    ]
    group = GroupRun(members)
    while not group.done:
        group.advance()
    assert len(group.parts) == 2
    runs = {(r.index, r.seed): r for r in group.results()}
    assert set(runs) == {(0, 0), (1, 0), (0, 1)}
    for run in runs.values():
        _assert_curves_match(run.curve, _trainer_curve(run.config), "test_accuracy", epochs=2)


@pytest.mark.parametrize("task", TASKS)
def test_an_epoch_s_batches_hold_every_training_row_once_with_its_own_target(task):
    """Each member's batches, put back together, are its training rows in its seed's shuffled order, each
    beside its own target (for classification, the weights made up front without gathering the classes)."""
    config = TASKS[task].replace(batch_size=32)  # 225 training rows: 7 full batches and one of 1 row
    configs = [config, config.replace(seed=1, scaler="minmax"), config.replace(seed=1)]
    members = Members(configs, [prepare(c) for c in configs])
    rows = members.X_train.shape[2]
    assert members.batch_sizes == [32] * (rows // 32) + [rows % 32]
    for i, c in enumerate(configs):
        order = torch.randperm(rows, generator=torch.Generator().manual_seed(c.seed + 1))
        x = torch.cat([batch[i] for batch in members._x_batches], 1)
        assert torch.equal(x, members.X_train[i][:, order])
        if task == "regression":
            assert torch.equal(torch.cat([t[i] for t in members._targets], 1), members.y_train[i][:, order])
            continue
        for start, target in zip(range(0, rows, 32), members._targets, strict=True):
            classes = members.y_train[i][:, order[start : start + 32]]
            assert torch.equal(target[i], backprop.cross_entropy_weights(classes, 2))  # −one-hot / its own rows


def test_batch_norm_leaves_out_an_epoch_s_one_row_batch():
    config = TASKS["classification"].replace(norm="bn_before", batch_size=32)  # 225 rows: the last batch has 1
    members = Members([config], [prepare(config)])
    assert members.batch_sizes == [32] * 7
    members.advance(epochs=2)
    assert members.epoch == 2 and not members.diverged.any()


def test_targets_made_per_step_train_as_the_ones_made_per_epoch(monkeypatch):
    """Where an epoch's cross-entropy weights would be too large, each batch carries its classes instead."""
    config = TASKS["classification"]
    configs = [config, config.replace(seed=1)]
    up_front = Members(configs, [prepare(c) for c in configs])
    monkeypatch.setattr(members_module, "EPOCH_WEIGHTS_MAX_VALUES", 0)
    per_step = Members(configs, [prepare(c) for c in configs])
    assert not per_step._targets[0].is_floating_point()
    up_front.advance(epochs=EPOCHS)
    per_step.advance(epochs=EPOCHS)
    for got, want in zip(per_step.curves, up_front.curves, strict=True):
        _assert_curves_match(got, want, "test_accuracy")
