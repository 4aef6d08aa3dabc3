"""Checks for :func:`territory_opt.studies.scenarios.pareto_curve`: a row lists a plan only if it holds.

A Pareto point lists a plan only when that plan satisfies the point's own disruption
budget and the hard balance tolerances (checked here from the problem's data, not from
the solver's report), and its bound is the best bound valid for that budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..plan.alignment import Alignment
from ..problem.territory_problem import TerritoryProblem

__all__ = ["plan_breaks", "point_bound"]

_TOL = 1e-6


def plan_breaks(problem: TerritoryProblem, plan: Alignment) -> str | None:
    """Why ``plan`` breaks ``problem``'s budget or hard balance bounds; ``None`` if it holds."""
    cols = {r: c for c, r in enumerate(problem.rep_ids)}
    labels = plan.assignment.reindex(list(problem.unit_ids))
    if labels.isna().any() or not labels.isin(list(cols)).all():
        return "the plan leaves units unassigned or uses unknown reps"
    a = np.array([cols[r] for r in labels.tolist()], dtype=np.int64)
    v = problem.disruption_values()
    if v is not None and problem.disruption_budget is not None and problem.baseline is not None:
        moved = float(v[(np.asarray(problem.baseline) >= 0) & (a != problem.baseline)].sum())
        budget = float(problem.disruption_budget)
        if moved > budget + _TOL * max(1.0, budget):
            return f"the plan changes {moved:g} {problem.disruption}, above the budget {budget:g}"
    lo, hi = problem.bounds()
    vals = problem.balance_matrix()
    for m, bal in enumerate(problem.balance):
        if not bal.hard:
            continue
        load = np.bincount(a, weights=vals[:, m], minlength=problem.n_columns)
        scale = _TOL * max(1.0, float(np.abs(vals[:, m]).sum()))
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
