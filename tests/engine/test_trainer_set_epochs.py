"""Trainer.set_epochs: the Train page lengthens a finished run instead of starting it again."""

from explorer.config import Config
from explorer.runs.training import Trainer

SMALL = Config(n_samples=200, epochs=2, hidden=(8, 8))


def test_a_lengthened_finished_run_matches_a_longer_run_from_the_start():
    lengthened, whole = Trainer(SMALL), Trainer(SMALL.replace(epochs=4))
    lengthened.advance(epochs=10)
    assert lengthened.done and lengthened.epoch == 2
    lengthened.set_epochs(4)
    assert not lengthened.done
    lengthened.advance(epochs=10)
    whole.advance(epochs=10)
    assert lengthened.epoch == 4 and lengthened.curve == whole.curve


def test_shortening_a_run_ends_it_and_the_config_says_so():
    trainer = Trainer(SMALL.replace(epochs=5))
    trainer.advance(epochs=1)
    trainer.set_epochs(1)
    assert trainer.done and trainer.config.epochs == 1
    assert trainer.advance(epochs=3) == 0
