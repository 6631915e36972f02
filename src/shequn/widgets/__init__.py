"""The lessons' interactive explorers: one module per model, named like the model it drives.

Each ``<name>_spec()`` returns an :class:`~shequn.widgets.explorer.Explorer` that pairs a
tested model from :mod:`shequn.models` with its controls; ``<name>()`` builds the widget.
``widgets/traffic.py`` drives ``models/traffic.py``, ``widgets/networks.py`` drives
``models/networks.py``, and so on; :mod:`shequn.widgets.explorer` is the framework they share.
A lesson cell calls the function and nothing else, e.g. ``widgets.connector_explorer()``.
``benchmarks/run.py widgets`` times every ``*_spec`` listed in ``__all__``.

Submodules are imported on first use, so importing ``shequn.widgets`` stays cheap.
"""

from __future__ import annotations

import importlib

# widget function -> the submodule (named for the model it drives) that defines it and its _spec
_WIDGETS = {
    "connector_explorer": "connectors",  # lesson 1
    "traffic_explorer": "traffic",  # introduction: 流量 vs 留量
    "network_explorer": "networks",  # lesson 2: star vs mesh
    "red_packet_explorer": "red_packets",  # lesson 2: red packets
    "gas_station_explorer": "gas_station",  # lesson 3: gas-station story
    "magnet_explorer": "magnets",  # lesson 3: 电磁效应
    "influence_explorer": "influence",  # lesson 3: strong nodes, reach
    "content_mix_explorer": "content_mix",  # lesson 4
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
