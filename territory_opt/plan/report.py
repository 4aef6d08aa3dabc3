"""`SolveReport`: how a plan was obtained (status, objective, bound, solver, time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SolveReport"]


@dataclass(frozen=True)
class SolveReport:
    """How a plan was obtained.

    Attributes
    ----------
    status : str
        ``"optimal"`` (proven), ``"feasible"`` (a plan, optimality not proven),
        ``"infeasible"`` or ``"no_solution"``.
    objective, bound, gap : float or None
        Objective of the plan, best proven lower bound (never above the objective, the
        best of every stage: it does not get weaker with more time), relative gap
        ``|obj - bound| / |obj|`` against that bound.
    seconds : float
        Wall time.
    solver : str
        ``"highs"``, ``"cbc"`` or the tool that produced the plan.
    message : str
        Notes (warm start, pruning, cut rounds, tie-break...).
    bound_scope : {"problem", "restricted", "none"}
        What ``bound`` is valid for: ``"problem"``, the problem as stated (no plan can
        beat it); ``"restricted"``, only the restricted model that was solved (pruned to
        the nearest homes, or shortest-path contiguity, which forbids some connected
        plans), so a better plan may exist outside it; ``"none"``, no bound. Default
        ``"problem"`` for reports built elsewhere (decomposition, older code).
    restricted_bound : float or None
        The bound of the restricted model when one was solved (pruning or ``"sp"``); at
        least ``bound`` when both are known. Never used for ``status``.
    restricted_optimal : bool
        The restricted model was solved to proven optimality (the message says "optimal
        within the restricted model"); ``status`` is then ``"optimal"`` only if the
        problem's own bound proves it too.
    work_capped : bool
        The time limit cut the heuristic's counted work (iterations, restarts) short:
        the same inputs and seed may then give another plan on a faster or less loaded
        machine. ``False`` means the result did not depend on the machine's speed.
    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    message: str = ""
    bound_scope: Literal["problem", "restricted", "none"] = "problem"
    restricted_bound: float | None = None
    restricted_optimal: bool = False
    work_capped: bool = False
