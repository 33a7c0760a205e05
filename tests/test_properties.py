"""Property tests: backprop is right for random networks of every shape, activation and loss.

Hypothesis draws the structure (depth 1-4, widths 1-8, an activation per layer, a loss, biases
or not, one sample or a batch of 1-5, the target's form) and a seed for the numbers: weights
from ``Network.random`` (N(0, 1/n_in), so z is of order 1) and inputs from N(0, 1). Two
independent references check ``backward``: central differences (gradcheck) and PyTorch's
autograd in float64. Extreme weights are checked to stay finite and quiet.
"""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import layers

ACTIVATIONS = sorted(layers.ACTIVATIONS)
LOSSES = sorted(layers.LOSSES)
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, database=None)


def make_target(loss, rng, n_out, batch, as_indices):
    """A target the loss accepts: one-hot rows or class indices for softmax CE, values in
    [0, 1] for BCE (0 and 1 included), any real numbers for the squared errors."""
    rows = batch or 1
    if loss == "softmax_cross_entropy":
        idx = rng.integers(n_out, size=rows)
        t = idx if as_indices else np.eye(n_out)[idx]
    elif loss == "binary_cross_entropy":
        t = (
            rng.choice([0.0, 1.0, 0.3, 0.75], size=(rows, n_out))
            if as_indices
            else rng.uniform(size=(rows, n_out))
        )
    else:
        t = rng.normal(size=(rows, n_out))
    return t if batch else t[0]


@st.composite
def problems(draw, weight_scale=None):
    """(net, x, target): a random network and data it accepts."""
    depth = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 8), min_size=depth + 1, max_size=depth + 1))
    loss = draw(st.sampled_from(LOSSES))
    activations = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=depth, max_size=depth))
    needed = layers.LOSS_NEEDS_ACTIVATION.get(loss)
    if needed:  # the network raises otherwise (tested in test_bad_input.py)
        activations[-1] = needed
    biases = draw(st.booleans())
    batch = draw(st.one_of(st.none(), st.integers(1, 5)))  # None: one sample, 1-D arrays
    as_indices = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    net = bp.Network.random(sizes, activations, loss, seed=seed, biases=biases)
    rng = np.random.default_rng(seed + 1)
    if weight_scale is not None:  # extreme weights: uniform in +-weight_scale, some at the ends
        ws = [
            rng.choice([-1.0, 1.0, rng.uniform(-1, 1)], size=W.shape) * weight_scale
            for W in net.weights
        ]
        bs = (
            [rng.uniform(-1, 1, size=b.shape) * weight_scale for b in net.biases]
            if biases
            else None
        )
        net = net.replace(weights=ws, biases=bs)
        x = rng.choice([-10.0, 10.0, 0.5], size=(batch or 1, sizes[0]))
    else:
        x = rng.normal(size=(batch or 1, sizes[0]))
    x = x if batch else x[0]
    return net, x, make_target(loss, rng, sizes[-1], batch, as_indices)


def gradcheck_quietly(net, x, t, **kw):
    """gradcheck, with its ReLU-kink warning caught (the kinks are in report.kinks)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bp.GradcheckWarning)
        return bp.gradcheck(net, x, t, **kw)


@PROPERTY_SETTINGS
@given(problems())
def test_backprop_matches_numeric_gradients(problem):
    """gradcheck passes at tol = 1e-7 in float64 (away from ReLU kinks, where the numeric
    gradient itself is wrong). See gradcheck's docstring for the floor under tiny gradients."""
    net, x, t = problem
    report = gradcheck_quietly(net, x, t, tol=1e-7)
    assume(not report.kinks)
    assert report.max_rel_error < 1e-7, str(report)


@PROPERTY_SETTINGS
@given(problems())
def test_backprop_matches_pytorch_float64(problem):
    """torch's forward and autograd's backward, in float64, agree with forward and backward
    to 1e-10 relative (atol only for gradients that are ~0 in both, e.g. a dead ReLU's)."""
    torch_bridge = pytest.importorskip("backprop_lib.torch_bridge")
    net, x, t = problem
    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    ref = torch_bridge.torch_forward_backward(net, x, t)
    assert trace.loss == pytest.approx(ref.loss, rel=1e-10, abs=1e-300)
    np.testing.assert_allclose(np.atleast_2d(trace.output), ref.output, rtol=1e-10, atol=1e-300)
    for mine, theirs in zip(grads.weights, ref.weights):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-15)
    for mine, theirs in zip(grads.biases or (), ref.biases or ()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-15)
    assert (grads.biases is None) == (ref.biases is None)


@PROPERTY_SETTINGS
@given(problems())
def test_intermediate_gradients_match_pytorch_float64(problem):
    """dL/dz and dL/da of every layer against autograd's (retain_grad on torch's z and a).
    BCE and softmax CE take the logits, so torch's output a is not on the loss's path; for
    BCE, dL/dy is checked against the textbook formula in test_torch_bridge.py."""
    torch_bridge = pytest.importorskip("backprop_lib.torch_bridge")
    net, x, t = problem
    grads = bp.backward(net, bp.forward(net, x, t))
    params = torch_bridge.to_torch(net)
    loss, zs, as_ = torch_bridge.torch_forward(net, params, x, t)
    for tensor in (*zs, *as_):
        tensor.retain_grad()
    loss.backward()
    last = len(net.weights) - 1
    takes_logits = layers.LOSSES[net.loss].takes == "logits"
    for l in range(last + 1):
        np.testing.assert_allclose(
            np.atleast_2d(grads.dL_dz[l]), zs[l].grad.numpy(), rtol=1e-10, atol=1e-15
        )
        if l < last or not takes_logits:
            np.testing.assert_allclose(
                np.atleast_2d(grads.dL_da[l]), as_[l].grad.numpy(), rtol=1e-10, atol=1e-15
            )


def assert_finite_and_quiet(net, x, t):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's RuntimeWarnings (overflow, ...) become errors
        trace = bp.forward(net, x, t)
        grads = bp.backward(net, trace)
    assert np.isfinite(trace.loss)
    for arr in (
        *trace.z,
        *trace.a,
        *grads.weights,
        *(grads.biases or ()),
        *grads.dL_dz,
        *grads.dL_da,
        grads.dL_dx,
    ):
        assert np.all(np.isfinite(arr))


@PROPERTY_SETTINGS
@given(problems(weight_scale=1000.0))
def test_extreme_weights_stay_finite_and_quiet(problem):
    """Weights and biases up to +-1000 and inputs up to +-10 saturate sigmoid and tanh and push
    logits to ~1e4 and beyond: the loss and every gradient stay finite, with no warning."""
    assert_finite_and_quiet(*problem)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_every_activation_and_loss_at_plus_minus_1000(activation, loss, sign):
    """Every activation in the hidden layers (and at the output where the loss allows it), with
    all weights at +-1000 and x = +-10, for one sample and a batch."""
    last = layers.LOSS_NEEDS_ACTIVATION.get(loss, activation)
    net = bp.Network(
        [np.full((2, 3), sign * 1000), np.full((3, 3), -sign * 1000), np.full((3, 2), sign * 1000)],
        [np.full(3, 1000.0), np.full(3, -1000.0), np.full(2, 1000.0)],
        activations=[activation, activation, last],
        loss=loss,
    )
    t = np.array([1.0, 0.0])
    assert_finite_and_quiet(net, np.array([10.0, -10.0]), t)
    assert_finite_and_quiet(net, np.array([[10.0, 10.0], [-10.0, 3.0]]), np.array([t, t[::-1]]))
