"""The views' one palette: named colours that follow JupyterLab's theme, and the SVG still.

Every view (``draw``, ``graph_view``, ``widgets``, ``train_view``, ``svgplot``, ``plots``, and
any new one) paints with the names in ``LIGHT`` and nowhere else spells a colour. An SVG element carries both a presentation
attribute with the light colour and a class naming the colour (``paint(fill="ink")`` gives
``fill="#1a1a1a" class="bp-f-ink"``):

* inside a page that has ``CSS`` (a live widget, a trusted output, an exported page), the
  class wins, and the colour is a CSS variable taken from JupyterLab's ``--jp-*`` variables
  (text, background, borders) or, for the colours JupyterLab has no variable for (the
  gradient's sign, the highlight), from ``DARK`` when JupyterLab says its theme is dark
  (``body[data-jp-theme-light="false"]``);
* where no CSS reaches the SVG (an ``<img>`` of it, see ``still``), the attributes draw it
  in the light palette on its own white background: readable in either theme.

Why an ``<img>``: a notebook from a fresh clone is untrusted, and JupyterLab then renders a
stored ``text/html`` output through its sanitizer, which drops ``<svg>`` and ``<style>`` but
keeps their text (the garbled "w¹₁₁ = 0.2, ∂L/∂w¹₁₁ = …" runs) and keeps ``<img>`` with a
``data:`` URI, inline ``style`` attributes with plain colours, tables and ``<details>``.
``still`` therefore stores each picture as an ``<img>`` of a self-contained SVG; a trusted
page (run, or exported) swaps it for the inline, themed SVG with one line of script, which
the sanitizer removes from untrusted outputs.

Colours are Okabe–Ito (safe for colour-blind viewers), darkened or lightened where text needs
a 4.5:1 contrast against the background.
"""

import base64
import html
import itertools

FONT = "'DejaVu Sans', Verdana, sans-serif"

# name -> (light colour, the CSS value in a live page)
LIGHT = {
    "ink": "#1a1a1a",  # text and lines
    "muted": "#555555",  # secondary text (7.5:1 on white)
    "paper": "#ffffff",  # background
    "panel": "#f3f3f3",  # a panel on the background
    "line": "#8c8c8c",  # frames, ticks, arrows
    "grid": "#dddddd",  # grid lines
    "neg": "#0072B2",  # a negative gradient (Okabe–Ito blue, 5.0:1 on white)
    "pos": "#B84F00",  # a positive gradient (Okabe–Ito vermillion, darkened to 4.9:1)
    "hilite": "#F0E442",  # what the current step computes (Okabe–Ito yellow)
    "hilite_soft": "#FBF6C4",  # what it reads
    "ok": "#007A5A",  # right (Okabe–Ito bluish green, darkened)
    "bad": "#B84F00",  # not yet
    "c0": "#0072B2",
    "c1": "#D55E00",
    "c2": "#009E73",  # classes, in the training view
    "c3": "#E69F00",
    "c4": "#56B4E9",
    "c5": "#CC79A7",
}
# JupyterLab's own variables, where it has one (light values as fallbacks outside JupyterLab)
JP = {
    "ink": "--jp-content-font-color1",
    "muted": "--jp-content-font-color2",
    "paper": "--jp-layout-color0",
    "panel": "--jp-layout-color2",
    "line": "--jp-border-color1",
    "grid": "--jp-border-color3",
}
# the others, in JupyterLab's dark theme (its background is #111)
DARK = {
    "neg": "#56B4E9",  # Okabe–Ito sky blue
    "pos": "#FF8A4C",  # vermillion, lightened
    "hilite": "#6E6400",  # a dark yellow: light text stays readable on it
    "hilite_soft": "#3A3500",
    "ok": "#3FD0A0",
    "bad": "#FF8A4C",
}


def var(name):
    """The CSS value of colour ``name``: ``var(--bp-name)``."""
    return f"var(--bp-{name.replace('_', '-')})"


def _decls(values):
    return "; ".join(f"--bp-{k.replace('_', '-')}: {v}" for k, v in values.items())


def _css():
    live = {k: (f"var({JP[k]}, {c})" if k in JP else c) for k, c in LIGHT.items()}
    rules = [
        f".bp-theme {{ {_decls(live)}; }}",
        f'body[data-jp-theme-light="false"] .bp-theme {{ {_decls(DARK)}; }}',
    ]
    for k in LIGHT:
        n = k.replace("_", "-")
        rules.append(
            f".bp-theme .bp-f-{n} {{ fill: var(--bp-{n}); }} "
            f".bp-theme .bp-s-{n} {{ stroke: var(--bp-{n}); }}"
        )
    return "\n".join(rules)


# What a live view says once its kernel is gone (a restart, or a reopened notebook whose views
# JupyterLab rebuilt from the widget state saved in the file): ipywidgets then marks every view
# ``jupyter-widgets-disconnected`` and draws a bare broken-link icon in front of each. A view of
# ours (``.bp-theme``) says instead, in words, what to do; its parts lose their icons and fade.
RESTART_NOTE = (
    "The kernel that ran this view has stopped (restarted, or not run since the "
    "notebook opened), so its sliders and buttons do nothing now. "
    "Run this cell again (Shift+Enter) to bring them back."
)


def _restart_css():
    gone = ".bp-theme.jupyter-widgets-disconnected"
    return (
        f'{gone}::before {{ content: "{RESTART_NOTE}"; display: block; align-self: stretch; '
        f"font: 15px/1.4 {FONT}; color: var(--bp-ink); background: var(--bp-hilite-soft); "
        "border-left: 5px solid var(--bp-hilite); padding: 6px 10px; margin: 0 0 6px 0; }\n"
        f"{gone} .jupyter-widgets-disconnected::before {{ content: none; display: none; }}\n"
        f"{gone} > * {{ opacity: 0.55; }}"
    )


CSS = _css() + "\n" + _restart_css()  # the palette as CSS; draw.CSS includes it


def paint(fill=None, stroke=None, cls=""):
    """SVG attributes for colour names: the light colours as presentation attributes (what an
    <img> of the SVG shows) and classes that let the page's CSS theme them."""
    classes, attrs = [cls] if cls else [], []  # the caller's classes first
    if fill is not None:
        attrs.append(f'fill="{LIGHT[fill]}"')
        classes.append(f"bp-f-{fill.replace('_', '-')}")
    if stroke is not None:
        attrs.append(f'stroke="{LIGHT[stroke]}"')
        classes.append(f"bp-s-{stroke.replace('_', '-')}")
    return f'class="{" ".join(classes)}" ' + " ".join(attrs)


def svg_data_uri(svg):
    """A standalone SVG string as a ``data:image/svg+xml;base64,...`` URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# Trusted pages only (the sanitizer drops scripts): replace the <img> just before this script
# by the SVG it shows, inline, so that the page's theme colours it.
_INLINE_JS = (
    "<script>(function(s){var i=s.previousElementSibling;if(!i||i.tagName!=='IMG')return;"
    "try{var t=atob(i.getAttribute('src').split(',')[1]);"
    "var d=new TextDecoder().decode(Uint8Array.from(t,function(c){return c.charCodeAt(0)}));"
    "var w=document.createElement('div');w.innerHTML=d;var v=w.firstElementChild;"
    "v.setAttribute('role','img');v.setAttribute('aria-label',i.alt);"
    "v.style.maxWidth=i.style.maxWidth;v.setAttribute('width','100%');"
    "i.replaceWith(v);}catch(e){}})(document.currentScript)</script>"
)


def still(svg, alt, max_width, live=True, min_width=None):
    """An SVG as an ``<img>`` that any renderer shows (sanitized or not), on a white card.

    alt: the picture in words (its values, not just its kind). max_width: in CSS px.
    live: add the script that, on a trusted page, swaps the image for the inline, themed SVG.
    min_width: never narrower (CSS px; a wide picture whose text must stay >= 12 px).
    """
    floor = f"min-width: {min_width}px; " if min_width else ""
    img = (
        f'<img class="bp-still" alt="{html.escape(alt, quote=True)}" src="{svg_data_uri(svg)}" '
        f'style="width: 100%; max-width: {max_width}px; {floor}background: {LIGHT["paper"]}; '
        'border-radius: 4px">'
    )
    return img + (_INLINE_JS if live else "")


def scroller(content, label, style=""):
    """``content`` in a box that scrolls sideways where the page is narrower (a laptop with the
    file browser open). Focusable and named (``label``, e.g. "computation graph"): a region that
    scrolls must be reachable from the keyboard (axe-core's scrollable-region-focusable). An
    untrusted notebook's sanitizer drops tabindex, role and aria-label; the box still scrolls.
    style: more inline CSS for the box (e.g. its flex)."""
    return (
        f'<div class="bp-scroll" style="overflow-x:auto;max-width:100%{style}" tabindex="0" '
        f'role="region" aria-label="{html.escape(label, quote=True)}, scrolls sideways">'
        f"{content}</div>"
    )


def card_style():
    """Inline style of a static card (the sanitizer keeps plain colours, not variables)."""
    return (
        f"background: {LIGHT['paper']}; color: {LIGHT['ink']}; font-family: {FONT}; "
        "padding: 6px 8px; border-radius: 6px"
    )


__all__ = [
    "CSS",
    "DARK",
    "FONT",
    "JP",
    "LIGHT",
    "RESTART_NOTE",
    "card_style",
    "paint",
    "scroller",
    "still",
    "svg_data_uri",
    "var",
]


# What ipywidgets leaves out for screen readers, added in the page (a trusted output only): the
# slider handles get their description as a name and their readout as the value text (the exact
# value moves to data-bp-value), the Play
# widget's icon buttons a name, and toggle buttons aria-pressed. It runs once per page and
# keeps them right as the widgets change (a MutationObserver on the views' classes and values);
# a presenter toggle keeps the keyboard focus across the redraw its click causes.
A11Y_JS = r"""
(function () {
  if (window.__bpA11y) { window.__bpA11y(); return; }
  function set(el, k, v) { if (el.getAttribute(k) !== v) el.setAttribute(k, v); }
  function fix() {
    document.querySelectorAll('.bp-explorer, .bp-train, .bp-graph-explorer').forEach(function (root) {
      root.querySelectorAll('.widget-slider').forEach(function (s) {
        var label = ((s.querySelector('.widget-label') || {}).textContent || '').trim();
        var h = s.querySelector('.noUi-handle'), r = s.querySelector('.widget-readout');
        if (!h || !label) return;
        set(h, 'aria-label', label);
        if (!r) return;
        // the exact value noUiSlider wrote (what the kernel gets) stays in data-bp-value
        var raw = h.getAttribute('aria-valuetext');
        if (raw !== null && raw !== h.__bpText) set(h, 'data-bp-value', raw);
        h.__bpText = r.textContent.trim();
        set(h, 'aria-valuetext', h.__bpText);
        set(r, 'aria-label', label + ', value');
      });
      root.querySelectorAll('.widget-play button').forEach(function (b) {
        var i = b.querySelector('i') || {className: ''}, c = i.className;
        set(b, 'aria-label', /fa-play/.test(c) ? 'play the steps' : /fa-pause/.test(c) ? 'pause'
          : /fa-stop/.test(c) ? 'stop, back to step 1' : /fa-(retweet|repeat)/.test(c) ? 'repeat' : 'replay');
      });
      root.querySelectorAll('button.widget-toggle-button').forEach(function (b) {
        set(b, 'aria-pressed', b.classList.contains('mod-active') ? 'true' : 'false');
      });
      // The step (or training status) the view shows is redrawn with every change, and a
      // screen reader does not announce a live region that is itself replaced: one live
      // region per view, made once and kept, says the text of the parts marked data-bp-live.
      var say = [].map.call(root.querySelectorAll('[data-bp-live]'), function (e) {
        return e.textContent.trim(); }).join('. ');
      var live = root.__bpLive;
      if (!live || !live.isConnected) {
        live = root.__bpLive = document.createElement('div');
        live.className = 'bp-narration';
        live.setAttribute('role', 'status');
        live.setAttribute('aria-live', 'polite');
        live.style.cssText = 'position:absolute;width:1px;height:1px;margin:-1px;padding:0;' +
          'overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0';
        root.appendChild(live);
      }
      if (live.textContent !== say) live.textContent = say;
    });
  }
  // A toggle that rearranges its view (presenter view) makes ipywidgets redraw the view's parts,
  // the toggle among them, and the keyboard focus falls to the page: give it back to the toggle.
  function refocus() {
    var f = window.__bpFocus, a = document.activeElement;
    if (!f || Date.now() > f.until || (a && a !== document.body && a.isConnected)) return;
    var again = [].slice.call(f.root.querySelectorAll('button.widget-toggle-button'))
      .filter(function (b) { return b.textContent.trim() === f.text; })[0];
    if (again) { again.focus(); window.__bpFocus = null; }
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button.widget-toggle-button');
    var root = b && b.closest('.bp-explorer, .bp-train');
    if (root) window.__bpFocus = {root: root, text: b.textContent.trim(), until: Date.now() + 10000};
  }, true);
  window.__bpA11y = function () { fix(); refocus(); };
  fix();
  new MutationObserver(window.__bpA11y).observe(document.body, {subtree: true, childList: true,
    attributes: true, attributeFilter: ['class', 'aria-valuenow', 'aria-valuetext'], characterData: true});
}());
"""


def a11y_widget():
    """An (invisible) Output widget whose one output is ``A11Y_JS``: put it in a live view."""
    import ipywidgets as w
    from IPython.display import Javascript

    out = w.Output(layout=w.Layout(height="0px", overflow="hidden"))
    out.append_display_data(Javascript(A11Y_JS))
    return out


def figure_alt(fig):
    """A matplotlib figure in words, from its own texts: the title(s) and each panel's title and
    axis labels (the notebook's prose around it says what it shows), every panel in order; a run
    of panels that read the same is said once, with its count ("x: epoch (×3)")."""
    parts = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        parts.append(fig._suptitle.get_text())
    for ax in fig.get_axes():
        bits = [
            t
            for t in (
                ax.get_title(),
                ax.get_xlabel() and f"x: {ax.get_xlabel()}",
                ax.get_ylabel() and f"y: {ax.get_ylabel()}",
            )
            if t
        ]
        if bits:
            parts.append(", ".join(bits))
    runs = [(p, len(list(same))) for p, same in itertools.groupby(parts)]
    said = [p if n == 1 else f"{p} (×{n})" for p, n in runs]
    return "Figure: " + ("; ".join(said) or "a plot")


def with_alt(fig):
    """Give a matplotlib Figure an HTML repr: the same PNG as an <img> with ``figure_alt`` as
    its alt text (JupyterLab's own PNG renderer writes none), which any renderer shows."""
    import io

    def _repr_html_():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return (
            f'<img alt="{html.escape(figure_alt(fig), quote=True)}" '
            f'src="data:image/png;base64,{data}" style="max-width: 100%">'
        )

    fig._repr_html_ = _repr_html_
    return fig
