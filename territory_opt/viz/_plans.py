"""The unit geometry and reps of the plans drawn on one map (shared by every map)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import geopandas as gpd
import networkx as nx
import pandas as pd

from ..plan.alignment import Alignment

__all__: list[str] = []


def _unit_geometry(
    alignments: Sequence[Alignment], units: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """The geometry of every unit the plans assign (``units`` or the plans' own), checked."""
    src = units
    for a in alignments:
        if src is None and a.units is not None:
            src = a.units
    if src is None:
        raise ValueError(
            "no unit geometry: build the Alignment with units=..., or pass units= "
            "(a GeoDataFrame indexed by unit id)."
        )
    ids = pd.Index(alignments[-1].assignment.index)
    for a in alignments[:-1]:
        ids = ids.union(pd.Index(a.assignment.index), sort=False)
    missing = [u for u in ids if u not in src.index]
    if missing:
        raise ValueError(
            f"{len(missing)} assigned unit(s) have no geometry (e.g. "
            f"{', '.join(map(str, missing[:5]))}): add them to the units GeoDataFrame."
        )
    empty = src.geometry.reindex(ids)
    bad = [u for u, g in empty.items() if g is None or g.is_empty]
    if bad:
        raise ValueError(
            f"{len(bad)} assigned unit(s) have an empty geometry (e.g. "
            f"{', '.join(map(str, bad[:5]))}): repair or drop them before mapping."
        )
    return src.loc[ids]


def _unit_graph(units: gpd.GeoDataFrame, graph: nx.Graph | None) -> nx.Graph:
    """``graph``, or the queen adjacency of ``units`` (islands bridged)."""
    if graph is not None:
        return graph
    from ..graph.adjacency import adjacency_graph

    return adjacency_graph(units[["geometry"]], contiguity="queen", islands="bridge")


def _home_points(
    plans: Sequence[Alignment], units: gpd.GeoDataFrame | None
) -> dict[Hashable, tuple[float, float]]:
    """rep -> (x, y) of its home unit (longitude scaled by cos(latitude))."""
    src = units
    for p in plans:
        if src is None and p.units is not None:
            src = p.units
    if src is None or src.crs is None:
        return {}
    homes: dict[Hashable, Hashable] = {}
    for p in plans:
        if "home" in p.reps.columns:
            for r, h in p.reps["home"].items():
                if r not in homes and h is not None and not pd.isna(h) and h in src.index:
                    homes[r] = h
    if not homes:
        return {}
    pts = src.geometry.loc[list(dict.fromkeys(homes.values()))].to_crs("EPSG:4326")
    pts = pts.representative_point()
    scale = math.cos(math.radians(float(pts.y.mean())))
    return {r: (float(pts[h].x) * scale, float(pts[h].y)) for r, h in homes.items()}


def _rep_order(plans: Sequence[Alignment]) -> list[Hashable]:
    """The reps of the last plan, then those only in earlier plans."""
    reps: list[Hashable] = list(plans[-1].reps.index)
    for p in plans[:-1]:
        reps += [r for r in p.reps.index if r not in reps]
    return reps
