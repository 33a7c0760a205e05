"""Fuzzing every public function's arguments (issue 14): bad values and valid ones.

For each call site and each of its arguments, hypothesis draws bad values (None, strings,
booleans, complex, dates, masked arrays, ragged rows, NaN and inf, numbers too large for
float64, negative or zero sizes, wrong shapes, unknown names, ...) with every other argument
valid. Each must raise a TypeError or ValueError whose message starts with the argument's
name, and never a numpy warning. Valid values drawn the same way must be accepted, with
finite results. The counts go to artifacts/fuzz_counts.json.
"""

import json
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import datasets, examples, numerics, train
from backprop_lib.exercises import ex01, ex02, ex03

COUNTS = Counter()
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# --------------------------------------------------------------------------- bad values


def _masked(v):
    return np.ma.masked_array(v, mask=np.zeros(np.shape(v), dtype=bool) | True)


NOT_NUMBERS = st.sampled_from(
    [
        None,
        "abc",
        "0.5",
        b"1",
        {"a": 1},
        object(),
        [1, "a"],
        [None, 1.0],
        1 + 2j,
        np.array([0.5 + 1j]),
        np.array(["2026-01-01"], dtype="datetime64[D]"),
        True,
        [True, False],
        _masked([0.5, 0.3]),
        [[0.7], [0.1, 0.2]],
        [10**400, 1],
        10**400,
        float("nan"),
        float("inf"),
        [float("nan"), 1.0],
        [1.0, -float("inf")],
        np.array([np.nan]),
    ]
)
NON_FINITE = st.sampled_from([float("nan"), float("inf"), -float("inf")])
BAD_POSITIVE = st.one_of(
    NOT_NUMBERS,
    st.floats(max_value=0.0, allow_nan=False),
    st.integers(max_value=0),
    st.just([0.1]),
    st.just(np.array([0.1, 0.2])),
)
NOT_NONE_POSITIVE = BAD_POSITIVE.filter(lambda v: v is not None)  # None: "the default"
BAD_WHOLE = st.one_of(
    NOT_NUMBERS,
    st.floats(allow_nan=False).filter(lambda v: v != int(v) if np.isfinite(v) else True),
    st.integers(max_value=-1),
    st.just(2.0),
    st.just("3"),
    st.just(np.float64(2.0)),
)
BAD_SEED = st.one_of(
    st.integers(max_value=-1),
    st.just(1.5),
    st.just("1"),
    st.just(True),
    st.just([1]),
    st.just(1 + 0j),
)
BAD_NAME = st.one_of(
    st.text(max_size=8).filter(lambda s: s not in VALID_NAMES),
    st.none(),
    st.integers(),
    st.just(["sigmoid"]),
    st.just(b"relu"),
    st.just("Tanh"),
    st.just("sigmoid "),
)
BAD_NET = st.sampled_from(
    [None, "net", 3, {"weights": []}, examples.seed_000(), [1, 2], np.zeros((2, 2))]
)
VALID_NAMES = {
    "sigmoid",
    "tanh",
    "relu",
    "identity",
    "squared_error",
    "half_squared_error",
    "binary_cross_entropy",
    "softmax_cross_entropy",
    "central",
    "forward",
    "two moons",
    "spirals",
}


def wrong_shape(n):
    """Arrays of numbers whose last dimension is not n (or of too many dimensions)."""
    return st.one_of(
        st.integers(0, 6).filter(lambda k: k != n).map(lambda k: np.ones(k)),
        st.just(np.ones((2, 2, n))),
        st.just(np.ones((0, n))),
    )


# --------------------------------------------------------------------------- call sites

EX = examples.seed_000()  # [2, 2, 1], sigmoid, squared error
SOFTMAX = bp.Network.random(
    [2, 3, 3], activations=["tanh", "identity"], loss="softmax_cross_entropy", seed=1
)
TRACE = bp.forward(EX.net, EX.x, EX.target)
GRADS = bp.backward(EX.net, TRACE)
X2, Y2 = datasets.two_moons(12, 0.1, seed=0)
NET_2_4_1 = bp.Network.random(
    [2, 4, 1], activations=["tanh", "sigmoid"], loss="binary_cross_entropy", seed=0
)


def _explorer(**kw):
    from backprop_lib.widgets import Explorer

    args = {"example": EX.net, "x": EX.x, "target": EX.target} | kw
    return Explorer(args.pop("example"), args.pop("x"), args.pop("target"), **args)


def _explorer_set(key="w1_1_1", value=0.5):
    e = _explorer()
    e.set(key, value)
    return e


def _training_view(**kw):
    from backprop_lib.train_view import TrainingView

    return TrainingView(**({"data": (X2, Y2), "grid": 8} | kw))


def _torch(**kw):
    torch = pytest.importorskip("torch")
    from backprop_lib import torch_bridge

    kw = {"net": EX.net, "x": EX.x, "target": EX.target, "dtype": torch.float64} | kw
    return torch_bridge.torch_forward_backward(**kw)


def _f(w):
    return float(np.sum(np.asarray(w) ** 2))


# name -> (function of keyword arguments, valid defaults, {argument: bad values})
SITES = {
    "forward": (
        bp.forward,
        {"net": EX.net, "x": EX.x, "target": EX.target},
        {
            "net": BAD_NET,
            "x": st.one_of(NOT_NUMBERS, wrong_shape(2)),
            "target": st.one_of(NOT_NUMBERS, wrong_shape(1)),
            "dtype": st.sampled_from(["float32", np.int64, np.float16, None, float]),
        },
    ),
    "forward softmax": (
        bp.forward,
        {"net": SOFTMAX, "x": [0.1, 0.2], "target": 1},
        {
            "target": st.one_of(
                NOT_NUMBERS,
                st.integers().filter(lambda k: not 0 <= k < 3),
                st.just([0.5, 0.2, 0.1]),
                st.just([2.0, -1.0, 0.0]),
            ),
        },
    ),
    "backward": (
        bp.backward,
        {"net": EX.net, "trace": TRACE},
        {
            "net": BAD_NET,
            "trace": st.one_of(
                NOT_NUMBERS, st.just(GRADS), st.just(bp.forward(SOFTMAX, [0.1, 0.2], 0))
            ),
        },
    ),
    "sgd_step": (
        bp.sgd_step,
        {"net": EX.net, "grads": GRADS, "lr": 0.1},
        {
            "net": BAD_NET,
            "grads": st.one_of(NOT_NUMBERS, st.just(TRACE)),
            "lr": BAD_POSITIVE,
        },
    ),
    "Network": (
        bp.Network,
        {
            "weights": [np.ones((2, 2)), np.ones((2, 1))],
            "biases": None,
            "activations": "sigmoid",
            "loss": "squared_error",
        },
        {
            "weights": st.one_of(
                NOT_NUMBERS,
                st.just([]),
                st.just([np.ones(2)]),
                st.just([np.ones((2, 2)), np.ones((3, 1))]),
                st.just([np.ones((2, 0))]),
            ),
            "biases": st.one_of(
                st.sampled_from(["abc", 3, [np.ones(2)], [np.ones(3), np.ones(1)]]),
                st.just([[np.nan, 1.0], [0.0]]),
            ),
            "activations": st.one_of(BAD_NAME, st.just(["sigmoid"]), st.just(["relu", 3])),
            "loss": BAD_NAME,
        },
    ),
    "Network.random": (
        bp.Network.random,
        {"sizes": [2, 3, 1], "seed": 0},
        {
            "sizes": st.one_of(
                NOT_NUMBERS,
                st.just([2]),
                st.just([2, 0]),
                st.just([2, 1.5]),
                st.just([2, -1]),
                st.just([2, 10**9]),
                st.just([True, 1]),
            ),
            "activations": BAD_NAME,
            "loss": BAD_NAME,
            "seed": BAD_SEED,
            "biases": st.sampled_from(["no", 0, 1, None, "False"]),
        },
    ),
    "Network.set": (
        EX.net.set,
        {"key": "w1_1_1", "value": 0.5},
        {
            "key": st.one_of(
                st.text(max_size=10).filter(lambda k: k not in EX.net.param_keys()),
                st.none(),
                st.integers(),
                st.sampled_from(
                    ["w0_1_1", "w1_0_1", "w3_1_1", "b1_3", "w2_1_1\n", "w01_01_01", " w1_1_1"]
                ),
            ),
            "value": st.one_of(NOT_NUMBERS, st.just([1.0, 2.0])),
        },
    ),
    "Network.get": (
        EX.net.get,
        {"key": "w1_1_1"},
        {
            "key": st.one_of(
                st.text(max_size=10).filter(lambda k: k not in EX.net.param_keys()),
                st.none(),
                st.integers(),
                st.sampled_from(["w0_1_1", "b0_1", "w1_1_3", "b2_2"]),
            ),
        },
    ),
    "gradcheck": (
        bp.gradcheck,
        {"net": EX.net, "x": EX.x, "target": EX.target},
        {
            "net": BAD_NET,
            "x": st.one_of(NOT_NUMBERS, wrong_shape(2)),
            "target": NOT_NUMBERS,
            "eps": st.one_of(
                NOT_NONE_POSITIVE,
                st.floats(1e-300, 1e-10, exclude_max=True),
                st.floats(0.1, 1e300, exclude_min=True),
            ),
            "tol": st.one_of(
                BAD_POSITIVE,
                st.floats(1e-320, 1e-12, exclude_max=True),
                st.floats(0.1, 10, exclude_min=True),
            ),
            "method": BAD_NAME,
            "grads": st.sampled_from(
                ["abc", 3, [1.0], bp.backward(SOFTMAX, bp.forward(SOFTMAX, [0.1, 0.2], 0))]
            ),
            "label": st.sampled_from([None, 3, ["a"], b"x"]),
        },
    ),
    "numeric_gradient": (
        bp.numeric_gradient,
        {"f": _f, "w": [1.0, 2.0]},
        {
            "f": st.sampled_from([None, 3, "f", [1]]),
            "w": NOT_NUMBERS,
            "eps": st.one_of(NOT_NONE_POSITIVE, st.floats(1e-300, 1e-10, exclude_max=True)),
            "method": BAD_NAME,
        },
    ),
    "numeric_gradient f": (
        bp.numeric_gradient,
        {"f": _f, "w": [1.0, 2.0]},
        {
            "f": st.sampled_from(
                [
                    lambda w: float("nan"),
                    lambda w: "x",
                    lambda w: None,
                    lambda w: np.ones(2),
                    lambda w: float("inf"),
                ]
            ),
        },
    ),
    "numeric_gradients": (
        bp.numeric_gradients,
        {"net": EX.net, "x": EX.x, "target": EX.target},
        {
            "net": BAD_NET,
            "x": NOT_NUMBERS,
            "target": NOT_NUMBERS,
            "eps": NOT_NONE_POSITIVE,
            "method": BAD_NAME,
        },
    ),
    "relative_error": (
        bp.relative_error,
        {"a": 1.0, "b": 1.1},
        {
            "a": NOT_NUMBERS,
            "b": st.one_of(NOT_NUMBERS, st.just([1.0, 2.0])),
            "floor": st.one_of(BAD_POSITIVE),
        },
    ),
    "steps": (
        bp.steps,
        {"net": EX.net, "trace": TRACE, "grads": GRADS},
        {
            "net": BAD_NET,
            "trace": st.one_of(NOT_NUMBERS, st.just(GRADS)),
            "grads": st.one_of(NOT_NUMBERS, st.just(TRACE)),
        },
    ),
    "train": (
        train.train,
        {"net": NET_2_4_1, "X": X2, "Y": Y2, "lr": 0.1, "epochs": 1, "batch_size": 4, "seed": 0},
        {
            "net": BAD_NET,
            "X": st.one_of(NOT_NUMBERS, wrong_shape(2)),
            "Y": st.one_of(NOT_NUMBERS, st.just(Y2[:5]), st.just(np.full(12, 2.0))),
            "lr": BAD_POSITIVE,
            "epochs": BAD_WHOLE,
            "batch_size": st.one_of(BAD_WHOLE, st.just(0), st.just(13)),
            "seed": BAD_SEED,
            "until_accuracy": st.one_of(NOT_NONE_POSITIVE, st.just(1.5)),
        },
    ),
    "predict": (
        train.predict,
        {"net": NET_2_4_1, "X": X2},
        {
            "net": BAD_NET,
            "X": st.one_of(NOT_NUMBERS, wrong_shape(2), st.just(0.5), st.just(X2[0])),
        },
    ),
    "accuracy": (
        train.accuracy,
        {"net": NET_2_4_1, "X": X2, "Y": Y2},
        {
            "net": BAD_NET,
            "X": st.one_of(NOT_NUMBERS, wrong_shape(2)),
            "Y": st.one_of(NOT_NUMBERS, st.just(Y2[:3])),
        },
    ),
    "labels_of": (
        train.labels_of,
        {"T": Y2},
        {
            "T": st.one_of(NOT_NUMBERS, st.just(np.ones((2, 2, 2))), st.just([])),
        },
    ),
    "batch_indices": (
        lambda **kw: list(train.batch_indices(**kw)),
        {"n": 10, "batch_size": 3, "seed": 0, "epochs": 1},
        {
            "n": BAD_WHOLE,
            "batch_size": st.one_of(BAD_WHOLE, st.just(0)),
            "seed": BAD_SEED,
            "epochs": BAD_WHOLE.filter(lambda v: v is not None),  # None: for ever
        },
    ),
    "two_moons": (
        datasets.two_moons,
        {"n": 20},
        {
            "n": st.one_of(BAD_WHOLE, st.just(1), st.just(10**400)),
            "noise": st.one_of(NOT_NUMBERS, st.just(-0.1), st.just(1e308)),
            "seed": BAD_SEED,
        },
    ),
    "spirals": (
        datasets.spirals,
        {"n": 30},
        {
            "n": st.one_of(BAD_WHOLE, st.just(10**9)),
            "k": st.one_of(BAD_WHOLE, st.just(1), st.just(10**400)),
            "noise": st.one_of(NOT_NUMBERS, st.just(-1.0), st.just(1e308)),
            "seed": BAD_SEED,
        },
    ),
    "torch_forward_backward": (
        _torch,
        {},
        {
            "net": BAD_NET,
            "x": st.one_of(NOT_NUMBERS, wrong_shape(2)),
            "target": NOT_NUMBERS,
            "dtype": st.sampled_from([None, "float64", np.float64, 3]),
        },
    ),
    "Explorer": (
        _explorer,
        {},
        {
            "example": BAD_NET.filter(lambda v: not isinstance(v, examples.Example)),
            "x": st.one_of(NOT_NUMBERS, wrong_shape(2), st.just(np.ones((2, 2)))),
            "target": NOT_NUMBERS,
            "curve": st.one_of(st.text(max_size=6), st.integers(), st.just("w2_1_1\n")),
            "weight_range": st.one_of(BAD_POSITIVE, st.just(1e9)),
            "tangent": st.sampled_from([None, "yes", 1, 0]),
            "presenter": st.sampled_from([None, "yes", 1]),
            "start": BAD_NAME,
        },
    ),
    "Explorer.set": (
        _explorer_set,
        {},
        {
            "key": st.one_of(
                st.text(max_size=5),
                st.none(),
                st.integers(),
                st.sampled_from(["x0", "t0", "x3", "t2", "", "w9_1_1"]),
            ),
            "value": st.one_of(NOT_NUMBERS, st.floats(3.0001, 1e300), st.floats(-1e300, -3.0001)),
        },
    ),
    "TrainingView": (
        _training_view,
        {},
        {
            "data": st.one_of(
                st.sampled_from(
                    [None, "moons", 3, (X2,), (X2, Y2 * 0), (X2[:, :1], Y2), (X2, Y2[:3])]
                ),
                BAD_NAME,
            ),
            "hidden": st.one_of(BAD_WHOLE, st.just(0), st.just(33)),
            "activation": BAD_NAME,
            "lr": BAD_POSITIVE,
            "batch_size": st.one_of(BAD_WHOLE, st.just(0)),
            "seed": BAD_SEED,
            "grid": st.one_of(BAD_WHOLE, st.just(-1), st.just(10**5)),
            "max_epochs": st.one_of(BAD_WHOLE, st.just(0)),
            "chunk_seconds": BAD_POSITIVE,
        },
    ),
    "eps_sweep": (
        numerics.eps_sweep,
        {
            "net": EX.net,
            "x": EX.x,
            "target": EX.target,
            "key": "w1_1_1",
            "eps_values": [1e-6, 1e-4],
        },
        {
            "net": BAD_NET,
            "key": st.one_of(st.none(), st.just("w0_1_1"), st.integers()),
            "eps_values": st.one_of(NOT_NUMBERS, st.just([]), st.just([-1e-3]), st.just([2.0])),
            "method": BAD_NAME,
            "dtype": st.sampled_from(["float32", np.int32, None]),
        },
    ),
}
SLOW = {
    "train",
    "TrainingView",
    "Explorer",
    "Explorer.set",
    "torch_forward_backward",
    "gradcheck",
    "numeric_gradients",
    "eps_sweep",
}
CASES = [(site, arg) for site, (_, _, bad) in SITES.items() for arg in bad]


def _calls(site, **override):
    fn, valid, _ = SITES[site]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning, no other warning either
        return fn(**(valid | override))


def assert_clear_error(site, arg, value):
    try:
        result = _calls(site, **{arg: value})
    except (TypeError, ValueError) as e:
        msg = str(e)
        name = re.escape(arg)
        assert (
            re.match(rf"^{name}(\[\d+\]| \(\w+\))*:", msg)
            or re.match(r"^\w+(\[\d+\])*( \(\w+\))?:", msg)
            and arg in ("example", "weights", "data")
        ), f"{site}({arg}={value!r}): message does not start with {arg!r}: {msg}"
        COUNTS[f"{site}: clear"] += 1
        return
    except Exception as e:  # noqa: BLE001 - anything else is a failure with a report
        raise AssertionError(f"{site}({arg}={value!r}) raised {type(e).__name__}: {e}") from e
    raise AssertionError(f"{site}({arg}={value!r}) was accepted silently: {result!r}"[:400])


@pytest.mark.parametrize("site, arg", CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_bad_values_give_a_clear_error_naming_the_argument(site, arg):
    examples_per_arg = 8 if site in SLOW else 25

    @settings(
        max_examples=examples_per_arg,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(value=SITES[site][2][arg])
    def check(value):
        assert_clear_error(site, arg, value)

    check()


# --------------------------------------------------------------------------- valid values

FLOAT = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
NP_FLOAT = FLOAT.map(np.float64) | FLOAT.map(np.float32) | st.integers(-5, 5)


def _finite(result):
    for v in (getattr(result, f, None) for f in ("loss", "output", "max_rel_error")):
        if v is not None and not isinstance(v, str):  # (a Network's .loss is its name)
            assert np.isfinite(v).all()


VALID = {
    "forward": st.fixed_dictionaries(
        {
            "x": st.one_of(
                st.lists(NP_FLOAT, min_size=2, max_size=2),
                st.lists(st.lists(FLOAT, min_size=2, max_size=2), min_size=1, max_size=4).map(
                    np.array
                ),
            ),
        }
    ).map(lambda d: d | {"target": 0.5 if np.ndim(d["x"]) == 1 else np.full(len(d["x"]), 0.5)}),
    "Network.set": st.fixed_dictionaries(
        {
            "key": st.sampled_from(EX.net.param_keys()),
            "value": st.one_of(
                NP_FLOAT, st.floats(-1e6, 1e6), st.just(np.array(1.5)), st.integers(-(10**6), 10**6)
            ),
        }
    ),
    "gradcheck": st.fixed_dictionaries(
        {
            "eps": st.one_of(st.floats(1e-8, 1e-3), st.just(np.float32(1e-6))),
            "tol": st.one_of(st.floats(1e-6, 0.1), st.just(np.float32(1e-6))),
            "method": st.sampled_from(["central", "forward"]),
        }
    ),
    "sgd_step": st.fixed_dictionaries(
        {"lr": st.one_of(st.floats(1e-9, 100.0), st.integers(1, 100), st.just(np.float32(0.1)))}
    ),
    "Network.random": st.fixed_dictionaries(
        {
            "sizes": st.lists(st.integers(1, 6), min_size=2, max_size=4),
            "seed": st.one_of(st.none(), st.integers(0, 2**64), st.just(np.int64(3))),
            "biases": st.booleans(),
        }
    ),
    "batch_indices": st.fixed_dictionaries(
        {
            "n": st.integers(0, 30),
            "batch_size": st.integers(1, 40),
            "seed": st.one_of(st.none(), st.integers(0, 10**30)),
            "epochs": st.one_of(st.integers(0, 3), st.just(np.int32(2))),
        }
    ),
    "relative_error": st.fixed_dictionaries(
        {"a": NP_FLOAT, "b": NP_FLOAT, "floor": st.floats(1e-300, 1e300)}
    ),
    "two_moons": st.fixed_dictionaries(
        {"n": st.integers(2, 50), "noise": st.floats(0, 10), "seed": st.integers(0, 10**6)}
    ),
    "spirals": st.fixed_dictionaries(
        {
            "n": st.integers(2, 50),
            "k": st.integers(2, 2),
            "noise": st.floats(0, 10),
            "seed": st.integers(0, 99),
        }
    ),
    "Explorer.set": st.fixed_dictionaries(
        {
            "key": st.sampled_from(["w1_1_1", "b2_1", "x1", "x2", "t1"]),
            "value": st.floats(0.0, 1.0) | st.integers(0, 1),
        }
    ),
    "numeric_gradient": st.fixed_dictionaries(
        {
            "w": st.lists(FLOAT, min_size=1, max_size=4) | NP_FLOAT,
            "eps": st.floats(1e-8, 1e-2),
            "method": st.sampled_from(["central", "forward"]),
        }
    ),
}


@pytest.mark.parametrize("site", sorted(VALID))
def test_valid_values_are_accepted(site):
    @settings(
        max_examples=15 if site in SLOW else 40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(kwargs=VALID[site])
    def check(kwargs):
        _finite(_calls(site, **kwargs))
        COUNTS[f"{site}: valid accepted"] += 1

    check()


def test_exercise_answers_never_raise_and_never_pass_when_converted():
    bad = [
        None,
        "0.19372781",
        b"1",
        0.19372781 + 5j,
        np.array([0.19372781 + 5j]),
        10**400,
        _masked([0.19372781]),
        [[1.0], [1.0, 2.0]],
        {"a": 1},
        float("nan"),
        True,
        np.array(["2026-01-01"], dtype="datetime64[D]"),
    ]
    checks = [
        ex01.check_loss_002,
        ex01.check_z1_1,
        ex02.check_dL_dW2_002,
        ex03.check_central_difference,
    ]
    for check in checks:
        for answer in bad:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                feedback = check(answer)
            assert not feedback.ok, (check.__name__, answer)
            COUNTS["exercise checks: clear"] += 1


@pytest.fixture(scope="module", autouse=True)
def write_counts():
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz_counts.json").write_text(json.dumps(dict(sorted(COUNTS.items())), indent=1))
