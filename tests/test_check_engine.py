"""check_engine names the right bug for each broken engine, and passes correct ones."""

import base64
import re

import engines
import pytest

from backprop_lib.autograd import Value
from backprop_lib.check_engine import check_engine


@pytest.mark.parametrize("cls", [Value, engines.Good])
def test_a_correct_engine_passes(cls):
    report = check_engine(cls)
    assert report.ok, str(report)
    assert report.checked > 50 and str(report).startswith("✔ correct")


@pytest.mark.parametrize(
    "cls,bug,op",
    [
        (engines.Overwrite, "overwrite", None),
        (engines.NoTopo, "topo_missing", None),
        (engines.WrongOrder, "topo_order", None),
        (engines.NotZeroed, "not_zeroed", None),
        (engines.ZeroesLeaves, "zeroes_leaves", None),
        (engines.NoReflected, "reflected", "*"),
        (engines.WrongTanh, "local_derivative", "tanh"),
        (engines.WrongPowExponent, "local_derivative", "**"),
    ],
)
def test_each_broken_engine_gets_its_bug_named(cls, bug, op):
    report = check_engine(cls)
    assert not report.ok
    assert report.bug == bug, str(report)
    if op is not None:
        assert report.op.startswith(op), str(report)
    html = report._repr_html_()
    # stored as an <img> of the SVG (an untrusted notebook drops <svg> and <style>)
    assert "<svg" not in html and "<style" not in html and 'alt="Expression graph' in html
    svg = "".join(
        base64.b64decode(b).decode()
        for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    )
    assert f'data-bug="{bug}"' in html and "✗" in svg  # the graph, with the node marked
    assert report.key is not None and f'data-key="{report.key}"' in svg
    assert report.hint in str(report)


def test_the_report_never_shows_our_value():
    report = check_engine(engines.WrongTanh)
    assert report.ours is not None
    ours = f"{report.ours:.8g}"
    assert ours not in report.message() and ours not in str(report)


def test_an_engine_without_an_operation_is_told_which():
    class NoLog(engines.Good):
        log = None

    report = check_engine(NoLog)
    assert report.bug == "missing_op" and report.op == "log"


def test_not_a_class():
    with pytest.raises(TypeError, match="TheirValue: expected a class"):
        check_engine(Value(1.0))
    assert re.search("not yet", str(check_engine(engines.NoTopo)))


def test_the_drawing_shows_their_numbers_not_ours():
    report = check_engine(engines.WrongPowExponent)
    html = report._repr_html_()
    assert f'data-grad="{report.ours!r}"' not in html
    assert "1.029" in html  # their gradient of a: 3 · 0.7³


def test_a_backward_that_visits_nothing_is_a_missing_order_even_on_one_operation():
    class Empty(engines.Good):
        def backward(self):
            self.grad = 1.0  # and nothing else

    assert check_engine(Empty).bug == "topo_missing"


def test_a_tanh_that_passes_nothing_on_is_its_local_derivative():
    class SilentTanh(engines.Good):
        def _tanh_local(self, t):
            return 0.0

    report = check_engine(SilentTanh)
    assert report.bug == "local_derivative" and report.op == "tanh"
