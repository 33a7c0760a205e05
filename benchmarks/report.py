"""Statistics, timing loops and tables: what every figure of ``make bench`` is made of.

* **median** is ``numpy.median``; **p90** is ``numpy.percentile(samples, 90, method="linear")``
  (numpy's default, "type 7" of Hyndman & Fan): 9 runs in 10 were at least this fast.
* **interleaved** timing: repeat 1 times A, B, C; repeat 2 times A, B, C again; ... A slow phase
  of the machine then hits every function alike, and a ratio A / B taken *per repeat* (``ratios``)
  stays honest. One sample is ``timeit`` of k back-to-back calls, k calibrated once so that a
  sample lasts at least ``min_sample_ms``; the garbage collector stays on (``gc.enable()`` in
  timeit's setup): the garbage a call leaves is part of what it costs.
* one ``Section`` per figure holds the formatted cells and the raw numbers side by side; the last
  cell of a row is its verdict: PASS / MISS (the missed targets named), ``—`` (no target), SKIP
  (not measured, the reason in the row) or ERROR.
"""

import json
import os
import platform
import re
import subprocess
import time
import timeit
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
PASS, MISS, NONE, SKIP, ERROR = "PASS", "MISS", "—", "SKIP", "ERROR"
P90_METHOD = "linear"

# --------------------------------------------------------------------------- statistics


def _as_samples(samples):
    arr = np.asarray(samples, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError("samples: expected at least one value, got none")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"samples: expected finite numbers, got {arr.tolist()}")
    return arr


def median(samples):
    return float(np.median(_as_samples(samples)))


def p90(samples):
    return float(np.percentile(_as_samples(samples), 90, method=P90_METHOD))


def summary(samples, unit=""):
    """{median, p90, min, max, n, unit, samples}: what results.json keeps of a sample."""
    arr = _as_samples(samples)
    return {
        "median": median(arr),
        "p90": p90(arr),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "n": int(arr.size),
        "unit": unit,
        "samples": arr.tolist(),
    }


def ratios(numerators, denominators):
    """Per-repeat ratios a_i / b_i of two equally long samples timed in the same repeats."""
    a, b = _as_samples(numerators), _as_samples(denominators)
    if a.shape != b.shape:
        raise ValueError(
            f"ratios: expected as many numerators as denominators, got {a.size} and {b.size}"
        )
    return a / b


# --------------------------------------------------------------------------- timing


def calibrate(fn, min_sample_ms=5.0, max_k=1_000_000):
    """The number of calls k that makes one sample of ``fn`` last at least ``min_sample_ms``."""
    timer, target, k = timeit.Timer(fn, setup="gc.enable()"), min_sample_ms / 1e3, 1
    while (elapsed := timer.timeit(k)) < target and k < max_k:
        k = min(max_k, max(2 * k, int(k * 1.2 * target / max(elapsed, 1e-9))))
    return k


def interleaved(functions, repeats, min_sample_ms=5.0, warmup=1):
    """Time each of ``functions`` ({name: fn}) ``repeats`` times, interleaved, after ``warmup``
    discarded rounds. Returns ({name: [ns per call, one per repeat]}, {name: k})."""
    ks = {name: calibrate(fn, min_sample_ms) for name, fn in functions.items()}
    timers = {name: timeit.Timer(fn, setup="gc.enable()") for name, fn in functions.items()}
    samples = {name: [] for name in functions}
    for r in range(warmup + repeats):
        for name, timer in timers.items():
            ns = timer.timeit(ks[name]) / ks[name] * 1e9
            if r >= warmup:
                samples[name].append(ns)
    return samples, ks


def time_once_ms(fn, *args, **kwargs):
    """Milliseconds of one call ``fn(*args, **kwargs)`` (long enough to be timed on its own)."""
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - t0) * 1e3


# --------------------------------------------------------------------------- sections


def num(v):
    """About three significant digits, never in exponent form for |v| >= 0.01."""
    if v is None:
        return "—"
    for limit, spec in ((100, ",.0f"), (10, ".1f"), (1, ".2f"), (0.01, ".3f")):
        if abs(v) >= limit:
            return format(v, spec)
    return f"{v:.2e}"


def med_p90(s):
    return f"{num(s['median'])} / {num(s['p90'])}"


@dataclass
class Section:
    figure: int
    title: str
    columns: list  # column headers, the last the verdict; or one string "a | b | result"
    rows: list = field(default_factory=list)  # formatted cells
    data: list = field(default_factory=list)  # one dict of raw cells (and extras) per row
    notes: list = field(default_factory=list)  # Markdown sentences under the table
    seconds: float = 0.0

    def __post_init__(self):
        if isinstance(self.columns, str):
            self.columns = self.columns.split(" | ")

    def add(self, cells, result, **extra):
        """Add a row of raw cells: a summary is shown as "median / p90", a float by ``num``.
        results.json keeps them under their column names, with ``extra``. ``result``:
        [(target, met: bool)] (empty: no target), from which the verdict is made, or SKIP..."""
        checks = result if isinstance(result, list) else []
        if isinstance(result, list):
            missed = [name for name, ok in result if not ok]
            result = NONE if not result else f"{MISS} ({', '.join(missed)})" if missed else PASS
        if len(cells) + 1 != len(self.columns):
            raise ValueError(f"figure {self.figure}: expected {len(self.columns) - 1} cells")
        show = [
            med_p90(c) if isinstance(c, dict) else num(c) if isinstance(c, float) else c
            for c in cells
        ]
        self.rows.append([str(c) for c in show] + [result])
        checks = [{"target": n, "met": ok} for n, ok in checks]
        self.data.append(
            dict(zip(self.columns, cells)) | extra | {"result": result, "checks": checks}
        )

    def results(self):
        return [row[-1] for row in self.rows]

    def to_json(self):
        return {
            k: getattr(self, k) for k in ("figure", "title", "columns", "rows", "data", "notes")
        } | {"seconds": round(self.seconds, 2)}


def count(sections):
    out = {PASS: 0, MISS: 0, SKIP: 0, ERROR: 0}
    for r in (r.split(" ")[0] for s in sections for r in s.results()):
        if r in out:
            out[r] += 1
    return out


def missed_targets(sections):
    """[(figure, target, rows missing it, rows with it)] for every target missed somewhere."""
    tally = {}
    for s in sections:
        for c in (c for row in s.data for c in row.get("checks", ())):
            missed, total = tally.get((s.figure, c["target"]), (0, 0))
            tally[(s.figure, c["target"])] = (missed + (not c["met"]), total + 1)
    return [(f, t, m, n) for (f, t), (m, n) in tally.items() if m]


def summary_line(sections):
    c = count(sections)
    parts = [f"{c[PASS]} PASS", f"{c[MISS]} MISS"]
    parts += [f"{c[SKIP]} not measured"] * bool(c[SKIP]) + [f"{c[ERROR]} ERROR"] * bool(c[ERROR])
    line = "Rows with targets: " + ", ".join(parts) + "."
    if missed := missed_targets(sections):
        line += (
            " Missed: "
            + "; ".join(f"figure {f}, {t} ({m} of {n} row{'s' * (n > 1)})" for f, t, m, n in missed)
            + "."
        )
    return line


def section_text(s):
    widths = [max(len(str(c)) for c in col) for col in zip(s.columns, *s.rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    out = [f"\n{s.figure}. {s.title}", line(s.columns), line("-" * w for w in widths)]
    return "\n".join(
        out + [line(r) for r in s.rows] + [f"   {re.sub(r'[`*]', '', n)}" for n in s.notes]
    )


def section_markdown(s):
    def md(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    rows = [md(r[:-1] + [f"**{r[-1]}**" if r[-1].startswith(MISS) else r[-1]]) for r in s.rows]
    out = [f"### {s.figure}. {s.title}", "", md(s.columns), "|" + "---|" * len(s.columns), *rows]
    return "\n".join(out + ([""] + [f"- {n}" for n in s.notes] if s.notes else []))


# --------------------------------------------------------------------------- the machine


def machine_facts():
    """Date, CPU, memory, OS, the versions that matter, the commit and the load average."""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    import psutil
    from threadpoolctl import threadpool_info

    blas = [
        f"{i['internal_api']} {i['version']}, {i['num_threads']} thread(s)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    facts = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 2**30,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas[0] if blas else None,
        "commit": git.stdout.strip() or None,
        "load_average": {"start": round(os.getloadavg()[0], 2), "end": None},
    }
    for name in ("torch", "ipywidgets", "nbclient"):
        try:
            facts[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name] = None
    return facts


def facts_line(f):
    return (
        f"{f['cpu']}, {f['logical_cpus']} CPUs, {f['memory_gb']:.0f} GB RAM; {f['os']}; "
        f"Python {f['python']}, numpy {f['numpy']} ({f['blas']}), torch {f['torch']}, "
        f"ipywidgets {f['ipywidgets']}, nbclient {f['nbclient']}, commit `{f['commit']}`"
    )


def load_line(f):
    load = f["load_average"]
    end = f" / {load['end']:.1f}" if load["end"] is not None else ""
    busy = max(load["start"], load["end"] or 0) > f["logical_cpus"]
    return (
        f"1-minute load average at start{' / end' * bool(end)}: {load['start']:.1f}{end} on "
        f"{f['logical_cpus']} CPUs"
        + (
            " (above the CPU count: other processes competed for "
            "the CPU; the interleaved ratios suffer less)" * busy
        )
    )


# --------------------------------------------------------------------------- files


def _without_samples(obj):
    if isinstance(obj, dict):
        return {k: _without_samples(v) for k, v in obj.items() if k != "samples"}
    return [_without_samples(v) for v in obj] if isinstance(obj, list) else obj


def markdown(sections, facts, settings, only):
    run = "" if settings.name == "full" else f" (a `--{settings.name}` run: few repeats)"
    run += f" (only figures {', '.join(map(str, sorted(only)))})" if only else ""
    head = [
        "## Speed (`make bench`)",
        "",
        f"Measured {facts['date']} on {facts_line(facts)}.",
        "",
        load_line(facts) + ".",
        "",
        "How to read the tables: every figure is the **median / p90** over repeated runs "
        f"(p90: `numpy.percentile`, method `{P90_METHOD}`). Comparisons (÷) are ratios "
        "taken within each repeat of *interleaved* runs (A, B, C, A, B, C, ...) and then "
        "summarised, so that the machine's noise cancels. BLAS and PyTorch run on one thread. "
        "µs = microseconds per call.",
        "",
        f"**{summary_line(sections)}**{run}",
        "",
    ]
    return "\n".join(head + [section_markdown(s) + "\n" for s in sections]).rstrip() + "\n"


def write(out_dir, sections, facts, settings, only, keep_samples=False):
    """Write results.md and results.json into out_dir (each via a .tmp file); their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "schema": 1,
        "date": facts["date"],
        "machine": facts,
        "settings": dict(
            vars(settings), only=sorted(only) if only else None, p90_method=P90_METHOD
        ),
        "summary": count(sections),
        "figures": [s.to_json() for s in sections],
    }
    data = data if keep_samples else _without_samples(data)
    texts = {
        "results.md": markdown(sections, facts, settings, only),
        "results.json": json.dumps(data, indent=1, ensure_ascii=False) + "\n",
    }
    for name, text in texts.items():
        tmp = out_dir / f"{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out_dir / name)
    return [out_dir / name for name in texts]
