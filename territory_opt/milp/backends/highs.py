"""The HiGHS back-end (``highspy`` directly): bulk model load, MIP start, real dual bound.

Every HiGHS object of the package comes from :func:`new_highs`, which silences the banner
HiGHS prints on the C-level stdout the first time one is created.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ...exceptions import SolverError
from ._result import RawResult, proven

if TYPE_CHECKING:
    from ..model import MilpModel

__all__ = [
    "INSTALL_HIGHS",
    "import_highspy",
    "new_highs",
    "quiet_stdout",
    "reset_scheduler",
    "run_highs",
]

logger = logging.getLogger("territory_opt.solve.pipeline")
_BANNER_DONE = False


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence the C-level stdout (HiGHS prints its banner when first constructed)."""
    try:
        sys.stdout.flush()
        fd = os.dup(1)
    except (OSError, ValueError):  # pragma: no cover - no real stdout
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


INSTALL_HIGHS = (
    "HiGHS (the 'highspy' package) is not installed or cannot be loaded ({exc}). Install it "
    "with: pip install 'highspy>=1.7' (a core dependency of territory_opt), or use solver='cbc'."
)


def import_highspy() -> Any:
    try:
        import highspy
    except ImportError as exc:  # missing wheel, or a broken shared library
        raise SolverError(INSTALL_HIGHS.format(exc=exc)) from exc
    return highspy


def new_highs() -> Any:
    global _BANNER_DONE
    highspy = import_highspy()

    if _BANNER_DONE:
        return highspy.Highs()
    with quiet_stdout():
        h = highspy.Highs()
    _BANNER_DONE = True
    return h


def reset_scheduler(h: Any) -> None:
    for name in ("resetThreadScheduler", "resetGlobalScheduler"):
        fn = getattr(h, name, None)
        if fn is None:
            continue
        try:
            fn(True)
        except TypeError:
            fn()
        return


def run_highs(
    model: MilpModel,
    *,
    time_limit: float,
    gap: float,
    threads: int,
    seed: int,
    start: np.ndarray | None,
) -> RawResult:
    highspy = import_highspy()

    t0 = time.perf_counter()
    h = new_highs()
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)

    def _log(event: Any) -> None:
        msg = str(getattr(event, "message", "")).rstrip()
        if msg:
            logger.debug("highs: %s", msg)

    h.cbLogging += _log
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.c.astype(float)
    lp.col_lower_ = np.where(np.isfinite(model.col_lower), model.col_lower, -inf)
    lp.col_upper_ = np.where(np.isfinite(model.col_upper), model.col_upper, inf)
    lp.row_lower_ = np.where(np.isfinite(model.row_lower), model.row_lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(model.row_upper), model.row_upper, inf)
    lp.offset_ = float(model.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = model.start.astype(np.int32)
    lp.a_matrix_.index_ = model.index.astype(np.int32)
    lp.a_matrix_.value_ = model.value.astype(float)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
        for b in model.integer.tolist()
    ]
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (passModel failed).")
    h.setOptionValue("time_limit", float(max(time_limit, 0.1)))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("threads", int(threads))
    # HiGHS keeps one process-wide thread scheduler: if another Highs object (e.g. the
    # heuristic's sub-MIPs) started it with another thread count, run() fails. Reset it.
    reset_scheduler(h)
    h.setOptionValue("random_seed", int(seed))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = [float(v) for v in start]
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    MS = highspy.HighsModelStatus
    has_sol = int(info.primal_solution_status) == 2
    values = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    obj = float(info.objective_function_value) if has_sol else None
    gap_v = float(info.mip_gap) if has_sol and np.isfinite(info.mip_gap) else None
    if ms in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
        return RawResult(
            "infeasible", None, None, bound, None, seconds, "HiGHS proved the model infeasible"
        )
    if not has_sol:
        return RawResult(
            "no_solution",
            None,
            None,
            bound,
            None,
            seconds,
            f"HiGHS stopped ({h.modelStatusToString(ms)}) without a plan",
        )
    message = f"HiGHS: {h.modelStatusToString(ms)}"
    assert values is not None and obj is not None
    own = float(model.c @ values + model.offset)
    if abs(own - obj) > 1e-6 * max(1.0, abs(own)):
        # highspy 1.16.0, presolve on, given a MIP start: "Optimal" at objective and bound
        # 8 while the returned columns (the start) cost 11 (3x3 grid, free centres). The
        # columns are what the plan is; neither the objective nor the bound can be trusted.
        message += (
            f" (its objective {obj:.6g} is not the cost of the plan it returned, {own:.6g}:"
            " the plan's cost is kept, HiGHS's bound dropped)"
        )
        return RawResult("feasible", values, own, None, None, seconds, message)
    is_proven = ms == MS.kOptimal and proven(obj, bound)
    status = "optimal" if is_proven else "feasible"
    return RawResult(status, values, obj, bound, gap_v, seconds, message)
