"""Normalization Explorer's engine: data, skews, scalers, model, trainer and probes; no UI inside."""

from explorer.config import Config, ConfigError

__all__ = ["Config", "ConfigError"]
