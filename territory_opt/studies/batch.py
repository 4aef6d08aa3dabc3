"""Scenario batches: run many what-if settings in parallel and compare them in one table.

A batch applies a list of :class:`Scenario` objects to a base and solves each with
:func:`territory_opt.solve.pipeline.optimize`:

* the base is either a :class:`~territory_opt.problem.territory_problem.TerritoryProblem` — a scenario's
  ``settings`` are then applied with :meth:`TerritoryProblem.replace` (tolerances,
  disruption budget, locks, contiguity...) — or a **builder**, a callable
  ``builder(**settings) -> TerritoryProblem`` (needed for headcount changes, which change
  the reps and hence the cost matrix). For worker processes the builder must be
  picklable: a module-level function or a :func:`functools.partial` of one;
* a scenario's ``solve`` settings override the batch's ``solve`` defaults (time limit,
  gap, seed, pruning...).

Executors
---------
``"sequential"``
    In this process, in order (reference for determinism checks).
``"processes"``
    :class:`concurrent.futures.ProcessPoolExecutor` with ``workers`` processes (spawned;
    a script calling it needs the usual ``if __name__ == "__main__":`` guard). The base
    is sent once per worker.
``"dask"``
    A Dask distributed cluster: an existing ``client`` or the scheduler at ``address``
    (``tcp://host:8786``). The base is scattered once to every worker. Needs the
    ``cluster`` extra (``pip install 'territory_opt[cluster]'``).

Why Dask rather than Ray: the tasks are coarse (seconds to minutes each), few (tens to
hundreds) and pure Python + NumPy, which both engines handle alike; Dask distributed is
a pure-Python wheel that installs in seconds on every Python we support, runs an
in-process cluster for tests (``Client(processes=False)``), and is what the PyData
clusters that planning teams already run (JupyterHub, Coiled, HPC job queues through
dask-jobqueue) expose; Ray brings a large binary wheel, its own object store and
daemon, for features (actors, GPUs, autoscaling) that a scenario batch does not need.

Determinism: each scenario is solved from the same inputs with the same seed whatever
the executor, so the table is identical (apart from wall times) to a sequential run
as long as each solve ends on its own (optimality or convergence) rather than on a
time limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import InfeasibleError, InputIssue, SolverError, ValidationError
from ..problem.territory_problem import TerritoryProblem
from ._pool import spawn_pool

__all__ = [
    "BatchResult",
    "Executor",
    "Scenario",
    "run_batch",
    "run_scenario",
]

logger = logging.getLogger(__name__)

Executor = Literal["sequential", "processes", "dask"]
ProblemSource = TerritoryProblem | Callable[..., TerritoryProblem]

_BASE: ProblemSource | None = None  # the base held by each worker process


@dataclass(frozen=True)
class Scenario:
    """One what-if: a name, problem settings and solver settings.

    Parameters
    ----------
    name : str
        Unique name; the row label of the comparison table.
    settings : mapping
        Applied to the base: keyword arguments of :meth:`TerritoryProblem.replace` (base
        problem), or of the builder (base callable), e.g. ``{"balance": {"workload":
        0.05}}``, ``{"disruption_budget": "10%"}``, ``{"headcount": 16}``.
    solve : mapping
        Keyword arguments of :func:`territory_opt.solve.pipeline.optimize` overriding the batch's.
    """

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    solve: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scenario, in the order given, index ``scenario``: ``status``,
        ``objective``, ``bound``, ``gap``, ``seconds``, ``reps``,
        ``<measure>_max_dev_pct`` per balanced measure, ``units_changed``,
        ``accounts_changed`` (+ ``accounts_changed_pct``; NaN without a baseline),
        ``message``.
    plans : dict
        Scenario name -> plan (unit id -> rep id), for scenarios that produced one.
    """

    table: pd.DataFrame
    plans: dict[str, pd.Series]


def _problem_for(base: ProblemSource, scenario: Scenario) -> TerritoryProblem:
    if isinstance(base, TerritoryProblem):
        return base.replace(**dict(scenario.settings)) if scenario.settings else base
    problem = base(**dict(scenario.settings))
    if not isinstance(problem, TerritoryProblem):
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    "builder",
                    f"returned {type(problem).__name__}, not a TerritoryProblem.",
                    "make the builder return TerritoryProblem.from_...(...).",
                )
            ]
        )
    return problem


def run_scenario(
    base: ProblemSource,
    scenario: Scenario,
    solve: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], pd.Series | None]:
    """Build and solve one scenario; never raises for an infeasible or failed solve.

    Parameters
    ----------
    base : TerritoryProblem or callable
        Base problem, or builder ``f(**settings) -> TerritoryProblem``.
    scenario : Scenario
    solve : mapping, optional
        Default :func:`territory_opt.solve.pipeline.optimize` settings (the scenario's win).

    Returns
    -------
    (dict, pandas.Series or None)
        The comparison row and the plan (unit id -> rep id), ``None`` without a plan.
    """
    from ..solve.pipeline import optimize

    t0 = time.perf_counter()
    row: dict[str, Any] = {
        "scenario": scenario.name,
        "status": "error",
        "objective": np.nan,
        "bound": np.nan,
        "gap": np.nan,
        "seconds": np.nan,
        "reps": np.nan,
    }
    try:
        problem = _problem_for(base, scenario)
    except (TypeError, ValueError) as exc:  # bad settings (ValidationError is a ValueError)
        return _failed(row, "invalid", exc, t0), None
    row["reps"] = problem.k
    kw = {**dict(solve or {}), **dict(scenario.solve)}
    try:
        al = optimize(problem, **kw)
    except InfeasibleError as exc:
        row = _failed(row, "infeasible", exc, t0)
        row.update({f"{m}_max_dev_pct": np.nan for m in problem.balance_measures})
        return row, None
    except (SolverError, ValidationError) as exc:
        return _failed(row, "error", exc, t0), None
    rep = al.report
    assert rep is not None
    metrics = al.metrics()
    row.update(
        status=rep.status,
        objective=_num(rep.objective),
        bound=_num(rep.bound),
        gap=_num(rep.gap),
        seconds=time.perf_counter() - t0,
    )
    for m in problem.balance_measures:
        row[f"{m}_max_dev_pct"] = metrics.get(f"{m}_max_dev_pct", np.nan)
    for key in ("units_changed", "accounts_changed", "accounts_changed_pct"):
        row[key] = metrics.get(key, np.nan)
    row["message"] = rep.message
    return row, al.assignment.copy()


def _failed(row: dict[str, Any], status: str, exc: Exception, t0: float) -> dict[str, Any]:
    """``row`` for a scenario that failed: its status, the error on one line, the time."""
    row.update(status=status, message=str(exc).replace("\n", " "))
    row["seconds"] = time.perf_counter() - t0
    return row


def _num(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _init_worker(base: ProblemSource) -> None:
    global _BASE
    _BASE = base


def _run_in_worker(
    scenario: Scenario, solve: Mapping[str, Any] | None
) -> tuple[dict[str, Any], pd.Series | None]:
    assert _BASE is not None, "worker not initialised"
    return run_scenario(_BASE, scenario, solve)


def _check(scenarios: Sequence[Scenario | Mapping[str, Any]]) -> list[Scenario]:
    out = []
    problems = []
    seen: set[str] = set()
    for s in scenarios:
        if isinstance(s, Mapping):
            s = Scenario(**s)
        if not isinstance(s, Scenario):
            problems.append(
                InputIssue(
                    "settings",
                    f"scenario {s!r}",
                    "is not a Scenario.",
                    "pass Scenario(name, settings, solve) or a dict with those keys.",
                )
            )
            continue
        if s.name in seen:
            problems.append(
                InputIssue(
                    "settings",
                    f"scenario {s.name!r}",
                    "the name is used twice.",
                    "give each scenario a unique name.",
                )
            )
        seen.add(s.name)
        out.append(s)
    if not out and not problems:
        problems.append(
            InputIssue("settings", "scenarios", "the list is empty.", "pass scenarios.")
        )
    if problems:
        raise ValidationError(problems)
    return out


def run_batch(
    base: ProblemSource,
    scenarios: Sequence[Scenario | Mapping[str, Any]],
    *,
    executor: Executor = "processes",
    workers: int = 2,
    solve: Mapping[str, Any] | None = None,
    address: str | None = None,
    client: Any | None = None,
) -> BatchResult:
    """Run scenarios in parallel and collect one comparison table.

    Parameters
    ----------
    base : TerritoryProblem or callable
        Base problem (settings applied with ``replace``) or builder
        ``f(**settings) -> TerritoryProblem``.
    scenarios : sequence of Scenario or dict
        The what-ifs; names must be unique.
    executor : {"processes", "sequential", "dask"}
        Where to run (module doc). ``address`` or ``client`` imply ``"dask"``.
    workers : int
        Worker processes for ``"processes"``.
    solve : mapping, optional
        Default :func:`territory_opt.solve.pipeline.optimize` settings for every scenario.
    address : str, optional
        Address of a Dask scheduler; a client is opened and closed here.
    client : distributed.Client, optional
        An open Dask client to use (left open).

    Returns
    -------
    BatchResult
        The table (one row per scenario, input order) and the plans.
    """
    items = _check(scenarios)
    if address is not None or client is not None:
        executor = "dask"
    t0 = time.perf_counter()
    if executor == "sequential":
        outs = [run_scenario(base, s, solve) for s in items]
    elif executor == "processes":
        outs = _run_processes(base, items, solve, workers)
    elif executor == "dask":
        outs = _run_dask(base, items, solve, address, client)
    else:
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    f"executor={executor!r}",
                    "unknown executor.",
                    "use 'processes', 'sequential' or 'dask'.",
                )
            ]
        )
    logger.info(
        "batch of %d scenario(s) on %s in %.1f s", len(items), executor, time.perf_counter() - t0
    )
    rows = [r for r, _ in outs]
    table = pd.DataFrame(rows).set_index("scenario")
    first = ["status", "objective", "bound", "gap", "seconds", "reps"]
    rest = [c for c in table.columns if c not in first and c != "message"]
    table = table[first + rest + (["message"] if "message" in table.columns else [])]
    plans = {r["scenario"]: p for r, p in outs if p is not None}
    return BatchResult(table=table, plans=plans)


def _run_processes(
    base: ProblemSource,
    items: list[Scenario],
    solve: Mapping[str, Any] | None,
    workers: int,
) -> list[tuple[dict[str, Any], pd.Series | None]]:
    if workers < 1:
        raise ValidationError(
            [InputIssue("settings", f"workers={workers}", "must be >= 1.", "use workers=2.")]
        )
    with spawn_pool(min(workers, len(items)), _init_worker, (base,)) as pool:
        futs = [pool.submit(_run_in_worker, s, solve) for s in items]
        return [f.result() for f in futs]


def _run_dask(
    base: ProblemSource,
    items: list[Scenario],
    solve: Mapping[str, Any] | None,
    address: str | None,
    client: Any | None,
) -> list[tuple[dict[str, Any], pd.Series | None]]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "executor='dask' needs Dask distributed: pip install 'territory_opt[cluster]'."
        ) from exc
    own = client is None
    c: Any = Client(address) if own else client
    try:
        # a problem is data: send it once to every worker; a builder travels with the tasks
        base_f = c.scatter(base, broadcast=True) if isinstance(base, TerritoryProblem) else base
        futs = [
            c.submit(
                run_scenario, base_f, s, solve, key=f"territory-scenario-{k}-{s.name}", pure=False
            )
            for k, s in enumerate(items)
        ]
        out: list[tuple[dict[str, Any], pd.Series | None]] = c.gather(futs)
        return out
    finally:
        if own:
            c.close()
