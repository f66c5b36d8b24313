"""Config is the one source of facts about its keys: what other parts group or bound comes from KEYS."""

from __future__ import annotations

import pickle

import pytest

from explorer import config as cfg
from explorer.config import KEYS, Config, ConfigError, parse_value
from explorer.core import members, network
from explorer.data import pipeline
from explorer.sweeps import sweep


def test_every_key_belongs_to_one_group_and_the_groups_cover_the_config():
    grouped = [name for names in cfg.GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(KEYS) and len(grouped) == len(set(grouped))
    assert list(KEYS) == [field for field in Config().to_dict()]  # KEYS in Config order


def test_the_groups_that_decide_stacking_caching_and_restarts():
    assert cfg.ARCHITECTURE_KEYS == ("hidden", "activation", "norm")
    assert cfg.TRAINING_KEYS == ("optimizer", "batch_size", "epochs")
    assert set(cfg.PER_MEMBER_KEYS) == {"seed", "skew", "scaler", "noise", "init", "lr", "momentum"} | {
        "weight_decay",
        "norm_noise",
    }
    assert cfg.LIVE_KEYS == ("lr", "epochs")
    assert "scaler" not in cfg.LOAD_KEYS and "seed" in cfg.LOAD_KEYS  # the seed draws data and split
    assert set(cfg.PREPARE_KEYS) == set(cfg.LOAD_KEYS) | {"scaler"}
    # a stacked group is decided by everything that is not per member, and nothing else
    shared = set(KEYS) - set(cfg.PER_MEMBER_KEYS)
    assert set(cfg.ARCHITECTURE_KEYS) | set(cfg.TRAINING_KEYS) <= shared


def test_the_engine_uses_the_configs_groups_not_copies():
    assert network.ARCHITECTURE_KEYS is cfg.ARCHITECTURE_KEYS
    assert members.TRAINING_KEYS is cfg.TRAINING_KEYS
    assert sweep.PER_MEMBER_KEYS is cfg.PER_MEMBER_KEYS
    assert pipeline.LOAD_KEYS is cfg.LOAD_KEYS


@pytest.mark.parametrize("name", sorted(cfg.BOUNDS))
def test_bounds_are_the_inclusive_range_the_check_accepts(name):
    """lr has none: its range is open at 0 (a step of 0 never moves), which no widget can offer."""
    lo, hi = cfg.BOUNDS[name]
    key = KEYS[name]
    assert key.check(hi) and not key.check(hi + (1 if isinstance(hi, int) else 1e-9 * max(1, abs(hi))))
    below = lo - (1 if isinstance(lo, int) else 1e-9 * max(1, abs(lo)))
    assert not key.check(below)
    assert key.check(lo)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"norm": "bn_sideways"}, "norm"),
        ({"hidden": (0,)}, "hidden"),
        ({"skew": "0:lognormal:99"}, "skew"),
        ({"norm": "bn_before", "batch_size": 1}, "batch_size"),
        ({"dataset": "csv"}, "csv_path"),
    ],
)
def test_a_config_error_names_the_key_at_fault(changes, key):
    with pytest.raises(ConfigError) as caught:
        Config(**changes)
    assert caught.value.key == key
    assert pickle.loads(pickle.dumps(caught.value)).key == key  # it survives a trip to a worker process


def test_text_that_cannot_be_read_names_its_key():
    with pytest.raises(ConfigError) as caught:
        parse_value("epochs", "many")
    assert caught.value.key == "epochs" and str(caught.value).startswith("epochs='many'")


def test_the_config_contract_imports_nothing_above_it():
    """The skew grammar is text only: checking a Config loads neither numpy's data layer nor torch."""
    import subprocess
    import sys

    code = "import sys, explorer.config; print(sorted(m for m in sys.modules if m.startswith(('explorer.', 'torch'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "explorer.data" not in out and "torch" not in out, out
