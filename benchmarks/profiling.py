"""Where backprop_lib's time goes: cProfile of the calls that figures 1 and 3 time.

    python -m benchmarks.profiling            # figure 1's cases, Explorer.set, train()
    python -m benchmarks.profiling --top 25

For each case it runs the library's ``backward(net, forward(net, x, t))`` (or one
``Explorer.set``, or one training to 95%) many times under cProfile and prints the functions with the most *own* time
(tottime: time spent in the function itself, not in what it calls), as a share of the total.
cProfile adds a fixed cost to every Python function call, so it overstates code made of many
small Python functions (validation helpers, dataclass __init__) relative to numpy's C loops:
read the ranking, not the absolute numbers, and confirm a fix with ``make bench``.
"""

import os
import sys

if __name__ == "__main__":  # one BLAS thread, as in the bench (before numpy loads)
    for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_v] = "1"

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

import backprop_lib as bp  # noqa: E402

from . import cases  # noqa: E402


def profile(fn, seconds=1.0):
    """cProfile stats of calling fn() repeatedly for about ``seconds`` (after a warm-up)."""
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds / 4:  # warm up, and count calls per second
        fn()
        n += 1
    calls = max(1, 4 * n)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    return pstats.Stats(prof), calls


def top_functions(stats, calls, top=15):
    """[(share of total own time, own µs per call, 'file:line(function)')], largest first."""
    rows = []
    total = sum(v[2] for v in stats.stats.values())  # v = (cc, nc, tottime, cumtime, callers)
    for (filename, line, func), v in stats.stats.items():
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        name = f"{short}:{line}({func})" if line else func
        rows.append((v[2] / total, v[2] / calls * 1e6, name))
    rows.sort(reverse=True)
    return rows[:top], total / calls * 1e6


def _explorer_move():
    from backprop_lib import examples
    from backprop_lib.widgets import Explorer

    ex = Explorer(examples.seed_000(), curve="w2_1_1")
    base, state = ex.net.get("w1_1_1"), [0]

    def move():
        state[0] ^= 1
        ex.set("w1_1_1", base + 0.05 * state[0])

    return move


def _training_run():
    """One training to 95% with figure 7's settings, or None without backprop_lib/train.py."""
    import importlib.util

    if importlib.util.find_spec("backprop_lib.train") is None:
        return None
    from backprop_lib import datasets
    from backprop_lib.train import train

    from . import fig_training as f7

    d = datasets.digits()
    net = bp.Network.random(
        [64, 32, 10], activations=["tanh", "identity"], loss="softmax_cross_entropy", seed=0
    )
    kwargs = dict(lr=f7.LR, epochs=f7.MAX_EPOCHS, batch_size=f7.BATCH_SIZE, seed=f7.SEED)
    return lambda: train(
        net,
        d.X_train,
        d.y_train,
        X_test=d.X_test,
        Y_test=d.y_test,
        until_accuracy=f7.GOAL,
        **kwargs,
    )


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.profiling", description=__doc__.split("\n")[0]
    )
    p.add_argument("--top", type=int, default=15, help="functions shown per case")
    p.add_argument("--seconds", type=float, default=1.0, help="profiling time per case")
    args = p.parse_args(argv)
    targets = []
    for c in cases.call_cases():
        fn = lambda c=c: bp.backward(c.net, bp.forward(c.net, c.x, c.target))  # noqa: E731
        targets.append((f"forward+backward {c.name}, batch {c.batch}", fn))
    targets.append(("Explorer(seed_000(), curve='w2_1_1').set('w1_1_1', ...)", _explorer_move()))
    training = _training_run()
    if training is not None:
        targets.append(("train(...) to 95% on the digits (figure 7's settings)", training))
    for label, fn in targets:
        stats, calls = profile(fn, args.seconds)
        rows, per_call = top_functions(stats, calls, args.top)
        print(f"\n{label}: {per_call:.1f} µs per call under cProfile ({calls} calls)")
        print(f"  {'own time':>8}  {'µs/call':>8}  function")
        for share, us, name in rows:
            print(f"  {share:8.1%}  {us:8.2f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
