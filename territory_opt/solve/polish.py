"""After the MILP: the heuristic polishes the solver's plan; the lexicographic tie-break."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..heuristics import _workclock
from ..milp.backends import RawResult as _Raw
from ..milp.contiguity import cut_rows
from ..milp.model import MilpModel, start_vector
from ..problem.territory_problem import TerritoryProblem
from .backend import _decode, solve_model
from .budget import Budget

__all__: list[str] = []

Heuristic = Callable[..., tuple[Any, bool, str]]
"""The warm-start heuristic: ``(plan or None, feasible, message)``."""

_POLISH_SHARE = 0.25
"""Work budget of the polish (counted seconds, see _workclock) as a share of time_limit:
the same under any load. At 0.35 the Normandy runs (20 s, 60 s, a loaded machine) ended
the polish at the deadline (work_capped); the MILP rounds use about what is left."""
_POLISH_CHUNK = 15.0
"""Seconds per heuristic run in the polish: each run restarts from the best plan so far.

One long run leaves the best plan after its first local optimum and restarts from scratch
(the heuristic's restarts); runs chained from the best plan keep searching around it. On
Normandy, from the 10 s plan (19.47 M), two chained 15 s runs reached 19.13 M; 8 s runs
were too short to get past the repair and tabu phases (nothing better in 24 s)."""


def polish_possible(problem: TerritoryProblem, time_limit: float) -> bool:
    """Whether :func:`_polish` can run after the MILP of a solve of ``time_limit`` seconds.

    Not with free centres (the heuristic's polish keeps the centres of its plan), nor when
    its work budget (``_POLISH_SHARE * time_limit``) is under 2 s. The pipeline also needs
    ``warm_start`` and a feasible, unproven plan; the cut loop keeps time for the polish
    only when this holds (:func:`~territory_opt.solve.cut_loop.solve_with_cuts`).
    """
    return _POLISH_SHARE * time_limit >= 2.0 and not problem.free_centres


def _polish(
    problem: TerritoryProblem,
    model: MilpModel,
    raw: _Raw,
    asg: np.ndarray,
    budget: Budget,
    heuristic: Heuristic,
) -> tuple[_Raw, np.ndarray]:
    """Spend the time the solver left unused improving its plan with the heuristic.

    The ``"cuts"`` loop stops early when its bound stalls; the heuristic then runs in
    chunks of ``_POLISH_CHUNK`` seconds, each from the best plan so far (restricted to the
    model's columns, a new seed and twice longer recombination MILPs each time, up to 8x),
    until a run finds nothing better. A plan is kept only when it satisfies the
    model, is connected and is cheaper. The bound is unchanged. ``heuristic`` is the
    pipeline's warm-start heuristic (``_heuristic_plan``); ``budget`` the whole solve's.
    """
    time_limit, seed = budget.time_limit, budget.seed
    # a budget of counted work (the same under any load); the time limit only caps it
    left = _POLISH_SHARE * time_limit
    if not polish_possible(problem, time_limit) or raw.objective is None:
        return raw, asg
    allowed = model.x >= 0
    best, best_obj, best_vals = asg, raw.objective, None
    start_obj, runs, began = raw.objective, 0, time.perf_counter()
    while left >= 2.0:
        chunk = left if left < 1.5 * _POLISH_CHUNK else _POLISH_CHUNK
        if budget.left() - 0.5 < 2.0:
            _workclock.mark_capped()  # the time limit, not the work budget, ends the polish
            break
        runs += 1
        # each run digs deeper (longer recombination MILPs) instead of redoing the
        # same ones: a run from the best plan with the same settings finds the same moves
        plan, ok, _ = heuristic(
            problem, seed=seed + runs, time_limit=chunk, start=best, allowed=allowed,
            depth=min(2.0 ** (runs - 1), 8.0), deadline=budget.deadline - 0.5,
        )  # fmt: skip
        left -= chunk
        if plan is None or not ok or cut_rows(problem, model.x, plan):
            break
        vals = start_vector(problem, model, plan)
        obj = model.evaluate(vals)["objective"]
        if model.max_violation(vals) <= 1e-6 and obj < best_obj - 1e-9:
            best, best_obj, best_vals = plan, obj, vals
        else:
            break  # a run from the best plan found nothing better: stop here
    spent = time.perf_counter() - began  # the chain stops early when a run finds nothing
    if best_vals is None:
        return dataclasses.replace(
            raw, message=f"{raw.message}; polish: no better plan in {spent:.0f} s"
        ), asg
    g = None if raw.bound is None else abs(best_obj - raw.bound) / max(abs(best_obj), 1e-10)
    note = (
        f"polish: the heuristic improved the solver's plan {start_obj:.6g} -> {best_obj:.6g} "
        f"in {spent:.0f} s ({runs} run(s) from the best plan)"
    )
    return dataclasses.replace(
        raw, values=best_vals, objective=best_obj, gap=g, message=f"{raw.message}; {note}"
    ), best


def _tie_break(
    problem: TerritoryProblem, model: MilpModel, raw: _Raw, budget: Budget
) -> tuple[_Raw, np.ndarray | None, str | None]:
    """Optimise the other objective with the main one held at its optimum.

    Returns the raw result (with the tie-broken values), the new plan (``None``: unchanged)
    and a note for the report (``None``: nothing done).
    """
    second = "disruption" if problem.objective == "cost" else "cost"
    if second not in model.parts:
        return raw, None, None
    primary = model.parts["cost"] if problem.objective == "cost" else model.parts["disruption"]
    zc = float(primary[0] @ raw.values + primary[1])
    if (
        problem.objective == "cost"
        and "disruption" in model.parts
        and problem.disruption_weight > 0
    ):
        return raw, None, "tie-break skipped: the objective already weighs disruption"
    main = "cost" if problem.objective == "cost" else "disruption"
    eps = 1e-6 * max(1.0, abs(zc))
    m2 = model.with_objective(second, bound_parts={main: zc + eps})
    conn = None
    if budget.solver == "scip" and problem.contiguity == "cuts":  # keep the tie-break connected
        from ..milp.connectivity_handler import connectivity_graph

        conn = connectivity_graph(problem, m2)
    raw2 = solve_model(
        m2, budget.solver, time_limit=budget.left(1.0), gap=0.0, threads=budget.threads,
        seed=budget.seed, start=raw.values, connectivity=conn,
    )  # fmt: skip
    if raw2.values is None:
        return raw, None, None
    note = f"tie-break on {second}: {raw2.status}"
    return dataclasses.replace(raw, values=raw2.values), _decode(m2, raw2.values), note
