"""MILP back-ends: one HiGHS and one CBC driver, each returning a :class:`RawResult`.

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

__all__ = [
    "INSTALL_CBC",
    "INSTALL_HIGHS",
    "OPT_GAP",
    "RawResult",
    "import_highspy",
    "new_highs",
    "proven",
    "quiet_stdout",
    "reset_scheduler",
    "run_cbc",
    "run_highs",
]
