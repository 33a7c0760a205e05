"""One setup entry point for the course, on Linux, macOS and Windows.

    python course.py env [--dev]     create or refresh .venv (learner's packages; --dev adds the test tools)
    python course.py lab [ARGS...]   make sure .venv has the course packages, then start JupyterLab
    python course.py test [unit|notebooks|browser|all] [PYTEST ARGS...]
                                     make sure .venv has the test tools, then run the suites
    python course.py hub [ARGS...]   JupyterHub for a class (deploy/jupyterhub_config.py)
    python course.py hub-proxy       npm ci: configurable-http-proxy into deploy/node_modules

On Windows write `py course.py ...`. `make env`, `make lab` and `make test` call this file: there is
one implementation. Standard library only, and old Pythons get as far as saying "needs 3.11".
"""

# Keep this file importable and runnable by Python 3.8: no match, no `X | Y` types at run time.
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP_NAME = ".installed"
CONSTRAINTS = ROOT / "constraints.txt"
PYPROJECT = ROOT / "pyproject.toml"
NOTEBOOK_DIR = ROOT / "notebooks"
BROWSER_TEST_DIR = ROOT / "tests" / "browser"

MIN_PYTHON = (3, 11)
# What constraints.txt was resolved and tested for (its header says so too). Elsewhere
# the same commands are expected to work, but nobody has run them: we say so, not fail.
RESOLVED_FOR = {"python": (3, 11), "system": "Linux", "machine": "x86_64"}

LEARNER_EXTRAS = ("course", "torch")
DEV_EXTRAS = ("course", "torch", "dev", "hub")  # hub: the classroom test

TORCH_VERSION = "2.13.0"
# PyTorch's own index of CPU-only wheels. PyPI's torch for Linux x86_64 is the CUDA build
# (several GB of NVIDIA libraries); this index holds `torch==2.13.0+cpu` (190 MB).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


class SetupError(Exception):
    """A problem the learner can fix; printed as one message, without a traceback."""


# ------------------------------------------------------------------ checks


def python_problem(version_info=None) -> str | None:
    """A sentence saying why this Python cannot run the course, or None."""
    v = tuple(version_info or sys.version_info)[:2]
    if v < MIN_PYTHON:
        return (
            f"The course needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}; this is Python "
            f"{v[0]}.{v[1]} ({sys.executable}). Install Python 3.11 and run this again with it, "
            "e.g. `make lab PYTHON=python3.11`, `python3.11 course.py lab`, or on Windows "
            "`py -3.11 course.py lab`."
        )
    return None


def platform_note(version_info=None, system=None, machine=None) -> str | None:
    """A warning when this Python/OS is not the one constraints.txt was resolved for."""
    v = tuple(version_info or sys.version_info)[:2]
    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    machine = {"amd64": "x86_64"}.get(machine, machine)
    want = RESOLVED_FOR
    if v == want["python"] and system == want["system"] and machine == want["machine"]:
        return None
    return (
        f"note: constraints.txt is resolved and tested for Python 3.11 on Linux x86_64; this is "
        f"Python {v[0]}.{v[1]} on {system} {machine}, where it is untested. If pip "
        "cannot find a pinned version here, use Python 3.11 (or conda: environment.yml)."
    )


def venv_python(venv: Path | None = None, windows: bool | None = None) -> Path:
    """The venv's interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    venv = VENV if venv is None else venv
    if windows is None:
        windows = os.name == "nt"
    return venv / "Scripts" / "python.exe" if windows else venv / "bin" / "python"


def venv_problem(venv: Path | None = None) -> str | None:
    """Why the existing .venv cannot be reused (None: it can, or there is none)."""
    venv = VENV if venv is None else venv
    if not venv.exists():
        return None
    py = venv_python(venv)
    if not py.exists():
        return f"{venv} has no {py.relative_to(venv)} (an interrupted or foreign install)"
    try:
        out = subprocess.run(
            [str(py), "-c", "import sys, venv; print('%d %d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"its Python does not run ({err})"
    if out.returncode != 0:
        return f"its Python does not run ({out.stderr.strip().splitlines()[-1:] or out.returncode})"
    major, minor = (int(x) for x in out.stdout.split())
    if (major, minor) < MIN_PYTHON:
        return f"it was made with Python {major}.{minor}, and the course needs 3.11"
    return None


def inputs_digest() -> str:
    """Hash of what the install depends on: pyproject.toml and constraints.txt."""
    h = hashlib.sha256()
    for path in (PYPROJECT, CONSTRAINTS):
        h.update(path.read_bytes())
    return h.hexdigest()


def read_stamp(venv: Path | None = None) -> dict:
    venv = VENV if venv is None else venv
    try:
        return json.loads((venv / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def find_links_dirs(env=None, pip_config_text: str = "") -> list[Path]:
    """Directories in pip's find-links (PIP_FIND_LINKS and `pip config list`)."""
    env = os.environ if env is None else env
    values = [env.get("PIP_FIND_LINKS", "")]
    for line in pip_config_text.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith("find-links"):
            values.append(value.strip().strip("'\""))
    dirs = []
    for value in values:
        for item in value.split():
            if item.startswith("file://"):
                item = item[len("file://") :]
            if "://" not in item and item:
                dirs.append(Path(item))
    return dirs


def has_local_cpu_torch(dirs) -> bool:
    for d in dirs:
        try:
            if any(Path(d).glob(f"torch-{TORCH_VERSION}+cpu-*.whl")):
                return True
        except OSError:
            continue
    return False


def torch_index_args(system: str, local_cpu_wheel: bool, env=None) -> list[str]:
    """Extra pip arguments so that torch comes as the CPU build.

    Linux x86_64 is the one platform whose PyPI torch is the CUDA build. There, unless a local
    CPU wheel is in pip's find-links, PyTorch's CPU index is added; its `2.13.0+cpu` sorts above
    PyPI's plain 2.13.0, so pip takes it. macOS and Windows get CPU builds from PyPI itself.
    COURSE_TORCH_INDEX overrides ('' turns it off, a URL replaces PyTorch's).
    """
    env = os.environ if env is None else env
    if "COURSE_TORCH_INDEX" in env:
        url = env["COURSE_TORCH_INDEX"].strip()
        return ["--extra-index-url", url] if url else []
    if system == "Linux" and not local_cpu_wheel:
        return ["--extra-index-url", TORCH_CPU_INDEX]
    return []


# ------------------------------------------------------------------ actions


def say(msg: str) -> None:
    print(f"[course] {msg}", flush=True)


def run(cmd, **kw) -> None:
    say(" ".join(str(c) for c in cmd))
    result = subprocess.run([str(c) for c in cmd], **kw)
    if result.returncode != 0:
        raise SetupError(f"this command failed (exit {result.returncode}): {cmd[2:5]}...")


def ensure_env(extras=LEARNER_EXTRAS) -> Path:
    """Create or refresh .venv so that it has `extras`; return its Python."""
    problem = python_problem()
    if problem:
        raise SetupError(problem)
    for path in (CONSTRAINTS, PYPROJECT):
        if not path.is_file():
            raise SetupError(
                f"{path.name} is missing from {ROOT}: it holds the course's exact package "
                "versions. Get a complete copy of the repository (git clone, or re-download "
                "the zip), then run this again."
            )
    broken = venv_problem()
    if broken:
        say(f"rebuilding {VENV.name}: {broken}")
        shutil.rmtree(VENV)
    py = venv_python()
    if not py.exists():
        note = platform_note()
        if note:
            say(note)
        say(f"creating {VENV.name} with Python {platform.python_version()} ({sys.executable})")
        run([sys.executable, "-m", "venv", VENV])
    stamp = read_stamp()
    digest = inputs_digest()
    have = set(stamp.get("extras", [])) if stamp.get("inputs") == digest else set()
    want = set(extras)
    if want <= have:
        return py
    extras = sorted(want | have)
    config = subprocess.run(
        [str(py), "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    index = torch_index_args(platform.system(), has_local_cpu_torch(find_links_dirs(None, config)))
    if index:
        say(f"torch {TORCH_VERSION}: CPU build from {index[1]} (190 MB)")
    pip = [py, "-m", "pip"]
    run(pip + ["install", "--quiet", "--upgrade", "-c", CONSTRAINTS, "pip", "setuptools"])
    run(pip + ["install", *index, "-c", CONSTRAINTS, "-e", f".[{','.join(extras)}]"], cwd=ROOT)
    run(pip + ["check"])
    (VENV / STAMP_NAME).write_text(
        json.dumps({"extras": extras, "inputs": digest}) + "\n", encoding="utf-8"
    )
    say(f"{VENV.name} is ready ({', '.join(extras)})")
    return py


DEPLOY = ROOT / "deploy"
HUB_EXTRAS = ("course", "torch", "hub")


def proxy_path() -> Path:
    name = "configurable-http-proxy" + (".cmd" if os.name == "nt" else "")
    return DEPLOY / "node_modules" / ".bin" / name


def ensure_proxy(required: bool = True) -> Path | None:
    """configurable-http-proxy (npm) in deploy/node_modules, from package-lock.json: `npm ci`
    when it is missing or the lock file changed. Without npm: an error, or None if not required."""
    proxy, lock = proxy_path(), DEPLOY / "package-lock.json"
    marker = DEPLOY / "node_modules" / ".course-lock-sha256"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if proxy.exists() and marker.exists() and marker.read_text(encoding="utf-8") == digest:
        return proxy
    npm = shutil.which("npm")
    if npm is None:
        if not required:
            say("npm not found: the JupyterHub tests will be skipped (install Node.js 20 and npm)")
            return None
        raise SetupError(
            "the hub's proxy (configurable-http-proxy) comes from npm, and npm was not found: "
            "install Node.js 20 with npm, then run this again."
        )
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=DEPLOY)
    marker.write_text(digest, encoding="utf-8")
    return proxy


def lab_command(py: Path, args) -> list[str]:
    """JupyterLab with its own safe defaults: localhost only, token required.

    Never add a wildcard IP or an empty token here; tests/test_lab_security.py checks it.
    Jupyter refuses to start as root unless told; containers and CI machines often are root,
    so it is told there (and only there). That flag changes nothing else.
    """
    cmd = [str(py), "-m", "jupyterlab", f"--ServerApp.root_dir={NOTEBOOK_DIR}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd + list(args)


def test_commands(py: Path, suite: str, args) -> list[list[str]]:
    """The pytest runs of `suite` (unit, notebooks, browser or all)."""
    pytest = [str(py), "-m", "pytest"]
    # the unit tests on two workers (pytest-xdist), each test file on one (a module's fixtures
    # run once); the browser tests too (tests/browser/conftest.py says which go together)
    unit = pytest + ["-m", "not browser", f"--ignore={BROWSER_TEST_DIR.relative_to(ROOT)}"]
    unit += ["-n", "2", "--dist", "loadfile"]
    notebooks = pytest + ["--nbval-lax", "--nbval-current-env", NOTEBOOK_DIR.name]
    browser = pytest + ["-m", "browser", "-n", "2", str(BROWSER_TEST_DIR.relative_to(ROOT))]
    runs = {"unit": [unit], "notebooks": [notebooks], "browser": [browser]}
    runs["all"] = [unit, notebooks, browser]
    if suite not in runs:
        raise SetupError(f"test: suite must be one of unit, notebooks, browser, all; got {suite!r}")
    if suite in ("notebooks", "all") and not list(NOTEBOOK_DIR.glob("*.ipynb")):
        runs[suite] = [r for r in runs[suite] if r is not notebooks]
    return [cmd + list(args) for cmd in runs[suite]]


def run_server(cmd) -> int:
    """Run a server (JupyterLab, JupyterHub) in the foreground until it stops. A SIGTERM to this
    process is passed on, so that the server shuts down its kernels, single-user servers and
    proxy instead of being orphaned; Ctrl+C reaches it directly (same process group)."""
    say(" ".join(str(c) for c in cmd))
    child = subprocess.Popen([str(c) for c in cmd], cwd=ROOT)

    def forward(signum, frame):
        child.send_signal(signum)

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, forward)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue  # the server got the Ctrl+C too and decides (JupyterLab asks to confirm)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    try:
        if command == "env":
            ensure_env(DEV_EXTRAS if "--dev" in rest else LEARNER_EXTRAS)
            return 0
        if command == "lab":
            py = ensure_env(LEARNER_EXTRAS)
            NOTEBOOK_DIR.mkdir(exist_ok=True)
            return run_server(lab_command(py, rest))
        if command == "hub-proxy":
            ensure_proxy()
            return 0
        if command == "hub":
            py = ensure_env(HUB_EXTRAS)
            ensure_proxy()
            return run_server(
                [py, "-m", "jupyterhub", "-f", DEPLOY / "jupyterhub_config.py", *rest]
            )
        if command == "test":
            suite = "all"
            if rest and rest[0] in ("unit", "notebooks", "browser", "all"):
                suite, rest = rest[0], rest[1:]
            py = ensure_env(DEV_EXTRAS)
            if suite in ("unit", "all"):  # the small classroom test needs the hub's proxy
                ensure_proxy(required=os.environ.get("CI") == "true")
            failed = 0
            for cmd in test_commands(py, suite, rest):
                say(" ".join(cmd))
                rc = subprocess.call(cmd, cwd=ROOT)
                failed = failed or rc
                if rc and os.environ.get("COURSE_KEEP_GOING") != "1":
                    return rc
            return failed
        raise SetupError(
            f"unknown command {command!r}: use env, lab, test, hub or hub-proxy (see --help)"
        )
    except SetupError as err:
        print(f"[course] error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
