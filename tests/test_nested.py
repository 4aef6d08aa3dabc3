"""Nested rep types: each field territory inside exactly one key-account territory."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.studies.nested import nested_plan

from .conftest import grid_units

SOLVE = {"solver": "highs", "time_limit": 20, "gap": 0.0}


def test_two_levels_are_nested():
    g = grid_units(6, 4)
    upper = pd.DataFrame({"home": ["u0_0", "u5_3"], "fte": 1.0}, index=["K1", "K2"])
    lower = pd.DataFrame(
        {"home": ["u0_0", "u0_3", "u5_3", "u5_0"], "fte": 1.0}, index=["F1", "F2", "F3", "F4"]
    )
    plan = nested_plan(
        g,
        upper,
        lower,
        measures=["workload"],
        upper_balance={"workload": 0.0},
        lower_balance={"workload": 0.0},
        contiguity="flow",
        solve=SOLVE,
    )
    assert plan.is_nested()
    assert plan.parent.to_dict() == {"F1": "K1", "F2": "K1", "F3": "K2", "F4": "K2"}
    tab_up = plan.upper.territory_table()
    assert tab_up["workload"].tolist() == [12.0, 12.0]
    tab_low = plan.lower.territory_table()
    assert tab_low["workload"].tolist() == [6.0, 6.0, 6.0, 6.0]
    G = nx.grid_2d_graph(6, 4)
    G = nx.relabel_nodes(G, {(x, y): f"u{x}_{y}" for x, y in G.nodes})
    for rep in lower.index:
        members = plan.lower.assignment.index[plan.lower.assignment == rep]
        assert nx.is_connected(G.subgraph(members))


def test_upper_territory_without_lower_rep():
    g = grid_units(4, 2)
    upper = pd.DataFrame({"home": ["u0_0", "u3_1"], "fte": 1.0}, index=["K1", "K2"])
    lower = pd.DataFrame({"home": ["u0_0", "u0_1"], "fte": 1.0}, index=["F1", "F2"])
    with pytest.raises(ValidationError, match="K2"):
        nested_plan(
            g,
            upper,
            lower,
            measures=["workload"],
            upper_balance={"workload": 0.0},
            lower_balance={"workload": 0.0},
            contiguity="flow",
            solve=SOLVE,
        )
