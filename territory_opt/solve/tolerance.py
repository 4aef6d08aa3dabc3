"""Which balance tolerance makes a problem infeasible, and the smallest one that works.

When the hard constraints contradict each other, :func:`explain_balance` says it in the
user's words: which measure cannot be balanced at the given tolerance, which territory
is furthest from its target in the best plan found, a tolerance proven infeasible and
the smallest one found feasible, with the fix as a CLI option
(``--balance workload=0.02``).

Each measure is tried alone: the other measures keep their tolerance and this one is
bisected between the given tolerance (proven infeasible by the caller's solve) and a
tolerance at which a plan exists. A probe is a feasibility MILP on the same model (no
objective, time-capped) started from the construction heuristic; a probe the MILP
proves infeasible moves the lower end, a plan moves the upper end to the plan's own
largest deviation (a plan meeting ``t`` meets every tolerance from its deviation up).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from ..problem.territory_problem import TerritoryProblem

__all__ = ["ToleranceFinding", "explain_balance", "min_feasible_tolerance"]

_LADDER = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.99)


@dataclass(frozen=True)
class ToleranceFinding:
    """The result of :func:`min_feasible_tolerance` for one measure.

    Attributes
    ----------
    measure : str
    given : float
        The tolerance asked for (relative, 0.001 = ±0.1 %).
    infeasible : float
        Largest tolerance proven infeasible (at least ``given``).
    feasible : float or None
        Smallest tolerance at which a plan was found (the largest relative deviation of
        that plan on ``measure``), or None if none was found in the time.
    territory : object or None
        The rep whose territory is furthest from its ``measure`` target in that plan.
    """

    measure: str
    given: float
    infeasible: float
    feasible: float | None
    territory: object | None


def _with_tolerance(problem: TerritoryProblem, measure: str, tol: float) -> TerritoryProblem:
    bal = tuple(
        dataclasses.replace(b, tolerance=tol) if b.measure == measure else b
        for b in problem.balance
    )
    return dataclasses.replace(
        problem,
        balance=bal,
        cost=np.zeros_like(problem.cost),
        objective="cost",
        disruption_weight=0.0,
        tie_break=False,
        _cache={},
    )


def _deviation(problem: TerritoryProblem, asg: np.ndarray, m: int) -> np.ndarray:
    tot = np.zeros(problem.n_columns)
    np.add.at(tot, asg, problem.balance_matrix()[:, m])
    T = problem.targets()[:, m]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(T > 0, np.abs(tot / T - 1.0), 0.0)


_SMALL = 20_000  # assignments: below this the MILP alone decides each probe


def _probe(
    problem: TerritoryProblem, solver: str, seconds: float, threads: int
) -> tuple[str, np.ndarray | None]:
    """``("feasible", plan)``, ``("infeasible", None)`` (proven) or ``("unknown", None)``.

    Small problems go straight to the feasibility MILP (it proves either answer in
    milliseconds, while the heuristic would spend its whole time on an infeasible
    tolerance); large ones try the heuristic first.
    """
    from .pipeline import _heuristic_plan, _solve_plain

    h_time = 0.0 if problem.n_units * problem.n_columns <= _SMALL else min(0.4 * seconds, 10.0)
    if h_time > 0:
        plan, ok, _ = _heuristic_plan(problem, seed=0, time_limit=h_time)
        if plan is not None and ok:
            return "feasible", plan
    raw, _, asg = _solve_plain(
        problem, solver, time_limit=max(seconds - h_time, 1.0), gap=1.0, threads=threads,
        seed=0, start=None,
    )  # fmt: skip
    if raw.status == "infeasible":
        return "infeasible", None
    if asg is not None and raw.status in ("optimal", "feasible"):
        return "feasible", asg
    return "unknown", None


def min_feasible_tolerance(
    problem: TerritoryProblem,
    measure: str,
    solver: str = "highs",
    *,
    time_limit: float = 30.0,
    threads: int = 1,
    precision: float = 0.001,
) -> ToleranceFinding:
    """Bisect the tolerance of ``measure`` (the others kept) for the smallest feasible one.

    Parameters
    ----------
    problem : TerritoryProblem
        An infeasible problem with a hard tolerance on ``measure`` (fixed centres).
    measure : str
    solver : {"highs", "cbc"}
    time_limit : float
        Seconds for the whole search; each probe gets a share.
    precision : float
        Stop when the feasible and infeasible tolerances are this close (absolute).
    """
    m = problem.balance_measures.index(measure)
    given = problem.balance[m].tolerance
    if given is None:
        raise ValueError(f"measure {measure!r} has no tolerance to widen.")
    t0 = time.perf_counter()
    lo, hi, plan = float(given), None, None
    per = max(time_limit / 8.0, 1.0)

    def left() -> float:
        return time_limit - (time.perf_counter() - t0)

    for t in (x for x in _LADDER if x > lo):
        if left() < 1.0:
            break
        status, asg = _probe(
            _with_tolerance(problem, measure, t), solver, min(per, left()), threads
        )
        if status == "feasible" and asg is not None:
            plan = asg
            hi = float(_deviation(problem, asg, m).max())
            break
        if status == "infeasible":
            lo = t
    while hi is not None and hi - lo > precision and left() >= 1.0:
        mid = 0.5 * (lo + hi)
        status, asg = _probe(
            _with_tolerance(problem, measure, mid), solver, min(per, left()), threads
        )
        if status == "feasible" and asg is not None:
            plan = asg
            hi = min(mid, float(_deviation(problem, asg, m).max()))
        elif status == "infeasible":
            lo = mid
        else:
            break  # no conclusion within the probe's time: stop here
    territory = None
    if plan is not None:
        territory = problem.rep_ids[int(np.argmax(_deviation(problem, plan, m)))]
    return ToleranceFinding(measure, float(given), lo, hi, territory)


def _pct(x: float) -> str:
    return f"{100 * x:.3g} %"


def explain_balance(
    problem: TerritoryProblem, solver: str = "highs", *, time_limit: float = 30.0, threads: int = 1
) -> list[str]:
    """Sentences naming the measure, the territory and the tolerance that would work.

    For each hard balance measure (other measures kept at their tolerance), the smallest
    tolerance found feasible and the largest proven infeasible, e.g. "'workload' cannot
    be balanced within ±0.1 %: ... Fix: --balance workload=0.004". Empty when no single
    measure explains the infeasibility in the time given.
    """
    if problem.free_centres:
        return []
    hard = [b.measure for b in problem.balance if b.hard and b.tolerance is not None]
    out: list[str] = []
    t0 = time.perf_counter()
    for k, measure in enumerate(hard):
        budget = (time_limit - (time.perf_counter() - t0)) / (len(hard) - k)
        if budget < 1.0:
            break
        f = min_feasible_tolerance(problem, measure, solver, time_limit=budget, threads=threads)
        if f.feasible is None:
            continue
        names = problem.reps["name"] if "name" in problem.reps.columns else None
        who = str(f.territory)
        if names is not None and f.territory in names.index:
            who += f" ({names[f.territory]})"
        fix = math.ceil(f.feasible * 10000 - 1e-6) / 10000
        out.append(
            f"{measure!r} cannot be balanced within ±{_pct(f.given)} "
            f"(±{_pct(f.infeasible)} is proven infeasible); the smallest tolerance found feasible "
            f"is ±{_pct(f.feasible)}, with territory {who} furthest from its {measure} target. "
            f"Fix: --balance {measure}={fix:g}"
        )
    return out
