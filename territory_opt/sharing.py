"""Shared dense units: split a unit too big for one territory between several reps.

A big city (Le Havre, Rouen, Caen) can hold close to or more than a territory's
workload, which makes tight balance impossible with whole units. Professional tools
then *share* the unit: its accounts are split between the territories that reach it.
:func:`split_dense_units` cuts every unit whose measure exceeds ``max_share`` of the
smallest territory target into ``k`` equal **pieces** (``"<unit>#1"``, ...), each with
``1/k`` of every measure, adjacent to each other and to all of the unit's neighbours;
the optimizer then treats pieces as units. :func:`merge_pieces` folds a plan on pieces
back onto the real units: each unit goes to the rep holding most of it
(``Alignment.assignment``) and ``Alignment.shared`` lists ``unit, rep, fraction`` for the
units split between reps, fractions summing to exactly 1. :func:`optimize_shared` does
the three steps.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from .adjacency import adjacency_graph
from .alignment import Alignment
from .exceptions import ValidationError

__all__ = [
    "SplitUnits",
    "merge_pieces",
    "optimize_shared",
    "share_limits",
    "split_dense_units",
]


@dataclass(frozen=True)
class SplitUnits:
    """Units with dense ones cut into pieces.

    Attributes
    ----------
    units : geopandas.GeoDataFrame
        Pieces and untouched units (index: ``"<unit>#<j>"`` for pieces), measures
        divided equally; a piece keeps its unit's geometry.
    graph : networkx.Graph
        Adjacency over the new index.
    pieces : pandas.DataFrame
        ``piece, unit, fraction`` for every piece.
    """

    units: gpd.GeoDataFrame
    graph: nx.Graph
    pieces: pd.DataFrame


def split_dense_units(
    units: gpd.GeoDataFrame,
    measures: Sequence[str],
    limits: dict[str, float],
    graph: nx.Graph | None = None,
) -> SplitUnits:
    """Cut each unit whose measure ``m`` exceeds ``limits[m]`` into equal pieces.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Indexed by unit id (not modified).
    measures : sequence of str
        Columns divided between pieces (every numeric measure the plan reports).
    limits : dict
        Measure -> largest value one piece may hold (e.g. 0.5 × the smallest territory
        target, so a territory can always take a piece and stay within tolerance).
    graph : networkx.Graph, optional
        Unit adjacency (built from the polygons when omitted).
    """
    bad = [m for m, v in limits.items() if not (v > 0) or m not in units.columns]
    if bad:
        raise ValidationError(f"limits for {bad}: give positive limits for existing columns.")
    G = adjacency_graph(units) if graph is None else graph
    k = pd.Series(1, index=units.index, dtype="int64")
    for m, lim in limits.items():
        k = np.maximum(k, np.ceil(units[m].astype(float) / lim).astype("int64"))
    dense = k[k > 1]
    if dense.empty:
        empty = pd.DataFrame({"piece": [], "unit": [], "fraction": []})
        return SplitUnits(units.copy(), G.copy(), empty)
    rows = []
    frames = [units.drop(index=dense.index)]
    H = G.copy()
    for u, parts in dense.items():
        ids = [f"{u}#{j}" for j in range(1, int(parts) + 1)]
        piece = units.loc[[u] * int(parts)].copy()
        piece.index = pd.Index(ids, name=units.index.name)
        for m in measures:
            piece[m] = float(units.at[u, m]) / int(parts)
        frames.append(piece)
        nbrs = list(H.neighbors(u))
        H.remove_node(u)
        for a in ids:
            rows.append({"piece": a, "unit": u, "fraction": 1.0 / int(parts)})
            for v in nbrs:
                H.add_edge(a, v, bridged=False, border_km=0.0)
            for b in ids:
                if a < b:
                    H.add_edge(a, b, bridged=False, border_km=0.0)
    out = gpd.GeoDataFrame(pd.concat(frames), crs=units.crs)
    return SplitUnits(out, H, pd.DataFrame(rows))


def merge_pieces(
    alignment: Alignment, split: SplitUnits, units: gpd.GeoDataFrame, measures: Sequence[str]
) -> Alignment:
    """Fold a plan on pieces back onto the real units (see module doc)."""
    asg = alignment.assignment
    piece_of = split.pieces.set_index("piece") if len(split.pieces) else None
    real = asg[~asg.index.isin(split.pieces["piece"])] if piece_of is not None else asg.copy()
    shared_rows: list[dict[str, Any]] = []
    majority: dict[Hashable, Hashable] = {}
    if piece_of is not None:
        tab = piece_of.assign(rep=asg.reindex(piece_of.index).to_numpy())
        for u, grp in tab.groupby("unit", sort=True):
            # exact fractions: pieces are equal, so count them
            counts = grp.groupby("rep").size().sort_index()
            total = int(counts.sum())
            best = counts.sort_values(ascending=False, kind="stable").index[0]
            majority[u] = best
            if len(counts) > 1:
                for r, c in counts.items():
                    shared_rows.append({"unit": u, "rep": r, "fraction": c / total})
    assignment = pd.concat([real, pd.Series(majority, dtype=object)]).reindex(units.index)
    shared = pd.DataFrame(shared_rows, columns=["unit", "rep", "fraction"])
    base = alignment.baseline
    if base is not None:
        base = base[~base.index.isin(split.pieces["piece"])]
        for u in majority:
            orig = alignment.baseline.get(f"{u}#1") if alignment.baseline is not None else None
            base.loc[u] = orig
        base = base.reindex(units.index)
    return replace(
        alignment,
        assignment=assignment,
        measures=units[list(measures)].copy(),
        units=units[["geometry"] + (["name"] if "name" in units.columns else [])].copy(),
        baseline=base,
        distance=None,
        shared=shared if len(shared) else None,
    )


def share_limits(
    units: pd.DataFrame,
    reps: pd.DataFrame,
    balance: dict[str, float],
    *,
    max_share: float = 0.25,
) -> dict[str, float]:
    """Largest measure one piece may hold: ``max_share`` of the smallest lower bound.

    For each balanced measure ``m`` with tolerance ``tol``: ``max_share * (1 - tol) *
    (smallest FTE / total FTE) * total of m``. Any value up to 0.5 lets a territory take a
    piece and stay within tolerance; the default quarter gives the local search room to
    move pieces one at a time (on the Normandy free-centre benchmark, Le Havre in halves
    left the heuristic 7 % off balance; in quarters it balanced every territory).
    """
    fte = reps["fte"].astype(float) if "fte" in reps.columns else pd.Series(1.0, index=reps.index)
    smallest = float(fte.min() / fte.sum())
    return {
        m: max_share * (1 - tol) * smallest * float(units[m].sum()) for m, tol in balance.items()
    }


def optimize_shared(
    units: gpd.GeoDataFrame,
    reps: pd.DataFrame,
    *,
    measures: Sequence[str],
    balance: dict[str, float],
    max_share: float = 0.25,
    graph: nx.Graph | None = None,
    baseline: pd.Series | None = None,
    solve: dict[str, Any] | None = None,
    **problem_settings: Any,
) -> Alignment:
    """Optimize with dense units shared between reps when needed.

    Units holding more than ``max_share`` of the smallest territory's lower bound on a
    balanced measure are split into pieces (see :func:`split_dense_units`); the plan is
    solved on pieces and folded back (:func:`merge_pieces`). Balance is then met exactly
    with the shared fractions (``Alignment.territory_table`` uses them).
    """
    from .problem import TerritoryProblem
    from .solve import optimize

    split = split_dense_units(
        units, measures, share_limits(units, reps, balance, max_share=max_share), graph
    )
    base = None
    if baseline is not None:
        base = baseline.copy()
        for p, u in zip(split.pieces.get("piece", []), split.pieces.get("unit", []), strict=True):
            base.loc[p] = baseline.get(u)
        base = base.reindex(split.units.index)
    reps2 = reps.copy()
    if "home" in reps2.columns and len(split.pieces):
        first = {u: f"{u}#1" for u in split.pieces["unit"]}
        reps2["home"] = [first.get(h, h) for h in reps2["home"]]
    problem = TerritoryProblem.from_geodataframe(
        split.units,
        reps2,
        measures=list(measures),
        graph=split.graph,
        balance=balance,
        baseline=base,
        **problem_settings,
    )
    plan = optimize(problem, **(solve or {}))
    merged = merge_pieces(plan, split, units, measures)
    if "home" in reps.columns:
        merged = replace(
            merged, reps=merged.reps.assign(home=reps["home"].reindex(merged.reps.index))
        )
    return merged
