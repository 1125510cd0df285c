"""A resident's own data: export it as JSON, or erase it while their reports stay as cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from server.common.text import mask_phones_in_text
from server.extensions import db
from server.intake.consent import PrivacyConsent
from server.intake.media import photo_urls
from server.intake.models import Opinion, OpinionPhoto, OpinionSupport
from server.intake.resident import local_text
from server.meetings.models import Attendance, Ballot, Meeting, Poll, PollOption, SiteFollow
from server.people.models import Resident


def export_data(resident: Resident) -> dict[str, Any]:
    """Collect everything stored about the resident: reports, ratings, check-ins, votes."""
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.resident_id == resident.id).order_by(Opinion.id)).all()
    photos = db.session.scalars(
        select(OpinionPhoto).where(OpinionPhoto.resident_id == resident.id)
        .order_by(OpinionPhoto.opinion_id, OpinionPhoto.position)).all()
    by_opinion: dict[int | None, list[dict[str, Any]]] = {}
    for photo in photos:
        by_opinion.setdefault(photo.opinion_id, []).append(photo_urls(photo))
    reports = [{
        "tracking_no": o.tracking_no, "text": o.text, "kind": o.kind, "state": o.state,
        "category": o.category.name if o.category else None, "phone": o.phone,
        "anonymous": o.anonymous, "created_at": local_text(o.created_at),
        "photos": by_opinion.get(o.id, []),
    } for o in opinions]
    ratings = [{"tracking_no": o.tracking_no, "rating": o.rating,
                "comment": o.rating_comment, "rated_at": local_text(o.rated_at)}
               for o in opinions if o.rating]
    supports = db.session.scalars(
        select(Opinion.tracking_no).join(OpinionSupport, OpinionSupport.opinion_id == Opinion.id)
        .where(OpinionSupport.resident_id == resident.id)).all()
    checkins = db.session.execute(
        select(Meeting.id, Meeting.title, Attendance.channel, Attendance.checked_in_at)
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(Attendance.resident_id == resident.id).order_by(Attendance.id)).all()
    ballots = db.session.execute(
        select(Poll.id, Poll.title, Ballot.choices, Ballot.cast_at)
        .join(Ballot, Ballot.poll_id == Poll.id)
        .where(Ballot.resident_id == resident.id).order_by(Ballot.id)).all()
    labels = _option_labels([c for _i, _t, c, _a in ballots])
    consent = db.session.get(PrivacyConsent, resident.id)
    return {
        "resident": {"id": resident.id, "kind": resident.kind, "phone": resident.phone,
                     "created_at": local_text(resident.created_at)},
        "consent": {"version": consent.version, "at": local_text(consent.at)} if consent else None,
        "reports": reports,
        "ratings": ratings,
        "supports": list(supports),
        "checkins": [{"meeting_id": m, "meeting": t, "channel": ch, "at": local_text(at)}
                     for m, t, ch, at in checkins],
        "votes": [{"poll_id": p, "poll": t, "choices": [labels.get(i, str(i)) for i in
                                                        _ids(c)], "at": local_text(at)}
                  for p, t, c, at in ballots],
    }


def _ids(choices: str) -> list[int]:
    return [int(part) for part in choices.split(",") if part.strip().isdigit()]


def _option_labels(all_choices: list[str]) -> dict[int, str]:
    ids = {i for c in all_choices for i in _ids(c)}
    if not ids:
        return {}
    rows = db.session.execute(select(PollOption.id, PollOption.label)
                              .where(PollOption.id.in_(ids))).all()
    return {i: label for i, label in rows}


def anonymise_opinion(opinion: Opinion) -> None:
    """Clear an opinion's contact details and mask phone numbers in its text."""
    opinion.phone = None
    opinion.phone_hash = None
    opinion.contact_name = None
    opinion.text = mask_phones_in_text(opinion.text) or opinion.text
    if opinion.rating_comment:
        opinion.rating_comment = mask_phones_in_text(opinion.rating_comment)


def erase_data(resident: Resident) -> dict[str, int]:
    """Erase a resident's personal data; their reports stay as anonymous cases."""
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.resident_id == resident.id)).all()
    for opinion in opinions:
        anonymise_opinion(opinion)
        opinion.resident_id = None
    photos = db.session.scalars(
        select(OpinionPhoto).where(OpinionPhoto.resident_id == resident.id)).all()
    for photo in photos:
        photo.resident_id = None
    follows = getattr(db.session.execute(
        delete(SiteFollow).where(SiteFollow.resident_id == resident.id)), "rowcount", 0)
    db.session.execute(delete(PrivacyConsent).where(PrivacyConsent.resident_id == resident.id))
    # The row stays as an empty shell: ballots and check-ins keep their counts, but nothing
    # links them to a person (a WeChat sign-in afterwards creates a new resident).
    resident.phone = None
    resident.phone_hash = None
    resident.appid = None
    resident.openid = None
    resident.unionid = None
    db.session.commit()
    return {"reports": len(opinions), "photos": len(photos), "follows": follows or 0}
