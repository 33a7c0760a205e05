"""The expression replay: the same Step records as the network's, read from the Value graph."""

import pytest

from backprop_lib.autograd import Value
from backprop_lib.expr import build, parse, random_expr
from backprop_lib.graph_steps import graph_nodes, value_steps
from backprop_lib.steps import Step


def evaluate(numbers):
    """A step's numbers string, evaluated by the course's own safe parser (never eval)."""
    text = (
        numbers.replace("·", "*")
        .replace("−", "-")
        .replace("^", "**")
        .replace("²", "**2")
        .replace("σ", "sigmoid")
        .replace("max(0, ", "relu(")
    )
    e = parse(text, max_nodes=10_000)
    return build(e, {})[-1].data if e.nodes[-1].op != "const" else e.nodes[-1].value


def check_numbers(steps):
    for s in steps:
        v = evaluate(s.numbers)
        # 5 significant digits per number: allow for the rounding, relative to the terms' size
        scale = max(1.0, abs(s.value), *(abs(t.upstream_value * t.local_value) for t in s.terms))
        assert abs(v - s.value) <= 2e-4 * scale, f"step {s.index} {s}: numbers give {v}"


def test_a_small_expression_step_by_step():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    f = a * b + a
    f.backward()
    st = value_steps(f)
    assert all(type(s) is Step for s in st)
    assert [s.phase for s in st] == ["forward"] * 2 + ["backward"] * 4
    assert [s.name for s in st] == ["n₁", "f", "∂f/∂f", "∂f/∂n₁", "∂f/∂b", "∂f/∂a"]
    assert str(st[0]) == "n₁ = a·b = 2·(−3) = −6"
    da = st[-1]
    assert da.formula == "∂f/∂a = ∂f/∂n₁ · b + ∂f/∂f · 1"
    assert da.numbers == "1 · (−3) + 1 · 1" and da.value == a.grad == -2.0
    assert [(t.upstream, t.local) for t in da.terms] == [
        ("∂f/∂n₁", "∂n₁/∂a = b"),
        ("∂f/∂f", "∂f/∂a = 1"),
    ]
    assert da.highlight[0] == next(n.key for n in graph_nodes(f) if n.value is a)


def test_a_node_used_twice_in_one_operation_has_two_terms():
    a = Value(3.0, "a")
    f = a * a
    f.backward()
    s = value_steps(f)[-1]
    assert s.numbers == "1 · 3 + 1 · 3" and s.value == 6.0


@pytest.mark.parametrize("seed", range(60))
def test_every_steps_numbers_evaluate_to_its_value(seed):
    e, values = random_expr(seed, 3, 20)
    out = build(e, values)[-1]
    out.backward()
    steps = value_steps(out)
    check_numbers(steps)
    # one forward step per computed node, one backward step per node but the constants
    kinds = [n.kind for n in graph_nodes(out)]
    assert sum(s.phase == "forward" for s in steps) == kinds.count("op") + kinds.count("output")
    assert sum(s.phase == "backward" for s in steps) == len(kinds) - kinds.count("const")


def test_every_op_has_its_formula():
    x = Value(0.8, "x")
    for f in [
        x + 1,
        x - 1,
        2 * x,
        x / 2,
        x**3,
        -x,
        x.relu(),
        x.tanh(),
        x.exp(),
        x.log(),
        x.sigmoid(),
        2 / x,
        1 - x,
    ]:
        x.grad = 0.0
        f.backward()
        check_numbers(value_steps(f))


def test_a_second_backward_is_refused_with_a_clear_message():
    x = Value(0.8, "x")
    f = x * x + x
    f.backward()
    f.backward()
    with pytest.raises(ValueError, match="one backward"):
        value_steps(f)


@pytest.mark.parametrize("show", [graph_nodes, value_steps])
@pytest.mark.parametrize("out", [None, 2.0, [Value(1.0)]])
def test_an_out_that_is_not_a_value_is_refused(show, out):
    """Fuzzer finding 13: AttributeError "'NoneType' object has no attribute 'topological_order'"."""
    with pytest.raises(TypeError, match=r"^out: expected a Value"):
        show(out)
