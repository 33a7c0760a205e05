"""Binder and repo2docker build from environment.yml alone: is that enough for every notebook?

No docker engine and no conda-forge here, so the image itself is never built. What is checked:
every module the notebooks and the library import comes from the standard library, from the
course itself (installed editable by environment.yml's ``-e .``), or from a distribution that
environment.yml lists or that one of those pulls in (read from the installed metadata, where
pip resolved the same top-level versions).
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.test_environment import ENVIRONMENT, environment_pins, load_environment

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(source: str) -> set[str]:
    # IPython magics and shell lines are not Python: drop them before parsing.
    code = "\n".join("" if re.match(r"\s*[%!]", line) else line for line in source.splitlines())
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def course_imports() -> set[str]:
    names = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                names |= imported_modules(cell.source)
    for path in sorted((ROOT / "backprop_lib").rglob("*.py")):
        names |= imported_modules(path.read_text(encoding="utf-8"))
    return names - set(sys.stdlib_module_names) - {"backprop_lib"}


def closure(names: set[str]) -> set[str]:
    """The distributions `names` install, with everything they require (no extras)."""
    seen, todo = set(), list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_notebooks_import_only_what_environment_yml_installs():
    pins = environment_pins(load_environment(ENVIRONMENT.read_text(encoding="utf-8")))
    provided = closure(set(pins) | {"backprop-lib"})
    module_to_dists = metadata.packages_distributions()
    missing = {}
    for module in sorted(course_imports()):
        dists = {canonicalize_name(d) for d in module_to_dists.get(module, [])}
        if not dists & provided:
            missing[module] = sorted(dists) or "not installed here"
    assert missing == {}, f"imported by the course, not installed by environment.yml: {missing}"


def test_the_check_sees_the_course_imports():
    names = course_imports()
    assert {"numpy", "ipywidgets", "matplotlib", "torch", "IPython"} <= names
    assert "torch" in closure({"torch"}) and "numpy" in closure({"backprop-lib"})


def test_imported_modules_reads_magics_and_relative_imports():
    src = (
        "%matplotlib inline\nimport numpy as np\nfrom . import x\nfrom sklearn.datasets import y\n"
    )
    assert imported_modules(src) == {"numpy", "sklearn"}
