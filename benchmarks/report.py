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


def summary(samples, unit=""):
    """{median, p90, min, max, n, unit, samples}: what results.json keeps of a sample.
    ValueError unless the samples are finite numbers, at least one."""
    arr = np.asarray(samples, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"samples: expected finite numbers, at least one, got {arr.tolist()}")
    out = dict(median=float(np.median(arr)), p90=float(np.percentile(arr, 90, method=P90_METHOD)))
    out |= dict(min=float(arr.min()), max=float(arr.max()), n=int(arr.size), unit=unit)
    return out | dict(samples=arr.tolist())


def ratio(samples, a, b):
    """The summary of the per-repeat ratios samples[a][i] / samples[b][i] (of one round each)."""
    return summary(np.divide(samples[a], samples[b]))


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
    """``rounds`` of timeit samples of ``functions`` ({name: fn}): {name: [µs per call, one per
    repeat]}. Each sample times k calls, k first raised until a sample lasts min_sample_ms."""
    measures, min_s = {}, min_sample_ms / 1e3
    for name, fn in functions.items():
        timer, k = timeit.Timer(fn, setup="gc.enable()"), 1
        while (elapsed := timer.timeit(k)) < min_s:
            k = max(2 * k, int(k * 1.2 * min_s / max(elapsed, 1e-9)))
        measures[name] = lambda timer=timer, k=k: timer.timeit(k) / k * 1e6
    return rounds(measures, repeats, warmup)


def time_once_ms(fn, *args, **kwargs):
    """Milliseconds of one call ``fn(*args, **kwargs)`` (long enough to be timed on its own)."""
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - t0) * 1e3


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


def show(cell):
    """A cell as the table shows it: a summary as "median / p90", a float by ``num``."""
    if isinstance(cell, dict):
        return med_p90(cell)
    return num(cell) if isinstance(cell, float) else str(cell)


@dataclass
class Section:
    figure: int
    title: str
    columns: list  # the column headers, the last the verdict; given as "a | b | result"
    rows: list = field(default_factory=list)  # formatted cells
    data: list = field(default_factory=list)  # one dict of raw cells (and extras) per row
    notes: list = field(default_factory=list)  # Markdown sentences under the table
    seconds: float = 0.0

    def __post_init__(self):
        self.columns = self.columns.split(" | ")

    def add(self, cells, result, **extra):
        """Add a row of raw cells (shown by ``show``; results.json keeps them under their column
        names, with ``extra``). ``result``: [(target, met: bool)] (empty: no target), from which
        the verdict is made, or SKIP..."""
        columns, checks = self.columns, result if isinstance(result, list) else []
        if isinstance(result, list):
            missed = [name for name, ok in result if not ok]
            result = NONE if not result else f"{MISS} ({', '.join(missed)})" if missed else PASS
        if len(cells) + 1 != len(columns):
            raise ValueError(f"figure {self.figure}: expected {len(columns) - 1} cells")
        self.rows.append([show(c) for c in cells] + [result])
        checks = [{"target": n, "met": ok} for n, ok in checks]
        self.data.append(dict(zip(columns, cells)) | extra | dict(result=result, checks=checks))

    def results(self):
        return [row[-1] for row in self.rows]


def count(sections):
    c = Counter(r.split(" ")[0] for s in sections for r in s.results())
    return {k: c[k] for k in (PASS, MISS, SKIP, ERROR)}


def missed_targets(sections):
    """[(figure, target, rows missing it, rows with it)] for every target missed somewhere."""
    missed, total = Counter(), Counter()
    for s in sections:
        for c in (c for row in s.data for c in row["checks"]):
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


def machine_facts():
    """The machine in a few facts: CPU, memory, OS, the versions that matter, commit, load."""
    import psutil
    from threadpoolctl import threadpool_info

    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    blas = [
        f"{i['internal_api']} {i['version']}" for i in threadpool_info() if i["user_api"] == "blas"
    ]
    git = ["git", "rev-parse", "--short", "HEAD"]
    facts = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os=platform.platform())
    facts.update(cpu=cpu[1] if cpu else platform.machine(), logical_cpus=os.cpu_count())
    facts.update(memory_gb=psutil.virtual_memory().total / 2**30, python=platform.python_version())
    facts.update(blas=", ".join(blas), commit=subprocess.check_output(git, text=True).strip())
    facts.update(
        {name: metadata.version(name) for name in ("numpy", "torch", "ipywidgets", "nbclient")}
    )
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
        "µs = microseconds per call. Under each table: what it measures. Repeats: "
        + ", ".join(f"{k} {v:g}" for k, v in vars(settings).items() if k != "name")
        + " (results.json has them too).",
        f"**{summary_line(sections)}**{run}",
    ]
    return "\n\n".join(paragraphs + [table(s) for s in sections]) + "\n"


def write(out_dir, sections, facts, settings, only):
    """Write results.md and results.json (without the raw samples) into out_dir; their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings_json = dict(vars(settings), only=sorted(only) if only else None, p90_method=P90_METHOD)
    figures = [asdict(s) | {"seconds": round(s.seconds, 2)} for s in sections]
    data = dict(schema=1, date=facts["date"], machine=facts, settings=settings_json)
    data |= dict(summary=count(sections), figures=figures)
    drop_samples = lambda d: {k: v for k, v in d.items() if k != "samples"}  # noqa: E731
    data = json.loads(json.dumps(data), object_hook=drop_samples)  # median, p90, min, max, n stay
    (out_dir / "results.md").write_text(markdown(sections, facts, settings, only), "utf-8")
    (out_dir / "results.json").write_text(
        json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    return [out_dir / "results.md", out_dir / "results.json"]


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
    head, rest = path.read_text(encoding="utf-8").split(start, 1)
    path.write_text(head + start + block + end + rest.split(end, 1)[1], encoding="utf-8")
    return path
