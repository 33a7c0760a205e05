"""The course's speed figures: ``make bench``, i.e. ``python -m benchmarks`` (see ``run``).

``figures`` measures figures 1-9 (each function's docstring says what exactly is timed), ``fused``
is figure 1's hand-fused numpy version, ``report`` holds the statistics, the one interleaved
timing loop and the one table writer, ``classroom`` is ``make classroom-bench`` (figure 9's
file).
"""
