"""The lessons' interactive explorers: one module per lesson, one function per widget.

Each ``<name>_spec()`` returns an :class:`~shequn.explorer.Explorer` that pairs a
tested model from this package with its controls; ``<name>()`` builds the widget.
A lesson cell calls the function and nothing else, e.g.
``widgets.connector_explorer()``.  ``benchmarks/run.py widgets`` times every
``*_spec`` listed in ``__all__``.

Submodules are imported on first use, so importing ``shequn.widgets`` stays cheap.
"""

from __future__ import annotations

import importlib

# widget function -> the submodule (one per lesson) that defines it and its _spec
_WIDGETS = {
    "connector_explorer": "connectors",  # lesson 1
    "traffic_explorer": "intro",  # introduction: 流量 vs 留量
    "network_explorer": "community_vs_fans",  # lesson 2: star vs mesh
    "red_packet_explorer": "community_vs_fans",  # lesson 2: red packets
    "gas_station_explorer": "user_economy",  # lesson 3: gas-station story
    "magnet_explorer": "user_economy",  # lesson 3: 电磁效应
    "influence_explorer": "user_economy",  # lesson 3: strong nodes, reach
    "content_mix_explorer": "content_community_product",  # lesson 4
    "threshold_explorer": "thresholds",  # lesson 5
}

__all__ = [name for widget in _WIDGETS for name in (f"{widget}_spec", widget)]


def __getattr__(name: str):
    widget = name.removesuffix("_spec")
    if widget not in _WIDGETS:
        raise AttributeError(f"module 'shequn.widgets' has no attribute {name!r}")
    module = importlib.import_module(f"shequn.widgets.{_WIDGETS[widget]}")
    return getattr(module, name)


def __dir__() -> list[str]:
    return sorted(__all__)
