"""`make mutation`: mutation testing of the numeric core with cosmic-ray, on demand.

    python -m mutation.run [module ...]               # default: every module in MODULES
    python -m mutation.run --survivors [module ...]   # only the last run's survivors, again
    python -m mutation.run --report                   # rewrite results.md from results.json

For each module, ``cosmic-ray init`` lists every mutant (an operator swapped, a number changed,
a condition negated, ...). A *site* is one place in the source that cosmic-ray mutates (a line
and column: one ``+``, one ``<``, one number, one ``if`` condition); cosmic-ray has several
mutants at most sites (``+`` becomes ``-``, ``*``, ``/``, ...). By default we test ONE mutant
per site, every site of the module (MUTATION_SCOPE=all: every mutant; =line: one per line). The
mutant at a site is chosen by a fixed seed from the site's own text, so it stays the same mutant
when lines move.

Speed (``make mutation`` tests about 1,000 mutants in well under an hour on 2 cores):

* MUTATION_JOBS (default 2) worker processes, each with its own copy of the repository
  (artifacts/mutation/worker-N), take mutants from one queue of all modules;
* a worker imports numpy, pytest and hypothesis once, then forks a child per mutant that runs
  pytest in-process on the module's own test files (TESTS below, the quickest killers
  first) with ``-x``, no cache and no plugins but pytest-timeout and hypothesis (nbval's
  Jupyter imports alone cost seconds); a mutant is killed when a test fails or the child dies;
* a child that runs longer than MUTATION_TIMEOUT seconds (default 120) is stopped and the
  mutant counted as killed (it hangs: an endless loop);
* the mutated module's .pyc is deleted before each run and none is written, so no stale
  bytecode of the previous mutant is ever imported.

Before any mutant, each module's tests must pass unmutated in each worker (the baseline).

Writes mutation/results.md (the per-module score, every survivor) and results.json.
Mutants that cannot change behaviour are named, with the reason, in mutation/equivalent.toml;
they are listed in the report and left out of the score.
"""

import datetime
import difflib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
ARTIFACTS = ROOT / "artifacts" / "mutation"
MODULES = ["layers", "params", "network", "gradcheck", "steps", "checks"]
# The tests that exercise each module, the quickest and most direct first (with -x the first
# failing test ends the run). A mutant is killed when one of them fails.
TESTS = {
    "layers": [
        "tests/test_mutants_merged.py",
        "tests/test_layers.py",
        "tests/test_mutants.py",
        "tests/test_network.py",
        "tests/test_gradcheck.py",
    ],
    "params": ["tests/test_network.py", "tests/test_mutants.py", "tests/test_bad_input.py"],
    "network": [
        "tests/test_network.py",
        "tests/test_mutants.py",
        "tests/test_layers.py",
        "tests/test_bad_input.py",
        "tests/test_gradcheck.py",
        "tests/test_defects.py",
    ],
    "gradcheck": [
        "tests/test_gradcheck.py",
        "tests/test_mutants.py",
        "tests/test_gradcheck_promise.py",
        "tests/test_bad_input.py",
        "tests/test_defects.py",
    ],
    "steps": ["tests/test_steps.py", "tests/test_mutants.py", "tests/test_replay_arithmetic.py"],
    "checks": [
        "tests/test_mutants_merged.py",
        "tests/test_checks.py",
        "tests/test_bad_input.py",
        "tests/test_network.py",
        "tests/test_defects.py",
    ],
}
# pytest-timeout and hypothesis's plugin are passed as objects (naming them with -p makes
# pytest scan every installed package's entry points); unraisableexception's five gc.collect()
# per run cost more than most tests. A fixed hypothesis seed: every mutant (and the baseline)
# meets the same examples, so a run is repeatable.
PYTEST_ARGS = [
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:unraisableexception",
    "-p",
    "no:threadexception",
    "--timeout=60",
    "--hypothesis-seed=14",
]
SCOPE = os.environ.get("MUTATION_SCOPE", "site")  # site | line | all
JOBS = int(os.environ.get("MUTATION_JOBS", "2"))
TIMEOUT = float(os.environ.get("MUTATION_TIMEOUT", "120"))
COPY = ["backprop_lib", "tests", "pyproject.toml"]
SEED = 14


# ------------------------------------------------------------------------- listing the mutants


def _list_mutants(name):
    """Every mutant cosmic-ray has for backprop_lib/<name>.py, as dicts."""
    from cosmic_ray.work_db import WorkDB, use_db

    work = ARTIFACTS / "init"
    work.mkdir(parents=True, exist_ok=True)
    module = ROOT / "backprop_lib" / f"{name}.py"
    config = tomllib.loads((HERE / "cosmic-ray.toml").read_text())["cosmic-ray"]
    toml = work / f"cr-{name}.toml"
    toml.write_text(
        "\n".join(
            [
                "[cosmic-ray]",
                f"module-path = {json.dumps(str(module))}",
                f"timeout = {TIMEOUT}",
                f"excluded-modules = {json.dumps(config.get('excluded-modules', []))}",
                'test-command = "true"',
                "",
                "[cosmic-ray.distributor]",
                'name = "local"',
                "",
            ]
        )
    )
    db = work / f"cr-{name}.sqlite"
    db.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "cosmic_ray.cli", "init", str(toml), str(db)],
        cwd=work,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    lines = module.read_text().splitlines()
    out = []
    with use_db(str(db), WorkDB.Mode.open) as session:
        for item in session.work_items:
            m = item.mutations[0]
            line, col = m.start_pos
            out.append(
                {
                    "module": name,
                    "operator_name": m.operator_name,
                    "operator": m.operator_name.split("/")[-1],
                    "operator_args": dict(m.operator_args or {}),
                    "occurrence": m.occurrence,
                    "line": line,
                    "col": col,
                    "source": lines[line - 1].strip(),
                    "site_key": f"{name}|{lines[line - 1].strip()}|"
                    f"{col - (len(lines[line - 1]) - len(lines[line - 1].lstrip()))}",
                }
            )
    return out


def _choose(mutants):
    """One mutant per site (or per line, or all of them), chosen by a seed from the site's text."""
    if SCOPE == "all":
        return mutants
    groups = {}
    for m in mutants:
        key = (m["line"], m["col"]) if SCOPE == "site" else m["line"]
        groups.setdefault(key, []).append(m)
    chosen = []
    for key in sorted(groups):
        group = sorted(
            groups[key],
            key=lambda m: (m["operator"], json.dumps(m["operator_args"]), m["occurrence"]),
        )
        rng = random.Random(f"{SEED}|{group[0]['site_key']}")
        chosen.append(group[rng.randrange(len(group))])
    return chosen


# ------------------------------------------------------------------------------- the workers


def _work_dir(slot):
    work = ARTIFACTS / f"worker-{slot}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    shutil.rmtree(work / "tests" / "browser", ignore_errors=True)
    for cache in work.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    return work


def _claim(claims, key):
    try:
        os.close(os.open(claims / key, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


_CHILD = []  # the running child's pid, for the worker's SIGTERM handler


def _stop_child(signum, frame):
    for pid in _CHILD:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(1)


def _run_child(work, tests, log, write_bytecode):
    """Fork; the child runs pytest on ``tests`` in ``work``. Returns (exit code, seconds)."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            os.setpgid(0, 0)
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.chdir(work)
            sys.dont_write_bytecode = not write_bytecode
            sys.path.insert(0, str(work))
            import _hypothesis_pytestplugin
            import pytest
            import pytest_timeout

            import backprop_lib

            if not backprop_lib.__file__.startswith(str(work)):
                print(f"backprop_lib imported from {backprop_lib.__file__}, not {work}")
                os._exit(99)
            code = 0
            for test_file in tests:  # one file at a time: most mutants die in the first
                code = int(
                    pytest.main(
                        PYTEST_ARGS + [test_file],
                        plugins=[pytest_timeout, _hypothesis_pytestplugin],
                    )
                )
                if code:
                    break
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 98
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _CHILD[:] = [pid]
    deadline = start + TIMEOUT
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), time.monotonic() - start
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout", time.monotonic() - start
            time.sleep(0.02)
    finally:
        _CHILD.clear()


def _first_failure(log):
    text = Path(log).read_text(errors="replace") if Path(log).exists() else ""
    for line in text.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0][:200]
    return text.strip().splitlines()[-1][:200] if text.strip() else ""


def worker(slot, jobs_file):
    """One worker process: claims jobs from jobs_file until none is left."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    import gc

    import _hypothesis_pytestplugin  # noqa: F401  (imported once here, inherited by every child)
    import cosmic_ray.plugins
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401
    from cosmic_ray.mutating import mutate_code

    gc.collect()
    gc.freeze()  # the children's garbage collector need not walk what was imported here

    signal.signal(signal.SIGTERM, _stop_child)
    spec = json.loads(Path(jobs_file).read_text())
    claims = Path(spec["claims"])
    out = open(ARTIFACTS / f"results-{slot}.jsonl", "a")
    work = _work_dir(slot)
    logs = work / "logs"
    logs.mkdir()
    originals = {n: (work / "backprop_lib" / f"{n}.py").read_text() for n in spec["modules"]}
    baseline_ok = {}
    for job in spec["jobs"]:
        name = job["module"]
        if name not in baseline_ok:  # each module's tests must pass unmutated in this worker
            code, secs = _run_child(work, TESTS[name], logs / f"baseline-{name}.log", True)
            baseline_ok[name] = code == 0
            out.write(
                json.dumps(
                    {
                        "baseline": name,
                        "slot": slot,
                        "ok": code == 0,
                        "seconds": round(secs, 2),
                        "failure": ""
                        if code == 0
                        else _first_failure(logs / f"baseline-{name}.log"),
                    }
                )
                + "\n"
            )
            out.flush()
        if not baseline_ok[name] or not _claim(claims, job["id"]):
            continue
        path = work / "backprop_lib" / f"{name}.py"
        operator = cosmic_ray.plugins.get_operator(job["operator_name"])(**job["operator_args"])
        mutated = mutate_code(originals[name], operator, job["occurrence"])
        result = dict(job)
        if mutated is None:
            result.update(outcome="no mutation", killed=False, seconds=0.0, diff="")
        else:
            path.write_text(mutated)
            for pyc in (path.parent / "__pycache__").glob(f"{name}.*.pyc"):
                pyc.unlink()
            log = logs / f"{job['id']}.log"
            code, secs = _run_child(work, TESTS[name], log, False)
            path.write_text(originals[name])
            diff = difflib.unified_diff(
                originals[name].splitlines(),
                mutated.splitlines(),
                "a/" + name,
                "b/" + name,
                n=0,
                lineterm="",
            )
            result.update(
                outcome="timeout" if code == "timeout" else ("survived" if code == 0 else "killed"),
                exit_code=code,
                killed=code != 0,
                seconds=round(secs, 2),
                killed_by="" if code == 0 else _first_failure(log),
                diff="\n".join(list(diff)[2:]),
            )
            if code == 0:
                pass
            else:
                log.unlink(missing_ok=True)
        out.write(json.dumps(result) + "\n")
        out.flush()
    for pyc in (work / "backprop_lib" / "__pycache__").glob("*.pyc"):
        pyc.unlink()


def _run_jobs(jobs, names):
    """Run ``jobs`` on JOBS workers; returns (results, baselines)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    claims = ARTIFACTS / "claims"
    shutil.rmtree(claims, ignore_errors=True)
    claims.mkdir()
    for f in ARTIFACTS.glob("results-*.jsonl"):
        f.unlink()
    for i, job in enumerate(jobs):
        job["id"] = f"{job['module']}-{i:05d}"
    jobs_file = ARTIFACTS / "jobs.json"
    jobs_file.write_text(json.dumps({"claims": str(claims), "modules": names, "jobs": jobs}))
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONHASHSEED="0",
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mutation.run", "--worker", str(slot), str(jobs_file)],
            cwd=ROOT,
            env=env,
        )
        for slot in range(JOBS)
    ]
    start = time.monotonic()

    def stop(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(5)
            done = len(list(claims.iterdir()))
            print(
                f"\r{done}/{len(jobs)} mutants claimed, {time.monotonic() - start:.0f} s",
                end="",
                flush=True,
            )
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait()
    print(flush=True)
    results, baselines = [], []
    for f in sorted(ARTIFACTS.glob("results-*.jsonl")):
        for line in f.read_text().splitlines():
            rec = json.loads(line)
            (baselines if "baseline" in rec else results).append(rec)
    bad = [b for b in baselines if not b["ok"]]
    if bad:
        raise SystemExit(
            "the tests fail without any mutant: "
            + "; ".join(f"{b['baseline']} (worker {b['slot']}): {b['failure']}" for b in bad)
        )
    return results, baselines, time.monotonic() - start


# ------------------------------------------------------------------------------- the report


def _equivalent():
    path = HERE / "equivalent.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text())
    return {
        (e["module"], e["source"], e.get("becomes") or e["operator"]): e["reason"]
        for e in data.get("mutant", [])
    }


def _becomes(r):
    """The mutated line, stripped (from the diff), e.g. ``if n_out <= 1 and T.shape == s:``."""
    plus = [
        d[1:].strip()
        for d in r.get("diff", "").splitlines()
        if d.startswith("+") and not d.startswith("+++")
    ]
    return plus[0] if plus else ""


def report(all_results, meta):
    equivalent = _equivalent()
    rows, lines = {}, []
    for name, results in all_results.items():
        results = [r for r in results if r["outcome"] != "no mutation"]
        all_results[name] = results
        for r in results:
            r["becomes"] = _becomes(r)
            r["equivalent"] = equivalent.get((name, r["source"], r["becomes"])) or equivalent.get(
                (name, r["source"], r["operator"])
            )
        counted = [r for r in results if not r["equivalent"]]
        killed = sum(r["killed"] for r in counted)
        rows[name] = {
            "scope": meta["scope"].get(name, "?"),
            "run": meta["run"].get(name, "?"),
            "mutants": len(results),
            "equivalent": len(results) - len(counted),
            "killed": killed,
            "timeouts": sum(r["outcome"] == "timeout" for r in counted),
            "survived": len(counted) - killed,
            "score": killed / len(counted) if counted else 1.0,
        }
    scope_text = {
        "site": "one mutant per operator site, every site",
        "line": "one mutant per source line",
        "all": "every mutant",
    }
    lines += [
        "# Mutation testing of the numeric core",
        "",
        "`make mutation` (mutation/run.py): cosmic-ray 8.7.0's mutants, "
        f"{scope_text.get(SCOPE, SCOPE)} (the mutant at a site chosen by seed {SEED} from the "
        "site's text), each tested with the module's own test files (TESTS in mutation/run.py) "
        "in pytest with `-x`. Score = killed / (mutants - equivalent); a mutant whose tests "
        f"run over {TIMEOUT:g} s is counted as killed (timeouts column).",
        "",
        "| module | scope | run (UTC) | sites tested | equivalent | killed | (timeouts) | "
        "survived | score |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name}.py | {r['scope']} | {r['run']} | {r['mutants']} | {r['equivalent']} | "
            f"{r['killed']} | {r['timeouts']} | {r['survived']} | {100 * r['score']:.1f}% |"
        )
    if meta.get("note"):
        lines += ["", meta["note"]]
    lines += [
        "",
        "## Runs",
        "",
        "| started (UTC) | modules | mutants | workers | minutes |",
        "|---|---|---:|---:|---:|",
    ]
    for stamp, t in meta.get("timings", {}).items():
        lines.append(
            f"| {stamp} | {', '.join(t['modules'])}{' (survivors)' if t.get('survivors') else ''}"
            f" | {t['mutants']} | {t['jobs']} | {t['seconds'] / 60:.1f} |"
        )
    lines += ["", "## Surviving mutants", ""]
    for name, results in all_results.items():
        for r in sorted(results, key=lambda r: (r["line"], r["col"])):
            if not r["killed"] and not r["equivalent"]:
                lines.append(
                    f"- {name}.py:{r['line']}:{r['col']} {r['operator']}: "
                    f"`{r['source']}` becomes `{r['becomes']}`"
                )
    lines += ["", "## Equivalent mutants (not counted)", ""]
    for name, results in all_results.items():
        for r in sorted(results, key=lambda r: (r["line"], r["col"])):
            if r["equivalent"]:
                state = "killed" if r["killed"] else "survived"
                lines.append(
                    f"- {name}.py:{r['line']} {r['operator']} ({state}): `{r['source']}` "
                    f"becomes `{r['becomes']}`: {r['equivalent']}"
                )
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    (HERE / "results.json").write_text(
        json.dumps({"summary": rows, "meta": meta, "mutants": all_results}, indent=1) + "\n"
    )
    print("\n".join(lines[: 7 + len(rows)]))


def main(argv):
    if argv[:1] == ["--worker"]:
        return worker(int(argv[1]), argv[2])
    if argv[:1] == ["--report"]:  # rewrite results.md from results.json, running nothing
        data = json.loads((HERE / "results.json").read_text())
        return report(data["mutants"], data["meta"])
    survivors = "--survivors" in argv
    argv = [a for a in argv if a != "--survivors"]
    names = argv or MODULES
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        raise SystemExit(f"unknown module(s) {unknown}; choose from {MODULES}")
    previous, meta = {}, {"scope": {}, "run": {}}
    if (HERE / "results.json").exists():
        data = json.loads((HERE / "results.json").read_text())
        if "meta" in data:
            previous, meta = data["mutants"], data["meta"]
            meta.pop("note", None)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    if survivors:
        jobs = [dict(r) for n in names for r in previous.get(n, []) if not r["killed"]]
        for j in jobs:
            for k in (
                "outcome",
                "killed",
                "seconds",
                "diff",
                "exit_code",
                "killed_by",
                "equivalent",
                "id",
            ):
                j.pop(k, None)
        print(f"testing {len(jobs)} survivors of the last run again", flush=True)
    else:
        jobs = []
        for n in names:
            chosen = _choose(_list_mutants(n))
            print(f"{n}: {len(chosen)} mutants ({SCOPE})", flush=True)
            jobs += chosen
    results, baselines, seconds = _run_jobs(jobs, names)
    by_module = {n: [] for n in names}
    for r in results:
        by_module[r["module"]].append(r)
    for n in names:
        if survivors:
            again = {(r["operator_name"], r["occurrence"]): r for r in by_module[n]}
            merged = [
                again.get((r["operator_name"], r["occurrence"]), r) for r in previous.get(n, [])
            ]
            by_module[n] = merged
            meta["run"][n] = meta["run"].get(n, "?") + f", survivors again {stamp}"
        else:
            meta["run"][n] = stamp
            meta["scope"][n] = SCOPE
    meta.setdefault("timings", {})[stamp] = {
        "modules": names,
        "mutants": len(jobs),
        "jobs": JOBS,
        "seconds": round(seconds),
        "survivors": survivors,
        "baseline_seconds": {b["baseline"]: b["seconds"] for b in baselines},
    }
    all_results = {n: previous[n] for n in MODULES if n in previous and n not in names}
    all_results.update(by_module)
    report({n: all_results[n] for n in MODULES if n in all_results}, meta)
    print(f"{len(jobs)} mutants in {seconds:.0f} s on {JOBS} workers")


if __name__ == "__main__":
    main(sys.argv[1:])
