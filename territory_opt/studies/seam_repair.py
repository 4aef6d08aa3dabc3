"""Seam repair: re-optimise a plan near region borders, the rest contracted into locked super-units.

Seam repair
-----------
:func:`refine_borders` frees the units within ``hops`` graph hops of a seam (units
touching another region; also the borders of territories that violate the national
bounds) and locks the rest. Locked units are **contracted**: each connected group of
locked units of one territory (and one baseline rep) becomes a single super-unit
carrying the sums of its measures and costs, so the repair MILP has a few thousand
variables instead of millions and its objective equals the full problem's objective.
Contiguity uses cut generation by default (exact, and the stitched plan is always a
feasible start; shortest-path constraints are relative to the contracted graph and
could reject it). If the stitched plan violates the national bounds, the balance is
made soft with a large penalty so that the repair returns the least-violating plan.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from ..exceptions import InfeasibleError, SolverError
from ..graph.core import within_hops
from ..plan.alignment import Alignment, SolveReport
from ..plan.evaluation import PlanCheck, check_plan, plan_objective
from ..plan.evaluation import assignment_columns as _columns_of
from ..plan.evaluation import column_loads as _loads
from ..problem.territory_problem import ContiguityMode, TerritoryProblem
from ._unit_graph import border_units, same_key_parts, unit_adjacency

logger = logging.getLogger(__name__)

__all__ = [
    "refine_borders",
]


def _soft(problem: TerritoryProblem, penalty: float) -> TerritoryProblem:
    """The same problem with every hard balance made soft with ``penalty``."""
    bal = tuple(
        b if b.penalty is not None else dataclasses.replace(b, penalty=float(penalty))
        for b in problem.balance
    )
    return problem.replace(balance=bal)


def _free_mask(
    problem: TerritoryProblem,
    a: np.ndarray,
    hops: int,
    regions: np.ndarray | None,
    violating: bool,
    seams: bool = True,
) -> np.ndarray:
    """Units the repair may move: within ``hops`` of a seam (or of a violating border)."""
    adj = unit_adjacency(problem)
    if seams:
        seeds = border_units(adj, regions if regions is not None else a)
    else:
        seeds = np.zeros(0, dtype=np.int64)
    if violating and problem.balance:
        loads = _loads(problem, a)
        lo, hi = problem.bounds()
        bad_cols = np.flatnonzero(((loads < lo - 1e-9) | (loads > hi + 1e-9)).any(axis=1))
        if len(bad_cols):
            border = border_units(adj, a)
            in_bad = np.isin(a, bad_cols)
            # a border unit of a violating territory, or on the other side of its border
            near_bad = in_bad | (adj @ in_bad.astype(float) > 0)
            seeds = np.union1d(seeds, border[near_bad[border]])
    free = within_hops(adj, seeds, hops)
    free[problem.roots[problem.roots >= 0]] = False
    for i, _ in problem.locks:
        free[i] = False
    return free


@dataclass(frozen=True)
class _Reduced:
    problem: TerritoryProblem
    members: list[np.ndarray]  # reduced unit -> original unit indices
    start: pd.Series  # reduced unit id -> rep id


def _contract(problem: TerritoryProblem, a: np.ndarray, free: np.ndarray) -> _Reduced:
    """Contract the locked units of each territory into super-units (module doc)."""
    n = problem.n_units
    adj = unit_adjacency(problem)
    base = (
        np.asarray(problem.baseline)
        if problem.baseline is not None
        else np.full(n, -1, dtype=np.int64)
    )
    # free units stay single; locked ones group by territory and baseline rep
    members = [np.array([i], dtype=np.int64) for i in np.flatnonzero(free).tolist()]
    n_free = len(members)
    members += [m.astype(np.int64) for m in same_key_parts(adj, a, base, mask=~free)]
    group = np.empty(n, dtype=np.int64)
    for g, m in enumerate(members):
        group[m] = g
    owner = np.array([a[m[0]] for m in members], dtype=np.int64)
    red_base = None
    if problem.baseline is not None:
        red_base = np.array([base[m[0]] for m in members], dtype=np.int64)
    reduced = _reduced_problem(problem, adj, group, owner, n_free, red_base)
    start = pd.Series(
        [problem.rep_ids[int(c)] for c in owner], index=pd.RangeIndex(len(members)), dtype=object
    )
    return _Reduced(reduced, members, start)


def _reduced_problem(
    problem: TerritoryProblem,
    adj: sparse.csr_array,
    group: np.ndarray,
    owner: np.ndarray,
    n_free: int,
    red_base: np.ndarray | None,
) -> TerritoryProblem:
    """The problem on super-units: summed measures and costs, contracted graph, locks."""
    R = len(owner)
    # measures and costs summed; cost becomes w c^p already (power 1, no weight)
    meas = problem.measures.to_numpy(dtype=float)
    agg = np.zeros((R, meas.shape[1]))
    np.add.at(agg, group, meas)
    cost = np.zeros((R, problem.n_columns))
    np.add.at(cost, group, problem.assignment_costs())
    rows, cols = adj.nonzero()
    src, dst = group[rows], group[cols]
    up = src < dst
    edges = np.unique(np.stack([src[up], dst[up]], axis=1), axis=0)
    G = nx.Graph()
    G.add_nodes_from(range(R))
    G.add_edges_from(map(tuple, edges.tolist()))
    roots = np.array([group[r] for r in problem.roots.tolist()], dtype=np.int64)
    root_set = set(roots.tolist())
    locks = tuple((g, int(owner[g])) for g in range(n_free, R) if g not in root_set)
    measures = pd.DataFrame(agg, index=pd.RangeIndex(R), columns=list(problem.measures.columns))
    return dataclasses.replace(
        problem,
        unit_ids=tuple(range(R)),
        measures=measures,
        cost=cost,
        roots=roots,
        power=1,
        weight=None,
        baseline=red_base,
        locks=locks,
        graph=G,
        units=None,
        distance_km=None,
        _cache={},
    )


def refine_borders(
    problem: TerritoryProblem,
    plan: pd.Series | Alignment,
    *,
    regions: pd.Series | Mapping[Hashable, Hashable] | None = None,
    hops: int = 2,
    free_violating: bool = True,
    seams: bool = True,
    contiguity: ContiguityMode | Literal["same"] = "cuts",
    time_limit: float = 60.0,
    gap: float = 0.005,
    solver: str = "highs",
    nearest: int | None = 8,
    seed: int = 0,
    penalty: float | None = None,
) -> Alignment:
    """Re-optimise a plan along borders: units near a seam are free, the rest locked.

    Parameters
    ----------
    problem : TerritoryProblem
        The full problem (fixed centres), with the targets to meet; not modified.
    plan : pandas.Series or Alignment
        The plan to repair (unit id -> rep id), e.g. stitched region plans or a coarse plan
        expanded to fine units.
    regions : pandas.Series or mapping, optional
        unit id -> region. The seams are the region borders; default: the plan's own
        territory borders (refine a coarse plan at fine level along its borders).
    hops : int
        Units within ``hops`` graph hops of a seam unit are free (0: seam units only).
    free_violating : bool
        Also free the borders of territories outside the bounds.
    seams : bool
        Free the seams (region borders, or the plan's territory borders). ``False`` with
        ``free_violating`` frees only around the territories outside the bounds: a small,
        fast MILP that fixes a nearly balanced plan.
    contiguity : {"cuts", "flow", "sp", None, "same"}
        Contiguity of the repair MILP on the contracted graph (``"same"``: the
        problem's). ``"cuts"`` (default) is exact and accepts the plan as a start.
    time_limit, gap, solver, nearest, seed
        Passed to :func:`territory_opt.solve.pipeline.optimize` for the repair MILP.
    penalty : float, optional
        Penalty of the soft balance used when the plan violates the hard bounds (per unit
        of deviation as a fraction of a target); default ``10 ×`` the plan's objective.

    Returns
    -------
    Alignment
        The repaired plan on all units, with a :class:`SolveReport` whose objective is the
        full problem's objective (:func:`plan_objective`); ``bound`` is the repair MILP's
        bound, valid only for plans that keep the locked units where they are. Status
        ``"feasible"`` when every hard constraint of ``problem`` holds (:func:`check_plan`),
        else ``"infeasible"`` (the message says what fails).
    """
    t0 = time.perf_counter()
    series = plan.assignment if isinstance(plan, Alignment) else plan
    a = _columns_of(problem, series)
    lab = None if regions is None else _labels_array(problem, regions)
    free = _free_mask(problem, a, hops, lab, free_violating, seams)
    before = check_plan(problem, a)
    obj0 = plan_objective(problem, a)
    if not free.any():
        return _unchanged(problem, series, before, obj0, t0)
    red = _contract(problem, a, free)
    mode = problem.contiguity if contiguity == "same" else contiguity
    rp, soft = _repair_problem(problem, red.problem.replace(contiguity=mode), before, obj0, penalty)
    notes = _free_notes(problem, rp, free, hops, seams, soft)
    red_asg, bound, note = _solve_repair(
        rp, red.start, soft, solver, time_limit=time_limit, gap=gap, seed=seed, nearest=nearest
    )
    notes.append(note)
    out = _expand(a, red.members, red_asg)
    after = check_plan(problem, out)
    obj1 = plan_objective(problem, out)
    if _worse(after, obj1, before, obj0):
        notes.append("the repair did not improve the plan: kept the plan given")
        out, after, obj1 = a, before, obj0
    if not after.feasible:
        notes.extend(after.violations)
    report = SolveReport(
        status="feasible" if after.feasible else "infeasible",
        objective=obj1,
        bound=bound,
        gap=None,
        seconds=time.perf_counter() - t0,
        solver=f"refine_borders({solver})",
        message="; ".join(notes),
    )
    return Alignment.from_assignment(_rep_series(problem, out), problem=problem, report=report)


def _unchanged(
    problem: TerritoryProblem, series: pd.Series, before: PlanCheck, obj0: float, t0: float
) -> Alignment:
    """The plan given, unchanged, with a report saying no unit was free."""
    report = SolveReport(
        "feasible" if before.feasible else "infeasible",
        obj0,
        None,
        None,
        time.perf_counter() - t0,
        "refine_borders",
        "no free unit: plan unchanged",
    )
    return Alignment.from_assignment(series.copy(), problem=problem, report=report)


def _expand(a: np.ndarray, members: list[np.ndarray], red_asg: np.ndarray) -> np.ndarray:
    """Columns of all units: ``a`` with each super-unit's members given its repaired column."""
    out = a.copy()
    for g, mem in enumerate(members):
        out[mem] = red_asg[g]
    return out


def _rep_series(problem: TerritoryProblem, out: np.ndarray) -> pd.Series:
    """Unit id -> rep id of a column array."""
    return pd.Series(
        [problem.rep_ids[int(c)] for c in out.tolist()],
        index=pd.Index(list(problem.unit_ids), name="unit"),
        name="rep",
        dtype=object,
    )


def _repair_problem(
    problem: TerritoryProblem,
    rp: TerritoryProblem,
    before: PlanCheck,
    obj0: float,
    penalty: float | None,
) -> tuple[TerritoryProblem, bool]:
    """The contracted problem ``rp``, its balance made soft when the plan breaks hard bounds."""
    if not before.feasible and any(b.penalty is None for b in problem.balance):
        pen = penalty if penalty is not None else 10.0 * max(obj0, 1.0)
        return _soft(rp, pen), True
    return rp, False


def _free_notes(
    problem: TerritoryProblem,
    rp: TerritoryProblem,
    free: np.ndarray,
    hops: int,
    seams: bool,
    soft: bool,
) -> list[str]:
    """Log and describe what the repair frees and locks (first notes of the report)."""
    logger.info(
        "seam repair: %d of %d units free, %d super-units, soft balance: %s",
        int(free.sum()),
        problem.n_units,
        rp.n_units - int(free.sum()),
        soft,
    )
    notes = [
        f"{int(free.sum())} of {problem.n_units} units free ({hops} hops around the "
        f"{'seams' if seams else 'territories outside the bounds'}), "
        f"the rest locked in {rp.n_units - int(free.sum())} contracted groups"
    ]
    if soft:
        notes.append("start plan outside the bounds: soft balance with a large penalty")
    return notes


def _solve_repair(
    rp: TerritoryProblem,
    start: pd.Series,
    soft: bool,
    solver: str,
    *,
    time_limit: float,
    gap: float,
    seed: int,
    nearest: int | None,
) -> tuple[np.ndarray, float | None, str]:
    """Solve the repair MILP from ``start``: its columns, bound (None if soft) and a note.

    On a solver failure the start is returned unchanged, without a bound.
    """
    from ..solve.pipeline import optimize

    try:
        al = optimize(
            rp,
            solver,
            time_limit=time_limit,
            gap=gap,
            seed=seed,
            nearest=nearest,
            start=start,
            raise_infeasible=False,
        )
        rep = al.report
        assert rep is not None
        red_asg = _columns_of(rp, al.assignment)
        note = f"repair MILP: {rep.status} in {rep.seconds:.1f} s ({rep.message})"
        return red_asg, (rep.bound if not soft else None), note
    except (InfeasibleError, SolverError) as exc:
        red_asg = _columns_of(rp, start)
        return red_asg, None, f"repair MILP failed ({str(exc).splitlines()[0]}): plan unchanged"


def _worse(after: PlanCheck, obj1: float, before: PlanCheck, obj0: float) -> bool:
    ex1 = sum(after.max_excess_pct.values())
    ex0 = sum(before.max_excess_pct.values())
    if after.feasible != before.feasible:
        return not after.feasible
    if abs(ex1 - ex0) > 1e-6:
        return ex1 > ex0
    return obj1 > obj0 + 1e-6 * max(1.0, abs(obj0))


def _labels_array(
    problem: TerritoryProblem, regions: pd.Series | Mapping[Hashable, Hashable]
) -> np.ndarray:
    s = regions if isinstance(regions, pd.Series) else pd.Series(dict(regions), dtype=object)
    s = s.reindex(list(problem.unit_ids))
    return s.astype(object).where(s.notna(), "__none__").to_numpy(dtype=object)
