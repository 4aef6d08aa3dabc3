"""Maps at national scale: one layer of dissolved territories, light enough to open fast.

Drawing 34,742 communes would make a 25 MB page; a national plan is read at territory
level first. :func:`plot_territories` dissolves the units of each territory, simplifies
the shapes topology-preservingly (coverage simplification keeps shared borders shared),
colours neighbours differently and draws rep homes; each territory's tooltip gives its
rep, units and figures. Commune detail is one call away per territory or région:
:func:`territory_opt.viz.maps.plot_alignment` on the subset.
"""

from __future__ import annotations

import html
from collections.abc import Hashable

import folium
import geopandas as gpd
import networkx as nx
import shapely
from branca.element import Element

from ..graph.crs import to_metric
from ..plan.alignment import Alignment
from ._format import ATTRIBUTION
from .colors import territory_colors

__all__ = ["plot_territories"]


def plot_territories(
    alignment: Alignment,
    *,
    graph: nx.Graph | None = None,
    tolerance_m: float = 800.0,
    title: str | None = None,
) -> folium.Map:
    """Territory-level map of a (large) plan.

    Parameters
    ----------
    alignment : Alignment
        With ``units`` geometry.
    graph : networkx.Graph, optional
        Unit adjacency, for colouring neighbours differently.
    tolerance_m : float
        Simplification tolerance in metres (Lambert-93).
    title : str, optional
        Shown in the top-right corner.
    """
    if alignment.units is None:
        raise ValueError("the alignment has no unit geometry.")
    units = to_metric(alignment.units[["geometry"]])
    units = units.assign(rep=alignment.assignment.reindex(units.index))
    terr = units.dissolve(by="rep")
    geoms = terr.geometry.to_numpy()
    try:
        simple = shapely.coverage_simplify(geoms, tolerance_m)
    except shapely.errors.GEOSException:  # slight overlaps: simplify shape by shape
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    terr = gpd.GeoDataFrame(geometry=simple, index=terr.index, crs=terr.crs).to_crs("EPSG:4326")
    table = alignment.territory_table()
    colors = territory_colors(alignment, units=alignment.units, graph=graph)
    pct = [c for c in table.columns if c.endswith("_pct_target")]
    terr["rep"] = [str(r) for r in terr.index]
    terr["label"] = [
        str(table.at[r, "name"]) if "name" in table.columns else str(r) for r in terr.index
    ]
    terr["units"] = [int(table.at[r, "units"]) for r in terr.index]
    for c in pct:
        terr[c.replace("_pct_target", " %")] = [round(float(table.at[r, c]), 1) for r in terr.index]
    terr["color"] = [colors.get(r, "#888888") for r in terr.index]
    minx, miny, maxx, maxy = terr.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        attr=ATTRIBUTION,
    )
    fields = ["rep", "label", "units", *[c.replace("_pct_target", " %") for c in pct]]
    folium.GeoJson(
        terr.reset_index(drop=True),
        name="territories",
        style_function=lambda f: {
            "fillColor": f["properties"]["color"],
            "color": "#333333",
            "weight": 0.8,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(fields=fields),
    ).add_to(m)
    homes = alignment.reps["home"].dropna()
    pts = to_metric(alignment.units.geometry).representative_point().to_crs("EPSG:4326")
    for rep, home in homes.items():
        if home in pts.index:
            p = pts[home]
            folium.CircleMarker(
                [p.y, p.x],
                radius=2.5,
                color="#000000",
                weight=1,
                fill=True,
                fill_color="#ffffff",
                fill_opacity=1,
                tooltip=str(_label(alignment, rep)),
            ).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if title:
        m.get_root().html.add_child(  # type: ignore[attr-defined]
            Element(
                '<div style="position:fixed;top:10px;right:10px;z-index:1000;background:#fff;'
                'padding:4px 8px;font:bold 14px sans-serif;border-radius:4px">'
                f"{html.escape(title)}</div>"
            )
        )
    return m


def _label(alignment: Alignment, rep: Hashable) -> str:
    if "name" in alignment.reps.columns:
        return f"{alignment.reps.at[rep, 'name']} ({rep})"
    return str(rep)
