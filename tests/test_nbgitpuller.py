"""Handing the course out with nbgitpuller, and updating it mid-term, without the network.

The "upstream" is a local git clone of this repository; the student's home is a fresh folder.
The first pull copies the course in; after the instructor commits an update, the second pull
brings it in while the student's own work stays as the student left it. (The same pull through
a student's server on the hub is in tests/test_classroom_hub.py.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgitpuller", reason="the hub extra is not installed (make test installs it)")
from nbgitpuller.pull import GitPuller  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=Instructor", "-c", "user.email=i@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def local_upstream(tmp_path: Path) -> tuple[Path, str]:
    """A clone of this repository (its committed state) that plays the course's public repo."""
    upstream = tmp_path / "upstream"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(upstream)],
        check=True,
        capture_output=True,
    )
    return upstream, git(upstream, "rev-parse", "--abbrev-ref", "HEAD")


def pull(upstream: Path, branch: str, target: Path) -> list[str]:
    return list(GitPuller(upstream.as_uri(), str(target), branch=branch, depth=0).pull())


def test_first_pull_then_a_mid_term_update_keeps_the_students_work(tmp_path):
    upstream, branch = local_upstream(tmp_path)
    home = tmp_path / "home" / "student"
    home.mkdir(parents=True)
    course = home / "backprop"

    pull(upstream, branch, course)
    assert (course / "notebooks" / "02_chain_rule.ipynb").is_file()
    assert (course / "notebooks" / "01_forward_pass.ipynb").read_bytes() == (
        upstream / "notebooks" / "01_forward_pass.ipynb"
    ).read_bytes()

    # The student works: edits notebook 01 and saves notes of their own.
    nb01 = course / "notebooks" / "01_forward_pass.ipynb"
    nb = nbformat.read(nb01, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("my answer: dL/dw = 0.12"))
    nbformat.write(nb, nb01)
    mine = nb01.read_text(encoding="utf-8")
    (course / "notebooks" / "my_notes.md").write_text("my own notes\n", encoding="utf-8")

    # The instructor updates the course mid-term: a new handout, a fixed notebook 02.
    (upstream / "notebooks" / "06_extra.md").write_text("a new handout\n", encoding="utf-8")
    nb02 = upstream / "notebooks" / "02_chain_rule.ipynb"
    nb = nbformat.read(nb02, as_version=4)
    nb.cells[0].source += "\n\n(Updated mid-term: a typo fixed.)"
    nbformat.write(nb, nb02)
    git(upstream, "add", "-A")
    git(upstream, "commit", "--quiet", "-m", "mid-term update")

    pull(upstream, branch, course)
    assert (course / "notebooks" / "06_extra.md").read_text(encoding="utf-8") == "a new handout\n"
    assert (course / "notebooks" / "02_chain_rule.ipynb").read_bytes() == nb02.read_bytes()
    assert nb01.read_text(encoding="utf-8") == mine  # the student's edit survived
    assert (course / "notebooks" / "my_notes.md").read_text(encoding="utf-8") == "my own notes\n"


def test_a_deleted_notebook_comes_back_on_the_next_pull(tmp_path):
    upstream, branch = local_upstream(tmp_path)
    course = tmp_path / "home" / "backprop"
    pull(upstream, branch, course)
    (course / "notebooks" / "03_numeric_vs_analytic.ipynb").unlink()
    pull(upstream, branch, course)
    assert (course / "notebooks" / "03_numeric_vs_analytic.ipynb").is_file()
