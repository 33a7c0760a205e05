"""Numeric gradients and the gradient check.

Choices, and why:

* **Central differences, eps = 1e-6** (torch.autograd.gradcheck's step). The forward difference
  (f(w+eps) - f(w)) / eps has truncation error ~ eps |f''| / 2; the central difference
  (f(w+eps) - f(w-eps)) / 2 eps has ~ eps^2 |f'''| / 6. Both suffer round-off ~ u |f| / eps,
  with u = 2.2e-16 the float64 unit round-off. For the central difference the sum is smallest
  near eps = u^(1/3) ~ 6e-6, where both terms are ~1e-11: eps = 1e-6 sits in that valley.
* **Relative error** |a - n| / max(|a|, |n|, floor) compares gradients of any size.
  The floor (1e-8 by default) keeps it defined where both are ~0 (a dead ReLU, say).
* **The scale**, after CS231n: above 1e-2 the gradient is probably wrong; 1e-4 to 1e-2 is
  suspicious; 1e-7 to 1e-4 is fine for kinked functions (ReLU) but suspicious for smooth ones;
  below 1e-7 all is well. ``gradcheck`` therefore passes when every parameter's relative error
  is below ``tol = 1e-6``: an order of magnitude of headroom above what a correct float64
  backprop reaches (about 1e-9 and below), and orders of magnitude below what a real bug gives
  (a wrong sign gives 1, a missing factor gives about 1e-1).
"""

import warnings
from dataclasses import dataclass

import numpy as np

from .names import param_label
from .network import Network, _describe, backward, flatten_by_key, forward


class GradcheckWarning(UserWarning):
    """A ReLU input lies so close to its kink that the numeric gradient is unreliable."""


def relative_error(a, b, floor=1e-8):
    """Elementwise |a - b| / max(|a|, |b|, floor), as an array (a float for scalars)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a, {a.shape}, got {b.shape}")
    err = np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(err) if err.ndim == 0 else err


def numeric_gradient(f, w, eps=1e-6, method="central"):
    """Numeric gradient of the scalar function f at the array w (CS231n's eval_numerical_gradient).

    f: a function of one array shaped like w, returning a float. w: any shape; not modified.
    Returns an array shaped like w.
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method: expected 'central' or 'forward', got {method!r}")
    if not (isinstance(eps, (int, float)) and 0 < eps < 1):
        raise ValueError(f"eps: expected a small positive number, e.g. 1e-6, got {eps!r}")
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    f0 = f(w) if method == "forward" else None
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        f_plus = f(w)
        if method == "central":
            w[i] = old - eps
            grad[i] = (f_plus - f(w)) / (2 * eps)
        else:
            grad[i] = (f_plus - f0) / eps
        w[i] = old
    return grad


@dataclass(frozen=True)
class NumericGrads:
    """Numeric dL/dW and dL/db, shaped like the network's parameters (biases None if none)."""

    weights: tuple
    biases: tuple | None


def numeric_gradients(net, x, target, eps=1e-6, method="central"):
    """dL/dW and dL/db of ``net`` at (x, target), by finite differences of the loss."""
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {_describe(net)}")
    forward(net, x, target)  # checks x and target once, with clear messages

    def grads_of(arrays, rebuild):
        return tuple(
            numeric_gradient(lambda w, l=l: forward(rebuild(l, w), x, target).loss, arr, eps, method)
            for l, arr in enumerate(arrays)
        )

    def with_weight(l, w):
        return net.replace(weights=net.weights[:l] + (w,) + net.weights[l + 1 :])

    def with_bias(l, b):
        return net.replace(biases=net.biases[:l] + (b,) + net.biases[l + 1 :])

    dW = grads_of(net.weights, with_weight)
    db = grads_of(net.biases, with_bias) if net.biases is not None else None
    return NumericGrads(dW, db)


@dataclass(frozen=True)
class GradcheckRow:
    key: str  # 'w1_2_1'
    label: str  # 'w¹₂₁'
    analytic: float
    numeric: float
    rel_error: float


@dataclass(frozen=True)
class GradcheckReport:
    """Each parameter's analytic and numeric gradient and their relative error."""

    rows: tuple
    tol: float
    eps: float
    method: str
    kinks: tuple  # labels of ReLU inputs within reach of their kink

    @property
    def max_rel_error(self):
        return max(r.rel_error for r in self.rows)

    @property
    def ok(self):
        return self.max_rel_error < self.tol

    def row(self, key):
        return next(r for r in self.rows if r.key == key)

    def __str__(self):
        lines = [f"{'parameter':<10}{'backprop':>16}{'numeric':>16}{'rel. error':>12}"]
        for r in self.rows:
            flag = "" if r.rel_error < self.tol else "  <-- check"
            lines.append(
                f"{r.label:<10}{r.analytic:>16.8f}{r.numeric:>16.8f}{r.rel_error:>12.1e}{flag}"
            )
        verdict = "OK" if self.ok else "FAILED"
        lines.append(
            f"max relative error {self.max_rel_error:.1e} (tolerance {self.tol:.0e}, "
            f"{self.method} differences, eps={self.eps:g}): {verdict}"
        )
        if self.kinks:
            lines.append("ReLU input near its kink, numeric gradient unreliable: " + ", ".join(self.kinks))
        return "\n".join(lines)

    def __repr__(self):
        return f"GradcheckReport(max_rel_error={self.max_rel_error:.2e}, ok={self.ok})"

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def _relu_kinks(net, trace, eps):
    """Labels of ReLU inputs z within eps * (1 + sum|inputs|) of 0: nudging one parameter by eps
    can carry such a z across the kink, where the slope jumps from 0 to 1."""
    from .names import node_label

    found = []
    prev = trace.x
    for l, (act, z) in enumerate(zip(net.activations, trace.z)):
        if act == "relu":
            margin = eps * (1.0 + np.abs(prev).sum(axis=-1, keepdims=True))
            for j in np.argwhere(np.atleast_2d(np.abs(z) < margin))[:, 1]:
                found.append(node_label("z", l + 1, int(j) + 1, z.shape[-1]))
        prev = trace.a[l]
    return tuple(dict.fromkeys(found))


def gradcheck(net, x, target, eps=1e-6, method="central", tol=1e-6, grads=None):
    """Compare backprop's gradients with numeric ones, parameter by parameter.

    grads: the gradients to check (default: ``backward(net, forward(net, x, target))``); pass
    your own to check them. Warns (GradcheckWarning) when a ReLU input is near its kink.
    """
    trace = forward(net, x, target)
    if grads is None:
        grads = backward(net, trace)
    numeric = numeric_gradients(net, x, target, eps=eps, method=method)
    analytic = flatten_by_key(net, grads.weights, grads.biases, "grads")
    approx = flatten_by_key(net, numeric.weights, numeric.biases, "numeric")
    rows = [
        GradcheckRow(k, param_label(k), analytic[k], approx[k], relative_error(analytic[k], approx[k]))
        for k in net.param_keys()
    ]
    kinks = _relu_kinks(net, trace, eps)
    if kinks:
        warnings.warn(
            f"ReLU input(s) {', '.join(kinks)} within eps of the kink at 0: the numeric gradient "
            "there may be wrong; move the input or the weights a little",
            GradcheckWarning,
            stacklevel=2,
        )
    return GradcheckReport(tuple(rows), tol, eps, method, kinks)
