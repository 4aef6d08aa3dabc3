"""The constructors' settings: their names, their checks, and their values on the problem.

The settings shared by :meth:`~territory_opt.problem.TerritoryProblem.from_geodataframe`,
:meth:`~territory_opt.problem.TerritoryProblem.from_graph` and
:meth:`~territory_opt.problem.TerritoryProblem.from_cost_matrix` are the keys of
:class:`ProblemSettings`; an unknown keyword is refused with the closest valid name
(``tolerance=`` is not a setting: ``balance={"workload": 0.05}`` is), and ``measures=``
given as a mapping of numbers is refused as the ``balance=`` it was meant to be.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._errors import few, refuse
from .balance import BalanceSpec, parse_balance
from .objective import Objective, parse_objective

if TYPE_CHECKING:
    from .territory_problem import TerritoryProblem

__all__ = [
    "SETTINGS",
    "ProblemSettings",
    "check_centres",
    "check_measures_arg",
    "check_names",
    "check_settings",
    "default_objective",
    "parse_baseline",
    "parse_budget",
    "parse_changes",
    "parse_locks",
    "rep_lookup",
    "resolve_settings",
]


class ProblemSettings(TypedDict, total=False):
    """The settings every constructor takes as keywords (module doc of ``territory_problem``)."""

    balance: BalanceSpec
    power: int
    weight: str | None
    baseline: Mapping[Hashable, Hashable] | pd.Series | str | None
    disruption: str | None
    disruption_budget: float | str | None
    disruption_weight: float
    locks: Mapping[Hashable, Hashable] | None
    objective: Any
    tie_break: bool
    then: Any
    slack: float | None
    visits: str | None
    compact_floor: float


SETTINGS: tuple[str, ...] = tuple(ProblemSettings.__annotations__)
"""Names of the shared settings."""


def check_settings(settings: Mapping[str, Any], where: str, own: Iterable[str] = ()) -> None:
    """Refuse unknown setting names, naming the closest valid one.

    Parameters
    ----------
    settings : mapping
        The keywords a constructor received beyond its own.
    where : str
        The constructor, e.g. ``"TerritoryProblem.from_graph"``.
    own : iterable of str
        The constructor's own keywords (suggested too: a misspelt one lands in ``settings``).
    """
    check_names(settings, SETTINGS, where, suggest=own)


def check_names(
    given: Iterable[str], accepted: Collection[str], where: str, suggest: Iterable[str] = ()
) -> None:
    """Raise a :class:`ValidationError` naming each unknown keyword and the closest valid one."""
    valid = sorted({*accepted, *suggest})
    problems = []
    for name in given:
        if name in accepted:
            continue
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.0)
        hint = f"did you mean {close[0]}=? " if close else ""
        problems.append(
            InputIssue(
                "settings",
                f"{name}=",
                f"is not a keyword of {where}.",
                f"{hint}Valid keywords: {', '.join(valid)}.",
            )
        )
    if problems:
        raise ValidationError(problems)


def check_measures_arg(measures: object) -> None:
    """Refuse ``measures=`` given as a mapping: ``{"pop": 0.05}`` is the ``balance=`` setting."""
    if isinstance(measures, Mapping):
        shown = dict(list(measures.items())[:3])
        refuse(
            "settings",
            f"measures={shown!r}",
            "is a mapping, but measures= takes measure names (or a table indexed by unit); "
            "its values would be ignored and nothing balanced.",
            f"did you mean balance={shown!r}? (measures=[...] names the measure columns)",
        )


def check_centres(reps: object, centres: int | None) -> object:
    """``reps`` with ``centres=k`` folded in (``k`` free centres); both given is refused."""
    if centres is None:
        return reps
    if isinstance(centres, bool) or not isinstance(centres, int | np.integer):
        refuse(
            "settings", f"centres={centres!r}", "is not a number of centres.", "pass an int k >= 1."
        )
    if reps is not None:
        refuse(
            "settings",
            "centres",
            "both reps and centres= were given.",
            "pass centres=k for k free centres, or a reps table with homes, not both.",
        )
    return int(centres)


def rep_lookup(rep_ids: Sequence[Hashable]) -> dict[Hashable, int]:
    """Column of each rep id (and of its string form)."""
    lut: dict[Hashable, int] = {}
    for i, r in enumerate(rep_ids):
        lut[r] = i
        lut.setdefault(str(r), i)
    return lut


def parse_baseline(
    baseline: Mapping[Hashable, Hashable] | pd.Series,
    unit_ids: Sequence[Hashable],
    rep_ids: Sequence[Hashable],
) -> np.ndarray:
    """Baseline rep column per unit (``-1``: none) from a unit -> rep mapping."""
    s = baseline if isinstance(baseline, pd.Series) else pd.Series(dict(baseline))
    reps = rep_lookup(rep_ids)
    out = np.full(len(unit_ids), -1, dtype=np.int64)
    pos = {u: i for i, u in enumerate(unit_ids)}
    unknown_units = [u for u in s.index if u not in pos]
    problems = []
    bad_reps = []
    for u, r in s.items():
        if u not in pos or r is None or (isinstance(r, float) and math.isnan(r)):
            continue
        if r in reps:
            out[pos[u]] = reps[r]
        elif isinstance(r, float) and r.is_integer() and int(r) in reps:
            out[pos[u]] = reps[int(r)]
        else:
            bad_reps.append((u, r))
    if bad_reps:
        problems.append(
            InputIssue(
                "baseline",
                f"units {few([u for u, _ in bad_reps])}",
                f"name reps that do not exist ({few(sorted({str(r) for _, r in bad_reps}))}).",
                "use rep ids of the reps table, or leave empty.",
            )
        )
    if unknown_units and len(unknown_units) == len(s):
        problems.append(
            InputIssue(
                "baseline",
                f"units {few(unknown_units)}",
                "no baseline unit is a unit of the problem.",
                "index the baseline by unit id.",
            )
        )
    if problems:
        raise ValidationError(problems)
    return out


def parse_locks(
    locks: Mapping[Hashable, Hashable], unit_ids: Sequence[Hashable], rep_ids: Sequence[Hashable]
) -> tuple[tuple[int, int], ...]:
    """Sorted ``(unit index, rep column)`` pairs from a unit -> rep mapping."""
    pos = {u: i for i, u in enumerate(unit_ids)}
    reps = rep_lookup(rep_ids)
    out = []
    problems = []
    for u, r in locks.items():
        if u not in pos:
            problems.append(
                InputIssue("locks", f"unit {u!r}", "is not a unit.", "lock existing unit ids only.")
            )
        elif r not in reps:
            problems.append(
                InputIssue(
                    "locks",
                    f"unit {u!r}",
                    f"is locked to {r!r}, which is not a rep.",
                    "lock to an existing rep id.",
                )
            )
        else:
            out.append((pos[u], reps[r]))
    if problems:
        raise ValidationError(problems)
    return tuple(sorted(out))


def parse_budget(
    budget: float | str | None, measures: pd.DataFrame, measure: str | None
) -> float | None:
    """A disruption budget as a number (``"5%"``: of the measure's total)."""
    if budget is None:
        return None
    if isinstance(budget, str):
        txt = budget.strip()
        if not txt.endswith("%"):
            refuse(
                "settings",
                f"disruption_budget={budget!r}",
                "is not a number or a percentage.",
                "use e.g. 120 or '5%'.",
            )
        if measure is None or measure not in measures.columns:
            refuse(
                "settings",
                "disruption",
                "a percentage budget needs a disruption measure.",
                "set disruption='accounts' (a measure column).",
            )
        try:
            pct = float(txt[:-1])
        except ValueError:
            pct = math.nan
        if not 0.0 <= pct <= 100.0:
            refuse(
                "settings",
                f"disruption_budget={budget!r}",
                f"a percentage budget must lie between 0 % and 100 % of the {measure!r} total.",
                "use e.g. '10%' (100 % already allows every unit to change rep).",
            )
        return pct / 100.0 * float(measures[measure].sum())
    return float(budget)


def _goal(
    objective: Any, then: Any, slack: float | None, base: np.ndarray | None
) -> Objective | None:
    """The named objective (``None`` for ``"cost"`` / ``"disruption"``), checked."""
    if objective in ("cost", "disruption"):
        if then is not None:
            refuse(
                "settings",
                "then",
                f"needs a named objective, not objective={objective!r}.",
                "e.g. objective='changes', then='travel'.",
            )
        return None
    goal = parse_objective(objective, then=then, slack=slack)
    if base is None and "changes" in goal.names + (goal.then.names if goal.then else ()):
        refuse(
            "settings",
            f"objective={objective!r}",
            "counts changes of rep but there is no current plan.",
            "pass baseline= (unit -> rep), or use objective='redesign' (--objective redesign).",
        )
    return goal


def default_objective(
    base: np.ndarray | None,
    measures: pd.DataFrame,
    disruption: str | None,
    disruption_budget: float | str | None,
    disruption_weight: float,
    tie_break: bool,
    free_centres: bool = False,
) -> str:
    """The objective when the user names none.

    With a current plan (``baseline``) the course's redeployment rule (slide 40): fewest
    changes of rep first, then travel and shape (``"redeploy"``), unless the user already
    said how much continuity is worth (a disruption budget, a disruption weight or a tie
    break) or there is nothing to count changes with. Without a current plan: the moment
    of inertia ``"cost"`` (``power``, ``weight``); a complete redesign of a current plan is
    the explicit choice ``objective="redesign"`` (or ``"cost"``). Free centres keep
    ``"cost"`` too: the territories are new, there is no rep to keep.
    """
    if free_centres or base is None or disruption_budget is not None:
        return "cost"
    if disruption_weight or tie_break:
        return "cost"
    counted = "accounts" if disruption == "auto" else disruption
    if counted is None or counted not in measures.columns:
        return "cost"
    return "redeploy"


def resolve_settings(
    unit_ids: Sequence[Hashable],
    reps: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    balance: BalanceSpec = None,
    power: int = 1,
    weight: str | None = None,
    baseline: Mapping[Hashable, Hashable] | pd.Series | None = None,
    disruption: str | None = "auto",
    disruption_budget: float | str | None = None,
    disruption_weight: float = 0.0,
    locks: Mapping[Hashable, Hashable] | None = None,
    objective: Any = None,
    tie_break: bool = False,
    then: Any = None,
    slack: float | None = None,
    visits: str | None = None,
    compact_floor: float = 1.0,
    free_centres: bool = False,
) -> dict[str, Any]:
    """The problem's fields for the given settings (keywords of :class:`ProblemSettings`;
    ``free_centres`` only chooses the default objective)."""
    rep_ids = list(reps.index)
    base = None if baseline is None else parse_baseline(baseline, unit_ids, rep_ids)
    if objective is None:
        objective = default_objective(
            base, measures, disruption, disruption_budget, disruption_weight, tie_break,
            free_centres,
        )  # fmt: skip
    goal = _goal(objective, then, slack, base)
    main = "cost" if goal is not None or objective is None else objective
    if disruption == "auto":
        disruption = "accounts" if "accounts" in measures.columns else None
        if (
            disruption is None
            and base is not None
            and (disruption_budget is not None or disruption_weight or main == "disruption")
        ):
            refuse(
                "settings",
                "disruption",
                "no 'accounts' measure to count disruption.",
                "set disruption='<measure>' explicitly.",
            )
    return {
        "balance": parse_balance(balance),
        "power": int(power),
        "weight": weight,
        "baseline": base,
        "disruption": disruption,
        "disruption_budget": parse_budget(disruption_budget, measures, disruption),
        "disruption_weight": float(disruption_weight),
        "locks": () if locks is None else parse_locks(locks, unit_ids, rep_ids),
        "objective": main,
        "tie_break": bool(tie_break),
        "goal": goal,
        "visits": visits,
        "compact_floor": float(compact_floor),
    }


def parse_changes(problem: TerritoryProblem, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of :meth:`TerritoryProblem.replace` from its keywords (shorthands parsed)."""
    valid = [f.name for f in dataclasses.fields(problem) if not f.name.startswith("_")]
    check_names(changes, [*valid, "then", "slack"], "TerritoryProblem.replace")
    changes = dict(changes)
    units, reps = problem.unit_ids, problem.rep_ids
    if "balance" in changes:
        changes["balance"] = parse_balance(changes["balance"])
    if "locks" in changes and isinstance(changes["locks"], Mapping):
        changes["locks"] = parse_locks(changes["locks"], units, reps)
    base = changes.get("baseline")
    if base is not None and not isinstance(base, np.ndarray):
        changes["baseline"] = parse_baseline(base, units, reps)
    if {"objective", "then", "slack"} & set(changes):
        current = problem.goal if problem.goal is not None else problem.objective
        spec = changes.pop("objective", current)
        then, slack = changes.pop("then", None), changes.pop("slack", None)
        if spec in ("cost", "disruption"):
            changes["objective"], changes["goal"] = spec, None
        else:
            changes["objective"] = "cost"
            changes["goal"] = parse_objective(spec, then=then, slack=slack)
    if "disruption_budget" in changes:
        measure = changes.get("disruption", problem.disruption)
        changes["disruption_budget"] = parse_budget(
            changes["disruption_budget"], problem.measures, measure
        )
    return changes
