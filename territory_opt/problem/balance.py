"""The balance setting: :class:`Balance` (one balanced measure) and its shorthand forms."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._errors import refuse

__all__ = ["Balance", "BalanceSpec", "parse_balance"]


@dataclass(frozen=True)
class Balance:
    """One balanced measure.

    Parameters
    ----------
    measure : str
        Measure (column) name.
    tolerance : float, optional
        Relative tolerance around the FTE-proportional target ``s_r * total``:
        a territory holds between ``(1 - tolerance)`` and ``(1 + tolerance)`` of its target.
    lower, upper : float, optional
        Absolute bounds for every territory (instead of, or on top of, ``tolerance``); with
        free centres and with fixed ones alike they apply to each territory unscaled.
    penalty : float, optional
        ``None`` (default): the bounds are hard. A number: they are soft, and the objective
        pays ``penalty`` per unit of deviation beyond them, measured as a fraction of the
        target (so 0.01 = 1 % of target), summed over territories.
    """

    measure: str
    tolerance: float | None = None
    lower: float | None = None
    upper: float | None = None
    penalty: float | None = None

    @property
    def hard(self) -> bool:
        """True when the bounds are hard constraints."""
        return self.penalty is None


BalanceSpec = Mapping[str, "float | Balance"] | Sequence[Balance] | Balance | None


def parse_balance(balance: BalanceSpec) -> tuple[Balance, ...]:
    """``{"measure": tolerance}``, a :class:`Balance` or a sequence of them, as a tuple."""
    if balance is None:
        return ()
    if isinstance(balance, Balance):
        return (balance,)
    if isinstance(balance, Mapping):
        out = []
        for m, v in balance.items():
            if isinstance(v, Balance):
                out.append(v if v.measure == m else dataclasses.replace(v, measure=str(m)))
            else:
                out.append(Balance(str(m), tolerance=float(v)))
        return tuple(out)
    items = list(balance)
    for b in items:
        if not isinstance(b, Balance):
            refuse(
                "settings",
                f"balance {b!r}",
                "is not a Balance.",
                "pass {'measure': tolerance} or Balance objects.",
            )
    return tuple(items)
