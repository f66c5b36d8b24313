"""The one typed, validated `Config` behind the UI, the URL, the CLI and sweeps.

Every key has a parser from text (URL query values and CLI flags are text) and a validator that
names the key, the value and what is allowed (`keys.KEYS`), so a bad link or flag gets one clear line.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from explorer.config.keys import BATCH_NORMS, FILE_KEYS, KEYS
from explorer.errors import ConfigError


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
                raise ConfigError(f"{name}={format_value(value)!s}: expected {key.allowed}", key=name)
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
    def from_query(cls, params: Mapping[str, str], base: Config | None = None) -> tuple[Config, list[str]]:
        """Lenient: a shared link with one bad value still opens, with that key at its default.

        Returns the config and one message per key that was ignored, so the UI can show them.
        """
        config = base or cls()
        problems: list[str] = []
        params = dict(params)
        dropped = [name for name in FILE_KEYS if params.pop(name, None) is not None]
        if dropped:
            problems.append("ignored URL parameter csv_path: a link cannot point at a file on the server")
        if params.get("dataset") == "csv":
            del params["dataset"]
            problems.append("this link was made with an uploaded CSV: upload it again (dataset is back to the default)")
        for name, raw in params.items():
            if name not in KEYS:
                problems.append(f"ignored unknown URL parameter {name!r}")
                continue
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


def parse_value(name: str, value: Any) -> Any:
    """Text (or JSON) to the key's type; a value that cannot be read raises ConfigError."""
    key = KEYS[name]
    if not isinstance(value, str):
        if name == "hidden" and isinstance(value, (list, tuple)):
            return tuple(value)
        if isinstance(value, bool) or (isinstance(value, float) and key.parse is int and not value.is_integer()):
            raise ConfigError(f"{name}={value!r}: expected {key.allowed}", key=name)
        return key.parse(value) if key.parse in (int, float) else value
    try:
        return key.parse(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r}: expected {key.allowed}", key=name) from None


def format_value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else repr(value)
    return str(value)
