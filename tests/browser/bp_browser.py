"""Browser-test harness for the course notebooks (JupyterLab 4 + ipywidgets 8).

Everything the browser tests need that is not a pytest fixture lives here:
the selectors (``SEL``, the only place where DOM classes are spelled), the
JupyterLab server launcher, and the page helpers. ``conftest.py`` wraps the
server and the browser in fixtures and re-exports these helpers; test modules
import them with ``from bp_browser import ...`` (conftest puts this folder on
``sys.path``, so this works with any pytest import mode).

DOM facts this relies on (checked on JupyterLab 4.6 / ipywidgets 8.1,
jupyterlab_widgets 3.0, Chromium 156):

* kernel status: the status bar item
  ``#jp-main-statusbar .jp-StatusBar-Left .jp-StatusBar-TextItem[title^="Change kernel"]``
  reads ``"Python 3 (ipykernel) | Idle"`` (before that ``"No Kernel | Initializing"``,
  ``"… | Connecting"``, ``"… | Unknown"``). The toolbar's
  ``.jp-Notebook-ExecutionIndicator[data-status]`` says ``idle`` before the
  kernel has even connected, so it is not used.
* ``window.jupyterapp`` exists when the server runs with
  ``--LabApp.expose_app_in_browser=True`` (we do); ``notebook:run-all-cells``
  returns a promise that resolves once every cell has run.
* a slider: ``.widget-slider`` (also ``.widget-hslider``) holding
  ``label.widget-label`` (the description), the noUiSlider handle
  ``.noUi-handle[role=slider][tabindex=0]`` with ``aria-valuenow``, and the
  readout ``div.widget-readout[contenteditable=true]`` (Enter or blur commits).
* widget errors: the renderer writes ``"Loading widget..."`` while waiting for
  the model and ``"Error displaying widget: model not found"`` if it never
  comes. Exceptions raised in widget callbacks do NOT show in any cell: they
  go to JupyterLab's log console (status bar ``.jp-LogConsoleStatusItem``
  shows a count), which ``assert_no_errors`` therefore reads as well.
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
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
NOTEBOOKS_DIR = Path(os.environ.get("BP_NOTEBOOKS_DIR", REPO_ROOT / "notebooks"))
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

# Timeouts (seconds unless *_MS); generous so a loaded 2-core CI machine passes.
SERVER_START_TIMEOUT = float(os.environ.get("BP_SERVER_TIMEOUT", "90"))
KERNEL_TIMEOUT = float(os.environ.get("BP_KERNEL_TIMEOUT", "120"))
RUN_ALL_TIMEOUT = float(os.environ.get("BP_RUN_ALL_TIMEOUT", "300"))
WIDGET_TIMEOUT = float(os.environ.get("BP_WIDGET_TIMEOUT", "30"))
DEFAULT_TIMEOUT_MS = 30_000

LATENCY_TARGETS_MS = {"median_ms": 50.0, "p95_ms": 100.0}


# --------------------------------------------------------------------------
# Selectors: the one place where DOM classes / attributes are written down.
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Selectors:
    # Project views (stable hooks emitted by backprop_lib's widgets).
    view: str = ".bp-view"
    loss: str = '[data-bp="loss"]'
    grad: str = '[data-bp="grad"]'
    step_current: str = ".bp-step-current"
    step_index_attr: str = "data-step-index"
    formula: str = '[data-bp="formula"]'
    # ipywidgets 8.
    widget: str = ".jupyter-widgets"
    slider: str = ".widget-slider"
    widget_label: str = ".widget-label"
    slider_handle: str = ".noUi-handle"
    readout: str = ".widget-readout"
    button: str = "button.widget-button"
    play_button: str = ".widget-play button:has(.fa-play)"
    stop_button: str = ".widget-play button:has(.fa-stop)"
    loading_text: str = "Loading widget..."
    widget_error_text: str = "Error displaying widget"
    # JupyterLab 4.
    statusbar_items: str = "#jp-main-statusbar .jp-StatusBar-Left .jp-StatusBar-TextItem"
    kernel_status_title_prefix: str = "Change kernel"
    notebook: str = ".jp-Notebook"
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
    dialog: str = ".jp-Dialog"
    dialog_accept: str = ".jp-Dialog .jp-mod-accept"
    menubar_item: str = ".lm-MenuBar-item"
    menu_item: str = ".lm-Menu-item"

    def grad_for(self, param: str) -> str:
        """Gradient readout of one parameter, e.g. ``SEL.grad_for("w1_1_1")``."""
        return f'{self.grad}[data-param="{param}"]'


SEL = Selectors()


# --------------------------------------------------------------------------
# Availability checks
# --------------------------------------------------------------------------
def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def skip_or_fail(msg: str, module_level: bool = False):
    """Skip locally, fail when CI=true (so a broken CI image cannot pass silently)."""
    import pytest

    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg, allow_module_level=module_level)


def discover_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


# --------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------
USER_SETTINGS = {
    # Never write notebooks back (the served root is a temp copy anyway).
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # No "Would you like to receive official Jupyter news?" toast, no update check.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # Keep every cell in the DOM, so error checks and selectors see all outputs.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No extension manager (it would talk to PyPI).
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
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

    def notebook_url(self, name: str, reset: bool = True) -> str:
        # ?reset drops the saved workspace layout, otherwise JupyterLab reopens
        # (and starts kernels for) every notebook an earlier test opened.
        query = ("reset&" if reset else "") + f"token={self.token}"
        return f"{self.base_url}/lab/tree/{urllib.parse.quote(name)}?{query}"

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

    def shutdown_sessions(self) -> None:
        """Shut down every kernel/session (called after each test)."""
        try:
            for s in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{s['id']}")
            for k in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{k['id']}")
        except (urllib.error.URLError, OSError, ValueError):
            pass

    def add_file(self, rel_path: str, src: Path | str | bytes) -> str:
        """Copy/write a file into the served root; returns the relative path."""
        dest = self.root_dir / rel_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, Path):
            shutil.copyfile(src, dest)
        elif isinstance(src, bytes):
            dest.write_bytes(src)
        else:
            dest.write_text(src, encoding="utf-8")
        return rel_path


def _write_settings(settings_dir: Path) -> None:
    for plugin, values in USER_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")


def _write_kernelspec(data_dir: Path, python: str) -> None:
    """A 'python3' kernelspec that is exactly this interpreter (first on the path)."""
    kdir = data_dir / "kernels" / "python3"
    kdir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def start_lab_server(
    base_dir: Path, notebooks_dir: Path = NOTEBOOKS_DIR, python: str = sys.executable
) -> LabServer:
    """Start ``python -m jupyter lab`` on 127.0.0.1 serving a temp copy of ``notebooks_dir``."""
    base_dir = Path(base_dir)
    root = base_dir / "root"
    if notebooks_dir.is_dir():
        shutil.copytree(
            notebooks_dir, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )
    else:
        root.mkdir(parents=True)
    dirs = {
        k: base_dir / k for k in ("config", "data", "runtime", "settings", "workspaces", "ipython")
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    _write_settings(dirs["settings"])
    _write_kernelspec(dirs["data"], python)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        # In a venv jupyter_core prefers <venv>/share/jupyter over JUPYTER_DATA_DIR;
        # JUPYTER_PATH always comes first, so our python3 kernelspec wins.
        JUPYTER_PATH=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        # Kernels can import the project even if it is not installed in the venv.
        PYTHONPATH=os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    )
    token = secrets.token_hex(24)
    env["JUPYTER_TOKEN"] = token  # via env, not argv: keeps it out of `ps`

    last_err = ""
    for _attempt in range(3):
        port = free_port()
        log_path = base_dir / f"jupyter-server-{port}.log"
        cmd = [
            python, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
        ]  # fmt: skip
        server = LabServer(
            port=port, token=token, root_dir=root, base_dir=base_dir, log_path=log_path, env=env
        )
        with open(log_path, "wb") as log:
            server.proc = subprocess.Popen(
                cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group, away from pytest's
            )  # fmt: skip
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        try:
            while time.monotonic() < deadline:
                if server.proc.poll() is not None:
                    break
                try:
                    server.api("GET", "/api/status", timeout=2)
                except (urllib.error.URLError, OSError, ValueError):
                    time.sleep(0.2)
                    continue
                _check_server_setup(server, python)
                return server
        except BaseException:
            stop_lab_server(server)
            raise
        last_err = server.log_tail()
        stop_lab_server(server)
    raise RuntimeError(f"JupyterLab did not start within {SERVER_START_TIMEOUT}s:\n{last_err}")


def _check_server_setup(server: LabServer, python: str) -> None:
    specs = server.api("GET", "/api/kernelspecs")
    argv = specs["kernelspecs"]["python3"]["spec"]["argv"]
    if Path(argv[0]) != Path(python):
        raise RuntimeError(f"python3 kernelspec runs {argv[0]!r}, expected {python!r}")
    docmanager = server.api("GET", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    if docmanager["settings"].get("autosave") is not False:
        raise RuntimeError(f"autosave override not applied: {docmanager['settings']}")


def stop_lab_server(server: LabServer, timeout: float = 10) -> None:
    """Terminate the server by its PID, then kill it (and its kernels' process group)."""
    proc = server.proc
    if proc is None:
        return
    if proc.poll() is None:
        server.shutdown_sessions()
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    try:  # anything left in the server's own process group (its id is the server's PID)
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _reap_kernels(server.base_dir / "runtime")


def _reap_kernels(runtime_dir: Path) -> None:
    """Kill kernels the server left behind, by PID.

    jupyter_client starts each kernel in a session of its own, so they are not
    in the server's process group; ours are the processes whose command line
    names a connection file in this server's private runtime dir.
    """
    marker = str(runtime_dir) + os.sep
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and int(entry.name) != os.getpid():
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# --------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------
def launch_browser(playwright, headless: bool = True):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=headless
    )


_SERVER: LabServer | None = None  # set by the lab_server fixture; used by open_notebook


def set_current_server(server: LabServer | None) -> None:
    global _SERVER
    _SERVER = server


def current_server() -> LabServer:
    if _SERVER is None:
        raise RuntimeError("no JupyterLab server: request the lab_server fixture (page does)")
    return _SERVER


# --------------------------------------------------------------------------
# Page helpers
# --------------------------------------------------------------------------
_KERNEL_STATUS_JS = """([itemsSel, titlePrefix]) => {
  const items = [...document.querySelectorAll(itemsSel)];
  const el = items.find(e => (e.getAttribute('title') || '').startsWith(titlePrefix))
          || items.find(e => / \\| \\S/.test(e.textContent || ''));
  return el ? el.textContent.trim() : null;
}"""

_CELLS_STATE_JS = """([sel]) => {
  const cells = [...document.querySelectorAll(sel.code_cell)];
  let running = 0, notRun = 0;
  for (const c of cells) {
    const p = (c.querySelector(sel.prompt)?.textContent || '').trim();
    const src = (c.querySelector(sel.cell_source)?.textContent || '').trim();
    if (p.includes('*')) running++;
    else if (src && !/\\[\\d+\\]/.test(p)) notRun++;
  }
  const errors = document.querySelectorAll(sel.error_output).length;
  return {cells: cells.length, running, notRun, errors};
}"""


def kernel_status(page) -> str | None:
    """Status bar kernel text, e.g. 'Python 3 (ipykernel) | Idle' (None if not shown)."""
    return page.evaluate(_KERNEL_STATUS_JS, [SEL.statusbar_items, SEL.kernel_status_title_prefix])


def _handle_dialog(page) -> None:
    """Accept a 'Select Kernel' dialog; fail on any other modal dialog."""
    dialog = page.locator(SEL.dialog)
    if dialog.count() and dialog.first.is_visible():
        text = dialog.first.inner_text()
        if "kernel" in text.lower():
            page.locator(SEL.dialog_accept).first.click()
        else:
            raise AssertionError(f"unexpected JupyterLab dialog:\n{text}")


def wait_kernel_idle(page, timeout: float = KERNEL_TIMEOUT, settle: float = 0.3) -> str:
    """Wait until the status bar says '<kernel> | Idle' (stable for ``settle`` s)."""
    deadline = time.monotonic() + timeout
    idle_since = None
    status = None
    while time.monotonic() < deadline:
        _handle_dialog(page)
        status = kernel_status(page)
        if status and re.search(r"\|\s*Idle$", status):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle:
                return status
        else:
            idle_since = None
            if status and re.search(r"\|\s*(Dead|Unknown Kernel)$", status):
                raise AssertionError(f"kernel died: status bar says {status!r}")
        time.sleep(0.1)
    raise AssertionError(f"kernel not Idle after {timeout}s (status bar: {status!r})")


def open_notebook(page, name: str, server: LabServer | None = None, wait_idle: bool = True):
    """Open ``name`` (path relative to the served root) and wait until its kernel is Idle."""
    server = server or current_server()
    page.goto(server.notebook_url(name), wait_until="domcontentloaded")
    page.locator(SEL.notebook_panel).first.wait_for(state="visible", timeout=KERNEL_TIMEOUT * 1000)
    page.evaluate("() => window.jupyterapp && window.jupyterapp.shell.collapseLeft()")
    if wait_idle:
        wait_kernel_idle(page)
    return page


def has_app(page) -> bool:
    return bool(page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.commands)"))


def run_command(page, command: str, args: dict | None = None, timeout: float = RUN_ALL_TIMEOUT):
    """Execute a JupyterLab command through ``window.jupyterapp`` and wait for its promise."""
    page.evaluate(
        """([cmd, args]) => {
             window.__bpCmd = {done: false};
             window.jupyterapp.commands.execute(cmd, args || {}).then(
               r => { window.__bpCmd = {done: true, result: (r === undefined ? null : r)}; },
               e => { window.__bpCmd = {done: true, error: String(e)}; });
           }""",
        [command, args],
    )
    page.wait_for_function(
        "() => window.__bpCmd && window.__bpCmd.done", timeout=timeout * 1000, polling=100
    )
    res = page.evaluate("() => window.__bpCmd")
    if "error" in res:
        raise AssertionError(f"command {command} failed: {res['error']}")
    return res.get("result")


def _run_all_via_menu(page) -> None:
    page.locator(SEL.menubar_item, has_text=re.compile(r"^\s*Run\s*$")).first.click()
    page.locator(SEL.menu_item, has_text="Run All Cells").first.click()


def run_all(page, timeout: float = RUN_ALL_TIMEOUT, via: str = "auto") -> None:
    """Run All Cells; wait until no cell shows [*], every non-empty code cell has a
    number (or an error stopped the run), the kernel is Idle and widgets have loaded.

    ``via``: "command" (``notebook:run-all-cells`` through ``window.jupyterapp``),
    "menu" (Run > Run All Cells) or "auto" (command if the app is exposed).
    """
    t0 = time.monotonic()
    if via == "command" or (via == "auto" and has_app(page)):
        run_command(page, "notebook:run-all-cells", timeout=timeout)
    else:
        prompts = page.locator(SEL.prompt).all_inner_texts()
        _run_all_via_menu(page)
        try:  # the menu returns at once: wait until the run has visibly started
            page.wait_for_function(
                "([sel, before]) => { const now = [...document.querySelectorAll(sel)].map(e => e.innerText);"
                " return now.some(t => t.includes('*')) || JSON.stringify(now) !== JSON.stringify(before); }",
                arg=[SEL.prompt, prompts],
                timeout=5000,
                polling=50,
            )
        except Exception:  # noqa: BLE001 - a notebook without code cells changes nothing
            pass
    sel = {"code_cell": SEL.code_cell, "prompt": SEL.prompt, "cell_source": SEL.cell_source,
           "error_output": SEL.error_output}  # fmt: skip
    deadline = t0 + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(_CELLS_STATE_JS, [sel])
        if state["running"] == 0 and (state["notRun"] == 0 or state["errors"] > 0):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"Run All did not finish within {timeout}s: {state}")
    wait_kernel_idle(page, timeout=max(5.0, deadline - time.monotonic()))
    wait_widgets_loaded(page)


def wait_widgets_loaded(page, timeout: float = WIDGET_TIMEOUT) -> bool:
    """Wait until no 'Loading widget...' placeholder is left; False on timeout."""
    try:
        page.wait_for_function(
            "(t) => !document.body.innerText.includes(t)",
            arg=SEL.loading_text,
            timeout=timeout * 1000,
            polling=100,
        )
        return True
    except Exception:  # noqa: BLE001 - playwright TimeoutError; reported by assert_no_errors
        return False


def log_console_errors(page) -> list[str]:
    """Tracebacks that widget callbacks sent to the log console (they show in no cell)."""
    count = page.evaluate(
        """(sel) => { const e = document.querySelector(sel);
                       if (!e || e.classList.contains('lm-mod-hidden')) return 0;
                       return parseInt(e.textContent, 10) || 0; }""",
        SEL.log_console_status,
    )
    if not count or not has_app(page):
        return []
    run_command(
        page, "logconsole:open", {"insertMode": "split-bottom", "activate": False}, timeout=10
    )
    page.locator(SEL.log_console_entry).first.wait_for(state="attached", timeout=5000)
    entries = page.locator(SEL.log_console_entry).all_inner_texts()
    # Close the log console again so it does not end up in screenshots.
    page.evaluate(
        """(panelSel) => { for (const w of window.jupyterapp.shell.widgets('main'))
                             if (w.node.querySelector(panelSel)) { w.close(); } }""",
        SEL.log_console_panel,
    )
    return [e for e in entries if "Traceback" in e or "Error" in e]


def collect_errors(page) -> list[str]:
    """Every error visible on the page (see assert_no_errors)."""
    errors: list[str] = []
    for loc in page.locator(SEL.stderr_output).all():
        text = loc.inner_text()
        if "Traceback" in text:
            errors.append(f"stderr output:\n{text}")
    for loc in page.locator(SEL.error_output).all():
        errors.append(f"error output:\n{loc.inner_text()}")
    body = page.locator("body").inner_text()
    for needle in (SEL.widget_error_text, SEL.loading_text):
        if needle in body:
            line = next((ln for ln in body.splitlines() if needle in ln), needle)
            errors.append(f"widget problem on page: {line.strip()!r}")
    errors.extend(f"log console (widget callback):\n{e}" for e in log_console_errors(page))
    return errors


def assert_no_errors(page) -> None:
    """No traceback/error output, no 'Error displaying widget' / 'Loading widget...'
    left, and no callback traceback in the log console."""
    wait_widgets_loaded(page)
    errors = collect_errors(page)
    # The whole text: a traceback's message comes last, after paths as long as the checkout's.
    assert not errors, "errors on the page:\n\n" + "\n\n".join(errors)


def _exact(label: str | re.Pattern) -> re.Pattern:
    if isinstance(label, re.Pattern):
        return label
    return re.compile(r"^\s*" + re.escape(label) + r"\s*$")


def slider_by_label(page, label: str | re.Pattern, scope=None):
    """The ipywidgets slider whose description is exactly ``label`` (str) or matches it (regex).

    Returns a Locator of the ``.widget-slider`` box; use ``.locator(SEL.slider_handle)``
    / ``.locator(SEL.readout)`` or ``slider_handle()`` / ``slider_readout()``.
    """
    root = scope or page
    label_loc = page.locator(SEL.widget_label).filter(has_text=_exact(label))
    return root.locator(SEL.slider).filter(has=label_loc)


def slider_handle(page, label: str | re.Pattern, scope=None):
    return slider_by_label(page, label, scope).locator(SEL.slider_handle).first


def slider_readout(page, label: str | re.Pattern, scope=None):
    return slider_by_label(page, label, scope).locator(SEL.readout).first


def slider_value(handle) -> float:
    """The slider's value exactly as the kernel receives it.

    ``aria-valuetext`` carries noUiSlider's raw float (e.g. 0.8999999999999999
    after 0.8 + one ArrowRight with step 0.1) and it is what ipywidgets sends to
    the kernel, also after typing into the readout; ``aria-valuenow`` is rounded
    ("0.9"). Compute expected values from this, or compare with ``expect_number``.
    """
    text = (handle.get_attribute("data-bp-value")  # set by backprop_lib.theme.A11Y_JS, which
            or handle.get_attribute("aria-valuetext")  # makes aria-valuetext the readout
            or handle.get_attribute("aria-valuenow"))
    return float(text)


def press_slider(page, handle, key: str = "ArrowRight", times: int = 1) -> float:
    """Focus the noUiSlider handle and press ``key``; returns the new aria-valuenow.

    One ArrowRight/ArrowLeft moves by the slider's step; PageUp/PageDown and
    Home/End work too.
    """
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    return slider_value(handle)


def type_into_readout(page, label: str | re.Pattern, value, scope=None) -> str:
    """Click the slider's contenteditable readout, select all, type ``value``, Enter.

    Returns the readout text after the widget re-formatted it (e.g. '1.30');
    values outside [min, max] are clamped by the widget.
    """
    readout = slider_readout(page, label, scope)
    before = readout.inner_text()
    readout.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")
    # The widget re-formats the text on commit; wait until it is no longer our raw typing
    # (or unchanged, if the value was the same).
    try:
        page.wait_for_function(
            "([el, typed, before]) => el.textContent !== typed || typed === before",
            arg=[readout.element_handle(), str(value), before],
            timeout=5000,
            polling=50,
        )
    except Exception:  # noqa: BLE001 - readout shows exactly what was typed (e.g. '2')
        pass
    return readout.inner_text()


# ---- replay ---------------------------------------------------------------
def button(page, text: str | re.Pattern, scope=None):
    """An ipywidgets Button by its exact description (str) or a regex, e.g. '◀', 'reset'."""
    return (scope or page).locator(SEL.button).filter(has_text=_exact(text)).first


def play_button(page, scope=None):
    """The Play widget's ▶ button (falls back to a Button described 'Play')."""
    loc = (scope or page).locator(SEL.play_button)
    return loc.first if loc.count() else button(page, "Play", scope)


def current_step(page, scope=None) -> tuple[int, str]:
    """(data-step-index of ``.bp-step-current``, text of ``[data-bp=formula]``)."""
    root = scope or page
    step = root.locator(SEL.step_current).first
    formula = root.locator(SEL.formula).first
    return int(step.get_attribute(SEL.step_index_attr)), formula.inner_text().strip()


def wait_step(page, index: int, timeout: float = 10, scope=None) -> tuple[int, str]:
    """Wait until the highlighted replay step is ``index``; returns current_step()."""
    root = scope or page
    root.locator(f'{SEL.step_current}[{SEL.step_index_attr}="{index}"]').first.wait_for(
        state="attached", timeout=timeout * 1000
    )
    return current_step(page, scope)


REPLAY_BUTTONS = {"next": re.compile("▶"), "prev": re.compile("◀")}


def step_replay(
    page,
    direction: str = "next",
    scope=None,
    timeout: float = 10,
    label: str | re.Pattern | None = None,
) -> tuple[int, str]:
    """Click the replay's next/prev Button and wait until the highlighted step changes.

    By default the first ipywidgets Button whose text contains '▶' (next) or '◀'
    (prev) — e.g. "▶", "step ▶", "◀ step back"; the Play widget's icon buttons
    are not ``.widget-button`` so they never match. ``label`` overrides (str = exact).
    """
    before, _ = current_step(page, scope)
    button(page, label or REPLAY_BUTTONS[direction], scope).click()
    root = scope or page
    root.locator(f'{SEL.step_current}:not([{SEL.step_index_attr}="{before}"])').first.wait_for(
        state="attached", timeout=timeout * 1000
    )
    return current_step(page, scope)


# ---- text of the view -------------------------------------------------------
def number(page, selector: str, scope=None) -> float:
    """The numeric text of the first element matching ``selector``."""
    text = (scope or page).locator(selector).first.inner_text()
    m = re.search(r"[-+−]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", text)
    if not m:
        raise AssertionError(f"no number in {selector!r}: {text!r}")
    return float(m.group(0).replace("−", "-"))


def expect_number(
    page, selector: str, expected: float, tol: float | None = None, timeout: float = 15, scope=None
):
    """Wait until the number shown by ``selector`` equals ``expected`` within ``tol``.

    Default ``tol``: half a unit of the last decimal shown (so '0.3612' matches
    0.36125 - 1e-17), plus a little slack for float noise.
    """
    deadline = time.monotonic() + timeout
    shown = None
    while True:
        try:
            text = (scope or page).locator(selector).first.inner_text(timeout=1000)
            m = re.search(r"[-+−]?\d+(?:\.(\d*))?(?:[eE][-+]?\d+)?", text)
            if m:
                shown = float(m.group(0).replace("−", "-"))
                decimals = len(m.group(1) or "")
                t = tol if tol is not None else 0.5 * 10**-decimals * (1 + 1e-6) + 1e-12
                if abs(shown - expected) <= t:
                    return shown
        except Exception:  # noqa: BLE001 - element not there yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector!r} shows {shown!r}, expected {expected!r}")
        time.sleep(0.05)


# --------------------------------------------------------------------------
# Screenshots
# --------------------------------------------------------------------------
def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "screenshot"


def screenshot(
    page, name: str, target=None, full_page: bool = False, out_dir: Path | None = None
) -> Path:
    """Save ``<out_dir>/<name>.png`` (default artifacts/screenshots/).

    ``target`` (Locator or selector) is shot alone; by default the output of
    the first ``.bp-view`` (with its sliders, if they share the output) is
    shot, falling back to the last widget output, then to the whole page.
    """
    out_dir = out_dir or SCREENSHOT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{_safe(name)}.png"
    loc = None
    if isinstance(target, str):
        loc = page.locator(target).first
    elif target is not None:
        loc = target
    else:
        for cand in (
            page.locator(SEL.output).filter(has=page.locator(SEL.view)).first,
            page.locator(SEL.output).filter(has=page.locator(SEL.widget)).last,
        ):
            if cand.count():
                loc = cand
                break
    if loc is not None and loc.count() and not full_page:
        # An element taller than the viewport would be shot through JupyterLab's
        # fixed menu/toolbar: grow the viewport for the shot, then restore it.
        vp = page.viewport_size
        box = loc.bounding_box()
        grow = vp and box and box["height"] + 250 > vp["height"]
        if grow:
            page.set_viewport_size({"width": vp["width"], "height": int(box["height"]) + 250})
        try:
            loc.scroll_into_view_if_needed()
            loc.screenshot(path=str(path), animations="disabled")
        finally:
            if grow:
                page.set_viewport_size(vp)
    else:
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


# --------------------------------------------------------------------------
# Latency
# --------------------------------------------------------------------------
_LATENCY_INSTALL_JS = """(handle, [viewSel, cellSel, notebookSel]) => {
  if (window.__bpLat) window.__bpLat.stop();
  const cell = handle.closest(cellSel);
  const root = cell && cell.querySelector(viewSel) ? cell : (handle.closest(notebookSel) || document.body);
  const st = {t0: null, t1: null, moves: 0};
  const inView = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest(viewSel));
  };
  const relevant = (rec) => {
    if (inView(rec.target)) return true;
    for (const n of rec.addedNodes)
      if (n.nodeType === 1 && (n.matches(viewSel) || n.querySelector(viewSel))) return true;
    return false;
  };
  const obs = new MutationObserver((recs) => {
    const now = performance.now();
    if (st.t0 === null || st.t1 !== null) return;
    if (recs.some(relevant)) st.t1 = now;
  });
  obs.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  const onKey = () => { st.t0 = performance.now(); st.t1 = null; st.moves++; };
  window.addEventListener('keydown', onKey, true);
  st.stop = () => { obs.disconnect(); window.removeEventListener('keydown', onKey, true); };
  st.root = root.className;
  window.__bpLat = st;
  return root.className;
}"""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(values)
    k = max(1, math.ceil(q / 100 * len(s)))
    return s[k - 1]


def measure_latency(
    page,
    handle,
    view: str = SEL.view,
    moves: int = 20,
    gap_ms: float = 500,
    keys: tuple[str, str] = ("ArrowRight", "ArrowLeft"),
    timeout_ms: float = 5000,
    warmup: int = 1,
) -> dict:
    """Key press on a slider handle -> first mutation of the view, measured in the page.

    A MutationObserver on the view's cell (stable even when the HTML widget
    replaces its content) and a capturing keydown listener record
    ``performance.now()``; only mutations inside ``view`` (or adding one) count.
    Keys alternate between ``keys`` so the slider never sticks at a bound;
    key presses are at least ``gap_ms`` apart. Returns samples, median, p95.
    """
    handle.scroll_into_view_if_needed()
    page.locator(view).first.wait_for(state="attached")
    root = handle.evaluate(_LATENCY_INSTALL_JS, [view, SEL.cell, SEL.notebook])
    handle.focus()
    lo, hi = (
        float(handle.get_attribute("aria-valuemin")),
        float(handle.get_attribute("aria-valuemax")),
    )
    order = list(keys) if slider_value(handle) < hi else list(reversed(keys))
    if slider_value(handle) <= lo:
        order = list(keys)
    samples: list[float] = []
    misses = 0
    last = 0.0
    try:
        for i in range(warmup + moves):
            wait = last + gap_ms / 1000 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last = time.monotonic()
            page.keyboard.press(order[i % 2])
            try:
                page.wait_for_function(
                    "() => window.__bpLat.t1 !== null", timeout=timeout_ms, polling="raf"
                )
            except Exception:  # noqa: BLE001 - playwright TimeoutError: no view update
                if i >= warmup:
                    misses += 1
                continue
            dt = page.evaluate("() => window.__bpLat.t1 - window.__bpLat.t0")
            if i >= warmup:
                samples.append(round(dt, 2))
    finally:
        page.evaluate("() => window.__bpLat && window.__bpLat.stop()")
    if len(samples) < max(1, moves // 2):
        raise AssertionError(
            f"view {view!r} did not update after {misses} of {moves} slider key presses"
        )
    return {
        "n": len(samples),
        "misses": misses,
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "max_ms": max(samples),
        "samples_ms": samples,
        "gap_ms": gap_ms,
        "observed_root": root,
        "targets": dict(LATENCY_TARGETS_MS),
        "meets_targets": statistics.median(samples) <= LATENCY_TARGETS_MS["median_ms"]
        and percentile(samples, 95) <= LATENCY_TARGETS_MS["p95_ms"],
    }


def record_latency(
    notebook: str, result: dict, section: str = "notebooks", path: Path | None = None
) -> Path:
    """Merge ``result`` into artifacts/browser_latency.json under ``[section][notebook]``.

    Layout: {"schema": 1, "targets": {...}, "notebooks": {"NAME.ipynb": {median_ms, p95_ms, ...}},
    "selftest": {...}} — benchmark scripts should read "notebooks".
    """
    path = path or LATENCY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data["schema"] = 1
    data["targets"] = dict(LATENCY_TARGETS_MS)
    entry = dict(result, measured_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    data.setdefault(section, {})[notebook] = entry
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def check_latency(result: dict, strict: bool | None = None) -> str:
    """Message about the targets; raises AssertionError if missed and strict
    (default: strict when BP_LATENCY_STRICT=1)."""
    if strict is None:
        strict = os.environ.get("BP_LATENCY_STRICT") == "1"
    msg = (
        f"slider->view latency median {result['median_ms']} ms (target <= {LATENCY_TARGETS_MS['median_ms']}), "
        f"p95 {result['p95_ms']} ms (target <= {LATENCY_TARGETS_MS['p95_ms']}), n={result['n']}"
    )
    if strict:
        assert result["meets_targets"], msg
    return msg
