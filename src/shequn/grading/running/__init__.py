"""Running: one submission graded (:mod:`~shequn.grading.running.submission`), by the local pool
of sandbox slots (:mod:`~shequn.grading.running.local_pool`) or as Dask tasks
(:mod:`~shequn.grading.running.dask_coordinator`, :mod:`~shequn.grading.running.dask_task`)."""
