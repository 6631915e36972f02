"""Community networks: star (fan economy) vs mesh (community economy), strong nodes.

Seed ``002_a72570d53a65987b.md`` contrasts a community economy, a mesh of
pairwise ties that "runs itself", with a fan economy, a star around one centre
that does not.  Seed ``004_6dd75580a06fa525.md`` speaks of strong nodes.  This
module builds both shapes with networkx, runs a small activity model on them,
removes members (the centre, the most active, or random ones) and measures
what survives.

Activity model (deterministic expected values, synthetic):

    a_i(t+1) = clip(b_i + s * mean_{j in N(i)} a_j(t), 0, 1)   if i has neighbours
    a_i(t+1) = clip(b_i, 0, 1)                                    otherwise

``a_i`` is the probability that member ``i`` posts on a day, ``b_i`` their own
drive and ``s``
the social pull of the members they are tied to.  Activity is iterated to a
fixed point; the fixed point exists because ``s < 1``.

Fair default: every member of either shape, the star's centre included, draws
the drive from the same range (``MESH_DRIVE``), so a comparison of the shapes
compares shapes, not drives.  ``equal_drives=False`` is the lesson's sensitivity
case: a star whose centre is keen (``CENTRE_DRIVE``) and whose fans barely post
on their own (``FAN_DRIVE``), the assumption under which the star collapses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np

__all__ = [
    "Shape",
    "build_network",
    "steady_activity",
    "remove_members",
    "Resilience",
    "resilience",
    "largest_component_share",
    "degree_centralization",
    "strong_nodes",
]

Shape = Literal["star", "mesh"]
Removal = Literal["centre", "most_active", "random"]


MESH_DRIVE = (0.02, 0.12)  # uniform range of every member's own drive (the fair default)
FAN_DRIVE = (0.0, 0.06)  # uniform range of the fans' own drive (unequal star only)
CENTRE_DRIVE = 0.9  # the star centre's own drive (unequal star only)


def build_network(
    shape: Shape, n: int = 60, degree: int = 6, seed: int = 0, equal_drives: bool = True
) -> nx.Graph:
    """A group of ``n`` members.

    ``star``: member 0 is the centre (the star); every fan is tied to the centre,
    and fans rarely know each other (each pair with probability ``1 / n``).
    ``mesh``: a connected Watts–Strogatz small world in which everyone has
    about ``degree`` ties and there is no centre.  Node attribute ``drive``
    holds each member's own posting drive ``b_i``.  With ``equal_drives`` (the
    default) every member of either shape draws the drive from ``MESH_DRIVE``,
    so the two shapes differ only in their ties; ``equal_drives=False`` gives the
    star a keen centre and reluctant fans (the lesson's sensitivity exercise).
    """
    if n < 3:
        raise ValueError(f"a group needs at least 3 members, got {n}")
    if not 2 <= degree < n:
        raise ValueError(f"degree must lie in [2, n), got {degree}")
    rng = np.random.default_rng(seed)
    if shape == "star":
        g = nx.star_graph(n - 1)
        fans = np.arange(1, n)
        pairs = np.array(np.triu_indices(n - 1, k=1)).T + 1
        extra = pairs[rng.random(len(pairs)) < 1.0 / n]
        g.add_edges_from(map(tuple, extra))
        if equal_drives:
            drive = rng.uniform(*MESH_DRIVE, size=n)
        else:
            drive = np.concatenate([[CENTRE_DRIVE], rng.uniform(*FAN_DRIVE, size=len(fans))])
    elif shape == "mesh":
        g = nx.connected_watts_strogatz_graph(n, degree, 0.2, seed=int(rng.integers(2**31)))
        drive = rng.uniform(*MESH_DRIVE, size=n)
    else:
        raise ValueError(f"shape must be 'star' or 'mesh', got {shape!r}")
    nx.set_node_attributes(g, dict(enumerate(drive)), "drive")
    g.graph["shape"] = shape
    return g


def steady_activity(g: nx.Graph, social_pull: float = 0.8, tol: float = 1e-9, max_iter: int = 500) -> dict:
    """Fixed point of the activity model: ``{member: daily posting probability}``."""
    if not 0.0 <= social_pull < 1.0:
        raise ValueError(f"social_pull must lie in [0, 1), got {social_pull}")
    nodes = list(g.nodes)
    if not nodes:
        return {}
    adj = nx.to_numpy_array(g, nodelist=nodes)
    deg = adj.sum(axis=1)
    weights = np.divide(adj, deg[:, None], out=np.zeros_like(adj), where=deg[:, None] > 0)
    drive = np.array([g.nodes[v].get("drive", 0.0) for v in nodes])
    a = drive.copy()
    for _ in range(max_iter):
        new = np.clip(drive + social_pull * (weights @ a), 0.0, 1.0)
        if np.max(np.abs(new - a)) < tol:
            a = new
            break
        a = new
    return dict(zip(nodes, a.tolist(), strict=True))


def remove_members(
    g: nx.Graph, how: Removal, k: int = 1, seed: int = 0, social_pull: float = 0.8
) -> nx.Graph:
    """A copy of ``g`` without ``k`` members chosen by ``how``.

    ``centre``: highest degree first (the star's centre); ``most_active``: highest
    steady activity first; ``random``: uniformly at random (seeded).
    """
    if k < 0 or k >= g.number_of_nodes():
        raise ValueError(f"k must lie in [0, {g.number_of_nodes()}), got {k}")
    if how == "centre":
        order = sorted(g.nodes, key=lambda v: (-g.degree(v), v))
    elif how == "most_active":
        act = steady_activity(g, social_pull)
        order = sorted(g.nodes, key=lambda v: (-act[v], v))
    elif how == "random":
        order = list(np.random.default_rng(seed).permutation(list(g.nodes)))
    else:
        raise ValueError(f"how must be 'centre', 'most_active' or 'random', got {how!r}")
    h = g.copy()
    h.remove_nodes_from(order[:k])
    return h


def largest_component_share(g: nx.Graph) -> float:
    """Share of the remaining members in the largest connected component."""
    if g.number_of_nodes() == 0:
        return 0.0
    return max(len(c) for c in nx.connected_components(g)) / g.number_of_nodes()


def degree_centralization(g: nx.Graph) -> float:
    """Freeman degree centralization: 1 for a perfect star, near 0 for a mesh."""
    n = g.number_of_nodes()
    if n < 3:
        return 0.0
    degrees = np.array([d for _, d in g.degree()])
    return float((degrees.max() - degrees).sum() / ((n - 1) * (n - 2)))


def strong_nodes(
    g: nx.Graph, k: int = 5, measure: Literal["degree", "betweenness", "eigenvector"] = "betweenness"
):
    """The ``k`` members with the highest centrality, as ``[(member, score), ...]``."""
    if measure == "degree":
        scores = nx.degree_centrality(g)
    elif measure == "betweenness":
        scores = nx.betweenness_centrality(g, normalized=True)
    elif measure == "eigenvector":
        scores = nx.eigenvector_centrality_numpy(g)
    else:
        raise ValueError(f"unknown centrality measure {measure!r}")
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


@dataclass(frozen=True)
class Resilience:
    """Before/after numbers for one removal experiment."""

    shape: str
    removed: int
    activity_before: float  # mean daily posting probability per member
    activity_after: float
    connected_before: float  # largest component share
    connected_after: float

    @property
    def activity_kept(self) -> float:
        return self.activity_after / self.activity_before if self.activity_before else 0.0


def resilience(
    shape: Shape,
    how: Removal = "centre",
    k: int = 1,
    n: int = 60,
    degree: int = 6,
    social_pull: float = 0.8,
    seed: int = 0,
    equal_drives: bool = True,
) -> Resilience:
    """Build a group, remove ``k`` members by ``how``, and compare the survivors."""
    g = build_network(shape, n, degree, seed, equal_drives)
    h = remove_members(g, how, k, seed, social_pull)
    before = steady_activity(g, social_pull)
    after = steady_activity(h, social_pull)
    return Resilience(
        shape=shape,
        removed=k,
        activity_before=float(np.mean(list(before.values()))),
        activity_after=float(np.mean(list(after.values()))) if after else 0.0,
        connected_before=largest_component_share(g),
        connected_after=largest_component_share(h),
    )
