"""Every bad input fails early, with the right exception and a message a learner can act on.

Each message names the argument, says what was expected and what came instead; ``raises``
checks those parts, in that order.
"""

import re

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples, train

ACTIVATION_NAMES = "['identity', 'relu', 'sigmoid', 'tanh']"
LOSS_NAMES = (
    "['binary_cross_entropy', 'half_squared_error', 'softmax_cross_entropy', 'squared_error']"
)


def raises(exc, *parts):
    """pytest.raises(exc) whose message contains each of ``parts``, in order."""
    return pytest.raises(exc, match=".*".join(re.escape(p) for p in parts))


@pytest.fixture
def net():
    """Seed 000's 2-2-1 sigmoid network with biases and squared error."""
    return examples.seed_000().net


@pytest.fixture
def softmax_net():
    return bp.Network.random([2, 3, 3], ["tanh", "identity"], "softmax_cross_entropy", seed=0)


@pytest.fixture
def bce_net():
    return bp.Network.random([2, 3, 2], ["tanh", "sigmoid"], "binary_cross_entropy", seed=0)


def grads_of(net, x=(1.0, 2.0), t=0.7):
    return bp.backward(net, bp.forward(net, x, t))


# --------------------------------------------------------------------------- x


def test_x_with_the_wrong_number_of_features(net):
    with raises(ValueError, "x:", "expected 2 features", "got 3", "shape (3,)"):
        bp.forward(net, [1.0, 2.0, 3.0], 0.7)
    with raises(ValueError, "x:", "expected 2 features", "got 3", "shape (4, 3)"):
        bp.forward(net, np.ones((4, 3)), np.ones(4))


def test_x_with_too_many_dimensions_or_no_rows(net):
    with raises(
        ValueError,
        "x:",
        "expected one sample of shape (2,) or a batch of shape (N, 2)",
        "got shape (1, 1, 2)",
    ):
        bp.forward(net, np.ones((1, 1, 2)), 0.7)
    with raises(ValueError, "x:", "expected at least one row", "got shape (0, 2)"):
        bp.forward(net, np.ones((0, 2)), np.ones(0))


@pytest.mark.parametrize(
    "x, got",
    [
        ("abc", "str 'abc'"),
        (None, "NoneType None"),
        ([1, "a"], "list [1, 'a']"),
        (b"12", "bytes b'12'"),
    ],
)
def test_x_that_is_not_numbers(net, x, got):
    with raises(TypeError, "x:", "expected a number or an array of numbers", f"got {got}"):
        bp.forward(net, x, 0.7)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_x_that_is_not_finite(net, bad):
    with raises(ValueError, "x:", "expected finite numbers", f"got {bad}", "at index (1,)"):
        bp.forward(net, [1.0, bad], 0.7)
    with raises(ValueError, "x:", "expected finite numbers", f"got {bad}", "at index (1, 0)"):
        bp.forward(net, [[1.0, 2.0], [bad, 0.0]], [0.7, 0.1])


# --------------------------------------------------------------------------- weights and biases


@pytest.mark.parametrize(
    "weights, got",
    [
        (np.ones((2, 2)), "an array of shape (2, 2) and dtype float64"),
        ((np.ones((2, 2)) for _ in range(1)), "generator"),
        ("W", "str 'W'"),
        ([], "list []"),
    ],
)
def test_weights_that_are_not_a_list(weights, got):
    with raises(TypeError, "weights:", "expected a non-empty list of 2-D arrays", f"got {got}"):
        bp.Network(weights)


def test_weights_whose_shapes_do_not_chain():
    with raises(
        ValueError,
        "weights[1]:",
        "shapes do not chain",
        "weights[0] has shape (2, 2)",
        "needs 2 rows",
        "got shape (3, 1)",
    ):
        bp.Network([np.ones((2, 2)), np.ones((3, 1))])


def test_weights_that_are_not_2d_or_empty_or_not_numbers():
    with raises(ValueError, "weights[0]:", "expected a 2-D array (n_in, n_out)", "got shape (2,)"):
        bp.Network([np.ones(2)])
    with raises(ValueError, "weights[0]:", "expected a non-empty array", "got shape (0, 2)"):
        bp.Network([np.ones((0, 2))])
    with raises(TypeError, "weights[1]:", "expected a number or an array of numbers", "got str"):
        bp.Network([np.ones((2, 2)), "ab"])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_weights_and_biases_that_are_not_finite(bad):
    with raises(
        ValueError, "weights[0]:", "expected finite numbers", f"got {bad}", "at index (0, 1)"
    ):
        bp.Network([[[1.0, bad]]])
    with raises(ValueError, "biases[1]:", "expected finite numbers", f"got {bad}", "at index (0,)"):
        bp.Network([np.ones((1, 2)), np.ones((2, 1))], [np.zeros(2), [bad]])


def test_weights_with_inf_and_minus_inf_fail_cleanly():
    """inf - inf inside the finiteness check must not leak a RuntimeWarning first."""
    with raises(ValueError, "weights[0]:", "expected finite numbers", "got inf"):
        bp.Network([[[np.inf, -np.inf]]])


def test_biases_of_the_wrong_length():
    with raises(
        ValueError,
        "biases[0]:",
        "expected shape (2,)",
        "weights[0] of shape (2, 2)",
        "got shape (3,)",
    ):
        bp.Network([np.ones((2, 2))], [np.ones(3)])


def test_biases_of_the_wrong_count_or_type():
    with raises(ValueError, "biases:", "expected 1 arrays (one per layer)", "got 2"):
        bp.Network([np.ones((2, 2))], [np.ones(2), np.ones(1)])
    with raises(
        TypeError, "biases:", "expected None or a list of 1-D arrays", "got an array of shape (2,)"
    ):
        bp.Network([np.ones((2, 2))], np.ones(2))


# --------------------------------------------------------------------------- names


def test_unknown_activation_lists_the_valid_names():
    with raises(
        ValueError,
        "activations[0]:",
        "unknown name 'sigmoud'",
        f"valid names are {ACTIVATION_NAMES}",
    ):
        bp.Network([np.ones((1, 2))], activations="sigmoud")
    with raises(ValueError, "activations[1]:", "unknown name 'ReLU'", ACTIVATION_NAMES):
        bp.Network([np.ones((1, 2)), np.ones((2, 1))], activations=["relu", "ReLU"])


def test_unknown_loss_lists_the_valid_names():
    with raises(ValueError, "loss:", "unknown name 'mse'", f"valid names are {LOSS_NAMES}"):
        bp.Network([np.ones((1, 2))], loss="mse")


def test_names_that_are_not_strings():
    with raises(TypeError, "loss:", f"expected one of {LOSS_NAMES}", "got NoneType None"):
        bp.Network([np.ones((1, 2))], loss=None)
    with raises(TypeError, "activations[0]:", f"expected one of {ACTIVATION_NAMES}", "got int 3"):
        bp.Network([np.ones((1, 2))], activations=[3])
    with raises(TypeError, "activations:", "expected a name or a list of names", "got int 3"):
        bp.Network([np.ones((1, 2))], activations=3)


def test_one_activation_per_layer():
    with raises(ValueError, "activations:", "expected 1 names (one per layer)", "got 2"):
        bp.Network([np.ones((1, 2))], activations=["relu", "relu"])


@pytest.mark.parametrize(
    "loss, needed, given",
    [
        ("binary_cross_entropy", "sigmoid", "tanh"),
        ("softmax_cross_entropy", "identity", "sigmoid"),
    ],
)
def test_loss_that_needs_a_different_last_activation(loss, needed, given):
    """BCE takes the logits of a sigmoid output; softmax CE the logits of an identity output."""
    with raises(
        ValueError,
        "activations[1]:",
        f"loss '{loss}'",
        f"needs the last layer's activation to be '{needed}'",
        f"got '{given}'",
    ):
        bp.Network([np.ones((2, 2)), np.ones((2, 2))], activations=["relu", given], loss=loss)


# --------------------------------------------------------------------------- targets


def test_target_of_the_wrong_shape(net):
    with raises(ValueError, "target:", "expected shape (1,) or ()", "got shape (2,)"):
        bp.forward(net, [1.0, 2.0], [0.7, 0.1])
    with raises(ValueError, "target:", "expected shape (3, 1) or (3,)", "got shape (2,)"):
        bp.forward(net, np.ones((3, 2)), np.ones(2))


def test_softmax_target_of_the_wrong_shape_mentions_class_indices(softmax_net):
    with raises(
        ValueError,
        "target:",
        "expected shape (3,) or integer class indices of shape ()",
        "got shape (2,)",
    ):
        bp.forward(softmax_net, [1.0, 2.0], [0.7, 0.3])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_target_that_is_not_finite(net, bce_net, bad):
    with raises(ValueError, "target:", "expected finite numbers", f"got {bad}", "at index (0,)"):
        bp.forward(net, [1.0, 2.0], [bad])
    with raises(ValueError, "target:", "expected finite numbers", f"got {bad}", "at index (1,)"):
        bp.forward(bce_net, [1.0, 2.0], [0.5, bad])


def test_target_that_is_not_numbers(net):
    with raises(TypeError, "target:", "expected a number or an array of numbers", "got str 't'"):
        bp.forward(net, [1.0, 2.0], "t")


def test_class_indices_out_of_range(softmax_net):
    with raises(ValueError, "target:", "expected class indices in 0..2", "got 3"):
        bp.forward(softmax_net, [1.0, 2.0], 3)
    with raises(ValueError, "target:", "expected class indices in 0..2", "got [0, -1]"):
        bp.forward(softmax_net, np.ones((2, 2)), [0, -1])


def test_softmax_target_rows_must_sum_to_one(softmax_net):
    """-sum t log p needs one-hot or probability rows; [1, 1, 0] is a mistake, not a target."""
    with raises(
        ValueError,
        "target:",
        "expects each row to sum to 1",
        "got row 0 summing to 2.0 (1 such row)",
    ):
        bp.forward(softmax_net, [1.0, 2.0], [1.0, 1.0, 0.0])


@pytest.mark.parametrize("t, low, high", [([-0.5, 0.5], "-0.5", "0.5"), ([0.0, 1.5], "0.0", "1.5")])
def test_binary_cross_entropy_targets_outside_0_1(bce_net, t, low, high):
    with raises(
        ValueError,
        "target:",
        "binary_cross_entropy expects targets between 0 and 1",
        f"got values from {low} to {high}",
    ):
        bp.forward(bce_net, [1.0, 2.0], t)


# --------------------------------------------------------------------------- learning rate


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, np.nan, np.inf, -np.inf])
def test_lr_that_is_not_positive_and_finite(net, lr):
    with raises(ValueError, "lr:", "expected a positive finite number", f"got {lr}"):
        bp.sgd_step(net, grads_of(net), lr)


@pytest.mark.parametrize(
    "lr, got",
    [("0.1", "str '0.1'"), (True, "bool True"), (None, "NoneType None"), ([0.1], "list [0.1]")],
)
def test_lr_that_is_not_a_number(net, lr, got):
    """A string is not a number, and True is not a learning rate (although bool is an int)."""
    with raises(TypeError, "lr:", "expected a positive finite number", f"got {got}"):
        bp.sgd_step(net, grads_of(net), lr)


def test_lr_accepts_numpy_numbers(net):
    assert isinstance(bp.sgd_step(net, grads_of(net), np.float32(0.1)), bp.Network)


# --------------------------------------------------------------------------- parameter keys


def test_set_and_get_with_an_unknown_key(net):
    with raises(
        ValueError, "key:", "this network has no parameter 'w3_1_1'", "it has ['w1_1_1', 'w1_1_2'"
    ):
        net.set("w3_1_1", 1.0)
    with raises(ValueError, "key:", "no parameter 'w1_3_1'"):
        net.get("w1_3_1")
    with raises(ValueError, "key:", "no parameter 'b1_1'", "it has ['w1_1_1'"):
        examples.seed_001().net.get("b1_1")  # seed 001 has no biases


def test_set_with_a_malformed_key(net):
    with raises(ValueError, "key:", "expected a parameter key like 'w1_2_1'", "got 'weight'"):
        net.set("weight", 1.0)
    with raises(TypeError, "key:", "expected a parameter key", "got int 7"):
        net.get(7)


def test_set_with_a_bad_value(net):
    with raises(ValueError, "value:", "expected finite numbers", "got nan"):
        net.set("w1_1_1", np.nan)
    with raises(ValueError, "value:", "expected one number", "got shape (2,)"):
        net.set("w1_1_1", [1.0, 2.0])
    with raises(TypeError, "value:", "expected a number", "got str 'x'"):
        net.set("w1_1_1", "x")


# --------------------------------------------------------------------------- the other functions


def test_functions_check_the_types_of_net_trace_and_grads(net):
    with raises(TypeError, "net:", "expected a Network", "got str 'net'"):
        bp.forward("net", [1.0, 2.0], 0.7)
    with raises(TypeError, "trace:", "expected the Trace that forward() returned", "got str"):
        bp.backward(net, "trace")
    with raises(TypeError, "grads:", "expected the Grads that backward() returned", "got str"):
        bp.sgd_step(net, "grads", 0.1)
    with raises(TypeError, "net:", "expected a Network", "got dict"):
        bp.gradcheck({}, [1.0, 2.0], 0.7)


def test_trace_and_grads_of_another_network(net):
    other = bp.Network.random([2, 3, 1], seed=0)
    trace = bp.forward(net, [1.0, 2.0], 0.7)
    with raises(
        ValueError, "trace:", "expected a trace of this network", "got one of another network"
    ):
        bp.backward(other, trace)
    same_shape = net.set(net.param_keys()[0], 0.123)  # another network, though shaped alike:
    with raises(ValueError, "trace:", "got one of another network"):  # its gradients would be
        bp.backward(same_shape, trace)  # the traced network's, silently
    with raises(
        ValueError, "grads:", "expected gradients of this network", "got ones of another network"
    ):
        bp.sgd_step(other, bp.backward(net, trace), 0.1)


def test_network_random_with_bad_sizes():
    with raises(
        TypeError, "sizes:", "expected a list like [n_in, n_hidden, n_out]", "got list [2]"
    ):
        bp.Network.random([2])
    with raises(ValueError, "sizes:", "expected positive whole numbers", "got [2, 0]"):
        bp.Network.random([2, 0])
    with raises(ValueError, "sizes:", "expected positive whole numbers", "got [2, 1.5]"):
        bp.Network.random([2, 1.5])


def test_numeric_gradient_and_gradcheck_options(net):
    with raises(ValueError, "eps:", "expected a small positive number", "got 0"):
        bp.numeric_gradient(lambda w: 0.0, np.ones(2), eps=0)
    with raises(ValueError, "method:", "unknown name 'backward'", "['central', 'forward']"):
        bp.numeric_gradient(lambda w: 0.0, np.ones(2), method="backward")
    with raises(ValueError, "b:", "expected the shape of a, (2,)", "got (3,)"):
        bp.relative_error(np.ones(2), np.ones(3))
    for tol in (0, -1e-6, 2.0):
        with raises(ValueError, "tol:", "expected a small positive number", f"got {tol!r}"):
            bp.gradcheck(net, [1.0, 2.0], 0.7, tol=tol)
    with raises(TypeError, "tol:", "expected a small positive number", "got bool True"):
        bp.gradcheck(net, [1.0, 2.0], 0.7, tol=True)


@pytest.mark.parametrize("epochs", [10**400, 1_000_001])
def test_an_endless_number_of_epochs_is_refused_not_run(epochs):
    """batch_indices(epochs=10**400) was accepted: listing its batches never ended and filled
    the machine's memory (24 GB in a fuzz run). Beyond checks.MAX_EPOCHS it is a clear error;
    None still means for ever (a generator the caller stops)."""
    with pytest.raises(ValueError, match=r"^epochs: expected a whole number from 0 to 1,000,000"):
        train.batch_indices(10, 3, 0, epochs)
    with pytest.raises(ValueError, match=r"^epochs: "):
        train.train(examples.seed_000().net, [[0.5, 0.3]], [[0.7]], 0.1, epochs, 1, 0)
    first = next(iter(train.batch_indices(10, 3, 0, None)))
    assert first[0] == 0 and len(first[1]) == 3
    assert len(list(train.batch_indices(10, 3, 0, 1_000))) == 4_000  # a thousand epochs still run
