"""The ``{import-formats}`` directive: the import page's format table, generated from the package.

The table comes from :data:`shequn.data.importers.formats.FORMATS`, the same
registry ``shequn data import --format list`` prints, so the page and the
command cannot drift apart.  The page is rebuilt when that module changes
(``note_dependency``).  Loaded by :mod:`shequn.site.sphinxext`.
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from shequn.data.importers import formats

__all__ = ["ImportFormats", "setup"]


class ImportFormats(SphinxDirective):
    """Renders :func:`~shequn.data.importers.formats.markdown_table` as MyST (a pipe table)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(formats.__file__)
        container = nodes.container(classes=["shequn-import-formats"])
        lines = formats.markdown_table().splitlines()
        self.state.nested_parse(
            StringList(lines, source="shequn.data.importers.formats"), self.content_offset, container
        )
        return [container]


def setup(app: Sphinx) -> dict:
    app.add_directive("import-formats", ImportFormats)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
