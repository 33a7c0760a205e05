"""Comparing two sets of gradients of one network: ours, PyTorch's, numeric ones (notebook 04).

Each takes anything with ``.weights`` and ``.biases`` shaped like the network's parameters
(``backward``'s Grads, ``numeric_gradients``, ``bugclinic.Suspect``, a torch run's result).
"""

import warnings

from .checks import as_float_array, as_network, describe
from .gradcheck import gradcheck, relative_error
from .names import param_label
from .params import flatten_by_key


def _flat(net, grads, name):
    """{key: float} of ``grads``, gradients of ``net`` (numpy arrays or torch tensors), checked."""
    if not (hasattr(grads, "weights") and hasattr(grads, "biases")):
        raise TypeError(
            f"{name}: expected gradients with .weights and .biases (like backward's Grads), "
            f"got {describe(grads)}"
        )

    def arrays(values, what):  # one array per layer, as float64 (a tensor detached)
        if not isinstance(values, (list, tuple)):
            raise TypeError(
                f"{what}: expected a list of arrays, one per layer, got {describe(values)}"
            )
        return [as_float_array(v, f"{what}[{l}]", finite=False) for l, v in enumerate(values)]

    biases = None if grads.biases is None else arrays(grads.biases, f"{name}.biases")
    return flatten_by_key(net, arrays(grads.weights, f"{name}.weights"), biases, name)


def max_relative_error(net, a, b):
    """The largest relative error between two sets of gradients of ``net``.

    a, b: anything with ``.weights`` and ``.biases`` shaped like the network's parameters
    (``backward``'s Grads, ``numeric_gradients``, a torch run's result). Uses
    ``bp.relative_error`` with its default floor.
    """
    fa, fb = _flat(as_network(net), a, "a"), _flat(net, b, "b")
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
    fa, fb = _flat(as_network(net), a, "a"), _flat(net, b, "b")
    return [(param_label(k), fa[k], fb[k]) for k in net.param_keys()]
