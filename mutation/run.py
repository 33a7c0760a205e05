"""`make mutation`: mutation testing of the numeric core with cosmic-ray, on demand.

    python -m mutation.run [module ...]      # default: every module in MODULES
    python -m mutation.run --survivors [module ...]   # only the last run's survivors, again

For each module, cosmic-ray lists every mutant (an operator swapped, a number changed, a
condition negated, ...). We test ONE mutant per source line (chosen by a fixed seed from that
line's mutants), so that a run takes minutes, not hours, and every line is still probed. Each
mutant is tested in a private copy of the repository (cosmic-ray edits files in place), with
the test command of mutation/cosmic-ray.toml; a mutant is killed when a test fails.

Writes mutation/results.md (the per-module score and every survivor) and results.json.
Mutants that cannot change behaviour are named, with the reason, in mutation/equivalent.toml;
they are listed in the report and left out of the score.
"""

import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
MODULES = ["layers", "network", "gradcheck", "steps", "checks"]
# the tests that exercise each module (a mutant is killed when one of them fails)
TESTS = {
    "layers": "tests/test_layers.py tests/test_mutants.py tests/test_network.py",
    "network": "tests/test_network.py tests/test_mutants.py tests/test_bad_input.py",
    "gradcheck": "tests/test_gradcheck.py tests/test_mutants.py tests/test_gradcheck_promise.py",
    "steps": "tests/test_steps.py tests/test_mutants.py",
    "checks": "tests/test_bad_input.py tests/test_defects.py tests/test_network.py",
}
# at most this many mutants per module, each on a different line (MUTATION_SAMPLE=0: all lines)
SAMPLE = int(os.environ.get("MUTATION_SAMPLE", "40"))
COPY = ["backprop_lib", "tests", "pyproject.toml"]
SEED = 14


def _work_dir(name):
    work = ROOT / "artifacts" / "mutation" / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    shutil.rmtree(work / "tests" / "browser", ignore_errors=True)
    return work


def _sample(db_path):
    """Keep one mutant per source line (on at most SAMPLE lines); mark the others skipped.
    Returns the kept count."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    rng = random.Random(SEED)
    with use_db(str(db_path), WorkDB.Mode.open) as db:
        by_line = {}
        for item in sorted(db.work_items, key=lambda i: i.job_id):
            by_line.setdefault(item.mutations[0].start_pos[0], []).append(item)
        lines = sorted(by_line)
        if SAMPLE and len(lines) > SAMPLE:
            lines = sorted(rng.sample(lines, SAMPLE))
        skip = []
        for line in sorted(by_line):
            items = by_line[line]
            keep = rng.randrange(len(items)) if line in lines else -1
            skip += [it.job_id for k, it in enumerate(items) if k != keep]
        db.set_multiple_results(
            skip, WorkResult(output="not sampled", worker_outcome=WorkerOutcome.SKIPPED)
        )
        return len(lines)


def _results(db_path, source_lines):
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    out = []
    with use_db(str(db_path), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            m = item.mutations[0]
            line = m.start_pos[0]
            killed = result.worker_outcome != WorkerOutcome.NORMAL or (
                result.test_outcome == TestOutcome.KILLED
            )
            out.append({
                "line": line,
                "operator": m.operator_name.split("/")[-1],
                "occurrence": m.occurrence,
                "source": source_lines[line - 1].strip(),
                "killed": bool(killed),
                "diff": (result.diff or "").strip(),
            })
    return sorted(out, key=lambda r: (r["line"], r["operator"]))


def run_module(name, config):
    work = _work_dir(name)
    module = work / "backprop_lib" / f"{name}.py"
    cfg = dict(config["cosmic-ray"])
    cfg["module-path"] = str(module)
    cfg["test-command"] = cfg["test-command"].replace("PYTHON", sys.executable).replace(
        "TESTS", TESTS[name])
    toml = work / f"cr-{name}.toml"
    lines = ["[cosmic-ray]"]
    for key, value in cfg.items():
        if isinstance(value, dict):
            continue
        lines.append(f"{key} = {json.dumps(value)}")
    lines += ["", "[cosmic-ray.distributor]", 'name = "local"', ""]
    toml.write_text("\n".join(lines))
    db = work / f"cr-{name}.sqlite"
    cr = [sys.executable, "-m", "cosmic_ray.cli"]
    subprocess.run(cr + ["init", str(toml), str(db)], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    kept = _sample(db)
    print(f"{name}: {kept} mutants (one per line)", flush=True)
    baseline = subprocess.run(cfg["test-command"].split(), cwd=work, capture_output=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{name}: the tests fail without any mutant:\n{baseline.stdout[-2000:]}")
    subprocess.run(cr + ["exec", str(toml), str(db)], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"{name}: done", flush=True)
    return _results(db, module.read_text().splitlines())


def _equivalent():
    path = HERE / "equivalent.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text())
    return {(e["module"], e["source"], e["operator"]): e["reason"] for e in data.get("mutant", [])}


def report(all_results):
    equivalent = _equivalent()
    rows, lines = {}, []
    for name, results in all_results.items():
        for r in results:
            r["equivalent"] = equivalent.get((name, r["source"], r["operator"]))
        counted = [r for r in results if not r["equivalent"]]
        killed = sum(r["killed"] for r in counted)
        rows[name] = {
            "mutants": len(results),
            "equivalent": len(results) - len(counted),
            "killed": killed,
            "survived": len(counted) - killed,
            "score": killed / len(counted) if counted else 1.0,
        }
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += [
        "# Mutation testing of the numeric core",
        "",
        f"`make mutation` ({stamp}): cosmic-ray, one mutant per source line (seed {SEED}), "
        f"at most {SAMPLE or 'all'} lines per module, tested with the command in "
        "mutation/cosmic-ray.toml and the module's tests (TESTS in mutation/run.py). Score = killed / (mutants - "
        "equivalent).",
        "",
        "| module | mutants | equivalent | killed | survived | score |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name}.py | {r['mutants']} | {r['equivalent']} | {r['killed']} | "
            f"{r['survived']} | {100 * r['score']:.1f}% |"
        )
    lines += ["", "## Surviving mutants", ""]
    for name, results in all_results.items():
        for r in results:
            if not r["killed"] and not r["equivalent"]:
                lines.append(f"- {name}.py:{r['line']} {r['operator']}: `{r['source']}`")
    lines += ["", "## Equivalent mutants (not counted)", ""]
    for name, results in all_results.items():
        for r in results:
            if r["equivalent"]:
                state = "killed" if r["killed"] else "survived"
                lines.append(
                    f"- {name}.py:{r['line']} {r['operator']} ({state}): `{r['source']}`: "
                    f"{r['equivalent']}"
                )
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    (HERE / "results.json").write_text(json.dumps(
        {"summary": rows, "mutants": all_results}, indent=1) + "\n")
    print("\n".join(lines[:8 + len(rows)]))


def rerun_survivors(name, config):
    """Test again, with the current tests, the mutants that survived the last run of ``name``
    (its session in artifacts/mutation/<name>); the rest keep their results."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    work = ROOT / "artifacts" / "mutation" / name
    for sub in ("tests", "backprop_lib"):
        shutil.rmtree(work / sub)
        shutil.copytree(ROOT / sub, work / sub)
    shutil.rmtree(work / "tests" / "browser", ignore_errors=True)
    db = work / f"cr-{name}.sqlite"
    with use_db(str(db), WorkDB.Mode.open) as session:
        survived = [item.job_id for item, r in session.completed_work_items
                    if r.worker_outcome == WorkerOutcome.NORMAL
                    and r.test_outcome == TestOutcome.SURVIVED]
    import sqlite3

    con = sqlite3.connect(db)
    con.executemany("DELETE FROM work_results WHERE job_id = ?", [(j,) for j in survived])
    con.commit()
    con.close()
    print(f"{name}: testing {len(survived)} survivors again", flush=True)
    toml = work / f"cr-{name}.toml"
    subprocess.run([sys.executable, "-m", "cosmic_ray.cli", "exec", str(toml), str(db)],
                   cwd=work, check=True, stdout=subprocess.DEVNULL)
    return _results(db, (work / "backprop_lib" / f"{name}.py").read_text().splitlines())


def main(argv):
    from concurrent.futures import ThreadPoolExecutor

    survivors = "--survivors" in argv
    argv = [a for a in argv if a != "--survivors"]
    names = argv or MODULES
    config = tomllib.loads((HERE / "cosmic-ray.toml").read_text())
    previous = {}
    if (HERE / "results.json").exists() and argv:
        previous = json.loads((HERE / "results.json").read_text())["mutants"]
    results = {n: previous[n] for n in MODULES if n in previous and n not in names}
    jobs = int(os.environ.get("MUTATION_JOBS", "2"))
    with ThreadPoolExecutor(jobs) as pool:
        run = rerun_survivors if survivors else run_module
        for name, res in zip(names, pool.map(lambda n: run(n, config), names)):
            results[name] = res
    report({n: results[n] for n in MODULES if n in results})


if __name__ == "__main__":
    main(sys.argv[1:])
