"""The worked solutions: hidden from Run All, one click away, and each one right.

Design (the contract with the student edition, which deletes the cells tagged ``solution``):

* every solution lives only in a *markdown* cell tagged ``solution`` (cell metadata ``tags``):
  a folded ``<details><summary>Show the solution …</summary>`` around a fenced ``python``
  block. Markdown is never executed, so Run All shows no solution and no solution output; a
  markdown ``<details>`` stays folded in JupyterLab (trusted or not), on a repository website
  and on the exported pages; one click on "Show the solution" opens it;
* no other cell holds a solution or shows the expected value: no committed output outside the
  solution cells says "✔ correct", and the exercise cells' committed output is the check's
  "no answer yet";
* each solution's code, run after the notebook's code cells above it, passes its own check
  (below), so a solution cannot rot although nothing executes it.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0*.ipynb"))
FENCE = re.compile(r"```python\n(.*?)\n```", re.S)


def _solutions(nb):
    return [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solutions_are_folded_markdown_and_reveal_nothing(path):
    nb = nbformat.read(path, as_version=4)
    for c in _solutions(nb):
        assert c.cell_type == "markdown", f"{path.name} cell {c.id}: a solution must be markdown"
        assert c.source.startswith("<details><summary>"), f"cell {c.id}: not folded"
        assert "<details open" not in c.source
        assert FENCE.search(c.source), f"cell {c.id}: no ```python block"
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        assert "solution" not in c.metadata.get("tags", [])
        for out in c.get("outputs", []):
            text = str(out.get("text", "")) + str(out.get("data", {}))
            assert "✔ correct" not in text, (
                f"{path.name} cell {c.id}: a committed output shows a checked answer"
            )
        if "exercise" in c.metadata.get("tags", []):
            shown = str(c.get("outputs", ""))
            # a value exercise says "no answer yet"; an engine exercise (06) runs check_engine
            # on the unfinished class, which says what is missing ("✘ not yet"), never a value
            assert "no answer yet" in shown or "✘ not yet" in shown, (
                f"{path.name} cell {c.id}: the exercise is answered"
            )


class _Display(list):
    def __call__(self, *objs, **_kw):
        self.extend(objs)


def _feedback(value):
    from backprop_lib.check_engine import EngineReport
    from backprop_lib.exercises import Feedback

    # notebook 06's engine exercises end with check_engine's report
    return value if isinstance(value, (Feedback, EngineReport)) else None


WITH_SOLUTIONS = [p for p in NOTEBOOKS if _solutions(nbformat.read(p, as_version=4))]


@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_SOLUTIONS, ids=[p.stem for p in WITH_SOLUTIONS])
def test_each_solution_passes_its_check(path, monkeypatch, tmp_path):
    """Run the notebook's code cells in order (in this process, headless), and at each solution
    run its code too: the check it ends with must say correct."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(path.parent)
    nb = nbformat.read(path, as_version=4)
    shown = _Display()
    ns = {"__name__": "__main__"}
    checked = 0
    for c in nb.cells:
        if c.cell_type == "code":
            src = "\n".join(
                ln for ln in c.source.splitlines() if not ln.lstrip().startswith(("%", "!"))
            )
            exec(compile(src, f"{path.name}:{c.id}", "exec"), ns)  # noqa: S102 - our notebooks
            ns["display"] = shown  # after the notebook's own imports
        elif "solution" in c.metadata.get("tags", []):
            code = FENCE.search(c.source).group(1)
            tree = ast.parse(code)
            last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
            del shown[:]
            exec(compile(tree, f"{path.name}:{c.id} (solution)", "exec"), ns)  # noqa: S102
            results = list(shown)
            if last is not None:
                results.append(eval(compile(ast.Expression(last.value), c.id, "eval"), ns))  # noqa: S307
            feedback = [f for f in map(_feedback, results) if f is not None]
            assert feedback, f"{path.name} solution {c.id}: its code does not end with a check"
            assert all(f.ok for f in feedback), f"{path.name} solution {c.id}: {feedback}"
            checked += 1
    assert checked == len(_solutions(nb))
