"""The live training view: a decision boundary redrawn while training runs, beside the loss and
accuracy curves, with controls for the learning rate, the hidden width and the activation.

    from backprop_lib.train_view import TrainingView
    view = TrainingView("two moons", hidden=8, activation="tanh", lr=0.3)
    view.train_epochs(20)   # a few epochs now, synchronously (renders once)
    view                    # the widget; its start button trains on in the background

Training never blocks the notebook: the start button creates an asyncio task on the kernel's
event loop that trains in chunks of about ``chunk_seconds`` and ``await``s between chunks, so
the kernel handles widget messages (the stop button, the sliders) and other cells in between.

Drawing is one SVG string per frame, made with ``svgplot``: the boundary is a small PNG (a grid
of the network's class probabilities) stretched under the data points, and the curves are
polylines. A frame takes a few milliseconds. The network is ``classifier``'s choice for the
number of classes. Notebook 05's static figures are in ``plots`` (still importable from here).
"""

import asyncio
import base64
import re
import time
import weakref

import ipywidgets as w
import numpy as np

from . import datasets, theme
from .checks import (
    as_choice,
    as_epochs,
    as_float_array,
    as_int,
    as_lr,
    as_number,
    as_seed,
    describe,
)
from .classifier import classifier
from .live import LiveView
from .svgplot import CLASS_COLOURS, boundary_rgb, curve_panel, fmt_tick, marker, png_bytes, ticks
from .theme import paint
from .train import Trainer, predict_proba

INK, MUTED, GRID = (theme.LIGHT[k] for k in ("ink", "muted", "grid"))
FONT = theme.FONT

DATASETS = {
    "two moons": lambda seed: datasets.two_moons(200, 0.2, seed),
    "spirals": lambda seed: datasets.spirals(300, 3, 0.15, seed),
}
ACTIVATIONS = ["tanh", "relu", "sigmoid"]
_CSS = f"<style>{theme.CSS}</style>"  # the palette, for the live view's SVG
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]


MIN_TEXT_PX, TEXT_PX = 12, 14  # the smallest text on screen; the picture's smallest text


def min_width(width):
    """The narrowest a picture ``width`` px wide may get with its 14 px text still >= 12 px."""
    return int(np.ceil(width * MIN_TEXT_PX / TEXT_PX))


# --------------------------------------------------------------------------- the view


def _check_data(data):
    """data: a name from DATASETS, or (X, y) with X (N, 2) finite numbers and y (N,) integer
    labels of at least two classes."""
    if isinstance(data, str):
        return as_choice(data, "data", DATASETS)
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data: expected one of {sorted(DATASETS)} or (X, y), got {describe(data)}")
    X = as_float_array(data[0], "data[0] (X)")
    y = as_float_array(data[1], "data[1] (y)")
    if X.ndim != 2 or X.shape[1] != 2 or len(X) < 2:
        raise ValueError(f"data[0] (X): expected shape (N, 2) with N >= 2, got shape {X.shape}")
    top = len(CLASS_COLOURS) - 1  # one colour per class
    if y.shape != (len(X),) or np.any(y != np.round(y)) or y.min() < 0 or y.max() > top:
        raise ValueError(
            f"data[1] (y): expected {len(X)} whole-number labels from 0 to {top} (the view has "
            f"{top + 1} class colours), got {describe(data[1])}"
        )
    if len(np.unique(y)) < 2:
        raise ValueError("data[1] (y): expected at least two classes, got one")
    return (X, y.astype(np.int64))


class TrainingView(LiveView):
    """Train a small network on 2-D data and watch its decision boundary move.

    data: "two moons" or "spirals" (or a pair (X, y) of 2-D points and class labels).
    hidden, activation, lr: the starting values of the controls. batch_size, seed: fixed
    (the seed sets both the initial weights and the batches' order). grid: the boundary's
    resolution. max_epochs: the start button stops by itself after this many epochs.
    """

    _live = weakref.WeakSet()  # views that have trained in the background
    css_class = "bp-train"
    tooltip = "the plots first and large, the controls in a row below, for a projector"

    def __init__(
        self,
        data="two moons",
        hidden=8,
        activation="tanh",
        lr=0.3,
        batch_size=16,
        seed=0,
        grid=72,
        max_epochs=3000,
        chunk_seconds=0.04,
    ):
        data = _check_data(data)
        hidden = as_int(hidden, "hidden", 1, 32)
        as_choice(activation, "activation", ACTIVATIONS)
        lr = as_lr(lr)
        batch_size, seed = as_int(batch_size, "batch_size", 1), as_seed(seed)
        grid = as_int(grid, "grid", 8, 400)
        max_epochs = as_epochs(max_epochs, "max_epochs", 1)
        chunk_seconds = as_number(chunk_seconds, "chunk_seconds", 0, 10, low_open=True)
        self.batch_size, self.seed, self.grid = batch_size, seed, grid
        self.max_epochs, self.chunk_seconds = max_epochs, chunk_seconds
        self.task = None
        self.running = False
        self.render_ms = []  # how long each frame took to draw, for the curious

        names = list(DATASETS) if isinstance(data, str) else ["custom"]
        if isinstance(data, str) and data not in DATASETS:
            raise ValueError(f"data: expected one of {list(DATASETS)} or (X, y), got {data!r}")
        self._custom = None if isinstance(data, str) else data
        style = {"description_width": "90px"}
        lay = w.Layout(width="350px")
        self.data_dropdown = w.Dropdown(
            options=names,
            value=names[0] if self._custom is not None else data,
            description="data",
            style=style,
            layout=lay,
        )
        rates = sorted({*LEARNING_RATES, float(lr)})  # round numbers, and the one asked for
        self.lr_slider = w.SelectionSlider(
            options=rates, value=float(lr), description="lr", style=style, layout=lay
        )
        self.hidden_slider = w.IntSlider(
            value=hidden, min=1, max=32, description="hidden units", style=style, layout=lay
        )
        self.activation_dropdown = w.Dropdown(
            options=ACTIVATIONS, value=activation, description="activation", style=style, layout=lay
        )
        self.start_button = w.Button(
            description="start",
            icon="play",
            button_style="success",
            tooltip="train in the background; click again to stop",
            layout=w.Layout(width="120px", height="40px"),
        )
        self.reset_button = w.Button(
            description="reset",
            icon="undo",
            tooltip="new network with the same seed",
            layout=w.Layout(width="120px", height="40px"),
        )
        self.status = w.HTML()
        self.plot = w.HTML(layout=w.Layout(width="100%"))

        self.start_button.on_click(self._on_start_stop)
        self.reset_button.on_click(lambda _: self.reset())
        self.lr_slider.observe(self._on_lr, names="value")
        for control in (self.data_dropdown, self.hidden_slider, self.activation_dropdown):
            control.observe(lambda _: self.reset(), names="value")

        self.reset(render=False)
        self._layouts = None  # made by the first layout(), once the base has made self.toolbar
        self.init_live(False, toolbar=[self.start_button, self.reset_button])
        self.presenter_toggle.layout.height = "40px"  # as tall as start and reset

    # ---------------------------------------------------------------- state

    def _data(self):
        if self._custom is not None:
            X, y = self._custom
            return np.asarray(X, dtype=float), np.asarray(y)
        return DATASETS[self.data_dropdown.value](self.seed)

    def reset(self, render=True):
        """A fresh network (same seed) with the controls' width and activation; keeps running
        if it was running."""
        self.X, self.y = self._data()
        self.n_classes = int(self.y.max()) + 1
        net = classifier(
            2, self.hidden_slider.value, self.n_classes, self.activation_dropdown.value, self.seed
        )
        self.trainer = Trainer(
            net, self.X, self.y, self.lr_slider.value, min(self.batch_size, len(self.X)), self.seed
        )
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        # 10% around the data; a feature that (almost) does not vary, as for points on a line,
        # gets ±1 around it (else the plot's scale divides by zero)
        with np.errstate(over="ignore", invalid="ignore"):
            flat = hi - lo <= 1e-9 * np.maximum(1.0, np.maximum(abs(lo), abs(hi)))
            pad = np.where(flat, 1.0, 0.1 * (hi - lo))
            self.extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        if not np.all(np.isfinite(self.extent)):  # its grid, its ticks: inf and NaN
            raise ValueError(
                f"data: expected points a float64 plot can span, got features from {lo.tolist()} "
                f"to {hi.tolist()}; scale them down"
            )
        gx = np.linspace(self.extent[0], self.extent[1], self.grid)
        gy = np.linspace(self.extent[3], self.extent[2], self.grid)  # top row first
        self.grid_points = np.array(np.meshgrid(gx, gy)).reshape(2, -1).T
        self._points_svg = None
        if not getattr(self, "running", False):
            self._show_running(False)  # a fresh network: "start" again
        if render:
            self.render()

    @property
    def net(self):
        return self.trainer.net

    @property
    def history(self):
        return self.trainer.history

    def _on_lr(self, change):
        self.trainer.lr = change["new"]

    # ---------------------------------------------------------------- training

    def train_epochs(self, epochs):
        """Train ``epochs`` epochs now, synchronously, then draw once."""
        self.trainer.run(epochs)
        self.render()
        return self

    def _on_start_stop(self, _button=None):
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self):
        """Start training in the background (an asyncio task on the running event loop). Any
        other TrainingView still training (say, from an earlier run of the same cell) stops."""
        if self.running:
            return self.task
        if self.trainer.epochs >= self.max_epochs:
            self.render()  # the status says why nothing happens
            return None
        for other in list(TrainingView._live):
            if other is not self and other.running:
                other.stop()
        TrainingView._live.add(self)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "start: needs a running asyncio event loop, as in a Jupyter kernel; in a plain "
                "script call train_epochs(n) instead"
            ) from None
        self.running = True
        self._show_running(True)
        self.task = loop.create_task(self._train_in_background())
        return self.task

    def stop(self):
        """Ask the background task to stop after its current chunk (a few tens of ms)."""
        self.running = False
        self._show_running(False)

    def _show_running(self, running):
        """The button says what a click does: pause (training keeps its network and epochs),
        continue after a pause, start on a fresh network; reset is the separate button."""
        b = self.start_button
        if running:
            b.description, b.icon, b.tooltip = "pause", "pause", "pause; the next click continues"
        elif self.trainer.epochs > 0:
            b.description, b.icon, b.tooltip = "continue", "play", "continue training from here"
        else:
            b.description, b.icon, b.tooltip = "start", "play", "train in the background"
        b.button_style = "warning" if running else "success"

    async def _train_in_background(self):
        try:
            while self.running and self.trainer.epochs < self.max_epochs:
                t_end = time.perf_counter() + self.chunk_seconds
                while time.perf_counter() < t_end and self.trainer.epochs < self.max_epochs:
                    self.trainer.step()
                self.render()
                await asyncio.sleep(0.001)  # let the kernel handle messages (the stop button)
        finally:
            self.running = False
            self._show_running(False)
            self.render()

    # ---------------------------------------------------------------- drawing

    def layout(self, presenter):
        """Two arrangements of the same widgets; the presenter toggle switches between them."""
        if self._layouts is None:
            controls = [
                self.data_dropdown,
                self.lr_slider,
                self.hidden_slider,
                self.activation_dropdown,
            ]
            # the controls never shrink under their width; the buttons beside them take what is
            # left, at least 250 px, else they go below (a laptop with the file browser open)
            actions = w.VBox(
                [self.toolbar, self.status, w.HTML(_CSS)],
                layout=w.Layout(margin="0 0 0 24px", flex="1 1 250px"),
            )
            column = w.VBox(controls, layout=w.Layout(width="370px", flex="0 0 auto"))
            grid = w.GridBox(
                controls, layout=w.Layout(grid_template_columns="repeat(2, 360px)", flex="0 0 auto")
            )
            self._layouts = (
                [w.HBox([column, actions], layout=w.Layout(flex_flow="row wrap")), self.plot],
                [self.plot, w.HBox([grid, actions], layout=w.Layout(flex_flow="row wrap"))],
            )
        return self._layouts[bool(presenter)]

    def render(self):
        t0 = time.perf_counter()
        self.plot.value = theme.scroller(self.svg(), "training view picture")
        self.status.value = (
            f'<div style="font-size:{24 if self.presenter else 17}px;line-height:1.5;'
            f'font-family:{FONT}" data-bp-live>{self._status_text()}</div>'
        )
        self.render_ms.append(1000 * (time.perf_counter() - t0))

    def _status_text(self):
        h = self.history
        text = (
            f"epoch <b>{h.epoch[-1]}</b> · step {len(h.step_loss)}<br>"
            f"loss <b>{h.train_loss[-1]:.4f}</b> · accuracy <b>{h.train_acc[-1]:.1%}</b>"
        )
        if self.trainer.epochs >= self.max_epochs:
            text += (
                f"<br>stopped at the cap of {self.max_epochs} epochs: press reset to train a "
                "new network"
            )
        return text

    def boundary_png(self):
        proba = predict_proba(self.net, self.grid_points)
        return png_bytes(boundary_rgb(proba, (self.grid, self.grid)))

    def svg(self):
        """The whole frame: data and boundary (left), loss and accuracy (right)."""
        size, pad, left, below = 400, 8, 46, 68  # left: y-axis ticks; below: x-axis, legend
        x0, x1, y0, y1 = self.extent

        def sx(v):
            return left + (v - x0) / (x1 - x0) * size

        def sy(v):
            return pad + (y1 - v) / (y1 - y0) * size

        axes = []  # the boundary plot's axes (the data's two features) and its class legend
        for t in ticks(x0, x1):
            axes.append(
                f'<line x1="{sx(t):.1f}" y1="{pad + size}" x2="{sx(t):.1f}" y2="{pad + size + 5}" '
                f'{paint(stroke="line")}/><text x="{sx(t):.1f}" y="{pad + size + 20}" font-size="14" '
                f'text-anchor="middle" {paint(fill="ink")}>{fmt_tick(t)}</text>'
            )
        for t in ticks(y0, y1):
            axes.append(
                f'<line x1="{left - 5}" y1="{sy(t):.1f}" x2="{left}" y2="{sy(t):.1f}" '
                f'{paint(stroke="line")}/><text x="{left - 8}" y="{sy(t) + 5:.1f}" font-size="14" '
                f'text-anchor="end" {paint(fill="ink")}>{fmt_tick(t)}</text>'
            )
        axes.append(
            f'<text x="{left + size / 2:.1f}" y="{pad + size + 38}" font-size="15" '
            f'text-anchor="middle" {paint(fill="ink")}>feature x₁</text>'
            f'<text x="14" y="{pad + size / 2:.1f}" font-size="15" text-anchor="middle" '
            f'transform="rotate(-90 14 {pad + size / 2:.1f})" {paint(fill="ink")}>feature x₂</text>'
        )
        for c in range(self.n_classes):
            lx = left + c * 90
            axes.append(
                marker(c, lx + 6, pad + size + 56, CLASS_COLOURS[c])
                + f'<text x="{lx + 18}" y="{pad + size + 61}" font-size="14" '
                f"{paint(fill='ink')}>class {c}</text>"
            )

        if self._points_svg is None:  # the data do not move: draw them once per reset
            self._points_svg = "".join(
                marker(int(c), sx(a), sy(b), CLASS_COLOURS[int(c)])
                for (a, b), c in zip(self.X, self.y)
            )
        png = base64.b64encode(self.boundary_png()).decode("ascii")
        h = self.history
        # 974 px wide: never narrower than 835 px (its 14 px text at 12 px, MIN_TEXT_PX), so that
        # it fits whole in a 1024 px laptop's notebook (844 px) with the file browser closed
        right_x, panel_w, panel_h = left + size + pad + 20, 500, 205
        width = right_x + panel_w
        parts = [
            f'<svg viewBox="0 0 {width} {size + pad + below}" width="100%" '
            f'style="max-width:{width}px;min-width:{min_width(width)}px;font-family:{FONT}" '
            'xmlns="http://www.w3.org/2000/svg" role="img" '
            'aria-label="decision boundary, loss and accuracy while training">',
            f'<image x="{left}" y="{pad}" width="{size}" height="{size}" preserveAspectRatio="none" '
            f'href="data:image/png;base64,{png}"/>',
            f'<rect x="{left}" y="{pad}" width="{size}" height="{size}" fill="none" {paint(stroke="line")}/>',
            self._points_svg,
            *axes,
            curve_panel(
                right_x,
                0,
                panel_w,
                panel_h,
                h.epoch,
                [(h.train_loss, "ink", "", "")],
                "loss (training set)",
            ),
            curve_panel(
                right_x,
                panel_h + 6,
                panel_w,
                panel_h,
                h.epoch,
                [(h.train_acc, "c2", "", "")],
                "accuracy (training set)",
                y_range=(0.0, 1.0),
            ),
            "</svg>",
        ]
        return "".join(parts)

    def description(self):
        """The current frame in words (the picture's alt text)."""
        h = self.history
        return (
            f"Training view: the decision boundary of a {'-'.join(map(str, self.net.sizes))} "
            f"network on {len(self.X)} points of {self.n_classes} classes, after epoch {h.epoch[-1]}: "
            f"training loss {h.train_loss[-1]:.4f}, accuracy {h.train_acc[-1]:.1%}; beside it the "
            "loss and accuracy curves against epochs."
        )

    def snapshot_html(self):
        """The current frame as static HTML that any renderer shows as it is (an untrusted
        notebook, GitHub, an exported page): the frame as an <img> (see ``theme.still``) and the
        status line with inline styles."""
        svg = self.svg()
        size = float(re.search(r"max-width:([0-9.]+)px", svg).group(1))
        note = (
            f'<div style="font-size: 14px; color: {MUTED}; margin-bottom: 4px">A picture of '
            "the training view, saved when the notebook last ran: run the cell to train live.</div>"
        )
        picture = theme.still(svg, self.description(), size, min_width=min_width(size))
        return (
            f'<div class="bp-train-snapshot bp-theme" style="{theme.card_style()}">{note}'
            f"{theme.scroller(picture, 'training view picture')}"
            f'<div style="font-size: 17px; line-height: 1.5">{self._status_text()}</div></div>'
        )


# the names that lived here before the split (notebooks and tests import them from here); the
# figures import matplotlib, so only when one is asked for
_FIGURES = ("comparison_figure", "image_grid", "training_curves", "xor_figure")


def __getattr__(name):
    if name in _FIGURES:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACTIVATIONS",
    "CLASS_COLOURS",
    "DATASETS",
    "LEARNING_RATES",
    "TrainingView",
    "boundary_rgb",
    "curve_panel",
    "png_bytes",
    *_FIGURES,
]
