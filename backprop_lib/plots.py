"""Matplotlib figures for notebooks 03 and 04: finite differences, the epsilon sweep, a kink.

Each function returns a ``matplotlib.figure.Figure`` built without pyplot, so a notebook cell
that ends with it shows it exactly once, and nothing stays open between cells. Fonts are large
enough for a projector (12 pt and up); colours are Okabe–Ito, each paired with its own line
style and marker, so the figures read in grey and for colour-blind viewers too.
"""

import numpy as np
from matplotlib.figure import Figure

from . import numerics, theme

# Okabe–Ito
BLUE, VERMILLION, GREEN, ORANGE, SKY, PURPLE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#E69F00",
    "#56B4E9",
    "#CC79A7",
)
INK, GREY = "#1a1a1a", "#777777"
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
        ax.grid(True, which="major", color="#dddddd", linewidth=0.8)
    return fig, axes


def finite_difference_figure(f, w, eps, slope, xlabel="w", ylabel="L", span=2.5):
    """The loss near w with the tangent (slope: backprop's derivative) and the two secants.

    f: the scalar function (e.g. ``numerics.loss_along(...)``); eps: the step, exaggerated so
    that the secants are visibly different from the tangent; span: the plotted half-width, in
    units of eps.
    """
    fig, (ax,) = _figure(8.5, 5.0)
    ws = np.linspace(w - span * eps, w + span * eps, 201)
    ax.plot(ws, [f(v) for v in ws], color=INK, linewidth=3, label=f"{ylabel}({xlabel})")
    f0, fp, fm = f(w), f(w + eps), f(w - eps)
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
        markerfacecolor="white",
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
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
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
    dtypes = list(dict.fromkeys(d for d, _ in sweeps))
    fig, axes = _figure(6.2 * len(dtypes), 5.4, ncols=len(dtypes), sharey=True)
    eps_values = np.asarray(eps_values, dtype=float)
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


def kink_figure(z0=0.0, delta=1.0):
    """ReLU at its kink: the central secant from z0 - delta to z0 + delta against the two slopes.

    At z0 = 0 the secant's slope is 1/2, a slope ReLU has nowhere; backprop says 0 (or 1).
    """
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
