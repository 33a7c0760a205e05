"""Every exercise accepts its correct answers, and gives each typical mistake its own hint.

For each exercise of notebooks 01-04 a correct answer comes in several forms, and all must pass:
the expected value itself; the value rounded to the digits the notebook prints (8 decimals, as in
the ✔ message and the outputs); a float32 computation of the worked solution; and each equivalent
form the solution mentions (a tensor or an array, shape (2,) or (1, 2), u^(1/3) or (3u)^(1/3),
...). Each listed typical mistake, submitted as its value, must get its own hint, and an answer
typed from too few digits must be told "correct to N digits; compute it instead of typing it".

The expected values and the mistakes are read from the checks themselves (a spy records what they
pass to ``grade``), so the test follows any change to the list; the correct forms are computed
here, from the library and from the examples' numbers, independently of the checks.
"""

import functools
import inspect
import re

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import examples, numerics
from backprop_lib.exercises import Feedback, ex01, ex02, ex03, ex04, tolerance

f32 = np.float32


def _run(ex, dtype=np.float64):
    trace = bp.forward(ex.net, ex.x, ex.target, dtype=dtype)
    return trace, bp.backward(ex.net, trace)


def _spy(module, fn, monkeypatch, name="grade"):
    """(expected, mistakes) that ``fn`` passes to module.<name>."""
    captured = {}
    real = getattr(module, name)

    def spy(answer, expected, label, mistakes=(), **kw):
        captured.update(expected=np.asarray(expected, float), mistakes=list(mistakes))
        return real(answer, expected, label, mistakes, **kw)

    with monkeypatch.context() as m:
        m.setattr(module, name, spy)
        fn(0.123)
        if not captured:
            fn(np.ones((2, 2)))
    return captured["expected"], captured["mistakes"]


# ------------------------------------------------------------------------------ correct forms


def _forms_01_02():
    """{check: [(description, answer)]}: correct answers other than the exact value."""
    e002, e000 = examples.seed_002(), examples.seed_000()
    t002, g002 = _run(e002)
    t000, g000 = _run(e000)
    t000_32, g000_32 = _run(e000, np.float32)
    W1, b1 = e000.net.weights[0], e000.net.biases[0]
    y, t = f32(-0.62245933), f32(0.0)
    return {
        ex01.check_loss_002: [
            ("float32 solution", f32(0.5) * (y - t) ** 2),
            ("the library's trace.loss", t002.loss),
        ],
        ex01.check_z1_1: [
            ("float32 solution", f32(0.5) * f32(0.2) + f32(0.3) * f32(0.1) + f32(0.1)),
            ("x @ W1 + b1, entry 0", (e000.x @ W1 + b1)[0]),
        ],
        ex01.check_a1_1: [
            ("float32 solution", f32(1) / (f32(1) + np.exp(f32(-0.23)))),
            ("bp.layers.sigmoid(0.23)", bp.layers.sigmoid(0.23)),
        ],
        ex01.check_hidden_batch: [
            (
                "float32 solution",
                bp.layers.sigmoid(ex01.BATCH_X.astype(f32) @ W1.astype(f32) + b1.astype(f32)),
            ),
            ("bp.forward on the batch", bp.forward(e000.net, ex01.BATCH_X, [0.7, 0.7]).a1),
        ],
        ex02.check_dL_dW2_002: [
            ("float32 solution", (y - t) * f32(1) * f32(0.62245933)),
            ("grads.dL_dW2", g002.dL_dW2),
        ],
        ex02.check_dL_dW1_000: [
            ("float32 backward", g000_32.dL_dW1),
            ("x[:, None] * dL_dz1 (broadcasting)", e000.x[:, None] * g000.dL_dz1),
        ],
        ex02.check_sgd_step: [
            ("float32 solution", W1.astype(f32) - f32(0.1) * g000.dL_dW1.astype(f32)),
            ("the whole new network from bp.sgd_step", bp.sgd_step(e000.net, g000, 0.1)),
        ],
    }


def _forms_03():
    ex = examples.seed_001()
    L = numerics.loss_along(ex.net, ex.x, ex.target, "w2_1_1")
    w, e = ex.net.get("w2_1_1"), 1e-3
    u = np.finfo(np.float32).eps / 2
    a, n = ex03.SEED_BACKPROP_W5, ex03.SEED_CHECK_W5
    return {
        ex03.check_central_difference: [
            ("numerics.difference", numerics.difference(L, w, e, "central")),
            ("float32 value of the solution", f32((L(w + e) - L(w - e)) / (2 * e))),
        ],
        ex03.check_relative_error: [
            ("bp.relative_error", bp.relative_error(a, n)),
            ("float32 solution", abs(f32(a) - f32(n)) / max(abs(f32(a)), abs(f32(n)))),
        ],
        ex03.check_float32_eps: [
            ("u^(1/3), the rule of thumb", u ** (1 / 3)),
            ("(2u)^(1/3), machine epsilon for u", (2 * u) ** (1 / 3)),
            ("(3u)^(1/3), the notebook's formula for ε*", (3 * u) ** (1 / 3)),
            ("1e-2, the float32 sweep's best", 1e-2),
            ("float32 u^(1/3)", f32(u) ** f32(1 / 3)),
            ("rounded to the printed 3.9e-03", 3.9e-3),
        ],
    }


def _forms_04():
    e000, e002 = examples.seed_000(), examples.seed_002()
    _, g000 = _run(e000)
    _, g002 = _run(e002)
    _, g000_32 = _run(e000, np.float32)
    forms = {
        ex04.check_dL_dz1: [
            ("shape (1, 2), as torch keeps the batch axis", g000.dL_dz1.reshape(1, 2)),
            ("float32 backward (PyTorch's default dtype)", g000_32.dL_dz1),
        ],
        ex04.check_zeroed_grad: [
            ("a float", float(g002.dL_dW1[0, 0])),
            ("shape (1, 1), as W1.grad", g002.dL_dW1),
        ],
    }
    try:
        import torch as th

        from backprop_lib.torch_bridge import to_torch, torch_forward
    except ImportError:
        return forms
    params = to_torch(e000.net)
    L, zs, _ = torch_forward(e000.net, params, e000.x, e000.target)
    zs[0].retain_grad()
    L.backward()
    forms[ex04.check_dL_dz1].append(("the tensor z1.grad itself", zs[0].grad))
    forms[ex04.check_dL_dz1].append(
        ("a float32 tensor", th.tensor(g000_32.dL_dz1, dtype=th.float32).reshape(1, 2))
    )
    params = to_torch(e002.net)
    for _ in range(2):
        for p in params.weights + params.biases:
            if p.grad is not None:
                p.grad.zero_()  # the solution's other form: W1.grad.zero_()
        L, _, _ = torch_forward(e002.net, params, e002.x, e002.target)
        L.backward()
    forms[ex04.check_zeroed_grad].append(("W1.grad after .zero_()", params.weights[0].grad))
    return forms


@functools.cache
def all_forms():
    return {**_forms_01_02(), **_forms_03(), **_forms_04()}


MODULES = {ex01: "ex01", ex02: "ex02", ex03: "ex03", ex04: "ex04"}
CHECKS = [
    ex01.check_loss_002,
    ex01.check_z1_1,
    ex01.check_a1_1,
    ex01.check_hidden_batch,
    ex02.check_dL_dW2_002,
    ex02.check_dL_dW1_000,
    ex02.check_sgd_step,
    ex03.check_central_difference,
    ex03.check_relative_error,
    ex03.check_float32_eps,
    ex04.check_dL_dz1,
    ex04.check_zeroed_grad,
]
IDS = [f"{c.__module__.rsplit('.', 1)[1]}.{c.__name__}" for c in CHECKS]


def _module(check):
    return next(m for m in MODULES if m.__name__ == check.__module__)


def _expected_and_mistakes(check, monkeypatch):
    name = "check" if check is ex03.check_float32_eps else "grade"
    return _spy(_module(check), check, monkeypatch, name)


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_the_expected_value_and_its_printed_rounding_pass(check, monkeypatch):
    expected, _ = _expected_and_mistakes(check, monkeypatch)
    assert check(expected).ok, check(expected)
    printed = np.round(expected, 8)  # what the ✔ message and the outputs print
    assert check(printed).ok, (printed, check(printed))
    assert check(printed.tolist() if printed.ndim else float(printed)).ok


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_every_equivalent_form_passes(check):
    forms = all_forms()[check]
    assert forms, "each exercise lists its other correct forms"
    for description, answer in forms:
        fb = check(answer)
        assert fb.ok, f"{description}: {answer!r} -> {fb}"


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_each_typical_mistake_gets_its_own_hint(check, monkeypatch):
    expected, mistakes = _expected_and_mistakes(check, monkeypatch)
    assert mistakes, "every exercise lists typical mistakes"
    hints = [h for h, _ in mistakes]
    assert len(set(hints)) == len(hints), "two mistakes share a hint"
    for hint, value in mistakes:
        fb = check(np.asarray(value, float).reshape(np.shape(value)))
        assert not fb.ok and fb.hint == hint, f"mistake {hint!r}: got {fb}"


SCALAR_CHECKS = [c for c in CHECKS if c is not ex03.check_float32_eps]


@pytest.mark.parametrize(
    "check", SCALAR_CHECKS, ids=[i for c, i in zip(CHECKS, IDS) if c is not ex03.check_float32_eps]
)
def test_a_value_typed_from_too_few_digits_is_a_near_miss(check, monkeypatch):
    expected, _ = _expected_and_mistakes(check, monkeypatch)
    digits = 4  # fewer than any exercise accepts (they accept 8 decimals)
    typed = np.vectorize(lambda v: float(f"{v:.{digits - 1}e}"))(expected)
    if np.allclose(typed, expected, rtol=1e-12, atol=0):
        pytest.skip(f"the expected value {expected} has at most {digits} digits")
    fb = check(typed if typed.ndim else float(typed))
    assert not fb.ok, (typed, fb)
    m = re.fullmatch(r"correct to (\d+) digits; compute it instead of typing it", fb.hint)
    assert m and int(m.group(1)) >= digits, fb


def test_correct_digits_counts_leading_digits():
    assert tolerance.correct_digits(0.09809, 0.0980890913) == 4
    assert tolerance.correct_digits(-0.0981, -0.0980890913) == 3
    assert tolerance.correct_digits(0.5, -0.5) == 0
    assert tolerance.correct_digits(-0.3875, -0.38745562) == 4
    assert tolerance.looks_typed(0.0981) and not tolerance.looks_typed(0.1 / 3)


def test_float32_eps_rejects_steps_outside_the_band():
    low, high, best, _ = ex03.float32_band()
    assert 1e-3 < low * 1.03 and high == pytest.approx(3e-2) and best == pytest.approx(1e-2)
    for eps in (low / 10, high * 3):
        fb = ex03.check_float32_eps(eps)
        assert not fb.ok and "bottom of the float32 V" in fb.hint


@pytest.mark.parametrize(
    "check",
    [c for c in CHECKS if c is not ex03.check_float32_eps],
    ids=[i for c, i in zip(CHECKS, IDS) if c is not ex03.check_float32_eps],
)
def test_the_value_the_tick_message_prints_is_accepted(check, monkeypatch):
    """Finding 15: what the ✔ message prints, typed back in, passes (03's rtol 1e-9 did not)."""
    expected, _ = _expected_and_mistakes(check, monkeypatch)
    message = check(expected).message
    printed = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", message.split(" = ", 1)[1])]
    typed = np.array(printed).reshape(expected.shape)
    assert check(typed).ok, (message, check(typed))


def test_notebook_01_hints_use_only_what_01_teaches():
    """Finding 12: no chain rule, no gradient, no update in the forward-pass exercises' hints."""
    e = examples.seed_000()
    answers = {
        ex01.check_loss_002: [-0.19372781, 0.7, np.ones(3)],
        ex01.check_z1_1: [-0.23, 0.7, np.ones(2)],
        ex01.check_a1_1: [-0.55724785, 0.7, np.ones(2)],
        ex01.check_hidden_batch: [
            -bp.forward(e.net, ex01.BATCH_X, [0.7, 0.7]).a1,
            np.ones((2, 2)),
            np.ones(2),
        ],
    }
    for check, wrong in answers.items():
        for answer in wrong:
            fb = check(answer)
            assert not fb.ok
            text = (fb.message + " " + fb.hint).lower()
            for word in ("chain rule", "gradient", "update", "(y − t)"):
                assert word not in text, (check.__name__, answer, fb)


def _every_check():
    from backprop_lib.exercises import ex06

    return [
        getattr(m, n)
        for m in (ex01, ex02, ex03, ex04, ex06)
        for n in sorted(vars(m))
        if n.startswith("check_")
        and callable(getattr(m, n))
        and n != "check_engine"
        and "TheirValue" not in inspect.signature(getattr(m, n)).parameters  # takes a class
    ]


@pytest.mark.parametrize("check", _every_check(), ids=lambda c: f"{c.__module__[-4:]}.{c.__name__}")
def test_no_answer_makes_a_check_raise(check):
    """A check answers every answer with feedback, never a traceback: a tensor straight from
    PyTorch (requires_grad, bfloat16), ragged rows, text, None."""
    torch = pytest.importorskip("torch")
    answers = [
        torch.tensor([0.5, 0.25], dtype=torch.float64, requires_grad=True),
        torch.tensor(0.5, requires_grad=True) * 2,  # not a leaf
        torch.tensor([0.5], dtype=torch.bfloat16),
        [[1.0], [1.0, 2.0]],
        "0.5",
        None,
        ...,
    ]
    for answer in answers:
        fb = check(answer)
        assert isinstance(fb, Feedback) and not fb.ok, (answer, fb)


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_the_expected_value_as_a_tensor_that_requires_grad_passes(check, monkeypatch):
    torch = pytest.importorskip("torch")
    expected, _ = _expected_and_mistakes(check, monkeypatch)
    answer = torch.tensor(expected, dtype=torch.float64, requires_grad=True)
    assert check(answer).ok, (answer, check(answer))
    assert check(answer * 1.0).ok  # a computed tensor, not a leaf
