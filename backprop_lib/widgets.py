"""Widgets: sliders for every parameter, a live view, and a step-by-step replay.

    from backprop_lib.widgets import Explorer
    Explorer(examples.seed_000(), curve="w2_1_1")

The widget is the view of an ``explorer_model.ExplorerModel``: a slider event becomes
``model.set(key, value)`` with the key and value the event carries; the model runs forward and
backward (parameters -> trace -> grads -> steps -> curve); one ``draw`` call turns the result
into HTML, which the widget shows. Nothing here computes maths of its own, and the layouts are
``draw``'s functions (``explorer_view_html``, ``explorer_curve_html``, ``explorer_still_html``).
The presenter toggle, the arranging and the display come from ``live.LiveView``.
"""

import ipywidgets as w
import numpy as np

from . import draw
from .checks import as_bool, as_number, describe, from_torch
from .examples import Example
from .explorer_model import ZOOM, ExplorerModel
from .live import LiveView
from .names import node_label, param_label
from .network import Network
from .replay import ReplayControls

_SLIDER_LAYOUT = w.Layout(width="310px")
_STYLE = {"description_width": "48px"}


def _slider(description, value, lo, hi, step=0.01):
    lo, hi = min(lo, value), max(hi, value)
    return w.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        readout_format=".2f",
        continuous_update=True,
        layout=_SLIDER_LAYOUT,
        style=_STYLE,
    )


def _exact(value, initial, step):
    """The slider's value, or the example's exact value while the slider stands on the grid
    point nearest to it. A slider moves in steps of 0.01, and the browser snaps a value like
    seed 001's 0.5488135 to 0.55 as soon as it draws the slider; without this, the view would
    show the loss of rounded weights before anyone touched a slider."""
    return initial if abs(value - initial) <= step / 2 + 1e-12 else value


class Explorer(LiveView):
    """Sliders for the weights, biases, input and target of one example, a live view of the
    computation graph, the loss and the current step, and replay controls.

    example: an ``examples.Example``, or a Network (then give x and target).
    curve: a parameter key (e.g. 'w2_1_1'): also draw L against that parameter, live.
    tangent: with ``curve``, draw the tangent line whose slope is ∂L/∂(that parameter).
    presenter: large fonts for a projector.
    """

    css_class = "bp-explorer"
    tooltip = "large fonts, diagram and formula side by side, for a projector"

    def __init__(
        self,
        example,
        x=None,
        target=None,
        *,
        curve=None,
        tangent=False,
        weight_range=3.0,
        presenter=False,
        start="forward",
    ):
        if isinstance(example, Example):
            for name, value in (("x", x), ("target", target)):
                if value is not None:  # the example brings its own: say so, never ignore it
                    raise TypeError(
                        f"{name}: an Example brings its own x and target, got {name}={value!r}; "
                        "pass example.net, x, target to explore other inputs"
                    )
            net, x, target = example.net, example.x, example.target
        elif isinstance(example, Network):
            net = example
            for name, value in (("x", x), ("target", target)):
                if value is None:
                    raise TypeError(f"{name}: expected one with a Network (x and target), got None")
        else:
            raise TypeError(
                f"example: expected an Example or a Network, got {type(example).__name__}"
            )
        if start not in ("forward", "backward"):
            raise ValueError(f"start: expected 'forward' or 'backward', got {start!r}")
        weight_range = as_number(weight_range, "weight_range", 0, 1e6, low_open=True)
        self.tangent, presenter = as_bool(tangent, "tangent"), as_bool(presenter, "presenter")
        if self.tangent and curve is None:
            raise ValueError("tangent: the tangent is drawn on a loss curve; pass curve= too")
        self.curve_key = curve
        initial = net.params()  # the example's exact values, by key
        # the curve spans its slider's range (widened to the example's value, as the slider is)
        lo, hi = (
            (min(-weight_range, initial[curve]), max(weight_range, initial[curve]))
            if isinstance(curve, str) and curve in initial  # else the model names the bad curve
            else (-weight_range, weight_range)
        )
        self.model = ExplorerModel(net, x, target, curve=curve, curve_range=(lo, hi))
        self._initial_net = net

        # one slider per key the model's ``set`` takes; each remembers its exact first value
        t_lo, t_hi = (0.0, 1.0) if net.activations[-1] == "sigmoid" else (-2.0, 2.0)
        n_in, n_out = net.sizes[0], net.sizes[-1]
        self.param_sliders = {
            k: _slider(param_label(k), v, -weight_range, weight_range) for k, v in initial.items()
        }
        self.x_sliders = [
            _slider(node_label("x", 0, i + 1, n_in), v, -2.0, 2.0)
            for i, v in enumerate(self.model.x)
        ]
        self.t_sliders = [
            _slider(node_label("t", 0, k + 1, n_out), v, t_lo, t_hi)
            for k, v in enumerate(self.model.target)
        ]
        keys = list(initial) + self.model.input_keys()
        self._sliders = dict(zip(keys, self._all_sliders()))  # key -> slider
        for key, s in self._sliders.items():
            if why := self.model.fixed(key):  # a class target: shown, not movable
                s.disabled, s.tooltip = True, why
        # the exact first values, by key (the sliders' own snap to their grid)
        self._initial = dict(
            initial,
            **dict(zip(self.model.input_keys(), map(float, [*self.model.x, *self.model.target]))),
        )
        self.reset_button = w.Button(
            description="reset",
            icon="undo",
            tooltip="restore the example's values",
            layout=w.Layout(width="120px"),
        )
        self.reset_button.on_click(lambda _: self.reset())

        self.css = w.HTML(draw.CSS)
        self.view = w.HTML(layout=w.Layout(width="100%"))
        self.curve_view = w.HTML() if curve is not None else None
        self._busy = True  # no drawing until the widgets are all made (init_live draws once)
        # replay controls: play, step back, step forward, position, the same piece as the
        # expression view's (``replay.ReplayControls``; step numbers count from 1, as the panel's
        # "step 3 of 22" does; ``self.index`` is the 0-based index into steps)
        self.replay = ReplayControls(self._on_position)
        self.position, self.play = self.replay.position, self.replay.play
        self.back_button, self.next_button = self.replay.back_button, self.replay.next_button
        start_at = 0 if start == "forward" else self._first_backward()
        self.replay.set_count(len(self.steps), start_at)

        for key, s in self._sliders.items():
            s.observe(lambda change, key=key: self._on_slider(key, change), names="value")

        # two arrangements of the same widgets; the toggle switches between them
        self._sliders_box = w.VBox(
            [w.HTML("<b>weights and biases</b>")]
            + list(self.param_sliders.values())
            + [w.HTML("<b>input and target</b>")]
            + self.x_sliders
            + self.t_sliders
            + [self.reset_button],
            layout=w.Layout(min_width="320px", flex="0 0 auto"),
        )
        # 500 px: the two curves side by side (2 × 240 px and the gap) beside the sliders at
        # 1280 px with the file browser open
        self._right = w.VBox(layout=w.Layout(flex="1 1 500px", min_width="0"))
        self._right.add_class("bp-explorer-right")
        self._normal_body = w.HBox(
            [self._sliders_box, self._right], layout=w.Layout(flex_flow="row wrap")
        )  # the view under the sliders when narrow
        self._presenter_grid = w.GridBox(
            self._all_sliders() + [self.reset_button],
            layout=w.Layout(grid_template_columns="repeat(auto-fill, 330px)"),
        )
        self.init_live(presenter, toolbar=list(self.replay.widget.children))
        self._busy = False

    # ---------------------------------------------------------------- state

    def _all_sliders(self):
        return list(self.param_sliders.values()) + self.x_sliders + self.t_sliders

    @property
    def net(self):
        return self.model.net

    @property
    def x(self):
        return self.model.x

    @property
    def target(self):
        return self.model.target

    @property
    def trace(self):
        return self.model.trace

    @property
    def grads(self):
        return self.model.grads

    @property
    def steps(self):
        return self.model.steps

    @property
    def _curve_cache(self):
        return self.model.curve_cache

    @property
    def index(self):
        """The current step's 0-based index into ``self.steps``."""
        return self.replay.index

    def _first_backward(self):
        return next(s.index for s in self.steps if s.phase == "backward")

    # ---------------------------------------------------------------- drawing

    def render(self):
        self.view.value = draw.explorer_view_html(self.model, self.index, self.presenter)
        if self.curve_view is not None:
            self.curve_view.value = draw.explorer_curve_html(self.model.curve, self.tangent)

    def layout(self, presenter):
        curve = [self.curve_view] if self.curve_view is not None else []
        if presenter:
            return [self.css, self.toolbar, self.view, self._presenter_grid] + curve
        # the curve heads the column beside the sliders: its dot stays on screen with them
        self._right.children = curve + [self.view]
        return [self.css, self.toolbar, self._normal_body]

    def snapshot_html(self):
        """The view as static HTML that any renderer shows as it is: what an untrusted notebook
        (its HTML sanitized: no <svg>, no <style>), a repository website or an exported page
        shows in place of the widget (``draw.explorer_still_html``: pictures are <img>s of the
        live view's SVGs with their values in the alt text)."""
        return draw.explorer_still_html(self.model, self.index, self._all_sliders(), self.tangent)

    # ---------------------------------------------------------------- events

    def _on_slider(self, key, change):
        if self._busy:
            return
        self.model.set(key, _exact(change["new"], self._initial[key], self._sliders[key].step))
        self.render()

    def _on_position(self, change=None):
        if not self._busy:
            self.render()

    def step_by(self, delta):
        """Move the replay by ``delta`` steps (clamped to the first and last step)."""
        self.replay.step_by(delta)

    def reset(self):
        """Restore the example's weights, input and target."""
        self._busy = True  # one recomputation, not one per slider
        try:
            for k, s in self._sliders.items():
                s.value = self._initial[k]
        finally:
            self._busy = False
        n_in = self.net.sizes[0]
        values = [self._initial[k] for k in self.model.input_keys()]
        self.model.load(self._initial_net, values[:n_in], values[n_in:])
        self.render()

    def set(self, key, value):
        """Move one slider from code, as a learner would: key is a parameter key ('w1_2_1'),
        or 'x1', 't1'."""
        valid = list(self._sliders)
        if not isinstance(key, str):
            raise TypeError(f"key: expected one of {valid}, got {describe(key)}")
        if key not in valid:
            raise ValueError(f"key: expected one of {valid}, got {key!r}")
        if why := self.model.fixed(key):
            raise ValueError(f"key: {why}")
        slider = self._sliders[key]
        value = from_torch(value)  # a 0-d array or tensor of a number: Network.set takes it too
        if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iufO":
            value = value.item()
        value = as_number(
            value,
            "value",
            slider.min,
            slider.max,
            what=f"a number from {slider.min:g} to {slider.max:g} (the slider's "
            "range; Explorer(..., weight_range=...) widens the weights')",
        )
        slider.value = value


__all__ = ["Explorer", "ZOOM"]
