"""The student edition: the course's notebooks without their worked solutions.

    python tools/student_edition.py [--src notebooks] [--out build/student]     (make student)

Every cell tagged ``solution`` is removed, with its outputs; nothing else changes (the
exercises stay ``answer = ...``, their checks then say "no answer yet"). The tag is the whole
contract: a solution's content lives only in cells tagged ``solution``. Other files next to the
notebooks are copied as they are. The instructor's edition, with the solutions, is notebooks/.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"


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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="tools/student_edition.py", description=__doc__.split("\n")[0])
    p.add_argument("--src", default=str(ROOT / "notebooks"))
    p.add_argument("--out", default=str(ROOT / "build" / "student"))
    args = p.parse_args(argv)
    for path, removed in write_edition(Path(args.src), Path(args.out)):
        print(f"{path}: {removed} solution cell(s) removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
