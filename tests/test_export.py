"""The classroom exports: `make html` (static pages) and `make slides` (reveal.js decks).

Fast tests check the exporter's configuration on a small notebook made here: widget outputs
show their text/html snapshot, nothing names a URL on another host, every notebook cell has
slide metadata. The browser test, tests/browser/test_export_pages.py, exports the real
notebooks and opens every page and deck in headless Chromium.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbconvert")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if not p.name.startswith("."))


def _load_export():
    spec = importlib.util.spec_from_file_location("bp_export", REPO / "tools" / "export.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


export = _load_export()

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SNAPSHOT = '<div class="bp-snapshot"><svg class="bp-graph"></svg>SNAPSHOT-MARKER</div>'


def _widget_output(with_html=True, plain="Explorer(...)"):
    data = {
        WIDGET_MIME: {"model_id": "abc123", "version_major": 2, "version_minor": 0},
        "text/plain": plain,
    }
    if with_html:
        data["text/html"] = SNAPSHOT
    return nbformat.v4.new_output("execute_result", data=data, execution_count=1)


def _small_notebook():
    md = nbformat.v4.new_markdown_cell("# A title\n\nThe loss $L = (y - t)^2$.\n")
    md.metadata["slideshow"] = {"slide_type": "slide"}
    explorer = nbformat.v4.new_code_cell("Explorer(examples.seed_000())")
    explorer.outputs = [_widget_output()]
    explorer.metadata["slideshow"] = {"slide_type": "-"}
    bare = nbformat.v4.new_code_cell("ipywidgets.IntSlider(3)")
    bare.outputs = [_widget_output(with_html=False, plain="IntSlider(value=3)")]
    bare.metadata["slideshow"] = {"slide_type": "-"}
    solution = nbformat.v4.new_code_cell("answer = 42")
    solution.metadata.update(
        {
            "tags": ["solution"],
            "jupyter": {"source_hidden": True},
            "slideshow": {"slide_type": "skip"},
        }
    )
    nb = nbformat.v4.new_notebook(cells=[md, explorer, bare, solution])
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"abc123": {}},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return nb


@pytest.fixture(params=["html", "slides"])
def exporter(request):
    return export.html_exporter() if request.param == "html" else export.slides_exporter()


# --------------------------------------------------------------------------- configuration


def test_output_filter_picks_the_snapshot_even_with_the_widget_state(exporter):
    """nbconvert's mimetype filter, configured as the exporter is: with the widget's state saved
    (as `nbconvert --execute` saves it) it would pick the widget view; ours picks text/html."""
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    state = {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"abc123": {}}}}}
    pick = WidgetsDataTypeFilter(notebook_metadata={"": state}, parent=exporter)
    assert WIDGET_MIME not in pick.display_data_priority
    assert "application/javascript" not in pick.display_data_priority
    assert pick(_widget_output().data) == ["text/html"]
    assert pick({"image/png": "", "text/plain": ""}) == ["image/png"]
    assert pick({"text/html": "", "image/png": "", "text/plain": ""}) == ["text/html"]


def test_widget_outputs_show_their_snapshot(exporter):
    nb = _small_notebook()
    before = json.dumps(nb, sort_keys=True)
    body, _ = exporter.from_notebook_node(nb)
    assert "SNAPSHOT-MARKER" in body
    assert 'class="bp-graph"' in body
    # no widget view, no widget manager, and the saved state is left out of the page
    assert WIDGET_MIME not in body
    assert "widget-state+json" not in body
    assert "html-manager" not in body and "embed-amd" not in body
    # a widget without a snapshot gets a note instead of its repr
    assert "IntSlider(value=3)" not in body
    assert "interactive widget is here when the notebook runs" in body
    # the notebook itself is not changed
    assert json.dumps(nb, sort_keys=True) == before


def test_static_page_folds_the_solutions():
    body, _ = export.html_exporter().from_notebook_node(_small_notebook())
    m = re.search(r'<details class="bp-solution">\s*<summary>Solution', body)
    assert m, "the solution cell is not folded in a <details>"
    assert body.index("answer") > m.start()


def test_pages_load_nothing_from_other_hosts(exporter, tmp_path):
    body, _ = exporter.from_notebook_node(_small_notebook())
    assert export.external_references(body) == []
    assert 'src="mathjax/tex-chtml-full.js"' in body
    if "reveal" in exporter.template_name:
        assert 'src="reveal.js/dist/reveal.js"' in body
        assert 'href="reveal.js/dist/reveal.css"' in body
        assert "require(" not in body  # no require.js: reveal.js is loaded with a script tag


def test_external_references_finds_what_a_page_would_load():
    page = """
      <script src="https://cdn.example.org/require.js"></script>
      <link rel="stylesheet" href="//fonts.example.org/x.css">
      <img alt="" src='http://example.org/a.png'>
      <style>@import url("https://example.org/theme.css");</style>
      <script type="module">import mermaid from 'https://cdn.example.org/mermaid.mjs';</script>
      <a href="https://example.org/fine">a link is fine</a>
      <script src="mathjax/tex-chtml-full.js"></script>
      <img src="data:image/png;base64,AAAA">
    """
    assert sorted(export.external_references(page)) == sorted(
        [
            "https://cdn.example.org/require.js",
            "//fonts.example.org/x.css",
            "http://example.org/a.png",
            "https://example.org/theme.css",
            "https://cdn.example.org/mermaid.mjs",
        ]
    )


def test_index_lists_the_notebooks(tmp_path):
    nb_path = tmp_path / "07_demo.ipynb"
    nbformat.write(_small_notebook(), nb_path)
    pages = export.export("html", tmp_path / "out", [nb_path], assets=False)
    assert [p.name for p in pages] == ["07_demo.html"]
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="07_demo.html"' in index and "A title" in index
    assert export.external_references(index) == []


def test_assets_are_pinned():
    for asset in (export.REVEALJS, export.MATHJAX):
        assert re.fullmatch(r"\d+(\.\d+)+", asset.version), asset
        assert re.fullmatch(r"[0-9a-f]{64}", asset.sha256), asset


# --------------------------------------------------------------------------- the notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_cell_has_slide_metadata(path):
    """`make slides` and JupyterLab's slide view read metadata.slideshow.slide_type."""
    nb = nbformat.read(path, as_version=4)
    allowed = {"slide", "subslide", "fragment", "skip", "notes", "-"}
    missing = [
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("slideshow", {}).get("slide_type") not in allowed
    ]
    assert not missing, f"{path.name}: cells without slideshow.slide_type: {missing}"
    assert nb.cells and nb.cells[0].metadata["slideshow"]["slide_type"] == "slide"
