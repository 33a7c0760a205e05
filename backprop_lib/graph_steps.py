"""The replay of any expression graph, as the same ``Step`` records the network replay uses.

    f = (a * b + a).tanh();  f.backward()
    nodes = graph_nodes(f)     # every node, with its key ('n3') and label ('a', 'n₁', 'f')
    steps = value_steps(f)     # forward in topological order, then backward in reverse

A forward step computes one node from its operands; a backward step adds up, over every node
that uses it, *upstream gradient x local derivative*, so a node used twice shows two terms.
Values and gradients are read from the graph, never computed again here: the replay shows
what ``Value.backward()`` computed (one pass; call it once on a fresh graph).
"""

from dataclasses import dataclass

from .autograd import Value
from .checks import check_type, describe
from .names import MINUS, fmt, sub
from .steps import Step, Term

SYMBOL = {
    "+": "+",
    "-": MINUS,
    "*": "·",
    "/": "/",
    "**": "^",
    "neg": MINUS,
    "relu": "relu",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sigmoid": "σ",
}


@dataclass(frozen=True)
class GraphNode:
    """One node of a drawn graph. kind: 'leaf' (a named input), 'const' (an unnamed leaf: a
    number), 'op' (computed), 'output' (the node ``backward()`` started from)."""

    key: str
    label: str
    value: object  # the Value
    kind: str


def graph_nodes(out):
    """Every node of ``out``'s graph in topological order, each with a key and a label."""
    check_type(out, "out", Value, "a Value (an expression's output, after backward())")
    order = out.topological_order()
    nodes, k = [], 0
    for i, v in enumerate(order):
        label = getattr(v, "label", "") or ""
        if not isinstance(label, str):  # set after the Value was made: v.label = 123
            raise TypeError(
                f"out: expected every node's label to be a string, got {describe(label)}"
            )
        if not v.operands:
            kind = "leaf" if label else "const"
            label = label or fmt(v.data, paren=False)
        else:
            kind = "output" if v is out else "op"
            if not label:
                k += kind == "op"
                label = "f" if v is out else f"n{sub(k)}"
        nodes.append(GraphNode(f"n{i}", label, v, kind))
    return nodes


def _op_formula(v, names, nums):
    """The right-hand side of a forward step, symbolic (names) or numeric (nums)."""
    a = names if names is not None else nums
    op = v.op
    if op in ("+", "-", "*", "/"):
        return f"{a[0]} {SYMBOL[op]} {a[1]}" if op != "*" else f"{a[0]}·{a[1]}"
    if op == "**":
        return f"{a[0]}^{fmt(v.exponent)}"
    if op == "neg":
        return f"{MINUS}{a[0]}"
    if op == "relu":
        return f"max(0, {a[0]})"
    return f"{SYMBOL[op]}({a[0]})"


def _local_formula(v, pos, names, me):
    """∂v/∂(operand pos), symbolic: names are the operands' labels, me is v's label."""
    op, a = v.op, names
    if op == "+":
        return "1"
    if op == "-":
        return "1" if pos == 0 else f"{MINUS}1"
    if op == "*":
        return a[1 - pos]
    if op == "/":
        return f"1/{a[1]}" if pos == 0 else f"{MINUS}{a[0]}/{a[1]}²"
    if op == "**":
        return f"{fmt(v.exponent)}·{a[0]}^{fmt(v.exponent - 1)}"
    return {
        "neg": f"{MINUS}1",
        "relu": f"[{a[0]} > 0]",
        "tanh": f"1 {MINUS} {me}²",
        "exp": me,
        "log": f"1/{a[0]}",
        "sigmoid": f"{me}·(1 {MINUS} {me})",
    }[op]


def _factor(local):
    """A local derivative as a factor of a product: '1 − f²' -> '(1 − f²)'."""
    return f"({local})" if f" {MINUS} " in local or " + " in local else local


def value_steps(out):
    """The ordered list of Steps of ``out``'s graph: forward, then backward from ∂f/∂f = 1.

    Keys are the GraphNodes' keys for the forward steps and 'd' + key for the backward ones;
    highlight lists the node first, then the nodes it reads.
    """
    nodes = graph_nodes(out)
    by_value = {n.value: n for n in nodes}
    steps = []

    def add(phase, key, name, formula, numbers, value, highlight, terms=()):
        steps.append(
            Step(
                len(steps),
                phase,
                key,
                name,
                formula,
                numbers,
                float(value),
                tuple(highlight),
                tuple(terms),
            )
        )

    for n in nodes:
        if n.kind in ("leaf", "const"):
            continue
        ops = [by_value[o] for o in n.value.operands]
        rhs = _op_formula(n.value, [o.label for o in ops], None)
        nums = _op_formula(n.value, None, [fmt(o.value.data) for o in ops])
        add(
            "forward",
            n.key,
            n.label,
            f"{n.label} = {rhs}",
            nums,
            n.value.data,
            [n.key] + [o.key for o in ops],
        )

    consumers = {n.key: [] for n in nodes}
    for n in nodes:
        for pos, o in enumerate(n.value.operands):
            consumers[by_value[o].key].append((n, pos))
    f = nodes[-1].label

    def d(label):
        return f"∂{f}/∂{label}"

    add("backward", "d" + nodes[-1].key, d(f), f"{d(f)} = 1", "1", 1.0, [nodes[-1].key])
    for n in reversed(nodes[:-1]):
        if n.kind == "const":
            continue
        terms = []
        for c, pos in consumers[n.key]:
            names = [by_value[o].label for o in c.value.operands]
            local = _local_formula(c.value, pos, names, c.label)
            terms.append(
                Term(
                    d(c.label),
                    float(c.value.grad),
                    f"∂{c.label}/∂{n.label} = {local}",
                    float(c.value.local[pos]),
                )
            )
        total = sum(t.upstream_value * t.local_value for t in terms)
        if abs(total - n.value.grad) > 1e-9 * max(1.0, abs(total)):
            raise ValueError(
                f"out: the gradients are not those of one backward() pass ({n.label}.grad = "
                f"{n.value.grad!r}, its terms add up to {total!r}); build the graph afresh and "
                "call backward() once"
            )
        formula = " + ".join(f"{t.upstream} · {_factor(t.local.split(' = ', 1)[1])}" for t in terms)
        numbers = " + ".join(f"{fmt(t.upstream_value)} · {fmt(t.local_value)}" for t in terms)
        add(
            "backward",
            "d" + n.key,
            d(n.label),
            f"{d(n.label)} = {formula}",
            numbers,
            n.value.grad,
            [n.key] + [c.key for c, _ in consumers[n.key]],
            terms,
        )
    return steps


__all__ = ["GraphNode", "SYMBOL", "graph_nodes", "value_steps"]
