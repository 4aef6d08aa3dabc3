"""territory_opt: sales-territory design with a MILP, on real geography.

Aggregate small units (communes, postcodes, bricks) into balanced, contiguous,
compact territories around sales reps' homes; compare plans; show them on maps.

The top level gives what a study needs; everything is loaded on first use, so
``import territory_opt as to`` is quick::

    demo = to.load_normandie()
    problem = to.TerritoryProblem.from_geodataframe(demo.units, demo.reps, ...)
    plan = to.optimize(problem, time_limit=60)
    to.export_plan(plan, "out/plan", problem=problem)

Subpackages by role (``docs/architecture.md``): ``data``, ``graph``, ``problem``,
``milp``, ``heuristics``, ``solve``, ``plan``, ``studies``, ``salesforce``, ``viz``,
``reports``, ``cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _compat
from .exceptions import (
    InfeasibleError,
    InputIssue,
    SolverError,
    TerritoryError,
    ValidationError,
    _problem_alias,
)

if TYPE_CHECKING:
    from .data.datasets import DemoDataset, load_communes, load_normandie
    from .data.io import read_accounts, read_assignment, read_table, read_units
    from .data.validate import validate_inputs
    from .graph.adjacency import adjacency_graph, components_report
    from .plan.alignment import Alignment
    from .plan.report import SolveReport
    from .problem.territory_problem import Balance, TerritoryProblem
    from .reports.export import export_plan
    from .reports.plan_file import read_plan
    from .solve.pipeline import optimize
    from .studies.decompose import decompose
    from .studies.free_centres import optimize_free_centres
    from .studies.scenarios import (
        Study,
        add_rep,
        compare_scenarios,
        move_rep,
        pareto_curve,
        remove_rep,
    )
    from .studies.sharing import optimize_shared
    from .viz.maps import plot_alignment, plot_comparison, save_html, save_png

__version__ = "0.1.0"

_compat.install()

#: public name -> module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "DemoDataset": "data.datasets",
    "load_communes": "data.datasets",
    "load_normandie": "data.datasets",
    "read_accounts": "data.io",
    "read_assignment": "data.io",
    "read_table": "data.io",
    "read_units": "data.io",
    "validate_inputs": "data.validate",
    "adjacency_graph": "graph.adjacency",
    "components_report": "graph.adjacency",
    "Balance": "problem.territory_problem",
    "TerritoryProblem": "problem.territory_problem",
    "optimize": "solve.pipeline",
    "Alignment": "plan.alignment",
    "SolveReport": "plan.report",
    "Study": "studies.scenarios",
    "add_rep": "studies.scenarios",
    "remove_rep": "studies.scenarios",
    "move_rep": "studies.scenarios",
    "pareto_curve": "studies.scenarios",
    "compare_scenarios": "studies.scenarios",
    "optimize_shared": "studies.sharing",
    "optimize_free_centres": "studies.free_centres",
    "decompose": "studies.decompose",
    "export_plan": "reports.export",
    "read_plan": "reports.plan_file",
    "plot_alignment": "viz.maps",
    "plot_comparison": "viz.maps",
    "save_html": "viz.maps",
    "save_png": "viz.maps",
}

__all__ = [
    "Alignment",
    "Balance",
    "DemoDataset",
    "InfeasibleError",
    "InputIssue",
    "SolveReport",
    "SolverError",
    "Study",
    "TerritoryError",
    "TerritoryProblem",
    "ValidationError",
    "__version__",
    "add_rep",
    "adjacency_graph",
    "compare_scenarios",
    "components_report",
    "decompose",
    "export_plan",
    "load_communes",
    "load_normandie",
    "move_rep",
    "optimize",
    "optimize_free_centres",
    "optimize_shared",
    "pareto_curve",
    "plot_alignment",
    "plot_comparison",
    "read_accounts",
    "read_assignment",
    "read_plan",
    "read_table",
    "read_units",
    "remove_rep",
    "save_html",
    "save_png",
    "validate_inputs",
]


def __getattr__(name: str) -> Any:
    if name == "Problem":  # deprecated name of InputIssue
        return _problem_alias(__name__)
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'territory_opt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
