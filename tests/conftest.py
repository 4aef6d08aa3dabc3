"""Shared fixtures: the Normandy demo (loaded once) and tiny hand-made geographies."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import Delaunay
from shapely.geometry import box

from territory_opt.data.datasets import DemoDataset, load_normandie


@pytest.fixture(scope="session")
def normandie() -> DemoDataset:
    return load_normandie()


def grid_units(
    nx_: int, ny_: int, size: float = 1000.0, crs: str = "EPSG:2154"
) -> gpd.GeoDataFrame:
    """A grid of square units ``u{x}_{y}`` in a metric CRS, with unit measures."""
    rows = []
    for x in range(nx_):
        for y in range(ny_):
            rows.append(
                {
                    "id": f"u{x}_{y}",
                    "workload": 1.0,
                    "potential": 2.0,
                    "accounts": 1,
                    "geometry": box(x * size, y * size, (x + 1) * size, (y + 1) * size),
                }
            )
    return gpd.GeoDataFrame(rows, crs=crs).set_index("id")


@pytest.fixture()
def grid3() -> gpd.GeoDataFrame:
    return grid_units(3, 3)


@pytest.fixture()
def reps2() -> pd.DataFrame:
    return pd.DataFrame({"home": ["u0_0", "u2_2"], "fte": [1.0, 1.0]}, index=["A", "B"])


def grid_graph(rows: int, cols: int) -> nx.Graph:
    """A rows x cols grid graph, nodes 0..n-1 row by row."""
    return nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")


def delaunay_graph(n: int, seed: int) -> nx.Graph:
    """The Delaunay triangulation of ``n`` random points (a planar graph, nodes 0..n-1)."""
    pts = np.random.default_rng(seed).random((n, 2))
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for s in Delaunay(pts).simplices:
        G.add_edges_from(itertools.combinations(s.tolist(), 2))
    return G
