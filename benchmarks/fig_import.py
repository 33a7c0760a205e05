"""Figure 6: ``import backprop_lib`` in a fresh interpreter.

Each sample starts a new ``python -c`` that reads ``time.perf_counter_ns()`` around one import
statement and prints the difference: interpreter start-up is excluded, everything the import
pulls in is included. ``import numpy`` alone is timed the same way, interleaved (numpy, then
backprop_lib, in every repeat), and the per-repeat difference is backprop_lib's own share.
The child inherits this process's environment (one BLAS thread) and runs from the repository
root. Target: ``import backprop_lib`` at most 150 ms (median); numpy alone takes ~100 ms.
"""

import os
import subprocess
import sys

import numpy as np

from . import stats
from .report import NONE, REPO_ROOT, Section, med_p90

MAX_MEDIAN_MS = 150.0
SNIPPET = (
    "import time; t0 = time.perf_counter_ns(); import {module}; print(time.perf_counter_ns() - t0)"
)


def import_ms(module):
    """Milliseconds that ``import module`` takes in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(module=module)],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1e6


def figure_6(settings, warmup=1):
    s = Section(
        6,
        "import time in a fresh interpreter (ms)",
        ["import", "ms", f"target: ≤ {MAX_MEDIAN_MS:g} ms", "result"],
    )
    modules = ("numpy", "backprop_lib")
    samples = {m: [] for m in modules}
    for r in range(warmup + settings.import_repeats):
        for m in modules:
            ms = import_ms(m)
            if r >= warmup:
                samples[m].append(ms)
    numpy_ms = stats.summary(samples["numpy"], "ms")
    lib_ms = stats.summary(samples["backprop_lib"], "ms")
    own = stats.summary(np.array(samples["backprop_lib"]) - np.array(samples["numpy"]), "ms")
    s.add(
        ["import numpy (for comparison)", med_p90(numpy_ms), "none (~100 typical)"],
        NONE,
        {"module": "numpy", "ms": numpy_ms},
    )
    s.add(
        ["import backprop_lib", med_p90(lib_ms), f"≤ {MAX_MEDIAN_MS:g}"],
        [(f"import ≤ {MAX_MEDIAN_MS:g} ms", lib_ms["median"] <= MAX_MEDIAN_MS)],
        {"module": "backprop_lib", "ms": lib_ms},
    )
    s.add(
        ["backprop_lib's own share (difference per repeat)", med_p90(own), ""],
        NONE,
        {"module": "backprop_lib - numpy", "ms": own},
    )
    s.notes.append(
        f"{settings.import_repeats} fresh interpreters per import, interleaved, after {warmup} warm-up round."
    )
    return s
