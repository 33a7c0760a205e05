"""The primitives, each a forward/backward pair (the pattern of CS231n's ``layers.py``).

``*_forward(...)`` returns ``(out, cache)``; ``*_backward(dout, cache)`` returns the gradient(s)
of the loss with respect to the forward's input(s), from only what the cache holds. A batch ``x``
is ``(N, D)``, one row per sample (the seeds' row-vector convention), a dense layer's ``W`` is
``(D, M)``, so ``z = x @ W + b``; losses average over the N rows.

Each activation and each loss has one record in ``ACTIVATIONS`` and ``LOSSES``: its pair and all
else the library needs to know (what a loss takes, the activation and targets it needs, the
replay's formulas). Adding one is adding its pair and its record. Everything here is finite and
quiet for any finite input: no ``exp`` can overflow, however large the weights.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- dense layer


def dense_forward(x, W, b=None):
    """z = x @ W + b.

    x: (N, D) inputs; W: (D, M) weights; b: (M,) biases, or None for a layer without biases.
    Returns z: (N, M) and cache (x, W).
    """
    z = x @ W
    if b is not None:
        z = z + b
    return z, (x, W)


def dense_backward(dz, cache):
    """Given dz = dL/dz: (N, M), return (dx: (N, D), dW: (D, M), db: (M,))."""
    x, W = cache
    dx = dz @ W.T  # dL/dx_i = sum_j dL/dz_j * W_ij
    dW = x.T @ dz  # dL/dW_ij = sum_n x_ni * dL/dz_nj
    db = dz.sum(axis=0)  # dL/db_j = sum_n dL/dz_nj
    return dx, dW, db


# --------------------------------------------------------------------------- activations
# Each takes z of any shape and returns a of the same shape; backward returns dz = da * a'(z).


def _as_z(z, name="z"):
    """A learner's z (or da, a) as finite float64 (or float32) numbers, or an error naming it
    (forward checks its own z, and its layers skip this)."""
    from . import checks  # here, not at the top: checks imports this module

    if type(z) is np.ndarray and z.dtype.char in "df":  # (not a masked array: refused below)
        return checks.check_finite(z, name)
    return checks.as_float_array(z, name)  # a list, a number, float16


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z), for z of any shape (a list or a number too)."""
    return _sigmoid(_as_z(z))


def _sigmoid(z):
    # e^-z overflows below z = -709 in float64 (-88 in float32); capping the exponent there
    # changes sigma only where it is below 1e-308 (1e-38) anyway
    cap = 88.0 if z.dtype == np.float32 else 709.0
    return 1.0 / (1.0 + np.exp(np.minimum(-z, cap)))


def sigmoid_forward(z):
    a = _sigmoid(z)
    return a, a  # the cache is a: sigma'(z) = a (1 - a) needs only a


def sigmoid_backward(da, a):
    """dL/dz = dL/da · a (1 − a) from a = sigma(z), for da and a of one shape (or da one
    number); lists and numbers too."""
    da, a = _as_z(da, "da"), _as_z(a, "a")
    if da.shape != a.shape and da.ndim:
        raise ValueError(f"da: expected the shape of a {a.shape} (or one number), got {da.shape}")
    return _sigmoid_backward(da, a)


def _sigmoid_backward(da, a):
    return da * a * (1.0 - a)


def tanh_forward(z):
    a = np.tanh(z)
    return a, a  # the cache is a: tanh'(z) = 1 - a^2


def tanh_backward(da, a):
    return da * (1.0 - a * a)


def relu_forward(z):
    return np.maximum(z, 0.0), z  # the cache is z: relu'(z) = 1 where z > 0, else 0 (0 at the kink)


def relu_backward(da, z):
    return da * (z > 0)


def identity_forward(z):
    return z, None  # identity'(z) = 1: nothing to cache


def identity_backward(da, cache):
    return da


@dataclass(frozen=True)
class Activation:
    """One activation, everything the library knows about it."""

    forward: Callable  # forward(z) -> (a, cache)
    backward: Callable  # backward(da, cache) -> dz
    formula: str  # a = f(z) for the replay, in {z}
    # da/dz for the replay, symbolic and with the numbers in: in {a}, {z}, {d} (its value)
    derivative: tuple
    symbol: str = ""  # the short name on the diagram's z -> a edge (the key if empty)


ACTIVATIONS = {
    "sigmoid": Activation(
        sigmoid_forward, _sigmoid_backward, "σ({z})", ("{a}(1 − {a})", "{a}·(1 − {a})"), "σ"
    ),
    "tanh": Activation(
        tanh_forward, tanh_backward, "tanh({z})", ("(1 − {a}²)", "(1 − {a}²)"), "tanh"
    ),
    "relu": Activation(relu_forward, relu_backward, "max(0, {z})", ("[{z} > 0]", "{d}"), "ReLU"),
    "identity": Activation(identity_forward, identity_backward, "{z}", ("1", "1"), "id"),
}

# --------------------------------------------------------------------------- losses
# forward(v, t) returns (L, cache), L a float; backward(dL, cache) returns dL/dv, shaped like v.


def squared_error_forward(y, t):
    """L = mean over rows of sum_k (y_k - t_k)^2 (seed 000). y, t: (N, K)."""
    diff = y - t
    return float((diff * diff).sum()) / len(y), diff


def squared_error_backward(dL, diff):
    return dL * 2.0 * diff / len(diff)  # dL/dy = 2 (y - t) / N


def half_squared_error_forward(y, t):
    """L = mean over rows of 1/2 sum_k (y_k - t_k)^2 (seed 002). y, t: (N, K)."""
    diff = y - t
    return 0.5 * float((diff * diff).sum()) / len(y), diff


def half_squared_error_backward(dL, diff):
    return dL * diff / len(diff)  # dL/dy = (y - t) / N


def log_sigmoid(z):
    """log sigma(z) = -softplus(-z), exact and finite for every finite z."""
    return -(np.maximum(-z, 0.0) + np.log1p(np.exp(-np.abs(z))))


def binary_cross_entropy_forward(z, t):
    """L = -mean over rows of sum_k [t log y + (1 - t) log(1 - y)], with y = sigmoid(z).

    Takes the logits z: (N, K) (the output sigmoid's input), as torch's BCEWithLogitsLoss does:
    log y = log sigma(z) and log(1 - y) = log sigma(-z) then stay finite even where y rounds to
    0 or 1. t: (N, K) with values in [0, 1]. backward returns dL/dz = (y - t) / N.
    """
    loss = -np.sum(t * log_sigmoid(z) + (1.0 - t) * log_sigmoid(-z)) / len(z)
    return float(loss), (_sigmoid(z), t)


def binary_cross_entropy_backward(dL, cache):
    y, t = cache
    return dL * (y - t) / len(y)


def softmax(z):
    """Row-wise softmax of z: (N, K), shifted by each row's max so that exp cannot overflow."""
    z = _as_z(z)
    if z.size == 0:
        raise ValueError(f"z: expected at least one number in each row, got shape {z.shape}")
    with np.errstate(over="ignore"):  # a row spanning over 1.8e308: e^-inf = 0, exact
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy_forward(z, t):
    """L = -mean over rows of sum_k t_k log p_k, with p = softmax(z), as torch's CrossEntropyLoss.

    z: (N, K) logits; t: (N, K) one-hot (or probability) rows. backward returns dL/dz = (p - t)/N.
    """
    shifted = z - z.max(axis=-1, keepdims=True)  # exp of it is at most 1: no overflow
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    log_p = shifted - np.log(total)
    return float(-(t * log_p).sum()) / len(z), (e / total, t)


def softmax_cross_entropy_backward(dL, cache):
    p, t = cache
    # d/dz of -sum_k t_k log p_k is p sum_k t_k - t: p - t for one-hot or probability rows
    return dL * (p * t.sum(axis=-1, keepdims=True) - t) / len(p)


# --------------------------------------------------------------------------- the loss records


def _bce_roundoff(z, T, loss, dL_dz):  # log sigma(+-z): relative error ~3u; 1 - t
    partial = (T > 0) & (T < 1)
    return 3 * abs(loss), np.sum(np.where(partial, -log_sigmoid(-z), 0.0)) / len(z)


def _softmax_ce_roundoff(z, T, loss, dL_dz):  # z - max z, a sum of K exponentials, its log
    shifted = np.abs(z - z.max(axis=-1, keepdims=True))
    lse = np.log(np.exp(-shifted).sum(axis=-1, keepdims=True))
    return np.sum(T * (z.shape[-1] + shifted + lse)) / len(z), np.sum(np.abs(dL_dz) * shifted)


@dataclass(frozen=True)
class Loss:
    """One loss, everything the library knows about it. The replay's texts are in {y} and {t}
    ({y} is p_k where there are probabilities): a pair is the formula, then with the numbers."""

    forward: Callable  # forward(v, t) -> (L, cache), v being what the loss takes
    backward: Callable  # backward(dL, cache) -> dL/dv
    takes: str  # "output" (y) or "logits" (z of the last layer, fused with its activation)
    term: str  # one output's share of L, for the replay
    gradient: tuple  # dL/dy_k, for the replay
    activation: str | None = None  # the last layer's activation it needs (None: any)
    target_range: tuple | None = None  # (low, high) the targets must lie in, or None: any
    classes: bool = False  # targets may be class indices, and each row must sum to 1
    dL_dy: Callable | None = None  # dL_dy(dL_dz, cache): a logits loss's dL/dy, from dL/dz
    probabilities: Callable | None = None  # probabilities(z): the logits' class probabilities
    cached_probabilities: Callable | None = None  # (cache): the same, as forward computed them
    fused: str | None = None  # the last layer's dL/dz, for the replay of a logits loss
    saturated: str | None = None  # the term in the logit {z} ({minus_z}) where y is ~0 or ~1
    # roundoff(v, T, L, dL/dv): what rounding the loss's own steps adds to gradcheck's floor, in
    # units of u (None: an output loss that rounds only y - t; see gradcheck.output_roundoff)
    roundoff: Callable | None = None


def _bce_dL_dy(dL_dz, cache):
    """dL/dy = dL/dz / (y (1 - y)), the denominator clamped at 1e-12 as torch's BCELoss does."""
    return dL_dz / np.maximum(cache[0] * (1.0 - cache[0]), 1e-12)


LOSSES = {
    "squared_error": Loss(
        squared_error_forward,
        squared_error_backward,
        "output",
        term="({y} − {t})²",
        gradient=("2({y} − {t})", "2·({y} − {t})"),
    ),
    "half_squared_error": Loss(
        half_squared_error_forward,
        half_squared_error_backward,
        "output",
        term="½({y} − {t})²",
        gradient=("{y} − {t}", "{y} − {t}"),
    ),
    "binary_cross_entropy": Loss(
        binary_cross_entropy_forward,
        binary_cross_entropy_backward,
        "logits",
        term="−[{t}·log {y} + (1 − {t})·log(1 − {y})]",
        gradient=(  # as _bce_dL_dy computes it: clamped where y rounds to 0 or 1
            "({y} − {t}) / max({y}(1 − {y}), 10⁻¹²)",
            "({y} − {t}) / max({y}·(1 − {y}), 1·10^-12)",
        ),
        activation="sigmoid",
        target_range=(0, 1),
        dL_dy=_bce_dL_dy,
        fused="{y} − {t}",
        saturated="−[{t}·log σ({z}) + (1 − {t})·log σ({minus_z})]",  # 1 − y = σ(−z)
        roundoff=_bce_roundoff,
    ),
    "softmax_cross_entropy": Loss(
        softmax_cross_entropy_forward,
        softmax_cross_entropy_backward,
        "logits",
        term="−{t}·log {y}",
        gradient=("{y} − {t}", "{y} − {t}"),
        activation="identity",
        target_range=(0, 1),
        classes=True,
        dL_dy=lambda dL_dz, cache: dL_dz,  # an identity output: dL/dy = dL/dz
        probabilities=softmax,
        cached_probabilities=lambda cache: cache[0],
        roundoff=_softmax_ce_roundoff,
    ),
}

# The activation each logits-based loss sits on (read from the records; kept for old callers).
LOSS_NEEDS_ACTIVATION = {name: r.activation for name, r in LOSSES.items() if r.activation}
