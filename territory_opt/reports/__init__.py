"""A plan written out and read back: plan files, CSV and XLSX reports, maps of the plan folder.

May import: ``viz``, ``salesforce``, ``plan`` and everything below them.
"""

from .export import (
    account_changes,
    export_plan,
    kpi_alignment,
    solver_report,
    territories_geodataframe,
)
from .plan_file import (
    PLAN_FORMAT,
    PlanSettings,
    SavedPlan,
    baseline_alignment,
    objective_unit,
    read_plan,
    write_plan_tables,
)

__all__ = [
    "PLAN_FORMAT",
    "PlanSettings",
    "SavedPlan",
    "account_changes",
    "baseline_alignment",
    "export_plan",
    "kpi_alignment",
    "objective_unit",
    "read_plan",
    "solver_report",
    "territories_geodataframe",
    "write_plan_tables",
]
