"""A class on the course's JupyterHub: N simulated students move notebook 02's slider at once.

    python -m benchmarks.classroom --students 30 60     (make classroom-bench)

Each student logs in through the hub's login form (dummy authenticator, shared password), asks
for an API token, starts a server and a kernel in it and builds notebook 02's Explorer. Then,
over the kernel's websocket, it does what JupyterLab does when a slider is dragged: it sends
the slider's widget model a ``comm_msg`` ``update`` several times a second and waits for the
view's update coming back (matched by its parent message id). Latency runs from sending to
receiving; every view must show ``draw.loss_html`` of the library's forward pass at that
weight. Memory per student (server + kernel) and the hub's and proxy's CPU are read with psutil
from the hub's process tree. Everything listens on 127.0.0.1 and is stopped by PID.
tests/test_classroom_hub.py drives the same code with 3 students.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from jupyter_client.session import Session

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "jupyterhub_config.py"
PROXY = ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
RESULTS = Path(__file__).resolve().parent / "classroom.json"

SLIDER = "w2_1_1"
SETUP_CODE = f"""
from backprop_lib import examples
from backprop_lib.widgets import Explorer
ex = Explorer(examples.seed_000(), curve={SLIDER!r}, tangent=True, start="backward")
s = ex.param_sliders[{SLIDER!r}]
ids = {{"slider": s.model_id, "view": ex.view.model_id, "start": s.value}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_loss_html(value: float) -> str:
    """What the view's loss panel must say with the slider at `value` (from the library)."""
    from backprop_lib import draw, examples, forward

    ex = examples.seed_000()
    return draw.loss_html(forward(ex.net.set(SLIDER, value), ex.x, ex.target))


def wait_for_hub(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Return once the hub at ``url`` answers its API; RuntimeError if ``proc`` exits first or
    ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/hub/api", timeout=5):
            return
        time.sleep(0.3)
    raise RuntimeError(f"the hub exited ({proc.returncode}) or did not answer within {timeout}s")


class Hub:
    """JupyterHub with deploy/jupyterhub_config.py in a scratch runtime folder; stopped by PID.
    ``notebooks``: a folder copied into each new student's home (BP_HUB_NOTEBOOKS)."""

    def __init__(self, runtime: Path, notebooks: Path | None = None):
        self.runtime, self.notebooks = Path(runtime), notebooks
        self.port, self.password, self.proc = free_port(), secrets.token_urlsafe(16), None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> Hub:
        if not PROXY.exists():
            raise RuntimeError(f"{PROXY} is missing: run `python course.py hub-proxy` (npm ci)")
        self.runtime.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, BP_HUB_PORT=str(self.port), BP_HUB_RUNTIME=str(self.runtime))
        env |= dict(BP_HUB_PASSWORD=self.password, BP_HUB_NOTEBOOKS=str(self.notebooks or ""))
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        self.log = open(self.runtime / "hub.log", "w", encoding="utf-8")  # noqa: SIM115
        command = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG), "--log-level=WARN"]
        io = dict(stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.proc = subprocess.Popen(command, cwd=self.runtime, start_new_session=True, **io)
        try:
            wait_for_hub(self.url, self.proc)
        except RuntimeError as e:
            self.stop()
            raise RuntimeError(f"{e}; {self.log_tail()}") from None
        return self

    def log_tail(self, n: int = 30) -> str:
        return "hub log:\n" + "\n".join((self.runtime / "hub.log").read_text().splitlines()[-n:])

    def processes(self):
        """The hub, and everything under it (proxy, servers, kernels), as psutil.Process."""
        import psutil

        with contextlib.suppress(psutil.NoSuchProcess):
            hub = psutil.Process(self.proc.pid)
            return [hub] + hub.children(recursive=True)
        return []

    def stop(self) -> None:
        """SIGTERM to the hub, which stops the servers and the proxy; then SIGKILL, by PID, to
        whatever of its tree is still running."""
        import psutil

        tree = self.processes()
        self.proc.terminate()
        for p in psutil.wait_procs(tree, timeout=60)[1]:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        self.proc.wait(timeout=10)
        self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


@dataclass
class Move:
    value: float
    sent: float
    latency_ms: float | None = None
    right: bool | None = None


@dataclass
class Student:
    """One simulated student with its own HTTP session (``http``, cookies kept for 127.0.0.1
    as a browser keeps them; its token, once it has one, sent with every request), server,
    kernel and websocket."""

    name: str
    hub: Hub
    kernel_id: str = ""
    ids: dict = field(default_factory=dict)
    moves: dict = field(default_factory=dict)  # msg_id -> Move

    def __post_init__(self):
        import aiohttp

        jar, timeout = aiohttp.CookieJar(unsafe=True), aiohttp.ClientTimeout(total=600)
        self.http = aiohttp.ClientSession(cookie_jar=jar, timeout=timeout)
        self.session = Session(username=self.name)

    def server_url(self, owner: str | None = None) -> str:
        return f"{self.hub.url}/user/{owner or self.name}"

    def _xsrf(self) -> str:
        return next(c.value for c in self.http.cookie_jar if c.key == "_xsrf")

    async def call(self, method, url, **kw):
        """The JSON answer (None if empty) of a request; ClientResponseError for an error."""
        async with self.http.request(method, url, raise_for_status=True, **kw) as r:
            return await r.json(content_type=None) if r.content_type == "application/json" else None

    async def join(self):
        """Log in, spawn a server, start a kernel, connect to it and build the Explorer."""
        hub = f"{self.hub.url}/hub"
        await self.call("GET", f"{hub}/login")
        form = {"username": self.name, "password": self.hub.password, "_xsrf": self._xsrf()}
        await self.call("POST", f"{hub}/login", data=form, allow_redirects=False)
        await self.call("GET", f"{hub}/home")  # a fresh _xsrf for the logged-in session
        headers = {"X-XSRFToken": self._xsrf(), "Referer": f"{hub}/home"}
        body = {"note": "classroom", "expires_in": 3600}
        api = f"{hub}/api/users/{self.name}"
        token = (await self.call("POST", f"{api}/tokens", json=body, headers=headers))["token"]
        self.http.headers["Authorization"] = f"token {token}"
        await self.call("POST", f"{api}/server")
        t0 = time.perf_counter()
        while not (server := (await self.call("GET", api))["servers"].get("", {})).get("ready"):
            if time.perf_counter() - t0 > (600 if server else 5):  # a server gone: it failed
                raise RuntimeError(f"spawn of {self.name} failed; see the hub log")
            await asyncio.sleep(0.5)
        kernels = f"{self.server_url()}/api/kernels"
        self.kernel_id = (await self.call("POST", kernels, json={"name": "python3"}))["id"]
        await self.connect()
        await self.build_explorer()

    async def connect(self):
        url = f"{self.server_url()}/api/kernels/{self.kernel_id}/channels".replace("http", "ws", 1)
        url += f"?session_id={self.session.session}"
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self.replies, self.reader = {}, asyncio.ensure_future(self._read())

    async def _send(self, msg_type, content, book, entry):
        """A message on the shell channel, as JupyterLab sends it over the websocket, entered
        under its id in ``book`` (where the reader looks for what answers it) first."""
        msg = self.session.msg(msg_type, content)
        book[msg["header"]["msg_id"]] = entry
        await self.ws.send_str(json.dumps(msg | {"channel": "shell"}, default=str))

    async def _read(self):
        async for frame in self.ws:
            msg = json.loads(frame.data) if isinstance(frame.data, str) else {}
            parent, content = msg.get("parent_header", {}).get("msg_id"), msg.get("content", {})
            kind = msg.get("header", {}).get("msg_type")
            if kind == "comm_msg" and content.get("comm_id") == self.ids.get("view"):
                move, state = self.moves.get(parent), content["data"].get("state", {})
                if move is not None and move.latency_ms is None and "value" in state:
                    move.latency_ms = (time.perf_counter() - move.sent) * 1000
                    move.right = expected_loss_html(move.value) in state["value"]
            elif kind == "execute_reply" and parent in self.replies:
                self.replies.pop(parent).set_result(content)

    async def execute(self, code: str, timeout: float = 300, wait: bool = True, **expressions):
        """Run ``code`` in the kernel; with ``wait``, the values of ``expressions`` after it (as
        their text/plain, i.e. repr); RuntimeError if it raised."""
        reply = asyncio.get_running_loop().create_future()
        content = dict(code=code, silent=False, store_history=False, allow_stdin=False)
        content["user_expressions"] = expressions
        await self._send("execute_request", content, self.replies, reply)
        if wait:
            reply = await asyncio.wait_for(reply, timeout)
            if reply["status"] != "ok":
                raise RuntimeError(f"{self.name}: {reply.get('evalue')}")
            return {k: v["data"]["text/plain"] for k, v in reply["user_expressions"].items()}

    async def build_explorer(self):
        self.ids = ast.literal_eval((await self.execute(SETUP_CODE, ids="ids"))["ids"])

    async def slide(self, n: int, rate: float):
        """n moves at `rate` per second, alternating between two values near the start (each
        move changes the value, so each must produce a new view): the message JupyterLab's
        slider view sends."""
        start, t0 = round(self.ids["start"], 2), time.perf_counter()
        for i in range(n):
            value = round(start + (0.05 if i % 2 == 0 else 0.10), 2)
            data = {"method": "update", "state": {"value": value}, "buffer_paths": []}
            content = {"comm_id": self.ids["slider"], "data": data}
            await self._send("comm_msg", content, self.moves, Move(value, time.perf_counter()))
            await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.perf_counter()))

    async def drain(self, timeout: float):
        """Wait until every move's view has come back, or ``timeout`` seconds have passed."""
        deadline = time.perf_counter() + timeout
        while any(m.latency_ms is None for m in self.moves.values()):
            if time.perf_counter() > deadline:
                return
            await asyncio.sleep(0.05)

    async def close(self):
        """Close the websocket (the HTTP session stays open: ``connect`` again)."""
        with contextlib.suppress(Exception):  # never connected, or the connection already gone
            await self.ws.close()
            self.reader.cancel()


@contextlib.asynccontextmanager
async def students(hub: Hub, names):
    """Students of ``names`` on ``hub`` (not joined yet); their sockets and sessions are closed
    on the way out."""
    group = [Student(name, hub) for name in names]
    try:
        yield group
    finally:
        for s in group:
            await s.close()
            await s.http.close()


def cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(p.cpu_times()[:2])
    return total


def memory_mb(hub: Hub) -> list:
    """[[unique MB, resident MB]] of each student: its server and kernels, summed."""
    import psutil

    out = {}
    for p in hub.processes()[1:]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if any(k in " ".join(p.cmdline()) for k in ("jupyterhub.singleuser", "ipykernel")):
                info, user = p.memory_full_info(), p.environ().get("USER", "")
                out[user] = out.get(user, 0) + np.array([info.uss, info.rss]) / 2**20
    return [v for user, v in out.items() if user.startswith("student")]


async def run_class(hub: Hub, n: int, seconds: float, rate: float, drain_s: float = 60) -> dict:
    """Join, then slide, all n students at once; the figures of one run."""
    import psutil

    t_start = time.perf_counter()
    async with students(hub, [f"student{i:02d}" for i in range(n)]) as group:
        joined = await asyncio.gather(*(s.join() for s in group), return_exceptions=True)
        errors = [f"{s.name}: {type(r).__name__}: {r}" for s, r in zip(group, joined) if r]
        ready, t_ready = [s for s, r in zip(group, joined) if r is None], time.perf_counter()
        tree = hub.processes()
        proxy = [p for p in tree if "configurable-http-proxy" in " ".join(p.cmdline())]
        watched = [tree[:1], proxy]
        cpu0, t0, _ = [cpu_seconds(p) for p in watched], time.perf_counter(), psutil.cpu_percent()
        slide = asyncio.gather(*(s.slide(max(1, int(seconds * rate)), rate) for s in ready))
        await asyncio.sleep(seconds / 2)
        memory = memory_mb(hub)  # in the middle of the sliding
        await slide
        await asyncio.gather(*(s.drain(drain_s) for s in ready))
        wall, machine_cpu = time.perf_counter() - t0, psutil.cpu_percent()
        hub_cpu, proxy_cpu = ((cpu_seconds(p) - c) / wall * 100 for p, c in zip(watched, cpu0))
        moves = [m for s in ready for m in s.moves.values()]
    lat = [m.latency_ms for m in moves if m.latency_ms is not None]
    median = float(np.median(lat)) if lat else None
    p95 = float(np.percentile(lat, 95, method="inverted_cdf")) if lat else None  # nearest rank
    uss, rss = np.median(memory, axis=0).tolist() if memory else (None, None)
    return {
        "students": n,
        "ready": len(ready),
        "rate_per_s": rate,
        "seconds": seconds,
        "moves": len(moves),
        "lost": len(moves) - len(lat),
        "wrong": sum(m.right is False for m in moves),
        "errors": errors[:20],
        "latency_ms": {"median": median, "p95": p95},
        "memory_mb_per_student": {"uss_median": uss, "rss_median": rss},
        "cpu_percent_of_one_core": {"hub": hub_cpu, "proxy": proxy_cpu},
        "machine_cpu_percent": machine_cpu,
        "setup_s": t_ready - t_start,
    }


def main(argv=None) -> int:
    from . import figures, report

    p = argparse.ArgumentParser(prog="python -m benchmarks.classroom")
    p.add_argument("--students", type=int, nargs="+", default=[30, 60])
    p.add_argument("--seconds", type=float, default=20.0, help="sliding time per run")
    p.add_argument("--rate", type=float, default=4.0, help="slider updates per second per student")
    args = p.parse_args(argv)
    runs = {}
    for n in args.students:
        with tempfile.TemporaryDirectory(prefix="classroom-") as tmp, Hub(Path(tmp)) as hub:
            print(f"[classroom] {n} students, hub on {hub.url} ...", flush=True)
            runs[str(n)] = asyncio.run(run_class(hub, n, args.seconds, args.rate))
    facts = report.machine_facts()
    machine = report.facts_line(facts).replace("`", "")
    data = dict(schema=1, measured_at=facts["date"], machine=machine, runs=runs)
    RESULTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(report.table(figures.figure_9(None)), f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
