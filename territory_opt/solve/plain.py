"""The MILP step: build the model and solve it once (``"cuts"`` contiguity: the cut loop)."""

from __future__ import annotations

import numpy as np

from ..milp.backends import RawResult as _Raw
from ..milp.model import MilpModel, build_model
from ..problem.territory_problem import TerritoryProblem
from .backend import _decode, _start_for, solve_model
from .budget import Budget
from .cut_loop import solve_with_cuts

__all__: list[str] = []


def _solve_plain(
    problem: TerritoryProblem,
    solver: str,
    *,
    time_limit: float,
    gap: float,
    threads: int,
    seed: int,
    start: np.ndarray | None,
    allowed: np.ndarray | None = None,
    polish: bool = False,
) -> tuple[_Raw, MilpModel, np.ndarray | None]:
    """Build and solve (with the cut loop for ``"cuts"``); return raw result, model, plan.

    ``allowed`` restricts the assignments (pruning); ``start`` is a plan (column per unit)
    passed as a MIP start; ``polish``: the heuristic's polish follows, so the cut loop keeps
    time for it (otherwise it uses the whole ``time_limit``).
    """
    budget = Budget(solver, time_limit, gap=gap, threads=threads, seed=seed)
    model = build_model(problem, allowed)
    if problem.contiguity == "cuts":
        return solve_with_cuts(problem, model, start, budget, polish=polish)
    raw = solve_model(
        model, solver, time_limit=time_limit, gap=gap, threads=threads, seed=seed,
        start=_start_for(problem, model, start),
    )  # fmt: skip
    plan = _decode(model, raw.values) if raw.values is not None else None
    return raw, model, plan
