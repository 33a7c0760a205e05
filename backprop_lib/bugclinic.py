"""The bug clinic: seed 001's gradient check, reproduced with its mistakes, on purpose.

Seed 001 (a 2-2-1 sigmoid network without biases, x = [1, 1], t = 1, weights from
``np.random.seed(0)``) checked its backprop against finite differences. Its check, a function it
named ``analytical_gradient`` although it is the *numerical* one, makes four mistakes:

(a) a one-sided (forward) difference with eps = 1e-10: round-off eats half of float64's digits;
(b) it differentiates the output y, not the loss L: it gets dy/dw, which differs from dL/dw by
    the factor dL/dy = 2 (y - t);
(c) a copy-paste slip: the lines for w5 and w6 both add ``for_w6``, so its "dw5" is dw6;
(d) a flipped sign: it computes (f(w) - f(w + eps)) / eps.

The seed's own code is kept here verbatim (``seed_*``), so the notebook can show that it prints
the seed's numbers. Then each ``bug_*`` function reproduces ONE mistake, in the seed's style,
inside an otherwise correct check, and returns the "gradients" that check produces, shaped like
the network's parameters: ``bp.gradcheck(net, x, t, grads=suspect)`` compares them with correct
central differences of the loss and flags them. ``diagnose`` names the pattern behind a flag.

Seed 001 numbers its weights w1..w6: w1..w4 are W1[0,0], W1[0,1], W1[1,0], W1[1,1] (its for_w1..
for_w4) and w5, w6 are W2[0,0], W2[1,0]. In the library's keys: ``SEED_001_KEYS``.
"""

# ruff: noqa: UP034 (the seed's verbatim code keeps its extra parentheses)

import dataclasses

import numpy as np

from .checks import as_float_array, as_number, check_type, describe
from .gradcheck import GradcheckReport
from .names import param_label, parse_param_key
from .network import Network, forward
from .params import ParamArrays

SEED_EPS = 1e-10  # seed 001's step
SEED_001_KEYS = {
    "w1": "w1_1_1",
    "w2": "w1_1_2",
    "w3": "w1_2_1",
    "w4": "w1_2_2",
    "w5": "w2_1_1",
    "w6": "w2_2_1",
}

# What seed 001 printed: its "analytical" (really: numerical) gradients and its backprop.
SEED_001_PRINTED = {
    "numeric_hidden": np.array([[-0.01637912, -0.01637912], [-0.02355449, -0.02355449]]),
    "numeric_output": np.array([-0.16504242, -0.16504242]),
    "backprop_hidden": np.array([[-0.01638029, -0.01638029], [-0.02355442, -0.02355442]]),
    "backprop_output": np.array([[-0.16096605, -0.16504206]]),
}


# --------------------------------------------------------------------------- seed 001, verbatim
# Copied from seed 001 unchanged (names, spacing and mistakes included), except for the "seed_"
# prefix on the function names, the docstrings, and the comments that mark the mistakes (a)-(d).
# fmt: off


def seed_sigmoid(x):
    """Seed 001's sigmoid (fine for these small inputs)."""
    return 1 / (1 + np.exp(-x))


def seed_sigmoid_derivative(x):
    """Seed 001's sigmoid derivative. NB: x is the sigmoid's OUTPUT a, not its input z."""
    return x * (1 - x)


def seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output):
    """Seed 001's forward pass: returns the hidden activations and the output y (no loss)."""
    hidden_layer_input = np.dot(inputs, weights_input_hidden)
    hidden_layer_output = seed_sigmoid(hidden_layer_input)

    output_layer_input = np.dot(hidden_layer_output, weights_hidden_output)
    output_layer_output = seed_sigmoid(output_layer_input)

    return hidden_layer_output, output_layer_output


def seed_backpropagation(inputs, targets, hidden_layer_output, output_layer_output,
                         weights_input_hidden, weights_hidden_output, learning_rate):
    """Seed 001's backprop: -dy/dW2 and -dy/dW1 (the latter transposed: row = hidden unit)."""
    output_error = targets - output_layer_output  # noqa: F841 (computed, never used)
    output_delta = -1* seed_sigmoid_derivative(output_layer_output)*hidden_layer_output
    hidden_delta = -1*seed_sigmoid_derivative(output_layer_output)*(((seed_sigmoid_derivative(hidden_layer_output).T)*weights_hidden_output)@(np.array([1,1]).reshape([1,2])))

    return output_delta, hidden_delta


def seed_analytical_gradient(inputs, targets, weights_input_hidden, weights_hidden_output):
    """Seed 001's gradient check, all four mistakes included (see the module docstring)."""
    eps =1e-10  # (a) one-sided difference with a tiny step
    for_w1 = np.array([[eps, 0],[0,0]])
    for_w2 = np.array([[0, eps],[0,0]])
    for_w3 = np.array([[0, 0],[eps,0]])
    for_w4 = np.array([[0, 0],[0,eps]])
    for_w5 = np.array([eps, 0]).reshape([2,1])  # noqa: F841 (c) defined, never used
    for_w6 = np.array([0,eps]).reshape([2,1])
    # (b) [1][0][0] is the output y, not the loss; (d) -f(w+eps) + f(w): the sign is flipped
    dw1 =  ((-seed_forward_pass(inputs, weights_input_hidden + for_w1, weights_hidden_output)[1][0][0] + seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)[1][0][0]))/eps
    dw2 =  ((-seed_forward_pass(inputs, weights_input_hidden + for_w2, weights_hidden_output)[1][0][0] + seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)[1][0][0]))/eps
    dw3 =  ((-seed_forward_pass(inputs, weights_input_hidden + for_w3, weights_hidden_output)[1][0][0] + seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)[1][0][0]))/eps
    dw4 =  ((-seed_forward_pass(inputs, weights_input_hidden + for_w4, weights_hidden_output)[1][0][0] + seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)[1][0][0]))/eps
    # (c) copy-paste: the w5 line adds for_w6, so dw5 is the derivative for w6
    dw5 =  ((-seed_forward_pass(inputs, weights_input_hidden , weights_hidden_output + for_w6)[1][0][0] + seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)[1][0][0]))/eps
    dw6 =  ((-seed_forward_pass(inputs, weights_input_hidden , weights_hidden_output + for_w6)[1][0][0] + seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)[1][0][0]))/eps
    output_delta = np.array([dw5, dw6])
    hidden_delta = np.array([[dw1, dw3],[dw2,dw4]])
    return  hidden_delta, output_delta


# fmt: on


def seed_001_run():
    """Run seed 001's cell as it was: returns {name: array} of what it printed.

    Keys as in ``SEED_001_PRINTED``. Uses a RandomState(0), which draws the same numbers as the
    seed's np.random.seed(0) without touching numpy's global generator.
    """
    rng = np.random.RandomState(0)
    weights_input_hidden = rng.rand(2, 2)
    weights_hidden_output = rng.rand(2, 1)
    inputs = np.array([[1, 1]])
    targets = np.array([[1]])
    hidden, output = seed_forward_pass(inputs, weights_input_hidden, weights_hidden_output)
    back_out, back_hidden = seed_backpropagation(
        inputs, targets, hidden, output, weights_input_hidden, weights_hidden_output, 0.1
    )
    num_hidden, num_output = seed_analytical_gradient(
        inputs, targets, weights_input_hidden, weights_hidden_output
    )
    return {
        "y": float(output[0, 0]),
        "numeric_hidden": num_hidden,
        "numeric_output": num_output,
        "backprop_hidden": back_hidden,
        "backprop_output": back_out,
    }


def seed_001_output_along(name):
    """y from seed 001's own ``forward_pass`` as a function of one of its weights, 'w1'..'w6'.

    Differences of this function reproduce the seed's digits exactly (the library's forward
    pass rounds differently, so its last digits of a round-off-dominated difference differ).
    """
    if name not in SEED_001_KEYS:
        raise ValueError(f"name: expected one of {sorted(SEED_001_KEYS)}, got {name!r}")
    _, layer, i, j = parse_param_key(SEED_001_KEYS[name])
    rng = np.random.RandomState(0)
    weights = [rng.rand(2, 2), rng.rand(2, 1)]
    inputs = np.array([[1, 1]])

    def y(w):
        w = as_number(w, "w")
        ws = [W.copy() for W in weights]
        ws[layer - 1][i - 1, j - 1] = w
        return float(seed_forward_pass(inputs, ws[0], ws[1])[1][0, 0])

    return y


def seed_001_weight(name):
    """The value of seed 001's weight 'w1'..'w6' (from np.random.seed(0), as the seed drew it)."""
    weights = _seed_001_weights()
    if name not in weights:
        raise ValueError(f"name: expected one of {sorted(weights)}, got {name!r}")
    return float(weights[name])


def _seed_001_weights():
    rng = np.random.RandomState(0)
    W1, W2 = rng.rand(2, 2), rng.rand(2, 1)
    return {
        "w1": W1[0, 0], "w2": W1[0, 1], "w3": W1[1, 0], "w4": W1[1, 1],
        "w5": W2[0, 0], "w6": W2[1, 0],
    }  # fmt: skip


# --------------------------------------------------------------------------- suspects


class Suspect(ParamArrays):
    """Gradients under test, shaped like a network's parameters (what ``gradcheck``'s grads=
    takes): weights[l] like net.weights[l], biases like net.biases (None if it has none).
    ``Suspect.from_keys(net, {key: value})`` builds one; ``.value(net, key)`` reads one."""

    def value(self, net, key):
        """The suspect's value for one parameter key."""
        return super().value(net, key, "suspect")


def as_grads(weights, biases=None):
    """Wrap gradient arrays from anywhere (numpy, or a torch run's ``.grad.numpy()``) for
    ``gradcheck(..., grads=...)``."""
    check_type(weights, "weights", (list, tuple), "a list of gradient arrays, one per layer")
    ws = tuple(as_float_array(W, f"weights[{i}]", finite=False) for i, W in enumerate(weights))
    if biases is not None:
        check_type(biases, "biases", (list, tuple), "a list of gradient arrays, one per layer")
    bs = (
        None
        if biases is None
        else tuple(as_float_array(b, f"biases[{i}]", finite=False) for i, b in enumerate(biases))
    )
    return Suspect(ws, bs)


def seed_001_suspect(net=None):
    """Seed 001's own check (all four mistakes) as a Suspect for the seed-001 network.

    The seed lays dW1 out transposed (row = hidden unit), so it is transposed back here.
    """
    run = seed_001_run()
    W1 = run["numeric_hidden"].T
    W2 = run["numeric_output"].reshape(2, 1)
    return Suspect((W1, W2), None)


# --------------------------------------------------------------------------- one bug at a time
# Each check below is correct except for the line marked BUG.


def _require(net, eps, keys=()):
    """A TypeError or ValueError for a net that is not a Network (or lacks ``keys``), or an eps
    that is not a small positive step."""
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {describe(net)}")
    if any(k not in net.param_keys() for k in keys):  # bug (c) nudges w2_2_1 for w2_1_1
        raise ValueError(f"net: expected a network with {' and '.join(keys)}, got {net!r}")
    as_number(eps, "eps", 0, 1, low_open=True, what="a positive step of at most 1, e.g. 1e-6")


def bug_a_one_sided_tiny_eps(net, x, t, eps=SEED_EPS):
    """(a) A one-sided difference with eps = 1e-10. Right idea, ruinous step: L is known only
    to ~1e-17, and dividing by 1e-10 magnifies that to ~1e-7: only ~5 digits survive."""
    _require(net, eps)

    def L(n):
        return forward(n, x, t).loss

    grads = {}
    for key in net.param_keys():
        w = net.get(key)
        grads[key] = (L(net.set(key, w + eps)) - L(net)) / eps  # BUG: forward, eps = 1e-10
    return Suspect.from_keys(net, grads)


def bug_b_output_not_loss(net, x, t, eps=1e-6):
    """(b) Differentiates the output y instead of the loss L: gives dy/dw, not dL/dw, off by
    the factor dL/dy = 2 (y - t)."""
    _require(net, eps)

    def y(n):
        return float(np.ravel(forward(n, x, t).output)[0])  # BUG: the output y, not the loss L

    grads = {}
    for key in net.param_keys():
        w = net.get(key)
        grads[key] = (y(net.set(key, w + eps)) - y(net.set(key, w - eps))) / (2 * eps)
    return Suspect.from_keys(net, grads)


def bug_c_copy_paste(net, x, t, eps=1e-6):
    """(c) Copy-paste: the line for w5 (w2_1_1) nudges w6 (w2_2_1), as the seed's ``for_w6``
    twice. So the check of w5 is a check of w6. Needs a network with w2_1_1 and w2_2_1."""
    _require(net, eps, keys=("w2_1_1", "w2_2_1"))

    def L(n):
        return forward(n, x, t).loss

    grads = {}
    for key in net.param_keys():
        nudged = "w2_2_1" if key == "w2_1_1" else key  # BUG: w5's line perturbs w6
        w = net.get(nudged)
        grads[key] = (L(net.set(nudged, w + eps)) - L(net.set(nudged, w - eps))) / (2 * eps)
    return Suspect.from_keys(net, grads)


def bug_d_flipped_sign(net, x, t, eps=1e-6):
    """(d) The difference upside down, (f(w) - f(w + eps)) / eps: every gradient has the wrong
    sign, and gradient descent with it climbs the loss."""
    _require(net, eps)

    def L(n):
        return forward(n, x, t).loss

    grads = {}
    for key in net.param_keys():
        w = net.get(key)
        grads[key] = (L(net) - L(net.set(key, w + eps))) / eps  # BUG: f(w) - f(w + eps)
    return Suspect.from_keys(net, grads)


BUGS = {
    "a": bug_a_one_sided_tiny_eps,
    "b": bug_b_output_not_loss,
    "c": bug_c_copy_paste,
    "d": bug_d_flipped_sign,
}


# --------------------------------------------------------------------------- reading a report


def report_text(report, tested="suspect"):
    """The report as ``str(report)`` prints it, with the first column of values headed
    ``tested`` instead of 'backprop' (in the clinic, the values under test are not backprop's)."""
    check_type(report, "report", GradcheckReport, "the report that gradcheck() returned")
    check_type(tested, "tested", str, "a string (the heading of the tested values' column)")
    return str(dataclasses.replace(report, label=tested))


def diagnose(report, rtol=1e-3):
    """A one-line reason for each flagged row of a gradcheck report, as a list of strings.

    Reads the ratio r = tested / numeric: r ~ -1 is a flipped sign; the tested value equal to
    another parameter's numeric gradient is a perturbation of the wrong parameter; r ~ 1 is
    agreement to a few digits only (a poor finite difference); any other r is a wrong factor,
    and one factor shared by every row is a missing or extra factor of the chain rule.
    """
    check_type(report, "report", GradcheckReport, "the report that gradcheck() returned")
    as_number(rtol, "rtol", 0, 1, low_open=True, what="a small positive tolerance, e.g. 1e-3")
    flagged = [r for r in report.rows if r.rel_error >= report.tol]
    if not flagged:
        return [
            f"all {len(report.rows)} gradients pass (max relative error "
            f"{report.max_rel_error:.1e} < {report.tol:.0e})"
        ]
    numeric = {r.key: r.numeric for r in report.rows}
    ratios = {r.key: r.analytic / r.numeric if r.numeric != 0 else np.inf for r in flagged}
    shared = list(ratios.values())
    lines = []
    for r in flagged:
        ratio = ratios[r.key]
        twin = next(
            (
                k
                for k, v in numeric.items()
                if k != r.key and v != 0 and abs(r.analytic - v) <= 1e-6 * abs(v)
            ),
            None,
        )
        if twin is not None:
            why = f"equals the numeric gradient of {param_label(twin)}: the wrong parameter was nudged"
        elif abs(ratio + 1) < rtol:
            why = "the numeric value with the sign flipped"
        elif abs(ratio - 1) < rtol:
            digits = -np.log10(r.rel_error)
            why = (
                f"agrees to only {digits:.1f} digits: a poor finite difference, not a wrong formula"
            )
        elif np.isfinite(ratio):
            why = f"off by a factor {ratio:.5g}"
        else:
            why = "nonzero where the numeric gradient is exactly 0"
        lines.append(f"{r.label:<6} rel. error {r.rel_error:.1e}: {why}")
    if len(flagged) > 1 and all(np.isfinite(shared)) and np.ptp(shared) < rtol * abs(shared[0]):
        if abs(shared[0] + 1) >= rtol and abs(shared[0] - 1) >= rtol:
            lines.append(
                f"every flagged gradient is off by the same factor {shared[0]:.5g}: "
                "a missing or extra factor in the chain rule"
            )
    return lines
