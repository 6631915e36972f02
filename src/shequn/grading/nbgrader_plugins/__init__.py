"""What nbgrader loads by name: the autograde chain's preprocessors (sanitising and output limits),
the feedback's (hidden test details, CSP), and formgrader's Content-Security-Policy extension."""
