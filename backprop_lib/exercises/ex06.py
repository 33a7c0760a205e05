"""Exercises of notebook 06, autograd from scratch.

The engine exercises hand the learner's class to ``check_engine`` with the operations built so
far; the network exercises compare with ``backprop_lib.backward`` (seed 000) and with
``backprop_lib.autograd.Value`` (one neuron), never with typed-in numbers.
"""

import numpy as np

from .. import examples
from ..autograd import Value
from ..check_engine import check_engine
from ..network import backward, forward
from . import check

NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def check_add_mul(TheirValue):
    """6.1: + and * alone, each with its _backward closure (backward() runs one step)."""
    return check_engine(TheirValue, ops=("+", "*"), reflected=False, twice=False, graphs=False)


def check_backward(TheirValue):
    """6.2 and 6.3: whole graphs of + and *: topological order, accumulation, two calls."""
    return check_engine(TheirValue, ops=("+", "*"), reflected=False, twice=False)


def check_tanh(TheirValue):
    """6.4: tanh, in graphs with + and *, and two backward() calls."""
    return check_engine(TheirValue, ops=("+", "*", "tanh"), reflected=False)


def check_full(TheirValue):
    """6.5: every operation, the reflected forms, random graphs."""
    return check_engine(TheirValue)


def neuron_grads():
    """∂o/∂(w1, w2, b) of o = tanh(w1·x1 + w2·x2 + b), from backprop_lib.autograd.Value."""
    v = {k: Value(x, k) for k, x in NEURON.items()}
    o = (v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"]).tanh()
    o.backward()
    return [v["w1"].grad, v["w2"].grad, v["b"].grad]


def check_neuron(answer):
    """[∂o/∂w1, ∂o/∂w2, ∂o/∂b] of the neuron, computed with the learner's Value."""
    expected = neuron_grads()
    return check(
        answer,
        expected,
        "[∂o/∂w1, ∂o/∂w2, ∂o/∂b]",
        rtol=1e-12,
        atol=1e-14,
        mistakes=[
            (
                "the gradients of tanh's input, without tanh's local derivative 1 − o²: multiply by "
                "it",
                np.array(expected) / (1 - np.tanh(sum_neuron()) ** 2),
            ),
        ],
    )


def sum_neuron():
    n = NEURON
    return n["w1"] * n["x1"] + n["w2"] * n["x2"] + n["b"]


def check_seed_000(answer):
    """∂L/∂W¹ of seed 000 (2×2), from a network built of the learner's Values."""
    ex = examples.seed_000()
    grads = backward(ex.net, forward(ex.net, ex.x, ex.target))
    return check(answer, grads.dL_dW1, "∂L/∂W¹", rtol=1e-12, atol=1e-14)
