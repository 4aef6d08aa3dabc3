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

from .pareto import pareto_curve
from .study import Study
from .whatif import Mode, ScenarioResult, add_rep, compare_scenarios, move_rep, remove_rep

__all__ = [
    "Mode",
    "ScenarioResult",
    "Study",
    "add_rep",
    "compare_scenarios",
    "move_rep",
    "pareto_curve",
    "remove_rep",
]
