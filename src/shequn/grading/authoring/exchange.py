"""A stricter nbgrader exchange for a shared hub: submissions readable by the instructor only.

nbgrader's default ``ExchangeSubmit`` leaves each submission world-readable (files 0644, its
folder 0777) and relies on the inbound folder being unlistable and on the random part of the
folder name.  A learner who learns another learner's folder name (from a shared screen, a log
line, a path in an error message) could read that submission.

:class:`PrivateExchangeSubmit` closes this: the submission folder is 2770 and its files 0640.
The inbound folder is setgid (nbgrader makes it so), so the submission belongs to the group
of the inbound folder, which is the releasing instructor's group, and the instructor can still
collect it.  Enable it in the hub's global ``nbgrader_config.py``::

    c.ExchangeFactory.submit = "shequn.grading.authoring.exchange.PrivateExchangeSubmit"
"""

from __future__ import annotations

import os
import shutil

from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns

SUBMISSION_DIR_MODE = 0o2770
SUBMISSION_FILE_MODE = 0o640


class PrivateExchangeSubmit(ExchangeSubmit):
    """nbgrader's submit, then other users' access to the new submission is removed."""

    def do_copy(self, src, dest, log=None):
        """As nbgrader's, but without ``shutil.copytree``'s ``copystat`` on folders, which would
        clear the setgid bit inherited from the inbound folder: the files nbgrader writes next
        (``timestamp.txt``) would then get the learner's group, and the instructor could not
        read them.  Same size limit and ignore rules as nbgrader's."""
        if not os.path.abspath(dest).startswith(os.path.abspath(self.inbound_path) + os.sep):
            return super().do_copy(src, dest, log)  # the learner's own cache copy
        if self.get_size(src) > 1000 * self.coursedir.max_dir_size:
            self.log.error("Directory size is too big")
            raise RuntimeError("Directory size is too big")
        ignore = ignore_patterns(
            exclude=self.coursedir.ignore,
            include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size,
            log=self.log,
        )
        os.mkdir(dest)
        for root, dirs, files in os.walk(src, followlinks=True):
            ignored = ignore(root, dirs + files)
            dirs[:] = [d for d in dirs if d not in ignored]
            target = os.path.normpath(os.path.join(dest, os.path.relpath(root, src)))
            for d in dirs:
                os.mkdir(os.path.join(target, d))
            for f in files:
                if f not in ignored:
                    shutil.copyfile(os.path.join(root, f), os.path.join(target, f))

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        inbound_gid = os.stat(self.inbound_path).st_gid
        for dirpath, _dirnames, filenames in os.walk(dest):
            for name in filenames:
                self._restrict(os.path.join(dirpath, name), inbound_gid, SUBMISSION_FILE_MODE)
            self._restrict(dirpath, inbound_gid, SUBMISSION_DIR_MODE)

    def _restrict(self, path: str, gid: int, mode: int) -> None:
        # files made in the setgid inbound folder already carry its group; without that the
        # instructor could not collect a 0640 file, so refuse rather than lose the submission
        if os.stat(path).st_gid != gid:
            self.fail(
                f"{path} is not in the inbound folder's group (gid {gid}); is the inbound "
                "folder setgid?  Submission left as nbgrader made it."
            )
        os.chmod(path, mode)
