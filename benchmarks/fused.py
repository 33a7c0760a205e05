"""Forward + backward "hand-fused": the same maths as backprop_lib, with nothing else.

What "fused" means here
-----------------------
backprop_lib splits one training step into small, named, separately testable pieces: a
``Network`` dataclass, ``forward`` returning a ``Trace`` of every intermediate, ``backward``
returning ``Grads``, and per-primitive ``*_forward``/``*_backward`` pairs that pass caches
between them (the CS231n pattern). That structure is what makes the library teachable. This
module writes the *same computation* as one straight-line function: the loop over layers,
the activation and loss formulas written inline, and only the arrays that the backward pass
needs kept in two local lists. Nothing else happens.

What the library pays for, and this version does not
----------------------------------------------------
* **validation**: ``forward`` checks the network's type, converts ``x`` and ``target`` to
  float arrays, checks their shapes and that every entry is finite, and checks the target's
  range for the cross-entropies; ``backward`` checks that the trace belongs to the network;
* **dataclasses**: every call builds a frozen ``Trace`` and a frozen ``Grads``;
* **caches**: each primitive returns a cache tuple, and the dispatch goes through the
  ``layers.ACTIVATIONS`` / ``layers.LOSSES`` tables;
* **read-only arrays**: a ``Network`` keeps read-only copies of its parameters, and every
  array a ``Trace`` or ``Grads`` hands out is marked read-only (and, for one sample, a batch of
  one is reshaped to (1, n) internally and handed back as (n,)), so that no notebook cell can
  modify what another cell sees;
* **extra results**: the library also returns dL/dx, dL/da and dL/dz of every layer; here only
  dL/dz is computed where the chain rule needs it, and dL/dx (an extra matrix product) is not.

What this version does *not* cut: the maths. It computes the same loss and the same dL/dW and
dL/db, to round-off (``check_against_library`` verifies 1e-12 before any timing), and the
losses use the same overflow-free formulas (log-sum-exp shifted by the maximum, softplus).
Only the sigmoid is the plain 1 / (1 + e^-z), which is accurate to round-off wherever its value
is above 1e-308 (see the comment there). It is the fastest honest numpy the author could
write: in-place ufuncs on freshly allocated arrays, ``np.dot`` rather than ``@`` (less call
overhead on tiny arrays), an outer product by broadcasting for one sample, and no
Python-level work besides the loop over layers.

Use it as a teaching artifact too: it is the whole of backpropagation for a fully connected
network in about forty lines.
"""

import numpy as np


def fused_params(net):
    """The plain data the fused version works on: (weights, biases or None, activations, loss).

    Built once, outside any timing loop, as torch's leaf tensors are built once: these are the
    network's own arrays (read-only, which is fine: the fused code never writes to them).
    """
    biases = list(net.biases) if net.biases is not None else None
    return list(net.weights), biases, tuple(net.activations), net.loss


def forward_backward(weights, biases, activations, loss, x, t):
    """Loss and gradients of a fully connected network at one sample or a batch.

    weights[l]: (n_l, n_(l+1)); biases[l]: (n_(l+1),) or biases None; activations[l] one of
    'sigmoid', 'tanh', 'relu', 'identity'; loss one of backprop_lib's four losses.
    x: (D,) one sample or (N, D) a batch, float64; t: the target shaped like the output
    (one-hot rows for softmax cross-entropy). No checks at all: garbage in, garbage out.
    Returns (loss: float, dW: list of arrays, db: list of arrays or None).
    """
    one_sample = x.ndim == 1
    n = 1 if one_sample else x.shape[0]
    n_layers = len(weights)
    inputs, outputs = [], []  # a^(l-1) (for dW) and a^l (for the activation's derivative)

    # ---------------------------------------------------------------- forward
    a = x
    for l in range(n_layers):
        inputs.append(a)
        z = np.dot(a, weights[l])  # np.dot: a little less call overhead than @ on tiny arrays
        if biases is not None:
            z += biases[l]  # z is a fresh array: add in place
        act = activations[l]
        if act == "sigmoid":  # sigma(z) = 1 / (1 + e^-z), in place
            # below z = -709, e^-z overflows to inf (numpy warns) and a = 1/inf = 0: still
            # right to within 1e-308, the size of the true value there
            a = np.negative(z)
            np.exp(a, out=a)
            a += 1.0
            np.reciprocal(a, out=a)
        elif act == "tanh":
            a = np.tanh(z)
        elif act == "relu":
            a = np.maximum(z, 0.0)
        else:  # identity
            a = z
        outputs.append(a)

    # ---------------------------------------------------------------- loss and dL/d(last)
    # dz: dL/dz of the last layer when the loss takes logits, else da = dL/dy
    dz = da = None
    if loss == "squared_error" or loss == "half_squared_error":
        diff = a - t
        value = float(np.vdot(diff, diff)) / n
        if loss == "half_squared_error":
            value *= 0.5
            diff /= n  # dL/dy = (y - t) / N
        else:
            diff *= 2.0 / n  # dL/dy = 2 (y - t) / N
        da = diff
    elif loss == "softmax_cross_entropy":
        shifted = z - z.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=-1, keepdims=True)
        shifted -= np.log(s)  # log p
        value = -float(np.vdot(t, shifted)) / n
        e /= s  # p = softmax(z)
        e -= t
        e /= n
        dz = e  # dL/dz = (p - t) / N
    else:  # binary cross-entropy on the logits z, with y = sigma(z):
        # -[t log y + (1 - t) log(1 - y)] = softplus(z) - t z, and
        # softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|) never overflows
        soft = np.log1p(np.exp(-np.abs(z)))
        value = float(np.sum(np.maximum(z, 0.0) - t * z + soft)) / n
        dz = (a - t) / n  # a = sigma(z): dL/dz = (y - t) / N

    # ---------------------------------------------------------------- backward
    dWs, dbs = [None] * n_layers, [None] * n_layers
    for l in range(n_layers - 1, -1, -1):
        if dz is None:  # through the activation: dz = da * f'(z), f' from the output a
            act, y = activations[l], outputs[l]
            if act == "sigmoid":
                dz = da * (y - y * y)
            elif act == "tanh":
                dz = da * (1.0 - y * y)
            elif act == "relu":
                dz = da * (y > 0.0)
            else:
                dz = da
        a_prev = inputs[l]
        if one_sample:
            dWs[l] = a_prev[:, None] * dz  # the outer product: dL/dW_ij = a_i dz_j
            dbs[l] = dz
        else:
            dWs[l] = np.dot(a_prev.T, dz)  # summed over the batch's rows
            dbs[l] = dz.sum(axis=0)
        if l > 0:  # dL/da^(l-1)_i = sum_j W_ij dz_j
            da = np.dot(weights[l], dz) if one_sample else np.dot(dz, weights[l].T)
        dz = None
    return value, dWs, (dbs if biases is not None else None)


def check_against_library(net, x, t, tol=1e-12):
    """Raise AssertionError unless the fused version's loss and every dL/dW, dL/db agree with
    backprop_lib's ``backward(net, forward(net, x, t))`` to ``tol`` (absolute, or relative
    for entries larger than 1). Returns the largest difference found."""
    import backprop_lib as bp

    trace = bp.forward(net, x, t)
    grads = bp.backward(net, trace)
    value, dWs, dbs = forward_backward(*fused_params(net), x, t)
    pairs = [("loss", trace.loss, value)]
    pairs += [(f"dL/dW{l + 1}", g, f) for l, (g, f) in enumerate(zip(grads.weights, dWs))]
    if net.biases is not None:
        pairs += [(f"dL/db{l + 1}", g, f) for l, (g, f) in enumerate(zip(grads.biases, dbs))]
    return _compare(pairs, tol, "fused numpy")


def _compare(pairs, tol, who):
    """Largest scaled difference |a - b| / max(1, |a|) over (name, library, other) pairs."""
    worst = 0.0
    for name, ref, got in pairs:
        ref, got = np.asarray(ref, dtype=float), np.asarray(got, dtype=float)
        assert ref.shape == got.shape, f"{who}: {name} has shape {got.shape}, library {ref.shape}"
        diff = float(np.max(np.abs(ref - got) / np.maximum(1.0, np.abs(ref)))) if ref.size else 0.0
        assert diff <= tol, f"{who}: {name} differs from backprop_lib by {diff:.2e} > {tol:g}"
        worst = max(worst, diff)
    return worst
