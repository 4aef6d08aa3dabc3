r"""Regions of a decomposition: seats per region, clean region labels, one sub-problem per region.

Pieces
------
Each region gets the reps whose homes lie in it (fixed homes: a rep cannot serve a
region it does not live in without crossing a seam). A region's FTE share rarely equals
its share of the workload: with national target :math:`t_m = A_m / F` per FTE and
regional :math:`t_{gm} = A_{gm} / F_g`, a region's territories balanced within
:math:`\pm\tau_g` of *its* targets stay within the national :math:`\pm\tau` iff

.. math:: \tau_g \le \min\!\big(1 - (1-\tau)/\rho_g,\ (1+\tau)/\rho_g - 1\big),
          \qquad \rho_g = t_{gm} / t_m,

so each piece's relative tolerance is tightened to that value (floored at
``min_tolerance_share`` × τ so the piece stays solvable). A region whose ratio lies
outside the national band (:math:`\rho_g \notin [1-\tau, 1+\tau]`) cannot meet the
national bounds on its own: it is solved around its own targets, flagged, and the
repair has to move workload across its border. Use :func:`apportion` beforehand to give
regions reps in proportion to their workload. Units cut off from every home of their
region (enclaves, a region without reps) join the neighbouring region they share most
borders with; a locked unit joins its rep's region.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from ..data.apportionment import largest_remainder
from ..exceptions import InputIssue, ValidationError
from ..problem.territory_problem import Balance, TerritoryProblem
from ._unit_graph import same_key_parts, unit_adjacency

logger = logging.getLogger(__name__)

__all__ = [
    "apportion",
    "region_pieces",
]


def apportion(weights: pd.Series | Mapping[Hashable, float], total: int) -> pd.Series:
    """Split ``total`` seats in proportion to ``weights`` (largest remainder, Hamilton).

    Parameters
    ----------
    weights : pandas.Series or mapping
        Non-negative weight per group (e.g. workload per region).
    total : int
        Number of seats (reps) to share.

    Returns
    -------
    pandas.Series
        Integer seats per group, summing to ``total``; equal remainders go to the
        larger weight, then to the first group (:func:`~territory_opt.data.apportionment.largest_remainder`).
    """
    w = pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else weights
    w = w.astype(float)
    if (w < 0).any() or not np.isfinite(w.to_numpy()).all() or w.sum() <= 0:
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    "weights",
                    "must be finite, non-negative and not all zero.",
                    "pass e.g. the workload per region.",
                )
            ]
        )
    if total < 0:
        raise ValidationError(
            [InputIssue("settings", f"total={total}", "must be >= 0.", "pass a seat count.")]
        )
    quota = (w / w.sum() * total).to_numpy()
    seats = largest_remainder(quota, total, weights=w.to_numpy())
    return pd.Series(seats, index=w.index.copy(), name="seats")


def _region_labels(
    problem: TerritoryProblem, regions: pd.Series | Mapping[Hashable, Hashable]
) -> np.ndarray:
    """Region label per unit (model order) as a numpy object array, after cleaning."""
    s = regions if isinstance(regions, pd.Series) else pd.Series(dict(regions), dtype=object)
    s = s.reindex(list(problem.unit_ids))
    if s.isna().any():
        missing = s.index[s.isna()].tolist()
        raise ValidationError(
            [
                InputIssue(
                    "units",
                    f"units {', '.join(map(str, missing[:5]))}",
                    f"{len(missing)} unit(s) have no region.",
                    "give every unit a region label.",
                )
            ]
        )
    lab = s.to_numpy(dtype=object).copy()
    for i, c in problem.locks:  # a locked unit goes with its rep's home
        h = int(problem.roots[c])
        if h >= 0:
            lab[i] = lab[h]
    nb = problem.neighbors()
    adj = unit_adjacency(problem)
    homes = {int(r) for r in problem.roots.tolist() if r >= 0}
    for _ in range(problem.n_units):  # each pass merges every orphan group once
        orphans = _orphan_groups(adj, lab, homes)
        if not orphans:
            break
        changed = False
        for comp in orphans:
            counts: dict[Hashable, int] = {}
            own = lab[comp[0]]
            cset = set(comp)
            for v in comp:
                for w in nb[v].tolist():
                    if w not in cset and lab[w] != own:
                        counts[lab[w]] = counts.get(lab[w], 0) + 1
            if not counts:
                continue
            target = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
            logger.info(
                "%d unit(s) of region %r cannot reach a home of their region: moved to region %r",
                len(comp),
                own,
                target,
            )
            lab[comp] = target
            changed = True
        if not changed:
            break
    orphans = _orphan_groups(adj, lab, homes)
    if orphans:
        units = [problem.unit_ids[i] for i in orphans[0][:5]]
        raise ValidationError(
            [
                InputIssue(
                    "units",
                    f"units {', '.join(map(str, units))}",
                    "no rep home can reach them through the graph.",
                    "bridge islands or add reps.",
                )
            ]
        )
    return lab


def _orphan_groups(adj: sparse.csr_array, lab: np.ndarray, homes: set[int]) -> list[list[int]]:
    """Connected groups of same-region units holding no home, by smallest member."""
    return [
        part.tolist() for part in same_key_parts(adj, lab) if not homes.intersection(part.tolist())
    ]


def _piece_balance(
    problem: TerritoryProblem,
    units: np.ndarray,
    cols: np.ndarray,
    min_share: float,
) -> tuple[tuple[Balance, ...], list[str]]:
    """Balance specs of a piece: relative tolerances tightened to fit the national bounds."""
    notes: list[str] = []
    if not problem.balance:
        return (), notes
    M = problem.balance_matrix()
    fte = problem.reps["fte"].to_numpy(dtype=float)
    out = []
    for m, b in enumerate(problem.balance):
        if b.tolerance is None:
            out.append(b)
            continue
        tot = float(M[:, m].sum())
        part = float(M[units, m].sum())
        if tot <= 0 or part <= 0:
            out.append(b)
            continue
        rho = (part / fte[cols].sum()) / (tot / fte.sum())
        tau = b.tolerance
        fit = min(1.0 - (1.0 - tau) / rho, (1.0 + tau) / rho - 1.0)
        new_tau = float(min(tau, max(fit, min_share * tau)))
        if fit < min_share * tau:
            notes.append(
                f"{b.measure!r} per FTE is {100 * (rho - 1):+.1f} % off the national ratio: "
                f"the piece cannot meet the national ±{100 * tau:g} % alone"
                + ("" if fit > 0 else " (the seam repair must move workload across its border)")
            )
        out.append(dataclasses.replace(b, tolerance=new_tau))
    return tuple(out), notes


def region_pieces(
    problem: TerritoryProblem,
    regions: pd.Series | Mapping[Hashable, Hashable],
    *,
    min_tolerance_share: float = 0.3,
) -> dict[Hashable, tuple[TerritoryProblem, list[str]]]:
    """Split a fixed-centre problem into one sub-problem per region.

    Parameters
    ----------
    problem : TerritoryProblem
        Fixed centres (reps with homes); not modified.
    regions : pandas.Series or mapping
        unit id -> region label. Cleaned: groups of units that cannot reach a home of
        their region join a neighbouring region; locked units join their rep's region.
    min_tolerance_share : float
        Floor of a piece's tightened tolerance, as a share of the national one.

    Returns
    -------
    dict
        region -> (piece problem, notes). A piece holds the region's units, the reps whose
        homes lie in it, the induced graph, its share of a disruption budget and the
        tightened relative tolerances (module doc).
    """
    if problem.free_centres:
        raise ValidationError(
            [
                InputIssue(
                    "reps",
                    "free centres",
                    "decomposition needs reps with homes (fixed centres).",
                    "give each rep a home, e.g. from a first solve with free centres.",
                )
            ]
        )
    if (problem.roots < 0).any():
        raise ValidationError(
            [
                InputIssue(
                    "reps",
                    "home",
                    "decomposition needs a home unit for every rep.",
                    "give each rep a home unit.",
                )
            ]
        )
    lab = _region_labels(problem, regions)
    col_region = lab[problem.roots]
    out: dict[Hashable, tuple[TerritoryProblem, list[str]]] = {}
    v = problem.disruption_values()
    for g in sorted(set(lab.tolist()), key=str):
        units = np.flatnonzero(lab == g)
        cols = np.flatnonzero(col_region == g)
        if len(cols) == 0:  # cannot happen after cleaning, kept as a guard
            raise ValidationError(f"region {g!r} has no rep home.")
        out[g] = _piece(problem, units, cols, v, min_tolerance_share)
    return out


def _piece(
    problem: TerritoryProblem,
    units: np.ndarray,
    cols: np.ndarray,
    v: np.ndarray | None,
    min_share: float,
) -> tuple[TerritoryProblem, list[str]]:
    unit_pos = np.full(problem.n_units, -1, dtype=np.int64)
    unit_pos[units] = np.arange(len(units))
    col_pos = np.full(problem.n_columns, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    ids = [problem.unit_ids[i] for i in units.tolist()]
    balance, notes = _piece_balance(problem, units, cols, min_share)
    baseline = None
    if problem.baseline is not None:
        b = np.asarray(problem.baseline)[units]
        baseline = np.where(b >= 0, col_pos[np.clip(b, 0, None)], -1)
    budget = problem.disruption_budget
    if budget is not None and v is not None:
        share = float(v[units].sum()) / max(float(v.sum()), 1e-12)
        budget = budget * share
    locks = tuple(
        (int(unit_pos[i]), int(col_pos[c]))
        for i, c in problem.locks
        if unit_pos[i] >= 0 and col_pos[c] >= 0
    )
    graph = None if problem.graph is None else problem.graph.subgraph(ids).copy()
    geo = None if problem.units is None else problem.units.loc[ids]
    dist = None if problem.distance_km is None else np.asarray(problem.distance_km)[units][:, cols]
    piece = dataclasses.replace(
        problem,
        unit_ids=tuple(ids),
        reps=problem.reps.iloc[cols].copy(),
        measures=problem.measures.iloc[units].copy(),
        cost=np.asarray(problem.cost)[units][:, cols],
        roots=unit_pos[problem.roots[cols]],
        balance=balance,
        baseline=baseline,
        disruption_budget=budget,
        locks=locks,
        graph=graph,
        units=geo,
        distance_km=dist,
        _cache={},
    )
    return piece, notes
