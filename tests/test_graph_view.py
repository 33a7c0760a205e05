"""The expression graph drawing: every node drawn once with its value and gradient, few crossings."""

import re

import pytest

from backprop_lib.expr import build, parse, random_expr
from backprop_lib.graph_steps import graph_nodes
from backprop_lib.graph_view import Figure, figure, graph_description, graph_html, graph_svg, layout


def drawn(text, values):
    out = build(parse(text), values)[-1]
    out.backward()
    return out


@pytest.mark.parametrize(
    "text,values",
    [
        ("(x + y) * z", {"x": 1, "y": 2, "z": 3}),
        ("tanh(w1*x1 + w2*x2 + b)", {"w1": -3, "x1": 2, "w2": 1, "x2": 0, "b": 6.88}),
        ("sigmoid(w*x + b)", {"w": 0.5, "x": 1, "b": -1}),
    ],
)
def test_a_tree_is_drawn_without_crossings(text, values):
    out = drawn(text, values)
    assert layout(graph_nodes(out)).crossings == 0


def test_every_node_is_drawn_once_with_value_and_gradient():
    out = drawn("a*b + b**3", {"a": 2.0, "b": -1.0})
    svg = graph_svg(out)
    for n in graph_nodes(out):
        g = re.findall(rf'<g class="bp-node[^"]*" data-key="{n.key}"[^>]*>', svg)
        assert len(g) == 1
        assert f'data-value="{n.value.data!r}"' in g[0] and f'data-grad="{n.value.grad!r}"' in g[0]
    assert ">^3</text>" in svg and ">×</text>" in svg and ">+</text>" in svg  # ops on the edges
    assert len(re.findall(r'class="bp-edge[ "]', svg)) == 5  # a→×, b→×, b→^3, ×→+, ^3→+


def test_a_node_used_twice_by_one_operation_gets_two_edges():
    svg = graph_svg(drawn("x * x", {"x": 3.0}))
    assert len(re.findall(r'class="bp-edge[ "]', svg)) == 2


@pytest.mark.parametrize("seed", range(20))
def test_forty_node_graphs_stay_legible(seed):
    e, values = random_expr(seed, 4, 28, join=True)
    out = build(e, values)[-1]
    out.backward()
    nodes = graph_nodes(out)
    svg = graph_svg(out, badges={n.key: ("✓", "1e-9", "ok") for n in nodes})
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
    assert min(sizes) >= 13
    # drawn at its natural size (never shrunk to fit): width attribute = viewBox width
    vb = re.search(r'viewBox="0 0 (\d+) (\d+)" width="(\d+)" height="(\d+)"', svg)
    assert vb.group(1) == vb.group(3) and vb.group(2) == vb.group(4)
    # the boxes do not overlap
    place = layout(nodes).place
    assert len(set(place.values())) == len(nodes)
    assert 30 <= len(nodes) <= 50


def test_the_barycenter_sweeps_remove_crossings():
    before = after = 0
    for seed in range(30):
        e, values = random_expr(seed, 4, 28, join=True)
        lay = layout(graph_nodes(build(e, values)[-1]))
        assert lay.crossings <= lay.initial_crossings
        before, after = before + lay.initial_crossings, after + lay.crossings
    assert after <= 0.6 * before


def test_edges_show_the_sign_by_dashes_and_colours_come_from_the_palette():
    from backprop_lib import theme

    out = drawn("a*b + c", {"a": 2.0, "b": -1.0, "c": 0.5})  # ∂f/∂a = −1 < 0, ∂f/∂b = 2 > 0
    svg = graph_svg(out)
    edges = re.findall(r'<path [^>]*class="bp-edge[^"]*"[^>]*>', svg)
    neg = [e for e in edges if 'data-sign="-1"' in e]
    pos = [e for e in edges if 'data-sign="1"' in e]
    assert len(neg) == 1 and len(pos) == 3  # a→× negative; b→×, ×→+, c→+ positive
    assert all("stroke-dasharray" in e and "bp-s-neg" in e for e in neg)
    assert all("stroke-dasharray" not in e and "bp-s-pos" in e for e in pos)
    # every colour is one of the palette's (its light value as attribute, its class for CSS)
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{6})"', svg))
    assert colours <= set(theme.LIGHT.values()), colours - set(theme.LIGHT.values())
    assert min(int(s) for s in re.findall(r'font-size="(\d+)"', svg)) >= 13


@pytest.mark.parametrize("out", [None, 1.0, "f"])
@pytest.mark.parametrize("draw", [graph_svg, graph_html, figure, Figure, graph_description])
def test_an_out_that_is_not_a_value_is_refused(draw, out):
    """Fuzzer finding 13: AttributeError "'NoneType' object has no attribute 'topological_order'"."""
    with pytest.raises(TypeError, match=r"^out: expected a Value"):
        draw(out)


def test_a_label_set_to_a_non_string_is_refused():
    """Fuzzer finding 14: a label 123 crashed the drawing with "object of type 'int' has no len()"."""
    out = drawn("a * 2", {"a": 1.0})
    out.operands[0].label = 123
    with pytest.raises(TypeError, match=r"^out: expected every node's label to be a string"):
        graph_svg(out)


@pytest.mark.parametrize(
    "kwargs, kind, name",
    [
        ({"highlight": None}, TypeError, "highlight"),
        ({"highlight": "n0"}, TypeError, "highlight"),  # would light up 'n' and '0'
        ({"badges": 3}, TypeError, "badges"),
        ({"badges": {"n0": ("a",)}}, ValueError, r"badges\['n0'\]"),
        ({"badges": {"n0": ("✓", "rel 0", "fine")}}, ValueError, r"badges\['n0'\]"),
        ({"badges": {"n0": "✓"}}, TypeError, r"badges\['n0'\]"),
        ({"scale": "a"}, TypeError, "scale"),
        ({"scale": 0}, ValueError, "scale"),
        ({"scale": -1}, ValueError, "scale"),
        ({"scale": float("nan")}, ValueError, "scale"),
        ({"scale": 1e308}, ValueError, "scale"),  # width="inf"
    ],
)
def test_graph_svg_checks_its_options(kwargs, kind, name):
    """Fuzzer finding 15: Python's errors, or SVG of width 0, -296, nan or inf."""
    with pytest.raises(kind, match=f"^{name}: "):
        graph_svg(drawn("a * b", {"a": 1.0, "b": 2.0}), **kwargs)


def test_valid_options_still_draw():
    out = drawn("a * b", {"a": 1.0, "b": 2.0})
    svg = graph_svg(out, highlight=["n2", "n0"], badges={"n0": ["✓", "rel 0", "ok"]}, scale=1.5)
    assert 'data-badge="ok"' in svg and graph_svg(out, badges=None) == graph_svg(out)
