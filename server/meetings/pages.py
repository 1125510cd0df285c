"""Pages (static HTML) of the meetings domain: phone page, big screen, moderator control."""

from __future__ import annotations

from flask import Blueprint, Response

from server.common.pages import static_page

bp = Blueprint("meetings_pages", __name__)


@bp.route("/m/<string:code>")
def phone(code: str) -> Response:
    """Open a meeting on a resident's phone (the URL in the meeting's QR code)."""
    return static_page("meetings/phone.html")


@bp.route("/meetings/<int:meeting_id>/screen")
def screen(meeting_id: int) -> Response:
    """Open the big screen (1920×1080) for the projector."""
    return static_page("meetings/screen.html")


@bp.route("/meetings/<int:meeting_id>/control")
def control(meeting_id: int) -> Response:
    """Open the moderator's control page."""
    return static_page("meetings/control.html")


@bp.route("/console/meetings")
def console_meetings() -> Response:
    """Open the staff list of meetings with the 新建协商活动 form."""
    return static_page("console/meetings.html")
