"""backprop_lib: the helper library of the backpropagation course.

The numeric core imports only numpy:

    import backprop_lib as bp
    net = bp.Network([W1, W2], [b1, b2], activations="sigmoid", loss="squared_error")
    trace = bp.forward(net, x, t)        # every intermediate: trace.z, trace.a, trace.loss
    grads = bp.backward(net, trace)      # every gradient: grads.weights, grads.dL_dz, ...
    net2 = bp.sgd_step(net, grads, lr=0.1)
    bp.gradcheck(net, x, t)              # backprop against finite differences
    bp.steps(net, trace, grads)          # the scalar steps, for the replay

Also numpy only, imported when needed: ``backprop_lib.train`` (mini-batch SGD),
``backprop_lib.datasets`` (XOR, two moons, spirals, scikit-learn's bundled digits),
``backprop_lib.numerics`` (the epsilon sweep), ``backprop_lib.compare`` (two sets of gradients
side by side) and ``backprop_lib.bugclinic`` (seed 001's
mistakes, reproduced). On top of them: drawing (``backprop_lib.draw``, ``backprop_lib.plots``),
widgets (``backprop_lib.widgets``, ``backprop_lib.train_view``) and the PyTorch bridge
(``backprop_lib.torch_bridge``).
"""

from . import examples, layers
from .gradcheck import (
    GradcheckReport,
    GradcheckWarning,
    gradcheck,
    numeric_gradient,
    numeric_gradients,
    relative_error,
)
from .layers import ACTIVATIONS, LOSSES
from .network import Grads, Network, Trace, backward, forward, sgd_step
from .steps import Step, steps

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "GradcheckReport",
    "GradcheckWarning",
    "Grads",
    "Network",
    "Step",
    "Trace",
    "backward",
    "examples",
    "forward",
    "gradcheck",
    "layers",
    "numeric_gradient",
    "numeric_gradients",
    "relative_error",
    "sgd_step",
    "steps",
]
