"""A saved plan: what :func:`~territory_opt.reports.export.export_plan` writes into ``plan.gpkg``
so that the plan can be reported and mapped again exactly as the run that made it.

Layers of ``plan.gpkg``:

``units``
    One row per unit: id (``unit``), geometry, the unit attributes, every measure, the rep
    (``rep``) and the former rep (``current_rep``) when known.
``territories``
    The territories dissolved, with the per-territory table.
``reps`` (attribute table)
    One row per rep, in order: ``rep``, ``name``, ``home``, ``fte`` (+ other columns).
``plan_meta`` (attribute table, ``key``/``value`` with JSON values)
    Format version, measures and their types, balanced measures with their tolerances,
    the objective's unit, the solve report, the column and id types.
``distance``, ``shared``, ``accounts`` (attribute tables, when known)
    Unit x rep km (columns ``km_0``... in the order of ``plan_meta.distance_reps``),
    shared units, the account list.

:func:`read_plan` reads it back into a :class:`SavedPlan`. Plans written before these
tables existed are still read: reps, homes and FTEs from the ``territories`` layer, the
balanced measures guessed (``workload``, ``potential``), with a warning.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ..exceptions import InputIssue, ValidationError
from ..plan.alignment import Alignment, SolveReport
from ..problem.objective import term_column
from ..problem.territory_problem import Balance

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem

__all__ = [
    "PLAN_FORMAT",
    "PlanSettings",
    "SavedPlan",
    "baseline_alignment",
    "objective_unit",
    "read_plan",
    "write_plan_tables",
]

logger = logging.getLogger(__name__)

PLAN_FORMAT = 1
"""Version of the tables written by :func:`write_plan_tables`."""

_GUESSED_BALANCE = ("workload", "potential")


def objective_unit(problem: TerritoryProblem) -> str:
    """The unit of a problem's objective, e.g. ``"Σ workload·km²"`` or ``"Σ km"``.

    With a named objective, the terms of the stage whose value the report holds (the
    second one of a lexicographic objective), e.g. ``"travel + compact (Σ visits·km +
    Σ (workload share + area floor)·km²)"``.
    """
    if problem.goal is not None:
        return _goal_unit(problem)
    cost = _inertia_unit(problem)
    moved = f"Σ {problem.disruption or 'units'} moved"
    if problem.objective == "disruption":
        return moved
    if problem.disruption_weight:
        return f"{cost} + {problem.disruption_weight:g}·{moved[2:]}"
    return cost


def _inertia_unit(problem: TerritoryProblem) -> str:
    """The unit of the moment of inertia Σ w·c^p, e.g. ``"Σ workload·km²"``."""
    sq = "²" if problem.power == 2 else ""
    w = f"{problem.weight}·" if problem.weight else ""
    return f"Σ {w}{problem.cost_label}{sq}"


def _goal_unit(problem: TerritoryProblem) -> str:
    """The unit of a named objective's reported stage (see :func:`objective_unit`)."""
    goal = problem.goal
    assert goal is not None
    stage = goal.then if goal.then is not None else goal
    km = problem.cost_label
    visits, weight = term_column(problem, "travel"), term_column(problem, "compact")
    units = {
        "changes": f"Σ {problem.disruption or 'accounts'} changing rep",
        "travel": f"Σ {visits}·{km}" if visits else f"Σ {km}",
        "compact": f"Σ ({weight or 'unit'} share + area floor)·{km}²",
        "inertia": _inertia_unit(problem),
    }
    parts = [units[t] if w == 1 else f"{w:g}·{units[t]}" for t, w in stage.terms]
    return f"{' + '.join(stage.names)} ({' + '.join(parts)})"


@dataclass(frozen=True)
class PlanSettings:
    """What a plan was asked for, beyond the :class:`~territory_opt.plan.alignment.Alignment`.

    Attributes
    ----------
    balance : tuple of Balance
        The balanced measures with their tolerances / bounds / penalties.
    objective_unit : str, optional
        Unit of ``report.objective`` and ``report.bound`` (:func:`objective_unit`).
    """

    balance: tuple[Balance, ...] = ()
    objective_unit: str | None = None

    @classmethod
    def from_problem(cls, problem: TerritoryProblem) -> PlanSettings:
        """The settings of the problem a plan was solved for."""
        return cls(balance=tuple(problem.balance), objective_unit=objective_unit(problem))

    @property
    def tolerances(self) -> dict[str, float]:
        """Measure -> relative tolerance, for the measures balanced with one."""
        return {b.measure: float(b.tolerance) for b in self.balance if b.tolerance is not None}

    @property
    def tolerance(self) -> float | None:
        """The tolerance shared by every balanced measure (for the maps), else None."""
        tols = set(self.tolerances.values())
        return tols.pop() if len(tols) == 1 and len(self.tolerances) == len(self.balance) else None


@dataclass(frozen=True)
class SavedPlan:
    """A plan read back from a ``plan.gpkg``.

    Attributes
    ----------
    after : Alignment
        The plan, with its reps (names, homes, FTEs), measures, balanced measures,
        geometry, baseline, distances and solve report.
    before : Alignment or None
        The former plan (baseline) with the same reps, measures and distances.
    accounts : pandas.DataFrame or None
        The account list, when it was exported with the plan.
    settings : PlanSettings
        Balance tolerances and objective unit (pass to ``export_plan(settings=...)``).
    warnings : tuple of str
        What could not be recovered (older plan files); also logged.
    path : pathlib.Path
        The file read.
    """

    after: Alignment
    before: Alignment | None
    accounts: pd.DataFrame | None
    settings: PlanSettings
    warnings: tuple[str, ...] = field(default=())
    path: Path = field(default=Path())


def baseline_alignment(alignment: Alignment) -> Alignment | None:
    """The former plan (``alignment.baseline``) as an alignment with the same reps
    (those that hold units in it), measures, geometry and distances; None without one."""
    base = alignment.baseline
    if base is None:
        return None
    base = base.reindex(alignment.assignment.index)
    if base.isna().any():
        logger.warning("the former plan leaves units without a rep: no before/after map")
        return None
    held = list(dict.fromkeys(base))
    reps = alignment.reps.loc[[r for r in alignment.reps.index if r in set(held)]]
    gone = [r for r in held if r not in alignment.reps.index]
    if gone:  # reps of the former plan who are no longer in the team
        logger.warning("former reps %s are not in the reps table: counted as 1 FTE", gone[:5])
        extra = pd.DataFrame({"home": pd.Series([None] * len(gone), dtype=object)}, index=gone)
        reps = pd.concat([reps, extra.assign(fte=1.0)])
    return Alignment.from_assignment(
        base,
        reps=reps,
        measures=alignment.measures,
        balance_measures=alignment.balance_measures,
        units=alignment.units,
        distance=alignment.distance,
    )


# --------------------------------------------------------------------------- writing
def _plain(x: Any) -> Any:
    """A JSON-able scalar (numpy scalars to Python ones)."""
    return x.item() if isinstance(x, np.generic) else x


def write_plan_tables(
    path: str | os.PathLike[str],
    alignment: Alignment,
    *,
    settings: PlanSettings | None = None,
    accounts: pd.DataFrame | None = None,
    rep_col: str = "rep",
    before_col: str = "current_rep",
) -> None:
    """Add the ``reps``, ``plan_meta`` (+ ``distance``, ``shared``, ``accounts``) tables
    to a GeoPackage that already holds the ``units`` layer.

    Parameters
    ----------
    path : path-like
        The GeoPackage (typically the temporary file of an atomic write).
    alignment : Alignment
        The plan.
    settings : PlanSettings, optional
        Tolerances and objective unit (default: balanced measures without tolerance).
    accounts : pandas.DataFrame, optional
        The account list, saved so the per-account change list can be made again.
    rep_col, before_col : str
        Names of the rep and former-rep columns of the ``units`` layer.
    """
    settings = settings or PlanSettings(tuple(Balance(m) for m in alignment.balance_measures))
    reps = alignment.reps.drop(columns=["geometry"], errors="ignore")
    reps = reps[[c for c in reps.columns if reps[c].dtype != object or _scalars(reps[c])]]
    meta: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "rep_col": rep_col,
        "before_col": before_col if alignment.baseline is not None else None,
        "unit_dtype": str(alignment.assignment.index.dtype),
        "rep_dtype": str(reps.index.dtype),
        "rep_index_name": reps.index.name,
        "reps_dtypes": {c: str(reps[c].dtype) for c in reps.columns},
        "measures": {c: str(alignment.measures[c].dtype) for c in alignment.measures.columns},
        "unit_columns": (
            {c: str(alignment.units[c].dtype) for c in alignment.units.columns if c != "geometry"}
            if alignment.units is not None
            else {}
        ),
        "balance_measures": list(alignment.balance_measures),
        "balance": [asdict(b) for b in settings.balance],
        "objective_unit": settings.objective_unit,
        "report": None
        if alignment.report is None
        else {k: _plain(v) for k, v in asdict(alignment.report).items()},
        "distance_reps": None
        if alignment.distance is None
        else [str(r) for r in alignment.distance.columns],
    }
    tables: dict[str, pd.DataFrame] = {
        "reps": reps.reset_index(names="rep"),
        "plan_meta": pd.DataFrame(
            {"key": list(meta), "value": [json.dumps(v) for v in meta.values()]}
        ),
    }
    if alignment.distance is not None:
        d = alignment.distance
        tables["distance"] = pd.DataFrame(
            d.to_numpy(dtype=float), columns=[f"km_{k}" for k in range(d.shape[1])]
        ).assign(unit=list(d.index))[["unit", *(f"km_{k}" for k in range(d.shape[1]))]]
    if alignment.shared is not None and len(alignment.shared):
        tables["shared"] = alignment.shared[["unit", "rep", "fraction"]].reset_index(drop=True)
    for layer, frame in tables.items():
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    if accounts is not None:
        try:
            pyogrio.write_dataframe(
                accounts.reset_index(drop=True), path, layer="accounts", driver="GPKG"
            )
        except Exception as exc:  # the account list is a convenience copy
            logger.warning("accounts not saved in the plan (%s): pass them again to report", exc)


def _scalars(s: pd.Series) -> bool:
    return all(v is None or isinstance(v, (str, int, float, bool, np.generic)) for v in s)


# --------------------------------------------------------------------------- reading
def _fail(path: Path, message: str, fix: str) -> ValidationError:
    return ValidationError([InputIssue("file", str(path), message, fix)])


def _restore(s: pd.Series | pd.Index, dtype: str | None) -> Any:
    if dtype is None:
        return s
    try:
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s


def _str_ids(s: pd.Series) -> pd.Series:
    return s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))


def read_plan(
    path: str | os.PathLike[str],
    *,
    rep_col: str = "rep",
    before_col: str | None = "current_rep",
) -> SavedPlan:
    """Read a plan written by :func:`territory_opt.reports.export.export_plan`.

    Parameters
    ----------
    path : path-like
        ``plan.gpkg`` (or, for older plans or other tools' plans, any units file with a
        rep column: then reps get FTE 1 and no home, with a warning).
    rep_col : str
        Column of the ``units`` layer with each unit's rep (default: the saved one).
    before_col : str or None
        Column with the former rep (``None``: no former plan).

    Returns
    -------
    SavedPlan

    Raises
    ------
    ValidationError
        When the file cannot be read or lacks the rep column.
    """
    src = Path(path)
    if not src.is_file():
        raise _fail(src, "file not found.", "give the plan.gpkg written by optimize.")
    is_gpkg = src.suffix.lower() == ".gpkg"
    try:
        layers = {str(n) for n, _ in pyogrio.list_layers(src)} if is_gpkg else set()
        units = gpd.read_file(src, layer="units" if "units" in layers else None)
    except Exception as exc:
        raise _fail(
            src, f"cannot read the plan ({type(exc).__name__}: {exc}).", "give a plan.gpkg."
        ) from exc
    if "plan_meta" in layers and "reps" in layers:
        return _read_v1(src, units, layers, rep_col, before_col)
    return _read_legacy(src, units, layers, rep_col, before_col)


def _meta(src: Path) -> dict[str, Any]:
    frame = pyogrio.read_dataframe(src, layer="plan_meta")
    return {str(k): json.loads(v) for k, v in zip(frame["key"], frame["value"], strict=True)}


def _read_v1(
    src: Path, units: gpd.GeoDataFrame, layers: set[str], rep_col: str, before_col: str | None
) -> SavedPlan:
    meta = _meta(src)
    if int(meta.get("format", 0)) > PLAN_FORMAT:
        raise _fail(
            src,
            f"written by a newer territory_opt (plan format {meta['format']}).",
            "upgrade territory_opt.",
        )
    unit_dtype, rep_dtype = meta["unit_dtype"], meta["rep_dtype"]
    units = units.set_index(_restore(units["unit"], unit_dtype).rename(None)).drop(columns="unit")
    if rep_col not in units.columns:
        raise _fail(src, f"no {rep_col!r} column in the units layer.", "pass --rep-col.")
    reps = pyogrio.read_dataframe(src, layer="reps")
    reps = reps.set_index(pd.Index(_restore(reps["rep"], rep_dtype), name=meta["rep_index_name"]))
    reps = reps.drop(columns="rep")
    for c, dt in meta["reps_dtypes"].items():
        reps[c] = _restore(reps[c], dt)
    measures = pd.DataFrame(
        {m: _restore(units[m], dt) for m, dt in meta["measures"].items()}, index=units.index
    )
    geo_cols = [c for c in meta["unit_columns"] if c in units.columns]
    geo = units[[*geo_cols, "geometry"]].copy()
    for c in geo_cols:
        geo[c] = _restore(geo[c], meta["unit_columns"][c])
    saved_before = meta.get("before_col")
    bcol = before_col if before_col in units.columns else None
    if before_col == "current_rep" and saved_before is None:
        bcol = None
    baseline = _restore(units[bcol], rep_dtype) if bcol else None
    distance = None
    if meta.get("distance_reps") is not None and "distance" in layers:
        d = pyogrio.read_dataframe(src, layer="distance")
        by_str = {str(r): r for r in reps.index}
        cols = [by_str.get(r, r) for r in meta["distance_reps"]]
        distance = pd.DataFrame(
            d[[f"km_{k}" for k in range(len(cols))]].to_numpy(dtype=float),
            index=pd.Index(_restore(d["unit"], unit_dtype)),
            columns=pd.Index(cols),
        )
    shared = None
    if "shared" in layers:
        shared = pyogrio.read_dataframe(src, layer="shared")
        shared["unit"] = _restore(shared["unit"], unit_dtype)
        shared["rep"] = _restore(shared["rep"], rep_dtype)
    accounts = pyogrio.read_dataframe(src, layer="accounts") if "accounts" in layers else None
    report = SolveReport(**meta["report"]) if meta.get("report") else None
    after = Alignment(
        assignment=_restore(units[rep_col], rep_dtype),
        reps=reps,
        measures=measures,
        balance_measures=tuple(meta["balance_measures"]),
        units=gpd.GeoDataFrame(geo, geometry="geometry", crs=units.crs),
        baseline=baseline,
        distance=distance,
        shared=shared,
        report=report,
    )
    settings = PlanSettings(
        balance=tuple(Balance(**b) for b in meta.get("balance", [])),
        objective_unit=meta.get("objective_unit"),
    )
    logger.info("read plan %s: %d units, %d reps", src, len(units), len(reps))
    return SavedPlan(
        after=after,
        before=baseline_alignment(after),
        accounts=accounts,
        settings=settings,
        path=src,
    )


def _read_legacy(
    src: Path, units: gpd.GeoDataFrame, layers: set[str], rep_col: str, before_col: str | None
) -> SavedPlan:
    """A plan without ``reps``/``plan_meta`` tables (written before plan format 1)."""
    id_col = "unit" if "unit" in units.columns else str(units.columns[0])
    units = units.set_index(units[id_col].astype(str).rename(None)).drop(columns=id_col)
    if rep_col not in units.columns:
        raise _fail(src, f"no {rep_col!r} column.", "pass --rep-col with the column of reps.")
    notes: list[str] = []
    reps: pd.DataFrame | None = None
    if "territories" in layers:
        terr = pyogrio.read_dataframe(src, layer="territories", read_geometry=False)
        if {"rep", "fte", "home"} <= set(terr.columns):
            cols = [c for c in ("name", "home", "fte") if c in terr.columns]
            reps = terr[["rep", *cols]].assign(rep=_str_ids(terr["rep"])).set_index("rep")
            reps["home"] = _str_ids(reps["home"])
            reps["fte"] = reps["fte"].astype(float)
    assignment = _str_ids(units[rep_col])
    if reps is None:
        notes.append(
            f"{src.name} has no reps table: FTEs are unknown (every rep counted as 1 FTE, so "
            "% of target is not FTE-weighted) and rep names and homes are missing; re-export "
            "the plan with this version (territory-opt optimize) to keep them."
        )
    else:
        missing = sorted(set(assignment.dropna()) - set(reps.index))
        if missing:
            raise _fail(
                src,
                f"reps {', '.join(missing[:5])} hold units but are not in the territories layer.",
                "re-export the plan.",
            )
    measures = units.select_dtypes("number")
    balance = tuple(c for c in _GUESSED_BALANCE if c in measures.columns)
    notes.append(
        f"{src.name} does not record the balanced measures: assuming {', '.join(balance) or 'none'}"
        " without tolerances, no solver report and no distances (compactness unknown); re-export the plan to keep them."
    )
    for note in notes:
        logger.warning(note)
    geo_cols = ["name"] if "name" in units.columns else []
    bcol = before_col if before_col and before_col in units.columns else None
    after = Alignment.from_assignment(
        assignment,
        reps=reps,
        measures=measures,
        balance_measures=balance,
        units=units[[*geo_cols, "geometry"]],
        baseline=_str_ids(units[bcol]) if bcol else None,
    )
    return SavedPlan(
        after=after,
        before=baseline_alignment(after),
        accounts=None,
        settings=PlanSettings(balance=tuple(Balance(m) for m in balance)),
        warnings=tuple(notes),
        path=src,
    )
