"""Free corridor units in the "cuts" loop: detection, repair, cut validity, exact optima.

Units with no cost, no balance measure, no disruption and no lock (the communes without
accounts when compactness is weighted by workload) only matter for contiguity. The cut
loop relabels them to connect relaxed solutions and separates cuts they cannot satisfy;
these tests check that every piece is valid against plans computed independently (the
exact single-commodity flow model, and brute force on tiny graphs).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory_opt.exceptions import InfeasibleError
from territory_opt.milp.contiguity import (
    cut_rows,
    free_cut_rows,
    free_units,
    is_contiguous,
    neighbor_rows,
    repair_free,
)
from territory_opt.milp.model import allowed_mask, build_model, start_vector
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize


def _instance(
    rows: int, cols: int, seed: int, zero_share: float = 0.5
) -> tuple[nx.Graph, pd.DataFrame, pd.DataFrame]:
    """Grid with about ``zero_share`` of the units carrying nothing (w = accounts = 0)."""
    rng = np.random.default_rng(seed)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    n = rows * cols
    w = rng.integers(1, 6, n).astype(float)
    w[rng.random(n) < zero_share] = 0.0
    homes = [0, n - 1]
    w[homes] = np.maximum(w[homes], 1.0)
    meas = pd.DataFrame({"w": w, "accounts": np.where(w > 0, 1.0, 0.0)}, index=range(n))
    reps = pd.DataFrame({"home": homes, "fte": 1.0}, index=["A", "B"])
    return G, meas, reps


def _problem(G: nx.Graph, meas: pd.DataFrame, reps: pd.DataFrame, mode: str, tol: float):
    return TerritoryProblem.from_graph(
        G,
        reps,
        measures=meas,
        balance={"w": tol},
        weight="w",
        power=1,
        contiguity=mode,  # type: ignore[arg-type]
    )


def test_free_units_are_exactly_the_empty_non_home_units() -> None:
    G, meas, reps = _instance(4, 5, seed=1)
    p = _problem(G, meas, reps, "cuts", 0.3)
    model = build_model(p, allowed_mask(p))
    free = free_units(model)
    expected = (meas["w"].to_numpy() == 0) & ~np.isin(np.arange(len(meas)), reps["home"])
    assert free.any()
    np.testing.assert_array_equal(free, expected)


def test_locked_or_weighted_units_are_not_free() -> None:
    G, meas, reps = _instance(4, 5, seed=1)
    zero = int(np.flatnonzero(meas["w"].to_numpy() == 0)[0])
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": 0.3}, weight="w", power=1,
        contiguity="cuts", locks={zero: "A"},
    )  # fmt: skip
    assert not free_units(build_model(p, allowed_mask(p)))[zero]
    p2 = _problem(G, meas, reps, "cuts", 0.3)  # unweighted compactness: nothing is free
    p2 = TerritoryProblem.from_graph(G, reps, measures=meas, balance={"w": 0.3}, contiguity="cuts")
    assert not free_units(build_model(p2, allowed_mask(p2))).any()


def test_repair_free_reconnects_through_empty_units_only() -> None:
    """Path 0-1-2-3-4-5, homes 0 (A) and 5 (B): A's unit 3 is cut off by free unit 2 given to B."""
    G = nx.path_graph(6)
    meas = pd.DataFrame({"w": [2.0, 1.0, 0.0, 1.0, 0.0, 2.0]}, index=range(6))
    reps = pd.DataFrame({"home": [0, 5]}, index=["A", "B"])
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": 0.5}, weight="w", power=1, contiguity="cuts"
    )
    model = build_model(p, allowed_mask(p))
    free = free_units(model)
    assert free.tolist() == [False, False, True, False, True, False]
    plan = np.array([0, 0, 1, 0, 1, 1])
    assert cut_rows(p, model.x, plan)  # disconnected as given
    fixed = repair_free(p, model.x, plan, free)
    assert fixed is not None
    np.testing.assert_array_equal(fixed[~free], plan[~free])  # units that matter keep their rep
    assert fixed.tolist() == [0, 0, 0, 0, 1, 1]
    assert not cut_rows(p, model.x, fixed)
    assert free_cut_rows(p, model.x, plan, free) == []  # free units can fix it: no strong cut


def test_repair_free_fails_when_blocked_and_free_cut_is_violated() -> None:
    """A's unit 3 sits behind B's weighted unit 2: no relabelling helps; the cut says so."""
    G = nx.path_graph(6)
    meas = pd.DataFrame({"w": [2.0, 0.0, 1.0, 1.0, 0.0, 2.0]}, index=range(6))
    reps = pd.DataFrame({"home": [0, 5]}, index=["A", "B"])
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"w": 0.9}, weight="w", power=1, contiguity="cuts"
    )
    model = build_model(p, allowed_mask(p))
    free = free_units(model)
    plan = np.array([0, 0, 1, 0, 1, 1])
    assert repair_free(p, model.x, plan, free) is None
    rows = free_cut_rows(p, model.x, plan, free)
    assert rows
    vals = start_vector(p, model, plan)
    # each cut is violated by the plan: x_3A = 1 while its boundary (unit 2 in A) is 0
    assert any(float(np.dot(v, vals[i])) > 1e-9 for i, v, _, _ in rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000))
def test_cuts_are_satisfied_by_every_connected_plan(seed: int) -> None:
    """Validity: rows built from any (random) plan hold for all connected plans, enumerated."""
    rng = np.random.default_rng(seed)
    G, meas, reps = _instance(2, 4, seed=seed)
    p = _problem(G, meas, reps, "cuts", 0.9)
    model = build_model(p, allowed_mask(p))
    free = free_units(model)
    plan = rng.integers(0, 2, p.n_units)
    plan[p.roots] = [0, 1]
    rows = free_cut_rows(p, model.x, plan, free) + neighbor_rows(p, model.x, free)
    rows += cut_rows(p, model.x, plan)
    n = p.n_units
    for labels in itertools.product([0, 1], repeat=n):
        cand = np.array(labels)
        if cand[p.roots[0]] != 0 or cand[p.roots[1]] != 1:
            continue
        if cut_rows(p, model.x, cand):
            continue  # not connected
        vals = start_vector(p, model, cand)
        for idx, val, lo, hi in rows:
            act = float(np.dot(val, vals[idx]))
            assert lo - 1e-9 <= act <= hi + 1e-9


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), solver=st.sampled_from(["highs", "cbc"]))
def test_cuts_with_free_units_reach_the_flow_optimum(seed: int, solver: str) -> None:
    """The cut loop (free repair + free cuts + neighbour rows) proves the exact flow optimum."""
    G, meas, reps = _instance(3, 4, seed=seed)
    out = {}
    for mode in ("flow", "cuts"):
        p = _problem(G, meas, reps, mode, 0.3)
        try:
            a = optimize(p, solver, gap=0.0, warm_start=False, time_limit=60)
        except InfeasibleError:
            out[mode] = None
            continue
        r = a.report
        assert r is not None and r.status == "optimal"
        assert is_contiguous(G, a.assignment)
        tab = a.territory_table()
        assert tab["w_pct_target"].between(70 - 1e-6, 130 + 1e-6).all()
        out[mode] = r.objective
    if out["flow"] is None or out["cuts"] is None:
        assert out["flow"] is None and out["cuts"] is None
    else:
        assert out["cuts"] == pytest.approx(out["flow"], rel=1e-6, abs=1e-6)


def test_optimality_proven_by_relabelling_free_units() -> None:
    """Seed 1: the first relaxed optimum is cut only by empty units; relabelling proves it."""
    G, meas, reps = _instance(3, 4, seed=1)
    p = _problem(G, meas, reps, "cuts", 0.3)
    a = optimize(p, "highs", gap=0.0, warm_start=False)
    r = a.report
    assert r is not None and r.status == "optimal"
    assert "relabelling units that carry nothing" in r.message
    ref = optimize(_problem(G, meas, reps, "flow", 0.3), "highs", gap=0.0, warm_start=False)
    assert ref.report is not None and r.objective == pytest.approx(ref.report.objective)
    assert is_contiguous(G, a.assignment)


def test_a_loosely_solved_connected_relaxation_is_finished_to_the_gap_asked(monkeypatch) -> None:
    """A connected relaxed solution solved to a loose round gap is re-solved to the gap asked."""
    import dataclasses

    import territory_opt.solve.cut_loop as loop_mod

    real = loop_mod.solve_model
    gaps: list[float] = []

    def loose(model, solver, **kw):
        gaps.append(kw["gap"])
        raw = real(model, solver, **kw)
        if kw["gap"] == 0.5:  # pretend the solver stopped at its loose gap
            raw = dataclasses.replace(raw, status="feasible", gap=0.3)
        return raw

    monkeypatch.setattr(loop_mod, "_round_gap", lambda gap, bound, inc: 0.5)
    monkeypatch.setattr(loop_mod, "solve_model", loose)
    G, meas, reps = _instance(3, 4, seed=0)  # seed 0: the first relaxed optimum is connected
    a = optimize(_problem(G, meas, reps, "cuts", 0.3), "highs", gap=0.0)
    assert gaps[0] == 0.5 and gaps[-1] == 0.0
    assert a.report is not None and a.report.status == "optimal"
