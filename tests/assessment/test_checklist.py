"""The demo-site checklist: items config, evidence (photo/PDF), sign-off, permissions."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from server.assessment.checklist import PDF_MAX_BYTES, seed_default_items
from server.assessment.demo import DEMO_PDF
from server.people.services import issue_api_token
from tests.factories import bearer, make_user


def token(user: Any) -> dict[str, str]:
    return bearer(issue_api_token(user)[0])


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (32.0, 24.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upload(client: Any, headers: dict[str, str], site_id: int, item_id: int, data: bytes,
           name: str, note: str = "") -> Any:
    return client.post(
        f"/api/v1/assessment/checklist/sites/{site_id}/items/{item_id}/evidence",
        data={"file": (io.BytesIO(data), name), "note": note}, headers=headers,
        content_type="multipart/form-data")


def test_items_are_configurable_by_admins_only(world: Any, client: Any) -> None:
    seed_default_items()
    admin, handler = token(make_user("admin")), token(make_user("handler"))
    items = client.get("/api/v1/assessment/checklist/items", headers=handler).get_json()
    assert [i["name"] for i in items] == ["有场所", "有牌子", "有制度", "有议题", "有活动",
                                         "有台账"]
    assert client.post("/api/v1/assessment/checklist/items", json={"name": "有成效"},
                       headers=handler).status_code == 403
    made = client.post("/api/v1/assessment/checklist/items",
                       json={"name": "有成效", "code": "results"}, headers=admin)
    assert made.status_code == 201 and made.get_json()["sort_order"] == 7
    retired = client.patch(f"/api/v1/assessment/checklist/items/{items[3]['id']}",
                           json={"active": False}, headers=admin)
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    names = [i["name"] for i in
             client.get("/api/v1/assessment/checklist/items", headers=admin).get_json()]
    assert "有议题" not in names and names[-1] == "有成效"


def test_evidence_upload_sign_off_and_status(world: Any, client: Any,
                                            config_override: Any) -> None:
    seed_default_items()
    site = world.d.site_a  # demo site in 黄庄村
    moderator_user = make_user("moderator", unit_id=world.d.village_a.id)
    moderator = token(moderator_user)
    supervisor_user = make_user("supervisor")
    supervisor = token(supervisor_user)
    items = client.get("/api/v1/assessment/checklist/items", headers=moderator).get_json()
    place, ledger = items[0]["id"], items[5]["id"]

    # Approving without evidence is refused.
    early = client.post(f"/api/v1/assessment/checklist/sites/{site.id}/items/{place}/review",
                        json={"decision": "approved"}, headers=supervisor)
    assert early.status_code == 409 and early.get_json()["code"] == "no_evidence"

    photo = upload(client, moderator, site.id, place, jpeg_with_gps(), "门口.jpg", "议事室门口")
    assert photo.status_code == 201, photo.get_json()
    assert photo.get_json()["kind"] == "photo"
    assert photo.get_json()["uploaded_by"] == "测试moderator"
    stored = client.get(photo.get_json()["url"], headers=supervisor)
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    assert b"SecretCam" not in stored.data and Image.open(io.BytesIO(stored.data)).getexif() \
        .get(0x8825) is None
    stored.close()
    pdf = upload(client, moderator, site.id, ledger, DEMO_PDF, "台账.pdf")
    assert pdf.status_code == 201 and pdf.get_json()["kind"] == "document"
    got = client.get(pdf.get_json()["url"], headers=moderator)
    assert got.data == DEMO_PDF and got.mimetype == "application/pdf"
    got.close()

    # Wrong files: text, a truncated PDF, a PDF over the limit.
    text = upload(client, moderator, site.id, place, b"hello", "a.txt")
    assert text.status_code == 422 and text.get_json()["code"] == "evidence_type"
    cut = upload(client, moderator, site.id, ledger, DEMO_PDF[:60], "cut.pdf")
    assert cut.status_code == 422 and cut.get_json()["code"] == "invalid_document"
    config_override(ASSESSMENT_PDF_MAX_BYTES=100)
    big = upload(client, moderator, site.id, ledger, DEMO_PDF, "big.pdf")
    assert big.status_code == 413
    config_override(ASSESSMENT_PDF_MAX_BYTES=PDF_MAX_BYTES)

    # Only reviewers sign off; a rejection needs a reason; the sign-off records who and when.
    url = f"/api/v1/assessment/checklist/sites/{site.id}/items/{place}/review"
    assert client.post(url, json={"decision": "approved"}, headers=moderator).status_code == 403
    assert client.post(url, json={"decision": "rejected"}, headers=supervisor).status_code \
        == 422
    done = client.post(url, json={"decision": "approved", "note": "现场核实"},
                       headers=supervisor)
    assert done.status_code == 200, done.get_json()
    entry = done.get_json()["items"][0]
    assert entry["status"] == "approved" and entry["reviewed_by"] == "测试supervisor"
    assert entry["reviewed_at"] and entry["review_note"] == "现场核实"
    assert done.get_json()["summary"] == {"items": 6, "with_evidence": 2, "approved": 1,
                                          "rejected": 0, "complete": False}

    status = client.get("/api/v1/assessment/checklist/sites", headers=supervisor).get_json()
    assert {s["name"]: (s["with_evidence"], s["approved"]) for s in status} == {
        site.name: (2, 1), "新丰村示范点": (0, 0)}

    # New evidence after a sign-off sends the item back for review.
    upload(client, moderator, site.id, place, jpeg_with_gps(), "门口2.jpg")
    again = client.get(f"/api/v1/assessment/checklist/sites/{site.id}", headers=moderator)
    first = again.get_json()["items"][0]
    assert first["status"] == "pending" and first["reviewed_by"] is None
    assert len(first["evidence"]) == 2
    assert again.get_json()["can_upload"] is True and again.get_json()["can_review"] is False


def test_checklist_scope(world: Any, client: Any) -> None:
    seed_default_items()
    other = token(make_user("moderator", unit_id=world.d.village_c.id))  # 新丰村
    item = client.get("/api/v1/assessment/checklist/items", headers=other).get_json()[0]["id"]
    site = world.d.site_a
    denied = upload(client, other, site.id, item, DEMO_PDF, "x.pdf")
    assert denied.status_code == 403 and denied.get_json()["code"] == "out_of_scope"
    assert client.get(f"/api/v1/assessment/checklist/sites/{site.id}",
                      headers=other).status_code == 403
    supervisor = token(make_user("supervisor"))
    assert upload(client, supervisor, site.id, item, DEMO_PDF, "x.pdf").status_code == 403
    admin = token(make_user("admin"))
    ordinary = upload(client, admin, world.d.site_b.id, item, DEMO_PDF, "x.pdf")
    assert ordinary.status_code == 409 and ordinary.get_json()["code"] == "not_demo_site"
    handler = token(make_user("handler", department_id=world.dept_a.id))
    assert client.get("/api/v1/assessment/checklist/sites", headers=handler).status_code == 403


def test_evidence_uploaded_by_mistake_can_be_withdrawn_until_approved(world: Any, client: Any,
                                                                      app: Any) -> None:
    from server.assessment.checklist import evidence_path
    from server.assessment.models import ChecklistEvidence
    from server.extensions import db

    seed_default_items()
    site = world.d.site_a
    uploader = token(make_user("moderator", unit_id=world.d.village_a.id))
    colleague = token(make_user("moderator", unit_id=world.d.village_a.id))
    admin, supervisor = token(make_user("admin")), token(make_user("supervisor"))
    place = client.get("/api/v1/assessment/checklist/items", headers=uploader).get_json()[0]["id"]
    wrong = upload(client, uploader, site.id, place, jpeg_with_gps(), "错的.jpg").get_json()
    right = upload(client, uploader, site.id, place, DEMO_PDF, "台账.pdf").get_json()
    assert wrong["can_withdraw"] is True
    path = evidence_path(db.session.get(ChecklistEvidence, wrong["id"]))
    assert path.exists()
    # A colleague sees it but may not withdraw it; the checklist tells each who may.
    view = client.get(f"/api/v1/assessment/checklist/sites/{site.id}",
                      headers=colleague).get_json()
    assert [e["can_withdraw"] for e in view["items"][0]["evidence"]] == [False, False]
    denied = client.delete(f"/api/v1/assessment/evidence/{wrong['id']}", headers=colleague)
    assert denied.status_code == 403 and denied.get_json()["code"] == "not_uploader"
    assert client.delete(f"/api/v1/assessment/evidence/{wrong['id']}",
                         headers=supervisor).status_code == 403
    # The uploader withdraws it: the row and the file are gone, the other piece stays.
    gone = client.delete(f"/api/v1/assessment/evidence/{wrong['id']}", headers=uploader)
    assert gone.status_code == 200, gone.get_json()
    assert [e["filename"] for e in gone.get_json()["items"][0]["evidence"]] == ["台账.pdf"]
    assert not path.exists() and db.session.get(ChecklistEvidence, wrong["id"]) is None
    assert client.get(wrong["url"], headers=admin).status_code == 404
    again = client.delete(f"/api/v1/assessment/evidence/{wrong['id']}", headers=uploader)
    assert again.status_code == 404 and again.get_json()["code"] == "evidence_not_found"
    # Once approved the evidence stays, for the uploader and an admin alike.
    review = f"/api/v1/assessment/checklist/sites/{site.id}/items/{place}/review"
    assert client.post(review, json={"decision": "approved"},
                       headers=supervisor).status_code == 200
    for who in (uploader, admin):
        locked = client.delete(f"/api/v1/assessment/evidence/{right['id']}", headers=who)
        assert locked.status_code == 409 and locked.get_json()["code"] == "evidence_locked"
    # Sent back, an admin may withdraw anyone's evidence.
    assert client.post(review, json={"decision": "rejected", "note": "照片不清楚"},
                       headers=supervisor).status_code == 200
    assert client.delete(f"/api/v1/assessment/evidence/{right['id']}",
                         headers=admin).status_code == 200
    assert db.session.query(ChecklistEvidence).count() == 0
