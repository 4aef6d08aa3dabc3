"""territory_opt: sales-territory design with a MILP, on real geography.

Aggregate small units (communes, postcodes, bricks) into balanced, contiguous,
compact territories around sales reps' homes; compare plans; show them on maps.
"""

from __future__ import annotations

from .adjacency import adjacency_graph, components_report
from .datasets import DemoDataset, load_communes, load_normandie
from .exceptions import InfeasibleError, Problem, SolverError, TerritoryError, ValidationError
from .validate import validate_inputs

__version__ = "0.1.0"

__all__ = [
    "DemoDataset",
    "InfeasibleError",
    "Problem",
    "SolverError",
    "TerritoryError",
    "ValidationError",
    "__version__",
    "adjacency_graph",
    "components_report",
    "load_communes",
    "load_normandie",
    "validate_inputs",
]
