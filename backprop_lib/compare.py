"""Comparing two sets of gradients of one network: ours, PyTorch's, numeric ones (notebook 04).

Each takes anything with ``.weights`` and ``.biases`` shaped like the network's parameters
(``backward``'s Grads, ``numeric_gradients``, ``bugclinic.Suspect``, a torch run's result).
"""

import warnings

from .gradcheck import gradcheck, relative_error
from .names import param_label
from .params import flatten_by_key


def max_relative_error(net, a, b):
    """The largest relative error between two sets of gradients of ``net``.

    a, b: anything with ``.weights`` and ``.biases`` shaped like the network's parameters
    (``backward``'s Grads, ``numeric_gradients``, a torch run's result). Uses
    ``bp.relative_error`` with its default floor.
    """
    fa = flatten_by_key(net, a.weights, a.biases, "a")
    fb = flatten_by_key(net, b.weights, b.biases, "b")
    return float(max(relative_error(fa[k], fb[k]) for k in net.param_keys()))


def gradcheck_quietly(net, x, target, **kwargs):
    """``gradcheck(net, x, target, **kwargs)`` with its warnings caught, not shown.

    Returns (report, messages): the GradcheckReport and the text of each warning it raised
    (a ReLU input near its kink, say).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = gradcheck(net, x, target, **kwargs)
    return report, [f"{w.category.__name__}: {w.message}" for w in caught]


def side_by_side(net, a, b):
    """[(label, a's value, b's value)] for every parameter of ``net``, e.g. ('w¹₁₁', ...).

    a, b: gradients shaped like the network's parameters (anything with .weights, .biases).
    """
    fa = flatten_by_key(net, a.weights, a.biases, "a")
    fb = flatten_by_key(net, b.weights, b.biases, "b")
    return [(param_label(k), fa[k], fb[k]) for k in net.param_keys()]
