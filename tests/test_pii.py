"""Phone numbers at rest: encrypted (AES-GCM), found by a keyed hash, legacy rows converted."""

from __future__ import annotations

from sqlalchemy import select, text

from server.common.pii import encrypt_plain_rows, phone_digest
from server.intake.models import Opinion
from tests.factories import make_district, make_resident
from tests.intake.factories import categories, report


def test_a_reported_phone_is_stored_encrypted_and_found_by_its_hash(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    assert report(client, token, d.site_a.code, cats["其他"], phone="13912345678") \
        .status_code == 201
    raw = db.session.execute(text("SELECT phone, phone_hash FROM opinions")).one()
    assert raw.phone.startswith("v1:") and "13912345678" not in raw.phone
    assert "5678" not in raw.phone
    db.session.expire_all()
    opinion = db.session.scalar(select(Opinion))
    assert opinion.phone == "13912345678"
    # Found by the number however it is written, never by scanning plain text.
    for written in ("13912345678", "139 1234 5678", "+86 139-1234-5678", "１３９１２３４５６７８"):
        found = db.session.scalar(select(Opinion).where(
            Opinion.phone_hash == phone_digest(written)))
        assert found is not None and found.id == opinion.id, written
    # Two encryptions of one number differ (a fresh nonce each time); the hash does not.
    other = report(client, token, d.site_a.code, cats["其他"], phone="13912345678",
                   text="另一件事，村西的桥栏杆松了")
    assert other.status_code == 201
    rows = db.session.execute(text("SELECT phone, phone_hash FROM opinions")).all()
    assert rows[0].phone != rows[1].phone and rows[0].phone_hash == rows[1].phone_hash


def test_rows_written_before_the_migration_are_converted(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    report(client, token, d.site_a.code, cats["其他"], phone="13800001111")
    db.session.execute(text("UPDATE opinions SET phone = '13800001111', phone_hash = NULL"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Opinion)).phone == "13800001111"  # legacy value readable
    with db.engine.begin() as conn:
        assert encrypt_plain_rows(conn, "opinions") == 1
        assert encrypt_plain_rows(conn, "opinions") == 0  # idempotent
    raw = db.session.execute(text("SELECT phone, phone_hash FROM opinions")).one()
    assert raw.phone.startswith("v1:") and raw.phone_hash == phone_digest("13800001111")
    db.session.expire_all()
    assert db.session.scalar(select(Opinion)).phone == "13800001111"
