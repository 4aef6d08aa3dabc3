"""The ``"cuts"`` contiguity loop: solve the relaxation, cut its disconnected pieces, re-solve.

Each round solves the model without (most) contiguity rows, adds the rows its solution
violates (:func:`territory_opt.milp.contiguity.cut_rows`) and solves again. A relaxed solution
that a relabelling of corridor units (no cost, measure or lock) connects is kept as a plan.
The loop stops when the relaxed optimum is connected, the bound meets the best plan within
the gap, or the time is up. When the heuristic's polish follows (fixed centres, a connected
plan known: ``polish=True``) the loop also stops after its share of the time, or when the
bound stalls, and the polish gets the rest; otherwise nothing else would use the time, so
the loop keeps cutting until the deadline (:func:`_stop_reason`).
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from ..milp.backends import RawResult as _Raw
from ..milp.backends import proven as _proven
from ..milp.contiguity import cut_rows, free_cut_rows, free_units, neighbor_rows, repair_free
from ..milp.model import MilpModel, start_vector
from ..problem.territory_problem import TerritoryProblem
from .backend import _decode, _fmt, _start_for, solve_model
from .budget import Budget

__all__ = ["solve_with_cuts"]

logger = logging.getLogger("territory_opt.solve.pipeline")

_STALL_ROUNDS = 3
_STALL_GAIN = 1e-3
"""When the polish follows, the cut loop stops when its bound gained less than this share
of the incumbent in ``_STALL_ROUNDS`` rounds: on large instances each round then only moves
the relaxed solution's disconnected pieces around, and the time is better spent improving
the plan. Not when nothing else would use the time (free centres, no polish), nor when the
gap asked is below ``_STALL_GAIN`` (e.g. ``gap=0``: a gain this small is what the user asks
for): free-centre districting instances stopped there with 190 of 300 s unused, unproven."""
_LOOP_SHARE = 0.35
"""Once a connected plan is known and the polish follows, the cut loop starts no new round
after this share of its time: on Normandy the bound barely moves after the first rounds
(17.36 -> 17.38 M in 60 rounds) while the heuristic's recombinations still improve the plan."""

_WHY = {
    "proven": "the bound meets the best plan within the gap asked",
    "time": "the time limit is reached",
    "share": f"{_LOOP_SHARE:.0%} of its time used",
    "stalled": f"the bound stalled (+{_STALL_GAIN:.1%} or less in {_STALL_ROUNDS} rounds)",
    "unsolved": "the last relaxation returned no solution",
    "worse": "the relaxed optimum is connected but not better than the best plan",
}
"""Why the loop stopped, by :func:`_stop_reason` code (and the two ends of ``run``)."""


def _stop_reason(
    *,
    bound: float | None,
    best_obj: float,
    gap: float,
    left: float,
    reserve: float,
    history: list[float],
    polish: bool,
) -> str | None:
    """Why the loop ends before its next round (a :data:`_WHY` key), or ``None``: go on.

    Parameters
    ----------
    bound : float or None
        Best bound so far.
    best_obj : float
        Objective of the best connected plan (``inf``: none known).
    gap : float
        Relative gap asked.
    left, reserve : float
        Seconds left, and seconds kept for the polish (0 when it does not follow).
    history : list of float
        The bound before each round so far (this one last).
    polish : bool
        Whether the heuristic's polish runs after the loop (fixed centres, warm start).

    Returns
    -------
    str or None
        ``"proven"``, ``"time"``, ``"share"`` (the polish gets the rest), ``"stalled"``
        (only when the polish gets the rest and ``gap >= _STALL_GAIN``), or ``None``.
    """
    known = bool(np.isfinite(best_obj))
    if bound is not None and known and abs(best_obj - bound) <= gap * max(abs(best_obj), 1e-10):
        return "proven"
    if left <= 0.5:
        return "time"
    if known and left < reserve:
        return "share"
    h = history
    if (
        polish
        and known
        and gap >= _STALL_GAIN
        and len(h) > _STALL_ROUNDS
        and h[-1] - h[-1 - _STALL_ROUNDS] < _STALL_GAIN * abs(best_obj)
    ):
        return "stalled"
    return None


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


def solve_with_cuts(
    problem: TerritoryProblem,
    model: MilpModel,
    start: np.ndarray | None,
    budget: Budget,
    *,
    polish: bool = False,
) -> tuple[_Raw, MilpModel, np.ndarray | None]:
    """Run the cut loop on ``model`` within ``budget``; return raw result, final model, plan.

    ``start`` (a plan, column per unit) is the MIP start and, when it satisfies the model,
    the incumbent the rounds must beat. ``polish``: the heuristic's polish runs after the
    loop (:func:`~territory_opt.solve.polish.polish_possible`), so once a connected plan is
    known the loop keeps time for it; otherwise the loop uses the whole budget.
    """
    loop = _CutLoop(problem, model, start, budget, polish=polish)
    if budget.solver == "scip":  # connectivity cuts inside SCIP's own branch-and-bound tree
        return loop.inside_the_tree()
    return loop.run()


class _CutLoop:
    """The loop's state: the model with its cuts, the bound, the best connected plan."""

    def __init__(
        self,
        problem: TerritoryProblem,
        model: MilpModel,
        start: np.ndarray | None,
        budget: Budget,
        *,
        polish: bool = False,
    ) -> None:
        self.problem, self.budget, self.polish = problem, budget, polish
        # units with no cost, measure or lock only serve as corridors: relabelling them can
        # connect a relaxed solution without changing its objective
        self.free = np.zeros(problem.n_units, dtype=bool)
        if not problem.free_centres:
            self.free = free_units(model)
            model = model.with_rows(neighbor_rows(problem, model.x, self.free))
        self.model = model
        self.sv = _start_for(problem, model, start)
        self.best_plan: np.ndarray | None = None  # best connected plan known
        self.best_obj = np.inf
        self.valid_start = False
        if self.sv is not None and model.max_violation(self.sv) <= 1e-6:
            self.valid_start = True
            self.best_plan, self.best_obj = start, model.evaluate(self.sv)["objective"]
        self.bound: float | None = None
        self.cur_gap = budget.gap
        self.rounds = self.repaired = 0
        self.history: list[float] = []
        self.why: str | None = None  # a _WHY key once the loop stopped short of a proof
        self.left_at_stop = 0.0

    def reserve(self) -> float:
        """Time kept for the polish: none when it does not follow or no plan is known yet."""
        if not (self.polish and np.isfinite(self.best_obj)):
            return 0.0
        return (1.0 - _LOOP_SHARE) * self.budget.time_limit

    def solve(self, time_limit: float, gap: float, start: np.ndarray | None) -> _Raw:
        """One solve of the current model."""
        b = self.budget
        return solve_model(
            self.model, b.solver, time_limit=time_limit, gap=gap, threads=b.threads,
            seed=b.seed, start=start,
        )  # fmt: skip

    def inside_the_tree(self) -> tuple[_Raw, MilpModel, np.ndarray | None]:
        """One SCIP solve whose constraint handler separates the connectivity cuts."""
        from ..milp.connectivity_handler import connectivity_graph

        b = self.budget
        raw = solve_model(
            self.model, b.solver, time_limit=b.left(1.0), gap=b.gap, threads=b.threads,
            seed=b.seed, start=self.sv, connectivity=connectivity_graph(self.problem, self.model),
        )  # fmt: skip
        plan = _decode(self.model, raw.values) if raw.values is not None else None
        return raw, self.model, plan

    def run(self) -> tuple[_Raw, MilpModel, np.ndarray | None]:
        """Solve, cut, re-solve until connected, proven, stalled or out of time."""
        gap, limit = self.budget.gap, self.budget.time_limit
        if self.valid_start:
            gap = _round_gap(gap, None, self.best_obj)
            if self.polish:
                limit = max(1.0, _LOOP_SHARE * limit)  # the rest: rounds or polish
        self.cur_gap = gap
        raw = self.solve(limit, gap, self.sv)
        self.bound = raw.bound
        while raw.values is not None:
            plan = _decode(self.model, raw.values)
            rows = self.cuts(raw, plan)
            if not rows:
                tighter = self.finish_round(raw)
                if tighter is not None:
                    raw = tighter
                    continue
                if raw.objective is not None and raw.objective <= self.best_obj + 1e-9:
                    return self.connected(raw), self.model, plan
                self.stop("worse")  # the relaxed optimum is connected, the incumbent better
                break
            nxt = self.next_round(rows)
            if nxt is None:
                break
            raw = nxt
        if raw.values is None:  # the last solve ended without a solution
            left = self.budget.left()
            self.stop(
                "time" if left <= 0.5 else "share" if left <= self.reserve() + 1.0 else "unsolved"
            )
        return self.result(raw)

    def stop(self, why: str) -> None:
        """Record why the loop stopped and the time it leaves."""
        self.why, self.left_at_stop = why, max(self.budget.left(), 0.0)

    def cuts(self, raw: _Raw, plan: np.ndarray) -> list:
        """The rows ``plan`` violates; records the bound and any plan a relabelling connects."""
        p, model = self.problem, self.model
        rows = cut_rows(p, model.x, plan)
        if raw.bound is not None:
            self.bound = raw.bound if self.bound is None else max(self.bound, raw.bound)
        if rows and self.free.any():
            fixed = repair_free(p, model.x, plan, self.free)
            if fixed is not None:
                fv = start_vector(p, model, fixed)
                fobj = model.evaluate(fv)["objective"]
                if model.max_violation(fv) <= 1e-6 and fobj < self.best_obj - 1e-9:
                    self.best_plan, self.best_obj = fixed, fobj
                    self.repaired += 1
            strong = free_cut_rows(p, model.x, plan, self.free)
            if strong:
                rows = strong
        return rows

    def finish_round(self, raw: _Raw) -> _Raw | None:
        """A connected relaxation solved loosely, re-solved to the gap asked (or ``None``)."""
        gap = self.budget.gap
        if not (self.cur_gap > gap and raw.gap is not None and raw.gap > gap):
            return None
        left = self.budget.left()
        if left - self.reserve() <= 1.0:
            return None
        self.cur_gap = gap
        return self.solve(left - self.reserve(), gap, raw.values)

    def next_round(self, rows: list) -> _Raw | None:
        """Add the cuts and solve again, or ``None`` when the loop should stop."""
        self.rounds += 1
        self.model = self.model.with_rows(rows)
        left, bound, best_obj = self.budget.left(), self.bound, self.best_obj
        logger.info(
            "cuts round %d: %d cut(s) added, bound %s, incumbent %.6g, %.1f s left",
            self.rounds,
            len(rows),
            _fmt(bound),
            best_obj,
            left,
        )
        self.history.append(-np.inf if bound is None else bound)
        why = _stop_reason(
            bound=bound, best_obj=best_obj, gap=self.budget.gap, left=left,
            reserve=self.reserve(), history=self.history, polish=self.polish,
        )  # fmt: skip
        if why is not None:
            self.stop(why)
            return None
        sv = _start_for(self.problem, self.model, self.best_plan)
        self.cur_gap = _round_gap(self.budget.gap, bound, best_obj)
        # with a connected plan known, a round must end within the loop's share
        return self.solve(max(1.0, left - self.reserve()), self.cur_gap, sv)

    def connected(self, raw: _Raw) -> _Raw:
        """The relaxed optimum is connected: it is the answer, with the best bound seen."""
        return dataclasses.replace(
            raw,
            bound=self.bound,  # the best of every round, not only the last solve's
            seconds=self.budget.elapsed(),
            message=f"{raw.message}; {self.rounds} cut round(s)",
        )

    def result(self, raw: _Raw) -> tuple[_Raw, MilpModel, np.ndarray | None]:
        """The loop stopped: the best connected plan known, or why there is none."""
        seconds, bound, model = self.budget.elapsed(), self.bound, self.model
        if raw.status == "infeasible" and self.best_plan is None:
            return dataclasses.replace(raw, seconds=seconds), model, None
        if self.best_plan is None:
            msg = f"cut loop stopped after {self.rounds} round(s) without a connected plan"
            return _Raw("no_solution", None, None, bound, None, seconds, msg), model, None
        best_obj = self.best_obj
        bv = start_vector(self.problem, model, self.best_plan)
        g = None if bound is None else abs(best_obj - bound) / max(abs(best_obj), 1e-10)
        status = "optimal" if _proven(best_obj, bound) else "feasible"
        return _Raw(status, bv, best_obj, bound, g, seconds, self.message()), model, self.best_plan

    def message(self) -> str:
        """What the loop did, why it stopped and where the time it left went."""
        plan = (
            "best plan: a relaxed solution connected by relabelling units that carry "
            f"nothing ({int(self.free.sum())} such units; improved {self.repaired} time(s))"
            if self.repaired
            else "the relaxed solutions were still disconnected, so the plan is the "
            "best connected one known (the warm start)"
        )
        msg = f"cut loop: {self.rounds} round(s); {plan}; the bound is the relaxation's"
        if self.why is None:
            return msg
        left = self.left_at_stop
        if self.why in ("share", "stalled"):
            rest = f"the heuristic's polish runs next ({left:.0f} s left)"
        elif left >= 1.0 and self.why != "proven":
            rest = f"{left:.0f} s left unused"
        else:
            rest = ""
        return f"{msg}; stopped: {_WHY[self.why]}" + (f"; {rest}" if rest else "")
