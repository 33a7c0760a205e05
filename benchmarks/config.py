"""How many repeats each figure gets: the full run (``make bench``) and ``--quick``.

Without notebooks the full run takes under a minute on a 2-core machine; executing the
notebooks three times (figure 5) adds three times their total, which the target keeps under
60 s: at most about 4 minutes in all.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    name: str
    min_sample_ms: float  # one timing sample of a fast call lasts at least this long
    calls_repeats: int  # figure 1: samples per function and network
    gradcheck_repeats_small: int  # figure 2: the seeds (a few parameters)
    gradcheck_repeats_large: int  # figure 2: 64-32-10 (2410 parameters, ~0.3 s a gradcheck)
    explorer_repeats: int  # figure 3: slider events per configuration and slider
    notebook_repeats: int  # figure 5: runs of the whole set of notebooks
    import_repeats: int  # figure 6: fresh interpreters per import
    training_repeats: int  # figure 7: trainings to 95% per library
    notebook_timeout_s: int = 600  # figure 5: per cell, as pytest's timeout


FULL = Settings(
    name="full",
    min_sample_ms=5.0,
    calls_repeats=100,
    gradcheck_repeats_small=30,
    gradcheck_repeats_large=5,
    explorer_repeats=100,
    notebook_repeats=3,
    import_repeats=30,
    training_repeats=7,
)

QUICK = Settings(
    name="quick",
    min_sample_ms=1.0,
    calls_repeats=3,
    gradcheck_repeats_small=2,
    gradcheck_repeats_large=1,
    explorer_repeats=3,
    notebook_repeats=1,
    import_repeats=3,
    training_repeats=1,
)
