"""What the demo seeders hand back: one sign-in account to show on the demo's start page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str
