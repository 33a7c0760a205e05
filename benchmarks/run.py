"""``python -m benchmarks [--quick] [--only 1,3] [--out DIR | --no-write]``: ``make bench``.

A full run writes benchmarks/results.md, results.json and README's bench block; a --quick or
--only run only prints, unless --out names a folder. Every thread pool runs on one thread: BLAS
and torch here (threadpoolctl, ``torch.set_num_threads``), and the kernels and interpreters the
figures start, through the variables they read.
"""

import argparse
import os
import time
import traceback
from dataclasses import dataclass
from unittest import mock

from . import figures, report

FIGURES = range(1, 10)
ONE_THREAD = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")


@dataclass(frozen=True)
class Settings:
    """Repeats per figure (a full run: about 4 minutes on 2 idle cores, most of it figure 5)."""

    name: str
    min_sample_ms: float  # figures 1, 2, 8: one sample of k calls lasts at least this long
    calls_repeats: int  # figures 1 and 8: samples per function and case
    gradcheck_repeats_small: int  # figure 2: the seeds
    gradcheck_repeats_large: int  # figure 2: 64-32-10 (2410 parameters)
    explorer_repeats: int  # figures 3 and 8: slider events per view and slider
    notebook_repeats: int  # figure 5: runs of the whole set of notebooks
    import_repeats: int  # figure 6: fresh interpreters per import
    training_repeats: int  # figure 7: trainings to 95% per library
    notebook_timeout_s: int = 600  # figure 5: per cell


FULL = Settings("full", 5.0, 100, 30, 5, 100, 3, 30, 7)
QUICK = Settings("quick", 1.0, 3, 2, 1, 3, 1, 3, 1)


def parse_only(text):
    """'1,3' -> {1, 3}; ValueError for anything but figure numbers."""
    only = {int(part) if part.isdigit() else 0 for part in text.split(",")}
    if not only <= set(FIGURES):
        raise ValueError(f"--only: expected figure numbers from 1 to {max(FIGURES)}, got {text!r}")
    return only


def run_figure(n, settings):
    """Measure figure n, its docstring the note under its table; a figure that raises becomes
    one ERROR row instead of a crash."""
    t0, measure = time.perf_counter(), getattr(figures, f"figure_{n}")
    try:
        section = measure(settings)
    except Exception as e:  # noqa: BLE001 - report it and go on with the other figures
        traceback.print_exc()
        section = report.Section(n, f"figure {n}", "what | result")
        section.add([f"failed: {type(e).__name__}: {e}"[:300]], report.ERROR, error=repr(e))
    section.notes.insert(0, " ".join(measure.__doc__.split()).replace("``", "`"))
    section.seconds = time.perf_counter() - t0
    return section


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description="make bench's figures")
    p.add_argument("--quick", action="store_true", help="few repeats (development, smoke test)")
    p.add_argument("--only", metavar="N,M", type=parse_only, help="only these figures, e.g. 1,3")
    p.add_argument("--out", metavar="DIR", help="write results.md and results.json here")
    p.add_argument("--no-write", action="store_true", help="print only, write no files")
    args = p.parse_args(argv)
    settings, full = QUICK if args.quick else FULL, not (args.quick or args.only)
    out = None if args.no_write else args.out or (figures.HERE if full else None)
    started, sections = time.perf_counter(), []
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    with threadpool_limits(limits=1), mock.patch.dict(os.environ, ONE_THREAD):
        facts = report.machine_facts()
        print(f"backprop_lib benchmarks ({settings.name} run), {facts['date']}")
        print(report.facts_line(facts).replace("`", ""))
        for n in sorted(args.only or FIGURES):
            print(f"\n[figure {n} ...]", flush=True)
            sections.append(run_figure(n, settings))
            print(report.table(sections[-1]), f"\n   ({sections[-1].seconds:.1f} s)")
    facts["load_average"]["end"] = round(os.getloadavg()[0], 2)
    print(f"\n{report.summary_line(sections)}  ({time.perf_counter() - started:.0f} s in all)")
    print(report.load_line(facts))
    paths = report.write(out, sections, facts, settings, args.only) if out else []
    paths += [report.update_readme(sections, facts)] if full and out == figures.HERE else []
    for path in paths:
        print(f"wrote {path}")
    return 0
