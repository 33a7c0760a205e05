"""Fixtures for the browser tests: ONE JupyterLab server, ONE headless Chromium and ONE JupyterLab
page for the whole session (``lab_server``, ``browser``, ``browser_context``, ``lab_page``), and
``page``, that page for one test (its notebook's tabs closed and kernels shut down after it).

A failing test leaves ``artifacts/screenshots/FAILED-<test>.png`` and
``artifacts/console/FAILED-<test>.log`` (the page's console and uncaught errors) and prints
both paths. The helpers live in bp_browser.py (``from bp_browser import ...``).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:  # importable under any --import-mode
    sys.path.insert(0, str(_HERE))

from bp_browser import (  # noqa: E402
    ARTIFACTS_DIR,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    MISSING_CHROMIUM_MSG,
    chromium_available,
    close_documents,
    run_command,
    safe_name,
    shot_path,
    skip_or_fail,
    start_lab_server,
    stop_lab_server,
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: end-to-end test in headless Chromium against a real JupyterLab"
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(_HERE):
            item.add_marker(pytest.mark.browser)


_PAGES = []  # every page new_page made, for the artifacts of a failed fixture


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = (yield).get_result()
    setattr(item, f"bp_rep_{rep.when}", rep)
    if rep.when == "setup" and rep.failed and "page" not in item.fixturenames:
        # a failed module fixture (a notebook opened for several tests): no test's page to
        # leave, so every open page's screenshot and console log
        for i, pg in enumerate(p for p in _PAGES if not p.is_closed()):
            write_artifacts(pg, safe_name(f"FAILED-setup-{item.name}-{i}"))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (course.py runs two workers, each with its own JupyterLab and
    Chromium): each test is a unit of work, but one notebook's tests in test_notebooks.py go to
    one worker together, as they share its page and kernel (test_presenter_fit.py's too); in
    collection order, so the long export test starts early. (xdist's loadgroup renames nodeids, which pytest 9 ignores.)"""
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerPerNotebook(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if m := re.fullmatch(r".*test_notebooks\.py::\w+\[(\w+)\]", nodeid):
                return m[1]
            return nodeid.split("::")[0] if "test_presenter_fit.py" in nodeid else nodeid

    config.option.loadscopereorder = False
    return OneWorkerPerNotebook(config, log)


@pytest.fixture(scope="session")
def playwright_sync():
    if not chromium_available():
        skip_or_fail(MISSING_CHROMIUM_MSG)
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        skip_or_fail(
            "playwright is not installed: pip install playwright (do NOT run `playwright install`)"
        )
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_sync):
    b = playwright_sync.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    for mod in ("jupyterlab", "ipywidgets", "ipykernel", "nbformat"):
        try:
            __import__(mod)
        except ImportError:
            skip_or_fail(f"{mod} is not installed in {sys.executable}")
    server = start_lab_server(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_lab_server(server)
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1 under pytest-xdist
        log = f"jupyter-server-{worker}.log" if worker else "jupyter-server.log"
        shutil.copyfile(server.log_path, ARTIFACTS_DIR / log)


# CodeMirror blinks the text cursor of every editor on the page with a CSS animation, restarted
# whenever the focus moves (a slider pressed, a button clicked): in headless Chromium, which
# draws in software, 32 blinking cursors kept a core 10% busy for seconds after each move. The
# tests never look at the cursor (and screenshots are taken with animations disabled anyway).
NO_CURSOR_BLINK_JS = """document.addEventListener('DOMContentLoaded', () => {
  const s = document.createElement('style');
  s.textContent = '.cm-cursorLayer { animation: none !important; }';
  document.head.appendChild(s);
});"""


@pytest.fixture(scope="session")
def browser_context(browser, lab_server):
    """One context (shared JS cache) for every JupyterLab page, its cursors not blinking."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    ctx.add_init_script(NO_CURSOR_BLINK_JS)
    yield ctx
    ctx.close()


def new_page(context):
    """A page that records its console and uncaught errors in ``page.bp_console``."""
    pg = context.new_page()
    _PAGES.append(pg)
    pg.bp_console = []
    pg.on("console", lambda m: pg.bp_console.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda exc: pg.bp_console.append(f"[uncaught] {exc}"))
    return pg


def leave_artifacts(pg, request) -> None:
    """After a failed test: a screenshot and the console log under artifacts/, paths printed."""
    failed = [
        r
        for r in (getattr(request.node, f"bp_rep_{w}", None) for w in ("setup", "call"))
        if r is not None and r.failed
    ]
    if not failed or pg.is_closed():
        return
    write_artifacts(pg, safe_name(f"FAILED-{request.node.name}"))


def write_artifacts(pg, name: str) -> None:
    """``pg``'s screenshot and console log under artifacts/, their paths printed."""
    log = ARTIFACTS_DIR / "console" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("\n".join(pg.bp_console) + "\n", encoding="utf-8")
    try:
        shot = shot_path(name)
        pg.screenshot(path=str(shot), full_page=True, animations="disabled")
    except Exception as exc:  # noqa: BLE001 - the log is still worth having
        shot = f"(no screenshot: {exc})"
    print(f"\nfailure artifacts:\n  screenshot: {shot}\n  console log: {log}")


@pytest.fixture(scope="session")
def lab_page(browser_context):
    """``lab_page()``: the worker's one JupyterLab page (a new one if it was closed), at 1280×900,
    its console log emptied. ``open_notebook`` opens each test's notebook in it (JupyterLab is
    loaded once, not once per test; open_notebook reloads it if a test left it changed)."""
    pages = []

    def get():
        if not pages or pages[-1].is_closed():
            pages.append(new_page(browser_context))
        pages[-1].bring_to_front()  # after a Notebook 7 page: else its animation frames slow down
        pages[-1].bp_console.clear()
        pages[-1].set_viewport_size({"width": 1280, "height": 900})
        return pages[-1]

    yield get
    for pg in pages:
        if not pg.is_closed():
            pg.close()


@pytest.fixture
def page(lab_page, lab_server, request):
    pg = lab_page()
    yield pg
    leave_artifacts(pg, request)
    close_documents(pg)
    lab_server.shutdown_sessions()
    if not pg.is_closed() and pg.evaluate("() => !!window.jupyterapp?.commands"):
        # the file browser back at the top, showing the course (a test may have opened a
        # notebook in a folder of its own, and the file browser followed it there)
        run_command(pg, "filebrowser:go-to-path", {"path": "/", "dontShowBrowser": True})
