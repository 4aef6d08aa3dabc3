"""Scenario batches: sequential, process pool and an in-process Dask cluster agree."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.studies.batch import Scenario, run_batch, run_scenario

from .conftest import grid_units

HOMES = ["u0_0", "u5_3", "u0_3", "u5_0", "u3_1"]
SOLVE = {"time_limit": 10, "gap": 0.0, "seed": 0}
VOLATILE = ["seconds", "message"]  # wall times differ between runs, nothing else may


def build(
    headcount: int = 4, tolerance: float = 0.2, budget: str | None = None
) -> TerritoryProblem:
    """A 6 x 4 grid with ``headcount`` reps and a current plan (nearest home)."""
    units = grid_units(6, 4)
    units["workload"] = [1.0 + int(u[1:].split("_")[0]) for u in units.index]
    reps = pd.DataFrame(
        {"home": HOMES[:headcount], "fte": 1.0}, index=[f"R{k}" for k in range(headcount)]
    )
    xy = {u: tuple(int(v) for v in u[1:].split("_")) for u in units.index}
    current = pd.Series(  # nearest home (Manhattan), ties to the first rep
        [
            min(
                reps.index,
                key=lambda r: sum(
                    abs(a - b) for a, b in zip(xy[u], xy[reps.at[r, "home"]], strict=True)
                ),
            )
            for u in units.index
        ],
        index=units.index,
    )
    return TerritoryProblem.from_geodataframe(
        units,
        reps,
        measures=["workload", "accounts"],
        balance={"workload": tolerance},
        contiguity="sp",
        baseline=current,
        disruption="accounts",
        disruption_budget=budget,
    )


SCENARIOS = [
    Scenario("base"),
    Scenario("3 reps", {"headcount": 3}),
    Scenario("5 reps", {"headcount": 5}),
    Scenario("tight", {"tolerance": 0.1}),
    Scenario("loose", {"tolerance": 0.3}, solve={"nearest": 3}),
    Scenario("budget 20%", {"budget": "20%"}),
]


@pytest.fixture(scope="module")
def sequential() -> pd.DataFrame:
    res = run_batch(build, SCENARIOS, executor="sequential", solve=SOLVE)
    return res


def test_sequential_table(sequential) -> None:
    t = sequential.table
    assert list(t.index) == [s.name for s in SCENARIOS]
    assert list(t.columns[:6]) == ["status", "objective", "bound", "gap", "seconds", "reps"]
    assert {"workload_max_dev_pct", "accounts_changed", "units_changed"} <= set(t.columns)
    assert t.loc["3 reps", "reps"] == 3 and t.loc["5 reps", "reps"] == 5
    ok = t["status"].isin(["optimal", "feasible"])
    assert ok.all(), t[["status", "message"]]
    assert (t.loc[ok, "workload_max_dev_pct"] <= 100 * 0.3 + 1e-6).all()
    assert t.loc["tight", "workload_max_dev_pct"] <= 10 + 1e-6
    # a disruption budget costs compactness, never the other way round
    assert t.loc["budget 20%", "accounts_changed"] <= 0.2 * 24 + 1e-6
    # looser tolerances never cost more; more reps give smaller territories
    assert t.loc["loose", "objective"] <= t.loc["base", "objective"] + 1e-6
    assert t.loc["base", "objective"] <= t.loc["tight", "objective"] + 1e-6
    assert t.loc["5 reps", "objective"] < t.loc["base", "objective"] < t.loc["3 reps", "objective"]
    assert set(sequential.plans) == set(t.index)


def test_processes_match_sequential(sequential) -> None:
    par = run_batch(build, SCENARIOS, executor="processes", workers=2, solve=SOLVE)
    pd.testing.assert_frame_equal(
        par.table.drop(columns=VOLATILE), sequential.table.drop(columns=VOLATILE)
    )
    for name, plan in sequential.plans.items():
        pd.testing.assert_series_equal(par.plans[name], plan)


@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs the cluster extra (dask)"
)
def test_dask_in_process_cluster_matches_sequential(sequential) -> None:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        res = run_batch(build, SCENARIOS, client=client, solve=SOLVE)
        # a base problem (data, scattered once) with settings applied by replace()
        base = build()
        via_replace = run_batch(
            base, [Scenario("tight", {"balance": {"workload": 0.1}})], client=client, solve=SOLVE
        )
    pd.testing.assert_frame_equal(
        res.table.drop(columns=VOLATILE), sequential.table.drop(columns=VOLATILE)
    )
    assert via_replace.table.loc["tight", "objective"] == pytest.approx(
        sequential.table.loc["tight", "objective"]
    )


def test_failures_become_rows_and_names_must_be_unique() -> None:
    row, plan = run_scenario(
        build, Scenario("impossible", {"tolerance": 0.01, "headcount": 5}), SOLVE
    )
    assert row["status"] in ("infeasible", "error") and plan is None
    row, plan = run_scenario(build, Scenario("bad", {"nope": 1}), SOLVE)
    assert row["status"] in ("invalid", "error") and plan is None
    with pytest.raises(ValidationError):
        run_batch(build, [Scenario("a"), Scenario("a")], executor="sequential")
    with pytest.raises(ValidationError):
        run_batch(build, [Scenario("a")], executor="nowhere")  # type: ignore[arg-type]
