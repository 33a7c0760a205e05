"""At a laptop's 1366×768 the slider being dragged and the loss curve's dot are on screen
together, and the close-up shows the region the text discusses.

A small notebook with notebook 02's Explorer (seed 000, curve of w²₁₁ with its tangent) is run
at 1366×768 (file browser closed, as JupyterLab opens the course). The w²₁₁ slider is scrolled
to the middle of the notebook; both curve dots (the whole curve and the close-up) must then lie
inside the notebook's visible area with the slider's handle, and pressing → on the handle must
move the whole curve's dot (the kernel redraws). Then the presenter toggle, pressed with the
keyboard, must keep the keyboard focus across the view's redraw. Screenshot: artifacts/screenshots/curve-1366x768.png.
"""

from __future__ import annotations

import nbformat
import pytest
from bp_browser import SCREENSHOT_DIR, current_server, open_notebook, run_all, settle, slider_handle

pytestmark = pytest.mark.browser

_CELL = (
    "from backprop_lib import examples\nfrom backprop_lib.widgets import Explorer\n"
    "Explorer(examples.seed_000(), curve='w2_1_1', tangent=True, start='backward')"
)

_VISIBLE_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').getBoundingClientRect();
  const top = Math.max(0, nb.top), bottom = Math.min(innerHeight, nb.bottom);
  const els = [...document.querySelectorAll("[data-bp='curve-point']"),
               ...[...document.querySelectorAll('.noUi-handle')].filter(h => h.getAttribute('aria-label') === 'w²₁₁')];
  return els.map(e => { const r = e.getBoundingClientRect();
    return {what: e.getAttribute('data-bp') || 'slider', top: Math.round(r.top), bottom: Math.round(r.bottom),
            inside: r.top >= top - 1 && r.bottom <= bottom + 1 && r.left >= nb.left && r.right <= nb.right}; });
}"""


def _dots(page):
    return page.locator("[data-bp='curve-point']")


def test_slider_and_curve_dot_on_screen_together_at_1366x768(page):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_CELL)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    name = current_server().add_file("curve_check.ipynb", nbformat.writes(nb))
    page.set_viewport_size({"width": 1366, "height": 768})
    try:
        open_notebook(page, name)
        run_all(page)
        handle = slider_handle(page, "w²₁₁")
        handle.evaluate("e => e.scrollIntoView({block: 'center'})")
        settle(page)
        assert _dots(page).count() == 2, "expected the whole curve and its close-up"
        where = page.evaluate(_VISIBLE_JS)
        assert len(where) == 3 and all(w["inside"] for w in where), where
        before = _dots(page).first.get_attribute("cx")  # (the close-up stays centred on its dot)
        for _ in range(5):
            handle.press("ArrowRight")
        page.wait_for_function(
            "(b) => document.querySelector(\"[data-bp='curve-point']\").getAttribute('cx') !== b",
            arg=before,
            polling=100,
        )
        settle(page)
        page.screenshot(path=str(SCREENSHOT_DIR / "curve-1366x768.png"), animations="disabled")
        # the presenter toggle, pressed from the keyboard, keeps the focus across the redraw
        toggle = page.locator(".bp-explorer button.widget-toggle-button", has_text="presenter view")
        toggle.focus()
        page.keyboard.press("Space")
        page.wait_for_function(
            "() => document.querySelector('.bp-explorer.bp-presenter')", polling=100
        )
        page.wait_for_function(
            "() => (document.activeElement.textContent || '').trim() === 'presenter view'",
            polling=100,
        )
        assert toggle.get_attribute("aria-pressed") == "true"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
