"""For the threshold model's tests: the seeds the lesson's claims are checked on, and the reference pool."""

from shequn.models import thresholds as th

SEEDS = range(4)


def reference_pool() -> th.Applicants:
    """The pool most threshold tests run on: 10,000 applicants drawn with seed 0."""
    return th.generate_applicants(10_000, seed=0)
