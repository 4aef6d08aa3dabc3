r"""Decomposition for size: solve by region, stitch, repair the seams, bound honestly.

A national problem (34,742 communes × 300 reps) is too large for one MILP on a small
machine. :func:`decompose` splits it into regions (a unit -> region label: région,
manager district, a coarse plan...), solves each piece with
:func:`territory_opt.solve.pipeline.optimize` (optionally in worker processes), stitches the
pieces into one plan, then **repairs the seams** with :func:`refine_borders`, a MILP in
which only units within a few hops of a region border are free and everything else is
locked, solved against the *whole-country* balance targets.

The steps live in their own modules: :mod:`.regions` (pieces), :mod:`.seam_repair`,
:mod:`.plan_check` (objective and feasibility from the data) and :mod:`.lagrangian` (bound).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ..exceptions import InfeasibleError, SolverError
from ..plan.alignment import Alignment, SolveReport
from ..plan.evaluation import PlanCheck, check_plan, plan_objective
from ..plan.evaluation import assignment_columns as _columns_of
from ..problem.territory_problem import ContiguityMode, TerritoryProblem
from ._pool import spawn_pool
from .lagrangian import BoundResult, lagrangian_bound
from .regions import _region_labels, apportion, region_pieces
from .seam_repair import _soft, refine_borders

__all__ = [
    "BoundResult",
    "DecompositionResult",
    "DecompositionSettings",
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


@dataclass(frozen=True, kw_only=True)
class DecompositionSettings:
    """How :func:`decompose` solves the pieces, repairs the seams and bounds the result.

    Parameters
    ----------
    solver, time_limit, gap, nearest, seed, heuristic_time
        Passed to :func:`territory_opt.solve.pipeline.optimize` for each piece
        (``time_limit`` per piece).
    workers : int
        Worker processes for the pieces (1: in this process). Pieces are started largest
        first.
    min_tolerance_share : float
        Floor of a piece's tightened tolerance as a share of the national one.
    retries : int
        A piece that ends without a plan meeting its bounds is solved again with the next
        seed, up to ``retries`` times; the least-violating plan is kept.
    repair : bool
        Run the seam repair (:func:`refine_borders`).
    repair_hops, repair_time_limit, repair_contiguity
        Free zone width, time limit and contiguity mode of the repair. When the stitched
        plan is outside the national bounds, a first MILP frees only the borders of the
        offending territories (``repair_hops + 1`` hops, half the time), then the seam
        repair runs on the result.
    bound : bool
        Compute a true lower bound of the full problem (:func:`lagrangian_bound`).
    bound_time_limit : float
        Seconds for the bound.
    """

    solver: str = "highs"
    time_limit: float = 60.0
    gap: float = 0.005
    nearest: int | None = 8
    seed: int = 0
    heuristic_time: float | None = None
    workers: int = 1
    min_tolerance_share: float = 0.3
    retries: int = 1
    repair: bool = True
    repair_hops: int = 2
    repair_time_limit: float = 60.0
    repair_contiguity: ContiguityMode | Literal["same"] = "cuts"
    bound: bool = True
    bound_time_limit: float = 30.0

    def piece_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`_solve_piece` for every piece."""
        return {
            "solver": self.solver,
            "time_limit": self.time_limit,
            "gap": self.gap,
            "nearest": self.nearest,
            "seed": self.seed,
            "heuristic_time": self.heuristic_time,
            "retries": self.retries,
        }


def decompose(
    problem: TerritoryProblem,
    regions: pd.Series | Mapping[Hashable, Hashable],
    settings: DecompositionSettings | None = None,
    **options: Any,
) -> DecompositionResult:
    """Solve a large fixed-centre problem region by region, then repair the seams.

    Parameters
    ----------
    problem : TerritoryProblem
        The full problem (reps with homes); not modified.
    regions : pandas.Series or mapping
        unit id -> region label (région, manager district, coarse plan...).
    settings : DecompositionSettings, optional
        Piece solves, seam repair and bound (defaults: ``DecompositionSettings()``).
    **options
        Any field of :class:`DecompositionSettings` as a keyword (``time_limit=30``,
        ``workers=2``...), applied over ``settings``.

    Returns
    -------
    DecompositionResult

    Raises
    ------
    TypeError
        On a keyword that is not a field of :class:`DecompositionSettings`.
    """
    s = dataclasses.replace(settings or DecompositionSettings(), **options)
    t0 = time.perf_counter()
    pieces = region_pieces(problem, regions, min_tolerance_share=s.min_tolerance_share)
    lab = _region_labels(problem, regions)
    regions_s = pd.Series(lab, index=pd.Index(list(problem.unit_ids)), dtype=object)
    order = sorted(pieces, key=lambda g: (-pieces[g][0].n_units, str(g)))
    tp = time.perf_counter()
    results = _solve_pieces(pieces, order, s)
    pieces_seconds = time.perf_counter() - tp
    table, restricted = _pieces_table(pieces, results)
    stitched_s = pd.concat([results[g][0] for g in order]).reindex(list(problem.unit_ids))
    check0, obj0 = _evaluate(problem, stitched_s)
    first = time.perf_counter() - t0 if check0.feasible else None
    notes = [
        f"{len(pieces)} pieces in {pieces_seconds:.1f} s ({s.workers} worker(s)); stitched plan "
        + ("feasible" if check0.feasible else "infeasible: " + "; ".join(check0.violations))
    ]
    stitched = _stitched_alignment(
        problem, stitched_s, check0, obj0, pieces_seconds, s.solver, notes[0]
    )
    final, repair_report = stitched, None
    if s.repair:
        final, repair_report, first = _repair(
            problem, stitched_s, check0.feasible, regions_s, s, t0, first, notes
        )
    check1, obj1 = _evaluate(problem, final.assignment)
    if first is None and check1.feasible:
        first = time.perf_counter() - t0
    br, bound_seconds = _bound(problem, obj1, s)
    status, gapv = _status_and_gap(check1.feasible, obj1, br.value)
    notes += _bound_notes(br, restricted is not None)
    report = SolveReport(
        status=status,
        objective=obj1,
        bound=br.value,
        gap=gapv,
        seconds=time.perf_counter() - t0,
        solver=f"decompose({s.solver})",
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


def _evaluate(problem: TerritoryProblem, assignment: pd.Series) -> tuple[PlanCheck, float]:
    """Feasibility check and objective of a plan (unit id -> rep id) of ``problem``."""
    a = _columns_of(problem, assignment)
    return check_plan(problem, a), plan_objective(problem, a)


def _stitched_alignment(
    problem: TerritoryProblem,
    stitched_s: pd.Series,
    check0: PlanCheck,
    obj0: float,
    pieces_seconds: float,
    solver: str,
    note: str,
) -> Alignment:
    """The stitched piece plans as an alignment, with their own report."""
    report = SolveReport(
        "feasible" if check0.feasible else "infeasible",
        obj0,
        None,
        None,
        pieces_seconds,
        f"decompose({solver})",
        note,
    )
    return Alignment.from_assignment(stitched_s, problem=problem, report=report)


def _bound(
    problem: TerritoryProblem, obj1: float, s: DecompositionSettings
) -> tuple[BoundResult, float]:
    """The Lagrangian bound (when asked for) and the seconds it took."""
    tb = time.perf_counter()
    br = (
        lagrangian_bound(problem, upper=obj1, time_limit=s.bound_time_limit)
        if s.bound
        else BoundResult(None, "not computed")
    )
    return br, time.perf_counter() - tb


def _bound_notes(br: BoundResult, restricted: bool) -> list[str]:
    """Report notes on the bound (and on the piece bounds when they only hold per region)."""
    notes = [
        f"bound: {br.kind}, {br.iterations} iterations in {br.seconds:.1f} s"
        if br.value is not None
        else f"bound: {br.kind}"
    ]
    if restricted:
        notes.append(
            "the sum of the piece bounds is a bound only for region-confined plans, not for the full problem"
        )
    return notes


_PieceResults = dict[Hashable, tuple[pd.Series, SolveReport, list[str]]]


def _solve_pieces(
    pieces: Mapping[Hashable, tuple[TerritoryProblem, list[str]]],
    order: list[Hashable],
    s: DecompositionSettings,
) -> _PieceResults:
    """Solve every piece, in this process or in ``s.workers`` spawned processes."""
    kw = s.piece_options()
    results: _PieceResults = {}
    if s.workers > 1 and len(order) > 1:
        with spawn_pool(min(s.workers, len(order))) as pool:
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
    return results


def _pieces_table(
    pieces: Mapping[Hashable, tuple[TerritoryProblem, list[str]]], results: _PieceResults
) -> tuple[pd.DataFrame, float | None]:
    """One row per region, and the sum of the piece bounds (``None`` if one is missing)."""
    rows = []
    restricted: float | None = 0.0
    for g in sorted(pieces, key=str):
        piece, pnotes = pieces[g]
        _, rep, snotes = results[g]
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
    return pd.DataFrame(rows).set_index("region"), restricted


def _repair(
    problem: TerritoryProblem,
    stitched: pd.Series,
    stitched_feasible: bool,
    regions: pd.Series,
    s: DecompositionSettings,
    t0: float,
    first: float | None,
    notes: list[str],
) -> tuple[Alignment, SolveReport, float | None]:
    """Balance repair (if the stitched plan is outside the bounds), then seam repair.

    Appends to ``notes``; returns the plan, the repair's report and the time of the first
    feasible plan.
    """
    tr = time.perf_counter()
    common: dict[str, Any] = {
        "contiguity": s.repair_contiguity,
        "gap": s.gap,
        "solver": s.solver,
        "nearest": s.nearest,
        "seed": s.seed,
    }
    current = stitched
    if not stitched_feasible:  # first fix the few territories outside the bounds
        fix = refine_borders(
            problem,
            stitched,
            hops=s.repair_hops + 1,
            seams=False,
            time_limit=s.repair_time_limit / 2,
            **common,
        )
        assert fix.report is not None
        notes.append(f"balance repair {fix.report.status}: {fix.report.message}")
        current = fix.assignment
        if fix.report.status == "feasible" and first is None:
            first = time.perf_counter() - t0
    left = max(s.repair_time_limit - (time.perf_counter() - tr), 0.25 * s.repair_time_limit)
    final = refine_borders(
        problem, current, regions=regions, hops=s.repair_hops, time_limit=left, **common
    )
    assert final.report is not None
    repair_report = dataclasses.replace(final.report, seconds=time.perf_counter() - tr)
    notes.append(f"seam repair {final.report.status}: {final.report.message}")
    return final, repair_report, first


def _status_and_gap(
    feasible: bool, objective: float, bound: float | None
) -> tuple[str, float | None]:
    """``"optimal"`` when a feasible plan attains a true bound, else feasible/infeasible."""
    if bound is None or not feasible:
        return ("feasible" if feasible else "infeasible"), None
    gapv = max(objective - bound, 0.0) / max(abs(objective), 1e-10)
    # the bound drops contiguity: a plan attaining it is optimal
    return ("optimal" if gapv <= 1e-6 else "feasible"), gapv
