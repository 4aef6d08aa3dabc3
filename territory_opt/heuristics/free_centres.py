"""Greenfield design: choose ``k`` centres and a plan together (free centres).

:func:`plan_free_centres` alternates location and allocation, as a human planner would:

1. seed centres with :func:`territory_opt.heuristics.centres.choose_centres` (balanced
   k-medoids on the graph);
2. build a balanced contiguous plan around them (:func:`territory_opt.heuristics.build.build_plan`);
3. move each centre to its territory's *medoid*, the candidate unit inside the territory
   that minimises the territory's own compactness cost :math:`\\sum_j w_j c(j, m)^p`;
4. rebuild the plan **from the current one** around the moved centres, keep it when it is
   cheaper (balance first), and repeat until no centre moves or the time is up.

Step 3 never makes the current plan worse (each territory's cost to its medoid is at most
its cost to the old centre), so the loop is a descent on the plan's objective.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .instance import heuristic_instance

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem
    from .evaluation import HeuristicResult

__all__ = ["FreeCentrePlan", "plan_free_centres"]


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
        Medoid iterations of :func:`~territory_opt.heuristics.centres.choose_centres` for the first
        centres (its default 20 is slow on thousands of units).

    Returns
    -------
    FreeCentrePlan
    """
    from .build import build_plan

    if not problem.free_centres:
        raise ValueError("plan_free_centres needs a free-centre problem (reps given as k).")
    t0 = time.perf_counter()
    deadline = t0 + float(time_limit)
    roots = np.asarray(problem.roots, dtype=np.int64)
    cost = np.asarray(problem.cost, dtype=float) ** problem.power  # (n units, candidate columns)
    w = problem.unit_weights()
    centres = _first_centres(problem, cost, w, roots, seed, seed_iterations)
    first_share = 0.5
    budget = max(1.0, first_share * (deadline - time.perf_counter()))
    res = build_plan(
        heuristic_instance(problem, centres=centres.tolist()), seed=seed, time_limit=budget
    )
    res, centres, relocations = _relocate(problem, cost, w, roots, res, centres, seed, deadline)
    return FreeCentrePlan(
        centres=centres,
        assignment=centres[np.asarray(res.assignment, dtype=np.int64)],
        feasible=bool(res.feasible),
        max_violation=float(res.max_violation),
        cost=float(res.cost),
        relocations=relocations,
        seconds=time.perf_counter() - t0,
    )


def _first_centres(
    problem: TerritoryProblem,
    cost: np.ndarray,
    w: np.ndarray,
    roots: np.ndarray,
    seed: int,
    seed_iterations: int,
) -> np.ndarray:
    """First centres (columns): medoids when every unit is a candidate, else the
    candidates spread by weighted farthest-first."""
    from .centres import choose_centres

    # choose_centres works on unit x unit costs: candidates = units here
    full = problem.n_columns == problem.n_units and np.array_equal(
        roots, np.arange(problem.n_units)
    )
    if full:
        return np.asarray(
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
    rng = np.random.default_rng(seed)
    weight = np.maximum(w, 0) + 1e-12
    first = int(rng.choice(problem.n_columns))
    chosen = [first]
    for _ in range(1, problem.k):
        d = (weight[:, None] * cost[:, chosen]).min(axis=1)
        score = np.array([d[roots[c]] if roots[c] >= 0 else -1.0 for c in range(problem.n_columns)])
        score[chosen] = -1.0
        chosen.append(int(np.argmax(score)))
    return np.asarray(chosen, dtype=np.int64)


def _relocate(
    problem: TerritoryProblem,
    cost: np.ndarray,
    w: np.ndarray,
    roots: np.ndarray,
    res: HeuristicResult,
    centres: np.ndarray,
    seed: int,
    deadline: float,
) -> tuple[HeuristicResult, np.ndarray, int]:
    """Move each centre to its territory's medoid and re-plan while that helps (balance
    first, then cost) and time is left: the best plan, its centres, the moves kept."""
    from .build import build_plan

    best = (res, centres)
    relocations = 0
    while time.perf_counter() < deadline - 0.5:
        labels = best[0].assignment
        moved = _medoids(cost, w, roots, labels, best[1])
        if np.array_equal(moved, best[1]) or len(set(moved.tolist())) < len(moved):
            break
        left = deadline - time.perf_counter()
        res2 = build_plan(
            heuristic_instance(problem, centres=moved.tolist()),
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
    return best[0], best[1], relocations
