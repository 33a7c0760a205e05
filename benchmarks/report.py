"""Statistics, the one interleaved timing loop and the one table writer of ``make bench``.

median is ``numpy.median``; p90 ``numpy.percentile(..., 90, method="linear")`` (numpy's default).
Timing is *interleaved*: repeat 1 times A, B, C, repeat 2 times A, B, C again..., so that a slow
phase of the machine hits all alike, and ratios A / B are taken per repeat. One sample is
``timeit`` of k calls (k calibrated so a sample lasts ``min_sample_ms``), with the garbage
collector on: the garbage a call leaves is part of its cost. A row's last cell is its verdict:
PASS / MISS (the missed targets named), ``—`` (no target), SKIP (not measured: why) or ERROR.
"""

import json
import os
import platform
import re
import subprocess
import time
import timeit
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
PASS, MISS, NONE, SKIP, ERROR = "PASS", "MISS", "—", "SKIP", "ERROR"
P90_METHOD = "linear"

# --------------------------------------------------------------------------- statistics


def _as_samples(samples):
    arr = np.asarray(samples, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"samples: expected finite numbers, at least one, got {arr.tolist()}")
    return arr


def median(samples):
    return float(np.median(_as_samples(samples)))


def p90(samples):
    return float(np.percentile(_as_samples(samples), 90, method=P90_METHOD))


def summary(samples, unit=""):
    """{median, p90, min, max, n, unit, samples}: what results.json keeps of a sample."""
    arr = _as_samples(samples)
    out = dict(median=median(arr), p90=p90(arr), min=float(arr.min()), max=float(arr.max()))
    return out | dict(n=int(arr.size), unit=unit, samples=arr.tolist())


def ratios(numerators, denominators):
    """Per-repeat ratios a_i / b_i of two equally long samples timed in the same repeats."""
    a, b = _as_samples(numerators), _as_samples(denominators)
    if a.shape != b.shape:
        raise ValueError(f"ratios: expected as many numerators as denominators, got {a.shape}")
    return a / b


# --------------------------------------------------------------------------- timing


def calibrate(fn, min_sample_ms=5.0, max_k=1_000_000):
    """The number of calls k that makes one sample of ``fn`` last at least ``min_sample_ms``."""
    timer, target, k = timeit.Timer(fn, setup="gc.enable()"), min_sample_ms / 1e3, 1
    while (elapsed := timer.timeit(k)) < target and k < max_k:
        k = min(max_k, max(2 * k, int(k * 1.2 * target / max(elapsed, 1e-9))))
    return k


def rounds(measures, repeats, warmup=1):
    """The one interleaved loop: {name: [measure(), one per repeat]} for ``measures`` ({name:
    measure}), called in turn A, B, C, A, B, C, ..., the first ``warmup`` rounds discarded."""
    samples = {name: [] for name in measures}
    for r in range(warmup + repeats):
        for name, measure in measures.items():
            value = measure()
            samples[name] += [value] * (r >= warmup)
    return samples


def interleaved(functions, repeats, min_sample_ms=5.0, warmup=1):
    """``rounds`` of timeit samples of ``functions`` ({name: fn}). Returns ({name: [µs per call,
    one per repeat]}, {name: k calls per sample})."""
    ks = {name: calibrate(fn, min_sample_ms) for name, fn in functions.items()}
    timers = {name: timeit.Timer(fn, setup="gc.enable()") for name, fn in functions.items()}
    measures = {name: lambda t=t, k=ks[name]: t.timeit(k) / k * 1e6 for name, t in timers.items()}
    return rounds(measures, repeats, warmup), ks


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


def target(name, value, op, limit, unit=""):
    """One target of a row, ("median ≤ 20 ms", met), for op "≤" or "≥"."""
    return f"{name} {op} {limit:g}{unit}", bool(value <= limit if op == "≤" else value >= limit)


def med_p90(s):
    return f"{num(s['median'])} / {num(s['p90'])}"


def _show(cell):
    if isinstance(cell, dict):
        return med_p90(cell)
    return num(cell) if isinstance(cell, float) else str(cell)


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
        self.rows.append([_show(c) for c in cells] + [result])
        checks = [{"target": n, "met": ok} for n, ok in checks]
        raw = dict(zip(self.columns, cells)) | extra
        self.data.append(raw | dict(result=result, checks=checks))

    def results(self):
        return [row[-1] for row in self.rows]

    def to_json(self):
        return asdict(self) | {"seconds": round(self.seconds, 2)}


def count(sections):
    c = Counter(r.split(" ")[0] for s in sections for r in s.results())
    return {k: c[k] for k in (PASS, MISS, SKIP, ERROR)}


def missed_targets(sections):
    """[(figure, target, rows missing it, rows with it)] for every target missed somewhere."""
    missed, total = Counter(), Counter()
    for s in sections:
        for c in (c for row in s.data for c in row.get("checks", ())):
            missed[s.figure, c["target"]] += not c["met"]
            total[s.figure, c["target"]] += 1
    return [(f, t, m, total[f, t]) for (f, t), m in missed.items() if m]


def summary_line(sections):
    c = count(sections)
    parts = [f"{c[PASS]} PASS", f"{c[MISS]} MISS"]
    parts += [f"{c[SKIP]} not measured"] * bool(c[SKIP]) + [f"{c[ERROR]} ERROR"] * bool(c[ERROR])
    missed = [
        f"figure {f}, {t} ({m} of {n} row{'s' * (n > 1)})"
        for f, t, m, n in missed_targets(sections)
    ]
    missed = f" Missed: {'; '.join(missed)}." if missed else ""
    return f"Rows with targets: {', '.join(parts)}.{missed}"


def table(s):
    """The one table writer: figure ``s`` as Markdown (results.md, and what ``make bench`` prints)."""

    def md(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    rows = [md(r[:-1] + [f"**{r[-1]}**" if r[-1].startswith(MISS) else r[-1]]) for r in s.rows]
    out = [f"### {s.figure}. {s.title}", "", md(s.columns), "|" + "---|" * len(s.columns), *rows]
    return "\n".join(out + ([""] + [f"- {n}" for n in s.notes] if s.notes else []))


# --------------------------------------------------------------------------- the machine


def machine_facts():
    """The machine in a few facts: CPU, memory, OS, the versions that matter, commit, load."""
    import psutil
    from threadpoolctl import threadpool_info

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    blas = [
        f"{i['internal_api']} {i['version']}" for i in threadpool_info() if i["user_api"] == "blas"
    ]
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True
    )
    facts = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os=platform.platform())
    facts.update(cpu=cpu[1] if cpu else platform.machine(), logical_cpus=os.cpu_count())
    facts.update(memory_gb=psutil.virtual_memory().total / 2**30, python=platform.python_version())
    facts.update(blas=", ".join(blas), commit=git.stdout.decode().strip())
    for name in ("numpy", "torch", "ipywidgets", "nbclient"):
        try:
            facts[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name] = None
    return facts | {"load_average": {"start": round(os.getloadavg()[0], 2), "end": None}}


def facts_line(f):
    return (
        f"{f['cpu']}, {f['logical_cpus']} CPUs, {f['memory_gb']:.0f} GB RAM; {f['os']}; "
        f"Python {f['python']}, numpy {f['numpy']} ({f['blas']}, 1 thread), torch "
        f"{f['torch']}, ipywidgets {f['ipywidgets']}, nbclient {f['nbclient']}, "
        f"commit `{f['commit']}`"
    )


def load_line(f):
    start, end = f["load_average"]["start"], f["load_average"]["end"] or 0
    return (
        f"1-minute load average at start / end: {start:.1f} / {end:.1f} on {f['logical_cpus']} CPUs"
        + " (above the CPU count: other processes competed for the CPU; the interleaved ratios "
        "suffer less)" * (max(start, end) > f["logical_cpus"])
    )


# --------------------------------------------------------------------------- files


def markdown(sections, facts, settings, only):
    run = "" if settings.name == "full" else f" (a `--{settings.name}` run: few repeats)"
    run += f" (only figures {', '.join(map(str, sorted(only)))})" if only else ""
    paragraphs = [
        "## Speed (`make bench`)",
        f"Measured {facts['date']} on {facts_line(facts)}.",
        load_line(facts) + ".",
        "How to read the tables: every figure is the **median / p90** over repeated runs "
        f"(p90: `numpy.percentile`, method `{P90_METHOD}`). Comparisons (÷) are ratios "
        "taken within each repeat of *interleaved* runs (A, B, C, A, B, C, ...) and then "
        "summarised, so that the machine's noise cancels. BLAS and PyTorch run on one thread. "
        "µs = microseconds per call.",
        f"**{summary_line(sections)}**{run}",
    ]
    return "\n\n".join(paragraphs + [table(s) for s in sections]) + "\n"


def write(out_dir, sections, facts, settings, only):
    """Write results.md and results.json (without the raw samples) into out_dir; their paths."""
    out_dir, md = Path(out_dir), markdown(sections, facts, settings, only)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = dict(vars(settings), only=sorted(only) if only else None, p90_method=P90_METHOD)
    data = dict(schema=1, date=facts["date"], machine=facts, settings=settings)
    data |= dict(summary=count(sections), figures=[s.to_json() for s in sections])
    drop_samples = lambda d: {k: v for k, v in d.items() if k != "samples"}  # noqa: E731
    data = json.loads(json.dumps(data), object_hook=drop_samples)  # median, p90, min, max, n stay
    texts = {
        "results.md": md,
        "results.json": json.dumps(data, indent=1, ensure_ascii=False) + "\n",
    }
    for name, text in texts.items():
        (out_dir / f"{name}.tmp").write_text(text, encoding="utf-8")
        (out_dir / f"{name}.tmp").replace(out_dir / name)
    return [out_dir / name for name in texts]


def update_readme(sections, facts, path=REPO_ROOT / "README.md"):
    """Rewrite README's ``<!-- bench:start -->`` block from this run (a full run only)."""
    block = (
        f"## Speed (`make bench`)\n\nMeasured {facts['date']} with `make bench` on {facts['cpu']}, "
        f"{facts['logical_cpus']} CPUs; {load_line(facts)}. Every figure is a median of "
        "interleaved runs, on one thread; the tables, the machine and the method are in "
        "[benchmarks/results.md](benchmarks/results.md), written by the same run as this "
        f"paragraph. {summary_line(sections)}\n"
    )
    start, end = "<!-- bench:start -->\n", "<!-- bench:end -->"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    path.write_text(head + start + block + end + rest.split(end, 1)[1], encoding="utf-8")
    return path
