"""After a kernel restart the live views say, in words, what to do.

ipywidgets marks a view whose kernel has gone ``jupyter-widgets-disconnected`` and draws a bare
broken-link icon in front of it (and of each of its parts). The course's views
(``.bp-theme``) show ``theme.RESTART_NOTE`` ("... Run this cell again ...") there instead and
hide the icons. A small notebook with an Explorer and a TrainingView is run, its kernel
restarted, and the sentence checked on both. Screenshot: artifacts/screenshots/restart.png.
"""

from __future__ import annotations

import nbformat
import pytest
from bp_browser import (
    SCREENSHOT_DIR,
    current_server,
    open_notebook,
    run_all,
    settle,
    wait_kernel_idle,
)

from backprop_lib import theme

pytestmark = pytest.mark.browser

_CELLS = [
    "from backprop_lib import examples\nfrom backprop_lib.widgets import Explorer\n"
    "Explorer(examples.seed_000(), curve='w2_1_1')",
    "from backprop_lib.train_view import TrainingView\nTrainingView()",
]

_NOTES_JS = """() => [...document.querySelectorAll('.bp-explorer, .bp-train')].map(v => ({
  cls: v.className,
  note: getComputedStyle(v, '::before').content,
  icons: [...v.querySelectorAll('.jupyter-widgets-disconnected')]
           .map(e => getComputedStyle(e, '::before').content).filter(c => c && c !== 'none').length,
}))"""


def test_views_say_run_the_cell_again_after_a_restart(page):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in _CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    name = current_server().add_file("restart_check.ipynb", nbformat.writes(nb))
    open_notebook(page, name)
    run_all(page)
    before = page.evaluate(_NOTES_JS)
    assert len(before) == 2 and all("disconnected" not in v["cls"] for v in before), before
    page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()"
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.bp-explorer.jupyter-widgets-disconnected,"
        " .bp-train.jupyter-widgets-disconnected').length === 2",
        polling=100,
    )
    wait_kernel_idle(page)
    view = page.locator(".bp-explorer").first
    view.evaluate("e => e.scrollIntoView({block: 'start'})")
    settle(page)
    page.screenshot(path=str(SCREENSHOT_DIR / "restart.png"), animations="disabled")
    after = page.evaluate(_NOTES_JS)
    for v in after:
        assert v["note"] == f'"{theme.RESTART_NOTE}"', v
        assert v["icons"] == 0, f"{v['icons']} broken-link icons left in {v['cls']}"
    assert "Run this cell again" in page.locator(".bp-explorer").first.evaluate(
        "e => getComputedStyle(e, '::before').content"
    )
