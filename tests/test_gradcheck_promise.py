"""gradcheck keeps its promise and cannot be fooled (issue 14, defect 1).

* Correct float64 gradients: below 1e-7 relative error on 1,000 random networks (every loss,
  every activation, batches and single samples), and no failure with weights up to ±1000,
  saturated BCE included.
* A wrong gradient cannot pass by a tiny eps or tol: such settings are refused, with a reason.
"""

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples, layers


def random_case(rng):
    L = int(rng.integers(1, 4))
    sizes = [int(rng.integers(1, 5)) for _ in range(L + 1)]
    loss = str(rng.choice(sorted(layers.LOSSES)))
    acts = [str(rng.choice(sorted(layers.ACTIVATIONS))) for _ in range(L)]
    if loss in layers.LOSS_NEEDS_ACTIVATION:
        acts[-1] = layers.LOSS_NEEDS_ACTIVATION[loss]
    if loss == "softmax_cross_entropy":
        sizes[-1] = max(2, sizes[-1])
    scale = float(rng.choice([0.3, 1.0, 3.0]))
    ws = [rng.normal(0, scale, (m, n)) for m, n in zip(sizes, sizes[1:])]
    bs = [rng.normal(0, 0.5, n) for n in sizes[1:]] if rng.random() < 0.7 else None
    net = bp.Network(ws, bs, acts, loss)
    n, batch = int(rng.integers(1, 4)), bool(rng.random() < 0.5)
    shape = (n, sizes[-1]) if batch else (sizes[-1],)
    x = rng.normal(0, 1, (n, sizes[0]) if batch else sizes[0])
    if loss == "softmax_cross_entropy":
        t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
        t = t if batch else t[0]
    elif loss == "binary_cross_entropy":
        t = rng.random(shape)
    else:
        t = rng.normal(0, 1, shape)
    return net, x, t


def test_correct_gradients_stay_below_1e_7_on_1000_random_networks():
    rng = np.random.default_rng(1)
    errors, near_kink = [], 0
    while len(errors) < 1000:
        net, x, t = random_case(rng)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = bp.gradcheck(net, x, t)
        if caught:  # a ReLU input near its kink: the numeric gradient is not trusted there
            near_kink += 1
            continue
        errors.append(report.max_rel_error)
    assert near_kink < 20
    assert max(errors) < 1e-7, f"worst {max(errors):.2e}"


@pytest.mark.parametrize("scale", [1.0, 10.0, 100.0, 1000.0])
def test_no_false_failure_up_to_weights_of_1000(scale):
    rng = np.random.default_rng(int(scale))
    for i in range(60):
        loss = sorted(layers.LOSSES)[i % 4]
        acts = ["tanh", layers.LOSS_NEEDS_ACTIVATION.get(loss, "sigmoid")]
        sizes = [2, 3, 2 if loss == "softmax_cross_entropy" else 1]
        ws = [rng.uniform(-scale, scale, (m, k)) for m, k in zip(sizes, sizes[1:])]
        bs = [rng.uniform(-scale, scale, k) for k in sizes[1:]]
        net = bp.Network(ws, bs, acts, loss)
        x = rng.normal(0, 1, 2)
        t = np.eye(2)[i % 2] if loss == "softmax_cross_entropy" else rng.random(1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # quiet too: no numpy warning
            report = bp.gradcheck(net, x, t)
        assert report.ok, (scale, i, str(report))


def test_saturated_bce_at_weights_of_1000_passes():
    net = bp.Network(
        [[[1000.0]], [[-1000.0]]], [[0.0], [3.0]], ["tanh", "sigmoid"], "binary_cross_entropy"
    )
    for t in (0.0, 0.3, 1.0):
        assert bp.gradcheck(net, [0.7], [t]).ok


def wrong_grads():
    """Defect 1's reproducer: the gradients of another network (seed 000 moved), passed as
    ``grads=`` for seed 000."""
    ex = examples.seed_000()
    other = ex.net.set("w1_1_1", 3).set("w2_1_1", -2)
    return ex, bp.backward(other, bp.forward(other, ex.x, ex.target))


def test_wrong_gradients_fail_at_the_defaults():
    ex, grads = wrong_grads()
    assert not bp.gradcheck(ex.net, ex.x, ex.target, grads=grads).ok


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"eps": 1e-16}, "from 1e-10 to 0.1"),
        ({"eps": 1e-20}, "from 1e-10 to 0.1"),
        ({"eps": 1e-10}, "too small"),
        ({"tol": 1e-320}, "from 1e-12 to 0.1"),
        ({"tol": 1e-12}, "too small"),
        ({"eps": 0.5}, "from 1e-10 to 0.1"),
    ],
)
def test_settings_that_would_let_any_gradient_pass_are_refused(kwargs, says):
    ex, grads = wrong_grads()
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"^(eps|{name}):.*{says}"):
        bp.gradcheck(ex.net, ex.x, ex.target, grads=grads, **kwargs)


@pytest.mark.parametrize("eps", [1e-9, 1e-8, 1e-7, 1e-5, 1e-4])
def test_wrong_gradients_fail_at_every_accepted_eps(eps):
    ex, grads = wrong_grads()
    assert not bp.gradcheck(ex.net, ex.x, ex.target, grads=grads, eps=eps).ok
    assert bp.gradcheck(ex.net, ex.x, ex.target, eps=eps).ok


def test_numpy_scalars_are_accepted_for_eps_and_tol():
    ex = examples.seed_000()
    assert bp.gradcheck(ex.net, ex.x, ex.target, eps=np.float32(1e-6), tol=np.float64(1e-6)).ok
