"""The safe expression parser: what it accepts, and a clear message with a column otherwise."""

import warnings

import pytest

from backprop_lib import graph_model
from backprop_lib.expr import ExprError, build, parse, random_expr, to_text


@pytest.mark.parametrize(
    "text,values,result",
    [
        ("(x + y) * z", {"x": 1, "y": 2, "z": 3}, 9.0),
        ("a*b + b**3", {"a": 2, "b": -1}, -3.0),
        ("-x ** 2", {"x": 3}, -9.0),  # Python's precedence: -(x**2)
        ("2*3*x", {"x": 1}, 6.0),  # constants folded
        ("x / 4 - 1 + +x", {"x": 2}, 1.5),
        ("sigmoid(0*x)", {"x": 5}, 0.5),
        ("x ** -1", {"x": 4}, 0.25),
    ],
)
def test_accepted(text, values, result):
    e = parse(text)
    assert build(e, values)[-1].data == result
    assert build(parse(to_text(e)), values)[-1].data == result


def test_a_leaf_used_twice_is_one_node():
    e = parse("a*b + b**3")
    assert [n.name for n in e.nodes if n.op == "leaf"] == ["a", "b"]


@pytest.mark.parametrize(
    "text,words,col",
    [
        ("x +* y", "syntax error", 4),
        ("__import__('os').system('touch /tmp/bp-pwned')", "allowed", 1),
        ("__import__('os')", "unknown function '__import__'", 1),
        ("x.real", "attribute access", 1),
        ("foo(x)", "unknown function 'foo'", 1),
        ("x ^ 2", "for a power write **", 3),
        ("x // 2", "FloorDiv", 3),
        ("x ** y", "exponent of ** must be a number", 6),
        ("1 + 'a'", "is not a number", 5),
        ("x + True", "is not a number", 5),
        ("lambda: 1", "Lambda is not allowed", 1),
        ("x[0]", "Subscript", 1),
        ("x if y else z", "IfExp", 1),
        ("tanh(x, y)", "exactly one argument", 1),
        ("y + _x", "starting with _", 5),
        ("tanh + 1", "tanh is a function", 1),
        ("(x < y)", "Compare", 2),
        ("x * 1e400", "too large for float64", 5),
        ("x ** 1e400", "too large for float64", 6),
        ("x * 1" + "0" * 400, "too large for float64", 5),  # was an OverflowError
    ],
)
def test_rejected_with_the_column(text, words, col):
    with pytest.raises(ExprError) as info:
        parse(text)
    assert words in str(info.value)
    assert info.value.col == col
    assert f"column {col}" in str(info.value)


def test_too_long_empty_and_not_a_string():
    with pytest.raises(ExprError, match="more than 40"):
        parse(" + ".join(f"x{i}" for i in range(30)))
    with pytest.raises(ExprError, match="empty"):
        parse("  ")
    with pytest.raises(TypeError, match="text: expected a string"):
        parse(3)
    with pytest.raises(ExprError, match="cannot be computed"):
        parse("x + log(0)")


@pytest.mark.parametrize(
    "max_nodes, kind",
    [("a", TypeError), (None, TypeError), (float("nan"), TypeError), (0, ValueError)],
)
def test_max_nodes_is_checked(max_nodes, kind):
    """Fuzzer finding 8: a bad max_nodes said "the constants cannot be computed", nan was taken."""
    with pytest.raises(kind, match=r"^max_nodes: expected a whole number"):
        parse("x + y", max_nodes=max_nodes)


@pytest.mark.parametrize(
    "leaf_values, kind, start",
    [
        (None, TypeError, "leaf_values: expected a dict"),
        ("xy", TypeError, "leaf_values: expected a dict"),
        ({"x": 10**400, "y": 1}, ValueError, r"leaf_values\['x'\]: expected a finite number"),
        ({"x": float("nan"), "y": 1}, ValueError, r"leaf_values\['x'\]: expected a finite number"),
        ({"x": 1, "y": "2"}, TypeError, r"leaf_values\['y'\]: expected a finite number"),
    ],
)
def test_leaf_values_are_checked_and_named(leaf_values, kind, start):
    """Fuzzer finding 9: None and 'xy' gave Python's errors, 10**400 an OverflowError-like
    message naming Value, not the leaf."""
    with pytest.raises(kind, match="^" + start):
        build(parse("x * y"), leaf_values)


@pytest.mark.parametrize("call", [lambda: to_text(None), lambda: build("x * y", {"x": 1, "y": 2})])
def test_an_expr_that_is_not_an_expr_is_refused(call):
    """Fuzzer finding 10: to_text(None) raised AttributeError."""
    with pytest.raises(TypeError, match=r"^expr: expected an Expr"):
        call()


@pytest.mark.parametrize(
    "kwargs, kind, name",
    [
        ({"n_leaves": 0}, ValueError, "n_leaves"),
        ({"n_leaves": "3"}, TypeError, "n_leaves"),
        ({"n_ops": 10**7}, ValueError, "n_ops"),  # it hung for minutes
        ({"n_ops": -1}, ValueError, "n_ops"),
        ({"max_depth": "a"}, TypeError, "max_depth"),
        ({"ops": ()}, ValueError, "ops"),
        ({"ops": ("foo",)}, ValueError, r"ops\[0\]"),  # an Expr that could not be built
        ({"ops": "+*"}, TypeError, "ops"),
        ({"ops": None}, TypeError, "ops"),
        ({"seed": "a"}, TypeError, "seed"),
        ({"constants": 3}, TypeError, "constants"),
        ({"join": None}, TypeError, "join"),
    ],
)
def test_random_expr_checks_its_arguments(kwargs, kind, name):
    """Fuzzer finding 12: IndexError for no leaves or no ops, a hang at n_ops=10**7."""
    kwargs = {"seed": 0, **kwargs}
    with pytest.raises(kind, match=f"^{name}: "):
        random_expr(**kwargs)


@pytest.mark.parametrize(
    "values, eps, kind, name",
    [
        ({"x": 1.0, "y": 2.0}, 0, ValueError, "eps"),  # ZeroDivisionError
        ({"x": 1.0, "y": 2.0}, -1, ValueError, "eps"),
        ({"x": 1.0, "y": 2.0}, float("nan"), ValueError, "eps"),
        ({"x": 1.0, "y": 2.0}, "a", TypeError, "eps"),
        (None, 1e-6, TypeError, "values"),
        ({"x": 1.0, "y": float("inf")}, 1e-6, ValueError, r"values\['y'\]"),
    ],
)
def test_evaluate_checks_values_and_eps(values, eps, kind, name):
    """Fuzzer finding 11: eps=0 raised ZeroDivisionError, eps=-1 and nan were taken."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(kind, match=f"^{name}: "):
            graph_model.evaluate(parse("x * y"), values, eps=eps)


def test_evaluate_refuses_an_expressions_text():
    """Fuzzer finding 10: evaluate('x+y', ...) raised AttributeError."""
    with pytest.raises(TypeError, match=r"^expr: expected an Expr"):
        graph_model.evaluate("x + y", {"x": 1, "y": 2})
