"""MILP back-ends: HiGHS, CBC and SCIP (optional) drivers, each returning a :class:`RawResult`.

May import: ``milp``'s model, ``exceptions``.
"""

from ._result import OPT_GAP, RawResult, proven
from .cbc import INSTALL_CBC, run_cbc
from .highs import (
    INSTALL_HIGHS,
    import_highspy,
    new_highs,
    quiet_stdout,
    reset_scheduler,
    run_highs,
)
from .scip import INSTALL_SCIP, import_pyscipopt, run_scip, scip_available

__all__ = [
    "INSTALL_CBC",
    "INSTALL_HIGHS",
    "INSTALL_SCIP",
    "OPT_GAP",
    "RawResult",
    "import_highspy",
    "import_pyscipopt",
    "new_highs",
    "proven",
    "quiet_stdout",
    "reset_scheduler",
    "run_cbc",
    "run_highs",
    "run_scip",
    "scip_available",
]
