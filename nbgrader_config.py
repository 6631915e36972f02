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

# ?timeout=60: SQLite's busy timeout, so concurrent writers (parallel autograde, formgrader) wait
# for the lock instead of failing with "database is locked".
c.CourseDirectory.db_url = (
    "sqlite:///" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "gradebook.db") + "?timeout=60"
)
# The readable .md twins of the source notebooks hold solutions: never release them.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md", ".*"]
# Learners' notebooks use ipywidgets; never let one cell hang the grader.
c.ExecutePreprocessor.timeout = 120
# Feedback shows which checks failed, never hidden-test source or expected values (nbgrader #917).
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from shequn.grading.nbgrader_plugins.feedback import FeedbackCSP, HideTestDetails  # noqa: E402
from shequn.grading.nbgrader_plugins.sanitize import LimitOutputChars, SanitizeLearnerContent  # noqa: E402
from shequn.grading.trusted.execute import TrustedExecute  # noqa: E402

# nbgrader's autograde chain with its Execute replaced by TrustedExecute: the learner's cells run
# in the sandboxed kernel, the tests in the grader process (use `shequn grade`, which provides the
# sandbox).  LimitOutputChars caps characters (LimitOutput caps only lines); learner HTML and
# script are sanitised before formgrader or feedback can show them.
c.Autograde.autograde_preprocessors = [
    TrustedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    LimitOutputChars,
    SanitizeLearnerContent,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

c.GenerateFeedback.preprocessors = [GetGrades, HideTestDetails, CSSHTMLHeaderPreprocessor, FeedbackCSP]

# shequn grade: the seed of the hidden test data, set anew each term (0 or unset: a random seed is
# made once per course and kept in _grading/shequn-grade/grading-seed); and, per assignment, the
# course modules the grading kernel cannot import (the answer must be the learner's own code).
c.ShequnGrade.grading_seed = 0
c.ShequnGrade.blocked_modules = {"group_analysis": ["shequn.metrics"]}
