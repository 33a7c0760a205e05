"""Browser-test harness for the course notebooks (JupyterLab 4 + ipywidgets 8).

Everything that is not a pytest fixture: the selectors (``SEL``, the only place DOM classes are
spelled), the JupyterLab server, and the page helpers. Every wait is for a condition (a status
bar text, a DOM state, a layout that stopped moving), never for a fixed time:
tests/test_no_fixed_waits.py fails on ``wait_for_timeout`` or ``time.sleep`` in this folder.

DOM facts (JupyterLab 4.6 / ipywidgets 8.1, Chromium 156): the status bar item titled "Change
kernel..." reads "Python 3 (ipykernel) | Idle"; ``window.jupyterapp`` is exposed, and its
``notebook:run-all-cells`` resolves once every cell has run; a cell's error renders as stderr
with a Traceback; exceptions in widget callbacks show in no cell but in the log console (its
status bar item counts them), which ``assert_no_errors`` reads, whole.

Environment: CI=true (a missing Chromium or Playwright fails instead of skipping),
BP_CHROMIUM (the browser, default /usr/bin/chromium), BP_ARTIFACTS_DIR (default artifacts/).
"""

from __future__ import annotations

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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
ARTIFACTS_DIR = Path(os.environ.get("BP_ARTIFACTS_DIR", REPO_ROOT / "artifacts"))
SCREENSHOT_DIR = ARTIFACTS_DIR / "screenshots"
LATENCY_FILE = ARTIFACTS_DIR / "browser_latency.json"

CHROMIUM = os.environ.get("BP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_CHROMIUM_MSG = (
    f"Chromium not found at {CHROMIUM}: install chromium: apt-get install -y chromium"
)

# Timeouts, generous so that a loaded 2-core machine passes (seconds; *_MS milliseconds).
SERVER_START_TIMEOUT = 120
KERNEL_TIMEOUT = 180
RUN_ALL_TIMEOUT = 400
DEFAULT_TIMEOUT_MS = 60_000
LATENCY_TARGETS_MS = {"median_ms": 50.0, "p95_ms": 100.0}


@dataclass(frozen=True)
class Selectors:
    # the course's views (hooks written by backprop_lib)
    view: str = ".bp-view"
    live_views: str = ".bp-explorer, .bp-train, .bp-graph-explorer"
    loss: str = '[data-bp="loss"]'
    grad: str = '[data-bp="grad"]'
    step_current: str = ".bp-step-current"
    step_index_attr: str = "data-step-index"
    formula: str = '[data-bp="formula"]'
    # ipywidgets 8
    widget: str = ".jupyter-widgets"
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

    def grad_for(self, param: str) -> str:
        """The gradient readout of one parameter, e.g. ``SEL.grad_for("w1_1_1")``."""
        return f'{self.grad}[data-param="{param}"]'


SEL = Selectors()


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def skip_or_fail(msg: str):
    """Skip locally, fail when CI=true (a broken CI image cannot pass silently)."""
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def discover_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


# ---------------------------------------------------------------------------- the server
USER_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},  # never write back
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # every cell in the DOM, so the checks see all outputs
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
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
    log_path: Path
    proc: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        # ?reset: JupyterLab does not reopen (and start kernels for) earlier notebooks
        return f"{self.base_url}/lab/tree/{urllib.parse.quote(name)}?reset&token={self.token}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base_url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback only
            raw = r.read()
        return json.loads(raw) if raw else None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"

    def shutdown_sessions(self, path: str | None = None) -> None:
        """Shut down the sessions (of ``path``, or all) and their kernels."""
        try:
            for s in self.api("GET", "/api/sessions"):
                if path is None or s.get("path", "").endswith(path):
                    self.api("DELETE", f"/api/sessions/{s['id']}")
            if path is None:
                for k in self.api("GET", "/api/kernels"):
                    self.api("DELETE", f"/api/kernels/{k['id']}")
        except (urllib.error.URLError, OSError, ValueError):
            pass

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
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    for plugin, values in USER_SETTINGS.items():
        path = dirs["settings"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    kdir = dirs["data"] / "kernels" / "python3"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_PATH=str(dirs["data"]),  # first on the path: our python3 kernelspec wins
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p),
        JUPYTER_TOKEN=secrets.token_hex(24),  # via env, not argv: keeps it out of `ps`
    )
    port = free_port()
    server = LabServer(
        port=port,
        token=env["JUPYTER_TOKEN"],
        root_dir=root,
        base_dir=base_dir,
        log_path=base_dir / "jupyter-server.log",
        env=env,
    )
    cmd = [
        python,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--LabApp.expose_app_in_browser=True",
        "--JupyterNotebookApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",
    ]
    server.proc = subprocess.Popen(
        cmd,
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # own process group
    ready = threading.Event()

    def tee():  # the server's output into its log; `ready` once it listens
        with open(server.log_path, "wb") as log:
            for line in server.proc.stdout:
                log.write(line)
                log.flush()
                if f"127.0.0.1:{port}/" in line.decode(errors="replace"):
                    ready.set()
        ready.set()  # the server ended

    threading.Thread(target=tee, daemon=True).start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        ready.wait(SERVER_START_TIMEOUT)  # it prints its URL, then listens: until it answers
        while server.proc.poll() is None and time.monotonic() < deadline:
            try:
                server.api("GET", "/api/status", timeout=5)
                break
            except (urllib.error.URLError, OSError):
                threading.Event().wait(0.05)  # a poll of the condition, up to the deadline
        else:
            raise RuntimeError(
                f"JupyterLab did not start in {SERVER_START_TIMEOUT} s:\n{server.log_tail()}"
            )
        argv = server.api("GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]["argv"]
        if Path(argv[0]) != Path(python):
            raise RuntimeError(f"python3 kernelspec runs {argv[0]!r}, expected {python!r}")
        doc = server.api("GET", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        if doc["settings"].get("autosave") is not False:
            raise RuntimeError(f"autosave override not applied: {doc['settings']}")
    except BaseException:
        stop_lab_server(server)
        raise
    return server


def stop_lab_server(server: LabServer, timeout: float = 15) -> None:
    """Terminate the server by its PID, then kill its process group and its kernels."""
    proc = server.proc
    if proc.poll() is None:
        server.shutdown_sessions()
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    # kernels run in sessions of their own: ours name a connection file in our runtime dir
    marker = str(server.base_dir / "runtime") + os.sep
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if marker in cmdline and int(entry.name) != os.getpid():
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


def launch_browser(playwright, headless: bool = True):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=headless
    )


_SERVER: LabServer | None = None  # set by the lab_server fixture


def set_current_server(server: LabServer | None) -> None:
    global _SERVER
    _SERVER = server


def current_server() -> LabServer:
    if _SERVER is None:
        raise RuntimeError("no JupyterLab server: request the lab_server fixture")
    return _SERVER


# ---------------------------------------------------------------------------- waiting
_KERNEL_STATUS_JS = """(sel) => {
  const items = [...document.querySelectorAll(sel)];
  const el = items.find(e => (e.getAttribute('title') || '').startsWith('Change kernel'))
          || items.find(e => / \\| \\S/.test(e.textContent || ''));
  return el ? el.textContent.trim() : null;
}"""

# Idle (returns the text); a kernel chooser is accepted; a dead kernel returns its text too.
_IDLE_JS = (
    """(sel) => {
  for (const d of document.querySelectorAll('.jp-Dialog'))
    if (/kernel/i.test(d.innerText)) { const b = d.querySelector('.jp-mod-accept'); if (b) b.click(); }
  const s = ("""
    + _KERNEL_STATUS_JS
    + """)(sel);
  return s && /\\|\\s*(Idle|Dead|Unknown Kernel)$/.test(s) ? s : false;
}"""
)


def kernel_status(page) -> str | None:  # e.g. 'Python 3 (ipykernel) | Idle'
    return page.evaluate(_KERNEL_STATUS_JS, SEL.statusbar_items)


def wait_kernel_idle(page, timeout: float = KERNEL_TIMEOUT) -> str:
    """Wait until the status bar says '<kernel> | Idle'."""
    status = page.wait_for_function(
        _IDLE_JS, arg=SEL.statusbar_items, timeout=timeout * 1000, polling=100
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
        shown = (
            page.locator(selector).first.get_attribute(attr)
            if page.locator(selector).count()
            else None
        )
        raise AssertionError(
            f"{selector} never satisfied {test_js} ({arg!r}); {attr} = {shown}"
        ) from exc


# ---------------------------------------------------------------------------- notebooks
def open_notebook(page, name: str, wait_idle: bool = True):
    """Open ``name`` (relative to the served root), close the file browser, wait for Idle."""
    page.goto(current_server().notebook_url(name), wait_until="domcontentloaded")
    page.locator(SEL.notebook_panel).first.wait_for(state="visible", timeout=KERNEL_TIMEOUT * 1000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget")
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    if wait_idle:
        wait_kernel_idle(page)
    return page


def run_command(page, command: str, args: dict | None = None, timeout: float = RUN_ALL_TIMEOUT):
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


# no cell shows [*], and every non-empty code cell has a number (or an error stopped the run)
_RUN_DONE_JS = """(sel) => {
  let running = 0, notRun = 0;
  for (const c of document.querySelectorAll(sel.code_cell)) {
    const p = (c.querySelector(sel.prompt)?.textContent || '').trim();
    const src = (c.querySelector(sel.cell_source)?.textContent || '').trim();
    if (p.includes('*')) running++; else if (src && !/\\[\\d+\\]/.test(p)) notRun++;
  }
  const error = [...document.querySelectorAll(sel.error_output + ', ' + sel.stderr_output)]
    .some(e => e.matches(sel.error_output) || (e.textContent || '').includes('Traceback'));
  return running === 0 && (notRun === 0 || error);
}"""


def run_all(
    page, via: str = "command", timeout: float = RUN_ALL_TIMEOUT, idle_js: str = ""
) -> None:
    """Run All Cells (``via`` the command or the Run menu); wait until every cell has run, the
    kernel is Idle (the status bar, or ``idle_js`` where there is none) and no widget is still
    loading."""
    if via == "menu":
        page.locator(SEL.menubar_item, has_text=re.compile(r"^\s*Run\s*$")).first.click()
        page.locator(SEL.menu_item, has_text="Run All Cells").first.click()
        # the menu returns at once: wait until the first code cell has been queued or run
        page.wait_for_function(
            "(s) => /[*\\d]/.test(document.querySelector(s)?.textContent || '')",
            arg=f"{SEL.code_cell} {SEL.prompt}",
            timeout=timeout * 1000,
        )
    else:
        run_command(page, "notebook:run-all-cells", timeout=timeout)
    sel = {
        "code_cell": SEL.code_cell,
        "prompt": SEL.prompt,
        "cell_source": SEL.cell_source,
        "error_output": SEL.error_output,
        "stderr_output": SEL.stderr_output,
    }
    page.wait_for_function(_RUN_DONE_JS, arg=sel, timeout=timeout * 1000, polling=100)
    if idle_js:
        page.wait_for_function(idle_js, timeout=KERNEL_TIMEOUT * 1000, polling=100)
    else:
        wait_kernel_idle(page)
    wait_widgets_loaded(page)


def wait_widgets_loaded(page, timeout: float = 60) -> bool:
    """Wait until no 'Loading widget...' is left; False on timeout (assert_no_errors reports it)."""
    try:
        page.wait_for_function(
            "(t) => !document.body.innerText.includes(t)",
            arg=SEL.loading_text,
            timeout=timeout * 1000,
            polling=100,
        )
        return True
    except Exception:  # noqa: BLE001 - playwright TimeoutError
        return False


def log_console_errors(page) -> list[str]:
    """The tracebacks widget callbacks sent to the log console (they show in no cell), whole."""
    count = page.evaluate(
        """(sel) => { const e = document.querySelector(sel);
        return e && !e.classList.contains('lm-mod-hidden') ? parseInt(e.textContent, 10) || 0 : 0; }""",
        SEL.log_console_status,
    )
    if not count:
        return []
    run_command(
        page, "logconsole:open", {"insertMode": "split-bottom", "activate": False}, timeout=30
    )
    page.locator(SEL.log_console_entry).first.wait_for(state="attached", timeout=30_000)
    entries = page.locator(SEL.log_console_entry).all_inner_texts()
    page.evaluate(
        """(sel) => { for (const w of window.jupyterapp.shell.widgets('main'))
                                  if (w.node.querySelector(sel)) w.close(); }""",
        SEL.log_console_panel,
    )
    return [e for e in entries if "Traceback" in e or "Error" in e]


def collect_errors(page) -> list[str]:
    """Every error on the page: tracebacks in cells, widgets that failed, callback errors."""
    errors = [
        f"stderr output:\n{t}"
        for t in page.locator(SEL.stderr_output).all_inner_texts()
        if "Traceback" in t
    ]
    errors += [f"error output:\n{t}" for t in page.locator(SEL.error_output).all_inner_texts()]
    body = page.locator("body").inner_text()
    for needle in (SEL.widget_error_text, SEL.loading_text):
        if needle in body:
            line = next((ln for ln in body.splitlines() if needle in ln), needle)
            errors.append(f"widget problem on page: {line.strip()!r}")
    errors += [f"log console (widget callback):\n{e}" for e in log_console_errors(page)]
    return errors


def assert_no_errors(page) -> None:
    wait_widgets_loaded(page)
    errors = collect_errors(page)
    # the whole text: a traceback's message comes last, after paths as long as the checkout's
    assert not errors, "errors on the page:\n\n" + "\n\n".join(errors)


# ---------------------------------------------------------------------------- widgets
def _exact(label: str | re.Pattern) -> re.Pattern:
    return (
        label if isinstance(label, re.Pattern) else re.compile(r"^\s*" + re.escape(label) + r"\s*$")
    )


def slider_by_label(page, label: str | re.Pattern, scope=None):
    """The ``.widget-slider`` whose description is exactly ``label`` (or matches the regex)."""
    return (
        (scope or page)
        .locator(SEL.slider)
        .filter(has=page.locator(SEL.widget_label).filter(has_text=_exact(label)))
    )


def slider_handle(page, label: str | re.Pattern, scope=None):
    return slider_by_label(page, label, scope).locator(SEL.slider_handle).first


def slider_value(handle) -> float:
    """The slider's value exactly as the kernel receives it (``data-bp-value``, set by
    backprop_lib.theme, or noUiSlider's raw ``aria-valuetext``; ``aria-valuenow`` is rounded)."""
    text = (
        handle.get_attribute("data-bp-value")
        or handle.get_attribute("aria-valuetext")
        or handle.get_attribute("aria-valuenow")
    )
    return float(text)


def press_slider(page, handle, key: str = "ArrowRight", times: int = 1) -> float:
    """Press ``key`` on a slider's handle (a Locator: resolved afresh for every press); returns
    the handle's value then (the view may not have redrawn yet: wait for it, e.g. wait_data)."""
    for _ in range(times):
        handle.press(key)
    return slider_value(handle)


def type_into_readout(page, label: str | re.Pattern, value, scope=None) -> str:
    """Click the slider's readout, select all, type ``value``, Enter (the widget clamps it);
    returns the readout's text. Wait afterwards for what the value changes (``wait_data``)."""
    readout = slider_by_label(page, label, scope).locator(SEL.readout).first
    readout.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")
    return readout.inner_text()


def button(page, text: str | re.Pattern, scope=None):
    """An ipywidgets Button by its exact description (str) or a regex."""
    return (scope or page).locator(SEL.button).filter(has_text=_exact(text)).first


def play_button(page, scope=None):
    return (scope or page).locator(SEL.play_button).first


def current_step(page, scope=None) -> tuple[int, str]:
    """(data-step-index of ``.bp-step-current``, the text of ``[data-bp=formula]``)."""
    root = scope or page
    index = int(root.locator(SEL.step_current).first.get_attribute(SEL.step_index_attr))
    return index, root.locator(SEL.formula).first.inner_text().strip()


def wait_step(page, index: int, scope=None, timeout: float = 60) -> tuple[int, str]:
    """Wait until the highlighted replay step is ``index``; returns current_step()."""
    root = scope or page
    root.locator(f'{SEL.step_current}[{SEL.step_index_attr}="{index}"]').first.wait_for(
        state="attached", timeout=timeout * 1000
    )
    root.locator(f'{SEL.formula}[{SEL.step_index_attr}="{index}"]').first.wait_for(
        state="attached", timeout=timeout * 1000
    )
    return current_step(page, scope)


REPLAY_BUTTONS = {"next": re.compile("▶"), "prev": re.compile("◀")}


def step_replay(page, direction: str = "next", scope=None) -> tuple[int, str]:
    """Click the replay's 'step ▶' / '◀ step back' and wait until the highlighted step moved."""
    before, _ = current_step(page, scope)
    button(page, REPLAY_BUTTONS[direction], scope).click()
    return wait_step(page, before + (1 if direction == "next" else -1), scope)


# ---------------------------------------------------------------------------- screenshots
def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "screenshot"


def screenshot(page, name: str, target=None, full_page: bool = False) -> Path:
    """Save artifacts/screenshots/<name>.png: ``target`` (a Locator or selector) alone, by
    default the output holding the first ``.bp-view`` (else the page)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{safe_name(name)}.png"
    loc = page.locator(target).first if isinstance(target, str) else target
    if loc is None and not full_page:
        loc = page.locator(SEL.output).filter(has=page.locator(SEL.view)).first
    if loc is not None and loc.count() and not full_page:
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
    else:
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def shoot_at(page, loc, name: str | Path) -> Path:
    """A window screenshot (``name``: a Path, or a name in artifacts/screenshots/) with ``loc``
    scrolled to the middle of the notebook."""
    path = name if isinstance(name, Path) else SCREENSHOT_DIR / f"{safe_name(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    loc.evaluate("e => e.scrollIntoView({block: 'center'})")
    settle(page)
    page.screenshot(path=str(path), animations="disabled")
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
    s = sorted(values)
    return s[max(1, math.ceil(q / 100 * len(s))) - 1]


def measure_latency(page, handle, view: str = SEL.view, moves: int = 20, warmup: int = 1) -> dict:
    """Key press on a slider handle -> first mutation of the view in its cell, timed in the page
    (a MutationObserver and a capturing keydown listener on ``performance.now()``). The keys
    alternate → ← so the slider never sticks at a bound; each press waits until the view has
    changed and the kernel is Idle again, so no press queues behind the last."""
    handle.scroll_into_view_if_needed()
    root = handle.evaluate(_LATENCY_INSTALL_JS, [view, SEL.cell])
    hi = float(handle.get_attribute("aria-valuemax"))
    keys = (
        ["ArrowLeft", "ArrowRight"] if slider_value(handle) >= hi else ["ArrowRight", "ArrowLeft"]
    )
    samples, misses = [], 0
    try:
        for i in range(warmup + moves):
            handle.press(keys[i % 2])
            try:
                page.wait_for_function(
                    "() => window.__bpLat.t1 !== null", timeout=10_000, polling="raf"
                )
            except Exception:  # noqa: BLE001 - playwright TimeoutError: no view update
                misses += i >= warmup
                continue
            finally:
                wait_kernel_idle(page)
            if i >= warmup:
                samples.append(
                    round(page.evaluate("() => window.__bpLat.t1 - window.__bpLat.t0"), 2)
                )
    finally:
        page.evaluate("() => window.__bpLat && window.__bpLat.stop()")
    if len(samples) < max(1, moves // 2):
        raise AssertionError(f"view {view!r} did not update after {misses} of {moves} key presses")
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


def record_latency(notebook: str, result: dict, path: Path | None = None) -> Path:
    """Merge ``result`` into artifacts/browser_latency.json under ``["notebooks"][notebook]``
    ({"schema": 1, "targets": {...}, "notebooks": {...}}: what benchmarks/fig_browser.py reads)."""
    path = path or LATENCY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data.update(schema=1, targets=dict(LATENCY_TARGETS_MS))
    data.setdefault("notebooks", {})[notebook] = dict(
        result, measured_at=time.strftime("%Y-%m-%dT%H:%M:%S%z")
    )
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def check_latency(result: dict, strict: bool = False) -> str:
    """A sentence about the targets; raises AssertionError if they are missed and ``strict``."""
    msg = (
        f"slider->view latency median {result['median_ms']} ms (target <= "
        f"{LATENCY_TARGETS_MS['median_ms']}), p95 {result['p95_ms']} ms (target <= "
        f"{LATENCY_TARGETS_MS['p95_ms']}), n={result['n']}"
    )
    assert result["meets_targets"] or not strict, msg
    return msg
