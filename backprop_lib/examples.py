"""The course's worked examples: the networks of the three seed notebooks.

Each function returns an ``Example`` (net, x, target, lr), freshly built, so that no notebook
can change another's copy.
"""

from dataclasses import dataclass

import numpy as np

from .network import Network


@dataclass(frozen=True)
class Example:
    name: str
    net: Network
    x: np.ndarray
    target: np.ndarray
    lr: float
    description: str


def seed_000():
    """2-2-1 sigmoid network with biases, x = [0.5, 0.3], t = 0.7, L = (y - t)^2, lr = 0.1."""
    net = Network(
        weights=[[[0.2, 0.4], [0.1, 0.3]], [[0.5], [0.6]]],
        biases=[[0.1, 0.2], [0.1]],
        activations="sigmoid",
        loss="squared_error",
    )
    return Example(
        "seed 000",
        net,
        np.array([0.5, 0.3]),
        np.array([0.7]),
        0.1,
        "2-2-1 sigmoid network with biases, squared error (y - t)²",
    )


def seed_001():
    """2-2-1 sigmoid network without biases, x = [1, 1], t = 1, weights from np.random.seed(0).

    The seed draws W1 = np.random.rand(2, 2) and then W2 = np.random.rand(2, 1) after
    np.random.seed(0); a RandomState(0) gives the same numbers without touching numpy's
    global generator. The seed names no loss; we use its sibling's (y - t)^2.
    """
    rng = np.random.RandomState(0)
    W1 = rng.rand(2, 2)
    W2 = rng.rand(2, 1)
    net = Network([W1, W2], None, activations="sigmoid", loss="squared_error")
    return Example(
        "seed 001",
        net,
        np.array([1.0, 1.0]),
        np.array([1.0]),
        0.1,
        "2-2-1 sigmoid network without biases, weights from np.random.seed(0)",
    )


def seed_002():
    """1-1-1 network, sigmoid hidden unit, linear output, x = 1, t = 0, L = ½(y - t)^2."""
    net = Network(
        weights=[[[0.5]], [[-1.0]]],
        biases=[[0.0], [0.0]],
        activations=["sigmoid", "identity"],
        loss="half_squared_error",
    )
    return Example(
        "seed 002",
        net,
        np.array([1.0]),
        np.array([0.0]),
        0.01,
        "1-1-1 network: sigmoid hidden unit, linear output, ½(y - t)²",
    )


ALL = {"seed_000": seed_000, "seed_001": seed_001, "seed_002": seed_002}
