"""Network semantics: immutability, sgd_step, Network.random, scalar parameters, math names,
batches and shapes."""

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples


def small_net(**kw):
    return bp.Network.random([3, 4, 2], activations=["tanh", "sigmoid"], seed=7, **kw)


# --------------------------------------------------------------------------- immutability


def test_parameter_arrays_are_read_only():
    """``net.weights[0] += 1`` must fail: a Network never changes after it is built."""
    net = small_net()
    with pytest.raises(ValueError, match="read-only"):
        net.weights[0] += 1
    with pytest.raises(ValueError, match="read-only"):
        net.biases[1][0] = 5.0
    with pytest.raises(AttributeError):
        net.weights = ()
    with pytest.raises(TypeError):
        net.weights[0] = np.zeros((3, 4))  # a tuple


def test_constructor_copies_its_inputs():
    """Changing the caller's arrays afterwards does not change the network."""
    W1, W2, b1 = np.ones((2, 2)), np.ones((2, 1)), np.zeros(2)
    net = bp.Network([W1, W2], [b1, np.zeros(1)])
    W1[0, 0], b1[0] = 99.0, 99.0
    assert net.weights[0][0, 0] == 1.0 and net.biases[0][0] == 0.0
    assert W1.flags.writeable  # the caller's array stays theirs, and writable


def test_trace_and_grads_are_read_only():
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    for arr in (
        trace.x,
        trace.z[0],
        trace.a[1],
        trace.output,
        grads.weights[0],
        grads.dL_dz[0],
        grads.dL_dy,
        grads.dL_dx,
    ):
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0.0


def test_sgd_step_returns_a_new_network_and_keeps_the_old():
    ex = examples.seed_000()
    before = [np.array(W) for W in ex.net.weights]
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    new = bp.sgd_step(ex.net, grads, 0.1)
    assert new is not ex.net and isinstance(new, bp.Network)
    for W, W0 in zip(ex.net.weights, before):
        np.testing.assert_array_equal(W, W0)
    assert not np.array_equal(new.weights[0], ex.net.weights[0])
    assert new.activations == ex.net.activations and new.loss == ex.net.loss


def test_sgd_step_lowers_the_loss_for_a_small_lr():
    """The defining property of a descent step (for lr small enough)."""
    net = small_net()
    x, t = np.array([0.3, -0.2, 0.8]), np.array([0.1, 0.9])
    trace = bp.forward(net, x, t)
    new = bp.sgd_step(net, bp.backward(net, trace), 0.01)
    assert bp.forward(new, x, t).loss < trace.loss


# --------------------------------------------------------------------------- Network.random


def test_random_is_reproducible_for_a_seed_and_differs_across_seeds():
    a = bp.Network.random([2, 3, 1], seed=1)
    b = bp.Network.random([2, 3, 1], seed=1)
    c = bp.Network.random([2, 3, 1], seed=2)
    assert a.params() == b.params()
    assert a.params() != c.params()
    assert all(v != c.params()[k] for k, v in a.params().items())


def test_random_shapes_and_options():
    net = bp.Network.random(
        [4, 3, 2], activations=["relu", "identity"], loss="squared_error", seed=0, biases=False
    )
    assert net.sizes == [4, 3, 2]
    assert [W.shape for W in net.weights] == [(4, 3), (3, 2)]
    assert net.biases is None
    assert net.activations == ("relu", "identity")
    assert net.n_params == 4 * 3 + 3 * 2


def test_random_does_not_touch_numpy_global_generator():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    bp.Network.random([2, 2, 1], seed=5)
    examples.seed_001()  # draws with its own RandomState(0)
    assert np.random.rand() == expected


# --------------------------------------------------------------------------- scalar parameters


def test_param_keys_follow_the_maths():
    """w{layer}_{from}_{to} and b{layer}_{unit}, 1-based, layer by layer."""
    net = examples.seed_000().net
    assert net.param_keys() == [
        "w1_1_1",
        "w1_1_2",
        "w1_2_1",
        "w1_2_2",
        "b1_1",
        "b1_2",
        "w2_1_1",
        "w2_2_1",
        "b2_1",
    ]
    assert examples.seed_001().net.param_keys() == [
        "w1_1_1",
        "w1_1_2",
        "w1_2_1",
        "w1_2_2",
        "w2_1_1",
        "w2_2_1",
    ]


def test_get_and_params_read_the_arrays():
    """w1_2_1 is W^1[1, 0] (from input 2 to unit 1); b1_2 is b^1[1]."""
    net = examples.seed_000().net
    assert net.get("w1_2_1") == 0.1
    assert net.get("w1_1_2") == 0.4
    assert net.get("b1_2") == 0.2
    assert net.get("w2_2_1") == 0.6
    params = net.params()
    assert list(params) == net.param_keys()
    assert params == {k: net.get(k) for k in net.param_keys()}


def test_set_returns_a_changed_copy():
    net = examples.seed_000().net
    new = net.set("w1_2_1", -3.5)
    assert new.get("w1_2_1") == -3.5 and new.weights[0][1, 0] == -3.5
    assert net.get("w1_2_1") == 0.1  # the original is unchanged
    others = {k: v for k, v in new.params().items() if k != "w1_2_1"}
    assert others == {k: v for k, v in net.params().items() if k != "w1_2_1"}
    assert net.set("b2_1", 7).biases[1][0] == 7.0


def test_replace_keeps_unchanged_fields():
    net = examples.seed_002().net
    new = net.replace(loss="squared_error")
    assert new.loss == "squared_error" and net.loss == "half_squared_error"
    assert new.activations == net.activations
    np.testing.assert_array_equal(new.weights[0], net.weights[0])


# --------------------------------------------------------------------------- math names


def test_math_name_aliases_are_the_same_arrays():
    """trace.z1 is trace.z[0] (layer 1 of the maths), grads.dL_dW2 is grads.weights[1], ..."""
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    assert trace.z1 is trace.z[0] and trace.z2 is trace.z[1]
    assert trace.a1 is trace.a[0] and trace.a2 is trace.a[1]
    assert grads.dL_dW1 is grads.weights[0] and grads.dL_dW2 is grads.weights[1]
    assert grads.dL_db1 is grads.biases[0] and grads.dL_db2 is grads.biases[1]
    assert grads.dL_dz2 is grads.dL_dz[1] and grads.dL_da1 is grads.dL_da[0]


def test_math_names_out_of_range_raise_attribute_error():
    ex = examples.seed_001()  # two layers, no biases
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    for obj, name in ((trace, "z0"), (trace, "z3"), (grads, "dL_db1"), (trace, "w1")):
        with pytest.raises(AttributeError, match=name):
            getattr(obj, name)


def test_output_is_the_last_activation():
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    np.testing.assert_array_equal(trace.output, trace.a[-1])
    grads = bp.backward(ex.net, trace)
    np.testing.assert_array_equal(grads.dL_dy, grads.dL_da[-1])


# --------------------------------------------------------------------------- batches and shapes


def test_single_sample_shapes_are_1d():
    net = small_net()
    trace = bp.forward(net, [0.1, 0.2, 0.3], [0.0, 1.0])
    grads = bp.backward(net, trace)
    assert not trace.is_batch
    assert trace.x.shape == (3,) and trace.z[0].shape == (4,) and trace.a[0].shape == (4,)
    assert trace.output.shape == (2,) and trace.target.shape == (2,)
    assert grads.dL_dy.shape == (2,) and grads.dL_dz[0].shape == (4,) and grads.dL_dx.shape == (3,)
    assert [g.shape for g in grads.weights] == [(3, 4), (4, 2)]
    assert [g.shape for g in grads.biases] == [(4,), (2,)]
    assert isinstance(trace.loss, float)


def test_batch_shapes_are_2d():
    net = small_net()
    trace = bp.forward(net, np.zeros((5, 3)), np.zeros((5, 2)))
    grads = bp.backward(net, trace)
    assert trace.is_batch
    assert trace.x.shape == (5, 3) and trace.z[0].shape == (5, 4) and trace.output.shape == (5, 2)
    assert grads.dL_dy.shape == (5, 2) and grads.dL_da[0].shape == (5, 4)
    assert grads.dL_dx.shape == (5, 3)
    assert [g.shape for g in grads.weights] == [(3, 4), (4, 2)]  # parameters: no batch axis


def test_one_output_accepts_a_scalar_target_and_one_input_a_scalar_x():
    """For one output the target may be a number (per sample); for one input, x may be too."""
    net = examples.seed_002().net
    a = bp.forward(net, 1.0, 0.0)
    b = bp.forward(net, [1.0], [0.0])
    assert a.loss == b.loss and a.x.shape == (1,)
    batch = bp.forward(net, [[1.0], [2.0]], [0.0, 1.0])  # batch of 2, targets one per row
    assert batch.target.shape == (2, 1)


def _problem(loss, rng, n=4):
    acts = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "identity"}
    net = bp.Network.random(
        [3, 5, 3], activations=["tanh", acts.get(loss, "sigmoid")], loss=loss, seed=3
    )
    X = rng.normal(size=(n, 3))
    if loss == "softmax_cross_entropy":
        T = np.eye(3)[rng.integers(3, size=n)]
    elif loss == "binary_cross_entropy":
        T = rng.uniform(size=(n, 3))
    else:
        T = rng.normal(size=(n, 3))
    return net, X, T


@pytest.mark.parametrize("loss", sorted(bp.LOSSES))
def test_batch_loss_and_gradients_are_means_of_per_sample_ones(loss):
    """A batch's loss is the mean of the samples' losses, and so is each gradient."""
    net, X, T = _problem(loss, np.random.default_rng(1))
    trace = bp.forward(net, X, T)
    grads = bp.backward(net, trace)
    singles = [bp.forward(net, x, t) for x, t in zip(X, T)]
    single_grads = [bp.backward(net, tr) for tr in singles]
    assert trace.loss == pytest.approx(np.mean([tr.loss for tr in singles]), rel=1e-14)
    for l in range(2):
        mean_W = np.mean([g.weights[l] for g in single_grads], axis=0)
        mean_b = np.mean([g.biases[l] for g in single_grads], axis=0)
        np.testing.assert_allclose(grads.weights[l], mean_W, rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(grads.biases[l], mean_b, rtol=1e-12, atol=1e-16)
    # the rows of a batch trace are the single-sample traces (up to the order of summation)
    for n, tr in enumerate(singles):
        np.testing.assert_allclose(trace.z[0][n], tr.z[0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(trace.output[n], tr.output, rtol=1e-13, atol=1e-15)


def test_softmax_accepts_class_indices_like_one_hot_rows():
    net, X, T = _problem("softmax_cross_entropy", np.random.default_rng(2))
    idx = T.argmax(axis=1)
    a, b = bp.forward(net, X, idx), bp.forward(net, X, T)
    assert a.loss == b.loss
    np.testing.assert_array_equal(a.target, T)
    single = bp.forward(net, X[0], int(idx[0]))  # one sample: one class index
    np.testing.assert_array_equal(single.target, T[0])


def test_forward_does_not_change_its_inputs():
    net = small_net()
    x, t = np.array([0.1, 0.2, 0.3]), np.array([0.0, 1.0])
    trace = bp.forward(net, x, t)
    assert x.flags.writeable and t.flags.writeable
    x[0] = 50.0
    assert trace.x[0] == 0.1  # the trace keeps its own copy


def test_repr_is_informative():
    text = repr(examples.seed_000().net)
    assert "sizes=[2, 2, 1]" in text and "squared_error" in text and "9 parameters" in text


# --------------------------------------------------------------------------- issue 15's shape


def test_forward_without_a_target_predicts():
    ex = examples.seed_000()
    net, x, t = ex.net, ex.x, ex.target
    pred = bp.forward(net, x)
    assert pred.loss is None and pred.target is None
    np.testing.assert_array_equal(pred.output, bp.forward(net, x, t).output)
    with pytest.raises(ValueError, match="trace: expected the trace of forward.* with a target"):
        bp.backward(net, pred)
    with pytest.raises(TypeError, match="target: "):  # None is still a bad target, as before
        bp.forward(net, x, None)


def test_the_trace_names_its_caches_and_holds_each_activation_once():
    ex = examples.seed_000()
    trace = bp.forward(ex.net, [ex.x, ex.x], [ex.target, ex.target])
    assert trace.net is ex.net and len(trace.caches) == len(ex.net.weights)
    for l, cache in enumerate(trace.caches):
        assert cache.activation is trace.a[l]  # sigmoid's cache is a itself, not a copy
        assert cache.dense[0] is (trace.x if l == 0 else trace.a[l - 1])
        assert cache.dense[1] is ex.net.weights[l]


def test_every_parameter_shaped_class_shares_one_base():
    from backprop_lib.bugclinic import Suspect
    from backprop_lib.gradcheck import NumericGrads
    from backprop_lib.params import ParamArrays

    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    numeric = bp.numeric_gradients(ex.net, ex.x, ex.target)
    suspect = Suspect.from_keys(ex.net, grads.flat(ex.net))
    for obj in (ex.net, grads, numeric, suspect):
        assert isinstance(obj, ParamArrays)
    assert isinstance(numeric, NumericGrads)
    assert grads.get("w1_2_1") == grads.weights[0][1, 0] == suspect.value(ex.net, "w1_2_1")
    assert ex.net.param_keys() == grads.param_keys()


# --------------------------------------------------------------------------- fuzz findings 26-29


@pytest.mark.parametrize("sizes", [[100_000, 100_000], [2, 20_000, 20_000, 1]])
def test_random_refuses_more_weights_than_fit_in_memory(sizes):
    """Finding 26: [100000, 100000] (each layer allowed) tried to allocate 74.5 GiB."""
    with pytest.raises(ValueError, match=r"^sizes: expected at most 100,000,000 weights"):
        bp.Network.random(sizes)


def test_grads_from_keys_says_where_grads_come_from():
    """Finding 27: Grads.from_keys gave "__init__() missing 4 required positional arguments"."""
    net = examples.seed_000().net
    with pytest.raises(TypeError, match=r"^Grads.from_keys: .*NumericGrads.from_keys"):
        bp.Grads.from_keys(net, net.params())
    assert bp.Network.from_keys(net, net.params()).params() == net.params()


@pytest.mark.parametrize("call", ["flat", "value", "from_keys"])
@pytest.mark.parametrize("net", [None, "net", 3])
def test_param_arrays_refuse_a_non_network_by_name(call, net):
    """Finding 28: .flat(None) and .value(None, key) raised AttributeError."""
    from backprop_lib.bugclinic import Suspect

    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    calls = {
        "flat": lambda: grads.flat(net),
        "value": lambda: grads.value(net, "w1_1_1"),
        "from_keys": lambda: Suspect.from_keys(net, ex.net.params()),
    }
    with pytest.raises(TypeError, match=r"^net: expected a Network"):
        calls[call]()


def test_a_longdouble_beyond_float64_is_refused_without_a_warning():
    """Finding 29: np.longdouble('1e400') leaked "RuntimeWarning: overflow encountered in cast"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        huge = np.longdouble("1e400")
    if not np.isfinite(huge):
        pytest.skip("this platform's longdouble is float64")
    net = examples.seed_000().net
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^weights\[0\]: expected finite numbers"):
            bp.Network([np.array([[huge]])])
        with pytest.raises(ValueError, match=r"^biases\[0\]: expected finite numbers"):
            bp.Network([np.ones((1, 1))], [np.array([huge])])
        with pytest.raises(ValueError, match=r"^value: expected finite numbers"):
            net.set("w1_1_1", huge)
