"""One colour per rep, the same in every map of a study, all distinct within a map.

A meeting compares several maps of one study (the current plan, the proposal, the
before/after, the what-ifs): a rep must keep one colour in all of them, and two reps
must never share a swatch in a legend. :func:`rep_colors` gives that mapping from
the rep ids and, when known, their homes only (never from a plan's territories), so
any map built for the same reps gets the same colours without passing them around:

* every rep gets its own colour from :data:`DISTINCT_PALETTE` (24 colours picked by
  farthest-point sampling in CIELAB, lightness 52–86 so black outlines and labels stay
  readable; any two differ by ΔE ≥ 25);
* reps whose homes are neighbours (Delaunay triangulation of the homes, a
  plan-independent stand-in for "territories that touch") get colours far apart:
  greedy, most-constrained rep first, each taking the unused colour farthest (ΔE) from
  its already coloured neighbours; reps are visited in sorted-id order on ties.

More reps than colours: the palette is extended (matplotlib ``tab20`` and ``hsv``
samples), still one colour per rep but no longer well separated.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
from matplotlib import colors as mcolors

from ..plan.alignment import Alignment
from ._geometry import color_territories, territory_graph
from ._plans import _home_points, _rep_order, _unit_geometry, _unit_graph

__all__ = ["DISTINCT_PALETTE", "color_distance", "rep_colors", "territory_colors"]

logger = logging.getLogger(__name__)

#: 24 well-separated qualitative colours (CIELAB farthest-point sampling from Tableau
#: blue; lightness 52–86, chroma 25–62). The first colours are the farthest apart.
DISTINCT_PALETTE: tuple[str, ...] = (
    "#4b87b4",
    "#f0d25a",
    "#f05a78",
    "#2df0b4",
    "#e196ff",
    "#69875a",
    "#ffc3b4",
    "#c3692d",
    "#3ce1f0",
    "#96d269",
    "#4b78e1",
    "#a56996",
    "#e1c3f0",
    "#b4e1b4",
    "#788700",
    "#00964b",
    "#ff78c3",
    "#a5785a",
    "#3c9696",
    "#96d2ff",
    "#c3b478",
    "#ffb469",
    "#e18796",
    "#00a5ff",
)


def _lab(color: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour."""
    rgb = np.asarray(mcolors.to_rgb(color), dtype=float)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def color_distance(a: str, b: str) -> float:
    """Perceptual distance ΔE (CIE76) between two colours.

    Parameters
    ----------
    a, b : str
        Any matplotlib colour (e.g. ``"#4b87b4"``).

    Returns
    -------
    float
        0 for the same colour; ~2.3 is a just-noticeable difference, > 25 is clearly
        different at a glance.
    """
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _extended(palette: Sequence[str], n: int) -> list[str]:
    colors = list(dict.fromkeys(mcolors.to_hex(c) for c in palette))
    if not colors:
        raise ValueError("palette is empty: pass at least one colour.")
    if n <= len(colors):
        return colors
    from matplotlib import colormaps

    extra = [mcolors.to_hex(colormaps["tab20"](i)) for i in range(20)]
    k = 0
    while len(colors) + len(extra) < n + len(palette):
        extra.append(mcolors.to_hex(colormaps["hsv"]((k * 0.618034) % 1.0)))
        k += 1
    colors += [c for c in dict.fromkeys(extra) if c not in colors]
    k = 0
    while len(colors) < n:  # pathological palettes: fill with golden-ratio hues
        rgb = mcolors.hsv_to_rgb(((k * 0.618034) % 1.0, 0.55, 0.85))
        c = mcolors.to_hex((float(rgb[0]), float(rgb[1]), float(rgb[2])))
        if c not in colors:
            colors.append(c)
        k += 1
    logger.warning("%d reps but %d palette colours: extended, less well separated", n, len(palette))
    return colors


def _home_graph(
    reps: Sequence[Hashable], homes: Mapping[Hashable, tuple[float, float]]
) -> nx.Graph:
    """Delaunay neighbours of the reps' homes (x, y in any planar-ish coordinates)."""
    G = nx.Graph()
    G.add_nodes_from(reps)
    located = [r for r in reps if r in homes]
    if len(located) == 2:
        G.add_edge(located[0], located[1])
    if len(located) < 3:
        return G
    pts = np.array([homes[r] for r in located], dtype=float)
    from scipy.spatial import Delaunay, QhullError

    try:
        tri = Delaunay(pts)
    except (QhullError, ValueError):  # collinear or repeated homes: link consecutive ones
        order = np.lexsort((pts[:, 1], pts[:, 0]))
        G.add_edges_from((located[i], located[j]) for i, j in itertools.pairwise(order))
        return G
    for simplex in tri.simplices:
        for i in range(3):
            a, b = located[simplex[i]], located[simplex[(i + 1) % 3]]
            if a != b:
                G.add_edge(a, b)
    return G


def rep_colors(
    reps: Iterable[Hashable],
    homes: Mapping[Hashable, tuple[float, float]] | None = None,
    palette: Sequence[str] = DISTINCT_PALETTE,
) -> dict[Hashable, str]:
    """A deterministic rep → colour mapping, all colours distinct.

    Parameters
    ----------
    reps : iterable
        Rep ids (order and duplicates do not matter: the ids are sorted).
    homes : mapping, optional
        rep id -> (x, y) of the rep's home (e.g. longitude, latitude). Reps whose
        homes are Delaunay neighbours get colours far apart. Without homes, colours
        follow the palette in sorted-id order.
    palette : sequence of str
        Colours, best separated first; extended when there are more reps.

    Returns
    -------
    dict
        rep id -> hex colour; the same for the same reps and homes, whatever the plan.
    """
    ids = sorted(dict.fromkeys(reps), key=lambda r: (str(r), repr(r)))
    colors = _extended(palette, len(ids))
    lab = {c: _lab(c) for c in colors}
    G = _home_graph(ids, homes or {})
    rank = {r: k for k, r in enumerate(ids)}
    assigned: dict[Hashable, str] = {}
    used: set[str] = set()
    remaining = list(ids)
    while remaining:
        rep = max(
            remaining,
            key=lambda r: (sum(1 for v in G[r] if v in assigned), G.degree(r), -rank[r]),
        )
        near = [lab[assigned[v]] for v in G[rep] if v in assigned]
        free = [c for c in colors if c not in used]
        if near:
            best = max(
                free,
                key=lambda c: (
                    min(float(np.linalg.norm(lab[c] - x)) for x in near),
                    -colors.index(c),
                ),
            )
        else:
            best = free[0]
        assigned[rep] = best
        used.add(best)
        remaining.remove(rep)
    return {r: assigned[r] for r in ids}


def territory_colors(
    alignments: Alignment | Sequence[Alignment],
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    palette: Sequence[str] = DISTINCT_PALETTE,
) -> dict[Hashable, str]:
    """Colours per rep: all distinct, the same in every map of the same reps.

    Up to ``len(palette)`` reps (24 by default), the colours come from
    :func:`~territory_opt.viz.colors.rep_colors`: they depend only on the rep ids and
    their homes, never on the plan, so the current plan, the proposal, the before/after
    and the what-if maps of a study show each rep in the same colour; reps whose homes
    are neighbours get colours far apart. With more reps (national maps), territories
    that touch in any of the plans never share a colour (DSATUR over ``graph``) and
    colours are reused elsewhere.

    Parameters
    ----------
    alignments : Alignment or sequence of Alignment
        One plan, or several that must read with the same colours (their reps are
        pooled).
    units : geopandas.GeoDataFrame, optional
        Unit geometry when the alignments carry none (locates the homes).
    graph : networkx.Graph, optional
        Unit adjacency, used only when there are more reps than palette colours.
    palette : sequence of str
        Qualitative colours, best separated first.

    Returns
    -------
    dict
        rep id -> hex colour.
    """
    plans = [alignments] if isinstance(alignments, Alignment) else list(alignments)
    reps = _rep_order(plans)
    if len(reps) <= len(palette):
        return rep_colors(reps, _home_points(plans, units), palette)
    geo = _unit_geometry(plans, units) if graph is None else None
    G = _unit_graph(geo, graph) if geo is not None else graph
    assert G is not None
    T = territory_graph(G, [p.assignment for p in plans], reps)
    return color_territories(T, palette)
