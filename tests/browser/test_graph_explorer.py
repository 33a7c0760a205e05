"""Notebook 06's GraphExplorer in JupyterLab: type an expression, move a leaf's slider, step the
replay, and every gradient the page shows equals backprop_lib.autograd's for what it shows."""

from __future__ import annotations

import json
import time

import pytest
from bp_browser import (
    SEL,
    assert_no_errors,
    current_step,
    open_notebook,
    press_slider,
    run_all,
    screenshot,
    slider_handle,
    slider_value,
    step_replay,
)

from backprop_lib.expr import build, parse

pytestmark = pytest.mark.browser

NOTEBOOK = "06_autograd.ipynb"
VIEW = '[data-bp="expr-view"]'


def view_data(view) -> dict:
    return json.loads(view.get_attribute("data-expr"))


def wait_view(view, test, what, timeout: float = 15) -> dict:
    """Wait until the view's data-expr satisfies ``test`` (the kernel has redrawn it)."""
    deadline = time.monotonic() + timeout
    while True:
        data = view_data(view)
        if test(data):
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"the view never showed {what}; it shows {data}")
        time.sleep(0.05)


def assert_page_matches_engine(view, data: dict) -> None:
    """Every leaf gradient and every node box on the page equals the engine's."""
    e = parse(data["text"])
    nodes = build(e, data["values"])
    nodes[-1].backward()
    grads = {n.name: v.grad for n, v in zip(e.nodes, nodes) if n.op == "leaf"}
    assert data["grads"] == pytest.approx(grads, rel=1e-12, abs=1e-300)
    for name, g in grads.items():
        shown = view.locator(f'[data-bp="leaf-grad"][data-leaf="{name}"]').first
        assert float(shown.get_attribute("data-value")) == pytest.approx(g, rel=1e-12, abs=1e-300)
    boxes = view.locator('g.bp-node[data-kind="output"]').first
    assert float(boxes.get_attribute("data-value")) == pytest.approx(nodes[-1].data, rel=1e-12)
    assert float(boxes.get_attribute("data-grad")) == 1.0


def test_type_an_expression_move_a_leaf_step_the_replay(page):
    open_notebook(page, NOTEBOOK)
    run_all(page)
    assert_no_errors(page)
    cell = page.locator(f"{SEL.cell}:has({VIEW})").first
    cell.scroll_into_view_if_needed()
    view = cell.locator(VIEW).first
    assert_page_matches_engine(view, view_data(view))

    # 1. type an expression (Enter sends it: the Text widget does not update while typing)
    box = cell.locator(".bp-expr-input input").first
    box.fill("a*b + b**3")
    box.press("Enter")
    data = wait_view(view, lambda d: d["text"] == "a*b + b**3", "the new expression")
    assert sorted(data["values"]) == ["a", "b"]
    assert_page_matches_engine(view, data)

    # 2. a bad one: a message with the column, and the graph stays
    box.fill("a ^ 2")
    box.press("Enter")
    error = cell.locator('[data-bp="error"]').first
    error.wait_for(state="visible", timeout=15_000)
    assert "column 3" in error.inner_text() and "**" in error.inner_text()
    assert view_data(view)["text"] == "a*b + b**3"
    box.fill("a*b + b**3 + a")
    box.press("Enter")
    data = wait_view(view, lambda d: d["text"] == "a*b + b**3 + a", "the fixed expression")

    # 3. move leaf b with the keyboard
    handle = slider_handle(page, "b", scope=cell)
    before = data["values"]["b"]
    press_slider(page, handle, "ArrowRight")
    value = slider_value(handle)
    assert value != before
    data = wait_view(view, lambda d: d["values"]["b"] == value, f"b = {value}")
    assert_page_matches_engine(view, data)

    # 4. the replay: step forward and back; the formula changes and comes back
    cell.locator(".bp-chips").first.scroll_into_view_if_needed()
    index0, formula0 = current_step(page, scope=cell)
    index1, formula1 = step_replay(page, "next", scope=cell)
    assert index1 == index0 + 1 and formula1 != formula0
    index2, formula2 = step_replay(page, "prev", scope=cell)
    assert (index2, formula2) == (index0, formula0)
    # every node carries a numeric-vs-analytic badge, and they all agree
    badges = view.locator('[data-bp="badge"]')
    assert badges.count() >= 5
    assert view.locator('[data-bp="badge"][data-badge="bad"]').count() == 0
    assert_no_errors(page)
    screenshot(page, "06_graph_explorer", target=cell)
