"""Attacks on the handle surface: forged handles, lying objects, escapes, leaking mocks, refusals.

The kernel half runs from its source in a plain namespace (``helpers.local_channel``); the
trusted side is the real one.  What these check is the protocol: every attack is refused
(a violation or a clear refusal) or flagged (:class:`~shequn.grading.trusted.stand_ins.Unfaithful`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

import attacks_handles as A  # noqa: E402

from helpers.local_channel import local_channel  # noqa: E402
from shequn.grading.trusted.channel import AnswerRefused, ChannelViolation  # noqa: E402
from shequn.grading.trusted.stand_ins import Handle, Unfaithful  # noqa: E402
from shequn.grading.trusted.test_cells import (
    run_code,  # noqa: E402
    run_test_cell,  # noqa: E402
)


def _kernel(tmp_path, code: str):
    user: dict = {}
    exec(code, user)  # noqa: S102 - the "learner's" code, in its own namespace
    channel = local_channel(tmp_path, user)
    return channel, channel.proxies(sorted(k for k in user if not k.startswith("__")))


def _run(channel, ns, source, points=1.0):
    ns = {"__name__": "t", **ns}
    return run_test_cell(source, ns, channel, set(ns) - {"__name__"}, points, "t", run_code)


@pytest.mark.parametrize(
    "forged",
    [
        {"t": "handle", "id": -1, "kind": "object", "type": "x"},
        {"t": "handle", "id": "0", "kind": "object", "type": "x"},
        {"t": "handle", "id": 10**9, "kind": "object", "type": "x"},
        {"t": "handle", "id": 0, "kind": "grader", "type": "x"},
        {"t": "handle", "id": 0, "kind": "object", "type": "x" * 500},
        {"t": "handle", "id": 0, "kind": "object", "type": "x", "mro": ["a"] * 50},
    ],
)
def test_forged_handles_are_violations(tmp_path, forged):
    channel, _ = _kernel(tmp_path, "")
    with pytest.raises(ChannelViolation):
        channel.decode(forged, [])
    assert channel.violations


def test_an_always_equal_object_is_flagged_not_passed(tmp_path):
    channel, ns = _kernel(tmp_path, A.ALWAYS_EQUAL)
    value = ns["answer"]()
    assert isinstance(value, Handle)
    with pytest.raises(Unfaithful):
        value == 5  # noqa: B015
    out = _run(channel, ns, "assert answer() == 5")
    assert out.status == "unfaithful" and "==" in out.problem["construct"]
    assert out.outputs[-1]["output_type"] == "error"  # held, never full points


def test_objects_lying_about_type_and_size(tmp_path):
    from shequn.grading.trusted.channel import RemoteError

    channel, ns = _kernel(tmp_path, A.LIAR)
    with pytest.raises(RemoteError):  # claims to be an int: a lying data type is refused, as before
        ns["claims"]()
    liar = ns["answer"]()
    assert not isinstance(liar, int)
    with pytest.raises((TypeError, ValueError)):  # a negative or non-int size never becomes a length
        len(liar)
    with pytest.raises(TypeError):
        float(liar)
    fake = ns["figure"]()
    import matplotlib.figure

    # it may claim to be a Figure for isinstance, but no Figure method runs on it here
    assert isinstance(fake, matplotlib.figure.Figure) and type(fake) is Handle
    with pytest.raises(AttributeError):
        fake.get_size_inches()  # asked of the kernel, where the fake has no such method


def test_endless_recursive_and_huge_answers_are_refused_with_a_reason(tmp_path, monkeypatch):
    import shequn.grading.trusted.stand_ins as handles

    monkeypatch.setattr(handles, "MAX_ITEMS", 10_000)
    channel, ns = _kernel(tmp_path, A.RESOURCES)
    with pytest.raises(AnswerRefused, match="generator that never ends"):
        list(ns["endless"]())
    with pytest.raises(AnswerRefused, match="nested"):
        ns["loop"]()
    with pytest.raises(AnswerRefused, match="MB"):
        ns["huge"]()
    out = _run(channel, ns, "assert len(loop()) == 2")
    assert (
        out.status == "error"
    )  # the test fails on a refused answer, as a RecursionError fails it in nbgrader


def test_escapes_in_messages_and_prints_are_stripped(tmp_path):
    channel, ns = _kernel(tmp_path, A.ESCAPES)
    with pytest.raises(ValueError) as info:
        ns["answer"]()
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value)
    assert "<script>" in str(info.value)  # text, kept as text: outputs are never rendered as HTML
    # printed text reaches a test that captures it, without control characters ...
    out = _run(
        channel,
        ns,
        "import contextlib, io\nbuf = io.StringIO()\nwith contextlib.redirect_stdout(buf):\n"
        "    chatter()\nassert '\\x1b' not in buf.getvalue() and 'red' in buf.getvalue()\n"
        "print('done')",
    )
    assert out.status == 1.0, out
    # ... but never the cell's outputs (feedback): it could carry hidden inputs
    out = _run(channel, ns, "chatter()\nprint('done')")
    text = "".join(o.get("text", "") for o in out.outputs if o["output_type"] == "stream")
    assert text == "done\n"


def test_a_mock_never_sends_test_code_to_the_kernel(tmp_path):
    channel, ns = _kernel(tmp_path, A.HELPER)
    secret = "HIDDEN_EXPECTED_4711"
    out = _run(
        channel,
        ns,
        f"from unittest import mock\nfetch = mock.Mock(side_effect=lambda: '{secret}')\nassert total() == 0",
    )
    assert out.status == "unfaithful" and "fetch" in out.problem["construct"]
    sent = b"".join(p.read_bytes() for p in (tmp_path / "in").rglob("*") if p.is_file())
    assert secret.encode() not in sent and b"lambda" not in sent
    # a data mock crosses as its return value only, and its calls come back to the Mock
    out = _run(
        channel,
        ns,
        "from unittest import mock\nfetch = mock.Mock(return_value=[5, 6])\n"
        "assert total() == 11\nfetch.assert_called_once_with()",
    )
    assert out.status == 1.0, out


def test_nbgrader_scoring_rule(tmp_path):
    """Hand-worked against nbgrader.utils.determine_grade: no error -> points; a number -> that
    number; a non-number -> points; negative -> points; stderr or an error -> 0; too many -> instructor."""
    channel, ns = _kernel(tmp_path, "def f():\n    return 2\n")
    assert _run(channel, ns, "assert f() == 2", 3).status == 3.0
    assert _run(channel, ns, "f() / 4", 3).status == 0.5
    assert _run(channel, ns, "'text'", 3).status == 3.0
    assert _run(channel, ns, "-1.0", 3).status == 3.0
    assert _run(channel, ns, "import sys\nsys.stderr.write('warn')", 3).status == 0.0
    assert _run(channel, ns, "assert f() == 3", 3).status == "error"
    assert _run(channel, ns, "5.0", 3).status == "instructor error"
    bad = _run(channel, ns, "assert f( ==", 3)
    assert (
        bad.status == "instructor error"
        and "t" in bad.problem["reason"]
        and "instructor" in bad.problem["reason"]
    )


def test_learner_objects_go_back_into_learner_functions_by_number(tmp_path):
    channel, ns = _kernel(
        tmp_path,
        "class P:\n    def __init__(self, x):\n        self.x = x\n\n"
        "def gap(a, b):\n    return abs(a.x - b.x)\n",
    )
    out = _run(channel, ns, "a, b = P(1), P(4)\nassert gap(a, b) == 3\nassert {'k': gap(b, a)} == {'k': 3}")
    assert out.status == 1.0, out
    assert repr(ns["P"]) == "<learner class>"  # never the learner's own text


def test_series_frames_and_arrays_cross_as_data(tmp_path):
    import numpy as np
    import pandas as pd

    channel, ns = _kernel(
        tmp_path,
        "import pandas as pd, numpy as np\n"
        "def s():\n    return pd.Series([1.5, 2.5], index=['a', 'b'], name='x')\n"
        "def f():\n    return pd.DataFrame({'k': [1, 2]})\n"
        "def a():\n    return np.arange(3)\n",
    )
    pd.testing.assert_series_equal(ns["s"](), pd.Series([1.5, 2.5], index=["a", "b"], name="x"))
    pd.testing.assert_frame_equal(ns["f"](), pd.DataFrame({"k": [1, 2]}))
    np.testing.assert_array_equal(ns["a"](), np.arange(3))


def test_the_graders_own_placeholder_is_not_learner_use_when_a_later_test_asks(tmp_path):
    """nbgrader's usual test cells each start with ``checks = Checks(...)``.  If the learner has a
    ``checks`` of their own, the first test's binding is mirrored into the kernel as a placeholder; the
    next test asks the kernel about ``checks`` again.  That question is the grader's, not learner code
    using a grader object: no violation (it flagged h24, and any learner with a ``checks`` variable,
    'invalid answer data')."""
    from helpers.local_channel import local_channel
    from shequn.grading.trusted.test_cells import MirrorNamespace

    user_ns = {"checks": [1, 2]}
    channel = local_channel(tmp_path, user_ns)
    assert channel.learner_names(["checks"]) == {"checks"}
    MirrorNamespace({}, channel, {"checks"})["checks"] = object()  # a grader object: a placeholder there
    assert type(user_ns["checks"]).__name__ == "_GraderObject"
    assert channel.learner_names(["checks"]) == set() and channel.describe(["checks"]) == {
        "checks": {"kind": "missing"}
    }
    assert channel.violations == []
