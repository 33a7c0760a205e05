"""Figures 1 and 2: forward + backward per call, and gradcheck's cost over backprop's.

Figure 1 times three ways to compute the same loss and gradients, interleaved:

* **backprop_lib**: ``bp.backward(net, bp.forward(net, x, t))``, the library as the notebooks
  call it;
* **fused**: ``benchmarks.fused.forward_backward``, the same maths hand-written in one numpy
  function (no validation, no dataclasses, no read-only copies);
* **torch**: PyTorch autograd on the same network (``benchmarks.torch_twin``), float64, leaf
  parameters built once, gradients cleared each call, x converted to a tensor each call.

Before any timing, the fused and the torch versions must give backprop_lib's loss and
gradients to 1e-12. Targets: backprop_lib at most 2x the fused version's time, and for one
sample at least 4x faster than torch.

Figure 2 times ``bp.gradcheck(net, x, t)`` against ``forward + backward`` (interleaved, per
repeat). Central differences evaluate the loss twice per parameter, so for P parameters the
ratio grows like 2P forward passes: the column ratio / P is then roughly constant. No target:
it is a teaching figure (backprop's gradient costs about one extra pass; the numeric one 2P).
"""

import numpy as np

import backprop_lib as bp

from . import cases, fused, stats, timing, torch_twin
from .report import Section, med_p90

MAX_LIB_OVER_FUSED = 2.0
MIN_TORCH_OVER_LIB = 4.0  # one sample only


def _library(case):
    net, x, t = case.net, case.x, case.target
    return lambda: bp.backward(net, bp.forward(net, x, t))


def figure_1(settings):
    s = Section(
        1,
        "forward + backward per call (µs): backprop_lib vs hand-fused numpy vs PyTorch",
        [
            "network",
            "batch",
            "backprop_lib µs",
            "fused numpy µs",
            "torch µs",
            f"lib ÷ fused (≤ {MAX_LIB_OVER_FUSED:g})",
            f"torch ÷ lib (≥ {MIN_TORCH_OVER_LIB:g}, 1 sample)",
            "result",
        ],
    )
    for case in cases.call_cases():
        worst_fused = fused.check_against_library(case.net, case.x, case.target, tol=1e-12)
        worst_torch = torch_twin.check_against_library(case.net, case.x, case.target, tol=1e-12)
        params = fused.fused_params(case.net)
        twin = torch_twin.TorchTwin(case.net)
        x, t = case.x, case.target
        fns = {
            "backprop_lib": _library(case),
            "fused": lambda p=params, x=x, t=t: fused.forward_backward(*p, x, t),
            "torch": lambda twin=twin, x=x, t=t: twin(x, t),
        }
        samples, ks = timing.interleaved(fns, settings.calls_repeats, settings.min_sample_ms)
        us = {name: np.array(v) / 1e3 for name, v in samples.items()}
        lib_over_fused = stats.summary(stats.ratios(us["backprop_lib"], us["fused"]))
        torch_over_lib = stats.summary(stats.ratios(us["torch"], us["backprop_lib"]))
        checks = [
            (
                f"lib ÷ fused ≤ {MAX_LIB_OVER_FUSED:g}",
                lib_over_fused["median"] <= MAX_LIB_OVER_FUSED,
            )
        ]
        if case.one_sample:
            checks.append(
                (
                    f"torch ÷ lib ≥ {MIN_TORCH_OVER_LIB:g}",
                    torch_over_lib["median"] >= MIN_TORCH_OVER_LIB,
                )
            )
        summaries = {name: stats.summary(v, "µs") for name, v in us.items()}
        s.add(
            [
                case.name,
                case.batch,
                med_p90(summaries["backprop_lib"]),
                med_p90(summaries["fused"]),
                med_p90(summaries["torch"]),
                med_p90(lib_over_fused),
                med_p90(torch_over_lib) + ("" if case.one_sample else " (no target)"),
            ],
            checks,
            {
                "network": case.name,
                "batch": case.batch,
                "params": case.net.n_params,
                "us_per_call": summaries,
                "calls_per_sample": ks,
                "lib_over_fused": lib_over_fused,
                "torch_over_lib": torch_over_lib,
                "max_diff_vs_library": {"fused": worst_fused, "torch": worst_torch},
            },
        )
    s.notes += [
        "Fused and torch results were checked against backprop_lib's loss and gradients "
        "(to 1e-12) before timing.",
        f"Each sample times k back-to-back calls (k chosen so a sample lasts ≥ "
        f"{settings.min_sample_ms:g} ms); {settings.calls_repeats} interleaved samples per cell.",
        "torch ÷ lib above 1 means backprop_lib is faster. The torch target applies to one "
        "sample (batch 1) only.",
    ]
    return s


def figure_2(settings):
    s = Section(
        2,
        "gradcheck's cost over backprop's (central differences: 2P forward passes)",
        [
            "network",
            "P",
            "gradcheck ms",
            "forward + backward µs",
            "gradcheck ÷ backprop",
            "ratio ÷ P",
            "result",
        ],
    )
    for case in cases.gradcheck_cases():
        P = case.net.n_params
        net, x, t = case.net, case.x, case.target
        repeats = settings.gradcheck_repeats_small if P < 100 else settings.gradcheck_repeats_large
        fns = {
            "gradcheck": lambda net=net, x=x, t=t: bp.gradcheck(net, x, t),
            "backprop": _library(case),
        }
        samples, ks = timing.interleaved(fns, repeats, settings.min_sample_ms)
        ratio = stats.ratios(samples["gradcheck"], samples["backprop"])
        gc_ms = stats.summary(np.array(samples["gradcheck"]) / 1e6, "ms")
        bp_us = stats.summary(np.array(samples["backprop"]) / 1e3, "µs")
        r, r_per_p = stats.summary(ratio), stats.summary(ratio / P)
        s.add(
            [case.name, P, med_p90(gc_ms), med_p90(bp_us), med_p90(r), med_p90(r_per_p)],
            [],
            {
                "network": case.name,
                "params": P,
                "gradcheck_ms": gc_ms,
                "backprop_us": bp_us,
                "ratio": r,
                "ratio_per_param": r_per_p,
                "calls_per_sample": ks,
            },
        )
    s.notes += [
        "A teaching figure, no target: the numeric gradient needs two loss evaluations per "
        "parameter, backprop one forward and one backward pass for all of them.",
        f"Repeats: {settings.gradcheck_repeats_small} for the seeds, "
        f"{settings.gradcheck_repeats_large} for 64-32-10 (one gradcheck there takes a while).",
    ]
    return s
