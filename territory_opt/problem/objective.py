"""Objectives a sales manager reasons in, as one linear cost per assignment.

Every objective here is linear in the assignment variables :math:`x_{ir}`, so each is an
``(n, K)`` matrix of coefficients ``C[i, r]`` (the cost of giving unit ``i`` to column
``r``) that the MILP, the valid bounds and the heuristics use unchanged:

``"changes"`` (continuity, the course's *changements d'interlocuteurs*)
    :math:`C_{ir} = v_i\\,[r \\ne b(i)]` with :math:`b(i)` the current rep and :math:`v_i`
    the change-weight column (``disruption=``, default ``"accounts"``; a column of key
    account weights makes key accounts cost more). Since :math:`\\sum_r x_{ir} = 1`,
    :math:`\\sum_{ir} C_{ir} x_{ir} = \\sum_i v_i (1 - x_{i b(i)})` exactly.
``"travel"``
    :math:`C_{ir} = q_i\\, c_{ir}` with :math:`q_i` the visits column (``visits=``, default
    ``"visits"``, else ``"accounts"``) and :math:`c_{ir}` the cost (km or minutes):
    expected distance driven, power 1.
``"compact"``
    :math:`C_{ir} = w_i\\, c_{ir}^2` with :math:`w_i = a_i / \\bar a + f\\, s_i / \\bar s`:
    the unit's share of the weight measure (``weight=``, default the first balanced
    measure) plus a floor ``f`` (``compact_floor=``, default 1) in proportion to the unit's
    area ``s_i`` (1 per unit without geometry). A commune without accounts is not free, so
    territories do not grow corridors through empty communes.
``"inertia"``
    The round-1 objective :math:`w_i c_{ir}^{p}` (``power=``, ``weight=``).

An :class:`Objective` is a weighted sum of such terms, optionally followed by a second
stage (``then``): lexicographic, "fewest changes, then least travel". The second stage is
solved with the first stage's value held at most ``(1 + slack)`` times its best found value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InputIssue, ValidationError

if TYPE_CHECKING:
    from .territory_problem import TerritoryProblem

__all__ = [
    "OBJECTIVE_NAMES",
    "TERMS",
    "Objective",
    "objective_matrix",
    "parse_objective",
    "term_column",
]

TERMS = ("changes", "travel", "compact", "inertia")
OBJECTIVE_NAMES = (*TERMS, "redeploy", "redesign")
"""Names accepted by ``objective=``: the terms, ``"redeploy"`` (fewest changes, then
travel and compactness within a slack) and ``"redesign"`` (``"compact"``, ignoring the
current plan)."""

REDEPLOY_SLACK = 0.1
"""Default slack of ``"redeploy"``: the second stage may change up to 1.1 times the fewest
accounts found. Measured on the Normandy demo (``make demo``'s settings, 120 s, same stage-1
plan of 1,051 accounts): slack 0.1 changed 1,156 accounts (28.9 %) at 32.6 km per account,
slack 0.5 changed 1,396 (34.9 %) for 32.1 km: continuity first, as the course asks."""

REDEPLOY_THEN: tuple[tuple[str, float], ...] = (("travel", 1.0), ("compact", 1.0))


@dataclass(frozen=True)
class Objective:
    """A weighted sum of objective terms, optionally followed by a second stage.

    Parameters
    ----------
    terms : tuple of (str, float)
        ``(term, weight)`` pairs, term in :data:`TERMS`, weight > 0. The weights multiply
        each term in its own unit (accounts, visit-km, weighted km²...).
    then : Objective, optional
        Second stage (lexicographic), minimised with this stage held near its best.
    slack : float
        The second stage may let this stage's value reach ``(1 + slack)`` times its best.
    """

    terms: tuple[tuple[str, float], ...]
    then: Objective | None = None
    slack: float = 0.0

    @property
    def names(self) -> tuple[str, ...]:
        """Term names of this stage."""
        return tuple(t for t, _ in self.terms)

    def describe(self) -> str:
        """E.g. ``"changes, then travel + compact (slack 50 %)"``."""
        one = " + ".join(t if w == 1 else f"{w:g}·{t}" for t, w in self.terms)
        if self.then is None:
            return one
        return f"{one}, then {self.then.describe()} (slack {100 * self.slack:g} %)"

    def first(self) -> Objective:
        """This stage alone."""
        return Objective(self.terms)


def _bad(value: Any, why: str, fix: str) -> ValidationError:
    return ValidationError([InputIssue("settings", f"objective={value!r}", why, fix)])


def _terms(spec: Any) -> tuple[tuple[str, float], ...]:
    if isinstance(spec, str):
        spec = {spec: 1.0}
    if not isinstance(spec, Mapping) or not spec:
        raise _bad(spec, "is not an objective.", f"use one of {', '.join(TERMS)} or a mapping.")
    out = []
    for name, w in spec.items():
        if name not in TERMS:
            raise _bad(
                spec,
                f"unknown term {name!r}.",
                f"use {', '.join(TERMS)} (e.g. --objective changes).",
            )
        try:
            wf = float(w)
        except (TypeError, ValueError):
            raise _bad(
                spec, f"weight of {name!r} is not a number.", "e.g. {'travel': 1}."
            ) from None
        if not (np.isfinite(wf) and wf > 0):
            raise _bad(spec, f"weight of {name!r} must be > 0.", "drop the term instead of 0.")
        out.append((str(name), wf))
    return tuple(out)


def parse_objective(spec: Any, then: Any = None, slack: float | None = None) -> Objective:
    """An :class:`Objective` from a name, a ``{term: weight}`` mapping or an ``Objective``.

    ``"redeploy"`` is ``changes``, then ``travel + compact`` with slack
    :data:`REDEPLOY_SLACK`; ``"redesign"`` is ``compact``.
    """
    if isinstance(spec, Objective):
        if then is None and slack is None:
            return spec
        spec = dict(spec.terms)
    if spec == "redeploy":
        if then is None:
            then = dict(REDEPLOY_THEN)
        spec = "changes"
        slack = REDEPLOY_SLACK if slack is None else slack
    elif spec == "redesign":
        spec = "compact"
    s = 0.0 if slack is None else float(slack)
    if not (np.isfinite(s) and s >= 0):
        raise _bad(spec, f"slack={slack!r} must be >= 0.", "e.g. slack=0.2 (20 % above the best).")
    second = None if then is None else parse_objective(then)
    if second is not None and second.then is not None:
        raise _bad(then, "only two stages are supported.", "pass then= a single stage.")
    return Objective(_terms(spec), second, s)


def _areas(problem: TerritoryProblem) -> np.ndarray:
    units = problem.units
    if units is None or "geometry" not in getattr(units, "columns", ()):
        return np.ones(problem.n_units)
    g = units.geometry
    try:
        if g.crs is not None and g.crs.is_geographic:
            g = g.to_crs(g.estimate_utm_crs())
        area = np.asarray(g.area, dtype=float)
    except Exception:  # no usable CRS: one per unit
        return np.ones(problem.n_units)
    area = np.where(np.isfinite(area) & (area > 0), area, 0.0)
    return area if area.sum() > 0 else np.ones(problem.n_units)


def term_column(problem: TerritoryProblem, term: str) -> str | None:
    """The measure weighing a ``"travel"`` (visits) or ``"compact"`` (weight) term, or
    ``None`` when every unit weighs 1."""
    default: tuple[str, ...]
    if term == "travel":
        name, default = problem.visits, ("visits", "accounts")
    else:
        name, default = problem.weight, tuple(problem.balance_measures[:1])
    if name is None:
        name = next((c for c in default if c in problem.measures.columns), None)
    return name


def _column(problem: TerritoryProblem, term: str) -> np.ndarray:
    name = term_column(problem, term)
    if name is None:
        return np.ones(problem.n_units)
    return problem.measures[name].to_numpy(dtype=float)


def term_matrix(problem: TerritoryProblem, term: str) -> np.ndarray:
    """``(n, K)`` coefficients of one term (module doc)."""
    n, k = problem.n_units, problem.n_columns
    cost = np.asarray(problem.cost, dtype=float)
    if term == "changes":
        out = np.zeros((n, k))
        v = problem.disruption_values()
        if v is None or problem.baseline is None:
            return out
        b = np.asarray(problem.baseline)
        has = b >= 0
        out[has] = v[has, None]
        out[np.flatnonzero(has), b[has]] = 0.0
        return out
    if term == "travel":
        q = _column(problem, "travel")
        return q[:, None] * cost
    if term == "compact":
        a = _column(problem, "compact")
        a = a / a.mean() if a.mean() > 0 else np.ones(n)
        s = _areas(problem)
        w = a + problem.compact_floor * s / s.mean()
        return w[:, None] * cost**2
    if term == "inertia":
        return problem.unit_weights()[:, None] * cost**problem.power
    raise ValueError(term)


def objective_matrix(problem: TerritoryProblem, objective: Objective) -> np.ndarray:
    """``(n, K)`` coefficients of one stage: the weighted sum of its terms."""
    out = np.zeros((problem.n_units, problem.n_columns))
    for term, w in objective.terms:
        out += w * term_matrix(problem, term)
    return out
