import json

import pytest

from explorer.config import KEYS, MAX_EPOCHS, MAX_LAYERS, MAX_SAMPLES, MAX_WIDTH, Config, ConfigError


def test_defaults_give_the_first_experience():
    config = Config()
    assert (config.dataset, config.hidden, config.activation, config.norm, config.optimizer) == (
        "moons",
        (32, 32),
        "relu",
        "none",
        "momentum",
    )
    assert config.epochs == 60  # moons learns over ~20 of them: the curve is not flat for most of the run
    assert set(config.to_dict()) == set(KEYS)


EXAMPLE = Config(
    dataset="classification",
    n_features=6,
    skew="0:lognormal:1.5;1-2:scale:1000;odd:outliers:0.01",
    scaler="quantile_normal",
    hidden=(64, 16, 8),
    activation="tanh",
    norm="bn_after",
    init="normal:0.05",
    optimizer="momentum",
    lr=0.003,
    weight_decay=1e-4,
    batch_size=64,
    epochs=7,
    seed=42,
)


def test_json_round_trip():
    assert Config.from_json(EXAMPLE.to_json()) == EXAMPLE
    assert json.loads(EXAMPLE.to_json())["hidden"] == [64, 16, 8]


def test_query_round_trip_is_all_text():
    query = EXAMPLE.to_query()
    assert all(isinstance(v, str) for v in query.values())
    assert query["hidden"] == "64,16,8"
    config, problems = Config.from_query(query)
    assert (config, problems) == (EXAMPLE, [])


def test_cli_flags_round_trip():
    from explorer.cli import _config_from, build_parser

    argv = ["train"]
    for name, value in EXAMPLE.to_query().items():
        argv += ["--" + name.replace("_", "-"), value]
    assert _config_from(build_parser().parse_args(argv)) == EXAMPLE


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"lr": -1.0}, "lr=-1: expected a number in (0, 10]"),
        ({"n_samples": MAX_SAMPLES + 1}, f"n_samples={MAX_SAMPLES + 1}"),
        ({"epochs": MAX_EPOCHS + 1}, "epochs"),
        ({"hidden": (MAX_WIDTH + 1,)}, f"each in [1, {MAX_WIDTH}]"),
        ({"hidden": (8,) * (MAX_LAYERS + 1)}, f"1 to {MAX_LAYERS}"),
        ({"activation": "swish"}, "activation=swish: expected one of relu, leaky_relu"),
        ({"init": "normal:-1"}, "init=normal:-1"),
        ({"init": "uniform:0"}, "init=uniform:0: expected default, xavier, he, he_uniform, normal:<std> or uniform"),
        ({"init": "uniform:abc"}, "init=uniform:abc"),
        ({"init": "uniform:1e9"}, "init=uniform:1e9"),
        ({"init": "uniform:nan"}, "0.0001 <= std <= 10"),
        ({"init": "uniform"}, "init=uniform"),
        ({"init": "he_normal"}, "init=he_normal"),
        ({"skew": "0:wobble:1"}, "unknown kind 'wobble'"),
        ({"skew": "0:lognormal"}, "expected <features>:<kind>:<amount>"),
        ({"batch_size": 1, "norm": "bn_before"}, "batch norm needs at least 2 rows"),
        ({"dataset": "csv"}, "set csv_path"),
    ],
)
def test_invalid_values_name_key_value_and_what_is_allowed(changes, fragment):
    with pytest.raises(ConfigError) as err:
        Config().replace(**changes)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("init", ["uniform:0.05", "uniform:0.0001", "uniform:10", "he_uniform", "normal:0.05"])
def test_every_init_reads_alike_from_a_link_the_cli_and_json(init):
    from explorer.cli import _config_from, build_parser

    config, problems = Config.from_query({"init": init, "norm": "none"})
    assert (config.init, problems) == (init, [])
    assert Config.from_query(config.to_query()) == (config, [])
    assert _config_from(build_parser().parse_args(["train", "--init", init])).init == init
    assert Config.from_json(Config(init=init).to_json()).init == init


def test_a_link_with_a_bad_uniform_std_opens_with_the_default_init():
    config, problems = Config.from_query({"init": "uniform:1e9", "lr": "0.05"})
    assert config.init == Config().init and config.lr == 0.05
    assert len(problems) == 1 and "init=uniform:1e9" in problems[0] and "\n" not in problems[0]


def test_batch_size_one_is_fine_without_batch_norm():
    assert Config(norm="none", batch_size=1).batch_size == 1


def test_text_values_that_cannot_be_read_are_config_errors():
    with pytest.raises(ConfigError, match="n_samples='lots'"):
        Config.from_dict({"n_samples": "lots"})
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        Config.from_dict({"colour": "red"})
    with pytest.raises(ConfigError, match="not valid JSON"):
        Config.from_json("{nope")


def test_a_shared_link_with_a_bad_value_still_opens():
    config, problems = Config.from_query({"lr": "banana", "hidden": "16", "nonsense": "1"})
    assert config.hidden == (16,)
    assert config.lr == Config().lr
    assert len(problems) == 2
    assert any("lr='banana'" in p for p in problems)
    assert any("nonsense" in p for p in problems)


def test_a_link_whose_values_clash_falls_back_to_defaults_and_says_so():
    config, problems = Config.from_query({"batch_size": "1", "norm": "bn_before"})
    assert config == Config(batch_size=1)  # the key that clashes with the ones before it falls back
    assert "batch norm needs at least 2 rows" in problems[0]


def test_a_link_can_never_make_the_server_read_a_file():
    config, problems = Config.from_query({"dataset": "csv", "csv_path": "/etc/passwd", "target": "root"})
    assert config == Config()
    assert any("csv_path" in p for p in problems) and any("upload it again" in p for p in problems)
    assert "csv_path" not in Config(dataset="csv", csv_path="/tmp/x.csv").to_query()


def test_file_keys_only_ride_along_with_a_csv():
    assert Config(dataset="moons", csv_path="/tmp/x.csv", target="y").csv_path == ""
    assert Config(dataset="csv", csv_path="/tmp/x.csv", target="y").target == "y"


# ---- hostile and heavy links: bounded values, one line each, the same for the URL, the UI and the CLI ----
from explorer.config import MAX_SKEW_ITEMS, MAX_VALUE_CHARS  # noqa: E402
from explorer.config.skew_grammar import too_many_items  # noqa: E402

LONG_SKEW = ";".join(["all:lognormal:1.5"] * 300)


def test_a_skew_holds_at_most_max_skew_items_and_says_so_in_one_line():
    at_bound = ";".join(["all:lognormal:1.5"] * MAX_SKEW_ITEMS)
    assert Config(skew=at_bound).skew == at_bound
    with pytest.raises(ConfigError) as err:
        Config(skew=at_bound + ";0:scale:2")
    assert str(err.value) == too_many_items(MAX_SKEW_ITEMS + 1) and err.value.key == "skew"
    assert f"at most {MAX_SKEW_ITEMS}" in str(err.value)


def test_the_skew_cap_reads_the_same_from_the_url_the_ui_and_the_cli(capsys):
    from explorer.cli import main

    line = too_many_items(300)
    config, problems = Config.from_query({"skew": LONG_SKEW})
    assert config.skew == "" and problems == [f"ignored URL parameter {line}"]
    with pytest.raises(ConfigError, match="^" + line.replace("(", r"\(").replace(")", r"\)") + "$"):
        Config(**{**Config().to_dict(), "skew": LONG_SKEW})  # the sidebar builds its Config this way
    assert main(["train", "--skew", LONG_SKEW]) == 2
    assert capsys.readouterr().err.strip().endswith(line)


def test_a_feature_range_beyond_any_data_is_refused_before_it_is_expanded():
    with pytest.raises(ConfigError, match="feature 999,999,999,999 does not exist in any data"):
        Config(skew="0-999999999999:lognormal:1")  # expanded, this range would fill the memory


@pytest.mark.parametrize("name", ["skew", "hidden", "dataset", "init", "lr"])
def test_an_over_long_value_is_refused_unread_with_its_length(name):
    text = "1" * (MAX_VALUE_CHARS + 1)
    config, problems = Config.from_query({name: text})
    assert config == Config()
    assert len(problems) == 1 and f"longer than {MAX_VALUE_CHARS:,} characters" in problems[0]
    assert f"({MAX_VALUE_CHARS + 1:,} characters)" in problems[0] and len(problems[0]) < 200


def test_a_repeated_parameter_uses_its_last_value_and_says_which():
    config, problems = Config.from_query({"norm": ["bn_before", "bn_after"], "lr": ["0.1", "0.1"]})
    assert (config.norm, config.lr) == ("bn_after", 0.1)
    assert problems == ["norm is given 2 times ('bn_before', 'bn_after'): used the last, 'bn_after'"]


def test_many_unknown_parameters_make_one_line():
    names = [f"x{i}" for i in range(40)]
    config, problems = Config.from_query(dict.fromkeys(names, "1"))
    assert config == Config()
    assert problems == [
        "ignored unknown URL parameters 'x0', 'x1', 'x2', 'x3', 'x4' and 35 more: not a setting of this app"
    ]


@pytest.mark.parametrize(
    "value",
    [
        "nan",
        "inf",
        "-inf",
        "1e999",
        "<script>alert(1)</script>",
        "**bold** [x](javascript:1)",
        "a\nb\x00\u202e",
        "ü" * 50,
    ],
)
@pytest.mark.parametrize("name", ["lr", "n_samples", "dataset", "skew", "hidden", "init"])
def test_hostile_values_are_ignored_in_one_short_line_with_control_characters_escaped(name, value):
    config, problems = Config.from_query({name: value})
    assert config == Config()
    assert len(problems) == 1 and problems[0].startswith(f"ignored URL parameter {name}")
    assert problems[0].isprintable() and len(problems[0]) < 300, problems[0]
