"""Arrays shaped like a network's parameters: the parameters, their gradients (backprop's,
numeric ones, ones under test), each scalar addressed by its key ('w1_2_1', 'b2_1').

``ParamArrays`` is the one class for them: ``Network``, ``Grads``, ``NumericGrads`` and
``bugclinic.Suspect`` build on it (``torch_bridge``'s TorchParams and TorchResult can too).
``flatten_by_key`` turns any such pair of lists into {'w1_2_1': value, ...}.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from .checks import as_network, as_number, as_scalar, describe
from .names import bias_key, parse_param_key, weight_key


def flatten_by_key(net, weights, biases, name="grads"):
    """{key: float} of arrays shaped like net's parameters (its gradients, say), keyed and
    ordered like ``net.param_keys()``."""
    shapes = [W.shape for W in net.weights]
    if (
        [np.shape(w) for w in weights] != shapes
        or (biases is None) != (net.biases is None)
        or (biases is not None and [np.shape(b) for b in biases] != [b.shape for b in net.biases])
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

    @property
    def sizes(self):
        """[n_in, n_1, ..., n_out]."""
        return [self.weights[0].shape[0]] + [W.shape[1] for W in self.weights]

    @property
    def n_params(self):
        return sum(W.size for W in self.weights) + sum(b.size for b in self.biases or ())

    def param_keys(self):
        """Every scalar parameter's key, layer by layer: w1_1_1, w1_1_2, ..., b1_1, ..., w2_..."""
        keys = []
        for l, W in enumerate(self.weights, start=1):
            keys += [
                weight_key(l, i + 1, j + 1) for i in range(W.shape[0]) for j in range(W.shape[1])
            ]
            if self.biases is not None:
                keys += [bias_key(l, j + 1) for j in range(W.shape[1])]
        return keys

    def locate(self, key):
        """'w1_2_1' -> ('w', 0, (1, 0)): the kind, the 0-based layer and the array index."""
        kind, layer, *idx = parse_param_key(key)
        ok = 1 <= layer <= len(self.weights)
        if ok and kind == "w":
            arr, index = self.weights[layer - 1], (idx[0] - 1, idx[1] - 1)
        elif ok and kind == "b" and self.biases is not None:
            arr, index = self.biases[layer - 1], (idx[0] - 1,)
        else:
            arr, index = None, None
        if arr is None or not all(0 <= i < n for i, n in zip(index, arr.shape)):
            raise ValueError(
                f"key: this network has no parameter {key!r}; it has {self.param_keys()}"
            )
        return kind, layer - 1, index

    def get(self, key):
        """The value of one scalar parameter, e.g. ``net.get('w1_2_1')``."""
        kind, l, index = self.locate(key)
        return float((self.weights if kind == "w" else self.biases)[l][index])

    def set(self, key, value):
        """A copy with one scalar parameter changed, e.g. ``net.set('w1_2_1', 0.3)``."""
        kind, l, index = self.locate(key)
        with np.errstate(over="ignore"):  # a longdouble beyond float64 is refused by name
            value = as_scalar(value, "value")
        which = "weights" if kind == "w" else "biases"
        arrays = [np.array(a) for a in getattr(self, which)]
        arrays[l][index] = value
        return dataclasses.replace(self, **{which: tuple(arrays)})

    def params(self):
        """{key: value} for every scalar parameter, in the order of ``param_keys``."""
        return flatten_by_key(self, self.weights, self.biases)

    @classmethod
    def from_keys(cls, net, values):
        """Build from {parameter key: value}, e.g. {'w1_1_1': -0.0164, ...}; every key needed."""
        as_network(net)
        extra = [f.name for f in dataclasses.fields(cls) if f.name not in ("weights", "biases")]
        if extra and not isinstance(net, cls):  # Grads: its dL_dy, dL_da, ... come from backward
            raise TypeError(
                f"{cls.__name__}.from_keys: a {cls.__name__} also holds {', '.join(extra)}, which "
                "{key: value} cannot give; build gradients with NumericGrads.from_keys or "
                "bugclinic.Suspect.from_keys"
            )
        if not isinstance(values, dict):
            raise TypeError(
                f"values: expected a dict {{parameter key: value}}, got {describe(values)}"
            )
        missing = [k for k in net.param_keys() if k not in values]
        if missing:
            raise ValueError(f"values: expected a value for every parameter, missing {missing}")
        ws = [np.zeros(W.shape) for W in net.weights]
        bs = [np.zeros(b.shape) for b in net.biases] if net.biases is not None else None
        for key, v in values.items():
            kind, l, index = net.locate(key)
            (ws if kind == "w" else bs)[l][index] = as_number(v, f"values[{key!r}]")
        return cls(tuple(ws), tuple(bs) if bs is not None else None)

    def flat(self, net, name="grads"):
        """{key: float} for every parameter of ``net``, in the order of ``net.param_keys()``."""
        return flatten_by_key(as_network(net), self.weights, self.biases, name)

    def value(self, net, key, name="values"):
        """The value for one parameter key of ``net``."""
        as_network(net).locate(key)  # a clear error for a key the network does not have
        return self.flat(net, name)[key]
