"""What the views draw, headless: numbers written for people, the sign not by colour alone, the
palette in one place, and stored pictures that survive JupyterLab's sanitizer."""

import base64
import re
import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import draw, examples, svgplot, theme


def _graph(net, x, t):
    trace = bp.forward(net, x, t)
    return draw.network_svg(net, trace, bp.backward(net, trace)), trace


def test_numbers_have_superscript_exponents_and_no_false_one():
    assert draw._num(1.5226277e-8) == "1.5226·10⁻⁸"
    assert "^" not in draw._num(-3.2e-12)
    assert draw._num(0.9999999987) == "1 − 1.3·10⁻⁹"  # a saturated sigmoid is not "1"
    assert draw._num(1.0) == "1" and draw._num(0.5) == "0.5"


def test_extreme_slider_values_draw_no_caret_and_fit_their_boxes():
    ex = examples.seed_000()
    net = ex.net.set("w1_1_1", 3.0).set("w1_2_1", 3.0).set("w2_1_1", 3.0).set("w2_2_1", 3.0)
    svg, trace = _graph(net, [2.0, 2.0], [0.0])
    assert "^" not in svg
    # inside the node boxes, a text wider than its box is squeezed to it (textLength)
    nodes = re.findall(r'<g class="bp-node[^"]*" data-key="[^"]+">(.*?)</g>', svg, re.S)
    texts = [
        m
        for g in nodes
        for m in re.finditer(r'<text ([^>]*)font-size="(\d+)"([^>]*)>([^<]+)</text>', g)
    ]
    wide = [m for m in texts if len(m.group(4)) * 0.62 * int(m.group(2)) > draw.BOX_W - 8]
    assert wide, "the extreme values should give some long numbers"
    assert all("textLength" in m.group(0) for m in wide)


def test_negative_gradients_are_dashed_positive_solid():
    ex = examples.seed_000()
    svg, _ = _graph(ex.net, ex.x, ex.target)
    edges = re.findall(
        r'<line class="bp-edge[^"]*" stroke="([^"]+)"[^>]*?( stroke-dasharray="[^"]+")?>', svg
    )
    assert edges
    for colour, dash in edges:
        assert (colour == theme.LIGHT["neg"]) == bool(dash)


def test_graph_description_has_the_values():
    ex = examples.seed_000()
    svg, trace = _graph(ex.net, ex.x, ex.target)
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)
    assert draw._num(trace.loss) in label and "w¹₁₁ = 0.2" in label


def test_stored_figure_is_an_img_that_survives_the_sanitizer():
    ex = examples.seed_000()
    svg, _ = _graph(ex.net, ex.x, ex.target)
    out = draw.Figure(svg)._repr_html_()
    body = re.sub(r"<style>.*?</style>|<script>.*?</script>", "", out, flags=re.S)
    assert "<svg" not in body  # the sanitizer would drop it and keep its text
    src = re.search(
        r'<img class="bp-still" alt="[^"]{40,}" src="data:image/svg\+xml;base64,([^"]+)"', body
    )
    assert src and base64.b64decode(src.group(1)).decode() == svg


def test_palette_follows_jupyterlab_and_has_a_dark_variant():
    assert "var(--jp-content-font-color1, #1a1a1a)" in theme.CSS
    assert 'body[data-jp-theme-light="false"] .bp-theme' in theme.CSS
    assert set(theme.DARK) <= set(theme.LIGHT)
    # no view module spells a colour of its own
    for mod in (draw,):
        src = open(mod.__file__, encoding="utf-8").read()
        assert not re.search(r'"#[0-9a-fA-F]{6}"', src), mod.__name__


@pytest.mark.parametrize("g, name", [(-1.0, "neg"), (1.0, "pos"), (0.0, "muted")])
def test_paint_gives_attribute_and_class(g, name):
    attrs = theme.paint(fill=draw._grad_colour(g))
    assert f'class="bp-f-{name}"' in attrs and f'fill="{theme.LIGHT[name]}"' in attrs
    assert np.isfinite(g)


def test_a_view_without_its_kernel_says_what_to_do():
    """ipywidgets marks a view whose kernel is gone ``jupyter-widgets-disconnected`` and draws a
    bare broken-link icon; the views' CSS puts the sentence there instead (browser test:
    test_restart.py)."""
    from backprop_lib import train_view, widgets

    assert "Run this cell again" in theme.RESTART_NOTE and '"' not in theme.RESTART_NOTE
    rule = f'.bp-theme.jupyter-widgets-disconnected::before {{ content: "{theme.RESTART_NOTE}"'
    assert rule in theme.CSS
    assert (
        ".bp-theme.jupyter-widgets-disconnected .jupyter-widgets-disconnected::before" in theme.CSS
    )
    ex = widgets.Explorer(examples.seed_000())
    assert "bp-theme" in ex.widget._dom_classes and rule in ex.css.value
    assert rule in train_view._CSS


def test_every_box_that_scrolls_sideways_is_reachable_by_keyboard():
    """A picture wider than a laptop's notebook (1024 px, file browser open) scrolls sideways in
    its own box, which a keyboard must reach (axe-core: scrollable-region-focusable): every such
    box in what the views draw is focusable and named, with the same markup everywhere."""
    from backprop_lib import autograd, graph_view
    from backprop_lib.explorer_model import ExplorerModel
    from backprop_lib.train_view import TrainingView

    ex = examples.seed_000()
    net, x, t = ex.net, ex.x, ex.target
    m = ExplorerModel(net, x, t)
    a, b = autograd.Value(2.0, label="a"), autograd.Value(-3.0, label="b")
    out = a * b + a
    out.backward()
    view = TrainingView(seed=0)
    outputs = {
        "figure": draw.Figure(_graph(net, x, t)[0])._repr_html_(),
        "explorer": draw.explorer_view_html(m, 0),
        "explorer, presenter": draw.explorer_view_html(m, len(m.steps) - 1, presenter=True),
        "expression graph": graph_view.graph_html(out),
        "expression figure": graph_view.figure(out),
        "graph_view.Figure": graph_view.Figure(out)._repr_html_(),
        "training view": view.plot.value,
    }
    for name, html in outputs.items():
        boxes = re.findall(r"<div\b[^>]*overflow-x:\s*auto[^>]*>", html)
        assert boxes, f"{name}: no box that scrolls sideways"
        for box in boxes:
            assert 'tabindex="0"' in box and 'role="region"' in box, (name, box)
            assert re.search(r'aria-label="[^"]+, scrolls sideways"', box), (name, box)


def test_the_graph_of_another_networks_trace_is_refused_by_name():
    """A trace of another network raised an IndexError deep in the drawing; grads of another
    network were drawn silently."""
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    other = bp.Network.random([2, 3, 1], seed=0)
    trace_o = bp.forward(other, [0.1, 0.2], [0.5])
    bad = [
        ((None, trace, grads), TypeError, "net: expected a Network"),
        ((ex.net, trace_o, grads), ValueError, "trace: expected a trace of this network"),
        (
            (ex.net, trace, bp.backward(other, trace_o)),
            ValueError,
            "grads: expected gradients of this",
        ),
        ((ex.net, None, grads), TypeError, "trace: expected the Trace"),
    ]
    for args, cls, message in bad:
        with pytest.raises(cls, match=message):
            draw.network_svg(*args)


# --------------------------------------------------------------------------- bad input (fuzz 54, 55)

XS, YS = [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "kwargs, cls, name",
    [
        ({"xs": [0, 0, 0]}, ValueError, "xs"),  # ZeroDivisionError and RuntimeWarnings
        ({"xs": [], "ys": []}, ValueError, "xs"),  # numpy's "zero-size array"
        ({"xs": np.ones((2, 2)), "ys": np.ones((2, 2))}, ValueError, "xs"),
        ({"ys": [1.0, np.nan, 3.0]}, ValueError, "ys"),  # "cannot convert float NaN to integer"
        ({"ys": [1.0, np.inf, 3.0]}, ValueError, "ys"),
        ({"ys": [1.0, 2.0]}, ValueError, "ys"),  # drawn silently
        ({"ys": ["a", "b", "c"]}, TypeError, "ys"),
        ({"xs": [-1.7e308, 0.0, 1.7e308]}, ValueError, "xs"),  # an axis longer than float64
        ({"ys": [-1.7e308, 0.0, 1.7e308]}, ValueError, "ys"),
        ({"x_now": None}, TypeError, "x_now"),  # float()'s message
        ({"x_now": np.nan}, ValueError, "x_now"),  # "nan" in the SVG
        ({"y_now": np.inf}, ValueError, "y_now"),
        ({"slope": np.inf}, ValueError, "slope"),  # "inf" in the SVG, and a RuntimeWarning
        ({"slope": "a"}, TypeError, "slope"),
        ({"y_range": (1, 1)}, ValueError, "y_range"),  # ZeroDivisionError
        ({"y_range": (2, 1)}, ValueError, "y_range"),  # accepted
        ({"y_range": 3}, ValueError, "y_range"),  # "'int' object is not iterable"
        ({"y_range": (0, 1, 2)}, ValueError, "y_range"),
        ({"y_range": (-1.7e308, 1.7e308)}, ValueError, "y_range"),
        ({"width": 0}, ValueError, "width"),  # viewBox "0 0 0 300"
        ({"width": -100}, ValueError, "width"),
        ({"height": np.nan}, ValueError, "height"),
    ],
)
def test_curve_svg_refuses_bad_input_by_name(kwargs, cls, name):
    args = {"xs": XS, "ys": YS, "x_now": 0.0, "y_now": 1.0, **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(cls, match=rf"^{name}: "):
            draw.curve_svg(**args)


@pytest.mark.parametrize(
    "xs, ys, x_now, y_now, kwargs",
    [
        ([0.0, 5e-324], [0.0, 1.0], 0.0, 0.0, {}),  # a subnormal span (svgplot.ticks)
        ([0.0, 1.0], [0.0, 5e-324], 0.0, 0.0, {"slope": 1.0}),
        ([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], 0.0, 1.0, {"slope": 1e308}),  # overflow warning
        ([0.0, 1.0], [0.0, 1e308], 1.0, 1e308, {"slope": -1e308}),
        ([0.0, 1.0], [0.0, 1.0], 1e308, -1e308, {"slope": 1.0}),  # the dot far off the plot
        ([0.0, 1.0], [-1.7e308, 1.7e308], 0.5, 0.0, {"y_range": (0.0, 5e-324)}),
    ],
)
def test_curve_svg_draws_extreme_finite_data_quietly(xs, ys, x_now, y_now, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = draw.curve_svg(xs, ys, x_now, y_now, **kwargs)
    numbers = re.findall(r' (?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"', svg)
    assert numbers and all(np.isfinite(float(v)) for v in numbers)
    assert "nan" not in svg and "inf" not in svg


def test_curve_svg_tangent_of_a_steep_slope_still_passes_through_the_dot():
    """A steep tangent is drawn shorter (its ends would overflow), along the same line."""
    svg = draw.curve_svg([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], 1.0, 2.0, slope=1e308)
    x1, y1, x2, y2 = map(
        float,
        re.search(
            r'<line clip-path[^>]* x1="([^"]+)" y1="([^"]+)" x2="([^"]+)" y2="([^"]+)"', svg
        ).groups(),
    )
    cx = float(re.search(r'data-bp="curve-point" cx="([^"]+)"', svg).group(1))
    assert x1 <= cx <= x2 and y1 > 300 and y2 < 0  # from below the plot to above it


@pytest.mark.parametrize(
    "lo, hi", [(0.0, 5e-324), (0.0, 1e-320), (-1.7e308, 1.7e308), (-1e308, 1e308)]
)
def test_ticks_of_degenerate_spans_are_finite_and_quiet(lo, hi):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ts = svgplot.ticks(lo, hi)
    assert ts and all(np.isfinite(ts)) and all(lo <= t <= hi for t in ts)


@pytest.mark.parametrize(
    "args, kwargs, name",
    [
        ((None,), {}, "svg"),  # re's "expected string or bytes-like object" at still()
        ((b"<svg/>",), {}, "svg"),
        (("<svg/>",), {"alt": 3}, "alt"),  # AttributeError
    ],
)
def test_figure_refuses_what_is_not_text(args, kwargs, name):
    with pytest.raises(TypeError, match=rf"^{name}: "):
        draw.Figure(*args, **kwargs).still()


def test_figure_of_an_svg_keeps_its_alt_text():
    svg = draw.curve_svg(XS, YS, 1.0, 2.0)
    assert draw.Figure(svg).alt.startswith("L against w")
    assert draw.Figure(svg, alt="a curve").alt == "a curve"
