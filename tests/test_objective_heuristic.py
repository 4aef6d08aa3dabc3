"""The heuristic balances Normandy under objectives that give it no direction.

"changes" costs nothing for a unit kept by its current rep and the same for every other
rep; "travel" costs nothing for the 54 % of communes without accounts. Ranking balancing
moves by such costs left the worst territory 8 % ("changes") and 20 % ("travel") off
target after 10 s; the search now balances on a shaping cost first. The issue's target is a
balanced plan within 10 s for every mode: measured with every move counted on the work
clock (the flow moves included), the first balanced plan came at 5.4-6.3 s, seeds 0-2. Every check here is
computed independently (networkx connectivity, numpy sums against FTE-share targets,
accounts changed counted from the current reps).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from territory_opt.heuristics import _workclock, build_plan, heuristic_instance


@pytest.fixture(scope="module")
def normandy():
    from territory_opt.data.datasets import load_normandie
    from territory_opt.graph.adjacency import adjacency_graph

    ds = load_normandie()
    return ds.units, ds.reps, adjacency_graph(ds.units)


def _problem(units, reps, graph, mode):
    from territory_opt.problem import TerritoryProblem

    return TerritoryProblem.from_geodataframe(
        units[["workload", "potential", "accounts", "name", "geometry"]],
        reps,
        measures=["workload", "potential", "accounts"],
        graph=graph,
        balance={"workload": 0.05, "potential": 0.05},
        baseline=units["current_rep"],
        contiguity="cuts",
        objective=mode,
    )


@pytest.mark.parametrize("mode", ["changes", "travel"])
def test_directionless_objectives_reach_balance_on_normandy(normandy, mode) -> None:
    units, reps, graph = normandy
    p = _problem(units, reps, graph, mode)
    with _workclock.counted(p.n_units, wall_cap=60.0):
        res = build_plan(heuristic_instance(p), seed=0, time_limit=10.0)
    rep_ids = np.asarray(reps.index)
    labels = rep_ids[res.assignment]
    share = reps["fte"] / reps["fte"].sum()
    for m in ("workload", "potential"):
        load = units[m].groupby(labels).sum().reindex(reps.index).fillna(0.0)
        target = units[m].sum() * share
        assert ((load / target - 1).abs() <= 0.05 + 1e-9).all(), m
    ids = list(units.index)
    for r, home in zip(reps.index, reps["home"], strict=True):
        members = [ids[i] for i in np.flatnonzero(labels == r)]
        assert home in members
        assert nx.is_connected(graph.subgraph(members))
    if mode == "changes":
        acc = units["accounts"].to_numpy(dtype=float)
        changed = acc[labels != units["current_rep"].to_numpy()].sum()
        assert res.cost == pytest.approx(changed)


def test_directionless_objective_is_searched_both_ways_and_the_better_plan_kept(monkeypatch):
    """Shaped (balances Normandy) and unshaped (balances Brittany): the feasible one wins."""
    import networkx as nx
    import numpy as np
    import pandas as pd

    import territory_opt.solve.pipeline as pipeline
    from territory_opt.heuristics import build
    from territory_opt.problem import TerritoryProblem

    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(4, 4), ordering="sorted")
    meas = pd.DataFrame({"w": 1.0, "accounts": 1.0}, index=range(16))
    reps = pd.DataFrame({"home": [0, 15], "fte": 1.0}, index=["A", "B"])
    base = pd.Series(["A"] * 8 + ["B"] * 8, index=range(16))
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": 0.1}, baseline=base, objective="changes"
    )
    seen = []
    real = build.build_plan

    def spy(inst, **kw):
        res = real(inst, **kw)
        shaped = inst.shaping is not None
        seen.append(shaped)
        # pretend the shaped search failed: the unshaped plan must be the one returned
        return (
            res
            if not shaped
            else build.HeuristicResult(
                res.assignment, False, 0.5, res.cost - 1, res.disruption, res.seconds
            )
        )

    monkeypatch.setattr(build, "build_plan", spy)
    asg, ok, msg = pipeline._heuristic_plan(p, seed=0, time_limit=2.0)
    assert seen == [True, False]
    assert ok and asg is not None and "feasible" in msg
    assert np.all((asg == 0) == (base.to_numpy() == "A"))  # the current plan: no change needed
