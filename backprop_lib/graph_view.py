"""Any expression graph as SVG: its layered layout, fed to the course's one graph drawing.

    svg = graph_svg(f)                       # after f.backward()
    svg = graph_svg(f, highlight=step.highlight, badges={key: ("✓", "3·10^−10", "ok")})

The layout is layered (Sugiyama's method, small): each node sits one column right of its
latest operand, an input one column left of its first use; an edge that spans several columns
bends through placeholder points; the order within each column is improved by barycenter
sweeps, keeping the order with the fewest crossings. The drawing is the network's
(``draw.render_graph``: the same boxes, edges, highlight and palette): a node is a box with its
value and gradient, an edge is labelled with the operation it feeds and takes the colour of the
sign of its operand's gradient ∂f/∂(operand), dashed when negative. It reads the graph and
computes nothing. ``figure`` gives the picture as a
stored output that reads right in an untrusted notebook (``theme.still``).
"""

import re
from typing import NamedTuple

from . import draw, theme
from .checks import as_number, check_type, describe
from .graph_steps import SYMBOL, graph_nodes

EDGE_SYMBOL = {"*": "×", "/": "÷", "neg": "−(·)"}  # larger than the formula's · and /
BOX_W, BADGE_H = 104, 16  # the boxes are wider than the network's (longer names); a badge line
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


def placed(lay, compact=False, badges=False):
    """A Layout's grid places in the SVG's units: a ``draw.Placed`` and the bend points."""
    row = ROW + (BADGE_H if badges else 0) - (8 if compact else 0)
    col = COL - (14 if compact else 0)
    h_box = draw.BOX_H + (BADGE_H if badges else 0)

    def xy(p):
        return 12 + BOX_W / 2 + p[0] * col, 12 + h_box / 2 + p[1] * row

    width, height = 24 + col * (lay.n_cols - 1) + BOX_W, 24 + row * (lay.n_rows - 1) + h_box
    pos = {k: xy(p) for k, p in lay.place.items()}
    bends = {e: [xy(p) for p in pts] for e, pts in lay.bends.items()}
    return draw.Placed(pos, width, height, (BOX_W, h_box)), bends


def graph_svg(out, highlight=(), badges=None, mark=None, compact=False, scale=1.0):
    """The graph of ``out`` (a Value, after ``backward()``) as a standalone SVG string
    (``draw.render_graph`` on the layered layout).

    highlight: keys to light up, the first being the current step's node; badges:
    {key: (symbol, text, kind)} with kind 'ok', 'warn' or 'bad', a line under the node (the
    numeric-vs-analytic check); mark: a key to mark as wrong (check_engine's first divergence).
    The SVG keeps its natural size (scroll sideways for a wide graph) so text stays >= 13 px;
    scale in (0, 10]: > 1 enlarges it (the presenter view). compact: closer columns and rows.
    """
    nodes = graph_nodes(out)  # a TypeError naming out unless it is a Value
    hl, badges, scale = _options(highlight, badges, scale)
    where, bends = placed(layout(nodes), compact, bool(badges))
    main, soft = (hl[0] if hl else None), set(hl[1:])
    by_value = {n.value: n for n in nodes}
    drawn, edges, lit = [], [], []
    for n in nodes:
        v = n.value
        drawn.append(
            draw.Node(
                n.key,
                n.label,
                v.data,
                v.grad,
                "const" if n.kind == "const" else "",
                badges.get(n.key),
                (("kind", n.kind), ("value", repr(v.data)), ("grad", repr(v.grad))),
            )
        )
        for p, o in enumerate(v.operands):
            src = by_value[o]
            via = list(bends[(src.key, n.key, p)])
            if any(o2 is o for o2 in v.operands[:p]):  # the same operand twice (a * a): bend apart
                (ax, ay) = (
                    via[-1] if via else (where.pos[src.key][0] + BOX_W / 2, where.pos[src.key][1])
                )
                bx, by = where.pos[n.key][0] - BOX_W / 2 - 2, where.pos[n.key][1]
                via.append(((ax + bx) / 2, (ay + by) / 2 + 22))
            key = f"{src.key}-{n.key}-{p}"
            if n.key == main or n.key in soft and src.key in (main, *soft):
                lit.append(key)
            sym = EDGE_SYMBOL.get(v.op, SYMBOL[v.op]) + (
                draw.num(v.exponent) if v.op == "**" else ""
            )
            at = 0.5 if via or v.op in ("+", "*", "-", "/") else 0.45
            edges.append(
                draw.Edge(
                    src.key,
                    n.key,
                    o.grad,
                    sym,
                    key,
                    via=tuple(via),
                    at=at,
                    title=f"{src.label} into {sym}: ∂f/∂{src.label} = {draw.num(o.grad, 8)}",
                )
            )
    # the edges' highlight never is the current step's own: the node's is
    return draw.render_graph(
        drawn,
        edges,
        where,
        [main, *soft, *lit] if hl else (),
        mark,
        graph_description(out),
        grad_digits=4,
        scale=scale,
        data_bp="expr-graph",
    )


def _options(highlight, badges, scale):
    """graph_svg's options, checked -> (highlight as a list, badges as a dict, scale)."""
    check_type(highlight, "highlight", (list, tuple), "a list of node keys, such as ['n2', 'n0']")
    what = "a dict {node key: (symbol, text, kind)}"
    badges = {} if badges is None else check_type(badges, "badges", dict, what)
    for key, b in badges.items():
        check_type(b, f"badges[{key!r}]", (tuple, list), "a tuple (symbol, text, kind)")
        if len(b) != 3 or b[2] not in ("ok", "warn", "bad"):
            raise ValueError(
                f"badges[{key!r}]: expected (symbol, text, kind) with kind 'ok', 'warn' or "
                f"'bad', got {describe(b)}"
            )
    return list(highlight), badges, as_number(scale, "scale", 0, 10, low_open=True)


def graph_html(out, **kwargs):
    """``graph_svg`` inline, in a box that scrolls sideways (a live, trusted view)."""
    return theme.scroller(graph_svg(out, **kwargs), "expression graph")


class Figure(draw.Figure):
    """The graph of ``out`` (``graph_svg(out, **kwargs)``) as a notebook output: a
    ``draw.Figure`` with the graph in words (``graph_description``) as its alt text, at its
    natural size. ``display(Figure(f))``."""

    def __init__(self, out, **kwargs):
        super().__init__(graph_svg(out, **kwargs), graph_description(out))

    def still(self):
        """The ``<img>`` at the SVG's natural width, never narrower (its text stays readable)."""
        w = float(re.search(r'width="([0-9.]+)"', self.svg[self.svg.index(" viewBox") :]).group(1))
        return theme.still(self.svg, self.alt, w, min_width=w)


def figure(out, **kwargs):
    """The graph of ``out`` as a stored output that reads right anywhere: an <img> of the SVG
    with the graph in words as alt text, at its natural size (scrolling sideways when wide);
    a trusted page swaps it for the inline, themed SVG (``theme.still``)."""
    return theme.scroller(Figure(out, **kwargs).still(), "expression graph")


LEGEND = (
    '<div class="bp-legend">each box: name, value, and ∂ its gradient ∂f/∂(node); an edge '
    "carries an operand to the operation written on it, coloured by the sign of the operand's "
    '∂ (<span class="bp-neg">- - dashed blue: negative</span>, <span class="bp-pos">── solid '
    "vermillion: positive</span>, grey: zero); dashed boxes are constants</div>"
)

__all__ = [
    "Figure",
    "LEGEND",
    "Layout",
    "figure",
    "graph_description",
    "graph_html",
    "graph_svg",
    "layout",
    "placed",
]
