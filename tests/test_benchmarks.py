"""Smoke test of the benchmark code (``make bench``): its statistics, its hand-fused and torch
versions of forward + backward, and a tiny run with very few repeats.

Nothing here asserts a timing: only that the bench measures, computes and writes what it
should. The real figures come from ``make bench``.
"""

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: it sits next to tests/
    sys.path.insert(0, str(ROOT))

import backprop_lib as bp  # noqa: E402
from benchmarks import figures, fused, report, run  # noqa: E402

# --------------------------------------------------------------------------- statistics


def test_median_and_p90_follow_numpy_linear_percentile():
    assert report.summary([3, 1, 2])["median"] == 2.0
    assert report.summary([4, 1, 3, 2])["median"] == 2.5
    # 1..10: rank 0.9 * 9 = 8.1 -> between the 9th (9) and 10th (10) smallest value
    assert report.summary(range(1, 11))["p90"] == pytest.approx(9.1)
    assert report.summary([5.0])["p90"] == 5.0
    assert report.P90_METHOD == "linear"


def test_summary_keeps_the_samples_and_their_statistics():
    s = report.summary([2.0, 1.0, 4.0, 3.0], "ms")
    assert s["median"] == 2.5 and s["n"] == 4 and s["unit"] == "ms"
    assert (s["min"], s["max"]) == (1.0, 4.0)
    assert s["samples"] == [2.0, 1.0, 4.0, 3.0]
    assert s["median"] <= s["p90"] <= s["max"]


def test_ratios_are_per_repeat_and_need_matching_lengths():
    r = report.ratio({"a": [2, 6, 9], "b": [1, 3, 3]}, "a", "b")
    np.testing.assert_allclose(r["samples"], [2, 2, 3])
    with pytest.raises(ValueError, match="broadcast"):
        report.ratio({"a": [1, 2], "b": [1, 2, 3]}, "a", "b")


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [float("inf")]])
def test_statistics_refuse_empty_or_non_finite_samples(bad):
    with pytest.raises(ValueError, match="samples"):
        report.summary(bad)


# --------------------------------------------------------------------------- timing loops


def test_interleaved_calibrates_then_gives_one_sample_per_repeat_in_turn():
    calls = []
    fns = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    samples = report.interleaved(fns, repeats=3, min_sample_ms=0.05, warmup=1)
    assert set(samples) == {"a", "b"} and all(len(v) == 3 for v in samples.values())
    assert all(v > 0 for vs in samples.values() for v in vs)
    # calibration runs a's calls, then b's; then blocks of k calls alternate a, b, a, b, ...
    # (1 warm-up round and 3 repeats)
    assert [name for name, _ in itertools.groupby(calls)] == ["a", "b"] * 5


# --------------------------------------------------------------------------- the versions compared


def _random_cases():
    rng = np.random.default_rng(0)
    for hidden in ("sigmoid", "tanh", "relu"):
        for loss in bp.LOSSES:
            last = {"softmax_cross_entropy": "identity", "binary_cross_entropy": "sigmoid"}.get(
                loss, hidden
            )
            for biases in (True, False):
                net = bp.Network.random(
                    [4, 3, 2], activations=[hidden, last], loss=loss, biases=biases, seed=1
                )
                for n in (None, 1, 5):
                    x = rng.normal(size=4 if n is None else (n, 4))
                    t = rng.uniform(size=2 if n is None else (n, 2))
                    if loss == "softmax_cross_entropy":
                        t = t / t.sum(axis=-1, keepdims=True)
                    yield net, x, t


def test_fused_version_matches_the_library_to_1e12():
    for net, x, t in _random_cases():
        assert fused.check_against_library(net, x, t, tol=1e-12) <= 1e-12
    from backprop_lib import examples

    for make in examples.ALL.values():
        ex = make()
        fused.check_against_library(ex.net, np.asarray(ex.x, float), np.asarray(ex.target, float))


def test_fused_check_catches_a_wrong_gradient(monkeypatch):
    net, x, t = next(_random_cases())
    real = fused.forward_backward

    def off_by_a_bit(*args):
        loss, dW, db = real(*args)
        dW[0] = dW[0] * (1 + 1e-9)
        return loss, dW, db

    monkeypatch.setattr(fused, "forward_backward", off_by_a_bit)
    with pytest.raises(AssertionError, match="dL/dW1"):
        fused.check_against_library(net, x, t)


def test_torch_twin_matches_the_library_to_1e12():
    pytest.importorskip("torch")
    for net, x, t in _random_cases():
        assert fused.check_against_library(net, x, t, tol=1e-12, who="torch") <= 1e-12


# --------------------------------------------------------------------------- figure 4's file


def test_browser_figure_reads_the_latency_file_or_says_not_measured(tmp_path):
    missing = figures.figure_4(run.QUICK, path=tmp_path / "absent.json")
    assert missing.results() == ["SKIP"] and "run make test-browser first" in missing.rows[0][0]

    path = tmp_path / "browser_latency.json"
    path.write_text(
        json.dumps(
            {
                "schema": 1,
                "targets": {"median_ms": 50.0, "p95_ms": 100.0},
                "notebooks": {
                    "01_forward_pass.ipynb": {"median_ms": 31.0, "p95_ms": 60.0, "n": 20},
                    "02_chain_rule.ipynb": {"median_ms": 55.0, "p95_ms": 140.0, "n": 20},
                },
            }
        )
    )
    s = figures.figure_4(run.QUICK, path=path)
    assert s.results() == ["PASS", "MISS (median ≤ 50 ms, p95 ≤ 100 ms)"]
    assert report.missed_targets([s]) == [(4, "median ≤ 50 ms", 1, 2), (4, "p95 ≤ 100 ms", 1, 2)]


# --------------------------------------------------------------------------- command line


def test_only_parses_figure_numbers():
    assert run.parse_only("1,3") == {1, 3}
    for bad in ("0", "10", "x", ""):
        with pytest.raises(ValueError, match="--only"):
            run.parse_only(bad)


def test_a_tiny_run_prints_and_writes_markdown_and_json(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("ipywidgets")
    assert run.main(["--quick", "--only", "1,3,4", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "1. forward + backward per call" in printed and "Rows with targets:" in printed

    text = (tmp_path / "results.json").read_text()
    assert '"samples"' not in text  # only with --samples
    data = json.loads(text)
    assert [f["figure"] for f in data["figures"]] == [1, 3, 4]
    assert data["settings"]["name"] == "quick" and data["settings"]["p90_method"] == "linear"
    assert data["machine"]["numpy"] == np.__version__ and data["machine"]["cpu"]
    results = [r for f in data["figures"] for r in (row[-1] for row in f["rows"])]
    assert not [r for r in results if r.startswith("ERROR")], results
    fig1 = data["figures"][0]
    assert len(fig1["rows"]) == 6  # three seeds, 64-32-10 at batch 1, 32, 256
    for row in fig1["data"]:
        assert row["us_per_call"]["backprop_lib"]["n"] == run.QUICK.calls_repeats
        assert row["max_diff_vs_library"]["fused"] <= 1e-12
        assert row["result"] in ("PASS",) or row["result"].startswith("MISS")
        assert [c["target"] for c in row["checks"]][:1] == ["lib ÷ fused ≤ 2"]
    fig3 = data["figures"][1]
    assert len(fig3["rows"]) == 2 * len(figures.CALLS)  # two sliders per live view

    md = (tmp_path / "results.md").read_text()
    assert md.startswith("## Speed (`make bench`)")
    assert "| network | batch |" in md and "median / p90" in md
    assert report.summary_line([]) == "Rows with targets: 0 PASS, 0 MISS."


def test_the_autograd_figure_checks_its_engines_and_times_the_graph_explorer():
    pytest.importorskip("torch")
    pytest.importorskip("ipywidgets")
    s = figures.figure_8(run.QUICK)
    assert len(s.rows) == 2 + len(figures.EXPLORER_EXPRS)
    seed, big = s.data[0], s.data[1]
    assert seed["max_diff"] <= 1e-12 and big["max_diff"] <= 1e-12
    assert 900 <= big["nodes"] <= 1100
    assert set(seed["us_per_call"]) == {"autograd", "backprop_lib", "torch"}
    assert s.data[-1]["nodes"] == 40
    assert all(r == "—" or r.startswith(("PASS", "MISS")) for r in s.results())


def test_classroom_figure_reads_the_bench_file_or_says_not_measured(tmp_path):
    s = figures.figure_9(None, path=tmp_path / "missing.json")
    assert s.results() == [report.SKIP] and "make classroom-bench" in s.rows[0][0]
    run_ok = {
        "students": 30,
        "ready": 30,
        "moves": 2400,
        "lost": 0,
        "wrong": 0,
        "errors": [],
        "rate_per_s": 4.0,
        "latency_ms": {"median": 20.0, "p95": 60.0, "max": 90.0},
        "memory_mb_per_student": {"uss_median": 150.0, "rss_median": 200.0},
        "cpu_percent_of_one_core": {"hub": 3.0, "proxy": 20.0},
        "machine_cpu_percent": 90.0,
    }
    run_bad = dict(
        run_ok,
        students=60,
        ready=59,
        lost=3,
        errors=["student07: spawn failed"],
        latency_ms={"median": 400.0, "p95": 2000.0, "max": 5000.0},
    )
    path = tmp_path / "classroom.json"
    path.write_text(
        json.dumps({"measured_at": "x", "machine": "y", "runs": {"60": run_bad, "30": run_ok}})
    )
    s = figures.figure_9(None, path=path)
    assert [row[0] for row in s.rows] == ["30 (30)", "60 (59)"]
    assert s.results()[0] == report.PASS
    assert s.results()[1].startswith(report.MISS) and "0 lost or wrong" in s.results()[1]
    assert "all ready" in s.results()[1] and "p95" in s.results()[1]


def test_a_full_run_rewrites_only_the_readme_bench_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- bench:start -->\nold 30 µs\n<!-- bench:end -->\n## Licence\n")
    facts = report.machine_facts() | {"load_average": {"start": 1.0, "end": 1.5}}
    s = report.Section(1, "t", "a | result")
    s.add(["x"], [("median ≤ 1", False)])
    for _ in range(2):  # the same block again: nothing outside it moves
        report.update_readme([s], facts, path=readme)
    text = readme.read_text()
    assert text.startswith("# x\n<!-- bench:start -->\n## Speed (`make bench`)\n")
    assert text.endswith("<!-- bench:end -->\n## Licence\n") and "old" not in text
    assert "Rows with targets: 0 PASS, 1 MISS." in text and text.count("bench:start") == 1
