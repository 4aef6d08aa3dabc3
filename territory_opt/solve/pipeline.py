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

Each step is a module of this package, given the solve's :class:`~territory_opt.solve.budget.Budget`:
:mod:`~territory_opt.solve.diagnosis` (1, 6), the warm start here (2), :mod:`~territory_opt.solve.plain`
and :mod:`~territory_opt.solve.cut_loop` (4), :mod:`~territory_opt.solve.polish` (polish, 5),
:mod:`~territory_opt.solve.result` (the plan and its report); :mod:`~territory_opt.solve.backend`
makes every solver call.

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

from ..exceptions import InfeasibleError, ValidationError
from ..heuristics import _workclock
from ..heuristics.instance import heuristic_instance
from ..milp.backends import RawResult as _Raw
from ..milp.model import MilpModel, allowed_mask
from ..milp.size_guard import check_model_size
from ..plan.alignment import Alignment
from ..problem.territory_problem import TerritoryProblem
from .backend import SOLVERS, _solver_name, solve_model
from .bounds import problem_floor, restriction
from .budget import Budget
from .diagnosis import dense_blockers, diagnose, precheck
from .plain import _solve_plain
from .polish import _polish, _tie_break, polish_possible
from .progress import ProgressEvent, Reporter
from .result import CAPPED_NOTE, _fallback, _report, _to_alignment

__all__ = ["SOLVERS", "dense_blockers", "diagnose", "optimize", "precheck", "solve_model"]

logger = logging.getLogger(__name__)


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
        # a directionless objective (changes, travel) is searched two ways, half the time
        # each: balanced on the compact shaping cost first (what reaches balance on
        # Normandy) and on its own cost (what reaches it on Brittany); the better plan wins
        ways = [inst] if inst.shaping is None else [inst, dataclasses.replace(inst, shaping=None)]
        share = time_limit / len(ways)
        res, work = None, None
        for way in ways:
            # work-counted (same plan under any load); the wall clock only caps it (_workclock)
            cap = min(_WALL_CAP * share + 1.0, deadline - time.perf_counter())
            with _workclock.counted(problem.n_units, wall_cap=cap) as counted:
                found = heuristics.build_plan(
                    way, seed=seed, time_limit=share, start=start,
                    recombination_seconds=0.5 * depth, group_seconds=2.0 * depth,
                )  # fmt: skip
            if res is None or _better(found, res):
                res, work = found, counted
        assert res is not None and work is not None
    except Exception as exc:  # the heuristic is an optional helper: never fail the solve
        logger.warning("heuristic failed (%s): solving without warm start", exc)
        return None, False, f"heuristic failed: {exc}"
    asg = np.asarray(res.assignment, dtype=np.int64)
    how = "cut by the time limit" if work.capped else "counted"
    msg = f"heuristic plan in {min(res.seconds, work.t):.1f} s ({how}): {'feasible' if res.feasible else f'violation {res.max_violation:.3g}'}, cost {res.cost:.6g}"
    logger.info(msg)
    return asg, bool(res.feasible), msg


def _better(a: Any, b: Any) -> bool:
    """Heuristic plan ``a`` beats ``b``: feasible first, then cheaper, else less violating."""
    if a.feasible != b.feasible:
        return bool(a.feasible)
    return bool(a.cost < b.cost) if a.feasible else bool(a.max_violation < b.max_violation)


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


_WALL_CAP = 5.0
"""The heuristic's counted work may take this many times its nominal time before the wall
clock cuts it (a loaded machine); ``SolveReport.work_capped`` then says so. 3.0 until
2026-12-02: on that day's machine the 15x15 grid of tests/test_reproducible.py took about
2.2 s of real time per counted second even when calm, so a 1.6x slower clock cut it (the
run's own deadline, 80 % of the time limit, still bounds the heuristic)."""
_HEURISTIC_SHARE = 0.4
"""Default share of the time limit for the warm-start heuristic. On Normandy (17 homes,
60 s) the exact-contiguity bound comes from the first relaxation (≈15 s; later cut rounds
gain < 0.01 %) while the plan keeps improving with heuristic time: 10 s of heuristic gave
19.20 M (+10.6 % over the bound), 24 s gave 19.00 M (+9.5 %)."""


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


def _warm_start(
    problem: TerritoryProblem,
    start: Mapping[Hashable, Hashable] | pd.Series | Alignment | None,
    warm_start: bool,
    h_time: float,
    budget: Budget,
    notes: list[str],
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(plan, hint): a valid warm-start plan, or a violating one kept as a fallback only."""
    seed = budget.seed
    cap = budget.t0 + max(h_time, 0.8 * budget.time_limit)  # wall-clock cap of its counted work
    if start is not None and not warm_start:
        notes.append("warm start from the given plan")
        return _plan_from_start(problem, start), None
    if not warm_start:
        return None, None
    if start is None and problem.disruption_budget is not None:
        plan, plan_ok, msg = _budget_start(problem, seed=seed, time_limit=h_time, deadline=cap)
        notes.append(msg)
        return (plan, None) if plan_ok else (None, plan)
    # with a given plan (e.g. the current alignment of a what-if), the heuristic starts
    # from it: repaired (balance, contiguity) and improved, so the MILP gets a valid start
    given = None if start is None else _plan_from_start(problem, start)
    plan, plan_ok, msg = _heuristic_plan(
        problem, seed=seed, time_limit=h_time, start=given, deadline=cap
    )
    notes.append(msg if given is None else f"warm start from the given plan, repaired: {msg}")
    if given is not None and not plan_ok:
        # the given plan could not be repaired: build one from scratch instead
        fresh, fresh_ok, fmsg = _heuristic_plan(problem, seed=seed, time_limit=h_time, deadline=cap)
        if fresh_ok or plan is None:
            plan, plan_ok = fresh, fresh_ok
            notes.append(f"heuristic from scratch instead: {fmsg}")
    elif (
        given is None and not plan_ok and problem.baseline is not None and not problem.free_centres
    ):
        # no balanced plan from the LP starts: the current plan is the other natural start
        # (Brittany, 14 reps, cities of ~90 % of a territory's potential: every objective
        # balanced from it, none from the LP starts in 60 s)
        base = np.asarray(problem.baseline, dtype=np.int64)
        again, again_ok, amsg = _heuristic_plan(
            problem, seed=seed, time_limit=h_time, start=base, deadline=cap
        )
        if again_ok:
            plan, plan_ok = again, again_ok
            notes.append(f"heuristic from the current plan instead: {amsg}")
    return (plan, None) if plan_ok else (None, plan)


def _guard(
    problem: TerritoryProblem,
    nearest: int | None,
    radius: float | None,
    *,
    max_bytes: int | None,
    solver: str,
) -> None:
    """Refuse an oversized model before spending time on the heuristic."""
    pruned = nearest is not None or radius is not None
    check_model_size(
        problem,
        allowed_mask(problem, nearest=nearest, radius=radius) if pruned else None,
        solver=solver,
        max_bytes=max_bytes,
    )


def _prune(
    problem: TerritoryProblem,
    plan: np.ndarray | None,
    nearest: int | None,
    radius: float | None,
    *,
    max_bytes: int | None,
    budget: Budget,
    notes: list[str],
) -> tuple[np.ndarray, bool]:
    """(allowed assignments, pruned): pruning is dropped when the pre-checks fail on it."""
    allowed = allowed_mask(problem, nearest=nearest, radius=radius, keep=plan)
    if nearest is None and radius is None:
        return allowed, False
    extra = precheck(problem, allowed)
    if extra:
        logger.warning("pruning makes the problem infeasible (%s): not pruning", extra[0])
        notes.append(
            f"pruning to nearest={nearest}/radius={radius} would make it infeasible ({extra[0]}): solved unpruned"
        )
        allowed = allowed_mask(problem, keep=plan)
        check_model_size(problem, allowed, solver=budget.solver, max_bytes=max_bytes)
        return allowed, False
    notes.append(
        f"pruned to {int(allowed.sum())} of {allowed.size} assignments (nearest={nearest}, radius={radius})"
    )
    return allowed, True


def _solve_milp(
    problem: TerritoryProblem,
    plan: np.ndarray | None,
    hint: np.ndarray | None,
    allowed: np.ndarray,
    pruned: bool,
    *,
    max_bytes: int | None,
    raise_infeasible: bool,
    budget: Budget,
    notes: list[str],
    polish: bool = False,
) -> tuple[_Raw, MilpModel, np.ndarray | None, bool]:
    """The MILP (re-solved unpruned if pruning made it infeasible); diagnose if infeasible.

    Returns the raw result, the model, the plan and whether the model is still pruned.
    ``polish``: the heuristic's polish follows (the cut loop keeps time for it).
    """

    def solve_with(mask: np.ndarray) -> tuple[_Raw, MilpModel, np.ndarray | None]:
        b = budget
        return _solve_plain(
            problem, b.solver, time_limit=b.left(1.0), gap=b.gap, threads=b.threads,
            seed=b.seed, start=plan, allowed=mask, polish=polish,
        )  # fmt: skip

    raw, model, asg = solve_with(allowed)
    if raw.status == "infeasible" and pruned:
        logger.warning("pruned model infeasible: re-solving unpruned")
        notes.append("pruned model proven infeasible: re-solved unpruned")
        pruned = False
        unpruned = allowed_mask(problem, keep=plan)
        check_model_size(problem, unpruned, solver=budget.solver, max_bytes=max_bytes)
        raw, model, asg = solve_with(unpruned)
    if raw.status == "infeasible":
        limit = min(budget.left(5.0), 60.0)
        diag = diagnose(problem, budget.solver, time_limit=limit, threads=budget.threads) or [
            "the solver proved the hard constraints contradictory (no simpler cause found)"
        ]
        if raise_infeasible:
            raise InfeasibleError(diag)
        notes.extend(diag)
        if plan is None and hint is None:
            raise InfeasibleError(diag)
        asg = plan if plan is not None else hint
    return raw, model, asg, pruned


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
    solver : {"highs", "cbc"}
        HiGHS (default, faster on our benchmarks) or PuLP's bundled CBC.
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

    if problem.goal is not None and problem.goal.then is not None:
        from .lexicographic import optimize_lexicographic

        return optimize_lexicographic(
            problem, optimize, time_limit=time_limit, solver=solver, gap=gap, threads=threads,
            warm_start=warm_start, seed=seed, nearest=nearest, radius=radius,
            heuristic_time=None if heuristic_time is None else 0.5 * heuristic_time, start=start,
            raise_infeasible=raise_infeasible, max_bytes=max_bytes, progress=progress,
        )  # fmt: skip
    budget = Budget(_solver_name(solver), time_limit, gap=gap, threads=threads, seed=seed)
    capped0 = _workclock.capped_runs()
    step = Reporter(progress, budget.t0, time_limit)
    notes: list[str] = []
    _guard(problem, nearest, radius, max_bytes=max_bytes, solver=budget.solver)
    problems = precheck(problem)
    step("precheck")
    if problems:
        if raise_infeasible:
            raise InfeasibleError(problems)
        notes.extend(problems)
    h_time = heuristic_time if heuristic_time is not None else _HEURISTIC_SHARE * time_limit
    plan, hint = _warm_start(problem, start, warm_start, h_time, budget, notes)
    step("heuristic")
    # a bound for the problem as stated, the same whatever the time limit (bounds.py)
    floor = problem_floor(problem, cap_seconds=min(30.0, max(2.0, 0.2 * time_limit)))
    step("bound", bound=floor[0])
    allowed, pruned = _prune(
        problem, plan, nearest, radius, max_bytes=max_bytes, budget=budget, notes=notes
    )
    raw, model, asg, pruned = _solve_milp(
        problem, plan, hint, allowed, pruned, max_bytes=max_bytes,
        raise_infeasible=raise_infeasible, budget=budget, notes=notes,
        polish=warm_start and polish_possible(problem, time_limit),
    )  # fmt: skip
    pruned = pruned and bool((allowed_mask(problem) & (model.x < 0)).any())  # cut anything?
    restricted = restriction(problem, pruned=pruned, nearest=nearest, radius=radius)
    step("milp", objective=raw.objective, bound=raw.bound if restricted is None else None)
    if raw.status == "feasible" and asg is not None and warm_start:
        step("polish")
        raw, asg = _polish(problem, model, raw, asg, budget, _heuristic_plan)
    if problem.tie_break and raw.status == "optimal" and raw.values is not None:
        raw, tied, note = _tie_break(problem, model, raw, budget)
        asg = tied if tied is not None else asg
        notes.extend([note] if note else [])
    if asg is None:
        given = start is not None and not warm_start
        asg, status, note = _fallback(
            model, raw, plan, hint, problem=problem, given=given, budget=budget
        )
        notes.append(note)
    else:
        status = raw.status
    capped = _workclock.capped_runs() > capped0
    if capped:
        notes.append(CAPPED_NOTE)
    report = _report(
        problem, model, raw, asg, status, floor=floor, restricted=restricted, budget=budget,
        notes=notes, capped=capped,
    )  # fmt: skip
    ok = report.status in ("optimal", "feasible")
    step(
        "done",
        objective=report.objective if ok else None,
        bound=report.bound if report.bound_scope == "problem" else None,
    )
    return _to_alignment(problem, asg, report)
