"""One MILP solve: call HiGHS or CBC, refuse an answer that cannot be trusted, read the plan.

The backends themselves live in :mod:`territory_opt.milp.backends`; :func:`solve_model` is the
one place the pipeline calls them (tests replace ``_run_highs`` here to simulate faults).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ..exceptions import InputIssue, SolverError, ValidationError
from ..milp.backends import RawResult as _Raw
from ..milp.backends import run_cbc as _run_cbc
from ..milp.backends import run_highs as _run_highs
from ..milp.backends.scip import run_scip as _run_scip
from ..milp.connectivity_handler import ConnectivityGraph
from ..milp.model import MilpModel, start_vector
from ..problem.territory_problem import TerritoryProblem

__all__ = ["SOLVERS", "solve_model"]

logger = logging.getLogger("territory_opt.solve.pipeline")

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
                InputIssue(
                    "settings",
                    f"solver={solver!r}",
                    f"unknown solver {solver!r}.",
                    "use 'highs' (default) or 'cbc', or 'scip' (pip install 'territory-opt[scip]').",
                )
            ]
        )
    return name


def _decode(model: MilpModel, values: np.ndarray) -> np.ndarray:
    """Column index per unit of a solution's values."""
    xv = np.where(model.x >= 0, values[np.clip(model.x, 0, None)], -1.0)
    return np.asarray(np.argmax(xv, axis=1), dtype=np.int64)


def _start_for(
    problem: TerritoryProblem, model: MilpModel, plan: np.ndarray | None
) -> np.ndarray | None:
    """The model's values of a plan, as a MIP start (``None`` if unusable)."""
    if plan is None:
        return None
    vals = start_vector(problem, model, plan)
    viol = model.max_violation(vals)
    if viol > 1e-6:
        logger.info("warm start violates the model by %.3g: passed as a partial hint only", viol)
        return vals if viol < np.inf else None
    return vals
