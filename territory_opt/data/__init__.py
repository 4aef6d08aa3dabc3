"""Read, write and check the inputs; the bundled and built data sets of French communes.

May import nothing of the package but ``territory_opt.exceptions``.
"""

from .apportionment import (
    largest_remainder,
)
from .coarsen import (
    CoarseUnits,
    aggregate_units,
    expand_assignment,
)
from .coverage import (
    coverage_holes,
)
from .datasets import (
    NORMANDIE_DEPARTEMENTS,
    DemoDataset,
    cache_dir,
    data_dir,
    departement_outline,
    load_communes,
    load_normandie,
)
from .demo_data import (
    DEMO_REPS,
    SEGMENTS,
    SegmentSpec,
    current_alignment,
    demo_reps,
    generate_accounts,
    unit_aggregates,
)
from .io import (
    GEO_SUFFIXES,
    TABLE_SUFFIXES,
    atomic_path,
    atomic_write_bytes,
    prepare_output_dir,
    read_accounts,
    read_assignment,
    read_table,
    read_units,
    write_table,
)
from .travel_matrix import (
    read_travel_matrix,
)
from .validate import (
    validate_inputs,
)

__all__ = [
    "DEMO_REPS",
    "GEO_SUFFIXES",
    "NORMANDIE_DEPARTEMENTS",
    "SEGMENTS",
    "TABLE_SUFFIXES",
    "CoarseUnits",
    "DemoDataset",
    "SegmentSpec",
    "aggregate_units",
    "atomic_path",
    "atomic_write_bytes",
    "cache_dir",
    "coverage_holes",
    "current_alignment",
    "data_dir",
    "demo_reps",
    "departement_outline",
    "expand_assignment",
    "generate_accounts",
    "largest_remainder",
    "load_communes",
    "load_normandie",
    "prepare_output_dir",
    "read_accounts",
    "read_assignment",
    "read_table",
    "read_travel_matrix",
    "read_units",
    "unit_aggregates",
    "validate_inputs",
    "write_table",
]
