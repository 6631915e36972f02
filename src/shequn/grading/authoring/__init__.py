"""Authoring: student versions from ``solutions/`` (no solutions leak), the pre-release check that
``shequn grade`` scores an assignment as plain nbgrader does, and the private exchange."""
