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
from .names import bias_key, parse_param_key, weight_key

# --------------------------------------------------------------------------- checking input


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def _as_float_array(value, name):
    """Numeric array-like -> float64 array; TypeError names the argument otherwise."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected a number or an array of numbers, got {_describe(value)}")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name}: expected a number or an array of numbers, got {_describe(value)}"
        ) from None
    return arr


def _check_finite(arr, name):
    if not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)].ravel()[0]
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name}: expected finite numbers, got {bad} at index {where}")


def _check_name(value, name, valid):
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {sorted(valid)}, got {_describe(value)}")
    if value not in valid:
        raise ValueError(f"{name}: unknown name {value!r}; valid names are {sorted(valid)}")


def check_lr(lr):
    """lr must be a positive finite number; returns it as a float."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)):
        raise TypeError(f"lr: expected a positive finite number, got {_describe(lr)}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: expected a positive finite number, got {lr}")
    return float(lr)


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
                f"weights: expected a non-empty list of 2-D arrays, got {_describe(weights)}"
            )
        ws = []
        for l, W in enumerate(weights):
            W = _as_float_array(W, f"weights[{l}]")
            if W.ndim != 2:
                raise ValueError(
                    f"weights[{l}]: expected a 2-D array (n_in, n_out), got shape {W.shape}"
                )
            if 0 in W.shape:
                raise ValueError(f"weights[{l}]: expected a non-empty array, got shape {W.shape}")
            _check_finite(W, f"weights[{l}]")
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
                    f"biases: expected None or a list of 1-D arrays, got {_describe(biases)}"
                )
            if len(biases) != len(ws):
                raise ValueError(
                    f"biases: expected {len(ws)} arrays (one per layer), got {len(biases)}"
                )
            bs = []
            for l, b in enumerate(biases):
                b = _as_float_array(b, f"biases[{l}]")
                if b.shape != (ws[l].shape[1],):
                    raise ValueError(
                        f"biases[{l}]: expected shape ({ws[l].shape[1]},) to match "
                        f"weights[{l}] of shape {ws[l].shape}, got shape {b.shape}"
                    )
                _check_finite(b, f"biases[{l}]")
                bs.append(_readonly(b))
            bs = tuple(bs)
        if isinstance(activations, str):
            activations = [activations] * len(ws)
        if not isinstance(activations, (list, tuple)):
            raise TypeError(
                f"activations: expected a name or a list of names, got {_describe(activations)}"
            )
        if len(activations) != len(ws):
            raise ValueError(
                f"activations: expected {len(ws)} names (one per layer), got {len(activations)}"
            )
        for l, act in enumerate(activations):
            _check_name(act, f"activations[{l}]", layers.ACTIVATIONS)
        _check_name(loss, "loss", layers.LOSSES)
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
                f"sizes: expected a list like [n_in, n_hidden, n_out], got {_describe(sizes)}"
            )
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise ValueError(f"sizes: expected positive whole numbers, got {list(sizes)}")
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
        value = _as_float_array(value, "value")
        if value.ndim != 0:
            raise ValueError(f"value: expected one number, got shape {value.shape}")
        _check_finite(value, "value")
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


def _prepare_x(net, x):
    """x: (n_in,) one sample, or (N, n_in) a batch -> (X: (N, n_in), is_batch)."""
    n_in = net.weights[0].shape[0]
    arr = _as_float_array(x, "x")
    if arr.ndim == 0 and n_in == 1:
        arr = arr.reshape(1)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"x: expected one sample of shape ({n_in},) or a batch of shape (N, {n_in}), "
            f"got shape {arr.shape}"
        )
    if arr.shape[-1] != n_in:
        raise ValueError(
            f"x: expected {n_in} features (the first layer has {n_in} inputs), "
            f"got {arr.shape[-1]} (x has shape {arr.shape})"
        )
    if arr.ndim == 2 and arr.shape[0] == 0:
        raise ValueError(f"x: expected at least one row, got shape {arr.shape}")
    _check_finite(arr, "x")
    return (arr, True) if arr.ndim == 2 else (arr.reshape(1, -1), False)


def _prepare_target(net, target, n_rows, is_batch):
    """target -> T: (N, n_out), float. Accepts the output's shape; for one output also a scalar
    per sample; for softmax_cross_entropy also integer class indices, one per sample."""
    n_out = net.weights[-1].shape[1]
    out_shape = (n_rows, n_out) if is_batch else (n_out,)
    per_sample = (n_rows,) if is_batch else ()
    arr = np.asarray(target) if not isinstance(target, (str, bytes)) else None
    if arr is not None and net.loss == "softmax_cross_entropy" and arr.shape == per_sample:
        if arr.dtype.kind in "iu":  # class indices
            if arr.min() < 0 or arr.max() >= n_out:
                raise ValueError(
                    f"target: expected class indices in 0..{n_out - 1}, got {arr.tolist()}"
                )
            T = np.zeros((n_rows, n_out))  # one-hot rows
            T[np.arange(n_rows), arr.reshape(-1)] = 1.0
            return T
    T = _as_float_array(target, "target")
    _check_finite(T, "target")  # before reshaping, so that the index is the caller's
    if T.shape == out_shape:
        T = T.reshape(n_rows, n_out)
    elif n_out == 1 and T.shape == per_sample:
        T = T.reshape(n_rows, 1)
    else:
        extra = " or integer class indices of shape " + str(per_sample) if (
            net.loss == "softmax_cross_entropy"
        ) else ""
        alt = f" or {per_sample}" if n_out == 1 else ""
        raise ValueError(
            f"target: expected shape {out_shape}{alt}{extra} to match the output, "
            f"got shape {T.shape}"
        )
    if net.loss in layers.LOSS_NEEDS_ACTIVATION and (T.min() < 0 or T.max() > 1):
        raise ValueError(
            f"target: {net.loss} expects targets between 0 and 1, got values from "
            f"{T.min()} to {T.max()}"
        )
    if net.loss == "softmax_cross_entropy" and np.abs(T.sum(axis=-1) - 1.0).max() > 1e-6:
        bad_rows = np.flatnonzero(np.abs(T.sum(axis=-1) - 1.0) > 1e-6)
        raise ValueError(
            f"target: {net.loss} expects each row to sum to 1 (one-hot or probabilities), "
            f"got row {bad_rows[0]} summing to {T[bad_rows[0]].sum()} "
            f"({len(bad_rows)} such row{'s' if len(bad_rows) > 1 else ''})"
        )
    return T


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
        raise TypeError(f"net: expected a Network, got {_describe(net)}")
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype: expected np.float64 or np.float32, got {dtype!r}")
    X, is_batch = _prepare_x(net, x)
    T = _prepare_target(net, target, len(X), is_batch)
    weights, biases = net.weights, net.biases or (None,) * len(net.weights)
    if dtype is not np.float64:  # round everything to float32 first
        X, T = X.astype(dtype), T.astype(dtype)
        weights = [W.astype(dtype) for W in weights]
        biases = [b if b is None else b.astype(dtype) for b in biases]
    a, zs, as_, caches = X, [], [], []
    for l, (W, b) in enumerate(zip(weights, biases)):
        z, dense_cache = layers.dense_forward(a, W, b)
        act_forward, _ = layers.ACTIVATIONS[net.activations[l]]
        a, act_cache = act_forward(z)
        zs.append(z)
        as_.append(a)
        caches.append((dense_cache, act_cache))
    loss_forward, _, takes = layers.LOSSES[net.loss]
    loss, loss_cache = loss_forward(zs[-1] if takes == "logits" else as_[-1], T)
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
        raise TypeError(f"net: expected a Network, got {_describe(net)}")
    if not isinstance(trace, Trace):
        raise TypeError(f"trace: expected the Trace that forward() returned, got {_describe(trace)}")
    traced_net, caches, loss_cache, as_ = trace._caches
    if traced_net is not net:
        raise ValueError(
            "trace: expected a trace of this network (from forward(net, x, target)), "
            "got one of another network"
        )
    _, loss_backward, takes = layers.LOSSES[net.loss]
    d_loss_input = loss_backward(1.0, loss_cache)
    L = len(net.weights)
    dWs, dbs, das, dzs = [None] * L, [None] * L, [None] * L, [None] * L
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
        raise TypeError(f"net: expected a Network, got {_describe(net)}")
    if not isinstance(grads, Grads):
        raise TypeError(f"grads: expected the Grads that backward() returned, got {_describe(grads)}")
    lr = check_lr(lr)
    if [g.shape for g in grads.weights] != [W.shape for W in net.weights] or (
        (grads.biases is None) != (net.biases is None)
    ):
        raise ValueError("grads: expected gradients of this network, got ones of another network")
    ws = [W - lr * dW for W, dW in zip(net.weights, grads.weights)]
    bs = [b - lr * db for b, db in zip(net.biases, grads.biases)] if net.biases is not None else None
    return net.replace(weights=ws, biases=bs)
