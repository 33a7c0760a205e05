"""numeric_gradient, relative_error and gradcheck: right on known functions, and able to fail.

A gradient check that cannot fail proves nothing, so most tests here feed gradcheck wrong
gradients (a flipped sign, a small slip, a buggy primitive) and expect it to say so.
"""

import dataclasses
import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples, layers
from backprop_lib.checks import NumericOverflowError


def seed(name):
    ex = examples.ALL[name]()
    return ex.net, ex.x, ex.target


def replace_one(grads, layer, index, value):
    """Grads with dL/dW^(layer+1)[index] replaced by value."""
    weights = [np.array(W) for W in grads.weights]
    weights[layer][index] = value
    return dataclasses.replace(grads, weights=tuple(weights))


# --------------------------------------------------------------------------- numeric_gradient


def test_numeric_gradient_of_a_cubic():
    """f(w) = sum(w^3) has gradient 3 w^2; central differences are exact up to eps^2 and
    round-off, ~1e-10 here."""
    w = np.array([[0.5, -1.0], [2.0, 0.1]])
    np.testing.assert_allclose(bp.numeric_gradient(lambda v: np.sum(v**3), w), 3 * w**2, rtol=1e-8)


def test_numeric_gradient_leaves_its_argument_alone():
    w = np.array([1.0, 2.0])
    bp.numeric_gradient(lambda v: float(v @ v), w)
    np.testing.assert_array_equal(w, [1.0, 2.0])


def test_forward_differences_are_less_accurate_than_central_ones():
    """Truncation error eps f''/2 (forward) against eps^2 f'''/6 (central): for f = e^w at w = 0
    with eps = 1e-4, about 5e-5 against 2e-9."""
    f = lambda v: float(np.exp(v[0]))  # noqa: E731
    forward = bp.numeric_gradient(f, np.zeros(1), eps=1e-4, method="forward")[0]
    central = bp.numeric_gradient(f, np.zeros(1), eps=1e-4)[0]
    assert 4e-5 < abs(forward - 1) < 6e-5
    assert abs(central - 1) < 1e-8


def test_numeric_gradients_of_seed_002_match_the_hand_derivation():
    """dL/dW1 = (y - t) W2 a(1 - a) x = 0.14628025 and dL/dW2 = (y - t) a = -0.38745562."""
    net, x, t = seed("seed_002")
    a = 1 / (1 + np.exp(-0.5))
    y = -a
    numeric = bp.numeric_gradients(net, x, t)
    assert numeric.weights[0][0, 0] == pytest.approx(y * -1.0 * a * (1 - a), rel=1e-9)
    assert numeric.weights[1][0, 0] == pytest.approx(y * a, rel=1e-9)
    assert numeric.biases[1][0] == pytest.approx(y, rel=1e-9)


# --------------------------------------------------------------------------- relative_error


def test_relative_error_hand_values():
    assert bp.relative_error(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert bp.relative_error(-2.0, 2.0) == 2.0  # a flipped sign is the worst case but one
    assert bp.relative_error(0.0, 0.0) == 0.0  # the floor keeps 0/0 defined
    assert bp.relative_error(0.0, 1e-9) == pytest.approx(0.1)  # below the floor: |a-b| / 1e-8
    np.testing.assert_allclose(bp.relative_error([1.0, 4.0], [1.0, 2.0]), [0.0, 0.5])


def test_relative_error_near_the_largest_float_is_finite_and_quiet():
    """a - b overflowed to inf (with numpy's warning) for |a|, |b| near 1.8e308."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bp.relative_error(1e308, -1e308) == 2.0
        np.testing.assert_array_equal(bp.relative_error([1.7e308, 1.0], [-1.7e308, 2.0]), [2, 0.5])


# --------------------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_gradcheck_passes_for_the_seeds(name):
    net, x, t = seed(name)
    report = bp.gradcheck(net, x, t, tol=1e-7)
    assert report.ok and report.max_rel_error < 1e-7
    assert [r.key for r in report.rows] == net.param_keys()
    grads = bp.backward(net, bp.forward(net, x, t))
    assert report.row("w1_1_1").analytic == grads.weights[0][0, 0]


def test_gradcheck_floor_stays_below_the_seed_gradients():
    """For the seeds every gradient is larger than the floor, so each one is compared
    relatively: the floor does not let a 1e-7 slip through there. (The floor is
    HEADROOM = 10 times the round-off over tol, so tol=1e-6 gives round-off / 1e-7.)"""
    for name in examples.ALL:
        net, x, t = seed(name)
        report = bp.gradcheck(net, x, t, tol=1e-6)
        assert min(abs(r.analytic) for r in report.rows) > report.floor


def test_gradcheck_report_reads_well():
    net, x, t = seed("seed_002")
    text = str(bp.gradcheck(net, x, t))
    assert "w¹₁₁" in text and "b²₁" in text and "0.14628025" in text
    assert text.rstrip().endswith("OK")
    assert "ok=True" in repr(bp.gradcheck(net, x, t))


def test_gradcheck_catches_a_flipped_sign():
    net, x, t = seed("seed_000")
    grads = bp.backward(net, bp.forward(net, x, t))
    report = bp.gradcheck(net, x, t, grads=replace_one(grads, 1, (0, 0), -grads.weights[1][0, 0]))
    assert not report.ok
    assert report.row("w2_1_1").rel_error == pytest.approx(2.0, rel=1e-6)
    assert all(r.rel_error < 1e-7 for r in report.rows if r.key != "w2_1_1")
    assert "FAILED" in str(report) and "<-- check" in str(report)


@pytest.mark.parametrize("slip", [1e-4, 1e-5])
def test_gradcheck_catches_a_small_slip(slip):
    """A gradient off by 1e-5 relative fails tol = 1e-6: correct backprop is ~1e-9 here."""
    net, x, t = seed("seed_000")
    grads = bp.backward(net, bp.forward(net, x, t))
    wrong = replace_one(grads, 0, (1, 1), grads.weights[0][1, 1] * (1 + slip))
    report = bp.gradcheck(net, x, t, grads=wrong)
    assert not report.ok
    assert report.row("w1_2_2").rel_error == pytest.approx(slip, rel=1e-2)


def test_gradcheck_catches_a_buggy_primitive(monkeypatch):
    """A sigmoid backward without its (1 - a) factor: gradcheck uses backward for its floor too,
    and must still fail (the floor only scales with the gradients, it cannot hide them)."""

    def buggy_sigmoid_backward(da, a):
        return da * a

    monkeypatch.setitem(
        layers.ACTIVATIONS,
        "sigmoid",
        dataclasses.replace(layers.ACTIVATIONS["sigmoid"], backward=buggy_sigmoid_backward),
    )
    net, x, t = seed("seed_000")
    report = bp.gradcheck(net, x, t)
    assert not report.ok and report.max_rel_error > 0.1


def test_gradcheck_catches_a_wrong_gradient_of_a_tiny_loss():
    """The floor scales with the loss: a linear network with inputs and targets of size 1e-10
    has a loss of ~1e-20 and gradients of ~1e-20, far below a fixed floor of 1e-8, under which
    any gradient would pass. Correct gradients pass; doubled ones fail."""
    net = bp.Network.random([3, 4, 2], activations="identity", seed=4, biases=False)
    x, t = 1e-10 * np.array([0.3, -1.2, 0.8]), 1e-10 * np.array([1.0, -0.5])
    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    assert trace.loss < 1e-18
    assert bp.gradcheck(net, x, t, tol=1e-7).ok
    doubled = dataclasses.replace(grads, weights=tuple(2 * g for g in grads.weights))
    assert not bp.gradcheck(net, x, t, grads=doubled).ok


def test_gradcheck_is_no_false_alarm_for_a_confident_softmax():
    """Logits 30 apart: L = log(1 + e^-30 + ...) ~ 1e-13 and gradients ~1e-13, but the loss is
    computed as a log of a sum near 1, rounded to ~1e-16 absolute, so central differences are
    off by ~1e-10. The floor accounts for that rounding; correct backprop passes."""
    net = bp.Network(
        [[[10.0, -5.0, 0.0], [-10.0, 5.0, 0.0]]],
        [[20.0, 0.0, 0.0]],
        activations="identity",
        loss="softmax_cross_entropy",
    )
    x = np.array([0.5, -0.5])
    trace = bp.forward(net, x, 0)
    assert trace.loss < 1e-12
    assert bp.gradcheck(net, x, 0, tol=1e-7).ok


def test_gradcheck_small_gradients_are_compared_to_the_round_off():
    """A gradient below the floor passes when it is within the numeric gradient's round-off
    (floor * tol) of the numeric one, and fails when it is 100 times further away."""
    net = bp.Network.random([3, 4, 2], activations=["tanh", "sigmoid"], seed=0)
    x, t = np.array([0.5, -0.3, 0.9]), np.array([0.2, 0.7])
    report = bp.gradcheck(net, x, t)
    smallest = min(report.rows, key=lambda r: abs(r.numeric))
    layer, i, j = (int(s) for s in smallest.key[1:].split("_"))
    grads = bp.backward(net, bp.forward(net, x, t))
    roundoff = report.floor * report.tol
    near = replace_one(grads, layer - 1, (i - 1, j - 1), smallest.numeric + 0.5 * roundoff)
    far = replace_one(grads, layer - 1, (i - 1, j - 1), smallest.numeric + 100 * roundoff)
    assert bp.gradcheck(net, x, t, grads=near).ok
    assert not bp.gradcheck(net, x, t, grads=far).ok


def test_gradcheck_warns_near_a_relu_kink():
    """A ReLU input at exactly 0 (here z = 1 * 1 - 1 * 1): nudging a weight crosses the kink,
    so the numeric gradient is unreliable; gradcheck warns and names the input."""
    net = bp.Network([[[1.0]], [[1.0]]], [[-1.0], [0.0]], activations=["relu", "identity"])
    with pytest.warns(bp.GradcheckWarning, match="z¹₁"):
        report = bp.gradcheck(net, [1.0], [0.5])
    assert report.kinks == ("z¹₁",)
    assert "kink" in str(report)


def test_gradcheck_is_quiet_away_from_kinks():
    net = bp.Network([[[1.0]], [[1.0]]], [[-0.5], [0.0]], activations=["relu", "identity"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = bp.gradcheck(net, [1.0], [0.0])
    assert report.ok and report.kinks == ()


def test_gradcheck_on_a_batch():
    net = bp.Network.random([2, 3, 3], ["sigmoid", "identity"], "softmax_cross_entropy", seed=1)
    X = np.array([[0.1, 0.2], [-1.0, 0.5], [0.3, 0.3]])
    report = bp.gradcheck(net, X, [0, 2, 1], tol=1e-7)
    assert report.ok


# --------------------------------------------------------------------------- bad input (fuzz 36)


@pytest.mark.parametrize("method", ["central", "forward"])
def test_numeric_gradient_that_overflows_is_an_error_naming_f(method):
    """A difference of ±1e308 over 2 eps was a silent [inf]."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NumericOverflowError, match=r"^f: its numeric gradient overflowed"):
            bp.numeric_gradient(lambda w: 1e308 if w[0] > 0 else -1e308, [0.0], method=method)


def test_numeric_gradient_of_an_f_returning_a_huge_int_or_a_fraction():
    """10**400 raised OverflowError; a Fraction (a real number) was refused."""
    from fractions import Fraction

    with pytest.raises(ValueError, match=r"^f: returned an int with 401 digits at w = "):
        bp.numeric_gradient(lambda w: 10**400, [0.0])
    assert bp.numeric_gradient(lambda w: Fraction(1, 3), [0.0]).tolist() == [0.0]
