r"""Decomposition for size: solve by region, stitch, repair the seams, bound honestly.

A national problem (34,742 communes × 300 reps) is too large for one MILP on a small
machine. :func:`decompose` splits it into regions (a unit -> region label: région,
manager district, a coarse plan...), solves each piece with
:func:`territory_opt.solve.pipeline.optimize` (optionally in worker processes), stitches the
pieces into one plan, then **repairs the seams** with :func:`refine_borders`, a MILP in
which only units within a few hops of a region border are free and everything else is
locked, solved against the *whole-country* balance targets.

Pieces
------
Each region gets the reps whose homes lie in it (fixed homes: a rep cannot serve a
region it does not live in without crossing a seam). A region's FTE share rarely equals
its share of the workload: with national target :math:`t_m = A_m / F` per FTE and
regional :math:`t_{gm} = A_{gm} / F_g`, a region's territories balanced within
:math:`\pm\tau_g` of *its* targets stay within the national :math:`\pm\tau` iff

.. math:: \tau_g \le \min\!\big(1 - (1-\tau)/\rho_g,\ (1+\tau)/\rho_g - 1\big),
          \qquad \rho_g = t_{gm} / t_m,

so each piece's relative tolerance is tightened to that value (floored at
``min_tolerance_share`` × τ so the piece stays solvable). A region whose ratio lies
outside the national band (:math:`\rho_g \notin [1-\tau, 1+\tau]`) cannot meet the
national bounds on its own: it is solved around its own targets, flagged, and the
repair has to move workload across its border. Use :func:`apportion` beforehand to give
regions reps in proportion to their workload. Units cut off from every home of their
region (enclaves, a region without reps) join the neighbouring region they share most
borders with; a locked unit joins its rep's region.

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

Bounds: what is and is not a bound
----------------------------------
* The **sum of the pieces' bounds** is *not* a lower bound of the full problem: the pieces
  restrict each unit to the reps of its region (and to the pruned columns, and to
  tightened tolerances), so their optima can exceed the full optimum. It bounds only the
  plans that keep every unit in its region; it is reported as ``restricted_bound``.
* :func:`lagrangian_bound` gives a **true lower bound** of the full problem (every unit
  × every rep, contiguity dropped, homes and locks kept): the balance rows are relaxed
  with multipliers :math:`\mu, \nu \ge 0`,

  .. math:: L(\mu,\nu) = \sum_i \min_c \Big[ c_{ic} + \sum_m (\nu_{cm} - \mu_{cm}) a_{im} \Big]
            + \sum_{c,m} \mu_{cm} L_{cm} - \sum_{c,m} \nu_{cm} U_{cm},

  maximised by projected subgradient steps (Polyak step towards the best known
  objective). Since the relaxed assignment problem has the integrality property, its
  maximum equals the LP relaxation without contiguity, so ``L`` approaches that bound;
  any iterate is valid. Only for the cost objective with fixed homes; soft balance rows
  and a disruption budget are dropped (still a valid bound).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import multiprocessing
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import InfeasibleError, Problem, SolverError, ValidationError
from ..plan.alignment import Alignment, SolveReport
from ..problem.territory_problem import Balance, ContiguityMode, TerritoryProblem

__all__ = [
    "BoundResult",
    "DecompositionResult",
    "PlanCheck",
    "apportion",
    "check_plan",
    "decompose",
    "lagrangian_bound",
    "plan_objective",
    "refine_borders",
    "region_pieces",
]

logger = logging.getLogger(__name__)

_TOL = 1e-7


# ---------------------------------------------------------------------- small helpers


def apportion(weights: pd.Series | Mapping[Hashable, float], total: int) -> pd.Series:
    """Split ``total`` seats in proportion to ``weights`` (largest remainder, Hamilton).

    Parameters
    ----------
    weights : pandas.Series or mapping
        Non-negative weight per group (e.g. workload per region).
    total : int
        Number of seats (reps) to share.

    Returns
    -------
    pandas.Series
        Integer seats per group, summing to ``total``; ties broken by group order.
    """
    w = pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else weights
    w = w.astype(float)
    if (w < 0).any() or not np.isfinite(w.to_numpy()).all() or w.sum() <= 0:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    "weights",
                    "must be finite, non-negative and not all zero.",
                    "pass e.g. the workload per region.",
                )
            ]
        )
    if total < 0:
        raise ValidationError(
            [Problem("settings", f"total={total}", "must be >= 0.", "pass a seat count.")]
        )
    quota = w / w.sum() * total
    seats = np.floor(quota.to_numpy()).astype(np.int64)
    left = int(total - seats.sum())
    rem = quota.to_numpy() - seats
    order = sorted(range(len(w)), key=lambda k: (-rem[k], k))
    for k in order[:left]:
        seats[k] += 1
    return pd.Series(seats, index=w.index.copy(), name="seats")


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
    nb = problem.neighbors()
    bad = []
    for c in range(problem.n_columns):
        members = np.flatnonzero(a == c)
        if len(members) == 0:
            continue
        root = int(problem.roots[c])
        start = root if root >= 0 else int(members[0])
        if a[start] != c:
            bad.append(c)
            continue
        seen = {start}
        stack = [start]
        while stack:
            v = stack.pop()
            for w in nb[v].tolist():
                if w not in seen and a[w] == c:
                    seen.add(w)
                    stack.append(w)
        if len(seen) != len(members):
            bad.append(c)
    return bad


# ---------------------------------------------------------------------- regions


def _region_labels(
    problem: TerritoryProblem, regions: pd.Series | Mapping[Hashable, Hashable]
) -> np.ndarray:
    """Region label per unit (model order) as a numpy object array, after cleaning."""
    s = regions if isinstance(regions, pd.Series) else pd.Series(dict(regions), dtype=object)
    s = s.reindex(list(problem.unit_ids))
    if s.isna().any():
        missing = s.index[s.isna()].tolist()
        raise ValidationError(
            [
                Problem(
                    "units",
                    f"units {', '.join(map(str, missing[:5]))}",
                    f"{len(missing)} unit(s) have no region.",
                    "give every unit a region label.",
                )
            ]
        )
    lab = s.to_numpy(dtype=object).copy()
    for i, c in problem.locks:  # a locked unit goes with its rep's home
        h = int(problem.roots[c])
        if h >= 0:
            lab[i] = lab[h]
    nb = problem.neighbors()
    homes = {int(r) for r in problem.roots.tolist() if r >= 0}
    for _ in range(problem.n_units):  # each pass merges every orphan group once
        orphans = _orphan_groups(lab, nb, homes)
        if not orphans:
            break
        changed = False
        for comp in orphans:
            counts: dict[Hashable, int] = {}
            own = lab[comp[0]]
            cset = set(comp)
            for v in comp:
                for w in nb[v].tolist():
                    if w not in cset and lab[w] != own:
                        counts[lab[w]] = counts.get(lab[w], 0) + 1
            if not counts:
                continue
            target = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
            logger.info(
                "%d unit(s) of region %r cannot reach a home of their region: moved to region %r",
                len(comp),
                own,
                target,
            )
            lab[comp] = target
            changed = True
        if not changed:
            break
    orphans = _orphan_groups(lab, nb, homes)
    if orphans:
        units = [problem.unit_ids[i] for i in orphans[0][:5]]
        raise ValidationError(
            [
                Problem(
                    "units",
                    f"units {', '.join(map(str, units))}",
                    "no rep home can reach them through the graph.",
                    "bridge islands or add reps.",
                )
            ]
        )
    return lab


def _orphan_groups(lab: np.ndarray, nb: Sequence[np.ndarray], homes: set[int]) -> list[list[int]]:
    """Connected groups of same-region units holding no home."""
    n = len(lab)
    seen = np.zeros(n, dtype=bool)
    out = []
    for s in range(n):
        if seen[s]:
            continue
        seen[s] = True
        comp = [s]
        stack = [s]
        while stack:
            v = stack.pop()
            for w in nb[v].tolist():
                if not seen[w] and lab[w] == lab[s]:
                    seen[w] = True
                    comp.append(w)
                    stack.append(w)
        if not any(v in homes for v in comp):
            out.append(sorted(comp))
    return out


def _piece_balance(
    problem: TerritoryProblem,
    units: np.ndarray,
    cols: np.ndarray,
    min_share: float,
) -> tuple[tuple[Balance, ...], list[str]]:
    """Balance specs of a piece: relative tolerances tightened to fit the national bounds."""
    notes: list[str] = []
    if not problem.balance:
        return (), notes
    M = problem.balance_matrix()
    fte = problem.reps["fte"].to_numpy(dtype=float)
    out = []
    for m, b in enumerate(problem.balance):
        if b.tolerance is None:
            out.append(b)
            continue
        tot = float(M[:, m].sum())
        part = float(M[units, m].sum())
        if tot <= 0 or part <= 0:
            out.append(b)
            continue
        rho = (part / fte[cols].sum()) / (tot / fte.sum())
        tau = b.tolerance
        fit = min(1.0 - (1.0 - tau) / rho, (1.0 + tau) / rho - 1.0)
        new_tau = float(min(tau, max(fit, min_share * tau)))
        if fit < min_share * tau:
            notes.append(
                f"{b.measure!r} per FTE is {100 * (rho - 1):+.1f} % off the national ratio: "
                f"the piece cannot meet the national ±{100 * tau:g} % alone"
                + ("" if fit > 0 else " (the seam repair must move workload across its border)")
            )
        out.append(dataclasses.replace(b, tolerance=new_tau))
    return tuple(out), notes


def region_pieces(
    problem: TerritoryProblem,
    regions: pd.Series | Mapping[Hashable, Hashable],
    *,
    min_tolerance_share: float = 0.3,
) -> dict[Hashable, tuple[TerritoryProblem, list[str]]]:
    """Split a fixed-centre problem into one sub-problem per region.

    Parameters
    ----------
    problem : TerritoryProblem
        Fixed centres (reps with homes); not modified.
    regions : pandas.Series or mapping
        unit id -> region label. Cleaned: groups of units that cannot reach a home of
        their region join a neighbouring region; locked units join their rep's region.
    min_tolerance_share : float
        Floor of a piece's tightened tolerance, as a share of the national one.

    Returns
    -------
    dict
        region -> (piece problem, notes). A piece holds the region's units, the reps whose
        homes lie in it, the induced graph, its share of a disruption budget and the
        tightened relative tolerances (module doc).
    """
    if problem.free_centres:
        raise ValidationError(
            [
                Problem(
                    "reps",
                    "free centres",
                    "decomposition needs reps with homes (fixed centres).",
                    "give each rep a home, e.g. from a first solve with free centres.",
                )
            ]
        )
    if (problem.roots < 0).any():
        raise ValidationError(
            [
                Problem(
                    "reps",
                    "home",
                    "decomposition needs a home unit for every rep.",
                    "give each rep a home unit.",
                )
            ]
        )
    lab = _region_labels(problem, regions)
    col_region = lab[problem.roots]
    out: dict[Hashable, tuple[TerritoryProblem, list[str]]] = {}
    v = problem.disruption_values()
    for g in sorted(set(lab.tolist()), key=str):
        units = np.flatnonzero(lab == g)
        cols = np.flatnonzero(col_region == g)
        if len(cols) == 0:  # cannot happen after cleaning, kept as a guard
            raise ValidationError(f"region {g!r} has no rep home.")
        out[g] = _piece(problem, units, cols, v, min_tolerance_share)
    return out


def _piece(
    problem: TerritoryProblem,
    units: np.ndarray,
    cols: np.ndarray,
    v: np.ndarray | None,
    min_share: float,
) -> tuple[TerritoryProblem, list[str]]:
    unit_pos = np.full(problem.n_units, -1, dtype=np.int64)
    unit_pos[units] = np.arange(len(units))
    col_pos = np.full(problem.n_columns, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    ids = [problem.unit_ids[i] for i in units.tolist()]
    balance, notes = _piece_balance(problem, units, cols, min_share)
    baseline = None
    if problem.baseline is not None:
        b = np.asarray(problem.baseline)[units]
        baseline = np.where(b >= 0, col_pos[np.clip(b, 0, None)], -1)
    budget = problem.disruption_budget
    if budget is not None and v is not None:
        share = float(v[units].sum()) / max(float(v.sum()), 1e-12)
        budget = budget * share
    locks = tuple(
        (int(unit_pos[i]), int(col_pos[c]))
        for i, c in problem.locks
        if unit_pos[i] >= 0 and col_pos[c] >= 0
    )
    graph = None if problem.graph is None else problem.graph.subgraph(ids).copy()
    geo = None if problem.units is None else problem.units.loc[ids]
    dist = None if problem.distance_km is None else np.asarray(problem.distance_km)[units][:, cols]
    piece = dataclasses.replace(
        problem,
        unit_ids=tuple(ids),
        reps=problem.reps.iloc[cols].copy(),
        measures=problem.measures.iloc[units].copy(),
        cost=np.asarray(problem.cost)[units][:, cols],
        roots=unit_pos[problem.roots[cols]],
        balance=balance,
        baseline=baseline,
        disruption_budget=budget,
        locks=locks,
        graph=graph,
        units=geo,
        distance_km=dist,
        _cache={},
    )
    return piece, notes


def _soft(problem: TerritoryProblem, penalty: float) -> TerritoryProblem:
    """The same problem with every hard balance made soft with ``penalty``."""
    bal = tuple(
        b if b.penalty is not None else dataclasses.replace(b, penalty=float(penalty))
        for b in problem.balance
    )
    return problem.replace(balance=bal)


# ---------------------------------------------------------------------- piece solving


def _solve_piece(
    name: Hashable, piece: TerritoryProblem, kwargs: Mapping[str, Any]
) -> tuple[Hashable, pd.Series, SolveReport, list[str]]:
    """Solve one piece (module level so that worker processes can run it)."""
    from ..solve.pipeline import optimize

    notes: list[str] = []
    kw = dict(kwargs)
    retries = int(kw.pop("retries", 0))
    seed = int(kw.pop("seed", 0))
    best: tuple[float, Alignment] | None = None
    for attempt in range(retries + 1):
        try:
            al = optimize(piece, seed=seed + attempt, **kw)
        except (InfeasibleError, SolverError) as exc:
            notes.append(
                f"hard piece failed ({str(exc).splitlines()[0]}): re-solved with soft balance"
            )
            scale = max(float(piece.assignment_costs().min(axis=1).sum()), 1.0)
            al = optimize(
                _soft(piece, 10.0 * scale), seed=seed + attempt, raise_infeasible=False, **kw
            )
        excess = sum(check_plan(piece, al.assignment).max_excess_pct.values())
        if best is None or excess < best[0]:
            best = (excess, al)
        if excess <= 1e-9:
            break
        if attempt < retries:
            notes.append(f"seed {seed + attempt}: plan outside the bounds, retried")
    assert best is not None and best[1].report is not None
    return name, best[1].assignment.copy(), best[1].report, notes


def _spawn_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    )


# ---------------------------------------------------------------------- seam repair


def _within_hops(nb: Sequence[np.ndarray], seeds: np.ndarray, hops: int) -> np.ndarray:
    """Boolean mask of units within ``hops`` of a seed unit (seeds included)."""
    n = len(nb)
    mask = np.zeros(n, dtype=bool)
    mask[seeds] = True
    frontier = np.flatnonzero(mask).tolist()
    for _ in range(max(hops, 0)):
        nxt = []
        for v in frontier:
            for w in nb[v].tolist():
                if not mask[w]:
                    mask[w] = True
                    nxt.append(w)
        frontier = nxt
    return mask


def _seam_units(nb: Sequence[np.ndarray], lab: np.ndarray) -> np.ndarray:
    """Units with a neighbour carrying another label."""
    out = []
    for i, ns in enumerate(nb):
        if len(ns) and (lab[ns] != lab[i]).any():
            out.append(i)
    return np.asarray(out, dtype=np.int64)


def _free_mask(
    problem: TerritoryProblem,
    a: np.ndarray,
    hops: int,
    regions: np.ndarray | None,
    violating: bool,
    seams: bool = True,
) -> np.ndarray:
    nb = problem.neighbors()
    if seams:
        seeds = _seam_units(nb, regions if regions is not None else a)
    else:
        seeds = np.zeros(0, dtype=np.int64)
    if violating and problem.balance:
        loads = _loads(problem, a)
        lo, hi = problem.bounds()
        bad_cols = np.flatnonzero(((loads < lo - 1e-9) | (loads > hi + 1e-9)).any(axis=1))
        if len(bad_cols):
            border = _seam_units(nb, a)
            if len(border):
                touch = np.isin(a[border], bad_cols)
                for i in border[~touch].tolist():  # the other side of a violating border
                    if np.isin(a[nb[i]], bad_cols).any():
                        touch[np.searchsorted(border, i)] = True
                seeds = np.union1d(seeds, border[touch])
    free = _within_hops(nb, seeds, hops) if len(seeds) else np.zeros(problem.n_units, bool)
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
    nb = problem.neighbors()
    base = (
        np.asarray(problem.baseline)
        if problem.baseline is not None
        else np.full(n, -1, dtype=np.int64)
    )
    group = np.full(n, -1, dtype=np.int64)
    members: list[np.ndarray] = []
    for i in np.flatnonzero(free).tolist():
        group[i] = len(members)
        members.append(np.array([i], dtype=np.int64))
    n_free = len(members)
    for s in range(n):
        if group[s] >= 0:
            continue
        gid = len(members)
        group[s] = gid
        comp = [s]
        stack = [s]
        while stack:
            v = stack.pop()
            for w in nb[v].tolist():
                if group[w] < 0 and a[w] == a[s] and base[w] == base[s]:
                    group[w] = gid
                    comp.append(w)
                    stack.append(w)
        members.append(np.array(sorted(comp), dtype=np.int64))
    R = len(members)
    owner = np.array([a[m[0]] for m in members], dtype=np.int64)
    # measures and costs summed; cost becomes w c^p already (power 1, no weight)
    meas = problem.measures.to_numpy(dtype=float)
    agg = np.zeros((R, meas.shape[1]))
    np.add.at(agg, group, meas)
    C = problem.assignment_costs()
    cost = np.zeros((R, problem.n_columns))
    np.add.at(cost, group, C)
    red_base = None
    if problem.baseline is not None:
        red_base = np.array([base[m[0]] for m in members], dtype=np.int64)
    edges = set()
    for i in range(n):
        gi = int(group[i])
        for w in nb[i].tolist():
            gw = int(group[w])
            if gi < gw:
                edges.add((gi, gw))
    G = nx.Graph()
    G.add_nodes_from(range(R))
    G.add_edges_from(sorted(edges))
    roots = np.array([group[r] for r in problem.roots.tolist()], dtype=np.int64)
    root_set = set(roots.tolist())
    locks = tuple((g, int(owner[g])) for g in range(n_free, R) if g not in root_set)
    measures = pd.DataFrame(agg, index=pd.RangeIndex(R), columns=list(problem.measures.columns))
    reduced = dataclasses.replace(
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
    start = pd.Series(
        [problem.rep_ids[int(c)] for c in owner], index=pd.RangeIndex(R), dtype=object
    )
    return _Reduced(reduced, members, start)


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
    from ..solve.pipeline import optimize

    t0 = time.perf_counter()
    series = plan.assignment if isinstance(plan, Alignment) else plan
    a = _columns_of(problem, series)
    lab = None if regions is None else _labels_array(problem, regions)
    free = _free_mask(problem, a, hops, lab, free_violating, seams)
    before = check_plan(problem, a)
    obj0 = plan_objective(problem, a)
    if not free.any():
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
    red = _contract(problem, a, free)
    mode = problem.contiguity if contiguity == "same" else contiguity
    rp = red.problem.replace(contiguity=mode)
    soft = False
    if not before.feasible and any(b.penalty is None for b in problem.balance):
        pen = penalty if penalty is not None else 10.0 * max(obj0, 1.0)
        rp = _soft(rp, pen)
        soft = True
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
    try:
        al = optimize(
            rp,
            solver,
            time_limit=time_limit,
            gap=gap,
            seed=seed,
            nearest=nearest,
            start=red.start,
            raise_infeasible=False,
        )
        rep = al.report
        assert rep is not None
        red_asg = _columns_of(rp, al.assignment)
        notes.append(f"repair MILP: {rep.status} in {rep.seconds:.1f} s ({rep.message})")
        bound = rep.bound if not soft else None
    except (InfeasibleError, SolverError) as exc:
        red_asg = _columns_of(rp, red.start)
        notes.append(f"repair MILP failed ({str(exc).splitlines()[0]}): plan unchanged")
        bound = None
    out = a.copy()
    for g, mem in enumerate(red.members):
        out[mem] = red_asg[g]
    after = check_plan(problem, out)
    obj1 = plan_objective(problem, out)
    if _worse(after, obj1, before, obj0):
        notes.append("the repair did not improve the plan: kept the plan given")
        out, after, obj1 = a, before, obj0
    status = "feasible" if after.feasible else "infeasible"
    if not after.feasible:
        notes.extend(after.violations)
    report = SolveReport(
        status=status,
        objective=obj1,
        bound=bound,
        gap=None,
        seconds=time.perf_counter() - t0,
        solver=f"refine_borders({solver})",
        message="; ".join(notes),
    )
    assignment = pd.Series(
        [problem.rep_ids[int(c)] for c in out.tolist()],
        index=pd.Index(list(problem.unit_ids), name="unit"),
        name="rep",
        dtype=object,
    )
    return Alignment.from_assignment(assignment, problem=problem, report=report)


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


# ---------------------------------------------------------------------- bound


@dataclass(frozen=True)
class BoundResult:
    """A lower bound of a problem's objective.

    Attributes
    ----------
    value : float or None
        The bound (``None``: not available for this problem).
    kind : str
        What it is, in words.
    iterations : int
        Subgradient iterations done.
    seconds : float
    """

    value: float | None
    kind: str
    iterations: int = 0
    seconds: float = 0.0


def lagrangian_bound(
    problem: TerritoryProblem,
    *,
    upper: float | None = None,
    time_limit: float = 30.0,
    max_iterations: int = 2000,
) -> BoundResult:
    """A true lower bound of the full problem by Lagrangian relaxation of the balance rows.

    Parameters
    ----------
    problem : TerritoryProblem
        Fixed centres, ``objective="cost"``.
    upper : float, optional
        Objective of a known plan (steers the Polyak step; any value works, a good one
        converges faster). Default: the trivial bound × 1.2.
    time_limit : float
        Seconds for the subgradient ascent.
    max_iterations : int
        Iteration cap.

    Returns
    -------
    BoundResult
        The best Lagrangian value found: a valid lower bound for every plan of the full
        problem (all units × all reps, with or without contiguity, pruning ignored),
        at most the LP relaxation without contiguity, which it approaches.
    """
    t0 = time.perf_counter()
    if problem.free_centres or problem.objective != "cost":
        return BoundResult(None, "not available (free centres or disruption objective)")
    n, K = problem.n_units, problem.n_columns
    C = np.array(problem.assignment_costs(), dtype=float)
    v = problem.disruption_values()
    if v is not None and problem.disruption_weight > 0 and problem.baseline is not None:
        b = np.asarray(problem.baseline)
        extra = problem.disruption_weight * v
        C += extra[:, None]
        has = b >= 0
        C[np.flatnonzero(has), b[has]] -= extra[has]
    fixed = np.full(n, -1, dtype=np.int64)
    for c, r in enumerate(problem.roots.tolist()):
        if r >= 0:
            fixed[r] = c
    for i, c in problem.locks:
        fixed[i] = c
    big = np.inf
    rows = np.flatnonzero(fixed >= 0)
    keep = C[rows, fixed[rows]].copy()
    C[rows, :] = big
    C[rows, fixed[rows]] = keep
    hard = [m for m, b_ in enumerate(problem.balance) if b_.penalty is None]
    trivial = float(C.min(axis=1).sum())
    kind = "Lagrangian relaxation of the balance rows (≤ LP relaxation without contiguity)"
    if not hard:
        return BoundResult(trivial, "each unit at its cheapest rep (no hard balance)", 0, 0.0)
    M = problem.balance_matrix()[:, hard]
    lo, hi = problem.bounds()
    lo, hi = lo[:, hard], hi[:, hard]
    hi_f = np.isfinite(hi)
    hi0 = np.where(hi_f, hi, 0.0)
    scale = np.maximum(problem.targets()[:, hard], 1e-12)  # work in target units
    Ms = M  # loads are divided by the scale below
    mu = np.zeros((K, len(hard)))
    nu = np.zeros((K, len(hard)))
    ub = float(upper) if upper is not None and np.isfinite(upper) else 1.2 * max(trivial, 1.0)
    best = trivial
    theta = 1.0
    stall = 0
    it = 0
    idx = np.arange(n)
    while it < max_iterations and time.perf_counter() - t0 < time_limit:
        it += 1
        lam = (nu - mu) / scale  # (K, m) per unit of measure
        adj = C + Ms @ lam.T
        choice = np.argmin(adj, axis=1)
        val = float(adj[idx, choice].sum() + (mu * lo / scale).sum() - (nu * hi0 / scale).sum())
        if val > best + 1e-9 * max(1.0, abs(best)):
            best = val
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
                if theta < 1e-6:
                    break
        loads = np.zeros((K, len(hard)))
        np.add.at(loads, choice, Ms)
        g_mu = (lo - loads) / scale
        g_nu = np.where(hi_f, (loads - hi0) / scale, 0.0)
        g_mu = np.where((mu <= 0) & (g_mu < 0), 0.0, g_mu)
        g_nu = np.where((nu <= 0) & (g_nu < 0), 0.0, g_nu)
        norm = float((g_mu**2).sum() + (g_nu**2).sum())
        if norm <= 1e-18:
            break  # the relaxed plan meets every balance row: the bound is attained
        step = theta * max(ub - val, 1e-6 * max(1.0, abs(ub))) / norm
        mu = np.maximum(mu + step * g_mu, 0.0)
        nu = np.where(hi_f, np.maximum(nu + step * g_nu, 0.0), 0.0)
    return BoundResult(best, kind, it, time.perf_counter() - t0)


# ---------------------------------------------------------------------- driver


@dataclass(frozen=True)
class DecompositionResult:
    """Outcome of :func:`decompose`.

    Attributes
    ----------
    alignment : Alignment
        The final plan on all units (after the seam repair), with a report whose bound
        and gap are those of the full problem (or ``None``).
    stitched : Alignment
        The region plans put together, before the repair.
    pieces : pandas.DataFrame
        One row per region: units, reps, tolerance used, status, objective, bound, gap,
        seconds, notes.
    repair : SolveReport or None
        Report of the seam repair (``None`` when skipped).
    status : str
        ``"optimal"`` only if proven against a true bound of the full problem,
        ``"feasible"`` when the plan meets every hard constraint, else ``"infeasible"``.
    objective, stitched_objective : float
        Full-problem objective of the final and of the stitched plan.
    bound : float or None
        A true lower bound of the full problem (:func:`lagrangian_bound`), if computed.
    bound_kind : str
        What ``bound`` is.
    gap : float or None
        ``(objective - bound) / objective`` against that true bound.
    restricted_bound : float or None
        Sum of the pieces' solver bounds: a bound only for plans keeping every unit in
        its region (and within the pieces' pruning and tolerances), **not** for the full
        problem.
    max_deviation_before, max_deviation_after : dict
        Worst ``|total/target - 1|`` in % per balanced measure, national targets.
    first_feasible_seconds : float or None
        Seconds until a plan feasible for the full problem was known (stitched or
        repaired), ``None`` if none.
    pieces_seconds, bound_seconds, seconds : float
        Wall time of the piece solves, of the bound and of the whole call.
    message : str
    """

    alignment: Alignment
    stitched: Alignment
    pieces: pd.DataFrame
    repair: SolveReport | None
    status: str
    objective: float
    stitched_objective: float
    bound: float | None
    bound_kind: str
    gap: float | None
    restricted_bound: float | None
    max_deviation_before: dict[str, float] = field(default_factory=dict)
    max_deviation_after: dict[str, float] = field(default_factory=dict)
    first_feasible_seconds: float | None = None
    pieces_seconds: float = 0.0
    bound_seconds: float = 0.0
    seconds: float = 0.0
    message: str = ""


def decompose(
    problem: TerritoryProblem,
    regions: pd.Series | Mapping[Hashable, Hashable],
    *,
    solver: str = "highs",
    time_limit: float = 60.0,
    gap: float = 0.005,
    nearest: int | None = 8,
    seed: int = 0,
    heuristic_time: float | None = None,
    workers: int = 1,
    min_tolerance_share: float = 0.3,
    retries: int = 1,
    repair: bool = True,
    repair_hops: int = 2,
    repair_time_limit: float = 60.0,
    repair_contiguity: ContiguityMode | Literal["same"] = "cuts",
    bound: bool = True,
    bound_time_limit: float = 30.0,
) -> DecompositionResult:
    """Solve a large fixed-centre problem region by region, then repair the seams.

    Parameters
    ----------
    problem : TerritoryProblem
        The full problem (reps with homes); not modified.
    regions : pandas.Series or mapping
        unit id -> region label (région, manager district, coarse plan...).
    solver, time_limit, gap, nearest, seed, heuristic_time
        Passed to :func:`territory_opt.solve.pipeline.optimize` for each piece (``time_limit`` per
        piece).
    workers : int
        Worker processes for the pieces (1: in this process). Pieces are started largest
        first.
    min_tolerance_share : float
        Floor of a piece's tightened tolerance as a share of the national one.
    repair : bool
        Run the seam repair (:func:`refine_borders`).
    repair_hops, repair_time_limit, repair_contiguity
        Free zone width, time limit and contiguity mode of the repair. When the stitched
        plan is outside the national bounds, a first MILP frees only the borders of the
        offending territories (``repair_hops + 1`` hops, half the time), then the seam
        repair runs on the result.
    retries : int
        A piece that ends without a plan meeting its bounds is solved again with the next
        seed, up to ``retries`` times; the least-violating plan is kept.
    bound : bool
        Compute a true lower bound of the full problem (:func:`lagrangian_bound`).
    bound_time_limit : float
        Seconds for the bound.

    Returns
    -------
    DecompositionResult
    """
    t0 = time.perf_counter()
    pieces = region_pieces(problem, regions, min_tolerance_share=min_tolerance_share)
    lab = _region_labels(problem, regions)
    regions_s = pd.Series(lab, index=pd.Index(list(problem.unit_ids)), dtype=object)
    kw: dict[str, Any] = {
        "solver": solver,
        "time_limit": time_limit,
        "gap": gap,
        "nearest": nearest,
        "seed": seed,
        "heuristic_time": heuristic_time,
        "retries": retries,
    }
    order = sorted(pieces, key=lambda g: (-pieces[g][0].n_units, str(g)))
    results: dict[Hashable, tuple[pd.Series, SolveReport, list[str]]] = {}
    tp = time.perf_counter()
    if workers > 1 and len(order) > 1:
        with _spawn_pool(min(workers, len(order))) as pool:
            futs = [pool.submit(_solve_piece, g, pieces[g][0], kw) for g in order]
            for f in concurrent.futures.as_completed(futs):
                g, asg, rep, notes = f.result()
                results[g] = (asg, rep, notes)
                logger.info("piece %r: %s in %.1f s", g, rep.status, rep.seconds)
    else:
        for g in order:
            _, asg, rep, notes = _solve_piece(g, pieces[g][0], kw)
            results[g] = (asg, rep, notes)
            logger.info("piece %r: %s in %.1f s", g, rep.status, rep.seconds)
    pieces_seconds = time.perf_counter() - tp
    rows = []
    stitched_s = pd.concat([results[g][0] for g in order])
    stitched_s = stitched_s.reindex(list(problem.unit_ids))
    restricted: float | None = 0.0
    for g in sorted(pieces, key=str):
        piece, pnotes = pieces[g]
        asg, rep, snotes = results[g]
        if restricted is not None:
            restricted = None if rep.bound is None else restricted + rep.bound
        rows.append(
            {
                "region": g,
                "units": piece.n_units,
                "reps": piece.k,
                "tolerance": ", ".join(
                    f"{b.measure} ±{100 * b.tolerance:.2f} %"
                    for b in piece.balance
                    if b.tolerance is not None
                ),
                "status": rep.status,
                "objective": rep.objective,
                "bound": rep.bound,
                "gap": rep.gap,
                "seconds": rep.seconds,
                "notes": "; ".join(pnotes + snotes),
            }
        )
    table = pd.DataFrame(rows).set_index("region")
    a0 = _columns_of(problem, stitched_s)
    check0 = check_plan(problem, a0)
    obj0 = plan_objective(problem, a0)
    first = time.perf_counter() - t0 if check0.feasible else None
    notes = [
        f"{len(pieces)} pieces in {pieces_seconds:.1f} s ({workers} worker(s)); stitched plan "
        + ("feasible" if check0.feasible else "infeasible: " + "; ".join(check0.violations))
    ]
    stitched_report = SolveReport(
        "feasible" if check0.feasible else "infeasible",
        obj0,
        None,
        None,
        pieces_seconds,
        f"decompose({solver})",
        notes[0],
    )
    stitched = Alignment.from_assignment(stitched_s, problem=problem, report=stitched_report)
    final = stitched
    repair_report = None
    if repair:
        tr = time.perf_counter()
        current = stitched_s
        if not check0.feasible:  # first fix the few territories outside the bounds
            fix = refine_borders(
                problem,
                stitched_s,
                hops=repair_hops + 1,
                seams=False,
                contiguity=repair_contiguity,
                time_limit=repair_time_limit / 2,
                gap=gap,
                solver=solver,
                nearest=nearest,
                seed=seed,
            )
            assert fix.report is not None
            notes.append(f"balance repair {fix.report.status}: {fix.report.message}")
            current = fix.assignment
            if fix.report.status == "feasible" and first is None:
                first = time.perf_counter() - t0
        left = max(repair_time_limit - (time.perf_counter() - tr), 0.25 * repair_time_limit)
        final = refine_borders(
            problem,
            current,
            regions=regions_s,
            hops=repair_hops,
            contiguity=repair_contiguity,
            time_limit=left,
            gap=gap,
            solver=solver,
            nearest=nearest,
            seed=seed,
        )
        assert final.report is not None
        repair_report = dataclasses.replace(final.report, seconds=time.perf_counter() - tr)
        notes.append(f"seam repair {final.report.status}: {final.report.message}")
    a1 = _columns_of(problem, final.assignment)
    check1 = check_plan(problem, a1)
    obj1 = plan_objective(problem, a1)
    if first is None and check1.feasible:
        first = time.perf_counter() - t0
    tb = time.perf_counter()
    if bound:
        br = lagrangian_bound(problem, upper=obj1, time_limit=bound_time_limit)
    else:
        br = BoundResult(None, "not computed")
    bound_seconds = time.perf_counter() - tb
    gapv = None
    status = "feasible" if check1.feasible else "infeasible"
    if br.value is not None and check1.feasible:
        gapv = max(obj1 - br.value, 0.0) / max(abs(obj1), 1e-10)
        if gapv <= 1e-6:
            status = "optimal"  # the bound drops contiguity: a plan attaining it is optimal
    notes.append(
        f"bound: {br.kind}, {br.iterations} iterations in {br.seconds:.1f} s"
        if br.value is not None
        else f"bound: {br.kind}"
    )
    if restricted is not None:
        notes.append(
            "the sum of the piece bounds is a bound only for region-confined plans, not for the full problem"
        )
    report = SolveReport(
        status=status,
        objective=obj1,
        bound=br.value,
        gap=gapv,
        seconds=time.perf_counter() - t0,
        solver=f"decompose({solver})",
        message="; ".join(notes),
    )
    return DecompositionResult(
        alignment=final.with_report(report),
        stitched=stitched,
        pieces=table,
        repair=repair_report,
        status=status,
        objective=obj1,
        stitched_objective=obj0,
        bound=br.value,
        bound_kind=br.kind,
        gap=gapv,
        restricted_bound=restricted,
        max_deviation_before=check0.max_deviation_pct,
        max_deviation_after=check1.max_deviation_pct,
        first_feasible_seconds=first,
        pieces_seconds=pieces_seconds,
        bound_seconds=bound_seconds,
        seconds=time.perf_counter() - t0,
        message="; ".join(notes),
    )
