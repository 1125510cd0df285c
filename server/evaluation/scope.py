"""Who may see what: the unit a viewer asks for, within their scope, and its figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.evaluation.dashboard import dashboard, units_for_picker
from server.evaluation.periods import Period, make_period
from server.evaluation.tree import _load_unit
from server.extensions import db
from server.sites.models import Unit

VIEWER_ROLES = ("admin", "supervisor", "dispatcher")


def scoped_unit(user: Any, unit_id: int | None) -> Unit:
    """Return the unit asked for (or the user's top unit), raising 403 outside the scope."""
    from server.errors import Forbidden
    from server.people.access import can_access_unit

    if unit_id is None:
        grants = [g for g in user.grants if g.role in VIEWER_ROLES]
        if any(g.district_wide for g in grants):
            root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None))
                                     .order_by(Unit.sort_order, Unit.id))
        else:
            units = sorted((g.unit for g in grants if g.unit is not None),
                           key=lambda u: (u.depth, u.id))
            root = units[0] if units else None
        if root is None:
            raise Forbidden("您没有可查看的行政单元", code="out_of_scope")
        return root
    unit = _load_unit(unit_id)
    if not can_access_unit(user, unit, VIEWER_ROLES):
        raise Forbidden("该单元不在您的管辖范围内", code="out_of_scope")
    return unit


def period_from_args(args: dict[str, Any]) -> Period:
    """Build a period from API arguments whose `end` is inclusive."""
    end = args.get("end")
    return make_period(args.get("start"), end + timedelta(days=1) if end else None)


def dashboard_for(user: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return the dashboard of the unit and period asked for, within the user's scope."""
    unit = scoped_unit(user, args.get("unit_id"))
    return dashboard(unit.id, period_from_args(args))


def units_for(user: Any) -> list[dict[str, Any]]:
    """List the units the user may open on the dashboard."""
    return units_for_picker(scoped_unit(user, None).id)


def hot_topics_for(user: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return the hot topics of the unit and period asked for, within the user's scope."""
    from server.evaluation.topics import hot_topics

    unit = scoped_unit(user, args.get("unit_id"))
    return hot_topics(unit.id, period_from_args(args), limit=args.get("limit", 10))


def wall_for(user: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return the command-centre wall's snapshot of the unit asked for, within the scope."""
    from server.evaluation.wall import snapshot

    return snapshot(scoped_unit(user, args.get("unit_id")).id)
