"""One test cell, run in the trusted grader with the outputs plain nbgrader would record.

nbgrader scores a test cell from its outputs (``nbgrader.utils.determine_grade``): an error
or anything on stderr → 0; an ``execute_result`` → that many points (non-numeric or negative →
full points; more than the cell's points → nbgrader itself fails); otherwise full points.
:func:`run_test_cell` runs the instructor's test here and writes exactly those outputs, so
nbgrader's own ``SaveAutoGrades`` gives the same score it gives when the test runs in the
learner's kernel.  ``Checks.score()`` is a numeric last expression: partial credit.

The test sees the learner's names through the channel (functions and objects as
:class:`~shequn.grading.trusted.stand_ins.Handle`, data as data).  What it does *to* those names is
mirrored into the kernel (:class:`MirrorNamespace`): nbgrader's ``del squares`` check deletes
``squares`` in the kernel too, and ``squares = orig_squares`` puts it back.  Seeding the global
random generators (``np.random.seed``, ``random.seed``) seeds the kernel's too.  IPython magics
are translated by IPython's own ``TransformerManager``; the harmless ones (``%matplotlib``,
``%%capture``) are carried out here, any other is :class:`~shequn.grading.trusted.stand_ins.Unfaithful`.

Whatever cannot be carried faithfully (a grader object put in place of a learner name, ``==``
on a learner object, an unknown magic) ends the cell as *unfaithful*: the caller flags it with
the cell and the construct and holds it for manual grading; it is never silently 0.
"""

from __future__ import annotations

import ast
import contextlib
import io
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from nbformat.v4 import new_output

from shequn.grading.trusted.stand_ins import Handle, Unfaithful

__all__ = [
    "CellOutcome",
    "GraderShell",
    "MirrorNamespace",
    "analysable",
    "bound_before_read",
    "bound_names",
    "free_names",
    "run_code",
    "run_test_cell",
    "stored_names",
    "to_python",
]

_HARMLESS_LINE_MAGICS = {"matplotlib", "config", "precision"}


def free_names(source: str) -> list[str]:
    """Global names a piece of code reads, in every scope (``LOAD_GLOBAL``/``LOAD_NAME``)."""
    import dis

    names: set[str] = set()

    def walk(co) -> None:
        names.update(i.argval for i in dis.get_instructions(co) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        for const in co.co_consts:
            if hasattr(const, "co_code"):
                walk(const)

    walk(compile(source, "<test>", "exec"))
    return sorted(n for n in names if isinstance(n, str) and n.isidentifier() and not n.startswith("__"))


def bound_names(source: str) -> set[str]:
    """Names an instructor cell binds at top level: never taken from the learner's kernel."""
    out: set[str] = set()
    with contextlib.suppress(SyntaxError):
        for node in ast.parse(source).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                out |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return out


def run_code(source: str, ns: dict, local=None, name: str = "<test>"):
    """exec *source* in *ns* (top-level names through *local*, if given); the value of a final
    expression is returned (as IPython does)."""
    tree = ast.parse(source, filename=name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    local = ns if local is None else local
    exec(compile(tree, name, "exec"), ns, local)  # noqa: S102 - instructor code from the gradebook
    return eval(compile(last, name, "eval"), ns, local) if last is not None else None  # noqa: S307


@dataclass
class CellOutcome:
    outputs: list
    status: Any  # points (float), "error", "unfaithful", "instructor error"
    problem: dict = field(default_factory=dict)  # {"construct", "reason"} when not "ok"


def to_python(source: str) -> str:
    """IPython syntax (magics, ``!`` shell lines) as plain Python, by IPython's own transformer."""
    if not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def analysable(source: str) -> str:
    """*source* as Python whose names can be read: a cell magic's body (``%%capture``) included."""
    python = to_python(source)
    if source.lstrip().startswith("%%"):
        with contextlib.suppress(SyntaxError, IndexError, AttributeError):
            call = ast.parse(python).body[0].value
            body = call.args[2].value
            if isinstance(body, str):
                return python + "\n" + analysable(body)
    return python


def stored_names(code) -> set[str]:
    """Names a compiled cell binds or deletes at top level (``STORE_NAME``/``DELETE_NAME``)."""
    import dis

    return {i.argval for i in dis.get_instructions(code) if i.opname in ("STORE_NAME", "DELETE_NAME")}


def bound_before_read(python: str) -> set[str]:
    """Names the cell's top level binds (``=``, ``import``, ``def``, ``class``) before any statement
    reads them: the learner's value under such a name can never reach the test, so it is not
    fetched from the kernel (a binding is still mirrored into it).  ``checks = Checks(...)`` is
    the usual case: fetching the learner's own ``checks`` first would only invite a refused,
    flagged answer.  Conservative: a name read anywhere in an earlier statement (nested
    functions included) or in the binding statement itself is not in the set."""
    import ast

    try:
        body = ast.parse(python).body
    except SyntaxError:
        return set()
    bound: set[str] = set()
    read: set[str] = set()
    for stmt in body:
        read |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
        if isinstance(stmt, ast.AugAssign):
            read |= {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = {
                n.id
                for t in targets
                for n in ast.walk(t)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names = {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = {stmt.name}
        else:
            names = set()
        bound |= names - read
    return bound


class MirrorNamespace(MutableMapping):
    """A test cell's top-level namespace: writes through to *ns*, and a binding or deletion of a
    learner's name (*learner*) is done in the kernel too (see module doc)."""

    def __init__(self, ns: dict, channel, learner: set[str]):
        self.ns, self.channel, self.learner = ns, channel, learner

    def __getitem__(self, key):
        return self.ns[key]

    def __setitem__(self, key, value):
        if key in self.learner:
            if isinstance(value, Handle):
                self.channel.handle_op(
                    {"op": "set", "name": key, "ref": object.__getattribute__(value, "_id")}
                )
            elif _data_mock(value):
                # a Mock with a plain-data return value: the kernel gets a stub returning that data,
                # and each call it receives is replayed on this Mock (call_count, assert_called_with)
                self.channel.handle_op(
                    {"op": "stub", "name": key, "value": self.channel.encode(value.return_value)}
                )
                self.channel.stubs[key] = value
            else:
                try:
                    encoded = self.channel.encode(value)
                except TypeError:
                    # no grader object (or its code) is sent: a placeholder that reports any use
                    self.channel.handle_op({"op": "placeholder", "name": key})
                else:
                    self.channel.handle_op({"op": "set", "name": key, "value": encoded})
        self.ns[key] = value

    def __delitem__(self, key):
        if key in self.learner:  # it may live only in the kernel (bound there, never read here)
            self.channel.handle_op({"op": "del", "name": key})
            self.ns.pop(key, None)
            return
        del self.ns[key]

    def __iter__(self):
        return iter(self.ns)

    def __len__(self):
        return len(self.ns)


def _data_mock(value) -> bool:
    from unittest import mock

    if not isinstance(value, mock.NonCallableMock) or not callable(value):
        return False
    if value.side_effect is not None or getattr(value, "_mock_wraps", None) is not None:
        return False
    return not isinstance(value.return_value, mock.NonCallableMock)


class RunnerBuffer(io.StringIO):
    """The runner's own capture of a test cell's output (it becomes the cell's outputs, which
    feedback shows): learner text printed during a call is kept out of it (it could carry hidden
    inputs); only the fact that the learner wrote to stderr is (nbgrader scores that cell 0)."""


class GraderShell:
    """``get_ipython()`` for test code: the magics that change nothing a test checks."""

    def __init__(self, run_body):
        self._run_body = run_body

    def run_line_magic(self, name, line, _stack_depth=1):
        if name in _HARMLESS_LINE_MAGICS:
            return None
        raise Unfaithful(f"魔法命令 %{name} / magic %{name}", "not run in the grader: graded by hand")

    def run_cell_magic(self, name, line, body):
        if name == "capture":  # %%capture [out]: run the body, keep its output out of the cell
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                self._run_body(body)
            return None
        raise Unfaithful(f"魔法命令 %%{name} / cell magic %%{name}", "not run in the grader: graded by hand")

    def system(self, cmd):
        raise Unfaithful("shell 命令 ! / a shell command (!)", "not run in the grader: graded by hand")

    getoutput = system


@contextlib.contextmanager
def _mirrored_seeds(channel):
    """``np.random.seed(k)`` / ``random.seed(k)`` in a test also seed the kernel's generators."""
    import random

    import numpy as np

    saved = np.random.seed, random.seed

    def wrap(module, original):
        def seed(*args, **kwargs):
            original(*args, **kwargs)
            value = args[0] if args else kwargs.get("seed", kwargs.get("a"))
            if value is None or type(value) is int:
                channel.handle_op({"op": "seed", "module": module, "value": value})

        return seed

    np.random.seed, random.seed = wrap("numpy", saved[0]), wrap("random", saved[1])
    try:
        yield
    finally:
        np.random.seed, random.seed = saved


def _display_text(value: Any) -> str:
    """What IPython's ``text/plain`` would be for a test's last expression (never asks the kernel)."""
    if isinstance(value, Handle):
        return "<learner object>"
    from IPython.lib.pretty import pretty

    return pretty(value, max_seq_length=1000)


def run_test_cell(
    source: str, ns: dict, channel, learner: set[str], points: float, gid: str, execute
) -> CellOutcome:
    """Run one test cell (*execute*: ``(code, ns, locals) -> last value``); see module doc."""
    out, err = RunnerBuffer(), RunnerBuffer()
    try:
        python = to_python(source)
        compile(python, f"<test {gid}>", "exec")
    except SyntaxError as exc:
        why = (
            f"测试单元格 {gid} 有语法错误（第 {exc.lineno} 行）：这是出题人的错误 / test cell {gid} has a "
            f"syntax error (line {exc.lineno}): the instructor's error, not the learner's"
        )
        return CellOutcome(
            [_error("SyntaxError", why)], "instructor error", {"construct": "SyntaxError", "reason": why}
        )
    local = MirrorNamespace(ns, channel, learner)
    # this cell's own shell: a %%capture body runs with this cell's namespace and name
    ns["get_ipython"] = lambda: GraderShell(lambda body: execute(to_python(body), ns, local, f"<test {gid}>"))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _mirrored_seeds(channel):
            value = execute(python, ns, local, f"<test {gid}>")
    except Unfaithful as exc:
        return CellOutcome(
            [*_streams(out, err), _error("NeedsManualGrading", str(exc))],
            "unfaithful",
            {"construct": exc.construct, "reason": exc.reason},
        )
    except Exception as exc:  # noqa: BLE001 - a failed test: 0 points, as nbgrader gives it
        name = type(exc).__name__ if type(exc).__name__ == "CheckFailed" else "TestError"
        message = str(exc) if name == "CheckFailed" else "测试没有通过 / the tests did not pass"
        return CellOutcome(
            [*_streams(out, err), _error(name, message)], "error", {"raised": _where(exc, gid)}
        )
    outputs = _streams(out, err)
    if err.getvalue():
        return CellOutcome(outputs, 0.0)
    if value is None:
        return CellOutcome(outputs, float(points))
    text = _display_text(value)
    try:
        grade = float(text)
    except ValueError:
        grade = float(points)
    if grade > points:  # plain nbgrader stops with "partial credit cannot be greater than maximum points"
        why = (
            f"测试单元格 {gid} 给出 {grade:g} 分，超过满分 {points:g}：这是出题人的错误 / test cell {gid} "
            f"returns {grade:g} points, more than its {points:g}: the instructor's error"
        )
        return CellOutcome(
            [*outputs, _error("TooManyPoints", why)],
            "instructor error",
            {"construct": "partial credit > points", "reason": why},
        )
    result = new_output("execute_result", data={"text/plain": text}, execution_count=None)
    return CellOutcome([*outputs, result], grade if grade >= 0 else float(points))


def _where(exc: BaseException, gid: str) -> str:
    """``AssertionError at line 5`` of the test cell: for the instructor's report, not the learner."""
    import traceback

    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == f"<test {gid}>"]
    return f"{type(exc).__name__} at line {lines[-1]}" if lines else type(exc).__name__


def _streams(out: io.StringIO, err: io.StringIO) -> list:
    streams = []
    if out.getvalue():
        streams.append(new_output("stream", name="stdout", text=out.getvalue()))
    if err.getvalue():
        streams.append(new_output("stream", name="stderr", text=err.getvalue()))
    return streams


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
