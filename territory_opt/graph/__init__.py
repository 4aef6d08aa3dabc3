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
from .distance import (
    check_cost_matrix,
    geodesic_km,
    hop_matrix,
    unit_points,
)

__all__ = [
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
    "node_weighted_distances",
    "unit_points",
    "within_hops",
]
