"""A scalar reverse-mode autograd engine: micrograd's ``Value``, checked and explained.

    a, b = Value(2.0, "a"), Value(-3.0, "b")
    f = (a * b + a).tanh()
    f.backward()          # a.grad = ∂f/∂a, b.grad = ∂f/∂b

Every operation makes a new node that records its operation (``op``), its operands
(``operands``) and the local derivative of its value with respect to each operand (``local``),
computed once, in the forward pass. ``backward()`` walks the nodes in reverse topological
order (an explicit stack, not recursion: a chain of 100,000 nodes is fine) and adds
*upstream gradient x local derivative* into each operand, so a node used twice gets the sum of
both contributions.

The rules of ``backward()`` and of zeroing are PyTorch's (notebook 04):

* A leaf's ``.grad`` *accumulates*: each ``backward()`` adds this pass's gradient to it, until
  you zero it (``v.grad = 0.0`` for each leaf, or ``f.zero_grad()`` for every node of f's
  graph). Calling ``f.backward()`` twice therefore doubles every leaf's gradient, as PyTorch's
  ``loss.backward(retain_graph=True)`` twice does.
* An inner node's ``.grad`` holds the gradient of the *latest* pass only (PyTorch keeps none
  for inner nodes; this course keeps the latest, to draw it). A pass propagates only its own
  gradients, never what an earlier pass left behind.

Bad input raises at once, naming the operation and the value, before any node is made: a
failed operation leaves no half-built graph behind.
"""

import math
from numbers import Real


def _describe(x):
    return f"{type(x).__name__} {x!r}"[:100]


def _number(x, op):
    """x as a float, or a clear TypeError/ValueError naming the operation."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{op}: expected a number or a Value, got {_describe(x)}")
    try:
        x = float(x)
    except OverflowError:  # an int such as 10**400
        raise ValueError(
            f"{op}: expected a number float64 can hold (up to about 1.8e308), got an int of "
            f"{int(x).bit_length()} bits"
        ) from None
    if not math.isfinite(x):
        raise ValueError(f"{op}: expected a finite number, got {x}")
    return x


class Value:
    """One scalar of an expression graph, and its gradient.

    data: the value (a finite float); grad: ∂(output)/∂(this node) after ``backward()``;
    op: '' for a leaf, else '+', '-', '*', '/', '**', 'neg', 'relu', 'tanh', 'exp', 'log',
    'sigmoid'; operands: the Values it was computed from; local: ∂(this)/∂(operand), one per
    operand; exponent: the number n of ``x ** n`` (None otherwise); label: a name to draw (a str, or None).
    """

    __slots__ = ("data", "grad", "op", "operands", "local", "exponent", "label")

    def __init__(self, data, label="", *, op="", operands=(), local=(), exponent=None):
        if not op:  # a leaf: its number and its label checked (a node's come from the ops)
            data = _number(data, "Value")
            if not isinstance(label, (str, type(None))):
                raise TypeError(f"label: expected a string such as 'x', got {_describe(label)}")
        self.data = data
        self.grad = 0.0
        self.op, self.operands, self.local = op, tuple(operands), tuple(local)
        self.exponent, self.label = exponent, label

    def _node(self, op, data, operands, local, exponent=None):
        """A new node, made only once its value and local derivatives are known to be finite."""
        if not (math.isfinite(data) and all(math.isfinite(d) for d in local)):
            args = ", ".join(_fmt(o.data) for o in operands)
            what = "the result" if not math.isfinite(data) else "its local derivative"
            raise ValueError(f"{op}: {what} of {op} on {args} is not a finite number")
        return Value(data, op=op, operands=operands, local=local, exponent=exponent)

    @staticmethod
    def _wrap(other, op):
        return other if isinstance(other, Value) else Value(_number(other, op))

    # ---------------------------------------------------------------- operations
    def __add__(self, other):
        other = self._wrap(other, "+")
        return self._node("+", self.data + other.data, (self, other), (1.0, 1.0))

    def __sub__(self, other):
        other = self._wrap(other, "-")
        return self._node("-", self.data - other.data, (self, other), (1.0, -1.0))

    def __mul__(self, other):
        other = self._wrap(other, "*")
        return self._node("*", self.data * other.data, (self, other), (other.data, self.data))

    def __truediv__(self, other):
        other = self._wrap(other, "/")
        if other.data == 0.0:
            raise ValueError(f"/: division by zero ({_fmt(self.data)} / 0)")
        b = other.data
        return self._node("/", self.data / b, (self, other), (1.0 / b, -self.data / b / b))

    def __pow__(self, n):
        if isinstance(n, Value):
            raise TypeError(
                "**: the exponent must be a number, got a Value (use (n * x.log()).exp())"
            )
        n, x = _number(n, "**"), self.data
        if x == 0.0 and n < 0:
            raise ValueError(f"**: 0 ** {_fmt(n)} is undefined (0 to a negative power)")
        if x < 0 and n != int(n):
            raise ValueError(
                f"**: {_fmt(x)} ** {_fmt(n)} is not real (negative base, fractional exponent)"
            )
        what = "the result"
        try:
            data = x**n
            what = "its local derivative"
            d = n * x ** (n - 1) if n != 0 else 0.0
        except (OverflowError, ZeroDivisionError):
            raise ValueError(
                f"**: {what} of {_fmt(x)} ** {_fmt(n)} is not a finite number"
            ) from None
        return self._node("**", data, (self,), (d,), exponent=n)

    def __neg__(self):
        return self._node("neg", -self.data, (self,), (-1.0,))

    def relu(self):
        x = self.data
        return self._node("relu", max(x, 0.0), (self,), (1.0 if x > 0 else 0.0,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._node("tanh", t, (self,), (1.0 - t * t,))

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:  # beyond exp(709.78), about 1.8e308
            raise ValueError(
                f"exp: exp({_fmt(self.data)}) overflows (the largest is about exp(709.78))"
            ) from None
        return self._node("exp", e, (self,), (e,))

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log: expected a positive value, got {_fmt(self.data)}")
        return self._node("log", math.log(self.data), (self,), (1.0 / self.data,))

    def sigmoid(self):
        x = self.data  # the stable form: no overflow for large |x|
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return self._node("sigmoid", s, (self,), (s * (1.0 - s),))

    # the reflected forms: 2 * v, 1 + v, 10 / v, 1 - v (and 2 ** v, refused)
    def __radd__(self, other):
        return self._wrap(other, "+") + self

    def __rsub__(self, other):
        return self._wrap(other, "-") - self

    def __rmul__(self, other):
        return self._wrap(other, "*") * self

    def __rtruediv__(self, other):
        return self._wrap(other, "/") / self

    def __rpow__(self, base):  # 2 ** v: a Value as the exponent, which ** does not take
        raise TypeError(
            "**: the exponent must be a number, got a Value (2 ** v is (v * math.log(2)).exp())"
        )

    # ---------------------------------------------------------------- backward
    def topological_order(self):
        """Every node of this graph, each after all of its operands (iterative DFS)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            v, operands_done = stack.pop()
            if operands_done:
                order.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((o, False) for o in reversed(v.operands) if o not in seen)
        return order

    def backward(self):
        """Fill ``.grad`` with ∂(self)/∂(node) for every node (leaves accumulate, see above)."""
        order = self.topological_order()
        g = {self: 1.0}  # this pass's gradients
        for v in reversed(order):
            gv = g.get(v, 0.0)
            for o, d in zip(v.operands, v.local):
                g[o] = g.get(o, 0.0) + gv * d  # accumulate: o may feed several nodes
        if not all(math.isfinite(d) for d in g.values()):
            raise ValueError("backward: a gradient overflowed (it is beyond about 1.8e308)")
        for v in order:
            v.grad = v.grad + g.get(v, 0.0) if not v.operands else g.get(v, 0.0)

    def zero_grad(self):
        """Set ``.grad = 0`` on every node of this graph (PyTorch: ``optimizer.zero_grad()``)."""
        for v in self.topological_order():
            v.grad = 0.0

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"


def _fmt(x):
    return f"{x:.6g}"


FUNCTIONS = ("relu", "tanh", "exp", "log", "sigmoid")  # the methods that take no argument

__all__ = ["FUNCTIONS", "Value"]
