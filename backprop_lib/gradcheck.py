"""Numeric gradients and the gradient check.

Choices, and why:

* **Central differences, eps = 1e-6** (torch.autograd.gradcheck's step). The forward difference
  (f(w+eps) - f(w)) / eps has truncation error ~ eps |f''| / 2; the central difference
  (f(w+eps) - f(w-eps)) / 2 eps has ~ eps^2 |f'''| / 6. Both suffer round-off ~ u |f| / eps,
  with u = 2^-53 ~ 1.1e-16 the float64 unit round-off. For the central difference the sum is
  smallest near eps = (3u)^(1/3) ~ 7e-6, where both terms are ~1e-11: eps = 1e-6 sits in that
  valley.
* **Relative error** |a - n| / max(|a|, |n|, floor) compares gradients of any size.
  ``relative_error``'s floor (1e-8 by default) keeps it defined where both are ~0.
* **gradcheck's floor: what the numeric gradient can resolve.** Each loss value is rounded,
  so the central difference carries a round-off error of up to u S / eps, where u S bounds the
  loss's own rounding error. S comes from a first-order running error analysis of the forward
  pass (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., ch. 3): a quantity v
  formed as a sum of m terms is off by at most ~ m u sum|terms|, which moves L by |dL/dv| times
  that; S adds this up over every z (m = fan-in + 1), every activation and the loss's own
  steps. That error does not shrink with the gradient: with |L| ~ 1 it is ~1e-10, so a
  gradient of 1e-4 cannot be checked to better than 1e-6 relative by any eps (round-off grows
  as eps shrinks, truncation as it grows). ``gradcheck`` therefore uses the floor
  10 u S / (eps tol): a gradient smaller than the floor is compared in absolute terms, and passes
  when backprop and the numeric gradient differ by less than 10 times the round-off u S / eps
  (the factor 10, HEADROOM, keeps a correct gradient's error ten times below tol: over 1,000
  random networks, correct float64 gradients stay below 1e-7, and up to |W| = 1000 no
  correct gradient fails; tests/test_gradcheck_promise.py measures both). Larger
  gradients are compared relatively, as before. The floor scales with the loss (unlike a fixed
  1e-8, which lets any error through for a loss of size 1e-9), and a wrong gradient larger than
  the round-off still fails. It covers round-off only: truncation, ~ eps^2 |f'''| / 6, is
  ~1e-12 or less for weights of order 1, but dominates close to a minimum (tiny gradients), where
  the check can then fail although backprop is right.
* **The scale**, after CS231n: above 1e-2 the gradient is probably wrong; 1e-4 to 1e-2 is
  suspicious; 1e-7 to 1e-4 is fine for kinked functions (ReLU) but suspicious for smooth ones;
  below 1e-7 all is well. ``gradcheck`` therefore passes when every parameter's relative error
  is below ``tol = 1e-6``: an order of magnitude of headroom above what a correct float64
  backprop reaches (below 1e-7, thanks to the floor's factor 10), and orders of magnitude below what a real bug gives:
  a flipped sign gives 2, and a wrong factor c gives |1 - c| / max(1, |c|) (1.6 for seed 001's
  missing dL/dy = -0.61, 0.5 for a missing or extra factor 2).
* **Settings that could not fail are refused.** eps must lie in [1e-10, 0.1] and tol in
  [1e-12, 0.1], and eps * tol must exceed the round-off u: below that, the floor would exceed
  the loss's own scale, every gradient would be compared against round-off alone, and a wrong
  gradient could pass (with eps = 1e-16, say, or tol = 1e-320, where the floor overflows).
"""

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from . import layers
from .checks import (
    as_choice,
    as_float_array,
    as_number,
    check_callable,
    check_overflow,
    check_type,
    describe,
    show,
)
from .names import node_label, param_label
from .network import Network, backward, forward
from .params import ParamArrays, flatten_by_key

UNIT_ROUNDOFF = np.finfo(float).eps / 2  # u = 2^-53 ~ 1.1e-16 in float64


class GradcheckWarning(UserWarning):
    """A ReLU input lies so close to its kink that the numeric gradient is unreliable."""


METHODS = ("central", "forward")
DEFAULT_EPS = {"central": 1e-6, "forward": 1e-6}
EPS_RANGE = (1e-10, 0.1)  # below: the loss's round-off swamps the difference; above: truncation
TOL_RANGE = (1e-12, 0.1)  # below: beyond what float64 can resolve; above: a wrong factor passes
# a correct gradient's relative error stays at least this many times below tol (see docstring)
HEADROOM = 10.0
# how much round-off each method adds to the derivative, in units of u S / eps (see docstring)
ROUNDOFF_FACTOR = {"central": 1.0, "forward": 2.0}


def relative_error(a, b, floor=1e-8):
    """Elementwise |a - b| / max(|a|, |b|, floor), as an array (a float for scalars).

    a, b: finite numbers or arrays of the same shape; floor: a positive finite number.
    """
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    floor = as_number(floor, "floor", 0, low_open=True, what="a positive finite number, e.g. 1e-8")
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a, {a.shape}, got {b.shape}")
    m = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    with np.errstate(over="ignore"):
        err = np.abs(a - b) / m
    if not np.all(np.isfinite(err)):  # a - b overflowed (|a|, |b| near 1.8e308): scale first
        err = np.where(np.isfinite(err), err, np.abs(a / m - b / m))
    return float(err) if err.ndim == 0 else err


def _check_eps(eps, method):
    """eps: None (the method's default) or a step in EPS_RANGE -> float."""
    if eps is None:
        return DEFAULT_EPS[method]
    lo, hi = EPS_RANGE
    return as_number(
        eps,
        "eps",
        lo,
        hi,
        what=f"a small positive number, e.g. {DEFAULT_EPS[method]:g}, from {lo:g} to {hi:g} "
        "(below, the loss's round-off swamps the difference; above, truncation does)",
    )


def numeric_gradient(f, w, eps=None, method="central"):
    """Numeric gradient of the scalar function f at the array w (CS231n's eval_numerical_gradient).

    f: a function of one array shaped like w, returning a finite float. w: a finite number or
    array of any shape; not modified. eps: the step, from 1e-10 to 0.1 (default 1e-6).
    method: 'central' (f(w+eps) - f(w-eps)) / 2 eps or 'forward' (f(w+eps) - f(w)) / eps.
    Returns a float64 array shaped like w.
    """
    check_callable(f, "f")
    method = as_choice(method, "method", METHODS)
    eps = _check_eps(eps, method)
    w = as_float_array(w, "w")
    grad = np.zeros_like(w)

    def value(at):
        v = f(at)
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            if not (isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iuf"):
                raise TypeError(f"f: expected a function returning one number, got {describe(v)}")
        try:
            number = float(np.reshape(v, ()))
        except OverflowError:  # an int beyond float64, like 10**400
            number = math.inf
        if not np.isfinite(number):
            shown = show(v) if isinstance(v, (int, np.integer)) else number
            raise ValueError(f"f: returned {shown} at w = {at.tolist()}; expected a finite number")
        return number

    f0 = value(w) if method == "forward" else None
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        f_plus = value(w)
        if method == "central":
            w[i] = old - eps
            grad[i] = (f_plus - value(w)) / (2 * eps)
        else:
            grad[i] = (f_plus - f0) / eps
        w[i] = old
    return check_overflow(grad, "f: its numeric gradient", "f changes too much over a step of eps")


class NumericGrads(ParamArrays):
    """Numeric dL/dW and dL/db, shaped like the network's parameters (biases None if none)."""


def numeric_gradients(net, x, target, eps=None, method="central"):
    """dL/dW and dL/db of ``net`` at (x, target), by finite differences of the loss.

    net: a Network; x, target: as ``forward`` accepts them; eps, method: as
    ``numeric_gradient`` accepts them.
    """
    check_type(net, "net", Network, "a Network")
    method = as_choice(method, "method", METHODS)
    eps = _check_eps(eps, method)
    forward(net, x, target)  # checks x and target once, with clear messages

    def grads_of(arrays, rebuild):
        return tuple(
            numeric_gradient(
                lambda w, l=l: forward(rebuild(l, w), x, target).loss, arr, eps, method
            )
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
    floor: float = 1e-8  # gradients below it are compared absolutely (see the module docstring)
    label: str = "backprop"  # the heading of the values under test

    @property
    def max_rel_error(self):
        return max(r.rel_error for r in self.rows)

    @property
    def ok(self):
        return self.max_rel_error < self.tol

    def row(self, key):
        """The row of parameter ``key`` ('w1_1_1')."""
        row = next((r for r in self.rows if r.key == key), None)
        if row is None:
            keys = [r.key for r in self.rows]
            raise ValueError(f"key: expected one of the report's parameters {keys}, got {key!r}")
        return row

    def __str__(self):
        lines = [f"{'parameter':<10}{self.label:>16}{'numeric':>16}{'rel. error':>12}"]
        for r in self.rows:
            flag = "" if r.rel_error < self.tol else "  <-- check"
            lines.append(
                f"{r.label:<10}{r.analytic:>16.8f}{r.numeric:>16.8f}{r.rel_error:>12.1e}{flag}"
            )
        verdict = "OK" if self.ok else "FAILED"
        lines.append(
            f"max relative error {self.max_rel_error:.1e} (tolerance {self.tol:.0e}, "
            f"{self.method} differences, eps={self.eps:g}, floor {self.floor:.0e}): {verdict}"
        )
        if self.kinks:
            lines.append(
                "ReLU input near its kink, numeric gradient unreliable: " + ", ".join(self.kinks)
            )
        return "\n".join(lines)

    def __repr__(self):
        return f"GradcheckReport(max_rel_error={self.max_rel_error:.2e}, ok={self.ok})"

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def output_roundoff(y, T, loss, dL_dy):
    """What rounding y - t adds to the floor of a loss of the output (in units of u), unless
    its record says otherwise: sum |dL/dy| (|y| + |t|)."""
    return (np.sum(np.abs(dL_dy) * (np.abs(y) + np.abs(T))),)


def _roundoff_bound(net, trace, grads):
    """S such that rounding moves the computed loss by at most about u * S (first order).

    Running error analysis of ``forward``: every intermediate v that is rounded contributes
    |dL/dv| * (its rounding error / u), with dL/dv from ``backward`` (the library's own, never
    the gradients under test). See the module docstring.
    """
    X = np.atleast_2d(trace.x)
    n_rows, n_out = X.shape[0], net.sizes[-1]
    rule = layers.LOSSES[net.loss]
    S = (n_rows * n_out + 1) * abs(trace.loss)  # the loss's sum of N K terms, and the / N
    prev = X
    for l, W in enumerate(net.weights):
        mag = np.abs(prev) @ np.abs(W)  # sum_i |a_i W_ij|: the terms of z_j
        if net.biases is not None:
            mag = mag + np.abs(net.biases[l])
        dz = np.atleast_2d(grads.dL_dz[l])
        S += (W.shape[0] + 1) * np.sum(np.abs(dz) * mag)  # z = a W + b: fan-in + 1 terms
        a = np.atleast_2d(trace.a[l])
        used = not (l == len(net.weights) - 1 and rule.takes == "logits")  # BCE/CE take z, not a
        if net.activations[l] != "identity" and used:
            S += 4 * np.sum(np.abs(np.atleast_2d(grads.dL_da[l]) * a))  # a few roundings
        prev = a
    T = np.atleast_2d(trace.target)
    if rule.takes == "output":  # the loss's own steps, from its record
        v, d = np.atleast_2d(trace.output), np.atleast_2d(grads.dL_dy)
    else:
        v, d = np.atleast_2d(trace.z[-1]), np.atleast_2d(grads.dL_dz[-1])
    for term in (rule.roundoff or output_roundoff)(v, T, trace.loss, d):
        S += term
    return float(S)


def _relu_kinks(net, trace, eps):
    """Labels of ReLU inputs z within eps * (1 + sum|inputs|) of 0: nudging one parameter by eps
    can carry such a z across the kink, where the slope jumps from 0 to 1."""
    found = []
    prev = trace.x
    for l, (act, z) in enumerate(zip(net.activations, trace.z)):
        if act == "relu":
            margin = eps * (1.0 + np.abs(prev).sum(axis=-1, keepdims=True))
            for j in np.argwhere(np.atleast_2d(np.abs(z) < margin))[:, 1]:
                found.append(node_label("z", l + 1, int(j) + 1, z.shape[-1]))
        prev = trace.a[l]
    return tuple(dict.fromkeys(found))


def gradcheck(net, x, target, eps=None, method="central", tol=1e-6, grads=None, label="backprop"):
    """Compare backprop's gradients with numeric ones, parameter by parameter.

    net: a Network; x, target: as ``forward`` accepts them; eps, method: as
    ``numeric_gradient`` accepts them; tol: the largest relative error that passes, from
    1e-12 to 0.1. grads: the gradients to check (default: ``backward(net, forward(net, x,
    target))``), anything with ``.weights`` and ``.biases`` shaped like the network's
    parameters; pass your own to check them, and a ``label`` (a string) for their column.
    Refuses an eps whose round-off would be as large as the gradients themselves (then no wrong
    gradient could fail). Warns (GradcheckWarning) when a ReLU input is near its kink.
    """
    check_type(net, "net", Network, "a Network")
    method = as_choice(method, "method", METHODS)
    eps = _check_eps(eps, method)
    lo, hi = TOL_RANGE
    tol = as_number(
        tol,
        "tol",
        lo,
        hi,
        what=f"a small positive number, e.g. 1e-6, from {lo:g} to {hi:g} (below, float64 "
        "cannot resolve it; above, a wrong factor would pass)",
    )
    check_type(label, "label", str, "a string (the heading of the checked gradients' column)")
    if grads is not None and not (hasattr(grads, "weights") and hasattr(grads, "biases")):
        raise TypeError(
            f"grads: expected gradients with .weights and .biases (like backward's Grads), "
            f"got {describe(grads)}"
        )
    if eps * tol <= ROUNDOFF_FACTOR[method] * UNIT_ROUNDOFF:
        smallest = ROUNDOFF_FACTOR[method] * UNIT_ROUNDOFF / tol
        raise ValueError(
            f"eps: with tol={tol:g}, a step of {eps:g} is too small: the numeric gradient's "
            f"round-off, about u S / eps (S the loss's scale), would be at least tol times S, so "
            f"every gradient would be compared against round-off alone and a wrong one could "
            f"pass. Use eps > {smallest:.1g} (e.g. {DEFAULT_EPS[method]:g}) or a larger tol"
        )
    trace = forward(net, x, target)
    reference = backward(net, trace)
    if grads is None:
        grads = reference
    analytic = flatten_by_key(net, grads.weights, grads.biases, "grads")
    if not all(np.isfinite(v) for v in analytic.values()):
        bad = next(k for k, v in analytic.items() if not np.isfinite(v))
        raise ValueError(f"grads: expected finite numbers, got {analytic[bad]} for {bad}")
    # the numeric gradient's round-off (see the module docstring), and the floor it sets
    # (plus the smallest normal number: a loss that underflows is known only to about that)
    S = _roundoff_bound(net, trace, reference)
    roundoff = ROUNDOFF_FACTOR[method] * (UNIT_ROUNDOFF * S + np.finfo(float).tiny) / eps
    floor = HEADROOM * roundoff / tol
    numeric = numeric_gradients(net, x, target, eps=eps, method=method)
    approx = flatten_by_key(net, numeric.weights, numeric.biases, "numeric")
    rows = [
        GradcheckRow(
            k, param_label(k), analytic[k], approx[k], relative_error(analytic[k], approx[k], floor)
        )
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
    return GradcheckReport(tuple(rows), tol, eps, method, kinks, floor, label)
