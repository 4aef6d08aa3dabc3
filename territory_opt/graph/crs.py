"""One metric CRS for lengths, areas, centroids and gaps, wherever the units are.

Every measure in metres or km² taken on unit geometries (border lengths, island gaps,
centroids, territory areas, nearest-unit snapping) projects them with :func:`to_metric`.
:func:`metric_crs` chooses, in order:

1. the units' own CRS when it is projected and in metres (Lambert-93 data stay as they
   are; so do a national grid, a UTM zone a customer already uses, synthetic metres),
   unless it is a web-map projection (Mercator, Pseudo-Mercator EPSG:3857, plate carrée)
   whose scale error over the data exceeds 0.5 % (EPSG:3857 over France stretches
   lengths by about 50 %);
2. Lambert-93 (EPSG:2154) when the data's centre lies in metropolitan France or Corsica
   and the data lie within Lambert-93's area of use (French results are unchanged);
3. the WGS 84 UTM zone of the data's centre (the zone geopandas' ``estimate_utm_crs``
   gives for that point; data crossing the antimeridian get the zone there, not the zone
   of longitude 0 that ``estimate_utm_crs`` on their bounds would give) when
   its scale error over the data is at most 0.25 % (0.5 % on areas);
4. otherwise (a country-wide extent, e.g. all of Turkey across three UTM zones) a
   Lambert conformal conic fitted to the data: standard parallels at 1/6 and 5/6 of the
   latitude range, centred on the data (a transverse Mercator centred on the data when
   the range straddles the equator).

The scale error is read from :meth:`pyproj.Proj.get_factors` on a 5 × 5 grid over the
data's longitude/latitude extent (both the meridian and the parallel scale).
"""

from __future__ import annotations

import functools
import math
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from ..exceptions import InputIssue, ValidationError

__all__ = ["LAMBERT_93", "metric_crs", "require_crs", "to_metric"]

_GeoT = TypeVar("_GeoT", gpd.GeoDataFrame, gpd.GeoSeries)

LAMBERT_93 = pyproj.CRS.from_epsg(2154)
_KEEP_TOLERANCE = 0.005  # a web-map projection the units come in
_UTM_TOLERANCE = 0.0025  # the UTM zone of the centre (areas 0.5 %), else a fitted conic
# Lambert-93's area of use (EPSG registry): west, south, east, north
_L93_AREA = (-9.86, 41.15, 10.38, 51.56)
# Coarse outline of metropolitan France (lon, lat), ~10-20 km outside the land borders
# and generous at sea; only the data's centre is tested against it.
_FRANCE = shapely.union(
    shapely.Polygon(
        [
            (2.45, 51.6),
            (3.3, 50.9),
            (4.2, 50.45),
            (4.75, 50.3),
            (5.0, 49.85),
            (5.8, 49.6),
            (6.6, 49.55),
            (7.6, 49.2),
            (8.3, 49.05),
            (7.75, 47.7),
            (7.2, 47.55),
            (6.2, 46.35),
            (7.15, 45.95),
            (7.2, 45.2),
            (7.05, 44.3),
            (7.75, 43.9),
            (7.8, 43.2),
            (5.0, 42.6),
            (3.4, 42.3),
            (1.8, 42.3),
            (0.0, 42.55),
            (-1.7, 43.15),
            (-2.2, 43.5),
            (-3.0, 46.0),
            (-5.6, 47.6),
            (-5.6, 48.9),
            (-2.0, 50.0),
            (0.5, 50.2),
            (1.4, 51.1),
        ]
    ),
    shapely.box(8.3, 41.2, 9.8, 43.2),  # Corsica
)


def metric_crs(data: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """A projected CRS in metres that measures ``data`` with little distortion.

    Parameters
    ----------
    data : geopandas.GeoDataFrame or geopandas.GeoSeries
        Geometries with a CRS (any). Not modified.

    Returns
    -------
    pyproj.CRS
        See the module documentation for the order of choice.

    Raises
    ------
    ValidationError
        When ``data`` has no CRS or no geometry with coordinates.
    """
    crs = _crs_of(data)
    own = crs.is_projected and _in_metres(crs)
    if own and not _web_map(crs):
        return crs
    west, south, east, north = _lonlat_extent(data)
    lons = np.linspace(west, east, 5)
    lats = np.linspace(south, north, 5)
    grid_lon, grid_lat = (a.ravel() for a in np.meshgrid(_wrap(lons), lats))
    if own and _scale_error(crs, grid_lon, grid_lat) <= _KEEP_TOLERANCE:
        return crs
    c_lon = float(_wrap(np.array([(west + east) / 2.0]))[0])
    c_lat = (south + north) / 2.0
    w, s, e, n = _L93_AREA
    if (
        shapely.contains_xy(_FRANCE, c_lon, c_lat)
        and w <= west
        and east <= e
        and s <= south
        and north <= n
    ):
        return LAMBERT_93
    utm = _utm_crs(c_lon, c_lat)
    if _scale_error(utm, grid_lon, grid_lat) <= _UTM_TOLERANCE:
        return utm
    return _fitted_crs(c_lon, c_lat, south, north)


def to_metric(data: _GeoT) -> _GeoT:
    """``data`` in :func:`metric_crs` (the input itself when already in that CRS).

    Parameters
    ----------
    data : geopandas.GeoDataFrame or geopandas.GeoSeries
        Geometries with a CRS. Not modified.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        Same type and index as ``data``, coordinates in metres.
    """
    crs = metric_crs(data)
    if data.crs == crs:
        return data
    return data.to_crs(crs)


@functools.lru_cache(maxsize=128)
def _utm_epsg(zone: int, north: bool) -> pyproj.CRS:
    return pyproj.CRS.from_epsg((32600 if north else 32700) + zone)


def _utm_crs(lon: float, lat: float) -> pyproj.CRS:
    """WGS 84 / UTM zone of a point: what ``estimate_utm_crs`` gives, without its slow look-up."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return _utm_epsg(zone, lat >= 0)


def require_crs(data: gpd.GeoDataFrame | gpd.GeoSeries, what: str = "geometries") -> pyproj.CRS:
    """The CRS of ``data``; a :class:`ValidationError` naming ``what`` when it has none."""
    if data.crs is None:
        raise ValidationError(
            [
                InputIssue(
                    "units",
                    "crs",
                    f"the {what} have no coordinate reference system.",
                    "set it, e.g. units.set_crs('EPSG:4326') for longitude/latitude.",
                )
            ]
        )
    return pyproj.CRS(data.crs)


_crs_of = require_crs


def _in_metres(crs: pyproj.CRS) -> bool:
    axes = crs.axis_info
    return bool(axes) and all(math.isclose(a.unit_conversion_factor, 1.0) for a in axes[:2])


def _web_map(crs: pyproj.CRS) -> bool:
    op = crs.coordinate_operation
    name = (op.method_name if op is not None else "").lower()
    return ("mercator" in name and "transverse" not in name) or any(
        k in name for k in ("equidistant cylindrical", "equirectangular")
    )


def _wrap(lon: np.ndarray) -> np.ndarray:
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


def _lonlat_extent(data: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[float, float, float, float]:
    """West, south, east, north in degrees; ``east`` may exceed 180 across the antimeridian."""
    crs = pyproj.CRS(data.crs)
    b = shapely.bounds(np.asarray(data.geometry.values))
    b = b[np.isfinite(b).all(axis=1)]
    if not len(b):
        raise ValidationError(
            [InputIssue("units", "geometry", "no geometry has coordinates.", "give unit polygons.")]
        )
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    if crs.is_projected:
        west, south, east, north = to_ll.transform_bounds(
            b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max(), densify_pts=21
        )
        return (west, south, east + 360.0 if east < west else east, north)
    x0, y0 = to_ll.transform(b[:, 0], b[:, 1])
    x1, y1 = to_ll.transform(b[:, 2], b[:, 3])
    x0, x1 = np.asarray(x0), np.asarray(x1)
    south, north = float(np.min(y0)), float(np.max(y1))
    plain = (float(x0.min()), float(x1.max()))
    shifted = (float((x0 % 360.0).min()), float((x1 % 360.0).max()))
    west, east = shifted if shifted[1] - shifted[0] < plain[1] - plain[0] else plain
    return (west, south, east, north)


def _scale_error(crs: pyproj.CRS, lon: np.ndarray, lat: np.ndarray) -> float:
    with np.errstate(invalid="ignore"):
        f = pyproj.Proj(crs).get_factors(lon, lat, errcheck=False)
        k = np.concatenate([np.asarray(f.meridional_scale), np.asarray(f.parallel_scale)])
    if not np.isfinite(k).all():
        return math.inf
    return float(np.max(np.abs(k - 1.0)))


def _fitted_crs(lon: float, lat: float, south: float, north: float) -> pyproj.CRS:
    span = north - south
    lat1, lat2 = south + span / 6.0, north - span / 6.0
    if lat1 * lat2 > 0:
        return pyproj.CRS.from_proj4(
            f"+proj=lcc +lat_1={lat1:.6f} +lat_2={lat2:.6f} +lat_0={lat:.6f} "
            f"+lon_0={lon:.6f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={lon:.6f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
