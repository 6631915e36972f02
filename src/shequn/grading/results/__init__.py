"""Results: what a run reports (flags, :class:`~shequn.grading.results.outcome.Result`), the course's
gradebook, the resumable journal, and the LMS export."""
