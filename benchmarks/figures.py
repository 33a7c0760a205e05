"""Figures 1-9 of ``make bench``: each function's docstring says what it measures, and is the
note under its table. Figures 4 and 9 read files that other runs write (the browser tests,
``make classroom-bench``): they are as fresh as those runs.
"""

import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

import backprop_lib as bp
from backprop_lib import examples
from backprop_lib.network import flatten_by_key

from . import fused, report
from .report import Section, interleaved, med_p90, ratio, rounds, summary, target

HERE, ROOT = Path(__file__).resolve().parent, report.REPO_ROOT
NOTEBOOK_DIR = ROOT / "notebooks"
LATENCY_FILE = ROOT / "artifacts" / "browser_latency.json"
CLASSROOM_FILE = HERE / "classroom.json"
MAX_LIB_OVER_FUSED, MIN_TORCH_OVER_LIB = 2.0, 4.0  # figure 1 (torch: one sample only)
MAX_SLIDER_MS, MAX_BROWSER_MS, MAX_BROWSER_P95_MS = 20.0, 50.0, 100.0  # figures 3, 8; 4, 9
MAX_NOTEBOOKS_S, MAX_IMPORT_MS, MAX_LIB_OVER_TORCH = 60.0, 150.0, 1.0  # figures 5, 6, 7


def _library(net, x, t):
    return lambda: bp.backward(net, bp.forward(net, x, t))


def _summaries(samples):
    """{name: summary} of ``interleaved``'s µs per call."""
    return {name: summary(v, "µs") for name, v in samples.items()}


def cases(batches=(1, 32, 256)):
    """(name, net, x, target, batch): the three seeds at their one sample, then the digits
    network of notebook 05 (64-32-10, sigmoid, softmax cross-entropy on the logits) with random
    inputs and one-hot targets at each of ``batches`` (batch 1: one sample, x of shape (64,))."""
    out = []
    for key, make in examples.ALL.items():
        ex = make()
        x, t = np.asarray(ex.x, dtype=float), np.asarray(ex.target, dtype=float)
        out.append((f"{key} ({'-'.join(map(str, ex.net.sizes))})", ex.net, x, t, 1))
    net = bp.Network.random([64, 32, 10], ["sigmoid", "identity"], "softmax_cross_entropy")
    for n in batches:
        rng = np.random.default_rng(0)
        X, T = rng.normal(size=(n, 64)), np.eye(10)[rng.integers(0, 10, size=n)]
        out.append(("64-32-10", net, *((X[0], T[0]) if n == 1 else (X, T)), n))
    return out


def figure_1(settings):
    """Forward + backward per call, interleaved: ``backward(net, forward(net, x, t))`` as the
    notebooks call it, ``fused.forward_backward`` (hand-fused numpy) and
    ``torch_bridge.autograd_call`` (float64), both first checked against backprop_lib's loss and
    gradients to 1e-12. Targets: lib at most 2x fused; torch at least 4x lib for one sample
    (batch 1) only. torch ÷ lib above 1 means backprop_lib is faster."""
    from backprop_lib.torch_bridge import autograd_call  # torch: only for the figures using it

    title = "forward + backward per call (µs): backprop_lib vs hand-fused numpy vs PyTorch"
    header = "network | batch | backprop_lib µs | fused numpy µs | torch µs | lib ÷ fused (≤ {:g}) | torch ÷ lib (≥ {:g}, 1 sample) | result"
    s = Section(1, title, header.format(MAX_LIB_OVER_FUSED, MIN_TORCH_OVER_LIB))
    for name, net, x, t, batch in cases():
        worst = {w: fused.check_against_library(net, x, t, 1e-12, w) for w in ("fused", "torch")}
        fns = {
            "backprop_lib": _library(net, x, t),
            "fused": partial(fused.forward_backward, *fused.fused_params(net), x, t),
            "torch": partial(autograd_call(net)[0], x, t),
        }
        samples = interleaved(fns, settings.calls_repeats, settings.min_sample_ms)
        us, over_fused = _summaries(samples), ratio(samples, "backprop_lib", "fused")
        over_lib = ratio(samples, "torch", "backprop_lib")
        checks = [target("lib ÷ fused", over_fused["median"], "≤", MAX_LIB_OVER_FUSED)]
        if batch == 1:  # the torch target: one sample only
            checks.append(target("torch ÷ lib", over_lib["median"], "≥", MIN_TORCH_OVER_LIB))
        shown = over_lib if batch == 1 else f"{med_p90(over_lib)} (no target)"
        cells = [name, batch, *us.values(), over_fused, shown]
        s.add(cells, checks, us_per_call=us, torch_over_lib=over_lib, max_diff_vs_library=worst)
    return s


def figure_2(settings):
    """``bp.gradcheck(net, x, t)`` against forward + backward, interleaved. Central differences
    evaluate the loss twice per parameter, backprop runs one forward and one backward pass for
    all of them, so the ratio grows like 2P: ratio ÷ P is roughly constant. A teaching figure,
    no target."""
    title = "gradcheck's cost over backprop's (central differences: 2P forward passes)"
    header = "network | P | gradcheck ms | forward + backward µs | gradcheck ÷ backprop | ratio ÷ P | result"
    s = Section(2, title, header)
    for name, net, x, t, _ in cases(batches=(1,)):
        P = net.n_params
        repeats = settings.gradcheck_repeats_small if P < 100 else settings.gradcheck_repeats_large
        fns = {"gradcheck": partial(bp.gradcheck, net, x, t), "backprop": _library(net, x, t)}
        samples = interleaved(fns, repeats, settings.min_sample_ms)
        over = ratio(samples, "gradcheck", "backprop")
        gc_ms = summary(np.divide(samples["gradcheck"], 1e3), "ms")
        over_P = summary(np.divide(over["samples"], P))
        s.add([name, P, gc_ms, summary(samples["backprop"], "µs"), over, over_P], [])
    return s


def slider_ms(view, key, repeats, base, warmup=2):
    """(ms per ``view.set(key, value)``, its target), the value alternately base + 0.05 and base
    (so the observer always fires); AssertionError if a move leaves the view's HTML unchanged."""
    values, curve = itertools.cycle([base + 0.05, base]), getattr(view, "curve_view", None)

    def html():  # the view, and the curve's if the Explorer draws one
        return view.view.value + (curve.value if curve is not None else "")

    def move():
        before, value = html(), next(values)
        ms = report.time_once_ms(view.set, key, value)
        if html() == before:
            raise AssertionError(f"{view!r}: moving {key} to {value} left the view unchanged")
        return ms

    ms = summary(rounds({key: move}, repeats, warmup)[key], "ms")
    return ms, [target("median", ms["median"], "≤", MAX_SLIDER_MS, " ms")]


CURVE_KEY, OTHER_KEY = "w2_1_1", "w1_1_1"
SLIDERS = {CURVE_KEY: "the curve's own: curve cached", OTHER_KEY: "another: curve recomputed"}
CALLS = [  # the notebooks' live views, each as a notebook writes the call
    "Explorer(examples.seed_002())",
    'Explorer(examples.seed_000(), curve="w2_1_1")',
    'Explorer(examples.seed_000(), curve="w2_1_1", tangent=True)',
    'Explorer(examples.seed_000(), curve="w2_1_1", tangent=True, start="backward")',
    "Explorer(examples.seed_001())",
    'Explorer(examples.seed_001(), curve="w2_1_1", tangent=True)',
]


def used_in(call):
    """Numbers of the notebooks whose code cells contain ``call`` (spaces and quotes ignored)."""

    def norm(text):
        return "".join(text.split()).replace("'", '"')

    found = []
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        found += [path.stem.split("_")[0]] * (norm(call) in norm(code))
    return ", ".join(found) or "—"


def figure_3(settings):
    """``Explorer.set(key, value)`` runs the observer synchronously: all a slider move runs in
    the kernel, up to the new HTML, outside a notebook (the widget messages to the browser are
    figure 4's part). For each of the notebooks' live views, ``w2_1_1`` (a curve along it is
    reused) and ``w1_1_1`` (the curve is recomputed), after 2 warm-up moves. Target: median at
    most 20 ms."""
    from backprop_lib.widgets import Explorer  # ipywidgets: imported only for this figure

    title = "slider event → view ready in the kernel: Explorer.set(key, value) (ms)"
    header = f"live view | used in | slider moved | ms per move | target: median ≤ {MAX_SLIDER_MS:g} ms | result"
    s = Section(3, title, header)
    for call in CALLS:
        ex = eval(call, {"Explorer": Explorer, "examples": examples})  # noqa: S307 - our own text
        for key in (CURVE_KEY, OTHER_KEY):
            ms, checks = slider_ms(ex, key, settings.explorer_repeats, ex.net.get(key))
            what = f"{key} ({SLIDERS[key]})" if "curve" in call else key
            s.add([call, used_in(call), what, ms, f"≤ {MAX_SLIDER_MS:g}"], checks)
    return s


SEED_000 = (  # seed 000's network, its leaves named by the library's parameter keys
    "(sigmoid(sigmoid(x1*w1_1_1 + x2*w1_2_1 + b1_1)*w2_1_1 + sigmoid(x1*w1_1_2 + x2*w1_2_2 + b1_2)"
    "*w2_2_1 + b2_1) - t)**2"
)
EXPLORER_EXPRS = [
    "tanh(w1*x1 + w2*x2 + b)",
    "(tanh(w1*x1 + w2*x2 + b1)*v1 + tanh(w3*x1 + w4*x2 + b2)*v2 + tanh(w5*x1 + w6*x2 + b3)*v3"
    " - t)**2 + w1*w3 + b1",
]
BIG_OPS, BIG_SEED = 775, 1  # random_expr(BIG_SEED, 10, BIG_OPS, join=True): about 1,000 nodes


def figure_8(settings):
    """µs per forward + backward pass on a fresh scalar graph, interleaved: ``autograd.Value``
    (``expr.build``), the matrix backprop (seed 000 only) and ``torch_bridge.expr_to_torch``,
    on seed 000 as one expression and a random one of ~1,000 nodes (all three agree to 1e-12
    first; no target). Then ms from ``GraphExplorer.set(leaf, value)`` to the new view's HTML in
    the kernel. Target: median ≤ 20 ms for 40 nodes. The node count includes constants."""
    from backprop_lib.expr import build, parse, random_expr
    from backprop_lib.graph_explorer import GraphExplorer  # ipywidgets: only for this figure
    from backprop_lib.torch_bridge import expr_to_torch

    title = "the scalar autograd engine vs backprop_lib vs PyTorch, and the GraphExplorer (µs, ms)"
    header = "what | nodes | autograd.Value | backprop_lib | torch scalar | ratio | result"
    s = Section(8, title, header)
    ex = examples.seed_000()
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    lib = flatten_by_key(ex.net, g.weights, g.biases)  # {"w1_1_1": dL/dw1_1_1, ...}
    values = {k: ex.net.get(k) for k in lib} | {"x1": ex.x[0], "x2": ex.x[1], "t": ex.target[0]}
    big, big_values = random_expr(BIG_SEED, 10, BIG_OPS, max_depth=40, join=True)
    graphs = [("seed 000 (2-2-1) as a scalar graph", parse(SEED_000), values, lib)]
    graphs.append((f"random expression (seed {BIG_SEED})", big, big_values, {}))

    def run(make, expr, vals):  # one forward + backward pass on a fresh graph
        (nodes := make(expr, vals))[-1].backward()
        return nodes

    for label, expr, vals, reference in graphs:
        ours, theirs = run(build, expr, vals), run(expr_to_torch, expr, vals)
        worst = abs(ours[-1].data - theirs[-1].item())
        for n, a, b in zip(expr.nodes, ours, theirs):
            if n.op == "leaf":
                worst = max(worst, abs(a.grad - (0.0 if b.grad is None else b.grad.item())))
                worst = max(worst, abs(a.grad - reference.get(n.name, a.grad)))
        if worst > 1e-12:
            raise AssertionError(f"{label}: the engines disagree by {worst:.2e} (> 1e-12)")
        fns = {"autograd": partial(run, build, expr, vals)}
        fns["torch"] = partial(run, expr_to_torch, expr, vals)
        if reference:
            fns["backprop_lib"] = _library(ex.net, ex.x, ex.target)
        samples = interleaved(fns, settings.calls_repeats, settings.min_sample_ms)
        us, over = _summaries(samples), ratio(samples, "autograd", "torch")
        cells = [label, len(expr), us["autograd"], us.get("backprop_lib", "—"), us["torch"]]
        cells.append(f"autograd ÷ torch {med_p90(over)}")
        s.add(cells, [], us_per_call=us, max_diff=worst, autograd_over_torch=over)
    for text in EXPLORER_EXPRS:
        gx = GraphExplorer(text)
        leaf = gx.expr.leaves[0]
        ms, checks = slider_ms(gx, leaf, settings.explorer_repeats, gx.sliders[leaf].value)
        what = f"GraphExplorer.set({leaf!r}, ...) on {text[:40]}{'…' if len(text) > 40 else ''}"
        s.add([what, len(gx.expr), "", "", "", f"{med_p90(ms)} ms per move"], checks, ms=ms)
    return s


def _read(path, section, blanks, hint):
    """The JSON at ``path``, or None after adding a SKIP row that says why."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        section.add([f"not measured: run {hint}", *["—"] * blanks], report.SKIP)
    except (OSError, ValueError) as e:
        section.add([f"not measured: {path.name} unreadable ({e})", *["—"] * blanks], report.SKIP)


def _latency_checks(median, p95):
    limits = (("median", median, MAX_BROWSER_MS), ("p95", p95, MAX_BROWSER_P95_MS))
    return [target(name, v, "≤", limit, " ms") for name, v, limit in limits if v is not None]


def figure_4(settings, path=LATENCY_FILE):
    """Slider latency in headless Chromium as ``make test-browser`` measured it (key press ->
    first change of the view, in the page; p95 by nearest rank there), read from
    artifacts/browser_latency.json. Targets: median ≤ 50 ms, p95 ≤ 100 ms."""
    title = "browser slider latency: key press → view updated, headless Chromium (ms)"
    header = f"notebook | median ms (≤ {MAX_BROWSER_MS:g}) | p95 ms (≤ {MAX_BROWSER_P95_MS:g}) | n | measured | result"
    s = Section(4, title, header)
    if (data := _read(path, s, 4, "make test-browser first")) is None:
        return s
    if not data.get("notebooks"):
        hint = f"not measured: no notebook in {path.name} yet; run make test-browser"
        s.add([hint, *["—"] * 4], report.SKIP)
    for name, e in sorted(data.get("notebooks", {}).items()):
        med, p95 = e.get("median_ms"), e.get("p95_ms")
        checks = _latency_checks(med, p95) or report.SKIP
        s.add([name, med, p95, e.get("n", "—"), e.get("measured_at", "—")], checks)
    return s


def figure_9(settings, path=CLASSROOM_FILE):
    """N simulated students on the course's JupyterHub move notebook 02's slider at once
    (``make classroom-bench``, read from benchmarks/classroom.json): latency from sending a
    slider update to the view's update (p95 by nearest rank), memory per student (server +
    kernel), CPU in % of one core. Targets: nothing lost, wrong or failed; figure 4's latency
    targets."""
    title = "a class on the JupyterHub: slider update → view update, all students at once"
    header = f"students (ready) | updates (lost, wrong) | errors | median ms (≤ {MAX_BROWSER_MS:g}) | p95 ms (≤ {MAX_BROWSER_P95_MS:g}) | MB per student (unique / resident) | CPU % hub / proxy / machine | result"
    s = Section(9, title, header)
    if (data := _read(path, s, 6, "make classroom-bench")) is None:
        return s
    for r in sorted(data["runs"].values(), key=lambda r: r["students"]):
        lat, mem, cpu = r["latency_ms"], r["memory_mb_per_student"], r["cpu_percent_of_one_core"]
        checks = [("all ready", r["ready"] == r["students"])]
        checks += [("0 lost or wrong", r["lost"] == r["wrong"] == 0), ("0 errors", not r["errors"])]
        cells = [f"{r['students']} ({r['ready']})", f"{r['moves']} ({r['lost']}, {r['wrong']})"]
        cells += [len(r["errors"]), lat["median"], lat["p95"]]
        cells.append(f"{report.num(mem['uss_median'])} / {report.num(mem['rss_median'])}")
        cells.append(f"{cpu['hub']:.0f} / {cpu['proxy']:.0f} / {r['machine_cpu_percent']:.0f}")
        s.add(cells, checks + _latency_checks(lat["median"], lat["p95"]), run=r)
    s.notes.append(
        f"Measured {data.get('measured_at', '?')} on {data.get('machine', '?')}, "
        f"{next(iter(data['runs'].values()))['rate_per_s']:g} updates per second per student."
    )
    return s


def figure_5(settings):
    """Every notebook executed in order with nbclient, a fresh ``python3`` kernel each (start
    and stop included, as a learner's "Restart & Run All"), from a temporary copy of notebooks/
    (the kernels' stderr goes to a log there); the total is summed per repeat, without a
    notebook that failed. Target: the whole set in at most 60 s."""
    import nbformat
    from nbclient import NotebookClient

    title = "executing the notebooks with nbclient (s; a fresh kernel each)"
    s = Section(5, title, f"notebook | seconds | target: total ≤ {MAX_NOTEBOOKS_S:g} s | result")
    names, errors = sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")), {}
    with tempfile.TemporaryDirectory(prefix="bp-bench-notebooks-") as tmp:
        copy = Path(tmp) / "notebooks"
        shutil.copytree(NOTEBOOK_DIR, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        opts = dict(timeout=settings.notebook_timeout_s, kernel_name="python3")
        opts["resources"] = {"metadata": {"path": str(copy)}}  # each notebook runs in its folder
        with open(Path(tmp) / "kernels-stderr.log", "w") as log:

            def execute(name):  # seconds; 0 once the notebook has failed (it is left out)
                if name in errors:
                    return 0.0
                client = NotebookClient(nbformat.read(copy / name, as_version=4), **opts)
                try:
                    return report.time_once_ms(client.execute, stderr=log) / 1e3
                except Exception as e:  # noqa: BLE001 - a failing cell, a timeout, a dead kernel
                    last = [line for line in str(e).splitlines() if line.strip()] or [repr(e)]
                    errors[name] = f"{type(e).__name__}: {last[-1][:200]}"
                    return 0.0

            seconds = rounds({n: partial(execute, n) for n in names}, settings.notebook_repeats, 0)
    for name in names:
        if name in errors:
            s.add([name, f"failed: {errors[name]}", ""], report.ERROR)
        else:
            s.add([name, summary(seconds[name], "s"), ""], report.NONE)
    total = summary(np.sum([seconds[n] for n in names if n not in errors], axis=0), "s")
    result = [target("total", total["median"], "≤", MAX_NOTEBOOKS_S, " s")]
    result = f"{report.ERROR} ({len(errors)} notebook(s) failed)" if errors else result
    s.add([f"**all {len(names)} notebooks**", total, f"≤ {MAX_NOTEBOOKS_S:g}"], result)
    return s


def import_ms(module):
    """Milliseconds of ``import module`` in a fresh interpreter (its start-up excluded), run
    from the repository root with this process's environment (one BLAS thread)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=True)
    return float(run.stdout.split()[-1]) * 1e3


def figure_6(settings):
    """``import numpy`` and ``import backprop_lib``, each in fresh interpreters, interleaved
    after a warm-up round; the per-repeat difference is backprop_lib's own share. Target:
    import at most 150 ms."""
    title = "import time in a fresh interpreter (ms)"
    s = Section(6, title, f"import | ms | target: ≤ {MAX_IMPORT_MS:g} ms | result")
    measures = {m: partial(import_ms, m) for m in ("numpy", "backprop_lib")}
    samples = rounds(measures, settings.import_repeats)
    np_ms, lib_ms = summary(samples["numpy"], "ms"), summary(samples["backprop_lib"], "ms")
    s.add(["import numpy (for comparison)", np_ms, "none (~100 typical)"], report.NONE)
    checks = [target("import", lib_ms["median"], "≤", MAX_IMPORT_MS, " ms")]
    s.add(["import backprop_lib", lib_ms, f"≤ {MAX_IMPORT_MS:g}"], checks)
    own = summary(np.subtract(samples["backprop_lib"], samples["numpy"]), "ms")
    s.add(["backprop_lib's own share (difference per repeat)", own, ""], report.NONE)
    return s


GOAL, LR, BATCH_SIZE, SEED, MAX_EPOCHS = 0.95, 0.5, 32, 0, 100  # notebook 05's settings


def figure_7(settings):
    """Time to 95% test accuracy on the digits: ``train.train`` and ``torch_bridge.train_torch``
    train the same network (notebook 05's: 64-32-10 tanh, softmax cross-entropy,
    ``Network.random(seed=0)``, lr 0.5, batch 32, shuffling seed 0, ``datasets.digits()``) on
    the same batches and stop after the first epoch at 95%; one sample is a whole call,
    interleaved after a warm-up round. Target: backprop_lib no slower than PyTorch."""
    from backprop_lib import datasets
    from backprop_lib.torch_bridge import train_torch
    from backprop_lib.train import train

    title = f"time to {GOAL:.0%} test accuracy on the digits (s): backprop_lib vs PyTorch"
    header = f"trainer | seconds | epochs to 95% | lib ÷ torch (≤ {MAX_LIB_OVER_TORCH:g}) | result"
    s = Section(7, title, header)
    d = datasets.digits()
    net = bp.Network.random([64, 32, 10], ["tanh", "identity"], "softmax_cross_entropy", seed=0)
    kwargs = dict(lr=LR, epochs=MAX_EPOCHS, batch_size=BATCH_SIZE, seed=SEED)
    kwargs.update(X_test=d.X_test, Y_test=d.y_test, until_accuracy=GOAL)
    trainers, reached = {"backprop_lib train()": train, "torch train_torch()": train_torch}, {}

    def seconds(name):  # one whole training, its History.reached kept
        t0 = time.perf_counter()
        reached[name] = trainers[name](net, d.X_train, d.y_train, **kwargs)[1].reached
        return time.perf_counter() - t0

    samples = rounds({name: partial(seconds, name) for name in trainers}, settings.training_repeats)
    over = ratio(samples, *trainers)
    for name, got in reached.items():
        is_lib = name.startswith("backprop")
        epochs = "not reached" if got is None else f"{got['epoch']} ({got['accuracy']:.1%})"
        checks = [target("lib ÷ torch", over["median"], "≤", MAX_LIB_OVER_TORCH)] * is_lib
        checks += [(f"{GOAL:.0%} reached within {MAX_EPOCHS} epochs", False)] * (got is None)
        s.add([name, summary(samples[name], "s"), epochs, over if is_lib else ""], checks)
    return s
