"""The model behind the Explorer: one sample's parameters, input and target -> trace, grads,
steps and the loss curve. No widgets here: ``widgets.Explorer`` moves a value with ``set`` and
draws what this holds (``draw.explorer_view_html``, ``draw.explorer_curve_html``).

    m = ExplorerModel(examples.seed_000().net, [0.5, 0.3], [0.7], curve="w2_1_1", curve_range=(-3, 3))
    m.set("w2_1_1", 1.0)        # a parameter key, or 'x1', 't1'
    m.trace.loss, m.grads, m.steps
    m.curve.ws, m.curve.ls      # L along the whole range of w²₁₁ (121 forward passes)
    m.curve.zs, m.curve.zl      # the close-up: ± ZOOM around the current value
    m.curve.slope               # ∂L/∂w²₁₁, backprop's, for the tangent

The whole curve depends on everything but its own parameter, so moving that parameter only
recomputes the close-up; any other change recomputes both.
"""

from dataclasses import dataclass

import numpy as np

from .checks import as_inputs, rename
from .layers import LOSSES
from .names import input_key, target_key
from .network import backward, flatten_by_key, forward
from .numerics import loss_along
from .steps import steps as make_steps

ZOOM = 0.5  # the curve's close-up spans the dot's value ± ZOOM
N_WHOLE, N_ZOOM = 121, 61  # points on the whole curve and on the close-up


@dataclass(frozen=True)
class Curve:
    """L along one parameter: the whole range (ws, ls), the close-up around the current value
    (zs, zl), the current point (value, loss) and ∂L/∂(parameter) there (slope)."""

    key: str
    ws: np.ndarray
    ls: np.ndarray
    zs: np.ndarray
    zl: np.ndarray
    value: float
    loss: float
    slope: float
    zoom: float = ZOOM


class ExplorerModel:
    """net, x (one sample), target, and the results of one forward and backward pass.

    curve: a parameter key whose loss curve to keep, over ``curve_range`` (lo, hi).
    The target is kept as the loss sees it (a softmax net's class index becomes its one-hot row).
    """

    def __init__(self, net, x, target, curve=None, curve_range=(-3.0, 3.0)):
        if as_inputs(net, x)[1]:
            raise ValueError(f"x: expected one sample of shape ({net.sizes[0]},), got a batch")
        if curve is not None:
            try:
                net.get(curve)  # a clear error now for an unknown key
            except (TypeError, ValueError) as e:
                raise rename(e, "key", "curve") from None
        self.net = net
        self.curve_key, self.curve_range = curve, tuple(float(v) for v in curve_range)
        self.curve_cache = None  # (what the whole curve depends on, ws, ls)
        # the one forward pass that also checks x and target, with the library's messages
        self._update(forward(net, x, target))

    @property
    def x(self):
        return self.trace.x.reshape(-1)

    @property
    def target(self):
        return self.trace.target.reshape(-1)

    def input_keys(self):
        """'x1', 'x2', ..., 't1', ...: the keys ``set`` takes besides the parameters'."""
        return [input_key(i + 1) for i in range(self.net.sizes[0])] + [
            target_key(k + 1) for k in range(self.net.sizes[-1])
        ]

    def fixed(self, key):
        """Why ``key`` cannot be moved on its own ('' if it can): the entries of a class target
        (softmax cross-entropy's one-hot row, which must sum to 1)."""
        if LOSSES[self.net.loss].classes and key in self.input_keys()[self.net.sizes[0] :]:
            return (
                f"{key} is one entry of a one-hot class target; choose the class instead, "
                "Explorer(net, x, target=k)"
            )
        return ""

    def set(self, key, value):
        """Move one value (a parameter key such as 'w1_2_1', or 'x1', 't1') and recompute."""
        if why := self.fixed(key):
            raise ValueError(f"key: {why}")
        x, t, net = self.x, self.target, self.net
        if key in self.input_keys():
            which = x.copy() if key[0] == "x" else t.copy()
            which[int(key[1:]) - 1] = value
            x, t = (which, t) if key[0] == "x" else (x, which)
        else:
            net = net.set(key, value)
        self.net = net
        self._update(forward(net, x, t))

    def load(self, net, x, target):
        """Start again from these values (the Explorer's reset)."""
        self.net = net
        self._update(forward(net, x, target))

    def _update(self, trace):
        """trace -> grads -> steps (-> curve)."""
        self.trace = trace
        self.grads = backward(self.net, trace)
        self.steps = make_steps(self.net, trace, self.grads)
        self.curve = self._curve() if self.curve_key is not None else None

    def grad(self, key):
        """∂L/∂(parameter ``key``) at the current values."""
        return float(flatten_by_key(self.net, self.grads.weights, self.grads.biases)[key])

    def _curve(self):
        key, (lo, hi) = self.curve_key, self.curve_range
        f = loss_along(self.net, self.x, self.target, key)
        others = (
            tuple((k, v) for k, v in self.net.params().items() if k != key),
            tuple(self.x),
            tuple(self.target),
        )
        if self.curve_cache is None or self.curve_cache[0] != others:
            ws = np.linspace(lo, hi, N_WHOLE)
            self.curve_cache = (others, ws, np.array([f(v) for v in ws]))
        _, ws, ls = self.curve_cache
        value = self.net.get(key)
        zs = np.linspace(max(lo, value - ZOOM), min(hi, value + ZOOM), N_ZOOM)
        return Curve(
            key, ws, ls, zs, np.array([f(v) for v in zs]), value, self.trace.loss, self.grad(key)
        )


__all__ = ["Curve", "ExplorerModel", "N_WHOLE", "N_ZOOM", "ZOOM"]
