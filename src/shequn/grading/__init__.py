"""Instructor grading for the course's nbgrader assignments (no solutions live here).

``shequn grade`` (:mod:`~shequn.grading.running.local_pool`), the trusted test runner
(:mod:`~shequn.grading.trusted.execute`) and its channel, the sandbox, gradebook, journal, audit, export
and exchange; it needs the ``grading`` extra.  The check helpers the assignments' test cells use
are not here: they are the local check, :mod:`shequn.checks`, in the learner package.  This
package imports nothing at import time: the sandbox launcher (``python -m
shequn.grading.sandbox.launcher``) starts once per graded notebook and must not pay for pandas.
"""
