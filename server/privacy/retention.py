"""Retention: phone numbers and photos of cases closed long ago are removed by a sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from server.common.models import utcnow
from server.common.text import mask_phones_in_text
from server.extensions import db
from server.intake.media import media_file
from server.intake.models import Opinion, OpinionEvent, OpinionPhoto
from server.privacy.services import anonymise_opinion

# States a case no longer leaves on its own; the retention clock starts at the last step.
FINAL_STATES = ("closed", "declined", "merged", "voided")
DEFAULT_PHONE_DAYS = 180
DEFAULT_PHOTO_DAYS = 365


@dataclass
class SweepResult:
    phones: int = 0
    photos: int = 0
    files: int = 0


def _days(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _finished_before(cutoff: datetime) -> list[int]:
    last_step = (select(OpinionEvent.opinion_id, func.max(OpinionEvent.at).label("at"))
                 .group_by(OpinionEvent.opinion_id).subquery())
    rows = db.session.execute(
        select(Opinion.id).join(last_step, last_step.c.opinion_id == Opinion.id)
        .where(Opinion.state.in_(FINAL_STATES), last_step.c.at < cutoff)).all()
    return [row[0] for row in rows]


def sweep(*, now: datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Remove phones and photos of cases finished longer ago than the configured periods."""
    now = now or utcnow()
    result = SweepResult()
    phone_ids = _finished_before(now - timedelta(days=_days(
        "PRIVACY_PHONE_RETENTION_DAYS", DEFAULT_PHONE_DAYS)))
    for opinion in db.session.scalars(select(Opinion).where(Opinion.id.in_(phone_ids))):
        if opinion.phone or opinion.contact_name or (
                mask_phones_in_text(opinion.text) != opinion.text):
            result.phones += 1
            if not dry_run:
                anonymise_opinion(opinion)
    photo_ids = _finished_before(now - timedelta(days=_days(
        "PRIVACY_PHOTO_RETENTION_DAYS", DEFAULT_PHOTO_DAYS)))
    photos = db.session.scalars(
        select(OpinionPhoto).where(OpinionPhoto.opinion_id.in_(photo_ids))).all()
    result.photos = len(photos)
    if dry_run:
        db.session.rollback()
        return result
    blobs = {sha for photo in photos for sha in (photo.sha256, photo.thumb_sha256)}
    for photo in photos:
        db.session.delete(photo)
    db.session.flush()
    root = current_app.config["MEDIA_PATH"]
    for sha in blobs:
        # Identical content is stored once: keep a file another photo still uses.
        shared = db.session.scalar(select(func.count()).select_from(OpinionPhoto).where(
            (OpinionPhoto.sha256 == sha) | (OpinionPhoto.thumb_sha256 == sha)))
        path = Path(media_file(root, sha))
        if not shared and path.exists():
            path.unlink()
            result.files += 1
    db.session.commit()
    return result
