"""Notebook 06's GraphExplorer in JupyterLab (the check; test_notebooks.py runs it on 06's shared
page as ``test_type_an_expression_move_a_leaf_step_the_replay``): type an expression, move a
leaf's slider, step the replay, and every gradient the page shows equals
backprop_lib.autograd's for what it shows.

The view is redrawn by the kernel after every change, and a new expression rebuilds the leaf
sliders: nothing here holds an element across a change. Every read goes through a locator or a
``wait_data`` query, resolved afresh, and waits for the condition that says the redraw is done.
"""

from __future__ import annotations

import json

import pytest
from bp_browser import (
    SEL,
    assert_no_errors,
    current_step,
    press_slider,
    screenshot,
    slider_handle,
    slider_value,
    step_replay,
    wait_data,
)

from backprop_lib.expr import build, parse

VIEW = '[data-bp="expr-view"]'
CELL = f"{SEL.cell}:has({VIEW})"


def wait_view(page, test_js: str, arg=None) -> dict:
    """Wait until the view's data-expr satisfies ``test_js`` ((data, arg) => bool)."""
    return wait_data(page, VIEW, "data-expr", test_js, arg)


def assert_page_matches_engine(page, data: dict) -> None:
    """Every leaf gradient and the output node on the page equal the engine's, all read in one
    query together with the data they belong to."""
    e = parse(data["text"])
    nodes = build(e, data["values"])
    nodes[-1].backward()
    grads = {n.name: v.grad for n, v in zip(e.nodes, nodes) if n.op == "leaf"}
    assert data["grads"] == pytest.approx(grads, rel=1e-12, abs=1e-300)
    shown = json.loads(
        page.locator(VIEW).first.evaluate("""(v) => JSON.stringify({
        expr: v.getAttribute('data-expr'),
        leaves: Object.fromEntries([...v.querySelectorAll('[data-bp="leaf-grad"]')].map(
          g => [g.getAttribute('data-leaf'), g.getAttribute('data-value')])),
        out: [...v.querySelectorAll('g.bp-node[data-kind="output"]')].map(
          g => [g.getAttribute('data-value'), g.getAttribute('data-grad')])[0]})""")
    )
    assert json.loads(shown["expr"]) == data, "the view was redrawn while it was read"
    for name, g in grads.items():
        assert float(shown["leaves"][name]) == pytest.approx(g, rel=1e-12, abs=1e-300), name
    assert float(shown["out"][0]) == pytest.approx(nodes[-1].data, rel=1e-12)
    assert float(shown["out"][1]) == 1.0


def enter_expression(page, text: str) -> None:
    """Type ``text`` into the expression box and press Enter (the Text widget sends it then)."""
    box = page.locator(CELL).first.locator(".bp-expr-input input").first
    box.fill(text)
    box.press("Enter")


def check_graph_explorer(page) -> None:
    cell = page.locator(CELL).first
    cell.scroll_into_view_if_needed()
    assert_page_matches_engine(page, wait_view(page, "() => true"))

    # 1. type an expression
    enter_expression(page, "a*b + b**3")
    data = wait_view(page, "(d, t) => d.text === t", "a*b + b**3")
    assert sorted(data["values"]) == ["a", "b"]
    assert_page_matches_engine(page, data)

    # 2. a bad one: a message with the column, and the graph stays
    enter_expression(page, "a ^ 2")
    error = cell.locator('[data-bp="error"]').first
    error.wait_for(state="visible")
    assert "column 3" in error.inner_text() and "**" in error.inner_text()
    assert wait_view(page, "() => true")["text"] == "a*b + b**3"

    # a new expression may rebuild the leaf sliders: wait until each leaf has exactly one slider
    # (the old ones gone, the new ones there), whichever way the view redraws them
    enter_expression(page, "a*b + b**3 + a")
    data = wait_view(page, "(d, t) => d.text === t", "a*b + b**3 + a")
    page.wait_for_function(
        "([c, s, leaves]) => { const cell = document.querySelector(c);"
        " const names = [...cell.querySelectorAll(s)].map(e =>"
        " ((e.querySelector('.widget-label') || {}).textContent || '').trim());"
        " return leaves.every(n => names.filter(m => m === n).length === 1); }",
        arg=[CELL, SEL.slider, sorted(data["values"])],
    )

    # 3. move leaf b with the keyboard (the handle is a locator: resolved at each use)
    handle = slider_handle(page, "b", scope=cell)
    before = data["values"]["b"]
    press_slider(page, handle, "ArrowRight")
    data = wait_view(page, "(d, b) => d.values.b !== b", before)
    assert data["values"]["b"] == slider_value(handle)
    assert_page_matches_engine(page, data)

    # 4. the replay: step forward and back; the formula changes and comes back
    cell.locator(".bp-chips").first.scroll_into_view_if_needed()
    index0, formula0 = current_step(page, scope=cell)
    index1, formula1 = step_replay(page, "next", scope=cell)
    assert index1 == index0 + 1 and formula1 != formula0
    assert step_replay(page, "prev", scope=cell) == (index0, formula0)
    # every node carries a numeric-vs-analytic badge, and they all agree
    view = page.locator(VIEW).first
    assert view.locator('[data-bp="badge"]').count() >= 5
    assert view.locator('[data-bp="badge"][data-badge="bad"]').count() == 0
    assert_no_errors(page)
    screenshot(page, "06_graph_explorer", target=cell)
