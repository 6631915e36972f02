"""Instructor grading for the course's nbgrader assignments (no solutions live here).

One folder per phase (CONTRIBUTING.md, 「A map of grading」): ``authoring`` (release, the
pre-release check, the exchange), ``running`` (the unit that grades one submission, the local pool,
the Dask runner), ``sandbox``, ``trusted`` (the tests in the grader, answers across the sandbox as
data), ``results`` (flags, gradebook, journal, export) and ``nbgrader_plugins``.  It needs the
``grading`` extra.  The check helpers the assignments' test cells use are not here: they are the
local check, :mod:`shequn.checks`, in the learner package.  This package imports nothing at import
time: the sandbox launcher (``python -m shequn.grading.sandbox.launcher``) starts once per graded
notebook and must not pay for pandas.
"""
