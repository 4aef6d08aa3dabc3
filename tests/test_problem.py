"""TerritoryProblem: constructors, validation errors naming the item, immutability."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from territory_opt.exceptions import ValidationError
from territory_opt.heuristics import heuristic_instance
from territory_opt.problem.territory_problem import Balance, TerritoryProblem


def _squares(rows: int = 2, cols: int = 3) -> gpd.GeoDataFrame:
    geoms, ids = [], []
    for r in range(rows):
        for c in range(cols):
            geoms.append(box(c * 0.1, r * 0.1, (c + 1) * 0.1, (r + 1) * 0.1))
            ids.append(f"u{r}{c}")
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "workload": np.arange(1.0, rows * cols + 1),
            "accounts": 1.0,
            "name": [f"Commune {i}" for i in ids],
        },
        geometry=geoms,
        crs="EPSG:4326",
    ).set_index("id", drop=False)


def test_from_geodataframe_builds_graph_and_km() -> None:
    units = _squares()
    before = units.copy()
    reps = pd.DataFrame({"home": ["u00", "u12"], "fte": [1.0, 0.5]}, index=["A", "B"])
    p = TerritoryProblem.from_geodataframe(
        units, reps, measures=["workload", "accounts"], balance={"workload": 0.1}
    )
    pd.testing.assert_frame_equal(units, before)  # never mutates the caller's frame
    assert p.n_units == 6 and p.k == 2
    assert p.graph is not None and p.graph.number_of_edges() == 7  # rook on a 2x3 grid
    assert p.cost[p.unit_index("u00"), 0] == pytest.approx(0.0)
    # neighbouring square centroids are ~11 km apart at the equator (0.1 degree)
    assert p.cost[p.unit_index("u01"), 0] == pytest.approx(11.1, abs=0.2)
    assert p.shares() == pytest.approx([2 / 3, 1 / 3])
    lo, hi = p.bounds()
    total = units["workload"].sum()
    assert lo[0, 0] == pytest.approx(0.9 * total * 2 / 3) and hi[1, 0] == pytest.approx(
        1.1 * total / 3
    )
    assert p.units is not None and "name" in p.units.columns


def test_homes_as_points() -> None:
    units = _squares()
    reps = gpd.GeoDataFrame(
        {"fte": [1.0, 1.0]},
        geometry=[Point(0.05, 0.05), Point(0.25, 0.15)],
        index=["A", "B"],
        crs="EPSG:4326",
    )
    p = TerritoryProblem.from_geodataframe(units, reps, measures=["workload"])
    assert list(p.reps["home"]) == ["u00", "u12"]


def test_from_graph_hops_and_callable() -> None:
    G = nx.path_graph(4)
    nx.set_node_attributes(G, {i: float(i) for i in range(4)}, "w")
    reps = pd.DataFrame({"home": [0, 3]}, index=["L", "R"])
    p = TerritoryProblem.from_graph(G, reps)
    assert list(p.measures.columns) == ["w"]
    assert p.cost[:, 0].tolist() == [0, 1, 2, 3]
    q = TerritoryProblem.from_graph(G, reps, cost=lambda u, h: abs(u - h) * 2.0)
    assert q.cost[:, 1].tolist() == [6, 4, 2, 0]


def test_validation_names_items() -> None:
    G = nx.path_graph(3)
    meas = pd.DataFrame({"w": [1.0, 1.0, 1.0]}, index=range(3))
    with pytest.raises(ValidationError, match="home 7 is not a unit"):
        TerritoryProblem.from_graph(
            G, pd.DataFrame({"home": [0, 7]}, index=["A", "B"]), measures=meas
        )
    cost = pd.DataFrame({"A": [0.0, -1.0, 2.0], "B": [1.0, 1.0, 0.0]}, index=range(3))
    with pytest.raises(ValidationError, match=r"cost \(unit, rep\) \(1, 'A'\) = -1"):
        TerritoryProblem.from_cost_matrix(
            cost, meas, pd.DataFrame({"home": [0, 2]}, index=["A", "B"])
        )
    bad = meas.assign(w=[1.0, np.nan, -2.0])
    with pytest.raises(ValidationError) as err:
        TerritoryProblem.from_cost_matrix(cost.abs(), bad)
    assert len(err.value.problems) == 2  # every problem at once
    with pytest.raises(ValidationError, match="balance measure 'x'"):
        TerritoryProblem.from_cost_matrix(cost.abs(), meas, balance={"x": 0.1})
    with pytest.raises(ValidationError, match="lower 2 > upper 1"):
        TerritoryProblem.from_cost_matrix(
            cost.abs(), meas, balance=[Balance("w", lower=2, upper=1)]
        )
    with pytest.raises(ValidationError, match="locked to 'Z'"):
        TerritoryProblem.from_cost_matrix(cost.abs(), meas, locks={1: "Z"})


def test_disconnected_graph_is_rejected_with_the_units() -> None:
    G = nx.Graph([(0, 1), (2, 3)])
    meas = pd.DataFrame({"w": 1.0}, index=range(4))
    reps = pd.DataFrame({"home": [0, 1]}, index=["A", "B"])
    with pytest.raises(
        ValidationError, match=r"units 2, 3: a group of 2 unit\(s\) is disconnected"
    ):
        TerritoryProblem.from_graph(G, reps, measures=meas, contiguity="sp")
    # without contiguity the same graph is fine
    TerritoryProblem.from_graph(G, reps, measures=meas, contiguity=None)


def test_contiguity_needs_graph_and_homes() -> None:
    cost = pd.DataFrame({"A": [0.0, 1.0], "B": [1.0, 0.0]}, index=["x", "y"])
    meas = pd.DataFrame({"w": [1.0, 1.0]}, index=["x", "y"])
    with pytest.raises(ValidationError, match="needs a unit graph"):
        TerritoryProblem.from_cost_matrix(cost, meas, contiguity="flow")


def test_immutable_and_replace() -> None:
    G = nx.path_graph(4)
    meas = pd.DataFrame({"w": 1.0, "accounts": 2.0}, index=range(4))
    reps = pd.DataFrame({"home": [0, 3]}, index=["L", "R"])
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, baseline={0: "L", 1: "L", 2: "R", 3: "R"}
    )
    with pytest.raises(ValueError):
        p.cost[0, 0] = 5.0
    with pytest.raises(AttributeError):
        p.power = 2  # type: ignore[misc]
    G.add_edge(0, 3)
    assert p.graph is not None and not p.graph.has_edge(0, 3)  # a private copy
    q = p.replace(disruption_budget="25%", balance={"w": 0.5})
    assert q.disruption_budget == pytest.approx(2.0)  # 25 % of 8 accounts
    assert q.balance == (Balance("w", tolerance=0.5),)
    assert p.disruption_budget is None and p.balance == ()


def test_cost_matrix_free_centres() -> None:
    ids = ["a", "b", "c"]
    D = pd.DataFrame([[0, 1, 2], [1, 0, 1], [2, 1, 0]], index=ids, columns=ids, dtype=float)
    meas = pd.DataFrame({"w": [1.0, 1.0, 1.0]}, index=ids)
    p = TerritoryProblem.from_cost_matrix(D, meas, 2)
    assert p.free_centres and p.k == 2 and p.n_columns == 3
    assert p.roots.tolist() == [0, 1, 2]


def test_to_heuristic_instance() -> None:
    heur = pytest.importorskip("territory_opt.heuristics.build")
    G = nx.path_graph(4)
    meas = pd.DataFrame({"w": [1.0, 2.0, 2.0, 1.0], "accounts": 1.0}, index=range(4))
    reps = pd.DataFrame({"home": [0, 3]}, index=["L", "R"])
    p = TerritoryProblem.from_graph(
        G,
        reps,
        measures=meas,
        balance={"w": 0.2},
        baseline={0: "L", 1: "L", 2: "L", 3: "R"},
        disruption_budget=1,
    )
    inst = heuristic_instance(p)
    assert isinstance(inst, heur.HeuristicInstance)
    assert inst.measures.shape == (4, 1) and inst.cost.shape == (4, 2)
    assert inst.centres.tolist() == [0, 3]
    assert inst.lower[:, 0] == pytest.approx([2.4, 2.4]) and inst.upper[:, 0] == pytest.approx(
        [3.6, 3.6]
    )
    assert inst.baseline.tolist() == [0, 0, 0, 1]
    assert inst.disruption_budget == 1.0
    assert [nb.tolist() for nb in inst.neighbors] == [[1], [0, 2], [1, 3], [2]]


def test_free_centre_candidates_must_be_units():
    ids = ["a", "b", "c"]
    cost = pd.DataFrame([[0, 1, 2], [1, 0, 1], [2, 1, 0]], index=ids, columns=ids, dtype=float)
    meas = pd.DataFrame({"w": [1.0, 1.0, 1.0]}, index=ids)
    with_zz = cost.assign(zz=[5.0, 5.0, 5.0])  # a cost column that is not a unit
    with pytest.raises(ValidationError, match=r"candidates \['zz'\]"):
        TerritoryProblem.from_cost_matrix(with_zz, meas, 2, candidates=["a", "zz"])
    p = TerritoryProblem.from_cost_matrix(cost, meas, 2, candidates=["a", "c"])
    assert p.roots.tolist() == [0, 2]
