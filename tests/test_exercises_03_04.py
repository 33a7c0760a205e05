"""Exercises of notebooks 03 and 04: each reference solution passes, typical mistakes get the
right hint, and an unanswered exercise says so."""

import ast
import inspect
import sys

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples, numerics
from backprop_lib.exercises import ex03, ex04

# --------------------------------------------------------------------------- notebook 03


@pytest.fixture(scope="module")
def L_at():
    ex = examples.seed_001()

    def L(w):  # as the notebook defines it
        return bp.forward(ex.net.set("w2_1_1", w), ex.x, ex.target).loss

    return L, ex.net.get("w2_1_1")


def hint_of(feedback):
    assert not feedback.ok, feedback
    return feedback.hint


@pytest.mark.parametrize(
    "check",
    [ex03.check_central_difference, ex03.check_relative_error, ex03.check_float32_eps,
     ex04.check_dL_dz1, ex04.check_zeroed_grad],
)  # fmt: skip
def test_no_answer_yet(check):
    fb = check(...)
    assert not fb.ok and "no answer yet" in fb.message


def test_central_difference_solution_passes(L_at):
    L, w = L_at
    eps = 1e-3
    fb = ex03.check_central_difference((L(w + eps) - L(w - eps)) / (2 * eps))
    assert fb.ok, fb
    # computed another way (numerics.difference), it passes too
    assert ex03.check_central_difference(numerics.difference(L, w, eps, "central")).ok


@pytest.mark.parametrize(
    "mistake, words",
    [
        (lambda L, w, e: (L(w + e) - L(w)) / e, "forward difference"),
        (lambda L, w, e: (L(w) - L(w - e)) / e, "backward difference"),
        (lambda L, w, e: (L(w + e) - L(w - e)) / e, "divide by 2ε, not ε"),
        (lambda L, w, e: L(w + e) - L(w - e), "divide the difference by the step"),
        (lambda L, w, e: (L(w + e) - L(w - e)) / 2, "not by 2"),
        (lambda L, w, e: (L(w - e) - L(w + e)) / (2 * e), "flipped sign"),
        (lambda L, w, e: (L(w + 1e-6) - L(w - 1e-6)) / 2e-6, "smaller step"),
        (lambda L, w, e: (L(w + 1e-5) - L(w - 1e-5)) / 2e-5, "smaller step"),
        (lambda L, w, e: (L(w + 1e-2) - L(w - 1e-2)) / 2e-2, "close to the exact derivative"),
        (lambda L, w, e: 0.3, "divide by 2 * eps"),
    ],
)
def test_central_difference_mistakes(L_at, mistake, words):
    L, w = L_at
    assert words in hint_of(ex03.check_central_difference(mistake(L, w, 1e-3)))


def test_central_difference_seed_mistakes():
    """Seed 001's own mistakes (b) and (c), made in the exercise, are named as such."""
    ex = examples.seed_001()
    e = 1e-3
    y = numerics.output_along(ex.net, ex.x, ex.target, "w2_1_1")
    w = ex.net.get("w2_1_1")
    assert "mistake (b)" in hint_of(ex03.check_central_difference((y(w + e) - y(w - e)) / (2 * e)))
    L6 = numerics.loss_along(ex.net, ex.x, ex.target, "w2_2_1")
    w6 = ex.net.get("w2_2_1")
    assert "mistake (c)" in hint_of(
        ex03.check_central_difference((L6(w6 + e) - L6(w6 - e)) / (2 * e))
    )


def test_relative_error_solution_passes():
    a, n = -0.16096605, -0.16504242
    assert ex03.check_relative_error(abs(a - n) / max(abs(a), abs(n))).ok
    assert ex03.check_relative_error(bp.relative_error(a, n)).ok
    assert ex03.check_relative_error(0.0246989).ok  # typed from a printout, 6 digits


@pytest.mark.parametrize(
    "answer, words",
    [
        (abs(-0.16096605 - -0.16504242) / 0.16096605, "LARGER"),
        (abs(-0.16096605 - -0.16504242), "ABSOLUTE error"),
        ((-0.16096605 - -0.16504242) / -0.16096605, "max(a, n)"),
        (abs(-0.16096605 - -0.16504242) / ((0.16096605 + 0.16504242) / 2), "symmetric"),
        (abs(-0.16096605 - -0.16504242) / abs(-0.16096605 + -0.16504242), "|a + n|"),
        (-abs(-0.16096605 - -0.16504242) / 0.16504242, "never negative"),
        (0.5, "abs(a - n) / max(abs(a), abs(n))"),
    ],
)
def test_relative_error_mistakes(answer, words):
    assert words in hint_of(ex03.check_relative_error(answer))


def test_float32_eps_solution_passes():
    u = np.finfo(np.float32).eps / 2
    assert ex03.check_float32_eps(u ** (1 / 3)).ok
    assert ex03.check_float32_eps(np.finfo(np.float32).eps ** (1 / 3)).ok  # machine epsilon: fine
    assert ex03.check_float32_eps(4e-3).ok


@pytest.mark.parametrize(
    "answer, words",
    [
        ((np.finfo(np.float32).eps / 2) ** 0.5, "FORWARD"),
        (np.finfo(np.float32).eps ** 0.5, "FORWARD"),
        ((np.finfo(np.float64).eps / 2) ** (1 / 3), "float64's"),
        (1e-6, "gradcheck's ε"),
        (np.finfo(np.float32).eps / 2, "u itself"),
        (1e-1, "balance truncation"),
    ],
)
def test_float32_eps_mistakes(answer, words):
    assert words in hint_of(ex03.check_float32_eps(answer))


# --------------------------------------------------------------------------- notebook 04


def test_ex04_imports_no_torch():
    tree = ast.parse(inspect.getsource(ex04))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any("torch" in name for name in names)


def test_dL_dz1_expected_values_and_shapes():
    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    dz = np.array(grads.dL_dz1)
    assert ex04.check_dL_dz1(dz).ok
    assert ex04.check_dL_dz1(dz.reshape(1, 2)).ok  # torch keeps the batch axis
    assert ex04.check_dL_dz1(dz.astype(np.float32)).ok  # a float32 run is close enough
    assert "dL/da" in hint_of(ex04.check_dL_dz1(np.array(grads.dL_da1))).replace("∂", "d")
    assert "twice" in hint_of(ex04.check_dL_dz1(2 * dz))
    assert "retain_grad" in hint_of(ex04.check_dL_dz1(None))


def test_zeroed_grad_expected_values():
    ex = examples.seed_002()
    g = float(bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target)).dL_dW1[0, 0])
    assert g == pytest.approx(0.14628025, abs=1e-8)
    assert ex04.check_zeroed_grad(g).ok
    assert ex04.check_zeroed_grad(np.array([[g]])).ok
    assert "ADDS" in hint_of(ex04.check_zeroed_grad(2 * g))
    assert "AFTER the second" in hint_of(ex04.check_zeroed_grad(0.0))
    assert "∂L/∂W²" in hint_of(ex04.check_zeroed_grad(-0.38745562))
    assert "read it AFTER" in hint_of(ex04.check_zeroed_grad(None))


# with torch: the notebook's reference solutions, verbatim in spirit


@pytest.fixture(scope="module")
def torch_bridge():
    pytest.importorskip("torch")
    from backprop_lib import torch_bridge

    return torch_bridge


def test_dL_dz1_reference_solution(torch_bridge):
    ex = examples.seed_000()
    params = torch_bridge.to_torch(ex.net)
    L, zs, _ = torch_bridge.torch_forward(ex.net, params, ex.x, ex.target)
    zs[0].retain_grad()
    L.backward()
    assert ex04.check_dL_dz1(zs[0].grad).ok


def test_dL_dz1_without_retain_grad_is_none(torch_bridge):
    import warnings

    ex = examples.seed_000()
    params = torch_bridge.to_torch(ex.net)
    L, zs, _ = torch_bridge.torch_forward(ex.net, params, ex.x, ex.target)
    L.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about reading a non-leaf .grad
        answer = zs[0].grad
    assert "retain_grad" in hint_of(ex04.check_dL_dz1(answer))


def test_zeroed_grad_reference_solution_and_the_trap(torch_bridge):
    ex = examples.seed_002()
    params = torch_bridge.to_torch(ex.net)
    W1 = params.weights[0]
    for zero_between in (False, True):
        W1.grad = None
        for k in range(2):
            if zero_between and k == 1:
                W1.grad = None
            L, _, _ = torch_bridge.torch_forward(ex.net, params, ex.x, ex.target)
            L.backward()
        fb = ex04.check_zeroed_grad(W1.grad)
        assert fb.ok == zero_between, fb
        if not zero_between:
            assert "ADDS" in fb.hint


def test_ex04_module_does_not_load_torch():
    """Importing ex04 (already done above) must not have pulled torch in on its own."""
    code = "import sys, backprop_lib.exercises.ex04; print('torch' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
