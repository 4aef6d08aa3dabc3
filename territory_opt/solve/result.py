"""The pipeline's last step: the plan returned, its report, and the :class:`Alignment`."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..exceptions import SolverError
from ..milp.backends import RawResult as _Raw
from ..milp.model import MilpModel, start_vector
from ..plan.alignment import Alignment, SolveReport
from ..problem.territory_problem import TerritoryProblem
from .bounds import best, settle
from .budget import Budget

__all__: list[str] = []

CAPPED_NOTE = (
    "the time limit cut the heuristic's counted work (a slow or loaded machine): "
    "the same seed may give another plan elsewhere; raise time_limit"
)


def _fallback(
    model: MilpModel,
    raw: _Raw,
    plan: np.ndarray | None,
    hint: np.ndarray | None,
    *,
    problem: TerritoryProblem,
    given: bool,
    budget: Budget,
) -> tuple[np.ndarray, str, str]:
    """The solver found no plan: the warm start (or the given plan, or the violating hint).

    Returns the plan, its status and a note; raises :class:`SolverError` when there is none.
    """
    if plan is not None and model.max_violation(start_vector(problem, model, plan)) <= 1e-6:
        return plan, "feasible", "the solver found no plan: returning the warm-start plan"
    if plan is not None:
        note = (
            f"the solver found no plan: returning {'the given start' if given else 'the warm-start'} plan, which VIOLATES the "
            f"hard constraints by {model.max_violation(start_vector(problem, model, plan)):.3g}"
        )
        return plan, "no_solution", note
    if hint is not None:
        note = (
            "the solver found no plan: returning the heuristic's plan, which VIOLATES the hard "
            f"constraints by {model.max_violation(start_vector(problem, model, hint)):.3g}"
        )
        return hint, "no_solution", note
    raise SolverError(
        f"{budget.solver} found no plan in {budget.time_limit:g} s ({raw.message}); raise time_limit, relax tolerances, "
        "or pass a start plan."
    )


def _report(
    problem: TerritoryProblem,
    model: MilpModel,
    raw: _Raw,
    asg: np.ndarray,
    status: str,
    *,
    floor: tuple[float | None, str],
    restricted: str | None,
    budget: Budget,
    notes: list[str],
    capped: bool,
) -> SolveReport:
    """The solve report of plan ``asg``: objective, the best valid bound, status, message."""
    values = start_vector(problem, model, asg) if raw.values is None else raw.values
    parts = model.evaluate(values)
    objective = parts["objective"] if raw.objective is None or raw.values is None else raw.objective
    if status == "infeasible":
        objective = parts["objective"]
    # the bound: the best of every stage, labelled with what it is valid for (bounds.py)
    st = settle(
        status=status,
        objective=objective,
        model_bound=best(raw.bound, _trivial_bound(problem, model)),
        floor=floor[0],
        restricted=restricted,
        floor_what=floor[1],
    )
    message = "; ".join([n for n in notes if n] + [raw.message, st.note])
    return SolveReport(
        status=st.status,
        objective=objective,
        bound=st.bound,
        gap=st.gap,  # None for "no_solution": the plan violates hard constraints
        seconds=time.perf_counter() - budget.t0,
        solver=budget.solver,
        message=message.rstrip("; "),
        bound_scope=st.scope,
        restricted_bound=st.restricted_bound,
        restricted_optimal=st.restricted_optimal,
        work_capped=capped,
    )


def _trivial_bound(problem: TerritoryProblem, model: MilpModel) -> float | None:
    """Each unit at its cheapest allowed column: a valid bound when the objective is only cost."""
    if problem.objective != "cost" or "penalty" in model.parts:
        return None
    if problem.disruption_weight > 0 and "disruption" in model.parts:
        return None
    coef = problem.assignment_costs()
    masked = np.where(model.x >= 0, coef, np.inf)
    return float(masked.min(axis=1).sum())


def _to_alignment(problem: TerritoryProblem, asg: np.ndarray, report: SolveReport) -> Alignment:
    """The plan as an :class:`Alignment` (free centres: territories ``0..k-1``, homes set)."""
    reps = problem.reps.copy()
    used: list[int] | None = None  # the columns used, with free centres
    if problem.free_centres:
        used = sorted(set(asg.tolist()))
        col_to_rep = {c: reps.index[k] for k, c in enumerate(used)}
        homes = [problem.unit_ids[int(problem.roots[c])] for c in used]
        reps = reps.iloc[: len(used)].copy()
        reps["home"] = pd.Series(homes, index=reps.index, dtype=object)
        labels = [col_to_rep[int(c)] for c in asg.tolist()]
    else:
        labels = [problem.rep_ids[int(c)] for c in asg.tolist()]
    dist = None
    if problem.distance_km is not None:
        d = np.asarray(problem.distance_km)
        dist = pd.DataFrame(
            d[:, used] if used is not None else d,
            index=list(problem.unit_ids),
            columns=list(reps.index),
        )
    assignment = pd.Series(
        labels, index=pd.Index(list(problem.unit_ids), name="unit"), name="rep", dtype=object
    )
    baseline = None
    if problem.baseline is not None:
        b = np.asarray(problem.baseline)
        baseline = pd.Series(
            [problem.rep_ids[int(r)] if r >= 0 else None for r in b.tolist()],
            index=assignment.index.copy(),
            name="rep",
            dtype=object,
        )
    return Alignment(
        assignment=assignment,
        reps=reps,
        measures=problem.measures.copy(),
        balance_measures=problem.balance_measures,
        units=None if problem.units is None else problem.units.copy(),
        baseline=baseline,
        distance=dist,
        shared=None,
        report=report,
    )
