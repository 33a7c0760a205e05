"""The command line of ``python -m benchmarks`` (see ``__main__`` for the thread pinning).

    python -m benchmarks [--quick] [--only 1,3] [--out DIR | --no-write] [--samples] [--strict]

A full run (no --quick, no --only) writes benchmarks/results.md and benchmarks/results.json;
a --quick or --only run only prints, unless --out names a directory for its files.
"""

import argparse
import contextlib
import sys
import time
import traceback
from pathlib import Path

from . import config, report

FIGURES = {
    1: ("fig_calls", "figure_1"),
    2: ("fig_calls", "figure_2"),
    3: ("fig_explorer", "figure_3"),
    4: ("fig_browser", "figure_4"),
    5: ("fig_notebooks", "figure_5"),
    6: ("fig_import", "figure_6"),
    7: ("fig_training", "figure_7"),
    8: ("fig_autograd", "figure_8"),
    9: ("fig_classroom", "figure_9"),
}
TITLES = {
    1: "forward + backward per call",
    2: "gradcheck's cost",
    3: "slider event -> view ready (kernel)",
    4: "browser slider latency",
    5: "executing the notebooks",
    6: "import time",
    7: "time to 95% on the digits",
    8: "the scalar autograd engine and the GraphExplorer",
    9: "a class on the JupyterHub",
}
DEFAULT_OUT = Path(__file__).resolve().parent


def parse_only(text):
    """'1,3' -> {1, 3}; None -> every figure. ValueError for anything else."""
    if text is None:
        return None
    try:
        only = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise ValueError(f"--only: expected figure numbers like 1,3, got {text!r}") from None
    if not only or not only <= set(FIGURES):
        raise ValueError(f"--only: expected numbers from 1 to {max(FIGURES)}, got {text!r}")
    return only


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="The course's speed figures; see benchmarks/__init__.py.",
        epilog="Figures: " + "; ".join(f"{n} {t}" for n, t in TITLES.items()),
    )
    p.add_argument("--quick", action="store_true", help="few repeats (development, smoke test)")
    p.add_argument("--only", metavar="N,M", help="run only these figures, e.g. --only 1,3")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write results.md and results.json here "
        "(default: benchmarks/ for a full run, nowhere for --quick/--only)",
    )
    p.add_argument("--no-write", action="store_true", help="print only, write no files")
    p.add_argument(
        "--samples", action="store_true", help="keep every timing sample in results.json"
    )
    p.add_argument("--strict", action="store_true", help="exit with status 1 if a target is missed")
    args = p.parse_args(argv)
    try:
        args.only = parse_only(args.only)
    except ValueError as e:
        p.error(str(e))
    return args


@contextlib.contextmanager
def one_thread():
    """BLAS (via threadpoolctl, if installed) and torch limited to one thread, then restored.

    The environment variables (set in __main__ before numpy loaded) already pin the thread
    pools; threadpoolctl also covers a pool that ignored them, and torch's intra-op pool is
    set explicitly.
    """
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=1))
        except ImportError:
            pass
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            stack.callback(torch.set_num_threads, before)
        yield


def run_figure(n, settings):
    """Measure figure n; a figure that raises becomes one ERROR row instead of a crash."""
    import importlib

    module, func = FIGURES[n]
    t0 = time.perf_counter()
    try:
        section = getattr(importlib.import_module(f".{module}", __package__), func)(settings)
    except Exception as e:  # noqa: BLE001 - report it and go on with the other figures
        traceback.print_exc()
        section = report.Section(n, TITLES[n], ["what", "result"])
        section.add([f"failed: {type(e).__name__}: {e}"[:300]], report.ERROR, {"error": repr(e)})
    section.seconds = time.perf_counter() - t0
    return section


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = config.QUICK if args.quick else config.FULL
    figures = sorted(args.only) if args.only else sorted(FIGURES)
    if args.no_write:
        out = None
    elif args.out:
        out = Path(args.out)
    else:
        out = DEFAULT_OUT if not (args.quick or args.only) else None
    started = time.perf_counter()
    with one_thread():
        facts = report.machine_facts()
        print(f"backprop_lib benchmarks ({settings.name} run), {facts['date']}")
        print(report.facts_line(facts).replace("`", ""))
        print(
            "median / p90 over repeats; ratios per repeat of interleaved runs; 1 thread.",
            flush=True,
        )
        sections = []
        for n in figures:
            print(f"\n[figure {n}: {TITLES[n]} ...]", flush=True)
            section = run_figure(n, settings)
            sections.append(section)
            print(report.section_text(section))
            print(f"   ({section.seconds:.1f} s)", flush=True)
    facts["load_average"]["end"] = report.load_average()
    print(f"\n{report.summary_line(sections)}  ({time.perf_counter() - started:.0f} s in all)")
    if report.load_line(facts):
        print(report.load_line(facts))
    if out is not None:
        for path in report.write(
            out, sections, facts, settings, args.only, keep_samples=args.samples
        ):
            print(f"wrote {path}")
    missed = report.count(sections)[report.MISS]
    return 1 if args.strict and missed else 0
