"""A class on the course's JupyterHub: N simulated students move notebook 02's slider at once.

    python -m benchmarks.classroom --students 30 60     (make classroom-bench)

Each student logs in through the hub's login form (dummy authenticator, shared password), asks
the hub for an API token, starts a server, starts a kernel in it and builds notebook 02's
Explorer (``Explorer(examples.seed_000(), curve="w2_1_1", tangent=True, start="backward")``).
Then, over the kernel's websocket, it does what JupyterLab does when a slider is dragged: it
sends the slider's widget model a ``comm_msg`` ``update`` with the new value, several times a
second, and waits for the view's ``update`` coming back (matched by its parent message id).
Latency is measured from sending the update to receiving the view's new HTML, and every view is
checked against the library: its loss panel must be ``draw.loss_html`` of the forward pass at
that weight. Memory per student (server + kernel) and the hub's and proxy's CPU are read with
psutil from the hub's process tree. Everything listens on 127.0.0.1 and stops by itself.

The small classroom test (tests/test_classroom_hub.py) drives the same code with 3 students and
also kills one student's kernel and restarts another's mid-slider.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "jupyterhub_config.py"
PROXY = ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
RESULTS = Path(__file__).resolve().parent / "classroom.json"

SLIDER = "w2_1_1"
SETUP_CODE = f"""
import json
from backprop_lib import examples
from backprop_lib.widgets import Explorer
ex = Explorer(examples.seed_000(), curve={SLIDER!r}, tangent=True, start="backward")
print(json.dumps({{"slider": ex.param_sliders[{SLIDER!r}].model_id, "view": ex.view.model_id,
                   "start": ex.param_sliders[{SLIDER!r}].value}}))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_loss_html(value: float) -> str:
    """What the view's loss panel must say with the slider at `value` (from the library)."""
    from backprop_lib import draw, examples, forward

    ex = examples.seed_000()
    return draw.loss_html(forward(ex.net.set(SLIDER, value), ex.x, ex.target))


# ---------------------------------------------------------------- the hub


class Hub:
    """JupyterHub with deploy/jupyterhub_config.py in a scratch runtime folder; stopped by PID."""

    def __init__(self, runtime: Path, python: str = sys.executable, notebooks: Path | None = None):
        self.runtime = Path(runtime)
        self.notebooks = notebooks  # copied into each new student's home (BP_HUB_NOTEBOOKS)
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.python = python
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Hub:
        import urllib.request

        if not PROXY.exists():
            raise RuntimeError(
                f"{PROXY} is missing: run `python course.py hub-proxy` (npm ci in deploy/)"
            )
        self.runtime.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            BP_HUB_PORT=str(self.port),
            BP_HUB_RUNTIME=str(self.runtime),
            BP_HUB_PASSWORD=self.password,
            PATH=os.pathsep.join([str(Path(self.python).parent), env.get("PATH", "")]),
        )
        if self.notebooks is not None:
            env["BP_HUB_NOTEBOOKS"] = str(self.notebooks)
        self.log = open(self.runtime / "hub.log", "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [self.python, "-m", "jupyterhub", "-f", str(CONFIG), "--log-level=WARN"],
            cwd=self.runtime,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}); {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not answer within {timeout}s; {self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, n: int = 30) -> str:
        try:
            lines = (self.runtime / "hub.log").read_text(encoding="utf-8").splitlines()
        except OSError:
            return ""
        return "hub log:\n" + "\n".join(lines[-n:])

    def processes(self):
        """The hub, and everything under it (proxy, servers, kernels), as psutil.Process."""
        import psutil

        try:
            hub = psutil.Process(self.proc.pid)
            return [hub] + hub.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 60) -> None:
        import psutil

        if self.proc is None:
            return
        tree = self.processes()
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)  # the hub stops the servers and the proxy
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for p in tree[1:]:  # anything the hub left behind, by PID
            with contextlib.suppress(psutil.NoSuchProcess):
                p.wait(timeout=5)
            with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
                p.kill()
        self.log.close()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------- one student


@dataclass
class Move:
    value: float
    sent: float
    latency_ms: float | None = None
    right: bool | None = None


@dataclass
class Student:
    name: str
    hub: Hub
    token: str = ""
    kernel_id: str = ""
    ids: dict = field(default_factory=dict)
    moves: dict = field(default_factory=dict)  # msg_id -> Move
    errors: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    # -- http ----------------------------------------------------------------

    async def login(self, http):
        """The login form, as a browser posts it, then an API token for this student."""
        base = self.hub.url
        t0 = time.perf_counter()
        async with http.get(f"{base}/hub/login") as r:
            r.raise_for_status()
        xsrf = _cookie(http, "_xsrf")
        form = {"username": self.name, "password": self.hub.password, "_xsrf": xsrf}
        async with http.post(f"{base}/hub/login", data=form, allow_redirects=False) as r:
            if r.status != 302:
                raise RuntimeError(f"login of {self.name}: HTTP {r.status}")
        async with http.get(f"{base}/hub/home") as r:  # a fresh _xsrf for this session
            r.raise_for_status()
        headers = {"X-XSRFToken": _cookie(http, "_xsrf"), "Referer": f"{base}/hub/home"}
        body = {"note": "classroom", "expires_in": 3600}
        async with http.post(
            f"{base}/hub/api/users/{self.name}/tokens", json=body, headers=headers
        ) as r:
            if r.status != 201:
                raise RuntimeError(f"token for {self.name}: HTTP {r.status} {await r.text()}")
            self.token = (await r.json())["token"]
        self.timings["login_s"] = time.perf_counter() - t0

    def auth(self, token: str | None = None) -> dict:
        return {"Authorization": f"token {token or self.token}"}

    async def spawn(self, http, timeout: float = 600):
        base, t0 = self.hub.url, time.perf_counter()
        async with http.post(f"{base}/hub/api/users/{self.name}/server", headers=self.auth()) as r:
            if r.status not in (201, 202):
                raise RuntimeError(f"spawn of {self.name}: HTTP {r.status} {await r.text()}")
        while True:
            async with http.get(f"{base}/hub/api/users/{self.name}", headers=self.auth()) as r:
                server = (await r.json()).get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if server is None and time.perf_counter() - t0 > 5:
                raise RuntimeError(f"spawn of {self.name} failed (no server); see the hub log")
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"spawn of {self.name}: not ready after {timeout}s")
            await asyncio.sleep(0.5)
        self.timings["spawn_s"] = time.perf_counter() - t0

    def server_url(self, owner: str | None = None) -> str:
        return f"{self.hub.url}/user/{owner or self.name}"

    async def start_kernel(self, http):
        async with http.post(
            f"{self.server_url()}/api/kernels", json={"name": "python3"}, headers=self.auth()
        ) as r:
            if r.status != 201:
                raise RuntimeError(f"kernel of {self.name}: HTTP {r.status}")
            self.kernel_id = (await r.json())["id"]

    async def kernel_state(self, http) -> str:
        async with http.get(
            f"{self.server_url()}/api/kernels/{self.kernel_id}", headers=self.auth()
        ) as r:
            return (await r.json()).get("execution_state", "?") if r.status == 200 else "gone"

    async def restart_kernel(self, http):
        async with http.post(
            f"{self.server_url()}/api/kernels/{self.kernel_id}/restart", headers=self.auth()
        ) as r:
            if r.status != 200:
                raise RuntimeError(f"restart for {self.name}: HTTP {r.status}")

    # -- the kernel's websocket -----------------------------------------------

    async def connect(self, http):
        url = f"{self.server_url()}/api/kernels/{self.kernel_id}/channels".replace("http", "ws", 1)
        self.session_id = uuid.uuid4().hex
        self.ws = await http.ws_connect(
            f"{url}?session_id={self.session_id}", headers=self.auth(), max_msg_size=0
        )
        self.replies: dict[str, asyncio.Future] = {}
        self.reader = asyncio.ensure_future(self._read())

    def _message(self, channel, msg_type, content):
        msg_id = uuid.uuid4().hex
        return msg_id, {
            "header": {
                "msg_id": msg_id,
                "username": self.name,
                "session": self.session_id,
                "msg_type": msg_type,
                "version": "5.3",
                "date": "",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }

    async def _read(self):
        import aiohttp

        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            parent = msg.get("parent_header", {}).get("msg_id")
            kind = msg["header"]["msg_type"]
            if kind == "comm_msg" and msg["content"].get("comm_id") == self.ids.get("view"):
                move = self.moves.get(parent)
                state = msg["content"]["data"].get("state", {})
                if move is not None and move.latency_ms is None and "value" in state:
                    move.latency_ms = (time.perf_counter() - move.sent) * 1000
                    move.right = expected_loss_html(move.value) in state["value"]
            elif parent in self.replies:
                reply, idle = self.replies[parent]
                if kind == "execute_reply" and not reply.done():
                    reply.set_result(msg)
                elif kind == "stream" and msg["content"]["name"] == "stdout":
                    self.stdout.append(msg["content"]["text"])
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    if not idle.done():  # idle comes after the request's last output
                        idle.set_result(msg)

    async def execute(self, code: str, timeout: float = 300, wait: bool = True):
        msg_id, msg = self._message(
            "shell",
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
            },
        )
        self.stdout = []
        loop = asyncio.get_running_loop()
        self.replies[msg_id] = (loop.create_future(), loop.create_future())
        await self.ws.send_str(json.dumps(msg))
        if wait:
            reply, _ = await asyncio.wait_for(asyncio.gather(*self.replies[msg_id]), timeout)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{self.name}: {reply['content'].get('evalue')}")

    async def build_explorer(self):
        t0 = time.perf_counter()
        await self.execute(SETUP_CODE)
        self.ids = json.loads("".join(self.stdout))
        self.timings["explorer_s"] = time.perf_counter() - t0

    async def move(self, value: float):
        """Drag the slider to `value`: the message JupyterLab's slider view sends."""
        content = {
            "comm_id": self.ids["slider"],
            "data": {"method": "update", "state": {"value": value}, "buffer_paths": []},
        }
        msg_id, msg = self._message("shell", "comm_msg", content)
        self.moves[msg_id] = Move(value, time.perf_counter())
        await self.ws.send_str(json.dumps(msg))

    async def slide(self, n: int, rate: float):
        """n moves at `rate` per second, alternating between two values near the start (each
        move changes the value, so each must produce a new view)."""
        start = round(self.ids["start"], 2)
        t0 = time.perf_counter()
        for i in range(n):
            await self.move(round(start + (0.05 if i % 2 == 0 else 0.10), 2))
            await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.perf_counter()))

    async def drain(self, timeout: float):
        deadline = time.perf_counter() + timeout
        while any(m.latency_ms is None for m in self.moves.values()):
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.05)

    async def close(self):
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(Exception):
            self.reader.cancel()


def _cookie(http, name: str) -> str:
    for c in http.cookie_jar:
        if c.key == name:
            return c.value
    raise RuntimeError(f"no {name} cookie")


def client_session():
    import aiohttp

    # unsafe=True: keep cookies for a bare IP address (127.0.0.1), as a browser does
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        timeout=aiohttp.ClientTimeout(total=600),
    )


# ---------------------------------------------------------------- measuring


def memory_by_student(hub: Hub) -> dict:
    """{student: {"rss_mb", "uss_mb", "processes"}} over each student's server and kernels."""
    import psutil

    out = {}
    for p in hub.processes()[1:]:
        try:
            user = p.environ().get("USER")
            cmd = " ".join(p.cmdline())
            if "jupyterhub.singleuser" not in cmd and "ipykernel" not in cmd:
                continue
            info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        row = out.setdefault(user, {"rss_mb": 0.0, "uss_mb": 0.0, "processes": 0})
        row["rss_mb"] += info.rss / 2**20
        row["uss_mb"] += info.uss / 2**20
        row["processes"] += 1
    return out


def listening(hub: Hub) -> list[tuple[str, int, str]]:
    """(address, port, process name) of every listening TCP socket of the hub's tree."""
    import psutil

    found = []
    for p in hub.processes():
        try:
            for conn in p.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN:
                    found.append((conn.laddr.ip, conn.laddr.port, p.name()))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))]


async def run_class(
    hub: Hub, n_students: int, seconds: float, rate: float, drain_timeout: float = 60
) -> dict:
    """Log in, spawn, build the Explorer and slide, all students at once; the figures."""
    import psutil

    students = [Student(f"student{i:02d}", hub) for i in range(n_students)]
    sessions = [client_session() for _ in students]
    errors = []
    t_start = time.perf_counter()

    async def prepare(s, http):
        await s.login(http)
        await s.spawn(http)
        await s.start_kernel(http)
        await s.connect(http)
        await s.build_explorer()

    try:
        results = await asyncio.gather(
            *(prepare(s, h) for s, h in zip(students, sessions)), return_exceptions=True
        )
        ready = []
        for s, r in zip(students, results):
            if isinstance(r, BaseException):
                errors.append(f"{s.name}: {type(r).__name__}: {r}")
            else:
                ready.append(s)
        t_ready = time.perf_counter()
        hub_proc = psutil.Process(hub.proc.pid)
        groups = {"proxy": [], "servers": [], "kernels": []}
        for p in hub.processes()[1:]:
            with contextlib.suppress(psutil.NoSuchProcess):
                cmd = " ".join(p.cmdline())
                key = (
                    "proxy"
                    if "configurable-http-proxy" in cmd
                    else "servers"
                    if "jupyterhub.singleuser" in cmd
                    else "kernels"
                    if "ipykernel" in cmd
                    else None
                )
                if key:
                    groups[key].append(p)
        proxy = groups["proxy"]
        cpu0 = (cpu_seconds([hub_proc]), cpu_seconds(proxy), time.perf_counter())
        cpu0_groups = {k: cpu_seconds(v) for k, v in groups.items()}
        psutil.cpu_percent(None)
        n_moves = max(1, int(seconds * rate))
        slide = asyncio.gather(*(s.slide(n_moves, rate) for s in ready))
        await asyncio.sleep(seconds / 2)
        memory = memory_by_student(hub)  # in the middle of the sliding
        await slide
        await asyncio.gather(*(s.drain(drain_timeout) for s in ready))
        wall = time.perf_counter() - cpu0[2]
        machine_cpu = psutil.cpu_percent(None)
        hub_cpu = (cpu_seconds([hub_proc]) - cpu0[0]) / wall * 100
        proxy_cpu = (cpu_seconds(proxy) - cpu0[1]) / wall * 100
        group_cpu = {k: (cpu_seconds(v) - cpu0_groups[k]) / wall * 100 for k, v in groups.items()}
        t_done = max(
            (m.sent + m.latency_ms / 1000 for s in ready for m in s.moves.values() if m.latency_ms),
            default=time.perf_counter(),
        )
        listen = listening(hub)
    finally:
        for s in students:
            if getattr(s, "ws", None) is not None:
                await s.close()
        for h in sessions:
            await h.close()

    moves = [m for s in ready for m in s.moves.values()]
    lat = [m.latency_ms for m in moves if m.latency_ms is not None]
    lost = sum(m.latency_ms is None for m in moves)
    wrong = sum(m.right is False for m in moves)
    per_student = [v for k, v in memory.items() if k and k.startswith("student")]
    return {
        "students": n_students,
        "ready": len(ready),
        "rate_per_s": rate,
        "seconds": seconds,
        "moves": len(moves),
        "lost": lost,
        "wrong": wrong,
        "errors": errors,
        "latency_ms": {
            "median": statistics.median(lat) if lat else None,
            "p95": percentile(lat, 95),
            "max": max(lat) if lat else None,
        },
        "memory_mb_per_student": {
            "rss_median": statistics.median([r["rss_mb"] for r in per_student])
            if per_student
            else None,
            "uss_median": statistics.median([r["uss_mb"] for r in per_student])
            if per_student
            else None,
        },
        "cpu_percent_of_one_core": {
            "hub": hub_cpu,
            "proxy": proxy_cpu,
            "all_servers": group_cpu["servers"],
            "all_kernels": group_cpu["kernels"],
        },
        "updates_per_s_offered": len(ready) * rate,
        "updates_per_s_delivered": (len(moves) - lost) / max(1e-9, t_done - cpu0[2]),
        "machine_cpu_percent": machine_cpu,
        "setup_s": t_ready - t_start,
        "spawn_s_median": statistics.median([s.timings["spawn_s"] for s in ready])
        if ready
        else None,
        "listening": sorted({(a, p) for a, p, _ in listen}),
        "students_obj": students,
    }


def summary(r: dict) -> str:
    lat, mem, cpu = r["latency_ms"], r["memory_mb_per_student"], r["cpu_percent_of_one_core"]
    return (
        f"{r['students']} students ({r['ready']} ready in {r['setup_s']:.0f} s): "
        f"{r['moves']} slider moves ({r['rate_per_s']:g}/s per student), lost {r['lost']}, wrong {r['wrong']}, "
        f"errors {len(r['errors'])}; latency median {_f(lat['median'])} ms, p95 {_f(lat['p95'])} ms; "
        f"memory per student {_f(mem['uss_median'])} MB unique ({_f(mem['rss_median'])} MB RSS); "
        f"CPU in % of a core: hub {cpu['hub']:.0f}, proxy {cpu['proxy']:.0f}, servers "
        f"{cpu['all_servers']:.0f}, kernels {cpu['all_kernels']:.0f} (machine "
        f"{r['machine_cpu_percent']:.0f}% of all cores); updates/s offered "
        f"{r['updates_per_s_offered']:.0f}, delivered {r['updates_per_s_delivered']:.0f}"
    )


def _f(v):
    return "—" if v is None else f"{v:.0f}"


def main(argv=None) -> int:
    import platform
    import tempfile

    p = argparse.ArgumentParser(prog="python -m benchmarks.classroom")
    p.add_argument("--students", type=int, nargs="+", default=[30, 60])
    p.add_argument("--seconds", type=float, default=20.0, help="sliding time per run")
    p.add_argument("--rate", type=float, default=4.0, help="slider updates per second per student")
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    runs = {}
    for n in args.students:
        with tempfile.TemporaryDirectory(prefix="classroom-") as tmp, Hub(Path(tmp)) as hub:
            print(f"[classroom] {n} students, hub on {hub.url} ...", flush=True)
            r = asyncio.run(run_class(hub, n, args.seconds, args.rate))
            r.pop("students_obj")
            r["listening"] = [list(x) for x in r["listening"]]
            r["errors"] = r["errors"][:20]
            print("[classroom] " + summary(r), flush=True)
            runs[str(n)] = r
    import psutil

    data = {
        "schema": 1,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB, "
        f"{platform.platform()}, Python {platform.python_version()}",
        "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "runs": runs,
    }
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"[classroom] wrote {args.out}")
    if Path(args.out).resolve() == RESULTS.resolve():  # the default: figure 9 of make bench
        from .fig_classroom import update_bench_results

        for path in update_bench_results():
            print(f"[classroom] figure 9 updated in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
