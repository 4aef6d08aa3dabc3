"""Solver faults: time limits, missing solvers, crashes, garbage answers, oversized models.

Whatever goes wrong inside a solver, :func:`territory_opt.solve.pipeline.optimize` either returns a
plan whose status says exactly what is proven (``feasible`` with a gap, never an unproven
``optimal``) or raises :class:`SolverError` with a message that says what to do, and no
output file is left half-written.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import territory_opt.solve.backend as backend_mod
import territory_opt.solve.pipeline as solve_mod
import territory_opt.solve.plain as plain_mod
from territory_opt.data.io import atomic_path
from territory_opt.exceptions import SolverError
from territory_opt.milp.contiguity import is_contiguous
from territory_opt.milp.model import allowed_mask, build_model
from territory_opt.milp.size_guard import (
    ModelTooLargeError,
    available_memory,
    check_model_size,
    estimate_model_size,
)
from territory_opt.plan.alignment import Alignment
from territory_opt.problem.territory_problem import Balance, TerritoryProblem
from territory_opt.solve.pipeline import optimize


def _grid(rows: int = 4, cols: int = 5, k: int = 4, tol: float = 0.2, mode: str | None = "sp"):
    rng = np.random.default_rng(7)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    n = rows * cols
    meas = pd.DataFrame({"w": rng.integers(1, 6, n).astype(float)}, index=range(n))
    homes = [0, cols - 1, n - cols, n - 1][:k]
    reps = pd.DataFrame({"home": homes, "fte": 1.0}, index=["A", "B", "C", "D"][:k])
    return TerritoryProblem.from_graph(G, reps, measures=meas, balance={"w": tol}, contiguity=mode)  # type: ignore[arg-type]


def _raw(status: str, values: np.ndarray | None = None, **kw: object) -> solve_mod._Raw:
    base: dict[str, object] = {
        "objective": None,
        "bound": None,
        "gap": None,
        "seconds": 0.01,
        "message": "fake",
    }
    base.update(kw)
    return solve_mod._Raw(status, values, **base)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- time limits


def test_time_limit_returns_best_plan_with_gap() -> None:
    """A flow model stopped by its time limit: a contiguous plan, 'feasible' with a gap, or proven."""
    p = _grid(7, 7, tol=0.05, mode="flow")
    a = optimize(p, "highs", gap=0.0, time_limit=1.5, heuristic_time=0.5)
    r = a.report
    assert r is not None and r.status in ("optimal", "feasible")
    assert r.bound is not None and r.objective is not None and r.bound <= r.objective + 1e-6
    if r.status == "optimal":
        assert abs(r.objective - r.bound) <= 1e-6 * max(1.0, abs(r.objective))
    else:
        assert r.gap is not None and r.gap > 0
    assert p.graph is not None and is_contiguous(p.graph, a.assignment)
    assert r.seconds < 15


def test_time_limit_without_plan_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_plan(model, **kw):  # what HiGHS returns when the limit hits before any incumbent
        return _raw(
            "no_solution", bound=3.0, message="HiGHS stopped (Time limit reached) without a plan"
        )

    monkeypatch.setattr(backend_mod, "_run_highs", no_plan)
    with pytest.raises(SolverError) as info:
        optimize(_grid(), "highs", time_limit=2, warm_start=False)
    msg = str(info.value)
    assert "found no plan in 2 s" in msg and "Time limit reached" in msg
    assert "raise time_limit" in msg


def test_time_limit_without_solver_plan_keeps_warm_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend_mod, "_run_highs", lambda model, **kw: _raw("no_solution"))
    a = optimize(_grid(), "highs", time_limit=5, heuristic_time=1)
    r = a.report
    assert (
        r is not None and r.objective is not None and "returning the warm-start plan" in r.message
    )
    # "optimal" only when a bound valid for the problem proves it (here the plan can reach
    # the every-unit-at-its-cheapest-rep bound)
    assert r.status == "feasible" or (r.bound is not None and r.bound >= r.objective - 1e-9)


# ---------------------------------------------------------------------------- missing solvers


def test_highspy_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "highspy", None)  # import highspy -> ImportError
    with pytest.raises(SolverError) as info:
        optimize(_grid(), "highs", warm_start=False)
    msg = str(info.value)
    assert "pip install 'highspy>=1.7'" in msg and "solver='cbc'" in msg


def test_cbc_binary_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import pulp

    monkeypatch.setattr(pulp.PULP_CBC_CMD, "pulp_cbc_path", str(tmp_path / "no-cbc"))
    with pytest.raises(SolverError) as info:
        optimize(_grid(), "cbc", warm_start=False)
    msg = str(info.value)
    assert "no-cbc" in msg and "pip install --force-reinstall 'pulp>=3.3,<4'" in msg
    assert "solver='highs'" in msg


# ---------------------------------------------------------------------------- crashes


def test_highs_crash_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(model, **kw):
        raise RuntimeError("simulated segfault in run()")

    monkeypatch.setattr(backend_mod, "_run_highs", boom)
    with pytest.raises(SolverError) as info:
        optimize(_grid(), "highs", warm_start=False)
    msg = str(info.value)
    assert "highs crashed (RuntimeError: simulated segfault in run())" in msg
    assert "other solver" in msg
    assert isinstance(info.value.__cause__, RuntimeError)


def test_cbc_process_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CBC process is SIGKILLed right after it starts (as the OOM killer would)."""
    from pulp.apis import coin_api

    real = subprocess.Popen

    class Killed(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a: object, **kw: object) -> None:
            super().__init__(*a, **kw)
            self.kill()

    monkeypatch.setattr(coin_api.subprocess, "Popen", Killed)
    with pytest.raises(SolverError) as info:
        optimize(_grid(), "cbc", warm_start=False)
    assert "CBC failed" in str(info.value) and "out of memory" in str(info.value)


@pytest.mark.parametrize(
    "garbage",
    ["nan-values", "wrong-shape", "unknown-status", "not-a-result", "unassigned"],
)
def test_garbage_answer_is_refused(monkeypatch: pytest.MonkeyPatch, garbage: str) -> None:
    p = _grid()
    n_cols = build_model(p, allowed_mask(p)).n_cols

    def fake(model, **kw):
        if garbage == "nan-values":
            return _raw("optimal", np.full(n_cols, np.nan), objective=1.0, bound=1.0)
        if garbage == "wrong-shape":
            return _raw("optimal", np.zeros(3), objective=1.0, bound=1.0)
        if garbage == "unknown-status":
            return _raw("banana")
        if garbage == "unassigned":
            return _raw("feasible", np.zeros(n_cols), objective=0.0)
        return None

    monkeypatch.setattr(backend_mod, "_run_highs", fake)
    with pytest.raises(SolverError, match="no plan was returned"):
        optimize(p, "highs", warm_start=False)


# ---------------------------------------------------------------------------- no partial outputs


def test_cli_solver_crash_leaves_no_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from territory_opt.cli import app

    from .conftest import grid_units

    units = grid_units(4, 4).reset_index()
    upath = tmp_path / "units.gpkg"
    units.to_file(upath, layer="units")
    rpath = tmp_path / "reps.csv"
    rpath.write_text("rep,home,fte\nA,u0_0,1\nB,u3_3,1\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (upath, rpath)}

    def boom(model, **kw):
        raise MemoryError("simulated")

    monkeypatch.setattr(backend_mod, "_run_highs", boom)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        ["optimize", str(upath), "--reps", str(rpath), "--out", str(out), "-b", "workload=0.3",
         "--time-limit", "5", "--no-maps"],
    )  # fmt: skip
    assert res.exit_code != 0
    assert "crashed" in res.output
    assert not out.exists() or list(out.iterdir()) == []
    assert {p: p.read_bytes() for p in before} == before


def test_export_crash_leaves_no_partial_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A crash half-way through writing a CSV: no truncated file, no temporary file left."""
    from territory_opt.reports.export import export_plan

    a = optimize(_grid(), "highs", warm_start=False)
    real = pd.DataFrame.to_csv
    calls: list[str] = []

    def crash(self, path=None, *args, **kwargs):
        calls.append(str(path))
        Path(path).write_text("territory,w\nA,1")  # half a file
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        export_plan(a, out, maps=False)
    assert calls and Path(calls[0]).name.startswith(".plan_territories.")
    assert not out.exists(), "a partial folder was left (the export created it)"
    assert [x.name for x in tmp_path.iterdir()] == [], "a staging folder was left"
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)
    files = export_plan(a, out, maps=False, force=True)  # a retry writes complete files
    assert pd.read_csv(files["territories"]).shape[0] == 4


def test_atomic_path_on_crash_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old\n"
    assert [x.name for x in tmp_path.iterdir()] == ["plan.csv"]


# ---------------------------------------------------------------------------- model-size guard


@pytest.mark.parametrize("mode", ["sp", "flow", "cuts", None])
def test_estimate_matches_the_built_model(mode: str | None) -> None:
    """Variables and rows exact (cuts: base + allowance), nonzeros an upper bound within 35 %."""
    p = _grid(5, 6, tol=0.2, mode=mode)
    for allowed in (None, allowed_mask(p, nearest=2)):
        m = build_model(p, allowed)
        e = estimate_model_size(p, allowed)
        assert e.variables == m.n_cols
        if mode == "cuts":
            assert e.constraints >= m.n_rows
        else:
            assert e.constraints == m.n_rows
        assert len(m.index) <= e.nonzeros <= 1.35 * len(m.index) + 10
        assert e.bytes_estimate > 0 and e.contiguity == mode


def test_flow_is_larger_than_sp_and_cuts() -> None:
    p = _grid(6, 6, mode="flow")
    sizes = {m: estimate_model_size(p, contiguity=m) for m in ("flow", "sp", "cuts", None)}
    assert sizes["flow"].bytes_estimate > sizes["sp"].bytes_estimate
    assert sizes["sp"].bytes_estimate > sizes["cuts"].bytes_estimate
    assert sizes["cuts"].bytes_estimate > sizes[None].bytes_estimate
    assert estimate_model_size(p, solver="cbc").bytes_estimate > sizes["flow"].bytes_estimate


def test_normandy_flow_model_vs_tiny(normandie) -> None:
    """The unpruned Normandy flow model is ~10^5x a 3x3 grid's and is refused under 1 GB."""
    units, reps = normandie.units, normandie.reps
    big = TerritoryProblem.from_geodataframe(
        units[["workload", "potential", "geometry"]],
        reps,
        measures=["workload", "potential"],
        balance={"workload": 0.05, "potential": 0.05},
        contiguity="flow",
    )
    tiny = _grid(3, 3, k=2, mode="flow")
    e_big, e_tiny = estimate_model_size(big), estimate_model_size(tiny)
    assert e_big.variables > 200_000 and e_big.nonzeros > 10**6
    assert e_tiny.variables < 100
    assert e_big.bytes_estimate > 1000 * e_tiny.bytes_estimate
    pruned = estimate_model_size(big, allowed_mask(big, nearest=5))
    assert pruned.bytes_estimate < e_big.bytes_estimate / 2
    with pytest.raises(ModelTooLargeError) as info:
        check_model_size(big, max_bytes=2**30)
    msg = str(info.value)
    for advice in ("nearest=5", "territory_opt.data.coarsen", "contiguity='cuts'", "penalty="):
        assert advice in msg
    check_model_size(tiny, max_bytes=2**30)  # fine


def test_optimize_refuses_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    p = _grid(mode="flow")

    def no_build(*a: object, **kw: object) -> None:
        raise AssertionError("the model must not be built")

    monkeypatch.setattr(plain_mod, "build_model", no_build)
    monkeypatch.setattr(solve_mod, "_heuristic_plan", no_build)
    with pytest.raises(ModelTooLargeError) as info:
        optimize(p, "highs", max_bytes=10_000)
    assert isinstance(info.value, SolverError)
    assert info.value.limit == 10_000 and info.value.size.variables > 0
    assert "contiguity='cuts'" in str(info.value) and "nearest=" in str(info.value)


def test_guard_warns_between_half_and_full(caplog: pytest.LogCaptureFixture) -> None:
    p = _grid()
    need = estimate_model_size(p).bytes_estimate
    with caplog.at_level(logging.WARNING, logger="territory_opt.milp.size_guard"):
        a = optimize(p, "highs", warm_start=False, max_bytes=int(need * 1.5))
    assert a.report is not None and a.report.status == "optimal"
    assert any("large model" in r.getMessage() for r in caplog.records)


def test_available_memory_is_known_here() -> None:
    mem = available_memory()
    assert mem is None or mem > 10 * 2**20


def test_soft_balance_counted() -> None:
    hard = _grid(mode=None)
    soft = hard.replace(balance=[Balance("w", 0.2, penalty=5.0)])
    e_h, e_s = estimate_model_size(hard), estimate_model_size(soft)
    assert e_s.variables == e_h.variables + 2 * hard.k  # one deviation per row
    assert e_s.variables == build_model(soft).n_cols


def test_solver_results_are_alignments() -> None:
    a = optimize(_grid(), "cbc", warm_start=False)
    assert isinstance(a, Alignment) and a.report is not None and a.report.solver == "cbc"
