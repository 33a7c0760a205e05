"""Finite differences under the microscope: how their error depends on the step eps.

Notebook 03 sweeps eps from 1e-12 to 1e-1 and plots the error of the numeric derivative of the
loss with respect to one weight, against backprop's value, in float64 and in float32. Two errors
add up (u is the unit round-off of the dtype, 2^-53 ~ 1.1e-16 for float64, 2^-24 ~ 6.0e-8 for
float32):

* truncation, from cutting the Taylor series: ~ eps |f''| / 2 for the forward difference
  (f(w+eps) - f(w)) / eps, ~ eps^2 |f'''| / 6 for the central one (f(w+eps) - f(w-eps)) / 2 eps;
* round-off: f is only known to about u |f|, and dividing by eps blows that up to ~ u |f| / eps.

Truncation shrinks with eps, round-off grows as eps shrinks: the total is a V on log-log axes,
lowest near eps ~ u^(1/2) (forward) and eps ~ u^(1/3) (central).

Only numpy and the library: the figures live in ``backprop_lib.plots``; comparing two sets of
gradients (ours, PyTorch's, numeric ones) lives in ``backprop_lib.compare``.
"""

import math

import numpy as np

from .checks import (
    as_choice,
    as_float_array,
    as_float_dtype,
    as_number,
    as_scalar,
    check_callable,
    check_overflow,
    check_type,
    to_dtype,
)
from .network import Network, backward, forward

METHODS = ("forward", "central")
DTYPES = (np.float64, np.float32)


def unit_roundoff(dtype=np.float64):
    """u = 2^-p, half the machine epsilon: the largest relative error of rounding one number.

    float64: 2^-53 ~ 1.1e-16; float32: 2^-24 ~ 6.0e-8. (np.finfo(dtype).eps, 2.2e-16 for
    float64, is the gap between 1 and the next number, 2u.)
    """
    as_float_dtype(dtype)
    return float(np.finfo(dtype).eps) / 2


def optimal_eps(dtype=np.float64, method="central"):
    """The rule-of-thumb best step: u^(1/2) for forward differences, u^(1/3) for central ones.

    Balancing truncation eps |f''| / 2 against round-off u |f| / eps gives eps ~ sqrt(u) (times
    a factor sqrt(|f| / |f''|) of order 1); for the central difference, eps^2 |f'''| / 6 against
    u |f| / eps gives eps ~ u^(1/3).
    """
    as_choice(method, "method", METHODS)
    return unit_roundoff(dtype) ** (0.5 if method == "forward" else 1.0 / 3.0)


def difference(f, w, eps, method="central"):
    """The finite difference of the scalar function f at the number w.

    forward: (f(w + eps) - f(w)) / eps; central: (f(w + eps) - f(w - eps)) / (2 eps).
    f must return one finite number.
    """
    check_callable(f, "f")
    as_choice(method, "method", METHODS)
    w = float(as_scalar(w, "w"))
    eps = as_number(eps, "eps", 0, 1, low_open=True, what="a small positive step, e.g. 1e-6")

    def value(at):  # f's own number (a float32 stays one), once checked
        v = f(at)
        as_number(v, "f", what=f"a function returning one finite number (at w = {at!r})")
        return v

    with np.errstate(over="ignore"):  # reported below, by name
        if method == "forward":
            d = (value(w + eps) - value(w)) / eps
        else:
            d = (value(w + eps) - value(w - eps)) / (2 * eps)
    return check_overflow(d, "f: its difference", "f changes too much over a step of eps")


def loss_along(net, x, target, key, dtype=np.float64):
    """L as a function of one parameter: ``w -> forward(net.set(key, w), x, target).loss``.

    With dtype=np.float32 the whole forward pass runs in float32: the parameter too is rounded
    to float32, so a step eps below ~u |w| is lost entirely (w + eps rounds back to w), and a
    step that moves L by less than its last digit, ~u |L|, is lost as well.
    """
    check_type(net, "net", Network, "a Network")
    as_float_dtype(dtype)
    net.get(key)  # a clear error now for an unknown key

    def L(w):
        w = as_scalar(w, "w")
        to_dtype(w, dtype, "w")  # a w too large for float32 is named as w, not as a weight
        return forward(net.set(key, w), x, target, dtype=dtype).loss

    return L


def output_along(net, x, target, key):
    """y (the first output of the first sample) as a function of one parameter."""
    check_type(net, "net", Network, "a Network")
    net.get(key)
    return lambda w: float(np.ravel(forward(net.set(key, as_scalar(w, "w")), x, target).output)[0])


def backprop_value(net, x, target, key):
    """dL/d(key) from forward + backward in float64: the reference value."""
    check_type(net, "net", Network, "a Network")
    grads = backward(net, forward(net, x, target))
    kind, l, index = net.locate(key)
    return float((grads.weights if kind == "w" else grads.biases)[l][index])


def relative_errors(values, reference):
    """|value - reference| / |reference|, elementwise: the error of each numeric derivative."""
    values = as_float_array(values, "values")
    reference = as_number(reference, "reference")
    if reference == 0:
        raise ValueError(
            "reference: expected a nonzero derivative to measure errors against, got 0"
        )
    with np.errstate(over="ignore", divide="ignore"):
        err = np.abs(values - reference) / abs(reference)
        if not np.all(np.isfinite(err)):  # values - reference overflowed: scale first
            err = np.abs(values / abs(reference) - np.sign(reference))
    if not np.all(np.isfinite(err)):  # the error itself is beyond float64 (a tiny reference)
        raise ValueError(
            f"values: a relative error beyond float64 (about 1.8e308), against reference "
            f"{reference:g}: the numeric derivatives are far off, or the reference is too small"
        )
    return err


def eps_sweep(net, x, target, key, eps_values, method="central", dtype=np.float64):
    """Relative error of the numeric dL/d(key) for each step in eps_values.

    The numeric derivative is computed in ``dtype`` (forward, central); the reference is
    backprop's dL/d(key) in float64. Returns an array shaped like eps_values. A step so small
    that it does not register (w + eps rounds back to w, or L does not change in its last
    digit) gives the derivative 0, a relative error of exactly 1.
    """
    as_choice(method, "method", METHODS)
    eps_values = as_float_array(eps_values, "eps_values")
    if (
        eps_values.ndim != 1
        or eps_values.size == 0
        or np.any(eps_values <= 0)
        or np.any(eps_values >= 1)
    ):
        raise ValueError(
            "eps_values: expected a 1-D array of positive steps, e.g. np.logspace(-12, -1, 45)"
        )
    f = loss_along(net, x, target, key, dtype)
    w = net.get(key)
    numeric = np.array([difference(f, w, eps, method) for eps in eps_values])
    return relative_errors(numeric, backprop_value(net, x, target, key))


def best_eps(eps_values, errors):
    """(eps, error) at the smallest error of a sweep: two 1-D arrays of the same length."""
    eps_values, errors = as_float_array(eps_values, "eps_values"), as_float_array(errors, "errors")
    if eps_values.ndim != 1 or eps_values.size == 0:
        raise ValueError(
            f"eps_values: expected a non-empty 1-D array, got shape {eps_values.shape}"
        )
    if eps_values.shape != errors.shape:
        raise ValueError(
            f"errors: expected a 1-D array shaped like eps_values {eps_values.shape}, "
            f"got shape {errors.shape}"
        )
    i = int(np.argmin(errors))
    return float(np.asarray(eps_values)[i]), float(np.asarray(errors)[i])


def correct_digits(approx, exact):
    """How many significant digits of ``exact`` ``approx`` gets right: -log10(relative error).

    approx, exact: finite numbers, exact not 0."""
    approx, exact = as_number(approx, "approx"), as_number(exact, "exact")
    if exact == 0:
        raise ValueError("exact: expected a nonzero number to count digits against, got 0")
    err = abs(approx - exact) / abs(exact)
    if err == math.inf:  # beyond float64 (approx - exact overflowed, or exact is tiny): in logs
        return -(math.log10(abs(approx / 2 - exact / 2)) + math.log10(2) - math.log10(abs(exact)))
    return float("inf") if err == 0 else float(-np.log10(err))


def sweep_all(net, x, target, key, eps_values):
    """{(dtype name, method): relative errors} for float64 and float32, forward and central."""
    return {
        (np.dtype(dt).name, m): eps_sweep(net, x, target, key, eps_values, m, dt)
        for dt in DTYPES
        for m in METHODS
    }
