"""The Explorer widget, headless: moving a slider updates what the view shows.

The view is one HTML string; its readouts carry ``data-bp`` attributes with the exact values, so
the tests (and the browser tests) read what a learner sees and compare it with backprop_lib.
"""

import re
import warnings

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

import backprop_lib as bp  # noqa: E402
from backprop_lib import examples  # noqa: E402
from backprop_lib.network import flatten_by_key  # noqa: E402
from backprop_lib.steps import fmt  # noqa: E402
from backprop_lib.widgets import Explorer  # noqa: E402


def readout(html, what, param=None):
    """The data-value of the element data-bp=what (and data-param=param) in the view's HTML."""
    sel = f'data-bp="{what}"' + (f' data-param="{param}"' if param else "")
    m = re.search(re.escape(sel) + r'[^>]*data-value="([^"]+)"', html)
    assert m, f"no {sel} in the view"
    return float(m.group(1))


def current_step(html):
    m = re.search(r'class="bp-chip bp-step-current" data-step-index="(\d+)"', html)
    return int(m.group(1)) if m else None


@pytest.fixture(params=["seed_000", "seed_001", "seed_002"])
def example(request):
    return getattr(examples, request.param)()


def test_view_shows_the_library_values(example):
    e = Explorer(example)
    trace = bp.forward(example.net, example.x, example.target)
    grads = bp.backward(example.net, trace)
    assert readout(e.view.value, "loss") == trace.loss
    for key, g in flatten_by_key(example.net, grads.weights, grads.biases).items():
        assert readout(e.view.value, "grad", key) == g


def test_moving_a_weight_slider_updates_loss_and_gradients(example):
    e = Explorer(example)
    key = example.net.param_keys()[0]
    before = e.view.value
    e.set(key, 1.25)
    net = example.net.set(key, 1.25)
    trace = bp.forward(net, example.x, example.target)
    grads = bp.backward(net, trace)
    assert e.view.value != before
    assert readout(e.view.value, "loss") == trace.loss
    assert readout(e.view.value, "param", key) == 1.25
    expected = flatten_by_key(net, grads.weights, grads.biases)
    for k, g in expected.items():
        assert readout(e.view.value, "grad", k) == g


def test_input_and_target_sliders(example):
    e = Explorer(example)
    e.set("x1", 0.9)
    e.set("t1", 0.25)
    x = np.array(example.x, dtype=float)
    x[0] = 0.9
    assert readout(e.view.value, "loss") == bp.forward(example.net, x, [0.25]).loss


def test_replay_steps_forward_and_back():
    e = Explorer(examples.seed_000())
    assert current_step(e.view.value) == 0
    formula0 = re.search(r'data-bp="formula"[^>]*>(.*?)</div>', e.view.value).group(1)
    e.step_by(+1)
    assert current_step(e.view.value) == 1
    formula1 = re.search(r'data-bp="formula"[^>]*>(.*?)</div>', e.view.value).group(1)
    assert formula1 != formula0 and "a¹₁ = σ(z¹₁)" in formula1
    e.step_by(-1)
    e.step_by(-1)  # clamped at the first step
    assert current_step(e.view.value) == 0
    e.position.value = len(e.steps)  # the slider counts steps from 1, like the panel
    assert current_step(e.view.value) == len(e.steps) - 1
    assert f"step {len(e.steps)} of {len(e.steps)}" in e.view.value
    e.step_by(+1)  # clamped at the last step
    assert e.position.value == len(e.steps)


def test_backward_step_shows_upstream_times_local():
    e = Explorer(examples.seed_002(), start="backward")
    assert e.steps[e.index].phase == "backward"
    assert e.steps[e.index - 1].phase == "forward"
    e.position.value = next(s.index for s in e.steps if s.key == "dL/dw2_1_1") + 1
    html = e.view.value
    assert 'data-bp="terms"' in html
    assert "∂L/∂w²₁₁ = ∂L/∂z²₁ · a¹₁" in html


def test_moving_a_weight_during_replay_keeps_the_step_and_updates_its_numbers():
    e = Explorer(examples.seed_002())
    e.position.value = 5  # step 5: the loss
    assert e.steps[e.index].key == "L"
    old = readout(e.view.value, "step-value")
    e.set("w2_1_1", -0.5)
    assert e.position.value == 5
    new = readout(e.view.value, "step-value")
    assert new != old
    net = examples.seed_002().net.set("w2_1_1", -0.5)
    assert new == bp.forward(net, [1.0], [0.0]).loss


def test_highlight_follows_the_step():
    e = Explorer(examples.seed_000())
    e.position.value = next(s.index for s in e.steps if s.key == "dL/dw1_2_1") + 1
    assert re.search(r'class="bp-edge bp-hl-main[^"]*"[^>]*data-key="w1_2_1"', e.view.value)


def test_reset_restores_the_example():
    ex = examples.seed_000()
    e = Explorer(ex)
    first = e.view.value
    e.set("w1_1_1", -2.0)
    e.set("x2", 1.5)
    e.reset()
    assert e.view.value == first
    assert e.net.params() == ex.net.params()


def test_curve_point_and_tangent_follow_the_slider():
    e = Explorer(examples.seed_000(), curve="w2_1_1", tangent=True)
    cached = e._curve_cache
    e.set("w2_1_1", 1.0)
    assert e._curve_cache is cached  # moving the curve's own weight only moves the point
    assert "slope ∂L/∂w²₁₁ = " in e.curve_view.value
    net = examples.seed_000().net.set("w2_1_1", 1.0)
    g = bp.backward(net, bp.forward(net, [0.5, 0.3], [0.7])).weights[1][0, 0]
    assert f"slope ∂L/∂w²₁₁ = {fmt(g, paren=False)}" in e.curve_view.value
    e.set("w1_1_1", 1.0)
    assert e._curve_cache is not cached  # another weight changes the whole curve


def test_curve_close_up_fits_the_loss_near_the_dot_and_sits_beside_the_sliders():
    import re

    from backprop_lib import widgets

    e = Explorer(examples.seed_000(), curve="w2_1_1", tangent=True)
    e.set("w2_1_1", 0.67)  # near the bottom, where L is ~1e-4 and the whole curve looks flat
    zoom = re.search(r'data-bp="curve-zoom".*?(<svg.*?</svg>)', e.curve_view.value, re.S).group(1)
    whole = re.search(r'data-bp="curve-all".*?(<svg.*?</svg>)', e.curve_view.value, re.S).group(1)

    def spread(svg):  # the polyline's vertical extent, as a share of the plot's height (240-14-50)
        ys = [float(p.split(",")[1]) for p in re.search(r'points="([^"]*)"', svg).group(1).split()]
        return (max(ys) - min(ys)) / (240 - 14 - 50)

    assert spread(zoom) > 0.8 and spread(whole) > 0.8
    # the close-up's y-axis spans the loss near the dot only (an independent forward pass)
    net = examples.seed_000().net
    near = [
        bp.forward(net.set("w2_1_1", v), [0.5, 0.3], [0.7]).loss
        for v in np.linspace(0.67 - widgets.ZOOM, 0.67 + widgets.ZOOM, 11)
    ]
    top_tick = max(float(t) for t in re.findall(r'text-anchor="end"[^>]*>([-0-9.]+)<', zoom))
    assert top_tick <= 1.2 * max(near) < 0.5 * max(e._curve_cache[2])
    assert f"± {widgets.ZOOM:g} around the dot" in e.curve_view.value
    # the curve heads the column beside the sliders (its dot on screen with the slider)
    right = e._normal_body.children[1]
    assert list(right.children) == [e.curve_view, e.view]
    assert e.curve_view not in e.widget.children


def test_extreme_slider_values_stay_quiet():
    e = Explorer(examples.seed_000(), weight_range=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for key in e.param_sliders:
            e.set(key, 1000.0)
        e.set("w2_1_1", -1000.0)
    assert np.isfinite(readout(e.view.value, "loss"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="curve: this network has no parameter 'w9_1_1'"):
        Explorer(examples.seed_000(), curve="w9_1_1")
    with pytest.raises(TypeError, match="example: expected an Example or a Network"):
        Explorer("seed_000")
    with pytest.raises(ValueError, match="x: expected 2 features"):
        Explorer(examples.seed_000().net, [1.0, 2.0, 3.0], [0.5])
    with pytest.raises(ValueError, match="key: expected one of"):
        Explorer(examples.seed_000()).set("q7", 1.0)


def test_presenter_toggle_switches_layout_and_keeps_the_numbers():
    e = Explorer(examples.seed_000(), curve="w2_1_1")
    loss = readout(e.view.value, "loss")
    assert "bp-presenter" not in e.view.value
    e.presenter_toggle.value = True
    assert 'class="bp-view bp-theme bp-presenter"' in e.view.value
    assert "bp-presenter" in e.widget._dom_classes
    assert e._presenter_grid in e.widget.children and e._normal_body not in e.widget.children
    assert readout(e.view.value, "loss") == loss
    e.set("w1_1_1", 0.9)  # sliders still drive the view in presenter layout
    assert readout(e.view.value, "loss") != loss
    e.presenter_toggle.value = False
    assert e._normal_body in e.widget.children and "bp-presenter" not in e.widget._dom_classes


def test_the_browser_snapping_initial_values_to_the_grid_changes_nothing():
    """The browser snaps a slider to its 0.01 grid when it draws it, and sends that back: the
    view must still show the example's exact numbers until the learner moves the slider."""
    ex = examples.seed_001()  # weights from np.random.rand: not on any grid
    e = Explorer(ex)
    exact_loss = bp.forward(ex.net, ex.x, ex.target).loss
    for s in e.param_sliders.values():
        s.value = round(s.value, 2)  # what the front end does on render
    assert readout(e.view.value, "loss") == exact_loss
    e.set("w1_1_1", 0.7)  # a real move is a real value
    assert readout(e.view.value, "param", "w1_1_1") == 0.7
    assert (
        readout(e.view.value, "loss") == bp.forward(ex.net.set("w1_1_1", 0.7), ex.x, ex.target).loss
    )


def test_start_must_be_forward_or_backward():
    with pytest.raises(ValueError, match="start: expected 'forward' or 'backward', got 'middle'"):
        Explorer(examples.seed_000(), start="middle")


# --------------------------------------------------------------------------- fuzz findings 21, 23


@pytest.mark.parametrize("curve", [["w2_1_1"], ("w2_1_1",), {"w2_1_1": 1}])
def test_a_curve_that_is_not_a_key_is_refused_by_name(curve):
    """Finding 21: a list curve gave Python's "unhashable type: 'list'"."""
    with pytest.raises(TypeError, match=r"^curve: "):
        Explorer(examples.seed_000(), curve=curve)


@pytest.mark.parametrize("value", [np.array(0.5), np.array(0.5, dtype=object), np.float32(0.5)])
def test_set_takes_a_0d_array_as_network_set_does(value):
    """Finding 23: Explorer.set refused the 0-d array that Network.set takes."""
    ex = examples.seed_000()
    e = Explorer(ex)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e.set("w1_1_1", value)
    assert e.net.get("w1_1_1") == ex.net.set("w1_1_1", value).get("w1_1_1") == 0.5


@pytest.mark.parametrize("value", [np.array(True), np.array("a"), np.array([0.5]), np.array(9.0)])
def test_set_still_refuses_other_arrays_by_name(value):
    with pytest.raises((TypeError, ValueError), match=r"^value: "):
        Explorer(examples.seed_000()).set("w1_1_1", value)
