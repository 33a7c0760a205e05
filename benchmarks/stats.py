"""The statistics every figure uses: the median and the 90th percentile of repeated runs.

One definition, used everywhere (and by ``tests/test_benchmarks.py``):

* **median**: ``numpy.median`` (the mean of the two middle values for an even count);
* **p90**: ``numpy.percentile(samples, 90, method="linear")``, numpy's default: linear
  interpolation between the two closest ranks ("type 7" of Hyndman & Fan, as R's default).
  With 20 samples the p90 sits 10% of the way from the 18th to the 19th smallest value.

A p90 says "9 runs in 10 were at least this fast": on a noisy machine it shows the spread
that a median alone hides.

Ratios (A / B) are computed per repeat, from the A and B of the same repeat (they were
timed back to back, interleaved), and then summarised like any other sample: a burst of noise
then slows A and B together and mostly cancels out of their ratio.
"""

import numpy as np

P90_METHOD = "linear"


def median(samples):
    """The median of a non-empty sequence of numbers, as a float."""
    arr = _as_samples(samples)
    return float(np.median(arr))


def p90(samples):
    """The 90th percentile (numpy's 'linear' method) of a non-empty sequence, as a float."""
    arr = _as_samples(samples)
    return float(np.percentile(arr, 90, method=P90_METHOD))


def summary(samples, unit=""):
    """{median, p90, min, max, n, unit, samples} of a non-empty sequence: what results.json keeps."""
    arr = _as_samples(samples)
    return {
        "median": median(arr),
        "p90": p90(arr),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "n": int(arr.size),
        "unit": unit,
        "samples": [float(v) for v in arr],
    }


def ratios(numerators, denominators):
    """Per-repeat ratios a_i / b_i of two equally long sequences timed in the same repeats."""
    a, b = _as_samples(numerators), _as_samples(denominators)
    if a.shape != b.shape:
        raise ValueError(
            f"ratios: expected as many numerators as denominators, got {a.size} and {b.size}"
        )
    return a / b


def _as_samples(samples):
    arr = np.asarray(samples, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError("samples: expected at least one value, got none")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"samples: expected finite numbers, got {arr.tolist()}")
    return arr
