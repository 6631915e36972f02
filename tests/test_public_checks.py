"""Public checks earn only what a guess can't.

A public check runs on inputs the learner sees, so its answer can be found without solving
anything: by trying every candidate of a small answer space (nine prices, eight ``meets_goal``
columns, ``nan`` or ``inf``), or by pasting in the answer.  For every autograded cell of every
course assignment, guessers that pass public checks are scored with the cell's hidden tests,
as nbgrader scores it (``helpers.guessing``), and must earn nothing more than the released stub:

* the public-answer guesser: right on every public input, a stub on anything else;
* every candidate of the small answer spaces below, each in its own run of the test cell.

The expected score of each guesser is the stub's, computed in the same way from the released
notebook (0 for every cell, by hand: every stub raises ``NotImplementedError``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import nbformat
import pytest

from helpers.guessing import guess_notebook, public_part, scores

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration

PRICES = [10, 20, 30, 40, 50, 60, 80, 100, 150]  # threshold_design q1's public price list

# ------------------------------------------------------------ the small answer spaces, enumerated
_Q1 = [
    (f"always prices[{i}]", f"def highest_price(applicants, min_members, prices):\n    return prices[{i}]\n")
    for i in range(len(PRICES))
]
_Q1 += [
    (
        f"None if infeasible, else prices[{i}]",
        "def highest_price(applicants, min_members, prices):\n"
        f"    return None if min_members > applicants.n else prices[{i}]\n",
    )
    for i in range(len(PRICES))
]
_Q1 += [
    ("always None", "def highest_price(applicants, min_members, prices):\n    return None\n"),
    (
        "always the highest price",
        "def highest_price(applicants, min_members, prices):\n    return max(prices)\n",
    ),
]
_Q2 = [
    (
        f"meets_goal {combo}",
        f"""\
_q2_public = _GUESS["lookup"]["policy_table"]


def policy_table(applicants, policies, *args, **kwargs):
    try:  # the public answer where it is known (its values pass the hashed check) ...
        table = _q2_public(applicants, policies, *args, **kwargs).copy()
    except NotImplementedError:  # ... else the right labels and nothing else
        table = pd.DataFrame({{"members": 0, "fit_precision": 0.0, "active_share": 0.0, "net": 0.0,
                              "meets_goal": False}}, index=[p.name for p in policies])
    table["meets_goal"] = [{list(combo)}[i % 3] for i in range(len(table))]
    return table
""",
    )
    for combo in itertools.product([False, True], repeat=3)
]
_Q5 = [
    (
        f"half-life always {value}",
        f"""\
def lift_half_life(lift):
    return float({value!r})
""",
    )
    for value in ("2.0", "nan", "inf")
]
_Q5 += [
    (
        "lift always NaN",
        """\
def red_packet_lift(messages, red_packets, before=24, after=48):
    return pd.Series(float("nan"), index=range(-before, after))
""",
    )
]
_Q4 = [
    (
        "the small example's answer",
        """\
def lurker_share(members, messages, max_messages=0):
    return pd.Series({"g1": 2 / 3, "g2": 0.0})
""",
    )
]
CANDIDATES = {
    "threshold_design": {"q1_tests": _Q1, "q2_tests": _Q2},
    "group_analysis": {"q4_tests": _Q4, "q5_tests": _Q5},
    "capstone": {},
}


def _read(folder: str, name: str):
    return nbformat.read(ROOT / folder / name / f"{name}.ipynb", as_version=4)


def _autograded(nb) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
        and c.cell_type == "code"
    ]


def test_the_enumerated_spaces_are_the_public_checks():
    """The candidates above are the answers the released public checks allow (read from them)."""
    release = _read("assignments", "threshold_design")
    q1 = next(c.source for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_tests")
    assert f"prices = {PRICES}" in q1 and q1.count("check_hashed(") == 1 and "is None" in q1
    q2 = next(c.source for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q2_tests")
    assert 'list(_table["meets_goal"])' in q2  # one boolean per policy, three policies:
    assert "_policies = [th.FreePolicy(), th.PaidPolicy(30), th.InvitePolicy(3)]" in q2
    assert len(_Q2) == 2**3 and len(_Q1) == 2 * len(PRICES) + 2


@pytest.mark.parametrize("name", sorted(CANDIDATES))
def test_no_guess_of_a_public_check_earns_anything_over_a_stub(name):
    source, release = _read("solutions", name), _read("assignments", name)
    cells = _autograded(source)
    assert set(CANDIDATES[name]) <= set(cells)
    if not cells:  # graded by hand: no public check carries a point
        assert not _autograded(release)
        return
    folder = ROOT / "solutions" / name
    stub = scores(guess_notebook(source, release), folder)
    assert set(stub) == {(gid, "stub") for gid in cells}
    assert all(score == 0 for score in stub.values()), stub  # hand-worked: every stub raises
    guessed = scores(guess_notebook(source, None, CANDIDATES[name]), folder, timeout=1200)
    labels = {
        gid: ["public answers", *(label for label, _ in CANDIDATES[name].get(gid, []))] for gid in cells
    }
    expected = {(gid, label) for gid in cells for label in labels[gid]}
    assert set(guessed) == expected
    earned = {key: score for key, score in guessed.items() if score > stub[(key[0], "stub")]}
    assert not earned, f"guesses of public checks earned points: {earned}"


@pytest.mark.parametrize("name", ["threshold_design", "group_analysis"])
def test_the_public_answer_guesser_passes_every_public_check(name):
    """The guesser above is a real one: in the released notebook, its answers pass all public checks."""
    source, release = _read("solutions", name), _read("assignments", name)
    public = nbformat.v4.new_notebook(cells=[c.copy() for c in source.cells], metadata=dict(source.metadata))
    for cell in public.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            cell.source = public_part(cell.source)
    got = scores(guess_notebook(public, None), ROOT / "solutions" / name)
    full = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in release.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
        and c.cell_type == "code"
    }
    assert {gid: score for (gid, _), score in got.items()} == full
