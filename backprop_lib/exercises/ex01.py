"""Exercises of notebook 01, the forward pass.

Each ``check_<name>(answer)`` computes the right answer with the library and lists the typical
wrong answers it recognises, each computed from the same example (never typed in).

Answers are typed or computed by the learner from printed values: ``tolerance.grade`` accepts
the exact value, the value as printed (8 decimals) and a float32 computation, and tells a value
typed from too few digits "correct to N digits; compute it instead of typing it". The hints use
only what notebook 01 has taught (the forward pass): no gradients, no chain rule.
"""

import numpy as np

from .. import examples
from ..checks import as_float_array
from ..layers import sigmoid
from ..network import forward
from . import Feedback, as_array
from .tolerance import grade

RTOL = 1e-5

# Hints of notebook 01: about the forward pass only (the chain rule comes in notebook 02)
SIGN_HINT = "right size, wrong sign: check the sign of each term of the sum and of the weights"
FALLBACK_HINT = (
    "compute it one step at a time, as in the replay above: z = Σᵢ xᵢ·wᵢⱼ + bⱼ, then "
    "a = σ(z), then y, then L"
)


def _forward_check(answer, expected, name, mistakes, what):
    """grade() with notebook 01's hints, and a plain word for a wrong shape: z, a and L are
    numbers, not gradients."""
    expected = np.asarray(expected, dtype=float)
    try:  # what is not a real number or array gets check's own message, below
        got = (
            None
            if answer is None or answer is ...
            else as_float_array(answer, "answer", finite=False)
        )
    except (TypeError, ValueError):
        got = None
    if got is not None and got.size != expected.size:
        one = "one number" if expected.size == 1 else f"an array of shape {expected.shape}"
        return Feedback(
            False,
            f"{name}: expected {one}, got an array of shape {got.shape}",
            f"{name} is {what}: {one}",
        )
    return grade(
        answer,
        expected,
        name,
        mistakes,
        rtol=RTOL,
        what=what,
        sign_hint=SIGN_HINT,
        fallback_hint=FALLBACK_HINT,
    )


# the two inputs of exercise 3, one row each: seed 000's x and a second one
BATCH_X = np.array([[0.5, 0.3], [1.0, 1.0]])


def check_loss_002(answer):
    """L = ½(y − t)² of seed 002 (0.19372781)."""
    ex = examples.seed_002()
    trace = forward(ex.net, ex.x, ex.target)
    y, t, z1 = trace.output[0], trace.target[0], trace.z1[0]
    y_sigmoid = sigmoid(trace.z2[0])  # as if the output had a sigmoid, like seed 000's
    return _forward_check(
        answer,
        trace.loss,
        "L",
        what="the loss, one number",
        mistakes=[
            (
                "you left out the ½: seed 002's loss is L = ½(y − t)²; (y − t)² without the ½ is "
                "seed 000's loss",
                (y - t) ** 2,
            ),
            ("square the difference: L = ½(y − t)², not ½(y − t)", 0.5 * (y - t)),
            ("square the difference: L = ½(y − t)², not ½(t − y)", 0.5 * (t - y)),
            ("use the output y = w²·a + b², not the hidden unit's z¹", 0.5 * (z1 - t) ** 2),
            (
                "seed 002's output unit is linear (identity): y = z², with no σ",
                0.5 * (y_sigmoid - t) ** 2,
            ),
        ],
    )


def _seed_000_layer1():
    ex = examples.seed_000()
    return ex, ex.net.weights[0], ex.net.biases[0], forward(ex.net, ex.x, ex.target)


def check_z1_1(answer):
    """z¹₁ = w¹₁₁·x₁ + w¹₂₁·x₂ + b¹₁ of seed 000 (0.23)."""
    ex, W1, b1, trace = _seed_000_layer1()
    x = ex.x
    return _forward_check(
        answer,
        trace.z1[0],
        "z¹₁",
        what="hidden unit 1's pre-activation",
        mistakes=[
            (
                "w¹ᵢⱼ connects input i to unit j, so unit 1 reads the first COLUMN of W¹ "
                "(w¹₁₁ = 0.2, w¹₂₁ = 0.1), not the first row",
                (x @ W1.T + b1)[0],
            ),
            ("add the bias b¹₁", (x @ W1)[0]),
            ("unit 1's bias is b¹₁ = b1[0], not b1[1]", (x @ W1)[0] + b1[1]),
            ("that is a¹₁ = σ(z¹₁): z¹₁ is the value before the sigmoid", trace.a1[0]),
        ],
    )


def check_a1_1(answer):
    """a¹₁ = σ(z¹₁) of seed 000 (0.55724785)."""
    ex, W1, b1, trace = _seed_000_layer1()
    x, z = ex.x, trace.z1[0]
    return _forward_check(
        answer,
        trace.a1[0],
        "a¹₁",
        what="hidden unit 1's activation",
        mistakes=[
            ("that is z¹₁: apply the sigmoid, a¹₁ = σ(z¹₁) = 1 / (1 + e^(−z¹₁))", z),
            ("σ(z) = 1 / (1 + e^(−z)): the exponent has a minus sign", 1.0 / (1.0 + np.exp(z))),
            (
                "unit 1 reads the first COLUMN of W¹ (w¹₁₁, w¹₂₁), not the first row",
                sigmoid((x @ W1.T + b1)[0]),
            ),
            ("add the bias b¹₁ before the sigmoid", sigmoid((x @ W1)[0])),
            (
                "the bias goes inside the sigmoid: σ(w·x + b), not σ(w·x) + b",
                sigmoid((x @ W1)[0]) + b1[0],
            ),
        ],
    )


def check_hidden_batch(answer):
    """a¹ = σ(X W¹ + b¹) of seed 000 for the two inputs in BATCH_X, one row per input."""
    ex = examples.seed_000()
    W1, b1 = ex.net.weights[0], ex.net.biases[0]
    X = BATCH_X
    expected = forward(ex.net, X, np.full(len(X), ex.target[0])).a1
    name = "a¹ for both inputs"
    got = as_array(answer)
    if got is not None and got.dtype.kind in "biuf" and got.shape != expected.shape:
        return Feedback(
            False,
            f"{name}: expected shape {expected.shape}, got {got.shape}",
            "one row per input and one column per hidden unit: compute the whole "
            "batch at once, X @ W1 + b1, with X of shape (2, 2)",
        )
    return grade(
        answer,
        expected,
        name,
        rtol=RTOL,
        what="activation",
        sign_hint=SIGN_HINT,
        fallback_hint=FALLBACK_HINT,
        mistakes=[
            (
                "one row per input: row n should be the hidden layer of input n. You have one column "
                "per input: that is the column-vector convention, W¹ᵀ xᵀ; here a batch is X @ W1",
                expected.T,
            ),
            (
                "you multiplied by W¹ᵀ: with inputs as rows, z¹ = X W¹ + b¹ (W¹ has one row per input)",
                sigmoid(X @ W1.T + b1),
            ),
            ("that is z¹ = X W¹ + b¹: apply the sigmoid to get a¹", X @ W1 + b1),
            ("add the bias b¹ (it broadcasts over the rows)", sigmoid(X @ W1)),
            (
                "the bias goes inside the sigmoid: σ(X W¹ + b¹), not σ(X W¹) + b¹",
                sigmoid(X @ W1) + b1,
            ),
        ],
    )
