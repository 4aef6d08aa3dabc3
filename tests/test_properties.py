"""Invariants under fuzzing (hypothesis): random planar graphs, measures, homes, baselines.

For :func:`territory_opt.solve.pipeline.optimize` (HiGHS, every contiguity mode) and for
:func:`territory_opt.heuristics.build.build_plan`, on random grids (some edges removed) and
Delaunay triangulations of random points, with 2-4 reps:

* every unit is assigned exactly once;
* every territory is connected and contains its centre (checked with networkx, not
  with the library's own checker);
* when the status is optimal/feasible: every balanced measure within its bounds,
  disruption within its budget, locks kept;
* the reported objective equals the objective recomputed with numpy from the problem's
  cost matrix, power and weight (plus the disruption weight);
* the same seed gives the same plan (determinism);
* a plan the heuristic finds feasible is confirmed by the exact (flow) MILP, whose
  optimum is never worse.

Hypothesis runs derandomized (fixed examples, reproducible in CI), ``deadline=None``,
and with a small number of small examples so the module runs in well under a minute.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from territory_opt.exceptions import InfeasibleError
from territory_opt.heuristics import heuristic_instance
from territory_opt.heuristics.build import build_plan
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
HEURISTIC_SETTINGS = settings(SETTINGS, max_examples=14)


@st.composite
def instances(draw: st.DrawFn) -> dict[str, object]:
    """A random planar unit graph with measures, homes, costs, a baseline and settings."""
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        rows, cols = draw(st.integers(2, 4)), draw(st.integers(3, 5))
        G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
        for u, v in list(G.edges):  # remove a few edges, keep it connected
            if rng.random() < 0.15:
                G.remove_edge(u, v)
                if not nx.is_connected(G):
                    G.add_edge(u, v)
        pts = np.array([[c, r] for r in range(rows) for c in range(cols)], dtype=float)
    else:
        from scipy.spatial import Delaunay

        n_pts = draw(st.integers(6, 16))
        pts = rng.random((n_pts, 2)) * 10
        tri = Delaunay(pts)
        G = nx.Graph()
        G.add_nodes_from(range(n_pts))
        for simplex in tri.simplices:
            for a in range(3):
                for b in range(a + 1, 3):
                    G.add_edge(int(simplex[a]), int(simplex[b]))
    n = G.number_of_nodes()
    k = draw(st.integers(2, min(4, n // 2)))
    homes = sorted(rng.choice(n, size=k, replace=False).tolist())
    reps = pd.DataFrame(
        {"home": homes, "fte": rng.choice([1.0, 1.0, 0.8], size=k)},
        index=[f"R{j}" for j in range(k)],
    )
    meas = pd.DataFrame(
        {
            "w": rng.integers(1, 10, n).astype(float),
            "accounts": rng.integers(0, 5, n).astype(float),
        },
        index=range(n),
    )
    if meas["accounts"].sum() == 0:
        meas.loc[0, "accounts"] = 1.0
    d = np.sqrt(((pts[:, None, :] - pts[homes][None, :, :]) ** 2).sum(axis=2))
    cost = pd.DataFrame(np.round(d, 3), index=range(n), columns=reps.index)
    # baseline: nearest home (a plausible current plan)
    base = {i: reps.index[int(np.argmin(d[i]))] for i in range(n)}
    return {
        "G": G,
        "reps": reps,
        "meas": meas,
        "cost": cost,
        "base": base,
        "tol": draw(st.sampled_from([0.2, 0.35, 0.6])),
        "power": draw(st.sampled_from([1, 2])),
        "weight": draw(st.sampled_from([None, "w"])),
        "budget": draw(st.sampled_from([None, "40%", "100%"])),
        "disruption_weight": draw(st.sampled_from([0.0, 0.0, 0.5])),
    }


def _problem(inst: dict[str, object], mode: str | None) -> TerritoryProblem:
    return TerritoryProblem.from_graph(
        inst["G"],  # type: ignore[arg-type]
        inst["reps"],  # type: ignore[arg-type]
        measures=inst["meas"],  # type: ignore[arg-type]
        cost=inst["cost"],  # type: ignore[arg-type]
        contiguity=mode,  # type: ignore[arg-type]
        balance={"w": inst["tol"]},
        power=inst["power"],
        weight=inst["weight"],
        baseline=inst["base"],
        disruption="accounts",
        disruption_budget=inst["budget"],
        disruption_weight=inst["disruption_weight"],
        objective="cost",  # the round-1 cost (with a baseline the default is redeploy)
    )


def _independent_checks(
    p: TerritoryProblem, inst: dict[str, object], labels: np.ndarray, check_bounds: bool
) -> float:
    """Check a plan (column index per unit) from scratch; return its recomputed objective."""
    G: nx.Graph = inst["G"]  # type: ignore[assignment]
    meas: pd.DataFrame = inst["meas"]  # type: ignore[assignment]
    reps: pd.DataFrame = inst["reps"]  # type: ignore[assignment]
    n, k = len(meas), len(reps)
    assert labels.shape == (n,) and ((labels >= 0) & (labels < k)).all()
    homes = reps["home"].to_numpy()
    for c in range(k):
        members = [u for u in range(n) if labels[u] == c]
        assert homes[c] in members, "a territory lost its centre"
        assert nx.is_connected(G.subgraph(members)), f"territory {c} is not connected"
    w = meas["w"].to_numpy()
    share = reps["fte"].to_numpy() / reps["fte"].sum()
    target = share * w.sum()
    load = np.bincount(labels, weights=w, minlength=k)
    base = np.array([list(reps.index).index(inst["base"][u]) for u in range(n)])  # type: ignore[index]
    acc = meas["accounts"].to_numpy()
    dis = float(acc[labels != base].sum())
    if check_bounds:
        tol = float(inst["tol"])  # type: ignore[arg-type]
        assert (load >= (1 - tol) * target - 1e-6).all() and (
            load <= (1 + tol) * target + 1e-6
        ).all()
        if inst["budget"] is not None:
            budget = float(str(inst["budget"]).rstrip("%")) / 100 * acc.sum()
            assert dis <= budget + 1e-6
    cost = np.asarray(inst["cost"], dtype=float)  # type: ignore[call-overload]
    wt = np.ones(n) if inst["weight"] is None else w
    obj = float((wt * cost[np.arange(n), labels] ** int(inst["power"])).sum())  # type: ignore[call-overload]
    return obj + float(inst["disruption_weight"]) * dis  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["sp", "flow", "cuts"])
@SETTINGS
@given(inst=instances())
def test_optimize_invariants(mode: str, inst: dict[str, object]) -> None:
    p = _problem(inst, mode)
    try:
        a = optimize(p, "highs", gap=0.0, time_limit=20, warm_start=False, seed=3)
    except InfeasibleError as err:
        assert err.diagnosis and all(isinstance(d, str) and d for d in err.diagnosis)
        event("infeasible")
        return
    r = a.report
    event(f"status {r.status if r is not None else None}")
    assert r is not None and r.status in ("optimal", "feasible")
    assert a.assignment.index.is_unique and len(a.assignment) == p.n_units
    assert set(a.assignment.index) == set(p.unit_ids)
    cols = {rep: c for c, rep in enumerate(p.rep_ids)}
    labels = np.array([cols[a.assignment[u]] for u in p.unit_ids])
    obj = _independent_checks(p, inst, labels, check_bounds=True)
    assert r.objective == pytest.approx(obj, rel=1e-6, abs=1e-6)
    assert r.bound is None or r.bound <= r.objective + 1e-6 * max(1.0, abs(r.objective))
    again = optimize(p, "highs", gap=0.0, time_limit=20, warm_start=False, seed=3)
    pd.testing.assert_series_equal(a.assignment, again.assignment)
    assert again.report is not None and again.report.objective == pytest.approx(r.objective)


@HEURISTIC_SETTINGS
@given(inst=instances(), seed=st.integers(0, 3))
def test_heuristic_invariants(inst: dict[str, object], seed: int) -> None:
    p = _problem(inst, "sp")
    hi = heuristic_instance(p)
    res = build_plan(hi, seed=seed, time_limit=3.0)
    labels = np.asarray(res.assignment)
    event(f"heuristic feasible={res.feasible}")
    obj = _independent_checks(p, inst, labels, check_bounds=res.feasible)
    assert res.cost == pytest.approx(obj, rel=1e-9, abs=1e-9)
    if res.seconds < 2.0:  # converged on its own: no time dependence (heuristics docstring)
        again = build_plan(hi, seed=seed, time_limit=3.0)
        assert np.array_equal(again.assignment, res.assignment)
        assert again.cost == res.cost and again.feasible == res.feasible
    if res.feasible:
        # cross-check with the exact MILP: it must agree the problem is feasible, and do
        # at least as well as the heuristic
        exact = optimize(p.replace(contiguity="flow"), "highs", gap=0.0, warm_start=False)
        assert exact.report is not None and exact.report.status == "optimal"
        assert exact.report.objective is not None
        assert exact.report.objective <= res.cost + 1e-6 * max(1.0, abs(res.cost))


@settings(SETTINGS, max_examples=20)
@given(inst=instances())
def test_exact_modes_agree_and_sp_restricts(inst: dict[str, object]) -> None:
    """'flow' and 'cuts' are exact: same feasibility, same optimum; 'sp' is never better."""
    out: dict[str, float | None] = {}
    for mode in ("flow", "cuts", "sp"):
        try:
            a = optimize(_problem(inst, mode), "highs", gap=0.0, time_limit=20, warm_start=False)
        except InfeasibleError:
            out[mode] = None
            continue
        r = a.report
        assert r is not None
        if mode == "sp":  # optimal within its restricted model; "optimal" only if proven
            assert r.restricted_optimal and r.bound is not None and r.objective is not None
            assert r.bound <= r.objective + 1e-9
            assert (r.status == "optimal") == (r.objective - r.bound <= 1e-6 * max(1, r.objective))
        else:
            assert r.status == "optimal"
        out[mode] = r.objective
    assert (out["flow"] is None) == (out["cuts"] is None)
    if out["flow"] is not None:
        assert out["cuts"] == pytest.approx(out["flow"], rel=1e-6, abs=1e-6)
    if out["sp"] is not None:
        assert out["flow"] is not None and out["flow"] <= out["sp"] + 1e-6 * max(1.0, out["sp"])
