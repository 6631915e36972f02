"""shequn.site.exercises: sphinx-exercise blocks numbered per page, labelled in Chinese, answers folded."""

from __future__ import annotations

import re

from shequn.site.exercises import renumber_per_page

EXERCISES = """# {title}

```{{exercise}}
:label: {p}-a

第一题。
```

```{{solution}} {p}-a
:class: dropdown

答案一。
```

```{{exercise}}
:label: {p}-b

第二题。
```

```{{solution}} {p}-b
:class: dropdown

答案二。
```
"""


def test_renumber_per_page_keeps_order():
    numbers = {
        "a": {"exercise": {"x": (3,), "y": (1,)}, "figure": {"f": (7,)}},
        "b": {"exercise": {"z": (9,), "w": (4,), "v": (6,)}},
        "c": {},
    }
    renumber_per_page(numbers)
    assert numbers == {
        "a": {"exercise": {"x": (2,), "y": (1,)}, "figure": {"f": (7,)}},
        "b": {"exercise": {"z": (3,), "w": (1,), "v": (2,)}},
        "c": {},
    }


def _titles(html: str, cls: str) -> list[str]:
    blocks = re.findall(
        rf'<div class="[^"]*\b{cls}\b[^"]*"[^>]*>\s*<p class="admonition-title">(.*?)</p>', html, re.S
    )
    return [re.sub(r"<[^>]+>", "", b).split("(")[0].strip() for b in blocks]


def test_numbers_restart_on_each_page_and_labels_are_chinese(tmp_path):
    from sphinx.cmd.build import build_main

    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "conf.py").write_text(
        "extensions = ['myst_parser', 'sphinx_togglebutton', 'shequn.site.exercises']\nlanguage = 'zh_CN'\n"
        "html_theme = 'basic'\n",
        encoding="utf-8",
    )
    (src / "index.md").write_text(
        EXERCISES.format(title="甲", p="one") + "\n```{toctree}\ntwo\n```\n", encoding="utf-8"
    )
    (src / "two.md").write_text(EXERCISES.format(title="乙", p="two"), encoding="utf-8")
    assert build_main(["-q", "-W", "-b", "html", str(src), str(out)]) == 0
    for page in ("index.html", "two.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert _titles(html, "exercise") == ["练习 1", "练习 2"], page
        assert _titles(html, "solution") == ["解答 练习 1", "解答 练习 2"], page
        assert html.count("dropdown") >= 2  # folded until the learner opens it
        assert "shequn-exercises.css" in html  # darker link colour inside the exercise box
    config = (
        (out / "_static" / "togglebutton.js").read_text(encoding="utf-8")
        if (out / "_static" / "togglebutton.js").exists()
        else ""
    )
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "点击显示" in index + config
