"""The SCIP back-end (PySCIPOpt, optional extra ``territory-opt[scip]``), with connectivity
cuts separated inside the branch-and-bound tree.

:func:`run_scip` loads a :class:`~territory_opt.milp.model.MilpModel` into SCIP (variables
and linear rows in bulk), sets the MIP start, time limit and gap, and returns a
:class:`RawResult` with SCIP's dual bound. With ``connectivity=`` (a
:class:`~territory_opt.milp.connectivity_handler.ConnectivityGraph`) a constraint handler
makes every territory connected and rooted at its centre:

* ``CONSCHECK`` rejects any disconnected integer solution (heuristics' and the MIP
  start's included), so SCIP never accepts a disconnected incumbent;
* ``CONSENFOLP`` adds the minimal-separator cuts of a disconnected integer LP solution
  (:func:`~territory_opt.milp.connectivity_handler.integer_cuts`); ``CONSENFOPS`` asks for
  the LP (or cuts the node off when everything is fixed);
* ``CONSSEPALP`` separates fractional LP solutions
  (:func:`~territory_opt.milp.connectivity_handler.fractional_cuts`: support pieces, then a
  few maximum flows).

All cuts are globally valid (the a–b separator inequalities), so SCIP's dual bound is a
bound on the connected plans of the model. The handler locks every assignment variable
both ways, which turns off the dual reductions that would ignore connectivity.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ...exceptions import SolverError
from ._result import RawResult, proven

if TYPE_CHECKING:
    from ..connectivity_handler import ConnectivityGraph
    from ..model import MilpModel, Row

__all__ = ["INSTALL_SCIP", "import_pyscipopt", "run_scip", "scip_available"]

logger = logging.getLogger("territory_opt.solve.pipeline")

INSTALL_SCIP = (
    "SCIP (the 'pyscipopt' package) is not installed or cannot be loaded ({exc}). Install the "
    "optional extra: pip install 'territory-opt[scip]' (or pip install 'pyscipopt>=5'), or use "
    "solver='highs'."
)


PARAMS: dict[str, Any] = {}
"""SCIP parameters set on every solve (after the defaults above)."""


def import_pyscipopt() -> Any:
    """The ``pyscipopt`` module, or a :class:`SolverError` saying how to install it."""
    try:
        import pyscipopt
    except ImportError as exc:
        raise SolverError(INSTALL_SCIP.format(exc=exc)) from exc
    return pyscipopt


def scip_available() -> bool:
    """True when PySCIPOpt can be imported."""
    try:
        import_pyscipopt()
    except SolverError:
        return False
    return True


def _load(scip: Any, model: MilpModel) -> list[Any]:
    """Add the model's columns and rows to a fresh SCIP model; return the variables."""
    from pyscipopt.scip import Expr, ExprCons, Term

    vars_ = []
    for j in range(model.n_cols):
        lo = float(model.col_lower[j]) if np.isfinite(model.col_lower[j]) else None
        hi = float(model.col_upper[j]) if np.isfinite(model.col_upper[j]) else None
        vtype = "C"
        if model.integer[j]:
            vtype = "B" if lo == 0.0 and hi == 1.0 else "I"
        vars_.append(scip.addVar(name=f"v{j}", vtype=vtype, lb=lo, ub=hi, obj=float(model.c[j])))
    terms = [Term(v) for v in vars_]
    idx, val = model.index.tolist(), model.value.tolist()
    start = model.start.tolist()
    for r in range(model.n_rows):
        a, b = start[r], start[r + 1]
        expr = Expr({terms[j]: v for j, v in zip(idx[a:b], val[a:b], strict=True)})
        lo = float(model.row_lower[r])
        hi = float(model.row_upper[r])
        scip.addCons(
            ExprCons(
                expr, lhs=lo if np.isfinite(lo) else None, rhs=hi if np.isfinite(hi) else None
            ),
            name=f"r{r}",
        )
    if model.offset:
        scip.addObjoffset(float(model.offset))
    return vars_


def _handler_class() -> type:
    """The constraint-handler class (defined lazily: PySCIPOpt is optional).

    Its callbacks delegate to the module-level ``_check``, ``_enforce_lp``,
    ``_enforce_pseudo``, ``_separate_lp`` and ``_lock``.
    """
    from pyscipopt import Conshdlr

    class ConnectivityHandler(Conshdlr):  # type: ignore[misc]
        """Every territory connected: check, enforce (LP, pseudo), separate (LP)."""

        def __init__(self, graph: ConnectivityGraph, vars_: list[Any], cols: np.ndarray) -> None:
            self.graph = graph
            self.vars = vars_
            self.cols = cols  # model columns that are x_ic (the only ones read)
            self.trans: list[Any] | None = None
            self.n_enforce = 0
            self.n_sepa = 0
            self.n_rejected = 0

        def consinitsol(self, constraints: list[Any]) -> None:
            self.trans = None

        def conscheck(
            self,
            constraints: list[Any],
            solution: Any,
            checkintegrality: bool,
            checklprows: bool,
            printreason: bool,
            completely: bool,
        ) -> dict[str, Any]:
            return _check(self, solution)

        def consenfolp(
            self, constraints: list[Any], nusefulconss: int, solinfeasible: bool
        ) -> dict[str, Any]:
            return _enforce_lp(self)

        def consenfops(
            self,
            constraints: list[Any],
            nusefulconss: int,
            solinfeasible: bool,
            objinfeasible: bool,
        ) -> dict[str, Any]:
            return _enforce_pseudo(self, objinfeasible or solinfeasible)

        def conssepalp(self, constraints: list[Any], nusefulconss: int) -> dict[str, Any]:
            return _separate_lp(self)

        def conslock(self, constraint: Any, locktype: int, nlockspos: int, nlocksneg: int) -> None:
            _lock(self, constraint, locktype, nlockspos + nlocksneg)

    return ConnectivityHandler


def _values(handler: Any, sol: Any) -> np.ndarray:
    """The column values of a solution (``None``: the LP solution); only ``x_ic`` is read."""
    v = np.zeros(len(handler.vars))
    get = handler.model.getSolVal
    for j in handler.cols.tolist():
        v[j] = get(sol, handler.vars[j])
    return v


def _transformed_vars(handler: Any) -> list[Any]:
    """The transformed variables (looked up once per solve)."""
    if handler.trans is None:
        handler.trans = [handler.model.getTransformedVar(v) for v in handler.vars]
    return handler.trans  # type: ignore[no-any-return]


def _add_cuts(handler: Any, rows: list[Row], force: bool) -> tuple[bool, bool]:
    """Add rows as global cuts; (any added, infeasible)."""
    scip = handler.model
    tv = _transformed_vars(handler)
    added = infeasible = False
    for idx, val, _lo, hi in rows:
        row = scip.createEmptyRowUnspec(
            "conn", lhs=None, rhs=float(hi), local=False, removable=True
        )
        scip.cacheRowExtensions(row)
        for j, a in zip(idx.tolist(), val.tolist(), strict=True):
            scip.addVarToRow(row, tv[j], a)
        scip.flushRowExtensions(row)
        infeasible = scip.addCut(row, forcecut=force) or infeasible
        scip.addPoolCut(row)
        scip.releaseRow(row)
        added = True
        if infeasible:
            break
    return added, infeasible


def _check(handler: Any, solution: Any) -> dict[str, Any]:
    """``CONSCHECK``: reject a disconnected solution."""
    from pyscipopt import SCIP_RESULT

    from ..connectivity_handler import disconnected_columns

    if disconnected_columns(handler.graph, _values(handler, solution)):
        handler.n_rejected += 1
        return {"result": SCIP_RESULT.INFEASIBLE}
    return {"result": SCIP_RESULT.FEASIBLE}


def _enforce_lp(handler: Any) -> dict[str, Any]:
    """``CONSENFOLP``: cut off a disconnected integer LP solution by its separator cuts."""
    from pyscipopt import SCIP_RESULT

    from ..connectivity_handler import integer_cuts

    rows = integer_cuts(handler.graph, _values(handler, None))
    if not rows:
        return {"result": SCIP_RESULT.FEASIBLE}
    handler.n_enforce += len(rows)
    _, infeasible = _add_cuts(handler, rows, force=True)
    return {"result": SCIP_RESULT.CUTOFF if infeasible else SCIP_RESULT.SEPARATED}


def _enforce_pseudo(handler: Any, infeasible: bool) -> dict[str, Any]:
    """``CONSENFOPS``: ask for the LP of a disconnected pseudo solution (cut the node off
    when every ``x_ic`` is fixed); do nothing when it is already infeasible."""
    from pyscipopt import SCIP_RESULT

    from ..connectivity_handler import disconnected_columns

    if infeasible:
        return {"result": SCIP_RESULT.DIDNOTRUN}
    if not disconnected_columns(handler.graph, _values(handler, None)):
        return {"result": SCIP_RESULT.FEASIBLE}
    tv = _transformed_vars(handler)
    fixed = all(tv[j].getLbLocal() == tv[j].getUbLocal() for j in handler.cols.tolist())
    return {"result": SCIP_RESULT.CUTOFF if fixed else SCIP_RESULT.SOLVELP}


def _separate_lp(handler: Any) -> dict[str, Any]:
    """``CONSSEPALP``: separate a fractional LP solution.

    The max-flow separation at the root node only: in the tree its cost (Python per
    node) outweighs the bound it adds; the support pieces are cheap.
    """
    from pyscipopt import SCIP_RESULT

    from ..connectivity_handler import fractional_cuts

    root = handler.model.getDepth() == 0
    rows = fractional_cuts(
        handler.graph,
        _values(handler, None),
        thresholds=(0.0, 0.5) if root else (0.5,),
        flows_per_column=3 if root else 0,
    )
    if not rows:
        return {"result": SCIP_RESULT.DIDNOTFIND}
    handler.n_sepa += len(rows)
    _, infeasible = _add_cuts(handler, rows, force=False)
    return {"result": SCIP_RESULT.CUTOFF if infeasible else SCIP_RESULT.SEPARATED}


def _lock(handler: Any, constraint: Any, locktype: int, both: int) -> None:
    """``CONSLOCK``: lock every ``x_ic`` both ways (no dual reduction ignores connectivity)."""
    original = constraint.isOriginal()
    scip = handler.model
    for j in handler.cols.tolist():
        v = handler.vars[j] if original else scip.getTransformedVar(handler.vars[j])
        scip.addVarLocksType(v, locktype, both, both)


def _status(scip: Any) -> str:
    return str(scip.getStatus())


def run_scip(
    model: MilpModel,
    *,
    time_limit: float,
    gap: float,
    threads: int,
    seed: int,
    start: np.ndarray | None,
    connectivity: ConnectivityGraph | None = None,
) -> RawResult:
    """Solve ``model`` with SCIP; with ``connectivity``, territories connected by branch-and-cut.

    Parameters
    ----------
    model : MilpModel
    time_limit, gap : float
        SCIP's ``limits/time`` and ``limits/gap``.
    threads : int
        Ignored (SCIP's branch and bound is single-threaded).
    seed : int
        ``randomization/randomseedshift``.
    start : numpy.ndarray, optional
        A MIP start; a start that violates the model (or is disconnected) is rejected by
        SCIP and only logged.
    connectivity : ConnectivityGraph, optional
        Enforce connectivity with the constraint handler (see the module docstring).

    Returns
    -------
    RawResult
        ``message`` ends with ``nodes=<n> cuts=<connectivity cuts> rejected=<disconnected
        solutions refused>``.
    """
    pyscipopt = import_pyscipopt()
    t0 = time.perf_counter()
    scip = pyscipopt.Model("territories")
    scip.hideOutput()
    vars_ = _load(scip, model)
    handler = None
    if connectivity is not None:
        cols = np.unique(connectivity.x[connectivity.x >= 0])
        handler = _handler_class()(connectivity, vars_, cols)
        scip.includeConshdlr(
            handler,
            "connectivity",
            "territories connected to their root (separator cuts)",
            sepapriority=100,
            enfopriority=-10,
            chckpriority=-10,
            sepafreq=1,
            eagerfreq=-1,
            needscons=True,
        )
        scip.addPyCons(scip.createCons(handler, "connected", initial=False, propagate=False))
    scip.setParam("limits/time", float(max(time_limit - (time.perf_counter() - t0), 0.5)))
    scip.setParam("limits/gap", float(gap))
    scip.setParam("randomization/randomseedshift", int(seed) % 2**31)
    scip.setParam("display/verblevel", 0)
    for key, val in PARAMS.items():
        scip.setParam(key, val)
    if start is not None:
        sol = scip.createSol()
        for v, val in zip(vars_, np.asarray(start, dtype=float).tolist(), strict=True):
            if val:
                scip.setSolVal(sol, v, float(val))
        ok = scip.addSol(sol)
        logger.debug("scip: MIP start %s", "accepted" if ok else "rejected")
    scip.optimize()
    return _result(scip, model, vars_, handler, time.perf_counter() - t0)


def _result(
    scip: Any, model: MilpModel, vars_: list[Any], handler: Any, seconds: float
) -> RawResult:
    st = _status(scip)
    nodes = int(scip.getNNodes())
    cuts = 0 if handler is None else handler.n_enforce + handler.n_sepa
    rejected = 0 if handler is None else handler.n_rejected
    stats = f"nodes={nodes} cuts={cuts} rejected={rejected}"
    bound_v = float(scip.getDualbound())
    bound = bound_v if np.isfinite(bound_v) and abs(bound_v) < 1e19 else None
    if st == "infeasible":
        return RawResult("infeasible", None, None, None, None, seconds, f"SCIP: {st}; {stats}")
    best = scip.getBestSol() if scip.getNSols() > 0 else None
    if best is None:
        return RawResult(
            "no_solution", None, None, bound, None, seconds, f"SCIP stopped ({st}); {stats}"
        )
    values = np.array([scip.getSolVal(best, v) for v in vars_], dtype=float)
    ints = model.integer
    values[ints] = np.round(values[ints])
    obj = float(scip.getSolObjVal(best))
    if bound is not None and bound > obj:
        bound = obj
    gap_v = None if bound is None else abs(obj - bound) / max(abs(obj), 1e-10)
    status = "optimal" if st == "optimal" and proven(obj, bound) else "feasible"
    return RawResult(status, values, obj, bound, gap_v, seconds, f"SCIP: {st}; {stats}")
