"""Malformed and oversized CSVs get one line that says what is wrong and what to do; uploads go away.

Loader cases write files into tmp_path and load them by path (as the app does after an upload); the last
tests drive the Train page through AppTest.
"""

from __future__ import annotations

import gc
import os
import random
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from explorer.config import Config, ConfigError
from explorer.data import datasets
from explorer.data.datasets import load, load_csv
from ui import router
from ui.train import uploads

APP = Path(__file__).resolve().parents[2] / "app.py"


def _rows(n: int, line: str = "{i},{j},{k}") -> str:
    return "\n".join(line.format(i=i, j=i % 3, k=i % 2) for i in range(n))


def _write(tmp_path: Path, content: bytes | str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _refusal(path: Path, target: str = "") -> str:
    with pytest.raises(ConfigError) as caught:
        load_csv(path, target)
    text = str(caught.value)
    assert "\n" not in text and "Traceback" not in text
    return text


MALFORMED = {  # name: (content, what the one line must say)
    "empty": (b"", "the file is empty — upload a CSV with a header row"),
    "only blank lines": (b"\n \n\n", "the file is empty"),
    "binary garbage": (random.Random(0).randbytes(5000), "binary data, not text — upload a CSV saved as text"),
    "an Excel workbook": (b"PK\x03\x04" + bytes(200), "spreadsheet or archive, not text — save it as CSV"),
    "one column only": (
        "value\n" + "\n".join(map(str, range(30))),
        "it has one column ('value') — it needs a header row with at least one feature",
    ),
    "a ragged row": ("a,b,y\n" + _rows(12) + "\n1,2,3,4,5\n", "could not read it (Error tokenizing data"),
    "an all-empty target": ("a,b,y\n" + _rows(30, "{i},{j},"), "target 'y' is empty in every row — pick another"),
    "only empty features": ("a,y\n" + _rows(30, ",{k}"), "no feature column has any values"),
    "a text target with many values": (
        "a,b,city\n" + _rows(100, "{i},{j},town{i}"),
        "target 'city' is text with 100 distinct values, too many to be class labels (at most 50) — pick a numeric",
    ),
    "numbers with a stray '?' in the target": (
        "a,b,y\n" + _rows(100, "{i},{j},{i}.5").replace("\n7,1,7.5", "\n7,1,?"),
        "target 'y' is numbers mixed with text such as '?' — empty those cells",
    ),
    "an ID column": (
        "name,a,y\n" + _rows(100, "id{i},{i},{k}"),
        "column 'name' is text with 100 distinct values, too many to one-hot encode (at most 50 here) — remove it",
    ),
    "too few complete rows": (
        "a,b,y\n" + _rows(12).replace("\n3,0,1", "\n3,,1").replace("\n5,2,1", "\n5,2,").replace("\n7,1,1", "\n,1,1"),
        "9 complete rows of 12; it needs at least 10 (rows with empty cells are dropped) — fill in or add rows",
    ),
    "infinite values": ("a,b,y\n" + _rows(20).replace("\n3,0,1", "\n3,inf,1"), "infinite values (inf)"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_is_refused_with_one_line(tmp_path, case):
    content, expected = MALFORMED[case]
    text = _refusal(_write(tmp_path, content))
    assert text.startswith("CSV file: ") and expected in text


def test_over_the_row_limit_says_the_count_and_the_limit(tmp_path):
    too_many = _write(tmp_path, "a,y\n" + _rows(datasets.CSV_MAX_ROWS + 1, "{i},{k}"))
    assert _refusal(too_many) == "CSV file: 50,001 rows; the limit is 50,000 — keep a sample of the rows"
    at_limit = _write(tmp_path, "a,y\n" + _rows(datasets.CSV_MAX_ROWS, "{i},{k}"), "ok.csv")
    assert load_csv(at_limit).X.shape == (50_000, 1)


def test_over_the_feature_limit_says_the_count_and_the_limit(tmp_path):
    def table(d: int) -> str:
        return (
            ",".join(f"f{i}" for i in range(d))
            + ",y\n"
            + "\n".join(",".join(["1"] * d) + f",{r % 2}" for r in range(12))
        )

    expected = "CSV file: 201 feature columns; the limit is 200 — keep the columns that matter"
    assert _refusal(_write(tmp_path, table(201))) == expected
    assert load_csv(_write(tmp_path, table(200), "ok.csv")).X.shape == (12, 200)


def test_over_the_byte_limit_is_refused_before_reading_by_path_and_by_content(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "CSV_MAX_BYTES", 1000)
    big = _write(tmp_path, "a,b,y\n" + _rows(200))
    assert big.stat().st_size > 1000
    assert re.fullmatch(r"CSV file: [\d.]+ MB; the limit is 20 MB — keep a sample of the rows", _refusal(big))
    with pytest.raises(ConfigError, match="the limit is 20 MB"):
        load_csv(big.read_bytes())
    with big.open("rb") as handle, pytest.raises(ConfigError, match="more than 20 MB; the limit is 20 MB"):
        load_csv(handle)


def test_the_byte_limit_is_streamlits_upload_limit():
    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    assert f"maxUploadSize = {datasets.CSV_MAX_MB} " in config.read_text()
    assert datasets.CSV_MAX_BYTES == datasets.CSV_MAX_MB * 2**20  # Streamlit's MB


def test_semicolons_are_read_as_separators_with_decimal_commas_and_said(tmp_path):
    path = _write(tmp_path, "a;b;y\n" + _rows(30, "{i},5;{j};{i},25"))
    data = load_csv(path)
    assert data.feature_names == ("a", "b") and data.task == "regression"
    assert data.X[3].tolist() == [3.5, 0.0] and data.y[2] == 2.25
    assert data.notes == (
        "CSV file: its columns are separated by semicolons, not commas: read them that way "
        "(and decimal commas in 'a', 'y')",
    )


def test_an_all_empty_feature_column_is_left_out_and_said(tmp_path):
    data = load_csv(_write(tmp_path, "a,empty,y\n" + _rows(30, "{i},,{k}")))
    assert data.feature_names == ("a",) and len(data.X) == 30
    assert data.notes == ("CSV file: column 'empty' is empty in every row: left out",)


def test_text_features_are_one_hot_encoded_in_place_and_said(tmp_path):
    lines = [f"{'PLB'[i % 3]},{i},{'rgbw'[i % 4]},{i * 0.5}" for i in range(40)]
    data = load_csv(_write(tmp_path, "city,a,color,y\n" + "\n".join(lines)))
    assert data.feature_names == ("city=B", "city=L", "city=P", "a", "color=b", "color=g", "color=r", "color=w")
    assert data.X[0].tolist() == [0, 0, 1, 0, 0, 0, 1, 0]  # P, 0, r
    assert data.X[:, :3].sum(axis=1).tolist() == [1] * 40
    assert data.notes == ("CSV file: columns 'city', 'color' are text: they were one-hot encoded into 7 columns",)


def test_one_hot_beyond_the_feature_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "CSV_MAX_FEATURES", 5)
    lines = [f"{'PLB'[i % 3]},{i},{'rgbw'[i % 4]},{i * 0.5}" for i in range(40)]
    text = _refusal(_write(tmp_path, "city,a,color,y\n" + "\n".join(lines)))
    assert text == (
        "CSV file: one-hot encoding the text columns 'city', 'color' would make 8 feature columns; "
        "the limit is 5 — remove some of them"
    )


def test_a_text_target_with_few_values_is_class_labels_and_rows_with_gaps_are_counted(tmp_path):
    lines = [f"{i},{i % 3},{'low' if i % 2 else 'high'}" for i in range(30)]
    lines[4] = "4,,low"
    data = load_csv(_write(tmp_path, "a,b,grade\n" + "\n".join(lines)))
    assert data.task == "classification" and data.class_names == ("high", "low")
    assert data.notes == (datasets.dropped_note(1, 30),)


def test_the_cli_path_gets_the_same_line(tmp_path):
    path = _write(tmp_path, random.Random(1).randbytes(3000))
    with pytest.raises(ConfigError, match=r"^CSV file: this is binary data"):
        load(Config(dataset="csv", csv_path=str(path)))


# ---- removing uploads --------------------------------------------------------------------------
def test_the_folder_goes_when_its_owner_is_collected(tmp_path):
    folder = uploads.UploadFolder(tmp_path / f"{uploads.PREFIX}a")
    saved = folder.save(b"a,y\n1,0\n")
    assert saved.is_file()
    path = folder.path
    del folder
    gc.collect()
    assert not path.exists()


def test_release_removes_the_folder_once_and_a_new_upload_replaces_the_old(tmp_path):
    folder = uploads.UploadFolder(tmp_path / f"{uploads.PREFIX}b")
    first = folder.save(b"a,y\n1,0\n")
    second = folder.save(b"a,y\n2,1\n")
    assert not first.exists() and second.is_file() and list(folder.path.iterdir()) == [second]
    assert folder.save(b"a,y\n2,1\n") == second  # the same content: the same name, written once
    folder.release()
    folder.release()
    assert not folder.path.exists()


def test_the_sweep_removes_only_stale_upload_folders(tmp_path):
    old, fresh, other = (tmp_path / name for name in (f"{uploads.PREFIX}old", f"{uploads.PREFIX}new", "keep-old"))
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "x.csv").write_text("a,y\n")
    day_ago = os.path.getmtime(fresh) - uploads.STALE_AFTER_S - 60
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert uploads.sweep_stale(tmp_path) == [old]
    assert not old.exists() and fresh.exists() and other.exists()


# ---- the Train page ----------------------------------------------------------------------------
def _csv_page(content: bytes, name: str = "mine.csv") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page(router.TRAIN.path)
    at.query_params.update({"dataset": "iris", "epochs": "3", "hidden": "8"})
    at.run()
    at.selectbox(key="train.dataset").set_value("csv").run()
    at.get("file_uploader")[0].upload(name, content, "text/csv")
    return at.run()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (random.Random(2).randbytes(4000), "CSV file: could not read mine.csv: this is binary data"),
        (b"", "CSV file: could not read mine.csv: the file is empty"),
        (
            b"name,a,y\n" + _rows(60, "id{i},{i},{k}").encode(),
            "CSV file: mine.csv: column 'name' is text with 60 distinct",
        ),
        (b"a,b,y\n" + _rows(60, "{i},{j},town{i}").encode(), "CSV file: mine.csv: target 'y' is text with 60 distinct"),
    ],
)
def test_a_refused_upload_is_one_line_play_stays_off_and_the_run_stays(content, expected):
    at = _csv_page(content)
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(expected)
    assert at.session_state["train.run"].trainer.config.dataset == "iris"


def test_text_features_train_and_the_page_says_they_were_encoded():
    lines = [f"{'PLB'[i % 3]},{i % 7},{'yes' if i % 2 else 'no'}" for i in range(60)]
    at = _csv_page(("city,a,label\n" + "\n".join(lines)).encode())
    assert not at.exception and not at.error
    trainer = at.session_state["train.run"].trainer
    assert trainer.config.dataset == "csv" and trainer.prepared.X_train.shape[1] == 4
    assert any("one-hot encoded into 3 columns" in w.value for w in at.warning)


def test_a_released_folder_comes_back_on_the_next_run_at_the_same_path():
    """What a reconnect after a network blip does: Streamlit released the session's resources."""
    at = _csv_page(("a,b,y\n" + _rows(60)).encode())
    path = Path(at.session_state["train.run"].trainer.config.csv_path)
    assert path.is_file() and path.parent.name.startswith(uploads.PREFIX)
    st.cache_resource.clear()  # runs every on_release, as a disconnect does for the session's resources
    assert not path.parent.exists()
    at.run()
    assert not at.exception and path.is_file()
    assert at.session_state["train.run"].trainer.config.csv_path == str(path)
