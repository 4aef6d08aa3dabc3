"""Orientation without basemap tiles: département borders, town names, a title, small territories.

An offline map has no basemap, so a meeting room needs other landmarks:

* département borders: units dissolved by their ``departement`` column (when present),
  drawn as thin dashed dark lines above the territories, not clickable;
* town names: the ``n_towns`` most populated units (``population`` column), the
  largest always shown, the others from zoom 9 on (``.tom-town`` labels);
* a title box (title, and the date the map was made);
* small territories: a territory covering less than ``small_share`` of the map's area
  (a city territory of 3 communes) gets a thick ring in its colour around its home (hollow: the communes stay visible), visible
  at every zoom, so it is not a speck under its label.

The scale bar is Leaflet's (``control_scale=True`` on the maps of this package).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Hashable, Mapping

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure

from ..plan.alignment import Alignment
from ._elements import JsControl, JsLayer, to_js
from ._geometry import dissolve, feature_collection

__all__ = ["add_orientation"]

_CSS = """<style>
.tom-town { font: 600 11px system-ui, Arial, sans-serif; color: #222; white-space: nowrap;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none; }
.tom-town span { position: absolute; transform: translate(-50%, 7px); }
.tom-town.tom-town-minor { font-weight: 400; font-size: 10px; }
.tom-title { font: 600 15px system-ui, Arial, sans-serif; }
.tom-title .tom-muted { font-weight: 400; font-size: 11px; }
</style>"""


def root_figure(m: folium.Map) -> Figure:
    """The branca ``Figure`` holding a map (header, html, script sections)."""
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError("the map is not inside a branca Figure; pass a folium.Map.")
    return root


def _towns(units: gpd.GeoDataFrame, geo: gpd.GeoSeries, n_towns: int) -> list[list[object]]:
    if "population" not in units.columns or n_towns <= 0:
        return []
    pop = pd.to_numeric(units["population"], errors="coerce").reindex(geo.index).dropna()
    top = pop.sort_values(ascending=False, kind="stable").index[:n_towns]
    names = units["name"] if "name" in units.columns else pd.Series(dtype=object)
    out: list[list[object]] = []
    for k, u in enumerate(top):
        p = geo[u].representative_point()
        out.append([round(p.y, 4), round(p.x, 4), html.escape(str(names.get(u, u))), int(k < 5)])
    return out


def _small_rings(
    alignment: Alignment, geo: gpd.GeoSeries, colors: Mapping[Hashable, str], small_share: float
) -> list[list[object]]:
    if "home" not in alignment.reps.columns:
        return []
    metric = geo.to_crs(geo.estimate_utm_crs())
    area = pd.Series(metric.area.to_numpy(), index=geo.index)
    assign = alignment.assignment.reindex(geo.index)
    per_rep = area.groupby(assign).sum()
    total = float(area.sum())
    rings: list[list[object]] = []
    for rep, a in per_rep.items():
        home = alignment.reps.at[rep, "home"] if rep in alignment.reps.index else None
        if total <= 0 or a / total >= small_share or home is None or home not in geo.index:
            continue
        p = geo[home].representative_point()
        rings.append([round(p.y, 4), round(p.x, 4), colors.get(rep, "#888888")])
    return rings


def add_orientation(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    geo: gpd.GeoSeries,
    *,
    alignment: Alignment | None = None,
    colors: Mapping[Hashable, str] | None = None,
    title: str | None = None,
    date: str | None = None,
    n_towns: int = 15,
    small_share: float = 0.004,
) -> folium.Map:
    """Add département borders, town names, a title and small-territory rings to a map.

    Parameters
    ----------
    m : folium.Map
        The map.
    units : geopandas.GeoDataFrame
        Units with optional ``departement``, ``population`` and ``name`` columns.
    geo : geopandas.GeoSeries
        The simplified EPSG:4326 unit geometry drawn on the map (same index).
    alignment : Alignment, optional
        The plan shown, for the small-territory rings.
    colors : mapping, optional
        rep id -> colour, for the rings.
    title : str, optional
        Title box text (e.g. the scenario name); no box without it.
    date : str, optional
        Date shown under the title (default: today, ISO format).
    n_towns : int, default 15
        Town names shown (most populated units; the first 5 at every zoom).
    small_share : float, default 0.004
        Territories below this share of the mapped area get a ring at their home.

    Returns
    -------
    folium.Map
    """
    root_figure(m).header.add_child(Element(_CSS), name="tom_orientation_css")
    if "departement" in units.columns:
        dep = units["departement"].reindex(geo.index).dropna().astype(str)
        if dep.nunique() > 1:
            borders = feature_collection(dissolve(geo, dep).boundary)
            JsLayer(
                f"L.geoJson({to_js(borders)}, {{className: 'tom-dept', interactive: false, "
                "style: function () { return {color: '#333333', weight: 1.4, opacity: 0.8, "
                "dashArray: '6 3 1 3', fill: false}; }})",
                name="Départements",
            ).add_to(m)
    if alignment is not None and colors is not None:
        rings = _small_rings(alignment, geo, colors, small_share)
        if rings:
            JsLayer(
                f"""(function () {{ var g = L.featureGroup();
    {to_js(rings)}.forEach(function (r) {{
        L.circleMarker([r[0], r[1]], {{radius: 15, color: r[2], weight: 5, opacity: 1, fill: false,
            interactive: false, className: 'tom-small-territory'}}).addTo(g); }});
    return g; }})()""",
                name="Small territories",
            ).add_to(m)
    towns = _towns(units, geo, n_towns)
    if towns:
        JsLayer(
            f"""(function () {{ var g = L.featureGroup(), minor = [];
    {to_js(towns)}.forEach(function (t) {{
        var mk = L.marker([t[0], t[1]], {{interactive: false, keyboard: false, icon: L.divIcon({{
            className: 'tom-town' + (t[3] ? '' : ' tom-town-minor'), html: '<span>' + t[2] + '<\\/span>',
            iconSize: [0, 0], iconAnchor: [0, 0]}})}});
        mk.addTo(g); if (!t[3]) {{ minor.push(mk); }}
    }});
    g.on('add', function () {{
        var map = g._map, show = function () {{
            minor.forEach(function (mk) {{ var el = mk.getElement();
                if (el) {{ el.style.display = map.getZoom() >= 9 ? '' : 'none'; }} }}); }};
        map.on('zoomend', show); show();
    }});
    return g; }})()""",
            name="Towns",
        ).add_to(m)
    if title:
        when = date or dt.date.today().isoformat()
        JsControl(
            f'{html.escape(title)} <span class="tom-muted">{html.escape(when)}</span>',
            "topleft",
            "tom-title",
        ).add_to(m)
    return m
