"""Before and after a solve: necessary conditions for feasibility, and why a problem is infeasible.

:func:`precheck` lists violated necessary conditions (a unit larger than any territory's
upper bound, lower bounds adding up to more than the total, a rep whose reachable units
cannot reach its lower bound, locks overfilling a territory, a disruption budget below what
pruning/locks force); :func:`diagnose` then relaxes one constraint group at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..milp.backends import RawResult as _Raw
from ..milp.model import MilpModel, allowed_mask
from ..problem.territory_problem import TerritoryProblem
from .plain import _solve_plain

__all__ = ["dense_blockers", "diagnose", "precheck"]

Finding = tuple[str, str]
_Solved = tuple[_Raw, MilpModel, np.ndarray | None]
_Relax = Callable[[TerritoryProblem, float], _Solved]


def _pct(x: float) -> str:
    return f"{100 * x:.3g} %"


def _reachable(problem: TerritoryProblem, allowed: np.ndarray, c: int) -> np.ndarray:
    ok = allowed[:, c].copy()
    root = int(problem.roots[c])
    if problem.contiguity is None or root < 0:
        return ok
    from ..milp.contiguity import _bfs_within

    d = _bfs_within(problem.neighbors(), root, ok)
    return np.asarray(np.isfinite(d))


@dataclass(frozen=True)
class _Loads:
    """What every check reads: allowed assignments, balanced values, bounds and targets."""

    problem: TerritoryProblem
    mask: np.ndarray
    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    totals: np.ndarray
    T: np.ndarray

    def label(self, c: int) -> str:
        """``rep 'A'`` (fixed centres) or ``centre 'u3'`` (free centres) for column ``c``."""
        p = self.problem
        if p.free_centres:
            return f"centre {p.unit_ids[int(p.roots[c])]!r}"
        return f"rep {p.rep_ids[c]!r}"


def _findings(problem: TerritoryProblem, allowed: np.ndarray | None = None) -> list[Finding]:
    """Violated necessary conditions as ``(kind, sentence)``; see :func:`precheck`.

    Kinds: ``"lock"``, ``"dense"`` (one unit above a bound), ``"total"``, ``"reach"``,
    ``"forced"`` (home and locks above a bound), ``"enclave"`` (the same with units only
    that territory can reach), ``"budget"``.
    """
    mask = allowed_mask(problem) if allowed is None else allowed
    a = problem.balance_matrix()
    lo, hi = problem.bounds()
    ld = _Loads(problem, mask, a, lo, hi, a.sum(axis=0), problem.targets())
    out = _lock_findings(ld, pruned=allowed is not None)
    reach_all: np.ndarray | None = None
    for m, bal in enumerate(problem.balance):
        if not bal.hard or ld.totals[m] <= 0:
            continue
        out += _dense_findings(ld, m) + _total_findings(ld, m)
        if problem.free_centres:
            continue
        if reach_all is None:  # once for every measure (fixed centres only)
            reach_all = np.column_stack(
                [_reachable(problem, mask, c) for c in range(problem.n_columns)]
            )
        for c in range(problem.n_columns):
            out += _territory_findings(ld, m, c, reach_all)
    return out + _budget_findings(ld)


def _lock_findings(ld: _Loads, pruned: bool) -> list[Finding]:
    """Locked units no contiguous territory can join to their rep's home."""
    p, out = ld.problem, []
    if p.contiguity is None or p.free_centres:
        return []
    for i, c in p.locks:
        if int(p.roots[c]) >= 0 and not _reachable(p, ld.mask, c)[i]:
            out.append(
                (
                    "lock",
                    f"unit {p.unit_ids[i]!r} is locked to {ld.label(c)}, but no contiguous "
                    f"territory can join it to the home {p.unit_ids[int(p.roots[c])]!r} "
                    "without crossing units that must belong to other reps (their homes or locks"
                    + (", or pruning" if pruned else "")
                    + "); remove or change the lock, also lock the units in between to "
                    f"{ld.label(c)}, or set contiguity=None",
                )
            )
    return out


def _dense_findings(ld: _Loads, m: int) -> list[Finding]:
    """Units holding more of measure ``m`` than any territory they may join may hold."""
    name, A, a = ld.problem.balance[m].measure, ld.totals[m], ld.a
    cap = np.where(ld.mask, ld.hi[None, :, m], -np.inf).max(axis=1)
    big = np.flatnonzero(a[:, m] > cap + 1e-9 * max(A, 1.0))
    return [
        (
            "dense",
            f"unit {ld.problem.unit_ids[i]!r} alone holds {_pct(a[i, m] / A)} of {name} but a territory it may join "
            f"may hold at most {_pct(cap[i] / A)}",
        )
        for i in big[:5].tolist()
    ]


def _total_findings(ld: _Loads, m: int) -> list[Finding]:
    """The territories' lower (upper) bounds adding up to more (less) than the total."""
    p, name, A, out = ld.problem, ld.problem.balance[m].measure, ld.totals[m], []
    if p.free_centres:
        lo, hi, who = p.k * ld.lo[0, m], p.k * ld.hi[0, m], f"the {p.k} territories'"
    else:
        lo, hi, who = ld.lo[:, m].sum(), ld.hi[:, m].sum(), "the territories'"
    if lo > A * (1 + 1e-9):
        out.append(
            ("total", f"{who} lower bounds for {name} add up to {_pct(lo / A)} of the total")
        )
    if hi < A * (1 - 1e-9):
        out.append(
            ("total", f"{who} upper bounds for {name} add up to only {_pct(hi / A)} of the total")
        )
    return out


def _territory_findings(ld: _Loads, m: int, c: int, reach_all: np.ndarray) -> list[Finding]:
    """Column ``c`` cannot reach its lower bound, or must take more than its upper bound."""
    p, a, lo, hi, T = ld.problem, ld.a, ld.lo, ld.hi, ld.T
    name, out = p.balance[m].measure, []
    reach = reach_all[:, c]
    got = float(a[reach, m].sum())
    if got < lo[c, m] * (1 - 1e-9):
        out.append(
            (
                "reach",
                f"{ld.label(c)}'s reachable units sum to at most {_pct(got / T[c, m])} of its {name} target "
                f"(needs at least {_pct(lo[c, m] / T[c, m])})"
                + ("; pruning or contiguity cuts it off" if p.contiguity is not None else ""),
            )
        )
    forced = ld.mask[:, c] & (ld.mask.sum(axis=1) == 1)
    # with contiguity, a unit that no other home can reach must join this territory
    captive = reach & (reach_all.sum(axis=1) == 1) & ~forced
    if p.contiguity is None:
        captive[:] = False
    held = float(a[forced | captive, m].sum())
    if held > hi[c, m] * (1 + 1e-9):
        out.append(
            (
                "enclave" if captive.any() else "forced",
                f"units that must join {ld.label(c)} ({_who(p, captive)}) hold {_pct(held / T[c, m])} of its {name} target, "
                f"above the upper bound {_pct(hi[c, m] / T[c, m])}"
                + (
                    "; share the dense unit (territory_opt.studies.sharing) or widen the tolerance"
                    if captive.any()
                    else ""
                ),
            )
        )
    return out


def _who(p: TerritoryProblem, captive: np.ndarray) -> str:
    """The units forced into a territory, in words."""
    if not captive.any():
        return "its home and locks"
    ids = [repr(p.unit_ids[i]) for i in np.flatnonzero(captive)[:3].tolist()]
    more = "" if captive.sum() <= 3 else f" and {int(captive.sum()) - 3} more"
    return (
        f"its home, its locks, and enclave {', '.join(ids)}{more}, which no other "
        "home can reach without crossing this territory"
    )


def _budget_findings(ld: _Loads) -> list[Finding]:
    """A disruption budget below what locks, homes and pruning force."""
    p = ld.problem
    v = p.disruption_values()
    if v is None or p.disruption_budget is None or p.baseline is None:
        return []
    b = np.asarray(p.baseline)
    must = (b >= 0) & ~ld.mask[np.arange(p.n_units), np.clip(b, 0, None)]
    forced = float(v[must].sum())
    total = float(p.measures[p.disruption].sum()) if p.disruption else 1.0
    if forced <= p.disruption_budget + 1e-9:
        return []
    return [
        (
            "budget",
            f"disruption budget {p.disruption_budget:g} ({_pct(p.disruption_budget / total)}) is below the "
            f"minimum {forced:g} ({_pct(forced / total)}) forced by locks/homes/pruning",
        )
    ]


def precheck(problem: TerritoryProblem, allowed: np.ndarray | None = None) -> list[str]:
    """Necessary conditions for feasibility; one sentence per violated condition.

    Parameters
    ----------
    problem : TerritoryProblem
    allowed : numpy.ndarray, optional
        Allowed assignments (pruning); default none pruned.

    Returns
    -------
    list of str
        Empty when no impossibility was detected (which does not prove feasibility).
    """
    return [sentence for _, sentence in _findings(problem, allowed)]


def dense_blockers(problem: TerritoryProblem) -> list[str]:
    """The :func:`precheck` sentences that sharing dense units can lift.

    A unit holding more than a territory may, or a home whose enclaves (units no other
    home can reach) overload its territory: splitting the dense units into pieces
    (:mod:`territory_opt.studies.sharing`) removes both. Tolerances, budgets and locks are not
    in this list: sharing does not help with those.
    """
    return [s for kind, s in _findings(problem) if kind in ("dense", "enclave")]


def diagnose(
    problem: TerritoryProblem, solver: str = "highs", *, time_limit: float = 30.0, threads: int = 1
) -> list[str]:
    """Explain why ``problem`` is infeasible: pre-checks, then relaxation solves.

    Relaxes one constraint group at a time (disruption budget; contiguity; hard balance
    made soft) and says which relaxation restores feasibility and by how much.

    Returns
    -------
    list of str
        Sentences (possibly empty if nothing conclusive was found in the time limit).
    """
    out = precheck(problem)
    if out:
        return out
    each = max(time_limit / 3.0, 1.0)

    def relax(p: TerritoryProblem, gap: float) -> _Solved:
        return _solve_plain(
            p, solver, time_limit=each, gap=gap, threads=threads, seed=0, start=None
        )

    if problem.disruption_budget is not None and problem.disruption is not None:
        sentence, conclusive = _relax_budget(problem, relax)
        if sentence is not None:
            out.append(sentence)
        if conclusive:
            return out
        if sentence is None:  # infeasible even without the budget: look further
            problem = problem.replace(disruption_budget=None)
    if problem.contiguity is not None:
        sentence = _relax_contiguity(problem, relax)
        if sentence is not None:
            return [*out, sentence]
    if any(b.hard for b in problem.balance):
        out.extend(_relax_balance(problem, relax))
        from .tolerance import explain_balance

        out.extend(explain_balance(problem, solver, time_limit=max(each, 10.0), threads=threads))
    return out


def _relax_budget(problem: TerritoryProblem, relax: _Relax) -> tuple[str | None, bool]:
    """(sentence, conclusive) from the fewest changes without the budget.

    ``(None, False)``: infeasible without the budget too, so the budget is not the cause.
    """
    relaxed = problem.replace(
        disruption_budget=None, objective="disruption", disruption_weight=0.0, tie_break=False
    )
    raw, _, _ = relax(relaxed, 0.0)
    total = float(problem.measures[str(problem.disruption)].sum())
    budget = float(problem.disruption_budget or 0.0)
    if raw.status == "optimal" and raw.objective is not None:
        return (
            f"disruption budget {budget:g} ({_pct(budget / total)}) is below the minimum {raw.objective:.6g} "
            f"({_pct(raw.objective / total)}) needed"
        ), True
    if raw.bound is not None and raw.bound > budget + 1e-9:
        return (
            f"disruption budget {budget:g} ({_pct(budget / total)}) is below the minimum needed, which is at "
            f"least {raw.bound:.6g} ({_pct(raw.bound / total)})"
        ), True
    if raw.status == "infeasible":
        return None, False
    return "the disruption budget may be too tight (no conclusion within the time limit)", False


def _relax_contiguity(problem: TerritoryProblem, relax: _Relax) -> str | None:
    """A sentence when the problem is feasible without contiguity."""
    raw, _, _ = relax(problem.replace(contiguity=None, tie_break=False), 1.0)
    if raw.status not in ("optimal", "feasible"):
        return None
    return (
        "the balance bounds can be met, but not with contiguous territories rooted at the homes "
        f"(contiguity mode {problem.contiguity!r}); widen the tolerances"
        + (
            " or use the exact 'flow'/'cuts' mode (shortest-path constraints restrict the plans)"
            if problem.contiguity == "sp"
            else ""
        )
    )


def _relax_balance(problem: TerritoryProblem, relax: _Relax) -> list[str]:
    """The smallest total excess over the balance bounds (soft bounds, zero costs)."""
    soft = tuple(dataclasses.replace(b, penalty=1.0) if b.hard else b for b in problem.balance)
    relaxed = problem.replace(
        balance=soft,
        objective="cost",
        tie_break=False,
        disruption_budget=None,
        disruption_weight=0.0,
    )
    zero_cost = dataclasses.replace(relaxed, cost=np.zeros_like(relaxed.cost), _cache={})
    raw, model, _ = relax(zero_cost, 0.0)
    if raw.values is None:
        return []
    dev = model.evaluate(raw.values).get("penalty", 0.0)
    return [
        f"the balance tolerances cannot all be met: the smallest total excess over the bounds is "
        f"{_pct(dev)} of a target (summed over territories and measures)"
    ]
