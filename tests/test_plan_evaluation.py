"""The one evaluation of a plan on a problem (territory_opt.plan.evaluation), checked by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.graph.core import adjacency_matrix
from territory_opt.plan import Alignment
from territory_opt.plan.evaluation import (
    check_plan,
    disconnected_columns,
    max_deviation_pct,
    plan_disruption,
    plan_objective,
)
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.studies import _pareto_checks, _whatif_local, plan_check

from .conftest import grid_units


@pytest.fixture(scope="module")
def problem() -> TerritoryProblem:
    units = grid_units(4, 2)  # x = 0..3, y = 0..1; workload 1 each
    units["workload"] = [1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 2.0]
    reps = pd.DataFrame({"home": ["u0_0", "u3_1"], "fte": 1.0}, index=["A", "B"])
    baseline = pd.Series(["A"] * 4 + ["B"] * 4, index=units.index)
    return TerritoryProblem.from_geodataframe(
        units, reps, measures=["workload", "accounts"], balance={"workload": 0.10},
        contiguity="sp", baseline=baseline, disruption="accounts",
    )  # fmt: skip


def _left_right(problem: TerritoryProblem) -> pd.Series:
    return pd.Series(["A"] * 4 + ["B"] * 4, index=list(problem.unit_ids))


def test_disconnected_columns_matches_networkx(problem) -> None:
    rng = np.random.default_rng(3)
    G = problem.graph
    adj = adjacency_matrix(problem.neighbors())
    ids = list(problem.unit_ids)
    for _ in range(30):
        a = rng.integers(0, 2, problem.n_units)
        expected = []
        for c, root in enumerate(problem.roots.tolist()):
            members = [ids[i] for i in np.flatnonzero(a == c)]
            if members and (a[root] != c or not nx.is_connected(G.subgraph(members))):
                expected.append(c)
        assert disconnected_columns(adj, a, problem.roots) == expected


def test_check_plan_by_hand(problem) -> None:
    # left half A (workload 1+2+1+1 = 5), right half B (3+1+1+2 = 7): targets 6 each
    ok = check_plan(problem, _left_right(problem))
    assert ok.max_deviation_pct["workload"] == pytest.approx(100 / 6)
    assert not ok.feasible  # 5 and 7 are outside 6 ± 10 %
    assert ok.max_excess_pct["workload"] == pytest.approx(100 * (7 - 6.6) / 6)
    # a B unit cut off from B's home: one broken territory, named
    cut = _left_right(problem).copy()
    cut["u0_1"] = "B"
    res = check_plan(problem, cut)
    assert any("not connected (B)" in v for v in res.violations)
    with pytest.raises(ValidationError):
        check_plan(problem, _left_right(problem).drop("u0_0"))


def test_objective_and_disruption_by_hand(problem) -> None:
    plan = _left_right(problem).copy()
    plan["u1_0"] = "B"  # one account moves
    a = np.array([list(problem.rep_ids).index(r) for r in plan.reindex(problem.unit_ids)])
    assert plan_disruption(problem, a) == 1.0
    costs = problem.assignment_costs()
    expected = float(costs[np.arange(problem.n_units), a].sum())
    expected += problem.disruption_weight * 1.0
    assert plan_objective(problem, plan) == pytest.approx(expected)


def test_studies_share_the_evaluation(problem) -> None:
    assert plan_check.check_plan is check_plan
    assert _whatif_local.plan_objective is plan_objective
    al = Alignment.from_assignment(
        _left_right(problem), reps=problem.reps, measures=problem.measures,
        balance_measures=["workload"],
    )  # fmt: skip
    assert al.check(problem) == check_plan(problem, al.assignment)
    assert al.objective(problem) == plan_objective(problem, al.assignment)
    why = _pareto_checks.plan_breaks(problem, al)
    assert why is not None and "workload" in why  # 7 > 6.6


def test_max_deviation_pct_by_hand() -> None:
    loads = np.array([[5.0, 0.0], [7.0, 0.0], [3.0, 2.0]])
    targets = np.array([[6.0, 0.0], [6.0, 0.0], [3.0, 1.0]])
    dev = max_deviation_pct(loads, targets)
    assert dev[0] == pytest.approx(100 / 6)
    assert dev[1] == pytest.approx(100.0)  # 0/0 skipped, 2 vs 1
    assert np.isinf(max_deviation_pct(np.array([[1.0]]), np.array([[0.0]]))[0])
