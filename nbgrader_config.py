"""nbgrader configuration for the course (run nbgrader commands from this folder).

Layout: nbgrader sources live in ``solutions/<assignment>/``; the student versions
it generates are written to ``assignments/<assignment>/``.
"""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "shequn"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "_grading/submitted"
c.CourseDirectory.autograded_directory = "_grading/autograded"
c.CourseDirectory.feedback_directory = "_grading/feedback"
c.CourseDirectory.db_url = "sqlite:///_grading/gradebook.db"
# Learners' notebooks use ipywidgets; never let one cell hang the grader.
c.ExecutePreprocessor.timeout = 120
