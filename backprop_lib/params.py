"""Arrays shaped like a network's parameters: its gradients, numeric ones, ones under test.

``ParamArrays`` is the one class for them (``Grads``, ``NumericGrads`` and ``Suspect`` build on
it); ``flatten_by_key`` turns any such pair of lists into {'w1_2_1': value, ...}.
"""

from dataclasses import dataclass

import numpy as np

from .names import bias_key, weight_key


def flatten_by_key(net, weights, biases, name="grads"):
    """{key: float} of arrays shaped like net's parameters (its gradients, say), keyed and
    ordered like ``net.param_keys()``."""
    shapes = [W.shape for W in net.weights]
    if [np.shape(w) for w in weights] != shapes or (biases is None) != (net.biases is None) or (
        biases is not None and [np.shape(b) for b in biases] != [b.shape for b in net.biases]
    ):
        raise ValueError(f"{name}: expected arrays shaped like the network's parameters")
    out = {}
    for l, W in enumerate(weights, start=1):
        W = np.asarray(W)
        out.update({weight_key(l, i + 1, j + 1): float(W[i, j]) for i, j in np.ndindex(W.shape)})
        if biases is not None:
            out.update({bias_key(l, j + 1): float(v) for j, v in enumerate(biases[l - 1])})
    return out


@dataclass(frozen=True, eq=False)
class ParamArrays:
    """Arrays shaped like a network's parameters (gradients, numeric or under test):
    weights[l] like net.weights[l]; biases like net.biases (None for a network without)."""

    weights: tuple
    biases: tuple | None

    @classmethod
    def from_keys(cls, net, values):
        """Build from {parameter key: value}, e.g. {'w1_1_1': -0.0164, ...}; every key needed."""
        missing = [k for k in net.param_keys() if k not in values]
        if missing:
            raise ValueError(f"values: expected a value for every parameter, missing {missing}")
        ws = [np.zeros(W.shape) for W in net.weights]
        bs = [np.zeros(b.shape) for b in net.biases] if net.biases is not None else None
        for key, v in values.items():
            kind, l, index = net.locate(key)
            (ws if kind == "w" else bs)[l][index] = v
        return cls(tuple(ws), tuple(bs) if bs is not None else None)

    def flat(self, net, name="grads"):
        """{key: float} for every parameter of ``net``, in the order of ``net.param_keys()``."""
        return flatten_by_key(net, self.weights, self.biases, name)

    def value(self, net, key, name="values"):
        """The value for one parameter key of ``net``."""
        return self.flat(net, name)[key]
