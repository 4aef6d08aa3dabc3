"""The three input shapes turned into a problem's pieces: units, reps, measures, costs, roots.

:meth:`~territory_opt.problem.TerritoryProblem.from_cost_matrix`,
:meth:`~territory_opt.problem.TerritoryProblem.from_graph` and
:meth:`~territory_opt.problem.TerritoryProblem.from_geodataframe` each call one ``pieces_from_*``
function here, then add the settings (:mod:`territory_opt.problem.settings`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ._errors import refuse
from .inputs import (
    candidate_roots,
    check_cost,
    graph_measures,
    home_indices,
    locate_points,
    measures_frame,
    rep_frame,
)

__all__ = ["Pieces", "pieces_from_cost_matrix", "pieces_from_geodataframe", "pieces_from_graph"]

GraphCost: TypeAlias = Literal["hops"] | Callable[[Hashable, Hashable], float] | pd.DataFrame


@dataclass(frozen=True)
class Pieces:
    """What a constructor read from its inputs, before the settings."""

    unit_ids: tuple[Hashable, ...]
    reps: pd.DataFrame
    measures: pd.DataFrame
    cost: np.ndarray
    roots: np.ndarray
    free: bool
    graph: nx.Graph | None
    units: gpd.GeoDataFrame | None = None
    distance_km: np.ndarray | None = None
    cost_label: str = "cost"
    baseline: pd.Series | None = None
    """The baseline read from a column of the units (``baseline="column"``), if any."""


def pieces_from_cost_matrix(
    cost: pd.DataFrame,
    measures: pd.DataFrame,
    reps: pd.DataFrame | int | None,
    *,
    graph: nx.Graph | None,
    candidates: Sequence[Hashable] | None,
    cost_label: str,
    distance_km: pd.DataFrame | None,
) -> Pieces:
    """Pieces of :meth:`~territory_opt.problem.TerritoryProblem.from_cost_matrix`."""
    meas = measures_frame(measures)
    unit_ids = tuple(meas.index)
    free, frame = rep_frame(reps, default_ids=list(cost.columns))
    if free:
        cand = list(candidates) if candidates is not None else list(cost.columns)
        arr = check_cost(cost, unit_ids, cand)
        roots = candidate_roots(cand, {u: i for i, u in enumerate(unit_ids)})
    else:
        arr = check_cost(cost, unit_ids, list(frame.index))
        roots = home_indices(frame, unit_ids)
    dist = None
    if distance_km is not None:
        cols = list(cost.columns) if free else list(frame.index)
        dist = check_cost(distance_km, unit_ids, cols)
    elif cost_label == "km":
        dist = arr
    return Pieces(unit_ids, frame, meas, arr, roots, free, graph, None, dist, cost_label)


def _hops(G: nx.Graph, unit_ids: tuple[Hashable, ...], roots: np.ndarray) -> np.ndarray:
    """Hop distance from each unit to each column's root (``n`` where unreachable)."""
    from ..graph.distance import hop_matrix

    hm = hop_matrix(G, unit_ids, [unit_ids[r] for r in roots.tolist()]).to_numpy()
    return np.asarray(np.where(np.isfinite(hm), hm, float(len(unit_ids))))


def pieces_from_graph(
    G: nx.Graph,
    reps: pd.DataFrame | int | None,
    *,
    measures: pd.DataFrame | Sequence[str] | None,
    cost: GraphCost,
    candidates: Sequence[Hashable] | None,
) -> Pieces:
    """Pieces of :meth:`~territory_opt.problem.TerritoryProblem.from_graph`."""
    nodes = list(G.nodes)
    meas = graph_measures(G, nodes, measures)
    unit_ids = tuple(meas.index)
    free, frame = rep_frame(reps, default_ids=None)
    pos = {u: i for i, u in enumerate(unit_ids)}
    if free:
        cand = list(candidates) if candidates is not None else list(unit_ids)
        roots = candidate_roots(cand, pos, nodes=True)
        col_labels: list[Hashable] = cand
    else:
        roots = home_indices(frame, unit_ids)
        col_labels = list(frame.index)
    arr, label = _graph_cost(G, cost, unit_ids, roots, col_labels)
    return Pieces(unit_ids, frame, meas, arr, roots, free, G, None, None, label)


def _graph_cost(
    G: nx.Graph,
    cost: GraphCost,
    unit_ids: tuple[Hashable, ...],
    roots: np.ndarray,
    col_labels: list[Hashable],
) -> tuple[np.ndarray, str]:
    """The cost matrix of :func:`pieces_from_graph` and what it measures."""
    if isinstance(cost, str):
        if cost != "hops":
            refuse(
                "settings",
                f"cost={cost!r}",
                "unknown cost.",
                "use 'hops', a function or a DataFrame.",
            )
        missing = [rep for rep, r in zip(col_labels, roots.tolist(), strict=True) if r < 0]
        if missing:
            refuse(
                "reps",
                f"reps {missing[:5]}",
                "hop costs need a home unit per rep.",
                "give each rep a 'home' node.",
            )
        return _hops(G, unit_ids, roots), "hops"
    if callable(cost):
        arr = np.array(
            [
                [float(cost(u, unit_ids[r])) if r >= 0 else 0.0 for r in roots.tolist()]
                for u in unit_ids
            ]
        )
        cols = list(range(len(col_labels)))
        frame = pd.DataFrame(arr, index=list(unit_ids), columns=cols)
        return check_cost(frame, unit_ids, cols), "cost"
    return check_cost(cost, unit_ids, col_labels), "cost"


def _geo_units(units: gpd.GeoDataFrame, id_col: str | None) -> gpd.GeoDataFrame:
    """A copy of the units indexed by unit id (unique)."""
    if not isinstance(units, gpd.GeoDataFrame):
        refuse(
            "units",
            "units",
            "is not a GeoDataFrame.",
            "pass a geopandas.GeoDataFrame with polygons.",
        )
    u = units.copy()
    if id_col is not None:
        if id_col not in u.columns:
            refuse(
                "units", f"column {id_col!r}", "does not exist.", f"use one of {list(u.columns)}."
            )
        u = u.set_index(id_col, drop=False)
    if u.index.has_duplicates:
        dup = u.index[u.index.duplicated()].unique().tolist()
        refuse("units", f"units {dup[:5]}", "ids are duplicated.", "give each unit a unique id.")
    return u


def _geo_measures(
    u: gpd.GeoDataFrame, measures: Sequence[str] | None, id_col: str | None
) -> pd.DataFrame:
    """The measure columns (default: every numeric, non-boolean column)."""
    meas_cols = (
        list(measures)
        if measures is not None
        else [
            c
            for c in u.columns
            if c != u.geometry.name
            and c != id_col
            and pd.api.types.is_numeric_dtype(u[c])
            and not pd.api.types.is_bool_dtype(u[c])
        ]
    )
    missing = [c for c in meas_cols if c not in u.columns]
    if missing:
        refuse(
            "units", f"columns {missing}", "are missing.", f"use columns among {list(u.columns)}."
        )
    return measures_frame(pd.DataFrame(u[meas_cols]))


def _baseline_column(u: gpd.GeoDataFrame, baseline: Any) -> pd.Series | None:
    """The units' column named by ``baseline="column"`` (``None`` for any other baseline)."""
    if not isinstance(baseline, str):
        return None
    if baseline not in u.columns:
        refuse(
            "units",
            f"column {baseline!r}",
            "baseline column does not exist.",
            "name an existing column or pass a mapping.",
        )
    return u[baseline]


def _geo_reps(
    u: gpd.GeoDataFrame, reps: pd.DataFrame | gpd.GeoDataFrame | int | None
) -> tuple[bool, pd.DataFrame, gpd.GeoSeries | None]:
    """(free, rep frame, home points): reps given as points get the unit holding each."""
    free, frame = rep_frame(reps, default_ids=None)
    if free or not isinstance(reps, gpd.GeoDataFrame) or "home" in reps.columns:
        return free, frame, None
    points = reps.geometry.to_crs("EPSG:4326") if reps.crs is not None else reps.geometry
    frame = frame.copy()
    frame["home"] = locate_points(u, reps)
    return free, frame, points


def pieces_from_geodataframe(
    units: gpd.GeoDataFrame,
    reps: pd.DataFrame | gpd.GeoDataFrame | int | None,
    *,
    id_col: str | None,
    measures: Sequence[str] | None,
    graph: nx.Graph | None,
    adjacency: Literal["rook", "queen"],
    islands: Literal["bridge", "drop", "raise"],
    cost: Literal["geodesic", "hops"] | pd.DataFrame,
    candidates: Sequence[Hashable] | None,
    baseline: Any,
) -> Pieces:
    """Pieces of :meth:`~territory_opt.problem.TerritoryProblem.from_geodataframe`."""
    from ..graph.adjacency import adjacency_graph
    from ..graph.distance import geodesic_km, unit_points

    u = _geo_units(units, id_col)
    meas = _geo_measures(u, measures, id_col)
    unit_ids = tuple(meas.index)
    base = _baseline_column(u, baseline)
    pts = unit_points(u)
    free, frame, point_homes = _geo_reps(u, reps)
    G = (
        graph.copy()
        if graph is not None
        else adjacency_graph(u, contiguity=adjacency, islands=islands)
    )
    dropped = set(G.graph.get("dropped", []))
    if dropped:
        keep = [x for x in unit_ids if x not in dropped]
        meas, unit_ids, u, pts = meas.loc[keep], tuple(keep), u.loc[keep], pts.loc[keep]
    if free:
        cand = list(candidates) if candidates is not None else list(unit_ids)
        roots = candidate_roots(cand, {x: i for i, x in enumerate(unit_ids)})
        cols_pts = pts.loc[cand]
    else:
        roots = home_indices(frame, unit_ids)
        cols_pts = point_homes if point_homes is not None else pts.iloc[roots]
    km = geodesic_km(pts, gpd.GeoSeries(list(cols_pts), crs="EPSG:4326")).to_numpy()
    if isinstance(cost, str):
        if cost not in ("geodesic", "hops"):
            refuse(
                "settings",
                f"cost={cost!r}",
                "unknown cost.",
                "use 'geodesic', 'hops' or a DataFrame.",
            )
        arr, label = (km, "km") if cost == "geodesic" else (_hops(G, unit_ids, roots), "hops")
    else:
        arr = check_cost(cost, unit_ids, list(cand) if free else list(frame.index))
        label = "cost"
    name_col = next((c for c in ("name", "nom", "libelle") if c in u.columns), None)
    geo_cols = [name_col, u.geometry.name] if name_col else [u.geometry.name]
    geo = gpd.GeoDataFrame(u[geo_cols].copy(), geometry=u.geometry.name, crs=u.crs)
    return Pieces(unit_ids, frame, meas, arr, roots, free, G, geo, km, label, base)
