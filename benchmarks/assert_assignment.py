"""A benchmark assignment in plain nbgrader style: bare ``assert``s, no ``shequn.checks``.

It is what an ordinary nbgrader course writes (nbgrader's own ``ps1`` example: functions checked
by ``assert`` statements, a few hidden ones), on the course's synthetic chat sample, so that
``benchmarks/grade_bench.py`` also measures an assignment the course did not write for itself.
Each test cell scores nbgrader's way: no error, its points; an error, 0.

Built in code (not in ``solutions/``): it is a benchmark fixture, not part of the course.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

__all__ = ["NAME", "POINTS", "source_notebook"]

NAME = "chat_basics"

SETUP = '''\
from pathlib import Path

import pandas as pd


def find_data(name="group_chats"):
    """datasets/<name> in this folder or one above it."""
    for folder in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        if (folder / "datasets" / name).is_dir():
            return folder / "datasets" / name
    raise FileNotFoundError(name)


messages = pd.read_csv(find_data() / "messages.csv", parse_dates=["sent_at"])
members = pd.read_csv(find_data() / "members.csv")
len(messages)
'''

# (grade_id stem, points, solution, tests with "### BEGIN/END HIDDEN TESTS")
QUESTIONS = [
    (
        "q1",
        2,
        '''\
def squares(n):
    """The squares of 1 .. n, in a list."""
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError("n must be at least 1")
    return [i * i for i in range(1, n + 1)]
    ### END SOLUTION


def sum_of_squares(n):
    """The sum of squares(n)."""
    ### BEGIN SOLUTION
    return sum(squares(n))
    ### END SOLUTION
''',
        """\
assert squares(1) == [1]
assert squares(3) == [1, 4, 9]
assert sum_of_squares(10) == 385
### BEGIN HIDDEN TESTS
assert squares(12) == [i * i for i in range(1, 13)]
assert sum_of_squares(100) == 338350
try:
    squares(0)
except ValueError:
    pass
else:
    raise AssertionError("squares(0) should raise ValueError")
### END HIDDEN TESTS
""",
    ),
    (
        "q2",
        3,
        '''\
def messages_per_group(messages):
    """How many messages each group has, not counting red packets: a Series indexed by group_id, sorted."""
    ### BEGIN SOLUTION
    talk = messages[messages["type"] != "red_packet"]
    return talk.groupby("group_id").size().sort_index()
    ### END SOLUTION
''',
        """\
counts = messages_per_group(messages)
assert isinstance(counts, pd.Series)
assert list(counts.index) == sorted(messages["group_id"].unique())
assert counts.sum() == (messages["type"] != "red_packet").sum()
### BEGIN HIDDEN TESTS
import numpy as np

rng = np.random.default_rng(2024)
toy = pd.DataFrame({"group_id": rng.choice(["a", "b", "c"], 500), "type": rng.choice(["text", "red_packet"], 500)})
expected = toy[toy["type"] == "text"].groupby("group_id").size()
assert messages_per_group(toy).to_dict() == expected.to_dict()
### END HIDDEN TESTS
""",  # noqa: E501 (code run as a notebook cell)
    ),
    (
        "q3",
        3,
        '''\
def active_days(messages, group_id):
    """On how many different calendar days (UTC+8) the group had a message."""
    ### BEGIN SOLUTION
    times = messages.loc[messages["group_id"] == group_id, "sent_at"]
    return int(pd.to_datetime(times, utc=True).dt.tz_convert("Asia/Shanghai").dt.date.nunique())
    ### END SOLUTION
''',
        """\
assert isinstance(active_days(messages, "g001"), int)
assert 0 < active_days(messages, "g001") <= 400
assert active_days(messages, "no-such-group") == 0
### BEGIN HIDDEN TESTS
toy = pd.DataFrame({"group_id": ["a", "a", "a", "a", "b"],
                    "sent_at": pd.to_datetime(["2026-03-01T23:30:00+08:00", "2026-03-01T16:30:00Z",
                                               "2026-03-01T15:00:00Z", "2026-03-03T08:00:00+08:00",
                                               "2026-03-01T08:00:00+08:00"], utc=True)})
assert active_days(toy, "a") == 3  # 16:30 UTC is 00:30 on the 2nd in UTC+8; 15:00 UTC is 23:00 on the 1st
### END HIDDEN TESTS
""",
    ),
    (
        "q4",
        2,
        '''\
def top_senders(messages, k):
    """The k members who sent the most messages, most first (ties: smaller member_id first)."""
    ### BEGIN SOLUTION
    counts = messages.groupby("sender_id").size().reset_index(name="n")
    counts = counts.sort_values(["n", "sender_id"], ascending=[False, True])
    return list(counts["sender_id"].head(k))
    ### END SOLUTION
''',
        """\
top = top_senders(messages, 5)
assert isinstance(top, list) and len(top) == 5
assert len(set(top)) == 5
### BEGIN HIDDEN TESTS
toy = pd.DataFrame({"sender_id": ["m3", "m1", "m1", "m2", "m2", "m3", "m4"]})
assert top_senders(toy, 3) == ["m1", "m2", "m3"]
assert top_senders(messages, 1) == [messages["sender_id"].value_counts().sort_index().idxmax()]
### END HIDDEN TESTS
""",
    ),
    (
        "q5",
        1,
        """\
### BEGIN SOLUTION
answer_q5 = int(members["group_id"].nunique())
### END SOLUTION
""",
        """\
assert isinstance(answer_q5, int)
### BEGIN HIDDEN TESTS
assert answer_q5 == members["group_id"].nunique()
### END HIDDEN TESTS
""",
    ),
]
POINTS = {f"{stem}_tests": float(points) for stem, points, _, _ in QUESTIONS}  # 11 in all


def _meta(gid: str, **kw) -> dict:
    return {
        "nbgrader": {
            "grade_id": gid,
            "schema_version": 3,
            "grade": False,
            "locked": False,
            "solution": False,
            "task": False,
            **kw,
        }
    }


def source_notebook() -> nbformat.NotebookNode:
    """The source notebook (solutions and hidden tests), for ``solutions/chat_basics/``."""
    cells = [
        new_markdown_cell("# 练习：群聊数据入门（plain asserts）", metadata=_meta("intro", locked=True)),
        new_code_cell(SETUP, metadata=_meta("setup", locked=True)),
    ]
    for stem, points, solution, tests in QUESTIONS:
        cells.append(new_code_cell(solution, metadata=_meta(f"{stem}_answer", solution=True)))
        cells.append(
            new_code_cell(tests, metadata=_meta(f"{stem}_tests", grade=True, locked=True, points=points))
        )
    cells.append(new_markdown_cell("## 你发现了什么？（人工评分）", metadata=_meta("q6_text", locked=True)))
    cells.append(
        new_markdown_cell("示例答案。", metadata=_meta("q6_answer", grade=True, solution=True, points=2))
    )
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb
