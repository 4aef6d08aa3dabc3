"""Studies made of solves: what-ifs, Pareto curves, shared dense units, free centres, batches.

May import: ``solve`` and everything below it.
"""

from .batch import (
    BatchResult,
    Executor,
    Scenario,
    run_batch,
    run_scenario,
)
from .decompose import (
    BoundResult,
    DecompositionResult,
    DecompositionSettings,
    PlanCheck,
    apportion,
    check_plan,
    decompose,
    lagrangian_bound,
    plan_objective,
    refine_borders,
    region_pieces,
)
from .free_centres import (
    optimize_free_centres,
)
from .nested import (
    NestedPlan,
    nested_plan,
)
from .scenarios import (
    ScenarioResult,
    Study,
    add_rep,
    compare_scenarios,
    move_rep,
    pareto_curve,
    remove_rep,
)
from .sharing import (
    SHARES,
    SplitUnits,
    choose_split,
    merge_pieces,
    optimize_shared,
    share_limits,
    shared_problem,
    split_dense_units,
)
from .tradeoffs import (
    TRADEOFF_AXES,
    non_dominated,
    plot_tradeoffs,
    tradeoff_surface,
)

__all__ = [
    "SHARES",
    "TRADEOFF_AXES",
    "BatchResult",
    "BoundResult",
    "DecompositionResult",
    "DecompositionSettings",
    "Executor",
    "NestedPlan",
    "PlanCheck",
    "Scenario",
    "ScenarioResult",
    "SplitUnits",
    "Study",
    "add_rep",
    "apportion",
    "check_plan",
    "choose_split",
    "compare_scenarios",
    "decompose",
    "lagrangian_bound",
    "merge_pieces",
    "move_rep",
    "nested_plan",
    "non_dominated",
    "optimize_free_centres",
    "optimize_shared",
    "pareto_curve",
    "plan_objective",
    "plot_tradeoffs",
    "refine_borders",
    "region_pieces",
    "remove_rep",
    "run_batch",
    "run_scenario",
    "share_limits",
    "shared_problem",
    "split_dense_units",
    "tradeoff_surface",
]
