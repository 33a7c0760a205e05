"""Figure 5: executing every notebook, as ``make test-notebooks`` and ``make notebooks`` do.

Each repeat executes every notebooks/*.ipynb once, in order, with nbclient and a fresh kernel
per notebook (the kernel spec ``python3``, which jupyter_client starts with this very Python
interpreter). The notebooks run from a temporary copy of notebooks/, so nothing in the
repository is touched, and the executed results are thrown away (the kernels' stderr goes to a
log there too). A notebook's time includes
starting and stopping its kernel, as a learner's "Restart & Run All" does.
Target: at most 60 s for the whole set (per repeat, median).
"""

import contextlib
import shutil
import tempfile
import time
from pathlib import Path

from . import stats
from .report import ERROR, NONE, REPO_ROOT, SKIP, Section, med_p90

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
MAX_TOTAL_S = 60.0


def notebooks(directory=NOTEBOOK_DIR):
    return sorted(p for p in Path(directory).glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute(path, timeout, stderr=None):
    """Execute the notebook at ``path`` in a fresh kernel, with ``path``'s folder as cwd.

    stderr: a file for the kernel process's stderr (default: this process's)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(**({} if stderr is None else {"stderr": stderr}))


def figure_5(settings, directory=NOTEBOOK_DIR):
    s = Section(
        5,
        "executing the notebooks with nbclient (s; a fresh kernel each)",
        ["notebook", "seconds", f"target: total ≤ {MAX_TOTAL_S:g} s", "result"],
    )
    paths = notebooks(directory)
    if not paths:
        s.add(
            [f"not measured: no notebooks in {directory.name}/ yet", "—", "—"],
            SKIP,
            {"notebooks": []},
        )
        return s
    tmp = Path(tempfile.mkdtemp(prefix="bp-bench-notebooks-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        copy = tmp / "notebooks"
        shutil.copytree(directory, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        names = [p.name for p in paths]
        seconds = {n: [] for n in names}
        errors = {}
        totals = []
        # the kernels' own chatter (e.g. ipykernel's warning about unencrypted local TCP)
        # goes to a log in the temporary folder instead of the table
        log = stack.enter_context(open(tmp / "kernels-stderr.log", "w"))
        for _ in range(settings.notebook_repeats):
            total = 0.0
            for name in names:
                if name in errors:
                    continue
                t0 = time.perf_counter()
                try:
                    execute(copy / name, settings.notebook_timeout_s, stderr=log)
                except Exception as e:  # noqa: BLE001 - CellExecutionError, timeouts, a dead kernel
                    errors[name] = f"{type(e).__name__}: {_first_line(e)}"
                    continue
                dt = time.perf_counter() - t0
                seconds[name].append(dt)
                total += dt
            totals.append(total)
    for name in names:
        if name in errors:
            s.add(
                [name, f"failed: {errors[name]}", ""],
                ERROR,
                {"notebook": name, "error": errors[name]},
            )
        else:
            summ = stats.summary(seconds[name], "s")
            s.add([name, med_p90(summ), ""], NONE, {"notebook": name, "seconds": summ})
    total = stats.summary(totals, "s")
    if errors:
        result = f"{ERROR} ({len(errors)} notebook{'s' if len(errors) > 1 else ''} failed)"
    else:
        result = [(f"total ≤ {MAX_TOTAL_S:g} s", total["median"] <= MAX_TOTAL_S)]
    s.add(
        [
            f"**all {len(names)} notebook{'s' if len(names) > 1 else ''}**",
            med_p90(total),
            f"≤ {MAX_TOTAL_S:g}",
        ],
        result,
        {"total_seconds": total, "errors": errors},
    )
    s.notes.append(
        f"{settings.notebook_repeats} repeat(s) of the whole set; the total is summed per repeat."
        + (" A failed notebook is left out of the total." if errors else "")
    )
    return s


def _first_line(e):
    text = str(e).strip()
    # nbclient's CellExecutionError starts with the cell's source; its last line names the error
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else repr(e))[:200]
