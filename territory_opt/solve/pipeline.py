"""Solve a :class:`~territory_opt.problem.territory_problem.TerritoryProblem`: the :func:`optimize` entry point.

Pipeline
--------
1. **Pre-checks** (:func:`precheck`): cheap necessary conditions (a unit larger than any
   territory's upper bound, lower bounds adding up to more than the total, a rep whose
   reachable units cannot reach its lower bound, locks overfilling a territory, a
   disruption budget below what pruning/locks force). Failing ones raise
   :class:`~territory_opt.exceptions.InfeasibleError` before any solve.
2. **Warm start**: the construction heuristic of :mod:`territory_opt.heuristics.build` (when
   installed) builds a plan; it is passed to the solver as a MIP start and its
   assignments are always kept by the pruning, so pruning never loses it.
3. **Pruning** (``nearest`` / ``radius``): each unit keeps its nearest centres (plus
   its home, baseline rep, lock and warm-start rep). If the pre-checks fail on the pruned
   problem, or the solver proves it infeasible, the problem is re-solved *unpruned* and
   the report says so: pruning never makes a feasible problem infeasible silently.
4. **MILP** with HiGHS (``highspy`` directly: bulk model load, MIP start, real
   ``mip_dual_bound`` / ``mip_gap``) or CBC (PuLP's bundled ``PULP_CBC_CMD``; the bound
   and gap are parsed from its log). ``"cuts"`` contiguity loops solve → separate → re-solve.
0. A named objective with a second stage (``objective="changes", then=...``, ``"redeploy"``)
   is solved in two stages by :mod:`territory_opt.solve.lexicographic`.
5. **Lexicographic tie-break** (``problem.tie_break``): optimise the other objective with
   the main one held at its proven optimum.
6. If infeasible, **diagnose** by relaxing constraint groups (disruption budget,
   contiguity, balance) and raise :class:`InfeasibleError` with sentences.

Status is ``"optimal"`` only when optimality is *proved for the problem as stated*
(|objective - bound| <= 1e-6 max(1, |objective|) with a bound valid for it): a pruned or
``"sp"`` model proved optimal is ``"feasible"``, "optimal within the restricted model"
(``SolveReport.restricted_optimal``; :mod:`territory_opt.solve.bounds`); ``"feasible"`` for a
plan with a larger or unknown gap (e.g. stopped at the requested gap or the time limit),
``"infeasible"`` or ``"no_solution"``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InfeasibleError, Problem, SolverError, ValidationError
from ..heuristics import _workclock
from ..heuristics.instance import heuristic_instance
from ..milp.backends import RawResult as _Raw
from ..milp.backends import proven as _proven
from ..milp.backends import run_cbc as _run_cbc
from ..milp.backends import run_highs as _run_highs
from ..milp.backends.scip import run_scip as _run_scip
from ..milp.connectivity_handler import ConnectivityGraph, connectivity_graph
from ..milp.contiguity import cut_rows, free_cut_rows, free_units, neighbor_rows, repair_free
from ..milp.model import MilpModel, allowed_mask, build_model, start_vector
from ..plan.alignment import Alignment, SolveReport
from ..problem.territory_problem import TerritoryProblem
from .bounds import best, problem_floor, restriction, settle
from .progress import ProgressEvent, Reporter

__all__ = ["SOLVERS", "diagnose", "optimize", "precheck", "solve_model"]

logger = logging.getLogger(__name__)

SOLVERS = ("highs", "cbc", "scip")


def solve_model(
    model: MilpModel,
    solver: str = "highs",
    *,
    time_limit: float = 60.0,
    gap: float = 0.005,
    threads: int = 1,
    seed: int = 0,
    start: np.ndarray | None = None,
    connectivity: ConnectivityGraph | None = None,
) -> _Raw:
    """Solve a :class:`~territory_opt.milp.model.MilpModel` with ``"highs"``, ``"cbc"`` or ``"scip"``.

    ``connectivity`` (SCIP only) enforces connected territories inside the search tree.

    Returns a private record with ``status``, ``values``, ``objective``, ``bound``,
    ``gap``, ``seconds`` and ``message``; :func:`optimize` is the public entry point.
    """
    name = _solver_name(solver)
    run = {"highs": _run_highs, "cbc": _run_cbc, "scip": _run_scip}[name]
    extra = {} if connectivity is None else {"connectivity": connectivity}
    try:
        raw = run(
            model, time_limit=time_limit, gap=gap, threads=threads, seed=seed, start=start, **extra
        )
    except SolverError:
        raise
    except Exception as exc:  # a crash inside the solver or its wrapper
        raise SolverError(
            f"{name} crashed ({type(exc).__name__}: {exc}); no plan was returned and no output "
            "was written. Retry with the other solver, a shorter time_limit or a smaller model "
            "(nearest=, coarser units)."
        ) from exc
    _check_raw(raw, model, name)
    logger.info(
        "%s: %s, objective %s, bound %s, gap %s, %.1f s",
        name,
        raw.status,
        _fmt(raw.objective),
        _fmt(raw.bound),
        _fmt(raw.gap),
        raw.seconds,
    )
    return raw


_STATUSES = ("optimal", "feasible", "infeasible", "no_solution")


def _check_raw(raw: Any, model: MilpModel, name: str) -> None:
    """Refuse a solver answer that cannot be trusted (unknown status, garbage values)."""
    if not isinstance(raw, _Raw) or raw.status not in _STATUSES:
        raise SolverError(
            f"{name} returned an unusable answer ({raw!r:.200}); no plan was returned."
        )
    if raw.values is None:
        return
    v = np.asarray(raw.values)
    if v.shape != (model.n_cols,) or not np.all(np.isfinite(v)):
        raise SolverError(
            f"{name} returned a solution of shape {v.shape} with "
            f"{int((~np.isfinite(v)).sum()) if v.dtype.kind == 'f' else '?'} non-finite value(s) "
            f"for a model of {model.n_cols} variables; no plan was returned."
        )
    xv = np.where(model.x >= 0, v[np.clip(model.x, 0, None)], 0.0)
    share = xv.sum(axis=1)
    if raw.status in ("optimal", "feasible") and (
        np.abs(share - 1.0).max(initial=0.0) > 1e-3
        or np.abs(xv - np.round(xv)).max(initial=0.0) > 1e-3
    ):
        raise SolverError(
            f"{name} reported a {raw.status} plan in which some unit is not assigned to exactly "
            "one rep; no plan was returned. Retry with the other solver."
        )


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.6g}"


def _solver_name(solver: str) -> str:
    name = str(solver).lower()
    if name not in SOLVERS:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    f"solver={solver!r}",
                    f"unknown solver {solver!r}.",
                    "use 'highs' (default) or 'cbc', or 'scip' (pip install 'territory-opt[scip]').",
                )
            ]
        )
    return name


# ---------------------------------------------------------------------- pre-checks


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


def _findings(
    problem: TerritoryProblem, allowed: np.ndarray | None = None
) -> list[tuple[str, str]]:
    """Violated necessary conditions as ``(kind, sentence)``; see :func:`precheck`.

    Kinds: ``"lock"``, ``"dense"`` (one unit above a bound), ``"total"``, ``"reach"``,
    ``"forced"`` (home and locks above a bound), ``"enclave"`` (the same with units only
    that territory can reach), ``"budget"``.
    """
    mask = allowed_mask(problem) if allowed is None else allowed
    out: list[tuple[str, str]] = []
    a = problem.balance_matrix()
    lo, hi = problem.bounds()
    totals = a.sum(axis=0)
    T = problem.targets()
    k = problem.k
    rep_label = (
        (lambda c: f"rep {problem.rep_ids[c]!r}")
        if not problem.free_centres
        else (lambda c: f"centre {problem.unit_ids[int(problem.roots[c])]!r}")
    )
    if problem.contiguity is not None and not problem.free_centres:
        for i, c in problem.locks:
            if int(problem.roots[c]) >= 0 and not _reachable(problem, mask, c)[i]:
                out.append(
                    (
                        "lock",
                        f"unit {problem.unit_ids[i]!r} is locked to {rep_label(c)}, but no contiguous "
                        f"territory can join it to the home {problem.unit_ids[int(problem.roots[c])]!r} "
                        "without crossing units that must belong to other reps (their homes or locks"
                        + (", or pruning" if allowed is not None else "")
                        + "); remove or change the lock, also lock the units in between to "
                        f"{rep_label(c)}, or set contiguity=None",
                    )
                )
    reach_all: np.ndarray | None = None
    for m, bal in enumerate(problem.balance):
        if not bal.hard or totals[m] <= 0:
            continue
        name = bal.measure
        A = totals[m]
        cap = np.where(mask, hi[None, :, m], -np.inf).max(axis=1)
        big = np.flatnonzero(a[:, m] > cap + 1e-9 * max(A, 1.0))
        for i in big[:5].tolist():
            out.append(
                (
                    "dense",
                    f"unit {problem.unit_ids[i]!r} alone holds {_pct(a[i, m] / A)} of {name} but a territory it may join "
                    f"may hold at most {_pct(cap[i] / A)}",
                )
            )
        if problem.free_centres:
            if k * lo[0, m] > A * (1 + 1e-9):
                out.append(
                    (
                        "total",
                        f"the {k} territories' lower bounds for {name} add up to {_pct(k * lo[0, m] / A)} of the total",
                    )
                )
            if k * hi[0, m] < A * (1 - 1e-9):
                out.append(
                    (
                        "total",
                        f"the {k} territories' upper bounds for {name} add up to only {_pct(k * hi[0, m] / A)} of the total",
                    )
                )
            continue
        if lo[:, m].sum() > A * (1 + 1e-9):
            out.append(
                (
                    "total",
                    f"the territories' lower bounds for {name} add up to {_pct(lo[:, m].sum() / A)} of the total",
                )
            )
        if hi[:, m].sum() < A * (1 - 1e-9):
            out.append(
                (
                    "total",
                    f"the territories' upper bounds for {name} add up to only {_pct(hi[:, m].sum() / A)} of the total",
                )
            )
        if reach_all is None:  # once for every measure (fixed centres only)
            reach_all = np.column_stack(
                [_reachable(problem, mask, c) for c in range(problem.n_columns)]
            )
        for c in range(problem.n_columns):
            reach = reach_all[:, c]
            got = float(a[reach, m].sum())
            if got < lo[c, m] * (1 - 1e-9):
                out.append(
                    (
                        "reach",
                        f"{rep_label(c)}'s reachable units sum to at most {_pct(got / T[c, m])} of its {name} target "
                        f"(needs at least {_pct(lo[c, m] / T[c, m])})"
                        + (
                            "; pruning or contiguity cuts it off"
                            if problem.contiguity is not None
                            else ""
                        ),
                    )
                )
            forced = mask[:, c] & (mask.sum(axis=1) == 1)
            # with contiguity, a unit that no other home can reach must join this territory
            captive = reach & (reach_all.sum(axis=1) == 1) & ~forced
            if problem.contiguity is None:
                captive[:] = False
            held = float(a[forced | captive, m].sum())
            if held > hi[c, m] * (1 + 1e-9):
                who = "its home and locks"
                if captive.any():
                    ids = [repr(problem.unit_ids[i]) for i in np.flatnonzero(captive)[:3].tolist()]
                    more = "" if captive.sum() <= 3 else f" and {int(captive.sum()) - 3} more"
                    who = (
                        f"its home, its locks, and enclave {', '.join(ids)}{more}, which no other "
                        "home can reach without crossing this territory"
                    )
                out.append(
                    (
                        "enclave" if captive.any() else "forced",
                        f"units that must join {rep_label(c)} ({who}) hold {_pct(held / T[c, m])} of its {name} target, "
                        f"above the upper bound {_pct(hi[c, m] / T[c, m])}"
                        + (
                            "; share the dense unit (territory_opt.studies.sharing) or widen the tolerance"
                            if captive.any()
                            else ""
                        ),
                    )
                )
    v = problem.disruption_values()
    if v is not None and problem.disruption_budget is not None and problem.baseline is not None:
        b = np.asarray(problem.baseline)
        must = (b >= 0) & ~mask[np.arange(problem.n_units), np.clip(b, 0, None)]
        forced = float(v[must].sum())
        total = float(problem.measures[problem.disruption].sum()) if problem.disruption else 1.0
        if forced > problem.disruption_budget + 1e-9:
            out.append(
                (
                    "budget",
                    f"disruption budget {problem.disruption_budget:g} ({_pct(problem.disruption_budget / total)}) is below the "
                    f"minimum {forced:g} ({_pct(forced / total)}) forced by locks/homes/pruning",
                )
            )
    return out


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
    if problem.disruption_budget is not None and problem.disruption is not None:
        relaxed = problem.replace(
            disruption_budget=None, objective="disruption", disruption_weight=0.0, tie_break=False
        )
        raw, model, _ = _solve_plain(
            relaxed, solver, time_limit=each, gap=0.0, threads=threads, seed=0, start=None
        )
        total = float(problem.measures[problem.disruption].sum())
        budget = problem.disruption_budget
        if raw.status == "optimal" and raw.objective is not None:
            out.append(
                f"disruption budget {budget:g} ({_pct(budget / total)}) is below the minimum {raw.objective:.6g} "
                f"({_pct(raw.objective / total)}) needed"
            )
            return out
        if raw.bound is not None and raw.bound > budget + 1e-9:
            out.append(
                f"disruption budget {budget:g} ({_pct(budget / total)}) is below the minimum needed, which is at "
                f"least {raw.bound:.6g} ({_pct(raw.bound / total)})"
            )
            return out
        if raw.status == "infeasible":
            problem = problem.replace(disruption_budget=None)
        else:
            out.append(
                "the disruption budget may be too tight (no conclusion within the time limit)"
            )
    if problem.contiguity is not None:
        relaxed = problem.replace(contiguity=None, tie_break=False)
        raw, _, _ = _solve_plain(
            relaxed, solver, time_limit=each, gap=1.0, threads=threads, seed=0, start=None
        )
        if raw.status in ("optimal", "feasible"):
            out.append(
                "the balance bounds can be met, but not with contiguous territories rooted at the homes "
                f"(contiguity mode {problem.contiguity!r}); widen the tolerances"
                + (
                    " or use the exact 'flow'/'cuts' mode (shortest-path constraints restrict the plans)"
                    if problem.contiguity == "sp"
                    else ""
                )
            )
            return out
    hard = [b for b in problem.balance if b.hard]
    if hard:
        soft = tuple(dataclasses.replace(b, penalty=1.0) if b.hard else b for b in problem.balance)
        relaxed = problem.replace(
            balance=soft,
            objective="cost",
            tie_break=False,
            disruption_budget=None,
            disruption_weight=0.0,
        )
        zero_cost = dataclasses.replace(relaxed, cost=np.zeros_like(relaxed.cost), _cache={})
        raw, model, _ = _solve_plain(
            zero_cost, solver, time_limit=each, gap=0.0, threads=threads, seed=0, start=None
        )
        if raw.values is not None:
            dev = model.evaluate(raw.values).get("penalty", 0.0)
            out.append(
                f"the balance tolerances cannot all be met: the smallest total excess over the bounds is "
                f"{_pct(dev)} of a target (summed over territories and measures)"
            )
        from .tolerance import explain_balance

        out.extend(explain_balance(problem, solver, time_limit=max(each, 10.0), threads=threads))
    return out


# ---------------------------------------------------------------------- warm start


def _heuristic_plan(
    problem: TerritoryProblem,
    *,
    seed: int,
    time_limit: float,
    start: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    depth: float = 1.0,
    deadline: float = np.inf,
) -> tuple[np.ndarray | None, bool, str]:
    """Column index per unit from the construction heuristic, or ``None``.

    ``depth`` scales the time limit of each recombination MILP (0.5 s per pair and 2 s
    per three-territory group at 1).
    """
    try:
        from ..heuristics import build as heuristics
    except ImportError:
        return None, False, "no heuristic module: solved without warm start"
    try:
        if problem.free_centres:
            from ..heuristics.free_centres import plan_free_centres

            fc = plan_free_centres(problem, seed=seed, time_limit=time_limit)
            msg = (
                f"heuristic plan (free centres, {fc.relocations} relocation(s)) in {fc.seconds:.1f} s: "
                f"{'feasible' if fc.feasible else f'violation {fc.max_violation:.3g}'}, cost {fc.cost:.6g}"
            )
            logger.info(msg)
            return fc.assignment, fc.feasible, msg
        if allowed is None and problem.locks:  # the heuristic must keep the locks too
            allowed = allowed_mask(problem)
        inst = heuristic_instance(problem, allowed=allowed)
        # work-counted (same plan under any load); the wall clock only caps it (_workclock)
        cap = min(_WALL_CAP * time_limit + 1.0, deadline - time.perf_counter())
        with _workclock.counted(problem.n_units, wall_cap=cap) as work:
            res = heuristics.build_plan(
                inst, seed=seed, time_limit=time_limit, start=start,
                recombination_seconds=0.5 * depth, group_seconds=2.0 * depth,
            )  # fmt: skip
    except Exception as exc:  # the heuristic is an optional helper: never fail the solve
        logger.warning("heuristic failed (%s): solving without warm start", exc)
        return None, False, f"heuristic failed: {exc}"
    asg = np.asarray(res.assignment, dtype=np.int64)
    how = "cut by the time limit" if work.capped else "counted"
    msg = f"heuristic plan in {min(res.seconds, work.t):.1f} s ({how}): {'feasible' if res.feasible else f'violation {res.max_violation:.3g}'}, cost {res.cost:.6g}"
    logger.info(msg)
    return asg, bool(res.feasible), msg


def _budget_start(
    problem: TerritoryProblem, *, seed: int, time_limit: float, deadline: float = np.inf
) -> tuple[np.ndarray | None, bool, str]:
    """Warm start under a disruption budget: the best plan, then walked back into the budget.

    Starting from the current plan and rebalancing keeps few accounts moving but lands on
    poor shapes (Normandy, 40 % budget: 35.0 M workload·km²). Planning without the budget
    first and then letting the budget-aware search pull units back to their current rep
    from that plan lands near the unconstrained optimum (19.4 M within the same 40 %). Half
    the time goes to each step; if the second step fails (a budget too tight to walk back
    to, e.g. 30 % there), the heuristic starts from the current plan with the full time
    again, as it did before this route existed.
    """
    free, free_ok, _ = _heuristic_plan(
        problem.replace(disruption_budget=None), seed=seed, time_limit=0.5 * time_limit,
        deadline=deadline,
    )  # fmt: skip
    if free is not None and free_ok:
        left = max(1.0, 0.5 * time_limit)  # counted work, not what the wall clock left
        plan, ok, msg = _heuristic_plan(
            problem, seed=seed, time_limit=left, start=free, deadline=deadline
        )
        if ok:
            return plan, ok, f"{msg} (from the plan without the budget, walked back into it)"
    # a tight budget: the walk back failed; start from the current plan with the full
    # heuristic time again (so a tight budget costs up to twice the heuristic time)
    left = time_limit
    plan, ok, msg = _heuristic_plan(problem, seed=seed, time_limit=left, deadline=deadline)
    return plan, ok, f"{msg} (from the current plan: the unbudgeted plan could not be walked back)"


# ---------------------------------------------------------------------- solve stages


def _decode(model: MilpModel, values: np.ndarray) -> np.ndarray:
    xv = np.where(model.x >= 0, values[np.clip(model.x, 0, None)], -1.0)
    return np.asarray(np.argmax(xv, axis=1), dtype=np.int64)


def _start_for(
    problem: TerritoryProblem, model: MilpModel, plan: np.ndarray | None
) -> np.ndarray | None:
    if plan is None:
        return None
    vals = start_vector(problem, model, plan)
    viol = model.max_violation(vals)
    if viol > 1e-6:
        logger.info("warm start violates the model by %.3g: passed as a partial hint only", viol)
        return vals if viol < np.inf else None
    return vals


_STALL_ROUNDS = 3
_STALL_GAIN = 1e-3
"""The cut loop stops when its bound gained less than this share of the incumbent in
``_STALL_ROUNDS`` rounds: on large instances each round then only moves the relaxed
solution's disconnected pieces around, and the time is better spent improving the plan."""
_LOOP_SHARE = 0.35
"""Once a connected plan is known, the cut loop starts no new round after this share of
its time: on Normandy the bound barely moves after the first rounds (17.36 -> 17.38 M in
60 rounds) while the heuristic's recombinations still improve the plan."""
_WALL_CAP = 3.0
"""The heuristic's counted work may take this many times its nominal time before the wall
clock cuts it (a loaded machine); ``SolveReport.work_capped`` then says so."""
_HEURISTIC_SHARE = 0.4
"""Default share of the time limit for the warm-start heuristic. On Normandy (17 homes,
60 s) the exact-contiguity bound comes from the first relaxation (≈15 s; later cut rounds
gain < 0.01 %) while the plan keeps improving with heuristic time: 10 s of heuristic gave
19.20 M (+10.6 % over the bound), 24 s gave 19.00 M (+9.5 %)."""


def _round_gap(gap: float, bound: float | None, incumbent: float) -> float:
    """MIP gap for one relaxation of the cut loop.

    A relaxation only has to be solved as tightly as the incumbent can use: when the best
    connected plan is far above the bound, proving the relaxation to ``gap`` wastes the
    time limit. Use a quarter of the current gap (at least ``gap``, at most 2 %); 1 %
    before any bound is known.
    """
    if not np.isfinite(incumbent):
        return gap
    if bound is None:
        return max(gap, 0.01)
    cur = abs(incumbent - bound) / max(abs(incumbent), 1e-10)
    return float(max(gap, min(0.02, 0.25 * cur)))


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
) -> tuple[_Raw, MilpModel, np.ndarray | None]:
    """Build and solve (with the cut loop for ``"cuts"``); return raw result, model, plan."""
    t0 = time.perf_counter()
    model = build_model(problem, allowed)
    # units with no cost, measure or lock only serve as corridors: relabelling them can
    # connect a relaxed solution without changing its objective
    free = np.zeros(problem.n_units, dtype=bool)
    if problem.contiguity == "cuts" and not problem.free_centres:
        free = free_units(model)
        model = model.with_rows(neighbor_rows(problem, model.x, free))
    sv = _start_for(problem, model, start)
    if problem.contiguity == "cuts" and solver == "scip":  # connectivity cuts inside SCIP's tree
        raw = solve_model(
            model, solver, time_limit=time_limit, gap=gap, threads=threads, seed=seed, start=sv,
            connectivity=connectivity_graph(problem, model),
        )  # fmt: skip
        return raw, model, (_decode(model, raw.values) if raw.values is not None else None)
    first_gap = gap
    first_limit = time_limit
    if problem.contiguity == "cuts" and sv is not None and model.max_violation(sv) <= 1e-6:
        first_gap = _round_gap(gap, None, model.evaluate(sv)["objective"])
        first_limit = max(1.0, _LOOP_SHARE * time_limit)  # the rest: rounds or polish
    raw = solve_model(
        model, solver, time_limit=first_limit, gap=first_gap, threads=threads, seed=seed,
        start=sv,
    )  # fmt: skip
    cur_gap = first_gap
    if problem.contiguity != "cuts":
        plan = _decode(model, raw.values) if raw.values is not None else None
        return raw, model, plan
    rounds = 0
    # best connected plan known (the warm start if it satisfies the model)
    best_plan: np.ndarray | None = None
    best_obj = np.inf
    if sv is not None and model.max_violation(sv) <= 1e-6:
        best_plan, best_obj = start, model.evaluate(sv)["objective"]
    bound = raw.bound
    repaired = 0
    history: list[float] = []
    stalled = shared = False

    def reserve() -> float:
        """Time kept for the polish: none until a connected plan is known."""
        return (1.0 - _LOOP_SHARE) * time_limit if np.isfinite(best_obj) else 0.0

    while raw.values is not None:
        plan = _decode(model, raw.values)
        rows = cut_rows(problem, model.x, plan)
        if raw.bound is not None:
            bound = raw.bound if bound is None else max(bound, raw.bound)
        if rows and free.any():
            fixed = repair_free(problem, model.x, plan, free)
            if fixed is not None:
                fv = start_vector(problem, model, fixed)
                fobj = model.evaluate(fv)["objective"]
                if model.max_violation(fv) <= 1e-6 and fobj < best_obj - 1e-9:
                    best_plan, best_obj = fixed, fobj
                    repaired += 1
            strong = free_cut_rows(problem, model.x, plan, free)
            if strong:
                rows = strong
        if not rows and cur_gap > gap and raw.gap is not None and raw.gap > gap:
            # connected, but this relaxation was solved loosely: finish it to the gap asked
            left = time_limit - (time.perf_counter() - t0)
            if left - reserve() > 1.0:
                cur_gap = gap
                raw = solve_model(
                    model, solver, time_limit=left - reserve(), gap=gap, threads=threads,
                    seed=seed, start=raw.values,
                )  # fmt: skip
                continue
        if not rows:
            if raw.objective is not None and raw.objective <= best_obj + 1e-9:
                return (
                    dataclasses.replace(
                        raw,
                        bound=bound,  # the best of every round, not only the last solve's
                        seconds=time.perf_counter() - t0,
                        message=f"{raw.message}; {rounds} cut round(s)",
                    ),
                    model,
                    plan,
                )
            break  # the relaxed optimum is connected but the incumbent is better
        rounds += 1
        model = model.with_rows(rows)
        left = time_limit - (time.perf_counter() - t0)
        logger.info(
            "cuts round %d: %d cut(s) added, bound %s, incumbent %.6g, %.1f s left",
            rounds,
            len(rows),
            _fmt(bound),
            best_obj,
            left,
        )
        if (
            bound is not None
            and np.isfinite(best_obj)
            and abs(best_obj - bound) <= gap * max(abs(best_obj), 1e-10)
        ):
            break
        if left <= 0.5:
            break
        if np.isfinite(best_obj) and left < reserve():
            shared = True  # the polish gets the rest
            break
        history.append(-np.inf if bound is None else bound)
        if (
            len(history) > _STALL_ROUNDS
            and np.isfinite(best_obj)
            and history[-1] - history[-1 - _STALL_ROUNDS] < _STALL_GAIN * abs(best_obj)
        ):
            stalled = True
            break
        sv = _start_for(problem, model, best_plan)
        cur_gap = _round_gap(gap, bound, best_obj)
        # with a connected plan known, a round must end within the loop's share
        raw = solve_model(
            model,
            solver,
            time_limit=max(1.0, left - reserve()),
            gap=cur_gap,
            threads=threads,
            seed=seed,
            start=sv,
        )
    seconds = time.perf_counter() - t0
    if raw.status == "infeasible" and best_plan is None:
        return dataclasses.replace(raw, seconds=seconds), model, None
    if best_plan is not None:
        bv = start_vector(problem, model, best_plan)
        g = None if bound is None else abs(best_obj - bound) / max(abs(best_obj), 1e-10)
        return (
            _Raw(
                "optimal" if _proven(best_obj, bound) else "feasible",
                bv,
                best_obj,
                bound,
                g,
                seconds,
                f"cut loop: {rounds} round(s); "
                + (
                    "best plan: a relaxed solution connected by relabelling units that carry "
                    f"nothing ({int(free.sum())} such units; improved {repaired} time(s))"
                    if repaired
                    else "the relaxed solutions were still disconnected, so the plan is the "
                    "best connected one known (the warm start)"
                )
                + "; the bound is the relaxation's"
                + (
                    f" (stalled: +{_STALL_GAIN:.1%} or less in {_STALL_ROUNDS} rounds)"
                    if stalled
                    else ""
                )
                + (
                    f" (stopped after {_LOOP_SHARE:.0%} of its time: the heuristic polishes "
                    "the plan with the rest)"
                    if shared
                    else ""
                ),
            ),
            model,
            best_plan,
        )
    return (
        _Raw(
            "no_solution",
            None,
            None,
            bound,
            None,
            seconds,
            f"cut loop stopped after {rounds} round(s) without a connected plan",
        ),
        model,
        None,
    )


def _plan_from_start(
    problem: TerritoryProblem, start: Mapping[Hashable, Hashable] | pd.Series | Alignment
) -> np.ndarray:
    if isinstance(start, Alignment):
        mapping: Mapping[Hashable, Hashable] = start.assignment.to_dict()
    elif isinstance(start, pd.Series):
        mapping = start.to_dict()
    else:
        mapping = start
    if problem.free_centres:
        raise ValidationError("start= plans are only supported with fixed centres.")
    cols = {r: c for c, r in enumerate(problem.rep_ids)}
    out = np.full(problem.n_units, -1, dtype=np.int64)
    for i, u in enumerate(problem.unit_ids):
        r = mapping.get(u)
        if r in cols:
            out[i] = cols[r]
    return out


def optimize(
    problem: TerritoryProblem,
    solver: str = "highs",
    *,
    time_limit: float = 60.0,
    gap: float = 0.005,
    threads: int = 1,
    warm_start: bool = True,
    seed: int = 0,
    nearest: int | None = None,
    radius: float | None = None,
    heuristic_time: float | None = None,
    start: Mapping[Hashable, Hashable] | pd.Series | Alignment | None = None,
    raise_infeasible: bool = True,
    max_bytes: int | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
) -> Alignment:
    """Solve a territory problem and return the best plan found.

    Parameters
    ----------
    problem : TerritoryProblem
    solver : {"highs", "cbc", "scip"}
        HiGHS (default, faster on our benchmarks), PuLP's bundled CBC, or SCIP (optional
        extra ``territory-opt[scip]``; with ``contiguity="cuts"`` it separates the
        connectivity cuts inside its branch-and-bound tree instead of the outer cut loop).
    time_limit : float
        Wall-clock seconds for the whole call (heuristic + solves), approximately.
    gap : float
        Relative MIP gap at which the solver may stop (0 = prove optimality).
    threads : int
        Solver threads.
    warm_start : bool
        Start from the construction heuristic's plan (when :mod:`territory_opt.heuristics.build`
        is available).
    seed : int
        Seed of the heuristic and HiGHS.
    nearest, radius : optional
        Prune each unit to its ``nearest`` cheapest centres and/or those within ``radius``
        (cost units). Homes, baseline reps, locks and the warm-start plan are kept; if the
        pruned problem is infeasible it is re-solved unpruned (said in the report).
    heuristic_time : float, optional
        Time for the heuristic (default 40 % of ``time_limit``; it stops sooner when it
        converges, as on small instances).
    start : mapping, Series or Alignment, optional
        A plan (unit -> rep) to use as warm start instead of the heuristic.
    raise_infeasible : bool
        Raise :class:`InfeasibleError` with a diagnosis when the problem is infeasible
        (default). If False, return an ``Alignment`` with status ``"infeasible"`` built
        from the best (violating) plan known, or raise if there is none.
    max_bytes : int, optional
        Memory limit for the model-size guard (:mod:`territory_opt.milp.size_guard`); default the
        machine's available memory. The guard warns above half of it and refuses above it.
    progress : callable, optional
        Called with a :class:`~territory_opt.solve.progress.ProgressEvent` (stage, elapsed,
        time limit, best objective, bound, gap) at each stage change; nothing if None.

    Returns
    -------
    Alignment
        With ``report`` (status, objective, bound, gap, seconds, solver, message).

    Raises
    ------
    InfeasibleError
        Proven infeasible (with sentences saying why).
    SolverError
        The solver is missing or failed, or found no plan and no warm start exists.
    ModelTooLargeError
        (a :class:`SolverError`) the model's estimated size exceeds the memory limit; the
        message says how to shrink it.
    """
    from ..milp.size_guard import check_model_size

    if problem.goal is not None and problem.goal.then is not None:
        from .lexicographic import optimize_lexicographic

        return optimize_lexicographic(
            problem, optimize, time_limit=time_limit, solver=solver, gap=gap, threads=threads,
            warm_start=warm_start, seed=seed, nearest=nearest, radius=radius,
            heuristic_time=None if heuristic_time is None else 0.5 * heuristic_time, start=start,
            raise_infeasible=raise_infeasible, max_bytes=max_bytes, progress=progress,
        )  # fmt: skip
    t0 = time.perf_counter()
    capped0 = _workclock.capped_runs()
    step = Reporter(progress, t0, time_limit)
    name = _solver_name(solver)
    notes: list[str] = []
    pruned = nearest is not None or radius is not None
    # refuse an oversized model before spending time on the heuristic
    check_model_size(
        problem,
        allowed_mask(problem, nearest=nearest, radius=radius) if pruned else None,
        solver=name,
        max_bytes=max_bytes,
    )
    problems = precheck(problem)
    step("precheck")
    if problems:
        if raise_infeasible:
            raise InfeasibleError(problems)
        notes.extend(problems)

    plan: np.ndarray | None = None
    hint: np.ndarray | None = None  # a violating heuristic plan: fallback only
    h_time = heuristic_time if heuristic_time is not None else _HEURISTIC_SHARE * time_limit
    cap = t0 + max(h_time, 0.8 * time_limit)  # wall-clock cap of the warm start's counted work
    if start is not None and not warm_start:
        plan = _plan_from_start(problem, start)
        notes.append("warm start from the given plan")
    elif warm_start and start is None and problem.disruption_budget is not None:
        plan, plan_ok, msg = _budget_start(problem, seed=seed, time_limit=h_time, deadline=cap)
        notes.append(msg)
        if not plan_ok:
            hint = plan
            plan = None
    elif warm_start:
        # with a given plan (e.g. the current alignment of a what-if), the heuristic starts
        # from it: repaired (balance, contiguity) and improved, so the MILP gets a valid start
        given = None if start is None else _plan_from_start(problem, start)
        plan, plan_ok, msg = _heuristic_plan(
            problem, seed=seed, time_limit=h_time, start=given, deadline=cap
        )
        notes.append(msg if given is None else f"warm start from the given plan, repaired: {msg}")
        if given is not None and not plan_ok:
            # the given plan could not be repaired: build one from scratch instead
            fresh, fresh_ok, fmsg = _heuristic_plan(
                problem, seed=seed, time_limit=h_time, deadline=cap
            )
            if fresh_ok or plan is None:
                plan, plan_ok = fresh, fresh_ok
                notes.append(f"heuristic from scratch instead: {fmsg}")
        if not plan_ok:
            hint = plan
            plan = None

    step("heuristic")
    # a bound for the problem as stated, the same whatever the time limit (bounds.py)
    floor, floor_what = problem_floor(problem, cap_seconds=min(30.0, max(2.0, 0.2 * time_limit)))
    step("bound", bound=floor)
    allowed = allowed_mask(problem, nearest=nearest, radius=radius, keep=plan)
    if pruned:
        extra = precheck(problem, allowed)
        if extra:
            logger.warning("pruning makes the problem infeasible (%s): not pruning", extra[0])
            notes.append(
                f"pruning to nearest={nearest}/radius={radius} would make it infeasible ({extra[0]}): solved unpruned"
            )
            allowed = allowed_mask(problem, keep=plan)
            pruned = False
            check_model_size(problem, allowed, solver=name, max_bytes=max_bytes)
        else:
            notes.append(
                f"pruned to {int(allowed.sum())} of {allowed.size} assignments (nearest={nearest}, radius={radius})"
            )

    def solve_with(mask: np.ndarray) -> tuple[_Raw, MilpModel, np.ndarray | None]:
        left = max(time_limit - (time.perf_counter() - t0), 1.0)
        return _solve_plain(
            problem,
            name,
            time_limit=left,
            gap=gap,
            threads=threads,
            seed=seed,
            start=plan,
            allowed=mask,
        )

    raw, model, asg = solve_with(allowed)
    if raw.status == "infeasible" and pruned:
        logger.warning("pruned model infeasible: re-solving unpruned")
        notes.append("pruned model proven infeasible: re-solved unpruned")
        pruned = False
        unpruned = allowed_mask(problem, keep=plan)
        check_model_size(problem, unpruned, solver=name, max_bytes=max_bytes)
        raw, model, asg = solve_with(unpruned)
    if raw.status == "infeasible":
        left = max(time_limit - (time.perf_counter() - t0), 5.0)
        diag = diagnose(problem, name, time_limit=min(left, 60.0), threads=threads) or [
            "the solver proved the hard constraints contradictory (no simpler cause found)"
        ]
        if raise_infeasible:
            raise InfeasibleError(diag)
        notes.extend(diag)
        if plan is None and hint is None:
            raise InfeasibleError(diag)
        asg = plan if plan is not None else hint

    pruned = pruned and bool((allowed_mask(problem) & (model.x < 0)).any())  # cut anything?
    exact = restriction(problem, pruned=pruned, nearest=nearest, radius=radius) is None
    step("milp", objective=raw.objective, bound=raw.bound if exact else None)
    if raw.status == "feasible" and asg is not None and warm_start:
        step("polish")
        raw, asg = _polish(problem, model, raw, asg, t0=t0, time_limit=time_limit, seed=seed)

    # lexicographic tie-break
    if problem.tie_break and raw.status == "optimal" and raw.values is not None:
        second = "disruption" if problem.objective == "cost" else "cost"
        if second in model.parts:
            primary = (
                model.parts["cost"] if problem.objective == "cost" else model.parts["disruption"]
            )
            zc = float(primary[0] @ raw.values + primary[1])
            if (
                problem.objective == "cost"
                and "disruption" in model.parts
                and problem.disruption_weight > 0
            ):
                notes.append("tie-break skipped: the objective already weighs disruption")
            else:
                main = "cost" if problem.objective == "cost" else "disruption"
                eps = 1e-6 * max(1.0, abs(zc))
                m2 = model.with_objective(second, bound_parts={main: zc + eps})
                left = max(time_limit - (time.perf_counter() - t0), 1.0)
                conn = (  # SCIP keeps the tie-break's plan connected too
                    connectivity_graph(problem, m2)
                    if name == "scip" and problem.contiguity == "cuts"
                    else None
                )
                raw2 = solve_model(
                    m2, name, time_limit=left, gap=0.0, threads=threads, seed=seed,
                    start=raw.values, connectivity=conn,
                )  # fmt: skip
                if raw2.values is not None:
                    asg = _decode(m2, raw2.values)
                    notes.append(f"tie-break on {second}: {raw2.status}")
                    raw = dataclasses.replace(raw, values=raw2.values)

    if asg is None:
        if plan is not None and model.max_violation(start_vector(problem, model, plan)) <= 1e-6:
            asg = plan
            notes.append("the solver found no plan: returning the warm-start plan")
            status = "feasible"
        elif plan is not None:
            asg = plan
            notes.append(
                f"the solver found no plan: returning {'the given start' if start is not None and not warm_start else 'the warm-start'} plan, which VIOLATES the "
                f"hard constraints by {model.max_violation(start_vector(problem, model, plan)):.3g}"
            )
            status = "no_solution"
        elif hint is not None:
            asg = hint
            notes.append(
                "the solver found no plan: returning the heuristic's plan, which VIOLATES the hard "
                f"constraints by {model.max_violation(start_vector(problem, model, hint)):.3g}"
            )
            status = "no_solution"
        else:
            raise SolverError(
                f"{name} found no plan in {time_limit:g} s ({raw.message}); raise time_limit, relax tolerances, "
                "or pass a start plan."
            )
    else:
        status = raw.status if raw.status != "infeasible" else "infeasible"
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
        floor=floor,
        restricted=restriction(problem, pruned=pruned, nearest=nearest, radius=radius),
        floor_what=floor_what,
    )
    capped = _workclock.capped_runs() > capped0
    if capped:
        notes.append(
            "the time limit cut the heuristic's counted work (a slow or loaded machine): "
            "the same seed may give another plan elsewhere; raise time_limit"
        )
    message = "; ".join([n for n in notes if n] + [raw.message, st.note])
    report = SolveReport(
        status=st.status,
        objective=objective,
        bound=st.bound,
        gap=st.gap,  # None for "no_solution": the plan violates hard constraints
        seconds=time.perf_counter() - t0,
        solver=name,
        message=message.rstrip("; "),
        bound_scope=st.scope,
        restricted_bound=st.restricted_bound,
        restricted_optimal=st.restricted_optimal,
        work_capped=capped,
    )
    ok = st.status in ("optimal", "feasible")
    step(
        "done",
        objective=objective if ok else None,
        bound=st.bound if st.scope == "problem" else None,
    )
    return _to_alignment(problem, asg, report)


_POLISH_SHARE = 0.25
"""Work budget of the polish (counted seconds, see _workclock) as a share of time_limit:
the same under any load. At 0.35 the Normandy runs (20 s, 60 s, a loaded machine) ended
the polish at the deadline (work_capped); the MILP rounds use about what is left."""
_POLISH_CHUNK = 15.0
"""Seconds per heuristic run in the polish: each run restarts from the best plan so far.

One long run leaves the best plan after its first local optimum and restarts from scratch
(the heuristic's restarts); runs chained from the best plan keep searching around it. On
Normandy, from the 10 s plan (19.47 M), two chained 15 s runs reached 19.13 M; 8 s runs
were too short to get past the repair and tabu phases (nothing better in 24 s)."""


def _polish(
    problem: TerritoryProblem,
    model: MilpModel,
    raw: _Raw,
    asg: np.ndarray,
    *,
    t0: float,
    time_limit: float,
    seed: int,
) -> tuple[_Raw, np.ndarray]:
    """Spend the time the solver left unused improving its plan with the heuristic.

    The ``"cuts"`` loop stops early when its bound stalls; the heuristic then runs in
    chunks of ``_POLISH_CHUNK`` seconds, each from the best plan so far (restricted to the
    model's columns, a new seed and twice longer recombination MILPs each time, up to 8x),
    until a run finds nothing better. A plan is kept only when it satisfies the
    model, is connected and is cheaper. The bound is unchanged.
    """
    # a budget of counted work (the same under any load); the time limit only caps it
    left = _POLISH_SHARE * time_limit
    if left < 2.0 or problem.free_centres or raw.objective is None:
        return raw, asg
    allowed = model.x >= 0
    best, best_obj, best_vals = asg, raw.objective, None
    start_obj, runs, began = raw.objective, 0, time.perf_counter()
    while left >= 2.0:
        chunk = left if left < 1.5 * _POLISH_CHUNK else _POLISH_CHUNK
        if time_limit - (time.perf_counter() - t0) - 0.5 < 2.0:
            _workclock.mark_capped()  # the time limit, not the work budget, ends the polish
            break
        runs += 1
        # each run digs deeper (longer recombination MILPs) instead of redoing the
        # same ones: a run from the best plan with the same settings finds the same moves
        plan, ok, _ = _heuristic_plan(
            problem, seed=seed + runs, time_limit=chunk, start=best, allowed=allowed,
            depth=min(2.0 ** (runs - 1), 8.0), deadline=t0 + time_limit - 0.5,
        )  # fmt: skip
        left -= chunk
        if plan is None or not ok or cut_rows(problem, model.x, plan):
            break
        vals = start_vector(problem, model, plan)
        obj = model.evaluate(vals)["objective"]
        if model.max_violation(vals) <= 1e-6 and obj < best_obj - 1e-9:
            best, best_obj, best_vals = plan, obj, vals
        else:
            break  # a run from the best plan found nothing better: stop here
    spent = time.perf_counter() - began  # the chain stops early when a run finds nothing
    if best_vals is None:
        return dataclasses.replace(
            raw, message=f"{raw.message}; polish: no better plan in {spent:.0f} s"
        ), asg
    g = None if raw.bound is None else abs(best_obj - raw.bound) / max(abs(best_obj), 1e-10)
    note = (
        f"polish: the heuristic improved the solver's plan {start_obj:.6g} -> {best_obj:.6g} "
        f"in {spent:.0f} s ({runs} run(s) from the best plan)"
    )
    return dataclasses.replace(
        raw, values=best_vals, objective=best_obj, gap=g, message=f"{raw.message}; {note}"
    ), best


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
    reps = problem.reps.copy()
    if problem.free_centres:
        used = sorted(set(asg.tolist()))
        col_to_rep = {c: reps.index[k] for k, c in enumerate(used)}
        homes = [problem.unit_ids[int(problem.roots[c])] for c in used]
        reps = reps.iloc[: len(used)].copy()
        reps["home"] = pd.Series(homes, index=reps.index, dtype=object)
        labels = [col_to_rep[int(c)] for c in asg.tolist()]
        dist = None
        if problem.distance_km is not None:
            dist = pd.DataFrame(
                np.asarray(problem.distance_km)[:, used],
                index=list(problem.unit_ids),
                columns=list(reps.index),
            )
    else:
        labels = [problem.rep_ids[int(c)] for c in asg.tolist()]
        dist = None
        if problem.distance_km is not None:
            dist = pd.DataFrame(
                np.asarray(problem.distance_km),
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
