"""Bounds a user can trust: what a reported bound is valid for, and the best of every stage.

:func:`territory_opt.solve.pipeline.optimize` often solves a *restricted* model: each unit pruned
to its nearest homes (``nearest=``), or shortest-path contiguity (``"sp"``), which forbids
some connected plans. The MILP bound of such a model is a bound of that model only: a
plan outside it may be cheaper, so it is no bound for the problem as the user stated it,
and "optimal" there only means "optimal within the restricted model".

This module gives

* :func:`problem_floor`: a bound valid for the problem as stated, computed the same way
  whatever the time limit (the LP relaxation of the *unpruned* model without contiguity,
  solved to optimality by the simplex method, and each unit at its cheapest allowed rep),
  so it never gets weaker with more time;
* :func:`settle`: the report's status, bound, scope and gap from the stages' bounds
  (the best valid one: a max of lower bounds), never above the plan's objective.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..milp.backends import OPT_GAP as _OPT_GAP
from ..milp.backends import proven as _proven
from ..problem.territory_problem import TerritoryProblem

__all__ = ["BoundScope", "Settled", "best", "problem_floor", "restriction", "settle"]

logger = logging.getLogger(__name__)

BoundScope = Literal["problem", "restricted", "none"]

_MAX_LP_CELLS = 3_000_000
"""Unpruned assignment columns above which the problem's LP bound is not computed (a
national map with hundreds of reps): the report then says the bound is the restricted
model's."""


def best(*bounds: float | None) -> float | None:
    """The strongest of several valid lower bounds (``None`` when none is known)."""
    known = [float(b) for b in bounds if b is not None and np.isfinite(b)]
    return max(known) if known else None


def restriction(
    problem: TerritoryProblem, *, pruned: bool, nearest: int | None, radius: float | None
) -> str | None:
    """How the solved model restricts the problem as stated, in words; ``None`` if it does not."""
    parts = []
    if pruned:
        how = [
            f"nearest={nearest}" if nearest is not None else "",
            f"radius={radius:g}" if radius is not None else "",
        ]
        parts.append(f"pruned model ({', '.join(h for h in how if h)})")
    if problem.contiguity == "sp":
        parts.append("shortest-path contiguity ('sp' forbids some connected plans)")
    return " with ".join(parts) if parts else None


def _trivial(problem: TerritoryProblem, allowed: np.ndarray) -> float | None:
    """Each unit at its cheapest allowed rep: a bound when the objective is only cost."""
    if problem.objective != "cost" or problem.disruption_weight > 0 or problem.free_centres:
        return None
    if any(not b.hard for b in problem.balance):
        return None
    coef = np.asarray(problem.assignment_costs(), dtype=float)
    if coef.shape != allowed.shape:
        return None
    return float(np.where(allowed, coef, np.inf).min(axis=1).sum())


def problem_floor(
    problem: TerritoryProblem, *, cap_seconds: float = 20.0
) -> tuple[float | None, str]:
    """A lower bound valid for ``problem`` as stated, independent of the time limit.

    The LP relaxation of the unpruned model with contiguity dropped (every connected plan
    is a solution of it) solved to optimality, and the cheapest-rep bound. ``cap_seconds``
    is only a safety cap: when it cuts the LP (a machine under very heavy load) the LP is
    not used.

    Returns
    -------
    (bound or None, description)
    """
    from ..milp.model import allowed_mask, build_model

    if problem.n_units * problem.n_columns > _MAX_LP_CELLS:
        return None, "no bound computed for the unpruned problem (too large)"
    allowed = allowed_mask(problem)
    trivial = _trivial(problem, allowed)
    lp: float | None = None
    try:
        from .backend import _run_highs

        model = build_model(problem.replace(contiguity=None, tie_break=False), allowed)
        relaxed = dataclasses.replace(model, integer=np.zeros_like(model.integer))
        raw = _run_highs(relaxed, time_limit=cap_seconds, gap=0.0, threads=1, seed=0, start=None)
        if raw.message == "HiGHS: Optimal" and raw.objective is not None:
            lp = float(raw.objective)
    except Exception as exc:  # the floor is an extra: never fail the solve for it
        logger.info("LP bound of the unpruned problem failed: %s", exc)
    b = best(lp, trivial)
    what = (
        "LP relaxation of the unpruned problem without contiguity"
        if lp is not None and (trivial is None or lp >= trivial)
        else "each unit at its cheapest rep"
    )
    return b, (what if b is not None else "no bound for the unpruned problem")


@dataclass(frozen=True)
class Settled:
    """Status, bound and gap of a plan, with what the bound is valid for."""

    status: str
    bound: float | None
    gap: float | None
    scope: BoundScope
    restricted_bound: float | None
    restricted_optimal: bool
    note: str


def _clip(bound: float | None, obj: float | None, what: str) -> float | None:
    if bound is None or obj is None or bound <= obj:
        return bound
    if bound - obj > _OPT_GAP * max(1.0, abs(obj)):
        logger.warning("%s bound %.9g above the plan's objective %.9g: clipped", what, bound, obj)
    return obj


def settle(
    *,
    status: str,
    objective: float | None,
    model_bound: float | None,
    floor: float | None,
    restricted: str | None,
    floor_what: str = "",
) -> Settled:
    """The report's figures from the bounds of every stage.

    Parameters
    ----------
    status : str
        The solver stage's status (``"optimal"`` when it proved its *model* optimal).
    objective : float or None
        The returned plan's objective.
    model_bound : float or None
        The best bound of the solved model over every stage (cut rounds, re-solves).
    floor : float or None
        A bound valid for the problem as stated (:func:`problem_floor`).
    restricted : str or None
        How the solved model restricts the problem (:func:`restriction`); ``None`` when
        the model is exact, so that its bound is valid for the problem.
    floor_what : str
        How ``floor`` was computed (for the message).
    """
    has_plan = status in ("optimal", "feasible") and objective is not None
    obj = objective if has_plan else None
    if restricted is None:
        bound, rbound = best(model_bound, floor), None
    else:
        bound, rbound = floor, best(model_bound, floor)
    bound = _clip(bound, obj, "problem")
    rbound = _clip(rbound, obj, "restricted-model")
    scope: BoundScope = "problem" if bound is not None else "none"
    if bound is None and rbound is not None:
        bound, scope = rbound, "restricted"
    notes: list[str] = []
    r_opt = False
    if has_plan and obj is not None:
        proven = scope == "problem" and _proven(obj, bound)
        if restricted is not None:
            r_opt = status == "optimal" or _proven(obj, rbound)
        if status == "optimal" and not proven:
            status = "feasible"
        elif status == "feasible" and proven:
            status = "optimal"
        if restricted is not None and status != "optimal":
            head = (
                f"optimal within the restricted model ({restricted})"
                if r_opt
                else f"bound of the restricted model ({restricted}): {rbound:.6g}"
                if rbound is not None
                else f"restricted model ({restricted})"
            )
            tail = (
                f"the bound valid for the problem as stated ({floor_what}) is {bound:.6g}"
                if scope == "problem" and bound is not None
                else "no bound valid for the problem as stated is known: the bound and gap "
                "are the restricted model's"
            )
            notes.append(f"{head}; {tail}")
    gap = None
    if has_plan and obj is not None and bound is not None:
        gap = abs(obj - bound) / max(abs(obj), 1e-10)
    return Settled(status, bound, gap, scope, rbound, r_opt, "; ".join(notes))
