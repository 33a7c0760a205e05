"""Exercises of notebook 02, the chain rule and the backward pass.

Each ``check_<name>(answer)`` computes the right answer with the library and lists the typical
wrong answers it recognises (wrong sign, a missing σ', a transposed matrix, a forgotten 2, ...),
each computed from the same example's trace and gradients, never typed in. ``tolerance.grade``
also accepts the value as printed (8 decimals) and a float32 computation.
"""

import numpy as np

from .. import examples
from ..network import Network, backward, forward, sgd_step
from .tolerance import grade

RTOL = 1e-5


def _run(example):
    trace = forward(example.net, example.x, example.target)
    return trace, backward(example.net, trace)


def check_dL_dW2_002(answer):
    """∂L/∂w² of seed 002: ∂L/∂y · ∂y/∂z² · ∂z²/∂w² = (y − t) · 1 · a¹ (−0.38745562)."""
    ex = examples.seed_002()
    trace, grads = _run(ex)
    y, t, a, z1 = trace.output[0], trace.target[0], trace.a1[0], trace.z1[0]
    expected = grads.dL_dW2
    return grade(
        answer,
        expected,
        "∂L/∂w²",
        rtol=RTOL,
        mistakes=[
            (
                "wrong sign: ∂L/∂y = y − t, not t − y. Here y − t < 0 and a¹ > 0, so ∂L/∂w² is "
                "negative",
                -expected,
            ),
            (
                "that is ∂L/∂z² (= ∂L/∂b²): multiply by the local derivative ∂z²/∂w² = a¹, the input "
                "of the output layer",
                grads.dL_dz2[0],
            ),
            ("∂z²/∂w² = a¹ = σ(z¹), the activation, not z¹", (y - t) * z1),
            (
                "seed 002's loss has a ½, so ∂L/∂y = y − t: the 2 of 2(y − t) belongs to seed 000's "
                "(y − t)²",
                2 * (y - t) * a,
            ),
            (
                "the output unit is linear (identity): its local derivative is 1, there is no σ'(z²) "
                "to multiply by",
                (y - t) * a * a * (1 - a),
            ),
        ],
    )


def check_dL_dW1_000(answer):
    """∂L/∂W¹ of seed 000 in matrix form: xᵀ δ¹, the outer product np.outer(x, ∂L/∂z¹)."""
    ex = examples.seed_000()
    trace, grads = _run(ex)
    x, y, t = ex.x, trace.output, trace.target
    a1, z1, W2 = trace.a1, trace.z1, ex.net.weights[1]
    expected = grads.dL_dW1
    dL_da1 = grads.dL_da1
    dz2_no_sigma = 2 * (y - t)  # forgot the output's σ'(z²) = y(1 − y)
    return grade(
        answer,
        expected,
        "∂L/∂W¹",
        rtol=RTOL,
        mistakes=[
            (
                "the right numbers, transposed: ∂L/∂W¹ has the shape of W¹, one row per input xᵢ. "
                "It is the outer product xᵀ δ¹ = np.outer(x, dL_dz1), not np.outer(dL_dz1, x)",
                expected.T,
            ),
            (
                "you stopped at ∂L/∂a¹: multiply by the sigmoid's local derivative "
                "σ'(z¹) = a¹(1 − a¹) to get ∂L/∂z¹ first",
                np.outer(x, dL_da1),
            ),
            (
                "σ'(z) = a(1 − a) takes the activation a = σ(z); you used z(1 − z). (The seeds' "
                "sigmoid_derivative(x) returns x(1 − x), so it must be given a, not z.)",
                np.outer(x, dL_da1 * z1 * (1 - z1)),
            ),
            (
                "the output is a sigmoid too: ∂L/∂z² = 2(y − t) · y(1 − y); you left out σ'(z²)",
                np.outer(x, (dz2_no_sigma @ W2.T) * a1 * (1 - a1)),
            ),
            (
                "seed 000's loss is (y − t)², with no ½: ∂L/∂y = 2(y − t); you left out the 2",
                expected / 2,
            ),
            (
                "wrong sign: ∂L/∂y = 2(y − t), not 2(t − y). (The gradient points uphill; the update "
                "subtracts it.)",
                -expected,
            ),
        ],
    )


def check_sgd_step(answer):
    """W¹ after one step of gradient descent on seed 000, lr = 0.1: W¹ − η ∂L/∂W¹."""
    ex = examples.seed_000()
    trace, grads = _run(ex)
    W1, g, lr = ex.net.weights[0], grads.dL_dW1, ex.lr
    if isinstance(answer, Network):
        answer = answer.weights[0]
    expected = sgd_step(ex.net, grads, lr).weights[0]
    return grade(
        answer,
        expected,
        "W¹ after one step",
        rtol=RTOL,
        mistakes=[
            (
                "you added the gradient: that is gradient ASCENT, seed 000's += trap. Descent "
                "subtracts: W¹ ← W¹ − η ∂L/∂W¹",
                W1 + lr * g,
            ),
            ("multiply the gradient by the learning rate η = 0.1 (ex.lr)", W1 - g),
            ("that is the change −η ∂L/∂W¹ alone: add it to W¹, W¹ ← W¹ − η ∂L/∂W¹", -lr * g),
            ("that is the change η ∂L/∂W¹ alone: the new W¹ is W¹ − η ∂L/∂W¹", lr * g),
            (
                "subtract ∂L/∂W¹ itself, which has W¹'s shape; you subtracted its transpose",
                W1 - lr * g.T,
            ),
            (
                "seed 000's learning rate is η = 0.1; 0.01 is seed 002's",
                W1 - examples.seed_002().lr * g,
            ),
        ],
    )
