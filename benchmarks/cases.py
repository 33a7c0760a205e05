"""The networks and inputs that figures 1 and 2 time.

* the three seed networks of the course (``examples.seed_000/001/002``), each at its one sample;
* a 64-32-10 network (sigmoid hidden layer, softmax cross-entropy on the logits: the digits
  network of notebook 05) at batch 1 (one sample of shape (64,)), 32 and 256, with random
  inputs and one-hot targets from a fixed seed.
"""

from dataclasses import dataclass

import numpy as np

import backprop_lib as bp
from backprop_lib import examples


@dataclass(frozen=True)
class Case:
    name: str  # 'seed_000 (2-2-1)'
    net: bp.Network
    x: np.ndarray  # (D,) one sample, or (N, D)
    target: np.ndarray  # shaped like the output
    batch: int  # 1 for one sample

    @property
    def one_sample(self):
        return self.x.ndim == 1


def _sizes(net):
    return "-".join(map(str, net.sizes))


def seed_cases():
    out = []
    for key, make in examples.ALL.items():
        ex = make()
        x = np.asarray(ex.x, dtype=float)
        t = np.asarray(ex.target, dtype=float)
        out.append(Case(f"{key} ({_sizes(ex.net)})", ex.net, x, t, 1))
    return out


def digits_net():
    return bp.Network.random(
        [64, 32, 10], activations=["sigmoid", "identity"], loss="softmax_cross_entropy"
    )


def digits_case(batch, seed=0):
    net = digits_net()
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, 64))
    T = np.eye(10)[rng.integers(0, 10, size=batch)]
    if batch == 1:  # one sample, shaped like the seeds' x: (64,) and (10,)
        X, T = X[0], T[0]
    return Case(f"{_sizes(net)}", net, X, T, batch)


def call_cases():
    """Figure 1: the seeds, then 64-32-10 at batch 1, 32 and 256."""
    return seed_cases() + [digits_case(n) for n in (1, 32, 256)]


def gradcheck_cases():
    """Figure 2: the seeds and 64-32-10 at one sample (P = 2410)."""
    return seed_cases() + [digits_case(1)]
