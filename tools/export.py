"""Export the course notebooks for a classroom, offline: static HTML pages and reveal.js slides.

    python tools/export.py html   [--out build/html]   [NOTEBOOK ...]    # make html
    python tools/export.py slides [--out build/slides] [NOTEBOOK ...]    # make slides

Both read the notebooks' committed outputs (nothing is executed) and write pages that load
nothing from the network: a student without an install opens ``build/html/index.html`` from a
USB stick, an instructor projects ``build/slides/index.html`` without Wi-Fi.

* Widgets. A live view (``backprop_lib.widgets.Explorer``) stores a ``text/html`` snapshot beside
  its ``application/vnd.jupyter.widget-view+json`` output; the pages show that snapshot (the
  sliders as a still picture, the diagram, the formula, the curve). A widget output without a
  snapshot becomes a one-line note. No widget manager is loaded, so the notebook's saved widget
  state is left out of the page (the notebook file itself is not changed).
* JavaScript libraries, local. reveal.js and MathJax are copied next to the pages from two
  pinned wheels on PyPI, fetched once with ``pip download --no-deps`` into ``build/cache/`` and
  checked against their SHA-256 (nothing is installed; no Sphinx):
    - ``sphinx-revealjs`` ships reveal.js's ``dist/`` and ``plugin/`` (REVEALJS below);
    - ``sphinx-mathjax-offline`` ships MathJax 3.2 (MATHJAX below), the MathJax that
      JupyterLab 4 uses, so a formula on a page looks as it does in the lab (TeX fonts, CHTML
      output); ``bp_mathjax.html.j2`` configures it (nbconvert's own macro is for MathJax 2).
* Templates. ``tools/nbconvert_templates/`` holds two thin children of nbconvert's ``lab`` and
  ``reveal`` templates that drop require.js, jQuery, mermaid and the CDN widget manager.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "nbconvert_templates"
DEFAULT_CACHE = REPO / "build" / "cache"

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# What a page shows of an output, best first: nbconvert's HTML order without the widget view
# (no widget manager runs in an exported page) and without application/javascript (it would run
# code that may load from the network).
DISPLAY_PRIORITY = [
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "text/latex",
    "image/png",
    "image/jpeg",
    "text/plain",
]

STATIC_WIDGET_NOTE = (
    '<div class="bp-static-note">An interactive widget is here when the notebook runs '
    "(open it in JupyterLab: <code>make lab</code>).</div>"
)


@dataclass(frozen=True)
class Asset:
    """A folder of static files inside a pinned wheel on PyPI."""

    package: str
    version: str
    sha256: str
    folder: str  # inside the wheel, ends with '/'
    what: str  # what the folder is, for messages

    @property
    def wheel(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


# reveal.js 5.2.0 (dist/ and plugin/), as shipped by sphinx-revealjs 3.2.1.
REVEALJS = Asset(
    "sphinx-revealjs",
    "3.2.1",
    "805bed3ca459346e0f01967d5ed1c40d6b7b917de1541e1e4566c8341fe7017b",
    "sphinx_revealjs/_static/revealjs/",
    "reveal.js 5.2.0",
)
# MathJax 3.2.2 (TeX input, CHTML output with the TeX web fonts), as shipped by
# sphinx-mathjax-offline 0.0.2; MathJax is under the Apache License 2.0 (MATHJAX_NOTICE).
MATHJAX = Asset(
    "sphinx-mathjax-offline",
    "0.0.2",
    "206418155b2ff2f57496fb8501fdccae3da978e53031ff296c73729ba16062c4",
    "sphinx-mathjax-offline/static/mathjax/",
    "MathJax 3.2.2",
)

# Where the copies go, relative to the pages (the URLs the pages use).
REVEAL_DIR = "reveal.js"
MATHJAX_DIR = "mathjax"
MATHJAX_URL = f"{MATHJAX_DIR}/tex-chtml-full.js"  # every TeX extension in one file

# Parts of MathJax a page uses: the one combined file, and what its menu loads (the safe mode,
# the accessibility explorer with its speech rules, the SVG renderer); the other builds are left out.
MATHJAX_PARTS = ("tex-chtml-full.js", "a11y/", "input/", "output/", "sre/", "ui/")
MATHJAX_NOTICE = """MathJax 3.2.2 (https://www.mathjax.org), copyright The MathJax Consortium,
licensed under the Apache License 2.0: https://www.apache.org/licenses/LICENSE-2.0
Copied from the PyPI package sphinx-mathjax-offline 0.0.2 by tools/export.py.
"""

# Parts of reveal.js a deck uses (source maps and the unused plugins are left out).
REVEAL_PARTS = ("LICENSE", "dist/", "plugin/notes/")


# --------------------------------------------------------------------------- assets


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_wheel(asset: Asset, cache: Path = DEFAULT_CACHE) -> Path:
    """The asset's wheel in ``cache/wheels/``, downloaded from PyPI once and checked."""
    wheels = cache / "wheels"
    path = wheels / asset.wheel
    if path.is_file() and _sha256(path) == asset.sha256:
        return path
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wheels) as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            tmp,
            f"{asset.package}=={asset.version}",
        ]
        print(f"fetching {asset.what} ({asset.package}=={asset.version}) from PyPI", flush=True)
        res = subprocess.run(cmd, capture_output=True, text=True)
        got = Path(tmp) / asset.wheel
        if res.returncode != 0 or not got.is_file():
            raise SystemExit(
                f"could not download {asset.package}=={asset.version} ({asset.what}):\n"
                f"{res.stderr.strip() or res.stdout.strip()}\n"
                f"Without network, put {asset.wheel} into {wheels}/ and run again."
            )
        digest = _sha256(got)
        if digest != asset.sha256:
            raise SystemExit(
                f"{asset.wheel}: SHA-256 {digest}, expected {asset.sha256}; not using it"
            )
        got.replace(path)
    return path


def unpacked(asset: Asset, cache: Path = DEFAULT_CACHE) -> Path:
    """The asset's folder, extracted from its wheel into ``cache/`` (once)."""
    dest = cache / f"{asset.package}-{asset.version}"
    done = dest / ".complete"
    if done.is_file():
        return dest
    wheel = fetch_wheel(asset, cache)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            name = info.filename
            if not name.startswith(asset.folder) or info.is_dir():
                continue
            rel = name[len(asset.folder) :]
            target = (dest / rel).resolve()
            if not target.is_relative_to(dest.resolve()):
                raise SystemExit(f"{asset.wheel}: refusing the path {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    done.write_text(f"{asset.package}=={asset.version} {asset.sha256}\n", encoding="utf-8")
    return dest


def _copy_tree(src: Path, dest: Path, parts=None, skip_suffixes=(".map",)) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if path.is_dir() or rel == ".complete" or path.suffix in skip_suffixes:
            continue
        if parts is not None and not any(rel == p or rel.startswith(p) for p in parts):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def install_mathjax(out: Path, cache: Path = DEFAULT_CACHE) -> Path:
    dest = out / MATHJAX_DIR
    _copy_tree(unpacked(MATHJAX, cache), dest, parts=MATHJAX_PARTS)
    (dest / "NOTICE.txt").write_text(MATHJAX_NOTICE, encoding="utf-8")
    return dest


def install_revealjs(out: Path, cache: Path = DEFAULT_CACHE) -> Path:
    dest = out / REVEAL_DIR
    _copy_tree(unpacked(REVEALJS, cache), dest, parts=REVEAL_PARTS)
    return dest


# --------------------------------------------------------------------------- exporters


def _preprocessor_class():
    from nbconvert.preprocessors import Preprocessor

    class StaticWidgetsPreprocessor(Preprocessor):
        """Widget outputs for a page without a kernel or widget manager.

        An output with a ``text/html`` snapshot beside the widget view keeps the snapshot; one
        without gets a short note instead of the widget's ``text/plain`` repr ("VBox(...)").
        The notebook's saved widget state is dropped from this in-memory copy: no widget
        manager reads it in an exported page, and nbconvert's templates would otherwise load
        one from a CDN when they see it.
        """

        def preprocess(self, nb, resources):
            nb.metadata.pop("widgets", None)
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            for output in cell.get("outputs", ()):
                data = output.get("data")
                if not data or WIDGET_MIME not in data:
                    continue
                del data[WIDGET_MIME]
                if "text/html" not in data:
                    data["text/html"] = STATIC_WIDGET_NOTE
                    data.pop("text/plain", None)
            return cell, resources

    return StaticWidgetsPreprocessor


_NBVAL_LINE = re.compile(r"^\s*#\s*NBVAL_\w+.*$\n?", re.M)


def slide_source(source: str) -> str:
    """A code cell's source as a slide shows it: without the test machinery (``# NBVAL_*``
    markers and ``assert`` statements, which are for nbval and for the course's authors)."""
    import ast

    source = _NBVAL_LINE.sub("", source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    drop = set()
    for node in ast.walk(tree):
        only_asserts = (
            isinstance(node, (ast.If, ast.For, ast.With, ast.While))
            and not getattr(node, "orelse", None)
            and all(isinstance(n, ast.Assert) for n in node.body)
        )
        if isinstance(node, ast.Assert) or only_asserts:
            drop.update(range(node.lineno, node.end_lineno + 1))
    if not drop:
        return source
    lines = [ln for k, ln in enumerate(source.splitlines(), start=1) if k not in drop]
    return "\n".join(lines).strip("\n")


def instructor_notes(stem: str) -> str:
    """The README's notes for one notebook (its time and the questions to ask the class, from
    "For instructors"), as the Markdown of a speaker-notes cell; '' if the README has none."""
    try:
        text = (REPO / "README.md").read_text(encoding="utf-8")
    except OSError:
        return ""
    m = re.search(r"<!-- instructors:start -->(.*?)<!-- instructors:end -->", text, re.S)
    if not m:
        return ""
    number = stem[:2]
    block = re.search(
        rf"^\*\*{number} ·[^\n]*\*\*\n(.*?)(?=^\*\*\d\d ·|^#|\Z)", m.group(1), re.S | re.M
    )
    if not block:
        return ""
    return "**Questions for the class** (answers in brackets)\n\n" + block.group(1).strip()


def add_speaker_notes(nb, stem: str):
    """The README's questions for the class as speaker notes (S in reveal.js) at the end of the
    deck's first slide: a markdown cell of slide type ``notes``, in this copy of the notebook."""
    import nbformat

    notes = instructor_notes(stem)
    if not notes:
        return nb
    cell = nbformat.v4.new_markdown_cell(notes)
    cell.metadata["slideshow"] = {"slide_type": "notes"}
    kinds = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
    first = next((k for k, t in enumerate(kinds) if t != "skip"), 0)
    end = next(
        (k for k in range(first + 1, len(kinds)) if kinds[k] in ("slide", "subslide")), len(kinds)
    )
    nb.cells.insert(end, cell)
    return nb


def _slides_preprocessor_class():
    from nbconvert.preprocessors import Preprocessor

    class SlidesPreprocessor(Preprocessor):
        """No test machinery on a slide (``slide_source``; a cell left empty is skipped)."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code":
                cell.source = slide_source(cell.source)
                if not cell.source.strip() and not cell.get("outputs"):
                    cell.metadata.setdefault("slideshow", {})["slide_type"] = "skip"
            return cell, resources

    return SlidesPreprocessor


def _common_config():
    from traitlets.config import Config

    c = Config()
    # read by nbconvert's filter that picks one mimetype per output (WidgetsDataTypeFilter)
    c.NbConvertBase.display_data_priority = list(DISPLAY_PRIORITY)
    for name in ("HTMLExporter", "SlidesExporter"):
        c[name].extra_template_basedirs = [str(TEMPLATES)]  # bp_lab/, bp_reveal/
        c[name].extra_template_paths = [str(TEMPLATES)]  # bp_mathjax.html.j2, shared by both
        c[name].mathjax_url = MATHJAX_URL
        # nbconvert's own defaults would name CDN URLs; the templates use none of them, and
        # these make sure nothing falls back to one.
        c[name].require_js_url = ""
        c[name].jquery_url = ""
        c[name].widget_renderer_url = ""
        c[name].jupyter_widgets_base_url = ""
    # On a slide the In [n]/Out[n] prompts take a column of the projector for nothing.
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    c.SlidesExporter.reveal_url_prefix = REVEAL_DIR
    c.SlidesExporter.reveal_theme = "white"
    c.SlidesExporter.reveal_transition = "none"  # a projector redraws slowly; no slide animation
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.reveal_width = "1280"
    c.SlidesExporter.reveal_height = "720"
    return c


def _configured(ex):
    for attr in ("mermaid_js_url", "mermaid_layout_elk_js_url"):  # not configurable traits
        if hasattr(ex, attr):
            setattr(ex, attr, "")
    ex.register_preprocessor(_preprocessor_class()(), enabled=True)
    return ex


def html_exporter():
    """The configured exporter of ``make html`` (nbconvert's HTMLExporter, template bp_lab)."""
    from nbconvert import HTMLExporter

    return _configured(HTMLExporter(config=_common_config(), template_name="bp_lab"))


def slides_exporter():
    """The configured exporter of ``make slides`` (nbconvert's SlidesExporter, template bp_reveal)."""
    from nbconvert import SlidesExporter

    ex = _configured(SlidesExporter(config=_common_config(), template_name="bp_reveal"))
    ex.register_preprocessor(_slides_preprocessor_class()(), enabled=True)
    return ex


# --------------------------------------------------------------------------- pages


def notebooks(paths=None) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    if not NOTEBOOK_DIR.is_dir():
        return []
    return sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if not p.name.startswith("."))


def _readme_rows() -> dict[str, str]:
    """{notebook stem: "what it teaches"} from the README's table of notebooks."""
    try:
        text = (REPO / "README.md").read_text(encoding="utf-8")
    except OSError:
        return {}
    rows = {}
    for m in re.finditer(
        r"^\|\s*\[[^\]]*\]\(notebooks/([^)]+)\.ipynb\)\s*\|([^|]*)\|([^|]*)\|", text, re.M
    ):
        rows[m.group(1)] = m.group(2).strip()
    return rows


def _plain(text: str) -> str:
    """Markdown and inline LaTeX as plain text, roughly (for the index page)."""
    text = re.sub(r"\$([^$]+)\$", lambda m: re.sub(r"\\[a-zA-Z]+\s*|[{}^_]", "", m.group(1)), text)
    text = text.replace("\\partial", "∂")
    return re.sub(r"[*`]", "", text).strip()


def title_and_summary(nb, stem: str = "") -> tuple[str, str]:
    """The first markdown heading, and a one-line summary: the README's row for the notebook,
    else the first sentence of prose in the notebook's first markdown cell."""
    title, summary = "", _readme_rows().get(stem, "")
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        text = cell.source.strip()
        if not text.startswith("#"):
            continue
        title = _plain(text.splitlines()[0].lstrip("#"))
        if summary:
            break
        for para in re.split(r"\n\s*\n", text)[1:]:
            p = " ".join(ln.strip() for ln in para.splitlines())
            if re.match(r"(#|\||```|<|>|[-*] |\d+\. |\*\*[^*]+\*\*\s*$)", p) or "minutes" in p[:40]:
                continue
            p = _plain(p)
            summary = re.split(r"(?<=[.!?])\s", p, maxsplit=1)[0]
            break
        break
    return title, summary


INDEX_CSS = """
body { font-family: 'DejaVu Sans', Verdana, sans-serif; max-width: 860px; margin: 40px auto;
  padding: 0 16px; color: #1a1a1a; line-height: 1.5; }
h1 { font-size: 30px; margin-bottom: 4px; }
.sub { color: #555; margin-top: 0; }
li { margin: 14px 0; font-size: 18px; }
li .summary { display: block; color: #444; font-size: 15px; }
a { color: #0072B2; }
"""


def write_index(out: Path, entries, kind: str) -> Path:
    """``out/index.html``: a list of the exported notebooks (entries: (file, title, summary))."""
    heading = {
        "html": "Backpropagation, step by step",
        "slides": "Backpropagation, step by step: slides",
    }[kind]
    sub = {
        "html": "The course's notebooks as static pages: the figures, the diagrams and the "
        "sliders as a still picture, no install needed. To move the sliders, run the "
        "notebooks in JupyterLab (<code>make lab</code>).",
        "slides": "One reveal.js deck per notebook. Keys: → / space next, ← back, "
        "Esc overview, F full screen, S speaker notes.",
    }[kind]
    items = "\n".join(
        f'<li><a href="{html.escape(f)}">{html.escape(t or f)}</a>'
        + (f'<span class="summary">{html.escape(s)}</span>' if s else "")
        + "</li>"
        for f, t, s in entries
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{html.escape(heading)}</title>\n<style>{INDEX_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{html.escape(heading)}</h1>\n<p class="sub">{sub}</p>\n<ol>\n{items}\n</ol>\n'
        "</body>\n</html>\n"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def export(
    kind: str, out: Path, paths=None, cache: Path = DEFAULT_CACHE, assets: bool = True
) -> list[Path]:
    """Export every notebook (or ``paths``) as ``kind`` ('html' or 'slides') into ``out``,
    with an index.html and (if ``assets``) the local reveal.js / MathJax. Returns the pages."""
    import nbformat

    if kind not in ("html", "slides"):
        raise ValueError(f"kind: expected 'html' or 'slides', got {kind!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nbs = notebooks(paths)
    exporter = html_exporter() if kind == "html" else slides_exporter()
    suffix = ".html" if kind == "html" else ".slides.html"
    pages, entries = [], []
    for nb_path in nbs:
        nb = nbformat.read(nb_path, as_version=4)
        if kind == "slides":
            add_speaker_notes(nb, nb_path.stem)
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": nb_path.stem, "path": str(nb_path.parent)}}
        )
        page = out / f"{nb_path.stem}{suffix}"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        entries.append((page.name, *title_and_summary(nb, nb_path.stem)))
    write_index(out, entries, kind)
    if assets:
        install_mathjax(out, cache)
        if kind == "slides":
            install_revealjs(out, cache)
    return pages


# --------------------------------------------------------------------------- checks


_EXTERNAL = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(src|href)\s*=\s*[\"']?"
    r"((?:https?:)?//[^\"' >]+)",
    re.IGNORECASE,
)
_CSS_EXTERNAL = re.compile(r"(?:@import|url\()\s*[\"']?((?:https?:)?//[^\"') ]+)", re.IGNORECASE)
_JS_IMPORT = re.compile(r"\bimport\b[^;'\"]*[\"']((?:https?:)?//[^\"']+)[\"']")


def external_references(page_html: str) -> list[str]:
    """URLs on other hosts that the page would load: script/link/img/... tags, CSS
    ``@import``/``url()``, and ES module imports. Plain links (``<a href>``) are fine."""
    found = {m.group(3) for m in _EXTERNAL.finditer(page_html)}
    found.update(_CSS_EXTERNAL.findall(page_html))
    found.update(_JS_IMPORT.findall(page_html))
    return sorted(found)


# --------------------------------------------------------------------------- command line


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("kind", choices=["html", "slides"])
    p.add_argument("notebooks", nargs="*", help="notebooks to export (default: notebooks/*.ipynb)")
    p.add_argument("--out", type=Path, help="output folder (default: build/html or build/slides)")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the wheels are kept")
    args = p.parse_args(argv)
    out = args.out or REPO / "build" / args.kind
    t0 = time.perf_counter()
    pages = export(args.kind, out, args.notebooks or None, args.cache)
    bad = {
        pg.name: refs
        for pg in pages
        if (refs := external_references(pg.read_text(encoding="utf-8")))
    }
    for name, refs in bad.items():
        print(f"{name}: loads from the network: {', '.join(refs)}", file=sys.stderr)
    try:
        shown = out.relative_to(Path.cwd())
    except ValueError:
        shown = out
    if not pages:
        print(
            f"{args.kind}: no notebooks in {NOTEBOOK_DIR.relative_to(REPO)}/ yet; wrote an empty "
            f"{shown}/index.html"
        )
    else:
        print(
            f"{args.kind}: {len(pages)} notebook(s) -> {shown}/ in {time.perf_counter() - t0:.1f} s; "
            f"open {shown}/index.html"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
