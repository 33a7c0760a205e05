"""Names that follow the maths, shared by the library, the replay steps and the views.

The course's one notation (stated in notebook 01): the layer is a superscript, the units are
subscripts. In LaTeX the layer is parenthesised, $w^{(2)}_{11}$ (``param_latex``); in printed
labels it is a plain superscript, w²₁₁ (``param_label``), never a power and never a subscript;
in code it is a plain digit, ``W1``, ``z1``.

Layers are numbered from 1, as in the formulas: layer l computes z^l = a^(l-1) W^l + b^l and
a^l = f(z^l), with a^0 = x and the last layer's a called y. In Python the lists are 0-based, so
W^l is ``net.weights[l - 1]``. Every scalar has a key (for code, element ids, sliders) and a
label (for people):

=================  ============  ===========  ==============================
what               key           label        where it lives
=================  ============  ===========  ==============================
input i            ``x1``        x₁           ``trace.x[i-1]``
weight i->j, l     ``w1_2_1``    w¹₂₁         ``net.weights[l-1][i-1, j-1]``
bias j, layer l    ``b1_2``      b¹₂          ``net.biases[l-1][j-1]``
pre-activation     ``z1_2``      z¹₂          ``trace.z[l-1][j-1]``
activation         ``a1_2``      a¹₂          ``trace.a[l-1][j-1]``
output k           ``y1``        y (or y₁)    ``trace.output[k-1]``
target k           ``t1``        t (or t₁)
bias input, l      ``one1``      1
loss               ``L``         L            ``trace.loss``
=================  ============  ===========  ==============================

The keys are built by the functions below (``input_key``, ``z_key``, ``activation_key``,
``output_key``, ``one_key``, ``LOSS_KEY``, ``grad_key`` for ``'dL/dw1_2_1'``), and numbers are
written into formulas by ``fmt`` with the typographic ``MINUS``: spell neither inline.
"""

import math
import re

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sub(*indices):
    """Subscript indices: sub(1, 2) -> '₁₂'; with any index above 9, commas: '₁₀,₂'."""
    sep = "," if any(i > 9 for i in indices) else ""
    return sep.join(str(i) for i in indices).translate(_SUB)


def sup(i):
    return str(i).translate(_SUP)


def weight_key(layer, i, j):
    """Key of W^layer[i, j] (1-based, as in the maths)."""
    return f"w{layer}_{i}_{j}"


def bias_key(layer, j):
    return f"b{layer}_{j}"


_N = r"([1-9]\d*)"  # 1, 2, ..., no leading zeros: each key has one spelling
_KEY = re.compile(rf"(w){_N}_{_N}_{_N}|(b){_N}_{_N}")


def parse_param_key(key):
    """'w1_2_1' -> ('w', 1, 2, 1); 'b2_1' -> ('b', 2, 1). ValueError for anything else."""
    if not isinstance(key, str):
        raise TypeError(
            f"key: expected a parameter key like 'w1_2_1' or 'b1_2', got {type(key).__name__} "
            f"{key!r}"
        )
    m = _KEY.fullmatch(key)
    if m is None:
        raise ValueError(
            f"key: expected a parameter key like 'w1_2_1' (weight of layer 1 from input 2 to "
            f"unit 1) or 'b1_2' (bias of unit 2 in layer 1), got {key!r}"
        )
    if m.group(1):
        return ("w", int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return ("b", int(m.group(6)), int(m.group(7)))


def param_label(key):
    """'w1_2_1' -> 'w¹₂₁', 'b2_1' -> 'b²₁'."""
    kind, layer, *idx = parse_param_key(key)
    return f"{kind}{sup(layer)}{sub(*idx)}"


def param_latex(key):
    """'w1_2_1' -> 'w^{(1)}_{21}' for Markdown and LaTeX."""
    kind, layer, *idx = parse_param_key(key)
    sep = "," if any(i > 9 for i in idx) else ""
    return f"{kind}^{{({layer})}}_{{{sep.join(map(str, idx))}}}"


def node_label(kind, layer, j, n_units):
    """Label of unit j of a layer: 'x₁', 'z¹₂', 'a¹₂', or for the output 'y' / 'y₂'."""
    if kind in ("x", "y", "t"):
        return kind if n_units == 1 else f"{kind}{sub(j)}"
    return f"{kind}{sup(layer)}{sub(j)}"


# --------------------------------------------------------------------------- node keys
# The diagram's elements and the replay's steps are keyed by these strings; build them here.

LOSS_KEY = "L"


def input_key(i):
    """Key of input x_i: 'x1'."""
    return f"x{i}"


def target_key(k):
    """Key of target t_k: 't1'."""
    return f"t{k}"


def z_key(layer, j):
    """Key of the pre-activation z^layer_j: 'z1_2'."""
    return f"z{layer}_{j}"


def output_key(k):
    """Key of output y_k: 'y1'."""
    return f"y{k}"


def activation_key(layer, j, n_layers):
    """Key of a^layer_j, where a^0 is the input x and a^n_layers the output y: 'x1', 'a1_2', 'y1'."""
    if layer == 0:
        return input_key(j)
    return output_key(j) if layer == n_layers else f"a{layer}_{j}"


def one_key(layer):
    """Key of the constant 1 that layer ``layer``'s biases multiply: 'one1'."""
    return f"one{layer}"


def probability_key(k):
    """Key of the softmax probability p_k: 'p1'."""
    return f"p{k}"


def grad_key(key):
    """Key of the gradient of the loss with respect to ``key``: 'dL/dw1_2_1', 'dL/dz1_2'."""
    return f"dL/d{key}"


# --------------------------------------------------------------------------- numbers in text

MINUS = "\u2212"  # the typographic minus sign


def fmt(v, digits=5, paren=True):
    """A number for a formula: 5 significant digits, a real minus sign, and parentheses around a
    negative number (paren=False for a number that stands alone)."""
    s = f"{v:.{digits}g}"
    if "e" in s:
        mant, ex = s.split("e")
        s = f"{mant}·10^{int(ex)}"
    if not s.startswith("-"):
        return s
    return f"({MINUS}{s[1:]})" if paren else MINUS + s[1:]


def fmt_unit(v, digits=5):
    """``fmt`` for a value strictly between 0 and 1 (a sigmoid's output, a probability). One that
    would print as 1 is written as 1 minus its distance from 1, (1 − 2.3·10^-12), so that
    1 − y, log(1 − y) and y(1 − y) in a replay's numbers keep their value."""
    s = fmt(v, digits)
    if 0 < v < 1 and s == "1":
        return f"(1 {MINUS} {fmt(1 - v, digits)})"
    return s


def fmt_apart(y, t, unit=False):
    """(y, t) as ``fmt`` (``fmt_unit`` for y with ``unit``) writes them, with more than 5 digits
    where 5 would hide most of y − t: y = −1.659763 and t = −1.659776 both print as −1.6598,
    and ½(y − t)² would read 0. Enough digits for 3 of y − t's own (at most 17)."""
    big, d = max(abs(y), abs(t)), abs(y - t)
    digits = 5 if d == 0 or d > big else min(17, max(5, 3 + math.ceil(math.log10(big / d))))
    return (fmt_unit if unit else fmt)(y, digits), fmt(t, digits)


class MathNames:
    """Gives ``obj.z1`` for ``obj.z[0]``, ``obj.dL_dW2`` for ``obj.weights[1]``, and so on."""

    _ALIASES = {}  # prefix -> attribute holding the 0-based list

    def __getattr__(self, name):
        m = re.fullmatch(r"([A-Za-z_]+?)(\d+)", name)
        if m and m.group(1) in self._ALIASES:
            seq = getattr(self, self._ALIASES[m.group(1)])
            l = int(m.group(2))
            if seq is not None and 1 <= l <= len(seq):
                return seq[l - 1]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
