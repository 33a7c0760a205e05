"""Tables: one ``Section`` per figure, printed as text and written as Markdown and JSON.

A Section holds formatted cells (what the tables show) and the raw numbers (what
results.json keeps), side by side. The last cell of every row is its verdict:

* ``PASS`` / ``MISS``: the row has targets and meets them all / misses some (the missed ones
  are named, e.g. ``MISS (lib ÷ fused ≤ 2)``);
* ``—``: a figure without a target (e.g. a teaching figure, or a part of a comparison);
* ``SKIP``: not measured (the reason is in the row); ``ERROR``: the measurement failed.
"""

import json
import os
import platform
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import stats

REPO_ROOT = Path(__file__).resolve().parents[1]

PASS, MISS, NONE, SKIP, ERROR = "PASS", "MISS", "—", "SKIP", "ERROR"


# --------------------------------------------------------------------------- numbers


def num(v):
    """A number with about three significant digits, never in exponent form for v >= 0.01."""
    if v is None:
        return "—"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.2e}"


def med_p90(summary):
    """'median / p90' of a stats.summary."""
    return f"{num(summary['median'])} / {num(summary['p90'])}"


def verdict(checks):
    """The row's verdict from [(short name, passed: bool)]: PASS, MISS (names), or — if none."""
    if not checks:
        return NONE
    missed = [name for name, ok in checks if not ok]
    return PASS if not missed else f"{MISS} ({', '.join(missed)})"


# --------------------------------------------------------------------------- sections


@dataclass
class Section:
    figure: int
    title: str
    columns: list  # column headers; the last is the verdict
    rows: list = field(default_factory=list)  # formatted cells
    data: list = field(default_factory=list)  # one dict of raw numbers per row
    notes: list = field(default_factory=list)  # sentences shown under the table
    seconds: float = 0.0  # how long measuring this figure took

    def add(self, cells, result, data=None):
        """Add a row: ``result`` is either [(target, met: bool), ...], from which the verdict is
        made (an empty list: no target, "—"), or a verdict string (SKIP, ERROR, ...)."""
        checks = []
        if isinstance(result, list):
            checks, result = result, verdict(result)
        if len(cells) + 1 != len(self.columns):
            raise ValueError(
                f"figure {self.figure}: expected {len(self.columns) - 1} cells, got {len(cells)}"
            )
        self.rows.append([str(c) for c in cells] + [result])
        self.data.append(
            dict(data or {}, result=result, checks=[{"target": n, "met": ok} for n, ok in checks])
        )

    def results(self):
        return [row[-1] for row in self.rows]

    def to_json(self):
        return {
            "figure": self.figure,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "data": self.data,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


def count(sections):
    """{'PASS': n, 'MISS': n, 'SKIP': n, 'ERROR': n} over every row of every section."""
    out = {PASS: 0, MISS: 0, SKIP: 0, ERROR: 0}
    for s in sections:
        for r in s.results():
            key = r.split(" ")[0]
            if key in out:
                out[key] += 1
    return out


def missed_targets(sections):
    """[(figure, target, rows missing it, rows with it)] for every target missed somewhere."""
    tally = {}
    for s in sections:
        for row in s.data:
            for c in row.get("checks", ()):
                key = (s.figure, c["target"])
                missed, total = tally.get(key, (0, 0))
                tally[key] = (missed + (not c["met"]), total + 1)
    return [(f, t, m, n) for (f, t), (m, n) in tally.items() if m]


def summary_line(sections):
    """'Rows with targets: 11 PASS, 6 MISS, 1 not measured. Missed: ...'"""
    c = count(sections)
    parts = [f"{c[PASS]} PASS", f"{c[MISS]} MISS"]
    if c[SKIP]:
        parts.append(f"{c[SKIP]} not measured")
    if c[ERROR]:
        parts.append(f"{c[ERROR]} ERROR")
    line = "Rows with targets: " + ", ".join(parts) + "."
    missed = missed_targets(sections)
    if missed:
        line += (
            " Missed: "
            + "; ".join(
                f"figure {f}, {t} ({m} of {n} row{'s' if n > 1 else ''})" for f, t, m, n in missed
            )
            + "."
        )
    return line


# --------------------------------------------------------------------------- text


def _text_table(columns, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(columns, *rows)]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([fmt(columns), line] + [fmt(r) for r in rows])


def section_text(section):
    out = [f"\n{section.figure}. {section.title}", _text_table(section.columns, section.rows)]
    out += [f"   {_plain(n)}" for n in section.notes]
    return "\n".join(out)


def _plain(markdown):
    """Notes are written in Markdown; for the terminal drop the backticks and asterisks."""
    return re.sub(r"[`*]", "", markdown)


# --------------------------------------------------------------------------- markdown


def _md_cell(c):
    return str(c).replace("|", "\\|")


def section_markdown(section):
    out = [f"### {section.figure}. {section.title}", ""]
    out.append("| " + " | ".join(_md_cell(c) for c in section.columns) + " |")
    out.append("|" + "|".join("---" for _ in section.columns) + "|")
    for row in section.rows:
        cells = [_md_cell(c) for c in row]
        if row[-1].startswith(MISS):
            cells[-1] = f"**{cells[-1]}**"
        out.append("| " + " | ".join(cells) + " |")
    if section.notes:
        out.append("")
        out += [f"{n}" if n.startswith("-") else f"- {n}" for n in section.notes]
    return "\n".join(out)


def markdown(sections, facts, settings, only):
    head = [
        "## Speed (`make bench`)",
        "",
        f"Measured {facts['date']} on {facts_line(facts)}.",
        "",
        *([_load_sentence(facts), ""] if load_line(facts) else []),
        "How to read the tables: every figure is the **median / p90** over repeated runs "
        f"(p90: `numpy.percentile`, method `{stats.P90_METHOD}`). Comparisons (÷) are ratios "
        "taken within each repeat of *interleaved* runs (A, B, C, A, B, C, ...) and then "
        "summarised, so that the machine's noise cancels. BLAS and PyTorch run on one thread. "
        "µs = microseconds per call.",
        "",
        f"**{summary_line(sections)}**"
        + ("" if settings.name == "full" else f" (a `--{settings.name}` run: few repeats)")
        + ("" if not only else f" (only figures {', '.join(map(str, sorted(only)))})"),
        "",
    ]
    body = []
    for s in sections:
        body += [section_markdown(s), ""]
    return "\n".join(head + body).rstrip() + "\n"


# --------------------------------------------------------------------------- the machine


def machine_facts():
    """Date, CPU, cores, memory, OS and the versions that matter, for the tables' header."""
    import numpy as np

    facts = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "physical_cores": _physical_cores(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": _memory_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "threads": {
            v: os.environ.get(v)
            for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        },
        "commit": _git_commit(),
        "load_average": {"start": load_average(), "end": None},  # "end" is set after the run
    }
    for mod in ("torch", "ipywidgets", "nbclient"):
        try:
            facts[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - an optional package missing or broken
            facts[mod] = None
    try:
        import torch

        facts["torch_threads"] = torch.get_num_threads()
    except ImportError:
        facts["torch_threads"] = None
    return facts


def facts_line(f):
    cores = f"{f['physical_cores'] or '?'} cores ({f['logical_cpus']} logical)"
    mem = f", {f['memory_gb']:.0f} GB RAM" if f.get("memory_gb") else ""
    torch = f", torch {f['torch']}" if f.get("torch") else ", no torch"
    blas = f" ({f['blas']})" if f.get("blas") else ""
    commit = f", commit `{f['commit']}`" if f.get("commit") else ""
    return (
        f"{f['cpu']}, {cores}{mem}; {f['os']}; Python {f['python']}, numpy {f['numpy']}{blas}"
        f"{torch}, ipywidgets {f.get('ipywidgets')}, nbclient {f.get('nbclient')}{commit}"
    )


def load_average():
    """The 1-minute load average (runnable processes), or None where the OS has none: above
    the number of cores, other processes competed with the benchmark for the CPU."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def load_line(f):
    load = f.get("load_average") or {}
    if load.get("start") is None:
        return ""
    end = f" / {load['end']:.1f}" if load.get("end") is not None else ""
    return (
        f"1-minute load average at start{' / end' if end else ''}: {load['start']:.1f}{end} "
        f"on {f['logical_cpus']} CPUs"
    )


def _load_sentence(f):
    load = f["load_average"]
    busy = max(load["start"], load["end"] or 0) > (f["logical_cpus"] or 1)
    return load_line(f) + (
        " (above the CPU count: other processes competed for the CPU, so absolute times are"
        " inflated; the interleaved ratios less so)."
        if busy
        else "."
    )


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _physical_cores():
    try:
        cores, phys, core = set(), None, None
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("physical id"):
                phys = line.split(":", 1)[1].strip()
            elif line.startswith("core id"):
                core = line.split(":", 1)[1].strip()
            elif not line.strip() and core is not None:
                cores.add((phys, core))
                phys = core = None
        if core is not None:
            cores.add((phys, core))
        return len(cores) or None
    except OSError:
        return None


def _memory_gb():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        pass
    return None


def _blas():
    """numpy's BLAS, e.g. 'OpenBLAS 0.3.31, SkylakeX, 1 thread', from threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    mine = [i for i in infos if "numpy" in i.get("filepath", "")] or infos
    if not mine:
        return None
    i = mine[0]
    name = {"openblas": "OpenBLAS", "mkl": "MKL", "blis": "BLIS"}.get(
        i.get("internal_api"), i.get("internal_api")
    )
    arch = f", {i['architecture']}" if i.get("architecture") else ""
    n = i.get("num_threads")
    return f"{name} {i.get('version') or ''}{arch}, {n} thread{'s' if n != 1 else ''}".replace(
        "  ", " "
    )


def _git_commit():
    """The checked-out commit (read only: ``git rev-parse``), or None."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


# --------------------------------------------------------------------------- files


def _without_samples(obj):
    """A copy of obj without the stats.summary "samples" lists (results.json stays small)."""
    if isinstance(obj, dict):
        return {k: _without_samples(v) for k, v in obj.items() if k != "samples"}
    if isinstance(obj, list):
        return [_without_samples(v) for v in obj]
    return obj


def write(out_dir, sections, facts, settings, only, keep_samples=False):
    """Write results.md and results.json into out_dir (atomically: via a .tmp file).

    results.json keeps every figure's median, p90, min, max and n; with keep_samples also
    every individual sample."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md = markdown(sections, facts, settings, only)
    data = {
        "schema": 1,
        "date": facts["date"],
        "machine": facts,
        "settings": dict(
            vars(settings), only=sorted(only) if only else None, p90_method=stats.P90_METHOD
        ),
        "summary": count(sections),
        "figures": [s.to_json() for s in sections],
    }
    if not keep_samples:
        data = _without_samples(data)
    paths = []
    for name, text in (
        ("results.md", md),
        ("results.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n"),
    ):
        path = out_dir / name
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    return paths
