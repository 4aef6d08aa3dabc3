"""The csgraph core against networkx on seeded random graphs (independent reference)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from territory_opt.graph.core import (
    adjacency_matrix,
    component_labels,
    components,
    hop_distances,
    is_connected,
    matrix_from_graph,
    node_weighted_distances,
    within_hops,
)


def _graph(seed: int) -> nx.Graph:
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(60, 0.05, seed=seed)  # usually several components
    G.add_nodes_from(range(60))
    for u in rng.choice(60, 5, replace=False):  # a few isolated nodes
        G.remove_edges_from(list(G.edges(int(u))))
    return G


def _neighbors(G: nx.Graph) -> list[list[int]]:
    return [sorted(G.neighbors(i)) for i in range(G.number_of_nodes())]


@pytest.mark.parametrize("seed", range(6))
def test_hops_and_components_match_networkx(seed: int) -> None:
    G = _graph(seed)
    adj = adjacency_matrix(_neighbors(G))
    assert (adj != matrix_from_graph(G, list(range(60)))).nnz == 0
    roots = [0, 7, 33]
    d = hop_distances(adj, roots)
    for k, r in enumerate(roots):
        ref = nx.single_source_shortest_path_length(G, r)
        for v in range(60):
            assert d[k, v] == ref.get(v, np.inf)
    lab = component_labels(adj)
    for comp in nx.connected_components(G):
        assert len({lab[v] for v in comp}) == 1
    assert len(set(lab.tolist())) == nx.number_connected_components(G)
    members = np.arange(0, 60, 2)
    parts = components(adj, members)
    ref_parts = list(nx.connected_components(G.subgraph(members.tolist())))
    assert sorted(map(len, parts)) == sorted(map(len, ref_parts))
    assert is_connected(adj, members) == nx.is_connected(G.subgraph(members.tolist()))


@pytest.mark.parametrize("seed", range(4))
def test_masked_hops_and_within_hops(seed: int) -> None:
    G = _graph(seed)
    adj = adjacency_matrix(_neighbors(G))
    mask = np.random.default_rng(seed).random(60) < 0.7
    mask[3] = True
    d = hop_distances(adj, [3], mask=mask)[0]
    ref = nx.single_source_shortest_path_length(G.subgraph(np.flatnonzero(mask).tolist()), 3)
    for v in range(60):
        assert d[v] == ref.get(v, np.inf)
    assert np.isinf(hop_distances(adj, [3], mask=~mask)).all()  # source outside the mask
    near = within_hops(adj, [3, 10], 2)
    ref_near = set(nx.ego_graph(G, 3, 2)) | set(nx.ego_graph(G, 10, 2))
    assert set(np.flatnonzero(near).tolist()) == ref_near


@pytest.mark.parametrize("seed", range(4))
def test_node_weighted_distances_match_networkx(seed: int) -> None:
    G = _graph(seed)
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 4, 60).astype(float)  # zeros included: they must stay passable
    adj = adjacency_matrix(_neighbors(G))
    D = nx.DiGraph()
    D.add_nodes_from(G)
    for u, v in G.edges():
        D.add_edge(u, v, w=w[v])
        D.add_edge(v, u, w=w[u])
    src = 5
    got = node_weighted_distances(adj, w, src)
    ref = nx.single_source_dijkstra_path_length(D, src, weight="w")
    for v in range(60):
        assert got[v] == pytest.approx(ref[v] + w[src]) if v in ref else np.isinf(got[v])
