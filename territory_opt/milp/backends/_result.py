"""What a MILP back-end returns: one record for every solver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OPT_GAP", "RawResult", "proven"]

OPT_GAP = 1e-6


@dataclass(frozen=True)
class RawResult:
    """Status, column values, objective, bound, gap, seconds and the solver's message."""

    status: str
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    message: str = ""


def proven(obj: float | None, bound: float | None) -> bool:
    """Optimality proven: bound within 1e-6 (relative to max(1, |obj|)) of the objective."""
    if obj is None or bound is None:
        return False
    return abs(obj - bound) <= OPT_GAP * max(1.0, abs(obj))
