"""The bug clinic reproduces seed 001's mistakes faithfully, and gradcheck flags each one.

Where the seed printed a number, the reproduction prints it too. The seed's finite differences
use eps = 1e-10, so their last digits are round-off: the error of a forward difference is about
u |y| / eps ~ 1e-6 here, and a different exp() or a different order of additions (another
processor, another numpy) moves digits 7 and 8. Those numbers are compared to ~1e-6; the seed's
backprop values and everything computed with eps = 1e-6 are compared to every printed digit.
"""

import inspect
import re

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import bugclinic, examples

ROUND_OFF = 2e-6  # what eps = 1e-10 leaves of the 8 printed digits


@pytest.fixture(scope="module")
def seed():
    ex = examples.seed_001()
    return ex.net, ex.x, ex.target


@pytest.fixture(scope="module")
def run():
    return bugclinic.seed_001_run()


# --------------------------------------------------------------------------- the seed verbatim


def test_seed_forward_pass_gives_the_seeds_y(run):
    assert round(run["y"], 8) == 0.69531126


def test_seed_backprop_prints_the_seeds_numbers(run):
    printed = bugclinic.SEED_001_PRINTED
    np.testing.assert_allclose(
        run["backprop_output"], printed["backprop_output"], rtol=0, atol=6e-9
    )
    np.testing.assert_allclose(
        run["backprop_hidden"], printed["backprop_hidden"], rtol=0, atol=6e-9
    )
    # it is -dy/dW2: the correct dy/dW2 with the seed's deliberate -1
    np.testing.assert_allclose(-run["backprop_output"], [[0.16096605, 0.16504206]], atol=6e-9)


def test_seed_check_prints_the_seeds_numbers_within_round_off(run):
    printed = bugclinic.SEED_001_PRINTED
    np.testing.assert_allclose(
        run["numeric_output"], printed["numeric_output"], rtol=0, atol=ROUND_OFF
    )
    np.testing.assert_allclose(
        run["numeric_hidden"], printed["numeric_hidden"], rtol=0, atol=ROUND_OFF
    )


def test_seed_check_of_w5_and_w6_is_identical(run):
    """Mistake (c): both lines perturb w6, so the two numbers are the same float, -0.16504242."""
    w5, w6 = run["numeric_output"]
    assert w5 == w6
    assert w5 == pytest.approx(-0.16504242, abs=ROUND_OFF)


def test_seed_check_is_minus_dy_dw(seed, run):
    """Mistakes (b) and (d): the seed's number for w6 is -dy/dw6 (up to round-off)."""
    net, x, t = seed
    grads = bp.backward(net, bp.forward(net, x, t))
    dy_dw6 = grads.dL_dW2[1, 0] / grads.dL_dy[0]
    assert dy_dw6 == pytest.approx(0.16504206, abs=6e-9)
    assert run["numeric_output"][1] == pytest.approx(-dy_dw6, abs=ROUND_OFF)


def test_seed_output_along_reproduces_the_seeds_difference():
    y = bugclinic.seed_001_output_along("w6")
    w6 = bugclinic.seed_001_weight("w6")
    d = (y(w6 + 1e-10) - y(w6)) / 1e-10
    assert -d == pytest.approx(bugclinic.SEED_001_PRINTED["numeric_output"][1], abs=ROUND_OFF)
    assert bugclinic.seed_001_weight("w5") == pytest.approx(0.42365480, abs=1e-8)


def test_seed_001_suspect_has_the_networks_shapes(seed):
    net, _, _ = seed
    suspect = bugclinic.seed_001_suspect()
    assert [W.shape for W in suspect.weights] == [W.shape for W in net.weights]
    assert suspect.biases is None


def test_whole_seed_check_fails_gradcheck_by_the_factor_minus_one_over_dL_dy(seed):
    net, x, t = seed
    report = bp.gradcheck(net, x, t, grads=bugclinic.seed_001_suspect())
    assert not report.ok
    assert all(r.rel_error > 0.3 for r in report.rows)
    dL_dy = bp.forward(net, x, t).output[0] * 2 - 2  # 2 (y - t)
    for key in ("w1_1_1", "w1_2_2", "w2_2_1"):  # (b) and (d) together: -1/dL_dy = 1.641
        r = report.row(key)
        assert r.analytic / r.numeric == pytest.approx(-1 / dL_dy, rel=1e-4)
    r5 = report.row("w2_1_1")  # plus (c): dy/dw6 where dy/dw5 belonged
    assert r5.analytic / r5.numeric == pytest.approx(1.6826, abs=1e-4)


# --------------------------------------------------------------------------- one bug at a time


def test_bug_a_forward_tiny_eps_is_flagged_as_a_poor_difference(seed):
    net, x, t = seed
    report = bp.gradcheck(net, x, t, grads=bugclinic.bug_a_one_sided_tiny_eps(net, x, t))
    # round-off ~ u |L| / eps = 1e-7 absolute: 1e-6 to 1e-4 relative for gradients of 0.01-0.1
    assert 1e-6 < report.max_rel_error < 1e-3
    assert not report.ok
    lines = bugclinic.diagnose(report)
    assert lines and all("poor finite difference" in line for line in lines)


def test_bug_a_loses_digits_against_central_differences(seed):
    """On the seed's own y: ~5.7 correct digits with eps = 1e-10 forward, ~10 with 1e-6 central."""
    from backprop_lib import numerics

    net, x, t = seed
    grads = bp.backward(net, bp.forward(net, x, t))
    exact = grads.dL_dW2[1, 0] / grads.dL_dy[0]
    y = bugclinic.seed_001_output_along("w6")
    w6 = bugclinic.seed_001_weight("w6")
    seed_way = numerics.correct_digits(numerics.difference(y, w6, 1e-10, "forward"), exact)
    better = numerics.correct_digits(numerics.difference(y, w6, 1e-6, "central"), exact)
    assert 4 < seed_way < 7
    assert better > 9
    assert better - seed_way > 3


def test_bug_b_output_not_loss_is_off_by_dL_dy(seed):
    net, x, t = seed
    suspect = bugclinic.bug_b_output_not_loss(net, x, t)
    # the values are dy/dw, the seed's (sign-corrected) backprop numbers
    np.testing.assert_allclose(suspect.weights[1][:, 0], [0.16096605, 0.16504206], atol=6e-9)
    report = bp.gradcheck(net, x, t, grads=suspect)
    assert not report.ok
    dL_dy = bp.backward(net, bp.forward(net, x, t)).dL_dy[0]
    assert dL_dy == pytest.approx(2 * (0.69531126 - 1), abs=1e-8)
    for r in report.rows:
        assert r.analytic / r.numeric == pytest.approx(1 / dL_dy, rel=1e-6)
        assert r.rel_error == pytest.approx(abs(1 - dL_dy), rel=1e-6)  # |1 - c| / max(1, |c|)
    assert "same factor -1.641" in bugclinic.diagnose(report)[-1]


def test_bug_c_copy_paste_flags_w5_only(seed):
    net, x, t = seed
    suspect = bugclinic.bug_c_copy_paste(net, x, t)
    assert suspect.value(net, "w2_1_1") == suspect.value(net, "w2_2_1")
    report = bp.gradcheck(net, x, t, grads=suspect)
    flagged = [r.key for r in report.rows if r.rel_error >= report.tol]
    assert flagged == ["w2_1_1"]
    assert 2.4e-2 < report.row("w2_1_1").rel_error < 2.6e-2
    assert report.max_rel_error == pytest.approx(
        bp.relative_error(report.row("w2_1_1").numeric, report.row("w2_2_1").numeric), rel=1e-9
    )
    (line,) = bugclinic.diagnose(report)
    assert "numeric gradient of w²₂₁" in line


def test_bug_d_flipped_sign_gives_relative_error_two(seed):
    net, x, t = seed
    report = bp.gradcheck(net, x, t, grads=bugclinic.bug_d_flipped_sign(net, x, t))
    assert not report.ok
    assert all(r.rel_error == pytest.approx(2.0, abs=1e-4) for r in report.rows)
    assert all("sign flipped" in line for line in bugclinic.diagnose(report))


def test_each_bug_marks_its_buggy_line():
    for bug in bugclinic.BUGS.values():
        assert "# BUG" in inspect.getsource(bug)


def test_bugs_fixed_pass_gradcheck(seed):
    """Undo each mistake and the check passes: the clinic's functions differ only in the bug."""
    net, x, t = seed
    assert (
        bp.gradcheck(
            net, x, t, grads=bugclinic.bug_a_one_sided_tiny_eps(net, x, t, eps=1e-6)
        ).max_rel_error
        < 1e-5
    )
    assert not bp.gradcheck(net, x, t, grads=bugclinic.bug_d_flipped_sign(net, x, t)).ok


# --------------------------------------------------------------------------- helpers


def test_report_text_renames_only_the_header(seed):
    net, x, t = seed
    report = bp.gradcheck(net, x, t)
    text = bugclinic.report_text(report, tested="suspect")
    assert text.splitlines()[0].split() == ["parameter", "suspect", "numeric", "rel.", "error"]
    assert text.splitlines()[1:] == str(report).splitlines()[1:]


def test_diagnose_a_passing_report(seed):
    net, x, t = seed
    (line,) = bugclinic.diagnose(bp.gradcheck(net, x, t))
    assert line.startswith("all 6 gradients pass")


def test_as_grads_and_from_keys_round_trip():
    ex = examples.seed_000()
    grads = bp.backward(ex.net, bp.forward(ex.net, ex.x, ex.target))
    suspect = bugclinic.as_grads(grads.weights, grads.biases)
    assert bp.gradcheck(ex.net, ex.x, ex.target, grads=suspect).ok
    values = {k: suspect.value(ex.net, k) for k in ex.net.param_keys()}
    again = bugclinic.Suspect.from_keys(ex.net, values)
    for a, b in zip(again.weights + again.biases, suspect.weights + suspect.biases):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="missing"):
        bugclinic.Suspect.from_keys(ex.net, {"w1_1_1": 0.0})


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(TypeError, match="net: expected a Network"):
        bugclinic.bug_d_flipped_sign("not a net", [1, 1], [1])
    with pytest.raises(ValueError, match="name: expected one of"):
        bugclinic.seed_001_output_along("w7")
    with pytest.raises(ValueError, match="name: expected one of"):
        bugclinic.seed_001_weight("w0")


def test_as_grads_says_what_is_wrong_and_takes_tensors_as_they_come():
    """as_grads names the bad entry (not numpy's words), and takes torch tensors straight from a
    backward pass (.grad, or a tensor that requires grad), with no warning."""
    import warnings

    bad = {
        "weights: expected a list": None,
        "weights[0]: expected a number": [["a"]],
        "weights[0]: expected a rectangular array": [[[1.0], [1.0, 2.0]]],
        "weights[1]: expected a number or an array of numbers, got NoneType": [
            [[1.0]],
            [[1, None]],
        ],
        "weights[0]: a number is too large for float64": [[[10**400]]],
    }
    for message, weights in bad.items():
        with pytest.raises((TypeError, ValueError), match=re.escape(message)):
            bugclinic.as_grads(weights)
    with pytest.raises(TypeError, match="biases: expected a list"):
        bugclinic.as_grads([[[1.0]]], "ab")
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = bugclinic.as_grads(
            [torch.ones(2, 2, requires_grad=True), torch.ones(2, 1)], [torch.ones(2), torch.ones(1)]
        )
    assert s.weights[0].dtype == np.float64 and s.biases[1].tolist() == [1.0]


# --------------------------------------------------------------------------- fuzz findings 42, 43


@pytest.mark.parametrize("bug", list(bugclinic.BUGS.values()), ids=list(bugclinic.BUGS))
@pytest.mark.parametrize(
    "eps, error",
    [
        (0, ValueError),
        (-1, ValueError),
        (float("nan"), ValueError),
        (1e308, ValueError),
        pytest.param(10**400, ValueError, id="10**400"),
        ("a", TypeError),
        (None, TypeError),
    ],
)
def test_bugs_refuse_a_bad_eps_by_name(bug, eps, error):
    """Finding 42: eps=0 raised ZeroDivisionError, 10**400 OverflowError, 'a' Python's
    "unsupported operand"; -1 and 1e308 gave gradients of 1e-310."""
    s1 = examples.seed_001()
    with pytest.raises(error, match=r"^eps: "):
        bug(s1.net, s1.x, s1.target, eps=eps)


def test_bugs_take_a_tiny_eps_to_show_round_off():
    s1 = examples.seed_001()
    assert bugclinic.bug_a_one_sided_tiny_eps(s1.net, s1.x, s1.target, eps=1e-14).weights


def _report():
    s1 = examples.seed_001()
    grads = bugclinic.bug_d_flipped_sign(s1.net, s1.x, s1.target)
    return bp.gradcheck(s1.net, s1.x, s1.target, grads=grads)


@pytest.mark.parametrize("report", [None, "report", 3])
def test_report_text_and_diagnose_refuse_a_non_report(report):
    """Finding 43: None gave dataclasses' "replace() should be called on dataclass instances" and
    diagnose(None) an AttributeError."""
    with pytest.raises(TypeError, match=r"^report: expected the report that gradcheck"):
        bugclinic.report_text(report)
    with pytest.raises(TypeError, match=r"^report: expected the report that gradcheck"):
        bugclinic.diagnose(report)


def test_report_text_refuses_a_non_string_heading():
    """Finding 43: tested=3 was accepted."""
    with pytest.raises(TypeError, match=r"^tested: expected a string"):
        bugclinic.report_text(_report(), tested=3)


@pytest.mark.parametrize(
    "rtol, error", [("a", TypeError), (None, TypeError), (-1, ValueError), (0, ValueError)]
)
def test_diagnose_refuses_a_bad_rtol(rtol, error):
    """Finding 43: rtol='a' gave "'<' not supported", rtol=-1 was accepted."""
    with pytest.raises(error, match=r"^rtol: "):
        bugclinic.diagnose(_report(), rtol=rtol)


@pytest.mark.parametrize("sizes", [[2, 1], [2, 1, 1], [2, 3]])
def test_bug_c_refuses_a_network_without_w5_and_w6(sizes):
    """Finding 43: without w2_2_1 bug (c) said "key: ..."; a 1-layer net was accepted silently."""
    net = bp.Network.random(sizes, seed=0)
    with pytest.raises(ValueError, match=r"^net: expected a network with w2_1_1 and w2_2_1"):
        bugclinic.bug_c_copy_paste(net, [1.0, 1.0], [0.5] * sizes[-1])
