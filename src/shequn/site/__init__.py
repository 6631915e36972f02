"""Site tooling: turns ``book/`` into the course's static site (the second of the three layers).

* :mod:`.build` — strict site build (``shequn book build``) and the paired notebooks;
* :mod:`.sphinxext` — the Sphinx extension: vendored assets (:mod:`.vendor_assets`), search, downloads,
  hub links;
* :mod:`.quiz` (its syntax: :mod:`.quiz_syntax`) and :mod:`.exercises` — the ``{quiz}`` directive and
  sphinx-exercise's blocks;
* :mod:`.hub` — download and 「在课程 Hub 上打开」 links; :mod:`.meta` — repository links, dates;
* :mod:`.assets`, :mod:`.search`, :mod:`.figures`, :mod:`.explorers` — per-page assets, search
  ranking, figures' alt text, the explorers' lazy widget state;
* :mod:`.script_loading` — no render-blocking script: deferred scripts, search scripts only where used;
* :mod:`.learner_wheel` — the learner wheel offered on the site;
* ``static/`` — the CSS, JavaScript and favicon the site serves (package data).

Its dependencies come with the ``site`` extra (``pip install -e ".[site]"``).  It may import the
learner package (``shequn.models``, ``shequn.widgets``, ``shequn.plotting`` …); the learner package
never imports it, and it does not import ``shequn.grading`` (``tests/test_layers.py``).
"""

from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")  # served as the site's _static/ (html_static_path)
