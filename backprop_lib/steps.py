"""A replayable record of one forward and backward pass, one scalar at a time.

``steps(net, trace, grads)`` lists every scalar the two passes compute, in order: the forward
pass layer by layer (z, then a), the loss, then the backward pass from dL/dy down to the first
layer's weights. Each Step carries its name, its formula, the formula with the numbers put in,
and its value. The values are read from the trace and the gradients, not computed again here
(softmax's probabilities too, from the loss's cache), so the replay shows exactly what
``forward`` and ``backward`` computed; the local derivatives come from the activation's own
backward, and every formula's text from the records in ``layers`` (``ACTIVATIONS``, ``LOSSES``).
Keys come from ``names`` (``z_key``, ``activation_key``, ``grad_key``, ...).
"""

from dataclasses import dataclass

import numpy as np

from . import layers
from .checks import check_type
from .names import (
    LOSS_KEY,
    MINUS,
    activation_key,
    bias_key,
    fmt,
    fmt_apart,
    fmt_unit,
    grad_key,
    node_label,
    param_label,
    probability_key,
    sub,
    weight_key,
    z_key,
)
from .network import Grads, Network, Trace, backward

__all__ = ["MINUS", "Step", "Term", "fmt", "steps"]  # MINUS and fmt live in names.py


@dataclass(frozen=True)
class Term:
    """One product of a backward step: upstream gradient x local derivative."""

    upstream: str  # '∂L/∂z²₁'
    upstream_value: float
    local: str  # '∂z²₁/∂a¹₁ = w²₁₁'
    local_value: float


@dataclass(frozen=True)
class Step:
    """One scalar of the computation.

    phase: 'forward' or 'backward'; key: what is computed ('z1_2', 'L', 'dL/dw1_2_1', ...);
    name: its label ('z¹₂', '∂L/∂w¹₂₁'); formula: symbolic ('z¹₂ = w¹₁₂·x₁ + ...'); numbers: the
    right-hand side with the values put in; value: the result; highlight: the keys of the
    diagram's elements to light up; terms: for backward steps, the upstream x local products.
    """

    index: int
    phase: str
    key: str
    name: str
    formula: str
    numbers: str
    value: float
    highlight: tuple
    terms: tuple = ()

    def __str__(self):
        return f"{self.formula} = {self.numbers} = {fmt(self.value, 8, paren=False)}"


def _d(of):
    return f"∂L/∂{of}"


def steps(net, trace, grads):
    """The ordered list of Steps of ``trace = forward(net, x, t)`` and ``grads = backward(...)``.

    One sample only: the replay is about the scalars of one example. net: a Network; trace:
    ``forward(net, x, t)`` of this very network; grads: ``backward(net, trace)`` of that trace.
    """
    check_type(net, "net", Network, "a Network")
    check_type(trace, "trace", Trace, "the Trace that forward(net, x, target) returned")
    check_type(grads, "grads", Grads, "the Grads that backward(net, trace) returned")
    own = backward(net, trace)  # a ValueError naming trace if it is of another network
    same = (
        all(
            np.shape(g) == np.shape(o) and np.array_equal(g, o)
            for g, o in zip(
                (*grads.weights, *(grads.biases or ()), grads.dL_dy, *grads.dL_dz),
                (*own.weights, *(own.biases or ()), own.dL_dy, *own.dL_dz),
            )
        )
        and (grads.biases is None) == (own.biases is None)
        and len(grads.weights) == len(own.weights)
    )
    if not same:
        raise ValueError(
            "grads: expected the gradients of this trace (backward(net, trace)), got others: "
            "the replay would show numbers that do not add up"
        )
    if trace.is_batch:
        raise ValueError(
            f"trace: expected the trace of one sample (x of shape ({net.sizes[0]},)), "
            f"got a batch of {len(trace.x)}"
        )
    sizes = net.sizes
    n_layers = len(net.weights)
    out = []

    def add(phase, key, name, formula, numbers, value, highlight, terms=()):
        out.append(
            Step(
                len(out), phase, key, name, formula, numbers, float(value), tuple(highlight), terms
            )
        )

    def a_name(l, j):  # activation j of layer l (layer 0: the input x)
        if l == 0:
            return node_label("x", 0, j, sizes[0])
        if l == n_layers:
            return node_label("y", l, j, sizes[-1])
        return node_label("a", l, j, sizes[l])

    def a_key(l, j):
        return activation_key(l, j, n_layers)

    def a_value(l, j):
        return trace.x[j - 1] if l == 0 else trace.a[l - 1][j - 1]

    # ---------------------------------------------------------------- forward
    for l in range(1, n_layers + 1):
        act = layers.ACTIVATIONS[net.activations[l - 1]]
        for j in range(1, sizes[l] + 1):
            z = node_label("z", l, j, sizes[l])
            parts, nums, hl = [], [], []
            for i in range(1, sizes[l - 1] + 1):
                w = param_label(weight_key(l, i, j))
                parts.append(f"{w}·{a_name(l - 1, i)}")
                nums.append(f"{fmt(net.weights[l - 1][i - 1, j - 1])}·{fmt(a_value(l - 1, i))}")
                hl += [weight_key(l, i, j), a_key(l - 1, i)]
            if net.biases is not None:
                parts.append(param_label(bias_key(l, j)))
                nums.append(fmt(net.biases[l - 1][j - 1]))
                hl.append(bias_key(l, j))
            zv = trace.z[l - 1][j - 1]
            add(
                "forward",
                z_key(l, j),
                z,
                f"{z} = " + " + ".join(parts),
                " + ".join(nums),
                zv,
                [z_key(l, j)] + hl,
            )
            a = a_name(l, j)
            add(
                "forward",
                a_key(l, j),
                a,
                f"{a} = " + act.formula.format(z=z),
                act.formula.format(z=fmt(zv, paren=False)),
                a_value(l, j),
                [a_key(l, j), z_key(l, j)],
            )

    # ---------------------------------------------------------------- loss
    rule = layers.LOSSES[net.loss]
    K = sizes[-1]
    ys = [a_name(n_layers, k) for k in range(1, K + 1)]
    ts = [node_label("t", 0, k, K) for k in range(1, K + 1)]
    yv, tv = trace.output, trace.target
    loss_hl = [LOSS_KEY] + [a_key(n_layers, k) for k in range(1, K + 1)]
    if rule.cached_probabilities is not None:  # the probabilities first, as forward had them
        pv = rule.cached_probabilities(trace.loss_cache)[0]
        for k in range(1, K + 1):
            pk = f"p{sub(k)}"
            add(
                "forward",
                probability_key(k),
                pk,
                f"{pk} = e^{ys[k - 1]} / Σⱼ e^yⱼ",
                f"e^{fmt(yv[k - 1])} / ({' + '.join('e^' + fmt(v) for v in yv)})",
                pv[k - 1],
                [a_key(n_layers, kk) for kk in range(1, K + 1)],
            )
        ys, yv = [f"p{sub(k)}" for k in range(1, K + 1)], pv  # the loss is written in p
    sym = " + ".join(rule.term.format(y=y, t=t) for y, t in zip(ys, ts))

    def term(y, t, z):  # where y or 1 − y is below 1e-15, float cannot hold both: read z
        if rule.saturated and min(y, 1.0 - y) < 1e-15:
            return rule.saturated.format(
                z=fmt(z, paren=False), minus_z=fmt(-z, paren=False), t=fmt(t)
            )
        if "{y} − {t}" in rule.term:  # y − t: as many digits as it takes to show it
            y, t = fmt_apart(y, t, unit=True)
            return rule.term.format(y=y, t=t)
        return rule.term.format(y=fmt_unit(y), t=fmt(t))

    num = " + ".join(term(y, t, z) for y, t, z in zip(yv, tv, trace.z[-1]))
    add("forward", LOSS_KEY, "L", f"L = {sym}", num, trace.loss, loss_hl)

    # ---------------------------------------------------------------- backward
    g_sym, g_num = rule.gradient
    for k in range(1, K + 1):
        y, (yk, tk) = a_name(n_layers, k), fmt_apart(yv[k - 1], tv[k - 1], unit=True)
        add(
            "backward",
            grad_key(a_key(n_layers, k)),
            _d(y),
            f"{_d(y)} = {g_sym.format(y=ys[k - 1], t=ts[k - 1])}",
            g_num.format(y=yk, t=tk),
            grads.dL_dy[k - 1],
            [a_key(n_layers, k), LOSS_KEY],
        )

    for l in range(n_layers, 0, -1):
        act = layers.ACTIVATIONS[net.activations[l - 1]]
        # the local derivatives da/dz, from the activation's own backward (dz for da = 1)
        local = act.backward(
            np.ones_like(np.atleast_2d(trace.z[l - 1])), trace.caches[l - 1].activation
        )
        for j in range(1, sizes[l] + 1):
            z, a = node_label("z", l, j, sizes[l]), a_name(l, j)
            up, upv = _d(a), grads.dL_da[l - 1][j - 1]
            av, zv = a_value(l, j), trace.z[l - 1][j - 1]
            if l == n_layers and rule.fused is not None:
                # fused: dL/dz = y - t exactly (the y(1-y) of sigma' cancels the BCE denominator)
                formula = f"{_d(z)} = {rule.fused.format(y=a, t=ts[j - 1])}"
                yk, tk = fmt_apart(av, tv[j - 1], unit=True)
                numbers = rule.fused.format(y=yk, t=tk)
                terms = ()
            else:
                d_sym, d_num = act.derivative
                local_val = local[0, j - 1]
                local_sym = d_sym.format(a=a, z=z)
                formula = f"{_d(z)} = {up} · {local_sym}"
                numbers = f"{fmt(upv)} · " + d_num.format(
                    a=fmt_unit(av), z=fmt(zv), d=fmt(local_val)
                )
                terms = (Term(up, float(upv), f"∂{a}/∂{z} = {local_sym}", float(local_val)),)
            add(
                "backward",
                grad_key(z_key(l, j)),
                _d(z),
                formula,
                numbers,
                grads.dL_dz[l - 1][j - 1],
                [z_key(l, j), a_key(l, j)],
                terms,
            )
        for j in range(1, sizes[l] + 1):
            z, dz = node_label("z", l, j, sizes[l]), grads.dL_dz[l - 1][j - 1]
            for i in range(1, sizes[l - 1] + 1):
                wk = weight_key(l, i, j)
                w, ai = param_label(wk), a_name(l - 1, i)
                aiv = a_value(l - 1, i)
                add(
                    "backward",
                    grad_key(wk),
                    _d(w),
                    f"{_d(w)} = {_d(z)} · {ai}",
                    f"{fmt(dz)} · {fmt(aiv)}",
                    grads.weights[l - 1][i - 1, j - 1],
                    [wk, z_key(l, j), a_key(l - 1, i)],
                    (Term(_d(z), float(dz), f"∂{z}/∂{w} = {ai}", float(aiv)),),
                )
            if net.biases is not None:
                bk = bias_key(l, j)
                b = param_label(bk)
                add(
                    "backward",
                    grad_key(bk),
                    _d(b),
                    f"{_d(b)} = {_d(z)} · 1",
                    f"{fmt(dz)} · 1",
                    grads.biases[l - 1][j - 1],
                    [bk, z_key(l, j)],
                    (Term(_d(z), float(dz), f"∂{z}/∂{b} = 1", 1.0),),
                )
        if l > 1:
            for i in range(1, sizes[l - 1] + 1):
                ai = a_name(l - 1, i)
                zs = [node_label("z", l, j, sizes[l]) for j in range(1, sizes[l] + 1)]
                ws = [param_label(weight_key(l, i, j)) for j in range(1, sizes[l] + 1)]
                dzs = grads.dL_dz[l - 1]
                wv = net.weights[l - 1][i - 1]
                add(
                    "backward",
                    grad_key(a_key(l - 1, i)),
                    _d(ai),
                    f"{_d(ai)} = " + " + ".join(f"{_d(z)} · {w}" for z, w in zip(zs, ws)),
                    " + ".join(f"{fmt(d)} · {fmt(v)}" for d, v in zip(dzs, wv)),
                    grads.dL_da[l - 2][i - 1],
                    [a_key(l - 1, i)] + [weight_key(l, i, j) for j in range(1, sizes[l] + 1)],
                    tuple(
                        Term(_d(z), float(d), f"∂{z}/∂{ai} = {w}", float(v))
                        for z, w, d, v in zip(zs, ws, dzs, wv)
                    ),
                )
    return out
