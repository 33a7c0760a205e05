"""Figure 3: from a slider event to the view being ready in the kernel.

``Explorer.set(key, value)`` moves one slider from code. traitlets calls the Explorer's
observer synchronously, which runs everything a real slider move runs in the kernel: forward,
backward, the replay steps, and the SVG/HTML of the view (and of the loss curve, if any).
When ``set`` returns, the new view's HTML is in the widget, ready to be sent to the browser.
(Sending it and the browser's drawing are figure 4's part.)

The configurations are the notebooks' live views: the ones the course plan names and the ones
the notebooks call now (the column "used in" lists the notebooks whose code contains that
exact call, found by a plain text search). Each repeat moves two sliders in turn: ``w2_1_1``
and ``w1_1_1``. Where the Explorer draws L as a function of ``w2_1_1``, moving ``w2_1_1``
itself reuses the cached curve, while moving ``w1_1_1`` changes the curve, which is then
recomputed (121 forward passes): both cases are reported. Every move changes the value
(alternately by +0.05 and back), so the observer always fires; a move that leaves the view
unchanged is an error. Target: at most 20 ms median per move.
"""

import json

from backprop_lib import examples

from . import stats, timing
from .report import REPO_ROOT, Section, med_p90

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
MAX_MEDIAN_MS = 20.0
DELTA = 0.05
CURVE_KEY, OTHER_KEY = "w2_1_1", "w1_1_1"

# (example, keyword arguments) of the notebooks' Explorers
CONFIGS = [
    ("seed_002", {}),
    ("seed_000", {"curve": CURVE_KEY}),
    ("seed_000", {"curve": CURVE_KEY, "tangent": True}),
    ("seed_000", {"curve": CURVE_KEY, "tangent": True, "start": "backward"}),
    ("seed_001", {}),
    ("seed_001", {"curve": CURVE_KEY, "tangent": True}),
]


def call_text(example, kwargs):
    """The call as a notebook writes it: Explorer(examples.seed_000(), curve="w2_1_1")."""
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items()).replace("'", '"')
    return f"Explorer(examples.{example}(){args})"


def used_in(call, notebook_dir=NOTEBOOK_DIR):
    """Numbers of the notebooks whose code cells contain ``call`` (spaces and quotes ignored)."""

    def norm(text):
        return "".join(text.split()).replace("'", '"')

    found = []
    for path in sorted(notebook_dir.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        code = "\n".join("".join(c["source"]) for c in cells if c.get("cell_type") == "code")
        if norm(call) in norm(code):
            found.append(path.stem.split("_")[0])
    return ", ".join(found) or "—"


def _slider_label(key, has_curve):
    if not has_curve:
        return key
    if key == CURVE_KEY:
        return f"{key} (the curve's own: curve cached)"
    return f"{key} (another: curve recomputed)"


def figure_3(settings, warmup=2):
    from backprop_lib.widgets import Explorer  # ipywidgets: imported only for this figure

    s = Section(
        3,
        "slider event → view ready in the kernel: Explorer.set(key, value) (ms)",
        [
            "live view",
            "used in",
            "slider moved",
            "ms per move",
            f"target: median ≤ {MAX_MEDIAN_MS:g} ms",
            "result",
        ],
    )
    explorers = [
        (call_text(name, kw), Explorer(examples.ALL[name](), **kw), "curve" in kw)
        for name, kw in CONFIGS
    ]
    base = [{k: ex.net.get(k) for k in (CURVE_KEY, OTHER_KEY)} for _, ex, _ in explorers]
    samples = [{CURVE_KEY: [], OTHER_KEY: []} for _ in explorers]
    for r in range(warmup + settings.explorer_repeats):
        for i, (label, ex, _) in enumerate(explorers):
            for key in (CURVE_KEY, OTHER_KEY):
                value = base[i][key] + (DELTA if r % 2 == 0 else 0.0)
                before = _view_html(ex)
                ns = timing.time_once_ns(lambda ex=ex, key=key, value=value: ex.set(key, value))
                if _view_html(ex) == before:
                    raise AssertionError(
                        f"{label}: moving {key} to {value} left the view unchanged"
                    )
                if r >= warmup:
                    samples[i][key].append(ns / 1e6)
    for (label, _, has_curve), per_key in zip(explorers, samples):
        where = used_in(label)
        for key, ms in per_key.items():
            summ = stats.summary(ms, "ms")
            s.add(
                [
                    label,
                    where,
                    _slider_label(key, has_curve),
                    med_p90(summ),
                    f"≤ {MAX_MEDIAN_MS:g}",
                ],
                [(f"median ≤ {MAX_MEDIAN_MS:g} ms", summ["median"] <= MAX_MEDIAN_MS)],
                {
                    "explorer": label,
                    "used_in": where,
                    "slider": key,
                    "curve_recomputed": has_curve and key != CURVE_KEY,
                    "ms": summ,
                },
            )
    s.notes.append(
        f"{settings.explorer_repeats} moves per slider and view, interleaved over all the views "
        f"(after {warmup} warm-up rounds); outside a notebook, so the widget messages to the "
        "browser are not sent (figure 4 measures the whole path)."
    )
    return s


def _view_html(ex):
    curve = ex.curve_view.value if getattr(ex, "curve_view", None) is not None else ""
    return ex.view.value + curve
