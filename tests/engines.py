"""Learner-style engines for the check_engine tests: one correct, one per bug it must name.

Written the way notebook 06 builds its Value (micrograd's closures), not copied from ours.
"""

import math


class Good:
    """A correct micrograd-style engine: closures, a topological order, PyTorch's rules."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def _wrap(self, other):
        return other if isinstance(other, Good) else type(self)(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, n):
        out = type(self)(self.data**n, (self,), "**")

        def _backward():
            self.grad += self._pow_local(n) * out.grad

        out._backward = _backward
        return out

    def _pow_local(self, n):
        return n * self.data ** (n - 1)

    def _unary(self, value, local, op):
        out = type(self)(value, (self,), op)

        def _backward():
            self.grad += local * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, self._tanh_local(t), "tanh")

    def _tanh_local(self, t):
        return 1 - t * t

    def relu(self):
        return self._unary(max(self.data, 0.0), float(self.data > 0), "relu")

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self):
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return self._unary(s, s * (1 - s), "sigmoid")

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __rtruediv__(self, other):
        return self._wrap(other) / self

    def _topo(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._prev)
        return topo

    def backward(self):
        topo = self._topo()
        for v in topo:
            if v._prev:  # inner nodes: this pass only; leaves accumulate (PyTorch)
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class Overwrite(Good):
    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad  # the bug
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad

        out._backward = _backward
        return out


class NoTopo(Good):
    def backward(self):
        self.grad = 1.0
        self._backward()  # only the output's own step


class WrongOrder(Good):
    def backward(self):
        for v in self._topo():
            if v._prev:
                v.grad = 0.0
        self.grad = 1.0
        self._recurse()

    def _recurse(self):  # pre-order: a node passes its gradient on before all users added to it
        self._backward()
        for c in self._prev:
            c._recurse()


class NotZeroed(Good):
    def backward(self):  # micrograd's: inner nodes keep the previous call's gradients
        self.grad = 1.0
        for v in reversed(self._topo()):
            v._backward()


class ZeroesLeaves(Good):
    def backward(self):
        topo = self._topo()
        for v in topo:
            v.grad = 0.0  # leaves too: the bug
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class NoReflected(Good):
    __rmul__ = None


class WrongTanh(Good):
    def _tanh_local(self, t):
        return 1 - t


class WrongPowExponent(Good):
    def _pow_local(self, n):
        return n * self.data**n  # forgot the - 1
