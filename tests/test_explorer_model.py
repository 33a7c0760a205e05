"""The Explorer's model (explorer_model) and draw's layouts, without a widget; and the Explorer's
slider handler handing the model the key and value its event carries."""

import base64
import re

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import draw, examples, explorer_model
from backprop_lib.explorer_model import ExplorerModel


def model(**kw):
    ex = examples.seed_000()
    return ExplorerModel(ex.net, ex.x, ex.target, **kw)


def test_set_moves_one_value_and_recomputes():
    m = model()
    m.set("w1_2_1", 0.9)
    m.set("x1", -0.4)
    m.set("t1", 0.25)
    net = examples.seed_000().net.set("w1_2_1", 0.9)
    trace = bp.forward(net, [-0.4, 0.3], [0.25])
    assert m.trace.loss == trace.loss and m.net.params() == net.params()
    assert list(m.x) == [-0.4, 0.3] and list(m.target) == [0.25]
    assert m.grad("w1_2_1") == bp.backward(net, trace).weights[0][1, 0]
    assert next(s.value for s in m.steps if s.key == "L") == trace.loss  # the replay too


def test_the_curve_is_the_loss_along_the_parameter_and_its_slope_the_central_difference():
    m = model(curve="w2_1_1", curve_range=(-3.0, 3.0))
    c = m.curve
    assert len(c.ws) == explorer_model.N_WHOLE and c.ws[0] == -3.0 and c.ws[-1] == 3.0
    net = examples.seed_000().net
    for k in (0, 37, 120):  # independent forward passes
        assert c.ls[k] == bp.forward(net.set("w2_1_1", c.ws[k]), [0.5, 0.3], [0.7]).loss
    assert c.zs[0] == max(-3.0, 0.5 - explorer_model.ZOOM) and c.zs[-1] == 0.5 + explorer_model.ZOOM
    eps = 1e-6
    numeric = (
        bp.forward(net.set("w2_1_1", 0.5 + eps), [0.5, 0.3], [0.7]).loss
        - bp.forward(net.set("w2_1_1", 0.5 - eps), [0.5, 0.3], [0.7]).loss
    ) / (2 * eps)
    assert c.slope == pytest.approx(numeric, rel=1e-6) and c.value == 0.5
    cache = m.curve_cache
    m.set("w2_1_1", 1.0)  # its own parameter: the whole curve is kept
    assert m.curve_cache is cache and m.curve.value == 1.0
    m.set("x2", 0.0)  # anything else: recomputed
    assert m.curve_cache is not cache


def test_the_model_runs_forward_once_per_change(monkeypatch):
    calls = []
    real = explorer_model.forward
    monkeypatch.setattr(explorer_model, "forward", lambda *a, **k: calls.append(1) or real(*a, **k))
    m = model()
    assert len(calls) == 1  # construction checks x and target with the one pass it keeps
    m.set("b1_1", 0.3)
    assert len(calls) == 2


def test_bad_input_is_named():
    ex = examples.seed_000()
    with pytest.raises(ValueError, match="curve: this network has no parameter 'w9_1_1'"):
        ExplorerModel(ex.net, ex.x, ex.target, curve="w9_1_1")
    with pytest.raises(ValueError, match="x: expected one sample"):
        ExplorerModel(ex.net, np.ones((3, 2)), np.ones((3, 1)))


def test_draw_builds_the_layouts_and_the_still_without_a_widget():
    m = model(curve="w2_1_1")
    view = draw.explorer_view_html(m, 0)
    assert 'data-bp="view"' in view and "<svg" in view and "bp-presenter" not in view
    assert "bp-presenter" in draw.explorer_view_html(m, 0, presenter=True)
    curve = draw.explorer_curve_html(m.curve, tangent=True)
    assert curve.count("<svg") == 2 and 'data-bp="curve-zoom"' in curve
    assert f"slope ∂L/∂w²₁₁ = {draw.num(m.curve.slope)}" in curve

    class Slider:  # what still_view_html reads of a slider
        description, value, min, max = "w²₁₁", 0.5, -3.0, 3.0

    still = draw.explorer_still_html(m, 0, [Slider()], tangent=True)
    assert "<svg" not in still and "<style" not in still
    pictures = [
        base64.b64decode(s).decode()
        for s in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', still)
    ]
    # the graph, the two curves (the very SVGs the live view draws) and the slider
    assert sum('class="bp-curve"' in p for p in pictures) == 2
    assert set(draw.explorer_curve_svgs(m.curve, tangent=True)) <= set(pictures)


def test_the_slider_handler_gives_the_model_the_events_key_and_value(monkeypatch):
    pytest.importorskip("ipywidgets")
    from backprop_lib.widgets import Explorer

    e = Explorer(examples.seed_000(), curve="w2_1_1")
    calls = []
    real = e.model.set
    monkeypatch.setattr(e.model, "set", lambda k, v: calls.append((k, v)) or real(k, v))
    e.param_sliders["w1_2_1"].value = 0.75
    e.x_sliders[1].value = -0.5
    assert calls == [("w1_2_1", 0.75), ("x2", -0.5)]


def test_a_class_target_is_shown_but_not_moved_one_entry_at_a_time():
    """A softmax network's target is a class, one-hot: moving one entry (t1 to 0.5) made a row
    that does not sum to 1, and every move failed with the slider left moved. Its sliders are
    disabled and say why; set() refuses before anything moves; x and the weights still move."""
    pytest.importorskip("ipywidgets")
    from backprop_lib.widgets import Explorer

    sm = bp.Network.random([2, 3, 3], ["tanh", "identity"], "softmax_cross_entropy", seed=1)
    e = Explorer(sm, [0.1, 0.2], 2)
    t = {k: s for k, s in e._sliders.items() if k.startswith("t")}
    assert [s.value for s in t.values()] == [0.0, 0.0, 1.0]
    assert all(s.disabled and "one-hot class target" in s.tooltip for s in t.values())
    with pytest.raises(ValueError, match="key: t1 is one entry of a one-hot class target"):
        e.set("t1", 0.5)
    with pytest.raises(ValueError, match="one-hot class target"):
        e.model.set("t3", 0.0)
    assert t["t1"].value == 0.0 and list(e.model.target) == [0.0, 0.0, 1.0]
    e.set("x1", 0.5)
    assert e.model.x[0] == 0.5
    ex = examples.seed_000()  # other losses: every slider moves
    assert not any(s.disabled for s in Explorer(ex)._sliders.values())
