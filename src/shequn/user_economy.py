"""Lesson 3 models, under the lesson's name: product economy vs user economy, and strong nodes.

The two models are unrelated and live in their own modules:

* :mod:`shequn.gas_station` — the gas-station story (product economy vs user economy);
* :mod:`shequn.influence` — strong nodes and how far they reach (h-hop and cascade reach).

This module only re-exports their public names, so lessons and the widgets can keep writing
``from shequn import user_economy`` and ``user_economy.gas_station_table()``.
"""

from __future__ import annotations

from shequn import gas_station, influence

from shequn.gas_station import (
    BUSINESS_NAMES_ZH,
    STRATEGY_ZH,
    GasStationParams,
    GasStationSummary,
    Strategy,
    business_profits,
    gas_station_summary,
    gas_station_table,
    plot_gas_station,
    saturation_point,
)
from shequn.influence import (
    SEED_STRATEGY_ZH,
    InfluenceResult,
    SeedStrategy,
    cascade_reach,
    choose_seeds,
    community_graph,
    hop_reach,
    influence_reach,
    influence_table,
    plot_influence,
    plot_reach_distribution,
    reach_distribution,
    seed_ranking,
)

__all__ = [*gas_station.__all__, *influence.__all__]
