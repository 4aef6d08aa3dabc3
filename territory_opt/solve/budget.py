"""The time and solver budget of one solve, passed to each step of the pipeline."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

__all__ = ["Budget"]


@dataclass(frozen=True)
class Budget:
    """What a step may spend: seconds from ``t0``, and the solver settings it solves with.

    Parameters
    ----------
    solver : str
        ``"highs"`` or ``"cbc"`` (checked by the caller).
    time_limit : float
        Wall-clock seconds from ``t0``.
    gap : float
        Relative MIP gap asked.
    threads, seed : int
        Solver threads and seed (also the heuristic's seed).
    t0 : float
        ``time.perf_counter()`` at the start (default: now).
    """

    solver: str
    time_limit: float
    gap: float = 0.005
    threads: int = 1
    seed: int = 0
    t0: float = field(default_factory=time.perf_counter)

    @property
    def deadline(self) -> float:
        """``time.perf_counter()`` value at which the time is up."""
        return self.t0 + self.time_limit

    def elapsed(self) -> float:
        """Seconds since ``t0``."""
        return time.perf_counter() - self.t0

    def left(self, at_least: float = -math.inf) -> float:
        """Seconds left before the deadline, at least ``at_least``."""
        return max(self.time_limit - self.elapsed(), at_least)
