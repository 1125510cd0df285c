"""Content safety (word list, WeChat msg_sec_check) and staff moderation of held reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from server.common.models import utcnow
from server.common.text import mask_phone, mask_phones_in_text
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.intake import textmatch
from server.intake.models import SENSITIVE_LEVELS, Opinion, OpinionEvent, SensitiveWord
from server.intake.settings import setting
from server.people.access import can_access_site, site_scope_filter
from server.people.models import Resident, User
from server.sites.models import Site

# ---- content safety -----------------------------------------------------------------------


@dataclass
class Verdict:
    held: bool = False
    reason: str | None = None


REFUSED_MESSAGE = "您的反映中含有不适宜发布的内容，请修改后再提交"


def check_content(text: str, resident: Resident | None) -> Verdict:
    """Check a text against the local word list and, for WeChat users, msg_sec_check v2."""
    words = [(w.word, w.level) for w in db.session.scalars(select(SensitiveWord))]
    hits = textmatch.find_words(text, words)
    if any(level == "block" for _word, level in hits):
        raise ValidationFailed(REFUSED_MESSAGE, code="content_refused",
                               errors={"text": [REFUSED_MESSAGE]})
    verdict = Verdict()
    if hits:
        verdict = Verdict(True, "含有需人工审核的词语")
    if resident is not None and _wechat_check_applies(resident):
        suggest = _wechat_suggest(text, str(resident.openid))
        if suggest == "risky":
            raise ValidationFailed(REFUSED_MESSAGE, code="content_refused",
                                   errors={"text": [REFUSED_MESSAGE]})
        if suggest == "review" and not verdict.held:
            verdict = Verdict(True, "微信内容安全检查建议人工审核")
        if suggest == "unavailable" and not verdict.held:
            verdict = Verdict(True, "微信内容安全检查暂不可用，转人工审核")
    return verdict


def _wechat_check_applies(resident: Resident) -> bool:
    cfg = current_app.config
    return bool(setting("INTAKE_WECHAT_SEC_CHECK") and resident.kind == "wechat"
                and resident.openid and cfg.get("WECHAT_APPID") and cfg.get("WECHAT_SECRET"))


def _wechat_suggest(text: str, openid: str) -> str:
    from server.people.services import wechat_client
    from server.wechat import WeChatError

    try:
        payload = wechat_client().post_api(
            "/wxa/msg_sec_check",
            {"content": text, "version": 2, "scene": 3, "openid": openid},
        )
    except WeChatError as exc:
        current_app.logger.warning("msg_sec_check failed: %s", exc.errors)
        return "unavailable"
    return str((payload.get("result") or {}).get("suggest") or "review")


def list_sensitive_words() -> list[SensitiveWord]:
    """Return the configured word list."""
    return list(db.session.scalars(select(SensitiveWord).order_by(SensitiveWord.word)))


def add_sensitive_word(word: str, level: str) -> SensitiveWord:
    """Add (or change the level of) a word."""
    word = word.strip()
    if not word:
        raise ValidationFailed(errors={"word": ["请填写词语"]})
    if level not in SENSITIVE_LEVELS:
        raise ValidationFailed(errors={"level": ["只能是 block 或 review"]})
    row = db.session.scalar(select(SensitiveWord).where(SensitiveWord.word == word))
    if row is None:
        row = SensitiveWord(word=word, level=level)
        db.session.add(row)
    row.level = level
    db.session.commit()
    return row


def delete_sensitive_word(word_id: int) -> None:
    """Remove a word from the list."""
    row = db.session.get(SensitiveWord, word_id)
    if row is None:
        raise NotFound("找不到该词语")
    db.session.delete(row)
    db.session.commit()


# ---- staff: moderation ----------------------------------------------------------------------


def staff_summary(opinion: Opinion) -> dict[str, Any]:
    """Describe a report for staff in scope: phones masked, identity hidden if anonymous."""
    entered_by = db.session.get(User, opinion.entered_by_id) if opinion.entered_by_id else None
    name = opinion.contact_name
    return {
        "id": opinion.id,
        "tracking_no": opinion.tracking_no,
        "site_id": opinion.site_id,
        "category": opinion.category.name if opinion.category else None,
        "text": mask_phones_in_text(opinion.text),
        "state": opinion.state,
        "moderation": opinion.moderation,
        "anonymous": opinion.anonymous,
        "phone": None if opinion.anonymous else mask_phone(opinion.phone),
        "contact_name": None if opinion.anonymous or not name else name[0] + "*" * (len(name) - 1),
        "entered_on_behalf": entered_by is not None,
        "entered_by": entered_by.display_name if entered_by else None,
        "support_count": opinion.support_count,
        "created_at": opinion.created_at,
    }


def held_reports(user: User) -> list[Opinion]:
    """List reports held for moderation within the staff user's scope."""
    query = (select(Opinion).join(Site, Site.id == Opinion.site_id)
             .where(Opinion.moderation == "held", site_scope_filter(user))
             .order_by(Opinion.created_at))
    return list(db.session.scalars(query))


def moderate(user: User, opinion_id: int, decision: str, note: str | None) -> Opinion:
    """Release a held report to dispatch, or refuse it with a reason the resident reads."""
    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该反映")
    site = db.session.get(Site, opinion.site_id)
    if site is None or not can_access_site(user, site):
        raise Forbidden("该反映不在您的管辖范围内", code="out_of_scope")
    if opinion.moderation != "held":
        raise Conflict("该反映不在待审核状态", code="not_held")
    if decision == "release":
        opinion.moderation = "ok"
        add_note(opinion, "moderation_released", note, user=user)
    else:
        if not (note or "").strip():
            raise ValidationFailed(errors={"note": ["请填写不通过的理由"]})
        opinion.moderation = "refused"
        add_note(opinion, "moderation_refused", note, user=user)
    db.session.commit()
    return opinion


def add_note(opinion: Opinion, action: str, note: str | None, *, user: User | None = None,
          resident_id: int | None = None) -> None:
    """Append a timeline row that does not change the state (moderation, support)."""
    db.session.add(OpinionEvent(
        opinion_id=opinion.id, action=action,
        actor_kind="staff" if user else ("resident" if resident_id else "system"),
        actor_user_id=user.id if user else None, actor_resident_id=resident_id,
        from_state=opinion.state, to_state=opinion.state, note=note, data={}, at=utcnow(),
    ))
