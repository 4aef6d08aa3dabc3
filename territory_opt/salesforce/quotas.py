"""Quotas: split a company objective over territories, exactly, in whole steps, within floors and caps."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..data.apportionment import largest_remainder
from ..exceptions import InputIssue, ValidationError
from ._input_checks import _few
from ._territory_frame import _assignment, _check_units_covered, _ratio, _territories
from .smart_objectives import METRICS, Objective

__all__ = [
    "allocate",
    "quota_table",
    "split_objective",
]


def _per_territory(
    value: float | Mapping[Hashable, float] | pd.Series | None,
    index: pd.Index,
    default: float,
    name: str,
) -> np.ndarray:
    if value is None:
        return np.full(len(index), default, dtype=float)
    if isinstance(value, int | float | np.integer | np.floating):
        return np.full(len(index), float(value), dtype=float)
    s = pd.Series(value, dtype=float) if not isinstance(value, pd.Series) else value.astype(float)
    extra = s.index.difference(index)
    if len(extra):
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    name,
                    f"names territories that have no weight: {_few(extra)}.",
                    "use the territories' ids.",
                )
            ]
        )
    return s.reindex(index).fillna(default).to_numpy(dtype=float)


def allocate(
    weights: pd.Series | Mapping[Hashable, float],
    total: float,
    *,
    floors: float | Mapping[Hashable, float] | pd.Series | None = None,
    caps: float | Mapping[Hashable, float] | pd.Series | None = None,
    step: float = 1.0,
) -> pd.Series:
    r"""Split ``total`` over territories in proportion to ``weights``, exactly, in whole steps.

    The continuous split is the water-filling solution
    :math:`x_t = \min(c_t, \max(f_t, \lambda w_t))` with :math:`\lambda` chosen so that
    :math:`\sum_t x_t = N` (everything in steps, :math:`N = \text{total}/\text{step}`):
    territories whose proportional share falls below their floor get the floor, those above
    their cap get the cap, the rest share what is left in proportion to their weights.
    Each :math:`x_t` is then rounded down and the :math:`N - \sum_t \lfloor x_t \rfloor`
    missing steps go to the largest fractional parts (Hamilton's largest-remainder method;
    ties: larger weight first, then order). Floors are rounded up and caps down to whole
    steps, so every quota is a multiple of ``step``, within its floor and cap, and the quotas
    sum to ``N`` steps exactly.

    Parameters
    ----------
    weights : Series or mapping
        Territory -> weight (>= 0), e.g. potential. If all are 0, equal weights are used.
    total : float
        Company objective; must be a whole number of ``step``.
    floors, caps : float, mapping or Series, optional
        Minimum and maximum quota, one number for all or per territory (missing: no bound).
    step : float
        Rounding unit (e.g. 1 for 1 k€ or one customer, 10 for 10 k€).

    Returns
    -------
    pandas.Series
        Territory -> quota (float, a multiple of ``step``), named ``quota``, in the order of
        ``weights``.

    Raises
    ------
    ValidationError
        Negative or non-finite weights, ``step <= 0``, ``total`` not a multiple of ``step``,
        a floor above its cap, floors summing above ``total`` or caps below it.

    Examples
    --------
    >>> allocate(pd.Series({"A": 7, "B": 5, "C": 3}), 100).tolist()
    [47.0, 33.0, 20.0]
    """
    w_s = (
        pd.Series(weights, dtype=float)
        if not isinstance(weights, pd.Series)
        else weights.astype(float)
    )
    units = _allocate_steps(w_s, total, floors=floors, caps=caps, step=step)[0]
    return pd.Series(units * float(step), index=w_s.index, name="quota")


def _allocate_steps(
    w_s: pd.Series,
    total: float,
    *,
    floors: float | Mapping[Hashable, float] | pd.Series | None,
    caps: float | Mapping[Hashable, float] | pd.Series | None,
    step: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quotas in whole steps (int array), the continuous split, floors and caps (in steps)."""
    w = w_s.to_numpy(dtype=float)
    _check_allocation(w_s, w, total, step)
    n_steps = _whole_steps(total, step)
    f_u, c_u = _step_bounds(w_s.index, total, n_steps, floors=floors, caps=caps, step=step)
    if not np.any(w > 0):
        w = np.ones_like(w)
    x = _water_fill(w, f_u, c_u, float(n_steps), w_s.index)
    base = largest_remainder(x, n_steps, weights=w, lower=f_u, upper=c_u)
    return base, x, f_u, c_u


def _check_allocation(w_s: pd.Series, w: np.ndarray, total: float, step: float) -> None:
    """Refuse no territory, negative or missing weights, a bad step or a bad total."""
    problems: list[InputIssue] = []
    if len(w) == 0:
        problems.append(
            InputIssue(
                "settings",
                "weights",
                "no territory to allocate to.",
                "give at least one territory.",
            )
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        bad = w_s.index[~np.isfinite(w) | (w < 0)]
        problems.append(
            InputIssue(
                "settings",
                "weights",
                f"negative or missing weights for {_few(bad)}.",
                "give weights >= 0.",
            )
        )
    if not (isinstance(step, int | float) and math.isfinite(step) and step > 0):
        problems.append(
            InputIssue(
                "settings", "step", f"step is {step!r}.", "give a rounding step > 0, e.g. 1."
            )
        )
    if not (
        isinstance(total, int | float | np.integer | np.floating)
        and math.isfinite(total)
        and total >= 0
    ):
        problems.append(
            InputIssue(
                "settings", "total", f"total is {total!r}.", "give a company objective >= 0."
            )
        )
    if problems:
        raise ValidationError(problems)


def _whole_steps(total: float, step: float) -> int:
    """``total`` in steps; refused when it is not a whole number of them."""
    n_steps = round(total / step)
    if abs(n_steps * step - total) > 1e-9 * max(1.0, abs(total)):
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    "total",
                    f"the objective {total} is not a whole number of steps of {step}.",
                    f"round the objective to a multiple of {step} (e.g. {n_steps * step:g}) or choose a step that divides it.",
                )
            ]
        )
    return n_steps


def _step_bounds(
    index: pd.Index,
    total: float,
    n_steps: int,
    *,
    floors: float | Mapping[Hashable, float] | pd.Series | None,
    caps: float | Mapping[Hashable, float] | pd.Series | None,
    step: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Floors rounded up and caps rounded down to whole steps, refused when they clash."""
    problems: list[InputIssue] = []
    f = _per_territory(floors, index, 0.0, "floors")
    c = _per_territory(caps, index, math.inf, "caps")
    f_u = np.ceil(np.maximum(f, 0.0) / step - 1e-9)
    c_u = np.where(np.isinf(c), np.inf, np.floor(c / step + 1e-9))
    bad = f_u > c_u
    if bad.any():
        problems.append(
            InputIssue(
                "settings",
                "floors/caps",
                f"floor above cap (in whole steps) for {_few(index[bad])}.",
                "lower the floor or raise the cap.",
            )
        )
    if f_u.sum() > n_steps:
        problems.append(
            InputIssue(
                "settings",
                "floors",
                f"floors add up to {f_u.sum() * step:g}, above the objective {total:g}.",
                "lower the floors or raise the objective.",
            )
        )
    if c_u.sum() < n_steps:
        problems.append(
            InputIssue(
                "settings",
                "caps",
                f"caps add up to {c_u.sum() * step:g}, below the objective {total:g}.",
                "raise the caps or lower the objective.",
            )
        )
    if problems:
        raise ValidationError(problems)
    return f_u, c_u


def _water_fill(
    w: np.ndarray, f: np.ndarray, c: np.ndarray, n: float, index: pd.Index
) -> np.ndarray:
    """``clip(lam * w, f, c)`` with the ``lam`` that makes it sum to ``n`` (exact, piecewise linear)."""
    pos = w > 0
    bps = {0.0}
    bps.update((f[pos] / w[pos]).tolist())
    fin = pos & np.isfinite(c)
    bps.update((c[fin] / w[fin]).tolist())
    lam = np.array(sorted(bps))
    vals = np.clip(lam[:, None] * w[None, :], f[None, :], c[None, :]).sum(axis=1)
    if n <= vals[-1]:
        k = int(np.searchsorted(vals, n, side="left"))
        if k == 0 or vals[k] == n:
            lam_star = float(lam[k])
        else:
            lam_star = float(
                lam[k - 1] + (n - vals[k - 1]) * (lam[k] - lam[k - 1]) / (vals[k] - vals[k - 1])
            )
    else:
        slope = float(w[pos & np.isinf(c)].sum())
        if slope == 0.0:
            stuck = index[~pos]
            raise ValidationError(
                [
                    InputIssue(
                        "settings",
                        "caps",
                        f"the territories with a positive weight are all at their cap; the rest ({_few(stuck)}) "
                        "have weight 0 and keep their floor.",
                        "raise the caps, or give those territories a positive weight or a higher floor.",
                    )
                ]
            )
        lam_star = float(lam[-1] + (n - vals[-1]) / slope)
    return np.clip(lam_star * w, f, c)


def _basis_weights(
    units: pd.DataFrame, assign: pd.Series, basis: str | Mapping[str, float], territories: pd.Index
) -> pd.DataFrame:
    """Per-territory basis columns and the combined ``weight`` (a share, summing to 1)."""
    spec: dict[str, float] = (
        {basis: 1.0} if isinstance(basis, str) else {str(k): float(v) for k, v in basis.items()}
    )
    problems: list[InputIssue] = []
    for col, bw in spec.items():
        if col not in units.columns:
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}",
                    "is not in the units table.",
                    f"use one of {_few([c for c in units.columns if c != 'geometry'], 12)}.",
                )
            )
        if not math.isfinite(bw) or bw < 0:
            problems.append(
                InputIssue(
                    "settings",
                    "basis",
                    f"blend weight of {col!r} is {bw}.",
                    "give blend weights >= 0.",
                )
            )
    if not problems and sum(spec.values()) <= 0:
        problems.append(
            InputIssue(
                "settings",
                "basis",
                "blend weights add up to 0.",
                "give at least one positive blend weight.",
            )
        )
    if problems:
        raise ValidationError(problems)
    _check_units_covered(units, assign)
    out = pd.DataFrame(index=territories)
    weight = np.zeros(len(territories))
    total_bw = sum(spec.values())
    for col, bw in spec.items():
        by_t = pd.to_numeric(units[col], errors="coerce").groupby(assign.reindex(units.index)).sum()
        by_t = by_t.reindex(territories, fill_value=0.0).astype(float)
        if (by_t < 0).any() or by_t.isna().any():
            raise ValidationError(
                [
                    InputIssue(
                        "units",
                        f"column {col!r}",
                        "has negative or missing values.",
                        "give values >= 0.",
                    )
                ]
            )
        out[col] = by_t.to_numpy()
        s = by_t.sum()
        if s > 0:
            weight += (bw / total_bw) * by_t.to_numpy() / s
    out["weight"] = weight / weight.sum() if weight.sum() > 0 else weight
    return out


def quota_table(
    objective: Objective,
    alignment: Any,
    units: pd.DataFrame,
    *,
    basis: str | Mapping[str, float] = "potential",
    floors: float | Mapping[Hashable, float] | pd.Series | None = None,
    caps: float | Mapping[Hashable, float] | pd.Series | None = None,
    step: float = 1.0,
    reps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split a company objective over the territories of an alignment.

    Parameters
    ----------
    objective : Objective
        Company objective of an additive metric (revenue, new accounts, visits).
    alignment : Alignment or pandas.Series
        Unit -> rep (an object with ``.assignment`` or the Series itself).
    units : pandas.DataFrame
        Indexed by unit id, holding the basis column(s). Not modified.
    basis : str or mapping
        A unit column (``"potential"``, ``"workload"``, ``"accounts"``...) or a blend
        ``{"potential": 0.7, "workload": 0.3}`` of the columns' shares.
    floors, caps, step
        See :func:`allocate`.
    reps : pandas.DataFrame, optional
        Reps table (index rep id, optional ``name``): fixes the territory order and gives
        reps without units a (zero-weight) line.

    Returns
    -------
    pandas.DataFrame
        Index territory; the basis column(s), ``weight`` (share, sums to 1), ``exact``
        (continuous split), ``floor``, ``cap``, ``quota`` (sums exactly to the target) and,
        for a revenue objective with potential, ``required_penetration`` = quota / potential
        (a quick achievability check).

    Raises
    ------
    ValidationError
        Non-additive metric, bad basis, units outside the alignment, infeasible floors/caps.
    """
    if not METRICS[objective.metric][1]:
        raise ValidationError(
            [
                InputIssue(
                    "objective",
                    f"objective {objective.name!r}",
                    f"metric {objective.metric!r} is a ratio and does not split over territories.",
                    "give each territory the company ratio as its own objective instead.",
                )
            ]
        )
    assign = _assignment(alignment)
    territories = _territories(assign, reps)
    table = _basis_weights(units, assign, basis, territories)
    units_steps, exact, f_u, c_u = _allocate_steps(
        table["weight"], float(objective.target), floors=floors, caps=caps, step=step
    )
    out = table.copy()
    out["exact"] = exact * step
    out["floor"] = f_u * step
    out["cap"] = c_u * step
    out["quota"] = units_steps * float(step)
    if objective.metric == "revenue" and "potential" in units.columns:
        pot = (
            pd.to_numeric(units["potential"])
            .groupby(assign.reindex(units.index))
            .sum()
            .reindex(territories, fill_value=0.0)
        )
        out["required_penetration"] = _ratio(out["quota"], pot)
    if reps is not None and "name" in reps.columns:
        out.insert(0, "rep_name", reps["name"].reindex(territories))
    out.index.name = "territory"
    return out


def split_objective(
    objective: Objective, quotas: pd.Series | pd.DataFrame
) -> dict[Hashable, Objective]:
    """One objective per territory, owned by its rep, with the quota as target.

    Parameters
    ----------
    objective : Objective
        The company objective.
    quotas : pandas.Series or pandas.DataFrame
        Territory -> quota, or a :func:`quota_table` (its ``quota`` column).

    Returns
    -------
    dict
        Territory id -> :class:`Objective` (same metric, period and description).
    """
    q = quotas["quota"] if isinstance(quotas, pd.DataFrame) else quotas
    return {
        t: replace(objective, name=f"{objective.name} - {t}", target=float(v), owner=str(t))
        for t, v in q.items()
    }
