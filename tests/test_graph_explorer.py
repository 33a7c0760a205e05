"""GraphExplorer and its model: sliders -> evaluate -> the view; the per-node numeric check."""

import base64
import json
import re

import pytest

from backprop_lib.expr import build, parse, random_expr
from backprop_lib.graph_explorer import GraphExplorer
from backprop_lib.graph_model import evaluate


def page_data(g):
    m = re.search(r"data-expr='([^']*)'", g.view.value)
    return json.loads(
        m.group(1).replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")
    )


def test_sliders_drive_the_graph_and_the_replay():
    g = GraphExplorer("a*b + b**3", {"a": 2.0, "b": -1.0})
    assert list(g.sliders) == ["a", "b"]
    assert page_data(g)["grads"] == {"a": -1.0, "b": 2.0 + 3.0}
    g.set("b", 2.0)
    assert page_data(g)["grads"] == {"a": 2.0, "b": 2.0 + 12.0}
    assert g.steps[g.replay.index].phase == "backward"
    before = g.view.value
    g.step_by(1)
    assert g.view.value != before and "bp-step-current" in g.view.value


def test_a_bad_expression_points_at_the_token_and_keeps_the_graph():
    g = GraphExplorer("(x + y) * z")
    view = g.view.value
    g.text.value = "x.real + 1"
    assert "attribute access" in g.message.value and "column 1" in g.message.value
    assert g.view.value == view
    g.text.value = "__import__('os').system('true')"
    assert "allowed" in g.message.value and "column 1" in g.message.value
    g.text.value = "sigmoid(w*x + b)"
    assert list(g.sliders) == ["w", "x", "b"] and g.message.value == ""


def test_a_domain_error_is_shown_not_raised():
    g = GraphExplorer("log(x)", {"x": 1.0})
    g.set("x", -1.0)
    assert "log" in g.message.value and "positive" in g.message.value


def test_badges_agree_for_a_correct_engine_and_warn_at_a_relu_kink():
    st = evaluate(parse("relu(x) * y + tanh(x*y)"), {"x": 0.0, "y": 2.0})
    kinds = {n.label: st.checks[n.key].kind for n in st.nodes if n.key in st.checks}
    assert kinds["x"] == "warn" and st.checks[st.nodes[0].key].kink
    assert all(k == "ok" for label, k in kinds.items() if label != "x")
    for seed in range(20):
        e, v = random_expr(
            seed, 3, 20, ops=("+", "-", "*", "/", "**", "tanh", "exp", "log", "sigmoid", "neg")
        )
        st = evaluate(e, v)
        assert all(c.kind == "ok" for c in st.checks.values()), seed


def test_a_wrong_local_derivative_shows_where_it_is():
    """Corrupt one node's local derivative: its operands' badges turn bad, the others stay ok."""
    e = parse("tanh(a*b) + a")
    st = evaluate(e, {"a": 0.7, "b": -0.4})
    t = next(n for n in st.nodes if n.value.op == "tanh")
    t.value.local = (t.value.local[0] * 1.5,)
    for v in st.built:
        if hasattr(v, "grad"):
            v.grad = 0.0
    st.out.backward()
    from backprop_lib.graph_model import node_checks

    checks = node_checks(e, st.values, st.built, st.nodes)
    bad = {n.label for n in st.nodes if n.key in checks and checks[n.key].kind == "bad"}
    assert bad == {"n₁", "a", "b"}  # everything below the corrupted tanh


def test_snapshot_and_presenter():
    g = GraphExplorer("tanh(w*x + b)", presenter=True)
    assert "bp-presenter" in g.view.value
    html = g.snapshot_html()
    # graph + 3 slider stills, each an <img> of an SVG (an untrusted notebook drops <svg>)
    assert "bp-snapshot" in html and html.count('<img class="bp-still"') >= 4
    assert "<svg" not in html and "<style" not in html
    srcs = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    graph = [base64.b64decode(s).decode() for s in srcs if b"expr-graph" in base64.b64decode(s)]
    assert len(graph) == 1 and graph[0].count('class="bp-node') == len(g.state.nodes)
    alt = re.search(r'alt="(Expression graph[^"]*)"', html).group(1)
    assert "tanh" in alt and "∂" in alt  # the graph in words
    bundle = g._repr_mimebundle_()
    assert "text/html" in bundle


NET = (
    "(tanh(w1*x1 + w2*x2 + b1)*v1 + tanh(w3*x1 + w4*x2 + b2)*v2"
    " + tanh(w5*x1 + w6*x2 + b3)*v3 - t)**2"
)


def test_forty_nodes_render_and_match_the_engine():
    g = GraphExplorer(NET)
    assert len(g.state.nodes) >= 35
    values = g.values()
    e = parse(NET)
    out = build(e, values)
    out[-1].backward()
    grads = {n.name: v.grad for n, v in zip(e.nodes, out) if n.op == "leaf"}
    assert page_data(g)["grads"] == grads
    assert all(c.kind == "ok" for c in g.state.checks.values())


def test_replay_controls_clamp_and_keep_their_place():
    from backprop_lib.replay import ReplayControls

    calls = []
    r = ReplayControls(lambda: calls.append(r.index))
    r.set_count(5, index=4)
    assert r.index == 4 and r.count == 5
    r.step_by(+3)
    assert r.index == 4
    r.step_by(-10)
    assert r.index == 0
    r.set_count(3, index=2)
    r.set_count(2)  # fewer steps: the position moves to the last one
    assert r.index == 1 and calls[-1] == 1


def test_bad_arguments_get_a_clear_error_naming_them():
    """value_range, values, presenter, set and step_by checked nothing: float()'s words, a
    traitlets TraitError, a NaN slider, a silently clamped value, an ignored misspelled leaf."""
    bad = [
        (dict(value_range="abc"), TypeError, "value_range: expected a positive number"),
        (dict(value_range=float("nan")), ValueError, "value_range: expected a positive number"),
        (dict(value_range=0), ValueError, "value_range: expected a positive number"),
        (dict(values=[1, 2]), TypeError, "values: expected a dict"),
        (dict(values={"x": float("nan")}), ValueError, r"values\['x'\]: expected a finite number"),
        (dict(values={"x": 10**400}), ValueError, r"values\['x'\]: expected a finite number"),
        (dict(values={"q": 1.0}), ValueError, "values: 'q' is not a leaf of the expression"),
        (dict(presenter="yes"), TypeError, "presenter: expected True or False"),
    ]
    for kwargs, cls, message in bad:
        with pytest.raises(cls, match=message):
            GraphExplorer(**kwargs)
    g = GraphExplorer()
    for call, cls, message in [
        (lambda: g.set("x", "abc"), TypeError, "value: expected a number from -3 to 3"),
        (lambda: g.set("x", 1e9), ValueError, "value: expected a number from -3 to 3"),
        (lambda: g.set("x", float("nan")), ValueError, "value: expected a number"),
        (lambda: g.set(["x"], 1.0), ValueError, "name: expected one of"),
        (lambda: g.step_by("a"), TypeError, "delta: expected a whole number of steps"),
        (lambda: g.step_by(1.5), TypeError, "delta: expected a whole number of steps"),
    ]:
        with pytest.raises(cls, match=message):
            call()
    assert g.values()["x"] == 0.5  # nothing moved
    g.set("x", 1.25)
    assert g.values()["x"] == 1.25
