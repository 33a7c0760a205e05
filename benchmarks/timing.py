"""Timing loops: per-call timing with calibrated inner loops, and interleaved repeats.

One *sample* times a batch of k back-to-back calls with ``time.perf_counter_ns`` and divides
by k. k is calibrated once per function so that one sample lasts at least ``min_sample_ms``
(5 ms by default): long enough that the clock's resolution and the loop's own overhead
(tens of nanoseconds per call) vanish, short enough that many samples fit in a few seconds.

Samples of different functions are *interleaved*: repeat 1 times A, B, C; repeat 2 times A,
B, C again; and so on. A slow phase of the machine (another process, a frequency change)
then hits every function alike, and the per-repeat ratios A/B stay honest.

The garbage collector stays on while timing (unlike ``timeit``): the objects a call allocates,
and the collections they trigger, are part of what a call costs.
"""

import time


def time_calls(fn, k):
    """Nanoseconds per call of ``fn()``, averaged over k back-to-back calls."""
    t0 = time.perf_counter_ns()
    for _ in range(k):
        fn()
    return (time.perf_counter_ns() - t0) / k


def calibrate(fn, min_sample_ms=5.0, max_k=1_000_000):
    """The number of calls k that makes one sample of ``fn`` last at least ``min_sample_ms``."""
    target_ns = min_sample_ms * 1e6
    k = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(k):
            fn()
        elapsed = time.perf_counter_ns() - t0
        if elapsed >= target_ns or k >= max_k:
            return k
        # aim 20% above the target, at least doubling (the first calls may have been slower)
        k = min(max_k, max(2 * k, int(k * 1.2 * target_ns / max(elapsed, 1))))


def interleaved(functions, repeats, min_sample_ms=5.0, warmup=1):
    """Time every function of ``functions`` ({name: fn}) ``repeats`` times, interleaved.

    Returns ({name: [ns per call, one per repeat]}, {name: k}). ``warmup`` extra rounds run
    first and are discarded (first calls fill caches, import lazily, allocate pools).
    """
    ks = {name: calibrate(fn, min_sample_ms) for name, fn in functions.items()}
    samples = {name: [] for name in functions}
    for r in range(warmup + repeats):
        for name, fn in functions.items():
            ns = time_calls(fn, ks[name])
            if r >= warmup:
                samples[name].append(ns)
    return samples, ks


def time_once_ns(fn):
    """Nanoseconds of one call of ``fn()`` (for calls long enough to be timed one at a time)."""
    t0 = time.perf_counter_ns()
    fn()
    return time.perf_counter_ns() - t0
