"""Open311 GeoReport v2: categories as services, cases as service requests.

Spec: https://wiki.open311.org/GeoReport_v2 . Only the JSON format is served. Errors use
the GeoReport error shape (a list of {code, description}).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import select

from server.common.models import utcnow
from server.common.text import mask_phones_in_text
from server.dispatch.models import Case
from server.errors import DomainError, translate_field_errors
from server.extensions import db
from server.intake.models import STATES, Category, Opinion
from server.intake.schemas import IntakeStaffReportSchema
from server.people.models import User
from server.sites.models import Department, Site

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

CLOSED_STATES = {"answered", "closed", "declined", "merged", "voided"}
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url")


class GeoReportError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@bp.errorhandler(GeoReportError)
def _geo_error(exc: GeoReportError) -> tuple[Response, int]:
    return jsonify([{"code": exc.status, "description": exc.description}]), exc.status


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> tuple[Response, int]:
    detail = "; ".join(f"{k}: {v}" for k, v in exc.errors.items()) if exc.errors else ""
    text = exc.message + (f" ({detail})" if detail else "")
    return jsonify([{"code": exc.status, "description": text}]), exc.status


def _w3c(value: datetime | None) -> str | None:
    """Format a time as W3C (ISO 8601 with offset), in Asia/Shanghai as people read it."""
    if value is None:
        return None
    from server.common.text import local_time

    return local_time(value).isoformat(timespec="seconds")


def service_payload(category: Category) -> dict[str, Any]:
    """Describe a category as a GeoReport service."""
    from server.intake.models import KINDS

    return {"service_code": category.code, "service_name": category.name,
            "description": f"{category.name}（{KINDS.get(category.default_kind, '')}）",
            "metadata": False, "type": "realtime", "keywords": category.name,
            "group": "社情民意"}


def request_payload(opinion: Opinion, case: Case | None) -> dict[str, Any]:
    """Describe a case as a GeoReport service request (no personal data)."""
    dept = db.session.get(Department, case.department_id) if case and case.department_id \
        else None
    member = db.session.get(User, case.member_user_id) if case and case.member_user_id else None
    site = db.session.get(Site, opinion.site_id)
    status = "closed" if opinion.state in CLOSED_STATES else "open"
    notes = STATES.get(opinion.state, opinion.state)
    if opinion.state in {"answered", "closed"} and opinion.answer:
        notes = f"{notes}：{opinion.answer}"
    return {
        "service_request_id": opinion.tracking_no,
        "status": status,
        "status_notes": notes,
        "service_name": opinion.category.name if opinion.category else "社情民意",
        "service_code": opinion.category.code if opinion.category else "",
        "description": mask_phones_in_text(opinion.text),
        "agency_responsible": dept.name if dept else (
            f"政协委员 {member.display_name}" if member else "区政协指挥调度中心"),
        "service_notice": "",
        "requested_datetime": _w3c(opinion.created_at),
        "updated_datetime": _w3c(opinion.updated_at),
        "expected_datetime": _w3c(case.answer_due_at if case else None),
        "address": (site.address or site.name) if site else "",
        "address_id": site.code if site else "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


# Published: reports staff accepted (and what came of them); never those still waiting for
# acceptance, declined, merged into another or voided.
UNPUBLISHED_STATES = ("received", "declined", "merged", "voided")
# Who may file through Open311: the roles that may enter a report on a resident's behalf.
INTAKE_STAFF_ROLES = frozenset({"admin", "dispatcher", "moderator"})


def _public() -> Any:
    return (select(Opinion, Case).outerjoin(Case, Case.opinion_id == Opinion.id)
            .where(Opinion.moderation == "ok", Opinion.state.not_in(UNPUBLISHED_STATES)))


def _parse_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise GeoReportError(400, f"{name} must be a W3C datetime") from exc
    if value.tzinfo is None:
        raise GeoReportError(400, f"{name} must include a time zone offset")
    try:
        return value.astimezone(UTC)  # 9999-12-31T23:59:59-23:59 is past the last year
    except OverflowError as exc:
        raise GeoReportError(400, f"{name} is out of range") from exc


def _check_format(fmt: str) -> None:
    if fmt != "json":
        raise GeoReportError(404, "only the json format is served")


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    """List categories as services."""
    _check_format(fmt)
    rows = db.session.scalars(select(Category).where(Category.active.is_(True))
                              .order_by(Category.sort_order, Category.id))
    return jsonify([service_payload(c) for c in rows])


@bp.get("/requests.<fmt>")
def list_requests(fmt: str) -> Response:
    """Query service requests (default: the last 90 days, at most 1000)."""
    _check_format(fmt)
    query = _public()
    ids = request.args.get("service_request_id")
    if ids:
        query = query.where(Opinion.tracking_no.in_([i.strip() for i in ids.split(",")]))
    else:
        codes = request.args.get("service_code")
        if codes:
            query = query.join(Category, Category.id == Opinion.category_id).where(
                Category.code.in_([c.strip() for c in codes.split(",")]))
        start, end = _parse_time("start_date"), _parse_time("end_date")
        if start is None and end is None:
            from datetime import timedelta

            start = utcnow() - timedelta(days=90)
        if start is not None:
            query = query.where(Opinion.created_at >= start)
        if end is not None:
            query = query.where(Opinion.created_at <= end)
        status = request.args.get("status")
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise GeoReportError(400, "status must be open or closed")
            if wanted == {"open"}:
                query = query.where(Opinion.state.not_in(CLOSED_STATES))
            elif wanted == {"closed"}:
                query = query.where(Opinion.state.in_(CLOSED_STATES))
    rows = db.session.execute(query.order_by(Opinion.id.desc()).limit(1000)).all()
    return jsonify([request_payload(o, c) for o, c in rows])


@bp.get("/requests/<string:request_id>.<fmt>")
def get_request(request_id: str, fmt: str) -> Response:
    """Return one service request (as a one-element list, per the spec)."""
    _check_format(fmt)
    row = db.session.execute(_public().where(Opinion.tracking_no == request_id)).first()
    if row is None:
        raise GeoReportError(404, f"service_request_id {request_id} not found")
    return jsonify([request_payload(row[0], row[1])])


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> tuple[Response, int]:
    """Create a service request; api_key is a staff API token, attribute[site] a site code."""
    _check_format(fmt)
    form = request.form if request.form else (request.get_json(silent=True) or {})
    from server.people.services import user_for_api_token

    user = user_for_api_token(str(form.get("api_key") or ""))
    if user is None or not user.roles & INTAKE_STAFF_ROLES:
        raise GeoReportError(403, "a valid api_key (a staff API token) is required")
    category = db.session.scalar(select(Category).where(
        Category.code == str(form.get("service_code") or ""), Category.active.is_(True)))
    if category is None:
        raise GeoReportError(400, "service_code not found")
    description = str(form.get("description") or "").strip()
    if not description:
        raise GeoReportError(400, "description is required")
    site_code = str(form.get("attribute[site]") or form.get("address_id") or "").strip()
    if not site_code:
        raise GeoReportError(400, "attribute[site] (a site code) is required")
    from server.intake.submission import enter_on_behalf
    from server.sites.services import site_by_code

    site = site_by_code(site_code)
    try:  # the same rules as staff entering a report on a resident's behalf
        data = IntakeStaffReportSchema().load({
            "site_id": site.id, "text": description, "category_id": category.id,
            "phone": form.get("phone") or None,
            "contact_name": " ".join(filter(None, [str(form.get("last_name") or ""),
                                                   str(form.get("first_name") or "")]))
            or None,
        })
    except ValidationError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in translate_field_errors(exc.messages).items())
        raise GeoReportError(400, detail) from exc
    receipt = enter_on_behalf(user, data)
    opinion = receipt.opinion
    return jsonify([{"service_request_id": opinion.tracking_no,
                     "service_notice": "已收到，将在工作日内受理",
                     "account_id": None}]), 201
