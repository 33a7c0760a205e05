"""check_engine names the right bug for each broken engine, and passes correct ones."""

import base64
import re

import engines
import numpy as np
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


class HugeGrad(engines.Good):
    def backward(self):
        super().backward()
        for v in self._topo():
            if not v._prev:
                v.grad = 10**400  # no float64 holds it


class HugeOutputGrad(engines.Good):
    def backward(self):
        super().backward()
        self.grad = 10**400


class NanValue(engines.Good):
    def __add__(self, other):
        out = super().__add__(other)
        out.data = float("nan")
        return out


@pytest.mark.parametrize(
    "cls, bug, words",
    [
        (HugeGrad, "local_derivative", "is not a finite number (an int with 401 digits)"),
        (HugeOutputGrad, "seed", "Its .grad is not a finite number (an int with 401 digits)"),
        (NanValue, "forward_value", "Its .data is not a finite number (float nan)"),
    ],
)
def test_a_gradient_or_value_float64_cannot_hold_is_reported_not_raised(cls, bug, words):
    """Fuzzer finding 44: a learner's gradient of 10**400 raised OverflowError out of the check."""
    report = check_engine(cls)
    assert not report.ok and report.bug == bug
    assert words in report.message()
    assert "data-bp" in report._repr_html_()


@pytest.mark.parametrize(
    "kwargs, kind, name",
    [
        ({"ops": None}, TypeError, "ops"),
        ({"ops": 3}, TypeError, "ops"),
        ({"ops": ()}, ValueError, "ops"),  # IndexError
        ({"ops": [["+"]]}, TypeError, r"ops\[0\]"),  # unhashable type
        ({"ops": ("+", "foo")}, ValueError, r"ops\[1\]"),
        ({"ops": "+"}, TypeError, "ops"),
        ({"n_random": 10**9}, ValueError, "n_random"),  # it hung
        ({"n_random": -1}, ValueError, "n_random"),
        ({"n_random": "a"}, TypeError, "n_random"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": None}, TypeError, "seed"),
        ({"reflected": 3}, TypeError, "reflected"),
        ({"twice": None}, TypeError, "twice"),
        ({"graphs": "yes"}, TypeError, "graphs"),
    ],
)
def test_check_engines_arguments_are_checked(kwargs, kind, name):
    """Fuzzer finding 45: Python's errors, a hang, or bad values silently accepted."""
    with pytest.raises(kind, match=f"^{name}: "):
        check_engine(Value, **kwargs)


def test_a_list_of_ops_and_numpy_numbers_are_still_accepted():
    assert check_engine(Value, ops=["+", "*"], n_random=np.int64(3), seed=np.int64(2)).ok
