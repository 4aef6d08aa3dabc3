"""`Alignment`: an immutable plan (unit -> rep) with its tables, metrics and change lists.

An alignment is a value: it holds private copies of its frames, never changes, and every
method returns a new table. Build one from a solve (:func:`territory_opt.optimize`) or
from any mapping with :meth:`Alignment.from_assignment` (the current plan, another tool's
plan), then compare them with :meth:`Alignment.changes` / :meth:`Alignment.diff`.

Shared (dense) units: ``shared`` lists ``unit, rep, fraction`` rows; the unit's measures
(and area) are split between those reps by fraction, and ``assignment`` gives the rep
with the largest fraction.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ..graph.crs import to_metric
from .evaluation import PlanCheck, check_plan, max_deviation_pct, plan_objective
from .report import SolveReport

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem

__all__ = ["Alignment", "SolveReport"]


@dataclass(frozen=True)
class Alignment:
    """A territory plan.

    Attributes
    ----------
    assignment : pandas.Series
        Index unit id, values rep id.
    reps : pandas.DataFrame
        Index rep id; ``home`` (unit id or None), ``fte``; optional ``name``.
    measures : pandas.DataFrame
        Index unit id; numeric measures.
    balance_measures : tuple of str
        Measures balanced against FTE-weighted targets.
    units : geopandas.GeoDataFrame, optional
        Index unit id, geometry (+ ``name``).
    baseline : pandas.Series, optional
        The reference plan (unit id -> rep id) for change counts.
    distance : pandas.DataFrame, optional
        Unit x rep km.
    shared : pandas.DataFrame, optional
        ``unit, rep, fraction`` for units split between reps.
    report : SolveReport, optional
    """

    assignment: pd.Series
    reps: pd.DataFrame
    measures: pd.DataFrame
    balance_measures: tuple[str, ...]
    units: gpd.GeoDataFrame | None = None
    baseline: pd.Series | None = None
    distance: pd.DataFrame | None = None
    shared: pd.DataFrame | None = None
    report: SolveReport | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "assignment", pd.Series(self.assignment, copy=True))
        set_(self, "reps", self.reps.copy())
        set_(self, "measures", self.measures.copy())
        set_(self, "balance_measures", tuple(self.balance_measures))
        for name in ("units", "baseline", "distance", "shared"):
            v = getattr(self, name)
            if v is not None:
                set_(self, name, v.copy())
        problems = _issues(self)
        if problems:
            raise ValidationError(problems)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_assignment(
        cls,
        assignment: Mapping[Hashable, Hashable] | pd.Series,
        *,
        problem: TerritoryProblem | None = None,
        reps: pd.DataFrame | None = None,
        measures: pd.DataFrame | None = None,
        balance_measures: Sequence[str] | None = None,
        units: gpd.GeoDataFrame | None = None,
        baseline: Mapping[Hashable, Hashable] | pd.Series | None = None,
        distance: pd.DataFrame | None = None,
        report: SolveReport | None = None,
    ) -> Alignment:
        """Build an alignment from a plain mapping unit id -> rep id.

        Parameters
        ----------
        assignment : mapping or pandas.Series
            unit id -> rep id.
        problem : TerritoryProblem, optional
            Fills ``reps``, ``measures``, ``balance_measures``, ``units``, ``baseline``
            and ``distance`` (fixed centres) unless given explicitly.
        reps : pandas.DataFrame, optional
            Default: one rep per distinct value, ``fte`` 1, no home.
        measures : pandas.DataFrame, optional
            Default: no measure columns.
        balance_measures, units, baseline, distance, report
            See the class attributes.
        """
        s = (
            assignment.copy()
            if isinstance(assignment, pd.Series)
            else pd.Series(dict(assignment), dtype=object)
        )
        if problem is not None:
            reps = problem.reps if reps is None else reps
            measures = problem.measures if measures is None else measures
            balance_measures = (
                problem.balance_measures if balance_measures is None else balance_measures
            )
            units = problem.units if units is None else units
            if baseline is None and problem.baseline is not None:
                b = np.asarray(problem.baseline)
                baseline = pd.Series(
                    [problem.rep_ids[int(r)] if r >= 0 else None for r in b.tolist()],
                    index=list(problem.unit_ids),
                    dtype=object,
                )
            if distance is None and problem.distance_km is not None and not problem.free_centres:
                distance = pd.DataFrame(
                    np.asarray(problem.distance_km),
                    index=list(problem.unit_ids),
                    columns=list(problem.rep_ids),
                )
        if measures is None:
            measures = pd.DataFrame(index=s.index.copy())
        if reps is None:
            ids = sorted(s.dropna().unique().tolist(), key=str)
            reps = pd.DataFrame(
                {"home": pd.Series([None] * len(ids), dtype=object), "fte": 1.0},
                index=pd.Index(ids, name="rep"),
            )
        base = None
        if baseline is not None:
            base = (
                baseline.copy()
                if isinstance(baseline, pd.Series)
                else pd.Series(dict(baseline), dtype=object)
            )
        return cls(
            assignment=s,
            reps=reps,
            measures=measures,
            balance_measures=tuple(balance_measures or ()),
            units=units,
            baseline=base,
            distance=distance,
            report=report,
        )

    @property
    def centres(self) -> pd.Series:
        """Unit id -> the home unit of its rep: with free centres, the chosen centre unit.

        Free-centre plans label territories ``0..k-1`` (``assignment``); this reads them as
        the centre units they were built around (``reps["home"]``). ``None`` for a rep
        without a home.
        """
        homes = self.reps["home"]
        return pd.Series(
            [homes.get(r) for r in self.assignment.tolist()],
            index=self.assignment.index.copy(),
            name="centre",
            dtype=object,
        )

    # ------------------------------------------------------------------ helpers
    def _allocation(self) -> pd.DataFrame:
        """Units x reps fraction matrix (one-hot, except shared units)."""
        reps = list(self.reps.index)
        units = (
            list(self.measures.index) if len(self.measures.index) else list(self.assignment.index)
        )
        W = pd.DataFrame(0.0, index=pd.Index(units), columns=pd.Index(reps))
        col = {r: k for k, r in enumerate(reps)}
        arr = W.to_numpy(copy=True)
        pos = {u: i for i, u in enumerate(units)}
        for u, r in self.assignment.items():
            if u in pos and r in col:
                arr[pos[u], col[r]] = 1.0
        if self.shared is not None:
            for u, grp in self.shared.groupby("unit"):
                if u in pos:
                    arr[pos[u], :] = 0.0
                    for r, f in zip(grp["rep"], grp["fraction"], strict=True):
                        if r in col:
                            arr[pos[u], col[r]] += float(f)
        return pd.DataFrame(arr, index=W.index, columns=W.columns)

    def _numeric_measures(self) -> list[str]:
        return [c for c in self.measures.columns if pd.api.types.is_numeric_dtype(self.measures[c])]

    def _targets(self) -> pd.DataFrame:
        """FTE-weighted targets, or per rep from ``<measure>_target_share`` columns."""
        from ..problem.rep_targets import target_weights

        measures = list(self.balance_measures)
        totals = self.measures[measures].sum().to_numpy(dtype=float)
        return pd.DataFrame(
            target_weights(self.reps, measures) * totals[None, :],
            index=self.reps.index,
            columns=measures,
        )

    # ------------------------------------------------------------------ tables
    def territory_table(self) -> pd.DataFrame:
        """Per rep: units, each measure, % of target, area, distances from home.

        Returns
        -------
        pandas.DataFrame
            Index rep id; columns ``name`` (if known), ``home``, ``fte``, ``units``, one
            column per measure, ``<measure>_pct_target`` per balance measure (100 = on
            target), ``area_km2`` (if geometry), ``max_km`` and ``mean_km`` from home (if
            distances).
        """
        W = self._allocation()
        out = pd.DataFrame(index=self.reps.index.copy())
        if "name" in self.reps.columns:
            out["name"] = self.reps["name"]
        out["home"] = self.reps["home"]
        out["fte"] = self.reps["fte"].astype(float)
        counts = self.assignment.value_counts()
        out["units"] = [int(counts.get(r, 0)) for r in out.index]
        meas = self._numeric_measures()
        if meas:
            M = self.measures.loc[W.index, meas].to_numpy(dtype=float)
            tot = W.to_numpy().T @ M
            for k, m in enumerate(meas):
                out[m] = tot[:, k]
        T = self._targets()
        for m in self.balance_measures:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"{m}_pct_target"] = 100.0 * out[m] / T[m]
        if self.units is not None:
            geo = self.units.geometry
            metric = to_metric(geo)
            area = pd.Series(np.asarray(metric.area, dtype=float) / 1e6, index=self.units.index)
            a = area.reindex(W.index).fillna(0.0).to_numpy()
            out["area_km2"] = W.to_numpy().T @ a
        if self.distance is not None:
            mx, mean = [], []
            for r in out.index:
                us = self.assignment.index[self.assignment == r]
                if r in self.distance.columns and len(us):
                    d = self.distance.loc[us, r].to_numpy(dtype=float)
                    mx.append(float(d.max()))
                    mean.append(float(d.mean()))
                else:
                    mx.append(np.nan)
                    mean.append(np.nan)
            out["max_km"] = mx
            out["mean_km"] = mean
        out.index.name = "rep"
        return out

    def metrics(self) -> dict[str, float]:
        """Plan metrics.

        Returns
        -------
        dict
            Per balance measure ``m``: ``m_max_min_ratio`` and ``m_cv`` (of the per-FTE
            totals) and ``m_max_dev_pct`` (largest ``|total / target - 1|`` in %);
            ``compactness`` (mean unit-to-home km, NaN without distances),
            ``compactness_max_km``; ``units_changed`` and ``accounts_changed`` (+
            ``accounts_changed_pct``) against the baseline (NaN without one).
        """
        tab = self.territory_table()
        out: dict[str, float] = {}
        fte = tab["fte"].to_numpy(dtype=float)
        bal = list(self.balance_measures)
        dev = max_deviation_pct(tab[bal].to_numpy(dtype=float), self._targets()[bal].to_numpy())
        for k, m in enumerate(bal):
            per = tab[m].to_numpy(dtype=float) / fte
            lo = per.min() if len(per) else np.nan
            out[f"{m}_max_min_ratio"] = float(per.max() / lo) if lo > 0 else float("inf")
            mu = per.mean() if len(per) else np.nan
            out[f"{m}_cv"] = float(per.std(ddof=0) / mu) if mu > 0 else float("nan")
            out[f"{m}_max_dev_pct"] = float(dev[k])
        if self.distance is not None:
            d = [
                float(self.distance.at[u, r])
                for u, r in self.assignment.items()
                if r in self.distance.columns and u in self.distance.index
            ]
            out["compactness"] = float(np.mean(d)) if d else float("nan")
            out["compactness_max_km"] = float(np.max(d)) if d else float("nan")
        else:
            out["compactness"] = float("nan")
            out["compactness_max_km"] = float("nan")
        if self.baseline is not None:
            ch = self.changes()
            out["units_changed"] = float(len(ch))
            if "accounts" in self.measures.columns:
                moved = float(ch["accounts"].sum()) if len(ch) else 0.0
                total = float(self.measures["accounts"].sum())
                out["accounts_changed"] = moved
                out["accounts_changed_pct"] = 100.0 * moved / total if total > 0 else float("nan")
            else:
                out["accounts_changed"] = float("nan")
                out["accounts_changed_pct"] = float("nan")
        else:
            out["units_changed"] = float("nan")
            out["accounts_changed"] = float("nan")
            out["accounts_changed_pct"] = float("nan")
        return out

    def check(self, problem: TerritoryProblem) -> PlanCheck:
        """This plan against ``problem``'s hard constraints (:func:`~.evaluation.check_plan`)."""
        return check_plan(problem, self.assignment)

    def objective(self, problem: TerritoryProblem) -> float:
        """The objective ``problem`` gives this plan (:func:`~territory_opt.plan.evaluation.plan_objective`)."""
        return plan_objective(problem, self.assignment)

    def changes(
        self, baseline: pd.Series | Mapping[Hashable, Hashable] | None = None
    ) -> pd.DataFrame:
        """Units whose rep differs from the baseline.

        Parameters
        ----------
        baseline : pandas.Series or mapping, optional
            unit id -> rep id (default: ``self.baseline``). Units without a baseline rep
            count as changed when they get one.

        Returns
        -------
        pandas.DataFrame
            Columns ``unit``, ``from_rep``, ``to_rep`` and every measure, sorted by unit.
        """
        base = (
            self.baseline
            if baseline is None
            else (
                baseline
                if isinstance(baseline, pd.Series)
                else pd.Series(dict(baseline), dtype=object)
            )
        )
        if base is None:
            raise ValueError("no baseline: pass one, or build the alignment with baseline=.")
        cur = self.assignment
        frm = base.reindex(cur.index)
        diff = [
            u
            for u, a, b in zip(cur.index, cur.to_numpy(), frm.to_numpy(), strict=True)
            if not _same(a, b)
        ]
        out = pd.DataFrame(
            {
                "unit": pd.Series(diff, dtype=object),
                "from_rep": pd.Series([frm.get(u) for u in diff], dtype=object),
                "to_rep": pd.Series([cur.get(u) for u in diff], dtype=object),
            }
        )
        for m in self.measures.columns:
            out[m] = self.measures[m].reindex(diff).to_numpy()
        return out.reset_index(drop=True)

    def diff(self, other: Alignment) -> pd.DataFrame:
        """Units assigned differently in ``other`` (``from_rep``) and in this plan (``to_rep``).

        ``new.diff(old)`` lists the moves from ``old`` to ``new``; same columns as
        :meth:`changes`.
        """
        return self.changes(other.assignment)

    def with_report(self, report: SolveReport) -> Alignment:
        """A copy with another solver report."""
        kw: dict[str, Any] = {f: getattr(self, f) for f in self.__dataclass_fields__}
        kw["report"] = report
        return Alignment(**kw)


def _same(a: Any, b: Any) -> bool:
    if a is None or (isinstance(a, float) and np.isnan(a)):
        return b is None or (isinstance(b, float) and np.isnan(b))
    return bool(a == b)


def _issues(al: Alignment) -> list[InputIssue]:
    """The problems of an alignment: missing ``fte`` or ``home`` columns, unknown reps,
    unassigned units, unknown balance measures, shared fractions that do not sum to 1."""
    problems: list[InputIssue] = []
    if "fte" not in al.reps.columns:
        problems.append(
            InputIssue(
                "reps",
                "column 'fte'",
                "is missing.",
                "add an 'fte' column (1.0 per full-time rep).",
            )
        )
    if "home" not in al.reps.columns:
        problems.append(
            InputIssue(
                "reps", "column 'home'", "is missing.", "add a 'home' column (unit id or None)."
            )
        )
    unknown = sorted({str(r) for r in al.assignment.dropna().unique() if r not in al.reps.index})
    if unknown:
        problems.append(
            InputIssue(
                "reps",
                f"reps {', '.join(unknown[:5])}",
                "appear in the assignment but not in the reps table.",
                "add them to reps.",
            )
        )
    missing = [u for u in al.measures.index if u not in al.assignment.index]
    if missing:
        problems.append(
            InputIssue(
                "units",
                f"units {', '.join(map(str, missing[:5]))}",
                f"{len(missing)} unit(s) have no rep.",
                "assign every unit.",
            )
        )
    if al.assignment.isna().any():
        na = al.assignment.index[al.assignment.isna()].tolist()
        problems.append(
            InputIssue(
                "units",
                f"units {', '.join(map(str, na[:5]))}",
                "have no rep.",
                "assign every unit.",
            )
        )
    for m in al.balance_measures:
        if m not in al.measures.columns:
            problems.append(
                InputIssue(
                    "settings",
                    f"balance measure {m!r}",
                    "is not a measure column.",
                    f"use one of {list(al.measures.columns)}.",
                )
            )
    if al.shared is not None and len(al.shared):
        sums = al.shared.groupby("unit")["fraction"].sum()
        bad = sums.index[(sums - 1.0).abs() > 1e-6].tolist()
        if bad:
            problems.append(
                InputIssue(
                    "units",
                    f"shared units {', '.join(map(str, bad[:5]))}",
                    "fractions do not sum to 1.",
                    "normalise the fractions.",
                )
            )
    return problems
