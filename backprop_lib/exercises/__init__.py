"""Exercise checking: says right or wrong, and for a typical mistake, which one and a hint.

Each notebook's exercises live in their own module (``ex01``, ``ex02``, ...). An exercise is a
function ``check_<name>(answer)`` that computes the right answer with the library and calls
``check``, listing the typical wrong answers it can recognise:

    def check_dL_dW2(answer):
        ex = examples.seed_002()
        grads = ...
        return check(answer, expected, "∂L/∂W₂", mistakes=[
            ("You left out σ'(z): ...", wrong_value),
        ])

``check`` also recognises by itself a flipped sign, a transposed matrix and a wrong shape.
"""

from dataclasses import dataclass

import numpy as np

from ..checks import as_float_array
from ..checks import from_torch as plain  # a tensor answer, straight from PyTorch
from ..theme import LIGHT


@dataclass(frozen=True)
class Feedback:
    ok: bool
    message: str
    hint: str = ""

    def __bool__(self):
        return self.ok

    def __str__(self):
        mark = "✔ correct" if self.ok else "✘ not yet"
        text = f"{mark}: {self.message}"
        return text + (f"\nHint: {self.hint}" if self.hint else "")

    def _repr_html_(self):
        # Okabe–Ito green and vermillion (the notebooks' stored feedback is drawn in them)
        colour, mark = (LIGHT["c2"], "✔ correct") if self.ok else (LIGHT["c1"], "✘ not yet")
        hint = f"<br><b>Hint:</b> {self.hint}" if self.hint else ""
        return (
            f'<div style="border-left: 5px solid {colour}; padding: 4px 10px; font-size: 16px">'
            f'<b style="color:{colour}">{mark}</b>: {self.message}{hint}</div>'
        )

    def __repr__(self):
        return str(self)


def as_array(answer):
    """``plain(answer)`` as a numpy array, or None if it is none yet or not a (rectangular)
    array: the caller's shape hints apply only to arrays, and ``check`` explains the rest."""
    try:
        return None if answer is None or answer is ... else np.asarray(plain(answer))
    except (TypeError, ValueError):  # ragged rows, or a tensor numpy cannot hold
        return None


def _close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def check(
    answer,
    expected,
    name,
    mistakes=(),
    rtol=1e-6,
    atol=1e-9,
    what="gradient",
    sign_hint="check the sign of (y − t), and that you subtract in the update",
    fallback_hint="go through the chain rule one factor at a time; the replay above shows each",
):
    """Compare ``answer`` with ``expected`` (numbers or arrays) and explain a mismatch.

    mistakes: (hint, wrong_value) pairs, typical wrong answers computed by the exercise;
    the first one the answer matches gives its hint. what: what the answer is ("gradient",
    "activation", ...), for the built-in hints about shapes. sign_hint, fallback_hint: the
    hints for a flipped sign and for an answer no rule recognises.
    """
    expected = np.asarray(expected, dtype=float)
    if answer is None or answer is ...:
        return Feedback(False, f"{name}: no answer yet", "replace the ... with your computation")
    try:  # no silent conversion: complex, strings, masked arrays, 10**400 are not numbers here
        got = as_float_array(answer, "answer", finite=False)
    except (TypeError, ValueError) as e:
        return Feedback(
            False,
            f"{name}: " + str(e).removeprefix("answer: "),
            "compute the answer with numpy (or the library) as a real number or array",
        )
    if got.size == expected.size == 1:
        got, expected = got.reshape(()), expected.reshape(())
    if not np.all(np.isfinite(got)):
        return Feedback(
            False,
            f"{name}: your answer contains NaN or inf",
            "look for a division by zero or an overflow",
        )
    if _close(got, expected, rtol, atol):
        return Feedback(True, f"{name} = {np.array2string(expected, precision=8)}")
    for hint, wrong in mistakes:
        wrong = np.asarray(wrong, dtype=float).reshape(expected.shape)
        if _close(got, wrong, rtol, atol) or _close(got.reshape(-1), wrong.reshape(-1), rtol, atol):
            return Feedback(False, f"{name}: that is a typical mistake", hint)
    if (
        got.shape == expected.T.shape
        and got.shape != expected.shape
        and _close(got.T, expected, rtol, atol)
    ):
        return Feedback(
            False,
            f"{name}: the right numbers, transposed",
            f"this {what} has shape {expected.shape}; yours has {got.shape}. "
            "Check the order of the factors in the matrix product.",
        )
    if got.shape != expected.shape:
        return Feedback(
            False,
            f"{name}: expected shape {expected.shape}, got {got.shape}",
            f"this {what} has shape {expected.shape}"
            + (
                ": a gradient has the shape of what it is the gradient of"
                if what == "gradient"
                else ""
            ),
        )
    if _close(-got, expected, rtol, atol):
        return Feedback(False, f"{name}: right size, wrong sign", sign_hint)
    return Feedback(False, f"{name}: expected something else", fallback_hint)
