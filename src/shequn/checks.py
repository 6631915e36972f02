"""The local check: what the assignments' test cells use (partial credit, hashed answers, fair failures).

Part of the learner package: a learner's own run of an assignment imports it (``from
shequn.checks import Checks, ...``) with nothing but ``pip install shequn``, and the trusted
grader (``shequn.grading``, the ``grading`` extra) runs the hidden tests with the same module.
It imports no site tooling and no grading code (``tests/test_layers.py``).

A test cell builds a :class:`Checks`, adds cases, and ends with
``checks.score()``; nbgrader reads the returned number as the cell's partial
credit.  Messages are written for learners: they say what is wrong, never the
expected value.  The module holds no solution: reference implementations live
only in the hidden tests of ``solutions/``.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np
import pandas as pd

__all__ = [
    "CheckFailed",
    "Checks",
    "expect",
    "expect_type",
    "answer_hash",
    "check_hashed",
    "expect_close",
    "expect_frame_close",
    "forbid",
    "grading_seed",
]

SALT = "shequn-course"
GRADING_SEED_ENV = "SHEQUN_GRADING_SEED"


class CheckFailed(AssertionError):
    """A check failed; the message is meant for the learner and reveals no answer."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_type(value: Any, types: type | tuple[type, ...], what: str) -> None:
    """Refuse ``None`` and wrong types with a message naming what was returned."""
    if value is None:
        raise CheckFailed(f"{what} 没有返回任何值（返回了 None）。 / {what} returned nothing (None).")
    if not isinstance(value, types):
        names = " 或 ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise CheckFailed(
            f"{what} 应返回 {names}，实际返回了 {type(value).__name__}。 / "
            f"{what} should return {names}, got {type(value).__name__}."
        )


def _canonical(value: Any, decimals: int) -> str:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        frame = frame.sort_index(axis=0).sort_index(axis=1)
        return frame.round(decimals).to_csv(float_format=f"%.{decimals}f", lineterminator="\n")
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if math.isnan(x):
            return "nan"
        return f"{round(x, decimals) + 0.0:.{decimals}f}"  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ",".join(_canonical(v, decimals) for v in value) + "]"
    return str(value)


def answer_hash(value: Any, decimals: int = 3) -> str:
    """Salted SHA-256 of a value rounded to ``decimals`` (what public tests compare)."""
    return hashlib.sha256((SALT + _canonical(value, decimals)).encode("utf-8")).hexdigest()[:20]


def check_hashed(value: Any, digest: str, what: str, decimals: int = 3) -> None:
    """Pass if ``value`` (rounded) hashes to ``digest``; the answer itself is never shown."""
    if answer_hash(value, decimals) != digest:
        raise CheckFailed(
            f"{what} 在示例数据上的结果不对（四舍五入到 {decimals} 位小数后比较）。 / "
            f"{what} gives a different result on the sample data."
        )


def expect_close(actual: Any, expected: float, what: str, rel: float = 1e-6, abs_: float = 1e-9) -> None:
    expect_type(actual, (int, float, np.integer, np.floating), what)
    ok = math.isclose(float(actual), float(expected), rel_tol=rel, abs_tol=abs_) or (
        math.isnan(float(actual)) and math.isnan(float(expected))
    )
    expect(ok, f"{what} 的数值不对。 / {what} has the wrong value.")


def expect_frame_close(
    actual: Any, expected: pd.DataFrame | pd.Series, what: str, rtol: float = 1e-6, *, ordered: bool = False
) -> None:
    """Compare shape, labels and values without showing the expected ones.

    ``ordered=True`` also asks for the rows and columns in the expected order (labels of the
    expected type: a ``datetime.date`` is not a ``Timestamp``), as a question that names the
    order asks.
    """
    kind = type(expected)
    expect_type(actual, kind, what)
    # no numbers in the message: on hidden data the shape would tell the learner about the hidden input
    expect(actual.shape == expected.shape, f"{what} 的形状（行数或列数）不对。 / {what} has the wrong shape.")
    if ordered:
        same = list(actual.index) == list(expected.index)
        if isinstance(expected, pd.DataFrame):
            same = same and list(actual.columns) == list(expected.columns)
        expect(same, f"{what} 的行或列的标签、顺序不对。 / {what} has the wrong labels or order.")
    a, e = actual.sort_index(), expected.sort_index()
    expect(list(a.index) == list(e.index), f"{what} 的行标签（index）不对。 / {what} has the wrong index.")
    if isinstance(expected, pd.DataFrame):
        a, e = a.sort_index(axis=1), e.sort_index(axis=1)
        expect(list(a.columns) == list(e.columns), f"{what} 的列名不对。 / {what} has the wrong columns.")
    try:
        ok = np.allclose(
            np.asarray(a, dtype=float), np.asarray(e, dtype=float), rtol=rtol, atol=1e-9, equal_nan=True
        )
    except (TypeError, ValueError):
        ok = a.equals(e)
    expect(ok, f"{what} 的数值不对。 / {what} has the wrong values.")


def grading() -> bool:
    """True in the trusted grader (``shequn grade`` sets the term's seed), False in a learner's own run."""
    return bool(os.environ.get(GRADING_SEED_ENV))


def _raised(exc: Exception) -> str:
    """What a failed case says about an exception that is not a :class:`CheckFailed`.

    In a learner's own run: the type and the message (it is their own code, on data they see).
    When grading: the type's name only, and only a built-in one.  The message, and the name of a
    learner's own exception class, may carry hidden inputs (an exception raised by the model
    running in the grader names the sizes of hidden data; a learner can put a hidden value into
    a class name), and feedback shows nothing about hidden tests but pass/fail and the check's
    own message.
    """
    if not grading():
        return f"运行出错 / raised {type(exc).__name__}: {str(exc)[:200]}"
    if (
        type(exc).__module__ == "shequn.grading.trusted.answer_data"
    ):  # the channel's own fixed texts (timed out, ...)
        return str(exc)[:200]
    import builtins

    name = next(
        (
            c.__name__
            for c in type(exc).__mro__
            if getattr(builtins, c.__name__, None) is c and c not in (Exception, BaseException, object)
        ),
        "",
    )
    return f"运行出错 / raised {name}" if name else "运行出错 / your code raised an error"


@dataclass
class Checks:
    """Cases of one test cell; ``score()`` returns the partial credit.

    Each case runs in isolation: an exception in one case fails that case
    only.  Warnings raised by learner code are silenced, because nbgrader gives
    zero points to a test cell that writes to stderr.
    """

    points: float
    name: str
    results: list[tuple[str, bool, str]] = field(default_factory=list)
    scored_from: int = 0  # results before this index are public cases: reported, not scored

    def grade_hidden_only(self) -> None:
        """From here on only the hidden cases score; the public cases above stay in the report.

        A public case runs on inputs the learner sees, and its answer space is often tiny (nine
        prices, a handful of booleans): trying every candidate, or pasting the answer in,
        would pass it without solving anything.  So the hidden-tests section of a test cell
        starts with this call, and the points come only from cases a guess can't pass.  The
        released notebook has no hidden section, so a learner's own run still scores the
        public cases (``tests/test_public_checks.py`` checks that no guess earns a point).
        """
        self.scored_from = len(self.results)

    def case(self, label: str, check: Callable[[], Any]) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check()
        except CheckFailed as exc:
            self.results.append((label, False, str(exc)))
            return False
        except Exception as exc:  # the learner's code raised: say which error, not where in our code
            self.results.append((label, False, _raised(exc)))
            return False
        self.results.append((label, True, ""))
        return True

    def report(self) -> str:
        lines = [f"【{self.name}】通过 {sum(ok for _, ok, _ in self.results)}/{len(self.results)} 项检查"]
        if self.scored_from:
            lines[0] += "（只有隐藏测试计分 / only the hidden cases score）"
        for i, (label, ok, message) in enumerate(self.results):
            public = "（公开测试，不计分）" if i < self.scored_from else ""
            lines.append(f"  {'✓' if ok else '✗'} {label}{public}" + ("" if ok else f"：{message}"))
        return "\n".join(lines)

    def score(self) -> float:
        """Print the report and return the points earned; no passed case is an error (0 points)."""
        scored = self.results[self.scored_from :]
        if not scored:
            raise CheckFailed(f"【{self.name}】没有任何计分的检查。 / no scored checks.")
        print(self.report())
        passed = sum(ok for _, ok, _ in scored)
        if passed == 0:
            raise CheckFailed(f"【{self.name}】计分的检查全部未通过，本题 0 分。 / all scored checks failed.")
        return round(self.points * passed / len(scored), 4)


@contextmanager
def forbid(module_name: str, *namespaces: MutableMapping[str, Any], reason: str = "") -> Iterator[None]:
    """Within the block, calling any public function of ``module_name`` fails the check.

    Also replaces references to those functions found in ``namespaces`` (pass
    the notebook's ``globals()``), so ``from module import f`` is caught too.
    """
    module = importlib.import_module(module_name)
    names: Iterable[str] = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
    originals = {name: getattr(module, name) for name in names if callable(getattr(module, name))}

    def blocker(name: str) -> Callable[..., NoReturn]:
        def blocked(*args: Any, **kwargs: Any) -> NoReturn:
            raise CheckFailed(
                f"本题要求自己用 pandas 实现，不能调用 {module_name}.{name}。{reason} / "
                f"solve it with your own pandas code, not {module_name}.{name}."
            )

        return blocked

    patched: list[tuple[MutableMapping[str, Any], str, Any]] = []
    for name in originals:
        setattr(module, name, blocker(name))
    for ns in namespaces:
        for key, value in list(ns.items()):
            for name, fn in originals.items():
                if value is fn:
                    patched.append((ns, key, value))
                    ns[key] = blocker(name)
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(module, name, fn)
        for ns, key, value in patched:
            ns[key] = value


def grading_seed(default: int) -> int:
    """The seed of one hidden data set: *default*, mixed with this term's seed when grading.

    ``shequn grade`` sets ``$SHEQUN_GRADING_SEED`` (the term's seed) in the trusted grader only;
    each test's *default* then gives a different, unguessable seed.  Without it (a learner's
    own run) the default is used.
    """
    raw = os.environ.get(GRADING_SEED_ENV)
    if not raw:
        return default
    digest = hashlib.sha256(f"{int(raw)}:{default}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1000)
