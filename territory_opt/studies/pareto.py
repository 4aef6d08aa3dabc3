"""The balance/disruption trade-off: :func:`pareto_curve` by ε-constraint over disruption budgets."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ValidationError
from ..plan.alignment import Alignment
from ..problem.territory_problem import TerritoryProblem
from ._pareto_checks import plan_breaks, point_bound
from .study import Study

__all__ = ["pareto_curve"]

logger = logging.getLogger(__name__)


def pareto_curve(
    study: Study,
    budgets: Sequence[float | str],
    *,
    reps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compactness vs accounts changing rep, by ε-constraint over disruption budgets.

    Each budget (an account count, or ``"10%"`` of all accounts) bounds the disruption
    of a fresh solve; the table gives, per budget, the plan's objective, accounts
    changed, balance and the solver's status/bound/gap. A point without a valid plan
    (infeasible budget, no plan in time, or a plan that breaks the point's budget or
    tolerances, checked from the data) has its status and ``reason`` and *no* plan
    figures (NaN): it never shows a plan. Every point is solved from the current plan;
    the unconstrained plan is solved once too. A plan is valid for every budget at least
    its own disruption, so each point reports the best valid plan seen (``note`` says
    when it came from another point): the objective never increases as the budget grows.
    The bound of a point is the best bound valid for the problem at that budget (its own
    solve's, or a larger budget's: a looser budget's optimum is never higher); the gap
    is the plan's objective against it; ``bound_scope`` as in :class:`SolveReport`.
    """

    total = float(study.units["accounts"].sum()) if "accounts" in study.units.columns else None

    def as_number(b: float | str) -> float:
        if isinstance(b, str) and b.strip().endswith("%") and total is not None:
            return float(b.strip()[:-1]) / 100 * total
        return float(b)

    # every valid plan seen so far: (objective, accounts changed, plan); a plan is valid for
    # any budget at least its disruption (ε-constraint), so each point takes the best of them
    pool: list[_Candidate] = []
    # (budget, problem-scope bound) of every solve: valid for every budget at most its own
    bounds: list[tuple[float, float | None]] = []
    try:  # the unconstrained plan: valid for every budget above its own disruption
        free = study.problem(reps)
        _remember(study.solve(free), free, np.inf, pool, bounds)
    except ValidationError:
        raise
    except Exception as exc:
        logger.info("unconstrained solve failed: %s", exc)
    solved = [
        _solve_point(study, reps, b, as_number(b), pool, bounds)
        for b in sorted(budgets, key=as_number)
    ]
    rows: list[dict[str, Any]] = []
    plans: dict[Any, pd.Series] = {}
    for point in solved:
        row, chosen = _point_row(study, point, as_number(point.budget), pool, bounds)
        rows.append(row)
        if chosen is not None:
            plans[point.budget] = chosen.assignment.copy()
    out = pd.DataFrame(rows)
    out.attrs["plans"] = plans  # budget -> the listed plan (unit -> rep), for checks
    return out


#: a valid plan seen: (objective, accounts changed, plan)
_Candidate = tuple[float, float, Alignment]


@dataclass(frozen=True)
class _Point:
    """One budget's solve: its problem, the solver's plan (or none), why not, its status."""

    budget: float | str
    problem: TerritoryProblem
    plan: Alignment | None
    why: str | None
    status: str


def _remember(
    al: Alignment,
    problem: TerritoryProblem,
    cap: float,
    pool: list[_Candidate],
    bounds: list[tuple[float, float | None]],
) -> str | None:
    """Pool ``al`` if it holds for ``problem`` and record its bound; why it fails, else ``None``."""
    rep = al.report
    if rep is None or rep.status not in ("optimal", "feasible") or rep.objective is None:
        return rep.message[:200] if rep is not None else "no report"
    if rep.bound_scope == "problem":
        bounds.append((cap, rep.bound))
    why = plan_breaks(problem, al)
    if why is None:
        pool.append((float(rep.objective), float(al.metrics()["accounts_changed"]), al))
    return why


def _solve_point(
    study: Study,
    reps: pd.DataFrame | None,
    b: float | str,
    cap: float,
    pool: list[_Candidate],
    bounds: list[tuple[float, float | None]],
) -> _Point:
    """Solve the problem at budget ``b`` (a failure is a point without a plan)."""
    problem = study.problem(reps, disruption_budget=b)
    try:
        al = study.solve(problem)
    except ValidationError:
        raise
    except Exception as exc:  # InfeasibleError / SolverError: a row without a plan
        return _Point(b, problem, None, str(exc)[:200], type(exc).__name__)
    why = _remember(al, problem, cap, pool, bounds)
    rep = al.report
    if rep is not None and rep.status in ("optimal", "feasible") and why is not None:
        logger.warning("budget %s: the solver's plan is rejected: %s", b, why)
    status = rep.status if rep is not None else "no_solution"
    if why is not None and status in ("optimal", "feasible"):
        status = "rejected"  # the solver's plan breaks this point's own constraints
    return _Point(b, problem, al, why, status)


def _point_row(
    study: Study,
    point: _Point,
    budget: float,
    pool: Sequence[_Candidate],
    bounds: Sequence[tuple[float, float | None]],
) -> tuple[dict[str, Any], Alignment | None]:
    """The table row of one budget and the plan it lists (the best valid plan seen)."""
    mine, status = point.plan, point.status
    valid = [c for c in pool if c[1] <= budget + 1e-9 and plan_breaks(point.problem, c[2]) is None]
    own = mine.report if mine is not None else None
    row: dict[str, Any] = {"budget": point.budget}
    if not valid:
        row |= {"status": status, "reason": point.why or "no plan within this budget",
                "bound_scope": own.bound_scope if own is not None else "none"}  # fmt: skip
        return row, None
    obj, _, chosen = min(valid, key=lambda c: c[0])
    note = "" if chosen is mine else "better plan from another point"
    own_status = status if status in ("optimal", "feasible") else "feasible"
    bound = point_bound(budget, bounds)
    scope = "problem" if bound is not None else "none"
    if bound is None and own is not None and own.bound is not None and chosen is mine:
        bound, scope = own.bound, own.bound_scope  # a restricted bound of its own plan
    if bound is not None:
        bound = min(bound, obj)
    gap = None if bound is None else abs(obj - bound) / max(abs(obj), 1e-10)
    proven = gap is not None and scope == "problem" and gap <= 1e-6
    m = chosen.metrics()
    row |= {
        "status": "optimal" if proven else ("feasible" if note else own_status),
        "reason": "" if not note else "a better plan within this budget was found at another point",
        "objective": obj,
        "bound": bound,
        "bound_scope": scope,
        "gap": gap,
        "accounts_changed": m["accounts_changed"],
        "accounts_changed_pct": m["accounts_changed_pct"],
        "compactness_km": m["compactness"],
        **{f"{k}_max_dev_pct": m[f"{k}_max_dev_pct"] for k in study.balance},
        "note": note,
    }  # fmt: skip
    return row, chosen
