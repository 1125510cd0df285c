"""Demo data for meetings: at 黄庄村, a past meeting with results, outcomes and feedback (one
followed up as a case), an upcoming one, and a few topics residents proposed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.common.models import utcnow
from server.extensions import db
from server.meetings.models import (
    YESNO_OPTIONS,
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Outcome,
    PaperCount,
    Poll,
    PollOption,
    Topic,
)
from server.people.models import User
from server.sites.models import Site, Unit


def seed_meetings_demo() -> int:
    """Add the demo meetings to 黄庄村's room (skipped if it has meetings); return how many."""
    from server.meetings.followup import _case_for

    site = db.session.scalar(select(Site).join(Unit, Site.unit_id == Unit.id)
                             .where(Unit.name == "黄庄村", Site.kind == "room"))
    moderator = db.session.scalar(select(User).where(User.username == "moderator"))
    if site is None or moderator is None or db.session.scalar(
            select(Meeting.id).where(Meeting.site_id == site.id)) is not None:
        return 0
    now = utcnow()
    past = Meeting(
        code="HZDEMO1", site_id=site.id, title="东西向农路硬化和路灯安装协商会",
        location="黄庄村委会二楼议事室", starts_at=now - timedelta(days=20, hours=3),
        ends_at=now - timedelta(days=20, hours=1), status="closed", quorum=20,
        published_at=now - timedelta(days=27), closed_at=now - timedelta(days=20),
        created_by_id=moderator.id,
        minutes="到会群众代表 26 人，政协委员 2 人，镇交通办、村两委参加。\n"
                "大家先议农路硬化的先后顺序，再议路灯位置；现场表决同意先修东西向农路。",
        participants=[MeetingParticipant(kind="member", name="王建国", organisation="区政协"),
                      MeetingParticipant(kind="department", name="李明",
                                         organisation="龙冈镇交通办"),
                      MeetingParticipant(kind="cadre", name="张芳", organisation="黄庄村村委会")],
        agenda=[AgendaItem(position=0, title="农路硬化的先后顺序"),
                AgendaItem(position=1, title="路灯安装的位置和维护")])
    poll = Poll(title="是否同意先修东西向农路", kind="yesno", status="closed",
                opened_at=now - timedelta(days=20, hours=2),
                closed_at=now - timedelta(days=20, hours=2) + timedelta(minutes=5),
                options=[PollOption(position=i, label=label)
                         for i, label in enumerate(YESNO_OPTIONS)])
    past.polls = [poll]
    db.session.add(past)
    db.session.flush()
    counts = dict(zip((o.id for o in poll.options), (21, 3, 2), strict=True))
    for option_id, count in counts.items():
        db.session.add(PaperCount(poll_id=poll.id, option_id=option_id, count=count,
                                  note="现场举手", entered_by_id=moderator.id))
    poll.result = {"options": [{"id": o.id, "label": o.label, "online": 0,
                                "paper": counts[o.id], "total": counts[o.id]}
                               for o in poll.options],
                   "ballots": 0, "paper": 26, "total_votes": 26, "checked_in": 0,
                   "frozen_at": poll.closed_at.isoformat() if poll.closed_at else None}
    followed = Outcome(meeting_id=past.id,
                       text="东西向农路年底前完成硬化，镇交通办牵头，村里负责协调占地",
                       feedback="已列入镇年度计划，11 月上旬开工。",
                       feedback_at=now - timedelta(days=6))
    lights = Outcome(meeting_id=past.id, text="路灯先在村口到小学一段安装 12 盏，村里负责维护")
    db.session.add_all([followed, lights])
    db.session.add(Meeting(
        code="HZDEMO2", site_id=site.id, title="村口停车位规划协商会", location="黄庄村文化礼堂",
        starts_at=(now + timedelta(days=5)).replace(hour=6, minute=30, second=0, microsecond=0),
        status="published", published_at=now, created_by_id=moderator.id, quorum=15,
        agenda=[AgendaItem(position=0, title="村口空地改停车位的方案", source="topic")]))
    db.session.add_all([
        Topic(site_id=site.id, title="村里想建一个健身广场", detail="老人晚上想有个地方活动。",
              supporters=17),
        Topic(site_id=site.id, title="河边加装护栏", detail="孩子放学常走河边，不安全。",
              supporters=9),
        Topic(site_id=site.id, title="村口停车难", supporters=23, status="picked"),
    ])
    db.session.commit()
    _case_for(moderator, past, followed, None)
    return 2
