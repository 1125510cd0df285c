"""Photos: verify with Pillow, refuse bombs, strip metadata, re-encode, store by hash; upload,
claim for a report and serve through short-lived signed URLs."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from server.errors import DomainError, NotFound, ValidationFailed
from server.extensions import db
from server.intake.decode_pool import decode_bounded
from server.intake.models import Opinion, OpinionPhoto
from server.intake.ratelimit import check_rate
from server.intake.settings import setting
from server.people.access import can_access_site
from server.people.models import Resident, User
from server.sites.models import Site

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_EDGE = 2048
THUMB_EDGE = 360


class PhotoTooLarge(DomainError):
    status, code, message = 413, "photo_too_large", "照片太大，请换一张小一点的照片"


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    thumb: bytes
    sha256: str
    thumb_sha256: str
    width: int
    height: int


def _invalid(message: str, code: str = "invalid_photo") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={"file": [message]})


def process_photo(raw: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """Check an upload is a real photo of an allowed type and return a clean JPEG and thumb."""
    if len(raw) > max_bytes:
        raise PhotoTooLarge(f"照片不能超过 {max_bytes // (1024 * 1024)} MB")
    if not raw:
        raise _invalid("没有收到照片内容")
    with warnings.catch_warnings():
        # Pillow warns (and later raises) on huge images; treat both as a bomb.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise _invalid("只支持 JPG、PNG、WEBP 格式的照片", "photo_type")
                if width * height > max_pixels:
                    raise _invalid("照片尺寸过大，请换一张照片", "photo_dimensions")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as opened:
                if opened.format == "JPEG":
                    # Decode big JPEGs at a reduced scale: faster and far less memory.
                    opened.draft("RGB", (MAX_EDGE, MAX_EDGE))
                opened.load()
                image = _flatten(ImageOps.exif_transpose(opened))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _invalid("照片尺寸过大，请换一张照片", "photo_dimensions") from exc
        except UnidentifiedImageError as exc:
            raise _invalid("文件不是有效的图片，请重新选择照片", "photo_type") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise _invalid("照片已损坏，无法读取，请重新选择照片") from exc
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    data = _encode(image, 85)
    thumb_image = image.copy()
    thumb_image.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    thumb = _encode(thumb_image, 75)
    return ProcessedPhoto(
        data=data, thumb=thumb, sha256=hashlib.sha256(data).hexdigest(),
        thumb_sha256=hashlib.sha256(thumb).hexdigest(), width=image.width, height=image.height,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """Return an RGB copy, painting transparency onto white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    # A fresh save without exif=/icc_profile= writes no EXIF, XMP or GPS at all.
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def media_file(root: str | Path, sha256: str) -> Path:
    """Return where a blob with this hash lives under the media folder."""
    return Path(root) / "intake" / sha256[:2] / f"{sha256}.jpg"


def store_blob(root: str | Path, sha256: str, data: bytes) -> Path:
    """Write a blob once (atomically); identical content is stored a single time."""
    return write_once(media_file(root, sha256), data)


def write_once(path: Path, data: bytes) -> Path:
    """Write a content-addressed file atomically unless it already exists."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---- photos a report carries --------------------------------------------------------------


def upload_photo(raw: bytes, *, resident: Resident | None = None,
                 user: User | None = None) -> OpinionPhoto:
    """Verify, clean and store an uploaded photo for the caller's next report."""
    who = f"r{resident.id}" if resident else f"u{user.id if user else 0}"
    check_rate("upload", who, setting("INTAKE_RATE_UPLOAD"),
               "上传照片太频繁了，请 {minutes} 分钟后再试")
    processed = decode_bounded(process_photo, raw,
                               max_bytes=setting("INTAKE_PHOTO_MAX_BYTES"),
                               max_pixels=setting("INTAKE_PHOTO_MAX_PIXELS"))
    root = current_app.config["MEDIA_PATH"]
    store_blob(root, processed.sha256, processed.data)
    store_blob(root, processed.thumb_sha256, processed.thumb)
    photo = OpinionPhoto(
        resident_id=resident.id if resident else None, user_id=user.id if user else None,
        sha256=processed.sha256, thumb_sha256=processed.thumb_sha256,
        width=processed.width, height=processed.height, size=len(processed.data),
    )
    db.session.add(photo)
    db.session.commit()
    return photo


def _photo_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="intake-photo")


def photo_urls(photo: OpinionPhoto) -> dict[str, Any]:
    """Describe a photo with short-lived signed URLs (an <img> cannot send a token)."""
    sig = _photo_signer().dumps(photo.id)
    base = f"/api/v1/intake/photos/{photo.id}"
    return {"id": photo.id, "width": photo.width, "height": photo.height,
            "url": f"{base}?sig={sig}", "thumb_url": f"{base}?variant=thumb&sig={sig}"}


def photo_file(photo_id: int, variant: str, *, sig: str | None, resident: Resident | None,
               user: User | None) -> str:
    """Return the stored file of a photo the caller may see (reporter, uploader, staff)."""
    photo = db.session.get(OpinionPhoto, photo_id)
    if photo is None or not _may_see_photo(photo, sig, resident, user):
        raise NotFound("找不到该照片", code="photo_not_found")
    sha = photo.thumb_sha256 if variant == "thumb" else photo.sha256
    return str(media_file(current_app.config["MEDIA_PATH"], sha))


def _may_see_photo(photo: OpinionPhoto, sig: str | None, resident: Resident | None,
                   user: User | None) -> bool:
    if sig:
        try:
            if _photo_signer().loads(sig, max_age=setting("INTAKE_PHOTO_URL_SECONDS")) \
                    == photo.id:
                return True
        except (BadSignature, SignatureExpired):
            pass
    opinion = db.session.get(Opinion, photo.opinion_id) if photo.opinion_id else None
    if resident is not None:
        if photo.resident_id == resident.id:
            return True
        return opinion is not None and opinion.resident_id == resident.id
    if user is not None:
        if photo.user_id == user.id:
            return True
        if opinion is not None:
            site = db.session.get(Site, opinion.site_id)
            return site is not None and can_access_site(user, site)
    return False


def claim_photos(ids: list[int], *, resident: Resident | None, user: User | None
                 ) -> list[OpinionPhoto]:
    """Check the photos a report names are the caller's own, unused and few enough."""
    most = setting("INTAKE_PHOTOS_MAX")
    if len(ids) > most:
        raise ValidationFailed(f"最多只能上传 {most} 张照片", code="too_many_photos",
                               errors={"photo_ids": [f"最多 {most} 张照片"]})
    if len(set(ids)) != len(ids):
        raise ValidationFailed(errors={"photo_ids": ["照片重复了"]})
    photos = list(db.session.scalars(select(OpinionPhoto).where(OpinionPhoto.id.in_(ids))))
    by_id = {p.id: p for p in photos}
    for photo_id in ids:
        photo = by_id.get(photo_id)
        owner_ok = photo is not None and (
            (resident is not None and photo.resident_id == resident.id)
            or (user is not None and photo.user_id == user.id))
        if not owner_ok or photo is None or photo.opinion_id is not None:
            raise ValidationFailed(errors={"photo_ids": ["照片无效或已使用，请重新上传"]})
    return [by_id[i] for i in ids]
