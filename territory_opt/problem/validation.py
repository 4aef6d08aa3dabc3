"""The problem's structural checks, each a named function returning its problems.

:func:`validate` runs them all and raises one :class:`~territory_opt.exceptions.ValidationError`
listing every problem found (the shape check first: nothing else can be read without it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..exceptions import InputIssue, ValidationError
from ._errors import few
from .balance import Balance

if TYPE_CHECKING:
    from .territory_problem import TerritoryProblem

__all__ = ["validate"]

_CONTIGUITY = ("sp", "flow", "cuts", None)


def _setting(item: str, message: str, fix: str) -> InputIssue:
    """One problem of the settings (``where="settings"``)."""
    return InputIssue("settings", item, message, fix)


def validate(p: TerritoryProblem) -> None:
    """Collect every structural problem of a problem and raise them together."""
    problems = []
    if p.n_units == 0:
        problems.append(
            InputIssue("units", "units", "there are no units.", "give at least one unit.")
        )
    shape = _shape(p)
    if shape:  # nothing else can be read
        raise ValidationError(problems + shape)
    for check in (_costs_and_homes, _settings, _balances, _modes, _disruption, _locks, _graph):
        problems.extend(check(p))
    problems.extend(_contiguity(p, clean=not problems))
    if problems:
        raise ValidationError(problems)


def _shape(p: TerritoryProblem) -> list[InputIssue]:
    """A cost matrix or roots of the wrong shape."""
    n, K = p.n_units, p.n_columns
    if p.cost.shape == (n, K) and p.roots.shape == (K,):
        return []
    return [
        _setting(
            "cost",
            f"shape {p.cost.shape} does not match {n} units x {K} columns.",
            "one row per unit, one column per rep.",
        )
    ]


def _costs_and_homes(p: TerritoryProblem) -> list[InputIssue]:
    """Negative or missing costs; columns vs reps; shared homes."""
    problems: list[InputIssue] = []
    K = p.n_columns
    if not np.all(np.isfinite(p.cost)) or (p.cost < 0).any():
        i = int(np.argwhere(~(np.isfinite(p.cost) & (p.cost >= 0)))[0][0])
        problems.append(
            _setting(
                f"cost of unit {p.unit_ids[i]!r}",
                "costs must be finite and >= 0.",
                "fix the cost matrix.",
            )
        )
    if not p.free_centres and p.k != K:
        problems.append(
            _setting("cost", f"{K} cost columns for {p.k} reps.", "one column per rep.")
        )
    if p.free_centres and p.k > K:
        problems.append(
            _setting(
                "candidates",
                f"only {K} candidate centres for {p.k} reps.",
                "allow more candidate units.",
            )
        )
    homes = [int(r) for r in p.roots.tolist() if r >= 0]
    if not p.free_centres and len(set(homes)) != len(homes):
        dup = sorted({p.unit_ids[h] for h in homes if homes.count(h) > 1}, key=str)
        problems.append(
            InputIssue(
                "reps",
                f"home units {few(dup)}",
                "several reps share a home unit, which can only belong to one territory.",
                "give them different home units or merge them.",
            )
        )
    return problems


def _settings(p: TerritoryProblem) -> list[InputIssue]:
    """The power, and the measures named by weight, disruption and visits."""
    problems: list[InputIssue] = []
    if p.power not in (1, 2):
        problems.append(
            _setting(
                f"power={p.power}",
                "must be 1 or 2.",
                "use power=1 (distance) or 2 (moment of inertia).",
            )
        )
    cols = set(p.measures.columns)
    for name, what in ((p.weight, "weight"), (p.disruption, "disruption"), (p.visits, "visits")):
        if name is not None and name not in cols:
            problems.append(
                _setting(f"{what}={name!r}", "is not a measure.", f"use one of {sorted(cols)}.")
            )
    return problems


def _balances(p: TerritoryProblem) -> list[InputIssue]:
    """Each balanced measure: known, listed once, bounded, not all zero."""
    problems: list[InputIssue] = []
    seen: set[str] = set()
    for b in p.balance:
        problems.extend(_balance(p, b, seen))
        seen.add(b.measure)
    return problems


def _balance(p: TerritoryProblem, b: Balance, seen: set[str]) -> list[InputIssue]:
    """The problems of one balanced measure."""
    problems: list[InputIssue] = []
    cols = set(p.measures.columns)
    if b.measure not in cols:
        problems.append(
            _setting(
                f"balance measure {b.measure!r}", "is not a measure.", f"use one of {sorted(cols)}."
            )
        )
    if b.measure in seen:
        problems.append(
            _setting(
                f"balance measure {b.measure!r}",
                "is listed twice.",
                "give one Balance per measure.",
            )
        )
    seen.add(b.measure)
    if b.tolerance is None and b.lower is None and b.upper is None:
        problems.append(
            _setting(
                f"balance {b.measure!r}",
                "has no tolerance nor bounds.",
                "set tolerance=0.05 or lower/upper.",
            )
        )
    if b.tolerance is not None and not (0 <= b.tolerance < 1):
        hint = (
            f" (did you mean {b.tolerance / 100:g}, i.e. ±{b.tolerance:g} %?)"
            if 1 <= b.tolerance <= 100
            else ""
        )
        problems.append(
            _setting(
                f"balance {b.measure!r} tolerance={b.tolerance}",
                "must be a fraction in [0, 1): 0.05 means ±5 % around the target.",
                f"use a fraction such as 0.05{hint}; for one-sided bounds use "
                "Balance(measure, lower=..., upper=...).",
            )
        )
    if b.measure in cols and not float(p.measures[b.measure].sum()) > 0:
        problems.append(
            _setting(
                f"balance measure {b.measure!r}",
                "every unit has 0, so there is nothing to balance.",
                "fill the measure or drop it from balance=.",
            )
        )
    if b.lower is not None and b.upper is not None and b.lower > b.upper:
        problems.append(
            _setting(f"balance {b.measure!r}", f"lower {b.lower} > upper {b.upper}.", "swap them.")
        )
    if b.penalty is not None and b.penalty < 0:
        problems.append(
            _setting(f"balance {b.measure!r} penalty", "must be >= 0.", "use a positive penalty.")
        )
    return problems


def _modes(p: TerritoryProblem) -> list[InputIssue]:
    """The contiguity mode and the main objective are known."""
    problems: list[InputIssue] = []
    if p.contiguity not in _CONTIGUITY:
        problems.append(
            _setting(
                f"contiguity={p.contiguity!r}", "unknown mode.", "use 'sp', 'flow', 'cuts' or None."
            )
        )
    if p.objective not in ("cost", "disruption"):
        problems.append(
            _setting(
                f"objective={p.objective!r}", "unknown objective.", "use 'cost' or 'disruption'."
            )
        )
    return problems


def _disruption(p: TerritoryProblem) -> list[InputIssue]:
    """Disruption weight and budget, and the baseline they need."""
    problems: list[InputIssue] = []
    if p.disruption_weight < 0:
        problems.append(
            _setting("disruption_weight", "must be >= 0.", "use 0 or a positive weight.")
        )
    if p.disruption_budget is not None and not (
        math.isfinite(p.disruption_budget) and p.disruption_budget >= 0
    ):
        problems.append(
            _setting(
                f"disruption_budget={p.disruption_budget}",
                "must be a finite number >= 0.",
                "use a non-negative budget, e.g. 120 (accounts) or '10%'.",
            )
        )
    needs_base = (
        p.disruption_budget is not None or p.disruption_weight > 0 or p.objective == "disruption"
    )
    if needs_base and (p.baseline is None or p.disruption is None):
        problems.append(
            _setting(
                "baseline",
                "a disruption budget, weight or objective needs a baseline plan and a disruption measure.",
                "pass baseline= (unit -> rep) and disruption='accounts'.",
            )
        )
    if p.free_centres and (p.baseline is not None and needs_base):
        problems.append(
            _setting(
                "baseline",
                "disruption is not defined with free centres (reps have no identity).",
                "give reps their homes.",
            )
        )
    return problems


def _locks(p: TerritoryProblem) -> list[InputIssue]:
    """Locks: not with free centres, one rep per unit, never away from a home."""
    problems: list[InputIssue] = []
    if p.free_centres and p.locks:
        problems.append(
            InputIssue(
                "locks",
                "locks",
                "locks are not supported with free centres.",
                "give reps their homes.",
            )
        )
    locked: dict[int, int] = {}
    for i, r in p.locks:
        if i in locked and locked[i] != r:
            problems.append(
                InputIssue(
                    "locks",
                    f"unit {p.unit_ids[i]!r}",
                    "is locked to two reps.",
                    "keep one lock per unit.",
                )
            )
        locked[i] = r
    if not p.free_centres:
        for r, h in enumerate(p.roots.tolist()):
            if h >= 0 and h in locked and locked[h] != r:
                problems.append(
                    InputIssue(
                        "locks",
                        f"unit {p.unit_ids[h]!r}",
                        f"is rep {p.rep_ids[r]!r}'s home but is locked to rep {p.rep_ids[locked[h]]!r}.",
                        "remove the lock: a home stays with its rep.",
                    )
                )
    return problems


def _graph(p: TerritoryProblem) -> list[InputIssue]:
    """The graph has exactly the units as nodes."""
    problems: list[InputIssue] = []
    if p.graph is not None:
        nodes = set(p.graph.nodes)
        missing = [u for u in p.unit_ids if u not in nodes]
        extra = [u for u in nodes if u not in p._positions()]
        if missing:
            problems.append(
                InputIssue(
                    "units",
                    f"units {few(missing)}",
                    f"{len(missing)} unit(s) are not in the graph.",
                    "build the graph from the same units.",
                )
            )
        if extra:
            problems.append(
                InputIssue(
                    "units",
                    f"graph nodes {few(extra)}",
                    f"{len(extra)} graph node(s) are not units.",
                    "drop them from the graph or add them to the units.",
                )
            )
    return problems


def _contiguity(p: TerritoryProblem, clean: bool) -> list[InputIssue]:
    """Contiguity needs a graph, homes, and every component reaching a home.

    The per-component check runs only on an otherwise ``clean`` problem.
    """
    problems: list[InputIssue] = []
    if p.contiguity is not None:
        if p.graph is None:
            problems.append(
                _setting(
                    f"contiguity={p.contiguity!r}",
                    "needs a unit graph.",
                    "pass graph= or set contiguity=None.",
                )
            )
        elif clean:
            if not p.free_centres and (p.roots < 0).any():
                no_home = [p.rep_ids[c] for c in np.flatnonzero(p.roots < 0).tolist()]
                problems.append(
                    InputIssue(
                        "reps",
                        f"reps {few(no_home)}",
                        "contiguity is rooted at the home, but these reps have none.",
                        "give every rep a home unit or set contiguity=None.",
                    )
                )
            else:
                root_set = {p.unit_ids[r] for r in p.roots.tolist() if r >= 0}
                for comp in nx.connected_components(p.graph):
                    if not (comp & root_set):
                        listed = sorted(comp, key=str)
                        problems.append(
                            InputIssue(
                                "units",
                                f"units {few(listed)}",
                                f"a group of {len(comp)} unit(s) is disconnected from every rep home, so no contiguous territory can reach it.",
                                "bridge islands (adjacency_graph(islands='bridge')), add the missing neighbours, or set contiguity=None.",
                            )
                        )
                    elif p.free_centres and nx.number_connected_components(p.graph) > p.k:
                        problems.append(
                            InputIssue(
                                "units",
                                "graph",
                                f"the graph has {nx.number_connected_components(p.graph)} components but only {p.k} territories.",
                                "bridge islands or set contiguity=None.",
                            )
                        )
                        break
    return problems
