"""`make html` and `make slides`, in a browser: export the real notebooks into a temporary folder
and open every page and deck from file:// URLs in headless Chromium. The diagrams, plots and
typeset formulas must show, and no request may leave the file system.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
from bp_browser import DEFAULT_TIMEOUT_MS, settle

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if not p.name.startswith("."))

_spec = importlib.util.spec_from_file_location("bp_export", REPO / "tools" / "export.py")
export = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = export
_spec.loader.exec_module(export)


def _external_references(path):
    """A problem for an exported file that names URLs on other hosts (nothing may load from one)."""
    refs = export.external_references(path.read_text(encoding="utf-8"))
    return [f"{path.name}: names external URLs {refs}"] if refs else []


def _request_problems(page, name):
    """What the page asked of the network, and what failed to load (both must be nothing)."""
    problems = []
    if page.bp_offline:
        problems.append(f"{name}: requests to the network {page.bp_offline}")
    if page.bp_failed:
        problems.append(f"{name}: failed requests {page.bp_failed}")
    return problems


def _expectations(path):
    """What the exported page of one notebook must show, read from its committed outputs."""
    nb = nbformat.read(path, as_version=4)
    want = {"graph": False, "curve": False, "png": 0, "math": False}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"\$[^$]+\$", cell.source):
            want["math"] = True
        for out in cell.get("outputs", ()):
            data = out.get("data", {})
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            # pictures stored as <img>s of SVGs (theme.still): the page inlines them
            html += "".join(
                base64.b64decode(m).decode("utf-8")
                for m in re.findall(
                    r'class="bp-still"[^>]*src="data:image/svg\+xml;base64,([^"]+)"', html
                )
            )
            want["graph"] |= 'class="bp-graph"' in html
            want["curve"] |= 'class="bp-curve"' in html
            if "image/png" in data and "text/html" not in data:
                want["png"] += 1
    return want


# MathJax 3: startup.promise resolves once the first typesetting is over (and rejects if it failed)
_WAIT_MATHJAX = """() => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return false;
  if (!window.bpTypeset) {
    window.bpTypeset = 'waiting';
    mj.startup.promise.then(() => { window.bpTypeset = 'done'; },
                            (e) => { window.bpTypeset = 'failed: ' + e; });
  }
  return window.bpTypeset !== 'waiting';
}"""


# the TeX of every formula MathJax could not read: its noerrors and noundefined extensions show
# the source of a bad one, or an unknown macro in red, instead of an error, so the formulas'
# MathML is searched for what they put there (merror, mathcolor="red")
_TEX_ERRORS_JS = """() => Array.from(MathJax.startup.document.math)
  .map(m => [m.math, MathJax.startup.toMML(m.root)])
  .filter(([tex, mml]) => /<merror|mathcolor="red"/.test(mml)).map(([tex]) => tex)"""


def _math_problems(page, name, want_math):
    """The page's formulas: typeset, and none with a TeX error."""
    page.wait_for_function(_WAIT_MATHJAX, timeout=DEFAULT_TIMEOUT_MS, polling=100)
    problems = []
    if (state := page.evaluate("() => window.bpTypeset")) != "done":
        problems.append(f"{name}: MathJax did not typeset the page ({state})")
    if want_math and not page.locator(_MATH_SEL).count():
        problems.append(f"{name}: no formula typeset by MathJax")
    if errors := page.evaluate(_TEX_ERRORS_JS):
        problems.append(f"{name}: {len(errors)} formula(s) with a TeX error, e.g. {errors[:3]}")
    return problems


_VISIBLE_JS = """(sel) => {
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('details:not([open])')) continue;  // folded solutions
    const r = el.getBoundingClientRect();
    out.push({w: r.width, h: r.height,
              natural: el.tagName === 'IMG' ? el.naturalWidth : null});
  }
  return out;
}"""

_MATH_SEL = "mjx-container"


def _open(browser, url, viewport=(1280, 900)):
    """A page at ``url`` recording every request that is not a file (and every failure)."""
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = ctx.new_page()
    page.bp_offline = []
    page.bp_failed = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("file:", "data:", "blob:", "about:"))
            else page.bp_offline.append(r.url)
        ),
    )
    page.on(
        "requestfailed",
        lambda r: (
            None if r.url.startswith("about:") else page.bp_failed.append(f"{r.url} ({r.failure})")
        ),
    )
    page.goto(url, wait_until="load")
    return ctx, page


@pytest.mark.browser
@pytest.mark.slow
def test_exported_pages_and_slides_show_without_kernel_or_network(browser, tmp_path):
    if not NOTEBOOKS:
        pytest.skip(f"no notebooks in {NOTEBOOK_DIR}")
    html_pages = export.export("html", tmp_path / "html", NOTEBOOKS)
    decks = export.export("slides", tmp_path / "slides", NOTEBOOKS)
    problems = []

    for nb_path, page_path in zip(NOTEBOOKS, html_pages):
        want, name = _expectations(nb_path), page_path.name
        problems += _external_references(page_path)
        ctx, page = _open(browser, page_path.as_uri())
        try:
            problems += _math_problems(page, name, want["math"])
            for key, sel in (("graph", "svg.bp-graph"), ("curve", "svg.bp-curve")):
                if want[key]:
                    boxes = page.evaluate(_VISIBLE_JS, sel)
                    if not any(b["w"] > 0 and b["h"] > 0 for b in boxes):
                        problems.append(f"{name}: {sel} not visible ({boxes})")
            if want["png"]:
                imgs = page.evaluate(_VISIBLE_JS, ".jp-OutputArea-output img")
                shown = [b for b in imgs if b["natural"] and b["w"] > 0 and b["h"] > 0]
                if not shown or len(imgs) < want["png"]:
                    problems.append(f"{name}: {want['png']} figures expected, shown: {imgs}")
                broken = [b for b in imgs if not b["natural"]]
                if broken:
                    problems.append(f"{name}: {len(broken)} figure(s) did not decode")
            problems += _request_problems(page, name)
        finally:
            ctx.close()

    for nb_path, deck_path in zip(NOTEBOOKS, decks):
        want, name = _expectations(nb_path), deck_path.name
        problems += _external_references(deck_path)
        ctx, page = _open(browser, deck_path.as_uri(), viewport=(1280, 720))
        try:
            # the harness's generous limit, as every wait: a deck starts after MathJax has typeset
            # it, which took over 15 s with two CI runs on 2 cores (a run failed there)
            ready = "() => window.Reveal && Reveal.isReady()"
            page.wait_for_function(ready, timeout=DEFAULT_TIMEOUT_MS, polling=100)
            problems += _math_problems(page, name, want["math"])
            n_slides = page.evaluate("() => Reveal.getTotalSlides()")
            if n_slides < 2:
                problems.append(f"{name}: {n_slides} slide(s)")
            if want["graph"]:
                # go to the slide of the first diagram, every fragment shown
                shown = page.evaluate("""() => {
                  const g = document.querySelector('svg.bp-graph');
                  const s = g && g.closest('section');
                  if (!s) return null;
                  const i = Reveal.getIndices(s);
                  Reveal.slide(i.h, i.v, 1000);
                  const r = g.getBoundingClientRect();
                  return {w: r.width, h: r.height};
                }""")
                if shown:  # the slide has come in and stopped moving
                    page.locator("section.present svg.bp-graph").first.wait_for(state="attached")
                    settle(page, "section.present svg.bp-graph")
                box = page.locator("section.present svg.bp-graph").first.bounding_box()
                if not shown or not box or box["width"] <= 0 or box["height"] <= 0:
                    problems.append(
                        f"{name}: svg.bp-graph not visible on its slide ({shown}, {box})"
                    )
            problems += _deck_problems(page, name, nb_path)
            problems += _request_problems(page, name)
        finally:
            ctx.close()

    assert not problems, "\n".join(problems)


# every slide, shown in turn: its height on screen (after the deck's own scaling). Reading
# scrollHeight lays the shown slide out there and then (no frame needs to be waited for).
_SLIDE_HEIGHTS_JS = """() => {
  const out = [];
  for (const s of Reveal.getSlides()) {
    const i = Reveal.getIndices(s);
    Reveal.slide(i.h, i.v, 1000);
    const z = parseFloat(s.style.zoom || '1');
    out.push({h: i.h, v: i.v, height: s.scrollHeight * z,
              code: [...s.querySelectorAll('.jp-InputArea')].map(e => e.innerText).join('\\n')});
  }
  return out;
}"""


def _deck_problems(page, name, nb_path):
    """Every slide fits 1280×720 (the deck's size), shows no test machinery, and the first
    slide carries the README's questions as speaker notes."""
    problems = []
    slides = page.evaluate(_SLIDE_HEIGHTS_JS)
    tall = [s for s in slides if s["height"] > 720 + 1]
    if tall:
        problems.append(
            f"{name}: {len(tall)} of {len(slides)} slides taller than 720 px: "
            + ", ".join(f"{s['h']}/{s['v']}: {s['height']:.0f}" for s in tall[:8])
        )
    machinery = [s for s in slides if re.search(r"NBVAL_|^\s*assert\b", s["code"], re.M)]
    if machinery:
        problems.append(
            f"{name}: test machinery on {len(machinery)} slides, e.g. {machinery[0]['code'][:200]!r}"
        )
    if export.instructor_notes(nb_path.stem):
        notes = page.evaluate(
            "() => [...document.querySelectorAll('aside.notes')].map(a => a.innerText)"
        )
        if not any("Questions for the class" in n for n in notes):
            problems.append(f"{name}: no speaker notes with the questions for the class")
    return problems
