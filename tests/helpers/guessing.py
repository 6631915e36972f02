"""Guessers of public checks: notebooks that pass every public check of an assignment without
solving it, and what nbgrader scores them (``tests/test_public_checks.py``).

The strongest guesser knows every public answer: it runs the source's solution, but only on
inputs the released notebook's public tests use (recorded by running those tests first), and
behaves like the unanswered stub (``NotImplementedError``) on anything else.  A policy answer
(a threshold) admits nobody on pools it has not seen.  Explicit candidates enumerate the small
answer spaces of single public checks (nine prices, eight ``meets_goal`` columns, ``nan``/``inf``).

Each test cell is run in the assignment's own kernel with its hidden tests, as plain nbgrader runs
it, and scored with nbgrader's own rule (``nbgrader.utils.determine_grade``).
"""

from __future__ import annotations

import copy
import json
import logging

import nbformat
from nbclient import NotebookClient

from helpers.course import solution_code

__all__ = ["RUNTIME", "public_part", "guess_notebook", "scores"]

# Runs in the kernel first: the record of public inputs and the wrappers that answer only those.
RUNTIME = r'''
import dataclasses as _dc
import hashlib as _hashlib
import types as _types
from pathlib import PurePath as _PurePath

import numpy as _np
import pandas as _pd

_GUESS = {"record": False, "seen": set(), "lookup": {}}


def _fp(x):
    """A fingerprint of an input's content (an equal copy has the same one)."""
    if isinstance(x, (_pd.DataFrame, _pd.Series, _pd.Index)):
        try:
            body = _pd.util.hash_pandas_object(x, index=not isinstance(x, _pd.Index)).to_numpy().tobytes()
        except TypeError:
            body = x.to_csv().encode() if not isinstance(x, _pd.Index) else repr(list(x)).encode()
        labels = repr(list(x.columns) if isinstance(x, _pd.DataFrame) else getattr(x, "name", None))
        return ("pd", type(x).__name__, x.shape, labels, _hashlib.sha256(body).hexdigest())
    if isinstance(x, _np.ndarray):
        return ("np", x.shape, str(x.dtype), _hashlib.sha256(_np.ascontiguousarray(x).tobytes()).hexdigest())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_fp(v) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple(sorted((repr(k), _fp(v)) for k, v in x.items())))
    if _dc.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__, tuple(_fp(getattr(x, f.name)) for f in _dc.fields(x)))
    if isinstance(x, _PurePath):
        return ("path", str(x))
    if not isinstance(x, (int, float, complex, str, bytes, bool, type(None), type, _types.FunctionType)):
        # an object: its content (a repr may say little, or name an address another object reuses)
        slots = [s for c in type(x).__mro__ for s in getattr(c, "__slots__", ())]
        state = {s: getattr(x, s) for s in slots if hasattr(x, s)} | dict(getattr(x, "__dict__", {}))
        if state:
            return (type(x).__name__, _fp(state))
    return ("repr", repr(x))


def _guess_function(fn):
    def guess(*args, **kwargs):
        key = _fp((args, kwargs))
        if _GUESS["record"]:
            _GUESS["seen"].add(key)
        if key in _GUESS["seen"]:
            return fn(*args, **kwargs)  # a public input: the public answer
        raise NotImplementedError()  # anything else: as unanswered as the stub
    guess.__name__ = fn.__name__
    return guess


def _guess_policy(policy):
    from shequn.models import thresholds as _th

    class GuessPolicy(_th.Policy):
        name = policy.name
        fee = getattr(policy, "fee", 0.0)

        def __getattr__(self, attr):
            return getattr(policy, attr)

        def _seen(self, applicants):
            key = _fp(applicants)
            if _GUESS["record"]:
                _GUESS["seen"].add(key)
            return key in _GUESS["seen"]

        def admit(self, applicants, rng):
            if self._seen(applicants):
                return policy.admit(applicants, rng)
            return _np.zeros(applicants.n, dtype=bool)  # an unseen pool: nobody

        def invitees(self, applicants, admitted, rng):
            if self._seen(applicants):
                return policy.invitees(applicants, admitted, rng)
            return _np.zeros(applicants.n, dtype=int)

    return GuessPolicy()


def _guess_answers(namespace, before):
    """Wrap what an answer cell defined (functions, thresholds) as public-answer guessers."""
    from shequn.models import thresholds as _th

    for name, value in list(namespace.items()):
        if name.startswith("_") or before.get(name, object()) is value:
            continue
        if isinstance(value, _types.FunctionType):
            namespace[name] = _GUESS["lookup"][name] = _guess_function(value)
        elif isinstance(value, _th.Policy):
            namespace[name] = _GUESS["lookup"][name] = _guess_policy(value)


def _record_public(source, namespace):
    """Run a test cell's public part with the solution answering, and remember its inputs."""
    import contextlib
    import io

    _GUESS["record"] = True
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<public tests>", "exec"), namespace)
    except Exception:
        pass
    finally:
        _GUESS["record"] = False
'''


def public_part(source: str) -> str:
    """A test cell as released: without its hidden-tests section."""
    out, hidden = [], False
    for line in source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def guess_notebook(source, release, candidates: dict[str, list[tuple[str, str]]] | None = None):
    """The notebook to run: the source's cells, its answers replaced, its test cells scored.

    ``release`` given: the answers are the released stubs (the baseline).  Otherwise the answers
    are public-answer guessers, and ``candidates`` maps a test cell's grade_id to
    ``(label, code)`` pairs run before it, each followed by a scored copy of the test cell.
    Scored copies carry ``metadata["guess"] = (grade_id, label)``.
    """
    stubs = {_meta(c).get("grade_id"): c.source for c in release.cells} if release is not None else None
    cells = [nbformat.v4.new_code_cell(RUNTIME)]

    def scored(cell, label):
        copy_ = nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(dict(cell.metadata)))
        copy_.metadata["guess"] = [_meta(cell)["grade_id"], label]
        return copy_

    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if meta.get("solution") and not meta.get("grade"):
            if stubs is not None:
                cells.append(nbformat.v4.new_code_cell(stubs[gid]))
            else:
                cells.append(
                    nbformat.v4.new_code_cell("_before = dict(globals())\n" + solution_code(cell.source))
                )
                cells.append(nbformat.v4.new_code_cell("_guess_answers(globals(), _before)"))
        elif meta.get("grade") and not meta.get("solution"):
            if stubs is None:
                cells.append(
                    nbformat.v4.new_code_cell(
                        f"_record_public({json.dumps(public_part(cell.source))}, globals())"
                    )
                )
                for label, code in (candidates or {}).get(gid, []):
                    cells.append(nbformat.v4.new_code_cell(code))
                    cells.append(scored(cell, label))
                    cells.append(nbformat.v4.new_code_cell("globals().update(_GUESS['lookup'])"))
            cells.append(scored(cell, "stub" if stubs is not None else "public answers"))
        else:
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(dict(cell.metadata))))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(dict(source.metadata)))
    return nb


def scores(nb, folder, timeout: int = 600) -> dict[tuple[str, str], float]:
    """Run *nb* in a fresh kernel in *folder*; nbgrader's score of every scored copy."""
    from nbgrader.utils import determine_grade

    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    log = logging.getLogger("guessing")
    out = {}
    for cell in nb.cells:
        if "guess" in cell.metadata:
            out[tuple(cell.metadata["guess"])] = determine_grade(cell, log)[0]
    return out
