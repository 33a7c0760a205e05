"""Exercises of notebook 03, numeric against analytic gradients.

Each ``check_<name>(answer)`` computes the right answer with the library and lists the typical
wrong answers it recognises, each computed from the same example (never typed in).
"""

import numpy as np

from .. import examples, numerics
from ..checks import as_float_array
from ..network import forward
from . import Feedback, check
from .tolerance import grade

KEY = "w2_1_1"  # w²₁₁, seed 001's "w5"
EPS = 1e-3  # the step of exercise 1: large enough that forward and central differ visibly

# Seed 001's two numbers for w5, as it printed them: its backprop and its (buggy) check
SEED_BACKPROP_W5 = -0.16096605
SEED_CHECK_W5 = -0.16504242


def _seed_001():
    ex = examples.seed_001()
    return ex, numerics.loss_along(ex.net, ex.x, ex.target, KEY), ex.net.get(KEY)


def check_central_difference(answer):
    """The central difference of seed 001's L with respect to w²₁₁, eps = 1e-3."""
    ex, L, w = _seed_001()
    e = EPS
    expected = (L(w + e) - L(w - e)) / (2 * e)

    def y(v):
        return float(forward(ex.net.set(KEY, v), ex.x, ex.target).output[0])

    L6 = numerics.loss_along(ex.net, ex.x, ex.target, "w2_2_1")
    w6 = ex.net.get("w2_2_1")
    exact = numerics.backprop_value(ex.net, ex.x, ex.target, KEY)
    # A careful computation of the same formula agrees to ~1e-13; the formula's neighbours
    # (forward, other eps) differ by 5e-8 or more: rtol 1e-9 tells them apart. grade() also
    # accepts the value as printed (8 decimals, as the ✔ message shows it) and a float32 value.
    mistakes = [
        (
            "that is the forward difference (L(w + ε) − L(w)) / ε. The central one steps both "
            "ways: (L(w + ε) − L(w − ε)) / (2ε)",
            (L(w + e) - L(w)) / e,
        ),
        (
            "that is the backward difference (L(w) − L(w − ε)) / ε. The central one steps both "
            "ways: (L(w + ε) − L(w − ε)) / (2ε)",
            (L(w) - L(w - e)) / e,
        ),
        (
            "twice too large: from w − ε to w + ε is a step of 2ε, so divide by 2ε, not ε",
            (L(w + e) - L(w - e)) / e,
        ),
        ("divide the difference by the step 2ε: (L(w + ε) − L(w − ε)) / (2ε)", L(w + e) - L(w - e)),
        ("divide by 2ε, not by 2: (L(w + ε) − L(w − ε)) / (2 * eps)", (L(w + e) - L(w - e)) / 2),
        (
            "that is the derivative of the output y, not of the loss L (seed 001's mistake (b)): "
            "use L_at",
            (y(w + e) - y(w - e)) / (2 * e),
        ),
        (
            "that is the derivative for w²₂₁ (seed 001's 'w6', its copy-paste mistake (c)): "
            "nudge w²₁₁",
            (L6(w6 + e) - L6(w6 - e)) / (2 * e),
        ),
        (
            "a flipped sign (seed 001's mistake (d)): it is L(w + ε) − L(w − ε), the value after "
            "the step minus the value before",
            -expected,
        ),
        (
            "very close to the exact derivative: a central difference with a smaller step? "
            "This exercise asks for ε = 10⁻³ (eps = 1e-3)",
            (L(w + 1e-6) - L(w - 1e-6)) / 2e-6,
        ),
    ]
    fb = grade(answer, expected, "∂L/∂w²₁₁ (central, ε = 10⁻³)", mistakes, rtol=1e-9, atol=0.0)
    if _unrecognised(fb, answer, mistakes):
        near = _number(answer) is not None and abs(_number(answer) - exact) < 1e-3 * abs(exact)
        hint = (
            "close to the exact derivative, but not this formula: check eps = 1e-3 and "
            "(L(w + ε) − L(w − ε)) / (2ε)"
            if near
            else "evaluate L_at at w + eps and at w − eps, subtract, and divide by 2 * eps"
        )
        return Feedback(False, fb.message, hint)
    return fb


def _number(answer):
    """answer as one float, or None if it is not one number."""
    try:
        got = as_float_array(answer, "answer", finite=False)  # no silent conversion
    except (TypeError, ValueError):
        return None
    return float(got.reshape(-1)[0]) if got.size == 1 and np.isfinite(got).all() else None


def _unrecognised(fb, answer, mistakes):
    """A wrong single number that matches none of the exercise's typical mistakes: the library's
    generic hint (about the chain rule) does not fit these exercises, so they give their own."""
    return (
        not fb.ok
        and _number(answer) is not None
        and fb.hint not in {h for h, _ in mistakes}
        and not fb.hint.startswith("correct to ")  # grade's near miss keeps its own hint
    )


def check_relative_error(answer):
    """The relative error between seed 001's backprop and its check of w5, as printed."""
    a, n = SEED_BACKPROP_W5, SEED_CHECK_W5
    expected = abs(a - n) / max(abs(a), abs(n))
    mistakes = [
        (
            "a relative error is never negative: take the absolute value |a − n| on top",
            -expected,
        ),
        (
            "divide by the LARGER of |a| and |n|: max(abs(a), abs(n)). Dividing by the smaller "
            "one overstates the error",
            abs(a - n) / min(abs(a), abs(n)),
        ),
        (
            "max(|a|, |n|) takes absolute values: both numbers are negative, so max(a, n) is "
            "the one closer to 0, with a minus sign",
            abs(a - n) / max(a, n),
        ),
        (
            "that is the symmetric version, |a − n| / ((|a| + |n|)/2): fine in practice, but "
            "bp.relative_error (and CS231n) divide by max(|a|, |n|)",
            abs(a - n) / ((abs(a) + abs(n)) / 2),
        ),
        (
            "that is the ABSOLUTE error |a − n|: divide it by max(|a|, |n|) to make it relative",
            abs(a - n),
        ),
        ("divide by max(|a|, |n|), not by |a + n|", abs(a - n) / abs(a + n)),
    ]
    fb = grade(answer, expected, "relative error", mistakes)
    if _unrecognised(fb, answer, mistakes):
        return Feedback(False, fb.message, "relative error = abs(a - n) / max(abs(a), abs(n))")
    return fb


# The float32 sweep of notebook 03 (seed 001, w²₁₁, central differences), on its own grid
SWEEP_EPS = np.logspace(-12, -1, 45)


def float32_band():
    """(low, high, best, best error): the steps that notebook 03's own analysis supports.

    The rule of thumb gives u^(1/3) = 3.9e-3 (u = 2^-24), or 4.9e-3 with machine epsilon 2^-23;
    the balance formula gives (3u|L|/|L‴|)^(1/3), which is 5.6e-3 with the factors set to 1; and
    the float32 sweep, which measures rather than estimates, has its smallest error at 1e-2. The
    band runs from a quarter of the smallest of these to three times the largest: 1e-3 to 3e-2,
    where the sweep's error stays below 1e-4 (round-off dominates below it, truncation above).
    """
    ex = examples.seed_001()
    u = numerics.unit_roundoff(np.float32)
    errors = numerics.eps_sweep(ex.net, ex.x, ex.target, KEY, SWEEP_EPS, "central", np.float32)
    best, best_err = numerics.best_eps(SWEEP_EPS, errors)
    guesses = (u ** (1 / 3), (2 * u) ** (1 / 3), (3 * u) ** (1 / 3), best)
    return min(guesses) / 4, max(guesses) * 3, float(best), float(best_err)


def check_float32_eps(answer):
    """A good step for central differences in float32: any step in ``float32_band()``.

    u^(1/3) (3.9e-3), (2u)^(1/3) (4.9e-3), (3u)^(1/3) (5.6e-3, the notebook's formula for ε*) and
    1e-2 (the sweep's best) all pass; so does anything else in the bottom of the float32 V.
    """
    u32 = numerics.unit_roundoff(np.float32)
    u64 = numerics.unit_roundoff(np.float64)
    expected = numerics.optimal_eps(np.float32, "central")
    low, high, best, best_err = float32_band()
    name = "ε for central differences in float32"
    band = (
        f"the bottom of the float32 V runs from about {low:.0e} to {high:.0e}: u^(1/3) = "
        f"{u32 ** (1 / 3):.1e}, (3u)^(1/3) = {(3 * u32) ** (1 / 3):.1e} and the sweep's best, "
        f"{best:.0e} (error {best_err:.0e}), all lie in it"
    )
    value = _number(answer)
    if value is not None and low <= value <= high:
        return Feedback(True, f"{name}: ε = {value:.2g}, in the bottom of the V ({band})")
    mistakes = [
        (
            "that is the optimum of the FORWARD difference, u^(1/2). The central difference's "
            "truncation error is smaller (ε² instead of ε), so it can afford a larger step: u^(1/3)",
            u32**0.5,
        ),
        (
            "that is the optimum of the FORWARD difference, (2u)^(1/2) with machine epsilon. "
            "The central difference can afford a larger step: u^(1/3)",
            (2 * u32) ** 0.5,
        ),
        (
            "that is float64's u^(1/3). In float32, u = 2⁻²⁴ ≈ 6e-8: use "
            "np.finfo(np.float32).eps / 2",
            u64 ** (1 / 3),
        ),
        (
            "that is gradcheck's ε for float64. In float32 it is far too small: look at the "
            "right-hand panel of the sweep at ε = 10⁻⁶",
            1e-6,
        ),
        ("that is u itself, the unit round-off; the best step is u^(1/3)", u32),
        ("u^(1/3) is u ** (1/3), not u / 3", u32 / 3),
        ("a step is positive", -expected),
    ]
    fb = check(answer, expected, name, mistakes, rtol=0.2)
    if fb.ok or _unrecognised(fb, answer, mistakes):
        side = "round-off (u/ε) wins" if value < low else "truncation (ε²) wins"
        return Feedback(
            False,
            f"{name}: ε = {value:.2g} is outside the bottom of the V: there {side}",
            f"balance truncation (ε²) against round-off (u/ε): {band}",
        )
    return fb
