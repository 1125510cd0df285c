"""HTTP endpoints of the intake domain."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request, send_file
from flask_smorest import Blueprint

from server.common.limits import client_address
from server.errors import NotFound, Unauthorized, ValidationFailed
from server.intake import (
    categories,
    follow,
    media,
    moderation,
    resident,
    schemas,
    settings,
    submission,
)
from server.intake.models import Category, SensitiveWord
from server.people.access import current_identity, require_resident, require_staff

blp = Blueprint("intake", __name__, url_prefix="/api/v1", description="情况收集")

IDEMPOTENCY_DOC = {"parameters": [{
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 128},
    "description": "retries with the same key create one report",
}]}
IMAGE_DOC = {"responses": {"200": {"description": "JPEG (EXIF removed)", "content": {
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}}}
_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{8,128}$")


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if not _KEY.match(key):
        raise ValidationFailed("提交编号格式不正确", code="bad_idempotency_key")
    return key


def _receipt(receipt: submission.Receipt) -> dict[str, Any]:
    opinion = receipt.opinion
    held = opinion.moderation == "held"
    return {
        "tracking_no": opinion.tracking_no,
        "status": resident.RESIDENT_STATUS.get(opinion.state, opinion.state),
        "held": held,
        "replayed": receipt.replayed,
        "created_at": resident.local_text(opinion.created_at),
        "message": ("已收到您的反映，内容需要工作人员审核后再转交办理" if held
                    else "已收到您的反映，我们会尽快处理"),
    }


# ---- residents --------------------------------------------------------------------------


@blp.route("/intake/sites/<string:code>/overview")
@blp.response(200, schemas.IntakeOverviewSchema)
def overview(code: str) -> dict[str, Any]:
    """Return a site's resident page data: site, categories, recent answers."""
    return resident.site_overview(code)


@blp.route("/intake/categories")
@blp.response(200, schemas.IntakePublicCategorySchema(many=True))
def public_categories() -> list[Category]:
    """List the categories a resident can pick."""
    return categories.list_categories()


@blp.route("/intake/similar", methods=["POST"])
@blp.arguments(schemas.IntakeSimilarQuerySchema)
@blp.response(200, schemas.IntakeSimilarSchema(many=True))
def similar(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Show up to 5 open reports at the site that look like the same matter."""
    resident = current_identity().resident
    return submission.similar_reports(body["site_code"], body["text"],
                                    category_id=body["category_id"], resident=resident)


@blp.route("/intake/photos", methods=["POST"])
@blp.arguments(schemas.IntakePhotoUploadSchema, location="files")
@blp.response(201, schemas.IntakePhotoSchema)
def upload_photo(files: dict[str, Any]) -> dict[str, Any]:
    """Upload one photo (JPG/PNG/WEBP); it is checked, cleaned of EXIF and re-encoded."""
    identity = current_identity()
    if identity.resident is None and identity.user is None:
        raise Unauthorized("请先打开扫码页面获取身份", code="resident_required")
    limit = settings.setting("INTAKE_PHOTO_MAX_BYTES")
    raw = files["file"].stream.read(limit + 1)
    photo = media.upload_photo(raw, resident=identity.resident, user=identity.user)
    return media.photo_urls(photo)


@blp.route("/intake/photos/<int:photo_id>")
@blp.arguments(schemas.IntakePhotoArgsSchema, location="query")
@blp.doc(**IMAGE_DOC)
def photo(args: dict[str, Any], photo_id: int) -> Response:
    """Send a photo to its reporter, its uploader or staff in scope (or a signed URL)."""
    identity = current_identity()
    path = media.photo_file(photo_id, args["variant"], sig=args["sig"],
                               resident=identity.resident, user=identity.user)
    response = send_file(path, mimetype="image/jpeg", max_age=3600, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/intake/opinions", methods=["POST"])
@blp.arguments(schemas.IntakeReportSchema)
@blp.response(201, schemas.IntakeReceiptSchema)
@blp.doc(**IDEMPOTENCY_DOC)
def submit(body: dict[str, Any]) -> dict[str, Any]:
    """Submit a report (一事一议) and get its public tracking number."""
    resident = require_resident()
    receipt = submission.submit_report(resident, body, ip=client_address(),
                                     idempotency_key=_idempotency_key())
    return _receipt(receipt)


@blp.route("/intake/opinions/<string:tracking_no>/support", methods=["POST"])
@blp.response(200, schemas.IntakeSupportSchema)
def support(tracking_no: str) -> dict[str, Any]:
    """Say "我也遇到了" (+1) on an open report instead of filing the same matter again."""
    opinion = submission.support(require_resident(), tracking_no)
    return {"tracking_no": opinion.tracking_no, "support_count": opinion.support_count,
            "supported": True}


@blp.route("/intake/my/opinions")
@blp.response(200, schemas.IntakeMineSchema(many=True))
def my_opinions() -> list[dict[str, Any]]:
    """List the calling resident's own reports, then those they said 我也遇到了 to."""
    caller = require_resident()
    own = resident.my_reports(caller)
    seen = {o["tracking_no"] for o in own}
    return own + [o for o in follow.followed_reports(caller) if o["tracking_no"] not in seen]


@blp.route("/intake/my/opinions/<string:tracking_no>")
@blp.response(200, schemas.IntakeMineDetailSchema)
def my_opinion(tracking_no: str) -> dict[str, Any]:
    """Return one of the resident's reports (or one they follow, read-only): timeline, answer."""
    caller = require_resident()
    try:
        return resident.my_report(caller, tracking_no)
    except NotFound:
        return follow.followed_report(caller, tracking_no)


@blp.route("/intake/lookup", methods=["POST"])
@blp.arguments(schemas.IntakeLookupSchema)
@blp.response(200, schemas.IntakeMineDetailSchema)
def lookup(body: dict[str, Any]) -> dict[str, Any]:
    """Find a report from any phone by its number and the last 4 digits of its phone."""
    return follow.lookup(require_resident(), body["tracking_no"], body["phone_last4"],
                         client_address())


@blp.route("/intake/my/opinions/<string:tracking_no>/rating", methods=["POST"])
@blp.arguments(schemas.IntakeRatingSchema)
@blp.response(200, schemas.IntakeMineDetailSchema)
def rate(body: dict[str, Any], tracking_no: str) -> dict[str, Any]:
    """Rate the answer (满意 / 基本满意 / 不满意) with an optional comment."""
    return resident.rate_report(require_resident(), tracking_no, body["rating"],
                                body.get("comment"))


# ---- staff ------------------------------------------------------------------------------


@blp.route("/intake/staff/opinions", methods=["POST"])
@blp.arguments(schemas.IntakeStaffReportSchema)
@blp.response(201, schemas.IntakeStaffOpinionSchema)
@blp.doc(**IDEMPOTENCY_DOC)
def enter_on_behalf(body: dict[str, Any]) -> dict[str, Any]:
    """Enter a report for a resident who has no smartphone (代填)."""
    user = require_staff("admin", "dispatcher", "moderator")
    receipt = submission.enter_on_behalf(user, body, idempotency_key=_idempotency_key())
    return moderation.staff_summary(receipt.opinion)


@blp.route("/intake/moderation")
@blp.response(200, schemas.IntakeStaffOpinionSchema(many=True))
def moderation_queue() -> list[dict[str, Any]]:
    """List reports held for content review within the caller's scope."""
    user = require_staff("admin", "dispatcher")
    return [moderation.staff_summary(o) for o in moderation.held_reports(user)]


@blp.route("/intake/moderation/<int:opinion_id>", methods=["POST"])
@blp.arguments(schemas.IntakeModerationSchema)
@blp.response(200, schemas.IntakeStaffOpinionSchema)
def moderate(body: dict[str, Any], opinion_id: int) -> dict[str, Any]:
    """Release a held report to dispatch, or refuse it with a reason."""
    user = require_staff("admin", "dispatcher")
    return moderation.staff_summary(
        moderation.moderate(user, opinion_id, body["decision"], body.get("note")))


@blp.route("/intake/sensitive-words")
@blp.response(200, schemas.IntakeSensitiveWordSchema(many=True))
def sensitive_words() -> list[SensitiveWord]:
    """List the local sensitive-word list."""
    require_staff("admin", "dispatcher")
    return moderation.list_sensitive_words()


@blp.route("/intake/sensitive-words", methods=["POST"])
@blp.arguments(schemas.IntakeSensitiveWordSchema)
@blp.response(201, schemas.IntakeSensitiveWordSchema)
def add_sensitive_word(body: dict[str, Any]) -> SensitiveWord:
    """Add a word: `block` refuses reports containing it, `review` holds them."""
    require_staff("admin")
    return moderation.add_sensitive_word(body["word"], body["level"])


@blp.route("/intake/sensitive-words/<int:word_id>", methods=["DELETE"])
@blp.response(204)
def delete_sensitive_word(word_id: int) -> None:
    """Remove a word from the list."""
    require_staff("admin")
    moderation.delete_sensitive_word(word_id)


@blp.route("/intake/admin/categories")
@blp.response(200, schemas.IntakeCategorySchema(many=True))
def all_categories() -> list[Category]:
    """List every category, switched-off ones included."""
    require_staff()
    return categories.list_categories(include_inactive=True)


@blp.route("/intake/admin/categories", methods=["POST"])
@blp.arguments(schemas.IntakeCategoryCreateSchema)
@blp.response(201, schemas.IntakeCategorySchema)
def create_category(body: dict[str, Any]) -> Category:
    """Add a category residents can pick."""
    require_staff("admin")
    return categories.create_category(body)


@blp.route("/intake/admin/categories/<int:category_id>", methods=["PATCH"])
@blp.arguments(schemas.IntakeCategoryUpdateSchema)
@blp.response(200, schemas.IntakeCategorySchema)
def update_category(body: dict[str, Any], category_id: int) -> Category:
    """Rename, reorder or switch off a category."""
    require_staff("admin")
    return categories.update_category(category_id, body)
