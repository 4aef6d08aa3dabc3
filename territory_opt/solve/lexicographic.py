"""Two-stage (lexicographic) solves: "fewest changes, then least travel".

Stage 1 minimises the objective's first stage (e.g. accounts changing rep) and keeps its
proven bound. Stage 2 minimises the second stage with the first held at most
``(1 + slack)`` times the best value found in stage 1; when the first stage counts only
changes of rep this is the disruption budget of the problem (a hard row of the MILP,
respected by the heuristic), so stage 2 reuses the budget machinery unchanged. The
report of the returned plan says what was proven at each stage.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

from ..exceptions import InfeasibleError, InputIssue, ValidationError
from ..plan.alignment import Alignment
from ..problem.objective import Objective
from ..problem.territory_problem import TerritoryProblem

__all__ = ["optimize_lexicographic", "stage_problems"]

_STAGE1_SHARE = 0.5


def stage_problems(problem: TerritoryProblem, first_value: float) -> TerritoryProblem:
    """The stage-2 problem: the second stage, the first capped at ``(1+slack)·first_value``."""
    goal = problem.goal
    assert goal is not None and goal.then is not None
    if goal.names != ("changes",):
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    f"objective={goal.describe()!r}",
                    "a second stage (then=) is supported after 'changes' only.",
                    "use objective='changes', then=..., or a weighted sum {'travel': 1, 'compact': 1}.",
                )
            ]
        )
    w = goal.terms[0][1]
    cap = first_value / w * (1.0 + goal.slack)
    cap += 1e-6 * max(1.0, abs(cap))
    return problem.replace(goal=goal.then, disruption_budget=cap)


def optimize_lexicographic(
    problem: TerritoryProblem, solve: Any, *, time_limit: float, **kwargs: Any
) -> Alignment:
    """Solve ``problem`` (whose objective has a ``then`` stage) in two stages.

    Parameters
    ----------
    problem : TerritoryProblem
        ``problem.goal.then`` is not None; the first stage counts changes only.
    solve : callable
        :func:`territory_opt.solve.optimize` (passed in to avoid an import cycle).
    time_limit : float
        Seconds for both stages (half each).
    **kwargs
        Passed to ``solve`` for both stages.
    """
    goal = problem.goal
    assert goal is not None and goal.then is not None
    t0 = time.perf_counter()
    p1 = problem.replace(goal=Objective(goal.terms))
    first = solve(p1, time_limit=_STAGE1_SHARE * time_limit, **kwargs)
    r1 = first.report
    if r1 is None or r1.status not in ("optimal", "feasible") or r1.objective is None:
        return first
    p2 = stage_problems(problem, float(r1.objective))
    # a fixed share, not what stage 1 left on the wall clock: same inputs and seed, same
    # plan under any load (the stage's own wall-clock caps still bound it)
    left = max(time_limit - _STAGE1_SHARE * time_limit, 1.0)
    kw = dict(kwargs)
    kw.pop("start", None)
    try:
        second = solve(p2, time_limit=left, start=first, **kw)
    except InfeasibleError:
        second = None
    r2 = None if second is None else second.report
    stage1 = (
        f"stage 1 ({goal.first().describe()}): {r1.status}, {r1.objective:.6g}"
        f", bound {_num(r1.bound)} ({r1.bound_scope})"
    )
    if r2 is None or r2.status not in ("optimal", "feasible"):
        msg = f"{stage1}; stage 2 ({goal.then.describe()}) found no plan: the stage-1 plan is returned"
        rep = dataclasses.replace(r1, message=f"{msg}; {r1.message}")
        return first.with_report(rep)
    cap = p2.disruption_budget
    msg = (
        f"{stage1}; stage 2 ({goal.then.describe()}) with changes <= {cap:.6g} "
        f"(stage 1 best x {1 + goal.slack:g}): {r2.status}, {r2.objective:.6g}, bound "
        f"{_num(r2.bound)} ({r2.bound_scope}, valid for stage 2 under that cap)"
    )
    rep = dataclasses.replace(r2, message=f"{msg}; {r2.message}", seconds=time.perf_counter() - t0)
    assert second is not None
    return second.with_report(rep)


def _num(v: float | None) -> str:
    return "none" if v is None or not math.isfinite(v) else f"{v:.6g}"
