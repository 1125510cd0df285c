"""Intake rules: residents report, +1 and follow up; staff enter on behalf and moderate."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from server.common.models import utcnow
from server.common.text import SHANGHAI, mask_phone, mask_phones_in_text
from server.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from server.extensions import db, get_redis
from server.intake import keys, media, textmatch
from server.intake.decode_pool import decode_bounded
from server.intake.models import (
    OPEN_STATES,
    RATINGS,
    SENSITIVE_LEVELS,
    Category,
    IdempotencyKey,
    Opinion,
    OpinionEvent,
    OpinionPhoto,
    OpinionSupport,
    SensitiveWord,
    TrackingCounter,
)
from server.people.access import can_access_site, ensure_site_access, site_scope_filter
from server.people.models import Resident, User
from server.sites.models import SITE_KINDS, Site, Unit
from server.sites.services import site_by_code, unit_path_label

DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    ("road", "道路交通", "suggestion"),
    ("sanitation", "环境卫生", "complaint"),
    ("elderly", "养老服务", "help"),
    ("agriculture", "农业农村", "suggestion"),
    ("housing", "住房物业", "complaint"),
    ("other", "其他", "suggestion"),
]

DEFAULTS: dict[str, Any] = {
    "INTAKE_TRACKING_PREFIX": "YD",
    "INTAKE_TEXT_MAX": 1500,
    "INTAKE_PHOTOS_MAX": 6,
    "INTAKE_PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    # Checked from the header before any decoding (a 7000×7000 PNG is 47 KB on the wire).
    "INTAKE_PHOTO_MAX_PIXELS": 24_000_000,
    # (count, seconds) windows; a village hall shares one IP, so the IP limit is looser.
    "INTAKE_RATE_RESIDENT": [(5, 600), (20, 86400)],
    # One address can be a whole village hall behind one WiFi (300 people).
    "INTAKE_RATE_IP": [(300, 600)],
    "INTAKE_RATE_UPLOAD": [(40, 600), (120, 86400)],  # per resident or staff user
    "INTAKE_RATE_SUPPORT": [(30, 600)],
    "INTAKE_SIMILAR_LIMIT": 5,
    "INTAKE_SIMILAR_THRESHOLD": 0.3,
    "INTAKE_WECHAT_SEC_CHECK": True,
    "INTAKE_PHOTO_URL_SECONDS": 3600,
}

# What a resident reads about each step of the timeline (plain words); others stay internal.
RESIDENT_STEPS: dict[str, str] = {
    "submit": "已收到",
    "accept": "已受理",
    "decline": "不予受理",
    "assign": "已转交办理单位",
    "reassign": "已转交办理单位",
    "sign": "办理单位已签收",
    "start": "办理中",
    "approve_extension": "办理时间已延长",
    "answer": "已答复",
    "rate": "您已评价",
    "redo": "重新办理",
    "close": "已办结",
    "merge": "已与相同问题合并办理",
    "void": "已作废",
    "moderation_held": "内容审核中",
    "moderation_released": "审核通过",
    "moderation_refused": "审核未通过",
}
# Steps whose staff note the resident should read (a reason, an answer).
RESIDENT_NOTES = {"decline", "answer", "moderation_refused", "void"}

RESIDENT_STATUS: dict[str, str] = {
    "received": "已收到",
    "accepted": "已受理",
    "declined": "不予受理",
    "assigned": "办理中",
    "signed": "办理中",
    "in_progress": "办理中",
    "answered": "已答复",
    "closed": "已办结",
    "merged": "已合并办理",
    "voided": "已作废",
}


def setting(name: str) -> Any:
    """Return an intake setting from the app config, or its default."""
    return current_app.config.get(name, DEFAULTS[name])


# ---- categories ---------------------------------------------------------------------------


def seed_default_categories() -> list[Category]:
    """Create the default categories that are missing (safe to call again); commit."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, name, kind) in enumerate(DEFAULT_CATEGORIES, start=1):
        if code not in existing:
            row = Category(code=code, name=name, default_kind=kind, sort_order=order * 10,
                           active=True)
            db.session.add(row)
            existing[code] = row
    db.session.commit()
    return list_categories(include_inactive=True)


def list_categories(*, include_inactive: bool = False) -> list[Category]:
    """Return categories in display order."""
    query = select(Category).order_by(Category.sort_order, Category.id)
    if not include_inactive:
        query = query.where(Category.active.is_(True))
    return list(db.session.scalars(query))


def create_category(data: dict[str, Any]) -> Category:
    """Add a category staff configured."""
    if db.session.scalar(select(Category).where(Category.code == data["code"])):
        raise Conflict("分类编码已存在", code="category_exists")
    row = Category(code=data["code"], name=data["name"],
                   default_kind=data.get("default_kind", "suggestion"),
                   sort_order=data.get("sort_order", 100), active=data.get("active", True))
    db.session.add(row)
    db.session.commit()
    return row


def update_category(category_id: int, data: dict[str, Any]) -> Category:
    """Rename, reorder or switch off a category (reports keep theirs)."""
    row = db.session.get(Category, category_id)
    if row is None:
        raise NotFound("找不到该分类")
    for field in ("name", "default_kind", "sort_order", "active"):
        if field in data:
            setattr(row, field, data[field])
    db.session.commit()
    return row


# ---- rate limits ------------------------------------------------------------------------

_RATE_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def check_rate(bucket: str, who: str, windows: Iterable[tuple[int, int]], message: str) -> None:
    """Count one attempt in each fixed window; raise 429 with a friendly message when over."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    client = get_redis()
    now = int(time.time())
    for limit, window in windows:
        slot = now // window
        count = int(client.eval(_RATE_SCRIPT, 1, keys.rate(bucket, who, window, slot),
                                window + 5))
        if count > limit:
            wait = window - now % window
            minutes = max(1, (wait + 59) // 60)
            raise RateLimited(message.format(minutes=minutes), code="rate_limited",
                              errors={"retry_after": wait})


# ---- tracking numbers ---------------------------------------------------------------------


def allocate_tracking_no(now: datetime | None = None) -> str:
    """Draw the next tracking number of the Asia/Shanghai day, like YD20261128-0042."""
    day = (now or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d")
    # Its own short transaction: the counter row is locked only while it is bumped.
    for _attempt in range(5):
        try:
            with db.engine.begin() as conn:
                value = conn.execute(
                    update(TrackingCounter).where(TrackingCounter.day == day)
                    .values(last=TrackingCounter.last + 1).returning(TrackingCounter.last)
                ).scalar()
                if value is None:
                    conn.execute(insert(TrackingCounter).values(day=day, last=1))
                    value = 1
            return f"{setting('INTAKE_TRACKING_PREFIX')}{day}-{int(value):04d}"
        except IntegrityError:
            continue  # another request created the day's row first; bump it instead
    raise Conflict("系统繁忙，请稍后再试", code="tracking_busy")


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


# ---- photos -------------------------------------------------------------------------------


def upload_photo(raw: bytes, *, resident: Resident | None = None,
                 user: User | None = None) -> OpinionPhoto:
    """Verify, clean and store an uploaded photo for the caller's next report."""
    who = f"r{resident.id}" if resident else f"u{user.id if user else 0}"
    check_rate("upload", who, setting("INTAKE_RATE_UPLOAD"),
               "上传照片太频繁了，请 {minutes} 分钟后再试")
    processed = decode_bounded(media.process_photo, raw,
                               max_bytes=setting("INTAKE_PHOTO_MAX_BYTES"),
                               max_pixels=setting("INTAKE_PHOTO_MAX_PIXELS"))
    root = current_app.config["MEDIA_PATH"]
    media.store_blob(root, processed.sha256, processed.data)
    media.store_blob(root, processed.thumb_sha256, processed.thumb)
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
    return str(media.media_file(current_app.config["MEDIA_PATH"], sha))


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


def _claim_photos(ids: list[int], *, resident: Resident | None, user: User | None
                  ) -> list[OpinionPhoto]:
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


# ---- submission ---------------------------------------------------------------------------


@dataclass
class Receipt:
    opinion: Opinion
    replayed: bool = False


def _fingerprint(data: dict[str, Any]) -> str:
    fields = {k: data.get(k) for k in ("site_code", "site_id", "category_id", "text",
                                       "photo_ids", "phone", "anonymous", "contact_name")}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def _replay(scope: str, key: str, fingerprint: str) -> Opinion | None:
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.scope == scope,
                                                         IdempotencyKey.key == key))
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise ValidationFailed("同一个提交编号不能用于不同的内容", code="idempotency_key_reused")
    return db.session.get(Opinion, row.opinion_id)


def submit_report(resident: Resident, data: dict[str, Any], *, ip: str,
                  idempotency_key: str | None = None) -> Receipt:
    """File a resident's report: limits, safety check, number, photos, then the timeline."""
    scope = f"r:{resident.id}"

    def create(data: dict[str, Any]) -> Opinion:
        check_rate("report", f"r{resident.id}", setting("INTAKE_RATE_RESIDENT"),
                   "您提交得太频繁了，请 {minutes} 分钟后再试；急事请拨打村（社区）电话")
        check_rate("report-ip", ip or "unknown", setting("INTAKE_RATE_IP"),
                   "这里提交的人太多了，请 {minutes} 分钟后再试")
        site = _open_site(data["site_code"])
        return _create(site, data, resident=resident, user=None)

    return _idempotent(scope, idempotency_key, data, create)


def enter_on_behalf(user: User, data: dict[str, Any], *,
                    idempotency_key: str | None = None) -> Receipt:
    """File a report for a resident without a smartphone (代填), recording who entered it."""
    site = db.session.get(Site, data["site_id"])
    if site is None:
        raise NotFound("找不到该点位", code="site_not_found")
    ensure_site_access(user, site)

    def create(data: dict[str, Any]) -> Opinion:
        return _create(site, data, resident=None, user=user)

    return _idempotent(f"u:{user.id}", idempotency_key, data, create)


def _open_site(code: str) -> Site:
    site = site_by_code(code)
    if not site.active:
        raise Conflict("该议事点已停用，请扫描新的二维码", code="site_inactive")
    return site


def _idempotent(scope: str, key: str | None, data: dict[str, Any], create: Any) -> Receipt:
    if not key:
        return Receipt(create(data))
    fingerprint = _fingerprint(data)
    existing = _replay(scope, key, fingerprint)
    if existing is not None:
        return Receipt(existing, replayed=True)
    client = get_redis()
    lock = keys.idempotency_lock(scope, key)
    if not client.set(lock, "1", nx=True, ex=30):
        # The same submission is in flight (a double tap, a retry on a slow network).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.1)
            db.session.rollback()
            existing = _replay(scope, key, fingerprint)
            if existing is not None:
                return Receipt(existing, replayed=True)
        raise Conflict("正在提交，请稍候", code="submission_in_progress")
    try:
        data = {**data, "_idempotency": (scope, key, fingerprint)}
        try:
            return Receipt(create(data))
        except IntegrityError:
            db.session.rollback()
            existing = _replay(scope, key, fingerprint)
            if existing is None:
                raise
            return Receipt(existing, replayed=True)
    finally:
        client.delete(lock)


def _create(site: Site, data: dict[str, Any], *, resident: Resident | None,
            user: User | None) -> Opinion:
    from server.dispatch import workflow

    text = data["text"].strip()
    if not text:
        raise ValidationFailed(errors={"text": ["请写下您要反映的问题"]})
    if len(text) > setting("INTAKE_TEXT_MAX"):
        raise ValidationFailed(errors={"text": [f"最多 {setting('INTAKE_TEXT_MAX')} 字"]})
    category = db.session.get(Category, data["category_id"])
    if category is None or not category.active:
        raise ValidationFailed(errors={"category_id": ["请选择问题分类"]})
    photos = _claim_photos(list(data.get("photo_ids") or []), resident=resident, user=user)
    verdict = check_content(text, resident)
    tracking_no = allocate_tracking_no()
    opinion = Opinion(
        tracking_no=tracking_no, site_id=site.id, unit_id=site.unit_id,
        category_id=category.id, kind=category.default_kind, text=text,
        phone=(data.get("phone") or None), contact_name=(data.get("contact_name") or None),
        anonymous=bool(data.get("anonymous")), resident_id=resident.id if resident else None,
        entered_by_id=user.id if user else None, state="received",
        moderation="held" if verdict.held else "ok", support_count=0, created_at=utcnow(),
    )
    db.session.add(opinion)
    db.session.flush()
    for position, photo in enumerate(photos):
        photo.opinion_id = opinion.id
        photo.position = position
    idem = data.get("_idempotency")
    if idem:
        db.session.add(IdempotencyKey(scope=idem[0], key=idem[1], fingerprint=idem[2],
                                      opinion_id=opinion.id))
    db.session.flush()
    workflow.record_submission(opinion, resident_id=resident.id if resident else None,
                               entered_by_id=user.id if user else None)
    if verdict.held:
        _note(opinion, "moderation_held", verdict.reason)
        db.session.commit()
    return opinion


def _note(opinion: Opinion, action: str, note: str | None, *, user: User | None = None,
          resident_id: int | None = None) -> None:
    """Append a timeline row that does not change the state (moderation, support)."""
    db.session.add(OpinionEvent(
        opinion_id=opinion.id, action=action,
        actor_kind="staff" if user else ("resident" if resident_id else "system"),
        actor_user_id=user.id if user else None, actor_resident_id=resident_id,
        from_state=opinion.state, to_state=opinion.state, note=note, data={}, at=utcnow(),
    ))


# ---- similar reports and +1 ---------------------------------------------------------------


def similar_reports(site_code: str, text: str, *, category_id: int | None = None,
                    resident: Resident | None = None) -> list[dict[str, Any]]:
    """Find up to 5 open reports at the site that look like the same matter (jieba words)."""
    site = site_by_code(site_code)
    cache_dir = current_app.instance_path
    wanted = textmatch.keywords(text[:1500], cache_dir)
    if not wanted:
        return []
    since = utcnow() - timedelta(days=365)
    rows = db.session.scalars(
        select(Opinion).where(Opinion.site_id == site.id, Opinion.state.in_(OPEN_STATES),
                              Opinion.moderation == "ok", Opinion.created_at >= since)
        .order_by(Opinion.created_at.desc()).limit(300)
    )
    threshold = setting("INTAKE_SIMILAR_THRESHOLD")
    scored: list[tuple[float, Opinion]] = []
    for row in rows:
        score = textmatch.similarity(wanted, textmatch.keywords(row.text[:500], cache_dir))
        if category_id and row.category_id == category_id:
            score += 0.05
        if score >= threshold:
            scored.append((score, row))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    top = [row for _score, row in scored[: setting("INTAKE_SIMILAR_LIMIT")]]
    supported = _supported_ids(resident, [r.id for r in top])
    return [{**public_summary(row), "score": round(score, 3),
             "mine": resident is not None and row.resident_id == resident.id,
             "supported": row.id in supported}
            for score, row in scored[: len(top)]]


def _supported_ids(resident: Resident | None, ids: list[int]) -> set[int]:
    if resident is None or not ids:
        return set()
    return set(db.session.scalars(select(OpinionSupport.opinion_id).where(
        OpinionSupport.resident_id == resident.id, OpinionSupport.opinion_id.in_(ids))))


def support(resident: Resident, tracking_no: str) -> Opinion:
    """Add the resident's "我也遇到了" to an open report (once per resident)."""
    check_rate("support", f"r{resident.id}", setting("INTAKE_RATE_SUPPORT"),
               "操作太频繁了，请 {minutes} 分钟后再试")
    opinion = db.session.scalar(select(Opinion).where(Opinion.tracking_no == tracking_no))
    if opinion is None or opinion.moderation != "ok":
        raise NotFound("找不到该反映", code="opinion_not_found")
    if opinion.resident_id == resident.id:
        raise Conflict("这是您自己的反映，不用再点“我也遇到了”", code="own_report")
    if opinion.state not in OPEN_STATES:
        raise Conflict("该问题已答复或办结，不能再添加", code="not_open")
    if opinion.id not in _supported_ids(resident, [opinion.id]):
        try:
            db.session.add(OpinionSupport(opinion_id=opinion.id, resident_id=resident.id))
            db.session.execute(update(Opinion).where(Opinion.id == opinion.id)
                               .values(support_count=Opinion.support_count + 1))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # a double tap raced us: the first one counted
    db.session.refresh(opinion)
    return opinion


# ---- what residents read ------------------------------------------------------------------


def local_text(value: datetime | None) -> str | None:
    """Format a UTC time as Asia/Shanghai "YYYY-MM-DD HH:MM"."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else None


def public_summary(opinion: Opinion) -> dict[str, Any]:
    """Describe a report for other residents: excerpt only, no identity, phones masked."""
    return {
        "tracking_no": opinion.tracking_no,
        "category": opinion.category.name if opinion.category else "其他",
        "excerpt": textmatch.excerpt(opinion.text),
        "status": RESIDENT_STATUS.get(opinion.state, opinion.state),
        "support_count": opinion.support_count,
        "created_at": local_text(opinion.created_at),
    }


def site_overview(code: str) -> dict[str, Any]:
    """Return what a resident sees first: the site, the categories, what was done lately."""
    site = site_by_code(code)
    unit = db.session.get(Unit, site.unit_id)
    answered = list(db.session.scalars(
        select(Opinion).where(Opinion.site_id == site.id,
                              Opinion.state.in_(["answered", "closed"]),
                              Opinion.moderation == "ok", Opinion.answer.is_not(None))
        .order_by(Opinion.answered_at.desc(), Opinion.id.desc()).limit(5)
    ))
    year_start = datetime.now(SHANGHAI).replace(month=1, day=1, hour=0, minute=0, second=0,
                                                microsecond=0)
    base = select(func.count()).select_from(Opinion).where(
        Opinion.site_id == site.id, Opinion.moderation == "ok",
        Opinion.created_at >= year_start)
    return {
        "site": {
            "code": site.code, "name": site.name,
            "kind_name": SITE_KINDS.get(site.kind, site.kind),
            "village": unit.name if unit else "",
            "unit_path": unit_path_label(unit) if unit else "",
            "address": site.address, "active": site.active,
        },
        "categories": [{"id": c.id, "name": c.name} for c in list_categories()],
        "stats": {
            "received_this_year": db.session.scalar(base) or 0,
            "answered_this_year": db.session.scalar(
                base.where(Opinion.state.in_(["answered", "closed"]))) or 0,
        },
        "recent_answers": [
            {**public_summary(o), "answer": textmatch.excerpt(o.answer or "", 120),
             "answered_at": local_text(o.answered_at)}
            for o in answered
        ],
        "limits": {"text_max": setting("INTAKE_TEXT_MAX"),
                   "photos_max": setting("INTAKE_PHOTOS_MAX"),
                   "photo_max_bytes": setting("INTAKE_PHOTO_MAX_BYTES")},
    }


def _own(resident: Resident, tracking_no: str) -> Opinion:
    opinion = db.session.scalar(select(Opinion).where(Opinion.tracking_no == tracking_no))
    # Someone else's report answers exactly like a missing one: numbers are guessable.
    if opinion is None or opinion.resident_id != resident.id:
        raise NotFound("找不到该反映", code="opinion_not_found")
    return opinion


def my_reports(resident: Resident, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """List the resident's own reports, newest first (phones masked)."""
    now = now or utcnow()
    rows = db.session.scalars(select(Opinion).where(Opinion.resident_id == resident.id)
                              .order_by(Opinion.created_at.desc(), Opinion.id.desc())
                              .limit(100))
    return [_mine_summary(o, now) for o in rows]


def rating_window(opinion: Opinion, now: datetime) -> dict[str, Any]:
    """Say whether the resident may rate (or change the rating of) the answer, and until when.

    The same rule as server/dispatch/workflow.rate: a first rating once answered; a change
    for RATING_CHANGE_DAYS after the first rating while the case is closed or back for redo.
    """
    from server.dispatch.workflow import RATING_CHANGE_DAYS, RATING_CHANGE_STATES

    rated = opinion.rated_at is not None
    until = opinion.rated_at + timedelta(days=RATING_CHANGE_DAYS) if rated else None
    if not rated:
        can_rate = opinion.state == "answered" and opinion.rating is None
    else:
        can_rate = opinion.state in RATING_CHANGE_STATES and now < until
    return {
        "can_rate": can_rate,
        "rating": opinion.rating,
        "rated_at": local_text(opinion.rated_at) if rated else None,
        "rating_changeable_until": local_text(until),
        "rating_fixed": rated and not can_rate,
    }


def _mine_summary(opinion: Opinion, now: datetime) -> dict[str, Any]:
    return {
        **public_summary(opinion),
        "state": opinion.state,
        "status": _status(opinion),
        "phone": mask_phone(opinion.phone),
        "anonymous": opinion.anonymous,
        "has_answer": bool(opinion.answer),
        **rating_window(opinion, now),
    }


def _status(opinion: Opinion) -> str:
    if opinion.moderation == "held":
        return "审核中"
    if opinion.moderation == "refused":
        return "审核未通过"
    return RESIDENT_STATUS.get(opinion.state, opinion.state)


def my_report(resident: Resident, tracking_no: str, *,
              now: datetime | None = None) -> dict[str, Any]:
    """Return one of the resident's reports with its plain-words timeline and answer."""
    opinion = _own(resident, tracking_no)
    return report_detail(opinion, now=now)


def report_detail(opinion: Opinion, *, now: datetime | None = None) -> dict[str, Any]:
    """Describe a report for its reporter, with whether its rating may still change."""
    photos = db.session.scalars(select(OpinionPhoto).where(OpinionPhoto.opinion_id == opinion.id)
                                .order_by(OpinionPhoto.position))
    timeline = []
    for event in opinion.events:
        label = RESIDENT_STEPS.get(event.action)
        if label is None:
            continue
        timeline.append({"at": local_text(event.at), "label": label,
                         "note": event.note if event.action in RESIDENT_NOTES else None})
    return {
        **_mine_summary(opinion, now or utcnow()),
        "text": opinion.text,
        "photos": [photo_urls(p) for p in photos],
        "timeline": timeline,
        "answer": opinion.answer,
        "answered_at": local_text(opinion.answered_at),
        "rating_name": RATINGS.get(opinion.rating or ""),
        "rating_comment": opinion.rating_comment,
        "entered_on_behalf": opinion.entered_by_id is not None,
    }


def rate_report(resident: Resident, tracking_no: str, rating: str, comment: str | None, *,
                now: datetime | None = None) -> dict[str, Any]:
    """Rate the answer to one's own report, or change the rating within 7 days (workflow)."""
    from server.dispatch import workflow

    now = now or utcnow()
    opinion = _own(resident, tracking_no)
    if opinion.state != "answered" and opinion.rated_at is None:
        raise Conflict("答复之后才能评价", code="not_answered")
    workflow.rate(opinion.id, resident, rating, comment, now=now)
    db.session.refresh(opinion)
    return report_detail(opinion, now=now)


# ---- staff: moderation and reports entered on behalf --------------------------------------


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
        _note(opinion, "moderation_released", note, user=user)
    else:
        if not (note or "").strip():
            raise ValidationFailed(errors={"note": ["请填写不通过的理由"]})
        opinion.moderation = "refused"
        _note(opinion, "moderation_refused", note, user=user)
    db.session.commit()
    return opinion
