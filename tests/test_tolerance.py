"""Infeasible tolerances explained in the user's words, on a path where the answer is known.

Three units in a row, u0 - u1 - u2, homes A = u0 and B = u2. Workload 3, 2, 3 (targets
4 and 4): A takes {u0} (3 vs 4, B 5 vs 4) or {u0, u1} (5 vs 4, B 3 vs 4), so the best
split is 1/4 off target: ±25 % is the smallest feasible workload tolerance and every
smaller one is infeasible. No unit alone exceeds a target, so the pre-checks see nothing.
Potential 2, 0, 2 balances exactly with either split.
"""

from __future__ import annotations

import pandas as pd
import pytest

from territory_opt.exceptions import InfeasibleError
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize
from territory_opt.solve.tolerance import explain_balance, min_feasible_tolerance

from .conftest import grid_units


@pytest.fixture()
def problem() -> TerritoryProblem:
    g = grid_units(3, 1)
    g["workload"] = [3.0, 2.0, 3.0]
    g["potential"] = [2.0, 0.0, 2.0]
    reps = pd.DataFrame(
        {"home": ["u0_0", "u2_0"], "fte": 1.0, "name": ["Ann", "Bob"]}, index=["A", "B"]
    )
    return TerritoryProblem.from_geodataframe(
        g, reps, measures=["workload", "potential"],
        balance={"workload": 0.001, "potential": 0.001}, contiguity="cuts",
    )  # fmt: skip


def test_smallest_feasible_tolerance_is_one_quarter(problem):
    f = min_feasible_tolerance(problem, "workload", time_limit=5)
    assert f.feasible == pytest.approx(0.25)
    assert 0.24 <= f.infeasible < 0.25
    assert f.territory in ("A", "B")
    # potential is not the culprit: the problem stays infeasible however wide it is
    g = min_feasible_tolerance(problem, "potential", time_limit=3)
    assert g.feasible is None


def test_infeasible_error_names_measure_and_fix(problem):
    with pytest.raises(InfeasibleError) as exc:
        optimize(problem, "highs", time_limit=5)
    text = str(exc.value)
    assert "'workload' cannot be balanced within ±0.1 %" in text
    assert "--balance workload=0.25" in text
    assert "potential" not in text.split("'workload'")[1]


def test_explain_balance_sentence(problem):
    out = explain_balance(problem, time_limit=8)
    assert len(out) == 1
    assert "±25 %" in out[0] and "Fix: --balance workload=0.25" in out[0]
