"""Scale safety: estimate the MILP's size before building it, warn or refuse with advice.

:func:`estimate_model_size` counts, without building anything, the variables, constraints
and nonzeros that :func:`territory_opt.milp.model.build_model` would create for a problem (and
a pruning mask), for each contiguity mode, and turns them into a rough memory estimate
for the chosen solver. :func:`check_model_size` is called by
:func:`territory_opt.solve.pipeline.optimize` before any model is built: above
``WARN_FRACTION`` of the memory limit it logs a warning, above the limit it raises
:class:`ModelTooLargeError` (a :class:`~territory_opt.exceptions.SolverError`) whose
message says how to shrink the model.

How the estimate is made
------------------------
Counts follow the model exactly for the assignment, free-centre, balance, shortest-path
(``"sp"``: one row per allowed non-root pair, at most ``1 + degree`` nonzeros) and flow
(``"flow"``: one flow column per arc between two units allowed in the same column, two
linking rows per arc, one conservation row per unit) parts; ``"cuts"`` counts the base
model plus ``CUT_ROUNDS_ALLOWANCE`` of the sp rows for the cuts added in later rounds.
Bytes are ``per_col * variables + per_row * constraints + per_nz * nonzeros`` with
per-solver constants measured on grid models (build arrays + solver copies + MIP
presolve/search working memory for HiGHS; PuLP objects + the MPS file + CBC for CBC),
times a safety factor. It is an order of magnitude, not a promise: the MIP search tree
grows with time and is not modelled.

The memory limit is the ``max_bytes`` argument, else the machine's *available* memory
(``MemAvailable`` of ``/proc/meminfo``, else ``os.sysconf`` available physical pages).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import SolverError

if TYPE_CHECKING:
    from ..problem.territory_problem import ContiguityMode, TerritoryProblem

__all__ = [
    "BYTES_PER",
    "WARN_FRACTION",
    "ModelSize",
    "ModelTooLargeError",
    "available_memory",
    "check_model_size",
    "estimate_model_size",
]

logger = logging.getLogger(__name__)

WARN_FRACTION = 0.5
"""Warn when the estimate exceeds this share of the memory limit."""

CUT_ROUNDS_ALLOWANCE = 0.25
"""Share of the sp rows counted for the cuts a ``"cuts"`` loop typically adds."""

_SAFETY = 1.5

BYTES_PER: dict[str, tuple[float, float, float]] = {
    # (per variable, per constraint, per nonzero): peak RSS of build + 15 s solve of
    # 30x30 (flow) and 40x40 (sp) grids with 8 reps, divided out (see module doc)
    "highs": (1200.0, 1350.0, 360.0),
    "cbc": (3600.0, 2600.0, 600.0),
}
"""Bytes per variable, constraint and nonzero for each solver (before the safety factor)."""


@dataclass(frozen=True)
class ModelSize:
    """Estimated size of a territory MILP.

    Attributes
    ----------
    variables : int
        Columns (assignment binaries, flow and deviation variables).
    constraints : int
        Rows.
    nonzeros : int
        Nonzero coefficients of the constraint matrix.
    bytes_estimate : int
        Rough peak memory of building and solving it with ``solver``.
    contiguity : str or None
        Contiguity mode counted.
    solver : str
        Solver whose memory constants were used.
    """

    variables: int
    constraints: int
    nonzeros: int
    bytes_estimate: int
    contiguity: str | None = None
    solver: str = "highs"

    def __str__(self) -> str:
        return (
            f"{self.variables:,} variables, {self.constraints:,} constraints, "
            f"{self.nonzeros:,} nonzeros, ~{_human(self.bytes_estimate)} with {self.solver}"
            f" (contiguity {self.contiguity!r})"
        )


class ModelTooLargeError(SolverError):
    """The model would not fit in memory; ``size``, ``limit`` and ``advice`` say why and what to do."""

    def __init__(self, size: ModelSize, limit: int, advice: Sequence[str]):
        self.size = size
        self.limit = int(limit)
        self.advice: tuple[str, ...] = tuple(advice)
        super().__init__(
            f"the model is too large to solve here: {size}, above the memory limit of "
            f"{_human(limit)}. Make it smaller:\n" + "\n".join(f"  - {a}" for a in self.advice)
        )


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} TB"  # pragma: no cover


def available_memory() -> int | None:
    """Bytes of memory available to a new solve, or ``None`` when unknown.

    ``MemAvailable`` from ``/proc/meminfo`` (Linux; counts reclaimable cache), else
    ``os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")``.
    """
    meminfo = Path("/proc/meminfo")
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _sparse_graph(problem: TerritoryProblem) -> tuple[np.ndarray, np.ndarray]:
    """Directed arcs (tail, head) of the unit graph, both directions."""
    nb = problem.neighbors()
    deg = np.array([len(a) for a in nb], dtype=np.int64)
    tails = np.repeat(np.arange(len(nb), dtype=np.int64), deg)
    heads = np.concatenate(nb).astype(np.int64) if len(nb) and deg.sum() else np.zeros(0, np.int64)
    return tails, heads


def estimate_model_size(
    problem: TerritoryProblem,
    allowed: np.ndarray | None = None,
    *,
    contiguity: ContiguityMode | str = "problem",
    solver: str = "highs",
) -> ModelSize:
    """Count the variables, constraints and nonzeros of the model, without building it.

    Parameters
    ----------
    problem : TerritoryProblem
    allowed : numpy.ndarray, optional
        ``(n, K)`` allowed assignments (see :func:`territory_opt.milp.model.allowed_mask`);
        default: every assignment (no pruning), as :func:`~territory_opt.milp.model.build_model`.
    contiguity : {"sp", "flow", "cuts", None}, optional
        Mode to count (default: the problem's own).
    solver : {"highs", "cbc"}
        Whose memory constants to use for ``bytes_estimate``.

    Returns
    -------
    ModelSize
    """
    from .model import allowed_mask

    mode = problem.contiguity if contiguity == "problem" else contiguity
    mask = allowed_mask(problem) if allowed is None else np.asarray(allowed, dtype=bool)
    n, K = mask.shape
    per_col = mask.sum(axis=0).astype(np.int64)
    pairs = int(per_col.sum())
    cols, rows, nnz = pairs, n, pairs  # x variables; assignment rows

    if problem.free_centres:
        rows += 1
        nnz += K
        links = int(per_col.sum() - K)  # x_ic <= y_c for every allowed non-root pair
        rows += links
        nnz += 2 * links

    # balance rows: an upper row when finite, a lower row when positive
    lo, hi = problem.bounds()
    for m, bal in enumerate(problem.balance):
        n_rows = np.isfinite(hi[:, m]).astype(np.int64) + (lo[:, m] > 0).astype(np.int64)
        rows += int(n_rows.sum())
        extra = (1 if bal.penalty is not None else 0) + (1 if problem.free_centres else 0)
        nnz += int((n_rows * (per_col + extra)).sum())
        if bal.penalty is not None:
            cols += int(n_rows.sum())

    if problem.baseline is not None and problem.disruption_budget is not None:
        rows += 1
        nnz += int((np.asarray(problem.baseline) >= 0).sum())

    deg = np.array([len(a) for a in problem.neighbors()], dtype=np.int64)
    non_root = mask.copy()
    for c, r in enumerate(problem.roots.tolist()):
        if r >= 0:
            non_root[r, c] = False
    sp_rows = int(non_root.sum())
    sp_nnz = int(non_root.sum() + (non_root * deg[:, None]).sum())
    if mode == "sp":
        rows += sp_rows
        nnz += sp_nnz
    elif mode == "cuts":
        rows += int(CUT_ROUNDS_ALLOWANCE * sp_rows)
        nnz += int(CUT_ROUNDS_ALLOWANCE * sp_nnz)
    elif mode == "flow":
        tails, heads = _sparse_graph(problem)
        arcs = 0
        root_rows = 0
        for c, r in enumerate(problem.roots.tolist()):
            ok = mask[:, c]
            a = ok[tails] & ok[heads]
            if r >= 0:
                a &= heads != r
                root_rows += int((a & (tails == r)).sum())
            arcs += int(a.sum())
        cols += arcs
        rows += 2 * arcs - root_rows + sp_rows
        nnz += 2 * (2 * arcs - root_rows) + 2 * arcs + sp_rows

    if str(solver).lower() not in BYTES_PER:
        solver = "highs"
    pc, pr, pn = BYTES_PER[str(solver).lower()]
    est = _SAFETY * (pc * cols + pr * rows + pn * nnz)
    return ModelSize(
        variables=int(cols),
        constraints=int(rows),
        nonzeros=int(nnz),
        bytes_estimate=int(est),
        contiguity=mode,
        solver=str(solver).lower(),
    )


def _advice(problem: TerritoryProblem, allowed: np.ndarray | None) -> list[str]:
    out = []
    n, K = problem.n_units, problem.n_columns
    pruned = allowed is not None and int(np.asarray(allowed).sum()) < n * K
    if not pruned and K > 3:
        out.append(
            "prune the assignments: optimize(..., nearest=5) keeps each unit's 5 nearest "
            "homes (it falls back to the full model if pruning would make it infeasible)"
        )
    elif pruned:
        out.append("prune harder: a smaller nearest= or radius=")
    out.append(
        "use coarser units: territory_opt.data.coarsen.aggregate_units(units, groups) "
        "(e.g. EPCI or cantons), solve, then expand_assignment back to the fine units"
    )
    if problem.contiguity == "flow":
        out.append(
            "use contiguity='cuts' (exact, adds rows only when needed) or 'sp' instead of "
            "'flow', whose flow variables dominate the size"
        )
    elif problem.contiguity == "sp":
        out.append("use contiguity='cuts': it starts without contiguity rows")
    if any(b.hard for b in problem.balance):
        out.append(
            "make balance soft (Balance(measure, tolerance, penalty=...)) so that a "
            "shorter, time-limited solve still returns a plan"
        )
    out.append("or use the heuristic alone: territory_opt.heuristics.build.build_plan")
    return out


def check_model_size(
    problem: TerritoryProblem,
    allowed: np.ndarray | None = None,
    *,
    solver: str = "highs",
    max_bytes: int | None = None,
) -> ModelSize:
    """Estimate the model's size; warn above ``WARN_FRACTION`` of the limit, refuse above it.

    Parameters
    ----------
    problem : TerritoryProblem
    allowed : numpy.ndarray, optional
        Pruning mask that will be used to build the model.
    solver : {"highs", "cbc"}
    max_bytes : int, optional
        Memory limit; default :func:`available_memory` (no refusal when unknown).

    Returns
    -------
    ModelSize

    Raises
    ------
    ModelTooLargeError
        The estimate exceeds the limit; the message lists how to shrink the model.
    """
    size = estimate_model_size(problem, allowed, solver=solver)
    limit = max_bytes if max_bytes is not None else available_memory()
    logger.info("model size estimate: %s", size)
    if limit is None:
        return size
    if size.bytes_estimate > limit:
        raise ModelTooLargeError(size, limit, _advice(problem, allowed))
    if size.bytes_estimate > WARN_FRACTION * limit:
        logger.warning(
            "large model: %s, more than %.0f %% of the %s available; consider: %s",
            size,
            100 * WARN_FRACTION,
            _human(limit),
            "; ".join(_advice(problem, allowed)),
        )
    return size
