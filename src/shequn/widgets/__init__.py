"""The lessons' interactive explorers: one module per lesson, one function per widget.

Each ``<name>_spec()`` returns an :class:`~shequn.explorer.Explorer` that pairs a
tested model from this package with its controls; ``<name>()`` builds the widget.
A lesson cell calls the function and nothing else, e.g.
``widgets.connector_explorer()``.  ``benchmarks/run.py widgets`` times every
``*_spec`` listed in ``__all__``.
"""

from shequn.widgets.connectors import connector_explorer, connector_explorer_spec

__all__ = [
    "connector_explorer_spec",
    "connector_explorer",
]
