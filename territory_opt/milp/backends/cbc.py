"""The CBC back-end (PuLP 3's bundled ``PULP_CBC_CMD``); bound and gap parsed from its log."""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...exceptions import SolverError
from ._result import RawResult, proven

if TYPE_CHECKING:
    from ..model import MilpModel

__all__ = ["INSTALL_CBC", "run_cbc"]

logger = logging.getLogger("territory_opt.solve.pipeline")

INSTALL_CBC = (
    "CBC is not available: PuLP's bundled binary was not found or cannot run ({exc}). "
    "Reinstall PuLP 3.x, which ships CBC: pip install --force-reinstall 'pulp>=3.3,<4' "
    "(PuLP 4 dropped the bundled CBC), or use solver='highs'."
)


_CBC_RESULT = re.compile(r"^Result - (.*)$", re.M)
_CBC_OBJ = re.compile(r"^Objective value:\s+(\S+)", re.M)
_CBC_LB = re.compile(r"^Lower bound:\s+(\S+)", re.M)
_CBC_BEST_POSSIBLE = re.compile(r"best possible (-?[\d.eE+-]+)")


def run_cbc(
    model: MilpModel,
    *,
    time_limit: float,
    gap: float,
    threads: int,
    seed: int,
    start: np.ndarray | None,
) -> RawResult:
    try:
        import pulp
    except ImportError as exc:
        raise SolverError(INSTALL_CBC.format(exc=exc)) from exc

    t0 = time.perf_counter()
    bare = dataclasses.replace(model, offset=0.0)
    prob, vars_ = bare.to_pulp()
    if start is not None:
        for v, val in zip(vars_, start.tolist(), strict=True):
            v.setInitialValue(round(val) if v.cat != pulp.LpContinuous else val)
    with tempfile.TemporaryDirectory(prefix="territory_cbc_") as tmp:
        log_path = Path(tmp) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=max(time_limit, 1.0),
            gapRel=gap,
            threads=int(threads),
            warmStart=start is not None,
            logPath=str(log_path),
            keepFiles=False,
        )
        if not solver.available():
            raise SolverError(INSTALL_CBC.format(exc=f"no executable at {solver.path}"))
        try:
            prob.solve(solver)
        except pulp.PulpSolverError as exc:
            raise SolverError(
                f"CBC failed ({exc}); if it was killed (out of memory?) shrink the model "
                "(nearest=, coarser units) or use solver='highs'."
            ) from exc
        text = log_path.read_text() if log_path.exists() else ""
    for line in text.splitlines():
        if line.strip():
            logger.debug("cbc: %s", line.rstrip())
    seconds = time.perf_counter() - t0
    result = (_CBC_RESULT.findall(text) or [""])[-1].strip()
    obj_m = _CBC_OBJ.findall(text)
    lb_m = _CBC_LB.findall(text)
    bp = _CBC_BEST_POSSIBLE.findall(text)
    if (
        "infeasible" in result.lower()
        or "problem is infeasible" in text.lower()
        or prob.status == pulp.LpStatusInfeasible
    ):
        return RawResult("infeasible", None, None, None, None, seconds, f"CBC: {result}")
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in vars_], dtype=float)
    has_sol = (
        bool(obj_m) and "no feasible" not in text.lower()[-2000:] and prob.sol_status in (1, 2)
    )
    bound: float | None = None
    if lb_m:
        bound = float(lb_m[-1]) + model.offset
    elif bp:
        bound = float(bp[-1]) + model.offset
    if not has_sol:
        return RawResult(
            "no_solution", None, None, bound, None, seconds, f"CBC: {result or 'no plan'}"
        )
    obj = float(obj_m[-1]) + model.offset
    if result.startswith("Optimal solution found") and not lb_m:
        bound = obj if "gap" not in result.lower() else bound
    gap_v = None if bound is None else abs(obj - bound) / max(abs(obj), 1e-10)
    is_proven = proven(obj, bound)
    return RawResult(
        "optimal" if is_proven else "feasible", values, obj, bound, gap_v, seconds, f"CBC: {result}"
    )
