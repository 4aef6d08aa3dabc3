"""A deterministic clock for the heuristics: time counted in work, the wall clock as a cap.

The heuristics (:mod:`territory_opt.heuristics.build` and its helpers) stop their loops at
deadlines read from :func:`now`. Read from the wall clock, the same inputs and seed gave
other plans on a loaded machine (fewer iterations before the deadline). Inside
:func:`counted`, :func:`now` is a *work clock* instead: it advances by a fixed amount per
call (one search step; the amount grows with the number of units) and by a deterministic
estimate of each HiGHS sub-solve (simplex iterations and branch-and-bound nodes, see
:func:`charge`), so a run does the same work whatever the load. Sub-solves get work
limits (nodes) instead of time limits. The wall clock is only an outer cap: when the real
time passes it, :func:`now` jumps past every deadline and the run is marked *capped*
(its result may then depend on the machine's speed; :class:`~territory_opt.plan.alignment.SolveReport`
says so in ``work_capped``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "Counter",
    "capped_runs",
    "charge",
    "counted",
    "mark_capped",
    "now",
    "spend",
    "sub_limits",
]

_STEP = 5e-4
_STEP_PER_UNIT = 1.5e-6
"""Virtual seconds per search step: ``_STEP + _STEP_PER_UNIT * n`` (a step evaluates moves
along the borders; measured 0.9 ms at 256 units, 4.4 ms at 2,500)."""
_ITERATION = 1.5e-4
"""Virtual seconds per simplex iteration of an LP sub-solve (measured: 1-2e-4 s on a 50x50
grid's LP start of 42,000 columns under load; 1.3e-4 s on Normandy's, 44,676 columns)."""
_SOLVE = 5e-3
"""Virtual seconds per LP sub-solve (model load, presolve)."""
_MIP_ITERATION = 4e-4
_MIP_SOLVE = 0.04
_MIP_COLUMN = 5e-5
"""A MIP sub-solve (a recombination) costs ``_MIP_SOLVE + _MIP_ITERATION * iterations +
_NODE * nodes + _MIP_COLUMN * columns``: its root presolve, probing and cuts show in no
simplex count, and building its rows costs 20-50 ms. Fitted on 99 recombinations
(Morbihan 240 units and Normandy 2,644, calm, 2026-12-02): 13.6 s of real time, of which
the former LP rates counted 3.7 s; a 20 s Morbihan run from the current plan then took
15 s of real time for 5 counted seconds, and was cut by its wall cap under load."""
_NODE = 2e-3
"""Virtual seconds per branch-and-bound node of a sub-solve."""
_NODES_PER_SECOND = 200
"""Node limit of a sub-solve per second of its nominal time limit."""
_SUB_CAP = 10.0
"""A sub-solve's wall-clock cap: this many times its nominal time limit (plus 1 s)."""


@dataclass
class Counter:
    """State of one counted run (see :func:`counted`)."""

    t: float = 0.0
    step: float = 1e-3
    wall_cap: float = float("inf")
    capped: bool = False


_ACTIVE: list[Counter] = []
_CAPPED = [0]


def capped_runs() -> int:
    """How many counted runs were cut by their wall-clock cap so far (in this process)."""
    return _CAPPED[0]


_JUMP = 1e12  # added to a capped clock: every loop reading it sees its time is up


def now() -> float:
    """The heuristics' clock: work-counted inside :func:`counted`, else the wall clock."""
    return spend(1.0)


def spend(steps: float) -> float:
    """Count ``steps`` search steps of work and read the clock (:func:`now` is ``spend(1)``).

    Loops whose iterations are cheaper than a search step count them at their cost (a
    flow rebalancing move: measured 1.9 ms on Normandy, against 3.3-6.9 ms per step of
    the tabu search). Outside :func:`counted`, the wall clock."""
    if not _ACTIVE:
        return time.perf_counter()
    c = _ACTIVE[-1]
    c.t += steps * c.step
    if not c.capped and time.perf_counter() > c.wall_cap:
        c.capped = True
        _CAPPED[0] += 1
    return c.t + (_JUMP if c.capped else 0.0)


def since(t0: float) -> float:
    """Time spent since ``t0`` on the heuristics' clock, without the jump that ends a capped run."""
    t = now() - t0
    return t - _JUMP if t >= _JUMP else t


def charge(
    iterations: int, nodes: int, size: int, nominal: float, timed_out: bool, mip: bool = False
) -> None:
    """Advance the work clock by a HiGHS sub-solve's counted work.

    ``size`` is the number of columns (it counts for a MIP only). ``nominal`` is unused: a
    sub-solve's root node (unbounded by the node limit) can take more than its nominal time,
    which the clock must then show."""
    if not _ACTIVE:
        return
    c = _ACTIVE[-1]
    del nominal
    iterations, nodes = max(0, iterations), max(0, nodes)
    if mip:
        c.t += _MIP_SOLVE + _MIP_ITERATION * iterations + _NODE * nodes + _MIP_COLUMN * size
    else:
        c.t += _SOLVE + _ITERATION * iterations + _NODE * nodes
    if timed_out and not c.capped:  # the sub-solve's wall cap decided its result
        c.capped = True
        _CAPPED[0] += 1


def mark_capped() -> None:
    """Record that the wall clock cut some counted work short (outside :func:`counted`)."""
    _CAPPED[0] += 1


def sub_limits(nominal: float) -> tuple[float, int | None]:
    """(wall-clock cap in s, node limit or None) for a sub-solve of ``nominal`` seconds.

    The cap never reaches past the run's own wall-clock cap: a recombination MILP of
    16 s nominal started near the end of a run made a 60 s solve take 86 s on a loaded
    machine before this bound."""
    if not _ACTIVE:
        return nominal, None
    left = _ACTIVE[-1].wall_cap - time.perf_counter()
    cap = min(_SUB_CAP * nominal + 1.0, max(left, 0.01))
    return cap, max(20, int(_NODES_PER_SECOND * nominal))


@contextlib.contextmanager
def counted(n_units: int, wall_cap: float) -> Iterator[Counter]:
    """Run the heuristics on the work clock; ``wall_cap`` real seconds is the outer cap."""
    step = _STEP + _STEP_PER_UNIT * max(1, n_units)
    c = Counter(step=step, wall_cap=time.perf_counter() + wall_cap)
    _ACTIVE.append(c)
    try:
        yield c
    finally:
        _ACTIVE.pop()
