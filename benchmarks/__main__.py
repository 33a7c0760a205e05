"""``python -m benchmarks`` (``make bench``): every thread pool on one thread, then run.

BLAS reads its thread count once, when numpy loads it, so the variables are set before the first
``import numpy``; if numpy was loaded already (a sitecustomize, say), the process starts afresh.
"""

import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

if __name__ == "__main__":
    changed = any(os.environ.get(v) != "1" for v in THREAD_VARS)
    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
    if changed and "numpy" in sys.modules:
        os.execv(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]])
    from benchmarks.run import main

    sys.exit(main())
