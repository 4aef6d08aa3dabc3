"""Per-rep balance targets: the best territories to the best reps (course slide 39).

By default a rep's target for a balanced measure is its FTE share of the total. A reps
column ``<measure>_target_share`` (e.g. ``potential_target_share``) replaces the FTE as
the rep's weight for that measure: the target is ``weight / sum(weights) * total``. Give
``1.2 * fte`` to the top tier and ``0.8 * fte`` to the bottom one, and the balance
constraints hand the richest territories to the best reps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError

__all__ = ["TARGET_SHARE_SUFFIX", "target_share_columns", "target_weights"]

TARGET_SHARE_SUFFIX = "_target_share"


def target_share_columns(reps: pd.DataFrame) -> list[str]:
    """The ``<measure>_target_share`` columns of a reps table."""
    return [str(c) for c in reps.columns if str(c).endswith(TARGET_SHARE_SUFFIX)]


def target_weights(reps: pd.DataFrame, measures: Sequence[str]) -> np.ndarray:
    """``(K, m)`` share of each measure's total that each rep should hold (columns sum to 1).

    Parameters
    ----------
    reps : pandas.DataFrame
        Index rep id; ``fte`` and optional ``<measure>_target_share`` columns.
    measures : sequence of str
        Balanced measures, in order.

    Raises
    ------
    ValidationError
        A ``<measure>_target_share`` that is missing, negative or sums to 0, naming the reps.
    """
    fte = reps["fte"].to_numpy(dtype=float)
    out = np.empty((len(reps), len(measures)))
    for j, m in enumerate(measures):
        col = f"{m}{TARGET_SHARE_SUFFIX}"
        if col not in reps.columns:
            out[:, j] = fte / fte.sum()
            continue
        w = pd.to_numeric(reps[col], errors="coerce").to_numpy(dtype=float)
        bad = [str(r) for r, x in zip(reps.index, w, strict=True) if not (x >= 0)]
        if bad or w.sum() <= 0:
            raise ValidationError(
                [
                    InputIssue(
                        "reps",
                        f"column {col!r}" + (f", reps {', '.join(bad[:5])}" if bad else ""),
                        "per-rep target weights must be numbers >= 0 with a positive sum.",
                        f"fill {col!r} for every rep (e.g. 1.2 x FTE for the top tier), "
                        "or drop the column to use FTE shares.",
                    )
                ]
            )
        out[:, j] = w / w.sum()
    return out
