"""The `skew` key's little language: `<features>:<kind>:<amount>` items joined by `;`.

Text only (no numpy), so the Config can check a skew without loading the data layer; what each kind does
to a feature is `explorer.data.skews`.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.errors import ConfigError, shown

SHAPE_KINDS = {
    "lognormal": "right skew: exp(sigma·z); amount = sigma (0.1 to 3)",
    "heavy_tail": "symmetric heavy tails: ranks mapped to a Student t; amount = its excess kurtosis (0 to 10)",
    "uniform": "flattened towards uniform ranks; amount = share in [0, 1]",
    "bimodal": "split at the median into two modes; amount = gap in stds (0 to 10)",
    "discretize": "rounded to a few levels by quantile; amount = levels (2 to 100)",
}
SCALE_KINDS = {
    "scale": "multiplied by a factor > 0 (e.g. 1000)",
    "shift": "offset added (e.g. 50)",
}
OUTLIER_KINDS = {"outliers": "that share of rows pushed 8 to 15 stds out; amount in (0, 0.5]"}
KINDS = {**SHAPE_KINDS, **SCALE_KINDS, **OUTLIER_KINDS}

AMOUNT_RANGES = {
    "lognormal": (0.0, 3.0),
    "heavy_tail": (0.0, 10.0),
    "uniform": (0.0, 1.0),
    "bimodal": (0.0, 10.0),
    "discretize": (2.0, 100.0),
    "scale": (1e-6, 1e6),
    "shift": (-1e6, 1e6),
    "outliers": (0.0, 0.5),
}
POSITIVE_KINDS = ("outliers", "scale")  # their amount's lower bound is open: 0 would change nothing
# Bounds on what a skew may ask, so that a link cannot make the server work without end: each item costs a pass
# over the data (a second or more on the largest data), and a feature range is expanded to its indices.
MAX_SKEW_ITEMS = 10  # one item can cover many features (all, 0-9, 0,2), so ten ordered transforms are plenty
MAX_FEATURE_INDEX = 199  # no data has more features: a CSV's 200 after one-hot encoding, 100 synthetic


@dataclass(frozen=True)
class Skew:
    """One `<features>:<kind>:<amount>` item."""

    features: str
    kind: str
    amount: float

    def __str__(self) -> str:
        return f"{self.features}:{self.kind}:{self.amount:g}"

    def columns(self, n_features: int) -> list[int]:
        return select_features(self.features, n_features)


def too_many_items(count: int) -> str:
    """The one line for a skew of `count` items, more than MAX_SKEW_ITEMS (the URL, the UI and the CLI say it)."""
    return f"skew: {count:,} items; at most {MAX_SKEW_ITEMS} (one item covers many features: all, 0-9 or 0,2)"


def skew_items(text: str) -> list[str]:
    """The items' texts, unparsed (one linear pass, however long the text)."""
    return [part.strip() for part in text.split(";") if part.strip()]


def parse_skew(text: str) -> list[Skew]:
    """Parse the `skew` key; feature indices are checked later, against the data (and here against
    MAX_FEATURE_INDEX, which no data reaches)."""
    items = skew_items(text)
    if len(items) > MAX_SKEW_ITEMS:
        raise _error(too_many_items(len(items)))
    skews = []
    for item in items:
        parts = item.split(":")
        if len(parts) != 3:
            raise _error(f"skew item {shown(item)}: expected <features>:<kind>:<amount>, e.g. 0:lognormal:1.5")
        features, kind, amount_text = (p.strip() for p in parts)
        if kind not in KINDS:
            raise _error(f"skew item {shown(item)}: unknown kind {shown(kind)}; kinds: {', '.join(KINDS)}")
        try:
            amount = float(amount_text)
        except ValueError:
            raise _error(f"skew item {shown(item)}: amount {shown(amount_text)} is not a number") from None
        lo, hi = AMOUNT_RANGES[kind]
        if not (lo <= amount <= hi) or (kind in POSITIVE_KINDS and amount <= 0):
            raise _error(f"skew item {shown(item)}: {kind} amount must be in [{lo:g}, {hi:g}]")
        select_features(features, None)  # syntax check
        skews.append(Skew(features, kind, amount))
    return skews


def select_features(selector: str, n_features: int | None) -> list[int]:
    """`all`, `even`, `odd`, `3`, `0,2`, `0-9` or a comma list of those numbers and ranges."""
    if selector in ("all", "even", "odd"):
        if n_features is None:
            return []
        start, step = {"all": (0, 1), "even": (0, 2), "odd": (1, 2)}[selector]
        return list(range(start, n_features, step))
    picked: list[int] = []
    for part in selector.split(","):
        lo_text, dash, hi_text = part.strip().partition("-")
        try:
            lo = int(lo_text)
            hi = int(hi_text) if dash else lo
        except ValueError:
            raise _error(
                f"skew features {shown(selector)}: use all, even, odd, an index (3), a list (0,2) or a range (0-9)"
            ) from None
        if lo < 0 or hi < lo:
            raise _error(f"skew features {shown(selector)}: range {shown(part.strip())} is empty or negative")
        if hi > MAX_FEATURE_INDEX:  # before the range is expanded: 0-999999999 would fill the memory
            raise _error(
                f"skew features {shown(selector)}: feature {hi:,} does not exist in any data "
                f"(at most {MAX_FEATURE_INDEX + 1} features, 0-{MAX_FEATURE_INDEX})"
            )
        picked.extend(range(lo, hi + 1))
    if n_features is not None and picked and max(picked) >= n_features:
        raise _error(
            f"skew features {shown(selector)}: feature {max(picked)} does not exist; "
            f"this data has features 0-{n_features - 1}"
        )
    return sorted(set(picked))


def _error(message: str) -> ConfigError:
    return ConfigError(message, key="skew")
