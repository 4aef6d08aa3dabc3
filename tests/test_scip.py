"""SCIP back-end: connectivity cuts inside the branch-and-bound tree, checked by enumeration.

Every expected value is computed here independently of the package's model: all plans of
a small graph are enumerated (numpy), the balanced ones sorted by cost, and the first
whose territories are connected in networkx is the optimum.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

pytest.importorskip(
    "pyscipopt", reason="pyscipopt not installed: pip install 'territory-opt[scip]'"
)

from territory_opt.milp.backends.scip import run_scip
from territory_opt.milp.connectivity_handler import (
    connectivity_graph,
    disconnected_columns,
    fractional_cuts,
    integer_cuts,
    minimal_separator,
)
from territory_opt.milp.model import allowed_mask, build_model, start_vector
from territory_opt.problem.territory_problem import Balance, TerritoryProblem
from territory_opt.solve.pipeline import optimize

from .conftest import delaunay_graph, grid_graph

NAMES = ["A", "B", "C", "D"]
PFIZER = Path(__file__).parent / "data" / "pfizer_turkey"


def _problem(G: nx.Graph, k: int, seed: int, tol: float = 0.3) -> TerritoryProblem:
    """Random costs (the cheapest plans are scattered) and one balanced measure."""
    rng = np.random.default_rng(seed)
    n = G.number_of_nodes()
    cost = pd.DataFrame(rng.random((n, k)) * 10, index=range(n), columns=NAMES[:k])
    meas = pd.DataFrame({"w": rng.integers(1, 6, n).astype(float)}, index=range(n))
    reps = pd.DataFrame({"home": rng.choice(n, k, replace=False).tolist()}, index=NAMES[:k])
    return TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": tol}, cost=cost, contiguity="cuts"
    )


def _enumerate(G: nx.Graph, p: TerritoryProblem) -> tuple[float, float, np.ndarray]:
    """(connected optimum, balanced-but-maybe-disconnected optimum, costs of all connected plans)."""
    n, K = p.n_units, p.n_columns
    roots = p.roots.tolist()
    others = [i for i in range(n) if i not in roots]
    combos = np.array(list(itertools.product(range(K), repeat=len(others))), dtype=np.int8)
    plans = np.zeros((len(combos), n), dtype=np.int8)
    plans[:, others] = combos
    for c, r in enumerate(roots):
        plans[:, r] = c
    a = p.balance_matrix()
    lo, hi = p.bounds()
    ok = np.ones(len(plans), dtype=bool)
    for c in range(K):
        s = (plans == c).astype(float) @ a
        ok &= np.all((s >= lo[c] - 1e-9) & (s <= hi[c] + 1e-9), axis=1)
    cost = p.assignment_costs()[np.arange(n)[None, :], plans].sum(axis=1)
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(cost[idx])]
    connected = [
        j
        for j in idx.tolist()
        if all(
            nx.is_connected(G.subgraph(np.flatnonzero(plans[j] == c).tolist())) for c in range(K)
        )
    ]
    assert connected, "the enumeration found no connected balanced plan"
    return float(cost[connected[0]]), float(cost[idx[0]]), cost[connected]


def _solve(p: TerritoryProblem, **kw: object):  # type: ignore[no-untyped-def]
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    raw = run_scip(
        model, time_limit=10.0, gap=0.0, threads=1, seed=0, start=None, connectivity=graph, **kw
    )  # type: ignore[arg-type]
    return model, graph, raw


CASES = [
    ("grid3x4", lambda: grid_graph(3, 4), 3, 0),
    ("grid3x4", lambda: grid_graph(3, 4), 3, 1),
    ("grid4x4", lambda: grid_graph(4, 4), 2, 2),
    ("grid4x4", lambda: grid_graph(4, 4), 2, 3),
    ("delaunay12", lambda: delaunay_graph(12, 4), 3, 4),
    ("delaunay13", lambda: delaunay_graph(13, 5), 3, 5),
]


@pytest.mark.parametrize(
    ("name", "make", "k", "seed"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES]
)
def test_branch_and_cut_optimum_equals_enumeration(name: str, make, k: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    G = make()
    p = _problem(G, k, seed)
    best, loose, feasible_costs = _enumerate(G, p)
    assert loose < best - 1e-6, "instance too easy: the cheapest balanced plan is connected"
    model, graph, raw = _solve(p)
    assert raw.status == "optimal"
    assert raw.objective == pytest.approx(best, abs=1e-6)
    # never a disconnected plan, and the bound below every connected plan's cost
    assert disconnected_columns(graph, raw.values) == []
    assert raw.bound is not None and raw.bound <= feasible_costs.min() + 1e-6
    plan = np.argmax(np.where(model.x >= 0, raw.values[np.clip(model.x, 0, None)], -1), axis=1)
    for c in range(k):
        assert nx.is_connected(G.subgraph(np.flatnonzero(plan == c).tolist()))


def test_without_the_handler_scip_returns_a_disconnected_plan() -> None:
    """The same instances are not trivial: the plain model's optimum is disconnected."""
    G = grid_graph(3, 4)
    p = _problem(G, 3, 0)
    # without contiguity: a "cuts" model also fixes the x_ic no connected balanced
    # territory has (milp/reach.py), which here already excludes the loose optimum
    plain = p.replace(contiguity=None)
    model = build_model(plain, allowed_mask(plain))
    raw = run_scip(model, time_limit=10.0, gap=0.0, threads=1, seed=0, start=None)
    graph = connectivity_graph(p, model)
    assert disconnected_columns(graph, raw.values)
    _, loose, _ = _enumerate(G, p)
    assert raw.objective == pytest.approx(loose, abs=1e-6)


def test_a_disconnected_start_is_refused_and_a_connected_one_kept() -> None:
    """Path 0-1-2-3-4, homes 0 (A) and 4 (B); the start gives 1 to B (cut off by 2 in A)."""
    G = nx.path_graph(5)
    cost = pd.DataFrame({"A": [0, 0, 9, 0, 9], "B": [9, 0, 0, 9, 0]}, dtype=float)
    meas = pd.DataFrame({"w": [1.0] * 5})
    reps = pd.DataFrame({"home": [0, 4]}, index=["A", "B"])
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": 0.99}, cost=cost, contiguity="cuts"
    )
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    bad = start_vector(p, model, np.array([0, 1, 0, 0, 1]))  # A = {0, 2, 3}: 0 cut off
    assert disconnected_columns(graph, bad) == [0, 1]
    raw = run_scip(model, time_limit=5.0, gap=0.0, threads=1, seed=0, start=bad, connectivity=graph)
    assert raw.status == "optimal" and disconnected_columns(graph, raw.values) == []
    # enumeration by hand: A = {0..j}, B = {j+1..4}; cost 9 (unit 2 or 3 pays 9 either way)
    assert raw.objective == pytest.approx(9.0)


def test_minimal_separator_on_a_grid() -> None:
    """3x3 grid, root 0, piece {8}: N(C) = {5, 7}, both touch the root's side."""
    G = grid_graph(3, 3)
    p = TerritoryProblem.from_graph(
        G, pd.DataFrame({"home": [0]}, index=["A"]), measures=pd.DataFrame({"w": [1.0] * 9}),
        balance={"w": 0.99}, contiguity="cuts",
    )  # fmt: skip
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    allowed = np.ones(9, dtype=bool)
    assert minimal_separator(graph, np.array([8]), 0, allowed).tolist() == [5, 7]
    # piece {4, 8}: N = {1, 3, 5, 7}, but the root side R = {0} touches only 1 and 3
    assert minimal_separator(graph, np.array([4, 8]), 0, allowed).tolist() == [1, 3]
    # piece {2}: N = {1, 5}; with 1 forbidden the only path to 0 is through 5
    allowed[1] = False
    assert minimal_separator(graph, np.array([2]), 0, allowed).tolist() == [5]
    # root next to the piece: nothing separates them
    assert minimal_separator(graph, np.array([1]), 0, np.ones(9, dtype=bool)) is None


def test_integer_and_fractional_cuts_are_violated_and_valid() -> None:
    """Every cut found is violated by the point and satisfied by every connected plan."""
    G = grid_graph(3, 4)
    p = _problem(G, 3, 1)
    model = build_model(p, allowed_mask(p))
    graph = connectivity_graph(p, model)
    plain = run_scip(model, time_limit=5.0, gap=0.0, threads=1, seed=0, start=None)
    rows = integer_cuts(graph, plain.values)
    assert rows
    frac = 0.5 * plain.values + 0.5 * start_vector(p, model, _first_connected(G, p))
    rows_f = fractional_cuts(graph, frac)
    assert rows_f
    for point, rs in ((plain.values, rows), (frac, rows_f)):
        for idx, val, _, hi in rs:
            assert float(val @ point[idx]) > hi + 1e-6
    # validity: every connected balanced plan satisfies every cut
    for plan in _connected_plans(G, p):
        v = start_vector(p, model, plan)
        for idx, val, _, hi in rows + rows_f:
            assert float(val @ v[idx]) <= hi + 1e-9


def _connected_plans(G: nx.Graph, p: TerritoryProblem) -> list[np.ndarray]:
    n, K = p.n_units, p.n_columns
    roots = p.roots.tolist()
    others = [i for i in range(n) if i not in roots]
    out = []
    for combo in itertools.product(range(K), repeat=len(others)):
        plan = np.zeros(n, dtype=np.int64)
        plan[others] = combo
        plan[roots] = range(K)
        if all(nx.is_connected(G.subgraph(np.flatnonzero(plan == c).tolist())) for c in range(K)):
            out.append(plan)
    return out


def _first_connected(G: nx.Graph, p: TerritoryProblem) -> np.ndarray:
    return _connected_plans(G, p)[0]


def test_optimize_with_scip_uses_the_handler() -> None:
    G = delaunay_graph(12, 4)
    p = _problem(G, 3, 4)
    best, _, _ = _enumerate(G, p)
    a = optimize(p, "scip", time_limit=10.0, gap=0.0, warm_start=False)
    assert a.report is not None and a.report.status == "optimal"
    assert a.report.solver == "scip"
    assert a.report.objective == pytest.approx(best, abs=1e-6)
    assert "nodes=" in a.report.message
    assert all(
        nx.is_connected(G.subgraph([u for u, r in a.assignment.items() if r == rep]))
        for rep in NAMES[:3]
    )


@pytest.mark.skipif(not (PFIZER / "bricks.csv").exists(), reason="Pfizer Turkey data missing")
@pytest.mark.parametrize(("band", "expected"), [((0.8, 1.2), 154.60), ((0.9, 1.1), 162.43)])
def test_pfizer_turkey_min_distance_with_scip(band: tuple[float, float], expected: float) -> None:
    bricks = pd.read_csv(PFIZER / "bricks.csv").set_index("brick")
    dist = pd.read_csv(PFIZER / "distances.csv").set_index("brick")
    dist.columns = [int(c.removeprefix("sr")) for c in dist.columns]
    offices = pd.read_csv(PFIZER / "offices.csv").set_index("sr")
    reps = pd.DataFrame({"home": offices["office_brick"], "fte": 1.0})
    p = TerritoryProblem.from_cost_matrix(
        dist, bricks[["workload_index"]], reps,
        balance=[Balance("workload_index", lower=band[0], upper=band[1])], objective="cost",
    )  # fmt: skip
    a = optimize(p, "scip", gap=0.0, warm_start=False, time_limit=10.0)
    assert a.report is not None and a.report.status == "optimal"
    assert round(a.report.objective or 0.0, 2) == expected
    assert round(float(sum(dist.at[u, r] for u, r in a.assignment.items())), 2) == expected
