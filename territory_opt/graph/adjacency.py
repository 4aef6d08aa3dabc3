"""Adjacency graph of territorial units, with an explicit island policy.

Two units are *rook* neighbours when they share a border of positive length and
*queen* neighbours when they touch at all (a single point is enough). Units that end
up in a component without the mainland (offshore islands such as Ouessant, enclaves
whose neighbour is outside the data set, multipart communes cut off by a clip) are
handled by ``islands``:

* ``"bridge"`` (default): connect each non-mainland component to the nearest unit of
  the growing mainland by the shortest gap between geometries; added edges carry
  ``bridged=True`` and the gap in ``gap_km``;
* ``"drop"``: remove the units of those components from the graph (listed in
  ``G.graph["dropped"]``);
* ``"raise"``: raise :class:`~territory_opt.exceptions.ValidationError` naming them.

The mainland is the largest component. Each edge carries ``border_km`` (0 for a
queen-only contact or a bridge) and ``bridged``. Node keys are the unit ids.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Literal, NoReturn

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from ..exceptions import InputIssue, ValidationError
from .crs import require_crs, to_metric

__all__ = ["IslandPolicy", "adjacency_graph", "components_report"]

logger = logging.getLogger(__name__)

IslandPolicy = Literal["bridge", "drop", "raise"]


def _metric(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    require_crs(units, "units")
    return to_metric(units)


def adjacency_graph(
    units: gpd.GeoDataFrame,
    id_col: str | None = None,
    *,
    contiguity: Literal["rook", "queen"] = "rook",
    islands: IslandPolicy = "bridge",
) -> nx.Graph:
    """Build the unit adjacency graph from polygon borders.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Unit polygons, in any CRS (projected with :func:`~territory_opt.graph.crs.to_metric`
        for lengths: Lambert-93 in France, the local UTM zone elsewhere). Not modified.
    id_col : str, optional
        Column holding the unit ids; the index is used when omitted.
    contiguity : {"rook", "queen"}
        Rook needs a shared border of positive length; queen accepts a point contact.
    islands : {"bridge", "drop", "raise"}
        What to do with components not connected to the mainland (see module doc).

    Returns
    -------
    networkx.Graph
        Nodes are unit ids; edges have ``border_km``, ``bridged`` (bool) and, for
        bridges, ``gap_km``. ``G.graph`` holds ``components`` (sizes before the island
        policy), ``bridged_edges`` (list of edges added) and ``dropped`` (unit ids).
    """
    if contiguity not in ("rook", "queen"):
        raise ValidationError(f"contiguity must be 'rook' or 'queen', not {contiguity!r}.")
    if islands not in ("bridge", "drop", "raise"):
        raise ValidationError(f"islands must be 'bridge', 'drop' or 'raise', not {islands!r}.")
    ids = list(units[id_col]) if id_col is not None else list(units.index)
    geoms = _metric(units).geometry.to_numpy()
    left, right, border = _border_edges(geoms, contiguity)
    G = nx.Graph()
    G.add_nodes_from(ids)
    for i, j, b in zip(left.tolist(), right.tolist(), border.tolist(), strict=True):
        G.add_edge(ids[i], ids[j], border_km=float(b), bridged=False)

    comps = sorted(nx.connected_components(G), key=lambda c: (-len(c), min(map(str, c))))
    G.graph["components"] = [len(c) for c in comps]
    G.graph["bridged_edges"] = []
    G.graph["dropped"] = []
    if len(comps) <= 1:
        return G
    others = comps[1:]
    if islands == "raise":
        _raise_islands(others)
    if islands == "drop":
        dropped = [u for c in others for u in c]
        G.remove_nodes_from(dropped)
        G.graph["dropped"] = sorted(dropped, key=str)
        logger.info("dropped %d units not connected to the mainland", len(dropped))
        return G
    _bridge_islands(G, ids, geoms, comps)
    return G


def _border_edges(
    geoms: np.ndarray, contiguity: Literal["rook", "queen"]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Touching pairs ``left < right`` of polygons and their shared border (km)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(geoms[left], geoms[right])
    border = shapely.length(shared) / 1000.0
    if contiguity == "rook":
        ok = border > 0
        left, right, border = left[ok], right[ok], border[ok]
    return left, right, border


def _raise_islands(others: list[set[Hashable]]) -> NoReturn:
    """Raise a ValidationError listing the groups not connected to the mainland."""
    listed = "; ".join(", ".join(map(str, sorted(c, key=str)[:5])) for c in others[:10])
    raise ValidationError(
        [
            InputIssue(
                "units",
                f"units {listed}",
                f"{len(others)} group(s) of units are not connected to the mainland "
                f"({sum(map(len, others))} units).",
                "use islands='bridge' to link each to its nearest mainland unit, "
                "islands='drop' to leave them out, or add the missing neighbours.",
            )
        ]
    )


def _bridge_islands(
    G: nx.Graph, ids: list[Hashable], geoms: np.ndarray, comps: list[set[Hashable]]
) -> None:
    """Link the islands to the mainland one at a time, nearest first, in place."""
    position = {u: k for k, u in enumerate(ids)}
    mainland = set(comps[0])
    pending = [set(c) for c in comps[1:]]
    while pending:
        # sorted positions, not set order: a tie between two equally short bridges must
        # not depend on the hash seed of the unit ids
        main_idx = np.sort(np.fromiter((position[u] for u in mainland), dtype=np.int64))
        main_tree = shapely.STRtree(geoms[main_idx])
        best: tuple[float, int, Hashable, Hashable] | None = None
        for k, comp in enumerate(pending):
            comp_idx = np.sort(np.fromiter((position[u] for u in comp), dtype=np.int64))
            near_comp, near_main = main_tree.query_nearest(
                geoms[comp_idx], return_distance=False, all_matches=False
            )
            d = shapely.distance(geoms[comp_idx[near_comp]], geoms[main_idx[near_main]])
            a = int(np.argmin(d))
            cand = (
                float(d[a]) / 1000.0,
                k,
                ids[comp_idx[near_comp[a]]],
                ids[main_idx[near_main[a]]],
            )
            if best is None or cand[0] < best[0]:
                best = cand
        assert best is not None
        gap, k, u, v = best
        G.add_edge(u, v, border_km=0.0, bridged=True, gap_km=gap)
        G.graph["bridged_edges"].append((u, v, gap))
        mainland |= pending.pop(k)
        logger.info("bridged %s to %s across %.2f km", u, v, gap)


def components_report(G: nx.Graph) -> dict[str, object]:
    """Summarise a graph built by :func:`adjacency_graph`.

    Returns
    -------
    dict
        ``nodes``, ``edges``, ``components_before`` (sizes), ``bridged`` (count),
        ``bridges`` (list of ``(u, v, gap_km)``), ``dropped`` (count), ``connected``.
    """
    return {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "components_before": list(G.graph.get("components", [])),
        "bridged": len(G.graph.get("bridged_edges", [])),
        "bridges": list(G.graph.get("bridged_edges", [])),
        "dropped": len(G.graph.get("dropped", [])),
        "connected": G.number_of_nodes() > 0 and nx.is_connected(G),
    }
