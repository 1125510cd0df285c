"""Reuse the dispatch world fixture."""

from tests.dispatch.conftest import World, world

__all__ = ["World", "world"]
