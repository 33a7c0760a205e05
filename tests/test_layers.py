"""The primitives of ``backprop_lib.layers``: hand-derived values and numeric gradients.

Every backward is checked the way CS231n checks its layers: for a random upstream gradient
``dout``, the scalar f(v) = sum(forward(v) * dout) has the gradient backward(dout) with respect
to v, and ``numeric_gradient`` (central differences) computes that gradient independently.
"""

import warnings

import numpy as np
import pytest

from backprop_lib import layers, numeric_gradient

# Central differences on these O(1) values are accurate to ~1e-10 absolute, so a correct
# backward agrees to 1e-7 relative; atol covers entries that are ~0 (a wrong one gives ~1e-1).
RTOL, ATOL = 1e-7, 1e-9


def rng():
    return np.random.default_rng(20241122)


def assert_matches_numeric(analytic, f, v):
    np.testing.assert_allclose(analytic, numeric_gradient(f, v), rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- hand values


def test_sigmoid_hand_values():
    """sigma(0) = 1/2 and sigma'(0) = sigma(0)(1 - sigma(0)) = 1/4."""
    a, cache = layers.sigmoid_forward(np.array([0.0]))
    assert a[0] == pytest.approx(0.5, abs=1e-16)
    assert layers.sigmoid_backward(np.array([1.0]), cache)[0] == pytest.approx(0.25, abs=1e-16)


def test_sigmoid_of_seed_002_hidden_unit():
    """sigma(0.5) = 1 / (1 + e^-0.5) = 0.62245933 (seed 002 prints it as a)."""
    assert layers.sigmoid(np.array(0.5)) == pytest.approx(1 / (1 + np.exp(-0.5)), rel=1e-15)
    assert round(float(layers.sigmoid(np.array(0.5))), 8) == 0.62245933


def test_sigmoid_is_symmetric_and_saturates_quietly():
    """sigma(-z) = 1 - sigma(z); for |z| = 800 (where e^800 overflows) it is 0 or 1, with no
    overflow, division by zero or invalid value (underflow to 0 is exact enough here)."""
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(layers.sigmoid(-z), 1 - layers.sigmoid(z), atol=1e-15)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert layers.sigmoid(np.array(800.0)) == 1.0
        assert 0.0 <= layers.sigmoid(np.array(-800.0)) < 1e-300


def test_tanh_hand_values():
    """tanh(0) = 0, tanh'(0) = 1, and tanh'(z) = 1 / cosh(z)^2."""
    z = np.array([0.0, 0.5, -2.0])
    a, cache = layers.tanh_forward(z)
    assert a[0] == 0.0
    np.testing.assert_allclose(
        layers.tanh_backward(np.ones(3), cache), 1 / np.cosh(z) ** 2, rtol=1e-14
    )


def test_relu_hand_values():
    """relu(z) = max(0, z); its slope is 1 for z > 0 and 0 for z < 0 and, by convention, at 0."""
    z = np.array([-2.0, 0.0, 1e-300, 3.0])
    a, cache = layers.relu_forward(z)
    np.testing.assert_array_equal(a, [0.0, 0.0, 1e-300, 3.0])
    np.testing.assert_array_equal(layers.relu_backward(np.full(4, 5.0), cache), [0, 0, 5, 5])


def test_identity_passes_values_and_gradients_through():
    z = np.array([[-1.5, 2.0]])
    a, cache = layers.identity_forward(z)
    np.testing.assert_array_equal(a, z)
    np.testing.assert_array_equal(
        layers.identity_backward(np.array([[3.0, 4.0]]), cache), [[3.0, 4.0]]
    )


def test_dense_hand_values():
    """z = x W + b with numbers small enough to check by hand; backward for dz = [1, 0, 0]
    picks out column 1: dx = W[:, 0], dW = x^T dz, db = dz."""
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    b = np.array([0.5, 0.0, -0.5])
    z, cache = layers.dense_forward(x, W, b)
    np.testing.assert_array_equal(z, [[5.5, 2.0, -1.5]])
    dx, dW, db = layers.dense_backward(np.array([[1.0, 0.0, 0.0]]), cache)
    np.testing.assert_array_equal(dx, [[1.0, 2.0]])
    np.testing.assert_array_equal(dW, [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(db, [1.0, 0.0, 0.0])


def test_dense_without_bias():
    x, W = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    np.testing.assert_array_equal(layers.dense_forward(x, W)[0], [[11.0]])


def test_squared_error_hand_values():
    """(y - t)^2 summed over outputs, averaged over rows; dL/dy = 2 (y - t) / N."""
    y, t = np.array([[1.0, 2.0], [3.0, 0.0]]), np.zeros((2, 2))
    L, cache = layers.squared_error_forward(y, t)
    assert L == (1 + 4 + 9 + 0) / 2
    np.testing.assert_array_equal(layers.squared_error_backward(1.0, cache), [[1, 2], [3, 0]])


def test_half_squared_error_hand_values():
    """1/2 (y - t)^2: seed 002's loss, 0.19372781 at y = -0.62245933, t = 0; dL/dy = y - t."""
    L, cache = layers.half_squared_error_forward(np.array([[-0.62245933]]), np.array([[0.0]]))
    assert L == pytest.approx(0.5 * 0.62245933**2, rel=1e-15)
    assert layers.half_squared_error_backward(1.0, cache)[0, 0] == -0.62245933


def test_binary_cross_entropy_hand_values():
    """At logit 0, y = 1/2: L = log 2 for t = 1 or t = 0, and dL/dz = y - t = -1/2 or +1/2."""
    L, cache = layers.binary_cross_entropy_forward(
        np.array([[0.0], [0.0]]), np.array([[1.0], [0.0]])
    )
    assert L == pytest.approx(np.log(2), rel=1e-15)
    np.testing.assert_allclose(
        layers.binary_cross_entropy_backward(1.0, cache), [[-0.25], [0.25]], rtol=1e-15
    )  # (y - t) / N with N = 2


def test_binary_cross_entropy_equals_the_textbook_formula():
    """For moderate logits, -[t log y + (1 - t) log(1 - y)] with y = sigma(z), written naively."""
    z = np.array([[-3.0, 0.2], [1.5, 4.0]])
    t = np.array([[0.0, 1.0], [0.3, 1.0]])
    y = 1 / (1 + np.exp(-z))
    naive = -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y)) / 2
    assert layers.binary_cross_entropy_forward(z, t)[0] == pytest.approx(naive, rel=1e-13)


def test_softmax_cross_entropy_hand_values():
    """Equal logits give p = 1/K, so L = log K and dL/dz = p - t = 1/K - t."""
    z, t = np.zeros((1, 4)), np.array([[0.0, 0.0, 1.0, 0.0]])
    L, cache = layers.softmax_cross_entropy_forward(z, t)
    assert L == pytest.approx(np.log(4), rel=1e-15)
    np.testing.assert_allclose(
        layers.softmax_cross_entropy_backward(1.0, cache), [[0.25, 0.25, -0.75, 0.25]], rtol=1e-15
    )


def test_softmax_cross_entropy_equals_the_textbook_formula():
    """-sum t log softmax(z), written naively for moderate logits; softmax rows sum to 1."""
    z = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    t = np.array([[0.0, 1.0, 0.0], [0.2, 0.5, 0.3]])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layers.softmax(z), p, rtol=1e-15)
    naive = -np.sum(t * np.log(p)) / 2
    assert layers.softmax_cross_entropy_forward(z, t)[0] == pytest.approx(naive, rel=1e-13)


# --------------------------------------------------------------------------- numeric gradients


def test_dense_backward_matches_numeric_gradients():
    """dx, dW and db of z = x W + b, each against central differences (a batch of 3)."""
    r = rng()
    x, W, b = r.normal(size=(3, 4)), r.normal(size=(4, 5)), r.normal(size=5)
    dout = r.normal(size=(3, 5))
    dx, dW, db = layers.dense_backward(dout, layers.dense_forward(x, W, b)[1])
    assert_matches_numeric(dx, lambda v: np.sum(layers.dense_forward(v, W, b)[0] * dout), x)
    assert_matches_numeric(dW, lambda v: np.sum(layers.dense_forward(x, v, b)[0] * dout), W)
    assert_matches_numeric(db, lambda v: np.sum(layers.dense_forward(x, W, v)[0] * dout), b)


def _away_from_zero(r, shape):
    """Values with |z| in [0.1, 2]: a ReLU's slope is constant within eps of each of them."""
    return r.choice([-1.0, 1.0], size=shape) * r.uniform(0.1, 2.0, size=shape)


@pytest.mark.parametrize("name", sorted(layers.ACTIVATIONS))
def test_activation_backward_matches_numeric_gradient(name):
    """da/dz of every activation, elementwise on a (3, 4) batch, against central differences."""
    forward, backward = layers.ACTIVATIONS[name].forward, layers.ACTIVATIONS[name].backward
    r = rng()
    z = _away_from_zero(r, (3, 4)) if name == "relu" else r.normal(size=(3, 4))
    dout = r.normal(size=(3, 4))
    analytic = backward(dout, forward(z)[1])
    assert_matches_numeric(analytic, lambda v: np.sum(forward(v)[0] * dout), z)


def _targets(name, r, shape):
    """Targets each loss accepts: one-hot rows for softmax CE, values in [0, 1] for BCE."""
    if name == "softmax_cross_entropy":
        return np.eye(shape[1])[r.integers(shape[1], size=shape[0])]
    if name == "binary_cross_entropy":
        return r.uniform(size=shape)
    return r.normal(size=shape)


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (4, 3)])
@pytest.mark.parametrize("name", sorted(layers.LOSSES))
def test_loss_backward_matches_numeric_gradient(name, shape):
    """dL/d(input) of every loss (the output y, or the logits z for the cross-entropies),
    for one sample with one or several outputs and for a batch of 4."""
    forward, backward = layers.LOSSES[name].forward, layers.LOSSES[name].backward
    r = rng()
    u, t = 2 * r.normal(size=shape), _targets(name, r, shape)
    analytic = backward(1.0, forward(u, t)[1])
    assert_matches_numeric(analytic, lambda v: forward(v, t)[0], u)


def test_softmax_cross_entropy_backward_with_probability_and_unnormalised_targets():
    """The gradient of -sum t log p is p sum(t) - t for any target rows, not only one-hot ones
    (p - t holds only when each row of t sums to 1)."""
    rule = layers.LOSSES["softmax_cross_entropy"]
    forward, backward = rule.forward, rule.backward
    r = rng()
    z = r.normal(size=(2, 3))
    for t in (np.array([[0.2, 0.5, 0.3], [0.0, 0.1, 0.9]]), np.array([[0.5, 0.2, 0.0], [1, 1, 0]])):
        assert_matches_numeric(backward(1.0, forward(z, t)[1]), lambda v, t=t: forward(v, t)[0], z)


def test_losses_scale_the_upstream_gradient():
    """backward(dL, cache) is dL times backward(1, cache): the chain rule's first factor."""
    r = rng()
    for name, rule in layers.LOSSES.items():
        u, t = r.normal(size=(2, 3)), _targets(name, r, (2, 3))
        cache = rule.forward(u, t)[1]
        np.testing.assert_allclose(
            rule.backward(3.0, cache), 3.0 * rule.backward(1.0, cache), rtol=1e-15
        )


def test_registries_name_every_primitive():
    """The names the course (and the error messages) use for activations and losses."""
    assert sorted(layers.ACTIVATIONS) == ["identity", "relu", "sigmoid", "tanh"]
    assert sorted(layers.LOSSES) == [
        "binary_cross_entropy",
        "half_squared_error",
        "softmax_cross_entropy",
        "squared_error",
    ]
    assert layers.LOSS_NEEDS_ACTIVATION == {
        "binary_cross_entropy": "sigmoid",
        "softmax_cross_entropy": "identity",
    }


# --------------------------------------------------------------------------- bad input (fuzz 57)


@pytest.mark.parametrize("f", [layers.sigmoid, layers.softmax])
@pytest.mark.parametrize(
    "z, cls",
    [
        (np.array([np.nan, 1.0]), ValueError),  # sigmoid: nan, silently
        (np.array([np.inf, 1.0]), ValueError),  # softmax: [nan, nan] and a RuntimeWarning
        (np.array([1.0, np.nan], dtype=np.float32), ValueError),
        (10**400, ValueError),  # OverflowError
        ([1.0, "a"], TypeError),
        (None, TypeError),
    ],
)
def test_sigmoid_and_softmax_refuse_what_is_not_finite_numbers(f, z, cls):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(cls, match=r"^z: "):
            f(z)


@pytest.mark.parametrize(
    "f, z, want",
    [
        (layers.sigmoid, [0.0, 1.0], [0.5, 1 / (1 + np.exp(-1.0))]),  # "bad operand type for -"
        (layers.softmax, [1.0, 2.0], [1 / (1 + np.e), np.e / (1 + np.e)]),  # AttributeError
        (layers.sigmoid, np.array([-100.0, 0.0], dtype=np.float16), [np.exp(-100.0), 0.5]),
        (layers.softmax, np.array([1e308, -1e308]), [1.0, 0.0]),  # overflow in subtract
        (layers.softmax, np.array([[1e308, -1e308], [0.0, 0.0]]), [[1.0, 0.0], [0.5, 0.5]]),
    ],
)
def test_sigmoid_and_softmax_of_lists_float16_and_wide_rows_are_right_and_quiet(f, z, want):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float16's exp overflowed with a RuntimeWarning
        np.testing.assert_allclose(f(z), want, rtol=1e-15)


def test_sigmoid_and_softmax_keep_float32_and_the_same_numbers():
    z = rng().normal(size=(32, 64))
    z32 = z.astype(np.float32)
    assert layers.sigmoid(z32).dtype == np.float32 and layers.softmax(z32).dtype == np.float32
    np.testing.assert_array_equal(layers.sigmoid(z), 1.0 / (1.0 + np.exp(-z)))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    np.testing.assert_array_equal(layers.softmax(z), e / e.sum(axis=-1, keepdims=True))
    assert isinstance(layers.sigmoid(0.23), np.float64)  # a number in, a number out, as before
