"""backprop_lib.autograd.Value against PyTorch float64, backprop_lib.backward and hand-derived values."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import examples
from backprop_lib.autograd import Value
from backprop_lib.expr import OPS, build, parse, random_expr
from backprop_lib.torch_bridge import expr_to_torch


def torch_build(expr, leaf_values):
    """The same graph in PyTorch float64, every node retaining its gradient."""
    return expr_to_torch(expr, leaf_values, retain_grad=True)


def assert_close(ours, theirs, tol, what):
    assert abs(ours - theirs) <= tol * max(1.0, abs(theirs)), f"{what}: {ours!r} vs {theirs!r}"


graphs = st.builds(
    lambda seed, n_leaves, n_ops: (seed, *random_expr(seed, n_leaves, n_ops, max_depth=8)),
    st.integers(0, 2**32 - 1),
    st.integers(1, 4),
    st.integers(1, 30),
)


@settings(max_examples=500, deadline=None, database=None)
@given(graphs)
def test_random_graphs_agree_with_torch_float64(graph):
    seed, expr, leaf_values = graph
    ours, theirs = build(expr, leaf_values), torch_build(expr, leaf_values)
    ours[-1].backward()
    theirs[-1].backward()
    for k, (n, v, t) in enumerate(zip(expr.nodes, ours, theirs)):
        if n.op == "const":
            continue
        assert_close(v.data, t.item(), 1e-12, f"seed {seed}, node {k} ({n.op}) value")
        tg = 0.0 if t.grad is None else t.grad.item()
        assert_close(v.grad, tg, 1e-10, f"seed {seed}, node {k} ({n.op}) grad")


def test_random_graphs_cover_every_op_reuse_and_depth_8():
    """What the property test draws: every operation, nodes used more than once, depth 8."""
    ops, reused, deepest = Counter(), 0, 0
    for seed in range(500):
        expr, _ = random_expr(seed, 3, 20)
        ops.update(n.op for n in expr.nodes)
        uses = Counter(a for n in expr.nodes for a in n.args)
        reused += any(c > 1 for c in uses.values())
        depth = []
        for n in expr.nodes:
            depth.append(1 + max((depth[a] for a in n.args), default=-1))
        deepest = max(deepest, depth[-1])
    assert set(OPS) <= set(ops)
    assert reused > 100
    assert deepest == 8


def test_hand_derived_gradients():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    f = a * b + b**2  # ∂f/∂a = b, ∂f/∂b = a + 2b
    f.backward()
    assert (f.data, a.grad, b.grad) == (3.0, -3.0, 2.0 + 2 * -3.0)
    x = Value(0.5)
    g = (2 * x).tanh()
    g.backward()
    assert x.grad == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), abs=1e-15)


@pytest.mark.parametrize(
    "text,grads",
    [
        ("a + a", {"a": 2.0}),
        ("a * a", {"a": 6.0}),  # a = 3
        ("a*b + b**3", {"a": -1.0, "b": 3.0 + 3 * 1.0}),  # a = 3, b = -1: ∂/∂b = a + 3b²
    ],
)
def test_reused_nodes_add_up(text, grads):
    e = parse(text)
    out = build(e, {"a": 3.0, "b": -1.0})
    out[-1].backward()
    for n, v in zip(e.nodes, out):
        if n.op == "leaf":
            assert v.grad == grads[n.name]


def test_reflected_forms_and_mixed_numbers():
    v = Value(4.0)
    for f, d in [
        (lambda: 2 * v, 2.0),
        (lambda: 1 + v, 1.0),
        (lambda: 10 / v, -10 / 16),
        (lambda: 1 - v, -1.0),
        (lambda: v / 2, 0.5),
        (lambda: -v, -1.0),
        (lambda: v - 1, 1.0),
        (lambda: v * 2.5, 2.5),
        (lambda: np.float64(2) * v, 2.0),
    ]:
        v.grad = 0.0
        f().backward()
        assert v.grad == d


def test_every_node_records_op_and_operands():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    f = (x * y + 3) ** 2
    assert f.op == "**" and f.exponent == 2.0
    s = f.operands[0]
    assert s.op == "+" and s.operands[0].op == "*" and s.operands[0].operands == (x, y)
    assert s.operands[1].op == "" and s.operands[1].data == 3.0
    assert [v.op for v in f.topological_order()] == ["", "", "*", "", "+", "**"]


def test_chain_of_100000_nodes_has_no_recursion_error():
    x = Value(0.5)
    v = x
    for _ in range(100_000):
        v = v * 1.0 + 0.0
    v.backward()
    assert x.grad == 1.0
    del v  # freeing the chain must not recurse either


def test_backward_twice_and_zeroing_follow_pytorch():
    """Leaves accumulate until zeroed (PyTorch, retain_graph=True); inner nodes hold the
    latest pass; a pass never propagates an earlier pass's leftovers."""
    text, values = "tanh(a*b + b) * a", {"a": 0.7, "b": -1.3}
    e = parse(text)
    ours, theirs = build(e, values), torch_build(e, values)
    once = None
    for k in range(3):
        ours[-1].backward()
        theirs[-1].backward(retain_graph=True)
        if k == 0:
            once = [v.grad for v in ours]
        for n, v, t in zip(e.nodes, ours, theirs):
            if n.op == "leaf":
                assert_close(v.grad, t.grad.item(), 1e-12, f"pass {k + 1}, leaf {n.name}")
                assert_close(v.grad, (k + 1) * once[e.nodes.index(n)], 1e-12, "leaf accumulates")
            elif n.op != "const":
                assert_close(v.grad, once[e.nodes.index(n)], 1e-12, f"inner node {n.op}")
    # zeroing: optimizer.zero_grad() zeroes the leaves; the next pass is one pass again
    for n, v, t in zip(e.nodes, ours, theirs):
        if n.op == "leaf":
            v.grad = 0.0
            t.grad = None
    ours[-1].backward()
    theirs[-1].backward()
    for n, v, t in zip(e.nodes, ours, theirs):
        if n.op == "leaf":
            assert_close(v.grad, t.grad.item(), 1e-12, "after zeroing")
    ours[-1].zero_grad()
    assert all(v.grad == 0.0 for v in ours if isinstance(v, Value))


def value_network(net, x, target):
    """A Network's forward pass built from Values: (loss, weights, biases, z, a) as Values."""
    act = {
        "sigmoid": Value.sigmoid,
        "tanh": Value.tanh,
        "relu": Value.relu,
        "identity": lambda v: v,
    }
    a = [Value(float(v)) for v in x]
    Ws = [[[Value(float(w)) for w in row] for row in W] for W in net.weights]
    bs = [[Value(float(b)) for b in bl] for bl in net.biases] if net.biases is not None else None
    for l, W in enumerate(Ws):
        z = []
        for j in range(len(W[0])):
            s = sum((a[i] * W[i][j] for i in range(len(a))), Value(0.0))
            z.append(s + bs[l][j] if bs is not None else s)
        a = [act[net.activations[l]](zj) for zj in z]
    t = [float(v) for v in target]
    if net.loss == "squared_error":
        loss = sum(((y - tk) ** 2 for y, tk in zip(a, t)), Value(0.0))
    else:
        assert net.loss == "half_squared_error"
        loss = sum((0.5 * (y - tk) ** 2 for y, tk in zip(a, t)), Value(0.0))
    return loss, Ws, bs


@pytest.mark.parametrize("name", ["seed_000", "seed_001", "seed_002"])
def test_seed_networks_from_values_match_backprop_lib(name):
    ex = examples.ALL[name]()
    loss, Ws, bs = value_network(ex.net, ex.x, ex.target)
    loss.backward()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    assert abs(loss.data - trace.loss) <= 1e-12
    for l, W in enumerate(Ws):
        for i, row in enumerate(W):
            for j, w in enumerate(row):
                assert abs(w.grad - grads.weights[l][i, j]) <= 1e-12
        if bs is not None:
            for j, b in enumerate(bs[l]):
                assert abs(b.grad - grads.biases[l][j]) <= 1e-12


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make,kind,words",
    [
        (lambda v: v + "a", TypeError, ["+", "str 'a'"]),
        (lambda v: v * None, TypeError, ["*", "NoneType None"]),
        (lambda v: v - np.array([1.0, 2.0]), TypeError, ["-", "ndarray"]),
        (lambda v: "a" * v, TypeError, ["*", "str"]),
        (lambda v: v / True, TypeError, ["/", "bool"]),
        (lambda v: v + float("nan"), ValueError, ["+", "nan"]),
        (lambda v: v * float("inf"), ValueError, ["*", "inf"]),
        (lambda v: (v - 2).log(), ValueError, ["log", "positive", "−1" if False else "-1"]),
        (lambda v: (v - 1).log(), ValueError, ["log", "positive", "0"]),
        (lambda v: (v - 1) ** -1, ValueError, ["**", "0 ** -1"]),
        (lambda v: (v - 2) ** 0.5, ValueError, ["**", "-1 ** 0.5"]),
        (lambda v: v**v, TypeError, ["**", "exponent"]),
        (lambda v: v / 0, ValueError, ["/", "division by zero"]),
        (lambda v: (v * 1000).exp(), ValueError, ["exp", "1000"]),
        (lambda v: Value("x"), TypeError, ["Value", "str 'x'"]),
        (lambda v: Value(float("nan")), ValueError, ["Value", "nan"]),
    ],
)
def test_bad_input_names_op_and_value_and_builds_nothing(make, kind, words):
    v = Value(1.0)
    before = (v.data, v.grad, v.op, v.operands)
    with pytest.raises(kind) as info:
        make(v)
    for w in words:
        assert w in str(info.value)
    assert (v.data, v.grad, v.op, v.operands) == before  # nothing attached to v


def test_edges_of_float64_give_clear_errors_and_finite_results():
    """What a fuzzer found: a tiny divisor (its b·b underflowed: ZeroDivisionError), a huge int
    (OverflowError), a gradient that overflows in backward (inf, silently), 0 ** 0.5 (said its
    result was not finite: it is 0, its derivative is not)."""
    q = 1.0 / Value(1e-100)  # -1/b² = -1e200, finite: computed as -a/b/b
    assert q.data == pytest.approx(1e100) and q.local[1] == pytest.approx(-1e200)
    with pytest.raises(ValueError, match=r"^/: its local derivative of / on 1, 1e-170"):
        1.0 / Value(1e-170)
    for make in (lambda: Value(10**400), lambda: Value(2.0) + 10**400):
        with pytest.raises(ValueError, match="float64 can hold .* an int of 1329 bits"):
            make()
    x = Value(1e-310)
    z = x * 1e300 * 1e300  # 1e290: finite, but ∂z/∂x = 1e600
    with pytest.raises(ValueError, match="^backward: a gradient overflowed"):
        z.backward()
    assert x.grad == 0.0  # nothing half-written
    with pytest.raises(ValueError, match=r"^\*\*: its local derivative of 0 \*\* 0.5"):
        Value(0.0) ** 0.5
    with pytest.raises(ValueError, match=r"^\*\*: the result of 1e\+200 \*\* 2"):
        Value(1e200) ** 2


def test_exp_takes_every_argument_whose_result_is_finite():
    """Fuzzer finding 4: exp(709.5) ≈ 1.35e308 was refused by a fixed cap at 709."""
    assert Value(709.5).exp().data == pytest.approx(math.exp(709.5))
    with pytest.raises(ValueError, match=r"^exp: exp\(710\) overflows"):
        Value(710.0).exp()


def test_a_value_as_the_exponent_of_a_number_is_a_clear_error():
    """Fuzzer finding 5: 2 ** v gave Python's "unsupported operand type(s) for ** or pow()"."""
    with pytest.raises(TypeError, match=r"^\*\*: the exponent must be a number, got a Value"):
        2 ** Value(3.0)


@pytest.mark.parametrize("label", [123, 1.5, ["a"], b"a"])
def test_a_label_that_is_not_a_string_is_refused(label):
    """Fuzzer finding 14: Value accepted any label and the drawing crashed on it later."""
    with pytest.raises(TypeError, match=r"^label: expected a string"):
        Value(1.0, label=label)
