"""What-ifs on a :class:`~territory_opt.studies.study.Study`: a rep joins, leaves or moves.

Every what-if re-optimizes from the current plan, completely (``mode="complete"``) or
*au fil de l'eau* (``mode="local"``: only what the event forces moves); see
:mod:`territory_opt.studies.scenarios`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ..graph.core import matrix_from_graph, within_hops
from ..plan.alignment import Alignment
from ..problem.territory_problem import TerritoryProblem
from ..salesforce.pay import COURSE_GUARANTEE, PayImpact, pay_impact
from ._whatif_local import LocalityError, honest_report, local_start, moved_outside, plan_objective
from .study import Study

__all__ = ["Mode", "ScenarioResult", "add_rep", "compare_scenarios", "move_rep", "remove_rep"]

logger = logging.getLogger(__name__)

Mode = Literal["complete", "local"]


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
    # the locks already keep every other unit with its rep: the free units are placed by
    # the study's cost objective (moment of inertia) unless the user names one
    objective = {"objective": study.problem_settings.get("objective", "cost")}
    settings = {**objective, **dict(overrides), "locks": locks}
    problem = study.problem(reps, soft_balance=1.0, **settings)
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
                InputIssue(
                    "reps",
                    f"rep {rep!r}",
                    "is not in the study.",
                    f"use one of {', '.join(map(str, study.reps.index[:20]))}.",
                )
            ]
        )
    if not exists and rep in study.reps.index:
        raise ValidationError(
            [InputIssue("reps", f"rep {rep!r}", "already exists.", "choose a new rep id.")]
        )


def _check_home(study: Study, home: Hashable) -> None:
    if home not in study.units.index:
        raise ValidationError(
            [
                InputIssue(
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
        raise ValidationError([InputIssue("reps", f"rep {rep!r}", "FTE must be > 0.", "e.g. 1.0.")])
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


def compare_scenarios(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with its summary figures."""
    return pd.DataFrame([{"scenario": r.name, **r.summary} for r in results]).set_index("scenario")
