"""A third fuzzing round's findings (session 12), each a regression test that failed before.

The learner-facing ones: the backward helper notebook 02 calls, the seed's y(w) of notebook 03,
the Explorer's arguments, and PyTorch training in notebook 05 that diverges.
"""

import re

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import bugclinic, datasets, examples, layers, train


def raises(exc, *parts):
    """pytest.raises(exc) whose message contains each of ``parts``, in order."""
    return pytest.raises(exc, match=".*".join(re.escape(p) for p in parts))


# ------------------------------------------------------------------ layers.sigmoid_backward
def test_sigmoid_backward_takes_numbers_and_lists_as_sigmoid_does():
    assert layers.sigmoid_backward(1.0, 0.6) == pytest.approx(0.6 * 0.4)
    np.testing.assert_allclose(layers.sigmoid_backward([1.0, 2.0], [0.5, 0.2]), [0.25, 0.32])
    a = layers.sigmoid(np.array([[0.3, -1.0]]))
    np.testing.assert_allclose(layers.sigmoid_backward(np.ones((1, 2)), a), a * (1 - a))


@pytest.mark.parametrize(
    "da, a, exc, parts",
    [
        (float("nan"), 0.5, ValueError, ("da: expected finite numbers", "nan")),
        (1.0, True, TypeError, ("a: expected", "bool")),
        (1.0, None, TypeError, ("a: expected", "None")),
        (1.0, 10**400, ValueError, ("a: a number is too large for float64",)),
        ([1.0, 2.0], [0.1, 0.2, 0.3], ValueError, ("da: expected the shape of a (3,)", "(2,)")),
    ],
)
def test_sigmoid_backward_names_a_bad_argument(da, a, exc, parts):
    with raises(exc, *parts):
        layers.sigmoid_backward(da, a)


def test_sigmoid_and_softmax_refuse_masked_arrays_and_softmax_empty_rows():
    masked = np.ma.masked_array([1.0, 2.0], mask=[True, False])
    for f in (layers.sigmoid, layers.softmax):
        with raises(TypeError, "z: expected", "masked array"):
            f(masked)
    for z in ([], np.zeros((2, 0))):
        with raises(ValueError, "z: expected at least one number in each row"):
            layers.softmax(z)


def test_the_network_still_uses_sigmoid_backward_unchanged():
    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    numeric = bp.numeric_gradients(ex.net, ex.x, ex.target)
    np.testing.assert_allclose(grads.weights[0], numeric.weights[0], rtol=1e-6)


# ------------------------------------------------------------------ the seed's y(w), notebook 03
@pytest.mark.parametrize(
    "w, exc",
    [(None, TypeError), (float("nan"), ValueError), ("0.5", TypeError), (10**400, ValueError)],
)
def test_seed_001_output_along_checks_w(w, exc):
    y = bugclinic.seed_001_output_along("w6")
    with raises(exc, "w: expected a finite number"):
        y(w)


def test_seed_001_output_along_takes_numpy_numbers():
    y = bugclinic.seed_001_output_along("w6")
    assert y(np.float32(0.5)) == y(0.5) and np.isfinite(y(1))


# ------------------------------------------------------------------ the Explorer's arguments
def test_explorer_refuses_x_or_target_beside_an_example():
    from backprop_lib.widgets import Explorer

    with raises(TypeError, "x: an Example brings its own x and target", "[9.0, 9.0]"):
        Explorer(examples.seed_000(), [9.0, 9.0], 0.1)
    with raises(TypeError, "target: an Example brings its own"):
        Explorer(examples.seed_000(), target=0.1)
    ex = examples.seed_000()
    assert Explorer(ex.net, [0.9, 0.1], ex.target).model.x.tolist() == [0.9, 0.1]


def test_explorer_refuses_a_tangent_without_a_curve():
    from backprop_lib.widgets import Explorer

    with raises(ValueError, "tangent:", "pass curve="):
        Explorer(examples.seed_000(), tangent=True)
    Explorer(examples.seed_000(), curve="w2_1_1", tangent=True)  # as notebook 02 calls it


# ------------------------------------------------------------------ train_torch diverging
def test_train_torch_diverging_says_what_train_says():
    pytest.importorskip("torch")
    from backprop_lib.torch_bridge import train_torch

    X, y = datasets.two_moons(20, 0.1, seed=0)
    net = bp.Network.random([2, 8, 1], activations=["relu", "identity"], seed=0)
    errors = []
    for fit in (train.train, train_torch):
        with pytest.raises(train.TrainingDiverged) as info:
            fit(net, X, y, 3.0, 30, 4, 0)
        errors.append(info.value)
    ours, theirs = errors
    assert str(theirs).startswith(f"lr: training diverged at step {ours.step} (epoch 2)")
    assert "Try a smaller lr, e.g. lr=0.3" in str(theirs)
    assert theirs.step == ours.step and len(theirs.history.step_loss) == ours.step - 1
    # (the same steps: near the blow-up the two round-offs differ in the 12th digit)
    np.testing.assert_allclose(theirs.history.step_loss, ours.history.step_loss, rtol=1e-9)
    assert all(np.isfinite(W).all() for W in theirs.net.weights)


def test_train_torch_float32_names_lr_it_cannot_hold_or_that_diverges():
    torch = pytest.importorskip("torch")
    from backprop_lib.torch_bridge import train_torch

    X, y = datasets.two_moons(20, 0.1, seed=0)
    net = bp.Network.random([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", seed=0)
    with raises(ValueError, "lr: expected a learning rate torch.float32 can hold", "1e+39"):
        train_torch(net, X, y, 1e39, 3, 4, 0, dtype=torch.float32)
    with raises(train.TrainingDiverged, "lr: training diverged", "torch.float32"):
        train_torch(net, X, y, 1e38, 3, 4, 0, dtype=torch.float32)


# ------------------------------------------------------------------ notebook 05's figures
def test_training_figures_name_a_history_that_is_not_one():
    from backprop_lib import plots

    X, y = datasets.two_moons(20, 0.1, seed=0)
    net = bp.Network.random([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", seed=0)
    run = train.train(net, X, y, 0.1, 2, 4, 0)
    with raises(TypeError, "hist: expected the History that train() returned", "unpack it"):
        plots.training_curves(run)
    with raises(ValueError, "threshold: expected an accuracy in [0, 1]", "95"):
        plots.training_curves(run[1], threshold=95)
    with raises(TypeError, "threshold:", "'95%'"):
        plots.training_curves(run[1], threshold="95%")
    none = train.train(net, X, y, 0.1, 0, 4, 0)[1]
    with raises(ValueError, "hist_b: expected the steps of hist_a (10, at least 1)", "got 0"):
        plots.comparison_figure(run[1], none)
    plots.training_curves(run[1], threshold=0.9)  # as notebook 05 calls them
    plots.comparison_figure(run[1], run[1])


def test_finite_difference_figure_checks_what_f_returns():
    from backprop_lib import plots

    for f, exc, got in [
        (lambda v: float("nan"), ValueError, "got nan"),
        (lambda v: "a", TypeError, "got str 'a'"),
        (lambda v: np.ones(2), TypeError, "shape (2,)"),
    ]:
        with raises(exc, "f: expected a function returning one finite number (at w =", got):
            plots.finite_difference_figure(f, 0.5, 0.3, 1.0)
    with raises(ValueError, "f: expected", "got inf"), np.errstate(over="ignore"):
        plots.finite_difference_figure(lambda v: np.exp(1000 * v), 0.5, 0.3, 1.0)


def test_image_grid_names_its_bad_arguments():
    from backprop_lib import plots

    X = datasets.digits().X_train
    with raises(TypeError, "images: expected a list of images, got one of 64 pixels"):
        plots.image_grid(X[0])
    with raises(ValueError, "cols: expected a whole number >= 1", "got 0"):
        plots.image_grid(X[:3], cols=0)
    with raises(ValueError, "cell: expected a size in inches", "got 0"):
        plots.image_grid(X[:3], cell=0)
    with raises(ValueError, "images[0]: expected a 2-D image or 64 pixels", "(2,)"):
        plots.image_grid([[1.0, 2.0], [[1.0]]])
    with raises(ValueError, "images[0]: expected finite numbers", "nan"):
        plots.image_grid([np.full((8, 8), np.nan)])
    plots.image_grid(X[:10], titles=[str(d) for d in range(10)])  # as notebook 05 calls it


def test_digits_refuses_a_split_that_empties_a_set():
    for f in (0.999, 0.001):
        with raises(ValueError, "test_fraction: expected a share that puts every digit", str(f)):
            datasets.digits(f)
    d = datasets.digits(0.003)
    assert len(d.X_test) == 10 and set(d.y_test.tolist()) == set(range(10))


def test_training_view_refuses_data_wider_than_float64_can_plot():
    from backprop_lib import svgplot
    from backprop_lib.train_view import TrainingView

    with raises(ValueError, "data: expected points a float64 plot can span", "scale them down"):
        TrainingView(data=(np.array([[1e308, 0.0], [-1e308, 1.0]]), [0, 1]))
    with raises(ValueError, "lo, hi: expected finite numbers"):
        svgplot.ticks(-np.inf, 1.0)  # (it recursed without end)
    assert svgplot.ticks(-1.7e308, 1.7e308) == [-1e308, 0.0, 1e308]


def test_loss_along_in_float32_names_w_too_large_for_it():
    from backprop_lib import numerics

    ex = examples.seed_000()
    L = numerics.loss_along(ex.net, ex.x, ex.target, "w2_1_1", np.float32)
    with raises(bp.checks.NumericOverflowError, "w: a number is too large for float32", "1e+39"):
        L(1e39)
    assert np.isfinite(L(0.5))


def test_train_torch_names_a_loss_its_dtype_cannot_hold_at_the_start():
    torch = pytest.importorskip("torch")
    from backprop_lib.torch_bridge import train_torch

    net = bp.Network([np.full((2, 1), 1e9)], None, ["identity"], "squared_error")
    X, y = np.full((4, 2), 1e30), np.zeros((4, 1))  # z = 2e39: float64 holds it, float32 not
    with raises(bp.checks.NumericOverflowError, "the loss of the initial weights overflowed"):
        train_torch(net, X, y, 0.1, 2, 2, 0, dtype=torch.float32)  # (an IndexError before)
