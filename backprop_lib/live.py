"""The live views' one base: the presenter toggle, the arranging, the snapshot and the display.

Every live view (``widgets.Explorer``, ``graph_explorer.GraphExplorer``, ``train_view.TrainingView``)
is a ``LiveView``. A subclass makes its own widgets, then calls ``init_live`` and provides three
methods:

    from .live import LiveView

    class MyView(LiveView):
        css_class = "bp-myview"                       # the root VBox's class (tests find it)
        tooltip = "large fonts ..., for a projector"   # the toggle's tooltip

        def __init__(self, ..., presenter=False):
            ...                                        # sliders, w.HTML views, ...
            self.init_live(presenter, toolbar=[self.start_button])
            # -> self.presenter_toggle, self.toolbar (HBox: the given widgets + the toggle),
            #    self.widget (VBox, classes css_class, bp-theme, and bp-presenter when on),
            #    then render() and arrange() once

        def render(self): ...             # redraw the HTML for self.presenter (draw's functions)
        def layout(self, presenter): ...  # the root's children in that layout; include self.toolbar
        def snapshot_html(self): ...      # the still, from the same draw functions

What the base does, once for every view:

* ``presenter_toggle``: one ToggleButton, "presenter view". Turning it on or off calls
  ``render()`` then ``arrange()`` (``widget.children = layout(presenter)``).
* Keyboard focus: ipywidgets redraws a Box's children only from the first one that changed,
  so a layout whose first children (up to and with ``self.toolbar``) are the same widgets in
  both layouts keeps the toggle's own button, and its focus, through its click, with no
  script. (A view that moves its toolbar relies on ``theme.A11Y_JS``'s refocus instead.)
* ``aria-pressed`` and the sliders' names: ``theme.a11y_widget``, which the toolbar carries.
* The presenter layout needs the notebook's full width (at 1280×720 the file browser leaves too
  little beside it for the diagram and the formula): turning it on collapses JupyterLab's left
  sidebar; turning it off reopens the panel it closed (``SIDEBAR_JS``, carried by the toolbar:
  it presses the sidebar's own tab, as a pointer would, so it needs no JupyterLab internals;
  where there is no open sidebar, as in Notebook 7 or an exported page, it does nothing).
* ``_repr_mimebundle_``: the live widget for JupyterLab, with ``snapshot_html()`` as the
  ``text/html`` beside it for every renderer that cannot run widgets (an untrusted notebook, a
  repository website, ``make html``).
"""

import ipywidgets as w
from IPython.display import Javascript

from . import theme

TOGGLE_TEXT = "presenter view"

# Collapse JupyterLab's left sidebar (open=false) or reopen the panel this script closed
# (open=true), by pressing the sidebar's tab as a pointer would: JupyterLab's side bar is a
# Lumino TabBar that deselects (collapses) when its current tab is pressed. No JupyterLab
# internals are needed, so it works in a JupyterLab that does not expose its app to the page.
SIDEBAR_JS = r"""
(function (open) {
  var bar = document.querySelector('.jp-SideBar.jp-mod-left');
  if (!bar) return;
  function press(tab) {
    var r = tab.getBoundingClientRect(), o = {bubbles: true, cancelable: true, button: 0,
      buttons: 1, pointerId: 1, isPrimary: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2};
    tab.dispatchEvent(new PointerEvent('pointerdown', o));
    o.buttons = 0;
    tab.dispatchEvent(new PointerEvent('pointerup', o));
    document.dispatchEvent(new PointerEvent('pointerup', o));
  }
  var current = bar.querySelector('.lm-TabBar-tab.lm-mod-current');
  if (!open) {
    if (!current) return;  // already collapsed: nothing to restore later
    window.__bpSidebar = current.getAttribute('data-id');
    press(current);
  } else {
    var id = window.__bpSidebar;
    window.__bpSidebar = null;
    if (!id || current) return;  // not ours to open, or someone opened it already
    var tab = bar.querySelector('.lm-TabBar-tab[data-id="' + id + '"]');
    if (tab) press(tab);
  }
})
"""


class LiveView:
    """The base of a live view; see the module's docstring for how to use it."""

    css_class = "bp-live"
    tooltip = "large fonts, for a projector"
    toggle_width = "160px"

    def init_live(self, presenter=False, toolbar=()):
        """Make the toggle, the toolbar and the root widget, then render and arrange once.

        toolbar: the controls in the row that the toggle ends (the same widgets in both layouts).
        """
        self.presenter_toggle = w.ToggleButton(
            value=bool(presenter),
            description=TOGGLE_TEXT,
            icon="desktop",
            tooltip=self.tooltip,
            layout=w.Layout(width=self.toggle_width, min_width=self.toggle_width),
        )
        hidden = w.Layout(height="0px", width="0px", overflow="hidden")
        self._sidebar = w.Output(layout=hidden)
        self._a11y = theme.a11y_widget()
        self._a11y.layout = hidden
        self.toolbar = w.HBox(
            list(toolbar) + [self.presenter_toggle, self._a11y, self._sidebar],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = w.VBox()
        self.widget.add_class(self.css_class)
        self.widget.add_class("bp-theme")
        if presenter:
            self._set_sidebar(open_=False)
        self.render()
        self.arrange()
        self.presenter_toggle.observe(self._on_presenter, names="value")

    @property
    def presenter(self):
        """Whether the presenter layout is on (the "presenter view" toggle)."""
        return self.presenter_toggle.value

    def _on_presenter(self, change):
        self.render()
        self._set_sidebar(open_=not change["new"])
        self.arrange()

    def _set_sidebar(self, open_):
        self._sidebar.outputs = ()
        self._sidebar.append_display_data(
            Javascript(f"{SIDEBAR_JS}({'true' if open_ else 'false'})")
        )

    def arrange(self):
        """Put the widgets in the current layout."""
        self.widget.children = list(self.layout(self.presenter))
        if self.presenter:
            self.widget.add_class("bp-presenter")
        else:
            self.widget.remove_class("bp-presenter")

    # what a subclass provides
    def render(self):
        """Redraw the view's HTML for the current layout."""
        raise NotImplementedError

    def layout(self, presenter):
        """The root widget's children in the presenter layout or the normal one."""
        raise NotImplementedError

    def snapshot_html(self):
        """The view as static HTML that any renderer shows as it is."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        # JupyterLab renders the live widget (its renderer ranks first); exporters and websites
        # that cannot run widgets fall back to the static snapshot. ipywidgets returns the
        # data alone or (data, metadata): both are handled.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.snapshot_html()
        return bundle


__all__ = ["LiveView", "SIDEBAR_JS", "TOGGLE_TEXT"]
