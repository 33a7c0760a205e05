"""Every replay step's ``numbers`` string, read as arithmetic, equals its ``value``.

The replay prints a step as ``formula = numbers = value``: "∂L/∂z¹₁ = ∂L/∂a¹₁ · (1 − a¹₁²) =
0.18404 · (1 − 0.63381²) = 0.11010759". A learner reads the middle part as arithmetic, so it must
be arithmetic that gives the value: a missing pair of parentheses (``0.18404 · 1 − 0.63381²``,
which is 0.18404 − 0.40172) is a wrong formula even when the value beside it is right.

This test parses each ``numbers`` string with ``ast`` (after mapping the typography: ·, −, ½,
², e^, log, σ, 10^k) and evaluates it with a small whitelisted evaluator, for every step of every
network shape, activation, loss and bias setting that hypothesis draws, plus the three seeds. The
numbers in the string are rounded to 5 significant digits, so the test allows exactly the error
that rounding can cause: each literal's rounding bound times the expression's sensitivity to it
(measured by perturbing that literal), with a safety factor of 4.
"""

import ast
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import examples, layers

# ----------------------------------------------------------------------------- the reader

_FUNCS = {
    "sig": lambda v: 1.0 / (1.0 + math.exp(-v)),
    "tanh": math.tanh,
    "max": max,
    "exp": math.exp,
    "log": math.log,
}
_NUM = r"(?:\d+(?:\.\d*)?(?:\*10\*\*-?\d+)?)"


def to_python(numbers):
    """The replay's typography -> a Python expression string."""
    s = numbers
    s = s.replace("\u2212", "-").replace("·10^", "*10**")
    s = s.replace("·", "*").replace("½", "0.5*").replace("σ", "sig")
    s = s.replace("[", "(").replace("]", ")")
    s = re.sub(r"²", "**2", s)
    s = re.sub(rf"e\^({_NUM})", r"exp(\1)", s)
    s = re.sub(r"e\^\(", "exp(", s)
    s = re.sub(rf"log ({_NUM})", r"log(\1)", s)
    s = re.sub(r"log \(", "log(", s)
    s = re.sub(r"log sig\(([^()]*)\)", r"log(sig(\1))", s)  # log σ(z): of the whole σ(z)
    if "^" in s:
        raise ValueError(f"unmapped ^ in {numbers!r}")
    return s


def _eval(node, consts, scale=None):
    """Evaluate a whitelisted AST; constant number k (in walk order) is multiplied by
    scale[k] if given (to measure the expression's sensitivity to it)."""

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)):
            k = consts[id(n)]
            return float(n.value) * (1.0 if scale is None or k is None else scale[k])
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.BinOp):
            a, b = ev(n.left), ev(n.right)
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            if isinstance(n.op, ast.Div):
                return a / b
            if isinstance(n.op, ast.Pow):
                return a**b
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS:
            return _FUNCS[n.func.id](*[ev(arg) for arg in n.args])
        raise ValueError(f"not plain arithmetic: {ast.dump(n)}")

    return ev(node)


def _rounded_literals(tree):
    """Map each number constant to an index, or None for a constant that is an exact part of the
    notation: an exponent, as in ² or 10^-5, and the 1 of "1 − ..." (of a y written as
    "(1 − 9.3481·10^-14)", or of a formula's "log(1 − y)"). Were that 1 read as rounded to 5
    digits, "1 − (1 − 9.3481·10^-14)" could be anything from 0 to 1e-4, and no step near
    saturation could fail."""
    exact = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow):
            for m in ast.walk(n.right):
                exact.add(id(m))
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub):
            if isinstance(n.left, ast.Constant) and n.left.value == 1:
                exact.add(id(n.left))
    consts, values = {}, []
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant):
            if id(n) in exact:
                consts[id(n)] = None
            else:
                consts[id(n)] = len(values)
                values.append(float(n.value))
    return consts, values


def read(numbers, digits=5):
    """(value, allowed error) of a ``numbers`` string whose literals carry ``digits``
    significant digits."""
    tree = ast.parse(to_python(numbers), mode="eval")
    consts, values = _rounded_literals(tree)
    v = _eval(tree, consts)
    bound = 0.0
    for k, c in enumerate(values):
        if c == 0:
            continue  # fmt writes an exact 0 as "0"; anything else gets digits
        half_ulp = 0.5 * 10 ** (math.floor(math.log10(abs(c))) - (digits - 1))
        rel = half_ulp / abs(c)
        scale = [1.0] * len(values)
        h = 1e-7
        while True:  # |∂v/∂c| · |c|, by a step that stays inside the arithmetic's domain
            scale[k] = 1 + h
            try:
                sens = abs(_eval(tree, consts, scale) - v) / h
                break
            except (ValueError, ZeroDivisionError):
                # the exact 1 of "(1 − 9.4813·10^-14)" (a y next to 1) cannot move by h
                # without leaving log's domain: take a smaller step
                h *= 1e-3
        bound += sens * rel
    return v, 4 * bound + 1e-12 * max(1.0, abs(v))


# ----------------------------------------------------------------------------- the reader's own tests


def test_the_reader_reads_the_typography():
    assert read("0.5·1 + 0")[0] == 0.5
    assert read("½((−0.62246) − 0)²")[0] == pytest.approx(0.5 * 0.62246**2)
    assert read("σ(0)")[0] == 0.5
    assert read("1·10^-5 + 2")[0] == pytest.approx(2.00001)
    assert read("e^0 / (e^0 + e^(−1))")[0] == pytest.approx(1 / (1 + math.exp(-1)))
    assert read("−[1·log 0.5 + (1 − 1)·log(1 − 0.5)]")[0] == pytest.approx(math.log(2))
    assert read("max(0, (−0.3))")[0] == 0


def test_the_check_fails_on_finding_2s_missing_parentheses():
    """The tanh formula as it was: '0.18404 · 1 − 0.63381²' reads as 0.18404 − 0.40172."""
    v, tol = read("0.18404 · 1 − 0.63381²")
    assert abs(v - 0.11010759) > 100 * tol
    v, tol = read("0.18404 · (1 − 0.63381²)")
    assert abs(v - 0.11010759) <= tol


# ----------------------------------------------------------------------------- the property


def assert_every_step_adds_up(net, x, t):
    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    for step in bp.steps(net, trace, grads):
        got, tol = read(step.numbers)
        assert abs(got - step.value) <= tol, (
            f"step {step.index} {step.name}: {step.numbers} = {got!r}, but its value is "
            f"{step.value!r} (allowed {tol:.1e})\n  {step}"
        )


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_every_step_of_the_seeds_adds_up(name):
    ex = examples.ALL[name]()
    assert_every_step_adds_up(ex.net, ex.x, ex.target)


def test_tanh_step_has_parentheses():
    net = bp.Network.random([1, 1, 1], activations=["tanh", "identity"], loss="squared_error")
    trace = bp.forward(net, [0.7], [0.2])
    step = next(s for s in bp.steps(net, trace, bp.backward(net, trace)) if s.key == "dL/dz1_1")
    assert "(1 − a¹₁²)" in step.formula and step.numbers.endswith("²)")


@st.composite
def cases(draw):
    loss = draw(st.sampled_from(sorted(layers.LOSSES)))
    n_hidden = draw(st.integers(0, 2))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_hidden + 2)]
    if loss == "softmax_cross_entropy":
        sizes[-1] = draw(st.integers(2, 3))
    acts = [draw(st.sampled_from(sorted(layers.ACTIVATIONS))) for _ in range(n_hidden + 1)]
    need = layers.LOSS_NEEDS_ACTIVATION.get(loss)
    if need:
        acts[-1] = need
    seed = draw(st.integers(0, 10_000))
    biases = draw(st.booleans())
    net = bp.Network.random(sizes, activations=acts, loss=loss, seed=seed, biases=biases)
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1.5, size=sizes[0])
    if loss == "softmax_cross_entropy":
        t = np.eye(sizes[-1])[rng.integers(sizes[-1])]
    elif loss == "binary_cross_entropy":
        t = rng.uniform(0, 1, size=sizes[-1])
    else:
        t = rng.normal(0, 1, size=sizes[-1])
    return net, x, t


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_step_of_every_network_adds_up(case):
    net, x, t = case
    assert_every_step_adds_up(net, x, t)


def test_every_combination_once():
    """Each activation (hidden) x each loss, with and without biases: no combination is left to
    chance."""
    for loss in sorted(layers.LOSSES):
        need = layers.LOSS_NEEDS_ACTIVATION.get(loss)
        for act in sorted(layers.ACTIVATIONS):
            for out_act in [need] if need else sorted(layers.ACTIVATIONS):
                for biases in (True, False):
                    k = 3 if loss == "softmax_cross_entropy" else 1
                    net = bp.Network.random(
                        [2, 2, k], activations=[act, out_act], loss=loss, seed=3, biases=biases
                    )
                    t = np.eye(k)[1] if k == 3 else [0.3]
                    assert_every_step_adds_up(net, [0.4, -0.9], t)


@pytest.mark.parametrize("w", [13.0, 20.0, 27.0, -20.0, 28.0, 30.0, -30.0, 40.0, -40.0, 300.0])
def test_a_saturated_output_still_adds_up(w):
    """A sigmoid output above 0.999995 printed as "1" made the replay show log(1 − 1) and
    y(1 − 1): arithmetic that cannot be evaluated (hypothesis found it). Such a y is written
    as 1 minus its distance from 1, and every step adds up again. Beyond |z| ≈ 27.6, where
    y(1 − y) < 1e-12, dL/dy is clamped as torch's BCELoss does; the replay writes the clamp
    (max(y·(1 − y), 10^-12)), so its numbers are the clamped value there too. (From |z| ≈ 33
    this reader's own float arithmetic loses the digits of 1 − (1 − d).) Beyond |z| ≈ 37, y
    rounds to 1.0 itself and the BCE replay showed log(1 − 1) = 12: where y or 1 − y is below
    1e-15 the loss is written from the logit, log σ(z) and log σ(−z) (1 − y = σ(−z))."""
    for loss in ("binary_cross_entropy", "squared_error"):
        net = bp.Network.random([1, 1], activations=["sigmoid"], loss=loss, seed=0)
        assert_every_step_adds_up(net.set("w1_1_1", w), [1.0], [0.7])


def test_a_prediction_next_to_its_target_shows_the_difference():
    """hypothesis found it: y = −1.659763 and t = −1.659776 both printed as −1.6598, so the
    replay read ½((−1.6598) − (−1.6598))² = 7.3·10^-11 and ∂L/∂y = 0 for 1.2·10^-5. y − t now
    gets as many digits as it takes to show three of its own; 5 stay where they do."""
    net = bp.Network(
        [[[0.50346695], [1.64247069]], [[-1.65977556]]],
        None,
        ["tanh", "identity"],
        "half_squared_error",
    )
    x, t = [1.06801468, 3.48420649], [-1.65977556]
    assert_every_step_adds_up(net, x, t)
    by_key = {
        s.key: s
        for s in bp.steps(net, bp.forward(net, x, t), bp.backward(net, bp.forward(net, x, t)))
    }
    assert by_key["L"].numbers == "½((−1.65976344) − (−1.65977556))²"
    ex = bp.examples.seed_000()  # y = 0.60, t = 0.7: five digits, as ever
    trace = bp.forward(ex.net, ex.x, ex.target)
    loss = next(s for s in bp.steps(ex.net, trace, bp.backward(ex.net, trace)) if s.key == "L")
    assert re.fullmatch(r"\(0\.\d{5} − 0\.7\)²", loss.numbers), loss.numbers
