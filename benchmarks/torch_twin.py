"""The same network in PyTorch autograd, written for speed (not backprop_lib.torch_bridge,
which validates its inputs with the library's own checks and rebuilds the parameters on
every call).

What one timed call includes: converting x and the target to tensors (``torch.from_numpy``,
which shares the numpy buffer: the cheapest honest conversion; the library converts and
validates x too), clearing the parameters' gradients (``p.grad = None``, what
``optimizer.zero_grad()`` does by default), the forward pass and ``loss.backward()``. What it
excludes: building the parameter tensors (done once in ``TorchTwin.__init__``).
float64 throughout, so the results agree with backprop_lib's to round-off.
"""

import numpy as np
import torch
import torch.nn.functional as F

_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": None}


class TorchTwin:
    """Leaf tensors for ``net``'s parameters; calling it runs forward + backward once."""

    def __init__(self, net):
        def leaf(a):
            return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)

        self.weights = [leaf(W) for W in net.weights]
        self.biases = [leaf(b) for b in net.biases] if net.biases is not None else None
        self.params = self.weights + (self.biases or [])
        self.acts = [_ACT[a] for a in net.activations]
        self.loss_name = net.loss

    def __call__(self, x, t):
        """Forward + backward at (x, t); returns the loss tensor (gradients in p.grad)."""
        for p in self.params:
            p.grad = None
        a = torch.from_numpy(x)
        t = torch.from_numpy(t)
        n = 1 if a.dim() == 1 else a.shape[0]
        z = a
        for l, W in enumerate(self.weights):
            z = a @ W
            if self.biases is not None:
                z = z + self.biases[l]
            act = self.acts[l]
            a = z if act is None else act(z)
        name = self.loss_name
        if name == "squared_error":
            loss = ((a - t) ** 2).sum() / n
        elif name == "half_squared_error":
            loss = 0.5 * ((a - t) ** 2).sum() / n
        elif name == "binary_cross_entropy":
            loss = F.binary_cross_entropy_with_logits(z, t, reduction="sum") / n
        else:  # softmax cross-entropy with one-hot (probability) target rows
            loss = F.cross_entropy(z, t, reduction="sum") / n
        loss.backward()
        return loss

    def grads(self):
        """(dW list, db list or None) as numpy arrays, after a call."""
        dW = [W.grad.numpy() for W in self.weights]
        db = [b.grad.numpy() for b in self.biases] if self.biases is not None else None
        return dW, db


def check_against_library(net, x, t, tol=1e-12):
    """Raise AssertionError unless torch's loss and gradients match backprop_lib's to ``tol``."""
    import backprop_lib as bp

    from .fused import _compare

    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    twin = TorchTwin(net)
    loss = float(twin(x, t).item())
    dW, db = twin.grads()
    pairs = [("loss", trace.loss, loss)]
    pairs += [(f"dL/dW{l + 1}", g, f) for l, (g, f) in enumerate(zip(grads.weights, dW))]
    if net.biases is not None:
        pairs += [(f"dL/db{l + 1}", g, f) for l, (g, f) in enumerate(zip(grads.biases, db))]
    return _compare(pairs, tol, "torch")
