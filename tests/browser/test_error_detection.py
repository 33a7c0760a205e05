"""The suite sees errors, from any checkout path (issue 14, defect 8).

A notebook in a folder more than 300 characters deep (a student's ~/courses/2026/... and then
some) has a cell whose slider calls into a module in that folder through 13 frames, and then a
cell that raises. Run All through JupyterLab's Run menu stops at the raising cell, and
``assert_no_errors`` must report that cell's error (and no callback error yet); a key press on
the slider makes the callback raise, which shows in no cell but in the log console, and
``assert_no_errors`` must report it with its message, which comes last, after every long path:
the whole log text is matched, never a cut of it.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from bp_browser import (
    SEL,
    assert_no_errors,
    current_server,
    open_notebook,
    press_slider,
    run_all,
    slider_handle,
)

DEEP = os.path.join(*["a-checkout-folder-nested-deep-like-courses-2026-spring-backprop"] * 5)
# distinct functions: Python folds repeated identical frames into one line
MODULE = "".join(
    f"def level{i}(change):\n    return level{i + 1}(change)\n\n\n" for i in range(12)
) + (
    "def level12(change):\n    raise RuntimeError('deliberate callback error from a long path')\n\n\n"
    "boom = level0\n"
)
CELLS = [
    "import sys\nsys.path.insert(0, {deep!r})\nimport ipywidgets as widgets\n"
    "from deep_callback import boom\n\n"
    "deep = widgets.IntSlider(value=0, min=0, max=5, description='deep')\n"
    "deep.observe(boom, names='value')\ndeep",
    "raise ValueError('deliberate error in a cell')",
    "print('never runs: Run All stops at the error above')",
]


def test_errors_are_detected_from_a_long_path(page):
    server = current_server()
    deep = server.root_dir / DEEP
    server.add_file(os.path.join(DEEP, "deep_callback.py"), MODULE)
    assert len(str(deep)) > 300
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c.format(deep=str(deep))) for c in CELLS]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    name = server.add_file(os.path.join(DEEP, "long_path_error.ipynb"), nbformat.writes(nb))
    open_notebook(page, name)
    run_all(page, via="menu")  # returns although the run stops at the error
    with pytest.raises(AssertionError, match="deliberate error in a cell") as exc:
        assert_no_errors(page)
    assert "callback" not in str(exc.value)
    assert page.locator(SEL.code_cell).nth(2).locator(SEL.output).count() == 0

    press_slider(page, slider_handle(page, "deep"), "ArrowRight")
    page.locator(SEL.log_console_status).filter(has_text="1").wait_for()
    with pytest.raises(AssertionError) as exc:
        assert_no_errors(page)
    text = str(exc.value)
    assert "log console (widget callback)" in text
    assert len(text) > 12 * 300  # longer than the old 3000-character cut
    assert "deliberate callback error from a long path" in text
