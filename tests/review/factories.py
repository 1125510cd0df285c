"""A small world for the CPPCC's own work: a site with its attached member, staff and outcomes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server.common.models import utcnow
from server.extensions import db
from server.meetings.lifecycle import add_outcome, set_meeting_status
from server.meetings.models import Meeting, Outcome
from server.people.models import Member, MemberSite, User
from server.people.services import issue_api_token
from server.sites.models import Circle, Department, Site
from tests.factories import District, bearer, make_department, make_district, make_user
from tests.intake.factories import categories

_seq = itertools.count(1)


def staff(user: User) -> dict[str, str]:
    """Return bearer headers for a staff user."""
    return bearer(issue_api_token(user)[0])


def make_member(name: str, *, site: Site | None = None, phone: str | None = None,
                circle: str = "农业界", with_user: bool = True, unit_id: int | None = None
                ) -> Member:
    """Add a member (with a member account, attached to a site if given)."""
    row = db.session.query(Circle).filter_by(name=circle).first()
    if row is None:
        row = Circle(code=f"C{next(_seq)}", name=circle)
        db.session.add(row)
        db.session.flush()
    user = make_user("member") if with_user else None
    member = Member(name=name, circle_id=row.id, phone=phone or f"1390000{next(_seq):04d}",
                    user_id=user.id if user else None, unit_id=unit_id)
    if site is not None:
        member.sites = [MemberSite(site_id=site.id, role="liaison")]
    db.session.add(member)
    db.session.commit()
    return member


def user_of(member: Member) -> User:
    """Return a member's staff account."""
    user = db.session.get(User, member.user_id)
    assert user is not None
    return user


@dataclass
class World:
    d: District
    secretary: User
    dispatcher: User
    handler: User
    moderator: User
    lead_dept: Department
    co_dept: Department
    lead: Member
    cosigner: Member


def make_world() -> World:
    """Build the district, departments, staff and two members (one attached to site A)."""
    d = make_district()
    categories()
    co_dept = make_department("农业农村局")
    db.session.commit()
    world = World(
        d=d, secretary=make_user("admin"),
        dispatcher=make_user("dispatcher", unit_id=d.district.id),
        handler=make_user("handler", department_id=d.department.id),
        moderator=make_user("moderator", site_id=d.site_a.id),
        lead_dept=d.department, co_dept=co_dept,
        lead=make_member("王建国", site=d.site_a, unit_id=d.town.id),
        cosigner=make_member("李秀英", circle="医卫界", unit_id=d.other_town.id))
    return world


def closed_meeting(w: World, texts: list[str], title: str = "黄庄村农路修缮协商会",
                   site: Site | None = None) -> tuple[Meeting, list[Outcome]]:
    """Hold and close a meeting at site A with the given outcomes."""
    meeting = Meeting(code=f"RV{next(_seq):05d}", site_id=(site or w.d.site_a).id, title=title,
                      starts_at=utcnow() - timedelta(hours=2), status="in_session")
    db.session.add(meeting)
    db.session.commit()
    outcomes = [add_outcome(w.secretary, meeting.id, t)
                for t in texts]
    set_meeting_status(w.secretary, meeting.id, "closed")
    return meeting, outcomes


def review(client: Any, w: World, decisions: list[dict[str, Any]], **extra: Any) -> Any:
    """Record a review session through the API; return the response."""
    body = {"held_on": extra.pop("held_on", utcnow().date().isoformat()),
            "title": "第十二次主席会议", "attendees": ["张主席", "刘副主席", "陈秘书长"],
            "decisions": decisions, **extra}
    return client.post("/api/v1/review/sessions", json=body, headers=staff(w.secretary))
