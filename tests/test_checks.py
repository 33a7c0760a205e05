"""backprop_lib.checks, the one checking module: what each check accepts, what it refuses, and
what its messages say (issue 14: mutants of checks.py that changed behaviour and survived; a
huge int shown by its size, not digit by digit).

Every test goes through the public checks (or forward, which uses them): each asserts what a
caller sees, the value returned or the error's type and whole message.
"""

import contextlib
import numbers
import re
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import checks


def raises(exc, message):
    """pytest.raises for exactly this message (the whole of it)."""
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


# ------------------------------------------------------------------- huge ints in messages


@pytest.mark.parametrize(
    "value, shown",
    [
        (10**400, "an int with 401 digits"),
        (-(10**400), "a negative int with 401 digits"),
        (10**20, "an int with 21 digits"),
        (10**20 - 1, "99999999999999999999"),
        (10**5000, "an int with 5001 digits"),  # str() itself refuses ints over 4300 digits
        (7, "7"),
        (np.int64(-3), "-3"),
    ],
    ids=["10^400", "-10^400", "10^20", "10^20-1", "10^5000", "7", "int64"],
)
def test_show_gives_an_int_by_its_size_once_it_is_longer_than_20_digits(value, shown):
    assert checks.show(value) == shown


def test_show_counts_digits_exactly_at_every_power_of_ten():
    # log10 of a big int is one off below 10**d (d >= 15) and above it at 10**512, 10**1024, ...
    for d in [*range(19, 330), 511, 512, 513, 1024, 2048, 4096, 5000]:
        assert checks.show(10**d) == (f"an int with {d + 1} digits" if d + 1 > 20 else str(10**d))
        assert checks.show(10**d - 1) == (f"an int with {d} digits" if d > 20 else str(10**d - 1))


def test_show_of_what_is_not_an_int_is_its_repr():
    assert checks.show(0.5) == "0.5"
    assert checks.show("abc") == "'abc'"
    assert checks.show(True) == "True"


def test_as_int_names_a_huge_int_by_its_size():
    with raises(ValueError, "n: expected a whole number in [0, 10], got an int with 401 digits"):
        checks.as_int(10**400, "n", 0, 10)
    with raises(ValueError, "n: expected a whole number >= 1, got a negative int with 401 digits"):
        checks.as_int(-(10**400), "n", 1)


def test_as_int_message_is_short_even_for_an_int_str_refuses():
    with pytest.raises(ValueError) as info:
        checks.as_int(10**5000, "seed", 0, 2**32)
    assert str(info.value).endswith("got an int with 5001 digits")
    assert len(str(info.value)) < 100


def test_as_number_names_a_huge_int_by_its_size():
    with raises(ValueError, "lr: expected a finite number, got an int with 401 digits (too large)"):
        checks.as_number(10**400, "lr")
    with raises(ValueError, "p: expected a finite number in [0, 1], got an int with 301 digits"):
        checks.as_number(10**300, "p", 0, 1)  # fits float64, out of range
    with raises(TypeError, "p: expected a finite number in [0, 1], got an int with 401 digits"):
        checks.check_type(10**400, "p", float, "a finite number in [0, 1]")


def test_a_huge_int_in_an_array_is_named_by_size_and_index():
    with raises(
        ValueError,
        "x: a number is too large for float64 (largest about 1.8e308), "
        "got a negative int with 401 digits at index (1, 1)",
    ):
        checks.as_float_array([[1, 2], [3, -(10**400)]], "x")
    with raises(
        ValueError,
        "x: a number is too large for float64 (largest about 1.8e308), got an int with 401 digits",
    ):
        checks.as_float_array(10**400, "x")
    with raises(
        ValueError,
        "x: a number is too large for float64 (largest about 1.8e308), "
        "got an int with 5001 digits at index (0,)",
    ):
        checks.as_float_array([10**5000, 1], "x")


def test_forward_with_a_huge_int_says_which_and_where():
    net = bp.Network([[[0.5], [-0.3]]], None, "identity", "squared_error")
    with raises(
        ValueError,
        "x: a number is too large for float64 (largest about 1.8e308), "
        "got an int with 401 digits at index (0,)",
    ):
        bp.forward(net, [10**400, 1], [0.0])


def test_describe_keeps_120_characters_at_most():
    assert checks.describe("a" * 114) == "str '" + "a" * 114 + "'"  # 120 characters
    long = checks.describe("a" * 115)
    assert long == "str '" + "a" * 112 + "..."
    assert len(long) == 120
    assert checks.describe(np.zeros((2, 3))) == "an array of shape (2, 3) and dtype float64"


def test_describe_of_a_huge_int_and_of_a_list_str_cannot_print():
    assert checks.describe(10**400) == "an int with 401 digits"
    assert checks.describe([10**5000]) == "a list holding an int too long to print"
    assert checks.describe(12) == "int 12"
    assert checks.describe(31) == "int 31"
    assert checks.describe(10**20 - 1) == "int 99999999999999999999"
    assert checks.describe(10**20) == "an int with 21 digits"
    assert checks.describe(-(10**20)) == "a negative int with 21 digits"


# ------------------------------------------------------------------- as_float_array


def test_an_empty_list_is_an_empty_float_array():
    for empty in ([], np.array([], dtype=object), ()):
        arr = checks.as_float_array(empty, "x")
        assert arr.dtype == np.float64 and arr.shape == (0,)


@pytest.mark.parametrize(
    "value, where, got",
    [
        ([1, None], "(1,)", "NoneType None"),
        ([[1.0, 2], [3, Decimal("0.5")]], "(1, 1)", "Decimal Decimal('0.5')"),
        ([10**30, True], "(1,)", "bool True"),
        ([2, "3"], None, None),  # numpy makes strings of both: refused as strings
    ],
    ids=["None", "Decimal", "bool", "str"],
)
def test_each_element_of_a_mixed_list_must_be_a_real_number(value, where, got):
    with pytest.raises(TypeError) as info:
        checks.as_float_array(value, "x")
    text = str(info.value)
    assert text.startswith("x: expected a number or an array of numbers, got ")
    if where:
        assert text.endswith(f"got {got} at index {where}")


def test_mixed_python_ints_and_fractions_are_numbers():
    arr = checks.as_float_array([10**30, Fraction(1, 4), 2.5], "x")
    assert arr.tolist() == [1e30, 0.25, 2.5]


class _Unconvertible:
    """A number by registration that float() cannot convert: refused as a TypeError, not
    numpy's or its own error."""

    def __float__(self):
        raise ValueError("boom")

    def __repr__(self):
        return "<unconvertible>"


numbers.Real.register(_Unconvertible)


def test_a_registered_number_float_cannot_convert_is_a_type_error_naming_the_argument():
    with raises(
        TypeError,
        "weights: expected a number or an array of numbers, got list [1.0, <unconvertible>]",
    ):
        checks.as_float_array([1.0, _Unconvertible()], "weights")


def test_float_and_int_arrays_come_back_as_new_float64_arrays():
    a = np.array([[1, 2], [3, 4]], dtype=np.int32)
    out = checks.as_float_array(a, "x")
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    b = np.array([0.5, 1.5])
    out = checks.as_float_array(b, "x")
    out[0] = 9.0
    assert b[0] == 0.5


def test_finite_false_lets_nan_through_finite_true_names_its_index():
    arr = checks.as_float_array([[1.0, np.nan]], "x", finite=False)
    assert np.isnan(arr[0, 1])
    with raises(ValueError, "x: expected finite numbers, got nan at index (0, 1)"):
        checks.as_float_array([[1.0, np.nan]], "x")


# ------------------------------------------------------------------- as_inputs / as_targets


def net_2_in_2_out(loss="squared_error", activation="sigmoid"):
    return bp.Network([[[0.1, 0.2], [0.3, 0.4]]], [[0.0, 0.0]], activation, loss)


def test_x_of_the_wrong_width_is_a_shape_error_even_when_it_holds_nan():
    net = net_2_in_2_out()
    with pytest.raises(ValueError) as info:
        bp.forward(net, [np.nan, 1.0, 2.0], [0.5, 0.5])
    assert str(info.value).startswith("x: expected 2 features (the first layer has 2 inputs)")
    with pytest.raises(ValueError) as info:
        bp.forward(net, [[[np.nan, 1.0]]], [0.5, 0.5])
    assert str(info.value).startswith("x: expected one sample of shape (2,) or a batch")


def test_a_nan_in_a_single_number_input_is_at_index_0():
    net = bp.Network([[[2.0]]], None, "identity", "squared_error")
    with raises(ValueError, "x: expected finite numbers, got nan at index (0,)"):
        bp.forward(net, float("nan"), 1.0)


def test_a_batch_of_targets_of_one_number_each_is_refused_for_two_outputs():
    """(N,) targets are one per sample only when the net has one output."""
    net = net_2_in_2_out()
    x = np.ones((3, 2))
    with raises(ValueError, "target: expected shape (3, 2) to match the output, got shape (3,)"):
        bp.forward(net, x, [0.1, 0.2, 0.3])
    with raises(ValueError, "target: expected shape (2,) to match the output, got shape ()"):
        bp.forward(net, [1.0, 1.0], 0.5)
    one_out = bp.Network([[[0.1], [0.3]]], None, "sigmoid", "squared_error")
    trace = bp.forward(one_out, x, [0.1, 0.2, 0.3])
    assert trace.loss == pytest.approx(bp.forward(one_out, x, [[0.1], [0.2], [0.3]]).loss)


def test_softmax_targets_that_do_not_sum_to_one_name_the_first_bad_row_and_the_count():
    net = net_2_in_2_out("softmax_cross_entropy", "identity")
    x = np.ones((3, 2))
    with raises(
        ValueError,
        "target: softmax_cross_entropy expects each row to sum to 1 "
        "(one-hot or probabilities), got row 1 summing to 0.5 "
        "(1 such row)",
    ):
        bp.forward(net, x, [[1.0, 0.0], [0.25, 0.25], [0.0, 1.0]])
    with raises(
        ValueError,
        "target: softmax_cross_entropy expects each row to sum to 1 "
        "(one-hot or probabilities), got row 0 summing to 0.5 "
        "(2 such rows)",
    ):
        bp.forward(net, x, [[0.5, 0.0], [0.0, 1.0], [0.2, 0.2]])


# ------------------------------------------------------------------- as_number and its ranges


def test_as_number_ranges_are_closed_unless_said_open():
    assert checks.as_number(0, "p", low=0) == 0.0
    assert checks.as_number(1.0, "p", 0, 1) == 1.0
    assert checks.as_number(0.0, "p", 0, 1) == 0.0
    assert checks.as_number(5, "p", high=5) == 5.0
    with raises(ValueError, "p: expected a finite number in (0, 1], got 0"):
        checks.as_number(0, "p", 0, 1, low_open=True)
    with raises(ValueError, "p: expected a finite number in [0, 1), got 1.0"):
        checks.as_number(1.0, "p", 0, 1, high_open=True)
    with raises(ValueError, "p: expected a finite number in [0, 1], got 1.5"):
        checks.as_number(1.5, "p", 0, 1)


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"low": 0, "high": 1}, "in [0, 1]"),
        ({"low": 0, "high": 1, "low_open": True}, "in (0, 1]"),
        ({"low": 0, "high": 1, "high_open": True}, "in [0, 1)"),
        ({"low": 0, "high": 1, "low_open": True, "high_open": True}, "in (0, 1)"),
        ({"low": 0}, ">= 0"),
        ({"low": 0, "low_open": True}, "> 0"),
        ({"high": 1}, "<= 1"),
        ({"high": 1, "high_open": True}, "< 1"),
    ],
)
def test_as_number_says_the_range_it_expected(kwargs, text):
    value = 7 if "high" in kwargs else -7
    with raises(ValueError, f"v: expected a finite number {text}, got {value}"):
        checks.as_number(value, "v", **kwargs)


def test_as_number_below_a_lower_bound_alone():
    with raises(ValueError, "v: expected a finite number >= 0, got -7"):
        checks.as_number(-7, "v", low=0)
    with raises(ValueError, "v: expected a finite number > 0, got 0.0"):
        checks.as_number(0.0, "v", low=0, low_open=True)


def test_as_number_with_its_own_words():
    with raises(ValueError, "lr: expected a positive finite number, got 0"):
        checks.as_lr(0)
    with raises(ValueError, "lr: expected a positive finite number, got nan"):
        checks.as_lr(float("nan"))


# ------------------------------------------------------------------- as_int and as_seed


def test_as_int_says_the_range_in_its_default_words():
    with raises(ValueError, "n: expected a whole number >= 0, got -1"):
        checks.as_int(-1, "n", low=0)
    with raises(ValueError, "n: expected a whole number in [2, 5], got 6"):
        checks.as_int(6, "n", 2, 5)
    with raises(TypeError, "n: expected a whole number in [2, 5], got float 3.0"):
        checks.as_int(3.0, "n", 2, 5)
    assert checks.as_int(np.int64(5), "n", 2, 5) == 5


def test_as_int_with_its_own_words():
    with raises(ValueError, "k: expected two or more, got 1"):
        checks.as_int(1, "k", 2, what="two or more")
    with raises(
        ValueError, "seed: expected a whole number >= 0 (or None for fresh randomness), got -1"
    ):
        checks.as_seed(-1)
    assert checks.as_seed(None) is None
    assert checks.as_seed(3) == 3


@pytest.mark.parametrize(
    "dtype, what",
    [
        (bool, "booleans"),
        (str, "strings"),
        ("datetime64[s]", "dates"),
        (complex, "complex numbers"),
    ],
)
def test_an_empty_array_of_what_is_not_numbers_is_refused_by_its_kind(dtype, what):
    with pytest.raises(TypeError) as info:
        checks.as_float_array(np.array([], dtype=dtype), "x")
    assert str(info.value).startswith("x: expected a number or an array of numbers, got ")
    assert str(info.value).endswith(f"({what})") or what == "complex numbers"


class _HugeArray:
    """Claims (through numpy's array interface) to be 2**70 floats: numpy overflows."""

    __array_interface__ = {"shape": (2**70,), "typestr": "<f8", "data": (0, True), "version": 3}

    def __repr__(self):
        return "<huge array>"


class _NotConvertible:
    def __array__(self, dtype=None, copy=None):
        raise TypeError("no conversion")

    def __repr__(self):
        return "<not convertible>"


@pytest.mark.parametrize(
    "value, shown",
    [
        (_HugeArray(), "_HugeArray <huge array>"),
        (_NotConvertible(), "_NotConvertible <not convertible>"),
    ],
    ids=["overflow", "type-error"],
)
def test_what_numpy_cannot_make_an_array_of_is_a_type_error_naming_the_argument(value, shown):
    with raises(TypeError, f"W: expected a number or an array of numbers, got {shown}"):
        checks.as_float_array(value, "W")


@pytest.mark.parametrize(
    "value, got",
    [
        (None, "NoneType None"),
        ("0.5", "str '0.5'"),
        (b"1", "bytes b'1'"),
        (True, "bool True"),
        (np.bool_(False), "bool np.False_"),
        (1 + 2j, "complex (1+2j)"),
        (np.complex128(1), "complex128 np.complex128(1+0j)"),
    ],
    ids=["None", "str", "bytes", "bool", "np.bool_", "complex", "np.complex128"],
)
def test_a_single_value_of_the_wrong_kind_is_named_as_it_came(value, got):
    with raises(TypeError, f"x: expected a number or an array of numbers, got {got}"):
        checks.as_float_array(value, "x")


# ------------------------------------------------------------------- float32: its own limits


@contextlib.contextmanager
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


TOO_LARGE_32 = "a number is too large for float32 (largest about 3.4e38), got "


@pytest.mark.parametrize(
    "key, value, x, message",
    [
        (None, None, [1e39, 0.0], "x: " + TOO_LARGE_32 + "1e+39"),
        ("w1_1_1", 1e300, None, "weights[0]: " + TOO_LARGE_32 + "1e+300"),
        ("b2_1", -1e40, None, "biases[1]: " + TOO_LARGE_32 + "-1e+40"),
    ],
)
def test_a_number_float32_cannot_hold_is_named_with_float32s_limit(key, value, x, message):
    """It said 'z of layer 1 overflowed: float64 cannot hold it', after numpy's 'overflow
    encountered in cast' warning, blaming neither x nor float32."""
    ex = bp.examples.seed_000()
    net = ex.net.set(key, value) if key else ex.net
    with no_warnings(), raises(ValueError, message):
        bp.forward(net, ex.x if x is None else x, ex.target, dtype=np.float32)


def test_an_overflow_names_the_dtype_it_was_computed_in():
    ex = bp.examples.seed_000()
    msg = "the loss overflowed: float32 (largest about 3.4e38) cannot hold it; "
    with no_warnings(), pytest.raises(checks.NumericOverflowError, match="^" + re.escape(msg)):
        bp.forward(ex.net, ex.x, [1e20], dtype=np.float32)  # (y - t)^2 = 1e40
    assert bp.forward(ex.net, ex.x, [1e20]).loss == pytest.approx(1e40)  # float64 holds it
    one = bp.Network([[[1.0]]], None, "identity")
    msg = "z of layer 1 overflowed: float64 (largest about 1.8e308) cannot hold it; "
    with no_warnings(), pytest.raises(checks.NumericOverflowError, match="^" + re.escape(msg)):
        bp.forward(one.set("w1_1_1", 1e300), [1e300], [0.0])


@pytest.mark.parametrize("dtype", [object, float])
def test_class_indices_that_are_not_integers_are_named_so(dtype):
    """It said 'expected ... integer class indices of shape (2,) ..., got shape (2,)': the shape
    was right, the dtype was not, and the message did not say so."""
    sm = bp.Network.random([2, 3, 3], ["tanh", "identity"], "softmax_cross_entropy", seed=1)
    got = np.dtype(dtype)
    with raises(
        ValueError,
        "target: expected shape (2, 3) or integer class indices of shape (2,) to match the "
        f"output, got shape (2,) of {got} (class indices must be integers)",
    ):
        bp.forward(sm, [[0.1, 0.2], [0.3, 0.4]], np.array([0, 1], dtype=dtype))
