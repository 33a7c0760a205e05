"""The notebook 03 figures (``plots.finite_difference_figure``, ``eps_sweep_figure``,
``kink_figure``) refuse bad arguments by name (fuzz finding 56): a zero step divided by zero,
and matplotlib's own messages came from empty or mismatched sweeps."""

import warnings

import numpy as np
import pytest

from backprop_lib import plots

EPS = [1e-3, 1e-2, 1e-1]
ONE_SWEEP = r"sweeps\[\('float64', 'forward'\)\]"  # the message names the sweep
SWEEPS = {("float64", "forward"): [1e-3, 1e-2, 1e-1], ("float64", "central"): [1e-6, 1e-4, 1e-2]}


def square(v):
    return v * v


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, cls, name",
    [
        ((square, 0.2, 0.0, 0.0), {}, ValueError, "eps"),  # ZeroDivisionError
        ((square, 0.2, -1.0, 0.0), {}, ValueError, "eps"),  # accepted
        ((square, 0.2, np.nan, 0.0), {}, ValueError, "eps"),
        ((square, 0.2, 0.5, 0.0), {"span": 0}, ValueError, "span"),  # accepted
        ((square, 0.2, 0.5, np.nan), {}, ValueError, "slope"),  # accepted
        ((square, None, 0.5, 0.0), {}, TypeError, "w"),
        ((None, 0.2, 0.5, 0.0), {}, TypeError, "f"),  # "'NoneType' object is not callable"
        ((square, 1.0, 1e-20, 0.0), {}, ValueError, "eps"),  # w ± span·eps round to w
        ((square, 0.0, 1.0, 0.0), {"span": 1e308}, ValueError, "eps"),  # overflow warning
        ((square, 0.0, 10.0, 1e308), {}, ValueError, "eps"),  # the tangent overflows
    ],
)
def test_finite_difference_figure_refuses_bad_arguments_by_name(args, kwargs, cls, name):
    with pytest.raises(cls, match=rf"^{name}: "):
        quiet(plots.finite_difference_figure, *args, **kwargs)


@pytest.mark.parametrize(
    "kwargs, cls, name",
    [
        ({"delta": 0}, ValueError, "delta"),  # ZeroDivisionError
        ({"delta": -1}, ValueError, "delta"),  # accepted
        ({"delta": 1e308}, ValueError, "delta"),  # RuntimeWarnings
        ({"z0": 1.0, "delta": 1e-17}, ValueError, "delta"),  # z0 ± delta round to z0
        ({"z0": np.nan}, ValueError, "z0"),  # accepted
        ({"z0": "0"}, TypeError, "z0"),
    ],
)
def test_kink_figure_refuses_bad_arguments_by_name(kwargs, cls, name):
    with pytest.raises(cls, match=rf"^{name}: "):
        quiet(plots.kink_figure, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, cls, name",
    [
        ((EPS, {}), {}, ValueError, "sweeps"),  # matplotlib's "Number of columns must be ..."
        ((EPS, [1, 2, 3]), {}, TypeError, "sweeps"),
        ((EPS, {("float16", "forward"): EPS}), {}, ValueError, "sweeps"),
        ((EPS, {("float64", "forward"): [1.0, 2.0]}), {}, ValueError, ONE_SWEEP),  # matplotlib's
        ((EPS, {("float64", "forward"): [1.0, np.nan, 2.0]}), {}, ValueError, ONE_SWEEP),
        (([-1e-3, 1e-2, 1e-1], SWEEPS), {}, ValueError, "eps_values"),  # accepted
        (([], {("float64", "forward"): []}), {}, ValueError, "eps_values"),
        ((EPS, SWEEPS), {"marks": [("float32", "forward", 1e-3, "x")]}, ValueError, r"marks\[0\]"),
        (
            (EPS, SWEEPS),
            {"marks": [("float64", "forward", -1.0, "x")]},
            ValueError,
            r"marks\[0\]\[2\]",
        ),
        ((EPS, SWEEPS), {"marks": [("float64", "forward")]}, TypeError, r"marks\[0\]"),
        ((EPS, SWEEPS), {"marks": 3}, TypeError, "marks"),
        ((EPS, SWEEPS), {"floor": 0}, ValueError, "floor"),  # accepted
        ((EPS, SWEEPS), {"floor": "a"}, TypeError, "floor"),
    ],
)
def test_eps_sweep_figure_refuses_bad_arguments_by_name(args, kwargs, cls, name):
    with pytest.raises(cls, match=rf"^{name}: "):
        quiet(plots.eps_sweep_figure, *args, **kwargs)


def test_the_figures_still_draw_valid_arguments_quietly():
    figs = [
        quiet(plots.finite_difference_figure, square, 0.2, 0.5, 0.4),
        quiet(plots.kink_figure),
        quiet(plots.kink_figure, 0.0, 5e-324),  # a subnormal step still moves away from 0
        quiet(plots.eps_sweep_figure, EPS, SWEEPS, [("float64", "central", 1e-2, "here")]),
        quiet(plots.eps_sweep_figure, np.array(EPS), SWEEPS, (), 1e-20),
    ]
    assert all(len(fig.axes) >= 1 for fig in figs)
