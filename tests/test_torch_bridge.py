"""The PyTorch bridge: the same network in torch, for comparison with the library.

Seed 002 ended with a PyTorch cell in float32; the bridge reproduces its printed values with
dtype=torch.float32, and in float64 it agrees with backprop_lib to ~1e-15.
"""

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples
from backprop_lib.checks import NumericOverflowError

torch = pytest.importorskip("torch")
torch_bridge = pytest.importorskip("backprop_lib.torch_bridge")


def test_seed_002_pytorch_cell_in_float32():
    """The seed printed L = 0.19372782111167908 and dL/dW2 = -0.38745564222335815: float32
    numbers, exactly what the bridge computes with dtype=torch.float32 (a float64 computation
    rounded to float32 would give 0.19372780621051788, the float32 number below)."""
    ex = examples.seed_002()
    result = torch_bridge.torch_forward_backward(ex.net, ex.x, ex.target, dtype=torch.float32)
    assert result.loss == 0.19372782111167908
    assert float(result.weights[1][0, 0]) == -0.38745564222335815
    assert float(result.weights[0][0, 0]) == 0.14628025889396667
    assert float(result.biases[1][0]) == -0.622459352016449
    assert result.weights[1].dtype == np.float32
    float64 = bp.forward(ex.net, ex.x, ex.target).loss
    assert float(np.float32(float64)) == 0.19372780621051788 != result.loss
    assert result.loss == pytest.approx(float64, rel=1e-7)


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_float64_agrees_with_the_library_on_the_seeds(name):
    ex = examples.ALL[name]()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    result = torch_bridge.torch_forward_backward(ex.net, ex.x, ex.target)
    assert result.loss == pytest.approx(trace.loss, rel=1e-12)
    np.testing.assert_allclose(result.output, np.atleast_2d(trace.output), rtol=1e-12)
    for mine, theirs in zip(grads.weights, result.weights):
        np.testing.assert_allclose(theirs, mine, rtol=1e-12)
    if ex.net.biases is None:
        assert result.biases is None
    else:
        for mine, theirs in zip(grads.biases, result.biases):
            np.testing.assert_allclose(theirs, mine, rtol=1e-12)


@pytest.mark.parametrize("target", [np.array([0.0, 1.0, 0.0]), 1], ids=["one-hot", "index"])
def test_one_sample_with_several_outputs(target):
    """One sample (1-D x) with three outputs: the target has the output's shape (3,), or is one
    class index, exactly as forward() accepts it."""
    net = bp.Network.random([2, 4, 3], ["tanh", "identity"], "softmax_cross_entropy", seed=5)
    x = np.array([0.3, -0.8])
    trace = bp.forward(net, x, target)
    result = torch_bridge.torch_forward_backward(net, x, target)
    assert result.loss == pytest.approx(trace.loss, rel=1e-12)
    for mine, theirs in zip(bp.backward(net, trace).weights, result.weights):
        np.testing.assert_allclose(theirs, mine, rtol=1e-12)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "squared_error", "half_squared_error"])
def test_one_sample_and_a_batch_for_the_other_losses(loss):
    last = "sigmoid" if loss == "binary_cross_entropy" else "tanh"
    net = bp.Network.random([3, 4, 2], ["relu", last], loss, seed=6)
    rng = np.random.default_rng(0)
    for x, t in (
        (rng.normal(size=3), rng.uniform(size=2)),
        (rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))),
    ):
        trace = bp.forward(net, x, t)
        result = torch_bridge.torch_forward_backward(net, x, t)
        assert result.loss == pytest.approx(trace.loss, rel=1e-12)
        for mine, theirs in zip(bp.backward(net, trace).weights, result.weights):
            np.testing.assert_allclose(theirs, mine, rtol=1e-12, atol=1e-300)


def test_to_torch_makes_leaf_tensors():
    net = examples.seed_000().net
    params = torch_bridge.to_torch(net)
    assert all(W.is_leaf and W.requires_grad and W.dtype == torch.float64 for W in params.weights)
    np.testing.assert_array_equal(params.weights[0].detach().numpy(), net.weights[0])
    with pytest.raises(TypeError, match="net: expected a Network"):
        torch_bridge.to_torch("net")


def test_torch_forward_exposes_intermediates():
    """zs and as_ are the pre-activations and activations, as in the library's trace."""
    ex = examples.seed_000()
    params = torch_bridge.to_torch(ex.net)
    loss, zs, as_ = torch_bridge.torch_forward(ex.net, params, ex.x, ex.target)
    trace = bp.forward(ex.net, ex.x, ex.target)
    for l in range(2):
        np.testing.assert_allclose(zs[l].detach().numpy()[0], trace.z[l], rtol=1e-14)
        np.testing.assert_allclose(as_[l].detach().numpy()[0], trace.a[l], rtol=1e-14)
    assert loss.item() == pytest.approx(trace.loss, rel=1e-14)


def test_binary_cross_entropy_dL_dy_is_the_textbook_derivative():
    """BCE is computed from the logits, but grads.dL_dy is still dL/dy of
    -[t log y + (1 - t) log(1 - y)] / N, i.e. (y - t) / (y (1 - y)) / N: checked numerically
    (torch cannot give it: y is not on its loss's path)."""
    net = bp.Network.random([2, 3, 2], ["tanh", "sigmoid"], "binary_cross_entropy", seed=8)
    X, T = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([[0.0, 0.7], [1.0, 0.2]])
    trace = bp.forward(net, X, T)
    grads = bp.backward(net, trace)

    def bce_of_y(y):
        return -np.sum(T * np.log(y) + (1 - T) * np.log(1 - y)) / len(y)

    numeric = bp.numeric_gradient(bce_of_y, trace.output)
    np.testing.assert_allclose(grads.dL_dy, numeric, rtol=1e-7)
    y = trace.output
    np.testing.assert_allclose(grads.dL_dz[-1], grads.dL_dy * y * (1 - y), rtol=1e-12)


def test_the_torch_tables_are_keyed_by_the_librarys_names():
    """One torch form per activation and per loss of ``layers``, looked up by the same name."""
    assert set(torch_bridge.ACTIVATIONS) == set(bp.ACTIVATIONS)
    assert set(torch_bridge.LOSSES) == set(bp.LOSSES)


def test_train_train_torch_is_the_bridges():
    from backprop_lib import train

    assert train.train_torch is torch_bridge.train_torch
    with pytest.raises(AttributeError, match="no_such_name"):
        train.no_such_name  # noqa: B018


# --------------------------------------------------------------------------- bad input (fuzz 49-52)


def test_torch_forward_checks_params():
    """None gave AttributeError, another network's params computed a loss, float32 params
    with the default float64 gave torch's RuntimeError."""
    ex = examples.seed_000()
    params = torch_bridge.to_torch(ex.net)
    nan = torch.full((2, 1), float("nan"), dtype=torch.float64)
    cases = [
        (None, TypeError, r"^params: expected the TorchParams of to_torch\(net\)"),
        (torch_bridge.to_torch(bp.Network.random([2, 3, 1])), ValueError, r"^params\.weights\[0\]: expected shape \(2, 2\) .* got shape \(2, 3\)"),
        (torch_bridge.to_torch(ex.net, torch.float32), ValueError, r"^params\.weights\[0\]: .*torch\.float64.* got .*torch\.float32"),
        (params._replace(biases=None), ValueError, r"^params\.biases: expected a list of 2 tensors"),
        (params._replace(weights=[params.weights[0], "a"]), TypeError, r"^params\.weights\[1\]: expected a tensor"),
        (params._replace(weights=[params.weights[0], nan]), ValueError, r"^params\.weights\[1\]: expected finite"),
    ]  # fmt: skip
    for p, error, message in cases:
        with pytest.raises(error, match=message):
            torch_bridge.torch_forward(ex.net, p, ex.x, ex.target)


def test_torch_forward_takes_an_x_that_requires_grad():
    ex = examples.seed_000()
    x = torch.tensor(np.asarray(ex.x, dtype=float), requires_grad=True)
    loss = torch_bridge.torch_forward(ex.net, torch_bridge.to_torch(ex.net), x, ex.target)[0]
    assert loss.item() == pytest.approx(bp.forward(ex.net, ex.x, ex.target).loss, rel=1e-14)


@pytest.mark.parametrize(
    "weight, x, target, dtype, message",
    [
        (None, None, 1e200, torch.float64, r"^the loss overflowed in torch: torch\.float64"),
        (None, [1e39, 1e39], None, torch.float32, r"^x: a number is too large for float32 \(largest about 3\.4e38\), got 1e\+39$"),
        (None, None, 1e20, torch.float32, r"^the loss overflowed in torch: torch\.float32 .* 3\.4e\+38"),
        (1e300, None, None, torch.float32, r"^net\.weights\[0\]: a number is too large for float32 \(largest about 3\.4e38\), got 1e\+300$"),
        (1e300, [1e10, 0.3], None, torch.float64, r"^z of layer 1 overflowed in torch: torch\.float64"),
    ],
    ids=["loss float64", "x float32", "target float32", "weight float32", "z float64"],
)  # fmt: skip
def test_torch_forward_refuses_what_overflows(weight, x, target, dtype, message):
    """torch_forward returned inf silently; a weight of 1e300 became inf in float32 and x of
    1e39 gave NaN gradients, blamed on the gradients. A number too large for the dtype is named
    as backprop_lib.forward names it."""
    ex = examples.seed_000()
    net = ex.net if weight is None else ex.net.set("w1_1_1", weight)
    x, target = ex.x if x is None else x, ex.target if target is None else target
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NumericOverflowError, match=message):
            torch_bridge.torch_forward(net, torch_bridge.to_torch(net, dtype), x, target, dtype)
        with pytest.raises(NumericOverflowError, match=message):
            torch_bridge.torch_forward_backward(net, x, target, dtype)


def test_loss_tensor_names_an_unknown_loss():
    """It raised KeyError 'mse'; the valid names are the library's loss records."""
    z = torch.zeros(1, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^name: unknown name 'mse'; valid names are \['bin"):
        torch_bridge.loss_tensor("mse", z, z, z)
    with pytest.raises(TypeError, match=r"^name: expected one of"):
        torch_bridge.loss_tensor(None, z, z, z)


@pytest.mark.parametrize(
    "text, values, error, message",
    [
        ("x*y", {"x": 1.0}, ValueError, r"^values: expected a number for every leaf, missing \['y'\]"),
        ("x*y", None, TypeError, r"^values: expected a dict"),
        ("x*y", {"x": "a", "y": 1.0}, TypeError, r"^values\['x'\]: expected a finite number, got str 'a'"),
        ("x*y", {"x": 10**400, "y": 1.0}, ValueError, r"^values\['x'\]: .*int with 401 digits"),
        ("x*y", {"x": float("nan"), "y": 1.0}, ValueError, r"^values\['x'\]: expected a finite"),
        ("log(x)", {"x": -1.0}, ValueError, r"^log: expected a positive value, got -1"),
        ("1/x", {"x": 0.0}, ValueError, r"^/: division by zero"),
    ],
)  # fmt: skip
def test_expr_to_torch_checks_values_as_value_does(text, values, error, message):
    """KeyError, 'not subscriptable', float()'s message and OverflowError; log(-1) and 1/0 came
    back as nan and inf, where autograd.Value raises."""
    from backprop_lib.expr import parse

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=message):
            torch_bridge.expr_to_torch(parse(text), values)


def test_expr_to_torch_checks_expr_and_retain_grad():
    from backprop_lib.expr import parse

    with pytest.raises(TypeError, match=r"^expr: expected an Expr"):
        torch_bridge.expr_to_torch("x*y", {"x": 1.0, "y": 2.0})
    with pytest.raises(TypeError, match=r"^retain_grad: expected True or False"):
        torch_bridge.expr_to_torch(parse("x*y"), {"x": 1.0, "y": 2.0}, retain_grad="yes")
    out = torch_bridge.expr_to_torch(parse("x*y"), {"x": np.float32(1.5), "y": 2})
    assert out[-1].item() == 3.0 and out[0].dtype == torch.float64


def test_autograd_call_checks_x_and_t():
    """'abc' gave torch's "expected np.ndarray (got str)"."""
    ex = examples.seed_000()
    call = torch_bridge.autograd_call(ex.net)[0]
    x, t = np.asarray(ex.x, dtype=float), np.asarray(ex.target, dtype=float)
    with pytest.raises(TypeError, match=r"^x: expected a float64 numpy array, got str 'abc'"):
        call("abc", t)
    with pytest.raises(TypeError, match=r"^t: expected a float64 numpy array"):
        call(x, t.astype(np.float32))
    with pytest.raises(ValueError, match=r"^x, t: expected shapes \(2,\) and \(1,\)"):
        call(x[:1], t)
    assert call(x, t).item() == pytest.approx(bp.forward(ex.net, ex.x, ex.target).loss)


@pytest.mark.parametrize("dtype", ["float32", torch.float16, np.float32])
def test_train_torch_checks_dtype(dtype):
    """'float32' gave torch's "empty(): argument 'dtype' must be torch.dtype, not str";
    torch.float16 was accepted, which torch_forward refuses."""
    net = bp.Network.random([2, 3, 1], seed=0)
    X = np.random.default_rng(0).normal(size=(8, 2))
    Y = (X[:, :1] > 0).astype(float)
    with pytest.raises(ValueError, match=r"^dtype: expected torch\.float64 or torch\.float32"):
        torch_bridge.train_torch(net, X, Y, 0.1, 1, 4, 0, dtype=dtype)
