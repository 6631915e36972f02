"""formgrader's Content-Security-Policy (shequn.grading.nbgrader_plugins.formgrader_csp), on pages
rendered offline.

The page is nbgrader's own grading template rendered by nbconvert, exactly as formgrader's
submission handler renders it, with a learner's HTML output that got past the sanitiser.  The served
server and a browser are in tests/test_instructor_views.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from shequn.grading.nbgrader_plugins.formgrader_csp import page_policy, protect_page

ROOT = Path(__file__).resolve().parents[1]

INJECTED = [
    "<script>window.__pwned = 1</script>",
    '<script src="/user/t/formgrader/static/../submissions/7/evil.js"></script>',
    '<script src="/user/t/formgrader/submissions/7/evil.js"></script>',
    '<script src="https://cdn.example/x.js"></script>',
    # a copy of a template script with a value that closes the string: not nbgrader's
    '<script type="text/javascript">\nvar assignment_id = "a";window.__pwned = 2;//";\n</script>',
    # tags a browser reads differently from a naive pattern: a src in another attribute, "/" for a space
    "<script data-evil=\" src='/user/t/formgrader/static/js/utils.js'\">"
    '\nvar base_url = "/user/t";\n</script>',
    '<script/src="https://cdn.example/evil.js">\nvar base_url = "/user/t";\n</script>',
    '<script src="/user/t/formgrader/static/js/utils.js">window.__pwned = 3</script>',
]


@pytest.fixture(scope="module")
def page():
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    answer = new_code_cell(
        "show()",
        outputs=[
            new_output(
                "display_data",
                data={"text/html": "学习者的回答 LEARNER " + "".join(INJECTED), "text/plain": "x"},
            )
        ],
    )
    nb = new_notebook(cells=[new_markdown_cell("学习者的回答"), answer])
    resources = {
        "assignment_id": "a",
        "notebook_id": "n",
        "submission_id": "7",
        "index": 0,
        "total": 1,
        "base_url": "/user/t",
        "student": "s",
        "last_name": None,
        "first_name": None,
        "notebook_path": "x/n.ipynb",
    }
    html, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    # the renderer keeps raw HTML (it only rewrites "<script/src" as "<script src"): the CSP must stop it
    assert all(markup in html for markup in INJECTED if "<script/" not in markup)
    assert "cdn.example/evil.js" in html
    return html


def test_only_nbgrader_s_own_scripts_get_the_nonce(page):
    html, policy = protect_page(page, "/user/t")
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    tags = re.findall(r"<script\b[^>]*>(?:.*?)</script>", html, re.S)
    marked = [t for t in tags if f'nonce="{nonce}"' in t]
    # the 11 files formgrade_macros.html.j2 loads (6 libraries, 5 of nbgrader's), and its inline blocks
    assert sum('src="/user/t/formgrader/static/' in t for t in marked) == 11
    inline = [t for t in marked if "src=" not in t]
    assert any('var submission_id = "7";' in t for t in inline)
    assert any("function toggle_name(on)" in t for t in inline)
    # nothing the learner wrote
    assert not any("__pwned" in t or "evil" in t or "cdn.example" in t for t in marked)
    assert "LEARNER" in html


def test_the_policy_allows_no_other_script(page):
    _, policy = protect_page(page, "/user/t")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    sources = directives["script-src"].split()
    assert sources[0].startswith("'nonce-") and sources[1] == "'unsafe-hashes'"
    assert all(s.startswith("'sha256-") for s in sources[2:]) and len(sources) > 2
    assert directives["default-src"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'" and directives["frame-ancestors"] == "'self'"
    # each response has its own nonce
    assert protect_page(page, "/user/t")[1] != policy != page_policy("x")


def _script_tags(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


def test_maths_come_from_the_course_never_from_a_cdn(page):
    # nbconvert's template asks for MathJax 2 from a CDN
    assert any("cdnjs.cloudflare.com/ajax/libs/mathjax" in t for t in _script_tags(page))
    html, policy = protect_page(page, "/user/t", mathjax=True)
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    tags = _script_tags(html)
    assert not any("mathjax" in t.lower() and "/user/t/shequn/mathjax/" not in t for t in tags)
    ours = [t for t in tags if "/user/t/shequn/mathjax/" in t]
    # the configuration, then MathJax 3 with every TeX extension (it loads no script of its own)
    assert ours == [
        f'<script nonce="{nonce}" src="/user/t/shequn/mathjax/formgrader-mathjax.js">',
        f'<script nonce="{nonce}" src="/user/t/shequn/mathjax/tex-chtml-full.js">',
    ]
    assert "Hub: {Startup" not in html  # no stand-in: the configuration provides MathJax.Hub


def test_without_a_mathjax_copy_formulas_stay_tex_and_formgrader_starts(page):
    html, policy = protect_page(page, "/user/t")
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert not any("mathjax" in t.lower() for t in _script_tags(html))  # the CDN tag is gone too
    assert f'<script nonce="{nonce}">window.MathJax = window.MathJax ||' in html


def test_the_course_mathjax_is_found_and_configured_safely():
    from shequn.grading.nbgrader_plugins.formgrader_csp import mathjax_dir

    folder = mathjax_dir()
    assert folder is not None and (folder / "tex-chtml-full.js").is_file()  # `make vendor`
    config = (
        ROOT / "src" / "shequn" / "grading" / "nbgrader_plugins" / "static" / "formgrader-mathjax.js"
    ).read_text(encoding="utf-8")
    # no links, classes or styles from a learner's TeX; no script loaded at run time
    assert '"[-]": ["html", "require", "autoload"]' in config and "enableMenu: false" in config
