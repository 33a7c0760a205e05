"""Figure 9: a class on the course's JupyterHub, as `make classroom-bench` measured it.

``python -m benchmarks.classroom`` (make classroom-bench; minutes, and heavy) logs N simulated
students in through the hub, gives each a server and a kernel running notebook 02's Explorer,
and has all of them move its slider at once over the widget comm protocol. It writes
benchmarks/classroom.json; this figure only reads that file (like figure 4, it is as fresh as
the last run). Latency is from sending a slider update to receiving the view's update; memory
is a student's server plus kernel (unique set size, and resident); CPU is in % of one core over
the sliding. Targets: nothing lost, wrong or failed; latency median ≤ 50 ms and p95 ≤ 100 ms
(figure 4's targets for one learner in a browser).
"""

import json

from .report import REPO_ROOT, SKIP, Section, num

RESULTS_FILE = REPO_ROOT / "benchmarks" / "classroom.json"
MAX_MEDIAN_MS, MAX_P95_MS = 50.0, 100.0
COLUMNS = [
    "students (ready)",
    "updates (lost, wrong)",
    "errors",
    f"median ms (≤ {MAX_MEDIAN_MS:g})",
    f"p95 ms (≤ {MAX_P95_MS:g})",
    "MB per student (unique / resident)",
    "CPU % hub / proxy / machine",
    "result",
]


def figure_9(settings, path=None):
    path = RESULTS_FILE if path is None else path
    s = Section(
        9, "a class on the JupyterHub: slider update → view update, all students at once", COLUMNS
    )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        runs = data["runs"]
    except FileNotFoundError:
        s.add(["not measured: run make classroom-bench"] + ["—"] * 6, SKIP, {"file": None})
        return s
    except (OSError, ValueError, KeyError) as e:
        s.add(
            [f"not measured: {path.name} unreadable ({e})"] + ["—"] * 6, SKIP, {"file": str(path)}
        )
        return s
    for n in sorted(runs, key=int):
        r = runs[n]
        lat, mem, cpu = r["latency_ms"], r["memory_mb_per_student"], r["cpu_percent_of_one_core"]
        checks = [
            ("all ready", r["ready"] == r["students"]),
            ("0 lost or wrong", r["lost"] == 0 and r["wrong"] == 0),
            ("0 errors", not r["errors"]),
        ]
        if lat["median"] is not None:
            checks.append((f"median ≤ {MAX_MEDIAN_MS:g} ms", lat["median"] <= MAX_MEDIAN_MS))
            checks.append((f"p95 ≤ {MAX_P95_MS:g} ms", lat["p95"] <= MAX_P95_MS))
        s.add(
            [
                f"{r['students']} ({r['ready']})",
                f"{r['moves']} ({r['lost']}, {r['wrong']})",
                len(r["errors"]),
                num(lat["median"]),
                num(lat["p95"]),
                f"{num(mem['uss_median'])} / {num(mem['rss_median'])}",
                f"{cpu['hub']:.0f} / {cpu['proxy']:.0f} / {r['machine_cpu_percent']:.0f}",
            ],
            checks,
            {k: r[k] for k in r if k != "listening"},
        )
    s.notes.append(
        f"Read from `benchmarks/{path.name}`, measured {data.get('measured_at', '?')} on "
        f"{data.get('machine', '?')} (written by `make classroom-bench`; p95 by nearest rank; "
        f"{next(iter(runs.values()))['rate_per_s']:g} updates per second per student)."
    )
    return s


def update_bench_results(out_dir=None, path=None):
    """Put a fresh figure 9 into `make bench`'s results.md and results.json (if they exist),
    replacing an older figure 9, so a classroom run shows there without re-running the rest."""
    from .report import section_markdown

    out_dir = REPO_ROOT / "benchmarks" if out_dir is None else out_dir
    section = figure_9(None, path=path)
    written = []
    md_path, json_path = out_dir / "results.md", out_dir / "results.json"
    if md_path.exists():
        text = md_path.read_text(encoding="utf-8")
        start = text.find("\n### 9. ")
        if start != -1:
            end = text.find("\n### ", start + 1)
            text = text[:start] + (text[end:] if end != -1 else "\n")
        md_path.write_text(text.rstrip("\n") + "\n\n" + section_markdown(section) + "\n", encoding="utf-8")
        written.append(md_path)
    if json_path.exists():
        data = json.loads(json_path.read_text(encoding="utf-8"))
        data["figures"] = [f for f in data["figures"] if f.get("figure") != 9] + [section.to_json()]
        json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(json_path)
    return written
