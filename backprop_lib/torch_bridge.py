"""The same network in PyTorch, for comparison (needs the ``torch`` extra).

``to_torch(net)`` builds leaf tensors with requires_grad; ``torch_forward_backward(net, x, t)``
runs torch's forward and autograd's backward and returns the loss and the gradients as numpy
arrays, shaped and named like ``backprop_lib.backward``'s. float64 by default, so that the two
agree to ~1e-15; pass ``dtype=torch.float32`` to see float32's ~1e-7.
"""

from dataclasses import dataclass

import numpy as np
import torch

from .checks import as_inputs, as_targets, describe
from .network import Network

_ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "identity": lambda z: z,
}


def _loss(name, z, y, t):
    """The library's losses, written with torch ops; each is the mean over the batch's rows."""
    n = y.shape[0]
    if name == "squared_error":
        return ((y - t) ** 2).sum() / n
    if name == "half_squared_error":
        return 0.5 * ((y - t) ** 2).sum() / n
    if name == "binary_cross_entropy":
        return torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum") / n
    return torch.nn.functional.cross_entropy(z, t, reduction="sum") / n  # t: one-hot rows


@dataclass(frozen=True)
class TorchParams:
    """Leaf tensors W^l and b^l (requires_grad), 0-based lists like Network's."""

    weights: list
    biases: list | None


def _check_dtype(dtype):
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"dtype: expected torch.float64 or torch.float32, got {dtype!r}")
    return dtype


def to_torch(net, dtype=torch.float64):
    """The network's parameters as torch leaf tensors that require grad.

    net: a Network; dtype: torch.float64 or torch.float32."""
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {describe(net)}")
    _check_dtype(dtype)

    def leaf(a):
        return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=True)

    return TorchParams(
        [leaf(W) for W in net.weights],
        [leaf(b) for b in net.biases] if net.biases is not None else None,
    )


def torch_forward(net, params, x, target, dtype=torch.float64):
    """Forward in torch; returns (loss, zs, as_), tensors, with as_[-1] the output y.

    Call ``retain_grad()`` on any of zs / as_ before ``loss.backward()`` to see its gradient.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {describe(net)}")
    _check_dtype(dtype)
    X, is_batch = as_inputs(net, x)  # X is (N, n_in) even for one sample
    T = torch.tensor(as_targets(net, target, len(X), is_batch), dtype=dtype)
    a = torch.tensor(X, dtype=dtype)
    zs, as_ = [], []
    for l, W in enumerate(params.weights):
        z = a @ W
        if params.biases is not None:
            z = z + params.biases[l]
        a = _ACT[net.activations[l]](z)
        zs.append(z)
        as_.append(a)
    return _loss(net.loss, zs[-1], as_[-1], T), zs, as_


@dataclass(frozen=True)
class TorchResult:
    loss: float
    output: np.ndarray  # (N, n_out)
    weights: tuple  # dL/dW^l as numpy, shaped like net.weights
    biases: tuple | None


def torch_forward_backward(net, x, target, dtype=torch.float64):
    """torch's loss and autograd's gradients for ``net`` at (x, target), as numpy arrays."""
    params = to_torch(net, dtype)
    loss, _, as_ = torch_forward(net, params, x, target, dtype)
    loss.backward()
    return TorchResult(
        loss=float(loss.item()),
        output=as_[-1].detach().numpy(),
        weights=tuple(W.grad.numpy() for W in params.weights),
        biases=tuple(b.grad.numpy() for b in params.biases) if params.biases else None,
    )
