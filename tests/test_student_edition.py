"""The student edition (make student): the notebooks without the cells tagged `solution`.

The contract with the notebooks (shared with the issue that decides how solutions are shown) is
the tag alone: a solution's content lives only in cells tagged `solution`. The edition must run
top to bottom with every check saying "no answer yet", and nothing that only the solution cells
show (their source lines, the check's "correct" verdict, the exercise's expected numbers) may
be left in it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from tools import student_edition

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r"\b(ex0\d)\.(check_\w+)\(answer\)")


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    written = student_edition.write_edition(ROOT / "notebooks", out)
    return out, dict((p.name, removed) for p, removed in written)


def cell_text(cell) -> str:
    """Everything a reader of the file can see of one cell: its source and its outputs."""
    return cell.source + "\n" + json.dumps(cell.get("outputs", []), ensure_ascii=False)


def file_text(nb) -> str:
    return "\n".join(cell_text(c) for c in nb.cells) + json.dumps(nb.metadata, ensure_ascii=False)


def expected_values() -> dict[tuple[str, str], list[str]]:
    """{(module, check function): the expected numbers as a notebook would print them}.

    Each check_* is called with `...` while `check` is watched, so the value is the library's
    own (never typed in here). Numbers of fewer than 4 significant digits (0.23) are left out:
    they occur in the course's text for other reasons.
    """
    found = {}
    for mod_name in ("ex01", "ex02", "ex03", "ex04", "ex06"):
        mod = importlib.import_module(f"backprop_lib.exercises.{mod_name}")
        # the function the module compares with: grade (tolerance.py, issue 11) or check
        attr = "grade" if hasattr(mod, "grade") else "check"
        real = getattr(mod, attr)
        seen = []

        def spy(answer, expected, *args, _real=real, _seen=seen, **kwargs):
            _seen.append(np.asarray(expected, dtype=float))
            return _real(answer, expected, *args, **kwargs)

        setattr(mod, attr, spy)
        try:
            for name, func in inspect.getmembers(mod, inspect.isfunction):
                if name.startswith("check_") and func.__module__ == mod.__name__:
                    seen.clear()
                    try:
                        assert not func(...).ok
                    except TypeError:  # 06's engine checks take a class, and compare no number
                        continue
                    if not seen:  # a check that compares no single expected value
                        continue
                    numbers = [np.array2string(abs(v), precision=8) for v in seen[-1].reshape(-1)]
                    found[(mod_name, name)] = [
                        n for n in numbers if len(n.lstrip("0.").replace(".", "")) >= 4
                    ]
        finally:
            setattr(mod, attr, real)
    return found


# ---------------------------------------------------------------- the tool


def test_only_cells_tagged_solution_are_removed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("intro"),
        nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["exercise"]}),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("why 42", metadata={"tags": ["solution", "other"]}),
        nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["solutions"]}),
    ]
    student = student_edition.student_notebook(nb)
    assert [c.source for c in student.cells] == ["intro", "answer = ...", "print(1)"]
    assert len(nb.cells) == 5  # the instructor's notebook is left alone
    assert [c.id for c in student.cells] == [nb.cells[i].id for i in (0, 1, 4)]


def test_edition_has_every_notebook_and_removes_the_solutions(edition):
    out, removed = edition
    assert sorted(removed) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if student_edition.is_solution(c)]
        student = nbformat.read(out / path.name, as_version=4)
        assert removed[path.name] == len(solutions)
        assert not any(student_edition.is_solution(c) for c in student.cells)
        kept = [c for c in nb.cells if not student_edition.is_solution(c)]
        assert [c.source for c in student.cells] == [c.source for c in kept]  # the rest as is
        assert [c.get("outputs") for c in student.cells] == [c.get("outputs") for c in kept]
    assert sum(removed.values()) >= 10, removed  # the course has solutions to remove


def test_exercises_stay_unanswered(edition):
    out, _ = edition
    calls = 0
    for path in sorted(out.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if CHECK_CALL.search(cell.source):
                calls += 1
                assert re.search(r"^answer = \.\.\.", cell.source, re.M), cell.source
    assert calls >= 10


# ---------------------------------------------------------------- nothing leaks


def test_no_solution_line_or_verdict_is_left(edition):
    out, _ = edition
    leaks = []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        others = "\n".join(cell_text(c) for c in nb.cells if not student_edition.is_solution(c))
        lines = {
            line.strip()
            for c in nb.cells
            if student_edition.is_solution(c)
            for line in c.source.splitlines()
            if len(line.strip()) > 3
        }
        unique = {line for line in lines if line not in others}  # "feedback" is in others too
        student = file_text(nbformat.read(out / path.name, as_version=4))
        leaks += [f"{path.name}: {line}" for line in sorted(unique) if line in student]
        assert "✔ correct" not in student, path.name
    assert leaks == []


def test_no_number_that_only_a_solution_shows_is_left(edition):
    out, _ = edition
    expected, leaks, checked = expected_values(), [], 0
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        shown_elsewhere = "\n".join(
            cell_text(c) for c in nb.cells if not student_edition.is_solution(c)
        )
        student = file_text(nbformat.read(out / path.name, as_version=4))
        for mod, func in set(CHECK_CALL.findall("\n".join(c.source for c in nb.cells))):
            for number in expected.get((mod, func), []):  # a check without one value: none
                if number not in shown_elsewhere:
                    checked += 1
                    if number in student:
                        leaks.append(f"{path.name} {func}: {number}")
    assert checked > 0
    assert leaks == []


def test_expected_numbers_are_not_shown_next_to_the_exercise(edition):
    """In the student edition, the exercise's cell and the code cells up to the next text cell
    must not show its expected numbers. (Later cells may: the course goes on with the result,
    and the seeds' printed values are quoted throughout.)"""
    out, _ = edition
    expected, found = expected_values(), set()
    for path in sorted(out.glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            match = CHECK_CALL.search(cell.source)
            if not match:
                continue
            block = [cell]
            for nxt in cells[i + 1 :]:
                if nxt.cell_type != "code":
                    break
                block.append(nxt)
            text = "\n".join(cell_text(c) for c in block)
            if any(n in text for n in expected.get(match.groups(), [])):
                found.add((path.name, match[2]))
    assert found == set()


# ---------------------------------------------------------------- it runs


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_student_edition_runs_top_to_bottom(edition, name):
    from nbclient import NotebookClient

    out, removed = edition
    if removed[name] == 0:
        pytest.skip(
            f"{name} has no solution cell: its edition is the notebook itself (nbval runs it)"
        )
    nb = nbformat.read(out / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=str(out))
    verdicts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (cell.source, output)
            if CHECK_CALL.search(cell.source):
                verdicts.append(json.dumps(output.get("data", {}), ensure_ascii=False))
    exercises = sum(bool(CHECK_CALL.search(c.source)) for c in nb.cells)
    assert len(verdicts) >= exercises > 0
    assert all("no answer yet" in v for v in verdicts), verdicts


def test_the_course_to_hand_out_sets_itself_up_and_holds_no_solution(tmp_path):
    """build/student-course/ is what a student unzips: the course package must build from it
    alone (as `python course.py lab` installs it), course.py must run there, and its notebooks
    are the edition's. (build/student/ held the notebooks alone: no library, no course.py.)"""
    import subprocess
    import sys

    out = tmp_path / "student-course"
    written = student_edition.write_course(ROOT / "notebooks", out)
    assert sorted(p.name for p, _ in written) == [p.name for p in NOTEBOOKS]
    for name in student_edition.COURSE_FILES:
        assert (out / name).exists(), name
    for path, _ in written:
        assert path.parent == out / "notebooks"
        cells = nbformat.read(path, as_version=4).cells
        assert not any(student_edition.is_solution(c) for c in cells), path
    assert not list(out.rglob("__pycache__"))
    run = dict(capture_output=True, text=True, timeout=300, cwd=out)
    help_ = subprocess.run([sys.executable, "course.py", "--help"], **run)
    assert help_.returncode == 0 and "lab" in help_.stdout, help_.stderr
    wheel = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "wheel"), str(out)],
        **run,
    )
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    (built,) = (tmp_path / "wheel").glob("backprop_lib-*.whl")
    import zipfile

    names = zipfile.ZipFile(built).namelist()
    assert "backprop_lib/network.py" in names and "backprop_lib/exercises/ex01.py" in names
