"""Photos: real images only, bombs and oversize refused, EXIF/GPS gone, served only in scope."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from server.intake.media import media_file
from server.intake.models import Opinion, OpinionPhoto
from tests.factories import bearer, make_district, make_resident, make_user
from tests.intake.factories import (
    categories,
    jpeg_bytes,
    png_bomb,
    report,
    staff_headers,
    upload,
)


def status(client, url: str, **kwargs) -> int:
    """GET a URL and close the response (served files stay open until then)."""
    response = client.get(url, **kwargs)
    response.close()
    return response.status_code


def test_photo_is_reencoded_without_exif_or_gps(app, client, db):
    _resident, token = make_resident()
    original = jpeg_bytes((1200, 900), gps=True)
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif().get_ifd(0x8825), "the test photo must carry GPS"
    response = upload(client, token, original)
    assert response.status_code == 201, response.get_json()
    photo = db.session.get(OpinionPhoto, response.get_json()["id"])
    stored = media_file(app.config["MEDIA_PATH"], photo.sha256)
    assert stored.exists() and photo.sha256 in stored.name
    data = stored.read_bytes()
    assert b"Exif" not in data and b"TestPhone" not in data
    with Image.open(io.BytesIO(data)) as clean:
        assert clean.format == "JPEG" and clean.size == (1200, 900)
        assert not clean.getexif().get_ifd(0x8825)
        assert len(clean.getexif()) == 0
    thumb = media_file(app.config["MEDIA_PATH"], photo.thumb_sha256)
    with Image.open(thumb) as small:
        assert max(small.size) == 360
    # What the reporter downloads is the clean file too.
    served = client.get(f"/api/v1/intake/photos/{photo.id}", headers=bearer(token))
    body = served.get_data()
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert body == data


def test_pdf_renamed_jpg_is_refused(client, db):
    _resident, token = make_resident()
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    response = upload(client, token, pdf, "scan.jpg")
    assert response.status_code == 422
    assert response.get_json()["code"] == "photo_type"
    assert db.session.scalar(select(func.count()).select_from(OpinionPhoto)) == 0


def test_gif_and_truncated_images_are_refused(client, db):
    _resident, token = make_resident()
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert upload(client, token, gif.getvalue(), "a.gif").status_code == 422
    truncated = jpeg_bytes((800, 600))[:2000]
    assert upload(client, token, truncated).status_code == 422


def test_decompression_bomb_of_20000_by_20000_is_refused(client, db):
    _resident, token = make_resident()
    bomb = png_bomb(20000, 20000)
    assert len(bomb) < 200_000  # small on the wire, 400 million pixels when decoded
    response = upload(client, token, bomb, "bomb.png")
    assert response.status_code == 422
    assert response.get_json()["code"] == "photo_dimensions"


def test_oversized_upload_is_413(app, client, db, config_override):
    _resident, token = make_resident()
    config_override(INTAKE_PHOTO_MAX_BYTES=50_000)
    big = jpeg_bytes((100, 100)) + b"\0" * 60_000
    response = upload(client, token, big)
    assert response.status_code == 413
    assert response.get_json()["code"] == "photo_too_large"


def test_seventh_photo_is_refused(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    ids = [upload(client, token, jpeg_bytes(color=c)).get_json()["id"]
           for c in ("red", "green", "blue", "white", "black", "gray", "pink")]
    seven = report(client, token, d.site_a.code, cats["其他"], photo_ids=ids)
    assert seven.status_code == 422
    assert "6" in str(seven.get_json()["errors"]["photo_ids"])
    assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0
    six = report(client, token, d.site_a.code, cats["其他"], photo_ids=ids[:6])
    assert six.status_code == 201


def test_identical_photos_are_stored_once_by_hash(app, client, db):
    _resident, token = make_resident()
    data = jpeg_bytes(color="olive")
    first = upload(client, token, data).get_json()["id"]
    second = upload(client, token, data).get_json()["id"]
    a, b = db.session.get(OpinionPhoto, first), db.session.get(OpinionPhoto, second)
    assert a.sha256 == b.sha256
    folder = Path(media_file(app.config["MEDIA_PATH"], a.sha256)).parent
    assert len([p for p in folder.iterdir() if p.name.startswith(a.sha256)]) == 1


def test_photos_are_served_only_to_the_reporter_and_staff_in_scope(app, client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    _other, other_token = make_resident()
    photo_id = upload(client, token, jpeg_bytes()).get_json()["id"]
    # Someone else cannot attach or see my upload.
    stolen = report(client, other_token, d.site_a.code, cats["其他"], photo_ids=[photo_id])
    assert stolen.status_code == 422
    number = report(client, token, d.site_a.code, cats["其他"],
                    photo_ids=[photo_id]).get_json()["tracking_no"]
    url = f"/api/v1/intake/photos/{photo_id}"
    assert status(client, url, headers=bearer(token)) == 200
    assert client.get(url, headers=bearer(other_token)).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url + "?sig=forged").status_code == 404
    # The reporter's detail carries signed URLs usable by an <img> (no header).
    detail = client.get(f"/api/v1/intake/my/opinions/{number}", headers=bearer(token)).get_json()
    assert status(client, detail["photos"][0]["thumb_url"]) == 200
    # Staff: in scope yes, out of scope no.
    insider = make_user("dispatcher", unit_id=d.town.id)
    outsider = make_user("dispatcher", unit_id=d.other_town.id)
    assert status(client, url, headers=staff_headers(insider)) == 200
    assert status(client, url, headers=staff_headers(outsider)) == 404
