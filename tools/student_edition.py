"""The student edition: the course's notebooks without their worked solutions.

    python tools/student_edition.py [--src notebooks] [--out build/student]     (make student)

Every cell tagged ``solution`` is removed, with its outputs; nothing else changes (the
exercises stay ``answer = ...``, their checks then say "no answer yet"). The tag is the whole
contract: a solution's content lives only in cells tagged ``solution``. Other files next to the
notebooks are copied as they are. The instructor's edition, with the solutions, is notebooks/.

Two folders come out: ``--out`` (build/student/) holds the edition's notebooks alone, for a hub
whose kernels have the course installed; ``--course`` (build/student-course/) is a whole course
to hand out (zip it): the library, course.py and what it installs from, and the edition as its
notebooks/, so that ``python course.py lab`` (or ``make lab``) sets it up and opens it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"
# what a course folder needs besides its notebooks: the library and the set-up (course.py reads
# pyproject.toml and constraints.txt; environment.yml for Binder and conda)
COURSE_FILES = (
    "backprop_lib",
    "course.py",
    "pyproject.toml",
    "constraints.txt",
    "environment.yml",
    "Makefile",
    "README.md",
    "LICENSE",
    "LICENSE-COURSE.md",
)


def is_solution(cell) -> bool:
    return SOLUTION_TAG in (cell.get("metadata", {}).get("tags") or [])


def student_notebook(nb):
    """A copy of `nb` without its solution cells."""
    out = nbformat.from_dict(nb)
    out.cells = [c for c in out.cells if not is_solution(c)]
    return out


def write_edition(src: Path, out: Path) -> list[tuple[Path, int]]:
    """Write the student edition of every notebook in `src` to `out`; (path, cells removed)."""
    src, out = Path(src), Path(out)
    notebooks = sorted(p for p in src.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        raise SystemExit(f"--src: expected a folder with notebooks, got {src} (no *.ipynb)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for path in sorted(src.iterdir()):
        if path.name.startswith(".") or path.name == "__pycache__":
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            student = student_notebook(nb)
            nbformat.write(student, out / path.name)
            written.append((out / path.name, len(nb.cells) - len(student.cells)))
        elif path.is_dir():
            shutil.copytree(path, out / path.name)
        else:
            shutil.copy2(path, out / path.name)
    return written


def write_course(src: Path, out: Path) -> list[tuple[Path, int]]:
    """A whole course folder in `out`: COURSE_FILES from the repository and, as its notebooks/,
    the student edition of the notebooks in `src`; (path, cells removed) of each notebook."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COURSE_FILES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, out / name, ignore=skip)
        else:
            shutil.copy2(path, out / name)
    return write_edition(src, out / "notebooks")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="tools/student_edition.py", description=__doc__.split("\n")[0])
    p.add_argument("--src", default=str(ROOT / "notebooks"))
    p.add_argument("--out", default=str(ROOT / "build" / "student"))
    p.add_argument("--course", default=str(ROOT / "build" / "student-course"))
    args = p.parse_args(argv)
    for path, removed in write_edition(Path(args.src), Path(args.out)):
        print(f"{path}: {removed} solution cell(s) removed")
    write_course(Path(args.src), Path(args.course))
    print(
        f"{args.course}: the whole course with this edition as its notebooks/ (zip it to hand out)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
