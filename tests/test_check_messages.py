"""What a failed check tells the learner: nothing about a hidden input when grading.

The end-to-end version (real grading, real feedback) is in tests/test_instructor_views.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from shequn.checks import GRADING_SEED_ENV, CheckFailed, Checks, expect_frame_close
from shequn.grading.trusted.answer_data import remote_exception
from shequn.grading.trusted.channel import Channel, RemoteError

HIDDEN = pd.DataFrame({"zq_secret_col": [7919.25] * 4111})


def _leaky_class():
    return type("Leak_4111_zq_secret_col_7919p25", (Exception,), {})


def _report(*raisers) -> str:
    checks = Checks(points=1, name="q")
    for i, exc in enumerate(raisers):

        def fail(exc=exc):
            raise exc

        checks.case(f"case {i}", fail)
    return checks.report()


def test_when_grading_a_failure_names_only_a_built_in_error(monkeypatch):
    monkeypatch.setenv(GRADING_SEED_ENV, "12345")
    report = _report(
        ValueError(f"bad input {HIDDEN.shape} {HIDDEN.iloc[0].tolist()}"),
        _leaky_class()("4111 rows"),
        KeyError("zq_secret_col"),
        type("MyError", (LookupError,), {})("7919.25"),
    )
    for secret in ("4111", "7919", "zq_secret", "Leak", "MyError"):
        assert secret not in report
    assert report.count("raised ValueError") == 1 and report.count("raised KeyError") == 1
    assert report.count("raised LookupError") == 1 and report.count("your code raised an error") == 1


def test_in_the_learner_s_own_run_the_message_is_kept(monkeypatch):
    monkeypatch.delenv(GRADING_SEED_ENV, raising=False)
    assert "raised KeyError: 'amount'" in _report(KeyError("amount"))


def test_a_wrong_shape_is_reported_without_the_shape():
    with pytest.raises(CheckFailed) as caught:
        expect_frame_close(HIDDEN.iloc[:-1], HIDDEN, "double(hidden)")
    assert "形状" in str(caught.value) and "4110" not in str(caught.value) and "4111" not in str(caught.value)


def test_a_learner_s_class_name_never_crosses_the_channel(tmp_path):
    exc = remote_exception(
        {"mro": ["__main__.Leak_4111", "builtins.Exception", "builtins.BaseException", "builtins.object"]}
    )
    assert isinstance(exc, RemoteError) and "4111" not in str(exc) and "Leak" not in str(exc)
    subclass = remote_exception({"mro": ["__main__.Leak_4111", "builtins.ValueError", "builtins.Exception"]})
    assert type(subclass) is ValueError and str(subclass) == ""
    channel = Channel(tmp_path, tmp_path, lambda code, timeout: "ok")
    with pytest.raises(RemoteError) as own:
        channel.decode({"t": "unsupported", "type": "pandas.Leak_4111"}, [])
    assert "4111" not in str(own.value)
    with pytest.raises(RemoteError) as library:
        channel.decode({"t": "unsupported", "type": "numpy.matrix"}, [])
    assert "'numpy.matrix'" in str(library.value)
    with pytest.raises(RemoteError) as violation:
        channel.decode({"t": "Leak_4111"}, [])
    assert "4111" not in str(violation.value) and "4111" in channel.violations[-1]  # the instructor sees it
