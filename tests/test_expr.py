"""The safe expression parser: what it accepts, and a clear message with a column otherwise."""

import pytest

from backprop_lib.expr import ExprError, build, parse, to_text


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
