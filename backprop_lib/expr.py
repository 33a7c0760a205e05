"""Expressions as data: a safe parser, seeded random graphs, and building either with any Value class.

    e = parse("a*b + b**3")         # an Expr: nodes in topological order, the leaves by name
    out = build(e, {"a": 2.0, "b": -1.0})   # with backprop_lib.autograd.Value
    out = build(e, {"a": 2.0, "b": -1.0}, TheirValue)   # or with a learner's class

The parser reads the text with ``ast`` and accepts only names, numbers, ``+ - * / **``, unary
minus and the functions relu, tanh, exp, log, sigmoid; the exponent of ``**`` must be a number.
Nothing is ever evaluated as Python. Anything else raises ``ExprError``, which points at the
offending token's column. A leaf used twice is one node (``a*b + b**3`` uses b twice), so its
gradient must add up; constants are folded (``2*3*x`` is ``6*x``).
"""

import ast
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from .autograd import FUNCTIONS, Value
from .checks import as_bool, as_choice, as_int, as_number, as_seed, check_type, describe

MAX_NODES = 40  # what the graph view draws legibly
MAX_CHARS = 1000
MAX_LEAVES, MAX_OPS = 100, 1000  # random_expr's limits: far beyond what any check draws
BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
OPS = ("+", "-", "*", "/", "**", "neg") + FUNCTIONS


class ExprError(ValueError):
    """A bad expression; ``col`` is the 1-based column of the offending token."""

    def __init__(self, message, text="", col=None):
        self.col = col
        where = f"\n    {text}\n    {' ' * (col - 1)}^" if text and col else ""
        super().__init__(f"expression: {message}{where}")


@dataclass(frozen=True)
class Node:
    """op: 'leaf', 'const', or one of OPS; args: operand node indices; name: the leaf's name;
    value: the constant's number, or the exponent n of '**'."""

    op: str
    args: tuple = ()
    name: str = ""
    value: float | None = None


@dataclass(frozen=True)
class Expr:
    """nodes: topological order (operands first); the last is the output. leaves: leaf names,
    in order of first appearance. text: the source (or a description)."""

    nodes: tuple
    leaves: tuple
    text: str = ""

    def __len__(self):
        return len(self.nodes)


def parse(text, max_nodes=MAX_NODES):
    """``text`` -> Expr, or ExprError naming what is wrong and where."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string such as '(x + y) * z', got {type(text).__name__}")
    max_nodes = as_int(max_nodes, "max_nodes", 1)
    if not text.strip():
        raise ExprError("empty; type an expression such as (x + y) * z")
    if len(text) > MAX_CHARS:
        raise ExprError(f"{len(text)} characters is too long (at most {MAX_CHARS})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = e.offset or 1
        raise ExprError(f"syntax error at column {col}: {e.msg}", text.strip(), col) from None
    text = text.strip()
    nodes, leaves, memo = [], {}, {}

    def fail(message, node):
        col = getattr(node, "col_offset", 0) + 1
        raise ExprError(f"{message} at column {col}", text, col)

    def add(node):
        if node in memo:
            return memo[node]
        nodes.append(node)
        if len(nodes) > 2 * max_nodes:  # folded constants included; checked exactly below
            raise ExprError(f"more than {max_nodes} nodes: too large for the graph view to draw")
        memo[node] = len(nodes) - 1
        return memo[node]

    def const(i):
        return nodes[i].value if nodes[i].op == "const" else None

    def fold(op, args, exponent=None):
        """A constant for an operation on constants, else the node's index."""
        if all(const(a) is not None for a in args):
            vs = [Value(const(a)) for a in args]
            r = {
                "+": lambda: vs[0] + vs[1],
                "-": lambda: vs[0] - vs[1],
                "*": lambda: vs[0] * vs[1],
                "/": lambda: vs[0] / vs[1],
                "**": lambda: vs[0] ** exponent,
                "neg": lambda: -vs[0],
            }.get(op, lambda: getattr(vs[0], op)())()
            return add(Node("const", value=r.data))
        return add(Node(op, tuple(args), value=exponent))

    def visit(n):
        if isinstance(n, ast.Constant):
            if isinstance(n.value, bool) or not isinstance(n.value, (int, float)):
                fail(f"{n.value!r} is not a number", n)
            try:
                value = float(n.value)
            except OverflowError:  # an int of more than 308 digits
                value = math.inf
            if not math.isfinite(value):
                fail("a number too large for float64 (at most about 1.8e308)", n)
            return add(Node("const", value=value))
        if isinstance(n, ast.Name):
            if n.id.startswith("_"):
                fail(f"the name {n.id!r} is not allowed (no names starting with _)", n)
            if n.id in FUNCTIONS:
                fail(f"{n.id} is a function: write {n.id}(x)", n)
            if n.id not in leaves:
                leaves[n.id] = add(Node("leaf", name=n.id))
            return leaves[n.id]
        if isinstance(n, ast.UnaryOp):
            if isinstance(n.op, ast.UAdd):
                return visit(n.operand)
            if isinstance(n.op, ast.USub):
                return fold("neg", [visit(n.operand)])
            fail(f"the operator {type(n.op).__name__} is not allowed (only unary minus)", n)
        if isinstance(n, ast.BinOp):
            op = BINARY.get(type(n.op))
            if op is None:
                hint = "; for a power write **" if isinstance(n.op, ast.BitXor) else ""
                col = _op_column(text, n)
                raise ExprError(
                    f"the operator {type(n.op).__name__} is not allowed (only + - * / **)"
                    f"{hint}" + (f" at column {col}" if col else ""),
                    text,
                    col,
                )
            left = visit(n.left)
            if op == "**":
                e = visit(n.right)
                if const(e) is None:
                    fail("the exponent of ** must be a number", n.right)
                return fold("**", [left], exponent=const(e))
            return fold(op, [left, visit(n.right)])
        if isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name):
                fail("only calls of the functions " + ", ".join(FUNCTIONS) + " are allowed", n)
            if n.func.id not in FUNCTIONS:
                fail(f"unknown function {n.func.id!r} (known: {', '.join(FUNCTIONS)})", n.func)
            if len(n.args) != 1 or n.keywords:
                fail(f"{n.func.id} takes exactly one argument", n)
            return fold(n.func.id, [visit(n.args[0])])
        if isinstance(n, ast.Attribute):
            fail("attribute access (a dot) is not allowed", n)
        fail(
            f"{type(n).__name__} is not allowed (only names, numbers, + - * / **, unary minus "
            f"and {', '.join(FUNCTIONS)})",
            n,
        )

    try:
        out = visit(tree.body)
    except (ValueError, TypeError) as e:
        if isinstance(e, ExprError):
            raise
        raise ExprError(f"the constants cannot be computed: {e}") from None
    # drop folded-away constants: keep only the nodes the output depends on, in order
    expr = _prune(nodes, out, tuple(leaves), text)
    if len(expr) > max_nodes:
        raise ExprError(f"{len(expr)} nodes, more than {max_nodes}: too large for the graph view")
    return expr


def _op_column(text, n):
    """The 1-based column of a binary operator: the first non-blank, non-')' after the left side."""
    line, k = text.splitlines()[n.left.end_lineno - 1], n.left.end_col_offset
    while k < len(line) and line[k] in " )":
        k += 1
    return k + 1


def _prune(nodes, out, leaf_names, text):
    keep, stack = set(), [out]
    while stack:
        i = stack.pop()
        if i not in keep:
            keep.add(i)
            stack.extend(nodes[i].args)
    new = {old: k for k, old in enumerate(sorted(keep))}
    pruned = tuple(
        Node(n.op, tuple(new[a] for a in n.args), n.name, n.value)
        for i, n in enumerate(nodes)
        if i in keep
    )
    used = tuple(
        name for name in leaf_names if any(n.op == "leaf" and n.name == name for n in pruned)
    )
    return Expr(pruned, used, text)


def build(expr, leaf_values, cls=Value, override=None):
    """Evaluate ``expr`` with the Value class ``cls``: a list with one entry per node (a cls
    instance; for a constant, the plain number, used as Python would: ``2 * v``).

    leaf_values: {name: number}. override: {node index: number}: that node becomes a leaf of
    that value. Leaves are labelled with their names when the class has a ``label`` attribute.
    """
    check_leaf_values(expr, leaf_values)
    override = override or {}
    out = []
    for i, n in enumerate(expr.nodes):
        out.append(
            cls(override[i])
            if i in override
            else apply(n, [out[j] for j in n.args], leaf_values, cls)
        )
    return out


def check_leaf_values(expr, leaf_values, name="leaf_values"):
    """TypeError/ValueError naming ``name`` unless expr is an Expr and leaf_values gives each of
    its leaves a finite number: ``leaf_values['x']: expected a finite number, got nan``."""
    as_expr(expr)
    check_type(leaf_values, name, Mapping, "a dict {leaf name: number}, e.g. {'x': 0.5}")
    missing = [n for n in expr.leaves if n not in leaf_values]
    if missing:
        raise ValueError(f"{name}: expected a number for every leaf, missing {missing}")
    for leaf in expr.leaves:
        as_number(leaf_values[leaf], f"{name}[{leaf!r}]")


def as_expr(expr, name="expr"):
    """An Expr -> itself; a TypeError naming ``name`` for anything else (such as its text)."""
    return check_type(expr, name, Expr, "an Expr (from parse('...') or random_expr)")


def as_ops(ops, name="ops"):
    """A non-empty tuple or list of operations from OPS -> a tuple ('+*', a string, is refused)."""
    check_type(ops, name, (tuple, list), f"a tuple of operations from {OPS}")
    if not ops:
        raise ValueError(f"{name}: expected at least one operation from {OPS}, got {describe(ops)}")
    return tuple(as_choice(op, f"{name}[{i}]", OPS) for i, op in enumerate(ops))


def apply(n, operands, leaf_values, cls=Value):
    """One node's value, from its operands' (as Python would compute it: ``2 * v``)."""
    a = operands
    if n.op == "leaf":
        v = cls(leaf_values[n.name])
        _set_label(v, n.name)
        return v
    if n.op == "const":
        return n.value
    if n.op == "+":
        return a[0] + a[1]
    if n.op == "-":
        return a[0] - a[1]
    if n.op == "*":
        return a[0] * a[1]
    if n.op == "/":
        return a[0] / a[1]
    if n.op == "**":
        return a[0] ** n.value
    if n.op == "neg":
        return -a[0]
    return getattr(a[0], n.op)()


def _set_label(v, name):
    try:
        v.label = name
    except AttributeError:
        pass


def to_text(expr):
    """The expression as text (parse(to_text(e)) builds the same values)."""
    as_expr(expr)
    texts = []
    for n in expr.nodes:
        a = [texts[j] for j in n.args]
        if n.op == "leaf":
            t = n.name
        elif n.op == "const":
            t = repr(n.value) if n.value >= 0 else f"({n.value!r})"
        elif n.op == "**":
            t = f"{a[0]} ** {n.value!r}" if n.value >= 0 else f"{a[0]} ** ({n.value!r})"
            t = f"({t})"
        elif n.op == "neg":
            t = f"(-{a[0]})"
        elif n.op in FUNCTIONS:
            t = f"{n.op}({a[0]})"
        else:
            t = f"({a[0]} {n.op} {a[1]})"
        texts.append(t)
    return texts[-1]


def random_expr(seed, n_leaves=3, n_ops=12, max_depth=8, ops=OPS, constants=True, join=False):
    """A seeded random expression graph: ``n_ops`` operations on ``n_leaves`` leaves, depth at
    most ``max_depth``, operands drawn from every earlier node (so nodes are reused), and values
    kept in every operation's domain and of moderate size. join: add up every node that nothing
    uses (pairwise, a few more levels), so the output depends on all of them; without it, the
    output is the last operation and what it does not use is dropped. Returns (Expr, values)."""
    rng = random.Random(as_seed(seed))
    n_leaves = as_int(n_leaves, "n_leaves", 1, MAX_LEAVES)
    n_ops = as_int(n_ops, "n_ops", 0, MAX_OPS)  # the loop is quadratic: 10**7 would never end
    max_depth, ops = as_int(max_depth, "max_depth", 1), as_ops(ops)
    constants, join = as_bool(constants, "constants"), as_bool(join, "join")
    names = [f"x{i + 1}" for i in range(n_leaves)]
    values = {n: rng.choice([-1, 1]) * rng.uniform(0.3, 2.0) for n in names}
    nodes = [Node("leaf", name=n) for n in names]
    data = [values[n] for n in names]
    depth = [0] * n_leaves
    tries = 0
    while len(nodes) < n_leaves + n_ops and tries < 50 * (n_ops + 1):
        tries += 1
        op = rng.choice(ops)
        # operands: prefer recent nodes, so the graph grows deep; any earlier node may be reused
        live = [k for k, n in enumerate(nodes) if n.op != "const"]
        i, j = (
            live[max(0, len(live) - 1 - int(rng.expovariate(0.5)))]
            if rng.random() < 0.6
            else rng.choice(live)
            for _ in range(2)
        )
        if max(depth[i], depth[j] if op in BINARY.values() else 0) + 1 > max_depth:
            continue
        x = data[i]
        args, exponent, const = (i,), None, None
        if op in ("+", "-", "*", "/"):
            if constants and rng.random() < 0.25:  # a constant operand, left or right
                const = rng.choice([2.0, 3.0, 0.5, -1.5])
                nodes.append(Node("const", value=const))
                data.append(const)
                depth.append(0)
                j = len(nodes) - 1
            args = (i, j) if rng.random() < 0.5 else (j, i)
            y0, y1 = data[args[0]], data[args[1]]
            if op == "/" and abs(y1) < 0.2:
                _undo(const, nodes, data, depth)
                continue
            r = {"+": y0 + y1, "-": y0 - y1, "*": y0 * y1, "/": y0 / y1 if y1 else 0}[op]
        elif op == "**":
            exponent = rng.choice([2.0, 3.0, -1.0, 0.5, 1.5])
            if x <= 0.1 and exponent != int(exponent) or abs(x) < 0.2 and exponent < 0:
                continue
            r = x**exponent
        elif op == "log":
            if x <= 0.1:
                continue
            r = math.log(x)
        elif op == "exp":
            if x > 3:
                continue
            r = math.exp(x)
        elif op == "relu":
            r = max(x, 0.0)
        elif op == "neg":
            r = -x
        elif op == "tanh":
            r = math.tanh(x)
        else:
            r = 1 / (1 + math.exp(-x))
        if not (abs(r) < 50) or (op not in ("relu",) and r == 0):
            _undo(const, nodes, data, depth)
            continue
        nodes.append(Node(op, args, value=exponent))
        data.append(r)
        depth.append(1 + max(depth[a] for a in args))
    if join:
        used = {a for n in nodes for a in n.args}
        loose = [k for k, n in enumerate(nodes) if k not in used and n.op != "const"]
        while len(loose) > 1:
            nxt = []
            for a, b in zip(loose[::2], loose[1::2]):
                nodes.append(Node("+", (a, b)))
                data.append(data[a] + data[b])
                nxt.append(len(nodes) - 1)
            loose = nxt + ([loose[-1]] if len(loose) % 2 else [])
    e = _prune(nodes, len(nodes) - 1, tuple(names), f"random graph (seed {seed})")
    return e, {n: values[n] for n in e.leaves}


def _undo(const, nodes, data, depth):
    if const is not None:
        nodes.pop()
        data.pop()
        depth.pop()


__all__ = [
    "MAX_NODES",
    "OPS",
    "Expr",
    "ExprError",
    "Node",
    "apply",
    "as_expr",
    "as_ops",
    "build",
    "check_leaf_values",
    "parse",
    "random_expr",
    "to_text",
]
