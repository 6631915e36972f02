"""Star (fan economy) vs mesh (community economy): the properties lesson 2 states."""

import networkx as nx
import pytest

from shequn import networks as nw

# The lesson's stated parameters: 60 members, mesh degree 6, social pull 0.8.
PARAMS = dict(n=60, degree=6, social_pull=0.8)


@pytest.mark.parametrize("seed", range(5))
def test_mesh_keeps_its_activity_when_the_centre_leaves_and_the_star_does_not(seed):
    star = nw.resilience("star", "centre", k=1, seed=seed, **PARAMS)
    mesh = nw.resilience("mesh", "centre", k=1, seed=seed, **PARAMS)
    assert star.activity_kept < 0.5 and star.connected_after < 0.5
    assert mesh.activity_kept > 0.9 and mesh.connected_after == 1.0


@pytest.mark.parametrize("seed", range(3))
def test_mesh_survives_losing_its_most_active_members(seed):
    mesh = nw.resilience("mesh", "most_active", k=5, seed=seed, **PARAMS)
    star = nw.resilience("star", "most_active", k=5, seed=seed, **PARAMS)
    assert mesh.activity_kept > 0.8 and mesh.connected_after > 0.9
    assert star.activity_kept < mesh.activity_kept


def test_random_departures_hurt_neither_much():
    for shape in ("star", "mesh"):
        r = nw.resilience(shape, "random", k=3, seed=1, **PARAMS)
        assert r.activity_kept > 0.85


def test_shapes_have_the_expected_structure():
    star, mesh = nw.build_network("star", 60, seed=0), nw.build_network("mesh", 60, seed=0)
    assert nw.degree_centralization(star) > 0.9
    assert nw.degree_centralization(mesh) < 0.15
    assert nx.is_connected(star) and nx.is_connected(mesh)
    assert max(dict(star.degree()).values()) == star.degree(0)


def test_steady_activity_is_a_fixed_point_and_bounded():
    g = nw.build_network("mesh", 40, seed=3)
    a = nw.steady_activity(g, 0.8)
    for v, value in a.items():
        neigh = [a[u] for u in g.neighbors(v)]
        expected = min(1.0, g.nodes[v]["drive"] + 0.8 * sum(neigh) / len(neigh))
        assert value == pytest.approx(expected, abs=1e-6)
        assert 0.0 <= value <= 1.0


def test_isolated_members_post_only_from_their_own_drive():
    g = nx.empty_graph(3)
    nx.set_node_attributes(g, {0: 0.1, 1: 0.2, 2: 0.3}, "drive")
    assert nw.steady_activity(g, 0.8) == pytest.approx({0: 0.1, 1: 0.2, 2: 0.3})


def test_strong_nodes_find_the_star_centre_by_every_measure():
    star = nw.build_network("star", 30, seed=0)
    for measure in ("degree", "betweenness", "eigenvector"):
        assert nw.strong_nodes(star, 1, measure)[0][0] == 0


def test_deterministic_for_a_seed():
    a, b = nw.build_network("mesh", 50, seed=7), nw.build_network("mesh", 50, seed=7)
    assert sorted(a.edges) == sorted(b.edges)
    assert sorted(a.edges) != sorted(nw.build_network("mesh", 50, seed=8).edges)


@pytest.mark.parametrize("kwargs, match", [
    (dict(shape="ring"), "shape"), (dict(shape="mesh", n=2), "at least 3"), (dict(shape="mesh", degree=1), "degree"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nw.build_network(**kwargs)


def test_bad_removal_is_refused():
    g = nw.build_network("mesh", 20, seed=0)
    with pytest.raises(ValueError, match="how"):
        nw.remove_members(g, "loudest", 1)
    with pytest.raises(ValueError, match="k must"):
        nw.remove_members(g, "random", 20)
