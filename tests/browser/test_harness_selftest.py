"""Self-test of the browser harness against its own demo notebooks (demo_notebook.py).

Exercises the whole flow the per-notebook tests will use — open, wait Idle,
run all, no errors, keyboard and readout input on a slider, replay steps,
screenshot, latency — and checks that the error detection really fires.
Latency of the demo goes to artifacts/browser_latency.json under "selftest".
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest
from bp_browser import (
    SEL,
    assert_no_errors,
    check_latency,
    current_step,
    expect_number,
    kernel_status,
    measure_latency,
    open_notebook,
    play_button,
    press_slider,
    record_latency,
    run_all,
    screenshot,
    skip_or_fail,
    slider_by_label,
    slider_handle,
    slider_value,
    step_replay,
    type_into_readout,
    wait_step,
)
from demo_notebook import (
    DEMO_ERROR_NAME,
    DEMO_NAME,
    demo_lib,
    write_demo_notebooks,
)

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - depends on the environment
    skip_or_fail(
        "playwright is not installed: pip install playwright (do NOT run `playwright install`)",
        True,
    )

pytestmark = pytest.mark.browser

SUBDIR = "_bp_selftest"
LIB = demo_lib()
compute, fmt, step_formulas = LIB["compute"], LIB["fmt"], LIB["step_formulas"]


@pytest.fixture(scope="module")
def demo_dir(lab_server):
    write_demo_notebooks(lab_server.root_dir / SUBDIR)
    return SUBDIR


def expect_view_for(page, w: float, step: int) -> None:
    """The view shows exactly what the demo library computes for weight w / replay step."""
    v = compute(w)
    expect(page.locator(SEL.loss)).to_have_text(fmt(v["loss"]))
    expect(page.locator(SEL.grad_for("w1_1_1"))).to_have_text(fmt(v["dl_dw"]))
    expect(page.locator(SEL.step_current)).to_have_attribute(SEL.step_index_attr, str(step))
    expect(page.locator(SEL.formula)).to_have_text(step_formulas(w)[step][1])


def test_demo_full_flow(page, demo_dir):
    t = {"start": time.monotonic()}
    open_notebook(page, f"{demo_dir}/{DEMO_NAME}")
    t["open+idle"] = time.monotonic()
    assert kernel_status(page) == "Python 3 (ipykernel) | Idle"
    run_all(page)
    t["run_all"] = time.monotonic()
    assert_no_errors(page)
    assert slider_by_label(page, "w₁₁").count() == 1
    assert slider_by_label(page, "w").count() == 0  # exact label match, not a prefix

    # Keyboard on the slider handle.
    handle = slider_handle(page, "w₁₁")
    w0 = slider_value(handle)
    expect_view_for(page, w0, 0)
    w1 = press_slider(page, handle, "ArrowRight")  # 0.8 -> 0.8999999999999999 in the kernel
    assert w1 == pytest.approx(w0 + 0.1)
    expect_view_for(page, w1, 0)
    w2 = press_slider(page, handle, "ArrowLeft", times=3)
    assert w2 == pytest.approx(w1 - 0.3)
    expect_view_for(page, w2, 0)

    # Typing into the readout.
    assert type_into_readout(page, "w₁₁", "1.3") == "1.30"
    expect(handle).to_have_attribute("aria-valuenow", "1.3")
    w3 = slider_value(handle)
    assert w3 == pytest.approx(1.3)
    expect_view_for(page, w3, 0)
    expect_number(page, SEL.loss, compute(1.3)["loss"])
    assert type_into_readout(page, "w₁₁", "7") == "2.00"  # clamped to max
    expect_view_for(page, slider_value(handle), 0)
    type_into_readout(page, "w₁₁", "-0.5")
    w4 = slider_value(handle)
    assert w4 == pytest.approx(-0.5)
    expect_view_for(page, w4, 0)
    t["sliders"] = time.monotonic()

    # Replay: forward, back, play, and the step slider's keyboard.
    formulas = step_formulas(w4)
    assert current_step(page) == (0, formulas[0][1])
    assert step_replay(page, "next") == (1, formulas[1][1])
    assert step_replay(page, "next") == (2, formulas[2][1])
    assert step_replay(page, "prev") == (1, formulas[1][1])
    play_button(page).click()
    assert wait_step(page, 3) == (3, formulas[3][1])
    press_slider(page, slider_handle(page, "step"), "ArrowLeft")
    expect_view_for(page, w4, 2)
    t["replay"] = time.monotonic()

    path = screenshot(page, "selftest-demo")
    assert path.stat().st_size > 5000

    # A short run checks the mechanism; the smoke test does the 20-move runs per notebook.
    moves = int(os.environ.get("BP_SELFTEST_LATENCY_MOVES", "5"))
    result = measure_latency(page, handle, moves=moves)
    t["latency"] = time.monotonic()
    record_latency(DEMO_NAME, result, section="selftest")
    assert result["n"] == moves and result["misses"] == 0
    assert_no_errors(page)
    marks = list(t)
    print("timings:", ", ".join(f"{b} {t[b] - t[a]:.1f}s" for a, b in zip(marks, marks[1:])))
    print(f"demo: {check_latency(result)}; samples {result['samples_ms']}")


def test_errors_are_detected(page, demo_dir):
    """A traceback in a cell and one from a widget callback (log console) both fail the check."""
    open_notebook(page, f"{demo_dir}/{DEMO_ERROR_NAME}")
    run_all(page, via="menu")  # the menu path; must return although the run stops at the error
    with pytest.raises(AssertionError, match="deliberate harness self-test error") as exc:
        assert_no_errors(page)
    assert "callback" not in str(exc.value)
    press_slider(page, slider_handle(page, "bad"), "ArrowRight")
    expect(page.locator(SEL.log_console_status)).to_have_text("1")
    with pytest.raises(AssertionError, match="deliberate callback error"):
        assert_no_errors(page)


# A checkout 100+ characters deep (a student's ~/courses/2026/...) makes every frame of a
# callback's traceback long; the error's message, printed last, must still be found.
DEEP_PARTS = ["a-checkout-folder-nested-deep-like-courses-2026-spring-backprop"] * 5


def test_callback_error_detected_from_long_path(page, lab_server, demo_dir):
    deep = lab_server.root_dir / SUBDIR / os.path.join(*DEEP_PARTS)
    deep.mkdir(parents=True, exist_ok=True)
    # Distinct functions: Python folds repeated identical frames into one line.
    chain = "".join(f"def level{i}(change):\n    return level{i + 1}(change)\n\n\n" for i in range(12))
    (deep / "deep_callback.py").write_text(
        chain + "def level12(change):\n"
        "    raise RuntimeError('deliberate callback error from a long path')\n\n\n"
        "boom = level0\n",
        encoding="utf-8",
    )
    assert len(str(deep)) > 300
    src = (
        "import sys\n"
        f"sys.path.insert(0, {str(deep)!r})\n"
        "import ipywidgets as widgets\n"
        "from deep_callback import boom\n"
        "\n"
        "deep = widgets.IntSlider(value=0, min=0, max=5, description='deep')\n"
        "deep.observe(boom, names='value')\n"
        "deep\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)])
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    name = f"{demo_dir}/long_path_error.ipynb"
    nbformat.write(nb, str(lab_server.root_dir / name))
    open_notebook(page, name)
    run_all(page)
    assert_no_errors(page)
    press_slider(page, slider_handle(page, "deep"), "ArrowRight")
    expect(page.locator(SEL.log_console_status)).to_have_text("1")
    with pytest.raises(AssertionError) as exc:
        assert_no_errors(page)
    text = str(exc.value)
    assert len(text) > 12 * 300  # longer than the old 3000-character cut
    assert "deliberate callback error from a long path" in text
