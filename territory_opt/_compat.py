"""Old flat module paths (``territory_opt.alignment``...) kept working, with a DeprecationWarning.

Round 2 moved the 41 flat modules into subpackages by role; code written against the
old paths still imports, and is told where the module lives now.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

__all__ = ["MOVED", "install"]

#: old module name -> its new home (same names as packages, e.g. ``solve``, need no alias)
MOVED: dict[str, str] = {
    "io": "data.io",
    "validate": "data.validate",
    "datasets": "data.datasets",
    "coarsen": "data.coarsen",
    "demo_data": "data.demo_data",
    "coverage": "data.coverage",
    "adjacency": "graph.adjacency",
    "distance": "graph.distance",
    "graph_core": "graph.core",
    "model": "milp.model",
    "contiguity": "milp.contiguity",
    "guard": "milp.size_guard",
    "alignment": "plan.alignment",
    "report": "reports.export",
    "plan_file": "reports.plan_file",
    "scenarios": "studies.scenarios",
    "sharing": "studies.sharing",
    "greenfield": "studies.free_centres",
    "nested": "studies.nested",
    "batch": "studies.batch",
    "decompose": "studies.decompose",
    "workload": "salesforce.workload",
    "sizing": "salesforce.sizing",
    "pay": "salesforce.pay",
    "staffing": "salesforce.staffing",
    "objectives": "salesforce.kpis",
    "maps": "viz.maps",
    "national_map": "viz.national_map",
    "tolerance": "solve.tolerance",
    "progress": "solve.progress",
    "bounds": "solve.bounds",
}


class _Alias(importlib.abc.Loader):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{self.old} moved to {self.new}; import it from there (or from territory_opt).",
            DeprecationWarning,
            stacklevel=4,
        )
        return importlib.import_module(self.new)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module is the new one."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> ModuleSpec | None:
        prefix = "territory_opt."
        if not fullname.startswith(prefix):
            return None
        head, _, rest = fullname[len(prefix) :].partition(".")
        if head not in MOVED:
            return None
        new = prefix + MOVED[head] + ("." + rest if rest else "")
        return importlib.util.spec_from_loader(fullname, _Alias(fullname, new))


def install() -> None:
    """Register the finder once (called by ``territory_opt/__init__``)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder())  # before editable-install finders
