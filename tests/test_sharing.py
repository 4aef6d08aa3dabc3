"""Shared dense units: a city too big for one territory is split, the split sums exactly."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from territory_opt.exceptions import InfeasibleError
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize
from territory_opt.studies.sharing import optimize_shared, split_dense_units

from .conftest import grid_units


@pytest.fixture()
def city():
    g = grid_units(6, 4)
    g["workload"] = 1.0
    g.loc["u2_2", "workload"] = 30.0  # 30 of 53 h: more than a whole territory (17.7 h)
    g["accounts"] = (g["workload"] * 2).astype(int)
    reps = pd.DataFrame({"home": ["u0_0", "u5_3", "u0_3"], "fte": 1.0}, index=["A", "B", "C"])
    return g, reps


SOLVE = {"solver": "highs", "time_limit": 30, "gap": 0.0}


def test_city_without_sharing_is_infeasible(city):
    g, reps = city
    p = TerritoryProblem.from_geodataframe(
        g, reps, measures=["workload", "accounts"], balance={"workload": 0.10}, contiguity="flow"
    )
    with pytest.raises(InfeasibleError, match="u2_2"):
        optimize(p, **SOLVE)


def test_city_shared_between_reps(city):
    g, reps = city
    before = g.copy()
    plan = optimize_shared(
        g,
        reps,
        measures=["workload", "accounts"],
        balance={"workload": 0.10},
        contiguity="flow",
        solve=SOLVE,
    )
    assert g.equals(before)
    assert plan.shared is not None
    sh = plan.shared
    assert set(sh["unit"]) == {"u2_2"}
    assert sh["fraction"].sum() == pytest.approx(1.0)
    assert len(sh) >= 2  # really split
    # the split sums exactly to the city's measures
    table = plan.territory_table()
    assert table["workload"].sum() == pytest.approx(g["workload"].sum())
    assert table["workload_pct_target"].between(90 - 1e-6, 110 + 1e-6).all()
    # every unit assigned once; each rep's whole units + its city share are connected
    assert plan.assignment.index.sort_values().equals(g.index.sort_values())
    G = nx.grid_2d_graph(6, 4)
    G = nx.relabel_nodes(G, {(x, y): f"u{x}_{y}" for x, y in G.nodes})
    for rep in reps.index:
        members = set(plan.assignment.index[plan.assignment == rep]) | set(
            sh.loc[sh["rep"] == rep, "unit"]
        )
        assert nx.is_connected(G.subgraph(members))


def test_split_pieces_keep_totals(city):
    g, _ = city
    split = split_dense_units(g, ["workload", "accounts"], {"workload": 8.0})
    assert len(split.pieces) == 4 and split.pieces["fraction"].sum() == pytest.approx(1.0)
    assert split.units["workload"].sum() == pytest.approx(g["workload"].sum())
    assert split.units["accounts"].sum() == pytest.approx(g["accounts"].sum())
    assert nx.is_connected(split.graph)
    assert split.graph.has_edge("u2_2#1", "u2_1") and split.graph.has_edge("u2_2#1", "u2_2#4")


def test_choose_split_takes_the_coarsest_split_that_balances(city):
    """Pieces too big to balance (a share of 2: the city stays whole) are refused after a
    heuristic probe and the next size is taken; a size that balances is kept at once."""
    from territory_opt.studies.sharing import choose_split

    g, reps = city
    common = {
        "measures": ["workload", "accounts"],
        "balance": {"workload": 0.10},
        "contiguity": "flow",
        "probe_seconds": 2.0,
    }
    split, share, probe = choose_split(g, reps, shares=(2.0, 0.25), **common)
    assert share == 0.25 and probe is None
    assert set(split.pieces["unit"]) == {"u2_2"}
    split, share, probe = choose_split(g, reps, shares=(0.25, 0.1), **common)
    assert share == 0.25 and probe is not None and probe.feasible
    # quarters of the smallest lower bound: 0.25 * 0.9 * 53 / 3 = 3.98 h -> 8 pieces
    assert len(split.pieces) == 8
