"""Matplotlib figures: finite differences, the epsilon sweep and a kink (notebooks 03 and 04);
XOR's runs, an image grid, training curves and two runs compared (notebook 05).

Each function returns a ``matplotlib.figure.Figure`` built without pyplot, so a notebook cell
that ends with it shows it exactly once, and nothing stays open between cells. Fonts are large
enough for a projector (12 pt and up); colours are Okabe–Ito, each paired with its own line
style and marker, so the figures read in grey and for colour-blind viewers too.
"""

import numpy as np
from matplotlib.figure import Figure

from . import checks, numerics, theme
from .network import forward
from .train import History, predict_proba

# the views' palette (``theme``, light): Okabe–Ito's blue, vermillion, bluish green, orange, sky
# blue, reddish purple (the classes' colours), text, secondary text and grid lines
CLASSES = [theme.LIGHT[f"c{k}"] for k in range(6)]
BLUE, VERMILLION, GREEN, ORANGE, SKY, PURPLE = CLASSES
INK, GREY, GRID, PAPER = (theme.LIGHT[k] for k in ("ink", "muted", "grid", "paper"))
FONT = 14  # tick labels, legends
LABEL = 16  # axis labels, titles
DPI = 80  # modest: keeps the notebooks small; the fonts are sized for it

STYLE = {  # method -> how its curve is drawn
    "forward": {"color": VERMILLION, "marker": "o", "linestyle": "-", "label": "forward"},
    "central": {"color": BLUE, "marker": "s", "linestyle": "--", "label": "central"},
}


def _figure(width, height, ncols=1, sharey=False):
    fig = theme.with_alt(Figure(figsize=(width, height), dpi=DPI, layout="constrained"))
    axes = fig.subplots(1, ncols, sharey=sharey, squeeze=False)[0]
    for ax in axes:
        ax.tick_params(labelsize=FONT)
        ax.grid(True, which="major", color=GRID, linewidth=0.8)
    return fig, axes


def finite_difference_figure(f, w, eps, slope, xlabel="w", ylabel="L", span=2.5):
    """The loss near w with the tangent (slope: backprop's derivative) and the two secants.

    f: the scalar function (e.g. ``numerics.loss_along(...)``); eps: the step, exaggerated so
    that the secants are visibly different from the tangent; span: the plotted half-width, in
    units of eps.
    """
    checks.check_callable(f, "f")
    checks.as_number(w, "w")
    checks.as_number(slope, "slope")
    for name, v in (("eps", eps), ("span", span)):
        checks.as_number(v, name, 0, low_open=True, what="a positive finite number")
    half = float(span) * float(eps)  # the plotted half-width; the tangent rises slope·half
    lo, hi = float(w) - half, float(w) + half
    if not (np.isfinite([lo, hi, 2 * half, float(slope) * half]).all() and lo < hi):
        raise ValueError(
            f"eps: expected w ± span·eps to be two different numbers float64 holds "
            f"(slope·span·eps too), got w = {w}, eps = {eps}, span = {span}, slope = {slope}"
        )

    def fv(at):  # f's number, checked (NaN or inf would draw nothing, and say nothing)
        what = f"a function returning one finite number (at w = {float(at)!r})"
        return checks.as_number(f(at), "f", what=what)

    ws = np.linspace(w - span * eps, w + span * eps, 201)
    curve = [fv(v) for v in ws]
    f0, fp, fm = fv(w), fv(w + eps), fv(w - eps)
    fig, (ax,) = _figure(8.5, 5.0)
    ax.plot(ws, curve, color=INK, linewidth=3, label=f"{ylabel}({xlabel})")
    forward = (fp - f0) / eps
    central = (fp - fm) / (2 * eps)
    # each line through its own points: the tangent through (w, f0), the forward secant through
    # (w, f0) and (w+eps, fp), the central one through (w-eps, fm) and (w+eps, fp)
    ax.plot(
        ws,
        f0 + slope * (ws - w),
        color=GREEN,
        linewidth=2.5,
        label=f"tangent, slope = backprop's {slope:+.4f}",
    )
    ax.plot(
        ws,
        f0 + forward * (ws - w),
        color=VERMILLION,
        linestyle="--",
        linewidth=2.2,
        label=f"forward secant, slope {forward:+.4f}",
    )
    ax.plot(
        ws,
        fp + central * (ws - w - eps),
        color=BLUE,
        linestyle="-.",
        linewidth=2.2,
        label=f"central secant, slope {central:+.4f}",
    )
    ax.plot(
        [w - eps, w + eps],
        [fm, fp],
        "s",
        color=BLUE,
        markersize=14,
        zorder=5,
        markerfacecolor=PAPER,
        markeredgewidth=2.5,
    )
    ax.plot([w, w + eps], [f0, fp], "o", color=VERMILLION, markersize=8, zorder=6)
    lo, hi = ax.get_ylim()
    for v, text in ((w - eps, r"$w-\varepsilon$"), (w, r"$w$"), (w + eps, r"$w+\varepsilon$")):
        ax.axvline(v, color=GREY, linewidth=0.8, linestyle=":")
        ax.text(
            v,
            lo,
            text,
            ha="center",
            va="bottom",
            fontsize=FONT,
            color=GREY,
            bbox={"facecolor": PAPER, "edgecolor": "none", "pad": 1},
        )
    ax.set_xlabel(xlabel, fontsize=LABEL)
    ax.set_ylabel(ylabel, fontsize=LABEL)
    ax.set_title(
        rf"slopes near $w$ with an exaggerated step $\varepsilon$ = {eps:g}", fontsize=LABEL
    )
    ax.legend(fontsize=FONT, loc="best", framealpha=0.95)
    return fig


def eps_sweep_figure(eps_values, sweeps, marks=(), floor=1e-17):
    """The epsilon sweep on log-log axes: one panel per dtype, forward and central in each.

    sweeps: {(dtype name, method): relative errors}, as ``numerics.sweep_all`` returns.
    marks: (dtype name, method, eps, text) points to annotate, e.g. seed 001's
    ('float64', 'forward', 1e-10, 'seed 001').
    Errors of exactly 0 are drawn at ``floor`` (a log axis has no 0).
    The dotted verticals are the rule-of-thumb optima u^(1/2) (forward) and u^(1/3) (central).
    """
    eps_values = _check_sweeps(eps_values, sweeps, marks, floor)
    dtypes = list(dict.fromkeys(d for d, _ in sweeps))
    fig, axes = _figure(6.2 * len(dtypes), 5.4, ncols=len(dtypes), sharey=True)
    for ax, dname in zip(axes, dtypes):
        dtype = np.dtype(dname).type
        u = numerics.unit_roundoff(dtype)
        for method in numerics.METHODS:
            if (dname, method) not in sweeps:
                continue
            err = np.maximum(np.asarray(sweeps[(dname, method)], dtype=float), floor)
            st = STYLE[method]
            ax.loglog(
                eps_values,
                err,
                color=st["color"],
                linestyle=st["linestyle"],
                marker=st["marker"],
                markersize=5,
                linewidth=2,
                label=f"{st['label']} difference",
            )
            opt = numerics.optimal_eps(dtype, method)
            power = "1/2" if method == "forward" else "1/3"
            ax.axvline(
                opt,
                color=st["color"],
                linestyle=":",
                linewidth=2.2,
                label=rf"$u^{{{power}}}$ = {opt:.0e}",
            )
        ax.loglog(
            eps_values,
            u / eps_values,
            color=GREY,
            linewidth=1.5,
            linestyle=(0, (1, 3)),
            label=r"round-off $\approx u/\varepsilon$",
        )
        for mark_dtype, method, eps, text in marks:
            if mark_dtype != dname:
                continue
            i = int(np.argmin(np.abs(np.log(eps_values / eps))))
            y = max(float(sweeps[(dname, method)][i]), floor)
            ax.annotate(
                text,
                xy=(eps_values[i], y),
                xytext=(0, 46),
                textcoords="offset points",
                ha="left",
                fontsize=FONT,
                color=INK,
                arrowprops={"arrowstyle": "->", "color": INK, "linewidth": 1.5},
            )
        ax.set_title(f"{dname}:  u = {u:.1e}", fontsize=LABEL)
        ax.set_xlabel(r"step $\varepsilon$", fontsize=LABEL)
        ax.set_ylim(1e-14, 30)
        ax.legend(fontsize=FONT - 1, loc="lower left", framealpha=0.95)
    axes[0].set_ylabel("relative error of the numeric dL/dw", fontsize=LABEL)
    return fig


def _check_sweeps(eps_values, sweeps, marks, floor):
    """eps_sweep_figure's arguments checked -> eps_values as a float64 array."""
    eps_values = checks.as_float_array(eps_values, "eps_values")
    if eps_values.ndim != 1 or eps_values.size == 0 or np.any(eps_values <= 0):
        raise ValueError(
            "eps_values: expected a 1-D array of positive steps, e.g. np.logspace(-12, -1, 45), "
            f"got {checks.describe(eps_values.tolist())}"
        )
    what = "{(dtype name, method): relative errors}, as numerics.sweep_all returns"
    checks.check_type(sweeps, "sweeps", dict, what)
    valid = [(np.dtype(d).name, m) for d in numerics.DTYPES for m in numerics.METHODS]
    if not sweeps or any(key not in valid for key in sweeps):
        raise ValueError(f"sweeps: expected {what}, with keys among {valid}, got {list(sweeps)}")
    for key, errors in sweeps.items():
        shape = checks.as_float_array(errors, f"sweeps[{key!r}]").shape
        if shape != eps_values.shape:
            raise ValueError(
                f"sweeps[{key!r}]: expected one error per step, shape {eps_values.shape}, "
                f"got shape {shape}"
            )
    checks.check_type(marks, "marks", (list, tuple), "a list of (dtype name, method, eps, text)")
    for i, mark in enumerate(marks):
        if not (isinstance(mark, (list, tuple)) and len(mark) == 4 and isinstance(mark[3], str)):
            raise TypeError(
                f"marks[{i}]: expected (dtype name, method, eps, text), got {checks.describe(mark)}"
            )
        if tuple(mark[:2]) not in list(sweeps):
            raise ValueError(
                f"marks[{i}]: expected a sweep among {list(sweeps)}, got {checks.describe(mark)}"
            )
        checks.as_number(mark[2], f"marks[{i}][2]", 0, low_open=True, what="a positive step eps")
    checks.as_number(floor, "floor", 0, low_open=True, what="a positive finite number")
    return eps_values


def kink_figure(z0=0.0, delta=1.0):
    """ReLU at its kink: the central secant from z0 - delta to z0 + delta against the two slopes.

    At z0 = 0 the secant's slope is 1/2, a slope ReLU has nowhere; backprop says 0 (or 1).
    """
    z0 = checks.as_number(z0, "z0")
    delta = checks.as_number(delta, "delta", 0, low_open=True, what="a positive finite number")
    if not -np.inf < z0 - 2.2 * delta <= z0 - delta < z0 + delta <= z0 + 2.2 * delta < np.inf:
        raise ValueError(
            f"delta: expected z0 ± delta to be two different numbers float64 holds (z0 ± "
            f"2.2·delta too), got z0 = {z0}, delta = {delta}"
        )
    fig, (ax,) = _figure(7.5, 4.6)
    zs = np.linspace(z0 - 2.2 * delta, z0 + 2.2 * delta, 401)
    relu = np.maximum(zs, 0.0)
    ax.plot(zs, relu, color=INK, linewidth=3, label="ReLU(z) = max(0, z)")
    zl, zr = z0 - delta, z0 + delta
    fl, fr = max(zl, 0.0), max(zr, 0.0)
    secant = (fr - fl) / (zr - zl)
    ax.plot(
        [zl, zr],
        [fl, fr],
        color=BLUE,
        linestyle="--",
        linewidth=2.5,
        marker="s",
        markersize=9,
        label=f"central secant: slope {secant:.2g}",
    )
    ax.plot(
        zs[zs <= 0],
        0 * zs[zs <= 0],
        color=VERMILLION,
        linewidth=6,
        alpha=0.35,
        label="slope 0 (left of the kink)",
    )
    ax.plot(
        zs[zs >= 0],
        zs[zs >= 0],
        color=GREEN,
        linewidth=6,
        alpha=0.35,
        label="slope 1 (right of the kink)",
    )
    ax.plot([z0], [max(z0, 0.0)], "o", color=INK, markersize=8)
    ax.set_xlabel("z (the ReLU's input)", fontsize=LABEL)
    ax.set_ylabel("ReLU(z)", fontsize=LABEL)
    ax.set_title(r"a finite difference across the kink at $z = 0$", fontsize=LABEL)
    ax.legend(fontsize=FONT, loc="upper left", framealpha=0.95)
    return fig


# --------------------------------------------------------------------------- notebook 05: training
# (these take the notebook's rcParams: its font sizes and dpi)


def _plain_figure(width, height):
    return theme.with_alt(Figure(figsize=(width, height), layout="constrained"))


def _diverging():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "blue-white-vermillion", [BLUE, theme.LIGHT["paper"], VERMILLION]
    )


def _xor_panels(ax_in, ax_hidden, net, X, y, title):
    """Left: the output y over the input plane, with the 0.5 contour; right: the inputs'
    images in the hidden plane (a¹₁, a¹₂). Points that land together get one label."""
    g = np.linspace(-0.5, 1.5, 121)
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    y_grid = predict_proba(net, grid)[:, 1].reshape(len(g), len(g))
    ax_in.imshow(
        y_grid, origin="lower", extent=(-0.5, 1.5, -0.5, 1.5), cmap=_diverging(), vmin=0, vmax=1
    )
    ax_in.contour(g, g, y_grid, levels=[0.5], colors=INK, linewidths=2)
    hidden = np.asarray(forward(net, X, y).a[0])
    for ax, pts in ((ax_in, X), (ax_hidden, hidden)):
        for (px, py), t in zip(pts, y):  # class 0: big circles; class 1: smaller squares on top
            ax.scatter(
                px,
                py,
                s=420 if t == 0 else 170,
                marker="o" if t == 0 else "s",
                zorder=3 if t == 0 else 4,
                color=CLASSES[int(t)],
                edgecolor=INK,
                linewidth=1.5,
            )
    groups = []  # inputs whose hidden points (nearly) coincide share one label
    for k, h in enumerate(hidden):
        for group in groups:
            if np.abs(hidden[group[0]] - h).max() < 0.05:
                group.append(k)
                break
        else:
            groups.append([k])
    centre = np.array([0.5, 0.5])
    for group in groups:  # the label sits between the point and the middle, with a thin line
        label = " & ".join(f"({int(X[k][0])},{int(X[k][1])})" for k in group)
        point = hidden[group[0]]
        ax_hidden.annotate(
            label,
            point,
            xytext=point + 0.42 * (centre - point),
            fontsize=13,
            ha="center",
            va="center",
            zorder=5,
            fontweight="bold" if len(group) > 1 else "normal",
            arrowprops={"arrowstyle": "-", "color": GREY, "lw": 1, "shrinkB": 12},
        )
    ax_in.set(title=f"{title}: output y", xlabel="x₁", ylabel="x₂", xticks=[0, 1], yticks=[0, 1])
    ax_hidden.set(
        title=f"{title}: hidden layer",
        xlabel="a¹₁",
        ylabel="a¹₂",
        xlim=(-0.2, 1.2),
        ylim=(-0.2, 1.2),
        xticks=[0, 1],
        yticks=[0, 1],
    )
    ax_hidden.set_aspect("equal")
    ax_in.set_aspect("equal")


def xor_figure(runs, X, y, lr):
    """XOR runs {seed: (net, history)}: the loss curves on top; below, for each run, the output
    over the input plane and the four inputs' positions in the hidden layer."""
    fig = _plain_figure(15, 9.2)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 0.9])
    ax = top.subplots()
    colours = [GREEN, VERMILLION, BLUE, ORANGE]
    for (seed, (_, hist)), colour in zip(runs.items(), colours):
        ax.plot(hist.epoch, hist.train_loss, color=colour, lw=3, label=f"seed {seed}")
    floor = 0.5 * np.log(2)
    ax.axhline(floor, color=INK, ls="--", lw=1.5)
    ax.text(
        0.99,
        floor + 0.015,
        "½ ln 2 ≈ 0.347",
        transform=ax.get_yaxis_transform(),
        ha="right",
        va="bottom",
    )
    ax.set(
        xlabel="epoch",
        ylabel="loss (binary cross-entropy)",
        ylim=(0, None),
        title=f"XOR, 2-2-1 sigmoid network, full batch, lr = {lr:g}",
    )
    ax.legend(loc="upper right")
    axes = bottom.subplots(1, 2 * len(runs))
    for k, (seed, (net, _)) in enumerate(runs.items()):
        _xor_panels(axes[2 * k], axes[2 * k + 1], net, X, y, f"seed {seed}")
    return fig


def image_grid(
    images,
    titles=(),
    cols=10,
    title=None,
    cmap="gray_r",
    vmin=0.0,
    vmax=1.0,
    cell=1.5,
    colorbar=None,
    title_size=14,
):
    """A grid of small images (each a 2-D array, or a row of 64 pixels drawn as 8×8)."""
    if isinstance(images, np.ndarray) and images.ndim == 1:  # one digit's row of pixels
        raise TypeError(f"images: expected a list of images, got one of {images.size} pixels")
    images = [checks.as_float_array(im, f"images[{k}]") for k, im in enumerate(images)]
    images = [im.reshape(8, 8) if im.ndim == 1 and im.size == 64 else im for im in images]
    for k, im in enumerate(images):
        if im.ndim != 2 or not im.size:
            raise ValueError(
                f"images[{k}]: expected a 2-D image or 64 pixels, got shape {im.shape}"
            )
    cols = checks.as_int(cols, "cols", 1)
    cell = checks.as_number(cell, "cell", 0, 10, low_open=True, what="a size in inches, (0, 10]")
    rows = max(1, -(-len(images) // cols))
    extra = 0.45 if title else 0.0
    fig = _plain_figure(cell * cols + (1.0 if colorbar else 0.0), (cell + 0.35) * rows + extra)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    cmap = _diverging() if cmap == "diverging" else cmap
    im = None
    for k, ax in enumerate(axes):
        ax.axis("off")
        ax.set_xticks([]), ax.set_yticks([])  # hidden anyway: the layout need not measure them
        if k < len(images):
            im = ax.imshow(images[k], cmap=cmap, vmin=vmin, vmax=vmax)
            if k < len(titles):
                ax.set_title(titles[k], fontsize=title_size)
    if colorbar and im is not None:
        fig.colorbar(im, ax=axes.tolist(), shrink=0.8, label=colorbar)
    if title:
        fig.suptitle(title, fontsize=16)
    return fig


def _history(hist, name):
    """``hist`` if it is a History; a TypeError that says how to get one (train returns two)."""
    hint = ": train() returns (net, history), unpack it" if isinstance(hist, tuple) else ""
    return checks.check_type(hist, name, History, f"the History that train() returned{hint}")


def training_curves(hist, threshold=None):
    """Loss (each batch, training set, test set; log scale) and accuracy against epochs."""
    hist = _history(hist, "hist")
    if threshold is not None:
        threshold = checks.as_number(threshold, "threshold", 0, 1, what="an accuracy in [0, 1]")
    fig = _plain_figure(15, 4.8)
    ax1, ax2 = fig.subplots(1, 2)
    blue, vermillion, sky = BLUE, VERMILLION, SKY
    per_epoch = len(hist.step_loss) / max(hist.epoch[-1], 1)
    ax1.plot(
        np.arange(1, len(hist.step_loss) + 1) / per_epoch,
        hist.step_loss,
        color=sky,
        lw=1,
        label="each batch",
    )
    ax1.plot(hist.epoch, hist.train_loss, color=blue, lw=3, label="training set")
    if hist.test_loss:
        ax1.plot(hist.epoch, hist.test_loss, color=vermillion, lw=3, ls="--", label="test set")
    ax1.set(xlabel="epoch", ylabel="loss", yscale="log", title="loss")
    ax1.legend()
    ax2.plot(hist.epoch, hist.train_acc, color=blue, lw=3, label="training set")
    if hist.test_acc:
        ax2.plot(hist.epoch, hist.test_acc, color=vermillion, lw=3, ls="--", label="test set")
    if threshold is not None:
        ax2.axhline(threshold, color=INK, lw=1.5, ls=":")
        ax2.text(
            0.02, threshold, f"{threshold:.0%}", transform=ax2.get_yaxis_transform(), va="bottom"
        )
    low = min(hist.train_acc[1:] + hist.test_acc[1:] or [0.0])
    ax2.set(
        xlabel="epoch",
        ylabel="accuracy",
        ylim=(max(0.0, low - 0.02), 1.005),
        title="accuracy (after each epoch)",
    )
    ax2.legend(loc="lower right")
    return fig


def comparison_figure(hist_a, hist_b, label_a="backprop_lib", label_b="PyTorch", tol=1e-9):
    """Two runs' batch losses on top of each other, and their difference per step."""
    hist_a, hist_b = _history(hist_a, "hist_a"), _history(hist_b, "hist_b")
    if len(hist_a.step_loss) != len(hist_b.step_loss) or not hist_a.step_loss:
        n_a, n_b = len(hist_a.step_loss), len(hist_b.step_loss)
        raise ValueError(f"hist_b: expected the steps of hist_a ({n_a}, at least 1), got {n_b}")
    fig = _plain_figure(15, 4.3)
    ax1, ax2 = fig.subplots(1, 2)
    a, b = np.asarray(hist_a.step_loss), np.asarray(hist_b.step_loss)
    first = min(len(a), 200)  # the first steps, where the curves move most, stay readable
    ax1.plot(a[:first], color=SKY, lw=5, label=label_a)
    ax1.plot(b[:first], color=VERMILLION, lw=0, marker=".", ms=5, label=label_b)
    ax1.set(
        xlabel="step",
        ylabel="batch loss",
        yscale="log",
        title=f"batch loss, the first {first} steps",
    )
    ax1.legend()
    diff = np.abs(a - b)
    ax2.semilogy(np.maximum(diff, 1e-18), ".", color=PURPLE, ms=3)
    ax2.axhline(tol, color=INK, ls="--", lw=1.5)
    ax2.text(
        0.02, tol * 1.6, f"tolerance {tol:g}", transform=ax2.get_yaxis_transform(), va="bottom"
    )
    ax2.set(
        xlabel="step",
        ylabel="|difference|",
        ylim=(1e-18, 1e-7),
        title=f"|difference| at every one of the {len(a)} steps",
    )
    return fig
