"""Checks for :func:`territory_opt.studies.scenarios.pareto_curve`: a row lists a plan only if it holds.

A Pareto point lists a plan only when that plan satisfies the point's own disruption
budget and the hard balance tolerances (checked from the problem's data with
:mod:`territory_opt.plan.evaluation`, not from the solver's report), and its bound is the best bound valid for that budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..exceptions import ValidationError
from ..plan.alignment import Alignment
from ..plan.evaluation import assignment_columns, column_loads, plan_disruption
from ..problem.territory_problem import TerritoryProblem

__all__ = ["plan_breaks", "point_bound"]

_TOL = 1e-6


def plan_breaks(problem: TerritoryProblem, plan: Alignment) -> str | None:
    """Why ``plan`` breaks ``problem``'s budget or hard balance bounds; ``None`` if it holds."""
    try:
        a = assignment_columns(problem, plan.assignment)
    except ValidationError:
        return "the plan leaves units unassigned or uses unknown reps"
    if problem.disruption_values() is not None and problem.disruption_budget is not None:
        moved = plan_disruption(problem, a)
        budget = float(problem.disruption_budget)
        if moved > budget + _TOL * max(1.0, budget):
            return f"the plan changes {moved:g} {problem.disruption}, above the budget {budget:g}"
    lo, hi = problem.bounds()
    vals = problem.balance_matrix()
    loads = column_loads(problem, a)
    for m, bal in enumerate(problem.balance):
        if not bal.hard:
            continue
        scale = _TOL * max(1.0, float(np.abs(vals[:, m]).sum()))
        load = loads[:, m]
        bad = np.flatnonzero((load < lo[:, m] - scale) | (load > hi[:, m] + scale))
        if bad.size:
            c = int(bad[0])
            return (
                f"rep {problem.rep_ids[c]!r} holds {load[c]:g} {bal.measure}, outside "
                f"[{lo[c, m]:g}, {hi[c, m]:g}]"
            )
    return None


def point_bound(budget: float, bounds: Sequence[tuple[float, float | None]]) -> float | None:
    """Best bound valid for ``budget``: any point with a budget at least as large (its
    plans include this point's) gives a valid bound; ``bounds`` are ``(budget, bound)``
    pairs of problem-scope bounds (``inf`` for the unconstrained solve)."""
    valid = [b for cap, b in bounds if b is not None and cap >= budget - 1e-9]
    return max(valid) if valid else None
