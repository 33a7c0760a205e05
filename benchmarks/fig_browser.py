"""Figure 4: slider latency in a real browser, as the browser tests measured it.

tests/browser (``make test-browser``) presses arrow keys on a slider of each notebook's live
view in headless Chromium and measures, in the page, key press -> first change of the view.
It writes artifacts/browser_latency.json: {"schema": 1, "targets": {...}, "notebooks":
{"NAME.ipynb": {"median_ms", "p95_ms", "n", "measured_at", ...}}, "selftest": {...}}. This
figure only reads that file (driving a browser is the tests' job): it is as fresh as the last
``make test-browser``. Note the browser tests' own statistics: p95, nearest rank.
Targets: median at most 50 ms, p95 at most 100 ms.
"""

import json

from .report import NONE, REPO_ROOT, SKIP, Section, num

LATENCY_FILE = REPO_ROOT / "artifacts" / "browser_latency.json"
MAX_MEDIAN_MS, MAX_P95_MS = 50.0, 100.0


def figure_4(settings, path=None):
    path = LATENCY_FILE if path is None else path
    s = Section(
        4,
        "browser slider latency: key press → view updated, headless Chromium (ms)",
        [
            "notebook",
            f"median ms (≤ {MAX_MEDIAN_MS:g})",
            f"p95 ms (≤ {MAX_P95_MS:g})",
            "n",
            "measured",
            "result",
        ],
    )
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        s.add(
            ["not measured: run make test-browser first", "—", "—", "—", "—"], SKIP, {"file": None}
        )
        return s
    except (OSError, ValueError) as e:
        s.add(
            [f"not measured: {path.name} unreadable ({e})", "—", "—", "—", "—"],
            SKIP,
            {"file": str(path)},
        )
        return s
    if "schema" in data:  # the browser tests' layout: course notebooks under "notebooks"
        entries = data.get("notebooks") or {}
    else:  # tolerate a flat {"NAME.ipynb": {...}} file
        entries = {k: v for k, v in data.items() if isinstance(v, dict) and "median_ms" in v}
    if not entries:
        s.add(
            [
                f"not measured: no notebook in {path.name} yet; run make test-browser",
                "—",
                "—",
                "—",
                "—",
            ],
            SKIP,
            {"file": str(path)},
        )
    for name, e in sorted(entries.items()):
        s.add(*_row(name, e))
    # the harness's self-test on its demo notebook: shown for reference, no verdict
    for name, e in sorted((data.get("selftest") or {}).items() if "schema" in data else ()):
        cells, _, raw = _row(name, e)
        cells[0] = f"{name} (harness self-test, not a course notebook)"
        s.add(cells, NONE, dict(raw, selftest=True))
    s.notes.append(
        f"Read from `{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}` "
        "(written by `make test-browser`; p95 by nearest rank there)."
    )
    return s


def _row(name, e):
    """(cells, verdict, raw) of one notebook's entry."""
    med, p95 = e.get("median_ms"), e.get("p95_ms")
    checks = []
    if med is not None:
        checks.append((f"median ≤ {MAX_MEDIAN_MS:g} ms", med <= MAX_MEDIAN_MS))
    if p95 is not None:
        checks.append((f"p95 ≤ {MAX_P95_MS:g} ms", p95 <= MAX_P95_MS))
    raw = {
        "notebook": name,
        **{k: e.get(k) for k in ("median_ms", "p95_ms", "n", "misses", "measured_at")},
    }
    cells = [name, num(med), num(p95), e.get("n", "—"), e.get("measured_at", "—")]
    return cells, (checks if checks else SKIP), raw
