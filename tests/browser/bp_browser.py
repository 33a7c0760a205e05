"""Browser-test harness for the course notebooks (JupyterLab 4 + ipywidgets 8).

Everything that is not a pytest fixture: the selectors (``SEL``, the only place DOM classes are
spelled), the JupyterLab server, and the page helpers. Every wait is for a condition (a status
bar text, a DOM state, a layout that stopped moving), never for a fixed time:
tests/test_no_fixed_waits.py fails on ``wait_for_timeout`` or ``time.sleep`` in this folder.

DOM facts (JupyterLab 4.6 / ipywidgets 8.1, Chromium 156): the status bar item titled "Change
kernel..." reads "Python 3 (ipykernel) | Idle"; ``window.jupyterapp`` is exposed, and its
``notebook:run-all-cells`` resolves once every cell has run; a cell's error renders as stderr
with a Traceback; exceptions in widget callbacks show in no cell but in the log console (its
status bar item counts them), which ``assert_no_errors`` reads, whole. JupyterLab draws cells
below the window when idle or scrolled to, and paints only those near it: ``run_all`` waits
until all are drawn, and text is read from the DOM (``DOM_TEXT_JS``), not the paint.

Environment: CI=true (a missing Chromium or Playwright fails instead of skipping),
BP_CHROMIUM (the browser, default /usr/bin/chromium), BP_ARTIFACTS_DIR (default artifacts/).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
ARTIFACTS_DIR = Path(os.environ.get("BP_ARTIFACTS_DIR", REPO_ROOT / "artifacts"))
SCREENSHOT_DIR = ARTIFACTS_DIR / "screenshots"
LATENCY_FILE = ARTIFACTS_DIR / "browser_latency.json"

CHROMIUM = os.environ.get("BP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
    " --disable-sync --no-first-run --disable-quic"
).split()
MISSING_CHROMIUM_MSG = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"

# Timeouts, generous so that a loaded 2-core machine passes (seconds; *_MS milliseconds).
SERVER_START_TIMEOUT, KERNEL_TIMEOUT, RUN_ALL_TIMEOUT, DEFAULT_TIMEOUT_MS = 120, 180, 400, 60_000
LATENCY_TARGETS_MS = {"median_ms": 50.0, "p95_ms": 100.0}


@dataclass(frozen=True)
class Selectors:
    # the course's views (hooks written by backprop_lib)
    view: str = ".bp-view"
    live_views: str = ".bp-explorer, .bp-train, .bp-graph-explorer"
    step_current: str = ".bp-step-current"
    step_index_attr: str = "data-step-index"
    formula: str = '[data-bp="formula"]'
    # ipywidgets 8
    slider: str = ".widget-slider"
    widget_label: str = ".widget-label"
    slider_handle: str = ".noUi-handle"
    readout: str = ".widget-readout"
    button: str = "button.widget-button"
    play_button: str = ".widget-play button:has(.fa-play)"
    loading_text: str = "Loading widget..."
    widget_error_text: str = "Error displaying widget"
    # JupyterLab 4
    statusbar_items: str = "#jp-main-statusbar .jp-StatusBar-Left .jp-StatusBar-TextItem"
    notebook_panel: str = ".jp-NotebookPanel"
    cell: str = ".jp-Cell"
    code_cell: str = ".jp-CodeCell"
    prompt: str = ".jp-InputArea-prompt"
    cell_source: str = ".jp-InputArea-editor .cm-content"
    output: str = ".jp-OutputArea-output"
    stderr_output: str = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    error_output: str = '.jp-RenderedText[data-mime-type*="error"]'
    log_console_status: str = ".jp-LogConsoleStatusItem"
    log_console_panel: str = ".jp-LogConsolePanel"
    log_console_entry: str = ".jp-LogConsolePanel .jp-OutputArea-child"
    menubar_item: str = ".lm-MenuBar-item"
    menu_item: str = ".lm-Menu-item"


SEL = Selectors()


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def skip_or_fail(msg: str):
    """Skip locally, fail when CI=true (a broken CI image cannot pass silently)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@contextmanager
def file_lock(path: Path):
    """Hold an exclusive lock on ``path`` (pytest-xdist's workers share artifacts/ and build/)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # blocks until the other worker lets go
        yield


def discover_notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS_DIR.glob("*.ipynb") if not p.name.startswith("."))


# ---------------------------------------------------------------------------- the server
USER_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},  # never write back
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},  # no PyPI
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    port: int
    token: str
    root_dir: Path
    base_dir: Path
    proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "jupyter-server.log"

    def notebook_url(self, name: str) -> str:
        # ?reset: JupyterLab does not reopen (and start kernels for) earlier notebooks
        return f"{self.base_url}/lab/tree/{urllib.parse.quote(name)}?reset&token={self.token}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"token {self.token}", "Content-Type": "application/json"}
        req = urllib.request.Request(f"{self.base_url}{path}", data, headers, method=method)
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback only
            raw = r.read()
        return json.loads(raw) if raw else None

    def shutdown_sessions(self, path: str | None = None) -> None:
        """Shut down the sessions (of ``path``, or all) and their kernels."""
        with suppress(OSError, ValueError):  # (urllib's URLError is an OSError)
            for s in self.api("GET", "/api/sessions"):
                if path is None or s.get("path", "").endswith(path):
                    self.api("DELETE", f"/api/sessions/{s['id']}")
            if path is None:
                for k in self.api("GET", "/api/kernels"):
                    self.api("DELETE", f"/api/kernels/{k['id']}")

    def add_file(self, rel_path: str, text: str) -> str:
        """Write a file into the served root; returns its path relative to the root."""
        dest = self.root_dir / rel_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        return rel_path


def start_lab_server(base_dir: Path, python: str = sys.executable) -> LabServer:
    """``python -m jupyter lab`` on 127.0.0.1, a free port and a random token, serving a temp
    copy of notebooks/, with private config, data, runtime, settings and workspace folders and a
    ``python3`` kernelspec that is this interpreter."""
    root = base_dir / "root"
    shutil.copytree(NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    dirs = {
        k: base_dir / k for k in ("config", "data", "runtime", "settings", "workspaces", "ipython")
    }
    for plugin, values in USER_SETTINGS.items():
        path = dirs["settings"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    kdir = dirs["data"] / "kernels" / "python3"
    kdir.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python"}
    (kdir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_PATH=str(dirs["data"]),  # first on the path: our python3 kernelspec wins
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),  # (checked below: autosave is off)
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p),
        JUPYTER_TOKEN=secrets.token_hex(24),  # via env, not argv: keeps it out of `ps`
    )
    server = LabServer(free_port(), env["JUPYTER_TOKEN"], root, base_dir)
    cmd = [python, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    cmd += [f"--ServerApp.port={server.port}", "--ServerApp.port_retries=0"]
    cmd += [f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True"]
    cmd += ["--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly"]
    cmd += ["--JupyterNotebookApp.expose_app_in_browser=True"]  # Notebook 7's window.jupyterapp
    with open(server.log_path, "wb") as log:  # own process group: stop_lab_server kills it
        server.proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:  # until it answers (no page yet to wait in: a poll of the condition)
            try:
                server.api("GET", "/api/status", timeout=5)
                break
            except OSError:  # (urllib.error.URLError is one)
                if server.proc.poll() is not None or time.monotonic() > deadline:
                    log_tail = server.log_path.read_text(errors="replace")[-4000:]
                    raise RuntimeError(f"JupyterLab did not start:\n{log_tail}") from None
                with suppress(subprocess.TimeoutExpired):
                    server.proc.wait(0.05)  # returns at once if the server ends
        argv = server.api("GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]["argv"]
        if Path(argv[0]) != Path(python):
            raise RuntimeError(f"python3 kernelspec runs {argv[0]!r}, expected {python!r}")
        doc = server.api("GET", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        if doc["settings"].get("autosave") is not False:
            raise RuntimeError(f"autosave override not applied: {doc['settings']}")
    except BaseException:
        stop_lab_server(server)
        raise
    _SERVERS.append(server)
    return server


def stop_lab_server(server: LabServer, timeout: float = 15) -> None:
    """Terminate the server by its PID, then kill its process group and its kernels."""
    proc = server.proc
    _SERVERS[:] = [s for s in _SERVERS if s is not server]
    if proc.poll() is None:
        server.shutdown_sessions()
        proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    with suppress(ProcessLookupError, PermissionError):  # the server, if still there, and its group
        os.killpg(proc.pid, signal.SIGKILL)
    # kernels run in sessions of their own: ours name a connection file in our runtime dir
    marker = str(server.base_dir / "runtime") + os.sep
    for entry in Path("/proc").glob("[0-9]*"):
        with suppress(OSError):  # it ended meanwhile, or is not ours to read
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if marker in cmdline and int(entry.name) != os.getpid():
                os.kill(int(entry.name), signal.SIGKILL)


_SERVERS: list[LabServer] = []  # the running one: start_lab_server adds it, stop removes it


def current_server() -> LabServer:
    if not _SERVERS:
        raise RuntimeError("no JupyterLab server: request the lab_server fixture")
    return _SERVERS[-1]


# ---------------------------------------------------------------------------- waiting
# The kernel's status bar item ('Python 3 (ipykernel) | Idle') once Idle (or Dead: its text is
# returned either way); a kernel chooser dialog is accepted.
_IDLE_JS = """(sel) => {
  for (const d of document.querySelectorAll('.jp-Dialog'))
    if (/kernel/i.test(d.innerText)) { const b = d.querySelector('.jp-mod-accept'); if (b) b.click(); }
  const items = [...document.querySelectorAll(sel)];
  const el = items.find(e => (e.getAttribute('title') || '').startsWith('Change kernel'))
          || items.find(e => / \\| \\S/.test(e.textContent || ''));
  const s = el && el.textContent.trim();
  return s && /\\|\\s*(Idle|Dead|Unknown Kernel)$/.test(s) ? s : false;
}"""


def wait_kernel_idle(page, timeout: float = KERNEL_TIMEOUT) -> str:
    """Wait until the status bar says '<kernel> | Idle'."""
    status = page.wait_for_function(
        _IDLE_JS, arg=SEL.statusbar_items, timeout=timeout * 1000, polling=20
    ).json_value()
    assert status.endswith("Idle"), f"kernel died: the status bar says {status!r}"
    return status


_SETTLED_JS = """(sel) => {
  const now = JSON.stringify([...document.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }));
  const same = window.__bpBoxes === now;
  window.__bpBoxes = now;
  return same;
}"""


def settle(page, selector: str = f"{SEL.notebook_panel}, {SEL.live_views}, svg") -> None:
    """Wait until the layout has settled: two consecutive animation frames in which every
    element matching ``selector`` has the same bounding box."""
    page.evaluate("() => { window.__bpBoxes = null; }")
    page.wait_for_function(_SETTLED_JS, arg=selector, polling="raf", timeout=DEFAULT_TIMEOUT_MS)


def wait_data(page, selector: str, attr: str, test_js: str, arg=None, timeout: float = 60) -> Any:
    """Wait until the JSON in ``attr`` of the first ``selector`` satisfies ``test_js``, a JS
    ``(data, arg) => bool``; returns that data. Queried afresh on every animation frame, so a
    view the kernel redraws in between is never held."""
    fn = f"""([sel, attr, arg]) => {{ const e = document.querySelector(sel);
      const d = e && e.getAttribute(attr) ? JSON.parse(e.getAttribute(attr)) : null;
      return d !== null && ({test_js})(d, arg) ? d : false; }}"""
    try:
        return page.wait_for_function(
            fn, arg=[selector, attr, arg], timeout=timeout * 1000, polling="raf"
        ).json_value()
    except Exception as exc:  # noqa: BLE001 - playwright TimeoutError: say what it shows
        loc = page.locator(selector).first
        shown = loc.get_attribute(attr) if loc.count() else None
        raise AssertionError(
            f"{selector} never satisfied {test_js} ({arg!r}); {attr} = {shown}"
        ) from exc


# ---------------------------------------------------------------------------- notebooks
# a page showing JupyterLab as it opened (light theme, no presentation mode, no dialog)
_LAB_AS_OPENED_JS = """() => !!window.jupyterapp && location.pathname.startsWith('/lab')
  && document.body.dataset.jpThemeLight === 'true' && !document.querySelector('.jp-Dialog')
  && !document.body.classList.contains('jp-mod-presentationMode')"""


def close_documents(page) -> None:
    """Close every tab of JupyterLab's main and bottom (log console) areas; kernels stay."""
    if not page.is_closed() and page.evaluate("() => !!window.jupyterapp?.shell"):
        page.evaluate("""() => { for (const a of ['main', 'down'])
          for (const w of [...window.jupyterapp.shell.widgets(a)]) w.dispose(); }""")


def open_notebook(page, name: str):
    """Open ``name`` (relative to the served root), close the file browser, wait for Idle. A page
    showing JupyterLab as it opened keeps it (its tabs closed, ``name`` opened by the document
    manager, as a learner opens the next one); any other loads JupyterLab (~3.5 s of CPU)."""
    if page.evaluate(_LAB_AS_OPENED_JS):
        close_documents(page)
        # not awaited in the page: the waits below see the notebook open (an awaited command's
        # promise was once garbage-collected in Chromium, failing the evaluate: a flake)
        page.evaluate(
            "(n) => { jupyterapp.commands.execute('docmanager:open', {path: n}); return 0; }", name
        )
    else:
        page.goto(current_server().notebook_url(name), wait_until="domcontentloaded")
    page.locator(SEL.notebook_panel).first.wait_for(state="visible", timeout=KERNEL_TIMEOUT * 1000)
    page.wait_for_function("(n) => jupyterapp.shell.currentWidget?.context?.path === n", arg=name)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    wait_kernel_idle(page)
    return page


def run_command(page, command: str, args: dict | None = None):
    """Execute a JupyterLab command through ``window.jupyterapp`` and wait for its promise."""
    res = page.evaluate(
        """async ([cmd, args]) => {
        try { const r = await window.jupyterapp.commands.execute(cmd, args || {});
              return {result: r === undefined ? null : r}; }
        catch (e) { return {error: String(e)}; } }""",
        [command, args],
    )
    if "error" in res:
        raise AssertionError(f"command {command} failed: {res['error']}")
    return res["result"]


# done: every cell drawn (off-screen ones when idle), none at [*], each numbered (or an error)
_RUN_DONE_JS = """(sel) => {
  const cells = window.jupyterapp?.shell?.currentWidget?.content?.widgets || [];
  let running = 0, notRun = 0, drawn = !cells.some(c => c.isPlaceholder?.());
  for (const c of document.querySelectorAll(sel.code_cell)) {
    const p = (c.querySelector(sel.prompt)?.textContent || '').trim();
    const src = (c.querySelector(sel.cell_source)?.textContent || '').trim();
    if (p.includes('*')) running++; else if (src && !/\\[\\d+\\]/.test(p)) notRun++;
  }
  const error = [...document.querySelectorAll(sel.error_output + ', ' + sel.stderr_output)]
    .some(e => e.matches(sel.error_output) || (e.textContent || '').includes('Traceback'));
  return drawn && running === 0 && (notRun === 0 || error);
}"""


def run_all(page, via: str = "command", idle_js: str = "", timeout: float = RUN_ALL_TIMEOUT):
    """Run All Cells (``via`` the command or the Run menu); wait until every cell has run, the
    kernel is Idle (the status bar, or ``idle_js`` where there is none) and no widget is still
    loading."""
    if via == "menu":
        page.locator(SEL.menubar_item, has_text=re.compile(r"^\s*Run\s*$")).first.click()
        page.locator(SEL.menu_item, has_text="Run All Cells").first.click()
        # the menu returns at once: wait until a code cell has been queued or run
        queued = page.locator(f"{SEL.code_cell} {SEL.prompt}", has_text=re.compile(r"[*\d]"))
        queued.first.wait_for(timeout=timeout * 1000)
    else:
        run_command(page, "notebook:run-all-cells")
    page.wait_for_function(_RUN_DONE_JS, arg=asdict(SEL), timeout=timeout * 1000, polling=100)
    if idle_js:
        page.wait_for_function(idle_js, timeout=KERNEL_TIMEOUT * 1000, polling=100)
    else:
        wait_kernel_idle(page)
    wait_widgets_loaded(page)


def wait_widgets_loaded(page, timeout: float = 60) -> None:
    """Wait until no 'Loading widget...' is left (if one stays, collect_errors reports it)."""
    with suppress(Exception):  # playwright's TimeoutError
        page.get_by_text(SEL.loading_text).first.wait_for(state="hidden", timeout=timeout * 1000)


def log_console_errors(page) -> list[str]:
    """The tracebacks widget callbacks sent to the log console (they show in no cell), whole."""
    status = page.locator(f"{SEL.log_console_status}:not(.lm-mod-hidden)")  # "1" for one error
    if not status.count() or not re.match(r"\s*[1-9]", status.first.text_content() or ""):
        return []
    run_command(page, "logconsole:open", {"insertMode": "split-bottom", "activate": False})
    page.locator(SEL.log_console_entry).first.wait_for(state="attached", timeout=30_000)
    entries = page.locator(SEL.log_console_entry).all_inner_texts()
    page.evaluate(
        """(sel) => { for (const a of ['main', 'down'])  // JupyterLab 4 opens it at the bottom
          for (const w of [...window.jupyterapp.shell.widgets(a)]) if (w.node.querySelector(sel)) w.close(); }""",
        SEL.log_console_panel,
    )
    return [e for e in entries if "Traceback" in e or "Error" in e]


DOM_TEXT_JS = """(el) => { const c = (el || document.body).cloneNode(true);  // the page's, or el's
  c.querySelectorAll('script, style').forEach(e => e.remove()); return c.textContent; }"""


def collect_errors(page) -> list[str]:
    """Every error on the page: tracebacks in cells, widgets that failed, callback errors."""
    stderr = page.locator(SEL.stderr_output).all_text_contents()
    errors = [f"stderr output:\n{t}" for t in stderr if "Traceback" in t]
    errors += [f"error output:\n{t}" for t in page.locator(SEL.error_output).all_text_contents()]
    body = page.evaluate(DOM_TEXT_JS)
    for needle in (SEL.widget_error_text, SEL.loading_text):
        if needle in body:
            line = next((ln for ln in body.splitlines() if needle in ln), needle)
            errors.append(f"widget problem on page: {line.strip()[:300]!r}")
    errors += [f"log console (widget callback):\n{e}" for e in log_console_errors(page)]
    return errors


def assert_no_errors(page) -> None:
    wait_widgets_loaded(page)
    errors = collect_errors(page)
    # the whole text: a traceback's message comes last, after paths as long as the checkout's
    assert not errors, "errors on the page:\n\n" + "\n\n".join(errors)


# ---------------------------------------------------------------------------- widgets
def _exact(label: str | re.Pattern) -> re.Pattern:
    return label if isinstance(label, re.Pattern) else re.compile(rf"^\s*{re.escape(label)}\s*$")


def slider_by_label(page, label: str | re.Pattern, scope=None):
    """The ``.widget-slider`` whose description is exactly ``label`` (or matches the regex)."""
    described = page.locator(SEL.widget_label).filter(has_text=_exact(label))
    return (scope or page).locator(SEL.slider).filter(has=described)


def slider_handle(page, label: str | re.Pattern, scope=None):
    return slider_by_label(page, label, scope).locator(SEL.slider_handle).first


def slider_value(handle) -> float:
    """The slider's value exactly as the kernel receives it (``data-bp-value``, set by
    backprop_lib.theme, or noUiSlider's raw ``aria-valuetext``; ``aria-valuenow`` is rounded)."""
    attrs = ("data-bp-value", "aria-valuetext", "aria-valuenow")
    return float(next(v for a in attrs if (v := handle.get_attribute(a))))


def press_slider(page, handle, key: str = "ArrowRight") -> float:
    """Press ``key`` on a slider's handle (a Locator, resolved afresh); returns the handle's
    value then (the view may not have redrawn yet: wait for it, e.g. wait_data)."""
    handle.press(key)
    return slider_value(handle)


def type_into_readout(page, label: str | re.Pattern, value, scope=None) -> None:
    """Click the slider's readout, select all, type ``value``, Enter (the widget clamps it).
    Wait afterwards for what the value changes (``wait_data``)."""
    readout = slider_by_label(page, label, scope).locator(SEL.readout).first
    readout.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def button(page, text: str | re.Pattern, scope=None):
    """An ipywidgets Button by its exact description (str) or a regex."""
    return (scope or page).locator(SEL.button).filter(has_text=_exact(text)).first


def current_step(page, scope=None) -> tuple[int, str]:
    """(data-step-index of ``.bp-step-current``, the text of ``[data-bp=formula]``)."""
    root = scope or page
    index = int(root.locator(SEL.step_current).first.get_attribute(SEL.step_index_attr))
    return index, root.locator(SEL.formula).first.text_content().strip()


def wait_step(page, index: int, scope=None, timeout: float = 60) -> tuple[int, str]:
    """Wait until the highlighted replay step is ``index``; returns current_step()."""
    for part in (SEL.step_current, SEL.formula):
        loc = (scope or page).locator(f'{part}[{SEL.step_index_attr}="{index}"]').first
        loc.wait_for(state="attached", timeout=timeout * 1000)
    return current_step(page, scope)


def step_replay(page, direction: str = "next", scope=None) -> tuple[int, str]:
    """Click the replay's 'step ▶' / '◀ step back' and wait until the highlighted step moved."""
    (before, _), step = current_step(page, scope), 1 if direction == "next" else -1
    button(page, re.compile("▶" if step > 0 else "◀"), scope).click()
    return wait_step(page, before + step, scope)


# ---------------------------------------------------------------------------- screenshots
def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "screenshot"


def shot_path(name: str) -> Path:
    """artifacts/screenshots/<name>.png (the folder made)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR / f"{safe_name(name)}.png"


def screenshot(page, name: str, target=None) -> Path:
    """A screenshot of ``target`` (a Locator) alone, by default of the output holding the first
    ``.bp-view`` (or of the window if there is none)."""
    path = shot_path(name)
    loc = target or page.locator(SEL.output).filter(has=page.locator(SEL.view)).first
    if not loc.count():
        page.screenshot(path=str(path), animations="disabled")
        return path
    vp, box = page.viewport_size, loc.bounding_box()
    grow = vp and box and box["height"] + 250 > vp["height"]  # taller than the window:
    if grow:  # grow the window for the shot, or JupyterLab's bars cover it
        page.set_viewport_size({"width": vp["width"], "height": int(box["height"]) + 250})
    try:
        loc.scroll_into_view_if_needed()
        settle(page)
        loc.screenshot(path=str(path), animations="disabled")
    finally:
        if grow:
            page.set_viewport_size(vp)
            settle(page)
    return path


def shoot_at(page, loc, name: str) -> Path:
    """A window screenshot with ``loc`` scrolled to the middle of the notebook."""
    loc.evaluate("e => e.scrollIntoView({block: 'center'})")
    settle(page)
    page.screenshot(path=str(path := shot_path(name)), animations="disabled")
    return path


# ---------------------------------------------------------------------------- latency
_LATENCY_INSTALL_JS = """(handle, [viewSel, cellSel]) => {
  if (window.__bpLat) window.__bpLat.stop();
  const root = handle.closest(cellSel) || document.body;
  const st = {t0: null, t1: null};
  const inView = (n) => { const el = n && (n.nodeType === 1 ? n : n.parentElement);
                          return !!(el && el.closest(viewSel)); };
  const relevant = (rec) => inView(rec.target) || [...rec.addedNodes].some(
    n => n.nodeType === 1 && (n.matches(viewSel) || n.querySelector(viewSel)));
  const obs = new MutationObserver((recs) => {
    const now = performance.now();
    if (st.t0 !== null && st.t1 === null && recs.some(relevant)) st.t1 = now; });
  obs.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  const onKey = () => { st.t0 = performance.now(); st.t1 = null; };
  window.addEventListener('keydown', onKey, true);
  st.stop = () => { obs.disconnect(); window.removeEventListener('keydown', onKey, true); };
  window.__bpLat = st;
  return root.className;
}"""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    return sorted(values)[max(1, math.ceil(q / 100 * len(values))) - 1]


def measure_latency(page, handle, moves: int = 20, warmup: int = 1) -> dict:
    """Key press on a slider handle -> first mutation of the view in its cell, timed in the page
    (a MutationObserver and a capturing keydown listener on ``performance.now()``). The keys
    alternate → ← so the slider never sticks at a bound; each press waits until the view has
    changed and the kernel is Idle again, so no press queues behind the last."""
    handle.scroll_into_view_if_needed()
    root = handle.evaluate(_LATENCY_INSTALL_JS, [SEL.view, SEL.cell])
    at_top = slider_value(handle) >= float(handle.get_attribute("aria-valuemax"))
    keys = ["ArrowLeft", "ArrowRight"] if at_top else ["ArrowRight", "ArrowLeft"]
    samples, misses = [], 0
    try:
        for i in range(warmup + moves):
            handle.press(keys[i % 2])
            try:  # until the view changed (a miss after 10 s), then until the kernel is Idle
                page.wait_for_function("() => __bpLat.t1 !== null", timeout=10_000, polling="raf")
                if i >= warmup:
                    samples.append(round(page.evaluate("() => __bpLat.t1 - __bpLat.t0"), 2))
            except Exception:  # noqa: BLE001 - playwright TimeoutError: no view update
                misses += i >= warmup
            finally:
                wait_kernel_idle(page)
    finally:
        page.evaluate("() => window.__bpLat && window.__bpLat.stop()")
    if len(samples) < max(1, moves // 2):
        raise AssertionError(f"the view did not update after {misses} of {moves} key presses")
    median, p95 = statistics.median(samples), percentile(samples, 95)
    return {
        "n": len(samples),
        "misses": misses,
        "median_ms": round(median, 2),
        "p95_ms": round(p95, 2),
        "max_ms": max(samples),
        "samples_ms": samples,
        "observed_root": root,
        "targets": dict(LATENCY_TARGETS_MS),
        "meets_targets": median <= LATENCY_TARGETS_MS["median_ms"]
        and p95 <= LATENCY_TARGETS_MS["p95_ms"],
    }


def record_latency(notebook: str, result: dict) -> Path:
    """Merge ``result`` into artifacts/browser_latency.json under ``["notebooks"][notebook]``
    ({"schema": 1, "targets": {...}, "notebooks": {...}}: what figure 4 of benchmarks/figures.py reads)."""
    path = LATENCY_FILE
    with file_lock(path.with_suffix(".lock")):  # the other worker may be writing it too
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        data.update(schema=1, targets=dict(LATENCY_TARGETS_MS))
        data.setdefault("notebooks", {})[notebook] = dict(
            result, measured_at=time.strftime("%Y-%m-%dT%H:%M:%S%z")
        )
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def check_latency(result: dict) -> str:
    """A sentence about the measured latency and its targets."""
    t = LATENCY_TARGETS_MS
    return (
        f"slider->view latency median {result['median_ms']} ms (target <= {t['median_ms']}), "
        f"p95 {result['p95_ms']} ms (target <= {t['p95_ms']}), n={result['n']}"
    )
