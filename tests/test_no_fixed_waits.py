"""The browser tests wait for conditions, never for a fixed time (issue 14): a fixed settle wait
is outrun by a slow machine. Fails on any ``wait_for_timeout`` or ``time.sleep`` (also as
``sleep(`` after ``from time import sleep``) in tests/browser."""

import re
from pathlib import Path

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
FIXED_WAIT = re.compile(
    r"\bwait_for_timeout\s*\(|\btime\.sleep\s*\(|\bfrom\s+time\s+import\b[^\n]*\bsleep\b"
    r"|\basyncio\.sleep\s*\("
)


def fixed_waits(folder: Path) -> list[str]:
    """``file:line: text`` of every fixed wait in the Python files under ``folder``."""
    hits = []
    for path in sorted(folder.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if FIXED_WAIT.search(code) and "``" not in code:
                hits.append(f"{path.relative_to(folder.parent)}:{n}: {line.strip()}")
    return hits


def test_the_browser_tests_have_no_fixed_waits():
    assert BROWSER_TESTS.is_dir()
    assert len(list(BROWSER_TESTS.glob("test_*.py"))) >= 3  # the folder really is there
    hits = fixed_waits(BROWSER_TESTS)
    assert not hits, "fixed waits (wait for a condition instead):\n" + "\n".join(hits)


def test_the_check_finds_a_fixed_wait(tmp_path):
    (tmp_path / "browser").mkdir()
    (tmp_path / "browser" / "test_x.py").write_text(
        "import time\n\ndef test_x(page):\n    page.wait_for_timeout(200)\n    time.sleep(0.5)\n"
        "    page.wait_for_function('() => true')  # a condition: fine\n",
        encoding="utf-8",
    )
    (tmp_path / "browser" / "helper.py").write_text(
        "from time import monotonic, sleep\n", encoding="utf-8"
    )
    hits = fixed_waits(tmp_path / "browser")
    assert [h.split(":")[:2] for h in hits] == [
        ["browser/helper.py", "1"],
        ["browser/test_x.py", "4"],
        ["browser/test_x.py", "5"],
    ]
