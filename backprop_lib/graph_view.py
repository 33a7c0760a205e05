"""Any expression graph as SVG: node boxes with value and gradient, edges labelled with the op.

    svg = graph_svg(f)                       # after f.backward()
    svg = graph_svg(f, highlight=step.highlight, badges={key: ("✓", "3·10^−10", "ok")})

The layout is layered (Sugiyama's method, small): each node sits one column right of its
latest operand, an input one column left of its first use; an edge that spans several columns
bends through placeholder points; the order within each column is improved by barycenter
sweeps, keeping the order with the fewest crossings. Drawn with the views' one palette
(``backprop_lib.theme``: light and dark) and the network view's number format; an edge takes the
colour of the sign of its operand's gradient ∂f/∂(operand), and a negative one is also dashed, as
in the network graph. It reads the graph and computes nothing. ``figure`` gives the picture as a
stored output that reads right in an untrusted notebook (``theme.still``).
"""

import re
from typing import NamedTuple

from . import draw, theme
from .graph_steps import SYMBOL, graph_nodes
from .theme import paint

EDGE_SYMBOL = {"*": "×", "/": "÷", "neg": "−(·)"}  # larger than the formula's · and /
BOX_W, BOX_H, BADGE_H = 104, 58, 16
COL, ROW = 168, 84  # distances between column centres and between row centres


def _count_crossings(layers, pos, edges_between):
    n = 0
    for r in range(len(layers) - 1):
        es = edges_between[r]
        for k, (a, b) in enumerate(es):
            for c, d in es[k + 1 :]:
                if (pos[a] - pos[c]) * (pos[b] - pos[d]) < 0:
                    n += 1
    return n


class Layout(NamedTuple):
    """place[key] = (column, row) in grid units; bends[(src_key, dst_key, pos)] = the grid
    points an edge passes through; crossings: edge crossings left (initial: before the sweeps)."""

    place: dict
    bends: dict
    n_cols: int
    n_rows: int
    crossings: int
    initial_crossings: int


def _barycenter(k, nbrs, pos):
    ns = nbrs.get(k, [])
    return sum(pos[m] for m in ns) / len(ns) if ns else pos[k]


def layout(nodes):
    """The Layout of ``graph_nodes(out)``."""
    index = {n.value: n for n in nodes}
    rank = {}
    for n in nodes:  # topological order: operands first
        ops = [index[o].key for o in n.value.operands]
        rank[n.key] = 1 + max((rank[o] for o in ops), default=-1)
    consumers = {n.key: [] for n in nodes}
    for n in nodes:
        for o in n.value.operands:
            consumers[index[o].key].append(n.key)
    for n in nodes:  # pull each input right, next to its first use
        if not n.value.operands and consumers[n.key]:
            rank[n.key] = min(rank[c] for c in consumers[n.key]) - 1
    # edges, split at every column they cross by placeholder ('dummy') points
    n_cols = max(rank.values()) + 1
    layers = [[] for _ in range(n_cols)]
    for n in nodes:
        layers[rank[n.key]].append(n.key)
    chains, segs = {}, []  # chains[(src, dst, pos)] = [src, d1, d2, ..., dst]
    for n in nodes:
        for p, o in enumerate(n.value.operands):
            src = index[o].key
            chain = [src]
            for r in range(rank[src] + 1, rank[n.key]):
                d = f"_d{len(segs)}_{r}"
                layers[r].append(d)
                chain.append(d)
                segs.append(d)
            chain.append(n.key)
            chains[(src, n.key, p)] = chain
    edges_between = [[] for _ in range(n_cols)]
    up, down = {}, {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            r = next(k for k in range(n_cols) if a in layers[k])
            edges_between[r].append((a, b))
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    pos = {k: i for layer in layers for i, k in enumerate(layer)}
    initial = _count_crossings(layers, pos, edges_between)
    best = (initial, [list(layer) for layer in layers])
    for sweep in range(8):
        rng = range(1, n_cols) if sweep % 2 == 0 else range(n_cols - 2, -1, -1)
        nbrs = up if sweep % 2 == 0 else down
        for r in rng:
            layers[r].sort(key=lambda k, nb=nbrs: (_barycenter(k, nb, pos), pos[k]))
            for i, k in enumerate(layers[r]):
                pos[k] = i
        c = _count_crossings(layers, pos, edges_between)
        if c < best[0]:
            best = (c, [list(layer) for layer in layers])
    crossings, layers = best
    n_rows = max(len(layer) for layer in layers)
    place = {}
    for r, layer in enumerate(layers):
        top = (n_rows - len(layer)) / 2
        for i, k in enumerate(layer):
            place[k] = (r, top + i)
    bends = {e: [place[k] for k in chain[1:-1]] for e, chain in chains.items()}
    return Layout({n.key: place[n.key] for n in nodes}, bends, n_cols, n_rows, crossings, initial)


def graph_description(out):
    """The graph of ``out`` in words (alt text, screen readers): each node's value and gradient."""
    parts = []
    for n in graph_nodes(out):
        ops = ", ".join(draw.num(o.data) for o in n.value.operands)
        how = f" ({n.value.op} of {ops})" if n.value.operands else ""
        parts.append(f"{n.label}{how} = {draw.num(n.value.data)}, ∂ {draw.num(n.value.grad, 4)}")
    return "Expression graph, each node with its value and ∂f/∂(node): " + "; ".join(parts) + "."


def graph_svg(out, highlight=(), badges=None, mark=None, compact=False, scale=1.0):
    """The graph of ``out`` (a Value, after ``backward()``) as a standalone SVG string.

    highlight: keys to light up, the first being the current step's node; badges:
    {key: (symbol, text, kind)} with kind 'ok', 'warn' or 'bad', a line under the node (the
    numeric-vs-analytic check); mark: a key to mark as wrong (check_engine's first divergence).
    The SVG keeps its natural size (scroll sideways for a wide graph) so text stays >= 13 px;
    scale > 1 enlarges it (the presenter view). compact: closer columns and rows.
    """
    nodes = graph_nodes(out)
    place, bends, n_cols, n_rows, *_ = layout(nodes)
    badges = badges or {}
    row = ROW + (BADGE_H if badges else 0) - (8 if compact else 0)
    col = COL - (14 if compact else 0)
    h_box = BOX_H + (BADGE_H if badges else 0)
    width, height = 24 + col * (n_cols - 1) + BOX_W, 24 + row * (n_rows - 1) + h_box

    def xy(p):
        return 12 + BOX_W / 2 + p[0] * col, 12 + h_box / 2 + p[1] * row

    hl = list(highlight)
    main, soft = (hl[0] if hl else None), set(hl[1:])
    by_value = {n.value: n for n in nodes}
    e = draw.esc
    svg = [
        f'<svg class="bp-graph" '
        f'data-bp="expr-graph" viewBox="0 0 {width:.0f} {height:.0f}" width="{width * scale:.0f}" '
        f'height="{height * scale:.0f}" style="max-width:{width * scale:.0f}px; '
        f'min-width:{width * scale:.0f}px" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{e(graph_description(out))}">',
        '<defs><marker id="bp-garrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" '
        f'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'{paint(fill="line")}/></marker></defs>',
    ]
    labels = []
    for n in nodes:
        for p, o in enumerate(n.value.operands):
            src = by_value[o]
            (x1, y1), (x2, y2) = xy(place[src.key]), xy(place[n.key])
            pts = [(x1 + BOX_W / 2, y1)] + [xy(b) for b in bends[(src.key, n.key, p)]]
            pts.append((x2 - BOX_W / 2 - 2, y2))
            same = sum(1 for q, o2 in enumerate(n.value.operands) if o2 is o and q < p)
            if same:  # the same operand twice (a * a): bend the second edge apart
                (ax, ay), (bx, by) = pts[-2], pts[-1]
                pts.insert(-1, ((ax + bx) / 2, (ay + by) / 2 + 22))
            d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            lit = n.key == main or n.key in soft and src.key in (main, *soft)
            if lit:  # the highlight under the edge, so the sign's colour and dashes stay
                svg.append(f'<path d="{d}" fill="none" {paint(stroke="hilite")} stroke-width="9" '
                           'stroke-linecap="round"/>')
            g = o.grad
            dash = ' stroke-dasharray="7 4"' if g < 0 else ""
            svg.append(
                f'<path {paint(stroke=draw.grad_colour(g), cls="bp-edge")} data-sign="{(g > 0) - (g < 0)}" '
                f'd="{d}" fill="none" stroke-width="{3 if lit else 2}"{dash} marker-end="url(#bp-garrow)"/>'
            )
            (ax, ay), (bx, by) = pts[-2], pts[-1]
            f = 0.5 if len(pts) > 2 or n.value.op in ("+", "*", "-", "/") else 0.45
            sym = EDGE_SYMBOL.get(n.value.op, SYMBOL[n.value.op]) + (
                f"{draw.num(n.value.exponent)}" if n.value.op == "**" else ""
            )
            labels.append(
                f'<text x="{ax + f * (bx - ax):.1f}" y="{ay + f * (by - ay) - 5:.1f}" '
                f'font-size="15" text-anchor="middle" {paint(fill="ink", stroke="paper")} '
                f'stroke-width="4" paint-order="stroke">{e(sym)}</text>'
            )
    svg += labels
    for n in nodes:
        cx, cy = xy(place[n.key])
        v = n.value
        fill = "hilite" if n.key == main else "hilite_soft" if n.key in soft else "paper"
        cls = "bp-node" + (" bp-hl-main" if n.key == main else " bp-hl" if n.key in soft else "")
        stroke, sw = ("bad", 4.5) if n.key == mark else ("ink", 3.5 if n.key == main else 1.6)
        svg.append(
            f'<g class="{cls}" data-key="{n.key}" data-kind="{n.kind}" '
            f'data-value="{v.data!r}" data-grad="{v.grad!r}">'
        )
        svg.append(
            f"<title>{e(n.label)} = {e(draw.num(v.data, 8))}, ∂/∂{e(n.label)} = "
            f"{e(draw.num(v.grad, 8))}</title>"
        )
        rx = h_box / 2 if n.kind == "const" else 9
        box_dash = ' stroke-dasharray="5 3"' if n.kind == "const" else ""
        svg.append(
            f'<rect x="{cx - BOX_W / 2:.1f}" y="{cy - h_box / 2:.1f}" width="{BOX_W}" '
            f'height="{h_box}" rx="{rx:.0f}" {paint(fill=fill, stroke=stroke)} '
            f'stroke-width="{sw}"{box_dash}/>'
        )
        top = cy - h_box / 2
        if n.kind != "const":
            svg.append(
                f'<text x="{cx:.1f}" y="{top + 18:.1f}" font-size="15" font-weight="bold" '
                f'text-anchor="middle" {paint(fill="ink")}>{e(n.label)}</text>'
            )
        svg.append(
            f'<text x="{cx:.1f}" y="{top + (36 if n.kind != "const" else 26):.1f}" '
            f'font-size="15" text-anchor="middle" {paint(fill="ink")}>{e(draw.num(v.data))}</text>'
        )
        # on the highlight's yellow the sign's colour would be faint: ink (the − says it)
        gcol = "ink" if n.key == main else draw.grad_colour(v.grad)
        svg.append(
            f'<text x="{cx:.1f}" y="{top + (52 if n.kind != "const" else 44):.1f}" '
            f'font-size="13" text-anchor="middle" {paint(fill=gcol)} '
            f'data-bp="node-grad">∂ {e(draw.num(v.grad, 4))}</text>'
        )
        if n.key in badges:
            symbol, text, kind = badges[n.key]
            colour = "ink" if n.key == main else {"ok": "ok", "warn": "bad", "bad": "bad"}[kind]
            svg.append(
                f'<text x="{cx:.1f}" y="{top + 68:.1f}" font-size="13" text-anchor="middle" '
                f'{paint(fill=colour)} data-bp="badge" data-badge="{kind}">{e(symbol)} {e(text)}</text>'
            )
        if n.key == mark:
            svg.append(
                f'<text x="{cx + BOX_W / 2 - 4:.1f}" y="{top + 14:.1f}" font-size="15" '
                f'text-anchor="end" {paint(fill="bad")} font-weight="bold">✗</text>'
            )
        svg.append("</g>")
    svg.append("</svg>")
    return "".join(svg)


def graph_html(out, **kwargs):
    """``graph_svg`` inline, in a box that scrolls sideways (a live, trusted view)."""
    # focusable: a region that scrolls must be reachable from the keyboard
    return (f'<div class="bp-graph-wrap bp-scroll" style="overflow-x:auto" tabindex="0" role="region" '
            f'aria-label="expression graph, scrolls sideways">{graph_svg(out, **kwargs)}</div>')


def figure(out, **kwargs):
    """The graph of ``out`` as a stored output that reads right anywhere: an <img> of the SVG
    with the graph in words as alt text, at its natural size (scrolling sideways when wide);
    a trusted page swaps it for the inline, themed SVG (``theme.still``)."""
    svg = graph_svg(out, **kwargs)
    w = float(re.search(r'width="([0-9.]+)"', svg[svg.index(" viewBox"):]).group(1))
    return (f'<div style="overflow-x: auto; max-width: 100%">'
            f'{theme.still(svg, graph_description(out), w, min_width=w)}</div>')


class Figure:
    """``figure(out, ...)`` as a notebook output: ``display(Figure(f))``."""

    def __init__(self, out, **kwargs):
        self.out, self.kwargs = out, kwargs

    def _repr_html_(self):
        return f'{draw.CSS}<div class="bp-fig bp-theme">{figure(self.out, **self.kwargs)}</div>'

    def __repr__(self):
        return f"Figure({graph_description(self.out)!r})"


LEGEND = (
    '<div class="bp-legend">each box: name, value, and ∂ its gradient ∂f/∂(node); an edge '
    "carries an operand to the operation written on it, coloured by the sign of the operand's "
    '∂ (<span class="bp-neg">- - dashed blue: negative</span>, <span class="bp-pos">── solid '
    "vermillion: positive</span>, grey: zero); dashed boxes are constants</div>"
)

__all__ = ["Figure", "LEGEND", "Layout", "figure", "graph_description", "graph_html", "graph_svg", "layout"]
