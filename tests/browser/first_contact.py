"""What a learner sees at first contact, checked in the page (used by test_notebooks.py).

* ``check_untrusted_outputs``: the notebook as a fresh clone opens it, untrusted and not run:
  every stored picture (``img.bp-still``: an SVG stored as an image, see backprop_lib.theme)
  has loaded and has a size once scrolled to, every matplotlib PNG too, and no output shows
  the text of a stripped ``<svg>`` or ``<style>`` (JupyterLab's sanitizer keeps the text of
  the tags it drops). The count of pictures is read from the committed notebook, so a missing
  one fails.
* ``check_no_solution_shown``: after Run All, nothing on the page says "✔ correct", every
  solution (``details`` in a cell tagged ``solution``) is folded, and one click on its
  summary shows its code.
* ``check_theme``: in JupyterLab's light and dark themes, the views' text, lines and
  gradient colours have a readable contrast against the view's own background.
* ``graph_label_px``: the smallest text in each live picture (graphs, curves, training), in CSS px.
* ``cut_off_controls``: the sliders, dropdowns and buttons of the live views that their box cuts off.
* ``unreachable_scrollers``: every cell, a window at a time, the boxes that scroll sideways
  there but that a keyboard cannot reach (a wide equation, a picture in a box that is not
  focusable).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from bp_browser import (  # noqa: F401 - shoot_at: re-exported
    DEFAULT_TIMEOUT_MS,
    DOM_TEXT_JS,
    SEL,
    file_lock,
    settle,
    shoot_at,
)

STILL = "img.bp-still"

# the theme's own background colour (--jp-layout-color0) is light, or dark, as asked
THEME_APPLIED_JS = """(light) => {
  if (document.body.dataset.jpThemeLight !== String(light)) return false;
  const probe = document.createElement('div');
  probe.style.background = 'var(--jp-layout-color0)';
  document.body.appendChild(probe);
  const m = getComputedStyle(probe).backgroundColor.match(/\\d+/g) || [];
  probe.remove();
  if (m.length < 3) return false;
  const sum = (+m[0]) + (+m[1]) + (+m[2]);
  return light ? sum > 600 : sum < 200;
}"""


def stored_pictures(path: Path) -> dict:
    """{cell index: how many pictures (stills and PNGs) its committed outputs hold}, for every
    cell with outputs (0 for one without pictures)."""
    want = {}
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for out in cell.get("outputs", ()):
            want.setdefault(i, 0)
            data = out.get("data", {})
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            want[i] += len(re.findall(r'class="bp-still"', html))
            want[i] += "image/png" in data and "text/html" not in data
    return want


# JupyterLab's default windowing mode draws a cell below the window when the page is idle or
# when it is scrolled near, and keeps in the page only the cells near the window: scroll to cell
# i ('center' or 'start' of the window). Once cell i is drawn and on the page with its n
# pictures loaded: its pictures and the text of its outputs (read then, while it is there)
# Scroll cell i into the window; the caller waits for what it needs of the cell. (Not for
# scrollToItem's promise: JupyterLab 4 settles it when the list has scrolled or, failing that,
# 3 s after the last cell changed its size, and in a notebook still laying out its cells the
# 3 s were the rule: 45 s for notebook 03's pictures after a Run All in the page before.)
_SCROLL_TO_CELL_JS = """([i, align]) => {
  window.jupyterapp.shell.currentWidget.content.scrollToItem(i, align).catch(() => {});
  return 0; }"""
_CELL_PICTURES_JS = f"""([i, n]) => {{
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  if (!cell || cell.isPlaceholder() || !cell.node.isConnected) return false;
  const imgs = [...cell.node.querySelectorAll('.jp-OutputArea-output img')];
  if (imgs.filter(im => im.complete && im.naturalWidth > 0).length < n) return false;
  return {{pics: imgs.map(im => ({{still: im.classList.contains('bp-still'), natural: im.naturalWidth,
                                 alt: im.alt || ''}})),
          texts: [...cell.node.querySelectorAll('.jp-OutputArea-output')].map({DOM_TEXT_JS})}};
}}"""
_TRUSTED_JS = """() => { const cells = window.jupyterapp.shell.currentWidget.content.model.cells, out = [];
  for (let i = 0; i < cells.length; i++) { const c = cells.get(i);
    if (c.type === 'code' && c.outputs && c.outputs.length) out.push(c.trusted); }
  return out; }"""

# text that only a stripped <svg> or <style> leaves behind
GARBLE = re.compile(r"--bp-|\{\s*(fill|stroke|color|font-family|display)\s*:|∂L/∂\S+ = \S+,\s*∂L/∂")


def check_untrusted_outputs(page, path: Path) -> list[str]:
    want, problems, pics, texts = stored_pictures(path), [], [], []
    for i, n in want.items():  # top to bottom, scrolled to (as a learner does) unless drawn
        got = page.evaluate(_CELL_PICTURES_JS, [i, n])
        if not got:
            page.evaluate(_SCROLL_TO_CELL_JS, [i, "center"])
            try:
                got = page.wait_for_function(
                    _CELL_PICTURES_JS, arg=[i, n], timeout=DEFAULT_TIMEOUT_MS, polling="raf"
                ).json_value()
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: say which cell
                problems.append(
                    f"cell {i}: not drawn with its {n} stored picture(s) when scrolled to"
                )
                continue
        pics, texts = pics + got["pics"], texts + got["texts"]
    if any(page.evaluate(_TRUSTED_JS)):
        problems.append("the notebook opened trusted; the test needs it untrusted")
    if len(pics) < sum(want.values()):  # (a cell may have drawn only some)
        problems.append(f"{len(pics)} of {sum(want.values())} stored pictures shown")
    bad = [p for p in pics if not p["natural"]]
    if bad:
        problems.append(f"pictures that did not load: {bad}")
    if [p for p in pics if p["still"] and len(p["alt"]) < 20]:
        problems.append("a stored picture without a real alt text")
    for t in texts:  # as in the DOM: innerText has only what is painted
        if GARBLE.search(t):
            problems.append(f"an output shows stripped SVG/CSS text: {t[:160]!r}")
    return problems


def check_no_solution_shown(page) -> list[str]:
    problems = []
    body = page.evaluate(DOM_TEXT_JS)  # every cell's, painted or not
    if "✔ correct" in body:
        line = next(ln for ln in body.splitlines() if "✔ correct" in ln)
        problems.append(f"Run All shows a checked answer: {line.strip()[:300]!r}")
    info = page.evaluate("""() => [...document.querySelectorAll('.jp-MarkdownCell details')].map(d => ({
        open: d.open, summary: (d.querySelector('summary') || {}).innerText || '',
        code: (d.querySelector('pre') || {}).innerText || ''}))""")
    if any(d["open"] for d in info):
        problems.append("a solution is unfolded after Run All")
    if info:
        summary = page.locator(".jp-MarkdownCell details > summary").first
        summary.scroll_into_view_if_needed()
        summary.click()
        pre = page.locator(".jp-MarkdownCell details[open] pre").first
        pre.wait_for(state="visible", timeout=5000)
        if "answer" not in pre.inner_text():
            problems.append("the first solution, unfolded, shows no code")
        summary.click()  # fold it again
    return problems


_COLOURS_JS = """() => {
  const parse = (s) => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const bgOf = (el) => { let a = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { a.push(c); if (c.a >= 1) break; } }
    let out = {r: 255, g: 255, b: 255};
    for (const c of a.reverse()) out = {r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a),
                                        b: c.b * c.a + out.b * (1 - c.a)};
    return out; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const mix = (c, bg) => c.a >= 1 ? c : {r: c.r * c.a + bg.r * (1 - c.a), g: c.g * c.a + bg.g * (1 - c.a), b: c.b * c.a + bg.b * (1 - c.a)};
  const out = [];
  const views = [...document.querySelectorAll('.bp-view, .bp-fig, .bp-train')];
  for (const v of views) {
    const bg = bgOf(v);
    for (const el of v.querySelectorAll('text, .bp-formula, .bp-loss, .bp-legend, .bp-phase, td, th, polyline')) {
      const cs = getComputedStyle(el);
      const isSvg = el instanceof SVGElement;
      const prop = el.tagName === 'polyline' ? cs.stroke : (isSvg ? cs.fill : cs.color);
      const c = parse(prop); if (!c) continue;
      // text on a node box: the box's fill is its background
      let back = bg;
      if (isSvg && el.closest('g.bp-node')) { const r = parse(getComputedStyle(el.closest('g.bp-node').querySelector('rect')).fill); if (r) back = r; }
      else if (!isSvg) back = bgOf(el);
      const k = ratio(mix(c, back), back);
      const need = el.tagName === 'polyline' ? 3 : 4.5;
      if (k < need) out.push({tag: el.tagName, text: (el.textContent || '').slice(0, 30), ratio: Math.round(k * 100) / 100, need});
    }
  }
  return {views: views.length, low: out.slice(0, 12), n_low: out.length};
}"""


def set_theme(page, name: str, run_command) -> None:
    """Switch JupyterLab's theme; wait until its colours apply and the layout has settled."""
    run_command(page, "apputils:change-theme", {"theme": name})
    page.wait_for_function(THEME_APPLIED_JS, arg="Light" in name, timeout=60_000)
    settle(page)


def check_theme(page) -> list[str]:
    got = page.evaluate(_COLOURS_JS)
    if got["n_low"]:
        return [
            f"{got['n_low']} elements with too little contrast, e.g. {json.dumps(got['low'], ensure_ascii=False)}"
        ]
    return []


def graph_label_px(page) -> list[float]:
    """For each visible picture of a live view or figure (computation graphs, loss curves, the
    training view), its smallest text in CSS px."""
    return page.evaluate("""() => [...document.querySelectorAll('svg.bp-graph, svg.bp-curve, .bp-train svg')]
      .filter(s => s.getBoundingClientRect().width > 0 && s.viewBox.baseVal && s.querySelector('text'))
      .map(s => { const vb = s.viewBox.baseVal, k = s.getBoundingClientRect().width / vb.width;
        return Math.min(...[...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * k)); })""")


# the sliders, dropdowns and buttons of the live views in ``views`` that the box around them cuts
# off (a box that scrolls to show the rest excepted)
_CUT_OFF_JS = """(views) => { const out = [];
  for (const view of document.querySelectorAll(views))
    for (const el of view.querySelectorAll('.widget-slider, .widget-dropdown, .widget-button, .widget-toggle-button')) {
      const r = el.getBoundingClientRect();
      let box = el.parentElement;
      while (box && box !== view.parentElement && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
      if (!r.width || !box || box === view.parentElement || box.matches('.bp-scroll')) continue;
      const q = box.getBoundingClientRect();
      if (r.right > q.right + 2 || r.left < q.left - 2)
        out.push(`"${(el.textContent || '').trim().slice(0, 30)}" cut off: ${Math.round(r.left)}–${Math.round(r.right)} px in a box ${Math.round(q.left)}–${Math.round(q.right)}`);
    }
  return out; }"""


def cut_off_controls(page, views: str = ".bp-explorer, .bp-train, .bp-graph-explorer") -> list[str]:
    """Every slider, dropdown or button of the live views ``views`` that its box cuts off."""
    return page.evaluate(_CUT_OFF_JS, views)


AXE_VERSION = "4.14.1"  # axe-core from npm, installed by ensure_axe (never from a CDN)


def ensure_axe(repo_root: Path) -> Path:
    """build/axe/node_modules/axe-core/axe.min.js, installed with npm on first use (by one
    worker; the other waits for its lock)."""
    import shutil
    import subprocess

    js = repo_root / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    pkg = js.parent / "package.json"
    with file_lock(repo_root / "build" / "axe.lock"):
        if js.is_file() and f'"version": "{AXE_VERSION}"' in pkg.read_text(encoding="utf-8"):
            return js
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm not found: install Node.js (Debian: apt-get install -y npm)")
        (repo_root / "build" / "axe").mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(js.parents[2])]
            + [f"axe-core@{AXE_VERSION}"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return js


def axe_violations(page, axe_js: Path) -> list[dict]:
    """axe-core on the notebook's output areas: the serious and critical violations."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(axe_js))
    result = page.evaluate("""async () => {
      const r = await axe.run({include: [['.jp-OutputArea']]}, {resultTypes: ['violations']});
      return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
                    nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))}));
    }""")
    return result


# the boxes that scroll sideways (wider content than box) and that the keyboard cannot reach:
# neither focusable nor holding anything focusable and shown (axe-core's
# scrollable-region-focusable; a heading's anchor link is hidden until hovered: it does not
# count), in cell i (drawn: it has been waited for) and the cells after it that are drawn and in
# the window (JupyterLab paints only the cells near it), up to the first one that is not:
# [how many cells checked, problems]
_UNREACHABLE_JS = """(i) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets, out = [];
  const focusable = 'a[href], button, input, select, textarea, [contenteditable="true"], [tabindex]:not([tabindex="-1"])';
  const shown = (e) => { const cs = getComputedStyle(e);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && e.getClientRects().length > 0; };
  let j = i;
  for (; j < cells.length; j++) {
    const cell = cells[j];
    const r = cell.node.getBoundingClientRect();
    if (j > i && (cell.isPlaceholder() || !cell.node.isConnected || r.height === 0 || r.top >= innerHeight)) break;
    for (const el of cell.node.querySelectorAll('*')) {
      if (el.scrollWidth <= el.clientWidth + 1 || !/auto|scroll/.test(getComputedStyle(el).overflowX)) continue;
      if (el.tabIndex >= 0 || [...el.querySelectorAll(focusable)].some(shown)) continue;
      const cls = typeof el.className === 'string' ? el.className.split(' ').slice(-2).join('.') : '';
      out.push(`cell ${j}: a box (${el.tagName.toLowerCase()}.${cls}) scrolls sideways, ${el.scrollWidth} px in ${el.clientWidth}, and no key reaches it: ${(el.textContent || '').trim().slice(0, 60)}`);
    }
  }
  return [j - i, out];
}"""


def unreachable_scrollers(page) -> list[str]:
    """Every cell, top to bottom, scrolled to as far as needed (JupyterLab draws only the cells
    near the window): the boxes that scroll sideways and that no key reaches
    (``_UNREACHABLE_JS``, which checks the drawn cells from the one scrolled to on)."""
    problems, i = [], 0
    n = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    while i < n:
        page.evaluate(_SCROLL_TO_CELL_JS, [i, "start"])
        page.wait_for_function(
            "(i) => !window.jupyterapp.shell.currentWidget.content.widgets[i].isPlaceholder()",
            arg=i,
            polling="raf",
        )
        settle(page)
        checked, found = page.evaluate(_UNREACHABLE_JS, i)
        problems, i = problems + found, i + checked
    return problems
