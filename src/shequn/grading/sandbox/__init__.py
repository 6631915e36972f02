"""The sandbox a learner's kernel runs in: bubblewrap and setpriv (:mod:`~shequn.grading.sandbox.bubblewrap`),
one cgroup per kernel (:mod:`~shequn.grading.sandbox.cgroup`) and the root launcher that starts it
(:mod:`~shequn.grading.sandbox.launcher`, standard library only: it starts once per notebook)."""
