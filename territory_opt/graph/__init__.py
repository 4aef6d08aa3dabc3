"""Unit adjacency (islands bridged), distances and travel costs, graph algorithms on csgraph.

May import: ``data``, ``exceptions``.
"""

from .adjacency import (
    IslandPolicy,
    adjacency_graph,
    components_report,
)
from .core import (
    adjacency_matrix,
    component_labels,
    components,
    hop_distances,
    is_connected,
    matrix_from_graph,
    node_weighted_distances,
    within_hops,
)
from .crs import LAMBERT_93, metric_crs, require_crs, to_metric
from .distance import (
    check_cost_matrix,
    geodesic_km,
    hop_matrix,
    unit_points,
)

__all__ = [
    "LAMBERT_93",
    "IslandPolicy",
    "adjacency_graph",
    "adjacency_matrix",
    "check_cost_matrix",
    "component_labels",
    "components",
    "components_report",
    "geodesic_km",
    "hop_distances",
    "hop_matrix",
    "is_connected",
    "matrix_from_graph",
    "metric_crs",
    "node_weighted_distances",
    "require_crs",
    "to_metric",
    "unit_points",
    "within_hops",
]
