"""The Train page's network figure and scrubber: the boxes follow the placement, an earlier epoch can be
shown (figure, loss marker, boundary), and epoch 1 can be drawn faintly behind."""

from __future__ import annotations

from tests.support.apptest import charts, open_app, trainer
from ui.train import views

NETWORK = "The network, stage by stage"


def _steps(at, n: int):
    for _ in range(n):
        at.button(key="train.step").click().run()
    return at


def test_the_scrubber_shows_an_earlier_epoch_and_live_follows_training_again():
    at = _steps(open_app(norm="bn_after", epochs="10"), 4)
    scrub = at.select_slider(key=views.SCRUB)
    assert scrub.value == views.LIVE and scrub.options[-1] == "live" and len(scrub.options) == 5
    live = charts(at)[NETWORK][1]
    scrub.set_value(2).run()
    shown = charts(at)
    stats = shown[NETWORK][1]
    first = trainer(at).records[1]["layers"][0]["stages"]["linear"]
    assert stats[(stats["kind"] == "stat")]["text"].iloc[0].startswith(f"mean {first['mean']:.2g}")  # epoch 2's box
    assert not stats.equals(live)
    loss = shown["Loss"][1]
    assert loss.loc[loss["shown"] == True, "epoch"].tolist() == [2]  # noqa: E712  (the marker on the curve)
    assert at.session_state[views.TOP_BUILT][4] == 2  # the boundary as drawn at epoch 2
    at.select_slider(key=views.SCRUB).set_value("live").run()
    loss = charts(at)["Loss"][1]
    assert not loss["shown"].any()


def test_epoch_one_behind_draws_its_histograms_faintly_on_the_same_boxes():
    at = _steps(open_app(), 3)
    assert not (charts(at)[NETWORK][1]["kind"] == "past").any()
    at.toggle(key=views.OVERLAY).set_value(True).run()
    frame = charts(at)[NETWORK][1]
    assert (frame["kind"] == "past").sum() == (frame["kind"] == "bin").sum()


def test_before_the_first_epoch_the_figure_says_how_to_fill_it():
    at = open_app()
    assert NETWORK not in charts(at)
    assert any("Press Play or Step" in c.value for c in at.caption)
