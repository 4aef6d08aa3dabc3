"""Adjacency graph: rook/queen, island policies, inputs untouched."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
from shapely.geometry import box

from territory_opt.exceptions import ValidationError
from territory_opt.graph.adjacency import adjacency_graph, components_report

from .conftest import grid_units


def test_rook_vs_queen_on_grid():
    g = grid_units(3, 3)
    rook = adjacency_graph(g)
    queen = adjacency_graph(g, contiguity="queen")
    # 3x3 grid: 12 rook edges; queen adds 2 diagonals per inner square corner: 8
    assert rook.number_of_edges() == 12
    assert queen.number_of_edges() == 20
    assert rook.edges["u0_0", "u1_0"]["border_km"] == pytest.approx(1.0)
    assert not rook.has_edge("u0_0", "u1_1") and queen.has_edge("u0_0", "u1_1")


def _with_island() -> gpd.GeoDataFrame:
    g = grid_units(2, 2)
    island = gpd.GeoDataFrame(
        {"workload": [1.0], "potential": [1.0], "accounts": [1]},
        geometry=[box(5000, 0, 6000, 1000)],
        index=["isle"],
        crs=g.crs,
    )
    return gpd.GeoDataFrame(pd_concat([g, island]), crs=g.crs)


def pd_concat(frames):
    import pandas as pd

    return pd.concat(frames)


def test_island_bridged_to_nearest():
    g = _with_island()
    before = g.copy()
    G = adjacency_graph(g)
    assert nx.is_connected(G)
    rep = components_report(G)
    assert rep["components_before"] == [4, 1]
    assert rep["bridged"] == 1
    (u, v, gap) = rep["bridges"][0]
    assert u == "isle" and v in {"u1_0", "u1_1"}  # both 3 km away
    assert gap == pytest.approx(3.0)
    assert G.edges[u, v]["bridged"] is True
    assert g.equals(before)


def test_island_drop_and_raise():
    g = _with_island()
    G = adjacency_graph(g, islands="drop")
    assert "isle" not in G and G.graph["dropped"] == ["isle"]
    with pytest.raises(ValidationError, match="isle"):
        adjacency_graph(g, islands="raise")


def test_bad_options_and_missing_crs():
    g = grid_units(2, 2)
    with pytest.raises(ValidationError, match="contiguity"):
        adjacency_graph(g, contiguity="bishop")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="islands"):
        adjacency_graph(g, islands="swim")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="coordinate reference system"):
        adjacency_graph(g.set_crs(None, allow_override=True))


def test_id_column():
    g = grid_units(2, 1).reset_index()
    G = adjacency_graph(g, "id")
    assert set(G.nodes) == {"u0_0", "u1_0"}


def test_island_bridge_tie_does_not_depend_on_the_hash_seed():
    """Two mainland units equally near the island: the bridge chosen is the same whatever
    ``PYTHONHASHSEED`` (it followed set order before; same inputs, same plan)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, '.')\n"
        "from tests.test_adjacency import _with_island\n"
        "from territory_opt.graph.adjacency import adjacency_graph, components_report\n"
        "print(components_report(adjacency_graph(_with_island()))['bridges'][0][:2])\n"
    )
    seen = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        seen.add(out.stdout.strip())
    assert len(seen) == 1, seen
