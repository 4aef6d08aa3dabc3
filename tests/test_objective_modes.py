"""Named objectives (changes, travel, compact, inertia, lexicographic) against enumeration.

Every expected value is computed here from scratch: all assignments of a small grid
are enumerated, the feasible ones (balance, contiguity) kept, and each objective is
evaluated with its own formula (not the package's matrices).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.problem import Objective, TerritoryProblem, parse_objective
from territory_opt.solve import optimize
from territory_opt.solve.bounds import problem_floor

ROWS, COLS = 3, 4
HOMES = {"A": 0, "B": 11, "C": 3}


def _instance():
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(ROWS, COLS), ordering="sorted")
    rng = np.random.default_rng(3)
    n = G.number_of_nodes()
    meas = pd.DataFrame(
        {
            "accounts": rng.integers(0, 5, n).astype(float),
            "workload": rng.integers(1, 9, n).astype(float),
            "visits": rng.integers(0, 7, n).astype(float),
        },
        index=list(G.nodes),
    )
    reps = pd.DataFrame({"home": list(HOMES.values())}, index=list(HOMES))
    # a current plan: columns by thirds (A left, C right top, B right bottom)
    base = {u: ("A" if u % COLS < 2 else ("C" if u < 8 else "B")) for u in G.nodes}
    return G, meas, reps, base


def _feasible_plans(G, meas, reps, tol):
    n = G.number_of_nodes()
    homes = list(reps["home"])
    free = [u for u in G.nodes if u not in homes]
    k = len(reps)
    target = meas["workload"].sum() / k
    out = []
    for combo in itertools.product(range(k), repeat=len(free)):
        a = np.empty(n, dtype=int)
        a[homes] = np.arange(k)
        a[free] = combo
        load = np.bincount(a, weights=meas["workload"].to_numpy(), minlength=k)
        if (np.abs(load / target - 1) > tol + 1e-9).any():
            continue
        if all(nx.is_connected(G.subgraph(np.flatnonzero(a == r).tolist())) for r in range(k)):
            out.append(a)
    return out


def _own_objectives(G, meas, reps, base, a):
    """Each objective of plan ``a`` (column index per unit), from its definition."""
    hops = dict(nx.all_pairs_shortest_path_length(G))
    homes = list(reps["home"])
    d = np.array([hops[u][homes[a[u]]] for u in G.nodes], dtype=float)
    rep_of = list(reps.index)
    acc = meas["accounts"].to_numpy()
    wl = meas["workload"].to_numpy()
    changed = sum(acc[u] for u in G.nodes if rep_of[a[u]] != base[u])
    w_compact = wl / wl.mean() + 1.0  # no geometry: one area unit per unit
    return {
        "changes": float(changed),
        "travel": float((meas["visits"].to_numpy() * d).sum()),
        "compact": float((w_compact * d**2).sum()),
        "inertia": float((wl * d**2).sum()),
    }


def _problem(objective, tol=0.25, **kw):
    G, meas, reps, base = _instance()
    kw.setdefault("weight", "workload" if objective == "inertia" else None)
    if objective == "inertia":
        kw.setdefault("power", 2)
    return TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"workload": tol}, contiguity="cuts",
        baseline=base, objective=objective, **kw,
    )  # fmt: skip


@pytest.fixture(scope="module")
def enumerated():
    G, meas, reps, base = _instance()
    plans = _feasible_plans(G, meas, reps, 0.25)
    assert len(plans) > 10
    return [(_own_objectives(G, meas, reps, base, a), a) for a in plans]


@pytest.mark.parametrize("mode", ["changes", "travel", "compact", "inertia"])
def test_each_mode_reaches_the_enumerated_optimum(mode, enumerated):
    best = min(o[mode] for o, _ in enumerated)
    p = _problem(mode)
    plan = optimize(p, time_limit=10, gap=0.0)
    G, meas, reps, base = _instance()
    a = np.array([list(reps.index).index(plan.assignment[u]) for u in G.nodes])
    assert _own_objectives(G, meas, reps, base, a)[mode] == pytest.approx(best)
    assert plan.report is not None
    assert plan.report.objective == pytest.approx(best)


@pytest.mark.parametrize("mode", ["changes", "travel", "compact", "inertia"])
def test_bound_is_below_every_feasible_plan(mode, enumerated):
    floor, _ = problem_floor(_problem(mode))
    assert floor is not None
    assert floor <= min(o[mode] for o, _ in enumerated) + 1e-6


def test_fewest_changes_never_changes_more_than_another_mode(enumerated):
    G, meas, _reps, base = _instance()
    acc = meas["accounts"]
    changed = {}
    for mode in ("changes", "travel", "compact", "inertia", "redeploy"):
        plan = optimize(_problem(mode), time_limit=10, gap=0.0)
        changed[mode] = float(sum(acc[u] for u in G.nodes if plan.assignment[u] != base[u]))
    assert changed["changes"] == min(o["changes"] for o, _ in enumerated)
    assert all(changed["changes"] <= v for v in changed.values())


def test_changes_then_travel_is_lexicographic(enumerated):
    fewest = min(o["changes"] for o, _ in enumerated)
    expect = min(o["travel"] for o, _ in enumerated if o["changes"] <= fewest + 1e-9)
    p = _problem("changes", then="travel")
    plan = optimize(p, time_limit=20, gap=0.0)
    G, meas, reps, base = _instance()
    a = np.array([list(reps.index).index(plan.assignment[u]) for u in G.nodes])
    own = _own_objectives(G, meas, reps, base, a)
    assert own["changes"] == pytest.approx(fewest)
    assert own["travel"] == pytest.approx(expect)
    assert plan.report is not None and "stage 1" in plan.report.message


def test_default_with_a_current_plan_is_redeploy_and_a_redesign_is_explicit():
    G, meas, reps, base = _instance()
    d = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"workload": 0.25}, baseline=base
    )
    # course slide 40: with a current plan, fewest changes first, then travel and shape
    assert d.objective == "cost" and d.goal is not None and d.goal.names == ("changes",)
    assert d.goal.then is not None and "travel" in d.goal.then.names
    p = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"workload": 0.25}, baseline=base, objective="redeploy"
    )
    assert p.goal == d.goal
    # the compactness parameters do not turn the default into the moment of inertia ...
    q = TerritoryProblem.from_graph(
        G, reps, measures=meas, balance={"workload": 0.25}, baseline=base, power=2,
        weight="workload",
    )  # fmt: skip
    assert q.goal == d.goal
    # ... naming it does; so does saying what continuity is worth (budget, weight)
    for kw in ({"objective": "cost"}, {"disruption_budget": "30%"}, {"disruption_weight": 1.0}):
        c = TerritoryProblem.from_graph(
            G, reps, measures=meas, balance={"workload": 0.25}, baseline=base, **kw
        )
        assert c.goal is None and c.objective == "cost", kw
    # without a current plan: the moment of inertia, as before
    n = TerritoryProblem.from_graph(G, reps, measures=meas, balance={"workload": 0.25})
    assert n.goal is None and n.objective == "cost"
    r = p.replace(objective="redesign")
    assert r.goal is not None and r.goal.names == ("compact",) and r.goal.then is None


def test_weighted_sum_is_the_sum_of_its_terms():
    a = _problem({"changes": 2.0, "travel": 0.5}).assignment_costs()
    b = _problem("changes").assignment_costs()
    c = _problem("travel").assignment_costs()
    np.testing.assert_allclose(a, 2.0 * b + 0.5 * c)


@pytest.mark.parametrize(
    ("spec", "kw", "needle"),
    [
        ("speed", {}, "unknown term"),
        ({"travel": -1}, {}, "must be > 0"),
        ("changes", {"slack": -0.1}, "slack"),
    ],
)
def test_bad_objectives_are_explained(spec, kw, needle):
    with pytest.raises(ValidationError, match=needle):
        parse_objective(spec, **kw)


def test_changes_without_a_current_plan_is_refused():
    G, meas, reps, _ = _instance()
    with pytest.raises(ValidationError, match="no current plan"):
        TerritoryProblem.from_graph(G, reps, measures=meas, objective="changes")


def test_objective_value_object():
    o = parse_objective("redeploy")
    assert isinstance(o, Objective)
    assert o.describe().startswith("changes, then travel")


def test_objective_unit_names_the_reported_stage_not_the_moment_of_inertia():
    """The CLI summary printed "Σ workload·km²" beside a redeploy plan's travel + compact value."""
    from territory_opt.reports.plan_file import objective_unit

    G, meas, reps, base = _instance()
    kw = {"measures": meas, "balance": {"workload": 0.25}, "baseline": base, "weight": "workload"}
    p = TerritoryProblem.from_graph(G, reps, objective="redeploy", **kw)  # stage 2 reported
    km = p.cost_label
    assert objective_unit(p) == (
        f"travel + compact (Σ visits·{km} + Σ (workload share + area floor)·{km}²)"
    )
    c = TerritoryProblem.from_graph(G, reps, objective="changes", **kw)
    assert objective_unit(c) == "changes (Σ accounts changing rep)"
    i = TerritoryProblem.from_graph(G, reps, objective="cost", power=2, **kw)
    assert objective_unit(i) == f"Σ workload·{km}²"
    w = TerritoryProblem.from_graph(G, reps, objective={"travel": 2.0, "changes": 1.0}, **kw)
    assert objective_unit(w) == f"travel + changes (2·Σ visits·{km} + Σ accounts changing rep)"
