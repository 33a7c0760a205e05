"""The three seed notebooks the course grew from: their printed numbers, where they are right.

Each seed printed its values to 8 decimals; ``printed(value) == number`` checks that the library
rounds to the same 8 decimals. Where a seed printed something wrong, the test says what went
wrong and shows it with the library, instead of copying the wrong number.
"""

import dataclasses

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples


def printed(value):
    """A value as the seeds printed it: rounded to 8 decimals (numpy's default precision)."""
    return np.round(np.asarray(value, dtype=float), 8).tolist()


def run(example):
    trace = bp.forward(example.net, example.x, example.target)
    return trace, bp.backward(example.net, trace)


def ascent_step(net, grads, lr):
    """W + lr dL/dW: what seed 000's first cell did with ``w += ... * lr`` (uphill)."""
    negated = dataclasses.replace(
        grads,
        weights=tuple(-g for g in grads.weights),
        biases=tuple(-g for g in grads.biases) if grads.biases is not None else None,
    )
    return bp.sgd_step(net, negated, lr)


# --------------------------------------------------------------------------- seed 000


def test_seed_000_forward():
    """2-2-1 sigmoid network, x = [0.5, 0.3], t = 0.7: the first cell's three printed lines."""
    trace, _ = run(examples.seed_000())
    assert printed(trace.a[0]) == [0.55724785, 0.62010643]
    assert printed(trace.output) == [0.67932855]
    assert printed(trace.loss) == 0.00042731


def test_seed_000_gradients():
    """The second cell's gradients: dL/dy = 2(y - t), dL/dW2 and the first row of dL/dW1.

    The second row of dL/dW1 is x2/x1 = 0.3/0.5 times the first (dL/dW1_ij = x_i delta_j); the
    seed printed -0.00033331 and -0.0003819 for it, one unit off in the 8th decimal, because
    that cell ran on changed weights (see test_seed_000_later_cells_ran_on_changed_weights).
    """
    _, grads = run(examples.seed_000())
    assert printed(grads.dL_dy) == [-0.04134291]
    assert printed(grads.dL_dW2) == [[-0.00501868], [-0.0055848]]
    assert printed(grads.dL_dW1[0]) == [-0.00055551, -0.00063649]
    np.testing.assert_allclose(grads.dL_dW1[1], grads.dL_dW1[0] * 0.3 / 0.5, rtol=1e-14)
    np.testing.assert_allclose(grads.dL_dW1[1], [-0.00033331, -0.0003819], atol=1.5e-8)


def test_seed_000_correct_step_from_the_original_weights():
    """sgd_step from the original weights gives W - lr dL/dW (lr = 0.1), e.g.
    w1_11 = 0.2 - 0.1 * (-0.00055551) = 0.20005555, not the seed's 0.20005613."""
    ex = examples.seed_000()
    _, grads = run(ex)
    new = bp.sgd_step(ex.net, grads, ex.lr)
    for W, W0, dW in zip(new.weights, ex.net.weights, grads.weights):
        np.testing.assert_allclose(W, W0 - 0.1 * dW, rtol=1e-15)
    for b, b0, db in zip(new.biases, ex.net.biases, grads.biases):
        np.testing.assert_allclose(b, b0 - 0.1 * db, rtol=1e-15)
    assert printed(new.weights[0]) == [[0.20005555, 0.40006365], [0.10003333, 0.30003819]]
    assert printed(new.weights[1]) == [[0.50050187], [0.60055848]]
    assert printed(new.biases[0]) == [0.1001111, 0.2001273]
    assert printed(new.biases[1]) == [0.10090062]


def test_seed_000_loss_after_one_step_down_and_one_step_up():
    """One correct step lowers the loss to 0.00041330; the first cell's ``+=`` step (gradient
    ascent) raises it to 0.00044156."""
    ex = examples.seed_000()
    _, grads = run(ex)
    down = bp.forward(bp.sgd_step(ex.net, grads, ex.lr), ex.x, ex.target).loss
    up = bp.forward(ascent_step(ex.net, grads, ex.lr), ex.x, ex.target).loss
    assert printed(down) == 0.0004133
    assert printed(up) == 0.00044156


def test_seed_000_first_cell_update_is_gradient_ascent():
    """The first cell's update, written as the seed wrote it, equals W + lr dL/dW: its
    d_predicted_output = 2(y - t) sigma'(y) is dL/dz2, so ``w2 += a^T d lr`` climbs."""
    ex = examples.seed_000()
    trace, grads = run(ex)
    w1, w2 = np.array([[0.2, 0.4], [0.1, 0.3]]), np.array([[0.5], [0.6]])
    h, y, t, X = trace.a[0], trace.output, ex.target, ex.x
    d_out = 2 * (y - t) * y * (1 - y)  # the seed's d_predicted_output
    d_hidden = d_out.dot(w2.T) * h * (1 - h)
    w2 = w2 + h.reshape(-1, 1).dot(d_out.reshape(1, -1)) * 0.1
    w1 = w1 + X.reshape(-1, 1).dot(d_hidden.reshape(1, -1)) * 0.1
    up = ascent_step(ex.net, grads, 0.1)
    np.testing.assert_allclose(up.weights[0], w1, rtol=1e-15)
    np.testing.assert_allclose(up.weights[1], w2, rtol=1e-15)


def test_seed_000_printed_update_is_not_one_step_from_the_original_weights():
    """The fourth cell printed w1_11 = 0.20005613, w2 = [0.50050706, 0.60056425], ...: not one
    correct step from the original weights (0.20005555, ...), and not ascent then descent either:
    with the same gradient that returns exactly to the start, and with a fresh gradient nearly.
    """
    ex = examples.seed_000()
    trace, grads = run(ex)
    seed_w1 = np.array([[0.20005613, 0.40006431], [0.10003368, 0.30003858]])
    seed_w2 = np.array([[0.50050706], [0.60056425]])
    correct = bp.sgd_step(ex.net, grads, ex.lr)
    assert np.abs(correct.weights[0] - seed_w1).max() > 3e-7  # vs 5e-9 of rounding
    up = ascent_step(ex.net, grads, ex.lr)
    back = bp.sgd_step(up, grads, ex.lr)
    np.testing.assert_allclose(back.weights[0], ex.net.weights[0], rtol=1e-15)
    fresh = bp.sgd_step(up, bp.backward(up, bp.forward(up, ex.x, ex.target)), ex.lr)
    for candidate in (back, fresh):
        assert np.abs(candidate.weights[0] - seed_w1).max() > 3e-7
        assert np.abs(candidate.weights[1] - seed_w2).max() > 3e-6


def test_seed_000_later_cells_ran_on_changed_weights():
    """The trap the immutable Network prevents: seed 000's second and fourth cells ran on weights
    an earlier run had already changed. Undo the fourth cell's step on its printed w2 to get the
    w2 it started from, ~[0.5000052, 0.6000058]; with that w2 the library's chain rule gives
    exactly the second cell's printed dL/dh = [-0.00450314, -0.00540377] and dL/dW1 (both rows),
    while the original w2 = [0.5, 0.6] gives [-0.0045031, -0.00540372]."""
    ex = examples.seed_000()
    trace, grads = run(ex)
    seed_w2_after = np.array([0.50050706, 0.60056425])
    w2_before = seed_w2_after + ex.lr * grads.dL_dW2.ravel()  # undo w2 - lr dL/dW2
    assert np.abs(w2_before - [0.5, 0.6]).max() > 5e-6
    dL_dh = grads.dL_dz[1] * w2_before  # dL/dh_j = dL/dz2 * w2_j
    assert printed(dL_dh) == [-0.00450314, -0.00540377]
    assert printed(grads.dL_da[0]) == [-0.0045031, -0.00540372]  # from the original weights
    h = trace.a[0]
    dL_dW1 = np.outer(ex.x, dL_dh * h * (1 - h))
    assert printed(dL_dW1) == [[-0.00055551, -0.00063649], [-0.00033331, -0.0003819]]


# --------------------------------------------------------------------------- seed 001


def test_seed_001_output_and_backprop():
    """2-2-1 sigmoid network without biases, W from np.random.seed(0), x = [1, 1]: the output
    0.69531126 and the seed's backpropagated dy/dW, which it printed with a minus sign.

    dy/dW = dL/dW / dL/dy (the chain rule, with one output)."""
    trace, grads = run(examples.seed_001())
    assert printed(trace.output) == [0.69531126]
    dy_dW2 = grads.weights[1].ravel() / grads.dL_dy[0]
    dy_dW1 = grads.weights[0] / grads.dL_dy[0]
    assert printed(dy_dW2) == [0.16096605, 0.16504206]
    # the seed printed hidden_delta[j, i] = -dy/dW1[i, j]; with x = [1, 1] both rows agree
    assert printed(dy_dW1) == [[0.01638029, 0.02355442], [0.01638029, 0.02355442]]


def _seed_001_output(W1, W2, x):
    """The seed's own forward pass (1 / (1 + exp(-x)) and np.dot), for its finite differences."""

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    return sigmoid(np.dot(sigmoid(np.dot(x, W1)), W2))[0]


def test_seed_001_finite_differences_copy_paste_bug():
    """The seed's "analytical_gradient" printed -0.16504242 for BOTH w5 and w6: its dw5 line
    perturbed w6 (``for_w6`` twice). The true dy/dw5 is 0.16096605, 2.5 % away; the sign is
    flipped because it computed (f(w) - f(w + eps)) / eps."""
    ex = examples.seed_001()
    W1, W2 = np.asarray(ex.net.weights[0]), np.asarray(ex.net.weights[1])
    eps, f0 = 1e-10, _seed_001_output(W1, W2, ex.x)
    dw6 = (f0 - _seed_001_output(W1, W2 + [[0], [eps]], ex.x)) / eps
    assert dw6 == pytest.approx(-0.16504242, abs=2e-6)  # the seed's number, up to round-off
    _, grads = run(ex)
    dy_dw5 = grads.weights[1][0, 0] / grads.dL_dy[0]
    assert abs(dy_dw5 - 0.16504242) / dy_dw5 > 0.02


def test_seed_001_one_sided_difference_with_eps_1e_10_is_round_off():
    """The seed's one-sided difference with eps = 1e-10 loses digits to round-off: y is rounded to
    ~1e-16, so (y(w + eps) - y(w)) / eps is off by up to ~1e-6, over 1e-7 relative for dy/dW.
    Central differences with eps = 1e-6 (the library's default) agree to 1e-8 relative."""
    ex = examples.seed_001()
    _, grads = run(ex)
    true = [grads.weights[0] / grads.dL_dy[0], grads.weights[1] / grads.dL_dy[0]]

    def output_of(l):
        def f(W):
            weights = list(ex.net.weights)
            weights[l] = W
            return bp.forward(ex.net.replace(weights=weights), ex.x, ex.target).output[0]

        return f

    one_sided, central = [], []
    for l, W in enumerate(ex.net.weights):
        one_sided.append(bp.numeric_gradient(output_of(l), W, eps=1e-10, method="forward"))
        central.append(bp.numeric_gradient(output_of(l), W, eps=1e-6))
    rel = [bp.relative_error(n, t) for n, t in zip(one_sided, true)]
    assert max(r.max() for r in rel) > 1e-7
    for n, t in zip(central, true):
        np.testing.assert_allclose(n, t, rtol=1e-8)
    # the same holds for the seed's printed w6 value
    assert bp.relative_error(0.16504242, true[1][1, 0]) > 1e-7


# --------------------------------------------------------------------------- seed 002


def test_seed_002_forward():
    """1-1-1 network, sigmoid hidden unit, linear output, x = 1, t = 0, L = 1/2 (y - t)^2."""
    trace, _ = run(examples.seed_002())
    assert printed(trace.z[0]) == [0.5]
    assert printed(trace.a[0]) == [0.62245933]
    assert printed(trace.output) == [-0.62245933]
    assert printed(trace.loss) == 0.19372781


def test_seed_002_gradients():
    """The seed's backward cell: dL/dy = y - t, dL/dW2 = dL/dy a, dL/da = dL/dy W2, ..."""
    _, grads = run(examples.seed_002())
    assert printed(grads.dL_dy) == [-0.62245933]
    assert printed(grads.dL_dW2) == [[-0.38745562]]
    assert printed(grads.dL_db2) == [-0.62245933]
    assert printed(grads.dL_da[0]) == [0.62245933]
    assert printed(grads.dL_dW1) == [[0.14628025]]
    assert printed(grads.dL_db1) == [0.14628025]


def test_seed_002_update():
    """The seed's update with eta = 0.01: W2 = -0.99612544, b2 = 0.00622459, W1 = 0.4985372,
    b1 = -0.0014628; the seed used ``-=`` in place, sgd_step returns a new Network."""
    ex = examples.seed_002()
    assert ex.lr == 0.01
    _, grads = run(ex)
    new = bp.sgd_step(ex.net, grads, ex.lr)
    assert printed(new.weights[1]) == [[-0.99612544]]
    assert printed(new.biases[1]) == [0.00622459]
    assert printed(new.weights[0]) == [[0.4985372]]
    assert printed(new.biases[0]) == [-0.0014628]
    assert ex.net.weights[1][0, 0] == -1.0  # unchanged


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_examples_are_fresh_and_checkable(name):
    """Each call builds a new example (no notebook can change another's), and gradcheck passes."""
    a, b = examples.ALL[name](), examples.ALL[name]()
    assert a.net is not b.net and a.x is not b.x
    assert bp.gradcheck(a.net, a.x, a.target, tol=1e-7).ok
