"""Widgets: sliders for every parameter, a live view, and a step-by-step replay.

    from backprop_lib.widgets import Explorer
    Explorer(examples.seed_000(), curve="w2_1_1")

Each slider move runs forward and backward again (parameters -> trace -> grads -> steps) and
redraws the view as one HTML string; nothing here computes maths of its own. The curve is
recomputed only when something other than its own weight changes.
"""

import html
import re

import ipywidgets as w
import numpy as np

from . import draw, theme
from .checks import as_bool, as_inputs, as_number, describe, rename
from .examples import Example
from .names import node_label, param_label, parse_param_key
from .network import Network, backward, forward
from .replay import ReplayControls
from .steps import steps as make_steps

ZOOM = 0.5  # the curve's close-up spans the dot's weight ± ZOOM
_SLIDER_LAYOUT = w.Layout(width="310px")
_STYLE = {"description_width": "48px"}


def _slider(description, value, lo, hi, step=0.01):
    lo, hi = min(lo, value), max(hi, value)
    return w.FloatSlider(
        value=value, min=lo, max=hi, step=step, description=description, readout_format=".2f",
        continuous_update=True, layout=_SLIDER_LAYOUT, style=_STYLE,
    )


def _exact(slider, initial):
    """The slider's value, or the example's exact value while the slider stands on the grid
    point nearest to it. A slider moves in steps of 0.01, and the browser snaps a value like
    seed 001's 0.5488135 to 0.55 as soon as it draws the slider; without this, the view would
    show the loss of rounded weights before anyone touched a slider."""
    return initial if abs(slider.value - initial) <= slider.step / 2 + 1e-12 else slider.value


class Explorer:
    """Sliders for the weights, biases, input and target of one example, a live view of the
    computation graph, the loss and the current step, and replay controls.

    example: an ``examples.Example``, or a Network (then give x and target).
    curve: a parameter key (e.g. 'w2_1_1'): also draw L against that parameter, live.
    tangent: with ``curve``, draw the tangent line whose slope is ∂L/∂(that parameter).
    presenter: large fonts for a projector.
    """

    def __init__(self, example, x=None, target=None, *, curve=None, tangent=False,
                 weight_range=3.0, presenter=False, start="forward"):
        if isinstance(example, Example):
            net, x, target = example.net, example.x, example.target
        elif isinstance(example, Network):
            net = example
            for name, value in (("x", x), ("target", target)):
                if value is None:
                    raise TypeError(f"{name}: expected one with a Network (x and target), got None")
        else:
            raise TypeError(f"example: expected an Example or a Network, got {type(example).__name__}")
        if start not in ("forward", "backward"):
            raise ValueError(f"start: expected 'forward' or 'backward', got {start!r}")
        weight_range = as_number(weight_range, "weight_range", 0, 1e6, low_open=True)
        tangent, presenter = as_bool(tangent, "tangent"), as_bool(presenter, "presenter")
        if as_inputs(net, x)[1]:
            raise ValueError(f"x: expected one sample of shape ({net.sizes[0]},), got a batch")
        trace = forward(net, x, target)  # checks x and target once, with the library's messages
        # the target as the loss sees it: a class index of a softmax net becomes its one-hot row
        self._initial = (net, np.array(trace.x).reshape(-1), np.array(trace.target).reshape(-1))
        self._initial_params = net.params()  # the example's exact values, by key
        if curve is not None:
            try:
                net.get(curve)  # a clear error now for an unknown key
            except (TypeError, ValueError) as e:
                raise rename(e, "key", "curve") from None
        self.curve_key, self.tangent = curve, tangent
        self._curve_cache = None
        out_act = net.activations[-1]
        t_lo, t_hi = (0.0, 1.0) if out_act == "sigmoid" else (-2.0, 2.0)

        self.param_sliders = {
            k: _slider(param_label(k), v, -weight_range, weight_range)
            for k, v in self._initial_params.items()
        }
        n_in, n_out = net.sizes[0], net.sizes[-1]
        self.x_sliders = [_slider(node_label("x", 0, i + 1, n_in), v, -2.0, 2.0)
                          for i, v in enumerate(self._initial[1])]
        self.t_sliders = [_slider(node_label("t", 0, k + 1, n_out), v, t_lo, t_hi)
                          for k, v in enumerate(self._initial[2])]
        self.reset_button = w.Button(description="reset", icon="undo", tooltip="restore the example's values",
                                     layout=w.Layout(width="120px"))
        self.reset_button.on_click(lambda _: self.reset())

        self.css = w.HTML(draw.CSS)
        self._a11y = theme.a11y_widget()
        self.view = w.HTML(layout=w.Layout(width="100%"))
        self.curve_view = w.HTML() if curve is not None else None

        self.presenter_toggle = w.ToggleButton(
            value=presenter, description="presenter view", icon="desktop",
            tooltip="large fonts, diagram and formula side by side, for a projector",
            layout=w.Layout(width="150px"))
        self._busy = False
        self._compute()
        # replay controls: play, step back, step forward, position, the same piece as the
        # expression view's (``replay.ReplayControls``; step numbers count from 1, as the panel's
        # "step 3 of 22" does; ``self.index`` is the 0-based index into steps)
        self.replay = ReplayControls(self._on_position)
        self.position, self.play = self.replay.position, self.replay.play
        self.back_button, self.next_button = self.replay.back_button, self.replay.next_button
        start_at = 0 if start == "forward" else self._first_backward()
        self.replay.set_count(len(self.steps), start_at)
        self._render()

        for s in self._all_sliders():
            s.observe(self._on_slider, names="value")

        self._controls = w.HBox(list(self.replay.widget.children) + [self.presenter_toggle],
                                layout=w.Layout(flex_flow="row wrap"))
        # two arrangements of the same widgets; the toggle switches between them
        self._normal_body = w.HBox([
            w.VBox([w.HTML("<b>weights and biases</b>")] + list(self.param_sliders.values())
                   + [w.HTML("<b>input and target</b>")] + self.x_sliders + self.t_sliders
                   + [self.reset_button], layout=w.Layout(min_width="330px")),
            # the curve first: its dot stays on screen beside the sliders that move it
            w.VBox(([self.curve_view] if self.curve_view is not None else []) + [self.view],
                   layout=w.Layout(flex="1 1 740px", min_width="0")),
        ], layout=w.Layout(flex_flow="row wrap"))  # the view goes under the sliders when narrow
        self._presenter_grid = w.GridBox(self._all_sliders() + [self.reset_button],
                                         layout=w.Layout(grid_template_columns="repeat(3, 330px)"))
        self.widget = w.VBox()
        self.widget.add_class("bp-explorer")
        self.widget.add_class("bp-theme")
        self._arrange()
        self.presenter_toggle.observe(self._on_presenter, names="value")

    # ---------------------------------------------------------------- state

    def _all_sliders(self):
        return list(self.param_sliders.values()) + self.x_sliders + self.t_sliders

    @property
    def net(self):
        return self._net

    @property
    def presenter(self):
        """Whether the presenter layout is on (the "presenter view" toggle)."""
        return self.presenter_toggle.value

    def _current_inputs(self):
        """The network, x and t the sliders say, each slider read with ``_exact``."""
        net, x0, t0 = self._initial
        exact = self._initial_params
        ws = [np.array(W) for W in net.weights]
        bs = [np.array(b) for b in net.biases] if net.biases is not None else None
        for k, s in self.param_sliders.items():
            kind, l, *idx = parse_param_key(k)
            if kind == "w":
                ws[l - 1][idx[0] - 1, idx[1] - 1] = _exact(s, exact[k])
            else:
                bs[l - 1][idx[0] - 1] = _exact(s, exact[k])
        x = np.array([_exact(s, v) for s, v in zip(self.x_sliders, x0)])
        t = np.array([_exact(s, v) for s, v in zip(self.t_sliders, t0)])
        return net.replace(weights=ws, biases=bs), x, t

    def _compute(self):
        """parameters -> trace -> grads -> steps."""
        self._net, self.x, self.target = self._current_inputs()
        self.trace = forward(self._net, self.x, self.target)
        self.grads = backward(self._net, self.trace)
        self.steps = make_steps(self._net, self.trace, self.grads)

    @property
    def index(self):
        """The current step's 0-based index into ``self.steps``."""
        return self.replay.index

    def _first_backward(self):
        return next(s.index for s in self.steps if s.phase == "backward")

    # ---------------------------------------------------------------- rendering

    def _render(self):
        step = self.steps[self.index]
        svg = draw.network_svg(self._net, self.trace, self.grads, highlight=step.highlight,
                               compact=self.presenter)
        loss = draw.loss_html(self.trace)
        formula = draw.step_html(step, len(self.steps), terms=not self.presenter)
        chips = draw.chips_html(self.steps, step.index)
        data = draw.net_data_attr(self._net, self.x, self.target)
        if self.presenter:
            basis = draw.graph_min_width(self._net, compact=True) + 4  # never narrower than the graph
            self.view.value = (
                f'<div class="bp-view bp-theme bp-presenter" data-bp="view" {data}><div class="bp-row">'
                f'<div class="bp-scroll" style="flex: 3 1 {basis:.0f}px">{svg}{draw.terms_html(step)}</div>'
                f'<div class="bp-panel" style="flex: 2 1 300px">{loss}{formula}</div></div>'
                f"{chips}</div>"
            )
        else:
            table = draw.params_table_html(self._net, self.grads, step.highlight)
            self.view.value = (
                f'<div class="bp-view bp-theme" data-bp="view" {data}><div class="bp-scroll">{svg}</div>'
                f'{draw.LEGEND}<div class="bp-row">'
                f'<div class="bp-panel">{loss}{formula}</div>'
                f'<div class="bp-panel">{chips}{table}</div></div></div>'
            )
        if self.curve_view is not None:
            self._render_curve()

    def _render_curve(self):
        key = self.curve_key
        slider = self.param_sliders[key]
        # the curve depends on everything but its own weight: recompute only when that changes
        others = tuple((k, s.value) for k, s in self.param_sliders.items() if k != key)
        others += tuple(s.value for s in self.x_sliders + self.t_sliders)
        if self._curve_cache is None or self._curve_cache[0] != others:
            ws = np.linspace(slider.min, slider.max, 121)
            ls = np.array([forward(self._net.set(key, v), self.x, self.target).loss for v in ws])
            self._curve_cache = (others, ws, ls)
        _, ws, ls = self._curve_cache
        kind, l, *idx = parse_param_key(key)
        g = self.grads.weights if kind == "w" else self.grads.biases
        slope = float(g[l - 1][tuple(i - 1 for i in idx)]) if self.tangent else None
        label = param_label(key)
        # the close-up: ±ZOOM around the dot, its y-axis fitted to the loss there, so that a
        # bottom at L ≈ 0.0004 and the tangent hugging the curve show (the whole curve's y-axis
        # spans its largest loss)
        lo, hi = max(slider.min, slider.value - ZOOM), min(slider.max, slider.value + ZOOM)
        zs = np.linspace(lo, hi, 61)
        zl = np.array([forward(self._net.set(key, v), self.x, self.target).loss for v in zs])
        self.curve_view.value = (
            f'<div class="bp-view bp-theme" data-bp="curve"><div class="bp-legend">L as a function of {label}'
            + (f"; dashed: the tangent, slope ∂L/∂{label} = {draw.num(slope)}" if self.tangent else "")
            + '</div><div class="bp-row">'
            + f'<div class="bp-panel" data-bp="curve-all" style="flex: 1 1 300px">all of {label}'
            + draw.curve_svg(ws, ls, slider.value, self.trace.loss, slope=slope, xlabel=label,
                             width=380, height=240) + "</div>"
            + f'<div class="bp-panel" data-bp="curve-zoom" style="flex: 1 1 300px">close up: {label} '
            + f"± {ZOOM:g} around the dot"
            + draw.curve_svg(zs, zl, slider.value, self.trace.loss, slope=slope, xlabel=label,
                             width=380, height=240) + "</div></div></div>"
        )

    # ---------------------------------------------------------------- events

    def _on_slider(self, change):
        if self._busy:
            return
        self._compute()
        self._render()

    def _on_position(self, change=None):
        self._render()

    def _on_presenter(self, change):
        self._render()
        self._arrange()

    def _arrange(self):
        curve = [self.curve_view] if self.curve_view is not None else []
        if self.presenter:
            self.widget.children = [self.css, self._a11y, self.view, self._controls,
                                    self._presenter_grid] + curve
            self.widget.add_class("bp-presenter")
        else:  # the curve is in the body's right-hand column, above the graph
            self._normal_body.children[1].children = curve + [self.view]
            self.widget.children = [self.css, self._a11y, self._normal_body, self._controls]
            self.widget.remove_class("bp-presenter")

    def step_by(self, delta):
        """Move the replay by ``delta`` steps (clamped to the first and last step)."""
        self.replay.step_by(delta)

    def reset(self):
        """Restore the example's weights, input and target."""
        net, x, t = self._initial
        self._busy = True  # one recomputation, not one per slider
        try:
            for k, v in self._initial_params.items():
                self.param_sliders[k].value = v
            for s, v in zip(self.x_sliders, x):
                s.value = float(v)
            for s, v in zip(self.t_sliders, t):
                s.value = float(v)
        finally:
            self._busy = False
        self._compute()
        self._render()

    def set(self, key, value):
        """Move one slider from code, as a learner would: key is a parameter key ('w1_2_1'),
        or 'x1', 't1'."""
        valid = list(self.param_sliders) + [f"x{i + 1}" for i in range(len(self.x_sliders))] + [
            f"t{k + 1}" for k in range(len(self.t_sliders))]
        if not isinstance(key, str):
            raise TypeError(f"key: expected one of {valid}, got {describe(key)}")
        if key not in valid:
            raise ValueError(f"key: expected one of {valid}, got {key!r}")
        if key in self.param_sliders:
            slider = self.param_sliders[key]
        else:
            slider = (self.x_sliders if key[0] == "x" else self.t_sliders)[int(key[1:]) - 1]
        value = as_number(value, "value", slider.min, slider.max,
                          what=f"a number from {slider.min:g} to {slider.max:g} (the slider's "
                          "range; Explorer(..., weight_range=...) widens the weights')")
        slider.value = value

    def snapshot_html(self):
        """The view as static HTML that any renderer shows as it is: what an untrusted notebook
        (its HTML sanitized: no <svg>, no <style>), a repository website or an exported page
        shows in place of the widget. Pictures are <img>s of SVGs with their values in the alt
        text, the rest plain HTML with inline styles (see ``theme``); a trusted page swaps the
        pictures for the inline, themed SVGs."""
        step = self.steps[self.index]
        svg = draw.network_svg(self._net, self.trace, self.grads, highlight=step.highlight)
        graph = theme.still(svg, draw.graph_description(self._net, self.trace, self.grads), 900)
        curve = ""
        if self.curve_view is not None:
            stills = []
            for csvg in re.findall(r"<svg.*?</svg>", self.curve_view.value, re.S):  # all, close-up
                label = re.search(r'aria-label="([^"]*)"', csvg).group(1)
                stills.append(theme.still(csvg, html.unescape(label), 380))
            curve = ('<div style="margin-top: 6px; display: flex; flex-wrap: wrap; gap: 10px">'
                     + "".join(f'<div style="flex: 1 1 300px; max-width: 380px">{x}</div>' for x in stills)
                     + "</div>")
        loss = f'<div style="font-size: 20px">L = <b>{draw.esc(draw.num(self.trace.loss, 8))}</b></div>'
        return draw.still_view_html(
            self._all_sliders(), graph + loss + draw.still_step_html(step, len(self.steps)), footer=curve
        )

    def _repr_mimebundle_(self, **kwargs):
        # JupyterLab renders the live widget (its renderer ranks first); exporters and
        # websites that cannot run widgets fall back to the static snapshot.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.snapshot_html()
        return bundle
