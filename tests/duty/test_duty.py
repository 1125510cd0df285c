"""Members' duty record: exactly the events that happened, the score by the formula, the XLSX."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from server.common.models import utcnow
from server.dispatch import workflow
from server.duty.models import DutyEvent
from server.extensions import db
from server.intake.models import Opinion
from server.intake.tracking import allocate_tracking_no
from server.meetings.models import Meeting
from server.people.models import Resident
from server.people.services import resident_token
from tests.factories import bearer
from tests.review.factories import World, make_member, make_world, staff, user_of

PHONE = "13912345678"


def meeting_at(w: World, title: str, status: str = "in_session") -> Meeting:
    meeting = Meeting(code=f"DT{title[-1]}{w.d.site_a.id:04d}", site_id=w.d.site_a.id, title=title,
                      starts_at=utcnow() - timedelta(minutes=10), status=status,
                      presence_check=False)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def phone_resident(phone: str | None) -> str:
    resident = Resident(kind="wechat", appid="wx-test-appid", openid=f"o-{phone}", phone=phone)
    db.session.add(resident)
    db.session.commit()
    return resident_token(resident)


def record(client, w: World) -> dict:
    answer = client.get(f"/api/v1/duty/members/{w.lead.id}", headers=staff(w.secretary))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_duty_record_counts_exactly_what_the_member_did(client) -> None:
    w = make_world()
    w.lead.phone = PHONE
    db.session.commit()
    member_token = phone_resident(PHONE)
    bystander_token = phone_resident("13800000000")
    first, second = meeting_at(w, "协商会一"), meeting_at(w, "协商会二")
    invited_to = meeting_at(w, "协商会三", status="published")

    # Checks in twice (to two meetings); checking in to the first again changes nothing.
    for meeting in (first, second, first):
        answer = client.post(f"/api/v1/m/{meeting.code}/checkin", json={},
                             headers=bearer(member_token))
        assert answer.status_code == 200, answer.get_json()
    # A resident who is no member checks in too: not on anyone's record.
    assert client.post(f"/api/v1/m/{first.code}/checkin", json={},
                       headers=bearer(bystander_token)).status_code == 200
    # Raises a topic.
    topic = client.post(f"/api/v1/sites/{w.d.site_a.code}/topics", headers=bearer(member_token),
                        json={"title": "村口路灯不亮", "detail": "晚上出行不便"})
    assert topic.status_code == 201, topic.get_json()
    # Declines an invitation.
    invitation = client.post("/api/v1/invitations", headers=staff(w.secretary),
                             json={"meeting_id": invited_to.id, "member_id": w.lead.id})
    assert invitation.status_code == 201, invitation.get_json()
    declined = client.post(f"/api/v1/invitations/{invitation.get_json()['id']}/respond",
                           headers=staff(user_of(w.lead)),
                           json={"response": "decline", "note": "当天在外地"})
    assert declined.status_code == 200, declined.get_json()
    # Follows a case assigned to them at their attached site.
    opinion = Opinion(tracking_no=allocate_tracking_no(), site_id=w.d.site_a.id,
                      unit_id=w.d.site_a.unit_id, text="村口路灯坏了三盏", state="received",
                      created_at=utcnow())
    db.session.add(opinion)
    db.session.flush()
    workflow.record_submission(opinion, resident_id=None, entered_by_id=None)
    workflow.assign(opinion.id, w.dispatcher, member_user_id=w.lead.user_id)

    data = record(client, w)
    counts = {i["kind"]: i["count"] for i in data["items"]}
    assert counts == {"attend": 2, "studio": 0, "topic": 1, "proposal": 0, "case": 1,
                      "opinion": 0, "invite_accept": 0, "invite_decline": 1}
    assert [e["kind_name"] for e in data["events"]] == [
        "参加协商活动", "参加协商活动", "提出议题", "谢绝邀请", "跟进案件与成果"]
    assert db.session.scalar(select(func.count(DutyEvent.id))) == 5
    # Score by the default formula: min(30, 2×2) + min(15, 3×1) + min(15, 3×1) + 0.
    assert data["score"] == 10
    by_kind = {i["kind"]: i for i in data["items"]}
    assert by_kind["attend"]["formula"] == "min(30, 2 × 2)"
    # Two meetings and one case at the attached site; the year asks for 4.
    assert (data["site_activities"], data["required_site_activities"], data["shortfall"]) == (
        3, 4, 1)

    # The formula is configurable; the score follows it.
    changed = client.put("/api/v1/duty/settings", headers=staff(w.secretary),
                         json={"values": {"attend.points": 5, "case.cap": 2}})
    assert changed.status_code == 200, changed.get_json()
    assert record(client, w)["score"] == 5 * 2 + 3 + 2
    bad = client.put("/api/v1/duty/settings", headers=staff(w.secretary),
                     json={"values": {"attend.points": -1, "nope": 1}})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"attend.points", "nope"}

    # The member sees the same record on their phone; another member cannot read it.
    mine = client.get("/api/v1/duty/me", headers=staff(user_of(w.lead))).get_json()
    assert mine["events"] == record(client, w)["events"] and mine["score"] == 15
    assert client.get(f"/api/v1/duty/members/{w.lead.id}",
                      headers=staff(user_of(w.cosigner))).status_code == 403

    # Supervision lists the member who falls short (the one without a site is not assessed).
    short = client.get("/api/v1/duty/shortfalls", headers=staff(w.secretary)).get_json()
    assert [(m["name"], m["shortfall"]) for m in short["items"]] == [("王建国", 1)]
    listed = client.get("/api/v1/duty/members", headers=staff(w.secretary)).get_json()
    assert {m["name"]: m["shortfall"] for m in listed["items"]} == {"王建国": 1, "李秀英": 0}

    # The XLSX carries what the API says, member by member.
    api = client.get("/api/v1/duty/members", headers=staff(w.secretary)).get_json()
    download = client.get(f"/api/v1/duty/export?year={api['year']}", headers=staff(w.secretary))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    rows = list(book["委员履职"].iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert len(body) == len(api["items"]) == 2
    for item, row in zip(api["items"], body, strict=True):
        line = dict(zip(head, row, strict=True))
        assert line["姓名"] == item["name"] and line["得分"] == item["score"]
        assert [line[i["name"]] for i in item["items"]] == [i["count"] for i in item["items"]]
        assert line["差额"] == item["shortfall"]
    circles = {r[0]: r for r in list(book["界别汇总"].iter_rows(values_only=True))[1:]}
    assert circles["农业界"][2] == 15 and circles["医卫界"][2] == 0

    # Staff narrow the list to a circle or a sector (the member's unit's town).
    health = next(c["id"] for c in api["options"]["circles"] if c["name"] == "医卫界")
    by_circle = client.get(f"/api/v1/duty/members?circle_id={health}",
                           headers=staff(w.secretary)).get_json()
    assert [m["name"] for m in by_circle["items"]] == ["李秀英"]
    by_sector = client.get(f"/api/v1/duty/members?sector_id={w.d.town.id}",
                           headers=staff(w.secretary)).get_json()
    assert [(m["name"], m["sector"]) for m in by_sector["items"]] == [("王建国", "龙冈镇")]


def test_moderator_roll_counts_once_and_studio_meetings_count_as_studio_work(client) -> None:
    w = make_world()
    w.d.site_a.kind = "studio"
    db.session.commit()
    meeting = meeting_at(w, "工作室活动")
    helper = make_member("周七", site=w.d.site_a)
    for _ in range(2):
        answer = client.post(f"/api/v1/meetings/{meeting.id}/roll", headers=staff(w.moderator),
                             json={"member_id": helper.id})
        assert answer.status_code == 200
    events = db.session.scalars(select(DutyEvent).where(DutyEvent.member_id == helper.id)).all()
    assert [(e.kind, e.at_attached_site) for e in events] == [("studio", True)]
