"""What a learner reads: no repository furniture, few verbal tics, real cases, a safe import page.

The learner pages are the files the site's table of contents (``_toc.yml``) builds.  Each
check is a plain function of a page's text, so the planted-text tests at the bottom show
that every check fails on the old wording it was written against.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# Phrases that had become tics; a page may use each at most this often.
TICS = {"种子材料": 2, "这是本课的解读": 2}
# Calques rewritten in plain Chinese; none may come back.
CALQUES = ("模型诚实说明", "构造使然", "翻译成数字")
# Repository furniture a learner has no use for: seed file names, test files, source paths.
FURNITURE = {
    r"\b\d{3}_[0-9a-f]{16}\.md\b": "seed file name",
    r"(?<![\w.])tests/": "the tests/ folder",
    r"\btest_\w+\.py\b": "a test file",
    r"\bsrc/shequn\b": "a source path",
    r"(?<![\w./])docs/\w": "the maintainers' docs/ folder",
    r"种子材料目录": "the seed folder",
}
# Tools that decrypt another app's local database (WeChat's).  The import page must not name them.
DECRYPTORS = (
    "chatlog",
    "pywxdump",
    "wxdump",
    "wechatmsg",
    "memotrace",
    "留痕",
    "wechat-dump",
    "sharpwxdump",
    "wechatdatabackup",
    "sjzar",
)
OPENING_MAX_CHARS = 160


def learner_pages() -> list[Path]:
    """Every page the site builds, read from ``_toc.yml`` (root and all chapters)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.md" for f in files]


def lessons() -> list[Path]:
    return sorted((ROOT / "book").glob("[0-9][0-9]_*/*.md"))


def tic_problems(text: str) -> list[str]:
    return [
        f"「{t}」出现{text.count(t)}次，最多{n}次 ({t!r} used {text.count(t)} times, at most {n})"
        for t, n in TICS.items()
        if text.count(t) > n
    ]


def calque_problems(text: str) -> list[str]:
    return [f"「{c}」是翻译腔，请改写 (calque {c!r})" for c in CALQUES if c in text]


def furniture_problems(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, what in FURNITURE.items():
            m = re.search(pattern, line)
            if m:
                found.append(f"line {number}: {m.group(0)!r} ({what})")
    return found


def opening(text: str) -> str:
    """The first paragraph after the page title: what a learner reads first."""
    body = text.split("\n# ", 1)[1].split("\n", 1)[1]
    return body.strip().split("\n\n", 1)[0]


def opening_problems(text: str) -> list[str]:
    first = opening(text)
    found = []
    if len(first) > OPENING_MAX_CHARS:
        found.append(
            f"开头一段有{len(first)}字，最多{OPENING_MAX_CHARS}字 (opening has {len(first)} characters)"
        )
    if first.startswith("```"):
        found.append("开头是一个方框，应当是一句话 (opening is a box, not a sentence)")
    if "about-materials" not in first:
        found.append("开头没有链接到「关于本课程的材料与模型」 (opening does not link the course page)")
    if "rootadmin" in first or ".md" in first:
        found.append("开头里有文件名或转载页署名 (opening names files or a reprint's editor)")
    return found


def case_titles(text: str) -> list[str]:
    return re.findall(r"^```\{admonition\} 案例[一二三四五]?：(.+)$", text, flags=re.M)


def decryptor_problems(text: str) -> list[str]:
    low = text.lower()
    return [f"提到了数据库解密工具 {name} (names a database decryptor)" for name in DECRYPTORS if name in low]


@pytest.mark.parametrize("page", learner_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_learner_page_has_no_tics_calques_or_repository_furniture(page):
    text = page.read_text(encoding="utf-8")
    problems = tic_problems(text) + calque_problems(text) + furniture_problems(text)
    assert not problems, f"{page.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", lessons(), ids=lambda p: p.parent.name)
def test_lesson_opens_with_one_plain_sentence_about_its_sources(page):
    problems = opening_problems(page.read_text(encoding="utf-8"))
    assert not problems, f"{page.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize("page", lessons(), ids=lambda p: p.parent.name)
def test_lesson_has_real_cases(page):
    """Each lesson has a real case; the synthesis lesson has two."""
    needed = 2 if page.parent.name.startswith("06_") else 1
    titles = case_titles(page.read_text(encoding="utf-8"))
    assert len(titles) >= needed, (
        f"{page.parent.name}: {len(titles)} 个案例，至少要 {needed} 个 (cases: {titles})"
    )


def test_import_page_recommends_no_database_decryptor():
    text = (ROOT / "book" / "reference" / "import_your_group.md").read_text(encoding="utf-8")
    assert not decryptor_problems(text), decryptor_problems(text)
    assert "课程不知道有合法的批量导出方式" in text, (
        "the page must say plainly that WeChat has no lawful bulk export"
    )


def test_the_import_cli_hints_name_no_database_decryptor():
    """``shequn data import --format list`` is where the import page sends learners."""
    from shequn.data.importers import FORMATS

    for name, fmt in FORMATS.items():
        shown = " ".join(
            (fmt.zh, fmt.exporter, fmt.tested, fmt.how)
        )  # what the list and the import page show
        assert not decryptor_problems(shown), f"{name}: {shown}"


# The checks fail on the wording they were written against.

OLD_OPENING = """(lesson-x)=
# 第9课　示例

```{note}
本课依据两篇种子材料编写：《简述企业社群运营方式》（作者自称「一只」，转载页署「编辑：rootadmin」；发表日期和原发平台均不详）（来源文件：`001_e686460c62524f51.md`，见课程仓库的种子材料目录）。
```

## 学习目标
"""


def test_the_checks_fail_on_planted_old_wording():
    assert opening_problems(OLD_OPENING)
    assert furniture_problems(OLD_OPENING)
    assert furniture_problems("测试`tests/test_glossary_terms.py`会失败")
    assert not furniture_problems("见{download}`数据说明书 <../../datasets/README.md>`")
    assert tic_problems("种子材料" * 3 + "这是本课的解读")
    assert not tic_problems("种子材料" * 2)
    assert calque_problems("```{admonition} 模型诚实说明：红包模型")
    assert case_titles("```{admonition} 案例：红包群\n") == ["红包群"]
    assert decryptor_problems("| 微信 | 开源工具 chatlog：`/api/v1/chatlog?talker=<群ID>` | `wechat-csv` |")
    assert decryptor_problems("先用 PyWxDump 解密数据库")
