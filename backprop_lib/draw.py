"""Drawing: a computation graph, the current step, and a loss curve, as SVG/HTML.

The course has one drawing of a graph, ``render_graph``: nodes (``Node``: a box with its value
and gradient), edges (``Edge``: labelled, coloured and dashed by the gradient's sign) and a
layout that places them (``Placed``). The network is one layout fed to it (``network_svg``: its
layer columns); any expression graph is another (``graph_view.graph_svg``: layered).

Plain strings, no plotting library: building the whole view takes well under a millisecond, so
a slider can redraw it on every move. The views only read a Network, a Trace, Grads and Steps;
they compute nothing of their own.

Colours come from ``theme`` (one palette for every view; it follows JupyterLab's light and dark
themes): blue for a negative gradient, vermillion for a positive one, and a negative gradient's
edge is also dashed, so the sign never rests on colour alone; the line's width grows with the
gradient's size. ``Figure`` shows an SVG as an output that reads right in an untrusted notebook.
"""

import html
import json
import re
from typing import NamedTuple

import numpy as np

from . import checks, theme
from .layers import ACTIVATIONS
from .names import (
    LOSS_KEY,
    activation_key,
    bias_key,
    fmt,
    input_key,
    node_label,
    one_key,
    output_key,
    param_label,
    weight_key,
    z_key,
)
from .svgplot import ticks
from .theme import paint, var

CSS = f"""
<style>
{theme.CSS}
.bp-view, .bp-snapshot, .bp-fig {{ font-family: {theme.FONT}; color: {var("ink")}; background: {var("paper")};
  padding: 6px; border-radius: 6px; }}
.bp-view svg text, .bp-fig svg text {{ font-family: {theme.FONT}; }}
.bp-row {{ display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }}
.bp-panel {{ flex: 1 1 300px; min-width: min-content; }}  /* never narrower than a table in it */
.bp-scroll {{ overflow-x: auto; max-width: 100%; }}
.bp-view {{ box-sizing: border-box; max-width: 100%; min-width: 0; }}
.bp-explorer .widget-html, .bp-explorer .widget-html-content {{ min-width: 0; max-width: 100%; }}
.bp-loss {{ font-size: 20px; margin: 2px 0 6px 0; }}
.bp-formula {{ font-size: 18px; line-height: 1.5; background: {var("panel")}; border-left: 5px solid {var("hilite")};
  padding: 6px 10px; margin: 4px 0; }}
.bp-formula .bp-val {{ font-weight: bold; }}
.bp-phase {{ font-size: 14px; color: {var("muted")}; letter-spacing: .02em; }}
.bp-terms {{ margin: 6px 0; }}
.bp-terms td:nth-child(odd) {{ text-align: left; }}
.bp-chips {{ line-height: 1.9; font-size: 13px; color: {var("muted")}; }}
.bp-chip {{ display: inline; padding: 0 3px; white-space: nowrap; }}
.bp-chip.bp-done {{ color: {var("ink")}; }}
.bp-chip.bp-step-current {{ background: {var("hilite")}; color: {var("ink")}; font-weight: bold;
  border-radius: 3px; }}
.bp-table {{ border-collapse: collapse; font-size: 15px; }}
.bp-table td, .bp-table th {{ padding: 1px 8px; text-align: right; }}
.bp-table th {{ border-bottom: 1px solid {var("line")}; }}
.bp-table tr.bp-hl td {{ background: {var("hilite_soft")}; }}
.bp-pos {{ color: {var("pos")}; }} .bp-neg {{ color: {var("neg")}; }}
.bp-legend {{ font-size: 13px; color: {var("muted")}; }}
.bp-presenter .bp-formula {{ font-size: 24px; }}
.bp-presenter .bp-loss {{ font-size: 26px; }}
.bp-presenter .bp-terms {{ font-size: 20px; }}
.bp-presenter .bp-terms td, .bp-presenter .bp-terms th {{ white-space: nowrap; }}
.bp-presenter .bp-table {{ font-size: 18px; }}
</style>
"""


def _esc(s):
    return html.escape(str(s), quote=True)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _num(v, digits=5):
    """A number standing alone (no parentheses), with a typographic minus and a superscript
    exponent (``1.5226·10⁻⁸``, never ``10^-8``). A value just short of 1 or of 0 that would
    round to them (a saturated sigmoid) is written ``1 − 2.1·10⁻⁹``, not "1"."""
    v = float(v)
    s = fmt(v, digits, paren=False)
    if "^" in s:
        mant, ex = s.split("^")
        s = mant + ex.translate(_SUPERSCRIPT)
    if s in ("1", "−1") and abs(v) != 1.0:
        gap = 1.0 - abs(v)
        sign = "−" if v < 0 else ""
        return f"{sign}1 {'−' if gap > 0 else '+'} {_num(abs(gap), 2)}"
    return s


def _grad_colour(g):
    return "pos" if g > 0 else "neg" if g < 0 else "muted"


def _fit(text, width, size):
    """``textLength`` for an SVG text that would be wider than ``width`` at font ``size``
    (about 0.62 em a character in DejaVu Sans): squeezed to fit rather than overflowing."""
    if len(text) * 0.62 * size <= width:
        return ""
    return f' textLength="{width:.0f}" lengthAdjust="spacingAndGlyphs"'


# --------------------------------------------------------------------------- a graph, any graph
# The course's one drawing of a graph. A graph is its nodes (a box with a value and, under it, the
# gradient ∂ of what the graph computes with respect to the node) and its edges (an arrow that
# carries a value forward and is coloured by the gradient flowing back along it); a layout gives
# every node its place. Two layouts feed it: the network's layer columns (``network_svg``) and any
# expression's layered, few-crossings layout (``graph_view.graph_svg``).


BOX_W, BOX_H = 96, 62  # a node's box, in the SVG's units (a layout may ask for another width)
FONT_LABEL, FONT_VALUE, FONT_GRAD, FONT_BADGE = 16, 16, 15, 13  # graph text, in the SVG's units
MIN_SCALE = 0.8  # the network's graph is never drawn smaller: 15 units stay >= 12 CSS px


class Node(NamedTuple):
    """A box. key: its id (``data-key``, what a highlight names); label: its name (the bold top
    line; also the tooltip's); value; grad: the ∂ line under the value (None: no line);
    kind: 'const' draws a dashed pill with the value only; badge: (symbol, text, kind) with kind
    'ok', 'warn' or 'bad', a line under the box; data: extra ``data-*`` attributes, (name, text) pairs."""

    key: str
    label: str
    value: float
    grad: float | None = None
    kind: str = ""
    badge: tuple | None = None
    data: tuple = ()


class Edge(NamedTuple):
    """An arrow from node src to node dst. grad: the gradient it carries back (its sign is the
    colour, and a negative one is also dashed; None: a plain grey arrow); label: written on it;
    key: its id (``data-key``, what a highlight names; a network's parameter); title: its tooltip;
    via: points (SVG units) it bends through; at: where on its last segment the label sits (0..1);
    arrow: an arrowhead at dst."""

    src: str
    dst: str
    grad: float | None = None
    label: str = ""
    key: str = ""
    title: str = ""
    via: tuple = ()
    at: float = 0.5
    arrow: bool = True


class Placed(NamedTuple):
    """A layout in the SVG's units: pos[key] = a node's centre (cx, cy); the drawing's size; the
    boxes' size."""

    pos: dict
    width: float
    height: float
    box: tuple = (BOX_W, BOX_H)


def render_graph(
    nodes,
    edges,
    placed,
    highlight=(),
    mark=None,
    description="",
    width_by_grad=False,
    grad_digits=3,
    fit=None,
    scale=1.0,
    data_bp="",
):
    """Nodes and edges, placed by a layout, as a standalone SVG string.

    highlight: keys of nodes and edges to light up, the first being what the current step
    computes (the rest: what it reads); mark: a node's key to mark wrong (✗). description: the
    graph in words (the aria-label: a screen reader's and an image's text). width_by_grad: an
    edge's width grows with |grad| (relative to the largest). grad_digits: the ∂ lines' digits.
    fit: (max_width, min_width) in CSS px, to scale with the page between them; else drawn at
    ``scale`` times its natural size. data_bp: the SVG's ``data-bp`` (what tests look for).
    """
    pos, width, height, (box_w, box_h) = placed
    hl = list(highlight)
    main, soft = (hl[0] if hl else None), set(hl[1:])
    if fit is None:
        size = (
            f'width="{width * scale:.0f}" height="{height * scale:.0f}" '
            f'style="max-width:{width * scale:.0f}px; min-width:{width * scale:.0f}px"'
        )
    else:
        size = f'width="100%" style="max-width:{fit[0]:.0f}px; min-width:{fit[1]:.0f}px"'
    data = f' data-bp="{data_bp}"' if data_bp else ""
    out = [
        f'<svg class="bp-graph"{data} viewBox="0 0 {width:.0f} {height:.0f}" {size} '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_esc(description)}">',
        '<defs><marker id="bp-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" '
        'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" {paint(fill="line")}/></marker></defs>',
    ]
    gmax = max([abs(e.grad) for e in edges if e.grad is not None] + [1e-300])
    labels = []
    for e in edges:
        (x1, y1), (x2, y2) = pos[e.src], pos[e.dst]
        pts = [(x1 + box_w / 2, y1), *e.via, (x2 - box_w / 2 - (2 if e.arrow else 0), y2)]
        g = e.grad
        w = 1.5 if g is None else 1.6 + 7.0 * abs(g) / gmax if width_by_grad else 2.0
        if len(pts) == 2 and not e.arrow:  # a straight edge: a line
            (ax, ay), (bx, by) = pts
            shape, geometry = "line", f'x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}"'
        else:
            shape, geometry = (
                "path",
                'd="M' + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '" fill="none"',
            )
        lit = e.key and (e.key == main or e.key in soft)
        if lit:  # the highlight under the edge, so the sign's colour and dashes stay
            out.append(
                f"<{shape} {geometry} {paint(stroke='hilite')} "
                f'stroke-width="{w + (12 if e.key == main else 8):.1f}" stroke-linecap="round"/>'
            )
        if g is None:
            attrs = f"{paint(stroke='line')}"
        else:
            cls = "bp-edge" + (" bp-hl-main" if e.key == main else " bp-hl" if lit else "")
            attrs = f"{paint(stroke=_grad_colour(g), cls=cls)}" + (
                f' data-key="{e.key}"' if e.key else ""
            )
            attrs += f' data-sign="{int(g > 0) - int(g < 0)}"'
        dash = (
            f' stroke-dasharray="{2.2 * w + 3:.1f} {w + 4:.1f}"' if g is not None and g < 0 else ""
        )
        arrow = ' marker-end="url(#bp-arrow)"' if e.arrow else ""
        title = f"<title>{_esc(e.title)}</title>" if e.title else ""
        out.append(
            f'<{shape} {attrs} {geometry} stroke-width="{w:.2f}"{dash}{arrow}>{title}</{shape}>'
        )
        if e.label:
            (ax, ay), (bx, by) = pts[-2], pts[-1]
            colour = "muted" if g is None else "ink"
            labels.append(
                f'<text x="{ax + e.at * (bx - ax):.1f}" y="{ay + e.at * (by - ay) - 6:.1f}" '
                f'font-size="{FONT_LABEL}" text-anchor="middle" {paint(fill=colour, stroke="paper")} '
                f'stroke-width="4" paint-order="stroke">{_esc(e.label)}</text>'
            )
    out += labels  # over every edge

    def text(x, y, s, size, colour, bold=False, extra=""):
        weight = ' font-weight="bold"' if bold else ""
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{weight} text-anchor="middle" '
            f"{paint(fill=colour)}{extra}{_fit(s, box_w - 8, size)}>{_esc(s)}</text>"
        )

    for n in nodes:
        cx, cy = pos[n.key]
        top, is_const = cy - box_h / 2, n.kind == "const"
        fill = "hilite" if n.key == main else "hilite_soft" if n.key in soft else "paper"
        cls = "bp-node" + (" bp-hl-main" if n.key == main else " bp-hl" if n.key in soft else "")
        stroke, sw = ("bad", 4.5) if n.key == mark else ("ink", 3.5 if n.key == main else 1.6)
        data = "".join(f' data-{k}="{_esc(v)}"' for k, v in n.data)
        out.append(f'<g class="{cls}" data-key="{n.key}"{data}>')
        grad = "" if n.grad is None else f", ∂/∂{n.label} = {_num(n.grad, 8)}"
        out.append(f"<title>{_esc(n.label)} = {_esc(_num(n.value, 8))}{_esc(grad)}</title>")
        rx = box_h / 2 if is_const else 9
        out.append(
            f'<rect x="{cx - box_w / 2:.1f}" y="{top:.1f}" width="{box_w}" height="{box_h}" '
            f'rx="{rx:.0f}" {paint(fill=fill, stroke=stroke)} stroke-width="{sw}"'
            + (' stroke-dasharray="5 3"/>' if is_const else "/>")
        )
        # the lines: name, value, ∂ (a constant: value and ∂, or its value alone, centred)
        y_value = top + 39 if not is_const else top + 28 if n.grad is not None else cy + 6
        if not is_const:
            text(cx, top + 20, n.label, FONT_LABEL, "ink", bold=True)
        text(cx, y_value, _num(n.value), FONT_VALUE, "ink")
        if n.grad is not None:
            # on the highlight's yellow the sign's colour would be faint: ink (the − says it)
            colour = "ink" if n.key == main else _grad_colour(n.grad)
            text(
                cx,
                y_value + 17,
                f"∂ {_num(n.grad, grad_digits)}",
                FONT_GRAD,
                colour,
                extra=' data-bp="node-grad"',
            )
        if n.badge is not None:
            symbol, words, kind = n.badge
            colour = "ink" if n.key == main else {"ok": "ok", "warn": "bad", "bad": "bad"}[kind]
            text(
                cx,
                top + BOX_H + 10,
                f"{symbol} {words}",
                FONT_BADGE,
                colour,
                extra=f' data-bp="badge" data-badge="{kind}"',
            )
        if n.key == mark:
            out.append(
                f'<text x="{cx + box_w / 2 - 4:.1f}" y="{top + 14:.1f}" font-size="{FONT_LABEL}" '
                f'text-anchor="end" {paint(fill="bad")} font-weight="bold">✗</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- the network's graph
# Its layout is fixed: the layer columns x | z¹ | a¹ | z² | ... | y | L.


def _layout(net, compact=False):
    """Columns: x | z¹ | a¹ | z² | ... | y | L, and a '1' node under each layer's inputs (its
    bias edges). Returns {key: (cx, cy)} and the drawing's size."""
    sizes, n_layers = net.sizes, len(net.weights)
    # distances between column centres: weights need room for their labels, z -> a less
    # (compact: for a projector, where the same width must show larger type)
    gap_w, gap_act, gap_loss, row = (
        (100 + BOX_W, 22 + BOX_W, 22 + BOX_W, 84)
        if compact
        else (112 + BOX_W, 30 + BOX_W, 30 + BOX_W, 90)
    )
    tallest = max(
        s + (1 if net.biases is not None and i < n_layers else 0) for i, s in enumerate(sizes)
    )
    height = 70 + row * tallest

    def column(n, extra=0):
        top = (height - row * (n + extra - 1)) / 2
        return [top + row * k for k in range(n + extra)]

    pos, cx = {}, 56.0
    for l in range(n_layers + 1):
        n = sizes[l]
        ys = column(n, 1 if net.biases is not None and l < n_layers else 0)
        for j in range(1, n + 1):
            key = activation_key(l, j, n_layers)
            pos[key] = (cx, ys[j - 1])
        if net.biases is not None and l < n_layers:
            pos[one_key(l + 1)] = (cx, ys[-1])
        if l < n_layers:
            cx += gap_w
            for j, y in enumerate(column(sizes[l + 1]), start=1):
                pos[z_key(l + 1, j)] = (cx, y)
            cx += gap_act
    pos[LOSS_KEY] = (cx + gap_loss, height / 2)  # cx is now the output column's
    width = pos[LOSS_KEY][0] + BOX_W / 2 + 8
    return pos, width, height


def graph_min_width(net, compact=False):
    """The narrowest the graph is drawn, in CSS px (``MIN_SCALE`` of its own width)."""
    return MIN_SCALE * _layout(net, compact)[1]


def graph_description(net, trace, grads):
    """The graph in words, for a screen reader and an image's alt text: every node's value and
    ∂L/∂(node), and every parameter's value and gradient."""
    sizes, n_layers = net.sizes, len(net.weights)
    parts = [
        f"Computation graph of a {'-'.join(map(str, sizes))} network. Inputs: "
        + ", ".join(
            f"{node_label('x', 0, i + 1, sizes[0])} = {_num(v)}" for i, v in enumerate(trace.x)
        )
        + "."
    ]
    for l in range(1, n_layers + 1):
        is_out = l == n_layers
        nodes = []
        for j in range(sizes[l]):
            z, a = (
                node_label("z", l, j + 1, sizes[l]),
                node_label("y" if is_out else "a", l, j + 1, sizes[l]),
            )
            nodes.append(
                f"{z} = {_num(trace.z[l - 1][j])} (∂L/∂{z} = {_num(grads.dL_dz[l - 1][j], 3)}), "
                f"{a} = {_num(trace.a[l - 1][j])} (∂L/∂{a} = {_num(grads.dL_da[l - 1][j], 3)})"
            )
        parts.append(("Output: " if is_out else f"Layer {l}: ") + "; ".join(nodes) + ".")
    parts.append(f"Loss L = {_num(trace.loss)}.")
    params = []
    for l, W in enumerate(net.weights, start=1):
        for i, j in np.ndindex(W.shape):
            k = weight_key(l, i + 1, j + 1)
            params.append(
                f"{param_label(k)} = {_num(W[i, j])}, gradient {_num(grads.weights[l - 1][i, j], 3)}"
            )
        if net.biases is not None:
            for j in range(W.shape[1]):
                k = bias_key(l, j + 1)
                params.append(
                    f"{param_label(k)} = {_num(net.biases[l - 1][j])}, "
                    f"gradient {_num(grads.biases[l - 1][j], 3)}"
                )
    parts.append("Edges, one per parameter: " + "; ".join(params) + ".")
    return " ".join(parts)


def network_svg(net, trace, grads, highlight=(), max_width=900, compact=False):
    """The computation graph of one sample as a standalone SVG string (``render_graph`` on the
    layer columns).

    Nodes (x, z, a, y, L) show their value and, below it, ∂L/∂(node). Edges are the weights
    (and the biases, as edges from a constant 1): colour is the sign of ∂L/∂w (a negative one
    is also dashed), width its size relative to the largest. ``highlight``: keys to light up;
    the first is what the current step computes, the rest what it reads. The SVG is never
    drawn narrower than ``MIN_SCALE`` of its own width (its text stays >= 12 CSS px).
    """
    checks.as_network(net)  # and the trace and grads of this network: else an IndexError
    checks.as_trace(trace, net)  # deep in the drawing
    checks.as_grads(grads, net)
    if trace.is_batch:
        raise ValueError("trace: expected the trace of one sample, got a batch")
    pos, width, height = _layout(net, compact)
    sizes, n_layers = net.sizes, len(net.weights)
    nodes = [
        Node(input_key(i), node_label("x", 0, i, sizes[0]), trace.x[i - 1])
        for i in range(1, sizes[0] + 1)
    ]
    edges = []

    def parameter(key, src, dst, grad, show_label):
        label = param_label(key)
        edges.append(
            Edge(
                src,
                dst,
                grad,
                label if show_label else "",
                key,
                arrow=False,
                at=0.34,
                title=f"{label} = {_num(net.get(key))}, ∂L/∂{label} = {_num(grad)}",
            )
        )

    for l in range(1, n_layers + 1):
        n_in, n_out, is_out = sizes[l - 1], sizes[l], l == n_layers
        show = n_in * n_out <= 9  # more labels than that would cover the edges
        if net.biases is not None:
            nodes.append(Node(one_key(l), "1", 1.0, kind="const"))
        for j in range(1, n_out + 1):
            z = z_key(l, j)
            for i in range(1, n_in + 1):
                src = activation_key(l - 1, i, n_layers)
                parameter(weight_key(l, i, j), src, z, grads.weights[l - 1][i - 1, j - 1], show)
            if net.biases is not None:
                parameter(bias_key(l, j), one_key(l), z, grads.biases[l - 1][j - 1], show)
            a = activation_key(l, j, n_layers)
            nodes.append(
                Node(
                    z,
                    node_label("z", l, j, n_out),
                    trace.z[l - 1][j - 1],
                    grads.dL_dz[l - 1][j - 1],
                )
            )
            nodes.append(
                Node(
                    a,
                    node_label("y" if is_out else "a", l, j, n_out),
                    trace.a[l - 1][j - 1],
                    grads.dL_da[l - 1][j - 1],
                )
            )
            edges.append(
                Edge(
                    z, a, label=ACTIVATIONS[net.activations[l - 1]].symbol or net.activations[l - 1]
                )
            )
    nodes.append(Node(LOSS_KEY, "L", trace.loss))
    edges += [Edge(output_key(k), LOSS_KEY) for k in range(1, sizes[-1] + 1)]
    return render_graph(
        nodes,
        edges,
        Placed(pos, width, height),
        highlight,
        description=graph_description(net, trace, grads),
        width_by_grad=True,
        fit=(max(max_width, MIN_SCALE * width), MIN_SCALE * width),
    )


# --------------------------------------------------------------------------- text panels


def step_html(step, n_steps, terms=True):
    """The current step: its formula, the numbers put in, the value, and for a backward step the
    upstream gradient × local derivative product(s) (``terms=False``: without them; the
    presenter view puts them under the diagram, see ``terms_html``)."""
    if step is None:
        return '<div class="bp-formula" data-bp="formula">(no step)</div>'
    lhs, rhs = step.formula.split(" = ", 1)
    parts = [
        f'<div class="bp-phase" data-bp-live>{_esc(step.phase)} pass · step {step.index + 1} of '
        f"{n_steps}: {_esc(step.name)}</div>",
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
        'upstream gradient</th><th></th><th style="text-align:left">local derivative</th>'
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
        # a chip never breaks inside (white-space: nowrap); the strip breaks at the spaces between
        out.append(f'<span class="{cls}" data-step-index="{s.index}">{arrow}{_esc(s.name)}</span> ')
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
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="16" viewBox="0 0 {width} 16">'
        f'<rect x="0" y="6" width="{width}" height="4" rx="2" {paint(fill="line")}/>'
        f'<circle cx="{6 + f * (width - 12):.1f}" cy="8" r="6" {paint(fill="neg")}/></svg>'
    )
    return theme.still(
        svg, f"slider at {_num(value, 3)} (from {_num(lo, 3)} to {_num(hi, 3)})", width, live=False
    )


def net_data_attr(net, x, target):
    """``data-net='{...}'``: the network, input and target as JSON, so that a test reading the
    page can recompute what the view shows (tests/browser does, with backprop_lib)."""
    data = {
        "sizes": net.sizes,
        "activations": list(net.activations),
        "loss": net.loss,
        "biases": net.biases is not None,
        "params": net.params(),
        "x": [float(v) for v in np.ravel(x)],
        "target": [float(v) for v in np.ravel(target)],
    }
    return f"data-net='{_esc(json.dumps(data))}'"


def loss_html(trace):
    return (
        f'<div class="bp-loss">L = <b data-bp="loss" data-value="{trace.loss!r}">'
        f"{_esc(_num(trace.loss, 8))}</b></div>"
    )


LEGEND = (
    '<div class="bp-legend">edge: sign of ∂L/∂w (<span class="bp-neg">- - dashed blue: negative</span>, '
    '<span class="bp-pos">── solid vermillion: positive</span>); width: its size, relative to the '
    "largest; ∂ under a node: ∂L/∂(node)</div>"
)


# --------------------------------------------------------------------------- a curve


_TOO_WIDE = "its length is beyond float64's largest number (about 1.8e308); scale the data down"


def curve_svg(
    xs, ys, x_now, y_now, slope=None, xlabel="w", ylabel="L", width=520, height=300, y_range=None
):
    """A line plot of ys against xs as a standalone SVG, with the current point and optionally
    its tangent line (y_now + slope (x - x_now): the gradient is the slope of the loss curve).

    xs, ys: finite numbers, one y per x, at least two different xs; x_now, y_now, slope: finite.
    y_range: (lo, hi) of the y-axis (default: the data's range); the curve is clipped to it.
    """
    xs, ys = checks.as_float_array(xs, "xs"), checks.as_float_array(ys, "ys")
    if xs.ndim != 1 or len(xs) < 2 or xs.min() == xs.max():
        what = checks.describe(xs.tolist())
        raise ValueError(f"xs: expected a list of at least two different numbers, got {what}")
    if ys.shape != xs.shape:
        raise ValueError(f"ys: expected one number per x, shape {xs.shape}, got shape {ys.shape}")
    x_now, y_now = checks.as_number(x_now, "x_now"), checks.as_number(y_now, "y_now")
    slope = slope if slope is None else checks.as_number(slope, "slope")
    left, right, top, bottom = 76, 16, 14, 50
    checks.as_number(width, "width", left + right, low_open=True)  # room for the plot
    checks.as_number(height, "height", top + bottom, low_open=True)
    x0, x1 = float(xs.min()), float(xs.max())
    if y_range is None:
        y0, y1 = float(ys.min()), float(ys.max())
        pad = 0.08 * (y1 - y0 if y1 > y0 else max(abs(y1), 1e-12))
        y0, y1 = y0 - pad, y1 + pad
    else:
        r = checks.as_float_array(y_range, "y_range")
        if r.shape != (2,) or not r[0] < r[1]:
            raise ValueError(f"y_range: expected (lo, hi) with lo < hi, got {y_range!r}")
        y0, y1 = map(float, r)
    for name, lo, hi, length in (
        ("xs", x0, x1, x1 - x0),
        ("ys", ys.min(), ys.max(), y1 - y0) if y_range is None else ("y_range", y0, y1, y1 - y0),
    ):
        if length == np.inf:  # the axis is longer than float64 holds: nothing could be placed
            raise ValueError(f"{name}: cannot draw from {lo:g} to {hi:g}: {_TOO_WIDE}")

    # x and y in pixels; a point far outside the axes (a far x_now, ys beyond y_range) is drawn
    # no farther than a million plots off them, where its pixel would overflow
    pw, ph = width - left - right, height - top - bottom

    def px(x):
        with np.errstate(over="ignore"):
            return left + np.clip((x - x0) / (x1 - x0), -1e6, 1e6) * pw

    def py(y):
        with np.errstate(over="ignore"):
            return height - bottom - np.clip((y - y0) / (y1 - y0), -1e6, 1e6) * ph

    desc = (
        f"{ylabel} against {xlabel} from {_num(x0, 3)} to {_num(x1, 3)}; the dot: {xlabel} = "
        f"{_num(x_now, 4)}, {ylabel} = {_num(y_now, 4)}"
        + (f"; dashed: the tangent, slope {_num(slope, 4)}" if slope is not None else "")
    )
    out = [
        f'<svg class="bp-curve" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{_esc(desc)}">',
        f'<clipPath id="bp-clip"><rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}"/></clipPath>',
        f'<rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}" fill="none" {paint(stroke="line")}/>',
    ]
    for t in ticks(x0, x1, 5):
        out.append(
            f'<line x1="{px(t):.1f}" y1="{height - bottom}" x2="{px(t):.1f}" '
            f'y2="{height - bottom + 5}" {paint(stroke="line")}/><text x="{px(t):.1f}" '
            f'y="{height - bottom + 21}" font-size="15" text-anchor="middle" {paint(fill="ink")}>'
            f"{_num(t, 3)}</text>"
        )
    for t in ticks(y0, y1, 4):
        out.append(
            f'<line x1="{left - 5}" y1="{py(t):.1f}" x2="{left}" y2="{py(t):.1f}" '
            f'{paint(stroke="line")}/><text x="{left - 8}" y="{py(t) + 5:.1f}" font-size="15" '
            f'text-anchor="end" {paint(fill="ink")}>{_num(t, 3)}</text>'
        )
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px(xs), py(ys)))
    out.append(
        f'<polyline clip-path="url(#bp-clip)" points="{pts}" fill="none" {paint(stroke="ink")} '
        'stroke-width="2.5"/>'
    )
    if slope is not None:
        tx = np.array([x0, x1])
        # its ends no more than a million heights off the plot (the clip path hides that part,
        # and a steep tangent's ends would overflow): an end farther off moves along the line
        rise = abs(y_now - y0 / 2 - y1 / 2) + 1e6 * (y1 - y0)
        with np.errstate(over="ignore"):
            dy = slope * (tx - x_now) if slope else np.zeros(2)
            reach = np.clip(dy, -rise, rise)
            tx = np.where(reach != dy, x_now + reach / (slope or 1.0), tx)
            ty = y_now + reach
        out.append(
            f'<line clip-path="url(#bp-clip)" x1="{px(tx[0]):.1f}" y1="{py(ty[0]):.1f}" '
            f'x2="{px(tx[1]):.1f}" y2="{py(ty[1]):.1f}" {paint(stroke="pos")} stroke-width="2.5" '
            'stroke-dasharray="8 5"/>'
        )
    out.append(
        f'<circle data-bp="curve-point" cx="{px(x_now):.1f}" cy="{py(min(max(y_now, y0), y1)):.1f}" '
        f'r="7" {paint(fill="neg", stroke="paper")} stroke-width="2"/>'
    )
    out.append(
        f'<text x="{(left + width - right) / 2:.1f}" y="{height - 8}" font-size="16" '
        f'text-anchor="middle" {paint(fill="ink")}>{_esc(xlabel)}</text>'
    )
    out.append(
        f'<text x="16" y="{(top + height - bottom) / 2:.1f}" font-size="16" '
        f'text-anchor="middle" {paint(fill="ink")} '
        f'transform="rotate(-90 16 {(top + height - bottom) / 2:.1f})">{_esc(ylabel)}</text></svg>'
    )
    return "".join(out)


def _alt(svg):
    m = re.search(r'aria-label="([^"]*)"', svg)
    return html.unescape(m.group(1)) if m else "a figure"


def _max_width(svg):
    m = re.search(r"max-width:\s*([0-9.]+)px", svg)
    return float(m.group(1)) if m else 900


class Figure:
    """An SVG (``network_svg``, ``curve_svg``, ``graph_view.graph_svg``) as a notebook output
    that reads right everywhere: an ``<img>`` of the SVG, with its values in the alt text, that
    an untrusted notebook, a repository website and an exported page all show; a trusted page
    swaps it for the inline SVG, coloured by JupyterLab's theme (see ``theme.still``).

        Figure(draw.network_svg(net, trace, grads))

    alt: the picture in words (by default the SVG's aria-label). ``still()`` is the picture's
    HTML, for a view to embed; ``graph_view.Figure`` sizes it its own way.
    """

    def __init__(self, svg, alt=None):
        checks.check_type(svg, "svg", str, "an SVG string, like draw.curve_svg(...) returns")
        if alt is not None:
            checks.check_type(alt, "alt", str, "a text (or None: the SVG's own aria-label)")
        self.svg, self.alt = svg, alt or _alt(svg)

    def still(self):
        """The ``<img>``, as wide as the SVG's max-width at most."""
        return theme.still(self.svg, self.alt, _max_width(self.svg))

    def _repr_html_(self):
        return f'{CSS}<div class="bp-fig bp-theme">{theme.scroller(self.still(), "picture")}</div>'

    def __repr__(self):
        return f"Figure({self.alt!r})"


def still_step_html(step, n_steps, name=None):
    """One replay step as plain HTML with inline styles, for a view's still (``snapshot_html``):
    the phase and position (and the step's ``name``, if given), then the formula, the formula
    with the numbers put in, and the value."""
    muted, panel, hilite = theme.LIGHT["muted"], theme.LIGHT["panel"], theme.LIGHT["hilite"]
    lhs, rhs = step.formula.split(" = ", 1)
    where = f"{_esc(step.phase)} pass · step {step.index + 1} of {n_steps}" + (
        f": {_esc(name)}" if name else ""
    )
    return (
        f'<div style="font-size: 14px; color: {muted}">{where}</div>'
        f'<div style="font-size: 18px; line-height: 1.5; background: {panel}; border-left: 5px '
        f'solid {hilite}; padding: 6px 10px; margin: 4px 0">{_esc(lhs)} = {_esc(rhs)}<br>'
        f"= {_esc(step.numbers)}<br><b>= {_esc(_num(step.value, 8))}</b></div>"
    )


def still_view_html(sliders, main, header="", footer=""):
    """A live view as a still that any renderer shows as it is (an untrusted notebook, a
    repository website, make html / make slides): a note saying how to bring it back, the
    ``header``, the sliders drawn as pictures beside ``main`` (HTML), then the ``footer``.
    Every cell has its own background and colour: JupyterLab's dark theme stripes table rows."""
    ink, muted = theme.LIGHT["ink"], theme.LIGHT["muted"]
    td = f"padding: 1px 6px; background: {theme.LIGHT['paper']}; color: {ink}"
    rows = "".join(
        f'<tr><td style="{td}; text-align: left">{_esc(s.description)}</td>'
        f'<td style="{td}">{slider_still(s.value, s.min, s.max)}</td>'
        f'<td style="{td}; text-align: right">{s.value:.2f}</td></tr>'
        for s in sliders
    )
    note = (
        f'<div style="font-size: 14px; color: {muted}; margin-bottom: 4px">A picture of the '
        "explorer, saved when the notebook last ran: run the cell to bring its sliders back."
        "</div>"
    )
    return (
        f'<div class="bp-snapshot bp-theme" style="{theme.card_style()}">{note}{header}'
        f'<div style="display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start">'
        f'<table style="border-collapse: collapse; font-size: 15px; color: {ink}">{rows}</table>'
        f'<div style="flex: 1 1 600px; min-width: 300px">{main}</div></div>{footer}</div>'
    )


# --------------------------------------------------------------------------- the Explorer's layouts
# What ``widgets.Explorer`` shows, built from an ``explorer_model.ExplorerModel``'s results (any
# object with net, x, target, trace, grads, steps and curve): no ipywidgets here, so exports
# and tests can draw a view without a kernel.


def explorer_view_html(m, index, presenter=False):
    """The live view of model ``m`` at replay step ``index``: the graph, the loss, the step and
    the step list; the normal layout also has the legend and the parameter table, the
    presenter layout puts graph and formula side by side in large type."""
    step = m.steps[index]
    svg = network_svg(m.net, m.trace, m.grads, highlight=step.highlight, compact=presenter)
    loss = loss_html(m.trace)
    formula = step_html(step, len(m.steps), terms=not presenter)
    chips = chips_html(m.steps, step.index)
    data = net_data_attr(m.net, m.x, m.target)
    if presenter:
        basis = graph_min_width(m.net, compact=True) + 4  # never narrower than the graph
        graph = theme.scroller(
            svg + terms_html(step), "computation graph", f"; flex: 3 1 {basis:.0f}px"
        )
        return (
            f'<div class="bp-view bp-theme bp-presenter" data-bp="view" {data}><div class="bp-row">'
            f"{graph}"
            f'<div class="bp-panel" style="flex: 2 1 300px">{loss}{formula}</div></div>'
            f"{chips}</div>"
        )
    table = params_table_html(m.net, m.grads, step.highlight)
    return (
        f'<div class="bp-view bp-theme" data-bp="view" {data}>{theme.scroller(svg, "computation graph")}'
        f'{LEGEND}<div class="bp-row">'
        f'<div class="bp-panel">{loss}{formula}</div>'
        f'<div class="bp-panel">{chips}{table}</div></div></div>'
    )


CURVE_W, CURVE_H = 300, 240  # the live curves' SVG units; drawn 240-300 px wide, text >= 12 px


def explorer_curve_svgs(curve, tangent=False, width=CURVE_W, height=CURVE_H):
    """The loss curve's two pictures, (whole range, close-up), as SVG strings: the dot at the
    current value and, with ``tangent``, the tangent whose slope is ∂L/∂(parameter)."""
    label = param_label(curve.key)
    slope = curve.slope if tangent else None
    return tuple(
        curve_svg(
            xs, ys, curve.value, curve.loss, slope=slope, xlabel=label, width=width, height=height
        )
        for xs, ys in ((curve.ws, curve.ls), (curve.zs, curve.zl))
    )


def _curve_titles(curve, tangent):
    label = param_label(curve.key)
    legend = f"L as a function of {label}" + (
        f"; dashed: the tangent, slope ∂L/∂{label} = {_num(curve.slope)}" if tangent else ""
    )
    return legend, f"all of {label}", f"close up: {label} ± {curve.zoom:g} around the dot"


# two side by side in 494 px (the column beside the sliders at 1280 px, file browser open)
_CURVE_PANEL = f"flex: 1 1 240px; min-width: 240px; max-width: {CURVE_W}px"


def explorer_curve_html(curve, tangent=False):
    """The live loss curve: the whole range and the close-up (its y-axis fitted to the loss near
    the dot, so a bottom at L ≈ 0.0004 and the tangent hugging the curve show), side by side."""
    legend, whole, zoom = _curve_titles(curve, tangent)
    svgs = explorer_curve_svgs(curve, tangent)
    panels = "".join(
        f'<div class="bp-panel" data-bp="{what}" style="{_CURVE_PANEL}"><div style="font-size: 14px">{_esc(title)}</div>'
        f"{svg}</div>"
        for what, title, svg in zip(("curve-all", "curve-zoom"), (whole, zoom), svgs)
    )
    return (
        f'<div class="bp-view bp-theme" data-bp="curve"><div class="bp-legend">{_esc(legend)}</div>'
        f'<div class="bp-row">{panels}</div></div>'
    )


def explorer_still_html(m, index, sliders, tangent=False):
    """The Explorer as a still (``still_view_html``): the graph and the curve's two pictures as
    <img>s of the same SVGs the live view draws, the loss and the step as plain HTML."""
    step = m.steps[index]
    svg = network_svg(m.net, m.trace, m.grads, highlight=step.highlight)
    graph = theme.still(svg, graph_description(m.net, m.trace, m.grads), 900)
    footer = ""
    if m.curve is not None:
        stills = [
            theme.still(svg, _alt(svg), CURVE_W) for svg in explorer_curve_svgs(m.curve, tangent)
        ]
        footer = (
            '<div style="margin-top: 6px; display: flex; flex-wrap: wrap; gap: 10px">'
            + "".join(
                f'<div style="flex: 1 1 250px; max-width: {CURVE_W}px">{x}</div>' for x in stills
            )
            + "</div>"
        )
    loss = f'<div style="font-size: 20px">L = <b>{_esc(_num(m.trace.loss, 8))}</b></div>'
    return still_view_html(
        sliders, graph + loss + still_step_html(step, len(m.steps)), footer=footer
    )


# the format helpers, public for the other views (graph_view draws with the same ones)
esc, num, grad_colour = _esc, _num, _grad_colour

__all__ = [
    "explorer_curve_html",
    "explorer_curve_svgs",
    "explorer_still_html",
    "explorer_view_html",
    "still_step_html",
    "still_view_html",
    "CSS",
    "Edge",
    "Figure",
    "LEGEND",
    "Node",
    "Placed",
    "chips_html",
    "curve_svg",
    "esc",
    "grad_colour",
    "graph_description",
    "graph_min_width",
    "loss_html",
    "net_data_attr",
    "network_svg",
    "num",
    "params_table_html",
    "render_graph",
    "slider_still",
    "step_html",
    "terms_html",
]
