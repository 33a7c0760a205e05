"""Exercises of notebook 04, backprop_lib against PyTorch.

The answers come from torch (a tensor, or a number or array taken out of one), but the checks
need no torch: the expected values come from backprop_lib, and a tensor answer is read through
its own ``.detach()``. So this module imports without torch installed.

``tolerance.grade`` accepts the exact value, the value as printed (8 decimals) and a float32
computation (PyTorch's default dtype), whose error on seed 000's small gradients is about 1e-6.
"""

import numpy as np

from .. import examples
from ..network import backward, forward
from . import Feedback, as_array
from .tolerance import grade


def _seed(name):
    ex = getattr(examples, name)()
    trace = forward(ex.net, ex.x, ex.target)
    return ex, trace, backward(ex.net, trace)


def check_dL_dz1(answer):
    """dL/dz¹ of seed 000, as autograd gives it after ``z1.retain_grad()``: shape (2,) or (1, 2)."""
    name = "∂L/∂z¹"
    if answer is None:
        return Feedback(
            False,
            f"{name}: got None",
            "z¹ is not a leaf tensor, so autograd does "
            "not keep its .grad: call z1.retain_grad() BEFORE L.backward(), then read "
            "z1.grad",
        )
    _, _, grads = _seed("seed_000")
    expected = np.asarray(grads.dL_dz1)
    got = as_array(answer)
    if got is not None and got.size == expected.size:
        got = got.reshape(expected.shape)  # torch keeps the batch axis: (1, 2)
    else:
        got = answer  # check says what is wrong with it
    return grade(
        got,
        expected,
        name,
        mistakes=[
            (
                "that is ∂L/∂a¹, the gradient AFTER the sigmoid. z¹ comes before it: "
                "∂L/∂z¹ = ∂L/∂a¹ · σ'(z¹). Retain the grad of z1, not of a1",
                grads.dL_da1,
            ),
            (
                "twice the right value: the gradients of two backward passes added up. Build a fresh "
                "forward pass and zero the grads before each backward",
                2 * expected,
            ),
        ],
    )


def check_zeroed_grad(answer):
    """W¹'s .grad of seed 002 after two backward passes, with the grads zeroed in between."""
    name = "W1.grad after the second backward"
    if answer is None:
        return Feedback(
            False,
            f"{name}: got None",
            "after `W1.grad = None`, the next "
            "backward() fills .grad again: read it AFTER the second backward",
        )
    _, _, grads = _seed("seed_002")
    expected = float(np.asarray(grads.dL_dW1).reshape(-1)[0])
    return grade(
        answer,
        expected,
        name,
        mistakes=[
            (
                "twice ∂L/∂W¹: backward() ADDS to .grad, so two passes without zeroing give the sum. "
                "Set W1.grad = None (or call W1.grad.zero_()) between the two passes",
                2 * expected,
            ),
            (
                "0: the grads were zeroed AFTER the second backward. Zero them before it, then read "
                "W1.grad after it",
                0.0,
            ),
            (
                "that is ∂L/∂W² (the output layer's weight); the exercise asks for W1.grad",
                float(np.asarray(grads.dL_dW2).reshape(-1)[0]),
            ),
        ],
        atol=1e-12,
    )
