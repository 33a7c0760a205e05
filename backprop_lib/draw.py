"""Drawing: the network as a computation graph, the current step, and a loss curve, as SVG/HTML.

Plain strings, no plotting library: building the whole view takes well under a millisecond, so
a slider can redraw it on every move. The views only read a Network, a Trace, Grads and Steps;
they compute nothing of their own.

Colours are the Okabe–Ito palette, safe for colour-blind viewers: blue for a negative gradient,
vermillion for a positive one; the line's width grows with the gradient's size.
"""

import html
import json

import numpy as np

from .names import bias_key, node_label, param_label, weight_key
from .steps import fmt

NEG, POS = "#0072B2", "#D55E00"  # Okabe–Ito blue, vermillion
HILITE, HILITE_SOFT = "#F0E442", "#FBF6C4"  # Okabe–Ito yellow, and a pale tint of it
INK, MUTED, PAPER = "#1a1a1a", "#6b6b6b", "#ffffff"

CSS = f"""
<style>
.bp-view, .bp-snapshot {{ font-family: 'DejaVu Sans', Verdana, sans-serif; color: {INK}; background: {PAPER};
  padding: 6px; border-radius: 6px; }}
.bp-view svg text {{ font-family: 'DejaVu Sans', Verdana, sans-serif; }}
.bp-row {{ display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }}
.bp-panel {{ flex: 1 1 300px; min-width: 280px; }}
.bp-loss {{ font-size: 20px; margin: 2px 0 6px 0; }}
.bp-formula {{ font-size: 18px; line-height: 1.5; background: #f6f6f6; border-left: 5px solid {HILITE};
  padding: 6px 10px; margin: 4px 0; }}
.bp-formula .bp-num {{ color: #333; }}
.bp-formula .bp-val {{ font-weight: bold; }}
.bp-phase {{ font-size: 14px; color: {MUTED}; text-transform: uppercase; letter-spacing: .05em; }}
.bp-terms {{ margin: 6px 0; }}
.bp-terms td:nth-child(odd) {{ text-align: left; }}
.bp-chips {{ line-height: 1.9; font-size: 13px; }}
.bp-chip {{ display: inline-block; padding: 0 5px; margin: 1px; border-radius: 4px;
  border: 1px solid #ccc; color: {MUTED}; }}
.bp-chip.bp-done {{ color: {INK}; border-color: #999; }}
.bp-chip.bp-step-current {{ background: {HILITE}; color: {INK}; border-color: {INK}; font-weight: bold; }}
.bp-table {{ border-collapse: collapse; font-size: 15px; }}
.bp-table td, .bp-table th {{ padding: 1px 8px; text-align: right; }}
.bp-table th {{ border-bottom: 1px solid #999; }}
.bp-table tr.bp-hl td {{ background: {HILITE_SOFT}; }}
.bp-pos {{ color: {POS}; }} .bp-neg {{ color: {NEG}; }}
.bp-legend {{ font-size: 13px; color: {MUTED}; }}
.bp-presenter .bp-formula {{ font-size: 24px; }}
.bp-presenter .bp-loss {{ font-size: 26px; }}
.bp-presenter .bp-terms {{ font-size: 20px; }}
.bp-presenter .bp-terms td, .bp-presenter .bp-terms th {{ white-space: nowrap; }}
.bp-presenter .bp-table {{ font-size: 18px; }}
</style>
"""


def _esc(s):
    return html.escape(str(s), quote=True)


def _num(v, digits=5):
    """A number standing alone (no parentheses), with a typographic minus."""
    return fmt(v, digits, paren=False)


def _grad_colour(g):
    return POS if g > 0 else NEG if g < 0 else MUTED


# --------------------------------------------------------------------------- the graph


BOX_W, BOX_H = 96, 58  # a node's box, in the SVG's units


def _layout(net, compact=False):
    """Columns: x | z¹ | a¹ | z² | ... | y | L, and a '1' node under each layer's inputs (its
    bias edges). Returns {key: (cx, cy)} and the drawing's size."""
    sizes, n_layers = net.sizes, len(net.weights)
    # distances between column centres: weights need room for their labels, z -> a less
    # (compact: for a projector, where the same width must show larger type)
    gap_w, gap_act, gap_loss, row = (
        (116 + BOX_W, 26 + BOX_W, 26 + BOX_W, 84) if compact
        else (140 + BOX_W, 46 + BOX_W, 46 + BOX_W, 90)
    )
    tallest = max(s + (1 if net.biases is not None and i < n_layers else 0)
                  for i, s in enumerate(sizes))
    height = 70 + row * tallest

    def column(n, extra=0):
        top = (height - row * (n + extra - 1)) / 2
        return [top + row * k for k in range(n + extra)]

    pos, cx = {}, 60.0
    for l in range(n_layers + 1):
        n = sizes[l]
        ys = column(n, 1 if net.biases is not None and l < n_layers else 0)
        for j in range(1, n + 1):
            key = f"x{j}" if l == 0 else (f"y{j}" if l == n_layers else f"a{l}_{j}")
            pos[key] = (cx, ys[j - 1])
        if net.biases is not None and l < n_layers:
            pos[f"one{l + 1}"] = (cx, ys[-1])
        if l < n_layers:
            cx += gap_w
            for j, y in enumerate(column(sizes[l + 1]), start=1):
                pos[f"z{l + 1}_{j}"] = (cx, y)
            cx += gap_act
    pos["L"] = (cx + gap_loss, height / 2)  # cx is now the output column's
    width = pos["L"][0] + BOX_W / 2 + 12
    return pos, width, height


def network_svg(net, trace, grads, highlight=(), max_width=900, compact=False):
    """The computation graph of one sample as an SVG string.

    Nodes (x, z, a, y, L) show their value and, below it, ∂L/∂(node). Edges are the weights
    (and the biases, as edges from a constant 1): colour is the sign of ∂L/∂w, width its size
    relative to the largest. ``highlight``: keys to light up; the first is what the current
    step computes, the rest what it reads.
    """
    if trace.is_batch:
        raise ValueError("trace: expected the trace of one sample, got a batch")
    pos, width, height = _layout(net, compact)
    sizes, n_layers = net.sizes, len(net.weights)
    hl = list(highlight)
    main, soft = (hl[0] if hl else None), set(hl[1:])
    gmax = max([np.abs(g).max() for g in grads.weights]
               + [np.abs(b).max() for b in (grads.biases or ())] + [1e-300])
    out = [
        f'<svg class="bp-graph" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'style="max-width:{max_width}px" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="computation graph of the network">',
        '<defs><marker id="bp-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/>'
        "</marker></defs>",
    ]
    box_w, box_h = BOX_W, BOX_H

    def edge(key, src, dst, grad, label, show_label):
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        x1, x2 = x1 + box_w / 2, x2 - box_w / 2
        w = 1.2 + 7.0 * abs(grad) / gmax
        colour = _grad_colour(grad)
        cls = "bp-edge" + (" bp-hl-main" if key == main else " bp-hl" if key in soft else "")
        if key == main or key in soft:
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                       f'stroke="{HILITE}" stroke-width="{w + (12 if key == main else 8):.1f}" '
                       'stroke-linecap="round"/>')
        value = net.get(key)
        out.append(
            f'<line class="{cls}" data-key="{key}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}" stroke="{colour}" stroke-width="{w:.2f}" stroke-linecap="round">'
            f"<title>{_esc(label)} = {_esc(_num(value))}, ∂L/∂{_esc(label)} = {_esc(_num(grad))}"
            "</title></line>"
        )
        if show_label:
            f = 0.34
            lx, ly = x1 + f * (x2 - x1), y1 + f * (y2 - y1) - 5
            out.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="15" text-anchor="middle" '
                f'fill="{INK}" stroke="{PAPER}" stroke-width="4" paint-order="stroke">'
                f"{_esc(label)}</text>"
            )

    # edges: weights and biases into each z, then z -> a, then y -> L
    for l in range(1, n_layers + 1):
        n_in, n_out = sizes[l - 1], sizes[l]
        show = n_in * n_out <= 9
        for j in range(1, n_out + 1):
            for i in range(1, n_in + 1):
                src = f"x{i}" if l == 1 else f"a{l - 1}_{i}"
                k = weight_key(l, i, j)
                edge(k, src, f"z{l}_{j}", grads.weights[l - 1][i - 1, j - 1], param_label(k), show)
            if net.biases is not None:
                k = bias_key(l, j)
                edge(k, f"one{l}", f"z{l}_{j}", grads.biases[l - 1][j - 1], param_label(k), show)
    for l in range(1, n_layers + 1):
        for j in range(1, sizes[l] + 1):
            (x1, y1) = pos[f"z{l}_{j}"]
            akey = f"y{j}" if l == n_layers else f"a{l}_{j}"
            (x2, y2) = pos[akey]
            out.append(f'<line x1="{x1 + box_w / 2:.1f}" y1="{y1:.1f}" x2="{x2 - box_w / 2 - 2:.1f}" '
                       f'y2="{y2:.1f}" stroke="{MUTED}" stroke-width="1.5" marker-end="url(#bp-arrow)"/>')
            act = net.activations[l - 1]
            out.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{y1 - 7:.1f}" font-size="13" '
                       f'text-anchor="middle" fill="{MUTED}">{_esc(_ACT_SYMBOL[act])}</text>')
    for k in range(1, sizes[-1] + 1):
        (x1, y1), (x2, y2) = pos[f"y{k}"], pos["L"]
        out.append(f'<line x1="{x1 + box_w / 2:.1f}" y1="{y1:.1f}" x2="{x2 - box_w / 2 - 2:.1f}" y2="{y2:.1f}" '
                   f'stroke="{MUTED}" stroke-width="1.5" marker-end="url(#bp-arrow)"/>')

    def node(key, label, value, grad):
        cx, cy = pos[key]
        fill = HILITE if key == main else HILITE_SOFT if key in soft else PAPER
        stroke_w = 3.5 if key == main else 1.6
        cls = "bp-node" + (" bp-hl-main" if key == main else " bp-hl" if key in soft else "")
        out.append(f'<g class="{cls}" data-key="{key}">')
        out.append(f'<rect x="{cx - box_w / 2:.1f}" y="{cy - box_h / 2:.1f}" width="{box_w}" '
                   f'height="{box_h}" rx="9" fill="{fill}" stroke="{INK}" stroke-width="{stroke_w}"/>')
        out.append(f'<text x="{cx:.1f}" y="{cy - 9:.1f}" font-size="15" font-weight="bold" '
                   f'text-anchor="middle" fill="{INK}">{_esc(label)}</text>')
        out.append(f'<text x="{cx:.1f}" y="{cy + 9:.1f}" font-size="15" text-anchor="middle" '
                   f'fill="{INK}">{_esc(_num(value))}</text>')
        if grad is not None:
            out.append(f'<text x="{cx:.1f}" y="{cy + 24:.1f}" font-size="13" text-anchor="middle" '
                       f'fill="{_grad_colour(grad)}">∂ {_esc(_num(grad, 3))}</text>')
        out.append("</g>")

    for i in range(1, sizes[0] + 1):
        node(f"x{i}", node_label("x", 0, i, sizes[0]), trace.x[i - 1], None)
    for l in range(1, n_layers + 1):
        if net.biases is not None:
            cx, cy = pos[f"one{l}"]
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="17" fill="#eeeeee" stroke="{MUTED}"/>'
                       f'<text x="{cx:.1f}" y="{cy + 5:.1f}" font-size="15" text-anchor="middle" '
                       f'fill="{INK}">1</text>')
        for j in range(1, sizes[l] + 1):
            node(f"z{l}_{j}", node_label("z", l, j, sizes[l]), trace.z[l - 1][j - 1],
                 grads.dL_dz[l - 1][j - 1])
            is_out = l == n_layers
            key = f"y{j}" if is_out else f"a{l}_{j}"
            label = node_label("y" if is_out else "a", l, j, sizes[l])
            node(key, label, trace.a[l - 1][j - 1], grads.dL_da[l - 1][j - 1])
    node("L", "L", trace.loss, None)
    out.append("</svg>")
    return "".join(out)


_ACT_SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "identity": "id"}


# --------------------------------------------------------------------------- text panels


def step_html(step, n_steps, terms=True):
    """The current step: its formula, the numbers put in, the value, and for a backward step the
    upstream gradient × local derivative product(s) (``terms=False``: without them; the
    presenter view puts them under the diagram, see ``terms_html``)."""
    if step is None:
        return '<div class="bp-formula" data-bp="formula">(no step)</div>'
    lhs, rhs = step.formula.split(" = ", 1)
    parts = [
        f'<div class="bp-phase">{_esc(step.phase)} pass · step {step.index + 1} of {n_steps}</div>',
        f'<div class="bp-formula" data-bp="formula" data-step-index="{step.index}">'
        f"{_esc(lhs)} = {_esc(rhs)}<br>"
        f'<span class="bp-num">= {_esc(step.numbers)}</span><br>'
        f'<span class="bp-val" data-bp="step-value" data-value="{step.value!r}">'
        f"= {_esc(_num(step.value, 8))}</span></div>",
    ]
    if terms:
        parts.append(terms_html(step))
    return "".join(parts)


def terms_html(step):
    """A backward step's upstream gradient × local derivative product(s), as a table ('' for a
    step without them)."""
    if step is None or not step.terms:
        return ""
    rows = "".join(
        f"<tr><td>{'' if k == 0 else '+ '}{_esc(t.upstream)}</td><td>{_esc(_num(t.upstream_value))}</td>"
        f"<td>× {_esc(t.local)}</td><td>{_esc(_num(t.local_value))}</td></tr>"
        for k, t in enumerate(step.terms)
    )
    return (
        '<table class="bp-table bp-terms" data-bp="terms"><tr><th style="text-align:left">'
        "upstream gradient</th><th></th><th style=\"text-align:left\">local derivative</th>"
        f"<th></th></tr>{rows}</table>"
    )


def chips_html(steps, current):
    """A strip of every step's name; the current one marked ``bp-step-current``."""
    out = ['<div class="bp-chips" data-bp="steps">']
    for s in steps:
        cls = "bp-chip"
        if s.index < current:
            cls += " bp-done"
        elif s.index == current:
            cls += " bp-step-current"
        arrow = "→ " if s.phase == "forward" else "← "
        out.append(f'<span class="{cls}" data-step-index="{s.index}">{arrow}{_esc(s.name)}</span>')
    out.append("</div>")
    return "".join(out)


def params_table_html(net, grads, highlight=()):
    """Each parameter's value and gradient, with ``data-bp="grad"`` readouts for the tests."""
    hl = set(highlight)
    rows = []
    for l, W in enumerate(net.weights, start=1):
        keys = [weight_key(l, i + 1, j + 1) for i, j in np.ndindex(W.shape)]
        gs = [grads.weights[l - 1][i, j] for i, j in np.ndindex(W.shape)]
        if net.biases is not None:
            keys += [bias_key(l, j + 1) for j in range(W.shape[1])]
            gs += list(grads.biases[l - 1])
        for k, g in zip(keys, gs):
            cls = ' class="bp-hl"' if k in hl else ""
            sign = "bp-pos" if g > 0 else "bp-neg" if g < 0 else ""
            rows.append(
                f'<tr{cls}><td style="text-align:left">{_esc(param_label(k))}</td>'
                f'<td data-bp="param" data-param="{k}" data-value="{net.get(k)!r}">'
                f"{_esc(_num(net.get(k)))}</td>"
                f'<td class="{sign}" data-bp="grad" data-param="{k}" data-value="{float(g)!r}">'
                f"{_esc(_num(g))}</td></tr>"
            )
    return (
        '<table class="bp-table"><tr><th style="text-align:left">parameter</th><th>value</th>'
        f"<th>∂L/∂(parameter)</th></tr>{''.join(rows)}</table>"
    )


def slider_still(value, lo, hi, width=150):
    """A slider drawn as a still picture (for static pages): a track and a handle."""
    f = 0.0 if hi == lo else (value - lo) / (hi - lo)
    return (f'<svg width="{width}" height="16" viewBox="0 0 {width} 16"><rect x="0" y="6" '
            f'width="{width}" height="4" rx="2" fill="#cccccc"/><circle cx="{6 + f * (width - 12):.1f}" '
            f'cy="8" r="6" fill="{NEG}"/></svg>')


def net_data_attr(net, x, target):
    """``data-net='{...}'``: the network, input and target as JSON, so that a test reading the
    page can recompute what the view shows (tests/browser does, with backprop_lib)."""
    data = {"sizes": net.sizes, "activations": list(net.activations), "loss": net.loss,
            "biases": net.biases is not None, "params": net.params(),
            "x": [float(v) for v in np.ravel(x)], "target": [float(v) for v in np.ravel(target)]}
    return f"data-net='{_esc(json.dumps(data))}'"


def loss_html(trace):
    return (f'<div class="bp-loss">L = <b data-bp="loss" data-value="{trace.loss!r}">'
            f"{_esc(_num(trace.loss, 8))}</b></div>")


LEGEND = (
    '<div class="bp-legend">edge colour: sign of ∂L/∂w (<span class="bp-neg">■ negative</span>, '
    '<span class="bp-pos">■ positive</span>); width: its size, relative to the largest; '
    "∂ under a node: ∂L/∂(node)</div>"
)


# --------------------------------------------------------------------------- a curve


def _nice_ticks(lo, hi, n=5):
    span = hi - lo if hi > lo else 1.0
    raw = span / n
    mag = 10 ** np.floor(np.log10(raw))
    step = mag * min((m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10)
    start = np.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step + 1e-9) + 1)]


def curve_svg(xs, ys, x_now, y_now, slope=None, xlabel="w", ylabel="L", width=520, height=300):
    """A line plot of ys against xs, with the current point and optionally its tangent line.

    The tangent is y_now + slope (x - x_now): the gradient is the slope of the loss curve.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    left, right, top, bottom = 70, 16, 14, 50
    x0, x1 = float(xs.min()), float(xs.max())
    y0, y1 = float(ys.min()), float(ys.max())
    pad = 0.08 * (y1 - y0 if y1 > y0 else max(abs(y1), 1e-12))
    y0, y1 = y0 - pad, y1 + pad

    def px(x):
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y):
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)

    out = [f'<svg class="bp-curve" viewBox="0 0 {width} {height}" width="100%" '
           f'style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">',
           f'<rect x="{left}" y="{top}" width="{width - left - right}" '
           f'height="{height - top - bottom}" fill="none" stroke="#999"/>']
    for t in _nice_ticks(x0, x1):
        out.append(f'<line x1="{px(t):.1f}" y1="{height - bottom}" x2="{px(t):.1f}" '
                   f'y2="{height - bottom + 5}" stroke="#555"/><text x="{px(t):.1f}" '
                   f'y="{height - bottom + 20}" font-size="13" text-anchor="middle">{_num(t, 3)}</text>')
    for t in _nice_ticks(y0, y1, 4):
        out.append(f'<line x1="{left - 5}" y1="{py(t):.1f}" x2="{left}" y2="{py(t):.1f}" '
                   f'stroke="#555"/><text x="{left - 8}" y="{py(t) + 4:.1f}" font-size="13" '
                   f'text-anchor="end">{_num(t, 3)}</text>')
    pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    out.append(f'<polyline points="{pts}" fill="none" stroke="{INK}" stroke-width="2.5"/>')
    if slope is not None:
        tx = np.array([x0, x1])
        ty = y_now + slope * (tx - x_now)
        # clip the tangent to the plot's vertical range
        out.append(f'<clipPath id="bp-clip"><rect x="{left}" y="{top}" width="{width - left - right}" '
                   f'height="{height - top - bottom}"/></clipPath>')
        out.append(f'<line clip-path="url(#bp-clip)" x1="{px(tx[0]):.1f}" y1="{py(ty[0]):.1f}" '
                   f'x2="{px(tx[1]):.1f}" y2="{py(ty[1]):.1f}" stroke="{POS}" stroke-width="2.5" '
                   'stroke-dasharray="8 5"/>')
    out.append(f'<circle data-bp="curve-point" cx="{px(x_now):.1f}" cy="{py(y_now):.1f}" r="7" '
               f'fill="{NEG}" stroke="{PAPER}" stroke-width="2"/>')
    out.append(f'<text x="{(left + width - right) / 2:.1f}" y="{height - 10}" font-size="15" '
               f'text-anchor="middle">{_esc(xlabel)}</text>')
    out.append(f'<text x="16" y="{(top + height - bottom) / 2:.1f}" font-size="15" '
               f'text-anchor="middle" transform="rotate(-90 16 {(top + height - bottom) / 2:.1f})">'
               f"{_esc(ylabel)}</text></svg>")
    return "".join(out)


# the format helpers, public for the other views (graph_view draws with the same ones)
esc, num, grad_colour = _esc, _num, _grad_colour

__all__ = ["CSS", "LEGEND", "chips_html", "curve_svg", "esc", "grad_colour", "loss_html",
           "net_data_attr", "network_svg", "num", "params_table_html", "slider_still", "step_html", "terms_html"]
