"""Jupyter Notebook 7 (the ``notebook`` package, served by the same Jupyter server as the
JupyterLab tests at ``/notebooks/<name>``) renders every notebook's live views.

For each notebook: open it in Notebook 7, Run › Run All Cells from the menu, wait until every
code cell has run, and check that as many live views show as the notebook has widget outputs
(``.bp-explorer`` / ``.bp-train``, each with its view drawn), that no widget failed to render,
and that no cell raised. Screenshot: artifacts/screenshots/nb7-<notebook>.png.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from bp_browser import (
    NOTEBOOKS_DIR,
    RUN_ALL_TIMEOUT,
    SCREENSHOT_DIR,
    SEL,
    collect_errors,
    current_server,
    discover_notebooks,
    wait_widgets_loaded,
)

pytestmark = pytest.mark.browser
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PARAMS = [pytest.param(p.name, id=p.stem) for p in discover_notebooks()]


def _live_views(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(WIDGET_MIME in out.get("data", {}) for c in nb.cells for out in c.get("outputs", ()))


_STATE_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-CodeCell')];
  let waiting = 0;
  for (const c of cells) {
    const p = (c.querySelector('.jp-InputArea-prompt')?.textContent || '').trim();
    const src = (c.querySelector('.jp-InputArea-editor .cm-content')?.textContent || '').trim();
    if (src && !/\\[\\d+\\]/.test(p)) waiting++;
  }
  return {cells: cells.length, waiting};
}"""


def _wait_kernel_connected(server, name, timeout=120.0):
    """The server's session for ``name`` has a kernel, idle, with the page connected to it."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        for s in server.api("GET", "/api/sessions"):
            if s.get("path", "").endswith(name) and s.get("kernel"):
                seen = k = s["kernel"]
                if k.get("execution_state") == "idle" and k.get("connections", 0) >= 1:
                    time.sleep(0.5)  # the page's kernel connection settles
                    return
        time.sleep(0.2)
    raise AssertionError(f"no idle kernel connected to {name} after {timeout}s: {seen}")


@pytest.mark.parametrize("name", PARAMS)
def test_notebook7_renders_the_widgets(page, lab_server, name):
    pytest.importorskip("notebook")
    server = current_server()
    page.goto(f"{server.base_url}/notebooks/{name}?token={server.token}", wait_until="domcontentloaded")
    page.locator(SEL.notebook_panel).first.wait_for(state="visible", timeout=120_000)
    _wait_kernel_connected(server, name)
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    page.locator(SEL.menubar_item, has_text=re.compile(r"^\s*Run\s*$")).first.click()
    page.locator(SEL.menu_item, has_text="Run All Cells").first.click()
    while True:
        state = page.evaluate(_STATE_JS)
        if state["waiting"] == 0 and state["cells"]:
            break
        assert time.monotonic() < deadline, f"Run All did not finish: {state}"
        time.sleep(0.2)
    page.wait_for_function(
        "() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'",
        timeout=60_000, polling=200)
    wait_widgets_loaded(page)
    want = _live_views(NOTEBOOKS_DIR / name)
    views = page.locator(".bp-explorer, .bp-train, .bp-graph-explorer")
    if want:
        page.locator(".bp-explorer [data-bp='view'], .bp-train svg, "
                     ".bp-graph-explorer [data-bp='expr-view']").first.wait_for(
            state="attached", timeout=30_000)
    errors = collect_errors(page)
    assert not errors, "\n\n".join(e[:2000] for e in errors)
    assert views.count() == want, f"{views.count()} live views shown, the notebook has {want}"
    drawn = page.locator(".bp-explorer svg.bp-graph, .bp-train svg, .bp-graph-explorer svg.bp-graph").count()
    assert drawn >= want, f"only {drawn} of {want} live views drew their picture"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    if want:
        views.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT_DIR / f"nb7-{Path(name).stem}.png"))
