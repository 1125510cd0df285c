"""PIPL: a resident exports their data and erases it; reports stay as anonymous cases."""

from __future__ import annotations

from sqlalchemy import select

from server.audit import services as audit_services
from server.audit.models import AuditEvent
from server.intake.consent import PrivacyConsent
from server.intake.models import Opinion, OpinionPhoto
from server.meetings.models import Ballot
from server.people.models import Resident
from tests.factories import bearer, make_district, make_resident, make_user
from tests.intake.factories import categories, jpeg_bytes, report, upload
from tests.meetings.factories import check_in_directly, make_meeting, make_poll

TEXT = "村口路灯坏了，联系我 139 0000 5678"


def _world(client, db):
    d = make_district()
    cats = categories()
    resident, token = make_resident()
    photo = upload(client, token, jpeg_bytes()).get_json()["id"]
    number = report(client, token, d.site_a.code, cats["道路交通"], text=TEXT,
                    phone="13900005678", photo_ids=[photo]).get_json()["tracking_no"]
    meeting = make_meeting(d.site_a)
    check_in_directly(meeting, resident.id)
    poll = make_poll(make_user("admin"), meeting)
    db.session.add(Ballot(ballot_uid="u-privacy-1", poll_id=poll.id, resident_id=resident.id,
                          choices=str(poll.options[0].id)))
    db.session.commit()
    return resident, token, number


def test_export_holds_reports_photos_checkins_and_votes(client, db):
    resident, token, number = _world(client, db)
    response = client.get("/api/v1/privacy/my-data", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["resident"]["id"] == resident.id
    [mine] = data["reports"]
    assert mine["tracking_no"] == number and mine["phone"] == "13900005678"
    assert mine["text"] == TEXT
    assert len(mine["photos"]) == 1 and "sig=" in mine["photos"][0]["url"]
    assert [c["meeting"] for c in data["checkins"]] == ["黄庄村农路修缮协商会"]
    assert len(data["votes"]) == 1 and data["votes"][0]["choices"]
    assert data["consent"]["version"]
    # Someone else's token sees nothing of it.
    _other, other_token = make_resident()
    assert client.get("/api/v1/privacy/my-data", headers=bearer(other_token)
                      ).get_json()["reports"] == []
    assert client.get("/api/v1/privacy/my-data").status_code == 401
    audit_services.drain()
    row = db.session.scalars(select(AuditEvent).where(
        AuditEvent.path == "/api/v1/privacy/my-data")).first()
    assert row is not None and row.action == "privacy_export" and row.personal_data


def test_erase_keeps_the_case_but_anonymised_and_audited(client, db):
    resident, token, number = _world(client, db)
    resident.openid, resident.appid = "o-abc", "wx-test"
    db.session.commit()
    response = client.delete("/api/v1/privacy/my-data", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reports"] == 1
    db.session.expire_all()
    case = db.session.scalars(select(Opinion).where(Opinion.tracking_no == number)).one()
    assert case.resident_id is None and case.phone is None and case.phone_hash is None
    assert "139 0000" not in case.text and "联系我 139****5678" in case.text
    assert db.session.scalars(select(OpinionPhoto).where(
        OpinionPhoto.resident_id == resident.id)).all() == []
    shell = db.session.get(Resident, resident.id)
    assert shell.openid is None and shell.appid is None and shell.phone is None
    assert db.session.get(PrivacyConsent, resident.id) is None
    assert client.get("/api/v1/privacy/my-data", headers=bearer(token)
                      ).get_json()["reports"] == []
    audit_services.drain()
    row = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "privacy_erase")).one()
    assert row.resident_id == resident.id and row.status == 200
