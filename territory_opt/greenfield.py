"""Greenfield design: choose ``k`` centres and a plan together (free centres).

:func:`plan_free_centres` alternates location and allocation, as a human planner would:

1. seed centres with :func:`territory_opt.heuristics.choose_centres` (balanced
   k-medoids on the graph);
2. build a balanced contiguous plan around them (:func:`territory_opt.heuristics.build_plan`);
3. move each centre to its territory's *medoid*, the candidate unit inside the territory
   that minimises the territory's own compactness cost :math:`\\sum_j w_j c(j, m)^p`;
4. rebuild the plan **from the current one** around the moved centres, keep it when it is
   cheaper (balance first), and repeat until no centre moves or the time is up.

Step 3 never makes the current plan worse (each territory's cost to its medoid is at most
its cost to the old centre), so the loop is a descent on the plan's objective.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from .alignment import Alignment
    from .problem import TerritoryProblem

__all__ = ["FreeCentrePlan", "optimize_free_centres", "plan_free_centres"]


@dataclass(frozen=True)
class FreeCentrePlan:
    """Result of :func:`plan_free_centres`.

    Attributes
    ----------
    centres : numpy.ndarray
        ``(k,)`` chosen candidate columns of the problem.
    assignment : numpy.ndarray
        ``(n,)`` column of each unit (one of ``centres``).
    feasible : bool
        Balanced within every hard tolerance and contiguous.
    max_violation : float
        Largest relative balance violation (0 when feasible).
    cost : float
        Objective of the plan (the heuristic's cost).
    relocations : int
        Rounds in which at least one centre moved and the plan improved.
    seconds : float
        Wall time.
    """

    centres: np.ndarray
    assignment: np.ndarray
    feasible: bool
    max_violation: float
    cost: float
    relocations: int
    seconds: float


def _medoids(
    cost: np.ndarray, w: np.ndarray, roots: np.ndarray, labels: np.ndarray, centres: np.ndarray
) -> np.ndarray:
    """Best candidate column inside each territory (``labels`` index ``centres``)."""
    col_of_unit = np.full(cost.shape[0], -1, dtype=np.int64)
    col_of_unit[roots[roots >= 0]] = np.flatnonzero(roots >= 0)
    new = centres.copy()
    for r in range(len(centres)):
        members = np.flatnonzero(labels == r)
        cand = col_of_unit[members]
        cand = cand[cand >= 0]
        if len(cand) == 0:
            continue
        total = w[members] @ cost[np.ix_(members, cand)]
        best = int(cand[int(np.argmin(total))])
        cur = int(centres[r])
        cur_total = float(w[members] @ cost[members, cur])
        if float(total.min()) < cur_total * (1 - 1e-9):
            new[r] = best
    return new


def plan_free_centres(
    problem: TerritoryProblem,
    *,
    seed: int = 0,
    time_limit: float = 10.0,
    seed_iterations: int = 5,
) -> FreeCentrePlan:
    """Choose ``problem.k`` centres and a balanced contiguous plan (see module doc).

    Parameters
    ----------
    problem : TerritoryProblem
        A free-centre problem (``TerritoryProblem.from_geodataframe(units, k, ...)``).
    seed : int
        Seed of every random choice; the result is deterministic for a seed (given the
        same time budget, as the search is time-limited).
    time_limit : float
        Wall-clock seconds in all.
    seed_iterations : int
        Medoid iterations of :func:`~territory_opt.heuristics.choose_centres` for the first
        centres (its default 20 is slow on thousands of units).

    Returns
    -------
    FreeCentrePlan
    """
    from .heuristics import build_plan, choose_centres

    if not problem.free_centres:
        raise ValueError("plan_free_centres needs a free-centre problem (reps given as k).")
    t0 = time.perf_counter()
    deadline = t0 + float(time_limit)
    roots = np.asarray(problem.roots, dtype=np.int64)
    cost = np.asarray(problem.cost, dtype=float) ** problem.power  # (n units, candidate columns)
    w = problem.unit_weights()
    # choose_centres works on unit x unit costs: candidates = units here
    full = problem.n_columns == problem.n_units and np.array_equal(
        roots, np.arange(problem.n_units)
    )
    if full:
        centres = np.asarray(
            choose_centres(
                problem.neighbors(),
                problem.balance_matrix(),
                cost.T,
                problem.k,
                seed=seed,
                iterations=seed_iterations,
            ),
            dtype=np.int64,
        )
    else:  # candidate subset: the k candidates spread by weighted farthest-first
        rng = np.random.default_rng(seed)
        weight = np.maximum(w, 0) + 1e-12
        first = int(rng.choice(problem.n_columns))
        chosen = [first]
        for _ in range(1, problem.k):
            d = (weight[:, None] * cost[:, chosen]).min(axis=1)
            score = np.array(
                [d[roots[c]] if roots[c] >= 0 else -1.0 for c in range(problem.n_columns)]
            )
            score[chosen] = -1.0
            chosen.append(int(np.argmax(score)))
        centres = np.asarray(chosen, dtype=np.int64)

    first_share = 0.5
    budget = max(1.0, first_share * (deadline - time.perf_counter()))
    res = build_plan(
        problem.to_heuristic_instance(centres=centres.tolist()), seed=seed, time_limit=budget
    )
    best = (res, centres)
    relocations = 0
    while time.perf_counter() < deadline - 0.5:
        labels = best[0].assignment
        moved = _medoids(cost, w, roots, labels, best[1])
        if np.array_equal(moved, best[1]) or len(set(moved.tolist())) < len(moved):
            break
        left = deadline - time.perf_counter()
        res2 = build_plan(
            problem.to_heuristic_instance(centres=moved.tolist()),
            seed=seed,
            time_limit=max(0.5, min(left, 0.5 * left + 1.0)),
            start=labels,
        )
        better_balance = res2.max_violation < best[0].max_violation - 1e-12
        same_balance = abs(res2.max_violation - best[0].max_violation) <= 1e-12
        if better_balance or (same_balance and res2.cost < best[0].cost * (1 - 1e-9)):
            best = (res2, moved)
            relocations += 1
        else:
            break
    res, centres = best
    return FreeCentrePlan(
        centres=centres,
        assignment=centres[np.asarray(res.assignment, dtype=np.int64)],
        feasible=bool(res.feasible),
        max_violation=float(res.max_violation),
        cost=float(res.cost),
        relocations=relocations,
        seconds=time.perf_counter() - t0,
    )


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
    the rest to :func:`territory_opt.solve.optimize` with the centres fixed where it put
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
        Split dense units (:mod:`territory_opt.sharing`) before planning.
    max_share : float
        Piece size for sharing (:func:`territory_opt.sharing.share_limits`).
    solver, time_limit, seed, nearest
        Passed to :func:`territory_opt.solve.optimize` (``time_limit`` covers both steps).
    **problem_settings
        Other settings for both problems (``power``, ``weight``, ...).

    Returns
    -------
    Alignment
        Reps ``C01..Ck`` with their chosen ``home``; ``shared`` lists split units.
    """
    from .problem import TerritoryProblem
    from .sharing import merge_pieces, share_limits, split_dense_units
    from .solve import optimize

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
