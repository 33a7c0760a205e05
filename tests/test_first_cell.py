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
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-5]_*.ipynb"))
SENTENCE = (
    "backprop_lib is not installed for this kernel: in the course folder run "
    "`python course.py lab` (or `pip install -e .`, then restart the kernel)."
)


def first_code_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code")


def run_cells(sources: list[str]) -> list:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute(
        cwd=str(ROOT / "notebooks")
    )
    return nb.cells


@pytest.fixture(scope="module")
def without_course():
    """The five first cells, each run after hiding backprop_lib, in one kernel."""
    hide = "import sys; [sys.modules.pop(m) for m in list(sys.modules) if m.startswith('backprop_lib')]; sys.modules['backprop_lib'] = None"
    sources = []
    for path in NOTEBOOKS:
        sources += [hide, first_code_cell(path).source]
    cells = run_cells(sources)
    return dict(zip([p.name for p in NOTEBOOKS], cells[1::2]))


def test_five_notebooks_are_checked():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


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
    "`pip install -e '.[torch]'` (or `pip install torch==2.13.0`), then restart the "
    "kernel. Until then, each cell's stored output shows what it prints."
)


@pytest.mark.slow
def test_04_without_pytorch_says_what_to_install_in_one_sentence():
    """Notebook 04 runs PyTorch in almost every cell, behind one guard: its first cell. Without
    torch that cell says what to install, in one sentence and without a traceback, and stops Run
    All there (an error output), instead of guarding each cell with ``if HAS_TORCH:``."""
    (path,) = [p for p in NOTEBOOKS if p.name.startswith("04")]
    hide = (
        "import sys; [sys.modules.pop(m) for m in list(sys.modules) if m.split('.')[0] == 'torch']; "
        "sys.modules['torch'] = None"
    )
    cells = run_cells([hide, first_code_cell(path).source])
    errors = [o for o in cells[1].outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["PyTorchNotInstalled"], cells[1].outputs
    assert errors[0].traceback == [TORCH_SENTENCE]
    assert not [o for o in cells[1].outputs if o.output_type == "stream" and o.name == "stderr"]


def test_04_has_one_pytorch_guard():
    """One guard does the job: no cell of 04 tests for torch again (issue 15)."""
    (path,) = [p for p in NOTEBOOKS if p.name.startswith("04")]
    nb = nbformat.read(path, as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "raise PyTorchNotInstalled from None" in sources[0]
    assert not [s for s in sources if "HAS_TORCH" in s or "torch is None" in s]
    solutions = [c.source for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and not [s for s in solutions if "HAS_TORCH" in s]
