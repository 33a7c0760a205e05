"""steps(): the replay of one forward and backward pass, scalar by scalar.

The replay must show exactly what forward and backward computed, in the order the maths does
it, and every backward step must be the chain rule's upstream x local product.
"""

import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples
from backprop_lib.network import flatten_by_key
from backprop_lib.steps import MINUS

SEEDS = sorted(examples.ALL)


def replay(net, x, t):
    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    return trace, grads, bp.steps(net, trace, grads)


def seed_replay(name):
    ex = examples.ALL[name]()
    return (ex.net, *replay(ex.net, ex.x, ex.target))


def expected_counts(net):
    """Forward: z and a for every unit, then L (softmax CE: first p_k for every output).
    Backward: dL/dy_k per output; per layer, dL/dz per unit, dL/dw per weight, dL/db per bias,
    and dL/da for each unit of the layer below (except the input x)."""
    sizes, K = net.sizes, net.sizes[-1]
    forward = 2 * sum(sizes[1:]) + 1 + (K if net.loss == "softmax_cross_entropy" else 0)
    backward = K
    for l in range(1, len(sizes)):
        backward += sizes[l] + sizes[l - 1] * sizes[l]
        backward += sizes[l] if net.biases is not None else 0
        backward += sizes[l - 1] if l > 1 else 0
    return forward, backward


def valid_keys(net):
    """The keys a step may highlight: parameters, x_i, z and a of each layer, y_k, L."""
    sizes, n = net.sizes, len(net.weights)
    keys = set(net.param_keys()) | {"L"} | {f"x{i}" for i in range(1, sizes[0] + 1)}
    keys |= {f"y{k}" for k in range(1, sizes[-1] + 1)}
    for l in range(1, n + 1):
        keys |= {f"z{l}_{j}" for j in range(1, sizes[l] + 1)}
        if l < n:
            keys |= {f"a{l}_{j}" for j in range(1, sizes[l] + 1)}
    return keys


# --------------------------------------------------------------------------- counts and order


def test_step_counts_of_the_seeds_by_hand():
    """Seed 000 (2-2-1, biases): 6 + 1 forward, 1 + 6 + 8 backward. Seed 001 (no biases):
    7 forward, 1 + 5 + 6 backward. Seed 002 (1-1-1): 4 + 1 forward, 1 + 4 + 3 backward."""
    counts = {}
    for name in SEEDS:
        _, _, _, steps = seed_replay(name)
        counts[name] = (
            sum(s.phase == "forward" for s in steps),
            sum(s.phase == "backward" for s in steps),
        )
    assert counts == {"seed_000": (7, 15), "seed_001": (7, 12), "seed_002": (5, 8)}


@pytest.mark.parametrize("name", SEEDS)
def test_step_counts_and_order(name):
    net, _, _, steps = seed_replay(name)
    n_forward, n_backward = expected_counts(net)
    phases = [s.phase for s in steps]
    assert phases == ["forward"] * n_forward + ["backward"] * n_backward
    assert [s.index for s in steps] == list(range(len(steps)))
    assert steps[n_forward - 1].key == "L"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("name", SEEDS)
def test_every_parameter_has_one_backward_step_equal_to_its_gradient(name):
    net, _, grads, steps = seed_replay(name)
    by_key = {}
    for s in steps:
        of = s.key.removeprefix("dL/d")
        if s.phase == "backward" and of in net.param_keys():
            by_key.setdefault(of, []).append(s)
    assert sorted(by_key) == sorted(net.param_keys())
    expected = flatten_by_key(net, grads.weights, grads.biases)
    for key, found in by_key.items():
        assert len(found) == 1, key
        assert found[0].key == f"dL/d{key}"
        assert found[0].value == expected[key]


@pytest.mark.parametrize("name", SEEDS)
def test_forward_step_values_are_the_trace_values(name):
    net, trace, grads, steps = seed_replay(name)
    values = {s.key: s.value for s in steps}
    for l in range(1, len(net.weights) + 1):
        for j in range(1, net.sizes[l] + 1):
            assert values[f"z{l}_{j}"] == trace.z[l - 1][j - 1]
            a_key = f"y{j}" if l == len(net.weights) else f"a{l}_{j}"
            assert values[a_key] == trace.a[l - 1][j - 1]
    assert values["L"] == trace.loss
    for k in range(1, net.sizes[-1] + 1):
        assert values[f"dL/dy{k}"] == grads.dL_dy[k - 1]


@pytest.mark.parametrize("name", SEEDS)
def test_backward_steps_are_upstream_times_local(name):
    """dL/dz = dL/da * da/dz, dL/dw = dL/dz * a, dL/da = sum_j dL/dz_j * w_j: the terms'
    products (summed) give each step's value."""
    net, trace, grads, steps = seed_replay(name)
    checked = 0
    for s in steps:
        if s.phase != "backward" or not s.terms:
            continue
        total = sum(term.upstream_value * term.local_value for term in s.terms)
        assert total == pytest.approx(s.value, rel=1e-12, abs=1e-300), s.key
        checked += 1
    dz_steps = [s for s in steps if s.key.startswith("dL/dz")]
    assert dz_steps and all(len(s.terms) == 1 for s in dz_steps)
    assert checked == sum(s.phase == "backward" for s in steps) - net.sizes[-1]  # not dL/dy


@pytest.mark.parametrize("name", SEEDS)
def test_dz_terms_are_the_sigmoid_slope(name):
    """For a sigmoid unit the local derivative is a(1 - a), from the trace's a."""
    net, trace, grads, steps = seed_replay(name)
    for s in steps:
        if s.key.startswith("dL/dz1_"):
            j = int(s.key.split("_")[1])
            a = trace.a[0][j - 1]
            (term,) = s.terms
            assert term.local_value == pytest.approx(a * (1 - a), rel=1e-15)
            assert term.upstream_value == grads.dL_da[0][j - 1]


@pytest.mark.parametrize("name", SEEDS)
def test_highlight_keys_exist(name):
    net, _, _, steps = seed_replay(name)
    keys = valid_keys(net)
    for s in steps:
        assert s.highlight, s.key
        assert set(s.highlight) <= keys, (s.key, set(s.highlight) - keys)


def test_steps_on_a_batch_raise():
    ex = examples.seed_000()
    trace = bp.forward(ex.net, np.ones((3, 2)), np.ones(3))
    with pytest.raises(
        ValueError,
        match=r"trace: expected the trace of one sample .*"
        r"got a batch of 3",
    ):
        bp.steps(ex.net, trace, bp.backward(ex.net, trace))


# --------------------------------------------------------------------------- formulas


def test_seed_002_formulas_read_like_the_maths():
    """The formulas of seed 002, with the typographic minus sign (U+2212) and real numbers."""
    _, _, _, steps = seed_replay("seed_002")
    by_key = {s.key: s for s in steps}
    assert MINUS == "\u2212"
    assert by_key["z1_1"].formula == "z¹₁ = w¹₁₁·x + b¹₁"
    assert by_key["z1_1"].numbers == "0.5·1 + 0"
    assert by_key["a1_1"].formula == "a¹₁ = σ(z¹₁)"
    assert by_key["y1"].formula == "y = z²₁"
    assert by_key["L"].formula == "L = ½(y − t)²"
    assert by_key["L"].numbers == "½((−0.62246) − 0)²"
    assert by_key["dL/dy1"].formula == "∂L/∂y = y − t"
    assert by_key["dL/dw2_1_1"].formula == "∂L/∂w²₁₁ = ∂L/∂z²₁ · a¹₁"
    assert by_key["dL/dz1_1"].formula == "∂L/∂z¹₁ = ∂L/∂a¹₁ · a¹₁(1 − a¹₁)"
    assert by_key["dL/da1_1"].formula == "∂L/∂a¹₁ = ∂L/∂z²₁ · w²₁₁"
    assert "-" not in by_key["L"].formula + by_key["L"].numbers  # no ASCII hyphen-minus
    assert str(by_key["dL/dw2_1_1"]).endswith("= −0.38745562")


def test_seed_000_loss_formula_is_the_squared_error():
    _, _, _, steps = seed_replay("seed_000")
    assert [s.formula for s in steps if s.key == "L"] == ["L = (y − t)²"]
    assert [s.formula for s in steps if s.key == "dL/dy1"] == ["∂L/∂y = 2(y − t)"]


# --------------------------------------------------------------------------- other losses


def test_softmax_network_steps():
    """Softmax CE adds a step per probability p_k = e^(y_k) / sum e^(y_j); dL/dy_k = p_k - t_k."""
    net = bp.Network.random([2, 3, 3], ["tanh", "identity"], "softmax_cross_entropy", seed=2)
    trace, grads, steps = replay(net, [0.4, -0.7], 1)
    n_forward, n_backward = expected_counts(net)
    assert len(steps) == n_forward + n_backward
    p = {s.key: s.value for s in steps if s.key.startswith("p")}
    logits = np.asarray(trace.output)
    np.testing.assert_allclose(list(p.values()), np.exp(logits) / np.exp(logits).sum(), rtol=1e-14)
    loss = next(s for s in steps if s.key == "L")
    assert loss.value == pytest.approx(-math.log(p["p2"]), rel=1e-14)
    for k in (1, 2, 3):
        dy = next(s for s in steps if s.key == f"dL/dy{k}")
        assert dy.value == pytest.approx(p[f"p{k}"] - (k == 2), rel=1e-13)
    keys = valid_keys(net)
    assert all(set(s.highlight) <= keys for s in steps)


def test_binary_cross_entropy_network_steps():
    """BCE on a sigmoid output: the last dL/dz is the fused y - t, with no separate terms."""
    net = bp.Network.random([2, 2, 1], ["relu", "sigmoid"], "binary_cross_entropy", seed=3)
    trace, grads, steps = replay(net, [0.4, -0.7], 1.0)
    n_forward, n_backward = expected_counts(net)
    assert len(steps) == n_forward + n_backward
    last = next(s for s in steps if s.key == "dL/dz2_1")
    assert last.terms == ()
    assert last.formula == "∂L/∂z²₁ = y − t"
    assert last.value == pytest.approx(trace.output[0] - 1.0, rel=1e-14)
    for s in steps:
        if s.phase == "backward" and s.terms:
            assert sum(t.upstream_value * t.local_value for t in s.terms) == pytest.approx(
                s.value, rel=1e-12, abs=1e-300
            )
    assert all(set(s.highlight) <= valid_keys(net) for s in steps)
