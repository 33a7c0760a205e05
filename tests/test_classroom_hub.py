"""The small classroom: 3 students on the course's JupyterHub (deploy/jupyterhub_config.py).

A correctness check, not a timing: every slider update comes back as the view's update and shows
the library's numbers; students cannot open each other's servers or kernels (403); everything
listens on 127.0.0.1; one student's kernel dying and another's being restarted mid-slider cost
nobody else an update. The same code, with 30 and 60 students, is `make classroom-bench`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks import classroom
from tools import student_edition

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]

N_MOVES, RATE = 12, 4.0  # 3 seconds of sliding per student


def _skip_or_fail(msg):
    if os.environ.get("CI") == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    pytest.importorskip(
        "jupyterhub", reason="the hub extra is not installed (make test installs it)"
    )
    if not classroom.PROXY.exists():
        _skip_or_fail(
            f"configurable-http-proxy is not installed ({classroom.PROXY}): "
            "`python course.py hub-proxy` needs npm"
        )
    if shutil.which("node") is None:
        _skip_or_fail("node is not installed: configurable-http-proxy needs Node.js 20")
    edition = tmp_path_factory.mktemp("edition") / "student"
    student_edition.write_edition(ROOT / "notebooks", edition)
    h = classroom.Hub(tmp_path_factory.mktemp("hub"), notebooks=edition)
    h.start()
    try:
        yield h
    finally:
        h.stop()


def _listening(hub):
    """(address, port, process name) of every listening TCP socket of the hub's tree."""
    import psutil

    found = []
    for p in hub.processes():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            found += [
                (c.laddr.ip, c.laddr.port, p.name())
                for c in p.net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN
            ]
    return found


async def _kernel_state(student):
    url = f"{student.server_url()}/api/kernels/{student.kernel_id}"
    async with student.http.get(url) as r:
        return (await r.json()).get("execution_state", "?") if r.status == 200 else "gone"


async def _restart_kernel(student):
    url = f"{student.server_url()}/api/kernels/{student.kernel_id}/restart"
    async with student.http.post(url) as r:
        assert r.status == 200, f"restart for {student.name}: HTTP {r.status}"


async def _await_kernel_back(student, timeout=120):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await asyncio.sleep(0.5)
    while await _kernel_state(student) in ("restarting", "dead", "gone", "?"):
        assert loop.time() < deadline, f"{student.name}'s kernel did not come back"
        await asyncio.sleep(0.3)


async def _pull_course(student, upstream, branch):
    """nbgitpuller's link, as the student's browser follows it: the server streams progress."""
    query = {"repo": upstream.as_uri(), "branch": branch, "targetpath": "backprop", "depth": "1"}
    phases = []
    async with student.http.get(f"{student.server_url()}/git-pull/api", params=query) as r:
        assert r.status == 200, r.status
        async for line in r.content:
            if line.startswith(b"data: "):
                phases.append(json.loads(line[6:])["phase"])
                if phases[-1] in ("finished", "error"):
                    break
    return phases


async def _scenario(hub, upstream, branch):
    import aiohttp

    out = {}
    async with classroom.students(hub, [f"pupil{i}" for i in range(3)]) as students:
        out["students"] = students
        await asyncio.gather(*(s.join() for s in students))
        out["listening"] = _listening(hub)

        # --- who may reach whom: pupil0's token against pupil1's server and kernel
        a, b = students[0], students[1]
        async with a.http.get(f"{a.server_url(b.name)}/api/kernels") as r:
            out["other_api"] = r.status
        async with a.http.get(f"{a.server_url(b.name)}/api/contents", allow_redirects=False) as r:
            out["other_contents"] = r.status
        url = f"{a.server_url(b.name)}/api/kernels/{b.kernel_id}/channels".replace("http", "ws", 1)
        try:
            ws = await a.http.ws_connect(url)
            await ws.close()
            out["other_ws"] = 101
        except aiohttp.WSServerHandshakeError as err:
            out["other_ws"] = err.status
        async with a.http.get(f"{a.server_url()}/api/kernels") as r:
            out["own_api"] = r.status

        # --- the course handed out with nbgitpuller into pupil2's fresh home
        out["pull"] = await _pull_course(students[2], upstream, branch)

        # --- sliding, all at once; half-way pupil0's kernel dies and pupil1's is restarted.
        # The kernel handles its messages in order, so the moves pupil0 sends after the exit
        # reach no Explorer; the restart request returns once the new kernel runs, which knows
        # nothing of pupil1's widgets. Both lose the rest of their moves, pupil2 nothing.
        async def kernel_dies(s):
            await s.slide(N_MOVES // 2, RATE)
            await s.execute("import os; os._exit(1)", wait=False)
            await s.slide(N_MOVES - N_MOVES // 2, RATE)

        async def kernel_restarted(s):
            await s.slide(N_MOVES // 2, RATE)
            await _restart_kernel(s)
            await s.slide(N_MOVES - N_MOVES // 2, RATE)

        await asyncio.gather(
            kernel_dies(students[0]),
            kernel_restarted(students[1]),
            students[2].slide(N_MOVES, RATE),
        )
        await students[2].drain(60)
        out["first"] = {s.name: dict(s.moves) for s in students}

        # --- the two unlucky ones carry on in their restarted kernels
        for s in students[:2]:
            await _await_kernel_back(s)
            await s.close()
            await s.connect()
            s.moves = {}
            await s.build_explorer()
            await s.slide(8, RATE)
            await s.drain(60)
        out["second"] = {s.name: dict(s.moves) for s in students[:2]}
        out["hub_alive"] = hub.proc.poll() is None
        c = students[2]
        async with c.http.get(f"{c.server_url()}/api/kernels") as r:
            out["bystander_kernels"] = [k["id"] for k in await r.json()]
    return out


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """A local clone of this repository: the course's repository, as nbgitpuller sees it."""
    path = tmp_path_factory.mktemp("upstream") / "backprop"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(path)], check=True)
    branch = subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "HEAD"],
        cwd=path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return path, branch


@pytest.fixture(scope="module")
def scenario(hub, upstream):
    try:
        return asyncio.run(asyncio.wait_for(_scenario(hub, *upstream), timeout=400))
    except Exception as err:
        pytest.fail(f"{type(err).__name__}: {err}\n{hub.log_tail()}", pytrace=False)


def test_the_view_check_can_tell_values_apart():
    # A view left at the old value would fail the check: the two values' panels differ.
    assert classroom.expected_loss_html(0.55) != classroom.expected_loss_html(0.6)


def test_every_update_of_an_undisturbed_student_arrives_right(scenario):
    moves = scenario["first"]["pupil2"]
    assert len(moves) == N_MOVES
    assert [m.latency_ms is not None for m in moves.values()] == [True] * N_MOVES
    assert [m.right for m in moves.values()] == [True] * N_MOVES


def test_a_dead_or_restarted_kernel_loses_only_its_own_state(scenario):
    for name in ("pupil0", "pupil1"):
        first = scenario["first"][name].values()
        assert len(first) == N_MOVES
        # what arrived before the kernel went was right; nothing arrived wrong
        assert all(m.right for m in first if m.latency_ms is not None), name
        assert any(m.latency_ms is not None for m in first), name
        # ... and the kernel really went: the moves sent to it afterwards were lost
        assert any(m.latency_ms is None for m in first), name
        second = list(scenario["second"][name].values())
        assert len(second) == 8 and all(m.right for m in second), (name, second)
    assert scenario["hub_alive"]
    assert scenario["bystander_kernels"] == [scenario["students"][2].kernel_id]


def test_students_cannot_reach_each_other(scenario):
    assert scenario["own_api"] == 200
    assert scenario["other_api"] == 403
    assert scenario["other_contents"] == 403
    assert scenario["other_ws"] == 403


def test_everything_listens_on_loopback_and_students_use_the_proxy_port(scenario, hub):
    listening = scenario["listening"]
    assert listening, "no listening sockets found"
    assert all(ipaddress.ip_address(a).is_loopback for a, _, _ in listening), listening
    public = [name for a, port, name in listening if port == hub.port]
    assert public and all(n == "node" for n in public), listening  # the proxy's port


def test_nbgitpuller_hands_the_course_into_a_fresh_home(scenario, hub, upstream):
    assert scenario["pull"][-1] == "finished", scenario["pull"]
    homes = hub.runtime / "homes"
    pulled = homes / "pupil2" / "backprop" / "notebooks" / "02_chain_rule.ipynb"
    assert pulled.read_bytes() == (upstream[0] / "notebooks" / "02_chain_rule.ipynb").read_bytes()
    assert not (homes / "pupil0" / "backprop").exists()  # only into the puller's own home


def test_each_new_home_gets_the_student_edition(scenario, hub):
    import nbformat

    for name in ("pupil0", "pupil1", "pupil2"):
        folder = hub.runtime / "homes" / name / "notebooks"
        names = sorted(p.name for p in folder.glob("*.ipynb"))
        assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")), name
        for path in folder.glob("*.ipynb"):
            cells = nbformat.read(path, as_version=4).cells
            assert not any(student_edition.is_solution(c) for c in cells), path


def test_make_hub_stops_everything_it_started(tmp_path):
    """`course.py hub` (what `make hub` runs) passes a SIGTERM on: the hub stops its proxy and
    servers, and nothing is left running."""
    import signal
    import sys

    import psutil

    port = classroom.free_port()
    env = dict(os.environ, BP_HUB_PORT=str(port), BP_HUB_RUNTIME=str(tmp_path / "hub"))
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "course.py"), "hub"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        classroom.wait_for_hub(f"http://127.0.0.1:{port}", proc, timeout=120)
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert any("configurable-http-proxy" in " ".join(p.cmdline()) for p in tree)
        proc.send_signal(signal.SIGTERM)  # to course.py only, not its process group
        proc.wait(timeout=60)
        gone, alive = psutil.wait_procs(tree, timeout=30)
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
