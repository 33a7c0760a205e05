"""One idea, one place (issues 12 and 15): one graph drawing for the network and for any
expression, one palette, and train_view's parts each in their module, still importable from
their old places."""

import re
import subprocess
import sys

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import draw, examples, graph_view, plots, svgplot, theme, train_view
from backprop_lib.classifier import classifier, classifier_layers
from backprop_lib.expr import build, parse


def _network_svg(**kwargs):
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    return draw.network_svg(ex.net, trace, bp.backward(ex.net, trace), **kwargs)


def _expression_svg(**kwargs):
    out = build(parse("2 * a * b + a"), {"a": 0.5, "b": -1.5})[-1]
    out.backward()
    return graph_view.graph_svg(out, **kwargs)


def test_both_graphs_are_drawn_by_the_one_renderer(monkeypatch):
    calls = []
    real = draw.render_graph

    def spy(nodes, edges, placed, *args, **kwargs):
        calls.append((nodes, edges))
        return real(nodes, edges, placed, *args, **kwargs)

    monkeypatch.setattr(draw, "render_graph", spy)
    _network_svg()
    _expression_svg()
    assert len(calls) == 2
    for nodes, edges in calls:
        assert all(isinstance(n, draw.Node) for n in nodes) and all(
            isinstance(e, draw.Edge) for e in edges
        )


def test_a_constant_and_a_node_look_the_same_in_both_graphs():
    net, expr = _network_svg(), _expression_svg()
    # the network's bias input 1 and the expression's constant 2: the same dashed pill
    pill = r'<g class="bp-node" data-key="{}"[^>]*><title>[^<]*</title><rect [^>]*stroke-dasharray="5 3"/>'
    assert re.search(pill.format("one1"), net)
    const = re.search(r'<g class="bp-node" data-key="(\w+)" data-kind="const"', expr).group(1)
    assert re.search(pill.format(const), expr)
    for svg in (net, expr):
        assert '<marker id="bp-arrow"' in svg and 'data-bp="node-grad"' in svg
        assert re.search(r'<svg class="bp-graph"[^>]* role="img" aria-label="[^"]{40,}"', svg)


def test_highlighted_edges_are_lit_the_same_way_in_both_graphs():
    hi = r'stroke="{}" stroke-width="[0-9.]+" stroke-linecap="round"'.format(theme.LIGHT["hilite"])
    assert re.search(hi, _network_svg(highlight=("z1_1", "x1", "w1_1_1")))
    out = build(parse("2 * a * b + a"), {"a": 0.5, "b": -1.5})[-1]
    out.backward()
    main = graph_view.graph_nodes(out)[-1].key
    assert re.search(hi, graph_view.graph_svg(out, highlight=[main]))
    assert not re.search(hi, graph_view.graph_svg(out))


OWNED = ["draw", "graph_view", "plots", "svgplot", "train_view", "classifier"]


@pytest.mark.parametrize("name", OWNED)
def test_no_view_module_spells_a_colour_of_its_own(name):
    src = open(f"{bp.__path__[0]}/{name}.py", encoding="utf-8").read()
    assert not re.search(r"#[0-9a-fA-F]{6}\b", src), name
    assert not re.search(r"""["'](white|black|gr[ae]y|red|blue|green)["']""", src), name


def test_the_figures_colours_are_the_palettes():
    assert [plots.BLUE, plots.VERMILLION, plots.GREEN] == [
        theme.LIGHT["c0"],
        theme.LIGHT["c1"],
        theme.LIGHT["c2"],
    ]
    assert plots.INK == theme.LIGHT["ink"] and svgplot.CLASS_COLOURS[0] == theme.LIGHT["c0"]


def test_train_views_old_names_are_the_new_modules_objects():
    assert (
        train_view.png_bytes is svgplot.png_bytes and train_view.curve_panel is svgplot.curve_panel
    )
    assert train_view.boundary_rgb is svgplot.boundary_rgb
    for name in ("xor_figure", "image_grid", "training_curves", "comparison_figure"):
        assert getattr(train_view, name) is getattr(plots, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        train_view.no_such_name  # noqa: B018


def test_importing_the_training_view_does_not_load_matplotlib():
    code = "import sys, backprop_lib.train_view; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "n_classes, want",
    [
        (2, ([2, 8, 1], ["tanh", "sigmoid"], "binary_cross_entropy")),
        (3, ([2, 8, 3], ["tanh", "identity"], "softmax_cross_entropy")),
    ],
)
def test_the_classifier_follows_the_number_of_classes(n_classes, want):
    assert classifier_layers(2, 8, n_classes, "tanh") == want


def test_the_classifier_rejects_one_class():
    with pytest.raises(ValueError, match="n_classes"):
        classifier_layers(2, 8, 1, "tanh")


@pytest.mark.parametrize("data", ["two moons", "spirals"])
def test_the_training_view_trains_the_classifiers_network(data):
    view = train_view.TrainingView(data, hidden=5, activation="relu", seed=3)
    want = classifier(2, 5, view.n_classes, "relu", seed=3)
    assert view.net.sizes == want.sizes and view.net.loss == want.loss
    assert list(view.net.activations) == list(want.activations)
    for a, b in zip(view.net.weights, want.weights):
        np.testing.assert_array_equal(a, b)
