"""Pruning keeps the columns a continuity plan needs (territory_opt.milp.pruning)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from territory_opt.milp.pruning import allowed_mask, keeps_continuity
from territory_opt.problem import TerritoryProblem


def _path_problem(**kw: object) -> TerritoryProblem:
    """A path of 8 units, four reps A-D holding two consecutive units each today."""
    G = nx.path_graph(8)
    meas = pd.DataFrame({"accounts": np.arange(1.0, 9.0)}, index=list(G.nodes))
    reps = pd.DataFrame({"home": [0, 2, 4, 6]}, index=["A", "B", "C", "D"])
    base = pd.Series(["A", "A", "B", "B", "C", "C", "D", "D"], index=list(G.nodes))
    return TerritoryProblem.from_graph(
        G,
        reps,
        measures=meas,
        baseline=base,
        contiguity="cuts",
        **kw,  # type: ignore[arg-type]
    )


def test_continuity_keeps_the_reps_two_borders_away() -> None:
    p = _path_problem(objective="changes")
    assert keeps_continuity(p)
    mask = allowed_mask(p, nearest=1)
    # unit 1 (A today): A, B (one border) and C (two borders), not D; by hand
    assert mask[1].tolist() == [True, True, True, False]
    # unit 7 (D today): B, C, D, not A
    assert mask[7].tolist() == [False, True, True, True]
    # homes stay with their rep whatever the pruning
    assert mask[[0, 2, 4, 6]].tolist() == np.eye(4, dtype=bool).tolist()


def test_other_objectives_prune_by_distance_only() -> None:
    p = _path_problem(objective="cost")
    assert not keeps_continuity(p)
    mask = allowed_mask(p, nearest=1)
    # unit 1: its nearest home (A, 1 hop) and its current rep (A) only
    assert mask[1].tolist() == [True, False, False, False]
    # a disruption budget keeps continuity too
    assert keeps_continuity(_path_problem(objective="cost", disruption_budget=5.0))
    # the default objective with a current plan (fewest changes first) keeps it as well
    assert keeps_continuity(_path_problem())
