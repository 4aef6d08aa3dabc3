"""Progress events of :func:`territory_opt.solve.pipeline.optimize` for a live display.

``optimize(..., progress=callback)`` calls ``callback(ProgressEvent(...))`` at each stage
change (pre-checks, warm-start heuristic, the problem's bound, MILP, polish, done) and
whenever the best plan or bound improves. Nothing is printed or called when ``progress``
is ``None``. The bound and gap follow :class:`~territory_opt.plan.alignment.SolveReport`: the
best bound valid for the problem as stated known so far, never above the best objective.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ProgressEvent", "Reporter"]


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a solve.

    Attributes
    ----------
    stage : str
        ``"precheck"``, ``"heuristic"``, ``"bound"``, ``"milp"``, ``"polish"`` or ``"done"``.
    elapsed : float
        Wall seconds since ``optimize`` started.
    time_limit : float
        The ``time_limit`` of the call.
    objective : float or None
        Best plan's objective so far (``None`` before the first valid plan).
    bound : float or None
        Best bound valid for the problem as stated so far.
    gap : float or None
        ``(objective - bound) / objective`` when both are known.
    """

    stage: str
    elapsed: float
    time_limit: float
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None


class Reporter:
    """Keeps the best objective and bound; sends an event to ``callback`` (if any)."""

    def __init__(
        self, callback: Callable[[ProgressEvent], None] | None, t0: float, time_limit: float
    ) -> None:
        self.callback = callback
        self.t0 = t0
        self.time_limit = float(time_limit)
        self.objective: float | None = None
        self.bound: float | None = None

    def __call__(
        self, stage: str, *, objective: float | None = None, bound: float | None = None
    ) -> None:
        """Record ``objective`` (kept if better) and ``bound`` (kept if stronger); emit."""
        if objective is not None and (self.objective is None or objective < self.objective):
            self.objective = float(objective)
        if bound is not None and (self.bound is None or bound > self.bound):
            self.bound = float(bound)
        if self.callback is None:
            return
        b = self.bound
        if b is not None and self.objective is not None:
            b = min(b, self.objective)
        gap = None
        if b is not None and self.objective is not None:
            gap = abs(self.objective - b) / max(abs(self.objective), 1e-10)
        self.callback(
            ProgressEvent(
                stage=stage,
                elapsed=time.perf_counter() - self.t0,
                time_limit=self.time_limit,
                objective=self.objective,
                bound=b,
                gap=gap,
            )
        )
