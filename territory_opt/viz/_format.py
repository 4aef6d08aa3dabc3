"""Labels and numbers as the maps show them (measure names, rep names, rounding)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

from ..plan.alignment import Alignment

__all__ = ["ATTRIBUTION"]

#: Source credit shown on every map (Licence Ouverte / Etalab data).
ATTRIBUTION = "IGN Admin Express, INSEE"

_MEASURE_LABELS = {
    "accounts": "Accounts",
    "workload": "Workload (h)",
    "potential": "Potential (k€)",
    "population": "Population",
}


def _label(measure: str, labels: Mapping[str, str] | None) -> str:
    """The label of a measure: ``labels[measure]``, a known label, or the name capitalised."""
    if labels and measure in labels:
        return labels[measure]
    return _MEASURE_LABELS.get(measure, measure.replace("_", " ").capitalize())


def _rep_label(alignment: Alignment, rep: Hashable) -> str:
    """``"name (id)"`` when the rep has a name, else its id."""
    if "name" in alignment.reps.columns:
        name = alignment.reps.at[rep, "name"]
        if isinstance(name, str) and name:
            return f"{name} ({rep})"
    return str(rep)


def _num(x: Any) -> float | int | None:
    """Round for display and JSON (ints stay ints, NaN becomes null)."""
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        return None
    if abs(v - round(v)) < 1e-9:
        return round(v)
    return round(v, 1)


def _fmt(x: Any, decimals: int = 0) -> str:
    """A number with thousands separators, ``–`` when missing or not finite."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    return f"{v:,.{decimals}f}"
