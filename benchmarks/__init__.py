"""The course's speed figures: ``make bench``, i.e. ``python -m benchmarks``.

    python -m benchmarks               # every figure; writes benchmarks/results.md and .json
    python -m benchmarks --quick       # few repeats, for development (prints only)
    python -m benchmarks --only 1,3    # selected figures (prints only, unless --out DIR)

The figures (see each module's docstring for what exactly is timed):

1. forward + backward per call: backprop_lib vs a hand-fused numpy version vs PyTorch
   (``fig_calls``, with ``fused`` and ``torch_twin``);
2. gradcheck's cost over backprop's (``fig_calls``);
3. slider event -> view ready in the kernel, ``Explorer.set`` (``fig_explorer``);
4. browser slider latency, read from tests/browser's artifacts (``fig_browser``);
5. executing every notebook with nbclient (``fig_notebooks``);
6. ``import backprop_lib`` in a fresh interpreter (``fig_import``);
7. time to 95% test accuracy on the digits, backprop_lib vs PyTorch (``fig_training``).

Every figure is a median over repeated runs, with its p90 (``stats``); comparisons are
per-repeat ratios of interleaved runs (``timing``). BLAS and torch run on one thread: the
environment variables are set in ``__main__`` before numpy is imported.

This package imports nothing heavy at import time (no numpy here): ``__main__`` must be able
to set the thread variables before numpy loads.
"""
