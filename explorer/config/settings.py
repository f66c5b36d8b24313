"""The one typed, validated `Config` behind the UI, the URL, the CLI and sweeps.

Every key has a parser from text (URL query values and CLI flags are text) and a validator that
names the key, the value and what is allowed (`keys.KEYS`), so a bad link or flag gets one clear line.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from explorer.config import skew_grammar
from explorer.config.keys import BATCH_NORMS, FILE_KEYS, KEYS, MAX_VALUE_CHARS
from explorer.config.skew_grammar import MAX_SKEW_ITEMS
from explorer.errors import ConfigError, shown

MAX_UNKNOWN_NAMED = 5  # a link's unknown parameters named in its one line; the rest are counted


@dataclass(frozen=True)
class Config:
    """Everything that defines a run; equal configs give identical numbers on the same machine."""

    dataset: str = "moons"
    n_samples: int = 1000
    noise: float = 0.2
    n_features: int = 10
    test_size: float = 0.25
    csv_path: str = ""
    target: str = ""
    skew: str = ""
    scaler: str = "standard"
    hidden: tuple[int, ...] = field(default=(32, 32))
    activation: str = "relu"
    norm: str = "none"  # the first screen trains without BN, so turning BN on is a visible comparison
    norm_noise: float = 1.0
    init: str = "default"
    optimizer: str = "momentum"  # SGD with momentum: the optimizer conditioning speaks about (Adam hides scale)
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 32
    epochs: int = 60  # moons with these defaults learns over ~20 epochs: the curve is not flat for most of the run
    seed: int = 0

    def __post_init__(self) -> None:
        if self.dataset != "csv":  # file keys only mean something for a CSV; don't let them ride along
            object.__setattr__(self, "csv_path", "")
            object.__setattr__(self, "target", "")
        for name, key in KEYS.items():
            value = getattr(self, name)
            if isinstance(value, str):
                check_length(name, value)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
                value = tuple(value)
            try:
                ok = key.check(value)
            except ConfigError:
                raise
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ConfigError(f"{name}={_echo(value)}: expected {key.allowed}", key=name)
        if self.dataset == "csv" and not self.csv_path:
            raise ConfigError("dataset=csv: set csv_path to the CSV file to load", key="csv_path")
        if self.norm in BATCH_NORMS and self.batch_size < 2:
            raise ConfigError(
                f"batch_size={self.batch_size} with norm={self.norm}: batch norm needs at least 2 rows per batch",
                key="batch_size",
            )

    # ---- (de)serialisation -------------------------------------------------------------
    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed (validated like any Config)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in dataclasses.asdict(self).items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_query(self) -> dict[str, str]:
        """All keys as text, for a URL that reproduces the run even if defaults change later.

        Never a file path: a link cannot carry an uploaded CSV (see `from_query`).
        """
        return {
            name: format_value(value) for name, value in self.to_dict().items() if value != "" and name not in FILE_KEYS
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Config:
        """Strict: unknown keys and bad values raise ConfigError (for JSON files and the CLI)."""
        unknown = sorted(set(values) - set(KEYS))
        if unknown:
            raise ConfigError(f"unknown key {unknown[0]!r}; known keys: {', '.join(KEYS)}", key=unknown[0])
        return cls(**{name: parse_value(name, value) for name, value in values.items()})

    @classmethod
    def from_json(cls, text: str) -> Config:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(f"config is not valid JSON: {err.msg} at line {err.lineno}") from None
        if not isinstance(values, dict):
            raise ConfigError("config JSON must be an object of key: value pairs")
        return cls.from_dict(values)

    @classmethod
    def from_query(
        cls, params: Mapping[str, str | Sequence[str]], base: Config | None = None
    ) -> tuple[Config, list[str]]:
        """Lenient: a shared link with one bad value still opens, with that key at its default.

        A value may be every value of a repeated parameter (`?norm=bn_before&norm=bn_after`): the last is
        used, as most servers do, and the line says so. Returns the config and one line per thing ignored,
        so the UI can show them; user text in them is quoted and shortened (`explorer.errors.shown`).
        """
        config = base or cls()
        problems: list[str] = []
        params = dict(params)
        dropped = [name for name in FILE_KEYS if params.pop(name, None) is not None]
        if dropped:
            problems.append("ignored URL parameter csv_path: a link cannot point at a file on the server")
        unknown = [name for name in params if name not in KEYS]
        if unknown:
            problems.append(unknown_line(unknown))
        values: dict[str, str] = {}
        for name, given in params.items():  # in the link's order: of two that clash, the later is ignored
            if name in KEYS:
                values[name], repeated = last_value(name, given)
                problems.extend([repeated] if repeated else [])
        if values.get("dataset") == "csv":
            del values["dataset"]
            problems.append("this link was made with an uploaded CSV: upload it again (dataset is back to the default)")
        for name, raw in values.items():
            try:
                config = config.replace(**{name: parse_value(name, raw)})
            except ConfigError as err:
                problems.append(f"ignored URL parameter {err}")
        try:
            config.__post_init__()
        except ConfigError as err:  # a combination of individually valid values
            problems.append(f"ignored the URL's settings: {err}")
            config = base or cls()
        return config, problems


def last_value(name: str, value: str | Sequence[str]) -> tuple[str, str]:
    """The value a URL parameter takes, and a line when it was given several different values (the last is
    used); also for the pages' own parameters (Train's `ab`). `name` is a known key: it is not quoted."""
    if isinstance(value, str):
        return value, ""
    values = [str(v) for v in value]
    if not values:
        return "", ""
    if len(set(values)) == 1:  # the same value twice asks for nothing else
        return values[-1], ""
    listed = ", ".join(shown(v) for v in values[:MAX_UNKNOWN_NAMED])
    more = f" and {len(values) - MAX_UNKNOWN_NAMED:,} more" if len(values) > MAX_UNKNOWN_NAMED else ""
    used = shown(values[-1])
    return values[-1], f"{name} is given {len(values):,} times ({listed}{more}): used the last, {used}"


def unknown_line(names: Sequence[str]) -> str:
    """One line for a link's unknown parameters, however many there are."""
    listed = ", ".join(shown(name) for name in names[:MAX_UNKNOWN_NAMED])
    more = f" and {len(names) - MAX_UNKNOWN_NAMED:,} more" if len(names) > MAX_UNKNOWN_NAMED else ""
    plural = "s" * (len(names) > 1)
    return f"ignored unknown URL parameter{plural} {listed}{more}: not a setting of this app"


def parse_value(name: str, value: Any) -> Any:
    """Text (or JSON) to the key's type; a value that cannot be read raises ConfigError."""
    key = KEYS[name]
    if isinstance(value, str):
        check_length(name, value)  # before parsing: an over-long value is never read in full
    if not isinstance(value, str):
        if name == "hidden" and isinstance(value, (list, tuple)):
            return tuple(value)
        if isinstance(value, bool) or (isinstance(value, float) and key.parse is int and not value.is_integer()):
            raise ConfigError(f"{name}={value!r}: expected {key.allowed}", key=name)
        return key.parse(value) if key.parse in (int, float) else value
    try:
        return key.parse(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={shown(value)}: expected {key.allowed}", key=name) from None


def check_length(name: str, value: str) -> None:
    """Refuse a text longer than MAX_VALUE_CHARS; a skew of too many items says that instead (more useful)."""
    if len(value) <= MAX_VALUE_CHARS:
        return
    if name == "skew" and len(skew_grammar.skew_items(value)) > MAX_SKEW_ITEMS:
        raise ConfigError(skew_grammar.too_many_items(len(skew_grammar.skew_items(value))), key=name)
    raise ConfigError(f"{name}={shown(value)}: longer than {MAX_VALUE_CHARS:,} characters", key=name)


def _echo(value: Any) -> str:
    """A value as an error message repeats it: as the URL spells it, unless it is long or holds characters
    that must not reach the screen as they are (then quoted and shortened)."""
    text = format_value(value)
    return text if len(text) <= 40 and text.isprintable() else shown(text)


def format_value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else repr(value)
    return str(value)
