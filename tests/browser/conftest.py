"""Fixtures for the browser tests (headless Chromium + one JupyterLab server).

Fixtures: ``lab_server`` (session), ``browser`` (session), ``browser_context``
(session, shares the JS cache between pages), ``page`` (per test; on teardown
it screenshots failures and shuts down the test's kernels).

The helpers (``open_notebook``, ``wait_kernel_idle``, ``run_all``,
``assert_no_errors``, ``slider_by_label``, ``press_slider``,
``type_into_readout``, ``measure_latency``, ``screenshot``, ...) and the
selectors (``SEL``) live in ``bp_browser.py`` and are re-exported here; test
modules import them with ``from bp_browser import ...``.

Environment knobs: CI=true (missing Chromium/Playwright fails instead of
skipping), BP_CHROMIUM (browser path), BP_NOTEBOOKS_DIR, BP_ARTIFACTS_DIR,
BP_HEADED=1, BP_LATENCY_STRICT=1 (fail when latency targets are missed),
BP_LATENCY=0 (skip latency in the smoke test), BP_*_TIMEOUT (seconds).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:  # importable under any --import-mode
    sys.path.insert(0, str(_HERE))

from bp_browser import *  # noqa: E402,F401,F403 - re-export the helpers
from bp_browser import (  # noqa: E402
    ARTIFACTS_DIR,
    DEFAULT_TIMEOUT_MS,
    MISSING_CHROMIUM_MSG,
    chromium_available,
    launch_browser,
    screenshot,
    set_current_server,
    skip_or_fail,
    start_lab_server,
    stop_lab_server,
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: end-to-end test in headless Chromium against a real JupyterLab (tests/browser)",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        try:
            inside = Path(str(item.path)).resolve().is_relative_to(_HERE)
        except (AttributeError, OSError):
            inside = False
        if inside:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"bp_rep_{rep.when}", rep)


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
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_sync):
    b = launch_browser(playwright_sync, headless=os.environ.get("BP_HEADED") != "1")
    yield b
    b.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    for mod in ("jupyterlab", "ipywidgets", "ipykernel"):
        try:
            __import__(mod)
        except ImportError:
            skip_or_fail(f"{mod} is not installed in {sys.executable}")
    server = start_lab_server(tmp_path_factory.mktemp("jupyterlab"))
    set_current_server(server)
    try:
        yield server
    finally:
        set_current_server(None)
        stop_lab_server(server)
        try:
            ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(server.log_path, ARTIFACTS_DIR / "jupyter-server.log")
        except OSError:
            pass


@pytest.fixture(scope="session")
def browser_context(browser, lab_server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(browser_context, lab_server, request):
    pg = browser_context.new_page()
    js_errors: list[str] = []
    pg.on("pageerror", lambda exc: js_errors.append(str(exc)))
    pg.bp_js_errors = js_errors  # uncaught JS exceptions, for debugging
    try:
        yield pg
    finally:
        rep = getattr(request.node, "bp_rep_call", None)
        if rep is not None and rep.failed:
            try:
                screenshot(pg, f"FAILED-{request.node.name}", full_page=True)
            except Exception:  # noqa: BLE001 - best effort
                pass
            if js_errors:
                print("uncaught JS errors:", *js_errors, sep="\n  ")
        pg.close()
        lab_server.shutdown_sessions()
