"""The one evaluation of a plan on a problem, from the data (no solver).

A plan (unit -> rep, or a column index per unit) is measured against a
:class:`~territory_opt.problem.territory_problem.TerritoryProblem`: every unit assigned
once to a column of the problem, the balanced-measure load of each territory against
its bounds, the disruption against the baseline, contiguity (each territory one
connected piece holding its home, on :mod:`territory_opt.graph.core`) and the
objective value the MILP gives that plan. :func:`check_plan` (hard constraints),
:func:`plan_objective`, the Pareto and what-if checks and :meth:`Alignment.evaluate
<territory_opt.plan.alignment.Alignment.evaluate>` all use these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ..exceptions import InputIssue, ValidationError
from ..graph.core import adjacency_matrix, component_labels
from ..problem.territory_problem import TerritoryProblem

__all__ = [
    "PlanCheck",
    "assignment_columns",
    "balance_excess",
    "check_plan",
    "column_loads",
    "disconnected_columns",
    "max_deviation_pct",
    "plan_disruption",
    "plan_objective",
]


def assignment_columns(problem: TerritoryProblem, assignment: pd.Series | np.ndarray) -> np.ndarray:
    """Column index per unit (model order) of a plan; every unit must have a rep of the problem.

    Parameters
    ----------
    problem : TerritoryProblem
    assignment : pandas.Series or numpy.ndarray
        unit id -> rep id, or a column index per unit (passed through, copied).

    Returns
    -------
    (n,) int array

    Raises
    ------
    ValidationError
        If a unit has no rep of the problem (or the array has the wrong length).
    """
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
                InputIssue(
                    "units",
                    f"units {', '.join(map(str, bad[:5]))}",
                    f"{len(bad)} unit(s) have no rep of the problem in the plan.",
                    "assign every unit to a rep of the problem.",
                )
            ]
        )
    return np.array([cols[r] for r in s.to_numpy()], dtype=np.int64)


def column_loads(problem: TerritoryProblem, a: np.ndarray) -> np.ndarray:
    """``(K, m)`` balanced-measure totals per column of the plan ``a``."""
    M = problem.balance_matrix()
    out = np.zeros((problem.n_columns, M.shape[1]))
    np.add.at(out, a, M)
    return out


def plan_disruption(problem: TerritoryProblem, a: np.ndarray) -> float:
    """Disruption of ``a``: the disruption measure of the units leaving their baseline rep.

    Units without a baseline rep count 0 (:meth:`TerritoryProblem.disruption_values`);
    0 without a baseline or disruption measure.
    """
    v = problem.disruption_values()
    if v is None or problem.baseline is None:
        return 0.0
    base = np.asarray(problem.baseline)
    return float(v[(base >= 0) & (base != a)].sum())


def balance_excess(problem: TerritoryProblem, loads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(over, under)``: ``(K, m)`` amounts by which each territory's load leaves its bounds.

    ``over`` is the load above the upper bound (0 when the bound is infinite), ``under``
    the shortfall below a positive lower bound; both 0 within the bounds.
    """
    lo, hi = problem.bounds()
    with np.errstate(invalid="ignore"):
        over = np.where(np.isfinite(hi), np.maximum(loads - hi, 0.0), 0.0)
    under = np.where(lo > 0, np.maximum(lo - loads, 0.0), 0.0)
    return over, under


def max_deviation_pct(loads: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per measure (column): the largest ``|load / target - 1|`` in %, over territories.

    A territory with no target (0) is skipped when its load is 0 too and counts as an
    infinite deviation otherwise. ``loads`` and ``targets`` are ``(K, m)``; returns
    ``(m,)`` (NaN for a measure with no territory to compare).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(np.asarray(loads, dtype=float) / np.asarray(targets, dtype=float) - 1.0)
    if not dev.size:
        return np.full(dev.shape[1] if dev.ndim == 2 else 0, np.nan)
    ok = ~np.isnan(dev)
    worst = np.where(ok, dev, -np.inf).max(axis=0)
    return np.where(ok.any(axis=0), 100.0 * worst, np.nan)


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
        ``sum_i w_i cost_i^p`` (+ disruption weight × disruption, + soft balance
        penalties: ``penalty`` times each territory's excess over its bounds in fractions
        of its target), or the disruption (+ penalties) with ``objective="disruption"``:
        the same value as the MILP's objective for that plan.
    """
    a = assignment_columns(problem, assignment)
    dis = plan_disruption(problem, a)
    if problem.objective == "disruption":
        total = dis
    else:
        total = float(problem.assignment_costs()[np.arange(problem.n_units), a].sum())
        if problem.disruption_values() is not None and problem.disruption_weight > 0:
            total += problem.disruption_weight * dis
    over, under = balance_excess(problem, column_loads(problem, a))
    T = np.maximum(problem.targets(), 1e-12)
    for m, b in enumerate(problem.balance):
        if b.penalty is not None:
            total += float(b.penalty) * float(((over[:, m] + under[:, m]) / T[:, m]).sum())
    return total


def disconnected_columns(adj: sparse.csr_array, a: np.ndarray, roots: np.ndarray) -> list[int]:
    """Columns whose (non-empty) territory is not one connected piece holding its home.

    Parameters
    ----------
    adj : scipy.sparse.csr_array
        Unit adjacency (:func:`territory_opt.graph.core.adjacency_matrix`).
    a : (n,) int array
        Column of each unit.
    roots : (K,) int array
        Home unit of each column (``-1``: none).

    Returns
    -------
    list of int
        Sorted column indices.
    """
    a = np.asarray(a, dtype=np.int64)
    n = len(a)
    coo = sparse.coo_array(adj)
    same = a[coo.row] == a[coo.col]
    inner = sparse.csr_array((coo.data[same], (coo.row[same], coo.col[same])), shape=(n, n))
    labels = component_labels(inner)
    pieces = np.unique(np.stack([a, labels]), axis=1)[0] if n else np.zeros(0, dtype=np.int64)
    cols, count = np.unique(pieces, return_counts=True)
    bad = set(cols[count > 1].tolist())
    r = np.asarray(roots, dtype=np.int64)
    for c in np.unique(a).tolist():
        if 0 <= c < len(r) and r[c] >= 0 and a[r[c]] != c:
            bad.add(c)
    return sorted(bad)


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
    a = assignment_columns(problem, assignment)
    loads = column_loads(problem, a)
    over, under = balance_excess(problem, loads)
    T = np.maximum(problem.targets(), 1e-12)
    dev_all = max_deviation_pct(loads, problem.targets())
    out: list[str] = []
    dev: dict[str, float] = {}
    exc: dict[str, float] = {}
    for m, b in enumerate(problem.balance):
        rel = (over[:, m] + under[:, m]) / T[:, m]
        dev[b.measure] = float(dev_all[m])
        exc[b.measure] = worst = float(100.0 * rel.max(initial=0.0))
        if b.penalty is None and worst > 1e-6:
            out.append(
                f"{int((rel > 1e-8).sum())} territories are outside the {b.measure!r} bounds "
                f"(worst by {worst:.2f} % of a target)"
            )
    out += _home_and_lock_breaks(problem, a)
    dis = plan_disruption(problem, a)
    if problem.disruption_budget is not None and dis > problem.disruption_budget + 1e-6:
        out.append(f"disruption {dis:g} exceeds the budget {problem.disruption_budget:g}")
    if problem.contiguity is not None and problem.graph is not None:
        broken = disconnected_columns(adjacency_matrix(problem.neighbors()), a, problem.roots)
        if broken:
            names = ", ".join(str(problem.rep_ids[c]) for c in broken[:5])
            out.append(f"{len(broken)} territories are not connected ({names})")
    return PlanCheck(not out, dev, exc, tuple(out))


def _home_and_lock_breaks(problem: TerritoryProblem, a: np.ndarray) -> list[str]:
    """Sentences for reps not holding their home and units away from their locked rep."""
    out = [
        f"rep {problem.rep_ids[c]!r} does not hold its home unit"
        for c, r in enumerate(problem.roots.tolist())
        if r >= 0 and a[r] != c
    ]
    out += [
        f"unit {problem.unit_ids[i]!r} is not with the rep it is locked to"
        for i, c in problem.locks
        if a[i] != c
    ]
    return out
