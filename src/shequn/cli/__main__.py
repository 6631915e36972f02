"""``python -m shequn.cli``: the ``shequn`` command."""

from shequn.cli import main

raise SystemExit(main())
