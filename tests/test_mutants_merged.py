"""Behaviour that the merged redesign's mutation run (mutation/results.md, 2026-12-02 00:45)
found untested: each test pins one fact a surviving mutant changed, through public functions."""

import dataclasses

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import checks, layers
from backprop_lib.network import MAX_UNITS, Network

NET = Network.random([2, 2, 1], seed=0)


def test_the_records_are_frozen():
    """A loss's or an activation's record is a fact: it cannot be changed in place (replace it)."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        layers.LOSSES["squared_error"].term = "?"
    with pytest.raises(dataclasses.FrozenInstanceError):
        layers.ACTIVATIONS["tanh"].symbol = "?"


@pytest.mark.parametrize("t", [-0.5, 1.5, 2.0, -1.0])
def test_bce_targets_outside_0_1_are_refused(t):
    net = Network.random([2, 1], activations="sigmoid", loss="binary_cross_entropy", seed=0)
    with pytest.raises(ValueError, match="target"):
        bp.forward(net, [0.5, 0.3], [t])


@pytest.mark.parametrize(
    "row", [[1.5, -0.5], [2.0, -1.0], [-1.0, 2.0], [-0.5, 0.9, 0.6], [0.9, -0.2, 0.3]]
)
def test_softmax_targets_outside_0_1_are_refused_even_when_they_sum_to_1(row):
    net = Network.random(
        [2, len(row)], activations="identity", loss="softmax_cross_entropy", seed=0
    )
    with pytest.raises(ValueError, match="target"):
        bp.forward(net, [0.5, 0.3], row)


@pytest.mark.parametrize("shape", [(2, 2, 1), (2,), (0, 2), (3, 3), (1, 2, 2)])
def test_as_batch_wants_n_rows_of_n_in(shape):
    with pytest.raises(ValueError, match=r"X: expected a 2-D array of shape \(N, 2\)"):
        checks.as_batch(NET, np.zeros(shape))


def test_as_batch_keeps_a_good_batch():
    X = np.arange(6.0).reshape(3, 2)
    assert np.array_equal(checks.as_batch(NET, X), X)
    # a wide input too (sizes above 256 are distinct int objects: `is not` would refuse it)
    wide = Network.random([300, 1], seed=0)
    assert checks.as_batch(wide, np.zeros((2, 300))).shape == (2, 300)


def test_as_batch_targets_names_a_scalar_and_a_row_count():
    with pytest.raises(TypeError, match="Y: expected an array with one row per row of X"):
        checks.as_batch_targets(NET, 0.5, 3)
    with pytest.raises(TypeError, match="Y: expected an array with one row per row of X"):
        checks.as_batch_targets(NET, np.float64(0.5), 3)
    with pytest.raises(ValueError, match="Y: expected 3 rows"):
        checks.as_batch_targets(NET, [0.1, 0.2], 3)


def test_as_batch_targets_renames_a_bad_targets_error():
    with pytest.raises(TypeError, match="^Y"):
        checks.as_batch_targets(NET, ["a", "b"], 2)
    with pytest.raises(ValueError, match="^Y"):
        checks.as_batch_targets(NET, [[0.1, 0.2], [0.3, 0.4]], 2)


def test_as_batch_targets_lets_nan_reach_the_finite_check_by_its_name():
    with pytest.raises(ValueError, match="^Y"):
        checks.as_batch_targets(NET, [np.nan, 0.2], 2)


@pytest.mark.parametrize("d", [np.float64, np.float32, np.dtype("float64"), np.dtype("float32")])
def test_as_float_dtype_accepts_the_two_floats(d):
    assert checks.as_float_dtype(d) in (np.float64, np.float32)
    assert checks.as_float_dtype(d) == np.dtype(d)


@pytest.mark.parametrize(
    "d",
    [
        np.float16,
        np.dtype("float16"),
        np.int64,
        np.dtype("int64"),
        "float64",
        float,
        np.dtype("complex128"),
        None,
    ],
)
def test_as_float_dtype_refuses_the_rest(d):
    with pytest.raises(ValueError, match="dtype: expected np.float64 or np.float32"):
        checks.as_float_dtype(d)


def test_as_weights_names_the_layer_and_the_chain():
    with pytest.raises(TypeError, match="weights: expected a non-empty list"):
        checks.as_weights([])
    with pytest.raises(ValueError, match=r"weights\[1\]: expected finite"):
        checks.as_weights([np.ones((2, 2)), np.array([[np.nan], [1.0]])])
    with pytest.raises(ValueError) as e:
        checks.as_weights([np.ones((2, 3)), np.ones((3, 2)), np.ones((4, 1))])
    msg = str(e.value)
    assert msg.startswith("weights[2]: shapes do not chain: weights[1] has shape (3, 2)")
    assert "needs 2 rows, got shape (4, 1)" in msg
    with pytest.raises(ValueError) as e:
        checks.as_weights([np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 2)), np.ones((3, 1))])
    assert str(e.value).startswith("weights[3]: shapes do not chain: weights[2] has shape (2, 2)")
    # the shape is checked before the values: a 1-D array with a NaN is named for its shape
    with pytest.raises(ValueError, match=r"weights\[0\]: expected a 2-D array"):
        checks.as_weights([np.array([np.nan, 1.0])])


def test_as_biases_counts_and_checks_each():
    ws = [np.ones((2, 2)), np.ones((2, 1))]
    with pytest.raises(ValueError, match="biases: expected 2 arrays"):
        checks.as_biases([np.zeros(2)], ws)
    with pytest.raises(ValueError, match="biases: expected 2 arrays"):
        checks.as_biases([np.zeros(2), np.zeros(1), np.zeros(1)], ws)
    with pytest.raises(ValueError, match=r"biases\[1\]: expected finite"):
        checks.as_biases([np.zeros(2), np.array([np.inf])], ws)
    with pytest.raises(ValueError, match=r"biases\[1\]: expected shape \(1,\)"):
        checks.as_biases([np.zeros(2), np.array([np.nan, 1.0])], ws)


def test_as_activations_names_the_wrong_last_activation():
    with pytest.raises(ValueError) as e:
        checks.as_activations(["relu", "sigmoid", "tanh"], 3, "binary_cross_entropy")
    assert str(e.value).endswith("needs the last layer's activation to be 'sigmoid', got 'tanh'")


def test_as_sizes_takes_every_size_up_to_the_cap():
    assert checks.as_sizes([1, MAX_UNITS, 1], MAX_UNITS) == [1, MAX_UNITS, 1]
    assert checks.as_sizes([2, MAX_UNITS - 1], MAX_UNITS) == [2, MAX_UNITS - 1]
    with pytest.raises(ValueError):
        checks.as_sizes([2, MAX_UNITS + 1], MAX_UNITS)
