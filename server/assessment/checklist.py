"""The demonstration-site checklist: the standard's items, evidence per item, reviewer sign-off."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from server.assessment.models import ChecklistEntry, ChecklistEvidence, ChecklistItem
from server.common.models import utcnow
from server.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.intake import media
from server.people.access import can_access_site, ensure_site_access, site_scope_filter
from server.people.models import User
from server.sites.models import Site, Unit

# The district's standard as the article describes it ("六有"); staff can edit the list.
DEFAULT_ITEMS = [
    ("place", "有场所", "有固定的协商议事场所，面积和设施满足议事需要"),
    ("sign", "有牌子", "场所外悬挂统一的“有事好商量”协商议事室标牌"),
    ("rules", "有制度", "议事规则、工作制度上墙"),
    ("topics", "有议题", "年度协商议题清单，议题来自群众反映"),
    ("activities", "有活动", "按要求开展协商议事活动，有通知、签到、照片"),
    ("ledger", "有台账", "活动记录、协商成果和反馈台账齐全"),
]
ENTRY_STATUSES = {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}
SITE_ROLES = ("admin", "supervisor", "dispatcher", "moderator")
UPLOAD_ROLES = ("admin", "dispatcher", "moderator")
REVIEW_ROLES = ("admin", "supervisor")
PDF_MAX_BYTES = 10 * 1024 * 1024


class DocumentTooLarge(DomainError):
    status, code, message = 413, "document_too_large", "文件太大"


# ---- items ------------------------------------------------------------------------------------


def seed_default_items() -> int:
    """Create the default checklist items that are missing (safe to call again); commit."""
    existing = set(db.session.scalars(select(ChecklistItem.code)))
    added = 0
    for order, (code, name, description) in enumerate(DEFAULT_ITEMS, start=1):
        if code not in existing:
            db.session.add(ChecklistItem(code=code, name=name, description=description,
                                         sort_order=order))
            added += 1
    db.session.commit()
    return added


def list_items(*, include_inactive: bool = False) -> list[ChecklistItem]:
    """Return the checklist items in display order."""
    stmt = select(ChecklistItem).order_by(ChecklistItem.sort_order, ChecklistItem.id)
    if not include_inactive:
        stmt = stmt.where(ChecklistItem.active.is_(True))
    return list(db.session.scalars(stmt))


def _admin(user: User) -> None:
    if "admin" not in user.roles:
        raise Forbidden("只有管理员可以修改示范点标准", code="admin_only")


def create_item(user: User, data: dict[str, Any]) -> ChecklistItem:
    """Add an item to the standard (admins only)."""
    _admin(user)
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationFailed(errors={"name": ["请填写项目名称"]})
    code = (data.get("code") or "").strip() or f"item{_next_number()}"
    if not re.fullmatch(r"[a-z0-9_]{1,32}", code):
        raise ValidationFailed(errors={"code": ["编码只能用小写字母、数字和下划线"]})
    if db.session.scalar(select(ChecklistItem.id).where(ChecklistItem.code == code)):
        raise Conflict("该编码已存在", code="item_code_taken")
    item = ChecklistItem(code=code, name=name, description=data.get("description") or "",
                         sort_order=data.get("sort_order") or _next_number())
    db.session.add(item)
    db.session.commit()
    return item


def _next_number() -> int:
    return int(db.session.scalar(select(func.count(ChecklistItem.id))) or 0) + 1


def update_item(user: User, item_id: int, data: dict[str, Any]) -> ChecklistItem:
    """Rename, describe, reorder or retire an item (admins only)."""
    _admin(user)
    item = db.session.get(ChecklistItem, item_id)
    if item is None:
        raise NotFound("找不到该项目", code="item_not_found")
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise ValidationFailed(errors={"name": ["请填写项目名称"]})
        item.name = name
    for key in ("description", "sort_order", "active"):
        if key in data and data[key] is not None:
            setattr(item, key, data[key])
    db.session.commit()
    return item


def item_payload(item: ChecklistItem) -> dict[str, Any]:
    """Return an item as the API shows it."""
    return {"id": item.id, "code": item.code, "name": item.name,
            "description": item.description, "sort_order": item.sort_order,
            "active": item.active}


# ---- per-site checklist -----------------------------------------------------------------------


def _site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("找不到该点位", code="site_not_found")
    return site


def _demo_site(site_id: int, user: User, roles: tuple[str, ...]) -> Site:
    site = _site(site_id)
    ensure_site_access(user, site, roles)
    if not site.is_demo:
        raise Conflict("只有示范点需要填报示范点标准", code="not_demo_site")
    return site


def _item(item_id: int) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id)
    if item is None or not item.active:
        raise NotFound("找不到该项目", code="item_not_found")
    return item


def _entry(site_id: int, item_id: int) -> ChecklistEntry:
    entry = db.session.scalar(select(ChecklistEntry).where(
        ChecklistEntry.site_id == site_id, ChecklistEntry.item_id == item_id))
    if entry is None:
        entry = ChecklistEntry(site_id=site_id, item_id=item_id, status="pending",
                               updated_at=utcnow())
        db.session.add(entry)
        db.session.flush()
    return entry


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(ids))).all())


def site_checklist(user: User, site_id: int) -> dict[str, Any]:
    """Return a demo site's checklist: every item with its evidence and sign-off."""
    site = _demo_site(site_id, user, SITE_ROLES)
    items = list_items()
    entries = {e.item_id: e for e in db.session.scalars(
        select(ChecklistEntry).where(ChecklistEntry.site_id == site.id))}
    evidence: dict[int, list[ChecklistEvidence]] = {}
    for row in db.session.scalars(select(ChecklistEvidence)
                                  .where(ChecklistEvidence.site_id == site.id)
                                  .order_by(ChecklistEvidence.id)):
        evidence.setdefault(row.item_id, []).append(row)
    names = _user_names({e.reviewed_by_id for e in entries.values() if e.reviewed_by_id}
                        | {r.uploaded_by_id for rows in evidence.values() for r in rows})
    result = []
    for item in items:
        entry = entries.get(item.id)
        status = entry.status if entry else "pending"
        result.append({
            **item_payload(item),
            "status": status, "status_name": ENTRY_STATUSES[status],
            "reviewed_by": names.get(entry.reviewed_by_id) if entry and entry.reviewed_by_id
            else None,
            "reviewed_at": entry.reviewed_at if entry else None,
            "review_note": entry.review_note if entry else None,
            "evidence": [{**evidence_payload(r, names),
                          "can_withdraw": _may_withdraw(user, site, r, status)}
                         for r in evidence.get(item.id, [])],
        })
    return {"site": {"id": site.id, "name": site.name, "unit_name": site.unit.name},
            "items": result, "summary": _summary(result),
            "can_upload": can_access_site(user, site, UPLOAD_ROLES),
            "can_review": can_access_site(user, site, REVIEW_ROLES)}


def _summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    total = len(items)
    approved = sum(1 for i in items if i["status"] == "approved")
    return {"items": total, "with_evidence": sum(1 for i in items if i["evidence"]),
            "approved": approved, "rejected": sum(1 for i in items if i["status"] == "rejected"),
            "complete": total > 0 and approved == total}


def evidence_payload(row: ChecklistEvidence, names: dict[int, str]) -> dict[str, Any]:
    """Return one piece of evidence as the API shows it (with its download URL)."""
    return {"id": row.id, "kind": row.kind, "filename": row.filename, "size": row.size,
            "note": row.note, "uploaded_by": names.get(row.uploaded_by_id),
            "uploaded_at": row.created_at, "url": f"/api/v1/assessment/evidence/{row.id}"}


def checklist_status(user: User) -> list[dict[str, Any]]:
    """Return, per demo site in the user's scope, how many items have evidence and sign-off."""
    items = [i.id for i in list_items()]
    sites = db.session.execute(
        select(Site.id, Site.name, Unit.name).join(Unit, Unit.id == Site.unit_id)
        .where(Site.is_demo.is_(True), Site.active.is_(True),
               site_scope_filter(user, SITE_ROLES))
        .order_by(Site.id)).all()
    ids = [s[0] for s in sites]
    approved: dict[int, int] = {}
    rejected: dict[int, int] = {}
    with_evidence: dict[int, int] = {}
    if ids and items:
        for site_id, status, n in db.session.execute(
                select(ChecklistEntry.site_id, ChecklistEntry.status, func.count())
                .where(ChecklistEntry.site_id.in_(ids), ChecklistEntry.item_id.in_(items))
                .group_by(ChecklistEntry.site_id, ChecklistEntry.status)):
            target = approved if status == "approved" else rejected if status == "rejected" \
                else None
            if target is not None:
                target[site_id] = int(n)
        for site_id, n in db.session.execute(
                select(ChecklistEvidence.site_id,
                       func.count(func.distinct(ChecklistEvidence.item_id)))
                .where(ChecklistEvidence.site_id.in_(ids), ChecklistEvidence.item_id.in_(items))
                .group_by(ChecklistEvidence.site_id)):
            with_evidence[site_id] = int(n)
    return [{"id": sid, "name": name, "unit_name": unit_name, "items": len(items),
             "with_evidence": with_evidence.get(sid, 0), "approved": approved.get(sid, 0),
             "rejected": rejected.get(sid, 0),
             "complete": bool(items) and approved.get(sid, 0) == len(items)}
            for sid, name, unit_name in sites]


# ---- evidence ---------------------------------------------------------------------------------


def evidence_path(row: ChecklistEvidence) -> Path:
    """Return where an evidence file lives (media folder, by content hash)."""
    ext = "pdf" if row.kind == "document" else "jpg"
    root = Path(current_app.config["MEDIA_PATH"])
    return root / "assessment" / row.sha256[:2] / f"{row.sha256}.{ext}"


def _pdf_limit() -> int:
    return int(current_app.config.get("ASSESSMENT_PDF_MAX_BYTES", PDF_MAX_BYTES))


def upload_limit() -> int:
    """Return how many bytes an upload may have (the larger of the photo and PDF limits)."""
    from server.intake.settings import setting

    return max(_pdf_limit(), int(setting("INTAKE_PHOTO_MAX_BYTES")))


def _check_pdf(raw: bytes) -> None:
    limit = _pdf_limit()
    if len(raw) > limit:
        raise DocumentTooLarge(f"PDF 文件不能超过 {limit // (1024 * 1024)} MB")
    # A PDF ends with %%EOF (possibly followed by a newline); truncated uploads do not.
    if b"%%EOF" not in raw[-1024:]:
        raise ValidationFailed("PDF 文件不完整，请重新上传", code="invalid_document",
                               errors={"file": ["PDF 文件不完整，请重新上传"]})


def add_evidence(user: User, site_id: int, item_id: int, raw: bytes, filename: str,
                 note: str | None) -> dict[str, Any]:
    """Store a photo (checked, stripped, re-encoded) or a PDF as evidence for one item."""
    from server.intake.settings import setting

    site = _demo_site(site_id, user, UPLOAD_ROLES)
    item = _item(item_id)
    if raw.startswith(b"%PDF-"):
        _check_pdf(raw)
        kind, data = "document", raw
    else:
        try:
            processed = media.process_photo(raw, max_bytes=setting("INTAKE_PHOTO_MAX_BYTES"),
                                            max_pixels=setting("INTAKE_PHOTO_MAX_PIXELS"))
        except ValidationFailed as exc:
            if exc.code != "photo_type":
                raise
            raise ValidationFailed("只能上传照片（JPG、PNG、WEBP）或 PDF 文件",
                                   code="evidence_type",
                                   errors={"file": ["只能上传照片（JPG、PNG、WEBP）或 PDF 文件"]}
                                   ) from exc
        kind, data = "photo", processed.data
    sha = hashlib.sha256(data).hexdigest()
    row = ChecklistEvidence(site_id=site.id, item_id=item.id, kind=kind, sha256=sha,
                            filename=_clean_name(filename, kind), size=len(data),
                            note=(note or "").strip()[:500] or None, uploaded_by_id=user.id,
                            created_at=utcnow())
    media.write_once(evidence_path(row), data)
    db.session.add(row)
    entry = _entry(site.id, item.id)
    if entry.status != "pending":
        # New evidence changes what was reviewed: the item needs a fresh sign-off.
        entry.status = "pending"
        entry.reviewed_by_id = None
        entry.reviewed_at = None
        entry.review_note = None
    entry.updated_at = utcnow()
    db.session.commit()
    # Just uploaded by this user, and the item is pending again: theirs to withdraw.
    return {**evidence_payload(row, _user_names({user.id})), "can_withdraw": True}


def _may_withdraw(user: User, site: Site, row: ChecklistEvidence, status: str) -> bool:
    """Tell whether the user may withdraw this evidence (see withdraw_evidence)."""
    if status == "approved" or not can_access_site(user, site, UPLOAD_ROLES):
        return False
    return row.uploaded_by_id == user.id or can_access_site(user, site, ("admin",))


def withdraw_evidence(user: User, evidence_id: int) -> dict[str, Any]:
    """Withdraw evidence uploaded by mistake (a wrong photo, the wrong PDF) and its file.

    The uploader may, or an admin over the site; not once the item is approved, because the
    sign-off rests on what was shown (the reviewer sends the item back first). The file is
    deleted unless another piece of evidence has the same content. Returns the checklist.
    """
    row = db.session.get(ChecklistEvidence, evidence_id)
    if row is None:
        raise NotFound("找不到该材料", code="evidence_not_found")
    site = _demo_site(row.site_id, user, UPLOAD_ROLES)
    entry = _entry(row.site_id, row.item_id)
    if entry.status == "approved":
        raise Conflict("该项目已审核通过，材料不能撤回；如需更换，请审核人先退回",
                       code="evidence_locked")
    if not _may_withdraw(user, site, row, entry.status):
        raise Forbidden("只能撤回自己上传的材料", code="not_uploader")
    path, sha = evidence_path(row), row.sha256
    db.session.delete(row)
    entry.updated_at = utcnow()
    db.session.commit()
    shared = db.session.scalar(select(func.count(ChecklistEvidence.id))
                               .where(ChecklistEvidence.sha256 == sha))
    if not shared:
        # After the commit: a failed commit leaves the file its row still points at.
        path.unlink(missing_ok=True)
    return site_checklist(user, site.id)


def _clean_name(filename: str, kind: str) -> str:
    stem = Path(filename or "").name.rsplit(".", 1)[0]
    stem = re.sub(r"[\x00-\x1f/\\\\:*?\"<>|]", "", stem).strip()[:100] or "证明材料"
    return f"{stem}.{'pdf' if kind == 'document' else 'jpg'}"


def evidence_file(user: User, evidence_id: int) -> tuple[Path, str, str]:
    """Return the file, MIME type and name of one piece of evidence within the user's scope."""
    row = db.session.get(ChecklistEvidence, evidence_id)
    if row is None:
        raise NotFound("找不到该材料", code="evidence_not_found")
    ensure_site_access(user, _site(row.site_id), SITE_ROLES)
    mimetype = "application/pdf" if row.kind == "document" else "image/jpeg"
    return evidence_path(row), mimetype, row.filename


def review_item(user: User, site_id: int, item_id: int, decision: str,
                note: str | None) -> dict[str, Any]:
    """Sign an item off (approved) or send it back (rejected, with a reason); record who/when."""
    site = _demo_site(site_id, user, REVIEW_ROLES)
    item = _item(item_id)
    if decision not in ("approved", "rejected"):
        raise ValidationFailed(errors={"decision": ["只能是通过（approved）或不通过（rejected）"]})
    note = (note or "").strip()[:500] or None
    if decision == "rejected" and not note:
        raise ValidationFailed(errors={"note": ["不通过时请写明原因"]})
    has_evidence = db.session.scalar(select(func.count(ChecklistEvidence.id)).where(
        ChecklistEvidence.site_id == site.id, ChecklistEvidence.item_id == item.id))
    if decision == "approved" and not has_evidence:
        raise Conflict("该项目还没有上传证明材料，不能审核通过", code="no_evidence")
    entry = _entry(site.id, item.id)
    entry.status = decision
    entry.reviewed_by_id = user.id
    entry.reviewed_at = utcnow()
    entry.review_note = note
    entry.updated_at = entry.reviewed_at
    db.session.commit()
    return site_checklist(user, site.id)
