"""A small plotting kit in plain strings: a PNG from a numpy array, axis ticks, point markers and
a curve panel, as SVG pieces that the live views put together (``train_view``, ``draw``).

    png = png_bytes(boundary_rgb(proba, (72, 72)))      # a decision boundary, as PNG bytes
    svg_part = curve_panel(0, 0, 520, 205, epochs, [(losses, "ink", "", "")], "loss")

No plotting library: a frame of the training view takes a few milliseconds. Colours are the
names of ``theme``'s palette; each class also has its own marker shape (circle, square,
triangle, ...), so colour is never the only cue.
"""

import html
import struct
import zlib

import numpy as np

from . import theme
from .theme import paint

# Okabe–Ito: blue, vermillion, bluish green, orange, sky blue, reddish purple
CLASS_COLOURS = [theme.LIGHT[f"c{k}"] for k in range(6)]


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


def hex_rgb(colour):
    """'#rrggbb' -> an array of three floats in 0..255."""
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def boundary_rgb(proba, shape, strength=0.6):
    """Colour each grid point by its most probable class, paler where the network is unsure:
    (G*G, C) probabilities -> (G, G, 3) uint8. The background colour where all classes are
    equally likely."""
    n_classes = proba.shape[1]
    colours = np.array([hex_rgb(c) for c in CLASS_COLOURS[:n_classes]])
    best = proba.argmax(axis=1)
    confidence = (proba.max(axis=1) - 1.0 / n_classes) / (1.0 - 1.0 / n_classes)
    alpha = (strength * np.clip(confidence, 0.0, 1.0))[:, None]
    rgb = hex_rgb(theme.LIGHT["paper"]) * (1.0 - alpha) + colours[best] * alpha
    return np.round(rgb).astype(np.uint8).reshape(*shape, 3)


def ticks(lo, hi, n=4):
    """Round tick positions (1, 2, 2.5 or 5 times a power of ten apart) from lo to hi, about n
    of them."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"lo, hi: expected finite numbers, got {lo} and {hi}")
    span = float(hi) - float(lo) if hi > lo else 1.0
    if span == np.inf:  # beyond float64 (from about -1.8e308 to 1.8e308): the halves', doubled
        return [2 * t for t in ticks(lo / 2, hi / 2, n)]
    raw = max(span / n, np.finfo(float).tiny)  # a subnormal step would round to 0 or lose digits
    mag = 10.0 ** np.floor(np.log10(raw))
    step = mag * next(m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = np.ceil(lo / step - 1e-9) * step
    return [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)]


def fmt_tick(v):
    """A tick label: the shortest form, a typographic minus, no '-0'."""
    v = 0.0 if abs(v) < 1e-12 else v
    return f"{v:g}".replace("-", "−")


def marker(shape, x, y, colour, r=5.5):
    """Class ``shape``'s marker at (x, y): 0 a circle, 1 a square, 2 a triangle, then polygons
    with more corners. colour: a colour (the boundary's PNG is light, so the outline is the
    light palette's ink in either theme)."""
    style = f'fill="{colour}" stroke="{theme.LIGHT["ink"]}" stroke-width="1"'
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
    for t in ticks(lo, hi):
        out.append(
            f'<line x1="{px(0):.1f}" y1="{py(t):.1f}" x2="{px(x_hi):.1f}" y2="{py(t):.1f}" '
            f'{paint(stroke="grid")}/><text x="{px(0) - 6:.1f}" y="{py(t) + 5:.1f}" font-size="14" '
            f'text-anchor="end" {paint(fill="muted")}>{fmt_tick(t)}</text>'
        )
    for t in ticks(0.0, x_hi):
        out.append(
            f'<text x="{px(t):.1f}" y="{py(lo) + 19:.1f}" font-size="14" '
            f'text-anchor="middle" {paint(fill="muted")}>{fmt_tick(t)}</text>'
        )
    out.append(
        f'<rect x="{px(0):.1f}" y="{py(hi):.1f}" width="{pw}" height="{ph}" fill="none" '
        f"{paint(stroke='line')}/>"
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
                f"{paint(fill=colour)}>{html.escape(label)}</text>"
            )
            legend_x -= 9 * len(label) + 16
    return "".join(out)


__all__ = [
    "CLASS_COLOURS",
    "boundary_rgb",
    "curve_panel",
    "fmt_tick",
    "hex_rgb",
    "marker",
    "png_bytes",
    "ticks",
]
