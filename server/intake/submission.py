"""Filing a report (resident or staff on behalf), idempotent retries, similar reports and +1."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server.common import signals
from server.common.models import utcnow
from server.errors import Conflict, NotFound, ValidationFailed
from server.extensions import db, get_redis
from server.intake import keys, media, moderation, textmatch
from server.intake.consent import require_consent
from server.intake.models import OPEN_STATES, Category, IdempotencyKey, Opinion, OpinionSupport
from server.intake.ratelimit import check_rate
from server.intake.resident import public_summary
from server.intake.settings import setting
from server.intake.tracking import allocate_tracking_no
from server.people.access import ensure_site_access
from server.people.models import Resident, User
from server.sites.models import Site
from server.sites.services import site_by_code


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
        require_consent(resident, data)
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
    photos = media.claim_photos(list(data.get("photo_ids") or []), resident=resident, user=user)
    verdict = moderation.check_content(text, resident)
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
    signals.opinion_submitted.send(opinion, resident_id=resident.id if resident else None,
                                   entered_by_id=user.id if user else None)
    if verdict.held:
        moderation.add_note(opinion, "moderation_held", verdict.reason)
        db.session.commit()
    return opinion


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
