"""Adding a loss or an activation is one record in ``layers``: the network, the backward pass,
the gradient check, the replay and training all read it from there.

Each test registers a toy entry in a temporary table entry (monkeypatch undoes it) and runs the
whole chain on it, against values worked out by hand.
"""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import layers
from backprop_lib.train import predict_proba, train


def mean_absolute_error_forward(y, t):
    """L = mean over rows of sum_k |y_k - t_k|. y, t: (N, K)."""
    diff = y - t
    return float(np.abs(diff).sum()) / len(y), diff


def mean_absolute_error_backward(dL, cache):
    return dL * np.sign(cache) / len(cache)  # dL/dy = sign(y - t) / N


MAE = layers.Loss(
    mean_absolute_error_forward,
    mean_absolute_error_backward,
    "output",
    term="|{y} − {t}|",
    gradient=("sign({y} − {t})", "sign({y} − {t})"),
)


def softplus_forward(z):
    a = np.logaddexp(0.0, z)
    return a, z


def softplus_backward(da, z):
    return da * layers.sigmoid(z)  # softplus'(z) = sigma(z)


SOFTPLUS = layers.Activation(
    softplus_forward, softplus_backward, "softplus({z})", ("σ({z})", "σ({z})")
)


@pytest.fixture
def mae(monkeypatch):
    monkeypatch.setitem(layers.LOSSES, "mean_absolute_error", MAE)


@pytest.fixture
def softplus(monkeypatch):
    monkeypatch.setitem(layers.ACTIVATIONS, "softplus", SOFTPLUS)


def network(activations, loss):
    W1 = np.array([[0.1, 0.4], [-0.3, 0.2]])
    W2 = np.array([[0.5], [-0.6]])
    return bp.Network(
        [W1, W2], [np.array([0.1, -0.1]), np.array([0.05])], activations=activations, loss=loss
    )


def test_a_registered_loss_runs_forward_backward_gradcheck_and_the_replay(mae):
    net = network("sigmoid", "mean_absolute_error")
    x, t = np.array([0.5, 0.3]), np.array([0.9])
    trace = bp.forward(net, x, t)
    y = trace.output[0]
    assert trace.loss == pytest.approx(abs(y - 0.9))  # by hand: |y - t|
    grads = bp.backward(net, trace)
    assert grads.dL_dy[0] == pytest.approx(-1.0)  # y < t: sign(y - t) = -1
    assert bp.gradcheck(net, x, t).ok
    steps = {s.key: s for s in bp.steps(net, trace, grads)}
    assert steps["L"].formula == "L = |y − t|"
    assert steps["L"].numbers == f"|{y:.5g} − 0.9|"
    assert steps["dL/dy1"].formula == "∂L/∂y = sign(y − t)"
    assert steps["dL/dy1"].value == grads.dL_dy[0]


def test_a_registered_loss_trains(mae):
    net = network("tanh", "mean_absolute_error")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.1, 0.9, 0.9, 0.1])
    trained, history = train(net, X, y, lr=0.1, epochs=20, batch_size=4, seed=0)
    assert history.train_loss[-1] < history.train_loss[0]
    assert predict_proba(trained, X).shape == (4, 2)


def test_a_registered_loss_gets_the_library_s_input_checks(mae):
    net = network("sigmoid", "mean_absolute_error")
    with pytest.raises(ValueError, match="target: expected shape"):
        bp.forward(net, [0.5, 0.3], [0.1, 0.2])
    with pytest.raises(ValueError, match="unknown name 'mean_squared'"):
        network("sigmoid", "mean_squared")


def test_a_registered_activation_runs_forward_backward_gradcheck_and_the_replay(softplus):
    net = network(["softplus", "identity"], "half_squared_error")
    x, t = np.array([0.5, 0.3]), np.array([0.2])
    trace = bp.forward(net, x, t)
    z1 = trace.z[0]
    np.testing.assert_allclose(trace.a[0], np.log1p(np.exp(z1)), rtol=1e-15)
    grads = bp.backward(net, trace)
    np.testing.assert_allclose(grads.dL_dz[0], grads.dL_da[0] / (1 + np.exp(-z1)), rtol=1e-14)
    assert bp.gradcheck(net, x, t).ok
    steps = {s.key: s for s in bp.steps(net, trace, grads)}
    assert steps["a1_1"].formula == "a¹₁ = softplus(z¹₁)"
    assert steps["dL/dz1_1"].formula == "∂L/∂z¹₁ = ∂L/∂a¹₁ · σ(z¹₁)"
    assert steps["dL/dz1_1"].terms[0].local_value == pytest.approx(1 / (1 + np.exp(-z1[0])))


def test_without_the_entry_the_names_are_refused():
    with pytest.raises(ValueError, match="unknown name 'mean_absolute_error'"):
        network("sigmoid", "mean_absolute_error")
    with pytest.raises(ValueError, match="unknown name 'softplus'"):
        network("softplus", "squared_error")
