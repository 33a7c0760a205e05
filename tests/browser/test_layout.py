"""Layout at the window sizes learners and projectors have: 1024, 1280, 1366 and 1920 px wide,
with JupyterLab's left sidebar (the file browser) open and closed.

For each notebook with a live view, after Run All, at each size: in every live view
(``.bp-explorer``, ``.bp-train``, ``.bp-graph-explorer``) no two of its parts overlap (diagram, formula, terms table,
parameter table, step list, sliders, controls, curve), nothing sticks out of the notebook's
visible width, and the computation graph's smallest text is at least 12 CSS px.
In a notebook with an Explorer, also the last backward step (its upstream × local table) at
1400 px with the file browser open.
Screenshots: artifacts/screenshots/layout-<notebook>-<width>-<sidebar>.png and
layout-backward-1400-sidebar.png. By default the first notebook with an Explorer, the one with
the TrainingView and the one with the GraphExplorer; BP_LAYOUT_ALL=1 checks all.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from bp_browser import SCREENSHOT_DIR, discover_notebooks, open_notebook, run_all, slider_handle
from first_contact import graph_label_px, shoot_at

pytestmark = pytest.mark.browser

WIDTHS = (1024, 1280, 1366, 1920)
HEIGHT = 768


def _has_view(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any(c.cell_type == "code" and ("Explorer(" in c.source or "TrainingView(" in c.source)
               for c in nb.cells)


def _representatives(paths):
    """Every notebook with BP_LAYOUT_ALL=1; else the first with an Explorer and the first with a
    TrainingView (the views are the same code in every notebook; CI stays short)."""
    if os.environ.get("BP_LAYOUT_ALL") == "1":
        return paths
    picked = []
    for kind in ("Explorer(", "TrainingView(", "GraphExplorer("):
        for p in paths:
            if any(c.cell_type == "code" and kind in c.source for c in nbformat.read(p, as_version=4).cells):
                picked.append(p)
                break
    return picked


PARAMS = [pytest.param(p.name, id=p.stem)
          for p in _representatives([p for p in discover_notebooks() if _has_view(p)])]

_PARTS = ["svg.bp-graph", "[data-bp='formula']", "[data-bp='terms']", "table.bp-table:not(.bp-terms)",
          "[data-bp='steps']", ".bp-explorer > .widget-hbox > .widget-vbox:first-child", ".bp-curve",
          ".bp-graph-explorer > .widget-hbox > .widget-vbox:first-child",
          ".bp-graph-explorer > .widget-hbox:last-child",
          ".bp-explorer > .widget-hbox:not(:first-child)", ".bp-train svg", ".bp-train .widget-hbox"]

_LAYOUT_JS = """(parts) => {
  const problems = [];
  const nb = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer, .jp-NotebookPanel .jp-Notebook');
  const area = nb.getBoundingClientRect();
  for (const view of document.querySelectorAll('.bp-explorer, .bp-train, .bp-graph-explorer')) {
    const boxes = [];
    for (const sel of parts) for (const el of view.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) boxes.push({sel, el, r});
    }
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      // inside the notebook's visible width (a part in a horizontal scroller is reachable)
      if (!a.el.closest('.bp-scroll') && (a.r.right > area.right + 2 || a.r.left < area.left - 2))
        problems.push(`${a.sel} sticks out: ${Math.round(a.r.left)}–${Math.round(a.r.right)} of ${Math.round(area.left)}–${Math.round(area.right)}`);
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j];
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 2 && h > 2) problems.push(`${a.sel} overlaps ${b.sel} (${Math.round(w)}×${Math.round(h)} px)`);
      }
    }
  }
  return problems;
}"""


def _sidebar(page, open_: bool) -> None:
    if open_:
        page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    else:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    page.wait_for_timeout(400)  # the panel's resize and the notebook's relayout


@pytest.mark.parametrize("name", PARAMS)
def test_layout_at_every_width(page, name):
    open_notebook(page, name)
    run_all(page)
    problems = []
    view = page.locator(".bp-explorer, .bp-train, .bp-graph-explorer").first
    for width in WIDTHS:
        for sidebar in (False, True):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            _sidebar(page, sidebar)
            where = f"{width} px, sidebar {'open' if sidebar else 'closed'}"
            view.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(150)
            problems += [f"{where}: {p}" for p in page.evaluate(_LAYOUT_JS, _PARTS)]
            sizes = graph_label_px(page)
            if sizes and min(sizes) < 12 - 0.05:
                problems.append(f"{where}: graph text at {min(sizes):.1f} px")
            shoot_at(page, view, SCREENSHOT_DIR /
                     f"layout-{Path(name).stem}-{width}-{'sidebar' if sidebar else 'nosidebar'}.png")
    if page.locator(".bp-explorer").count():
        problems += _backward_step_at_1400(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, "\n".join(problems[:30])


def _backward_step_at_1400(page):
    """A backward step (the last: its upstream × local table shows) at 1400 px with the file
    browser open: the table must not overlap the parameter table (issue 10, point 4)."""
    page.set_viewport_size({"width": 1400, "height": HEIGHT})
    _sidebar(page, True)
    handle = slider_handle(page, "step", page.locator(".bp-explorer").first)
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("End")
    view = page.locator(".bp-explorer").first
    view.locator("[data-bp='terms']").first.wait_for(state="attached", timeout=30_000)
    view.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(150)
    shoot_at(page, view.locator("[data-bp='terms']").first, SCREENSHOT_DIR / "layout-backward-1400-sidebar.png")
    return [f"backward step, 1400 px, sidebar open: {p}" for p in page.evaluate(_LAYOUT_JS, _PARTS)]
