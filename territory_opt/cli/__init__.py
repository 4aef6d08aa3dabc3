"""The ``territory-opt`` command: one module per command family, one shared option set.

Exit codes: 0 ok; 1 user error (clear message, no traceback unless ``--debug``);
2 infeasible, with a diagnosis; 3 time limit reached without a feasible plan.
May import everything in the package; nothing in the package imports it.
"""

from __future__ import annotations

from . import optimize, pareto, saved, size, whatif  # noqa: F401  (registers the commands)
from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for ``python -m territory_opt.cli``."""
    app()
