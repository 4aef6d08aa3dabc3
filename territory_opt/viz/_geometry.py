"""Geometry and colour helpers for :mod:`territory_opt.viz.maps`.

* :func:`simplify_units`: topology-preserving simplification of the unit coverage
  (``shapely.coverage_simplify``: an edge shared by two units is simplified once, so
  shared borders stay shared and no gap or overlap appears), then rounding of the
  coordinates (identical vertices round identically, so borders stay shared).
* :func:`dissolve`: territory outlines as unions of their units.
* :func:`territory_graph` and :func:`color_territories`: a proper colouring of the
  territory adjacency graph (DSATUR order; each territory takes, among the palette
  colours none of its neighbours has, the least used one, then the one most unlike its
  neighbours), so neighbours never share a colour and the palette is used evenly.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from matplotlib import colors as mcolors

__all__ = [
    "DEFAULT_PALETTE",
    "color_territories",
    "dissolve",
    "feature_collection",
    "simplify_units",
    "territory_graph",
]

logger = logging.getLogger(__name__)

#: Qualitative palette (Tableau 10 without its grey, plus two light tones): distinct
#: hues that stay readable under black labels at ~60 % opacity.
DEFAULT_PALETTE: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#8cd17d",
    "#a0cbe8",
    "#d37295",
)

_FALLBACK = "tab20"


def simplify_units(
    geometry: gpd.GeoSeries, tolerance_m: float = 100.0, decimals: int = 4
) -> gpd.GeoSeries:
    """Simplify a coverage of units, keep shared borders shared, return EPSG:4326.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Unit polygons with a CRS.
    tolerance_m : float, default 100
        Simplification tolerance in metres (0 disables simplification).
    decimals : int, default 4
        Decimals kept in longitude/latitude (4 is about 10 m).

    Returns
    -------
    geopandas.GeoSeries
        Same index, EPSG:4326.
    """
    if geometry.crs is None:
        raise ValueError("the unit geometry has no CRS: set one, e.g. .set_crs('EPSG:4326').")
    geoms = geometry
    if tolerance_m > 0:
        metric = (
            geometry if geometry.crs.is_projected else geometry.to_crs(geometry.estimate_utm_crs())
        )
        simple = shapely.coverage_simplify(np.asarray(metric.values), tolerance_m)
        geoms = gpd.GeoSeries(simple, index=geometry.index, crs=metric.crs)
    geoms = geoms.to_crs("EPSG:4326")
    rounded = shapely.transform(np.asarray(geoms.values), lambda c: np.round(c, decimals))
    rounded = shapely.make_valid(rounded)
    return gpd.GeoSeries(rounded, index=geometry.index, crs="EPSG:4326")


def dissolve(geometry: gpd.GeoSeries, assignment: pd.Series) -> gpd.GeoSeries:
    """Union of the unit geometries per territory.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Unit polygons indexed by unit id.
    assignment : pandas.Series
        Unit id -> rep id.

    Returns
    -------
    geopandas.GeoSeries
        Index rep id (reps with no unit are absent).
    """
    geo = geometry.reindex(assignment.index)
    out = {}
    for rep, ids in assignment.groupby(assignment, sort=False).groups.items():
        parts = np.asarray(geo.loc[list(ids)].values)
        out[rep] = shapely.union_all(parts, grid_size=None)
    return gpd.GeoSeries(out, crs=geometry.crs)


def territory_graph(
    unit_graph: nx.Graph, assignments: Iterable[pd.Series], reps: Sequence[Hashable]
) -> nx.Graph:
    """Territories that touch in at least one of the given plans.

    Parameters
    ----------
    unit_graph : networkx.Graph
        Unit adjacency (node keys = unit ids).
    assignments : iterable of pandas.Series
        One or more plans (unit id -> rep id); an edge is added when two units of
        different territories are adjacent in any of them.
    reps : sequence
        All rep ids (isolated reps become isolated nodes).

    Returns
    -------
    networkx.Graph
    """
    T = nx.Graph()
    T.add_nodes_from(reps)
    for a in assignments:
        lookup = a.to_dict()
        for u, v in unit_graph.edges():
            ru, rv = lookup.get(u), lookup.get(v)
            if ru is not None and rv is not None and ru != rv:
                T.add_edge(ru, rv)
    return T


def _rgb(color: str) -> np.ndarray:
    return np.asarray(mcolors.to_rgb(color), dtype=float)


def color_territories(
    graph: nx.Graph, palette: Sequence[str] = DEFAULT_PALETTE
) -> dict[Hashable, str]:
    """Give each territory a colour no neighbour has.

    Parameters
    ----------
    graph : networkx.Graph
        Territory adjacency.
    palette : sequence of str
        Colours to use; extended with ``tab20`` colours if the graph needs more.

    Returns
    -------
    dict
        rep id -> hex colour.
    """
    colors = list(dict.fromkeys(mcolors.to_hex(c) for c in palette))
    if not colors:
        raise ValueError("palette is empty: pass at least one colour.")
    need = max((d for _, d in graph.degree()), default=0) + 1
    if need > len(colors):
        extra = _cmap_colors(_FALLBACK)
        colors += [c for c in extra if c not in colors]
        logger.warning("palette too small for this plan (%d colours needed); extended", need)
    rgb = {c: _rgb(c) for c in colors}
    order = nx.coloring.greedy_color(graph, strategy="DSATUR")  # only for the visit order
    visit = sorted(graph.nodes, key=lambda n: (order[n], str(n)))
    # DSATUR again, but choosing colours ourselves
    assigned: dict[Hashable, str] = {}
    uses = dict.fromkeys(colors, 0)
    remaining = set(visit)
    while remaining:
        node = max(
            remaining,
            key=lambda n: (
                len({assigned[v] for v in graph[n] if v in assigned}),
                graph.degree(n),
                -visit.index(n),
            ),
        )
        taken = {assigned[v] for v in graph[node] if v in assigned}
        free = [c for c in colors if c not in taken]
        if not free:  # cannot happen with len(colors) > max degree; keep a safe fallback
            free = colors
        neighbours = [rgb[assigned[v]] for v in graph[node] if v in assigned]

        def score(c: str, neighbours: list[np.ndarray] = neighbours) -> tuple[int, float]:
            gap = min((float(np.linalg.norm(rgb[c] - x)) for x in neighbours), default=1.0)
            return (uses[c], -gap)

        best = min(free, key=score)
        assigned[node] = best
        uses[best] += 1
        remaining.discard(node)
    return assigned


def _cmap_colors(name: str) -> list[str]:
    from matplotlib import colormaps

    cmap = colormaps[name]
    return [mcolors.to_hex(cmap(i / max(cmap.N - 1, 1))) for i in range(cmap.N)]


def feature_collection(
    geometry: gpd.GeoSeries, properties: Mapping[Hashable, Mapping[str, object]] | None = None
) -> dict[str, object]:
    """A compact GeoJSON FeatureCollection (``id`` = index as string).

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Geometries in EPSG:4326.
    properties : mapping, optional
        index value -> properties dict.

    Returns
    -------
    dict
    """
    feats = []
    for key, geom in geometry.items():
        if geom is None or geom.is_empty:
            continue
        props = dict(properties.get(key, {})) if properties is not None else {}
        feats.append(
            {
                "type": "Feature",
                "id": str(key),
                "properties": props,
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": feats}
