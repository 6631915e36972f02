"""Site search: glossary entries with English names, synonyms and teaching lesson; the search scorer."""

from pathlib import Path

from shequn.site import sphinxext

ROOT = Path(__file__).resolve().parents[1]


GLOSSARY_SAMPLE = """# 术语表

```{glossary}
连接器
  英文：connector。企业组织用户的手段（见{ref}`lesson-intro`）。见{ref}`lesson-connectors`、{ref}`lesson-intro`。

第一批成员
  英文：first members、seed users。最早的一批人。又称：种子用户、首批用户（其他说法）。见{ref}`lesson-thresholds`。

稳态
  英文：steady state。只在术语表里。
```

```{table} 不是术语
| a | b |
```
"""  # noqa: E501 (a glossary page as written)


def test_glossary_entries_read_english_synonyms_and_teaching_lesson(tmp_path):
    from shequn.site.search import glossary_entries

    page = tmp_path / "g.md"
    page.write_text(GLOSSARY_SAMPLE, encoding="utf-8")
    entries = glossary_entries(page)
    assert [e.terms for e in entries] == [["连接器"], ["第一批成员"], ["稳态"]]
    assert entries[0].english == ["connector"] and entries[0].synonyms == []
    # The sentence that starts with 见 names the teaching lesson, not the bracketed aside.
    assert entries[0].lesson == "lesson-connectors"
    assert entries[1].english == ["first members", "seed users"]
    assert entries[1].synonyms == ["种子用户", "首批用户"]
    assert entries[1].lesson == "lesson-thresholds"
    assert entries[2].lesson is None


def test_lesson_index_words_go_to_the_teaching_lessons_page(tmp_path):
    from shequn.site.search import glossary_entries, lesson_index_words

    page = tmp_path / "g.md"
    page.write_text(GLOSSARY_SAMPLE, encoding="utf-8")
    words = lesson_index_words(
        glossary_entries(page), {"lesson-connectors": "book/01/c", "lesson-thresholds": "book/05/t"}
    )
    assert words == {
        "book/01/c": ["连接器", "connector"],
        "book/05/t": ["第一批成员", "first members", "seed users", "种子用户", "首批用户"],
    }


def test_course_glossary_lists_synonyms_and_every_entry_names_its_lesson():
    from shequn.site.search import glossary_entries

    entries = glossary_entries(ROOT / sphinxext.GLOSSARY_DOC)
    by_term = {t: e for e in entries for t in e.terms}
    assert "种子用户" in by_term["第一批成员"].synonyms
    assert by_term["第一批成员"].lesson == "lesson-thresholds"
    assert by_term["连接器"].english == ["connector"] and by_term["连接器"].lesson == "lesson-connectors"
    labels = {
        line.strip()[1:-2]
        for md in (ROOT / "book").rglob("*.md")
        for line in md.read_text(encoding="utf-8").splitlines()
        if line.startswith("(lesson-")
    }
    missing = [
        e.terms[0] for e in entries if e.lesson and e.lesson.startswith("lesson-") and e.lesson not in labels
    ]
    assert missing == []


def test_scorer_puts_the_glossary_one_point_below_the_lesson(tmp_path):
    """Evaluate the generated scorer in Node, the way the search page's JavaScript runs it."""
    import json
    import shutil
    import subprocess

    from shequn.site.search import write_scorer

    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is needed (make vendor installs it)"
    js = write_scorer(tmp_path / "scorer.js", "book/reference/glossary").read_text(encoding="utf-8")
    probe = js + (
        "\nconsole.log(JSON.stringify([Scorer.score(['book/reference/glossary','t','#x',null,100,'f']),"
        " Scorer.score(['book/05/t','t','',null,100,'f']), Scorer.title, Scorer.term]));"
    )
    out = subprocess.run([node, "-e", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [99, 100, 15, 5]
