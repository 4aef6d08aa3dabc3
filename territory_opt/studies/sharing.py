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
the three steps; by default it picks the piece size with :func:`choose_split` (quarters of
a territory's lower bound when the heuristic can balance them, else tenths).
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import ValidationError
from ..graph.adjacency import adjacency_graph
from ..heuristics import _workclock
from ..heuristics.instance import heuristic_instance
from ..plan.alignment import Alignment

if TYPE_CHECKING:
    from ..heuristics.build import HeuristicResult
    from ..problem.territory_problem import TerritoryProblem

__all__ = [
    "SHARES",
    "SplitUnits",
    "choose_split",
    "merge_pieces",
    "optimize_shared",
    "share_limits",
    "shared_problem",
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


SHARES = (0.25, 0.1)
"""Piece sizes :func:`choose_split` tries, coarse first (shares of the smallest lower
bound). Quarters balanced the 17-rep free-centre benchmark; with 25 reps on Normandy they
left Le Havre's territory at 110 % of its potential target (its neighbourhood holds more
potential per hour than the rest, and quarter pieces are too coarse to trade), while
tenths, which also share the towns around it, balanced every territory."""


def _piece_reps(reps: pd.DataFrame, split: SplitUnits) -> pd.DataFrame:
    """Reps whose home is a split unit live in its first piece."""
    if "home" not in reps.columns or not len(split.pieces):
        return reps.copy()
    first = {u: f"{u}#1" for u in split.pieces["unit"]}
    return reps.assign(home=[first.get(h, h) for h in reps["home"]])


def _piece_baseline(baseline: pd.Series | None, split: SplitUnits) -> pd.Series | None:
    """A split unit's pieces start with its current rep."""
    if baseline is None:
        return None
    base = baseline.copy()
    for p, u in zip(split.pieces.get("piece", []), split.pieces.get("unit", []), strict=True):
        base.loc[p] = baseline.get(u)
    return base.reindex(split.units.index)


def shared_problem(
    split: SplitUnits,
    reps: pd.DataFrame,
    *,
    measures: Sequence[str],
    balance: dict[str, float],
    baseline: pd.Series | None = None,
    **problem_settings: Any,
) -> TerritoryProblem:
    """The territory problem on pieces: homes and baseline carried over to the pieces."""
    from ..problem.territory_problem import TerritoryProblem

    return TerritoryProblem.from_geodataframe(
        split.units,
        _piece_reps(reps, split),
        measures=list(measures),
        graph=split.graph,
        balance=balance,
        baseline=_piece_baseline(baseline, split),
        **problem_settings,
    )


def choose_split(
    units: gpd.GeoDataFrame,
    reps: pd.DataFrame,
    *,
    measures: Sequence[str],
    balance: dict[str, float],
    graph: nx.Graph | None = None,
    baseline: pd.Series | None = None,
    shares: Sequence[float] = SHARES,
    probe_seconds: float = 10.0,
    seed: int = 0,
    **problem_settings: Any,
) -> tuple[SplitUnits, float, HeuristicResult | None]:
    """Split dense units as coarsely as balance allows.

    Each piece size of ``shares`` is tried in turn (coarse first, see :data:`SHARES`):
    the dense units are split (:func:`split_dense_units` with :func:`share_limits`) and
    the construction heuristic runs for ``probe_seconds``; the first split on which it
    finds a balanced contiguous plan is kept, else the last (finest) one.

    Returns
    -------
    (SplitUnits, float, HeuristicResult or None)
        The split, the piece size used, and the probe's plan on that split (``None``
        when the finest split was taken without a probe of its own).
    """
    from ..heuristics.build import build_plan

    if not shares:
        raise ValidationError("shares: give at least one piece size, e.g. (0.25, 0.1).")
    for i, share in enumerate(shares):
        split = split_dense_units(
            units, measures, share_limits(units, reps, balance, max_share=share), graph
        )
        if i == len(shares) - 1:
            return split, float(share), None
        problem = shared_problem(
            split, reps, measures=measures, balance=balance, baseline=baseline,
            **problem_settings,
        )  # fmt: skip
        # counted work (_workclock): the same split whatever the machine's load
        with _workclock.counted(problem.n_units, wall_cap=3.0 * probe_seconds + 1.0):
            probe = build_plan(heuristic_instance(problem), seed=seed, time_limit=probe_seconds)
        if probe.feasible:
            return split, float(share), probe
    raise AssertionError("unreachable")


def optimize_shared(
    units: gpd.GeoDataFrame,
    reps: pd.DataFrame,
    *,
    measures: Sequence[str],
    balance: dict[str, float],
    max_share: float | None = None,
    graph: nx.Graph | None = None,
    baseline: pd.Series | None = None,
    solve: dict[str, Any] | None = None,
    **problem_settings: Any,
) -> Alignment:
    """Optimize with dense units shared between reps when needed.

    Units holding more than ``max_share`` of the smallest territory's lower bound on a
    balanced measure are split into pieces (see :func:`split_dense_units`); the plan is
    solved on pieces and folded back (:func:`merge_pieces`). Balance is then met exactly
    with the shared fractions (``Alignment.territory_table`` uses them). With
    ``max_share=None`` the piece size is chosen by :func:`choose_split` (quarters, or
    tenths when the heuristic cannot balance quarters in a probe of at most 10 s, a fifth
    of the time limit; the probe's time is taken from the solve's and its balanced plan
    is the warm start).
    """
    from ..solve.pipeline import optimize

    solve = dict(solve or {})
    limit = float(solve.get("time_limit", 60.0))
    t0 = time.perf_counter()
    split, _, probe = choose_split(
        units, reps, measures=measures, balance=balance, graph=graph, baseline=baseline,
        shares=SHARES if max_share is None else (max_share,), probe_seconds=min(10.0, 0.2 * limit),
        seed=int(solve.get("seed", 0)), **problem_settings,
    )  # fmt: skip
    solve["time_limit"] = max(5.0, limit - (time.perf_counter() - t0))
    problem = shared_problem(
        split, reps, measures=measures, balance=balance, baseline=baseline, **problem_settings
    )
    if probe is not None and "start" not in solve:
        # the probe's balanced plan is the warm start (the heuristic goes on from it)
        cols = list(problem.rep_ids)
        solve["start"] = pd.Series(
            [cols[c] for c in probe.assignment], index=list(problem.unit_ids), dtype=object
        )
    plan = optimize(problem, **solve)
    merged = merge_pieces(plan, split, units, measures)
    if "home" in reps.columns:
        merged = replace(
            merged, reps=merged.reps.assign(home=reps["home"].reindex(merged.reps.index))
        )
    return merged
