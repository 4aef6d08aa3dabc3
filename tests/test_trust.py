"""Bounds a user can trust (issue 17): valid for the problem as stated, labelled, monotone.

Every expected value is computed here independently: brute-force enumeration of every
plan of a tiny grid, or the published optimum of the Pfizer Turkey case.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize
from tests.test_model import _brute_force
from tests.test_pfizer import DATA, REFERENCE, _problem


def _inst(seed: int) -> tuple[nx.Graph, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """3x4 grid, 3 corner homes, cost ~ workload x hops^2 (so pruning to the 2 nearest
    homes can cut off the true optimum)."""
    rng = np.random.default_rng(seed)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 4), ordering="sorted")
    n = G.number_of_nodes()
    meas = pd.DataFrame({"w": rng.integers(1, 10, n).astype(float)}, index=range(n))
    homes = [0, 3, n - 1]
    reps = pd.DataFrame({"home": homes, "fte": 1.0}, index=["A", "B", "C"])
    hop = [nx.single_source_shortest_path_length(G, h) for h in homes]
    C = np.array(
        [[hop[c][i] ** 2 * meas["w"][i] + rng.uniform(0, 1) for c in range(3)] for i in range(n)]
    )
    for c, h in enumerate(homes):
        C[h, c] = 0.0
    return G, meas, reps, pd.DataFrame(C, index=range(n), columns=reps.index)


@pytest.mark.parametrize(
    ("seed", "mode", "nearest"),
    [(0, "cuts", 2), (10, "cuts", 2), (0, "sp", None), (0, "flow", 2), (3, "sp", 2)],
)
def test_bound_never_above_any_feasible_plan(seed: int, mode: str, nearest: int | None) -> None:
    """The reported bound is at most the objective of every connected balanced plan
    (enumerated), and "optimal" only when the plan attains the true optimum."""
    G, meas, reps, cost = _inst(seed)
    exact, _ = _brute_force(G, meas, reps, cost, 0.2, "flow")  # every connected plan
    assert np.isfinite(exact)
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity=mode, balance={"w": 0.2}
    )  # type: ignore[arg-type]
    r = optimize(p, "highs", gap=0.0, warm_start=False, nearest=nearest).report
    assert r is not None and r.objective is not None and r.bound is not None
    assert r.bound <= exact + 1e-6
    assert r.bound <= r.objective + 1e-9
    if r.status == "optimal":
        assert r.objective == pytest.approx(exact, abs=1e-6)
    assert r.gap == pytest.approx((r.objective - r.bound) / r.objective, abs=1e-9)


def test_pruned_bound_is_labelled() -> None:
    """Seed 0 pruned to the 2 nearest homes: the pruned model's optimum (137.82) is above
    the true optimum (137.20): the report must not call it optimal nor use its bound."""
    G, meas, reps, cost = _inst(0)
    exact, _ = _brute_force(G, meas, reps, cost, 0.2, "flow")
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity="cuts", balance={"w": 0.2}
    )
    r = optimize(p, "highs", gap=0.0, warm_start=False, nearest=2).report
    assert r is not None and r.objective is not None
    assert r.objective > exact + 0.1  # the pruned model really misses the optimum
    assert r.status == "feasible" and r.restricted_optimal
    assert r.bound_scope == "problem"
    assert r.restricted_bound == pytest.approx(r.objective, abs=1e-6)
    assert "optimal within the restricted model (pruned model (nearest=2))" in r.message


def test_pfizer_pruned_bound_below_published_optimum() -> None:
    """Pfizer Turkey (22 bricks, 4 SRs), band 0.8-1.2: published minimum distance 154.60.
    Pruned to the 2 nearest offices, the bound reported must stay below it."""
    if not (DATA / "bricks.csv").exists():
        pytest.skip("Pfizer Turkey data not found")
    published = REFERENCE[(0.8, 1.2)][0]
    r = optimize(_problem(DATA, (0.8, 1.2)), "highs", gap=0.0, warm_start=False, nearest=2).report
    assert r is not None and r.bound is not None and r.objective is not None
    assert r.bound <= published + 0.005
    assert r.bound_scope == "problem" and r.restricted_bound is not None
    assert r.objective >= published - 0.005
    if r.status == "optimal":
        assert r.objective == pytest.approx(published, abs=0.005)


def _mid_grid() -> TerritoryProblem:
    rng = np.random.default_rng(5)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(9, 9), ordering="sorted")
    n = G.number_of_nodes()
    meas = pd.DataFrame(
        {"w": rng.integers(1, 10, n).astype(float), "v": rng.integers(1, 10, n).astype(float)},
        index=range(n),
    )
    homes = [0, 8, 40, 72, 80]
    reps = pd.DataFrame({"home": homes, "fte": 1.0}, index=list("ABCDE"))
    hop = [nx.single_source_shortest_path_length(G, h) for h in homes]
    C = np.array([[hop[c][i] ** 2 * meas["w"][i] for c in range(5)] for i in range(n)])
    cost = pd.DataFrame(C, index=range(n), columns=reps.index)
    return TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity="cuts", balance={"w": 0.05, "v": 0.05}
    )


def test_bound_does_not_weaken_with_more_time() -> None:
    p = _mid_grid()
    short = optimize(p, "highs", time_limit=2.0, nearest=3, seed=0).report
    long = optimize(p, "highs", time_limit=6.0, nearest=3, seed=0).report
    assert short is not None and long is not None
    assert short.bound is not None and long.bound is not None
    assert long.bound >= short.bound - 1e-9 * abs(short.bound)
    assert short.bound_scope == long.bound_scope == "problem"


def test_pruning_that_cuts_nothing_is_exact() -> None:
    """nearest=3 with 3 reps keeps every assignment: the model is the problem, optimal."""
    G, meas, reps, cost = _inst(0)
    exact, _ = _brute_force(G, meas, reps, cost, 0.2, "flow")
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity="cuts", balance={"w": 0.2}
    )
    r = optimize(p, "highs", gap=0.0, warm_start=False, nearest=3).report
    assert r is not None and r.status == "optimal" and r.restricted_bound is None
    assert r.objective == pytest.approx(exact, abs=1e-6)
    assert r.bound == pytest.approx(exact, abs=1e-5) and r.bound_scope == "problem"
