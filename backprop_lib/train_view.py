"""The live training view: a decision boundary redrawn while training runs, beside the loss and
accuracy curves, with controls for the learning rate, the hidden width and the activation.

    from backprop_lib.train_view import TrainingView
    view = TrainingView("two moons", hidden=8, activation="tanh", lr=0.3)
    view.train_epochs(20)   # a few epochs now, synchronously (renders once)
    view                    # the widget; its start button trains on in the background

Training never blocks the notebook: the start button creates an asyncio task on the kernel's
event loop that trains in chunks of about ``chunk_seconds`` and ``await``s between chunks, so
the kernel handles widget messages (the stop button, the sliders) and other cells in between.

Drawing is one SVG string per frame: the boundary is a small PNG (a grid of the network's class
probabilities, encoded with zlib, no plotting library) stretched under the data points, and the
curves are polylines. A frame takes a few milliseconds. Colours are Okabe–Ito; each class also
has its own marker shape (circle, square, triangle, ...), so colour is never the only cue.

The notebook's static figures are here too (``xor_figure``, ``training_curves``, ``image_grid``,
``comparison_figure``): matplotlib, imported only when one is drawn.
"""

import asyncio
import base64
import html
import re
import struct
import time
import weakref
import zlib

import ipywidgets as w
import numpy as np

from . import datasets, theme
from .checks import as_choice, as_float_array, as_int, as_lr, as_number, as_seed, describe
from .network import Network
from .theme import paint
from .train import Trainer, predict_proba

# Okabe–Ito: blue, vermillion, bluish green, orange, sky blue, reddish purple
CLASS_COLOURS = [theme.LIGHT[f"c{k}"] for k in range(6)]
INK, MUTED, GRID = theme.LIGHT["ink"], theme.LIGHT["muted"], theme.LIGHT["grid"]
FONT = theme.FONT

DATASETS = {
    "two moons": lambda seed: datasets.two_moons(200, 0.2, seed),
    "spirals": lambda seed: datasets.spirals(300, 3, 0.15, seed),
}
ACTIVATIONS = ["tanh", "relu", "sigmoid"]
_CSS = f"<style>{theme.CSS}</style>"  # the palette, for the live view's SVG
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]


# --------------------------------------------------------------------------- a PNG from numpy


def png_bytes(rgb):
    """Encode an (H, W, 3) uint8 array as PNG bytes (8-bit RGB, no filtering): the format's
    minimum, a signature and three chunks."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, wd, _ = rgb.shape
    raw = np.hstack([np.zeros((h, 1), np.uint8), rgb.reshape(h, wd * 3)]).tobytes()

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", wd, h, 8, 2, 0, 0, 0)  # 8-bit, colour type 2 (RGB)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _hex_rgb(colour):
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def boundary_rgb(proba, shape, strength=0.6):
    """Colour each grid point by its most probable class, paler where the network is unsure:
    (G*G, C) probabilities -> (G, G, 3) uint8. White where all classes are equally likely."""
    n_classes = proba.shape[1]
    colours = np.array([_hex_rgb(c) for c in CLASS_COLOURS[:n_classes]])
    best = proba.argmax(axis=1)
    confidence = (proba.max(axis=1) - 1.0 / n_classes) / (1.0 - 1.0 / n_classes)
    alpha = (strength * np.clip(confidence, 0.0, 1.0))[:, None]
    rgb = 255.0 * (1.0 - alpha) + colours[best] * alpha
    return np.round(rgb).astype(np.uint8).reshape(*shape, 3)


# --------------------------------------------------------------------------- SVG pieces


def _ticks(lo, hi, n=4):
    span = hi - lo if hi > lo else 1.0
    raw = span / n
    mag = 10.0 ** np.floor(np.log10(raw))
    step = mag * next(m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = np.ceil(lo / step - 1e-9) * step
    return [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt_tick(v):
    v = 0.0 if abs(v) < 1e-12 else v
    return f"{v:g}".replace("-", "−")


def _marker(shape, x, y, colour, r=5.5):
    style = f'fill="{colour}" stroke="{INK}" stroke-width="1"'
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {style}/>'
    if shape == 1:
        s = r * 0.9
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" {style}/>'
    k = 3 + (shape - 2)  # triangle, then diamond-ish polygons
    pts = " ".join(
        f"{x + 1.25 * r * np.sin(2 * np.pi * i / k):.1f},{y - 1.25 * r * np.cos(2 * np.pi * i / k):.1f}"
        for i in range(k)
    )
    return f'<polygon points="{pts}" {style}/>'


def curve_panel(x0, y0, width, height, xs, series, title, y_range=None, x_label="epoch"):
    """An SVG group: axes at (x0, y0), size width × height, and one polyline per
    (values, colour, dash, label) in ``series``, all against xs (colour: a ``theme`` name)."""
    left, bottom, top = 58, 42, 30
    pw, ph = width - left - 12, height - top - bottom
    xs = np.asarray(xs, dtype=float)
    x_hi = max(float(xs.max()) if len(xs) else 1.0, 1.0)
    all_y = (
        np.concatenate([np.asarray(s[0], dtype=float) for s in series]) if series else np.zeros(1)
    )
    lo, hi = y_range if y_range is not None else (0.0, max(float(all_y.max()) * 1.05, 1e-3))

    def px(v):
        return x0 + left + v / x_hi * pw

    def py(v):
        return y0 + top + ph - (v - lo) / (hi - lo) * ph

    out = [
        f'<text x="{x0 + left}" y="{y0 + 20}" font-size="17" font-weight="bold" {paint(fill="ink")}>'
        f"{html.escape(title)}</text>"
    ]
    for t in _ticks(lo, hi):
        out.append(
            f'<line x1="{px(0):.1f}" y1="{py(t):.1f}" x2="{px(x_hi):.1f}" y2="{py(t):.1f}" '
            f'{paint(stroke="grid")}/><text x="{px(0) - 6:.1f}" y="{py(t) + 5:.1f}" font-size="14" '
            f'text-anchor="end" {paint(fill="muted")}>{_fmt_tick(t)}</text>'
        )
    for t in _ticks(0.0, x_hi):
        out.append(
            f'<text x="{px(t):.1f}" y="{py(lo) + 19:.1f}" font-size="14" '
            f'text-anchor="middle" {paint(fill="muted")}>{_fmt_tick(t)}</text>'
        )
    out.append(
        f'<rect x="{px(0):.1f}" y="{py(hi):.1f}" width="{pw}" height="{ph}" fill="none" '
        f'{paint(stroke="line")}/>'
    )
    out.append(
        f'<text x="{px(x_hi / 2):.1f}" y="{y0 + height - 4:.1f}" font-size="14" '
        f'text-anchor="middle" {paint(fill="muted")}>{html.escape(x_label)}</text>'
    )
    stride = max(1, len(xs) // 400)  # at most ~400 points per line
    legend_x = x0 + width - 12
    for values, colour, dash, label in series:
        v = np.asarray(values, dtype=float)
        if len(v):
            idx = np.unique(np.r_[np.arange(0, len(v), stride), len(v) - 1])
            pts = " ".join(f"{px(xs[i]):.1f},{py(np.clip(v[i], lo, hi)):.1f}" for i in idx)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<polyline points="{pts}" fill="none" {paint(stroke=colour)} '
                f'stroke-width="3"{dash_attr}/>'
            )
        if label:
            out.append(
                f'<text x="{legend_x:.1f}" y="{y0 + 20}" font-size="14" text-anchor="end" '
                f'{paint(fill=colour)}>{html.escape(label)}</text>'
            )
            legend_x -= 9 * len(label) + 16
    return "".join(out)


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
    if y.shape != (len(X),) or np.any(y != np.round(y)) or y.min() < 0:
        raise ValueError(
            f"data[1] (y): expected {len(X)} whole-number labels >= 0, got {describe(data[1])}"
        )
    if len(np.unique(y)) < 2:
        raise ValueError("data[1] (y): expected at least two classes, got one")
    return (X, y.astype(np.int64))


class TrainingView:
    """Train a small network on 2-D data and watch its decision boundary move.

    data: "two moons" or "spirals" (or a pair (X, y) of 2-D points and class labels).
    hidden, activation, lr: the starting values of the controls. batch_size, seed: fixed
    (the seed sets both the initial weights and the batches' order). grid: the boundary's
    resolution. max_epochs: the start button stops by itself after this many epochs.
    """

    _live = weakref.WeakSet()  # views that have trained in the background

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
        max_epochs = as_int(max_epochs, "max_epochs", 1)
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
        self.presenter_toggle = w.ToggleButton(
            value=False, description="presenter view", icon="desktop",
            tooltip="the plots first and large, the controls in a row below, for a projector",
            layout=w.Layout(width="160px", height="40px"))

        self.start_button.on_click(self._on_start_stop)
        self.reset_button.on_click(lambda _: self.reset())
        self.lr_slider.observe(self._on_lr, names="value")
        for control in (self.data_dropdown, self.hidden_slider, self.activation_dropdown):
            control.observe(lambda _: self.reset(), names="value")

        self.presenter_toggle.observe(lambda _: self._arrange(), names="value")

        self.reset(render=False)
        controls = [self.data_dropdown, self.lr_slider, self.hidden_slider, self.activation_dropdown]
        buttons = w.HBox([self.start_button, self.reset_button, self.presenter_toggle])
        actions = w.VBox([buttons, self.status, w.HTML(_CSS), theme.a11y_widget()], layout=w.Layout(margin="0 0 0 24px"))
        # two arrangements of the same widgets; the presenter toggle switches between them
        self._normal = [w.HBox([w.VBox(controls, layout=w.Layout(width="370px")), actions]),
                        self.plot]
        self._presenter = [self.plot, w.HBox([
            w.GridBox(controls, layout=w.Layout(grid_template_columns="repeat(2, 360px)")),
            actions])]
        self.widget = w.VBox()
        self.widget.add_class("bp-train")
        self.widget.add_class("bp-theme")
        self._arrange()

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
        n_classes = int(self.y.max()) + 1
        hidden, act = self.hidden_slider.value, self.activation_dropdown.value
        if n_classes == 2:  # one sigmoid output and binary cross-entropy
            sizes, out, loss = [2, hidden, 1], "sigmoid", "binary_cross_entropy"
        else:  # one logit per class and softmax cross-entropy
            sizes, out, loss = [2, hidden, n_classes], "identity", "softmax_cross_entropy"
        self.n_classes = n_classes
        net = Network.random(sizes, activations=[act, out], loss=loss, seed=self.seed)
        self.trainer = Trainer(
            net, self.X, self.y, self.lr_slider.value, min(self.batch_size, len(self.X)), self.seed
        )
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        pad = 0.1 * (hi - lo)
        self.extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
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

    @property
    def presenter(self):
        return self.presenter_toggle.value

    def _arrange(self):
        if self.presenter:
            self.widget.children = self._presenter
            self.widget.add_class("bp-presenter")
        else:
            self.widget.children = self._normal
            self.widget.remove_class("bp-presenter")
        self.render()  # the status text's size follows the layout

    def render(self):
        t0 = time.perf_counter()
        self.plot.value = self.svg()
        self.status.value = (
            f'<div style="font-size:{24 if self.presenter else 17}px;line-height:1.5;'
            f'font-family:{FONT}" aria-live="polite">{self._status_text()}</div>'
        )
        self.render_ms.append(1000 * (time.perf_counter() - t0))

    def _status_text(self):
        h = self.history
        text = (f"epoch <b>{h.epoch[-1]}</b> · step {len(h.step_loss)}<br>"
                f"loss <b>{h.train_loss[-1]:.4f}</b> · accuracy <b>{h.train_acc[-1]:.1%}</b>")
        if self.trainer.epochs >= self.max_epochs:
            text += (f"<br>stopped at the cap of {self.max_epochs} epochs: press reset to train a "
                     "new network")
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
        for t in _ticks(x0, x1):
            axes.append(f'<line x1="{sx(t):.1f}" y1="{pad + size}" x2="{sx(t):.1f}" y2="{pad + size + 5}" '
                        f'{paint(stroke="line")}/><text x="{sx(t):.1f}" y="{pad + size + 20}" font-size="14" '
                        f'text-anchor="middle" {paint(fill="ink")}>{_fmt_tick(t)}</text>')
        for t in _ticks(y0, y1):
            axes.append(f'<line x1="{left - 5}" y1="{sy(t):.1f}" x2="{left}" y2="{sy(t):.1f}" '
                        f'{paint(stroke="line")}/><text x="{left - 8}" y="{sy(t) + 5:.1f}" font-size="14" '
                        f'text-anchor="end" {paint(fill="ink")}>{_fmt_tick(t)}</text>')
        axes.append(f'<text x="{left + size / 2:.1f}" y="{pad + size + 38}" font-size="15" '
                    f'text-anchor="middle" {paint(fill="ink")}>feature x₁</text>'
                    f'<text x="14" y="{pad + size / 2:.1f}" font-size="15" text-anchor="middle" '
                    f'transform="rotate(-90 14 {pad + size / 2:.1f})" {paint(fill="ink")}>feature x₂</text>')
        for c in range(self.n_classes):
            lx = left + c * 90
            axes.append(_marker(c, lx + 6, pad + size + 56, CLASS_COLOURS[c])
                        + f'<text x="{lx + 18}" y="{pad + size + 61}" font-size="14" '
                        f'{paint(fill="ink")}>class {c}</text>')

        if self._points_svg is None:  # the data do not move: draw them once per reset
            self._points_svg = "".join(
                _marker(int(c), sx(a), sy(b), CLASS_COLOURS[int(c)])
                for (a, b), c in zip(self.X, self.y)
            )
        png = base64.b64encode(self.boundary_png()).decode("ascii")
        h = self.history
        right_x, panel_w, panel_h = left + size + pad + 20, 520, 205
        parts = [
            f'<svg viewBox="0 0 {right_x + panel_w} {size + pad + below}" width="100%" '
            f'style="max-width:{right_x + panel_w}px;font-family:{FONT}" '
            'xmlns="http://www.w3.org/2000/svg" role="img" '
            'aria-label="decision boundary, loss and accuracy while training">',
            f'<image x="{left}" y="{pad}" width="{size}" height="{size}" preserveAspectRatio="none" '
            f'href="data:image/png;base64,{png}"/>',
            f'<rect x="{left}" y="{pad}" width="{size}" height="{size}" fill="none" {paint(stroke="line")}/>',
            self._points_svg, *axes,
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
        return (f"Training view: the decision boundary of a {'-'.join(map(str, self.net.sizes))} "
                f"network on {len(self.X)} points of {self.n_classes} classes, after epoch {h.epoch[-1]}: "
                f"training loss {h.train_loss[-1]:.4f}, accuracy {h.train_acc[-1]:.1%}; beside it the "
                "loss and accuracy curves against epochs.")

    def snapshot_html(self):
        """The current frame as static HTML that any renderer shows as it is (an untrusted
        notebook, GitHub, an exported page): the frame as an <img> (see ``theme.still``) and the
        status line with inline styles."""
        size = re.search(r"max-width:([0-9.]+)px", self.plot.value).group(1)
        note = (f'<div style="font-size: 14px; color: {MUTED}; margin-bottom: 4px">A picture of '
                "the training view, saved when the notebook last ran: run the cell to train live.</div>")
        return (f'<div class="bp-train-snapshot bp-theme" style="{theme.card_style()}">{note}'
                f"{theme.still(self.svg(), self.description(), float(size))}"
                f'<div style="font-size: 17px; line-height: 1.5">{self._status_text()}</div></div>')

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.snapshot_html()  # Jupyter shows the widget; static views this
        return bundle


# --------------------------------------------------------------------------- static figures
# matplotlib Figures (not pyplot's: nothing global is created or left open); a notebook cell
# that ends with one of these calls shows the figure once.


def _figure(width, height):
    from matplotlib.figure import Figure

    return theme.with_alt(Figure(figsize=(width, height), layout="constrained"))


def _diverging():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "blue-white-vermillion", [CLASS_COLOURS[0], "white", CLASS_COLOURS[1]]
    )


def _xor_panels(ax_in, ax_hidden, net, X, y, title):
    """Left: the output y over the input plane, with the 0.5 contour; right: the inputs'
    images in the hidden plane (a¹₁, a¹₂). Points that land together get one label."""
    from .network import forward

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
                color=CLASS_COLOURS[int(t)],
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
            arrowprops={"arrowstyle": "-", "color": MUTED, "lw": 1, "shrinkB": 12},
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
    fig = _figure(15, 9.2)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 0.9])
    ax = top.subplots()
    colours = [CLASS_COLOURS[2], CLASS_COLOURS[1], CLASS_COLOURS[0], CLASS_COLOURS[3]]
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
    images = [np.asarray(im, dtype=float) for im in images]
    images = [im.reshape(8, 8) if im.ndim == 1 and im.size == 64 else im for im in images]
    rows = max(1, -(-len(images) // cols))
    extra = 0.45 if title else 0.0
    fig = _figure(cell * cols + (1.0 if colorbar else 0.0), (cell + 0.35) * rows + extra)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    cmap = _diverging() if cmap == "diverging" else cmap
    im = None
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k < len(images):
            im = ax.imshow(images[k], cmap=cmap, vmin=vmin, vmax=vmax)
            if k < len(titles):
                ax.set_title(titles[k], fontsize=title_size)
    if colorbar and im is not None:
        fig.colorbar(im, ax=axes.tolist(), shrink=0.8, label=colorbar)
    if title:
        fig.suptitle(title, fontsize=16)
    return fig


def training_curves(hist, threshold=None):
    """Loss (each batch, training set, test set; log scale) and accuracy against epochs."""
    fig = _figure(15, 4.8)
    ax1, ax2 = fig.subplots(1, 2)
    blue, vermillion, sky = CLASS_COLOURS[0], CLASS_COLOURS[1], CLASS_COLOURS[4]
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
    fig = _figure(15, 4.3)
    ax1, ax2 = fig.subplots(1, 2)
    a, b = np.asarray(hist_a.step_loss), np.asarray(hist_b.step_loss)
    first = min(len(a), 200)  # the first steps, where the curves move most, stay readable
    ax1.plot(a[:first], color=CLASS_COLOURS[4], lw=5, label=label_a)
    ax1.plot(b[:first], color=CLASS_COLOURS[1], lw=0, marker=".", ms=5, label=label_b)
    ax1.set(
        xlabel="step",
        ylabel="batch loss",
        yscale="log",
        title=f"batch loss, the first {first} steps",
    )
    ax1.legend()
    diff = np.abs(a - b)
    ax2.semilogy(np.maximum(diff, 1e-18), ".", color=CLASS_COLOURS[5], ms=3)
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
