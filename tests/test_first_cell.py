"""Each notebook's first code cell, in a Jupyter that does not have the course installed.

A learner who opens a notebook in a bare Jupyter, Colab or a hub without `backprop_lib` must see
one sentence saying what to run, never a traceback. The kernel here is real (ipykernel through
nbclient); `backprop_lib` is made unimportable in it the way a missing package is:
``sys.modules["backprop_lib"] = None`` makes ``import backprop_lib`` raise ModuleNotFoundError.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-6]_*.ipynb"))
SENTENCE = (
    "backprop_lib is not installed for this kernel: in the course folder run "
    '`python course.py lab` (or `pip install -e ".[course]"`, then restart the kernel).'
)


def first_code_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code")


def run_cells(sources: list[str]) -> list:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3").execute(
        cwd=str(ROOT / "notebooks")
    )
    return nb.cells


@pytest.fixture(scope="module")
def without_course():
    """The six first cells, each run after hiding backprop_lib, in one kernel."""
    hide = "import sys; [sys.modules.pop(m) for m in list(sys.modules) if m.startswith('backprop_lib')]; sys.modules['backprop_lib'] = None"
    sources = []
    for path in NOTEBOOKS:
        sources += [hide, first_code_cell(path).source]
    cells = run_cells(sources)
    return dict(zip([p.name for p in NOTEBOOKS], cells[1::2]))


def test_every_notebook_is_checked():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_first_cell_says_what_to_run_without_a_traceback(without_course, name):
    outputs = without_course[name].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1, outputs
    assert errors[0].ename == "CourseNotInstalled"
    # What the learner sees is the traceback list: exactly the one sentence.
    assert errors[0].traceback == [SENTENCE]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], outputs


@pytest.mark.slow
def test_another_missing_package_is_not_hidden():
    # Only a missing backprop_lib is explained; any other missing module keeps its own error.
    source = first_code_cell(NOTEBOOKS[0]).source
    end = "raise CourseNotInstalled from None"
    guard = source[: source.index(end) + len(end)]
    cells = run_cells([guard.replace("import backprop_lib as bp", "import numpy_is_not_here")])
    assert [o.ename for o in cells[0].outputs] == ["ModuleNotFoundError"]
    assert "numpy_is_not_here" in cells[0].outputs[0].evalue


TORCH_SENTENCE = (
    "PyTorch is not installed for this kernel: in the course folder run "
    "`python course.py lab` (it installs PyTorch's CPU build), then restart the "
    "kernel. Until then, each cell's stored output shows what it prints."
)
TORCH_GUARD = "raise PyTorchNotInstalled from None"
# the PyTorch part of 04 is the whole notebook (its guard is the first code cell); of 05, the
# last section (its guard opens it)
TORCH_NOTEBOOKS = {"04": "first code cell", "05": "torch-import"}


def _torch_guard(prefix):
    (path,) = [p for p in NOTEBOOKS if p.name.startswith(prefix)]
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    where = TORCH_NOTEBOOKS[prefix]
    guard = code[0] if where == "first code cell" else next(c for c in code if c.id == where)
    return nb, code, guard


@pytest.mark.slow
@pytest.mark.parametrize("prefix", sorted(TORCH_NOTEBOOKS))
def test_without_pytorch_one_cell_says_what_to_install(prefix):
    """The PyTorch part of 04 and of 05 sits behind one guard. Without torch that cell says what
    to install, in one sentence and without a traceback, and stops Run All there (an error
    output), instead of guarding each cell with ``if HAS_TORCH:``."""
    _, code, guard = _torch_guard(prefix)
    hide = (
        "import sys; [sys.modules.pop(m) for m in list(sys.modules) if m.split('.')[0] == 'torch']; "
        "sys.modules['torch'] = None"
    )
    setup = [] if guard is code[0] else [code[0].source]  # the notebook's imports first
    cells = run_cells(setup + [hide, guard.source])
    outputs = cells[-1].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["PyTorchNotInstalled"], outputs
    assert errors[0].traceback == [TORCH_SENTENCE]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.parametrize("prefix", sorted(TORCH_NOTEBOOKS))
def test_one_pytorch_guard(prefix):
    """One guard does the job (issue 15): no other cell of 04 or 05 tests for torch again."""
    nb, code, guard = _torch_guard(prefix)
    assert TORCH_GUARD in guard.source
    others = [
        c.id
        for c in code
        if c is not guard
        and any(w in c.source for w in ("HAS_TORCH", "torch is None", TORCH_GUARD))
    ]
    assert not others
    solutions = [c.source for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert not [s for s in solutions if "HAS_TORCH" in s]
