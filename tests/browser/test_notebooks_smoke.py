"""Every notebooks/*.ipynb opens, runs clean, is screenshotted, and its live view is live.

For the first live view (``.bp-view``) of each notebook:
- a weight slider is moved with the keyboard on its handle and by typing into its readout,
  and the loss and every gradient on the page must equal what backprop_lib computes for the
  network the view shows (its ``data-net`` attribute: sizes, activations, loss, parameters,
  x and t), with the moved weight equal to the slider's value;
- the replay is stepped forward and back, and the highlighted step and its formula change;
- the slider->view latency is measured and written to artifacts/browser_latency.json under
  "notebooks" (BP_LATENCY=0 skips it, BP_LATENCY_STRICT=1 fails on missed targets).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from bp_browser import (
    NOTEBOOKS_DIR,
    SCREENSHOT_DIR,
    SEL,
    assert_no_errors,
    check_latency,
    current_step,
    discover_notebooks,
    kernel_status,
    measure_latency,
    open_notebook,
    press_slider,
    record_latency,
    run_all,
    run_command,
    screenshot,
    slider_value,
    step_replay,
    type_into_readout,
)
from first_contact import (
    axe_violations,
    check_no_solution_shown,
    check_theme,
    check_untrusted_outputs,
    ensure_axe,
    graph_label_px,
    set_theme,
    shoot_at,
)

import backprop_lib as bp
from backprop_lib.names import param_label
from backprop_lib.network import flatten_by_key

pytestmark = pytest.mark.browser

NOTEBOOKS = discover_notebooks()
REPO = Path(__file__).resolve().parents[2]
PARAMS = [pytest.param(p.name, id=p.stem) for p in NOTEBOOKS] or [
    pytest.param(
        None, id="no-notebooks", marks=pytest.mark.skip(reason=f"no *.ipynb in {NOTEBOOKS_DIR}")
    )
]
WEIGHT_LABEL = re.compile(os.environ.get("BP_LATENCY_SLIDER", r"^\s*w\S*\s*$"))


def _latency_handle(page):
    """Handle of the first weight slider, preferring one in a cell that shows a .bp-view."""
    label = page.locator(SEL.widget_label).filter(has_text=WEIGHT_LABEL)
    for scope in (f"{SEL.cell}:has({SEL.view}) {SEL.slider}", SEL.slider):
        sliders = page.locator(scope).filter(has=label)
        if sliders.count():
            return sliders.first.locator(SEL.slider_handle).first
    return None


def view_data(view) -> dict:
    """The network, x and target that the view says it shows."""
    return json.loads(view.get_attribute("data-net"))


def network_from(data: dict) -> bp.Network:
    sizes = data["sizes"]
    ws = [np.zeros((m, n)) for m, n in zip(sizes, sizes[1:])]
    bs = [np.zeros(n) for n in sizes[1:]] if data["biases"] else None
    net = bp.Network(ws, bs, activations=data["activations"], loss=data["loss"])
    for key, value in data["params"].items():
        net = net.set(key, value)
    return net


def wait_param(view, key: str, value: float, timeout: float = 15) -> dict:
    """Wait until the view shows parameter ``key`` = ``value`` (the kernel has recomputed)."""
    deadline = time.monotonic() + timeout
    while True:
        data = view_data(view)
        if data["params"][key] == value:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"view shows {key} = {data['params'][key]}, slider says {value}")
        time.sleep(0.05)


def assert_view_matches_library(view, data: dict) -> None:
    """The loss and every gradient on the page equal backprop_lib's for the view's network."""
    net = network_from(data)
    trace = bp.forward(net, data["x"], data["target"])
    grads = bp.backward(net, trace)
    shown_loss = float(view.locator(SEL.loss).first.get_attribute("data-value"))
    assert shown_loss == pytest.approx(trace.loss, rel=1e-12, abs=1e-300)
    expected = flatten_by_key(net, grads.weights, grads.biases)
    for key, g in expected.items():
        shown = float(view.locator(SEL.grad_for(key)).first.get_attribute("data-value"))
        assert shown == pytest.approx(g, rel=1e-12, abs=1e-300), key


NETWORK_VIEW = f"{SEL.view}[data-net]"  # a network Explorer (06's expression views have none)


def check_live_view(page) -> None:
    cell = page.locator(f"{SEL.cell}:has({NETWORK_VIEW})").first
    view = cell.locator(NETWORK_VIEW).first
    key = next(k for k in view_data(view)["params"] if k.startswith("w"))
    label = re.compile(r"^\s*" + re.escape(param_label(key)) + r"\s*$")
    slider = cell.locator(SEL.slider).filter(
        has=page.locator(SEL.widget_label).filter(has_text=label)).first
    handle = slider.locator(SEL.slider_handle).first
    before = view_data(view)

    # 1. the keyboard on the handle
    press_slider(page, handle, "ArrowRight")
    value = slider_value(handle)
    assert value != before["params"][key]
    data = wait_param(view, key, value)
    assert_view_matches_library(view, data)
    assert float(view.locator(SEL.loss).first.get_attribute("data-value")) != network_loss(before)

    # 2. typing into the readout
    type_into_readout(page, label, "0.35", scope=cell)
    data = wait_param(view, key, slider_value(handle))
    assert data["params"][key] == pytest.approx(0.35)
    assert_view_matches_library(view, data)

    # 3. the replay, forward and back
    index0, formula0 = current_step(page, scope=cell)
    index1, formula1 = step_replay(page, "next", scope=cell)
    assert index1 == index0 + 1 and formula1 != formula0
    index2, formula2 = step_replay(page, "prev", scope=cell)
    assert (index2, formula2) == (index0, formula0)


def network_loss(data: dict) -> float:
    return bp.forward(network_from(data), data["x"], data["target"]).loss


@pytest.mark.parametrize("name", PARAMS)
def test_notebook_runs_clean(page, name):
    """Untrusted and not run: it reads right; Run All: no errors, no solution shown; both
    themes readable; graph labels >= 12 px; then the live view is live."""
    stem = Path(name).stem
    open_notebook(page, name)
    problems = check_untrusted_outputs(page, NOTEBOOKS_DIR / name)
    still = page.locator(f"{SEL.output} img.bp-still").first
    if still.count():
        shoot_at(page, still, SCREENSHOT_DIR / f"untrusted-{stem}.png")
    assert not problems, "before running (untrusted):\n" + "\n".join(problems)
    assert kernel_status(page).endswith("Idle")
    run_all(page)
    assert_no_errors(page)
    screenshot(page, stem)
    problems = check_no_solution_shown(page)
    axe = axe_violations(page, ensure_axe(REPO))
    (SCREENSHOT_DIR.parent / f"axe-{stem}.json").write_text(json.dumps(axe, indent=1, ensure_ascii=False))
    if axe:
        problems.append("axe-core, serious/critical: " + json.dumps(axe, ensure_ascii=False)[:1500])
    sizes = graph_label_px(page)
    if sizes and min(sizes) < 12 - 0.05:
        problems.append(f"graph labels at {min(sizes):.1f} px (at least 12 expected)")
    for theme in ("JupyterLab Dark", "JupyterLab Light"):
        if page.locator(SEL.view).count() or page.locator(".bp-fig, .bp-train").count():
            set_theme(page, theme, run_command)
            problems += [f"{theme}: {p}" for p in check_theme(page)]
            if "Dark" in theme:
                screenshot(page, f"dark-{stem}")
    assert not problems, "\n".join(problems)

    if not page.locator(NETWORK_VIEW).count():
        return
    check_live_view(page)
    assert_no_errors(page)

    if os.environ.get("BP_LATENCY", "1") == "0":
        return
    handle = _latency_handle(page)
    if handle is None:
        return
    result = measure_latency(page, handle)
    record_latency(name, result)
    print(f"{name}: {check_latency(result)}")
    assert_no_errors(page)
