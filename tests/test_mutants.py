"""Tests that kill the mutants which changed behaviour and survived (issue 14, defect 9).

Each test names the mutation it is there for. `make mutation` (mutation/results.md) shows
what is left.
"""

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples, layers
from backprop_lib.gradcheck import HEADROOM, UNIT_ROUNDOFF

# --------------------------------------------------------------------------- forward in float32


@pytest.mark.parametrize("name", ["seed_000", "seed_002"])
def test_float32_forward_computes_every_quantity_in_float32(name):
    """Kills: the rounding condition inverted; biases left in float64 (z would upcast)."""
    ex = getattr(examples, name)()
    t32 = bp.forward(ex.net, ex.x, ex.target, dtype=np.float32)
    t64 = bp.forward(ex.net, ex.x, ex.target)
    for z, a in zip(t32.z, t32.a):
        assert z.dtype == np.float32 and a.dtype == np.float32
    assert all(z.dtype == np.float64 for z in t64.z)
    assert t32.loss == pytest.approx(t64.loss, rel=1e-5)
    assert t32.loss != t64.loss  # float32 rounding shows


def test_float32_sigmoid_is_quiet_far_below_zero():
    """Kills: the float32 cap (88) replaced by float64's (709): exp(100) overflows float32."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise"):
            y = layers.sigmoid(np.array([-100.0, -1000.0, 50.0], dtype=np.float32))
    assert y.dtype == np.float32
    assert y[0] < 1e-37 and y[1] < 1e-37 and y[2] == 1.0


def test_float64_sigmoid_is_quiet_far_below_zero():
    with np.errstate(over="raise", invalid="raise"):
        y = layers.sigmoid(np.array([-800.0, -709.0, 0.0]))
    assert y[0] >= 0 and y[1] > 0 and y[2] == 0.5


# --------------------------------------------------------------------------- BCE's dL/dy


def bce_net(w2):
    return bp.Network(
        [[[1.0]], [[w2]]], [[0.0], [0.0]], ["tanh", "sigmoid"], "binary_cross_entropy"
    )


def test_bce_dL_dy_is_dL_dz_over_y_1_minus_y():
    """Kills: * for /, y(2 - y), t for y in dL/dy = (y - t) / (y (1 - y)) / N."""
    net = bce_net(1.5)
    x, t = np.array([[0.4], [-0.9]]), np.array([[0.2], [0.9]])
    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    y = np.asarray(trace.output)
    expected = (y - t) / (y * (1 - y)) / len(x)
    np.testing.assert_allclose(grads.dL_dy, expected, rtol=1e-12)
    # and the chain back through sigma' gives dL/dz = (y - t) / N again
    np.testing.assert_allclose(grads.dL_dz[-1], (y - t) / len(x), rtol=1e-12)


def test_bce_dL_dy_is_clamped_where_y_rounds_to_1():
    """Kills: the 1e-12 clamp changed or removed (dL/dy would be inf or nan)."""
    net = bce_net(60.0)  # z = 60 tanh(1): y = 1 - 5e-27 rounds to 1
    trace = bp.forward(net, [1.0], [0.5])
    grads = bp.backward(net, trace)
    assert np.isfinite(grads.dL_dy).all()
    assert float(grads.dL_dy[0]) == pytest.approx(float(grads.dL_dz[-1][0]) / 1e-12, rel=1e-12)


# --------------------------------------------------------------------------- targets


def test_integer_targets_of_a_squared_error_net_are_values_not_classes():
    """Kills: `and` -> `or` in the class-index test (they would be one-hot encoded)."""
    ex = examples.seed_000()
    assert bp.forward(ex.net, ex.x, 1).loss == bp.forward(ex.net, ex.x, 1.0).loss
    X = np.array([ex.x, ex.x])
    assert bp.forward(ex.net, X, [0, 1]).loss == bp.forward(ex.net, X, [0.0, 1.0]).loss
    two = bp.Network.random([2, 2], activations="identity", seed=3)
    assert bp.forward(two, [0.1, 0.2], [1, 0]).loss == bp.forward(two, [0.1, 0.2], [1.0, 0.0]).loss


def test_integer_class_targets_of_a_softmax_net_are_one_hot():
    net = bp.Network.random([2, 3], activations="identity", loss="softmax_cross_entropy", seed=1)
    assert bp.forward(net, [0.1, 0.2], 2).loss == bp.forward(net, [0.1, 0.2], [0, 0, 1.0]).loss
    for bad in (-1, 3):
        with pytest.raises(ValueError, match="target: expected class indices in 0..2"):
            bp.forward(net, [0.1, 0.2], bad)


# --------------------------------------------------------------------------- parameter keys


@pytest.mark.parametrize(
    "key",
    [
        "w0_1_1",
        "w1_0_1",
        "w1_1_0",
        "w3_1_1",
        "w1_3_1",
        "w1_1_3",
        "w2_1_2",
        "b0_1",
        "b1_0",
        "b1_3",
        "b3_1",
    ],
)
def test_keys_outside_the_network_are_refused_not_wrapped(key):
    """Kills: _locate accepting index 0 (Python would wrap it to the last layer or unit)."""
    net = examples.seed_000().net  # sizes [2, 2, 1]
    with pytest.raises(ValueError, match=f"key: .*'{key}'"):
        net.get(key)
    with pytest.raises(ValueError, match="key:"):
        net.set(key, 1.0)


def test_keys_of_a_network_without_biases_have_no_b():
    net = examples.seed_001().net
    with pytest.raises(ValueError, match="key: this network has no parameter 'b1_1'"):
        net.get("b1_1")


# --------------------------------------------------------------------------- softmax


def test_softmax_of_large_logits_is_finite_and_right():
    """Kills: exp(z + max) instead of exp(z - max)."""
    with np.errstate(all="raise"):
        p = layers.softmax(np.array([[1000.0, 999.0], [-1000.0, -1001.0]]))
    e = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(p, [[e, 1 - e], [e, 1 - e]], rtol=1e-14)


# --------------------------------------------------------------------------- gradcheck's floor


def independent_roundoff_bound(net, x, t):
    """S of gradcheck's module docstring, written again from its description."""
    trace = bp.forward(net, x, t)
    g = bp.backward(net, trace)
    X = np.atleast_2d(trace.x)
    N, K = X.shape[0], net.sizes[-1]
    takes = layers.LOSSES[net.loss].takes
    S = (N * K + 1) * abs(trace.loss)
    a_prev = X
    for l, W in enumerate(net.weights):
        terms = np.abs(a_prev) @ np.abs(W) + (np.abs(net.biases[l]) if net.biases else 0.0)
        S += (W.shape[0] + 1) * np.sum(np.abs(np.atleast_2d(g.dL_dz[l])) * terms)
        a = np.atleast_2d(trace.a[l])
        last_logits = l == len(net.weights) - 1 and takes == "logits"
        if net.activations[l] != "identity" and not last_logits:
            S += 4 * np.sum(np.abs(np.atleast_2d(g.dL_da[l]) * a))
        a_prev = a
    T = np.atleast_2d(trace.target)
    z = np.atleast_2d(trace.z[-1])
    if takes == "output":
        y = np.atleast_2d(trace.output)
        S += np.sum(np.abs(np.atleast_2d(g.dL_dy)) * (np.abs(y) + np.abs(T)))
    elif net.loss == "binary_cross_entropy":
        S += 3 * abs(trace.loss)
        S += np.sum(np.where((T > 0) & (T < 1), np.logaddexp(0.0, z), 0.0)) / N
    else:
        shifted = z.max(axis=-1, keepdims=True) - z
        lse = np.log(np.sum(np.exp(-shifted), axis=-1, keepdims=True))
        S += np.sum(T * (K + shifted + lse)) / N
        S += np.sum(np.abs(np.atleast_2d(g.dL_dz[-1])) * shifted)
    return S


CASES = [
    ([2, 3, 1], ["tanh", "sigmoid"], "squared_error", [[0.3, -0.8], [1.2, 0.4]], [[0.2], [0.9]]),
    ([2, 2, 1], ["relu", "identity"], "half_squared_error", [0.7, 0.2], [1.5]),
    ([3, 2, 1], ["sigmoid", "sigmoid"], "binary_cross_entropy", [[0.1, 0.5, -1.0]], [[0.3]]),
    ([2, 2, 1], ["tanh", "sigmoid"], "binary_cross_entropy", [0.4, -0.2], [1.0]),
    (
        [2, 3, 3],
        ["tanh", "identity"],
        "softmax_cross_entropy",
        [[0.5, -0.4], [0.9, 0.1]],
        [[0, 1.0, 0], [0.2, 0.3, 0.5]],
    ),
]


@pytest.mark.parametrize("sizes, acts, loss, x, t", CASES)
@pytest.mark.parametrize("method, factor", [("central", 1.0), ("forward", 2.0)])
def test_gradcheck_floor_is_the_documented_roundoff_bound(sizes, acts, loss, x, t, method, factor):
    """Kills the mutants of _roundoff_bound (a term dropped, 3/|L|, the BCE and softmax terms):
    the floor is HEADROOM * factor * (u S + tiny) / (eps tol) with S as documented."""
    net = bp.Network.random(sizes, activations=acts, loss=loss, seed=7)
    net = net.replace(weights=[3 * W for W in net.weights])  # z of order 3: every term matters
    report = bp.gradcheck(net, x, t, method=method, eps=1e-5, tol=1e-5)
    S = independent_roundoff_bound(net, x, t)
    expected = HEADROOM * factor * (UNIT_ROUNDOFF * S + np.finfo(float).tiny) / (1e-5 * 1e-5)
    assert report.floor == pytest.approx(expected, rel=1e-9)


def test_roundoff_bound_covers_the_real_rounding_of_the_loss():
    """u S bounds how far float64's loss is from the exact one (float32 as a stand-in for
    'rounded more': its error must stay below the float32 u times S)."""
    for sizes, acts, loss, x, t in CASES:
        net = bp.Network.random(sizes, activations=acts, loss=loss, seed=2)
        S = independent_roundoff_bound(net, x, t)
        l32 = bp.forward(net, x, t, dtype=np.float32).loss
        l64 = bp.forward(net, x, t).loss
        assert abs(l32 - l64) <= 2.0**-24 * S


# --------------------------------------------------------------------------- ReLU kinks


def test_relu_kink_warning_names_the_unit_and_is_within_the_margin():
    """Kills: the margin changed, and the wrong unit named for a batch (column vs row)."""
    W = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    net = bp.Network(
        [W, np.ones((3, 1))],
        [np.array([0.5, 0.0, 0.3]), np.zeros(1)],
        ["relu", "identity"],
        "squared_error",
    )
    # sample 1 puts unit 2's z at 1e-7 (within eps (1 + sum|x|) = 2e-6); sample 0 is clear
    x = np.array([[0.4, 1.0], [1e-7, 1.0]])
    with pytest.warns(bp.GradcheckWarning, match="z¹₂") as rec:
        report = bp.gradcheck(net, x, [1.0, 1.0])
    assert report.kinks == ("z¹₂",)
    assert len(rec) == 1
    # just outside the margin: quiet
    x_far = np.array([[0.4, 1.0], [2e-6 * 1.01, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bp.gradcheck(net, x_far, [1.0, 1.0]).kinks == ()
    x_in = np.array([[0.4, 1.0], [2e-6 * 0.99, 1.0]])
    with pytest.warns(bp.GradcheckWarning):
        assert bp.gradcheck(net, x_in, [1.0, 1.0]).kinks == ("z¹₂",)


# --------------------------------------------------------------------------- the replay's numbers


def replay(sizes, acts, loss, x, t, seed=4):
    net = bp.Network.random(sizes, activations=acts, loss=loss, seed=seed)
    trace = bp.forward(net, x, t)
    return net, trace, bp.steps(net, trace, bp.backward(net, trace))


def test_z_numbers_use_each_weight_of_its_own_unit():
    """Kills: swapped weight indices in z's numbers (W[j, i] for W[i, j])."""
    net, trace, steps = replay([2, 3, 1], ["tanh", "sigmoid"], "squared_error", [0.5, -0.3], 1.0)
    fmt = bp.steps.__globals__["fmt"]
    for j in range(3):
        step = next(s for s in steps if s.key == f"z1_{j + 1}")
        parts = [f"{fmt(net.weights[0][i, j])}·{fmt(trace.x[i])}" for i in range(2)]
        assert step.numbers == " + ".join(parts + [fmt(net.biases[0][j])])


def _mixed_signs(seed):
    net = bp.Network.random([2, 3, 1], seed=seed)
    z = bp.forward(net, [0.9, -0.8], 0.5).z[0]
    return (z > 0).any() and (z <= 0).any()


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_local_derivative_in_the_replay_matches_its_value(act):
    """Kills: the relu and tanh local-derivative numbers (and their values) changed."""
    net, trace, steps = replay(
        [2, 3, 1],
        [act, "identity"],
        "squared_error",
        [0.9, -0.8],
        0.5,
        seed=next(s for s in range(100) if _mixed_signs(s)),
    )
    for j in range(3):
        step = next(s for s in steps if s.key == f"dL/dz1_{j + 1}")
        z, a = trace.z[0][j], trace.a[0][j]
        local = {"relu": float(z > 0), "tanh": 1 - a * a, "sigmoid": a * (1 - a)}[act]
        (term,) = step.terms
        assert term.local_value == pytest.approx(local, rel=1e-12)
        assert step.value == pytest.approx(term.upstream_value * local, rel=1e-12, abs=1e-300)
        if act == "relu":
            assert step.numbers.endswith("· " + ("1" if z > 0 else "0"))
    if act == "relu":
        zs = trace.z[0]
        assert (zs > 0).any() and (zs <= 0).any()  # both branches shown


def test_multi_output_and_softmax_steps_name_each_output():
    """Kills: the multi-output labels (y₁, y₂) and the softmax probabilities' labels."""
    _, _, steps = replay([2, 2], ["sigmoid"], "squared_error", [0.1, 0.2], [0.0, 1.0])
    names = [s.name for s in steps]
    assert "y₁" in names and "y₂" in names and "y" not in names
    _, trace, steps = replay([2, 3], ["identity"], "softmax_cross_entropy", [0.1, 0.2], 1)
    probs = [s for s in steps if s.key.startswith("p")]
    assert [s.name for s in probs] == ["p₁", "p₂", "p₃"]
    np.testing.assert_allclose([s.value for s in probs], layers.softmax(trace.output[None])[0])
    _, _, steps = replay([2, 1], ["sigmoid"], "squared_error", [0.1, 0.2], 1.0)
    assert "y" in [s.name for s in steps]


# --------------------------------------------------------------------------- second round
# (the survivors of the first `make mutation`, see mutation/results.md)


def test_softmax_of_one_row_given_as_1d():
    """Kills: softmax's axis=-1 turned into axis=1 (a 1-D z has no axis 1)."""
    p = layers.softmax(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(p.sum(), 1.0)
    assert p.shape == (3,)


def test_network_random_refuses_more_units_than_it_can_hold():
    """Kills: `n <= MAX_UNITS` changed."""
    from backprop_lib.network import MAX_UNITS

    with pytest.raises(ValueError, match="sizes: expected positive whole numbers"):
        bp.Network.random([2, MAX_UNITS + 1])
    assert bp.Network.random([MAX_UNITS, 1]).sizes == [MAX_UNITS, 1]


def test_traces_and_grads_hash_by_identity():
    """Kills: eq=False turned into eq=True (== on arrays, no hash)."""
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    assert len({trace, grads, ex.net}) == 3
    assert trace == trace and trace != bp.forward(ex.net, ex.x, ex.target)


def test_sgd_step_refuses_grads_with_or_without_biases_the_net_lacks():
    """Kills: `!=` turned into `<` in the biases-None comparison (one direction only)."""
    with_b = examples.seed_000()
    no_b = examples.seed_001()
    g_with = bp.backward(with_b.net, bp.forward(with_b.net, with_b.x, with_b.target))
    g_without = bp.backward(no_b.net, bp.forward(no_b.net, no_b.x, no_b.target))
    if [W.shape for W in with_b.net.weights] == [W.shape for W in no_b.net.weights]:
        for net, grads in ((with_b.net, g_without), (no_b.net, g_with)):
            with pytest.raises(ValueError, match="grads:"):
                bp.sgd_step(net, grads, 0.1)
    else:
        pytest.fail("seed 000 and 001 should share their shapes")


def test_gradcheck_defaults_are_the_documented_ones():
    """Kills: DEFAULT_EPS and HEADROOM changed (the floor test above imports HEADROOM)."""
    ex = examples.seed_000()
    assert bp.gradcheck(ex.net, ex.x, ex.target).eps == 1e-6
    assert bp.gradcheck(ex.net, ex.x, ex.target, method="forward").eps == 1e-6
    assert HEADROOM == 10.0


def test_relative_error_refuses_a_zero_floor():
    """Kills: the floor's open lower end made closed (0/0 would be nan)."""
    with pytest.raises(ValueError, match="floor:"):
        bp.relative_error(0.0, 0.0, floor=0)
    assert bp.relative_error(0.0, 0.0, floor=1e-300) == 0.0


def test_numeric_gradient_takes_a_function_returning_a_0d_array():
    """Kills: `v.size == 1` changed in the check of f's return value."""
    g = bp.numeric_gradient(lambda w: np.array(np.sum(w * w)), [1.0, -2.0])
    np.testing.assert_allclose(g, [2.0, -4.0], rtol=1e-8)
    g = bp.numeric_gradient(lambda w: np.array([np.sum(w * w)]), [3.0])
    np.testing.assert_allclose(g, [6.0], rtol=1e-8)
    with pytest.raises(TypeError, match="f: expected a function returning one number"):
        bp.numeric_gradient(lambda w: np.ones(2), [1.0])


def test_report_flags_a_relative_error_equal_to_tol():
    """Kills: `<` turned into `<=` in the report's flag: at tol exactly, the check fails."""
    from backprop_lib.gradcheck import GradcheckReport, GradcheckRow

    row = GradcheckRow("w1_1_1", "w¹₁₁", 1.0, 1.0 + 1e-6, 1e-6)
    report = GradcheckReport((row,), 1e-6, 1e-6, "central", ())
    assert not report.ok and "<-- check" in str(report) and "FAILED" in str(report)


def test_eps_times_tol_equal_to_the_roundoff_is_refused():
    """Kills: `<=` turned into `<` at the limit eps * tol = u, and the limit's message."""
    ex = examples.seed_000()
    with pytest.raises(ValueError, match="too small"):
        bp.gradcheck(ex.net, ex.x, ex.target, eps=2.0**-33, tol=2.0**-20)  # product 2^-53
    with pytest.raises(ValueError, match=r"Use eps > 1e-10 \(e.g. 1e-06\)"):
        bp.gradcheck(ex.net, ex.x, ex.target, eps=1e-10, tol=1e-6)


def test_steps_and_terms_are_frozen():
    """Kills: frozen=True turned off for Step and Term."""
    import dataclasses

    _, _, steps = replay([2, 2, 1], ["sigmoid", "sigmoid"], "squared_error", [0.1, 0.2], 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        steps[0].value = 0.0
    term = next(s for s in steps if s.terms).terms[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        term.local_value = 0.0


def test_activation_numbers_show_z_without_extra_parentheses():
    """Kills: paren=False turned into True for z inside σ(...)."""
    fmt = bp.steps.__globals__["fmt"]
    net, trace, steps = replay(
        [2, 3, 1],
        ["sigmoid", "tanh"],
        "squared_error",
        [0.9, -0.8],
        0.5,
        seed=next(s for s in range(100) if _mixed_signs(s)),
    )
    for j in range(3):
        step = next(s for s in steps if s.key == f"a1_{j + 1}")
        assert step.numbers == f"σ({fmt(trace.z[0][j], paren=False)})"


@pytest.mark.parametrize("loss", ["squared_error", "half_squared_error"])
def test_steps_read_the_loss_name_by_value_not_identity(loss):
    """Kills: `==` turned into `is` for the loss name (a name built at run time is equal but
    not the same object)."""
    built = "".join(list(loss))
    assert built == loss and built is not loss
    net = bp.Network.random([2, 1], activations="sigmoid", loss=built, seed=0)
    trace = bp.forward(net, [0.1, 0.2], 1.0)
    steps = bp.steps(net, trace, bp.backward(net, trace))
    L = next(s for s in steps if s.key == "L")
    dy = next(s for s in steps if s.key == "dL/dy1")
    assert ("½" in L.formula) == (loss == "half_squared_error")
    assert dy.formula.split("= ")[1].startswith("2(") == (loss == "squared_error")


def test_highlights_name_every_output_and_the_right_activation():
    """Kills: K + 1 turned into K // 1 or K * 1 in the loss's and p's highlights, and
    l - 1 turned into l >> 1 in a weight gradient's highlight."""
    _, _, steps = replay([2, 2], ["sigmoid"], "squared_error", [0.1, 0.2], [0.0, 1.0])
    L = next(s for s in steps if s.key == "L")
    assert {"y1", "y2"} <= set(L.highlight)
    _, _, steps = replay([2, 3], ["identity"], "softmax_cross_entropy", [0.1, 0.2], 1)
    for p in (s for s in steps if s.key.startswith("p")):
        assert {"y1", "y2", "y3"} <= set(p.highlight)
    _, _, steps = replay(
        [2, 2, 2, 1], ["tanh", "tanh", "sigmoid"], "squared_error", [0.1, 0.2], 1.0
    )
    for i in (1, 2):
        step = next(s for s in steps if s.key == f"dL/dw3_{i}_1")
        assert f"a2_{i}" in step.highlight


# =========================================================================== third round
# The survivors of the first run of one mutant per operator site (mutation/results.md). Each
# test checks behaviour through public functions only.

import dataclasses  # noqa: E402
import types  # noqa: E402

from backprop_lib.checks import NumericOverflowError  # noqa: E402
from backprop_lib.network import MAX_UNITS, flatten_by_key  # noqa: E402


def test_network_random_allows_max_units_per_layer_and_no_more():
    """Kills: MAX_UNITS off by one."""
    assert MAX_UNITS == 100_000
    assert bp.Network.random([1, MAX_UNITS, 1], seed=0).sizes == [1, MAX_UNITS, 1]
    with pytest.raises(ValueError, match=r"^sizes: expected positive whole numbers up to 100000"):
        bp.Network.random([1, MAX_UNITS + 1, 1], seed=0)


def test_network_random_draws_weights_around_zero_with_fan_in_scaling():
    """Kills: the normal's mean 0 changed (weights and biases), as the docstring promises
    N(0, 1/n_in) and N(0, 0.1^2)."""
    net = bp.Network.random([400, 300, 200], seed=1)
    for W in net.weights:
        m = W.shape[0]
        assert abs(W.mean()) < 5 / np.sqrt(W.size * m)
        assert W.std() == pytest.approx(1 / np.sqrt(m), rel=0.02)
    for b in net.biases:
        assert abs(b.mean()) < 5 * 0.1 / np.sqrt(b.size)
        assert b.std() == pytest.approx(0.1, rel=0.15)


def test_weights_of_the_wrong_ndim_say_so_even_when_they_hold_nan():
    """Kills: finite=True in the first conversion of a weight (the shape is checked first)."""
    with pytest.raises(ValueError, match=r"^weights\[0\]: expected a 2-D array \(n_in, n_out\)"):
        bp.Network([[np.nan, 1.0]])


def test_biases_of_the_wrong_shape_say_so_even_when_they_hold_nan():
    """Kills: finite=True in the first conversion of a bias (the shape is checked first)."""
    with pytest.raises(ValueError, match=r"^biases\[0\]: expected shape \(1,\) to match "):
        bp.Network([[[1.0]]], [[np.nan, 1.0]])


def test_set_with_several_numbers_says_one_number_even_when_they_hold_nan():
    """Kills: finite=True in set's conversion of the value (its shape is checked first)."""
    net = examples.seed_000().net
    with pytest.raises(ValueError, match=r"^value: expected one number, got shape \(2,\)$"):
        net.set("w1_1_1", [np.nan, 1.0])


def test_shapes_must_chain_with_the_previous_layer_not_the_first():
    """Kills: ws[-1] turned into ws[0] (check and message) and shape[1] into shape[0]."""
    ok = bp.Network([np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 1))])
    assert ok.sizes == [2, 3, 4, 1]
    with pytest.raises(ValueError) as info:
        bp.Network([np.ones((2, 3)), np.ones((3, 4)), np.ones((3, 1))])
    assert str(info.value) == (
        "weights[2]: shapes do not chain: weights[1] has shape (3, 4), so weights[2] needs "
        "4 rows, got shape (3, 1)"
    )


@pytest.mark.parametrize("act", ["relu", "identity", "tanh"])
def test_bce_needs_a_sigmoid_output_whatever_the_other_name(act):
    """Kills: != turned into > for the needed last activation ('relu' < 'sigmoid')."""
    with pytest.raises(ValueError, match="needs the last layer's activation to be 'sigmoid'"):
        bp.Network([[[1.0]]], None, act, "binary_cross_entropy")


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
def test_softmax_ce_needs_an_identity_output(act):
    with pytest.raises(ValueError, match="needs the last layer's activation to be 'identity'"):
        bp.Network([[[1.0, 2.0]]], None, act, "softmax_cross_entropy")


def test_repr_says_with_or_without_biases():
    with_b = bp.Network([[[1.0]]], [[0.5]], "sigmoid", "squared_error")
    without = bp.Network([[[1.0]]], None, "sigmoid", "squared_error")
    assert repr(with_b) == (
        "Network(sizes=[1, 1], activations=[sigmoid], "
        "loss='squared_error', with biases, 2 parameters)"
    )
    assert repr(without) == (
        "Network(sizes=[1, 1], activations=[sigmoid], "
        "loss='squared_error', without biases, 1 parameters)"
    )


def test_flatten_by_key_refuses_arrays_not_shaped_like_the_parameters():
    """Kills: the `or`s of its shape check turned into `and`, != into >."""
    net = examples.seed_000().net
    g = bp.backward(net, bp.forward(net, examples.seed_000().x, examples.seed_000().target))
    assert list(flatten_by_key(net, g.weights, g.biases)) == net.param_keys()
    bad_w = (g.weights[0][:1], g.weights[1])
    bad_b = (g.biases[0][:1], g.biases[1])
    for weights, biases in [(bad_w, g.biases), (g.weights, None), (g.weights, bad_b)]:
        with pytest.raises(ValueError, match="^grads: expected arrays shaped like the network"):
            flatten_by_key(net, weights, biases)
    no_b = bp.Network(net.weights, None, net.activations, net.loss)
    with pytest.raises(ValueError, match="^grads: expected arrays shaped like the network"):
        flatten_by_key(no_b, g.weights, g.biases)


def test_trace_grads_and_reports_are_immutable():
    """Kills: frozen=False in the dataclasses Trace, Grads, NumericGrads, GradcheckRow and
    GradcheckReport."""
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    numeric = bp.numeric_gradients(ex.net, ex.x, ex.target)
    report = bp.gradcheck(ex.net, ex.x, ex.target)
    for obj, field in [
        (trace, "loss"),
        (grads, "dL_dy"),
        (numeric, "weights"),
        (report.rows[0], "key"),
        (report, "tol"),
    ]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field, None)


def test_z_overflow_names_the_layer_it_happened_in():
    """Kills: l + 1 turned into l ^ 1 in forward's overflow message."""
    net = bp.Network([[[1.0]], [[1e300]]], None, "identity", "squared_error")
    with pytest.raises(NumericOverflowError, match="^z of layer 2 overflowed"):
        bp.forward(net, [1e10], [0.0])


@pytest.mark.parametrize(
    "weights, x, layer",
    [
        ([[[1e-300]]], [1e300], 1),
        ([[[1e300]], [[1e-300]]], [1.0], 2),
    ],
)
def test_backward_overflow_is_an_error_naming_the_gradient_and_layer(weights, x, layer):
    """Kills: backward's overflow checks skipped (the loop emptied), and l + 1 turned into
    l | 1 or l + 2 in their message."""
    net = bp.Network(weights, None, "identity", "squared_error")
    trace = bp.forward(net, x, [-1e10])
    assert np.isfinite(trace.loss)
    with pytest.raises(NumericOverflowError, match=rf"^dL/dW of layer {layer} overflowed"):
        bp.backward(net, trace)


def test_sgd_step_moves_the_biases_too():
    """Kills: the condition for updating biases negated or `is not` turned into `is`."""
    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    new = bp.sgd_step(ex.net, grads, 0.5)
    for b, db, nb in zip(ex.net.biases, grads.biases, new.biases):
        np.testing.assert_array_equal(nb, b - 0.5 * db)
    plain = bp.Network(ex.net.weights, None, ex.net.activations, ex.net.loss)
    g2 = bp.backward(plain, bp.forward(plain, ex.x, ex.target))
    assert bp.sgd_step(plain, g2, 0.5).biases is None


# --------------------------------------------------------------------------- gradcheck


def test_relative_error_of_two_numbers_is_a_python_float():
    """Kills: ndim == 0 turned into ndim == -1 (a 0-d array would come back)."""
    err = bp.relative_error(1.0, 1.5)
    assert type(err) is float and err == pytest.approx(0.5 / 1.5)
    assert isinstance(bp.relative_error([1.0], [1.5]), np.ndarray)


def test_numeric_gradient_refuses_an_empty_array_from_f():
    """Kills: size == 1 turned into size <= 1 (numpy's reshape error would leak)."""
    with pytest.raises(TypeError, match="^f: expected a function returning one number"):
        bp.numeric_gradient(lambda w: np.array([]), [1.0])


@pytest.mark.parametrize("method, calls", [("central", 6), ("forward", 4)])
def test_numeric_gradient_evaluates_f_2n_times_central_and_n_plus_1_forward(method, calls):
    """Kills: f(w) evaluated for the central method too (method <= 'forward')."""
    seen = []

    def f(w):
        seen.append(w.copy())
        return float((w**2).sum())

    g = bp.numeric_gradient(f, [1.0, 2.0, 3.0], method=method)
    assert len(seen) == calls
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0], rtol=1e-5)


def test_gradcheck_report_floor_defaults_to_1e_8():
    report = bp.gradcheck(
        examples.seed_000().net, examples.seed_000().x, examples.seed_000().target
    )
    fields = {f.name: f for f in dataclasses.fields(report)}
    assert fields["floor"].default == 1e-8
    assert (
        type(report)(report.rows, report.tol, report.eps, report.method, report.kinks).floor == 1e-8
    )


def test_gradcheck_reads_the_loss_name_by_value_not_identity():
    """Kills: == turned into `is` for 'binary_cross_entropy' in the round-off bound (a name
    built at run time is equal but not the same object)."""
    built = "".join(list("binary_cross_entropy"))
    assert built is not "binary_cross_entropy"  # noqa: F632
    w = [[[0.8, -0.4], [0.3, 0.9]], [[1.2], [-0.7]]]
    x, t = [0.5, -0.2], [0.3]
    ref = bp.gradcheck(bp.Network(w, None, ["tanh", "sigmoid"], "binary_cross_entropy"), x, t)
    got = bp.gradcheck(bp.Network(w, None, ["tanh", "sigmoid"], built), x, t)
    assert got.floor == ref.floor


def test_bce_round_off_bound_counts_only_targets_strictly_between_0_and_1():
    """Kills: T > 0 turned into T > -1 in the BCE term (t = 0 adds no log-sigmoid term):
    with t = 0 the floor equals the one computed with that term left out, i.e. it does not
    grow with -log sigma(-z)."""
    w = [[[2.0]], [[3.0]]]
    net = bp.Network(w, None, ["tanh", "sigmoid"], "binary_cross_entropy")
    # the floor for t = 0 and for t = 1 come from the same terms except the loss and y-parts;
    # a t strictly inside (0, 1) adds -log sigma(-z) / N, which for large z is about z.
    f0 = bp.gradcheck(net, [3.0], [0.0]).floor
    f_in = bp.gradcheck(net, [3.0], [1e-12]).floor
    z = float(bp.forward(net, [3.0], [0.0]).z[-1][0])
    loss0 = bp.forward(net, [3.0], [0.0]).loss
    loss_in = bp.forward(net, [3.0], [1e-12]).loss
    # the difference of the two floors is the partial-target term, about z (> 2), scaled as
    # the floor scales S; with T > -1 it would be there for t = 0 too, and the floors agree
    assert f_in / f0 > 1 + 0.5 * z / (4 * (loss0 + loss_in) + 10 * z)


def test_gradcheck_reports_no_kink_for_sigmoid_or_tanh_at_zero():
    """Kills: act == 'relu' turned into act >= 'relu' (sigmoid and tanh would be kinks)."""
    for act in ("sigmoid", "tanh"):
        net = bp.Network([[[1.0, -1.0]], [[1.0], [1.0]]], None, [act, "identity"], "squared_error")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            report = bp.gradcheck(net, [0.0], [0.5])
        assert report.kinks == ()


def test_a_relu_input_exactly_at_the_margin_is_not_a_kink():
    """Kills: |z| < margin turned into <= (margin = eps (1 + sum |inputs|))."""
    net = bp.Network([[[1.0]], [[1.0]]], [[1e-6], [0.0]], ["relu", "identity"], "squared_error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = bp.gradcheck(net, [0.0], [0.5], eps=1e-6)
    assert report.kinks == ()


def test_the_kink_is_named_by_its_unit_for_one_sample():
    """Kills: the unit read from argwhere's row column ([:, 0]) instead of its unit column."""
    net = bp.Network(
        [[[1.0, 0.0]], [[1.0], [1.0]]], [[1.0, 0.0], [0.0]], ["relu", "identity"], "squared_error"
    )
    with pytest.warns(bp.GradcheckWarning):
        report = bp.gradcheck(net, [0.5], [0.5])
    assert report.kinks == ("z¹₂",)


def test_gradcheck_warning_points_at_the_caller():
    """Kills: stacklevel 2 turned into 3."""
    net = bp.Network(
        [[[1.0, 0.0]], [[1.0], [1.0]]], [[1.0, 0.0], [0.0]], ["relu", "identity"], "squared_error"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bp.gradcheck(net, [0.5], [0.5])
    assert [w.filename for w in caught if w.category is bp.GradcheckWarning] == [__file__]


def test_gradcheck_refuses_grads_without_biases_attribute():
    """Kills: `and` turned into `or` in the check of grads' attributes."""
    ex = examples.seed_000()
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    with pytest.raises(TypeError, match=r"^grads: expected gradients with \.weights and "):
        bp.gradcheck(ex.net, ex.x, ex.target, grads=types.SimpleNamespace(weights=g.weights))


def test_gradcheck_names_the_parameter_whose_gradient_is_not_finite():
    """Kills: the `not` dropped when finding the non-finite gradient to name."""
    ex = examples.seed_000()
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    W = np.array(g.weights[0])
    W[1, 0] = np.nan
    fake = types.SimpleNamespace(weights=(W, g.weights[1]), biases=g.biases)
    with pytest.raises(ValueError, match=r"^grads: expected finite numbers, got nan for w1_2_1$"):
        bp.gradcheck(ex.net, ex.x, ex.target, grads=fake)


# --------------------------------------------------------------------------- steps


def _own(sizes, acts, loss, x, t, biases=True, seed=3):
    net = bp.Network.random(sizes, activations=acts, loss=loss, seed=seed, biases=biases)
    trace = bp.forward(net, x, t)
    return net, trace, bp.backward(net, trace)


def test_steps_refuse_the_gradients_of_another_sample_of_the_same_network():
    """Kills: `and` turned into `or` in the comparison with the trace's own gradients (same
    shapes, other values)."""
    net, trace, grads = _own([2, 2, 1], ["tanh", "sigmoid"], "squared_error", [0.5, -0.2], 1.0)
    other = bp.backward(net, bp.forward(net, [0.1, 0.9], 0.0))
    with pytest.raises(ValueError, match="^grads: expected the gradients of this trace"):
        bp.steps(net, trace, other)


def test_steps_refuse_gradients_with_more_layers_or_no_biases_even_if_their_arrays_line_up():
    """Kills: len(grads.weights) == len(own.weights) turned into >=, and (grads.biases is
    None) == (own.biases is None) into >=: Grads whose arrays, read in order, match the
    trace's own but whose structure does not."""
    net, trace, g = _own([2, 1], "sigmoid", "squared_error", [0.5, -0.2], 1.0)
    more_layers = dataclasses.replace(
        g, weights=(g.weights[0], g.biases[0]), biases=(g.dL_dy,), dL_dy=g.dL_dz[0]
    )
    no_biases = dataclasses.replace(g, biases=None, dL_dy=g.biases[0], dL_dz=(g.dL_dy,))
    for fake in (more_layers, no_biases):
        with pytest.raises(ValueError, match="^grads: expected the gradients of this trace"):
            bp.steps(net, trace, fake)


def test_steps_refuse_a_batch_naming_the_shape_of_one_sample():
    net, trace, grads = _own(
        [2, 3, 1], ["tanh", "sigmoid"], "squared_error", np.ones((4, 2)), np.ones(4)
    )
    with pytest.raises(ValueError) as info:
        bp.steps(net, trace, grads)
    assert str(info.value) == (
        "trace: expected the trace of one sample (x of shape (2,)), got a batch of 4"
    )


def test_step_formulas_label_inputs_outputs_and_targets():
    """Kills: the input labels counted with the output layer's size, the targets numbered from
    0 or one too many (softmax's loss), and the loss's highlight missing an output."""
    net, trace, grads = _own([2, 1], "sigmoid", "squared_error", [0.5, -0.2], 1.0, biases=False)
    steps = {s.key: s for s in bp.steps(net, trace, grads)}
    assert steps["z1_1"].formula == "z¹₁ = w¹₁₁·x₁ + w¹₂₁·x₂"
    assert steps["L"].formula == "L = (y − t)²"
    assert steps["L"].highlight == ("L", "y1")
    net, trace, grads = _own([1, 2], "sigmoid", "half_squared_error", [0.5], [1.0, 0.0])
    steps = {s.key: s for s in bp.steps(net, trace, grads)}
    assert steps["z1_2"].formula == "z¹₂ = w¹₁₂·x + b¹₂"
    assert steps["L"].formula == "L = ½(y₁ − t₁)² + ½(y₂ − t₂)²"
    net, trace, grads = _own([2, 3], "identity", "softmax_cross_entropy", [0.5, -0.2], 2)
    steps = {s.key: s for s in bp.steps(net, trace, grads)}
    assert steps["L"].formula == "L = −t₁·log p₁ + −t₂·log p₂ + −t₃·log p₃"
    assert steps["L"].highlight == ("L", "y1", "y2", "y3")
    assert steps["dL/dy2"].formula == "∂L/∂y₂ = p₂ − t₂"


def test_da_steps_highlight_every_weight_leaving_the_unit():
    """Kills: the first or the last weight left out of a dL/da step's highlight."""
    net, trace, grads = _own(
        [2, 2, 3], ["tanh", "sigmoid"], "squared_error", [0.5, -0.2], [1.0, 0.0, 0.5]
    )
    steps = {s.key: s for s in bp.steps(net, trace, grads)}
    for i in (1, 2):
        assert steps[f"dL/da1_{i}"].highlight == (f"a1_{i}", f"w2_{i}_1", f"w2_{i}_2", f"w2_{i}_3")
