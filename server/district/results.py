"""What an import wrote (or would write): counts per sheet and the new accounts' passwords."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.errors import ValidationFailed


class ImportInvalid(ValidationFailed):
    code = "import_invalid"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict."""
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "retired": self.retired}


@dataclass
class Credential:
    username: str
    display_name: str
    temporary_password: str
    roles: str


@dataclass
class Result:
    counts: dict[str, Counts] = field(default_factory=dict)
    credentials: list[Credential] = field(default_factory=list)
    rows: int = 0

    def summary(self) -> dict[str, Any]:
        """Describe what was (or would be) written per sheet."""
        return {"rows": self.rows,
                "sheets": {name: c.as_dict() for name, c in self.counts.items()},
                "new_accounts": len(self.credentials)}
