"""Retention: a sweep removes phones and photos of cases closed longer ago than configured."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from server.common.models import utcnow
from server.extensions import db as _db
from server.intake.media import media_file
from server.intake.models import Opinion, OpinionEvent, OpinionPhoto
from server.privacy.retention import sweep
from tests.factories import make_district, make_resident
from tests.intake.factories import categories, jpeg_bytes, report, upload


def _closed_case(client, app, *, text: str, color: str) -> tuple[Opinion, OpinionPhoto]:
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    photo_id = upload(client, token, jpeg_bytes(color=color)).get_json()["id"]
    number = report(client, token, d.site_a.code, cats["道路交通"], text=text,
                    phone="13900001111", photo_ids=[photo_id]).get_json()["tracking_no"]
    opinion = _db.session.scalars(select(Opinion).where(Opinion.tracking_no == number)).one()
    opinion.state = "closed"
    _db.session.add(OpinionEvent(opinion_id=opinion.id, action="close", actor_kind="system",
                                 from_state="answered", to_state="closed", at=utcnow()))
    _db.session.commit()
    return opinion, _db.session.get(OpinionPhoto, photo_id)


def test_sweep_removes_phones_then_photos_by_the_faked_clock(client, app, db):
    app.config.update(PRIVACY_PHONE_RETENTION_DAYS=30, PRIVACY_PHOTO_RETENTION_DAYS=90)
    opinion, photo = _closed_case(client, app, text="路灯坏了 请打 139-0000-1111", color="red")
    path = Path(media_file(app.config["MEDIA_PATH"], photo.sha256))
    assert path.exists()
    now = utcnow()

    assert sweep(now=now + timedelta(days=29)).phones == 0
    dry = sweep(now=now + timedelta(days=31), dry_run=True)
    assert dry.phones == 1 and dry.photos == 0
    db.session.expire_all()
    assert db.session.get(Opinion, opinion.id).phone == "13900001111"  # dry run kept it

    done = sweep(now=now + timedelta(days=31))
    assert done.phones == 1 and done.photos == 0
    db.session.expire_all()
    case = db.session.get(Opinion, opinion.id)
    assert case.phone is None and case.phone_hash is None and "0000" not in case.text
    assert db.session.get(OpinionPhoto, photo.id) is not None

    assert sweep(now=now + timedelta(days=89)).photos == 0
    done = sweep(now=now + timedelta(days=91))
    assert done.photos == 1 and done.files >= 1
    assert db.session.get(OpinionPhoto, photo.id) is None and not path.exists()


def test_open_cases_are_never_swept(client, app, db):
    app.config.update(PRIVACY_PHONE_RETENTION_DAYS=1, PRIVACY_PHOTO_RETENTION_DAYS=1)
    opinion, photo = _closed_case(client, app, text="井盖丢了", color="blue")
    opinion.state = "in_progress"
    db.session.commit()
    result = sweep(now=utcnow() + timedelta(days=400))
    assert result.phones == 0 and result.photos == 0
    db.session.expire_all()
    assert db.session.get(Opinion, opinion.id).phone == "13900001111"


def test_sweep_command_dry_run(app, client, db):
    app.config.update(PRIVACY_PHONE_RETENTION_DAYS=0)
    _closed_case(client, app, text="路灯坏了", color="green")
    out = app.test_cli_runner().invoke(args=["privacy", "sweep", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "将清除联系电话 1 件" in out.output
