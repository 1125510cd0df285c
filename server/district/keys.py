"""Redis keys of the district domain."""

from __future__ import annotations

CREDENTIALS_TTL_SECONDS = 3600


def credentials(token: str) -> str:
    """Key of an import's one-time credentials workbook (deleted when downloaded)."""
    return f"sl:district:credentials:{token}"
