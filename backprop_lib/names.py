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
loss               ``L``         L            ``trace.loss``
=================  ============  ===========  ==============================
"""

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
