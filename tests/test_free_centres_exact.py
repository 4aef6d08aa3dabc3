"""Free centres (Hess p-median, hop distances): branch-and-cut optimum checked by enumeration.

The expected values are computed here without the package's model: every plan of a small
graph (one label per unit, canonical labelling so each partition appears once) is
enumerated with numpy; balance is checked on the populations, connectivity with networkx,
and the cost of a part is its best centre inside it, :math:`\\min_{c \\in T} \\sum_{i \\in T}
p_i\\, h(i, c)^2` with networkx hop distances.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

pytest.importorskip(
    "pyscipopt", reason="pyscipopt not installed: pip install 'territory-opt[scip]'"
)

import territory_opt.milp.backends.scip as scip_backend
from territory_opt.milp.backends.scip import run_scip
from territory_opt.milp.connectivity_handler import connectivity_graph, disconnected_columns
from territory_opt.milp.model import allowed_mask, build_model
from territory_opt.milp.reach import unreachable
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize

from .conftest import delaunay_graph, grid_graph


def _problem(G: nx.Graph, k: int, seed: int, tol: float) -> TerritoryProblem:
    pop = np.random.default_rng(100 + seed).integers(1, 10, G.number_of_nodes()).astype(float)
    nx.set_node_attributes(G, {i: float(pop[i]) for i in G.nodes}, "population")
    return TerritoryProblem.from_graph(
        G, centres=k, measures=["population"], cost="hops", balance={"population": tol},
        weight="population", power=2, contiguity="cuts",
    )  # fmt: skip


def _enumerate(G: nx.Graph, pop: np.ndarray, k: int, tol: float):  # type: ignore[no-untyped-def]
    """(labellings, cost, connected) of every balanced partition into k parts."""
    n = G.number_of_nodes()
    H = np.array([[nx.shortest_path_length(G, u, v) for v in range(n)] for u in range(n)], float)
    combos = np.array(list(itertools.product(range(k), repeat=n - 1)), dtype=np.int8)
    labs = np.concatenate([np.zeros((len(combos), 1), np.int8), combos], axis=1)
    first = np.stack([np.where((labs == c).any(1), (labs == c).argmax(1), n) for c in range(k)], 1)
    labs = labs[
        np.all(np.diff(first, axis=1) > 0, axis=1) & (first[:, -1] < n)
    ]  # canonical, k parts
    target = pop.sum() / k
    sums = np.stack([(labs == c) @ pop for c in range(k)], 1)
    labs = labs[np.all(np.abs(sums - target) <= tol * target + 1e-9, axis=1)]
    W = pop[:, None] * H**2  # W[i, c]: unit i's cost at centre c
    cost = np.zeros(len(labs))
    for c in range(k):
        m = (labs == c).astype(float)
        cost += np.where(m > 0, m @ W, np.inf).min(axis=1)
    conn = np.array(
        [
            all(nx.is_connected(G.subgraph(np.flatnonzero(lab == c).tolist())) for c in range(k))
            for lab in labs
        ]
    )
    return labs, cost, conn


def _plan(model, values: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.argmax(np.where(model.x >= 0, values[np.clip(model.x, 0, None)], -1), axis=1)


CASES = [
    ("grid3x4", lambda: grid_graph(3, 4), 3, 0, 0.1),
    ("grid3x4", lambda: grid_graph(3, 4), 2, 2, 0.05),
    ("grid2x6", lambda: grid_graph(2, 6), 3, 1, 0.1),
    ("delaunay11", lambda: delaunay_graph(11, 1), 3, 2, 0.1),
    ("delaunay12", lambda: delaunay_graph(12, 3), 3, 0, 0.1),
]


@pytest.mark.parametrize(
    ("name", "make", "k", "seed", "tol"), CASES, ids=[f"{c[0]}-k{c[2]}-{c[3]}" for c in CASES]
)
def test_free_centre_optimum_equals_enumeration(name, make, k, seed, tol) -> None:  # type: ignore[no-untyped-def]
    G = make()
    p = _problem(G, k, seed, tol)
    pop = p.measures["population"].to_numpy()
    _, cost, conn = _enumerate(G, pop, k, tol)
    best = cost[conn].min()
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    raw = run_scip(
        model, time_limit=20.0, gap=0.0, threads=1, seed=0, start=None, connectivity=graph
    )
    assert raw.status == "optimal"
    assert raw.objective == pytest.approx(best, abs=1e-6)
    # the bound is below every connected balanced plan's objective
    assert raw.bound is not None and np.all(raw.bound <= cost[conn] + 1e-6)
    plan = _plan(model, raw.values)
    assert disconnected_columns(graph, raw.values) == []
    assert len(np.unique(plan)) == k
    for c in np.unique(plan).tolist():
        part = np.flatnonzero(plan == c)
        assert c in part.tolist()  # the centre is in its own territory
        assert nx.is_connected(G.subgraph(part.tolist()))


def test_the_cheapest_balanced_plan_is_disconnected_and_never_returned() -> None:
    """grid 3x4, k = 3: the cheapest balanced partition (66) is disconnected; optimum 69."""
    G = grid_graph(3, 4)
    p = _problem(G, 3, 0, 0.1)
    _, cost, conn = _enumerate(G, p.measures["population"].to_numpy(), 3, 0.1)
    assert cost.min() < cost[conn].min() - 1e-6
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    loose = build_model(p.replace(contiguity=None), allowed_mask(p))  # same columns, no fixing
    plain = run_scip(loose, time_limit=10.0, gap=0.0, threads=1, seed=0, start=None)
    assert plain.objective == pytest.approx(cost.min())  # without the handler: disconnected
    assert disconnected_columns(graph, plain.values)
    raw = run_scip(
        model, time_limit=10.0, gap=0.0, threads=1, seed=0, start=plain.values, connectivity=graph
    )  # the disconnected optimum offered as a start is refused
    assert raw.objective == pytest.approx(cost[conn].min())
    assert disconnected_columns(graph, raw.values) == []


def test_bound_of_a_stopped_search_is_below_every_connected_plan(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Stopped after one node, the bound is still a bound of every enumerated plan."""
    G = delaunay_graph(12, 3)
    p = _problem(G, 3, 0, 0.1)
    _, cost, conn = _enumerate(G, p.measures["population"].to_numpy(), 3, 0.1)
    monkeypatch.setitem(scip_backend.PARAMS, "limits/nodes", 1)
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    raw = run_scip(
        model, time_limit=10.0, gap=0.0, threads=1, seed=0, start=None, connectivity=graph
    )
    assert raw.bound is not None
    assert np.all(raw.bound <= cost[conn] + 1e-6)
    if raw.values is not None:
        assert disconnected_columns(graph, raw.values) == []


def test_optimize_with_scip_proves_the_enumerated_optimum() -> None:
    G = delaunay_graph(11, 1)
    p = _problem(G, 3, 2, 0.1)
    _, cost, conn = _enumerate(G, p.measures["population"].to_numpy(), 3, 0.1)
    a = optimize(p, "scip", time_limit=20.0, gap=0.0)
    assert a.report is not None and a.report.status == "optimal"
    assert a.report.objective == pytest.approx(cost[conn].min())
    assert a.report.bound is not None and a.report.bound <= cost[conn].min() + 1e-6


def test_highs_flow_agrees_with_the_enumeration() -> None:
    G = grid_graph(3, 4)
    p = _problem(G, 3, 0, 0.1).replace(contiguity="flow")
    _, cost, conn = _enumerate(G, p.measures["population"].to_numpy(), 3, 0.1)
    a = optimize(p, "highs", time_limit=20.0, gap=0.0, warm_start=False)
    assert a.report is not None and a.report.status == "optimal"
    assert a.report.objective == pytest.approx(cost[conn].min())


# ---------------------------------------------------------------- reach fixing


def test_reach_fixing_by_hand_on_a_path() -> None:
    """Path 0-1-2-3-4, populations 1, 1, 4, 1, 1, k = 2 at ±10 %: U = 4.4.

    From centre 0 the path to 3 weighs 1+1+4+1 = 7 > 4.4: x_{3,0} = x_{4,0} = 0, and
    x_{2,0} (weight 6) too; x_{1,0} (2) stays. Centre 2 (weight 4): its neighbours weigh
    5 > 4.4, so only x_{2,2} stays.
    """
    G = nx.path_graph(5)
    nx.set_node_attributes(G, dict(enumerate([1.0, 1.0, 4.0, 1.0, 1.0])), "population")
    p = TerritoryProblem.from_graph(
        G, centres=2, measures=["population"], cost="hops", balance={"population": 0.1},
        weight="population", contiguity="cuts",
    )  # fmt: skip
    x = np.arange(25).reshape(5, 5)
    far = unreachable(p, x)
    assert far[:, 0].tolist() == [False, False, True, True, True]
    assert far[:, 2].tolist() == [True, True, False, True, True]
    assert not unreachable(p.replace(contiguity=None), x).any()


def test_reach_fixing_keeps_every_connected_balanced_plan() -> None:
    """No enumerated connected balanced plan uses a fixed (unit, centre) pair."""
    G = grid_graph(2, 6)
    p = _problem(G, 3, 1, 0.1)
    pop = p.measures["population"].to_numpy()
    far = unreachable(p, np.arange(144).reshape(12, 12))
    assert far.any()
    labs, _, conn = _enumerate(G, pop, 3, 0.1)
    H = dict(nx.all_pairs_shortest_path_length(G))
    for lab in labs[conn]:
        for c in range(3):
            part = np.flatnonzero(lab == c)
            # every unit of the part may serve as its centre; none of those pairs is fixed
            for centre in part.tolist():
                assert not far[part, centre].any(), (part, centre, H[centre])
