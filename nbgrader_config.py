"""nbgrader configuration for the course (run nbgrader commands from this folder).

Layout: nbgrader sources live in ``solutions/<assignment>/``; the student versions
it generates are written to ``assignments/<assignment>/``.
"""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "shequn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "_grading/submitted"
c.CourseDirectory.autograded_directory = "_grading/autograded"
c.CourseDirectory.feedback_directory = "_grading/feedback"
# The gradebook sits beside this file (gitignored).  An absolute path: formgrader runs with the
# Jupyter server's cwd (e.g. the instructor's home on the hub), not in the course folder.
import os  # noqa: E402

c.CourseDirectory.db_url = "sqlite:///" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "gradebook.db")
# The readable .md twins of the source notebooks hold solutions: never release them.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md", ".*"]
# Learners' notebooks use ipywidgets; never let one cell hang the grader.
c.ExecutePreprocessor.timeout = 120
# Feedback shows which checks failed, never hidden-test source or expected values (nbgrader #917).
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from shequn.grading.feedback import HideTestDetails  # noqa: E402
from shequn.grading.limits import LimitOutputChars  # noqa: E402

# nbgrader's default autograde chain, plus a cap on characters (LimitOutput caps only lines):
# one 100 MB line must not reach the gradebook or the feedback.
c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       LimitOutputChars, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

c.GenerateFeedback.preprocessors = [GetGrades, HideTestDetails, CSSHTMLHeaderPreprocessor]
