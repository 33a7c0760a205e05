"""Finite differences and the epsilon sweep: truncation and round-off behave as the theory says."""

import inspect
import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import compare, examples, numerics
from backprop_lib.checks import NumericOverflowError

EPS = np.logspace(-12, -1, 45)
KEY = "w2_1_1"


@pytest.fixture(scope="module")
def seed():
    ex = examples.seed_001()
    return ex.net, ex.x, ex.target


@pytest.fixture(scope="module")
def sweeps(seed):
    net, x, t = seed
    return numerics.sweep_all(net, x, t, KEY, EPS)


def test_unit_roundoff_and_rule_of_thumb_optima():
    assert numerics.unit_roundoff(np.float64) == 2.0**-53
    assert numerics.unit_roundoff(np.float32) == 2.0**-24
    assert numerics.optimal_eps(np.float64, "forward") == pytest.approx(2.0**-26.5)
    assert numerics.optimal_eps(np.float32, "central") == pytest.approx(2.0**-8)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_sweep_is_a_v(sweeps, dtype, method):
    """The error at the best step is orders of magnitude below both ends of the sweep."""
    errors = sweeps[(dtype, method)]
    best, err = numerics.best_eps(EPS, errors)
    assert err < errors[0] / 30  # round-off arm (eps = 1e-12)
    assert err < errors[-1] / 30  # truncation arm (eps = 1e-1)
    assert 1e-12 < best < 1e-1
    # the best step is within two decades of the rule of thumb u^(1/2) or u^(1/3)
    rule = numerics.optimal_eps(np.dtype(dtype).type, method)
    assert 1e-2 < best / rule < 1e2


def test_float64_v_is_deep(sweeps):
    assert numerics.best_eps(EPS, sweeps[("float64", "central")])[1] < 1e-10
    assert numerics.best_eps(EPS, sweeps[("float64", "forward")])[1] < 1e-7
    # at gradcheck's eps = 1e-6, the central difference is good to ~1e-9 or better
    i = int(np.argmin(np.abs(np.log(EPS / 1e-6))))
    assert sweeps[("float64", "central")][i] < 1e-8


def test_float32_is_flat_where_the_step_vanishes(sweeps):
    """Below ~u|w|, w + eps rounds back to w in float32: the difference is 0, the error 1."""
    for method in ("forward", "central"):
        errors = sweeps[("float32", method)]
        assert np.all(errors[EPS < 1e-9] == 1.0)
        assert numerics.best_eps(EPS, errors)[1] > 1e-7  # float32 never gets near float64


def test_truncation_orders(seed):
    """Tenfold smaller step: forward error / 10, central error / 100 (truncation regime)."""
    net, x, t = seed
    f = numerics.loss_along(net, x, t, KEY)
    w, exact = net.get(KEY), numerics.backprop_value(net, x, t, KEY)
    for method, ratio in (("forward", 10), ("central", 100)):
        e1 = abs(numerics.difference(f, w, 1e-2, method) - exact)
        e2 = abs(numerics.difference(f, w, 1e-3, method) - exact)
        assert ratio * 0.7 < e1 / e2 < ratio * 1.4


def test_backprop_value_matches_backward(seed):
    net, x, t = seed
    grads = bp.backward(net, bp.forward(net, x, t))
    assert numerics.backprop_value(net, x, t, "w2_2_1") == grads.dL_dW2[1, 0]
    ex = examples.seed_000()
    g0 = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    assert numerics.backprop_value(ex.net, ex.x, ex.target, "b1_2") == g0.dL_db1[1]


def test_eps_sweep_in_float32_really_computes_in_float32(seed):
    net, x, t = seed
    f32 = numerics.loss_along(net, x, t, KEY, np.float32)
    f64 = numerics.loss_along(net, x, t, KEY)
    w = net.get(KEY)
    assert f32(w) != f64(w)
    # float32 is correct to a few of its own units: L = (y - t)^2 turns a relative error r in y
    # into about 2|y| r / |y - t| in L, and y = sigma(z) carries about 4 roundings of u = 2^-24
    y = bp.forward(net, x, t).output[0]
    assert abs(f32(w) - f64(w)) / f64(w) < 2 * abs(y) / abs(y - t[0]) * 4 * 2.0**-24


def test_correct_digits():
    assert numerics.correct_digits(1.0001, 1.0) == pytest.approx(4.0, abs=1e-6)
    assert numerics.correct_digits(2.0, 2.0) == float("inf")


def test_max_relative_error_and_side_by_side():
    ex = examples.seed_002()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    numeric = bp.numeric_gradients(ex.net, ex.x, ex.target)
    assert compare.max_relative_error(ex.net, grads, numeric) < 1e-9
    rows = compare.side_by_side(ex.net, grads, numeric)
    assert [r[0] for r in rows] == ["w¹₁₁", "b¹₁", "w²₁₁", "b²₁"]
    assert rows[2][1] == pytest.approx(-0.38745562, abs=1e-8)


def test_gradcheck_quietly_returns_the_kink_warning():
    net = bp.Network([[[1.0, 0.5], [-1.0, 0.3]], [[0.8], [-0.6]]],
                     activations=["relu", "identity"], loss="half_squared_error")  # fmt: skip
    report, messages = compare.gradcheck_quietly(net, [0.5, 0.5], [1.0])
    assert not report.ok and report.max_rel_error == pytest.approx(1.0, abs=1e-6)
    assert len(messages) == 1 and messages[0].startswith("GradcheckWarning: ")
    # half the one-sided slope: the central difference straddles the kink
    assert report.row("w1_1_1").numeric == pytest.approx(-0.248, abs=1e-6)
    report, messages = compare.gradcheck_quietly(net, [0.5, 0.45], [1.0])
    assert report.ok and messages == []


def test_bad_arguments():
    ex = examples.seed_001()
    with pytest.raises(ValueError, match="method"):
        numerics.difference(lambda w: w, 1.0, 1e-3, "backward")
    with pytest.raises(ValueError, match="dtype"):
        numerics.unit_roundoff(np.float16)
    with pytest.raises(ValueError, match="eps_values"):
        numerics.eps_sweep(ex.net, ex.x, ex.target, KEY, [1e-3, -1.0])
    with pytest.raises(ValueError, match="key"):
        numerics.loss_along(ex.net, ex.x, ex.target, "w9_1_1")
    with pytest.raises(TypeError, match="net"):
        numerics.loss_along("net", ex.x, ex.target, KEY)


def test_plots_build_figures_without_pyplot(seed, sweeps):
    """The figures are plain Figure objects (no pyplot state), with projector-sized fonts."""
    from backprop_lib import plots

    net, x, t = seed
    figs = [
        plots.eps_sweep_figure(EPS, sweeps, [("float64", "forward", 1e-10, "seed 001")]),
        plots.finite_difference_figure(
            numerics.loss_along(net, x, t, KEY),
            net.get(KEY),
            1.5,
            numerics.backprop_value(net, x, t, KEY),
        ),  # fmt: skip
        plots.kink_figure(),
    ]
    for fig in figs:
        for ax in fig.axes:
            sizes = [ax.xaxis.label.get_size(), ax.title.get_size()]
            sizes += [lbl.get_size() for lbl in ax.get_xticklabels()]
            assert min(sizes) >= 12
    import ast

    tree = ast.parse(inspect.getsource(plots))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any("pyplot" in name for name in imported)


def test_relative_errors_at_the_edges_of_float64_are_finite_or_a_clear_error():
    """values - reference overflowed (inf and numpy's warning); a 1e-320 reference divided to
    inf. Now the first is scaled and finite, the second a ValueError saying why."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert numerics.relative_errors([1e308], -1e308).tolist() == [2.0]
        with pytest.raises(ValueError, match="values: a relative error beyond float64"):
            numerics.relative_errors([1.0], 1e-320)


# --------------------------------------------------------------------------- bad input (fuzz 37-40)


@pytest.mark.parametrize(
    "f, error, message",
    [
        (None, TypeError, r"^f: expected a function, got NoneType None"),
        (lambda w: float("nan"), ValueError, r"^f: expected a function returning one finite"),
        (lambda w: "a", TypeError, r"^f: expected a function returning one finite .* got str 'a'"),
        (lambda w: 10**400, ValueError, r"^f: .* got an int with 401 digits"),
        (lambda w: 1e308 if w > 1 else -1e308, NumericOverflowError, r"^f: its difference"),
    ],
    ids=["None", "nan", "str", "10**400", "overflow"],
)
def test_difference_checks_f_and_what_it_returns(f, error, message):
    """None and 'a' gave Python's messages; nan, inf and 10**400 came back silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=message):
            numerics.difference(f, 1.0, 1e-3)


def test_difference_takes_a_0d_array_and_keeps_fs_own_numbers():
    assert numerics.difference(lambda w: w * w, np.array(1.0), 1e-3) == pytest.approx(2.0)
    d = numerics.difference(lambda w: np.float32(w), 1.0, 0.5, "forward")
    assert type(d) is np.float32 and d == 1.0  # f's float32 arithmetic, as before


@pytest.mark.parametrize(
    "approx, exact, digits",
    [(1e308, -1e308, -np.log10(2.0)), (1e300, 1e-300, -600.0), (-1e308, 1e-308, -616.0)],
)
def test_correct_digits_beyond_float64_is_finite(approx, exact, digits):
    """|approx - exact| / |exact| overflowed: correct_digits returned -inf."""
    assert numerics.correct_digits(approx, exact) == pytest.approx(digits, abs=1e-9)


@pytest.mark.parametrize(
    "eps_values, errors, message",
    [
        ([[1e-3]], [[1.0]], r"^eps_values: expected a non-empty 1-D array, got shape \(1, 1\)"),
        ([], [], r"^eps_values: expected a non-empty 1-D array, got shape \(0,\)"),
        ([1e-3, 1e-2], [1.0], r"^errors: expected a 1-D array shaped like eps_values"),
    ],
)
def test_best_eps_names_the_bad_argument(eps_values, errors, message):
    """The first two blamed errors: when eps_values was the bad one."""
    with pytest.raises(ValueError, match=message):
        numerics.best_eps(eps_values, errors)


@pytest.mark.parametrize("along", [numerics.loss_along, numerics.output_along])
def test_loss_along_names_w(seed, along):
    """loss_along(...)('abc') said 'value:', a name the caller never used."""
    net, x, t = seed
    with pytest.raises(TypeError, match=r"^w: expected a number"):
        along(net, x, t, KEY)("abc")
    assert along(net, x, t, KEY)(np.array(0.5)) == along(net, x, t, KEY)(0.5)


def _grads(weights, biases):
    import types

    return types.SimpleNamespace(weights=weights, biases=biases)


@pytest.mark.parametrize("compare_fn", [compare.max_relative_error, compare.side_by_side])
def test_compare_checks_its_arguments(compare_fn):
    """None gave AttributeError, strings a numpy message."""
    ex = examples.seed_002()
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    strings = _grads([np.full(W.shape, "a") for W in g.weights], g.biases)
    cases = [
        ((None, g, g), TypeError, r"^net: expected a Network"),
        ((ex.net, None, g), TypeError, r"^a: expected gradients with \.weights and \.biases"),
        ((ex.net, g, 3), TypeError, r"^b: expected gradients with \.weights and \.biases"),
        ((ex.net, strings, g), TypeError, r"^a\.weights\[0\]: expected a number .*strings"),
        ((ex.net, g, _grads(None, g.biases)), TypeError, r"^b\.weights: expected a list"),
        ((ex.net, g, _grads(g.weights[:1], g.biases)), ValueError, r"^b: expected arrays shaped"),
    ]
    for args, error, message in cases:
        with pytest.raises(error, match=message):
            compare_fn(*args)


def test_compare_takes_torch_tensors_that_require_grad():
    """They raised torch's RuntimeError "Can't call numpy() on Tensor that requires grad"."""
    torch = pytest.importorskip("torch")
    ex = examples.seed_002()
    g = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    leaves = _grads(
        [torch.tensor(W, requires_grad=True) for W in g.weights],
        [torch.tensor(b, requires_grad=True) for b in g.biases],
    )
    assert compare.max_relative_error(ex.net, leaves, g) == 0.0
    assert compare.side_by_side(ex.net, leaves, g) == compare.side_by_side(ex.net, g, g)
