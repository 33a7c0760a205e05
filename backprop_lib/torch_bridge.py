"""The course's one PyTorch twin (needs the ``torch`` extra): the same maths in torch, to check
backprop_lib against and to time it against.

* a network: ``to_torch(net)`` makes leaf tensors of its parameters; ``torch_forward`` runs the
  forward pass with torch operations (``forward_tensors`` is that pass without any input
  checking, for timing); ``torch_forward_backward(net, x, t)`` also runs autograd's backward
  and returns the loss and the gradients as numpy arrays, shaped like ``backprop_lib.backward``'s;
  ``autograd_call`` is the leanest timed call (make bench's figure 1);
* training: ``train_torch``, notebook 05's training in ``nn.Sequential`` + ``torch.optim.SGD``;
* an expression graph: ``expr_to_torch(expr, values)``, the autograd engine's graph in 0-d tensors.

float64 by default, so the twins agree with the library to ~1e-15; pass ``dtype=torch.float32``
to see float32's ~1e-7.
"""

import operator
import time
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from .checks import (
    NumericOverflowError,
    as_bool,
    as_choice,
    as_epochs,
    as_inputs,
    as_targets,
    check_finite,
    check_type,
    describe,
    from_torch,
    to_dtype,
)
from .expr import build, check_leaf_values
from .network import Network
from .train import History, Trainer, TrainingDiverged, batch_indices, labels_of

# layers.ACTIVATIONS' names -> (the torch function, or None for the identity; its nn module)
ACTIVATIONS = {
    "sigmoid": (torch.sigmoid, torch.nn.Sigmoid),
    "tanh": (torch.tanh, torch.nn.Tanh),
    "relu": (torch.relu, torch.nn.ReLU),
    "identity": (None, torch.nn.Identity),
}
# layers.LOSSES' names -> the loss summed over the rows, from the logits z or the output y
LOSSES = {
    "squared_error": lambda z, y, t: ((y - t) ** 2).sum(),
    "half_squared_error": lambda z, y, t: 0.5 * ((y - t) ** 2).sum(),
    "binary_cross_entropy": lambda z, y, t: F.binary_cross_entropy_with_logits(
        z, t, reduction="sum"
    ),
    "softmax_cross_entropy": lambda z, y, t: F.cross_entropy(z, t, reduction="sum"),  # one-hot t
}


class TorchParams(NamedTuple):
    """Leaf tensors W^l and b^l (requires_grad), 0-based lists like Network's."""

    weights: list
    biases: list | None


class TorchResult(NamedTuple):
    """torch's loss and output (N, n_out), and dL/dW^l, dL/db^l shaped like net's parameters."""

    loss: float
    output: np.ndarray
    weights: tuple
    biases: tuple | None


def _check(net, dtype):
    check_type(net, "net", Network, "a Network")
    if not any(dtype is d for d in (torch.float64, torch.float32)):
        raise ValueError(f"dtype: expected torch.float64 or torch.float32, got {describe(dtype)}")


def _tensor(arr, name, dtype, requires_grad=False):
    """A finite float64 array -> a tensor of dtype; for a number dtype cannot hold, the
    ValueError naming ``name`` that ``forward`` gives (``checks.to_dtype``)."""
    arr = to_dtype(arr, np.float32 if dtype is torch.float32 else np.float64, name)
    return torch.tensor(arr, requires_grad=requires_grad)


def _check_params(net, params, dtype):
    """params: TorchParams of finite tensors of ``dtype`` shaped like net's parameters."""
    check_type(params, "params", TorchParams, "the TorchParams of to_torch(net)")
    for what, arrays in (("weights", net.weights), ("biases", net.biases)):
        tensors = getattr(params, what)
        if tensors is None and arrays is None:
            continue
        if arrays is None or not isinstance(tensors, (list, tuple)) or len(tensors) != len(arrays):
            expected = "None" if arrays is None else f"a list of {len(arrays)} tensors"
            raise ValueError(
                f"params.{what}: expected {expected}, like this network's {what}, "
                f"got {describe(tensors)}"
            )
        for l, (p, a) in enumerate(zip(tensors, arrays)):
            name = f"params.{what}[{l}]"
            check_type(p, name, torch.Tensor, "a tensor")
            if tuple(p.shape) != a.shape or p.dtype != dtype:  # another network's, or dtype's
                raise ValueError(
                    f"{name}: expected shape {a.shape} (this network's) and dtype {dtype}, "
                    f"got shape {tuple(p.shape)} and dtype {p.dtype}"
                )
            check_finite(from_torch(p), name)


def _check_result(value, what, dtype):
    """NumericOverflowError unless every number of the tensor or array ``value`` is finite."""
    if not np.all(np.isfinite(from_torch(value))):
        raise NumericOverflowError(
            f"{what} overflowed in torch: {dtype} cannot hold it (beyond about "
            f"{torch.finfo(dtype).max:.2g}); use smaller inputs, targets or weights"
        )


def to_torch(net, dtype=torch.float64):
    """The network's parameters as torch leaf tensors that require grad.

    net: a Network; dtype: torch.float64 or torch.float32."""
    _check(net, dtype)

    def leaves(arrays, what):
        return [_tensor(a, f"net.{what}[{l}]", dtype, True) for l, a in enumerate(arrays)]

    biases = leaves(net.biases, "biases") if net.biases is not None else None
    return TorchParams(leaves(net.weights, "weights"), biases)


def loss_tensor(name, z, y, t):
    """The library's loss ``name`` in torch ops, the mean over the rows: from the logits z
    (the cross-entropies) or the output y. One sample may be 1-D."""
    loss = LOSSES.get(name) if isinstance(name, str) else None
    loss = loss or LOSSES[as_choice(name, "name", LOSSES)]
    n = 1 if y.dim() == 1 else y.shape[0]
    return loss(z, y, t) / n


def forward_tensors(net, params, a, t):
    """(loss, zs, as_) of ``net``'s forward pass on tensors a (inputs) and t (targets), with
    no checking at all: what ``torch_forward`` runs after its checks, and what the bench times."""
    zs, as_ = [], []
    for l, W in enumerate(params.weights):
        z = a @ W
        if params.biases is not None:
            z = z + params.biases[l]
        act = ACTIVATIONS[net.activations[l]][0]
        a = z if act is None else act(z)
        zs.append(z)
        as_.append(a)
    return loss_tensor(net.loss, zs[-1], as_[-1], t), zs, as_


def torch_forward(net, params, x, target, dtype=torch.float64):
    """Forward in torch; returns (loss, zs, as_), tensors, with as_[-1] the output y.

    x and target are checked as ``backprop_lib.forward`` checks them; zs and as_ are (N, n)
    even for one sample. Call ``retain_grad()`` on any of zs / as_ before ``loss.backward()``
    to see its gradient.
    """
    _check(net, dtype)
    _check_params(net, params, dtype)
    X, is_batch = as_inputs(net, x)  # X is (N, n_in) even for one sample
    T = _tensor(as_targets(net, target, len(X), is_batch), "target", dtype)
    loss, zs, as_ = forward_tensors(net, params, _tensor(X, "x", dtype), T)
    for l, z in enumerate(zs):  # as backprop_lib.forward refuses them: never a silent inf or NaN
        _check_result(z, f"z of layer {l + 1}", dtype)
    _check_result(loss, "the loss", dtype)
    return loss, zs, as_


def torch_forward_backward(net, x, target, dtype=torch.float64):
    """torch's loss and autograd's gradients for ``net`` at (x, target), as numpy arrays."""
    params = to_torch(net, dtype)
    loss, _, as_ = torch_forward(net, params, x, target, dtype)
    loss.backward()
    result = TorchResult(
        loss=float(loss.item()),
        output=as_[-1].detach().numpy(),
        weights=tuple(W.grad.numpy() for W in params.weights),
        biases=tuple(b.grad.numpy() for b in params.biases) if params.biases else None,
    )
    for kind, gs in (("W", result.weights), ("b", result.biases or ())):
        for l, g in enumerate(gs):  # as backprop_lib.backward refuses them
            _check_result(g, f"∂L/∂{kind} of layer {l + 1}", dtype)
    return result


def autograd_call(net):
    """(call, params) for timing: ``params`` are leaf tensors built once (float64); each
    ``call(x, t)`` clears their gradients, converts x and t with ``torch.from_numpy`` (no
    copy; so x, t must be float64 arrays, (n_in,) and (n_out,) or (N, n_in) and (N, n_out)),
    runs ``forward_tensors`` and ``loss.backward()``, and returns the loss."""
    params = to_torch(net)
    leaves = params.weights + (params.biases or [])
    n_in, n_out = net.sizes[0], net.sizes[-1]

    def call(x, t):  # cheap checks only, in full only when torch refuses: it is timed
        for p in leaves:
            p.grad = None
        try:
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(t)
            if x_t.dtype is not torch.float64 or t_t.dtype is not torch.float64:
                raise TypeError
            loss = forward_tensors(net, params, x_t, t_t)[0]
        except (TypeError, ValueError, RuntimeError):
            for name, a in (("x", x), ("t", t)):
                if not (isinstance(a, np.ndarray) and a.dtype == np.float64):
                    raise TypeError(
                        f"{name}: expected a float64 numpy array, got {describe(a)}"
                    ) from None
            if x.shape[-1:] == (n_in,) and t.shape == x.shape[:-1] + (n_out,):
                raise ValueError(
                    "x, t: expected arrays torch.from_numpy can share, got a view it cannot "
                    "(pass x.copy(), t.copy())"
                ) from None
            raise ValueError(
                f"x, t: expected shapes ({n_in},) and ({n_out},), or (N, {n_in}) and "
                f"(N, {n_out}), got {x.shape} and {t.shape}"
            ) from None
        loss.backward()
        return loss

    return call, params


# --------------------------------------------------------------------------- training


def train_torch(
    net,
    X,
    Y,
    lr,
    epochs,
    batch_size,
    seed,
    X_test=None,
    Y_test=None,
    until_accuracy=None,
    dtype=None,
):
    """The same training as ``train.train`` in PyTorch: same initial weights, same batches in
    the same order, same evaluations; returns (the trained Network, History) like ``train``.

    The model is idiomatic torch: ``nn.Sequential`` of ``nn.Linear`` layers and activations,
    ``torch.optim.SGD``, ``loss.backward()``. float64 by default, so that the loss curves agree
    with ``train``'s to ~1e-12. Thread count is the caller's choice (``torch.set_num_threads``).
    """
    dtype = torch.float64 if dtype is None else dtype
    _check(net, dtype)
    trainer = Trainer(net, X, Y, lr, batch_size, seed, X_test, Y_test)  # checks and batches
    trainer.run(0, until_accuracy)  # checks until_accuracy (and trains for 0 epochs)
    epochs = as_epochs(epochs)
    if trainer.lr > torch.finfo(dtype).max:  # torch's SGD refuses it with its own words
        raise ValueError(f"lr: expected a learning rate {dtype} can hold, got {trainer.lr:g}")
    h = History(trainer.lr, trainer.batch_size, trainer.seed)
    start = time.perf_counter()

    modules = []
    for l, W in enumerate(net.weights):
        linear = torch.nn.Linear(*W.shape, bias=net.biases is not None, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W.T, dtype=dtype))  # torch keeps W as (out, in)
            if net.biases is not None:
                linear.bias.copy_(torch.tensor(net.biases[l], dtype=dtype))
        modules += [linear, ACTIVATIONS[net.activations[l]][1]()]
    model = torch.nn.Sequential(*modules)

    def loss_fn(x, t):
        z = model[:-1](x)  # the last layer's logits
        y = model[-1](z)
        return loss_tensor(net.loss, z, y, t), y

    def tensors(A):
        return torch.tensor(A, dtype=dtype)

    optimizer = torch.optim.SGD(model.parameters(), lr=trainer.lr)
    Xt, Tt = tensors(trainer.X), tensors(trainer.T)
    sets = [(Xt, Tt, trainer.labels, h.train_loss, h.train_acc)]
    if trainer.X_test is not None:
        test = (tensors(trainer.X_test), tensors(trainer.T_test), trainer.labels_test)
        sets.append((*test, h.test_loss, h.test_acc))

    def trained():  # the model's weights as a Network
        linears = model[::2]
        return net.replace(
            weights=[m.weight.detach().double().numpy().T for m in linears],
            biases=[m.bias.detach().double().numpy() for m in linears]
            if net.biases is not None
            else None,
        )

    def diverged(epoch, step, loss):  # as train() says it: name lr, keep the history
        trainer.history, trainer.steps, trainer.epochs = h, step, epoch
        try:
            trainer.net = trained()  # the last weights that were finite
        except ValueError:  # (not even these)
            pass
        return TrainingDiverged(trainer, f"the loss is {loss} in {dtype}")

    def evaluate(epoch, step):
        with torch.no_grad():
            measured = [(*loss_fn(x, t), labels) for x, t, labels, _, _ in sets]
        for loss, _, _ in measured:
            if step == 0:  # the initial weights: nothing has diverged yet
                _check_result(loss, "the loss of the initial weights", dtype)
            elif not np.isfinite(float(loss)):
                raise diverged(epoch - 1, step - 1, float(loss))
        h.epoch.append(epoch)
        h.step.append(step)
        for (loss, y, labels), (_, _, _, losses, accs) in zip(measured, sets):
            losses.append(float(loss))
            accs.append(float(np.mean(labels_of(y.numpy()) == labels)))
        h.seconds.append(time.perf_counter() - start)
        acc = h.test_acc[-1] if h.test_acc else h.train_acc[-1]
        if until_accuracy is not None and h.reached is None and acc >= until_accuracy:
            h.reached = {"epoch": epoch, "step": step, "seconds": h.seconds[-1], "accuracy": acc}

    evaluate(0, 0)
    step = 0
    for epoch, idx, last in batch_indices(len(Xt), trainer.batch_size, trainer.seed, epochs):
        if h.reached is not None:
            break
        idx = torch.from_numpy(idx)
        loss, _ = loss_fn(Xt[idx], Tt[idx])
        if not np.isfinite(value := loss.item()):
            raise diverged(epoch, step, value)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        h.step_loss.append(value)
        step += 1
        if last:
            evaluate(epoch + 1, step)

    return trained(), h


# --------------------------------------------------------------------------- expression graphs

_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def expr_to_torch(expr, values, retain_grad=False):
    """``backprop_lib.expr``'s graph ``expr`` in 0-d float64 tensors, node for node: leaves are
    leaf tensors of ``values[name]`` (requires_grad), constants stay floats. With retain_grad,
    every inner node keeps its gradient too. Returns the list of nodes, the output last.
    An output that is NaN or inf (log of a negative number, 1 / 0) is refused with the message
    ``autograd.Value`` gives for it; an inner inf that the output hides (tanh(1 / 0)) is not."""
    check_leaf_values(expr, values, "values")
    values = {name: float(values[name]) for name in expr.leaves}
    retain_grad = as_bool(retain_grad, "retain_grad")
    out = []
    for n in expr.nodes:
        a = [out[j] for j in n.args]
        if n.op == "leaf":
            v = torch.tensor(values[n.name], dtype=torch.float64, requires_grad=True)
        elif n.op == "const":
            v = n.value
        elif n.op in _BINARY:
            v = _BINARY[n.op](*a)
        elif n.op == "**":
            v = a[0] ** n.value
        elif n.op == "neg":
            v = -a[0]
        else:
            v = getattr(torch, n.op)(a[0])
        if retain_grad and isinstance(v, torch.Tensor) and not v.is_leaf:
            v.retain_grad()
        out.append(v)
    if not torch.isfinite(torch.as_tensor(out[-1])):  # NaN or inf: say why, as Value says it
        build(expr, values)  # (only here: the graphs are timed against each other, make bench)
    return out
