"""The three dependency files must tell the same story.

* ``pyproject.toml``  -- what the project needs: names and lower bounds;
* ``constraints.txt`` -- the exact version of every package pip installs
  (written by ``make lock``);
* ``environment.yml`` -- the same top-level packages, at the same exact
  versions, for people who use conda instead of ``make env``.

environment.yml is read with PyYAML. The helpers below are plain functions so
that their failure modes can be tested on deliberately broken samples (see the
``*_detects_*`` and ``*_rejects_*`` tests).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
CONSTRAINTS = ROOT / "constraints.txt"
ENVIRONMENT = ROOT / "environment.yml"

# conda-forge package name -> PyPI name, where the two differ.
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "matplotlib-base": "matplotlib",
    "nbconvert-core": "nbconvert",
}
# Packages environment.yml names that pip does not install (so they are not
# in constraints.txt).
NOT_FROM_PIP = {"python"}
# The one torch version we can install quickly: a CPU wheel on local disk.
TORCH_VERSION = "2.13.0"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def parse_constraints(text: str) -> dict[str, str]:
    """Return {canonical name: version} from a pip constraints file.

    Every non-comment line must be an exact ``name==version`` pin, each name
    must appear once.
    """
    pins: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if not match:
            raise ValueError(f"line {lineno}: not an exact 'name==version' pin: {raw!r}")
        name = canonicalize_name(match[1])
        if name in pins:
            raise ValueError(f"line {lineno}: {match[1]} is pinned twice")
        pins[name] = match[2]
    return pins


def load_environment(text: str) -> dict:
    """environment.yml's data, read with PyYAML, checked to have the shape the tests read: a
    mapping with a plain ``name`` (no spaces, as conda requires), ``channels`` (strings) and
    ``dependencies`` (strings, and ``{"pip": [strings]}`` sections). Anything else raises
    ValueError, so the file cannot silently grow a shape the checks below would misread."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError(f"environment.yml: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"environment.yml: expected a mapping, got {type(data).__name__}")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", str(data.get("name", ""))):
        raise ValueError(f"environment.yml: name must be one word, got {data.get('name')!r}")

    def strings(items, what):
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError(f"environment.yml: {what} must be a list of strings, got {items!r}")

    strings(data.get("channels", []), "channels")
    for entry in data.get("dependencies", []):
        if isinstance(entry, dict):
            if set(entry) != {"pip"}:
                raise ValueError(f"environment.yml: unsupported section {entry!r}")
            strings(entry["pip"], "pip")
        else:
            strings([entry], "dependencies")
    return data


def parse_conda_spec(spec: str) -> tuple[str, str | None]:
    """``'numpy=2.4.6'`` -> ``('numpy', '2.4.6')``; a build string is ignored."""
    match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==?\s*([^=\s]+)(?:=\S+)?)?", spec)
    if not match:
        raise ValueError(f"unsupported conda spec: {spec!r}")
    return match[1], match[2]


def environment_pins(env: dict) -> dict[str, str | None]:
    """{canonical PyPI name: version or None} for every package environment.yml
    installs, conda and pip sections alike (``python`` and pip options skipped)."""
    pins: dict[str, str | None] = {}
    for entry in env.get("dependencies", []):
        if isinstance(entry, dict):  # the `- pip:` section
            for item in entry.get("pip", []):
                if item.startswith("-"):  # pip options such as `-e .`
                    continue
                req = Requirement(item)
                exact = [s.version for s in req.specifier if s.operator == "=="]
                pins[canonicalize_name(req.name)] = exact[0] if len(exact) == 1 else None
            continue
        name, version = parse_conda_spec(entry)
        if name in NOT_FROM_PIP:
            continue
        pins[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = version
    return pins


def find_mismatches(env_pins: dict[str, str | None], constraints: dict[str, str]) -> list[str]:
    """Problems that keep environment.yml from matching constraints.txt."""
    problems = []
    for name, version in sorted(env_pins.items()):
        locked = constraints.get(name)
        if locked is None:
            problems.append(f"{name}: in environment.yml but not pinned in constraints.txt")
        elif version is None:
            problems.append(f"{name}: no exact version in environment.yml (constraints: {locked})")
        elif Version(version) != Version(locked):
            problems.append(f"{name}: environment.yml has {version}, constraints.txt {locked}")
    return problems


def pyproject_requirements(pyproject: dict) -> list[Requirement]:
    """The core dependencies plus those of every extra."""
    project = pyproject["project"]
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return [Requirement(r) for r in reqs]


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def constraints() -> dict[str, str]:
    return parse_constraints(CONSTRAINTS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return load_environment(ENVIRONMENT.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# the real files
# --------------------------------------------------------------------------


def test_constraints_are_exact_public_pins(constraints):
    # parse_constraints already rejected anything but `name==version`.
    assert len(constraints) > 50, "expected the full transitive closure"
    local = {name: v for name, v in constraints.items() if "+" in v}
    assert not local, f"local version labels (e.g. +cpu) do not belong in pins: {local}"


def test_environment_yml_header(environment, pyproject):
    assert environment["name"] == "backprop-course"
    assert environment["channels"] == ["conda-forge"]
    deps = environment["dependencies"]
    assert "python=3.11" in deps
    assert Version("3.11") in SpecifierSet(pyproject["project"]["requires-python"])
    assert any(parse_conda_spec(d)[0] == "pip" for d in deps if isinstance(d, str))
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1
    assert "-e ." in pip_sections[0], "environment.yml must install the library itself"


def test_environment_yml_matches_constraints(environment, constraints):
    assert find_mismatches(environment_pins(environment), constraints) == []


def test_every_pyproject_dependency_is_in_environment_yml(pyproject, environment):
    in_env = set(environment_pins(environment))
    missing = sorted(
        {canonicalize_name(r.name) for r in pyproject_requirements(pyproject)} - in_env
    )
    assert not missing, f"in pyproject.toml but not in environment.yml: {missing}"


def test_constraints_satisfy_pyproject(pyproject, constraints):
    problems = []
    for req in pyproject_requirements(pyproject):
        locked = constraints.get(canonicalize_name(req.name))
        if locked is None:
            problems.append(f"{req.name}: not pinned")
        elif not req.specifier.contains(locked, prereleases=True):
            problems.append(f"{req}: constraints.txt pins {locked}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_torch_is_pinned_to_the_cpu_wheel_version(pyproject, constraints, environment):
    assert pyproject["project"]["optional-dependencies"]["torch"] == [f"torch=={TORCH_VERSION}"]
    assert constraints["torch"] == TORCH_VERSION
    assert environment_pins(environment)["torch"] == TORCH_VERSION


def test_environment_loader_returns_pyyaml_data_unchanged():
    text = ENVIRONMENT.read_text(encoding="utf-8")
    assert load_environment(text) == yaml.safe_load(text)


# --------------------------------------------------------------------------
# the helpers can fail
# --------------------------------------------------------------------------

SAMPLE_ENV = """\
name: sample   # a comment
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy=2.4.5          # one patch release behind
  - pytorch=2.13.0=cpu_*
  - jupyterlab
  - tqdm=4.0.0
  - pip:
      - playwright==1.0.0
      - -e .
"""
SAMPLE_CONSTRAINTS = """\
# header
numpy==2.4.6
torch==2.13.0
jupyterlab==4.6.6
playwright==1.0.0
"""


def test_find_mismatches_detects_version_missing_and_unpinned_packages():
    env = load_environment(SAMPLE_ENV)
    assert env["name"] == "sample"
    pins = environment_pins(env)
    assert pins == {
        "numpy": "2.4.5",
        "torch": "2.13.0",
        "jupyterlab": None,
        "tqdm": "4.0.0",
        "playwright": "1.0.0",
    }
    problems = find_mismatches(pins, parse_constraints(SAMPLE_CONSTRAINTS))
    assert problems == [
        "jupyterlab: no exact version in environment.yml (constraints: 4.6.6)",
        "numpy: environment.yml has 2.4.5, constraints.txt 2.4.6",
        "tqdm: in environment.yml but not pinned in constraints.txt",
    ]


@pytest.mark.parametrize(
    "text",
    ["numpy>=2.0\n", "numpy==2.4.6\nNumPy==2.4.6\n", "-e .\n", "torch\n"],
    ids=["range", "duplicate", "editable", "unpinned"],
)
def test_parse_constraints_rejects_loose_lines(text):
    with pytest.raises(ValueError):
        parse_constraints(text)


@pytest.mark.parametrize(
    "text",
    ["name: x\n  nested: map\n", "- orphan item\n", "name: x\n  - item under a scalar\n"],
    ids=["nested-map", "orphan", "list-under-scalar"],
)
def test_environment_loader_rejects_unsupported_syntax(text):
    with pytest.raises(ValueError):
        load_environment(text)
