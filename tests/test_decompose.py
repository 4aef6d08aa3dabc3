"""Decomposition for size: pieces, stitching, seam repair, honest bounds (tiny grids)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize
from territory_opt.studies.decompose import (
    DecompositionSettings,
    apportion,
    check_plan,
    decompose,
    lagrangian_bound,
    plan_objective,
    refine_borders,
    region_pieces,
)

from .conftest import grid_units

TOL = 0.10


def _x(unit: str) -> int:
    return int(unit[1:].split("_")[0])


@pytest.fixture(scope="module")
def grid() -> tuple[TerritoryProblem, pd.Series]:
    """12 x 8 grid, 3 regions of 4 columns; region A has 3 reps for 2 reps' workload."""
    units = grid_units(12, 8)
    rng = np.random.default_rng(0)
    units["workload"] = rng.integers(1, 4, len(units)).astype(float)
    regions = pd.Series(
        ["A" if _x(u) < 4 else "B" if _x(u) < 8 else "C" for u in units.index],
        index=units.index,
        name="region",
    )
    reps = pd.DataFrame(
        {"home": ["u1_1", "u2_6", "u1_4", "u5_2", "u6_6", "u9_1", "u10_5"], "fte": 1.0},
        index=[f"R{k}" for k in range(7)],
    )
    problem = TerritoryProblem.from_geodataframe(
        units,
        reps,
        measures=["workload", "accounts"],
        balance={"workload": TOL},
        contiguity="sp",
    )
    return problem, regions


def _assert_valid_plan(problem: TerritoryProblem, assignment: pd.Series) -> None:
    assert list(assignment.index) == list(problem.unit_ids)  # every unit exactly once
    assert assignment.notna().all()
    assert set(assignment) <= set(problem.rep_ids)
    G = problem.graph
    assert G is not None
    for rep, home in problem.reps["home"].items():
        members = assignment.index[assignment == rep]
        assert home in set(members)
        assert nx.is_connected(G.subgraph(members)), rep


def test_apportion_largest_remainder() -> None:
    seats = apportion(pd.Series({"a": 10.0, "b": 20.0, "c": 31.0}), 6)
    assert seats.sum() == 6
    assert seats.to_dict() == {"a": 1, "b": 2, "c": 3}
    assert apportion({"x": 1.0, "y": 1.0}, 3).to_dict() == {"x": 2, "y": 1}  # ties: order
    with pytest.raises(ValidationError):
        apportion({"x": 0.0}, 2)


def test_pieces_get_their_reps_and_tightened_tolerances(grid) -> None:
    problem, regions = grid
    pieces = region_pieces(problem, regions)
    assert sorted(pieces) == ["A", "B", "C"]
    assert [p.k for p, _ in pieces.values()] == [3, 2, 2]
    assert sum(p.n_units for p, _ in pieces.values()) == problem.n_units
    # A holds too little workload for 3 reps: outside the national band, flagged
    _, notes_a = pieces["A"]
    assert notes_a and "seam repair" in notes_a[0]
    # a region whose ratio is inside the band gets the tolerance that keeps it inside
    M = problem.measures["workload"]
    for _name, (piece, _) in pieces.items():
        rho = (piece.measures["workload"].sum() / piece.k) / (M.sum() / problem.k)
        fit = min(1 - (1 - TOL) / rho, (1 + TOL) / rho - 1)
        tau = piece.balance[0].tolerance
        assert tau == pytest.approx(min(TOL, max(fit, 0.3 * TOL)))


def test_decompose_repairs_the_seams(grid) -> None:
    problem, regions = grid
    cost_before = np.array(problem.cost, copy=True)
    regions_before = regions.copy()
    res = decompose(problem, regions, time_limit=10, repair_time_limit=20, bound_time_limit=5)
    _assert_valid_plan(problem, res.alignment.assignment)
    # the stitched plan is balanced around regional targets only: outside ±10 % nationally
    assert res.max_deviation_before["workload"] > 100 * TOL
    assert not check_plan(problem, res.stitched.assignment).feasible
    # the repaired plan meets the national bounds
    assert res.max_deviation_after["workload"] <= 100 * TOL + 1e-6
    pct = res.alignment.territory_table()["workload_pct_target"]
    assert ((pct >= 100 * (1 - TOL) - 1e-6) & (pct <= 100 * (1 + TOL) + 1e-6)).all()
    assert res.status in ("feasible", "optimal")
    assert res.first_feasible_seconds is not None
    assert res.objective == pytest.approx(plan_objective(problem, res.alignment.assignment))
    # honest bounds: a true bound below the objective, the restricted one labelled apart
    assert res.bound is not None and res.bound <= res.objective + 1e-6
    assert res.gap is not None and 0 <= res.gap < 0.2
    assert "Lagrangian" in res.bound_kind
    assert res.restricted_bound is not None
    assert len(res.pieces) == 3 and set(res.pieces["reps"]) == {2, 3}
    rep = res.alignment.report
    assert rep is not None and rep.bound == res.bound
    # inputs untouched
    assert np.array_equal(problem.cost, cost_before)
    pd.testing.assert_series_equal(regions, regions_before)


def test_bound_is_below_the_proven_optimum(grid) -> None:
    problem, _ = grid
    full = optimize(problem.replace(contiguity=None), time_limit=30, gap=0.0)
    assert full.report is not None and full.report.status == "optimal"
    br = lagrangian_bound(problem, upper=full.report.objective, time_limit=5)
    assert br.value is not None
    trivial = float(problem.assignment_costs().min(axis=1).sum())
    assert trivial - 1e-9 <= br.value <= full.report.objective + 1e-6
    # and close to the LP relaxation: within a few % of the proven MILP optimum here
    assert br.value >= 0.95 * full.report.objective


def test_refine_borders_keeps_a_feasible_plan_feasible(grid) -> None:
    problem, _ = grid
    start = optimize(problem, time_limit=20, nearest=3).assignment
    assert check_plan(problem, start).feasible
    al = refine_borders(problem, start, hops=1, time_limit=20)
    _assert_valid_plan(problem, al.assignment)
    assert al.report is not None and al.report.status == "feasible"
    assert al.report.objective <= plan_objective(problem, start) + 1e-6


def test_orphan_units_join_a_neighbouring_region(grid) -> None:
    problem, regions = grid
    odd = regions.copy()
    odd["u6_3"] = "A"  # an enclave of A inside B: cannot reach an A home
    pieces = region_pieces(problem, odd)
    assert "u6_3" in pieces["B"][0].unit_ids
    with pytest.raises(ValidationError):
        region_pieces(problem, regions.drop("u0_0"))


def test_workers_give_the_same_plan(grid) -> None:
    problem, regions = grid
    kw = {"time_limit": 10, "repair_time_limit": 20, "bound": False}
    one = decompose(problem, regions, workers=1, **kw)
    two = decompose(problem, regions, workers=2, **kw)
    pd.testing.assert_series_equal(one.alignment.assignment, two.alignment.assignment)


def test_settings_object_and_keywords_agree(grid) -> None:
    problem, regions = grid
    by_keywords = decompose(problem, regions, time_limit=10, repair=False, bound=False)
    settings = DecompositionSettings(time_limit=10, repair=False, bound=False)
    by_settings = decompose(problem, regions, settings)
    pd.testing.assert_series_equal(
        by_keywords.alignment.assignment, by_settings.alignment.assignment
    )
    assert by_settings.repair is None and by_settings.bound is None
    # keywords override the settings object
    over = decompose(problem, regions, settings, repair=True, repair_time_limit=10)
    assert over.repair is not None


def test_settings_are_keyword_only_and_checked(grid) -> None:
    problem, regions = grid
    with pytest.raises(TypeError):
        DecompositionSettings("highs")  # type: ignore[misc]
    with pytest.raises(TypeError):
        decompose(problem, regions, time_limt=10)
