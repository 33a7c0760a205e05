"""A small self-contained demo notebook used to test the browser harness itself.

It mimics what the course notebooks will show (see ``bp_browser.SEL``): a
weight slider ``w₁₁`` whose callback recomputes a tiny one-weight network and
rewrites an ``ipywidgets.HTML`` view (SVG + ``L = <value>`` + gradient +
replay step list + formula), plus replay controls (Play, "◀", "▶" and an
IntSlider "step").

The numeric code lives in ``DEMO_LIB_SRC`` and is both embedded into the
notebook and exec'd here (``demo_lib()``), so the test checks the page against
exactly the values the "library" computes.

Run ``python tests/browser/demo_notebook.py OUT_DIR`` to write the notebooks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEMO_NAME = "demo.ipynb"
DEMO_ERROR_NAME = "demo_error.ipynb"

# The "library": a single weight w, input x, target y, squared loss.
DEMO_LIB_SRC = '''\
X, Y = 1.5, 0.5


def compute(w):
    """Forward and backward pass of L = 1/2 (w*x - y)^2."""
    z = w * X
    loss = 0.5 * (z - Y) ** 2
    dl_dz = z - Y
    dl_dw = dl_dz * X
    return {"z": z, "loss": loss, "dl_dz": dl_dz, "dl_dw": dl_dw}


def fmt(v):
    return f"{v:.4f}"


def step_formulas(w):
    v = compute(w)
    return [
        ("forward z", f"z = w₁₁·x = {fmt(w)}·{X} = {fmt(v['z'])}"),
        ("forward L", f"L = ½(z − y)² = ½({fmt(v['z'])} − {Y})² = {fmt(v['loss'])}"),
        ("backward ∂L/∂z", f"∂L/∂z = z − y = {fmt(v['dl_dz'])}"),
        ("backward ∂L/∂w₁₁", f"∂L/∂w₁₁ = ∂L/∂z · x = {fmt(v['dl_dw'])}"),
    ]
'''

_VIEW_SRC = """\
import ipywidgets as widgets
from IPython.display import display


def render(w, step):
    v = compute(w)
    steps = step_formulas(w)
    items = "".join(
        f'<li class="bp-step{" bp-step-current" if i == step else ""}" '
        f'data-step-index="{i}">{name}</li>'
        for i, (name, _) in enumerate(steps)
    )
    width = 1 + 6 * min(abs(v["dl_dw"]), 2.0)
    svg = (
        '<svg width="260" height="90" viewBox="0 0 260 90">'
        '<circle cx="40" cy="45" r="22" fill="#cde"/>'
        '<circle cx="220" cy="45" r="22" fill="#edc"/>'
        f'<line x1="62" y1="45" x2="198" y2="45" stroke="#c33" stroke-width="{width:.2f}"/>'
        f'<text x="130" y="35" text-anchor="middle">w₁₁ = {fmt(w)}</text>'
        '</svg>'
    )
    return (
        f'<div class="bp-view" data-weight="{fmt(w)}">{svg}'
        f'<div>L = <span data-bp="loss">{fmt(v["loss"])}</span></div>'
        f'<div>∂L/∂w₁₁ = <span data-bp="grad" data-param="w1_1_1">{fmt(v["dl_dw"])}</span></div>'
        f'<ol class="bp-steps">{items}</ol>'
        f'<div data-bp="formula">{steps[step][1]}</div>'
        '</div>'
    )


w_slider = widgets.FloatSlider(value=0.8, min=-2.0, max=2.0, step=0.1, description="w₁₁")
step_slider = widgets.IntSlider(value=0, min=0, max=3, description="step")
play = widgets.Play(value=0, min=0, max=3, interval=700, description="Play")
widgets.jslink((play, "value"), (step_slider, "value"))
prev_btn = widgets.Button(description="◀", layout=widgets.Layout(width="40px"))
next_btn = widgets.Button(description="▶", layout=widgets.Layout(width="40px"))
view = widgets.HTML(render(w_slider.value, step_slider.value))


def update(_change=None):
    view.value = render(w_slider.value, step_slider.value)


def go(delta):
    step_slider.value = max(step_slider.min, min(step_slider.max, step_slider.value + delta))


w_slider.observe(update, names="value")
step_slider.observe(update, names="value")
prev_btn.on_click(lambda _b: go(-1))
next_btn.on_click(lambda _b: go(+1))
display(widgets.VBox([w_slider, widgets.HBox([play, prev_btn, next_btn, step_slider]), view]))
"""


def _cell(kind: str, src: str) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _notebook(cells: list[dict]) -> dict:
    for i, cell in enumerate(cells):
        cell["id"] = f"bp-demo-{i}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def demo_notebook() -> dict:
    return _notebook(
        [
            _cell("markdown", "# Harness demo\nOne weight, one loss, a replay."),
            _cell("code", DEMO_LIB_SRC),
            _cell("code", _VIEW_SRC),
        ]
    )


def demo_error_notebook() -> dict:
    """A slider whose callback raises (-> log console), then a cell that raises."""
    slider_src = (
        "import ipywidgets as widgets\n"
        "\n"
        "bad = widgets.IntSlider(value=0, min=0, max=5, description='bad')\n"
        "\n"
        "\n"
        "def boom(change):\n"
        "    raise RuntimeError('deliberate callback error')\n"
        "\n"
        "\n"
        "bad.observe(boom, names='value')\n"
        "bad\n"
    )
    raise_src = "print('before')\nraise ValueError('deliberate harness self-test error')\n"
    return _notebook([_cell("code", slider_src), _cell("code", raise_src)])


def write_demo_notebooks(out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, nb in (
        (DEMO_NAME, demo_notebook()),
        (DEMO_ERROR_NAME, demo_error_notebook()),
    ):
        p = out_dir / name
        p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        paths[name] = p
    return paths


def demo_lib() -> dict:
    """The demo's 'library' functions (compute, fmt, step_formulas), exec'd from DEMO_LIB_SRC."""
    ns: dict = {}
    exec(DEMO_LIB_SRC, ns)  # noqa: S102 - our own constant source
    return ns


if __name__ == "__main__":
    for p in write_demo_notebooks(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/demo")).values():
        print(p)
