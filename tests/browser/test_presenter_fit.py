"""What issue 10 (points 5 and 6) asks of the Explorer, as JupyterLab opens: with the file
browser OPEN.

* ``test_dragged_slider_and_dot_on_screen_with_the_file_browser_open``: notebook 01's Explorer
  (its cell, taken from the notebook) at 1366×768 with the file browser open. With the w²₁₁
  slider's handle scrolled to the middle of the notebook, the handle and both curve dots (the
  whole curve and the close-up) lie inside the notebook's visible area; pressing → on the handle
  moves the dot (the kernel redraws) and they are still all inside. The edge legend and the
  curve legend end inside their view (nothing clipped at the right), in light and dark theme.
* ``test_presenter_view_with_the_sidebar_open``: the same Explorer at 1280×720 with the file
  browser open. Pressing "presenter view" (keyboard: the focus stays on the toggle and it says
  aria-pressed="true") collapses the sidebar; scrolled to its top, the presenter view then has
  the diagram and the formula side by side and every slider, all inside the notebook's visible
  area. Pressing it again reopens the file browser.
* ``test_screenshots_at_three_sizes``: the Explorer, normal and presenter, in light and dark
  theme at 1280×720, 1366×768 and 1920×1080 with the file browser open; at each, no slider or
  legend is clipped at the notebook's right edge.

* ``test_nothing_clipped_at_any_width``: the normal layout at 1024 to 1920 px wide (eight
  widths), file browser open and closed: no legend and no slider row ends past its view or the
  notebook's right edge, and none overflows its own box.

* ``test_graph_explorer_toggle_keeps_focus``: notebook 06's GraphExplorer (on the same base):
  its presenter toggle, pressed from the keyboard, keeps the focus and says aria-pressed, and
  the view takes its presenter layout.

The four Explorer checks share one page and one kernel (the ``fit`` fixture; conftest.py's
scheduler keeps this file on one worker); each leaves it as it found it: light theme, presenter
view off, the weight back where it was. Screenshots: artifacts/screenshots/fit-*.png. Waits are
conditions only.
"""

from __future__ import annotations

import nbformat
import pytest
from bp_browser import (
    NOTEBOOKS_DIR,
    SCREENSHOT_DIR,
    SEL,
    close_documents,
    current_server,
    open_notebook,
    run_all,
    run_command,
    settle,
    slider_handle,
    wait_data,
)
from conftest import leave_artifacts
from first_contact import set_theme

pytestmark = pytest.mark.browser

SIZES = ((1280, 720), (1366, 768), (1920, 1080))
THEMES = ("JupyterLab Light", "JupyterLab Dark")
TOL = 2  # px


def _explorer_cell() -> str:
    """Notebook 01's Explorer cell, with the imports it needs."""
    nb = nbformat.read(NOTEBOOKS_DIR / "01_forward_pass.ipynb", as_version=4)
    src = next(c.source for c in nb.cells if c.cell_type == "code" and "Explorer(" in c.source)
    return "from backprop_lib import examples\nfrom backprop_lib.widgets import Explorer\n" + src


def _open(page, width, height, cell=None):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell or _explorer_cell())])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    name = "fit_check.ipynb" if cell is None else "fit_graph_check.ipynb"
    current_server().add_file(name, nbformat.writes(nb))
    page.set_viewport_size({"width": width, "height": height})
    open_notebook(page, name)
    run_all(page)
    _file_browser(page, True)
    if cell is None:
        page.locator(".bp-explorer [data-bp='curve-point']").first.wait_for(state="visible")


@pytest.fixture(scope="module")
def fit(lab_page, lab_server):
    """Notebook 01's Explorer cell alone, opened and run once for the four Explorer checks."""
    pg = lab_page()
    try:
        _open(pg, 1366, 768)
        yield pg
    finally:
        close_documents(pg)
        lab_server.shutdown_sessions("fit_check.ipynb")


def _fit_page(fit, request, width, height):
    """The shared page at ``width``×``height`` with the file browser open."""
    fit.set_viewport_size({"width": width, "height": height})
    _file_browser(fit, True)
    request.addfinalizer(lambda: leave_artifacts(fit, request))  # if the test failed
    return fit


_SIDEBAR_OPEN_JS = (
    "() => !!document.querySelector('.jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current')"
)


def _wait_sidebar(page, open_: bool):
    page.wait_for_function(
        f"() => ({_SIDEBAR_OPEN_JS})() === {'true' if open_ else 'false'}",
        timeout=15_000,
        polling=100,
    )
    settle(page)


def _file_browser(page, open_: bool):
    if open_:
        page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    else:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    _wait_sidebar(page, open_)


# Boxes of what must be on screen, and the notebook's visible area.
_WHERE_JS = """([label]) => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').getBoundingClientRect();
  const area = {left: Math.max(0, nb.left), top: Math.max(0, nb.top),
                right: Math.min(innerWidth, nb.right), bottom: Math.min(innerHeight, nb.bottom)};
  const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const root = document.querySelector('.bp-explorer');
  const out = {area, dots: [...root.querySelectorAll("[data-bp='curve-point']")].map(box),
    handles: [...root.querySelectorAll('.noUi-handle')].filter(h => h.getAttribute('aria-label') !== 'step')
      .map(h => Object.assign(box(h), {label: h.getAttribute('aria-label')})),
    graph: [...root.querySelectorAll('svg.bp-graph')].map(box),
    formula: [...root.querySelectorAll("[data-bp='formula']")].map(box),
    clipped: []};
  out.handle = out.handles.filter(h => h.label === label);
  // legends and slider rows that end past their view or the notebook (clipped at the right)
  for (const el of root.querySelectorAll('.bp-legend, .widget-slider')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const view = el.closest('.bp-view') || root;
    const right = Math.min(view.getBoundingClientRect().right, area.right);
    if (r.right > right + 2 || el.scrollWidth > el.clientWidth + 2)
      out.clipped.push(`${el.className.split(' ')[0]} "${el.textContent.trim().slice(0, 40)}" ends at ${Math.round(r.right)}, its view at ${Math.round(right)}`);
  }
  return out;
}"""


def _inside(b, area):
    return (
        b["left"] >= area["left"] - TOL
        and b["right"] <= area["right"] + TOL
        and b["top"] >= area["top"] - TOL
        and b["bottom"] <= area["bottom"] + TOL
    )


def _fmt(b):
    return f"x {b['left']:.0f}–{b['right']:.0f}, y {b['top']:.0f}–{b['bottom']:.0f}"


def _shot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"fit-{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    return path


def _center(loc):
    loc.evaluate("e => e.scrollIntoView({block: 'center'})")
    loc.page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


NET_VIEW = ".bp-explorer .bp-view[data-net]"  # its network, as JSON


def _weight(page, test_js="() => true", w=None):
    """w²₁₁ as the view's network has it, once ``test_js`` ((data, w) => bool) holds."""
    return wait_data(page, NET_VIEW, "data-net", test_js, w)["params"]["w2_1_1"]


def test_dragged_slider_and_dot_on_screen_with_the_file_browser_open(fit, request):
    page = _fit_page(fit, request, 1366, 768)
    w0 = _weight(page)
    problems = []
    try:
        for theme in THEMES:
            set_theme(page, theme, run_command)
            handle = slider_handle(page, "w²₁₁")
            _center(handle)
            where = page.evaluate(_WHERE_JS, ["w²₁₁"])
            shot = _shot(page, f"1366x768-filebrowser-{theme.split()[-1].lower()}")
            things = [("the w²₁₁ handle", b) for b in where["handle"]] + [
                (f"curve dot {k + 1}", b) for k, b in enumerate(where["dots"])
            ]
            if len(where["dots"]) != 2 or len(where["handle"]) != 1:
                problems.append(f"{theme}: expected 2 dots and 1 handle, got {things}")
            problems += [
                f"{theme}: {what} off screen ({_fmt(b)}; notebook {_fmt(where['area'])}); see {shot}"
                for what, b in things
                if not _inside(b, where["area"])
            ]
            problems += [f"{theme}: clipped: {c}" for c in where["clipped"]]
        # drag: the dot moves, and stays on screen with the handle
        before = page.locator("[data-bp='curve-point']").first.get_attribute("cx")
        handle = slider_handle(page, "w²₁₁")
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(b) => document.querySelector(\"[data-bp='curve-point']\").getAttribute('cx') !== b",
            arg=before,
            timeout=30_000,
            polling=100,
        )
        where = page.evaluate(_WHERE_JS, ["w²₁₁"])
        _shot(page, "1366x768-filebrowser-dragged")
        problems += [
            f"after dragging: {what} off screen ({_fmt(b)})"
            for what, b in [("handle", where["handle"][0])] + [("dot", d) for d in where["dots"]]
            if not _inside(b, where["area"])
        ]
    finally:
        set_theme(page, "JupyterLab Light", run_command)
        slider_handle(page, "w²₁₁").focus()  # the weight back where it was, for the next test
        for _ in range(5):
            page.keyboard.press("ArrowLeft")
        _weight(page, "(d, w) => Math.abs(d.params.w2_1_1 - w) < 1e-9", w0)
    assert not problems, "\n".join(problems)


def _presenter_problems(where):
    problems = []
    graph, formula = where["graph"][0], where["formula"][0]
    if formula["left"] < graph["right"] - TOL or not (
        formula["top"] < graph["bottom"] and graph["top"] < formula["bottom"]
    ):
        problems.append(f"diagram ({_fmt(graph)}) and formula ({_fmt(formula)}) not side by side")
    things = [("diagram", graph), ("formula", formula)] + [
        (f"slider {h['label']}", h) for h in where["handles"]
    ]
    problems += [
        f"{what} off screen ({_fmt(b)}; notebook {_fmt(where['area'])})"
        for what, b in things
        if not _inside(b, where["area"])
    ]
    return problems + [f"clipped: {c}" for c in where["clipped"]]


def _scroll_top(page):
    page.locator(".bp-explorer").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _toggle(page, on: bool):
    toggle = page.locator(
        ".bp-explorer button.widget-toggle-button", has_text="presenter view"
    ).first
    toggle.scroll_into_view_if_needed()
    toggle.focus()
    page.keyboard.press("Space")
    page.wait_for_function(
        f"() => !!document.querySelector('.bp-explorer.bp-presenter') === {'true' if on else 'false'}",
        timeout=30_000,
        polling=100,
    )
    page.locator(
        f".bp-explorer {SEL.view}" + (".bp-presenter" if on else ":not(.bp-presenter)")
    ).first.wait_for(state="attached", timeout=15_000)
    return toggle


def test_presenter_view_with_the_sidebar_open(fit, request):
    page = _fit_page(fit, request, 1280, 720)
    toggle = _toggle(page, True)
    page.wait_for_function(
        "() => (document.activeElement.textContent || '').trim() === 'presenter view'",
        timeout=10_000,
        polling=100,
    )
    assert toggle.get_attribute("aria-pressed") == "true"
    _wait_sidebar(page, False)  # the presenter view collapsed the file browser
    _scroll_top(page)
    shot = _shot(page, "presenter-1280x720-from-filebrowser")
    problems = _presenter_problems(page.evaluate(_WHERE_JS, ["w²₁₁"]))
    assert not problems, "\n".join(problems) + f"\nsee {shot}"
    _toggle(page, False)
    _wait_sidebar(page, True)  # and turning it off brings the file browser back
    assert page.locator("#filebrowser").first.is_visible()
    assert toggle.get_attribute("aria-pressed") == "false"


def test_screenshots_at_three_sizes(fit, request):
    page = _fit_page(fit, request, 1280, 720)
    problems = []
    try:
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            settle(page)
            for theme in THEMES:
                set_theme(page, theme, run_command)
                t = theme.split()[-1].lower()
                _scroll_top(page)
                where = page.evaluate(_WHERE_JS, ["w²₁₁"])
                _shot(page, f"{width}x{height}-{t}")
                problems += [f"{width}×{height} {t}: clipped: {c}" for c in where["clipped"]]
            _toggle(page, True)
            _wait_sidebar(page, False)
            for theme in THEMES:
                set_theme(page, theme, run_command)
                t = theme.split()[-1].lower()
                _scroll_top(page)
                where = page.evaluate(_WHERE_JS, ["w²₁₁"])
                _shot(page, f"presenter-{width}x{height}-{t}")
                problems += [
                    f"presenter {width}×{height} {t}: {p}" for p in _presenter_problems(where)
                ]
            _toggle(page, False)
            _wait_sidebar(page, True)
    finally:
        set_theme(page, "JupyterLab Light", run_command)
    assert not problems, "\n".join(problems)


WIDTHS = (1024, 1100, 1180, 1280, 1366, 1440, 1600, 1920)


def test_nothing_clipped_at_any_width(fit, request):
    page = _fit_page(fit, request, 1280, 768)
    problems = []
    for sidebar in (True, False):
        _file_browser(page, sidebar)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 768})
            settle(page)
            _scroll_top(page)
            where = page.evaluate(_WHERE_JS, ["w²₁₁"])
            problems += [
                f"{width} px, file browser {'open' if sidebar else 'closed'}: {c}"
                for c in where["clipped"]
            ]
            if where["clipped"]:
                _shot(page, f"clipped-{width}-{'filebrowser' if sidebar else 'nosidebar'}")
    assert not problems, "\n".join(problems)


def test_graph_explorer_toggle_keeps_focus(page):
    nb = nbformat.read(NOTEBOOKS_DIR / "06_autograd.ipynb", as_version=4)
    src = next(c.source for c in nb.cells if c.cell_type == "code" and "GraphExplorer(" in c.source)
    _open(page, 1366, 768, "from backprop_lib.graph_explorer import GraphExplorer\n" + src)
    toggle = page.locator(
        ".bp-graph-explorer button.widget-toggle-button", has_text="presenter view"
    ).first
    toggle.scroll_into_view_if_needed()
    toggle.focus()
    page.keyboard.press("Space")
    page.locator(".bp-graph-explorer.bp-presenter .bp-view.bp-presenter").first.wait_for(
        state="attached", timeout=30_000
    )
    page.wait_for_function(
        "() => (document.activeElement.textContent || '').trim() === 'presenter view'"
        " && !!document.activeElement.closest('.bp-graph-explorer')",
        timeout=10_000,
        polling=100,
    )
    page.wait_for_function(
        "() => document.querySelector('.bp-graph-explorer button.widget-toggle-button')"
        ".getAttribute('aria-pressed') === 'true'",
        timeout=10_000,
        polling=100,
    )
    _wait_sidebar(page, False)
    _shot(page, "graph-explorer-presenter-1366x768")
