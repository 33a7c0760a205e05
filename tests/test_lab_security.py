"""`make lab` must start JupyterLab the safe way: on localhost only, with a token.

A notebook server runs arbitrary code for whoever can reach it, so the
course keeps JupyterLab's own defaults. The fast tests read the Makefile
and course.py; the slow ones start the real server with the very command
`make lab` runs (``course.lab_command``, in this venv's Python: `make lab`
itself would first bring the venv to the learner's packages) and probe it
over loopback (urllib only).
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"
STARTUP_TIMEOUT = 90  # seconds until the log shows the URL with the token
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

# Command-line settings that would expose the server or drop authentication.
INSECURE_OPTIONS = {
    "listens beyond localhost": re.compile(
        r"--(?:(?:ServerApp|NotebookApp)\.)?ip\s*=\s*[\"']?(?:0\.0\.0\.0|\*|::|\[::\])"
    ),
    "empty token": re.compile(
        r"--(?:IdentityProvider|ServerApp|NotebookApp)\.token\s*=\s*(?:''|\"\"|(?=\s|$))"
    ),
    "empty password": re.compile(
        r"--(?:IdentityProvider|ServerApp|NotebookApp)\.password\s*=\s*(?:''|\"\"|(?=\s|$))"
    ),
    "remote access allowed": re.compile(r"allow_remote_access\s*=\s*True"),
}


def insecure_options(makefile_text: str) -> list[str]:
    """Insecure JupyterLab settings on any non-comment line (Makefile or course.py)."""
    found = []
    for lineno, line in enumerate(makefile_text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for what, pattern in INSECURE_OPTIONS.items():
            if pattern.search(line):
                found.append(f"Makefile:{lineno}: {what}: {line.strip()}")
    return found


def make_recipe(makefile_text: str, target: str) -> str:
    """The recipe lines (tab-indented) of `target`."""
    lines = makefile_text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"{target}\s*:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return "\n".join(recipe)


# --------------------------------------------------------------------------
# static checks (fast)
# --------------------------------------------------------------------------


COURSE_PY = ROOT / "course.py"  # the setup entry point `make lab` calls


def test_makefile_has_no_insecure_lab_options():
    assert insecure_options(MAKEFILE.read_text(encoding="utf-8")) == []
    assert insecure_options(COURSE_PY.read_text(encoding="utf-8")) == []


def test_lab_recipe_runs_jupyterlab_on_notebooks_with_extra_args():
    recipe = make_recipe(MAKEFILE.read_text(encoding="utf-8"), "lab")
    assert "course.py lab $(LAB_ARGS)" in recipe
    assert "--ip" not in recipe and "token" not in recipe
    source = COURSE_PY.read_text(encoding="utf-8")
    lab = source[source.index("def lab_command") : source.index("def test_commands")]
    assert '"-m", "jupyterlab"' in lab
    assert '"--ServerApp.root_dir={NOTEBOOK_DIR}"' in lab
    assert "list(args)" in lab
    assert "run_server(lab_command(py, rest))" in source  # what `course.py lab` starts
    assert "--ip" not in lab.split('"""')[2] and "token" not in lab.split('"""')[2]


@pytest.mark.parametrize(
    "line",
    [
        "\t$(PY) -m jupyterlab --ip=0.0.0.0",
        "\t$(PY) -m jupyterlab --ServerApp.ip='0.0.0.0'",
        "\t$(PY) -m jupyterlab --IdentityProvider.token=''",
        "\t$(PY) -m jupyterlab --ServerApp.token= --no-browser",
        '\t$(PY) -m jupyterlab --NotebookApp.token=""',
        "\t$(PY) -m jupyterlab --ServerApp.token=",
        "LAB_ARGS ?= --ServerApp.allow_remote_access=True",
    ],
)
def test_insecure_option_check_catches(line):
    assert insecure_options(line), f"not flagged: {line!r}"


def test_insecure_option_check_passes_safe_lines():
    safe = "\t$(PY) -m jupyterlab --ServerApp.root_dir=notebooks --port=8899 --no-browser\n"
    comment = "# never pass --ip=0.0.0.0 or --ServerApp.token=''\n"
    assert insecure_options(safe + comment) == []


# --------------------------------------------------------------------------
# the real server (slow)
# --------------------------------------------------------------------------


@dataclass
class LabServer:
    port: int
    token: str
    url_hosts: set[str]
    log: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop JupyterLab and its kernels: the whole process group, politely first."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        proc.poll()  # reap the server once it has exited
        try:
            os.killpg(proc.pid, 0)  # anyone left in the group?
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[LabServer]:
    tmp = tmp_path_factory.mktemp("jupyter")
    port = _free_port()
    lab_args = [
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
    ]
    spec = importlib.util.spec_from_file_location("course_for_lab", COURSE_PY)
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    cmd = course.lab_command(Path(sys.executable), lab_args)  # what `make lab` starts

    env = dict(os.environ)
    # Keep the developer's own Jupyter config and runtime files out of the picture.
    env["JUPYTER_CONFIG_DIR"] = str(tmp / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")

    course.NOTEBOOK_DIR.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # own process group, so it can be stopped whole
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    log: list[str] = []
    url = re.compile(r"(https?)://(\[[^\]]+\]|[^:/\s]+):(\d+)/\S*[?&]token=([^\s&#]+)")
    try:
        found: list[re.Match] = []
        deadline = time.monotonic() + STARTUP_TIMEOUT
        # Read until the first URL, then a moment longer for its siblings
        # (JupyterLab prints one URL per loopback name).
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if found:
                    break
                continue
            if line is None:
                break
            log.append(line)
            if match := url.search(line):
                found.append(match)
                deadline = min(deadline, time.monotonic() + 2)
        if not found:
            pytest.fail(
                f"no URL with ?token= within {STARTUP_TIMEOUT}s; log:\n" + "\n".join(log[-50:])
            )
        tokens = {m[4] for m in found}
        assert len(tokens) == 1, f"different tokens in the log: {tokens}"
        assert {int(m[3]) for m in found} == {port}
        yield LabServer(port=port, token=tokens.pop(), url_hosts={m[2] for m in found}, log=log)
    finally:
        _stop(proc)
        reader.join(timeout=10)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _listening_addresses(port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Local addresses of the TCP sockets listening on `port` (Linux /proc)."""
    addresses = []
    for table, family in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 6)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            hex_addr, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A = LISTEN
                continue
            # The kernel prints each 32-bit word in host (little-endian) order.
            raw = b"".join(
                bytes.fromhex(hex_addr[i : i + 8])[::-1] for i in range(0, len(hex_addr), 8)
            )
            address = ipaddress.ip_address(raw)
            if family == 6 and address.ipv4_mapped:
                address = address.ipv4_mapped
            addresses.append(address)
    return addresses


@pytest.mark.slow
def test_lab_urls_point_at_loopback(lab):
    assert lab.url_hosts <= LOOPBACK_HOSTS, f"log advertises {lab.url_hosts}"


@pytest.mark.slow
def test_api_with_token_is_allowed(lab):
    assert _get(f"http://127.0.0.1:{lab.port}/api/contents?token={lab.token}") == 200


@pytest.mark.slow
def test_api_without_token_is_refused(lab):
    assert _get(f"http://127.0.0.1:{lab.port}/api/contents") in (401, 403)
    assert _get(f"http://127.0.0.1:{lab.port}/api/contents?token=wrong{lab.token}") in (401, 403)


@pytest.mark.slow
def test_lab_listens_on_loopback_only(lab):
    # Checked on the listening sockets themselves rather than by connecting
    # to the machine's other addresses: a wildcard bind (0.0.0.0 / ::) shows
    # up here too, and the test sends no traffic beyond loopback.
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc/net/tcp to list listening sockets")
    addresses = _listening_addresses(lab.port)
    assert addresses, f"nothing listens on port {lab.port}"
    assert all(a.is_loopback for a in addresses), f"listening on {addresses}"
