"""The model behind the GraphExplorer: an expression and its leaves' values -> graph, replay, checks.

    state = evaluate(parse("tanh(w*x + b)"), {"w": 0.5, "x": 1.0, "b": -0.2})
    state.out, state.nodes, state.steps      # the Value graph, its drawn nodes, the replay
    state.checks["n2"].rel_error             # backprop vs a central difference through n2

The check of a node perturbs *that node's value* by ±eps, recomputes everything downstream and
compares the slope of the output with the node's backpropagated gradient: a wrong local
derivative shows up at the node whose gradient it feeds, where it is. Near a relu's kink the
central difference straddles the corner and disagrees for a reason that is not a bug; the
check says so (``kink``). No widgets here: the view only draws a State.
"""

import math
from dataclasses import dataclass

from .autograd import Value
from .checks import as_bool, as_number
from .expr import apply, build, check_leaf_values
from .gradcheck import EPS_RANGE, relative_error
from .graph_steps import graph_nodes, value_steps

EPS = 1e-6
OK, WARN = 1e-6, 1e-4  # relative errors: below OK fine, above WARN wrong


@dataclass(frozen=True)
class NodeCheck:
    """analytic: the node's backpropagated gradient; numeric: the central difference through
    it (None where a perturbed value left an operation's domain); rel_error: their relative
    error, ``gradcheck.relative_error`` (None where either is not a finite number); kink: a
    relu input downstream lies within eps of 0 (or crosses it)."""

    analytic: float
    numeric: float | None
    rel_error: float | None
    kink: bool

    @property
    def kind(self):
        """'ok', 'warn' (a kink, a domain edge, or an error between OK and WARN) or 'bad'."""
        if self.kink or self.rel_error is None:
            return "warn"
        return "ok" if self.rel_error < OK else "warn" if self.rel_error < WARN else "bad"

    def badge(self):
        """(symbol, text, kind) for the graph view."""
        if self.kink:
            return ("⚠", "relu kink", "warn")
        if self.rel_error is None:
            return ("⚠", "no difference", "warn")
        symbol = {"ok": "✓", "warn": "⚠", "bad": "✗"}[self.kind]
        text = "rel 0" if self.rel_error == 0 else f"rel {self.rel_error:.0e}".replace("e-0", "e-")
        return (symbol, text, self.kind)


@dataclass(frozen=True)
class State:
    expr: object
    values: dict
    built: list  # one entry per expr node (a Value, or a constant's number)
    out: Value
    nodes: list  # graph_nodes(out)
    steps: list  # value_steps(out)
    checks: dict  # {node key: NodeCheck}


def node_checks(expr, values, built, nodes, eps=EPS):
    """{key: NodeCheck} for every node of the expression but its constants."""
    key_of = {id(n.value): n.key for n in nodes}
    relus = [j for j, n in enumerate(expr.nodes) if n.op == "relu"]
    users = [[] for _ in expr.nodes]
    for j, n in enumerate(expr.nodes):
        for a in set(n.args):
            users[a].append(j)
    checks = {}
    for i, (n, v) in enumerate(zip(expr.nodes, built)):
        if n.op == "const":
            continue
        below = _downstream(i, users)  # only these change when node i does
        runs = []
        for x in (v.data + eps, v.data - eps):
            try:
                run = list(built)
                run[i] = Value(x)
                for j in below:
                    m = expr.nodes[j]
                    run[j] = apply(m, [run[a] for a in m.args], values)
                runs.append(run)
            except ValueError:
                runs.append(None)
        kink = False
        for j in relus:
            if j <= i:
                continue
            a = expr.nodes[j].args[0]
            z0 = _data(built[a])
            zs = [_data(r[a]) for r in runs if r is not None]
            if any(z != z0 for z in zs) and (abs(z0) <= eps or any(z * z0 <= 0 for z in zs)):
                kink = True
        numeric = None
        if all(r is not None for r in runs):
            numeric = (_data(runs[0][-1]) - _data(runs[1][-1])) / (2 * eps)
        err = None  # where either is not a finite number, there is nothing to compare
        if numeric is not None and math.isfinite(numeric) and math.isfinite(v.grad):
            # the floor keeps a gradient far smaller than the output from being judged by the
            # central difference's own round-off (about 1e-10·|f|)
            err = relative_error(v.grad, numeric, floor=1e-4 * max(1.0, abs(_data(built[-1]))))
        checks[key_of[id(v)]] = NodeCheck(v.grad, numeric, err, kink)
    return checks


def _downstream(i, users):
    """The nodes that depend on node i, in topological order."""
    seen, stack = set(), list(users[i])
    while stack:
        j = stack.pop()
        if j not in seen:
            seen.add(j)
            stack.extend(users[j])
    return sorted(seen)


def _data(v):
    return v.data if isinstance(v, Value) else float(v)


def evaluate(expr, values, eps=EPS, checks=True):
    """The State of ``expr`` at the leaves' ``values``: build, backward, replay, checks."""
    check_leaf_values(expr, values, "values")  # and expr an Expr: not its text
    lo, hi = EPS_RANGE
    eps = as_number(eps, "eps", lo, hi, what=f"a small number, e.g. {EPS:g}, from {lo:g} to {hi:g}")
    checks = as_bool(checks, "checks")
    built = build(expr, values)
    out = built[-1]
    if not isinstance(out, Value):  # a constant expression: nothing to differentiate
        raise ValueError("expression: it has no variable (type a name such as x)")
    out.backward()
    nodes = graph_nodes(out)
    return State(
        expr,
        dict(values),
        built,
        out,
        nodes,
        value_steps(out),
        node_checks(expr, values, built, nodes, eps) if checks else {},
    )


__all__ = ["EPS", "NodeCheck", "State", "evaluate", "node_checks", "relative_error"]
