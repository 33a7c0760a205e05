"""``python -m benchmarks`` (``make bench``): pin every thread pool to one thread, then run.

BLAS libraries read their thread count once, when numpy loads them, so the environment
variables must be set before the first ``import numpy``. This file imports nothing that
imports numpy before setting them; if numpy was loaded anyway (by a sitecustomize, say), the
process starts itself again with the variables set.
"""

import os
import sys

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_threads():
    """Set the thread variables to 1; True if any had to change."""
    changed = False
    for name in THREAD_VARS:
        if os.environ.get(name) != "1":
            os.environ[name] = "1"
            changed = True
    return changed


if __name__ == "__main__":
    if pin_threads() and "numpy" in sys.modules:
        # too late for this process: start afresh with the variables in place
        os.execv(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]])
    from benchmarks.run import main

    sys.exit(main())
