"""The ten ordinary nbgrader test styles, one small assignment each (see :mod:`helpers.style_fixtures`).

The expected cell scores are worked out by hand from each test cell (comments): a cell whose
asserts all pass earns its points, one that raises earns 0, a numeric result is partial credit.
"""

from __future__ import annotations

from helpers.style_fixtures import Style

B, E = "### BEGIN SOLUTION", "### END SOLUTION"
HB, HE = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

ASSERTS = Style(
    "style_asserts",
    [
        ("md", "平方数 / squares"),
        (
            "answer",
            "squares",
            f"def squares(n):\n    {B}\n    if n < 1:\n        raise ValueError('n must be >= 1')\n"
            f"    return [i ** 2 for i in range(1, n + 1)]\n    {E}",
        ),
        (
            "test",
            "squares_values",
            1,
            "assert squares(1) == [1]\nassert squares(3) == [1, 4, 9]\n"
            f"{HB}\nassert squares(11)[-1] == 121\n{HE}",
        ),
        (
            "test",
            "squares_invalid",
            1,
            "try:\n    squares(0)\nexcept ValueError:\n    pass\nelse:\n"
            "    raise AssertionError('did not raise')",
        ),
        (
            "answer",
            "mean_len",
            f"def mean_length(texts):\n    {B}\n    return sum(len(t) for t in texts) / len(texts)\n    {E}",
        ),
        (
            "test",
            "mean_len_values",
            2,
            "assert mean_length(['ab', 'abcd']) == 3\nassert mean_length(['群']) == 1",
        ),
        # partial credit from a numeric last expression: 1 of 2 cases right -> 0.5 * 2 = 1 point
        (
            "test",
            "mean_len_partial",
            2,
            "cases = [(['a', 'bbb'], 2), ([], 0)]\nok = 0\nfor texts, want in cases:\n"
            "    try:\n        ok += mean_length(texts) == want\n"
            "    except ZeroDivisionError:\n        pass\n2 * ok / len(cases)",
        ),
    ],
    partial={"squares": "def squares(n):\n    return [i ** 2 for i in range(1, n + 1)]\n"},
    # correct: 1 + 1 + 2 + 1 (the empty list raises: 1 of 2 cases); partial: no ValueError for 0
    expected={
        "correct": {"squares_values": 1, "squares_invalid": 1, "mean_len_values": 2, "mean_len_partial": 1},
        "partial": {"squares_values": 1, "squares_invalid": 0, "mean_len_values": 2, "mean_len_partial": 1},
    },
)

NUMPY_PANDAS = Style(
    "style_testing",
    [
        ("setup", "imports", "import numpy as np\nimport pandas as pd"),
        (
            "answer",
            "normalise",
            f"def normalise(x):\n    {B}\n    x = np.asarray(x, dtype=float)\n"
            f"    return (x - x.min()) / (x.max() - x.min())\n    {E}",
        ),
        (
            "test",
            "normalise_tests",
            2,
            "np.testing.assert_allclose(normalise([1, 2, 3]), [0, 0.5, 1])\n"
            f"{HB}\nnp.testing.assert_allclose(normalise(np.array([5., 0.])), [1, 0])\n{HE}",
        ),
        (
            "answer",
            "per_member",
            f"def per_member(df):\n    {B}\n    return df.groupby('member')['n'].sum()"
            f".rename('total').to_frame()\n    {E}",
        ),
        (
            "test",
            "per_member_tests",
            3,
            "df = pd.DataFrame({'member': ['a', 'b', 'a'], 'n': [1, 2, 3]})\n"
            "want = pd.DataFrame({'total': [4, 2]}, index=pd.Index(['a', 'b'], name='member'))\n"
            "pd.testing.assert_frame_equal(per_member(df), want)\n"
            "pd.testing.assert_series_equal(per_member(df)['total'], want['total'])",
        ),
    ],
    partial={"per_member": "def per_member(df):\n    return df.groupby('member')['n'].sum().to_frame()\n"},
    expected={
        "correct": {"normalise_tests": 2, "per_member_tests": 3},
        "partial": {"normalise_tests": 2, "per_member_tests": 0},
    },
)  # column 'n', not 'total'

VARIABLE = Style(
    "style_variable",
    [
        ("answer", "q1", f"{B}\nanswer_q1 = 6 * 7\n{E}"),
        ("test", "q1_test", 1, "assert answer_q1 == 42"),
        ("answer", "q2", f"{B}\nactive = {{'alice', 'bob'}}\nratio = complex(1, 2)\n{E}"),
        (
            "test",
            "q2_test",
            2,
            "assert active == {'alice', 'bob'}\nassert isinstance(active, set)\nassert ratio.imag == 2",
        ),
    ],
    partial={"q2": "active = ['alice', 'bob']\nratio = complex(1, 2)\n"},
    expected={"correct": {"q1_test": 1, "q2_test": 2}, "partial": {"q1_test": 1, "q2_test": 0}},
)

EXCEPTIONS_STDOUT = Style(
    "style_raises",
    [
        (
            "answer",
            "parse",
            f"def parse_age(text):\n    {B}\n    age = int(text)\n    if age <= 0:\n"
            f"        raise ValueError(f'age must be positive, got {{age}}')\n    return age\n    {E}",
        ),
        (
            "test",
            "parse_tests",
            2,
            "assert parse_age('7') == 7\ntry:\n    parse_age('-3')\nexcept ValueError as e:\n"
            "    assert 'must be positive' in str(e), str(e)\n    assert '-3' in str(e)\nelse:\n"
            "    raise AssertionError('no error')\ntry:\n    parse_age('x')\n"
            "except ValueError as e:\n    assert 'invalid literal' in str(e)",
        ),
        ("answer", "greet", f"def greet(name):\n    {B}\n    print(f'欢迎 {{name}} 入群')\n    {E}"),
        (
            "test",
            "greet_tests",
            1,
            "import contextlib, io\nbuf = io.StringIO()\nwith contextlib.redirect_stdout(buf):\n"
            "    greet('小明')\nassert buf.getvalue() == '欢迎 小明 入群\\n', buf.getvalue()",
        ),
    ],
    partial={
        "parse": "def parse_age(text):\n    age = int(text)\n    if age <= 0:\n"
        "        raise ValueError('bad')\n    return age\n"
    },
    expected={
        "correct": {"parse_tests": 2, "greet_tests": 1},
        "partial": {"parse_tests": 0, "greet_tests": 1},
    },
)

CLASSES = Style(
    "style_classes",
    [
        (
            "answer",
            "counter",
            f"class Tally:\n    {B}\n    def __init__(self):\n        self.total = 0\n"
            f"        self.seen = {{}}\n\n    def add(self, name):\n        self.total += 1\n"
            f"        self.seen[name] = self.seen.get(name, 0) + 1\n        return self\n\n"
            f"    def count(self, name):\n        return self.seen.get(name, 0)\n    {E}",
        ),
        (
            "test",
            "counter_tests",
            2,
            "t = Tally()\nt.add('a')\nt.add('a').add('b')\nassert isinstance(t, Tally)\n"
            "assert t.total == 3\nassert t.count('a') == 2 and t.count('z') == 0\n"
            "assert t.seen == {'a': 2, 'b': 1}\nassert len(t.seen) == 2",
        ),
        ("test", "counter_fresh", 1, "assert Tally().total == 0\nassert not isinstance(3, Tally)"),
    ],
    partial={
        "counter": "class Tally:\n    def __init__(self):\n        self.total = 0\n        self.seen = {}\n"
        "    def add(self, name):\n        self.seen[name] = 1\n        return self\n"
        "    def count(self, name):\n        return self.seen.get(name, 0)\n"
    },
    expected={
        "correct": {"counter_tests": 2, "counter_fresh": 1},
        "partial": {"counter_tests": 0, "counter_fresh": 1},
    },
)

NAMESPACE = Style(
    "style_namespace",
    [
        (
            "answer",
            "squares",
            f"def squares(n):\n    {B}\n    return [i ** 2 for i in range(1, n + 1)]\n    {E}",
        ),
        ("answer", "sum_sq", f"def sum_of_squares(n):\n    {B}\n    return sum(squares(n))\n    {E}"),
        ("test", "sum_sq_value", 1, "assert sum_of_squares(3) == 14"),
        (
            "test",
            "sum_sq_uses_squares",
            1,
            "orig_squares = squares\ndel squares\ntry:\n    sum_of_squares(1)\n"
            "except NameError:\n    pass\nelse:\n"
            "    raise AssertionError('sum_of_squares does not use squares')\nfinally:\n"
            "    squares = orig_squares",
        ),
        ("test", "squares_back", 1, "assert squares(2) == [1, 4] and sum_of_squares(2) == 5"),
        (
            "answer",
            "members",
            f"def fetch_names():\n    {B}\n    return ['a', 'b']\n    {E}\n\n\ndef count_members():\n"
            f"    {B}\n    return len(set(fetch_names()))\n    {E}",
        ),
        (
            "test",
            "members_mocked",
            2,
            "from unittest import mock\norig = fetch_names\n"
            "fetch_names = mock.Mock(return_value=['x', 'y', 'x', 'z'])\ntry:\n"
            "    assert count_members() == 3\n    fetch_names.assert_called_once_with()\n"
            "finally:\n    fetch_names = orig\nassert count_members() == 2",
        ),
    ],
    partial={
        "sum_sq": "def sum_of_squares(n):\n    return sum(i * i for i in range(1, n + 1))\n",
        "members": "def fetch_names():\n    return ['a', 'b']\n\ndef count_members():\n    return 2\n",
    },
    # partial: sum_of_squares never calls squares; count_members ignores fetch_names (2, not 3)
    expected={
        "correct": {"sum_sq_value": 1, "sum_sq_uses_squares": 1, "squares_back": 1, "members_mocked": 2},
        "partial": {"sum_sq_value": 1, "sum_sq_uses_squares": 0, "squares_back": 1, "members_mocked": 0},
    },
)

DATA_FILES = Style(
    "style_files",
    [
        ("setup", "imports", "import pandas as pd"),
        (
            "answer",
            "load",
            f"def active_members(path):\n    {B}\n    df = pd.read_csv(path)\n"
            f"    return sorted(df.loc[df['posts'] > 0, 'member'])\n    {E}",
        ),
        (
            "test",
            "load_tests",
            2,
            "df = pd.read_csv('data/members.csv')\n"
            "assert active_members('data/members.csv') == sorted(df[df.posts > 0].member)\n"
            "assert active_members('data/members.csv') == ['小红', '阿强']",
        ),
    ],
    partial={"load": "def active_members(path):\n    return sorted(pd.read_csv(path)['member'])\n"},
    files={"data/members.csv": "member,posts\n小红,5\n潜水员,0\n阿强,2\n"},
    expected={"correct": {"load_tests": 2}, "partial": {"load_tests": 0}},
)

PLOT = Style(
    "style_plot",
    [
        (
            "setup",
            "imports",
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport numpy as np",
        ),
        (
            "answer",
            "plot",
            f"def plot_growth(weeks, members):\n    {B}\n    fig, ax = plt.subplots()\n"
            f"    ax.plot(weeks, members)\n    ax.set_title('Group growth')\n    ax.set_xlabel('week')\n"
            f"    ax.set_ylabel('members')\n    return fig\n    {E}",
        ),
        (
            "test",
            "plot_labels",
            1,
            "fig = plot_growth([1, 2, 3], [10, 30, 60])\nax = fig.axes[0]\n"
            "assert ax.get_title() == 'Group growth'\n"
            "assert (ax.get_xlabel(), ax.get_ylabel()) == ('week', 'members')\n"
            "assert isinstance(fig, matplotlib.figure.Figure)",
        ),
        (
            "test",
            "plot_data",
            2,
            "fig = plot_growth([1, 2, 3], [10, 30, 60])\nlines = fig.axes[0].get_lines()\n"
            "assert len(lines) == 1\n"
            "np.testing.assert_array_equal(np.asarray(lines[0].get_ydata()), [10, 30, 60])",
        ),
    ],
    partial={
        "plot": "def plot_growth(weeks, members):\n    fig, ax = plt.subplots()\n"
        "    ax.plot(weeks, members)\n    ax.set_xlabel('week')\n"
        "    ax.set_ylabel('members')\n    return fig\n"
    },
    expected={"correct": {"plot_labels": 1, "plot_data": 2}, "partial": {"plot_labels": 0, "plot_data": 2}},
)

RANDOM = Style(
    "style_random",
    [
        ("setup", "imports", "import random\nimport numpy as np"),
        (
            "answer",
            "rank",
            f"def top_k(values, k):\n    {B}\n    return sorted(values, reverse=True)[:k]\n    {E}",
        ),
        (
            "test",
            "rank_random",
            2,
            "rng = np.random.default_rng(2026)\nfor _ in range(5):\n"
            "    values = rng.integers(0, 1000, size=30).tolist()\n"
            "    assert top_k(values, 3) == sorted(values)[::-1][:3]",
        ),
        (
            "answer",
            "draw",
            f"def lucky_draw(names, k):\n    {B}\n    return random.sample(names, k)\n    {E}",
        ),
        (
            "test",
            "draw_seeded",
            1,
            "names = ['a', 'b', 'c', 'd', 'e']\nrandom.seed(11)\ngot = lucky_draw(names, 2)\n"
            "random.seed(11)\nassert got == random.sample(names, 2)",
        ),
    ],
    partial={"rank": "def top_k(values, k):\n    return sorted(values)[:k]\n"},
    expected={
        "correct": {"rank_random": 2, "draw_seeded": 1},
        "partial": {"rank_random": 0, "draw_seeded": 1},
    },
)

MAGICS = Style(
    "style_magics",
    [
        ("setup", "setup", "%matplotlib inline\nimport numpy as np"),
        ("answer", "double", f"def double(x):\n    {B}\n    print('doubling', x)\n    return 2 * x\n    {E}"),
        ("test", "double_quiet", 1, "%%capture\nassert double(2) == 4\nassert double(np.int64(5)) == 10"),
        ("test", "double_plain", 1, "%precision 3\nassert double(0) == 0"),
    ],
    partial={"double": "def double(x):\n    return x + 2\n"},
    expected={
        "correct": {"double_quiet": 1, "double_plain": 1},
        "partial": {"double_quiet": 0, "double_plain": 0},
    },
)

STYLES = {
    s.name: s
    for s in (
        ASSERTS,
        NUMPY_PANDAS,
        VARIABLE,
        EXCEPTIONS_STDOUT,
        CLASSES,
        NAMESPACE,
        DATA_FILES,
        PLOT,
        RANDOM,
        MAGICS,
    )
}

# Built to differ: plain nbgrader calls the learner's __eq__ (full points); the trusted grader never
# does, so the cell is flagged and held.  The second test cell has a syntax error: the instructor's.
DIFFERS = Style(
    "style_differs",
    [
        (
            "answer",
            "point",
            f"class Point:\n    {B}\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n"
            f"    def __eq__(self, other):\n        return (self.x, self.y) == (other.x, other.y)\n    {E}",
        ),
        ("test", "point_eq", 1, "assert Point(1, 2) == Point(1, 2)"),
        ("test", "point_broken", 1, "assert Point(1, 2).x == 1 +"),
    ],
    partial={},
    expected={},
)
