"""What counts as a correct answer: the exercises' shared rules of acceptance.

An answer is typed, copied or computed by the learner, so an exercise accepts, besides the
value computed exactly:

* the value **as the notebook prints it** (rounded to ``printed`` decimals, 8 by default, as the
  ✔ message and the notebooks' outputs show it): half a unit of the last printed decimal;
* a **float32** computation (a float32 numpy value or torch tensor): a relative error of
  ``FLOAT32_RTOL``, about 80 float32 unit round-offs, what a few float32 operations with a little
  cancellation lose (seed 000's ∂L/∂z¹ in float32 is off by about 1e-6).

An answer that is none of these, no typical mistake either, but agrees with the expected value in
its first N >= 3 significant digits and looks typed (a short decimal, as copied from a rounded
print) gets the hint "correct to N digits; compute it instead of typing it", not a hint about the
maths. A computed answer that is close but wrong keeps the exercise's own hint.

``grade`` wraps ``exercises.check``: it calls it first (so its typical mistakes, shapes and signs
keep their hints) and applies these rules only where ``check`` said no.
"""

import math

import numpy as np

from ..checks import as_float_array
from . import Feedback, check

FLOAT32_RTOL = 1e-5
NEAR_MISS_DIGITS = 3  # at least this many correct significant digits is a near miss


def is_float32(answer):
    """True for a float32 numpy value/array or torch tensor (duck-typed: no torch import)."""
    dtype = getattr(answer, "dtype", None)
    return dtype is not None and str(dtype).endswith("float32")


def _floats(answer, shape):
    """answer as a float array of ``shape`` (same size), or None."""
    try:  # the same coercion (a torch tensor read through checks.from_torch) as check's: no complex, string, masked or 10**400 answer slips in
        got = as_float_array(answer, "answer", finite=False)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(got)) or not (
        got.shape == tuple(shape) or got.size == 1 == int(np.prod(shape))
    ):
        return None  # other shapes keep check's own hints (transposed, wrong shape)
    return got.reshape(shape)


def correct_digits(got, expected):
    """To how many significant digits ``got`` is right in every entry: the largest N for which
    |got - expected| is at most half a unit of expected's N-th significant digit (0 if none)."""
    n = 17
    for g, e in zip(np.ravel(got), np.ravel(expected)):
        if e == 0:
            if g != 0:
                return 0
            continue
        lead = math.floor(math.log10(abs(e)))
        k = 0
        while k < 17 and abs(g - e) <= 0.5 * 10.0 ** (lead - k) * (1 + 1e-9):
            k += 1
        n = min(n, k)
    return n


def looks_typed(got):
    """True if every entry has a short decimal form (at most 12 significant digits), as a number
    typed or copied from a print has; a computed float64 value almost never does."""
    for v in np.ravel(got):
        mantissa = repr(float(abs(v))).split("e")[0].replace(".", "").lstrip("0")
        if len(mantissa) > 12:
            return False
    return True


def near_miss_hint(n):
    return f"correct to {n} digits; compute it instead of typing it"


def grade(answer, expected, name, mistakes=(), rtol=1e-6, atol=1e-9, printed=8, **kwargs):
    """``check`` plus the rules above. ``printed``: decimals the notebook prints (None: no
    rounded form is accepted)."""
    fb = check(answer, expected, name, mistakes, rtol=rtol, atol=atol, **kwargs)
    if fb.ok or fb.hint in {h for h, _ in mistakes}:
        return fb
    expected = np.asarray(expected, dtype=float)
    got = _floats(answer, expected.shape)
    if got is None:
        return fb
    shown = np.array2string(expected, precision=8)
    if is_float32(answer) and np.allclose(got, expected, rtol=FLOAT32_RTOL, atol=atol):
        return Feedback(True, f"{name} = {shown} (to float32 precision)")
    if printed is not None and np.all(
        np.abs(got - expected) <= 0.5 * 10.0**-printed * (1 + 1e-9) + 1e-15
    ):
        return Feedback(True, f"{name} = {shown} (to the {printed} decimals printed)")
    n = correct_digits(got, expected)
    if n >= NEAR_MISS_DIGITS and looks_typed(got):
        return Feedback(False, f"{name}: close, but not close enough", near_miss_hint(n))
    return fb
