import numpy as np
import pytest

from explorer.config import SCALERS, Config, ConfigError
from explorer.data.pipeline import prepare
from explorer.data.scaling import DESCRIPTIONS, make_scaler


@pytest.mark.parametrize("scaler", SCALERS)
def test_every_scaler_runs_and_is_described(scaler):
    prepared = prepare(Config(scaler=scaler, skew="0:lognormal:1;1:scale:1000"))
    assert np.isfinite(prepared.X_train).all() and np.isfinite(prepared.X_test).all()
    assert len(prepared.X_train) + len(prepared.X_test) == Config().n_samples
    assert scaler in DESCRIPTIONS


@pytest.mark.parametrize("scaler", [s for s in SCALERS if s != "none"])
def test_no_test_split_statistic_leaks_into_the_scaler(scaler):
    """Changing only test rows must leave the fitted scaler, so the scaled training rows, unchanged."""
    config = Config(scaler=scaler, dataset="classification", n_features=4, n_samples=400)
    prepared = prepare(config)
    tampered = prepared.skewed.copy()
    tampered[prepared.test_idx] = tampered[prepared.test_idx] * 50 + 1000
    refit = make_scaler(scaler, len(prepared.train_idx), config.seed).fit(tampered[prepared.train_idx])
    np.testing.assert_allclose(refit.transform(tampered[prepared.train_idx]), prepared.X_train, atol=1e-9)
    if scaler in ("standard", "minmax"):  # and the pipeline's own training rows are scaled by train stats alone
        assert prepared.X_train.mean(0) == pytest.approx(0.0, abs=1e-9) or prepared.X_train.min() == 0.0


def test_box_cox_on_non_positive_data_shifts_visibly():
    prepared = prepare(Config(scaler="box_cox"))  # moons has negative values
    assert prepared.notes and "shifted features" in prepared.notes[0]
    assert np.isfinite(prepared.X_test).all()


def test_box_cox_on_positive_data_needs_no_shift():
    prepared = prepare(Config(scaler="box_cox", dataset="classification", skew="all:shift:100"))
    assert prepared.notes == []


def test_standard_scaler_makes_train_features_zero_mean_unit_std():
    prepared = prepare(Config(skew="0:scale:1000;1:shift:50"))
    np.testing.assert_allclose(prepared.X_train.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(prepared.X_train.std(0), 1, atol=1e-9)


def test_a_bad_test_size_is_a_config_error():
    with pytest.raises(ConfigError, match="test_size"):
        prepare(Config(dataset="blobs", test_size=0.05, n_samples=20))
