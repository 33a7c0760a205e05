"""``import backprop_lib`` stays light: numpy only, and fast.

Each check runs in a fresh interpreter, since this test session has long imported everything.
The time is the interpreter's CPU time for the import, which equals the wall-clock time on an
idle machine but does not grow while the process waits for a busy machine's CPU.
"""

import ast
import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["matplotlib", "ipywidgets", "torch"]

PROBE = f"""
import json, sys, time
import numpy  # numpy's own import (100-160 ms here, more on a busy machine) is not ours to guard
start, cpu_start = time.perf_counter(), time.process_time()
import backprop_lib
wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({{"wall": wall, "cpu": cpu,
                   "heavy": [m for m in {HEAVY!r} if m in sys.modules],
                   "file": backprop_lib.__file__}}))
"""


def probe():
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        ),
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_does_not_load_plotting_widgets_or_torch():
    """Drawing, widgets and the torch bridge are separate modules, imported only when needed."""
    result = probe()
    assert Path(result["file"]).resolve().parent == ROOT / "backprop_lib"
    assert result["heavy"] == []


def test_import_takes_at_most_150_ms():
    """The best of three fresh imports, numpy already imported; a guard, not a benchmark
    (make bench's import figure measures the whole import, numpy included)."""
    runs = [probe() for _ in range(3)]
    best = min(r["cpu"] for r in runs)
    walls = ", ".join(f"{r['wall'] * 1000:.0f}" for r in runs)
    assert best <= 0.150, f"import backprop_lib took {best * 1000:.0f} ms CPU (wall: {walls} ms)"


# The numeric core: these modules may import numpy, the standard library and each other, and
# nothing else (drawing, widgets and torch live in draw, plots, widgets, train_view,
# torch_bridge). scikit-learn is imported inside datasets.digits() only, when it is called.
NUMPY_ONLY = [
    "layers",
    "names",
    "network",
    "gradcheck",
    "steps",
    "examples",
    "train",
    "autograd",
    "expr",
    "graph_steps",
    "graph_model",
    "check_engine",
    "datasets",
    "numerics",
    "bugclinic",
    "exercises",
    "exercises.ex01",
    "exercises.ex02",
    "exercises.ex03",
    "exercises.ex04",
    "exercises.ex06",
]


@pytest.mark.parametrize("name", NUMPY_ONLY)
def test_numeric_core_module_imports_only_numpy(name):
    module = importlib.import_module(f"backprop_lib.{name}")
    tree = ast.parse(inspect.getsource(module))
    top_level = {
        a.name.split(".")[0] for n in tree.body if isinstance(n, ast.Import) for a in n.names
    }
    top_level |= {
        n.module.split(".")[0] for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 0
    }
    outside = top_level - {"numpy"} - set(sys.stdlib_module_names)
    assert not outside, f"backprop_lib.{name} imports {sorted(outside)} at module level"
