"""check_engine(TheirValue): a learner's autograd engine, checked node by node against ours.

    report = check_engine(MyValue)      # shows ✔, or the first wrong node, the bug and a hint

The learner's class needs micrograd's interface: ``MyValue(number)``, ``.data``, ``.grad``, the
operators the checked expressions use, and ``backward()``. The checks run in an order that
tells the usual bugs apart, and the first that fails names its bug:

1. each operation alone on leaves (a wrong value, or a wrong *local derivative*: the exponent
   of ``**`` included);
2. the reflected forms ``2 * v``, ``1 + v``, ``10 / v``, ``2 - v`` (a missing ``__rmul__``...);
3. a chain ``tanh(a*b)``: leaves without a gradient mean ``backward()`` did not visit the
   graph in (reverse) *topological order*;
4. leaves used twice (``a + a``, ``a*b + a``): gradients *overwritten instead of accumulated*;
5. an inner node used by two nodes at different depths: a *wrong topological order* (a node
   must pass its gradient on only after every user has added to it);
6. ``backward()`` twice: after zeroing the leaves, the second pass must give the first pass's
   gradients (inner nodes *not zeroed* between the calls otherwise), and without zeroing the
   leaves must accumulate, as in PyTorch;
7. seeded random expression graphs.

A report never shows our value of a wrong node (the learner's notebook must not give answers
away): the learner's value, the node, the expression and the hint.
"""

import math
from dataclasses import dataclass, field
from numbers import Real

from .checks import as_bool, as_int, describe
from .expr import OPS, apply, as_ops, build, parse, random_expr, to_text

RTOL = 1e-9
MAX_RANDOM = 1000  # random graphs: a few seconds; the default 30 already finds the usual bugs

HINTS = {
    "missing_op": "add the method or operator named above to your class",
    "crash": "run the expression above with your class and read the traceback",
    "no_backward": "give the class a backward() method that fills .grad for every node",
    "seed": "backward() starts at the output: set self.grad = 1.0 before going through the nodes",
    "forward_value": "check what the operation computes in the forward pass",
    "local_derivative": "check the local derivative in that operation's _backward: it multiplies "
    "out.grad by ∂out/∂(operand)",
    "reflected": "Python calls number.__mul__(v) first, which fails, then v.__rmul__(number); "
    "define __radd__, __rmul__, __rsub__ (other - self) and __rtruediv__ "
    "(other / self)",
    "topo_missing": "backward() must run every node's _backward, from the output down: build a "
    "topological order (each node after its operands) and go through it reversed",
    "topo_order": "a node may pass its gradient on only once every node that uses it has added "
    "to it: go through a topological order reversed (each node after its operands "
    "in the order, so before them when reversed), visiting each node once",
    "overwrite": "a node used twice gets a gradient from each use: add them up "
    "(self.grad += ...), never overwrite (self.grad = ...)",
    "not_zeroed": "the leaves were zeroed between two backward() calls, but the inner nodes kept "
    "their gradients from the first call and passed them on again: at the start "
    "of backward(), set every inner node's grad to 0 (PyTorch keeps no gradient "
    "for inner nodes)",
    "zeroes_leaves": "PyTorch's rule: a leaf's gradient accumulates over backward() calls until "
    "you zero it yourself; backward() must not reset the leaves",
    "random": "compare that node's local derivative and its accumulation with the worked "
    "examples; the graph below marks it",
}
TITLES = {
    "missing_op": "an operation is missing",
    "crash": "the engine raised an error",
    "no_backward": "no backward() method",
    "seed": "the output's gradient is not 1",
    "forward_value": "wrong value in the forward pass",
    "local_derivative": "wrong local derivative",
    "reflected": "missing or wrong reflected operator",
    "topo_missing": "missing topological order",
    "topo_order": "wrong topological order",
    "overwrite": "gradient overwritten instead of accumulated",
    "not_zeroed": "gradients not zeroed between two backward() calls",
    "zeroes_leaves": "backward() zeroes the leaves' gradients",
    "random": "a gradient differs in a random graph",
}


LOCAL = {  # the local derivatives, for the hint
    "+": "∂(a + b)/∂a = ∂(a + b)/∂b = 1",
    "*": "∂(a·b)/∂a = b and ∂(a·b)/∂b = a",
    "-": "∂(a − b)/∂a = 1, ∂(a − b)/∂b = −1",
    "/": "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²",
    "**": "∂(xⁿ)/∂x = n·xⁿ⁻¹: the factor n, and the exponent n − 1 (not n)",
    "neg": "∂(−x)/∂x = −1",
    "relu": "∂relu(x)/∂x = 1 for x > 0, else 0",
    "tanh": "∂tanh(x)/∂x = 1 − tanh(x)² (use the output t: 1 − t²)",
    "exp": "∂eˣ/∂x = eˣ, the output itself",
    "log": "∂log(x)/∂x = 1/x",
    "sigmoid": "∂σ(x)/∂x = σ(x)(1 − σ(x))",
}


@dataclass
class EngineReport:
    """ok; bug: a key of TITLES (None if ok); title, hint; case: the expression; node: the
    first wrong node's label; op: its operation; theirs/ours: its value or gradient in the
    learner's engine and in ours; graph: our Value graph of the case; key: the node's key
    in ``graph_nodes(graph)``; checked: how many cases passed."""

    ok: bool
    bug: str | None = None
    title: str = ""
    hint: str = ""
    case: str = ""
    node: str = ""
    op: str = ""
    theirs: float | None = None
    ours: float | None = None
    detail: str = ""
    graph: object = None
    key: str | None = None
    checked: int = 0
    cases: list = field(default_factory=list)

    def __bool__(self):
        return self.ok

    def message(self):
        if self.ok:
            return (
                f"your engine agrees with backprop_lib.autograd on all {self.checked} expressions"
            )
        where = f" at {self.node}" if self.node else ""
        got = f"; your engine gives {self.theirs:.8g}" if self.theirs is not None else ""
        return f"{self.title}{where}, in f = {self.case}{got}. {self.detail}".strip()

    def __str__(self):
        if self.ok:
            return f"✔ correct: {self.message()}"
        return f"✘ not yet: {self.message()}\nHint: {self.hint}"

    __repr__ = __str__

    def _repr_html_(self):
        from . import draw, theme  # drawing only when shown
        from .graph_view import figure

        # plain inline colours on a white card (an untrusted notebook keeps them; it drops <style>
        # and <svg>); no bp-theme class: the graph, swapped inline when trusted, keeps its light
        # palette on this card in either theme
        colour = theme.LIGHT["ok" if self.ok else "bad"]
        mark = "✔ correct" if self.ok else "✘ not yet"
        hint = f"<br><b>Hint:</b> {draw.esc(self.hint)}" if self.hint else ""
        svg = ""
        if not self.ok and self.graph is not None:
            svg = (
                f'<div style="font-size: 13px; color: {theme.LIGHT["muted"]}">the graph of f = '
                f"{draw.esc(self.case)} with your "
                "engine's values and gradients (nan: none); ✗ marks the first node where it "
                f"differs from backprop_lib.autograd</div>{figure(self.graph, mark=self.key)}"
            )
        return (
            f'<div class="bp-view" style="{theme.card_style()}" data-bp="engine-report" data-ok="{self.ok}" '
            f'data-bug="{self.bug or ""}"><div style="border-left: 5px solid {colour}; '
            f'padding: 4px 10px; font-size: 16px"><b style="color:{colour}">{mark}</b>: '
            f"{draw.esc(self.message())}{hint}</div>{svg}</div>"
        )


@dataclass(frozen=True)
class Case:
    text: str
    values: dict
    bug_value: str  # the bug a wrong value points to
    bug_grad: str  # the bug a wrong gradient points to
    expr: object = None
    twice: str = ""  # '', 'zeroed' (zero the leaves, backward again), 'accumulate'


def _cases(n_random, seed, ops, use_reflected, use_twice, use_graphs=True):
    """The cases, in the order that tells the bugs apart: + and * alone first (every later case
    uses them), then the graph's structure with + and * only (topological order, accumulation),
    then every other operation alone, the reflected forms, two backward() calls, random graphs.
    (A learner's engine may build - and / from +, * and **: ** comes before them.)"""
    v = {"a": 0.7, "b": -1.3, "c": 0.4}
    single = [Case(t, v, "forward_value", "local_derivative") for t in ("a + b", "a * b")]
    structure = (
        [Case(t, v, "forward_value", "topo_missing") for t in ("(a * b) * c", "(a + b) * c")]
        + [
            Case(t, v, "forward_value", "overwrite")
            for t in ("a + a", "a * a", "a * b + a", "a * b + a * c")
        ]
        + [
            Case(t, v, "forward_value", "topo_order")
            for t in ("(a * b) * c + a * b", "((a + b) * c) * (a + b) + c")
        ]
    )
    others = [
        Case(t, v, "forward_value", "local_derivative")
        for t in (
            "a ** 3",
            "a ** -2",
            "a ** 0.5",
            "-a",
            "relu(a)",
            "relu(b)",
            "tanh(a)",
            "exp(a)",
            "log(a)",
            "sigmoid(a)",
            "a - b",
            "a / b",
        )
    ]
    reflected = [
        Case(t, v, "reflected", "reflected")
        for t in ("2 * a", "a * 2", "1 + a", "a + 1", "2 - a", "a - 2", "10 / a", "a / 2")
    ]
    twice = [
        Case("tanh(a * b) + a", v, "forward_value", "not_zeroed", twice="zeroed"),
        Case("tanh(a * b) + a", v, "forward_value", "zeroes_leaves", twice="accumulate"),
    ]
    rand = []
    for k in range(n_random):
        e, vals = random_expr(seed * 1000 + k, 3, 16, ops=ops, constants=use_reflected)
        rand.append(Case(e.text, vals, "random", "random", expr=e))
    cases = (
        single + (structure if use_graphs else []) + others + (reflected if use_reflected else [])
    )
    cases = [c for c in cases if _ops_of(parse(c.text)) <= set(ops)]
    return cases + (twice if use_twice and {"*", "+", "tanh"} <= set(ops) else []) + rand


def _ops_of(e):
    return {n.op for n in e.nodes if n.op not in ("leaf", "const")}


def _close(x, y):
    return abs(x - y) <= RTOL * max(1.0, abs(y))


def _op_name(n):
    if n.op == "**":
        return f"** (x ** {n.value:g})"
    return "unary minus" if n.op == "neg" else n.op


def check_engine(TheirValue, ops=OPS, reflected=True, twice=True, graphs=True, n_random=30, seed=0):
    """Run the cases through ``TheirValue`` and ``backprop_lib.autograd.Value``; an EngineReport.

    ops: the operations the learner's class has so far (only cases that use no other are
    run; e.g. ``ops=("+", "*")``); reflected: check ``2 * v`` and the like (random graphs use
    constants only then); twice: check two backward() calls; graphs: check whole graphs (the
    chains, reuse, order and random cases), not only each operation alone; n_random: how many
    random graphs (0 to MAX_RANDOM), from the whole number ``seed`` >= 0.
    """
    if not isinstance(TheirValue, type):
        raise TypeError(
            f"TheirValue: expected a class (such as Value), got {type(TheirValue).__name__}"
        )
    ops, n_random = as_ops(ops), as_int(n_random, "n_random", 0, MAX_RANDOM)
    seed = as_int(seed, "seed", 0)
    reflected, twice = as_bool(reflected, "reflected"), as_bool(twice, "twice")
    graphs = as_bool(graphs, "graphs")
    cases = _cases(n_random if graphs else 0, seed, ops, reflected, twice and graphs, graphs)
    for k, case in enumerate(cases):
        bad = _run_case(TheirValue, case, graphs)
        if bad is not None:
            bad.checked, bad.cases = k, cases
            return bad
    return EngineReport(True, checked=len(cases), cases=cases)


def _run_case(cls, case, whole_graphs=True):
    from .graph_steps import graph_nodes

    e = case.expr if case.expr is not None else parse(case.text)
    ours = build(e, case.values)
    our_out = ours[-1]
    our_out.backward()
    keys = {id(n.value): n.key for n in graph_nodes(our_out)}

    def report(bug, i=None, theirs=None, detail="", ours_value=None):
        _show_theirs(our_out, e, ours, their_nodes)
        n = e.nodes[i] if i is not None else None
        label = "" if n is None else (n.name or f"the {_op_name(n)} node")
        return EngineReport(
            False,
            bug,
            TITLES[bug],
            HINTS[bug],
            _text(e, case),
            label,
            "" if n is None or n.op == "leaf" else _op_name(n),
            theirs,
            ours_value,
            detail,
            our_out,
            None if i is None else keys.get(id(ours[i])),
        )

    # forward, node by node, so a crash is pinned to its node
    theirs = their_nodes = []
    try:
        theirs = their_nodes = _build_tracking(e, case.values, cls)
    except _BuildError as err:
        i, exc, their_nodes = err.index, err.exc, err.partial
        n = e.nodes[i]
        const_left = len(n.args) == 2 and e.nodes[n.args[0]].op == "const"
        if isinstance(exc, TypeError) and const_left:
            return report("reflected", i, detail=f"({type(exc).__name__}: {exc})")
        if isinstance(exc, (AttributeError, TypeError)) and n.op != "leaf":
            return report("missing_op", i, detail=f"({type(exc).__name__}: {exc})")
        return report("crash", i, detail=f"({type(exc).__name__}: {exc})")
    for i, n in enumerate(e.nodes):
        if n.op == "const":
            continue
        got = _get(theirs[i], "data")
        if got is None or not _close(got, ours[i].data):
            detail = _unusable(theirs[i], "data") if got is None else ""
            return report(case.bug_value, i, got, detail, ours_value=ours[i].data)
    out = theirs[-1]
    if not callable(getattr(out, "backward", None)):
        return report("no_backward")
    try:
        out.backward()
        if case.twice == "zeroed":
            for i, n in enumerate(e.nodes):
                if n.op == "leaf":
                    theirs[i].grad = 0.0
            out.backward()
        elif case.twice == "accumulate":
            out.backward()
    except Exception as exc:  # noqa: BLE001 - a learner's engine may raise anything
        return report("crash", len(e.nodes) - 1, detail=f"({type(exc).__name__}: {exc})")
    factor = 2.0 if case.twice == "accumulate" else 1.0
    got = _get(out, "grad")
    if case.twice == "" and (got is None or not _close(got, 1.0)):
        detail = _unusable(out, "grad") if got is None else ""
        return report("seed", len(e.nodes) - 1, got, detail, ours_value=1.0)
    leaves = [i for i, n in enumerate(e.nodes) if n.op == "leaf" and abs(ours[i].grad) > 1e-6]
    no_grads = leaves and all(_get(theirs[i], "grad") == 0.0 for i in leaves)
    basic = case.bug_grad != "local_derivative" or _ops_of(e) <= {"+", "*"}
    if whole_graphs and case.twice == "" and no_grads and basic:
        # + and * passing nothing on at all: backward() ran no node's _backward
        return report("topo_missing", leaves[0], 0.0, ours_value=ours[leaves[0]].grad)
    # backward: the first wrong gradient, from the output down (where an error first enters)
    for i in range(len(e.nodes) - 1, -1, -1):
        n = e.nodes[i]
        if n.op == "const" or (case.twice and n.op != "leaf"):
            continue
        got = _get(theirs[i], "grad")
        want = factor * ours[i].grad
        if got is None or not _close(got, want):
            bug = case.bug_grad
            if bug in ("local_derivative", "random"):
                # a wrong gradient of an operand: it entered in the op that uses it
                j = _consumer(e, i)
                what = e.nodes[i].name or f"its operand (the {_op_name(e.nodes[i])} node)"
                r = report(
                    bug,
                    j,
                    None,
                    ours_value=want,
                    detail=f"The gradient it passes to {what} is {got:.8g} in your engine."
                    if got is not None
                    else _unusable(theirs[i], "grad", f"The gradient it passes to {what}"),
                )
                if bug == "local_derivative":
                    r.hint += f". {LOCAL.get(e.nodes[j].op, '')}".rstrip(". ") + "."
                return r
            detail = _unusable(theirs[i], "grad") if got is None else ""
            return report(bug, i, got, detail, ours_value=want)
    return None


def _show_theirs(out, e, ours, theirs):
    """Put the learner's numbers into our graph (the report's drawing): never ours."""
    for v in out.topological_order():
        v.grad = math.nan
    for i, n in enumerate(e.nodes):
        if n.op != "const" and i < len(theirs):
            d, g = _get(theirs[i], "data"), _get(theirs[i], "grad")
            ours[i].data = math.nan if d is None else d
            ours[i].grad = math.nan if g is None else g
        elif n.op != "const":
            ours[i].data = math.nan


class _BuildError(Exception):
    def __init__(self, index, exc, partial):
        self.index, self.exc, self.partial = index, exc, partial


def _build_tracking(e, values, cls):
    """build() one node at a time, so that an exception names the node it came from."""
    out = []
    for i, n in enumerate(e.nodes):
        try:
            out.append(apply(n, [out[j] for j in n.args], values, cls))
        except Exception as exc:  # noqa: BLE001 - a learner's engine may raise anything
            raise _BuildError(i, exc, out) from None
    return out


def _get(v, attr):
    """v.attr as a finite float, or None (why: _unusable)."""
    try:
        x = float(getattr(v, attr))
    except (AttributeError, TypeError, ValueError, OverflowError):  # OverflowError: 10**400
        return None
    return x if math.isfinite(x) else None


def _unusable(v, attr, subject=None):
    """Why _get(v, attr) is None, for the report: 'Its .grad is not a finite number (...)'."""
    x = getattr(v, attr, None)
    kind = "not a finite number" if isinstance(x, Real) else "not a number"
    why = f"is {kind} ({describe(x)})" if hasattr(v, attr) else "is missing"
    return f"{subject or f'Its .{attr}'} {why} in your engine."


def _consumer(e, i):
    """The first node that uses node i (where a wrong local derivative into i lives)."""
    for j, n in enumerate(e.nodes):
        if i in n.args:
            return j
    return i


def _text(e, case):
    return case.text if case.expr is None else to_text(e)


__all__ = ["HINTS", "TITLES", "EngineReport", "check_engine"]
