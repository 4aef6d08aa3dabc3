"""CRM exports (former module path): re-exports :mod:`.crm_export` and :mod:`.crm_demo`."""

from __future__ import annotations

from .crm_demo import generate_crm_history
from .crm_export import CRM_COLUMNS, CrmHistory, parse_crm, read_crm

__all__ = [
    "CRM_COLUMNS",
    "CrmHistory",
    "generate_crm_history",
    "parse_crm",
    "read_crm",
]
