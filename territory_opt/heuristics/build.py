"""Fast balanced, contiguous plans: region growing + local search.

Works on plain arrays (a unit graph as neighbour lists, measures, bounds, a cost
matrix) so that the MILP layer can use it as a warm start and as a fallback.

Method
------
1. **Region growing** from the centres: the territory furthest below its target
   (mean fill over the measures) takes its cheapest adjacent free unit, by a
   row-normalised cost (units of zero weight borrow their neighbours' key).
   ``allowed`` is respected; a caller's ``start`` plan is repaired (centres put back,
   disallowed units and pieces cut off from their centre released) and regrown.
2. **Flow rebalancing (ejection chains)**: a min-cost flow on the territory adjacency
   graph routes each territory's excess load (all measures averaged, then each measure
   alone, in turn) to the territories short of it; every edge's flow is carried by
   subtree moves across that border, cheapest cost per unit of load first. On Normandy
   this takes the LP start from a total violation of ~8 to ~1 in under a second and
   is what makes balance reachable in a few seconds (``flow=False`` disables it).
3. **Tabu local search** on the lexicographic objective (total relative violation of
   the bounds and of the disruption budget, then cost). One vectorised evaluation
   covers every *subtree move*: a border unit goes to an adjacent territory together
   with the units that depend on it for their connection to the centre (found from a
   Tarjan DFS per territory; a unit nobody depends on is the single-unit move, a
   non-articulation unit). Moving back is tabu for a few iterations.
4. **Swaps / ejection pairs**: when no move improves, the best few moves are tried
   together with the best follow-up move out of either territory touched (covers
   swaps of border units) and kept only if the pair improves.
   **Balance polish**: when the violation is small (``<= 0.05``) but has not fallen
   for 100 tabu iterations, every subtree move into or out of a violated territory,
   from or to any neighbour, is scored alone and in pairs, including pairs across two
   different borders (A->B with C->A). On Normandy with a 40 % (or 30 %) disruption
   budget this removes the last violation (~0.004, one territory over on workload and
   under on potential) that the flow, tabu and single-border swaps left. (Moving a
   unit together with a chain of zero-disruption connector units was also tried: it
   did not change the result there and was dropped.)
5. **Strategic oscillation** once balanced: tabu search on cost plus an adaptive
   penalty on the violation (``oscillation=False`` disables it).
6. **Recombination** of two adjacent territories: their union is re-split by a small
   exact MILP (HiGHS, shortest-path contiguity), see ``_heuristics_recom``; when pairs
   stop improving, a territory is re-split with two of its neighbours (most promising
   groups first, a group already tried on the same split is skipped). On Normandy
   (17 homes) three-territory groups took a converged plan from 19.47 to 18.83 M
   (Σ workload·km²) where pairs, tabu and oscillation had stopped.
   Once balanced, tabu search stops after a tenth of its usual stall count: as a plain
   cost descent it only found crumbs there (3,000 idle iterations took 22 s).
7. Perturbation (random kicks from the best plan, each followed by flow rebalancing) and **restarts** from a noisy
   growth while time remains; the best plan is kept. When the objective rewards the
   current plan (fewest changes) and the first start did not reach balance, the next
   start is the repaired current plan (see also the pipeline's fallback in
   :mod:`territory_opt.solve.pipeline`).

Deterministic for a given seed up to the time limit: the number of iterations done
depends on the machine's speed, so two runs agree exactly only when the search stops
on its own (convergence) before the limit, which is the case on small instances. The
HiGHS solves (LP start, recombinations) have their own time limits, another source of
time dependence. On Normandy (10 s) seeds 0-4 gave the same plan: the LP start and the
flow phase do not use the seed, and the later phases converged before the limit.

Layout
------
:func:`build_plan` (here) runs the attempts; the instance, the result and the checks of
a plan are in :mod:`.evaluation`, :func:`choose_centres` in :mod:`.centres`. Private:
the search state in ``_search``, region growing and repair in ``_grow``, the move
families in ``_tabu`` (tabu, pairs, swap repair), ``_polish`` (balance polish,
oscillation) and ``_flow`` (flow rebalancing, recombination, kicks) on the shared
``_search_base``, joined with the balance and improve phases in ``_local_search``.
"""

from __future__ import annotations

import logging

import numpy as np

from . import _search as hs
from . import _workclock
from ._grow import grow, repair
from ._local_search import _balance, _improve, _Search
from ._recom import lp_start, min_disruption_bound
from ._shaping import BALANCE_WEIGHT, POLISH_WEIGHT, blend
from .centres import choose_centres
from .evaluation import (
    _TOL,
    HeuristicInstance,
    HeuristicResult,
    _evaluate,
    dense_units,
    is_contiguous,
)

__all__ = [
    "HeuristicInstance",
    "HeuristicResult",
    "build_plan",
    "choose_centres",
    "dense_units",
    "is_contiguous",
]

logger = logging.getLogger(__name__)


def build_plan(
    inst: HeuristicInstance,
    *,
    seed: int = 0,
    time_limit: float = 10.0,
    start: np.ndarray | None = None,
    recombination: bool = True,
    recombination_seconds: float = 0.5,
    group_seconds: float = 2.0,
    lp: bool = True,
    oscillation: bool = True,
    flow: bool = True,
) -> HeuristicResult:
    """Build a balanced, contiguous, compact plan.

    With a shaping cost (``inst.shaping``, see :mod:`territory_opt.heuristics._shaping`)
    each attempt runs in two phases: the plan is built and balanced on the shaping cost,
    then the balanced plan is improved on the cost itself (plus 0.02 of the shaping cost,
    a tie-break) by moves that keep balance (recombination MILPs with the true cost,
    oscillation, tabu). Starting the balance phase from the current plan instead (the
    "sales manager's" repair) was measured and dropped: on Normandy the flow and tabu
    moves could not carry load across borders of communes without accounts and the worst
    territory stayed 19-41 % off target.

    Parameters
    ----------
    inst : HeuristicInstance
        The instance (not modified).
    seed : int
        Seed of every random choice (tie-breaks, tabu tenures, kicks, restarts).
    time_limit : float
        Wall-clock seconds; the search stops earlier when it converges.
    start : (n,) int array, optional
        A plan to start from (e.g. the current alignment); repaired if needed.
    recombination : bool
        Use MILP recombination of adjacent territory pairs and, once pairs, tabu and
        oscillation stop improving, of each territory with two of its neighbours
        (needs ``highspy``).
    recombination_seconds : float
        HiGHS time limit per pair recombination.
    group_seconds : float
        HiGHS time limit per three-territory recombination.
    lp : bool
        Start from the rounded and repaired LP relaxation of the balanced assignment
        (HiGHS) instead of plain region growing.
    flow : bool
        Rebalance by ejection chains along a min-cost transfer flow between adjacent
        territories before (and between) the tabu phases.
    oscillation : bool
        Once balanced, improve compactness by strategic oscillation (tabu search on
        cost plus an adaptive penalty on the violation, crossing the feasibility border).

    Returns
    -------
    HeuristicResult
        The best plan found, balance first, then cost (including disruption weight).
    """
    t0 = hs.now()
    deadline = t0 + float(time_limit)
    shaping = inst.shaping
    d = _data(inst, blend(inst.cost, shaping, POLISH_WEIGHT))
    dA = d if shaping is None else _data(inst, blend(shaping, inst.cost, BALANCE_WEIGHT))
    rng = np.random.default_rng(seed)
    search = _Search(d, rng, deadline, t0)
    if search.aware and d.budget is None:
        search.dref = _disruption_reference(d, lp, time_limit)
    stall = max(60, min(3000, 2 * d.n))
    osc_stall = max(100, min(1500, d.n // 3))
    attempt = 0
    from_current = start is None and search.aware  # the current plan was the first start
    restart_current = rewards_current(inst)
    fruitless = seen = 0  # restarts in a row without a better plan; trajectory length
    early: list[tuple[float, float, float]] = []  # balance-phase trajectory (shaping)
    while search.left() > 0:
        a0, from_current = _start_plan(
            dA, search, rng, attempt, start, lp, restart_current, from_current
        )
        if shaping is not None:
            sa = _Search(dA, rng, deadline, t0)
            sa.aware, sa.dref, sa.keep_visits = search.aware, search.dref, True
            run_a = _balance(sa, hs.State(dA, a0), stall, flow)[0]
            early += [(t, v, float(d.cost[np.arange(d.n), a].sum())) for t, v, a in sa.visits]
            st = hs.State(d, run_a)
            search.offer(st)
        else:
            st = hs.State(d, a0)
            search.offer(st)
            run_a = _balance(search, st, stall, flow)[0]
            st.set_assignment(run_a, list(range(d.k)))
        _improve(search, st, stall, osc_stall, recombination, oscillation,
                 recombination_seconds, group_seconds)  # fmt: skip
        attempt += 1
        if search.best_v <= _TOL and d.n <= 200 and attempt >= 3:
            break  # small instance: a few converged restarts are enough
        fruitless = fruitless + 1 if len(search.trajectory) == seen else 0
        seen = len(search.trajectory)
        if search.best_v <= _TOL and fruitless >= 2:
            break  # two restarts in a row found nothing better: converged
    return _result(inst, search, t0, attempt, early)


def _disruption_reference(d: hs._Data, lp: bool, time_limit: float) -> float:
    """The amount disruption is priced against in minimum-disruption mode (no budget).

    The LP bound on the minimum disruption (times 1.5) when there is one, else a quarter
    of the total disruption.
    """
    lb = min_disruption_bound(d, min(2.0, 0.1 * time_limit)) if lp else None
    total = float(d.dis[d.baseline >= 0].sum())
    return 1.5 * lb if lb is not None and lb > 0 else 0.25 * total


def _start_plan(
    dA: hs._Data,
    search: _Search,
    rng: np.random.Generator,
    attempt: int,
    start: np.ndarray | None,
    lp: bool,
    restart_current: bool,
    from_current: bool,
) -> tuple[np.ndarray, bool]:
    """The plan an attempt starts from, and whether the current plan has been a start.

    The first attempt starts from the caller's ``start`` (or, disruption-aware, the
    current plan), repaired; the later ones from the LP start or region growing, except
    that an objective rewarding the current plan restarts from it once.
    """
    if attempt == 0 and start is not None:
        return repair(dA, start, rng), from_current
    if attempt == 0 and search.aware:
        # disruption-aware: start from the current plan (repaired)
        return repair(dA, dA.baseline, rng), from_current
    if restart_current and not from_current and search.best_v > _TOL:
        # an objective that rewards the current plan (fewest changes) whose first
        # start did not reach balance: restart from the current plan (Normandy,
        # fewest changes at 60 s: 933 accounts changed, 1,100 from a second LP
        # start). Other objectives restart from the LP (on Normandy a second LP
        # start lands at 18.6 M workload·km², the current plan at 26 M); when they
        # find no balanced plan, the pipeline tries the current plan afterwards
        return repair(dA, dA.baseline, rng), True
    return _fresh_start(dA, search, rng, attempt, lp), from_current


def _fresh_start(
    dA: hs._Data, search: _Search, rng: np.random.Generator, attempt: int, lp: bool
) -> np.ndarray:
    """The rounded and repaired LP start (costs perturbed after the first attempt), or
    region growing (with noise after the first attempt) when there is none."""
    a0: np.ndarray | None = None
    if lp:
        lp_cost = dA.cost
        if attempt > 0:
            lp_cost = dA.cost * (1.0 + 0.3 * rng.random(dA.cost.shape))
        labels = lp_start(dA, min(5.0, 0.5 * search.left()), lp_cost)
        if labels is not None:
            a0 = repair(dA, labels, rng)
    if a0 is None:
        noise = 0.0 if attempt == 0 else 0.5
        a0 = grow(dA, np.full(dA.n, -1, dtype=np.int64), rng, noise=noise)
    return a0


def _result(
    inst: HeuristicInstance,
    search: _Search,
    t0: float,
    attempts: int,
    early: list[tuple[float, float, float]],
) -> HeuristicResult:
    """The result of the best plan found (logged)."""
    assert search.best_a is not None
    a = search.best_a
    feasible, viol, cost, dis = _evaluate(inst, a)
    seconds = _workclock.since(t0)
    logger.info(
        "heuristic: feasible=%s max_violation=%.4g cost=%.6g in %.2fs (%d restarts)",
        feasible,
        viol,
        cost,
        seconds,
        attempts,
    )
    return HeuristicResult(
        assignment=a.copy(),
        feasible=feasible,
        max_violation=viol,
        cost=cost,
        disruption=dis,
        seconds=seconds,
        trajectory=_merge(early, search.trajectory),
    )


def rewards_current(inst: HeuristicInstance, share: float = 0.99) -> bool:
    """Whether the objective rewards the current plan: for at least ``share`` of the units
    whose cost depends on the rep, the current rep is the cheapest (fewest changes)."""
    if inst.baseline is None:
        return False
    b = np.asarray(inst.baseline, dtype=np.int64)
    cost = np.asarray(inst.cost, dtype=float)
    has = (b >= 0) & (b < cost.shape[1])
    c = cost[has]
    varies = np.ptp(c, axis=1) > 0 if len(c) else np.zeros(0, dtype=bool)
    if not varies.any():
        return False
    cheapest = c[np.arange(len(c)), b[has]] <= c.min(axis=1) + 1e-12
    return bool(cheapest[varies].mean() >= share)


def _data(inst: HeuristicInstance, cost: np.ndarray) -> hs._Data:
    return hs.make_data(
        inst.neighbors,
        inst.measures,
        inst.lower,
        inst.upper,
        cost,
        inst.centres,
        inst.allowed,
        inst.baseline,
        inst.disruption,
        inst.disruption_budget,
        inst.disruption_weight,
    )


def _merge(
    a: list[tuple[float, float, float]], b: list[tuple[float, float, float]]
) -> tuple[tuple[float, float, float], ...]:
    """The records of two trajectories that improved on everything before them."""
    out: list[tuple[float, float, float]] = []
    for t, v, c in sorted(a + b):
        if not out or hs.better(v, c, out[-1][1], out[-1][2]):
            out.append((t, v, c))
    return tuple(out)
