"""The pages people open: resident phone pages and the staff console (static files)."""

from __future__ import annotations

from pathlib import Path
from string import Template

from flask import Blueprint, Response, current_app, redirect, request
from markupsafe import escape

from server.common.limits import client_address
from server.common.pages import static_page
from server.sites import scans

bp = Blueprint("pages", __name__)


def _template(name: str, status: int, **values: str) -> Response:
    """Fill a small static/pages template; every value is escaped HTML already."""
    path = Path(current_app.static_folder or "static") / "pages" / name
    html = Template(path.read_text(encoding="utf-8")).safe_substitute(values)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/")
def index() -> Response:
    """Send people to the staff console."""
    return redirect("/console/")  # type: ignore[return-value]


@bp.route("/s/<string:code>")
def resident_site(code: str) -> Response:
    """Count the scan of a site's QR code, then open its page (the URL on the poster)."""
    device = scans.identify_device(
        request.cookies.get(scans.DEVICE_COOKIE), client_address(),
        request.headers.get("User-Agent", ""), current_app.config["SECRET_KEY"],
    )
    # HEAD is what link checkers and preview bots send; a person's scan is a GET.
    visit = scans.visit_site(code, device, count=request.method == "GET")
    if visit.state == "unknown":
        return _template("notfound.html", 404, code=str(escape(code[:32])))
    if visit.state == "retired":
        response = _template("retired.html", 200, **_retired_values(visit))
    else:
        response = static_page("resident/index.html")
    if device.is_new:
        response.set_cookie(
            scans.DEVICE_COOKIE, device.device_id, max_age=scans.DEVICE_COOKIE_MAX_AGE,
            path="/s/", httponly=True, samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


def _retired_values(visit: scans.Visit) -> dict[str, str]:
    assert visit.site is not None
    new = visit.replacement
    if new is None:
        next_html = "<p>请向村（社区）工作人员咨询新的协商议事点位。</p>"
    else:
        next_html = (
            f'<p>请前往新的点位：<strong>{escape(new.name)}</strong></p>'
            f'<p><a class="button" href="/s/{escape(new.code)}">打开“{escape(new.name)}”</a></p>'
        )
    return {"old_name": str(escape(visit.site.name)), "old_code": str(escape(visit.site.code)),
            "next": next_html}


@bp.route("/console/")
def console() -> Response:
    """Open the staff console."""
    return static_page("console/index.html")


@bp.route("/console/posters")
def console_posters() -> Response:
    """Open the staff page for downloading QR posters."""
    return static_page("console/posters.html")
