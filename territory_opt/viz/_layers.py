"""The map's layers as short scripts over one embedded copy of the unit geometry.

Units, territory outlines, homes and the choropleth are built in the browser from one
JavaScript object (:class:`~territory_opt.viz._elements.JsData`), so a before/after map
does not embed the geometry twice.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element

from ..plan.alignment import Alignment
from ._elements import CSS_TEXT, JsControl, JsData, JsLayer, JsScript, to_js
from ._format import _fmt, _label, _num, _rep_label
from ._geometry import dissolve, feature_collection
from .orientation import root_figure

__all__: list[str] = []

_GENERATOR = '<meta name="generator" content="territory_opt.viz.maps">'
_HELPERS = """<script>
function tomFmt(x) {
    if (x === null || x === undefined) { return '\u2013'; }
    return Number(x).toLocaleString('en-GB', {maximumFractionDigits: 1});
}
function tomUnitTip(f, ctx, key) {
    var p = f.properties, r = p[key], s = ctx.shared[f.id];
    var h = '<b>' + p.n + '</b> <span class="tom-muted">' + f.id + '</span>';
    h += '<br>Rep: <b>' + ctx.reps[r] + '</b>';
    if (s) { h += '<br>Shared: ' + s.txt; }
    for (var i = 0; i < ctx.meas.length; i++) { h += '<br>' + ctx.meas[i] + ': ' + tomFmt(p.v[i]); }
    return h;
}
</script>"""


def _shared_info(
    alignment: Alignment,
    rep_index: Mapping[Hashable, int],
    colors: Mapping[Hashable, str],
    prefix: str,
) -> tuple[dict[str, dict[str, str]], str]:
    """Tooltip text and hatch fill per shared unit, and the SVG patterns they use."""
    if alignment.shared is None or not len(alignment.shared):
        return {}, ""
    out: dict[str, dict[str, str]] = {}
    patterns: dict[tuple[str, ...], str] = {}
    for unit, grp in alignment.shared.groupby("unit", sort=False):
        grp = grp.sort_values("fraction", ascending=False)
        txt = ", ".join(
            f"{html.escape(_rep_label(alignment, r))} {100 * float(f):.0f} %"
            for r, f in zip(grp["rep"], grp["fraction"], strict=True)
        )
        combo = tuple(colors.get(r, "#cccccc") for r in grp["rep"])
        if combo not in patterns:
            patterns[combo] = f"{prefix}-share{len(patterns)}"
        out[str(unit)] = {"txt": txt, "fill": f"url(#{patterns[combo]})"}
    svg = []
    for combo, pid in patterns.items():
        w = 6
        rects = "".join(
            f'<rect x="{k * w}" y="0" width="{w}" height="{w * len(combo)}" fill="{c}"/>'
            for k, c in enumerate(combo)
        )
        svg.append(
            f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{w * len(combo)}" '
            f'height="{w * len(combo)}" patternTransform="rotate(45)">{rects}</pattern>'
        )
    return out, "".join(svg)


def _svg_defs(patterns: str) -> Element:
    return Element(
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true">'
        f"<defs>{patterns}</defs></svg>"
    )


def _new_map(units4326: gpd.GeoSeries, tiles: str | None, attr: str | None) -> folium.Map:
    minx, miny, maxx, maxy = units4326.total_bounds
    kwargs: dict[str, Any] = {}
    if tiles is not None and attr is not None:
        kwargs["attr"] = attr
    return folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=8,
        tiles=tiles,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        **kwargs,
    )


def _prepare_map(m: folium.Map, patterns: str) -> None:
    root = root_figure(m)
    root.header.add_child(Element(_GENERATOR), name="tom_generator")
    root.header.add_child(Element(CSS_TEXT), name="tom_css")
    root.header.add_child(Element(_HELPERS), name="tom_helpers")
    if patterns:
        root.html.add_child(_svg_defs(patterns))


def _units_data(
    geo: gpd.GeoSeries,
    names: pd.Series,
    measures: pd.DataFrame,
    plan_keys: Mapping[str, pd.Series],
    rep_index: Mapping[Hashable, int],
    extra: Mapping[str, Mapping[Hashable, Any]] | None = None,
) -> dict[str, object]:
    props: dict[Hashable, dict[str, object]] = {}
    meas = measures.reindex(geo.index)
    values = meas.to_numpy(dtype=float) if meas.shape[1] else np.zeros((len(geo), 0))
    for k, unit in enumerate(geo.index):
        p: dict[str, object] = {
            "n": html.escape(str(names.get(unit, unit))),
            "v": [_num(x) for x in values[k]],
        }
        for key, assignment in plan_keys.items():
            rep = assignment.get(unit)
            p[key] = rep_index.get(rep, -1)
        if extra:
            for key, mapping in extra.items():
                if unit in mapping:
                    p[key] = mapping[unit]
        props[unit] = p
    return feature_collection(geo, props)


def _outline_data(
    geo: gpd.GeoSeries, assignment: pd.Series, rep_index: Mapping[Hashable, int]
) -> dict[str, object]:
    terr = dissolve(geo, assignment.reindex(geo.index).dropna())
    props = {rep: {"r": rep_index[rep]} for rep in terr.index}
    return feature_collection(terr, props)


def _units_layer_js(
    data: str,
    ctx: str,
    key: str,
    fill_opacity: float,
    attribution: str | None,
    popups: bool = True,
) -> str:
    attr = f"attribution: {to_js(attribution)}," if attribution else ""
    popup = (
        "layer.bindPopup(function (l) { return ctx.pops[l.feature.properties[key]]; }, {maxWidth: 360});"
        if popups
        else ""
    )
    return f"""(function () {{
    var ctx = {ctx}, key = {to_js(key)};
    return L.geoJson({data}, {{
        className: 'tom-unit', {attr}
        filter: function (f) {{ return f.properties[key] >= 0; }},
        style: function (f) {{
            var s = ctx.shared[f.id];
            return {{color: '#ffffff', weight: 0.5, opacity: 0.8,
                     fillColor: s ? s.fill : ctx.colors[f.properties[key]], fillOpacity: {fill_opacity}}};
        }},
        onEachFeature: function (f, layer) {{
            layer.bindTooltip(function (l) {{ return tomUnitTip(l.feature, ctx, key); }},
                              {{sticky: true, className: 'tom-tip'}});
            {popup}
        }}
    }});
}})()"""


def _outline_layer_js(data: str) -> str:
    return (
        f"L.geoJson({data}, {{className: 'tom-territory', interactive: false, "
        "style: function () { return {color: '#1a1a1a', weight: 2.2, opacity: 0.95, fill: false}; }})"
    )


def _homes_js(
    alignment: Alignment, units4326: gpd.GeoSeries, colors: Mapping[Hashable, str]
) -> str | None:
    pts = []
    for rep in alignment.reps.index:
        home = alignment.reps.at[rep, "home"]
        if (
            home is None
            or (isinstance(home, float) and math.isnan(home))
            or home not in units4326.index
        ):
            continue
        p = units4326.loc[home].representative_point()
        label = alignment.reps.at[rep, "name"] if "name" in alignment.reps.columns else rep
        pts.append([round(p.y, 5), round(p.x, 5), html.escape(str(label)), colors.get(rep, "#888")])
    if not pts:
        return None
    return f"""(function () {{
    var g = L.featureGroup();
    {to_js(pts)}.forEach(function (h) {{
        L.circleMarker([h[0], h[1]], {{radius: 6, color: '#111', weight: 2, fillColor: '#ffffff',
                                        fillOpacity: 1, className: 'tom-home'}})
            .bindTooltip(h[2], {{permanent: true, direction: 'right', offset: [6, 0], className: 'tom-label'}})
            .addTo(g);
    }});
    return g;
}})()"""


def _choropleth(
    m: folium.Map,
    alignment: Alignment,
    geo: gpd.GeoSeries,
    data_name: str,
    measure: str,
    density: bool,
    cmap: str,
    classes: int,
    labels: Mapping[str, str] | None,
    show: bool,
) -> None:
    from matplotlib import colormaps
    from matplotlib import colors as mcolors

    if measure not in alignment.measures.columns:
        raise ValueError(
            f"choropleth measure {measure!r} is not a measure of the plan: use one of "
            f"{list(alignment.measures.columns)}."
        )
    values = alignment.measures[measure].reindex(geo.index).astype(float)
    label = _label(measure, labels)
    if density:
        area = geo.to_crs(geo.estimate_utm_crs()).area.to_numpy() / 1e6
        values = values / np.where(area > 0, area, np.nan)
        label = f"{label.split(' (')[0]} per km²"
    finite = values[np.isfinite(values)]
    if finite.empty:
        raise ValueError(f"choropleth measure {measure!r} has no finite value to map.")
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, classes + 1)))
    if len(edges) < 2:
        edges = np.array([finite.min(), finite.max() + 1.0])
    k = np.clip(np.searchsorted(edges, values.to_numpy(), side="right") - 1, 0, len(edges) - 2)
    palette = [
        mcolors.to_hex(colormaps[cmap]((i + 0.5) / (len(edges) - 1))) for i in range(len(edges) - 1)
    ]
    cls = {
        u: (int(c) if np.isfinite(v) else -1) for u, c, v in zip(geo.index, k, values, strict=True)
    }
    # class per unit, looked up by id from a small object (keeps the unit data shared)
    ctx = JsData({"k": {str(u): c for u, c in cls.items()}, "c": palette})
    ctx.add_to(m)
    layer = JsLayer(
        f"""L.geoJson({data_name}, {{className: 'tom-choro', interactive: false,
        style: function (f) {{ var c = {ctx.get_name()}.k[f.id];
            return {{color: '#ffffff', weight: 0.3, fillColor: c >= 0 ? {ctx.get_name()}.c[c] : '#cccccc',
                     fillOpacity: 0.85}}; }} }})""",
        name=label,
        overlay=True,
        show=show,
    )
    layer.add_to(m)
    dec = 0 if edges.max() >= 100 else 1 if edges.max() >= 1 else 3
    rows = "".join(
        f'<tr><td class="tom-l"><span class="tom-swatch" style="background:{c}"></span>'
        f"{_fmt(edges[i], dec)} – {_fmt(edges[i + 1], dec)}</td></tr>"
        for i, c in enumerate(palette)
    )
    legend = JsControl(
        f"<h4>{html.escape(label)}</h4><table>{rows}</table>", "bottomleft", "tom-scale", add=show
    )
    legend.add_to(m)
    JsScript(
        f"{{map}}.on('overlayadd', function (e) {{ if (e.layer === {layer.get_name()}) {{ {legend.get_name()}.addTo({{map}}); }} }});\n"
        f"{{map}}.on('overlayremove', function (e) {{ if (e.layer === {layer.get_name()}) {{ {legend.get_name()}.remove(); }} }});"
    ).add_to(m)


def _fit(m: folium.Map, geo: gpd.GeoSeries, legend: bool) -> None:
    minx, miny, maxx, maxy = geo.total_bounds
    # keep the territories clear of the legend on the right
    right = (410, 0) if legend else (10, 10)
    m.fit_bounds(
        [[miny, minx], [maxy, maxx]], padding_top_left=(10, 10), padding_bottom_right=right
    )


def _numeric_columns(measures: pd.DataFrame) -> list[str]:
    """The numeric measure columns (those a tooltip lists)."""
    return [c for c in measures.columns if pd.api.types.is_numeric_dtype(measures[c])]


def _plan_context(
    plan: Alignment,
    reps: Sequence[Hashable],
    colors: Mapping[Hashable, str],
    columns: Sequence[str],
    popups: Sequence[str],
    shared: dict[str, dict[str, str]],
    measure_labels: Mapping[str, str] | None,
    others: Sequence[Alignment] = (),
) -> JsData:
    """Rep names, colours, measure labels, popups and shared units of one plan, for its layers.

    A rep missing from ``plan`` is named from the first of ``others`` that has it.
    """

    def holder(r: Hashable) -> Alignment:
        return next((p for p in (plan, *others) if r in p.reps.index), plan)

    return JsData(
        {
            "reps": [html.escape(_rep_label(holder(r), r)) for r in reps],
            "colors": [colors.get(r, "#cccccc") for r in reps],
            "meas": [html.escape(_label(c, measure_labels)) for c in columns],
            "pops": list(popups),
            "shared": shared,
        }
    )


def _territory_group(
    data: JsData,
    ctx: JsData,
    outlines: JsData,
    key: str,
    fill_opacity: float,
    attribution: str | None,
    **group: Any,
) -> folium.FeatureGroup:
    """A plan's units (filled by rep) and territory outlines as one switchable group."""
    out = folium.FeatureGroup(control=True, **group)
    JsLayer(
        _units_layer_js(data.get_name(), ctx.get_name(), key, fill_opacity, attribution),
        control=False,
    ).add_to(out)
    JsLayer(_outline_layer_js(outlines.get_name()), control=False).add_to(out)
    return out


def _add_homes(m: folium.Map, alignment: Alignment, geo: gpd.GeoSeries,
               colors: Mapping[Hashable, str]) -> JsLayer | None:  # fmt: skip
    """The reps' homes as a labelled layer (``None`` when no home is on the map)."""
    homes = _homes_js(alignment, geo, colors)
    if homes is None:
        return None
    layer = JsLayer(homes, name="Rep homes", overlay=True)
    layer.add_to(m)
    return layer


def _finish(
    m: folium.Map,
    geo: gpd.GeoSeries,
    legend_html: str | None,
    collapsed: bool,
    extra: Sequence[JsControl] = (),
) -> None:
    """The legend (when given), ``extra`` boxes, the layer control and the view fitted."""
    if legend_html is not None:
        JsControl(legend_html, "bottomright", "tom-legend").add_to(m)
    for box in extra:
        box.add_to(m)
    folium.LayerControl(position="topright", collapsed=collapsed).add_to(m)
    _fit(m, geo, legend_html is not None)
