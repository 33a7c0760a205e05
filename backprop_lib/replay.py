"""Replay controls: play, step back, step forward and a position slider, for any list of Steps.

    controls = ReplayControls(on_change=render)   # render() reads controls.index
    controls.set_count(len(steps))

One mechanism for both replays: the network Explorer (``widgets.Explorer``) and the expression
view (``graph_explorer.GraphExplorer``) each hold one of these. Step numbers count from 1, as the panel's "step 3 of 22" does;
``index`` is the 0-based index into the steps.
"""

import ipywidgets as w

from .checks import as_int

_STYLE = {"description_width": "48px"}


class ReplayControls:
    def __init__(self, on_change, interval=900):
        self.position = w.IntSlider(
            value=1,
            min=1,
            max=2,
            description="step",
            continuous_update=True,
            layout=w.Layout(width="420px"),
            style=_STYLE,
        )
        self.play = w.Play(
            value=1, min=1, max=2, interval=interval, description="play", show_repeat=False
        )
        w.jslink((self.play, "value"), (self.position, "value"))
        self.back_button = w.Button(description="◀ step back", layout=w.Layout(width="120px"))
        self.next_button = w.Button(description="step ▶", layout=w.Layout(width="120px"))
        self.back_button.on_click(lambda _: self.step_by(-1))
        self.next_button.on_click(lambda _: self.step_by(+1))
        self.position.observe(lambda _: on_change(), names="value")
        self.widget = w.HBox(
            [self.play, self.back_button, self.next_button, self.position],
            layout=w.Layout(flex_flow="row wrap"),
        )

    @property
    def index(self):
        """The current step's 0-based index."""
        return self.position.value - 1

    @property
    def count(self):
        return self.position.max

    def set_count(self, n, index=None):
        """n steps (at least 1); keep the position where it fits, or move to ``index``."""
        n = max(int(n), 1)
        at = self.index if index is None else index
        at = min(max(at, 0), n - 1)
        hold = self.position.value
        # max before value, without firing on_change for an unchanged position
        self.position.max = self.play.max = n
        if at + 1 != hold:
            self.position.value = at + 1

    def step_by(self, delta):
        """Move by ``delta`` steps, clamped to the first and last."""
        delta = as_int(delta, "delta", what="a whole number of steps (negative: back)")
        self.position.value = min(max(self.position.value + delta, 1), self.position.max)
