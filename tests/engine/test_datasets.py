import io

import numpy as np
import pytest

from explorer.config import BUNDLED_DATASETS, SYNTHETIC_DATASETS, Config, ConfigError
from explorer.data.datasets import csv_columns, load, load_csv
from explorer.data.pipeline import prepare

REGRESSION = {"regression", "skewed_regression", "diabetes"}


@pytest.mark.parametrize("name", SYNTHETIC_DATASETS + BUNDLED_DATASETS)
def test_every_dataset_loads_with_the_right_task(name):
    data = load(Config(dataset=name, n_samples=300, n_features=5))
    assert data.X.ndim == 2 and len(data.X) == len(data.y)
    assert data.X.shape[1] == len(data.feature_names)
    assert data.task == ("regression" if name in REGRESSION else "classification")
    if data.task == "classification":
        assert data.n_classes >= 2


@pytest.mark.parametrize("name", SYNTHETIC_DATASETS)
def test_synthetic_data_is_deterministic_from_the_seed(name):
    a, b, c = (load(Config(dataset=name, n_samples=200, seed=s)) for s in (1, 1, 2))
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert len(a.X) == 200


def test_two_arm_spiral_and_xor_are_balanced_two_feature_problems():
    for name in ("spiral", "xor"):
        data = load(Config(dataset=name, n_samples=400))
        assert data.X.shape == (400, 2)
        assert abs(np.mean(data.y) - 0.5) < 0.1


def test_classification_split_is_stratified():
    prepared = prepare(Config(dataset="iris", test_size=0.2))
    assert np.bincount(prepared.y_test).tolist() == [10, 10, 10]
    assert set(prepared.train_idx).isdisjoint(prepared.test_idx)


def test_csv_with_text_target_is_classification():
    text = "a,b,label\n" + "\n".join(f"{i},{i % 3},{'yes' if i % 2 else 'no'}" for i in range(30))
    data = load_csv(io.StringIO(text))
    assert data.task == "classification" and data.class_names == ("no", "yes")
    assert data.feature_names == ("a", "b")


def test_csv_with_continuous_target_is_regression():
    text = "a,b,y\n" + "\n".join(f"{i},{i * 2},{i * 0.37}" for i in range(30))
    data = load_csv(text.encode(), target="y")
    assert data.task == "regression"


@pytest.mark.parametrize(
    ("text", "target", "fragment"),
    [
        ("a,b\n1,2\n", "", "1 complete rows of 1; it needs at least 10"),
        ("a,b,c\n" + "".join(f"x{i},1,{i % 2}\n" for i in range(12)), "", "too many to one-hot encode"),
        ("a,b,c\n" + "1,1,0\n" * 12, "zzz", "not a column"),
        ("a,b,c\n" + "1,1,0\n" * 12, "", "single class"),
    ],
)
def test_bad_csvs_get_one_clear_line(text, target, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_csv(io.StringIO(text), target)


def test_missing_csv_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load(Config(dataset="csv", csv_path=str(tmp_path / "nope.csv")))


def test_csv_with_infinite_values_is_refused():
    text = "a,b,y\n" + "\n".join(f"{i},{i},{'inf' if i == 3 else i * 0.5}" for i in range(20))
    with pytest.raises(ConfigError, match="infinite"):
        load_csv(io.StringIO(text))


def test_skewed_regression_is_right_skewed_with_a_target_linear_in_the_raw_features():
    data = load(Config(dataset="skewed_regression", n_samples=2000, n_features=3, noise=0.0))
    centred = data.X - data.X.mean(0)
    skew = (centred**3).mean(0) / centred.std(0) ** 3
    assert (skew > 2).all()  # lognormal: a long right tail
    coef, *_ = np.linalg.lstsq(np.c_[data.X, np.ones(len(data.X))], data.y, rcond=None)
    residual = data.y - np.c_[data.X, np.ones(len(data.X))] @ coef
    assert residual.std() < 1e-8 * data.y.std()  # exactly linear without noise


def test_rows_with_missing_values_are_dropped_counted_and_noted(tmp_path):
    lines = [f"{i},{i % 5},{i % 2}" for i in range(30)]
    lines[4], lines[7], lines[20] = "4,,0", ",2,1", "20,0,"
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,label\n" + "\n".join(lines) + "\n")
    data = load_csv(path)
    assert len(data.X) == 27
    assert data.notes == ("dropped 3 of 30 rows with missing values (every statistic and run uses the other rows)",)
    prepared = prepare(Config(dataset="csv", csv_path=str(path)))
    assert prepared.notes[0].startswith("dropped 3 of 30 rows with missing values")


def test_a_complete_csv_has_no_note():
    text = "a,b,y\n" + "\n".join(f"{i},{i * 2},{i % 2}" for i in range(30))
    assert load_csv(io.StringIO(text)).notes == ()


def test_a_csv_with_a_text_feature_prepares_and_trains_on_its_one_hot_columns(tmp_path):
    path = tmp_path / "shops.csv"
    path.write_text("shop,a,y\n" + "\n".join(f"{'NSEW'[i % 4]},{i % 7},{i % 2}" for i in range(40)) + "\n")
    prepared = prepare(Config(dataset="csv", csv_path=str(path), scaler="standard"))
    assert prepared.X_train.shape[1] == 5 and np.isfinite(prepared.X_train).all()
    assert any("'shop' is text: it was one-hot encoded into 4 columns" in note for note in prepared.notes)


def test_csv_columns_reads_the_header_as_the_loader_does():
    assert csv_columns(b"a;b c;y\n1;2;3\n") == ["a", "b c", "y"]
    with pytest.raises(ConfigError, match="the file is empty"):
        csv_columns(b"")


@pytest.mark.parametrize("name", SYNTHETIC_DATASETS + BUNDLED_DATASETS)
def test_the_shape_read_from_a_config_is_the_loaded_datas(name):
    """The cost estimate reads the shape without loading; it must be what loading gives."""
    from explorer.data.datasets import shape

    config = Config(dataset=name, n_samples=123, n_features=7)
    data = load(config)
    outputs = data.n_classes if data.task == "classification" else 1
    assert shape(config) == (len(data.y), data.X.shape[1], outputs)
    assert shape(Config(dataset="csv", csv_path="/tmp/x.csv")) is None
