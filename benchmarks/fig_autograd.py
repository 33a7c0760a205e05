"""Figure 8: the scalar autograd engine, and the GraphExplorer's slider event.

Part 1 times one forward + backward pass on the same scalar graphs, interleaved:

* **autograd**: ``backprop_lib.autograd.Value``, a fresh graph each call (``expr.build``, then
  ``backward()``), as a learner's loop builds one per step;
* **backprop_lib**: ``bp.backward(net, bp.forward(net, x, t))``, the matrix backprop (only for a
  network: seed 000);
* **torch scalar**: the same graph of 0-d float64 tensors, fresh each call, ``backward()``.

The graphs: seed 000's 2-2-1 network written as one scalar expression (29 nodes), and a seeded
random expression of about 1,000 nodes. Before any timing the three must agree on the loss
and every leaf gradient to 1e-12. No target: the engine is for teaching; the figure says what
its clarity costs.

Part 2 times ``GraphExplorer.set(leaf, value)``: the observer runs what a real slider move runs
in the kernel (build, backward, replay steps, the per-node central differences, the SVG and
HTML of the view). Target: median at most 20 ms for a 40-node expression.
"""

import numpy as np

import backprop_lib as bp
from backprop_lib import examples
from backprop_lib.expr import build, parse, random_expr

from . import stats, timing
from .report import Section, med_p90

MAX_SLIDER_MS = 20.0
SEED_000 = (
    "(sigmoid(sigmoid(x1*w111 + x2*w121 + b11)*w211 + sigmoid(x1*w112 + x2*w122 + b12)*w221"
    " + b21) - t)**2"
)
EXPLORER_EXPRS = [
    "tanh(w1*x1 + w2*x2 + b)",
    "(tanh(w1*x1 + w2*x2 + b1)*v1 + tanh(w3*x1 + w4*x2 + b2)*v2 + tanh(w5*x1 + w6*x2 + b3)*v3"
    " - t)**2 + w1*w3 + b1",
]
BIG_OPS, BIG_SEED = 775, 1  # random_expr(BIG_SEED, 10, BIG_OPS, join=True): about 1,000 nodes


def seed_000_values():
    ex = examples.seed_000()
    (W1, W2), (b1, b2) = ex.net.weights, ex.net.biases
    v = {"x1": ex.x[0], "x2": ex.x[1], "t": ex.target[0], "b21": b2[0]}
    for i in range(2):
        for j in range(2):
            v[f"w1{i + 1}{j + 1}"] = W1[i, j]
        v[f"b1{i + 1}"] = b1[i]
        v[f"w2{i + 1}1"] = W2[i, 0]
    return ex, {k: float(x) for k, x in v.items()}


def torch_build(expr, values, torch):
    out = []
    for n in expr.nodes:
        a = [out[j] for j in n.args]
        if n.op == "leaf":
            v = torch.tensor(values[n.name], dtype=torch.float64, requires_grad=True)
        elif n.op == "const":
            v = n.value
        elif n.op == "+":
            v = a[0] + a[1]
        elif n.op == "-":
            v = a[0] - a[1]
        elif n.op == "*":
            v = a[0] * a[1]
        elif n.op == "/":
            v = a[0] / a[1]
        elif n.op == "**":
            v = a[0] ** n.value
        elif n.op == "neg":
            v = -a[0]
        else:
            v = getattr(torch, n.op)(a[0])
        out.append(v)
    return out


def _ours(expr, values):
    def run():
        nodes = build(expr, values)
        nodes[-1].backward()
        return nodes

    return run


def _torch(expr, values, torch):
    def run():
        nodes = torch_build(expr, values, torch)
        nodes[-1].backward()
        return nodes

    return run


def _check(expr, ours, theirs, lib=None):
    """The largest difference in the output and the leaves' gradients (AssertionError > 1e-12)."""
    o, t = ours(), theirs()
    worst = abs(o[-1].data - t[-1].item())
    for n, a, b in zip(expr.nodes, o, t):
        if n.op == "leaf":
            worst = max(worst, abs(a.grad - (0.0 if b.grad is None else b.grad.item())))
    if lib is not None:
        names, grads = lib
        got = {n.name: a.grad for n, a in zip(expr.nodes, o) if n.op == "leaf"}
        worst = max(worst, max(abs(got[k] - g) for k, g in zip(names, grads)))
    if worst > 1e-12:
        raise AssertionError(f"the engines disagree by {worst:.2e} (> 1e-12)")
    return worst


def figure_8(settings):
    import torch

    from backprop_lib.graph_explorer import GraphExplorer  # ipywidgets: only for this figure

    s = Section(
        8,
        "the scalar autograd engine vs backprop_lib vs PyTorch, and the GraphExplorer (µs, ms)",
        ["what", "nodes", "autograd.Value", "backprop_lib", "torch scalar", "ratio", "result"],
    )
    ex, v000 = seed_000_values()
    e000 = parse(SEED_000)
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    lib_names = ["w111", "w112", "w121", "w122", "b11", "b12", "w211", "w221", "b21"]
    lib_grads = [*g.dL_dW1.ravel(), *g.dL_db1, *g.dL_dW2.ravel(), *g.dL_db2]
    big, vbig = random_expr(BIG_SEED, 10, BIG_OPS, max_depth=40, join=True)
    cases = [
        ("seed 000 (2-2-1) as a scalar graph", e000, v000, True),
        (f"random expression (seed {BIG_SEED})", big, vbig, False),
    ]
    for label, expr, values, is_net in cases:
        ours, theirs = _ours(expr, values), _torch(expr, values, torch)
        worst = _check(expr, ours, theirs, (lib_names, lib_grads) if is_net else None)
        fns = {"autograd": ours, "torch": theirs}
        if is_net:
            fns["backprop_lib"] = lambda: bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
        samples, ks = timing.interleaved(fns, settings.calls_repeats, settings.min_sample_ms)
        us = {k: np.array(x) / 1e3 for k, x in samples.items()}
        summ = {k: stats.summary(x, "µs") for k, x in us.items()}
        ratio = stats.summary(stats.ratios(us["autograd"], us["torch"]))
        s.add(
            [
                label,
                len(expr),
                med_p90(summ["autograd"]),
                med_p90(summ["backprop_lib"]) if is_net else "—",
                med_p90(summ["torch"]),
                f"autograd ÷ torch {med_p90(ratio)}",
            ],
            [],
            {
                "case": label,
                "nodes": len(expr),
                "us_per_call": summ,
                "autograd_over_torch": ratio,
                "calls_per_sample": ks,
                "max_diff": worst,
            },
        )
    for text in EXPLORER_EXPRS:
        gx = GraphExplorer(text)
        leaf = gx.expr.leaves[0]
        base = gx.sliders[leaf].value
        ms = []
        for r in range(2 + settings.explorer_repeats):
            before = gx.view.value
            value = base + (0.05 if r % 2 == 0 else 0.0)
            ns = timing.time_once_ns(lambda g=gx, k=leaf, v=value: g.set(k, v))
            if gx.view.value == before:
                raise AssertionError(
                    f"GraphExplorer({text!r}): moving {leaf} left the view as it was"
                )
            if r >= 2:
                ms.append(ns / 1e6)
        summ = stats.summary(ms, "ms")
        s.add(
            [
                f"GraphExplorer.set({leaf!r}, ...) on {text[:40]}{'…' if len(text) > 40 else ''}",
                len(gx.expr),
                "",
                "",
                "",
                f"{med_p90(summ)} ms per move",
            ],
            [(f"median ≤ {MAX_SLIDER_MS:g} ms", summ["median"] <= MAX_SLIDER_MS)],
            {"expression": text, "nodes": len(gx.expr), "ms": summ},
        )
    s.notes += [
        "µs per forward + backward pass (a fresh graph each call), median / p90 over "
        f"{settings.calls_repeats} interleaved samples; all three agree to 1e-12 first.",
        "The GraphExplorer rows: ms from a slider event to the new view's HTML in the kernel "
        f"(median / p90 of {settings.explorer_repeats} moves; target ≤ {MAX_SLIDER_MS:g} ms "
        "for 40 nodes). The node count includes constants.",
    ]
    return s
