"""Same inputs and seed, same plan under any CPU load (issue 17 item 8).

The load is simulated by a wall clock running 1.6x faster than real time (every stage
then sees less time left, as on a machine 1.6x slower): the heuristics count their
work instead of reading the clock, so the plan must not change.
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize


def _problem() -> TerritoryProblem:
    rng = np.random.default_rng(7)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(15, 15), ordering="sorted")
    n = G.number_of_nodes()
    meas = pd.DataFrame(
        {"w": rng.integers(1, 10, n).astype(float), "v": rng.integers(1, 10, n).astype(float)},
        index=range(n),
    )
    homes = [16, 28, 112, 196, 208]
    reps = pd.DataFrame({"home": homes, "fte": 1.0}, index=list("ABCDE"))
    hop = [nx.single_source_shortest_path_length(G, h) for h in homes]
    cost = pd.DataFrame(
        [[hop[c][i] ** 2 * meas["w"][i] for c in range(5)] for i in range(n)],
        index=range(n),
        columns=reps.index,
    )
    return TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity="cuts", balance={"w": 0.04, "v": 0.04}
    )


def _run(p: TerritoryProblem):
    return optimize(p, "highs", time_limit=20.0, heuristic_time=2.0, gap=0.5, nearest=3, seed=0)


def test_same_plan_under_load(monkeypatch: pytest.MonkeyPatch) -> None:
    p = _problem()
    calm = _run(p)
    real = time.perf_counter
    base = real()
    monkeypatch.setattr(time, "perf_counter", lambda: base + 1.6 * (real() - base))
    loaded = _run(p)
    monkeypatch.undo()
    assert calm.report is not None and loaded.report is not None
    if calm.report.work_capped:  # the machine is so loaded that even the calm run hit the cap
        pytest.skip(f"the wall-clock cap cut the calm run: {calm.report.message[:120]}")
    assert not loaded.report.work_capped, loaded.report.message
    assert calm.assignment.equals(loaded.assignment)
    assert calm.report.objective == loaded.report.objective
