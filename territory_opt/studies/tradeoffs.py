"""Trade-offs on one page: balance tolerance x accounts changing rep x travel.

:func:`tradeoff_surface` solves one Pareto curve (:func:`~territory_opt.studies.scenarios.pareto_curve`,
an ε-constraint on the accounts changing rep) per balance tolerance, and measures every
plan with :func:`territory_opt.plan.plan_quality`; :func:`non_dominated` flags the points
no other point beats on every axis (balance reached, accounts changed, mean travel);
:func:`plot_tradeoffs` draws them (matplotlib, PNG). Every point keeps its plan
(``surface.attrs["alignments"][row]``), ready for :func:`territory_opt.export_plan` and
the maps.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..plan.alignment import Alignment
from ..plan.quality import plan_quality
from .pareto import pareto_curve
from .study import Study

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["TRADEOFF_AXES", "non_dominated", "plot_tradeoffs", "tradeoff_surface"]

logger = logging.getLogger(__name__)

#: the axes of the surface, all minimized
TRADEOFF_AXES = ("balance_dev_pct", "accounts_changed", "travel_mean_account")


def non_dominated(frame: pd.DataFrame, columns: Sequence[str] = TRADEOFF_AXES) -> pd.Series:
    """True for the rows that no other row beats: <= on every column and < on one.

    Rows with a NaN in ``columns`` (no plan) are never efficient and never dominate.
    """
    X = frame[list(columns)].to_numpy(dtype=float)
    ok = np.isfinite(X).all(axis=1)
    eff = ok.copy()
    tol = 1e-9 * np.maximum(1.0, np.abs(X[ok]).max(axis=0)) if ok.any() else 0.0
    for i in np.flatnonzero(ok):
        others = X[ok]
        le = (others <= X[i] + tol).all(axis=1)
        lt = (others < X[i] - tol).any(axis=1)
        if (le & lt).any():
            eff[i] = False
    return pd.Series(eff, index=frame.index, name="efficient")


def tradeoff_surface(
    study: Study,
    tolerances: Sequence[float],
    budgets: Sequence[float | str],
    *,
    reps: pd.DataFrame | None = None,
    travel: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One Pareto curve per balance tolerance, every plan measured the same way.

    Parameters
    ----------
    study : Study
        Inputs and solver settings (``solve_settings["time_limit"]`` is per point).
    tolerances : sequence of float
        Relative balance tolerances (``0.05`` = ±5 %), applied to every balanced measure.
    budgets : sequence
        Disruption budgets (accounts, or ``"10%"``), as for
        :func:`~territory_opt.studies.scenarios.pareto_curve`.
    reps : pandas.DataFrame, optional
        Another sales force (default the study's).
    travel : pandas.DataFrame, optional
        Unit x rep minutes (or km) for the travel figures (default the plans' km).

    Returns
    -------
    pandas.DataFrame
        One row per (tolerance, budget): ``tolerance_pct``, ``budget``, ``status``,
        ``balance_dev_pct`` (worst deviation from target over the balanced measures),
        ``accounts_changed``, ``accounts_changed_pct``, ``travel_mean_account``,
        ``travel_p95_account``, ``pp_mean``, ``objective``, ``bound``, ``gap`` and
        ``efficient`` (:func:`non_dominated` on :data:`TRADEOFF_AXES`); a point without a
        valid plan has NaN figures. ``attrs["alignments"]`` maps the row index to the
        point's :class:`Alignment`.
    """
    rows: list[dict[str, Any]] = []
    plans: dict[int, Alignment] = {}
    for tol in tolerances:
        s = dataclasses.replace(
            study,
            balance=dict.fromkeys(study.balance, float(tol)),
            solve_settings={**dict(study.solve_settings), "raise_infeasible": False},
        )
        curve = pareto_curve(s, budgets, reps=reps)
        assignments = curve.attrs.get("plans", {})
        problem = s.problem(reps)
        for _, point in curve.iterrows():
            row: dict[str, Any] = {
                "tolerance_pct": 100.0 * float(tol),
                "budget": point["budget"],
                "status": point["status"],
                "objective": point.get("objective", np.nan),
                "bound": point.get("bound", np.nan),
                "gap": point.get("gap", np.nan),
            }
            plan = assignments.get(point["budget"])
            if plan is not None:
                al = Alignment.from_assignment(plan, problem=problem)
                q = plan_quality(al, travel=travel)
                row.update(
                    balance_dev_pct=max(q[f"{m}_max_dev_pct"] for m in s.balance),
                    accounts_changed=q.get("accounts_changed", np.nan),
                    accounts_changed_pct=q.get("accounts_changed_pct", np.nan),
                    travel_mean_account=q["travel_mean_account"],
                    travel_p95_account=q["travel_p95_account"],
                    pp_mean=q.get("pp_mean", np.nan),
                )
                plans[len(rows)] = al
            rows.append(row)
    out = pd.DataFrame(rows)
    figures = ("accounts_changed_pct", "travel_p95_account", "pp_mean")
    for c in (*TRADEOFF_AXES, *figures):
        if c not in out.columns:
            out[c] = np.nan
    out["efficient"] = non_dominated(out)
    out.attrs["alignments"] = plans
    return out


def plot_tradeoffs(
    surface: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    travel_unit: str = "km",
) -> Figure:
    """Accounts changing rep (x) vs mean travel (y), one colour per tolerance.

    Efficient points (``surface["efficient"]``) are filled and labelled with their
    balance reached; dominated points are hollow. Written as PNG when ``path`` is given.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    ok = surface.dropna(subset=["accounts_changed_pct", "travel_mean_account"])
    cmap = plt.get_cmap("viridis")
    tols = sorted(ok["tolerance_pct"].unique()) if len(ok) else []
    for k, tol in enumerate(tols):
        part = ok[ok["tolerance_pct"] == tol].sort_values("accounts_changed_pct")
        color = cmap(k / max(1, len(tols) - 1))
        ax.plot(part["accounts_changed_pct"], part["travel_mean_account"], color=color, lw=1)
        eff = part[part["efficient"]]
        dom = part[~part["efficient"]]
        ax.scatter(eff["accounts_changed_pct"], eff["travel_mean_account"], color=color,
                   s=40, zorder=3, label=f"±{tol:g} %")  # fmt: skip
        ax.scatter(dom["accounts_changed_pct"], dom["travel_mean_account"], facecolors="none",
                   edgecolors=color, s=40, zorder=3)  # fmt: skip
        for _, r in eff.iterrows():
            ax.annotate(f"{r['balance_dev_pct']:.1f} %", (r["accounts_changed_pct"],
                        r["travel_mean_account"]), textcoords="offset points", xytext=(4, 4),
                        fontsize=7, color=color)  # fmt: skip
    ax.set_xlabel("accounts changing rep (%)")
    ax.set_ylabel(f"mean {travel_unit} home → account")
    ax.set_title("Trade-offs: balance tolerance × continuity × travel\n"
                 "(filled: not dominated; label: worst deviation from target)", fontsize=9)  # fmt: skip
    ax.grid(alpha=0.3)
    if tols:
        ax.legend(title="balance", fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(os.fspath(path))
    return fig
