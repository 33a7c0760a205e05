"""Training: mini-batch stochastic gradient descent, built from forward, backward and sgd_step.

    from backprop_lib.train import train, accuracy
    net, history = train(net, X, y, lr=0.5, epochs=20, batch_size=32, seed=0,
                         X_test=X_test, Y_test=y_test)
    history.test_acc[-1], accuracy(net, X_test, y_test)

One step takes a mini-batch B of rows, runs ``forward`` and ``backward`` on it and moves every
parameter against its gradient: W <- W - lr * dL_B/dW, where L_B is the mean loss over B. An epoch
visits every training row once, in an order shuffled afresh each epoch by
``np.random.default_rng(seed)``; ``batch_indices`` gives that order, so that PyTorch
(``train_torch``) can be fed exactly the same batches.

The numeric part imports only numpy; ``train.train_torch`` (``torch_bridge.train_torch``)
imports torch when it is first used.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from . import layers
from .checks import (
    NumericOverflowError,
    as_batch,
    as_batch_targets,
    as_epochs,
    as_float_array,
    as_int,
    as_lr,
    as_network,
    as_number,
    as_seed,
)
from .network import backward, forward, sgd_step

# --------------------------------------------------------------------------- checking input


def _check_until(until_accuracy):
    if until_accuracy is None:
        return None
    return as_number(
        until_accuracy,
        "until_accuracy",
        0,
        1,
        low_open=True,
        what="None or a fraction in (0, 1], e.g. 0.95",
    )


# --------------------------------------------------------------------------- predictions


def _output(net, X):
    """The network's output for the rows of X: (N, n_out), from a forward pass without target."""
    return np.asarray(forward(net, X).output)


def predict_proba(net, X):
    """Class probabilities, (N, C): softmax of the logits for softmax_cross_entropy; for one
    output unit, the two columns [1 - y, y] (y clipped to [0, 1]); otherwise the outputs.

    net: a Network; X: (N, n_in) finite numbers, one row per sample.
    """
    y = _output(net, as_batch(as_network(net), X, "X"))
    probabilities = layers.LOSSES[net.loss].probabilities
    if probabilities is not None:  # softmax_cross_entropy's softmax
        return probabilities(y)
    if y.shape[1] == 1:
        p = np.clip(y, 0.0, 1.0)
        return np.hstack([1.0 - p, p])
    return y


def predict(net, X):
    """Predicted class of each row of X, (N,): the largest output, or y >= 0.5 for one output.

    net: a Network; X: (N, n_in) finite numbers, one row per sample.
    """
    y = _output(net, as_batch(as_network(net), X, "X"))
    if y.shape[1] == 1:
        return (y[:, 0] >= 0.5).astype(np.int64)
    return y.argmax(axis=1)


def labels_of(T):
    """Class indices from targets T: (N, K) one-hot rows -> argmax; (N, 1) -> T >= 0.5;
    (N,) integer labels -> themselves, (N,) numbers -> T >= 0.5.

    T: a 1-D or 2-D array of finite numbers with at least one row.
    """
    raw = T
    T = as_float_array(T, "T")
    if T.ndim not in (1, 2) or len(T) == 0 or (T.ndim == 2 and T.shape[1] == 0):
        raise ValueError(
            f"T: expected a 1-D or 2-D array with at least one row, got shape {T.shape}"
        )
    if np.asarray(raw).dtype.kind in "iu":
        T = np.asarray(raw)
        if T.ndim == 1 and T.min() < 0:  # class indices count from 0
            i = int(T.argmin())
            raise ValueError(f"T: expected class indices >= 0, got {T[i]} at index {i}")
    if T.ndim == 1:
        return T.astype(np.int64) if T.dtype.kind in "iu" else (T >= 0.5).astype(np.int64)
    if T.shape[1] == 1:
        return (T[:, 0] >= 0.5).astype(np.int64)
    return T.argmax(axis=1)


def accuracy(net, X, Y):
    """Fraction of rows of X whose predicted class is the one Y gives (labels or one-hot rows).

    net: a Network; X: (N, n_in) finite numbers; Y: (N,) labels or targets shaped like the output.
    """
    X = as_batch(as_network(net), X, "X")
    T = as_batch_targets(net, Y, len(X), "Y", "X")
    return float(np.mean(predict(net, X) == labels_of(T)))


# --------------------------------------------------------------------------- batches


def batch_indices(n, batch_size, seed, epochs=None):
    """The mini-batches of ``train``: yields (epoch, indices, last_in_epoch), epoch from 0.

    Each epoch shuffles 0..n-1 with one ``np.random.default_rng(seed)`` and cuts the
    permutation into consecutive batches of ``batch_size`` (the last may be smaller).
    n: whole number >= 0 of rows; batch_size: whole number >= 1; seed: whole number >= 0 or
    None; epochs: whole number from 0 to checks.MAX_EPOCHS, or None to go on for ever.
    """
    n = as_int(n, "n", 0)
    batch_size = as_int(batch_size, "batch_size", 1)
    seed = as_seed(seed)
    epochs = as_epochs(epochs, forever_ok=True)
    return _batches(n, batch_size, seed, epochs)


def _batches(n, batch_size, seed, epochs):
    rng = np.random.default_rng(seed)
    epoch = 0
    while epochs is None or epoch < epochs:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield epoch, order[start : start + batch_size], start + batch_size >= n
        epoch += 1


# --------------------------------------------------------------------------- history


@dataclass
class History:
    """What happened during training.

    step_loss[k]: the loss of mini-batch k at the parameters before update k (one per step).
    At each evaluation (before the first step, then after every epoch) one entry in each of:
    epoch (epochs done), step (steps done), seconds (wall time since the start),
    train_loss and train_acc (on the whole training set), test_loss and test_acc (on the test
    set; empty without one). reached: with ``until_accuracy``, the first evaluation that met it,
    as {"epoch", "step", "seconds", "accuracy"}; None if it was not met.
    """

    lr: float
    batch_size: int
    seed: int | None
    step_loss: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    step: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    reached: dict | None = None

    def __repr__(self):
        last = (f", train_acc={self.train_acc[-1]:.4f}" if self.train_acc else "") + (
            f", test_acc={self.test_acc[-1]:.4f}" if self.test_acc else ""
        )
        return (
            f"History({len(self.step_loss)} steps, {self.epoch[-1] if self.epoch else 0} epochs, "
            f"lr={self.lr}, batch_size={self.batch_size}, seed={self.seed}{last})"
        )


# --------------------------------------------------------------------------- the trainer


class Trainer:
    """Mini-batch SGD that can be run a little at a time (the live widget does), or to the end
    (``train`` does). ``lr`` may be changed between steps; everything else is fixed.

    trainer = Trainer(net, X, Y, lr=0.5, batch_size=32, seed=0)
    trainer.run(epochs=5); trainer.net, trainer.history
    """

    def __init__(self, net, X, Y, lr, batch_size, seed, X_test=None, Y_test=None):
        as_network(net)
        self.X = as_batch(net, X, "X")
        self.T = as_batch_targets(net, Y, len(self.X), "Y", "X")
        self.labels = labels_of(self.T)
        if (X_test is None) != (Y_test is None):
            missing = "Y_test" if Y_test is None else "X_test"
            raise ValueError(
                f"{missing}: expected both X_test and Y_test, or neither; got only one"
            )
        self.X_test = self.T_test = self.labels_test = None
        if X_test is not None:
            self.X_test = as_batch(net, X_test, "X_test")
            self.T_test = as_batch_targets(net, Y_test, len(self.X_test), "Y_test", "X_test")
            self.labels_test = labels_of(self.T_test)
        self.batch_size = as_int(
            batch_size,
            "batch_size",
            1,
            len(self.X),
            what=f"a whole number from 1 to {len(self.X)} (X has {len(self.X)} rows)",
        )
        self.seed = as_seed(seed)
        self.lr = lr
        self.net = net
        self.steps = 0
        self.epochs = 0
        self._batches = batch_indices(len(self.X), self.batch_size, self.seed)
        self._start = time.perf_counter()
        self.history = History(self.lr, self.batch_size, self.seed)
        self.evaluate()

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = as_lr(value)

    def evaluate(self):
        """Record loss and accuracy on the training (and test) set in the history."""
        self._record(*self._measure(self.net))

    def _measure(self, net):
        train_trace = forward(net, self.X, self.T)
        test_trace = forward(net, self.X_test, self.T_test) if self.X_test is not None else None
        return train_trace, test_trace

    def _record(self, trace, test):
        h = self.history
        h.epoch.append(self.epochs)
        h.step.append(self.steps)
        h.train_loss.append(trace.loss)
        h.train_acc.append(float(np.mean(_classes(trace.output) == self.labels)))
        if test is not None:
            h.test_loss.append(test.loss)
            h.test_acc.append(float(np.mean(_classes(test.output) == self.labels_test)))
        h.seconds.append(time.perf_counter() - self._start)

    def step(self):
        """One SGD step on the next mini-batch; returns that batch's loss (before the step).

        Raises TrainingDiverged when the loss, a gradient or the new weights no longer fit in
        float64; ``self.net`` and ``self.history`` then keep the last finite state.
        """
        _, idx, last = next(self._batches)
        try:
            trace = forward(self.net, self.X[idx], self.T[idx])
            grads = backward(self.net, trace)
            with np.errstate(over="ignore", invalid="ignore"):
                new_net = sgd_step(self.net, grads, self.lr)
            evaluation = self._measure(new_net) if last else None  # the epoch's, new weights
        except (NumericOverflowError, ValueError) as e:
            raise TrainingDiverged(self, e) from None
        self.net = new_net
        self.history.step_loss.append(trace.loss)
        self.steps += 1
        if last:
            self.epochs += 1
            self._record(*evaluation)
        return trace.loss

    def accuracy_now(self):
        """The latest accuracy: on the test set if there is one, else on the training set."""
        h = self.history
        return h.test_acc[-1] if h.test_acc else h.train_acc[-1]

    def run(self, epochs, until_accuracy=None):
        """Train for ``epochs`` more epochs, or until the latest accuracy reaches
        ``until_accuracy`` (checked after each epoch). Returns the history."""
        epochs = as_epochs(epochs)
        until = _check_until(until_accuracy)
        goal = self.epochs + epochs
        while self.epochs < goal and not self._reached(until):
            self.step()
        return self.history

    def _reached(self, until):
        h = self.history
        if until is None:
            return False
        if h.reached is None and self.accuracy_now() >= until:
            h.reached = {
                "epoch": h.epoch[-1],
                "step": h.step[-1],
                "seconds": h.seconds[-1],
                "accuracy": self.accuracy_now(),
            }
        return h.reached is not None


class TrainingDiverged(NumericOverflowError):
    """Training blew up: at some step the loss, a gradient or the updated weights stopped
    fitting in float64. ``.history`` holds everything recorded up to then, ``.net`` the last
    network whose numbers were all finite, ``.step`` the step (counting from 1) that failed."""

    def __init__(self, trainer, cause):
        self.history, self.net, self.step = trainer.history, trainer.net, trainer.steps + 1
        h = trainer.history
        last = h.step_loss[-1] if h.step_loss else h.train_loss[-1]
        super().__init__(
            f"lr: training diverged at step {self.step} (epoch {trainer.epochs + 1}) with "
            f"lr={trainer.lr:g}: the loss, last {last:.3g}, went non-finite ({cause}). "
            f"Try a smaller lr, e.g. lr={trainer.lr / 10:g}; the history up to step "
            f"{self.step - 1} is in this error's .history"
        )


def _classes(output):
    output = np.asarray(output)
    if output.shape[1] == 1:
        return (output[:, 0] >= 0.5).astype(np.int64)
    return output.argmax(axis=1)


def train(net, X, Y, lr, epochs, batch_size, seed, X_test=None, Y_test=None, until_accuracy=None):
    """Train ``net`` with mini-batch SGD; return (the trained Network, History).

    X: (N, D) inputs; Y: (N,) class labels, or targets shaped like the output (one-hot rows
    for softmax_cross_entropy). lr: the learning rate; epochs: passes over the data;
    batch_size: rows per step; seed: the shuffling's seed (same seed, same history).
    X_test, Y_test: a held-out set, evaluated after every epoch. until_accuracy: stop after the
    first epoch whose accuracy (test set if given, else training set) reaches it.
    """
    trainer = Trainer(net, X, Y, lr, batch_size, seed, X_test, Y_test)
    trainer.run(epochs, until_accuracy)
    return trainer.net, trainer.history


# --------------------------------------------------------------------------- the PyTorch twin


def __getattr__(name):
    """``train.train_torch`` is ``torch_bridge.train_torch``, the same training in PyTorch:
    torch is imported when it is first asked for, never by ``import backprop_lib.train``."""
    if name == "train_torch":
        from .torch_bridge import train_torch

        return train_torch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "History",
    "Trainer",
    "TrainingDiverged",
    "accuracy",
    "batch_indices",
    "labels_of",
    "predict",
    "predict_proba",
    "train",
]  # and train_torch, from torch_bridge on first use (see __getattr__)
