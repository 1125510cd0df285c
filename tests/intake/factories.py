"""Factories for intake tests: categories, photos, reports and answering them via dispatch."""

from __future__ import annotations

import io
import itertools
import zlib
from typing import Any

from flask.testing import FlaskClient
from PIL import Image

from server.dispatch import workflow
from server.extensions import db
from server.intake.categories import seed_default_categories
from server.intake.models import Category, Opinion
from server.people.models import User
from tests.factories import District, bearer, make_user

_keys = itertools.count(1)


def categories() -> dict[str, Category]:
    """Seed the default categories (no migration data needed) and return them by name."""
    return {c.name: c for c in seed_default_categories()}


def jpeg_bytes(size: tuple[int, int] = (640, 480), *, gps: bool = False,
               color: str = "teal") -> bytes:
    """Return a JPEG, optionally carrying EXIF with a GPS position and a camera model."""
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x0110] = "TestPhone 12"  # Model
        exif[0x8825] = {  # GPSInfo IFD
            1: "N", 2: (33.0, 21.0, 36.0), 3: "E", 4: (120.0, 9.0, 0.0),
        }
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """Return a small PNG that claims (and would decode to) width×height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (len(data).to_bytes(4, "big") + body
                + zlib.crc32(body).to_bytes(4, "big"))

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


def upload(client: FlaskClient, token: str, data: bytes, name: str = "photo.jpg") -> Any:
    """Upload one photo as a resident (or staff bearer) and return the response."""
    return client.post("/api/v1/intake/photos", headers=bearer(token),
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def report(client: FlaskClient, token: str, site_code: str, category: Category, *,
           text: str = "村口的路灯坏了好几天，晚上走路很黑", key: str | None = None,
           **extra: Any) -> Any:
    """Submit a report as a resident and return the response."""
    headers = bearer(token)
    if key:
        headers["Idempotency-Key"] = key
    body = {"site_code": site_code, "category_id": category.id, "text": text,
            "consent": True, **extra}
    return client.post("/api/v1/intake/opinions", json=body, headers=headers)


def answer_via_dispatch(d: District, tracking_no: str,
                        text: str = "路灯已于今日修复，感谢您的反映。") -> tuple[User, User]:
    """Assign, sign and answer a report through the dispatch workflow, as staff would."""
    opinion = db.session.query(Opinion).filter_by(tracking_no=tracking_no).one()
    dispatcher = make_user("dispatcher", unit_id=d.district.id)
    handler = make_user("handler", department_id=d.department.id)
    workflow.assign(opinion.id, dispatcher, department_id=d.department.id)
    workflow.sign(opinion.id, handler)
    workflow.answer(opinion.id, handler, text)
    return dispatcher, handler


def new_key() -> str:
    return f"test-key-{next(_keys):06d}"


def staff_headers(user: User) -> dict[str, str]:
    """Return bearer headers for a staff user (no password check: keeps tests fast)."""
    from server.people.services import issue_api_token

    token, _row = issue_api_token(user, "tests")
    return bearer(token)
