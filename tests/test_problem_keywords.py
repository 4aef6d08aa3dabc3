"""The constructors' keywords: unknown ones and ``measures=`` as a mapping are refused;
``centres=k`` asks for free centres and ``Alignment.centres`` reads the plan by centre unit."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.problem import TerritoryProblem
from territory_opt.solve import optimize

from .conftest import grid_units


def _graph(rows: int = 3, cols: int = 4) -> tuple[nx.Graph, pd.DataFrame]:
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    pop = pd.DataFrame({"pop": np.arange(1.0, rows * cols + 1)}, index=range(rows * cols))
    for n in G.nodes:
        G.nodes[n]["pop"] = float(pop.loc[n, "pop"])
    return G, pop


def test_measures_given_as_a_tolerance_mapping_is_refused_as_balance() -> None:
    G, _ = _graph()
    with pytest.raises(ValidationError) as info:
        TerritoryProblem.from_graph(G, 2, measures={"pop": 0.005})
    msg = str(info.value)
    assert "measures=" in msg and "did you mean balance={'pop': 0.005}" in msg


def test_measures_mapping_refused_by_every_constructor() -> None:
    units = grid_units(3, 3)
    reps = pd.DataFrame({"home": ["u0_0", "u2_2"]}, index=["A", "B"])
    with pytest.raises(ValidationError, match="did you mean balance="):
        TerritoryProblem.from_geodataframe(units, reps, measures={"workload": 0.05})  # type: ignore[arg-type]
    cost = pd.DataFrame(1.0, index=units.index, columns=["A", "B"])
    with pytest.raises(ValidationError, match="did you mean balance="):
        TerritoryProblem.from_cost_matrix(cost, {"workload": 0.05}, reps)  # type: ignore[arg-type]


def test_unknown_keyword_is_a_validation_error_naming_the_closest_one() -> None:
    G, _ = _graph()
    with pytest.raises(ValidationError) as info:
        TerritoryProblem.from_graph(G, 2, balanse={"pop": 0.1})  # type: ignore[call-arg]
    msg = str(info.value)
    assert "balanse=" in msg and "did you mean balance=?" in msg
    assert "_finish" not in msg
    with pytest.raises(ValidationError, match=r"did you mean candidates=\?"):
        TerritoryProblem.from_graph(G, 2, candidate=[0, 5])  # type: ignore[call-arg]


def test_replace_refuses_an_unknown_field() -> None:
    G, _ = _graph()
    p = TerritoryProblem.from_graph(G, 2, balance={"pop": 0.2})
    with pytest.raises(ValidationError, match=r"did you mean balance=\?"):
        p.replace(balanse={"pop": 0.1})
    assert p.replace(balance={"pop": 0.1}).balance[0].tolerance == 0.1


def test_centres_keyword_is_the_int_reps_form() -> None:
    G, _ = _graph()
    a = TerritoryProblem.from_graph(G, centres=2, balance={"pop": 0.2})
    b = TerritoryProblem.from_graph(G, 2, balance={"pop": 0.2})
    assert a.free_centres and b.free_centres and a.k == b.k == 2
    assert np.array_equal(a.cost, b.cost) and np.array_equal(a.roots, b.roots)
    reps = pd.DataFrame({"home": [0, 11]}, index=["A", "B"])
    with pytest.raises(ValidationError, match="both reps and centres"):
        TerritoryProblem.from_graph(G, reps, centres=2)
    with pytest.raises(ValidationError, match="centres"):
        TerritoryProblem.from_graph(G, centres="2")  # type: ignore[arg-type]


def test_free_centre_plan_is_readable_by_centre_unit() -> None:
    G, _ = _graph(3, 4)
    p = TerritoryProblem.from_graph(G, centres=2, balance={"pop": 0.3}, contiguity="flow")
    plan = optimize(p, "highs", time_limit=5, gap=0.0)
    by_centre = plan.centres
    assert set(plan.assignment) == {0, 1}  # territories labelled 0..k-1
    centres = set(by_centre)
    assert len(centres) == 2 and centres <= set(G.nodes)
    for c in centres:  # each centre unit lies in the territory it names
        assert by_centre[c] == c
        members = [u for u in G.nodes if by_centre[u] == c]
        assert nx.is_connected(G.subgraph(members))
