"""Checking input: every public function and widget of the library checks its arguments here.

Each check takes the value and the argument's ``name`` and either returns the value in the form
the library computes with (a float64 array, a float, an int) or raises a TypeError (the wrong
kind of thing) or a ValueError (the right kind, a wrong value) whose message starts with the
argument's name and says what was expected and what came:

    x: expected finite numbers, got nan at index (0, 1)

The rules, in one place:

* numbers are Python or numpy ints and floats; ``bool``, strings, bytes, ``None``, complex
  numbers, dates and masked arrays are refused rather than silently converted;
* arrays must be rectangular (no ragged rows) and hold finite float64 numbers (a Python int
  too large for float64, like ``10**400``, is an error, not ``inf``);
* names (activations, losses, methods) are checked against the valid ones, which the message
  lists; seeds are whole numbers >= 0 or None.
"""

import math
import numbers

import numpy as np

from .layers import ACTIVATIONS, LOSSES

_NUMBER = "a number or an array of numbers"


# ints longer than this are shown by their number of digits, not digit by digit
_MAX_DIGITS = 20


def _digits(n):
    """The number of decimal digits of the int n > 0 (str() refuses ints over 4300 digits)."""
    k = int(math.log10(n))  # floor(log10(n)), but one off next to a power of ten
    return k + 1 + (10 ** (k + 1) <= n) - (10**k > n)


def show(value):
    """``repr(value)`` for a message, but an int of more than 20 digits as its size:
    ``show(10**400)`` is ``'an int with 401 digits'``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        v = int(value)
        if abs(v) < 10**_MAX_DIGITS:
            return repr(v)
        return f"{'a negative' if v < 0 else 'an'} int with {_digits(abs(v))} digits"
    return repr(value)


def describe(value):
    """A short description of ``value`` for an error message: its type and (shortened) repr."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_MAX_DIGITS:
        return show(value)
    try:
        text = f"{type(value).__name__} {value!r}"
    except ValueError:  # holds an int too long for str() (Python refuses over 4300 digits)
        return f"a {type(value).__name__} holding an int too long to print"
    return text if len(text) <= 120 else text[:117] + "..."


def _refuse_kind(value, name, expected):
    """TypeError for the kinds of value that numpy would convert silently or obscurely."""
    if value is None or isinstance(
        value, (str, bytes, bool, np.bool_, complex, np.complexfloating)
    ):
        raise TypeError(f"{name}: expected {expected}, got {describe(value)}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name}: expected {expected}, got a masked array (its mask would be ignored); "
            "pass value.filled(...) or value.compressed()"
        )


def from_torch(value):
    """A torch tensor (duck-typed: no torch import) -> a numpy array: detached from autograd's
    graph, on the CPU, a bfloat16 one as float32 (numpy has no bfloat16); anything else as it
    is. So ``L``, ``W1.grad`` or ``a1`` can come straight from PyTorch."""
    if hasattr(value, "detach") and hasattr(value, "numpy") and hasattr(value, "cpu"):
        t = value.detach().cpu()
        return (t.float() if str(t.dtype) == "torch.bfloat16" else t).numpy()
    return value


def _raw_array(value, name):
    """np.asarray(value) without numpy's own errors: refuses what as_float_array refuses."""
    value = from_torch(value)
    _refuse_kind(value, name, _NUMBER)
    try:
        raw = np.asarray(value)
    except ValueError:  # ragged nesting: numpy's "inhomogeneous shape"
        raise ValueError(
            f"{name}: expected a rectangular array (every row the same length), got ragged "
            f"rows: {describe(value)}"
        ) from None
    except (TypeError, OverflowError):
        raise TypeError(f"{name}: expected {_NUMBER}, got {describe(value)}") from None
    return raw


def _overflows(v):
    try:
        float(v)
    except OverflowError:
        return True
    return False


def as_float_array(value, name, finite=True):
    """A number or (nested lists of) numbers -> a new float64 array.

    Accepts Python and numpy ints and floats, lists, tuples and arrays of them. Refuses with a
    TypeError anything else (None, strings, booleans, complex, dates, masked arrays), and with a
    ValueError ragged rows and numbers float64 cannot hold; with ``finite`` also NaN and inf.
    """
    raw = _raw_array(value, name)
    kind = raw.dtype.kind
    if kind not in "iuf" and not (kind == "O" and raw.size > 0):
        what = {
            "b": "booleans",
            "c": "complex numbers",
            "M": "dates",
            "m": "time spans",
            "U": "strings",
            "S": "bytes",
        }.get(kind, f"dtype {raw.dtype}")
        if raw.size == 0 and kind in "fO":  # an empty list: numbers of no kind yet
            return np.array(value, dtype=float)
        raise TypeError(f"{name}: expected {_NUMBER}, got {describe(value)} ({what})")
    if kind == "O":  # mixed or huge Python ints, or objects: each element must be a real number
        flat = raw.ravel()
        for i, v in enumerate(flat):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                where = tuple(int(k) for k in np.unravel_index(i, raw.shape))
                raise TypeError(f"{name}: expected {_NUMBER}, got {describe(v)} at index {where}")
    try:
        arr = np.array(raw, dtype=float)
    except OverflowError:
        flat = raw.ravel()
        i = next(i for i, v in enumerate(flat) if _overflows(v))
        where = tuple(int(k) for k in np.unravel_index(i, raw.shape))
        raise ValueError(
            f"{name}: a number is too large for float64 (largest about 1.8e308), got "
            f"{show(flat[i])}" + (f" at index {where}" if where else "")
        ) from None
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected {_NUMBER}, got {describe(value)}") from None
    if finite:
        check_finite(arr, name)
    return arr


def as_inputs(net, x, name="x"):
    """x: one sample (n_in,) (or a number when n_in = 1), or a batch (N, n_in), N >= 1
    -> (X: (N, n_in) float64, is_batch)."""
    n_in = net.weights[0].shape[0]
    arr = as_float_array(x, name, finite=False)
    if arr.ndim == 0 and n_in == 1:
        arr = arr.reshape(1)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{name}: expected one sample of shape ({n_in},) or a batch of shape (N, {n_in}), "
            f"got shape {arr.shape}"
        )
    if arr.shape[-1] != n_in:
        raise ValueError(
            f"{name}: expected {n_in} features (the first layer has {n_in} inputs), "
            f"got {arr.shape[-1]} ({name} has shape {arr.shape})"
        )
    if arr.ndim == 2 and arr.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one row, got shape {arr.shape}")
    check_finite(arr, name)
    return (arr, True) if arr.ndim == 2 else (arr.reshape(1, -1), False)


def as_targets(net, target, n_rows, is_batch, name="target"):
    """target -> T: (N, n_out) float64, for ``n_rows`` samples (a batch if ``is_batch``).

    Accepts the output's shape, (n_out,) or (N, n_out); for one output also one number per
    sample; for softmax_cross_entropy also integer class indices in 0..n_out-1, one per sample,
    or rows that sum to 1. The cross-entropy losses need values in [0, 1].
    """
    loss = LOSSES[net.loss]
    n_out = net.weights[-1].shape[1]
    out_shape = (n_rows, n_out) if is_batch else (n_out,)
    per_sample = (n_rows,) if is_batch else ()
    softmax = loss.classes
    raw = _raw_array(target, name)
    if softmax and raw.shape == per_sample and raw.dtype.kind in "iu":  # class indices
        if raw.min() < 0 or raw.max() >= n_out:
            raise ValueError(
                f"{name}: expected class indices in 0..{n_out - 1}, got {raw.tolist()}"
            )
        T = np.zeros((n_rows, n_out))  # one-hot rows
        T[np.arange(n_rows), raw.reshape(-1)] = 1.0
        return T
    T = as_float_array(target, name)  # checks finiteness before reshaping: the caller's index
    if T.shape == out_shape:
        T = T.reshape(n_rows, n_out)
    elif n_out == 1 and T.shape == per_sample:
        T = T.reshape(n_rows, 1)
    else:
        extra = f" or integer class indices of shape {per_sample}" if softmax else ""
        alt = f" or {per_sample}" if n_out == 1 else ""
        kind = (
            f" of {raw.dtype} (class indices must be integers)"
            if extra and raw.shape == per_sample
            else ""
        )
        raise ValueError(
            f"{name}: expected shape {out_shape}{alt}{extra} to match the output, "
            f"got shape {T.shape}{kind}"
        )
    low, high = loss.target_range or (-np.inf, np.inf)
    if T.min() < low or T.max() > high:
        raise ValueError(
            f"{name}: {net.loss} expects targets between {low:g} and {high:g}, got values from "
            f"{T.min()} to {T.max()}"
        )
    row_sums = T.sum(axis=-1)
    if softmax and np.abs(row_sums - 1.0).max() > 1e-6:
        bad_rows = np.flatnonzero(np.abs(row_sums - 1.0) > 1e-6)
        raise ValueError(
            f"{name}: {net.loss} expects each row to sum to 1 (one-hot or probabilities), "
            f"got row {bad_rows[0]} summing to {row_sums[bad_rows[0]]} "
            f"({len(bad_rows)} such row{'s' if len(bad_rows) > 1 else ''})"
        )
    return T


def as_batch(net, X, name="X"):
    """X: a batch (N, n_in) of finite numbers, N >= 1 -> a float64 array."""
    n_in = net.sizes[0]
    arr = as_float_array(X, name)
    if arr.ndim != 2 or arr.shape[1] != n_in or arr.shape[0] == 0:
        raise ValueError(
            f"{name}: expected a 2-D array of shape (N, {n_in}), one row per sample (the network "
            f"has {n_in} inputs), got shape {arr.shape}"
        )
    return arr


def as_batch_targets(net, Y, n_rows, name="Y", x_name="X"):
    """Labels or targets, one per row of the batch ``x_name`` -> T: (N, n_out) float64, with
    errors that name ``name`` (as ``as_targets`` accepts them)."""
    arr = as_float_array(Y, name, finite=False) if not isinstance(Y, np.ndarray) else Y
    if np.ndim(arr) == 0:
        raise TypeError(
            f"{name}: expected an array with one row per row of {x_name}, got {describe(Y)}"
        )
    if len(arr) != n_rows:
        raise ValueError(
            f"{name}: expected {n_rows} rows, one per row of {x_name}, got {len(arr)} "
            f"(shape {np.shape(arr)})"
        )
    try:
        return as_targets(net, Y, n_rows, True, name)
    except (TypeError, ValueError) as e:
        raise rename(e, "target", name) from None


def as_float_dtype(dtype, name="dtype"):
    """np.float64 or np.float32 (or their np.dtype) -> np.float64 or np.float32."""
    for d in (np.float64, np.float32):
        if dtype is d or (isinstance(dtype, np.dtype) and dtype == np.dtype(d)):
            return d
    raise ValueError(f"{name}: expected np.float64 or np.float32, got {dtype!r}")


def as_weights(weights, name="weights"):
    """A non-empty list of finite 2-D arrays whose shapes chain -> a list of float64 arrays."""
    if not isinstance(weights, (list, tuple)) or len(weights) == 0:
        raise TypeError(f"{name}: expected a non-empty list of 2-D arrays, got {describe(weights)}")
    ws = []
    for l, W in enumerate(weights):
        W = as_float_array(W, f"{name}[{l}]", finite=False)
        if W.ndim != 2:
            raise ValueError(
                f"{name}[{l}]: expected a 2-D array (n_in, n_out), got shape {W.shape}"
            )
        if 0 in W.shape:
            raise ValueError(f"{name}[{l}]: expected a non-empty array, got shape {W.shape}")
        check_finite(W, f"{name}[{l}]")
        if l > 0 and W.shape[0] != ws[-1].shape[1]:
            raise ValueError(
                f"{name}[{l}]: shapes do not chain: {name}[{l - 1}] has shape "
                f"{ws[-1].shape}, so {name}[{l}] needs {ws[-1].shape[1]} rows, "
                f"got shape {W.shape}"
            )
        ws.append(W)
    return ws


def as_biases(biases, weights, name="biases"):
    """None, or one finite 1-D array per layer, shaped (n_out,) like its weights -> a list."""
    if biases is None:
        return None
    if not isinstance(biases, (list, tuple)):
        raise TypeError(f"{name}: expected None or a list of 1-D arrays, got {describe(biases)}")
    if len(biases) != len(weights):
        raise ValueError(
            f"{name}: expected {len(weights)} arrays (one per layer), got {len(biases)}"
        )
    bs = []
    for l, b in enumerate(biases):
        b = as_float_array(b, f"{name}[{l}]", finite=False)
        if b.shape != (weights[l].shape[1],):
            raise ValueError(
                f"{name}[{l}]: expected shape ({weights[l].shape[1]},) to match "
                f"weights[{l}] of shape {weights[l].shape}, got shape {b.shape}"
            )
        check_finite(b, f"{name}[{l}]")
        bs.append(b)
    return bs


def as_activations(activations, n_layers, loss):
    """One activation name for every layer, or one per layer, fit for ``loss`` -> a tuple.

    Also checks the loss's name, and that the last activation is the one the loss needs."""
    if isinstance(activations, str):
        activations = [activations] * n_layers
    if not isinstance(activations, (list, tuple)):
        raise TypeError(
            f"activations: expected a name or a list of names, got {describe(activations)}"
        )
    if len(activations) != n_layers:
        raise ValueError(
            f"activations: expected {n_layers} names (one per layer), got {len(activations)}"
        )
    for l, act in enumerate(activations):
        as_choice(act, f"activations[{l}]", ACTIVATIONS)
    needed = LOSSES[as_choice(loss, "loss", LOSSES)].activation
    if needed is not None and activations[-1] != needed:
        raise ValueError(
            f"activations[{n_layers - 1}]: loss {loss!r} needs the last layer's activation "
            f"to be {needed!r}, got {activations[-1]!r}"
        )
    return tuple(activations)


def as_sizes(sizes, max_units, name="sizes"):
    """Layer sizes [n_in, n_1, ..., n_out], whole numbers from 1 to max_units -> a list."""
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
        raise TypeError(
            f"{name}: expected a list like [n_in, n_hidden, n_out], got {describe(sizes)}"
        )
    for n in sizes:
        if (
            isinstance(n, (bool, np.bool_))
            or not isinstance(n, (int, np.integer))
            or not (1 <= n <= max_units)
        ):
            raise ValueError(
                f"{name}: expected positive whole numbers up to {max_units}, got {list(sizes)}"
            )
    return list(sizes)


def as_network(net, name="net"):
    """A Network -> itself; a TypeError naming ``name`` for anything else."""
    from .network import Network

    return check_type(net, name, Network, "a Network")


def as_trace(trace, net, name="trace"):
    """The Trace of ``forward(net, x, target)`` -> itself: a TypeError for anything else, a
    ValueError for a trace of another network or one without a target (it has no loss)."""
    from .network import Trace

    check_type(trace, name, Trace, "the Trace that forward() returned")
    if trace.net is not net:
        raise ValueError(
            f"{name}: expected a trace of this network (from forward(net, x, target)), "
            "got one of another network"
        )
    if trace.loss is None:
        raise ValueError(
            f"{name}: expected the trace of forward(net, x, target) with a target, got one "
            "without: there is no loss to differentiate"
        )
    return trace


def as_grads(grads, net, name="grads"):
    """The Grads of ``backward`` for ``net`` -> itself: a TypeError for anything else, a
    ValueError for gradients shaped like another network's parameters."""
    from .network import Grads

    check_type(grads, name, Grads, "the Grads that backward() returned")
    if [g.shape for g in grads.weights] != [W.shape for W in net.weights] or (
        (grads.biases is None) != (net.biases is None)
    ):
        raise ValueError(f"{name}: expected gradients of this network, got ones of another network")
    return grads


class NumericOverflowError(ValueError, ArithmeticError):
    """A result its dtype cannot hold (it overflowed to inf, or became NaN from inf - inf)."""


def _largest(dtype):
    """'float32 (largest about 3.4e38)': what a float dtype holds, for messages."""
    dtype = np.dtype(dtype if np.dtype(dtype).kind == "f" else np.float64)
    return f"{dtype} (largest about {np.finfo(dtype).max:.1e})".replace("e+", "e")


def check_overflow(value, quantity, suggestion, dtype=None):
    """NumericOverflowError naming ``quantity`` and the dtype it was computed in (default:
    ``value``'s) unless every number of ``value`` is finite."""
    arr = np.asarray(value)
    if not np.isfinite(arr).all():
        raise NumericOverflowError(
            f"{quantity} overflowed: {_largest(dtype or arr.dtype)} cannot hold it; {suggestion}"
        )
    return value


def to_dtype(arr, dtype, name):
    """The finite float64 array ``arr`` rounded to ``dtype`` (None stays None); a
    NumericOverflowError (a ValueError) naming ``name`` for a number too large for it (no numpy
    warning)."""
    if arr is None:
        return None
    with np.errstate(over="ignore"):
        out = arr.astype(dtype)
    if not np.isfinite(out).all():
        big = arr[~np.isfinite(out)][0]
        raise NumericOverflowError(
            f"{name}: a number is too large for {_largest(dtype)}, got {show(float(big))}"
        )
    return out


def check_finite(arr, name):
    """ValueError naming ``name`` and the first index holding NaN or inf."""
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        value = arr[where] if where else arr
        raise ValueError(f"{name}: expected finite numbers, got {value} at index {where}")
    return arr


def as_scalar(value, name):
    """One finite number, or a 0-d array of one -> a 0-d float64 array."""
    value = as_float_array(value, name, finite=False)
    if value.ndim != 0:
        raise ValueError(f"{name}: expected one number, got shape {value.shape}")
    return check_finite(value, name)


def as_number(value, name, low=None, high=None, low_open=False, high_open=False, what=None):
    """A real number (int or float, Python or numpy; not bool) in [low, high] -> float.

    low_open / high_open exclude the ends. Refuses NaN and inf, and ints too large for float64.
    """
    if what is None:
        what = "a finite number" + _range_text(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"{name}: expected {what}, got {describe(value)} (too large)") from None
    if not np.isfinite(v):
        raise ValueError(f"{name}: expected {what}, got {v}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name}: expected {what}, got {show(value)}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name}: expected {what}, got {show(value)}")
    return v


def _range_text(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


def as_int(value, name, low=None, high=None, what=None):
    """A whole number (Python or numpy int; not bool, not a float) in [low, high] -> int."""
    if what is None:
        what = "a whole number" + _range_text(low, high, False, False)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name}: expected {what}, got {show(v)}")
    return v


# more passes over the data than any course run needs: a bigger number is a slip
MAX_EPOCHS = 1_000_000


def as_epochs(value, name="epochs", low=0, forever_ok=False):
    """A number of epochs: a whole number in [low, MAX_EPOCHS] (or None, "for ever", where
    ``forever_ok``) -> int or None. Bigger numbers are refused: such a run would not end in any
    useful time, and listing its batches would fill the memory."""
    if value is None and forever_ok:
        return None
    what = f"a whole number from {low} to {MAX_EPOCHS:,}" + (
        ", or None for ever" if forever_ok else ""
    )
    return as_int(value, name, low, MAX_EPOCHS, what=what)


def as_bool(value, name):
    """True or False (numpy's too) -> bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def as_seed(seed, name="seed"):
    """None (fresh randomness) or a whole number >= 0 -> itself, for np.random.default_rng."""
    if seed is None:
        return None
    return as_int(seed, name, 0, what="a whole number >= 0 (or None for fresh randomness)")


def as_choice(value, name, valid):
    """One of the strings ``valid`` (exactly: case and spaces count) -> itself."""
    valid = sorted(valid)
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {valid}, got {describe(value)}")
    if value not in valid:
        raise ValueError(f"{name}: unknown name {value!r}; valid names are {valid}")
    return value


def as_lr(lr, name="lr"):
    """A learning rate: a finite number > 0 -> float."""
    return as_number(lr, name, 0, low_open=True, what="a positive finite number")


def check_type(value, name, cls, what):
    """TypeError unless ``isinstance(value, cls)``; returns value."""
    if not isinstance(value, cls):
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    return value


def check_callable(f, name):
    if not callable(f):
        raise TypeError(f"{name}: expected a function, got {describe(f)}")
    return f


def rename(error, old, new):
    """The same kind of error with its message's leading ``old:`` replaced by ``new:``."""
    text = str(error)
    if text.startswith(old + ":"):
        text = new + text[len(old) :]
    return type(error)(text)


__all__ = [
    "NumericOverflowError",
    "check_overflow",
    "to_dtype",
    "as_activations",
    "as_biases",
    "as_batch",
    "as_batch_targets",
    "as_bool",
    "as_grads",
    "as_network",
    "as_scalar",
    "as_trace",
    "as_sizes",
    "as_weights",
    "as_inputs",
    "as_targets",
    "as_choice",
    "as_float_array",
    "as_float_dtype",
    "as_int",
    "as_lr",
    "as_number",
    "as_seed",
    "check_callable",
    "check_finite",
    "check_type",
    "describe",
    "from_torch",
    "rename",
    "show",
]
