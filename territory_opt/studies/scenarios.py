"""What-if studies: a rep joins, leaves or moves; the balance/disruption trade-off.

A :class:`Study` holds the inputs of a redeployment study (units, reps, the current
plan, balance tolerances, model and solver settings) and builds a
:class:`~territory_opt.problem.territory_problem.TerritoryProblem` for any variant of the sales force.
Every what-if re-optimizes **from the current plan**: the current alignment is the
disruption baseline (accounts changing rep are counted, bounded by a budget or weighed
in the objective) and, where valid, the warm start.

The course (slide 38) distinguishes two kinds of redeployment, both offered here:

* ``mode="complete"`` — complete redeployment: every unit may move (within the
  disruption budget/weight);
* ``mode="local"`` — *au fil de l'eau*: only what the event forces moves (the leaver's
  units, the units around a new or moved home); everything else is locked to its
  current rep and balance becomes soft, so a plan always exists and the report says how
  far from balance it is.

Accounts a rep *must* lose (the leaver's customers) are reported as ``forced`` changes,
separately from the ``chosen`` ones, so a budget is read as "changes beyond those the
event forces".
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError
from ..graph.adjacency import adjacency_graph
from ..graph.core import matrix_from_graph, within_hops
from ..plan.alignment import Alignment
from ..problem.territory_problem import Balance, TerritoryProblem
from ..salesforce.pay import COURSE_GUARANTEE, PayImpact, pay_impact
from ..solve.pipeline import optimize
from ._whatif_local import LocalityError, honest_report, local_start, moved_outside, plan_objective

__all__ = [
    "ScenarioResult",
    "Study",
    "add_rep",
    "compare_scenarios",
    "move_rep",
    "pareto_curve",
    "remove_rep",
]

logger = logging.getLogger(__name__)

Mode = Literal["complete", "local"]


@dataclass(frozen=True)
class Study:
    """The inputs of a redeployment study.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Index unit id; geometry and measure columns.
    reps : pandas.DataFrame
        Index rep id; ``home`` (unit id), ``fte``, optional ``name``.
    baseline : pandas.Series
        Current plan, unit id -> rep id.
    balance : mapping
        Measure -> tolerance (hard), e.g. ``{"workload": 0.05, "potential": 0.05}``.
    measures : sequence of str
        Measure columns carried into the plans (balance measures and e.g. accounts).
    problem_settings : mapping
        Extra keyword arguments of :meth:`TerritoryProblem.from_geodataframe`
        (``contiguity``, ``power``, ``weight``, ``disruption``...). Defaults:
        ``contiguity="cuts"`` (exact), ``power=2`` and ``weight`` = the first balanced
        measure (moment of inertia).
    solve_settings : mapping
        Keyword arguments of :func:`territory_opt.solve.pipeline.optimize` (``solver``,
        ``time_limit``, ``nearest``...).
    graph : networkx.Graph, optional
        Unit adjacency (built once from the polygons when omitted).
    """

    units: gpd.GeoDataFrame
    reps: pd.DataFrame
    baseline: pd.Series
    balance: Mapping[str, float] = field(
        default_factory=lambda: {"workload": 0.05, "potential": 0.05}
    )
    measures: Sequence[str] = ("workload", "potential", "accounts")
    problem_settings: Mapping[str, Any] = field(default_factory=dict)
    solve_settings: Mapping[str, Any] = field(default_factory=dict)
    graph: nx.Graph | None = None

    def __post_init__(self) -> None:
        if self.graph is None:
            object.__setattr__(self, "graph", adjacency_graph(self.units))
        missing = [m for m in self.measures if m not in self.units.columns]
        if missing:
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"column(s) {missing}",
                        "measure columns missing.",
                        "add them or change measures=.",
                    )
                ]
            )

    def _balance(self, soft: float | None) -> list[Balance]:
        return [Balance(m, tol, penalty=soft) for m, tol in self.balance.items()]

    def problem(
        self,
        reps: pd.DataFrame | None = None,
        baseline: pd.Series | None = None,
        *,
        soft_balance: float | None = None,
        **overrides: Any,
    ) -> TerritoryProblem:
        """The territory problem for ``reps`` (default: the study's) from ``baseline``."""
        reps = self.reps if reps is None else reps
        base = self.baseline if baseline is None else baseline
        base = base[base.isin(reps.index)]  # a leaver's units have no valid current rep
        settings: dict[str, Any] = {
            "balance": self._balance(soft_balance),
            "baseline": base,
            # defaults: exact contiguity, moment of inertia weighted by the first measure
            "contiguity": "cuts",
            "power": 2,
            "weight": next(iter(self.balance), None),
            **dict(self.problem_settings),
            **overrides,
        }
        return TerritoryProblem.from_geodataframe(
            self.units[[*self.measures, "geometry"]],
            reps,
            measures=list(self.measures),
            graph=self.graph,
            **settings,
        )

    def current(self) -> Alignment:
        """The current plan as an :class:`Alignment` (no solve), with every unit column."""
        al = Alignment.from_assignment(
            self.baseline, problem=self.problem(), baseline=self.baseline
        )
        return dataclasses.replace(al, units=self.units)

    def solve(
        self, problem: TerritoryProblem, start: pd.Series | None = None, **extra: Any
    ) -> Alignment:
        """Optimize ``problem`` with the study's solver settings (``extra`` overrides them)."""
        kw = {**dict(self.solve_settings), **extra}
        if start is not None:
            start = start[start.isin(problem.reps.index)]
            kw["start"] = start
        return optimize(problem, **kw)


@dataclass(frozen=True)
class ScenarioResult:
    """A what-if outcome.

    Attributes
    ----------
    name : str
    before, after : Alignment
        The current plan (with the original reps) and the re-optimized one.
    forced : pandas.DataFrame
        Units whose current rep is gone (leaver), with measures.
    summary : dict
        ``accounts_changed`` (total), ``accounts_forced``, ``accounts_chosen``,
        ``units_changed``, per balance measure ``<m>_max_dev_pct_before/after``, solver
        ``status`` and ``gap``.
    """

    name: str
    before: Alignment
    after: Alignment
    forced: pd.DataFrame
    summary: dict[str, Any]

    def export(self, out: str | os.PathLike[str], **kwargs: Any) -> dict[str, Path]:
        """Write the new plan with the before/after comparison (:func:`~territory_opt.reports.export.export_plan`).

        ``kwargs`` go to ``export_plan`` (``accounts``, ``inputs``, ``force``, ``maps``...).
        """
        from ..reports.export import export_plan

        return export_plan(self.after, out, before=self.before, **kwargs)

    def changes(self) -> pd.DataFrame:
        """Units changing rep (current -> new), with measures and a ``forced`` flag."""
        ch = self.after.changes(self.before.assignment)
        ch["forced"] = ch["unit"].isin(self.forced["unit"]) if len(self.forced) else False
        return ch

    def pay(
        self,
        accounts: pd.DataFrame,
        *,
        commission_rate: float,
        fixed_salary: float | Mapping[str, float] = 0.0,
        guarantee: Sequence[float] = COURSE_GUARANTEE,
        kept_share: Sequence[float] | float = 0.0,
        revenue_col: str = "potential",
    ) -> PayImpact:
        """Pay impact of this scenario (see :func:`territory_opt.salesforce.pay.pay_impact`)."""
        return pay_impact(
            accounts,
            self.before.assignment,
            self.after.assignment,
            commission_rate=commission_rate,
            fixed_salary=fixed_salary,
            guarantee=guarantee,
            kept_share=kept_share,
            revenue_col=revenue_col,
        )


def _summary(
    study: Study, before: Alignment, after: Alignment, forced: pd.DataFrame
) -> dict[str, Any]:
    ch = after.changes(before.assignment)
    acc = "accounts" if "accounts" in ch.columns else None
    total = float(ch[acc].sum()) if acc else float(len(ch))
    forced_acc = float(forced[acc].sum()) if acc and len(forced) else float(len(forced))
    out: dict[str, Any] = {
        "units_changed": len(ch),
        "accounts_changed": total,
        "accounts_forced": forced_acc,
        "accounts_chosen": total - forced_acc,
    }
    if acc:
        out["accounts_changed_pct"] = 100 * total / float(study.units[acc].sum())
    mb, ma = before.metrics(), after.metrics()
    for m in study.balance:
        out[f"{m}_max_dev_pct_before"] = mb.get(f"{m}_max_dev_pct", float("nan"))
        out[f"{m}_max_dev_pct_after"] = ma.get(f"{m}_max_dev_pct", float("nan"))
    out["compactness_km_before"] = mb.get("compactness", float("nan"))
    out["compactness_km_after"] = ma.get("compactness", float("nan"))
    rep = after.report
    out["status"] = rep.status if rep else "n/a"
    out["gap"] = rep.gap if rep else None
    out["seconds"] = rep.seconds if rep else None
    return out


def _run(
    study: Study,
    name: str,
    reps: pd.DataFrame,
    mode: Mode,
    forced_units: Iterable[Hashable],
    free_units: Iterable[Hashable],
    overrides: Mapping[str, Any],
) -> ScenarioResult:
    if mode not in ("complete", "local"):
        raise ValidationError(f"mode must be 'complete' or 'local', not {mode!r}.")
    before = study.current()
    forced_set = set(forced_units)
    if mode == "local":
        problem, after = _run_local(study, reps, forced_set | set(free_units), overrides)
    else:
        problem = study.problem(reps, **overrides)
        after = honest_report(problem, study.solve(problem, start=study.baseline))
    # the plan keeps every unit column, and its baseline is the real current plan (the
    # leaver's units come from the leaver, not from nobody)
    after = dataclasses.replace(after, units=study.units, baseline=study.baseline)
    forced = before.changes(before.assignment).iloc[0:0]
    if forced_set:
        m = [c for c in study.measures if c in study.units.columns]
        forced = pd.DataFrame(
            {
                "unit": list(forced_set),
                "from_rep": [study.baseline.get(u) for u in forced_set],
            }
        )
        for c in m:
            forced[c] = study.units[c].reindex(forced["unit"]).to_numpy()
        forced = forced.sort_values("unit").reset_index(drop=True)
    return ScenarioResult(name, before, after, forced, _summary(study, before, after, forced))


def _run_local(
    study: Study, reps: pd.DataFrame, freed: set[Hashable], overrides: Mapping[str, Any]
) -> tuple[TerritoryProblem, Alignment]:
    """*Au fil de l'eau*: every unit outside ``freed`` (and outside what the event cuts off
    from its rep) is locked to its current rep; balance is soft, weighed so that a territory
    1 % beyond its bounds costs 1 % of the start plan's cost; the solve starts from a valid
    local plan, so it returns at worst that plan."""
    start = local_start(study.graph, study.baseline, reps, freed)  # type: ignore[arg-type]
    freed = freed | {u for u, r in study.baseline.items() if start[u] != r}
    homes = set(reps["home"])
    locks = {u: start[u] for u in study.baseline.index if u not in freed and u not in homes}
    problem = study.problem(reps, soft_balance=1.0, **{**dict(overrides), "locks": locks})
    weight = max(plan_objective(problem, start), 1.0)
    problem = problem.replace(
        balance=tuple(dataclasses.replace(b, penalty=weight) for b in problem.balance)
    )
    after = honest_report(problem, study.solve(problem, start=start, warm_start=False))
    moved = moved_outside(after.assignment, study.baseline, freed)
    if moved:
        raise LocalityError(
            f"the local what-if moved {len(moved)} unit(s) it had to keep "
            f"({', '.join(map(str, moved[:5]))}); use mode='complete'."
        )
    return problem, after


def _check_rep(study: Study, rep: Hashable, *, exists: bool) -> None:
    if exists and rep not in study.reps.index:
        raise ValidationError(
            [
                Problem(
                    "reps",
                    f"rep {rep!r}",
                    "is not in the study.",
                    f"use one of {', '.join(map(str, study.reps.index[:20]))}.",
                )
            ]
        )
    if not exists and rep in study.reps.index:
        raise ValidationError(
            [Problem("reps", f"rep {rep!r}", "already exists.", "choose a new rep id.")]
        )


def _check_home(study: Study, home: Hashable) -> None:
    if home not in study.units.index:
        raise ValidationError(
            [
                Problem(
                    "reps",
                    f"home {home!r}",
                    "is not a unit id.",
                    "give the id (e.g. INSEE code, as a string) of the unit where the rep lives.",
                )
            ]
        )


def _free_home(study: Study, reps: pd.DataFrame, home: Hashable) -> Hashable:
    """``home`` if no rep lives there yet, else the nearest unit (graph hops) without a rep.

    A unit belongs to one territory, so two reps living in one town (Rouen) are rooted in
    neighbouring units; the choice is logged and visible in the plan's ``reps.home``.
    """
    taken = set(reps["home"])
    if home not in taken:
        return home
    assert study.graph is not None
    by_hops = nx.single_source_shortest_path_length(study.graph, home)
    ranked = sorted(
        (u for u in by_hops if u not in taken),
        key=lambda u: (by_hops[u], -float(study.units.at[u, study.measures[0]]), str(u)),
    )
    if not ranked:
        raise ValidationError("every unit already holds a rep's home.")
    logger.info(
        "unit %s already holds a rep's home: rooting the new territory at %s", home, ranked[0]
    )
    return ranked[0]


def _neighbourhood(study: Study, unit: Hashable, hops: int) -> set[Hashable]:
    assert study.graph is not None
    nodes = list(study.graph.nodes)
    near = within_hops(matrix_from_graph(study.graph, nodes), [nodes.index(unit)], hops)
    return {nodes[i] for i in np.flatnonzero(near)}


def add_rep(
    study: Study,
    rep: Hashable,
    home: Hashable,
    *,
    fte: float = 1.0,
    name: str | None = None,
    mode: Mode = "complete",
    local_hops: int = 6,
    **overrides: Any,
) -> ScenarioResult:
    """A rep joins, living in ``home``: re-optimize from the current plan.

    In ``"local"`` mode only units within ``local_hops`` of the new home may move.
    ``overrides`` go to the problem (e.g. ``disruption_budget="20%"``).
    """
    _check_rep(study, rep, exists=False)
    _check_home(study, home)
    home = _free_home(study, study.reps, home)
    if fte <= 0:
        raise ValidationError([Problem("reps", f"rep {rep!r}", "FTE must be > 0.", "e.g. 1.0.")])
    row = pd.DataFrame({"home": [home], "fte": [float(fte)]}, index=pd.Index([rep]))
    if "name" in study.reps.columns:
        row["name"] = name or str(rep)
    reps = pd.concat([study.reps, row[[c for c in study.reps.columns if c in row.columns]]])
    free = _neighbourhood(study, home, local_hops) if mode == "local" else set()
    return _run(study, f"add {rep} at {home}", reps, mode, [], free, overrides)


def remove_rep(
    study: Study, rep: Hashable, *, mode: Mode = "complete", **overrides: Any
) -> ScenarioResult:
    """A rep leaves: their units must go to others (forced changes); re-optimize."""
    _check_rep(study, rep, exists=True)
    if len(study.reps) <= 1:
        raise ValidationError("cannot remove the only rep.")
    reps = study.reps.drop(index=rep)
    forced = study.baseline.index[study.baseline == rep]
    return _run(study, f"remove {rep}", reps, mode, forced, [], overrides)


def move_rep(
    study: Study,
    rep: Hashable,
    new_home: Hashable,
    *,
    mode: Mode = "complete",
    local_hops: int = 6,
    **overrides: Any,
) -> ScenarioResult:
    """A rep moves home: re-optimize.

    ``"local"``: only the rep's own units and those within ``local_hops`` of the old and
    new homes may move.
    """
    _check_rep(study, rep, exists=True)
    _check_home(study, new_home)
    reps = study.reps.copy()
    old = reps.at[rep, "home"]
    new_home = _free_home(study, reps.drop(index=rep), new_home)
    reps.at[rep, "home"] = new_home
    free: set[Hashable] = set()
    if mode == "local":
        free = _neighbourhood(study, new_home, local_hops) | _neighbourhood(study, old, local_hops)
        free |= set(study.baseline.index[study.baseline == rep])  # their territory re-centres
    return _run(study, f"move {rep} to {new_home}", reps, mode, [], free, overrides)


def pareto_curve(
    study: Study,
    budgets: Sequence[float | str],
    *,
    reps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compactness vs accounts changing rep, by ε-constraint over disruption budgets.

    Each budget (an account count, or ``"10%"`` of all accounts) bounds the disruption
    of a fresh solve; the table gives, per budget, the plan's objective, accounts
    changed, balance and the solver's status/bound/gap. A point without a valid plan
    (infeasible budget, no plan in time, or a plan that breaks the point's budget or
    tolerances, checked from the data) has its status and ``reason`` and *no* plan
    figures (NaN): it never shows a plan. Every point is solved from the current plan;
    the unconstrained plan is solved once too. A plan is valid for every budget at least
    its own disruption, so each point reports the best valid plan seen (``note`` says
    when it came from another point): the objective never increases as the budget grows.
    The bound of a point is the best bound valid for the problem at that budget (its own
    solve's, or a larger budget's: a looser budget's optimum is never higher); the gap
    is the plan's objective against it; ``bound_scope`` as in :class:`SolveReport`.
    """
    from ._pareto_checks import plan_breaks, point_bound

    rows: list[dict[str, Any]] = []
    total = float(study.units["accounts"].sum()) if "accounts" in study.units.columns else None

    def as_number(b: float | str) -> float:
        if isinstance(b, str) and b.strip().endswith("%") and total is not None:
            return float(b.strip()[:-1]) / 100 * total
        return float(b)

    # every valid plan seen so far: (objective, accounts changed, plan); a plan is valid for
    # any budget at least its disruption (ε-constraint), so each point takes the best of them
    pool: list[tuple[float, float, Alignment]] = []
    # (budget, problem-scope bound) of every solve: valid for every budget at most its own
    bounds: list[tuple[float, float | None]] = []

    def remember(al: Alignment, problem: TerritoryProblem, cap: float) -> str | None:
        rep = al.report
        if rep is None or rep.status not in ("optimal", "feasible") or rep.objective is None:
            return rep.message[:200] if rep is not None else "no report"
        if rep.bound_scope == "problem":
            bounds.append((cap, rep.bound))
        why = plan_breaks(problem, al)
        if why is None:
            pool.append((float(rep.objective), float(al.metrics()["accounts_changed"]), al))
        return why

    try:  # the unconstrained plan: valid for every budget above its own disruption
        free = study.problem(reps)
        remember(study.solve(free), free, np.inf)
    except ValidationError:
        raise
    except Exception as exc:
        logger.info("unconstrained solve failed: %s", exc)
    solved: list[tuple[float | str, TerritoryProblem, Alignment | None, str | None, str]] = []
    plans: dict[Any, pd.Series] = {}
    for b in sorted(budgets, key=as_number):
        problem = study.problem(reps, disruption_budget=b)
        try:
            al = study.solve(problem)
        except ValidationError:
            raise
        except Exception as exc:  # InfeasibleError / SolverError: a row without a plan
            solved.append((b, problem, None, str(exc)[:200], type(exc).__name__))
            continue
        why = remember(al, problem, as_number(b))
        rep = al.report
        if rep is not None and rep.status in ("optimal", "feasible") and why is not None:
            logger.warning("budget %s: the solver's plan is rejected: %s", b, why)
        status = rep.status if rep is not None else "no_solution"
        if why is not None and status in ("optimal", "feasible"):
            status = "rejected"  # the solver's plan breaks this point's own constraints
        solved.append((b, problem, al, why, status))
    for b, problem, mine, why, status in solved:
        cap = as_number(b) + 1e-9
        valid = [c for c in pool if c[1] <= cap and plan_breaks(problem, c[2]) is None]
        own = mine.report if mine is not None else None
        row: dict[str, Any] = {"budget": b}
        if not valid:
            rows.append(
                {**row, "status": status, "reason": why or "no plan within this budget",
                 "bound_scope": own.bound_scope if own is not None else "none"}
            )  # fmt: skip
            continue
        obj, _, chosen = min(valid, key=lambda c: c[0])
        note = "" if chosen is mine else "better plan from another point"
        own_status = status if status in ("optimal", "feasible") else "feasible"
        bound = point_bound(as_number(b), bounds)
        scope = "problem" if bound is not None else "none"
        if bound is None and own is not None and own.bound is not None and chosen is mine:
            bound, scope = own.bound, own.bound_scope  # a restricted bound of its own plan
        if bound is not None:
            bound = min(bound, obj)
        gap = None if bound is None else abs(obj - bound) / max(abs(obj), 1e-10)
        proven = gap is not None and scope == "problem" and gap <= 1e-6
        m = chosen.metrics()
        plans[b] = chosen.assignment.copy()
        rows.append(
            {
                **row,
                "status": "optimal" if proven else ("feasible" if note else own_status),
                "reason": "" if not note else "a better plan within this budget was found at another point",
                "objective": obj,
                "bound": bound,
                "bound_scope": scope,
                "gap": gap,
                "accounts_changed": m["accounts_changed"],
                "accounts_changed_pct": m["accounts_changed_pct"],
                "compactness_km": m["compactness"],
                **{f"{k}_max_dev_pct": m[f"{k}_max_dev_pct"] for k in study.balance},
                "note": note,
            }
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out.attrs["plans"] = plans  # budget -> the listed plan (unit -> rep), for checks
    return out


def compare_scenarios(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with its summary figures."""
    return pd.DataFrame([{"scenario": r.name, **r.summary} for r in results]).set_index("scenario")
