"""Maps at national scale: one layer of dissolved territories, light enough to open fast.

Drawing 34,742 communes would make a 25 MB page; a national plan is read at territory
level first. :func:`plot_territories` dissolves the units of each territory, simplifies
the shapes topology-preservingly (coverage simplification keeps shared borders shared),
colours territories with :func:`~territory_opt.viz.colors.territory_colors` (all
distinct up to 24 reps, touching territories far apart beyond) and draws rep homes; each
territory's tooltip gives its rep, units and figures. Orientation as on the other maps
(:func:`~territory_opt.viz.orientation.add_orientation`): a title box with the scenario
name and the date, the largest town names, Leaflet's scale bar, and département borders
(units with a ``departement`` column), else région borders (a ``region`` column),
dissolved and simplified like the territories. Commune detail is one call away per territory or région:
:func:`territory_opt.viz.maps.plot_alignment` on the subset.
"""

from __future__ import annotations

from collections.abc import Hashable

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from ..graph.crs import to_metric
from ..plan.alignment import Alignment
from ._elements import JsLayer, to_js
from ._format import ATTRIBUTION
from ._geometry import feature_collection
from .colors import territory_colors
from .orientation import add_orientation

__all__ = ["plot_territories"]


def plot_territories(
    alignment: Alignment,
    *,
    graph: nx.Graph | None = None,
    tolerance_m: float = 800.0,
    title: str | None = None,
    date: str | None = None,
    n_towns: int = 15,
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
        Title box (e.g. the scenario name), shown with ``date``.
    date : str, optional
        Date under the title (default: today, ISO format).
    n_towns : int, default 15
        Town names shown (units with a ``population`` column; the 5 largest at every
        zoom, the others from zoom 9).

    Returns
    -------
    folium.Map
    """
    if alignment.units is None:
        raise ValueError("the alignment has no unit geometry.")
    units = to_metric(alignment.units[["geometry"]])
    units = units.assign(rep=alignment.assignment.reindex(units.index))
    terr = units.dissolve(by="rep")
    simple = _simplify(terr.geometry.to_numpy(), tolerance_m)
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
    _add_admin_borders(m, alignment.units, tolerance_m)
    # town names and the title box (no small-territory rings: at national scale half the
    # territories would be "small"; the territory tooltips name them)
    cols = [c for c in ("name", "population") if c in alignment.units.columns]
    add_orientation(
        m, alignment.units[cols], pts.reindex(alignment.assignment.index).dropna(),
        alignment=None, title=title, date=date, n_towns=n_towns,
    )  # fmt: skip
    return m


def _simplify(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Topology-preserving simplification of a coverage (shared borders stay shared)."""
    try:
        return shapely.coverage_simplify(geoms, tolerance_m)
    except shapely.errors.GEOSException:  # slight overlaps: simplify shape by shape
        return shapely.simplify(geoms, tolerance_m, preserve_topology=True)


def _add_admin_borders(m: folium.Map, units: gpd.GeoDataFrame, tolerance_m: float) -> None:
    """Département borders (``departement`` column), else région borders (``region``)."""
    for col, name in (("departement", "Départements"), ("region", "Régions")):
        if col not in units.columns or units[col].dropna().nunique() < 2:
            continue
        metric = to_metric(units[[col, "geometry"]].dropna(subset=[col]))
        admin = metric.dissolve(by=metric[col].astype(str))
        simple = _simplify(admin.geometry.to_numpy(), tolerance_m)
        lines = gpd.GeoSeries(shapely.boundary(simple), index=admin.index, crs=admin.crs)
        borders = feature_collection(lines.to_crs("EPSG:4326"))
        JsLayer(
            f"L.geoJson({to_js(borders)}, {{className: 'tom-dept', interactive: false, "
            "style: function () { return {color: '#333333', weight: 1.2, opacity: 0.8, "
            "dashArray: '6 3 1 3', fill: false}; }})",
            name=name,
        ).add_to(m)
        return


def _label(alignment: Alignment, rep: Hashable) -> str:
    if "name" in alignment.reps.columns:
        return f"{alignment.reps.at[rep, 'name']} ({rep})"
    return str(rep)
