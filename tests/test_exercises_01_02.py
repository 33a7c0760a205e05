"""The exercises of notebooks 01 and 02: each reference solution passes, and each typical wrong
answer gets its own hint (asserted on the hint's text)."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples
from backprop_lib.exercises import ex01, ex02
from backprop_lib.layers import sigmoid


def run(example):
    trace = bp.forward(example.net, example.x, example.target)
    return trace, bp.backward(example.net, trace)


# --------------------------------------------------------------------------- reference solutions
# Written as a learner would, from the maths and the example's arrays (not from the checks).


def sol_loss_002():
    ex = examples.seed_002()
    W1, b1, W2, b2 = (
        ex.net.weights[0][0, 0],
        ex.net.biases[0][0],
        ex.net.weights[1][0, 0],
        ex.net.biases[1][0],
    )
    x, t = ex.x[0], ex.target[0]
    a = 1 / (1 + np.exp(-(W1 * x + b1)))
    y = W2 * a + b2
    return 0.5 * (y - t) ** 2


def sol_z1_1():
    return 0.2 * 0.5 + 0.1 * 0.3 + 0.1


def sol_a1_1():
    return 1 / (1 + np.exp(-sol_z1_1()))


def sol_hidden_batch():
    ex = examples.seed_000()
    return sigmoid(ex01.BATCH_X @ ex.net.weights[0] + ex.net.biases[0])


def sol_dL_dW2_002():
    trace, _ = run(examples.seed_002())
    return (trace.output[0] - trace.target[0]) * 1.0 * trace.a1[0]


def sol_dL_dW1_000():
    ex = examples.seed_000()
    trace, _ = run(ex)
    y, t, a1 = trace.output, trace.target, trace.a1
    dL_dz2 = 2 * (y - t) * y * (1 - y)
    dL_dz1 = (dL_dz2 @ ex.net.weights[1].T) * a1 * (1 - a1)
    return np.outer(ex.x, dL_dz1)


def sol_sgd_step():
    ex = examples.seed_000()
    _, grads = run(ex)
    return ex.net.weights[0] - ex.lr * grads.dL_dW1


SOLUTIONS = [
    (ex01.check_loss_002, sol_loss_002, 0.19372781),
    (ex01.check_z1_1, sol_z1_1, 0.23),
    (ex01.check_a1_1, sol_a1_1, 0.55724785),
    (
        ex01.check_hidden_batch,
        sol_hidden_batch,
        [[0.55724785, 0.62010643], [0.59868766, 0.71094950]],
    ),
    (ex02.check_dL_dW2_002, sol_dL_dW2_002, -0.38745562),
    (
        ex02.check_dL_dW1_000,
        sol_dL_dW1_000,
        [[-0.00055551, -0.00063649], [-0.00033330, -0.00038189]],
    ),
    (ex02.check_sgd_step, sol_sgd_step, [[0.20005555, 0.40006365], [0.10003333, 0.30003819]]),
]


@pytest.mark.parametrize(
    "check, solution, value", SOLUTIONS, ids=[c.__name__ for c, _, _ in SOLUTIONS]
)
def test_reference_solution_passes(check, solution, value):
    answer = solution()
    feedback = check(answer)
    assert feedback.ok, str(feedback)
    assert "correct" in str(feedback)
    np.testing.assert_allclose(answer, value, atol=5e-9)  # the numbers the notebooks print


@pytest.mark.parametrize(
    "check", [c for c, _, _ in SOLUTIONS], ids=[c.__name__ for c, _, _ in SOLUTIONS]
)
def test_no_answer_yet(check):
    feedback = check(...)
    assert not feedback.ok
    assert "no answer yet" in feedback.message


def test_copied_with_8_decimals_passes():
    assert ex01.check_a1_1(0.55724785)
    assert ex01.check_loss_002(0.19372781)
    assert ex02.check_dL_dW2_002(-0.38745562)


def test_a_wrong_answer_is_not_accepted():
    feedback = ex02.check_dL_dW2_002(0.123)
    assert not feedback.ok and "expected something else" in feedback.message


def test_sgd_step_accepts_a_network():
    ex = examples.seed_000()
    _, grads = run(ex)
    assert ex02.check_sgd_step(bp.sgd_step(ex.net, grads, ex.lr))


# --------------------------------------------------------------------------- typical mistakes


def hint(feedback):
    assert not feedback.ok
    return feedback.hint


def test_loss_002_hints():
    ex = examples.seed_002()
    trace, _ = run(ex)
    y, t = trace.output[0], trace.target[0]
    assert "left out the ½" in hint(ex01.check_loss_002((y - t) ** 2))
    assert "square the difference" in hint(ex01.check_loss_002(0.5 * (y - t)))
    assert "square the difference" in hint(ex01.check_loss_002(0.5 * (t - y)))
    assert "not the hidden unit's z¹" in hint(ex01.check_loss_002(0.5 * trace.z1[0] ** 2))
    assert "linear (identity)" in hint(ex01.check_loss_002(0.5 * sigmoid(y) ** 2))


def test_z1_1_hints():
    ex = examples.seed_000()
    W1, b1, x = ex.net.weights[0], ex.net.biases[0], ex.x
    assert "first COLUMN of W¹" in hint(
        ex01.check_z1_1(0.2 * 0.5 + 0.4 * 0.3 + 0.1)
    )  # transposed W
    assert "add the bias" in hint(ex01.check_z1_1((x @ W1)[0]))
    assert "b1[0], not b1[1]" in hint(ex01.check_z1_1((x @ W1)[0] + b1[1]))
    assert "before the sigmoid" in hint(ex01.check_z1_1(sigmoid(0.23)))


def test_a1_1_hints():
    assert "apply the sigmoid" in hint(ex01.check_a1_1(0.23))  # missing activation
    assert "minus sign" in hint(ex01.check_a1_1(1 / (1 + np.exp(0.23))))
    assert "first COLUMN" in hint(ex01.check_a1_1(sigmoid(0.32)))  # transposed W
    assert "add the bias" in hint(ex01.check_a1_1(sigmoid(0.13)))
    assert "inside the sigmoid" in hint(ex01.check_a1_1(sigmoid(0.13) + 0.1))


def test_hidden_batch_hints():
    ex = examples.seed_000()
    X, W1, b1 = ex01.BATCH_X, ex.net.weights[0], ex.net.biases[0]
    right = sol_hidden_batch()
    assert "one row per input" in hint(ex01.check_hidden_batch(right.T))  # transposed result
    assert "multiplied by W¹ᵀ" in hint(
        ex01.check_hidden_batch(sigmoid(X @ W1.T + b1))
    )  # transposed W
    assert "apply the sigmoid" in hint(ex01.check_hidden_batch(X @ W1 + b1))  # missing activation
    assert "add the bias" in hint(ex01.check_hidden_batch(sigmoid(X @ W1)))
    assert "inside the sigmoid" in hint(ex01.check_hidden_batch(sigmoid(X @ W1) + b1))
    assert "one row per input" in hint(ex01.check_hidden_batch(right[0]))  # only one input


def test_dL_dW2_002_hints():
    ex = examples.seed_002()
    trace, grads = run(ex)
    y, t, a, z = trace.output[0], trace.target[0], trace.a1[0], trace.z1[0]
    right = sol_dL_dW2_002()
    assert "wrong sign" in hint(ex02.check_dL_dW2_002(-right))
    assert "multiply by the local derivative ∂z²/∂w² = a¹" in hint(ex02.check_dL_dW2_002(y - t))
    assert "the activation, not z¹" in hint(ex02.check_dL_dW2_002((y - t) * z))  # z instead of a
    assert "the 2 of 2(y − t)" in hint(ex02.check_dL_dW2_002(2 * (y - t) * a))
    assert "no σ'(z²)" in hint(ex02.check_dL_dW2_002((y - t) * a * a * (1 - a)))
    assert ex02.check_dL_dW2_002([[right]])  # shaped like W² is fine too


def test_dL_dW1_000_hints():
    ex = examples.seed_000()
    trace, grads = run(ex)
    x, y, t, a1, z1, W2 = ex.x, trace.output, trace.target, trace.a1, trace.z1, ex.net.weights[1]
    right = sol_dL_dW1_000()
    dz2 = 2 * (y - t) * y * (1 - y)
    assert "transposed" in hint(ex02.check_dL_dW1_000(right.T))
    assert "np.outer(x, dL_dz1)" in hint(ex02.check_dL_dW1_000(np.outer(grads.dL_dz1, x)))
    assert "σ'(z¹) = a¹(1 − a¹)" in hint(
        ex02.check_dL_dW1_000(np.outer(x, dz2 @ W2.T))
    )  # missing σ'
    assert "you used z(1 − z)" in hint(
        ex02.check_dL_dW1_000(np.outer(x, (dz2 @ W2.T) * z1 * (1 - z1)))
    )
    no_out_sigma = np.outer(x, (2 * (y - t) @ W2.T) * a1 * (1 - a1))
    assert "left out σ'(z²)" in hint(ex02.check_dL_dW1_000(no_out_sigma))
    assert "left out the 2" in hint(ex02.check_dL_dW1_000(right / 2))
    assert "wrong sign" in hint(ex02.check_dL_dW1_000(-right))
    assert "expected shape (2, 2)" in ex02.check_dL_dW1_000(grads.dL_dz1).message


def test_sgd_step_hints():
    ex = examples.seed_000()
    _, grads = run(ex)
    W1, g = ex.net.weights[0], grads.dL_dW1
    assert "gradient ASCENT" in hint(ex02.check_sgd_step(W1 + 0.1 * g))  # wrong sign
    assert "learning rate" in hint(ex02.check_sgd_step(W1 - g))
    assert "alone" in hint(ex02.check_sgd_step(-0.1 * g))
    assert "alone" in hint(ex02.check_sgd_step(0.1 * g))
    assert "its transpose" in hint(ex02.check_sgd_step(W1 - 0.1 * g.T))  # transposed matrix
    assert "seed 002's" in hint(ex02.check_sgd_step(W1 - 0.01 * g))


@pytest.mark.parametrize(
    "check", [c for c, _, _ in SOLUTIONS], ids=[c.__name__ for c, _, _ in SOLUTIONS]
)
def test_mistakes_are_distinct(check, monkeypatch):
    """No listed mistake equals the right answer, and no two give different hints for the same
    value: otherwise a learner would get a wrong verdict or a misleading hint."""
    import backprop_lib.exercises as exercises

    captured = {}

    def spy(answer, expected, name, mistakes=(), **kw):
        captured.update(expected=np.asarray(expected, float), mistakes=list(mistakes))
        return exercises.Feedback(False, "")

    module = ex01 if check.__module__.endswith("ex01") else ex02
    monkeypatch.setattr(module, "grade", spy)
    check(0.123)  # any answer: the spy only records what the check compares
    if not captured:
        check(np.ones((2, 2)))
    expected, mistakes = captured["expected"], captured["mistakes"]
    values = [np.asarray(w, float).reshape(expected.shape) for _, w in mistakes]
    for h, v in zip([h for h, _ in mistakes], values):
        assert not np.allclose(v, expected, rtol=1e-4), h
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            assert not np.allclose(values[i], values[j], rtol=1e-4), (
                mistakes[i][0],
                mistakes[j][0],
            )
