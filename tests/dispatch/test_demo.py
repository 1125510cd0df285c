"""The dispatch demo seeder fills the inbox with cases in several states."""

from __future__ import annotations

from typing import Any

from server.dispatch.demo import seed_dispatch_demo
from server.dispatch.models import RoutingRule
from server.extensions import db
from server.intake.models import Opinion


def test_seed_dispatch_demo(world: Any) -> None:
    assert seed_dispatch_demo() == 3  # the world has three sites
    states = sorted(o.state for o in db.session.query(Opinion))
    assert states == ["answered", "assigned", "received"]
    assert db.session.query(RoutingRule).count() > 0
