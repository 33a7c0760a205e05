"""GraphExplorer: type an expression, move its leaves, watch every value and gradient.

    from backprop_lib.graph_explorer import GraphExplorer
    GraphExplorer("tanh(w1*x1 + w2*x2 + b)", {"w1": -3, "x1": 2, "w2": 1, "x2": 0, "b": 6.88})

The text is parsed safely (``expr.parse``: never evaluated); each leaf gets a slider; every
event runs the model (``graph_model.evaluate``: build, backward, replay, node checks) and draws
its State (``graph_view.graph_svg`` and the network view's step panel and chips). Each node's
badge compares its backpropagated gradient with a central difference through that node. The
presenter toggle, the arranging and the display come from ``live.LiveView``.
"""

import json

import ipywidgets as w

from . import draw
from .checks import as_bool, as_number, check_type, describe
from .expr import ExprError, parse
from .graph_model import evaluate
from .graph_view import LEGEND, figure, graph_html
from .live import LiveView
from .replay import ReplayControls

_STYLE = {"description_width": "48px"}
DEFAULTS = (0.5, -1.0, 1.5, 2.0, -0.5, 0.8, -2.0, 1.0)  # the leaves' first values, in order


class GraphExplorer(LiveView):
    """A live expression graph with a slider per leaf and a step-by-step replay.

    text: the expression; values: {leaf name: first value} (others from DEFAULTS);
    value_range: each slider's half-width; presenter: large fonts for a projector.
    """

    css_class = "bp-graph-explorer"
    tooltip = "large fonts, diagram and formula side by side, for a projector"

    def __init__(
        self, text="(x + y) * z", values=None, *, value_range=3.0, presenter=False, start="backward"
    ):
        if start not in ("forward", "backward"):
            raise ValueError(f"start: expected 'forward' or 'backward', got {start!r}")
        what = "a positive number, each slider's half-width (e.g. 3)"
        self.value_range = as_number(value_range, "value_range", 0, low_open=True, what=what)
        self._start, presenter = start, as_bool(presenter, "presenter")
        self.expr = parse(text)  # a clear ExprError before any widget is made
        self._given = self._check_values(values)
        self.state = None
        self.text = w.Text(
            value=text,
            description="f =",
            continuous_update=False,
            layout=w.Layout(width="520px"),
            style=_STYLE,
        )
        self.text.add_class("bp-expr-input")
        self.message = w.HTML()
        self.sliders = {}
        self.slider_box = w.VBox(layout=w.Layout(min_width="330px"))
        self._busy = True  # no drawing until init_live
        self.replay = ReplayControls(lambda: self._busy or self.render())
        # the network Explorer's rule (draw.CSS) for this view too: its HTML never wider than the
        # notebook (a wide graph scrolls in its own box)
        self.css = w.HTML(
            draw.CSS + "<style>.bp-graph-explorer .widget-html, .bp-graph-explorer "
            ".widget-html-content { min-width: 0; max-width: 100%; }</style>"
        )
        self.view = w.HTML(layout=w.Layout(width="100%"))
        self._make_sliders()
        self._compute()
        self._jump_to_start()
        self.text.observe(self._on_text, names="value")
        self._grid = w.GridBox(layout=w.Layout(grid_template_columns="repeat(auto-fill, 330px)"))
        self._normal_body = w.HBox(
            [
                self.slider_box,
                w.VBox([self.view], layout=w.Layout(flex="1 1 600px", min_width="0")),
            ],
            layout=w.Layout(flex_flow="row wrap"),
        )
        self.init_live(presenter, toolbar=list(self.replay.widget.children))
        self._busy = False

    # ---------------------------------------------------------------- model
    def _check_values(self, values):
        """values: None or {leaf name: a finite number}, every name a leaf of the expression."""
        if values is None:
            return {}
        check_type(values, "values", dict, "a dict {leaf name: first value}, e.g. {'x': 0.5}")
        leaves = list(self.expr.leaves)
        for name in values:
            if name not in leaves:
                raise ValueError(
                    f"values: {name!r} is not a leaf of the expression (its leaves: {leaves})"
                )
        return {name: as_number(v, f"values[{name!r}]") for name, v in values.items()}

    def _make_sliders(self):
        old = {k: s.value for k, s in self.sliders.items()}
        self.sliders = {}
        for k, name in enumerate(self.expr.leaves):
            v = float(old.get(name, self._given.get(name, DEFAULTS[k % len(DEFAULTS)])))
            s = w.FloatSlider(
                value=v,
                min=min(-self.value_range, v),
                max=max(self.value_range, v),
                step=0.01,
                description=name,
                readout_format=".2f",
                continuous_update=True,
                layout=w.Layout(width="310px"),
                style=_STYLE,
            )
            s.observe(self._on_slider, names="value")
            self.sliders[name] = s
        self._exact = {n: s.value for n, s in self.sliders.items()}
        self.slider_box.children = [w.HTML("<b>leaves</b>")] + list(self.sliders.values())

    def values(self):
        """{leaf: value} as the sliders say (a slider on the grid point nearest its first value
        gives that exact value: the browser snaps 0.333 to 0.33 as it draws the slider)."""
        return {
            n: (self._exact[n] if abs(s.value - self._exact[n]) <= s.step / 2 + 1e-12 else s.value)
            for n, s in self.sliders.items()
        }

    def _compute(self):
        try:
            self.state = evaluate(self.expr, self.values())
            self.message.value = ""
        except ValueError as e:  # a leaf value outside an operation's domain (log of -1, ...)
            self.message.value = f'<div class="bp-formula" data-bp="error">{draw.esc(e)}</div>'
            self.state = None
        if self.state is not None:
            self.replay.set_count(len(self.state.steps))

    def _jump_to_start(self):
        if self.state is None:
            return
        first = next((s.index for s in self.state.steps if s.phase == self._start), 0)
        self.replay.set_count(len(self.state.steps), first)

    # ---------------------------------------------------------------- view
    @property
    def steps(self):
        return self.state.steps if self.state is not None else []

    def render(self):
        if self.state is None:
            return
        st = self.state
        step = st.steps[min(self.replay.index, len(st.steps) - 1)]
        badges = {k: c.badge() for k, c in st.checks.items()}
        svg = graph_html(
            st.out,
            highlight=step.highlight,
            badges=badges,
            compact=self.presenter,
        )
        formula = draw.step_html(step, len(st.steps), terms=not self.presenter)
        chips = draw.chips_html(st.steps, step.index)
        data = {
            "text": self.expr.text,
            "values": st.values,
            "grads": {n.value.label: n.value.grad for n in st.nodes if n.kind == "leaf"},
        }
        attr = f"data-expr='{draw.esc(json.dumps(data))}'"
        if self.presenter:
            # the graph on top (it grows sideways with the expression), the step under it
            body = (
                f'{svg}<div class="bp-row"><div class="bp-panel">{formula}</div>'
                f'<div class="bp-panel">{draw.terms_html(step)}</div></div>{chips}'
            )
        else:
            body = (
                f'{svg}{LEGEND}<div class="bp-row"><div class="bp-panel">{formula}</div>'
                f'<div class="bp-panel">{chips}{self._grads_table()}</div></div>'
            )
        cls = "bp-view bp-theme bp-presenter" if self.presenter else "bp-view bp-theme"
        self.view.value = f'<div class="{cls}" data-bp="expr-view" {attr}>{body}</div>'

    def _grads_table(self):
        rows = "".join(
            f'<tr><td style="text-align:left">{draw.esc(n.label)}</td><td>{draw.esc(draw.num(n.value.data))}</td>'
            f'<td data-bp="leaf-grad" data-leaf="{draw.esc(n.label)}" data-value="{n.value.grad!r}">'
            f"{draw.esc(draw.num(n.value.grad))}</td></tr>"
            for n in self.state.nodes
            if n.kind == "leaf"
        )
        return (
            f'<table class="bp-table"><tr><th style="text-align:left">leaf</th><th>value</th>'
            f"<th>∂f/∂(leaf)</th></tr>{rows}</table>"
        )

    def layout(self, presenter):
        head = [self.css, self.text, self.message, self.toolbar]
        if presenter:
            self._grid.children = list(self.sliders.values())
            return head + [self.view, self._grid]
        return head + [self._normal_body]

    # ---------------------------------------------------------------- events
    def _on_slider(self, change):
        if not self._busy:
            self._compute()
            self.render()

    def _on_text(self, change):
        self.set_expr(change["new"])

    def set_expr(self, text):
        """Parse and draw a new expression; a bad one shows its message and keeps the old graph."""
        try:
            expr = parse(text)
        except ExprError as e:
            self.message.value = (
                f'<pre class="bp-formula" data-bp="error" style="white-space:pre">'
                f"{draw.esc(e)}</pre>"
            )
            return
        self.expr = expr
        self._make_sliders()
        self._compute()
        self._jump_to_start()
        self.render()
        self.arrange()

    def set(self, name, value):
        """Move one leaf's slider from code, as a learner would."""
        if not isinstance(name, str) or name not in self.sliders:
            raise ValueError(f"name: expected one of {list(self.sliders)}, got {describe(name)}")
        s = self.sliders[name]
        what = f"a number from {s.min:g} to {s.max:g} (the slider's range; value_range= widens it)"
        s.value = as_number(value, "value", s.min, s.max, what=what)

    def step_by(self, delta):
        self.replay.step_by(delta)

    def snapshot_html(self):
        """The view as static HTML that any renderer shows as it is (an untrusted notebook, a
        repository website, make html / make slides): the graph as an <img> of its SVG with its
        values in the alt text (``graph_view.figure``), the rest plain HTML with inline styles,
        as the network Explorer's snapshot."""
        graph, formula = "", ""
        if self.state is not None:
            st = self.state
            step = st.steps[min(self.replay.index, len(st.steps) - 1)]
            badges = {k: c.badge() for k, c in st.checks.items()}
            graph = figure(st.out, highlight=step.highlight, badges=badges)
            formula = draw.still_step_html(step, len(st.steps), name=step.name)
        header = f'<div style="font-size: 18px; margin: 2px 0 6px 0">f = {draw.esc(self.expr.text)}</div>'
        return draw.still_view_html(self.sliders.values(), graph + formula, header=header)


__all__ = ["GraphExplorer"]
