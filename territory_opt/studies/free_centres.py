"""Greenfield design, the exact part: shared dense units and the MILP at the centres chosen.

:func:`optimize_free_centres` chooses the centres with the heuristic
:func:`territory_opt.heuristics.free_centres.plan_free_centres`, then solves the plan at those
centres with the MILP (dense units shared between reps when needed).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..heuristics.free_centres import plan_free_centres

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from ..plan.alignment import Alignment

__all__ = ["optimize_free_centres"]


def optimize_free_centres(
    units: gpd.GeoDataFrame,
    k: int,
    *,
    measures: Sequence[str],
    balance: dict[str, float],
    graph: nx.Graph | None = None,
    share_dense: bool = True,
    max_share: float = 0.25,
    solver: str = "highs",
    time_limit: float = 60.0,
    seed: int = 0,
    nearest: int | None = 8,
    **problem_settings: Any,
) -> Alignment:
    """Greenfield design end to end: where to base ``k`` reps, and their territories.

    Dense units are shared first when ``share_dense`` (with equal targets a big city and
    its enclaves can exceed a territory: Le Havre and Sainte-Adresse hold 105.6 % of a
    seventeenth of Normandy's potential). Half the time goes to :func:`plan_free_centres`;
    the rest to :func:`territory_opt.solve.pipeline.optimize` with the centres fixed where it put
    them (exact ``"cuts"`` contiguity, warm start from its plan). The full free-centre MILP
    (every unit a candidate centre) has millions of binaries at this size, so **the
    reported bound holds for the chosen centres only**; the report says so.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with the measure columns (not modified).
    k : int
        Number of territories (reps, FTE 1 each).
    measures, balance, graph
        As in :meth:`TerritoryProblem.from_geodataframe`.
    share_dense : bool
        Split dense units (:mod:`territory_opt.studies.sharing`) before planning.
    max_share : float
        Piece size for sharing (:func:`territory_opt.studies.sharing.share_limits`).
    solver, time_limit, seed, nearest
        Passed to :func:`territory_opt.solve.pipeline.optimize` (``time_limit`` covers both steps).
    **problem_settings
        Other settings for both problems (``power``, ``weight``, ...).

    Returns
    -------
    Alignment
        Reps ``C01..Ck`` with their chosen ``home``; ``shared`` lists split units.
    """
    from ..problem.territory_problem import TerritoryProblem
    from ..solve.pipeline import optimize
    from .sharing import merge_pieces, share_limits, split_dense_units

    t0 = time.perf_counter()
    problem_settings.pop("contiguity", None)
    reps = pd.DataFrame({"fte": np.ones(k)}, index=[f"C{j + 1:02d}" for j in range(k)])
    split = None
    plan_units, plan_graph = units, graph
    if share_dense:
        limits = share_limits(units, reps, balance, max_share=max_share)
        split = split_dense_units(units, measures, limits, graph)
        plan_units, plan_graph = split.units, split.graph
    common: dict[str, Any] = {"measures": list(measures), "balance": balance, "graph": plan_graph}
    free = TerritoryProblem.from_geodataframe(
        plan_units, k, contiguity="sp", **common, **problem_settings
    )
    fc = plan_free_centres(free, seed=seed, time_limit=0.5 * time_limit)
    reps = reps.assign(home=[free.unit_ids[int(c)] for c in fc.centres])
    rep_of_col = {int(c): reps.index[j] for j, c in enumerate(fc.centres)}
    start = pd.Series(
        [rep_of_col[int(c)] for c in fc.assignment], index=list(free.unit_ids), dtype=object
    )
    fixed = TerritoryProblem.from_geodataframe(
        plan_units, reps, contiguity="cuts", **common, **problem_settings
    )
    left = max(5.0, time_limit - (time.perf_counter() - t0))
    plan = optimize(
        fixed, solver, time_limit=left, seed=seed, nearest=nearest, start=start,
        raise_infeasible=False,
    )  # fmt: skip
    note = (
        f"free centres: chosen in {fc.seconds:.1f} s ({fc.relocations} relocation(s)), "
        "then fixed for the MILP: the bound holds for these centres only"
    )
    if plan.report is not None:
        plan = replace(plan, report=replace(plan.report, message=f"{note}; {plan.report.message}"))
    if split is not None and len(split.pieces):
        plan = merge_pieces(plan, split, units, measures)
        piece_unit = dict(zip(split.pieces["piece"], split.pieces["unit"], strict=True))
        homes = [piece_unit.get(h, h) for h in reps["home"]]
        plan = replace(plan, reps=plan.reps.assign(home=homes))
    return plan
