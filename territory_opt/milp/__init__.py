"""The mixed-integer program: model arrays, contiguity rows and cuts, the model-size guard.

May import: ``problem``, ``graph``, ``data``, ``exceptions``.
"""

from .connectivity_handler import (
    ConnectivityGraph,
    connectivity_graph,
    disconnected_columns,
    fractional_cuts,
    integer_cuts,
    minimal_separator,
)
from .contiguity import (
    EXACT_MODES,
    add_flow,
    cut_rows,
    disconnected_parts,
    flow_start,
    free_cut_rows,
    free_units,
    is_contiguous,
    neighbor_rows,
    repair_free,
    sp_rows,
)
from .model import (
    MilpModel,
    Row,
    allowed_mask,
    build_model,
    start_vector,
)
from .size_guard import (
    BYTES_PER,
    WARN_FRACTION,
    ModelSize,
    ModelTooLargeError,
    available_memory,
    check_model_size,
    estimate_model_size,
)

__all__ = [
    "BYTES_PER",
    "EXACT_MODES",
    "WARN_FRACTION",
    "ConnectivityGraph",
    "MilpModel",
    "ModelSize",
    "ModelTooLargeError",
    "Row",
    "add_flow",
    "allowed_mask",
    "available_memory",
    "build_model",
    "check_model_size",
    "connectivity_graph",
    "cut_rows",
    "disconnected_columns",
    "disconnected_parts",
    "estimate_model_size",
    "flow_start",
    "fractional_cuts",
    "free_cut_rows",
    "free_units",
    "integer_cuts",
    "is_contiguous",
    "minimal_separator",
    "neighbor_rows",
    "repair_free",
    "sp_rows",
    "start_vector",
]
