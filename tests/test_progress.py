"""optimize(progress=...): one event per stage, bounds never weaken nor pass the plan."""

from __future__ import annotations

import itertools

from territory_opt.solve.pipeline import optimize
from territory_opt.solve.progress import ProgressEvent
from tests.test_trust import _mid_grid


def test_progress_events() -> None:
    events: list[ProgressEvent] = []
    a = optimize(_mid_grid(), "highs", time_limit=4.0, nearest=3, seed=0, progress=events.append)
    stages = [e.stage for e in events]
    assert stages[:3] == ["precheck", "heuristic", "bound"] and stages[-1] == "done"
    assert "milp" in stages
    bounds = [e.bound for e in events if e.bound is not None]
    assert bounds and all(b2 >= b1 for b1, b2 in itertools.pairwise(bounds))
    for e in events:
        assert e.time_limit == 4.0 and e.elapsed >= 0
        if e.bound is not None and e.objective is not None:
            assert e.bound <= e.objective
            assert e.gap == (e.objective - e.bound) / e.objective
    last = events[-1]
    assert a.report is not None and last.objective == a.report.objective
    assert last.bound == a.report.bound
