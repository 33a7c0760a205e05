"""The presenter views at a projector's 1280×720 (the checks; test_notebooks.py runs them on each
notebook's shared page, after its other checks). The Explorer's presenter view: diagram and
formula side by side,
both on screen at once.

For every notebook with an Explorer: at a 1280×720 viewport, after Run All, click the first Explorer's "presenter view" toggle, scroll that Explorer to the top of the
notebook, and check that

* the formula (``[data-bp="formula"]``) sits to the right of the diagram (``svg.bp-graph``),
  their vertical ranges overlapping;
* both lie wholly inside the viewport and inside the notebook's visible area (below
  JupyterLab's toolbars, above its status bar), so nobody has to scroll during a lecture;
* the formula is set in the presenter's large type;

the same again with JupyterLab's View > Appearance > Presentation Mode on; and, stepping
through every step of the replay, that the formula and the backward steps' upstream × local
table stay on screen and inside their panel.

Screenshots of the viewport go to artifacts/screenshots/presenter_<notebook>.png (and
..._presentation_mode.png, ..._backward.png: the first backward step with its table).
"""

from __future__ import annotations

from pathlib import Path

from bp_browser import SCREENSHOT_DIR, SEL, run_command, settle, slider_handle
from first_contact import cut_off_controls

VIEWPORT = {"width": 1280, "height": 720}
TOLERANCE = 4  # px: borders, rounding
MIN_FORMULA_FONT_PX = 22  # the presenter view's formula is 24px (draw.CSS, .bp-presenter)

EXPLORER = ".bp-explorer"
GRAPH = "svg.bp-graph"
TOGGLE_TEXT = "presenter view"


# The visible rectangle of the notebook: its nearest scrolling ancestor, clipped to the window.
_VISIBLE_AREA_JS = """(el) => {
  let p = el.parentElement;
  while (p && p !== document.body) {
    const s = getComputedStyle(p);
    if (/(auto|scroll)/.test(s.overflowY) && p.scrollHeight > p.clientHeight) break;
    p = p.parentElement;
  }
  const r = (p && p !== document.body) ? p.getBoundingClientRect()
                                       : {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  return {left: Math.max(0, r.left), top: Math.max(0, r.top),
          right: Math.min(innerWidth, r.right), bottom: Math.min(innerHeight, r.bottom)};
}"""


def _box(loc) -> dict:
    b = loc.bounding_box()
    assert b is not None, f"{loc} has no bounding box (not rendered?)"
    return {
        "left": b["x"],
        "top": b["y"],
        "right": b["x"] + b["width"],
        "bottom": b["y"] + b["height"],
        "width": b["width"],
        "height": b["height"],
    }


def _inside(inner: dict, outer: dict, tol: float = TOLERANCE) -> bool:
    return (
        inner["left"] >= outer["left"] - tol
        and inner["top"] >= outer["top"] - tol
        and inner["right"] <= outer["right"] + tol
        and inner["bottom"] <= outer["bottom"] + tol
    )


def _fmt(b: dict) -> str:
    return f"x {b['left']:.0f}–{b['right']:.0f}, y {b['top']:.0f}–{b['bottom']:.0f}"


def _scroll_to_top(page, presenter) -> None:
    for _ in range(2):  # a second pass after any relayout the first scroll caused
        presenter.evaluate("el => el.scrollIntoView({block: 'start', inline: 'nearest'})")
        settle(page)


def _layout_problems(presenter) -> tuple[list[str], str]:
    """Side by side, on screen, large type: what is wrong (empty if nothing), and the numbers."""
    graph = _box(presenter.locator(GRAPH).first)
    formula = _box(presenter.locator(SEL.formula).first)
    viewport = {"left": 0, "top": 0, "right": VIEWPORT["width"], "bottom": VIEWPORT["height"]}
    visible = presenter.evaluate(_VISIBLE_AREA_JS)
    where = f"diagram {_fmt(graph)}; formula {_fmt(formula)}; notebook area {_fmt(visible)}"
    problems = []
    if not (graph["width"] > 0 and graph["height"] > 0):
        problems.append("the diagram has no size")
    if formula["left"] < graph["right"] - TOLERANCE:
        problems.append("the formula is not to the right of the diagram")
    if not (formula["top"] < graph["bottom"] and graph["top"] < formula["bottom"]):
        problems.append("the diagram and the formula do not share a row")
    for what, box in (("diagram", graph), ("formula", formula)):
        if not _inside(box, viewport):
            problems.append(f"the {what} leaves the 1280×720 viewport")
        if not _inside(box, visible):
            problems.append(f"the {what} is hidden behind JupyterLab's bars or below the fold")
    font_px = float(
        presenter.locator(SEL.formula).first.evaluate(
            "el => parseFloat(getComputedStyle(el).fontSize)"
        )
    )
    if font_px < MIN_FORMULA_FONT_PX:
        problems.append(f"the formula is set in {font_px}px, not the presenter's large type")
    return problems, where


# Every step of the replay: the formula panel (and the backward steps' upstream × local table)
# must stay on screen and inside the view; returns the steps where they do not.
_STEP_BOXES_JS = """(root) => {
  const out = {};
  for (const sel of ['[data-bp="formula"]', '[data-bp="terms"]']) {
    const el = root.querySelector('.bp-view.bp-presenter ' + sel);
    if (!el) continue;
    const r = el.getBoundingClientRect();
    out[sel] = {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                containerRight: el.parentElement.getBoundingClientRect().right,
                overflow: el.scrollWidth - el.clientWidth};
  }
  return out;
}"""


def _sweep_steps(page, presenter) -> tuple[list[str], int | None]:
    handle = slider_handle(page, "step", scope=presenter)
    last = presenter.locator(f"{SEL.view}.bp-presenter .bp-chip").count() - 1  # one chip a step
    visible = presenter.evaluate(_VISIBLE_AREA_JS)
    bad, first_terms = [], None
    handle.focus()
    page.keyboard.press("Home")
    for k in range(last + 1):
        if k:
            page.keyboard.press("ArrowRight")
        presenter.locator(
            f'{SEL.view}.bp-presenter {SEL.step_current}[{SEL.step_index_attr}="{k}"]'
        ).first.wait_for(state="attached")
        boxes = presenter.evaluate(_STEP_BOXES_JS)
        if '[data-bp="terms"]' in boxes and first_terms is None:
            first_terms = k
        for sel, b in boxes.items():
            what = "formula" if "formula" in sel else "upstream × local table"
            if not _inside(b, visible):
                bad.append(
                    f"step {k + 1}: the {what} leaves the notebook area ({_fmt(b)}; area {_fmt(visible)})"
                )
            elif b["right"] > b["containerRight"] + TOLERANCE or b["overflow"] > TOLERANCE:
                bad.append(
                    f"step {k + 1}: the {what} overflows its panel (right {b['right']:.0f}, "
                    f"panel right {b['containerRight']:.0f}, own overflow {b['overflow']:.0f}px)"
                )
    return bad, first_terms


def check_explorer_presenter(page, name):
    stem = Path(name).stem
    page.set_viewport_size(VIEWPORT)

    explorer = page.locator(EXPLORER).first
    explorer.wait_for(state="visible")
    toggle = explorer.locator("button").filter(has_text=TOGGLE_TEXT).first
    toggle.scroll_into_view_if_needed()
    toggle.click()
    # the kernel redraws the view in its presenter layout and rearranges the widgets
    page.locator(f"{EXPLORER}.bp-presenter").first.wait_for(state="attached")
    presenter = page.locator(f"{EXPLORER}.bp-presenter").first
    presenter.locator(f"{SEL.view}.bp-presenter {SEL.formula}").first.wait_for(state="visible")

    def check_layout(suffix, setting):
        """Scroll the presenter view to the top, screenshot it, and assert that it fits."""
        _scroll_to_top(page, presenter)
        shot = SCREENSHOT_DIR / f"presenter_{stem}{suffix}.png"
        page.screenshot(path=str(shot), animations="disabled")
        problems, where = _layout_problems(presenter)
        problems += cut_off_controls(page, f"{EXPLORER}.bp-presenter")
        assert not problems, f"{name}, {setting}: {'; '.join(problems)}\n{where}\nsee {shot}"

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    check_layout("", "presenter view at 1280×720")
    # JupyterLab's View > Appearance > Presentation Mode (larger text in the notebook) on top
    run_command(page, "application:toggle-presentation-mode")
    check_layout("_presentation_mode", "presenter view in Presentation Mode")
    run_command(page, "application:toggle-presentation-mode")

    # every step of the replay, as a lecturer steps through it
    _scroll_to_top(page, presenter)
    bad, first_terms = _sweep_steps(page, presenter)
    if first_terms is not None:  # the most crowded view: a backward step with its table
        slider_handle(page, "step", scope=presenter).focus()
        page.keyboard.press("Home")
        for _ in range(first_terms):
            page.keyboard.press("ArrowRight")
        presenter.locator(
            f'{SEL.step_current}[{SEL.step_index_attr}="{first_terms}"]'
        ).first.wait_for(state="attached")
        _scroll_to_top(page, presenter)
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"presenter_{stem}_backward.png"), animations="disabled"
        )
    assert not bad, f"{name}: the presenter view does not fit every replay step:\n  " + "\n  ".join(
        bad
    )


TRAINING = ".bp-train"


def check_training_presenter(page, name):
    """The live training view's presenter layout: the boundary and curves, the controls and the
    start button all on one 1280×720 screen."""
    page.set_viewport_size(VIEWPORT)
    view = page.locator(TRAINING).first
    toggle = view.locator("button").filter(has_text=TOGGLE_TEXT).first
    toggle.scroll_into_view_if_needed()
    toggle.click()
    presenter = page.locator(f"{TRAINING}.bp-presenter").first
    presenter.wait_for(state="attached")
    _scroll_to_top(page, presenter)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOT_DIR / f"presenter_{Path(name).stem}_training.png"
    page.screenshot(path=str(shot), animations="disabled")
    visible = presenter.evaluate(_VISIBLE_AREA_JS)
    plot = _box(presenter.locator("svg").first)
    start = _box(presenter.locator("button").filter(has_text="start").first)
    for what, b in (("plot", plot), ("start button", start)):
        assert _inside(b, visible), f"{name}: the {what} is off screen ({_fmt(b)}); see {shot}"
    assert plot["width"] >= 900, f"{name}: the plot is only {plot['width']:.0f}px wide; see {shot}"
    cut = cut_off_controls(page, f"{TRAINING}.bp-presenter")
    assert not cut, f"{name}: in the presenter view, " + "; ".join(cut) + f"; see {shot}"
