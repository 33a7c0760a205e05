"""Every notebooks/*.ipynb in JupyterLab, each opened ONCE: the tests below run in this order on
one page and one kernel per notebook (a module-scoped fixture; pytest groups the tests by it).

1. ``test_reads_right_untrusted_before_running``: as a fresh clone opens it (untrusted, not run)
   its stored pictures show and no output shows stripped SVG/CSS text (first_contact.py).
2. ``test_run_all_clean``: Run All, no errors (cells, widgets, callbacks), no solution shown,
   axe-core 0 serious/critical; screenshot.
3. ``test_live_view_equals_the_library`` (a network Explorer): the weight slider moved with the
   keyboard and by typing into its readout (also past its end: clamped), the page's loss and
   every gradient equal backprop_lib's for the network the view shows (``data-net``); the
   replay stepped with its buttons, its Play and its step slider; the slider->view latency
   goes to artifacts/browser_latency.json.
4. ``test_replay_announces_the_step``: the replay's aria-live region names the current step and
   its text changes when the step does.
5. ``test_layout_and_themes_at_every_width``: at 1024/1280/1366/1920 px, file browser open and
   closed: no two parts of a live view overlap, nothing sticks out of the notebook, no control is
   cut off by its box, the text of every live picture >= 12 px; the views' contrast readable in
   the light and the dark theme, which gives every part the same box (the dark theme's layout
   checked at 1366 px and the narrowest notebook); an Explorer's last backward step at 1400 px
   with the file browser open.
6. ``test_presenter_*``: the presenter views at a projector's 1280×720 (test_presenter.py).
7. ``test_type_an_expression_move_a_leaf_step_the_replay``: 06's GraphExplorer (test_graph_explorer.py).
8. ``test_notebook7_renders_the_widgets``: the same notebook in Jupyter Notebook 7, on the same
   kernel: Run All draws every live view, no errors (one notebook per kind of live view).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest
from bp_browser import (
    NOTEBOOKS_DIR,
    SCREENSHOT_DIR,
    SEL,
    assert_no_errors,
    check_latency,
    close_documents,
    collect_errors,
    current_server,
    current_step,
    discover_notebooks,
    measure_latency,
    open_notebook,
    press_slider,
    record_latency,
    run_all,
    run_command,
    screenshot,
    settle,
    shoot_at,
    slider_by_label,
    slider_handle,
    slider_value,
    step_replay,
    type_into_readout,
    wait_data,
    wait_kernel_idle,
    wait_step,
    wait_widgets_loaded,
)
from conftest import leave_artifacts, new_page
from first_contact import (
    axe_violations,
    check_no_solution_shown,
    check_theme,
    check_untrusted_outputs,
    cut_off_controls,
    ensure_axe,
    graph_label_px,
    set_theme,
    unreachable_scrollers,
)
from test_graph_explorer import check_graph_explorer
from test_presenter import check_explorer_presenter, check_training_presenter

import backprop_lib as bp
from backprop_lib.names import param_label
from backprop_lib.network import flatten_by_key

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NETWORK_VIEW = f"{SEL.view}[data-net]"  # a network Explorer's view (06's expression view has none)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass
class Notebook:
    name: str
    path: Path
    page: object
    source: str  # all code cells
    ran: bool = False

    @property
    def stem(self) -> str:
        return self.path.stem

    def ensure_ran(self) -> None:
        """Run All once (a test run alone with -k still gets a run notebook)."""
        if not self.ran:
            run_all(self.page)
            self.ran = True
            assert_no_errors(self.page)


NOTEBOOKS = discover_notebooks()


@functools.cache  # read each notebook once, not once per test that is parametrized with it
def code_of(path: Path) -> str:
    return "\n".join(
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
    )


def calls(path: Path, kind: str) -> bool:
    return bool(re.search(rf"\b{kind}\(", code_of(path)))


def notebooks_with(*kinds: str, only=None):
    """Parametrize a test with every notebook (or those that call one of ``kinds``, or those
    named in ``only``)."""
    picked = [
        p
        for p in NOTEBOOKS
        if (not kinds or any(calls(p, k) for k in kinds)) and (only is None or p.stem in only)
    ]
    return pytest.mark.parametrize(
        "notebook", [pytest.param(p.name, id=p.stem) for p in picked], indirect=True
    )


@pytest.fixture(scope="module")
def notebook(request, lab_page, lab_server):
    """One page and one kernel per notebook, for all its tests (pytest orders them so): the
    notebook opened in the worker's JupyterLab page, then (test 8) in a Notebook 7 page."""
    path = NOTEBOOKS_DIR / request.param
    pg = lab_page()
    nb = Notebook(request.param, path, pg, code_of(path))
    try:
        open_notebook(pg, nb.name)
        yield nb
    finally:
        if nb.page is not pg and not nb.page.is_closed():
            nb.page.close()  # Notebook 7's
        close_documents(pg)
        lab_server.shutdown_sessions(nb.name)


@pytest.fixture
def nb(notebook, request):
    """The notebook's page; a failing test leaves its screenshot and console log."""
    notebook.page.set_viewport_size({"width": 1280, "height": 900})
    yield notebook
    leave_artifacts(notebook.page, request)


# ------------------------------------------------------------------ 1, 2: first contact, Run All
@notebooks_with()
def test_reads_right_untrusted_before_running(nb):
    assert not nb.ran, "runs first, before Run All"
    page = nb.page
    problems = check_untrusted_outputs(page, nb.path)
    still = page.locator(f"{SEL.output} img.bp-still").first
    if still.count():
        shoot_at(page, still, f"untrusted-{nb.stem}")
    assert not problems, "before running (untrusted):\n" + "\n".join(problems)
    assert wait_kernel_idle(page).endswith("Idle")


@notebooks_with()
def test_run_all_clean(nb):
    page = nb.page
    nb.ensure_ran()
    screenshot(page, nb.stem)
    problems = check_no_solution_shown(page)
    axe = axe_violations(page, ensure_axe(REPO))
    (SCREENSHOT_DIR.parent / f"axe-{nb.stem}.json").write_text(
        json.dumps(axe, indent=1, ensure_ascii=False)
    )
    if axe:
        problems.append("axe-core, serious/critical: " + json.dumps(axe, ensure_ascii=False)[:1500])
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ 3: the live view
def view_data(page) -> dict:
    return json.loads(page.locator(NETWORK_VIEW).first.get_attribute("data-net"))


def network_from(data: dict) -> bp.Network:
    sizes = data["sizes"]
    ws = [np.zeros((m, n)) for m, n in zip(sizes, sizes[1:])]
    bs = [np.zeros(n) for n in sizes[1:]] if data["biases"] else None
    net = bp.Network(ws, bs, activations=data["activations"], loss=data["loss"])
    for key, value in data["params"].items():
        net = net.set(key, value)
    return net


def assert_view_matches_library(page, data: dict) -> None:
    """The loss and every gradient on the page equal backprop_lib's for the view's network."""
    view = page.locator(NETWORK_VIEW).first
    net = network_from(data)
    trace = bp.forward(net, data["x"], data["target"])
    grads = bp.backward(net, trace)
    shown = json.loads(
        view.evaluate("""(v) => JSON.stringify({net: v.getAttribute('data-net'),
        loss: v.querySelector('[data-bp="loss"]').getAttribute('data-value'),
        grads: Object.fromEntries([...v.querySelectorAll('[data-bp="grad"]')].map(
          g => [g.getAttribute('data-param'), g.getAttribute('data-value')]))})""")
    )
    assert json.loads(shown["net"]) == data, "the view was redrawn while it was read"
    assert float(shown["loss"]) == pytest.approx(trace.loss, rel=1e-12, abs=1e-300)
    for key, g in flatten_by_key(net, grads.weights, grads.biases).items():
        assert float(shown["grads"][key]) == pytest.approx(g, rel=1e-12, abs=1e-300), key


def wait_param(page, key: str, test_js: str, value) -> dict:
    """Wait until the view's parameter ``key`` passes ``test_js`` ((shown, value) => bool)."""
    return wait_data(
        page, NETWORK_VIEW, "data-net", f"(d, a) => ({test_js})(d.params[a[0]], a[1])", [key, value]
    )


def wait_step_reached(page, cell, index: int) -> None:
    """Wait until the replay in ``cell`` is at step ``index`` or a later one. Play plays on, and
    on a loaded machine the kernel's redraws arrive in bursts: a step can pass between polls."""
    page.wait_for_function(
        "([c, sel, attr, k]) => Number(c.querySelector(sel)?.getAttribute(attr)) >= k",
        arg=[cell.element_handle(), SEL.step_current, SEL.step_index_attr, index],
        polling="raf",
    )


@notebooks_with("Explorer")
def test_live_view_equals_the_library(nb):
    page = nb.page
    nb.ensure_ran()
    cell = page.locator(f"{SEL.cell}:has({NETWORK_VIEW})").first
    before = view_data(page)
    key = next(k for k in before["params"] if k.startswith("w"))
    label = param_label(key)
    handle = slider_handle(page, label, scope=cell)
    assert slider_by_label(page, "w", scope=cell).count() == 0  # labels match whole, not a prefix

    # the keyboard on the handle
    press_slider(page, handle, "ArrowRight")
    data = wait_param(page, key, "(p, b) => p !== b", before["params"][key])
    assert data["params"][key] == slider_value(handle)
    assert_view_matches_library(page, data)
    assert (
        bp.forward(network_from(data), data["x"], data["target"]).loss
        != bp.forward(network_from(before), before["x"], before["target"]).loss
    )

    # typing into the readout; past the slider's end, the value is clamped
    type_into_readout(page, label, "0.35", scope=cell)
    data = wait_param(page, key, "(p, v) => Math.abs(p - v) < 1e-9", 0.35)
    assert data["params"][key] == slider_value(handle)
    assert_view_matches_library(page, data)
    top = float(handle.get_attribute("aria-valuemax"))
    type_into_readout(page, label, "99", scope=cell)
    data = wait_param(page, key, "(p, v) => Math.abs(p - v) < 1e-9", top)
    assert_view_matches_library(page, data)
    type_into_readout(page, label, "0.35", scope=cell)
    wait_param(page, key, "(p, v) => Math.abs(p - v) < 1e-9", 0.35)

    # the replay: its buttons forward and back, Play (paused again), the step slider's keyboard
    index0, formula0 = current_step(page, scope=cell)
    index1, formula1 = step_replay(page, "next", scope=cell)
    assert index1 == index0 + 1 and formula1 != formula0
    assert step_replay(page, "prev", scope=cell) == (index0, formula0)
    cell.locator(SEL.play_button).first.click()
    wait_step_reached(page, cell, index0 + 2)
    # pause, in one step in the page: on a loaded machine Play may have reached the last step
    # and stopped (its pause button gone) before a click from here would land
    clicked = cell.evaluate("""(c) => { const b = c.querySelector('.widget-play button:has(.fa-pause)');
      if (b) b.click(); return !!b; }""")
    step = slider_handle(page, "step", scope=cell)
    paused = round(float(step.get_attribute("aria-valuenow"))) - 1  # no tick after the click
    last = round(float(step.get_attribute("aria-valuemax"))) - 1
    assert clicked or paused == last, f"Play stopped at step {paused + 1} of {last + 1} unpaused"
    assert paused >= index0 + 2
    wait_step(page, paused, scope=cell)
    press_slider(page, step, "ArrowLeft")
    assert wait_step(page, paused - 1, scope=cell)[0] == paused - 1
    press_slider(page, step, "Home")
    wait_step(page, 0, scope=cell)
    assert_no_errors(page)

    result = measure_latency(page, handle)
    record_latency(nb.name, result)
    print(f"{nb.name}: {check_latency(result)}")
    assert_no_errors(page)


# ------------------------------------------------------------------ 4: the aria-live narration
@notebooks_with("Explorer", "GraphExplorer")
def test_replay_announces_the_step(nb):
    page = nb.page
    nb.ensure_ran()
    cell = page.locator(f"{SEL.cell}:has({SEL.step_current})").first
    live = cell.locator("[aria-live]").filter(has_text=re.compile(r"step \d+ of \d+")).first
    n = round(float(slider_handle(page, "step", scope=cell).get_attribute("aria-valuemax")))
    cell.scroll_into_view_if_needed()

    def announced(index: int) -> str:
        text = live.text_content().strip()  # what is announced (innerText: what is painted)
        assert re.search(rf"\bstep {index + 1} of {n}\b", text), (index, n, text)
        return text

    index0, _ = current_step(page, scope=cell)
    text0 = announced(index0)
    index1, _ = step_replay(page, "next", scope=cell)
    text1 = announced(index1)
    assert text1 != text0
    step_replay(page, "prev", scope=cell)
    assert announced(index0) == text0


# ------------------------------------------------------------------ 5: layout and themes
WIDTHS = (1024, 1280, 1366, 1920)
HEIGHT = 768
_PARTS = [
    "svg.bp-graph",
    "[data-bp='formula']",
    "[data-bp='terms']",
    "table.bp-table:not(.bp-terms)",
    "[data-bp='steps']",
    ".bp-explorer > .widget-hbox > .widget-vbox:first-child",
    ".bp-curve",
    ".bp-graph-explorer > .widget-hbox > .widget-vbox:first-child",
    ".bp-graph-explorer > .widget-hbox:last-child",
    ".bp-explorer > .widget-hbox:not(:first-child)",
    ".bp-train svg",
    ".bp-train .widget-hbox",
]

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


def sidebar(page, open_: bool) -> None:
    """Open or close JupyterLab's file browser; wait until it is so and the layout settled."""
    page.evaluate(
        "(o) => o ? window.jupyterapp.shell.activateById('filebrowser')"
        " : window.jupyterapp.shell.collapseLeft()",
        open_,
    )
    page.wait_for_function("(o) => window.jupyterapp.shell.leftCollapsed === !o", arg=open_)
    settle(page)


def layout_problems(page, where: str) -> list[str]:
    problems = [f"{where}: {p}" for p in page.evaluate(_LAYOUT_JS, _PARTS) + cut_off_controls(page)]
    sizes = graph_label_px(page)
    if sizes and min(sizes) < 12 - 0.05:
        problems.append(f"{where}: picture text at {min(sizes):.1f} px (at least 12 expected)")
    return problems


_GEOMETRY_JS = """(parts) => [...document.querySelectorAll('.bp-explorer, .bp-train, .bp-graph-explorer')]
  .map(view => { const v = view.getBoundingClientRect();
    return parts.flatMap(sel => [...view.querySelectorAll(sel)].map(el => { const r = el.getBoundingClientRect();
      return [sel, Math.round(r.left - v.left), Math.round(r.top - v.top), Math.round(r.width), Math.round(r.height)]; })); })"""


@notebooks_with()
def test_layout_and_themes_at_every_width(nb):
    page = nb.page
    nb.ensure_ran()
    views = page.locator(SEL.live_views)
    if not views.count() and not page.locator(".bp-fig").count():
        pytest.skip("no live view or figure in this notebook")
    problems, geometry = [], {}
    # the light theme at every width with the file browser closed and open, in an order that
    # changes one of the two at a time (each change makes every cell's editor measure itself
    # again). The dark theme changes colours only: its contrast, and the layout where the light
    # one's is checked too (1366 px, closed) and the narrowest notebook; the views' parts must
    # have the same boxes in both themes at 1366 px, which would catch a theme that moved them.
    walk = [(w, o) for i, w in enumerate(WIDTHS) for o in ((False, True), (True, False))[i % 2]]
    dark_walk = [(1366, False), (WIDTHS[0], True)]
    try:
        for theme, configs in (("JupyterLab Light", walk), ("JupyterLab Dark", dark_walk)):
            set_theme(page, theme, run_command)
            problems += [f"{theme}: {p}" for p in check_theme(page)]
            shade = "dark-" if "Dark" in theme else ""
            if shade:
                screenshot(page, f"dark-{nb.stem}")
            for width, open_ in configs if views.count() else ():
                if page.viewport_size != {"width": width, "height": HEIGHT}:
                    page.set_viewport_size({"width": width, "height": HEIGHT})
                sidebar(page, open_)
                views.first.evaluate("e => e.scrollIntoView({block: 'start'})")
                settle(page)
                side = "sidebar" if open_ else "nosidebar"
                problems += layout_problems(page, f"{theme}, {width} px, {side}")
                if width == WIDTHS[0] and open_ and not shade:  # the narrowest notebook
                    problems += [f"{width} px, {side}: {p}" for p in unreachable_scrollers(page)]
                if (width, open_) == (1366, False):
                    geometry[theme] = page.evaluate(_GEOMETRY_JS, _PARTS)
                if not shade or width == 1366:
                    shoot_at(page, views.first, f"layout-{shade}{nb.stem}-{width}-{side}")
        if views.count():
            light, dark = geometry["JupyterLab Light"], geometry["JupyterLab Dark"]
            moved = [(a, b) for va, vb in zip(light, dark) for a, b in zip(va, vb) if a != b]
            problems += [f"the dark theme moves {a[0]}: {a[1:]} -> {b[1:]}" for a, b in moved[:5]]
            if len(light) != len(dark) or any(len(a) != len(b) for a, b in zip(light, dark)):
                problems.append("the dark theme shows other parts than the light one")
        if page.locator(".bp-explorer").count():
            problems += backward_step_at_1400(page)
    finally:
        set_theme(page, "JupyterLab Light", run_command)
        sidebar(page, False)
    assert not problems, "\n".join(problems[:30])


def backward_step_at_1400(page) -> list[str]:
    """The last step (a backward one: its upstream × local table shows) at 1400 px with the
    file browser open must not overlap the parameter table (issue 10, point 4)."""
    page.set_viewport_size({"width": 1400, "height": HEIGHT})
    sidebar(page, True)
    view = page.locator(".bp-explorer").first
    step = slider_handle(page, "step", view)
    press_slider(page, step, "End")
    view.locator("[data-bp='terms']").first.wait_for(state="attached")
    view.evaluate("e => e.scrollIntoView({block: 'start'})")
    settle(page)
    shoot_at(page, view.locator("[data-bp='terms']").first, "layout-backward-1400-sidebar")
    problems = layout_problems(page, "backward step, 1400 px, sidebar open")
    press_slider(page, step, "Home")
    wait_step(page, 0, scope=view)
    return problems


# ------------------------------------------------------------------ 6, 7: presenter, GraphExplorer
@notebooks_with("Explorer")
def test_presenter_view_fits_a_projector(nb):
    nb.ensure_ran()
    check_explorer_presenter(nb.page, nb.name)


@notebooks_with("TrainingView")
def test_training_view_presenter_fits_a_projector(nb):
    nb.ensure_ran()
    check_training_presenter(nb.page, nb.name)


@notebooks_with("GraphExplorer")
def test_type_an_expression_move_a_leaf_step_the_replay(nb):
    nb.ensure_ran()
    check_graph_explorer(nb.page)


# ------------------------------------------------------------------ 8: Jupyter Notebook 7
_NB7_IDLE_JS = """() => { const k = window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }"""


# Notebook 7 draws the same widgets in another shell: one notebook per kind of live view is
# enough (02's Explorer is the one with a loss curve); the test fails if a notebook brings a
# kind none of these shows.
LIVE_VIEWS = ("Explorer", "TrainingView", "GraphExplorer")
NOTEBOOK7 = ("02_chain_rule", "05_training", "06_autograd")  # Explorer, TrainingView, GraphExplorer


@notebooks_with(only=NOTEBOOK7)
def test_notebook7_renders_the_widgets(nb, browser_context):
    """The same notebook in Notebook 7 (``/notebooks/<name>``): Run › Run All Cells from its
    menu shows as many live views as the notebook has widget outputs, each drawn, no errors."""
    pytest.importorskip("notebook")
    used = {k for p in NOTEBOOKS for k in LIVE_VIEWS if calls(p, k)}
    shown = {k for p in NOTEBOOKS if p.stem in NOTEBOOK7 for k in LIVE_VIEWS if calls(p, k)}
    assert used <= shown, f"Notebook 7 is tested on no notebook with {used - shown}"
    server = current_server()
    close_documents(nb.page)  # its kernel stays: Notebook 7 joins the session of the same path
    page = nb.page = new_page(browser_context)
    page.goto(
        f"{server.base_url}/notebooks/{nb.name}?token={server.token}", wait_until="domcontentloaded"
    )
    page.locator(SEL.notebook_panel).first.wait_for(state="visible")
    page.wait_for_function(_NB7_IDLE_JS, timeout=180_000, polling=100)
    run_all(page, via="menu", idle_js=_NB7_IDLE_JS)
    want = sum(
        WIDGET_MIME in out.get("data", {})
        for c in nbformat.read(nb.path, as_version=4).cells
        for out in c.get("outputs", ())
    )
    views = page.locator(SEL.live_views)
    if want:
        page.locator(
            ".bp-explorer [data-bp='view'], .bp-train svg, .bp-graph-explorer [data-bp='expr-view']"
        ).first.wait_for(state="attached")
    wait_widgets_loaded(page)
    errors = collect_errors(page)
    assert not errors, "\n\n".join(errors)
    assert views.count() == want, f"{views.count()} live views shown, the notebook has {want}"
    drawn = page.locator(
        ".bp-explorer svg.bp-graph, .bp-train svg, .bp-graph-explorer svg.bp-graph"
    ).count()
    assert drawn >= want, f"only {drawn} of {want} live views drew their picture"
    if want:
        views.first.scroll_into_view_if_needed()
        settle(page)
    page.screenshot(path=str(SCREENSHOT_DIR / f"nb7-{nb.stem}.png"))
