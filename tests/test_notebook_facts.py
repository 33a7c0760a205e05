"""Facts the notebooks once asserted in front of the learner, recomputed here from the library.

Issue 15 ("notebooks stay narrative") took most ``assert`` lines out of notebooks 01-06: where a
number matters the notebook prints it in a ``# NBVAL_CHECK_OUTPUT`` cell (nbval checks it), and
the fact behind it is checked in tests/. Most of those facts already had a test (test_seeds.py,
test_bugclinic.py, test_numerics.py, test_torch_bridge.py, test_training.py, test_autograd.py);
the ones that did not are here, each recomputed independently of the notebook's stored output
(a hand-written formula, a second code path, or PyTorch), never copied from it.
"""

import warnings

import numpy as np
import pytest
from torch_bugs import bad_sigmoid

import backprop_lib as bp
from backprop_lib import bugclinic, compare, examples, numerics
from backprop_lib.exercises import ex01

# ------------------------------------------------------------------------------ notebook 01


def test_01_matrix_form_is_the_forward_pass():
    """01 §1.3: x @ W1 + b1, the sigmoid, a1 @ W2 + b2, the sigmoid and (y - t)² are bp.forward."""
    ex = examples.seed_000()
    W1, b1 = ex.net.weights[0], ex.net.biases[0]
    W2, b2 = ex.net.weights[1], ex.net.biases[1]
    a1 = 1 / (1 + np.exp(-(ex.x @ W1 + b1)))
    y = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    trace = bp.forward(ex.net, ex.x, ex.target)
    np.testing.assert_allclose(a1, trace.a1, rtol=1e-14)
    np.testing.assert_allclose(y, trace.output, rtol=1e-14)
    assert float(np.sum((y - ex.target) ** 2)) == pytest.approx(trace.loss, rel=1e-12)


def test_01_a_batch_repeats_the_single_input_in_its_first_row():
    """01 §1.3: bp.forward on ex01.BATCH_X; its first row is seed 000's x, the mean loss."""
    ex = examples.seed_000()
    batch = bp.forward(ex.net, ex01.BATCH_X, [0.7, 0.7])
    single = bp.forward(ex.net, ex.x, ex.target)
    assert np.allclose(ex01.BATCH_X[0], ex.x)
    np.testing.assert_allclose(batch.a1[0], single.a1, rtol=1e-14)
    rows = [bp.forward(ex.net, xn, [0.7]).loss for xn in ex01.BATCH_X]
    assert batch.loss == pytest.approx(np.mean(rows), rel=1e-12)


@pytest.mark.parametrize("w", [-3.0, -0.5, 0.5, 0.673, 2.0])
def test_01_02_loss_along_is_one_forward_pass_of_net_set(w):
    """01 §1.4 and 02 §2.5 draw the loss curve with numerics.loss_along: each point must be the
    forward pass of net.set(key, w), the loop the notebooks used to write out."""
    ex = examples.seed_000()
    L_of = numerics.loss_along(ex.net, ex.x, ex.target, "w2_1_1")
    assert L_of(w) == bp.forward(ex.net.set("w2_1_1", w), ex.x, ex.target).loss


# ------------------------------------------------------------------------------ notebook 02


def test_02_matrix_form_of_the_backward_pass_is_bp_backward():
    """02 §2.4: δ² = 2(y − t) y(1 − y), ∂L/∂W² = a¹ᵀδ², ∂L/∂a¹ = δ²W²ᵀ, δ¹ = ∂L/∂a¹ ⊙ a¹(1 − a¹),
    ∂L/∂W¹ = xᵀδ¹, ∂L/∂b = δ, written with numpy, against bp.backward."""
    ex = examples.seed_000()
    trace = bp.forward(ex.net, ex.x, ex.target)
    grads = bp.backward(ex.net, trace)
    x, t, a1, y = ex.x, ex.target, trace.a1, trace.output
    dL_dz2 = 2 * (y - t) * y * (1 - y)
    dL_da1 = dL_dz2 @ ex.net.weights[1].T
    dL_dz1 = dL_da1 * a1 * (1 - a1)
    for mine, theirs in (
        (dL_dz2, grads.dL_dz2),
        (np.outer(a1, dL_dz2), grads.dL_dW2),
        (dL_dz2, grads.dL_db2),
        (dL_da1, grads.dL_da1),
        (dL_dz1, grads.dL_dz1),
        (np.outer(x, dL_dz1), grads.dL_dW1),
        (dL_dz1, grads.dL_db1),
    ):
        np.testing.assert_allclose(theirs, mine, rtol=1e-12)


def test_02_the_seeds_in_place_update_fails_and_changes_nothing():
    """02 §2.7, trap 2: ``net.weights[0] += ...`` raises, and net keeps w¹₁₁ = 0.2."""
    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    with pytest.raises(ValueError):
        ex.net.weights[0] += ex.lr * grads.dL_dW1
    assert ex.net.get("w1_1_1") == 0.2


# ------------------------------------------------------------------------------ notebook 03


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_03_gradcheck_passes_every_seed_by_a_wide_margin(name):
    """03 §3.4: all three seeds pass, with errors of about 1e-9 or less (below 1e-8)."""
    e = examples.ALL[name]()
    report = bp.gradcheck(e.net, e.x, e.target)
    assert report.ok and report.max_rel_error < 1e-8, report.max_rel_error


def test_03_the_seeds_whole_check_fails_below_one_half():
    """03 §3.5: every row flagged, the largest relative error between 0.3 and 0.5 (w5's 0.41)."""
    ex = examples.seed_001()
    report = bp.gradcheck(ex.net, ex.x, ex.target, grads=bugclinic.seed_001_suspect())
    assert not report.ok and 0.3 < report.max_rel_error < 0.5
    assert all(r.rel_error >= report.tol for r in report.rows)


def _relu_net():
    # 03 §3.6's network: z¹₁ = 1 · 0.5 + (−1) · 0.5 = 0 exactly at x = (0.5, 0.5)
    return bp.Network(
        [[[1.0, 0.5], [-1.0, 0.3]], [[0.8], [-0.6]]],
        activations=["relu", "identity"],
        loss="half_squared_error",
    )


def test_03_the_kink_warns_once_and_fails_the_weights_into_it():
    """03 §3.6: at the kink one GradcheckWarning, and the two weights into z¹₁ fail with
    relative error 1 (backprop 0, numeric half the slope on the right)."""
    net, x, t = _relu_net(), [0.5, 0.5], [1.0]
    assert bp.forward(net, x, t).z1[0] == 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = bp.gradcheck(net, x, t)
    assert [w.category for w in caught] == [bp.GradcheckWarning] and not report.ok
    flagged = [r.key for r in report.rows if r.rel_error >= report.tol]
    assert flagged == ["w1_1_1", "w1_2_1"]
    for key in flagged:
        assert report.row(key).analytic == 0.0
        assert report.row(key).rel_error == pytest.approx(1.0)


def test_03_moving_the_input_off_the_kink_cures_it():
    """03 §3.6: x₂ = 0.45 puts z¹₁ = 0.05 out of eps's reach: no warning, gradcheck passes."""
    report, messages = compare.gradcheck_quietly(_relu_net(), [0.5, 0.45], [1.0])
    assert report.ok and not messages


# ------------------------------------------------------------------------------ notebook 04


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_04_autograd_against_backprop_in_float64_and_float32(torch, name):
    """04 §4.2: autograd and backprop_lib agree to 1e-12 in float64 and to 1e-5 in float32."""
    from backprop_lib.torch_bridge import torch_forward_backward

    e = examples.ALL[name]()
    ours = bp.backward(e.net, bp.forward(e.net, e.x, e.target))
    f64 = torch_forward_backward(e.net, e.x, e.target, dtype=torch.float64)
    f32 = torch_forward_backward(e.net, e.x, e.target, dtype=torch.float32)
    assert compare.max_relative_error(e.net, f64, ours) < 1e-12
    assert 0 < compare.max_relative_error(e.net, f32, ours) < 1e-5  # float32 is not float64


def test_04_retain_grad_gives_backprops_intermediate_gradients(torch):
    """04 §4.3: y.grad, a.grad and z.grad after retain_grad() are the library's dL_dy, dL_da1,
    dL_dz1, and ∂L/∂y, ∂L/∂a are the numbers seed 002's numpy cell printed."""
    from backprop_lib.torch_bridge import to_torch, torch_forward

    ex = examples.seed_002()
    L, zs, as_ = torch_forward(ex.net, to_torch(ex.net), ex.x, ex.target)
    z, a, y = zs[0], as_[0], as_[1]
    for v in (z, a, y):
        v.retain_grad()
    L.backward()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    for v, ours in ((y, grads.dL_dy), (a, grads.dL_da1), (z, grads.dL_dz1)):
        assert abs(v.grad.item() - ours.item()) < 1e-15
    assert abs(y.grad.item() - -0.62245933) < 5e-9 and abs(a.grad.item() - 0.62245933) < 5e-9


def test_04_backward_adds_to_grad_until_it_is_cleared(torch):
    """04 §4.4: three passes leave three times the gradient; clearing .grad leaves one."""
    from backprop_lib.torch_bridge import to_torch, torch_forward

    ex = examples.seed_002()
    dL_dW1 = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target)).dL_dW1.item()
    params = to_torch(ex.net)
    W1 = params.weights[0]
    for k in (1, 2, 3):
        torch_forward(ex.net, params, ex.x, ex.target)[0].backward()
        assert W1.grad.item() == pytest.approx(k * dL_dW1, rel=1e-14)
    for _ in range(2):
        for p in params.weights + params.biases:
            p.grad = None
        torch_forward(ex.net, params, ex.x, ex.target)[0].backward()
    assert abs(W1.grad.item() - dL_dW1) < 1e-15


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_04_torch_gradcheck_and_bp_gradcheck_pass_every_seed(torch, name):
    """04 §4.5: torch.autograd.gradcheck of the loss as a function of the float64 parameter
    tensors, and bp.gradcheck, both pass."""
    from backprop_lib.torch_bridge import TorchParams, to_torch, torch_forward

    e = examples.ALL[name]()
    n = len(e.net.weights)

    def L(*ps):
        return torch_forward(e.net, TorchParams(list(ps[:n]), list(ps[n:]) or None), e.x, e.target)[
            0
        ]

    params = to_torch(e.net)
    assert torch.autograd.gradcheck(L, tuple(params.weights + (params.biases or [])))
    assert bp.gradcheck(e.net, e.x, e.target).ok


def test_04_bp_gradcheck_finds_the_factor_bad_sigmoid_forgets(torch):
    """04 §4.5: a sigmoid whose backward returns dL_da * a: bp.gradcheck flags exactly w¹₁₁ and
    b¹₁ (upstream of it), each off by the factor 1 / (1 − a¹)."""
    from backprop_lib.torch_bridge import to_torch

    BadSigmoid = bad_sigmoid(torch)

    ex = examples.seed_002()
    x = torch.tensor([[1.0]], dtype=torch.float64)
    t = torch.tensor([[0.0]], dtype=torch.float64)
    p = to_torch(ex.net)
    y = BadSigmoid.apply(x @ p.weights[0] + p.biases[0]) @ p.weights[1] + p.biases[1]
    (0.5 * ((y - t) ** 2).sum()).backward()
    suspect = bugclinic.as_grads(
        [W.grad.numpy() for W in p.weights], [b.grad.numpy() for b in p.biases]
    )
    report = bp.gradcheck(ex.net, ex.x, ex.target, grads=suspect)
    assert not report.ok
    assert [r.key for r in report.rows if r.rel_error >= report.tol] == ["w1_1_1", "b1_1"]
    a1 = 1 / (1 + np.exp(-0.5))  # σ(w¹ x + b¹) with w¹ = 0.5, x = 1, b¹ = 0
    for key in ("w1_1_1", "b1_1"):
        assert report.row(key).analytic / report.row(key).numeric == pytest.approx(
            1 / (1 - a1), rel=1e-6
        )
