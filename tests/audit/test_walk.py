"""Every state-changing call in the OpenAPI document leaves an audit row.

The test walks the document the app serves, so an endpoint added later without auditing fails
it; there is no list of endpoints to keep up to date.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.audit import services
from server.audit.models import AuditEvent
from server.extensions import db
from server.people.services import issue_api_token
from tests.factories import bearer, make_district, make_user

WRITE_METHODS = ("post", "put", "patch", "delete")


def _write_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation)
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in WRITE_METHODS]


def _fill(path: str, item: dict[str, Any], operation: dict[str, Any], site_code: str) -> str:
    parameters = list(item.get("parameters", [])) + list(operation.get("parameters", []))
    for parameter in parameters:
        if parameter.get("in") != "path":
            continue
        kind = parameter.get("schema", {}).get("type")
        value = "1" if kind == "integer" else site_code
        path = path.replace("{" + parameter["name"] + "}", value)
    assert "{" not in path, f"unfilled path parameter in {path}"
    return path


def test_every_write_endpoint_in_the_openapi_document_is_audited(client):
    d = make_district()
    admin = make_user("admin")
    token, _ = issue_api_token(admin, "walk")
    document = client.get("/api/openapi.json").get_json()
    operations = _write_operations(document)
    missing = []
    for path, method, operation in operations:
        concrete = _fill(path, document["paths"][path], operation, d.site_a.code)
        before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        response = client.open(concrete, method=method.upper(), json={},
                               headers=bearer(token))
        # Requests that ended without a staff identity (a revoked token, a failed flush on
        # SQLite) queue their record on the stream: copy it in before looking.
        services.drain()
        db.session.rollback()
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > (before or 0),
                                     AuditEvent.method == method.upper(),
                                     AuditEvent.path_template == path)).all()
        if not any(r.path == concrete and r.status == response.status_code for r in rows):
            missing.append(f"{method.upper()} {path} -> {response.status_code}")
    assert missing == [], "write endpoints without an audit row:\n" + "\n".join(missing)


def test_the_walk_covers_a_non_trivial_api(client):
    document = client.get("/api/openapi.json").get_json()
    operations = _write_operations(document)
    assert len(operations) > 40
    # Resident, staff and sign-in endpoints are all part of the walk.
    paths = {path for path, _method, _op in operations}
    assert {"/api/v1/auth/login", "/api/v1/polls/{poll_id}/votes"} <= paths
