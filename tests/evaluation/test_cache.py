"""The live dashboard is cached in Redis per data version; any change is seen at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.common.models import utcnow
from server.evaluation.dashboard import dashboard
from server.evaluation.periods import make_period
from server.extensions import db
from tests.evaluation.factories import make_opinion
from tests.factories import make_district, make_resident


def test_cached_dashboard_equals_computed_and_follows_changes(app: Any, redis: Any) -> None:
    d = make_district()
    resident, _ = make_resident()
    make_opinion(d.site_a, "closed", utcnow() - timedelta(hours=3), rating="satisfied",
                 answered=utcnow() - timedelta(hours=2), resident=resident)
    db.session.commit()
    period = make_period(None, None)
    first = dashboard(d.district.id, period)
    assert first == dashboard(d.district.id, period, cache=False)
    cached = [k for k in redis.scan_iter("sl:evaluation:dashboard:*")]
    assert len(cached) == 1 and 0 < redis.ttl(cached[0]) <= 60
    assert dashboard(d.district.id, period) == first

    make_opinion(d.site_b, "received", utcnow() - timedelta(minutes=5))
    db.session.commit()
    again = dashboard(d.district.id, period)
    assert again["figures"]["collected"] == first["figures"]["collected"] + 1
