"""What a learner should be told about a curve while it trains: for now, overfitting.

A run overfits when the test loss has risen clearly above its best while the training loss kept falling:
the network is fitting the training rows' noise. Diabetes (442 rows, 10 features) does it from the first
epochs; the Train page says so instead of leaving a rising curve unexplained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_RISE = 0.10  # test loss at least 10% above its best ...
MIN_EPOCHS_SINCE_BEST = 3  # ... for at least this many epochs, so one noisy epoch does not count


@dataclass(frozen=True)
class Overfitting:
    best_epoch: int
    best_test_loss: float
    test_loss: float
    train_loss_then: float
    train_loss: float

    @property
    def rise(self) -> float:
        """How far the test loss is above its best, as a fraction of the best."""
        return self.test_loss / self.best_test_loss - 1

    def sentence(self) -> str:
        return (
            f"Overfitting: the test loss is {self.rise:.0%} above its best (epoch {self.best_epoch}) while the "
            f"train loss kept falling ({self.train_loss_then:.3g} → {self.train_loss:.3g}). The network is "
            "learning the training rows' noise: try weight decay, fewer epochs or a smaller network."
        )


def overfitting(curve: Sequence[dict[str, float]]) -> Overfitting | None:
    """The overfitting in a per-epoch curve (epoch, train_loss, test_loss), or None."""
    if len(curve) <= MIN_EPOCHS_SINCE_BEST:
        return None
    best = min(range(len(curve)), key=lambda i: curve[i]["test_loss"])
    last = curve[-1]
    best_loss = curve[best]["test_loss"]
    if len(curve) - 1 - best < MIN_EPOCHS_SINCE_BEST or not best_loss > 0:
        return None
    if last["test_loss"] < best_loss * (1 + MIN_RISE) or last["train_loss"] >= curve[best]["train_loss"]:
        return None
    return Overfitting(
        int(curve[best]["epoch"]), best_loss, last["test_loss"], curve[best]["train_loss"], last["train_loss"]
    )
