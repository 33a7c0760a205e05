"""The network, its forward and backward passes, and one SGD step.

The data flows one way: ``Network`` (parameters) -> ``forward`` -> ``Trace`` (every
intermediate) -> ``backward`` -> ``Grads`` (every gradient) -> views. A Network is immutable:
``sgd_step`` returns a new one, so no cell can use weights an earlier cell updated in place (the
trap of seed 000). Lists are 0-based (``trace.z[0]`` is z^1); ``trace.z1``, ``grads.dL_dW1``
and so on are the same arrays under their 1-based mathematical names.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import checks, layers
from .names import MathNames
from .params import ParamArrays, flatten_by_key  # noqa: F401 (flatten_by_key: old callers)

MAX_UNITS = 100_000  # per layer, for Network.random: beyond it the weights would not fit in memory
MAX_WEIGHTS = 10**8  # in all, for Network.random: 0.8 GB of float64 (two 100,000 layers need 80 GB)
_TOO_LARGE = "scale x (and the targets) down, or use smaller weights"

# --------------------------------------------------------------------------- the network


def _freeze(*arrays):
    """Make new arrays read-only (and so their views), so none can change behind backward."""
    for arr in arrays:
        if arr is not None:
            arr.setflags(write=False)


@dataclass(frozen=True, eq=False)
class Network(ParamArrays):
    """An immutable fully connected network.

    weights: tuple of L arrays, W^l of shape (n_(l-1), n_l).
    biases: tuple of L arrays of shape (n_l,), or None for a network without biases (seed 001).
    activations: tuple of L names from ``layers.ACTIVATIONS`` (give one name for every layer, or
    a list with one per layer); loss: a name from ``layers.LOSSES``. The scalar parameters by
    key (``param_keys``, ``get``, ``set``, ``params``) come from ParamArrays.
    """

    activations: tuple
    loss: str

    def __init__(self, weights, biases=None, activations="sigmoid", loss="squared_error"):
        with np.errstate(over="ignore"):  # a longdouble beyond float64: refused by name, no warning
            ws = checks.as_weights(weights)  # new arrays: the caller's stay theirs
            bs = checks.as_biases(biases, ws)
        _freeze(*ws, *(bs or ()))
        object.__setattr__(self, "weights", tuple(ws))
        object.__setattr__(self, "biases", None if bs is None else tuple(bs))
        object.__setattr__(self, "activations", checks.as_activations(activations, len(ws), loss))
        object.__setattr__(self, "loss", loss)

    # ---------------------------------------------------------------- construction helpers

    @classmethod
    def random(cls, sizes, activations="sigmoid", loss="squared_error", seed=0, biases=True):
        """A reproducible random network with layer sizes ``sizes`` = [n_in, n_1, ..., n_out].

        Weights are drawn from N(0, 1/n_in) (Xavier/LeCun scaling, which keeps z of order 1),
        biases from N(0, 0.1^2) so that a bias's gradient is exercised too.
        """
        sizes = checks.as_sizes(sizes, MAX_UNITS)
        if (n := sum(m * k for m, k in zip(sizes, sizes[1:]))) > MAX_WEIGHTS:
            raise ValueError(
                f"sizes: expected at most {MAX_WEIGHTS:,} weights, got {sizes} with {n:,}"
            )
        seed = checks.as_seed(seed)
        biases = checks.as_bool(biases, "biases")
        rng = np.random.default_rng(seed)
        ws = [rng.normal(0.0, 1.0 / np.sqrt(m), size=(m, n)) for m, n in zip(sizes, sizes[1:])]
        bs = [rng.normal(0.0, 0.1, size=n) for n in sizes[1:]] if biases else None
        return cls(ws, bs, activations=activations, loss=loss)

    def replace(self, weights=None, biases=None, activations=None, loss=None):
        """A copy with some fields changed (None keeps the current value)."""
        new = dict(weights=weights, biases=biases, activations=activations, loss=loss)
        return dataclasses.replace(self, **{k: v for k, v in new.items() if v is not None})

    def __repr__(self):
        bias = "with biases" if self.biases is not None else "without biases"
        acts = ", ".join(self.activations)
        return (
            f"Network(sizes={self.sizes}, activations=[{acts}], loss={self.loss!r}, {bias}, "
            f"{self.n_params} parameters)"
        )


# --------------------------------------------------------------------------- forward


def _rows(arr, is_batch):
    """The user's shape: (N, k) for a batch, (k,) for one sample."""
    return arr if arr is None or is_batch else arr[0]


class LayerCache(NamedTuple):
    """What backward needs of one layer, as ``layers`` returned it: (N, k) arrays, not copies."""

    dense: tuple  # the dense layer's cache: (its input, W)
    activation: object  # the activation's: a, z or None


@dataclass(frozen=True, eq=False)
class Trace(MathNames):
    """Every intermediate of one forward pass: (k,) arrays for one sample, (N, k) for a batch."""

    x: np.ndarray  # (D,) or (N, D)
    z: tuple  # z[l]: (n_(l+1),) or (N, n_(l+1)), layer l+1 of the maths
    a: tuple  # a[l], shaped like z[l]
    output: np.ndarray  # the last a
    target: np.ndarray | None  # as the loss saw it, shaped like output (None: no target given)
    loss: float | None  # the mean over the batch (None without a target)
    is_batch: bool
    net: Network = field(repr=False)  # for backward: the network traced,
    caches: tuple = field(repr=False)  # one LayerCache per layer,
    loss_cache: object = field(repr=False)  # and what the loss's backward needs
    _ALIASES = {"z": "z", "a": "a"}


NO_TARGET = object()  # forward's default: predict only (None stays an error, as any bad target)


def forward(net, x, target=NO_TARGET, dtype=np.float64):
    """Run the network on ``x`` and, given a ``target``, score it; return a Trace.

    Without a target, ``forward(net, x)`` predicts: the trace has no target and no loss (both
    None), and ``backward`` refuses it.
    dtype: the floating-point type to compute in; np.float32 shows single precision's rounding
    (the parameters, x and target are rounded to it first).
    """
    checks.as_network(net)
    dtype = checks.as_float_dtype(dtype)
    X, is_batch = checks.as_inputs(net, x)
    T = None if target is NO_TARGET else checks.as_targets(net, target, len(X), is_batch)
    weights, biases = net.weights, net.biases or (None,) * len(net.weights)
    if dtype is not np.float64:  # round everything to float32 first
        X, T = checks.to_dtype(X, dtype, "x"), checks.to_dtype(T, dtype, "target")
        weights = [checks.to_dtype(W, dtype, f"weights[{l}]") for l, W in enumerate(weights)]
        biases = [checks.to_dtype(b, dtype, f"biases[{l}]") for l, b in enumerate(biases)]
    a, zs, as_, caches = X, [], [], []
    loss = loss_cache = None
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        for l, (W, b) in enumerate(zip(weights, biases)):
            z, dense_cache = layers.dense_forward(a, W, b)
            checks.check_overflow(z, f"z of layer {l + 1}", _TOO_LARGE)
            a, act_cache = layers.ACTIVATIONS[net.activations[l]].forward(z)
            zs.append(z)
            as_.append(a)
            caches.append(LayerCache(dense_cache, act_cache))
        if T is not None:
            rule = layers.LOSSES[net.loss]
            loss, loss_cache = rule.forward(zs[-1] if rule.takes == "logits" else a, T)
            checks.check_overflow(loss, "the loss", _TOO_LARGE, dtype)
    _freeze(X, T, *zs, *as_)
    return Trace(
        x=_rows(X, is_batch),
        z=tuple(_rows(z, is_batch) for z in zs),
        a=tuple(_rows(a, is_batch) for a in as_),
        output=_rows(as_[-1], is_batch),
        target=_rows(T, is_batch),
        loss=loss,
        is_batch=is_batch,
        net=net,
        caches=tuple(caches),
        loss_cache=loss_cache,
    )


# --------------------------------------------------------------------------- backward


@dataclass(frozen=True, eq=False)
class Grads(ParamArrays, MathNames):
    """Every gradient of one backward pass, shaped like what it is the gradient of:
    weights[l] is dL/dW^(l+1), shaped like net.weights[l]; biases[l] is dL/db^(l+1) (None for a
    network without biases)."""

    dL_dy: np.ndarray  # shaped like trace.output
    dL_da: tuple  # dL_da[l]: dL/da of layer l+1, shaped like trace.a[l]
    dL_dz: tuple  # dL_dz[l], the same for z
    dL_dx: np.ndarray  # shaped like trace.x
    _ALIASES = {"dL_dW": "weights", "dL_db": "biases", "dL_da": "dL_da", "dL_dz": "dL_dz"}


def backward(net, trace):
    """Backpropagate through the trace of ``forward(net, x, target)``; return Grads."""
    checks.as_network(net)
    checks.as_trace(trace, net)
    rule = layers.LOSSES[net.loss]
    L = len(net.weights)
    dWs, dbs, das, dzs = [None] * L, [None] * L, [None] * L, [None] * L
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        d_loss_input = rule.backward(1.0, trace.loss_cache)
        if rule.takes == "logits":  # fused with the last activation, for stability
            dzs[-1], das[-1] = d_loss_input, rule.dL_dy(d_loss_input, trace.loss_cache)
        else:
            das[-1] = d_loss_input
        for l in reversed(range(L)):
            dense_cache, act_cache = trace.caches[l]
            if dzs[l] is None:
                dzs[l] = layers.ACTIVATIONS[net.activations[l]].backward(das[l], act_cache)
            da_prev, dWs[l], dbs[l] = layers.dense_backward(dzs[l], dense_cache)
            for what, arr in (("dL/dz", dzs[l]), ("dL/dW", dWs[l]), ("dL/da", da_prev)):
                checks.check_overflow(arr, f"{what} of layer {l + 1}", _TOO_LARGE)
            if l > 0:
                das[l - 1] = da_prev
    _freeze(*dWs, *dbs, *das, *dzs, da_prev)
    b = trace.is_batch
    return Grads(
        weights=tuple(dWs),
        biases=tuple(dbs) if net.biases is not None else None,
        dL_dy=_rows(das[-1], b),
        dL_da=tuple(_rows(d, b) for d in das),
        dL_dz=tuple(_rows(d, b) for d in dzs),
        dL_dx=_rows(da_prev, b),
    )


def sgd_step(net, grads, lr):
    """One step of gradient descent, W <- W - lr * dL/dW: returns a new Network.

    ``net`` is unchanged (it is immutable): keep it if you want to compare before and after.
    """
    checks.as_network(net)
    checks.as_grads(grads, net)
    lr = checks.as_lr(lr)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        ws = [W - lr * dW for W, dW in zip(net.weights, grads.weights)]
        bs = (
            None if net.biases is None else [b - lr * db for b, db in zip(net.biases, grads.biases)]
        )
    for new in ws + (bs or []):
        checks.check_overflow(new, "the step's new parameters", "use a smaller lr")
    return net.replace(weights=ws, biases=bs)
