"""Every reproducer of issue 14's "Defects found" 2-7, as a regression test.

(Defect 1 is in test_gradcheck_promise.py, 8 in tests/browser, 9 in test_mutants.py.)
"""

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import datasets, examples, numerics, train
from backprop_lib.checks import NumericOverflowError
from backprop_lib.exercises import ex01


def raises(cls, *parts):
    return pytest.raises(cls, match=".*".join(map(__import__("re").escape, parts)))


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.fixture
def ex():
    return examples.seed_000()


# --------------------------------------------------------------------------- 2: no silent NaN


def test_overflow_of_z_is_an_error_naming_z_of_layer_1():
    net = bp.Network([[[1000.0, 1000.0]], [[1.0], [-1.0]]], None, "identity", "squared_error")
    with raises(NumericOverflowError, "z of layer 1 overflowed", "scale x"):
        bp.forward(net, [1e306], [0.0])
    assert issubclass(NumericOverflowError, ValueError)


def test_overflow_of_the_loss_is_an_error_naming_the_loss(ex):
    with raises(NumericOverflowError, "the loss overflowed", "smaller"):
        bp.forward(ex.net, ex.x, [1e300])


@pytest.mark.parametrize("act", ["relu", "identity"])
def test_a_diverging_train_names_the_step_suggests_a_smaller_lr_and_keeps_the_history(act):
    X, y = datasets.two_moons(40, 0.1, seed=0)
    net = bp.Network.random([2, 8, 1], activations=["tanh", act], loss="squared_error", seed=0)
    with pytest.raises(train.TrainingDiverged) as info:
        train.train(net, X * 100, y * 100, lr=10, epochs=50, batch_size=8, seed=0)
    e = info.value
    assert str(e).startswith(f"lr: training diverged at step {e.step} ")
    assert "smaller lr, e.g. lr=1" in str(e)
    assert len(e.history.step_loss) == e.step - 1 >= 1
    assert np.isfinite(e.history.step_loss).all()
    assert all(np.isfinite(W).all() for W in e.net.weights)


def test_weights_up_to_1000_stay_finite_and_quiet():
    rng = np.random.default_rng(0)
    for loss, out in [
        ("squared_error", "sigmoid"),
        ("binary_cross_entropy", "sigmoid"),
        ("softmax_cross_entropy", "identity"),
        ("half_squared_error", "tanh"),
    ]:
        k = 3 if loss == "softmax_cross_entropy" else 1
        net = bp.Network(
            [rng.uniform(-1000, 1000, (2, 3)), rng.uniform(-1000, 1000, (3, k))],
            [rng.uniform(-1000, 1000, 3), rng.uniform(-1000, 1000, k)],
            ["sigmoid", out],
            loss,
        )
        t = np.eye(3)[1] if k == 3 else [0.5]
        with np.errstate(all="raise", under="ignore"):
            g = bp.backward(net, bp.forward(net, [0.7, -0.2], t))
        assert all(np.isfinite(W).all() for W in g.weights)


# --------------------------------------------------------------------------- 3: steps checks


def test_steps_refuses_a_trace_or_grads_of_another_network(ex):
    other = ex.net.set("w1_1_1", 0.9)
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    other_trace = bp.forward(other, ex.x, ex.target)
    with raises(ValueError, "trace:", "of another network"):
        bp.steps(ex.net, other_trace, grads)
    with raises(ValueError, "grads:", "expected the gradients of this trace"):
        bp.steps(ex.net, trace, bp.backward(other, other_trace))
    with raises(TypeError, "net:", "expected a Network", "got NoneType None"):
        bp.steps(None, trace, grads)
    with raises(TypeError, "grads:", "got str 'abc'"):
        bp.steps(ex.net, trace, "abc")
    assert len(bp.steps(ex.net, trace, grads)) > 10


# --------------------------------------------------------------------------- 4: Explorer.set


@pytest.fixture
def explorer():
    from backprop_lib.widgets import Explorer

    return Explorer(examples.seed_000())


def test_explorer_set_addresses_what_it_names(explorer):
    explorer.set("x1", 1.5)
    assert explorer.x_sliders[0].value == 1.5 and explorer.x_sliders[1].value != 1.5
    for key in ("x0", "t0", "", "x3", "t2", "w9_1_1"):
        with raises(ValueError, "key: expected one of"):
            explorer.set(key, 1.0)
    with raises(TypeError, "key:", "got NoneType None"):
        explorer.set(None, 1.0)
    with raises(ValueError, "value: expected a number from -3 to 3", "got 5.0"):
        explorer.set("w1_1_1", 5.0)
    with raises(TypeError, "value:"):
        explorer.set("w1_1_1", "1")


def test_explorer_takes_an_integer_class_target_as_forward_does():
    from backprop_lib.widgets import Explorer

    net = bp.Network.random([2, 3], activations="identity", loss="softmax_cross_entropy")
    e = Explorer(net, [0.1, 0.2], 1)
    assert [s.value for s in e.t_sliders] == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "bad, cls", [(float("nan"), ValueError), (0, ValueError), (-1, ValueError), ("3", TypeError)]
)
def test_explorer_weight_range(bad, cls):
    from backprop_lib.widgets import Explorer

    with raises(cls, "weight_range:"):
        Explorer(examples.seed_000(), curve="w2_1_1", weight_range=bad)


@pytest.mark.parametrize("curve", ["w2_1_1\n", "w01_01_01", "w9_1_1", ""])
def test_explorer_curve_keys(curve):
    from backprop_lib.widgets import Explorer

    with raises(ValueError, "curve:"):
        Explorer(examples.seed_000(), curve=curve)


# --------------------------------------------------------------------------- 5: no silent conversion


@pytest.mark.parametrize(
    "x, what",
    [
        (np.array([0.5 + 1j, 0.3]), "complex"),
        (np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[D]"), "dates"),
        (np.ma.masked_array([0.5, 0.3], mask=[0, 1]), "masked array"),
        ([True, False], "booleans"),
    ],
)
def test_inputs_numpy_would_convert_silently_are_refused(ex, x, what):
    with raises(TypeError, "x:", what):
        bp.forward(ex.net, x, ex.target)


@pytest.mark.parametrize(
    "answer",
    [
        np.array([0.19372781 + 5j]),
        "0.19372781",
        10**400,
        np.ma.masked_array([0.19372781], mask=[1]),
    ],
)
def test_exercise_checks_do_not_mark_converted_answers_correct(answer):
    feedback = ex01.check_loss_002(answer)
    assert not feedback.ok
    assert "loss" in feedback.message.lower() or "L" in feedback.message


# --------------------------------------------------------------------------- 6: numpy's messages


RAGGED = [[0.7], [0.1, 0.2]]


def test_ragged_targets_are_a_clear_error_everywhere(ex):
    X = np.array([ex.x, ex.x])
    calls = {
        "forward": lambda: bp.forward(ex.net, X, RAGGED),
        "numeric_gradients": lambda: bp.numeric_gradients(ex.net, X, RAGGED),
        "gradcheck": lambda: bp.gradcheck(ex.net, X, RAGGED),
        "train": lambda: train.train(ex.net, X, RAGGED, 0.1, 1, 1, 0),
        "accuracy": lambda: train.accuracy(ex.net, X, RAGGED),
    }
    for _name, call in calls.items():
        with raises(ValueError, "rectangular"):
            call()


def test_ragged_targets_in_torch_bridge_and_explorer(ex):
    pytest.importorskip("torch")
    from backprop_lib import torch_bridge
    from backprop_lib.widgets import Explorer

    X = np.array([ex.x, ex.x])
    with raises(ValueError, "target:", "rectangular"):
        torch_bridge.torch_forward_backward(ex.net, X, RAGGED)
    with raises(ValueError, "target:", "rectangular"):
        Explorer(ex.net, ex.x, RAGGED)


def test_huge_python_ints(ex):
    with raises(ValueError, "x:", "too large for float64"):
        bp.forward(ex.net, [10**400, 1], ex.target)
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    assert bp.sgd_step(ex.net, grads, 10**3).n_params == ex.net.n_params
    with raises(ValueError, "lr:"):
        bp.sgd_step(ex.net, grads, 10**400)
    assert not ex01.check_loss_002(10**400).ok


# --------------------------------------------------------------------------- 7: unchecked helpers


def test_numeric_gradient_and_relative_error_check_their_arguments():
    with raises(TypeError, "f: expected a function"):
        bp.numeric_gradient(None, [1.0])
    with raises(TypeError, "w:"):
        bp.numeric_gradient(lambda w: 0.0, None)
    with raises(ValueError, "f: returned nan"):
        bp.numeric_gradient(lambda w: float("nan"), [1.0])
    for floor in (0, float("inf"), -1):
        with raises(ValueError, "floor:"):
            bp.relative_error(0, 0, floor=floor)
    with raises(TypeError, "a:", "got str 'abc'"):
        bp.relative_error("abc", 1)


def test_gradcheck_checks_grads_and_label(ex):
    with raises(TypeError, "grads:", "got str 'abc'"):
        bp.gradcheck(ex.net, ex.x, ex.target, grads="abc")
    with raises(TypeError, "label:"):
        bp.gradcheck(ex.net, ex.x, ex.target, label=None)
    assert bp.gradcheck(ex.net, ex.x, ex.target, eps=np.float32(1e-6), tol=np.float32(1e-6)).ok


def test_train_helpers_check_their_arguments(ex):
    X = np.array([ex.x, ex.x])
    with raises(TypeError, "net:"):
        train.accuracy(None, X, [0, 1])
    with raises(ValueError, "X:", "expected a 2-D array") as info:
        train.predict(ex.net, X[0])
    assert "target" not in str(info.value)
    with raises(ValueError, "X:"):
        train.predict(ex.net, 0.5)
    with raises(TypeError, "T:"):
        train.labels_of(None)
    with raises(ValueError, "batch_size:"):
        train.batch_indices(10, 0, 0, 1)
    with raises(ValueError, "n:"):
        train.batch_indices(-1, 2, 0, 1)
    assert [len(b[1]) for b in train.batch_indices(5, 2, 0, 1)] == [2, 2, 1]


@pytest.mark.parametrize(
    "call",
    [
        lambda seed: bp.Network.random([2, 1], seed=seed),
        lambda seed: datasets.two_moons(10, seed=seed),
        lambda seed: datasets.spirals(10, seed=seed),
        lambda seed: list(train.batch_indices(4, 2, seed, 1)),
    ],
)
@pytest.mark.parametrize(
    "seed, cls", [(-1, ValueError), (True, TypeError), ("1", TypeError), (1.5, TypeError)]
)
def test_every_seed_is_checked_by_name(call, seed, cls):
    with raises(cls, "seed:"):
        call(seed)


def test_network_random_biases_must_be_a_bool():
    with raises(TypeError, "biases:", "got str 'no'"):
        bp.Network.random([2, 1], biases="no")
    assert bp.Network.random([2, 1], biases=False).biases is None


@pytest.mark.parametrize(
    "kwargs, cls, name",
    [
        ({"activation": "Tanh"}, ValueError, "activation"),
        ({"data": None}, TypeError, "data"),
        ({"grid": -1}, ValueError, "grid"),
        ({"grid": 10**5}, ValueError, "grid"),
        ({"hidden": 0}, ValueError, "hidden"),
        ({"lr": "0.3"}, TypeError, "lr"),
        ({"data": (np.zeros((5, 2)), np.zeros(5, dtype=int))}, ValueError, "data[1] (y)"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_training_view_checks_its_arguments(kwargs, cls, name):
    from backprop_lib.train_view import TrainingView

    with raises(cls, f"{name}:"):
        TrainingView(**kwargs)


def test_datasets_check_their_arguments():
    with raises(ValueError, "k:"):
        datasets.spirals(k=10**400)
    with raises(ValueError, "noise:"):
        datasets.spirals(noise=1e308)
    with raises(ValueError, "test_fraction:"):
        datasets.digits(test_fraction=1.0)


def test_torch_bridge_refuses_an_integer_dtype(ex):
    torch = pytest.importorskip("torch")
    from backprop_lib import torch_bridge

    with raises(ValueError, "dtype: expected torch.float64 or torch.float32"):
        torch_bridge.torch_forward_backward(ex.net, ex.x, ex.target, dtype=torch.int64)


def test_numerics_helpers_check_their_arguments(ex):
    with raises(ValueError, "exact:"):
        numerics.correct_digits(1.0, 0.0)
    with raises(TypeError, "net:"):
        numerics.backprop_value(None, ex.x, ex.target, "w1_1_1")
    with raises(ValueError, "eps_values:"):
        numerics.eps_sweep(ex.net, ex.x, ex.target, "w1_1_1", [1e-3, 2.0])


def test_torch_twin_refuses_what_overflows_as_the_library_does():
    """torch_forward_backward returned loss=inf (and NaN gradients in float32) silently, where
    backprop_lib.forward raises NumericOverflowError for the same input."""
    torch = pytest.importorskip("torch")
    from backprop_lib import torch_bridge

    ex = examples.seed_000()
    with pytest.raises(NumericOverflowError):
        bp.forward(ex.net, ex.x, 1e200)
    cases = [
        (ex.x, 1e200, torch.float64, "the loss overflowed in torch: torch.float64"),
        (ex.x, 1e20, torch.float32, "the loss overflowed in torch: torch.float32 .* 3.4e\\+38"),
        ([1e39, 1e39], ex.target, torch.float32, "x: a number is too large for float32"),
    ]
    for x, t, dtype, message in cases:
        with pytest.raises(NumericOverflowError, match=message):
            torch_bridge.torch_forward_backward(ex.net, x, t, dtype=dtype)
    ok = torch_bridge.torch_forward_backward(ex.net, ex.x, ex.target)
    assert ok.loss == pytest.approx(bp.forward(ex.net, ex.x, ex.target).loss, rel=1e-12)


def test_an_update_that_overflows_names_lr_and_leaks_no_warning():
    n = bp.Network([[[1.0]]], activations="identity")
    g = bp.backward(n, bp.forward(n, [1e10], -1e140))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NumericOverflowError, match="new parameters overflowed.*smaller lr"):
            bp.sgd_step(n, g, 1e300)
    ex = examples.seed_000()  # a normal step: several arrays of different shapes
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    assert bp.sgd_step(ex.net, g, 0.1).get("w1_1_1") == pytest.approx(
        0.2 - 0.1 * g.weights[0][0, 0]
    )


def test_reading_a_parameter_that_is_not_there_names_the_key():
    """Grads.value(net, 'zz') raised a bare KeyError, a report's row('w9_1_1') a StopIteration,
    and from_keys took a list or text to numpy's own words."""
    from backprop_lib import bugclinic

    ex = examples.seed_000()
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    with pytest.raises(ValueError, match="key: expected a parameter key like 'w1_2_1'"):
        g.value(ex.net, "zz")
    with pytest.raises(ValueError, match="key: expected one of the report's parameters"):
        bp.gradcheck(ex.net, ex.x, ex.target).row("w9_1_1")
    with pytest.raises(TypeError, match="values: expected a dict"):
        bugclinic.Suspect.from_keys(ex.net, [1.0])
    with pytest.raises(TypeError, match=r"values\['w1_1_1'\]: expected a finite number"):
        bugclinic.Suspect.from_keys(ex.net, {k: "a" for k in ex.net.param_keys()})
    assert g.value(ex.net, "w1_1_1") == g.weights[0][0, 0]
    assert bp.gradcheck(ex.net, ex.x, ex.target).row("b2_1").key == "b2_1"
