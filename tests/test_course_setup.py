"""course.py, the one setup entry point that make, Windows and conda users share.

Fast tests check its decisions (which venv Python, when to rebuild, which torch index, what an
old Python or a missing constraints.txt is told); the slow ones run the README's non-make
commands verbatim.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE_PY = ROOT / "course.py"
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"


def load_course():
    spec = importlib.util.spec_from_file_location("course_under_test", COURSE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = load_course()


def run_course(*args, cwd=ROOT, python=sys.executable, env=None, timeout=120, script=COURSE_PY):
    return subprocess.run(
        [python, str(script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------- old Pythons, missing files


def test_course_py_is_python_3_8_syntax():
    # An old Python must get far enough to print "needs 3.11", so the file may use
    # nothing newer than 3.8's grammar.
    ast.parse(COURSE_PY.read_text(encoding="utf-8"), feature_version=(3, 8))


def test_course_py_uses_the_standard_library_only():
    tree = ast.parse(COURSE_PY.read_text(encoding="utf-8"))
    names = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    names |= {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    names.discard("__future__")
    assert names <= set(sys.stdlib_module_names), names - set(sys.stdlib_module_names)


@pytest.mark.parametrize("version", [(3, 8), (3, 9), (3, 10)])
def test_old_python_gets_one_clear_message(version):
    msg = course.python_problem(version)
    assert msg and "needs Python 3.11" in msg and f"{version[0]}.{version[1]}" in msg
    assert course.python_problem((3, 11)) is None and course.python_problem((3, 13)) is None


def test_old_python_is_refused_before_anything_runs(tmp_path):
    # A Python 3.9 process, as far as course.py can tell: it must stop with the message
    # (exit 2), create no .venv and print no traceback.
    code = (
        "import runpy, sys; sys.version_info = (3, 9, 18, 'final', 0); "
        f"sys.argv = [{str(COURSE_PY)!r}, 'env']; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    before = (ROOT / ".venv" / ".installed").stat().st_mtime_ns
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out
    assert "needs Python 3.11; this is Python 3.9" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert (ROOT / ".venv" / ".installed").stat().st_mtime_ns == before


def test_missing_constraints_gets_a_clear_message(tmp_path):
    (tmp_path / "course.py").write_bytes(COURSE_PY.read_bytes())
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    out = run_course("env", cwd=tmp_path, script=tmp_path / "course.py")
    assert out.returncode == 2, out
    assert "constraints.txt is missing" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / ".venv").exists()


def test_unknown_command_is_named():
    out = run_course("install")
    assert out.returncode == 2 and "unknown command 'install'" in out.stderr


# ---------------------------------------------------------------- the venv


def test_venv_python_on_windows_and_elsewhere(tmp_path):
    assert course.venv_python(tmp_path, windows=True) == tmp_path / "Scripts" / "python.exe"
    assert course.venv_python(tmp_path, windows=False) == tmp_path / "bin" / "python"


def fake_venv(path: Path, script: str | None) -> Path:
    """A .venv whose python is a shell script (or absent)."""
    py = course.venv_python(path)
    py.parent.mkdir(parents=True)
    if script is not None:
        py.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
        py.chmod(0o755)
    return path


@pytest.mark.skipif(os.name == "nt", reason="fake interpreters are shell scripts")
def test_broken_and_too_old_venvs_are_detected(tmp_path):
    assert course.venv_problem(tmp_path / "none") is None
    assert "no bin/python" in course.venv_problem(fake_venv(tmp_path / "a", None))
    assert "does not run" in course.venv_problem(fake_venv(tmp_path / "b", "exit 1"))
    old = course.venv_problem(fake_venv(tmp_path / "c", "echo 3 9"))
    assert old == "it was made with Python 3.9, and the course needs 3.11"
    assert course.venv_problem(ROOT / ".venv") is None


@pytest.mark.skipif(os.name == "nt", reason="fake interpreters are shell scripts")
def test_a_too_old_venv_is_rebuilt_with_a_message(tmp_path, monkeypatch, capsys):
    # The half-made .venv a Python 3.9 first attempt leaves behind: ensure_env must remove it,
    # say why, make a new one and install into it (pip's commands are recorded, not run).
    venv = fake_venv(tmp_path / ".venv", "echo 3 9")
    (venv / "leftover").write_text("from the failed install", encoding="utf-8")
    monkeypatch.setattr(course, "VENV", venv)
    commands = []

    def record(cmd, **kw):
        commands.append([str(c) for c in cmd])
        if cmd[1:3] == ["-m", "venv"]:
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)

    monkeypatch.setattr(course, "run", record)
    py = course.ensure_env(course.LEARNER_EXTRAS)
    out = capsys.readouterr().out
    assert "rebuilding .venv: it was made with Python 3.9, and the course needs 3.11" in out
    assert not (venv / "leftover").exists() and py.exists()
    installs = [c for c in commands if c[1:4] == ["-m", "pip", "install"] and "-e" in c]
    assert len(installs) == 1 and installs[0][-1] == ".[course,torch]", commands
    assert json.loads((venv / ".installed").read_text(encoding="utf-8"))["extras"] == [
        "course",
        "torch",
    ]
    # Up to date now: nothing more is installed for the learner; the dev tools are added.
    commands.clear()
    course.ensure_env(course.LEARNER_EXTRAS)
    assert commands == []
    course.ensure_env(course.DEV_EXTRAS)
    assert [c[-1] for c in commands if "-e" in c] == [".[course,dev,hub,torch]"]


def test_learner_install_has_no_test_tools():
    assert "dev" not in course.LEARNER_EXTRAS
    assert set(course.LEARNER_EXTRAS) < set(course.DEV_EXTRAS)
    makefile = MAKEFILE.read_text(encoding="utf-8")
    assert "course.py lab $(LAB_ARGS)" in makefile
    assert "course.py env --dev" in makefile


# ---------------------------------------------------------------- torch's index


def test_torch_index_choice():
    cpu = ["--extra-index-url", course.TORCH_CPU_INDEX]
    assert course.torch_index_args("Linux", local_cpu_wheel=False, env={}) == cpu
    assert course.torch_index_args("Linux", local_cpu_wheel=True, env={}) == []
    assert course.torch_index_args("Darwin", local_cpu_wheel=False, env={}) == []
    assert course.torch_index_args("Windows", local_cpu_wheel=False, env={}) == []
    off = {"COURSE_TORCH_INDEX": ""}
    assert course.torch_index_args("Linux", local_cpu_wheel=False, env=off) == []
    mirror = {"COURSE_TORCH_INDEX": "https://mirror.example/cpu"}
    assert course.torch_index_args("Darwin", False, env=mirror)[1] == "https://mirror.example/cpu"


def test_local_cpu_wheel_is_found_in_pip_find_links(tmp_path):
    config = f"global.find-links='{tmp_path}'\n:env:.find-links='file:///nowhere'\n"
    dirs = course.find_links_dirs({}, config)
    assert tmp_path in dirs and Path("/nowhere") in dirs
    assert not course.has_local_cpu_torch(dirs)
    (tmp_path / f"torch-{course.TORCH_VERSION}-cp311-none-any.whl").touch()
    assert not course.has_local_cpu_torch(dirs)  # a plain (CUDA) build does not count
    (tmp_path / f"torch-{course.TORCH_VERSION}+cpu-cp311-cp311-linux_x86_64.whl").touch()
    assert course.has_local_cpu_torch(dirs)
    assert course.find_links_dirs({"PIP_FIND_LINKS": f"{tmp_path} https://x/y"}, "") == [tmp_path]


def test_platform_note_only_off_the_resolved_platform():
    assert course.platform_note((3, 11), "Linux", "x86_64") is None
    for args in [
        ((3, 12), "Linux", "x86_64"),
        ((3, 11), "Darwin", "arm64"),
        ((3, 11), "Windows", "AMD64"),
    ]:
        note = course.platform_note(*args)
        assert note and "resolved and tested for Python 3.11 on Linux x86_64" in note


# ---------------------------------------------------------------- lab and test commands


def test_lab_command_keeps_jupyterlab_safe_defaults():
    cmd = course.lab_command(Path("py"), ["--port=9999"])
    assert cmd[1:3] == ["-m", "jupyterlab"] and cmd[-1] == "--port=9999"
    assert f"--ServerApp.root_dir={course.NOTEBOOK_DIR}" in cmd
    assert not any(a.startswith("--ip") or "token" in a or "password" in a for a in cmd)
    assert ("--allow-root" in cmd) == (hasattr(os, "geteuid") and os.geteuid() == 0)


def test_test_commands_cover_the_three_suites():
    runs = course.test_commands(Path("py"), "all", ["-x"])
    assert len(runs) == 3 and all(r[-1] == "-x" for r in runs)
    assert "not browser" in runs[0] and "--nbval-lax" in runs[1] and "browser" in runs[2]
    with pytest.raises(course.SetupError, match="suite must be one of"):
        course.test_commands(Path("py"), "everything", [])


# ---------------------------------------------------------------- the README's commands, verbatim


def readme_setup_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- setup-commands:start -->\s*```sh\n(.*?)```\s*<!-- setup-commands:end -->", text, re.S
    )
    assert block, "README lost its setup-commands block"
    return [
        line.split("#")[0].strip() for line in block[1].splitlines() if line.split("#")[0].strip()
    ]


def test_readme_documents_the_non_make_commands():
    assert readme_setup_commands() == ["python3 course.py lab", "python3 course.py test"]


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _clean_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env["BROWSER"] = "true"  # JupyterLab's "open a browser" does nothing
    return env


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="runs the Linux/macOS line of the README")
def test_readme_lab_command_verbatim(tmp_path):
    command = readme_setup_commands()[0]
    proc = subprocess.Popen(
        command,
        shell=True,  # exactly as typed into a terminal
        cwd=ROOT,
        env=_clean_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)], daemon=True
    ).start()
    url = re.compile(r"http://(127\.0\.0\.1|localhost):(\d+)/\S*[?&]token=([^\s&#]+)")
    log = []
    try:
        deadline = time.monotonic() + 120
        match = None
        while match is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            log.append(line)
            match = url.search(line)
        assert match, "no URL with a token; log:\n" + "".join(log[-40:])
        port, token = match[2], match[3]
        names = None
        while names is None:  # the URL can be printed a moment before the port accepts
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=15
                ) as r:
                    names = {item["name"] for item in json.load(r)["content"]}
            except urllib.error.URLError as err:
                if time.monotonic() > deadline:
                    pytest.fail(f"{err} on port {port}; log:\n" + "".join(log[-40:]))
                time.sleep(0.2)
        assert any(n.startswith("01_") for n in names), names  # rooted at notebooks/
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=15)
        assert err.value.code in (401, 403)
    finally:
        _stop(proc)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="runs the Linux/macOS line of the README")
def test_readme_test_command_verbatim(tmp_path):
    # The whole suite would run itself recursively; PYTEST_ADDOPTS makes each of the three
    # pytest runs collect only, which still goes through every step of the command verbatim.
    command = readme_setup_commands()[1]
    env = _clean_env(tmp_path)
    env["PYTEST_ADDOPTS"] = "--collect-only -q -p no:cacheprovider"
    out = subprocess.run(
        command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    runs = re.findall(r"\[course\] \S+ -m pytest (.*)", out.stdout)
    assert len(runs) == 3, out.stdout[-3000:]
    collected = [int(n) for n in re.findall(r"^(\d+) tests? collected", out.stdout, re.M)]
    assert len(collected) == 3 and all(n > 0 for n in collected), out.stdout[-3000:]


# ---------------------------------------------------------------- no Chromium


def _browser_suite_without_chromium(tmp_path, ci: bool):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "MAKEFLAGS", "MAKELEVEL")}
    env["BP_CHROMIUM"] = str(tmp_path / "no-chromium-here")
    env["BP_ARTIFACTS_DIR"] = str(tmp_path / "artifacts")
    if ci:
        env["CI"] = "true"
    cmd = course.test_commands(Path(sys.executable), "browser", ["-q", "-p", "no:cacheprovider"])
    return subprocess.run(cmd[0], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_a_missing_chromium_skips_the_browser_tests_with_the_reason(tmp_path):
    out = _browser_suite_without_chromium(tmp_path, ci=False)
    assert out.returncode == 0, out.stdout[-2000:]
    assert re.search(r"\d+ skipped", out.stdout) and " passed" not in out.stdout
    assert "Chromium not found at" in out.stdout and "apt-get install" in out.stdout


@pytest.mark.slow
def test_a_missing_chromium_fails_under_ci(tmp_path):
    out = _browser_suite_without_chromium(tmp_path, ci=True)
    assert out.returncode != 0
    assert "Chromium not found at" in out.stdout and "skipped" not in out.stdout.splitlines()[-1]
