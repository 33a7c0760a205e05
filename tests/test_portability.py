"""Nothing a learner runs may assume POSIX: the library, the notebooks, tools/ and course.py.

A Windows learner runs all four. Flagged: /tmp, os.fork, shell-outs (shell=True, os.system,
os.popen, notebook `!` and `%%bash` lines), paths to a venv's bin/ or to /usr/bin, paths glued
with "/" strings, and text files opened without an encoding (Windows would read UTF-8 as cp1252).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

PATTERNS = {
    "/tmp": re.compile(r"['\"]/tmp\b"),
    "os.fork": re.compile(r"\bos\.fork\b|\bfork\(\)"),
    "shell=True": re.compile(r"shell\s*=\s*True"),
    "os.system/os.popen": re.compile(r"\bos\.(system|popen)\("),
    "POSIX venv or system path": re.compile(r"['\"](?:\.venv/bin|/usr/bin|/bin/(?:ba)?sh)"),
    "path glued with '/'": re.compile(r"\+\s*['\"]/(?!>)|['\"]/['\"]\s*\+|os\.sep\s*\+"),
    "text file without encoding": re.compile(
        r"\.(?:read_text|write_text)\((?![^)]*encoding)[^)]*\)|(?<![.\w])open\((?![^)]*(?:encoding|['\"][rwa]b['\"]))[^)]*\)"
    ),
}
NOTEBOOK_ONLY = {
    "shell escape (!cmd)": re.compile(r"^\s*!", re.M),
    "%%bash / %%sh / %sx": re.compile(r"^\s*%%?(?:bash|sh|sx|system)\b", re.M),
}


def problems(text: str, where: str, notebook: bool = False) -> list[str]:
    found = []
    checks = dict(PATTERNS, **(NOTEBOOK_ONLY if notebook else {}))
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for what, pattern in checks.items():
            if pattern.search(line):
                found.append(f"{where}:{lineno}: {what}: {line.strip()}")
    return found


def learner_sources() -> list[Path]:
    files = sorted((ROOT / "backprop_lib").rglob("*.py")) + sorted((ROOT / "tools").rglob("*.py"))
    return files + [ROOT / "course.py"]


def test_sources_are_found():
    names = {p.name for p in learner_sources()}
    assert {"course.py", "export.py", "__init__.py"} <= names
    assert len(sorted((ROOT / "notebooks").glob("*.ipynb"))) >= 5


def test_library_tools_and_setup_assume_no_posix():
    found = []
    for path in learner_sources():
        found += problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_notebooks_assume_no_posix():
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                found += problems(cell.source, f"{path.name}[cell {i}]", notebook=True)
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "out = open('/tmp/x.txt', 'w', encoding='utf-8')",
        "pid = os.fork()",
        "subprocess.run('ls', shell=True)",
        "os.system('make lab')",
        "py = root + '/.venv/bin/python'",
        "p = folder + '/' + name",
        "text = Path(p).read_text()",
        "with open(p) as f:",
        "Path(p).write_text(s)",
    ],
)
def test_check_catches(line):
    assert problems(line, "x"), line


@pytest.mark.parametrize("line", ["!pip install backprop_lib", "%%bash", "  !ls"])
def test_check_catches_notebook_shell_escapes(line):
    assert problems(line, "x", notebook=True) and not problems(line, "x")


def test_check_passes_portable_lines():
    ok = [
        "path = Path(tempfile.gettempdir()) / 'x'",
        "subprocess.run([sys.executable, '-m', 'pip', 'list'])",
        "text = p.read_text(encoding='utf-8')",
        "with open(p, 'rb') as f:",
        "with open(p, encoding='utf-8') as f:",
        "rel = path.relative_to(src).as_posix()",
        "if a != b:",
        "# never use /tmp here",
    ]
    assert [problems(x, "x", notebook=True) for x in ok] == [[]] * len(ok)
