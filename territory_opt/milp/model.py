r"""The territory-design MILP, built as solver-neutral arrays (and as PuLP on demand).

Formulation
-----------
Units :math:`i \in U` (:math:`n`), columns :math:`c \in C`: one per rep with fixed centres
(root :math:`h_c` = the rep's home), one per candidate centre with free centres (root
:math:`h_c` = the candidate; :math:`k` of them are opened). :math:`A \subseteq U \times C`
are the allowed pairs (after pruning and locks). Variables: :math:`x_{ic} \in \{0,1\}` for
:math:`(i,c) \in A`; with free centres :math:`y_c \equiv x_{h_c c}`, with fixed centres
:math:`y_c \equiv 1`.

.. math::

    \min\; & \sum_{(i,c)\in A} w_i\, d_{ic}^{\,p}\, x_{ic}
        \;+\; \lambda\, D(x) \;+\; \sum_{c,m} \pi_m (e^+_{cm} + e^-_{cm})
        && \text{(objective = "cost")} \\
    \text{or}\; \min\; & D(x) + \sum_{c,m} \pi_m (e^+_{cm} + e^-_{cm})
        && \text{(objective = "disruption")} \\
    \text{s.t.}\; & \sum_{c:(i,c)\in A} x_{ic} = 1 && \forall i \in U \\
    & x_{h_c c} = 1 && \text{fixed centres, } \forall c \\
    & x_{ic} \le y_c,\quad \textstyle\sum_c y_c = k && \text{free centres} \\
    & L_{cm}\, y_c - T_{cm} e^-_{cm} \le \sum_i a_{im} x_{ic} \le U_{cm}\, y_c + T_{cm} e^+_{cm}
        && \forall c, m \quad (e \equiv 0 \text{ when hard}) \\
    & D(x) = \sum_{i: b(i) \ne \varnothing} v_i\,(1 - x_{i\,b(i)}) \le B && \text{(budget)} \\
    & x_{ic} = 1 && \text{locks } (i, c)

with :math:`L_{cm} = \max((1-\tau_m)T_{cm}, \ell_m)`, :math:`U_{cm} = \min((1+\tau_m)T_{cm}, u_m)`,
:math:`T_{cm} = s_c \sum_i a_{im}` (FTE share :math:`s_c`), plus the contiguity
constraints of :mod:`territory_opt.milp.contiguity`. :math:`x_{ib(i)}` missing from :math:`A`
counts as 0 (the unit must move).

The model is kept as arrays (objective, bounds, CSR rows) so that HiGHS gets it in one
``passModel`` call and cut rounds append rows cheaply; :meth:`MilpModel.to_pulp` gives
the same model as a :class:`pulp.LpProblem` (used for CBC and for export).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from ..problem.territory_problem import TerritoryProblem
from ._build_steps import (
    _add_assignment,
    _add_balance,
    _add_contiguity,
    _objective,
    _objective_parts,
)
from .pruning import allowed_mask

__all__ = ["MilpModel", "Row", "allowed_mask", "build_model", "start_vector"]

Row = tuple[np.ndarray, np.ndarray, float, float]
"""One linear row: (column indices, coefficients, lower, upper)."""


@dataclass(frozen=True, eq=False)
class MilpModel:
    """A MILP in arrays: ``min c.x + offset`` s.t. ``row_lower <= A x <= row_upper``, bounds.

    Attributes
    ----------
    c, offset : objective coefficients and constant.
    col_lower, col_upper, integer : column bounds and integrality.
    start, index, value : the CSR matrix ``A``.
    row_lower, row_upper : row bounds.
    x : numpy.ndarray
        ``(n, K)`` column index of :math:`x_{ic}` (``-1`` when not allowed).
    parts : dict
        Named linear expressions ``name -> (coefficients, constant)`` over the columns:
        ``"cost"``, ``"disruption"`` (when a baseline is set), ``"penalty"``.
    """

    c: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    x: np.ndarray
    parts: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)
    flow: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def n_cols(self) -> int:
        """Number of columns (variables)."""
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return int(self.row_lower.shape[0])

    def with_rows(self, rows: Sequence[Row]) -> MilpModel:
        """A copy with extra rows appended."""
        if not rows:
            return self
        idx = [self.index, *(np.asarray(r[0], dtype=np.int64) for r in rows)]
        val = [self.value, *(np.asarray(r[1], dtype=float) for r in rows)]
        lens = np.array([len(r[0]) for r in rows], dtype=np.int64)
        start = np.concatenate([self.start, self.start[-1] + np.cumsum(lens)])
        return dataclasses.replace(
            self,
            start=start,
            index=np.concatenate(idx),
            value=np.concatenate(val),
            row_lower=np.concatenate([self.row_lower, [r[2] for r in rows]]),
            row_upper=np.concatenate([self.row_upper, [r[3] for r in rows]]),
        )

    def with_objective(
        self, name: str, *, bound_parts: dict[str, float] | None = None
    ) -> MilpModel:
        """A copy minimising ``parts[name]`` (+ penalty), with ``part <= value`` rows added.

        Used for lexicographic optimisation: ``bound_parts={"cost": z*}``.
        """
        coef, const = self.parts[name]
        c = coef.copy()
        off = const
        if "penalty" in self.parts and name != "penalty":
            c = c + self.parts["penalty"][0]
        rows: list[Row] = []
        for pname, val in (bound_parts or {}).items():
            pc, pk = self.parts[pname]
            nz = np.flatnonzero(pc)
            rows.append((nz, pc[nz], -np.inf, val - pk))
        return dataclasses.replace(self.with_rows(rows), c=c, offset=off)

    def evaluate(self, values: np.ndarray) -> dict[str, float]:
        """Value of each part (and ``"objective"``) at a column vector."""
        out = {k: float(v[0] @ values + v[1]) for k, v in self.parts.items()}
        out["objective"] = float(self.c @ values + self.offset)
        return out

    def max_violation(self, values: np.ndarray) -> float:
        """Largest bound or row violation of a column vector (0 when feasible)."""
        act = (
            np.add.reduceat(self.value * values[self.index], self.start[:-1])
            if len(self.index)
            else np.zeros(self.n_rows)
        )
        empty = self.start[:-1] == self.start[1:]
        act = np.where(empty, 0.0, act)
        viol = np.concatenate(
            [
                np.maximum(self.row_lower - act, 0.0),
                np.maximum(act - self.row_upper, 0.0),
                np.maximum(self.col_lower - values, 0.0),
                np.maximum(values - self.col_upper, 0.0),
                np.abs(values - np.round(values)) * self.integer,
            ]
        )
        return float(viol.max()) if viol.size else 0.0

    def to_pulp(self, name: str = "territories") -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        """The same model as a PuLP problem (variables ``v0..``, rows ``r0..``)."""
        prob = pulp.LpProblem(name, pulp.LpMinimize)
        vars_ = []
        for j in range(self.n_cols):
            lo = None if not np.isfinite(self.col_lower[j]) else float(self.col_lower[j])
            hi = None if not np.isfinite(self.col_upper[j]) else float(self.col_upper[j])
            cat = (
                pulp.LpBinary
                if self.integer[j] and lo == 0 and hi == 1
                else (pulp.LpInteger if self.integer[j] else pulp.LpContinuous)
            )
            vars_.append(pulp.LpVariable(f"v{j}", lowBound=lo, upBound=hi, cat=cat))
        nz = np.flatnonzero(self.c)
        prob += (
            pulp.LpAffineExpression([(vars_[j], float(self.c[j])) for j in nz.tolist()])
            + self.offset
        )
        for r in range(self.n_rows):
            a, b = int(self.start[r]), int(self.start[r + 1])
            expr = pulp.LpAffineExpression(
                [
                    (vars_[j], float(v))
                    for j, v in zip(self.index[a:b].tolist(), self.value[a:b].tolist(), strict=True)
                ]
            )
            lo, hi = float(self.row_lower[r]), float(self.row_upper[r])
            if lo == hi:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{r}", hi)
                continue
            if np.isfinite(lo):
                prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{r}_lo", lo)
            if np.isfinite(hi):
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{r}_hi", hi)
        return prob, vars_


class _Builder:
    def __init__(self) -> None:
        self.c: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[Row] = []

    def add_cols(self, count: int, lo: float, hi: float, integer: bool) -> np.ndarray:
        first = len(self.c)
        self.c.extend([0.0] * count)
        self.lo.extend([lo] * count)
        self.hi.extend([hi] * count)
        self.integer.extend([integer] * count)
        return np.arange(first, first + count, dtype=np.int64)

    def add_row(
        self,
        idx: Sequence[int] | np.ndarray,
        val: Sequence[float] | np.ndarray,
        lo: float,
        hi: float,
    ) -> None:
        self.rows.append(
            (np.asarray(idx, dtype=np.int64), np.asarray(val, dtype=float), float(lo), float(hi))
        )

    def finish(
        self,
        x: np.ndarray,
        parts: dict[str, tuple[np.ndarray, float]],
        c: np.ndarray,
        offset: float,
        flow: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None,
    ) -> MilpModel:
        lens = np.array([len(r[0]) for r in self.rows], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        index = (
            np.concatenate([r[0] for r in self.rows]) if self.rows else np.zeros(0, dtype=np.int64)
        )
        value = np.concatenate([r[1] for r in self.rows]) if self.rows else np.zeros(0)
        return MilpModel(
            c=c,
            offset=offset,
            col_lower=np.array(self.lo, dtype=float),
            col_upper=np.array(self.hi, dtype=float),
            integer=np.array(self.integer, dtype=bool),
            start=start,
            index=index.astype(np.int64),
            value=value.astype(float),
            row_lower=np.array([r[2] for r in self.rows], dtype=float),
            row_upper=np.array([r[3] for r in self.rows], dtype=float),
            x=x,
            parts=parts,
            flow=flow,
        )


def build_model(problem: TerritoryProblem, allowed: np.ndarray | None = None) -> MilpModel:
    """Build the MILP of ``problem`` (formulation in the module docstring).

    Parameters
    ----------
    problem : TerritoryProblem
    allowed : numpy.ndarray, optional
        ``(n, K)`` mask from :func:`allowed_mask` (default: no pruning).

    Returns
    -------
    MilpModel
    """
    n, K = problem.n_units, problem.n_columns
    mask = allowed_mask(problem) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    B = _Builder()
    pairs = np.argwhere(mask)
    cols = B.add_cols(len(pairs), 0.0, 1.0, True)
    x = np.full((n, K), -1, dtype=np.int64)
    x[pairs[:, 0], pairs[:, 1]] = cols
    y = _add_assignment(problem, B, x)
    pen_cols, pen_w = _add_balance(problem, B, x, y)
    flow = _add_contiguity(problem, B, x)
    parts = _objective_parts(problem, B, x, pairs, pen_cols, pen_w)
    cvec, off = _objective(problem, parts)
    return B.finish(x, parts, cvec, off, flow)


def start_vector(problem: TerritoryProblem, model: MilpModel, assignment: np.ndarray) -> np.ndarray:
    """Column vector of a plan (``(n,)`` column index per unit) for warm starts.

    Fills :math:`x`, the soft-balance deviations and the flow variables (a BFS tree of
    each territory carries one unit of flow per descendant). Units whose column is not
    allowed are left at 0 (the start is then partial).
    """
    from .contiguity import flow_start

    vals = np.zeros(model.n_cols)
    n = problem.n_units
    asg = np.asarray(assignment, dtype=np.int64)
    ok = (asg >= 0) & (model.x[np.arange(n), np.clip(asg, 0, None)] >= 0)
    vals[model.x[np.flatnonzero(ok), asg[ok]]] = 1.0
    if model.flow is not None:
        flow_start(problem, model, asg, vals)
    if "penalty" in model.parts:
        # deviations: set each to the smallest value satisfying its row
        _fill_deviations(model, vals)
    return vals


def _fill_deviations(model: MilpModel, vals: np.ndarray) -> None:
    pen = np.flatnonzero(model.parts["penalty"][0])
    pen_set = set(pen.tolist())
    for r in range(model.n_rows):
        a, b = int(model.start[r]), int(model.start[r + 1])
        idx = model.index[a:b]
        cols = [k for k, j in enumerate(idx.tolist()) if j in pen_set]
        if not cols:
            continue
        k = cols[0]
        j = int(idx[k])
        coef = model.value[a:b]
        act = float(coef @ vals[idx]) - coef[k] * vals[j]
        need = 0.0
        if np.isfinite(model.row_upper[r]) and act > model.row_upper[r]:
            need = (act - model.row_upper[r]) / -coef[k]
        if np.isfinite(model.row_lower[r]) and act < model.row_lower[r]:
            need = (model.row_lower[r] - act) / coef[k]
        vals[j] = max(need, 0.0)
