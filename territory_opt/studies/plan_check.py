"""A plan measured against a fixed-centre problem from the data: objective, loads, feasibility."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError
from ..graph.core import is_connected
from ..problem.territory_problem import TerritoryProblem
from ._unit_graph import unit_adjacency

__all__ = [
    "PlanCheck",
    "check_plan",
    "plan_objective",
]


def _columns_of(problem: TerritoryProblem, assignment: pd.Series | np.ndarray) -> np.ndarray:
    """Column index per unit from a unit -> rep Series (or pass an array through)."""
    if isinstance(assignment, np.ndarray):
        out = np.asarray(assignment, dtype=np.int64)
        if out.shape != (problem.n_units,):
            raise ValidationError("assignment array must have one column index per unit.")
        return out.copy()
    cols = {r: c for c, r in enumerate(problem.rep_ids)}
    s = assignment.reindex(list(problem.unit_ids))
    bad = [u for u, r in s.items() if r not in cols]
    if bad:
        raise ValidationError(
            [
                Problem(
                    "units",
                    f"units {', '.join(map(str, bad[:5]))}",
                    f"{len(bad)} unit(s) have no rep of the problem in the plan.",
                    "assign every unit to a rep of the problem.",
                )
            ]
        )
    return np.array([cols[r] for r in s.to_numpy()], dtype=np.int64)


def plan_objective(problem: TerritoryProblem, assignment: pd.Series | np.ndarray) -> float:
    """The objective of ``problem`` for a plan, computed from the data (no solver).

    Parameters
    ----------
    problem : TerritoryProblem
        Fixed centres.
    assignment : pandas.Series or numpy.ndarray
        unit id -> rep id, or a column index per unit.

    Returns
    -------
    float
        ``sum_i w_i cost_i^p`` (+ disruption weight × disruption, + soft balance penalties),
        or the disruption (+ penalties) with ``objective="disruption"``: the same value
        as the MILP's objective for that plan.
    """
    a = _columns_of(problem, assignment)
    n = problem.n_units
    v = problem.disruption_values()
    dis = 0.0
    if v is not None and problem.baseline is not None:
        dis = float(v[np.asarray(problem.baseline) != a].sum())
    if problem.objective == "disruption":
        total = dis
    else:
        total = float(problem.assignment_costs()[np.arange(n), a].sum())
        if v is not None and problem.disruption_weight > 0:
            total += problem.disruption_weight * dis
    loads = _loads(problem, a)
    lo, hi = problem.bounds()
    T = problem.targets()
    for m, b in enumerate(problem.balance):
        if b.penalty is None:
            continue
        over = np.maximum(loads[:, m] - hi[:, m], 0.0)
        under = np.where(lo[:, m] > 0, np.maximum(lo[:, m] - loads[:, m], 0.0), 0.0)
        total += float(b.penalty * ((over + under) / np.maximum(T[:, m], 1e-12)).sum())
    return total


def _loads(problem: TerritoryProblem, a: np.ndarray) -> np.ndarray:
    """``(K, m)`` balanced-measure totals per column."""
    M = problem.balance_matrix()
    out = np.zeros((problem.n_columns, M.shape[1]))
    np.add.at(out, a, M)
    return out


@dataclass(frozen=True)
class PlanCheck:
    """Feasibility of a plan for a problem, checked from the data.

    Attributes
    ----------
    feasible : bool
        Every hard constraint holds (balance, contiguity, homes, locks, budget).
    max_deviation_pct : dict
        Per balanced measure: largest ``|total / target - 1|`` in %.
    max_excess_pct : dict
        Per balanced measure: largest excess over the bounds, in % of the target (0 when
        within the bounds).
    violations : tuple of str
        Sentences describing what fails.
    """

    feasible: bool
    max_deviation_pct: dict[str, float]
    max_excess_pct: dict[str, float]
    violations: tuple[str, ...] = ()


def check_plan(problem: TerritoryProblem, assignment: pd.Series | np.ndarray) -> PlanCheck:
    """Check a plan against the hard constraints of a (fixed-centre) problem.

    Parameters
    ----------
    problem : TerritoryProblem
    assignment : pandas.Series or numpy.ndarray
        unit id -> rep id, or a column index per unit.

    Returns
    -------
    PlanCheck
    """
    a = _columns_of(problem, assignment)
    out: list[str] = []
    loads = _loads(problem, a)
    lo, hi = problem.bounds()
    T = problem.targets()
    dev: dict[str, float] = {}
    exc: dict[str, float] = {}
    for m, b in enumerate(problem.balance):
        Tm = np.maximum(T[:, m], 1e-12)
        dev[b.measure] = float(100.0 * np.max(np.abs(loads[:, m] / Tm - 1.0)))
        over = np.maximum(loads[:, m] - hi[:, m], 0.0)
        under = np.maximum(lo[:, m] - loads[:, m], 0.0)
        worst = float(100.0 * np.max((over + under) / Tm))
        exc[b.measure] = worst
        if b.penalty is None and worst > 1e-6:
            n_bad = int(((over + under) / Tm > 1e-8).sum())
            out.append(
                f"{n_bad} territories are outside the {b.measure!r} bounds (worst by {worst:.2f} % of a target)"
            )
    for c, r in enumerate(problem.roots.tolist()):
        if r >= 0 and a[r] != c:
            out.append(f"rep {problem.rep_ids[c]!r} does not hold its home unit")
    for i, c in problem.locks:
        if a[i] != c:
            out.append(f"unit {problem.unit_ids[i]!r} is not with the rep it is locked to")
    v = problem.disruption_values()
    if v is not None and problem.disruption_budget is not None and problem.baseline is not None:
        dis = float(v[np.asarray(problem.baseline) != a].sum())
        if dis > problem.disruption_budget + 1e-6:
            out.append(f"disruption {dis:g} exceeds the budget {problem.disruption_budget:g}")
    if problem.contiguity is not None and problem.graph is not None:
        broken = _disconnected(problem, a)
        if broken:
            names = ", ".join(str(problem.rep_ids[c]) for c in broken[:5])
            out.append(f"{len(broken)} territories are not connected ({names})")
    return PlanCheck(not out, dev, exc, tuple(out))


def _disconnected(problem: TerritoryProblem, a: np.ndarray) -> list[int]:
    """Columns whose territory is not one connected piece containing the home."""
    adj = unit_adjacency(problem)
    bad = []
    for c in range(problem.n_columns):
        members = np.flatnonzero(a == c)
        if len(members) == 0:
            continue
        root = int(problem.roots[c])
        if (root >= 0 and a[root] != c) or not is_connected(adj, members):
            bad.append(c)
    return bad
