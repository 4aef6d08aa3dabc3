"""Free-centre districting instances for :mod:`exact` (the Hess p-median model).

Every instance: ``k`` free centres chosen among all units, objective
:math:`\\sum_i p_i\\, h(i, c)^2` (``p`` the population, ``h`` the hop distance in the unit
graph, Hess et al. 1965), population within ±0.5 % of ``P / k``, territories connected
(``contiguity="cuts"``; the ``"flow"`` rows swap it for the flow model).

Graphs:

* **communes**: the real communes of one EPCI (intercommunality) read with
  :func:`territory_opt.load_communes` (offline source files; rook adjacency, islands
  bridged), population from the source;
* **delaunay**: the Delaunay triangulation of ``n`` seeded random points in the unit
  square (planar), populations drawn from 1..100 (seeded).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import Delaunay

import territory_opt as to
from territory_opt.problem.territory_problem import TerritoryProblem

TOLERANCE = 0.005


@dataclass(frozen=True)
class Instance:
    """One free-centre districting instance (built on demand)."""

    name: str
    source: str  # "epci:<code>@<dep>" or "delaunay:<n>:<seed>"
    k: int

    def build(self) -> TerritoryProblem:
        """The :class:`TerritoryProblem` (``contiguity="cuts"``)."""
        kind, spec = self.source.split(":", 1)
        if kind == "epci":
            return communes_problem(spec, self.k)
        n, seed = (int(v) for v in spec.split(":"))
        return delaunay_problem(n, seed, self.k)


def delaunay_graph(n: int, seed: int) -> nx.Graph:
    """Delaunay triangulation of ``n`` random points; node attribute ``population``."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    pop = rng.integers(1, 101, n)
    G = nx.Graph()
    for i in range(n):
        G.add_node(i, population=float(pop[i]))
    for s in Delaunay(pts).simplices:
        G.add_edges_from(itertools.combinations(s.tolist(), 2))
    return G


def delaunay_problem(n: int, seed: int, k: int, tol: float = TOLERANCE) -> TerritoryProblem:
    """Hess model with hop distances on :func:`delaunay_graph`."""
    return TerritoryProblem.from_graph(
        delaunay_graph(n, seed), centres=k, measures=["population"], cost="hops",
        balance={"population": tol}, weight="population", power=2, contiguity="cuts",
    )  # fmt: skip


def communes_problem(spec: str, k: int, tol: float = TOLERANCE) -> TerritoryProblem:
    """Hess model with hop distances on the communes of EPCI ``spec = "<code>@<dep>"``."""
    code, dep = spec.split("@")
    g = to.load_communes([dep])
    units = g[g["epci"].astype(str) == code][["population", "geometry"]].copy()
    units["population"] = units["population"].astype(float)
    return TerritoryProblem.from_geodataframe(
        units, centres=k, measures=["population"], cost="hops",
        balance={"population": tol}, weight="population", power=2, contiguity="cuts",
    )  # fmt: skip


def epci_table(deps: list[str]) -> pd.DataFrame:
    """Size, population and largest commune's share of every EPCI of ``deps`` (to pick)."""
    g = to.load_communes(deps)
    t = g.groupby(["epci", "departement"]).agg(
        n=("population", "size"), pop=("population", "sum"), largest=("population", "max")
    )
    t["share"] = t["largest"] / t["pop"]
    return t.reset_index()


INSTANCES = [
    Instance("cc-31 (61)", "epci:200035103@61", 2),
    Instance("cc-31 (61)", "epci:200035103@61", 4),
    Instance("cc-51 (27)", "epci:200066017@27", 3),
    Instance("cc-79 (76)", "epci:200068534@76", 5),
    Instance("cc-95 (50)", "epci:200069425@50", 8),
    Instance("delaunay-30", "delaunay:30:1", 3),
    Instance("delaunay-30", "delaunay:30:1", 6),
    Instance("delaunay-60", "delaunay:60:2", 4),
    Instance("delaunay-90", "delaunay:90:3", 7),
    Instance("delaunay-120", "delaunay:120:4", 8),
]
"""The benchmark's instances: four EPCIs (communautés de communes, the département in
brackets) and four Delaunay graphs, ``k`` from 2 to 8."""

SOLVERS = {
    "scip": ("scip", "cuts"),
    "highs-flow": ("highs", "flow"),
    "highs-cuts": ("highs", "cuts"),
    "cbc-flow": ("cbc", "flow"),
    "cbc-cuts": ("cbc", "cuts"),
}
"""Back-end names of the districting rows: (solver, contiguity mode)."""

HEURISTIC_SECONDS = 10.0
"""Warm-start heuristic time per row (``optimize(heuristic_time=)``), within the limit."""

DESCRIPTION = (
    "- Hess p-median model with free centres: k centres chosen among all units, objective "
    "Σ population · hops² to the centre, population within ±0.5 % of P/k (hard), territories "
    "connected. `cc-N (dep)`: the N communes of one EPCI (communauté de communes) of that "
    "département, from `load_communes` (rook adjacency); `delaunay-N`: Delaunay graph of N "
    "seeded random points, populations 1–100. Warm start: the free-centre heuristic "
    f"({HEURISTIC_SECONDS:g} s at most), inside the limit.\n"
    "- Back-ends: `scip` = SCIP with the connectivity handler (separator cuts in the tree); "
    "`highs-flow` / `cbc-flow` = the single-commodity flow model; `highs-cuts` / `cbc-cuts` = "
    "the outer cut loop. Every model fixes the x_ic that no connected balanced territory has "
    "(`territory_opt.milp.reach`). `optimal` = proven for the problem as stated; `infeasible` "
    "= proven to have no connected balanced plan."
)
