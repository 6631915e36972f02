"""Alt text for the figures on the course site.

:func:`shequn.plotting.alt_text` describes each figure (titles, axes, legend) and
stores the text in the PNG's ``Description`` text chunk as well as in the output's
metadata.  myst-nb copies only ``width``/``height`` from an output's metadata, so
without this every ``<img>`` would get its file path as ``alt``.  :func:`figure_alt_text`
(called by :mod:`shequn.site.sphinxext` for every page) reads the chunk back and writes it
into the page.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

__all__ = ["png_description", "figure_alt_text"]

_IMG = re.compile(r'<img\b[^>]*\bsrc="(?P<src>[^"]*?_images/(?P<name>[^"/?]+\.png))"[^>]*>')


def png_description(path: Path) -> str:
    """The PNG's ``Description`` text chunk, or ``""``."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return str(getattr(im, "text", {}).get("Description", "")).strip()
    except OSError:
        return ""


def figure_alt_text(app, context: dict) -> None:
    """Give each ``<img>`` of a plotting figure its description as ``alt`` (see module docstring)."""
    body = context.get("body")
    if not body or "_images/" not in body:
        return
    sources = {Path(dest).name: Path(app.srcdir) / src for src, dest in app.builder.images.items()}

    def replace(m: re.Match) -> str:
        source = sources.get(m["name"])
        alt = png_description(source) if source is not None else ""
        if not alt:
            return m.group(0)
        tag = re.sub(r'\salt="[^"]*"', "", m.group(0))
        return tag.replace("<img", f'<img alt="{html.escape(alt)}"', 1)

    context["body"] = _IMG.sub(replace, body)
