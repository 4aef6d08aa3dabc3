"""The MILP on tiny graphs: optima checked against brute-force enumeration, every contiguity mode, both solvers."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.milp.contiguity import EXACT_MODES, disconnected_parts, is_contiguous
from territory_opt.milp.model import allowed_mask, build_model, start_vector
from territory_opt.problem.territory_problem import Balance, TerritoryProblem
from territory_opt.solve.pipeline import optimize

SOLVERS = ["highs", "cbc"]
MODES = ["sp", "flow", "cuts"]


def _grid_instance(
    seed: int, rows: int = 3, cols: int = 4
) -> tuple[nx.Graph, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    n = G.number_of_nodes()
    meas = pd.DataFrame({"w": rng.integers(1, 10, n).astype(float)}, index=range(n))
    homes = [0, cols - 1, n - 1]
    reps = pd.DataFrame({"home": homes, "fte": 1.0}, index=["A", "B", "C"])
    cost = pd.DataFrame(rng.uniform(0, 10, (n, 3)), index=range(n), columns=reps.index)
    for c, h in enumerate(homes):
        cost.iloc[h, c] = 0.0
    return G, meas, reps, cost


def _brute_force(
    G: nx.Graph,
    meas: pd.DataFrame,
    reps: pd.DataFrame,
    cost: pd.DataFrame,
    tol: float | None,
    mode: str | None,
) -> tuple[float, np.ndarray]:
    """Enumerate every assignment; keep balanced ones that satisfy the contiguity mode."""
    n = G.number_of_nodes()
    homes = list(reps["home"])
    K = len(homes)
    w = meas["w"].to_numpy()
    T = w.sum() / K
    hop = [nx.single_source_shortest_path_length(G, h) for h in homes]
    free = [i for i in range(n) if i not in homes]
    C = cost.to_numpy()
    best = (np.inf, np.zeros(n, dtype=int))
    for combo in itertools.product(range(K), repeat=len(free)):
        a = np.empty(n, dtype=int)
        a[homes] = np.arange(K)
        a[free] = combo
        if tol is not None:
            loads = np.bincount(a, weights=w, minlength=K)
            if (loads < (1 - tol) * T - 1e-9).any() or (loads > (1 + tol) * T + 1e-9).any():
                continue
        val = float(C[np.arange(n), a].sum())
        if val >= best[0] - 1e-12:
            continue
        ok = True
        if mode is not None:
            for c in range(K):
                S = [i for i in range(n) if a[i] == c]
                if not nx.is_connected(G.subgraph(S)):
                    ok = False
                    break
                if mode == "sp" and any(
                    i != homes[c] and not any(a[j] == c and hop[c][j] < hop[c][i] for j in G[i])
                    for i in S
                ):
                    ok = False
                    break
        if ok:
            best = (val, a.copy())
    return best


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("mode", [*MODES, None])
@pytest.mark.parametrize("solver", SOLVERS)
def test_grid_matches_brute_force(seed: int, mode: str | None, solver: str) -> None:
    G, meas, reps, cost = _grid_instance(seed)
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity=mode, balance={"w": 0.25}
    )  # type: ignore[arg-type]
    expected, _ = _brute_force(G, meas, reps, cost, 0.25, mode)
    a = optimize(p, solver, gap=0.0, warm_start=False)
    r = a.report
    assert r is not None and r.objective == pytest.approx(expected, abs=1e-6)
    if mode == "sp":  # optimal within the restricted model; the bound is the problem's
        assert r.restricted_optimal and r.bound_scope == "problem"
        assert r.restricted_bound == pytest.approx(expected, abs=1e-5)
        assert r.bound is not None and r.bound <= expected + 1e-6
    else:
        assert r.status == "optimal" and r.bound == pytest.approx(expected, abs=1e-5)
    if mode is not None:
        assert is_contiguous(G, a.assignment)
    loads = a.territory_table()["w"]
    T = meas["w"].sum() / 3
    assert ((loads >= 0.75 * T - 1e-6) & (loads <= 1.25 * T + 1e-6)).all()


def _sp_trap() -> tuple[nx.Graph, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """3x3 grid where the cheapest connected plan winds around: A = {0,3,6,7,8,5}, B = {4,1,2}.

    Unit 5 is 3 hops from A's home 0 but its closer neighbours (2, 4) belong to B, so the
    shortest-path constraints forbid this plan although it is connected.
    """
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 3), ordering="sorted")
    meas = pd.DataFrame({"w": 1.0}, index=range(9))
    reps = pd.DataFrame({"home": [0, 4], "fte": 1.0}, index=["A", "B"])
    want_a = {0, 3, 6, 7, 8, 5}
    cost = pd.DataFrame(
        {
            "A": [0.0 if i in want_a else 10.0 for i in range(9)],
            "B": [10.0 if i in want_a else 0.0 for i in range(9)],
        },
        index=range(9),
    )
    return G, meas, reps, cost


@pytest.mark.parametrize("solver", SOLVERS)
def test_sp_restricts_exact_modes_do_not(solver: str) -> None:
    G, meas, reps, cost = _sp_trap()
    res = {}
    for mode in [*MODES, None]:
        p = TerritoryProblem.from_graph(G, reps, measures=meas, cost=cost, contiguity=mode)  # type: ignore[arg-type]
        a = optimize(p, solver, gap=0.0, warm_start=False)
        assert a.report is not None
        res[mode] = a.report.objective
        if mode is not None:
            assert is_contiguous(G, a.assignment)
    assert res[None] == pytest.approx(0.0)
    assert res["flow"] == pytest.approx(0.0)
    assert res["cuts"] == pytest.approx(0.0)
    assert res["sp"] == pytest.approx(10.0)  # unit 5 must go to B
    assert {"flow", "cuts"} == EXACT_MODES


@pytest.mark.parametrize("solver", SOLVERS)
def test_path_by_hand(solver: str) -> None:
    """Path 0-1-2-3-4-5, homes 0 and 5, hop cost, weights 1: 3 units each, cost 0+1+2 per side = 6."""
    G = nx.path_graph(6)
    meas = pd.DataFrame({"w": 1.0}, index=range(6))
    reps = pd.DataFrame({"home": [0, 5]}, index=["L", "R"])
    for mode in MODES:
        p = TerritoryProblem.from_graph(G, reps, measures=meas, contiguity=mode, balance={"w": 0.0})  # type: ignore[arg-type]
        a = optimize(p, solver, gap=0.0, warm_start=False)
        assert a.report is not None and a.report.objective == pytest.approx(6.0)
        assert a.assignment.tolist() == ["L", "L", "L", "R", "R", "R"]
        # squared hop distance: 0 + 1 + 4 per side
        p2 = p.replace(power=2)
        a2 = optimize(p2, solver, gap=0.0, warm_start=False)
        assert a2.report is not None and a2.report.objective == pytest.approx(10.0)


def test_path_uneven_weights_by_hand() -> None:
    """Path with weights 4,1,1,1,1,4 and ±0 tolerance (target 6 each): only the split 3|3 is balanced."""
    G = nx.path_graph(6)
    meas = pd.DataFrame({"w": [4.0, 1, 1, 1, 1, 4]}, index=range(6))
    reps = pd.DataFrame({"home": [0, 5]}, index=["L", "R"])
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, contiguity="flow", balance={"w": 0.0}, weight="w"
    )
    a = optimize(p, "highs", gap=0.0, warm_start=False)
    # weighted hop cost: 4*0 + 1*1 + 1*2 per side = 3
    assert a.report is not None and a.report.objective == pytest.approx(6.0)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("mode", [*MODES, None])
def test_free_centres_brute_force(solver: str, mode: str | None) -> None:
    """Choose 2 centres on a 2x3 grid (p-median with contiguity), hop cost between units."""
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(2, 3), ordering="sorted")
    n = 6
    w = np.array([3.0, 1.0, 2.0, 2.0, 1.0, 3.0])
    meas = pd.DataFrame({"w": w}, index=range(n))
    hops = dict(nx.all_pairs_shortest_path_length(G))
    D = np.array([[hops[i][j] for j in range(n)] for i in range(n)], dtype=float)
    p = TerritoryProblem.from_graph(
        G, 2, measures=meas, contiguity=mode, balance={"w": 0.25}, weight="w"
    )  # type: ignore[arg-type]
    best = np.inf
    T = w.sum() / 2
    for c1, c2 in itertools.combinations(range(n), 2):
        for combo in itertools.product([0, 1], repeat=n):
            a = np.array(combo)
            if a[c1] != 0 or a[c2] != 1:
                continue
            loads = np.bincount(a, weights=w, minlength=2)
            if (loads < 0.75 * T - 1e-9).any() or (loads > 1.25 * T + 1e-9).any():
                continue
            centre = np.where(a == 0, c1, c2)
            val = float((w * D[np.arange(n), centre]).sum())
            if mode is not None:
                ok = all(
                    nx.is_connected(G.subgraph([i for i in range(n) if a[i] == k])) for k in (0, 1)
                )
                if mode == "sp":
                    for k, c in ((0, c1), (1, c2)):
                        for i in range(n):
                            if (
                                a[i] == k
                                and i != c
                                and not any(a[j] == k and hops[c][j] < hops[c][i] for j in G[i])
                            ):
                                ok = False
                if not ok:
                    continue
            best = min(best, val)
    a = optimize(p, solver, gap=0.0, warm_start=False)
    assert a.report is not None and a.report.objective == pytest.approx(best)
    assert len(a.reps) == 2 and set(a.assignment.unique()) == set(a.reps.index)
    homes = set(a.reps["home"])
    for rep, home in a.reps["home"].items():
        assert a.assignment[home] == rep
    assert len(homes) == 2


def test_model_shapes_and_pruning() -> None:
    G, meas, reps, cost = _grid_instance(0)
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity="sp", balance={"w": 0.25}
    )
    full = build_model(p)
    assert full.x.shape == (12, 3)
    # homes are fixed to their rep only
    for c, h in enumerate(p.roots.tolist()):
        assert (full.x[h] >= 0).sum() == 1 and full.x[h, c] >= 0
    mask = allowed_mask(p, nearest=1)
    assert mask.sum(axis=1).min() >= 1
    pruned = build_model(p, mask)
    assert pruned.n_cols < full.n_cols
    # keep= forces a plan's assignments into the pruned set
    plan = np.array([0] * 6 + [2] * 6)
    plan[list(p.roots)] = [0, 1, 2]
    kept = allowed_mask(p, nearest=1, keep=plan)
    assert kept[np.arange(12), plan].all()


def test_start_vector_is_feasible_for_flow() -> None:
    G, meas, reps, cost = _grid_instance(0)
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, cost=cost, contiguity="flow", balance={"w": 0.25}
    )
    a = optimize(p, "highs", gap=0.0, warm_start=False)
    plan = np.array([p.rep_ids.index(r) for r in a.assignment.tolist()])
    m = build_model(p)
    vals = start_vector(p, m, plan)
    assert m.max_violation(vals) <= 1e-9
    assert m.evaluate(vals)["objective"] == pytest.approx(a.report.objective if a.report else 0.0)


def test_disconnected_parts_counts_pieces() -> None:
    G = nx.path_graph(4)
    assert disconnected_parts(G, {0: "a", 1: "b", 2: "a", 3: "b"}) == {"a": 2, "b": 2}
    assert is_contiguous(G, {0: "a", 1: "a", 2: "b", 3: "b"})


def test_soft_balance_always_returns_a_plan() -> None:
    """Impossible hard balance (±0 % with odd total) becomes a penalised deviation when soft."""
    G = nx.path_graph(3)
    meas = pd.DataFrame({"w": [1.0, 1.0, 1.0]}, index=range(3))
    reps = pd.DataFrame({"home": [0, 2]}, index=["L", "R"])
    p = TerritoryProblem.from_graph(
        G,
        reps,
        measures=meas,
        contiguity="sp",
        balance=[Balance("w", tolerance=0.0, penalty=100.0)],
    )
    a = optimize(p, "highs", gap=0.0, warm_start=False)
    # loads 2 and 1 around a target of 1.5: deviation 1/3 of target on each side -> penalty 2 * 100/3
    assert a.report is not None
    assert a.report.objective == pytest.approx(1.0 + 200.0 / 3.0)
