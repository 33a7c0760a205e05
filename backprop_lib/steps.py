"""A replayable record of one forward and backward pass, one scalar at a time.

``steps(net, trace, grads)`` lists every scalar the two passes compute, in order: the forward
pass layer by layer (z, then a), the loss, then the backward pass from dL/dy down to the first
layer's weights. Each Step carries its name, its formula, the formula with the numbers put in,
and its value. The values are read from the trace and the gradients, not computed again here,
so the replay shows exactly what ``forward`` and ``backward`` computed.
"""

from dataclasses import dataclass

import numpy as np

from .checks import check_type
from .layers import softmax
from .names import bias_key, node_label, param_label, sub, weight_key
from .network import Grads, Network, Trace, backward

MINUS = "\u2212"  # the typographic minus sign


def fmt(v, digits=5, paren=True):
    """A number for a formula: 5 significant digits, a real minus sign, and parentheses around a
    negative number (paren=False for a number that stands alone)."""
    s = f"{v:.{digits}g}"
    if "e" in s:
        mant, ex = s.split("e")
        s = f"{mant}·10^{int(ex)}"
    if not s.startswith("-"):
        return s
    return f"({MINUS}{s[1:]})" if paren else MINUS + s[1:]


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


_ACT_FORMULA = {
    "sigmoid": ("σ({z})", "σ({zv})"),
    "tanh": ("tanh({z})", "tanh({zv})"),
    "relu": ("max(0, {z})", "max(0, {zv})"),
    "identity": ("{z}", "{zv}"),
}
# local derivative da/dz, as a formula in a (or z) and as a function of (a, z)
_ACT_DERIV = {
    "sigmoid": ("{a}(1 {m} {a})", lambda a, z: f"{fmt(a)}·(1 {MINUS} {fmt(a)})"),
    "tanh": ("(1 {m} {a}²)", lambda a, z: f"(1 {MINUS} {fmt(a)}²)"),
    "relu": ("[{z} > 0]", lambda a, z: "1" if z > 0 else "0"),
    "identity": ("1", lambda a, z: "1"),
}


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
    same = all(
        np.shape(g) == np.shape(o) and np.array_equal(g, o)
        for g, o in zip(
            (*grads.weights, *(grads.biases or ()), grads.dL_dy, *grads.dL_dz),
            (*own.weights, *(own.biases or ()), own.dL_dy, *own.dL_dz),
        )
    ) and (grads.biases is None) == (own.biases is None) and len(grads.weights) == len(own.weights)
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
            Step(len(out), phase, key, name, formula, numbers, float(value), tuple(highlight), terms)
        )

    def a_name(l, j):  # activation j of layer l (layer 0: the input x)
        if l == 0:
            return node_label("x", 0, j, sizes[0])
        if l == n_layers:
            return node_label("y", l, j, sizes[-1])
        return node_label("a", l, j, sizes[l])

    def a_key(l, j):
        return f"x{j}" if l == 0 else (f"y{j}" if l == n_layers else f"a{l}_{j}")

    def a_value(l, j):
        return trace.x[j - 1] if l == 0 else trace.a[l - 1][j - 1]

    # ---------------------------------------------------------------- forward
    for l in range(1, n_layers + 1):
        act = net.activations[l - 1]
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
            add("forward", f"z{l}_{j}", z, f"{z} = " + " + ".join(parts), " + ".join(nums), zv,
                [f"z{l}_{j}"] + hl)
            f_sym, f_num = _ACT_FORMULA[act]
            a = a_name(l, j)
            add("forward", a_key(l, j), a, f"{a} = " + f_sym.format(z=z),
                f_num.format(zv=fmt(zv, paren=False)), a_value(l, j), [a_key(l, j), f"z{l}_{j}"])

    # ---------------------------------------------------------------- loss
    K = sizes[-1]
    ys = [a_name(n_layers, k) for k in range(1, K + 1)]
    ts = [node_label("t", 0, k, K) for k in range(1, K + 1)]
    yv, tv = trace.output, trace.target
    loss_hl = ["L"] + [a_key(n_layers, k) for k in range(1, K + 1)]
    if net.loss in ("squared_error", "half_squared_error"):
        half = "½" if net.loss == "half_squared_error" else ""
        sym = " + ".join(f"{half}({y} {MINUS} {t})²" for y, t in zip(ys, ts))
        num = " + ".join(f"{half}({fmt(y)} {MINUS} {fmt(t)})²" for y, t in zip(yv, tv))
    elif net.loss == "binary_cross_entropy":
        sym = " + ".join(
            f"{MINUS}[{t}·log {y} + (1 {MINUS} {t})·log(1 {MINUS} {y})]" for y, t in zip(ys, ts)
        )
        num = " + ".join(
            f"{MINUS}[{fmt(t)}·log {fmt(y)} + (1 {MINUS} {fmt(t)})·log(1 {MINUS} {fmt(y)})]"
            for y, t in zip(yv, tv)
        )
    else:  # softmax cross-entropy: the probabilities first
        probs = softmax(yv[None])[0]
        for k in range(1, K + 1):
            pk = f"p{sub(k)}"
            add("forward", f"p{k}", pk, f"{pk} = e^{ys[k - 1]} / Σⱼ e^yⱼ",
                f"e^{fmt(yv[k - 1])} / ({' + '.join('e^' + fmt(v) for v in yv)})", probs[k - 1],
                [a_key(n_layers, kk) for kk in range(1, K + 1)])
        sym = " + ".join(f"{MINUS}{t}·log p{sub(k)}" for k, t in enumerate(ts, 1))
        num = " + ".join(f"{MINUS}{fmt(t)}·log {fmt(q)}" for t, q in zip(tv, probs))
    add("forward", "L", "L", f"L = {sym}", num, trace.loss, loss_hl)

    # ---------------------------------------------------------------- backward
    for k in range(1, K + 1):
        y, t, yk, tk = ys[k - 1], ts[k - 1], yv[k - 1], tv[k - 1]
        if net.loss == "squared_error":
            sym, num = f"2({y} {MINUS} {t})", f"2·({fmt(yk)} {MINUS} {fmt(tk)})"
        elif net.loss == "half_squared_error":
            sym, num = f"{y} {MINUS} {t}", f"{fmt(yk)} {MINUS} {fmt(tk)}"
        elif net.loss == "binary_cross_entropy":
            sym = f"({y} {MINUS} {t}) / ({y}(1 {MINUS} {y}))"
            num = f"({fmt(yk)} {MINUS} {fmt(tk)}) / ({fmt(yk)}·(1 {MINUS} {fmt(yk)}))"
        else:
            sym, num = f"p{sub(k)} {MINUS} {t}", f"{fmt(probs[k - 1])} {MINUS} {fmt(tk)}"
        add("backward", f"dL/dy{k}", _d(y), f"{_d(y)} = {sym}", num, grads.dL_dy[k - 1],
            [a_key(n_layers, k), "L"])

    for l in range(n_layers, 0, -1):
        act = net.activations[l - 1]
        for j in range(1, sizes[l] + 1):
            z, a = node_label("z", l, j, sizes[l]), a_name(l, j)
            up, upv = _d(a), grads.dL_da[l - 1][j - 1]
            av, zv = a_value(l, j), trace.z[l - 1][j - 1]
            if l == n_layers and net.loss == "binary_cross_entropy":
                # fused: dL/dz = y - t exactly (the y(1-y) of sigma' cancels the BCE denominator)
                formula, numbers = f"{_d(z)} = {a} {MINUS} {ts[j - 1]}", (
                    f"{fmt(av)} {MINUS} {fmt(tv[j - 1])}"
                )
                terms = ()
            else:
                d_sym, d_num = _ACT_DERIV[act]
                local = d_sym.format(a=a, z=z, m=MINUS)
                local_num = d_num(av, zv)
                local_val = _local_act(act, av, zv)
                formula = f"{_d(z)} = {up} · {local}"
                numbers = f"{fmt(upv)} · {local_num}"
                terms = (Term(up, float(upv), f"∂{a}/∂{z} = {local}", float(local_val)),)
            add("backward", f"dL/dz{l}_{j}", _d(z), formula, numbers, grads.dL_dz[l - 1][j - 1],
                [f"z{l}_{j}", a_key(l, j)], terms)
        for j in range(1, sizes[l] + 1):
            z, dz = node_label("z", l, j, sizes[l]), grads.dL_dz[l - 1][j - 1]
            for i in range(1, sizes[l - 1] + 1):
                wk = weight_key(l, i, j)
                w, ai = param_label(wk), a_name(l - 1, i)
                aiv = a_value(l - 1, i)
                add("backward", f"dL/d{wk}", _d(w), f"{_d(w)} = {_d(z)} · {ai}",
                    f"{fmt(dz)} · {fmt(aiv)}", grads.weights[l - 1][i - 1, j - 1],
                    [wk, f"z{l}_{j}", a_key(l - 1, i)],
                    (Term(_d(z), float(dz), f"∂{z}/∂{w} = {ai}", float(aiv)),))
            if net.biases is not None:
                bk = bias_key(l, j)
                b = param_label(bk)
                add("backward", f"dL/d{bk}", _d(b), f"{_d(b)} = {_d(z)} · 1", f"{fmt(dz)} · 1",
                    grads.biases[l - 1][j - 1], [bk, f"z{l}_{j}"],
                    (Term(_d(z), float(dz), f"∂{z}/∂{b} = 1", 1.0),))
        if l > 1:
            for i in range(1, sizes[l - 1] + 1):
                ai = a_name(l - 1, i)
                zs = [node_label("z", l, j, sizes[l]) for j in range(1, sizes[l] + 1)]
                ws = [param_label(weight_key(l, i, j)) for j in range(1, sizes[l] + 1)]
                dzs = grads.dL_dz[l - 1]
                wv = net.weights[l - 1][i - 1]
                add("backward", f"dL/da{l - 1}_{i}", _d(ai),
                    f"{_d(ai)} = " + " + ".join(f"{_d(z)} · {w}" for z, w in zip(zs, ws)),
                    " + ".join(f"{fmt(d)} · {fmt(v)}" for d, v in zip(dzs, wv)),
                    grads.dL_da[l - 2][i - 1],
                    [a_key(l - 1, i)] + [weight_key(l, i, j) for j in range(1, sizes[l] + 1)],
                    tuple(Term(_d(z), float(d), f"∂{z}/∂{ai} = {w}", float(v))
                          for z, w, d, v in zip(zs, ws, dzs, wv)))
    return out


def _local_act(act, a, z):
    return {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": float(z > 0), "identity": 1.0}[act]


