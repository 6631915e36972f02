"""Group-chat metrics with pandas, numpy and networkx idioms (no Python loops over rows).

Inputs are the tables of :func:`shequn.data.load_dataset`, or of
:func:`shequn.data.generate.generate` after :func:`shequn.data.as_typed`: timestamps
are timezone-aware, ids are strings.  Every function returns a pandas object with
documented columns, so the lessons' widgets, the instructors' checks and the
benchmark share one definition of each metric -- one implementation each, the fast
one that ``benchmarks/metrics_bench.py`` runs against DuckDB on about a million
messages.

========================  ==================================================================
module                    metrics
========================  ==================================================================
``engagement``            :func:`activity`, :func:`retention_by_cohort`, :func:`lurker_share`
``red_packets``           :func:`quiet_members`, :func:`red_packet_lift`, :func:`lift_half_life`
``concentration``         :func:`gini`, :func:`top_share`, :func:`participation`
``networks``              :func:`reply_network`, :func:`network_summaries`
``comparisons``           :func:`owner_departure_effect`, :func:`compare_thresholds`
``_columns``              shared helpers: id lookups, times as int64 microseconds, sorted codes
========================  ==================================================================

The package does not import :mod:`shequn.data` (type conversion lives there only).
"""

from __future__ import annotations

from shequn.metrics.comparisons import compare_thresholds, owner_departure_effect
from shequn.metrics.concentration import gini, participation, top_share
from shequn.metrics.engagement import activity, lurker_share, retention_by_cohort
from shequn.metrics.networks import network_summaries, reply_network
from shequn.metrics.red_packets import lift_half_life, quiet_members, red_packet_lift

__all__ = [
    "activity",
    "retention_by_cohort",
    "lurker_share",
    "quiet_members",
    "red_packet_lift",
    "lift_half_life",
    "gini",
    "top_share",
    "participation",
    "reply_network",
    "network_summaries",
    "owner_departure_effect",
    "compare_thresholds",
]
