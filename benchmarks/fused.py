"""Figure 1's rival of backprop_lib: the same maths hand-fused in numpy (``forward_backward``).

One straight-line function: no validation, no Trace or Grads, no caches or dispatch tables, no
read-only copies, no dL/dx; the same overflow-free losses (log-sum-exp, softplus). The fastest
honest numpy version, and all of backpropagation for a fully connected network in forty lines.
It, and ``torch_bridge.autograd_call``, must give backprop_lib's loss and gradients to 1e-12
(``check_against_library``) before they are timed.
"""

import numpy as np

import backprop_lib as bp


def fused_params(net):
    """(weights, biases or None, activations, loss): the plain data, built once."""
    biases = list(net.biases) if net.biases is not None else None
    return list(net.weights), biases, tuple(net.activations), net.loss


def forward_backward(weights, biases, activations, loss, x, t):
    """(loss, [dL/dW], [dL/db] or None) at x: (D,) or (N, D), t shaped like the output."""
    one_sample, n = x.ndim == 1, 1 if x.ndim == 1 else x.shape[0]
    inputs, outputs, a = [], [], x  # a^(l-1) (for dW) and a^l (for f'(z) from the output)
    for l, W in enumerate(weights):
        inputs.append(a)
        z = np.dot(a, W)  # np.dot: less call overhead than @ on tiny arrays
        if biases is not None:
            z += biases[l]
        act = activations[l]
        if act == "sigmoid":  # 1 / (1 + e^-z) in place; e^-z = inf below z = -709 gives 0
            a = np.negative(z)
            np.exp(a, out=a)
            a += 1.0
            np.reciprocal(a, out=a)
        else:
            a = np.tanh(z) if act == "tanh" else np.maximum(z, 0.0) if act == "relu" else z
        outputs.append(a)
    dz = da = None  # dL/dz of the last layer for the logit losses, else dL/dy
    if loss in ("squared_error", "half_squared_error"):
        da = a - t
        value = float(np.vdot(da, da)) / n * (0.5 if loss == "half_squared_error" else 1.0)
        da *= (1.0 if loss == "half_squared_error" else 2.0) / n
    elif loss == "softmax_cross_entropy":
        shifted = z - z.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=-1, keepdims=True)
        shifted -= np.log(s)  # log softmax(z), in place as below
        value = -float(np.vdot(t, shifted)) / n
        e /= s
        e -= t
        e /= n
        dz = e  # (softmax(z) - t) / N
    else:  # binary cross-entropy from the logits: softplus(z) - t z, y = sigmoid(z)
        value = float(np.sum(np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z))))) / n
        dz = (a - t) / n
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        if dz is None:  # through the activation, f'(z) from its output y
            act, y = activations[l], outputs[l]
            f1 = y - y * y if act == "sigmoid" else 1.0 - y * y if act == "tanh" else None
            dz = da * f1 if f1 is not None else da * (y > 0.0) if act == "relu" else da
        if one_sample:
            dWs[l], dbs[l] = inputs[l][:, None] * dz, dz  # outer product a_i dz_j
        else:
            dWs[l], dbs[l] = np.dot(inputs[l].T, dz), dz.sum(axis=0)
        if l > 0:
            da = np.dot(weights[l], dz) if one_sample else np.dot(dz, weights[l].T)
        dz = None
    return value, dWs, (dbs if biases is not None else None)


def check_against_library(net, x, t, tol=1e-12, who="fused"):
    """The largest difference |a - b| / max(1, |a|) between backprop_lib's loss and gradients
    and the ``who`` version's ("fused" or "torch"); AssertionError above ``tol``."""
    grads = bp.backward(net, trace := bp.forward(net, x, t))
    if who == "fused":
        value, dWs, dbs = forward_backward(*fused_params(net), x, t)
    else:
        from backprop_lib.torch_bridge import autograd_call

        call, params = autograd_call(net)
        value = call(x, t).item()
        dWs = [W.grad.numpy() for W in params.weights]
        dbs = [b.grad.numpy() for b in params.biases] if params.biases else None
    pairs = [("loss", trace.loss, value)] + [
        (f"dL/d{k}{l + 1}", g, f)
        for k, gs, fs in (("W", grads.weights, dWs), ("b", grads.biases or (), dbs or ()))
        for l, (g, f) in enumerate(zip(gs, fs))
    ]
    worst = 0.0
    for name, ref, got in pairs:
        ref, got = np.asarray(ref, dtype=float), np.asarray(got, dtype=float)
        assert ref.shape == got.shape, f"{who}: {name} has shape {got.shape}, not {ref.shape}"
        diff = float(np.max(np.abs(ref - got) / np.maximum(1.0, np.abs(ref)), initial=0.0))
        assert diff <= tol, f"{who}: {name} differs from backprop_lib by {diff:.2e} > {tol:g}"
        worst = max(worst, diff)
    return worst
