"""The network, its forward and backward passes, and one SGD step.

The data flows one way: a ``Network`` (parameters) -> ``forward`` -> ``Trace`` (every
intermediate) -> ``backward`` -> ``Grads`` (every gradient) -> views. A Network is immutable:
``sgd_step`` returns a new one, so no later cell can silently use weights that an earlier cell
updated in place (the trap of seed 000).

Lists are 0-based (``trace.z[0]`` is z^1 of the maths); the attributes ``trace.z1``,
``grads.dL_dW1`` and so on give the same arrays under their 1-based mathematical names.
"""

import re
from dataclasses import dataclass

import numpy as np

from . import layers
from .checks import (
    as_bool,
    as_choice,
    as_float_array,
    as_inputs,
    as_lr,
    as_seed,
    as_targets,
    check_finite,
    check_overflow,
    describe,
)
from .names import bias_key, parse_param_key, weight_key

MAX_UNITS = 100_000  # per layer, for Network.random: beyond it the weights would not fit in memory
_TOO_LARGE = "scale x (and the targets) down, or use smaller weights"

# --------------------------------------------------------------------------- the network


def _readonly(arr):
    arr = np.array(arr, dtype=float)  # always a copy: the caller's array stays theirs
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Network:
    """An immutable fully connected network.

    weights: tuple of L arrays, W^l of shape (n_(l-1), n_l).
    biases: tuple of L arrays of shape (n_l,), or None for a network without biases (seed 001).
    activations: tuple of L names, from ``layers.ACTIVATIONS``.
    loss: a name from ``layers.LOSSES``.
    Construct it with ``Network(weights, biases=None, activations="sigmoid", loss=...)``:
    ``activations`` may be one name for every layer or a list with one name per layer.
    """

    weights: tuple
    biases: tuple | None
    activations: tuple
    loss: str

    def __init__(self, weights, biases=None, activations="sigmoid", loss="squared_error"):
        if not isinstance(weights, (list, tuple)) or len(weights) == 0:
            raise TypeError(
                f"weights: expected a non-empty list of 2-D arrays, got {describe(weights)}"
            )
        ws = []
        for l, W in enumerate(weights):
            W = as_float_array(W, f"weights[{l}]", finite=False)
            if W.ndim != 2:
                raise ValueError(
                    f"weights[{l}]: expected a 2-D array (n_in, n_out), got shape {W.shape}"
                )
            if 0 in W.shape:
                raise ValueError(f"weights[{l}]: expected a non-empty array, got shape {W.shape}")
            check_finite(W, f"weights[{l}]")
            if l > 0 and W.shape[0] != ws[-1].shape[1]:
                raise ValueError(
                    f"weights[{l}]: shapes do not chain: weights[{l - 1}] has shape "
                    f"{ws[-1].shape}, so weights[{l}] needs {ws[-1].shape[1]} rows, "
                    f"got shape {W.shape}"
                )
            ws.append(_readonly(W))
        bs = None
        if biases is not None:
            if not isinstance(biases, (list, tuple)):
                raise TypeError(
                    f"biases: expected None or a list of 1-D arrays, got {describe(biases)}"
                )
            if len(biases) != len(ws):
                raise ValueError(
                    f"biases: expected {len(ws)} arrays (one per layer), got {len(biases)}"
                )
            bs = []
            for l, b in enumerate(biases):
                b = as_float_array(b, f"biases[{l}]", finite=False)
                if b.shape != (ws[l].shape[1],):
                    raise ValueError(
                        f"biases[{l}]: expected shape ({ws[l].shape[1]},) to match "
                        f"weights[{l}] of shape {ws[l].shape}, got shape {b.shape}"
                    )
                check_finite(b, f"biases[{l}]")
                bs.append(_readonly(b))
            bs = tuple(bs)
        if isinstance(activations, str):
            activations = [activations] * len(ws)
        if not isinstance(activations, (list, tuple)):
            raise TypeError(
                f"activations: expected a name or a list of names, got {describe(activations)}"
            )
        if len(activations) != len(ws):
            raise ValueError(
                f"activations: expected {len(ws)} names (one per layer), got {len(activations)}"
            )
        for l, act in enumerate(activations):
            as_choice(act, f"activations[{l}]", layers.ACTIVATIONS)
        as_choice(loss, "loss", layers.LOSSES)
        needed = layers.LOSS_NEEDS_ACTIVATION.get(loss)
        if needed is not None and activations[-1] != needed:
            raise ValueError(
                f"activations[{len(ws) - 1}]: loss {loss!r} needs the last layer's activation "
                f"to be {needed!r}, got {activations[-1]!r}"
            )
        object.__setattr__(self, "weights", tuple(ws))
        object.__setattr__(self, "biases", bs)
        object.__setattr__(self, "activations", tuple(activations))
        object.__setattr__(self, "loss", loss)

    # ---------------------------------------------------------------- construction helpers

    @classmethod
    def random(cls, sizes, activations="sigmoid", loss="squared_error", seed=0, biases=True):
        """A reproducible random network with layer sizes ``sizes`` = [n_in, n_1, ..., n_out].

        Weights are drawn from N(0, 1/n_in) (Xavier/LeCun scaling, which keeps z of order 1),
        biases from N(0, 0.1^2) so that a bias's gradient is exercised too.
        """
        if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
            raise TypeError(
                f"sizes: expected a list like [n_in, n_hidden, n_out], got {describe(sizes)}"
            )
        for n in sizes:
            if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or not (
                1 <= n <= MAX_UNITS
            ):
                raise ValueError(
                    f"sizes: expected positive whole numbers up to {MAX_UNITS}, got {list(sizes)}"
                )
        seed = as_seed(seed)
        biases = as_bool(biases, "biases")
        rng = np.random.default_rng(seed)
        ws = [rng.normal(0.0, 1.0 / np.sqrt(m), size=(m, n)) for m, n in zip(sizes, sizes[1:])]
        bs = [rng.normal(0.0, 0.1, size=n) for n in sizes[1:]] if biases else None
        return cls(ws, bs, activations=activations, loss=loss)

    def replace(self, weights=None, biases=None, activations=None, loss=None):
        """A copy with some fields changed (None keeps the current value)."""
        return Network(
            self.weights if weights is None else weights,
            self.biases if biases is None else biases,
            self.activations if activations is None else activations,
            self.loss if loss is None else loss,
        )

    # ---------------------------------------------------------------- scalar parameters

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
            keys += [weight_key(l, i + 1, j + 1) for i in range(W.shape[0]) for j in range(W.shape[1])]
            if self.biases is not None:
                keys += [bias_key(l, j + 1) for j in range(W.shape[1])]
        return keys

    def _locate(self, key):
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
        kind, l, index = self._locate(key)
        return float((self.weights if kind == "w" else self.biases)[l][index])

    def set(self, key, value):
        """A new Network with one scalar parameter changed; this one is unchanged."""
        kind, l, index = self._locate(key)
        value = as_float_array(value, "value", finite=False)
        if value.ndim != 0:
            raise ValueError(f"value: expected one number, got shape {value.shape}")
        check_finite(value, "value")
        arrays = [np.array(a) for a in (self.weights if kind == "w" else self.biases)]
        arrays[l][index] = value
        if kind == "w":
            return self.replace(weights=arrays)
        return self.replace(biases=arrays)

    def params(self):
        """{key: value} for every scalar parameter, in the order of ``param_keys``."""
        return flatten_by_key(self, self.weights, self.biases)

    def __repr__(self):
        bias = "with biases" if self.biases is not None else "without biases"
        acts = ", ".join(self.activations)
        return (
            f"Network(sizes={self.sizes}, activations=[{acts}], loss={self.loss!r}, {bias}, "
            f"{self.n_params} parameters)"
        )


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


# --------------------------------------------------------------------------- forward


class _MathNames:
    """Gives ``obj.z1`` for ``obj.z[0]``, ``obj.dL_dW2`` for ``obj.weights[1]``, and so on."""

    _ALIASES = {}  # prefix -> attribute holding the 0-based list

    def __getattr__(self, name):
        m = re.fullmatch(r"([A-Za-z_]+?)(\d+)", name)
        if m and m.group(1) in self._ALIASES:
            seq = getattr(self, self._ALIASES[m.group(1)])
            l = int(m.group(2))
            if seq is not None and 1 <= l <= len(seq):
                return seq[l - 1]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


def _freeze(*arrays):
    """Make freshly computed arrays read-only, so that a trace or gradients cannot be changed
    behind backward's back. Views of them (``arr[0]`` below) are read-only too."""
    for arr in arrays:
        arr.setflags(write=False)


def _rows(arr, is_batch):
    """The user's shape: (N, k) for a batch, (k,) for one sample."""
    return arr if is_batch else arr[0]


def _rows_each(arrays, is_batch):
    return tuple(arrays) if is_batch else tuple([arr[0] for arr in arrays])


@dataclass(frozen=True, eq=False)
class Trace(_MathNames):
    """Every intermediate of one forward pass.

    x: (D,) or (N, D); z[l], a[l]: (n_(l+1),) or (N, n_(l+1)) for layer l+1 of the maths;
    output: the last a; target: the target as the loss saw it, shaped like output;
    loss: a float (the mean over the batch). ``trace.z1`` is ``trace.z[0]``, and so on.
    """

    x: np.ndarray
    z: tuple
    a: tuple
    output: np.ndarray
    target: np.ndarray
    loss: float
    is_batch: bool
    _caches: tuple  # what backward needs: dense, activation and loss caches
    _ALIASES = {"z": "z", "a": "a"}


def forward(net, x, target, dtype=np.float64):
    """Run the network on ``x`` and score it against ``target``; return a Trace.

    dtype: the floating-point type to compute in; np.float32 shows single precision's rounding
    (the parameters, x and target are rounded to it first).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {describe(net)}")
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype: expected np.float64 or np.float32, got {dtype!r}")
    X, is_batch = as_inputs(net, x)
    T = as_targets(net, target, len(X), is_batch)
    weights, biases = net.weights, net.biases or (None,) * len(net.weights)
    if dtype is not np.float64:  # round everything to float32 first
        X, T = X.astype(dtype), T.astype(dtype)
        weights = [W.astype(dtype) for W in weights]
        biases = [b if b is None else b.astype(dtype) for b in biases]
    a, zs, as_, caches = X, [], [], []
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        for l, (W, b) in enumerate(zip(weights, biases)):
            z, dense_cache = layers.dense_forward(a, W, b)
            check_overflow(z, f"z of layer {l + 1}", _TOO_LARGE)
            act_forward, _ = layers.ACTIVATIONS[net.activations[l]]
            a, act_cache = act_forward(z)
            zs.append(z)
            as_.append(a)
            caches.append((dense_cache, act_cache))
        loss_forward, _, takes = layers.LOSSES[net.loss]
        loss, loss_cache = loss_forward(zs[-1] if takes == "logits" else as_[-1], T)
    check_overflow(loss, "the loss", _TOO_LARGE)
    _freeze(X, T, *zs, *as_)
    return Trace(
        x=_rows(X, is_batch),
        z=_rows_each(zs, is_batch),
        a=_rows_each(as_, is_batch),
        output=_rows(as_[-1], is_batch),
        target=_rows(T, is_batch),
        loss=loss,
        is_batch=is_batch,
        _caches=(net, tuple(caches), loss_cache, tuple(as_)),
    )


# --------------------------------------------------------------------------- backward


@dataclass(frozen=True, eq=False)
class Grads(_MathNames):
    """Every gradient of one backward pass, shaped like what it is the gradient of.

    weights[l]: dL/dW^(l+1), shaped like net.weights[l]; biases[l]: dL/db^(l+1), or None for a
    network without biases; dL_dy: dL/dy, shaped like trace.output; dL_da[l], dL_dz[l]: dL/da
    and dL/dz of layer l+1, shaped like trace.a[l]; dL_dx: dL/dx, shaped like trace.x.
    Math names: ``grads.dL_dW1``, ``grads.dL_db2``, ``grads.dL_dz1``, ``grads.dL_da1``.
    """

    weights: tuple
    biases: tuple | None
    dL_dy: np.ndarray
    dL_da: tuple
    dL_dz: tuple
    dL_dx: np.ndarray
    _ALIASES = {"dL_dW": "weights", "dL_db": "biases", "dL_da": "dL_da", "dL_dz": "dL_dz"}


def _dL_dy_for_logit_losses(net, trace, dz_last):
    """dL/dy when the loss was computed from the logits (fused for stability).

    softmax CE sits on an identity output, so dL/dy = dL/dz. BCE sits on y = sigmoid(z), so
    dL/dy = dL/dz / (y (1 - y)); where y rounds to 0 or 1 that quotient is unbounded, and we
    clamp the denominator at 1e-12 as torch's BCELoss does, to stay finite.
    """
    if net.loss == "softmax_cross_entropy":
        return dz_last
    y = trace._caches[3][-1]
    return dz_last / np.maximum(y * (1.0 - y), 1e-12)


def backward(net, trace):
    """Backpropagate through the trace of ``forward(net, x, target)``; return Grads."""
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {describe(net)}")
    if not isinstance(trace, Trace):
        raise TypeError(f"trace: expected the Trace that forward() returned, got {describe(trace)}")
    traced_net, caches, loss_cache, as_ = trace._caches
    if traced_net is not net:
        raise ValueError(
            "trace: expected a trace of this network (from forward(net, x, target)), "
            "got one of another network"
        )
    _, loss_backward, takes = layers.LOSSES[net.loss]
    L = len(net.weights)
    dWs, dbs, das, dzs = [None] * L, [None] * L, [None] * L, [None] * L
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        d_loss_input = loss_backward(1.0, loss_cache)
        if takes == "logits":
            dzs[-1] = d_loss_input
            das[-1] = _dL_dy_for_logit_losses(net, trace, d_loss_input)
        else:
            das[-1] = d_loss_input
        for l in reversed(range(L)):
            dense_cache, act_cache = caches[l]
            if dzs[l] is None:
                _, act_backward = layers.ACTIVATIONS[net.activations[l]]
                dzs[l] = act_backward(das[l], act_cache)
            da_prev, dWs[l], dbs[l] = layers.dense_backward(dzs[l], dense_cache)
            for what, arr in (("dL/dz", dzs[l]), ("dL/dW", dWs[l]), ("dL/da", da_prev)):
                check_overflow(arr, f"{what} of layer {l + 1}", _TOO_LARGE)
            if l > 0:
                das[l - 1] = da_prev
    _freeze(*dWs, *dbs, *das, *dzs, da_prev)
    b = trace.is_batch
    return Grads(
        weights=tuple(dWs),
        biases=tuple(dbs) if net.biases is not None else None,
        dL_dy=_rows(das[-1], b),
        dL_da=_rows_each(das, b),
        dL_dz=_rows_each(dzs, b),
        dL_dx=_rows(da_prev, b),
    )


def sgd_step(net, grads, lr):
    """One step of gradient descent, W <- W - lr * dL/dW: returns a new Network.

    ``net`` is unchanged (it is immutable): keep it if you want to compare before and after.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {describe(net)}")
    if not isinstance(grads, Grads):
        raise TypeError(f"grads: expected the Grads that backward() returned, got {describe(grads)}")
    lr = as_lr(lr)
    if [g.shape for g in grads.weights] != [W.shape for W in net.weights] or (
        (grads.biases is None) != (net.biases is None)
    ):
        raise ValueError("grads: expected gradients of this network, got ones of another network")
    ws = [W - lr * dW for W, dW in zip(net.weights, grads.weights)]
    bs = [b - lr * db for b, db in zip(net.biases, grads.biases)] if net.biases is not None else None
    return net.replace(weights=ws, biases=bs)
