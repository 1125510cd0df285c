"""The console's calls: one workflow action and the filters and forms it offers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.common.text import local_time
from server.dispatch import workflow
from server.dispatch.assignment import list_departments, list_members
from server.dispatch.calendar_days import calendar_year
from server.dispatch.cases import PHONE_ROLES, _names, _summary, get_case
from server.dispatch.models import Case
from server.errors import Forbidden
from server.extensions import db
from server.intake.models import KINDS, STATES, Category
from server.people.models import User
from server.sites.models import Unit


def act(user: User, opinion_id: int, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """Perform one workflow action from the console and return the updated case."""
    target = {k: body.get(k) for k in ("department_id", "member_user_id")}
    assisting = body.get("assisting_department_ids") or []
    calls = {
        "accept": lambda: workflow.accept(opinion_id, user, body.get("note")),
        "decline": lambda: workflow.decline(opinion_id, user, body.get("reason", "")),
        "assign": lambda: workflow.assign(opinion_id, user, **target,
                                          assisting_department_ids=assisting,
                                          note=body.get("note")),
        "reassign": lambda: workflow.reassign(opinion_id, user, **target,
                                              assisting_department_ids=assisting,
                                              note=body.get("note")),
        "return": lambda: workflow.return_case(opinion_id, user, body.get("reason", "")),
        "sign": lambda: workflow.sign(opinion_id, user),
        "start": lambda: workflow.start(opinion_id, user, body.get("note")),
        "answer": lambda: workflow.answer(opinion_id, user, body.get("text", "")),
        "request_extension": lambda: workflow.request_extension(
            opinion_id, user, int(body.get("days") or 0), body.get("reason", "")),
        "approve_extension": lambda: workflow.approve_extension(opinion_id, user,
                                                                body.get("note")),
        "refuse_extension": lambda: workflow.refuse_extension(opinion_id, user,
                                                              body.get("note")),
        "merge": lambda: workflow.merge(opinion_id, user, int(body["into_id"]),
                                        body.get("note")),
        "void": lambda: workflow.void(opinion_id, user, body.get("reason", "")),
    }
    opinion = calls[action]()
    try:
        return get_case(user, opinion_id)
    except Forbidden:
        # The action moved the case out of the caller's hands (退单): show only its summary.
        case = db.session.get(Case, opinion_id)
        return {**_summary(opinion, case, user, _names([case])), "actions": [],
                "timeline": [], "capacities": []}


def options(user: User) -> dict[str, Any]:
    """Return what the console's filters and forms offer, and the calendar warning."""
    from datetime import timedelta

    today = local_time(utcnow()).date()
    warnings = [calendar_year(y)["warning"] for y in {today.year,
                                                       (today + timedelta(days=60)).year}]
    units = db.session.scalars(select(Unit).where(Unit.depth <= 1).order_by(Unit.path)).all()
    return {
        "states": [{"id": k, "name": v} for k, v in STATES.items()],
        "kinds": [{"id": k, "name": v} for k, v in KINDS.items()],
        "categories": [{"id": c.id, "name": c.name} for c in db.session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.sort_order,
                                                                       Category.id))],
        "departments": list_departments(),
        "members": list_members(),
        "units": [{"id": u.id, "name": ("　" * u.depth) + u.name} for u in units],
        "may_export_phones": bool(user.roles & PHONE_ROLES),
        "calendar_warning": "；".join(w for w in warnings if w) or None,
    }
