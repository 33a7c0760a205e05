"""Figure 7: time to 95% test accuracy on the digits, backprop_lib vs PyTorch.

``backprop_lib.train.train`` (mini-batch SGD built from forward, backward and sgd_step) and its
PyTorch twin ``train_torch`` (nn.Sequential, torch.optim.SGD, float64) train the same network
from the same initial weights on the same mini-batches, with notebook 05's settings (64-32-10,
tanh hidden layer, softmax cross-entropy, ``Network.random(seed=0)``, lr 0.5, batch 32,
shuffling seed 0), and stop after the first epoch whose test accuracy reaches 95%. One sample is
the wall time of the whole ``train(...)`` call, evaluations after each epoch included (both
evaluate alike). The two run interleaved; the ratio is taken per repeat.
Target: backprop_lib no slower than PyTorch (median ratio at most 1).
Skipped, with a note, when backprop_lib/train.py does not exist yet.
"""

import importlib.util
import time

import backprop_lib as bp

from . import stats
from .report import SKIP, Section, med_p90

GOAL = 0.95
LR, BATCH_SIZE, SEED, MAX_EPOCHS = 0.5, 32, 0, 100  # notebook 05's DIGITS settings, more epochs
MAX_RATIO = 1.0


def figure_7(settings, warmup=1):
    title = f"time to {GOAL:.0%} test accuracy on the digits (s): backprop_lib vs PyTorch"
    s = Section(
        7,
        title,
        ["trainer", "seconds", "epochs to 95%", f"lib ÷ torch (≤ {MAX_RATIO:g})", "result"],
    )
    if importlib.util.find_spec("backprop_lib.train") is None:
        s.add(["not measured: backprop_lib/train.py does not exist yet", "—", "—", "—"], SKIP)
        return s
    from backprop_lib import datasets
    from backprop_lib.train import train, train_torch

    d = datasets.digits()
    net = bp.Network.random(
        [64, 32, 10], activations=["tanh", "identity"], loss="softmax_cross_entropy", seed=0
    )
    kwargs = dict(
        lr=LR,
        epochs=MAX_EPOCHS,
        batch_size=BATCH_SIZE,
        seed=SEED,
        X_test=d.X_test,
        Y_test=d.y_test,
        until_accuracy=GOAL,
    )
    trainers = {"backprop_lib train()": train, "torch train_torch()": train_torch}
    seconds = {name: [] for name in trainers}
    reached = {name: None for name in trainers}
    for r in range(warmup + settings.training_repeats):
        for name, fn in trainers.items():
            t0 = time.perf_counter()
            _, history = fn(net, d.X_train, d.y_train, **kwargs)
            dt = time.perf_counter() - t0
            reached[name] = history.reached
            if r >= warmup:
                seconds[name].append(dt)
    lib, tor = trainers
    ratio = stats.summary(stats.ratios(seconds[lib], seconds[tor]))
    for name in trainers:
        summ = stats.summary(seconds[name], "s")
        got = reached[name]
        epochs = "not reached" if got is None else f"{got['epoch']} ({got['accuracy']:.1%})"
        is_lib = name == lib
        checks = [(f"lib ÷ torch ≤ {MAX_RATIO:g}", ratio["median"] <= MAX_RATIO)] if is_lib else []
        if got is None:
            checks.append((f"{GOAL:.0%} reached within {MAX_EPOCHS} epochs", False))
        s.add(
            [name, med_p90(summ), epochs, med_p90(ratio) if is_lib else ""],
            checks,
            {
                "trainer": name,
                "seconds": summ,
                "reached": got,
                **({"lib_over_torch": ratio} if is_lib else {}),
            },
        )
    s.notes.append(
        f"Settings (notebook 05's): 64-32-10 tanh / softmax cross-entropy, `Network.random(seed=0)`, lr {LR:g}, "
        f"batch {BATCH_SIZE}, shuffling seed {SEED}, scikit-learn digits split by "
        f"`datasets.digits()` ({len(d.X_train)} train / {len(d.X_test)} test); "
        f"{settings.training_repeats} interleaved repeats after {warmup} warm-up."
    )
    return s
