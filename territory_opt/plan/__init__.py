"""The result of a solve: an :class:`Alignment` (a plan) and everything measured on it.

May import: ``problem``, ``graph``, ``data``, ``exceptions``.
"""

from .alignment import (
    Alignment,
    SolveReport,
)

__all__ = [
    "Alignment",
    "SolveReport",
]
